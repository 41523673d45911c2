//! The hard rules: who may be sent at all. One rule set serves both [`check`] (every reason, for
//! coordinators) and the fast yes/no used when ranking and planning, so the two cannot drift.

use chrono::{NaiveDate, NaiveTime};

use super::context::{MatchContext, TaskView, VolunteerView};
use super::reason::Ineligibility;
use crate::model::{ExceptionKind, Task, TaskStatus, Volunteer};

/// Receives rejections; returns `false` to stop evaluating further rules.
pub(super) trait Verdict {
    fn reject(&mut self, why: impl FnOnce() -> Ineligibility) -> bool;
}

/// Collects every reason.
#[derive(Default)]
pub(super) struct AllReasons(pub Vec<Ineligibility>);

impl Verdict for AllReasons {
    fn reject(&mut self, why: impl FnOnce() -> Ineligibility) -> bool {
        self.0.push(why());
        true
    }
}

/// Stops at the first failure without building a reason (no allocation).
pub(super) struct Passes(pub bool);

impl Verdict for Passes {
    fn reject(&mut self, _why: impl FnOnce() -> Ineligibility) -> bool {
        self.0 = false;
        false
    }
}

/// Runs the hard rules in a fixed order (status, skills, gender, language, availability,
/// commitments, weekly hours), reporting each failure to `out`.
pub(super) fn evaluate(vol: &VolunteerView<'_>, t: &TaskView<'_>, out: &mut impl Verdict) {
    macro_rules! reject {
        ($why:expr) => {
            if !out.reject(|| $why) {
                return;
            }
        };
    }
    let v = vol.volunteer;
    let task = t.task;

    if task.status != TaskStatus::Open {
        reject!(Ineligibility::TaskNotOpen {
            status: task.status
        });
    }

    for (i, &skill) in task.required_skills.iter().enumerate() {
        if task.required_skills[..i].contains(&skill) {
            continue;
        }
        let mut newest_lapsed: Option<NaiveDate> = None;
        let mut valid = false;
        for c in v.certifications.iter().filter(|c| c.skill == skill) {
            if c.is_valid_on(t.date) {
                valid = true;
                break;
            }
            newest_lapsed = newest_lapsed.max(c.expires_on);
        }
        if !valid {
            match newest_lapsed {
                Some(expired_on) => {
                    reject!(Ineligibility::CertificationExpired { skill, expired_on })
                }
                None => reject!(Ineligibility::MissingSkill(skill)),
            }
        }
    }

    if let Some(required) = t.same_gender {
        if required.is_none() || v.gender != required {
            reject!(Ineligibility::GenderPreference { required });
        }
    }

    if let Some(language) = t.hard_language {
        if !v.speaks(language) {
            reject!(Ineligibility::LanguageRequired(language.clone()));
        }
    }

    if !v.is_available(task.start, task.end) {
        match away_during(v, task) {
            Some((date_from, date_to)) => reject!(Ineligibility::Away { date_from, date_to }),
            None => reject!(Ineligibility::Unavailable),
        }
    }

    let mut committed: u32 = 0;
    if let Some(facts) = vol.facts {
        for b in &facts.booked {
            let c = b.commitment;
            if c.task == task.id {
                // Signed up already: neither an overlap nor extra hours, but not a candidate.
                reject!(Ineligibility::AlreadyAssigned);
                continue;
            }
            if c.start < task.end && task.start < c.end {
                reject!(Ineligibility::Overlaps {
                    task: c.task.clone(),
                    start: c.start,
                    end: c.end,
                });
            }
            if b.week == t.week {
                committed = committed.saturating_add(b.minutes);
            }
        }
    }
    let limit = v.max_hours_per_week.saturating_mul(60);
    if committed.saturating_add(t.minutes) > limit {
        reject!(Ineligibility::OverWeeklyHours {
            committed_minutes: committed,
            task_minutes: t.minutes,
            limit_minutes: limit,
        });
    }
}

/// The first `Away` exception touching the task's dates, so "unavailable" can say why.
fn away_during(v: &Volunteer, task: &Task) -> Option<(NaiveDate, NaiveDate)> {
    let first = task.start.date();
    // A task ending at 00:00 does not touch the next day.
    let last = if task.end.time() == NaiveTime::MIN && task.end.date() > first {
        task.end.date().pred_opt().unwrap_or(first)
    } else {
        task.end.date().max(first)
    };
    v.exceptions
        .iter()
        .find(|e| e.kind == ExceptionKind::Away && e.date_from <= last && first <= e.date_to)
        .map(|e| (e.date_from, e.date_to))
}

/// Every hard rule `volunteer` fails for `task`; empty means they may be sent. Considers the
/// context's existing commitments (overlaps, weekly hours).
pub fn check(ctx: &MatchContext<'_>, volunteer: &Volunteer, task: &Task) -> Vec<Ineligibility> {
    let mut out = AllReasons::default();
    evaluate(
        &ctx.volunteer_view(volunteer),
        &ctx.task_view(task),
        &mut out,
    );
    out.0
}

/// `check(..).is_empty()`, without building reasons.
pub fn is_eligible(ctx: &MatchContext<'_>, volunteer: &Volunteer, task: &Task) -> bool {
    let mut out = Passes(true);
    evaluate(
        &ctx.volunteer_view(volunteer),
        &ctx.task_view(task),
        &mut out,
    );
    out.0
}
