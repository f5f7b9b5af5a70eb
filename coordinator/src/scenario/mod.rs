//! A scenario: the world the network operates in, loaded from TOML and
//! validated into types the engine can trust.
//!
//! `load` reads the file, `raw` mirrors its TOML, and `validate` checks what
//! serde cannot (references between countries, carriers and incidents; time
//! zones; the lookahead) and collects every problem with its place in the file.

pub mod catalogue;
mod desk_hours;
mod diagnostic;
mod directory;
mod duration;
pub mod exercise;
mod generator;
pub mod msel;
pub mod raw;
mod reader;
pub mod templates;
pub mod variation;
mod warnings;

pub use diagnostic::{Problem, ScenarioError};

use crate::goals::GoalProfile;
use crate::latency::Measure;
use jiff::Timestamp;
use pocnet_node::Offence;
use pocnet_node::country::{Art30, EmergencyDisclosure, FollowUp};
use pocnet_node::{
    Carrier, CarrierId, CarrierOutage, Coordination, Country, CountryCode, DirectoryEntry, Distribution, Epoc,
    IncidentId, IncidentReport, LogRecord, MessageLoss, NextHop, NodeConfig, SecondProtocol, SimTime, Staffing,
    Strategy, Window,
};
use raw::{Membership, RawDistribution, RawScenario, Retention, Urgency};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::path::Path;

/// The network's timing: how long a cross-border message takes, and the
/// shortest it can take (the lookahead of the time windows).
#[derive(Debug, Clone)]
pub struct Network {
    pub min_message_delay_ms: i64,
    pub message_delay: Distribution,
    /// A request to or from a non-member goes by MLA (Art. 31).
    pub mla_transit: Distribution,
}

#[derive(Debug, Clone)]
pub struct Incident {
    pub id: IncidentId,
    pub reported_by: CountryCode,
    pub communication_at: SimTime,
    pub detection: Distribution,
    /// Carriers from the victim's side back to the origin.
    pub chain: Vec<CarrierId>,
    pub offence: Option<Offence>,
    pub emergency: bool,
    /// The requests carry the source port and a timestamp to the second.
    pub source_port: bool,
    /// Where the scenario gives them: the address each carrier of the chain
    /// served the communication from (an exercise shows them as evidence).
    pub addresses: Vec<HopAddress>,
}

/// An address and, where known, the source port, as a request or a
/// carrier's answer names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HopAddress {
    pub ip: std::net::IpAddr,
    pub port: Option<u16>,
}

impl std::fmt::Display for HopAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.port {
            Some(port) => write!(f, "{} port {port}", self.ip),
            None => write!(f, "{}", self.ip),
        }
    }
}

impl std::str::FromStr for HopAddress {
    type Err = ();

    /// `203.0.113.7`, `198.51.100.23:40001`, `2001:db8::1` or `[2001:db8::1]:443`.
    fn from_str(text: &str) -> Result<HopAddress, ()> {
        if let Ok(ip) = text.parse() {
            return Ok(HopAddress { ip, port: None });
        }
        let socket: std::net::SocketAddr = text.parse().map_err(|_| ())?;
        Ok(HopAddress { ip: socket.ip(), port: Some(socket.port()) })
    }
}

/// The faults a scenario injects, sorted by the node that suffers them.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    pub desk_outages: BTreeMap<CountryCode, Vec<Window>>,
    /// By sending country.
    pub message_losses: BTreeMap<CountryCode, Vec<MessageLoss>>,
    pub carrier_outages: Vec<CarrierOutage>,
}

/// A validated scenario.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    /// Simulated time zero.
    pub epoch: Timestamp,
    pub seed: u64,
    pub strategy: Strategy,
    pub goals: GoalProfile,
    pub network: Network,
    pub countries: BTreeMap<CountryCode, Country>,
    pub carriers: BTreeMap<CarrierId, Carrier>,
    /// Carriers behind carrier-grade NAT (Europol 2017: 90% of mobile, 50% of fixed access).
    pub cgn_carriers: BTreeSet<CarrierId>,
    /// How senders reach each country that sets a channel or may be listed stale.
    pub directory: BTreeMap<CountryCode, DirectoryEntry>,
    pub faults: Faults,
    /// The 24/7 networks each country belongs to at the epoch.
    pub networks: BTreeMap<CountryCode, Networks>,
    /// The Second Protocol, when the scenario has Parties to it.
    pub second_protocol: Option<SecondProtocol>,
    /// Carriers that take foreign direct requests voluntarily.
    pub voluntary_carriers: BTreeSet<CarrierId>,
    /// The e-Evidence Regulation, when the scenario has countries it binds.
    pub epoc: Option<Epoc>,
    /// Countries classing an IP assignment as traffic data.
    pub ip_assignment_is_traffic: BTreeSet<CountryCode>,
    /// Requests to one carrier merged within a window, when the scenario coordinates them.
    pub coordination: Option<Coordination>,
    /// How it is played as an exercise, when it says (`[exercise]`).
    pub exercise: Option<exercise::ExercisePlan>,
    /// The exercise's objectives and injects (`[[objectives]]`, `[[injects]]`).
    pub msel: msel::Msel,
    pub incidents: Vec<Incident>,
    /// SHA-256 of the file's bytes, recorded in every report so a run can be replayed.
    pub sha256: String,
    /// Where the scenario says otherwise than the country catalogue it
    /// includes, or has a Party depart from the Convention, each located
    /// (`check` prints them).
    pub located_warnings: Vec<String>,
    /// Where the Second Protocol stands, from the catalogue, if one is included.
    pub protocol_status: Option<String>,
}

/// Defaults from docs/domain.md; "[assumed]" ones have no published figure.
// A log-normal law keeps its fitted parameters in a cell (`Fit`): each use
// of a constant is a fresh copy, fitted where it is kept, as wanted here.
#[allow(clippy::declare_interior_mutable_const)]
mod defaults {
    use pocnet_node::Distribution;
    use pocnet_node::time::{DAY_MS, HOUR_MS, MINUTE_MS};

