//! The event log projected once into traces and hops: what happened to each
//! incident, hop by hop, with its goal results. Every output (the one-run
//! report, the replication analysis, the CSV rows, the HTML pages) is built
//! from this projection, and every latency from [`HopReport::span`].

use crate::goals::Goal;
use crate::latency::{Measure, Role, Stage};
use crate::scenario::Scenario;
use crate::units::{MaybeMs, fmt_ms};
use pocnet_node::{Answer, CarrierId, CountryCode, Event, EventKind, IncidentId, NextHop, Offence, ProductionChannel};
use serde::Serialize;
use std::collections::HashMap;

#[derive(Debug, Clone, Serialize)]
pub struct IncidentReport {
    pub id: IncidentId,
    pub reported_by: CountryCode,
    pub communication_at_ms: i64,
    pub reported_at_ms: Option<i64>,
    pub trace: TraceOutcome,
    /// Who the subscriber behind the origin is, once a production channel
    /// (or an emergency disclosure) yielded it; `None` until then.
    pub subscriber: Option<SubscriberIdentified>,
    /// Legal defects a practitioner would flag, in words (an MLA request
    /// resting on a preservation the requester never asked for, say).
    pub defects: Vec<String>,
    /// The origin found and held, but the requester abandoned its formal
    /// request for production unanswered: when, from the report.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub production_abandoned_after_ms: Option<i64>,
    pub hops: Vec<HopReport>,
}

/// The second outcome: the subscriber identified, after the network's job
/// (origin found, data held) is done.
#[derive(Debug, Clone, Serialize)]
pub struct SubscriberIdentified {
    pub channel: ProductionChannel,
    /// An MLA request between States not both Budapest Parties: its basis is
    /// a bilateral treaty, UNTOC Art. 18 or letters rogatory, not Art. 31.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub outside_convention: bool,
    /// Whether what the channel yields is evidence, on the preservation it rests on.
    pub usable: bool,
    /// Why it is not, and how it would be regularised.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unusable_because: Option<String>,
    pub at_ms: i64,
    pub since_report_ms: Option<i64>,
}

