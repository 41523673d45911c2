//! Public figures: what a village publishes about its volunteer service to anyone with its link,
//! without an account. Hours by task kind and by village group, how many elders were visited,
//! how many elders living alone a heat-wave check reached, how many volunteers served; for a
//! month and for its calendar year.
//!
//! Only aggregates ever leave this module: [`PublicFigures`] has no field that can hold a name,
//! a phone number, an id of a person or a note. Two rules keep the aggregates from pointing at
//! someone:
//!
//! - **Whose group.** Hours are counted under the village group of the *volunteer* who served,
//!   not of the beneficiary. The hours are the volunteers' contribution (what a group's
//!   volunteers gave); many tasks have no beneficiary at all (classes, the service window); and
//!   a group's figure then describes a set of volunteers, whose size is what the small-group
//!   rule below counts. A beneficiary-side breakdown would describe care received by a handful
//!   of named-in-the-village elders, which is more sensitive and not asked for.
//! - **The small-group rule** ([`MIN_GROUP_SIZE`] = 5), for every breakdown (by group and by
//!   kind), applied by [`publishable`]:
//!   1. a row is shown on its own only if at least 5 distinct volunteers' hours are in it;
//!   2. every smaller row (and hours of volunteers whose group is unknown) is merged into one
//!      "other" bucket;
//!   3. if that bucket is not empty but has fewer than 5 distinct volunteers, it could be
//!      worked out by subtracting the shown rows from the period's total. So the smallest shown
//!      row (fewest volunteers, then fewest minutes) is merged into it too, and again, until the
//!      bucket has at least 5 volunteers or no row is left;
//!   4. a bucket that still has fewer than 5 volunteers (then no row is shown at all) is not
//!      published: the breakdown says `withheld` and only the period's totals remain.
//!
//!   So within one answer, total − Σ(shown rows) is always either zero or the "other" bucket,
//!   which has at least 5 volunteers. What the rule does not cover: comparing answers (the
//!   same year read on two days, or a month and its year): a live statistic cannot stop that
//!   without adding noise, and the year is a whole calendar year (not "up to the chosen
//!   month") precisely so that choosing another month never changes it.
//!
//! Hours count only service records that [`counted_minutes`] accepts: the one place that
//! decides, so "completed" can become "completed and approved" in one line.
//!
//! A record's day is decided by [`ServiceRecord::day`], as for the reports and the
//! coordinator's approvals: the check-in's date by the volunteer's phone, which is village local
//! time (a visit checked in at 23:30 on 31 December counts in December and in that year, however
//! late it ends), else the task's start date (hours a coordinator set by hand for someone who
//! never checked in).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::model::{
    Beneficiary, BeneficiaryId, ServiceRecord, Task, TaskId, TaskKind, Village, VillageGroupId,
    Volunteer, VolunteerId,
};
use crate::sync::Record;

/// A breakdown's row is shown on its own only with at least this many distinct volunteers.
pub const MIN_GROUP_SIZE: usize = 5;

/// The minutes a service record contributes to any total, or `None` when it does not count.
///
/// A coordinator's review decides once there is one: the approved (or adjusted) minutes, none
/// for a rejected record or a no-show. Before any review, a completed visit (check-in and
/// check-out) counts by the phone's clock, so this month's figures are not empty while the
/// coordinator has yet to review it (a negative span, which the rules refuse anyway, never
/// counts). Figures and reports all ask this one function.
pub fn counted_minutes(record: &ServiceRecord) -> Option<i64> {
    record.counted_minutes().filter(|minutes| *minutes >= 0)
}

// ---------------------------------------------------------------------------------------------
// Months and periods

/// A calendar month, written `YYYY-MM` (years 0000–9999), as the `month` query parameter and in
/// JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct YearMonth {
    /// Always the first of the month.
    first: NaiveDate,
}

/// Why a `YYYY-MM` text is not a month.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("not a month: {0:?} (expected YYYY-MM, e.g. 2026-12)")]
pub struct MonthError(pub String);

impl YearMonth {
    /// `None` unless `0 <= year <= 9999` (four digits) and `1 <= month <= 12`.
    pub fn new(year: i32, month: u32) -> Option<YearMonth> {
        if !(0..=9999).contains(&year) {
            return None;
        }
        NaiveDate::from_ymd_opt(year, month, 1).map(|first| YearMonth { first })
    }

    /// The month `date` falls in.
    pub fn of(date: NaiveDate) -> YearMonth {
        YearMonth {
            first: date.with_day(1).unwrap_or(date),
        }
    }

    /// The village's month at the instant `unix_seconds` (the caller reads the clock: core never
    /// does); `None` out of range. At 16:30 UTC on 31 December it is already January in China.
    pub fn in_village_at(village: &Village, unix_seconds: i64) -> Option<YearMonth> {
        let local = village.local_time_of_unix(unix_seconds)?;
        Some(YearMonth::of(local.date()))
    }

    pub fn year(self) -> i32 {
        self.first.year()
    }

    /// 1..=12.
    pub fn month(self) -> u32 {
        self.first.month()
    }

