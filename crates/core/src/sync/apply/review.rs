//! The trust rules of a service record: a beneficiary's card code and a volunteer co-signing
//! their visit with it, a coordinator confirming, disputing or re-opening a visit by hand, and
//! the coordinator's review of the hours (approve, adjust, reject, no-show) with its ledger
//! effects.
//!
//! One place behaves differently on a phone, on purpose: a phone's copy never holds card
//! codes ([`Store::is_authoritative`] is false there), so `confirm_visit` cannot be checked on
//! it. It applies optimistically as "awaiting verification" and the server, which holds the
//! cards, decides when it receives it. Every other rule here runs the same on both.

use crate::model::{
    is_card_code, BeneficiaryId, CardCode, CodeVerdict, Confirmation, ConfirmationMethod,
    HoursStatus, Review, ReviewAction, ServiceRecord, TaskId, VisitCodeSource, VolunteerId,
};
use crate::sync::record::{card_key, key_of, signup_key, Record, RecordKind, SignupStatus};
use crate::sync::store::Store;

use super::{
    checked_in_record, coordinator_id, reject, service_record, volunteer_only, Actor, ApplyError,
    Outcome, RejectCode,
};

fn check_code_format(code: &str) -> Result<(), ApplyError> {
    // The message never repeats what was typed: it may be a real code with a digit missing.
    if is_card_code(code) {
        Ok(())
    } else {
        Err(reject(
            RejectCode::InvalidArgs,
            "a card code is exactly 6 digits (0-9)",
        ))
    }
}

fn check_reason(reason: &str, what: &str) -> Result<String, ApplyError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(reject(
            RejectCode::InvalidArgs,
            format!("{what} needs a reason"),
        ));
    }
    if reason.chars().count() > ServiceRecord::MAX_REASON_CHARS {
        return Err(reject(
            RejectCode::InvalidArgs,
            format!(
                "a reason is at most {} characters",
                ServiceRecord::MAX_REASON_CHARS
            ),
        ));
    }
    Ok(reason.to_owned())
}

/// `set_card_code`: a coordinator issues or changes a beneficiary's card code.
pub(super) fn set_card_code(
    actor: &Actor,
    store: &mut dyn Store,
    beneficiary: &BeneficiaryId,
    code: &str,
) -> Result<Outcome, ApplyError> {
    let by = coordinator_id(actor, "issue card codes")?.to_owned();
    check_code_format(code)?;
    if store
        .get(&key_of(RecordKind::Beneficiary, beneficiary.as_str()))?
        .is_none()
    {
        return Err(reject(RejectCode::NotFound, "no such beneficiary"));
    }
    store.put(Record::Card(CardCode {
        beneficiary: beneficiary.clone(),
        code: code.to_owned(),
        by,
        issued: store.server_clock(),
    }))?;
    Ok(Outcome::Saved)
}

/// `confirm_visit`: the volunteer who holds the record co-signs it with the card's code.
///
/// A wrong code is an *applied* outcome, not a rejection: the server rolls a rejected
/// mutation's writes back, and the attempt must stay counted.
pub(super) fn confirm_visit(
    actor: &Actor,
    store: &mut dyn Store,
    task_id: &TaskId,
    code: &str,
) -> Result<Outcome, ApplyError> {
    let volunteer = volunteer_only(actor, "co-signing a visit")?.clone();
    check_code_format(code)?;
    let task = store
        .task(task_id)?
        .ok_or_else(|| reject(RejectCode::NotFound, "no such task"))?;
    let Some(beneficiary) = task.beneficiary else {
        return Err(reject(
            RejectCode::InvalidArgs,
            "this task is for no one in particular, so there is no card to co-sign it: \
             ask the coordinator to confirm it",
        ));
    };
    let (mut record, _) = checked_in_record(store, task_id, &volunteer)?;
    match record.confirmation {
        Confirmation::Confirmed { .. } => {
            return Err(reject(
                RejectCode::AlreadyExists,
                "the visit is already confirmed",
            ))
        }
        Confirmation::Disputed { .. } => {
            return Err(reject(
                RejectCode::Forbidden,
                "the coordinator disputed this visit: please talk to them",
            ))
        }
        Confirmation::Unconfirmed | Confirmation::AwaitingVerification => {}
    }
    if record.confirmation_locked() {
        return Err(reject(
            RejectCode::Forbidden,
            format!(
                "locked after {} wrong codes: the coordinator can confirm the visit or open it again",
                ServiceRecord::MAX_WRONG_CODES
            ),
        ));
    }
    if !store.is_authoritative() {
        // A phone's copy never holds card codes: the server checks this one when it arrives.
        record.confirmation = Confirmation::AwaitingVerification;
        store.put(Record::Service(record))?;
        return Ok(Outcome::VisitCode {
            verdict: CodeVerdict::Pending,
            attempts_left: None,
        });
    }
    let card = match store.get(&card_key(&beneficiary))? {
        Some(Record::Card(card)) => card,
        _ => {
            // Not counted: there is nothing to guess against.
            return Err(reject(
                RejectCode::NotFound,
                "no card code has been issued for this beneficiary yet: ask the coordinator",
            ));
        }
    };
    let (verdict, attempts_left) = if let Some(source) = card.confirms(code, task_id, &volunteer) {
        record.confirmation = Confirmation::Confirmed {
            how: match source {
                VisitCodeSource::Card => ConfirmationMethod::CardCode,
                VisitCodeSource::FamilyPhone => ConfirmationMethod::FamilyPhone,
            },
            by: None,
            received: store.server_clock(),
        };
        (CodeVerdict::Confirmed, None)
    } else {
        record.wrong_codes += 1;
        let left = ServiceRecord::MAX_WRONG_CODES.saturating_sub(record.wrong_codes);
        let verdict = if left == 0 {
            CodeVerdict::Locked
        } else {
            CodeVerdict::Wrong
        };
        (verdict, Some(left))
    };
    store.put(Record::Service(record))?;
    Ok(Outcome::VisitCode {
        verdict,
        attempts_left,
    })
}

