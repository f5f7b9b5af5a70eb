//! The forms a desk fills in an exercise, after the T-CY Art. 29/30 and
//! Art. 31 templates: each desk step's form and its fields. Scenario files
//! name them (an inject expects a form), the JSON Schema lists them, and the
//! exercise reads what people send against them (`exercise::forms`).

use serde::Serialize;

/// The desk steps a person takes, by the form they fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    /// Acknowledge a request received.
    Acknowledge,
    /// Order one of this country's carriers to preserve.
    OrderPreservation,
    /// Art. 29 request to the next country.
    SendRequest,
    /// The same request, as an emergency disclosure (imminent risk to life).
    EmergencyDisclosure,
    /// The written confirmation of an expedited request (Action Plan 8).
    Confirm,
    /// Art. 30: pass the carrier's answer naming the next hop to the requester.
    Disclose,
    /// Answer a request for clarification.
    Clarify,
    /// Send a request received back to its requester: what it needs is
    /// missing or wrong.
    AskClarification,
    /// Refuse a request received, on a ground the Convention allows:
    /// Art. 29(4) (dual criminality) or Art. 29(5).
    Refuse,
    /// Art. 31 MLA request, or a production order where one applies.
    ProductionRequest,
    /// Ask for a hold to be extended before it lapses.
    RenewHold,
}

/// What a field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    Text,
    /// An IPv4 or IPv6 address.
    Ip,
    /// A port number, 0-65535.
    Port,
    /// An instant, with its UTC offset ("2026-03-06T22:31:05+01:00"); one
    /// without an offset is taken and recorded as a finding.
    Instant,
    /// A calendar date ("2026-05-01").
    Date,
    Flag,
    /// A production channel: mla, epoc, art8.
    Channel,
    /// A ground of refusal: dual_criminality (Art. 29(4)) or sovereignty (Art. 29(5)).
    Ground,
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct FieldSpec {
    pub name: &'static str,
    pub kind: FieldKind,
    pub label: &'static str,
    /// Left empty, it is a finding.
    pub wanted: bool,
}

const fn field(name: &'static str, kind: FieldKind, label: &'static str, wanted: bool) -> FieldSpec {
    FieldSpec { name, kind, label, wanted }
}

use FieldKind::{Channel, Date, Flag, Ground, Instant, Ip, Port, Text};

/// Art. 29(2)(a)-(f) on the T-CY template.
const REQUEST: &[FieldSpec] = &[
    field("authority", Text, "requesting authority and 24/7 contact", true),
    field("reference", Text, "your reference", true),
    field("offence", Text, "offence and national provision", true),
    field("convention_offence", Flag, "an offence under Budapest Arts. 2-11", false),
    field("facts", Text, "brief summary of the facts", true),
    field("ip", Ip, "IP address to preserve", true),
    field("port", Port, "source port (needed behind carrier-grade NAT)", true),
    field("timestamp", Instant, "date and time with UTC offset", true),
    field("account", Text, "account or domain", false),
    field("provider", Text, "provider and its location", true),
    field("mla_intended", Flag, "an MLA request will follow (29(2)(f))", true),
    field("mla_expected", Date, "expected date of the MLA request", false),
    field("art30_wanted", Flag, "disclosure of the next hop wanted (Art. 30)", false),
    field("confidential", Flag, "keep confidential", false),
    field("emergency", Flag, "emergency: imminent risk to life", false),
    field("justification", Text, "why it is an emergency", false),
];

const ACKNOWLEDGE: &[FieldSpec] =
    &[field("reference", Text, "your reference", true), field("note", Text, "note to the requester", false)];

const ORDER: &[FieldSpec] = &[
    field("reference", Text, "the request's reference", true),
    field("carrier", Text, "carrier ordered", true),
    field("data", Text, "data to preserve and period", true),
];

const CONFIRM: &[FieldSpec] = &[
    field("reference", Text, "the request's reference", true),
    field("authority", Text, "confirming authority", true),
];

/// Art. 30: enough traffic data to identify the next provider and the path.
const DISCLOSE: &[FieldSpec] = &[
    field("next_hop_ip", Ip, "previous hop's IP address", true),
    field("port", Port, "its source port", false),
    field("timestamp", Instant, "date and time with UTC offset", true),
    field("provider", Text, "its provider and country", true),
    field("legal_basis", Text, "legal basis of the disclosure", true),
];

const CLARIFY: &[FieldSpec] = &[
    field("reference", Text, "the request's reference", true),
    field("ip", Ip, "IP address", false),
    field("port", Port, "source port", false),
    field("timestamp", Instant, "date and time with UTC offset", false),
    field("answer", Text, "the clarification", true),
];

/// The requested desk's answer to a request it cannot act on as it stands.
const ASK_CLARIFICATION: &[FieldSpec] =
    &[field("reference", Text, "the request's reference", true), field("what", Text, "what is missing or wrong", true)];

