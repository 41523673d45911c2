//! The weekly plan: fill a week of tasks from a numeric [`Instance`] in one step.
//!
//! See the module documentation of [`crate::assign`] for what is optimal and what is heuristic.

use std::collections::BinaryHeap;

use serde::{Deserialize, Serialize};

use super::flow::{ArcId, FlowError, MinCostFlow};
use super::lap::{self, LapError, Sense};

/// Largest accepted magnitude of an edge score.
pub const MAX_ABS_SCORE: i64 = 100_000_000_000;
/// Largest accepted [`PlanOptions::fairness_weight`].
pub const MAX_FAIRNESS_WEIGHT: i64 = 1_000_000;
/// Prior loads above this many load units count as this many (keeps costs far from overflow).
pub const MAX_LOAD_UNITS: i64 = 100_000;
/// Volunteers with more chosen tasks than this in one repair round are trimmed greedily instead
/// of by exhaustive search over subsets.
const EXHAUSTIVE_SUBSET_LIMIT: usize = 16;
/// Safety cap on improvement passes (every move strictly improves the objective anyway).
const MAX_IMPROVEMENT_PASSES: u32 = 200;

/// One volunteer as the planner sees them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VolunteerSlot {
    /// The volunteer's id (for display; the planner uses the index).
    pub id: String,
    /// Minutes of their weekly-hours budget still free in the planned week.
    pub remaining_minutes: u32,
    /// Minutes of service already given in the fairness period; heavier-loaded volunteers get
    /// new work later (see [`PlanOptions::fairness_weight`]).
    pub load_minutes: u32,
}

/// One task (one occurrence) as the planner sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskSlot {
    /// The task's id (for display; the planner uses the index).
    pub id: String,
    /// Start, in minutes since any fixed epoch (all tasks must use the same one).
    pub start: i64,
    /// End, same unit; must be after `start`. Intervals are half-open, so back-to-back tasks
    /// (`a.end == b.start`) do not overlap.
    pub end: i64,
    /// Open places: the task's maximum volunteers minus those already confirmed.
    pub places: u32,
    /// Places still needed to reach the task's minimum (minimum minus confirmed, saturating).
    /// Only reported ([`Unfilled::below_minimum_by`]), not optimised separately.
    pub min_places: u32,
}

impl TaskSlot {
    /// Length in minutes (`end - start`), or `None` if the span is empty, negative or overflows.
    pub fn minutes(&self) -> Option<i64> {
        self.end.checked_sub(self.start).filter(|&m| m > 0)
    }

    /// Whether two tasks share some time (back-to-back is not overlapping).
    pub fn overlaps(&self, other: &TaskSlot) -> bool {
        self.start < other.end && other.start < self.end
    }
}

/// An eligible (volunteer, task) pair and how good it is. Pairs without an edge are never planned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Edge {
    /// Index into [`Instance::volunteers`].
    pub volunteer: usize,
    /// Index into [`Instance::tasks`].
    pub task: usize,
    /// Match quality; higher is better, may be negative.
    pub score: i64,
}

/// The planning problem: who may do what, and how well.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instance {
    /// Volunteers available this week.
    pub volunteers: Vec<VolunteerSlot>,
    /// Task occurrences with open places.
    pub tasks: Vec<TaskSlot>,
    /// Eligible pairs, at most one per (volunteer, task).
    pub edges: Vec<Edge>,
}

/// Tuning of [`solve`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PlanOptions {
    /// `w` in the fairness cost `w·((b + k)² − b²)` of a volunteer who gets `k` new assignments
    /// with prior load `b` (in load units). 0 disables fairness. At most [`MAX_FAIRNESS_WEIGHT`].
    pub fairness_weight: i64,
    /// Minutes of prior load that count as one assignment-equivalent (`b = load_minutes / this`).
    pub load_unit_minutes: u32,
    /// Upper limit on flow re-solves while repairing overlaps and budgets (at least 1).
    pub max_repair_rounds: u32,
    /// Run the swap/reassign improvement moves after the repair (adding volunteers to open
    /// places always runs).
    pub local_search: bool,
    /// Repair strategy when the relaxation breaks a rule.
    pub repair: RepairMode,
}

impl Default for PlanOptions {
    fn default() -> Self {
        Self {
            fairness_weight: 1,
            load_unit_minutes: 60,
            max_repair_rounds: 64,
            local_search: true,
            repair: RepairMode::Both,
        }
    }
}

/// The lexicographic objective: more filled places first, then higher net score. Derived `Ord`
/// compares exactly that way (field order matters).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
pub struct Objective {
    /// Places filled by the plan.
    pub filled: u32,
    /// Total edge score minus fairness cost.
    pub net_score: i64,
}

/// One planned (task, volunteer) pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Assignment {
    /// Index into [`Instance::tasks`].
    pub task: usize,
    /// Index into [`Instance::volunteers`].
    pub volunteer: usize,
    /// The edge's score.
    pub score: i64,
}

/// Why places of a task stay open.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum UnfilledReason {
    /// Nobody is eligible for this task.
    NoEligibleVolunteer,
    /// Every eligible volunteer is already planned on this task; there are fewer than places.
    TooFewEligibleVolunteers,
    /// The other eligible volunteers are planned on an overlapping task, or lack the hours.
    EligibleVolunteersBusy {
        /// Eligible volunteers planned on a task at the same time.
        overlapping: u32,
        /// Eligible volunteers whose remaining weekly hours are too few.
        out_of_hours: u32,
    },
}

impl UnfilledReason {
    pub fn zh(&self) -> String {
        match self {
            UnfilledReason::NoEligibleVolunteer => "没有符合条件的志愿者".into(),
            UnfilledReason::TooFewEligibleVolunteers => "符合条件的志愿者不够".into(),
            UnfilledReason::EligibleVolunteersBusy {
                overlapping,
                out_of_hours,
            } => format!(
                "符合条件的志愿者已有安排：{overlapping} 人同一时间有任务，{out_of_hours} 人本周时长已满"
            ),
        }
    }

    pub fn en(&self) -> String {
        match self {
            UnfilledReason::NoEligibleVolunteer => "nobody is eligible".into(),
            UnfilledReason::TooFewEligibleVolunteers => "too few eligible volunteers".into(),
            UnfilledReason::EligibleVolunteersBusy {
                overlapping,
                out_of_hours,
            } => format!(
                "the eligible volunteers are busy: {overlapping} at the same time, {out_of_hours} out of hours this week"
            ),
        }
    }
}

/// A task whose places are not all filled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unfilled {
    /// Index into [`Instance::tasks`].
    pub task: usize,
    /// Places still open after the plan.
    pub places_left: u32,
    /// How many more volunteers the task needs to reach its minimum (0 if reached).
    pub below_minimum_by: u32,
    /// Why.
    pub reason: UnfilledReason,
}

/// The plan for the week.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// Planned pairs, sorted by task then volunteer.
    pub assignments: Vec<Assignment>,
    /// Places filled and net score.
    pub objective: Objective,
    /// Sum of the planned edges' scores.
    pub total_score: i64,
    /// Fairness cost of the plan (`objective.net_score = total_score − fairness_cost`).
    pub fairness_cost: i64,
    /// Objective of the relaxation (overlaps and budgets only capped): no plan can beat it.
    pub upper_bound: Objective,
    /// `true` when the plan provably attains the optimum: it equals `upper_bound`, or the
    /// instance was small enough to search exhaustively. `false` means "not proven", not
    /// necessarily suboptimal.
    pub exact: bool,
    /// Tasks with open places left, by task index.
    pub unfilled: Vec<Unfilled>,
    /// Flow solves run, the relaxation included (1 when no repair was needed; 0 when nothing
    /// could be assigned at all).
    pub flow_rounds: u32,
    /// Improvement moves applied after the flow rounds.
    pub improvement_moves: u32,
}

/// Why an instance or options were rejected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum PlanError {
    /// An edge names a volunteer index that does not exist.
    #[error("edge {edge} names volunteer {volunteer}, but there are only {count}")]
    NoSuchVolunteer {
        /// Position in `edges`.
        edge: usize,
        /// The index given.
        volunteer: usize,
        /// Volunteers in the instance.
        count: usize,
    },
    /// An edge names a task index that does not exist.
    #[error("edge {edge} names task {task}, but there are only {count}")]
    NoSuchTask {
        /// Position in `edges`.
        edge: usize,
        /// The index given.
        task: usize,
        /// Tasks in the instance.
        count: usize,
    },
    /// Two edges for the same pair.
    #[error("volunteer {volunteer} and task {task} have more than one edge")]
    DuplicateEdge {
        /// Volunteer index.
        volunteer: usize,
        /// Task index.
        task: usize,
    },
    /// A task does not end after it starts.
    #[error("task {task} does not end after it starts")]
    EmptyTimeSpan {
        /// Task index.
        task: usize,
    },
    /// An edge score is outside ±[`MAX_ABS_SCORE`].
    #[error("edge {edge} has score {score}, outside ±{MAX_ABS_SCORE}")]
    ScoreOutOfRange {
        /// Position in `edges`.
        edge: usize,
        /// The score.
        score: i64,
    },
    /// Options out of range.
    #[error("invalid plan options: {0}")]
    InvalidOptions(String),
    /// The flow solver refused the network (a bug; please report).
    #[error("internal flow error: {0}")]
    Flow(#[from] FlowError),
}

