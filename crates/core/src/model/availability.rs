use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use super::error::ValidationError;

/// A span of one day in minutes since local midnight, `start_min..end_min` (end exclusive,
/// `end_min` may be 1440 = midnight at the end of the day). Minutes keep the maths integer and
/// the JSON small.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimeRange {
    pub start_min: u16,
    pub end_min: u16,
}

impl TimeRange {
    /// Minutes in a day; the largest allowed `end_min`.
    pub const MINUTES_PER_DAY: u16 = 1440;

    /// A validated range from minutes since midnight.
    pub fn new(start_min: u16, end_min: u16) -> Result<Self, ValidationError> {
        let range = Self { start_min, end_min };
        range.validate()?;
        Ok(range)
    }

    /// A validated range from hours and minutes: `TimeRange::hm(8, 30, 11, 30)` = 08:30–11:30.
    pub fn hm(start_h: u16, start_m: u16, end_h: u16, end_m: u16) -> Result<Self, ValidationError> {
        let start = start_h.saturating_mul(60).saturating_add(start_m);
        let end = end_h.saturating_mul(60).saturating_add(end_m);
        Self::new(start, end)
    }

    /// Rejects `end <= start` and ranges past midnight.
    pub fn validate(&self) -> Result<(), ValidationError> {
        if self.end_min > Self::MINUTES_PER_DAY || self.start_min > Self::MINUTES_PER_DAY {
            return Err(ValidationError::TimeRangeOutOfDay {
                start_min: self.start_min,
                end_min: self.end_min,
            });
        }
        if self.start_min >= self.end_min {
            return Err(ValidationError::EmptyTimeRange {
                start_min: self.start_min,
                end_min: self.end_min,
            });
        }
        Ok(())
    }

    /// Length in minutes (0 for an invalid range).
    pub fn minutes(&self) -> u16 {
        self.end_min.saturating_sub(self.start_min)
    }
}

/// Validates a day's ranges, then returns them sorted with touching ranges merged
/// (09:00–10:00 + 10:00–11:00 → 09:00–11:00). Overlapping ranges are an error, not merged,
/// because they usually mean a data-entry mistake.
fn normalise(ranges: &[TimeRange]) -> Result<Vec<TimeRange>, ValidationError> {
    for r in ranges {
        r.validate()?;
    }
    let mut sorted = ranges.to_vec();
    sorted.sort_unstable();
    let mut out: Vec<TimeRange> = Vec::with_capacity(sorted.len());
    for r in sorted {
        match out.last_mut() {
            Some(last) if last.end_min > r.start_min => {
                return Err(ValidationError::OverlappingRanges {
                    first: *last,
                    second: r,
                })
            }
            Some(last) if last.end_min == r.start_min => last.end_min = r.end_min,
            _ => out.push(r),
        }
    }
    Ok(out)
}

/// True if the union of `ranges` covers all of `start..end` (works on unsorted input).
fn union_covers<'a, I>(ranges: I, start: u16, end: u16) -> bool
where
    I: Iterator<Item = &'a TimeRange> + Clone,
{
    if start >= end {
        return false;
    }
    let mut cursor = start;
    while cursor < end {
        let reach = ranges
            .clone()
            .filter(|r| r.start_min <= cursor && r.end_min > cursor)
            .map(|r| r.end_min)
            .max();
        match reach {
            Some(next) => cursor = next,
            None => return false,
        }
    }
    true
}

/// The hours a volunteer is usually free, per weekday (index 0 = Monday … 6 = Sunday), in local
/// village time. Dated changes go in [`AvailabilityException`]s instead.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WeeklyAvailability {
    pub days: [Vec<TimeRange>; 7],
}

impl WeeklyAvailability {
    /// Validates every day and stores it normalised (sorted, touching ranges merged).
    pub fn new(days: [Vec<TimeRange>; 7]) -> Result<Self, ValidationError> {
        let mut out = Self::default();
        for (slot, ranges) in out.days.iter_mut().zip(days.iter()) {
            *slot = normalise(ranges)?;
        }
        Ok(out)
    }

