use serde::{Deserialize, Serialize};

use super::error::{Entity, ValidationError};
use super::ids::{VillageGroupId, VillageId};

/// A village or city district: the unit a coordinator manages. Task times are local to its
/// `time_zone`; `utc_offset_minutes` is stored too because the model has no time-zone database
/// (China has no daylight saving, so a fixed offset is exact there).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Village {
    pub id: VillageId,
    pub name: String,
    /// IANA name, e.g. `"Asia/Shanghai"`.
    pub time_zone: String,
    /// Offset of local time from UTC, e.g. 480 for UTC+8.
    pub utc_offset_minutes: i32,
    pub groups: Vec<VillageGroup>,
    /// Time-bank credits an hour of approved service earns, in hundredths of a credit (100: one
    /// credit per hour). Villages stored before the time bank get the default.
    #[serde(default = "Village::default_credit_rate")]
    pub credit_rate_per_hour: i64,
}

impl Village {
    /// One credit per hour of service, in hundredths.
    pub const DEFAULT_CREDIT_RATE: i64 = crate::ledger::DEFAULT_RATE_PER_HOUR_HUNDREDTHS;
    /// The highest rate a village may set (100 credits an hour): far above any real one, low
    /// enough that a year of a volunteer's credits cannot overflow.
    pub const MAX_CREDIT_RATE: i64 = 10_000;

    fn default_credit_rate() -> i64 {
        Self::DEFAULT_CREDIT_RATE
    }

    /// Checks the village and all its groups, and that group ids are unique.
    pub fn validate(&self) -> Result<(), ValidationError> {
        if self.id.is_blank() {
            return Err(ValidationError::EmptyId(Entity::Village));
        }
        if self.name.trim().is_empty() {
            return Err(ValidationError::EmptyName(Entity::Village));
        }
        if self.time_zone.trim().is_empty() {
            return Err(ValidationError::EmptyTimeZone);
        }
        if !(-720..=840).contains(&self.utc_offset_minutes) {
            return Err(ValidationError::UtcOffsetOutOfRange(
                self.utc_offset_minutes,
            ));
        }
        if self.groups.is_empty() {
            return Err(ValidationError::NoGroups);
        }
        if !(0..=Self::MAX_CREDIT_RATE).contains(&self.credit_rate_per_hour) {
            return Err(ValidationError::CreditRateOutOfRange(
                self.credit_rate_per_hour,
            ));
        }
        let mut seen = std::collections::BTreeSet::new();
        for group in &self.groups {
            group.validate()?;
            if !seen.insert(group.id.as_str()) {
                return Err(ValidationError::DuplicateId {
                    entity: Entity::VillageGroup,
                    id: group.id.to_string(),
                });
            }
        }
        Ok(())
    }

    /// Looks a group up by id.
    /// The village's local time at a UTC instant (every time in the model is village time).
    pub fn local_time(&self, utc: chrono::NaiveDateTime) -> chrono::NaiveDateTime {
        utc + chrono::TimeDelta::minutes(i64::from(self.utc_offset_minutes))
    }

    /// The village's local time of a Unix timestamp (seconds), e.g. when the server received
    /// something; `None` if out of range.
    pub fn local_time_of_unix(&self, seconds: i64) -> Option<chrono::NaiveDateTime> {
        chrono::DateTime::from_timestamp(seconds, 0).map(|t| self.local_time(t.naive_utc()))
    }

    pub fn group(&self, id: &VillageGroupId) -> Option<&VillageGroup> {
        self.groups.iter().find(|g| &g.id == id)
    }
}

/// A village group (村民小组) or residents' building cluster: the neighbourhood a volunteer or an
/// elder belongs to. Its coordinates let matching prefer volunteers who live close by.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VillageGroup {
    pub id: VillageGroupId,
    /// E.g. `"第三村民小组"`.
    pub name: String,
    /// Latitude in degrees (WGS-84).
    pub lat: f64,
    /// Longitude in degrees (WGS-84).
    pub lon: f64,
}