/// A hard rule broken by a list of assignments (see [`check_hard_rules`]).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum RuleViolation {
    /// The pair has no edge (not eligible) or names unknown indices.
    #[error("volunteer {volunteer} is not eligible for task {task}")]
    NotEligible {
        /// Task index.
        task: usize,
        /// Volunteer index.
        volunteer: usize,
    },
    /// The same pair twice.
    #[error("volunteer {volunteer} is planned twice on task {task}")]
    Duplicate {
        /// Task index.
        task: usize,
        /// Volunteer index.
        volunteer: usize,
    },
    /// More volunteers than open places.
    #[error("task {task} gets {planned} volunteers for {places} places")]
    Overfilled {
        /// Task index.
        task: usize,
        /// Volunteers planned.
        planned: u32,
        /// Open places.
        places: u32,
    },
    /// One volunteer on two tasks at the same time.
    #[error("volunteer {volunteer} is on overlapping tasks {first} and {second}")]
    Overlap {
        /// Volunteer index.
        volunteer: usize,
        /// One task.
        first: usize,
        /// The other.
        second: usize,
    },
    /// More minutes than the volunteer has left.
    #[error("volunteer {volunteer} gets {minutes} minutes but has {budget} left")]
    OverBudget {
        /// Volunteer index.
        volunteer: usize,
        /// Minutes planned.
        minutes: i64,
        /// Minutes left in the budget.
        budget: u32,
    },
}

/// Checks `assignments` against every hard rule of `instance`.
pub fn check_hard_rules(
    instance: &Instance,
    assignments: &[Assignment],
) -> Result<(), RuleViolation> {
    let mut eligible: Vec<(usize, usize)> = instance
        .edges
        .iter()
        .map(|e| (e.volunteer, e.task))
        .collect();
    eligible.sort_unstable();
    let mut pairs: Vec<(usize, usize)> = Vec::with_capacity(assignments.len());
    for a in assignments {
        if eligible.binary_search(&(a.volunteer, a.task)).is_err()
            || a.task >= instance.tasks.len()
            || a.volunteer >= instance.volunteers.len()
        {
            return Err(RuleViolation::NotEligible {
                task: a.task,
                volunteer: a.volunteer,
            });
        }
        pairs.push((a.volunteer, a.task));
    }
    pairs.sort_unstable();
    for w in pairs.windows(2) {
        if w[0] == w[1] {
            return Err(RuleViolation::Duplicate {
                task: w[0].1,
                volunteer: w[0].0,
            });
        }
    }
    let mut planned = vec![0u32; instance.tasks.len()];
    for &(_, t) in &pairs {
        planned[t] += 1;
    }
    for (task, (&n, slot)) in planned.iter().zip(&instance.tasks).enumerate() {
        if n > slot.places {
            return Err(RuleViolation::Overfilled {
                task,
                planned: n,
                places: slot.places,
            });
        }
    }
    // `pairs` is sorted by volunteer, so each volunteer's tasks are contiguous.
    let mut i = 0;
    while i < pairs.len() {
        let volunteer = pairs[i].0;
        let mut j = i;
        while j < pairs.len() && pairs[j].0 == volunteer {
            j += 1;
        }
        let tasks: Vec<usize> = pairs[i..j].iter().map(|p| p.1).collect();
        let mut minutes = 0i64;
        for (k, &a) in tasks.iter().enumerate() {
            let ta = &instance.tasks[a];
            minutes = minutes.saturating_add(ta.end.saturating_sub(ta.start));
            for &b in &tasks[k + 1..] {
                if ta.overlaps(&instance.tasks[b]) {
                    return Err(RuleViolation::Overlap {
                        volunteer,
                        first: a,
                        second: b,
                    });
                }
            }
        }
        let budget = instance.volunteers[volunteer].remaining_minutes;
        if minutes > i64::from(budget) {
            return Err(RuleViolation::OverBudget {
                volunteer,
                minutes,
                budget,
            });
        }
        i = j;
    }
    Ok(())
}

/// Fairness cost `w·((b + k)² − b²)` of giving `new_assignments` to a volunteer with
/// `load_minutes` of prior load (saturating; options as validated by [`solve`]).
pub fn fairness_cost(options: &PlanOptions, load_minutes: u32, new_assignments: u32) -> i64 {
    let b = base_load(options, load_minutes);
    let k = i64::from(new_assignments);
    // (b + k)² − b² = k·(2b + k)
    options
        .fairness_weight
        .saturating_mul(k.saturating_mul(2 * b + k))
}

/// Objective, total score and fairness cost of arbitrary assignments (rules are not checked).
pub fn evaluate(
    instance: &Instance,
    options: &PlanOptions,
    assignments: &[Assignment],
) -> (Objective, i64, i64) {
    let mut count = vec![0u32; instance.volunteers.len()];
    let mut score = 0i64;
    for a in assignments {
        if let Some(c) = count.get_mut(a.volunteer) {
            *c += 1;
        }
        score = score.saturating_add(a.score);
    }
    let fairness = instance
        .volunteers
        .iter()
        .zip(&count)
        .map(|(v, &k)| fairness_cost(options, v.load_minutes, k))
        .fold(0i64, i64::saturating_add);
    let objective = Objective {
        filled: assignments.len() as u32,
        net_score: score.saturating_sub(fairness),
    };
    (objective, score, fairness)
}

fn base_load(options: &PlanOptions, load_minutes: u32) -> i64 {
    (i64::from(load_minutes) / i64::from(options.load_unit_minutes.max(1))).min(MAX_LOAD_UNITS)
}

/// The dense square special case: `n` volunteers, `n` tasks with one place each, every pair
/// eligible, no overlaps, budgets or fairness. Maximises the total score exactly with the LAP
/// solver. Returns the task of each volunteer (`scores[volunteer][task]`) and the total.
pub fn solve_dense_square(scores: &[Vec<f64>]) -> Result<(Vec<usize>, f64), LapError> {
    let n = scores.len();
    if let Some((row, values)) = scores.iter().enumerate().find(|(_, r)| r.len() != n) {
        return Err(LapError::RaggedRows {
            row,
            len: values.len(),
            expected: n,
        });
    }
    let solution = lap::solve_nested(scores, Sense::Maximize)?;
    let assignment: Vec<usize> = solution.row_to_col.iter().flatten().copied().collect();
    Ok((assignment, solution.total))
}

/// Validated instance data in the shapes the algorithms need.
struct Prepared<'a> {
    instance: &'a Instance,
    weight: i64,
    /// Length of each task in minutes.
    minutes: Vec<i64>,
    /// Prior load of each volunteer in load units (`b`).
    base: Vec<i64>,
    /// Edge ids of each task, by volunteer index.
    task_edges: Vec<Vec<usize>>,
    /// Edge ids of each volunteer, by task index, and their tasks.
    volunteer_edges: Vec<Vec<usize>>,
    volunteer_tasks: Vec<Vec<u32>>,
    /// Each task's position when tasks are ordered by (end, start, index), and its inverse;
    /// the same by (minutes, index).
    end_rank: Vec<u32>,
    by_end: Vec<u32>,
    length_rank: Vec<u32>,
    by_length: Vec<u32>,
}

