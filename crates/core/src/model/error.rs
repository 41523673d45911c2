use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use super::availability::TimeRange;

/// Which kind of record an error is about, so one error type can serve every entity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Entity {
    Village,
    VillageGroup,
    Volunteer,
    Beneficiary,
    Task,
    Language,
    FamilyContact,
    Message,
}

impl std::fmt::Display for Entity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = match self {
            Entity::Village => "village",
            Entity::VillageGroup => "village group",
            Entity::Volunteer => "volunteer",
            Entity::Beneficiary => "beneficiary",
            Entity::Task => "task",
            Entity::Language => "language",
            Entity::FamilyContact => "family contact",
            Entity::Message => "message",
        };
        f.write_str(s)
    }
}

/// Why a record was rejected. Typed (not strings) so the UI can translate and tests can match;
/// serialisable so the server can send it to the app as `{"code": ..., "detail": ...}`.
#[derive(Clone, Debug, PartialEq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "code", content = "detail", rename_all = "snake_case")]
pub enum ValidationError {
    #[error("{0} id must not be empty")]
    EmptyId(Entity),
    #[error("{0} name must not be empty")]
    EmptyName(Entity),
    #[error("task title must not be empty")]
    EmptyTitle,
    #[error("time zone must not be empty")]
    EmptyTimeZone,
    #[error("UTC offset {0} minutes is outside -720..=840")]
    UtcOffsetOutOfRange(i32),
    #[error("a village needs at least one village group")]
    NoGroups,
    #[error("coordinates ({lat}, {lon}) are not a valid latitude/longitude")]
    InvalidCoordinates { lat: f64, lon: f64 },
    #[error("{0:?} is not a plausible phone number")]
    InvalidPhone(String),
    #[error("unknown skill {0:?}")]
    UnknownSkill(String),
    #[error("unknown task kind {0:?}")]
    UnknownTaskKind(String),
    #[error("time range {start_min}..{end_min} must start before it ends")]
    EmptyTimeRange { start_min: u16, end_min: u16 },
    #[error("time range {start_min}..{end_min} leaves the day (minutes 0..=1440)")]
    TimeRangeOutOfDay { start_min: u16, end_min: u16 },
    #[error("time ranges {first:?} and {second:?} overlap")]
    OverlappingRanges { first: TimeRange, second: TimeRange },
    #[error("availability exception ends ({date_to}) before it starts ({date_from})")]
    ExceptionDatesReversed {
        date_from: NaiveDate,
        date_to: NaiveDate,
    },
    #[error("an extra-availability exception needs at least one time range")]
    ExtraWithoutRanges,
    #[error("max hours per week {0} must be between 1 and 80")]
    MaxHoursOutOfRange(u32),
    #[error("birth year {0} is outside 1900..=2100")]
    BirthYearOutOfRange(u16),
    #[error("a beneficiary cannot be both elderly and a left-behind child")]
    ChildMarkedElderly,
    #[error("task must end after it starts (start {start}, end {end})")]
    EndBeforeStart {
        start: NaiveDateTime,
        end: NaiveDateTime,
    },
    #[error("task lasts {minutes} minutes; at most 1440 (24 h) are allowed")]
    TaskTooLong { minutes: i64 },
    #[error("a task must accept at least one volunteer")]
    ZeroCapacity,
    #[error("volunteers_max ({max}) is below volunteers_min ({min})")]
    MaxBelowMin { min: u32, max: u32 },
    #[error("a weekly recurrence needs at least one weekday")]
    NoWeekdays,
    #[error("recurrence ends ({until}) before it starts ({from})")]
    UntilBeforeFrom { from: NaiveDate, until: NaiveDate },
    #[error("a recurrence count must be at least 1")]
    ZeroCount,
    #[error("duplicate {entity} id {id:?}")]
    DuplicateId { entity: Entity, id: String },
    #[error("unknown village group {0:?}")]
    UnknownGroup(String),
    #[error("unknown beneficiary {0:?}")]
    UnknownBeneficiary(String),
    #[error("a message is 1 to {max} characters")]
    MessageLength { max: usize },
    #[error("credit rate {0} (hundredths of a credit per hour) is outside 0..=10000")]
    CreditRateOutOfRange(i64),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_serialise_with_a_stable_code() {
        let e = ValidationError::MaxBelowMin { min: 3, max: 2 };
        let json = serde_json::to_string(&e).expect("serialise");
        assert_eq!(
            json,
            r#"{"code":"max_below_min","detail":{"min":3,"max":2}}"#
        );
        assert_eq!(
            serde_json::to_string(&ValidationError::ZeroCapacity).expect("serialise"),
            r#"{"code":"zero_capacity"}"#
        );
        let unknown = ValidationError::UnknownSkill("juggling".into());
        let back: ValidationError =
            serde_json::from_str(&serde_json::to_string(&unknown).expect("serialise"))
                .expect("deserialise");
        assert_eq!(back, unknown);
        assert_eq!(
            e.to_string(),
            "volunteers_max (2) is below volunteers_min (3)"
        );
    }
}
