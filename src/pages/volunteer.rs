//! The volunteer's tasks: open tasks to sign up for, and their own sign-ups with their status.

use leptos::prelude::*;
use leptos_router::components::A;
use linli_core::matching::{rank_for_volunteer, Commitment, MatchContext, ServiceHistory, TaskFit};
use linli_core::model::{Beneficiary, NaiveDate, Task, TaskId, TaskKind, TaskStatus, VolunteerId};
use linli_core::sync::{MemoryStore, Mutation, Record, Role, SignupStatus};

use crate::app::{tr, Shell};
use crate::components::notices::mutate_error_text;
use crate::components::reminders::Reminders;
use crate::i18n::{day_label, waitlisted_badge, when, within_km, Lang, Msg};
use crate::sync::SyncEngine;

/// One row of the list: the task, where I stand on it, and how it fits me.
#[derive(Clone, PartialEq)]
struct Row {
    task: Task,
    mine: Option<SignupStatus>,
    pending: bool,
    /// For tasks I have not signed up for: the fit, with its reasons.
    fit: Option<TaskFit>,
}

/// The filters over the open tasks of "For me"; `None` lets everything through.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Filter {
    pub kind: Option<TaskKind>,
    pub day: Option<NaiveDate>,
    /// At most this many km from where I live.
    pub within_km: Option<u32>,
}

/// The distance filter's choices, in km.
const DISTANCE_CHOICES: [u32; 3] = [1, 3, 5];

impl Filter {
    fn lets_through(&self, task: &Task, fit: &TaskFit) -> bool {
        self.kind.is_none_or(|k| task.kind == k)
            && self.day.is_none_or(|d| task.start.date() == d)
            && self.within_km.is_none_or(|km| {
                // A task whose place is unknown is not hidden by a distance filter.
                fit.score.distance_tenths().is_none_or(|t| t <= km * 10)
            })
    }
}

/// My own tasks first (by time), then the open tasks ranked for me ("For me"), filtered.
fn rows(
    view: &MemoryStore,
    me: &VolunteerId,
    pending_tasks: &[TaskId],
    filter: &Filter,
) -> Vec<Row> {
    let tasks: Vec<Task> = view
        .records()
        .filter_map(|(_, r)| match r {
            Record::Task(t) => Some(t.clone()),
            _ => None,
        })
        .collect();
    let my_signups: Vec<(TaskId, SignupStatus)> = view
        .records()
        .filter_map(|(_, r)| match r {
            Record::Signup(s) if &s.volunteer == me => Some((s.task.clone(), s.status)),
            _ => None,
        })
        .collect();
    let status_of = |id: &TaskId| my_signups.iter().find(|(t, _)| t == id).map(|(_, s)| *s);
    let mut rows: Vec<Row> = tasks
        .iter()
        .filter(|t| status_of(&t.id).is_some())
        .map(|t| Row {
            task: t.clone(),
            mine: status_of(&t.id),
            pending: pending_tasks.contains(&t.id),
            fit: None,
        })
        .collect();
    rows.sort_by(|a, b| {
        (a.task.start, a.task.id.as_str()).cmp(&(b.task.start, b.task.id.as_str()))
    });
    let volunteer = match view.get_record(&format!("volunteer/{}", me.as_str())) {
        Some(Record::Volunteer(v)) => v.clone(),
        _ => return rows,
    };
    let village = view.records().find_map(|(_, r)| match r {
        Record::Village(v) => Some(v.clone()),
        _ => None,
    });
    let Some(village) = village else { return rows };
    let beneficiaries: Vec<Beneficiary> = view
        .records()
        .filter_map(|(_, r)| match r {
            Record::Beneficiary(b) => Some(b.clone()),
            _ => None,
        })
        .collect();
    let commitments: Vec<Commitment> = tasks
        .iter()
        .filter(|t| {
            status_of(&t.id) == Some(SignupStatus::Confirmed) && t.status != TaskStatus::Cancelled
        })
        .map(|t| Commitment::new(me.clone(), t))
        .collect();
    let history = ServiceHistory::default();
    let ctx = MatchContext::new(&village, &beneficiaries, &commitments, &history);
    let open: Vec<Task> = tasks
        .into_iter()
        .filter(|t| status_of(&t.id).is_none())
        .collect();
    rows.extend(
        rank_for_volunteer(&ctx, &volunteer, &open)
            .into_iter()
            .filter(|fit| filter.lets_through(&open[fit.task], fit))
            .take(OPEN_TASKS_SHOWN)
            .map(|fit| Row {
                task: open[fit.task].clone(),
                mine: None,
                pending: pending_tasks.contains(&open[fit.task].id),
                fit: Some(fit),
            }),
    );
    rows
}

