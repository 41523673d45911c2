//! All SQL lives here. Handlers call these methods and never see a `rusqlite` type, so the
//! backing store can later become PostgreSQL for districts that run several server instances.

mod auth;
mod backup;
mod figures;
mod keys;
mod ledger;
mod sync;
mod tx_store;

pub use auth::{
    hash_secret, unix_now, AdminError, DeviceRow, JoinError, LoginError, LoginResponse, Principal,
    PrincipalRole, TokenRow, DEMO_COORDINATOR, DEMO_INVITE_CODE, LOGIN_CODE_SECONDS,
    MAX_NAME_CHARS,
};
pub use backup::{backup_database, restore_database, BackupError, CopyReport};
pub use ledger::StatementError;
pub use sync::{
    check_limits, SyncError, MAX_ARG_STRING_CHARS, MAX_CLIENT_ID_CHARS, MAX_COOKIE, MAX_KEY_CHARS,
    MAX_MUTATIONS_PER_REQUEST, MAX_TOKEN_CHARS,
};

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

/// Schema migrations, applied in order at start. The database's `user_version` says how many have
/// run. Never edit a migration that has shipped: append a new one.
const MIGRATIONS: &[&str] = &[
    // 1: villages, and every synced record as a versioned JSON document keyed like
    //    "volunteer/v-0001". Beneficiaries' private fields get their own key
    //    ("beneficiary_private/b-0001") so visibility can be decided per record.
    r#"
    CREATE TABLE villages (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        time_zone TEXT NOT NULL,
        utc_offset_minutes INTEGER NOT NULL,
        version INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
    ) STRICT;
    CREATE TABLE records (
        village_id TEXT NOT NULL REFERENCES villages(id),
        key TEXT NOT NULL,
        kind TEXT NOT NULL,
        version INTEGER NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (village_id, key)
    ) STRICT;
    CREATE INDEX records_by_kind ON records (village_id, kind);
    CREATE INDEX records_by_version ON records (village_id, version);
    "#,
    // 2: sync and identities. Deleted records stay as tombstones (`deleted = 1`, body `null`)
    //    stamped with the version that deleted them, so the deletion reaches every device.
    //    Sign-ups carry their task and volunteer as columns so the two look-ups the rules make
    //    are index searches. Secrets (tokens, invite and login codes) are stored only as SHA-256.
    r#"
    ALTER TABLE records ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE records ADD COLUMN task_id TEXT;
    ALTER TABLE records ADD COLUMN volunteer_id TEXT;
    UPDATE records SET task_id = json_extract(body, '$.task'),
                       volunteer_id = json_extract(body, '$.volunteer')
     WHERE kind = 'signup';
    CREATE INDEX records_signups_by_task ON records (village_id, task_id)
     WHERE task_id IS NOT NULL;
    CREATE INDEX records_signups_by_volunteer ON records (village_id, volunteer_id)
     WHERE volunteer_id IS NOT NULL;
    ALTER TABLE villages ADD COLUMN signup_seq INTEGER NOT NULL DEFAULT 0;

    CREATE TABLE coordinators (
        village_id TEXT NOT NULL REFERENCES villages(id),
        id TEXT NOT NULL,
        name TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (village_id, id)
    ) STRICT;
    CREATE TABLE tokens (
        hash TEXT PRIMARY KEY,
        village_id TEXT NOT NULL REFERENCES villages(id),
        role TEXT NOT NULL CHECK (role IN ('volunteer', 'coordinator')),
        subject TEXT NOT NULL,
        label TEXT NOT NULL DEFAULT '',
        created_at INTEGER NOT NULL,
        last_used_at INTEGER,
        revoked_at INTEGER
    ) STRICT;
    CREATE INDEX tokens_by_subject ON tokens (village_id, role, subject);
    CREATE TABLE invite_codes (
        hash TEXT PRIMARY KEY,
        village_id TEXT NOT NULL REFERENCES villages(id),
        created_at INTEGER NOT NULL,
        expires_at INTEGER,
        revoked_at INTEGER
    ) STRICT;
    CREATE TABLE login_codes (
        hash TEXT PRIMARY KEY,
        village_id TEXT NOT NULL,
        coordinator_id TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        used_at INTEGER,
        FOREIGN KEY (village_id, coordinator_id) REFERENCES coordinators(village_id, id)
    ) STRICT;
    CREATE TABLE clients (
        client_id TEXT PRIMARY KEY,
        village_id TEXT NOT NULL REFERENCES villages(id),
        user_key TEXT NOT NULL,
        last_mutation_id INTEGER NOT NULL DEFAULT 0,
        cookie INTEGER,
        created_at INTEGER NOT NULL,
        last_seen_at INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX clients_by_village ON clients (village_id);
    CREATE TABLE client_view (
        client_id TEXT NOT NULL REFERENCES clients(client_id),
        key TEXT NOT NULL,
        PRIMARY KEY (client_id, key)
    ) STRICT, WITHOUT ROWID;
    "#,
    // 3: joins by request id. A phone that joined offline sends its join again until it gets
    //    an answer; if the first one was committed but its answer lost, the retry must find the
    //    same volunteer, not create a second one. The id is a secret of that phone: stored hashed.
    r#"
    CREATE TABLE join_requests (
        hash TEXT PRIMARY KEY,
        village_id TEXT NOT NULL REFERENCES villages(id),
        volunteer_id TEXT NOT NULL,
        created_at INTEGER NOT NULL
    ) STRICT;
    "#,
    // 4: what a device holds of each key: a 64-bit digest of the body last sent to it. A record
    //    re-stamped only to have its visibility re-evaluated (a task when someone signs up) is
    //    not sent again to devices that hold it unchanged. NULL (rows from before) means
    //    unknown: sent once more.
    r#"
    ALTER TABLE client_view ADD COLUMN sent INTEGER;
    "#,
    // 5: where a device's paged pull goes on: the `more` of the last answer given to it. A
    //    request resumes only from exactly that place (with the cookie of that answer); any other
    //    (a delayed or lost answer applied out of order) gets a reset instead of a gap.
    r#"
    ALTER TABLE clients ADD COLUMN resume_after TEXT;
    ALTER TABLE clients ADD COLUMN resume_since INTEGER;
    "#,
    // 6: each village's Ed25519 key for signing its time-bank ledger (`keys.rs`), made on first
    //    use. The 32-byte secret is stored here in the clear (it must sign unattended, and it
    //    must travel with the ledger it signed in every backup): back up the whole database,
    //    and guard the backups like the key, since a copy can sign lines in the village's name.
    //    `public_key` (base64) is derived from the secret, kept for operators reading the table.
    r#"
    CREATE TABLE village_keys (
        village_id TEXT PRIMARY KEY REFERENCES villages(id),
        algorithm TEXT NOT NULL CHECK (algorithm = 'ed25519'),
        secret_key BLOB NOT NULL CHECK (length(secret_key) = 32),
        public_key TEXT NOT NULL,
        created_at INTEGER NOT NULL
    ) STRICT;
    "#,
];

/// The schema version this build writes and understands.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("cannot create the data directory {path}: {source}")]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "the database {path} has schema version {found}, newer than this linli-server understands \
         ({supported}); it was left untouched. Run a newer linli-server, or restore a backup"
    )]
    NewerSchema {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("cannot encode a record: {0}")]
    Encode(#[from] serde_json::Error),
    #[error("the database lock was poisoned by a panic")]
    Poisoned,
    #[error("the operating system's random source failed: {0}")]
    Random(String),
    #[error("{0}")]
    Store(String),
}

