//! The rules of every mutation: who may make it, what must hold, what it changes. Run by the
//! browser on its local copy (optimistic) and by the server in its transaction (authoritative).

use serde::{Deserialize, Serialize};

use crate::matching::{check, Commitment, Ineligibility, MatchContext, ServiceHistory};
use crate::model::{
    Beneficiary, ClockReading, CodeVerdict, NaiveDateTime, ServiceRecord, Task, TaskId, TaskStatus,
    VillageId, Volunteer, VolunteerId,
};

/// The time bank's ledger lines: credits for approved hours, transfers, redemptions.
mod credits;
/// Co-signing, confirming and reviewing a service record.
mod review;

use super::mutation::Mutation;
use super::record::{
    key_of, service_key, signup_key, Places, Record, RecordKind, Roster, RosterEntry, Signup,
    SignupStatus,
};
use super::store::{Store, StoreError};

/// Who is making a change. The server derives it from the device's token, never from anything
/// the client claims.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub village: VillageId,
    pub role: Role,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "role", content = "id", rename_all = "snake_case")]
pub enum Role {
    /// Runs the village's service: sees and edits everything of the village.
    Coordinator(String),
    /// A volunteer: edits only their own profile and sign-ups.
    Volunteer(VolunteerId),
}

/// What an applied mutation did, reported back to the device in `results[].outcome`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Outcome {
    Saved,
    /// A sign-up or an assignment; `waitlist_position` is 1-based when waitlisted.
    SignedUp {
        status: SignupStatus,
        #[serde(skip_serializing_if = "Option::is_none", default)]
        waitlist_position: Option<u32>,
    },
    /// A withdrawal or unassignment, and who moved up from the waiting list.
    Left {
        #[serde(skip_serializing_if = "Option::is_none", default)]
        promoted: Option<VolunteerId>,
    },
    /// `confirm_visit`: what the card code did (never the code itself). `attempts_left`: wrong
    /// codes still allowed before the record locks, after a wrong one.
    VisitCode {
        verdict: CodeVerdict,
        #[serde(skip_serializing_if = "Option::is_none", default)]
        attempts_left: Option<u32>,
    },
    /// A transfer or a redemption: the volunteer's balance after it, in hundredths of a credit.
    Credits {
        balance: i64,
    },
}

/// Why a mutation was refused for a business reason. It is still consumed (never retried).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectCode {
    /// The actor's role may not make this change.
    Forbidden,
    /// Malformed or impossible arguments.
    InvalidArgs,
    /// The task, volunteer or beneficiary does not exist.
    NotFound,
    /// Creating something that already exists, or signing up twice.
    AlreadyExists,
    /// The task is cancelled or done.
    TaskNotOpen,
    /// A hard matching rule fails (skills, time, overlap, hours, the beneficiary's wishes).
    NotEligible,
    /// A coordinator tried to assign beyond the task's maximum.
    TaskFull,
}

/// A refusal with a message fit to show a user, and for `NotEligible` every reason.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Rejection {
    pub code: RejectCode,
    pub message: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<Ineligibility>,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ApplyError {
    #[error("rejected ({:?}): {}", .0.code, .0.message)]
    Rejected(Rejection),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn reject(code: RejectCode, message: impl Into<String>) -> ApplyError {
    ApplyError::Rejected(Rejection {
        code,
        message: message.into(),
        reasons: Vec::new(),
    })
}

fn coordinator_only(actor: &Actor, what: &str) -> Result<(), ApplyError> {
    coordinator_id(actor, what).map(|_| ())
}

/// The coordinator making the change (their id is kept on what they decide).
fn coordinator_id<'a>(actor: &'a Actor, what: &str) -> Result<&'a str, ApplyError> {
    match &actor.role {
        Role::Coordinator(id) => Ok(id),
        Role::Volunteer(_) => Err(reject(
            RejectCode::Forbidden,
            format!("only a coordinator may {what}"),
        )),
    }
}

fn volunteer_only<'a>(actor: &'a Actor, what: &str) -> Result<&'a VolunteerId, ApplyError> {
    match &actor.role {
        Role::Volunteer(id) => Ok(id),
        Role::Coordinator(_) => Err(reject(
            RejectCode::Forbidden,
            format!("{what} is done by the volunteer; a coordinator assigns instead"),
        )),
    }
}

