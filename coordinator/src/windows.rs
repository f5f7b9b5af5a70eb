//! Which node may run to what bound: the window schedule (YAWNS, as Shadow
//! and ns-3 use for distributed runs), as a value with no I/O.
//!
//! With `lbts` the earliest pending input anywhere and `lookahead` the
//! minimum cross-border message delay, every node may run to the earliest
//! time anything another node does could reach it: the others' earliest
//! pending input plus the lookahead (its own messages' answers bound it
//! further, inside `NodeRuntime::advance`). Only nodes with something due
//! before their bound are granted a window; a node alone with work runs far
//! ahead at once, and idle days are skipped in one step.
//!
//! Three drivers apply it: the async gRPC loop of `engine.rs`, the
//! exercise's session, which caps every bound at the instant the paced
//! clock has reached, and the blocking in-process loop, which needs no
//! window (no message is in flight between its calls) and takes the
//! earliest instant one at a time (`earliest_instant`). Because a grant never lets a
//! node pass an input it could still receive, where the windows split
//! changes nothing a node does: a session advanced in many small steps and
//! one advanced at once hold the same log.

use pocnet_node::SimTime;

/// Every node's next pending input, and the windows they may run.
#[derive(Debug, Clone)]
pub struct Windows {
    pending: Vec<Option<SimTime>>,
    /// The nodes with something pending, as an indexed binary min-heap on
    /// `(time, node)`: the earliest and the nodes due within a window are
    /// found without scanning every node (on a network of 92 desks the scan
    /// was a quarter of a run), and a node's time moves in place (a
    /// `BTreeSet` removing and inserting was a fifth of the engine).
    heap: Vec<(SimTime, usize)>,
    /// Where each node sits in `heap`, `ABSENT` while it is idle.
    position: Vec<usize>,
    lookahead_ms: i64,
    /// Heap positions still to look at in `next`, kept for the whole run.
    visit: Vec<usize>,
}

const ABSENT: usize = usize::MAX;

impl Windows {
    /// `pending[i]`: when node `i` next has something to do (`None`: idle).
    pub fn new(pending: Vec<Option<SimTime>>, lookahead_ms: i64) -> Windows {
        debug_assert!(lookahead_ms > 0, "validation rejects a zero minimum message delay");
        let nodes = pending.len();
        let mut windows = Windows {
            pending: vec![None; nodes],
            heap: Vec::new(),
            position: vec![ABSENT; nodes],
            lookahead_ms,
            visit: Vec::new(),
        };
        for (i, next) in pending.into_iter().enumerate() {
            windows.set(i, next);
        }
        windows
    }

    /// The earliest pending input anywhere, `None` once every node is idle.
    pub fn earliest(&self) -> Option<SimTime> {
        self.heap.first().map(|&(t, _)| t)
    }

    /// The node due earliest (the first in node order among those due
    /// then) and its instant: in process, where no message is in flight
    /// between calls, the run takes instants one at a time in this order.
    pub fn earliest_instant(&self) -> Option<(usize, SimTime)> {
        self.heap.first().map(|&(t, i)| (i, t))
    }

    /// The next window into `grants`: each node granted, with the bound it
    /// may run to (never past `cap`), in node order; the window's start (the
    /// earliest pending input), or `None` when nothing is due before `cap`.
    /// (The caller keeps the buffer, one for a whole run.)
    pub fn next(&mut self, cap: SimTime, grants: &mut Vec<(usize, SimTime)>) -> Option<SimTime> {
        grants.clear();
        let &(lbts, earliest_node) = self.heap.first()?;
        if lbts >= cap {
            return None;
        }
        // The second earliest is one of the root's children.
        let second = self.heap.get(1..3).unwrap_or(&self.heap[1..]).iter().min().map(|&(t, _)| t);
        // The earliest node runs to the others' earliest plus the lookahead;
        // every other node to the earliest's plus the lookahead, so only
        // those due before that are granted.
        let bound = |others: Option<SimTime>| others.map_or(cap, |t| t.plus_ms(self.lookahead_ms).min(cap));
        grants.push((earliest_node, bound(second)));
        let others_bound = bound(Some(lbts));
        // Below a node due at or after the bound, every node is too (the
        // heap's order): only the subtrees due before it are visited.
        self.visit.clear();
        self.visit.extend([1, 2]);
        while let Some(k) = self.visit.pop() {
            if let Some(&(t, i)) = self.heap.get(k)
                && t < others_bound
            {
                grants.push((i, others_bound));
                self.visit.extend([2 * k + 1, 2 * k + 2]);
            }
        }
        grants.sort_unstable_by_key(|&(i, _)| i);
        Some(lbts)
    }

    /// Node `i` ran its window; `next` is its earliest input after it.
    pub fn ran(&mut self, i: usize, next: Option<SimTime>) {
        self.set(i, next);
    }

    /// A message sent in the window reaches node `i` at `at`.
    pub fn arrives(&mut self, i: usize, at: SimTime) {
        self.set(i, Some(self.pending[i].map_or(at, |t| t.min(at))));
    }

    fn set(&mut self, i: usize, next: Option<SimTime>) {
        if self.pending[i] == next {
            return;
        }
        self.pending[i] = next;
        match (self.position[i], next) {
            (ABSENT, None) => {}
            (ABSENT, Some(t)) => {
                self.heap.push((t, i));
                self.position[i] = self.heap.len() - 1;
                self.sift_up(self.heap.len() - 1);
            }
            (k, None) => {
                let last = self.heap.len() - 1;
                self.swap(k, last);
                self.heap.pop();
                self.position[i] = ABSENT;
                if k < self.heap.len() {
                    let k = self.sift_up(k);
                    self.sift_down(k);
                }
            }
            (k, Some(t)) => {
                self.heap[k].0 = t;
                let k = self.sift_up(k);
                self.sift_down(k);
            }
        }
    }