impl SubscriberIdentified {
    /// How reports name the instrument it came through.
    pub fn instrument(&self) -> &'static str {
        SubscriberIdentified::instrument_of(self.channel, self.outside_convention)
    }

    /// How reports name a channel, an MLA outside the Convention apart.
    pub fn instrument_of(channel: ProductionChannel, outside_convention: bool) -> &'static str {
        if outside_convention {
            "MLA outside the Convention (a bilateral treaty, UNTOC Art. 18 or letters rogatory)"
        } else {
            channel.description()
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TraceResult {
    /// The origin carrier was found and its data held: the network's job is done.
    OriginPreserved,
    /// The trail ended at a hop whose logs were gone or never kept.
    Stopped,
    /// Neither: the incident was never reported or a hop never answered.
    Incomplete,
}

#[derive(Debug, Clone, Serialize)]
pub struct TraceOutcome {
    pub result: TraceResult,
    /// The hop where the origin was found or where the trail stopped.
    pub hop: Option<u32>,
    pub at_ms: Option<i64>,
    /// Report → origin found, or → the stop.
    pub since_report_ms: Option<i64>,
    pub reason: String,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HopOutcome {
    #[default]
    NotReached,
    Pending,
    LogsExpired,
    /// The carrier keeps no logs: nothing could be preserved.
    NoLogs,
    /// Refused: under a dual-criminality reservation (`refused_offence`
    /// names the offence) or on Art. 29(5) grounds (no offence named).
    Refused,
    /// Preserved, but the logs cannot single out a subscriber (carrier-grade NAT).
    Unidentified,
    /// Held, but only a production request could open it (Art. 30 on MLA
    /// only), and that arrived after the hold had lapsed: the data was released.
    HoldLapsed,
    /// The request named the wrong moment: the data names someone else.
    Misidentified,
    NextHopDisclosed,
    /// The carrier's data shows its own subscriber: the origin.
    OriginFound,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct HopReport {
    pub hop: u32,
    pub country: CountryCode,
    pub carrier: CarrierId,
    pub carrier_kind: String,
    pub retention_ms: i64,
    /// The reporting country's own carrier: ordered domestically, no cross-border request.
    pub domestic: bool,
    /// An emergency disclosure request taken by the provider directly: no
    /// point of contact acknowledged it.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub to_provider: bool,
    /// Requested by a country other than the reporting one (the relay
    /// strategy): an informal referral with no treaty basis, since under
    /// Art. 29(2)(f) only the State that will send the MLA request asks.
    pub informal_referral: bool,
    pub requested_by: Option<CountryCode>,
    /// When the requesting desk learned this hop needed a request: the
    /// report (the first hop, or every hop under parallel), else the previous
    /// hop's disclosure reaching it.
    pub requester_informed_ms: MaybeMs,
    /// Whether `requester_informed_ms` is the report itself.
    pub informed_by_report: bool,
    pub request_sent_ms: MaybeMs,
    pub request_received_ms: MaybeMs,
    pub acknowledged_ms: MaybeMs,
    pub preservation_ordered_ms: MaybeMs,
    pub preserved_ms: MaybeMs,
    pub hold_until_ms: MaybeMs,
    pub logs_expired_ms: MaybeMs,
    pub logs_deleted_at_ms: MaybeMs,
    pub disclosed_ms: MaybeMs,
    pub next_hop: Option<NextHop>,
    /// The disclosure reached the reporting country (when it is not the disclosing one).
    pub disclosure_received_ms: MaybeMs,
    pub confirmation_received_ms: MaybeMs,
    /// The preservation result reached the reporting country (when it is not the preserving one).
    pub preservation_result_received_ms: MaybeMs,
    /// The reporting country sent its production request (MLA or order).
    pub production_requested_ms: MaybeMs,
    /// The reporting country decided not to pursue production of the held data.
    pub production_not_pursued: bool,
    /// The hold was renewed at the requester's request (then `hold_until_ms` is the renewed end).
    pub hold_renewed: bool,
    /// The request came back for clarification (wrong identifiers, over-broad scope) and was answered then.
    pub clarification_asked_ms: MaybeMs,
    /// The channel the requester asked production through.
    pub production_channel: Option<ProductionChannel>,
    pub production_request_received_ms: MaybeMs,
    /// The preserved data was produced under the production request.
    pub produced_ms: MaybeMs,
    /// The requester abandoned its formal request for production, unanswered.
    #[serde(skip_serializing_if = "MaybeMs::is_none")]
    pub production_abandoned_ms: MaybeMs,
    /// The origin country's police told the requester who the subscriber
    /// is: intelligence, not evidence (a police channel, not production).
    #[serde(skip_serializing_if = "MaybeMs::is_none")]
    pub intelligence_ms: MaybeMs,
    /// The offence a dual-criminality reservation refused.
    pub refused_offence: Option<Offence>,
    /// Why the carrier could single out nobody.
    pub unidentified_because: Option<Unidentified>,
    pub outcome: HopOutcome,
    pub goals: Vec<GoalResult>,
}

/// Why a carrier answering a disclosure could single out nobody.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unidentified {
    /// Behind carrier-grade NAT, asked without the source port.
    CarrierGradeNat,
    /// Its subscriber records were gone when it took the order.
    RecordsGone,
}

impl Unidentified {
    /// Why, as a sentence's end after the carrier's name.
    pub fn reason(self) -> &'static str {
        match self {
            Unidentified::CarrierGradeNat => {
                "is behind carrier-grade NAT and the request had no source port: nobody identified"
            }
            Unidentified::RecordsGone => "no longer kept the subscriber records: the account holder is unknown",
        }
    }

    /// How a hop's outcome column says it.
    pub fn outcome(self) -> &'static str {
        match self {
            Unidentified::CarrierGradeNat => "NOBODY IDENTIFIED (CGN)",
            Unidentified::RecordsGone => "NOBODY IDENTIFIED (subscriber records gone)",
        }
    }
}

// The reason, as the JSON report has always given it.
impl Serialize for Unidentified {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.reason())
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct GoalResult {
    pub measure: Measure,
    pub met: bool,
    /// The measured latency; `None` when the step never happened.
    pub actual_ms: Option<i64>,
}

impl HopReport {
    /// The country a span or goal of `role` holds to account on this hop.
    pub fn accountable(&self, role: Role) -> Option<&CountryCode> {
        match role {
            Role::Requested => Some(&self.country),
            Role::Requesting => self.requested_by.as_ref(),
        }
    }

