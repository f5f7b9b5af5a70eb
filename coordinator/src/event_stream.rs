//! The event log as a stream: events reach their consumer in the log's total
//! order `(at, country, sequence)` while the run goes on, so a run need not
//! hold its whole history (a 100,000-incident run has millions of events).
//!
//! Nodes run ahead of each other, so a window's events are not yet in order
//! with those still to come. They wait in [`InOrder`] until the run's horizon
//! passes them: every event still to happen is recorded while a node handles
//! an input, at that input's time, which is never before the earliest input
//! pending anywhere.

use pocnet_node::{Event, SimTime};
use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

/// Receives the event log, one event at a time, in its total order.
pub trait EventSink {
    fn record(&mut self, event: Event);
}

/// Keeping the whole log, for the JSON report and tests.
impl EventSink for Vec<Event> {
    fn record(&mut self, event: Event) {
        self.push(event);
    }
}

/// Holds events until no earlier one can still happen, then passes them on in order.
pub(crate) struct InOrder<'s, S: EventSink + ?Sized> {
    waiting: BinaryHeap<Reverse<ByLogOrder>>,
    sink: &'s mut S,
    /// The last event passed on, to check (in debug builds) that the order holds.
    #[cfg(debug_assertions)]
    last: Option<(SimTime, pocnet_node::CountryCode, u64)>,
}

impl<'s, S: EventSink + ?Sized> InOrder<'s, S> {
    pub fn new(sink: &'s mut S) -> Self {
        InOrder {
            waiting: BinaryHeap::new(),
            sink,
            #[cfg(debug_assertions)]
            last: None,
        }
    }

    pub fn hold(&mut self, events: impl IntoIterator<Item = Event>) {
        self.waiting.extend(events.into_iter().map(|e| Reverse(ByLogOrder::new(e))));
    }

    /// Passes on every event before `horizon`: the earliest time anything still pending can happen.
    pub fn release_before(&mut self, horizon: SimTime) {
        while self.waiting.peek().is_some_and(|Reverse(waiting)| waiting.event.at < horizon) {
            self.release_first();
        }
    }

    /// At the end of the run: nothing more can happen.
    pub fn release_all(&mut self) {
        while !self.waiting.is_empty() {
            self.release_first();
        }
    }

    fn release_first(&mut self) {
        let Some(Reverse(ByLogOrder { event, .. })) = self.waiting.pop() else { return };
        #[cfg(debug_assertions)]
        {
            let key = (event.at, event.country.clone(), event.sequence);
            assert!(self.last.as_ref().is_none_or(|last| *last < key), "an event passed on out of order: {key:?}");
            self.last = Some(key);
        }
        self.sink.record(event);
    }
}

/// Keys are unique (a node never reuses an event sequence), so this order is
/// total. The country is compared as its order key, a number that orders as
/// the code does, so the heap compares no strings.
struct ByLogOrder {
    key: (SimTime, u64, u64),
    event: Event,
}

impl ByLogOrder {
    fn new(event: Event) -> Self {
        ByLogOrder { key: (event.at, event.country.order_key(), event.sequence), event }
    }
}

impl PartialEq for ByLogOrder {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for ByLogOrder {}

impl PartialOrd for ByLogOrder {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for ByLogOrder {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key.cmp(&other.key)
    }
}
