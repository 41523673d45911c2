use serde::{Deserialize, Serialize};

use super::error::{Entity, ValidationError};
use super::ids::{BeneficiaryId, VillageGroupId};
use super::person::{check_phone, Gender, Language};
use super::task::TaskKind;

/// A person (usually an elder, sometimes a left-behind child) whom volunteers help. The public
/// part is what a matched volunteer may see; contact details and health notes live in
/// [`BeneficiaryPrivate`] so they can be withheld wholesale.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Beneficiary {
    pub id: BeneficiaryId,
    pub name: String,
    pub group: VillageGroupId,
    #[serde(default)]
    pub gender: Option<Gender>,
    #[serde(default)]
    pub birth_year: Option<u16>,
    #[serde(default)]
    pub flags: BeneficiaryFlags,
    /// Kinds of help this person needs, e.g. weekly home visits and meal delivery.
    #[serde(default)]
    pub needs: Vec<TaskKind>,
    #[serde(default)]
    pub preferences: BeneficiaryPreferences,
    /// Coordinator-only details; `None` when withheld (see [`Beneficiary::without_private`]).
    #[serde(default)]
    pub private: Option<BeneficiaryPrivate>,
}

impl Beneficiary {
    /// Checks ids, name, birth year, consistent flags, the language preference and, if present,
    /// the private phone numbers.
    pub fn validate(&self) -> Result<(), ValidationError> {
        if self.id.is_blank() {
            return Err(ValidationError::EmptyId(Entity::Beneficiary));
        }
        if self.name.trim().is_empty() {
            return Err(ValidationError::EmptyName(Entity::Beneficiary));
        }
        if self.group.is_blank() {
            return Err(ValidationError::EmptyId(Entity::VillageGroup));
        }
        if let Some(year) = self.birth_year {
            if !(1900..=2100).contains(&year) {
                return Err(ValidationError::BirthYearOutOfRange(year));
            }
        }
        if self.flags.elderly && self.flags.left_behind_child {
            return Err(ValidationError::ChildMarkedElderly);
        }
        if let Some(pref) = &self.preferences.preferred_language {
            pref.language.validate()?;
        }
        if let Some(private) = &self.private {
            private.validate()?;
        }
        Ok(())
    }

    /// A copy with the private part removed: what may be shown to volunteers.
    pub fn without_private(&self) -> Beneficiary {
        Beneficiary {
            private: None,
            ..self.clone()
        }
    }
}

/// Circumstances that raise priority or decide which programmes apply (e.g. weekly visits for
/// elders living alone, homework help for left-behind children).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BeneficiaryFlags {
    #[serde(default)]
    pub elderly: bool,
    /// 独居老人.
    #[serde(default)]
    pub lives_alone: bool,
    /// 空巢老人: children live elsewhere, may still live with a spouse.
    #[serde(default)]
    pub empty_nest: bool,
    #[serde(default)]
    pub disabled: bool,
    #[serde(default)]
    pub low_income: bool,
    /// 留守儿童: parents work in the city.
    #[serde(default)]
    pub left_behind_child: bool,
}

/// How strongly a preference must be respected when matching.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PreferenceStrength {
    /// Only volunteers who satisfy it may be matched.
    Hard,
    /// Preferred, but others may be matched if nobody fits.
    Soft,
}

/// A language the beneficiary wants volunteers to speak (many elders speak only dialect).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LanguagePreference {
    pub language: Language,
    pub strength: PreferenceStrength,
}

/// Wishes that constrain who may be sent, kept separate from needs so matching can read them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BeneficiaryPreferences {
    /// For personal-care tasks (see [`TaskKind::is_personal_care`]), only send volunteers of the
    /// beneficiary's gender.
    #[serde(default)]
    pub same_gender_for_personal_care: bool,
    #[serde(default)]
    pub preferred_language: Option<LanguagePreference>,
}

/// Someone to call about the beneficiary (a son in the city, a neighbour).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FamilyContact {
    pub name: String,
    /// E.g. "儿子", "女儿", "邻居".
    pub relation: String,
    pub phone: String,
}

/// Sensitive details only coordinators (and, later, the assigned volunteer when needed) may see.
/// Kept as a separate struct so withholding it is one `None`, not field-by-field redaction.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BeneficiaryPrivate {
    /// E.g. "第三组 12号".
    pub address: String,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub family_contact: Option<FamilyContact>,
    /// Free text, e.g. "高血压，按时服药".
    #[serde(default)]
    pub health_notes: String,
}