impl StorageError {
    /// The database was busy or locked: trying again later may succeed.
    pub fn is_busy(&self) -> bool {
        matches!(
            self,
            StorageError::Sqlite(rusqlite::Error::SqliteFailure(e, _))
                if matches!(e.code, rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
        )
    }
}

/// Lets the storage operations with their own error enums use `?` on database errors.
macro_rules! from_storage_errors {
    ($($error:ty),*) => {$(
        impl From<rusqlite::Error> for $error {
            fn from(e: rusqlite::Error) -> Self {
                StorageError::from(e).into()
            }
        }
        impl From<serde_json::Error> for $error {
            fn from(e: serde_json::Error) -> Self {
                StorageError::from(e).into()
            }
        }
    )*};
}
from_storage_errors!(JoinError, LoginError, AdminError, SyncError);

/// A handle to the database; cheap to clone. SQLite allows one writer, so one connection behind a
/// mutex is both simple and correct; callers run these blocking methods on `spawn_blocking`.
#[derive(Clone)]
pub struct Storage {
    conn: Arc<Mutex<Connection>>,
}

/// What `GET /api/health` reports about the database.
#[derive(Debug, Serialize, PartialEq)]
pub struct DatabaseHealth {
    pub status: &'static str,
    pub schema_version: i64,
    pub villages: i64,
}

/// A village as stored; its records are written with `put_records`.
#[derive(Debug, Clone)]
pub struct VillageRow {
    pub id: String,
    pub name: String,
    pub time_zone: String,
    pub utc_offset_minutes: i32,
}

/// One synced document to write.
#[derive(Debug, Clone)]
pub struct RecordRow {
    pub key: String,
    pub kind: &'static str,
    pub body: serde_json::Value,
}

impl Storage {
    /// Opens (creating if needed) the database file and brings its schema up to date.
    /// A database written by a newer version is refused and not modified.
    pub fn open(path: &Path) -> Result<Self, StorageError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StorageError::CreateDir {
                path: dir.to_owned(),
                source,
            })?;
        }
        let mut conn = Connection::open(path)?;
        // Check the version before anything that could write (WAL switch included).
        let found: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if found > SCHEMA_VERSION {
            return Err(StorageError::NewerSchema {
                path: path.to_owned(),
                found,
                supported: SCHEMA_VERSION,
            });
        }
        // WAL lets readers run beside the writer; synchronous=FULL makes a committed transaction
        // survive power loss, which the sync protocol's "acknowledged means stored" relies on.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        migrate(&mut conn, found)?;
        Ok(Storage {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    fn with_conn<T, E: From<StorageError>>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut conn = self.conn.lock().map_err(|_| StorageError::Poisoned)?;
        f(&mut conn)
    }

    pub fn health(&self) -> Result<DatabaseHealth, StorageError> {
        self.with_conn(|conn| {
            let schema_version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
            let villages: i64 =
                conn.query_row("SELECT count(*) FROM villages", [], |r| r.get(0))?;
            Ok(DatabaseHealth {
                status: "ok",
                schema_version,
                villages,
            })
        })
    }

    pub fn village_exists(&self, id: &str) -> Result<bool, StorageError> {
        self.with_conn(|conn| {
            Ok(conn
                .query_row("SELECT 1 FROM villages WHERE id = ?1", [id], |_| Ok(()))
                .optional()?
                .is_some())
        })
    }

    /// Creates a village with its initial records in one transaction: either all of it is
    /// stored or none. Returns the number of records written.
    pub fn create_village(
        &self,
        village: &VillageRow,
        records: &[RecordRow],
    ) -> Result<usize, StorageError> {
        self.with_conn(|conn| {
            let tx = conn.transaction()?;
            tx.execute(
                "INSERT INTO villages (id, name, time_zone, utc_offset_minutes, version)
                 VALUES (?1, ?2, ?3, ?4, 1)",
                params![
                    village.id,
                    village.name,
                    village.time_zone,
                    village.utc_offset_minutes
                ],
            )?;
            {
                let mut insert = tx.prepare(
                    "INSERT INTO records (village_id, key, kind, version, body)
                     VALUES (?1, ?2, ?3, 1, ?4)",
                )?;
                for record in records {
                    insert.execute(params![
                        village.id,
                        record.key,
                        record.kind,
                        serde_json::to_string(&record.body)?
                    ])?;
                }
            }
            tx.commit()?;
            Ok(records.len())
        })
    }

    /// Number of records of one kind in a village (used by health checks and tests).
    pub fn count_records(&self, village_id: &str, kind: &str) -> Result<i64, StorageError> {
        self.with_conn(|conn| {
            Ok(conn.query_row(
                "SELECT count(*) FROM records WHERE village_id = ?1 AND kind = ?2",
                [village_id, kind],
                |r| r.get(0),
            )?)
        })
    }
}

