//! Integer minimum-cost maximum flow by successive shortest paths, with warm restarts.
//!
//! Build a network with [`MinCostFlow::add_arc`], then [`MinCostFlow::solve`] sends as much flow
//! as possible from the source to the sink (optionally up to a limit) and, among all flows of that
//! value, finds one of least total cost. Costs are `i64` and may be negative (rewards) as long as
//! there is no cycle of negative cost; parallel arcs are allowed, so a convex cost of "how many
//! units go from `a` to `b`" is modelled by several unit arcs with increasing costs — the solver
//! then always uses the cheaper ones first.
//!
//! Method: initial node potentials from Bellman–Ford (costs may be negative), then repeatedly a
//! Dijkstra search on reduced costs `cost + π(from) − π(to) ≥ 0` (radix heap, stopped when the
//! sink is settled), a potential update, and a blocking flow along all zero-reduced-cost shortest
//! paths (Dinic-style, so one search can push many units). Every step keeps the reduced costs of
//! residual arcs non-negative, which is the optimality certificate: the result is exact.
//!
//! **Warm restarts.** After a solve, arcs may be added ([`MinCostFlow::add_arc`]) or their
//! capacities changed ([`MinCostFlow::set_capacity`]), and `solve` called again: it keeps the
//! flow and the potentials, saturates every residual arc whose reduced cost became negative, and
//! removes the resulting imbalances along shortest paths (excess to deficit nodes; what cannot be
//! paired goes back to the source or comes from the sink), all with the same invariant, before
//! augmenting from the source again. The answer is again an exact min-cost max flow of the
//! changed network; only the work is smaller when the change is small.

use serde::{Deserialize, Serialize};

/// Index of an arc, as returned by [`MinCostFlow::add_arc`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ArcId(pub usize);

/// Why a network cannot be solved.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum FlowError {
    /// A node index is not below the number of nodes.
    #[error("node {node} does not exist (the network has {nodes} nodes)")]
    NoSuchNode {
        /// The index given.
        node: usize,
        /// Nodes in the network.
        nodes: usize,
    },
    /// Capacities must be non-negative.
    #[error("arc capacity {capacity} is negative")]
    NegativeCapacity {
        /// The capacity given.
        capacity: i64,
    },
    /// |cost| must stay below [`MAX_ABS_ARC_COST`] so path lengths cannot overflow.
    #[error("arc cost {cost} is outside ±{MAX_ABS_ARC_COST}")]
    CostOutOfRange {
        /// The cost given.
        cost: i64,
    },
    /// The arcs with capacity contain a cycle of negative total cost reachable from the source.
    #[error("the network has a negative-cost cycle")]
    NegativeCycle,
    /// Source and sink are the same node.
    #[error("source and sink are the same node")]
    SourceIsSink,
    /// An arc id that [`MinCostFlow::add_arc`] did not return.
    #[error("arc {arc} does not exist")]
    NoSuchArc {
        /// The id given.
        arc: usize,
    },
    /// A warm restart named other terminals than the first solve.
    #[error("source and sink must stay the same across solves")]
    TerminalsChanged,
}

/// Largest accepted magnitude of an arc cost (2^40 ≈ 1.1e12); with up to millions of arcs on a
/// path sums stay far inside `i64`.
pub const MAX_ABS_ARC_COST: i64 = 1 << 40;

/// What [`MinCostFlow::solve`] achieved.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlowResult {
    /// Units flowing from source to sink (in total, over all solves of the network).
    pub flow: i64,
    /// Total cost of the flow (sum of flow × cost over arcs).
    pub cost: i64,
}

#[derive(Clone, Debug)]
struct Arc {
    from: u32,
    to: u32,
    /// Remaining (residual) capacity.
    residual: i64,
    cost: i64,
}

/// A flow network. Arcs are stored in pairs: arc `2k` is the `k`-th added arc, `2k + 1` its
/// reverse (residual) arc.
#[derive(Clone, Debug, Default)]
pub struct MinCostFlow {
    nodes: usize,
    arcs: Vec<Arc>,
    capacity: Vec<i64>,
    /// Node potentials after [`MinCostFlow::solve`] (empty before the first one).
    potential: Vec<i64>,
    /// Inflow minus outflow of each node, left by capacity cuts since the last solve (empty
    /// when balanced).
    excess: Vec<i64>,
    /// Source and sink of the first solve.
    terminals: Option<(usize, usize)>,
}