/// How many open tasks "For me" shows; the best fits come first.
const OPEN_TASKS_SHOWN: usize = 50;

/// The reasons shown under a task: why it fits (the two strongest score terms), or why not.
fn fit_text(lang: Lang, fit: &TaskFit) -> (bool, String) {
    let text = |zh: String, en: String| if lang == Lang::Zh { zh } else { en };
    if fit.eligible() {
        let mut terms: Vec<_> = fit.score.terms.iter().filter(|t| t.points > 0).collect();
        terms.sort_by_key(|t| std::cmp::Reverse(t.points));
        let reasons: Vec<String> = terms
            .iter()
            .take(2)
            .map(|t| text(t.reason.zh(), t.reason.en()))
            .collect();
        (true, reasons.join(" · "))
    } else {
        let reasons: Vec<String> = fit
            .ineligible
            .iter()
            .map(|i| text(i.zh(), i.en()))
            .collect();
        (
            false,
            format!("{} {}", Msg::NotForMe.text(lang), reasons.join("；")),
        )
    }
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
    let filter = RwSignal::new(Filter::default());
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
        let filter = filter.get();
        engine
            .view
            .with(|view| rows(view, &me_for_rows, &pending, &filter))
    });
    // The choices offered are those of the open tasks this device holds.
    let choices = Memo::new(move |_| {
        engine.view.with(|view| {
            let mut kinds = Vec::new();
            let mut days = Vec::new();
            for (_, record) in view.records() {
                if let Record::Task(t) = record {
                    if t.status == TaskStatus::Open {
                        kinds.push(t.kind);
                        days.push(t.start.date());
                    }
                }
            }
            kinds.sort();
            kinds.dedup();
            days.sort();
            days.dedup();
            (kinds, days)
        })
    });
    let act = move |mutation: Mutation| {
        error.set(None);
        if let Err(err) = engine.mutate(mutation) {
            error.set(Some(mutate_error_text(lang.get_untracked(), &err)));
        }
    };
    view! {
        <section class="area volunteer">
            <h1>{tr(Msg::ForMe)}</h1>
            <Reminders me=me.clone()/>
            <crate::components::messages::VolunteerNotices/>
            <div class="actions">
                <A href="/volunteer/profile" attr:class="button secondary" attr:data-testid="profile-link">{tr(Msg::NavProfile)}</A>
                <A href="/volunteer/schedule" attr:class="button secondary" attr:data-testid="schedule-link">{tr(Msg::NavSchedule)}</A>
                <A href="/volunteer/service" attr:class="button secondary" attr:data-testid="service-link">{tr(Msg::NavService)}</A>
            </div>
            <div class="filters" role="group" aria-label=tr(Msg::FilterKind)>
                <label>
                    <span>{tr(Msg::FilterKind)}</span>
                    <select data-testid="filter-kind" on:change=move |ev| {
                        let value = event_target_value(&ev);
                        filter.update(|f| f.kind = value.parse::<TaskKind>().ok());
                    }>
                        <option value="">{tr(Msg::FilterAny)}</option>
                        {move || choices.get().0.into_iter().map(|k| view! {
                            <option value=k.as_str() selected=move || filter.get().kind == Some(k)>
                                {move || if lang.get() == Lang::Zh { k.label_zh() } else { k.label_en() }}
                            </option>
                        }).collect_view()}
                    </select>
                </label>
                <label>
                    <span>{tr(Msg::FilterDay)}</span>
                    <select data-testid="filter-day" on:change=move |ev| {
                        let value = event_target_value(&ev);
                        filter.update(|f| f.day = value.parse::<NaiveDate>().ok());
                    }>
                        <option value="">{tr(Msg::FilterAny)}</option>
                        {move || choices.get().1.into_iter().map(|d| view! {
                            <option value=d.to_string() selected=move || filter.get().day == Some(d)>
                                {move || day_label(lang.get(), d)}
                            </option>
                        }).collect_view()}
                    </select>
                </label>
                <label>
                    <span>{tr(Msg::FilterDistance)}</span>
                    <select data-testid="filter-distance" on:change=move |ev| {
                        let value = event_target_value(&ev);
                        filter.update(|f| f.within_km = value.parse::<u32>().ok());
                    }>
                        <option value="">{tr(Msg::FilterAny)}</option>
                        {DISTANCE_CHOICES.into_iter().map(|km| view! {
                            <option value=km.to_string()>{move || within_km(lang.get(), km)}</option>
                        }).collect_view()}
                    </select>
                </label>
            </div>
            <p class="form-error" role="alert" data-testid="action-error">{move || error.get()}</p>
            <Show when=move || !list.with(Vec::is_empty) fallback=move || view! {
                <p class="empty">{move || if filter.get() == Filter::default() { tr(Msg::NoOpenTasks)() } else { tr(Msg::NoMatchingTasks)() }}</p>
            }>
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
                                let fit = row.fit.clone();
                                let greyed = fit.as_ref().is_some_and(|f| !f.eligible());
                                view! {
                                    <li class="task" class:greyed=greyed data-testid=testid data-eligible=(!greyed).to_string()>
                                        <div class="task-main">
                                            <A href=format!("/volunteer/task/{}", task.id.as_str()) attr:class="task-title" attr:data-user-text="">{task.title.clone()}</A>
                                            <span class="task-kind">
                                                {move || if lang.get() == Lang::Zh { task.kind.label_zh() } else { task.kind.label_en() }}
                                            </span>
                                            <span class="task-when">{move || when(lang.get(), row.task.start, row.task.end)}</span>
                                            {fit.map(|fit| view! {
                                                <span class="task-fit" data-testid="fit">{move || fit_text(lang.get(), &fit).1}</span>
                                            })}
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

#[cfg(test)]
mod tests {
    use super::*;
    use linli_core::matching::{Reason, Score, ScoreKind, ScoreTerm};

    fn task(kind: TaskKind, day: u32) -> Task {
        let at = |h| {
            NaiveDate::from_ymd_opt(2026, 12, day)
                .and_then(|d| d.and_hms_opt(h, 0, 0))
                .expect("time")
        };
        Task::builder("t", kind, "探访", at(9), at(10))
            .build()
            .expect("task")
    }

    fn fit(distance: Option<Reason>) -> TaskFit {
        TaskFit {
            task: 0,
            ineligible: Vec::new(),
            score: Score {
                total: 0,
                terms: distance
                    .into_iter()
                    .map(|reason| ScoreTerm {
                        kind: ScoreKind::Distance,
                        points: 1,
                        reason,
                    })
                    .collect(),
            },
        }
    }

    #[test]
    fn each_filter_lets_through_only_its_tasks_and_an_unknown_distance_is_not_hidden() {
        let visit = task(TaskKind::HomeVisit, 1);
        let near = fit(Some(Reason::DistanceKm { tenths: 8 }));
        let far = fit(Some(Reason::DistanceKm { tenths: 42 }));
        let same_group = fit(Some(Reason::SameGroup));
        let unknown = fit(None);
        let any = Filter::default();
        assert!(any.lets_through(&visit, &far));
        let kind = Filter {
            kind: Some(TaskKind::HomeworkHelp),
            ..any
        };
        assert!(!kind.lets_through(&visit, &near));
        assert!(kind.lets_through(&task(TaskKind::HomeworkHelp, 1), &near));
        let day = Filter {
            day: NaiveDate::from_ymd_opt(2026, 12, 2),
            ..any
        };
        assert!(!day.lets_through(&visit, &near));
        assert!(day.lets_through(&task(TaskKind::HomeVisit, 2), &near));
        let within_1 = Filter {
            within_km: Some(1),
            ..any
        };
        assert!(within_1.lets_through(&visit, &near));
        assert!(within_1.lets_through(&visit, &same_group));
        assert!(!within_1.lets_through(&visit, &far));
        assert!(within_1.lets_through(&visit, &unknown));
    }
}
