//! Core's [`Store`] over an open SQLite transaction: what `linli_core::sync::apply` reads and
//! writes when the server runs a mutation authoritatively.
//!
//! Every write is stamped with the version this transaction will commit (`stamp`), deletions
//! become tombstones, and records whose *visibility* depends on the written one are stamped too
//! ("touched"), so that every device re-evaluates them at its next pull:
//! - a sign-up changes who may see its task and the task's beneficiary (public and private);
//! - a task changes who may see its beneficiary (before and after the change) and its places.
//!
//! A sign-up also changes who may see its task's `roster/`: that needs no touch because every
//! sign-up change rewrites the roster (`seat_changed` in core's `apply`).
//!
//! Time-bank ledger lines (`ledger/<account>/<seq>`) are sealed as they are written: `at` is the
//! server's clock, `prev` the chain hash of the account's previous line, and `signature` the
//! village key's (`storage/keys.rs`). They are append-only: writing over or deleting one is a
//! store failure, never a silent change.

use std::collections::BTreeSet;

use linli_core::ledger::LedgerLine;
use linli_core::sync::{Record, RecordKind, Signup, Store, StoreError};
use linli_core::{BeneficiaryId, ServiceRecord, TaskId, Village, VolunteerId};
use rusqlite::{params, Connection, OptionalExtension};

use super::keys::village_key;
use crate::signing::{sign_line, VillageKey};

pub(crate) struct TxStore<'c> {
    conn: &'c Connection,
    village: String,
    /// The version every write of this transaction is stamped with.
    stamp: i64,
    /// Keys stamped with `stamp` (written, deleted or touched).
    changed: BTreeSet<String>,
    /// The server's clock for this request, recorded beside a phone's check-in time.
    clock: Option<i64>,
    /// The village's ledger key, read (or made) at the first line this transaction signs.
    key: Option<VillageKey>,
}

fn fault(e: impl std::fmt::Display) -> StoreError {
    StoreError(e.to_string())
}

fn parse(key: &str, body: &str) -> Result<Record, StoreError> {
    let value: serde_json::Value = serde_json::from_str(body).map_err(fault)?;
    Record::from_value(key, value).map_err(fault)
}

impl<'c> TxStore<'c> {
    pub(crate) fn new(conn: &'c Connection, village: &str, stamp: i64) -> Self {
        TxStore {
            conn,
            village: village.to_owned(),
            stamp,
            changed: BTreeSet::new(),
            clock: None,
            key: None,
        }
    }

    /// A ledger line as it is stored: after the account's previous line (its `prev` that line's
    /// chain hash), stamped with the server's clock, signed with the village key. Core wrote it
    /// with the seq it found; anything but "the next line of the account" is refused, so a line
    /// can never be overwritten or leave a gap.
    fn seal(&mut self, mut line: LedgerLine) -> Result<LedgerLine, StoreError> {
        let key = format!("ledger/{}/{:08}", line.account, line.seq);
        let exists: bool = self
            .conn
            .prepare_cached("SELECT 1 FROM records WHERE village_id = ?1 AND key = ?2")
            .and_then(|mut s| {
                s.query_row(params![self.village, key], |_| Ok(()))
                    .optional()
            })
            .map_err(fault)?
            .is_some();
        if exists {
            return Err(StoreError(format!(
                "ledger lines are append-only: {key} exists"
            )));
        }
        let previous = match line.seq {
            0 => return Err(StoreError("a ledger line's seq starts at 1".into())),
            1 => None,
            seq => match self.get(&format!("ledger/{}/{:08}", line.account, seq - 1))? {
                Some(Record::Ledger(previous)) => Some(previous),
                _ => {
                    return Err(StoreError(format!(
                        "ledger line {key} would leave a gap in its account"
                    )))
                }
            },
        };
        line.chain_after(previous.as_ref());
        if let Some(now) = self.clock {
            line.at = now;
        }
        if self.key.is_none() {
            self.key = Some(village_key(self.conn, &self.village).map_err(fault)?);
        }
        if let Some(village_key) = &self.key {
            sign_line(village_key, &mut line);
        }
        Ok(line)
    }