impl BeneficiaryPrivate {
    /// Checks the phone numbers and that a family contact has a name.
    pub fn validate(&self) -> Result<(), ValidationError> {
        if let Some(phone) = &self.phone {
            check_phone(phone)?;
        }
        if let Some(contact) = &self.family_contact {
            if contact.name.trim().is_empty() {
                return Err(ValidationError::EmptyName(Entity::FamilyContact));
            }
            check_phone(&contact.phone)?;
        }
        Ok(())
    }
}

/// The code printed on a beneficiary's card. A volunteer who visits asks for it and enters it
/// to co-sign the visit, so the code proves the beneficiary (or their family) saw them.
///
/// Only coordinators ever hold these: the record (`card/<beneficiary>`) is its own kind, never
/// sent to a volunteer's phone, and a phone checks nothing against it: the server does.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CardCode {
    pub beneficiary: BeneficiaryId,
    /// Exactly six ASCII digits ([`is_card_code`]).
    pub code: String,
    /// The coordinator who issued this code.
    pub by: String,
    /// When the server received it (Unix seconds); `None` in a device's optimistic copy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issued: Option<i64>,
}

impl CardCode {
    /// Whether `entered` is this card's code. Compares every digit whatever the first
    /// difference, so the time taken does not tell how many leading digits were right.
    pub fn matches(&self, entered: &str) -> bool {
        same_digits(&self.code, entered)
    }

    /// How a code entered for the visit of `volunteer` on `task` confirms it: the card's own
    /// code, or the code a family member's phone worked out from it ([`family_visit_code`]).
    pub fn confirms(
        &self,
        entered: &str,
        task: &crate::model::TaskId,
        volunteer: &crate::model::VolunteerId,
    ) -> Option<VisitCodeSource> {
        if self.matches(entered) {
            Some(VisitCodeSource::Card)
        } else if same_digits(&family_visit_code(&self.code, task, volunteer), entered) {
            Some(VisitCodeSource::FamilyPhone)
        } else {
            None
        }
    }
}

/// Where a right visit code came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VisitCodeSource {
    Card,
    FamilyPhone,
}

/// Compares every digit whatever the first difference, so the time taken does not tell how
/// many leading digits were right.
fn same_digits(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |diff, (x, y)| diff | (x ^ y)) == 0
}

/// The six digits a family member's own phone shows for one visit, worked out there, offline,
/// from the card's code: HMAC-SHA-256 keyed by the card code over the visit (task and
/// volunteer), reduced to six digits. The volunteer types these instead of the card's code, which
/// so never passes through the volunteer's phone: a volunteer who once saw a card's code could
/// otherwise "confirm" visits that never happened. The code is good for that one visit only.
pub fn family_visit_code(
    card_code: &str,
    task: &crate::model::TaskId,
    volunteer: &crate::model::VolunteerId,
) -> String {
    let message = format!("linli-visit/1\n{}\n{}", task.as_str(), volunteer.as_str());
    let mac = hmac_sha256(card_code.as_bytes(), message.as_bytes());
    let number = u32::from_be_bytes([mac[0], mac[1], mac[2], mac[3]]) % 1_000_000;
    format!("{number:06}")
}

/// HMAC (RFC 2104) over SHA-256, for keys up to the block size (card codes are six bytes).
fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    const BLOCK: usize = 64;
    let mut padded = [0u8; BLOCK];
    if key.len() > BLOCK {
        padded[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        padded[..key.len()].copy_from_slice(key);
    }
    let inner_key: Vec<u8> = padded.iter().map(|b| b ^ 0x36).collect();
    let outer_key: Vec<u8> = padded.iter().map(|b| b ^ 0x5c).collect();
    let inner = Sha256::new()
        .chain_update(&inner_key)
        .chain_update(message)
        .finalize();
    Sha256::new()
        .chain_update(&outer_key)
        .chain_update(inner)
        .finalize()
        .into()
}

/// Debug without the code, so a log line or a test failure never prints it.
impl std::fmt::Debug for CardCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CardCode")
            .field("beneficiary", &self.beneficiary)
            .field("code", &"******")
            .field("by", &self.by)
            .field("issued", &self.issued)
            .finish()
    }
}