    /// The length of a hop's span, where both its ends happened: the one
    /// definition every report, chart and CSV row uses.
    pub fn span(&self, stage: Stage) -> Option<i64> {
        let since_received = |at: Option<i64>| at.zip(self.request_received_ms.get()).map(|(a, r)| a - r);
        match stage {
            Stage::Acknowledgement => since_received(self.acknowledged_ms.get()),
            Stage::PreservationOrdered => since_received(self.preservation_ordered_ms.get()),
            Stage::Disclosure => since_received(self.disclosed_ms.get()),
            Stage::WrittenConfirmation => {
                self.request_sent_ms.get().zip(self.confirmation_received_ms.get()).map(|(s, r)| r - s)
            }
            Stage::Production => {
                self.production_request_received_ms.get().zip(self.produced_ms.get()).map(|(m, p)| p - m)
            }
            Stage::FirstRequest | Stage::NextRequest if (stage == Stage::FirstRequest) != self.informed_by_report => {
                None
            }
            Stage::FirstRequest | Stage::NextRequest => {
                self.requester_informed_ms.get().zip(self.request_sent_ms.get()).map(|(informed, sent)| sent - informed)
            }
            Stage::ProductionRequest => {
                self.preservation_result_received_ms.get().zip(self.production_requested_ms.get()).map(|(r, s)| s - r)
            }
            Stage::EndToEnd => None,
        }
    }
}

/// Every incident of the scenario as the event log tells it, hop by hop, with
/// its goal results.
pub fn incident_reports(scenario: &Scenario, events: &[Event]) -> Vec<IncidentReport> {
    let mut projection = Projection::new(scenario);
    for event in events {
        projection.add(event);
    }
    projection.finish()
}

/// The projection built while the log streams by: each event updates its
/// incident's hops as it arrives, in log order, so no event need be kept.
pub struct Projection<'s> {
    scenario: &'s Scenario,
    /// Looked up by id, never iterated (the scenario's order is the report's),
    /// so a hash map with a fixed-seed (and fast) hasher serves; it hashes
    /// the interned id's number, not its text.
    index: HashMap<IncidentId, usize, foldhash::fast::FixedState>,
    /// By the incident's position in the scenario; `None` until its first event.
    traces: Vec<Option<Trace>>,
}

/// An incident's projection so far.
struct Trace {
    hops: Vec<HopReport>,
    reported_at: Option<i64>,
}

impl<'s> Projection<'s> {
    pub fn new(scenario: &'s Scenario) -> Self {
        let index = scenario.incidents.iter().enumerate().map(|(i, incident)| (incident.id, i)).collect();
        Projection { scenario, index, traces: scenario.incidents.iter().map(|_| None).collect() }
    }

    /// Adds the next event of the log; events of incidents the scenario does not define are ignored.
    pub fn add(&mut self, event: &Event) {
        let Some(&position) = self.index.get(&event.incident) else { return };
        let scenario = self.scenario;
        let incident = &scenario.incidents[position];
        let trace = self.traces[position].get_or_insert_with(|| Trace::new(scenario, incident));
        trace.add(scenario, incident, event);
    }

    /// Every incident's report, in the scenario's order.
    pub fn finish(self) -> Vec<IncidentReport> {
        let scenario = self.scenario;
        scenario
            .incidents
            .iter()
            .zip(self.traces)
            .map(|(incident, trace)| trace.unwrap_or_else(|| Trace::new(scenario, incident)).finish(scenario, incident))
            .collect()
    }
}

impl crate::event_stream::EventSink for Projection<'_> {
    fn record(&mut self, event: Event) {
        self.add(&event);
    }
}

impl Trace {
    fn new(scenario: &Scenario, incident: &crate::scenario::Incident) -> Trace {
        let hops = incident
            .chain
            .iter()
            .enumerate()
            .map(|(i, carrier_id)| {
                let carrier = &scenario.carriers[carrier_id];
                HopReport {
                    hop: i as u32,
                    country: carrier.country,
                    carrier: *carrier_id,
                    carrier_kind: carrier.kind.clone(),
                    retention_ms: carrier.retention_ms,
                    domestic: carrier.country == incident.reported_by,
                    ..HopReport::default()
                }
            })
            .collect();
        Trace { hops, reported_at: None }
    }

