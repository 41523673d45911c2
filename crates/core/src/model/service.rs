//! What a volunteer actually gave: check-in and check-out times of one task, and the note they
//! left for the coordinator; the beneficiary's co-signature (card code) or a coordinator's word
//! that the visit happened; and the coordinator's review of the hours (approved, adjusted,
//! rejected, no-show), kept as an append-only history. The source of "my service" hours and of
//! the time-bank credits.

use chrono::{NaiveDate, NaiveDateTime, TimeDelta};
use serde::{Deserialize, Serialize};

use super::ids::{TaskId, VolunteerId};
use super::task::{Task, TaskKind};

/// One reading of a clock at check-in or check-out.
///
/// The phone may be offline, so the time that counts is the one its clock showed (`device`,
/// village local time), marked as such wherever it is shown. The server adds when it received
/// the reading (`received`, Unix seconds, UTC), so a coordinator can spot a phone whose clock
/// is days off. Both are kept; neither is overwritten.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClockReading {
    pub device: NaiveDateTime,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub received: Option<i64>,
}

/// A volunteer's record of service on one task.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceRecord {
    pub task: TaskId,
    pub volunteer: VolunteerId,
    /// Copied from the task, so the record can be summed by kind on its own.
    pub kind: TaskKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check_in: Option<ClockReading>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check_out: Option<ClockReading>,
    /// The volunteer's note after the visit, for the coordinator ("Grandma Li needs her
    /// medicine refilled").
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
    /// Whether the visit is vouched for: by the code on the beneficiary's card, or by a
    /// coordinator (or disputed by one). Absent in records from before co-signing: unconfirmed.
    #[serde(default, skip_serializing_if = "Confirmation::is_unconfirmed")]
    pub confirmation: Confirmation,
    /// Wrong card codes entered since the record was opened (or last re-opened by a
    /// coordinator). At [`ServiceRecord::MAX_WRONG_CODES`] the record is locked for
    /// confirmation: someone may be guessing, so only a coordinator can go on.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub wrong_codes: u32,
    /// The coordinator's decisions on the hours, oldest first. Only ever appended to, so an
    /// adjustment's reason and the minutes before it stay readable.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reviews: Vec<Review>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// How a visit came to be confirmed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConfirmationMethod {
    /// The volunteer entered the code printed on the beneficiary's card.
    CardCode,
    /// The volunteer entered the code a family member's own phone worked out from the card
    /// (`family_visit_code`): the card's code itself never reached the volunteer's phone.
    FamilyPhone,
    /// A coordinator confirmed it by hand (e.g. after calling the family).
    Coordinator,
}

/// Whether a visit is vouched for. On the wire `{"state": "confirmed", "how": "card_code",
/// "received": 1767225600}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case", deny_unknown_fields)]
pub enum Confirmation {
    #[default]
    Unconfirmed,
    /// Only in a volunteer's phone: a card code was entered and waits for the server, which
    /// alone holds the card codes and can check it.
    AwaitingVerification,
    Confirmed {
        how: ConfirmationMethod,
        /// The coordinator who confirmed by hand.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by: Option<String>,
        /// When the server received the confirmation (Unix seconds, its clock).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        received: Option<i64>,
    },
    /// A coordinator's finding that the visit did not happen as recorded (the family says so).
    Disputed {
        reason: String,
        by: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        received: Option<i64>,
    },
}

impl Confirmation {
    pub fn is_unconfirmed(&self) -> bool {
        *self == Confirmation::Unconfirmed
    }

    pub fn is_confirmed(&self) -> bool {
        matches!(self, Confirmation::Confirmed { .. })
    }
}

/// What a card code entered to co-sign a visit did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CodeVerdict {
    /// On a phone: entered, waiting for the server (which alone holds the card codes).
    Pending,
    /// The right code: the visit is confirmed.
    Confirmed,
    /// A wrong code, counted on the record.
    Wrong,
    /// A wrong code that was the last allowed: the record is now locked for confirmation.
    Locked,
}

/// What a coordinator decided about a record's hours.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewAction {
    /// The hours by the phone's clock are right.
    Approved,
    /// The hours are `minutes` instead (a forgotten check-out, a visit cut short), for `reason`.
    Adjusted,
    /// Not counted, for `reason`.
    Rejected,
    /// The volunteer was confirmed on the task and never came.
    NoShow,
}

/// One decision in a record's review history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Review {
    pub action: ReviewAction,
    /// Approved or adjusted: the minutes that count from then on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minutes: Option<i64>,
    /// Why (required for an adjustment and a rejection).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
    /// The coordinator's id.
    pub by: String,
    /// When the server received it (Unix seconds); `None` in a device's optimistic copy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub received: Option<i64>,
}