impl<'a> Prepared<'a> {
    fn new(instance: &'a Instance, options: &PlanOptions) -> Result<Self, PlanError> {
        if !(0..=MAX_FAIRNESS_WEIGHT).contains(&options.fairness_weight) {
            return Err(PlanError::InvalidOptions(format!(
                "fairness_weight must be within 0..={MAX_FAIRNESS_WEIGHT}"
            )));
        }
        if options.load_unit_minutes == 0 {
            return Err(PlanError::InvalidOptions(
                "load_unit_minutes must be at least 1".into(),
            ));
        }
        if options.max_repair_rounds == 0 {
            return Err(PlanError::InvalidOptions(
                "max_repair_rounds must be at least 1".into(),
            ));
        }
        let (nv, nt) = (instance.volunteers.len(), instance.tasks.len());
        let mut minutes = Vec::with_capacity(nt);
        for (task, slot) in instance.tasks.iter().enumerate() {
            minutes.push(slot.minutes().ok_or(PlanError::EmptyTimeSpan { task })?);
        }
        let mut task_edges = vec![Vec::new(); nt];
        let mut volunteer_edges = vec![Vec::new(); nv];
        for (id, e) in instance.edges.iter().enumerate() {
            if e.volunteer >= nv {
                return Err(PlanError::NoSuchVolunteer {
                    edge: id,
                    volunteer: e.volunteer,
                    count: nv,
                });
            }
            if e.task >= nt {
                return Err(PlanError::NoSuchTask {
                    edge: id,
                    task: e.task,
                    count: nt,
                });
            }
            if e.score.unsigned_abs() > MAX_ABS_SCORE as u64 {
                return Err(PlanError::ScoreOutOfRange {
                    edge: id,
                    score: e.score,
                });
            }
            volunteer_edges[e.volunteer].push(id);
        }
        for (v, list) in volunteer_edges.iter_mut().enumerate() {
            list.sort_by_key(|&id| instance.edges[id].task);
            for w in list.windows(2) {
                if instance.edges[w[0]].task == instance.edges[w[1]].task {
                    return Err(PlanError::DuplicateEdge {
                        volunteer: v,
                        task: instance.edges[w[0]].task,
                    });
                }
            }
            for &id in list.iter() {
                task_edges[instance.edges[id].task].push(id);
            }
        }
        let base = instance
            .volunteers
            .iter()
            .map(|v| base_load(options, v.load_minutes))
            .collect();
        let mut by_end: Vec<u32> = (0..nt as u32).collect();
        by_end.sort_unstable_by_key(|&t| {
            let slot = &instance.tasks[t as usize];
            (slot.end, slot.start, t)
        });
        let mut by_length: Vec<u32> = (0..nt as u32).collect();
        by_length.sort_unstable_by_key(|&t| (minutes[t as usize], t));
        let ranks = |order: &[u32]| {
            let mut rank = vec![0u32; nt];
            for (r, &t) in order.iter().enumerate() {
                rank[t as usize] = r as u32;
            }
            rank
        };
        let (end_rank, length_rank) = (ranks(&by_end), ranks(&by_length));
        Ok(Self {
            instance,
            weight: options.fairness_weight,
            minutes,
            base,
            task_edges,
            volunteer_tasks: volunteer_edges
                .iter()
                .map(|list| {
                    list.iter()
                        .map(|&e| instance.edges[e].task as u32)
                        .collect()
                })
                .collect(),
            volunteer_edges,
            end_rank,
            by_end,
            length_rank,
            by_length,
        })
    }

    fn edge(&self, id: usize) -> &Edge {
        &self.instance.edges[id]
    }

    fn task(&self, t: usize) -> &TaskSlot {
        &self.instance.tasks[t]
    }

    fn budget(&self, v: usize) -> i64 {
        i64::from(self.instance.volunteers[v].remaining_minutes)
    }

    /// Fairness cost of a volunteer's `(k + 1)`-th new assignment: `w·(2(b + k) + 1)`.
    /// (Clamped far above any realistic value so flow costs stay in range.)
    fn marginal_cost(&self, v: usize, k: i64) -> i64 {
        let units = (2 * (self.base[v] + k) + 1).min(1 << 19);
        self.weight * units
    }
}

/// The plan under construction.
struct State {
    assigned: Vec<bool>,
    /// Edge ids planned for each volunteer.
    volunteer_plan: Vec<Vec<usize>>,
    used_minutes: Vec<i64>,
    places_left: Vec<u32>,
}

impl State {
    fn new(p: &Prepared) -> Self {
        Self {
            assigned: vec![false; p.instance.edges.len()],
            volunteer_plan: vec![Vec::new(); p.instance.volunteers.len()],
            used_minutes: vec![0; p.instance.volunteers.len()],
            places_left: p.instance.tasks.iter().map(|t| t.places).collect(),
        }
    }

    fn count(&self, v: usize) -> i64 {
        self.volunteer_plan[v].len() as i64
    }

    /// Whether volunteer `v` could also take task `t`, pretending edge `ignoring` is not planned.
    fn fits(&self, p: &Prepared, v: usize, t: usize, ignoring: Option<usize>) -> bool {
        let mut used = self.used_minutes[v];
        if let Some(e) = ignoring {
            used -= p.minutes[p.edge(e).task];
        }
        if used + p.minutes[t] > p.budget(v) {
            return false;
        }
        let task = p.task(t);
        self.volunteer_plan[v]
            .iter()
            .filter(|&&e| Some(e) != ignoring)
            .all(|&e| {
                let other = p.edge(e).task;
                other != t && !task.overlaps(p.task(other))
            })
    }

    fn add(&mut self, p: &Prepared, e: usize) {
        let edge = p.edge(e);
        self.assigned[e] = true;
        self.volunteer_plan[edge.volunteer].push(e);
        self.used_minutes[edge.volunteer] += p.minutes[edge.task];
        self.places_left[edge.task] -= 1;
    }

    fn remove(&mut self, p: &Prepared, e: usize) {
        let edge = p.edge(e);
        self.assigned[e] = false;
        self.volunteer_plan[edge.volunteer].retain(|&x| x != e);
        self.used_minutes[edge.volunteer] -= p.minutes[edge.task];
        self.places_left[edge.task] += 1;
    }
}

/// Builds the weekly plan. See [`crate::assign`] for the guarantees.
pub fn solve(instance: &Instance, options: &PlanOptions) -> Result<Plan, PlanError> {
    let p = Prepared::new(instance, options)?;
    let no_edge_forbidden = vec![false; instance.edges.len()];
    let empty = State::new(&p);
    // Nothing can be assigned at all: the empty plan is trivially optimal.
    let nothing = || {
        Ok(finish(
            &p,
            options,
            &empty,
            Objective::default(),
            0,
            0,
            true,
        ))
    };
    let Some(mut round) = FlowRound::new(&p, &empty, &no_edge_forbidden, Some(CORE_SLACK))? else {
        return nothing();
    };
    let Some(relaxation) = round.solve(&p)? else {
        return nothing();
    };
    let upper_bound = Objective {
        filled: relaxation.flow as u32,
        net_score: -relaxation.cost,
    };
    let mut best: Option<(State, u32, u32)> = None;
    for strategy in [Repair::FixAndExtend, Repair::ForbidAndResolve] {
        if options.repair != RepairMode::Both && options.repair != strategy.mode() {
            continue;
        }
        let (mut state, rounds) = repair(&p, options, &relaxation, &round, strategy)?;
        let moves = improve(&p, options, &mut state);
        let better = best.as_ref().is_none_or(|(b, _, _)| {
            objective_of(&p, options, &state) > objective_of(&p, options, b)
        });
        let total_rounds = rounds + best.as_ref().map_or(1, |b| b.1);
        if better {
            best = Some((state, total_rounds, moves));
        } else if let Some(b) = best.as_mut() {
            b.1 = total_rounds;
        }
        if best
            .as_ref()
            .is_some_and(|(b, _, _)| objective_of(&p, options, b) == upper_bound)
        {
            break; // proven optimal: no need for the other strategy
        }
    }
    let (mut state, rounds, moves) = best.unwrap_or((empty, 1, 0));
    let mut exact = objective_of(&p, options, &state) == upper_bound;
    if !exact {
        // Not proven by the bound: a small instance is searched exhaustively instead.
        if let Some(edges) = exhaustive_optimum(&p, options) {
            let mut optimal = State::new(&p);
            for e in edges {
                optimal.add(&p, e);
            }
            if objective_of(&p, options, &optimal) >= objective_of(&p, options, &state) {
                state = optimal;
            }
            exact = true;
        }
    }
    Ok(finish(
        &p,
        options,
        &state,
        upper_bound,
        rounds,
        moves,
        exact,
    ))
}

/// Which repair(s) [`solve`] runs when the relaxation breaks a rule.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RepairMode {
    /// Fix the feasible part, re-solve the flow for what is left.
    FixAndExtend,
    /// Forbid the conflicting edges, re-solve the whole flow.
    ForbidAndResolve,
    /// Both, keep the better plan (the second is skipped if the first is proven optimal).
    #[default]
    Both,
}

#[derive(Clone, Copy)]
enum Repair {
    FixAndExtend,
    ForbidAndResolve,
}

impl Repair {
    fn mode(self) -> RepairMode {
        match self {
            Repair::FixAndExtend => RepairMode::FixAndExtend,
            Repair::ForbidAndResolve => RepairMode::ForbidAndResolve,
        }
    }
}