    /// The same ranges on each of the given weekdays, e.g. weekday mornings.
    pub fn on_days(weekdays: &[Weekday], ranges: &[TimeRange]) -> Result<Self, ValidationError> {
        let mut days: [Vec<TimeRange>; 7] = Default::default();
        for &wd in weekdays {
            days[wd.num_days_from_monday() as usize].extend_from_slice(ranges);
        }
        Self::new(days)
    }

    /// The ranges for one weekday.
    pub fn day(&self, weekday: Weekday) -> &[TimeRange] {
        &self.days[weekday.num_days_from_monday() as usize]
    }

    /// Checks every range is inside the day, non-empty, and no two overlap (touching is fine).
    pub fn validate(&self) -> Result<(), ValidationError> {
        for day in &self.days {
            normalise(day)?;
        }
        Ok(())
    }

    /// True if the volunteer is usually free for all of `start_min..end_min` on `weekday`
    /// (possibly across several touching ranges). An empty query (`start >= end`) is `false`.
    pub fn covers(&self, weekday: Weekday, start_min: u16, end_min: u16) -> bool {
        union_covers(self.day(weekday).iter(), start_min, end_min)
    }

    /// Total free minutes in a normal week (assumes a valid, non-overlapping availability).
    pub fn minutes_per_week(&self) -> u32 {
        self.days
            .iter()
            .flatten()
            .map(|r| u32::from(r.minutes()))
            .sum()
    }

    /// True if no time at all is offered.
    pub fn is_empty(&self) -> bool {
        self.days.iter().all(Vec::is_empty)
    }
}

/// What a dated exception does to the weekly pattern.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ExceptionKind {
    /// Not available at all on these days (travel, harvest, illness). Wins over `Extra`.
    Away,
    /// Available on these days during `ranges` in addition to the weekly pattern.
    Extra { ranges: Vec<TimeRange> },
}

/// A dated change to a volunteer's weekly availability, for whole days `date_from..=date_to`
/// (local dates), so that volunteers can say "away for Spring Festival" without editing their
/// usual week.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AvailabilityException {
    pub date_from: NaiveDate,
    pub date_to: NaiveDate,
    pub kind: ExceptionKind,
}

impl AvailabilityException {
    /// Away for whole days, validated.
    pub fn away(date_from: NaiveDate, date_to: NaiveDate) -> Result<Self, ValidationError> {
        let e = Self {
            date_from,
            date_to,
            kind: ExceptionKind::Away,
        };
        e.validate()?;
        Ok(e)
    }

    /// Extra free time on each of these days, validated.
    pub fn extra(
        date_from: NaiveDate,
        date_to: NaiveDate,
        ranges: Vec<TimeRange>,
    ) -> Result<Self, ValidationError> {
        let e = Self {
            date_from,
            date_to,
            kind: ExceptionKind::Extra { ranges },
        };
        e.validate()?;
        Ok(e)
    }

    /// Rejects reversed dates and bad or empty extra ranges.
    pub fn validate(&self) -> Result<(), ValidationError> {
        if self.date_to < self.date_from {
            return Err(ValidationError::ExceptionDatesReversed {
                date_from: self.date_from,
                date_to: self.date_to,
            });
        }
        if let ExceptionKind::Extra { ranges } = &self.kind {
            if ranges.is_empty() {
                return Err(ValidationError::ExtraWithoutRanges);
            }
            normalise(ranges)?;
        }
        Ok(())
    }

    /// True if the exception covers `date`.
    pub fn applies_on(&self, date: NaiveDate) -> bool {
        self.date_from <= date && date <= self.date_to
    }
}

