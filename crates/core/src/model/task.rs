use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use super::error::{Entity, ValidationError};
use super::ids::{BeneficiaryId, TaskId, VillageGroupId};
use super::labelled::labelled_enum;
use super::person::Language;
use super::skill::Skill;

labelled_enum! {
    /// What a task is about. Drives labels, default requirements and which programme
    /// (elder care or community education) it is reported under.
    TaskKind, error = UnknownTaskKind;
    /// Companionship visit at the elder's home (陪伴探访).
    HomeVisit => "home_visit", "上门探访", "Home visit";
    HeatWaveCheck => "heat_wave_check", "高温巡访", "Heat-wave check";
    ColdSpellCheck => "cold_spell_check", "寒潮巡访", "Cold-spell check";
    FestivalVisit => "festival_visit", "节日慰问", "Festival visit";
    MealDelivery => "meal_delivery", "助餐送餐", "Meal delivery";
    MedicinePickup => "medicine_pickup", "代取药品", "Medicine pickup";
    HospitalEscort => "hospital_escort", "陪同就医", "Hospital escort";
    HouseworkHelp => "housework_help", "家务帮扶", "Housework help";
    /// Running paperwork on the elder's behalf (代办): pension certification, medical insurance.
    Errand => "errand", "代办服务", "Errand";
    /// A shift at the service centre's window (便民服务窗口).
    WindowDuty => "window_duty", "窗口值班", "Service-window duty";
    SmartphoneClass => "smartphone_class", "智能手机课堂", "Smartphone class";
    AntiFraudTalk => "anti_fraud_talk", "反诈宣传", "Anti-fraud talk";
    HealthTalk => "health_talk", "健康讲座", "Health talk";
    HomeworkHelp => "homework_help", "作业辅导", "Homework help";
    LiteracyClass => "literacy_class", "识字班", "Literacy class";
    PolicySession => "policy_session", "政策宣讲", "Policy session";
    FirstAidTraining => "first_aid_training", "急救培训", "First-aid training";
}

/// The programme a task kind belongs to, for reports and filters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskCategory {
    /// 为老服务: help for individual elders.
    ElderCare,
    /// 社区教育: classes and talks for groups.
    Education,
    /// Running the village's service centre.
    Service,
}

impl TaskKind {
    /// The programme this kind belongs to.
    pub fn category(self) -> TaskCategory {
        use TaskKind::*;
        match self {
            HomeVisit | HeatWaveCheck | ColdSpellCheck | FestivalVisit | MealDelivery
            | MedicinePickup | HospitalEscort | HouseworkHelp | Errand => TaskCategory::ElderCare,
            SmartphoneClass | AntiFraudTalk | HealthTalk | HomeworkHelp | LiteracyClass
            | PolicySession | FirstAidTraining => TaskCategory::Education,
            WindowDuty => TaskCategory::Service,
        }
    }

    /// Help given to one elder (visits, deliveries, escorts, errands).
    pub fn is_elder_care(self) -> bool {
        self.category() == TaskCategory::ElderCare
    }

    /// Community education: classes, talks, homework help.
    pub fn is_education(self) -> bool {
        self.category() == TaskCategory::Education
    }

    /// Close personal contact where a beneficiary's same-gender wish applies.
    pub fn is_personal_care(self) -> bool {
        matches!(self, TaskKind::HospitalEscort | TaskKind::HouseworkHelp)
    }
}

/// Urgent tasks are shown first and may be pushed to volunteers.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    #[default]
    Normal,
    Urgent,
}

/// Where a task is in its life. Whether it is fully staffed is derived from sign-ups, not
/// stored here.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    #[default]
    Open,
    Done,
    Cancelled,
}

