//! Where mutations read and write: the server's database transaction or the browser's copy.

use std::collections::BTreeMap;

use crate::ledger::LedgerLine;
use crate::matching::ServiceHistory;
use crate::model::{Beneficiary, NaiveDate, Task, TaskId, Village, Volunteer, VolunteerId};

use super::record::{key_of, ledger_key, ledger_prefix, signup_prefix, Record, RecordKind, Signup};

/// A transient failure of the backing store (the database is locked, the disk is full). The
/// server answers it with a 5xx and commits nothing of the request.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("storage failure: {0}")]
pub struct StoreError(pub String);

/// The records of ONE village, as a mutation sees them. Implemented by the server over a SQLite
/// transaction and by [`MemoryStore`] in the browser and in tests.
pub trait Store {
    fn get(&self, key: &str) -> Result<Option<Record>, StoreError>;
    /// Writes the record under its own key.
    fn put(&mut self, record: Record) -> Result<(), StoreError>;
    fn delete(&mut self, key: &str) -> Result<(), StoreError>;
    fn signups_for_task(&self, task: &TaskId) -> Result<Vec<Signup>, StoreError>;
    fn signups_of_volunteer(&self, volunteer: &VolunteerId) -> Result<Vec<Signup>, StoreError>;
    /// The next number in the server's order of sign-ups (strictly increasing).
    fn next_seq(&mut self) -> Result<u64, StoreError>;
    /// The village this store holds.
    fn village(&self) -> Result<Option<Village>, StoreError>;
    /// The server's clock (Unix seconds, UTC) when this store is the server's transaction;
    /// `None` on a device, whose clock is only ever recorded as the device's.
    fn server_clock(&self) -> Option<i64> {
        None
    }
    /// Whether this store holds every sign-up of the village (the server's does; a phone holds
    /// only its own). Decides whether a task's counts can be recounted or only adjusted.
    fn holds_every_signup(&self) -> bool {
        false
    }
    /// Whether this is the server's store, holding every record of the village, card codes and
    /// everyone's accounts included. A device's copy lacks those, so the few rules that need them
    /// (is this card code right, does a transfer's recipient exist) are decided only where this
    /// is true; on a device the change applies optimistically and waits for the server's
    /// verdict. Every other rule runs the same on both.
    fn is_authoritative(&self) -> bool {
        false
    }

    /// Every line of a time-bank account this store holds, in seq order. The default reads
    /// them one key at a time (seq 1, 2, ... until one is missing: an account's lines have no
    /// gaps); stores with range reads do better.
    fn ledger_lines(&self, account: &str) -> Result<Vec<LedgerLine>, StoreError> {
        let mut lines = Vec::new();
        while let Some(Record::Ledger(line)) =
            self.get(&ledger_key(account, lines.len() as u64 + 1))?
        {
            lines.push(line);
        }
        Ok(lines)
    }

    fn task(&self, id: &TaskId) -> Result<Option<Task>, StoreError> {
        Ok(match self.get(&key_of(RecordKind::Task, id.as_str()))? {
            Some(Record::Task(t)) => Some(t),
            _ => None,
        })
    }

    fn volunteer(&self, id: &VolunteerId) -> Result<Option<Volunteer>, StoreError> {
        Ok(
            match self.get(&key_of(RecordKind::Volunteer, id.as_str()))? {
                Some(Record::Volunteer(v)) => Some(v),
                _ => None,
            },
        )
    }

    /// A beneficiary with its private part joined back in (if this store has it).
    fn beneficiary(
        &self,
        id: &crate::model::BeneficiaryId,
    ) -> Result<Option<Beneficiary>, StoreError> {
        let Some(Record::Beneficiary(mut b)) =
            self.get(&key_of(RecordKind::Beneficiary, id.as_str()))?
        else {
            return Ok(None);
        };
        if let Some(Record::BeneficiaryPrivate { private, .. }) =
            self.get(&key_of(RecordKind::BeneficiaryPrivate, id.as_str()))?
        {
            b.private = Some(private);
        }
        Ok(Some(b))
    }
}

