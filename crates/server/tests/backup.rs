//! `linli-server admin backup` and `admin restore` with the real binary, while devices push.
//!
//! 1. A backup taken under load, restored into a new file, is a whole database (it opens, it
//!    passes `PRAGMA integrity_check`), holds every mutation acknowledged before the backup
//!    began, and is the live database as it was at one moment: its village version lies between
//!    the cookies seen before and after the backup, every record it has is the live one of that
//!    version or was rewritten later, and nothing written up to that version is missing.
//! 2. After a restore to an older backup (the server killed, leaving its WAL behind), a device
//!    that had mutations acknowledged after the backup keeps syncing: its queue drains, and the
//!    server holds what the backup had plus what the device did since.

mod support;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use linli_core::rng::SplitMix64;
use linli_core::sync::Mutation;
use rusqlite::{Connection, OpenFlags};
use support::{
    admin, coordinator_posts_tasks, full_pull, full_pull_with_cookie, http_client, scratch_dir,
    start_load, volunteers_join, Device, Server,
};
use tokio::sync::{Mutex, RwLock};

const DEVICES: usize = 4;
const VILLAGE: &str = "vil-0001";

/// `(key, version, deleted, body)` of every record of the village.
type Rows = BTreeMap<String, (i64, i64, String)>;

fn read_only(db: &Path) -> Connection {
    Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY).expect("open read-only")
}

fn records(conn: &Connection) -> Rows {
    let mut stmt = conn
        .prepare("SELECT key, version, deleted, body FROM records WHERE village_id = ?1")
        .expect("prepare");
    stmt.query_map([VILLAGE], |r| {
        Ok((r.get(0)?, (r.get(1)?, r.get(2)?, r.get(3)?)))
    })
    .expect("query")
    .collect::<Result<_, _>>()
    .expect("rows")
}

fn last_mutation_id(conn: &Connection, client_id: &str) -> u64 {
    conn.query_row(
        "SELECT last_mutation_id FROM clients WHERE client_id = ?1",
        [client_id],
        |r| r.get(0),
    )
    .unwrap_or(0)
}

fn village_version(conn: &Connection) -> u64 {
    conn.query_row(
        "SELECT version FROM villages WHERE id = ?1",
        [VILLAGE],
        |r| r.get(0),
    )
    .expect("village version")
}

