use chrono::{Datelike, NaiveDate, NaiveDateTime, Weekday};
use serde::{Deserialize, Serialize};

use super::error::ValidationError;
use super::task::Task;

/// When a weekly series stops.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecurrenceEnd {
    /// Last possible date (inclusive).
    Until(NaiveDate),
    /// Number of occurrences, counted from [`Recurrence::from`].
    Count(u32),
}

/// A weekly rule ("every Tuesday and Friday from 1 December, 8 times") so coordinators enter a
/// regular visit once; [`Recurrence::expand`] turns it into ordinary dated tasks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recurrence {
    pub weekdays: Vec<Weekday>,
    /// First possible date (inclusive).
    pub from: NaiveDate,
    pub end: RecurrenceEnd,
}

impl Recurrence {
    /// Safety cap on occurrences produced by one expansion (about 27 years of daily tasks).
    pub const MAX_OCCURRENCES: usize = 10_000;

    /// A validated weekly rule.
    pub fn weekly(
        weekdays: Vec<Weekday>,
        from: NaiveDate,
        end: RecurrenceEnd,
    ) -> Result<Self, ValidationError> {
        let rule = Self {
            weekdays,
            from,
            end,
        };
        rule.validate()?;
        Ok(rule)
    }

    /// Rejects an empty weekday list, an end before the start and a zero count.
    pub fn validate(&self) -> Result<(), ValidationError> {
        if self.weekdays.is_empty() {
            return Err(ValidationError::NoWeekdays);
        }
        match self.end {
            RecurrenceEnd::Until(until) if until < self.from => {
                Err(ValidationError::UntilBeforeFrom {
                    from: self.from,
                    until,
                })
            }
            RecurrenceEnd::Count(0) => Err(ValidationError::ZeroCount),
            _ => Ok(()),
        }
    }

    /// The dates of the series that fall within `window_from..=window_to`, in order. Counts are
    /// always counted from the rule's own start, so a window in the middle of a counted series
    /// sees the same dates as a full expansion would. An invalid rule yields nothing.
    pub fn dates(&self, window_from: NaiveDate, window_to: NaiveDate) -> Vec<NaiveDate> {
        let mut out = Vec::new();
        if self.validate().is_err() {
            return out;
        }
        let last = match self.end {
            RecurrenceEnd::Until(until) => until.min(window_to),
            RecurrenceEnd::Count(_) => window_to,
        };
        let mut remaining = match self.end {
            RecurrenceEnd::Count(n) => n,
            RecurrenceEnd::Until(_) => u32::MAX,
        };
        // Counted series must be walked from their start; others can jump to the window.
        let mut day = match self.end {
            RecurrenceEnd::Count(_) => self.from,
            RecurrenceEnd::Until(_) => self.from.max(window_from),
        };
        while day <= last && remaining > 0 && out.len() < Self::MAX_OCCURRENCES {
            if self.weekdays.contains(&day.weekday()) {
                remaining -= 1;
                if day >= window_from {
                    out.push(day);
                }
            }
            day = match day.succ_opt() {
                Some(next) => next,
                None => break,
            };
        }
        out
    }

