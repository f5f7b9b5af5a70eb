//! The event log: what happened, where and when, in simulated time.
//!
//! Domain outcomes (an expired log, a late answer) are events, never errors;
//! the coordinator builds the whole report from these.

use crate::{Answer, CarrierId, CountryCode, IncidentId, NextHop, Offence, ProductionChannel, SimTime};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    pub at: SimTime,
    /// The country whose point of contact recorded the event.
    pub country: CountryCode,
    /// The recording node's event counter; `(at, country, sequence)` orders the log totally.
    pub sequence: u64,
    pub incident: IncidentId,
    pub hop: u32,
    #[serde(flatten)]
    pub kind: EventKind,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventKind {
    IncidentReported,
    /// The reporting country's first request is prepared (and signed off).
    RequestPrepared,
    RequestSent {
        to: CountryCode,
        carrier: CarrierId,
    },
    RequestReceived {
        from: CountryCode,
        carrier: CarrierId,
    },
    /// An emergency disclosure request reached the carrier itself, not the
    /// point of contact: the provider takes them directly.
    ProviderRequestReceived {
        from: CountryCode,
        carrier: CarrierId,
    },
    Acknowledged {
        requester: CountryCode,
    },
    PreservationOrdered {
        carrier: CarrierId,
    },
    Preserved {
        carrier: CarrierId,
        until: SimTime,
    },
    LogsExpired {
        carrier: CarrierId,
        expired_at: SimTime,
    },
    /// The carrier keeps no logs at all.
    NoLogs {
        carrier: CarrierId,
    },
    /// The directory entry for `to` was stale: the attempt failed, the fallback channel followed.
    DirectoryStale {
        to: CountryCode,
    },
    /// A message to `to` was lost and resent after the sender's timeout.
    MessageLost {
        to: CountryCode,
    },
    /// The request was refused under a dual-criminality reservation.
    Refused {
        carrier: CarrierId,
        offence: Offence,
    },
    /// The carrier's logs cannot single out a subscriber (carrier-grade NAT
    /// without the source port): the trail ends, nobody identified.
    Unidentified {
        carrier: CarrierId,
    },
    /// The request named the wrong moment: the carrier's data names someone
    /// who had nothing to do with the communication.
    /// The request was refused on Art. 29(5) grounds (political offence,
    /// sovereignty, security, ordre public, essential interests).
    RefusedOnGrounds {
        carrier: CarrierId,
    },
    Misidentified {
        carrier: CarrierId,
    },
    Disclosed {
        carrier: CarrierId,
        next_hop: NextHop,
    },
    /// The carrier's traffic data shows the communication came from its own
    /// subscriber: the origin is found and its data held. Who the
    /// subscriber is comes later, through a production channel.
    OriginFound {
        carrier: CarrierId,
    },
    /// An answer (acknowledgement, result, disclosure) reached the reporting country.
    AnswerReceived {
        from: CountryCode,
        answer: Answer,
    },
    ConfirmationSent {
        to: CountryCode,
    },
    ConfirmationReceived {
        from: CountryCode,
        request_sent_at: SimTime,
    },
    /// An MLA request or production order sent to `to`.
    ProductionRequested {
        to: CountryCode,
        channel: ProductionChannel,
    },
    /// The preserved data was produced to `to` under its production request.
    Produced {
        to: CountryCode,
        channel: ProductionChannel,
    },
    /// The requested desk sent a defective request back to `to` for clarification.
    ClarificationAsked {
        to: CountryCode,
    },
    /// The requester answered the request for clarification.
    ClarificationGiven {
        to: CountryCode,
    },
    /// The hold was renewed on the requester's request, before it lapsed.
    HoldRenewed {
        from: CountryCode,
        until: SimTime,
    },
    /// The requesting country decided not to pursue production of the data held for it.
    ProductionNotPursued {
        to: CountryCode,
    },
    ProductionRequestReceived {
        from: CountryCode,
        channel: ProductionChannel,
        hold_until: SimTime,
    },
    /// The provider declined a voluntary request from `from`: it answers
    /// only part of them, by its own policy.
    ProductionDeclined {
        from: CountryCode,
        channel: ProductionChannel,
    },
    /// The requester gave up a formal request for production to `to`,
    /// unanswered after as long as its law or practice waits.
    ProductionAbandoned {
        to: CountryCode,
        channel: ProductionChannel,
    },
}