/// Ids become parts of keys (`task/<id>`): a slash or blank would corrupt the key space.
fn check_id(id: &str, what: &str) -> Result<(), ApplyError> {
    if id.trim().is_empty()
        || id.contains('/')
        || id.chars().any(char::is_whitespace)
        || id.len() > 64
    {
        return Err(reject(
            RejectCode::InvalidArgs,
            format!("invalid {what} id {id:?}: 1-64 characters, no spaces or slashes"),
        ));
    }
    Ok(())
}

fn invalid(e: impl std::fmt::Display) -> ApplyError {
    reject(RejectCode::InvalidArgs, e.to_string())
}

/// Applies `mutation` for `actor`. On `Err(Rejected)` the caller must discard every write the
/// store received (the server rolls back; the browser drops the optimistic copy).
pub fn apply(
    mutation: &Mutation,
    actor: &Actor,
    store: &mut dyn Store,
) -> Result<Outcome, ApplyError> {
    match mutation {
        Mutation::UpdateProfile { volunteer } => update_profile(actor, store, volunteer),
        Mutation::CreateTask { task } => save_task(actor, store, task, true),
        Mutation::UpdateTask { task } => save_task(actor, store, task, false),
        Mutation::CancelTask { task } => cancel_task(actor, store, task),
        Mutation::SignUp { task } => {
            let volunteer = volunteer_only(actor, "signing up")?.clone();
            sign_up(store, task, &volunteer, false)
        }
        Mutation::Withdraw { task } => {
            let volunteer = volunteer_only(actor, "withdrawing")?.clone();
            if service_record(store, task, &volunteer)?.is_some_and(|r| r.check_in.is_some()) {
                return Err(reject(
                    RejectCode::InvalidArgs,
                    "already checked in: ask the coordinator to take you off this task",
                ));
            }
            leave(store, task, &volunteer)?;
            // Who moved up is the coordinator's business, not the leaving volunteer's.
            Ok(Outcome::Left { promoted: None })
        }
        Mutation::Assign { task, volunteer } => {
            coordinator_only(actor, "assign volunteers")?;
            sign_up(store, task, volunteer, true)
        }
        Mutation::Unassign { task, volunteer } => {
            coordinator_only(actor, "unassign volunteers")?;
            leave(store, task, volunteer)
        }
        Mutation::CreateBeneficiary { beneficiary } => {
            save_beneficiary(actor, store, beneficiary, true)
        }
        Mutation::UpdateBeneficiary { beneficiary } => {
            save_beneficiary(actor, store, beneficiary, false)
        }
        Mutation::CheckIn { task, at } => {
            let volunteer = volunteer_only(actor, "checking in")?.clone();
            check_in(store, task, &volunteer, *at)
        }
        Mutation::CheckOut { task, at } => {
            let volunteer = volunteer_only(actor, "checking out")?.clone();
            check_out(store, task, &volunteer, *at)
        }
        Mutation::PostMessage { message } => post_message(actor, store, message),
        Mutation::SaveVisitNote { task, note } => {
            let volunteer = volunteer_only(actor, "a visit note")?.clone();
            save_visit_note(store, task, &volunteer, note)
        }
        Mutation::SetCardCode { beneficiary, code } => {
            review::set_card_code(actor, store, beneficiary, code)
        }
        Mutation::ConfirmVisit { task, code } => review::confirm_visit(actor, store, task, code),
        Mutation::ConfirmService { task, volunteer } => {
            review::confirm_by_hand(actor, store, task, volunteer)
        }
        Mutation::DisputeService {
            task,
            volunteer,
            reason,
        } => review::dispute(actor, store, task, volunteer, reason),
        Mutation::ReopenConfirmation { task, volunteer } => {
            review::reopen(actor, store, task, volunteer)
        }
        Mutation::ApproveService { task, volunteer } => {
            review::approve(actor, store, task, volunteer)
        }
        Mutation::AdjustService {
            task,
            volunteer,
            minutes,
            reason,
        } => review::adjust(actor, store, task, volunteer, *minutes, reason),
        Mutation::RejectService {
            task,
            volunteer,
            reason,
        } => review::reject_hours(actor, store, task, volunteer, reason),
        Mutation::RecordNoShow { task, volunteer } => {
            review::no_show(actor, store, task, volunteer)
        }
        Mutation::TransferCredits { to, amount, reason } => {
            credits::transfer(actor, store, to, *amount, reason)
        }
        Mutation::RedeemCredits { amount, what } => credits::redeem(actor, store, *amount, what),
    }
}

