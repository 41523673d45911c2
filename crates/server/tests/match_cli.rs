//! `linli-server match --input instance.json` as a user runs it.

use std::process::Command;

use linli_core::assign::MatchInput;
use linli_core::demo::{generate, DemoParams};

fn run_match(path: &std::path::Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_linli-server"))
        .args(["match", "--input"])
        .arg(path)
        .output()
        .expect("run linli-server match")
}

#[test]
fn plans_a_demo_week_and_prints_json() {
    let input = MatchInput::from(generate(&DemoParams {
        volunteers: 80,
        beneficiaries: 40,
        days: 7,
        ..DemoParams::village()
    }));
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("instance.json");
    std::fs::write(&path, serde_json::to_string(&input).expect("json")).expect("write");
    let out = run_match(&path);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json plan");
    let filled = plan["filled"].as_u64().expect("filled");
    let assignments = plan["assignments"].as_array().expect("assignments");
    assert!(filled > 0);
    assert_eq!(assignments.len() as u64, filled);
    let score_sum: i64 = assignments
        .iter()
        .map(|a| a["score"].as_i64().expect("score"))
        .sum();
    assert_eq!(plan["total_score"].as_i64(), Some(score_sum));
    for a in assignments {
        let task = a["task"].as_str().expect("task id");
        assert!(input.tasks.iter().any(|t| t.id.as_str() == task), "{task}");
    }
}

#[test]
fn dense_square_case_and_bad_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let dense = dir.path().join("dense.json");
    std::fs::write(&dense, r#"{"dense": {"scores": [[1, 9], [8, 2]]}}"#).expect("write");
    let out = run_match(&dense);
    assert!(out.status.success());
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(plan["assignment"], serde_json::json!([1, 0]));
    assert_eq!(plan["total_score"], 17.0);

    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, "{\"dense\": ").expect("write");
    let out = run_match(&broken);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not valid JSON"));
    let out = run_match(&dir.path().join("missing.json"));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read"));
}
