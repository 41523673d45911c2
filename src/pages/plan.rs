//! The weekly plan: the core's batch assignment over the open tasks of one week, computed in
//! the browser (it works offline), previewed as a diff (who goes where, what stays unfilled and
//! why, each volunteer's load before and after, how evenly work is spread), then applied as one
//! set of assign mutations, or discarded.

use std::collections::HashMap;

use leptos::prelude::*;
use linli_core::assign::{plan_week, preview, MatchInput, PlanOptions, PlanPreview, WeeklyPlan};
use linli_core::matching::{week_start, Commitment};
use linli_core::model::{NaiveDate, Task, TaskStatus};
use linli_core::sync::{MemoryStore, Mutation, Record, SignupStatus};

use crate::app::{tr, Shell};
use crate::i18n::{assignments_applied, day_label, hours_text, places_filled, when, Lang, Msg};
use crate::pages::beneficiaries::{register, village};
use crate::pages::coordinator::{CoordinatorNav, CoordinatorOnly};
use crate::sync::SyncEngine;

/// Everything the matching needs, from a coordinator's copy: every task, every confirmed place
/// on a task that was not cancelled as a commitment, and the village's past service as the
/// service records tell it (recorded no-shows lower a volunteer's reliability, this month's
/// hours feed fairness). `today` is the village's date: it decides "this month".
pub fn match_input(view: &MemoryStore, today: NaiveDate) -> Option<MatchInput> {
    let village = village(view)?;
    let mut volunteers = Vec::new();
    let mut tasks = Vec::new();
    let mut confirmed = Vec::new();
    for (_, record) in view.records() {
        match record {
            Record::Volunteer(v) => volunteers.push(v.clone()),
            Record::Task(t) => tasks.push(t.clone()),
            Record::Signup(s) if s.status == SignupStatus::Confirmed => confirmed.push(s.clone()),
            _ => {}
        }
    }
    let by_id: HashMap<_, _> = tasks.iter().map(|t: &Task| (t.id.clone(), t)).collect();
    let commitments = confirmed
        .iter()
        .filter_map(|s| {
            let task = by_id.get(&s.task)?;
            (task.status != TaskStatus::Cancelled)
                .then(|| Commitment::new(s.volunteer.clone(), task))
        })
        .collect();
    Some(MatchInput {
        village,
        volunteers,
        beneficiaries: register(view),
        tasks,
        commitments,
        history: view.service_history(Some(today)),
    })
}

/// The Mondays of the weeks that have open tasks.
pub fn weeks_with_open_tasks(input: &MatchInput) -> Vec<NaiveDate> {
    let mut weeks: Vec<NaiveDate> = input
        .tasks
        .iter()
        .filter(|t| t.status == TaskStatus::Open)
        .map(|t| week_start(t.start.date()))
        .collect();
    weeks.sort();
    weeks.dedup();
    weeks
}

/// The plan of one week and its preview.
pub fn plan_for_week(
    mut input: MatchInput,
    monday: NaiveDate,
) -> Result<(MatchInput, WeeklyPlan, PlanPreview), String> {
    input
        .tasks
        .retain(|t| t.status == TaskStatus::Open && week_start(t.start.date()) == monday);
    let plan = plan_week(&input, &PlanOptions::default()).map_err(|e| e.to_string())?;
    let preview = preview(&input, &plan, monday);
    Ok((input, plan, preview))
}

/// The assign mutations that apply a plan.
pub fn apply_mutations(plan: &WeeklyPlan) -> Vec<Mutation> {
    plan.assignments
        .iter()
        .map(|a| Mutation::Assign {
            task: a.task.clone(),
            volunteer: a.volunteer.clone(),
        })
        .collect()
}

#[derive(Clone)]
struct Computed {
    input: MatchInput,
    plan: WeeklyPlan,
    preview: PlanPreview,
    /// Milliseconds the plan took in this browser (shown, and read by the benchmark).
    millis: f64,
}

#[component]
pub fn Plan() -> impl IntoView {
    view! { <CoordinatorOnly><PlanView/></CoordinatorOnly> }
}