/// Where a record's hours stand after its latest review.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HoursStatus {
    /// Not reviewed yet: the phone's clock is all there is.
    Pending,
    /// Approved (or adjusted to) these minutes.
    Approved {
        minutes: i64,
    },
    Rejected,
    NoShow,
}

impl ServiceRecord {
    /// The longest note a volunteer may leave.
    pub const MAX_NOTE_CHARS: usize = 2000;
    /// A check-out later than this after the check-in is refused as a mistake: a forgotten
    /// check-out is left for a coordinator to correct, not counted as a day of service.
    pub const MAX_MINUTES: i64 = 12 * 60;
    /// Wrong card codes after which the record is locked for confirmation. A code has a
    /// million values: five guesses find it one time in 200,000.
    pub const MAX_WRONG_CODES: u32 = 5;
    /// The longest reason for an adjustment, a rejection or a dispute.
    pub const MAX_REASON_CHARS: usize = 500;

    /// When a check-in is accepted, by the phone's clock: from an hour before the start (people
    /// arrive early) to six hours after the end (a late check-in is better than none; the
    /// coordinator sees both clocks). Outside it the phone's clock is likely wrong.
    pub fn check_in_window(task: &Task) -> (NaiveDateTime, NaiveDateTime) {
        (
            task.start - TimeDelta::hours(1),
            task.end + TimeDelta::hours(6),
        )
    }

    pub fn check_in_open(task: &Task, at: NaiveDateTime) -> bool {
        let (from, to) = Self::check_in_window(task);
        (from..=to).contains(&at)
    }

    pub fn new(task: TaskId, volunteer: VolunteerId, kind: TaskKind) -> Self {
        ServiceRecord {
            task,
            volunteer,
            kind,
            check_in: None,
            check_out: None,
            note: String::new(),
            confirmation: Confirmation::Unconfirmed,
            wrong_codes: 0,
            reviews: Vec::new(),
        }
    }

    /// Too many wrong card codes: only a coordinator may confirm, dispute or re-open it.
    pub fn confirmation_locked(&self) -> bool {
        self.wrong_codes >= Self::MAX_WRONG_CODES
    }

    /// Where the hours stand: the latest review decides.
    pub fn hours_status(&self) -> HoursStatus {
        match self.reviews.last() {
            None => HoursStatus::Pending,
            Some(review) => match review.action {
                ReviewAction::Approved | ReviewAction::Adjusted => HoursStatus::Approved {
                    minutes: review.minutes.unwrap_or(0),
                },
                ReviewAction::Rejected => HoursStatus::Rejected,
                ReviewAction::NoShow => HoursStatus::NoShow,
            },
        }
    }

    /// The minutes that count: the approved (or adjusted) ones once reviewed, none once
    /// rejected or recorded as a no-show, the phone's clock before any review.
    pub fn counted_minutes(&self) -> Option<i64> {
        match self.hours_status() {
            HoursStatus::Pending => self.minutes(),
            HoursStatus::Approved { minutes } => Some(minutes),
            HoursStatus::Rejected | HoursStatus::NoShow => None,
        }
    }

    /// Minutes of service by the phone's clock, once both check-in and check-out are recorded.
    pub fn minutes(&self) -> Option<i64> {
        let start = self.check_in.as_ref()?.device;
        let end = self.check_out.as_ref()?.device;
        Some((end - start).num_minutes())
    }

    /// The day the service was given (the check-in's date, by the phone's clock).
    pub fn date(&self) -> Option<NaiveDate> {
        self.check_in.as_ref().map(|c| c.device.date())
    }

    /// The day the record belongs to, for every "which month / which date range" question
    /// (public figures, reports, the coordinator's approvals): the check-in's date by the
    /// phone's clock, else the start date of its task. The fallback matters because a
    /// coordinator may set the hours of a confirmed volunteer who never checked in (a forgotten
    /// check-in, a no-show): those hours count, so they must land on some day, and the task's
    /// is the only one there is. `None` without a check-in and without the task (or with a
    /// `task` that is not this record's: a caller's mix-up must not file it on another day).
    pub fn day(&self, task: Option<&Task>) -> Option<NaiveDate> {
        self.date()
            .or_else(|| task.filter(|t| t.id == self.task).map(Task::date))
    }
}

/// Service minutes summed over records, in total and by task kind (in [`TaskKind`]'s order).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ServiceTotals {
    pub minutes: i64,
    pub visits: u32,
    pub by_kind: Vec<(TaskKind, i64)>,
}

