//! Acceptance 1: offline-first sync under a hostile network. Seeded random schedules of 3–6
//! devices (core's `Replica`, as the browser keeps it) against the server's sync function on a
//! real SQLite file: partitions, duplicated, dropped and reordered requests and responses, and
//! devices killed between a local write and its push (their queue survives, as in local
//! storage). After healing and a final round of syncs:
//! - every device's snapshot is byte-for-byte what its user may see on the server;
//! - every mutation a device created was processed exactly once by the server;
//! - no task ever has more confirmed volunteers than its maximum;
//! - waiting lists are in the server's order of arrival (`seq`).
//!
//! `SIM_SCHEDULES` (default 500) and `SIM_SEED` (default 1) change the run.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;

use linli_core::rng::SplitMix64;
use linli_core::sync::protocol::{PatchOp, ResultStatus, SyncRequest, SyncResponse};
use linli_core::sync::{
    Actor, Mutation, Outcome, Record, Replica, Role, Signup, SignupStatus, Store,
};
use linli_core::{
    Beneficiary, BeneficiaryFlags, BeneficiaryId, BeneficiaryPrivate, Language, NaiveDate, Task,
    TaskId, TaskKind, TaskStatus, TimeRange, Village, VillageGroup, VillageGroupId, VillageId,
    Volunteer, VolunteerId, WeeklyAvailability,
};
use linli_server::storage::{Principal, PrincipalRole, RecordRow, Storage, VillageRow};

const VILLAGE: &str = "vil-sim";
const VOLUNTEERS: u32 = 6;

fn scratch_dir() -> tempfile::TempDir {
    // A RAM disk when there is one: the server fsyncs every commit (synchronous=FULL).
    let shm = PathBuf::from("/dev/shm");
    if shm.is_dir() {
        if let Ok(dir) = tempfile::tempdir_in(&shm) {
            return dir;
        }
    }
    tempfile::tempdir().expect("tempdir")
}

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2027, 3, d).expect("date")
}

fn task(id: &str, d: u32, hour: u32, places: u32, beneficiary: Option<&str>) -> Task {
    let start = day(d).and_hms_opt(hour, 0, 0).expect("time");
    let end = day(d).and_hms_opt(hour + 2, 0, 0).expect("time");
    let mut b = Task::builder(id, TaskKind::HomeVisit, "探访", start, end).capacity(1, places);
    if let Some(ben) = beneficiary {
        b = b.beneficiary(BeneficiaryId::new(ben));
    }
    b.build().expect("task")
}

fn volunteer(n: u32, hours: u32) -> Volunteer {
    let all_day = TimeRange::new(0, 1440).expect("range");
    Volunteer {
        id: VolunteerId::numbered(n),
        name: format!("志愿者{n}"),
        phone: format!("1380000{n:04}"),
        group: VillageGroupId::numbered(1),
        gender: None,
        certifications: Vec::new(),
        languages: vec![Language::mandarin()],
        availability: WeeklyAvailability::new(std::array::from_fn(|_| vec![all_day]))
            .expect("week"),
        exceptions: Vec::new(),
        max_hours_per_week: hours,
        preferred_task_kinds: Vec::new(),
    }
}

fn beneficiary(n: u32, address: &str) -> Beneficiary {
    Beneficiary {
        id: BeneficiaryId::numbered(n),
        name: format!("老人{n}"),
        group: VillageGroupId::numbered(1),
        gender: None,
        birth_year: Some(1940),
        flags: BeneficiaryFlags::default(),
        needs: vec![TaskKind::HomeVisit],
        preferences: Default::default(),
        private: Some(BeneficiaryPrivate {
            address: address.into(),
            phone: None,
            family_contact: None,
            health_notes: format!("备注{n}"),
        }),
    }
}