    fn add(&mut self, scenario: &Scenario, incident: &crate::scenario::Incident, event: &Event) {
        if let EventKind::IncidentReported = event.kind {
            self.reported_at = Some(event.at.ms());
            return;
        }
        let Some(hop) = self.hops.get_mut(event.hop as usize) else {
            return;
        };
        let at = Some(event.at.ms());
        match &event.kind {
            EventKind::RequestSent { .. } => {
                hop.request_sent_ms = MaybeMs::from(at);
                hop.requested_by = Some(event.country);
            }
            EventKind::RequestReceived { from, .. } => {
                hop.request_received_ms = MaybeMs::from(at);
                hop.requested_by = Some(*from);
            }
            EventKind::ProviderRequestReceived { from, .. } => {
                hop.request_received_ms = MaybeMs::from(at);
                hop.requested_by = Some(*from);
                hop.to_provider = true;
            }
            EventKind::Acknowledged { .. } => hop.acknowledged_ms = MaybeMs::from(at),
            EventKind::PreservationOrdered { .. } => {
                hop.preservation_ordered_ms = MaybeMs::from(at);
                if hop.outcome == HopOutcome::NotReached {
                    hop.outcome = HopOutcome::Pending;
                }
            }
            EventKind::Preserved { until, .. } => {
                hop.preserved_ms = MaybeMs::from(at);
                hop.hold_until_ms = MaybeMs::from(until.ms());
            }
            EventKind::LogsExpired { expired_at, .. } => {
                hop.logs_expired_ms = MaybeMs::from(at);
                hop.logs_deleted_at_ms = MaybeMs::from(expired_at.ms());
                hop.outcome = HopOutcome::LogsExpired;
            }
            EventKind::NoLogs { .. } => {
                hop.logs_expired_ms = MaybeMs::from(at);
                hop.outcome = HopOutcome::NoLogs;
            }
            EventKind::Refused { offence, .. } => {
                hop.refused_offence = Some(*offence);
                hop.outcome = HopOutcome::Refused;
            }
            EventKind::Unidentified { carrier } => {
                hop.disclosed_ms = MaybeMs::from(at);
                hop.outcome = HopOutcome::Unidentified;
                hop.unidentified_because = Some(if scenario.cgn_carriers.contains(carrier) && !incident.source_port {
                    Unidentified::CarrierGradeNat
                } else {
                    Unidentified::RecordsGone
                });
            }
            EventKind::RefusedOnGrounds { .. } => hop.outcome = HopOutcome::Refused,
            EventKind::Misidentified { .. } => {
                hop.disclosed_ms = MaybeMs::from(at);
                hop.outcome = HopOutcome::Misidentified;
            }
            EventKind::Disclosed { next_hop, .. } => {
                hop.disclosed_ms = MaybeMs::from(at);
                hop.next_hop = Some(next_hop.clone());
                hop.outcome = HopOutcome::NextHopDisclosed;
            }
            EventKind::OriginFound { .. } => {
                hop.disclosed_ms = MaybeMs::from(at);
                hop.outcome = HopOutcome::OriginFound;
            }
            EventKind::ConfirmationReceived { .. } => hop.confirmation_received_ms = MaybeMs::from(at),
            // Police intelligence runs beside production, and is not it.
            EventKind::Produced { channel: ProductionChannel::Police, .. } => {
                hop.intelligence_ms = MaybeMs::from(hop.intelligence_ms.get().or(at));
            }
            EventKind::ProductionRequestReceived { channel: ProductionChannel::Police, .. }
            | EventKind::ProductionRequested { channel: ProductionChannel::Police, .. }
            | EventKind::ProductionDeclined { .. } => {}
            // The first production request and the first production count: an
            // MLA request that follows an unanswered direct request is its fallback.
            EventKind::ProductionRequestReceived { channel, .. } if hop.production_request_received_ms.is_none() => {
                hop.production_request_received_ms = MaybeMs::from(at);
                hop.production_channel = Some(*channel);
            }
            EventKind::ProductionAbandoned { .. } if hop.produced_ms.is_none() => {
                hop.production_abandoned_ms = MaybeMs::from(hop.production_abandoned_ms.get().or(at));
            }
            // Data produced after the requester gave up reaches a closed file.
            EventKind::Produced { channel, .. }
                if hop.produced_ms.is_none() && hop.production_abandoned_ms.is_none() =>
            {
                hop.produced_ms = MaybeMs::from(at);
                hop.production_channel = Some(*channel);
                // In an emergency the request itself asked for the data.
                if hop.production_request_received_ms.is_none() {
                    hop.production_request_received_ms = hop.request_received_ms;
                }
            }
            EventKind::AnswerReceived { answer: Answer::Disclosure, .. } => {
                hop.disclosure_received_ms = MaybeMs::from(at)
            }
            EventKind::AnswerReceived { answer: Answer::PreservationResult, .. } => {
                hop.preservation_result_received_ms = MaybeMs::from(at);
            }
            EventKind::ProductionNotPursued { .. } => hop.production_not_pursued = true,
            EventKind::ClarificationAsked { .. } => hop.clarification_asked_ms = MaybeMs::from(at),
            EventKind::HoldRenewed { until, .. } => {
                hop.hold_until_ms = MaybeMs::from(until.ms());
                hop.hold_renewed = true;
            }
            EventKind::ProductionRequested { .. } => {
                hop.production_requested_ms = MaybeMs::from(hop.production_requested_ms.get().or(at));
            }
            EventKind::IncidentReported
            | EventKind::RequestPrepared
            | EventKind::DirectoryStale { .. }
            | EventKind::MessageLost { .. }
            | EventKind::AnswerReceived { .. }
            | EventKind::ConfirmationSent { .. }
            | EventKind::ClarificationGiven { .. }
            | EventKind::ProductionRequestReceived { .. }
            | EventKind::ProductionAbandoned { .. }
            | EventKind::Produced { .. } => {}
        }
        if hop.request_sent_ms.is_some() && hop.outcome == HopOutcome::NotReached {
            hop.outcome = HopOutcome::Pending;
        }
    }

