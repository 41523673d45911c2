//! The coordinator's review of service hours, month by month: each service record of the
//! village with whether the visit was vouched for (the beneficiary's card code, a coordinator's
//! word, a dispute, a lock after too many wrong codes) and where its hours stand (waiting,
//! approved, adjusted, rejected, no-show), with the actions that move it on. "Approve all
//! confirmed and waiting" approves, in one batch, every record whose visit was confirmed and
//! whose hours nobody has reviewed yet. Records still open (checked in, not checked out) are
//! listed apart: there are no hours to approve yet.

use leptos::prelude::*;
use leptos_router::components::A;
use linli_core::figures::YearMonth;
use linli_core::model::{
    Confirmation, ConfirmationMethod, HoursStatus, NaiveDate, Review, ReviewAction, ServiceRecord,
    TaskId, VolunteerId,
};
use linli_core::sync::{MemoryStore, Mutation, Record};

use crate::app::{tr, Shell};
use crate::components::notices::mutate_error_text;
use crate::i18n::{
    approve_all_button, approve_all_question, approved_summary, colon, date_time, duration_text,
    full_date, locked_text, minutes_invalid, reason_too_long, review_adjusted_text,
    review_approved_text, Lang, Msg,
};
use crate::pages::coordinator::{reading_text, CoordinatorNav, CoordinatorOnly};
use crate::sync::SyncEngine;

/// Which of the month's records the list shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApprovalFilter {
    /// Nobody has reviewed the hours yet: the coordinator's work.
    Waiting,
    /// The visit is confirmed and the hours wait: what the bulk approval would approve.
    ConfirmedWaiting,
    Disputed,
    All,
}

impl ApprovalFilter {
    pub const ALL: [ApprovalFilter; 4] = [
        ApprovalFilter::Waiting,
        ApprovalFilter::ConfirmedWaiting,
        ApprovalFilter::Disputed,
        ApprovalFilter::All,
    ];

    /// The value of its `<option>`.
    pub fn key(self) -> &'static str {
        match self {
            ApprovalFilter::Waiting => "waiting",
            ApprovalFilter::ConfirmedWaiting => "confirmed",
            ApprovalFilter::Disputed => "disputed",
            ApprovalFilter::All => "all",
        }
    }

    pub fn from_key(key: &str) -> Option<ApprovalFilter> {
        ApprovalFilter::ALL.into_iter().find(|f| f.key() == key)
    }

    pub fn label(self) -> Msg {
        match self {
            ApprovalFilter::Waiting => Msg::FilterWaitingApproval,
            ApprovalFilter::ConfirmedWaiting => Msg::FilterConfirmedWaiting,
            ApprovalFilter::Disputed => Msg::FilterDisputed,
            ApprovalFilter::All => Msg::FilterAllRecords,
        }
    }

    fn accepts(self, row: &ApprovalRow) -> bool {
        match self {
            ApprovalFilter::Waiting => row.review == ReviewState::Waiting,
            ApprovalFilter::ConfirmedWaiting => row.in_bulk_approval(),
            ApprovalFilter::Disputed => {
                matches!(row.confirmation, ConfirmationState::Disputed { .. })
            }
            ApprovalFilter::All => true,
        }
    }
}

/// Whether a visit is vouched for, as the coordinator reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConfirmationState {
    Unconfirmed,
    /// A volunteer's phone only: a code entered, not yet checked by the server.
    AwaitingVerification,
    ByCardCode,
    ByFamilyPhone,
    ByCoordinator,
    Disputed {
        reason: String,
    },
    /// Too many wrong card codes: only a coordinator can go on (confirm, dispute, re-open).
    Locked,
}

impl ConfirmationState {
    pub fn of(record: &ServiceRecord) -> ConfirmationState {
        match &record.confirmation {
            Confirmation::Confirmed {
                how: ConfirmationMethod::CardCode,
                ..
            } => ConfirmationState::ByCardCode,
            Confirmation::Confirmed {
                how: ConfirmationMethod::FamilyPhone,
                ..
            } => ConfirmationState::ByFamilyPhone,
            Confirmation::Confirmed {
                how: ConfirmationMethod::Coordinator,
                ..
            } => ConfirmationState::ByCoordinator,
            Confirmation::Disputed { reason, .. } => ConfirmationState::Disputed {
                reason: reason.clone(),
            },
            // A lock matters only while the visit is not decided otherwise: a coordinator's
            // confirmation or dispute of a locked record keeps its count of wrong codes.
            _ if record.confirmation_locked() => ConfirmationState::Locked,
            Confirmation::AwaitingVerification => ConfirmationState::AwaitingVerification,
            Confirmation::Unconfirmed => ConfirmationState::Unconfirmed,
        }
    }

    pub fn is_confirmed(&self) -> bool {
        matches!(
            self,
            ConfirmationState::ByCardCode
                | ConfirmationState::ByFamilyPhone
                | ConfirmationState::ByCoordinator
        )
    }

    /// A stable name for `data-state` (styles and end-to-end tests).
    pub fn key(&self) -> &'static str {
        match self {
            ConfirmationState::Unconfirmed => "unconfirmed",
            ConfirmationState::AwaitingVerification => "awaiting",
            ConfirmationState::ByCardCode => "card-code",
            ConfirmationState::ByFamilyPhone => "family-phone",
            ConfirmationState::ByCoordinator => "coordinator",
            ConfirmationState::Disputed { .. } => "disputed",
            ConfirmationState::Locked => "locked",
        }
    }

    /// In words, without the dispute's reason (what people typed is shown apart, as written).
    pub fn words(&self, lang: Lang) -> String {
        match self {
            ConfirmationState::Unconfirmed => Msg::ApprovalUnconfirmed.text(lang).to_owned(),
            ConfirmationState::AwaitingVerification => Msg::ApprovalAwaiting.text(lang).to_owned(),
            ConfirmationState::ByCardCode => Msg::ApprovalByCard.text(lang).to_owned(),
            ConfirmationState::ByFamilyPhone => Msg::ConfirmedByFamilyPhone.text(lang).to_owned(),
            ConfirmationState::ByCoordinator => Msg::ApprovalByCoordinator.text(lang).to_owned(),
            ConfirmationState::Disputed { .. } => Msg::ApprovalDisputed.text(lang).to_owned(),
            ConfirmationState::Locked => locked_text(lang, ServiceRecord::MAX_WRONG_CODES),
        }
    }

    pub fn reason(&self) -> Option<&str> {
        match self {
            ConfirmationState::Disputed { reason } => Some(reason),
            _ => None,
        }
    }
}