/// One piece of work at a given time that needs volunteers.
///
/// `start` and `end` are **local wall-clock times in the village's time zone**
/// ([`super::Village::time_zone`]), without an offset, because that is how people in the village
/// talk about them ("Tuesday 9:30"). Convert with the village's UTC offset when needed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Task {
    pub id: TaskId,
    pub kind: TaskKind,
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// The person helped, for elder-care tasks.
    #[serde(default)]
    pub beneficiary: Option<BeneficiaryId>,
    /// The group where it happens; `None` for village-wide tasks.
    #[serde(default)]
    pub group: Option<VillageGroupId>,
    /// Public meeting place (never a beneficiary's private address).
    #[serde(default)]
    pub place: Option<String>,
    pub start: NaiveDateTime,
    pub end: NaiveDateTime,
    #[serde(default)]
    pub required_skills: Vec<Skill>,
    #[serde(default)]
    pub preferred_languages: Vec<Language>,
    pub volunteers_min: u32,
    pub volunteers_max: u32,
    #[serde(default)]
    pub priority: Priority,
    #[serde(default)]
    pub status: TaskStatus,
    /// The series this task was expanded from by a [`super::Recurrence`], if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub series: Option<TaskId>,
}

impl Task {
    /// Longest allowed task; longer work should be split into shifts.
    pub const MAX_DURATION_MINUTES: i64 = 24 * 60;

    /// A validated task for one volunteer with defaults for everything optional.
    pub fn new(
        id: impl Into<TaskId>,
        kind: TaskKind,
        title: impl Into<String>,
        start: NaiveDateTime,
        end: NaiveDateTime,
    ) -> Result<Task, ValidationError> {
        Self::builder(id, kind, title, start, end).build()
    }

    /// Starts a builder; [`TaskBuilder::build`] validates.
    pub fn builder(
        id: impl Into<TaskId>,
        kind: TaskKind,
        title: impl Into<String>,
        start: NaiveDateTime,
        end: NaiveDateTime,
    ) -> TaskBuilder {
        TaskBuilder {
            task: Task {
                id: id.into(),
                kind,
                title: title.into(),
                description: String::new(),
                beneficiary: None,
                group: None,
                place: None,
                start,
                end,
                required_skills: Vec::new(),
                preferred_languages: Vec::new(),
                volunteers_min: 1,
                volunteers_max: 1,
                priority: Priority::Normal,
                status: TaskStatus::Open,
                series: None,
            },
        }
    }

    /// Rejects blank id/title, `end <= start`, tasks over 24 h, zero capacity and max < min.
    pub fn validate(&self) -> Result<(), ValidationError> {
        if self.id.is_blank() {
            return Err(ValidationError::EmptyId(Entity::Task));
        }
        if self.title.trim().is_empty() {
            return Err(ValidationError::EmptyTitle);
        }
        if self.end <= self.start {
            return Err(ValidationError::EndBeforeStart {
                start: self.start,
                end: self.end,
            });
        }
        let minutes = self.duration_minutes();
        if minutes > Self::MAX_DURATION_MINUTES {
            return Err(ValidationError::TaskTooLong { minutes });
        }
        if self.volunteers_max == 0 {
            return Err(ValidationError::ZeroCapacity);
        }
        if self.volunteers_max < self.volunteers_min {
            return Err(ValidationError::MaxBelowMin {
                min: self.volunteers_min,
                max: self.volunteers_max,
            });
        }
        if let Some(b) = &self.beneficiary {
            if b.is_blank() {
                return Err(ValidationError::EmptyId(Entity::Beneficiary));
            }
        }
        if let Some(g) = &self.group {
            if g.is_blank() {
                return Err(ValidationError::EmptyId(Entity::VillageGroup));
            }
        }
        for language in &self.preferred_languages {
            language.validate()?;
        }
        Ok(())
    }

    /// Length in whole minutes (negative if `end` is before `start`).
    pub fn duration_minutes(&self) -> i64 {
        (self.end - self.start).num_minutes()
    }

    /// The local date the task starts on.
    pub fn date(&self) -> NaiveDate {
        self.start.date()
    }