fn objective_of(p: &Prepared, options: &PlanOptions, state: &State) -> Objective {
    let assignments: Vec<Assignment> = (0..p.instance.edges.len())
        .filter(|&e| state.assigned[e])
        .map(|e| Assignment {
            task: p.edge(e).task,
            volunteer: p.edge(e).volunteer,
            score: p.edge(e).score,
        })
        .collect();
    evaluate(p.instance, options, &assignments).0
}

/// Turns the relaxation's answer into a feasible plan; returns it and the number of flow solves
/// it needed beyond the relaxation.
///
/// * `FixAndExtend`: each volunteer keeps the best feasible subset of what the flow gave them;
///   those assignments are fixed and the flow is solved again for the open places with the edges
///   still compatible. Repeats until a flow answer needs no trimming.
/// * `ForbidAndResolve`: the edges trimmed away are forbidden and the whole flow is solved again
///   (warm, from the previous optimal flow and potentials), so other volunteers can move too.
///   Repeats until a flow answer is feasible; on reaching `max_repair_rounds` the last answer is
///   trimmed.
fn repair(
    p: &Prepared,
    options: &PlanOptions,
    relaxation: &FlowOutcome,
    relaxation_round: &FlowRound,
    strategy: Repair,
) -> Result<(State, u32), PlanError> {
    let mut state = State::new(p);
    // Forbid-and-resolve re-solves warm when the relaxation was pruned (large instances); small
    // ones are rebuilt and solved from scratch, which is cheap there.
    let mut warm = match strategy {
        Repair::ForbidAndResolve if relaxation_round.pruned => Some(relaxation_round.clone()),
        _ => None,
    };
    let mut forbidden = vec![false; p.instance.edges.len()];
    let mut rounds = 0; // flow solves after the relaxation
    let mut outcome: Option<FlowOutcome> = None;
    loop {
        let current = outcome.as_ref().unwrap_or(relaxation);
        let last_round = rounds + 1 >= options.max_repair_rounds;
        let mut trimmed = false;
        let mut kept = Vec::new();
        for (v, chosen) in current.chosen.iter().enumerate() {
            if chosen.is_empty() {
                continue;
            }
            let keep = best_feasible_subset(p, &state, v, chosen);
            if keep.len() < chosen.len() {
                trimmed = true;
                if let Repair::ForbidAndResolve = strategy {
                    for &e in chosen {
                        if !forbidden[e] && !keep.contains(&e) {
                            forbidden[e] = true;
                            if let Some(round) = warm.as_mut() {
                                round.forbid(p, e)?;
                            }
                        }
                    }
                }
            }
            kept.extend(keep);
        }
        let fix_now = match strategy {
            Repair::FixAndExtend => true,
            Repair::ForbidAndResolve => !trimmed || last_round,
        };
        if fix_now {
            for e in kept {
                state.add(p, e);
            }
        }
        if !trimmed || last_round {
            return Ok((state, rounds));
        }
        outcome = match warm.as_mut() {
            Some(round) => round.solve(p)?,
            None => match FlowRound::new(p, &state, &forbidden, Some(CORE_SLACK))? {
                Some(mut round) => round.solve(p)?,
                None => None,
            },
        };
        rounds += 1;
        if outcome.is_none() {
            return Ok((state, rounds));
        }
    }
}

/// Fills open places with free volunteers, then runs improvement passes (if enabled).
fn improve(p: &Prepared, options: &PlanOptions, state: &mut State) -> u32 {
    let mut moves = fill_open_places(p, state);
    if options.local_search {
        for _ in 0..MAX_IMPROVEMENT_PASSES {
            let improved = improve_once(p, state);
            if improved == 0 {
                break;
            }
            moves += improved + fill_open_places(p, state);
        }
    }
    moves
}

struct FlowOutcome {
    flow: i64,
    cost: i64,
    /// Edges the flow chose, per volunteer.
    chosen: Vec<Vec<usize>>,
}

/// Per task, how many of its candidate edges (the best by score minus the volunteer's next
/// fairness increment) the first sparse network of a flow round keeps: twice its open places
/// plus `slack`; see [`FlowRound`].
fn core_edges_per_task(places: u32, slack: usize) -> usize {
    2 * places as usize + slack
}

/// The `slack` of [`core_edges_per_task`] used by [`solve`].
const CORE_SLACK: usize = 8;

/// Per volunteer, how many of their fairness arcs a pruned round starts with; see [`FlowRound`].
const CORE_FAIRNESS_ARCS: i64 = 2;

/// The relaxation for the places still open, given the assignments fixed in a [`State`], as a
/// flow network that can be solved, changed (edges forbidden) and solved again warm.
///
/// The relaxation has one arc per candidate edge and `cap` fairness arcs per volunteer, but an
/// optimal flow uses only a few of each task's candidates and few fairness arcs. So when some
/// task has more than [`core_edges_per_task`] candidates, the flow is solved on a *core*: per
/// task its best candidates, per volunteer the first [`CORE_FAIRNESS_ARCS`] fairness arcs. The
/// result is then checked against the whole relaxation: (a) with the solver's final node
/// potentials `π`, every left-out arc must have a non-negative reduced cost (edge `v → t`:
/// `−score + π(v) − π(t)`; fairness arc: `cost + π(source) − π(v)`, which only needs checking
/// for the next arc of a volunteer who uses all of theirs, the costs being increasing). The
/// solver keeps that true for every residual arc of the core, so `π` then certifies that no
/// cheaper flow of the same value exists in the whole network. And (b) no augmenting path may
/// exist in the whole residual network, so the flow is maximum. Left-out arcs that break (a),
/// or lie on an augmenting path found for (b), join the core, and the solver continues from its
/// current flow and potentials. The answer is therefore exactly the relaxation's optimum, as if
/// the whole network had been solved. Rounds where no task has that many candidates use the
/// whole network directly.
#[derive(Clone)]
struct FlowRound {
    net: MinCostFlow,
    /// Whether arcs were left out of the core (otherwise nothing needs checking), and the core's
    /// `slack` (see [`core_edges_per_task`]).
    pruned: bool,
    slack: usize,
    /// Candidate edges, volunteer by volunteer (each volunteer's by task index): those of `v`
    /// are at positions `vol_start[v]..vol_start[v + 1]`; edge id, volunteer, task and score.
    cand: Vec<usize>,
    cand_volunteer: Vec<u32>,
    cand_task: Vec<u32>,
    cand_score: Vec<i64>,
    vol_start: Vec<usize>,
    /// Per volunteer, the cap on new assignments (0: no candidates, no arcs).
    cap: Vec<i64>,
    /// Per volunteer, assignments fixed and minutes left when the round was built.
    already: Vec<i64>,
    minutes_left: Vec<i64>,
    /// Per volunteer, the fairness arcs in the core, cheapest first.
    fairness: Vec<Vec<ArcId>>,
    /// Open places per task when the round was built.
    places: Vec<u32>,
    /// Per candidate position: its arc, if it is in the core ([`NO_ARC`] otherwise).
    arc_of: Vec<u32>,
    /// Candidate positions in the core.
    core: Vec<usize>,
    /// Candidate positions grouped by task: those of task `t` are
    /// `by_task[task_start[t]..task_start[t + 1]]`.
    by_task: Vec<u32>,
    task_start: Vec<usize>,
    /// Per candidate position: forbidden since the round was built.
    closed: Vec<bool>,
}

