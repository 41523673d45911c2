//! Tests of the weekly plan, including an exhaustive optimum for small instances.

use super::*;
use crate::rng::SplitMix64;
use proptest::prelude::*;

fn volunteer(remaining_minutes: u32, load_minutes: u32) -> VolunteerSlot {
    VolunteerSlot {
        id: format!("v{remaining_minutes}-{load_minutes}"),
        remaining_minutes,
        load_minutes,
    }
}

fn task(start: i64, end: i64, places: u32) -> TaskSlot {
    TaskSlot {
        id: format!("t{start}-{end}"),
        start,
        end,
        places,
        min_places: 0,
    }
}

fn edge(volunteer: usize, task: usize, score: i64) -> Edge {
    Edge {
        volunteer,
        task,
        score,
    }
}

fn no_fairness() -> PlanOptions {
    PlanOptions {
        fairness_weight: 0,
        ..PlanOptions::default()
    }
}

fn pairs(plan: &Plan) -> Vec<(usize, usize)> {
    plan.assignments
        .iter()
        .map(|a| (a.task, a.volunteer))
        .collect()
}

/// Exhaustive optimum: every volunteer's feasible task sets, combined by dynamic programming
/// over the open places of each task (places ≤ 3, tasks ≤ 6 → at most 4⁶ states).
fn brute_force_optimum(instance: &Instance, options: &PlanOptions) -> Objective {
    let nt = instance.tasks.len();
    assert!(nt <= 6 && instance.tasks.iter().all(|t| t.places <= 3));
    let radix: Vec<usize> = (0..nt).map(|t| 4usize.pow(t as u32)).collect();
    let start: usize = (0..nt)
        .map(|t| instance.tasks[t].places as usize * radix[t])
        .sum();
    let mut dp: Vec<Option<Objective>> = vec![None; 4usize.pow(nt as u32)];
    dp[start] = Some(Objective::default());
    for (v, slot) in instance.volunteers.iter().enumerate() {
        let mine: Vec<&Edge> = instance.edges.iter().filter(|e| e.volunteer == v).collect();
        // Feasible subsets of this volunteer's edges: (task mask, count, score).
        let mut options_v: Vec<(usize, u32, i64)> = Vec::new();
        for mask in 0u32..(1 << mine.len()) {
            let chosen: Vec<&Edge> = (0..mine.len())
                .filter(|i| mask & (1 << i) != 0)
                .map(|i| mine[i])
                .collect();
            let minutes: i64 = chosen
                .iter()
                .map(|e| instance.tasks[e.task].end - instance.tasks[e.task].start)
                .sum();
            if minutes > i64::from(slot.remaining_minutes) {
                continue;
            }
            let clash = chosen.iter().enumerate().any(|(i, a)| {
                chosen[i + 1..]
                    .iter()
                    .any(|b| instance.tasks[a.task].overlaps(&instance.tasks[b.task]))
            });
            if clash {
                continue;
            }
            let task_mask = chosen.iter().map(|e| 1usize << e.task).sum();
            let score = chosen.iter().map(|e| e.score).sum::<i64>()
                - fairness_cost(options, slot.load_minutes, chosen.len() as u32);
            options_v.push((task_mask, chosen.len() as u32, score));
        }
        let mut next: Vec<Option<Objective>> = vec![None; dp.len()];
        for (state, value) in dp.iter().enumerate() {
            let Some(value) = value else { continue };
            'subset: for &(task_mask, count, score) in &options_v {
                let mut s = state;
                for (t, &r) in radix.iter().enumerate() {
                    if task_mask & (1 << t) != 0 {
                        if (s / r) % 4 == 0 {
                            continue 'subset;
                        }
                        s -= r;
                    }
                }
                let candidate = Objective {
                    filled: value.filled + count,
                    net_score: value.net_score + score,
                };
                if next[s].is_none_or(|old| candidate > old) {
                    next[s] = Some(candidate);
                }
            }
        }
        dp = next;
    }
    dp.into_iter().flatten().max().unwrap_or_default()
}