    /// True if the task ends on a later calendar day than it starts (rare: night escorts).
    /// Ending exactly at midnight does not count.
    pub fn crosses_midnight(&self) -> bool {
        let end_date = if self.end.time() == chrono::NaiveTime::MIN {
            self.end.date().pred_opt().unwrap_or(self.end.date())
        } else {
            self.end.date()
        };
        end_date > self.start.date()
    }
}

/// Fills in a [`Task`]'s optional fields and validates once at the end, so a half-built task is
/// never observable.
#[derive(Clone, Debug)]
pub struct TaskBuilder {
    task: Task,
}

impl TaskBuilder {
    pub fn description(mut self, text: impl Into<String>) -> Self {
        self.task.description = text.into();
        self
    }
    pub fn beneficiary(mut self, id: BeneficiaryId) -> Self {
        self.task.beneficiary = Some(id);
        self
    }
    pub fn group(mut self, id: VillageGroupId) -> Self {
        self.task.group = Some(id);
        self
    }
    pub fn place(mut self, place: impl Into<String>) -> Self {
        self.task.place = Some(place.into());
        self
    }
    pub fn required_skills(mut self, skills: Vec<Skill>) -> Self {
        self.task.required_skills = skills;
        self
    }
    pub fn preferred_languages(mut self, languages: Vec<Language>) -> Self {
        self.task.preferred_languages = languages;
        self
    }
    /// How many volunteers are needed at least and accepted at most.
    pub fn capacity(mut self, min: u32, max: u32) -> Self {
        self.task.volunteers_min = min;
        self.task.volunteers_max = max;
        self
    }
    pub fn priority(mut self, priority: Priority) -> Self {
        self.task.priority = priority;
        self
    }
    pub fn status(mut self, status: TaskStatus) -> Self {
        self.task.status = status;
        self
    }
    pub fn series(mut self, series: TaskId) -> Self {
        self.task.series = Some(series);
        self
    }
    /// Validates and returns the task.
    pub fn build(self) -> Result<Task, ValidationError> {
        self.task.validate()?;
        Ok(self.task)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn at(day: u32, h: u32, m: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 12, day)
            .and_then(|d| d.and_hms_opt(h, m, 0))
            .expect("datetime")
    }

    pub(crate) fn sample() -> Task {
        Task::builder(
            "t-0001",
            TaskKind::SmartphoneClass,
            "智能手机课堂 · 第三组",
            at(1, 9, 30),
            at(1, 11, 0),
        )
        .group(VillageGroupId::numbered(3))
        .place("第三组文化礼堂")
        .required_skills(vec![Skill::SmartphoneTutoring])
        .capacity(2, 4)
        .build()
        .expect("valid task")
    }

    #[test]
    fn valid_task_and_duration() {
        let t = sample();
        assert_eq!(t.duration_minutes(), 90);
        assert_eq!(t.date(), at(1, 0, 0).date());
        assert!(!t.crosses_midnight());
        assert_eq!(t.status, TaskStatus::Open);
        let minimal =
            Task::new("t-2", TaskKind::Errand, "代办", at(1, 9, 0), at(1, 10, 0)).expect("valid");
        assert_eq!((minimal.volunteers_min, minimal.volunteers_max), (1, 1));
    }

