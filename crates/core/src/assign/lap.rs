//! Dense rectangular linear assignment (the "Hungarian problem"), solved exactly.
//!
//! Given an `n_rows × n_cols` cost matrix, pick one column for every row (when
//! `n_rows ≤ n_cols`; otherwise one row for every column), no column twice, so that the sum of the
//! picked costs is minimal (or maximal). This is the problem of scipy's
//! `scipy.optimize.linear_sum_assignment`, and we solve it the same way: the shortest augmenting
//! path method of Jonker & Volgenant (1987) in the rectangular form described by Crouse (2016),
//! "On implementing 2D rectangular assignment algorithms". The result is an exact optimum.
//!
//! Two things make it fast:
//!
//! * **Square matrices are pre-solved** with Jonker–Volgenant's initialisation (column reduction,
//!   reduction transfer, two passes of augmenting row reduction). On random dense matrices this
//!   assigns most rows before any shortest-path search runs. Rectangular matrices start from a
//!   cheaper greedy "row minimum" matching that keeps the dual values the rectangular case needs.
//! * **The shortest-path inner loop walks one matrix row front to back**, with the per-column
//!   arrays kept in column order; columns already in the search tree are masked by a `-inf`
//!   column dual, not removed, so the loop has no index indirection. Nothing is allocated inside
//!   the loops, and maximisation flips the sign inside the loop instead of copying the matrix.

use serde::{Deserialize, Serialize};

/// Whether to minimise or maximise the total.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sense {
    /// Smallest total cost.
    #[default]
    Minimize,
    /// Largest total (e.g. total score).
    Maximize,
}

/// An optimal assignment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LapSolution {
    /// For every row, its column. Every entry is `Some` when `n_rows ≤ n_cols`; with more rows
    /// than columns exactly `n_cols` rows get a column.
    pub row_to_col: Vec<Option<usize>>,
    /// Sum of the chosen entries of the original matrix (not negated when maximising).
    pub total: f64,
}

impl LapSolution {
    /// The chosen `(row, column)` pairs in row order, like scipy's `(row_ind, col_ind)`.
    pub fn pairs(&self) -> Vec<(usize, usize)> {
        self.row_to_col
            .iter()
            .enumerate()
            .filter_map(|(row, col)| col.map(|c| (row, c)))
            .collect()
    }
}

/// Largest accepted magnitude of one cost. Keeps every intermediate sum (dual values, path
/// lengths) far from overflowing to infinity.
pub const MAX_ABS_COST: f64 = 1e300;

/// Why a cost matrix was rejected.
#[derive(Clone, Debug, PartialEq, thiserror::Error, Serialize, Deserialize)]
pub enum LapError {
    /// The flat matrix does not have `n_rows * n_cols` entries.
    #[error("cost matrix has {len} entries, expected {n_rows} × {n_cols}")]
    ShapeMismatch {
        /// Rows announced.
        n_rows: usize,
        /// Columns announced.
        n_cols: usize,
        /// Entries given.
        len: usize,
    },
    /// A row of a nested matrix has a different length than the first row.
    #[error("row {row} has {len} entries, but row 0 has {expected}")]
    RaggedRows {
        /// The offending row.
        row: usize,
        /// Its length.
        len: usize,
        /// Length of row 0.
        expected: usize,
    },
    /// A cost is NaN.
    #[error("cost at row {row}, column {col} is NaN")]
    NotANumber {
        /// Row of the entry.
        row: usize,
        /// Column of the entry.
        col: usize,
    },
    /// A cost is infinite or larger in magnitude than [`MAX_ABS_COST`]. Every pair must have a
    /// finite cost; leave forbidden pairs out of the problem or give them a large finite penalty.
    #[error("cost at row {row}, column {col} is {value}, outside ±1e300 (every pair must be allowed with a finite cost)")]
    OutOfRange {
        /// Row of the entry.
        row: usize,
        /// Column of the entry.
        col: usize,
        /// The value.
        value: f64,
    },
    /// Internal safeguard: the search found no augmenting path. Cannot happen for finite costs.
    #[error("no complete assignment exists")]
    Infeasible,
}