/// Is someone with this weekly pattern and these exceptions free for `start..end` minutes on
/// `date`? Away days remove everything; extra ranges add to the weekly pattern.
pub(crate) fn free_on(
    weekly: &WeeklyAvailability,
    exceptions: &[AvailabilityException],
    date: NaiveDate,
    start_min: u16,
    end_min: u16,
) -> bool {
    let today = exceptions.iter().filter(|e| e.applies_on(date));
    if today.clone().any(|e| e.kind == ExceptionKind::Away) {
        return false;
    }
    let extra = today.flat_map(|e| match &e.kind {
        ExceptionKind::Extra { ranges } => ranges.as_slice(),
        ExceptionKind::Away => &[],
    });
    union_covers(
        weekly.day(date.weekday()).iter().chain(extra),
        start_min,
        end_min,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(a: u16, b: u16) -> TimeRange {
        TimeRange {
            start_min: a,
            end_min: b,
        }
    }

    #[test]
    fn time_range_rules() {
        assert_eq!(TimeRange::hm(8, 30, 11, 0), Ok(r(510, 660)));
        assert_eq!(TimeRange::new(0, 1440), Ok(r(0, 1440)));
        assert_eq!(
            TimeRange::new(600, 600),
            Err(ValidationError::EmptyTimeRange {
                start_min: 600,
                end_min: 600
            })
        );
        assert_eq!(
            TimeRange::new(700, 600),
            Err(ValidationError::EmptyTimeRange {
                start_min: 700,
                end_min: 600
            })
        );
        assert_eq!(
            TimeRange::new(1400, 1441),
            Err(ValidationError::TimeRangeOutOfDay {
                start_min: 1400,
                end_min: 1441
            })
        );
    }

    #[test]
    fn weekly_normalises_and_rejects_overlaps() {
        let mut days: [Vec<TimeRange>; 7] = Default::default();
        days[0] = vec![r(600, 660), r(480, 540), r(540, 600)];
        let weekly = WeeklyAvailability::new(days).expect("valid");
        assert_eq!(weekly.day(Weekday::Mon), &[r(480, 660)]);
        assert_eq!(weekly.minutes_per_week(), 180);

        let mut days: [Vec<TimeRange>; 7] = Default::default();
        days[2] = vec![r(600, 700), r(480, 601)];
        assert_eq!(
            WeeklyAvailability::new(days.clone()),
            Err(ValidationError::OverlappingRanges {
                first: r(480, 601),
                second: r(600, 700)
            })
        );
        let raw = WeeklyAvailability { days };
        assert!(raw.validate().is_err());

        let mut days: [Vec<TimeRange>; 7] = Default::default();
        days[6] = vec![r(900, 800)];
        assert!(matches!(
            WeeklyAvailability::new(days),
            Err(ValidationError::EmptyTimeRange { .. })
        ));
    }

    #[test]
    fn covers_uses_the_right_day_and_joins_touching_ranges() {
        let mut days: [Vec<TimeRange>; 7] = Default::default();
        // Unnormalised on purpose (as it might arrive from JSON): two touching ranges on Tuesday.
        days[1] = vec![r(600, 720), r(480, 600)];
        let weekly = WeeklyAvailability { days };
        assert!(weekly.covers(Weekday::Tue, 480, 720));
        assert!(weekly.covers(Weekday::Tue, 540, 660));
        assert!(!weekly.covers(Weekday::Tue, 470, 600));
        assert!(!weekly.covers(Weekday::Tue, 700, 730));
        assert!(!weekly.covers(Weekday::Mon, 540, 600));
        assert!(!weekly.covers(Weekday::Tue, 600, 600), "empty query");

        let gap = WeeklyAvailability::on_days(&[Weekday::Sat], &[r(480, 600), r(660, 720)])
            .expect("valid");
        assert!(
            !gap.covers(Weekday::Sat, 540, 690),
            "a gap 10:00–11:00 breaks coverage"
        );
        assert!(gap.covers(Weekday::Sat, 660, 720));
    }

    #[test]
    fn exception_rules() {
        let d = |day| NaiveDate::from_ymd_opt(2026, 12, day).expect("date");
        assert!(AvailabilityException::away(d(3), d(3)).is_ok());
        assert_eq!(
            AvailabilityException::away(d(5), d(3)),
            Err(ValidationError::ExceptionDatesReversed {
                date_from: d(5),
                date_to: d(3)
            })
        );
        assert_eq!(
            AvailabilityException::extra(d(1), d(2), vec![]),
            Err(ValidationError::ExtraWithoutRanges)
        );
        assert!(matches!(
            AvailabilityException::extra(d(1), d(2), vec![r(0, 100), r(50, 200)]),
            Err(ValidationError::OverlappingRanges { .. })
        ));
        let e = AvailabilityException::extra(d(1), d(2), vec![r(0, 100)]).expect("valid");
        assert!(e.applies_on(d(1)) && e.applies_on(d(2)) && !e.applies_on(d(3)));
        let json = serde_json::to_string(&e).expect("serialise");
        assert!(json.contains("\"type\":\"extra\""), "{json}");
    }
}

/// The three parts of a day a volunteer can tap on a phone instead of typing hours.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayPart {
    /// 08:00–12:00
    Morning,
    /// 13:00–17:00
    Afternoon,
    /// 18:00–21:00
    Evening,
}

