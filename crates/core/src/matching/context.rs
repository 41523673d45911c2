//! What matching needs to know besides the volunteer and the task: the village, the
//! beneficiaries, who is already committed to what, and past service. [`MatchContext::new`]
//! indexes all of it once so that scoring thousands of volunteers is a few hash look-ups each.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, Days, NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use crate::model::{
    distance_km, Beneficiary, BeneficiaryId, Gender, HoursStatus, Language, PreferenceStrength,
    ServiceRecord, Skill, Task, TaskId, Village, Volunteer, VolunteerId,
};

/// A volunteer already signed up for a task. Only the times matter for the hard rules (overlap
/// and weekly hours), so a planner can pass commitments for tasks it does not load.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Commitment {
    pub volunteer: VolunteerId,
    pub task: TaskId,
    /// Local village time, like [`Task::start`].
    pub start: NaiveDateTime,
    pub end: NaiveDateTime,
}

impl Commitment {
    /// `volunteer` signed up for `task`.
    pub fn new(volunteer: VolunteerId, task: &Task) -> Self {
        Self {
            volunteer,
            task: task.id.clone(),
            start: task.start,
            end: task.end,
        }
    }

    /// Length in whole minutes (0 if reversed).
    pub fn minutes(&self) -> u32 {
        span_minutes(self.start, self.end)
    }
}

/// What a volunteer has done before, used by the soft rules (continuity, fairness,
/// reliability). Kept by the server; all counts default to 0.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VolunteerHistory {
    /// Past tasks done for each beneficiary.
    #[serde(default)]
    pub visits: BTreeMap<BeneficiaryId, u32>,
    /// Minutes of service given in the current month.
    #[serde(default)]
    pub minutes_this_month: u32,
    /// Past assignments the volunteer did not turn up for.
    #[serde(default)]
    pub no_shows: u32,
    /// All past assignments (turned up or not).
    #[serde(default)]
    pub past_assignments: u32,
}

/// Past service of the whole village, per volunteer. The fairness average is taken over the
/// volunteers listed here, so list every active volunteer (with zeros for those who gave nothing).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceHistory {
    #[serde(default)]
    pub volunteers: BTreeMap<VolunteerId, VolunteerHistory>,
}

impl ServiceHistory {
    /// The record of `volunteer`, created empty if missing (for building a history).
    pub fn entry(&mut self, volunteer: &VolunteerId) -> &mut VolunteerHistory {
        self.volunteers.entry(volunteer.clone()).or_default()
    }

    /// The history as the village's service records tell it:
    /// - `past_assignments`: records of a volunteer who checked in, plus recorded no-shows;
    /// - `no_shows`: records a coordinator marked as a no-show ([`HoursStatus::NoShow`]);
    /// - `visits`: records that count (not rejected, not a no-show) per beneficiary of the
    ///   task (`task_of` finds the task);
    /// - `minutes_this_month`: the minutes that count ([`ServiceRecord::counted_minutes`]) of
    ///   records in the month of `today` (left at 0 without a `today`).
    ///
    /// Every volunteer in `volunteers` is listed (with zeros if they gave nothing), which the
    /// fairness average needs.
    pub fn from_service_records<'a>(
        volunteers: impl IntoIterator<Item = &'a VolunteerId>,
        records: impl IntoIterator<Item = &'a ServiceRecord>,
        task_of: impl Fn(&TaskId) -> Option<&'a Task>,
        today: Option<NaiveDate>,
    ) -> ServiceHistory {
        let mut history = ServiceHistory::default();
        for volunteer in volunteers {
            history.entry(volunteer);
        }
        for record in records {
            let status = record.hours_status();
            let entry = history.entry(&record.volunteer);
            if status == HoursStatus::NoShow {
                entry.no_shows += 1;
                entry.past_assignments += 1;
                continue;
            }
            if record.check_in.is_none() && !matches!(status, HoursStatus::Approved { .. }) {
                continue; // nothing happened yet (or nothing that counts)
            }
            entry.past_assignments += 1;
            let Some(minutes) = record.counted_minutes() else {
                continue; // rejected
            };
            let task = task_of(&record.task);
            if let Some(beneficiary) = task.and_then(|t| t.beneficiary.clone()) {
                *entry.visits.entry(beneficiary).or_default() += 1;
            }
            // The same day the figures and reports give the record (hours a coordinator set
            // with no check-in count on the task's day).
            let this_month = match (today, record.day(task)) {
                (Some(today), Some(day)) => {
                    (day.year(), day.month()) == (today.year(), today.month())
                }
                _ => false,
            };
            if this_month {
                let minutes = u32::try_from(minutes.max(0)).unwrap_or(u32::MAX);
                entry.minutes_this_month = entry.minutes_this_month.saturating_add(minutes);
            }
        }
        history
    }
}

/// Monday of the ISO week (Mon–Sun, local dates) that contains `date`. Weekly hour limits are
/// counted per such week.
pub fn week_start(date: NaiveDate) -> NaiveDate {
    let back = u64::from(date.weekday().num_days_from_monday());
    date.checked_sub_days(Days::new(back)).unwrap_or(date)
}

