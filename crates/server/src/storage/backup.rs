//! `admin backup` and `admin restore`: whole-database copies made with SQLite's online backup
//! API, so a backup can be taken while the server writes.
//!
//! A backup is one consistent moment of the database: the copy runs in a single backup step,
//! i.e. inside one read transaction on the source, which in WAL mode never blocks the server's
//! writer (and is never restarted by it). The copy is written to a temporary file next to the
//! target, checked, flushed to disk and renamed into place, so the target path holds either
//! the previous file or a complete backup, never half of one.
//!
//! A restore replaces the database file the same way. It must run with the server stopped: a
//! running server keeps its open file (the old one) and would go on writing to it.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags};

use super::SCHEMA_VERSION;

/// How long a copy waits for a lock on the source before giving up. In WAL mode a reader is
/// only kept waiting while another connection recovers the WAL after a crash.
const LOCK_WAIT: Duration = Duration::from_secs(30);

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("there is no database at {0}")]
    Missing(PathBuf),
    #[error("{0} is not a linli-server database (no schema)")]
    NotLinli(PathBuf),
    #[error(
        "{path} has schema version {found}, newer than this linli-server understands \
         ({supported}); restore it with a newer linli-server"
    )]
    NewerSchema {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    #[error("{path} is damaged (integrity check: {report})")]
    Damaged { path: PathBuf, report: String },
    #[error("{0} is the database itself; choose another file")]
    SameFile(PathBuf),
    #[error("the database stayed locked for {LOCK_WAIT:?}; try again")]
    Locked,
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

/// What a backup or restore copied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyReport {
    pub schema_version: i64,
    pub villages: i64,
    pub bytes: u64,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> BackupError + '_ {
    move |source| BackupError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Opens an existing database without creating one (a mistyped path must fail, not produce an
/// empty backup) and checks that it has a schema this build can read.
fn open_source(path: &Path, flags: OpenFlags) -> Result<Connection, BackupError> {
    if !path.is_file() {
        return Err(BackupError::Missing(path.to_owned()));
    }
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(LOCK_WAIT)?;
    let found: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if found < 1 {
        return Err(BackupError::NotLinli(path.to_owned()));
    }
    if found > SCHEMA_VERSION {
        return Err(BackupError::NewerSchema {
            path: path.to_owned(),
            found,
            supported: SCHEMA_VERSION,
        });
    }
    Ok(conn)
}

fn check_integrity(conn: &Connection, path: &Path) -> Result<(), BackupError> {
    let mut stmt = conn.prepare("PRAGMA integrity_check")?;
    let lines: Vec<String> = stmt
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    if lines.len() == 1 && lines[0] == "ok" {
        Ok(())
    } else {
        Err(BackupError::Damaged {
            path: path.to_owned(),
            report: lines.join("; "),
        })
    }
}

/// A file name beside `target` for the copy in progress (same directory, so the final rename
/// is atomic).
fn temp_beside(target: &Path, what: &str) -> Result<PathBuf, BackupError> {
    let name = target.file_name().ok_or_else(|| BackupError::Io {
        path: target.to_owned(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a file name"),
    })?;
    let mut temp = std::ffi::OsString::from(".");
    temp.push(name);
    temp.push(format!(".{what}-{}", std::process::id()));
    Ok(target.with_file_name(temp))
}

fn remove_if_present(path: &Path) -> Result<(), BackupError> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io(path)(e)),
        _ => Ok(()),
    }
}