    fn finish(self, scenario: &Scenario, incident: &crate::scenario::Incident) -> IncidentReport {
        let Trace { mut hops, reported_at } = self;
        let goals = &scenario.goals.goals;
        for i in 0..hops.len() {
            let (informed, by_report) = requester_informed(&hops[..i], &hops[i], reported_at);
            hops[i].requester_informed_ms = MaybeMs::from(informed);
            hops[i].informed_by_report = by_report;
        }
        for hop in &mut hops {
            let request_too_late =
                hop.production_request_received_ms.get().zip(hop.hold_until_ms.get()).is_some_and(|(r, h)| r > h);
            if hop.outcome == HopOutcome::Pending && request_too_late {
                hop.outcome = HopOutcome::HoldLapsed;
            }
            // Ordered at home, by the reporter or (under relay) the previous hop's country.
            hop.domestic = hop.request_received_ms.is_none()
                && (hop.preservation_ordered_ms.is_some() || hop.country == incident.reported_by);
            let law = HopLaw::between(scenario, hop.requested_by.as_ref(), &hop.country);
            hop.goals = evaluate(hop, goals, incident.emergency, law);
        }
        for hop in &mut hops {
            hop.informal_referral = hop.request_received_ms.is_some()
                && hop.requested_by.as_ref().is_some_and(|by| *by != incident.reported_by);
        }
        let defects = hops
            .iter()
            .filter(|h| h.informal_referral && h.production_requested_ms.is_some())
            .map(|h| {
                format!(
                    "hop {} ({}): preserved on an informal referral by {}, yet the MLA request comes from {}, which \
                     made no Art. 29 request of its own (Art. 29(2)(f)): the forwarding State should send it",
                    h.hop,
                    h.country,
                    h.requested_by.as_ref().map_or("?", |c| c.as_str()),
                    incident.reported_by
                )
            })
            .collect();
        let trace = trace_outcome(&hops, reported_at);
        let subscriber = subscriber_identified(scenario, &hops, &trace, reported_at);
        // Abandoned is an end of its own only where production could still
        // have come: a request that reached the holder after its hold had
        // lapsed was answered by nothing, and that is the end it had.
        let production_abandoned_after_ms = match (&subscriber, trace.result, trace.hop) {
            (None, TraceResult::OriginPreserved, Some(origin)) => {
                let origin = &hops[origin as usize];
                let too_late = origin
                    .production_request_received_ms
                    .get()
                    .zip(origin.hold_until_ms.get())
                    .is_some_and(|(r, h)| r > h);
                origin.production_abandoned_ms.get().filter(|_| !too_late).zip(reported_at).map(|(at, r)| at - r)
            }
            _ => None,
        };
        IncidentReport {
            id: incident.id,
            reported_by: incident.reported_by,
            communication_at_ms: incident.communication_at.ms(),
            reported_at_ms: reported_at,
            trace,
            subscriber,
            defects,
            production_abandoned_after_ms,
            hops,
        }
    }
}