/// Random small instance: up to 8 volunteers × 6 tasks within one day, overlaps likely.
fn random_instance(seed: u64, overlapping: bool) -> (Instance, PlanOptions) {
    let mut rng = SplitMix64::new(seed);
    let nv = 1 + rng.index(8);
    let nt = 1 + rng.index(6);
    let tasks: Vec<TaskSlot> = (0..nt)
        .map(|t| {
            let (start, length) = if overlapping {
                (i64::from(rng.range(0, 480)), i64::from(rng.range(30, 180)))
            } else {
                (t as i64 * 200, i64::from(rng.range(30, 180)))
            };
            let places = rng.range(1, 3);
            TaskSlot {
                id: format!("t{t}"),
                start,
                end: start + length,
                places,
                min_places: rng.range(0, places),
            }
        })
        .collect();
    let volunteers: Vec<VolunteerSlot> = (0..nv)
        .map(|v| VolunteerSlot {
            id: format!("v{v}"),
            remaining_minutes: if overlapping {
                rng.range(0, 420)
            } else {
                1200 + rng.range(0, 600)
            },
            load_minutes: rng.range(0, 600),
        })
        .collect();
    let density = 0.25 + 0.6 * rng.unit();
    let mut edges = Vec::new();
    for v in 0..nv {
        for t in 0..nt {
            if rng.chance(density) {
                edges.push(edge(v, t, i64::from(rng.range(0, 120)) - 20));
            }
        }
    }
    // Shuffle edge order: the plan must not depend on it beyond determinism.
    for i in (1..edges.len()).rev() {
        edges.swap(i, rng.index(i + 1));
    }
    let options = PlanOptions {
        fairness_weight: i64::from(rng.range(0, 6)),
        load_unit_minutes: rng.range(30, 120),
        ..PlanOptions::default()
    };
    (
        Instance {
            volunteers,
            tasks,
            edges,
        },
        options,
    )
}

#[test]
fn overlapping_tasks_go_to_different_volunteers() {
    // Two overlapping tasks; Ana is best at both, Bo can do the second.
    let instance = Instance {
        volunteers: vec![volunteer(600, 0), volunteer(600, 0)],
        tasks: vec![task(0, 120, 1), task(60, 180, 1)],
        edges: vec![edge(0, 0, 50), edge(0, 1, 60), edge(1, 1, 10)],
    };
    let plan = solve(&instance, &no_fairness()).unwrap();
    assert_eq!(pairs(&plan), vec![(0, 0), (1, 1)]);
    assert_eq!(
        plan.objective,
        Objective {
            filled: 2,
            net_score: 60
        }
    );
    assert_eq!(plan.upper_bound, plan.objective);
    assert!(plan.exact);
    assert!(plan.unfilled.is_empty());
    check_hard_rules(&instance, &plan.assignments).unwrap();
}

#[test]
fn relaxation_conflict_is_repaired_and_reported_inexact_only_if_needed() {
    // One volunteer, two overlapping tasks: the relaxation (cap = 1 disjoint task) already
    // forbids taking both, so the plan is exact and takes the better one.
    let instance = Instance {
        volunteers: vec![volunteer(600, 0)],
        tasks: vec![task(0, 120, 1), task(60, 180, 1)],
        edges: vec![edge(0, 0, 5), edge(0, 1, 9)],
    };
    let plan = solve(&instance, &no_fairness()).unwrap();
    assert_eq!(pairs(&plan), vec![(1, 0)]);
    assert!(plan.exact);
    assert_eq!(
        plan.unfilled,
        vec![Unfilled {
            task: 0,
            places_left: 1,
            below_minimum_by: 0,
            reason: UnfilledReason::EligibleVolunteersBusy {
                overlapping: 1,
                out_of_hours: 0
            }
        }]
    );
}

