//! Why a volunteer fits a task or cannot take it, as structured data with parameters, so the app
//! can translate it (and a future locale can be added) without parsing strings.

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use crate::model::{Gender, Language, Skill, TaskId, TaskKind, TaskStatus};

/// A hard rule a volunteer fails for a task. [`super::check`] returns every one that applies, so a
/// coordinator sees all that would have to change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", content = "params", rename_all = "snake_case")]
pub enum Ineligibility {
    /// The task is done or cancelled.
    TaskNotOpen { status: TaskStatus },
    /// No certification for a required skill at all.
    MissingSkill(Skill),
    /// Had the skill, but every certificate lapsed before the task's date; `expired_on` is the
    /// last day the newest one was valid.
    CertificationExpired { skill: Skill, expired_on: NaiveDate },
    /// An `Away` exception covers (part of) the task's dates.
    Away {
        date_from: NaiveDate,
        date_to: NaiveDate,
    },
    /// The weekly pattern (with extra ranges) does not cover the whole task time.
    Unavailable,
    /// Already signed up for this very task.
    AlreadyAssigned,
    /// Already committed to another task at an overlapping time (touching is fine).
    Overlaps {
        task: TaskId,
        start: NaiveDateTime,
        end: NaiveDateTime,
    },
    /// Taking the task would exceed the weekly limit the volunteer agreed to.
    OverWeeklyHours {
        committed_minutes: u32,
        task_minutes: u32,
        limit_minutes: u32,
    },
    /// Personal care for someone who asked for a volunteer of their own gender. `required` is
    /// `None` when the beneficiary's gender is not recorded: nobody can then be confirmed.
    GenderPreference { required: Option<Gender> },
    /// The beneficiary only accepts volunteers who speak this language.
    LanguageRequired(Language),
}

impl Ineligibility {
    /// The same fact as a [`Reason`], for code that shows reasons uniformly.
    pub fn reason(&self) -> Reason {
        match self.clone() {
            Ineligibility::TaskNotOpen { status } => Reason::TaskNotOpen { status },
            Ineligibility::MissingSkill(skill) => Reason::MissingSkill(skill),
            Ineligibility::CertificationExpired { skill, expired_on } => {
                Reason::CertificationExpired { skill, expired_on }
            }
            Ineligibility::Away { date_from, date_to } => Reason::Away { date_from, date_to },
            Ineligibility::Unavailable => Reason::Unavailable,
            Ineligibility::AlreadyAssigned => Reason::AlreadyAssigned,
            Ineligibility::Overlaps { task, start, end } => Reason::Overlaps { task, start, end },
            Ineligibility::OverWeeklyHours {
                committed_minutes,
                task_minutes,
                limit_minutes,
            } => Reason::OverWeeklyHours {
                committed_minutes,
                task_minutes,
                limit_minutes,
            },
            Ineligibility::GenderPreference { required } => Reason::GenderPreference { required },
            Ineligibility::LanguageRequired(language) => Reason::LanguageRequired(language),
        }
    }

    /// Chinese text for coordinators.
    pub fn zh(&self) -> String {
        self.reason().zh()
    }

    /// English text for coordinators.
    pub fn en(&self) -> String {
        self.reason().en()
    }
}

/// One explanation shown next to a match: a score term's reason, or (mirrored from
/// [`Ineligibility`]) why someone cannot go. Serialised as `{"code": …, "params": …}` so a
/// translation table can be keyed by `code`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", content = "params", rename_all = "snake_case")]
pub enum Reason {
    // --- score terms ---
    /// Lives in the very village group where the task happens.
    SameGroup,
    /// Distance between the volunteer's group and the task's, in tenths of a km.
    DistanceKm {
        tenths: u32,
    },
    /// Has served this beneficiary before; `elder` picks the wording (elder vs child/adult).
    VisitedBefore {
        times: u32,
        elder: bool,
    },
    /// Gave fewer minutes this month than the village average.
    HoursBelowAverage {
        minutes: u32,
        average_minutes: u32,
    },
    /// Gave more minutes this month than the village average.
    HoursAboveAverage {
        minutes: u32,
        average_minutes: u32,
    },
    /// Said they like this kind of task.
    PrefersKind(TaskKind),
    /// Speaks one of the task's preferred languages.
    SpeaksLanguage(Language),
    /// Speaks the language the beneficiary prefers.
    SpeaksPreferredLanguage(Language),
    /// Missed `no_shows` of `assignments` past tasks.
    ReliabilityNoShows {
        no_shows: u32,
        assignments: u32,
    },

