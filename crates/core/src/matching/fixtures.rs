//! Small hand-made worlds for the matching tests: a village of four groups at known distances,
//! one elder, and volunteers who are free every day 07:00–21:00 unless a test says otherwise.

use super::{Commitment, MatchContext, ServiceHistory};
use crate::model::{
    Beneficiary, BeneficiaryFlags, BeneficiaryId, Gender, Language, NaiveDate, NaiveDateTime, Task,
    TaskId, TaskKind, TimeRange, Village, VillageGroup, VillageGroupId, VillageId, Volunteer,
    VolunteerId, Weekday, WeeklyAvailability,
};

/// A day in December 2026 (the 1st is a Tuesday; its ISO week is Mon 11-30 .. Sun 12-06).
pub(crate) fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, d).expect("date")
}

/// A local time in December 2026.
pub(crate) fn at(d: u32, h: u32, m: u32) -> NaiveDateTime {
    day(d).and_hms_opt(h, m, 0).expect("time")
}

/// A local time on 2026-11-`d` (for the week before).
pub(crate) fn nov(d: u32, h: u32, m: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 11, d)
        .and_then(|x| x.and_hms_opt(h, m, 0))
        .expect("time")
}

pub(crate) fn group(n: u32) -> VillageGroupId {
    VillageGroupId::numbered(n)
}

/// Groups along a meridian: g-0002 is 1.2 km north of g-0001, g-0003 3.0 km, g-0004 11.1 km.
pub(crate) fn village() -> Village {
    let g = |n, lat| VillageGroup {
        id: group(n),
        name: format!("第{n}村民小组"),
        lat,
        lon: 120.15,
    };
    Village {
        id: VillageId::numbered(1),
        name: "青溪村".into(),
        time_zone: "Asia/Shanghai".into(),
        utc_offset_minutes: 480,
        groups: vec![g(1, 30.27), g(2, 30.2808), g(3, 30.297), g(4, 30.37)],
        credit_rate_per_hour: Village::DEFAULT_CREDIT_RATE,
    }
}

pub(crate) fn all_week(start_h: u16, end_h: u16) -> WeeklyAvailability {
    let range = TimeRange::hm(start_h, 0, end_h, 0).expect("range");
    WeeklyAvailability::on_days(
        &[
            Weekday::Mon,
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Thu,
            Weekday::Fri,
            Weekday::Sat,
            Weekday::Sun,
        ],
        &[range],
    )
    .expect("availability")
}

/// Female, lives in g-0001, speaks 普通话, free 07:00–21:00 daily, 10 h a week, no skills.
pub(crate) fn volunteer(n: u32) -> Volunteer {
    Volunteer {
        id: VolunteerId::numbered(n),
        name: format!("志愿者{n}"),
        phone: "13812345678".into(),
        group: group(1),
        gender: Some(Gender::Female),
        certifications: vec![],
        languages: vec![Language::mandarin()],
        availability: all_week(7, 21),
        exceptions: vec![],
        max_hours_per_week: 10,
        preferred_task_kinds: vec![],
    }
}

/// b-0001: an elderly woman in g-0001 with no special wishes.
pub(crate) fn elder() -> Beneficiary {
    Beneficiary {
        id: BeneficiaryId::numbered(1),
        name: "李桂英".into(),
        group: group(1),
        gender: Some(Gender::Female),
        birth_year: Some(1941),
        flags: BeneficiaryFlags {
            elderly: true,
            lives_alone: true,
            ..Default::default()
        },
        needs: vec![TaskKind::HomeVisit],
        preferences: Default::default(),
        private: None,
    }
}

/// t-0100: `kind` for b-0001 on Tue 2026-12-01 09:00–10:00, at her home (no explicit group).
pub(crate) fn task_for_elder(kind: TaskKind) -> Task {
    Task::builder("t-0100", kind, "探访李奶奶", at(1, 9, 0), at(1, 10, 0))
        .beneficiary(BeneficiaryId::numbered(1))
        .build()
        .expect("task")
}

/// The default task: a home visit to b-0001.
pub(crate) fn visit() -> Task {
    task_for_elder(TaskKind::HomeVisit)
}

/// `volunteer` committed to task `task` during `start..end`.
pub(crate) fn booked(
    volunteer: u32,
    task: u32,
    start: NaiveDateTime,
    end: NaiveDateTime,
) -> Commitment {
    Commitment {
        volunteer: VolunteerId::numbered(volunteer),
        task: TaskId::numbered(task),
        start,
        end,
    }
}

/// Owns everything a [`MatchContext`] borrows.
pub(super) struct World {
    pub village: Village,
    pub beneficiaries: Vec<Beneficiary>,
    pub commitments: Vec<Commitment>,
    pub history: ServiceHistory,
}

impl World {
    /// The village, one elder, no commitments, no history.
    pub(super) fn new() -> Self {
        Self {
            village: village(),
            beneficiaries: vec![elder()],
            commitments: vec![],
            history: ServiceHistory::default(),
        }
    }

    pub(super) fn ctx(&self) -> MatchContext<'_> {
        MatchContext::new(
            &self.village,
            &self.beneficiaries,
            &self.commitments,
            &self.history,
        )
    }
}