impl VillageGroup {
    /// Rejects blank ids/names and impossible coordinates.
    pub fn validate(&self) -> Result<(), ValidationError> {
        if self.id.is_blank() {
            return Err(ValidationError::EmptyId(Entity::VillageGroup));
        }
        if self.name.trim().is_empty() {
            return Err(ValidationError::EmptyName(Entity::VillageGroup));
        }
        let lat_ok = self.lat.is_finite() && (-90.0..=90.0).contains(&self.lat);
        let lon_ok = self.lon.is_finite() && (-180.0..=180.0).contains(&self.lon);
        if !(lat_ok && lon_ok) {
            return Err(ValidationError::InvalidCoordinates {
                lat: self.lat,
                lon: self.lon,
            });
        }
        Ok(())
    }
}

/// Great-circle (haversine) distance between two groups in kilometres, on a 6371 km sphere.
pub fn distance_km(a: &VillageGroup, b: &VillageGroup) -> f64 {
    const EARTH_RADIUS_KM: f64 = 6371.0;
    let (lat1, lat2) = (a.lat.to_radians(), b.lat.to_radians());
    let d_lat = lat2 - lat1;
    let d_lon = (b.lon - a.lon).to_radians();
    let h = (d_lat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (d_lon / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * h.sqrt().min(1.0).asin()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(id: &str, lat: f64, lon: f64) -> VillageGroup {
        VillageGroup {
            id: id.into(),
            name: "第一村民小组".into(),
            lat,
            lon,
        }
    }

    fn village() -> Village {
        Village {
            id: VillageId::numbered(1),
            name: "青溪村".into(),
            time_zone: "Asia/Shanghai".into(),
            utc_offset_minutes: 480,
            groups: vec![
                group("g-0001", 30.27, 120.15),
                group("g-0002", 30.28, 120.16),
            ],
            credit_rate_per_hour: Village::DEFAULT_CREDIT_RATE,
        }
    }

    #[test]
    fn haversine_distance() {
        let a = group("a", 30.27, 120.15);
        assert_eq!(distance_km(&a, &a), 0.0);
        // One degree of latitude is about 111.2 km on this sphere.
        let b = group("b", 31.27, 120.15);
        assert!((distance_km(&a, &b) - 111.19).abs() < 0.05);
        // Symmetric, and a small offset gives a couple of km.
        let c = group("c", 30.28, 120.16);
        let d = distance_km(&a, &c);
        assert!((1.0..2.0).contains(&d), "got {d}");
        assert!((d - distance_km(&c, &a)).abs() < 1e-12);
    }

    #[test]
    fn a_village_stored_before_the_time_bank_earns_the_default_rate() {
        let mut old = serde_json::to_value(village()).expect("json");
        old.as_object_mut()
            .expect("object")
            .remove("credit_rate_per_hour");
        let back: Village = serde_json::from_value(old).expect("old village loads");
        assert_eq!(back.credit_rate_per_hour, 100);
    }

    #[test]
    fn village_validation() {
        assert_eq!(village().validate(), Ok(()));
        assert!(village().group(&"g-0002".into()).is_some());
        assert!(village().group(&"g-0009".into()).is_none());

        let mut v = village();
        v.name = " ".into();
        assert_eq!(
            v.validate(),
            Err(ValidationError::EmptyName(Entity::Village))
        );

        let mut v = village();
        v.time_zone.clear();
        assert_eq!(v.validate(), Err(ValidationError::EmptyTimeZone));

        let mut v = village();
        v.utc_offset_minutes = 900;
        assert_eq!(v.validate(), Err(ValidationError::UtcOffsetOutOfRange(900)));

        let mut v = village();
        v.groups.clear();
        assert_eq!(v.validate(), Err(ValidationError::NoGroups));

        let mut v = village();
        v.credit_rate_per_hour = -1;
        assert_eq!(v.validate(), Err(ValidationError::CreditRateOutOfRange(-1)));

        let mut v = village();
        v.groups[1].id = "g-0001".into();
        assert_eq!(
            v.validate(),
            Err(ValidationError::DuplicateId {
                entity: Entity::VillageGroup,
                id: "g-0001".into()
            })
        );

        let mut v = village();
        v.groups[0].lat = 95.0;
        assert!(matches!(
            v.validate(),
            Err(ValidationError::InvalidCoordinates { .. })
        ));
        let mut v = village();
        v.groups[0].lon = f64::NAN;
        assert!(matches!(
            v.validate(),
            Err(ValidationError::InvalidCoordinates { .. })
        ));
    }
}
