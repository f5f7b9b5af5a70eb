//! The scenario file as written: serde types that mirror the TOML, with the
//! human formats (durations, delay distributions, desk hours) parsed here so
//! that a mistake is reported at the exact value that holds it.

pub use super::desk_hours::RawStaffing;
pub use super::duration::{DurationMs, Patience, RawDistribution, Retention};
use crate::goals::ProfileName;
use pocnet_node::{Offence, Strategy};
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor, value::MapAccessDeserializer};
use std::collections::BTreeMap;
use std::fmt;
use toml::Spanned;

/// A scenario as read from its file and the files it includes: each section
/// with the index of the file it came from (for diagnostics), and the names
/// whose definitions were invalid, so references to them add no noise.
#[derive(Debug, Default)]
pub struct RawScenario {
    pub scenario: Option<(usize, RawMeta)>,
    pub network: Option<(usize, RawNetwork)>,
    pub countries: Vec<(usize, Spanned<String>, RawCountry)>,
    pub carriers: Vec<(usize, Spanned<String>, RawCarrier)>,
    pub incidents: Vec<(usize, RawIncident)>,
    pub incident_generators: Vec<(usize, RawGenerator)>,
    pub channels: Option<(usize, RawChannels)>,
    pub instruments: Option<(usize, RawInstruments)>,
    pub coordination: Option<(usize, RawCoordination)>,
    pub exercise: Option<(usize, RawExercise)>,
    pub objectives: Vec<(usize, RawObjective)>,
    pub injects: Vec<(usize, RawInject)>,
    pub faults: Vec<(usize, RawFault)>,
    /// The country catalogue's date and sources, and its States.
    pub catalogue: Option<(usize, super::catalogue::RawCatalogue)>,
    pub states: Vec<(usize, Spanned<String>, super::catalogue::RawState)>,
    pub broken_countries: std::collections::BTreeSet<String>,
    pub broken_carriers: std::collections::BTreeSet<String>,
    /// A file had TOML syntax errors: what it holds is unknown, so nothing
    /// is concluded from its absence ("no countries" would be a follow-on).
    pub unparsed: bool,
}

/// The top-level keys a scenario file may have.
pub const TOP_LEVEL_KEYS: [&str; 16] = [
    "scenario",
    "exercise",
    "objectives",
    "injects",
    "network",
    "channels",
    "instruments",
    "coordination",
    "countries",
    "carriers",
    "incidents",
    "incident_generators",
    "faults",
    "catalogue",
    "states",
    "include",
];

/// The channels desks take expedited requests by (Action Plan 8: "voice,
/// fax, e-mail"), with their transit delays.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawChannels {
    pub voice: Option<RawDistribution>,
    #[serde(rename = "e-mail")]
    pub email: Option<RawDistribution>,
    pub fax: Option<RawDistribution>,
    pub portal: Option<RawDistribution>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
pub enum ChannelName {
    #[serde(rename = "voice")]
    Voice,
    #[serde(rename = "e-mail")]
    Email,
    #[serde(rename = "fax")]
    Fax,
    #[serde(rename = "portal")]
    Portal,
}

/// A country's entry in the contact directory: how likely it is out of date.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDirectory {
    /// Probability the listed contact is stale (0 to 1).
    pub stale: Spanned<f64>,
    /// Extra delay of the fallback channel after a failed attempt.
    pub fallback: Option<RawDistribution>,
}

