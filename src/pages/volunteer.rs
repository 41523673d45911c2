//! The volunteer's tasks: open tasks to sign up for, and their own sign-ups with their status.

use leptos::prelude::*;
use leptos_router::components::A;
use linli_core::model::{Task, TaskId, TaskStatus, VolunteerId};
use linli_core::sync::{MemoryStore, Mutation, Record, Role, SignupStatus};

use crate::app::{tr, Shell};
use crate::components::notices::mutate_error_text;
use crate::i18n::{waitlisted_badge, when, Lang, Msg};
use crate::sync::SyncEngine;

/// One row of the list: the task and where I stand on it.
#[derive(Clone, PartialEq)]
struct Row {
    task: Task,
    mine: Option<SignupStatus>,
    pending: bool,
}

fn rows(view: &MemoryStore, me: &VolunteerId, pending_tasks: &[TaskId]) -> Vec<Row> {
    let mut rows: Vec<Row> = view
        .records()
        .filter_map(|(_, r)| match r {
            Record::Task(t) => Some(t.clone()),
            _ => None,
        })
        .map(|task| {
            let mine = view
                .get_record(&format!("signup/{}/{}", task.id.as_str(), me.as_str()))
                .and_then(|r| match r {
                    Record::Signup(s) => Some(s.status),
                    _ => None,
                });
            let pending = pending_tasks.contains(&task.id);
            Row {
                task,
                mine,
                pending,
            }
        })
        .filter(|row| row.task.status == TaskStatus::Open || row.mine.is_some())
        .collect();
    // My own tasks first, then by time.
    rows.sort_by(|a, b| {
        (a.mine.is_none(), a.task.start, a.task.id.as_str()).cmp(&(
            b.mine.is_none(),
            b.task.start,
            b.task.id.as_str(),
        ))
    });
    rows
}

fn badge(lang: Lang, row: &Row) -> Option<(&'static str, String)> {
    if row.pending {
        return Some(("pending", Msg::SignupPendingSync.text(lang).to_owned()));
    }
    match row.mine? {
        SignupStatus::Confirmed => Some(("confirmed", Msg::SignupConfirmed.text(lang).to_owned())),
        SignupStatus::Waitlisted => Some(("waitlisted", waitlisted_badge(lang, None))),
    }
}

#[component]
pub fn Volunteer() -> impl IntoView {
    let engine = expect_context::<SyncEngine>();
    move || match engine.session.get().map(|s| s.actor.role) {
        Some(Role::Volunteer(me)) => view! { <VolunteerTasks me=me/> }.into_any(),
        Some(Role::Coordinator(_)) => view! {
            <section class="area volunteer">
                <h1>{tr(Msg::VolunteerTitle)}</h1>
                <A href="/coordinator">{tr(Msg::CoordinatorTitle)}</A>
            </section>
        }
        .into_any(),
        None => view! {
            <section class="area volunteer">
                <h1>{tr(Msg::VolunteerTitle)}</h1>
                <p class="empty">{tr(Msg::VolunteerNotJoined)}</p>
                <A href="/join" attr:class="button primary">{tr(Msg::JoinTitle)}</A>
            </section>
        }
        .into_any(),
    }
}

#[component]
fn VolunteerTasks(me: VolunteerId) -> impl IntoView {
    let engine = expect_context::<SyncEngine>();
    let lang = expect_context::<Shell>().lang;
    let error = RwSignal::new(None::<String>);
    let me_for_rows = me.clone();
    let list = Memo::new(move |_| {
        let pending: Vec<TaskId> = engine
            .pending
            .get()
            .iter()
            .filter_map(|p| match &p.mutation {
                Mutation::SignUp { task } | Mutation::Withdraw { task } => Some(task.clone()),
                _ => None,
            })
            .collect();
        engine.view.with(|view| rows(view, &me_for_rows, &pending))
    });
    let act = move |mutation: Mutation| {
        error.set(None);
        if let Err(err) = engine.mutate(mutation) {
            error.set(Some(mutate_error_text(lang.get_untracked(), &err)));
        }
    };
    view! {
        <section class="area volunteer">
            <h1>{tr(Msg::OpenTasks)}</h1>
            <p class="form-error" role="alert" data-testid="action-error">{move || error.get()}</p>
            <Show when=move || !list.with(Vec::is_empty) fallback=move || view! { <p class="empty">{tr(Msg::NoOpenTasks)}</p> }>
                <ul class="task-list">
                    {move || {
                        list.get()
                            .into_iter()
                            .map(|row| {
                                let id = row.task.id.clone();
                                let signed_up = row.mine.is_some();
                                let row_for_badge = row.clone();
                                let task = row.task.clone();
                                let testid = format!("task-{}", id.as_str());
                                view! {
                                    <li class="task" data-testid=testid>
                                        <div class="task-main">
                                            <strong class="task-title">{task.title.clone()}</strong>
                                            <span class="task-kind">
                                                {move || if lang.get() == Lang::Zh { task.kind.label_zh() } else { task.kind.label_en() }}
                                            </span>
                                            <span class="task-when">{move || when(lang.get(), row.task.start, row.task.end)}</span>
                                        </div>
                                        {move || badge(lang.get(), &row_for_badge).map(|(state, text)| view! {
                                            <span class="badge" data-testid="signup-status" data-state=state>{text}</span>
                                        })}
                                        <button
                                            type="button"
                                            class=if signed_up { "secondary" } else { "primary" }
                                            data-testid=if signed_up { "withdraw" } else { "sign-up" }
                                            on:click=move |_| {
                                                let task = id.clone();
                                                act(if signed_up { Mutation::Withdraw { task } } else { Mutation::SignUp { task } })
                                            }
                                        >
                                            {if signed_up { tr(Msg::Withdraw) } else { tr(Msg::SignUp) }}
                                        </button>
                                    </li>
                                }
                            })
                            .collect_view()
                    }}
                </ul>
            </Show>
        </section>
    }
}
