//! The district week planned in the browser: the same code the coordinator's page runs, compiled
//! to wasm and timed in headless Chromium. A benchmark, not a test: it prints figures and asserts
//! only that a plan was made. Run by `cargo xtask bench` (release build).
#![cfg(target_arch = "wasm32")]

use linli_core::assign::{plan_week, MatchInput, PlanOptions};
use linli_core::demo::{generate, DemoParams};
use wasm_bindgen_test::{console_log, wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

/// `performance.now()` through the global object, so no web-sys dependency is needed.
fn now_ms() -> f64 {
    let global = js_sys::global();
    js_sys::Reflect::get(&global, &"performance".into())
        .ok()
        .and_then(|perf| {
            let now = js_sys::Reflect::get(&perf, &"now".into()).ok()?;
            let now: js_sys::Function = now.into();
            now.call0(&perf).ok()?.as_f64()
        })
        .unwrap_or_else(js_sys::Date::now)
}

fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

#[wasm_bindgen_test]
fn district_week_plan_in_the_browser() {
    let input = MatchInput::from(generate(&DemoParams::district_week()));
    let options = PlanOptions::default();
    let mut samples = Vec::new();
    let mut last = None;
    for _ in 0..7 {
        let started = now_ms();
        let plan = plan_week(&input, &options).expect("plan");
        samples.push(now_ms() - started);
        last = Some(plan);
    }
    let plan = last.expect("at least one run");
    assert!(plan.filled > 0);
    console_log!(
        "BENCH wasm district week (2000 volunteers x {} tasks, edges + solve): median {:.1} ms over {} runs; filled {} of {} places",
        input.tasks.len(),
        median(samples.clone()),
        samples.len(),
        plan.filled,
        plan.open_places
    );
}
