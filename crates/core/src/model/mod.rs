//! Linli's domain model: villages, volunteers, beneficiaries and tasks, with their validation
//! rules. Everything here is plain data (serde) so the server, the browser and the sync protocol
//! share one vocabulary.
//!
//! Times of day are always **local village time** (see [`Village::time_zone`]); the model never
//! converts to UTC itself.

mod availability;
mod beneficiary;
mod dataset;
mod error;
mod ids;
mod labelled;
mod message;
mod person;
mod recurrence;
mod service;
mod skill;
mod task;
mod village;
mod volunteer;

pub use availability::{
    AvailabilityException, DayPart, ExceptionKind, TimeRange, WeeklyAvailability,
};
pub use beneficiary::{
    family_visit_code, is_card_code, Beneficiary, BeneficiaryFlags, BeneficiaryPreferences,
    BeneficiaryPrivate, CardCode, FamilyContact, LanguagePreference, PreferenceStrength,
    VisitCodeSource,
};
pub use dataset::validate_dataset;
pub use error::{Entity, ValidationError};
pub use ids::{BeneficiaryId, MessageId, TaskId, VillageGroupId, VillageId, VolunteerId};
pub use message::{Audience, Message};
pub use person::{is_plausible_phone, Gender, Language};
pub use recurrence::{Recurrence, RecurrenceEnd};
pub use service::{
    ClockReading, CodeVerdict, Confirmation, ConfirmationMethod, HoursStatus, Review, ReviewAction,
    ServiceRecord, ServiceTotals,
};
pub use skill::{Certification, Skill};
pub use task::{Priority, Task, TaskBuilder, TaskCategory, TaskKind, TaskStatus};
pub use village::{distance_km, Village, VillageGroup};
pub use volunteer::Volunteer;

/// Re-exported so callers can name dates and weekdays without adding `chrono` themselves.
pub use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Timelike, Weekday};
