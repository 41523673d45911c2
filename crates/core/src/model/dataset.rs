use std::collections::BTreeSet;

use super::beneficiary::Beneficiary;
use super::error::{Entity, ValidationError};
use super::task::Task;
use super::village::Village;
use super::volunteer::Volunteer;

/// Validates a whole village's data at once: every record, unique ids per entity, and that
/// every group and beneficiary reference resolves. Used when importing or seeding, so that a
/// broken reference is caught before it reaches a phone.
pub fn validate_dataset(
    village: &Village,
    volunteers: &[Volunteer],
    beneficiaries: &[Beneficiary],
    tasks: &[Task],
) -> Result<(), ValidationError> {
    village.validate()?;
    let groups: BTreeSet<&str> = village.groups.iter().map(|g| g.id.as_str()).collect();
    let known_group = |id: &str| {
        if groups.contains(id) {
            Ok(())
        } else {
            Err(ValidationError::UnknownGroup(id.to_owned()))
        }
    };
    fn unique<'a>(
        seen: &mut BTreeSet<&'a str>,
        entity: Entity,
        id: &'a str,
    ) -> Result<(), ValidationError> {
        if seen.insert(id) {
            Ok(())
        } else {
            Err(ValidationError::DuplicateId {
                entity,
                id: id.to_owned(),
            })
        }
    }

    let mut seen = BTreeSet::new();
    for v in volunteers {
        v.validate()?;
        unique(&mut seen, Entity::Volunteer, v.id.as_str())?;
        known_group(v.group.as_str())?;
    }
    let mut beneficiary_ids = BTreeSet::new();
    for b in beneficiaries {
        b.validate()?;
        unique(&mut beneficiary_ids, Entity::Beneficiary, b.id.as_str())?;
        known_group(b.group.as_str())?;
    }
    let mut seen = BTreeSet::new();
    for t in tasks {
        t.validate()?;
        unique(&mut seen, Entity::Task, t.id.as_str())?;
        if let Some(g) = &t.group {
            known_group(g.as_str())?;
        }
        if let Some(b) = &t.beneficiary {
            if !beneficiary_ids.contains(b.as_str()) {
                return Err(ValidationError::UnknownBeneficiary(b.to_string()));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{BeneficiaryId, VillageGroup, VillageGroupId, VillageId};

    fn village() -> Village {
        Village {
            id: VillageId::numbered(1),
            name: "青溪村".into(),
            time_zone: "Asia/Shanghai".into(),
            utc_offset_minutes: 480,
            groups: (1..=3)
                .map(|i| VillageGroup {
                    id: VillageGroupId::numbered(i),
                    name: format!("第{i}组"),
                    lat: 30.27,
                    lon: 120.15,
                })
                .collect(),
            credit_rate_per_hour: Village::DEFAULT_CREDIT_RATE,
        }
    }

    #[test]
    fn dataset_references_must_resolve() {
        let v = crate::model::volunteer::tests::sample();
        let b = crate::model::beneficiary::tests::sample();
        let mut t = crate::model::task::tests::sample();
        t.beneficiary = Some(b.id.clone());
        let village = village();
        assert_eq!(
            validate_dataset(
                &village,
                std::slice::from_ref(&v),
                std::slice::from_ref(&b),
                std::slice::from_ref(&t)
            ),
            Ok(())
        );

        let mut bad = t.clone();
        bad.beneficiary = Some(BeneficiaryId::new("b-9999"));
        assert_eq!(
            validate_dataset(&village, &[], std::slice::from_ref(&b), &[bad]),
            Err(ValidationError::UnknownBeneficiary("b-9999".into()))
        );

        let mut lost = v.clone();
        lost.group = VillageGroupId::new("g-0042");
        assert_eq!(
            validate_dataset(&village, &[lost], &[], &[]),
            Err(ValidationError::UnknownGroup("g-0042".into()))
        );

        assert_eq!(
            validate_dataset(&village, &[v.clone(), v], &[], &[]),
            Err(ValidationError::DuplicateId {
                entity: Entity::Volunteer,
                id: "v-0001".into()
            })
        );
        assert!(matches!(
            validate_dataset(&village, &[], &[b], &[t.clone(), t]),
            Err(ValidationError::DuplicateId {
                entity: Entity::Task,
                ..
            })
        ));
    }
}