impl ServiceTotals {
    /// Sums the records accepted by `include` (e.g. "in this month") by the minutes that count
    /// ([`ServiceRecord::counted_minutes`]: adjusted hours replace the clock's, rejected ones
    /// and no-shows count nothing).
    pub fn of<'a>(
        records: impl IntoIterator<Item = &'a ServiceRecord>,
        include: impl Fn(&ServiceRecord) -> bool,
    ) -> Self {
        let mut totals = ServiceTotals::default();
        for record in records {
            let Some(minutes) = record.counted_minutes() else {
                continue;
            };
            if !include(record) {
                continue;
            }
            totals.minutes += minutes;
            totals.visits += 1;
            match totals.by_kind.iter_mut().find(|(k, _)| *k == record.kind) {
                Some((_, m)) => *m += minutes,
                None => totals.by_kind.push((record.kind, minutes)),
            }
        }
        totals.by_kind.sort_by_key(|(k, _)| *k);
        totals
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(day: u32, h: u32, m: u32) -> ClockReading {
        ClockReading {
            device: NaiveDate::from_ymd_opt(2026, 12, day)
                .and_then(|d| d.and_hms_opt(h, m, 0))
                .expect("valid time"),
            received: None,
        }
    }

    fn record(task: &str, kind: TaskKind, day: u32, minutes: Option<u32>) -> ServiceRecord {
        let mut r = ServiceRecord::new(TaskId::new(task), VolunteerId::new("v-1"), kind);
        r.check_in = Some(at(day, 9, 0));
        r.check_out = minutes.map(|m| at(day, 9 + m / 60, m % 60));
        r
    }

    #[test]
    fn check_in_opens_an_hour_early_and_closes_six_hours_after_the_end() {
        let time = |h, m| at(1, h, m).device;
        let task = Task::builder("t", TaskKind::HomeVisit, "探访", time(9, 0), time(10, 0))
            .build()
            .expect("task");
        assert!(!ServiceRecord::check_in_open(&task, time(7, 59)));
        assert!(ServiceRecord::check_in_open(&task, time(8, 0)));
        assert!(ServiceRecord::check_in_open(&task, time(16, 0)));
        assert!(!ServiceRecord::check_in_open(&task, time(16, 1)));
    }

    #[test]
    fn a_record_s_day_is_its_check_in_s_else_its_task_s() {
        let time = |d, h, m| at(d, h, m).device;
        // A night escort from 23:00 on the 3rd to 01:00 on the 4th.
        let task = Task::builder(
            "t-1",
            TaskKind::HospitalEscort,
            "陪诊",
            time(3, 23, 0),
            time(4, 1, 0),
        )
        .build()
        .expect("task");
        let day = |d| NaiveDate::from_ymd_opt(2026, 12, d).expect("date");
        // Checked in after midnight: the phone's date wins over the task's.
        let mut checked_in =
            ServiceRecord::new(task.id.clone(), VolunteerId::new("v-1"), task.kind);
        checked_in.check_in = Some(at(4, 0, 10));
        assert_eq!(checked_in.day(Some(&task)), Some(day(4)));
        assert_eq!(checked_in.day(None), Some(day(4)));
        // Hours set by a coordinator without any check-in: the task's day.
        let mut adjusted = ServiceRecord::new(task.id.clone(), VolunteerId::new("v-1"), task.kind);
        adjusted.reviews.push(Review {
            action: ReviewAction::Adjusted,
            minutes: Some(45),
            reason: "忘记签到".into(),
            by: "c-1".into(),
            received: None,
        });
        assert_eq!(adjusted.day(Some(&task)), Some(day(3)));
        assert_eq!(adjusted.day(None), None, "no check-in and no task: no day");
        let other = Task::builder(
            "t-2",
            TaskKind::HomeVisit,
            "探访",
            time(9, 9, 0),
            time(9, 10, 0),
        )
        .build()
        .expect("task");
        assert_eq!(adjusted.day(Some(&other)), None, "another record's task");
    }

    #[test]
    fn minutes_need_both_readings() {
        assert_eq!(
            record("t-1", TaskKind::HomeVisit, 1, Some(90)).minutes(),
            Some(90)
        );
        assert_eq!(record("t-1", TaskKind::HomeVisit, 1, None).minutes(), None);
    }

    #[test]
    fn totals_sum_completed_records_by_kind_within_the_filter() {
        let records = vec![
            record("t-1", TaskKind::HomeVisit, 1, Some(90)),
            record("t-2", TaskKind::HomeworkHelp, 2, Some(60)),
            record("t-3", TaskKind::HomeVisit, 3, Some(30)),
            record("t-4", TaskKind::HomeVisit, 4, None),
        ];
        let all = ServiceTotals::of(&records, |_| true);
        assert_eq!(all.minutes, 180);
        assert_eq!(all.visits, 3);
        assert_eq!(
            all.by_kind,
            vec![(TaskKind::HomeVisit, 120), (TaskKind::HomeworkHelp, 60)]
        );
        let first_two_days = ServiceTotals::of(&records, |r| {
            r.date()
                .is_some_and(|d| d <= NaiveDate::from_ymd_opt(2026, 12, 2).expect("date"))
        });
        assert_eq!(first_two_days.minutes, 150);
    }
}