/// Sentinel for "no row/column" inside the solver.
const NONE: usize = usize::MAX;
const INF: f64 = f64::INFINITY;

/// Solves the assignment problem on a row-major `n_rows × n_cols` matrix.
///
/// ```
/// use linli_core::assign::lap::{solve, Sense};
/// let cost = [4.0, 1.0, 3.0, 2.0, 0.0, 5.0, 3.0, 2.0, 2.0];
/// let best = solve(&cost, 3, 3, Sense::Minimize).unwrap();
/// assert_eq!(best.row_to_col, vec![Some(1), Some(0), Some(2)]);
/// assert_eq!(best.total, 5.0);
/// ```
pub fn solve(
    cost: &[f64],
    n_rows: usize,
    n_cols: usize,
    sense: Sense,
) -> Result<LapSolution, LapError> {
    if n_rows.checked_mul(n_cols) != Some(cost.len()) {
        return Err(LapError::ShapeMismatch {
            n_rows,
            n_cols,
            len: cost.len(),
        });
    }
    check_values(cost, n_cols)?;
    let mut row_to_col = vec![None; n_rows];
    if n_rows == 0 || n_cols == 0 {
        return Ok(LapSolution {
            row_to_col,
            total: 0.0,
        });
    }
    if n_rows <= n_cols {
        let col_of_row = match sense {
            Sense::Minimize => shortest_augmenting_paths::<false>(cost, n_rows, n_cols)?,
            Sense::Maximize => shortest_augmenting_paths::<true>(cost, n_rows, n_cols)?,
        };
        for (slot, col) in row_to_col.iter_mut().zip(col_of_row) {
            *slot = Some(col);
        }
    } else {
        // More rows than columns: solve the transpose (a copy, negated when maximising).
        let sign = if sense == Sense::Maximize { -1.0 } else { 1.0 };
        let mut transposed = vec![0.0; cost.len()];
        for (r, row) in cost.chunks_exact(n_cols).enumerate() {
            for (c, &x) in row.iter().enumerate() {
                transposed[c * n_rows + r] = sign * x;
            }
        }
        let row_of_col = shortest_augmenting_paths::<false>(&transposed, n_cols, n_rows)?;
        for (col, row) in row_of_col.into_iter().enumerate() {
            row_to_col[row] = Some(col);
        }
    }
    let total = row_to_col
        .iter()
        .enumerate()
        .filter_map(|(r, c)| c.map(|c| cost[r * n_cols + c]))
        .sum();
    Ok(LapSolution { row_to_col, total })
}

/// Convenience for nested rows (`scores[row][col]`); checks that the rows have equal length.
pub fn solve_nested(rows: &[Vec<f64>], sense: Sense) -> Result<LapSolution, LapError> {
    let n_cols = rows.first().map_or(0, Vec::len);
    let mut flat = Vec::with_capacity(rows.len() * n_cols);
    for (row, values) in rows.iter().enumerate() {
        if values.len() != n_cols {
            return Err(LapError::RaggedRows {
                row,
                len: values.len(),
                expected: n_cols,
            });
        }
        flat.extend_from_slice(values);
    }
    solve(&flat, rows.len(), n_cols, sense)
}

fn check_values(cost: &[f64], n_cols: usize) -> Result<(), LapError> {
    // Fast path: one branch-light pass; locate the culprit only when something is wrong.
    let all_ok = cost.iter().all(|x| x.abs() <= MAX_ABS_COST);
    if all_ok {
        return Ok(());
    }
    for (k, &value) in cost.iter().enumerate() {
        let (row, col) = (k / n_cols.max(1), k % n_cols.max(1));
        if value.is_nan() {
            return Err(LapError::NotANumber { row, col });
        }
        if value.abs() > MAX_ABS_COST {
            return Err(LapError::OutOfRange { row, col, value });
        }
    }
    Ok(())
}