impl FlowRound {
    /// Builds the round's network: on a core with `core_slack` (see [`core_edges_per_task`]) if
    /// that is given and some task has more candidates, otherwise on the whole network. Returns
    /// `None` when nothing more can be assigned.
    fn new(
        p: &Prepared,
        state: &State,
        forbidden: &[bool],
        core_slack: Option<usize>,
    ) -> Result<Option<Self>, PlanError> {
        let (nv, nt) = (p.instance.volunteers.len(), p.instance.tasks.len());
        let mut cand: Vec<usize> = Vec::new();
        let mut vol_start: Vec<usize> = Vec::with_capacity(nv + 1);
        let mut cap = vec![0i64; nv];
        let minutes_left: Vec<i64> = (0..nv)
            .map(|v| p.budget(v) - state.used_minutes[v])
            .collect();
        let mut cand_volunteer: Vec<u32> = Vec::new();
        let mut cand_task: Vec<u32> = Vec::new();
        let mut cand_score: Vec<i64> = Vec::new();
        let mut marks = vec![0u64; nt.div_ceil(64)];
        for v in 0..nv {
            vol_start.push(cand.len());
            let first = cand.len();
            let left = minutes_left[v];
            let fixed = !state.volunteer_plan[v].is_empty();
            for (&e, &t) in p.volunteer_edges[v].iter().zip(&p.volunteer_tasks[v]) {
                let t = t as usize;
                if state.places_left[t] == 0
                    || p.minutes[t] > left
                    || (fixed && (state.assigned[e] || !state.fits(p, v, t, None)))
                    || forbidden[e]
                {
                    continue;
                }
                cand.push(e);
                cand_task.push(t as u32);
                cand_score.push(p.edge(e).score);
            }
            if cand.len() == first {
                continue;
            }
            cap[v] = assignment_cap(p, &cand_task[first..], left, &mut marks);
            if cap[v] == 0 {
                cand.truncate(first);
                cand_task.truncate(first);
                cand_score.truncate(first);
            }
            cand_volunteer.resize(cand.len(), v as u32);
        }
        vol_start.push(cand.len());
        if cand.is_empty() {
            return Ok(None);
        }
        let already: Vec<i64> = (0..nv).map(|v| state.count(v)).collect();

        // The core: per task, the best candidates by score minus the volunteer's next fairness
        // increment (ties by edge id); all of them when there are few.
        let mut task_count = vec![0usize; nt];
        for &t in &cand_task {
            task_count[t as usize] += 1;
        }
        let slack = core_slack.unwrap_or(usize::MAX / 4);
        let keep = |t: usize| core_edges_per_task(state.places_left[t], slack);
        let pruned = core_slack.is_some() && (0..nt).any(|t| task_count[t] > keep(t));
        let mut in_core = vec![!pruned; cand.len()];
        if pruned {
            // Per task, a max-heap of its best candidates so far by (−(score − next fairness
            // increment), edge id): the set kept is the `keep` smallest keys, whatever the order
            // of the scan.
            let mut best: Vec<BinaryHeap<(i64, usize, u32)>> = (0..nt)
                .map(|t| BinaryHeap::with_capacity(keep(t).min(task_count[t])))
                .collect();
            for v in 0..nv {
                let increment = p.marginal_cost(v, already[v]);
                for pos in vol_start[v]..vol_start[v + 1] {
                    let t = cand_task[pos] as usize;
                    let entry = (increment - cand_score[pos], cand[pos], pos as u32);
                    let heap = &mut best[t];
                    if heap.len() < keep(t) {
                        heap.push(entry);
                    } else if heap.peek().is_some_and(|worst| entry < *worst) {
                        heap.pop();
                        heap.push(entry);
                    }
                }
            }
            for heap in best {
                for (_, _, pos) in heap {
                    in_core[pos as usize] = true;
                }
            }
        }
        // Arcs in a fixed order: per volunteer their fairness arcs, then their core edges; then
        // task → sink for tasks with candidates.
        let mut round = Self {
            net: MinCostFlow::new(nv + nt + 2),
            pruned,
            slack,
            cand,
            cand_volunteer,
            cand_task,
            cand_score,
            vol_start,
            cap,
            already,
            minutes_left,
            fairness: vec![Vec::new(); nv],
            places: state.places_left.clone(),
            arc_of: Vec::new(),
            core: Vec::new(),
            by_task: Vec::new(),
            task_start: Vec::new(),
            closed: Vec::new(),
        };
        let mut task_start = vec![0usize; nt + 1];
        for t in 0..nt {
            task_start[t + 1] = task_start[t] + task_count[t];
        }
        let mut fill = task_start.clone();
        let mut by_task = vec![0u32; round.cand.len()];
        for (pos, &t) in round.cand_task.iter().enumerate() {
            by_task[fill[t as usize]] = pos as u32;
            fill[t as usize] += 1;
        }
        round.by_task = by_task;
        round.task_start = task_start;
        round.arc_of = vec![NO_ARC; round.cand.len()];
        round.closed = vec![false; round.cand.len()];
        for v in 0..nv {
            let arcs = if pruned {
                round.cap[v].min(CORE_FAIRNESS_ARCS)
            } else {
                round.cap[v]
            };
            for _ in 0..arcs {
                round.add_fairness_arc(p, v)?;
            }
            let range = round.vol_start[v]..round.vol_start[v + 1];
            for pos in range.filter(|&pos| in_core[pos]) {
                round.add_edge_arc(p, pos)?;
            }
        }
        let sink = round.sink(p);
        for (t, &count) in task_count.iter().enumerate() {
            if count > 0 {
                round
                    .net
                    .add_arc(1 + nv + t, sink, i64::from(state.places_left[t]), 0)?;
            }
        }
        Ok(Some(round))
    }

    fn sink(&self, p: &Prepared) -> usize {
        1 + p.instance.volunteers.len() + p.instance.tasks.len()
    }

    fn add_edge_arc(&mut self, p: &Prepared, pos: usize) -> Result<(), PlanError> {
        let v = self.cand_volunteer[pos] as usize;
        let task_node = 1 + p.instance.volunteers.len() + self.cand_task[pos] as usize;
        let arc = self
            .net
            .add_arc(1 + v, task_node, 1, -self.cand_score[pos])?;
        self.arc_of[pos] = arc.0 as u32;
        self.core.push(pos);
        Ok(())
    }

    /// Adds volunteer `v`'s next fairness arc to the core.
    fn add_fairness_arc(&mut self, p: &Prepared, v: usize) -> Result<(), PlanError> {
        let k = self.fairness[v].len() as i64;
        let cost = p.marginal_cost(v, self.already[v] + k);
        let arc = self.net.add_arc(FLOW_SOURCE, 1 + v, 1, cost)?;
        self.fairness[v].push(arc);
        Ok(())
    }

    /// Forbids edge `e` from now on (no effect if it is not a candidate of this round), and
    /// lowers its volunteer's cap if their remaining candidates call for it: the network is then
    /// the one [`FlowRound::new`] would build with `e` forbidden.
    fn forbid(&mut self, p: &Prepared, e: usize) -> Result<(), PlanError> {
        let v = p.edge(e).volunteer;
        let range = self.vol_start[v]..self.vol_start[v + 1];
        let Ok(i) = self.cand_task[range.clone()].binary_search(&(p.edge(e).task as u32)) else {
            return Ok(());
        };
        let pos = range.start + i;
        self.closed[pos] = true;
        if self.arc_of[pos] != NO_ARC {
            self.net.set_capacity(ArcId(self.arc_of[pos] as usize), 0)?;
        }
        let open: Vec<u32> = range
            .filter(|&q| !self.closed[q])
            .map(|q| self.cand_task[q])
            .collect();
        let mut marks = vec![0u64; p.instance.tasks.len().div_ceil(64)];
        let cap = assignment_cap(p, &open, self.minutes_left[v], &mut marks);
        // The dearest fairness arcs go (the flow uses the cheapest first).
        for k in cap.max(0) as usize..self.fairness[v].len() {
            self.net.set_capacity(self.fairness[v][k], 0)?;
        }
        self.fairness[v].truncate(cap.max(0) as usize);
        self.cap[v] = self.cap[v].min(cap);
        Ok(())
    }

    /// Solves (or re-solves warm) the relaxation exactly; `None` when no flow is possible.
    fn solve(&mut self, p: &Prepared) -> Result<Option<FlowOutcome>, PlanError> {
        let nv = p.instance.volunteers.len();
        let sink = self.sink(p);
        loop {
            let result = self.net.solve(FLOW_SOURCE, sink, None)?;
            let mut carries = vec![false; self.cand.len()];
            let mut used = vec![0i64; nv];
            for &pos in &self.core {
                if self.net.flow_on(ArcId(self.arc_of[pos] as usize)) > 0 {
                    carries[pos] = true;
                    used[self.cand_volunteer[pos] as usize] += 1;
                }
            }
            let (mut grow_edges, mut grow_fairness) = (Vec::new(), Vec::new());
            if self.pruned {
                self.find_augmenting_paths(&carries, &used, &mut grow_edges, &mut grow_fairness);
                self.check_reduced_costs(p, &used, &mut grow_edges, &mut grow_fairness);
            }
            if grow_edges.is_empty() && grow_fairness.is_empty() {
                if result.flow == 0 {
                    return Ok(None);
                }
                let chosen = (0..nv)
                    .map(|v| {
                        (self.vol_start[v]..self.vol_start[v + 1])
                            .filter(|&pos| carries[pos])
                            .map(|pos| self.cand[pos])
                            .collect()
                    })
                    .collect();
                return Ok(Some(FlowOutcome {
                    flow: result.flow,
                    cost: result.cost,
                    chosen,
                }));
            }
            grow_edges.sort_unstable();
            grow_edges.dedup();
            grow_fairness.sort_unstable();
            grow_fairness.dedup();
            // A volunteer who needs more fairness arcs gets all the rest (few, and it saves
            // rounds of checking).
            for v in grow_fairness {
                while (self.fairness[v].len() as i64) < self.cap[v] {
                    self.add_fairness_arc(p, v)?;
                }
            }
            for pos in grow_edges {
                self.add_edge_arc(p, pos)?;
            }
        }
    }

