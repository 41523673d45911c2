use chrono::{NaiveDate, NaiveDateTime, Timelike};
use serde::{Deserialize, Serialize};

use super::availability::{free_on, AvailabilityException, WeeklyAvailability};
use super::error::{Entity, ValidationError};
use super::ids::{VillageGroupId, VolunteerId};
use super::person::{check_phone, Gender, Language};
use super::skill::{Certification, Skill};
use super::task::TaskKind;

/// A person who offers time. Holds what matching needs: where they live, what they can do, which
/// languages they speak, when they are free and how much they are willing to give.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Volunteer {
    pub id: VolunteerId,
    pub name: String,
    pub phone: String,
    /// The village group they live in.
    pub group: VillageGroupId,
    #[serde(default)]
    pub gender: Option<Gender>,
    #[serde(default)]
    pub certifications: Vec<Certification>,
    pub languages: Vec<Language>,
    /// Usual weekly free time, local village time.
    pub availability: WeeklyAvailability,
    #[serde(default)]
    pub exceptions: Vec<AvailabilityException>,
    /// Upper bound the volunteer agreed to (1..=80); enforced by scheduling, not by
    /// [`Volunteer::is_available`].
    pub max_hours_per_week: u32,
    #[serde(default)]
    pub preferred_task_kinds: Vec<TaskKind>,
}

impl Volunteer {
    /// The most hours per week anyone may sign up for.
    pub const MAX_HOURS_LIMIT: u32 = 80;

    /// The given name, which is what fellow volunteers see: "王秀英" → "秀英", "欧阳明" → "明",
    /// "Anna Smith" → "Anna". A one-character or unusual name is shown as written.
    pub fn first_name(&self) -> String {
        first_name(&self.name)
    }

    /// Checks names, phone, languages, availability, exceptions and the weekly hour limit.
    pub fn validate(&self) -> Result<(), ValidationError> {
        if self.id.is_blank() {
            return Err(ValidationError::EmptyId(Entity::Volunteer));
        }
        if self.name.trim().is_empty() {
            return Err(ValidationError::EmptyName(Entity::Volunteer));
        }
        check_phone(&self.phone)?;
        if self.group.is_blank() {
            return Err(ValidationError::EmptyId(Entity::VillageGroup));
        }
        for language in &self.languages {
            language.validate()?;
        }
        self.availability.validate()?;
        for exception in &self.exceptions {
            exception.validate()?;
        }
        if !(1..=Self::MAX_HOURS_LIMIT).contains(&self.max_hours_per_week) {
            return Err(ValidationError::MaxHoursOutOfRange(self.max_hours_per_week));
        }
        Ok(())
    }

    /// True if a non-expired certification for `skill` is held on `date`.
    pub fn has_skill_on(&self, skill: Skill, date: NaiveDate) -> bool {
        self.certifications
            .iter()
            .any(|c| c.skill == skill && c.is_valid_on(date))
    }

    /// The distinct skills valid on `date`, in [`Skill::ALL`] order.
    pub fn skills_on(&self, date: NaiveDate) -> Vec<Skill> {
        Skill::ALL
            .iter()
            .copied()
            .filter(|&s| self.has_skill_on(s, date))
            .collect()
    }

    /// True if the volunteer speaks `language`.
    pub fn speaks(&self, language: &Language) -> bool {
        self.languages.contains(language)
    }

    /// Free for `start_min..end_min` on `date`, taking exceptions into account.
    pub fn available_on(&self, date: NaiveDate, start_min: u16, end_min: u16) -> bool {
        free_on(
            &self.availability,
            &self.exceptions,
            date,
            start_min,
            end_min,
        )
    }