#[component]
fn PlanView() -> impl IntoView {
    let engine = expect_context::<SyncEngine>();
    let lang = expect_context::<Shell>().lang;
    let weeks = Memo::new(move |_| {
        engine.view.with(|v| {
            match_input(v, crate::clock::village_now(v).date())
                .map(|i| weeks_with_open_tasks(&i))
                .unwrap_or_default()
        })
    });
    let chosen = RwSignal::new(None::<NaiveDate>);
    let computed = RwSignal::new(None::<Computed>);
    let error = RwSignal::new(None::<String>);
    let applied = RwSignal::new(None::<String>);

    let compute = move |_| {
        applied.set(None);
        error.set(None);
        let Some(monday) = chosen
            .get_untracked()
            .or_else(|| weeks.get_untracked().first().copied())
        else {
            return;
        };
        let started = js_sys::Date::now();
        let Some(input) = engine
            .view
            .with_untracked(|v| match_input(v, crate::clock::village_now(v).date()))
        else {
            return;
        };
        match plan_for_week(input, monday) {
            Ok((input, plan, preview)) => computed.set(Some(Computed {
                input,
                plan,
                preview,
                millis: js_sys::Date::now() - started,
            })),
            Err(e) => error.set(Some(e)),
        }
    };
    let apply = move |_| {
        let Some(c) = computed.get_untracked() else {
            return;
        };
        let results = engine.mutate_all(apply_mutations(&c.plan));
        let refused = results.iter().filter(|r| r.is_err()).count();
        applied.set(Some(assignments_applied(
            lang.get_untracked(),
            results.len() - refused,
            refused,
        )));
        computed.set(None);
    };

    view! {
        <section class="area coordinator wide">
            <CoordinatorNav/>
            <h1>{tr(Msg::PlanTitle)}</h1>
            <div class="filters">
                <label>
                    <span>{tr(Msg::PlanWeek)}</span>
                    <select data-testid="plan-week" on:change=move |ev| {
                        chosen.set(event_target_value(&ev).parse().ok());
                        computed.set(None);
                    }>
                        {move || weeks.get().into_iter().map(|w| view! {
                            <option value=w.to_string()>{move || day_label(lang.get(), w)}</option>
                        }).collect_view()}
                    </select>
                </label>
            </div>
            <div class="actions">
                <button type="button" class="primary" data-testid="plan-compute" on:click=compute>{tr(Msg::PlanCompute)}</button>
            </div>
            <p class="form-error" role="alert">{move || error.get()}</p>
            <p class="form-status" role="status" data-testid="plan-applied">{move || applied.get()}</p>
            {move || computed.get().map(|c| view! { <PlanPreviewView computed=c apply=apply discard=move |_| computed.set(None)/> })}
            {move || (computed.with(Option::is_none) && weeks.with(Vec::is_empty)).then(|| view! { <p class="empty">{tr(Msg::PlanNothing)}</p> })}
        </section>
    }
}