/// The record a coordinator acts on: it must exist.
fn existing_record(
    store: &dyn Store,
    task: &TaskId,
    volunteer: &VolunteerId,
) -> Result<ServiceRecord, ApplyError> {
    service_record(store, task, volunteer)?.ok_or_else(|| {
        reject(
            RejectCode::NotFound,
            "no service record of this volunteer on this task",
        )
    })
}

/// The record a coordinator reviews: the existing one, or, for a volunteer confirmed on the
/// task who never checked in (a no-show, or a forgotten check-in whose hours the coordinator
/// sets by hand), a new one.
fn record_for_review(
    store: &dyn Store,
    task_id: &TaskId,
    volunteer: &VolunteerId,
) -> Result<ServiceRecord, ApplyError> {
    if let Some(record) = service_record(store, task_id, volunteer)? {
        return Ok(record);
    }
    let confirmed = matches!(
        store.get(&signup_key(task_id, volunteer))?,
        Some(Record::Signup(s)) if s.status == SignupStatus::Confirmed
    );
    let task = store.task(task_id)?;
    match task {
        Some(task) if confirmed => Ok(ServiceRecord::new(
            task_id.clone(),
            volunteer.clone(),
            task.kind,
        )),
        _ => Err(reject(
            RejectCode::NotFound,
            "no service record of this volunteer on this task, and they are not confirmed on it",
        )),
    }
}

/// `confirm_service`: a coordinator vouches for the visit (also on a locked record).
pub(super) fn confirm_by_hand(
    actor: &Actor,
    store: &mut dyn Store,
    task: &TaskId,
    volunteer: &VolunteerId,
) -> Result<Outcome, ApplyError> {
    let by = coordinator_id(actor, "confirm visits")?.to_owned();
    let mut record = existing_record(store, task, volunteer)?;
    record.confirmation = Confirmation::Confirmed {
        how: ConfirmationMethod::Coordinator,
        by: Some(by),
        received: store.server_clock(),
    };
    store.put(Record::Service(record))?;
    Ok(Outcome::Saved)
}

/// `dispute_service`: the family says the visit did not happen as recorded.
pub(super) fn dispute(
    actor: &Actor,
    store: &mut dyn Store,
    task: &TaskId,
    volunteer: &VolunteerId,
    reason: &str,
) -> Result<Outcome, ApplyError> {
    let by = coordinator_id(actor, "dispute visits")?.to_owned();
    let reason = check_reason(reason, "a dispute")?;
    let mut record = existing_record(store, task, volunteer)?;
    record.confirmation = Confirmation::Disputed {
        reason,
        by,
        received: store.server_clock(),
    };
    store.put(Record::Service(record))?;
    Ok(Outcome::Saved)
}

/// `reopen_confirmation`: back to unconfirmed, wrong codes forgotten (the lock lifted).
pub(super) fn reopen(
    actor: &Actor,
    store: &mut dyn Store,
    task: &TaskId,
    volunteer: &VolunteerId,
) -> Result<Outcome, ApplyError> {
    coordinator_id(actor, "re-open visits")?;
    let mut record = existing_record(store, task, volunteer)?;
    record.confirmation = Confirmation::Unconfirmed;
    record.wrong_codes = 0;
    store.put(Record::Service(record))?;
    Ok(Outcome::Saved)
}

