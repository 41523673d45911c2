//! Our dense assignment solver against scipy's `linear_sum_assignment` (the reference
//! implementation of the same algorithm family). Requires `python3` with scipy: the test fails
//! with an instruction if it is missing (`pip install scipy`).

use std::path::PathBuf;
use std::process::Command;

use linli_core::assign::lap::{self, Sense};
use linli_core::assign::solve_dense_square;
use linli_core::rng::SplitMix64;

struct Case {
    name: String,
    n: usize,
    scores: Vec<f64>,
}

fn cases() -> Vec<Case> {
    let mut rng = SplitMix64::new(0x5c1_9e0);
    let mut out = Vec::new();
    for &n in &[1usize, 2, 5, 50, 300] {
        for integer in [true, false] {
            let scores = (0..n * n)
                .map(|_| {
                    if integer {
                        // Small integer range: many ties, the hard case for tie handling.
                        f64::from(rng.range(0, 20)) - 5.0
                    } else {
                        (rng.unit() - 0.3) * 1000.0
                    }
                })
                .collect();
            out.push(Case {
                name: format!("n={n} {}", if integer { "integer" } else { "real" }),
                n,
                scores,
            });
        }
    }
    out
}

/// Runs the python oracle on `cases`, returning scipy's maximum totals.
fn scipy_totals(cases: &[Case]) -> Vec<f64> {
    let dir = std::env::temp_dir().join(format!("linli-scipy-oracle-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create temp dir");
    let file = dir.join("instances.json");
    let instances: Vec<serde_json::Value> = cases
        .iter()
        .map(|c| serde_json::json!({"n_rows": c.n, "n_cols": c.n, "scores": c.scores}))
        .collect();
    std::fs::write(
        &file,
        serde_json::json!({ "instances": instances }).to_string(),
    )
    .expect("write instances");
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/scipy_lsa.py");
    let output = Command::new("python3")
        .arg(&script)
        .arg(&file)
        .output()
        .expect("python3 must be installed to run the scipy oracle (then `pip install scipy`)");
    let _ = std::fs::remove_dir_all(&dir);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the scipy oracle failed; if scipy is missing run `pip install scipy`.\n{stderr}"
    );
    let parsed: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("oracle prints JSON");
    parsed["totals"]
        .as_array()
        .expect("totals array")
        .iter()
        .map(|t| t.as_f64().expect("numeric total"))
        .collect()
}

#[test]
fn dense_totals_equal_scipy() {
    let cases = cases();
    let expected = scipy_totals(&cases);
    assert_eq!(expected.len(), cases.len());
    for (case, scipy) in cases.iter().zip(expected) {
        let ours = lap::solve(&case.scores, case.n, case.n, Sense::Maximize)
            .unwrap_or_else(|e| panic!("{}: {e}", case.name));
        let tolerance = 1e-6 * scipy.abs().max(1.0);
        assert!(
            (ours.total - scipy).abs() <= tolerance,
            "{}: ours {} vs scipy {scipy}",
            case.name,
            ours.total
        );
        // Each column once.
        let mut cols: Vec<usize> = ours.row_to_col.iter().flatten().copied().collect();
        cols.sort_unstable();
        assert_eq!(cols, (0..case.n).collect::<Vec<_>>(), "{}", case.name);

        // The plan-level entry point gives the same total.
        let nested: Vec<Vec<f64>> = case.scores.chunks(case.n).map(<[f64]>::to_vec).collect();
        let (_, total) = solve_dense_square(&nested).expect("valid square matrix");
        assert!((total - scipy).abs() <= tolerance, "{}", case.name);
    }
}
