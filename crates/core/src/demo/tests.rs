use std::collections::BTreeSet;

use super::*;
use crate::model::{distance_km, TaskCategory, TaskStatus};

fn small() -> DemoParams {
    DemoParams {
        seed: 7,
        volunteers: 37,
        beneficiaries: 23,
        days: 10,
        groups: 5,
        ..DemoParams::village()
    }
}

fn json(demo: &DemoVillage) -> String {
    serde_json::to_string(demo).expect("serialise")
}

#[test]
fn defaults_are_the_documented_village() {
    let p = DemoParams::village();
    assert_eq!(p.seed, 2026);
    assert_eq!(
        (p.volunteers, p.beneficiaries, p.days, p.groups),
        (300, 150, 30, 8)
    );
    assert_eq!(p.start, NaiveDate::from_ymd_opt(2026, 12, 1).expect("date"));
    assert_eq!(p.tasks_per_day, None);
    assert_eq!(DemoParams::default(), p);
}

#[test]
fn generation_is_deterministic_and_seed_sensitive() {
    let p = DemoParams::village();
    let a = json(&generate(&p));
    let b = json(&generate(&p));
    assert_eq!(a, b, "same params must give byte-identical JSON");
    let other = json(&generate(&DemoParams {
        seed: 2027,
        ..p.clone()
    }));
    assert_ne!(a, other, "a different seed must give a different village");
    // And the JSON reads back into the same value.
    let back: DemoVillage = serde_json::from_str(&a).expect("deserialise");
    assert_eq!(back, generate(&p));
}

#[test]
fn requested_sizes_are_honoured() {
    let p = small();
    let demo = generate(&p);
    assert_eq!(demo.volunteers.len(), 37);
    assert_eq!(demo.beneficiaries.len(), 23);
    assert_eq!(demo.village.groups.len(), 5);
    let first = p.start;
    let last = first + TimeDelta::days(9);
    assert!(!demo.tasks.is_empty());
    for t in &demo.tasks {
        assert!(
            t.date() >= first && t.date() <= last,
            "{} on {}",
            t.id,
            t.date()
        );
    }

    let per_day = DemoParams {
        tasks_per_day: Some(13),
        days: 4,
        ..small()
    };
    let demo = generate(&per_day);
    assert_eq!(demo.tasks.len(), 52);
    for date in per_day.start.iter_days().take(4) {
        assert_eq!(demo.tasks.iter().filter(|t| t.date() == date).count(), 13);
    }
}

#[test]
fn every_entity_validates_and_references_resolve() {
    for params in [
        DemoParams::village(),
        DemoParams { seed: 1, ..small() },
        DemoParams {
            seed: 99,
            groups: 1,
            ..small()
        },
        DemoParams {
            start: NaiveDate::from_ymd_opt(2027, 7, 1).expect("date"),
            ..small()
        },
        DemoParams::district_week(),
    ] {
        let demo = generate(&params);
        assert_eq!(demo.validate(), Ok(()), "seed {}", params.seed);
        demo.village.validate().expect("village");
        for v in &demo.volunteers {
            assert_eq!(v.validate(), Ok(()), "{}", v.id);
        }
        for b in &demo.beneficiaries {
            assert_eq!(b.validate(), Ok(()), "{}", b.id);
        }
        for t in &demo.tasks {
            assert_eq!(t.validate(), Ok(()), "{}", t.id);
        }

        let vids: BTreeSet<_> = demo.volunteers.iter().map(|v| &v.id).collect();
        let bids: BTreeSet<_> = demo.beneficiaries.iter().map(|b| &b.id).collect();
        let tids: BTreeSet<_> = demo.tasks.iter().map(|t| &t.id).collect();
        assert_eq!(vids.len(), demo.volunteers.len());
        assert_eq!(bids.len(), demo.beneficiaries.len());
        assert_eq!(tids.len(), demo.tasks.len());

        let groups: BTreeSet<_> = demo.village.groups.iter().map(|g| &g.id).collect();
        assert!(demo.volunteers.iter().all(|v| groups.contains(&v.group)));
        assert!(demo.beneficiaries.iter().all(|b| groups.contains(&b.group)));
        for t in &demo.tasks {
            if let Some(g) = &t.group {
                assert!(groups.contains(g), "{} has unknown group {g}", t.id);
            }
            if let Some(b) = &t.beneficiary {
                assert!(bids.contains(b), "{} has unknown beneficiary {b}", t.id);
            }
            if t.kind.is_elder_care() {
                assert!(
                    t.beneficiary.is_some(),
                    "{} is elder care without an elder",
                    t.id
                );
            }
        }
    }
}

