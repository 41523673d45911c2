//! My schedule: the tasks I am on, upcoming first, with export to the phone's calendar (.ics).

use leptos::prelude::*;
use leptos_router::components::A;
use linli_core::model::{Task, VolunteerId};
use linli_core::sync::{MemoryStore, Record, Role, SignupStatus};

use crate::app::{tr, Shell};
use crate::components::reminders::Reminders;
use crate::i18n::{waitlisted_badge, when, Msg};
use crate::sync::SyncEngine;

/// My tasks (confirmed or waiting), by start time.
fn my_tasks(view: &MemoryStore, me: &VolunteerId) -> Vec<(Task, SignupStatus)> {
    let mut mine: Vec<(Task, SignupStatus)> = view
        .records()
        .filter_map(|(_, r)| match r {
            Record::Signup(s) if &s.volunteer == me => Some(s.clone()),
            _ => None,
        })
        .filter_map(
            |s| match view.get_record(&format!("task/{}", s.task.as_str())) {
                Some(Record::Task(t)) => Some((t.clone(), s.status)),
                _ => None,
            },
        )
        .collect();
    mine.sort_by(|a, b| (a.0.start, a.0.id.as_str()).cmp(&(b.0.start, b.0.id.as_str())));
    mine
}

fn export(view: &MemoryStore, tasks: &[&Task], filename: &str) {
    let village = view.records().find_map(|(_, r)| match r {
        Record::Village(v) => Some(v.clone()),
        _ => None,
    });
    if let Some(village) = village {
        let ics = linli_core::ics::calendar(&village, tasks, crate::clock::utc_now());
        if let Err(err) = crate::files::download(filename, "text/calendar;charset=utf-8", &ics) {
            leptos::logging::warn!("calendar export failed: {err:?}");
        }
    }
}

#[component]
pub fn Schedule() -> impl IntoView {
    let engine = expect_context::<SyncEngine>();
    let lang = expect_context::<Shell>().lang;
    move || {
        let Some(Role::Volunteer(me)) = engine.session.get().map(|s| s.actor.role) else {
            return view! {
                <section class="area">
                    <h1>{tr(Msg::ScheduleTitle)}</h1>
                    <p class="empty">{tr(Msg::VolunteerNotJoined)}</p>
                    <A href="/join" attr:class="button primary">{tr(Msg::JoinTitle)}</A>
                </section>
            }
            .into_any();
        };
        // The reminders stay put while the lists below follow every change of the data (a
        // redraw would reset the notification switch under the volunteer's finger).
        let me_for_list = me.clone();
        let lists = move || {
            let me = me_for_list.clone();
            let (mine, now) = engine
                .view
                .with(|v| (my_tasks(v, &me), crate::clock::village_now(v)));
            let (upcoming, past): (Vec<_>, Vec<_>) =
                mine.into_iter().partition(|(t, _)| t.end >= now);
            let row = move |(task, status): (Task, SignupStatus)| {
                let id = task.id.clone();
                let testid = format!("schedule-{}", id.as_str());
                let for_export = task.clone();
                view! {
                    <li class="task" data-testid=testid>
                        <div class="task-main">
                            <A href=format!("/volunteer/task/{}", task.id.as_str()) attr:class="task-title" attr:data-user-text="">{task.title.clone()}</A>
                            <span class="task-when">{move || when(lang.get(), task.start, task.end)}</span>
                        </div>
                        <span class="badge" data-state=if status == SignupStatus::Confirmed { "confirmed" } else { "waitlisted" }>
                            {move || if status == SignupStatus::Confirmed { Msg::SignupConfirmed.text(lang.get()).to_owned() } else { waitlisted_badge(lang.get(), None) }}
                        </span>
                        <button type="button" class="secondary" data-testid="export-one"
                            on:click=move |_| engine.view.with_untracked(|v| export(v, &[&for_export], &format!("linli-{}.ics", for_export.id.as_str())))>
                            {tr(Msg::ExportOne)}
                        </button>
                    </li>
                }
            };
            let all: Vec<Task> = upcoming.iter().map(|(t, _)| t.clone()).collect();
            let has_upcoming = !upcoming.is_empty();
            view! {
                    <h2>{tr(Msg::Upcoming)}</h2>
                    {if has_upcoming { None } else { Some(view! { <p class="empty">{tr(Msg::NoUpcoming)}</p> }) }}
                    <ul class="task-list">{upcoming.into_iter().map(row).collect_view()}</ul>
                    {has_upcoming.then(|| view! {
                        <button type="button" class="primary" data-testid="export-all"
                            on:click=move |_| engine.view.with_untracked(|v| {
                                let refs: Vec<&Task> = all.iter().collect();
                                export(v, &refs, "linli-schedule.ics")
                            })>
                            {tr(Msg::ExportAll)}
                        </button>
                    })}
                    <h2>{tr(Msg::Past)}</h2>
                    <ul class="task-list past">{past.into_iter().map(row).collect_view()}</ul>
            }
        };
        view! {
            <section class="area schedule">
                <h1>{tr(Msg::ScheduleTitle)}</h1>
                <Reminders me=me.clone()/>
                {lists}
            </section>
        }
        .into_any()
    }
}
