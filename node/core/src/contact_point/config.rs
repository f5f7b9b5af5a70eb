//! What a node is configured with to play one country in one run, and the
//! strategies by which a trace walks from country to country.

use crate::{
    Carrier, CarrierId, CarrierOutage, Country, CountryCode, DirectoryEntry, Distribution, Epoc, IncidentId, LogRecord,
    MessageLoss, NextHop, Offence, SecondProtocol, SimTime, Window,
};
use std::collections::{BTreeMap, BTreeSet};

/// Who sends the request for the next hop once a hop's traffic data is disclosed.
/// The one definition: scenarios, the command line and reports use its names.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Strategy {
    /// The reporting country asks every next country itself (hub and spoke).
    #[default]
    Hub,
    /// The requested country forwards the request onward and informs the reporting country.
    Relay,
    /// The whole chain is known from other intelligence: the reporting country
    /// asks every hop's country at once.
    Parallel,
}

impl Strategy {
    pub const ALL: [Strategy; 3] = [Strategy::Hub, Strategy::Relay, Strategy::Parallel];

    pub fn from_name(name: &str) -> Option<Strategy> {
        Strategy::ALL.into_iter().find(|s| s.name() == name)
    }

    /// The name scenarios and reports use.
    pub fn name(self) -> &'static str {
        match self {
            Strategy::Hub => "hub",
            Strategy::Relay => "relay",
            Strategy::Parallel => "parallel",
        }
    }
}

/// An incident this country's point of contact learns of from its own victim.
#[derive(Debug, Clone, PartialEq)]
pub struct IncidentReport {
    pub incident: IncidentId,
    pub communication_at: SimTime,
    /// Time from the communication to the report reaching the point of contact.
    pub detection: Distribution,
    /// The carriers the reporting country can name, victim's side first: the
    /// first from the victim's own records; under [`Strategy::Parallel`] the
    /// whole chain. Never empty.
    pub known_chain: Vec<NextHop>,
    /// The Budapest Arts. 2-11 category investigated, checked against
    /// dual-criminality reservations; `None`: none named, nothing to refuse.
    pub offence: Option<Offence>,
    /// A threat to life (Second Protocol Art. 9): requests skip the desk's
    /// queue and carriers answer on their emergency timescale.
    pub emergency: bool,
}

/// Coordinated requests (G8 Principle II; a lead country or Europol for a
/// botnet): a requesting desk merges the requests it would send to one
/// carrier within `window_ms` into one, sent after `delay`; the requested
/// desk handles them as one.
#[derive(Debug, Clone, PartialEq)]
pub struct Coordination {
    pub window_ms: i64,
    pub delay: Distribution,
}

/// Everything a node needs to play one country in one run.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeConfig {
    pub country: Country,
    pub carriers: Vec<Carrier>,
    pub logs: Vec<LogRecord>,
    pub incidents: Vec<IncidentReport>,
    pub strategy: Strategy,
    /// Transit time of a cross-border message, never below `min_message_delay_ms`.
    pub message_delay: Distribution,
    /// The lookahead of the time windows: no message arrives sooner than this after it is sent.
    pub min_message_delay_ms: i64,
    /// Transit of a request or answer to or from a non-member: the MLA route (Art. 31).
    pub mla_transit: Distribution,
    /// Countries outside the 24/7 network.
    pub non_members: BTreeSet<CountryCode>,
    /// How this node reaches each other country; a country without an entry
    /// is reached over `message_delay` and its entry is never stale.
    pub directory: BTreeMap<CountryCode, DirectoryEntry>,
    /// Periods this desk cannot be reached at all (a scenario fault).
    pub desk_outages: Vec<Window>,
    /// Periods this node's messages to a country are lost and resent.
    pub message_losses: Vec<MessageLoss>,
    /// Periods one of this node's carriers cannot act on orders.
    pub carrier_outages: Vec<CarrierOutage>,
    /// The Second Protocol (Arts. 7 and 8), when the scenario has Parties to it.
    pub second_protocol: Option<SecondProtocol>,
    /// Carriers, of any country, that take foreign authorities' direct
    /// requests for non-content data (their policies are public).
    pub voluntary_carriers: BTreeSet<CarrierId>,
    /// The EU e-Evidence Regulation, when the scenario has countries it binds.
    pub epoc: Option<Epoc>,
    /// Countries whose law classes "who held IP x at time t" as traffic data,
    /// not subscriber information: an Art. 7 order (subscriber information
    /// only) cannot ask it of their providers.
    pub ip_assignment_is_traffic: BTreeSet<CountryCode>,
    /// Requests to one carrier merged within a window; `None`: each on its own.
    pub coordination: Option<Coordination>,
    pub epoch: jiff::Timestamp,
    pub seed: u64,
    pub replication: u64,
}

impl NodeConfig {
    /// Every carrier this node may order itself, without a request that
    /// delivery would check, is one of its own and holds the incident's log:
    /// the domestic hops its victims name, and the domestic previous hops its
    /// carriers' logs name. Returns the field at fault and the problem.
    pub fn check_domestic_records(&self) -> Result<(), (String, String)> {
        let me = &self.country.code;
        let holds = |incident: &IncidentId, hop: u32, carrier: &CarrierId| {
            self.carriers.iter().any(|c| &c.id == carrier)
                && self.logs.iter().any(|l| &l.incident == incident && l.hop == hop && &l.carrier == carrier)
        };
        for (i, report) in self.incidents.iter().enumerate() {
            for (j, hop) in report.known_chain.iter().enumerate() {
                if &hop.country == me && !holds(&report.incident, j as u32, &hop.carrier) {
                    return Err((
                        format!("incidents[{i}].known_chain[{j}]"),
                        format!("carrier `{}` of {me} holds no log of incident `{}`", hop.carrier, report.incident),
                    ));
                }
            }
        }
        for (i, log) in self.logs.iter().enumerate() {
            if let Some(previous) = log.previous.as_ref().filter(|p| &p.country == me)
                && !holds(&log.incident, log.hop.saturating_add(1), &previous.carrier)
            {
                return Err((
                    format!("logs[{i}].previous"),
                    format!("carrier `{}` of {me} holds no log of incident `{}`", previous.carrier, log.incident),
                ));
            }
        }
        Ok(())
    }
}
