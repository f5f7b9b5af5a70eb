//! Messages one point of contact sends another across a border.

use crate::{Answer, CarrierId, CountryCode, IncidentId, Offence, ProductionChannel, SimTime};
use serde::Serialize;

/// A cross-border message with its addressing and simulated timing.
#[derive(Debug, Clone, PartialEq)]
pub struct Envelope {
    pub from: CountryCode,
    pub to: CountryCode,
    /// The sender's outgoing counter: with `from`, it totally orders messages
    /// that arrive at the same millisecond, whatever order the network
    /// delivered them in.
    pub sequence: u64,
    pub sent_at: SimTime,
    pub deliver_at: SimTime,
    pub incident: IncidentId,
    /// Position in the chain; 0 is the carrier nearest the victim.
    pub hop: u32,
    pub body: Body,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// Budapest Art. 29: preserve what `carrier` holds about the incident;
    /// `languages` are those the request can be read in (the requesting
    /// desk's), `offence` the Budapest category investigated, `emergency` a
    /// threat to life (Second Protocol Art. 9).
    PreservationRequest {
        carrier: CarrierId,
        reporting_country: CountryCode,
        languages: Vec<String>,
        offence: Option<Offence>,
        emergency: bool,
        /// The requester gave the wrong timestamp or time zone for the communication.
        timestamp_error: bool,
        /// Wrong identifiers or an over-broad scope: the requested desk asks back first.
        defect: bool,
        /// Part of a coordinated request, by the sender's number: taken up as one.
        batch: Option<u64>,
        /// An emergency disclosure request straight to a provider that takes
        /// them, not through the point of contact.
        to_provider: bool,
    },
    Acknowledgement,
    PreservationResult(PreservationOutcome),
    /// Budapest Art. 30: what the carrier's traffic data shows.
    Disclosure {
        finding: Finding,
        forwarded: bool,
    },
    /// Action Plan 8: the written confirmation of an expedited request.
    WrittenConfirmation {
        request_sent_at: SimTime,
    },
    /// The formal request or order to produce the preserved data: an MLA
    /// request (Art. 31) or a European Production Order.
    ProductionRequest {
        channel: ProductionChannel,
    },
    /// The preserved data, produced under the production request.
    Production,
    /// The requester asks for the hold to be renewed before it lapses
    /// (Art. 29(7), 18 U.S.C. 2703(f): 90 + 90 days).
    HoldRenewal,
    /// The requested desk asks the requester to put a defective request right.
    Clarification,
    /// The requester's answer: the request as it should have been.
    Clarified,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PreservationOutcome {
    Preserved {
        until: SimTime,
    },
    /// The order arrived after the logs were deleted at `expired_at`.
    Expired {
        expired_at: SimTime,
    },
    /// The carrier keeps no logs: there never was anything to preserve.
    NoLogs,
    /// Refused on Art. 29(5) grounds: a political offence, or prejudice to
    /// sovereignty, security, ordre public or other essential interests.
    RefusedOnGrounds,
    /// Refused under a dual-criminality reservation for this offence.
    Refused {
        offence: Offence,
    },
}

/// What a carrier's traffic data shows about where the communication came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    /// Enough to identify the previous carrier and its country (Art. 30).
    PreviousHop(NextHop),
    /// This carrier was the origin: its subscriber is identified.
    Subscriber,
    /// The logs cannot single out a subscriber (carrier-grade NAT without the source port).
    Nobody,
    /// The request's timestamp or time zone was wrong: the carrier's data
    /// for that moment names someone else (worse than nobody).
    Misidentified,
}

/// A carrier named by a disclosure, and the country whose point of contact
/// must be asked about it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct NextHop {
    pub carrier: CarrierId,
    pub country: CountryCode,
}

impl Body {
    /// The name used in logs and error messages.
    pub fn name(&self) -> &'static str {
        match self {
            Body::PreservationRequest { .. } => "preservation request",
            Body::WrittenConfirmation { .. } => "written confirmation",
            Body::ProductionRequest { channel: ProductionChannel::Mla } => "MLA request",
            Body::ProductionRequest { .. } => "production order",
            Body::HoldRenewal => "hold renewal",
            Body::Clarification => "request for clarification",
            Body::Clarified => "clarification",
            Body::Acknowledgement | Body::PreservationResult(_) | Body::Disclosure { .. } | Body::Production => {
                self.answer().map_or("answer", Answer::name)
            }
        }
    }

    /// The answer this message is to the reporting country, if it is one.
    pub fn answer(&self) -> Option<Answer> {
        match self {
            Body::Acknowledgement => Some(Answer::Acknowledgement),
            Body::PreservationResult(_) => Some(Answer::PreservationResult),
            Body::Disclosure { .. } => Some(Answer::Disclosure),
            Body::Production => Some(Answer::Production),
            Body::PreservationRequest { .. }
            | Body::WrittenConfirmation { .. }
            | Body::ProductionRequest { .. }
            | Body::HoldRenewal
            | Body::Clarification
            | Body::Clarified => None,
        }
    }
}