/// When the desk that requested `hop` learned it had to: the report for the
/// first hop (and under parallel, where requests leave before any
/// disclosure), else the previous hop's disclosure reaching it (its own
/// carrier's disclosure, for a domestic previous hop or under relay).
fn requester_informed(before: &[HopReport], hop: &HopReport, reported_at: Option<i64>) -> (Option<i64>, bool) {
    let Some(previous) = before.last() else { return (reported_at, true) };
    let learned = if previous.disclosure_received_ms.is_some() && hop.requested_by.as_ref() != Some(&previous.country) {
        previous.disclosure_received_ms.get()
    } else {
        previous.disclosed_ms.get()
    };
    match (learned, hop.request_sent_ms.get()) {
        // Sent before the previous hop answered: the chain was known at the report.
        (Some(learned), Some(sent)) if sent < learned => (reported_at, true),
        (None, Some(_)) => (reported_at, true),
        (learned, _) => (learned, false),
    }
}

/// Which obligations bind a hop's request, from its two countries' memberships.
#[derive(Debug, Clone, Copy)]
struct HopLaw {
    /// Both are Budapest Parties: Art. 29 binds the requested one to hold
    /// (29(7)) and the requester to follow with its MLA (29(2)(f)).
    art29: bool,
    /// They share no network of points of contact: the request itself
    /// travelled as an MLA request, asking for preservation and production at once.
    by_mla: bool,
}

impl HopLaw {
    fn between(scenario: &Scenario, requester: Option<&CountryCode>, requested: &CountryCode) -> HopLaw {
        let networks = |code: &CountryCode| scenario.networks.get(code).copied();
        match (requester.and_then(networks), networks(requested)) {
            (Some(by), Some(to)) => HopLaw { art29: by.budapest && to.budapest, by_mla: !by.shared_with(to) },
            // No requester: a domestic order, outside the network's goals anyway.
            _ => HopLaw { art29: false, by_mla: false },
        }
    }
}