    /// POC acknowledgement at a staffed desk: median 15 min, p90 1 h [assumed].
    pub const ACKNOWLEDGEMENT: Distribution = Distribution::log_normal(15 * MINUTE_MS, HOUR_MS);
    /// Written confirmation of an expedited request [assumed]; the goal is 7 days.
    pub const WRITTEN_CONFIRMATION: Distribution = Distribution::log_normal(DAY_MS, 3 * DAY_MS);
    /// Preparing the Art. 31 MLA request once data is held [assumed].
    pub const MLA_PREPARATION: Distribution = Distribution::log_normal(21 * DAY_MS, 60 * DAY_MS);
    /// Executing an MLA request: months. The "about 10 months" quoted is a US
    /// *mean* (President's Review Group, December 2013), so it is the mean
    /// here: a log-normal with median 222 d and p90 600 d has mean 300 d
    /// (σ = ln(600/222)/1.2816 = 0.776; mean = 222·e^(σ²/2)), inside the
    /// T-CY's 6-24 months (3 December 2014).
    pub const MLA_EXECUTION: Distribution = Distribution::log_normal(222 * DAY_MS, 600 * DAY_MS);
    /// A provider answering a Second Protocol Art. 7 order: within its 30 days [assumed spread].
    pub const DIRECT_RESPONSE: Distribution = Distribution::Uniform { min_ms: DAY_MS, max_ms: 30 * DAY_MS };
    /// Art. 29(7): preserved data is held at least 60 days.
    pub const HOLD_MS: i64 = 60 * DAY_MS;
    /// Carrier executes preservation: 1–24 h [assumed].
    pub const PRESERVATION: Distribution = Distribution::log_normal(4 * HOUR_MS, 24 * HOUR_MS);
    /// Partial disclosure naming the next hop: 4–72 h [assumed].
    pub const DISCLOSURE: Distribution = Distribution::log_normal(24 * HOUR_MS, 72 * HOUR_MS);
    /// Cross-border transit of an expedited message [assumed].
    pub const MESSAGE_DELAY: Distribution = Distribution::log_normal(5 * MINUTE_MS, 30 * MINUTE_MS);
    pub const MIN_MESSAGE_DELAY_MS: i64 = MINUTE_MS;
    /// Carrier preservation, and again disclosure, in an emergency: the 8 h of
    /// the EU e-Evidence emergency order as the p90 [assumed].
    pub const EMERGENCY_RESPONSE: Distribution = Distribution::log_normal(2 * HOUR_MS, 8 * HOUR_MS);
    /// MLA in practice, to or from a non-member: as `MLA_EXECUTION`, a mean
    /// of about 10 months (the US figure) within the T-CY's 6 to 24.
    pub const MLA_TRANSIT: Distribution = MLA_EXECUTION;
    /// A requester abandoning a formal request for production unanswered
    /// after two years: the upper end of the 6 to 24 months the T-CY found
    /// MLA takes (assessment report, 3 Dec 2014) [assumed].
    pub const MLA_ABANDONED_AFTER_MS: i64 = 730 * DAY_MS;
    /// Translation when requester and requested share no language: 0-8 h [assumed].
    pub const TRANSLATION: Distribution = Distribution::Uniform { min_ms: 0, max_ms: 8 * HOUR_MS };
    /// Gathering a coordinated request with the other victims' countries [assumed].
    pub const COORDINATION_DELAY: Distribution = Distribution::log_normal(12 * HOUR_MS, 2 * DAY_MS);
    /// A prosecutor's or judge's order before Art. 30 disclosure [assumed].
    pub const DISCLOSURE_ORDER: Distribution = Distribution::log_normal(DAY_MS, 3 * DAY_MS);
    /// The requested desk drafting and serving the preservation order on the
    /// provider once it has acknowledged the request [assumed].
    pub const PRESERVATION_ORDER: Distribution = Distribution::log_normal(30 * MINUTE_MS, 2 * HOUR_MS);
    /// A certified translation of a formal request into the requested
    /// State's language [assumed].
    pub const MLA_TRANSLATION: Distribution = Distribution::log_normal(14 * DAY_MS, 45 * DAY_MS);
    /// A requesting desk forgetting to ask for a hold's renewal in time
    /// [assumed: no study measures it; swept by `pocnet sensitivity`].
    pub const RENEWAL_FORGOTTEN: f64 = 0.1;
    /// An urgent MLA request (Art. 25(3)) drafted, sent and executed in an
    /// emergency: days, not months [assumed; the Convention sets no time].
    pub const URGENT_MLA: Distribution = Distribution::log_normal(3 * DAY_MS, 14 * DAY_MS);
    /// Reg. (EU) 2023/1543 Art. 34: applicable from 18 August 2026.
    pub fn epoc_in_force() -> jiff::Timestamp {
        "2026-08-18T00:00:00Z".parse().expect("a valid instant")
    }
    /// Issuing and validating a European Production Order [assumed].
    pub const EPOC_PREPARATION: Distribution = Distribution::log_normal(DAY_MS, 3 * DAY_MS);
    /// The provider's answer: Art. 10(2), within 10 days (the p90 here) [spread assumed].
    pub const EPOC_RESPONSE: Distribution = Distribution::log_normal(5 * DAY_MS, 10 * DAY_MS);
    /// A country's police answering a foreign police or INTERPOL query
    /// about a subscriber: no figure is published [assumed].
    pub const POLICE_RESPONSE: Distribution = Distribution::log_normal(3 * DAY_MS, 14 * DAY_MS);
    /// The requested Party serving an Art. 8 order on its provider: Art. 8(6)
    /// asks for reasonable efforts within 45 days [spread assumed].
    pub const ART8_SERVICE: Distribution = Distribution::log_normal(5 * DAY_MS, 20 * DAY_MS);
    /// The provider's answer once served: Art. 8(6), subscriber information
    /// within 20 days (the p90 here) [spread assumed].
    pub const ART8_RETURN: Distribution = Distribution::log_normal(7 * DAY_MS, 20 * DAY_MS);
}