    // --- mirrors of Ineligibility ---
    TaskNotOpen {
        status: TaskStatus,
    },
    MissingSkill(Skill),
    CertificationExpired {
        skill: Skill,
        expired_on: NaiveDate,
    },
    Away {
        date_from: NaiveDate,
        date_to: NaiveDate,
    },
    Unavailable,
    AlreadyAssigned,
    Overlaps {
        task: TaskId,
        start: NaiveDateTime,
        end: NaiveDateTime,
    },
    OverWeeklyHours {
        committed_minutes: u32,
        task_minutes: u32,
        limit_minutes: u32,
    },
    GenderPreference {
        required: Option<Gender>,
    },
    LanguageRequired(Language),
}

/// `tenths` as "1.2".
fn tenths_text(tenths: u32) -> String {
    format!("{}.{}", tenths / 10, tenths % 10)
}

/// Minutes as hours with one decimal, rounded half up: 90 → "1.5", 100 → "1.7".
fn hours_text(minutes: u32) -> String {
    let tenths = (u64::from(minutes) * 10 + 30) / 60;
    format!("{}.{}", tenths / 10, tenths % 10)
}

fn date_text(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

/// "2026-12-03" for one day, "2026-12-03 – 2026-12-05" (or "至" in Chinese) for a span.
fn date_span(from: NaiveDate, to: NaiveDate, joiner: &str) -> String {
    if from == to {
        date_text(from)
    } else {
        format!("{}{joiner}{}", date_text(from), date_text(to))
    }
}

fn time_span(start: NaiveDateTime, end: NaiveDateTime) -> String {
    if start.date() == end.date() {
        format!(
            "{} {}–{}",
            date_text(start.date()),
            start.format("%H:%M"),
            end.format("%H:%M")
        )
    } else {
        format!(
            "{} {}–{} {}",
            date_text(start.date()),
            start.format("%H:%M"),
            date_text(end.date()),
            end.format("%H:%M")
        )
    }
}

/// "first-aid", "driving-licence": the English label as a compound modifier.
fn skill_modifier(skill: Skill) -> String {
    skill.label_en().to_lowercase().replace(' ', "-")
}

impl Reason {
    /// Chinese text for the app (简体中文).
    pub fn zh(&self) -> String {
        match self {
            Reason::SameGroup => "住在同一村民小组".to_owned(),
            Reason::DistanceKm { tenths } => format!("距离 {} 公里", tenths_text(*tenths)),
            Reason::VisitedBefore { times, elder: true } => {
                format!("曾探访这位老人 {times} 次")
            }
            Reason::VisitedBefore {
                times,
                elder: false,
            } => {
                format!("曾帮助这位受助人 {times} 次")
            }
            Reason::HoursBelowAverage {
                minutes,
                average_minutes,
            } => format!(
                "本月已服务 {} 小时，低于全村平均 {} 小时",
                hours_text(*minutes),
                hours_text(*average_minutes)
            ),
            Reason::HoursAboveAverage {
                minutes,
                average_minutes,
            } => format!(
                "本月已服务 {} 小时，高于全村平均 {} 小时",
                hours_text(*minutes),
                hours_text(*average_minutes)
            ),
            Reason::PrefersKind(kind) => format!("愿意做{}", kind.label_zh()),
            Reason::SpeaksLanguage(language) => format!("会说{language}"),
            Reason::SpeaksPreferredLanguage(language) => format!("会说受助人偏好的{language}"),
            Reason::ReliabilityNoShows {
                no_shows,
                assignments,
            } => format!("以往 {assignments} 次任务中缺席 {no_shows} 次"),
            Reason::TaskNotOpen { status } => match status {
                TaskStatus::Done => "任务已完成".to_owned(),
                TaskStatus::Cancelled => "任务已取消".to_owned(),
                TaskStatus::Open => "任务未开放报名".to_owned(),
            },
            Reason::MissingSkill(skill) => format!("不具备所需技能：{}", skill.label_zh()),
            Reason::CertificationExpired { skill, expired_on } => format!(
                "没有有效的{}证书（{} 已过期）",
                skill.label_zh(),
                date_text(*expired_on)
            ),
            Reason::Away { date_from, date_to } => {
                format!("{} 不在村里", date_span(*date_from, *date_to, " 至 "))
            }
            Reason::Unavailable => "该时段没有空".to_owned(),
            Reason::AlreadyAssigned => "已报名此任务".to_owned(),
            Reason::Overlaps { task, start, end } => {
                format!("{} 已有任务 {task}", time_span(*start, *end))
            }
            Reason::OverWeeklyHours {
                committed_minutes,
                task_minutes,
                limit_minutes,
            } => format!(
                "超出每周 {} 小时上限：本周已安排 {} 小时，本任务 {} 小时",
                hours_text(*limit_minutes),
                hours_text(*committed_minutes),
                hours_text(*task_minutes)
            ),
            Reason::GenderPreference { required } => match required {
                Some(Gender::Female) => "受助人要求女性志愿者提供贴身照护".to_owned(),
                Some(Gender::Male) => "受助人要求男性志愿者提供贴身照护".to_owned(),
                None => "受助人要求同性别志愿者，但未登记其性别".to_owned(),
            },
            Reason::LanguageRequired(language) => format!("受助人只接受会说{language}的志愿者"),
        }
    }

    /// English text for the app.
    pub fn en(&self) -> String {
        match self {
            Reason::SameGroup => "lives in the same village group".to_owned(),
            Reason::DistanceKm { tenths } => format!("{} km away", tenths_text(*tenths)),
            Reason::VisitedBefore { times, elder } => {
                let whom = if *elder {
                    "visited this elder"
                } else {
                    "helped this person"
                };
                match times {
                    1 => format!("{whom} once"),
                    n => format!("{whom} {n} times"),
                }
            }
            Reason::HoursBelowAverage {
                minutes,
                average_minutes,
            } => format!(
                "gave {} h this month, below the village average of {} h",
                hours_text(*minutes),
                hours_text(*average_minutes)
            ),
            Reason::HoursAboveAverage {
                minutes,
                average_minutes,
            } => format!(
                "gave {} h this month, above the village average of {} h",
                hours_text(*minutes),
                hours_text(*average_minutes)
            ),
            Reason::PrefersKind(kind) => {
                format!("likes {} tasks", kind.label_en().to_lowercase())
            }
            Reason::SpeaksLanguage(language) => format!("speaks {language}"),
            Reason::SpeaksPreferredLanguage(language) => {
                format!("speaks {language}, as the beneficiary prefers")
            }
            Reason::ReliabilityNoShows {
                no_shows,
                assignments,
            } => format!("missed {no_shows} of {assignments} past tasks"),
            Reason::TaskNotOpen { status } => match status {
                TaskStatus::Done => "the task is already done".to_owned(),
                TaskStatus::Cancelled => "the task was cancelled".to_owned(),
                TaskStatus::Open => "the task is not open".to_owned(),
            },
            Reason::MissingSkill(skill) => {
                format!(
                    "lacks a required skill: {}",
                    skill.label_en().to_lowercase()
                )
            }
            Reason::CertificationExpired { skill, expired_on } => format!(
                "no valid {} certificate (expired {})",
                skill_modifier(*skill),
                date_text(*expired_on)
            ),
            Reason::Away { date_from, date_to } => {
                format!("away {}", date_span(*date_from, *date_to, " to "))
            }
            Reason::Unavailable => "not free at that time".to_owned(),
            Reason::AlreadyAssigned => "already signed up for this task".to_owned(),
            Reason::Overlaps { task, start, end } => {
                format!("already busy with {task} on {}", time_span(*start, *end))
            }
            Reason::OverWeeklyHours {
                committed_minutes,
                task_minutes,
                limit_minutes,
            } => format!(
                "would exceed the {} h weekly limit: {} h already planned this week + {} h",
                hours_text(*limit_minutes),
                hours_text(*committed_minutes),
                hours_text(*task_minutes)
            ),
            Reason::GenderPreference { required } => match required {
                Some(Gender::Female) => {
                    "the beneficiary asked for a female volunteer for personal care".to_owned()
                }
                Some(Gender::Male) => {
                    "the beneficiary asked for a male volunteer for personal care".to_owned()
                }
                None => "the beneficiary asked for a same-gender volunteer, but their gender is \
                         not recorded"
                    .to_owned(),
            },
            Reason::LanguageRequired(language) => {
                format!("the beneficiary only accepts volunteers who speak {language}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, d).expect("date")
    }

    #[test]
    fn score_reason_texts() {
        let cases = [
            (
                Reason::DistanceKm { tenths: 12 },
                "1.2 km away",
                "距离 1.2 公里",
            ),
            (
                Reason::SameGroup,
                "lives in the same village group",
                "住在同一村民小组",
            ),
            (
                Reason::VisitedBefore {
                    times: 3,
                    elder: true,
                },
                "visited this elder 3 times",
                "曾探访这位老人 3 次",
            ),
            (
                Reason::VisitedBefore {
                    times: 1,
                    elder: false,
                },
                "helped this person once",
                "曾帮助这位受助人 1 次",
            ),
            (
                Reason::SpeaksLanguage(Language::local_dialect()),
                "speaks 本地方言",
                "会说本地方言",
            ),
            (
                Reason::SpeaksPreferredLanguage(Language::local_dialect()),
                "speaks 本地方言, as the beneficiary prefers",
                "会说受助人偏好的本地方言",
            ),
            (
                Reason::PrefersKind(TaskKind::HomeVisit),
                "likes home visit tasks",
                "愿意做上门探访",
            ),
            (
                Reason::HoursBelowAverage {
                    minutes: 120,
                    average_minutes: 330,
                },
                "gave 2.0 h this month, below the village average of 5.5 h",
                "本月已服务 2.0 小时，低于全村平均 5.5 小时",
            ),
            (
                Reason::HoursAboveAverage {
                    minutes: 545,
                    average_minutes: 330,
                },
                "gave 9.1 h this month, above the village average of 5.5 h",
                "本月已服务 9.1 小时，高于全村平均 5.5 小时",
            ),
            (
                Reason::ReliabilityNoShows {
                    no_shows: 2,
                    assignments: 10,
                },
                "missed 2 of 10 past tasks",
                "以往 10 次任务中缺席 2 次",
            ),
        ];
        for (reason, en, zh) in cases {
            assert_eq!(reason.en(), en);
            assert_eq!(reason.zh(), zh);
        }
    }

    #[test]
    fn ineligibility_texts() {
        let at = |d, h, m| day(d).and_hms_opt(h, m, 0).expect("time");
        let cases = [
            (
                Ineligibility::CertificationExpired {
                    skill: Skill::FirstAid,
                    expired_on: NaiveDate::from_ymd_opt(2026, 10, 1).expect("date"),
                },
                "no valid first-aid certificate (expired 2026-10-01)",
                "没有有效的急救证书（2026-10-01 已过期）",
            ),
            (
                Ineligibility::MissingSkill(Skill::DrivingLicence),
                "lacks a required skill: driving licence",
                "不具备所需技能：驾驶",
            ),
            (
                Ineligibility::Away {
                    date_from: day(3),
                    date_to: day(5),
                },
                "away 2026-12-03 to 2026-12-05",
                "2026-12-03 至 2026-12-05 不在村里",
            ),
            (
                Ineligibility::Away {
                    date_from: day(3),
                    date_to: day(3),
                },
                "away 2026-12-03",
                "2026-12-03 不在村里",
            ),
            (
                Ineligibility::Unavailable,
                "not free at that time",
                "该时段没有空",
            ),
            (
                Ineligibility::Overlaps {
                    task: TaskId::numbered(3),
                    start: at(1, 9, 0),
                    end: at(1, 10, 30),
                },
                "already busy with t-0003 on 2026-12-01 09:00–10:30",
                "2026-12-01 09:00–10:30 已有任务 t-0003",
            ),
            (
                Ineligibility::OverWeeklyHours {
                    committed_minutes: 540,
                    task_minutes: 90,
                    limit_minutes: 600,
                },
                "would exceed the 10.0 h weekly limit: 9.0 h already planned this week + 1.5 h",
                "超出每周 10.0 小时上限：本周已安排 9.0 小时，本任务 1.5 小时",
            ),
            (
                Ineligibility::GenderPreference {
                    required: Some(Gender::Female),
                },
                "the beneficiary asked for a female volunteer for personal care",
                "受助人要求女性志愿者提供贴身照护",
            ),
            (
                Ineligibility::LanguageRequired(Language::local_dialect()),
                "the beneficiary only accepts volunteers who speak 本地方言",
                "受助人只接受会说本地方言的志愿者",
            ),
            (
                Ineligibility::TaskNotOpen {
                    status: TaskStatus::Cancelled,
                },
                "the task was cancelled",
                "任务已取消",
            ),
            (
                Ineligibility::AlreadyAssigned,
                "already signed up for this task",
                "已报名此任务",
            ),
        ];
        for (why, en, zh) in cases {
            assert_eq!(why.en(), en);
            assert_eq!(why.zh(), zh);
        }
    }

    #[test]
    fn reasons_serialise_as_code_and_params_for_translation_tables() {
        let json = serde_json::to_string(&Reason::DistanceKm { tenths: 12 }).expect("json");
        assert_eq!(json, r#"{"code":"distance_km","params":{"tenths":12}}"#);
        let json = serde_json::to_string(&Reason::SpeaksLanguage(Language::local_dialect()))
            .expect("json");
        assert_eq!(json, r#"{"code":"speaks_language","params":"本地方言"}"#);
        let json = serde_json::to_string(&Ineligibility::Unavailable).expect("json");
        assert_eq!(json, r#"{"code":"unavailable"}"#);
        let why = Ineligibility::CertificationExpired {
            skill: Skill::FirstAid,
            expired_on: day(1),
        };
        let json = serde_json::to_string(&why).expect("json");
        let back: Ineligibility = serde_json::from_str(&json).expect("round trip");
        assert_eq!(back, why);
        // The mirrored reason uses the same code, so one translation table serves both.
        let reason_json = serde_json::to_string(&why.reason()).expect("json");
        assert_eq!(reason_json, json);
    }
}
