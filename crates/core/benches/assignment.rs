//! Assignment benchmarks: the dense LAP against scipy in the same run, and a district-sized week.
//!
//! `cargo bench -p linli-core --bench assignment`. Needs `python3` with scipy for the comparison
//! line (skipped with a note otherwise).

use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use linli_core::assign::lap::{self, Sense};
use linli_core::assign::Objective;
use linli_core::assign::{
    plan_week, solve, Edge, Instance, MatchInput, PlanOptions, TaskSlot, VolunteerSlot,
};
use linli_core::demo::{generate, DemoParams};
use linli_core::matching::{
    candidate_edges, remaining_weekly_minutes, week_start, Commitment, MatchContext,
};
use linli_core::rng::SplitMix64;
use linli_core::TaskStatus;

const N: usize = 1000;

fn dense_matrix(n: usize, seed: u64) -> Vec<f64> {
    let mut rng = SplitMix64::new(seed);
    (0..n * n).map(|_| rng.unit()).collect()
}

fn median_ms(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2] * 1e3
}

/// Runs scipy on the same matrix (median of `runs`), in seconds; `None` if python/scipy fail.
fn scipy_seconds(matrix: &[f64], n: usize, runs: usize) -> Option<(f64, f64)> {
    let dir = std::env::temp_dir().join(format!("linli-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).ok()?;
    let file = dir.join("dense.json");
    let json = serde_json::json!({"instances": [{"n_rows": n, "n_cols": n, "scores": matrix}]});
    std::fs::write(&file, json.to_string()).ok()?;
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/scipy_lsa.py");
    let out = Command::new("python3")
        .arg(&script)
        .arg("--time")
        .arg(runs.to_string())
        .arg(&file)
        .output()
        .ok()?;
    let _ = std::fs::remove_dir_all(&dir);
    if !out.status.success() {
        eprintln!(
            "scipy comparison skipped: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        return None;
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).ok()?;
    Some((v["median_seconds"].as_f64()?, v["total"].as_f64()?))
}

fn dense(c: &mut Criterion) {
    let matrix = dense_matrix(N, 20_240_601);
    let mut group = c.benchmark_group("lap");
    group.sample_size(20);
    group.bench_function("dense_maximise_n1000", |b| {
        b.iter(|| lap::solve(black_box(&matrix), N, N, Sense::Maximize).map(|s| s.total))
    });
    group.finish();

    // Same matrix, our median over 15 runs vs scipy's median over 15 runs, in one process run.
    let mut ours = Vec::new();
    let mut total = 0.0;
    for _ in 0..15 {
        let began = Instant::now();
        total = lap::solve(&matrix, N, N, Sense::Maximize)
            .map(|s| s.total)
            .unwrap_or(f64::NAN);
        ours.push(began.elapsed().as_secs_f64());
    }
    let ours_ms = median_ms(ours);
    match scipy_seconds(&matrix, N, 15) {
        Some((scipy, scipy_total)) => {
            let scipy_ms = scipy * 1e3;
            println!(
                "dense n={N}: ours {ours_ms:.2} ms, scipy {scipy_ms:.2} ms, ratio {:.2} (totals {total:.9} vs {scipy_total:.9})",
                ours_ms / scipy_ms
            );
        }
        None => println!("dense n={N}: ours {ours_ms:.2} ms, scipy unavailable"),
    }
}

/// A district week: 2,000 volunteers, 600 tasks of 60–180 minutes over 7 days (08:00–20:00),
/// 1–3 places each, ~40 eligible volunteers per task, weekly budgets of 4–20 hours.
fn district_week(seed: u64) -> Instance {
    let mut rng = SplitMix64::new(seed);
    let volunteers: Vec<VolunteerSlot> = (0..2000)
        .map(|v| VolunteerSlot {
            id: format!("v{v}"),
            remaining_minutes: rng.range(4, 20) * 60,
            load_minutes: rng.range(0, 1200),
        })
        .collect();
    let tasks: Vec<TaskSlot> = (0..600)
        .map(|t| {
            let day = i64::from(rng.range(0, 6));
            let length = i64::from(rng.range(2, 6)) * 30;
            let start = day * 1440 + 8 * 60 + i64::from(rng.range(0, 20)) * 30;
            let places = rng.range(1, 3);
            TaskSlot {
                id: format!("t{t}"),
                start,
                end: (start + length).min(day * 1440 + 20 * 60).max(start + 60),
                places,
                min_places: 1,
            }
        })
        .collect();
    let mut edges = Vec::new();
    for t in 0..tasks.len() {
        let mut chosen: Vec<usize> = Vec::new();
        while chosen.len() < 40 {
            let v = rng.index(volunteers.len());
            if !chosen.contains(&v) {
                chosen.push(v);
            }
        }
        chosen.sort_unstable();
        for v in chosen {
            edges.push(Edge {
                volunteer: v,
                task: t,
                score: i64::from(rng.range(0, 100)),
            });
        }
    }
    Instance {
        volunteers,
        tasks,
        edges,
    }
}

fn district(c: &mut Criterion) {
    let instance = district_week(7);
    let options = PlanOptions::default();
    let began = Instant::now();
    match solve(&instance, &options) {
        Ok(plan) => println!(
            "district week (2000 volunteers, 600 tasks, {} edges): {:.1} ms once; filled {} of {} \
             places, net {}, bound {:?}, exact {}, flow solves {}, improvement moves {}",
            instance.edges.len(),
            began.elapsed().as_secs_f64() * 1e3,
            plan.objective.filled,
            instance.tasks.iter().map(|t| t.places).sum::<u32>(),
            plan.objective.net_score,
            plan.upper_bound,
            plan.exact,
            plan.flow_rounds,
            plan.improvement_moves
        ),
        Err(e) => println!("district week: error {e}"),
    }
    let mut group = c.benchmark_group("plan");
    group.sample_size(10);
    group.bench_function("district_week_2000x600", |b| {
        b.iter(|| solve(black_box(&instance), &options).map(|p| p.objective))
    });
    group.finish();
}

/// The per-week instances `plan_week` solves for an input without commitments or history
/// (it plans week by week, each week seeing the previous weeks' plans as commitments), rebuilt
/// here from the public matching API so the bench can show the plans' upper bounds, and the
/// summed objective and bound over the weeks.
fn demo_week_instances(
    input: &MatchInput,
    options: &PlanOptions,
) -> (Vec<Instance>, Objective, Objective) {
    let mut weeks: Vec<(chrono::NaiveDate, Vec<linli_core::Task>)> = Vec::new();
    for task in input.tasks.iter().filter(|t| t.status == TaskStatus::Open) {
        let monday = week_start(task.start.date());
        match weeks.iter_mut().find(|(m, _)| *m == monday) {
            Some((_, list)) => list.push(task.clone()),
            None => weeks.push((monday, vec![task.clone()])),
        }
    }
    weeks.sort_by_key(|(m, _)| *m);
    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .unwrap_or_default();
    let mut commitments: Vec<Commitment> = Vec::new();
    let (mut instances, mut objective, mut bound) =
        (Vec::new(), Objective::default(), Objective::default());
    for (monday, tasks) in weeks {
        let ctx = MatchContext::new(
            &input.village,
            &input.beneficiaries,
            &commitments,
            &input.history,
        );
        let mut load: Vec<u32> = vec![0; input.volunteers.len()];
        for c in commitments
            .iter()
            .filter(|c| week_start(c.start.date()) == monday)
        {
            if let Some(i) = input.volunteers.iter().position(|v| v.id == c.volunteer) {
                load[i] += c.minutes();
            }
        }
        let instance = Instance {
            volunteers: input
                .volunteers
                .iter()
                .zip(&load)
                .map(|(v, &load_minutes)| VolunteerSlot {
                    id: v.id.as_str().to_owned(),
                    remaining_minutes: remaining_weekly_minutes(&ctx, v, monday),
                    load_minutes,
                })
                .collect(),
            tasks: tasks
                .iter()
                .map(|t| TaskSlot {
                    id: t.id.as_str().to_owned(),
                    start: (t.start - epoch).num_minutes(),
                    end: (t.end - epoch).num_minutes(),
                    places: t.volunteers_max,
                    min_places: t.volunteers_min,
                })
                .collect(),
            edges: candidate_edges(&ctx, &input.volunteers, &tasks)
                .into_iter()
                .map(|e| Edge {
                    volunteer: e.volunteer,
                    task: e.task,
                    score: e.score,
                })
                .collect(),
        };
        let Ok(plan) = solve(&instance, options) else {
            break;
        };
        objective.filled += plan.objective.filled;
        objective.net_score += plan.objective.net_score;
        bound.filled += plan.upper_bound.filled;
        bound.net_score += plan.upper_bound.net_score;
        for a in &plan.assignments {
            commitments.push(Commitment::new(
                input.volunteers[a.volunteer].id.clone(),
                &tasks[a.task],
            ));
        }
        instances.push(instance);
    }
    (instances, objective, bound)
}

/// The demo district week end to end, as a coordinator runs it: candidate edges (matching) and
/// the plan, with empty history and no commitments. Prints the plan's quality once, with the
/// upper bound, so quality is visible next to speed.
fn demo_week(c: &mut Criterion) {
    let input = MatchInput::from(generate(&DemoParams::district_week()));
    let options = PlanOptions::default();
    let began = Instant::now();
    let plan = plan_week(&input, &options);
    let elapsed = began.elapsed().as_secs_f64() * 1e3;
    let (instances, objective, bound) = demo_week_instances(&input, &options);
    match plan {
        Ok(plan) => {
            let open: u32 = plan.unfilled.iter().map(|u| u.places_left).sum();
            eprintln!(
                "plan_week district week ({} volunteers, {} tasks in {} ISO weeks, {} edges): \
                 {elapsed:.1} ms once; filled {} of {} places ({open} open; bound {}), net score {} \
                 (bound {}, gap {}), exact {}",
                input.volunteers.len(),
                input.tasks.len(),
                instances.len(),
                instances.iter().map(|i| i.edges.len()).sum::<usize>(),
                plan.filled,
                plan.open_places,
                bound.filled,
                plan.total_score - plan.fairness_cost,
                bound.net_score,
                bound.net_score - objective.net_score,
                plan.exact
            );
            if objective.filled != plan.filled
                || objective.net_score != plan.total_score - plan.fairness_cost
            {
                eprintln!(
                    "  (note: the rebuilt weekly instances disagree with plan_week: {objective:?})"
                );
            }
        }
        Err(e) => eprintln!("plan_week district week: error {e}"),
    }
    let mut group = c.benchmark_group("plan");
    group.sample_size(10);
    group.bench_function("plan_week district week (edges + solve)", |b| {
        b.iter(|| plan_week(black_box(&input), &options).map(|p| (p.filled, p.total_score)))
    });
    group.bench_function("solve district week (demo instances)", |b| {
        b.iter(|| {
            instances
                .iter()
                .map(|i| solve(black_box(i), &options).map(|p| p.objective.filled))
                .collect::<Vec<_>>()
        })
    });
    group.finish();
}

criterion_group!(benches, dense, district, demo_week);
criterion_main!(benches);