    #[test]
    fn task_validation_rules() {
        let b = || {
            Task::builder(
                "t-1",
                TaskKind::HomeVisit,
                "探访",
                at(1, 9, 0),
                at(1, 10, 0),
            )
        };
        assert_eq!(
            Task::new(
                "t-1",
                TaskKind::HomeVisit,
                "探访",
                at(1, 10, 0),
                at(1, 9, 0)
            ),
            Err(ValidationError::EndBeforeStart {
                start: at(1, 10, 0),
                end: at(1, 9, 0)
            })
        );
        assert!(matches!(
            Task::new("t-1", TaskKind::HomeVisit, "探访", at(1, 9, 0), at(1, 9, 0)),
            Err(ValidationError::EndBeforeStart { .. })
        ));
        assert_eq!(
            b().capacity(3, 2).build(),
            Err(ValidationError::MaxBelowMin { min: 3, max: 2 })
        );
        assert_eq!(
            b().capacity(0, 0).build(),
            Err(ValidationError::ZeroCapacity)
        );
        assert_eq!(
            b().capacity(1, 0).build(),
            Err(ValidationError::ZeroCapacity)
        );
        assert!(
            b().capacity(0, 2).build().is_ok(),
            "min 0 = optional helpers"
        );
        assert!(b().capacity(2, 2).build().is_ok());
        assert_eq!(
            Task::new("t-1", TaskKind::HomeVisit, " ", at(1, 9, 0), at(1, 10, 0)),
            Err(ValidationError::EmptyTitle)
        );
        assert_eq!(
            Task::new("", TaskKind::HomeVisit, "探访", at(1, 9, 0), at(1, 10, 0)),
            Err(ValidationError::EmptyId(Entity::Task))
        );
        assert_eq!(
            Task::new(
                "t-1",
                TaskKind::HospitalEscort,
                "陪诊",
                at(1, 9, 0),
                at(2, 9, 1)
            ),
            Err(ValidationError::TaskTooLong { minutes: 1441 })
        );
        assert_eq!(
            b().beneficiary(BeneficiaryId::new("")).build(),
            Err(ValidationError::EmptyId(Entity::Beneficiary))
        );
    }

    #[test]
    fn midnight_crossing_is_detected() {
        let night = Task::new(
            "t-1",
            TaskKind::HospitalEscort,
            "夜间陪诊",
            at(1, 22, 0),
            at(2, 1, 0),
        )
        .expect("valid");
        assert!(night.crosses_midnight());
        assert_eq!(night.duration_minutes(), 180);
        let to_midnight = Task::new(
            "t-2",
            TaskKind::WindowDuty,
            "值班",
            at(1, 21, 0),
            at(2, 0, 0),
        )
        .expect("ok");
        assert!(!to_midnight.crosses_midnight());
    }

    #[test]
    fn task_kinds_are_classified_and_labelled() {
        for &kind in TaskKind::ALL {
            assert_eq!(
                serde_json::to_string(&kind).expect("serialise"),
                format!("\"{}\"", kind.as_str())
            );
            assert_eq!(kind.as_str().parse::<TaskKind>(), Ok(kind));
            assert_eq!(kind.label_zh().parse::<TaskKind>(), Ok(kind));
            assert!(!(kind.is_elder_care() && kind.is_education()));
        }
        assert_eq!(TaskKind::ALL.len(), 17);
        assert!(TaskKind::HomeVisit.is_elder_care());
        assert!(TaskKind::Errand.is_elder_care());
        assert!(TaskKind::SmartphoneClass.is_education());
        assert!(TaskKind::HomeworkHelp.is_education());
        assert!(!TaskKind::WindowDuty.is_elder_care() && !TaskKind::WindowDuty.is_education());
        assert_eq!(TaskKind::AntiFraudTalk.label_zh(), "反诈宣传");
        assert_eq!(
            "cooking_show".parse::<TaskKind>(),
            Err(ValidationError::UnknownTaskKind("cooking_show".into()))
        );
    }

    #[test]
    fn task_json_round_trip_uses_local_times() {
        let t = sample();
        let json = serde_json::to_string(&t).expect("serialise");
        assert!(json.contains("\"start\":\"2026-12-01T09:30:00\""), "{json}");
        assert!(json.contains("\"kind\":\"smartphone_class\""));
        assert!(!json.contains("series"), "absent series is omitted");
        let back: Task = serde_json::from_str(&json).expect("deserialise");
        assert_eq!(back, t);
    }
}
