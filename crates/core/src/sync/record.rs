//! Everything that syncs is a [`Record`] under a string key such as `task/t-0007` or
//! `signup/t-0007/v-0012`. Keys are what patches, visibility and the server's versions speak of.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::ledger::LedgerLine;
use crate::model::{
    Beneficiary, BeneficiaryId, BeneficiaryPrivate, CardCode, Message, ServiceRecord, Task, TaskId,
    Village, Volunteer, VolunteerId,
};

/// A volunteer's place on a task. Waiting-list order is `seq`, the server's order of arrival.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signup {
    pub task: TaskId,
    pub volunteer: VolunteerId,
    pub status: SignupStatus,
    /// Position in the server's order of sign-ups (lower came first). The browser's optimistic
    /// copy uses 0 until the server's record arrives.
    pub seq: u64,
    /// Placed by a coordinator rather than signed up by the volunteer.
    #[serde(default)]
    pub by_coordinator: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignupStatus {
    Confirmed,
    Waitlisted,
}

/// Who is on a task, as the volunteers signed up for it may know it: the first names of those
/// going and the order of the waiting list. Volunteers never receive each other's profiles or
/// sign-ups, so this summary is kept beside the sign-ups by every mutation that changes them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Roster {
    pub task: TaskId,
    /// Confirmed volunteers, in the order they got their place.
    pub going: Vec<RosterEntry>,
    /// The waiting list, first in line first.
    pub waiting: Vec<RosterEntry>,
}

/// How full a task is, for every volunteer who may see the task: the counts without the names.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Places {
    pub task: TaskId,
    pub confirmed: u32,
    pub waiting: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RosterEntry {
    pub volunteer: VolunteerId,
    /// Only the given name: enough to greet each other at the door. (The id is there so a
    /// phone can find its own entry; it opens nothing: profiles stay with their owner.)
    pub first_name: String,
}

impl Roster {
    pub fn new(task: TaskId) -> Self {
        Roster {
            task,
            going: Vec::new(),
            waiting: Vec::new(),
        }
    }

    /// `volunteer`'s 1-based place on the waiting list, if they are waiting.
    pub fn waitlist_position(&self, volunteer: &VolunteerId) -> Option<usize> {
        self.waiting
            .iter()
            .position(|e| &e.volunteer == volunteer)
            .map(|i| i + 1)
    }

    /// The first names of everyone going except `me`.
    pub fn others_going(&self, me: &VolunteerId) -> Vec<&str> {
        self.going
            .iter()
            .filter(|e| &e.volunteer != me)
            .map(|e| e.first_name.as_str())
            .collect()
    }
}

/// The kinds of record, in the order a fresh device should apply them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    Village,
    Volunteer,
    Beneficiary,
    BeneficiaryPrivate,
    Task,
    Signup,
    Roster,
    Places,
    Service,
    Message,
    /// `card/<beneficiary>`: the code on a beneficiary's card. Coordinators only, ever.
    Card,
    /// `ledger/<account>/<seq, 8 digits>`: one line of a time-bank account.
    Ledger,
}

impl RecordKind {
    pub const ALL: [RecordKind; 12] = [
        RecordKind::Village,
        RecordKind::Volunteer,
        RecordKind::Beneficiary,
        RecordKind::BeneficiaryPrivate,
        RecordKind::Task,
        RecordKind::Signup,
        RecordKind::Roster,
        RecordKind::Places,
        RecordKind::Service,
        RecordKind::Message,
        RecordKind::Card,
        RecordKind::Ledger,
    ];

    /// The key prefix (without the slash).
    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Village => "village",
            RecordKind::Volunteer => "volunteer",
            RecordKind::Beneficiary => "beneficiary",
            RecordKind::BeneficiaryPrivate => "beneficiary_private",
            RecordKind::Task => "task",
            RecordKind::Signup => "signup",
            RecordKind::Roster => "roster",
            RecordKind::Places => "places",
            RecordKind::Service => "service",
            RecordKind::Message => "message",
            RecordKind::Card => "card",
            RecordKind::Ledger => "ledger",
        }
    }

    /// The kind named by a key's prefix.
    pub fn of_key(key: &str) -> Option<RecordKind> {
        let prefix = key.split('/').next()?;
        RecordKind::ALL.into_iter().find(|k| k.as_str() == prefix)
    }
}