/// The initial village: 6 volunteers, 2 beneficiaries with private details, 5 small tasks
/// (t-1 and t-2 overlap, so some sign-ups are not eligible).
fn world() -> Vec<Record> {
    let village = Village {
        id: VillageId::new(VILLAGE),
        name: "模拟村".into(),
        time_zone: "Asia/Shanghai".into(),
        utc_offset_minutes: 480,
        groups: vec![VillageGroup {
            id: VillageGroupId::numbered(1),
            name: "第一村民小组".into(),
            lat: 30.0,
            lon: 120.0,
        }],
        credit_rate_per_hour: Village::DEFAULT_CREDIT_RATE,
    };
    let mut records = vec![Record::Village(village)];
    for n in 1..=VOLUNTEERS {
        records.push(Record::Volunteer(volunteer(n, 40)));
    }
    for n in 1..=2 {
        records.extend(Record::from_beneficiary(&beneficiary(
            n,
            &format!("第一组 {n}号"),
        )));
    }
    records.push(Record::Task(task("t-1", 2, 9, 1, Some("b-0001"))));
    records.push(Record::Task(task("t-2", 2, 10, 2, Some("b-0002"))));
    records.push(Record::Task(task("t-3", 3, 9, 2, Some("b-0001"))));
    records.push(Record::Task(task("t-4", 4, 14, 1, None)));
    records.push(Record::Task(task("t-5", 5, 8, 3, Some("b-0002"))));
    records
}

struct Device {
    token: String,
    actor: Actor,
    replica: Replica,
    partitioned: bool,
}

enum Message {
    Request {
        device: usize,
        request: SyncRequest,
    },
    Response {
        device: usize,
        response: SyncResponse,
    },
}

/// What the server did, as the test observes it at the server's door.
#[derive(Default)]
struct Ledger {
    /// (client id, mutation id) → number of times the server processed it.
    processed: HashMap<(String, u64), u32>,
    /// Order in which the server applied volunteers' sign-ups: (task, volunteer) → index of
    /// the latest.
    created: HashMap<(String, String), usize>,
    events: usize,
    stats: Stats,
}

/// How much the schedules exercised, printed at the end (and checked to be non-trivial).
#[derive(Default, Debug)]
struct Stats {
    applied: u64,
    rejected: u64,
    waitlisted: u64,
    promoted: u64,
    resets: u64,
    dels: u64,
    /// Answers that were not the last page of their pull.
    partial_pages: u64,
}

struct Sim {
    rng: SplitMix64,
    storage: Storage,
    devices: Vec<Device>,
    network: Vec<Message>,
    ledger: Ledger,
    tasks: Vec<TaskId>,
    next_task: u32,
    coordinator: Actor,
    /// Records per pull page: small, so pulls run over several pages while everything else
    /// (pushes, lost and reordered answers, resets) goes on between them.
    page_size: u32,
}

impl Sim {
    fn new(seed: u64) -> (Sim, tempfile::TempDir) {
        let dir = scratch_dir();
        let storage = Storage::open(&dir.path().join("sim.sqlite3")).expect("open");
        let rows: Vec<RecordRow> = world()
            .iter()
            .map(|r| RecordRow {
                key: r.key(),
                kind: r.kind().as_str(),
                body: r.to_value(),
            })
            .collect();
        storage
            .create_village(
                &VillageRow {
                    id: VILLAGE.into(),
                    name: "模拟村".into(),
                    time_zone: "Asia/Shanghai".into(),
                    utc_offset_minutes: 480,
                },
                &rows,
            )
            .expect("village");
        let mut rng = SplitMix64::new(seed);
        let count = rng.range(3, 6) as usize;
        let mut devices = Vec::new();
        for i in 0..count {
            // Device 0 is the coordinator's; a volunteer sometimes has a second device.
            let principal = if i == 0 {
                Principal {
                    village_id: VILLAGE.into(),
                    role: PrincipalRole::Coordinator,
                    subject: "c-1".into(),
                }
            } else {
                let n = if i >= 2 && rng.chance(0.2) {
                    i as u32 - 1
                } else {
                    i as u32
                };
                Principal {
                    village_id: VILLAGE.into(),
                    role: PrincipalRole::Volunteer,
                    subject: VolunteerId::numbered(n).as_str().to_owned(),
                }
            };
            let token = storage.issue_token(&principal, "sim").expect("token");
            devices.push(Device {
                token,
                actor: principal.actor(),
                replica: Replica::new(format!("dev-{seed}-{i}")),
                partitioned: false,
            });
        }
        let coordinator = devices[0].actor.clone();
        let page_size = rng.range(2, 12);
        let sim = Sim {
            rng,
            storage,
            devices,
            network: Vec::new(),
            ledger: Ledger::default(),
            tasks: (1..=5).map(|n| TaskId::new(format!("t-{n}"))).collect(),
            next_task: 6,
            coordinator,
            page_size,
        };
        (sim, dir)
    }

