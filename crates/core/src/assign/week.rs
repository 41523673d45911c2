//! The weekly plan in the village's own terms: volunteers, tasks and commitments in, named
//! assignments out. This is the glue between [`crate::matching`] (who may go, and how well they
//! fit) and [`super::plan`] (the numeric solver), and the format `linli-server match` reads.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use super::plan::{
    self, Edge, Instance, PlanError, PlanOptions, TaskSlot, UnfilledReason, VolunteerSlot,
};
use crate::matching::{
    candidate_edges, remaining_weekly_minutes, week_start, Commitment, MatchContext, ServiceHistory,
};
use crate::model::{
    validate_dataset, Beneficiary, Task, TaskId, TaskStatus, ValidationError, Village, Volunteer,
    VolunteerId,
};

/// Everything the planner needs, as stored by the server or held by the coordinator's browser.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatchInput {
    pub village: Village,
    pub volunteers: Vec<Volunteer>,
    #[serde(default)]
    pub beneficiaries: Vec<Beneficiary>,
    /// The tasks to fill. Tasks that are not open are ignored.
    pub tasks: Vec<Task>,
    /// Existing sign-ups and assignments, of these tasks or any other. A commitment to one of
    /// `tasks` takes one of its places.
    #[serde(default)]
    pub commitments: Vec<Commitment>,
    #[serde(default)]
    pub history: ServiceHistory,
}

impl From<crate::demo::DemoVillage> for MatchInput {
    /// A demo village as a planning instance: no commitments or history yet.
    fn from(demo: crate::demo::DemoVillage) -> Self {
        MatchInput {
            village: demo.village,
            volunteers: demo.volunteers,
            beneficiaries: demo.beneficiaries,
            tasks: demo.tasks,
            commitments: Vec::new(),
            history: ServiceHistory::default(),
        }
    }
}

/// One new assignment the plan proposes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedAssignment {
    pub task: TaskId,
    pub volunteer: VolunteerId,
    /// The match score of this pair (see `matching::score` for its explanation).
    pub score: i64,
}

/// A task that keeps open places, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnfilledTask {
    pub task: TaskId,
    pub places_left: u32,
    /// Volunteers still missing to reach the task's minimum (0 when reached).
    pub below_minimum_by: u32,
    pub reason: UnfilledReason,
}

/// The proposed plan: what a coordinator previews and then applies as assign mutations.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeeklyPlan {
    /// Sorted by task, then volunteer.
    pub assignments: Vec<PlannedAssignment>,
    /// Places filled by the plan.
    pub filled: u32,
    /// Places that were open before planning.
    pub open_places: u32,
    /// Sum of the planned pairs' scores.
    pub total_score: i64,
    /// The convex load cost that spreads work out (net score = total_score − fairness_cost).
    pub fairness_cost: i64,
    /// True when the plan is proven optimal for every week it covers.
    pub exact: bool,
    pub unfilled: Vec<UnfilledTask>,
}