#[test]
fn interval_cap_is_not_enough_so_repair_runs() {
    // Tasks A [0,100) and C [200,300) are disjoint, B [50,250) overlaps both. Volunteer 0 may do
    // all three (cap 2: A and C), volunteer 1 only B. The relaxation may give volunteer 0 two
    // overlapping tasks; the final plan must still be feasible and here optimal (3 filled).
    let instance = Instance {
        volunteers: vec![volunteer(1000, 0), volunteer(1000, 0)],
        tasks: vec![task(0, 100, 1), task(50, 250, 1), task(200, 300, 1)],
        edges: vec![edge(0, 0, 1), edge(0, 1, 100), edge(0, 2, 1), edge(1, 1, 1)],
    };
    let plan = solve(&instance, &no_fairness()).unwrap();
    check_hard_rules(&instance, &plan.assignments).unwrap();
    assert_eq!(pairs(&plan), vec![(0, 0), (1, 1), (2, 0)]);
    assert_eq!(plan.objective.filled, 3);
    assert_eq!(
        plan.objective,
        brute_force_optimum(&instance, &no_fairness())
    );
}

#[test]
fn back_to_back_is_allowed_and_budget_is_respected() {
    let instance = Instance {
        volunteers: vec![volunteer(240, 0)],
        tasks: vec![task(0, 120, 1), task(120, 240, 1), task(240, 300, 1)],
        edges: vec![edge(0, 0, 10), edge(0, 1, 10), edge(0, 2, 50)],
    };
    let plan = solve(&instance, &no_fairness()).unwrap();
    check_hard_rules(&instance, &plan.assignments).unwrap();
    // 240 minutes: two of the three; the 60-minute one (score 50) plus one 120-minute one.
    assert_eq!(
        plan.objective,
        Objective {
            filled: 2,
            net_score: 60
        }
    );
    assert_eq!(plan.assignments.len(), 2);
    assert!(plan.assignments.iter().any(|a| a.task == 2));
    let open = &plan.unfilled[0];
    assert_eq!(
        open.reason,
        UnfilledReason::EligibleVolunteersBusy {
            overlapping: 0,
            out_of_hours: 1
        }
    );
}

#[test]
fn fairness_spreads_work_to_lighter_volunteers() {
    // Two disjoint tasks; Ana (already 10 h this period) scores 30, Bo (new) scores 25.
    let instance = Instance {
        volunteers: vec![volunteer(600, 600), volunteer(600, 0)],
        tasks: vec![task(0, 60, 1), task(100, 160, 1)],
        edges: vec![
            edge(0, 0, 30),
            edge(0, 1, 30),
            edge(1, 0, 25),
            edge(1, 1, 25),
        ],
    };
    let greedy = solve(&instance, &no_fairness()).unwrap();
    assert_eq!(greedy.total_score, 60); // Ana gets both
    let fair = solve(&instance, &PlanOptions::default()).unwrap();
    // Ana: b = 10, first task costs 21, second 23; Bo: 1 then 3.
    // Ana+Bo: 55 − 21 − 1 = 33; Bo both: 50 − 4 = 46; Ana both: 60 − 44 = 16.
    assert_eq!(
        fair.objective,
        Objective {
            filled: 2,
            net_score: 46
        }
    );
    assert_eq!(fair.fairness_cost, 4);
    assert!(fair.assignments.iter().all(|a| a.volunteer == 1));
    assert!(fair.exact);
}

#[test]
fn filling_comes_before_score() {
    // Ana is great at task 0 but then task 1 (only Ana eligible) would stay empty.
    let instance = Instance {
        volunteers: vec![volunteer(600, 0), volunteer(600, 0)],
        tasks: vec![task(0, 60, 1), task(0, 60, 1)],
        edges: vec![edge(0, 0, 1000), edge(0, 1, 1), edge(1, 0, -50)],
    };
    let plan = solve(&instance, &no_fairness()).unwrap();
    assert_eq!(pairs(&plan), vec![(0, 1), (1, 0)]);
    assert_eq!(
        plan.objective,
        Objective {
            filled: 2,
            net_score: -49
        }
    );
}