    /// Logs a record that has just been locked by its last allowed wrong card code: someone
    /// may be guessing a beneficiary's code. Never logs a code.
    fn warn_if_locked(&self, record: &ServiceRecord) -> Result<(), StoreError> {
        if !record.confirmation_locked() {
            return Ok(());
        }
        let key = linli_core::sync::service_key(&record.task, &record.volunteer);
        let was_locked =
            matches!(self.get(&key)?, Some(Record::Service(old)) if old.confirmation_locked());
        if !was_locked {
            tracing::warn!(
                village = %self.village,
                task = %record.task,
                volunteer = %record.volunteer,
                wrong_codes = record.wrong_codes,
                "a service record is locked after too many wrong card codes (someone guessing?): \
                 a coordinator must confirm, dispute or re-open it"
            );
        }
        Ok(())
    }

    /// Gives mutations the server's clock (Unix seconds) as of this request.
    pub(crate) fn with_clock(mut self, now: i64) -> Self {
        self.clock = Some(now);
        self
    }

    pub(crate) fn changed(&self) -> &BTreeSet<String> {
        &self.changed
    }

    /// Forgets the keys of a mutation whose savepoint was rolled back.
    pub(crate) fn restore_changed(&mut self, before: BTreeSet<String>) {
        self.changed = before;
    }

    /// Re-stamps an existing record (or tombstone) so devices re-evaluate it.
    fn touch(&mut self, key: String) -> Result<(), StoreError> {
        let n = self
            .conn
            .prepare_cached(
                "UPDATE records SET version = ?3 WHERE village_id = ?1 AND key = ?2 AND version < ?3",
            )
            .and_then(|mut s| s.execute(params![self.village, key, self.stamp]))
            .map_err(fault)?;
        if n > 0 {
            self.changed.insert(key);
        }
        Ok(())
    }

    fn touch_beneficiary(&mut self, beneficiary: &BeneficiaryId) -> Result<(), StoreError> {
        self.touch(format!("beneficiary/{}", beneficiary.as_str()))?;
        self.touch(format!("beneficiary_private/{}", beneficiary.as_str()))
    }

    /// A sign-up of `task` changed: its task, the task's beneficiary and its notices may change
    /// visibility.
    fn touch_task_relations(&mut self, task: &TaskId) -> Result<(), StoreError> {
        let record = self.task(task)?;
        // An open task is visible to everyone whatever its sign-ups: re-stamping it would make
        // every device of the village look at it again at every sign-up.
        if record
            .as_ref()
            .is_none_or(|t| t.status != linli_core::TaskStatus::Open)
        {
            self.touch(format!("task/{}", task.as_str()))?;
        }
        let notices: Vec<String> = {
            let mut stmt = self
                .conn
                .prepare_cached(
                    "SELECT key FROM records INDEXED BY records_signups_by_task
                     WHERE village_id = ?1 AND task_id = ?2 AND kind = 'message'",
                )
                .map_err(fault)?;
            let rows = stmt
                .query_map(params![self.village, task.as_str()], |r| r.get(0))
                .map_err(fault)?;
            rows.collect::<Result<_, _>>().map_err(fault)?
        };
        for key in notices {
            self.touch(key)?;
        }
        if let Some(beneficiary) = record.and_then(|t| t.beneficiary) {
            self.touch_beneficiary(&beneficiary)?;
        }
        Ok(())
    }

    /// Before a task is written or deleted: its old beneficiary may lose visibility.
    fn touch_old_task(&mut self, key: &str) -> Result<(), StoreError> {
        if let Some(Record::Task(old)) = self.get(key)? {
            if let Some(b) = old.beneficiary {
                self.touch_beneficiary(&b)?;
            }
        }
        Ok(())
    }

    fn query_signups(&self, sql: &str, id: &str) -> Result<Vec<Signup>, StoreError> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(fault)?;
        let rows = stmt
            .query_map(params![self.village, id], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })
            .map_err(fault)?;
        let mut out = Vec::new();
        for row in rows {
            let (key, body) = row.map_err(fault)?;
            if let Record::Signup(s) = parse(&key, &body)? {
                out.push(s);
            }
        }
        Ok(out)
    }
}

