//! The coordinator's workspace: the village's tasks with their sign-ups, and one task's page
//! where volunteers are assigned and unassigned.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use linli_core::model::{ClockReading, ServiceRecord, Task, TaskId, Volunteer, VolunteerId};
use linli_core::sync::{MemoryStore, Mutation, Record, Role, Signup, SignupStatus};

use crate::app::{tr, Shell};
use crate::components::notices::mutate_error_text;
use crate::i18n::{
    colon, date_time, duration_text, list_separator, places_left, waitlisted_badge, when, Lang, Msg,
};
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

/// "12月1日 09:03（按手机时间）· 服务器收到 12月1日 09:05": both clocks, so a phone whose
/// clock is off shows up.
fn reading_text(lang: Lang, view: &MemoryStore, reading: &ClockReading) -> String {
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
/// others cannot go. Volunteers already on the task are left out: they are listed above.
fn suggestions(view: &MemoryStore, task: &Task) -> Suggestions {
    let Some(input) = crate::pages::plan::match_input(view) else {
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
        let (signed, everyone, service) = engine.view.with(|v| {
            (
                signups(v, &task.id),
                volunteers(v),
                service_records(v, &task.id),
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
                view! {
                    <li class="signup" data-testid=testid>
                        <span data-user-text="">{name}</span>
                        <span class="badge" data-state=if status == SignupStatus::Confirmed { "confirmed" } else { "waitlisted" }>
                            {move || if status == SignupStatus::Confirmed { Msg::SignupConfirmed.text(lang.get()).to_owned() } else { waitlisted_badge(lang.get(), None) }}
                        </span>
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
                view! {
                    <li class="service-row" data-testid=format!("service-{}", r.volunteer.as_str())>
                        <strong data-user-text="">{name}</strong>
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
        let suggestions = engine.view.with(|v| suggestions(v, &task));
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