/// The cost as the minimising solver sees it.
#[inline(always)]
fn signed<const NEGATE: bool>(x: f64) -> f64 {
    if NEGATE {
        -x
    } else {
        x
    }
}

/// Minimises `signed(cost)` over assignments of all `nr ≤ nc` rows; returns the column of each
/// row. Dual values `u` (rows) and `v` (columns) stay feasible (`c[i][j] - u[i] - v[j] ≥ 0` for
/// every assigned row), with equality on assigned pairs.
fn shortest_augmenting_paths<const NEGATE: bool>(
    cost: &[f64],
    nr: usize,
    nc: usize,
) -> Result<Vec<usize>, LapError> {
    let mut u = vec![0.0; nr];
    let mut v = vec![0.0; nc];
    let mut col4row = vec![NONE; nr];
    let mut row4col = vec![NONE; nc];

    if nr == nc && nr > 1 {
        jv_initialise::<NEGATE>(cost, nr, &mut v, &mut col4row, &mut row4col);
    } else {
        greedy_row_minimum::<NEGATE>(cost, nr, nc, &mut col4row, &mut row4col);
    }
    let mut free_rows = Vec::new();
    for i in 0..nr {
        match col4row[i] {
            NONE => free_rows.push(i),
            j => u[i] = signed::<NEGATE>(cost[i * nc + j]) - v[j],
        }
    }

    // Workspace of the shortest-path searches, allocated once.
    let mut dist = vec![INF; nc]; // tentative path length to each column not yet in the tree
    let mut v_masked = v.clone(); // v[j], or -inf once column j is in the tree (then r = +inf)
    let mut pred = vec![0usize; nc]; // row from which each column was reached
    let mut tree: Vec<(usize, f64)> = Vec::with_capacity(nc); // columns in the tree, final lengths

    for &start in &free_rows {
        dist.fill(INF);
        tree.clear();
        let mut i = start;
        let mut min_val = 0.0;
        let sink = loop {
            let row = &cost[i * nc..(i + 1) * nc];
            let base = min_val - u[i];
            let (vm, d, p, owner) = (
                &v_masked[..nc],
                &mut dist[..nc],
                &mut pred[..nc],
                &row4col[..nc],
            );
            let mut lowest = INF;
            let mut best = NONE;
            for j in 0..nc {
                let r = base + signed::<NEGATE>(row[j]) - vm[j];
                let mut dj = d[j];
                if r < dj {
                    d[j] = r;
                    p[j] = i;
                    dj = r;
                }
                // Ties prefer an unassigned column: the search then ends sooner.
                if dj < lowest || (dj == lowest && owner[j] == NONE) {
                    lowest = dj;
                    best = j;
                }
            }
            if best == NONE || lowest == INF {
                return Err(LapError::Infeasible);
            }
            min_val = lowest;
            if row4col[best] == NONE {
                break best;
            }
            tree.push((best, lowest));
            v_masked[best] = f64::NEG_INFINITY;
            dist[best] = INF;
            i = row4col[best];
        };

        // Update the duals so that reduced costs stay non-negative and the path becomes tight.
        u[start] += min_val;
        for &(j, dj) in &tree {
            let delta = min_val - dj;
            u[row4col[j]] += delta;
            v[j] -= delta;
            v_masked[j] = v[j];
        }
        // Augment along the path back to `start`.
        let mut j = sink;
        loop {
            let i = pred[j];
            row4col[j] = i;
            let previous = std::mem::replace(&mut col4row[i], j);
            if i == start {
                break;
            }
            j = previous;
        }
    }
    Ok(col4row)
}

/// Rectangular start: each row takes its cheapest column if still free. Column duals stay 0,
/// which the rectangular optimality conditions require of unassigned columns.
fn greedy_row_minimum<const NEGATE: bool>(
    cost: &[f64],
    nr: usize,
    nc: usize,
    col4row: &mut [usize],
    row4col: &mut [usize],
) {
    for i in 0..nr {
        let row = &cost[i * nc..(i + 1) * nc];
        let mut best = 0;
        let mut lowest = INF;
        for (j, &x) in row.iter().enumerate() {
            let x = signed::<NEGATE>(x);
            if x < lowest {
                lowest = x;
                best = j;
            }
        }
        if row4col[best] == NONE {
            row4col[best] = i;
            col4row[i] = best;
        }
    }
}