#[component]
fn PlanPreviewView(
    computed: Computed,
    apply: impl Fn(leptos::ev::MouseEvent) + 'static,
    discard: impl Fn(leptos::ev::MouseEvent) + 'static,
) -> impl IntoView {
    let lang = expect_context::<Shell>().lang;
    let Computed {
        input,
        plan,
        preview,
        millis,
    } = computed;
    let tasks: HashMap<_, _> = input
        .tasks
        .iter()
        .map(|t| (t.id.clone(), t.clone()))
        .collect();
    let names: HashMap<_, _> = input
        .volunteers
        .iter()
        .map(|v| (v.id.clone(), v.name.clone()))
        .collect();
    let (filled, open) = (plan.filled, plan.open_places);
    let exact = plan.exact;
    let (before, after) = (preview.before, preview.after);
    let rows = plan
        .assignments
        .iter()
        .map(|a| {
            let task = tasks.get(&a.task).cloned();
            let name = names.get(&a.volunteer).cloned().unwrap_or_default();
            let score = a.score;
            view! {
                <tr data-testid="plan-row" data-task=a.task.as_str().to_owned() data-volunteer=a.volunteer.as_str().to_owned()>
                    <td data-user-text="">{task.as_ref().map(|t| t.title.clone())}</td>
                    <td>{move || task.as_ref().map(|t| when(lang.get(), t.start, t.end))}</td>
                    <td data-user-text="">{name}</td>
                    <td>{score}</td>
                </tr>
            }
        })
        .collect_view();
    let unfilled = plan
        .unfilled
        .iter()
        .map(|u| {
            let title = tasks
                .get(&u.task)
                .map(|t| t.title.clone())
                .unwrap_or_default();
            let reason = u.reason;
            let left = u.places_left;
            view! {
                <li data-testid="plan-unfilled">
                    <span data-user-text="">{title}</span>
                    " · " {left} " · "
                    {move || if lang.get() == Lang::Zh { reason.zh() } else { reason.en() }}
                </li>
            }
        })
        .collect_view();
    let loads = preview
        .loads
        .iter()
        .map(|l| {
            let name = names.get(&l.volunteer).cloned().unwrap_or_default();
            let (b, a, limit) = (l.before_minutes, l.after_minutes, l.limit_minutes);
            view! {
                <tr data-testid="plan-load">
                    <td data-user-text="">{name}</td>
                    <td>{move || format!("{} → {} / {}", hours_text(lang.get(), b.into()), hours_text(lang.get(), a.into()), hours_text(lang.get(), limit.into()))}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="plan-preview" data-testid="plan-preview" data-millis=format!("{millis:.1}")>
            <p data-testid="plan-summary">
                {move || places_filled(lang.get(), filled, open)} " · "
                {move || if exact { tr(Msg::PlanExact)() } else { tr(Msg::PlanHeuristic)() }}
            </p>
            <p data-testid="plan-fairness">
                {tr(Msg::PlanFairness)} ": "
                {move || format!(
                    "{} → {}; {:.1} → {:.1} min; {} → {}",
                    hours_text(lang.get(), before.max_minutes.into()),
                    hours_text(lang.get(), after.max_minutes.into()),
                    before.std_dev_minutes,
                    after.std_dev_minutes,
                    before.busy,
                    after.busy
                )}
            </p>
            <div class="actions">
                <button type="button" class="primary" data-testid="plan-apply" on:click=apply>{tr(Msg::PlanApply)}</button>
                <button type="button" class="secondary" data-testid="plan-discard" on:click=discard>{tr(Msg::PlanDiscard)}</button>
            </div>
            <h2>{tr(Msg::PlanAssignments)}</h2>
            <table class="plan">
                <thead><tr>
                    <th scope="col">{tr(Msg::TaskColumn)}</th>
                    <th scope="col">{tr(Msg::TimeColumn)}</th>
                    <th scope="col">{tr(Msg::VolunteerColumn)}</th>
                    <th scope="col">{tr(Msg::ScoreColumn)}</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
            <h2>{tr(Msg::PlanUnfilled)}</h2>
            <ul class="unfilled">{unfilled}</ul>
            <h2>{tr(Msg::PlanLoads)}</h2>
            <table class="loads"><tbody>{loads}</tbody></table>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use linli_core::demo::{generate, DemoParams};
    use linli_core::sync::{apply, Actor, Role};

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 1).expect("date")
    }

    fn coordinator_copy() -> (MemoryStore, Actor) {
        let demo = generate(&DemoParams::village());
        let actor = Actor {
            village: demo.village.id.clone(),
            role: Role::Coordinator("c-1".into()),
        };
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
        (view, actor)
    }

    #[test]
    fn an_applied_plan_is_accepted_by_the_rules_whole() {
        let (mut view, actor) = coordinator_copy();
        let input = match_input(&view, today()).expect("input");
        let weeks = weeks_with_open_tasks(&input);
        let (_, plan, preview) = plan_for_week(input, weeks[0]).expect("plan");
        assert!(plan.filled > 0);
        assert!(preview
            .loads
            .iter()
            .all(|l| l.after_minutes <= l.limit_minutes));
        // The same rules the server runs accept every assignment of the plan, in order.
        for mutation in apply_mutations(&plan) {
            apply(&mutation, &actor, &mut view).expect("the rules accept the plan");
        }
        // Planning the same week again finds nothing more for those volunteers to take twice.
        let again = match_input(&view, today()).expect("input");
        let (_, second, _) = plan_for_week(again, weeks[0]).expect("plan");
        for a in &second.assignments {
            assert!(!plan
                .assignments
                .iter()
                .any(|p| p.task == a.task && p.volunteer == a.volunteer));
        }
    }
}
