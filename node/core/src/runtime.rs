//! Orders a point of contact's inputs in simulated time and runs it window by window.
//!
//! The coordinator grants windows `[.., until)`; the runtime runs every timer
//! and message due before `until` in a total order `(time, source, sequence)`,
//! so the result does not depend on the order messages arrived over the
//! network. Still sans-IO: both drivers (in-process and gRPC) use it as is.

use crate::contact_point::{ContactPoint, Input, NodeConfig, Output, Timer};
use crate::{Body, CountryCode, Envelope, Event, SimTime};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// What one window produced: messages to deliver to other nodes, events to
/// log, and (for a desk a person plays) the steps now waiting for them.
#[derive(Debug, Default)]
pub struct WindowOutcome {
    pub sent: Vec<Envelope>,
    pub events: Vec<Event>,
    pub awaiting: Vec<(SimTime, Timer)>,
}

/// A person's action arrived for an instant this node has already passed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("an action at simulated ms {at} is before this node's simulated time {now}")]
pub struct TooLate {
    pub at: i64,
    pub now: i64,
}

/// Why a message was refused; nothing is queued when one is returned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeliveryError {
    #[error("message addressed to {to}, but this node is {me}")]
    WrongAddressee { to: CountryCode, me: CountryCode },
    #[error("deliver_at_ms {deliver_at} is before this node's simulated time {now}")]
    InThePast { deliver_at: i64, now: i64 },
    #[error(
        "deliver_at_ms {deliver_at} is less than the minimum message delay ({min_ms} ms) after sent_at_ms {sent_at}"
    )]
    FasterThanLookahead { sent_at: i64, deliver_at: i64, min_ms: i64 },
    #[error("carrier `{carrier}` is not a carrier of {me}")]
    UnknownCarrier { carrier: String, me: CountryCode },
    #[error("carrier `{carrier}` holds no record of hop {hop} of incident `{incident}`")]
    NoRecord { carrier: String, incident: String, hop: u32 },
    #[error("hop {hop} of incident `{incident}` was already requested")]
    DuplicateRequest { incident: String, hop: u32 },
    #[error("incident `{incident}` was not reported by {me}, so it expects no {answer}")]
    NotReportedHere { incident: String, me: CountryCode, answer: &'static str },
    #[error("hop {hop} of incident `{incident}` was never requested from {me}")]
    UnknownCase { incident: String, hop: u32, me: CountryCode },
}

impl DeliveryError {
    /// The protobuf field at fault, for `INVALID_ARGUMENT` answers.
    pub fn field(&self) -> &'static str {
        match self {
            DeliveryError::WrongAddressee { .. } => "to",
            DeliveryError::InThePast { .. } | DeliveryError::FasterThanLookahead { .. } => "deliver_at_ms",
            DeliveryError::UnknownCarrier { .. } => "preservation_request.carrier",
            DeliveryError::NoRecord { .. } | DeliveryError::NotReportedHere { .. } => "incident",
            DeliveryError::DuplicateRequest { .. } | DeliveryError::UnknownCase { .. } => "hop",
        }
    }
}

/// An agenda entry: the total order `(time, source, sequence)` as plain
/// numbers, and the slot where its input waits. The heap moves these 32
/// bytes, never the inputs themselves.
type Entry = Reverse<(SimTime, u64, u64, u32)>;

/// An input as it waits in the agenda. A message is boxed: it is the
/// larger (160 bytes, a timer 88) and the rarer, and a node holds its
/// pending timers for months (ten per incident at a run's peak), so every
/// slot would otherwise be a message's size.
enum Queued {
    Message(Box<Envelope>),
    Timer(Timer),
}

pub struct NodeRuntime {
    machine: ContactPoint,
    agenda: BinaryHeap<Entry>,
    /// The inputs the agenda refers to, by slot; `free` lists empty slots.
    inputs: Vec<Option<Queued>>,
    free: Vec<u32>,
    /// Everything before this time has run; no input may be scheduled before it.
    now: SimTime,
    next_timer_sequence: u64,
    /// The machine's outputs for one input, emptied after each: reused.
    outputs: Vec<Output>,
}