#[derive(Debug, thiserror::Error)]
pub enum WeekPlanError {
    #[error("invalid input: {0}")]
    Invalid(#[from] ValidationError),
    #[error("the planner rejected the instance: {0}")]
    Plan(#[from] PlanError),
}

fn minutes_since_epoch(t: NaiveDateTime) -> i64 {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .unwrap_or_default();
    (t - epoch).num_minutes()
}

/// Plans every open task of `input`. Weekly hour limits are per ISO week, so tasks are planned
/// week by week in date order, each week seeing the previous weeks' planned assignments as
/// commitments. Within a week, a volunteer's prior load for fairness is the minutes they are
/// already committed to that week (the monthly balance is part of the match score).
pub fn plan_week(input: &MatchInput, options: &PlanOptions) -> Result<WeeklyPlan, WeekPlanError> {
    validate_dataset(
        &input.village,
        &input.volunteers,
        &input.beneficiaries,
        &input.tasks,
    )?;
    let mut weeks: BTreeMap<NaiveDate, Vec<&Task>> = BTreeMap::new();
    for task in input.tasks.iter().filter(|t| t.status == TaskStatus::Open) {
        weeks
            .entry(week_start(task.start.date()))
            .or_default()
            .push(task);
    }
    let mut commitments = input.commitments.clone();
    let mut result = WeeklyPlan {
        assignments: Vec::new(),
        filled: 0,
        open_places: 0,
        total_score: 0,
        fairness_cost: 0,
        exact: true,
        unfilled: Vec::new(),
    };
    for (monday, tasks) in weeks {
        let tasks: Vec<Task> = tasks.into_iter().cloned().collect();
        let ctx = MatchContext::new(
            &input.village,
            &input.beneficiaries,
            &commitments,
            &input.history,
        );
        let instance = instance_for_week(&ctx, input, &commitments, &tasks, monday);
        let plan = plan::solve(&instance, options)?;
        result.open_places += instance.tasks.iter().map(|t| t.places).sum::<u32>();
        result.filled += plan.objective.filled;
        result.total_score += plan.total_score;
        result.fairness_cost += plan.fairness_cost;
        result.exact &= plan.exact;
        for a in &plan.assignments {
            let task = &tasks[a.task];
            let volunteer = &input.volunteers[a.volunteer];
            result.assignments.push(PlannedAssignment {
                task: task.id.clone(),
                volunteer: volunteer.id.clone(),
                score: a.score,
            });
            commitments.push(Commitment::new(volunteer.id.clone(), task));
        }
        result
            .unfilled
            .extend(plan.unfilled.iter().map(|u| UnfilledTask {
                task: tasks[u.task].id.clone(),
                places_left: u.places_left,
                below_minimum_by: u.below_minimum_by,
                reason: u.reason,
            }));
    }
    result
        .assignments
        .sort_by(|a, b| (&a.task, &a.volunteer).cmp(&(&b.task, &b.volunteer)));
    Ok(result)
}

fn instance_for_week(
    ctx: &MatchContext<'_>,
    input: &MatchInput,
    commitments: &[Commitment],
    tasks: &[Task],
    monday: NaiveDate,
) -> Instance {
    let mut confirmed: BTreeMap<&TaskId, u32> = BTreeMap::new();
    for c in commitments {
        *confirmed.entry(&c.task).or_default() += 1;
    }
    let mut committed_this_week: BTreeMap<&VolunteerId, u32> = BTreeMap::new();
    for c in commitments
        .iter()
        .filter(|c| week_start(c.start.date()) == monday)
    {
        *committed_this_week.entry(&c.volunteer).or_default() += c.minutes();
    }
    let volunteers = input
        .volunteers
        .iter()
        .map(|v| VolunteerSlot {
            id: v.id.as_str().to_owned(),
            remaining_minutes: remaining_weekly_minutes(ctx, v, monday),
            load_minutes: committed_this_week.get(&v.id).copied().unwrap_or(0),
        })
        .collect();
    let task_slots = tasks
        .iter()
        .map(|t| {
            let taken = confirmed.get(&t.id).copied().unwrap_or(0);
            TaskSlot {
                id: t.id.as_str().to_owned(),
                start: minutes_since_epoch(t.start),
                end: minutes_since_epoch(t.end),
                places: t.volunteers_max.saturating_sub(taken),
                min_places: t.volunteers_min.saturating_sub(taken),
            }
        })
        .collect();
    let edges = candidate_edges(ctx, &input.volunteers, tasks)
        .into_iter()
        .map(|e| Edge {
            volunteer: e.volunteer,
            task: e.task,
            score: e.score,
        })
        .collect();
    Instance {
        volunteers,
        tasks: task_slots,
        edges,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::{generate, DemoParams};
    use crate::matching::check;

    fn small_week(seed: u64) -> MatchInput {
        MatchInput::from(generate(&DemoParams {
            seed,
            volunteers: 60,
            beneficiaries: 30,
            days: 14,
            groups: 4,
            tasks_per_day: Some(6),
            ..DemoParams::village()
        }))
    }

    /// Applies the plan as commitments one by one; each must pass every hard rule given the
    /// ones before it (skills, availability, overlaps, weekly hours) and never over-fill a task.
    fn assert_plan_respects_rules(input: &MatchInput, plan: &WeeklyPlan) {
        let mut commitments = input.commitments.clone();
        for a in &plan.assignments {
            let task = input.tasks.iter().find(|t| t.id == a.task).expect("task");
            let volunteer = input
                .volunteers
                .iter()
                .find(|v| v.id == a.volunteer)
                .expect("volunteer");
            let ctx = MatchContext::new(
                &input.village,
                &input.beneficiaries,
                &commitments,
                &input.history,
            );
            let reasons = check(&ctx, volunteer, task);
            assert!(
                reasons.is_empty(),
                "{} on {}: {reasons:?}",
                a.volunteer,
                a.task
            );
            let taken = commitments.iter().filter(|c| c.task == task.id).count() as u32;
            assert!(taken < task.volunteers_max, "{} over-filled", task.id);
            commitments.push(Commitment::new(volunteer.id.clone(), task));
        }
    }

    #[test]
    fn a_two_week_plan_breaks_no_rule_and_is_deterministic() {
        let input = small_week(7);
        let plan = plan_week(&input, &PlanOptions::default()).expect("plan");
        assert!(plan.filled > 0);
        assert_eq!(plan.filled as usize, plan.assignments.len());
        assert_plan_respects_rules(&input, &plan);
        let unfilled: u32 = plan.unfilled.iter().map(|u| u.places_left).sum();
        assert_eq!(plan.filled + unfilled, plan.open_places);
        assert_eq!(
            plan_week(&input, &PlanOptions::default()).expect("again"),
            plan
        );
    }

    #[test]
    fn existing_commitments_take_places_and_hours() {
        let mut input = small_week(11);
        let task = input.tasks[0].clone();
        // Fill the first task completely beforehand: the plan must not add anyone to it.
        for v in input.volunteers.iter().take(task.volunteers_max as usize) {
            input.commitments.push(Commitment::new(v.id.clone(), &task));
        }
        let plan = plan_week(&input, &PlanOptions::default()).expect("plan");
        assert!(plan.assignments.iter().all(|a| a.task != task.id));
        assert_plan_respects_rules(&input, &plan);
    }

    #[test]
    fn impossible_input_is_rejected_with_a_typed_error() {
        let mut input = small_week(3);
        input.tasks[0].end = input.tasks[0].start;
        let err = plan_week(&input, &PlanOptions::default()).expect_err("must fail");
        assert!(
            matches!(
                err,
                WeekPlanError::Invalid(ValidationError::EndBeforeStart { .. })
            ),
            "{err:?}"
        );
    }
}