    /// Free for the whole of `start..end` (local village time)? Uses the weekly pattern, minus
    /// `Away` days, plus `Extra` ranges. A span crossing midnight is split per calendar day and
    /// every part must be covered (e.g. 22:00–01:00 needs free time until 24:00 on the first day
    /// and from 00:00 on the next). `end <= start` is never available. Seconds are rounded
    /// outwards to whole minutes.
    pub fn is_available(&self, start: NaiveDateTime, end: NaiveDateTime) -> bool {
        if end <= start {
            return false;
        }
        let end_date = end.date();
        let mut date = start.date();
        let mut from = (start.num_seconds_from_midnight() / 60) as u16;
        loop {
            let last = date == end_date;
            let to = if last {
                end.num_seconds_from_midnight().div_ceil(60) as u16
            } else {
                1440
            };
            // An end at exactly 00:00 of the next day leaves an empty final part: nothing to check.
            if from < to && !self.available_on(date, from, to) {
                return false;
            }
            if last {
                return true;
            }
            date = match date.succ_opt() {
                Some(next) => next,
                None => return false,
            };
            from = 0;
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::model::{ExceptionKind, TimeRange};
    use chrono::Weekday;

    pub(crate) fn sample() -> Volunteer {
        let mornings = TimeRange::hm(8, 0, 11, 30).expect("range");
        let weekday_mornings = WeeklyAvailability::on_days(
            &[
                Weekday::Mon,
                Weekday::Tue,
                Weekday::Wed,
                Weekday::Thu,
                Weekday::Fri,
            ],
            &[mornings],
        )
        .expect("availability");
        Volunteer {
            id: VolunteerId::numbered(1),
            name: "王秀英".into(),
            phone: "13812345678".into(),
            group: VillageGroupId::numbered(1),
            gender: Some(Gender::Female),
            certifications: vec![Certification {
                skill: Skill::FirstAid,
                expires_on: NaiveDate::from_ymd_opt(2026, 12, 15),
                verified: true,
            }],
            languages: vec![Language::mandarin(), Language::local_dialect()],
            availability: weekday_mornings,
            exceptions: vec![],
            max_hours_per_week: 10,
            preferred_task_kinds: vec![TaskKind::HomeVisit],
        }
    }

    fn at(day: u32, h: u32, m: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 12, day)
            .and_then(|d| d.and_hms_opt(h, m, 0))
            .expect("datetime")
    }

    #[test]
    fn valid_volunteer_passes() {
        assert_eq!(sample().validate(), Ok(()));
    }

    #[test]
    fn volunteer_validation_rules() {
        let mut v = sample();
        v.name = "  ".into();
        assert_eq!(
            v.validate(),
            Err(ValidationError::EmptyName(Entity::Volunteer))
        );

        let mut v = sample();
        v.id = VolunteerId::new("");
        assert_eq!(
            v.validate(),
            Err(ValidationError::EmptyId(Entity::Volunteer))
        );

        let mut v = sample();
        v.phone = "12".into();
        assert_eq!(
            v.validate(),
            Err(ValidationError::InvalidPhone("12".into()))
        );

        for hours in [0, 81] {
            let mut v = sample();
            v.max_hours_per_week = hours;
            assert_eq!(
                v.validate(),
                Err(ValidationError::MaxHoursOutOfRange(hours))
            );
        }
        let mut v = sample();
        v.max_hours_per_week = 80;
        assert_eq!(v.validate(), Ok(()));

        let mut v = sample();
        v.availability.days[0].push(TimeRange {
            start_min: 600,
            end_min: 800,
        });
        assert!(matches!(
            v.validate(),
            Err(ValidationError::OverlappingRanges { .. })
        ));

        let mut v = sample();
        v.languages.push(Language::new(""));
        assert_eq!(
            v.validate(),
            Err(ValidationError::EmptyName(Entity::Language))
        );

        let mut v = sample();
        v.exceptions.push(AvailabilityException {
            date_from: at(5, 0, 0).date(),
            date_to: at(4, 0, 0).date(),
            kind: ExceptionKind::Away,
        });
        assert!(matches!(
            v.validate(),
            Err(ValidationError::ExceptionDatesReversed { .. })
        ));
    }

    #[test]
    fn skills_respect_expiry() {
        let v = sample();
        assert!(v.has_skill_on(Skill::FirstAid, at(15, 0, 0).date()));
        assert!(!v.has_skill_on(Skill::FirstAid, at(16, 0, 0).date()));
        assert!(!v.has_skill_on(Skill::Nursing, at(1, 0, 0).date()));
        assert_eq!(v.skills_on(at(1, 0, 0).date()), vec![Skill::FirstAid]);
        assert!(v.skills_on(at(20, 0, 0).date()).is_empty());
        assert!(v.speaks(&Language::local_dialect()));
        assert!(!v.speaks(&Language::new("粤语")));
    }

    #[test]
    fn availability_follows_weekly_pattern() {
        let v = sample();
        // 2026-12-01 is a Tuesday; 12-05 a Saturday.
        assert!(v.is_available(at(1, 9, 0), at(1, 10, 0)));
        assert!(v.is_available(at(1, 8, 0), at(1, 11, 30)));
        assert!(
            !v.is_available(at(1, 11, 0), at(1, 12, 0)),
            "runs past 11:30"
        );
        assert!(!v.is_available(at(1, 14, 0), at(1, 15, 0)));
        assert!(!v.is_available(at(5, 9, 0), at(5, 10, 0)), "Saturday");
        assert!(!v.is_available(at(1, 10, 0), at(1, 10, 0)), "empty span");
        assert!(!v.is_available(at(1, 10, 0), at(1, 9, 0)), "reversed span");
    }

    #[test]
    fn availability_respects_exceptions() {
        let mut v = sample();
        let d = |day| at(day, 0, 0).date();
        v.exceptions = vec![
            AvailabilityException::away(d(2), d(3)).expect("away"),
            AvailabilityException::extra(d(5), d(5), vec![TimeRange::hm(14, 0, 16, 0).expect("r")])
                .expect("extra"),
            // Extra time that merely extends Monday's morning: 11:30–12:30.
            AvailabilityException::extra(
                d(7),
                d(7),
                vec![TimeRange::hm(11, 30, 12, 30).expect("r")],
            )
            .expect("extra"),
            // Both away and extra on the 9th: away wins.
            AvailabilityException::away(d(9), d(9)).expect("away"),
            AvailabilityException::extra(d(9), d(9), vec![TimeRange::hm(14, 0, 15, 0).expect("r")])
                .expect("extra"),
        ];
        assert!(v.is_available(at(1, 9, 0), at(1, 10, 0)), "Tue unaffected");
        assert!(!v.is_available(at(2, 9, 0), at(2, 10, 0)), "Wed away");
        assert!(
            !v.is_available(at(3, 9, 0), at(3, 10, 0)),
            "Thu away (inclusive end)"
        );
        assert!(v.is_available(at(4, 9, 0), at(4, 10, 0)), "Fri back");
        assert!(v.is_available(at(5, 14, 30), at(5, 16, 0)), "Sat extra");
        assert!(
            !v.is_available(at(5, 9, 0), at(5, 10, 0)),
            "Sat morning still not free"
        );
        assert!(
            v.is_available(at(7, 10, 0), at(7, 12, 30)),
            "weekly morning plus touching extra range join up"
        );
        assert!(!v.is_available(at(9, 9, 0), at(9, 10, 0)));
        assert!(
            !v.is_available(at(9, 14, 0), at(9, 15, 0)),
            "away beats extra"
        );
    }

    #[test]
    fn availability_across_midnight_needs_both_days() {
        let mut v = sample();
        let late = TimeRange::hm(21, 0, 24, 0).expect("r");
        let early = TimeRange::hm(0, 0, 2, 0).expect("r");
        v.availability =
            WeeklyAvailability::on_days(&[Weekday::Tue], &[late]).expect("availability");
        // Tue 1st 22:00 → Wed 2nd 01:00: Wednesday's early hours are missing.
        assert!(!v.is_available(at(1, 22, 0), at(2, 1, 0)));
        v.availability.days[Weekday::Wed.num_days_from_monday() as usize].push(early);
        assert!(v.is_available(at(1, 22, 0), at(2, 1, 0)));
        // Ending exactly at midnight only needs Tuesday.
        assert!(v.is_available(at(1, 22, 0), at(2, 0, 0)));
        // Away on the second day breaks it.
        v.exceptions = vec![
            AvailabilityException::away(at(2, 0, 0).date(), at(2, 0, 0).date()).expect("away"),
        ];
        assert!(!v.is_available(at(1, 22, 0), at(2, 1, 0)));
        assert!(v.is_available(at(1, 22, 0), at(2, 0, 0)));
    }
}

/// Two-character surnames common enough that a name starting with one is read that way.
const COMPOUND_SURNAMES: [&str; 12] = [
    "欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒",
];

fn first_name(full: &str) -> String {
    let full = full.trim();
    let is_han = |c: char| ('\u{4e00}'..='\u{9fff}').contains(&c);
    if !full.chars().all(is_han) {
        // Latin-script names put the given name first.
        return full.split_whitespace().next().unwrap_or(full).to_owned();
    }
    let surname_chars = if COMPOUND_SURNAMES.iter().any(|s| full.starts_with(s)) {
        2
    } else {
        1
    };
    let given: String = full.chars().skip(surname_chars).collect();
    if given.is_empty() {
        full.to_owned()
    } else {
        given
    }
}

#[cfg(test)]
mod first_name_tests {
    use super::first_name;

    #[test]
    fn drops_the_surname_of_chinese_names_and_keeps_the_first_word_of_latin_ones() {
        assert_eq!(first_name("王秀英"), "秀英");
        assert_eq!(first_name("李明"), "明");
        assert_eq!(first_name("欧阳明月"), "明月");
        assert_eq!(first_name("Anna Smith"), "Anna");
        assert_eq!(first_name("王"), "王");
        assert_eq!(first_name(" 张伟 "), "伟");
    }
}