    /// One task per date of [`Self::dates`]: a copy of `template` moved to that date (keeping
    /// its local start time and duration), with id `"<template id>@YYYY-MM-DD"` and
    /// `series = template.id`. The template's own date is ignored.
    pub fn expand(&self, template: &Task, from: NaiveDate, to: NaiveDate) -> Vec<Task> {
        let duration = template.end - template.start;
        self.dates(from, to)
            .into_iter()
            .filter_map(|date| {
                let start = NaiveDateTime::new(date, template.start.time());
                let end = start.checked_add_signed(duration)?;
                Some(Task {
                    id: template.id.occurrence(date),
                    start,
                    end,
                    series: Some(template.id.clone()),
                    ..template.clone()
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::task::tests::{at, sample};
    use crate::model::TaskId;

    fn d(month: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, month, day).expect("date")
    }

    #[test]
    fn recurrence_validation() {
        assert_eq!(
            Recurrence::weekly(vec![], d(12, 1), RecurrenceEnd::Count(3)),
            Err(ValidationError::NoWeekdays)
        );
        assert_eq!(
            Recurrence::weekly(
                vec![Weekday::Mon],
                d(12, 10),
                RecurrenceEnd::Until(d(12, 9))
            ),
            Err(ValidationError::UntilBeforeFrom {
                from: d(12, 10),
                until: d(12, 9)
            })
        );
        assert_eq!(
            Recurrence::weekly(vec![Weekday::Mon], d(12, 1), RecurrenceEnd::Count(0)),
            Err(ValidationError::ZeroCount)
        );
        assert!(
            Recurrence::weekly(vec![Weekday::Mon], d(12, 1), RecurrenceEnd::Until(d(12, 1)))
                .is_ok()
        );
    }

    #[test]
    fn until_series_gives_the_right_dates() {
        // Tuesdays and Fridays in December 2026 from the 1st (a Tuesday) to the 15th.
        let rule = Recurrence::weekly(
            vec![Weekday::Tue, Weekday::Fri],
            d(12, 1),
            RecurrenceEnd::Until(d(12, 15)),
        )
        .expect("rule");
        assert_eq!(
            rule.dates(d(11, 1), d(12, 31)),
            vec![d(12, 1), d(12, 4), d(12, 8), d(12, 11), d(12, 15)]
        );
        // A narrower window clips both ends.
        assert_eq!(rule.dates(d(12, 5), d(12, 11)), vec![d(12, 8), d(12, 11)]);
        assert!(rule.dates(d(12, 16), d(12, 31)).is_empty());
    }

    #[test]
    fn count_is_counted_from_the_series_start() {
        let rule = Recurrence::weekly(vec![Weekday::Wed], d(12, 1), RecurrenceEnd::Count(3))
            .expect("rule");
        assert_eq!(
            rule.dates(d(12, 1), d(12, 31)),
            vec![d(12, 2), d(12, 9), d(12, 16)]
        );
        // Window after the first occurrence: still only the 2nd and 3rd.
        assert_eq!(rule.dates(d(12, 5), d(12, 31)), vec![d(12, 9), d(12, 16)]);
        // Duplicated weekdays do not double-count.
        let dup = Recurrence::weekly(
            vec![Weekday::Wed, Weekday::Wed],
            d(12, 1),
            RecurrenceEnd::Count(2),
        )
        .expect("rule");
        assert_eq!(dup.dates(d(12, 1), d(12, 31)), vec![d(12, 2), d(12, 9)]);
    }

    #[test]
    fn expand_builds_dated_occurrences_with_derived_ids() {
        let template = sample(); // t-0001, 2026-12-01 09:30–11:00
        let rule = Recurrence::weekly(vec![Weekday::Thu], d(11, 1), RecurrenceEnd::Count(4))
            .expect("rule");
        let tasks = rule.expand(&template, d(12, 1), d(12, 31));
        // November has Thursdays 5, 12, 19, 26 — the count is used up before December.
        assert!(tasks.is_empty());

        let rule = Recurrence::weekly(vec![Weekday::Thu], d(12, 1), RecurrenceEnd::Count(4))
            .expect("rule");
        let tasks = rule.expand(&template, d(12, 1), d(12, 31));
        let ids: Vec<&str> = tasks.iter().map(|t| t.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "t-0001@2026-12-03",
                "t-0001@2026-12-10",
                "t-0001@2026-12-17",
                "t-0001@2026-12-24"
            ]
        );
        for t in &tasks {
            assert_eq!(t.duration_minutes(), 90);
            assert_eq!(t.start.time(), at(1, 9, 30).time());
            assert_eq!(t.series, Some(TaskId::new("t-0001")));
            assert_eq!(t.kind, template.kind);
            assert_eq!(t.validate(), Ok(()));
        }
        assert_eq!(tasks[0].start, at(3, 9, 30));
    }

    #[test]
    fn expand_keeps_midnight_crossing_duration() {
        let night = Task::new(
            "t-9",
            crate::model::TaskKind::WindowDuty,
            "夜班",
            at(1, 22, 0),
            at(2, 2, 0),
        )
        .expect("valid");
        let rule = Recurrence::weekly(
            vec![Weekday::Sat],
            d(12, 1),
            RecurrenceEnd::Until(d(12, 31)),
        )
        .expect("rule");
        let tasks = rule.expand(&night, d(12, 1), d(12, 12));
        assert_eq!(tasks.len(), 2);
        assert_eq!(tasks[0].start, at(5, 22, 0));
        assert_eq!(tasks[0].end, at(6, 2, 0));
    }
}