#[test]
fn unfilled_reasons() {
    let instance = Instance {
        volunteers: vec![volunteer(600, 0)],
        tasks: vec![task(0, 60, 1), task(100, 160, 3), task(300, 360, 1)],
        edges: vec![edge(0, 1, 5)],
    };
    let mut instance = instance;
    instance.tasks[1].min_places = 2;
    let plan = solve(&instance, &no_fairness()).unwrap();
    assert_eq!(
        plan.unfilled,
        vec![
            Unfilled {
                task: 0,
                places_left: 1,
                below_minimum_by: 0,
                reason: UnfilledReason::NoEligibleVolunteer
            },
            Unfilled {
                task: 1,
                places_left: 2,
                below_minimum_by: 1,
                reason: UnfilledReason::TooFewEligibleVolunteers
            },
            Unfilled {
                task: 2,
                places_left: 1,
                below_minimum_by: 0,
                reason: UnfilledReason::NoEligibleVolunteer
            },
        ]
    );
}

#[test]
fn rejects_bad_instances_and_options() {
    let base = Instance {
        volunteers: vec![volunteer(60, 0)],
        tasks: vec![task(0, 60, 1)],
        edges: vec![edge(0, 0, 1)],
    };
    let opts = PlanOptions::default();
    let mut bad = base.clone();
    bad.edges.push(edge(3, 0, 1));
    assert_eq!(
        solve(&bad, &opts),
        Err(PlanError::NoSuchVolunteer {
            edge: 1,
            volunteer: 3,
            count: 1
        })
    );
    let mut bad = base.clone();
    bad.edges.push(edge(0, 7, 1));
    assert!(matches!(
        solve(&bad, &opts),
        Err(PlanError::NoSuchTask { task: 7, .. })
    ));
    let mut bad = base.clone();
    bad.edges.push(edge(0, 0, 2));
    assert_eq!(
        solve(&bad, &opts),
        Err(PlanError::DuplicateEdge {
            volunteer: 0,
            task: 0
        })
    );
    let mut bad = base.clone();
    bad.tasks[0].end = 0;
    assert_eq!(
        solve(&bad, &opts),
        Err(PlanError::EmptyTimeSpan { task: 0 })
    );
    let mut bad = base.clone();
    bad.tasks[0].start = i64::MIN;
    bad.tasks[0].end = i64::MAX;
    assert_eq!(
        solve(&bad, &opts),
        Err(PlanError::EmptyTimeSpan { task: 0 })
    );
    let mut bad = base.clone();
    bad.edges[0].score = i64::MIN;
    assert!(matches!(
        solve(&bad, &opts),
        Err(PlanError::ScoreOutOfRange { .. })
    ));
    for options in [
        PlanOptions {
            fairness_weight: -1,
            ..opts
        },
        PlanOptions {
            load_unit_minutes: 0,
            ..opts
        },
        PlanOptions {
            max_repair_rounds: 0,
            ..opts
        },
    ] {
        assert!(matches!(
            solve(&base, &options),
            Err(PlanError::InvalidOptions(_))
        ));
    }
    assert!(solve(&Instance::default(), &opts)
        .unwrap()
        .assignments
        .is_empty());
}

#[test]
fn check_hard_rules_finds_each_violation() {
    let instance = Instance {
        volunteers: vec![volunteer(100, 0), volunteer(600, 0)],
        tasks: vec![task(0, 60, 1), task(30, 90, 2), task(200, 260, 2)],
        edges: vec![
            edge(0, 0, 1),
            edge(0, 1, 1),
            edge(0, 2, 1),
            edge(1, 0, 1),
            edge(1, 1, 1),
        ],
    };
    let a = |task, volunteer| Assignment {
        task,
        volunteer,
        score: 1,
    };
    assert_eq!(
        check_hard_rules(&instance, &[a(2, 1)]),
        Err(RuleViolation::NotEligible {
            task: 2,
            volunteer: 1
        })
    );
    assert!(matches!(
        check_hard_rules(&instance, &[a(1, 1), a(1, 1)]),
        Err(RuleViolation::Duplicate { .. })
    ));
    assert!(matches!(
        check_hard_rules(&instance, &[a(0, 0), a(0, 1)]),
        Err(RuleViolation::Overfilled { task: 0, .. })
    ));
    assert!(matches!(
        check_hard_rules(&instance, &[a(0, 1), a(1, 1)]),
        Err(RuleViolation::Overlap { volunteer: 1, .. })
    ));
    assert_eq!(
        check_hard_rules(&instance, &[a(0, 0), a(2, 0)]),
        Err(RuleViolation::OverBudget {
            volunteer: 0,
            minutes: 120,
            budget: 100
        })
    );
    assert_eq!(check_hard_rules(&instance, &[a(0, 0), a(1, 1)]), Ok(()));
}

