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
use std::collections::BTreeSet;

/// Every node's next pending input, and the windows they may run.
#[derive(Debug, Clone)]
pub struct Windows {
    pending: Vec<Option<SimTime>>,
    /// The same, ordered by time (then node): the earliest and the nodes
    /// due within a window are found without scanning every node, which
    /// on a network of 92 desks was a quarter of a run.
    due: BTreeSet<(SimTime, usize)>,
    lookahead_ms: i64,
}

impl Windows {
    /// `pending[i]`: when node `i` next has something to do (`None`: idle).
    pub fn new(pending: Vec<Option<SimTime>>, lookahead_ms: i64) -> Windows {
        debug_assert!(lookahead_ms > 0, "validation rejects a zero minimum message delay");
        let due = pending.iter().enumerate().filter_map(|(i, t)| t.map(|t| (t, i))).collect();
        Windows { pending, due, lookahead_ms }
    }

    /// The earliest pending input anywhere, `None` once every node is idle.
    pub fn earliest(&self) -> Option<SimTime> {
        self.due.first().map(|&(t, _)| t)
    }

    /// The next window into `grants`: each node granted, with the bound it
    /// may run to (never past `cap`), in node order; the window's start (the
    /// earliest pending input), or `None` when nothing is due before `cap`.
    /// (The caller keeps the buffer, one for a whole run.)
    pub fn next(&mut self, cap: SimTime, grants: &mut Vec<(usize, SimTime)>) -> Option<SimTime> {
        grants.clear();
        let mut ordered = self.due.iter();
        let &(lbts, earliest_node) = ordered.next()?;
        if lbts >= cap {
            return None;
        }
        let second = ordered.next().map(|&(t, _)| t);
        // The earliest node runs to the others' earliest plus the lookahead;
        // every other node to the earliest's plus the lookahead, so only
        // those due before that are granted.
        let bound = |others: Option<SimTime>| others.map_or(cap, |t| t.plus_ms(self.lookahead_ms).min(cap));
        grants.push((earliest_node, bound(second)));
        let others_bound = bound(Some(lbts));
        for &(t, i) in self.due.range((lbts, earliest_node + 1)..) {
            if t >= others_bound {
                break;
            }
            grants.push((i, others_bound));
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
        if let Some(was) = self.pending[i] {
            self.due.remove(&(was, i));
        }
        if let Some(next) = next {
            self.due.insert((next, i));
        }
        self.pending[i] = next;
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
}