/// Where a record's hours stand after its latest review.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReviewState {
    Waiting,
    Approved { minutes: i64 },
    Adjusted { minutes: i64, reason: String },
    Rejected { reason: String },
    NoShow,
}

impl ReviewState {
    pub fn of(record: &ServiceRecord) -> ReviewState {
        let Some(latest) = record.reviews.last() else {
            return ReviewState::Waiting;
        };
        match latest.action {
            ReviewAction::Approved => ReviewState::Approved {
                minutes: latest.minutes.unwrap_or(0),
            },
            ReviewAction::Adjusted => ReviewState::Adjusted {
                minutes: latest.minutes.unwrap_or(0),
                reason: latest.reason.clone(),
            },
            ReviewAction::Rejected => ReviewState::Rejected {
                reason: latest.reason.clone(),
            },
            ReviewAction::NoShow => ReviewState::NoShow,
        }
    }

    pub fn key(&self) -> &'static str {
        match self {
            ReviewState::Waiting => "waiting",
            ReviewState::Approved { .. } => "approved",
            ReviewState::Adjusted { .. } => "adjusted",
            ReviewState::Rejected { .. } => "rejected",
            ReviewState::NoShow => "no-show",
        }
    }

    /// In words, without the reason (shown apart, as written).
    pub fn words(&self, lang: Lang) -> String {
        match self {
            ReviewState::Waiting => Msg::ReviewWaiting.text(lang).to_owned(),
            ReviewState::Approved { minutes } => review_approved_text(lang, *minutes),
            ReviewState::Adjusted { minutes, .. } => review_adjusted_text(lang, *minutes),
            ReviewState::Rejected { .. } => Msg::ReviewRejected.text(lang).to_owned(),
            ReviewState::NoShow => Msg::ReviewNoShow.text(lang).to_owned(),
        }
    }

    pub fn reason(&self) -> Option<&str> {
        match self {
            ReviewState::Adjusted { reason, .. } | ReviewState::Rejected { reason } => Some(reason),
            _ => None,
        }
    }
}

/// How far over the planned length a visit's hours may be and still be approved in bulk.
pub const LONGER_THAN_PLANNED_MINUTES: i64 = 60;

/// The buttons a row offers: decided here, so the view only draws them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RowActions {
    pub approve: bool,
    pub adjust: bool,
    pub reject: bool,
    pub confirm: bool,
    pub dispute: bool,
    pub reopen: bool,
}

/// One service record on the page.
#[derive(Clone, Debug, PartialEq)]
pub struct ApprovalRow {
    pub record: ServiceRecord,
    /// The check-in's day by the phone's clock; the task's day for a record without a check-in
    /// (a no-show).
    pub date: NaiveDate,
    /// The task's title, if this copy still holds the task.
    pub title: Option<String>,
    pub volunteer_name: String,
    pub confirmation: ConfirmationState,
    pub review: ReviewState,
    /// Checked in, not checked out, hours not set by hand: nothing to approve yet.
    pub open: bool,
    /// The task's planned length, if this copy holds the task.
    pub planned_minutes: Option<i64>,
}

impl ApprovalRow {
    /// The record's key (`task/volunteer`), unique on the page.
    pub fn key(&self) -> String {
        format!(
            "{}/{}",
            self.record.task.as_str(),
            self.record.volunteer.as_str()
        )
    }

    /// Confirmed, checked out, no one has reviewed the hours, and they are not much longer
    /// than planned: safe to approve in bulk. A visit's times come from the volunteer's phone,
    /// and a card's code, once seen, could confirm a visit that never happened: hours well over
    /// the plan wait for a look, one by one.
    pub fn in_bulk_approval(&self) -> bool {
        !self.open
            && self.record.check_out.is_some()
            && self.confirmation.is_confirmed()
            && self.review == ReviewState::Waiting
            && !self.longer_than_planned()
    }

    /// More than an hour over the task's planned length by the phone's clock.
    pub fn longer_than_planned(&self) -> bool {
        match (self.record.minutes(), self.planned_minutes) {
            (Some(minutes), Some(planned)) => minutes > planned + LONGER_THAN_PLANNED_MINUTES,
            _ => false,
        }
    }

    pub fn actions(&self) -> RowActions {
        let status = self.record.hours_status();
        let no_show = status == HoursStatus::NoShow;
        RowActions {
            // Approving takes the phone's minutes: there must be a check-out. Approving an
            // approved record changes nothing, so the button goes.
            // A disputed visit is confirmed by hand or its hours rejected (the rules refuse it).
            approve: !self.open
                && self.record.minutes().is_some()
                && !matches!(status, HoursStatus::Approved { .. })
                && !matches!(self.confirmation, ConfirmationState::Disputed { .. }),
            // Also how a forgotten check-out (an open record) or check-in gets its hours.
            adjust: true,
            reject: !matches!(status, HoursStatus::Rejected | HoursStatus::NoShow),
            // Nothing to vouch for or dispute about a visit that never happened.
            confirm: !no_show && !self.confirmation.is_confirmed(),
            dispute: !no_show && !matches!(self.confirmation, ConfirmationState::Disputed { .. }),
            reopen: matches!(
                self.confirmation,
                ConfirmationState::Locked | ConfirmationState::Disputed { .. }
            ),
        }
    }

    fn ids(&self) -> (TaskId, VolunteerId) {
        (self.record.task.clone(), self.record.volunteer.clone())
    }
}