    fn random_mutation(&mut self, device: usize) -> Mutation {
        let task = self.rng.pick(&self.tasks).cloned().expect("tasks");
        let volunteer = VolunteerId::numbered(self.rng.range(1, VOLUNTEERS));
        let actor = self.devices[device].actor.clone();
        match &actor.role {
            Role::Volunteer(me) => match self.rng.below(10) {
                0..=5 => Mutation::SignUp { task },
                6..=8 => Mutation::Withdraw { task },
                _ => {
                    // Fewer hours can make a waiting volunteer ineligible for promotion.
                    let n = me.as_str().trim_start_matches("v-").parse().unwrap_or(1);
                    Mutation::UpdateProfile {
                        volunteer: volunteer_hours(n, self.rng.range(1, 40)),
                    }
                }
            },
            Role::Coordinator(_) => {
                let view = self.devices[device].replica.view(&actor);
                let current = view.task(&task).ok().flatten();
                match self.rng.below(12) {
                    0..=3 => Mutation::Assign { task, volunteer },
                    4..=6 => Mutation::Unassign { task, volunteer },
                    7 => Mutation::CancelTask { task },
                    8 | 9 => match current {
                        Some(mut t) => {
                            t.volunteers_max = self.rng.range(1, 3);
                            t.volunteers_min = 1;
                            if self.rng.chance(0.3) {
                                t.beneficiary = match self.rng.below(3) {
                                    0 => None,
                                    n => Some(BeneficiaryId::numbered(n as u32)),
                                };
                            }
                            Mutation::UpdateTask { task: t }
                        }
                        None => Mutation::CancelTask { task },
                    },
                    10 => {
                        let id = format!("t-{}", self.next_task);
                        self.next_task += 1;
                        self.tasks.push(TaskId::new(id.as_str()));
                        let d = self.rng.range(2, 6);
                        let h = self.rng.range(8, 16);
                        let places = self.rng.range(1, 3);
                        let ben = format!("b-000{}", self.rng.range(1, 2));
                        Mutation::CreateTask {
                            task: task_for(&id, d, h, places, Some(&ben)),
                        }
                    }
                    _ => {
                        let n = self.rng.range(1, 2);
                        let mut b = beneficiary(n, &format!("第一组 {}号", self.rng.range(1, 99)));
                        if self.rng.chance(0.2) {
                            b.private = None;
                        }
                        Mutation::UpdateBeneficiary { beneficiary: b }
                    }
                }
            }
        }
    }

    /// The user acts on the device: checked against its view and queued (persisted) if the
    /// rules allow it there.
    fn local_write(&mut self, device: usize) {
        let mutation = self.random_mutation(device);
        let actor = self.devices[device].actor.clone();
        let _ = self.devices[device].replica.mutate(&actor, mutation, None);
    }

    /// The device's next request, as the app makes it but with this run's small pages.
    fn request(&self, device: usize) -> SyncRequest {
        SyncRequest {
            max_records: Some(self.page_size),
            ..self.devices[device].replica.sync_request()
        }
    }

    fn send(&mut self, device: usize) {
        if self.devices[device].partitioned {
            return; // lost in the partition
        }
        let request = self.request(device);
        self.network.push(Message::Request { device, request });
    }

