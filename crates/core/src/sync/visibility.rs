//! Who may hold which record. The server filters every patch through [`visible`]; a volunteer's
//! phone never receives a record for which this says no, so it cannot leak what it never had.

use crate::model::{BeneficiaryId, Task, TaskStatus, VolunteerId};

use super::apply::{Actor, Role};
use super::record::{Record, SignupStatus};
use super::store::{Store, StoreError};

/// How a volunteer is connected to a beneficiary through their sign-ups.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Connection {
    None,
    /// Signed up (waiting or confirmed) for a task that is not cancelled or done.
    SignedUp,
    /// Confirmed on an open task for this beneficiary: may know the address and health notes.
    Confirmed,
}

/// The strongest connection of `volunteer` to `beneficiary` over their open tasks.
pub fn connection(
    store: &dyn Store,
    volunteer: &VolunteerId,
    beneficiary: &BeneficiaryId,
) -> Result<Connection, StoreError> {
    let mut best = Connection::None;
    for signup in store.signups_of_volunteer(volunteer)? {
        let Some(task) = store.task(&signup.task)? else {
            continue;
        };
        if task.status != TaskStatus::Open || task.beneficiary.as_ref() != Some(beneficiary) {
            continue;
        }
        let this = match signup.status {
            SignupStatus::Confirmed => Connection::Confirmed,
            SignupStatus::Waitlisted => Connection::SignedUp,
        };
        best = best.max(this);
    }
    Ok(best)
}

/// A volunteer sees open tasks and the tasks they are signed up for.
fn task_visible(me: &VolunteerId, task: &Task, store: &dyn Store) -> Result<bool, StoreError> {
    Ok(task.status == TaskStatus::Open
        || store
            .signups_of_volunteer(me)?
            .iter()
            .any(|s| s.task == task.id))
}

/// Whether `actor` may hold `record`:
/// - a coordinator: everything of their village;
/// - a volunteer: the village, their own profile and sign-ups, open tasks and tasks they are
///   signed up for, a beneficiary's public part while signed up for one of their open tasks, and
///   the private part (address, phone, family contact, health notes) only while confirmed on one;
///   their own service records, how full each task they see is, the roster (first names)
///   of tasks they are signed up for, notices to the village and to tasks they are signed up for;
/// - the lines of their own time-bank account, no one else's;
/// - never a beneficiary's card code (`card/`), whatever their connection: the code is what
///   proves a visit, so the one who visits must not be able to read it.
pub fn visible(actor: &Actor, record: &Record, store: &dyn Store) -> Result<bool, StoreError> {
    let me = match &actor.role {
        Role::Coordinator(_) => return Ok(true),
        Role::Volunteer(me) => me,
    };
    Ok(match record {
        Record::Village(_) => true,
        Record::Volunteer(v) => &v.id == me,
        Record::Signup(s) => &s.volunteer == me,
        Record::Service(s) => &s.volunteer == me,
        Record::Message(m) => match &m.audience {
            crate::model::Audience::Village => true,
            crate::model::Audience::Task { task } => store
                .signups_of_volunteer(me)?
                .iter()
                .any(|s| &s.task == task),
        },
        // Who else is going: for those signed up for the task (waiting or confirmed).
        Record::Roster(r) => store
            .signups_of_volunteer(me)?
            .iter()
            .any(|s| s.task == r.task),
        Record::Task(t) => task_visible(me, t, store)?,
        // How full a task is goes with the task.
        Record::Places(p) => match store.task(&p.task)? {
            Some(t) => task_visible(me, &t, store)?,
            None => false,
        },
        Record::Beneficiary(b) => connection(store, me, &b.id)? >= Connection::SignedUp,
        Record::BeneficiaryPrivate { beneficiary, .. } => {
            connection(store, me, beneficiary)? == Connection::Confirmed
        }
        Record::Card(_) => false,
        // A time-bank account is its holder's business (and the coordinators').
        Record::Ledger(line) => line.account == me.as_str(),
    })
}
