//! The coordinator's workspace: the village's tasks with their sign-ups, and one task's page
//! where volunteers are assigned and unassigned.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use linli_core::model::{
    ClockReading, HoursStatus, NaiveDate, NaiveDateTime, ServiceRecord, Task, TaskId, TaskStatus,
    Volunteer, VolunteerId,
};
use linli_core::sync::{MemoryStore, Mutation, Record, Role, Signup, SignupStatus};

use crate::app::{tr, Shell};
use crate::components::notices::mutate_error_text;
use crate::i18n::{
    colon, date_time, duration_text, list_separator, places_left, waitlisted_badge, when, Lang, Msg,
};
use crate::pages::approvals::{ConfirmationState, ReviewState};
use crate::sync::SyncEngine;
use linli_core::matching::{suggest, MatchContext, Suggestions};

/// How many tasks the list shows at once; the filter narrows it down.
const LIST_LIMIT: usize = 60;

fn tasks(view: &MemoryStore) -> Vec<Task> {
    let mut tasks: Vec<Task> = view
        .records()
        .filter_map(|(_, r)| match r {
            Record::Task(t) => Some(t.clone()),
            _ => None,
        })
        .collect();
    tasks.sort_by(|a, b| (a.start, a.id.as_str()).cmp(&(b.start, b.id.as_str())));
    tasks
}

fn signups(view: &MemoryStore, task: &TaskId) -> Vec<Signup> {
    let prefix = format!("signup/{}/", task.as_str());
    let mut signups: Vec<Signup> = view
        .records()
        .filter(|(k, _)| k.starts_with(&prefix))
        .filter_map(|(_, r)| match r {
            Record::Signup(s) => Some(s.clone()),
            _ => None,
        })
        .collect();
    signups.sort_by_key(|s| (s.status != SignupStatus::Confirmed, s.seq));
    signups
}

fn service_records(view: &MemoryStore, task: &TaskId) -> Vec<ServiceRecord> {
    let prefix = format!("service/{}/", task.as_str());
    view.records()
        .filter(|(k, _)| k.starts_with(&prefix))
        .filter_map(|(_, r)| match r {
            Record::Service(s) => Some(s.clone()),
            _ => None,
        })
        .collect()
}

/// Who can be recorded as not having come to a task, and who already is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NoShows {
    /// Confirmed on the task, which has ended, and never checked in; no decision on them yet.
    pub can_mark: Vec<VolunteerId>,
    /// Recorded as not having come (their record's latest review says so).
    pub recorded: Vec<VolunteerId>,
}

/// The task's no-shows at `now` (the village's time). Nobody can be marked before the task has
/// ended (they may still come), nor on a cancelled task (nobody was expected). A record a
/// coordinator already decided on (e.g. hours set by hand for a forgotten check-in) is left
/// alone: the approvals page is where it changes.
pub fn no_shows(view: &MemoryStore, task: &Task, now: NaiveDateTime) -> NoShows {
    let records = service_records(view, &task.id);
    let recorded = records
        .iter()
        .filter(|r| r.hours_status() == HoursStatus::NoShow)
        .map(|r| r.volunteer.clone())
        .collect();
    let ended = task.end <= now && task.status != TaskStatus::Cancelled;
    let can_mark = if ended {
        signups(view, &task.id)
            .into_iter()
            .filter(|s| s.status == SignupStatus::Confirmed)
            .filter(|s| {
                records
                    .iter()
                    .find(|r| r.volunteer == s.volunteer)
                    .is_none_or(|r| r.check_in.is_none() && r.reviews.is_empty())
            })
            .map(|s| s.volunteer)
            .collect()
    } else {
        Vec::new()
    };
    NoShows { can_mark, recorded }
}

/// "12月1日 09:03（按手机时间）· 服务器收到 12月1日 09:05": both clocks, so a phone whose
/// clock is off shows up.
pub(crate) fn reading_text(lang: Lang, view: &MemoryStore, reading: &ClockReading) -> String {
    let received = match reading
        .received
        .and_then(|at| crate::clock::village_time_of_unix(view, at))
    {
        Some(at) => format!(
            "{} {}",
            Msg::ReceivedByServer.text(lang),
            date_time(lang, at)
        ),
        None => Msg::NotYetSynced.text(lang).to_owned(),
    };
    format!(
        "{} {} · {received}",
        date_time(lang, reading.device),
        Msg::PhoneClock.text(lang)
    )
}