/// A card code is exactly six ASCII digits (leading zeros allowed: it is text, not a number).
pub fn is_card_code(code: &str) -> bool {
    code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231_test_case_2() {
        let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn a_family_phone_s_code_confirms_that_visit_only() {
        use crate::model::{TaskId, VolunteerId};
        let card = CardCode {
            beneficiary: BeneficiaryId::new("b-0001"),
            code: "048213".into(),
            by: "c-1".into(),
            issued: None,
        };
        let (task, me) = (TaskId::new("t-0001"), VolunteerId::new("v-0001"));
        let family = family_visit_code(&card.code, &task, &me);
        assert!(is_card_code(&family), "{family}");
        assert_ne!(family, card.code);
        assert_eq!(
            card.confirms("048213", &task, &me),
            Some(VisitCodeSource::Card)
        );
        assert_eq!(
            card.confirms(&family, &task, &me),
            Some(VisitCodeSource::FamilyPhone)
        );
        // Not for another visit, another volunteer, or from another card.
        assert_eq!(card.confirms(&family, &TaskId::new("t-0002"), &me), None);
        assert_eq!(
            card.confirms(&family, &task, &VolunteerId::new("v-0002")),
            None
        );
        assert_ne!(family_visit_code("048214", &task, &me), family);
    }

    pub(crate) fn sample() -> Beneficiary {
        Beneficiary {
            id: BeneficiaryId::numbered(1),
            name: "李桂英".into(),
            group: VillageGroupId::numbered(3),
            gender: Some(Gender::Female),
            birth_year: Some(1941),
            flags: BeneficiaryFlags {
                elderly: true,
                lives_alone: true,
                ..Default::default()
            },
            needs: vec![TaskKind::HomeVisit, TaskKind::MedicinePickup],
            preferences: BeneficiaryPreferences {
                same_gender_for_personal_care: true,
                preferred_language: Some(LanguagePreference {
                    language: Language::local_dialect(),
                    strength: PreferenceStrength::Hard,
                }),
            },
            private: Some(BeneficiaryPrivate {
                address: "第三组 12号".into(),
                phone: Some("0571-88123456".into()),
                family_contact: Some(FamilyContact {
                    name: "李建国".into(),
                    relation: "儿子".into(),
                    phone: "13912345678".into(),
                }),
                health_notes: "高血压，按时服药".into(),
            }),
        }
    }

    #[test]
    fn card_codes_are_six_ascii_digits_and_never_printed() {
        for good in ["000000", "123456", "987654"] {
            assert!(is_card_code(good), "{good}");
        }
        for bad in [
            "",
            "12345",
            "1234567",
            "12345a",
            "１２３４５６",
            " 12345",
            "12 456",
        ] {
            assert!(!is_card_code(bad), "{bad}");
        }
        let card = CardCode {
            beneficiary: BeneficiaryId::numbered(1),
            code: "042917".into(),
            by: "c-1".into(),
            issued: None,
        };
        assert!(card.matches("042917"));
        assert!(!card.matches("042918") && !card.matches("42917") && !card.matches(""));
        assert!(!format!("{card:?}").contains("042917"));
    }

    #[test]
    fn valid_beneficiary_passes() {
        assert_eq!(sample().validate(), Ok(()));
    }

    #[test]
    fn beneficiary_validation_rules() {
        let mut b = sample();
        b.name.clear();
        assert_eq!(
            b.validate(),
            Err(ValidationError::EmptyName(Entity::Beneficiary))
        );

        let mut b = sample();
        b.flags.left_behind_child = true;
        assert_eq!(b.validate(), Err(ValidationError::ChildMarkedElderly));

        let mut b = sample();
        b.birth_year = Some(1850);
        assert_eq!(
            b.validate(),
            Err(ValidationError::BirthYearOutOfRange(1850))
        );

        let mut b = sample();
        if let Some(p) = b.private.as_mut() {
            p.phone = Some("none".into());
        }
        assert_eq!(
            b.validate(),
            Err(ValidationError::InvalidPhone("none".into()))
        );

        let mut b = sample();
        if let Some(c) = b.private.as_mut().and_then(|p| p.family_contact.as_mut()) {
            c.name = " ".into();
        }
        assert_eq!(
            b.validate(),
            Err(ValidationError::EmptyName(Entity::FamilyContact))
        );
    }

    #[test]
    fn private_part_can_be_withheld() {
        let b = sample();
        let public = b.without_private();
        assert_eq!(public.private, None);
        assert_eq!(public.name, b.name);
        let json = serde_json::to_string(&public).expect("serialise");
        assert!(
            !json.contains("12号") && !json.contains("高血压") && !json.contains("13912345678")
        );
        // Unknown fields are rejected so a typo cannot silently drop data.
        let bad = json.replacen("\"name\"", "\"nmae\"", 1);
        assert!(serde_json::from_str::<Beneficiary>(&bad).is_err());
        let back: Beneficiary = serde_json::from_str(&json).expect("round trip");
        assert_eq!(back, public);
    }
}
