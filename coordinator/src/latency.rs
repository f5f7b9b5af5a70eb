//! The latency vocabulary every layer shares: the spans measured on a hop
//! (`Stage`), the desk each holds to account (`Role`), and what a goal
//! measures (`Measure`). It sits below the scenario, the projection and the
//! goals, so that each can name a latency without importing the others.

use serde::{Deserialize, Serialize};

/// A latency measured per hop (or, for [`Stage::EndToEnd`], per trace): the
/// one vocabulary of spans. A goal on a span measures it through [`Stage::measure`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Request received → acknowledged.
    Acknowledgement,
    /// Request received → carrier ordered to preserve.
    PreservationOrdered,
    /// Request received → next hop (or subscriber) disclosed.
    Disclosure,
    /// Request sent → written confirmation received.
    WrittenConfirmation,
    /// Production request received → data produced (MLA or order).
    Production,
    /// The requesting desk: report → the first request it sends.
    FirstRequest,
    /// The requesting desk: previous hop's disclosure received → the request for this hop.
    NextRequest,
    /// The requesting desk: preservation result received → production request sent.
    ProductionRequest,
    /// Report → origin found and its data held, for traces that reached it.
    EndToEnd,
}

/// Which desk a span or goal holds to account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The country asked: its desk and carriers.
    Requested,
    /// The country asking (Action Plan 1 and Art. 35 bind it too).
    Requesting,
}

impl Stage {
    /// The spans measured on every hop, in the order reports list them.
    pub const HOP_SPANS: [Stage; 8] = [
        Stage::FirstRequest,
        Stage::NextRequest,
        Stage::Acknowledgement,
        Stage::PreservationOrdered,
        Stage::Disclosure,
        Stage::WrittenConfirmation,
        Stage::ProductionRequest,
        Stage::Production,
    ];

    /// The desk a span times: requested-side spans are charged to the hop's
    /// country, requesting-side ones to the country that asked.
    pub fn role(self) -> Role {
        match self {
            Stage::FirstRequest | Stage::NextRequest | Stage::ProductionRequest => Role::Requesting,
            Stage::Acknowledgement
            | Stage::PreservationOrdered
            | Stage::Disclosure
            | Stage::WrittenConfirmation
            | Stage::Production
            | Stage::EndToEnd => Role::Requested,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Stage::Acknowledgement => "acknowledgement",
            Stage::PreservationOrdered => "preservation order",
            Stage::Disclosure => "disclosure",
            Stage::WrittenConfirmation => "written confirmation",
            Stage::Production => "production",
            Stage::FirstRequest => "first request",
            Stage::NextRequest => "next request",
            Stage::ProductionRequest => "production request",
            Stage::EndToEnd => "end to end",
        }
    }

    /// The goal measuring the same span, if any.
    pub fn measure(self) -> Option<Measure> {
        match self {
            Stage::Acknowledgement => Some(Measure::Acknowledgement),
            Stage::PreservationOrdered => Some(Measure::PreservationOrdered),
            Stage::Disclosure => Some(Measure::Disclosure),
            Stage::WrittenConfirmation => Some(Measure::WrittenConfirmation),
            Stage::Production => Some(Measure::Production),
            Stage::FirstRequest => Some(Measure::FirstRequest),
            Stage::NextRequest => Some(Measure::NextRequest),
            Stage::ProductionRequest => Some(Measure::ProductionRequest),
            Stage::EndToEnd => None,
        }
    }
}

/// What a goal measures, per cross-border request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// Request received → acknowledged by the requested point of contact.
    Acknowledgement,
    /// Request received → carrier ordered to preserve.
    PreservationOrdered,
    /// Request received → traffic data naming the next hop (or the subscriber) disclosed.
    Disclosure,
    /// Request sent → written confirmation received.
    WrittenConfirmation,
    /// Preserved data is held at least this long (a minimum, not a deadline).
    Hold,
    /// Production request received → preserved data produced, measured only
    /// on requests through the goal's channel (in an emergency, the request
    /// itself asks for the data).
    Production,
    /// The MLA request (Art. 31) arrives before the hold on preserved data expires.
    MlaBeforeHoldExpiry,
    /// The requesting desk: report → first request sent.
    FirstRequest,
    /// The requesting desk: previous hop's disclosure received → next request sent.
    NextRequest,
    /// The requesting desk: preservation result received → production request sent.
    ProductionRequest,
}

impl Measure {
    pub const ALL: [Measure; 10] = [
        Measure::FirstRequest,
        Measure::NextRequest,
        Measure::Acknowledgement,
        Measure::PreservationOrdered,
        Measure::Disclosure,
        Measure::WrittenConfirmation,
        Measure::Hold,
        Measure::Production,
        Measure::MlaBeforeHoldExpiry,
        Measure::ProductionRequest,
    ];

    /// The span this goal times, if it times one ([`Stage::measure`] is the
    /// one mapping between the two vocabularies).
    pub fn span(self) -> Option<Stage> {
        Stage::HOP_SPANS.into_iter().find(|stage| stage.measure() == Some(self))
    }

    /// How reports name it: a span's own name, or the goal's.
    pub fn name(self) -> &'static str {
        match (self.span(), self) {
            (Some(stage), _) => stage.name(),
            (None, Measure::Hold) => "hold duration",
            (None, _) => "MLA before hold expiry",
        }
    }

    /// The desk the goal holds to account. The MLA request before the hold
    /// expires is the requesting Party's to send (Budapest Arts. 29(2)(f)
    /// and 29(7)): the State keeping the data only holds it.
    pub fn role(self) -> Role {
        match (self.span(), self) {
            (Some(stage), _) => stage.role(),
            (None, Measure::MlaBeforeHoldExpiry) => Role::Requesting,
            (None, _) => Role::Requested,
        }
    }

    /// The key scenarios use to override the target.
    pub fn key(self) -> &'static str {
        match self {
            Measure::Acknowledgement => "acknowledgement",
            Measure::PreservationOrdered => "preservation_ordered",
            Measure::Disclosure => "disclosure",
            Measure::WrittenConfirmation => "written_confirmation",
            Measure::Hold => "hold",
            Measure::Production => "production",
            Measure::MlaBeforeHoldExpiry => "mla_before_hold_expiry",
            Measure::FirstRequest => "first_request",
            Measure::NextRequest => "next_request",
            Measure::ProductionRequest => "production_request",
        }
    }
}
