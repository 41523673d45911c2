//! The board: one week at a glance, what needs a coordinator first. Unfilled and under-filled
//! tasks (urgent on top), tasks with a waiting list, volunteers over their weekly hours, and
//! conflicts that came from offline edits (a task cancelled after someone checked in). Each
//! item links to where it is fixed.

use std::collections::HashMap;

use leptos::prelude::*;
use leptos_router::components::A;
use linli_core::matching::week_start;
use linli_core::model::{NaiveDate, Priority, Task, TaskStatus, Volunteer};
use linli_core::sync::{MemoryStore, Record, SignupStatus};

use crate::app::{tr, Shell};
use crate::i18n::{day_label, hours_text, places_left, waitlisted_badge, when, Msg};
use crate::pages::coordinator::{CoordinatorNav, CoordinatorOnly};
use crate::sync::SyncEngine;

#[derive(Clone, Debug, PartialEq)]
pub struct Staffing {
    pub task: Task,
    pub confirmed: u32,
    pub waiting: u32,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Board {
    /// Open tasks with places left: urgent first, then those below their minimum, then by time.
    pub unfilled: Vec<Staffing>,
    pub waitlists: Vec<Staffing>,
    /// Volunteers whose confirmed tasks this week exceed their weekly hours, with the minutes.
    pub over_hours: Vec<(Volunteer, u32)>,
    /// Cancelled tasks someone had already checked in to, with how many did.
    pub cancelled_after_check_in: Vec<(Task, u32)>,
}

pub fn board(view: &MemoryStore, monday: NaiveDate) -> Board {
    let mut tasks: HashMap<&str, &Task> = HashMap::new();
    let mut volunteers: HashMap<&str, &Volunteer> = HashMap::new();
    let mut counts: HashMap<&str, (u32, u32)> = HashMap::new();
    let mut checked_in: HashMap<&str, u32> = HashMap::new();
    let mut confirmed_of: Vec<(&str, &str)> = Vec::new();
    for (_, record) in view.records() {
        match record {
            Record::Task(t) => {
                tasks.insert(t.id.as_str(), t);
            }
            Record::Volunteer(v) => {
                volunteers.insert(v.id.as_str(), v);
            }
            Record::Signup(s) => {
                let entry = counts.entry(s.task.as_str()).or_default();
                match s.status {
                    SignupStatus::Confirmed => {
                        entry.0 += 1;
                        confirmed_of.push((s.volunteer.as_str(), s.task.as_str()));
                    }
                    SignupStatus::Waitlisted => entry.1 += 1,
                }
            }
            Record::Service(r) if r.check_in.is_some() => {
                *checked_in.entry(r.task.as_str()).or_default() += 1;
            }
            _ => {}
        }
    }
    let in_week = |t: &Task| week_start(t.start.date()) == monday;
    let staffing = |t: &Task| {
        let (confirmed, waiting) = counts.get(t.id.as_str()).copied().unwrap_or((0, 0));
        Staffing {
            task: t.clone(),
            confirmed,
            waiting,
        }
    };
    let mut week: Vec<&Task> = tasks.values().copied().filter(|t| in_week(t)).collect();
    week.sort_by(|a, b| (a.start, a.id.as_str()).cmp(&(b.start, b.id.as_str())));

    let mut unfilled: Vec<Staffing> = week
        .iter()
        .filter(|t| t.status == TaskStatus::Open)
        .map(|t| staffing(t))
        .filter(|s| s.confirmed < s.task.volunteers_max)
        .collect();
    unfilled.sort_by_key(|s| {
        (
            s.task.priority != Priority::Urgent,
            s.confirmed >= s.task.volunteers_min,
            s.task.start,
        )
    });
    let waitlists = week
        .iter()
        .map(|t| staffing(t))
        .filter(|s| s.waiting > 0)
        .collect();

    let mut minutes: HashMap<&str, u32> = HashMap::new();
    for (volunteer, task) in confirmed_of {
        if let Some(t) = tasks
            .get(task)
            .filter(|t| in_week(t) && t.status != TaskStatus::Cancelled)
        {
            *minutes.entry(volunteer).or_default() += t.duration_minutes().max(0) as u32;
        }
    }
    let mut over_hours: Vec<(Volunteer, u32)> = minutes
        .into_iter()
        .filter_map(|(id, m)| {
            let v = volunteers.get(id)?;
            (m > v.max_hours_per_week * 60).then(|| ((*v).clone(), m))
        })
        .collect();
    over_hours.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.id.cmp(&b.0.id)));

    let cancelled_after_check_in = week
        .iter()
        .filter(|t| t.status == TaskStatus::Cancelled)
        .filter_map(|t| checked_in.get(t.id.as_str()).map(|n| ((*t).clone(), *n)))
        .collect();
    Board {
        unfilled,
        waitlists,
        over_hours,
        cancelled_after_check_in,
    }
}