#[test]
fn empty_and_tiny_params_still_give_a_valid_village() {
    let none = DemoParams {
        volunteers: 0,
        beneficiaries: 0,
        days: 0,
        groups: 0,
        ..DemoParams::village()
    };
    let demo = generate(&none);
    assert_eq!(demo.village.groups.len(), 1, "a village always has a group");
    assert!(demo.volunteers.is_empty() && demo.beneficiaries.is_empty() && demo.tasks.is_empty());
    assert_eq!(demo.validate(), Ok(()));

    // No beneficiaries: the load-test mix falls back to tasks that need none.
    let no_people = DemoParams {
        beneficiaries: 0,
        tasks_per_day: Some(20),
        days: 3,
        ..small()
    };
    let demo = generate(&no_people);
    assert_eq!(demo.tasks.len(), 60);
    assert!(demo.tasks.iter().all(|t| t.beneficiary.is_none()));
    assert_eq!(demo.validate(), Ok(()));
}

#[test]
fn village_looks_like_a_village() {
    let demo = generate(&DemoParams::village());
    let v = &demo.village;
    assert_eq!(v.time_zone, "Asia/Shanghai");
    assert_eq!(v.utc_offset_minutes, 480);
    assert_eq!(v.groups[2].name, "第三村民小组");
    for (i, a) in v.groups.iter().enumerate() {
        assert!((a.lat - 30.27).abs() < 0.05 && (a.lon - 120.15).abs() < 0.05);
        for b in &v.groups[i + 1..] {
            let d = distance_km(a, b);
            assert!((0.5..10.0).contains(&d), "{} – {}: {d} km", a.id, b.id);
        }
    }
}

#[test]
fn volunteers_are_plausible() {
    let demo = generate(&DemoParams::village());
    let vols = &demo.volunteers;
    let n = vols.len() as f64;
    let start = DemoParams::village().start;
    let share = |f: &dyn Fn(&Volunteer) -> bool| vols.iter().filter(|v| f(v)).count() as f64 / n;

    let first_aid = share(&|v| v.certifications.iter().any(|c| c.skill == Skill::FirstAid));
    assert!((0.2..0.4).contains(&first_aid), "first aid {first_aid}");
    let nursing = share(&|v| v.certifications.iter().any(|c| c.skill == Skill::Nursing));
    assert!(nursing > 0.0 && nursing < 0.15, "nursing {nursing}");
    let teachers = share(&|v| v.certifications.iter().any(|c| c.skill == Skill::Teaching));
    assert!(teachers > 0.05, "teaching {teachers}");
    let lapsed = share(&|v| {
        v.certifications
            .iter()
            .any(|c| c.skill == Skill::FirstAid && !c.is_valid_on(start))
    });
    assert!(
        lapsed > 0.0 && lapsed < first_aid / 2.0,
        "lapsed first aid {lapsed}"
    );

    let mandarin = share(&|v| v.speaks(&Language::mandarin()));
    let dialect = share(&|v| v.speaks(&Language::local_dialect()));
    assert!(mandarin > 0.85, "mandarin {mandarin}");
    assert!((0.4..0.9).contains(&dialect), "dialect {dialect}");
    assert!(vols
        .iter()
        .any(|v| v.languages.iter().any(|l| l.as_str() == "粤语"
            || l.as_str() == "闽南话"
            || l.as_str() == "四川话"
            || l.as_str() == "客家话")));

    assert!(vols
        .iter()
        .all(|v| (4..=20).contains(&v.max_hours_per_week)));
    assert!(vols.iter().all(|v| !v.availability.is_empty()));
    assert!(vols
        .iter()
        .all(|v| v.phone.len() == 11 && v.phone.starts_with('1')));
    assert!(vols.iter().all(|v| v.name.chars().count() >= 2));
    // Both weekday-morning people (retirees) and weekend people (workers, students) exist.
    let weekday_morning = share(&|v| v.availability.covers(Weekday::Tue, 9 * 60, 10 * 60));
    let saturday = share(&|v| v.availability.covers(Weekday::Sat, 9 * 60 + 30, 11 * 60));
    assert!(
        weekday_morning > 0.2 && saturday > 0.2,
        "{weekday_morning} {saturday}"
    );
    let away = share(&|v| {
        v.exceptions
            .iter()
            .any(|e| e.kind == crate::model::ExceptionKind::Away)
    });
    assert!(away > 0.05 && away < 0.3, "away {away}");
}