impl DayPart {
    pub const ALL: [DayPart; 3] = [DayPart::Morning, DayPart::Afternoon, DayPart::Evening];

    /// The hours the part stands for.
    pub fn range(self) -> TimeRange {
        let (start, end) = match self {
            DayPart::Morning => (8 * 60, 12 * 60),
            DayPart::Afternoon => (13 * 60, 17 * 60),
            DayPart::Evening => (18 * 60, 21 * 60),
        };
        TimeRange {
            start_min: start,
            end_min: end,
        }
    }
}

impl WeeklyAvailability {
    /// True if the whole part of that day (0 = Monday) is free.
    pub fn has_part(&self, day: usize, part: DayPart) -> bool {
        let r = part.range();
        self.days
            .get(day)
            .is_some_and(|ranges| union_covers(ranges.iter(), r.start_min, r.end_min))
    }

    /// Turns a part of a day on (adds its hours) or off (removes exactly its hours, keeping any
    /// other free time the volunteer typed in).
    pub fn set_part(&mut self, day: usize, part: DayPart, on: bool) {
        let Some(ranges) = self.days.get_mut(day) else {
            return;
        };
        let cut = part.range();
        let mut next: Vec<TimeRange> = Vec::new();
        for r in ranges.iter() {
            if r.end_min <= cut.start_min || r.start_min >= cut.end_min {
                next.push(*r);
                continue;
            }
            if r.start_min < cut.start_min {
                next.push(TimeRange {
                    start_min: r.start_min,
                    end_min: cut.start_min,
                });
            }
            if r.end_min > cut.end_min {
                next.push(TimeRange {
                    start_min: cut.end_min,
                    end_min: r.end_min,
                });
            }
        }
        if on {
            next.push(cut);
        }
        // Pieces of valid ranges, plus a non-overlapping cut: normalising cannot fail.
        *ranges = normalise(&next).unwrap_or(next);
    }
}

#[cfg(test)]
mod day_part_tests {
    use super::*;

    #[test]
    fn tapping_a_part_adds_and_removes_exactly_its_hours() {
        let mut week = WeeklyAvailability::default();
        assert!(!week.has_part(1, DayPart::Morning));
        week.set_part(1, DayPart::Morning, true);
        week.set_part(1, DayPart::Afternoon, true);
        assert!(week.has_part(1, DayPart::Morning) && week.has_part(1, DayPart::Afternoon));
        assert!(!week.has_part(2, DayPart::Morning), "only that day");
        assert_eq!(week.minutes_per_week(), 8 * 60);
        week.set_part(1, DayPart::Morning, false);
        assert!(!week.has_part(1, DayPart::Morning));
        assert_eq!(week.day(Weekday::Tue), &[DayPart::Afternoon.range()]);
        assert!(week.validate().is_ok());
    }

