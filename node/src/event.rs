//! The event log: what happened, where and when, in simulated time.
//!
//! Domain outcomes (an expired log, a late answer) are events, never errors;
//! the coordinator builds the whole report from these.

use crate::{CarrierId, CountryCode, NextHop, SimTime};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    pub at: SimTime,
    /// The country whose point of contact recorded the event.
    pub country: CountryCode,
    /// The recording node's event counter; `(at, country, sequence)` orders the log totally.
    pub sequence: u64,
    pub incident: String,
    pub hop: u32,
    #[serde(flatten)]
    pub kind: EventKind,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventKind {
    IncidentReported,
    RequestSent { to: CountryCode, carrier: CarrierId },
    RequestReceived { from: CountryCode, carrier: CarrierId },
    Acknowledged { requester: CountryCode },
    PreservationOrdered { carrier: CarrierId },
    Preserved { carrier: CarrierId, until: SimTime },
    LogsExpired { carrier: CarrierId, expired_at: SimTime },
    Disclosed { carrier: CarrierId, next_hop: NextHop },
    OriginIdentified { carrier: CarrierId },
    /// An answer (acknowledgement, result, disclosure) reached the reporting country.
    AnswerReceived { from: CountryCode, answer: String },
    ConfirmationSent { to: CountryCode },
    ConfirmationReceived { from: CountryCode, request_sent_at: SimTime },
    MlaSent { to: CountryCode },
    MlaReceived { from: CountryCode, hold_until: SimTime },
}

impl Event {
    pub fn sort_key(&self) -> (SimTime, &CountryCode, u64) {
        (self.at, &self.country, self.sequence)
    }
}