#[test]
fn dense_square_special_case_agrees_with_the_plan() {
    let mut rng = SplitMix64::new(7);
    let n = 6;
    let scores: Vec<Vec<f64>> = (0..n)
        .map(|_| (0..n).map(|_| f64::from(rng.range(0, 100))).collect())
        .collect();
    let (assignment, total) = solve_dense_square(&scores).unwrap();
    let mut seen = assignment.clone();
    seen.sort_unstable();
    assert_eq!(seen, (0..n).collect::<Vec<_>>());
    let recomputed: f64 = assignment
        .iter()
        .enumerate()
        .map(|(r, &c)| scores[r][c])
        .sum();
    assert_eq!(recomputed, total);
    // The same problem in the instance format: disjoint single-place tasks, big budgets.
    let instance = Instance {
        volunteers: (0..n).map(|_| volunteer(100_000, 0)).collect(),
        tasks: (0..n as i64)
            .map(|t| task(t * 100, t * 100 + 60, 1))
            .collect(),
        edges: (0..n)
            .flat_map(|v| (0..n).map(move |t| (v, t)))
            .map(|(v, t)| edge(v, t, scores[v][t] as i64))
            .collect(),
    };
    // Without fairness a volunteer could take several tasks; cap it with a one-task budget.
    let mut one_each = instance.clone();
    for v in &mut one_each.volunteers {
        v.remaining_minutes = 60;
    }
    let plan = solve(&one_each, &no_fairness()).unwrap();
    assert!(plan.exact);
    assert_eq!(plan.objective.filled, n as u32);
    assert_eq!(plan.total_score as f64, total);
    assert_eq!(
        solve_dense_square(&[vec![1.0, 2.0], vec![3.0]]),
        Err(LapError::RaggedRows {
            row: 1,
            len: 1,
            expected: 2
        })
    );
}

#[test]
fn plan_round_trips_through_json() {
    let (instance, options) = random_instance(42, true);
    let plan = solve(&instance, &options).unwrap();
    let json = serde_json::to_string(&plan).unwrap();
    assert_eq!(serde_json::from_str::<Plan>(&json).unwrap(), plan);
    let json = serde_json::to_string(&instance).unwrap();
    assert_eq!(serde_json::from_str::<Instance>(&json).unwrap(), instance);
}

/// How often the heuristic misses the exhaustive optimum on overlapping instances, per repair
/// mode, with and without local search. Prints the counts (run with `--nocapture`); asserts only
/// the sandwich `plan ≤ optimum ≤ upper bound` and the hard rules (filled places do not always
/// reach the optimum: about 1% of these instances miss by one place with the default options).
#[test]
fn heuristic_quality_on_overlapping_instances() {
    for mode in [
        RepairMode::FixAndExtend,
        RepairMode::ForbidAndResolve,
        RepairMode::Both,
    ] {
        for local_search in [false, true] {
            quality(mode, local_search);
        }
    }
}

