//! Identifier newtypes. Strings (`"v-0001"`) rather than integers so that ids are stable keys for
//! offline sync: a record created on a phone keeps its id when it reaches the server.

use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident, $prefix:literal) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Prefix used by [`Self::numbered`].
            pub const PREFIX: &'static str = $prefix;

            /// Wraps an existing id as-is.
            pub fn new(id: impl Into<String>) -> Self {
                Self(id.into())
            }

            /// The conventional id for the `n`-th record, e.g. `"v-0001"` (at least 4 digits).
            pub fn numbered(n: u32) -> Self {
                Self(format!("{}-{:04}", $prefix, n))
            }

            /// The id text.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// Blank ids are invalid everywhere; validation uses this.
            pub fn is_blank(&self) -> bool {
                self.0.trim().is_empty()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self(s.to_owned())
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                Self(s)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

string_id!(
    /// Identifies a coordinator's notice (`"m-0001"`).
    MessageId,
    "m"
);

string_id!(
    /// Identifies a volunteer (`"v-0001"`).
    VolunteerId,
    "v"
);
string_id!(
    /// Identifies a person or household receiving help (`"b-0001"`).
    BeneficiaryId,
    "b"
);
string_id!(
    /// Identifies a task (`"t-0001"`), or one dated occurrence of a series (`"t-0007@2026-12-01"`).
    TaskId,
    "t"
);
string_id!(
    /// Identifies a village group / residents' group (村民小组) inside a village (`"g-0001"`).
    VillageGroupId,
    "g"
);
string_id!(
    /// Identifies a village or city district (`"vil-0001"`).
    VillageId,
    "vil"
);

impl TaskId {
    /// The id of this series' occurrence on `date`: `"t-0007"` → `"t-0007@2026-12-01"`.
    pub fn occurrence(&self, date: NaiveDate) -> TaskId {
        TaskId(format!("{}@{}", self.0, date.format("%Y-%m-%d")))
    }

    /// Splits an occurrence id into its series id and date; `None` for a plain task id.
    pub fn split_occurrence(&self) -> Option<(TaskId, NaiveDate)> {
        let (series, date) = self.0.rsplit_once('@')?;
        let date = NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()?;
        Some((TaskId(series.to_owned()), date))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbered_ids_are_zero_padded_and_serialise_as_plain_strings() {
        assert_eq!(VolunteerId::numbered(1).as_str(), "v-0001");
        assert_eq!(TaskId::numbered(12345).as_str(), "t-12345");
        let json = serde_json::to_string(&BeneficiaryId::numbered(7)).expect("serialise");
        assert_eq!(json, "\"b-0007\"");
        let back: BeneficiaryId = serde_json::from_str(&json).expect("deserialise");
        assert_eq!(back, BeneficiaryId::numbered(7));
        assert!(VillageGroupId::new("  ").is_blank());
    }

    #[test]
    fn occurrence_ids_round_trip() {
        let date = NaiveDate::from_ymd_opt(2026, 12, 1).expect("date");
        let occ = TaskId::numbered(7).occurrence(date);
        assert_eq!(occ.as_str(), "t-0007@2026-12-01");
        assert_eq!(occ.split_occurrence(), Some((TaskId::numbered(7), date)));
        assert_eq!(TaskId::numbered(7).split_occurrence(), None);
        assert_eq!(TaskId::new("t-1@not-a-date").split_occurrence(), None);
    }
}