    #[test]
    fn removing_a_part_keeps_typed_hours_around_it() {
        let mut week = WeeklyAvailability::default();
        week.days[0] = vec![TimeRange::hm(7, 0, 14, 0).expect("range")];
        assert!(week.has_part(0, DayPart::Morning));
        week.set_part(0, DayPart::Morning, false);
        assert_eq!(
            week.days[0],
            vec![
                TimeRange::hm(7, 0, 8, 0).expect("range"),
                TimeRange::hm(12, 0, 14, 0).expect("range")
            ]
        );
        week.set_part(0, DayPart::Morning, true);
        assert_eq!(
            week.days[0],
            vec![TimeRange::hm(7, 0, 14, 0).expect("range")]
        );
    }
}

impl WeeklyAvailability {
    /// Adds a range to one day (0 = Monday) under the same rules as [`WeeklyAvailability::new`]:
    /// the day is stored normalised, and on an error (empty or overlapping range) nothing
    /// changes, so a form can show the error and keep the last valid week. A day outside 0..7
    /// changes nothing, as with [`WeeklyAvailability::set_part`].
    pub fn add_range(&mut self, day: usize, range: TimeRange) -> Result<(), ValidationError> {
        let Some(ranges) = self.days.get_mut(day) else {
            return Ok(());
        };
        let mut next = ranges.clone();
        next.push(range);
        *ranges = normalise(&next)?;
        Ok(())
    }

    /// Changes the `index`th range of a day (in stored order) to `range`, under the same rules
    /// and with the same "nothing changes on error" promise as [`WeeklyAvailability::add_range`].
    /// An index past the end adds the range.
    pub fn replace_range(
        &mut self,
        day: usize,
        index: usize,
        range: TimeRange,
    ) -> Result<(), ValidationError> {
        let Some(ranges) = self.days.get_mut(day) else {
            return Ok(());
        };
        let mut next = ranges.clone();
        if index < next.len() {
            next.remove(index);
        }
        next.push(range);
        *ranges = normalise(&next)?;
        Ok(())
    }

    /// Removes the `index`th range of a day and returns it (`None` if there is no such range).
    /// Removing never makes a valid day invalid, so there is no error case.
    pub fn remove_range(&mut self, day: usize, index: usize) -> Option<TimeRange> {
        let ranges = self.days.get_mut(day)?;
        (index < ranges.len()).then(|| ranges.remove(index))
    }

    /// A free `minutes`-long range to offer when a volunteer taps "add" on a day, for them to
    /// adjust: 09:00 on an empty day, otherwise an hour after the day's last range, so that it
    /// sorts last; failing that, the earliest free half-hour start. It never touches an existing
    /// range, because touching ranges merge and the new one would not appear as its own row.
    /// `None` when the day has no such room (or the day does not exist).
    pub fn suggest_range(&self, day: usize, minutes: u16) -> Option<TimeRange> {
        let ranges = self.days.get(day)?;
        let fits = |start: u16| {
            let end = start.saturating_add(minutes);
            minutes > 0
                && end <= TimeRange::MINUTES_PER_DAY
                && ranges
                    .iter()
                    .all(|r| r.end_min < start || r.start_min > end)
        };
        let preferred = ranges
            .iter()
            .map(|r| r.end_min.saturating_add(60))
            .max()
            .unwrap_or(9 * 60);
        std::iter::once(preferred)
            .chain((0..TimeRange::MINUTES_PER_DAY).step_by(30))
            .find(|&start| fits(start))
            .map(|start| TimeRange {
                start_min: start,
                end_min: start + minutes,
            })
    }
}

#[cfg(test)]
mod range_edit_tests {
    use super::*;

    fn hm(a: (u16, u16), b: (u16, u16)) -> TimeRange {
        TimeRange::hm(a.0, a.1, b.0, b.1).expect("range")
    }