/// Runs `admin` off the async runtime, so the devices keep pushing meanwhile.
async fn admin_async(db: &Path, args: &[&str]) -> (bool, String, String) {
    let db = db.to_owned();
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        admin(&db, &args)
    })
    .await
    .expect("admin")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_backup_under_load_restores_to_one_moment_with_every_acknowledged_mutation() {
    let dir = scratch_dir();
    let live = dir.path().join("live.sqlite3");
    let server = Server::start_with_args(&live, &["--sync-rate-limit", "0"]);
    let http = http_client();
    let (coordinator, tasks) = coordinator_posts_tasks(&http, &server, DEVICES as u32).await;
    let devices: Vec<Arc<Mutex<Device>>> = volunteers_join(&http, &server.base, DEVICES)
        .await
        .into_iter()
        .map(|d| Arc::new(Mutex::new(d)))
        .collect();
    let base = Arc::new(std::sync::RwLock::new(server.base.clone()));
    let load = start_load(&devices, &tasks, base, Arc::new(RwLock::new(())), 7);
    tokio::time::sleep(Duration::from_millis(600)).await;

    // What had been acknowledged before the backup began (each device read before it starts).
    let mut acked_before = Vec::new();
    let mut cookie_before = 0;
    for device in &devices {
        let device = device.lock().await;
        acked_before.push(device.acked);
        cookie_before = cookie_before.max(device.replica.cookie.unwrap_or(0));
    }
    assert!(acked_before.iter().all(|&a| a > 0), "the load has started");
    let answered_before = load.answered.load(std::sync::atomic::Ordering::SeqCst);
    let backup = dir.path().join("backups/linli-backup.sqlite3");
    std::fs::create_dir_all(backup.parent().expect("dir")).expect("mkdir");
    let (ok, out, err) =
        admin_async(&live, &["backup", "--to", backup.to_str().expect("utf-8")]).await;
    assert!(ok, "backup failed: {out}{err}");
    assert!(out.contains("backed up"), "{out}");
    let answered_during = load.answered.load(std::sync::atomic::Ordering::SeqCst) - answered_before;
    let (cookie_after, _) = full_pull_with_cookie(&http, &server.base, &coordinator, "check").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    load.stop().await;
    for device in &devices {
        device.lock().await.settle(&http, &server.base).await;
    }

    // The backup file stands alone (no -wal beside it) and restores into a new database.
    assert!(!dir.path().join("backups/linli-backup.sqlite3-wal").exists());
    let restored = dir.path().join("restored/linli.sqlite3");
    let (ok, out, err) = admin(
        &restored,
        &["restore", "--from", backup.to_str().expect("utf-8")],
    );
    assert!(ok, "restore failed: {out}{err}");
    let conn = read_only(&restored);
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity_check");
    assert_eq!(check, "ok");

    // One moment: the restored version lies between what devices saw before and after.
    let version = village_version(&conn);
    assert!(
        (cookie_before..=cookie_after).contains(&version),
        "restored version {version} is not between {cookie_before} and {cookie_after}"
    );
    let live_conn = read_only(&live);
    let (then, now) = (records(&conn), records(&live_conn));
    for (key, (v, deleted, body)) in &then {
        assert!(
            *v <= version as i64,
            "{key} is from after the backup's moment"
        );
        let (live_v, live_deleted, live_body) = &now[key];
        if live_v == v {
            assert_eq!((deleted, body), (live_deleted, live_body), "{key} differs");
        } else {
            assert!(*live_v > version as i64, "{key} changed before the moment");
        }
    }
    for (key, (v, _, _)) in &now {
        if *v <= version as i64 {
            assert!(then.contains_key(key), "{key} (version {v}) is missing");
        }
    }

    // Every mutation acknowledged before the backup began is in it, applied once.
    drop(conn);
    let storage = linli_server::storage::Storage::open(&restored).expect("the server opens it");
    let coordinator_actor = linli_core::sync::Actor {
        village: linli_core::VillageId::new(VILLAGE),
        role: linli_core::sync::Role::Coordinator(
            linli_server::storage::DEMO_COORDINATOR.to_owned(),
        ),
    };
    let village: BTreeMap<_, _> = storage
        .visible_records(&coordinator_actor)
        .expect("records")
        .into_iter()
        .collect();
    let restored_conn = read_only(&restored);
    for (device, acked) in devices.iter().zip(&acked_before) {
        let device = device.lock().await;
        let processed = last_mutation_id(&restored_conn, &device.replica.client_id);
        assert!(
            processed >= *acked,
            "{}: acknowledged up to {acked} before the backup, the backup has {processed}",
            device.replica.client_id
        );
        assert!(processed <= last_mutation_id(&live_conn, &device.replica.client_id));
        assert_eq!(device.on_server(&village), device.expected(processed));
    }
    println!(
        "backup at version {version} (devices had seen {cookie_before}, {cookie_after} after); \
         {answered_during} syncs answered while it ran; {} records",
        then.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_keeps_syncing_after_a_restore_to_an_older_backup() {
    let dir = scratch_dir();
    let db = dir.path().join("linli.sqlite3");
    let mut server = Server::start_with_args(&db, &["--sync-rate-limit", "0"]);
    let http = http_client();
    let (coordinator, tasks) = coordinator_posts_tasks(&http, &server, 2).await;
    let mut devices = volunteers_join(&http, &server.base, 1).await;
    let mut device = devices.pop().expect("device");
    let mut rng = SplitMix64::new(3);
    let mut act = |device: &mut Device, n: usize| {
        for _ in 0..n {
            device.act(&mut rng, &tasks);
        }
    };

    act(&mut device, 5);
    device.settle(&http, &server.base).await;
    assert_eq!(device.acked, 5);
    let backup = dir.path().join("before.sqlite3");
    let (ok, out, err) = admin(&db, &["backup", "--to", backup.to_str().expect("utf-8")]);
    assert!(ok, "{out}{err}");
    // Acknowledged after the backup: the device drops them from its queue.
    act(&mut device, 6);
    device.settle(&http, &server.base).await;
    assert_eq!((device.acked, device.replica.pending.len()), (11, 0));

    // The server dies (its WAL stays behind) and the backup is restored over its database.
    server.kill();
    assert!(dir.path().join("linli.sqlite3-wal").exists());
    let (ok, out, err) = admin(&db, &["restore", "--from", backup.to_str().expect("utf-8")]);
    assert!(ok, "{out}{err}");
    server.restart();

    // Made offline meanwhile, and valid whatever the server lost: two profile edits.
    for _ in 0..2 {
        let mut profile = device.own_profile();
        profile.max_hours_per_week = support::hours_for(device.replica.next_mutation_id);
        device.queue(Mutation::UpdateProfile { volunteer: profile });
    }
    let first = device.sync(&http, &server.base).await.expect("first sync");
    assert_eq!(
        first.last_mutation_id, 13,
        "the server skips the lost 6..=11 and applies 12 and 13"
    );
    assert!(
        first.reset,
        "the device's snapshot is replaced by the restored state"
    );
    act(&mut device, 4);
    device.settle(&http, &server.base).await;
    assert_eq!(device.acked, 17);

    // The server holds 1..=5 (from the backup) and 12..=17; 6..=11 were lost with the restore.
    let village = full_pull(&http, &server.base, &coordinator, "check").await;
    assert_eq!(
        device.on_server(&village),
        device.replay((1..=5).chain(12..=17))
    );
    let fresh = full_pull(&http, &server.base, &device.token, "phone-check").await;
    assert!(device.snapshot() == fresh, "the device did not converge");
}