/// A residual arc in the solver's compressed adjacency (arcs of one node are contiguous).
#[derive(Clone, Copy)]
struct CsrArc {
    to: u32,
    /// Position of the paired (reverse) arc.
    rev: u32,
    residual: i64,
    cost: i64,
}

const INF: i64 = i64::MAX / 4;

/// The residual network in compressed form, with the search buffers of one solve.
struct Residual {
    /// Arcs of node `x` are `arcs[start[x]..start[x + 1]]`, in the order they were added.
    start: Vec<usize>,
    arcs: Vec<CsrArc>,
    potential: Vec<i64>,
    /// Units each node may still send (phase starts) and still take (phase targets).
    supply: Vec<i64>,
    demand: Vec<i64>,
    dist: Vec<i64>,
    settled: Vec<bool>,
    level: Vec<u32>,
    next_arc: Vec<usize>,
    heap: RadixHeap,
    queue: Vec<u32>,
    path: Vec<u32>,
    starts: Vec<usize>,
}

impl Residual {
    /// Successive shortest paths from the nodes with `supply` to the nodes with `demand` until
    /// one side is used up or no target is reachable. Each phase: a Dijkstra search from all
    /// suppliers at once (reduced costs, stopped when the first node with demand is settled), the
    /// potential update `π += min(dist, dist(target))`, and a blocking flow on the admissible
    /// arcs. Keeps every residual reduced cost non-negative.
    fn augment(&mut self) {
        let n = self.potential.len();
        loop {
            self.starts.clear();
            self.starts
                .extend((0..n).filter(|&x| self.supply[x] > 0 && self.demand[x] == 0));
            if self.starts.is_empty() || !self.demand.iter().any(|&d| d > 0) {
                return;
            }
            // Dijkstra on reduced costs (all ≥ 0, so a monotone radix heap serves).
            self.dist.fill(INF);
            self.settled.fill(false);
            self.heap.clear();
            for &s in &self.starts {
                self.dist[s] = 0;
                self.heap.push(0, s as u32);
            }
            let mut reached = INF;
            while let Some((d, x)) = self.heap.pop() {
                let x = x as usize;
                if self.settled[x] || d > self.dist[x] {
                    continue;
                }
                self.settled[x] = true;
                if self.demand[x] > 0 {
                    reached = d;
                    break;
                }
                let base = d + self.potential[x];
                for a in &self.arcs[self.start[x]..self.start[x + 1]] {
                    if a.residual > 0 {
                        let y = a.to as usize;
                        let nd = base + a.cost - self.potential[y];
                        if nd < self.dist[y] {
                            self.dist[y] = nd;
                            self.heap.push(nd, y as u32);
                        }
                    }
                }
            }
            if reached >= INF {
                // No target is reachable, and the search ran to the end: make the potentials
                // tight (shortest distances) where it reached, which keeps them valid and makes
                // them the best certificate for arcs added later. Unreached nodes move by the
                // largest distance, so arcs from them keep non-negative reduced costs.
                let far = self.dist.iter().copied().filter(|&d| d < INF).max();
                if let Some(far) = far {
                    for (p, &d) in self.potential.iter_mut().zip(&self.dist) {
                        *p += d.min(far);
                    }
                }
                return;
            }
            // π += min(dist, reached) keeps every residual reduced cost non-negative, also for
            // nodes the early stop left unsettled.
            for (p, &d) in self.potential.iter_mut().zip(&self.dist) {
                *p += d.min(reached);
            }
            if !self.blocking_flow() {
                // Cannot happen (the shortest path is admissible); stop rather than loop.
                return;
            }
        }
    }