impl Scenario {
    /// Reads and validates a scenario file and the files it includes.
    pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
        let text = reader::read_file(path)
            .map_err(|source| ScenarioError::Read { path: path.display().to_string(), source })?;
        Scenario::parse_at(&path.display().to_string(), &text, Some(path))
    }

    /// Validates scenario text; `name` is how messages refer to it. It can
    /// include no other file: it has no place on disk to find them from.
    pub fn parse(name: &str, text: &str) -> Result<Scenario, ScenarioError> {
        Scenario::parse_at(name, text, None)
    }

    /// Validates scenario text read from (or standing for) the file at `path`,
    /// whose directory locates its includes.
    pub fn parse_at(name: &str, text: &str, path: Option<&Path>) -> Result<Scenario, ScenarioError> {
        let mut problems = diagnostic::Collector::new(name, text);
        let mut reader = reader::Reader::new(&mut problems);
        reader.read_main(text, path);
        let raw = std::mem::take(&mut reader.raw);
        if raw.unparsed {
            // Only the syntax errors: every other finding would follow from them.
            return Err(problems.finish());
        }
        let scenario = validate(raw, &mut problems);
        match scenario {
            Some(scenario) if problems.is_empty() => Ok(scenario),
            _ => Err(problems.finish()),
        }
    }

    /// The real instant of a simulated millisecond (`None` past jiff's range).
    pub fn instant(&self, at_ms: i64) -> Option<Timestamp> {
        self.epoch.checked_add(jiff::SignedDuration::from_millis(at_ms)).ok()
    }

    /// A real instant in simulated time, if within the bounds simulated time keeps.
    pub fn sim_time(&self, at: Timestamp) -> Result<SimTime, String> {
        let ms = at.as_millisecond() - self.epoch.as_millisecond();
        pocnet_node::constraint::instant_ms("instant", ms).map_err(|e| e.0)?;
        Ok(SimTime(ms))
    }

    /// A simulated instant as RFC 3339, in UTC, as the consoles and the
    /// after-action report show it.
    pub fn instant_text(&self, at: SimTime) -> String {
        self.instant(at.ms()).map_or_else(|| format!("sim ms {}", at.ms()), |t| t.to_string())
    }

    /// Each country's node configuration for one run.
    pub fn node_configs(&self, seed: u64, replication: u64) -> Vec<NodeConfig> {
        let mut logs: BTreeMap<&CountryCode, Vec<LogRecord>> = BTreeMap::new();
        let mut reports: BTreeMap<&CountryCode, Vec<IncidentReport>> = BTreeMap::new();
        for incident in &self.incidents {
            for (hop, carrier_id) in incident.chain.iter().enumerate() {
                let carrier = &self.carriers[carrier_id];
                logs.entry(&carrier.country).or_default().push(LogRecord {
                    incident: incident.id,
                    hop: hop as u32,
                    carrier: *carrier_id,
                    communication_at: incident.communication_at,
                    previous: incident.chain.get(hop + 1).map(|previous| self.next_hop(previous)),
                    // Behind a CGN only the source port and a second-precise
                    // timestamp single out a subscriber.
                    identifiable: incident.source_port || !self.cgn_carriers.contains(carrier_id),
                });
            }
            reports.entry(&incident.reported_by).or_default().push(IncidentReport {
                incident: incident.id,
                communication_at: incident.communication_at,
                detection: incident.detection.clone(),
                // Only under parallel does the reporter know the chain beyond its first hop.
                known_chain: match self.strategy {
                    Strategy::Parallel => incident.chain.iter().map(|c| self.next_hop(c)).collect(),
                    Strategy::Hub | Strategy::Relay => vec![self.next_hop(&incident.chain[0])],
                },
                offence: incident.offence,
                emergency: incident.emergency,
            });
        }
        // Every country's memberships, looked up once and filtered for each
        // node's non-members (looking both up by code for every pair of
        // countries was 4% of a study of network-today's 92).
        let memberships: Vec<(&CountryCode, Networks)> =
            self.countries.keys().map(|code| (code, self.networks[code])).collect();
        self.countries
            .values()
            .map(|country| NodeConfig {
                country: country.clone(),
                carriers: self.carriers.values().filter(|c| c.country == country.code).cloned().collect(),
                logs: logs.remove(&country.code).unwrap_or_default(),
                incidents: reports.remove(&country.code).unwrap_or_default(),
                strategy: self.strategy,
                message_delay: self.network.message_delay.clone(),
                min_message_delay_ms: self.network.min_message_delay_ms,
                mla_transit: self.network.mla_transit.clone(),
                // Two points of contact work together only within a network both belong to.
                non_members: {
                    let ours = self.networks[&country.code];
                    memberships
                        .iter()
                        .filter(|(_, theirs)| !ours.shared_with(*theirs))
                        .map(|(other, _)| *(*other))
                        .collect()
                },
                directory: self
                    .directory
                    .iter()
                    .filter(|(c, _)| **c != country.code)
                    .map(|(c, e)| (*c, e.clone()))
                    .collect(),
                desk_outages: self.faults.desk_outages.get(&country.code).cloned().unwrap_or_default(),
                message_losses: self.faults.message_losses.get(&country.code).cloned().unwrap_or_default(),
                carrier_outages: self
                    .faults
                    .carrier_outages
                    .iter()
                    .filter(|o| self.carriers.get(&o.carrier).is_some_and(|c| c.country == country.code))
                    .cloned()
                    .collect(),
                second_protocol: self.second_protocol.clone(),
                voluntary_carriers: self.voluntary_carriers.clone(),
                epoc: self.epoc.clone(),
                ip_assignment_is_traffic: self.ip_assignment_is_traffic.clone(),
                coordination: self.coordination.clone(),
                epoch: self.epoch,
                seed,
                replication,
            })
            .collect()
    }

    fn next_hop(&self, carrier: &CarrierId) -> NextHop {
        NextHop { carrier: *carrier, country: self.carriers[carrier].country }
    }
}

fn span<T>(spanned: &toml::Spanned<T>) -> Range<usize> {
    spanned.span()
}

fn law(value: Option<RawDistribution>, default: Distribution) -> Distribution {
    value.map(|d| d.0).unwrap_or(default)
}

fn parse_instant(text: &str) -> Result<Timestamp, String> {
    text.parse::<Timestamp>().map_err(|_| {
        format!("`{text}` is not an instant: write an RFC 3339 time with its offset, like \"2026-03-06T18:30:00+01:00\" or \"2026-03-06T17:30:00Z\"")
    })
}

/// The Member States bound by Reg. (EU) 2023/1543: every Member State but
/// Denmark (Protocol No 22, recital 95); Ireland takes part (Protocol
/// No 21, recital 94). ISO 3166 codes (Greece is GR).
const BOUND_BY_E_EVIDENCE: [&str; 26] = [
    "AT", "BE", "BG", "CY", "CZ", "DE", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT", "LT", "LU", "LV", "MT",
    "NL", "PL", "PT", "RO", "SE", "SI", "SK",
];

