//! Matching volunteers to one task: hard rules (eligibility) and explained soft scores.
//!
//! * [`check`] lists every hard rule a volunteer fails (skills with valid certificates, free
//!   time, existing commitments, weekly hours, the beneficiary's hard wishes, task open).
//! * [`score`] explains how good a fit is, as integer points per soft rule; the weights are in
//!   [`weights`].
//! * [`suggest`] ranks volunteers for one task; [`candidate_edges`] and
//!   [`remaining_weekly_minutes`] feed the batch planner in [`crate::assign`].
//!
//! Every reason is structured data ([`Reason`], [`Ineligibility`]) with Chinese and English text.
//! All of it reads a [`MatchContext`], built once per planning session.

mod context;
mod eligibility;
mod for_me;
mod reason;
mod score;
mod suggest;
pub mod weights;

#[cfg(test)]
pub(crate) mod fixtures;
#[cfg(test)]
mod tests;

pub use context::{week_start, Commitment, MatchContext, ServiceHistory, VolunteerHistory};
pub use eligibility::{check, is_eligible};
pub use for_me::{rank_for_volunteer, TaskFit};
pub use reason::{Ineligibility, Reason};
pub use score::{score, Score, ScoreKind, ScoreTerm};
pub use suggest::{
    candidate_edges, remaining_weekly_minutes, suggest, Candidate, CandidateEdge, Suggestions,
};