    /// The server handles a request; returns the response.
    fn serve(&mut self, device: usize, request: &SyncRequest) -> SyncResponse {
        let token = self.devices[device].token.clone();
        let response = self.storage.sync(&token, request).expect("sync succeeds");
        if std::env::var("SIM_TRACE").is_ok() {
            eprintln!(
                "serve dev{device} cookie={:?} muts={:?} -> cookie={} reset={} last={} patch={:?} results={:?}",
                request.cookie,
                request.mutations.iter().map(|m| (m.id, m.name.as_str(), m.args.to_string())).collect::<Vec<_>>(),
                response.cookie,
                response.reset,
                response.last_mutation_id,
                response.patch.iter().map(|op| match op { PatchOp::Put { key, .. } => format!("+{key}"), PatchOp::Del { key } => format!("-{key}") }).collect::<Vec<_>>(),
                response.results.iter().map(|r| (r.id, r.status)).collect::<Vec<_>>(),
            );
        }
        let stats = &mut self.ledger.stats;
        stats.resets += u64::from(response.reset);
        stats.partial_pages += u64::from(response.more.is_some());
        stats.dels += response
            .patch
            .iter()
            .filter(|op| matches!(op, PatchOp::Del { .. }))
            .count() as u64;
        for result in &response.results {
            match (&result.status, &result.outcome) {
                (ResultStatus::Rejected, _) => stats.rejected += 1,
                (
                    _,
                    Some(Outcome::SignedUp {
                        status: SignupStatus::Waitlisted,
                        ..
                    }),
                ) => {
                    stats.applied += 1;
                    stats.waitlisted += 1;
                }
                (_, Some(Outcome::Left { promoted: Some(_) })) => {
                    stats.applied += 1;
                    stats.promoted += 1;
                }
                _ => stats.applied += 1,
            }
        }
        for result in &response.results {
            *self
                .ledger
                .processed
                .entry((request.client_id.clone(), result.id))
                .or_default() += 1;
            let Some(pushed) = request.mutations.iter().find(|m| m.id == result.id) else {
                panic!("a result for a mutation that was not pushed");
            };
            if result.status != ResultStatus::Applied {
                continue;
            }
            // Waiting lists come only from volunteers' own sign-ups (an assignment confirms):
            // remember the server's order of processing them.
            if let (Ok(Mutation::SignUp { task }), Role::Volunteer(me)) = (
                Mutation::from_wire(&pushed.name, pushed.args.clone()),
                &self.devices[device].actor.role,
            ) {
                self.ledger.events += 1;
                self.ledger.created.insert(
                    (task.as_str().to_owned(), me.as_str().to_owned()),
                    self.ledger.events,
                );
            }
        }
        response
    }

    fn server_signups(&self) -> Vec<Signup> {
        self.storage
            .visible_records(&self.coordinator)
            .expect("records")
            .into_iter()
            .filter_map(|(k, v)| match Record::from_value(&k, v) {
                Ok(Record::Signup(s)) => Some(s),
                _ => None,
            })
            .collect()
    }

    fn deliver(&mut self, index: usize, duplicate: bool) {
        let message = if duplicate {
            match &self.network[index] {
                Message::Request { device, request } => Message::Request {
                    device: *device,
                    request: request.clone(),
                },
                Message::Response { device, response } => Message::Response {
                    device: *device,
                    response: response.clone(),
                },
            }
        } else {
            self.network.swap_remove(index)
        };
        match message {
            Message::Request { device, request } => {
                let response = self.serve(device, &request);
                if !self.devices[device].partitioned {
                    self.network.push(Message::Response { device, response });
                }
            }
            Message::Response { device, response } => {
                if std::env::var("SIM_TRACE").is_ok() {
                    eprintln!("deliver to dev{device} (partitioned={}) cookie={} reset={} (device cookie {:?})", self.devices[device].partitioned, response.cookie, response.reset, self.devices[device].replica.cookie);
                }
                if !self.devices[device].partitioned {
                    self.devices[device]
                        .replica
                        .apply_response(&response)
                        .expect("valid patch");
                }
            }
        }
    }

