//! Random small demo villages: `suggest` and `candidate_edges` must agree with `check`.

use std::collections::BTreeMap;

use proptest::prelude::*;

use crate::demo::{generate, DemoParams};
use crate::matching::{
    candidate_edges, check, score, suggest, Commitment, MatchContext, ServiceHistory,
};
use crate::model::{NaiveDate, TaskStatus};

#[derive(Debug, Clone)]
struct Case {
    params: DemoParams,
    /// (volunteer, task) picks, reduced modulo the generated counts.
    commitments: Vec<(usize, usize)>,
    /// (volunteer, beneficiary, visits, minutes, no_shows, past).
    history: Vec<(usize, usize, u32, u32, u32, u32)>,
    /// Tasks to mark done or cancelled.
    closed: Vec<usize>,
    k: usize,
}

fn case() -> impl Strategy<Value = Case> {
    (
        any::<u64>(),
        1usize..30,
        1usize..12,
        1u32..9,
        1usize..5,
        prop_oneof![Just(None), (1usize..6).prop_map(Some)],
        proptest::collection::vec((any::<usize>(), any::<usize>()), 0..40),
        proptest::collection::vec(
            (
                any::<usize>(),
                any::<usize>(),
                0u32..8,
                0u32..3000,
                0u32..5,
                0u32..20,
            ),
            0..20,
        ),
        proptest::collection::vec(any::<usize>(), 0..3),
        0usize..8,
    )
        .prop_map(
            |(
                seed,
                volunteers,
                beneficiaries,
                days,
                groups,
                tasks_per_day,
                commitments,
                history,
                closed,
                k,
            )| {
                Case {
                    params: DemoParams {
                        seed,
                        volunteers,
                        beneficiaries,
                        days,
                        start: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap_or_default(),
                        groups,
                        tasks_per_day,
                    },
                    commitments,
                    history,
                    closed,
                    k,
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn suggestions_and_edges_agree_with_check(case in case()) {
        let mut demo = generate(&case.params);
        prop_assume!(!demo.tasks.is_empty());
        let (nv, nt, nb) = (demo.volunteers.len(), demo.tasks.len(), demo.beneficiaries.len());
        for (i, &pick) in case.closed.iter().enumerate() {
            demo.tasks[pick % nt].status =
                if i % 2 == 0 { TaskStatus::Done } else { TaskStatus::Cancelled };
        }
        let commitments: Vec<Commitment> = case
            .commitments
            .iter()
            .map(|&(v, t)| Commitment::new(demo.volunteers[v % nv].id.clone(), &demo.tasks[t % nt]))
            .collect();
        let mut history = ServiceHistory::default();
        for &(v, b, visits, minutes, no_shows, past) in &case.history {
            let rec = history.entry(&demo.volunteers[v % nv].id);
            rec.visits.insert(demo.beneficiaries[b % nb].id.clone(), visits);
            rec.minutes_this_month = minutes;
            rec.no_shows = no_shows;
            rec.past_assignments = past;
        }
        let ctx = MatchContext::new(&demo.village, &demo.beneficiaries, &commitments, &history);

        let mut eligible_pairs = BTreeMap::new();
        for (ti, task) in demo.tasks.iter().enumerate() {
            let s = suggest(&ctx, &demo.volunteers, task, case.k);
            let mut eligible = Vec::new();
            for (vi, v) in demo.volunteers.iter().enumerate() {
                let why = check(&ctx, v, task);
                if why.is_empty() {
                    let total = score(&ctx, v, task).total;
                    eligible.push((total, v.id.clone()));
                    eligible_pairs.insert((ti, vi), total);
                } else {
                    let listed = s.ineligible.iter().find(|(id, _)| id == &v.id);
                    prop_assert_eq!(listed.map(|(_, r)| r), Some(&why));
                }
            }
            for c in &s.candidates {
                let v = demo.volunteers.iter().find(|v| v.id == c.volunteer).expect("listed");
                prop_assert!(check(&ctx, v, task).is_empty());
                prop_assert_eq!(&c.score, &score(&ctx, v, task));
            }
            for (_, why) in &s.ineligible {
                prop_assert!(!why.is_empty());
            }
            prop_assert_eq!(s.ineligible.len(), nv - eligible.len());
            // The candidates are exactly the k best eligible, best first, ties by id.
            eligible.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
            eligible.truncate(case.k);
            let got: Vec<_> = s.candidates.iter().map(|c| (c.score.total, c.volunteer.clone())).collect();
            prop_assert_eq!(got, eligible);
        }

        let edges: BTreeMap<(usize, usize), i64> = candidate_edges(&ctx, &demo.volunteers, &demo.tasks)
            .into_iter()
            .map(|e| ((e.task, e.volunteer), e.score))
            .collect();
        prop_assert_eq!(edges, eligible_pairs);
    }
}