#[test]
fn beneficiaries_are_plausible_and_private_data_is_separate() {
    let demo = generate(&DemoParams::village());
    let bs = &demo.beneficiaries;
    let n = bs.len() as f64;
    let share = |f: &dyn Fn(&Beneficiary) -> bool| bs.iter().filter(|b| f(b)).count() as f64 / n;
    let elders = share(&|b| b.flags.elderly);
    let alone = share(&|b| b.flags.lives_alone);
    let children = share(&|b| b.flags.left_behind_child);
    assert!(elders > 0.7, "elders {elders}");
    assert!((0.25..0.55).contains(&alone), "lives alone {alone}");
    assert!(children > 0.03 && children < 0.25, "children {children}");
    assert!(bs.iter().any(|b| b.flags.disabled));
    assert!(bs.iter().any(|b| b.flags.low_income));
    assert!(bs.iter().all(|b| !b.needs.is_empty()));
    assert!(bs
        .iter()
        .filter(|b| b.flags.left_behind_child)
        .all(|b| b.needs == vec![TaskKind::HomeworkHelp] && b.birth_year >= Some(2010)));
    assert!(bs.iter().any(|b| b
        .preferences
        .preferred_language
        .as_ref()
        .is_some_and(|p| p.strength == PreferenceStrength::Hard)));

    for b in bs {
        let private = b.private.as_ref().expect("demo fills private details");
        assert!(private.address.ends_with('号') && private.address.contains('组'));
        if b.flags.elderly {
            assert!(!private.health_notes.is_empty());
        }
    }
    // Task texts never leak an address or a health note.
    let tasks_json = serde_json::to_string(&demo.tasks).expect("serialise");
    for b in bs {
        let private = b.private.as_ref().expect("private");
        assert!(
            !tasks_json.contains(&private.address),
            "{} address leaked",
            b.id
        );
    }
}