/// "Did you mean" for a misspelt time zone, from the bundled database.
fn time_zone_hint(name: &str) -> String {
    let zones: Vec<String> = jiff::tz::db().available().map(|z| z.to_string()).collect();
    match diagnostic::nearest(name, zones.iter().map(String::as_str)) {
        Some(near) => format!("did you mean `{near}`?"),
        None => "use an IANA name like \"Europe/Paris\" or \"America/New_York\"".to_owned(),
    }
}

/// Checks what the TOML types cannot; returns `None` only when a problem
/// makes the rest meaningless (every problem is in `problems`).
fn validate(raw: RawScenario, problems: &mut diagnostic::Collector) -> Option<Scenario> {
    let meta = raw.scenario.map(|(source, meta)| {
        problems.switch(source);
        meta
    });
    let epoch = meta.as_ref().and_then(|meta| match parse_instant(meta.epoch.get_ref()) {
        Ok(epoch) => Some(epoch),
        Err(message) => {
            problems.push(span(&meta.epoch), message, None);
            None
        }
    });
    let seed = meta.as_ref().map_or(1, |m| m.seed);
    problems.switch(raw.network.as_ref().map_or(0, |(source, _)| *source));
    let raw_network = raw.network.map(|(_, network)| network).unwrap_or_default();

    let min_message_delay_ms = match &raw_network.min_message_delay {
        Some(d) if d.get_ref().0 == 0 => {
            problems.push(
                span(d),
                "min_message_delay must be greater than zero".to_owned(),
                Some("it is the lookahead that lets nodes advance in parallel windows; no real message crosses a border instantly: try \"1m\"".to_owned()),
            );
            1
        }
        Some(d) => d.get_ref().0,
        None => defaults::MIN_MESSAGE_DELAY_MS,
    };
    problems.switch(0);
    let goals = match meta.as_ref().and_then(|m| m.goals.clone()) {
        None => crate::goals::ProfileName::default().profile(),
        Some(spanned) => {
            let raw_goals = spanned.get_ref().clone();
            let mut profile = raw_goals.profile.profile();
            for (key, target) in &raw_goals.targets {
                match Measure::ALL.iter().find(|m| m.key() == key) {
                    Some(&measure) => {
                        if let Err(why) = profile.set_target(measure, target.0) {
                            problems.push(span(&spanned), why, None);
                        }
                    }
                    None => {
                        let keys: Vec<&str> = Measure::ALL.iter().map(|m| m.key()).collect();
                        problems.push(
                            span(&spanned),
                            format!("unknown goal `{key}`"),
                            Some(format!("goals that take a target: profile, {}", keys.join(", "))),
                        );
                    }
                }
            }
            profile
        }
    };
    let network = Network {
        min_message_delay_ms,
        message_delay: law(raw_network.message_delay, defaults::MESSAGE_DELAY),
        mla_transit: law(raw_network.mla_transit, defaults::MLA_TRANSIT),
    };

    if raw.countries.is_empty() && raw.broken_countries.is_empty() {
        problems.push(
            0..0,
            "the scenario defines no countries".to_owned(),
            Some("add a [countries.XX] table".to_owned()),
        );
    }
    let catalogue = catalogue::catalogue(problems, raw.catalogue, raw.states);
    let world_day = epoch.map(catalogue::day_of);
    let mut located_warnings = Vec::new();
    let mut protocol_from = BTreeMap::new();
    let mut countries = BTreeMap::new();
    let mut raw_directory = BTreeMap::new();
    let mut second_protocol_parties = BTreeSet::new();
    let mut art7_reserved = BTreeSet::new();
    let mut networks = BTreeMap::new();
    let mut e_evidence_bound = BTreeSet::new();
    let mut ip_assignment_is_traffic = BTreeSet::new();
    for (source, code, mut country) in raw.countries {
        problems.switch(source);
        let code_span = span(&code);
        let code = code.into_inner();
        if countries.contains_key(&CountryCode::from(code.clone())) {
            problems.push(code_span.clone(), format!("country `{code}` is defined twice"), None);
        }
        if code.len() != 2 || !code.chars().all(|c| c.is_ascii_uppercase()) {
            problems.push(
                code_span.clone(),
                format!("country code `{code}` is not two capital letters"),
                Some("use the ISO 3166 alpha-2 code, like FR or US".to_owned()),
            );
        }
        let code = CountryCode::from(code);
        if let (Some(catalogue), Some(day)) = (&catalogue, world_day) {
            match catalogue.states.get(code.as_str()) {
                Some(state) => {
                    if catalogue::fill_in(
                        problems,
                        state,
                        (code.as_str(), code_span.clone()),
                        day,
                        &mut country,
                        &mut located_warnings,
                    ) {
                        e_evidence_bound.insert(code);
                    }
                    if let Some(from) = state.protocol_from() {
                        protocol_from.insert(code, from);
                    }
                }
                None => located_warnings.push(format!(
                    "{}: {code} is not in the country catalogue: its treaty status is this scenario's own",
                    problems.location(code_span.clone())
                )),
            }
        }
        raw_directory.insert(code, (source, country.channel, country.directory.take()));
        let party = country.second_protocol.as_ref().is_some_and(|p| *p.get_ref());
        if party {
            second_protocol_parties.insert(code);
        }
        if let Some(reserved) = country.art7_reservation.as_ref().filter(|r| *r.get_ref()) {
            if party {
                art7_reserved.insert(code);
            } else {
                problems.push(
                    span(reserved),
                    format!("{code} reserves Art. 7 of a Protocol it is not a Party to"),
                    Some("set second_protocol = true, or leave art7_reservation out".to_owned()),
                );
            }
        }
        if let Some(bound) = country.e_evidence.as_ref().filter(|b| *b.get_ref()) {
            if BOUND_BY_E_EVIDENCE.contains(&code.as_str()) {
                e_evidence_bound.insert(code);
            } else {
                let why = if code.as_str() == "DK" {
                    "Denmark is not bound by the e-Evidence Regulation (Protocol No 22; Reg. 2023/1543, recital 95)"
                        .to_owned()
                } else {
                    format!("{code} is not an EU Member State: the e-Evidence Regulation binds only Member States")
                };
                problems.push(
                    span(bound),
                    why,
                    Some(
                        "leave e_evidence out: orders to a provider there go by MLA, or by a production order to its \
                         establishment or representative in the Union"
                            .to_owned(),
                    ),
                );
            }
        }
        if country.ip_assignment == Some(raw::IpAssignment::Traffic) {
            ip_assignment_is_traffic.insert(code);
        }
        let joined = self::networks(problems, epoch, &country);
        // Art. 30(2): a Party may withhold expedited disclosure only on
        // political-offence or essential-interest grounds, never as a rule.
        if joined.budapest && country.art30 == Some(raw::Art30Name::MlaOnly) {
            located_warnings.push(format!(
                "{}: {code} is a Budapest Party with art30 = \"mla_only\": disclosing traffic data only on an MLA \
                 request departs from Art. 30 (its para. 2 allows withholding only on political-offence or \
                 essential-interest grounds): the scenario models a Party not complying",
                problems.location(code_span.clone())
            ));
        }
        networks.insert(code, joined);
        countries.insert(code, self::country(problems, code, country, joined));
    }
    // Countries whose definition was invalid are already reported: references
    // to them are taken as known.
    let mut country_codes: Vec<&str> = countries.keys().map(CountryCode::as_str).collect();
    country_codes.extend(raw.broken_countries.iter().map(String::as_str));

    let mut carriers = BTreeMap::new();
    let mut represented = BTreeMap::new();
    let mut cgn_carriers = BTreeSet::new();
    let mut voluntary_carriers = BTreeSet::new();
    for (source, id, carrier) in raw.carriers {
        problems.switch(source);
        if carriers.contains_key(&CarrierId::from(id.get_ref().clone())) {
            problems.push(span(&id), format!("carrier `{}` is defined twice", id.get_ref()), None);
        }
        let country = carrier.country.get_ref();
        if !country_codes.contains(&country.as_str()) {
            problems.unknown(span(&carrier.country), "country", country, &country_codes);
        }
        if let Err(invalid) = pocnet_node::constraint::identifier("carrier id", id.get_ref()) {
            problems.push(span(&id), invalid.0, None);
        }
        let id = CarrierId::from(id.into_inner());
        if carrier.cgn {
            cgn_carriers.insert(id);
        }
        let voluntary_disclosure = match &carrier.voluntary_disclosure {
            None => 0.0,
            Some(share) => pocnet_node::constraint::probability(*share.get_ref()).unwrap_or_else(|invalid| {
                let help = "the share of foreign direct requests it answers, 0 to 1 (SIRIUS 2019: 0.684)";
                problems.push(span(share), invalid.0, Some(help.to_owned()));
                0.0
            }),
        };
        if voluntary_disclosure > 0.0 {
            voluntary_carriers.insert(id);
        }
        // Where a European Production Order reaches it: its designated
        // establishment or representative, or its home in a bound State.
        match &carrier.eu_establishment {
            Some(at) if BOUND_BY_E_EVIDENCE.contains(&at.get_ref().as_str()) => {
                represented.insert(id, CountryCode::from(at.get_ref().clone()));
            }
            Some(at) => problems.push(
                span(at),
                format!("`{}` is no Member State bound by the e-Evidence Regulation", at.get_ref()),
                Some(format!(
                    "a provider designates its establishment or representative in one of {}",
                    BOUND_BY_E_EVIDENCE.join(", ")
                )),
            ),
            None if e_evidence_bound.contains(&CountryCode::from(country.as_str())) => {
                represented.insert(id, CountryCode::from(country.clone()));
            }
            None => {}
        }
        carriers.insert(
            id,
            Carrier {
                id,
                country: CountryCode::from(country.clone()),
                kind: carrier.kind,
                retention_ms: match carrier.retention {
                    Retention::Keeps(d) => d.0,
                    Retention::NoLogs => 0,
                },
                no_logs: carrier.retention == Retention::NoLogs,
                preservation: law(carrier.preservation, defaults::PRESERVATION),
                disclosure: law(carrier.disclosure, defaults::DISCLOSURE),
                emergency_response: law(carrier.emergency_response, defaults::EMERGENCY_RESPONSE),
                hours: carrier.hours.map_or(Staffing::AroundTheClock, |h| h.0),
                subscriber_retention_ms: carrier.subscriber_retention.map(|d| d.0),
                direct_response: law(carrier.direct_response, defaults::DIRECT_RESPONSE),
                voluntary_disclosure,
            },
        );
    }
    let mut carrier_ids: Vec<&str> = carriers.keys().map(|c| c.as_str()).collect();
    carrier_ids.extend(raw.broken_carriers.iter().map(String::as_str));

    let references = References { countries: &country_codes, carriers: &carrier_ids, epoch };
    let exercise = exercise::exercise(problems, &references, raw.exercise);
    let start = exercise.as_ref().map_or(SimTime::ZERO, |e| e.start);
    let msel = msel::msel(problems, &references, start, raw.objectives, raw.injects);
    let mut incidents = Vec::new();
    let mut seen = BTreeSet::new();
    for (source, incident) in raw.incidents {
        problems.switch(source);
        let id = incident.id.get_ref().clone();
        if let Err(invalid) = pocnet_node::constraint::identifier("incident id", &id) {
            problems.push(span(&incident.id), invalid.0, None);
        } else if !seen.insert(id.clone()) {
            problems.push(
                span(&incident.id),
                format!("incident id `{id}` is used twice"),
                Some("give each incident its own id".to_owned()),
            );
        }
        let reporter = references.country(problems, &incident.reported_by);
        let communication_at = references.instant(problems, &incident.communication, "communication");
        let chain = references.chain(problems, incident.chain);
        let addresses = addresses(problems, incident.addresses, chain.len());
        incidents.push(Incident {
            id: id.into(),
            reported_by: reporter,
            communication_at,
            detection: incident.detection.0,
            chain,
            offence: incident.offence,
            emergency: incident.urgency == Urgency::Emergency,
            source_port: incident.source_port,
            addresses,
        });
    }

    for (source, generator) in raw.incident_generators {
        problems.switch(source);
        incidents.extend(generator::generate(problems, &references, seed, generator));
    }
    let (directory, faults) = directory::directory_and_faults(
        problems,
        &references,
        raw.channels,
        &raw_directory,
        raw.faults,
        &network.message_delay,
    );
    let sha256 = {
        let mut hasher = Sha256::new();
        for text in problems.texts() {
            hasher.update(text.as_bytes());
        }
        hasher.finalize().iter().map(|b| format!("{b:02x}")).collect()
    };
    let meta = meta?;

    let protocol = ProtocolFacts {
        parties: second_protocol_parties,
        art7_reserved,
        from: protocol_from,
        in_force: catalogue.as_ref().and_then(catalogue::Catalogue::protocol_in_force),
    };
    let (epoc, second_protocol) =
        instruments(problems, raw.instruments, epoch, (e_evidence_bound, represented), protocol);
    let coordination = raw
        .coordination
        .map(|(_, c)| Coordination { window_ms: c.window.0, delay: law(c.delay, defaults::COORDINATION_DELAY) });
    Some(Scenario {
        name: meta.name,
        description: meta.description,
        epoch: epoch?,
        seed,
        strategy: meta.strategy,
        goals,
        network,
        countries,
        carriers,
        cgn_carriers,
        directory,
        faults,
        second_protocol,
        voluntary_carriers,
        networks,
        exercise,
        msel,
        ip_assignment_is_traffic,
        coordination,
        epoc,
        incidents,
        sha256,
        located_warnings,
        protocol_status: catalogue.as_ref().map(catalogue::Catalogue::protocol_status),
    })
}

