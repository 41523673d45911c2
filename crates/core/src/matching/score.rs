//! The soft rules: how good an (eligible) volunteer is for a task, as integer points with one
//! explained term per rule. Weights live in [`super::weights`].

use serde::{Deserialize, Serialize};

use super::context::{MatchContext, TaskView, VolunteerView};
use super::reason::Reason;
use super::weights::*;
use crate::model::{Language, Task, TaskKind, Volunteer};

/// Which soft rule a term comes from (for grouping and styling in the app).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScoreKind {
    Distance,
    Continuity,
    Fairness,
    PreferredKind,
    TaskLanguage,
    BeneficiaryLanguage,
    Reliability,
}

/// One rule's contribution: `points` = weight × feature, and the reason to show.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoreTerm {
    pub kind: ScoreKind,
    pub points: i64,
    pub reason: Reason,
}

/// A volunteer's fit for a task: `total` is the sum of the terms' points. Rules that do not apply
/// (never visited, no history) add no term; distance is always listed when both places are known,
/// because coordinators always want to see it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Score {
    pub total: i64,
    pub terms: Vec<ScoreTerm>,
}

impl Score {
    /// How far the task is, in tenths of a km (0 within the volunteer's own group), when both
    /// places are known.
    pub fn distance_tenths(&self) -> Option<u32> {
        self.terms.iter().find_map(|t| match t.reason {
            Reason::SameGroup => Some(0),
            Reason::DistanceKm { tenths } => Some(tenths),
            _ => None,
        })
    }

    /// The reasons in Chinese, joined for a one-line summary ("距离 1.2 公里 · 会说本地方言").
    pub fn summary_zh(&self) -> String {
        self.terms
            .iter()
            .map(|t| t.reason.zh())
            .collect::<Vec<_>>()
            .join(" · ")
    }

    /// The reasons in English, joined for a one-line summary.
    pub fn summary_en(&self) -> String {
        self.terms
            .iter()
            .map(|t| t.reason.en())
            .collect::<Vec<_>>()
            .join(" · ")
    }
}

/// The raw facts behind each term, gathered without allocating; both the total and the
/// explained score are computed from it, so they always agree.
pub(super) struct Features<'x> {
    /// Tenths of a km, and whether it is the same group.
    distance: Option<(u32, bool)>,
    visits: u32,
    elder: bool,
    /// (own minutes this month, village average).
    fairness: Option<(u32, u32)>,
    prefers: Option<TaskKind>,
    task_language: Option<&'x Language>,
    beneficiary_language: Option<&'x Language>,
    /// (no-shows, past assignments).
    reliability: Option<(u32, u32)>,
}

pub(super) fn features<'x>(
    ctx: &MatchContext<'_>,
    vol: &VolunteerView<'x>,
    t: &TaskView<'x>,
) -> Features<'x> {
    let v = vol.volunteer;
    let distance = match (vol.group, t.place) {
        (Some(g), Some(p)) => t.distances.get(g).map(|&d| (d, g == p)),
        _ => None,
    };
    let visits = match (vol.facts, t.beneficiary_key) {
        (Some(f), Some(key)) => f
            .visits
            .iter()
            .find(|(b, _)| *b == key)
            .map_or(0, |&(_, times)| times),
        _ => 0,
    };
    let elder = t.beneficiary.is_some_and(|b| b.flags.elderly);
    let history = vol.facts.and_then(|f| f.history);
    let fairness = ctx
        .average_minutes_this_month()
        .map(|avg| (history.map_or(0, |h| h.minutes_this_month), avg));
    let prefers = v
        .preferred_task_kinds
        .contains(&t.task.kind)
        .then_some(t.task.kind);
    let beneficiary_language = t.soft_language.filter(|l| v.speaks(l));
    // Not rewarded twice for the same language (tasks often copy the beneficiary's preference).
    let task_language = t
        .task
        .preferred_languages
        .iter()
        .find(|l| Some(*l) != beneficiary_language && v.speaks(l));
    let reliability = history
        .filter(|h| h.no_shows > 0)
        // More no-shows than assignments is bad data: count every no-show as an assignment.
        .map(|h| (h.no_shows, h.past_assignments.max(h.no_shows)));
    Features {
        distance,
        visits,
        elder,
        fairness,
        prefers,
        task_language,
        beneficiary_language,
        reliability,
    }
}

