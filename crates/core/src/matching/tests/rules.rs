//! One test per hard rule: rejected for exactly that reason, accepted once the cause is gone.

use crate::matching::fixtures::*;
use crate::matching::{check, is_eligible, Ineligibility};
use crate::model::{
    AvailabilityException, Certification, Gender, Language, LanguagePreference, PreferenceStrength,
    Skill, TaskId, TaskKind, TaskStatus, TimeRange, Weekday, WeeklyAvailability,
};

/// `check`, asserting that the fast yes/no agrees with it.
fn reasons(
    world: &World,
    v: &crate::model::Volunteer,
    t: &crate::model::Task,
) -> Vec<Ineligibility> {
    let ctx = world.ctx();
    let why = check(&ctx, v, t);
    assert_eq!(is_eligible(&ctx, v, t), why.is_empty(), "{why:?}");
    why
}

#[test]
fn only_open_tasks_take_volunteers() {
    let world = World::new();
    let v = volunteer(1);
    for status in [TaskStatus::Done, TaskStatus::Cancelled] {
        let mut t = visit();
        t.status = status;
        assert_eq!(
            reasons(&world, &v, &t),
            vec![Ineligibility::TaskNotOpen { status }]
        );
    }
    assert_eq!(reasons(&world, &v, &visit()), vec![]);
}

#[test]
fn a_required_skill_is_needed() {
    let world = World::new();
    let mut t = task_for_elder(TaskKind::HospitalEscort);
    t.required_skills = vec![Skill::DrivingLicence];
    let mut v = volunteer(1);
    v.certifications = vec![Certification::permanent(Skill::Cooking)];
    assert_eq!(
        reasons(&world, &v, &t),
        vec![Ineligibility::MissingSkill(Skill::DrivingLicence)]
    );
    v.certifications
        .push(Certification::permanent(Skill::DrivingLicence));
    assert_eq!(reasons(&world, &v, &t), vec![]);
}

#[test]
fn a_certificate_must_be_valid_on_the_task_day() {
    let world = World::new();
    let mut t = visit();
    t.required_skills = vec![Skill::FirstAid];
    let cert = |d| Certification {
        skill: Skill::FirstAid,
        expires_on: Some(d),
        verified: true,
    };
    let mut v = volunteer(1);
    // Expired the day before the 1 December visit; an even older one is also on file.
    let oct = crate::model::NaiveDate::from_ymd_opt(2026, 10, 1).expect("date");
    v.certifications = vec![cert(day(1).pred_opt().expect("date")), cert(oct)];
    assert_eq!(
        reasons(&world, &v, &t),
        vec![Ineligibility::CertificationExpired {
            skill: Skill::FirstAid,
            expired_on: day(1).pred_opt().expect("date"),
        }]
    );
    // Valid through the task's day is enough.
    v.certifications = vec![cert(day(1))];
    assert_eq!(reasons(&world, &v, &t), vec![]);
}

#[test]
fn the_weekly_pattern_must_cover_the_whole_task() {
    let world = World::new();
    let t = visit(); // Tue 09:00–10:00
    let mut v = volunteer(1);
    v.availability =
        WeeklyAvailability::on_days(&[Weekday::Tue], &[TimeRange::hm(7, 0, 9, 59).expect("r")])
            .expect("availability");
    assert_eq!(reasons(&world, &v, &t), vec![Ineligibility::Unavailable]);
    v.availability =
        WeeklyAvailability::on_days(&[Weekday::Tue], &[TimeRange::hm(9, 0, 10, 0).expect("r")])
            .expect("availability");
    assert_eq!(reasons(&world, &v, &t), vec![]);
    // Free on Tuesdays only: a Wednesday task is refused.
    let mut wed = visit();
    wed.start = at(2, 9, 0);
    wed.end = at(2, 10, 0);
    assert_eq!(reasons(&world, &v, &wed), vec![Ineligibility::Unavailable]);
}

#[test]
fn an_away_exception_blocks_its_days_only() {
    let world = World::new();
    let t = visit();
    let mut v = volunteer(1);
    v.exceptions = vec![AvailabilityException::away(day(1), day(3)).expect("away")];
    assert_eq!(
        reasons(&world, &v, &t),
        vec![Ineligibility::Away {
            date_from: day(1),
            date_to: day(3)
        }]
    );
    // Back home the day of the visit.
    v.exceptions = vec![
        AvailabilityException::away(nov(28, 0, 0).date(), nov(30, 0, 0).date()).expect("away"),
    ];
    assert_eq!(reasons(&world, &v, &t), vec![]);
}

#[test]
fn back_to_back_is_fine_but_one_minute_of_overlap_is_not() {
    let t = visit(); // 09:00–10:00
    let v = volunteer(1);
    let with = |start, end| {
        let mut w = World::new();
        w.commitments = vec![booked(1, 200, start, end)];
        w
    };
    assert_eq!(reasons(&with(at(1, 8, 0), at(1, 9, 0)), &v, &t), vec![]);
    assert_eq!(reasons(&with(at(1, 10, 0), at(1, 11, 0)), &v, &t), vec![]);
    assert_eq!(
        reasons(&with(at(1, 8, 0), at(1, 9, 1)), &v, &t),
        vec![Ineligibility::Overlaps {
            task: TaskId::numbered(200),
            start: at(1, 8, 0),
            end: at(1, 9, 1)
        }]
    );
    assert_eq!(
        reasons(&with(at(1, 9, 59), at(1, 11, 0)), &v, &t),
        vec![Ineligibility::Overlaps {
            task: TaskId::numbered(200),
            start: at(1, 9, 59),
            end: at(1, 11, 0)
        }]
    );
    // Someone else's commitment at the same time does not matter.
    let mut other = with(at(1, 9, 0), at(1, 10, 0));
    other.commitments[0].volunteer = crate::model::VolunteerId::numbered(2);
    assert_eq!(reasons(&other, &v, &t), vec![]);
}