    /// Check (a): left-out arcs whose reduced cost under the solver's potentials is negative.
    fn check_reduced_costs(
        &self,
        p: &Prepared,
        used: &[i64],
        grow_edges: &mut Vec<usize>,
        grow_fairness: &mut Vec<usize>,
    ) {
        let nv = p.instance.volunteers.len();
        let pot = self.net.potentials();
        let task_pot = &pot[1 + nv..1 + nv + p.instance.tasks.len()];
        // Per task, the most negative reduced costs first (at most as many as a core keeps per
        // task, per check): (reduced cost, position).
        let mut violations: Vec<(u32, i64, usize)> = Vec::new();
        for v in 0..nv {
            let pv = pot[1 + v];
            for pos in self.vol_start[v]..self.vol_start[v + 1] {
                let t = self.cand_task[pos];
                let reduced = pv - self.cand_score[pos] - task_pot[t as usize];
                if reduced < 0 && self.arc_of[pos] == NO_ARC && !self.closed[pos] {
                    violations.push((t, reduced, pos));
                }
            }
            let in_core = self.fairness[v].len() as i64;
            if in_core < self.cap[v] && used[v] >= in_core {
                let cost = p.marginal_cost(v, self.already[v] + in_core);
                if cost + pot[FLOW_SOURCE] - pv < 0 {
                    grow_fairness.push(v);
                }
            }
        }
        violations.sort_unstable();
        let mut i = 0;
        while i < violations.len() {
            let t = violations[i].0;
            let keep = core_edges_per_task(self.places[t as usize], self.slack);
            let mut j = i;
            while j < violations.len() && violations[j].0 == t {
                if j - i < keep {
                    grow_edges.push(violations[j].2);
                }
                j += 1;
            }
            i = j;
        }
    }

    /// Check (b): augmenting paths in the whole residual network. A path runs source →
    /// volunteer below their cap → task (edge without flow) → volunteer holding it (back over
    /// an edge with flow) → … → a task with a free place. Searched breadth-first backwards from
    /// the tasks with free places (few, when the flow is nearly maximum), so that a maximum flow
    /// is confirmed cheaply. The left-out arcs on the paths found are collected.
    fn find_augmenting_paths(
        &self,
        carries: &[bool],
        used: &[i64],
        grow_edges: &mut Vec<usize>,
        grow_fairness: &mut Vec<usize>,
    ) {
        let (nv, nt) = (self.cap.len(), self.places.len());
        let mut task_flow = vec![0u32; nt];
        for &pos in &self.core {
            if carries[pos] {
                task_flow[self.cand_task[pos] as usize] += 1;
            }
        }
        // For a reached volunteer, the edge (position) to the task that leads on; for a reached
        // task, the volunteer holding it who leads on (`NONE` for a task with a free place).
        const NONE: usize = usize::MAX;
        let mut volunteer_next = vec![NONE; nv];
        let mut task_seen = vec![false; nt];
        let mut task_next = vec![NONE; nt];
        let mut queue: Vec<usize> = (0..nt)
            .filter(|&t| {
                task_flow[t] < self.places[t] && self.task_start[t] < self.task_start[t + 1]
            })
            .collect();
        for &t in &queue {
            task_seen[t] = true;
        }
        let mut starts: Vec<usize> = Vec::new();
        let mut head = 0;
        while head < queue.len() {
            let t = queue[head];
            head += 1;
            for &pos in &self.by_task[self.task_start[t]..self.task_start[t + 1]] {
                let pos = pos as usize;
                let w = self.cand_volunteer[pos] as usize;
                if volunteer_next[w] != NONE || self.closed[pos] || carries[pos] {
                    continue;
                }
                volunteer_next[w] = pos;
                if used[w] < self.cap[w] {
                    starts.push(w);
                    continue;
                }
                let range = self.vol_start[w]..self.vol_start[w + 1];
                for (&h, _) in self.cand_task[range.clone()]
                    .iter()
                    .zip(&carries[range])
                    .filter(|(_, &carried)| carried)
                {
                    let h = h as usize;
                    if !task_seen[h] {
                        task_seen[h] = true;
                        task_next[h] = w;
                        queue.push(h);
                    }
                }
            }
        }
        for w in starts {
            if used[w] >= self.fairness[w].len() as i64 {
                grow_fairness.push(w);
            }
            let mut w = w;
            loop {
                let pos = volunteer_next[w];
                if self.arc_of[pos] == NO_ARC {
                    grow_edges.push(pos);
                }
                match task_next[self.cand_task[pos] as usize] {
                    NONE => break,
                    next => w = next,
                }
            }
        }
    }
}

/// Cap on the new assignments of a volunteer with candidate tasks `tasks` and `minutes_left`
/// that no feasible plan can exceed: the most pairwise non-overlapping candidates (earliest-end
/// greedy is optimal) and the most candidates fitting the minutes left (shortest first),
/// whichever is smaller. `marks` is a scratch bit set of one bit per task, all clear (and left
/// clear); marking the tasks' ranks in it visits them in rank order without sorting.
fn assignment_cap(p: &Prepared, tasks: &[u32], minutes_left: i64, marks: &mut [u64]) -> i64 {
    let visit =
        |marks: &mut [u64], rank: &[u32], by_rank: &[u32], f: &mut dyn FnMut(usize) -> bool| {
            for &t in tasks {
                let r = rank[t as usize] as usize;
                marks[r / 64] |= 1 << (r % 64);
            }
            let mut go = true;
            for (w, word) in marks.iter_mut().enumerate() {
                let mut bits = std::mem::take(word);
                while go && bits != 0 {
                    let r = w * 64 + bits.trailing_zeros() as usize;
                    bits &= bits - 1;
                    go = f(by_rank[r] as usize);
                }
            }
        };
    let mut disjoint = 0i64;
    let mut free_from = i64::MIN;
    visit(marks, &p.end_rank, &p.by_end, &mut |t| {
        let task = p.task(t);
        if task.start >= free_from {
            disjoint += 1;
            free_from = task.end;
        }
        true
    });
    let mut left = minutes_left;
    let mut fitting = 0i64;
    visit(marks, &p.length_rank, &p.by_length, &mut |t| {
        if p.minutes[t] > left {
            return false;
        }
        left -= p.minutes[t];
        fitting += 1;
        true
    });
    disjoint.min(fitting)
}

/// Marks a candidate position without an arc in [`FlowRound::arc_of`].
const NO_ARC: u32 = u32::MAX;

/// The source node of every flow round (volunteer `v` is node `1 + v`, task `t` is node
/// `1 + volunteers + t`, the sink comes last).
const FLOW_SOURCE: usize = 0;

/// Of the edges the flow gave volunteer `v` (each compatible with `v`'s fixed plan on its own),
/// the subset to keep: all of them if they fit together, otherwise the most tasks, then the
/// highest total score, among subsets without overlaps that fit the minutes left.
fn best_feasible_subset(p: &Prepared, state: &State, v: usize, chosen: &[usize]) -> Vec<usize> {
    let m = chosen.len();
    let left = p.budget(v) - state.used_minutes[v];
    let task_of = |i: usize| p.edge(chosen[i]).task;
    let mut conflicts = vec![0u32; m.min(EXHAUSTIVE_SUBSET_LIMIT)];
    let mut any_conflict = false;
    for i in 0..m {
        for j in i + 1..m {
            if p.task(task_of(i)).overlaps(p.task(task_of(j))) {
                any_conflict = true;
                if j < conflicts.len() {
                    conflicts[i] |= 1 << j;
                    conflicts[j] |= 1 << i;
                }
            }
        }
    }
    let total: i64 = (0..m).map(|i| p.minutes[task_of(i)]).sum();
    if !any_conflict && total <= left {
        return chosen.to_vec();
    }
    if m <= EXHAUSTIVE_SUBSET_LIMIT {
        let mut best: Option<(u32, i64, u32)> = None;
        for mask in 1u32..(1 << m) {
            let mut ok = true;
            let (mut minutes, mut score) = (0i64, 0i64);
            for i in 0..m {
                if mask & (1 << i) != 0 {
                    if conflicts[i] & mask != 0 {
                        ok = false;
                        break;
                    }
                    minutes += p.minutes[task_of(i)];
                    score += p.edge(chosen[i]).score;
                }
            }
            if !ok || minutes > left {
                continue;
            }
            let key = (mask.count_ones(), score);
            if best.is_none_or(|(c, s, _)| key > (c, s)) {
                best = Some((key.0, key.1, mask));
            }
        }
        let mask = best.map_or(0, |b| b.2);
        return (0..m)
            .filter(|i| mask & (1 << i) != 0)
            .map(|i| chosen[i])
            .collect();
    }
    // Many chosen tasks (rare): greedy by score, then task index.
    let mut order: Vec<usize> = chosen.to_vec();
    order.sort_by_key(|&e| (std::cmp::Reverse(p.edge(e).score), p.edge(e).task));
    let mut keep: Vec<usize> = Vec::new();
    let mut minutes = 0i64;
    for e in order {
        let t = p.edge(e).task;
        if minutes + p.minutes[t] <= left
            && keep
                .iter()
                .all(|&k| !p.task(p.edge(k).task).overlaps(p.task(t)))
        {
            minutes += p.minutes[t];
            keep.push(e);
        }
    }
    keep
}