impl NodeRuntime {
    pub fn new(config: NodeConfig) -> Self {
        let mut machine = ContactPoint::new(config);
        let start = machine.start();
        let mut runtime = NodeRuntime {
            machine,
            agenda: BinaryHeap::new(),
            inputs: Vec::new(),
            free: Vec::new(),
            now: SimTime::ZERO,
            next_timer_sequence: 0,
            outputs: Vec::new(),
        };
        let mut ignored = WindowOutcome::default();
        runtime.apply(start, &mut ignored);
        debug_assert!(ignored.sent.is_empty() && ignored.events.is_empty());
        runtime
    }

    pub fn country(&self) -> &CountryCode {
        self.machine.code()
    }

    /// The earliest input still queued, `None` when the node is idle.
    pub fn next_event_time(&self) -> Option<SimTime> {
        self.agenda.peek().map(|Reverse((at, ..))| *at)
    }

    /// Inputs waiting: timers and messages.
    pub fn queued(&self) -> usize {
        self.agenda.len()
    }

    /// Queues a message from another node after checking it makes sense here.
    pub fn deliver(&mut self, envelope: Envelope) -> Result<(), DeliveryError> {
        self.check(&envelope)?;
        if let Body::PreservationRequest { .. } = envelope.body {
            self.machine.accept_request(&envelope.incident, envelope.hop);
        }
        let key = (envelope.deliver_at, envelope.from.order_key(), envelope.sequence);
        self.schedule(key, Queued::Message(Box::new(envelope)));
        Ok(())
    }

    /// Runs every input due strictly before `until`, or before an earlier
    /// bound this window's own messages set.
    ///
    /// The coordinator's `until` is the earliest time anything another node
    /// does could reach this one. A message this node sends at `t` could draw
    /// an answer back no sooner than `t + 2 × min_message_delay` (one delay
    /// out, one back), so each message sent lowers the bound to its arrival
    /// plus the minimum delay. A node alone with work thus runs far ahead in
    /// one call, and still never past an input it could yet receive.
    pub fn advance(&mut self, until: SimTime) -> WindowOutcome {
        let mut outcome = WindowOutcome::default();
        self.advance_into(until, &mut outcome);
        outcome
    }

    /// The same, appending to the caller's outcome: a driver that empties
    /// it after each window reuses its vectors instead of allocating new ones.
    pub fn advance_into(&mut self, until: SimTime, outcome: &mut WindowOutcome) {
        let mut bound = until;
        let echo_ms = self.machine.min_message_delay_ms();
        while let Some(&Reverse((at, _, _, slot))) = self.agenda.peek() {
            if at >= bound {
                break;
            }
            self.agenda.pop();
            self.free.push(slot);
            // An empty slot held a step a person took over from the bot.
            let Some(queued) = self.inputs[slot as usize].take() else { continue };
            let input = match queued {
                Queued::Message(envelope) => Input::Message(*envelope),
                Queued::Timer(timer) => Input::Timer(timer),
            };
            self.now = at;
            let sent_before = outcome.sent.len();
            let mut outputs = std::mem::take(&mut self.outputs);
            self.machine.handle_into(at, input, &mut outputs);
            self.apply(outputs.drain(..), outcome);
            self.outputs = outputs;
            for envelope in &outcome.sent[sent_before..] {
                bound = bound.min(envelope.deliver_at.plus_ms(echo_ms));
            }
        }
        self.now = self.now.max(bound);
    }

    fn apply(&mut self, outputs: impl IntoIterator<Item = Output>, outcome: &mut WindowOutcome) {
        for output in outputs {
            match output {
                Output::Send(envelope) => outcome.sent.push(envelope),
                Output::Record(event) => outcome.events.push(event),
                Output::Await(timer) => outcome.awaiting.push((self.now, timer)),
                Output::SetTimer { at, timer } => {
                    debug_assert!(at >= self.now, "timers never fire in the past");
                    self.schedule_timer(at, timer);
                }
            }
        }
    }

    /// The time before which this node has run everything.
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Whether a person plays this desk.
    pub fn is_manual(&self) -> bool {
        self.machine.is_manual()
    }

    /// A person's action: the step they take, at the instant they took it.
    pub fn act(&mut self, at: SimTime, timer: Timer) -> Result<(), TooLate> {
        if at < self.now {
            return Err(TooLate { at: at.ms(), now: self.now.ms() });
        }
        self.schedule_timer(at, timer);
        Ok(())
    }