fn check_group(store: &dyn Store, group: &crate::model::VillageGroupId) -> Result<(), ApplyError> {
    // A device that has not received its village yet cannot judge; the server always can.
    if let Some(village) = store.village()? {
        if village.group(group).is_none() {
            return Err(reject(
                RejectCode::InvalidArgs,
                format!("unknown village group {}", group.as_str()),
            ));
        }
    }
    Ok(())
}

fn update_profile(
    actor: &Actor,
    store: &mut dyn Store,
    volunteer: &Volunteer,
) -> Result<Outcome, ApplyError> {
    if let Role::Volunteer(own) = &actor.role {
        if own != &volunteer.id {
            return Err(reject(
                RejectCode::Forbidden,
                "a volunteer may only edit their own profile",
            ));
        }
    }
    check_id(volunteer.id.as_str(), "volunteer")?;
    volunteer.validate().map_err(invalid)?;
    let Some(stored) = store.volunteer(&volunteer.id)? else {
        return Err(reject(RejectCode::NotFound, "no such volunteer"));
    };
    check_group(store, &volunteer.group)?;
    let mut volunteer = volunteer.clone();
    if let Role::Volunteer(_) = actor.role {
        // Gender and verified certificates decide who may enter an elder's home and read their
        // health notes: a volunteer may not grant them to themselves.
        if volunteer.gender != stored.gender {
            return Err(reject(
                RejectCode::Forbidden,
                "gender is recorded by a coordinator",
            ));
        }
        for cert in &mut volunteer.certifications {
            cert.verified = stored
                .certifications
                .iter()
                .any(|s| s.verified && s.skill == cert.skill && s.expires_on == cert.expires_on);
        }
    }
    store.put(Record::Volunteer(volunteer))?;
    Ok(Outcome::Saved)
}

fn save_task(
    actor: &Actor,
    store: &mut dyn Store,
    task: &Task,
    create: bool,
) -> Result<Outcome, ApplyError> {
    coordinator_only(actor, if create { "post tasks" } else { "edit tasks" })?;
    check_id(task.id.as_str(), "task")?;
    task.validate().map_err(invalid)?;
    let existing = store.task(&task.id)?;
    match (create, &existing) {
        (true, Some(_)) => {
            return Err(reject(RejectCode::AlreadyExists, "the task already exists"))
        }
        (false, None) => return Err(reject(RejectCode::NotFound, "no such task")),
        _ => {}
    }
    if let Some(group) = &task.group {
        check_group(store, group)?;
    }
    if let Some(b) = &task.beneficiary {
        if store
            .get(&key_of(RecordKind::Beneficiary, b.as_str()))?
            .is_none()
        {
            return Err(reject(RejectCode::NotFound, "no such beneficiary"));
        }
    }
    if !create {
        let confirmed = confirmed_count(store, &task.id)?;
        if task.volunteers_max < confirmed {
            return Err(reject(
                RejectCode::InvalidArgs,
                format!(
                    "{confirmed} volunteers are confirmed; unassign some before lowering the maximum to {}",
                    task.volunteers_max
                ),
            ));
        }
    }
    store.put(Record::Task(task.clone()))?;
    Ok(Outcome::Saved)
}

fn cancel_task(actor: &Actor, store: &mut dyn Store, id: &TaskId) -> Result<Outcome, ApplyError> {
    coordinator_only(actor, "cancel tasks")?;
    let mut task = store
        .task(id)?
        .ok_or_else(|| reject(RejectCode::NotFound, "no such task"))?;
    task.status = TaskStatus::Cancelled;
    store.put(Record::Task(task))?;
    Ok(Outcome::Saved)
}

fn confirmed_count(store: &dyn Store, task: &TaskId) -> Result<u32, StoreError> {
    Ok(store
        .signups_for_task(task)?
        .iter()
        .filter(|s| s.status == SignupStatus::Confirmed)
        .count() as u32)
}