    /// Pushes a blocking flow from the phase's starts to nodes with demand over the admissible
    /// arcs (residual, reduced cost 0), levelled by BFS so zero-cost cycles cannot trap the
    /// search. Returns whether any unit moved.
    fn blocking_flow(&mut self) -> bool {
        let n = self.potential.len();
        self.level.fill(u32::MAX);
        self.queue.clear();
        for &s in &self.starts {
            self.level[s] = 0;
            self.queue.push(s as u32);
        }
        let mut head = 0;
        while head < self.queue.len() {
            let x = self.queue[head] as usize;
            head += 1;
            let px = self.potential[x];
            for a in &self.arcs[self.start[x]..self.start[x + 1]] {
                let y = a.to as usize;
                if a.residual > 0
                    && self.level[y] == u32::MAX
                    && a.cost + px - self.potential[y] == 0
                {
                    self.level[y] = self.level[x] + 1;
                    self.queue.push(y as u32);
                }
            }
        }
        self.next_arc.copy_from_slice(&self.start[..n]);
        let mut moved = false;
        for i in 0..self.starts.len() {
            let s = self.starts[i];
            self.path.clear();
            let mut x = s;
            while self.supply[s] > 0 {
                if x != s && self.demand[x] > 0 {
                    let mut push = self.supply[s].min(self.demand[x]);
                    for &at in &self.path {
                        push = push.min(self.arcs[at as usize].residual);
                    }
                    for &at in &self.path {
                        let rev = self.arcs[at as usize].rev as usize;
                        self.arcs[at as usize].residual -= push;
                        self.arcs[rev].residual += push;
                    }
                    self.supply[s] -= push;
                    self.demand[x] -= push;
                    moved = true;
                    self.path.clear();
                    x = s;
                    continue;
                }
                let mut advanced = false;
                while self.next_arc[x] < self.start[x + 1] {
                    let at = self.next_arc[x];
                    let a = &self.arcs[at];
                    let y = a.to as usize;
                    if a.residual > 0
                        && self.level[y] == self.level[x].wrapping_add(1)
                        && a.cost + self.potential[x] - self.potential[y] == 0
                    {
                        self.path.push(at as u32);
                        x = y;
                        advanced = true;
                        break;
                    }
                    self.next_arc[x] += 1;
                }
                if !advanced {
                    // Dead end: retreat one arc and never enter x again in this phase.
                    self.level[x] = u32::MAX;
                    match self.path.pop() {
                        Some(at) => {
                            // The arc's tail is the head of its reverse arc.
                            let rev = self.arcs[at as usize].rev as usize;
                            x = self.arcs[rev].to as usize;
                            self.next_arc[x] += 1;
                        }
                        None => break,
                    }
                }
            }
        }
        moved
    }
}

impl MinCostFlow {
    /// An empty network on nodes `0..nodes`.
    pub fn new(nodes: usize) -> Self {
        Self {
            nodes,
            ..Self::default()
        }
    }

    /// Number of nodes.
    pub fn node_count(&self) -> usize {
        self.nodes
    }

    /// Adds an arc `from → to` carrying up to `capacity` units at `cost` each (also after a
    /// solve: the next solve takes it into account).
    pub fn add_arc(
        &mut self,
        from: usize,
        to: usize,
        capacity: i64,
        cost: i64,
    ) -> Result<ArcId, FlowError> {
        for node in [from, to] {
            if node >= self.nodes || node > u32::MAX as usize {
                return Err(FlowError::NoSuchNode {
                    node,
                    nodes: self.nodes,
                });
            }
        }
        if capacity < 0 {
            return Err(FlowError::NegativeCapacity { capacity });
        }
        if cost.unsigned_abs() > MAX_ABS_ARC_COST as u64 {
            return Err(FlowError::CostOutOfRange { cost });
        }
        let id = ArcId(self.capacity.len());
        self.arcs.push(Arc {
            from: from as u32,
            to: to as u32,
            residual: capacity,
            cost,
        });
        self.arcs.push(Arc {
            from: to as u32,
            to: from as u32,
            residual: 0,
            cost: -cost,
        });
        self.capacity.push(capacity);
        Ok(id)
    }

    /// Units currently flowing on an arc (0 for an unknown id).
    pub fn flow_on(&self, arc: ArcId) -> i64 {
        match (self.capacity.get(arc.0), self.arcs.get(2 * arc.0)) {
            (Some(cap), Some(a)) => cap - a.residual,
            _ => 0,
        }
    }