fn volunteers(view: &MemoryStore) -> Vec<Volunteer> {
    let mut volunteers: Vec<Volunteer> = view
        .records()
        .filter_map(|(_, r)| match r {
            Record::Volunteer(v) => Some(v.clone()),
            _ => None,
        })
        .collect();
    volunteers
        .sort_by(|a, b| (a.name.as_str(), a.id.as_str()).cmp(&(b.name.as_str(), b.id.as_str())));
    volunteers
}

pub(crate) fn is_coordinator(engine: &SyncEngine) -> bool {
    matches!(
        engine.session.get().map(|s| s.actor.role),
        Some(Role::Coordinator(_))
    )
}

pub(crate) fn not_signed_in() -> AnyView {
    view! {
        <section class="area coordinator">
            <h1>{tr(Msg::CoordinatorTitle)}</h1>
            <p class="empty">{tr(Msg::CoordinatorNotSignedIn)}</p>
        </section>
    }
    .into_any()
}

/// How many suggestions a task page shows, and how many of those who cannot go.
const SUGGESTIONS_SHOWN: usize = 10;
const NOT_ELIGIBLE_SHOWN: usize = 30;

/// The core's ranked candidates for `task` over this coordinator's copy, with the reasons the
/// others cannot go. Volunteers already on the task are left out: they are listed above. The
/// village's service records count (no-shows lower a volunteer); `today` decides "this month".
pub fn suggestions(view: &MemoryStore, task: &Task, today: NaiveDate) -> Suggestions {
    let Some(input) = crate::pages::plan::match_input(view, today) else {
        return Suggestions::default();
    };
    let on_task: Vec<&VolunteerId> = input
        .commitments
        .iter()
        .filter(|c| c.task == task.id)
        .map(|c| &c.volunteer)
        .collect();
    let others: Vec<Volunteer> = input
        .volunteers
        .iter()
        .filter(|v| !on_task.contains(&&v.id))
        .cloned()
        .collect();
    let ctx = MatchContext::new(
        &input.village,
        &input.beneficiaries,
        &input.commitments,
        &input.history,
    );
    suggest(&ctx, &others, task, SUGGESTIONS_SHOWN)
}

/// A new id for something this device creates: random, so two coordinators working offline
/// never pick the same one.
pub(crate) fn new_id(prefix: &str) -> String {
    let uuid = window()
        .crypto()
        .map(|c| c.random_uuid())
        .unwrap_or_else(|_| format!("{:x}", (js_sys::Math::random() * 1e15) as u64));
    let short: String = uuid
        .chars()
        .filter(|c| c.is_ascii_hexdigit())
        .take(10)
        .collect();
    format!("{prefix}-{short}")
}

/// A page of the workspace: shown to a signed-in coordinator, else the way to sign in.
#[component]
pub fn CoordinatorOnly(children: ChildrenFn) -> impl IntoView {
    let engine = expect_context::<SyncEngine>();
    move || {
        if is_coordinator(&engine) {
            children().into_any()
        } else {
            not_signed_in()
        }
    }
}

/// The coordinator's places, on every page of the workspace.
#[component]
pub fn CoordinatorNav() -> impl IntoView {
    view! {
        <nav class="coordinator-nav" aria-label=tr(Msg::CoordinatorTitle)>
            <A href="/coordinator" exact=true>{tr(Msg::TasksTitle)}</A>
            <A href="/coordinator/board">{tr(Msg::NavBoard)}</A>
            <A href="/coordinator/beneficiaries">{tr(Msg::NavBeneficiaries)}</A>
            <A href="/coordinator/new-task">{tr(Msg::NavNewTask)}</A>
            <A href="/coordinator/campaign">{tr(Msg::NavCampaign)}</A>
            <A href="/coordinator/plan">{tr(Msg::NavPlan)}</A>
            <A href="/coordinator/approvals">{tr(Msg::NavApprovals)}</A>
            <A href="/coordinator/volunteers">{tr(Msg::VolunteersTitle)}</A>
            <A href="/coordinator/reports">{tr(Msg::NavReports)}</A>
            <A href="/coordinator/devices">{tr(Msg::NavDevices)}</A>
        </nav>
    }
}

