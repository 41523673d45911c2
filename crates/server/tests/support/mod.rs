//! Shared by `crash.rs`, `backup.rs` and `access.rs`: the real `linli-server` binary (started, killed with
//! SIGKILL, restarted on the same database), devices that are core's `Replica` over HTTP, and a
//! model of what each device's mutations must have done on the server.
//!
//! The devices' mutations are chosen so that the server's state of a device is a function of
//! how many of its mutations were processed: each volunteer edits only their own profile
//! (`max_hours_per_week` set from the mutation's id) and signs up for or withdraws from tasks
//! with room for everyone, at times that never overlap. So "the server has processed exactly
//! mutations 1..=L of this device, each once" can be checked record by record.

#![allow(dead_code)] // each test file uses a part

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use linli_core::rng::SplitMix64;
use linli_core::sync::protocol::{JoinResponse, ResultStatus, SyncRequest, SyncResponse};
use linli_core::sync::{Actor, Mutation, PendingMutation, Replica, Role};
use linli_core::{NaiveDate, Task, TaskId, TaskKind, VillageId, Volunteer, VolunteerId};
use serde_json::{json, Value};
use tokio::sync::{Mutex, RwLock};

/// A RAM disk when there is one: the server fsyncs every commit (synchronous=FULL), which on
/// this shared machine's disk would make the tests slow. A SIGKILL does not lose the page
/// cache, so what a killed process had committed is there either way.
pub fn scratch_dir() -> tempfile::TempDir {
    let shm = PathBuf::from("/dev/shm");
    if shm.is_dir() {
        if let Ok(dir) = tempfile::tempdir_in(&shm) {
            return dir;
        }
    }
    tempfile::tempdir().expect("tempdir")
}

/// The real binary serving the demo village from `db`.
pub struct Server {
    child: Option<Child>,
    pub base: String,
    /// The demo coordinator's one-time login code printed by the latest start.
    pub login_code: String,
    pub db: PathBuf,
    pub starts: usize,
    /// More `serve` arguments (e.g. `--sync-rate-limit 0`), on every start.
    pub extra_args: Vec<String>,
}

impl Server {
    pub fn start(db: &Path) -> Server {
        Server::start_with_args(db, &[])
    }

    /// [`Server::start`] with more `serve` arguments.
    pub fn start_with_args(db: &Path, extra_args: &[&str]) -> Server {
        let mut server = Server {
            child: None,
            base: String::new(),
            login_code: String::new(),
            db: db.to_owned(),
            starts: 0,
            extra_args: extra_args.iter().map(|a| (*a).to_owned()).collect(),
        };
        server.restart();
        server
    }

    /// Starts the binary on the same database (any free port: the address changes) and waits
    /// for `listening on`.
    pub fn restart(&mut self) {
        assert!(self.child.is_none(), "the server is still running");
        let no_dist = self.db.with_file_name("no-dist");
        let mut child = Command::new(env!("CARGO_BIN_EXE_linli-server"))
            .args(["serve", "--port", "0", "--demo", "--db"])
            .arg(&self.db)
            .arg("--dist")
            .arg(no_dist)
            .args(&self.extra_args)
            .env("LINLI_LOG", "error")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start linli-server");
        let stdout = child.stdout.take().expect("stdout");
        let mut base = None;
        for line in BufReader::new(stdout).lines() {
            let line = line.expect("line");
            if let Some(code) = line.strip_prefix("demo coordinator login code: ") {
                self.login_code = code.trim().to_owned();
            }
            if let Some(url) = line.strip_prefix("listening on ") {
                base = Some(url.trim().to_owned());
                break;
            }
        }
        let Some(base) = base else {
            let status = child.wait().expect("wait");
            panic!(
                "linli-server did not start on {}: {status}",
                self.db.display()
            );
        };
        self.base = base;
        self.child = Some(child);
        self.starts += 1;
    }