/// An in-memory store: the browser's view (snapshot + pending mutations replayed) and the
/// reference the server's SQLite store is tested against.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MemoryStore {
    records: BTreeMap<String, Record>,
    seq: u64,
    /// A device's copy, which holds only the sign-ups its user may see.
    device_copy: bool,
    /// Set to play the server's store in tests of rules that read the server's clock.
    server_clock: Option<i64>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// This store with the server's clock at `seconds` (Unix, UTC): for tests of the rules
    /// that only the server, which has a clock to trust, decides.
    pub fn with_server_clock(mut self, seconds: i64) -> Self {
        self.server_clock = Some(seconds);
        self
    }

    pub fn from_records(records: impl IntoIterator<Item = Record>) -> Self {
        let mut store = Self::default();
        for record in records {
            store.insert(record);
        }
        store
    }

    /// Marks this store as a device's copy: it does not hold every sign-up, so a task's counts
    /// are adjusted rather than recounted.
    pub fn as_device_copy(mut self) -> Self {
        self.device_copy = true;
        self
    }

    /// Inserts without the `Result` of the trait: a memory store cannot fail.
    pub fn insert(&mut self, record: Record) {
        if let Record::Signup(s) = &record {
            self.seq = self.seq.max(s.seq);
        }
        self.records.insert(record.key(), record);
    }

    pub fn remove(&mut self, key: &str) -> Option<Record> {
        self.records.remove(key)
    }

    pub fn records(&self) -> impl Iterator<Item = (&String, &Record)> {
        self.records.iter()
    }

    pub fn get_record(&self, key: &str) -> Option<&Record> {
        self.records.get(key)
    }

    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Past service as the matching's soft rules need it (reliability, continuity, fairness),
    /// built from the service records in this copy (a coordinator's holds the whole village's):
    /// see [`ServiceHistory::from_service_records`]. `today` decides "this month".
    pub fn service_history(&self, today: Option<NaiveDate>) -> ServiceHistory {
        let volunteers: Vec<VolunteerId> = self
            .records
            .values()
            .filter_map(|r| match r {
                Record::Volunteer(v) => Some(v.id.clone()),
                _ => None,
            })
            .collect();
        let records = self.records.values().filter_map(|r| match r {
            Record::Service(s) => Some(s),
            _ => None,
        });
        let task_of =
            |task: &TaskId| match self.records.get(&key_of(RecordKind::Task, task.as_str())) {
                Some(Record::Task(t)) => Some(t),
                _ => None,
            };
        ServiceHistory::from_service_records(&volunteers, records, task_of, today)
    }

    fn signups(&self) -> impl Iterator<Item = &Signup> {
        self.records
            .range("signup/".to_owned()..)
            .take_while(|(k, _)| k.starts_with("signup/"))
            .filter_map(|(_, r)| match r {
                Record::Signup(s) => Some(s),
                _ => None,
            })
    }
}

impl Store for MemoryStore {
    fn get(&self, key: &str) -> Result<Option<Record>, StoreError> {
        Ok(self.records.get(key).cloned())
    }

    fn put(&mut self, record: Record) -> Result<(), StoreError> {
        self.insert(record);
        Ok(())
    }

    fn delete(&mut self, key: &str) -> Result<(), StoreError> {
        self.records.remove(key);
        Ok(())
    }

    fn signups_for_task(&self, task: &TaskId) -> Result<Vec<Signup>, StoreError> {
        let prefix = signup_prefix(task);
        Ok(self
            .records
            .range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(&prefix))
            .filter_map(|(_, r)| match r {
                Record::Signup(s) => Some(s.clone()),
                _ => None,
            })
            .collect())
    }

    fn signups_of_volunteer(&self, volunteer: &VolunteerId) -> Result<Vec<Signup>, StoreError> {
        Ok(self
            .signups()
            .filter(|s| &s.volunteer == volunteer)
            .cloned()
            .collect())
    }

    fn holds_every_signup(&self) -> bool {
        !self.device_copy
    }

    fn is_authoritative(&self) -> bool {
        !self.device_copy
    }

    fn server_clock(&self) -> Option<i64> {
        self.server_clock
    }

    fn ledger_lines(&self, account: &str) -> Result<Vec<LedgerLine>, StoreError> {
        let prefix = ledger_prefix(account);
        Ok(self
            .records
            .range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(&prefix))
            .filter_map(|(_, r)| match r {
                Record::Ledger(l) => Some(l.clone()),
                _ => None,
            })
            .collect())
    }

    fn next_seq(&mut self) -> Result<u64, StoreError> {
        self.seq += 1;
        Ok(self.seq)
    }

    fn village(&self) -> Result<Option<Village>, StoreError> {
        Ok(self
            .records
            .range("village/".to_owned()..)
            .take_while(|(k, _)| k.starts_with("village/"))
            .find_map(|(_, r)| match r {
                Record::Village(v) => Some(v.clone()),
                _ => None,
            }))
    }
}
