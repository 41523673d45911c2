//! Sync benchmarks (acceptance 4), a plain `harness = false` program; lines starting `BENCH ` are
//! collected by `cargo xtask bench`.
//!
//! 1. Load: the real `linli-server` binary (with `--demo`) on loopback and 200 concurrent
//!    simulated volunteers' devices, each doing round trips of `POST /api/v1/sync` (half of them
//!    pushing a sign-up or withdrawal, half pulling only): round trips per second, p50 and p99.
//! 2. Pull cost vs. database size: in process, a coordinator changes one task and another device
//!    pulls; the median pull with 1,000 and with 100,000 records in the database, and the ratio
//!    (incremental pulls read only what changed, so it should be close to 1).
//!
//! `BENCH_DEVICES`, `BENCH_ROUNDS` (per device) and `BENCH_SECONDS` (cap) tune part 1.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use linli_core::demo::{generate, DemoParams};
use linli_core::rng::SplitMix64;
use linli_core::sync::protocol::{PushedMutation, SyncRequest, SyncResponse, SCHEMA_VERSION};
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

fn free_all_week(mut volunteer: Volunteer) -> Mutation {
    let all_day = TimeRange::new(0, 1440).expect("range");
    volunteer.availability =
        WeeklyAvailability::new(std::array::from_fn(|_| vec![all_day])).expect("week");
    volunteer.max_hours_per_week = 80;
    Mutation::UpdateProfile { volunteer }
}

async fn post(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    request: &SyncRequest,
) -> SyncResponse {
    let response = client
        .post(url)
        .bearer_auth(token)
        .json(request)
        .send()
        .await
        .expect("sync request");
    assert_eq!(response.status(), 200);
    response.json().await.expect("sync response")
}

/// One simulated phone: joins, syncs (a reset, not measured), frees its week, then does
/// `rounds` measured round trips. The device is kept light (cookie, mutation ids, the open
/// tasks and its own sign-ups) so the 200 of them do not starve the server of CPU.
async fn device(
    client: reqwest::Client,
    base: Arc<String>,
    index: u64,
    rounds: u64,
    deadline: Instant,
) -> Vec<Duration> {
    let joined: serde_json::Value = client
        .post(format!("{base}/api/v1/join"))
        .json(&serde_json::json!({
            "invite_code": "DEMO-2026",
            "name": format!("压测{index}"),
            "phone": format!("1390000{index:04}"),
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
    let request = |cookie: Option<u64>, mutations: Vec<PushedMutation>| SyncRequest {
        client_id: client_id.clone(),
        schema_version: SCHEMA_VERSION,
        cookie,
        mutations,
        acked_mutation_id: None,
    };
    let pushed = |id: u64, mutation: &Mutation| PushedMutation {
        id,
        name: mutation.name().into(),
        args: mutation.args(),
        client_time: None,
    };

    // Warm-up: the first (reset) pull, then free all week so sign-ups can succeed.
    let first = post(&client, &url, &token, &request(None, vec![])).await;
    let mut open: Vec<TaskId> = Vec::new();
    let mut profile = None;
    for op in &first.patch {
        if let linli_core::sync::protocol::PatchOp::Put { key, value } = op {
            match Record::from_value(key, value.clone()) {
                Ok(Record::Task(t)) if t.status == TaskStatus::Open => open.push(t.id),
                Ok(Record::Volunteer(v)) if v.id.as_str() == me => profile = Some(v),
                _ => {}
            }
        }
    }
    let profile = free_all_week(profile.expect("own profile"));
    let mut next_id = 1;
    let response = post(
        &client,
        &url,
        &token,
        &request(Some(first.cookie), vec![pushed(next_id, &profile)]),
    )
    .await;
    next_id += 1;
    let mut cookie = response.cookie;

    let mut rng = SplitMix64::new(index + 1);
    let mut mine: Vec<TaskId> = Vec::new();
    let mut latencies = Vec::with_capacity(rounds as usize);
    for _ in 0..rounds {
        if Instant::now() > deadline {
            break;
        }
        let mut mutations = Vec::new();
        let mut signing_up = None;
        if rng.chance(0.5) {
            let mutation = if !mine.is_empty() && rng.chance(0.4) {
                let task = mine.swap_remove(rng.index(mine.len()));
                Mutation::Withdraw { task }
            } else {
                let task = rng.pick(&open).cloned().expect("open tasks");
                signing_up = Some(task.clone());
                Mutation::SignUp { task }
            };
            mutations.push(pushed(next_id, &mutation));
            next_id += 1;
        }
        let started = Instant::now();
        let response = post(&client, &url, &token, &request(Some(cookie), mutations)).await;
        latencies.push(started.elapsed());
        cookie = response.cookie;
        if let (Some(task), Some(result)) = (signing_up, response.results.first()) {
            if result.status == linli_core::sync::protocol::ResultStatus::Applied {
                mine.push(task);
            }
        }
    }
    latencies
}

fn load_benchmark() {
    let devices = env_or("BENCH_DEVICES", 200);
    let rounds = env_or("BENCH_ROUNDS", 40);
    let seconds = env_or("BENCH_SECONDS", 60);
    let server = start_server();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let base = Arc::new(server.base.clone());
    let (latencies, elapsed) = runtime.block_on(async {
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(devices as usize)
            .build()
            .expect("client");
        let deadline = Instant::now() + Duration::from_secs(seconds);
        let started = Instant::now();
        let handles: Vec<_> = (0..devices)
            .map(|i| tokio::spawn(device(client.clone(), base.clone(), i, rounds, deadline)))
            .collect();
        let mut all = Vec::new();
        for handle in handles {
            all.extend(handle.await.expect("device task"));
        }
        (all, started.elapsed())
    });
    let mut sorted = latencies;
    sorted.sort();
    let count = sorted.len();
    println!(
        "BENCH sync load ({devices} concurrent devices, demo village, loopback, fsync on): \
         {count} round trips, {:.0} round trips/s, p50 {:.1} ms, p99 {:.1} ms",
        count as f64 / elapsed.as_secs_f64(),
        ms(percentile(&sorted, 0.50)),
        ms(percentile(&sorted, 0.99)),
    );
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
    let request = |client: &str, cookie: Option<u64>, mutations: Vec<PushedMutation>| SyncRequest {
        client_id: client.into(),
        schema_version: SCHEMA_VERSION,
        cookie,
        mutations,
        acked_mutation_id: None,
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
        let pushed = PushedMutation {
            id: i as u64 + 1,
            name: mutation.name().into(),
            args: mutation.args(),
            client_time: None,
        };
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