/// The Second Protocol as the scenario's countries and catalogue have it.
struct ProtocolFacts {
    parties: BTreeSet<CountryCode>,
    art7_reserved: BTreeSet<CountryCode>,
    /// Each Party's own date from the catalogue (Art. 16(4)).
    from: BTreeMap<CountryCode, jiff::civil::Date>,
    /// Its entry into force, once the catalogue has five ratifications (Art. 16(3)).
    in_force: Option<jiff::civil::Date>,
}

/// A catalogue date as simulated time: midnight UTC, relative to the epoch.
fn day_instant(day: jiff::civil::Date, epoch: Timestamp) -> SimTime {
    let at = day.at(0, 0, 0, 0).to_zoned_datetime(jiff::tz::TimeZone::UTC).map_or(epoch, |z| z.timestamp());
    SimTime(at.as_millisecond() - epoch.as_millisecond())
}

/// The instruments beyond the network's own as the scenario sets them:
/// the e-Evidence Regulation, `None` when it binds no country of the
/// scenario (then `[instruments.epoc]` changes nothing), and the Second
/// Protocol, `None` when no country is a Party.
fn instruments(
    problems: &mut diagnostic::Collector,
    instruments: Option<(usize, raw::RawInstruments)>,
    epoch: Option<Timestamp>,
    (bound, represented): (BTreeSet<CountryCode>, BTreeMap<CarrierId, CountryCode>),
    protocol: ProtocolFacts,
) -> (Option<Epoc>, Option<SecondProtocol>) {
    let raw = match instruments {
        Some((source, instruments)) => {
            problems.switch(source);
            instruments
        }
        None => raw::RawInstruments::default(),
    };
    let raw_epoc = raw.epoc.unwrap_or_default();
    let raw_protocol = raw.second_protocol.unwrap_or_default();
    let epoc_in_force = match (&raw_epoc.in_force, epoch) {
        (Some(text), Some(epoch)) => in_force(problems, text, epoch, "date the Regulation applies"),
        (None, Some(epoch)) => SimTime(defaults::epoc_in_force().as_millisecond() - epoch.as_millisecond()),
        (_, None) => SimTime::ZERO,
    };
    // In force when the catalogue's ratifications make it so, or from the
    // date a scenario exploring a future gives.
    let protocol_in_force = match (&raw_protocol.in_force, epoch) {
        (Some(text), Some(epoch)) => {
            Some(in_force(problems, text, epoch, "date the Second Protocol enters into force"))
        }
        (None, Some(epoch)) => protocol.in_force.map(|day| day_instant(day, epoch)),
        (_, None) => None,
    };
    let party_from = match epoch {
        Some(epoch) => protocol
            .from
            .into_iter()
            .filter(|(code, _)| protocol.parties.contains(code))
            .map(|(code, day)| (code, day_instant(day, epoch)))
            .collect(),
        None => BTreeMap::new(),
    };
    let epoc = (!bound.is_empty()).then(|| Epoc {
        bound,
        represented,
        in_force_at: epoc_in_force,
        preparation: law(raw_epoc.preparation, defaults::EPOC_PREPARATION),
        response: law(raw_epoc.response, defaults::EPOC_RESPONSE),
    });
    let second_protocol = (!protocol.parties.is_empty()).then(|| SecondProtocol {
        parties: protocol.parties,
        art7_reserved: protocol.art7_reserved,
        in_force_at: protocol_in_force,
        party_from,
        art8_service: law(raw_protocol.art8_service, defaults::ART8_SERVICE),
        art8_return: law(raw_protocol.art8_return, defaults::ART8_RETURN),
    });
    (epoc, second_protocol)
}