impl std::fmt::Display for EventKind {
    /// Instants inside the text read as time since the scenario's epoch;
    /// [`EventKind::describe`] dates them where a clock is at hand.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe(&|at: SimTime| {
            let minutes = at.ms().div_euclid(60_000);
            format!("day {} {:02}:{:02} after the epoch", minutes / (24 * 60), minutes / 60 % 24, minutes % 60)
        }))
    }
}

impl EventKind {
    /// The event in words, with the instants it names written by `instant`
    /// (a date in the country's local time, in logs and consoles).
    pub fn describe(&self, instant: &dyn Fn(SimTime) -> String) -> String {
        let mut text = String::new();
        let _ = self.write(&mut text, instant);
        text
    }

    fn write(&self, f: &mut dyn std::fmt::Write, instant: &dyn Fn(SimTime) -> String) -> std::fmt::Result {
        match self {
            EventKind::IncidentReported => write!(f, "incident reported to the point of contact"),
            EventKind::RequestPrepared => write!(f, "request prepared for the point of contact to send"),
            EventKind::ProviderRequestReceived { from, carrier } => {
                write!(f, "emergency disclosure request from {from} received by {carrier} directly")
            }
            EventKind::RequestSent { to, carrier } => {
                write!(f, "preservation request sent to {to} for {carrier}")
            }
            EventKind::RequestReceived { from, carrier } => {
                write!(f, "preservation request received from {from} for {carrier}")
            }
            EventKind::Acknowledged { requester } => {
                write!(f, "request from {requester} acknowledged")
            }
            EventKind::PreservationOrdered { carrier } => {
                write!(f, "{carrier} ordered to preserve")
            }
            EventKind::Preserved { carrier, until } => {
                write!(f, "{carrier} preserved its logs (held until {})", instant(*until))
            }
            EventKind::LogsExpired { carrier, expired_at } => {
                write!(f, "{carrier} had already deleted its logs (at {})", instant(*expired_at))
            }
            EventKind::NoLogs { carrier } => write!(f, "{carrier} keeps no logs: nothing to preserve"),
            EventKind::DirectoryStale { to } => write!(f, "directory entry for {to} stale: fallback channel"),
            EventKind::MessageLost { to } => write!(f, "message to {to} lost: resent after the timeout"),
            EventKind::Refused { carrier, offence } => {
                write!(f, "request for {carrier} refused: `{offence}` is outside the dual-criminality reservation")
            }
            EventKind::Unidentified { carrier } => {
                write!(f, "{carrier} cannot single out a subscriber (carrier-grade NAT without source port)")
            }
            EventKind::RefusedOnGrounds { carrier } => {
                write!(f, "request for {carrier} refused on Art. 29(5) grounds")
            }
            EventKind::Misidentified { carrier } => {
                write!(f, "{carrier} matched the wrong moment (timestamp or time zone error): someone else named")
            }
            EventKind::Disclosed { carrier, next_hop } => {
                write!(f, "{carrier} traffic data disclosed: previous hop {} in {}", next_hop.carrier, next_hop.country)
            }
            EventKind::OriginFound { carrier } => {
                write!(f, "{carrier} traced the communication to its own subscriber: origin found, data held")
            }
            EventKind::AnswerReceived { from, answer } => {
                write!(f, "{answer} received from {from}")
            }
            EventKind::ConfirmationSent { to } => write!(f, "written confirmation sent to {to}"),
            EventKind::ConfirmationReceived { from, .. } => {
                write!(f, "written confirmation received from {from}")
            }
            EventKind::Produced { to, channel } => {
                write!(f, "preserved data produced to {to} under {}", channel.description())
            }
            EventKind::ProductionRequested { to, channel } => {
                write!(f, "{} request sent to {to}", channel.description())
            }
            EventKind::ProductionNotPursued { to } => write!(f, "production from {to} not pursued"),
            EventKind::ClarificationAsked { to } => write!(f, "defective request sent back to {to} for clarification"),
            EventKind::ClarificationGiven { to } => write!(f, "clarification sent to {to}"),
            EventKind::HoldRenewed { from, until } => {
                write!(f, "hold renewed at the request of {from} (until {})", instant(*until))
            }
            EventKind::ProductionRequestReceived { from, channel, .. } => {
                write!(f, "{} request received from {from}", channel.description())
            }
            EventKind::ProductionDeclined { from, channel } => {
                write!(f, "{} declined to {from}", channel.description())
            }
            EventKind::ProductionAbandoned { to, channel } => {
                write!(f, "{} request to {to} abandoned, unanswered", channel.description())
            }
        }
    }
}