/// The hard matching rules for `volunteer` on `task`, against their other confirmed tasks.
///
/// When the volunteer chose the task themselves (`self_chosen`), their weekly availability grid
/// and "away" dates do not block it: the grid is how matching guesses when someone is free, and
/// a person signing up for a time is the better source. Skills, overlaps with their other
/// tasks, their hour limit and the beneficiary's wishes still apply.
fn ineligibility(
    store: &dyn Store,
    task: &Task,
    volunteer: &Volunteer,
    self_chosen: bool,
) -> Result<Vec<Ineligibility>, StoreError> {
    let Some(village) = store.village()? else {
        // The browser may not have the village yet; the server always has it and decides.
        return Ok(Vec::new());
    };
    let mut commitments = Vec::new();
    for signup in store.signups_of_volunteer(&volunteer.id)? {
        if signup.status != SignupStatus::Confirmed || signup.task == task.id {
            continue;
        }
        if let Some(other) = store.task(&signup.task)? {
            if other.status != TaskStatus::Cancelled {
                commitments.push(Commitment::new(volunteer.id.clone(), &other));
            }
        }
    }
    let beneficiaries: Vec<Beneficiary> = match &task.beneficiary {
        Some(b) => store.beneficiary(b)?.into_iter().collect(),
        None => Vec::new(),
    };
    let history = ServiceHistory::default();
    let ctx = MatchContext::new(&village, &beneficiaries, &commitments, &history);
    let mut reasons = check(&ctx, volunteer, task);
    if self_chosen {
        reasons.retain(|r| !matches!(r, Ineligibility::Unavailable | Ineligibility::Away { .. }));
    }
    Ok(reasons)
}

fn sign_up(
    store: &mut dyn Store,
    task_id: &TaskId,
    volunteer_id: &VolunteerId,
    by_coordinator: bool,
) -> Result<Outcome, ApplyError> {
    let task = store
        .task(task_id)?
        .ok_or_else(|| reject(RejectCode::NotFound, "no such task"))?;
    if task.status != TaskStatus::Open {
        return Err(reject(
            RejectCode::TaskNotOpen,
            "the task is no longer open",
        ));
    }
    let volunteer = store
        .volunteer(volunteer_id)?
        .ok_or_else(|| reject(RejectCode::NotFound, "no such volunteer"))?;
    let signups = store.signups_for_task(task_id)?;
    let existing = signups.iter().find(|s| &s.volunteer == volunteer_id);
    match existing {
        Some(s) if s.status == SignupStatus::Confirmed || !by_coordinator => {
            return Err(reject(
                RejectCode::AlreadyExists,
                "already signed up for this task",
            ))
        }
        _ => {}
    }
    let reasons = ineligibility(store, &task, &volunteer, !by_coordinator)?;
    if !reasons.is_empty() {
        let message = reasons
            .iter()
            .map(Ineligibility::en)
            .collect::<Vec<_>>()
            .join("; ");
        return Err(ApplyError::Rejected(Rejection {
            code: RejectCode::NotEligible,
            message,
            reasons,
        }));
    }
    // A phone holds only its own sign-ups; the counts of its last sync say how full the task
    // is. On the server both agree.
    let counted = |status| signups.iter().filter(|s| s.status == status).count() as u32;
    let known = match store.get(&key_of(RecordKind::Places, task_id.as_str()))? {
        Some(Record::Places(p)) => (p.confirmed, p.waiting),
        _ => (0, 0),
    };
    let confirmed = counted(SignupStatus::Confirmed).max(known.0);
    let waiting = counted(SignupStatus::Waitlisted).max(known.1);
    let has_place = confirmed < task.volunteers_max;
    if by_coordinator && !has_place {
        return Err(reject(
            RejectCode::TaskFull,
            format!("all {} places are taken", task.volunteers_max),
        ));
    }
    let (status, seq) = match existing {
        // A coordinator confirming someone already waiting keeps their place in the order.
        Some(waiting) => (SignupStatus::Confirmed, waiting.seq),
        None if has_place => (SignupStatus::Confirmed, store.next_seq()?),
        None => (SignupStatus::Waitlisted, store.next_seq()?),
    };
    store.put(Record::Signup(Signup {
        task: task_id.clone(),
        volunteer: volunteer_id.clone(),
        status,
        seq,
        by_coordinator,
    }))?;
    seat_changed(
        store,
        task_id,
        volunteer_id,
        existing.map(|s| s.status),
        Some(status),
    )?;
    let waitlist_position = (status == SignupStatus::Waitlisted).then_some(waiting + 1);
    Ok(Outcome::SignedUp {
        status,
        waitlist_position,
    })
}