/// A fault injected as a scenario event, during `[from, until)`.
/// (A struct rather than a tagged enum: serde's tagged enums lose the
/// places that diagnostics need.)
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFault {
    pub kind: Spanned<FaultKind>,
    /// For `desk-unreachable` and `directory-stale`.
    pub country: Option<Spanned<String>>,
    /// For `message-lost`: the sending and receiving countries.
    pub sender: Option<Spanned<String>>,
    pub to: Option<Spanned<String>>,
    /// For `carrier-outage`.
    pub carrier: Option<Spanned<String>>,
    pub from: Spanned<String>,
    pub until: Spanned<String>,
    /// For `message-lost`: how long the sender waits before resending.
    pub retry_after: Option<DurationMs>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FaultKind {
    /// Nobody can be reached at the country's desk.
    DeskUnreachable,
    /// The country's directory entry is stale: every sender pays the fallback.
    DirectoryStale,
    /// Messages from `sender` to `to` are lost, and resent after `retry_after`.
    MessageLost,
    /// The carrier cannot act on orders.
    CarrierOutage,
}

/// Incidents drawn from a rate: a Poisson process over a period, each from a
/// template chosen by weight.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawGenerator {
    /// Prefix of the generated incidents' ids (`id-00001`, ...).
    pub id: Spanned<String>,
    /// Mean incidents a day.
    pub per_day: Spanned<f64>,
    /// Start of the period.
    pub from: Spanned<String>,
    pub period: DurationMs,
    pub detection: RawDistribution,
    pub offence: Option<Offence>,
    #[serde(default)]
    pub urgency: Urgency,
    #[serde(default = "yes")]
    pub source_port: bool,
    pub templates: Vec<RawTemplate>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTemplate {
    #[serde(default = "one")]
    pub weight: Spanned<u32>,
    pub reported_by: Spanned<String>,
    pub chain: Spanned<Vec<Spanned<String>>>,
}

fn one() -> Spanned<u32> {
    Spanned::new(0..0, 1)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMeta {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub epoch: Spanned<String>,
    #[serde(default = "default_seed")]
    pub seed: u64,
    #[serde(default)]
    pub strategy: Strategy,
    pub goals: Option<Spanned<RawGoals>>,
}

fn default_seed() -> u64 {
    1
}

/// `goals = "budapest"`, or a profile with targets changed:
/// `goals = { profile = "action-plan-1997", acknowledgement = "2h" }`.
#[derive(Debug, Clone, PartialEq)]
pub struct RawGoals {
    pub profile: ProfileName,
    pub targets: BTreeMap<String, DurationMs>,
}

#[derive(Deserialize)]
struct GoalsTable {
    #[serde(default)]
    profile: ProfileName,
    #[serde(flatten)]
    targets: BTreeMap<String, DurationMs>,
}

impl<'de> Deserialize<'de> for RawGoals {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawGoals;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a profile name (\"action-plan-1997\", \"budapest\", \"eu-e-evidence\", \"second-protocol\") or a table { profile = ..., acknowledgement = \"2h\", ... }")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<RawGoals, E> {
                let profile = ProfileName::deserialize(de::value::StrDeserializer::<E>::new(text))?;
                Ok(RawGoals { profile, targets: BTreeMap::new() })
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawGoals, A::Error> {
                let table = GoalsTable::deserialize(MapAccessDeserializer::new(map))?;
                Ok(RawGoals { profile: table.profile, targets: table.targets })
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// Coordinated requests: a requesting desk merges its requests to one
/// carrier within `window`, sending them after `delay`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCoordination {
    pub window: DurationMs,
    pub delay: Option<RawDistribution>,
}

/// How the scenario is played as an exercise (`pocnet exercise`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawExercise {
    /// The desks people play unless `--seats` says otherwise.
    #[serde(default)]
    pub seats: Vec<Spanned<String>>,
    /// Simulated time per wall time once resumed (10: a wall minute is ten simulated minutes).
    pub speed: Option<Spanned<f64>>,
    /// Where the clock stands when the exercise opens; absent: the epoch.
    pub start: Option<Spanned<String>>,
    #[serde(default)]
    pub phases: Vec<RawPhase>,
    /// Spans of quiet simulated time the director plans to skip.
    #[serde(default)]
    pub skips: Vec<RawSkip>,
    /// What each seat reads before play, by country code.
    #[serde(default)]
    pub briefings: BTreeMap<Spanned<String>, String>,
}

/// An exercise objective the expectations serve.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawObjective {
    pub id: Spanned<String>,
    pub text: String,
}

/// One entry of the master scenario events list: a message to a seat, at a
/// time, that may create expectations.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawInject {
    pub id: Spanned<String>,
    /// An instant, `T+2h30m` from the exercise start, or `OTHER+1h` from another
    /// inject; absent: a standby or contingency inject.
    pub at: Option<Spanned<String>>,
    /// A seat's country code, `all` or `director`.
    pub to: Spanned<String>,
    /// Who it comes from: a persona ("Hospital CISO", "NL point of contact").
    pub from: Option<String>,
    pub channel: Option<String>,
    pub text: String,
    #[serde(default)]
    pub attachments: Vec<RawAttachment>,
    #[serde(default)]
    pub expect: Vec<RawExpectation>,
    /// The contingency inject fired when an expectation of this one is missed.
    pub on_missed: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAttachment {
    pub name: String,
    pub text: String,
}

/// What a seat is expected to do once an inject reaches it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawExpectation {
    /// The form: send_request, acknowledge, production_request, ...
    pub form: Spanned<String>,
    /// The country expected to act; absent: the inject's recipient.
    pub by: Option<Spanned<String>>,
    /// The country the form is addressed to (its request's peer).
    pub to: Option<Spanned<String>>,
    /// Fields the form must carry, exactly.
    #[serde(default)]
    pub fields: Vec<Spanned<String>>,
    pub goal: Spanned<DurationMs>,
    pub limit: Spanned<DurationMs>,
    pub objective: Option<Spanned<String>>,
}

/// From `from` on, the clock runs at `speed`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPhase {
    pub name: String,
    pub from: Spanned<String>,
    pub speed: Spanned<f64>,
}