fn migrate(conn: &mut Connection, from: i64) -> Result<(), StorageError> {
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(from.max(0) as usize) {
        let version = index as i64 + 1;
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
        tracing::info!(version, "applied database migration");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_database_gets_current_schema_and_reopens() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("nested/linli.sqlite3");
        let storage = Storage::open(&path).expect("open");
        assert_eq!(
            storage.health().expect("health").schema_version,
            SCHEMA_VERSION
        );
        drop(storage);
        let again = Storage::open(&path).expect("reopen");
        assert_eq!(again.health().expect("health").villages, 0);
    }

    #[test]
    fn a_version_1_database_is_migrated_with_its_sign_ups_indexed() {
        use linli_core::sync::Store;
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("v1.sqlite3");
        {
            let conn = Connection::open(&path).expect("create");
            conn.execute_batch(MIGRATIONS[0]).expect("migration 1");
            conn.execute_batch(
                r#"PRAGMA user_version = 1;
                INSERT INTO villages (id, name, time_zone, utc_offset_minutes, version)
                  VALUES ('vil', '村', 'Asia/Shanghai', 480, 3);
                INSERT INTO records (village_id, key, kind, version, body) VALUES
                  ('vil', 'signup/t-1/v-0001', 'signup', 2,
                   '{"task":"t-1","volunteer":"v-0001","status":"confirmed","seq":1}');"#,
            )
            .expect("v1 data");
        }
        let storage = Storage::open(&path).expect("migrate");
        assert_eq!(
            storage.health().expect("health").schema_version,
            SCHEMA_VERSION
        );
        assert_eq!(storage.village_version("vil").expect("version"), 3);
        let found = storage
            .with_conn(|conn| {
                let store = tx_store::TxStore::new(conn, "vil", 4);
                let by_task = store
                    .signups_for_task(&linli_core::TaskId::new("t-1"))
                    .map_err(|e| StorageError::Store(e.0))?;
                let by_volunteer = store
                    .signups_of_volunteer(&linli_core::VolunteerId::new("v-0001"))
                    .map_err(|e| StorageError::Store(e.0))?;
                Ok::<_, StorageError>((by_task.len(), by_volunteer.len()))
            })
            .expect("look-ups");
        assert_eq!(found, (1, 1));
    }

    #[test]
    fn newer_database_is_refused_and_left_untouched() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("future.sqlite3");
        {
            let conn = Connection::open(&path).expect("create");
            conn.execute_batch("CREATE TABLE from_the_future (x); PRAGMA user_version = 99;")
                .expect("prepare future db");
        }
        let before = std::fs::read(&path).expect("read");
        let err = Storage::open(&path).err().expect("must refuse");
        assert!(
            matches!(err, StorageError::NewerSchema { found: 99, .. }),
            "{err}"
        );
        assert!(err.to_string().contains("newer than this linli-server"));
        assert_eq!(
            std::fs::read(&path).expect("read"),
            before,
            "file was modified"
        );
    }

    #[test]
    fn village_and_records_are_written_together() {
        let dir = tempfile::tempdir().expect("tempdir");
        let storage = Storage::open(&dir.path().join("db.sqlite3")).expect("open");
        let village = VillageRow {
            id: "demo".into(),
            name: "示范村".into(),
            time_zone: "Asia/Shanghai".into(),
            utc_offset_minutes: 480,
        };
        let records = vec![RecordRow {
            key: "volunteer/v-1".into(),
            kind: "volunteer",
            body: serde_json::json!({"name": "李秀英"}),
        }];
        assert_eq!(
            storage.create_village(&village, &records).expect("create"),
            1
        );
        assert!(storage.village_exists("demo").expect("exists"));
        assert_eq!(
            storage.count_records("demo", "volunteer").expect("count"),
            1
        );
        // A second create of the same village fails as a whole and leaves the first intact.
        let dup = vec![
            RecordRow {
                key: "volunteer/v-2".into(),
                kind: "volunteer",
                body: serde_json::json!({}),
            };
            1
        ];
        assert!(storage.create_village(&village, &dup).is_err());
        assert_eq!(
            storage.count_records("demo", "volunteer").expect("count"),
            1
        );
    }
}