fn leave(
    store: &mut dyn Store,
    task_id: &TaskId,
    volunteer_id: &VolunteerId,
) -> Result<Outcome, ApplyError> {
    let key = signup_key(task_id, volunteer_id);
    let Some(Record::Signup(signup)) = store.get(&key)? else {
        return Err(reject(RejectCode::NotFound, "not signed up for this task"));
    };
    store.delete(&key)?;
    seat_changed(store, task_id, volunteer_id, Some(signup.status), None)?;
    let promoted = if signup.status == SignupStatus::Confirmed {
        promote(store, task_id)?
    } else {
        None
    };
    Ok(Outcome::Left { promoted })
}

/// Gives a freed place to the earliest waiting volunteer who is still eligible (their
/// circumstances may have changed since they joined the list).
fn promote(store: &mut dyn Store, task_id: &TaskId) -> Result<Option<VolunteerId>, StoreError> {
    let Some(task) = store.task(task_id)? else {
        return Ok(None);
    };
    if task.status != TaskStatus::Open {
        return Ok(None);
    }
    let mut waiting: Vec<Signup> = store
        .signups_for_task(task_id)?
        .into_iter()
        .filter(|s| s.status == SignupStatus::Waitlisted)
        .collect();
    waiting.sort_by_key(|s| s.seq);
    for mut signup in waiting {
        let Some(volunteer) = store.volunteer(&signup.volunteer)? else {
            continue;
        };
        if ineligibility(store, &task, &volunteer, !signup.by_coordinator)?.is_empty() {
            signup.status = SignupStatus::Confirmed;
            let promoted = signup.volunteer.clone();
            store.put(Record::Signup(signup))?;
            seat_changed(
                store,
                task_id,
                &promoted,
                Some(SignupStatus::Waitlisted),
                Some(SignupStatus::Confirmed),
            )?;
            return Ok(Some(promoted));
        }
    }
    Ok(None)
}

fn save_beneficiary(
    actor: &Actor,
    store: &mut dyn Store,
    beneficiary: &Beneficiary,
    create: bool,
) -> Result<Outcome, ApplyError> {
    coordinator_only(
        actor,
        if create {
            "register beneficiaries"
        } else {
            "edit beneficiaries"
        },
    )?;
    check_id(beneficiary.id.as_str(), "beneficiary")?;
    beneficiary.validate().map_err(invalid)?;
    let key = key_of(RecordKind::Beneficiary, beneficiary.id.as_str());
    let exists = store.get(&key)?.is_some();
    match (create, exists) {
        (true, true) => {
            return Err(reject(
                RejectCode::AlreadyExists,
                "the beneficiary already exists",
            ))
        }
        (false, false) => return Err(reject(RejectCode::NotFound, "no such beneficiary")),
        _ => {}
    }
    check_group(store, &beneficiary.group)?;
    if beneficiary.private.is_none() {
        store.delete(&key_of(
            RecordKind::BeneficiaryPrivate,
            beneficiary.id.as_str(),
        ))?;
    }
    for record in Record::from_beneficiary(beneficiary) {
        store.put(record)?;
    }
    Ok(Outcome::Saved)
}

/// Keeps the task's [`Places`] and [`Roster`] in step with one volunteer's sign-up changing
/// from `before` to `after` (`None`: not signed up).
///
/// The server holds every sign-up and recounts, so its counts heal whatever came before. A
/// phone holds only its own: it adjusts the counts of its last sync by its own change (which
/// is how it predicts the waiting list offline) and leaves the roster, whose names and order
/// it cannot know, to the server, unless it already holds one.
fn seat_changed(
    store: &mut dyn Store,
    task_id: &TaskId,
    volunteer: &VolunteerId,
    before: Option<SignupStatus>,
    after: Option<SignupStatus>,
) -> Result<(), StoreError> {
    let roster_key = key_of(RecordKind::Roster, task_id.as_str());
    let old_roster = match store.get(&roster_key)? {
        Some(Record::Roster(r)) => Some(r),
        _ => None,
    };
    let (places, roster) = if store.holds_every_signup() {
        recount(store, task_id, old_roster.as_ref())?
    } else {
        adjust(store, task_id, volunteer, before, after, old_roster)?
    };
    let places_key = key_of(RecordKind::Places, task_id.as_str());
    if places.confirmed == 0 && places.waiting == 0 {
        store.delete(&places_key)?;
    } else {
        store.put(Record::Places(places))?;
    }
    match roster {
        Some(r) if !(r.going.is_empty() && r.waiting.is_empty()) => store.put(Record::Roster(r)),
        Some(_) => store.delete(&roster_key),
        None => Ok(()),
    }
}