/// Jonker–Volgenant initialisation for a square matrix (n ≥ 2). Leaves a partial assignment in
/// which every assigned row's column attains that row's minimum reduced cost `c[i][j] - v[j]`.
fn jv_initialise<const NEGATE: bool>(
    cost: &[f64],
    n: usize,
    v: &mut [f64],
    col4row: &mut [usize],
    row4col: &mut [usize],
) {
    // 1. Column reduction: v[j] = min over rows (computed row by row, cache-friendly).
    let mut col_min = vec![INF; n];
    let mut col_argmin = vec![0usize; n];
    for (i, row) in cost.chunks_exact(n).enumerate() {
        for ((&x, m), a) in row.iter().zip(&mut col_min).zip(&mut col_argmin) {
            let x = signed::<NEGATE>(x);
            if x < *m {
                *m = x;
                *a = i;
            }
        }
    }
    let mut matches = vec![0u32; n];
    for j in (0..n).rev() {
        let i = col_argmin[j];
        v[j] = col_min[j];
        matches[i] += 1;
        if matches[i] == 1 {
            col4row[i] = j;
            row4col[j] = i;
        } else if v[j] < v[col4row[i]] {
            let j1 = col4row[i];
            col4row[i] = j;
            row4col[j] = i;
            row4col[j1] = NONE;
        }
    }

    // 2. Reduction transfer from rows that are the minimum of exactly one column.
    let mut free = Vec::with_capacity(n);
    for i in 0..n {
        if matches[i] == 0 {
            free.push(i);
        } else if matches[i] == 1 {
            let j1 = col4row[i];
            let row = &cost[i * n..(i + 1) * n];
            let mut m = INF;
            for (j, (&x, &vj)) in row.iter().zip(v.iter()).enumerate() {
                let h = signed::<NEGATE>(x) - vj;
                if h < m && j != j1 {
                    m = h;
                }
            }
            if m < INF {
                v[j1] -= m;
            }
        }
    }

    // 3. Augmenting row reduction, two passes (capped: on adversarial float inputs the
    //    displacements can shrink geometrically; stopping early is always safe).
    let mut budget = 16 * n + 64;
    for _pass in 0..2 {
        let previous_free = free.len();
        let mut k = 0;
        let mut next_free = 0;
        while k < previous_free {
            if budget == 0 {
                return;
            }
            budget -= 1;
            let i = free[k];
            k += 1;
            let row = &cost[i * n..(i + 1) * n];
            let (mut umin, mut usub) = (INF, INF);
            let (mut j1, mut j2) = (0usize, 0usize);
            for (j, (&x, &vj)) in row.iter().zip(v.iter()).enumerate() {
                let h = signed::<NEGATE>(x) - vj;
                if h < usub {
                    if h >= umin {
                        usub = h;
                        j2 = j;
                    } else {
                        usub = umin;
                        j2 = j1;
                        umin = h;
                        j1 = j;
                    }
                }
            }
            let mut displaced = row4col[j1];
            if umin < usub {
                v[j1] -= usub - umin;
            } else if displaced != NONE {
                j1 = j2;
                displaced = row4col[j2];
            }
            col4row[i] = j1;
            row4col[j1] = i;
            if displaced != NONE {
                col4row[displaced] = NONE;
                if umin < usub {
                    // Reconsider the displaced row right away.
                    k -= 1;
                    free[k] = displaced;
                } else {
                    free[next_free] = displaced;
                    next_free += 1;
                }
            }
        }
        free.truncate(next_free);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn brute_force(cost: &[f64], n: usize, sense: Sense) -> f64 {
        fn go(cost: &[f64], n: usize, row: usize, used: &mut [bool], sense: Sense) -> f64 {
            if row == n {
                return 0.0;
            }
            let mut best = match sense {
                Sense::Minimize => INF,
                Sense::Maximize => -INF,
            };
            for c in 0..n {
                if !used[c] {
                    used[c] = true;
                    let t = cost[row * n + c] + go(cost, n, row + 1, used, sense);
                    used[c] = false;
                    best = match sense {
                        Sense::Minimize => best.min(t),
                        Sense::Maximize => best.max(t),
                    };
                }
            }
            best
        }
        go(cost, n, 0, &mut vec![false; n], sense)
    }

    fn assert_valid(sol: &LapSolution, cost: &[f64], nr: usize, nc: usize) {
        let mut used = vec![false; nc];
        let mut total = 0.0;
        let mut count = 0;
        for (r, c) in sol.row_to_col.iter().enumerate() {
            if let Some(c) = *c {
                assert!(!used[c], "column {c} used twice");
                used[c] = true;
                total += cost[r * nc + c];
                count += 1;
            }
        }
        assert_eq!(count, nr.min(nc));
        assert!((total - sol.total).abs() <= 1e-9 * (1.0 + total.abs()));
    }

    #[test]
    fn classic_three_by_three() {
        let cost = [4.0, 1.0, 3.0, 2.0, 0.0, 5.0, 3.0, 2.0, 2.0];
        let s = solve(&cost, 3, 3, Sense::Minimize).unwrap();
        assert_eq!(s.row_to_col, vec![Some(1), Some(0), Some(2)]);
        assert_eq!(s.total, 5.0);
        let m = solve(&cost, 3, 3, Sense::Maximize).unwrap();
        // 4 + 5 + 2 = 11 is the best (row0→0, row1→2, row2→1 gives 4+5+2).
        assert_eq!(m.total, 11.0);
        assert_valid(&m, &cost, 3, 3);
    }

    #[test]
    fn rectangular_wide_and_tall() {
        // 2 × 4: rows pick distinct columns.
        let wide = [10.0, 1.0, 7.0, 1.5, 3.0, 1.2, 9.0, 8.0];
        let s = solve(&wide, 2, 4, Sense::Minimize).unwrap();
        assert_valid(&s, &wide, 2, 4);
        // Options: r0→1 (1) + r1→0 (3) = 4; r0→3 (1.5) + r1→1 (1.2) = 2.7 ← best.
        assert_eq!(s.row_to_col, vec![Some(3), Some(1)]);
        assert!((s.total - 2.7).abs() < 1e-12);

        // Its transpose (4 × 2): same optimum, two rows left out.
        let mut tall = [0.0; 8];
        for r in 0..2 {
            for c in 0..4 {
                tall[c * 2 + r] = wide[r * 4 + c];
            }
        }
        let t = solve(&tall, 4, 2, Sense::Minimize).unwrap();
        assert_valid(&t, &tall, 4, 2);
        assert_eq!(t.row_to_col, vec![None, Some(1), None, Some(0)]);
        assert!((t.total - 2.7).abs() < 1e-12);
        assert_eq!(t.pairs(), vec![(1, 1), (3, 0)]);
    }

    #[test]
    fn negative_costs_and_maximise() {
        let cost = [-5.0, -1.0, -2.0, -3.0, -4.0, 0.0, -1.0, -6.0, -2.0];
        let s = solve(&cost, 3, 3, Sense::Minimize).unwrap();
        assert_eq!(s.total, brute_force(&cost, 3, Sense::Minimize));
        assert_eq!(s.total, -5.0 - 6.0 - 0.0);
        let m = solve(&cost, 3, 3, Sense::Maximize).unwrap();
        assert_eq!(m.total, brute_force(&cost, 3, Sense::Maximize));
    }

    #[test]
    fn trivial_shapes() {
        assert_eq!(solve(&[], 0, 0, Sense::Minimize).unwrap().total, 0.0);
        assert_eq!(
            solve(&[], 0, 5, Sense::Minimize).unwrap().row_to_col,
            Vec::<Option<usize>>::new()
        );
        assert_eq!(
            solve(&[], 3, 0, Sense::Minimize).unwrap().row_to_col,
            vec![None; 3]
        );
        let one = solve(&[7.5], 1, 1, Sense::Maximize).unwrap();
        assert_eq!(one.row_to_col, vec![Some(0)]);
        assert_eq!(one.total, 7.5);
        let row = solve(&[3.0, -1.0, 2.0], 1, 3, Sense::Minimize).unwrap();
        assert_eq!(row.row_to_col, vec![Some(1)]);
    }

    #[test]
    fn ties_everywhere() {
        let cost = vec![1.0; 36];
        let s = solve(&cost, 6, 6, Sense::Minimize).unwrap();
        assert_valid(&s, &cost, 6, 6);
        assert_eq!(s.total, 6.0);
    }

    #[test]
    fn rejects_bad_values() {
        assert_eq!(
            solve(&[1.0, f64::NAN, 0.0, 2.0], 2, 2, Sense::Minimize),
            Err(LapError::NotANumber { row: 0, col: 1 })
        );
        assert!(matches!(
            solve(&[1.0, 0.0, f64::NEG_INFINITY, 2.0], 2, 2, Sense::Maximize),
            Err(LapError::OutOfRange { row: 1, col: 0, .. })
        ));
        assert!(matches!(
            solve(&[f64::INFINITY], 1, 1, Sense::Minimize),
            Err(LapError::OutOfRange { row: 0, col: 0, .. })
        ));
        assert_eq!(
            solve(&[1.0, 2.0, 3.0], 2, 2, Sense::Minimize),
            Err(LapError::ShapeMismatch {
                n_rows: 2,
                n_cols: 2,
                len: 3
            })
        );
        assert_eq!(
            solve_nested(&[vec![1.0, 2.0], vec![3.0]], Sense::Minimize),
            Err(LapError::RaggedRows {
                row: 1,
                len: 1,
                expected: 2
            })
        );
    }

    fn square(max_n: usize, integer: bool) -> impl Strategy<Value = (usize, Vec<f64>)> {
        (1..=max_n).prop_flat_map(move |n| {
            let cell = if integer {
                (-5i32..6).prop_map(f64::from).boxed()
            } else {
                (-100.0f64..100.0).boxed()
            };
            (Just(n), prop::collection::vec(cell, n * n))
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn matches_brute_force_real((n, cost) in square(7, false), maximise in any::<bool>()) {
            let sense = if maximise { Sense::Maximize } else { Sense::Minimize };
            let s = solve(&cost, n, n, sense).unwrap();
            assert_valid(&s, &cost, n, n);
            let best = brute_force(&cost, n, sense);
            prop_assert!((s.total - best).abs() <= 1e-9 * (1.0 + best.abs()), "{} vs {}", s.total, best);
        }

        #[test]
        fn matches_brute_force_integer_ties((n, cost) in square(7, true), maximise in any::<bool>()) {
            let sense = if maximise { Sense::Maximize } else { Sense::Minimize };
            let s = solve(&cost, n, n, sense).unwrap();
            assert_valid(&s, &cost, n, n);
            prop_assert_eq!(s.total, brute_force(&cost, n, sense));
        }

        #[test]
        fn rectangular_matches_padded_square(
            (nr, nc) in (1usize..=5, 1usize..=6),
            seed in prop::collection::vec(-50i32..50, 36),
            maximise in any::<bool>(),
        ) {
            let sense = if maximise { Sense::Maximize } else { Sense::Minimize };
            let cost: Vec<f64> = (0..nr * nc).map(|k| f64::from(seed[k])).collect();
            let s = solve(&cost, nr, nc, sense).unwrap();
            assert_valid(&s, &cost, nr, nc);
            // Pad to a square with zero-cost dummy rows/columns: same optimum.
            let n = nr.max(nc);
            let mut padded = vec![0.0; n * n];
            for r in 0..nr {
                for c in 0..nc {
                    padded[r * n + c] = cost[r * nc + c];
                }
            }
            prop_assert_eq!(s.total, brute_force(&padded, n, sense));
        }
    }
}