    /// SIGKILL (what `Child::kill` sends on Unix): no shutdown code runs, SQLite is not closed.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().expect("SIGKILL");
            child.wait().expect("reap");
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// `linli-server admin --db DB ARGS`: (success, stdout, stderr).
pub fn admin(db: &Path, args: &[&str]) -> (bool, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_linli-server"))
        .arg("admin")
        .arg("--db")
        .arg(db)
        .args(args)
        .env("LINLI_LOG", "warn")
        .output()
        .expect("run admin");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("http client")
}

/// POST JSON; `Err` when there was no answer (server down, connection cut).
pub async fn post(
    http: &reqwest::Client,
    base: &str,
    path: &str,
    token: Option<&str>,
    body: &Value,
) -> Result<(u16, String), reqwest::Error> {
    let mut request = http.post(format!("{base}{path}")).json(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await?;
    let status = response.status().as_u16();
    Ok((status, response.text().await?))
}

/// A coordinator logs in with a one-time code: (token, their actor).
pub async fn login(http: &reqwest::Client, base: &str, code: &str) -> (String, Actor) {
    let (status, body) = post(http, base, "/api/v1/login", None, &json!({ "code": code }))
        .await
        .expect("login");
    assert_eq!(status, 200, "{body}");
    let body: Value = serde_json::from_str(&body).expect("json");
    let field = |name: &str| body[name].as_str().expect(name).to_owned();
    let actor = Actor {
        village: VillageId::new(field("village_id")),
        role: Role::Coordinator(field("coordinator_id")),
    };
    (field("token"), actor)
}

pub async fn join(http: &reqwest::Client, base: &str, name: &str, phone: &str) -> JoinResponse {
    let body = json!({"invite_code": "DEMO-2026", "name": name, "phone": phone});
    let (status, body) = post(http, base, "/api/v1/join", None, &body)
        .await
        .expect("join");
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).expect("join response")
}

/// Everything the holder of `token` may see, by a reset pull under a client id of its own.
pub async fn full_pull(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    client_id: &str,
) -> BTreeMap<String, Value> {
    full_pull_with_cookie(http, base, token, client_id).await.1
}

/// [`full_pull`] and the answer's cookie (the village's version when it was made).
pub async fn full_pull_with_cookie(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    client_id: &str,
) -> (u64, BTreeMap<String, Value>) {
    // Page by page, as the app does: the first answer is a reset, the rest follow `more`.
    let mut device = Replica::new(client_id);
    let mut pages = 0;
    loop {
        let body = serde_json::to_value(device.sync_request()).expect("encode");
        let (status, body) = post(http, base, "/api/v1/sync", Some(token), &body)
            .await
            .expect("full pull");
        assert_eq!(status, 200, "{body}");
        let response: SyncResponse = serde_json::from_str(&body).expect("sync response");
        assert_eq!(
            response.reset,
            pages == 0,
            "only the first page of a pull without a cookie is a reset"
        );
        device.apply_response(&response).expect("apply a page");
        pages += 1;
        if !device.catching_up() {
            break;
        }
    }
    let cookie = device.cookie.expect("a cookie");
    (cookie, device.snapshot.into_iter().collect())
}

/// `max_hours_per_week` set by the update with mutation id `id`: 20..=80, so every sign-up
/// (at most [`TASKS`] one-hour tasks in one week) stays within the limit.
pub fn hours_for(id: u64) -> u32 {
    20 + (id % 61) as u32
}

/// How many tasks the coordinator posts for the devices.
pub const TASKS: u32 = 8;

/// Non-overlapping one-hour tasks in one week of March 2027, each with a place for every
/// device (`places`), so a sign-up is always confirmed and never depends on other devices.
pub fn tasks(places: u32) -> Vec<Task> {
    (0..TASKS)
        .map(|n| {
            let day = NaiveDate::from_ymd_opt(2027, 3, 1 + n / 2).expect("date");
            let hour = 9 + 3 * (n % 2);
            let start = day.and_hms_opt(hour, 0, 0).expect("time");
            let end = day.and_hms_opt(hour + 1, 0, 0).expect("time");
            Task::builder(
                format!("t-load-{n}"),
                TaskKind::HomeVisit,
                "探访",
                start,
                end,
            )
            .capacity(1, places)
            .build()
            .expect("task")
        })
        .collect()
}

/// Why a sync attempt got no usable answer.
#[derive(Debug)]
pub enum SyncFailure {
    /// No answer: the server is down or the connection was cut (the request may or may not
    /// have been committed).
    NoAnswer(String),
    /// A 5xx: nothing was committed.
    ServerError(u16, String),
}

/// What a device's processed mutations must have left on the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceState {
    pub max_hours_per_week: u64,
    pub signed_up: BTreeSet<String>,
}