#[component]
pub fn Coordinator() -> impl IntoView {
    let engine = expect_context::<SyncEngine>();
    let lang = expect_context::<Shell>().lang;
    let filter = RwSignal::new(String::new());
    let list = Memo::new(move |_| {
        let needle = filter.get().trim().to_lowercase();
        engine.view.with(|view| {
            tasks(view)
                .into_iter()
                .filter(|t| {
                    needle.is_empty()
                        || t.title.to_lowercase().contains(&needle)
                        || t.id.as_str().contains(&needle)
                })
                .take(LIST_LIMIT)
                .map(|t| {
                    let s = signups(view, &t.id);
                    let confirmed = s
                        .iter()
                        .filter(|s| s.status == SignupStatus::Confirmed)
                        .count() as u32;
                    let waiting = s.len() as u32 - confirmed;
                    (t, confirmed, waiting)
                })
                .collect::<Vec<_>>()
        })
    });
    move || {
        if !is_coordinator(&engine) {
            return not_signed_in();
        }
        view! {
            <section class="area coordinator">
                <CoordinatorNav/>
                <h1>{tr(Msg::CoordinatorTitle)}</h1>
                <label class="filter">
                    <span>{tr(Msg::TasksTitle)}</span>
                    <input type="search" data-testid="task-filter" bind:value=filter/>
                </label>
                <ul class="task-list">
                    {move || list.get().into_iter().map(|(task, confirmed, waiting)| {
                        let href = format!("/coordinator/task/{}", task.id.as_str());
                        let max = task.volunteers_max;
                        view! {
                            <li class="task" data-testid=format!("task-{}", task.id.as_str())>
                                <A href=href attr:class="task-main">
                                    <strong class="task-title" data-user-text="">{task.title.clone()}</strong>
                                    <span class="task-when">{move || when(lang.get(), task.start, task.end)}</span>
                                </A>
                                <span class="badge" data-testid="fill">{format!("{confirmed}/{max}")}</span>
                                {(waiting > 0).then(|| view! { <span class="badge waiting">{move || waitlisted_badge(lang.get(), Some(waiting))}</span> })}
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </section>
        }
        .into_any()
    }
}

#[component]
pub fn CoordinatorTask() -> impl IntoView {
    let engine = expect_context::<SyncEngine>();
    let lang = expect_context::<Shell>().lang;
    let params = use_params_map();
    let task_id = move || TaskId::new(params.with(|p| p.get("id").unwrap_or_default()));
    let chosen = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let act = move |mutation: Mutation| {
        error.set(None);
        if let Err(err) = engine.mutate(mutation) {
            error.set(Some(mutate_error_text(lang.get_untracked(), &err)));
        }
    };
    let page = move || {
        if !is_coordinator(&engine) {
            return not_signed_in();
        }
        let id = task_id();
        let Some(task) =
            engine
                .view
                .with(|v| match v.get_record(&format!("task/{}", id.as_str())) {
                    Some(Record::Task(t)) => Some(t.clone()),
                    _ => None,
                })
        else {
            return view! {
                <section class="area coordinator">
                    <p class="empty">{tr(Msg::TaskNotFound)}</p>
                    <A href="/coordinator">{tr(Msg::BackToTasks)}</A>
                </section>
            }
            .into_any();
        };
        let (signed, everyone, service, absent) = engine.view.with(|v| {
            (
                signups(v, &task.id),
                volunteers(v),
                service_records(v, &task.id),
                no_shows(v, &task, crate::clock::village_now(v)),
            )
        });
        let name_of = |id: &VolunteerId| {
            everyone
                .iter()
                .find(|v| &v.id == id)
                .map(|v| v.name.clone())
                .unwrap_or_else(|| id.as_str().to_owned())
        };
        let confirmed = signed
            .iter()
            .filter(|s| s.status == SignupStatus::Confirmed)
            .count() as u32;
        let left = task.volunteers_max.saturating_sub(confirmed);
        let max = task.volunteers_max;
        let candidates: Vec<(String, String)> = everyone
            .iter()
            .filter(|v| {
                !signed
                    .iter()
                    .any(|s| s.volunteer == v.id && s.status == SignupStatus::Confirmed)
            })
            .map(|v| {
                (
                    v.id.as_str().to_owned(),
                    format!("{} ({})", v.name, v.id.as_str()),
                )
            })
            .collect();
        let rows = signed
            .iter()
            .map(|s| {
                let volunteer = s.volunteer.clone();
                let task = task.id.clone();
                let status = s.status;
                let name = name_of(&s.volunteer);
                let testid = format!("signup-{}", volunteer.as_str());
                let can_mark = absent.can_mark.contains(&volunteer);
                let recorded = absent.recorded.contains(&volunteer);
                let (task_for_no_show, volunteer_for_no_show) = (task.clone(), volunteer.clone());
                view! {
                    <li class="signup" data-testid=testid>
                        <span data-user-text="">{name}</span>
                        <span class="badge" data-state=if status == SignupStatus::Confirmed { "confirmed" } else { "waitlisted" }>
                            {move || if status == SignupStatus::Confirmed { Msg::SignupConfirmed.text(lang.get()).to_owned() } else { waitlisted_badge(lang.get(), None) }}
                        </span>
                        {recorded.then(|| view! {
                            <span class="badge" data-state="no-show" data-testid="no-show-recorded">{tr(Msg::NoShowRecorded)}</span>
                        })}
                        {can_mark.then(|| view! {
                            <button type="button" class="secondary" data-testid="no-show"
                                on:click=move |_| act(Mutation::RecordNoShow { task: task_for_no_show.clone(), volunteer: volunteer_for_no_show.clone() })>
                                {tr(Msg::NoShowButton)}
                            </button>
                        })}
                        <button type="button" class="secondary" data-testid="unassign"
                            on:click=move |_| act(Mutation::Unassign { task: task.clone(), volunteer: volunteer.clone() })>
                            {tr(Msg::Unassign)}
                        </button>
                    </li>
                }
            })
            .collect_view();
        let service_rows = service
            .into_iter()
            .map(|r| {
                let name = name_of(&r.volunteer);
                let minutes = r.minutes();
                let confirmation = ConfirmationState::of(&r);
                let review = ReviewState::of(&r);
                let (confirmation_key, review_key) = (confirmation.key(), review.key());
                view! {
                    <li class="service-row" data-testid=format!("service-{}", r.volunteer.as_str())>
                        <strong data-user-text="">{name}</strong>
                        " "
                        <span class="badge" data-state=confirmation_key data-testid="service-confirmation">{move || confirmation.words(lang.get())}</span>
                        " "
                        <span class="badge" data-state=review_key data-testid="service-review">{move || review.words(lang.get())}</span>
                        {r.check_in.clone().map(|c| view! { <p>{tr(Msg::CheckedIn)} " " {move || engine.view.with_untracked(|v| reading_text(lang.get(), v, &c))}</p> })}
                        {r.check_out.clone().map(|c| view! { <p>{tr(Msg::CheckedOut)} " " {move || engine.view.with_untracked(|v| reading_text(lang.get(), v, &c))}</p> })}
                        {minutes.map(|m| view! { <p>{move || duration_text(lang.get(), m)}</p> })}
                        {(!r.note.is_empty()).then(|| view! {
                            <p class="visit-note" data-testid="visit-note-text">{tr(Msg::NoteColumn)} {move || colon(lang.get())} <span data-user-text="">{r.note.clone()}</span></p>
                        })}
                    </li>
                }
            })
            .collect_view();
        let task_for_assign = task.id.clone();
        let suggestions = engine
            .view
            .with(|v| suggestions(v, &task, crate::clock::village_now(v).date()));
        let suggestion_rows = suggestions
            .candidates
            .into_iter()
            .map(|c| {
                let name = name_of(&c.volunteer);
                let score = c.score.clone();
                let total = score.total;
                let (task, volunteer) = (task.id.clone(), c.volunteer.clone());
                view! {
                    <li class="suggestion" data-testid=format!("suggestion-{}", c.volunteer.as_str())>
                        <strong data-user-text="">{name}</strong>
                        <span class="badge">{total}</span>
                        <span class="task-fit" data-testid="suggestion-reasons">
                            {move || if lang.get() == Lang::Zh { score.summary_zh() } else { score.summary_en() }}
                        </span>
                        <button type="button" class="primary" data-testid="assign-suggested"
                            on:click=move |_| act(Mutation::Assign { task: task.clone(), volunteer: volunteer.clone() })>
                            {tr(Msg::AssignButton)}
                        </button>
                    </li>
                }
            })
            .collect_view();
        let not_eligible_rows = suggestions
            .ineligible
            .into_iter()
            .take(NOT_ELIGIBLE_SHOWN)
            .map(|(volunteer, reasons)| {
                let name = name_of(&volunteer);
                view! {
                    <li data-testid=format!("not-eligible-{}", volunteer.as_str())>
                        <span data-user-text="">{name}</span> " · "
                        <span class="note">
                            {move || reasons.iter().map(|r| if lang.get() == Lang::Zh { r.zh() } else { r.en() }).collect::<Vec<_>>().join(list_separator(lang.get()))}
                        </span>
                    </li>
                }
            })
            .collect_view();
        view! {
            <section class="area coordinator task-page" data-testid="coordinator-task">
                <CoordinatorNav/>
                <A href="/coordinator">{tr(Msg::BackToTasks)}</A>
                <h1 data-user-text="">{task.title.clone()}</h1>
                {(task.status == linli_core::model::TaskStatus::Cancelled).then(|| view! {
                    <p><span class="badge" data-state="cancelled" data-testid="task-cancelled">{tr(Msg::TaskStatusCancelled)}</span></p>
                })}
                <p class="task-when">{move || when(lang.get(), task.start, task.end)}</p>
                <p data-testid="places-left">{move || places_left(lang.get(), left, max)}</p>
                <h2>{tr(Msg::SignupsTitle)}</h2>
                {if signed.is_empty() { Some(view! { <p class="empty">{tr(Msg::NoSignups)}</p> }) } else { None }}
                <ul class="signups">{rows}</ul>
                {(!absent.can_mark.is_empty()).then(|| view! { <p class="note">{tr(Msg::NoShowHint)}</p> })}
                <h2>{tr(Msg::ServiceRecordsTitle)}</h2>
                <ul class="service-records" data-testid="coordinator-service">{service_rows}</ul>
                <h2>{tr(Msg::SuggestionsTitle)}</h2>
                <ol class="suggestions" data-testid="suggestions">{suggestion_rows}</ol>
                <details class="not-eligible">
                    <summary>{tr(Msg::NotEligibleTitle)}</summary>
                    <ul>{not_eligible_rows}</ul>
                </details>
                <h2>{tr(Msg::AssignVolunteer)}</h2>
                <p class="form-error" role="alert" data-testid="action-error">{move || error.get()}</p>
                <div class="assign">
                    <label>
                        <span class="visually-hidden">{tr(Msg::ChooseVolunteer)}</span>
                        <select data-testid="assign-select" on:change=move |ev| chosen.set(event_target_value(&ev))>
                            <option value="">{tr(Msg::ChooseVolunteer)}</option>
                            {candidates.into_iter().map(|(id, label)| view! { <option value=id>{label}</option> }).collect_view()}
                        </select>
                    </label>
                    <button type="button" class="primary" data-testid="assign"
                        on:click=move |_| {
                            let volunteer = chosen.get_untracked();
                            if !volunteer.is_empty() {
                                act(Mutation::Assign { task: task_for_assign.clone(), volunteer: VolunteerId::new(volunteer) });
                            }
                        }>
                        {tr(Msg::AssignButton)}
                    </button>
                </div>
            </section>
        }
        .into_any()
    };
    // Outside the page's own closure, which redraws at every change of the data: the notice
    // form keeps what it says ("sent") when its own notice arrives in the data.
    let notice = move || {
        let task = task_id();
        is_coordinator(&engine).then(|| {
            view! {
                <crate::components::messages::PostNotice audience=linli_core::model::Audience::Task { task: task.clone() }/>
                <TaskEdit id=task/>
            }
        })
    };
    view! {
        {page}
        <section class="area coordinator">{notice}</section>
    }
}

/// Changing a task (title, day, times, places) or cancelling it. Drawn once per task, not at
/// every change of the data, so what is being typed stays.
#[component]
fn TaskEdit(id: TaskId) -> impl IntoView {
    let engine = expect_context::<SyncEngine>();
    let lang = expect_context::<Shell>().lang;
    let Some(task) =
        engine
            .view
            .with_untracked(|v| match v.get_record(&format!("task/{}", id.as_str())) {
                Some(Record::Task(t)) => Some(t.clone()),
                _ => None,
            })
    else {
        return ().into_any();
    };
    let title = RwSignal::new(task.title.clone());
    let date = RwSignal::new(task.start.date().to_string());
    let start = RwSignal::new(task.start.format("%H:%M").to_string());
    let end = RwSignal::new(task.end.format("%H:%M").to_string());
    let places = RwSignal::new(task.volunteers_max.to_string());
    let message = RwSignal::new(None::<String>);
    let cancelled = RwSignal::new(task.status == linli_core::model::TaskStatus::Cancelled);
    let original = task.clone();
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let lang = lang.get_untracked();
        let time = |s: RwSignal<String>| {
            linli_core::NaiveTime::parse_from_str(&s.get_untracked(), "%H:%M").ok()
        };
        let (Ok(day), Some(from), Some(to), Ok(max)) = (
            date.get_untracked().parse::<linli_core::NaiveDate>(),
            time(start),
            time(end),
            places.get_untracked().trim().parse::<u32>(),
        ) else {
            message.set(Some(Msg::RejectInvalid.text(lang).to_owned()));
            return;
        };
        // The latest copy of the task, so a sync in between is not undone.
        let mut task = engine.view.with_untracked(|v| {
            match v.get_record(&format!("task/{}", original.id.as_str())) {
                Some(Record::Task(t)) => t.clone(),
                _ => original.clone(),
            }
        });
        task.title = title.get_untracked().trim().to_owned();
        task.start = day.and_time(from);
        task.end = day.and_time(to);
        task.volunteers_max = max;
        task.volunteers_min = task.volunteers_min.min(max);
        message.set(Some(match engine.mutate(Mutation::UpdateTask { task }) {
            Ok(_) => Msg::Saved.text(lang).to_owned(),
            Err(err) => mutate_error_text(lang, &err),
        }));
    };
    let cancel_id = id.clone();
    let cancel = move |_| {
        let lang = lang.get_untracked();
        if !window()
            .confirm_with_message(Msg::CancelTaskConfirm.text(lang))
            .unwrap_or(false)
        {
            return;
        }
        message.set(Some(
            match engine.mutate(Mutation::CancelTask {
                task: cancel_id.clone(),
            }) {
                Ok(_) => {
                    cancelled.set(true);
                    Msg::TaskCancelled.text(lang).to_owned()
                }
                Err(err) => mutate_error_text(lang, &err),
            },
        ));
    };
    view! {
        <form class="form wide task-edit" on:submit=save data-testid="task-edit">
            <h2>{tr(Msg::EditTask)}</h2>
            <label>
                <span>{tr(Msg::TitleLabel)}</span>
                <input required data-testid="edit-title" prop:value=move || title.get() on:input=move |ev| title.set(event_target_value(&ev))/>
            </label>
            <div class="row">
                <label>
                    <span>{tr(Msg::DateLabel)}</span>
                    <input type="date" required data-testid="edit-date" prop:value=move || date.get() on:change=move |ev| date.set(event_target_value(&ev))/>
                </label>
                <label>
                    <span>{tr(Msg::StartLabel)}</span>
                    <input type="time" required data-testid="edit-start" prop:value=move || start.get() on:change=move |ev| start.set(event_target_value(&ev))/>
                </label>
                <label>
                    <span>{tr(Msg::EndLabel)}</span>
                    <input type="time" required data-testid="edit-end" prop:value=move || end.get() on:change=move |ev| end.set(event_target_value(&ev))/>
                </label>
                <label>
                    <span>{tr(Msg::PlacesLabel)}</span>
                    <input type="number" min="1" max="50" required data-testid="edit-places" prop:value=move || places.get() on:change=move |ev| places.set(event_target_value(&ev))/>
                </label>
            </div>
            <p class="form-status" role="status" data-testid="edit-message">{move || message.get()}</p>
            <div class="actions">
                <button type="submit" class="primary" data-testid="save-task" disabled=move || cancelled.get()>{tr(Msg::Save)}</button>
                <button type="button" class="secondary" data-testid="cancel-task" disabled=move || cancelled.get() on:click=cancel>{tr(Msg::CancelTask)}</button>
            </div>
        </form>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;
    use linli_core::model::{ReviewAction, TaskKind};
    use linli_core::sync::{apply, Actor};

    fn at(day: u32, h: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 12, day)
            .and_then(|d| d.and_hms_opt(h, 0, 0))
            .expect("time")
    }

    fn signup(task: &Task, volunteer: &str, status: SignupStatus) -> Record {
        Record::Signup(Signup {
            task: task.id.clone(),
            volunteer: VolunteerId::new(volunteer),
            status,
            seq: 1,
            by_coordinator: true,
        })
    }

    fn coordinator(view: &MemoryStore) -> Actor {
        let village = crate::pages::beneficiaries::village(view).expect("village");
        Actor {
            village: village.id,
            role: Role::Coordinator("c-1".into()),
        }
    }

    /// A task on 1 December 09:00–11:00: v-1, v-2 and v-3 confirmed, v-4 waiting; v-2 checked
    /// in; v-3 already has hours set by hand (a forgotten check-in).
    fn task_with_people() -> (MemoryStore, Task) {
        let demo = linli_core::demo::generate(&linli_core::demo::DemoParams::village());
        let mut view = MemoryStore::new();
        view.insert(Record::Village(demo.village.clone()));
        let task = Task::builder("t-1", TaskKind::HomeVisit, "探访", at(1, 9), at(1, 11))
            .build()
            .expect("task");
        view.insert(Record::Task(task.clone()));
        for (v, status) in [
            ("v-1", SignupStatus::Confirmed),
            ("v-2", SignupStatus::Confirmed),
            ("v-3", SignupStatus::Confirmed),
            ("v-4", SignupStatus::Waitlisted),
        ] {
            view.insert(signup(&task, v, status));
        }
        let mut came = ServiceRecord::new(task.id.clone(), VolunteerId::new("v-2"), task.kind);
        came.check_in = Some(ClockReading {
            device: at(1, 9),
            received: None,
        });
        view.insert(Record::Service(came));
        let actor = coordinator(&view);
        apply(
            &Mutation::AdjustService {
                task: task.id.clone(),
                volunteer: VolunteerId::new("v-3"),
                minutes: 120,
                reason: "忘了签到".into(),
            },
            &actor,
            &mut view,
        )
        .expect("hours set by hand");
        (view, task)
    }

    #[test]
    fn only_confirmed_volunteers_who_never_came_can_be_marked_once_the_task_has_ended() {
        let (mut view, task) = task_with_people();
        let during = no_shows(&view, &task, at(1, 10));
        assert!(during.can_mark.is_empty(), "they may still come");
        let after = no_shows(&view, &task, at(1, 11));
        assert_eq!(after.can_mark, vec![VolunteerId::new("v-1")]);
        assert!(after.recorded.is_empty());

        // Recorded: shown as such, no longer offered.
        let actor = coordinator(&view);
        apply(
            &Mutation::RecordNoShow {
                task: task.id.clone(),
                volunteer: VolunteerId::new("v-1"),
            },
            &actor,
            &mut view,
        )
        .expect("no-show");
        let recorded = no_shows(&view, &task, at(2, 9));
        assert!(recorded.can_mark.is_empty());
        assert_eq!(recorded.recorded, vec![VolunteerId::new("v-1")]);

        // Nobody is expected at a cancelled task.
        let mut cancelled = task.clone();
        cancelled.status = TaskStatus::Cancelled;
        let (view, _) = task_with_people();
        assert!(no_shows(&view, &cancelled, at(2, 9)).can_mark.is_empty());
    }

    #[test]
    fn a_recorded_no_show_lowers_a_volunteer_in_the_suggestions() {
        let demo = linli_core::demo::generate(&linli_core::demo::DemoParams::village());
        let mut view = MemoryStore::new();
        view.insert(Record::Village(demo.village.clone()));
        for v in &demo.volunteers {
            view.insert(Record::Volunteer(v.clone()));
        }
        for b in &demo.beneficiaries {
            for r in Record::from_beneficiary(b) {
                view.insert(r);
            }
        }
        for t in &demo.tasks {
            view.insert(Record::Task(t.clone()));
        }
        let task = demo
            .tasks
            .iter()
            .find(|t| !suggestions(&view, t, t.start.date()).candidates.is_empty())
            .expect("a task with candidates")
            .clone();
        let today = task.start.date();
        let before = suggestions(&view, &task, today);
        let first = before.candidates[0].clone();

        // The first candidate did not come to an earlier task.
        let mut missed =
            ServiceRecord::new(TaskId::new("t-earlier"), first.volunteer.clone(), task.kind);
        missed.reviews.push(linli_core::model::Review {
            action: ReviewAction::NoShow,
            minutes: None,
            reason: String::new(),
            by: "c-1".into(),
            received: Some(1),
        });
        view.insert(Record::Service(missed));

        let after = suggestions(&view, &task, today);
        let score_now = after
            .candidates
            .iter()
            .find(|c| c.volunteer == first.volunteer)
            .map(|c| c.score.total);
        // Ranked by a lower score, or pushed out of the suggestions shown.
        assert!(
            score_now.is_none_or(|s| s < first.score.total),
            "{score_now:?} vs {}",
            first.score.total
        );
    }
}
