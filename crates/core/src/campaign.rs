//! Campaigns and series: one coordinator action that becomes many ordinary tasks. "A heat-wave
//! check visit to every elder living alone, this Thursday and Friday" is a [`Campaign`]; "a
//! weekly visit to Grandma Li, every Tuesday for eight weeks" is a [`Series`]. Both only make
//! tasks; the tasks are then created, synced and matched like any other.

use chrono::{NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};

use crate::model::{
    Beneficiary, BeneficiaryFlags, Priority, Recurrence, Task, TaskId, TaskKind, ValidationError,
    VillageGroupId,
};

/// Which beneficiaries a campaign reaches: all of those that have every flag set here (and
/// live in `group`, if given).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BeneficiaryFilter {
    #[serde(default)]
    pub group: Option<VillageGroupId>,
    #[serde(default)]
    pub flags: BeneficiaryFlags,
}

impl BeneficiaryFilter {
    pub fn matches(&self, b: &Beneficiary) -> bool {
        let f = &self.flags;
        let has = &b.flags;
        self.group.as_ref().is_none_or(|g| &b.group == g)
            && (!f.elderly || has.elderly)
            && (!f.lives_alone || has.lives_alone)
            && (!f.empty_nest || has.empty_nest)
            && (!f.disabled || has.disabled)
            && (!f.low_income || has.low_income)
            && (!f.left_behind_child || has.left_behind_child)
    }
}

/// What each generated task looks like.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskTemplate {
    pub kind: TaskKind,
    /// The title; the beneficiary's name is appended ("高温巡访 · 李桂英").
    pub title: String,
    pub start: NaiveTime,
    pub end: NaiveTime,
    pub volunteers_max: u32,
    pub priority: Priority,
}

impl TaskTemplate {
    /// The standing programmes a village service centre runs, as starting points.
    pub fn standing_programmes() -> Vec<TaskTemplate> {
        let t = |kind: TaskKind, (h1, m1): (u32, u32), (h2, m2): (u32, u32), max, priority| {
            TaskTemplate {
                kind,
                title: kind.label_zh().to_owned(),
                start: NaiveTime::from_hms_opt(h1, m1, 0).unwrap_or_default(),
                end: NaiveTime::from_hms_opt(h2, m2, 0).unwrap_or_default(),
                volunteers_max: max,
                priority,
            }
        };
        vec![
            t(
                TaskKind::HeatWaveCheck,
                (9, 0),
                (10, 0),
                1,
                Priority::Urgent,
            ),
            t(TaskKind::HomeVisit, (9, 30), (10, 30), 1, Priority::Normal),
            t(
                TaskKind::FestivalVisit,
                (14, 0),
                (15, 0),
                2,
                Priority::Normal,
            ),
            t(
                TaskKind::MealDelivery,
                (11, 0),
                (12, 0),
                1,
                Priority::Normal,
            ),
            t(
                TaskKind::MedicinePickup,
                (9, 0),
                (10, 30),
                1,
                Priority::Normal,
            ),
            t(TaskKind::Errand, (9, 0), (11, 0), 1, Priority::Normal),
            t(
                TaskKind::SmartphoneClass,
                (19, 0),
                (20, 30),
                2,
                Priority::Normal,
            ),
            t(
                TaskKind::AntiFraudTalk,
                (19, 0),
                (20, 0),
                2,
                Priority::Normal,
            ),
            t(
                TaskKind::HomeworkHelp,
                (16, 30),
                (18, 0),
                1,
                Priority::Normal,
            ),
        ]
    }

    /// One task from the template on `date`, for `beneficiary` if given.
    pub fn task(
        &self,
        id: TaskId,
        date: NaiveDate,
        beneficiary: Option<&Beneficiary>,
    ) -> Result<Task, ValidationError> {
        let title = match beneficiary {
            Some(b) => format!("{} · {}", self.title.trim(), b.name),
            None => self.title.trim().to_owned(),
        };
        let mut builder = Task::builder(
            id,
            self.kind,
            title,
            date.and_time(self.start),
            date.and_time(self.end),
        )
        .capacity(1, self.volunteers_max.max(1))
        .priority(self.priority);
        if let Some(b) = beneficiary {
            builder = builder.beneficiary(b.id.clone()).group(b.group.clone());
        }
        builder.build()
    }
}

/// One task for every matching beneficiary on every date.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Campaign {
    pub template: TaskTemplate,
    pub filter: BeneficiaryFilter,
    pub dates: Vec<NaiveDate>,
}

/// The most tasks one campaign may make: a typo in a filter should not post ten thousand.
pub const MAX_CAMPAIGN_TASKS: usize = 2_000;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum CampaignError {
    #[error("no dates chosen")]
    NoDates,
    #[error("no beneficiary matches the filter")]
    NobodyMatches,
    #[error("{0} tasks is more than one campaign may make ({MAX_CAMPAIGN_TASKS})")]
    TooMany(usize),
    #[error(transparent)]
    Invalid(#[from] ValidationError),
}

impl Campaign {
    /// The beneficiaries the campaign reaches, in the order given.
    pub fn reaches<'a>(&self, beneficiaries: &'a [Beneficiary]) -> Vec<&'a Beneficiary> {
        beneficiaries
            .iter()
            .filter(|b| self.filter.matches(b))
            .collect()
    }

    /// The tasks, ids `<prefix>-<n>` from 1, dates in order, then beneficiaries in order.
    pub fn tasks(
        &self,
        beneficiaries: &[Beneficiary],
        id_prefix: &str,
    ) -> Result<Vec<Task>, CampaignError> {
        let mut dates = self.dates.clone();
        dates.sort();
        dates.dedup();
        if dates.is_empty() {
            return Err(CampaignError::NoDates);
        }
        let reached = self.reaches(beneficiaries);
        if reached.is_empty() {
            return Err(CampaignError::NobodyMatches);
        }
        let count = dates.len() * reached.len();
        if count > MAX_CAMPAIGN_TASKS {
            return Err(CampaignError::TooMany(count));
        }
        let mut tasks = Vec::with_capacity(count);
        for date in dates {
            for b in &reached {
                let id = TaskId::new(format!("{id_prefix}-{}", tasks.len() + 1));
                tasks.push(self.template.task(id, date, Some(b))?);
            }
        }
        Ok(tasks)
    }
}