fn quality(mode: RepairMode, local_search: bool) {
    let (mut total, mut exact, mut net_misses, mut filled_misses) = (0, 0, 0, 0);
    let mut repaired = 0;
    let mut worst_gap = 0i64;
    for seed in 0..2000u64 {
        let (instance, mut options) = random_instance(seed.wrapping_mul(0x9E37_79B9), true);
        options.repair = mode;
        options.local_search = local_search;
        let plan = solve(&instance, &options).unwrap();
        check_hard_rules(&instance, &plan.assignments).unwrap();
        let best = brute_force_optimum(&instance, &options);
        assert!(
            plan.objective <= best && best <= plan.upper_bound,
            "seed {seed}"
        );
        total += 1;
        exact += usize::from(plan.exact);
        repaired += usize::from(plan.flow_rounds > 1);
        if plan.objective.filled < best.filled {
            filled_misses += 1;
        } else if plan.objective < best {
            net_misses += 1;
            worst_gap = worst_gap.max(best.net_score - plan.objective.net_score);
        }
    }
    println!(
        "{mode:?} local_search={local_search}: {total} overlapping instances; proven exact {exact}; \
         >1 flow solve {repaired}; optimum missed on places filled {filled_misses}, \
         on net score only {net_misses} (worst net gap {worst_gap})"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn plans_obey_hard_rules_are_deterministic_and_exact_when_claimed(
        seed in any::<u64>(),
        overlapping in any::<bool>(),
    ) {
        let (instance, options) = random_instance(seed, overlapping);
        let plan = solve(&instance, &options).unwrap();
        prop_assert_eq!(check_hard_rules(&instance, &plan.assignments), Ok(()));
        prop_assert_eq!(&solve(&instance, &options).unwrap(), &plan);
        let (objective, score, fairness) = evaluate(&instance, &options, &plan.assignments);
        prop_assert_eq!(objective, plan.objective);
        prop_assert_eq!(score - fairness, plan.objective.net_score);
        prop_assert_eq!(plan.total_score, score);
        prop_assert_eq!(plan.fairness_cost, fairness);
        let best = brute_force_optimum(&instance, &options);
        prop_assert!(best <= plan.upper_bound);
        // Small instances are always solved to the optimum (by the flow's bound or, where the
        // bound is not reached, by the exhaustive fallback) and say so.
        prop_assert_eq!(plan.objective, best);
        prop_assert!(plan.exact);
        if !overlapping {
            // No overlaps and slack budgets: the relaxation is the problem itself.
            prop_assert!(plan.exact);
            prop_assert_eq!(plan.objective, best);
        }
        let placed: u32 = plan.unfilled.iter().map(|u| u.places_left).sum();
        let places: u32 = instance.tasks.iter().map(|t| t.places).sum();
        prop_assert_eq!(placed + plan.objective.filled, places);
    }

    #[test]
    fn edge_order_does_not_change_the_objective(seed in any::<u64>()) {
        let (instance, options) = random_instance(seed, true);
        let mut reversed = instance.clone();
        reversed.edges.reverse();
        let a = solve(&instance, &options).unwrap();
        let b = solve(&reversed, &options).unwrap();
        prop_assert_eq!(a.upper_bound, b.upper_bound);
        prop_assert_eq!(check_hard_rules(&reversed, &b.assignments), Ok(()));
    }
}

/// Random larger instance (30–90 volunteers × 4–14 tasks over two days, dense eligibility),
/// where tasks have more candidates than a pruned flow round keeps in its core.
fn random_large_instance(seed: u64) -> (Instance, PlanOptions) {
    let mut rng = SplitMix64::new(seed);
    let nv = 30 + rng.index(61);
    let nt = 4 + rng.index(11);
    let tasks: Vec<TaskSlot> = (0..nt)
        .map(|t| {
            let start = i64::from(rng.range(0, 1) * 1440 + rng.range(480, 1080));
            let places = rng.range(1, 3);
            TaskSlot {
                id: format!("t{t}"),
                start,
                end: start + i64::from(rng.range(1, 6)) * 30,
                places,
                min_places: 1,
            }
        })
        .collect();
    // Half of the instances have "stars": volunteers who score best on every task but have
    // little time, so each task's best candidates are busy and the core is not enough.
    let stars = if rng.chance(0.5) {
        8 + rng.index(10)
    } else {
        0
    };
    let volunteers: Vec<VolunteerSlot> = (0..nv)
        .map(|v| VolunteerSlot {
            id: format!("v{v}"),
            remaining_minutes: if v < stars {
                rng.range(1, 3) * 60
            } else {
                rng.range(0, 8) * 60
            },
            load_minutes: rng.range(0, 900),
        })
        .collect();
    let density = 0.3 + 0.6 * rng.unit();
    // Few distinct scores, so ties at the core's cut are common.
    let levels = 2 + rng.index(20) as u32;
    let mut edges = Vec::new();
    for v in 0..nv {
        for t in 0..nt {
            if v < stars || rng.chance(density) {
                let bonus = if v < stars { 200 } else { 0 };
                edges.push(edge(v, t, bonus + i64::from(rng.range(0, levels)) * 5));
            }
        }
    }
    let options = PlanOptions {
        fairness_weight: i64::from(rng.range(0, 4)),
        load_unit_minutes: rng.range(30, 120),
        ..PlanOptions::default()
    };
    (
        Instance {
            volunteers,
            tasks,
            edges,
        },
        options,
    )
}

/// (flow, cost) of a flow round, solved.
fn round_value(round: &mut FlowRound, p: &Prepared) -> Option<(i64, i64)> {
    round.solve(p).unwrap().map(|o| (o.flow, o.cost))
}

/// Pruned rounds (with the default core and with tiny ones, which need many arcs added back)
/// give exactly the whole network's optimum, also when re-solved warm after edges are
/// forbidden.
#[test]
fn pruned_flow_rounds_are_exact_also_after_forbidding_edges() {
    let mut pruned_rounds = 0;
    for seed in 0..600u64 {
        let (instance, options) = random_large_instance(seed);
        let p = Prepared::new(&instance, &options).unwrap();
        let empty = State::new(&p);
        let mut forbidden = vec![false; instance.edges.len()];
        let slack = [CORE_SLACK, 0, 1, 3][seed as usize % 4];
        let Some(mut warm) = FlowRound::new(&p, &empty, &forbidden, Some(slack)).unwrap() else {
            continue;
        };
        pruned_rounds += usize::from(warm.pruned);
        let mut rng = SplitMix64::new(seed ^ 0x5EED);
        for round in 0..4 {
            let whole = FlowRound::new(&p, &empty, &forbidden, None)
                .unwrap()
                .and_then(|mut r| round_value(&mut r, &p));
            let outcome = warm.solve(&p).unwrap();
            assert_eq!(
                outcome.as_ref().map(|o| (o.flow, o.cost)),
                whole,
                "seed {seed} round {round}"
            );
            // Forbid some of the chosen edges (as forbid-and-resolve does) and a few others.
            let Some(outcome) = outcome else { break };
            let chosen: Vec<usize> = outcome.chosen.iter().flatten().copied().collect();
            for _ in 0..1 + rng.index(4) {
                let e = if rng.chance(0.7) && !chosen.is_empty() {
                    chosen[rng.index(chosen.len())]
                } else {
                    rng.index(instance.edges.len())
                };
                if !forbidden[e] {
                    forbidden[e] = true;
                    warm.forbid(&p, e).unwrap();
                }
            }
        }
    }
    assert!(pruned_rounds > 400, "only {pruned_rounds} pruned rounds");
}

#[test]
fn large_instances_obey_hard_rules_and_the_bound_is_the_whole_relaxation() {
    for seed in 0..200u64 {
        let (instance, options) = random_large_instance(seed);
        let plan = solve(&instance, &options).unwrap();
        check_hard_rules(&instance, &plan.assignments).unwrap();
        assert_eq!(solve(&instance, &options).unwrap(), plan, "seed {seed}");
        assert!(plan.objective <= plan.upper_bound, "seed {seed}");
        let p = Prepared::new(&instance, &options).unwrap();
        let no_edge_forbidden = vec![false; instance.edges.len()];
        let whole = FlowRound::new(&p, &State::new(&p), &no_edge_forbidden, None)
            .unwrap()
            .and_then(|mut r| round_value(&mut r, &p))
            .map_or(Objective::default(), |(flow, cost)| Objective {
                filled: flow as u32,
                net_score: -cost,
            });
        assert_eq!(plan.upper_bound, whole, "seed {seed}");
        // Reaching the bound proves optimality; below it, only the exhaustive search (small
        // instances) may claim it.
        if plan.objective == whole {
            assert!(plan.exact, "seed {seed}");
        }
    }
}
