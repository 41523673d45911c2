//! Ranking for one task, and the edges handed to the batch planner.

use crate::matching::fixtures::*;
use crate::matching::{
    candidate_edges, check, remaining_weekly_minutes, score, suggest, CandidateEdge, Ineligibility,
};
use crate::model::{AvailabilityException, Skill, TaskKind, VolunteerId};

fn ids(s: &crate::matching::Suggestions) -> Vec<&str> {
    s.candidates.iter().map(|c| c.volunteer.as_str()).collect()
}

/// v-0003, v-0001, v-0002: identical neighbours (ties); v-0004 lives 1.2 km away; v-0005 likes
/// home visits; v-0006 is away; v-0007 is busy at the time.
fn crowd() -> (World, Vec<crate::model::Volunteer>) {
    let mut world = World::new();
    world.commitments = vec![booked(7, 900, at(1, 9, 30), at(1, 11, 0))];
    let mut far = volunteer(4);
    far.group = group(2);
    let mut keen = volunteer(5);
    keen.preferred_task_kinds = vec![TaskKind::HomeVisit];
    let mut away = volunteer(6);
    away.exceptions = vec![AvailabilityException::away(day(1), day(2)).expect("away")];
    let vols = vec![
        volunteer(3),
        away,
        volunteer(1),
        far,
        volunteer(7),
        keen,
        volunteer(2),
    ];
    (world, vols)
}

#[test]
fn best_first_with_ties_broken_by_volunteer_id() {
    let (world, vols) = crowd();
    let ctx = world.ctx();
    let s = suggest(&ctx, &vols, &visit(), 10);
    assert_eq!(ids(&s), ["v-0005", "v-0001", "v-0002", "v-0003", "v-0004"]);
    let totals: Vec<i64> = s.candidates.iter().map(|c| c.score.total).collect();
    assert!(totals.windows(2).all(|w| w[0] >= w[1]), "{totals:?}");
    assert_eq!(totals[1], totals[3], "the three neighbours tie");
    // Each candidate carries the same explained score as `score`.
    for c in &s.candidates {
        let v = vols.iter().find(|v| v.id == c.volunteer).expect("known");
        assert_eq!(c.score, score(&ctx, v, &visit()));
    }
    // Only the top k are listed, same order.
    let top = suggest(&ctx, &vols, &visit(), 3);
    assert_eq!(ids(&top), ["v-0005", "v-0001", "v-0002"]);
    // Input order does not change the answer.
    let mut reversed = vols.clone();
    reversed.reverse();
    assert_eq!(ids(&suggest(&ctx, &reversed, &visit(), 3)), ids(&top));
}

#[test]
fn ineligible_volunteers_are_listed_with_their_reasons() {
    let (world, vols) = crowd();
    let s = suggest(&world.ctx(), &vols, &visit(), 1);
    assert_eq!(
        ids(&s),
        ["v-0005"],
        "eligible beyond k are simply not listed"
    );
    assert_eq!(
        s.ineligible,
        vec![
            (
                VolunteerId::numbered(6),
                vec![Ineligibility::Away {
                    date_from: day(1),
                    date_to: day(2)
                }]
            ),
            (
                VolunteerId::numbered(7),
                vec![Ineligibility::Overlaps {
                    task: crate::model::TaskId::numbered(900),
                    start: at(1, 9, 30),
                    end: at(1, 11, 0)
                }]
            ),
        ]
    );
}

#[test]
fn k_larger_than_the_eligible_count_returns_every_eligible_volunteer() {
    let (world, vols) = crowd();
    let ctx = world.ctx();
    let s = suggest(&ctx, &vols, &visit(), 100);
    assert_eq!(s.candidates.len(), 5);
    assert_eq!(s.ineligible.len(), 2);
    assert!(suggest(&ctx, &vols, &visit(), 0).candidates.is_empty());
    // Nobody qualifies: no candidates, everyone explained.
    let mut t = visit();
    t.required_skills = vec![Skill::Nursing];
    let s = suggest(&ctx, &vols, &t, 5);
    assert!(s.candidates.is_empty());
    assert_eq!(s.ineligible.len(), vols.len());
    assert!(s
        .ineligible
        .iter()
        .all(|(_, why)| why.contains(&Ineligibility::MissingSkill(Skill::Nursing))));
}

#[test]
fn candidate_edges_are_the_eligible_pairs_with_their_scores() {
    let (world, vols) = crowd();
    let ctx = world.ctx();
    let mut driving = visit();
    driving.id = "t-0101".into();
    driving.kind = TaskKind::HospitalEscort;
    driving.required_skills = vec![Skill::DrivingLicence];
    let mut later = visit();
    later.id = "t-0102".into();
    later.start = at(1, 14, 0);
    later.end = at(1, 15, 0);
    let mut vols = vols;
    vols[0]
        .certifications
        .push(crate::model::Certification::permanent(
            Skill::DrivingLicence,
        ));
    let tasks = vec![visit(), driving, later];
    let edges = candidate_edges(&ctx, &vols, &tasks);
    let pairs: Vec<(usize, usize)> = edges.iter().map(|e| (e.task, e.volunteer)).collect();
    // Task 0: all but the away (1) and busy (4) volunteers. Task 1: only the driver, index 0.
    // Task 2 (afternoon): the busy one is free again; the away one is still away.
    assert_eq!(
        pairs,
        vec![
            (0, 0),
            (0, 2),
            (0, 3),
            (0, 5),
            (0, 6),
            (1, 0),
            (2, 0),
            (2, 2),
            (2, 3),
            (2, 4),
            (2, 5),
            (2, 6)
        ]
    );
    for CandidateEdge {
        volunteer,
        task,
        score: points,
    } in edges
    {
        assert_eq!(points, score(&ctx, &vols[volunteer], &tasks[task]).total);
        assert!(check(&ctx, &vols[volunteer], &tasks[task]).is_empty());
    }
}

#[test]
fn remaining_weekly_minutes_counts_commitments_starting_that_week() {
    let mut world = World::new();
    world.commitments = vec![
        booked(1, 1, at(1, 8, 0), at(1, 10, 30)), // Tue, 150 min
        booked(1, 2, at(6, 22, 0), at(7, 1, 0)),  // starts Sun 6th: 180 min, this week
        booked(1, 3, at(7, 9, 0), at(7, 10, 0)),  // next week
        booked(2, 4, at(2, 9, 0), at(2, 17, 0)),  // someone else
    ];
    let ctx = world.ctx();
    let v = volunteer(1); // 10 h
    assert_eq!(remaining_weekly_minutes(&ctx, &v, day(3)), 600 - 330);
    assert_eq!(
        remaining_weekly_minutes(&ctx, &v, nov(30, 0, 0).date()),
        270
    );
    assert_eq!(remaining_weekly_minutes(&ctx, &v, day(7)), 540);
    assert_eq!(remaining_weekly_minutes(&ctx, &volunteer(3), day(3)), 600);
    let mut busy = volunteer(2);
    busy.max_hours_per_week = 4;
    assert_eq!(
        remaining_weekly_minutes(&ctx, &busy, day(3)),
        0,
        "never negative"
    );
}
