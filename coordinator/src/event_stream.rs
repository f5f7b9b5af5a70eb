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
use std::cmp::Reverse;
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

/// An event's place in the log: `(at, country's order key, sequence)`.
type LogOrder = (SimTime, u64, u64);

/// Holds events until no earlier one can still happen, then passes them on
/// in order. The heap orders small keys; the events wait in a slab and are
/// moved once in and once out, never while the heap sifts.
pub(crate) struct InOrder<'s, S: EventSink + ?Sized> {
    /// `(at, country's order key, sequence)` and the event's slot. Keys are
    /// unique (a node never reuses an event sequence), so the order is
    /// total; the country's order key is a number that orders as the code
    /// does, so the heap compares no strings.
    waiting: BinaryHeap<Reverse<(LogOrder, u32)>>,
    slab: Vec<Option<Event>>,
    free: Vec<u32>,
    sink: &'s mut S,
    /// The last event passed on, to check (in debug builds) that the order holds.
    #[cfg(debug_assertions)]
    last: Option<(SimTime, pocnet_node::CountryCode, u64)>,
}

impl<'s, S: EventSink + ?Sized> InOrder<'s, S> {
    pub fn new(sink: &'s mut S) -> Self {
        InOrder {
            waiting: BinaryHeap::new(),
            slab: Vec::new(),
            free: Vec::new(),
            sink,
            #[cfg(debug_assertions)]
            last: None,
        }
    }

    pub fn hold(&mut self, events: impl IntoIterator<Item = Event>) {
        for event in events {
            let key = (event.at, event.country.order_key(), event.sequence);
            let slot = match self.free.pop() {
                Some(slot) => {
                    self.slab[slot as usize] = Some(event);
                    slot
                }
                None => {
                    self.slab.push(Some(event));
                    u32::try_from(self.slab.len() - 1).expect("fewer than 4 billion events wait at once")
                }
            };
            self.waiting.push(Reverse((key, slot)));
        }
    }

    /// Passes on every event before `horizon`: the earliest time anything still pending can happen.
    pub fn release_before(&mut self, horizon: SimTime) {
        while self.waiting.peek().is_some_and(|Reverse(((at, _, _), _))| *at < horizon) {
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
        let Some(Reverse((_, slot))) = self.waiting.pop() else { return };
        let event = self.slab[slot as usize].take().expect("every key's event waits in its slot");
        self.free.push(slot);
        #[cfg(debug_assertions)]
        {
            let key = (event.at, event.country, event.sequence);
            assert!(self.last.as_ref().is_none_or(|last| *last < key), "an event passed on out of order: {key:?}");
            self.last = Some(key);
        }
        self.sink.record(event);
    }
}