/// One synced document. A beneficiary's private fields are their own record so that whether a
/// volunteer may hold them is decided key by key.
#[derive(Clone, Debug, PartialEq)]
pub enum Record {
    Village(Village),
    Volunteer(Volunteer),
    /// The public part; `private` is always `None` here.
    Beneficiary(Beneficiary),
    BeneficiaryPrivate {
        beneficiary: BeneficiaryId,
        private: BeneficiaryPrivate,
    },
    Task(Task),
    Signup(Signup),
    Roster(Roster),
    Places(Places),
    Service(ServiceRecord),
    Message(Message),
    /// A beneficiary's card code: only coordinators ever receive it (see [`super::visibility`]).
    Card(CardCode),
    /// A line of a time-bank account: its holder and the village's coordinators receive it.
    Ledger(LedgerLine),
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum RecordError {
    #[error("unknown record key {0:?}")]
    UnknownKey(String),
    #[error("record {key} does not match its key's kind: {message}")]
    Body { key: String, message: String },
    #[error("record {key} is stored under the wrong key (its own key is {expected})")]
    KeyMismatch { key: String, expected: String },
}

/// The key of a task's sign-up by a volunteer.
pub fn signup_key(task: &TaskId, volunteer: &VolunteerId) -> String {
    format!("signup/{}/{}", task.as_str(), volunteer.as_str())
}

/// The key of a volunteer's service record on a task.
pub fn service_key(task: &TaskId, volunteer: &VolunteerId) -> String {
    format!("service/{}/{}", task.as_str(), volunteer.as_str())
}

/// The key of a beneficiary's card code.
pub fn card_key(beneficiary: &BeneficiaryId) -> String {
    key_of(RecordKind::Card, beneficiary.as_str())
}

/// The key of line `seq` of a time-bank account (`ledger/v-0007/00000012`): zero-padded so an
/// account's lines sort in order.
pub fn ledger_key(account: &str, seq: u64) -> String {
    format!("{}{seq:08}", ledger_prefix(account))
}

/// The key prefix of every line of a time-bank account.
pub fn ledger_prefix(account: &str) -> String {
    format!("ledger/{account}/")
}

/// The key prefix of every sign-up of a task.
pub fn signup_prefix(task: &TaskId) -> String {
    format!("signup/{}/", task.as_str())
}

pub fn key_of(kind: RecordKind, id: &str) -> String {
    format!("{}/{id}", kind.as_str())
}

impl Record {
    pub fn kind(&self) -> RecordKind {
        match self {
            Record::Village(_) => RecordKind::Village,
            Record::Volunteer(_) => RecordKind::Volunteer,
            Record::Beneficiary(_) => RecordKind::Beneficiary,
            Record::BeneficiaryPrivate { .. } => RecordKind::BeneficiaryPrivate,
            Record::Task(_) => RecordKind::Task,
            Record::Signup(_) => RecordKind::Signup,
            Record::Roster(_) => RecordKind::Roster,
            Record::Places(_) => RecordKind::Places,
            Record::Service(_) => RecordKind::Service,
            Record::Message(_) => RecordKind::Message,
            Record::Card(_) => RecordKind::Card,
            Record::Ledger(_) => RecordKind::Ledger,
        }
    }

    pub fn key(&self) -> String {
        match self {
            Record::Village(v) => key_of(RecordKind::Village, v.id.as_str()),
            Record::Volunteer(v) => key_of(RecordKind::Volunteer, v.id.as_str()),
            Record::Beneficiary(b) => key_of(RecordKind::Beneficiary, b.id.as_str()),
            Record::BeneficiaryPrivate { beneficiary, .. } => {
                key_of(RecordKind::BeneficiaryPrivate, beneficiary.as_str())
            }
            Record::Task(t) => key_of(RecordKind::Task, t.id.as_str()),
            Record::Signup(s) => signup_key(&s.task, &s.volunteer),
            Record::Roster(r) => key_of(RecordKind::Roster, r.task.as_str()),
            Record::Places(p) => key_of(RecordKind::Places, p.task.as_str()),
            Record::Service(s) => service_key(&s.task, &s.volunteer),
            Record::Message(m) => key_of(RecordKind::Message, m.id.as_str()),
            Record::Card(c) => card_key(&c.beneficiary),
            Record::Ledger(l) => ledger_key(&l.account, l.seq),
        }
    }

