//! Each village's Ed25519 key for signing its time-bank ledger (`village_keys`, migration 6).
//!
//! The secret is kept in this database, in the clear, unlike every other secret here (tokens
//! and codes are stored as hashes): the server must sign lines unattended, inside the very
//! transaction that stores them, and a key kept in the database cannot drift apart from the
//! ledger it signed: `admin backup` and `restore` carry both together. The price: a copy of
//! the database can sign lines in the village's name, so backups are as secret as the keys.

use linli_core::ledger::LedgerLine;
use rusqlite::{params, Connection, OptionalExtension};

use super::{unix_now, Storage, StorageError};
use crate::signing::{sign_line, SigningError, VillageKey, ALGORITHM};

impl From<SigningError> for StorageError {
    fn from(e: SigningError) -> Self {
        match e {
            SigningError::Random(message) => StorageError::Random(message),
            SigningError::SecretLength(_) => {
                StorageError::Store(format!("the stored village key is damaged: {e}"))
            }
        }
    }
}

fn stored_key(conn: &Connection, village: &str) -> Result<Option<VillageKey>, StorageError> {
    let secret: Option<Vec<u8>> = conn
        .query_row(
            "SELECT secret_key FROM village_keys WHERE village_id = ?1",
            [village],
            |r| r.get(0),
        )
        .optional()?;
    match secret {
        Some(mut secret) => {
            let key = VillageKey::from_secret(village, &secret);
            secret.fill(0);
            Ok(Some(key?))
        }
        None => Ok(None),
    }
}

/// The signing key of `village`, made and stored on first use (in the caller's transaction,
/// if it has one: a rolled-back sync leaves no key behind, and the next one makes another
/// that no line was signed with yet). An unknown village is an error.
pub(crate) fn village_key(conn: &Connection, village: &str) -> Result<VillageKey, StorageError> {
    if let Some(key) = stored_key(conn, village)? {
        return Ok(key);
    }
    if !super::auth::village_exists(conn, village)? {
        return Err(StorageError::Store(format!(
            "no village {village:?}: it has no signing key"
        )));
    }
    let key = VillageKey::generate_for(village)?;
    let mut secret = key.secret_bytes();
    // One connection behind a mutex means nobody inserts in between; DO NOTHING and the
    // re-read keep the first key even if that ever changes, since lines may be signed with it.
    let inserted = conn.execute(
        "INSERT INTO village_keys (village_id, algorithm, secret_key, public_key, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (village_id) DO NOTHING",
        params![
            village,
            ALGORITHM,
            &secret[..],
            key.public_key_base64(),
            unix_now()
        ],
    );
    secret.fill(0);
    inserted?;
    tracing::info!(village, public_key = %key.public_key_base64(), "created the village's ledger signing key");
    stored_key(conn, village)?.ok_or_else(|| {
        StorageError::Store(format!("the key of village {village:?} was not stored"))
    })
}

impl Storage {
    /// The village's public key (standard base64 of 32 bytes), as `GET
    /// /api/v1/villages/{id}/key` publishes it; made on first request, so it is published
    /// before anything is signed with it. `None`: no such village.
    pub fn village_public_key(&self, village: &str) -> Result<Option<String>, StorageError> {
        self.with_conn(|conn| {
            if !super::auth::village_exists(conn, village)? {
                return Ok(None);
            }
            Ok(Some(village_key(conn, village)?.public_key_base64()))
        })
    }

    /// Signs `line` with the village's key (made on first use). For tools and tests; the sync
    /// path signs inside its own transaction with [`village_key`].
    pub fn sign_ledger_line(
        &self,
        village: &str,
        line: &mut LedgerLine,
    ) -> Result<(), StorageError> {
        self.with_conn(|conn| {
            let key = village_key(conn, village)?;
            sign_line(&key, line);
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::VillageRow;

    fn storage_with_village(dir: &tempfile::TempDir) -> Storage {
        let storage = Storage::open(&dir.path().join("db.sqlite3")).expect("open");
        storage
            .create_village(
                &VillageRow {
                    id: "vil-1".into(),
                    name: "示范村".into(),
                    time_zone: "Asia/Shanghai".into(),
                    utc_offset_minutes: 480,
                },
                &[],
            )
            .expect("village");
        storage
    }

    #[test]
    fn a_village_gets_one_key_that_survives_a_reopen() {
        let dir = tempfile::tempdir().expect("tempdir");
        let storage = storage_with_village(&dir);
        assert_eq!(storage.village_public_key("nowhere").expect("query"), None);
        let first = storage
            .village_public_key("vil-1")
            .expect("key")
            .expect("village");
        assert_eq!(
            storage.village_public_key("vil-1").expect("key"),
            Some(first.clone())
        );
        drop(storage);
        let again = Storage::open(&dir.path().join("db.sqlite3")).expect("reopen");
        assert_eq!(
            again.village_public_key("vil-1").expect("key"),
            Some(first.clone())
        );
        // The stored public key (for operators reading the table) is the secret's.
        let (stored, algorithm) = again
            .with_conn(|conn| {
                Ok::<_, StorageError>(conn.query_row(
                    "SELECT public_key, algorithm FROM village_keys WHERE village_id = 'vil-1'",
                    [],
                    |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
                )?)
            })
            .expect("row");
        assert_eq!((stored, algorithm.as_str()), (first, "ed25519"));
    }

    #[test]
    fn lines_signed_through_storage_verify_under_the_published_key() {
        use linli_core::ledger::{LedgerEntry, Statement};
        let dir = tempfile::tempdir().expect("tempdir");
        let storage = storage_with_village(&dir);
        let mut line = LedgerLine {
            account: "v-0001".into(),
            seq: 1,
            at: 1_780_000_000,
            amount: 100,
            entry: LedgerEntry::ServiceCredit {
                task: linli_core::TaskId::new("t-1"),
                volunteer: linli_core::VolunteerId::new("v-0001"),
                minutes: 60,
            },
            by: "c-1".into(),
            reason: String::new(),
            prev: String::new(),
            signature: None,
        };
        storage.sign_ledger_line("vil-1", &mut line).expect("sign");
        let public_key = storage
            .village_public_key("vil-1")
            .expect("key")
            .expect("village");
        let statement = Statement {
            village_id: "vil-1".into(),
            village_name: "示范村".into(),
            account: "v-0001".into(),
            public_key: public_key.clone(),
            lines: vec![line.clone()],
            balance: 100,
            seal: None,
        };
        assert!(crate::signing::verify_statement(&statement, &public_key).is_ok());
        assert!(storage.sign_ledger_line("nowhere", &mut line).is_err());
    }
}
