//! Ranking volunteers for one task ([`suggest`]) and the eligible pairs for a batch planner
//! ([`candidate_edges`]).

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::context::{skill_bit, week_start, MatchContext};
use super::eligibility::{evaluate, AllReasons, Passes};
use super::reason::Ineligibility;
use super::score::{features, Score};
use crate::model::{ExceptionKind, Task, TaskStatus, Volunteer, VolunteerId};

/// An eligible volunteer with their explained score.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Candidate {
    pub volunteer: VolunteerId,
    pub score: Score,
}

/// The answer to "who should go?": the best eligible volunteers, and everyone who cannot go
/// with the reasons, so a coordinator sees what would have to change.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suggestions {
    /// At most `k`, best first; equal totals in ascending volunteer id.
    pub candidates: Vec<Candidate>,
    /// Every ineligible volunteer, in input order, each with at least one reason.
    pub ineligible: Vec<(VolunteerId, Vec<Ineligibility>)>,
}

/// The `k` best eligible volunteers for `task` by total score (ties: ascending volunteer id),
/// plus every ineligible one with all their reasons. Eligible volunteers beyond `k` are omitted.
pub fn suggest(
    ctx: &MatchContext<'_>,
    volunteers: &[Volunteer],
    task: &Task,
    k: usize,
) -> Suggestions {
    let t = ctx.task_view(task);
    let mut eligible: Vec<(i64, usize)> = Vec::new();
    let mut ineligible = Vec::new();
    for (i, v) in volunteers.iter().enumerate() {
        let view = ctx.volunteer_view(v);
        let mut reasons = AllReasons::default();
        evaluate(&view, &t, &mut reasons);
        if reasons.0.is_empty() {
            eligible.push((features(ctx, &view, &t).total(), i));
        } else {
            ineligible.push((v.id.clone(), reasons.0));
        }
    }
    let order = |a: &(i64, usize), b: &(i64, usize)| {
        b.0.cmp(&a.0)
            .then_with(|| volunteers[a.1].id.cmp(&volunteers[b.1].id))
            .then_with(|| a.1.cmp(&b.1))
    };
    if eligible.len() > k {
        eligible.select_nth_unstable_by(k, order);
        eligible.truncate(k);
    }
    eligible.sort_unstable_by(order);
    let candidates = eligible
        .into_iter()
        .map(|(_, i)| {
            let v = &volunteers[i];
            Candidate {
                volunteer: v.id.clone(),
                score: features(ctx, &ctx.volunteer_view(v), &t).explain(),
            }
        })
        .collect();
    Suggestions {
        candidates,
        ineligible,
    }
}

/// An allowed (volunteer, task) pair for the batch planner, by index into the slices passed to
/// [`candidate_edges`], with the pair's total score.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CandidateEdge {
    pub volunteer: usize,
    pub task: usize,
    pub score: i64,
}

/// Every (volunteer, task) pair that passes the hard rules given the context's *existing*
/// commitments, i.e. exactly the pairs where [`super::check`] is empty, ordered by task then
/// volunteer index. The planner must itself prevent overlaps among the new assignments and
/// keep each volunteer's new minutes per week within [`remaining_weekly_minutes`] (each task
/// counts wholly towards the week it starts in, see [`week_start`]).
pub fn candidate_edges(
    ctx: &MatchContext<'_>,
    volunteers: &[Volunteer],
    tasks: &[Task],
) -> Vec<CandidateEdge> {
    // Cheap per-volunteer summaries that rule most pairs out without touching the rules.
    struct Pre<'x> {
        view: super::context::VolunteerView<'x>,
        /// Skills with any certificate, valid or not (a required skill outside it is missing).
        skills: u32,
        /// Weekdays (bit 0 = Monday) with weekly free time.
        weekdays: u8,
        /// Has `Extra` exceptions, which can add free time on any weekday.
        extra: bool,
    }
    let pre: Vec<Pre<'_>> = volunteers
        .iter()
        .map(|v| Pre {
            view: ctx.volunteer_view(v),
            skills: v
                .certifications
                .iter()
                .fold(0, |acc, c| acc | skill_bit(c.skill)),
            weekdays: v
                .availability
                .days
                .iter()
                .enumerate()
                .filter(|(_, ranges)| !ranges.is_empty())
                .fold(0, |acc, (i, _)| acc | (1u8 << i)),
            extra: v
                .exceptions
                .iter()
                .any(|e| matches!(e.kind, ExceptionKind::Extra { .. })),
        })
        .collect();

    let mut edges = Vec::new();
    for (ti, task) in tasks.iter().enumerate() {
        if task.status != TaskStatus::Open {
            continue;
        }
        let t = ctx.task_view(task);
        // A task within one day needs free time on that weekday.
        let day_bit = (task.end.date() == task.start.date())
            .then(|| 1u8 << task.start.weekday().num_days_from_monday());
        for (vi, p) in pre.iter().enumerate() {
            if t.required_skills & !p.skills != 0 {
                continue;
            }
            if let Some(bit) = day_bit {
                if p.weekdays & bit == 0 && !p.extra {
                    continue;
                }
            }
            let mut verdict = Passes(true);
            evaluate(&p.view, &t, &mut verdict);
            if verdict.0 {
                edges.push(CandidateEdge {
                    volunteer: vi,
                    task: ti,
                    score: features(ctx, &p.view, &t).total(),
                });
            }
        }
    }
    edges
}

/// Minutes `volunteer` may still take on in the week containing `week` (any day of it; the week
/// is Monday–Sunday): their weekly limit minus existing commitments starting that week.
pub fn remaining_weekly_minutes(
    ctx: &MatchContext<'_>,
    volunteer: &Volunteer,
    week: NaiveDate,
) -> u32 {
    let monday = week_start(week);
    let committed = ctx.facts(&volunteer.id).map_or(0u32, |f| {
        f.booked
            .iter()
            .filter(|b| b.week == monday)
            .fold(0u32, |acc, b| acc.saturating_add(b.minutes))
    });
    volunteer
        .max_hours_per_week
        .saturating_mul(60)
        .saturating_sub(committed)
}