/// The goals apply to cross-border requests: a domestic order is outside the network.
fn evaluate(hop: &HopReport, goals: &[Goal], emergency: bool, law: HopLaw) -> Vec<GoalResult> {
    if hop.request_received_ms.is_none() {
        return Vec::new();
    }
    let within = |actual: Option<i64>, target: Option<i64>| GoalResult {
        measure: Measure::Acknowledgement,
        met: matches!((actual, target), (Some(a), Some(t)) if a <= t),
        actual_ms: actual,
    };
    let mut results = Vec::new();
    for goal in goals {
        // Emergencies answer to the tighter target where the profile has one.
        let target = if emergency { goal.emergency_target_ms.or(goal.target_ms) } else { goal.target_ms };
        let result = match goal.measure {
            // A provider taking the request directly is no desk to acknowledge it.
            Measure::Acknowledgement if hop.to_provider => continue,
            Measure::Acknowledgement => within(hop.span(Stage::Acknowledgement), target),
            Measure::PreservationOrdered => within(hop.span(Stage::PreservationOrdered), target),
            Measure::Disclosure => within(hop.span(Stage::Disclosure), target),
            // Action Plan 8's confirmation "where required" belongs to the G8
            // network's procedure: between Budapest Parties an Art. 29
            // request says in itself what Art. 29(2) asks, and none follows.
            Measure::WrittenConfirmation if law.art29 => continue,
            // Measured once the step it times has begun; never having ended is a miss.
            Measure::WrittenConfirmation if hop.request_sent_ms.is_none() => continue,
            Measure::WrittenConfirmation => within(hop.span(Stage::WrittenConfirmation), target),
            // Measured only on requests through the goal's own channel.
            Measure::Production if hop.production_request_received_ms.is_none() => continue,
            Measure::Production if hop.production_channel != goal.channel => continue,
            Measure::Production => within(hop.span(Stage::Production), target),
            // The requesting desk: each request measured as the first or as a next one.
            Measure::FirstRequest if !hop.informed_by_report => continue,
            Measure::NextRequest if hop.informed_by_report => continue,
            Measure::FirstRequest => within(hop.span(Stage::FirstRequest), target),
            Measure::NextRequest => within(hop.span(Stage::NextRequest), target),
            // An emergency ends in disclosure: no hold to keep, no MLA to send.
            Measure::Hold | Measure::MlaBeforeHoldExpiry | Measure::ProductionRequest if emergency => continue,
            // Art. 29's hold and the MLA it awaits bind Parties to each
            // other only: a State outside the Convention owes neither.
            Measure::Hold | Measure::MlaBeforeHoldExpiry if !law.art29 => continue,
            // A request that went as an MLA request asked for production in
            // the same letter: there is no later production request to send.
            Measure::MlaBeforeHoldExpiry | Measure::ProductionRequest if law.by_mla => continue,
            // Not pursuing is a decision, not a late request.
            Measure::MlaBeforeHoldExpiry | Measure::ProductionRequest if hop.production_not_pursued => continue,
            // Once the requester knows the data is held; never sending it is a miss.
            Measure::ProductionRequest if hop.preservation_result_received_ms.is_none() => continue,
            Measure::ProductionRequest if hop.hold_until_ms.is_none() => continue,
            Measure::ProductionRequest => within(hop.span(Stage::ProductionRequest), target),
            Measure::Hold => match (hop.preserved_ms.get(), hop.hold_until_ms.get()) {
                (Some(preserved), Some(until)) => GoalResult {
                    measure: goal.measure,
                    met: target.is_some_and(|t| until - preserved >= t),
                    actual_ms: Some(until - preserved),
                },
                _ => continue,
            },
            Measure::MlaBeforeHoldExpiry => match hop.hold_until_ms.get() {
                // Only data actually held needs an MLA request.
                Some(hold_until) => GoalResult {
                    measure: goal.measure,
                    met: hop.production_request_received_ms.get().is_some_and(|at| at <= hold_until),
                    actual_ms: hop.production_request_received_ms.get().map(|at| at - hold_until),
                },
                None => continue,
            },
        };
        results.push(GoalResult { measure: goal.measure, ..result });
    }
    results
}

/// The subscriber is identified when the origin carrier's data is produced
/// to the requester: under a production request, or at once where the
/// carrier's answer names the subscriber (an emergency, a domestic order).
fn subscriber_identified(
    scenario: &Scenario,
    hops: &[HopReport],
    trace: &TraceOutcome,
    reported_at: Option<i64>,
) -> Option<SubscriberIdentified> {
    if trace.result != TraceResult::OriginPreserved {
        return None;
    }
    let origin = &hops[trace.hop? as usize];
    // Evidence when it came; police intelligence otherwise.
    let (channel, at_ms) = match (origin.production_channel, origin.produced_ms.get(), origin.intelligence_ms.get()) {
        (Some(channel), Some(at), _) => (channel, at),
        (_, _, Some(at)) => (ProductionChannel::Police, at),
        _ => return None,
    };
    // Data preserved on another State's informal referral (relay) was never
    // asked for by the requester under Art. 29: what its MLA yields rests on
    // a preservation it cannot invoke until regularised.
    let unusable_because = if !channel.usable_as_evidence() {
        Some(format!("{} yields intelligence, not evidence", channel.description()))
    } else if origin.informal_referral {
        let by = origin.requested_by.as_ref().map_or("another State", |c| c.as_str());
        Some(format!(
            "the origin's data was preserved on {by}'s informal referral (relay), not on the requester's own Art. 29 \
             request: regularise it by the requester's own preservation request to {} before its MLA, or by {by} \
             sending the MLA request (Art. 29(2)(f))",
            origin.country
        ))
    } else {
        None
    };
    // An MLA between States not both Parties rests on another basis.
    let party = |code: &CountryCode| scenario.networks.get(code).is_some_and(|n| n.budapest);
    let outside_convention = channel == ProductionChannel::Mla
        && !(party(&origin.country) && origin.requested_by.as_ref().is_some_and(party));
    Some(SubscriberIdentified {
        channel,
        outside_convention,
        usable: unusable_because.is_none(),
        unusable_because,
        at_ms,
        since_report_ms: reported_at.map(|r| at_ms - r),
    })
}