    pub fn first_day(self) -> NaiveDate {
        self.first
    }

    pub fn last_day(self) -> NaiveDate {
        self.first
            .checked_add_months(Months::new(1))
            .and_then(|next| next.pred_opt())
            .unwrap_or(self.first)
    }

    /// The month after; 9999-12 has none and stays.
    pub fn next(self) -> YearMonth {
        let (year, month) = match self.month() {
            12 => (self.year() + 1, 1),
            m => (self.year(), m + 1),
        };
        YearMonth::new(year, month).unwrap_or(self)
    }

    /// The month before; 0000-01 has none and stays.
    pub fn previous(self) -> YearMonth {
        let (year, month) = match self.month() {
            1 => (self.year() - 1, 12),
            m => (self.year(), m - 1),
        };
        YearMonth::new(year, month).unwrap_or(self)
    }
}

impl fmt::Display for YearMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year(), self.month())
    }
}

impl FromStr for YearMonth {
    type Err = MonthError;

    /// Exactly `YYYY-MM`: four digits, a dash, two digits.
    fn from_str(text: &str) -> Result<YearMonth, MonthError> {
        let bad = || MonthError(text.chars().take(20).collect());
        let (year, month) = text.split_once('-').ok_or_else(bad)?;
        let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(year, 4) || !digits(month, 2) {
            return Err(bad());
        }
        let year: i32 = year.parse().map_err(|_| bad())?;
        let month: u32 = month.parse().map_err(|_| bad())?;
        YearMonth::new(year, month).ok_or_else(bad)
    }
}

impl Serialize for YearMonth {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for YearMonth {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// Days from `from` to `to`, both included.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Period {
    pub fn new(from: NaiveDate, to: NaiveDate) -> Period {
        Period { from, to }
    }

    pub fn month(month: YearMonth) -> Period {
        Period::new(month.first_day(), month.last_day())
    }

    /// The whole calendar year of `month`.
    pub fn year_of(month: YearMonth) -> Period {
        let first = YearMonth::new(month.year(), 1).unwrap_or(month);
        let last = YearMonth::new(month.year(), 12).unwrap_or(month);
        Period::new(first.first_day(), last.last_day())
    }

    /// From 1 January to the end of `month`: a monthly report's "year so far".
    pub fn year_to_end_of(month: YearMonth) -> Period {
        let first = YearMonth::new(month.year(), 1).unwrap_or(month);
        Period::new(first.first_day(), month.last_day())
    }

    pub fn contains(&self, date: NaiveDate) -> bool {
        (self.from..=self.to).contains(&date)
    }
}

// ---------------------------------------------------------------------------------------------
// The records figures and reports read

/// A village's records as figures and reports read them: the server loads them from storage,
/// the coordinator's browser takes them from its local copy. Beneficiaries' private parts are
/// not needed (and not read).
#[derive(Clone, Debug, PartialEq)]
pub struct VillageData {
    pub village: Village,
    pub volunteers: Vec<Volunteer>,
    pub beneficiaries: Vec<Beneficiary>,
    pub tasks: Vec<Task>,
    pub services: Vec<ServiceRecord>,
}

impl VillageData {
    /// Sorts synced records by kind (others are ignored); `None` without the village record.
    pub fn from_records(records: impl IntoIterator<Item = Record>) -> Option<VillageData> {
        let mut village = None;
        let (mut volunteers, mut beneficiaries, mut tasks, mut services) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for record in records {
            match record {
                Record::Village(v) => village = Some(v),
                Record::Volunteer(v) => volunteers.push(v),
                Record::Beneficiary(b) => beneficiaries.push(b),
                Record::Task(t) => tasks.push(t),
                Record::Service(s) => services.push(s),
                _ => {}
            }
        }
        Some(VillageData {
            village: village?,
            volunteers,
            beneficiaries,
            tasks,
            services,
        })
    }
}

/// Look-ups by id over [`VillageData`], built once per computation.
pub(crate) struct Index<'a> {
    pub(crate) data: &'a VillageData,
    volunteers: BTreeMap<&'a VolunteerId, &'a Volunteer>,
    beneficiaries: BTreeMap<&'a BeneficiaryId, &'a Beneficiary>,
    tasks: BTreeMap<&'a TaskId, &'a Task>,
}

impl<'a> Index<'a> {
    pub(crate) fn new(data: &'a VillageData) -> Index<'a> {
        Index {
            data,
            volunteers: data.volunteers.iter().map(|v| (&v.id, v)).collect(),
            beneficiaries: data.beneficiaries.iter().map(|b| (&b.id, b)).collect(),
            tasks: data.tasks.iter().map(|t| (&t.id, t)).collect(),
        }
    }

    pub(crate) fn volunteer(&self, id: &VolunteerId) -> Option<&'a Volunteer> {
        self.volunteers.get(id).copied()
    }