    /// Changes an arc's capacity. Flow above the new capacity is taken off the arc (the next
    /// solve re-routes it), so e.g. capacity 0 removes an arc from the network.
    pub fn set_capacity(&mut self, arc: ArcId, capacity: i64) -> Result<(), FlowError> {
        if capacity < 0 {
            return Err(FlowError::NegativeCapacity { capacity });
        }
        let k = arc.0;
        if k >= self.capacity.len() {
            return Err(FlowError::NoSuchArc { arc: k });
        }
        let flow = self.flow_on(arc);
        let cut = (flow - capacity).max(0);
        if cut > 0 {
            if self.excess.is_empty() {
                self.excess = vec![0; self.nodes];
            }
            self.excess[self.arcs[2 * k].from as usize] += cut;
            self.excess[self.arcs[2 * k].to as usize] -= cut;
        }
        self.capacity[k] = capacity;
        self.arcs[2 * k].residual = capacity - (flow - cut);
        self.arcs[2 * k + 1].residual = flow - cut;
        Ok(())
    }

    /// Sends a maximum flow (at most `limit` units in total if given) of minimum cost from
    /// `source` to `sink`. May be called again after changes (same source and sink): flows
    /// already present are kept, re-routed where needed and extended (see the module docs).
    pub fn solve(
        &mut self,
        source: usize,
        sink: usize,
        limit: Option<i64>,
    ) -> Result<FlowResult, FlowError> {
        for node in [source, sink] {
            if node >= self.nodes {
                return Err(FlowError::NoSuchNode {
                    node,
                    nodes: self.nodes,
                });
            }
        }
        if source == sink {
            return Err(FlowError::SourceIsSink);
        }
        let warm = match self.terminals {
            None => {
                self.terminals = Some((source, sink));
                false
            }
            Some(t) if t == (source, sink) => true,
            Some(_) => return Err(FlowError::TerminalsChanged),
        };
        let n = self.nodes;
        // Adjacency in compressed form: the arcs of node x are csr[start[x]..start[x + 1]], in
        // the order they were added (deterministic); `slot[id]` is where arc `id` went.
        let mut start = vec![0usize; n + 1];
        for a in &self.arcs {
            start[a.from as usize + 1] += 1;
        }
        for x in 0..n {
            start[x + 1] += start[x];
        }
        let mut fill = start.clone();
        let mut slot = vec![0u32; self.arcs.len()];
        for (id, a) in self.arcs.iter().enumerate() {
            let at = &mut fill[a.from as usize];
            slot[id] = *at as u32;
            *at += 1;
        }
        let mut csr = vec![
            CsrArc {
                to: 0,
                rev: 0,
                residual: 0,
                cost: 0,
            };
            self.arcs.len()
        ];
        for (id, a) in self.arcs.iter().enumerate() {
            csr[slot[id] as usize] = CsrArc {
                to: a.to,
                rev: slot[id ^ 1],
                residual: a.residual,
                cost: a.cost,
            };
        }
        drop(fill);
        let potential = if warm {
            std::mem::take(&mut self.potential)
        } else {
            self.initial_potentials(source)?
        };
        let mut r = Residual {
            start,
            arcs: csr,
            potential,
            supply: vec![0; n],
            demand: vec![0; n],
            dist: vec![INF; n],
            settled: vec![false; n],
            level: vec![u32::MAX; n],
            next_arc: vec![0; n],
            heap: RadixHeap::default(),
            queue: Vec::with_capacity(n),
            path: Vec::new(),
            starts: Vec::new(),
        };

        if warm {
            // Saturate residual arcs whose reduced cost is negative (new arcs, raised
            // capacities): the potentials are then valid again, at the price of imbalances.
            let mut excess = std::mem::take(&mut self.excess);
            excess.resize(n, 0);
            for x in 0..n {
                for at in r.start[x]..r.start[x + 1] {
                    let a = r.arcs[at];
                    let y = a.to as usize;
                    if a.residual > 0 && a.cost + r.potential[x] - r.potential[y] < 0 {
                        r.arcs[at].residual = 0;
                        r.arcs[a.rev as usize].residual += a.residual;
                        excess[x] -= a.residual;
                        excess[y] += a.residual;
                    }
                }
            }
            // The terminals need no balance: their difference is the flow value.
            excess[source] = 0;
            excess[sink] = 0;
            if excess.iter().any(|&e| e != 0) {
                for (x, &e) in excess.iter().enumerate() {
                    r.supply[x] = e.max(0);
                    r.demand[x] = (-e).max(0);
                }
                // Pair excesses with deficits first (the flow value stays) ...
                r.augment();
                // ... then send what is left back to the source, and take what is missing from
                // the sink (the flow value drops; the augmentation below restores it if it can).
                // Both always succeed: a node's excess arrived along flow from the source or a
                // deficit, and a deficit's units left along flow to the sink or an excess.
                let deficits = std::mem::replace(&mut r.demand, vec![0; n]);
                r.demand[source] = INF;
                r.augment();
                debug_assert!(r.supply.iter().all(|&s| s == 0), "excess left");
                r.supply.fill(0);
                r.supply[sink] = INF;
                r.demand = deficits;
                r.augment();
                debug_assert!(r.demand.iter().all(|&d| d == 0), "deficit left");
                r.supply.fill(0);
                r.demand.fill(0);
            }
        }

        // Augment from the source to the sink, up to the limit.
        let mut flow_value = 0i64;
        for (k, cap) in self.capacity.iter().enumerate() {
            let f = cap - r.arcs[slot[2 * k] as usize].residual;
            if self.arcs[2 * k].from as usize == source {
                flow_value += f;
            }
            if self.arcs[2 * k].to as usize == source {
                flow_value -= f;
            }
        }
        r.supply[source] = limit.map_or(INF, |l| (l - flow_value).max(0));
        r.demand[sink] = INF;
        r.augment();

        for (id, a) in self.arcs.iter_mut().enumerate() {
            a.residual = r.arcs[slot[id] as usize].residual;
        }
        self.potential = r.potential;
        let mut flow = 0i64;
        let mut cost = 0i64;
        for (k, cap) in self.capacity.iter().enumerate() {
            let a = &self.arcs[2 * k];
            let f = cap - a.residual;
            cost += f * a.cost;
            if a.from as usize == source {
                flow += f;
            }
            if a.to as usize == source {
                flow -= f;
            }
        }
        Ok(FlowResult { flow, cost })
    }

