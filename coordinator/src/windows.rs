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
//! Three drivers apply it: the blocking in-process loop and the async gRPC
//! loop of `engine.rs`, and the exercise's session, which caps every bound
//! at the instant the paced clock has reached. Because a grant never lets a
//! node pass an input it could still receive, where the windows split
//! changes nothing a node does: a session advanced in many small steps and
//! one advanced at once hold the same log.

use pocnet_node::SimTime;

/// Every node's next pending input, and the windows they may run.
#[derive(Debug, Clone)]
pub struct Windows {
    pending: Vec<Option<SimTime>>,
    lookahead_ms: i64,
}

impl Windows {
    /// `pending[i]`: when node `i` next has something to do (`None`: idle).
    pub fn new(pending: Vec<Option<SimTime>>, lookahead_ms: i64) -> Windows {
        debug_assert!(lookahead_ms > 0, "validation rejects a zero minimum message delay");
        Windows { pending, lookahead_ms }
    }

    /// The earliest pending input anywhere, `None` once every node is idle.
    pub fn earliest(&self) -> Option<SimTime> {
        self.pending.iter().flatten().min().copied()
    }

    /// The next window into `grants`: each node granted, with the bound it
    /// may run to (never past `cap`), in node order; the window's start (the
    /// earliest pending input), or `None` when nothing is due before `cap`.
    /// (The caller keeps the buffer, one for a whole run.)
    pub fn next(&mut self, cap: SimTime, grants: &mut Vec<(usize, SimTime)>) -> Option<SimTime> {
        grants.clear();
        let (Some((earliest_node, lbts)), second) = two_earliest(&self.pending) else { return None };
        if lbts >= cap {
            return None;
        }
        for (i, next) in self.pending.iter().enumerate() {
            let others = if i == earliest_node { second } else { Some(lbts) };
            let bound = others.map_or(cap, |t| t.plus_ms(self.lookahead_ms).min(cap));
            if next.is_some_and(|t| t < bound) {
                grants.push((i, bound));
            }
        }
        debug_assert!(!grants.is_empty(), "the earliest node is always granted past its input");
        Some(lbts)
    }

    /// Node `i` ran its window; `next` is its earliest input after it.
    pub fn ran(&mut self, i: usize, next: Option<SimTime>) {
        self.pending[i] = next;
    }

    /// A message sent in the window reaches node `i` at `at`.
    pub fn arrives(&mut self, i: usize, at: SimTime) {
        self.pending[i] = Some(self.pending[i].map_or(at, |t| t.min(at)));
    }
}

/// The node with the earliest pending input and its time, and the second
/// earliest time among the other nodes.
fn two_earliest(pending: &[Option<SimTime>]) -> (Option<(usize, SimTime)>, Option<SimTime>) {
    let mut first: Option<(usize, SimTime)> = None;
    let mut second: Option<SimTime> = None;
    for (i, next) in pending.iter().enumerate() {
        let Some(t) = *next else { continue };
        match first {
            Some((_, f)) if t >= f => second = Some(second.map_or(t, |s| s.min(t))),
            _ => {
                if let Some((_, f)) = first {
                    second = Some(second.map_or(f, |s| s.min(f)));
                }
                first = Some((i, t));
            }
        }
    }
    (first, second)
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
}