/// The page's data for one month.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Approvals {
    /// The month's records that are not open, as the filter chooses them; oldest first.
    pub rows: Vec<ApprovalRow>,
    /// The month's open records (checked in, not checked out), whatever the filter.
    pub open: Vec<ApprovalRow>,
    /// How many of the month's records (open ones aside) each filter shows, in
    /// [`ApprovalFilter::ALL`]'s order.
    pub counts: [usize; 4],
    /// What "approve all confirmed and waiting" approves: every confirmed, unreviewed,
    /// checked-out record of the month, whatever the filter.
    pub bulk: Vec<(TaskId, VolunteerId)>,
}

/// The service records of `month` (by the phone's clock, the village's local time) in the
/// coordinator's copy.
pub fn approvals(view: &MemoryStore, month: YearMonth, filter: ApprovalFilter) -> Approvals {
    let mut all: Vec<ApprovalRow> = view
        .records()
        .filter(|(key, _)| key.starts_with("service/"))
        .filter_map(|(_, record)| match record {
            Record::Service(s) => row_of(view, s),
            _ => None,
        })
        .filter(|row| YearMonth::of(row.date) == month)
        .collect();
    all.sort_by(|a, b| {
        (a.date, &a.title, &a.volunteer_name, a.key()).cmp(&(
            b.date,
            &b.title,
            &b.volunteer_name,
            b.key(),
        ))
    });
    let (open, closed): (Vec<ApprovalRow>, Vec<ApprovalRow>) =
        all.into_iter().partition(|row| row.open);
    let mut counts = [0; 4];
    for (count, f) in counts.iter_mut().zip(ApprovalFilter::ALL) {
        *count = closed.iter().filter(|row| f.accepts(row)).count();
    }
    let bulk = closed
        .iter()
        .filter(|row| row.in_bulk_approval())
        .map(ApprovalRow::ids)
        .collect();
    Approvals {
        rows: closed
            .into_iter()
            .filter(|row| filter.accepts(row))
            .collect(),
        open,
        counts,
        bulk,
    }
}

fn row_of(view: &MemoryStore, record: &ServiceRecord) -> Option<ApprovalRow> {
    let task = match view.get_record(&format!("task/{}", record.task.as_str())) {
        Some(Record::Task(t)) => Some(t),
        _ => None,
    };
    // The same day as the figures and reports give it (core's one rule); without a check-in
    // nor the task there is none to file the record under.
    let date = record.day(task)?;
    let volunteer_name = match view.get_record(&format!("volunteer/{}", record.volunteer.as_str()))
    {
        Some(Record::Volunteer(v)) => v.name.clone(),
        _ => record.volunteer.as_str().to_owned(),
    };
    Some(ApprovalRow {
        date,
        title: task.map(|t| t.title.clone()),
        volunteer_name,
        confirmation: ConfirmationState::of(record),
        review: ReviewState::of(record),
        planned_minutes: task.map(|t| (t.end - t.start).num_minutes()),
        // Once a coordinator has set the hours (a forgotten check-out), it is decided, not open.
        open: record.check_in.is_some() && record.check_out.is_none() && record.reviews.is_empty(),
        record: record.clone(),
    })
}

/// The batch the bulk approval sends: one `approve_service` per record.
pub fn bulk_mutations(bulk: &[(TaskId, VolunteerId)]) -> Vec<Mutation> {
    bulk.iter()
        .map(|(task, volunteer)| Mutation::ApproveService {
            task: task.clone(),
            volunteer: volunteer.clone(),
        })
        .collect()
}

/// Why a review form cannot be sent yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormProblem {
    MinutesInvalid,
    ReasonMissing,
    ReasonTooLong,
}

impl FormProblem {
    pub fn text(self, lang: Lang) -> String {
        match self {
            FormProblem::MinutesInvalid => minutes_invalid(lang, ServiceRecord::MAX_MINUTES),
            FormProblem::ReasonMissing => Msg::ReasonRequired.text(lang).to_owned(),
            FormProblem::ReasonTooLong => reason_too_long(lang, ServiceRecord::MAX_REASON_CHARS),
        }
    }
}

/// A reason as the rules want it: not blank, not too long (checked here too, so the coordinator
/// is told before anything is queued).
pub fn required_reason(reason: &str) -> Result<String, FormProblem> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(FormProblem::ReasonMissing);
    }
    if reason.chars().count() > ServiceRecord::MAX_REASON_CHARS {
        return Err(FormProblem::ReasonTooLong);
    }
    Ok(reason.to_owned())
}

/// Whole minutes from 0 to the longest service ([`ServiceRecord::MAX_MINUTES`]).
pub fn adjusted_minutes(text: &str) -> Result<i64, FormProblem> {
    text.trim()
        .parse::<i64>()
        .ok()
        .filter(|m| (0..=ServiceRecord::MAX_MINUTES).contains(m))
        .ok_or(FormProblem::MinutesInvalid)
}

/// The review forms a row can open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReviewForm {
    Adjust,
    Reject,
    Dispute,
}

impl ReviewForm {
    /// The mutation the form sends, once what was typed is acceptable.
    pub fn mutation(
        self,
        task: TaskId,
        volunteer: VolunteerId,
        minutes: &str,
        reason: &str,
    ) -> Result<Mutation, FormProblem> {
        Ok(match self {
            ReviewForm::Adjust => {
                let minutes = adjusted_minutes(minutes)?;
                Mutation::AdjustService {
                    task,
                    volunteer,
                    minutes,
                    reason: required_reason(reason)?,
                }
            }
            ReviewForm::Reject => Mutation::RejectService {
                task,
                volunteer,
                reason: required_reason(reason)?,
            },
            ReviewForm::Dispute => Mutation::DisputeService {
                task,
                volunteer,
                reason: required_reason(reason)?,
            },
        })
    }

    fn submit_label(self) -> Msg {
        match self {
            ReviewForm::Adjust => Msg::SaveAdjustment,
            ReviewForm::Reject => Msg::SaveRejection,
            ReviewForm::Dispute => Msg::SaveDispute,
        }
    }
}

