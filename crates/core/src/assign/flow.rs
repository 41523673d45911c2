//! Integer minimum-cost maximum flow by successive shortest paths.
//!
//! Build a network with [`MinCostFlow::add_arc`], then [`MinCostFlow::solve`] sends as much flow
//! as possible from the source to the sink (optionally up to a limit) and, among all flows of that
//! value, finds one of least total cost. Costs are `i64` and may be negative (rewards) as long as
//! there is no cycle of negative cost; parallel arcs are allowed, so a convex cost of "how many
//! units go from `a` to `b`" is modelled by several unit arcs with increasing costs — the solver
//! then always uses the cheaper ones first.
//!
//! Method: initial node potentials from Bellman–Ford (costs may be negative), then repeatedly a
//! Dijkstra search on reduced costs `cost + π(from) − π(to) ≥ 0` (stopped when the sink is
//! settled), a potential update, and a blocking flow along all zero-reduced-cost shortest paths
//! (Dinic-style, so one search can push many units). Every step keeps the reduced costs of
//! residual arcs non-negative, which is the optimality certificate: the result is exact.

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
}

/// Largest accepted magnitude of an arc cost (2^40 ≈ 1.1e12); with up to millions of arcs on a
/// path sums stay far inside `i64`.
pub const MAX_ABS_ARC_COST: i64 = 1 << 40;

/// What [`MinCostFlow::solve`] achieved.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlowResult {
    /// Units sent from source to sink.
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
    /// Node potentials after [`MinCostFlow::solve`] (empty before).
    potential: Vec<i64>,
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

impl MinCostFlow {
    /// An empty network on nodes `0..nodes`.
    pub fn new(nodes: usize) -> Self {
        Self {
            nodes,
            arcs: Vec::new(),
            capacity: Vec::new(),
            potential: Vec::new(),
        }
    }

    /// Number of nodes.
    pub fn node_count(&self) -> usize {
        self.nodes
    }

    /// Adds an arc `from → to` carrying up to `capacity` units at `cost` each.
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

    /// Sends a maximum flow (at most `limit` units if given) of minimum cost from `source` to
    /// `sink`. Can be called once per network; flows already present are kept and extended.
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

        let mut potential = self.initial_potentials(source)?;
        let mut dist = vec![INF; n];
        let mut settled = vec![false; n];
        let mut heap = RadixHeap::default();
        let mut level = vec![u32::MAX; n];
        let mut next_arc = vec![0usize; n];
        let mut queue = Vec::with_capacity(n);
        let mut path: Vec<u32> = Vec::new();

        let mut remaining = limit.unwrap_or(i64::MAX);
        let mut sent = 0i64;
        let t0 = std::time::Instant::now();
        let (mut phases, mut scans, mut pops) = (0u64, 0u64, 0u64);
        while remaining > 0 {
            // Dijkstra on reduced costs (all ≥ 0, so a monotone radix heap serves), stopped
            // once the sink is settled.
            dist.fill(INF);
            settled.fill(false);
            heap.clear();
            dist[source] = 0;
            heap.push(0, source as u32);
            while let Some((d, x)) = heap.pop() {
                let x = x as usize;
                if settled[x] || d > dist[x] {
                    continue;
                }
                settled[x] = true;
                pops += 1;
                scans += (start[x + 1] - start[x]) as u64;
                if x == sink {
                    break;
                }
                let base = d + potential[x];
                for a in &csr[start[x]..start[x + 1]] {
                    if a.residual > 0 {
                        let y = a.to as usize;
                        let nd = base + a.cost - potential[y];
                        if nd < dist[y] {
                            dist[y] = nd;
                            heap.push(nd, y as u32);
                        }
                    }
                }
            }
            let to_sink = dist[sink];
            if to_sink >= INF {
                break;
            }
            phases += 1;
            // π += min(dist, dist(sink)) keeps every residual reduced cost non-negative, also for
            // nodes the early stop left unsettled.
            for (p, &d) in potential.iter_mut().zip(&dist) {
                *p += d.min(to_sink);
            }

            // Blocking flow on the admissible arcs (residual, reduced cost 0), levelled by BFS so
            // zero-cost cycles cannot trap the search.
            level.fill(u32::MAX);
            level[source] = 0;
            queue.clear();
            queue.push(source as u32);
            let mut head = 0;
            while head < queue.len() {
                let x = queue[head] as usize;
                head += 1;
                let px = potential[x];
                for a in &csr[start[x]..start[x + 1]] {
                    let y = a.to as usize;
                    if a.residual > 0 && level[y] == u32::MAX && a.cost + px - potential[y] == 0 {
                        level[y] = level[x] + 1;
                        queue.push(y as u32);
                    }
                }
            }
            if level[sink] == u32::MAX {
                // Cannot happen (the shortest path is admissible); stop rather than loop.
                break;
            }
            next_arc.copy_from_slice(&start[..n]);
            path.clear();
            let mut x = source;
            while remaining > 0 {
                if x == sink {
                    let mut push = remaining;
                    for &at in &path {
                        push = push.min(csr[at as usize].residual);
                    }
                    for &at in &path {
                        let rev = csr[at as usize].rev as usize;
                        csr[at as usize].residual -= push;
                        csr[rev].residual += push;
                    }
                    sent += push;
                    remaining -= push;
                    path.clear();
                    x = source;
                    continue;
                }
                let mut advanced = false;
                while next_arc[x] < start[x + 1] {
                    let at = next_arc[x];
                    let a = &csr[at];
                    let y = a.to as usize;
                    if a.residual > 0
                        && level[y] == level[x].wrapping_add(1)
                        && a.cost + potential[x] - potential[y] == 0
                    {
                        path.push(at as u32);
                        x = y;
                        advanced = true;
                        break;
                    }
                    next_arc[x] += 1;
                }
                if !advanced {
                    // Dead end: retreat one arc and never enter x again in this phase.
                    level[x] = u32::MAX;
                    match path.pop() {
                        Some(at) => {
                            // The arc's tail is the head of its reverse arc.
                            x = csr[csr[at as usize].rev as usize].to as usize;
                            next_arc[x] += 1;
                        }
                        None => break,
                    }
                }
            }
        }
        if std::env::var("FLOWDBG").is_ok() {
            eprintln!(
                "flow: n {} arcs {} sent {} phases {} pops {} scans {} {:.1} ms",
                n,
                self.arcs.len(),
                sent,
                phases,
                pops,
                scans,
                t0.elapsed().as_secs_f64() * 1e3
            );
        }
        for (id, a) in self.arcs.iter_mut().enumerate() {
            a.residual = csr[slot[id] as usize].residual;
        }
        self.potential = potential;
        let cost = self
            .capacity
            .iter()
            .enumerate()
            .map(|(k, cap)| (cap - self.arcs[2 * k].residual) * self.arcs[2 * k].cost)
            .sum();
        Ok(FlowResult { flow: sent, cost })
    }

    /// Node potentials `π` left by [`MinCostFlow::solve`] (0 before it runs). After a solve, every
    /// arc with residual capacity between nodes reachable from the source in the initial network
    /// has a non-negative reduced cost `cost + π(from) − π(to)`: the certificate that the flow
    /// is of least cost for its value. (Nodes unreachable from the source in the initial network
    /// never carry flow; their potentials mean nothing.)
    pub fn potential(&self, node: usize) -> i64 {
        self.potential.get(node).copied().unwrap_or(0)
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
}