/// A refusal, on the ground the desk names.
const REFUSE: &[FieldSpec] = &[
    field("reference", Text, "the request's reference", true),
    field("ground", Ground, "ground: dual_criminality (29(4)) or sovereignty (29(5))", true),
    field("reason", Text, "the reason, as the requester will read it", true),
];

/// Art. 31 (or Art. 8, EPOC) on the T-CY template.
const PRODUCTION: &[FieldSpec] = &[
    field("channel", Channel, "instrument: mla, epoc or art8", true),
    field("sending_authority", Text, "sending central authority", true),
    field("receiving_authority", Text, "receiving central authority", true),
    field("preservation_reference", Text, "preservation reference", true),
    field("hold_expiry", Date, "date the hold expires", true),
    field("facts", Text, "facts", true),
    field("offence", Text, "offence and penalty", true),
    field("link", Text, "link between the data and the offence", true),
    field("data", Text, "data and period", true),
    field("urgent", Flag, "urgent (Art. 31(3))", false),
    field("language", Text, "language and translation", false),
];

const RENEW: &[FieldSpec] = &[
    field("reference", Text, "preservation reference", true),
    field("legal_basis", Text, "legal basis of the extension", true),
];

impl StepKind {
    pub const ALL: [StepKind; 11] = [
        StepKind::Acknowledge,
        StepKind::OrderPreservation,
        StepKind::SendRequest,
        StepKind::EmergencyDisclosure,
        StepKind::Confirm,
        StepKind::Disclose,
        StepKind::Clarify,
        StepKind::AskClarification,
        StepKind::Refuse,
        StepKind::ProductionRequest,
        StepKind::RenewHold,
    ];

    pub fn name(self) -> &'static str {
        match self {
            StepKind::Acknowledge => "acknowledge",
            StepKind::OrderPreservation => "order_preservation",
            StepKind::SendRequest => "send_request",
            StepKind::EmergencyDisclosure => "emergency_disclosure",
            StepKind::Confirm => "confirm",
            StepKind::Disclose => "disclose",
            StepKind::Clarify => "clarify",
            StepKind::AskClarification => "ask_clarification",
            StepKind::Refuse => "refuse",
            StepKind::ProductionRequest => "production_request",
            StepKind::RenewHold => "renew_hold",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            StepKind::Acknowledge => "Acknowledge the request",
            StepKind::OrderPreservation => "Order the carrier to preserve",
            StepKind::SendRequest => "Send a preservation request (Art. 29)",
            StepKind::EmergencyDisclosure => "Send an emergency disclosure request",
            StepKind::Confirm => "Send the written confirmation",
            StepKind::Disclose => "Disclose the next hop (Art. 30)",
            StepKind::Clarify => "Answer the request for clarification",
            StepKind::AskClarification => "Send the request back for clarification",
            StepKind::Refuse => "Refuse to preserve (Art. 29(4) or 29(5))",
            StepKind::ProductionRequest => "Send the MLA request or production order",
            StepKind::RenewHold => "Ask for the hold to be extended",
        }
    }

    /// The forms a waiting step of this kind can be taken with: a request
    /// may go as an emergency disclosure request; a request received may be
    /// sent back for clarification instead of acknowledged.
    pub fn forms(self) -> &'static [StepKind] {
        match self {
            StepKind::SendRequest => &[StepKind::SendRequest, StepKind::EmergencyDisclosure],
            StepKind::Acknowledge => &[StepKind::Acknowledge, StepKind::AskClarification, StepKind::Refuse],
            StepKind::OrderPreservation => &[StepKind::OrderPreservation],
            StepKind::EmergencyDisclosure => &[StepKind::EmergencyDisclosure],
            StepKind::Confirm => &[StepKind::Confirm],
            StepKind::Disclose => &[StepKind::Disclose],
            StepKind::Clarify => &[StepKind::Clarify],
            StepKind::AskClarification => &[StepKind::AskClarification],
            StepKind::Refuse => &[StepKind::Refuse],
            StepKind::ProductionRequest => &[StepKind::ProductionRequest],
            StepKind::RenewHold => &[StepKind::RenewHold],
        }
    }

    pub fn from_name(name: &str) -> Option<StepKind> {
        StepKind::ALL.into_iter().find(|k| k.name() == name)
    }

    pub fn fields(self) -> &'static [FieldSpec] {
        match self {
            StepKind::Acknowledge => ACKNOWLEDGE,
            StepKind::OrderPreservation => ORDER,
            StepKind::SendRequest | StepKind::EmergencyDisclosure => REQUEST,
            StepKind::Confirm => CONFIRM,
            StepKind::Disclose => DISCLOSE,
            StepKind::Clarify => CLARIFY,
            StepKind::AskClarification => ASK_CLARIFICATION,
            StepKind::Refuse => REFUSE,
            StepKind::ProductionRequest => PRODUCTION,
            StepKind::RenewHold => RENEW,
        }
    }
}