fn trace_outcome(hops: &[HopReport], reported_at: Option<i64>) -> TraceOutcome {
    let since = |at: Option<i64>| at.zip(reported_at).map(|(a, r)| a - r);
    // The first hop whose data is missing breaks the chain, even where (under
    // parallel) a later hop still answered.
    let stops = |h: &&HopReport| {
        matches!(
            h.outcome,
            HopOutcome::LogsExpired
                | HopOutcome::NoLogs
                | HopOutcome::Refused
                | HopOutcome::Unidentified
                | HopOutcome::HoldLapsed
                | HopOutcome::Misidentified
        )
    };
    if let Some(hop) = hops.iter().find(stops) {
        let at = match hop.outcome {
            HopOutcome::Refused => hop.acknowledged_ms,
            HopOutcome::Unidentified | HopOutcome::Misidentified => hop.disclosed_ms,
            HopOutcome::HoldLapsed => hop.hold_until_ms,
            _ => hop.logs_expired_ms,
        };
        let reason = if hop.outcome == HopOutcome::NoLogs {
            format!("{} ({}) keeps no logs: there was nothing to preserve", hop.carrier, hop.country)
        } else if hop.outcome == HopOutcome::Refused {
            match hop.refused_offence {
                Some(offence) => format!(
                    "{} refused to preserve: `{}` is outside its dual-criminality reservation (Art. 29(4))",
                    hop.country,
                    offence.name()
                ),
                None => format!(
                    "{} refused to preserve on Art. 29(5) grounds (a political offence, or prejudice to its \
                     sovereignty, security, ordre public or essential interests)",
                    hop.country
                ),
            }
        } else if hop.outcome == HopOutcome::Misidentified {
            format!(
                "the request to {} gave the wrong timestamp or time zone: {}'s data for that moment names someone \
                 else, an innocent person (worse than nobody)",
                hop.country, hop.carrier
            )
        } else if hop.outcome == HopOutcome::HoldLapsed {
            format!(
                "{} discloses the next hop only on an MLA request (Art. 30), which reached it after the hold on {}'s data had lapsed",
                hop.country, hop.carrier
            )
        } else if hop.outcome == HopOutcome::Unidentified {
            format!(
                "{} ({}) {}",
                hop.carrier,
                hop.country,
                hop.unidentified_because.map_or("identified nobody", Unidentified::reason)
            )
        } else {
            let deleted = hop.logs_deleted_at_ms.get();
            let ordered = hop.preservation_ordered_ms.get();
            let acted = hop.logs_expired_ms.get();
            let retention = fmt_ms(hop.retention_ms);
            match (ordered, acted, deleted) {
                // The order came in time, but the carrier acted on it only
                // when its staff were in (or it was back from an outage).
                (Some(o), Some(a), Some(d)) if o < d => format!(
                    "{} ({}) deleted its logs ({retention} retention) {} after the preservation order arrived, before it acted on the order {} later",
                    hop.carrier,
                    hop.country,
                    fmt_ms(d - o),
                    fmt_ms(a - o)
                ),
                (Some(o), _, Some(d)) => format!(
                    "{} ({}) had deleted its logs ({retention} retention) {} before the preservation order arrived",
                    hop.carrier,
                    hop.country,
                    fmt_ms(o - d)
                ),
                _ => format!("{} ({}) had deleted its logs ({retention} retention)", hop.carrier, hop.country),
            }
        };
        return TraceOutcome {
            result: TraceResult::Stopped,
            hop: Some(hop.hop),
            at_ms: at.get(),
            since_report_ms: since(at.get()),
            reason,
        };
    }
    if let Some(hop) = hops.iter().find(|h| h.outcome == HopOutcome::OriginFound) {
        return TraceOutcome {
            result: TraceResult::OriginPreserved,
            hop: Some(hop.hop),
            at_ms: hop.disclosed_ms.get(),
            since_report_ms: since(hop.disclosed_ms.get()),
            reason: format!("the origin is a subscriber of {} ({}), whose data is held", hop.carrier, hop.country),
        };
    }
    TraceOutcome {
        result: TraceResult::Incomplete,
        hop: None,
        at_ms: None,
        since_report_ms: None,
        reason: if reported_at.is_some() {
            "the trace neither reached the origin nor stopped".to_owned()
        } else {
            "the incident was never reported".to_owned()
        },
    }
}
