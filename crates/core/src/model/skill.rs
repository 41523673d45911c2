use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::labelled::labelled_enum;

labelled_enum! {
    /// What a volunteer can do. Some tasks require a skill (a hospital escort needs a driving
    /// licence), so matching must know it; parse unknown strings as `UnknownSkill`.
    Skill, error = UnknownSkill;
    FirstAid => "first_aid", "急救", "First aid";
    Nursing => "nursing", "护理", "Nursing";
    Teaching => "teaching", "教学", "Teaching";
    /// Holds a car driving licence (needed to drive elders to hospital).
    DrivingLicence => "driving_licence", "驾驶", "Driving licence";
    Haircut => "haircut", "理发", "Haircut";
    Electrician => "electrician", "电工", "Electrician";
    Plumbing => "plumbing", "水电维修", "Plumbing";
    SmartphoneTutoring => "smartphone_tutoring", "智能手机辅导", "Smartphone tutoring";
    Cooking => "cooking", "烹饪", "Cooking";
    Accounting => "accounting", "财务记账", "Accounting";
    LegalAid => "legal_aid", "法律援助", "Legal aid";
    SignLanguage => "sign_language", "手语", "Sign language";
    Counselling => "counselling", "心理疏导", "Counselling";
}

/// A skill a volunteer holds, possibly with an expiry date (first-aid certificates lapse), so
/// matching can ignore lapsed ones on the task's date.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Certification {
    pub skill: Skill,
    /// Last day the certificate is valid; `None` = does not expire (e.g. cooking).
    #[serde(default)]
    pub expires_on: Option<NaiveDate>,
    /// Seen by a coordinator (the paper certificate, the licence). Only verified certificates
    /// count for a task's required skills: a skill can open a door to an elder's home and
    /// health notes, so a volunteer's own claim is not enough. A volunteer's new or changed
    /// certificate is stored unverified (see `sync::apply`).
    #[serde(default = "verified_by_default")]
    pub verified: bool,
}

/// Records written before verification existed came from coordinators' registers.
fn verified_by_default() -> bool {
    true
}

impl Certification {
    /// A certification that never expires.
    pub fn permanent(skill: Skill) -> Self {
        Self {
            skill,
            expires_on: None,
            verified: true,
        }
    }

    /// Counts on `date` if a coordinator verified it and it has no expiry or expires on or after
    /// that day.
    pub fn is_valid_on(&self, date: NaiveDate) -> bool {
        self.verified && !self.expired_on(date)
    }

    /// Past its last valid day on `date`.
    pub fn expired_on(&self, date: NaiveDate) -> bool {
        self.expires_on.is_some_and(|last| date > last)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ValidationError;

    #[test]
    fn skill_parsing() {
        assert_eq!("first_aid".parse::<Skill>(), Ok(Skill::FirstAid));
        assert_eq!(" First Aid ".parse::<Skill>(), Ok(Skill::FirstAid));
        assert_eq!(
            "driving-licence".parse::<Skill>(),
            Ok(Skill::DrivingLicence)
        );
        assert_eq!("手语".parse::<Skill>(), Ok(Skill::SignLanguage));
        assert_eq!(
            "juggling".parse::<Skill>(),
            Err(ValidationError::UnknownSkill("juggling".into()))
        );
        assert!(
            serde_json::from_str::<Skill>("\"juggling\"").is_err(),
            "serde must reject unknown skills too"
        );
    }

    #[test]
    fn skill_keys_match_serde_and_labels_are_unique() {
        let mut zh = std::collections::BTreeSet::new();
        for &skill in Skill::ALL {
            let json = serde_json::to_string(&skill).expect("serialise");
            assert_eq!(json, format!("\"{}\"", skill.as_str()));
            assert_eq!(skill.as_str().parse::<Skill>(), Ok(skill));
            assert!(
                zh.insert(skill.label_zh()),
                "duplicate label {}",
                skill.label_zh()
            );
            assert!(!skill.label_en().is_empty());
        }
        assert!(Skill::ALL.len() >= 10);
    }

    #[test]
    fn certification_expiry_is_inclusive() {
        let day = |d| NaiveDate::from_ymd_opt(2026, 12, d).expect("date");
        let cert = Certification {
            skill: Skill::FirstAid,
            expires_on: Some(day(10)),
            verified: true,
        };
        assert!(cert.is_valid_on(day(9)));
        assert!(cert.is_valid_on(day(10)));
        assert!(!cert.is_valid_on(day(11)));
        assert!(Certification::permanent(Skill::Cooking).is_valid_on(day(31)));
    }
}