    #[test]
    fn adding_keeps_the_day_normalised_and_refuses_bad_ranges_without_changing_anything() {
        let mut week = WeeklyAvailability::default();
        week.add_range(0, hm((13, 0), (17, 0))).expect("valid");
        week.add_range(0, hm((8, 0), (12, 0))).expect("valid");
        assert_eq!(
            week.days[0],
            vec![hm((8, 0), (12, 0)), hm((13, 0), (17, 0))]
        );
        // Touching joins up, as in `new`.
        week.add_range(0, hm((12, 0), (13, 0))).expect("valid");
        assert_eq!(week.days[0], vec![hm((8, 0), (17, 0))]);

        let before = week.clone();
        assert!(matches!(
            week.add_range(0, hm((16, 0), (18, 0))),
            Err(ValidationError::OverlappingRanges { .. })
        ));
        let reversed = TimeRange {
            start_min: 600,
            end_min: 540,
        };
        assert!(matches!(
            week.add_range(1, reversed),
            Err(ValidationError::EmptyTimeRange { .. })
        ));
        assert_eq!(week, before, "a refused range changes nothing");
        assert_eq!(week.add_range(7, hm((8, 0), (9, 0))), Ok(()));
        assert_eq!(week, before, "no eighth day");
    }

    #[test]
    fn replacing_and_removing_by_index() {
        let mut week = WeeklyAvailability::default();
        week.days[2] = vec![hm((8, 0), (10, 0)), hm((14, 0), (16, 0))];
        week.replace_range(2, 1, hm((15, 0), (18, 0)))
            .expect("valid");
        assert_eq!(
            week.days[2],
            vec![hm((8, 0), (10, 0)), hm((15, 0), (18, 0))]
        );
        // Moving the second range before the first re-sorts the day.
        week.replace_range(2, 1, hm((6, 0), (7, 0))).expect("valid");
        assert_eq!(week.days[2], vec![hm((6, 0), (7, 0)), hm((8, 0), (10, 0))]);

        let before = week.clone();
        assert!(week.replace_range(2, 0, hm((9, 0), (11, 0))).is_err());
        assert_eq!(week, before);
        // A range may be changed to overlap only its own old self.
        week.replace_range(2, 0, hm((6, 30), (7, 30)))
            .expect("valid");
        assert_eq!(week.days[2][0], hm((6, 30), (7, 30)));
        week.replace_range(2, 9, hm((20, 0), (21, 0)))
            .expect("past the end adds");
        assert_eq!(week.days[2].len(), 3);

        assert_eq!(week.remove_range(2, 0), Some(hm((6, 30), (7, 30))));
        assert_eq!(week.remove_range(2, 5), None);
        assert_eq!(week.remove_range(9, 0), None);
        assert_eq!(
            week.days[2],
            vec![hm((8, 0), (10, 0)), hm((20, 0), (21, 0))]
        );
        assert!(week.validate().is_ok());
    }

    #[test]
    fn a_suggested_range_is_free_separate_and_sorts_last_when_there_is_room() {
        let mut week = WeeklyAvailability::default();
        assert_eq!(week.suggest_range(0, 60), Some(hm((9, 0), (10, 0))));
        week.days[0] = vec![hm((8, 0), (12, 0))];
        let next = week.suggest_range(0, 60).expect("room");
        assert_eq!(next, hm((13, 0), (14, 0)));
        week.add_range(0, next)
            .expect("a suggestion is always accepted");
        assert_eq!(week.days[0].len(), 2, "its own row, not merged");
        assert_eq!(week.days[0][1], next, "last");

        // Late evening taken: the earliest free start is used instead.
        week.days[1] = vec![hm((21, 0), (24, 0))];
        assert_eq!(week.suggest_range(1, 60), Some(hm((0, 0), (1, 0))));
        week.days[2] = vec![hm((0, 0), (24, 0))];
        assert_eq!(week.suggest_range(2, 60), None);
        assert_eq!(week.suggest_range(7, 60), None);
        assert_eq!(week.suggest_range(3, 0), None);
    }
}
