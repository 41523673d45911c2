//! `suggest` for one task among 5,000 volunteers (goal: <= 5 ms native), and building the
//! candidate edges of a district week (2,000 volunteers x ~600 tasks) that the weekly plan uses.
//! Run with `cargo xtask bench`.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use linli_core::demo::{generate, DemoParams};
use linli_core::matching::{candidate_edges, suggest, Commitment, MatchContext, ServiceHistory};

/// A week with history and existing commitments, so every rule does real work.
fn setup(
    volunteers: usize,
) -> (
    linli_core::demo::DemoVillage,
    Vec<Commitment>,
    ServiceHistory,
) {
    let demo = generate(&DemoParams {
        volunteers,
        ..DemoParams::district_week()
    });
    let mut history = ServiceHistory::default();
    for (i, v) in demo.volunteers.iter().enumerate() {
        let entry = history.entry(&v.id);
        entry.minutes_this_month = (i as u32 * 37) % 1_200;
        entry.past_assignments = (i as u32) % 11;
        entry.no_shows = u32::from(i % 13 == 0);
    }
    // The first half of the week's tasks already have a volunteer each.
    let commitments = demo.tasks[..demo.tasks.len() / 2]
        .iter()
        .enumerate()
        .map(|(i, t)| Commitment::new(demo.volunteers[(i * 7) % volunteers].id.clone(), t))
        .collect();
    (demo, commitments, history)
}

fn bench(c: &mut Criterion) {
    let (demo, commitments, history) = setup(5_000);
    let ctx = MatchContext::new(&demo.village, &demo.beneficiaries, &commitments, &history);
    let task = &demo.tasks[demo.tasks.len() * 3 / 4];
    c.bench_function("suggest top 10 of 5000 volunteers", |b| {
        b.iter(|| suggest(&ctx, black_box(&demo.volunteers), black_box(task), 10))
    });

    let (week, commitments, history) = setup(2_000);
    let ctx = MatchContext::new(&week.village, &week.beneficiaries, &commitments, &history);
    c.bench_function("candidate edges 2000 volunteers x week", |b| {
        b.iter(|| candidate_edges(&ctx, black_box(&week.volunteers), black_box(&week.tasks)))
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);