    /// A person takes the desk over: the steps its bot had scheduled wait
    /// for them instead, returned in the order the bot would have taken them.
    pub fn hand_to_person(&mut self) -> Vec<Timer> {
        self.machine.set_manual(true);
        let mut scheduled: Vec<(SimTime, u64, u64, u32)> =
            self.agenda.iter().map(|Reverse(key)| *key).filter(|key| self.is_desk_step_at(key.3)).collect();
        scheduled.sort_unstable();
        scheduled
            .into_iter()
            .filter_map(|(.., slot)| match self.inputs[slot as usize].take() {
                Some(Queued::Timer(timer)) => Some(timer),
                _ => None,
            })
            .collect()
    }

    /// A bot takes the desk over at `now`, with the steps that were waiting
    /// for the person: it takes each on its own clock from then.
    pub fn hand_to_bot(&mut self, now: SimTime, waiting: Vec<Timer>) -> Result<(), TooLate> {
        if now < self.now {
            return Err(TooLate { at: now.ms(), now: self.now.ms() });
        }
        self.machine.set_manual(false);
        for timer in waiting {
            let at = self.machine.bot_time(now, &timer);
            self.schedule_timer(at, timer);
        }
        Ok(())
    }

    fn is_desk_step_at(&self, slot: u32) -> bool {
        matches!(&self.inputs[slot as usize], Some(Queued::Timer(timer)) if timer.is_desk_step())
    }

    fn schedule_timer(&mut self, at: SimTime, timer: Timer) {
        let sequence = self.next_timer_sequence;
        self.next_timer_sequence += 1;
        let key = (at, self.machine.code().order_key(), sequence);
        self.schedule(key, Queued::Timer(timer));
    }

    fn schedule(&mut self, (at, source, sequence): (SimTime, u64, u64), input: Queued) {
        let slot = match self.free.pop() {
            Some(slot) => {
                self.inputs[slot as usize] = Some(input);
                slot
            }
            None => {
                self.inputs.push(Some(input));
                u32::try_from(self.inputs.len() - 1).expect("fewer than 4 billion inputs queued at once")
            }
        };
        self.agenda.push(Reverse((at, source, sequence, slot)));
    }

    fn check(&self, envelope: &Envelope) -> Result<(), DeliveryError> {
        let me = self.machine.code();
        if &envelope.to != me || &envelope.from == me {
            return Err(DeliveryError::WrongAddressee { to: envelope.to, me: *me });
        }
        if envelope.deliver_at < self.now {
            return Err(DeliveryError::InThePast { deliver_at: envelope.deliver_at.ms(), now: self.now.ms() });
        }
        let min_ms = self.machine.min_message_delay_ms();
        if envelope.deliver_at.since(envelope.sent_at) < min_ms {
            return Err(DeliveryError::FasterThanLookahead {
                sent_at: envelope.sent_at.ms(),
                deliver_at: envelope.deliver_at.ms(),
                min_ms,
            });
        }
        let incident = &envelope.incident;
        let hop = envelope.hop;
        let unknown_case = || DeliveryError::UnknownCase { incident: incident.to_string(), hop, me: *me };
        match &envelope.body {
            Body::PreservationRequest { carrier, .. } => {
                if !self.machine.has_carrier(carrier) {
                    return Err(DeliveryError::UnknownCarrier { carrier: carrier.to_string(), me: *me });
                }
                if !self.machine.has_log(incident, hop, carrier) {
                    return Err(DeliveryError::NoRecord {
                        carrier: carrier.to_string(),
                        incident: incident.to_string(),
                        hop,
                    });
                }
                if self.machine.has_case(incident, hop) || self.machine.was_requested(incident, hop) {
                    return Err(DeliveryError::DuplicateRequest { incident: incident.to_string(), hop });
                }
            }
            Body::Acknowledgement | Body::PreservationResult(_) | Body::Disclosure { .. } | Body::Production => {
                if !self.machine.reported_here(incident) {
                    return Err(DeliveryError::NotReportedHere {
                        incident: incident.to_string(),
                        me: *me,
                        answer: envelope.body.name(),
                    });
                }
            }
            // A confirmation or MLA request may overtake its request only if
            // the request is already queued here.
            // A request for clarification answers a request this node sent.
            Body::Clarification => {
                if !self.machine.has_begun(incident, hop) {
                    return Err(unknown_case());
                }
            }
            Body::WrittenConfirmation { .. } | Body::ProductionRequest { .. } | Body::HoldRenewal | Body::Clarified => {
                if !self.machine.has_case(incident, hop) && !self.machine.was_requested(incident, hop) {
                    return Err(unknown_case());
                }
            }
        }
        Ok(())
    }
}
