//! Crash safety: `linli-server` is killed with SIGKILL at random moments while six devices push,
//! and restarted on the same database each time. After every restart, for every device:
//! - the server has processed at least every mutation it had acknowledged (a 200 whose
//!   `last_mutation_id` covered it), and nothing the device never sent;
//! - the server's records of that volunteer (their hours, their sign-ups) are exactly those
//!   of the device's mutations `1..=last_mutation_id` applied once each, in order;
//! - no mutation was ever answered twice or rejected (a second application would be).
//!
//! After the last restart every device syncs until its queue is empty, and its snapshot must
//! equal what a fresh full pull gives its user.
//!
//! The devices leave out `acked_mutation_id`: with it, the server would skip over lost
//! mutations instead of stalling the device, and a loss could go unnoticed here.
//! `CRASH_KILLS` (default 25) and `CRASH_SEED` (default 1) change the run.

mod support;

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use linli_core::rng::SplitMix64;
use support::{
    coordinator_posts_tasks, full_pull, http_client, scratch_dir, start_load, volunteers_join,
    Device, Server,
};
use tokio::sync::{Mutex, RwLock};

const DEVICES: usize = 6;

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

#[derive(Default, Debug)]
struct Stats {
    kills: usize,
    /// Kills that happened while at least one request was on its way.
    kills_mid_request: usize,
    /// Mutations the server had committed but whose answer the kill lost (the device learned
    /// of them from a later `last_mutation_id`, never from a result).
    committed_unanswered: usize,
    failed_requests: usize,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_mutations_survive_sigkill_exactly_once_and_devices_converge() {
    let kills = env_or("CRASH_KILLS", 25) as usize;
    let seed = env_or("CRASH_SEED", 1);
    let started = Instant::now();
    let dir = scratch_dir();
    let mut server = Server::start(&dir.path().join("linli.sqlite3"));
    let http = http_client();
    let (coordinator, tasks) = coordinator_posts_tasks(&http, &server, DEVICES as u32).await;
    let devices: Vec<Arc<Mutex<Device>>> = volunteers_join(&http, &server.base, DEVICES)
        .await
        .into_iter()
        .map(|mut d| {
            d.send_acked = false;
            Arc::new(Mutex::new(d))
        })
        .collect();

    // Devices push while `gate` is open; the checks after a restart close it, so they see the
    // server and the devices at rest.
    let base = Arc::new(std::sync::RwLock::new(server.base.clone()));
    let gate = Arc::new(RwLock::new(()));
    let load = start_load(&devices, &tasks, base.clone(), gate.clone(), seed);

    let mut stats = Stats::default();
    let mut rng = SplitMix64::new(seed);
    for kill in 0..kills {
        tokio::time::sleep(Duration::from_millis(u64::from(rng.range(20, 300)))).await;
        // Aim at requests: wait for one to be on its way, then a random fraction of a request's
        // time, so that kills land before, during and after commits.
        for _ in 0..100 {
            if load.in_flight.load(Ordering::SeqCst) > 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        tokio::time::sleep(Duration::from_micros(rng.below(4000))).await;
        stats.kills_mid_request += usize::from(load.in_flight.load(Ordering::SeqCst) > 0);
        server.kill();
        stats.kills += 1;
        tokio::task::block_in_place(|| server.restart());
        *base.write().expect("base") = server.base.clone();

        let _closed = gate.write().await;
        for device in &devices {
            let mut device = device.lock().await;
            let acked = device.acked;
            let response = device
                .pull(&http, &server.base)
                .await
                .unwrap_or_else(|e| panic!("pull after restart {kill}: {e:?}"));
            let processed = response.last_mutation_id;
            assert!(
                processed >= acked,
                "restart {kill}: {} had mutations up to {acked} acknowledged, the server only \
                 has up to {processed}",
                device.replica.client_id
            );
        }
        let village = full_pull(&http, &server.base, &coordinator, "coordinator-check").await;
        for device in &devices {
            let device = device.lock().await;
            assert_eq!(
                device.on_server(&village),
                device.expected(device.acked),
                "restart {kill}: {}'s records on the server are not its mutations 1..={} once each",
                device.replica.client_id,
                device.acked
            );
        }
    }
    stats.failed_requests = load.failed.load(Ordering::SeqCst);
    load.stop().await;

    // Convergence: every queue drains, and each snapshot is what its user may see.
    let mut made = 0;
    for device in &devices {
        let mut device = device.lock().await;
        device.settle(&http, &server.base).await;
        made += device.log.len();
        stats.committed_unanswered += device.log.len() - device.results.len();
        assert_eq!(device.acked, device.log.len() as u64);
    }
    let village = full_pull(&http, &server.base, &coordinator, "coordinator-final").await;
    for device in &devices {
        let device = device.lock().await;
        assert_eq!(
            device.on_server(&village),
            device.expected(device.log.len() as u64)
        );
        let client = format!("{}-fresh", device.replica.client_id);
        let fresh = full_pull(&http, &server.base, &device.token, &client).await;
        assert!(
            fresh.len() > TASK_RECORDS_AT_LEAST,
            "a volunteer sees the tasks"
        );
        assert!(
            device.snapshot() == fresh,
            "{} did not converge: {} records held, {} visible",
            device.replica.client_id,
            device.snapshot().len(),
            fresh.len()
        );
    }
    println!(
        "{} SIGKILLs ({} mid-request), {made} mutations by {DEVICES} devices, {} committed but \
         unanswered, {} requests without an answer, {:.1?}",
        stats.kills,
        stats.kills_mid_request,
        stats.committed_unanswered,
        stats.failed_requests,
        started.elapsed()
    );
    assert_eq!(stats.kills, kills);
    assert!(
        made > kills * DEVICES,
        "too few mutations for the kills to land among them: {made}"
    );
    assert!(
        stats.kills_mid_request * 2 >= kills,
        "most kills must interrupt a request: {stats:?}"
    );
}

/// The devices' tasks and their `places` alone: a snapshot smaller than this is not a pull.
const TASK_RECORDS_AT_LEAST: usize = support::TASKS as usize;