fn review_action_words(lang: Lang, action: ReviewAction) -> &'static str {
    match action {
        ReviewAction::Approved => Msg::ReviewActionApproved.text(lang),
        ReviewAction::Adjusted => Msg::ReviewActionAdjusted.text(lang),
        ReviewAction::Rejected => Msg::ReviewActionRejected.text(lang),
        ReviewAction::NoShow => Msg::ReviewActionNoShow.text(lang),
    }
}

#[component]
pub fn Approvals() -> impl IntoView {
    view! { <CoordinatorOnly><ApprovalsView/></CoordinatorOnly> }
}

#[component]
fn ApprovalsView() -> impl IntoView {
    let engine = expect_context::<SyncEngine>();
    let lang = expect_context::<Shell>().lang;
    let this_month = YearMonth::of(engine.view.with_untracked(crate::clock::village_now).date());
    let month = RwSignal::new(this_month);
    let filter = RwSignal::new(ApprovalFilter::Waiting);
    let data = Memo::new(move |_| {
        engine
            .view
            .with(|v| approvals(v, month.get(), filter.get()))
    });
    // The bulk approval asks first, and then approves exactly the records it counted (not
    // whatever a sync brought in between).
    let asking = RwSignal::new(None::<Vec<(TaskId, VolunteerId)>>);
    let bulk_result = RwSignal::new(None::<String>);

    let approve_all = move |_| {
        let Some(bulk) = asking.get_untracked() else {
            return;
        };
        let results = engine.mutate_all(bulk_mutations(&bulk));
        let refused = results.iter().filter(|r| r.is_err()).count();
        let first_error = results.iter().find_map(|r| r.as_ref().err().cloned());
        let lang = lang.get_untracked();
        let mut text = approved_summary(lang, results.len() - refused, refused);
        if let Some(err) = first_error {
            text = format!("{text} {}", mutate_error_text(lang, &err));
        }
        bulk_result.set(Some(text));
        asking.set(None);
    };

    let rows = move || data.with(|d| d.rows.clone());
    let open_rows = move || data.with(|d| d.open.clone());
    view! {
        <section class="area coordinator wide approvals">
            <CoordinatorNav/>
            <h1>{tr(Msg::ApprovalsTitle)}</h1>
            <p class="note">{tr(Msg::ApprovalsIntro)}</p>
            <div class="filters">
                <label>
                    <span>{tr(Msg::ApprovalsMonth)}</span>
                    <input type="month" data-testid="approvals-month" prop:value=move || month.get().to_string()
                        on:change=move |ev| {
                            if let Ok(m) = event_target_value(&ev).parse::<YearMonth>() {
                                month.set(m);
                                asking.set(None);
                            }
                        }/>
                </label>
                <label>
                    <span>{tr(Msg::ApprovalsShow)}</span>
                    <select data-testid="approvals-filter" on:change=move |ev| {
                        if let Some(f) = ApprovalFilter::from_key(&event_target_value(&ev)) {
                            filter.set(f);
                        }
                    }>
                        {ApprovalFilter::ALL.into_iter().enumerate().map(|(i, f)| view! {
                            <option value=f.key() selected=move || filter.get() == f>
                                {move || format!("{} ({})", f.label().text(lang.get()), data.with(|d| d.counts[i]))}
                            </option>
                        }).collect_view()}
                    </select>
                </label>
            </div>
            <div class="actions bulk-approval">
                <button type="button" class="primary" data-testid="approve-all"
                    disabled=move || data.with(|d| d.bulk.is_empty())
                    on:click=move |_| {
                        bulk_result.set(None);
                        asking.set(Some(data.with_untracked(|d| d.bulk.clone())));
                    }>
                    {move || approve_all_button(lang.get(), data.with(|d| d.bulk.len()))}
                </button>
            </div>
            {move || asking.get().map(|bulk| {
                let count = bulk.len();
                view! {
                    <div class="confirm-step" role="group" aria-labelledby="approve-all-question">
                        <p id="approve-all-question" data-testid="approve-all-question">{move || approve_all_question(lang.get(), count)}</p>
                        <div class="actions">
                            <button type="button" class="primary" data-testid="approve-all-yes" on:click=approve_all>{tr(Msg::ApproveAllYes)}</button>
                            <button type="button" class="secondary" data-testid="approve-all-cancel" on:click=move |_| asking.set(None)>{tr(Msg::CancelAction)}</button>
                        </div>
                    </div>
                }
            })}
            <p class="form-status" role="status" data-testid="approve-all-result">{move || bulk_result.get()}</p>
            {move || data.with(|d| d.rows.is_empty()).then(|| view! { <p class="empty" data-testid="approvals-empty">{tr(Msg::ApprovalsNone)}</p> })}
            <ul class="approvals-list" data-testid="approval-list">
                // Keyed by the whole row: a row is drawn again only when its record changes,
                // so a reason being typed in another row survives a sync.
                <For each=rows key=|row| format!("{row:?}") children=move |row| view! { <ApprovalItem row=row/> }/>
            </ul>
            {move || data.with(|d| !d.open.is_empty()).then(|| view! {
                <h2>{tr(Msg::OpenRecordsTitle)}</h2>
                <p class="note">{tr(Msg::OpenRecordsHint)}</p>
                <ul class="approvals-list" data-testid="open-records">
                    <For each=open_rows key=|row| format!("{row:?}") children=move |row| view! { <ApprovalItem row=row/> }/>
                </ul>
            })}
        </section>
    }
}