/// The weeks that have tasks, Mondays in order.
fn weeks(view: &MemoryStore) -> Vec<NaiveDate> {
    let mut weeks: Vec<NaiveDate> = view
        .records()
        .filter_map(|(_, r)| match r {
            Record::Task(t) => Some(week_start(t.start.date())),
            _ => None,
        })
        .collect();
    weeks.sort();
    weeks.dedup();
    weeks
}

/// How many items each list shows; the task list has them all.
const SHOWN: usize = 40;

#[component]
pub fn BoardPage() -> impl IntoView {
    view! { <CoordinatorOnly><BoardView/></CoordinatorOnly> }
}

fn task_link(task: &Task) -> String {
    format!("/coordinator/task/{}", task.id.as_str())
}

#[component]
fn BoardView() -> impl IntoView {
    let engine = expect_context::<SyncEngine>();
    let lang = expect_context::<Shell>().lang;
    let all_weeks = Memo::new(move |_| engine.view.with(weeks));
    // This week, or the next one with tasks.
    let this_week = week_start(engine.view.with_untracked(crate::clock::village_now).date());
    let chosen = RwSignal::new(None::<NaiveDate>);
    let week = move || {
        chosen.get().unwrap_or_else(|| {
            all_weeks.with(|w| {
                w.iter()
                    .copied()
                    .find(|m| *m >= this_week)
                    .unwrap_or(this_week)
            })
        })
    };
    let data = Memo::new(move |_| {
        let monday = week();
        engine.view.with(|v| board(v, monday))
    });
    let staffing_item = move |s: Staffing, waiting_list: bool| {
        let (start, end) = (s.task.start, s.task.end);
        let left = s.task.volunteers_max.saturating_sub(s.confirmed);
        let max = s.task.volunteers_max;
        let urgent = s.task.priority == Priority::Urgent;
        let waiting = s.waiting;
        view! {
            <li class="board-item" class:urgent=urgent data-testid=format!("board-{}", s.task.id.as_str())>
                <A href=task_link(&s.task) attr:data-user-text="">{s.task.title.clone()}</A>
                " " <span class="task-when">{move || when(lang.get(), start, end)}</span>
                " " <span class="badge">{move || if waiting_list { waitlisted_badge(lang.get(), Some(waiting)) } else { places_left(lang.get(), left, max) }}</span>
            </li>
        }
    };
    view! {
        <section class="area coordinator wide board">
            <CoordinatorNav/>
            <h1>{tr(Msg::BoardTitle)}</h1>
            <label class="filter">
                <span>{tr(Msg::PlanWeek)}</span>
                <select data-testid="board-week" on:change=move |ev| chosen.set(event_target_value(&ev).parse().ok())>
                    {move || all_weeks.get().into_iter().map(|w| view! {
                        <option value=w.to_string() selected=move || week() == w>{move || day_label(lang.get(), w)}</option>
                    }).collect_view()}
                </select>
            </label>
            <crate::components::messages::PostNotice audience=linli_core::model::Audience::Village/>
            <div class="board-grid">
                <section data-testid="board-unfilled">
                    <h2>{tr(Msg::BoardUnfilled)} " (" {move || data.with(|d| d.unfilled.len())} ")"</h2>
                    <ul>{move || data.get().unfilled.into_iter().take(SHOWN).map(|s| staffing_item(s, false)).collect_view()}</ul>
                </section>
                <section data-testid="board-waitlists">
                    <h2>{tr(Msg::BoardWaitlists)} " (" {move || data.with(|d| d.waitlists.len())} ")"</h2>
                    <ul>{move || data.get().waitlists.into_iter().take(SHOWN).map(|s| staffing_item(s, true)).collect_view()}</ul>
                </section>
                <section data-testid="board-over-hours">
                    <h2>{tr(Msg::BoardOverHours)} " (" {move || data.with(|d| d.over_hours.len())} ")"</h2>
                    <ul>{move || data.get().over_hours.into_iter().take(SHOWN).map(|(v, minutes)| {
                        let limit = i64::from(v.max_hours_per_week) * 60;
                        view! {
                            <li class="board-item">
                                <A href="/coordinator/volunteers" attr:data-user-text="">{v.name.clone()}</A>
                                " " {move || format!("{} / {}", hours_text(lang.get(), minutes.into()), hours_text(lang.get(), limit))}
                            </li>
                        }
                    }).collect_view()}</ul>
                </section>
                <section data-testid="board-conflicts">
                    <h2>{tr(Msg::BoardConflicts)} " (" {move || data.with(|d| d.cancelled_after_check_in.len())} ")"</h2>
                    <ul>{move || data.get().cancelled_after_check_in.into_iter().map(|(t, n)| view! {
                        <li class="board-item">
                            <A href=task_link(&t) attr:data-user-text="">{t.title.clone()}</A>
                            " " {n} " " {tr(Msg::CheckedIn)}
                        </li>
                    }).collect_view()}</ul>
                </section>
            </div>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use linli_core::model::{ClockReading, ServiceRecord, TaskId, TaskKind, VolunteerId};
    use linli_core::sync::Signup;

    fn at(day: u32, h: u32) -> linli_core::NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 12, day)
            .and_then(|d| d.and_hms_opt(h, 0, 0))
            .expect("time")
    }

    fn task(id: &str, day: u32, min: u32, max: u32, urgent: bool) -> Task {
        Task::builder(id, TaskKind::HomeVisit, id, at(day, 9), at(day, 12))
            .capacity(min, max)
            .priority(if urgent {
                Priority::Urgent
            } else {
                Priority::Normal
            })
            .build()
            .expect("task")
    }

    fn signup(task: &str, volunteer: &VolunteerId, status: SignupStatus) -> Record {
        Record::Signup(Signup {
            task: TaskId::new(task),
            volunteer: volunteer.clone(),
            status,
            seq: 1,
            by_coordinator: true,
        })
    }

    #[test]
    fn the_board_puts_urgent_and_understaffed_first_and_finds_overloads_and_conflicts() {
        let demo = linli_core::demo::generate(&linli_core::demo::DemoParams::village());
        let mut busy = demo.volunteers[0].clone();
        busy.max_hours_per_week = 5;
        let other = demo.volunteers[1].id.clone();
        let mut view = MemoryStore::new();
        view.insert(Record::Volunteer(busy.clone()));
        for t in [
            task("t-normal", 1, 1, 2, false),
            task("t-below-min", 2, 2, 3, false),
            task("t-urgent", 3, 1, 1, true),
            task("t-full", 4, 1, 1, false),
            task("t-next-week", 8, 1, 1, true),
        ] {
            view.insert(Record::Task(t));
        }
        let mut cancelled = task("t-cancelled", 5, 1, 2, false);
        cancelled.status = TaskStatus::Cancelled;
        view.insert(Record::Task(cancelled));
        // `busy` is on three 3-hour tasks this week (9 h > 5 h); `other` waits for t-full.
        for t in ["t-normal", "t-full", "t-below-min"] {
            view.insert(signup(t, &busy.id, SignupStatus::Confirmed));
        }
        view.insert(signup("t-full", &other, SignupStatus::Waitlisted));
        let mut record = ServiceRecord::new(
            TaskId::new("t-cancelled"),
            other.clone(),
            TaskKind::HomeVisit,
        );
        record.check_in = Some(ClockReading {
            device: at(5, 9),
            received: None,
        });
        view.insert(Record::Service(record));

        let b = board(
            &view,
            NaiveDate::from_ymd_opt(2026, 11, 30).expect("monday"),
        );
        let ids: Vec<&str> = b.unfilled.iter().map(|s| s.task.id.as_str()).collect();
        assert_eq!(ids, vec!["t-urgent", "t-below-min", "t-normal"]);
        assert_eq!(b.waitlists.len(), 1);
        assert_eq!(
            (b.waitlists[0].task.id.as_str(), b.waitlists[0].waiting),
            ("t-full", 1)
        );
        assert_eq!(b.over_hours.len(), 1);
        assert_eq!(
            (b.over_hours[0].0.id.clone(), b.over_hours[0].1),
            (busy.id.clone(), 9 * 60)
        );
        assert_eq!(b.cancelled_after_check_in.len(), 1);
        assert_eq!(b.cancelled_after_check_in[0].1, 1);
    }
}
