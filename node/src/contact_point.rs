//! The point of contact's decisions, as a sans-IO state machine.
//!
//! `handle(now, input)` takes a message received or a timer fired and returns
//! what to do: messages to send, timers to set, events to record. It reads no
//! clock, does no I/O and draws only from its own seeded streams, so the
//! in-process engine and the gRPC service, which both drive it, agree to the
//! byte.
//!
//! How a hop goes, at the country whose carrier it is:
//! request received → (translated, if written in no language the desk reads)
//! → desk acknowledges when an officer is available → (court order, where the
//! law needs one) → carrier ordered to preserve → the carrier preserves, finds
//! its logs already deleted, or keeps none → the carrier's traffic data names
//! the previous hop, disclosed to the reporting country (Art. 30). Who asks
//! the next country depends on the [`Strategy`].

use crate::directory::blocked_until;
use crate::seed::{self, Purpose};
use crate::staffing::LocalClock;
use crate::{
    Body, Carrier, CarrierId, CarrierOutage, Country, CountryCode, DirectoryEntry, Distribution, Envelope, Event,
    EventKind, Finding, LogRecord, MessageLoss, NextHop, Offence, PreservationOutcome, SimTime, Window,
};
use rand_chacha::ChaCha8Rng;
use rand_distr::Distribution as _;
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
    pub incident: String,
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