/// An instrument's in-force instant as simulated time; it may precede the epoch.
fn in_force(
    problems: &mut diagnostic::Collector,
    text: &toml::Spanned<String>,
    epoch: Timestamp,
    what: &str,
) -> SimTime {
    match parse_instant(text.get_ref()) {
        Ok(at) => {
            let ms = at.as_millisecond() - epoch.as_millisecond();
            if let Err(invalid) = pocnet_node::constraint::instant_ms(what, ms) {
                problems.push(span(text), invalid.0, None);
            }
            SimTime(ms)
        }
        Err(message) => {
            problems.push(span(text), message, None);
            SimTime::ZERO
        }
    }
}

impl Scenario {
    /// The latest communication, for the `check` summary.
    pub fn last_communication(&self) -> SimTime {
        self.incidents.iter().map(|i| i.communication_at).max().unwrap_or(SimTime::ZERO)
    }
}

/// The names a scenario defines, to check the references made to them.
struct References<'a> {
    countries: &'a [&'a str],
    carriers: &'a [&'a str],
    epoch: Option<Timestamp>,
}

impl References<'_> {
    fn country(&self, problems: &mut diagnostic::Collector, code: &toml::Spanned<String>) -> CountryCode {
        if !self.countries.contains(&code.get_ref().as_str()) {
            problems.unknown(span(code), "country", code.get_ref(), self.countries);
        }
        CountryCode::from(code.get_ref().clone())
    }

    /// An instant at or after the epoch, as simulated time.
    fn instant(&self, problems: &mut diagnostic::Collector, text: &toml::Spanned<String>, what: &str) -> SimTime {
        match (parse_instant(text.get_ref()), self.epoch) {
            (Ok(at), Some(epoch)) => {
                let ms = at.as_millisecond() - epoch.as_millisecond();
                if ms < 0 {
                    problems.push(
                        span(text),
                        format!("the {what} is before the scenario's epoch ({epoch})"),
                        Some("move [scenario] epoch earlier".to_owned()),
                    );
                } else if let Err(invalid) = pocnet_node::constraint::instant_ms(what, ms) {
                    problems.push(span(text), invalid.0, Some("move [scenario] epoch nearer".to_owned()));
                    return SimTime::ZERO;
                }
                SimTime(ms)
            }
            (Err(message), _) => {
                problems.push(span(text), message, None);
                SimTime::ZERO
            }
            (Ok(_), None) => SimTime::ZERO,
        }
    }

    fn carrier(&self, problems: &mut diagnostic::Collector, id: &toml::Spanned<String>) -> CarrierId {
        if !self.carriers.contains(&id.get_ref().as_str()) {
            problems.unknown(span(id), "carrier", id.get_ref(), self.carriers);
        }
        CarrierId::from(id.get_ref().clone())
    }

    fn chain(
        &self,
        problems: &mut diagnostic::Collector,
        chain: toml::Spanned<Vec<toml::Spanned<String>>>,
    ) -> Vec<CarrierId> {
        if chain.get_ref().is_empty() {
            problems.push(
                span(&chain),
                "the chain is empty".to_owned(),
                Some("list the carriers from the victim's side back to the origin".to_owned()),
            );
        }
        chain
            .into_inner()
            .into_iter()
            .map(|carrier| {
                if !self.carriers.contains(&carrier.get_ref().as_str()) {
                    problems.unknown(span(&carrier), "carrier", carrier.get_ref(), self.carriers);
                }
                CarrierId::from(carrier.into_inner())
            })
            .collect()
    }
}