/// `path` with `suffix` appended to its file name (`db-wal`, `db-shm`, `db-journal`).
fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Copies all of `source` into a new file at `temp` in one backup step (one read transaction:
/// one moment of the source), as a self-contained rollback-journal file with no `-wal` beside
/// it, flushed to disk.
fn copy_into(source: &Connection, temp: &Path) -> Result<CopyReport, BackupError> {
    for stale in [temp.to_owned(), sibling(temp, "-journal")] {
        remove_if_present(&stale)?;
    }
    let mut dest = Connection::open(temp)?;
    {
        let backup = Backup::new(source, &mut dest)?;
        let started = Instant::now();
        loop {
            // -1: every page in one step. Smaller steps would let the server's commits
            // restart the copy again and again under load.
            match backup.step(-1)? {
                StepResult::Done => break,
                StepResult::More => {}
                // Busy or Locked (and whatever later versions add): wait and try again.
                _ => {
                    if started.elapsed() > LOCK_WAIT {
                        return Err(BackupError::Locked);
                    }
                    std::thread::sleep(Duration::from_millis(50));
                }
            }
        }
    }
    // The copied header says WAL (the source's mode); a backup file must be one file that can
    // be copied or mailed on its own. The server switches the restored file back to WAL.
    dest.pragma_update(None, "journal_mode", "DELETE")?;
    check_integrity(&dest, temp)?;
    let schema_version: i64 = dest.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let villages: i64 = dest.query_row("SELECT count(*) FROM villages", [], |r| r.get(0))?;
    dest.close().map_err(|(_, e)| e)?;
    let file = std::fs::File::open(temp).map_err(io(temp))?;
    file.sync_all().map_err(io(temp))?;
    let bytes = file.metadata().map_err(io(temp))?.len();
    Ok(CopyReport {
        schema_version,
        villages,
        bytes,
    })
}

/// Replacing the database with itself would lose it (the copy renamed over the source).
fn refuse_same_file(db: &Path, other: &Path) -> Result<(), BackupError> {
    match (std::fs::canonicalize(db), std::fs::canonicalize(other)) {
        (Ok(a), Ok(b)) if a == b => Err(BackupError::SameFile(other.to_owned())),
        _ => Ok(()),
    }
}

/// Makes the rename of a file in `dir` durable.
fn sync_dir(dir: &Path) -> Result<(), BackupError> {
    #[cfg(unix)]
    {
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        std::fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(io(dir))?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Copies the database at `db` to `to` while the server may be running. `to` is replaced only
/// once the copy is complete and checked.
pub fn backup_database(db: &Path, to: &Path) -> Result<CopyReport, BackupError> {
    // Read-write without create: a WAL reader needs the shared-memory file, which a read-only
    // connection could not create if the server is not running.
    let source = open_source(
        db,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    refuse_same_file(db, to)?;
    let temp = temp_beside(to, "backup")?;
    let report = copy_into(&source, &temp).inspect_err(|_| {
        let _ = std::fs::remove_file(&temp);
    })?;
    std::fs::rename(&temp, to).map_err(io(to))?;
    sync_dir(to.parent().unwrap_or(Path::new(".")))?;
    Ok(report)
}

/// Replaces the database at `db` with the backup at `from`. The server must be stopped.
///
/// Order matters for a crash half-way: the copy is complete and on disk before anything of the
/// old database is touched; the old database's `-wal` and `-shm` go before the rename, because
/// SQLite would replay an old WAL into the restored file.
pub fn restore_database(db: &Path, from: &Path) -> Result<CopyReport, BackupError> {
    let source = open_source(
        from,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    refuse_same_file(db, from)?;
    check_integrity(&source, from)?;
    if let Some(dir) = db.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io(dir))?;
    }
    let temp = temp_beside(db, "restore")?;
    let report = copy_into(&source, &temp).inspect_err(|_| {
        let _ = std::fs::remove_file(&temp);
    })?;
    drop(source);
    if db.exists() {
        // Fold the old WAL into the old file first (closing the last connection checkpoints
        // it), so that a crash right after the WAL is removed leaves a whole old database
        // rather than one missing its latest commits. Best effort: the old file may be the
        // damaged one this restore replaces.
        if let Ok(old) = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_WRITE) {
            let _ = old.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
            let _ = old.close();
        }
    }
    for stale in ["-wal", "-shm", "-journal"] {
        remove_if_present(&sibling(db, stale))?;
    }
    std::fs::rename(&temp, db).map_err(io(db))?;
    sync_dir(db.parent().unwrap_or(Path::new(".")))?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::{RecordRow, Storage, VillageRow};

    fn village(storage: &Storage, id: &str) {
        storage
            .create_village(
                &VillageRow {
                    id: id.into(),
                    name: "村".into(),
                    time_zone: "Asia/Shanghai".into(),
                    utc_offset_minutes: 480,
                },
                &[RecordRow {
                    key: "volunteer/v-0001".into(),
                    kind: "volunteer",
                    body: serde_json::json!({"name": "李秀英"}),
                }],
            )
            .expect("village");
    }

    #[test]
    fn a_backup_of_an_open_database_restores_over_a_crashed_one() {
        let dir = tempfile::tempdir().expect("tempdir");
        let live = dir.path().join("live.sqlite3");
        let storage = Storage::open(&live).expect("open");
        village(&storage, "a");
        let copy = dir.path().join("backups/a.sqlite3");
        std::fs::create_dir_all(copy.parent().expect("dir")).expect("mkdir");
        // Taken while `storage` holds the database open in WAL mode.
        let report = backup_database(&live, &copy).expect("backup");
        assert_eq!(
            (report.schema_version, report.villages),
            (SCHEMA_VERSION, 1)
        );
        assert!(!sibling(&copy, "-wal").exists());
        assert!(matches!(
            backup_database(&live, &live),
            Err(BackupError::SameFile(_))
        ));
        village(&storage, "b");
        // The target keeps its WAL, as after a crash: the restore must not let SQLite replay it.
        let kept = Connection::open(&live).expect("second connection");
        let _: i64 = kept
            .query_row("SELECT count(*) FROM villages", [], |r| r.get(0))
            .expect("a read opens the WAL");
        drop(storage);
        assert!(sibling(&live, "-wal").exists());
        std::mem::forget(kept); // keeps -wal and -shm on disk, like a killed process
        restore_database(&live, &copy).expect("restore");
        assert!(!sibling(&live, "-wal").exists());
        let restored = Storage::open(&live).expect("open restored");
        assert_eq!(restored.health().expect("health").villages, 1);
        assert!(restored.village_exists("a").expect("a"));
        assert!(!restored.village_exists("b").expect("b"));
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .expect("ls")
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with('.'))
            .collect();
        assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
    }

    #[test]
    fn missing_empty_and_damaged_sources_are_refused_and_the_target_is_left_alone() {
        let dir = tempfile::tempdir().expect("tempdir");
        let target = dir.path().join("db.sqlite3");
        std::fs::write(&target, b"the current database").expect("write");
        let missing = dir.path().join("typo.sqlite3");
        assert!(matches!(
            restore_database(&target, &missing),
            Err(BackupError::Missing(_))
        ));
        assert!(!missing.exists(), "a mistyped path must not be created");
        let empty = dir.path().join("empty.sqlite3");
        Connection::open(&empty)
            .and_then(|c| c.execute_batch("CREATE TABLE t (x)"))
            .expect("empty db");
        assert!(matches!(
            restore_database(&target, &empty),
            Err(BackupError::NotLinli(_))
        ));
        let newer = dir.path().join("newer.sqlite3");
        Connection::open(&newer)
            .and_then(|c| c.execute_batch("PRAGMA user_version = 99"))
            .expect("newer db");
        assert!(matches!(
            restore_database(&target, &newer),
            Err(BackupError::NewerSchema { found: 99, .. })
        ));
        assert!(backup_database(&missing, &dir.path().join("out")).is_err());

        assert_eq!(
            std::fs::read(&target).expect("read"),
            b"the current database"
        );
    }
}