/// Puts volunteers who are still free on open places, best net gain first. Each addition fills
/// one more place, so it always improves the objective. Returns the number of additions.
fn fill_open_places(p: &Prepared, state: &mut State) -> u32 {
    let mut added = 0;
    for t in 0..p.instance.tasks.len() {
        while state.places_left[t] > 0 {
            let mut best: Option<(i64, usize)> = None;
            for &e in &p.task_edges[t] {
                let v = p.edge(e).volunteer;
                if state.assigned[e] || !state.fits(p, v, t, None) {
                    continue;
                }
                let gain = p.edge(e).score - p.marginal_cost(v, state.count(v));
                if best.is_none_or(|(g, _)| gain > g) {
                    best = Some((gain, e));
                }
            }
            match best {
                Some((_, e)) => {
                    state.add(p, e);
                    added += 1;
                }
                None => break,
            }
        }
    }
    added
}

/// One pass of improvement moves; returns how many were applied. Every move strictly improves
/// the objective (filled, net score), so repeated passes terminate.
///
/// * **Eject chain** — an open place of task `t₀` whose eligible volunteer `v₀` is blocked by
///   one of their tasks `t₁`: `v₀` moves from `t₁` to `t₀`, `v₁` moves from `t₂` to `t₁`, … until
///   a volunteer who is free takes the last task (one more place filled; see [`augment_chain`]).
/// * **Re-plan one volunteer** — the best set of tasks for one volunteer given everybody else
///   (see [`replan_volunteer`]), e.g. giving up one long task for two short ones.
/// * **Swap** — a volunteer leaves one task for an open one with a higher score.
/// * **Reassign** — a planned place goes to another free eligible volunteer when that raises
///   the net score (better score, or lighter load).
fn improve_once(p: &Prepared, state: &mut State) -> u32 {
    let mut applied = 0;
    for t in 0..p.instance.tasks.len() {
        while state.places_left[t] > 0 && augment_chain(p, state, t) {
            applied += 1;
        }
    }
    for v in 0..p.instance.volunteers.len() {
        if replan_volunteer(p, state, v) {
            applied += 1;
        }
    }
    // Swaps: a volunteer leaves one task for an open, better-scoring one (same places filled).
    for t in 0..p.instance.tasks.len() {
        if state.places_left[t] == 0 {
            continue;
        }
        let mut best: Option<(i64, usize, usize)> = None;
        for &e_in in &p.task_edges[t] {
            let v = p.edge(e_in).volunteer;
            if state.assigned[e_in] {
                continue;
            }
            for &e_out in &state.volunteer_plan[v] {
                let gain = p.edge(e_in).score - p.edge(e_out).score;
                if gain > 0 && best.is_none_or(|b| gain > b.0) && state.fits(p, v, t, Some(e_out)) {
                    best = Some((gain, e_in, e_out));
                }
            }
        }
        if let Some((_, e_in, e_out)) = best {
            state.remove(p, e_out);
            state.add(p, e_in);
            applied += 1;
        }
    }
    for e_out in 0..p.instance.edges.len() {
        if !state.assigned[e_out] {
            continue;
        }
        let (t, v) = (p.edge(e_out).task, p.edge(e_out).volunteer);
        let release = p.edge(e_out).score - p.marginal_cost(v, state.count(v) - 1);
        let mut best: Option<(i64, usize)> = None;
        for &e_in in &p.task_edges[t] {
            let w = p.edge(e_in).volunteer;
            if w == v || state.assigned[e_in] {
                continue;
            }
            let gain = p.edge(e_in).score - p.marginal_cost(w, state.count(w)) - release;
            // The (dearer) rule check only for a gain that would be taken.
            if gain > 0 && best.is_none_or(|(g, _)| gain > g) && state.fits(p, w, t, None) {
                best = Some((gain, e_in));
            }
        }
        if let Some((_, e_in)) = best {
            state.remove(p, e_out);
            state.add(p, e_in);
            applied += 1;
        }
    }
    applied
}

/// Nodes explored per volunteer when re-planning one volunteer exhaustively.
const REPLAN_SEARCH_LIMIT: usize = 20_000;

/// Re-plans volunteer `v` alone: among their eligible tasks that have room (or that they already
/// hold), the feasible set with the most tasks, then the best score minus fairness cost, found
/// by depth-first search (capped at [`REPLAN_SEARCH_LIMIT`] nodes). Applies it and returns
/// `true` if it is strictly better than their current tasks.
fn replan_volunteer(p: &Prepared, state: &mut State, v: usize) -> bool {
    let budget = p.budget(v);
    let mut candidates: Vec<usize> = p.volunteer_edges[v]
        .iter()
        .zip(&p.volunteer_tasks[v])
        .filter(|&(&e, &t)| {
            let t = t as usize;
            (state.places_left[t] > 0 || state.assigned[e]) && p.minutes[t] <= budget
        })
        .map(|(&e, _)| e)
        .collect();
    if candidates.len() < 2 {
        return false;
    }
    candidates.sort_by_key(|&e| (p.task(p.edge(e).task).start, p.edge(e).task));
    let current = &state.volunteer_plan[v];
    let fairness = |count: usize| -> i64 { (0..count as i64).map(|k| p.marginal_cost(v, k)).sum() };
    let current_value = (
        current.len(),
        current.iter().map(|&e| p.edge(e).score).sum::<i64>() - fairness(current.len()),
    );

    struct Search<'s> {
        candidates: &'s [usize],
        chosen: Vec<usize>,
        best: Option<((usize, i64), Vec<usize>)>,
        nodes: usize,
    }
    fn explore(p: &Prepared, v: usize, s: &mut Search, from: usize, minutes: i64, score: i64) {
        s.nodes += 1;
        if s.nodes > REPLAN_SEARCH_LIMIT {
            return;
        }
        let count = s.chosen.len();
        let value = (
            count,
            score
                - (0..count as i64)
                    .map(|k| p.marginal_cost(v, k))
                    .sum::<i64>(),
        );
        if s.best.as_ref().is_none_or(|(b, _)| value > *b) {
            s.best = Some((value, s.chosen.clone()));
        }
        for i in from..s.candidates.len() {
            let e = s.candidates[i];
            let t = p.edge(e).task;
            let m = minutes + p.minutes[t];
            if m > p.budget(v)
                || s.chosen
                    .iter()
                    .any(|&c| p.task(p.edge(c).task).overlaps(p.task(t)))
            {
                continue;
            }
            s.chosen.push(e);
            explore(p, v, s, i + 1, m, score + p.edge(e).score);
            s.chosen.pop();
        }
    }
    let mut search = Search {
        candidates: &candidates,
        chosen: Vec::new(),
        best: None,
        nodes: 0,
    };
    explore(p, v, &mut search, 0, 0, 0);
    let Some((value, chosen)) = search.best else {
        return false;
    };
    if value <= current_value {
        return false;
    }
    for e in state.volunteer_plan[v].clone() {
        state.remove(p, e);
    }
    for e in chosen {
        state.add(p, e);
    }
    true
}

/// Longest eject chain searched (volunteers moved for one extra filled place).
const MAX_CHAIN_LENGTH: usize = 8;