/// An incident's `addresses`: one per carrier of its chain, each an address
/// with or without its port.
fn addresses(
    problems: &mut diagnostic::Collector,
    raw: Option<toml::Spanned<Vec<toml::Spanned<String>>>>,
    chain: usize,
) -> Vec<HopAddress> {
    let Some(raw) = raw else { return Vec::new() };
    if raw.get_ref().len() != chain {
        problems.push(
            span(&raw),
            format!("{} addresses for a chain of {chain} carriers", raw.get_ref().len()),
            Some("give one address per carrier of the chain, in its order".to_owned()),
        );
    }
    let mut read = Vec::new();
    for address in raw.into_inner() {
        match address.get_ref().trim().parse::<HopAddress>() {
            Ok(parsed) => read.push(parsed),
            Err(()) => problems.push(
                span(&address),
                format!("`{}` is not an address", address.get_ref().chars().take(40).collect::<String>()),
                Some("write it like 203.0.113.7, 198.51.100.23:40001 or [2001:db8::1]:443".to_owned()),
            ),
        }
    }
    read
}

/// The offences a dual-criminality reservation may name, as a hint.
fn outside_convention() -> String {
    let names: Vec<&str> = Offence::ALL.iter().filter(|o| o.convention_article().is_none()).map(|o| o.name()).collect();
    names.join(", ")
}

/// The networks of points of contact a country belongs to at the epoch: the
/// G7 24/7 network and the Budapest Convention's Art. 35 network are
/// distinct, each joined in its own year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Networks {
    pub g7: bool,
    pub budapest: bool,
}

impl Networks {
    pub fn any(self) -> bool {
        self.g7 || self.budapest
    }

    /// Whether two countries' points of contact share a network.
    pub fn shared_with(self, other: Networks) -> bool {
        (self.g7 && other.g7) || (self.budapest && other.budapest)
    }
}

/// A country's memberships at the epoch: `member_since` for one network
/// standing for both, or `networks` for each apart. Before the year it
/// joins, and for "never", it has no point of contact there.
fn networks(problems: &mut diagnostic::Collector, epoch: Option<Timestamp>, country: &raw::RawCountry) -> Networks {
    let joined = |membership: Membership| match membership {
        Membership::Since(year) => epoch.is_none_or(|e| year <= e.to_zoned_datetime(jiff::tz::TimeZone::UTC).year()),
        Membership::Never => false,
    };
    match (&country.member_since, &country.networks) {
        (Some(_), Some(networks)) => {
            problems.push(
                span(networks),
                "`member_since` and `networks` both say which network the country belongs to".to_owned(),
                Some("keep `networks = { g7 = YEAR, budapest = YEAR }` and drop `member_since`".to_owned()),
            );
            Networks { g7: true, budapest: true }
        }
        (Some(since), None) => {
            let member = joined(*since.get_ref());
            Networks { g7: member, budapest: member }
        }
        // A network it does not name, it does not belong to.
        (None, Some(networks)) => {
            let member_of = |name| networks.get_ref().get(&name).is_some_and(|m| joined(*m));
            Networks { g7: member_of(raw::NetworkName::G7), budapest: member_of(raw::NetworkName::Budapest) }
        }
        (None, None) => Networks { g7: true, budapest: true },
    }
}