    /// A device crashes: whatever was on its way to it is lost; its stored replica (with the
    /// pending queue) survives.
    fn kill(&mut self, device: usize) {
        self.network
            .retain(|m| !matches!(m, Message::Response { device: d, .. } if *d == device));
    }

    fn step(&mut self) {
        let device = self.rng.index(self.devices.len());
        match self.rng.below(100) {
            0..=29 => self.local_write(device),
            30..=44 => self.send(device),
            45..=74 => {
                if !self.network.is_empty() {
                    let index = self.rng.index(self.network.len());
                    let duplicate = self.rng.chance(0.15);
                    self.deliver(index, duplicate);
                }
            }
            75..=79 => {
                if !self.network.is_empty() {
                    let index = self.rng.index(self.network.len());
                    self.network.swap_remove(index);
                }
            }
            80..=85 => {
                // Killed between the local write and its push.
                self.local_write(device);
                self.kill(device);
            }
            86..=91 => {
                self.devices[device].partitioned = !self.devices[device].partitioned;
            }
            _ => {
                // A quick round trip on a good connection.
                if !self.devices[device].partitioned {
                    let request = self.request(device);
                    let response = self.serve(device, &request);
                    self.devices[device]
                        .replica
                        .apply_response(&response)
                        .expect("valid patch");
                }
            }
        }
    }

    fn heal_and_settle(&mut self) {
        for device in &mut self.devices {
            device.partitioned = false;
        }
        // Whatever is still in flight arrives, in random order.
        while !self.network.is_empty() {
            let index = self.rng.index(self.network.len());
            self.deliver(index, false);
        }
        for _round in 0..200 {
            if self
                .devices
                .iter()
                .all(|d| d.replica.pending.is_empty() && !d.replica.catching_up())
            {
                break;
            }
            for device in 0..self.devices.len() {
                let request = self.request(device);
                let response = self.serve(device, &request);
                self.devices[device]
                    .replica
                    .apply_response(&response)
                    .expect("valid patch");
            }
        }
        // A last pull for everyone, every page of it: nothing changes any more.
        for device in 0..self.devices.len() {
            loop {
                let request = self.request(device);
                assert!(
                    request.mutations.is_empty(),
                    "device {device} still has pending mutations"
                );
                let response = self.serve(device, &request);
                self.devices[device]
                    .replica
                    .apply_response(&response)
                    .expect("valid patch");
                if !self.devices[device].replica.catching_up() {
                    break;
                }
            }
        }
    }

    fn check_capacity(&self, when: &str) {
        let records = self
            .storage
            .visible_records(&self.coordinator)
            .expect("records");
        let mut max: BTreeMap<String, (u32, TaskStatus)> = BTreeMap::new();
        let mut confirmed: BTreeMap<String, u32> = BTreeMap::new();
        for (key, value) in records {
            match Record::from_value(&key, value).expect("record") {
                Record::Task(t) => {
                    max.insert(t.id.as_str().to_owned(), (t.volunteers_max, t.status));
                }
                Record::Signup(s) if s.status == SignupStatus::Confirmed => {
                    *confirmed.entry(s.task.as_str().to_owned()).or_default() += 1;
                }
                _ => {}
            }
        }
        for (task, n) in confirmed {
            let (limit, _) = max.get(&task).copied().expect("sign-up of a known task");
            assert!(
                n <= limit,
                "{when}: task {task} has {n} confirmed, maximum {limit}"
            );
        }
    }