#[test]
fn someone_already_signed_up_is_not_suggested_again() {
    let mut world = World::new();
    let t = visit();
    world.commitments = vec![super::super::Commitment::new(
        crate::model::VolunteerId::numbered(1),
        &t,
    )];
    assert_eq!(
        reasons(&world, &volunteer(1), &t),
        vec![Ineligibility::AlreadyAssigned]
    );
}

#[test]
fn weekly_hours_exactly_at_the_limit_are_ok_one_minute_over_is_not() {
    // Limit 10 h. The task (Tue 1 Dec, 60 min) is in the week Mon 30 Nov – Sun 6 Dec.
    let v = volunteer(1);
    let t = visit();
    let week_with = |sunday_end_minute| {
        let mut w = World::new();
        w.commitments = vec![
            booked(1, 201, nov(30, 8, 0), nov(30, 12, 0)), // Monday, 4 h
            booked(1, 202, at(6, 13, 0), at(6, 18, sunday_end_minute)), // Sunday, 5 h (+)
            // Neither the Sunday before nor the Monday after count.
            booked(1, 203, nov(29, 8, 0), nov(29, 20, 0)),
            booked(1, 204, at(7, 8, 0), at(7, 20, 0)),
        ];
        w
    };
    assert_eq!(reasons(&week_with(0), &v, &t), vec![]);
    assert_eq!(
        reasons(&week_with(1), &v, &t),
        vec![Ineligibility::OverWeeklyHours {
            committed_minutes: 541,
            task_minutes: 60,
            limit_minutes: 600
        }]
    );
    let mut generous = v.clone();
    generous.max_hours_per_week = 11;
    assert_eq!(reasons(&week_with(1), &generous, &t), vec![]);
}

#[test]
fn same_gender_wish_applies_to_personal_care_only() {
    let mut world = World::new();
    world.beneficiaries[0]
        .preferences
        .same_gender_for_personal_care = true;
    let care = task_for_elder(TaskKind::HouseworkHelp);
    let mut man = volunteer(1);
    man.gender = Some(Gender::Male);
    assert_eq!(
        reasons(&world, &man, &care),
        vec![Ineligibility::GenderPreference {
            required: Some(Gender::Female)
        }]
    );
    assert_eq!(reasons(&world, &volunteer(2), &care), vec![]);
    // An unrecorded volunteer gender cannot be confirmed.
    let mut unknown = volunteer(3);
    unknown.gender = None;
    assert_eq!(
        reasons(&world, &unknown, &care),
        vec![Ineligibility::GenderPreference {
            required: Some(Gender::Female)
        }]
    );
    // A home visit is not personal care, and without the wish anyone may help.
    assert_eq!(reasons(&world, &man, &visit()), vec![]);
    world.beneficiaries[0]
        .preferences
        .same_gender_for_personal_care = false;
    assert_eq!(reasons(&world, &man, &care), vec![]);
}

#[test]
fn a_hard_language_wish_requires_speaking_it_a_soft_one_does_not() {
    let mut world = World::new();
    world.beneficiaries[0].preferences.preferred_language = Some(LanguagePreference {
        language: Language::local_dialect(),
        strength: PreferenceStrength::Hard,
    });
    let mut v = volunteer(1);
    assert_eq!(
        reasons(&world, &v, &visit()),
        vec![Ineligibility::LanguageRequired(Language::local_dialect())]
    );
    v.languages.push(Language::local_dialect());
    assert_eq!(reasons(&world, &v, &visit()), vec![]);

    if let Some(p) = world.beneficiaries[0]
        .preferences
        .preferred_language
        .as_mut()
    {
        p.strength = PreferenceStrength::Soft;
    }
    assert_eq!(reasons(&world, &volunteer(2), &visit()), vec![]);
}

#[test]
fn every_failed_rule_is_reported_at_once() {
    let mut world = World::new();
    world.beneficiaries[0].preferences.preferred_language = Some(LanguagePreference {
        language: Language::local_dialect(),
        strength: PreferenceStrength::Hard,
    });
    world.commitments = vec![booked(1, 300, at(1, 9, 30), at(1, 10, 30))];
    let mut t = visit();
    t.required_skills = vec![Skill::FirstAid, Skill::Nursing, Skill::FirstAid];
    let mut v = volunteer(1);
    v.max_hours_per_week = 1;
    v.exceptions = vec![AvailabilityException::away(day(1), day(1)).expect("away")];
    let why = reasons(&world, &v, &t);
    assert_eq!(
        why,
        vec![
            Ineligibility::MissingSkill(Skill::FirstAid),
            Ineligibility::MissingSkill(Skill::Nursing),
            Ineligibility::LanguageRequired(Language::local_dialect()),
            Ineligibility::Away {
                date_from: day(1),
                date_to: day(1)
            },
            Ineligibility::Overlaps {
                task: TaskId::numbered(300),
                start: at(1, 9, 30),
                end: at(1, 10, 30)
            },
            Ineligibility::OverWeeklyHours {
                committed_minutes: 60,
                task_minutes: 60,
                limit_minutes: 60
            },
        ]
    );
}