    pub(crate) fn task(&self, id: &TaskId) -> Option<&'a Task> {
        self.tasks.get(id).copied()
    }

    /// The beneficiary of a record's task, if it has one and both are known.
    pub(crate) fn beneficiary_of(&self, record: &ServiceRecord) -> Option<&'a Beneficiary> {
        let id = self.task(&record.task)?.beneficiary.as_ref()?;
        self.beneficiaries.get(id).copied()
    }

    /// The village group a volunteer lives in, if both are known to the village.
    pub(crate) fn group_of(&self, volunteer: &VolunteerId) -> Option<&'a VillageGroupId> {
        let group = &self.volunteer(volunteer)?.group;
        self.data.village.group(group).map(|g| &g.id)
    }

    /// The day a record belongs to ([`ServiceRecord::day`], with its task if known).
    pub(crate) fn day_of(&self, record: &ServiceRecord) -> Option<NaiveDate> {
        record.day(self.task(&record.task))
    }

    /// The records that count, whose day is within `period`, with their minutes.
    pub(crate) fn counted_in(
        &self,
        period: Period,
    ) -> impl Iterator<Item = (&'a ServiceRecord, i64)> + '_ {
        self.data.services.iter().filter_map(move |record| {
            let minutes = counted_minutes(record)?;
            period
                .contains(self.day_of(record)?)
                .then_some((record, minutes))
        })
    }
}

// ---------------------------------------------------------------------------------------------
// What is published

/// The village's figures for a month and its calendar year. Serialised as the public
/// `GET /api/v1/villages/{id}/figures` answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublicFigures {
    /// The village's name, for the page's heading.
    pub village_name: String,
    pub month: YearMonth,
    /// The small-group rule's threshold, so a reader knows what "other" means.
    pub min_group_size: u32,
    pub of_month: PeriodFigures,
    /// The whole calendar year of `month` (for the current year: so far).
    pub of_year: PeriodFigures,
}

/// Aggregates over one period.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeriodFigures {
    pub period: Period,
    /// Minutes of service that count ([`counted_minutes`]).
    pub minutes: i64,
    /// Service records that count.
    pub services: u32,
    /// Distinct volunteers with at least one service that counts.
    pub volunteers: u32,
    /// Distinct beneficiaries marked elderly whose task had a service that counts.
    pub elders_visited: u32,
    pub heat_wave: HeatWaveCoverage,
    pub by_kind: Breakdown<KindRow>,
    /// By the village group of the volunteer who served.
    pub by_group: Breakdown<GroupRow>,
}

/// How far heat-wave checks reached the elders living alone.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeatWaveCoverage {
    /// Beneficiaries marked both elderly and living alone (独居老人), in the register now.
    pub elders_living_alone: u32,
    /// How many of them had a heat-wave check that counts in the period.
    pub visited: u32,
    /// Heat-wave check services that count in the period, for anyone (0: no heat-wave campaign
    /// ran, so the coverage is "not applicable" rather than 0 %).
    pub checks: u32,
}

/// One breakdown after the small-group rule: the rows shown on their own, in display order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Breakdown<R> {
    pub rows: Vec<R>,
    /// Everything not shown on its own, merged; present only with at least
    /// [`MIN_GROUP_SIZE`] volunteers in it.
    pub other: Option<OtherRow>,
    /// True when some hours of the period are in no row and in no "other" (they came from
    /// fewer than [`MIN_GROUP_SIZE`] volunteers in all): only the totals include them.
    pub withheld: bool,
}

/// Hours of one task kind.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KindRow {
    pub kind: TaskKind,
    pub minutes: i64,
    pub services: u32,
    pub volunteers: u32,
}

/// Hours given by the volunteers of one village group.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupRow {
    pub group: VillageGroupId,
    /// The group's name, e.g. "第三村民小组".
    pub name: String,
    pub minutes: i64,
    pub services: u32,
    pub volunteers: u32,
}

/// The merged small rows of a breakdown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OtherRow {
    /// How many rows (kinds or groups, counting "group unknown" as one) were merged.
    pub merged: u32,
    pub minutes: i64,
    pub services: u32,
    pub volunteers: u32,
}

impl PublicFigures {
    /// The figures for `month` and for its whole calendar year.
    pub fn compute(data: &VillageData, month: YearMonth) -> PublicFigures {
        let index = Index::new(data);
        PublicFigures {
            village_name: data.village.name.clone(),
            month,
            min_group_size: MIN_GROUP_SIZE as u32,
            of_month: period_figures_with(&index, Period::month(month)),
            of_year: period_figures_with(&index, Period::year_of(month)),
        }
    }
}

/// The figures for any period (the monthly report uses "the year up to this month").
pub fn period_figures(data: &VillageData, period: Period) -> PeriodFigures {
    period_figures_with(&Index::new(data), period)
}

/// Hours, services and the distinct volunteers behind them.
#[derive(Clone, Debug, Default)]
struct Tally<'a> {
    minutes: i64,
    services: u32,
    people: BTreeSet<&'a VolunteerId>,
}

impl<'a> Tally<'a> {
    fn add(&mut self, record: &'a ServiceRecord, minutes: i64) {
        self.minutes += minutes;
        self.services += 1;
        self.people.insert(&record.volunteer);
    }

    fn absorb(&mut self, other: Tally<'a>) {
        self.minutes += other.minutes;
        self.services += other.services;
        self.people.extend(other.people);
    }