fn entry(
    store: &dyn Store,
    volunteer: &VolunteerId,
    old: Option<&Roster>,
) -> Result<RosterEntry, StoreError> {
    let first_name = match store.volunteer(volunteer)? {
        Some(v) => v.first_name(),
        None => old
            .into_iter()
            .flat_map(|r| r.going.iter().chain(&r.waiting))
            .find(|e| &e.volunteer == volunteer)
            .map(|e| e.first_name.clone())
            .unwrap_or_default(),
    };
    Ok(RosterEntry {
        volunteer: volunteer.clone(),
        first_name,
    })
}

/// From every sign-up, in the server's order of arrival.
fn recount(
    store: &dyn Store,
    task_id: &TaskId,
    old: Option<&Roster>,
) -> Result<(Places, Option<Roster>), StoreError> {
    let mut signups = store.signups_for_task(task_id)?;
    signups.sort_by(|a, b| {
        a.seq
            .cmp(&b.seq)
            .then_with(|| a.volunteer.cmp(&b.volunteer))
    });
    let mut roster = Roster::new(task_id.clone());
    for s in &signups {
        let e = entry(store, &s.volunteer, old)?;
        match s.status {
            SignupStatus::Confirmed => roster.going.push(e),
            SignupStatus::Waitlisted => roster.waiting.push(e),
        }
    }
    let places = Places {
        task: task_id.clone(),
        confirmed: roster.going.len() as u32,
        waiting: roster.waiting.len() as u32,
    };
    Ok((places, Some(roster)))
}

/// The last sync's counts and roster, with one volunteer's change applied.
fn adjust(
    store: &dyn Store,
    task_id: &TaskId,
    volunteer: &VolunteerId,
    before: Option<SignupStatus>,
    after: Option<SignupStatus>,
    old: Option<Roster>,
) -> Result<(Places, Option<Roster>), StoreError> {
    let mut places = match store.get(&key_of(RecordKind::Places, task_id.as_str()))? {
        Some(Record::Places(p)) => p,
        _ => Places {
            task: task_id.clone(),
            confirmed: 0,
            waiting: 0,
        },
    };
    for (status, delta) in [(before, -1i64), (after, 1)] {
        let count = match status {
            Some(SignupStatus::Confirmed) => &mut places.confirmed,
            Some(SignupStatus::Waitlisted) => &mut places.waiting,
            None => continue,
        };
        *count = (i64::from(*count) + delta).max(0) as u32;
    }
    let Some(mut roster) = old else {
        return Ok((places, None));
    };
    let e = entry(store, volunteer, Some(&roster))?;
    roster.going.retain(|x| &x.volunteer != volunteer);
    roster.waiting.retain(|x| &x.volunteer != volunteer);
    match after {
        Some(SignupStatus::Confirmed) => roster.going.push(e),
        Some(SignupStatus::Waitlisted) => roster.waiting.push(e),
        None => {}
    }
    Ok((places, Some(roster)))
}

fn service_record(
    store: &dyn Store,
    task: &TaskId,
    volunteer: &VolunteerId,
) -> Result<Option<ServiceRecord>, StoreError> {
    Ok(match store.get(&service_key(task, volunteer))? {
        Some(Record::Service(r)) => Some(r),
        _ => None,
    })
}

/// A volunteer may start a record of service only while confirmed on a task that was not
/// cancelled, within the check-in window by their phone's clock.
fn start_service_record(
    store: &dyn Store,
    task_id: &TaskId,
    volunteer: &VolunteerId,
    at: NaiveDateTime,
) -> Result<ServiceRecord, ApplyError> {
    let task = store
        .task(task_id)?
        .ok_or_else(|| reject(RejectCode::NotFound, "no such task"))?;
    if task.status == TaskStatus::Cancelled {
        return Err(reject(RejectCode::TaskNotOpen, "the task was cancelled"));
    }
    let confirmed = matches!(
        store.get(&signup_key(task_id, volunteer))?,
        Some(Record::Signup(s)) if s.status == SignupStatus::Confirmed
    );
    if !confirmed {
        return Err(reject(
            RejectCode::Forbidden,
            "only a volunteer confirmed on the task can check in",
        ));
    }
    if !ServiceRecord::check_in_open(&task, at) {
        let (from, to) = ServiceRecord::check_in_window(&task);
        return Err(reject(
            RejectCode::InvalidArgs,
            format!("check-in is open from {from} to {to} (is the phone's clock right?)"),
        ));
    }
    match service_record(store, task_id, volunteer)? {
        Some(r) if r.check_in.is_some() => {
            Err(reject(RejectCode::AlreadyExists, "already checked in"))
        }
        Some(r) => Ok(r),
        None => Ok(ServiceRecord::new(
            task_id.clone(),
            volunteer.clone(),
            task.kind,
        )),
    }
}