pub(crate) fn span_minutes(start: NaiveDateTime, end: NaiveDateTime) -> u32 {
    u32::try_from((end - start).num_minutes().max(0)).unwrap_or(u32::MAX)
}

/// A commitment with its week and length computed once.
#[derive(Clone, Debug)]
pub(super) struct Booked<'a> {
    pub commitment: &'a Commitment,
    /// Monday of the week the commitment *starts* in: each commitment counts wholly towards the
    /// week it starts in, like a new task does.
    pub week: NaiveDate,
    pub minutes: u32,
}

/// Everything indexed about one volunteer id.
#[derive(Clone, Debug, Default)]
pub(super) struct Facts<'a> {
    /// Sorted by start.
    pub booked: Vec<Booked<'a>>,
    pub history: Option<&'a VolunteerHistory>,
    /// (interned beneficiary, visits), visits > 0.
    pub visits: Vec<(u32, u32)>,
}

/// The indexed world a match is made in. Cheap to query, built once per planning session with
/// [`MatchContext::new`]; borrows everything, copies nothing large.
#[derive(Clone, Debug)]
pub struct MatchContext<'a> {
    village: &'a Village,
    history: &'a ServiceHistory,
    groups: HashMap<&'a str, usize>,
    beneficiaries: HashMap<&'a str, &'a Beneficiary>,
    /// Beneficiary ids (from the beneficiary list and the history) → small integers.
    beneficiary_keys: HashMap<&'a str, u32>,
    facts: HashMap<&'a str, Facts<'a>>,
    average_minutes_this_month: Option<u32>,
}

impl<'a> MatchContext<'a> {
    /// Indexes the village's groups, the beneficiaries by id, the commitments and history per
    /// volunteer, and the village's average minutes this month.
    pub fn new(
        village: &'a Village,
        beneficiaries: &'a [Beneficiary],
        commitments: &'a [Commitment],
        history: &'a ServiceHistory,
    ) -> Self {
        let groups = village
            .groups
            .iter()
            .enumerate()
            .map(|(i, g)| (g.id.as_str(), i))
            .collect();
        let beneficiaries_by_id: HashMap<&'a str, &'a Beneficiary> =
            beneficiaries.iter().map(|b| (b.id.as_str(), b)).collect();

        let mut beneficiary_keys: HashMap<&'a str, u32> = HashMap::new();
        let mut intern = |id: &'a str| -> u32 {
            let next = u32::try_from(beneficiary_keys.len()).unwrap_or(u32::MAX);
            *beneficiary_keys.entry(id).or_insert(next)
        };
        for b in beneficiaries {
            intern(b.id.as_str());
        }

        let mut facts: HashMap<&'a str, Facts<'a>> = HashMap::new();
        for c in commitments {
            facts
                .entry(c.volunteer.as_str())
                .or_default()
                .booked
                .push(Booked {
                    commitment: c,
                    week: week_start(c.start.date()),
                    minutes: c.minutes(),
                });
        }
        for f in facts.values_mut() {
            f.booked
                .sort_by_key(|b| (b.commitment.start, b.commitment.end));
        }
        let mut total_minutes: u64 = 0;
        for (id, record) in &history.volunteers {
            total_minutes += u64::from(record.minutes_this_month);
            let f = facts.entry(id.as_str()).or_default();
            f.history = Some(record);
            f.visits = record
                .visits
                .iter()
                .filter(|(_, &times)| times > 0)
                .map(|(b, &times)| (intern(b.as_str()), times))
                .collect();
        }
        let listed = history.volunteers.len() as u64;
        let average_minutes_this_month =
            (listed > 0).then(|| u32::try_from(total_minutes / listed).unwrap_or(u32::MAX));