    fn check_final(&self, seed: u64) {
        // Convergence: each device holds exactly what its user may see, byte for byte.
        for (i, device) in self.devices.iter().enumerate() {
            let expected: Vec<(String, String)> = self
                .storage
                .visible_records(&device.actor)
                .expect("visible")
                .into_iter()
                .map(|(k, v)| (k, serde_json::to_string(&v).expect("json")))
                .collect();
            let held: Vec<(String, String)> = device
                .replica
                .snapshot
                .iter()
                .map(|(k, v)| (k.clone(), serde_json::to_string(v).expect("json")))
                .collect();
            assert_eq!(held, expected, "seed {seed}: device {i} did not converge");
        }
        // Exactly once: every mutation each device created was processed once, none twice.
        for device in &self.devices {
            let last = device.replica.next_mutation_id - 1;
            for id in 1..=last {
                let n = self
                    .ledger
                    .processed
                    .get(&(device.replica.client_id.clone(), id))
                    .copied()
                    .unwrap_or(0);
                assert_eq!(
                    n, 1,
                    "seed {seed}: mutation {id} of {} processed {n} times",
                    device.replica.client_id
                );
            }
        }
        assert!(
            self.ledger.processed.values().all(|&n| n == 1),
            "seed {seed}: a mutation was processed twice"
        );
        self.check_capacity(&format!("seed {seed} final"));
        // Sign-up order: seq values are unique and waiting lists follow the server's order.
        let signups = self.server_signups();
        let seqs: BTreeSet<u64> = signups.iter().map(|s| s.seq).collect();
        assert_eq!(seqs.len(), signups.len(), "seed {seed}: duplicate seq");
        let mut waiting: BTreeMap<String, Vec<&Signup>> = BTreeMap::new();
        for s in &signups {
            if s.status == SignupStatus::Waitlisted {
                waiting
                    .entry(s.task.as_str().to_owned())
                    .or_default()
                    .push(s);
            }
        }
        for (task, mut list) in waiting {
            list.sort_by_key(|s| s.seq);
            let order: Vec<usize> = list
                .iter()
                .map(|s| {
                    self.ledger
                        .created
                        .get(&(task.clone(), s.volunteer.as_str().to_owned()))
                        .copied()
                        .unwrap_or(0)
                })
                .collect();
            assert!(
                order.windows(2).all(|w| w[0] < w[1]),
                "seed {seed}: waiting list of {task} is not in server order: {order:?}"
            );
        }
    }
}

fn volunteer_hours(n: u32, hours: u32) -> Volunteer {
    volunteer(n, hours)
}

fn task_for(id: &str, d: u32, h: u32, places: u32, beneficiary: Option<&str>) -> Task {
    task(id, d, h, places, beneficiary)
}

#[test]
fn devices_converge_and_every_mutation_applies_once_under_a_hostile_network() {
    let schedules: u64 = std::env::var("SIM_SCHEDULES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(500);
    let first: u64 = std::env::var("SIM_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let mut mutations = 0u64;
    let mut rejected_or_applied = 0usize;
    let mut total = Stats::default();
    for seed in first..first + schedules {
        let (mut sim, _dir) = Sim::new(seed);
        let steps = sim.rng.range(60, 160);
        for step in 0..steps {
            sim.step();
            if step % 10 == 9 {
                sim.check_capacity(&format!("seed {seed} step {step}"));
            }
        }
        sim.heal_and_settle();
        sim.check_final(seed);
        mutations += sim
            .devices
            .iter()
            .map(|d| d.replica.next_mutation_id - 1)
            .sum::<u64>();
        rejected_or_applied += sim.ledger.processed.len();
        let s = &sim.ledger.stats;
        total.applied += s.applied;
        total.rejected += s.rejected;
        total.waitlisted += s.waitlisted;
        total.promoted += s.promoted;
        total.resets += s.resets;
        total.dels += s.dels;
        total.partial_pages += s.partial_pages;
    }
    assert!(
        mutations > schedules * 5,
        "the schedules made too few mutations: {mutations}"
    );
    assert_eq!(rejected_or_applied as u64, mutations);
    println!(
        "{schedules} schedules, {mutations} mutations, each processed exactly once: {total:?}"
    );
    assert!(total.waitlisted > 0 && total.promoted > 0 && total.rejected > 0 && total.dels > 0);
    assert!(total.partial_pages > 0, "no pull ran over several pages");
}