/// The volunteer's record once checked in. Checking out and leaving a note stay possible after
/// the task was cancelled or the volunteer taken off it: the visit happened all the same.
fn checked_in_record(
    store: &dyn Store,
    task_id: &TaskId,
    volunteer: &VolunteerId,
) -> Result<(ServiceRecord, NaiveDateTime), ApplyError> {
    match service_record(store, task_id, volunteer)? {
        Some(r) => match r.check_in.as_ref().map(|c| c.device) {
            Some(at) => Ok((r, at)),
            None => Err(reject(RejectCode::InvalidArgs, "check in first")),
        },
        None => Err(reject(RejectCode::InvalidArgs, "check in first")),
    }
}

fn reading(store: &dyn Store, at: NaiveDateTime) -> ClockReading {
    ClockReading {
        device: at,
        received: store.server_clock(),
    }
}

fn check_in(
    store: &mut dyn Store,
    task: &TaskId,
    volunteer: &VolunteerId,
    at: NaiveDateTime,
) -> Result<Outcome, ApplyError> {
    let mut record = start_service_record(store, task, volunteer, at)?;
    record.check_in = Some(reading(store, at));
    store.put(Record::Service(record))?;
    Ok(Outcome::Saved)
}

fn check_out(
    store: &mut dyn Store,
    task: &TaskId,
    volunteer: &VolunteerId,
    at: NaiveDateTime,
) -> Result<Outcome, ApplyError> {
    let (mut record, checked_in) = checked_in_record(store, task, volunteer)?;
    if record.check_out.is_some() {
        return Err(reject(RejectCode::AlreadyExists, "already checked out"));
    }
    let minutes = (at - checked_in).num_minutes();
    if !(0..=ServiceRecord::MAX_MINUTES).contains(&minutes) {
        return Err(reject(
            RejectCode::InvalidArgs,
            format!(
                "check-out must be within {} hours after check-in",
                ServiceRecord::MAX_MINUTES / 60
            ),
        ));
    }
    record.check_out = Some(reading(store, at));
    store.put(Record::Service(record))?;
    Ok(Outcome::Saved)
}

fn save_visit_note(
    store: &mut dyn Store,
    task: &TaskId,
    volunteer: &VolunteerId,
    note: &str,
) -> Result<Outcome, ApplyError> {
    if note.chars().count() > ServiceRecord::MAX_NOTE_CHARS {
        return Err(reject(
            RejectCode::InvalidArgs,
            format!(
                "a visit note is at most {} characters",
                ServiceRecord::MAX_NOTE_CHARS
            ),
        ));
    }
    let (mut record, _) = checked_in_record(store, task, volunteer)?;
    record.note = note.trim().to_owned();
    store.put(Record::Service(record))?;
    Ok(Outcome::Saved)
}

fn post_message(
    actor: &Actor,
    store: &mut dyn Store,
    message: &crate::model::Message,
) -> Result<Outcome, ApplyError> {
    coordinator_only(actor, "post notices")?;
    check_id(message.id.as_str(), "message")?;
    message.validate().map_err(invalid)?;
    let key = key_of(RecordKind::Message, message.id.as_str());
    if store.get(&key)?.is_some() {
        return Err(reject(
            RejectCode::AlreadyExists,
            "the message already exists",
        ));
    }
    if let crate::model::Audience::Task { task } = &message.audience {
        if store.task(task)?.is_none() {
            return Err(reject(RejectCode::NotFound, "no such task"));
        }
    }
    let mut message = message.clone();
    message.text = message.text.trim().to_owned();
    store.put(Record::Message(message))?;
    Ok(Outcome::Saved)
}