/// One device: a `Replica` as the app keeps it, plus what the test remembers about it.
pub struct Device {
    pub token: String,
    pub actor: Actor,
    pub replica: Replica,
    /// Every mutation this device made; `log[i]` has id `i + 1`.
    pub log: Vec<Mutation>,
    /// The highest `last_mutation_id` of a 200 response: everything up to it was acknowledged.
    pub acked: u64,
    /// The results this device received, by mutation id (a second one would mean the server
    /// processed a mutation twice).
    pub results: HashMap<u64, ResultStatus>,
    /// Send `acked_mutation_id` (the app does). The crash test leaves it out, so a server that
    /// lost acknowledged mutations cannot skip over the loss.
    pub send_acked: bool,
    /// `max_hours_per_week` before this device changed it.
    pub initial_hours: u64,
    pub requests: u64,
}

impl Device {
    pub fn volunteer(join: &JoinResponse, client_id: &str) -> Device {
        Device::new(
            join.token.clone(),
            Actor {
                village: VillageId::new(join.village_id.as_str()),
                role: Role::Volunteer(VolunteerId::new(join.volunteer_id.as_str())),
            },
            client_id,
        )
    }

    pub fn new(token: String, actor: Actor, client_id: &str) -> Device {
        Device {
            token,
            actor,
            replica: Replica::new(client_id),
            log: Vec::new(),
            acked: 0,
            results: HashMap::new(),
            send_acked: true,
            initial_hours: 0,
            requests: 0,
        }
    }

    pub fn volunteer_id(&self) -> &VolunteerId {
        match &self.actor.role {
            Role::Volunteer(id) => id,
            Role::Coordinator(_) => panic!("not a volunteer's device"),
        }
    }

    /// Queues a mutation with the next id. Without the app's local check (`Replica::mutate`
    /// builds a view of the whole snapshot: tens of milliseconds per mutation in a debug
    /// build); the server checks every mutation anyway.
    pub fn queue(&mut self, mutation: Mutation) {
        let id = self.replica.next_mutation_id;
        assert_eq!(id, self.log.len() as u64 + 1, "ids follow the log");
        self.replica.pending.push(PendingMutation {
            id,
            mutation: mutation.clone(),
            client_time: None,
        });
        self.replica.next_mutation_id += 1;
        self.log.push(mutation);
    }

    /// The volunteer's profile as the device last received it.
    pub fn own_profile(&self) -> Volunteer {
        let key = format!("volunteer/{}", self.volunteer_id().as_str());
        let (_, value) = self
            .replica
            .snapshot
            .iter()
            .find(|(k, _)| *k == key)
            .expect("the device holds its own profile");
        serde_json::from_value(value.clone()).expect("profile")
    }

    /// The volunteer does something: edits their hours, or signs up for / withdraws from one of
    /// `tasks`, whichever their own mutations so far make possible.
    pub fn act(&mut self, rng: &mut SplitMix64, tasks: &[TaskId]) {
        let id = self.replica.next_mutation_id;
        let mutation = if rng.below(10) < 3 {
            let mut profile = self.own_profile();
            profile.max_hours_per_week = hours_for(id);
            Mutation::UpdateProfile { volunteer: profile }
        } else {
            let task = rng.pick(tasks).expect("tasks").clone();
            if self.replay(1..id).signed_up.contains(task.as_str()) {
                Mutation::Withdraw { task }
            } else {
                Mutation::SignUp { task }
            }
        };
        self.queue(mutation);
    }

    /// What mutations `1..=processed` must have left on the server.
    pub fn expected(&self, processed: u64) -> DeviceState {
        self.replay(1..=processed)
    }

    /// What the mutations with these ids, applied once each in this order, leave on the server.
    pub fn replay(&self, ids: impl IntoIterator<Item = u64>) -> DeviceState {
        let mut state = DeviceState {
            max_hours_per_week: self.initial_hours,
            signed_up: BTreeSet::new(),
        };
        for id in ids {
            let mutation = &self.log[id as usize - 1];
            match mutation {
                Mutation::UpdateProfile { volunteer } => {
                    state.max_hours_per_week = u64::from(volunteer.max_hours_per_week);
                }
                Mutation::SignUp { task } => {
                    assert!(state.signed_up.insert(task.as_str().to_owned()));
                }
                Mutation::Withdraw { task } => {
                    assert!(state.signed_up.remove(task.as_str()));
                }
                other => panic!("unexpected mutation {other:?}"),
            }
        }
        state
    }