    /// The JSON body as it travels in a patch (`value`) and is stored.
    pub fn to_value(&self) -> Value {
        let value = match self {
            Record::Village(v) => serde_json::to_value(v),
            Record::Volunteer(v) => serde_json::to_value(v),
            Record::Beneficiary(b) => serde_json::to_value(b),
            Record::BeneficiaryPrivate { private, .. } => serde_json::to_value(private),
            Record::Task(t) => serde_json::to_value(t),
            Record::Signup(s) => serde_json::to_value(s),
            Record::Roster(r) => serde_json::to_value(r),
            Record::Places(p) => serde_json::to_value(p),
            Record::Service(s) => serde_json::to_value(s),
            Record::Message(m) => serde_json::to_value(m),
            Record::Card(c) => serde_json::to_value(c),
            Record::Ledger(l) => serde_json::to_value(l),
        };
        // Serialising these plain structs cannot fail (no maps with non-string keys).
        value.unwrap_or(Value::Null)
    }

    /// Reads a record from its key and body, checking that they agree.
    pub fn from_value(key: &str, value: Value) -> Result<Record, RecordError> {
        let kind = RecordKind::of_key(key).ok_or_else(|| RecordError::UnknownKey(key.into()))?;
        let body_error = |e: serde_json::Error| RecordError::Body {
            key: key.into(),
            message: e.to_string(),
        };
        let record = match kind {
            RecordKind::Village => {
                Record::Village(serde_json::from_value(value).map_err(body_error)?)
            }
            RecordKind::Volunteer => {
                Record::Volunteer(serde_json::from_value(value).map_err(body_error)?)
            }
            RecordKind::Beneficiary => {
                Record::Beneficiary(serde_json::from_value(value).map_err(body_error)?)
            }
            RecordKind::BeneficiaryPrivate => {
                let id = key.strip_prefix("beneficiary_private/").unwrap_or_default();
                Record::BeneficiaryPrivate {
                    beneficiary: BeneficiaryId::new(id),
                    private: serde_json::from_value(value).map_err(body_error)?,
                }
            }
            RecordKind::Task => Record::Task(serde_json::from_value(value).map_err(body_error)?),
            RecordKind::Signup => {
                Record::Signup(serde_json::from_value(value).map_err(body_error)?)
            }
            RecordKind::Roster => {
                Record::Roster(serde_json::from_value(value).map_err(body_error)?)
            }
            RecordKind::Places => {
                Record::Places(serde_json::from_value(value).map_err(body_error)?)
            }
            RecordKind::Service => {
                Record::Service(serde_json::from_value(value).map_err(body_error)?)
            }
            RecordKind::Message => {
                Record::Message(serde_json::from_value(value).map_err(body_error)?)
            }
            RecordKind::Card => Record::Card(serde_json::from_value(value).map_err(body_error)?),
            RecordKind::Ledger => {
                Record::Ledger(serde_json::from_value(value).map_err(body_error)?)
            }
        };
        let expected = record.key();
        if expected != key {
            return Err(RecordError::KeyMismatch {
                key: key.into(),
                expected,
            });
        }
        Ok(record)
    }

    /// The records a stored beneficiary becomes: its public part and, if any, its private part.
    pub fn from_beneficiary(beneficiary: &Beneficiary) -> Vec<Record> {
        let mut records = vec![Record::Beneficiary(beneficiary.without_private())];
        if let Some(private) = &beneficiary.private {
            records.push(Record::BeneficiaryPrivate {
                beneficiary: beneficiary.id.clone(),
                private: private.clone(),
            });
        }
        records
    }
}
