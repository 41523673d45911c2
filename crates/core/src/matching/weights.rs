//! Every soft-rule weight, in one place, so that tuning the matcher means editing this file only.
//!
//! Points are integers so the exact solvers downstream (assignment, min-cost flow) stay exact.
//! The scale is anchored on distance: **one point ≈ 50 m less walking**. Every other weight says
//! "how many metres is this worth to a coordinator?", which is how the values below were chosen.
//! Each term is `weight × feature`, with the feature capped so that a single term can never drown
//! all the others; [`MAX_TOTAL`] and [`MIN_TOTAL`] bound any score, which planners need to pick
//! a safe "big M".

/// Points per 100 m that the volunteer lives closer to the task's place (2 ⇒ a neighbouring
/// group ~1.3 km away costs ~26 points). Closer means shorter walks for elders' regular visits
/// and volunteers who actually turn up in the rain.
pub const DISTANCE_POINTS_PER_100M: i64 = 2;

/// Beyond this distance (in tenths of a km: 5 km) being farther no longer matters: the
/// volunteer needs an e-bike or a ride either way, and every group of a village is within it.
pub const DISTANCE_CAP_TENTHS_KM: u32 = 50;

/// Most points distance can give (same group): 100.
pub const DISTANCE_MAX_POINTS: i64 = DISTANCE_POINTS_PER_100M * DISTANCE_CAP_TENTHS_KM as i64;

/// Points per earlier visit to the same beneficiary. Elders open the door to a face they know;
/// four visits (60 points) are worth about 3 km of walking.
pub const CONTINUITY_POINTS_PER_VISIT: i64 = 15;

/// Visits beyond this no longer add points: after four visits the relationship exists, and an
/// uncapped term would hand every visit to the same person forever.
pub const CONTINUITY_MAX_VISITS: u32 = 4;

/// Points per hour the volunteer has given this month *below* the village average (and minus
/// the same per hour above it), so that work is spread out and nobody burns out.
pub const FAIRNESS_POINTS_PER_HOUR: i64 = 5;

/// Hours of difference from the average that count at most (16 h ⇒ ±80 points): enough to
/// favour the idle clearly, without letting fairness override a hard-won elder relationship.
pub const FAIRNESS_CAP_MINUTES: u32 = 16 * 60;

/// Points when the task's kind is one the volunteer said they like: a willing volunteer does
/// better work and stays longer. Worth about 1 km.
pub const PREFERRED_KIND_POINTS: i64 = 20;

/// Points for speaking one of the task's preferred languages (e.g. dialect for a village talk).
/// Small (≈ 750 m): most people follow 普通话 too.
pub const TASK_LANGUAGE_POINTS: i64 = 15;

/// Points for speaking the beneficiary's (soft) preferred language (≈ 2 km). Larger than
/// [`TASK_LANGUAGE_POINTS`]: many old people understand little else, and a visit they cannot
/// follow is of little use.
pub const BENEFICIARY_LANGUAGE_POINTS: i64 = 40;

/// Penalty approached by someone who misses every task. A missed elder visit or an empty
/// class is the worst outcome for a coordinator, so this is the largest negative term.
pub const RELIABILITY_MAX_PENALTY: i64 = 100;

/// Imaginary perfect assignments added to the record before computing the no-show rate, so that
/// one missed task out of one (a cold winter morning) does not brand a newcomer for good:
/// 1 of 1 ⇒ −20, 5 of 10 ⇒ −35, 10 of 10 ⇒ −71.
pub const RELIABILITY_PRIOR_ASSIGNMENTS: u32 = 4;

/// Highest possible total score.
pub const MAX_TOTAL: i64 = DISTANCE_MAX_POINTS
    + CONTINUITY_POINTS_PER_VISIT * CONTINUITY_MAX_VISITS as i64
    + FAIRNESS_POINTS_PER_HOUR * (FAIRNESS_CAP_MINUTES / 60) as i64
    + PREFERRED_KIND_POINTS
    + TASK_LANGUAGE_POINTS
    + BENEFICIARY_LANGUAGE_POINTS;

/// Lowest possible total score (the full above-average fairness penalty plus the full
/// reliability penalty).
pub const MIN_TOTAL: i64 =
    -(FAIRNESS_POINTS_PER_HOUR * (FAIRNESS_CAP_MINUTES / 60) as i64) - RELIABILITY_MAX_PENALTY;