/// Appends `review` and writes the ledger lines that follow from the change of status: a
/// reversal of what the record had earned, and a credit for what it earns now.
fn add_review(
    store: &mut dyn Store,
    mut record: ServiceRecord,
    action: ReviewAction,
    minutes: Option<i64>,
    reason: String,
    by: &str,
) -> Result<Outcome, ApplyError> {
    let before = record.hours_status();
    record.reviews.push(Review {
        action,
        minutes,
        reason: reason.clone(),
        by: by.to_owned(),
        received: store.server_clock(),
    });
    let after = record.hours_status();
    super::credits::after_review(store, &record, by, &reason, before, after)?;
    store.put(Record::Service(record))?;
    Ok(Outcome::Saved)
}

/// `approve_service`: the phone's hours are right.
pub(super) fn approve(
    actor: &Actor,
    store: &mut dyn Store,
    task: &TaskId,
    volunteer: &VolunteerId,
) -> Result<Outcome, ApplyError> {
    let by = coordinator_id(actor, "approve hours")?.to_owned();
    let record = existing_record(store, task, volunteer)?;
    if matches!(record.confirmation, Confirmation::Disputed { .. }) {
        return Err(reject(
            RejectCode::Forbidden,
            "the visit is disputed: confirm it by hand or reject the hours, not approve them",
        ));
    }
    if let HoursStatus::Approved { .. } = record.hours_status() {
        // Bulk approval may send it again: harmless, nothing changes (no second credit).
        return Ok(Outcome::Saved);
    }
    let Some(minutes) = record.minutes() else {
        return Err(reject(
            RejectCode::InvalidArgs,
            "no check-out yet, so no hours to approve: adjust them instead (minutes and a reason)",
        ));
    };
    add_review(
        store,
        record,
        ReviewAction::Approved,
        Some(minutes),
        String::new(),
        &by,
    )
}

/// `adjust_service`: the hours are `minutes` instead. Also sets the hours of a volunteer who
/// forgot to check in or out.
pub(super) fn adjust(
    actor: &Actor,
    store: &mut dyn Store,
    task: &TaskId,
    volunteer: &VolunteerId,
    minutes: i64,
    reason: &str,
) -> Result<Outcome, ApplyError> {
    let by = coordinator_id(actor, "adjust hours")?.to_owned();
    if !(0..=ServiceRecord::MAX_MINUTES).contains(&minutes) {
        return Err(reject(
            RejectCode::InvalidArgs,
            format!(
                "adjusted hours are 0 to {} minutes",
                ServiceRecord::MAX_MINUTES
            ),
        ));
    }
    let reason = check_reason(reason, "an adjustment")?;
    let record = record_for_review(store, task, volunteer)?;
    add_review(
        store,
        record,
        ReviewAction::Adjusted,
        Some(minutes),
        reason,
        &by,
    )
}

/// `reject_service`: the hours do not count.
pub(super) fn reject_hours(
    actor: &Actor,
    store: &mut dyn Store,
    task: &TaskId,
    volunteer: &VolunteerId,
    reason: &str,
) -> Result<Outcome, ApplyError> {
    let by = coordinator_id(actor, "reject hours")?.to_owned();
    let reason = check_reason(reason, "a rejection")?;
    let record = existing_record(store, task, volunteer)?;
    add_review(store, record, ReviewAction::Rejected, None, reason, &by)
}

/// `record_no_show`: confirmed on the task, never came. Recording it twice changes nothing.
pub(super) fn no_show(
    actor: &Actor,
    store: &mut dyn Store,
    task: &TaskId,
    volunteer: &VolunteerId,
) -> Result<Outcome, ApplyError> {
    let by = coordinator_id(actor, "record no-shows")?.to_owned();
    let record = record_for_review(store, task, volunteer)?;
    // A no-show lowers the volunteer's standing in matching: only for a visit that was due.
    if let Some(task) = store.task(task)? {
        if task.status == crate::model::TaskStatus::Cancelled {
            return Err(reject(
                RejectCode::TaskNotOpen,
                "the task was cancelled, so nobody was due to come",
            ));
        }
        // The server's clock, in the village's time (a phone's clock may be off by days: a
        // phone leaves this to the server).
        let now = match (store.server_clock(), store.village()?) {
            (Some(seconds), Some(village)) => village.local_time_of_unix(seconds),
            _ => None,
        };
        if now.is_some_and(|now| now < task.end) {
            return Err(reject(
                RejectCode::InvalidArgs,
                "the task has not ended yet: a no-show can be recorded once it is over",
            ));
        }
    }
    if record.check_in.is_some() {
        return Err(reject(
            RejectCode::InvalidArgs,
            "the volunteer checked in, so they came: reject or adjust the hours instead",
        ));
    }
    if record.hours_status() == HoursStatus::NoShow {
        return Ok(Outcome::Saved);
    }
    add_review(
        store,
        record,
        ReviewAction::NoShow,
        None,
        String::new(),
        &by,
    )
}