/// What every desk on a trace knows about the case, whoever asked it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct CaseFacts {
    offence: Option<Offence>,
    emergency: bool,
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
    /// Parties whose carriers take Second Protocol Art. 7 orders directly;
    /// between two of them, requests go straight to the carrier.
    pub direct_order_countries: BTreeSet<CountryCode>,
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
        let holds = |incident: &str, carrier: &CarrierId| {
            self.carriers.iter().any(|c| &c.id == carrier)
                && self.logs.iter().any(|l| l.incident == incident && &l.carrier == carrier)
        };
        for (i, report) in self.incidents.iter().enumerate() {
            for (j, hop) in report.known_chain.iter().enumerate() {
                if &hop.country == me && !holds(&report.incident, &hop.carrier) {
                    return Err((
                        format!("incidents[{i}].known_chain[{j}]"),
                        format!("carrier `{}` of {me} holds no log of incident `{}`", hop.carrier, report.incident),
                    ));
                }
            }
        }
        for (i, log) in self.logs.iter().enumerate() {
            if let Some(previous) = log.previous.as_ref().filter(|p| &p.country == me)
                && !holds(&log.incident, &previous.carrier)
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

#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    Message(Envelope),
    Timer(Timer),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Timer {
    ReportIncident {
        incident: String,
    },
    /// An officer takes up a request: acknowledges it (if foreign), then orders
    /// preservation or applies for the court order that must come first.
    Acknowledge {
        incident: String,
        hop: u32,
    },
    /// The carrier is ordered to preserve (after the court order, if one was needed).
    OrderPreservation {
        incident: String,
        hop: u32,
    },
    /// An officer sends a preservation request to another country.
    SendRequest {
        incident: String,
        hop: u32,
        next: NextHop,
        reporting_country: CountryCode,
    },
    CarrierPreserved {
        incident: String,
        hop: u32,
    },
    CarrierDisclosed {
        incident: String,
        hop: u32,
    },
    SendConfirmation {
        incident: String,
        hop: u32,
        to: CountryCode,
        request_sent_at: SimTime,
    },
    /// The MLA request has been executed: produce the preserved data.
    Produce {
        incident: String,
        hop: u32,
        to: CountryCode,
    },
    SendMla {
        incident: String,
        hop: u32,
        to: CountryCode,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    Send(Envelope),
    SetTimer { at: SimTime, timer: Timer },
    Record(Event),
}

/// What the carrier's logs turned out to hold when the order reached it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LogState {
    /// Not ordered yet.
    Unknown,
    Survive,
    Expired,
    NeverKept,
}

/// A hop this country handles: a request received, or a domestic carrier of its own trace.
#[derive(Debug, Clone)]
struct Case {
    carrier: CarrierId,
    requester: CountryCode,
    reporting_country: CountryCode,
    logs: LogState,
    /// The carrier still had the subscriber records when it took the order.
    subscriber_kept: bool,
    /// A direct order (2AP Art. 7): the carrier answers on its direct-order timescale.
    direct: bool,
    hold_until: Option<SimTime>,
}

struct Streams {
    desk: ChaCha8Rng,
    carrier: ChaCha8Rng,
    channel: ChaCha8Rng,
    paperwork: ChaCha8Rng,
}

pub struct ContactPoint {
    country: Country,
    clock: LocalClock,
    carriers: BTreeMap<CarrierId, Carrier>,
    logs: BTreeMap<(String, CarrierId), LogRecord>,
    incidents: Vec<IncidentReport>,
    cases: BTreeMap<(String, u32), Case>,
    strategy: Strategy,
    message_delay: Distribution,
    min_message_delay_ms: i64,
    mla_transit: Distribution,
    non_members: BTreeSet<CountryCode>,
    directory: BTreeMap<CountryCode, DirectoryEntry>,
    desk_outages: Vec<Window>,
    message_losses: Vec<MessageLoss>,
    carrier_outages: Vec<CarrierOutage>,
    direct_order_countries: BTreeSet<CountryCode>,
    /// Hops this node has started work on, so that none is asked twice
    /// (under parallel the reporter asks them all at once).
    begun: BTreeSet<(String, u32)>,
    /// Per incident, from its report or from the first request about it.
    facts: BTreeMap<String, CaseFacts>,
    /// When each officer of a desk with a fixed number of them is next free.
    officers_free_at: Option<Vec<SimTime>>,
    rng: Streams,
    next_message_sequence: u64,
    next_event_sequence: u64,
}

impl ContactPoint {
    pub fn new(config: NodeConfig) -> Self {
        let code = config.country.code.0.clone();
        let stream = |purpose| seed::stream(config.seed, config.replication, &code, purpose);
        let rng = Streams {
            desk: stream(Purpose::Desk),
            carrier: stream(Purpose::Carrier),
            channel: stream(Purpose::Channel),
            paperwork: stream(Purpose::Paperwork),
        };
        let facts = config
            .incidents
            .iter()
            .map(|i| (i.incident.clone(), CaseFacts { offence: i.offence, emergency: i.emergency }))
            .collect();
        let officers_free_at = config.country.officers.map(|n| vec![SimTime::ZERO; n.max(1) as usize]);
        ContactPoint {
            clock: LocalClock { epoch: config.epoch, time_zone: config.country.time_zone.clone() },
            carriers: config.carriers.into_iter().map(|c| (c.id.clone(), c)).collect(),
            logs: config.logs.into_iter().map(|l| ((l.incident.clone(), l.carrier.clone()), l)).collect(),
            incidents: config.incidents,
            country: config.country,
            cases: BTreeMap::new(),
            strategy: config.strategy,
            message_delay: config.message_delay,
            min_message_delay_ms: config.min_message_delay_ms,
            mla_transit: config.mla_transit,
            non_members: config.non_members,
            directory: config.directory,
            desk_outages: config.desk_outages,
            message_losses: config.message_losses,
            carrier_outages: config.carrier_outages,
            direct_order_countries: config.direct_order_countries,
            begun: BTreeSet::new(),
            facts,
            officers_free_at,
            rng,
            next_message_sequence: 0,
            next_event_sequence: 0,
        }
    }

    pub fn code(&self) -> &CountryCode {
        &self.country.code
    }

    pub fn min_message_delay_ms(&self) -> i64 {
        self.min_message_delay_ms
    }

    pub fn has_carrier(&self, carrier: &CarrierId) -> bool {
        self.carriers.contains_key(carrier)
    }

    pub fn has_log(&self, incident: &str, carrier: &CarrierId) -> bool {
        self.logs.contains_key(&(incident.to_owned(), carrier.clone()))
    }

    pub fn has_case(&self, incident: &str, hop: u32) -> bool {
        self.cases.contains_key(&(incident.to_owned(), hop))
    }

    pub fn reported_here(&self, incident: &str) -> bool {
        self.incidents.iter().any(|i| i.incident == incident)
    }

    /// The timers that start the run: each incident reported after its detection delay.
    pub fn start(&mut self) -> Vec<Output> {
        let mut out = Vec::new();
        for report in &self.incidents {
            let detected_after_ms = report.detection.sample(&mut self.rng.paperwork);
            out.push(Output::SetTimer {
                at: report.communication_at.plus_ms(detected_after_ms),
                timer: Timer::ReportIncident { incident: report.incident.clone() },
            });
        }
        out
    }

    pub fn handle(&mut self, now: SimTime, input: Input) -> Vec<Output> {
        let mut out = Vec::new();
        match input {
            Input::Timer(timer) => self.on_timer(now, timer, &mut out),
            Input::Message(envelope) => self.on_message(now, envelope, &mut out),
        }
        out
    }

    fn on_timer(&mut self, now: SimTime, timer: Timer, out: &mut Vec<Output>) {
        match timer {
            Timer::ReportIncident { incident } => {
                let report = self
                    .incidents
                    .iter()
                    .find(|r| r.incident == incident)
                    .expect("start() sets this timer only for incidents reported here");
                // Parallel: every known hop at once; otherwise the first, and
                // each disclosure names the next.
                let known: Vec<NextHop> = match self.strategy {
                    Strategy::Parallel => report.known_chain.clone(),
                    Strategy::Hub | Strategy::Relay => report.known_chain.iter().take(1).cloned().collect(),
                };
                self.record(out, now, &incident, 0, EventKind::IncidentReported);
                let me = self.country.code.clone();
                for (hop, next) in known.into_iter().enumerate() {
                    self.begin_hop(out, now, &incident, hop as u32, next, me.clone());
                }
            }
            Timer::SendRequest { incident, hop, next, reporting_country } => {
                let facts = self.facts.get(&incident).cloned().unwrap_or_default();
                // Between two parties that allow it, the order goes straight to the carrier.
                let direct = self.direct_order_countries.contains(&self.country.code)
                    && self.direct_order_countries.contains(&next.country);
                let body = Body::PreservationRequest {
                    carrier: next.carrier.clone(),
                    reporting_country,
                    languages: self.country.languages.clone(),
                    offence: facts.offence,
                    emergency: facts.emergency,
                    direct,
                };
                self.send(out, now, &next.country, &incident, hop, body);
                let event = EventKind::RequestSent { to: next.country.clone(), carrier: next.carrier };
                self.record(out, now, &incident, hop, event);
                if direct {
                    // A direct order is itself the formal written order: no confirmation follows.
                    return;
                }
                let confirm_after_ms = self.country.written_confirmation.sample(&mut self.rng.paperwork);
                out.push(Output::SetTimer {
                    at: now.plus_ms(confirm_after_ms),
                    timer: Timer::SendConfirmation { incident, hop, to: next.country, request_sent_at: now },
                });
            }
            Timer::Acknowledge { incident, hop } => self.acknowledge(out, now, &incident, hop),
            Timer::OrderPreservation { incident, hop } => self.order_preservation(out, now, &incident, hop),
            Timer::CarrierPreserved { incident, hop } => self.carrier_preserved(out, now, &incident, hop),
            Timer::CarrierDisclosed { incident, hop } => self.carrier_disclosed(out, now, &incident, hop),
            Timer::SendConfirmation { incident, hop, to, request_sent_at } => {
                self.send(out, now, &to, &incident, hop, Body::WrittenConfirmation { request_sent_at });
                self.record(out, now, &incident, hop, EventKind::ConfirmationSent { to });
            }
            Timer::Produce { incident, hop, to } => {
                self.send(out, now, &to, &incident, hop, Body::Production);
                self.record(out, now, &incident, hop, EventKind::Produced { to });
            }
            Timer::SendMla { incident, hop, to } => {
                self.send(out, now, &to, &incident, hop, Body::MlaRequest);
                self.record(out, now, &incident, hop, EventKind::MlaSent { to });
            }
        }
    }

    fn on_message(&mut self, now: SimTime, envelope: Envelope, out: &mut Vec<Output>) {
        let Envelope { from, incident, hop, body, .. } = envelope;
        if let Some(answer) = body.answer() {
            self.record(out, now, &incident, hop, EventKind::AnswerReceived { from: from.clone(), answer });
        }
        match body {
            Body::PreservationRequest { carrier, reporting_country, languages, offence, emergency, direct } => {
                self.facts.entry(incident.clone()).or_insert(CaseFacts { offence, emergency });
                let event = if direct {
                    EventKind::DirectOrderReceived { from: from.clone(), carrier: carrier.clone() }
                } else {
                    EventKind::RequestReceived { from: from.clone(), carrier: carrier.clone() }
                };
                self.record(out, now, &incident, hop, event);
                let case = Case {
                    carrier,
                    requester: from,
                    reporting_country,
                    logs: LogState::Unknown,
                    subscriber_kept: true,
                    direct,
                    hold_until: None,
                };
                self.cases.insert((incident.clone(), hop), case);
                if direct {
                    // No desk: the carrier itself takes the order.
                    self.order_preservation(out, now, &incident, hop);
                    return;
                }
                // A request in no language this desk reads is translated first.
                let readable = languages.is_empty()
                    || self.country.languages.is_empty()
                    || languages.iter().any(|l| self.country.languages.contains(l));
                let translated_at =
                    if readable { now } else { now.plus_ms(self.country.translation.sample(&mut self.rng.desk)) };
                let at = self.desk_done(translated_at, emergency);
                out.push(Output::SetTimer { at, timer: Timer::Acknowledge { incident, hop } });
            }
            Body::Acknowledgement | Body::Production => {}
            Body::PreservationResult(outcome) => {
                if let PreservationOutcome::Preserved { .. } = outcome {
                    // Art. 31: the formal request that turns the hold into production.
                    let prepare_ms = self.country.mla_preparation.sample(&mut self.rng.paperwork);
                    out.push(Output::SetTimer {
                        at: now.plus_ms(prepare_ms),
                        timer: Timer::SendMla { incident, hop, to: from },
                    });
                }
            }
            Body::Disclosure { finding, forwarded } => {
                if let Finding::PreviousHop(next) = finding
                    && !forwarded
                {
                    let me = self.country.code.clone();
                    self.begin_hop(out, now, &incident, hop + 1, next, me);
                }
            }
            Body::WrittenConfirmation { request_sent_at } => {
                self.record(out, now, &incident, hop, EventKind::ConfirmationReceived { from, request_sent_at });
            }
            Body::MlaRequest => {
                let hold_until = self.case(&incident, hop).and_then(|c| c.hold_until).unwrap_or(now);
                self.record(out, now, &incident, hop, EventKind::MlaReceived { from: from.clone(), hold_until });
                // Only data still held can be produced; after the hold it is released.
                if now <= hold_until {
                    let execute_ms = self.country.mla_execution.sample(&mut self.rng.paperwork);
                    out.push(Output::SetTimer {
                        at: now.plus_ms(execute_ms),
                        timer: Timer::Produce { incident, hop, to: from },
                    });
                }
            }
        }
    }

    /// Starts work on hop `hop`, once: a domestic carrier is ordered
    /// directly, a foreign one gets a preservation request; either way an
    /// officer of this desk does it, when one is available.
    fn begin_hop(
        &mut self,
        out: &mut Vec<Output>,
        now: SimTime,
        incident: &str,
        hop: u32,
        next: NextHop,
        reporting_country: CountryCode,
    ) {
        if !self.begun.insert((incident.to_owned(), hop)) {
            return;
        }
        let emergency = self.facts.get(incident).is_some_and(|f| f.emergency);
        let at = self.desk_done(now, emergency);
        let timer = if next.country == self.country.code {
            let case = Case {
                carrier: next.carrier,
                requester: self.country.code.clone(),
                reporting_country,
                logs: LogState::Unknown,
                subscriber_kept: true,
                direct: false,
                hold_until: None,
            };
            self.cases.insert((incident.to_owned(), hop), case);
            Timer::Acknowledge { incident: incident.to_owned(), hop }
        } else {
            Timer::SendRequest { incident: incident.to_owned(), hop, next, reporting_country }
        };
        out.push(Output::SetTimer { at, timer });
    }

    fn acknowledge(&mut self, out: &mut Vec<Output>, now: SimTime, incident: &str, hop: u32) {
        let case = self.case(incident, hop).cloned().expect("a hop's timers are set after its case is opened");
        let me = self.country.code.clone();
        if case.requester != me {
            self.record(out, now, incident, hop, EventKind::Acknowledged { requester: case.requester.clone() });
            if case.reporting_country != me {
                self.send(out, now, &case.reporting_country, incident, hop, Body::Acknowledgement);
            }
            // Art. 29(4): a reserving country preserves only for the offences it also punishes.
            let offence = self.facts.get(incident).and_then(|f| f.offence);
            if let Some(offence) = crate::offence::refuses(&self.country.dual_criminality, offence) {
                self.record(out, now, incident, hop, EventKind::Refused { carrier: case.carrier.clone(), offence });
                if case.reporting_country != me {
                    let refusal = Body::PreservationResult(PreservationOutcome::Refused { offence });
                    self.send(out, now, &case.reporting_country, incident, hop, refusal);
                }
                return;
            }
        }
        match &self.country.court_order {
            // Where the law needs a judge first, the order waits for the court.
            Some(court) => {
                let at = now.plus_ms(court.sample(&mut self.rng.paperwork));
                out.push(Output::SetTimer {
                    at,
                    timer: Timer::OrderPreservation { incident: incident.to_owned(), hop },
                });
            }
            None => self.order_preservation(out, now, incident, hop),
        }
    }

    fn order_preservation(&mut self, out: &mut Vec<Output>, now: SimTime, incident: &str, hop: u32) {
        let case = self.case(incident, hop).cloned().expect("a hop's timers are set after its case is opened");
        self.record(out, now, incident, hop, EventKind::PreservationOrdered { carrier: case.carrier.clone() });
        // Delivery checks a request's carrier and log, and the configuration
        // check does so for every domestic hop this node may order itself.
        let carrier = self.carriers.get(&case.carrier).expect("a case's carrier is one of this node's");
        let log = self.logs.get(&(incident.to_owned(), case.carrier.clone())).expect("a case's carrier holds its log");
        // A carrier in an outage takes the order when it is back.
        let outages: Vec<Window> =
            self.carrier_outages.iter().filter(|o| o.carrier == case.carrier).map(|o| o.window).collect();
        let back_at = blocked_until(&outages, now).unwrap_or(now);
        // A carrier with business hours acts on the order when its staff are in.
        let taken_at = carrier.hours.officer_available(back_at, &self.clock, &mut self.rng.carrier);
        // The logs survive only if the order reaches the carrier before they are deleted.
        let logs = if carrier.no_logs {
            LogState::NeverKept
        } else if taken_at <= log.communication_at.plus_ms(carrier.retention_ms) {
            LogState::Survive
        } else {
            LogState::Expired
        };
        let subscriber_kept =
            carrier.subscriber_retention_ms.is_none_or(|r| taken_at <= log.communication_at.plus_ms(r));
        let emergency = self.facts.get(incident).is_some_and(|f| f.emergency);
        let law = if emergency { &carrier.emergency_response } else { &carrier.preservation };
        let execute_ms = law.sample(&mut self.rng.carrier);
        if let Some(case) = self.cases.get_mut(&(incident.to_owned(), hop)) {
            case.logs = logs;
            case.subscriber_kept = subscriber_kept;
        }
        out.push(Output::SetTimer {
            at: taken_at.plus_ms(execute_ms),
            timer: Timer::CarrierPreserved { incident: incident.to_owned(), hop },
        });
    }

    fn carrier_preserved(&mut self, out: &mut Vec<Output>, now: SimTime, incident: &str, hop: u32) {
        let case = self.case(incident, hop).cloned().expect("a hop's timers are set after its case is opened");
        let carrier = self.carriers.get(&case.carrier).expect("a case's carrier is one of this node's");
        let log = self.logs.get(&(incident.to_owned(), case.carrier.clone())).expect("a case's carrier holds its log");
        let carrier_id = case.carrier.clone();
        let outcome = match case.logs {
            LogState::Survive => {
                let until = now.plus_ms(self.country.hold_ms + self.country.hold_renewal_ms.unwrap_or(0));
                let emergency = self.facts.get(incident).is_some_and(|f| f.emergency);
                let law = match (emergency, case.direct) {
                    (true, _) => &carrier.emergency_response,
                    (false, true) => &carrier.direct_response,
                    (false, false) => &carrier.disclosure,
                };
                let disclose_ms = law.sample(&mut self.rng.carrier);
                let staff_at = carrier.hours.officer_available(now, &self.clock, &mut self.rng.carrier);
                out.push(Output::SetTimer {
                    at: staff_at.plus_ms(disclose_ms),
                    timer: Timer::CarrierDisclosed { incident: incident.to_owned(), hop },
                });
                if let Some(case) = self.cases.get_mut(&(incident.to_owned(), hop)) {
                    case.hold_until = Some(until);
                }
                self.record(out, now, incident, hop, EventKind::Preserved { carrier: carrier_id, until });
                PreservationOutcome::Preserved { until }
            }
            LogState::Expired => {
                let expired_at = log.communication_at.plus_ms(carrier.retention_ms);
                self.record(out, now, incident, hop, EventKind::LogsExpired { carrier: carrier_id, expired_at });
                PreservationOutcome::Expired { expired_at }
            }
            LogState::NeverKept => {
                self.record(out, now, incident, hop, EventKind::NoLogs { carrier: carrier_id });
                PreservationOutcome::NoLogs
            }
            LogState::Unknown => unreachable!("the carrier executes an order only after it was given"),
        };
        if case.reporting_country != self.country.code {
            self.send(out, now, &case.reporting_country, incident, hop, Body::PreservationResult(outcome));
        }
    }

    fn carrier_disclosed(&mut self, out: &mut Vec<Output>, now: SimTime, incident: &str, hop: u32) {
        let case = self.case(incident, hop).cloned().expect("a hop's timers are set after its case is opened");
        let log = self.logs.get(&(incident.to_owned(), case.carrier.clone())).expect("a case's carrier holds its log");
        let finding = match (&log.previous, log.identifiable) {
            (_, false) => Finding::Nobody,
            (Some(previous), true) => Finding::PreviousHop(previous.clone()),
            // At the origin the traffic data points at an account: its holder
            // is known only if the subscriber records were still kept.
            (None, true) if case.subscriber_kept => Finding::Subscriber,
            (None, true) => Finding::Nobody,
        };
        let me = self.country.code.clone();
        let mut forwarded = false;
        match &finding {
            Finding::PreviousHop(next) => {
                let event = EventKind::Disclosed { carrier: case.carrier.clone(), next_hop: next.clone() };
                self.record(out, now, incident, hop, event);
                // Under relay, and always for the reporting country's own
                // carriers, this desk sends the next request itself (once:
                // under parallel it already has).
                if self.strategy == Strategy::Relay || case.reporting_country == me {
                    forwarded = true;
                    self.begin_hop(out, now, incident, hop + 1, next.clone(), case.reporting_country.clone());
                }
            }
            Finding::Subscriber => {
                self.record(out, now, incident, hop, EventKind::OriginIdentified { carrier: case.carrier.clone() });
            }
            Finding::Nobody => {
                self.record(out, now, incident, hop, EventKind::Unidentified { carrier: case.carrier.clone() });
            }
        }
        if case.reporting_country != me {
            // Under parallel the reporter asked every hop already: nothing to forward.
            let forwarded = forwarded || self.strategy == Strategy::Parallel;
            self.send(out, now, &case.reporting_country, incident, hop, Body::Disclosure { finding, forwarded });
        }
    }

    fn case(&self, incident: &str, hop: u32) -> Option<&Case> {
        self.cases.get(&(incident.to_owned(), hop))
    }

    /// When this desk has finished handling something that reached it at `now`.
    ///
    /// With a fixed number of officers, work queues for the first one free;
    /// an emergency (2AP Art. 9) is taken by whoever is on duty at once.
    fn desk_done(&mut self, now: SimTime, emergency: bool) -> SimTime {
        // Nobody can be reached at a desk that is down, however urgent.
        let now = blocked_until(&self.desk_outages, now).unwrap_or(now);
        let staffing = &self.country.staffing;
        let mut start = staffing.officer_available(now, &self.clock, &mut self.rng.desk);
        let handling_ms = self.country.handling.sample(&mut self.rng.desk);
        if let (Some(free_at), false) = (self.officers_free_at.as_mut(), emergency) {
            let (officer, &earliest) =
                free_at.iter().enumerate().min_by_key(|(i, t)| (**t, *i)).expect("at least one officer");
            if earliest > start {
                // Busy until then; by that time the desk may have closed.
                start = staffing.officer_available(earliest, &self.clock, &mut self.rng.desk);
            }
            free_at[officer] = start.plus_ms(handling_ms);
        }
        start.plus_ms(handling_ms)
    }

    fn send(&mut self, out: &mut Vec<Output>, now: SimTime, to: &CountryCode, incident: &str, hop: u32, body: Body) {
        debug_assert_ne!(to, &self.country.code, "messages cross a border");
        // Without a point of contact at either end there is no expedited
        // channel: the message goes the formal MLA way.
        let formal = !self.country.member || self.non_members.contains(to);
        let entry = if formal { None } else { self.directory.get(to).cloned() };
        let law = match &entry {
            _ if formal => self.mla_transit.clone(),
            Some(entry) => entry.channel.clone(),
            None => self.message_delay.clone(),
        };
        let mut transit_ms = law.sample(&mut self.rng.channel).max(self.min_message_delay_ms);
        if let Some(entry) = entry {
            // Draw only where staleness is possible, so a directory without
            // it leaves every other draw as it was.
            let stale = entry.stale_windows.iter().any(|w| w.contains(now))
                || (entry.stale_probability > 0.0
                    && rand_distr::Bernoulli::new(entry.stale_probability.min(1.0))
                        .is_ok_and(|coin| coin.sample(&mut self.rng.channel)));
            if stale {
                transit_ms += entry.fallback.sample(&mut self.rng.channel);
                self.record(out, now, incident, hop, EventKind::DirectoryStale { to: to.clone() });
            }
        }
        let lost = self.message_losses.iter().find(|l| &l.to == to && l.window.contains(now)).map(|l| l.retry_after_ms);
        if let Some(retry_after_ms) = lost {
            // The sender notices after its timeout and sends again.
            let resent_ms = law.sample(&mut self.rng.channel).max(self.min_message_delay_ms);
            transit_ms = retry_after_ms + resent_ms;
            self.record(out, now, incident, hop, EventKind::MessageLost { to: to.clone() });
        }
        let sequence = self.next_message_sequence;
        self.next_message_sequence += 1;
        tracing::debug!(
            from = %self.country.code, %to, incident, hop, at_ms = now.ms(), transit_ms, formal,
            "sending {}", body.name()
        );
        out.push(Output::Send(Envelope {
            from: self.country.code.clone(),
            to: to.clone(),
            sequence,
            sent_at: now,
            deliver_at: now.plus_ms(transit_ms),
            incident: incident.to_owned(),
            hop,
            body,
        }));
    }

    fn record(&mut self, out: &mut Vec<Output>, now: SimTime, incident: &str, hop: u32, kind: EventKind) {
        let sequence = self.next_event_sequence;
        self.next_event_sequence += 1;
        if tracing::enabled!(tracing::Level::INFO) {
            // Spans per incident and per request give `RUST_LOG=info` the flow
            // of a trace between countries, stamped with simulated time.
            let at = self.clock.local(now);
            let _incident = tracing::info_span!("incident", id = incident).entered();
            let _request = tracing::info_span!("request", hop).entered();
            tracing::info!(
                sim = %at.timestamp(),
                local = %at.strftime("%a %H:%M %Z"),
                country = %self.country.code,
                "{kind}"
            );
        }
        out.push(Output::Record(Event {
            at: now,
            country: self.country.code.clone(),
            sequence,
            incident: incident.to_owned(),
            hop,
            kind,
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::{DAY_MS, HOUR_MS, MINUTE_MS};
    use crate::{DeliveryError, NodeRuntime, Staffing};

    fn country(code: &str) -> Country {
        Country {
            code: code.into(),
            name: code.to_owned(),
            time_zone: jiff::tz::TimeZone::UTC,
            time_zone_name: "UTC".to_owned(),
            staffing: Staffing::AroundTheClock,
            handling: Distribution::Fixed { ms: 10 * MINUTE_MS },
            written_confirmation: Distribution::Fixed { ms: DAY_MS },
            mla_preparation: Distribution::Fixed { ms: 30 * DAY_MS },
            mla_execution: Distribution::Fixed { ms: 200 * DAY_MS },
            hold_ms: 60 * DAY_MS,
            hold_renewal_ms: None,
            member: true,
            languages: vec!["en".to_owned()],
            translation: Distribution::Fixed { ms: 5 * HOUR_MS },
            court_order: None,
            officers: None,
            dual_criminality: Vec::new(),
        }
    }

    fn carrier(id: &str, code: &str, retention_ms: i64) -> Carrier {
        Carrier {
            id: id.into(),
            country: code.into(),
            kind: "access-isp".to_owned(),
            retention_ms,
            no_logs: false,
            preservation: Distribution::Fixed { ms: 2 * HOUR_MS },
            disclosure: Distribution::Fixed { ms: 6 * HOUR_MS },
            emergency_response: Distribution::Fixed { ms: HOUR_MS },
            hours: Staffing::AroundTheClock,
            subscriber_retention_ms: None,
            direct_response: Distribution::Fixed { ms: 10 * DAY_MS },
        }
    }

    /// Country `code` holding carrier `c-<code>`, whose logs for hops `0..hops`
    /// of incident `i` name `previous`.
    fn requested_config(
        code: &str,
        retention_ms: i64,
        hops: u32,
        previous: Option<NextHop>,
        strategy: Strategy,
    ) -> NodeConfig {
        NodeConfig {
            country: country(code),
            carriers: vec![carrier(&format!("c-{code}"), code, retention_ms)],
            logs: (0..hops)
                .map(|hop| LogRecord {
                    incident: "i".to_owned(),
                    hop,
                    carrier: CarrierId(format!("c-{code}")),
                    communication_at: SimTime::ZERO,
                    previous: previous.clone(),
                    identifiable: true,
                })
                .collect(),
            incidents: Vec::new(),
            strategy,
            message_delay: Distribution::Fixed { ms: 5 * MINUTE_MS },
            min_message_delay_ms: MINUTE_MS,
            mla_transit: Distribution::Fixed { ms: 300 * DAY_MS },
            non_members: BTreeSet::new(),
            directory: BTreeMap::new(),
            desk_outages: Vec::new(),
            message_losses: Vec::new(),
            carrier_outages: Vec::new(),
            direct_order_countries: BTreeSet::new(),
            epoch: jiff::Timestamp::UNIX_EPOCH,
            seed: 1,
            replication: 0,
        }
    }

    fn requested_node(code: &str, retention_ms: i64, previous: Option<NextHop>, strategy: Strategy) -> ContactPoint {
        ContactPoint::new(requested_config(code, retention_ms, 1, previous, strategy))
    }

    fn request(to: &str, at: SimTime) -> Input {
        Input::Message(Envelope {
            from: "FR".into(),
            to: to.into(),
            sequence: 0,
            sent_at: at.plus_ms(-5 * MINUTE_MS),
            deliver_at: at,
            incident: "i".to_owned(),
            hop: 0,
            body: Body::PreservationRequest {
                carrier: CarrierId(format!("c-{to}")),
                reporting_country: "FR".into(),
                languages: vec!["en".to_owned()],
                offence: Some(Offence::ComputerRelatedFraud),
                emergency: false,
                direct: false,
            },
        })
    }

    /// Feeds the machine's own timers back to it until it has none left.
    fn run_timers(machine: &mut ContactPoint, first: Vec<Output>) -> Vec<(SimTime, Output)> {
        let mut pending: Vec<(SimTime, Timer)> = Vec::new();
        let mut seen = Vec::new();
        let mut take = |outputs: Vec<Output>, now: SimTime, pending: &mut Vec<(SimTime, Timer)>| {
            for output in outputs {
                if let Output::SetTimer { at, timer } = &output {
                    pending.push((*at, timer.clone()));
                }
                seen.push((now, output));
            }
        };
        take(first, SimTime::ZERO, &mut pending);
        while !pending.is_empty() {
            pending.sort_by_key(|(at, _)| *at);
            let (at, timer) = pending.remove(0);
            let outputs = machine.handle(at, Input::Timer(timer));
            take(outputs, at, &mut pending);
        }
        seen
    }

    fn sent(outputs: &[(SimTime, Output)]) -> Vec<(SimTime, String, &'static str)> {
        outputs
            .iter()
            .filter_map(|(at, o)| match o {
                Output::Send(e) => Some((*at, e.to.0.clone(), e.body.name())),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn an_order_after_the_retention_window_finds_the_logs_expired_and_discloses_nothing() {
        let mut de = requested_node("DE", 3 * DAY_MS, None, Strategy::Hub);
        let arrival = SimTime(4 * DAY_MS);
        let first = de.handle(arrival, request("DE", arrival));
        let outputs = run_timers(&mut de, first);
        let expired = outputs.iter().any(|(_, o)| {
            matches!(o, Output::Record(Event { kind: EventKind::LogsExpired { expired_at, .. }, .. })
                if *expired_at == SimTime(3 * DAY_MS))
        });
        assert!(expired, "{outputs:#?}");
        let answers: Vec<_> = sent(&outputs).into_iter().map(|(_, to, what)| (to, what)).collect();
        assert_eq!(answers, [("FR".to_owned(), "acknowledgement"), ("FR".to_owned(), "preservation result")]);
    }

    #[test]
    fn in_time_the_carrier_preserves_then_discloses_after_its_fixed_delays() {
        let mut de = requested_node("DE", 7 * DAY_MS, None, Strategy::Hub);
        let arrival = SimTime(HOUR_MS);
        let first = de.handle(arrival, request("DE", arrival));
        let outputs = run_timers(&mut de, first);
        // ack after 10 min of handling, preserved 2 h later, origin disclosed 6 h after that.
        let answers = sent(&outputs);
        assert_eq!(
            answers,
            [
                (SimTime(HOUR_MS + 10 * MINUTE_MS), "FR".to_owned(), "acknowledgement"),
                (SimTime(3 * HOUR_MS + 10 * MINUTE_MS), "FR".to_owned(), "preservation result"),
                (SimTime(9 * HOUR_MS + 10 * MINUTE_MS), "FR".to_owned(), "traffic data disclosure"),
            ]
        );
    }

    #[test]
    fn relay_forwards_the_next_request_itself_while_hub_leaves_it_to_the_reporter() {
        let next = Some(NextHop { carrier: "c-US".into(), country: "US".into() });
        for (strategy, forwards) in [(Strategy::Relay, true), (Strategy::Hub, false)] {
            let mut de = requested_node("DE", 7 * DAY_MS, next.clone(), strategy);
            let first = de.handle(SimTime::ZERO, request("DE", SimTime::ZERO));
            let outputs = run_timers(&mut de, first);
            let to_us =
                sent(&outputs).iter().filter(|(_, to, what)| to == "US" && *what == "preservation request").count();
            assert_eq!(to_us, usize::from(forwards), "{strategy:?}");
            let forwarded_flag = outputs.iter().any(|(_, o)| {
                matches!(o, Output::Send(Envelope { body: Body::Disclosure { forwarded: true, .. }, .. }))
            });
            assert_eq!(forwarded_flag, forwards, "{strategy:?}");
        }
    }

    #[test]
    fn simultaneous_messages_run_in_sender_order_whatever_order_they_were_delivered() {
        let make = || {
            // Two requests for different hops from two senders, both due at 1 h.
            NodeRuntime::new(requested_config("DE", 7 * DAY_MS, 2, None, Strategy::Hub))
        };
        let envelope = |from: &str, hop| Envelope {
            from: from.into(),
            to: "DE".into(),
            sequence: 0,
            sent_at: SimTime(HOUR_MS - 5 * MINUTE_MS),
            deliver_at: SimTime(HOUR_MS),
            incident: "i".to_owned(),
            hop,
            body: Body::PreservationRequest {
                carrier: "c-DE".into(),
                reporting_country: from.into(),
                languages: Vec::new(),
                offence: None,
                emergency: false,
                direct: false,
            },
        };
        let mut a = make();
        a.deliver(envelope("FR", 0)).unwrap();
        a.deliver(envelope("US", 1)).unwrap();
        let mut b = make();
        b.deliver(envelope("US", 1)).unwrap();
        b.deliver(envelope("FR", 0)).unwrap();
        let (a, b) = (a.advance(SimTime(10 * DAY_MS)), b.advance(SimTime(10 * DAY_MS)));
        assert_eq!(a.events, b.events);
        assert_eq!(a.sent, b.sent);
        assert!(!a.events.is_empty());
    }

    #[test]
    fn delivery_rejects_unknown_carriers_messages_from_the_past_and_duplicates() {
        let mut node = NodeRuntime::new(requested_config("DE", DAY_MS, 1, None, Strategy::Hub));
        let Input::Message(good) = request("DE", SimTime(HOUR_MS)) else { unreachable!() };
        let mut unknown = good.clone();
        unknown.body = Body::PreservationRequest {
            carrier: "nope".into(),
            reporting_country: "FR".into(),
            languages: Vec::new(),
            offence: None,
            emergency: false,
            direct: false,
        };
        assert_eq!(node.deliver(unknown).unwrap_err().field(), "preservation_request.carrier");
        let mut too_fast = good.clone();
        too_fast.sent_at = too_fast.deliver_at;
        assert_eq!(node.deliver(too_fast).unwrap_err().field(), "deliver_at_ms");
        node.deliver(good.clone()).unwrap();
        assert!(matches!(node.deliver(good.clone()), Err(DeliveryError::DuplicateRequest { .. })));
        node.advance(SimTime(2 * HOUR_MS));
        let mut late = good;
        late.hop = 1;
        assert!(matches!(node.deliver(late), Err(DeliveryError::InThePast { .. })));
    }
}