    /// Node potentials `π` left by [`MinCostFlow::solve`] (0 before it runs). After a solve, every
    /// arc with residual capacity between nodes reachable from the source in the initial network
    /// has a non-negative reduced cost `cost + π(from) − π(to)`: the certificate that the flow
    /// is of least cost for its value. (Nodes unreachable from the source in the initial network
    /// never carry flow; their potentials mean nothing.)
    pub fn potential(&self, node: usize) -> i64 {
        self.potential.get(node).copied().unwrap_or(0)
    }

    /// All node potentials (see [`MinCostFlow::potential`]); empty before the first solve.
    pub fn potentials(&self) -> &[i64] {
        &self.potential
    }

    /// Shortest distances from the source over arcs with residual capacity (Bellman–Ford in arc
    /// order, so a network whose arcs were added in topological order settles in two sweeps).
    /// Unreachable nodes get 0: they stay unreachable for the whole run.
    fn initial_potentials(&self, source: usize) -> Result<Vec<i64>, FlowError> {
        let n = self.nodes;
        let mut dist = vec![INF; n];
        dist[source] = 0;
        if self.arcs.iter().all(|a| a.residual == 0 || a.cost >= 0) {
            // No negative residual arc: zero potentials are already valid.
            return Ok(vec![0; n]);
        }
        let mut sweeps = 0usize;
        loop {
            let mut changed = false;
            for a in &self.arcs {
                let (x, y) = (a.from as usize, a.to as usize);
                if a.residual > 0 && dist[x] < INF && dist[x] + a.cost < dist[y] {
                    dist[y] = dist[x] + a.cost;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
            sweeps += 1;
            if sweeps > n {
                return Err(FlowError::NegativeCycle);
            }
        }
        Ok(dist
            .into_iter()
            .map(|d| if d >= INF { 0 } else { d })
            .collect())
    }
}

/// A monotone priority queue for Dijkstra (radix heap): keys popped never decrease, and a key
/// pushed is never below the last key popped. Entry `(k, x)` sits in bucket `⌈log₂(k ⊕ last + 1)⌉`,
/// so each entry moves at most 64 times; ties pop in an unspecified (but deterministic) order.
struct RadixHeap {
    last: u64,
    len: usize,
    buckets: [Vec<(u64, u32)>; 65],
}

impl Default for RadixHeap {
    fn default() -> Self {
        Self {
            last: 0,
            len: 0,
            buckets: std::array::from_fn(|_| Vec::new()),
        }
    }
}

impl RadixHeap {
    fn clear(&mut self) {
        self.last = 0;
        self.len = 0;
        for b in &mut self.buckets {
            b.clear();
        }
    }

    fn bucket(key: u64, last: u64) -> usize {
        (64 - (key ^ last).leading_zeros()) as usize
    }

    fn push(&mut self, key: i64, node: u32) {
        let key = key as u64;
        debug_assert!(key >= self.last);
        self.buckets[Self::bucket(key, self.last)].push((key, node));
        self.len += 1;
    }

    fn pop(&mut self) -> Option<(i64, u32)> {
        if self.len == 0 {
            return None;
        }
        if self.buckets[0].is_empty() {
            let i = (1..65).find(|&i| !self.buckets[i].is_empty())?;
            let moved = std::mem::take(&mut self.buckets[i]);
            self.last = moved.iter().map(|e| e.0).min().unwrap_or(self.last);
            for &(key, node) in &moved {
                self.buckets[Self::bucket(key, self.last)].push((key, node));
            }
            // Keep the emptied vector's allocation for later use.
            let mut moved = moved;
            moved.clear();
            self.buckets[i] = moved;
        }
        self.len -= 1;
        self.buckets[0].pop().map(|(k, x)| (k as i64, x))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn textbook_network() {
        // s=0, t=3; two routes, the cheap one has capacity 2.
        let mut g = MinCostFlow::new(4);
        let s_a = g.add_arc(0, 1, 2, 1).unwrap();
        let s_b = g.add_arc(0, 2, 3, 2).unwrap();
        let a_t = g.add_arc(1, 3, 3, 1).unwrap();
        let b_t = g.add_arc(2, 3, 2, 1).unwrap();
        let a_b = g.add_arc(1, 2, 1, 0).unwrap();
        let r = g.solve(0, 3, None).unwrap();
        // Max flow 4: the cut {s→a (2), b→t (2)}. Then a→t = 2, b→t = 2, so a→b carries nothing.
        assert_eq!(r.flow, 4);
        assert_eq!(
            g.flow_on(s_a) + g.flow_on(s_b),
            g.flow_on(a_t) + g.flow_on(b_t)
        );
        assert_eq!(g.flow_on(s_a), 2);
        assert_eq!(g.flow_on(s_b), 2);
        assert_eq!(g.flow_on(a_t), 2);
        assert_eq!(g.flow_on(b_t), 2);
        assert_eq!(g.flow_on(a_b), 0);
        assert_eq!(r.cost, 2 * 2 + 2 * 3);
    }

    #[test]
    fn negative_costs_and_flow_limit() {
        // Bipartite 2×2 rewards as negative costs: best is 0→b (−9) and 1→a (−8).
        let (s, a0, a1, b0, b1, t) = (0, 1, 2, 3, 4, 5);
        let mut g = MinCostFlow::new(6);
        g.add_arc(s, a0, 1, 0).unwrap();
        g.add_arc(s, a1, 1, 0).unwrap();
        let e00 = g.add_arc(a0, b0, 1, -10).unwrap();
        let e01 = g.add_arc(a0, b1, 1, -9).unwrap();
        let e10 = g.add_arc(a1, b0, 1, -8).unwrap();
        let e11 = g.add_arc(a1, b1, 1, -1).unwrap();
        g.add_arc(b0, t, 1, 0).unwrap();
        g.add_arc(b1, t, 1, 0).unwrap();
        let mut limited = g.clone();
        let r = g.solve(s, t, None).unwrap();
        assert_eq!(r, FlowResult { flow: 2, cost: -17 });
        assert_eq!([e00, e01, e10, e11].map(|e| g.flow_on(e)), [0, 1, 1, 0]);
        // With one unit only, the single best arc is used.
        let r1 = limited.solve(s, t, Some(1)).unwrap();
        assert_eq!(r1, FlowResult { flow: 1, cost: -10 });
        assert_eq!(limited.flow_on(e00), 1);
    }

    #[test]
    fn convex_unit_arcs_fill_in_increasing_cost_order() {
        // s → v through four parallel unit arcs with marginal costs 1, 3, 5, 7; v → t capacity k.
        for k in 0..=4i64 {
            let mut g = MinCostFlow::new(3);
            // Added in scrambled order to show the solver, not insertion order, picks them.
            let arcs: Vec<(i64, ArcId)> = [5, 1, 7, 3]
                .into_iter()
                .map(|c| (c, g.add_arc(0, 1, 1, c).unwrap()))
                .collect();
            g.add_arc(1, 2, k, -10).unwrap();
            let r = g.solve(0, 2, None).unwrap();
            assert_eq!(r.flow, k);
            let expected: i64 = [1, 3, 5, 7].iter().take(k as usize).sum::<i64>() - 10 * k;
            assert_eq!(r.cost, expected);
            for (c, id) in arcs {
                let used = (c + 1) / 2 <= k; // costs 1,3,5,7 are the 1st..4th cheapest
                assert_eq!(g.flow_on(id), i64::from(used), "arc cost {c}, k {k}");
            }
        }
    }

    #[test]
    fn parallel_arcs_and_multi_unit_push() {
        let mut g = MinCostFlow::new(2);
        let cheap = g.add_arc(0, 1, 5, 2).unwrap();
        let dear = g.add_arc(0, 1, 5, 4).unwrap();
        let r = g.solve(0, 1, Some(7)).unwrap();
        assert_eq!(
            r,
            FlowResult {
                flow: 7,
                cost: 5 * 2 + 2 * 4
            }
        );
        assert_eq!((g.flow_on(cheap), g.flow_on(dear)), (5, 2));
    }

    #[test]
    fn rerouting_through_reverse_arcs() {
        // Classic case where the second path must undo part of the first one.
        // s=0, a=1, b=2, t=3. s→a, a→t, s→b, b→t, a→b cheap.
        let mut g = MinCostFlow::new(4);
        g.add_arc(0, 1, 1, 1).unwrap();
        g.add_arc(1, 2, 1, 1).unwrap();
        g.add_arc(2, 3, 1, 1).unwrap();
        g.add_arc(0, 2, 1, 5).unwrap();
        g.add_arc(1, 3, 1, 5).unwrap();
        let r = g.solve(0, 3, None).unwrap();
        // Max flow 2: s→a→t and s→b→t (cost 12); the cheap path s→a→b→t (3) alone gives flow 1.
        assert_eq!(r, FlowResult { flow: 2, cost: 12 });
    }

    #[test]
    fn errors() {
        let mut g = MinCostFlow::new(2);
        assert_eq!(
            g.add_arc(0, 2, 1, 0),
            Err(FlowError::NoSuchNode { node: 2, nodes: 2 })
        );
        assert_eq!(
            g.add_arc(0, 1, -1, 0),
            Err(FlowError::NegativeCapacity { capacity: -1 })
        );
        assert!(matches!(
            g.add_arc(0, 1, 1, i64::MAX),
            Err(FlowError::CostOutOfRange { .. })
        ));
        assert_eq!(g.solve(1, 1, None), Err(FlowError::SourceIsSink));
        let mut cyc = MinCostFlow::new(3);
        cyc.add_arc(0, 1, 1, 0).unwrap();
        cyc.add_arc(1, 2, 1, -5).unwrap();
        cyc.add_arc(2, 1, 1, 1).unwrap();
        assert_eq!(cyc.solve(0, 2, None), Err(FlowError::NegativeCycle));
    }

    #[test]
    fn empty_network_sends_nothing() {
        let mut g = MinCostFlow::new(2);
        assert_eq!(
            g.solve(0, 1, None).unwrap(),
            FlowResult { flow: 0, cost: 0 }
        );
    }

    /// A random layered network (source → A → B → sink, plus skips), costs in −20..20.
    fn random_network(seed: u64) -> (usize, Vec<(usize, usize, i64, i64)>) {
        let mut rng = crate::rng::SplitMix64::new(seed);
        let (a, b) = (1 + rng.index(5), 1 + rng.index(5));
        let n = a + b + 2;
        let sink = n - 1;
        let mut arcs = Vec::new();
        for x in 0..a {
            for _ in 0..1 + rng.index(3) {
                arcs.push((0, 1 + x, 1 + rng.index(2) as i64, rng.index(20) as i64));
            }
            for y in 0..b {
                if rng.index(3) > 0 {
                    arcs.push((
                        1 + x,
                        1 + a + y,
                        1 + rng.index(2) as i64,
                        10 - rng.index(30) as i64,
                    ));
                }
            }
        }
        for y in 0..b {
            arcs.push((
                1 + a + y,
                sink,
                1 + rng.index(3) as i64,
                rng.index(5) as i64,
            ));
            if rng.index(4) == 0 {
                arcs.push((0, 1 + a + y, 1, rng.index(40) as i64));
            }
        }
        (n, arcs)
    }

    fn cold(n: usize, arcs: &[(usize, usize, i64, i64)]) -> FlowResult {
        let mut g = MinCostFlow::new(n);
        for &(x, y, c, w) in arcs {
            g.add_arc(x, y, c, w).unwrap();
        }
        g.solve(0, n - 1, None).unwrap()
    }

    #[test]
    fn warm_restarts_match_cold_solves() {
        for seed in 0..3000u64 {
            let (n, mut arcs) = random_network(seed);
            let mut g = MinCostFlow::new(n);
            let mut ids = Vec::new();
            for &(x, y, c, w) in &arcs {
                ids.push(g.add_arc(x, y, c, w).unwrap());
            }
            assert_eq!(
                g.solve(0, n - 1, None).unwrap(),
                cold(n, &arcs),
                "seed {seed}"
            );
            let mut rng = crate::rng::SplitMix64::new(seed ^ 0xABCD);
            for round in 0..4 {
                // Close or shrink some arcs (often ones with flow), raise others, add new ones.
                for _ in 0..1 + rng.index(3) {
                    let k = rng.index(arcs.len());
                    let capacity = match rng.index(3) {
                        0 => 0,
                        1 => (g.flow_on(ids[k]) - 1).max(0),
                        _ => arcs[k].2 + 1,
                    };
                    g.set_capacity(ids[k], capacity).unwrap();
                    arcs[k].2 = capacity;
                }
                for _ in 0..rng.index(3) {
                    let x = 1 + rng.index(n - 2);
                    let y = 1 + x + rng.index(n - 1 - x);
                    let arc = (x, y, 1 + rng.index(2) as i64, 15 - rng.index(30) as i64);
                    ids.push(g.add_arc(arc.0, arc.1, arc.2, arc.3).unwrap());
                    arcs.push(arc);
                }
                let warm = g.solve(0, n - 1, None).unwrap();
                assert_eq!(warm, cold(n, &arcs), "seed {seed} round {round}");
                // The flow obeys capacities and conservation.
                let mut balance = vec![0i64; n];
                for (k, &(x, y, c, _)) in arcs.iter().enumerate() {
                    let f = g.flow_on(ids[k]);
                    assert!((0..=c).contains(&f), "seed {seed} round {round}");
                    balance[x] -= f;
                    balance[y] += f;
                }
                assert!(balance[1..n - 1].iter().all(|&b| b == 0), "seed {seed}");
                assert_eq!(balance[n - 1], warm.flow);
            }
        }
    }

    #[test]
    fn warm_restart_checks_its_inputs() {
        let mut g = MinCostFlow::new(3);
        let a = g.add_arc(0, 1, 1, 0).unwrap();
        g.add_arc(1, 2, 1, 0).unwrap();
        assert_eq!(
            g.set_capacity(ArcId(7), 1),
            Err(FlowError::NoSuchArc { arc: 7 })
        );
        assert_eq!(
            g.set_capacity(a, -1),
            Err(FlowError::NegativeCapacity { capacity: -1 })
        );
        assert_eq!(g.solve(0, 2, None).unwrap().flow, 1);
        assert_eq!(g.solve(0, 1, None), Err(FlowError::TerminalsChanged));
        g.set_capacity(a, 0).unwrap();
        assert_eq!(
            g.solve(0, 2, None).unwrap(),
            FlowResult { flow: 0, cost: 0 }
        );
    }
}
