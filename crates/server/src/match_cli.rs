//! `linli-server match --input instance.json`: runs the planner on a file and prints the plan.
//! The format is documented in `docs/matching.md`.

use serde::{Deserialize, Serialize};

use linli_core::assign::{plan_week, solve_dense_square, MatchInput, PlanOptions, WeeklyPlan};

/// The documented special case: `n` volunteers, `n` one-place tasks, a score for every pair.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DenseInput {
    /// `scores[i][j]`: how well volunteer `i` fits task `j`; the plan maximises the sum.
    pub scores: Vec<Vec<f64>>,
}

#[derive(Debug, Serialize, PartialEq)]
pub struct DensePlan {
    /// `assignment[i]` is the task given to volunteer `i`.
    pub assignment: Vec<usize>,
    pub total_score: f64,
    pub filled: usize,
    /// The dense case is always solved to optimality.
    pub exact: bool,
}

#[derive(Debug, Serialize, PartialEq)]
#[serde(untagged)]
pub enum MatchOutput {
    Week(WeeklyPlan),
    Dense(DensePlan),
}

#[derive(Debug, thiserror::Error)]
pub enum MatchError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{0} is not valid JSON for a match instance: {1}")]
    Parse(String, serde_json::Error),
    #[error("{0}")]
    Week(#[from] linli_core::assign::WeekPlanError),
    #[error("invalid dense instance: {0}")]
    Dense(#[from] linli_core::assign::lap::LapError),
}

/// Parses and solves an instance. An object with a `dense` key is the dense square case;
/// anything else is a village instance (`MatchInput`).
pub fn solve_text(name: &str, text: &str) -> Result<MatchOutput, MatchError> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| MatchError::Parse(name.to_owned(), e))?;
    if let Some(dense) = value.get("dense") {
        let dense: DenseInput = serde_json::from_value(dense.clone())
            .map_err(|e| MatchError::Parse(name.to_owned(), e))?;
        let (assignment, total_score) = solve_dense_square(&dense.scores)?;
        return Ok(MatchOutput::Dense(DensePlan {
            filled: assignment.len(),
            assignment,
            total_score,
            exact: true,
        }));
    }
    let input: MatchInput =
        serde_json::from_value(value).map_err(|e| MatchError::Parse(name.to_owned(), e))?;
    Ok(MatchOutput::Week(plan_week(
        &input,
        &PlanOptions::default(),
    )?))
}

/// Reads `path` (`-` for standard input) and solves it.
pub fn run(path: &str) -> Result<MatchOutput, MatchError> {
    let text = if path == "-" {
        std::io::read_to_string(std::io::stdin())
    } else {
        std::fs::read_to_string(path)
    }
    .map_err(|source| MatchError::Read {
        path: path.to_owned(),
        source,
    })?;
    solve_text(path, &text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dense_square_is_solved_to_the_known_optimum() {
        let out = solve_text(
            "t",
            r#"{"dense": {"scores": [[4, 1, 3], [2, 0, 5], [3, 2, 2]]}}"#,
        )
        .expect("solve");
        // Best: 0->0 (4), 1->2 (5), 2->1 (2) = 11.
        assert_eq!(
            out,
            MatchOutput::Dense(DensePlan {
                assignment: vec![0, 2, 1],
                total_score: 11.0,
                filled: 3,
                exact: true
            })
        );
    }

    #[test]
    fn bad_input_gets_a_clear_error() {
        let err = solve_text("x.json", "{").expect_err("fails");
        assert!(
            err.to_string().starts_with("x.json is not valid JSON"),
            "{err}"
        );
        let err =
            solve_text("x.json", r#"{"dense": {"scores": [[1, 2]]}}"#).expect_err("not square");
        assert!(matches!(err, MatchError::Dense(_)), "{err}");
        let err = solve_text("x.json", r#"{"village": 1}"#).expect_err("fails");
        assert!(matches!(err, MatchError::Parse(..)), "{err}");
    }
}