    fn is_empty(&self) -> bool {
        self.services == 0
    }

    fn volunteers(&self) -> u32 {
        count(self.people.len())
    }
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn period_figures_with(index: &Index<'_>, period: Period) -> PeriodFigures {
    let mut total = Tally::default();
    let mut by_kind: BTreeMap<TaskKind, Tally> = BTreeMap::new();
    // `None`: the volunteer or their group is unknown to the village (always merged).
    let mut by_group: BTreeMap<Option<&VillageGroupId>, Tally> = BTreeMap::new();
    let mut elders = BTreeSet::new();
    let mut heat_wave_reached = BTreeSet::new();
    let mut heat_wave_checks = 0u32;
    for (record, minutes) in index.counted_in(period) {
        total.add(record, minutes);
        by_kind.entry(record.kind).or_default().add(record, minutes);
        by_group
            .entry(index.group_of(&record.volunteer))
            .or_default()
            .add(record, minutes);
        let beneficiary = index.beneficiary_of(record);
        if let Some(b) = beneficiary.filter(|b| b.flags.elderly) {
            elders.insert(&b.id);
        }
        if record.kind == TaskKind::HeatWaveCheck {
            heat_wave_checks += 1;
            if let Some(b) = beneficiary.filter(|b| lives_alone(b)) {
                heat_wave_reached.insert(&b.id);
            }
        }
    }
    let living_alone = index
        .data
        .beneficiaries
        .iter()
        .filter(|b| lives_alone(b))
        .count();

    // Kinds: the biggest first, for a chart that reads from the top.
    let mut kind_rows = publishable(by_kind.into_iter().map(|(k, t)| (Some(k), t)).collect());
    kind_rows
        .shown
        .sort_by(|(ka, a), (kb, b)| b.minutes.cmp(&a.minutes).then(ka.cmp(kb)));
    let by_kind = kind_rows.into_breakdown(|kind, t| KindRow {
        kind,
        minutes: t.minutes,
        services: t.services,
        volunteers: t.volunteers(),
    });

    // Groups: in the village's own order, so people find theirs.
    let village = &index.data.village;
    let order = |g: &VillageGroupId| village.groups.iter().position(|x| &x.id == g);
    let mut group_rows = publishable(by_group.into_iter().collect());
    group_rows.shown.sort_by_key(|(g, _)| order(g));
    let by_group = group_rows.into_breakdown(|group: &VillageGroupId, t| GroupRow {
        name: village
            .group(group)
            .map(|g| g.name.clone())
            .unwrap_or_default(),
        group: group.clone(),
        minutes: t.minutes,
        services: t.services,
        volunteers: t.volunteers(),
    });

    PeriodFigures {
        period,
        minutes: total.minutes,
        services: total.services,
        volunteers: total.volunteers(),
        elders_visited: count(elders.len()),
        heat_wave: HeatWaveCoverage {
            elders_living_alone: count(living_alone),
            visited: count(heat_wave_reached.len()),
            checks: heat_wave_checks,
        },
        by_kind,
        by_group,
    }
}

/// 独居老人: the people a heat-wave campaign is for.
fn lives_alone(b: &Beneficiary) -> bool {
    b.flags.elderly && b.flags.lives_alone
}

/// A breakdown after the small-group rule, before its rows are given their public shape.
struct Published<'a, K> {
    shown: Vec<(K, Tally<'a>)>,
    other: Tally<'a>,
    merged: u32,
}

/// The small-group rule (see the module's documentation): which rows are shown on their own,
/// what is merged, and whether the merged rest may be shown. A `None` key (unknown group) is
/// always merged. Deterministic: ties go by the rows' order in `rows`.
fn publishable<K>(rows: Vec<(Option<K>, Tally<'_>)>) -> Published<'_, K> {
    let mut shown = Vec::new();
    let mut other = Tally::default();
    let mut merged = 0u32;
    for (key, tally) in rows {
        match key {
            Some(key) if tally.people.len() >= MIN_GROUP_SIZE => shown.push((key, tally)),
            _ => {
                other.absorb(tally);
                merged += 1;
            }
        }
    }
    // A small "other" would be total − Σ shown: merge the smallest shown rows until it is not.
    while !other.is_empty() && other.people.len() < MIN_GROUP_SIZE {
        let smallest = shown
            .iter()
            .enumerate()
            .min_by_key(|(_, (_, t))| (t.people.len(), t.minutes))
            .map(|(i, _)| i);
        let Some(i) = smallest else {
            break;
        };
        let (_, tally) = shown.remove(i);
        // Distinct volunteers may overlap (one person serving in two kinds): the union counts.
        other.absorb(tally);
        merged += 1;
    }
    Published {
        shown,
        other,
        merged,
    }
}

impl<'a, K> Published<'a, K> {
    fn into_breakdown<R>(self, row: impl Fn(K, &Tally<'a>) -> R) -> Breakdown<R> {
        let other_may_show = self.other.people.len() >= MIN_GROUP_SIZE;
        Breakdown {
            rows: self.shown.into_iter().map(|(k, t)| row(k, &t)).collect(),
            other: (!self.other.is_empty() && other_may_show).then(|| OtherRow {
                merged: self.merged,
                minutes: self.other.minutes,
                services: self.other.services,
                volunteers: self.other.volunteers(),
            }),
            withheld: !self.other.is_empty() && !other_may_show,
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::model::{BeneficiaryFlags, ClockReading};
    use chrono::NaiveDateTime;

    // The matching tests' fixtures are kept in step with the model by whoever changes it.
    use crate::matching::fixtures;

    /// Four groups, "第1村民小组" .. "第4村民小组".
    pub(crate) fn village() -> Village {
        fixtures::village()
    }

    pub(crate) fn volunteer(n: u32, group: u32) -> Volunteer {
        let mut v = fixtures::volunteer(n);
        v.phone = format!("1390000{n:04}");
        v.group = VillageGroupId::numbered(group);
        v
    }

    pub(crate) fn elder(n: u32, alone: bool) -> Beneficiary {
        let mut b = fixtures::elder();
        b.id = BeneficiaryId::numbered(n);
        b.name = format!("老人{n}");
        b.flags = BeneficiaryFlags {
            elderly: true,
            lives_alone: alone,
            ..Default::default()
        };
        b
    }

    pub(crate) fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, mo, d)
            .and_then(|d| d.and_hms_opt(h, mi, 0))
            .expect("time")
    }

    /// A task (id `t-<n>`) of `kind` at `start`, for `beneficiary` if given.
    pub(crate) fn task(n: u32, kind: TaskKind, start: NaiveDateTime, b: Option<u32>) -> Task {
        let mut builder = Task::builder(
            TaskId::numbered(n),
            kind,
            kind.label_zh(),
            start,
            start + chrono::TimeDelta::hours(1),
        )
        .capacity(1, 20);
        if let Some(b) = b {
            builder = builder.beneficiary(BeneficiaryId::numbered(b));
        }
        builder.build().expect("task")
    }

    /// Volunteer `v` served `minutes` on `task`, checking in at `start`.
    pub(crate) fn served(
        task: &Task,
        v: u32,
        start: NaiveDateTime,
        minutes: Option<i64>,
    ) -> ServiceRecord {
        let mut r = ServiceRecord::new(task.id.clone(), VolunteerId::numbered(v), task.kind);
        r.check_in = Some(ClockReading {
            device: start,
            received: None,
        });
        r.check_out = minutes.map(|m| ClockReading {
            device: start + chrono::TimeDelta::minutes(m),
            received: None,
        });
        r
    }

    fn december() -> YearMonth {
        YearMonth::new(2026, 12).expect("month")
    }

    /// Group 1: volunteers 1–6; group 2: 7–8; group 3: 9–11 (v-11 serves nothing); group 4: 12–16.
    fn data() -> VillageData {
        let group_of = |n: u32| match n {
            1..=6 => 1,
            7..=8 => 2,
            9..=11 => 3,
            _ => 4,
        };
        VillageData {
            village: village(),
            volunteers: (1..=16).map(|n| volunteer(n, group_of(n))).collect(),
            beneficiaries: vec![elder(1, true), elder(2, true), elder(3, false), {
                let mut child = elder(4, false);
                child.flags = BeneficiaryFlags {
                    left_behind_child: true,
                    ..Default::default()
                };
                child
            }],
            tasks: Vec::new(),
            services: Vec::new(),
        }
    }

    #[test]
    fn months_parse_strictly_and_know_their_days() {
        let m: YearMonth = "2026-02".parse().expect("month");
        assert_eq!((m.year(), m.month()), (2026, 2));
        assert_eq!(
            m.last_day(),
            NaiveDate::from_ymd_opt(2026, 2, 28).expect("d")
        );
        assert_eq!(m.to_string(), "2026-02");
        assert_eq!(december().next().to_string(), "2027-01");
        assert_eq!(december().next().previous(), december());
        let last: YearMonth = "9999-12".parse().expect("month");
        assert_eq!(
            (last.next(), last.last_day().to_string()),
            (last, "9999-12-31".into())
        );
        let first: YearMonth = "0000-01".parse().expect("month");
        assert_eq!(first.previous(), first);
        for bad in [
            "2026-13",
            "2026-00",
            "2026-1",
            "26-01",
            "2026/01",
            "",
            "２０２６-01",
            "+026-01",
        ] {
            assert!(bad.parse::<YearMonth>().is_err(), "{bad}");
        }
        assert_eq!(
            serde_json::to_string(&december()).expect("json"),
            "\"2026-12\""
        );
        let back: YearMonth = serde_json::from_str("\"2026-12\"").expect("json");
        assert_eq!(back, december());
        assert!(serde_json::from_str::<YearMonth>("\"2026-12-01\"").is_err());
    }

    #[test]
    fn the_current_month_is_the_village_s_not_utc_s() {
        let v = village();
        let month_at = |utc: NaiveDateTime| {
            YearMonth::in_village_at(&v, utc.and_utc().timestamp())
                .expect("in range")
                .to_string()
        };
        // 16:30 UTC on New Year's Eve is 00:30 on 1 January in UTC+8.
        assert_eq!(month_at(at(2026, 12, 31, 16, 30)), "2027-01");
        assert_eq!(month_at(at(2026, 12, 31, 15, 59)), "2026-12");
        assert_eq!(YearMonth::in_village_at(&v, i64::MAX), None);
    }

    #[test]
    fn totals_kinds_groups_elders_and_volunteers_are_counted_from_completed_records() {
        let mut d = data();
        let visit = task(1, TaskKind::HomeVisit, at(2026, 12, 3, 9, 0), Some(1));
        let class = task(2, TaskKind::SmartphoneClass, at(2026, 12, 4, 19, 0), None);
        let homework = task(3, TaskKind::HomeworkHelp, at(2026, 12, 5, 16, 0), Some(4));
        let visit_3 = task(4, TaskKind::HomeVisit, at(2026, 12, 6, 9, 0), Some(3));
        let start = |t: &Task| t.start;
        // Group 1's six volunteers: a 60-minute visit each (v-1..v-6) to elder 1.
        for v in 1..=6 {
            d.services.push(served(&visit, v, start(&visit), Some(60)));
        }
        // Group 4's five volunteers: 90 minutes of class each.
        for v in 12..=16 {
            d.services.push(served(&class, v, start(&class), Some(90)));
        }
        // v-1 also helps with homework (a child, not an elder): 30 minutes.
        d.services
            .push(served(&homework, 1, start(&homework), Some(30)));
        // Not completed: checked in, never out. Counts nowhere.
        d.services.push(served(&visit_3, 7, start(&visit_3), None));
        d.tasks = vec![visit, class, homework, visit_3];

        let f = PublicFigures::compute(&d, december());
        let m = &f.of_month;
        assert_eq!(f.village_name, "青溪村");
        assert_eq!(m.minutes, 6 * 60 + 5 * 90 + 30);
        assert_eq!(m.services, 12);
        assert_eq!(m.volunteers, 11);
        assert_eq!(
            m.elders_visited, 1,
            "elder 3's visit is not complete; 4 is a child"
        );
        let kinds: Vec<(TaskKind, i64, u32)> = m
            .by_kind
            .rows
            .iter()
            .map(|r| (r.kind, r.minutes, r.volunteers))
            .collect();
        // Homework help (1 volunteer) is below 5; merged alone it would be total − rows, so
        // the smallest shown row (the class: 5 volunteers) joins it: 6 people in "other".
        assert_eq!(kinds, vec![(TaskKind::HomeVisit, 360, 6)]);
        assert_eq!(
            m.by_kind.other,
            Some(OtherRow {
                merged: 2,
                minutes: 480,
                services: 6,
                volunteers: 6
            })
        );
        assert!(!m.by_kind.withheld);
        let groups: Vec<(&str, i64, u32)> = m
            .by_group
            .rows
            .iter()
            .map(|r| (r.name.as_str(), r.minutes, r.volunteers))
            .collect();
        assert_eq!(
            groups,
            vec![("第1村民小组", 390, 6), ("第4村民小组", 450, 5)]
        );
        assert_eq!(m.by_group.other, None);
        assert_eq!(f.of_year.minutes, m.minutes, "all in the same year");
    }

    #[test]
    fn a_small_group_is_merged_and_never_derivable_by_subtraction() {
        let mut d = data();
        let class = task(1, TaskKind::SmartphoneClass, at(2026, 12, 4, 19, 0), None);
        // Group 1: six volunteers, group 2: two volunteers (7, 8), group 4: five (12..=16).
        for v in (1..=6).chain(7..=8).chain(12..=16) {
            d.services.push(served(&class, v, class.start, Some(60)));
        }
        d.tasks = vec![class];
        let m = PublicFigures::compute(&d, december()).of_month;
        assert_eq!(m.volunteers, 13);
        // Group 2 alone (2 people) would be total − (group 1 + group 4). So the smallest shown
        // group (group 4: 5 people) is merged too: "other" = groups 2 and 4, 7 people.
        let shown: Vec<&str> = m.by_group.rows.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(shown, vec!["第1村民小组"]);
        let other = m.by_group.other.clone().expect("an other bucket of 7");
        assert_eq!((other.merged, other.volunteers, other.minutes), (2, 7, 420));
        // Whatever is subtracted from the total leaves at least five people's hours.
        let shown_minutes: i64 = m.by_group.rows.iter().map(|r| r.minutes).sum();
        assert_eq!(m.minutes - shown_minutes, other.minutes);
        assert!(other.volunteers as usize >= MIN_GROUP_SIZE);
        // Nothing in the JSON names group 2 on its own.
        let json = serde_json::to_string(&m).expect("json");
        assert!(
            !json.contains("第2村民小组") && !json.contains("g-0002"),
            "{json}"
        );
    }

    #[test]
    fn when_even_everything_merged_is_too_small_only_the_totals_remain() {
        let mut d = data();
        let class = task(1, TaskKind::SmartphoneClass, at(2026, 12, 4, 19, 0), None);
        let visit = task(2, TaskKind::HomeVisit, at(2026, 12, 5, 9, 0), Some(1));
        for v in [1, 2, 7] {
            d.services.push(served(&class, v, class.start, Some(45)));
        }
        d.services.push(served(&visit, 9, visit.start, Some(30)));
        d.tasks = vec![class, visit];
        let m = PublicFigures::compute(&d, december()).of_month;
        assert_eq!((m.minutes, m.volunteers), (165, 4));
        for withheld in [m.by_group.withheld, m.by_kind.withheld] {
            assert!(withheld);
        }
        assert!(m.by_group.rows.is_empty() && m.by_group.other.is_none());
        assert!(m.by_kind.rows.is_empty() && m.by_kind.other.is_none());
        // An empty month withholds nothing: there is nothing.
        let empty = PublicFigures::compute(&d, december().next()).of_month;
        assert_eq!((empty.minutes, empty.by_group.withheld), (0, false));
    }

    #[test]
    fn volunteers_of_unknown_groups_are_only_ever_merged() {
        let mut d = data();
        let class = task(1, TaskKind::SmartphoneClass, at(2026, 12, 4, 19, 0), None);
        // Five volunteers the register no longer has, and group 1's six.
        for v in (1..=6).chain(101..=105) {
            d.services.push(served(&class, v, class.start, Some(60)));
        }
        d.tasks = vec![class];
        let m = PublicFigures::compute(&d, december()).of_month;
        assert_eq!(m.by_group.rows.len(), 1);
        let other = m.by_group.other.expect("unknown, as other");
        assert_eq!((other.merged, other.volunteers), (1, 5));
    }

    #[test]
    fn months_and_years_split_by_the_check_in_s_local_date() {
        let mut d = data();
        let eve = task(
            1,
            TaskKind::HospitalEscort,
            at(2026, 12, 31, 23, 0),
            Some(1),
        );
        let new_year = task(2, TaskKind::HomeVisit, at(2027, 1, 1, 0, 10), Some(2));
        let november = task(3, TaskKind::HomeVisit, at(2026, 11, 30, 23, 59), Some(3));
        // Checked in at 23:30 on the 31st, out at 01:30 on the 1st: all of it is December's.
        d.services
            .push(served(&eve, 1, at(2026, 12, 31, 23, 30), Some(120)));
        d.services
            .push(served(&new_year, 2, at(2027, 1, 1, 0, 10), Some(50)));
        d.services
            .push(served(&november, 3, at(2026, 11, 30, 23, 59), Some(20)));
        d.tasks = vec![eve, new_year, november];
        let dec = PublicFigures::compute(&d, december());
        assert_eq!(dec.of_month.minutes, 120);
        assert_eq!(dec.of_month.period.from.to_string(), "2026-12-01");
        assert_eq!(dec.of_month.period.to.to_string(), "2026-12-31");
        assert_eq!(dec.of_year.minutes, 140, "November and December 2026");
        assert_eq!(dec.of_year.period.from.to_string(), "2026-01-01");
        assert_eq!(dec.of_year.period.to.to_string(), "2026-12-31");
        let jan = PublicFigures::compute(&d, december().next());
        assert_eq!((jan.of_month.minutes, jan.of_year.minutes), (50, 50));
        let nov = PublicFigures::compute(&d, december().previous());
        assert_eq!(nov.of_month.minutes, 20);
        assert_eq!(
            nov.of_year, dec.of_year,
            "choosing a month never changes its year"
        );
        // The report's "year so far" stops at the end of the month.
        let so_far = period_figures(&d, Period::year_to_end_of(december().previous()));
        assert_eq!(so_far.minutes, 20);
    }

    /// A coordinator's review of `record`'s hours.
    fn reviewed(
        mut record: ServiceRecord,
        action: crate::model::ReviewAction,
        minutes: Option<i64>,
    ) -> ServiceRecord {
        record.reviews.push(crate::model::Review {
            action,
            minutes,
            reason: "忘记签到，电话核实".into(),
            by: "c-0001".into(),
            received: Some(1_796_000_000),
        });
        record
    }

    #[test]
    fn hours_set_by_hand_without_a_check_in_count_on_the_task_s_day() {
        use crate::model::ReviewAction;
        let mut d = data();
        // The task starts at 23:00 on 30 November; nobody checked in (a forgotten check-in).
        let visit = task(1, TaskKind::HomeVisit, at(2026, 11, 30, 23, 0), Some(1));
        let class = task(2, TaskKind::SmartphoneClass, at(2026, 11, 10, 19, 0), None);
        let never_checked_in =
            |v| ServiceRecord::new(visit.id.clone(), VolunteerId::numbered(v), visit.kind);
        // Set by hand to 50 minutes: counts, in November, with the adjusted minutes.
        d.services.push(reviewed(
            never_checked_in(1),
            ReviewAction::Adjusted,
            Some(50),
        ));
        // Adjusted first, then rejected: the latest review decides, so it does not count.
        let adjusted_then_rejected =
            reviewed(never_checked_in(2), ReviewAction::Adjusted, Some(40));
        d.services.push(reviewed(
            adjusted_then_rejected,
            ReviewAction::Rejected,
            None,
        ));
        // Checked in and out (75 minutes by the phone), then rejected: does not count.
        let rejected = reviewed(
            served(&class, 3, class.start, Some(75)),
            ReviewAction::Rejected,
            None,
        );
        d.services.push(rejected);
        // A no-show: no check-in, no hours.
        d.services
            .push(reviewed(never_checked_in(4), ReviewAction::NoShow, None));
        // Without its task (deleted, or not in this copy) there is no day to count it on.
        let orphan = ServiceRecord::new(
            TaskId::numbered(99),
            VolunteerId::numbered(5),
            TaskKind::HomeVisit,
        );
        d.services
            .push(reviewed(orphan, ReviewAction::Adjusted, Some(30)));
        d.tasks = vec![visit, class];

        let november = PublicFigures::compute(&d, december().previous());
        let m = &november.of_month;
        assert_eq!((m.minutes, m.services, m.volunteers), (50, 1, 1));
        assert_eq!(m.elders_visited, 1, "the adjusted visit reached elder 1");
        assert_eq!(november.of_year.minutes, 50);
        let dec = PublicFigures::compute(&d, december()).of_month;
        assert_eq!(
            dec.minutes, 0,
            "the task's day, not the day it was reviewed"
        );
        // The same record, the same day, in the monthly report's "year so far".
        let so_far = period_figures(&d, Period::year_to_end_of(december().previous()));
        assert_eq!(so_far.minutes, 50);
    }

    #[test]
    fn heat_wave_coverage_is_elders_living_alone_checked_over_all_of_them() {
        let mut d = data();
        // Elders 1 and 2 live alone; 3 does not; 4 is a child.
        let check_1 = task(1, TaskKind::HeatWaveCheck, at(2026, 7, 20, 9, 0), Some(1));
        let check_1_again = task(2, TaskKind::HeatWaveCheck, at(2026, 7, 22, 9, 0), Some(1));
        let check_3 = task(3, TaskKind::HeatWaveCheck, at(2026, 7, 20, 10, 0), Some(3));
        let check_2_unfinished = task(4, TaskKind::HeatWaveCheck, at(2026, 7, 20, 11, 0), Some(2));
        let visit_2 = task(5, TaskKind::HomeVisit, at(2026, 7, 21, 9, 0), Some(2));
        for t in [&check_1, &check_1_again, &check_3, &visit_2] {
            d.services.push(served(t, 1, t.start, Some(30)));
        }
        d.services.push(served(
            &check_2_unfinished,
            2,
            check_2_unfinished.start,
            None,
        ));
        d.tasks = vec![check_1, check_1_again, check_3, check_2_unfinished, visit_2];
        let july = PublicFigures::compute(&d, YearMonth::new(2026, 7).expect("m"));
        assert_eq!(
            july.of_month.heat_wave,
            HeatWaveCoverage {
                elders_living_alone: 2,
                visited: 1,
                checks: 3
            }
        );
        assert_eq!(july.of_month.elders_visited, 3);
        let august = PublicFigures::compute(&d, YearMonth::new(2026, 8).expect("m"));
        assert_eq!(august.of_month.heat_wave.checks, 0);
        assert_eq!(august.of_year.heat_wave.visited, 1);
    }

    #[test]
    fn the_public_json_holds_no_name_phone_or_note() {
        let mut d = data();
        let class = task(1, TaskKind::SmartphoneClass, at(2026, 12, 4, 19, 0), None);
        let visit = task(2, TaskKind::HomeVisit, at(2026, 12, 5, 9, 0), Some(1));
        for v in 1..=16 {
            let mut r = served(&class, v, class.start, Some(60));
            r.note = format!("备注{v}");
            d.services.push(r);
        }
        d.services.push(served(&visit, 1, visit.start, Some(60)));
        d.tasks = vec![class, visit];
        let json = serde_json::to_string(&PublicFigures::compute(&d, december())).expect("json");
        for v in &d.volunteers {
            assert!(
                !json.contains(&v.name) && !json.contains(&v.phone),
                "{json}"
            );
            assert!(!json.contains(v.id.as_str()), "{json}");
        }
        for b in &d.beneficiaries {
            assert!(!json.contains(&b.name) && !json.contains(b.id.as_str()));
        }
        assert!(!json.contains("备注"));
        let back: PublicFigures = serde_json::from_str(&json).expect("round trip");
        assert_eq!(back.of_month.minutes, 17 * 60);
    }

    #[test]
    fn village_data_is_gathered_from_synced_records() {
        let d = data();
        let mut records = vec![Record::Village(d.village.clone())];
        records.extend(d.volunteers.iter().cloned().map(Record::Volunteer));
        records.extend(d.beneficiaries.iter().cloned().map(Record::Beneficiary));
        let back = VillageData::from_records(records).expect("village present");
        assert_eq!(back, d);
        assert_eq!(
            VillageData::from_records(vec![Record::Volunteer(volunteer(1, 1))]),
            None
        );
    }
}