/// A planned skip: the director runs the clock from `from` to `to` at once.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSkip {
    pub from: Spanned<String>,
    pub to: Spanned<String>,
}

/// The legal instruments beyond the 24/7 network's own, as the scenario sets them.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawInstruments {
    /// Regulation (EU) 2023/1543: European Production Orders between bound Member States.
    pub epoc: Option<RawEpoc>,
    /// The Second Protocol to the Budapest Convention (CETS 224).
    pub second_protocol: Option<RawSecondProtocol>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSecondProtocol {
    /// When it enters into force; absent, it is not in force (Feb 2026: 3 of 5 ratifications).
    pub in_force: Option<Spanned<String>>,
    pub art8_service: Option<RawDistribution>,
    pub art8_return: Option<RawDistribution>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEpoc {
    /// When the Regulation applies (Art. 34: 18 Aug 2026).
    pub in_force: Option<Spanned<String>>,
    pub preparation: Option<RawDistribution>,
    pub response: Option<RawDistribution>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawNetwork {
    pub min_message_delay: Option<Spanned<DurationMs>>,
    pub message_delay: Option<RawDistribution>,
    /// Requests to or from a non-member go by MLA.
    pub mla_transit: Option<RawDistribution>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCountry {
    pub name: String,
    pub time_zone: Spanned<String>,
    pub staffing: RawStaffing,
    pub acknowledgement: Option<RawDistribution>,
    pub written_confirmation: Option<RawDistribution>,
    pub mla_preparation: Option<RawDistribution>,
    pub mla_execution: Option<RawDistribution>,
    pub hold: Option<DurationMs>,
    /// The hold renewable once for this long (US: 90 + 90 days).
    pub hold_renewal: Option<DurationMs>,
    /// The year the country joined the 24/7 network, or "never".
    pub member_since: Option<Spanned<Membership>>,
    /// Membership of each 24/7 network apart: `{ g7 = 1998, budapest = 2004 }`.
    pub networks: Option<Spanned<BTreeMap<NetworkName, Membership>>>,
    #[serde(default)]
    pub languages: Vec<String>,
    pub translation: Option<RawDistribution>,
    /// The certified translation a formal request in none of `languages` needs.
    pub mla_translation: Option<RawDistribution>,
    pub court_order: Option<RawDistribution>,
    /// Local dates the desk is closed all day (office-hours desks only).
    #[serde(default)]
    pub holidays: Vec<Spanned<String>>,
    /// Officers at the desk at once; simultaneous cases queue. Absent: as many as needed.
    pub officers: Option<Spanned<u32>>,
    /// A dual-criminality reservation (Budapest Art. 29(4)): the offences,
    /// outside Arts. 2-11, it does not punish and refuses to preserve for.
    pub dual_criminality: Option<Vec<Spanned<Offence>>>,
    /// The channel the desk takes expedited requests by.
    pub channel: Option<ChannelName>,
    /// A Party to the Second Protocol (CETS 224): Arts. 7 and 8 with other
    /// Parties once it is in force. Absent: as the catalogue has it, or not.
    pub second_protocol: Option<Spanned<bool>>,
    /// A Second Protocol Party that reserved the right not to apply Art. 7
    /// (Art. 7(9)(a)): no Art. 7 order reaches a provider here.
    #[serde(default)]
    pub art7_reservation: Option<Spanned<bool>>,
    /// An EU Member State bound by the e-Evidence Regulation (2023/1543).
    #[serde(default)]
    pub e_evidence: Option<Spanned<bool>>,
    /// Whether "who held IP x at time t" is subscriber information or traffic data here.
    pub ip_assignment: Option<IpAssignment>,
    /// Budapest Art. 30: how the next hop is disclosed to a foreign requester.
    pub art30: Option<Art30Name>,
    /// The prosecutor's or judge's order an `art30 = "order"` country needs first.
    pub disclosure_order: Option<Spanned<RawDistribution>>,
    /// As requested country: how it discloses to a foreign State in an emergency.
    pub emergency_disclosure: Option<EmergencyDisclosureName>,
    /// The urgent MLA request an `emergency_disclosure = "urgent_mla"` country needs, executed.
    pub urgent_mla: Option<Spanned<RawDistribution>>,
    /// As requester: the chance of following held data up with a production request.
    pub mla_follow_up: Option<Spanned<RawFollowUp>>,
    /// As requester: the chance a request gives the wrong timestamp or time zone.
    pub timestamp_errors: Option<Spanned<f64>>,
    /// As requester: the chance a request is defective and comes back for clarification.
    pub request_defects: Option<Spanned<f64>>,
    /// As requester: the chance its desk forgets to ask for a hold's renewal in time.
    pub renewal_forgotten: Option<Spanned<f64>>,
    /// As requester: how long a formal request for production is waited on before it is abandoned.
    pub mla_abandoned_after: Option<Patience>,
    /// As requested country: the chance it refuses on Art. 29(5) grounds.
    pub refusal_grounds: Option<Spanned<f64>>,
    /// As requester: asks the origin country's police for the subscriber, as intelligence.
    #[serde(default)]
    pub police_channel: bool,
    /// As requested country: its police answering such a query.
    pub police_response: Option<RawDistribution>,
    /// As requested country: drafting and serving the preservation order once acknowledged.
    pub preservation_order: Option<RawDistribution>,
    /// As reporting country: preparing the first request (the investigator's facts, WHOIS).
    pub request_preparation: Option<RawDistribution>,
    /// As reporting country: a prosecutor's sign-off before a request leaves.
    pub prosecutor_sign_off: Option<RawDistribution>,
    pub directory: Option<RawDirectory>,
}

/// `mla_follow_up = 0.8` for every hop, or `{ intermediate = 0.4, origin = 0.9 }`.
#[derive(Debug)]
pub enum RawFollowUp {
    Every(f64),
    ByRole(RawFollowUpByRole),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFollowUpByRole {
    pub intermediate: Option<Spanned<f64>>,
    pub origin: Option<Spanned<f64>>,
}

// By hand rather than `untagged`: toml's spans (a table's fields located to
// the column) do not survive an untagged enum's buffering.
impl<'de> Deserialize<'de> for RawFollowUp {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<RawFollowUp, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = RawFollowUp;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a chance from 0 to 1 for every hop, or a table { intermediate = 0.4, origin = 0.9 }")
            }

            fn visit_f64<E: serde::de::Error>(self, value: f64) -> Result<RawFollowUp, E> {
                Ok(RawFollowUp::Every(value))
            }

            fn visit_i64<E: serde::de::Error>(self, value: i64) -> Result<RawFollowUp, E> {
                Ok(RawFollowUp::Every(value as f64))
            }

            fn visit_u64<E: serde::de::Error>(self, value: u64) -> Result<RawFollowUp, E> {
                Ok(RawFollowUp::Every(value as f64))
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<RawFollowUp, A::Error> {
                RawFollowUpByRole::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(RawFollowUp::ByRole)
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// `ip_assignment = "subscriber" | "traffic"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IpAssignment {
    Subscriber,
    Traffic,
}

/// `emergency_disclosure = "direct" | "urgent_mla"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmergencyDisclosureName {
    Direct,
    UrgentMla,
}

/// `art30 = "direct" | "order" | "mla_only"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Art30Name {
    Direct,
    Order,
    MlaOnly,
}

/// The networks of 24/7 points of contact, which are distinct (law notes §1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NetworkName {
    /// The G7 (formerly G8) 24/7 High-Tech Crime network, in use from Dec 1998.
    G7,
    /// The Budapest Convention's Art. 35 network of Parties.
    Budapest,
}

/// `member_since = 2004` or `member_since = "never"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Membership {
    Since(i16),
    Never,
}

impl<'de> Deserialize<'de> for Membership {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Membership;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a year like 2004, or \"never\" for a country outside the network")
            }
            fn visit_i64<E: de::Error>(self, year: i64) -> Result<Membership, E> {
                match i16::try_from(year) {
                    Ok(year) if (1997..=2100).contains(&year) => Ok(Membership::Since(year)),
                    _ => Err(E::custom(format!("{year} is not a year of the network (it began in 1997)"))),
                }
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<Membership, E> {
                match text {
                    "never" => Ok(Membership::Never),
                    other => Err(E::custom(format!("`{other}`: expected a year like 2004, or \"never\""))),
                }
            }
        }
        deserializer.deserialize_any(V)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCarrier {
    pub country: Spanned<String>,
    pub kind: String,
    pub retention: Retention,
    /// A carrier-grade NAT: many subscribers share one address.
    #[serde(default)]
    pub cgn: bool,
    pub emergency_response: Option<RawDistribution>,
    /// When its staff act on orders; absent: around the clock.
    pub hours: Option<RawStaffing>,
    /// How long it keeps subscriber records (who held an account).
    pub subscriber_retention: Option<DurationMs>,
    /// Answering a direct order (Second Protocol Art. 7).
    pub direct_response: Option<RawDistribution>,
    /// The share of foreign direct requests for non-content data it answers by its own policy.
    pub voluntary_disclosure: Option<Spanned<f64>>,
    /// A provider offering services in the Union: the Member State of the
    /// establishment or legal representative it designated for orders
    /// (Directive 2023/1544). Absent: its own country, if the Regulation binds it.
    pub eu_establishment: Option<Spanned<String>>,
    pub preservation: Option<RawDistribution>,
    pub disclosure: Option<RawDistribution>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawIncident {
    pub id: Spanned<String>,
    pub reported_by: Spanned<String>,
    pub communication: Spanned<String>,
    pub detection: RawDistribution,
    pub chain: Spanned<Vec<Spanned<String>>>,
    /// Budapest Arts. 2-11 category; checked against dual-criminality reservations.
    pub offence: Option<Offence>,
    #[serde(default)]
    pub urgency: Urgency,
    /// Whether the requests carry the source port and a timestamp to the
    /// second; without them a carrier-grade NAT identifies nobody.
    #[serde(default = "yes")]
    pub source_port: bool,
    /// For an exercise: the address (and port) each carrier of the chain
    /// served the communication from, as seen from the victim's side; a
    /// request names its hop's, a carrier's answer the next one's.
    #[serde(default)]
    pub addresses: Option<Spanned<Vec<Spanned<String>>>>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Urgency {
    #[default]
    Routine,
    /// A threat to life: Second Protocol Art. 9 emergency procedure.
    Emergency,
}