    /// What the server holds for this volunteer, read from a coordinator's full pull.
    pub fn on_server(&self, village: &BTreeMap<String, Value>) -> DeviceState {
        let me = self.volunteer_id().as_str();
        let profile = &village[&format!("volunteer/{me}")];
        let suffix = format!("/{me}");
        DeviceState {
            max_hours_per_week: profile["max_hours_per_week"].as_u64().expect("hours"),
            signed_up: village
                .keys()
                .filter_map(|k| k.strip_prefix("signup/")?.strip_suffix(&suffix))
                .map(str::to_owned)
                .collect(),
        }
    }

    /// One sync as the app makes it: push the oldest pending mutations, pull, apply; and, when
    /// the pull came in pages, the next pages at once. Returns the first answer (the one with
    /// the push's results).
    pub async fn sync(
        &mut self,
        http: &reqwest::Client,
        base: &str,
    ) -> Result<SyncResponse, SyncFailure> {
        let request = self.replica.sync_request();
        let first = self.send(http, base, request).await?;
        while self.replica.catching_up() {
            let request = self.replica.sync_request();
            self.send(http, base, request).await?;
        }
        Ok(first)
    }

    /// A sync that pushes nothing: its `last_mutation_id` is what the server has processed.
    pub async fn pull(
        &mut self,
        http: &reqwest::Client,
        base: &str,
    ) -> Result<SyncResponse, SyncFailure> {
        let mut request = self.replica.sync_request();
        request.mutations.clear();
        self.send(http, base, request).await
    }

    async fn send(
        &mut self,
        http: &reqwest::Client,
        base: &str,
        mut request: SyncRequest,
    ) -> Result<SyncResponse, SyncFailure> {
        if !self.send_acked {
            request.acked_mutation_id = None;
        }
        self.requests += 1;
        let body = serde_json::to_value(&request).expect("encode");
        let (status, body) = post(http, base, "/api/v1/sync", Some(&self.token), &body)
            .await
            .map_err(|e| SyncFailure::NoAnswer(e.to_string()))?;
        if status >= 500 {
            return Err(SyncFailure::ServerError(status, body));
        }
        assert_eq!(status, 200, "{}: {body}", self.replica.client_id);
        let response: SyncResponse = serde_json::from_str(&body).expect("sync response");
        for result in &response.results {
            let earlier = self.results.insert(result.id, result.status);
            assert!(
                earlier.is_none(),
                "{}: mutation {} was processed twice",
                self.replica.client_id,
                result.id
            );
            // Every mutation is valid in the order the device made it: a rejection means the
            // server saw another order or a mutation twice.
            assert_eq!(
                result.status,
                ResultStatus::Applied,
                "{}: mutation {} ({:?}) rejected: {:?}",
                self.replica.client_id,
                result.id,
                self.log.get(result.id as usize - 1),
                result.error
            );
        }
        assert!(
            response.last_mutation_id <= self.log.len() as u64,
            "{}: the server processed mutation {} that was never made",
            self.replica.client_id,
            response.last_mutation_id
        );
        self.replica
            .apply_response(&response)
            .expect("the device applies the response");
        self.acked = self.acked.max(response.last_mutation_id);
        Ok(response)
    }

    /// Syncs until the queue is empty (and once more to pull the last changes), and every page
    /// of the pull is in.
    pub async fn settle(&mut self, http: &reqwest::Client, base: &str) {
        for _ in 0..50 {
            let done = self.replica.pending.is_empty();
            if let Err(e) = self.sync(http, base).await {
                panic!("{}: sync failed: {e:?}", self.replica.client_id);
            }
            if done && !self.replica.catching_up() {
                return;
            }
        }
        panic!(
            "{}: {} mutations still pending after 50 syncs (first id {:?}, server at {})",
            self.replica.client_id,
            self.replica.pending.len(),
            self.replica.pending.first().map(|p| p.id),
            self.acked
        );
    }

    pub fn snapshot(&self) -> BTreeMap<String, Value> {
        self.replica.snapshot.iter().cloned().collect()
    }
}