        Self {
            village,
            history,
            groups,
            beneficiaries: beneficiaries_by_id,
            beneficiary_keys,
            facts,
            average_minutes_this_month,
        }
    }

    /// The village the context was built for.
    pub fn village(&self) -> &'a Village {
        self.village
    }

    /// The history the context was built from.
    pub fn history(&self) -> &'a ServiceHistory {
        self.history
    }

    /// A beneficiary by id, if known.
    pub fn beneficiary(&self, id: &BeneficiaryId) -> Option<&'a Beneficiary> {
        self.beneficiaries.get(id.as_str()).copied()
    }

    /// A volunteer's existing commitments, by start time.
    pub fn commitments_of(
        &self,
        volunteer: &VolunteerId,
    ) -> impl Iterator<Item = &'a Commitment> + '_ {
        self.facts
            .get(volunteer.as_str())
            .into_iter()
            .flat_map(|f| f.booked.iter().map(|b| b.commitment))
    }

    /// Average minutes given this month over the volunteers in the history (`None` if the
    /// history is empty, in which case fairness plays no part).
    pub fn average_minutes_this_month(&self) -> Option<u32> {
        self.average_minutes_this_month
    }

    pub(super) fn facts(&self, volunteer: &VolunteerId) -> Option<&Facts<'a>> {
        self.facts.get(volunteer.as_str())
    }

    /// Per-volunteer data for the rules: one or two hash look-ups, no allocation.
    pub(super) fn volunteer_view<'x>(&'x self, volunteer: &'x Volunteer) -> VolunteerView<'x> {
        VolunteerView {
            volunteer,
            facts: self.facts(&volunteer.id),
            group: self.groups.get(volunteer.group.as_str()).copied(),
        }
    }

    /// Per-task data for the rules, computed once per task.
    pub(super) fn task_view<'x>(&'x self, task: &'x Task) -> TaskView<'x> {
        let beneficiary = task
            .beneficiary
            .as_ref()
            .and_then(|id| self.beneficiary(id));
        let beneficiary_key = task
            .beneficiary
            .as_ref()
            .and_then(|id| self.beneficiary_keys.get(id.as_str()).copied());
        // Where the work happens: the task's group, else the beneficiary's home group.
        let place = task
            .group
            .as_ref()
            .or(beneficiary.map(|b| &b.group))
            .and_then(|g| self.groups.get(g.as_str()).copied());
        let distances = match place.and_then(|p| self.village.groups.get(p)) {
            Some(here) => self
                .village
                .groups
                .iter()
                .map(|g| tenths_of_km(distance_km(here, g)))
                .collect(),
            None => Vec::new(),
        };
        let same_gender = match beneficiary {
            Some(b)
                if task.kind.is_personal_care() && b.preferences.same_gender_for_personal_care =>
            {
                Some(b.gender)
            }
            _ => None,
        };
        let (hard_language, soft_language) =
            match beneficiary.and_then(|b| b.preferences.preferred_language.as_ref()) {
                Some(p) if p.strength == PreferenceStrength::Hard => (Some(&p.language), None),
                Some(p) => (None, Some(&p.language)),
                None => (None, None),
            };
        let mut required_skills = 0u32;
        for &s in &task.required_skills {
            required_skills |= skill_bit(s);
        }
        let date = task.start.date();
        TaskView {
            task,
            date,
            week: week_start(date),
            minutes: span_minutes(task.start, task.end),
            beneficiary,
            beneficiary_key,
            place,
            distances,
            same_gender,
            hard_language,
            soft_language,
            required_skills,
        }
    }
}

/// Rounded to tenths of a km; non-finite distances (bad coordinates) count as far away.
fn tenths_of_km(km: f64) -> u32 {
    let tenths = (km * 10.0).round();
    if tenths.is_finite() && tenths >= 0.0 && tenths < f64::from(u32::MAX) {
        tenths as u32
    } else {
        u32::MAX
    }
}

pub(super) fn skill_bit(skill: Skill) -> u32 {
    1u32 << (skill as u32 % 32)
}

/// A volunteer as the rules see them.
pub(super) struct VolunteerView<'x> {
    pub volunteer: &'x Volunteer,
    pub facts: Option<&'x Facts<'x>>,
    /// Index of their group in the village.
    pub group: Option<usize>,
}

/// A task as the rules see it.
pub(super) struct TaskView<'x> {
    pub task: &'x Task,
    pub date: NaiveDate,
    pub week: NaiveDate,
    pub minutes: u32,
    pub beneficiary: Option<&'x Beneficiary>,
    pub beneficiary_key: Option<u32>,
    /// Index of the group where the task happens.
    pub place: Option<usize>,
    /// Tenths of a km from `place` to every group, by group index (empty without a place).
    pub distances: Vec<u32>,
    /// `Some(gender)` if only volunteers of that gender may go (`Some(None)`: nobody can).
    pub same_gender: Option<Option<Gender>>,
    pub hard_language: Option<&'x Language>,
    pub soft_language: Option<&'x Language>,
    pub required_skills: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weeks_start_on_monday() {
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).expect("date");
        // 2026-12-01 is a Tuesday; its week runs Mon 11-30 .. Sun 12-06.
        assert_eq!(week_start(d(12, 1)), d(11, 30));
        assert_eq!(week_start(d(11, 30)), d(11, 30));
        assert_eq!(week_start(d(12, 6)), d(11, 30));
        assert_eq!(week_start(d(12, 7)), d(12, 7));
    }

    #[test]
    fn history_round_trips_as_plain_json_maps() {
        let mut h = ServiceHistory::default();
        let rec = h.entry(&VolunteerId::numbered(1));
        rec.visits.insert(BeneficiaryId::numbered(2), 3);
        rec.minutes_this_month = 120;
        let json = serde_json::to_string(&h).expect("json");
        assert_eq!(
            json,
            r#"{"volunteers":{"v-0001":{"visits":{"b-0002":3},"minutes_this_month":120,"no_shows":0,"past_assignments":0}}}"#
        );
        let back: ServiceHistory = serde_json::from_str(&json).expect("back");
        assert_eq!(back, h);
        let empty: ServiceHistory = serde_json::from_str("{}").expect("defaults");
        assert_eq!(empty, ServiceHistory::default());
    }
}
