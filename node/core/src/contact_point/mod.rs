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
//!
//! The machine is split by role: [`desk`] (the point of contact's officers:
//! taking up requests, acknowledging, queueing), [`carrier_side`] (the
//! carrier executing orders: preservation, what its logs disclose) and
//! [`channel`] (reaching another country: directory, transit, lost
//! messages). [`config`] holds what a node is configured with.

mod by_hop;
mod carrier_side;
mod channel;
mod config;
mod desk;
mod officer;
#[cfg(test)]
mod tests;

pub use config::{Coordination, IncidentReport, NodeConfig, Strategy};
pub use officer::Slips;

use crate::production::{DataCategory, Law, Situation};
use crate::seed::{self, Purpose};
use crate::staffing::LocalClock;
use crate::{
    Body, Carrier, CarrierId, CarrierOutage, Country, CountryCode, DirectoryEntry, Distribution, Envelope, Epoc, Event,
    EventKind, Finding, IncidentId, LogRecord, MessageLoss, NextHop, Offence, PreservationOutcome, ProductionChannel,
    SecondProtocol, SimTime, Window,
};
use by_hop::ByHop;
use rand_chacha::ChaCha8Rng;
use rand_distr::Distribution as _;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// What every desk on a trace knows about the case, whoever asked it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct CaseFacts {
    offence: Option<Offence>,
    emergency: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    Message(Envelope),
    Timer(Timer),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Timer {
    ReportIncident {
        incident: IncidentId,
    },
    /// An officer takes up a request: acknowledges it (if foreign), then orders
    /// preservation or applies for the court order that must come first.
    Acknowledge {
        incident: IncidentId,
        hop: u32,
    },
    /// The carrier is ordered to preserve (after the court order, if one was needed).
    OrderPreservation {
        incident: IncidentId,
        hop: u32,
    },
    /// An officer sends a preservation request to another country.
    SendRequest {
        incident: IncidentId,
        hop: u32,
        next: NextHop,
        reporting_country: CountryCode,
        /// The coordinated request it is part of, numbered by this desk.
        batch: Option<u64>,
        /// What the officer's form got wrong; `None`: drawn from the desk's rates.
        slips: Option<Slips>,
    },
    CarrierPreserved {
        incident: IncidentId,
        hop: u32,
    },
    CarrierDisclosed {
        incident: IncidentId,
        hop: u32,
    },
    SendConfirmation {
        incident: IncidentId,
        hop: u32,
        to: CountryCode,
        request_sent_at: SimTime,
    },
    /// The production request has been executed: produce the preserved data.
    Produce {
        incident: IncidentId,
        hop: u32,
        to: CountryCode,
        channel: ProductionChannel,
    },
    SendProductionRequest {
        incident: IncidentId,
        hop: u32,
        to: CountryCode,
        channel: ProductionChannel,
    },
    /// The requester's patience with a formal request for production runs
    /// out: unanswered by now, it is abandoned.
    AbandonProduction {
        incident: IncidentId,
        hop: u32,
        to: CountryCode,
        channel: ProductionChannel,
    },
    /// A person at the requested desk sends the request back: what it
    /// needs is missing or wrong. (A bot desk does so itself when the
    /// request is defective.)
    AskClarification {
        incident: IncidentId,
        hop: u32,
    },
    /// A person at the requested desk refuses the request: under Art.
    /// 29(4) (dual criminality) or on the grounds of Art. 29(5).
    Refuse {
        incident: IncidentId,
        hop: u32,
        dual_criminality: bool,
    },
    /// The requester answers a request for clarification.
    Clarify {
        incident: IncidentId,
        hop: u32,
        to: CountryCode,
    },
    /// The reporting country's request is prepared and signed off.
    RequestPrepared {
        incident: IncidentId,
    },
    /// A clarified request is taken up again: preservation is ordered (after
    /// the court order, where the law needs one).
    GatePreservation {
        incident: IncidentId,
        hop: u32,
    },
    /// A week before a hold a person's desk asked for lapses: the renewal
    /// is put to them then, unless production has been asked for.
    PromptRenewal {
        incident: IncidentId,
        hop: u32,
        to: CountryCode,
    },
    /// Shortly before a hold lapses: renew it unless production has been asked for.
    RenewHold {
        incident: IncidentId,
        hop: u32,
        to: CountryCode,
    },
    /// 30 days after a request straight to the provider (an Art. 7 order, a
    /// voluntary request): if it has not answered, Art. 8 or MLA follows.
    DirectFallback {
        incident: IncidentId,
        hop: u32,
        to: CountryCode,
    },
    /// A person playing the requested desk passes the carrier's answer on
    /// (a bot desk passes it on as the carrier gives it).
    ForwardDisclosure {
        incident: IncidentId,
        hop: u32,
        finding: Finding,
        forwarded: bool,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    Send(Envelope),
    SetTimer {
        at: SimTime,
        timer: Timer,
    },
    Record(Event),
    /// A desk step waiting for the person who plays this desk in an
    /// exercise; their action fires it as a timer, at the instant they act.
    Await(Timer),
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
    hold_until: Option<SimTime>,
    /// The request named the wrong moment: whatever the data shows is someone else's.
    timestamp_error: bool,
    /// The request is defective and not yet clarified.
    defect: bool,
    /// The hold has had its one renewal.
    hold_renewed: bool,
    /// The requester writes in no language this country takes: its formal
    /// requests need a certified translation.
    foreign_language: bool,
}

struct Streams {
    desk: ChaCha8Rng,
    carrier: ChaCha8Rng,
    channel: ChaCha8Rng,
    paperwork: ChaCha8Rng,
}

/// Everything this node holds about one incident: what every desk on its
/// trace knows, its own carriers' records, and the hops it works on.
#[derive(Debug, Default)]
struct Dossier {
    /// From the incident's report here, or from the first request about it.
    facts: Option<CaseFacts>,
    /// This country's carriers' logs of the communication: one in most
    /// dossiers (a carrier rarely carries a communication twice), kept inline.
    logs: smallvec::SmallVec<[LogRecord; 1]>,
    /// The hops this node handles, by position in the chain.
    cases: ByHop<Case, 0>,
    /// Hops this node has started work on, so that none is asked twice
    /// (under parallel the reporter asks them all at once), with their carriers.
    begun: ByHop<CarrierId>,
    /// Position in `ContactPoint::incidents` when reported here.
    reported: Option<usize>,
    /// What this node has noted of each hop, as flags.
    noted: ByHop<Noted>,
}

impl Dossier {
    fn note(&mut self, hop: u32, what: Noted) {
        match self.noted.get_mut(hop) {
            Some(noted) => noted.0 |= what.0,
            None => {
                self.noted.insert(hop, what);
            }
        }
    }

    fn unnote(&mut self, hop: u32, what: Noted) {
        if let Some(noted) = self.noted.get_mut(hop) {
            noted.0 &= !what.0;
        }
    }

    fn has_noted(&self, hop: u32, what: Noted) -> bool {
        self.noted.get(hop).is_some_and(|noted| noted.0 & what.0 != 0)
    }
}

/// What a node has noted of one hop of a trace, one flag each: a dossier
/// keeps one small entry per hop for all of them, instead of an entry in a
/// list of its own for each (a run holds a dossier per incident per node
/// on its trace).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Noted(u8);

impl Noted {
    /// Delivery accepted a request for the hop, queued or already taken up.
    const REQUESTED: Noted = Noted(1);
    /// As requester: the hop's data has been produced to this country.
    const PRODUCED: Noted = Noted(1 << 1);
    /// As requester: the hop's production request has left.
    const PRODUCTION_REQUESTED: Noted = Noted(1 << 2);
    /// As requester: the hop's disclosure named its carrier's own
    /// subscriber, the origin (a later disclosure may say otherwise).
    const ORIGIN: Noted = Noted(1 << 3);
    /// As requester: the hop's subscriber was asked of the provider
    /// directly (an Art. 7 order, a voluntary request), and its 30 days
    /// without an answer have not passed: no MLA request for the hop
    /// meanwhile. Cleared when they pass: MLA follows.
    const DIRECT_PENDING: Noted = Noted(1 << 4);
}

/// A coordinated request being gathered for one carrier.
#[derive(Debug, Clone, Copy)]
struct Batch {
    id: u64,
    opened_at: SimTime,
    send_at: SimTime,
}

/// How long before a hold lapses its requester asks for the renewal [assumed].
const HOLD_RENEWAL_LEAD_MS: i64 = 7 * crate::time::DAY_MS;

/// Second Protocol Art. 7(7): after 30 days without disclosure the
/// requesting Party may turn to Art. 8 or MLA. A provider declining a
/// voluntary request is given as long [assumed].
const DIRECT_FALLBACK_MS: i64 = 30 * crate::time::DAY_MS;

impl Dossier {
    /// The record of hop `hop`: a carrier the communication crossed twice
    /// holds one record per crossing, each naming its own previous hop.
    fn log(&self, hop: u32, carrier: &CarrierId) -> Option<&LogRecord> {
        self.logs.iter().find(|l| l.hop == hop && &l.carrier == carrier)
    }
}

/// Looked up, never iterated: a fixed-seed hasher keeps even the layout the
/// same from run to run; a fast one, since every input looks one up.
type Dossiers = HashMap<IncidentId, Dossier, foldhash::fast::FixedState>;

pub struct ContactPoint {
    country: Country,
    clock: LocalClock,
    carriers: BTreeMap<CarrierId, Carrier>,
    /// In configuration order: `start` draws detection delays in this order.
    incidents: Vec<IncidentReport>,
    dossiers: Dossiers,
    strategy: Strategy,
    message_delay: Distribution,
    min_message_delay_ms: i64,
    mla_transit: Distribution,
    non_members: BTreeSet<CountryCode>,
    directory: BTreeMap<CountryCode, DirectoryEntry>,
    desk_outages: Vec<Window>,
    message_losses: Vec<MessageLoss>,
    carrier_outages: Vec<CarrierOutage>,
    second_protocol: Option<SecondProtocol>,
    voluntary_carriers: BTreeSet<CarrierId>,
    /// The e-Evidence Regulation, where the scenario has countries it binds.
    epoc: Option<Epoc>,
    /// Countries classing an IP assignment as traffic data (no Art. 7 there).
    ip_assignment_is_traffic: BTreeSet<CountryCode>,
    coordination: Option<Coordination>,
    /// As requester: the coordinated request open for each carrier.
    open_batches: BTreeMap<CarrierId, Batch>,
    next_batch: u64,
    /// As requested: when each coordinated request (sender, number) was taken up.
    coordinated_taken: BTreeMap<(CountryCode, u64), SimTime>,
    /// When each officer of a desk with a fixed number of them is next free.
    officers_free_at: Option<Vec<SimTime>>,
    rng: Streams,
    next_message_sequence: u64,
    next_event_sequence: u64,
    /// A person plays this desk: its steps wait for them (`Output::Await`).
    manual: bool,
}

impl ContactPoint {
    pub fn new(config: NodeConfig) -> Self {
        let code = config.country.code.as_str();
        let stream = |purpose| seed::stream(config.seed, config.replication, code, purpose);
        let rng = Streams {
            desk: stream(Purpose::Desk),
            carrier: stream(Purpose::Carrier),
            channel: stream(Purpose::Channel),
            paperwork: stream(Purpose::Paperwork),
        };
        let mut dossiers = Dossiers::default();
        for log in config.logs {
            dossiers.entry(log.incident).or_default().logs.push(log);
        }
        for (i, report) in config.incidents.iter().enumerate() {
            let dossier = dossiers.entry(report.incident).or_default();
            dossier.facts = Some(CaseFacts { offence: report.offence, emergency: report.emergency });
            dossier.reported = Some(i);
        }
        let officers_free_at = config.country.officers.map(|n| vec![SimTime::ZERO; n.max(1) as usize]);
        ContactPoint {
            clock: LocalClock { epoch: config.epoch, time_zone: config.country.time_zone.clone() },
            carriers: config.carriers.into_iter().map(|c| (c.id, c)).collect(),
            dossiers,
            incidents: config.incidents,
            country: config.country,
            strategy: config.strategy,
            message_delay: config.message_delay,
            min_message_delay_ms: config.min_message_delay_ms,
            mla_transit: config.mla_transit,
            non_members: config.non_members,
            directory: config.directory,
            desk_outages: config.desk_outages,
            message_losses: config.message_losses,
            carrier_outages: config.carrier_outages,
            second_protocol: config.second_protocol,
            voluntary_carriers: config.voluntary_carriers,
            epoc: config.epoc,
            ip_assignment_is_traffic: config.ip_assignment_is_traffic,
            coordination: config.coordination,
            open_batches: BTreeMap::new(),
            next_batch: 0,
            coordinated_taken: BTreeMap::new(),
            officers_free_at,
            rng,
            next_message_sequence: 0,
            next_event_sequence: 0,
            manual: false,
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

    pub fn has_log(&self, incident: &IncidentId, hop: u32, carrier: &CarrierId) -> bool {
        self.dossiers.get(incident).is_some_and(|d| d.log(hop, carrier).is_some())
    }

    pub fn has_case(&self, incident: &IncidentId, hop: u32) -> bool {
        self.dossiers.get(incident).is_some_and(|d| d.cases.contains(hop))
    }

    pub fn reported_here(&self, incident: &IncidentId) -> bool {
        self.dossiers.get(incident).is_some_and(|d| d.reported.is_some())
    }

    /// Delivery accepted a request for this hop (it may still wait in the agenda).
    pub fn accept_request(&mut self, incident: &IncidentId, hop: u32) {
        self.dossier_mut(incident).note(hop, Noted::REQUESTED);
    }

    /// This node started work on the hop: it sent its request.
    pub fn has_begun(&self, incident: &IncidentId, hop: u32) -> bool {
        self.dossiers.get(incident).is_some_and(|d| d.begun.contains(hop))
    }

    pub fn was_requested(&self, incident: &IncidentId, hop: u32) -> bool {
        self.dossiers.get(incident).is_some_and(|d| d.has_noted(hop, Noted::REQUESTED))
    }

    /// The incident's dossier, opened on first use.
    fn dossier_mut(&mut self, incident: &IncidentId) -> &mut Dossier {
        self.dossiers.entry(*incident).or_default()
    }

    fn facts(&self, incident: &IncidentId) -> CaseFacts {
        self.dossiers.get(incident).and_then(|d| d.facts).unwrap_or_default()
    }

    fn case_mut(&mut self, incident: &IncidentId, hop: u32) -> Option<&mut Case> {
        self.dossiers.get_mut(incident)?.cases.get_mut(hop)
    }

    fn log(&self, incident: &IncidentId, hop: u32, carrier: &CarrierId) -> &LogRecord {
        self.dossiers.get(incident).and_then(|d| d.log(hop, carrier)).expect("a case's carrier holds its log")
    }

    /// The timers that start the run: each incident reported after its detection delay.
    pub fn start(&mut self) -> Vec<Output> {
        let mut out = Vec::new();
        for report in &self.incidents {
            let detected_after_ms = report.detection.sample(&mut self.rng.paperwork);
            out.push(Output::SetTimer {
                at: report.communication_at.plus_ms(detected_after_ms),
                timer: Timer::ReportIncident { incident: report.incident },
            });
        }
        out
    }

    pub fn handle(&mut self, now: SimTime, input: Input) -> Vec<Output> {
        let mut out = Vec::new();
        self.handle_into(now, input, &mut out);
        out
    }

    /// The same, appending to the caller's buffer: a runtime reuses one
    /// buffer for every input instead of allocating a vector for each.
    pub fn handle_into(&mut self, now: SimTime, input: Input, out: &mut Vec<Output>) {
        match input {
            Input::Timer(timer) => self.on_timer(now, timer, out),
            Input::Message(envelope) => self.on_message(now, envelope, out),
        }
    }

    fn on_timer(&mut self, now: SimTime, timer: Timer, out: &mut Vec<Output>) {
        match timer {
            Timer::ReportIncident { incident } => {
                self.record(out, now, &incident, 0, EventKind::IncidentReported);
                // Before the first request: the investigator's facts (WHOIS,
                // the provider's identifiers), then a prosecutor's sign-off
                // where the law wants one, though not in an emergency.
                let emergency = self.facts(&incident).emergency;
                let paperwork = &mut self.rng.paperwork;
                let preparation = self.country.request_preparation.as_ref().map(|d| d.sample(paperwork));
                let sign_off = match &self.country.prosecutor_sign_off {
                    Some(sign_off) if !emergency => Some(sign_off.sample(paperwork)),
                    _ => None,
                };
                match (preparation, sign_off) {
                    (None, None) => self.begin_known_hops(out, now, &incident),
                    (preparation, sign_off) => {
                        let at = now.plus_ms(preparation.unwrap_or(0) + sign_off.unwrap_or(0));
                        out.push(Output::SetTimer { at, timer: Timer::RequestPrepared { incident } });
                    }
                }
            }
            Timer::RequestPrepared { incident } => {
                self.record(out, now, &incident, 0, EventKind::RequestPrepared);
                self.begin_known_hops(out, now, &incident);
            }
            Timer::SendRequest { incident, hop, next, reporting_country, batch, slips } => {
                let facts = self.facts(&incident);
                // A wrong offset or timestamp, a wrong identifier: slips some
                // requests carry, drawn for a bot, from the form for a person.
                let Slips { timestamp_error, defect } = match slips {
                    Some(slips) => slips,
                    None => Slips {
                        timestamp_error: self.slips(self.country.timestamp_errors),
                        defect: self.slips(self.country.request_defects),
                    },
                };
                // A provider that takes foreign requests takes an emergency
                // disclosure request directly, past the point of contact.
                let to_provider = facts.emergency
                    && self.voluntary_carriers.contains(&next.carrier)
                    && !self.formal_with(&next.country);
                let body = Body::PreservationRequest {
                    carrier: next.carrier,
                    reporting_country,
                    languages: self.country.languages.clone(),
                    offence: facts.offence,
                    emergency: facts.emergency,
                    timestamp_error,
                    defect,
                    batch,
                    to_provider,
                };
                self.send(out, now, &next.country, &incident, hop, body);
                let event = EventKind::RequestSent { to: next.country, carrier: next.carrier };
                self.record(out, now, &incident, hop, event);
                if self.formal_with(&next.country) {
                    // The MLA request that asks for preservation asks for production too.
                    self.await_production(out, now, &incident, hop, &next.country, ProductionChannel::Mla);
                }
                if self.formal_with(&next.country) || to_provider {
                    // An MLA request is itself the formal request, and a
                    // request to a provider no Art. 29 request: nothing to confirm.
                    return;
                }
                let timer = Timer::SendConfirmation { incident, hop, to: next.country, request_sent_at: now };
                if self.manual {
                    out.push(Output::Await(timer));
                } else {
                    let confirm_after_ms = self.country.written_confirmation.sample(&mut self.rng.paperwork);
                    out.push(Output::SetTimer { at: now.plus_ms(confirm_after_ms), timer });
                }
            }
            Timer::Acknowledge { incident, hop } => self.acknowledge(out, now, &incident, hop),
            Timer::AskClarification { incident, hop } => self.ask_clarification(out, now, &incident, hop),
            Timer::Refuse { incident, hop, dual_criminality } => {
                self.refuse(out, now, &incident, hop, dual_criminality)
            }
            Timer::OrderPreservation { incident, hop } => self.order_preservation(out, now, &incident, hop),
            Timer::CarrierPreserved { incident, hop } => self.carrier_preserved(out, now, &incident, hop),
            Timer::CarrierDisclosed { incident, hop } => self.carrier_disclosed(out, now, &incident, hop),
            Timer::SendConfirmation { incident, hop, to, request_sent_at } => {
                self.send(out, now, &to, &incident, hop, Body::WrittenConfirmation { request_sent_at });
                self.record(out, now, &incident, hop, EventKind::ConfirmationSent { to });
            }
            Timer::Produce { incident, hop, to, channel } => {
                // Where only a production request opens the traffic data
                // (Art. 30 on MLA only), its execution discloses the next hop
                // too; an urgent MLA request is made for the origin, found already.
                if self.country.disclosure == crate::country::Art30::MlaOnly && channel != ProductionChannel::UrgentMla
                {
                    self.carrier_disclosed(out, now, &incident, hop);
                }
                self.send(out, now, &to, &incident, hop, Body::Production);
                self.record(out, now, &incident, hop, EventKind::Produced { to, channel });
            }
            Timer::SendProductionRequest { incident, hop, to, channel } => {
                // A direct request still within its 30 days stands in for the MLA request.
                let dossier = self.dossiers.get(&incident);
                if dossier.is_some_and(|d| d.has_noted(hop, Noted::DIRECT_PENDING)) {
                    return;
                }
                // Following held data up is a decision, likelier for the
                // origin; a hop not yet known as the origin counts as intermediate.
                let origin = dossier.is_some_and(|d| d.has_noted(hop, Noted::ORIGIN));
                let follow_up = &self.country.follow_up;
                let chance = if origin { follow_up.origin } else { follow_up.intermediate };
                // Draw only where it can fail, so certain follow-up leaves every other draw as it was.
                if chance < 1.0 && !rand_distr::Bernoulli::new(chance).is_ok_and(|c| c.sample(&mut self.rng.paperwork))
                {
                    self.record(out, now, &incident, hop, EventKind::ProductionNotPursued { to });
                    return;
                }
                // Between Second Protocol Parties the origin's subscriber is
                // asked by an Art. 8 order, prepared as an MLA request is, in
                // place of MLA.
                let art8 = ProductionChannel::Art8.eligible(&self.situation(&to, None, now, false));
                let channel =
                    if channel == ProductionChannel::Mla && origin && art8 { ProductionChannel::Art8 } else { channel };
                self.dossier_mut(&incident).note(hop, Noted::PRODUCTION_REQUESTED);
                self.send(out, now, &to, &incident, hop, Body::ProductionRequest { channel });
                self.await_production(out, now, &incident, hop, &to, channel);
                self.record(out, now, &incident, hop, EventKind::ProductionRequested { to, channel });
            }
            Timer::AbandonProduction { incident, hop, to, channel } => {
                if !self.dossier_mut(&incident).has_noted(hop, Noted::PRODUCED) {
                    self.record(out, now, &incident, hop, EventKind::ProductionAbandoned { to, channel });
                }
            }
            Timer::Clarify { incident, hop, to } => {
                self.send(out, now, &to, &incident, hop, Body::Clarified);
                self.record(out, now, &incident, hop, EventKind::ClarificationGiven { to });
            }
            Timer::GatePreservation { incident, hop } => self.gate_preservation(out, now, &incident, hop),
            Timer::ForwardDisclosure { incident, hop, finding, forwarded } => {
                let to = self.case(&incident, hop).map(|c| c.reporting_country);
                let to = to.expect("a disclosure is forwarded for a hop this desk handles");
                self.send(out, now, &to, &incident, hop, Body::Disclosure { finding, forwarded });
            }
            Timer::RenewHold { incident, hop, to } => {
                let asked = self.dossiers.get(&incident).is_some_and(|d| d.has_noted(hop, Noted::PRODUCTION_REQUESTED));
                if !asked {
                    self.send(out, now, &to, &incident, hop, Body::HoldRenewal);
                }
            }
            Timer::PromptRenewal { incident, hop, to } => {
                let asked = self.dossiers.get(&incident).is_some_and(|d| d.has_noted(hop, Noted::PRODUCTION_REQUESTED));
                if asked {
                    return;
                }
                // The desk may have gone to a bot since: it renews at once,
                // unless it forgets.
                if self.manual {
                    out.push(Output::Await(Timer::RenewHold { incident, hop, to }));
                } else if !self.renewal_slips() {
                    self.send(out, now, &to, &incident, hop, Body::HoldRenewal);
                }
            }
            Timer::DirectFallback { incident, hop, to } => {
                let dossier = self.dossier_mut(&incident);
                dossier.unnote(hop, Noted::DIRECT_PENDING);
                if dossier.has_noted(hop, Noted::PRODUCED) {
                    return;
                }
                // 30 days without an answer: Art. 8 or MLA follows (Art. 7(7));
                // the request names MLA and leaves as Art. 8 where that applies.
                let prepare_ms = self.production_preparation(ProductionChannel::Mla);
                out.push(Output::SetTimer {
                    at: now.plus_ms(prepare_ms),
                    timer: Timer::SendProductionRequest { incident, hop, to, channel: ProductionChannel::Mla },
                });
            }
        }
    }

    fn on_message(&mut self, now: SimTime, envelope: Envelope, out: &mut Vec<Output>) {
        let Envelope { from, incident, hop, body, .. } = envelope;
        if let Some(answer) = body.answer() {
            self.record(out, now, &incident, hop, EventKind::AnswerReceived { from, answer });
        }
        match body {
            Body::PreservationRequest {
                carrier,
                reporting_country,
                languages,
                offence,
                emergency,
                timestamp_error,
                defect,
                batch,
                to_provider,
            } => {
                self.dossier_mut(&incident).facts.get_or_insert(CaseFacts { offence, emergency });
                let event = if to_provider {
                    EventKind::ProviderRequestReceived { from, carrier }
                } else {
                    EventKind::RequestReceived { from, carrier }
                };
                self.record(out, now, &incident, hop, event);
                // A request in no language this desk reads.
                let readable = languages.is_empty()
                    || self.country.languages.is_empty()
                    || languages.iter().any(|l| self.country.languages.contains(l));
                let case = Case {
                    foreign_language: !readable,
                    carrier,
                    requester: from,
                    reporting_country,
                    logs: LogState::Unknown,
                    subscriber_kept: true,
                    hold_until: None,
                    timestamp_error,
                    defect,
                    hold_renewed: false,
                };
                self.dossier_mut(&incident).cases.insert(hop, case);
                // The provider acts on its own emergency policy at once: no
                // desk, no translation, no court order.
                if to_provider {
                    self.order_preservation(out, now, &incident, hop);
                    return;
                }
                // A person at the desk reads it (or has it read) and acts when they do.
                if self.manual {
                    out.push(Output::Await(Timer::Acknowledge { incident, hop }));
                    return;
                }
                // A request in no language this desk reads is translated first.
                let translated_at =
                    if readable { now } else { now.plus_ms(self.country.translation.sample(&mut self.rng.desk)) };
                // The requests of one coordinated request are taken up as one.
                let at = match batch.map(|b| (from, b)) {
                    Some(key) => match self.coordinated_taken.get(&key) {
                        Some(&taken) => taken.max(translated_at),
                        None => {
                            let at = self.desk_done(translated_at, emergency);
                            self.coordinated_taken.insert(key, at);
                            at
                        }
                    },
                    None => self.desk_done(translated_at, emergency),
                };
                out.push(Output::SetTimer { at, timer: Timer::Acknowledge { incident, hop } });
            }
            Body::Acknowledgement => {}
            Body::HoldRenewal => self.renew_hold(out, now, &incident, hop, from),
            // The requester's desk puts the request right and answers.
            Body::Clarification => {
                let emergency = self.facts(&incident).emergency;
                self.desk_step(out, now, emergency, Timer::Clarify { incident, hop, to: from });
            }
            // The requested desk reads the answer, then goes on as with a sound request.
            Body::Clarified => {
                // Delivery accepts a clarification queued ahead of its request;
                // taken up before the request, it has nothing to clarify.
                let Some(case) = self.case_mut(&incident, hop) else { return };
                case.defect = false;
                let emergency = self.facts(&incident).emergency;
                self.desk_step(out, now, emergency, Timer::GatePreservation { incident, hop });
            }
            Body::Production => {
                self.dossier_mut(&incident).note(hop, Noted::PRODUCED);
            }
            Body::PreservationResult(outcome) => {
                // An emergency ends in disclosure to the requester: no hold to
                // turn into production, no MLA cycle.
                // Nor after an MLA request that included preservation and
                // production (a non-member): its time was charged once.
                if let PreservationOutcome::Preserved { until } = outcome
                    && !self.facts(&incident).emergency
                    && !self.formal_with(&from)
                {
                    // The formal request that turns the hold into production:
                    // a European Production Order where one may reach the
                    // provider, otherwise MLA (Art. 31).
                    let provider = self.dossiers.get(&incident).and_then(|d| d.begun.get(hop)).cloned();
                    let order = self.situation(&from, provider.as_ref(), now, false);
                    let channel = if ProductionChannel::Epoc.eligible(&order) {
                        ProductionChannel::Epoc
                    } else {
                        ProductionChannel::Mla
                    };
                    // A person prepares the request, and renews the hold, when they do.
                    if self.manual {
                        let to = from;
                        out.push(Output::Await(Timer::SendProductionRequest { incident, hop, to, channel }));
                        // The renewal is put to them a week before the hold
                        // lapses, not now: until then it is not a step to take.
                        let at = until.plus_ms(-HOLD_RENEWAL_LEAD_MS).max(now);
                        out.push(Output::SetTimer { at, timer: Timer::PromptRenewal { incident, hop, to: from } });
                        return;
                    }
                    let prepare_ms = self.production_preparation(channel);
                    let ready_at = now.plus_ms(prepare_ms);
                    // The requester, not the law, keeps the hold alive: a
                    // week before it lapses it asks for the renewal, when
                    // its production request will not have left by then.
                    let renew_at = until.plus_ms(-HOLD_RENEWAL_LEAD_MS).max(now);
                    // A desk that forgets lets the hold lapse.
                    if ready_at >= renew_at && !self.renewal_slips() {
                        out.push(Output::SetTimer {
                            at: renew_at,
                            timer: Timer::RenewHold { incident, hop, to: from },
                        });
                    }
                    out.push(Output::SetTimer {
                        at: ready_at,
                        timer: Timer::SendProductionRequest { incident, hop, to: from, channel },
                    });
                }
            }
            Body::Disclosure { finding, forwarded } => {
                self.note_finding(&incident, hop, &finding);
                match finding {
                    Finding::PreviousHop(next) if !forwarded => {
                        let me = self.country.code;
                        self.begin_hop(out, now, &incident, hop + 1, next, me);
                    }
                    // The origin: its subscriber may be asked of the provider
                    // directly, between Second Protocol Parties (Art. 7) or
                    // by the provider's own policy; formal production waits.
                    Finding::Subscriber if let Some(channel) = self.direct_channel(&incident, hop, &from, now) => {
                        self.dossier_mut(&incident).note(hop, Noted::DIRECT_PENDING);
                        self.send(out, now, &from, &incident, hop, Body::ProductionRequest { channel });
                        self.record(out, now, &incident, hop, EventKind::ProductionRequested { to: from, channel });
                        out.push(Output::SetTimer {
                            at: now.plus_ms(DIRECT_FALLBACK_MS),
                            timer: Timer::DirectFallback { incident, hop, to: from },
                        });
                    }
                    // Or its police asked who the subscriber is, as
                    // intelligence, while the formal production runs.
                    Finding::Subscriber
                        if self.country.police_channel
                            && ProductionChannel::Police.eligible(&self.situation(
                                &from,
                                None,
                                now,
                                self.facts(&incident).emergency,
                            )) =>
                    {
                        let channel = ProductionChannel::Police;
                        self.send(out, now, &from, &incident, hop, Body::ProductionRequest { channel });
                        self.record(out, now, &incident, hop, EventKind::ProductionRequested { to: from, channel });
                    }
                    Finding::PreviousHop(_) | Finding::Subscriber | Finding::Nobody | Finding::Misidentified => {}
                }
            }
            Body::WrittenConfirmation { request_sent_at } => {
                self.record(out, now, &incident, hop, EventKind::ConfirmationReceived { from, request_sent_at });
            }
            Body::ProductionRequest { channel } => {
                let hold_until = self.case(&incident, hop).and_then(|c| c.hold_until).unwrap_or(now);
                let event = EventKind::ProductionRequestReceived { from, channel, hold_until };
                self.record(out, now, &incident, hop, event);
                // Taken up before the request it follows (delivery accepts it
                // queued ahead), it finds no case, so nothing to produce.
                if self.case(&incident, hop).is_none() {
                    return;
                }
                // Art. 29(7) (and Reg. 2023/1543 Art. 11 for an order) keeps
                // held data held once its production is asked, until the
                // request is decided. A provider answering an order of its
                // own (Arts. 7 and 8, voluntarily, to the police) answers
                // from what it still has when it answers: the hold, or its
                // own retention of the log that says who held the address.
                let held_pending_decision = match channel {
                    ProductionChannel::Mla
                    | ProductionChannel::Epoc
                    | ProductionChannel::Domestic
                    | ProductionChannel::UrgentMla => true,
                    ProductionChannel::Emergency
                    | ProductionChannel::Art7
                    | ProductionChannel::Art8
                    | ProductionChannel::Voluntary
                    | ProductionChannel::Police => false,
                };
                let held = now <= hold_until;
                // Where who held an address is traffic data, only the hold reaches it.
                let only_if_held =
                    channel == ProductionChannel::Art8 && self.ip_assignment_is_traffic.contains(&self.country.code);
                let kept_until = self.log_kept_until(&incident, hop);
                // Nothing left to answer from is decided without a draw.
                let retained = !only_if_held && kept_until.is_some_and(|until| now < until);
                if held || retained {
                    // An MLA request is executed by this State; an order, by
                    // the provider itself; an Art. 8 order, served by this
                    // State, then answered by the provider.
                    // State to State, it must first be in a language this State takes.
                    let translation_ms = if channel.instrument().state_to_state {
                        self.certified_translation(&incident, hop)
                    } else {
                        0
                    };
                    let execute_ms = translation_ms
                        + match (channel, &self.epoc, &self.second_protocol) {
                            (ProductionChannel::Epoc, Some(epoc), _) => epoc.response.sample(&mut self.rng.carrier),
                            (ProductionChannel::Art7, _, _) => self.direct_response(&incident, hop),
                            (ProductionChannel::Police, _, _) => {
                                self.country.police_response.sample(&mut self.rng.paperwork)
                            }
                            // The provider answers part of them, by its own policy.
                            (ProductionChannel::Voluntary, _, _) => {
                                let share = self.carrier_of(&incident, hop).voluntary_disclosure;
                                if !self.carrier_answers(share) {
                                    let event = EventKind::ProductionDeclined { from, channel };
                                    self.record(out, now, &incident, hop, event);
                                    return;
                                }
                                self.direct_response(&incident, hop)
                            }
                            (ProductionChannel::Art8, _, Some(protocol)) => {
                                protocol.art8_service.sample(&mut self.rng.paperwork)
                                    + protocol.art8_return.sample(&mut self.rng.carrier)
                            }
                            // An order or Art. 8 request without its instrument
                            // configured is executed as the MLA request it stands for.
                            (ProductionChannel::Mla, _, _)
                            | (ProductionChannel::Epoc, None, _)
                            | (ProductionChannel::Art8, _, None) => {
                                self.country.mla_execution.sample(&mut self.rng.paperwork)
                            }
                            // Never asked by a production request (delivery refuses
                            // them): the carrier's answer, or the urgent request
                            // that preservation carried, produces these.
                            (
                                ProductionChannel::Emergency
                                | ProductionChannel::Domestic
                                | ProductionChannel::UrgentMla,
                                _,
                                _,
                            ) => 0,
                        };
                    // Who held an address at an instant is read from the
                    // assignment log: past the hold, the provider can answer
                    // only while its own retention still keeps that log.
                    let answer_at = now.plus_ms(execute_ms);
                    let still_held = (held && held_pending_decision) || answer_at <= hold_until;
                    let still_kept = !only_if_held && kept_until.is_some_and(|until| answer_at < until);
                    if !still_held && !still_kept {
                        return;
                    }
                    out.push(Output::SetTimer {
                        at: now.plus_ms(execute_ms),
                        timer: Timer::Produce { incident, hop, to: from, channel },
                    });
                }
            }
        }
    }

    /// Begins work on the hops the report names: under parallel every known
    /// hop at once; otherwise the first, and each disclosure names the next.
    fn begin_known_hops(&mut self, out: &mut Vec<Output>, now: SimTime, incident: &IncidentId) {
        let report = self
            .dossiers
            .get(incident)
            .and_then(|d| d.reported)
            .map(|i| &self.incidents[i])
            .expect("start() sets this timer only for incidents reported here");
        let known: Vec<NextHop> = match self.strategy {
            Strategy::Parallel => report.known_chain.clone(),
            Strategy::Hub | Strategy::Relay => report.known_chain.iter().take(1).cloned().collect(),
        };
        let me = self.country.code;
        for (hop, next) in known.into_iter().enumerate() {
            self.begin_hop(out, now, incident, hop as u32, next, me);
        }
    }

    /// A formal request for production (State to State: MLA, an Art. 8
    /// order) is waited on only as long as this country's practice waits;
    /// an order straight to a provider has deadlines of its own.
    fn await_production(
        &mut self,
        out: &mut Vec<Output>,
        now: SimTime,
        incident: &IncidentId,
        hop: u32,
        to: &CountryCode,
        channel: ProductionChannel,
    ) {
        if let Some(patience_ms) = self.country.mla_abandoned_after_ms.filter(|_| channel.instrument().state_to_state) {
            let timer = Timer::AbandonProduction { incident: *incident, hop, to: *to, channel };
            out.push(Output::SetTimer { at: now.plus_ms(patience_ms), timer });
        }
    }

    /// Whether a slip with this chance happens to a request; draws only where
    /// it can, so a careful desk leaves every other draw as it was.
    pub(super) fn slips(&mut self, chance: f64) -> bool {
        chance > 0.0 && rand_distr::Bernoulli::new(chance).is_ok_and(|c| c.sample(&mut self.rng.paperwork))
    }

    /// A formal request State to State (MLA, an Art. 8 order) must come in a
    /// language this State takes: from a requester writing in none, it waits
    /// for its certified translation first.
    fn certified_translation(&mut self, incident: &IncidentId, hop: u32) -> i64 {
        match self.case(incident, hop) {
            Some(case) if case.foreign_language => self.country.mla_translation.sample(&mut self.rng.paperwork),
            _ => 0,
        }
    }

    /// Whether a bot desk forgets a hold's renewal this time.
    fn renewal_slips(&mut self) -> bool {
        let chance = self.country.renewal_forgotten;
        self.slips(chance)
    }

    /// A renewal asked in time extends the hold once, where the law has one.
    fn renew_hold(&mut self, out: &mut Vec<Output>, now: SimTime, incident: &IncidentId, hop: u32, from: CountryCode) {
        let Some(renewal_ms) = self.country.hold_renewal_ms else { return };
        let Some(case) = self.case_mut(incident, hop) else { return };
        match case.hold_until {
            Some(until) if now <= until && !case.hold_renewed => {
                let until = until.plus_ms(renewal_ms);
                case.hold_until = Some(until);
                case.hold_renewed = true;
                self.record(out, now, incident, hop, EventKind::HoldRenewed { from, until });
            }
            // Too late, or already renewed once: the hold runs its course.
            _ => {}
        }
    }

    /// As requester, remembers whether a hop's disclosure named the origin.
    fn note_finding(&mut self, incident: &IncidentId, hop: u32, finding: &Finding) {
        let origin = match finding {
            Finding::Subscriber => true,
            Finding::PreviousHop(_) => false,
            Finding::Nobody | Finding::Misidentified => return,
        };
        let dossier = self.dossier_mut(incident);
        if origin {
            dossier.note(hop, Noted::ORIGIN);
        } else {
            dossier.unnote(hop, Noted::ORIGIN);
        }
    }

    /// Whether this country may ask a provider in `to` for the subscriber
    /// directly (Second Protocol Art. 7): both parties, and not an emergency,
    /// which goes through the points of contact.
    /// The channel by which this country asks the origin's provider in `to`
    /// for its subscriber directly, if any: an Art. 7 order, else a voluntary
    /// request where the provider takes them and no production order can ask.
    fn direct_channel(
        &self,
        incident: &IncidentId,
        hop: u32,
        to: &CountryCode,
        now: SimTime,
    ) -> Option<ProductionChannel> {
        let provider = self.dossiers.get(incident).and_then(|d| d.begun.get(hop));
        let situation = self.situation(to, provider, now, self.facts(incident).emergency);
        [ProductionChannel::Art7, ProductionChannel::Voluntary].into_iter().find(|c| c.eligible(&situation))
    }

    /// What deciding on an instrument toward `requested` needs, as this
    /// node knows it: as requested country, it knows its own emergency
    /// regime; as requester, it does not.
    pub(super) fn situation<'a>(
        &'a self,
        requested: &'a CountryCode,
        provider: Option<&'a CarrierId>,
        now: SimTime,
        emergency: bool,
    ) -> Situation<'a> {
        let asks = if self.ip_assignment_is_traffic.contains(requested) {
            DataCategory::Traffic
        } else {
            DataCategory::Subscriber
        };
        Situation {
            requester: &self.country.code,
            requested,
            asks,
            provider,
            now,
            emergency,
            law: Law {
                epoc: self.epoc.as_ref(),
                second_protocol: self.second_protocol.as_ref(),
                voluntary_carriers: &self.voluntary_carriers,
                emergency_disclosure: None,
            },
        }
    }

    /// How long this desk takes to prepare a production request through
    /// `channel`: the one clock a bot keeps, and a bot taking over a
    /// person's waiting step.
    pub(super) fn production_preparation(&mut self, channel: ProductionChannel) -> i64 {
        let paperwork = &mut self.rng.paperwork;
        if let (ProductionChannel::Epoc, Some(epoc)) = (channel, &self.epoc) {
            // The issuing authority prepares and validates the order.
            epoc.preparation.sample(paperwork)
        } else if channel.instrument().state_to_state {
            // An MLA request, and an Art. 8 order prepared as one is.
            self.country.mla_preparation.sample(paperwork)
        } else {
            // Never prepared as a production request: an order without the
            // Regulation is not sent, and the rest are asked for otherwise (a
            // direct request, a disclosure, an intelligence query).
            0
        }
    }

    /// The carrier of a hop this node was asked about.
    fn carrier_of(&self, incident: &IncidentId, hop: u32) -> &Carrier {
        let carrier = self.case(incident, hop).map(|c| c.carrier);
        // Delivery accepts a direct request only for a hop this node was
        // asked to preserve, so the case names one of its carriers.
        carrier.and_then(|id| self.carriers.get(&id)).expect("a direct request follows the hop's request")
    }

    /// The provider answering a direct request on its own timescale: its
    /// law borrowed, not copied, so that its fitted parameters are kept.
    fn direct_response(&mut self, incident: &IncidentId, hop: u32) -> i64 {
        let id = self.carrier_of(incident, hop).id;
        self.carriers[&id].direct_response.sample(&mut self.rng.carrier)
    }

    /// Whether a provider answering this share of direct requests answers
    /// this one; draws only where it can fail.
    fn carrier_answers(&mut self, share: f64) -> bool {
        share >= 1.0 || rand_distr::Bernoulli::new(share).is_ok_and(|c| c.sample(&mut self.rng.carrier))
    }

    fn case(&self, incident: &IncidentId, hop: u32) -> Option<&Case> {
        self.dossiers.get(incident)?.cases.get(hop)
    }

    fn record(&mut self, out: &mut Vec<Output>, now: SimTime, incident: &IncidentId, hop: u32, kind: EventKind) {
        let sequence = self.next_event_sequence;
        self.next_event_sequence += 1;
        if tracing::enabled!(tracing::Level::INFO) {
            // Spans per incident and per request give `RUST_LOG=info` the flow
            // of a trace between countries, stamped with simulated time.
            let at = self.clock.local(now);
            let _incident = tracing::info_span!("incident", id = incident.as_str()).entered();
            let _request = tracing::info_span!("request", hop).entered();
            let text = kind.describe(&|t| self.clock.local(t).strftime("%a %Y-%m-%d %H:%M %Z").to_string());
            tracing::info!(
                sim = %at.timestamp(),
                local = %at.strftime("%a %Y-%m-%d %H:%M %Z"),
                country = %self.country.code,
                "{text}"
            );
        }
        out.push(Output::Record(Event {
            at: now,
            country: self.country.code,
            sequence,
            incident: *incident,
            hop,
            kind,
        }));
    }
}
