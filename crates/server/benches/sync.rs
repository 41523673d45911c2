//! Sync benchmarks (acceptance 4), a plain `harness = false` program; lines starting `BENCH ` are
//! collected by `cargo xtask bench`.
//!
//! 1. Load: the real `linli-server` binary (with `--demo`, default rate limits) on loopback and
//!    1,000 simulated volunteers' phones, each joined with its own token, syncing about every
//!    2 s (uniform 1-3 s think time) for 60 s; 40 % of syncs push a pending mutation (sign-up,
//!    withdrawal, profile change), the rest only pull. Offered and achieved syncs per second, p50/p90/p99/max,
//!    errors (any answer but 200).
//! 2. Pull cost vs. database size: in process, a coordinator changes one task and another device
//!    pulls; the median pull with 1,000 and with 100,000 records in the database, and the ratio
//!    (incremental pulls read only what changed, so it should be close to 1).
//!
//! `LINLI_LOAD_DEVICES` (1000), `LINLI_LOAD_SECONDS` (60), `LINLI_LOAD_INTERVAL_MS` (2000,
//! the mean think time) and `LINLI_LOAD_PUSH_PERCENT` (40) tune part 1.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use linli_core::demo::{generate, DemoParams};
use linli_core::rng::SplitMix64;
use linli_core::sync::protocol::{PullCursor, PushedMutation, SyncRequest, SyncResponse};
use linli_core::sync::{Mutation, Record};
use linli_core::{Task, TaskId, TaskStatus, TimeRange, Volunteer, WeeklyAvailability};
use linli_server::storage::{Principal, PrincipalRole, RecordRow, Storage, VillageRow};

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