    fn swap(&mut self, a: usize, b: usize) {
        self.heap.swap(a, b);
        self.position[self.heap[a].1] = a;
        self.position[self.heap[b].1] = b;
    }

    /// Moves the entry at `k` up while it is earlier than its parent; where it ends.
    fn sift_up(&mut self, mut k: usize) -> usize {
        while k > 0 {
            let parent = (k - 1) / 2;
            if self.heap[k] >= self.heap[parent] {
                break;
            }
            self.swap(k, parent);
            k = parent;
        }
        k
    }

    fn sift_down(&mut self, mut k: usize) {
        loop {
            let children = [2 * k + 1, 2 * k + 2];
            let child = match children.map(|c| self.heap.get(c)) {
                [Some(left), Some(right)] => children[usize::from(right < left)],
                [Some(_), None] => children[0],
                _ => return,
            };
            if self.heap[child] >= self.heap[k] {
                return;
            }
            self.swap(k, child);
            k = child;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPEN: SimTime = SimTime(i64::MAX);

    #[test]
    fn each_node_runs_to_the_others_earliest_input_plus_the_lookahead() {
        let mut windows = Windows::new(vec![Some(SimTime(100)), None, Some(SimTime(130)), Some(SimTime(500))], 50);
        let mut grants = Vec::new();
        assert_eq!(windows.next(OPEN, &mut grants), Some(SimTime(100)));
        assert_eq!(grants, [(0, SimTime(180)), (2, SimTime(150))]);
        windows.ran(0, None);
        windows.ran(2, Some(SimTime(140)));
        windows.arrives(1, SimTime(190));
        // Node 2 is alone below 190 + 50: it runs up to the others' earliest.
        assert_eq!(windows.next(OPEN, &mut grants), Some(SimTime(140)));
        assert_eq!(grants, [(2, SimTime(240))]);
        assert_eq!(windows.earliest(), Some(SimTime(140)));
    }

    #[test]
    fn a_cap_bounds_every_grant_and_nothing_at_or_after_it_runs() {
        let mut windows = Windows::new(vec![Some(SimTime(100)), Some(SimTime(400))], 50);
        let mut grants = Vec::new();
        assert_eq!(windows.next(SimTime(120), &mut grants), Some(SimTime(100)));
        assert_eq!(grants, [(0, SimTime(120))]);
        assert_eq!(windows.next(SimTime(100), &mut grants), None, "an input at the cap waits for the next call");
        assert!(grants.is_empty());
        let mut idle = Windows::new(vec![None, None], 50);
        assert!(idle.next(OPEN, &mut grants).is_none() && idle.earliest().is_none());
    }

    /// The windows as their definition states them, by scanning every node.
    fn by_definition(
        pending: &[Option<SimTime>],
        lookahead: i64,
        cap: SimTime,
    ) -> Option<(SimTime, Vec<(usize, SimTime)>)> {
        let mut due: Vec<(SimTime, usize)> =
            pending.iter().enumerate().filter_map(|(i, t)| t.map(|t| (t, i))).collect();
        due.sort();
        let &(lbts, first) = due.first()?;
        if lbts >= cap {
            return None;
        }
        let bound = |t: Option<SimTime>| t.map_or(cap, |t| t.plus_ms(lookahead).min(cap));
        let mut grants = vec![(first, bound(due.get(1).map(|&(t, _)| t)))];
        grants.extend(due[1..].iter().filter(|&&(t, _)| t < bound(Some(lbts))).map(|&(_, i)| (i, bound(Some(lbts)))));
        grants.sort();
        Some((lbts, grants))
    }

    #[test]
    fn the_indexed_heap_grants_what_the_definition_does_through_random_updates() {
        use rand::{RngExt, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        for nodes in [1, 2, 3, 7, 40] {
            let random_time = |rng: &mut rand_chacha::ChaCha8Rng| {
                // Few distinct times, so that ties are common.
                rng.random_bool(0.8).then(|| SimTime(rng.random_range(0..30) * 10))
            };
            let mut pending: Vec<Option<SimTime>> = (0..nodes).map(|_| random_time(&mut rng)).collect();
            let mut windows = Windows::new(pending.clone(), 25);
            let mut grants = Vec::new();
            for _ in 0..2_000 {
                let i = rng.random_range(0..nodes);
                match rng.random_range(0..3) {
                    0 => {
                        let next = random_time(&mut rng);
                        windows.ran(i, next);
                        pending[i] = next;
                    }
                    1 => {
                        let at = SimTime(rng.random_range(0..30) * 10);
                        windows.arrives(i, at);
                        pending[i] = Some(pending[i].map_or(at, |t| t.min(at)));
                    }
                    _ => {
                        let cap = if rng.random_bool(0.5) { OPEN } else { SimTime(rng.random_range(0..300)) };
                        let expected = by_definition(&pending, 25, cap);
                        let start = windows.next(cap, &mut grants);
                        assert_eq!(start.map(|s| (s, grants.clone())), expected);
                    }
                }
                assert_eq!(windows.earliest(), pending.iter().flatten().min().copied());
            }
        }
    }
}