/// One record: what is known, its history, and the coordinator's actions.
#[component]
fn ApprovalItem(row: ApprovalRow) -> impl IntoView {
    let engine = expect_context::<SyncEngine>();
    let lang = expect_context::<Shell>().lang;
    let form = RwSignal::new(None::<ReviewForm>);
    // Prefilled with the phone's minutes: an adjustment usually changes them a little.
    let minutes = RwSignal::new(row.record.minutes().unwrap_or(0).max(0).to_string());
    let reason = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let (task, volunteer) = row.ids();
    let act = move |mutation: Mutation| {
        error.set(None);
        if let Err(err) = engine.mutate(mutation) {
            error.set(Some(mutate_error_text(lang.get_untracked(), &err)));
        }
    };
    let submit = {
        let (task, volunteer) = (task.clone(), volunteer.clone());
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let Some(which) = form.get_untracked() else {
                return;
            };
            match which.mutation(
                task.clone(),
                volunteer.clone(),
                &minutes.get_untracked(),
                &reason.get_untracked(),
            ) {
                Ok(mutation) => act(mutation),
                Err(problem) => error.set(Some(problem.text(lang.get_untracked()))),
            }
        }
    };
    let button = move |which: ReviewForm| {
        move |_: leptos::ev::MouseEvent| {
            error.set(None);
            form.set(Some(which));
        }
    };
    let simple = {
        let (task, volunteer) = (task.clone(), volunteer.clone());
        move |make: fn(TaskId, VolunteerId) -> Mutation| {
            let (task, volunteer) = (task.clone(), volunteer.clone());
            move |_: leptos::ev::MouseEvent| act(make(task.clone(), volunteer.clone()))
        }
    };
    let actions = row.actions();
    let record = row.record.clone();
    let href = format!("/coordinator/task/{}", record.task.as_str());
    let title = row
        .title
        .clone()
        .unwrap_or_else(|| record.task.as_str().to_owned());
    let date = row.date;
    let minutes_by_phone = record.minutes();
    let longer_than_planned = row.longer_than_planned();
    let confirmation = row.confirmation.clone();
    let review = row.review.clone();
    let confirmation_reason = confirmation.reason().map(str::to_owned);
    let review_reason = review.reason().map(str::to_owned);
    let reviews = record.reviews.clone();
    let review_count = format!(" ({})", reviews.len());
    let (confirmation_key, review_key) = (confirmation.key(), review.key());
    let check_in = record.check_in.clone();
    let check_out = record.check_out.clone();
    view! {
        <li class="approval" data-testid=format!("approval-{}-{}", task.as_str(), volunteer.as_str())
            data-confirmation=confirmation_key data-review=review_key>
            <div class="approval-head">
                <span class="approval-date">{move || full_date(lang.get(), date)}</span>
                <A href=href attr:class="task-title"><span data-user-text="">{title}</span></A>
                <strong data-user-text="">{row.volunteer_name.clone()}</strong>
            </div>
            <p class="duration" data-testid="approval-minutes">
                {move || match minutes_by_phone {
                    Some(m) => format!("{} {}", duration_text(lang.get(), m), Msg::PhoneClock.text(lang.get())),
                    None => Msg::NotCheckedOut.text(lang.get()).to_owned(),
                }}
            </p>
            {check_in.map(|c| view! { <p class="note">{tr(Msg::CheckedIn)} " " {move || engine.view.with_untracked(|v| reading_text(lang.get(), v, &c))}</p> })}
            {check_out.map(|c| view! { <p class="note">{tr(Msg::CheckedOut)} " " {move || engine.view.with_untracked(|v| reading_text(lang.get(), v, &c))}</p> })}
            <p data-testid="approval-confirmation">
                <span class="state-label">{tr(Msg::ConfirmationLabel)} {move || colon(lang.get())}</span>
                <span class="badge" data-state=confirmation_key>{move || confirmation.words(lang.get())}</span>
                {confirmation_reason.map(|r| view! { " " <span data-user-text="">{r}</span> })}
            </p>
            {longer_than_planned.then(|| view! {
                <p><span class="badge" data-state="warning" data-testid="longer-than-planned">{tr(Msg::LongerThanPlanned)}</span></p>
            })}
            <p data-testid="approval-review">
                <span class="state-label">{tr(Msg::ReviewLabel)} {move || colon(lang.get())}</span>
                <span class="badge" data-state=review_key>{move || review.words(lang.get())}</span>
                {review_reason.map(|r| view! { " " <span data-user-text="">{r}</span> })}
            </p>
            {(!reviews.is_empty()).then(|| view! {
                <details class="review-history" data-testid="review-history">
                    <summary>{tr(Msg::ReviewHistory)} {review_count}</summary>
                    <ol>
                        {reviews.into_iter().map(|r| view! { <ReviewLine review=r/> }).collect_view()}
                    </ol>
                </details>
            })}
            <div class="actions">
                {actions.approve.then(|| view! {
                    <button type="button" class="primary" data-testid="approve" on:click=simple(|task, volunteer| Mutation::ApproveService { task, volunteer })>{tr(Msg::Approve)}</button>
                })}
                {actions.adjust.then(|| view! {
                    <button type="button" class="secondary" data-testid="adjust" on:click=button(ReviewForm::Adjust)>{tr(Msg::AdjustHours)}</button>
                })}
                {actions.reject.then(|| view! {
                    <button type="button" class="secondary" data-testid="reject" on:click=button(ReviewForm::Reject)>{tr(Msg::RejectHours)}</button>
                })}
                {actions.confirm.then(|| view! {
                    <button type="button" class="secondary" data-testid="confirm-by-hand" on:click=simple(|task, volunteer| Mutation::ConfirmService { task, volunteer })>{tr(Msg::ConfirmByHand)}</button>
                })}
                {actions.dispute.then(|| view! {
                    <button type="button" class="secondary" data-testid="dispute" on:click=button(ReviewForm::Dispute)>{tr(Msg::DisputeVisit)}</button>
                })}
                {actions.reopen.then(|| view! {
                    <button type="button" class="secondary" data-testid="reopen" on:click=simple(|task, volunteer| Mutation::ReopenConfirmation { task, volunteer })>{tr(Msg::ReopenConfirmation)}</button>
                })}
            </div>
            {move || form.get().map(|which| view! {
                <form class="form review-form" data-testid=format!("review-form-{}", match which {
                    ReviewForm::Adjust => "adjust",
                    ReviewForm::Reject => "reject",
                    ReviewForm::Dispute => "dispute",
                }) on:submit=submit.clone()>
                    {(which == ReviewForm::Adjust).then(|| view! {
                        <label>
                            <span>{tr(Msg::MinutesLabel)}</span>
                            <input type="number" min="0" max=ServiceRecord::MAX_MINUTES.to_string() step="1" inputmode="numeric" required
                                data-testid="adjust-minutes" prop:value=move || minutes.get() on:input=move |ev| minutes.set(event_target_value(&ev))/>
                        </label>
                    })}
                    <label>
                        <span>{tr(Msg::ReviewReasonLabel)}</span>
                        <textarea rows="2" required maxlength=ServiceRecord::MAX_REASON_CHARS.to_string() data-testid="review-reason"
                            prop:value=move || reason.get() on:input=move |ev| reason.set(event_target_value(&ev))></textarea>
                    </label>
                    <div class="actions">
                        <button type="submit" class="primary" data-testid="review-submit">{tr(which.submit_label())}</button>
                        <button type="button" class="secondary" data-testid="review-cancel" on:click=move |_| { form.set(None); error.set(None); }>{tr(Msg::CancelAction)}</button>
                    </div>
                </form>
            })}
            <p class="form-error" role="alert" data-testid="approval-error">{move || error.get()}</p>
        </li>
    }
}