/// Devices pushing continuously in the background, each in its own task: a few mutations
/// queued whenever its queue runs low, a sync, a short pause (a longer one after no answer).
pub struct Load {
    stop: Arc<AtomicBool>,
    handles: Vec<tokio::task::JoinHandle<()>>,
    /// Requests on their way right now.
    pub in_flight: Arc<AtomicUsize>,
    /// Requests answered with 200.
    pub answered: Arc<AtomicUsize>,
    /// Requests without an answer (or with a 5xx).
    pub failed: Arc<AtomicUsize>,
}

/// Starts [`Load`]: requests go to the address in `base` (it changes when the server
/// restarts); a device syncs only while it can read-lock `gate`, so a writer of `gate` sees
/// every device at rest.
pub fn start_load(
    devices: &[Arc<Mutex<Device>>],
    tasks: &[TaskId],
    base: Arc<std::sync::RwLock<String>>,
    gate: Arc<RwLock<()>>,
    seed: u64,
) -> Load {
    let load = Load {
        stop: Arc::new(AtomicBool::new(false)),
        handles: Vec::new(),
        in_flight: Arc::new(AtomicUsize::new(0)),
        answered: Arc::new(AtomicUsize::new(0)),
        failed: Arc::new(AtomicUsize::new(0)),
    };
    let mut handles = Vec::new();
    for (i, device) in devices.iter().enumerate() {
        let (device, base, gate, stop) = (
            device.clone(),
            base.clone(),
            gate.clone(),
            load.stop.clone(),
        );
        let (in_flight, answered, failed) = (
            load.in_flight.clone(),
            load.answered.clone(),
            load.failed.clone(),
        );
        let tasks = tasks.to_vec();
        let http = http_client();
        let mut rng = SplitMix64::new(seed * 1000 + i as u64);
        handles.push(tokio::spawn(async move {
            while !stop.load(Ordering::SeqCst) {
                let ok = {
                    let _open = gate.read().await;
                    let mut device = device.lock().await;
                    if device.replica.pending.len() < 4 {
                        for _ in 0..rng.range(1, 3) {
                            device.act(&mut rng, &tasks);
                        }
                    }
                    let base = base.read().expect("base").clone();
                    in_flight.fetch_add(1, Ordering::SeqCst);
                    let result = device.sync(&http, &base).await;
                    in_flight.fetch_sub(1, Ordering::SeqCst);
                    result.is_ok()
                };
                let counter = if ok { &answered } else { &failed };
                counter.fetch_add(1, Ordering::SeqCst);
                // A device that got no answer retries soon, as the app does when back online.
                let pause = if ok { rng.below(8) } else { 15 };
                tokio::time::sleep(Duration::from_millis(pause)).await;
            }
        }));
    }
    Load { handles, ..load }
}

impl Load {
    /// Stops the devices after their current request; a device whose checks failed fails here.
    pub async fn stop(self) {
        self.stop.store(true, Ordering::SeqCst);
        for handle in self.handles {
            handle.await.expect("a device failed");
        }
    }
}

/// The demo coordinator logs in and posts [`TASKS`] tasks with `places` places each; returns
/// the coordinator's token and the task ids.
pub async fn coordinator_posts_tasks(
    http: &reqwest::Client,
    server: &Server,
    places: u32,
) -> (String, Vec<TaskId>) {
    let (token, actor) = login(http, &server.base, &server.login_code).await;
    let mut coordinator = Device::new(token.clone(), actor, "coordinator-phone");
    coordinator
        .sync(http, &server.base)
        .await
        .expect("first pull");
    let tasks = tasks(places);
    for task in &tasks {
        coordinator.queue(Mutation::CreateTask { task: task.clone() });
    }
    coordinator.settle(http, &server.base).await;
    (token, tasks.into_iter().map(|t| t.id).collect())
}

/// `n` volunteers join and pull once (so each holds their profile and the tasks).
pub async fn volunteers_join(http: &reqwest::Client, base: &str, n: usize) -> Vec<Device> {
    let mut devices = Vec::new();
    for i in 0..n {
        let joined = join(http, base, &format!("测试{i}"), &format!("1390000{i:04}")).await;
        let mut device = Device::volunteer(&joined, &format!("phone-{i}"));
        device.sync(http, base).await.expect("first pull");
        device.initial_hours = u64::from(device.own_profile().max_hours_per_week);
        devices.push(device);
    }
    devices
}