struct Server {
    child: Child,
    base: String,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_server() -> Server {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_linli-server"))
        .args(["serve", "--port", "0", "--demo", "--db"])
        .arg(dir.path().join("bench.sqlite3"))
        .arg("--dist")
        .arg(dir.path().join("no-dist"))
        .env("LINLI_LOG", "error")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start linli-server");
    let stdout = child.stdout.take().expect("stdout");
    let mut base = None;
    for line in BufReader::new(stdout).lines().map_while(Result::ok) {
        if let Some(url) = line.strip_prefix("listening on ") {
            base = Some(url.trim().to_owned());
            break;
        }
    }
    Server {
        child,
        base: base.expect("server did not start"),
        _dir: dir,
    }
}

fn free_all_week(mut volunteer: Volunteer) -> Volunteer {
    let all_day = TimeRange::new(0, 1440).expect("range");
    volunteer.availability =
        WeeklyAvailability::new(std::array::from_fn(|_| vec![all_day])).expect("week");
    volunteer.max_hours_per_week = 80;
    volunteer
}

/// What one measured request came to.
enum Outcome<R> {
    Ok(R),
    /// Any answer but 200, or no answer at all.
    Error(String),
}

/// The part of a sync answer a steady-state device of the benchmark looks at. The patch is
/// scanned but not built (`IgnoredAny`): the load generator shares the 2 cores with the server,
/// and building every record's JSON tree on the client side would take CPU from the server.
#[derive(serde::Deserialize)]
struct LightResponse {
    cookie: u64,
    patch: Vec<serde::de::IgnoredAny>,
    results: Vec<linli_core::sync::protocol::MutationResult>,
    #[serde(default)]
    more: Option<PullCursor>,
}

async fn post<R: serde::de::DeserializeOwned>(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    request: &SyncRequest,
) -> Outcome<R> {
    let response = match client
        .post(url)
        .bearer_auth(token)
        .json(request)
        .send()
        .await
    {
        Ok(r) => r,
        Err(e) => return Outcome::Error(format!("transport: {e}")),
    };
    let status = response.status();
    if status != 200 {
        return Outcome::Error(format!("status {status}"));
    }
    match response.json().await {
        Ok(body) => Outcome::Ok(body),
        Err(e) => Outcome::Error(format!("body: {e}")),
    }
}

/// The load run's shape, from the environment (`LINLI_LOAD_*`).
#[derive(Clone, Copy)]
struct LoadShape {
    devices: u64,
    seconds: u64,
    /// Mean think time between one device's syncs; each wait is drawn uniformly from
    /// `interval / 2 ..= interval * 3 / 2`.
    interval: Duration,
    /// Share of syncs, in percent, that push a pending mutation.
    push_percent: u64,
}

/// A device's state after joining and its first sync (not measured).
struct Joined {
    token: String,
    client_id: String,
    cookie: u64,
    /// Where a pull in pages goes on (the `more` of the last answer).
    resume: Option<PullCursor>,
    next_id: u64,
    profile: Volunteer,
    open: Vec<TaskId>,
}

fn sync_request(
    client_id: &str,
    cookie: Option<u64>,
    mutations: Vec<PushedMutation>,
) -> SyncRequest {
    SyncRequest::new(client_id.to_owned(), cookie, mutations)
}

fn pushed(id: u64, mutation: &Mutation) -> PushedMutation {
    PushedMutation::new(id, mutation, None)
}

fn expect_ok(outcome: Outcome<SyncResponse>, what: &str) -> SyncResponse {
    match outcome {
        Outcome::Ok(r) => r,
        Outcome::Error(e) => panic!("{what}: {e}"),
    }
}

/// Joins with the demo invite (its own token), does the first (reset) sync and frees its week
/// so sign-ups can succeed. Not measured: this is a phone's first day, not its steady state.
async fn join_device(client: reqwest::Client, base: Arc<String>, index: u64) -> Joined {
    let joined: serde_json::Value = client
        .post(format!("{base}/api/v1/join"))
        .json(&serde_json::json!({
            "invite_code": "DEMO-2026",
            "name": format!("压测{index}"),
            "phone": format!("139{index:08}"),
        }))
        .send()
        .await
        .expect("join")
        .json()
        .await
        .expect("join body");
    let token = joined["token"].as_str().expect("token").to_owned();
    let me = joined["volunteer_id"].as_str().expect("id").to_owned();
    let url = format!("{base}/api/v1/sync");
    let client_id = format!("bench-{index}");
    // The first sync, every page of it.
    let mut open: Vec<TaskId> = Vec::new();
    let mut profile = None;
    let mut request = sync_request(&client_id, None, vec![]);
    let first = loop {
        let page: SyncResponse =
            expect_ok(post(&client, &url, &token, &request).await, "first sync");
        for op in &page.patch {
            if let linli_core::sync::protocol::PatchOp::Put { key, value } = op {
                match Record::from_value(key, value.clone()) {
                    Ok(Record::Task(t)) if t.status == TaskStatus::Open => open.push(t.id),
                    Ok(Record::Volunteer(v)) if v.id.as_str() == me => profile = Some(v),
                    _ => {}
                }
            }
        }
        match page.more.clone() {
            Some(more) => {
                request = SyncRequest {
                    resume: Some(more),
                    ..sync_request(&client_id, Some(page.cookie), vec![])
                }
            }
            None => break page,
        }
    };
    let profile = free_all_week(profile.expect("own profile"));
    let mutation = Mutation::UpdateProfile {
        volunteer: profile.clone(),
    };
    let response = expect_ok(
        post(
            &client,
            &url,
            &token,
            &sync_request(&client_id, Some(first.cookie), vec![pushed(1, &mutation)]),
        )
        .await,
        "profile",
    );
    Joined {
        token,
        client_id,
        cookie: response.cookie,
        resume: None,
        next_id: 2,
        profile,
        open,
    }
}

/// What one device measured.
#[derive(Default)]
struct DeviceReport {
    latencies: Vec<Duration>,
    pushes: u64,
    /// Patch operations received, summed over the measured syncs.
    patch_ops: u64,
    errors: Vec<String>,
}

/// One simulated phone in its steady state: sleeps a think time, then syncs. `push_percent`
/// of syncs (default 40 %) push a pending mutation: 5 in 8 of them a sign-up or a withdrawal,
/// 3 in 8 a profile change (weekly hours); the others only pull.
/// A mutation that got no answer stays pending and is pushed again with the next sync, as the
/// app's queue does.
async fn run_device(
    client: reqwest::Client,
    base: Arc<String>,
    index: u64,
    mut device: Joined,
    shape: LoadShape,
    start: Instant,
    deadline: Instant,
) -> DeviceReport {
    let url = format!("{base}/api/v1/sync");
    let mut rng = SplitMix64::new(index + 1);
    let interval_ms = shape.interval.as_millis().max(2) as u64;
    // Spread the first syncs over one interval: phones do not sync in lockstep.
    let mut next = start + Duration::from_millis(rng.below(interval_ms));
    let mut mine: Vec<TaskId> = Vec::new();
    let mut pending: Vec<(PushedMutation, Option<TaskId>)> = Vec::new();
    let mut report = DeviceReport::default();
    loop {
        tokio::time::sleep_until(tokio::time::Instant::from_std(next)).await;
        if Instant::now() >= deadline {
            break;
        }
        if pending.is_empty() {
            // Of the pushing syncs, 5 in 8 sign up or withdraw, 3 in 8 change the profile.
            let roll = rng.below(800);
            if roll < 5 * shape.push_percent {
                let (mutation, task) = if !mine.is_empty() && rng.chance(0.4) {
                    let task = mine.swap_remove(rng.index(mine.len()));
                    (Mutation::Withdraw { task }, None)
                } else {
                    let task = rng.pick(&device.open).cloned().expect("open tasks");
                    (Mutation::SignUp { task: task.clone() }, Some(task))
                };
                pending.push((pushed(device.next_id, &mutation), task));
                device.next_id += 1;
            } else if roll < 8 * shape.push_percent {
                device.profile.max_hours_per_week = 40 + rng.below(40) as u32;
                let mutation = Mutation::UpdateProfile {
                    volunteer: device.profile.clone(),
                };
                pending.push((pushed(device.next_id, &mutation), None));
                device.next_id += 1;
            }
        }
        let mutations: Vec<PushedMutation> = pending.iter().map(|(m, _)| m.clone()).collect();
        if !mutations.is_empty() {
            report.pushes += 1;
        }
        let request = SyncRequest {
            resume: device.resume.take(),
            ..sync_request(&device.client_id, Some(device.cookie), mutations)
        };
        let started = Instant::now();
        let outcome: Outcome<LightResponse> = post(&client, &url, &device.token, &request).await;
        report.latencies.push(started.elapsed());
        match outcome {
            Outcome::Ok(response) => {
                device.cookie = response.cookie;
                device.resume = response.more;
                report.patch_ops += response.patch.len() as u64;
                for (mutation, task) in pending.drain(..) {
                    let applied = response.results.iter().any(|r| {
                        r.id == mutation.id
                            && r.status == linli_core::sync::protocol::ResultStatus::Applied
                    });
                    if let (true, Some(task)) = (applied, task) {
                        mine.push(task);
                    }
                }
            }
            Outcome::Error(e) => report.errors.push(e),
        }
        // A pull in pages goes on at once, as the app does; otherwise the user thinks.
        let wait = if device.resume.is_some() {
            0
        } else {
            interval_ms / 2 + rng.below(interval_ms + 1)
        };
        next = Instant::now().max(next) + Duration::from_millis(wait);
    }
    report
}

fn load_benchmark() {
    let shape = LoadShape {
        devices: env_or("LINLI_LOAD_DEVICES", 1000),
        seconds: env_or("LINLI_LOAD_SECONDS", 60),
        interval: Duration::from_millis(env_or("LINLI_LOAD_INTERVAL_MS", 2000)),
        push_percent: env_or("LINLI_LOAD_PUSH_PERCENT", 40).min(100),
    };
    let server = start_server();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let base = Arc::new(server.base.clone());
    let (reports, elapsed, join_time) = runtime.block_on(async {
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(shape.devices as usize)
            .build()
            .expect("client");
        // Joins and first syncs, 16 at a time (a village's phones do not all join at once).
        let joined_at = Instant::now();
        let gate = Arc::new(tokio::sync::Semaphore::new(16));
        let handles: Vec<_> = (0..shape.devices)
            .map(|i| {
                let (client, base, gate) = (client.clone(), base.clone(), gate.clone());
                tokio::spawn(async move {
                    let _permit = gate.acquire_owned().await.expect("semaphore");
                    join_device(client, base, i).await
                })
            })
            .collect();
        let mut joined = Vec::new();
        for handle in handles {
            joined.push(handle.await.expect("join task"));
        }
        let join_time = joined_at.elapsed();
        let start = Instant::now();
        let deadline = start + Duration::from_secs(shape.seconds);
        let handles: Vec<_> = joined
            .into_iter()
            .enumerate()
            .map(|(i, device)| {
                tokio::spawn(run_device(
                    client.clone(),
                    base.clone(),
                    i as u64,
                    device,
                    shape,
                    start,
                    deadline,
                ))
            })
            .collect();
        let mut reports = Vec::new();
        for handle in handles {
            reports.push(handle.await.expect("device task"));
        }
        (reports, start.elapsed(), join_time)
    });
    let mut sorted: Vec<Duration> = reports.iter().flat_map(|r| r.latencies.clone()).collect();
    sorted.sort();
    let count = sorted.len();
    let pushes: u64 = reports.iter().map(|r| r.pushes).sum();
    let patch_ops: u64 = reports.iter().map(|r| r.patch_ops).sum();
    let errors: Vec<&String> = reports.iter().flat_map(|r| &r.errors).collect();
    let offered = shape.devices as f64 / shape.interval.as_secs_f64();
    println!(
        "BENCH sync load ({} devices, each its own token, one sync per {:.1} s on average \
         (offered {offered:.0}/s), {} % of syncs pushing, {} s, demo village, loopback, fsync on, \
         sync rate limit on): \
         {count} syncs ({pushes} with mutations), achieved {:.0}/s, p50 {:.1} ms, \
         p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms, errors {} ({:.1} patch operations per sync; joins and first syncs before: {:.1} s)",
        shape.devices,
        shape.interval.as_secs_f64(),
        shape.push_percent,
        shape.seconds,
        count as f64 / elapsed.as_secs_f64(),
        ms(percentile(&sorted, 0.50)),
        ms(percentile(&sorted, 0.90)),
        ms(percentile(&sorted, 0.99)),
        ms(sorted.last().copied().unwrap_or_default()),
        errors.len(),
        patch_ops as f64 / count.max(1) as f64,
        join_time.as_secs_f64(),
    );
    if let Some(first) = errors.first() {
        println!("first error: {first}");
    }
}

/// A village with exactly `total` records: a small demo village padded with open tasks.
fn village_of(total: usize) -> (VillageRow, Vec<RecordRow>, Vec<Task>) {
    let demo = generate(&DemoParams {
        volunteers: 150,
        beneficiaries: 80,
        days: 7,
        tasks_per_day: Some(20),
        groups: 4,
        ..DemoParams::village()
    });
    let mut records: Vec<Record> = vec![Record::Village(demo.village.clone())];
    records.extend(demo.volunteers.iter().cloned().map(Record::Volunteer));
    for b in &demo.beneficiaries {
        records.extend(Record::from_beneficiary(b));
    }
    records.extend(demo.tasks.iter().cloned().map(Record::Task));
    let template = demo.tasks[0].clone();
    let mut n = 0;
    while records.len() < total {
        n += 1;
        let mut task = template.clone();
        task.id = TaskId::new(format!("t-pad-{n}"));
        records.push(Record::Task(task));
    }
    records.truncate(total);
    let rows = records
        .iter()
        .map(|r| RecordRow {
            key: r.key(),
            kind: r.kind().as_str(),
            body: r.to_value(),
        })
        .collect();
    let village = VillageRow {
        id: demo.village.id.as_str().to_owned(),
        name: demo.village.name.clone(),
        time_zone: demo.village.time_zone.clone(),
        utc_offset_minutes: demo.village.utc_offset_minutes,
    };
    (village, rows, demo.tasks)
}

/// Median time of an incremental pull after one task changed, for a coordinator's device and
/// for a volunteer's.
fn pull_after_one_change(total: usize, iterations: usize) -> (Duration, Duration, usize) {
    let dir = tempfile::tempdir().expect("tempdir");
    let storage = Storage::open(&dir.path().join("pull.sqlite3")).expect("open");
    let (village, rows, tasks) = village_of(total);
    storage.create_village(&village, &rows).expect("village");
    let token = |role, subject: &str| {
        storage
            .issue_token(
                &Principal {
                    village_id: village.id.clone(),
                    role,
                    subject: subject.into(),
                },
                "bench",
            )
            .expect("token")
    };
    let writer = token(PrincipalRole::Coordinator, "c-writer");
    let reader = token(PrincipalRole::Coordinator, "c-reader");
    let volunteer = token(PrincipalRole::Volunteer, "v-0001");
    // Whole answers: the first syncs are resets of the whole village, measured is the pull after.
    let request = |client: &str, cookie: Option<u64>, mutations: Vec<PushedMutation>| SyncRequest {
        max_records: None,
        ..SyncRequest::new(client, cookie, mutations)
    };
    // Initial resets (not measured).
    let mut reader_cookie = Some(
        storage
            .sync(&reader, &request("reader", None, vec![]))
            .expect("sync")
            .cookie,
    );
    let mut volunteer_cookie = Some(
        storage
            .sync(&volunteer, &request("vol", None, vec![]))
            .expect("sync")
            .cookie,
    );
    let mut writer_cookie = None;
    let mut coordinator_pulls = Vec::new();
    let mut volunteer_pulls = Vec::new();
    let mut patch_len = 0;
    for i in 0..iterations {
        let mut task = tasks[i % tasks.len()].clone();
        task.title = format!("改期 {i}");
        let mutation = Mutation::UpdateTask { task };
        let pushed = PushedMutation::new(i as u64 + 1, &mutation, None);
        let response = storage
            .sync(&writer, &request("writer", writer_cookie, vec![pushed]))
            .expect("write");
        writer_cookie = Some(response.cookie);
        let started = Instant::now();
        let pulled = storage
            .sync(&reader, &request("reader", reader_cookie, vec![]))
            .expect("pull");
        coordinator_pulls.push(started.elapsed());
        assert!(!pulled.reset);
        patch_len = pulled.patch.len();
        reader_cookie = Some(pulled.cookie);
        let started = Instant::now();
        let pulled = storage
            .sync(&volunteer, &request("vol", volunteer_cookie, vec![]))
            .expect("pull");
        volunteer_pulls.push(started.elapsed());
        volunteer_cookie = Some(pulled.cookie);
    }
    coordinator_pulls.sort();
    volunteer_pulls.sort();
    (
        percentile(&coordinator_pulls, 0.5),
        percentile(&volunteer_pulls, 0.5),
        patch_len,
    )
}

fn pull_benchmark() {
    let iterations = 200;
    let (small_c, small_v, small_patch) = pull_after_one_change(1_000, iterations);
    let (large_c, large_v, large_patch) = pull_after_one_change(100_000, iterations);
    println!(
        "BENCH sync pull after one change, coordinator device: 1,000 records {:.3} ms, \
         100,000 records {:.3} ms (ratio {:.2}; patches of {small_patch} and {large_patch} ops)",
        ms(small_c),
        ms(large_c),
        large_c.as_secs_f64() / small_c.as_secs_f64().max(1e-9),
    );
    println!(
        "BENCH sync pull after one change, volunteer device: 1,000 records {:.3} ms, \
         100,000 records {:.3} ms (ratio {:.2})",
        ms(small_v),
        ms(large_v),
        large_v.as_secs_f64() / small_v.as_secs_f64().max(1e-9),
    );
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --all-targets` runs this binary without it,
    // and a 60-second load run in a debug build is no test.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    // A filter argument runs only the matching part.
    let filter: Option<String> = std::env::args().skip(1).find(|a| !a.starts_with("--"));
    let wants = |name: &str| filter.as_deref().is_none_or(|f| name.contains(f));
    if wants("pull") {
        pull_benchmark();
    }
    if wants("load") {
        load_benchmark();
    }
}