impl Store for TxStore<'_> {
    fn get(&self, key: &str) -> Result<Option<Record>, StoreError> {
        let body: Option<String> = self
            .conn
            .prepare_cached(
                "SELECT body FROM records WHERE village_id = ?1 AND key = ?2 AND deleted = 0",
            )
            .and_then(|mut s| {
                s.query_row(params![self.village, key], |r| r.get(0))
                    .optional()
            })
            .map_err(fault)?;
        body.map(|b| parse(key, &b)).transpose()
    }

    fn put(&mut self, record: Record) -> Result<(), StoreError> {
        let record = match record {
            Record::Ledger(line) => Record::Ledger(self.seal(line)?),
            Record::Service(service) => {
                self.warn_if_locked(&service)?;
                Record::Service(service)
            }
            other => other,
        };
        let key = record.key();
        let kind = record.kind();
        if kind == RecordKind::Task {
            self.touch_old_task(&key)?;
        }
        let body = serde_json::to_string(&record.to_value()).map_err(fault)?;
        let (task_id, volunteer_id) = match &record {
            // Service records carry the columns too, so a volunteer's pull can skip others'.
            Record::Signup(s) => (
                Some(s.task.as_str().to_owned()),
                Some(s.volunteer.as_str().to_owned()),
            ),
            Record::Service(s) => (
                Some(s.task.as_str().to_owned()),
                Some(s.volunteer.as_str().to_owned()),
            ),
            // The account's holder, so a volunteer's pull could skip other accounts' lines.
            Record::Ledger(l) => (None, Some(l.account.clone())),
            // A task's notices follow its sign-ups' visibility: found by the task column.
            Record::Message(linli_core::Message {
                audience: linli_core::Audience::Task { task },
                ..
            }) => (Some(task.as_str().to_owned()), None),
            _ => (None, None),
        };
        self.conn
            .prepare_cached(
                "INSERT INTO records (village_id, key, kind, version, body, deleted, task_id, volunteer_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, 0, ?6, ?7)
                 ON CONFLICT (village_id, key) DO UPDATE SET
                   kind = excluded.kind, version = excluded.version, body = excluded.body,
                   deleted = 0, task_id = excluded.task_id, volunteer_id = excluded.volunteer_id",
            )
            .and_then(|mut s| {
                s.execute(params![
                    self.village,
                    key,
                    kind.as_str(),
                    self.stamp,
                    body,
                    task_id,
                    volunteer_id
                ])
            })
            .map_err(fault)?;
        self.changed.insert(key);
        match &record {
            Record::Signup(s) => self.touch_task_relations(&s.task)?,
            Record::Task(t) => {
                if let Some(b) = &t.beneficiary {
                    self.touch_beneficiary(b)?;
                }
                // How full the task is follows the task's visibility (e.g. once cancelled).
                self.touch(format!("places/{}", t.id.as_str()))?;
            }
            _ => {}
        }
        Ok(())
    }

    fn delete(&mut self, key: &str) -> Result<(), StoreError> {
        let Some(old) = self.get(key)? else {
            return Ok(());
        };
        if let Record::Ledger(_) = old {
            return Err(StoreError(format!(
                "ledger lines are append-only: {key} cannot be deleted"
            )));
        }
        if let Record::Task(_) = &old {
            self.touch_old_task(key)?;
        }
        // The tombstone keeps no body (a deleted private record must not linger), but a
        // sign-up keeps its task and volunteer columns.
        self.conn
            .prepare_cached(
                "UPDATE records SET deleted = 1, body = 'null', version = ?3
                 WHERE village_id = ?1 AND key = ?2",
            )
            .and_then(|mut s| s.execute(params![self.village, key, self.stamp]))
            .map_err(fault)?;
        self.changed.insert(key.to_owned());
        if let Record::Signup(s) = &old {
            self.touch_task_relations(&s.task)?;
        }
        Ok(())
    }

    // `INDEXED BY`: without statistics SQLite may prefer the primary key (to skip sorting) and
    // scan the whole village; these look-ups must stay index searches.
    fn signups_for_task(&self, task: &TaskId) -> Result<Vec<Signup>, StoreError> {
        self.query_signups(
            "SELECT key, body FROM records INDEXED BY records_signups_by_task
             WHERE village_id = ?1 AND task_id = ?2 AND kind = 'signup' AND deleted = 0
             ORDER BY key",
            task.as_str(),
        )
    }

    fn signups_of_volunteer(&self, volunteer: &VolunteerId) -> Result<Vec<Signup>, StoreError> {
        self.query_signups(
            "SELECT key, body FROM records INDEXED BY records_signups_by_volunteer
             WHERE village_id = ?1 AND volunteer_id = ?2 AND kind = 'signup' AND deleted = 0
             ORDER BY key",
            volunteer.as_str(),
        )
    }

    fn server_clock(&self) -> Option<i64> {
        self.clock
    }

    fn holds_every_signup(&self) -> bool {
        true
    }

    fn is_authoritative(&self) -> bool {
        true
    }

    /// One index range over the primary key: the account's lines in seq order (the seq is
    /// zero-padded in the key).
    fn ledger_lines(&self, account: &str) -> Result<Vec<LedgerLine>, StoreError> {
        let from = format!("ledger/{account}/");
        // '0' follows '/': every key with the prefix sorts below this one.
        let to = format!("ledger/{account}0");
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT key, body FROM records
                 WHERE village_id = ?1 AND key >= ?2 AND key < ?3 AND deleted = 0
                 ORDER BY key",
            )
            .map_err(fault)?;
        let rows = stmt
            .query_map(params![self.village, from, to], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })
            .map_err(fault)?;
        let mut lines = Vec::new();
        for row in rows {
            let (key, body) = row.map_err(fault)?;
            if let Record::Ledger(line) = parse(&key, &body)? {
                lines.push(line);
            }
        }
        Ok(lines)
    }

    fn next_seq(&mut self) -> Result<u64, StoreError> {
        let seq: i64 = self
            .conn
            .prepare_cached(
                "UPDATE villages SET signup_seq = signup_seq + 1 WHERE id = ?1 RETURNING signup_seq",
            )
            .and_then(|mut s| s.query_row([&self.village], |r| r.get(0)))
            .map_err(fault)?;
        Ok(seq as u64)
    }

    fn village(&self) -> Result<Option<Village>, StoreError> {
        Ok(
            match self.get(&format!("village/{}", self.village.as_str()))? {
                Some(Record::Village(v)) => Some(v),
                _ => None,
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use linli_core::ledger::{LedgerEntry, LedgerLine};
    use linli_core::sync::{Record, Store};

    use super::TxStore;
    use crate::storage::{Storage, StorageError, VillageRow};

    fn line(seq: u64, amount: i64) -> LedgerLine {
        LedgerLine {
            account: "v-0001".into(),
            seq,
            at: 0,
            amount,
            entry: LedgerEntry::Redeem { what: "x".into() },
            by: "v-0001".into(),
            reason: String::new(),
            prev: "left by the phone".into(),
            signature: None,
        }
    }

    #[test]
    fn ledger_lines_are_chained_signed_stamped_and_never_rewritten() {
        let dir = tempfile::tempdir().expect("tempdir");
        let storage = Storage::open(&dir.path().join("db.sqlite3")).expect("open");
        let village = VillageRow {
            id: "vil-1".into(),
            name: "村".into(),
            time_zone: "Asia/Shanghai".into(),
            utc_offset_minutes: 480,
        };
        storage.create_village(&village, &[]).expect("village");
        storage
            .with_conn(|conn| {
                let tx = conn.transaction()?;
                let mut store = TxStore::new(&tx, "vil-1", 2).with_clock(1_800_000_000);
                store.put(Record::Ledger(line(1, -5))).expect("first");
                store.put(Record::Ledger(line(2, -7))).expect("second");
                let lines = store.ledger_lines("v-0001").expect("lines");
                assert_eq!(lines.len(), 2);
                assert_eq!(lines[0].prev, "", "the phone's prev is replaced");
                assert_eq!(lines[1].prev, lines[0].chain_hash());
                assert!(lines
                    .iter()
                    .all(|l| l.signature.is_some() && l.at == 1_800_000_000));
                // Not over an existing line, not past a gap, never deleted.
                assert!(store.put(Record::Ledger(line(2, -1))).is_err());
                assert!(store.put(Record::Ledger(line(4, -1))).is_err());
                assert!(store.delete("ledger/v-0001/00000001").is_err());
                assert_eq!(store.ledger_lines("v-0001").expect("lines"), lines);
                assert!(store.ledger_lines("v-000").expect("lines").is_empty());
                Ok::<_, StorageError>(())
            })
            .expect("transaction");
    }
}