/// A regular task ("every Tuesday for eight weeks"), as dated tasks of one series.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Series {
    pub template: TaskTemplate,
    pub recurrence: Recurrence,
    #[serde(default)]
    pub beneficiary: Option<Beneficiary>,
}

impl Series {
    /// The series' tasks up to `until`, ids `<prefix>-<n>`; each names the first as its
    /// `series`, so the whole series can be found and changed together.
    pub fn tasks(&self, until: NaiveDate, id_prefix: &str) -> Result<Vec<Task>, CampaignError> {
        self.recurrence.validate()?;
        let dates = self.recurrence.dates(self.recurrence.from, until);
        if dates.is_empty() {
            return Err(CampaignError::NoDates);
        }
        if dates.len() > MAX_CAMPAIGN_TASKS {
            return Err(CampaignError::TooMany(dates.len()));
        }
        let first = TaskId::new(format!("{id_prefix}-1"));
        let mut tasks = Vec::with_capacity(dates.len());
        for (i, date) in dates.into_iter().enumerate() {
            let id = TaskId::new(format!("{id_prefix}-{}", i + 1));
            let mut task = self.template.task(id, date, self.beneficiary.as_ref())?;
            task.series = Some(first.clone());
            tasks.push(task);
        }
        Ok(tasks)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::{generate, DemoParams};
    use crate::model::{RecurrenceEnd, Weekday};

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, d).expect("date")
    }

    fn heat_wave() -> TaskTemplate {
        TaskTemplate::standing_programmes()
            .into_iter()
            .find(|t| t.kind == TaskKind::HeatWaveCheck)
            .expect("template")
    }

    #[test]
    fn a_campaign_makes_one_task_per_matching_beneficiary_and_date() {
        let demo = generate(&DemoParams::village());
        let alone = BeneficiaryFilter {
            group: None,
            flags: BeneficiaryFlags {
                lives_alone: true,
                ..Default::default()
            },
        };
        let expected = demo
            .beneficiaries
            .iter()
            .filter(|b| b.flags.lives_alone)
            .count();
        assert!(expected > 0);
        let campaign = Campaign {
            template: heat_wave(),
            filter: alone,
            dates: vec![day(3), day(4), day(3)],
        };
        let tasks = campaign.tasks(&demo.beneficiaries, "hw").expect("tasks");
        assert_eq!(tasks.len(), 2 * expected, "two dates (one given twice)");
        for t in &tasks {
            let b = demo
                .beneficiaries
                .iter()
                .find(|b| Some(&b.id) == t.beneficiary.as_ref())
                .expect("a beneficiary");
            assert!(b.flags.lives_alone);
            assert!(t.title.ends_with(&b.name));
            assert_eq!(t.group.as_ref(), Some(&b.group));
            assert_eq!(t.priority, Priority::Urgent);
            t.validate().expect("valid");
        }
        assert_eq!(tasks[0].id, TaskId::new("hw-1"));
        assert_eq!(tasks[0].start.date(), day(3));
        assert_eq!(tasks.last().map(|t| t.start.date()), Some(day(4)));
    }

    #[test]
    fn a_campaign_refuses_no_dates_nobody_and_too_many() {
        let demo = generate(&DemoParams::village());
        let mut campaign = Campaign {
            template: heat_wave(),
            filter: BeneficiaryFilter::default(),
            dates: Vec::new(),
        };
        assert!(matches!(
            campaign.tasks(&demo.beneficiaries, "c"),
            Err(CampaignError::NoDates)
        ));
        campaign.dates = (1..=31).map(day).collect();
        assert!(matches!(
            campaign.tasks(&demo.beneficiaries, "c"),
            Err(CampaignError::TooMany(_))
        ));
        campaign.filter.group = Some(VillageGroupId::new("nowhere"));
        assert!(matches!(
            campaign.tasks(&demo.beneficiaries, "c"),
            Err(CampaignError::NobodyMatches)
        ));
    }

    #[test]
    fn a_series_makes_dated_tasks_that_name_their_first() {
        let series = Series {
            template: heat_wave(),
            recurrence: Recurrence::weekly(
                vec![Weekday::Tue, Weekday::Fri],
                day(1),
                RecurrenceEnd::Count(5),
            )
            .expect("rule"),
            beneficiary: None,
        };
        let tasks = series.tasks(day(31), "s").expect("tasks");
        let dates: Vec<u32> = tasks
            .iter()
            .map(|t| chrono::Datelike::day(&t.start.date()))
            .collect();
        assert_eq!(dates, vec![1, 4, 8, 11, 15]);
        assert!(tasks.iter().all(|t| t.series == Some(TaskId::new("s-1"))));
    }
}