/// One decision of the history: what, the minutes, why, who, when the server got it.
#[component]
fn ReviewLine(review: Review) -> impl IntoView {
    let engine = expect_context::<SyncEngine>();
    let lang = expect_context::<Shell>().lang;
    let Review {
        action,
        minutes,
        reason,
        by,
        received,
    } = review;
    view! {
        <li data-testid="review-line">
            {move || review_action_words(lang.get(), action)}
            {move || minutes.map(|m| format!(" · {}", duration_text(lang.get(), m)))}
            {(!reason.is_empty()).then(|| view! { " · " <span data-user-text="">{reason}</span> })}
            " · " {tr(Msg::ReviewBy)} " " {by}
            " · "
            {move || match received.and_then(|at| engine.view.with_untracked(|v| crate::clock::village_time_of_unix(v, at))) {
                Some(at) => date_time(lang.get(), at),
                None => Msg::NotYetSynced.text(lang.get()).to_owned(),
            }}
        </li>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use linli_core::model::{ClockReading, NaiveDateTime, Task, TaskKind, Volunteer};
    use linli_core::sync::{apply, Actor, Role, Signup, SignupStatus};

    fn at(day: u32, h: u32, m: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 12, day)
            .and_then(|d| d.and_hms_opt(h, m, 0))
            .expect("time")
    }

    fn december() -> YearMonth {
        YearMonth::new(2026, 12).expect("month")
    }

    fn coordinator() -> Actor {
        let demo = linli_core::demo::generate(&linli_core::demo::DemoParams::village());
        Actor {
            village: demo.village.id.clone(),
            role: Role::Coordinator("c-1".into()),
        }
    }

    /// A coordinator's copy with the demo village, its volunteers, and tasks `t-1`..`t-n` on
    /// the 1st..nth of December (t-0 in November), each volunteer `v-k` confirmed on `t-k`.
    struct Village {
        view: MemoryStore,
        volunteers: Vec<Volunteer>,
    }

    impl Village {
        fn new() -> Village {
            let demo = linli_core::demo::generate(&linli_core::demo::DemoParams::village());
            let mut view = MemoryStore::new();
            view.insert(Record::Village(demo.village.clone()));
            for v in &demo.volunteers {
                view.insert(Record::Volunteer(v.clone()));
            }
            Village {
                view,
                volunteers: demo.volunteers[..8].to_vec(),
            }
        }

        fn volunteer(&self, n: usize) -> VolunteerId {
            self.volunteers[n].id.clone()
        }

        /// Task `t-<n>` on day `day` (0: 30 November), with volunteer `n` confirmed on it.
        fn task(&mut self, n: usize, day: u32) -> TaskId {
            let (start, end) = if day == 0 {
                let nov = NaiveDate::from_ymd_opt(2026, 11, 30).expect("date");
                (
                    nov.and_hms_opt(9, 0, 0).expect("t"),
                    nov.and_hms_opt(11, 0, 0).expect("t"),
                )
            } else {
                (at(day, 9, 0), at(day, 11, 0))
            };
            let id = format!("t-{n}");
            let task = Task::builder(
                id.as_str(),
                TaskKind::HomeVisit,
                format!("探访 {n}"),
                start,
                end,
            )
            .build()
            .expect("task");
            self.view.insert(Record::Task(task));
            self.view.insert(Record::Signup(Signup {
                task: TaskId::new(&id),
                volunteer: self.volunteer(n),
                status: SignupStatus::Confirmed,
                seq: n as u64,
                by_coordinator: true,
            }));
            TaskId::new(id)
        }

        /// Volunteer `n`'s record of task `t-n`, checked in at 9:00 (and out after `minutes`).
        fn record(&mut self, n: usize, day: u32, minutes: Option<u32>) -> ServiceRecord {
            let task = self.task(n, day);
            let start = if day == 0 {
                NaiveDate::from_ymd_opt(2026, 11, 30)
                    .and_then(|d| d.and_hms_opt(9, 0, 0))
                    .expect("t")
            } else {
                at(day, 9, 0)
            };
            let mut record = ServiceRecord::new(task, self.volunteer(n), TaskKind::HomeVisit);
            record.check_in = Some(ClockReading {
                device: start,
                received: Some(1),
            });
            record.check_out = minutes.map(|m| ClockReading {
                device: start + linli_core::model::TimeDelta::minutes(i64::from(m)),
                received: Some(2),
            });
            self.view.insert(Record::Service(record.clone()));
            record
        }

        fn apply(&mut self, mutation: Mutation) {
            apply(&mutation, &coordinator(), &mut self.view).expect("the rules accept it");
        }
    }

    fn confirmed(record: &mut ServiceRecord, how: ConfirmationMethod) {
        record.confirmation = Confirmation::Confirmed {
            how,
            by: None,
            received: Some(3),
        };
    }

    #[test]
    fn states_read_in_words_in_both_languages() {
        let mut v = Village::new();
        let mut r = v.record(1, 1, Some(90));
        assert_eq!(ConfirmationState::of(&r), ConfirmationState::Unconfirmed);
        r.wrong_codes = ServiceRecord::MAX_WRONG_CODES;
        let locked = ConfirmationState::of(&r);
        assert_eq!(locked, ConfirmationState::Locked);
        assert_eq!(locked.words(Lang::En), "Locked after 5 wrong codes");
        assert_eq!(locked.words(Lang::Zh), "确认码输错 5 次，已锁定");
        // A coordinator's confirmation of a locked record wins over the lock.
        confirmed(&mut r, ConfirmationMethod::Coordinator);
        assert_eq!(
            ConfirmationState::of(&r).words(Lang::En),
            "Confirmed by a coordinator"
        );
        confirmed(&mut r, ConfirmationMethod::CardCode);
        assert_eq!(
            ConfirmationState::of(&r).words(Lang::En),
            "Confirmed by card code"
        );
        r.confirmation = Confirmation::Disputed {
            reason: "家属说没来".into(),
            by: "c-1".into(),
            received: None,
        };
        let disputed = ConfirmationState::of(&r);
        assert_eq!(disputed.words(Lang::En), "Disputed");
        assert_eq!(disputed.reason(), Some("家属说没来"));

        assert_eq!(ReviewState::of(&r), ReviewState::Waiting);
        let review = |action, minutes, reason: &str| Review {
            action,
            minutes,
            reason: reason.into(),
            by: "c-1".into(),
            received: None,
        };
        r.reviews.push(review(ReviewAction::Approved, Some(90), ""));
        assert_eq!(ReviewState::of(&r).words(Lang::En), "Approved: 1 h 30 min");
        r.reviews
            .push(review(ReviewAction::Adjusted, Some(45), "提前离开"));
        let adjusted = ReviewState::of(&r);
        assert_eq!(adjusted.words(Lang::En), "Adjusted to 45 min");
        assert_eq!(adjusted.words(Lang::Zh), "已调整为 45 分钟");
        assert_eq!(adjusted.reason(), Some("提前离开"));
        r.reviews
            .push(review(ReviewAction::Rejected, None, "重复记录"));
        let rejected = ReviewState::of(&r);
        assert_eq!(rejected.words(Lang::En), "Rejected");
        assert_eq!(rejected.reason(), Some("重复记录"));
        r.reviews.push(review(ReviewAction::NoShow, None, ""));
        assert_eq!(ReviewState::of(&r).words(Lang::En), "Did not come");
    }

    /// Tasks here are planned for two hours: three hours is in the bulk set, three hours and a
    /// minute waits to be looked at one by one; a disputed visit offers no approval at all.
    #[test]
    fn hours_well_over_the_plan_and_disputed_visits_are_not_approved_in_bulk() {
        let mut v = Village::new();
        let mut within = v.record(1, 1, Some(180));
        confirmed(&mut within, ConfirmationMethod::CardCode);
        v.view.insert(Record::Service(within));
        let mut over = v.record(2, 2, Some(181));
        confirmed(&mut over, ConfirmationMethod::FamilyPhone);
        v.view.insert(Record::Service(over));
        v.record(3, 3, Some(60));
        v.apply(Mutation::DisputeService {
            task: TaskId::new("t-3"),
            volunteer: v.volunteer(3),
            reason: "家属说没来".into(),
        });
        let all = approvals(&v.view, december(), ApprovalFilter::All);
        assert_eq!(all.bulk, vec![(TaskId::new("t-1"), v.volunteer(1))]);
        let row = |task: &str| {
            all.rows
                .iter()
                .find(|r| r.record.task.as_str() == task)
                .expect("row")
        };
        assert!(!row("t-1").longer_than_planned());
        assert!(row("t-2").longer_than_planned());
        assert!(row("t-2").actions().approve, "still approvable by hand");
        assert!(!row("t-3").actions().approve);
        assert!(row("t-3").actions().reject);
    }

    #[test]
    fn the_filter_and_the_bulk_set_follow_confirmation_and_review() {
        let mut v = Village::new();
        // 1: confirmed by card, waiting → in the bulk set.
        let mut one = v.record(1, 1, Some(60));
        confirmed(&mut one, ConfirmationMethod::CardCode);
        v.view.insert(Record::Service(one));
        // 2: confirmed by hand, waiting → in the bulk set.
        v.record(2, 2, Some(30));
        v.apply(Mutation::ConfirmService {
            task: TaskId::new("t-2"),
            volunteer: v.volunteer(2),
        });
        // 3: unconfirmed, waiting → waiting only.
        v.record(3, 3, Some(45));
        // 4: confirmed but already approved → neither waiting nor bulk.
        let mut four = v.record(4, 4, Some(60));
        confirmed(&mut four, ConfirmationMethod::CardCode);
        v.view.insert(Record::Service(four));
        v.apply(Mutation::ApproveService {
            task: TaskId::new("t-4"),
            volunteer: v.volunteer(4),
        });
        // 5: disputed.
        v.record(5, 5, Some(60));
        v.apply(Mutation::DisputeService {
            task: TaskId::new("t-5"),
            volunteer: v.volunteer(5),
            reason: "家属说没来".into(),
        });
        // 6: confirmed but still open (no check-out) → apart, never approvable.
        let mut six = v.record(6, 6, None);
        confirmed(&mut six, ConfirmationMethod::CardCode);
        v.view.insert(Record::Service(six));
        // 7: confirmed and waiting, but in November → not this month.
        let mut seven = v.record(7, 0, Some(60));
        confirmed(&mut seven, ConfirmationMethod::CardCode);
        v.view.insert(Record::Service(seven));

        let tasks = |a: &Approvals| {
            a.rows
                .iter()
                .map(|r| r.record.task.as_str().to_owned())
                .collect::<Vec<_>>()
        };
        let waiting = approvals(&v.view, december(), ApprovalFilter::Waiting);
        assert_eq!(tasks(&waiting), ["t-1", "t-2", "t-3", "t-5"]);
        let ready = approvals(&v.view, december(), ApprovalFilter::ConfirmedWaiting);
        assert_eq!(tasks(&ready), ["t-1", "t-2"]);
        let disputed = approvals(&v.view, december(), ApprovalFilter::Disputed);
        assert_eq!(tasks(&disputed), ["t-5"]);
        assert_eq!(disputed.rows[0].confirmation.reason(), Some("家属说没来"));
        let all = approvals(&v.view, december(), ApprovalFilter::All);
        assert_eq!(tasks(&all), ["t-1", "t-2", "t-3", "t-4", "t-5"]);
        assert_eq!(all.counts, [4, 2, 1, 5]);

        // The open record is apart, whatever the filter, and cannot be approved.
        assert_eq!(all.open.len(), 1);
        assert_eq!(all.open[0].record.task.as_str(), "t-6");
        assert!(!all.open[0].actions().approve);
        assert!(all.open[0].actions().adjust);

        // The bulk set is exactly the confirmed, unreviewed, checked-out records of the month,
        // whatever the filter shows.
        let expected = vec![
            (TaskId::new("t-1"), v.volunteer(1)),
            (TaskId::new("t-2"), v.volunteer(2)),
        ];
        assert_eq!(all.bulk, expected);
        assert_eq!(disputed.bulk, expected);

        // Applied by the same rules as the server: both approved, nothing else touched.
        for mutation in bulk_mutations(&all.bulk) {
            v.apply(mutation);
        }
        let after = approvals(&v.view, december(), ApprovalFilter::All);
        assert!(after.bulk.is_empty());
        assert_eq!(after.counts[0], 2, "t-3 and t-5 still wait");
        assert_eq!(after.rows[0].review, ReviewState::Approved { minutes: 60 });
        // An open record whose hours were set by hand joins the list, decided.
        v.apply(Mutation::AdjustService {
            task: TaskId::new("t-6"),
            volunteer: v.volunteer(6),
            minutes: 120,
            reason: "忘了签退".into(),
        });
        let adjusted = approvals(&v.view, december(), ApprovalFilter::All);
        assert!(adjusted.open.is_empty());
        let six = adjusted
            .rows
            .iter()
            .find(|r| r.record.task.as_str() == "t-6")
            .expect("listed");
        assert_eq!(
            six.review,
            ReviewState::Adjusted {
                minutes: 120,
                reason: "忘了签退".into()
            }
        );
        assert!(!six.actions().approve && !six.in_bulk_approval());
        // November's record is still waiting in November.
        let november = YearMonth::new(2026, 11).expect("month");
        assert_eq!(
            approvals(&v.view, november, ApprovalFilter::All).bulk.len(),
            1
        );
    }

    #[test]
    fn a_row_offers_only_what_the_rules_allow() {
        let mut v = Village::new();
        let mut r = v.record(1, 1, Some(60));
        let row = |v: &Village| {
            approvals(&v.view, december(), ApprovalFilter::All)
                .rows
                .into_iter()
                .next()
                .expect("row")
        };
        let fresh = row(&v).actions();
        assert!(fresh.approve && fresh.adjust && fresh.reject && fresh.confirm && fresh.dispute);
        assert!(!fresh.reopen);
        r.wrong_codes = ServiceRecord::MAX_WRONG_CODES;
        v.view.insert(Record::Service(r));
        let locked = row(&v).actions();
        assert!(locked.reopen && locked.confirm);
        v.apply(Mutation::ApproveService {
            task: TaskId::new("t-1"),
            volunteer: v.volunteer(1),
        });
        let approved = row(&v).actions();
        assert!(!approved.approve, "approving again would change nothing");
        assert!(approved.adjust && approved.reject);

        // A no-show: no visit to confirm or dispute, nothing to approve or reject.
        v.task(2, 2);
        v.apply(Mutation::RecordNoShow {
            task: TaskId::new("t-2"),
            volunteer: v.volunteer(2),
        });
        let all = approvals(&v.view, december(), ApprovalFilter::All);
        let no_show = all
            .rows
            .iter()
            .find(|r| r.record.task.as_str() == "t-2")
            .expect("the no-show is listed under the task's day");
        assert_eq!(no_show.review, ReviewState::NoShow);
        assert_eq!(
            no_show.date,
            NaiveDate::from_ymd_opt(2026, 12, 2).expect("d")
        );
        let a = no_show.actions();
        assert!(!a.approve && !a.reject && !a.confirm && !a.dispute);
        assert!(a.adjust, "a forgotten check-in is set right by adjusting");
    }

    #[test]
    fn review_forms_need_a_reason_and_sane_minutes() {
        let (task, volunteer) = (TaskId::new("t-1"), VolunteerId::new("v-1"));
        let adjust =
            |m: &str, r: &str| ReviewForm::Adjust.mutation(task.clone(), volunteer.clone(), m, r);
        assert_eq!(adjust("45", "  "), Err(FormProblem::ReasonMissing));
        assert_eq!(adjust("-1", "早退"), Err(FormProblem::MinutesInvalid));
        assert_eq!(adjust("721", "早退"), Err(FormProblem::MinutesInvalid));
        assert_eq!(adjust("1.5", "早退"), Err(FormProblem::MinutesInvalid));
        assert_eq!(
            adjust(" 45 ", " 早退 "),
            Ok(Mutation::AdjustService {
                task: task.clone(),
                volunteer: volunteer.clone(),
                minutes: 45,
                reason: "早退".into(),
            })
        );
        let long = "很".repeat(ServiceRecord::MAX_REASON_CHARS + 1);
        assert_eq!(
            ReviewForm::Reject.mutation(task.clone(), volunteer.clone(), "", &long),
            Err(FormProblem::ReasonTooLong)
        );
        assert!(matches!(
            ReviewForm::Dispute.mutation(task, volunteer, "", "家属说没来"),
            Ok(Mutation::DisputeService { .. })
        ));
        assert_eq!(
            FormProblem::MinutesInvalid.text(Lang::En),
            "Enter whole minutes from 0 to 720."
        );
    }

    #[test]
    fn filters_round_trip_through_their_option_values() {
        for f in ApprovalFilter::ALL {
            assert_eq!(ApprovalFilter::from_key(f.key()), Some(f));
        }
        assert_eq!(ApprovalFilter::from_key("nonsense"), None);
    }
}