/// Breadth-first search for the shortest eject chain that fills one more place of task `t`;
/// applies it and returns `true` if found. Every volunteer and task appears at most once in a
/// chain, so each volunteer's feasibility (drop one task, take another) can be checked against
/// the current plan independently, and every task in the middle keeps its number of volunteers.
fn augment_chain(p: &Prepared, state: &mut State, t: usize) -> bool {
    let nt = p.instance.tasks.len();
    // For each reached task: the link that frees it — (edge taking the previous task, edge
    // dropped from this task) — and the previous task.
    let mut came_from: Vec<Option<(usize, usize, usize)>> = vec![None; nt];
    let mut task_seen = vec![false; nt];
    let mut volunteer_used = vec![false; p.instance.volunteers.len()];
    task_seen[t] = true;
    let mut layer = vec![t];
    for _ in 0..MAX_CHAIN_LENGTH {
        let mut next_layer = Vec::new();
        for &needy in &layer {
            for &e_in in &p.task_edges[needy] {
                let v = p.edge(e_in).volunteer;
                if state.assigned[e_in] || volunteer_used[v] {
                    continue;
                }
                if state.fits(p, v, needy, None) {
                    // Found: unwind the chain, dropping first, then taking.
                    let mut links = vec![(e_in, None)];
                    let mut at = needy;
                    while let Some((taker, dropped, previous)) = came_from[at] {
                        links.push((taker, Some(dropped)));
                        at = previous;
                    }
                    for &(_, dropped) in &links {
                        if let Some(e) = dropped {
                            state.remove(p, e);
                        }
                    }
                    for &(taker, _) in &links {
                        state.add(p, taker);
                    }
                    return true;
                }
                for &e_out in &state.volunteer_plan[v] {
                    let freed = p.edge(e_out).task;
                    if !task_seen[freed] && state.fits(p, v, needy, Some(e_out)) {
                        task_seen[freed] = true;
                        volunteer_used[v] = true;
                        came_from[freed] = Some((e_in, e_out, needy));
                        next_layer.push(freed);
                    }
                }
            }
        }
        if next_layer.is_empty() {
            break;
        }
        layer = next_layer;
    }
    false
}

fn finish(
    p: &Prepared,
    options: &PlanOptions,
    state: &State,
    upper_bound: Objective,
    flow_rounds: u32,
    improvement_moves: u32,
    exact: bool,
) -> Plan {
    let mut assignments: Vec<Assignment> = (0..p.instance.edges.len())
        .filter(|&e| state.assigned[e])
        .map(|e| {
            let edge = p.edge(e);
            Assignment {
                task: edge.task,
                volunteer: edge.volunteer,
                score: edge.score,
            }
        })
        .collect();
    assignments.sort_unstable();
    let (objective, total_score, fairness_cost) = evaluate(p.instance, options, &assignments);

    let mut unfilled = Vec::new();
    for (t, slot) in p.instance.tasks.iter().enumerate() {
        let left = state.places_left[t];
        if left == 0 {
            continue;
        }
        let reason = if p.task_edges[t].is_empty() {
            UnfilledReason::NoEligibleVolunteer
        } else {
            let (mut overlapping, mut out_of_hours, mut others) = (0, 0, 0);
            for &e in &p.task_edges[t] {
                if state.assigned[e] {
                    continue;
                }
                others += 1;
                let v = p.edge(e).volunteer;
                let clash = state.volunteer_plan[v]
                    .iter()
                    .any(|&x| slot.overlaps(p.task(p.edge(x).task)));
                if clash {
                    overlapping += 1;
                } else if state.used_minutes[v] + p.minutes[t] > p.budget(v) {
                    out_of_hours += 1;
                }
            }
            if others == 0 {
                UnfilledReason::TooFewEligibleVolunteers
            } else {
                UnfilledReason::EligibleVolunteersBusy {
                    overlapping,
                    out_of_hours,
                }
            }
        };
        let planned_here = slot.places - left;
        unfilled.push(Unfilled {
            task: t,
            places_left: left,
            below_minimum_by: slot.min_places.saturating_sub(planned_here),
            reason,
        });
    }
    Plan {
        assignments,
        objective,
        total_score,
        fairness_cost,
        upper_bound,
        exact,
        unfilled,
        flow_rounds,
        improvement_moves,
    }
}

/// Largest search the exhaustive fallback takes on: remaining-places states of all tasks
/// together, candidate tasks of one volunteer, and total (state, task set) steps.
const EXHAUSTIVE_MAX_STATES: usize = 1 << 16;
const EXHAUSTIVE_MAX_EDGES_PER_VOLUNTEER: usize = 12;
const EXHAUSTIVE_MAX_STEPS: usize = 40_000_000;

/// One feasible set of tasks for one volunteer, as the exhaustive search combines them.
struct TaskSet {
    edges: Vec<usize>,
    /// What taking the set subtracts from the mixed-radix "places open" state.
    decrement: usize,
    /// Sum of the edges' scores minus the volunteer's fairness cost.
    score: i64,
    count: u32,
}

/// The exact optimum of a small instance, by dynamic programming over each volunteer's feasible
/// task sets (no overlaps, within budget) and the places still open on every task. Returns the
/// chosen edge ids, or `None` when the instance is too large for it (the flow-based plan then
/// stands, with its bound). Deterministic: ties keep the first set found in a fixed order.
fn exhaustive_optimum(p: &Prepared, options: &PlanOptions) -> Option<Vec<usize>> {
    let instance = p.instance;
    let nt = instance.tasks.len();
    let mut radix = Vec::with_capacity(nt);
    let mut states = 1usize;
    for t in &instance.tasks {
        radix.push(states);
        states = states.checked_mul(t.places as usize + 1)?;
        if states > EXHAUSTIVE_MAX_STATES {
            return None;
        }
    }
    // Every volunteer's feasible task sets.
    let mut choices: Vec<Vec<TaskSet>> = Vec::new();
    let mut steps = 0usize;
    for (v, slot) in instance.volunteers.iter().enumerate() {
        let mine = &p.volunteer_edges[v];
        if mine.len() > EXHAUSTIVE_MAX_EDGES_PER_VOLUNTEER {
            return None;
        }
        let mut sets = Vec::new();
        for mask in 0u32..(1 << mine.len()) {
            let chosen: Vec<usize> = (0..mine.len())
                .filter(|i| mask & (1 << i) != 0)
                .map(|i| mine[i])
                .collect();
            let minutes: i64 = chosen.iter().map(|&e| p.minutes[p.edge(e).task]).sum();
            if minutes > p.budget(v) {
                continue;
            }
            let clash = chosen.iter().enumerate().any(|(i, &a)| {
                chosen[i + 1..]
                    .iter()
                    .any(|&b| p.task(p.edge(a).task).overlaps(p.task(p.edge(b).task)))
            });
            if clash {
                continue;
            }
            let decrement = chosen.iter().map(|&e| radix[p.edge(e).task]).sum();
            let score = chosen.iter().map(|&e| p.edge(e).score).sum::<i64>()
                - fairness_cost(options, slot.load_minutes, chosen.len() as u32);
            let count = chosen.len() as u32;
            sets.push(TaskSet {
                edges: chosen,
                decrement,
                score,
                count,
            });
        }
        steps = steps.saturating_add(states.saturating_mul(sets.len()));
        if steps > EXHAUSTIVE_MAX_STEPS {
            return None;
        }
        choices.push(sets);
    }
    let start: usize = instance
        .tasks
        .iter()
        .zip(&radix)
        .map(|(t, r)| t.places as usize * r)
        .sum();
    let places_in =
        |state: usize, t: usize| (state / radix[t]) % (instance.tasks[t].places as usize + 1);
    let mut value: Vec<Option<Objective>> = vec![None; states];
    value[start] = Some(Objective::default());
    // For backtracking: per volunteer, for each state reached, (previous state, chosen set).
    let mut came_from: Vec<Vec<(u32, u32)>> = Vec::with_capacity(choices.len());
    for sets in &choices {
        let mut next: Vec<Option<Objective>> = vec![None; states];
        let mut from = vec![(0u32, 0u32); states];
        for (state, current) in value.iter().enumerate() {
            let Some(current) = current else { continue };
            'set: for (k, set) in sets.iter().enumerate() {
                for &e in &set.edges {
                    if places_in(state, p.edge(e).task) == 0 {
                        continue 'set;
                    }
                }
                let after = state - set.decrement;
                let candidate = Objective {
                    filled: current.filled + set.count,
                    net_score: current.net_score + set.score,
                };
                if next[after].is_none_or(|old| candidate > old) {
                    next[after] = Some(candidate);
                    from[after] = (state as u32, k as u32);
                }
            }
        }
        value = next;
        came_from.push(from);
    }
    let (mut state, _) = value
        .iter()
        .enumerate()
        .filter_map(|(s, v)| v.map(|v| (s, v)))
        .fold(None::<(usize, Objective)>, |best, (s, v)| match best {
            Some((_, b)) if b >= v => best,
            _ => Some((s, v)),
        })?;
    let mut edges = Vec::new();
    for (v, from) in came_from.iter().enumerate().rev() {
        let (previous, k) = from[state];
        edges.extend(choices[v][k as usize].edges.iter().copied());
        state = previous as usize;
    }
    Some(edges)
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;
