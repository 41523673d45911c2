//! What a coordinator checks before applying a weekly plan: each volunteer's load before and
//! after, against their limit, and how evenly the week's work is spread.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::matching::week_start;
use crate::model::{NaiveDate, TaskId, VolunteerId};

use super::week::{MatchInput, WeeklyPlan};

/// One volunteer's minutes in the planned week.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VolunteerLoad {
    pub volunteer: VolunteerId,
    pub before_minutes: u32,
    pub after_minutes: u32,
    pub limit_minutes: u32,
}

/// The spread of weekly minutes over the volunteers who can give time at all (a non-empty
/// availability), before and after the plan. Lower is fairer.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Spread {
    pub max_minutes: u32,
    /// Standard deviation, in minutes.
    pub std_dev_minutes: f64,
    /// How many of them have any work this week.
    pub busy: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlanPreview {
    /// The week (its Monday).
    pub week: NaiveDate,
    /// Volunteers whose load the plan changes, most loaded after the plan first.
    pub loads: Vec<VolunteerLoad>,
    pub before: Spread,
    pub after: Spread,
}

fn spread(minutes: &[u32]) -> Spread {
    let n = minutes.len().max(1) as f64;
    let mean = minutes.iter().map(|&m| f64::from(m)).sum::<f64>() / n;
    let var = minutes
        .iter()
        .map(|&m| (f64::from(m) - mean).powi(2))
        .sum::<f64>()
        / n;
    Spread {
        max_minutes: minutes.iter().copied().max().unwrap_or(0),
        std_dev_minutes: var.sqrt(),
        busy: minutes.iter().filter(|&&m| m > 0).count() as u32,
    }
}

/// The loads of the week starting on `week`'s Monday.
pub fn preview(input: &MatchInput, plan: &WeeklyPlan, week: NaiveDate) -> PlanPreview {
    let monday = week_start(week);
    let in_week = |start: crate::model::NaiveDateTime| week_start(start.date()) == monday;
    let mut before: BTreeMap<&VolunteerId, u32> = BTreeMap::new();
    for c in input.commitments.iter().filter(|c| in_week(c.start)) {
        *before.entry(&c.volunteer).or_default() += c.minutes();
    }
    let tasks: BTreeMap<&TaskId, &crate::model::Task> =
        input.tasks.iter().map(|t| (&t.id, t)).collect();
    let mut after = before.clone();
    for a in &plan.assignments {
        if let Some(task) = tasks.get(&a.task).filter(|t| in_week(t.start)) {
            *after.entry(&a.volunteer).or_default() += task.duration_minutes().max(0) as u32;
        }
    }
    let active: Vec<&crate::model::Volunteer> = input
        .volunteers
        .iter()
        .filter(|v| !v.availability.is_empty())
        .collect();
    let of = |map: &BTreeMap<&VolunteerId, u32>| -> Vec<u32> {
        active
            .iter()
            .map(|v| map.get(&v.id).copied().unwrap_or(0))
            .collect()
    };
    let mut loads: Vec<VolunteerLoad> = input
        .volunteers
        .iter()
        .filter_map(|v| {
            let b = before.get(&v.id).copied().unwrap_or(0);
            let a = after.get(&v.id).copied().unwrap_or(0);
            (a != b).then(|| VolunteerLoad {
                volunteer: v.id.clone(),
                before_minutes: b,
                after_minutes: a,
                limit_minutes: v.max_hours_per_week * 60,
            })
        })
        .collect();
    loads.sort_by(|x, y| {
        y.after_minutes
            .cmp(&x.after_minutes)
            .then_with(|| x.volunteer.cmp(&y.volunteer))
    });
    PlanPreview {
        week: monday,
        loads,
        before: spread(&of(&before)),
        after: spread(&of(&after)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assign::{plan_week, PlanOptions};
    use crate::demo::{generate, DemoParams};
    use crate::model::TaskStatus;

    #[test]
    fn the_preview_of_a_demo_week_keeps_everyone_within_their_hours_and_never_double_books() {
        let demo = generate(&DemoParams::village());
        let monday = week_start(demo.tasks[0].start.date());
        let mut input = MatchInput::from(demo);
        input
            .tasks
            .retain(|t| t.status == TaskStatus::Open && week_start(t.start.date()) == monday);
        let plan = plan_week(&input, &PlanOptions::default()).expect("plan");
        assert!(plan.filled > 0);
        let p = preview(&input, &plan, monday);
        assert_eq!(p.week, monday);
        assert!(!p.loads.is_empty());
        for load in &p.loads {
            assert!(load.after_minutes <= load.limit_minutes, "{load:?}");
            assert!(load.after_minutes > load.before_minutes);
        }
        let planned: u32 = p
            .loads
            .iter()
            .map(|l| l.after_minutes - l.before_minutes)
            .sum();
        let expected: i64 = plan
            .assignments
            .iter()
            .map(|a| {
                input
                    .tasks
                    .iter()
                    .find(|t| t.id == a.task)
                    .map(|t| t.duration_minutes())
                    .unwrap_or(0)
            })
            .sum();
        assert_eq!(i64::from(planned), expected);
        assert!(p.after.busy > p.before.busy);
        assert_eq!(p.before.max_minutes, 0);
        // No volunteer holds two overlapping planned tasks.
        for (i, a) in plan.assignments.iter().enumerate() {
            let ta = input.tasks.iter().find(|t| t.id == a.task).expect("task");
            for b in &plan.assignments[i + 1..] {
                if a.volunteer != b.volunteer {
                    continue;
                }
                let tb = input.tasks.iter().find(|t| t.id == b.task).expect("task");
                assert!(ta.end <= tb.start || tb.end <= ta.start, "{a:?} {b:?}");
            }
        }
    }
}