fn distance_points(tenths: u32) -> i64 {
    DISTANCE_POINTS_PER_100M
        * i64::from(DISTANCE_CAP_TENTHS_KM - tenths.min(DISTANCE_CAP_TENTHS_KM))
}

fn continuity_points(visits: u32) -> i64 {
    CONTINUITY_POINTS_PER_VISIT * i64::from(visits.min(CONTINUITY_MAX_VISITS))
}

fn fairness_points(own: u32, average: u32) -> i64 {
    let cap = i64::from(FAIRNESS_CAP_MINUTES);
    let below = (i64::from(average) - i64::from(own)).clamp(-cap, cap);
    below * FAIRNESS_POINTS_PER_HOUR / 60
}

fn reliability_points(no_shows: u32, assignments: u32) -> i64 {
    let missed = i64::from(no_shows.min(assignments));
    let seen = i64::from(assignments) + i64::from(RELIABILITY_PRIOR_ASSIGNMENTS);
    -(RELIABILITY_MAX_PENALTY * missed / seen)
}

impl Features<'_> {
    /// The total alone (no allocation), equal to `self.explain().total`.
    pub(super) fn total(&self) -> i64 {
        let mut total = 0;
        if let Some((tenths, _)) = self.distance {
            total += distance_points(tenths);
        }
        total += continuity_points(self.visits);
        if let Some((own, avg)) = self.fairness {
            total += fairness_points(own, avg);
        }
        if self.prefers.is_some() {
            total += PREFERRED_KIND_POINTS;
        }
        if self.task_language.is_some() {
            total += TASK_LANGUAGE_POINTS;
        }
        if self.beneficiary_language.is_some() {
            total += BENEFICIARY_LANGUAGE_POINTS;
        }
        if let Some((no_shows, assignments)) = self.reliability {
            total += reliability_points(no_shows, assignments);
        }
        total
    }

    /// Every applicable term with its reason.
    pub(super) fn explain(&self) -> Score {
        let mut terms = Vec::new();
        let mut push = |kind, points, reason| {
            terms.push(ScoreTerm {
                kind,
                points,
                reason,
            })
        };
        if let Some((tenths, same_group)) = self.distance {
            let reason = if same_group {
                Reason::SameGroup
            } else {
                Reason::DistanceKm { tenths }
            };
            push(ScoreKind::Distance, distance_points(tenths), reason);
        }
        if self.visits > 0 {
            push(
                ScoreKind::Continuity,
                continuity_points(self.visits),
                Reason::VisitedBefore {
                    times: self.visits,
                    elder: self.elder,
                },
            );
        }
        if let Some((minutes, average_minutes)) = self.fairness {
            let points = fairness_points(minutes, average_minutes);
            if points != 0 {
                let reason = if points > 0 {
                    Reason::HoursBelowAverage {
                        minutes,
                        average_minutes,
                    }
                } else {
                    Reason::HoursAboveAverage {
                        minutes,
                        average_minutes,
                    }
                };
                push(ScoreKind::Fairness, points, reason);
            }
        }
        if let Some(kind) = self.prefers {
            push(
                ScoreKind::PreferredKind,
                PREFERRED_KIND_POINTS,
                Reason::PrefersKind(kind),
            );
        }
        if let Some(language) = self.task_language {
            push(
                ScoreKind::TaskLanguage,
                TASK_LANGUAGE_POINTS,
                Reason::SpeaksLanguage(language.clone()),
            );
        }
        if let Some(language) = self.beneficiary_language {
            push(
                ScoreKind::BeneficiaryLanguage,
                BENEFICIARY_LANGUAGE_POINTS,
                Reason::SpeaksPreferredLanguage(language.clone()),
            );
        }
        if let Some((no_shows, assignments)) = self.reliability {
            push(
                ScoreKind::Reliability,
                reliability_points(no_shows, assignments),
                Reason::ReliabilityNoShows {
                    no_shows,
                    assignments,
                },
            );
        }
        Score {
            total: terms.iter().map(|t| t.points).sum(),
            terms,
        }
    }
}

/// How well `volunteer` fits `task`, explained term by term. Scores anyone, eligible or not;
/// only meaningful to compare among eligible volunteers (see [`super::check`]).
pub fn score(ctx: &MatchContext<'_>, volunteer: &Volunteer, task: &Task) -> Score {
    let vol = ctx.volunteer_view(volunteer);
    let t = ctx.task_view(task);
    features(ctx, &vol, &t).explain()
}