#[test]
fn the_programme_covers_elder_care_and_education() {
    let p = DemoParams::village();
    let demo = generate(&p);
    let tasks = &demo.tasks;
    let count = |k: TaskKind| tasks.iter().filter(|t| t.kind == k).count();

    // Weekly visits: each person needing them gets one every week of the 30 days (4 or 5).
    for b in demo
        .beneficiaries
        .iter()
        .filter(|b| b.needs.contains(&TaskKind::HomeVisit))
    {
        let visits: Vec<&Task> = tasks
            .iter()
            .filter(|t| t.kind == TaskKind::HomeVisit && t.beneficiary.as_ref() == Some(&b.id))
            .collect();
        assert!(
            (4..=5).contains(&visits.len()),
            "{}: {} visits",
            b.id,
            visits.len()
        );
        let wd = visits[0].start.weekday();
        assert!(visits
            .iter()
            .all(|t| t.start.weekday() == wd && t.series.is_some()));
        assert!(visits.iter().all(|t| t.id.as_str().contains('@')));
    }
    for b in demo
        .beneficiaries
        .iter()
        .filter(|b| b.flags.lives_alone && b.flags.elderly)
    {
        assert!(tasks.iter().any(|t| t.beneficiary.as_ref() == Some(&b.id)));
    }

    for kind in [
        TaskKind::HomeVisit,
        TaskKind::MealDelivery,
        TaskKind::MedicinePickup,
        TaskKind::HospitalEscort,
        TaskKind::Errand,
        TaskKind::HouseworkHelp,
        TaskKind::ColdSpellCheck,
        TaskKind::FestivalVisit,
        TaskKind::WindowDuty,
        TaskKind::SmartphoneClass,
        TaskKind::AntiFraudTalk,
        TaskKind::HealthTalk,
        TaskKind::HomeworkHelp,
        TaskKind::LiteracyClass,
        TaskKind::PolicySession,
        TaskKind::FirstAidTraining,
    ] {
        assert!(count(kind) > 0, "no {kind} tasks");
    }
    assert_eq!(
        count(TaskKind::HeatWaveCheck),
        0,
        "no heat waves in December"
    );
    assert!(tasks.iter().any(|t| t.title.starts_with("冬至慰问")));
    // Window duty: two shifts on each of the 22 workdays from 1 to 30 December 2026.
    assert_eq!(count(TaskKind::WindowDuty), 44);

    let urgent = tasks
        .iter()
        .filter(|t| t.priority == Priority::Urgent)
        .count();
    assert!(
        urgent > 0 && urgent * 10 < tasks.len(),
        "{urgent} urgent of {}",
        tasks.len()
    );
    assert!(tasks.iter().all(|t| t.status == TaskStatus::Open));

    for t in tasks {
        let start = t.start.time();
        assert!(
            start >= NaiveTime::from_hms_opt(7, 0, 0).expect("t")
                && start <= NaiveTime::from_hms_opt(19, 30, 0).expect("t"),
            "{} starts at {start}",
            t.id
        );
        assert!(!t.crosses_midnight());
        match t.kind.category() {
            TaskCategory::ElderCare => assert!(t.volunteers_max <= 2, "{}", t.id),
            TaskCategory::Education => {
                assert!((2..=6).contains(&t.volunteers_max), "{}", t.id)
            }
            TaskCategory::Service => assert!(t.volunteers_max <= 2),
        }
        if t.kind == TaskKind::HospitalEscort {
            assert!(t.required_skills.contains(&Skill::DrivingLicence));
        }
        if let Some(b) = &t.beneficiary {
            let b = demo
                .beneficiaries
                .iter()
                .find(|x| &x.id == b)
                .expect("resolves");
            if let Some(pref) = &b.preferences.preferred_language {
                assert!(t.preferred_languages.contains(&pref.language));
            }
        }
    }
    let sorted = tasks.windows(2).all(|w| w[0].start <= w[1].start);
    assert!(sorted, "tasks are sorted by start");
}

#[test]
fn summer_gets_heat_wave_checks_instead_of_cold_spells() {
    let demo = generate(&DemoParams {
        start: NaiveDate::from_ymd_opt(2027, 7, 1).expect("date"),
        ..DemoParams::village()
    });
    assert!(demo.tasks.iter().any(|t| t.kind == TaskKind::HeatWaveCheck));
    assert!(demo
        .tasks
        .iter()
        .all(|t| t.kind != TaskKind::ColdSpellCheck));
}

#[test]
fn district_week_has_the_benchmark_sizes_and_a_varied_mix() {
    let p = DemoParams::district_week();
    assert_eq!(p.tasks_per_day.map(|n| n * 7), Some(602));
    let demo = generate(&p);
    assert_eq!(demo.volunteers.len(), 2_000);
    assert_eq!(demo.tasks.len(), 602);
    let kinds: BTreeSet<TaskKind> = demo.tasks.iter().map(|t| t.kind).collect();
    assert!(kinds.len() >= 12, "a varied mix, got {kinds:?}");
}