/// One country's table, checked: its zone, desk hours, holidays, membership
/// and officers; `code` has been checked by the caller.
fn country(
    problems: &mut diagnostic::Collector,
    code: CountryCode,
    country: raw::RawCountry,
    networks: Networks,
) -> Country {
    let zone_name = country.time_zone.get_ref().clone();
    let time_zone = match jiff::tz::TimeZone::get(&zone_name) {
        Ok(tz) => tz,
        Err(_) => {
            problems.push(
                span(&country.time_zone),
                format!("`{}` is not an IANA time zone", excerpt(&zone_name)),
                Some(time_zone_hint(&zone_name)),
            );
            jiff::tz::TimeZone::UTC
        }
    };
    let mut staffing = country.staffing.0;
    let mut holidays = Vec::new();
    for date in &country.holidays {
        match date.get_ref().parse::<jiff::civil::Date>() {
            Ok(day) => holidays.push(day),
            Err(_) => problems.push(
                span(date),
                format!("holiday `{}` is not a date", date.get_ref()),
                Some("write local dates as \"YYYY-MM-DD\", like \"2026-12-25\"".to_owned()),
            ),
        }
    }
    if let Staffing::OfficeHours(hours) = &staffing {
        match hours.clone().with_holidays(holidays) {
            Ok(hours) => staffing = Staffing::OfficeHours(hours),
            Err(invalid) => problems.push(
                country.holidays.first().map_or(0..0, span),
                invalid.0,
                Some("list the days the desk is closed, a year at most".to_owned()),
            ),
        }
    }
    let officers = match &country.officers {
        Some(n) => match pocnet_node::constraint::officers(*n.get_ref()) {
            Ok(n) => Some(n),
            Err(invalid) => {
                problems.push(span(n), invalid.0, Some("leave `officers` out for a desk that never queues".to_owned()));
                None
            }
        },
        None => None,
    };
    let mut follow_up = FollowUp::default();
    if let Some(raw) = &country.mla_follow_up {
        // Each chance with where it is written: the role's own value, or the one for both.
        let (intermediate, origin) = match raw.get_ref() {
            raw::RawFollowUp::Every(both) => (Some((*both, span(raw))), Some((*both, span(raw)))),
            raw::RawFollowUp::ByRole(roles) => (
                roles.intermediate.as_ref().map(|v| (*v.get_ref(), span(v))),
                roles.origin.as_ref().map(|v| (*v.get_ref(), span(v))),
            ),
        };
        let both = matches!(raw.get_ref(), raw::RawFollowUp::Every(_));
        for (value, slot) in [(intermediate, &mut follow_up.intermediate), (origin, &mut follow_up.origin)] {
            let Some((value, at)) = value else { continue };
            match pocnet_node::constraint::probability(value) {
                Ok(p) => *slot = p,
                Err(invalid) => {
                    problems.push(at, invalid.0, Some("0 never follows up, 1 always".to_owned()));
                    // One value for both roles is one mistake.
                    if both {
                        break;
                    }
                }
            }
        }
    }
    let mut share = |value: &Option<toml::Spanned<f64>>, what: &str| match value {
        None => 0.0,
        Some(p) => pocnet_node::constraint::probability(*p.get_ref()).unwrap_or_else(|invalid| {
            problems.push(span(p), invalid.0, Some(format!("the share of requests {what}, 0 to 1")));
            0.0
        }),
    };
    let timestamp_errors = share(&country.timestamp_errors, "giving the wrong moment");
    let request_defects = share(&country.request_defects, "sent back for clarification");
    let refusal_grounds = share(&country.refusal_grounds, "refused on Art. 29(5) grounds");
    let renewal_forgotten = match &country.renewal_forgotten {
        None => defaults::RENEWAL_FORGOTTEN,
        some => share(some, "whose hold renewal is forgotten"),
    };
    // The order's delay means something only where the law asks for one.
    if let (Some(order), false) = (&country.disclosure_order, country.art30 == Some(raw::Art30Name::Order)) {
        problems.push(
            span(order),
            "`disclosure_order` applies only where art30 = \"order\"".to_owned(),
            Some("add art30 = \"order\", or leave disclosure_order out".to_owned()),
        );
    }
    if let (Some(urgent), false) =
        (&country.urgent_mla, country.emergency_disclosure == Some(raw::EmergencyDisclosureName::UrgentMla))
    {
        problems.push(
            span(urgent),
            "`urgent_mla` applies only where emergency_disclosure = \"urgent_mla\"".to_owned(),
            Some("add emergency_disclosure = \"urgent_mla\", or leave urgent_mla out".to_owned()),
        );
    }
    let emergency_disclosure = match country.emergency_disclosure {
        None | Some(raw::EmergencyDisclosureName::Direct) => EmergencyDisclosure::Direct,
        Some(raw::EmergencyDisclosureName::UrgentMla) => {
            EmergencyDisclosure::UrgentMla(law(country.urgent_mla.map(|d| d.into_inner()), defaults::URGENT_MLA))
        }
    };
    let disclosure = match country.art30 {
        None | Some(raw::Art30Name::Direct) => Art30::Direct,
        Some(raw::Art30Name::Order) => {
            Art30::Order(law(country.disclosure_order.map(|d| d.into_inner()), defaults::DISCLOSURE_ORDER))
        }
        Some(raw::Art30Name::MlaOnly) => Art30::MlaOnly,
    };
    let mut dual_criminality = Vec::new();
    for offence in country.dual_criminality.iter().flatten() {
        match pocnet_node::offence::reservation(&[*offence.get_ref()]) {
            Ok(()) => dual_criminality.push(*offence.get_ref()),
            Err(invalid) => problems.push(
                span(offence),
                invalid.0,
                Some(format!("a reservation lists offences its law does not punish, such as {}", outside_convention())),
            ),
        }
    }
    Country {
        code,
        name: country.name,
        time_zone,
        time_zone_name: zone_name,
        staffing,
        handling: law(country.acknowledgement, defaults::ACKNOWLEDGEMENT),
        written_confirmation: law(country.written_confirmation, defaults::WRITTEN_CONFIRMATION),
        mla_preparation: law(country.mla_preparation, defaults::MLA_PREPARATION),
        mla_execution: law(country.mla_execution, defaults::MLA_EXECUTION),
        hold_ms: country.hold.map_or(defaults::HOLD_MS, |d| d.0),
        hold_renewal_ms: country.hold_renewal.map(|d| d.0).filter(|&ms| ms > 0),
        member: networks.any(),
        languages: country.languages,
        translation: law(country.translation, defaults::TRANSLATION),
        court_order: country.court_order.map(|d| d.0),
        officers,
        dual_criminality,
        follow_up,
        timestamp_errors,
        request_defects,
        refusal_grounds,
        police_channel: country.police_channel,
        police_response: law(country.police_response, defaults::POLICE_RESPONSE),
        preservation_order: law(country.preservation_order, defaults::PRESERVATION_ORDER),
        mla_translation: law(country.mla_translation, defaults::MLA_TRANSLATION),
        request_preparation: country.request_preparation.map(|d| d.0),
        prosecutor_sign_off: country.prosecutor_sign_off.map(|d| d.0),
        disclosure,
        emergency_disclosure,
        renewal_forgotten,
        mla_abandoned_after_ms: match country.mla_abandoned_after {
            None => Some(defaults::MLA_ABANDONED_AFTER_MS),
            Some(raw::Patience::After(ms)) => Some(ms.0),
            Some(raw::Patience::Never) => None,
        },
    }
}

/// Enough of a value written in a scenario to recognise it in a message.
fn excerpt(text: &str) -> String {
    let mut chars = text.chars();
    let head: String = chars.by_ref().take(60).collect();
    if chars.next().is_some() { format!("{head}…") } else { head }
}
