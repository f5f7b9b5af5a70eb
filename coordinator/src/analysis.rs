//! What many replications say together: latency distributions per stage,
//! country and hop position (HdrHistograms, merged, never averaged), goal
//! compliance and trace survival with confidence intervals, where traces die,
//! which desks and stages the end-to-end time is spent in, and acknowledgement
//! latency by local hour of the week.
//!
//! Fed one replication at a time, in replication order, so the result is the
//! same whatever the number of threads that produced them.

use crate::goals::Measure;
use crate::report::{HopOutcome, HopReport, IncidentReport, TraceResult};
use crate::scenario::Scenario;
use crate::statistics::Tally;
use hdrhistogram::Histogram;
use pocnet_node::CountryCode;
use serde::Serialize;
use std::collections::BTreeMap;

/// A latency measured per hop or per trace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
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
    /// MLA request received → data produced (Art. 31).
    Production,
    /// Report → origin identified, for traces that reached it.
    EndToEnd,
}

impl Stage {
    pub fn name(self) -> &'static str {
        match self {
            Stage::Acknowledgement => "acknowledgement",
            Stage::PreservationOrdered => "preservation order",
            Stage::Disclosure => "disclosure",
            Stage::WrittenConfirmation => "written confirmation",
            Stage::Production => "production (MLA)",
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
            Stage::EndToEnd => None,
        }
    }
}

/// Why a trace ended before the origin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cause {
    /// The carrier had deleted its logs before the preservation order arrived.
    LogsExpired,
    /// The carrier keeps no logs.
    NoLogs,
    /// Refused under a dual-criminality reservation.
    Refused,
    /// Carrier-grade NAT without the source port: nobody identified.
    Unidentified,
    /// The run ended with the trace neither stopped nor at the origin.
    Incomplete,
}

impl Cause {
    /// How reports say it.
    pub fn description(self) -> &'static str {
        match self {
            Cause::LogsExpired => "logs expired before the order",
            Cause::NoLogs => "carrier keeps no logs",
            Cause::Refused => "refused (dual criminality)",
            Cause::Unidentified => "nobody identified (CGN or records gone)",
            Cause::Incomplete => "incomplete",
        }
    }
}

/// Where the end-to-end time of a trace goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Segment {
    /// A desk preparing a request: the reporter's (hub) or the relaying country's.
    RequestingDesk,
    /// Messages in transit: requests out, disclosures back to the reporter.
    Transit,
    /// The requested desk, until it acknowledges and orders preservation.
    RequestedDesk,
    /// The carrier executing the preservation order.
    CarrierPreservation,
    /// The carrier producing the traffic data that names the previous hop.
    CarrierDisclosure,
}

impl Segment {
    pub fn name(self) -> &'static str {
        match self {
            Segment::RequestingDesk => "requesting desk",
            Segment::Transit => "transit",
            Segment::RequestedDesk => "requested desk",
            Segment::CarrierPreservation => "carrier preservation",
            Segment::CarrierDisclosure => "carrier disclosure",
        }
    }
}

/// One replication in a few numbers, for paired comparisons.
#[derive(Debug, Clone, Default)]
pub struct ReplicationOutcome {
    pub traces: u32,
    pub reached_origin: u32,
    /// Per goal measure: (met, evaluated).
    pub goals: BTreeMap<Measure, (u32, u32)>,
}

/// A finished trace, kept to pick the representative and the worst.
#[derive(Debug, Clone, Copy)]
pub struct TraceCase {
    pub end_to_end_ms: i64,
    pub replication: u64,
    pub incident: u32,
}

/// At most this many trace cases are kept for picking the representative
/// trace (16 bytes each); later ones still count everywhere else.
const MAX_KEPT_CASES: usize = 1_000_000;

pub fn new_histogram() -> Histogram<u64> {
    // Auto-resizing from a small range: memory follows the largest latency seen.
    Histogram::new(3).expect("3 significant figures is valid")
}

fn record(histograms: &mut Histogram<u64>, value_ms: i64) {
    // A zero latency counts as 1 ms: HdrHistogram's lowest discernible value is 1.
    histograms.record(value_ms.max(1) as u64).expect("auto-resizing histograms accept any value");
}

#[derive(Debug)]
pub struct Aggregate {
    pub replications: u64,
    pub traces: Tally,
    pub goals: BTreeMap<Measure, Tally>,
    /// Per requested country, all its goal results.
    pub goals_by_country: BTreeMap<CountryCode, BTreeMap<Measure, Tally>>,
    pub stages: BTreeMap<Stage, Histogram<u64>>,
    pub stages_by_country: BTreeMap<(Stage, CountryCode), Histogram<u64>>,
    pub stages_by_hop: BTreeMap<(Stage, u32), Histogram<u64>>,
    /// (hop, country, cause) → traces that ended there.
    pub deaths: BTreeMap<(u32, CountryCode, Cause), u64>,
    /// Preserved data whose hold expired before the MLA request arrived, by country.
    pub holds_expired_before_mla: BTreeMap<CountryCode, u64>,
    /// (country, segment) → total milliseconds on the critical path of finished traces.
    pub critical_path_ms: BTreeMap<(CountryCode, Segment), i64>,
    pub critical_path_total_ms: i64,
    /// Acknowledgement latency by the requested country's local weekday (0 = Monday) × hour.
    pub acknowledgement_by_local_hour: Vec<Histogram<u64>>,
    pub per_replication: Vec<ReplicationOutcome>,
    pub cases: Vec<TraceCase>,
}

impl Aggregate {
    pub fn new() -> Self {
        Aggregate {
            replications: 0,
            traces: Tally::default(),
            goals: BTreeMap::new(),
            goals_by_country: BTreeMap::new(),
            stages: BTreeMap::new(),
            stages_by_country: BTreeMap::new(),
            stages_by_hop: BTreeMap::new(),
            deaths: BTreeMap::new(),
            holds_expired_before_mla: BTreeMap::new(),
            critical_path_ms: BTreeMap::new(),
            critical_path_total_ms: 0,
            acknowledgement_by_local_hour: (0..7 * 24).map(|_| new_histogram()).collect(),
            per_replication: Vec::new(),
            cases: Vec::new(),
        }
    }

    /// Adds replication `replication`; replications must come in order.
    pub fn add(&mut self, scenario: &Scenario, replication: u64, incidents: &[IncidentReport]) {
        debug_assert_eq!(replication, self.replications, "replications are added in order");
        self.replications += 1;
        let mut outcome = ReplicationOutcome::default();
        for (index, incident) in incidents.iter().enumerate() {
            let reached = incident.trace.result == TraceResult::OriginIdentified;
            self.traces.add(reached);
            outcome.traces += 1;
            outcome.reached_origin += u32::from(reached);
            match incident.trace.result {
                TraceResult::OriginIdentified => {
                    if let Some(e2e) = incident.trace.since_report_ms {
                        self.record_stage(Stage::EndToEnd, None, None, e2e);
                        if self.cases.len() < MAX_KEPT_CASES {
                            self.cases.push(TraceCase { end_to_end_ms: e2e, replication, incident: index as u32 });
                        }
                    }
                }
                TraceResult::Stopped | TraceResult::Incomplete => {
                    let hop = incident.trace.hop.unwrap_or(0);
                    let cause = match incident.hops.get(hop as usize).map(|h| h.outcome) {
                        _ if incident.trace.result == TraceResult::Incomplete => Cause::Incomplete,
                        Some(HopOutcome::NoLogs) => Cause::NoLogs,
                        Some(HopOutcome::Refused) => Cause::Refused,
                        Some(HopOutcome::Unidentified) => Cause::Unidentified,
                        _ => Cause::LogsExpired,
                    };
                    let country = incident.hops.get(hop as usize).map(|h| h.country.clone()).unwrap_or_default();
                    *self.deaths.entry((hop, country, cause)).or_default() += 1;
                }
            }
            if incident.trace.result != TraceResult::Incomplete {
                self.attribute_critical_path(incident);
            }
            for hop in &incident.hops {
                self.add_hop(scenario, hop, &mut outcome);
            }
        }
        self.per_replication.push(outcome);
    }

    fn add_hop(&mut self, scenario: &Scenario, hop: &HopReport, outcome: &mut ReplicationOutcome) {
        for goal in &hop.goals {
            self.goals.entry(goal.measure).or_default().add(goal.met);
            self.goals_by_country
                .entry(hop.country.clone())
                .or_default()
                .entry(goal.measure)
                .or_default()
                .add(goal.met);
            let (met, evaluated) = outcome.goals.entry(goal.measure).or_default();
            *met += u32::from(goal.met);
            *evaluated += 1;
            if goal.measure == Measure::MlaBeforeHoldExpiry && !goal.met {
                *self.holds_expired_before_mla.entry(hop.country.clone()).or_default() += 1;
            }
        }
        let Some(received) = hop.request_received_ms else { return };
        let spans = [
            (Stage::Acknowledgement, hop.acknowledged_ms.map(|t| t - received)),
            (Stage::PreservationOrdered, hop.preservation_ordered_ms.map(|t| t - received)),
            (Stage::Disclosure, hop.disclosed_ms.map(|t| t - received)),
            (Stage::WrittenConfirmation, hop.request_sent_ms.zip(hop.confirmation_received_ms).map(|(s, r)| r - s)),
            (Stage::Production, hop.mla_received_ms.zip(hop.produced_ms).map(|(m, p)| p - m)),
        ];
        for (stage, span) in spans {
            if let Some(ms) = span {
                self.record_stage(stage, Some(&hop.country), Some(hop.hop), ms);
            }
        }
        if let (Some(ack), Some(local)) = (hop.acknowledged_ms, local_weekday_hour(scenario, &hop.country, received)) {
            record(&mut self.acknowledgement_by_local_hour[local], ack - received);
        }
    }

    fn record_stage(&mut self, stage: Stage, country: Option<&CountryCode>, hop: Option<u32>, ms: i64) {
        record(self.stages.entry(stage).or_insert_with(new_histogram), ms);
        if let Some(country) = country {
            record(self.stages_by_country.entry((stage, country.clone())).or_insert_with(new_histogram), ms);
        }
        if let Some(hop) = hop {
            record(self.stages_by_hop.entry((stage, hop)).or_insert_with(new_histogram), ms);
        }
    }

    /// Splits report → end of trace into consecutive segments charged to a
    /// country; they add up to the trace's whole duration.
    fn attribute_critical_path(&mut self, incident: &IncidentReport) {
        let (Some(reported), Some(end)) = (incident.reported_at_ms, incident.trace.at_ms) else { return };
        let last = incident.trace.hop.unwrap_or(0) as usize;
        let mut spans: Vec<(CountryCode, Segment, i64, i64)> = Vec::new();
        // When the hop became known: the report, then each previous disclosure.
        let mut known_at = reported;
        let mut known_by = incident.reported_by.clone();
        for hop in incident.hops.iter().take(last + 1) {
            let requester = hop.requested_by.clone().unwrap_or_else(|| hop.country.clone());
            if let Some(received_back) = hop_disclosure_arrival(incident, hop.hop) {
                // Hub: the previous disclosure travelled back to the reporter first.
                spans.push((known_by.clone(), Segment::Transit, known_at, received_back));
                known_at = received_back;
            }
            let ordered = hop.preservation_ordered_ms;
            match (hop.request_sent_ms, hop.request_received_ms) {
                (Some(sent), Some(received)) => {
                    spans.push((requester.clone(), Segment::RequestingDesk, known_at, sent));
                    spans.push((hop.country.clone(), Segment::Transit, sent, received));
                    if let Some(ordered) = ordered {
                        spans.push((hop.country.clone(), Segment::RequestedDesk, received, ordered));
                    }
                }
                _ => {
                    if let Some(ordered) = ordered {
                        spans.push((requester.clone(), Segment::RequestingDesk, known_at, ordered));
                    }
                }
            }
            let carrier_done = hop.preserved_ms.or(hop.logs_expired_ms);
            if let (Some(ordered), Some(done)) = (ordered, carrier_done) {
                spans.push((hop.country.clone(), Segment::CarrierPreservation, ordered, done));
            }
            if let (Some(preserved), Some(disclosed)) = (hop.preserved_ms, hop.disclosed_ms) {
                spans.push((hop.country.clone(), Segment::CarrierDisclosure, preserved, disclosed));
            }
            known_at = hop.disclosed_ms.unwrap_or(known_at);
            known_by = hop.country.clone();
        }
        let total = end - reported;
        let covered: i64 = spans.iter().map(|(_, _, from, to)| to - from).sum();
        debug_assert_eq!(covered, total, "segments tile the trace for {}", incident.id);
        for (country, segment, from, to) in spans {
            *self.critical_path_ms.entry((country, segment)).or_default() += to - from;
        }
        self.critical_path_total_ms += total;
    }

    /// The trace closest to the median end-to-end time (ties: earliest replication) and the slowest one.
    pub fn representative_and_worst(&self) -> Option<(TraceCase, TraceCase)> {
        let median = self.stages.get(&Stage::EndToEnd)?.value_at_quantile(0.5) as i64;
        let representative =
            *self.cases.iter().min_by_key(|c| ((c.end_to_end_ms - median).abs(), c.replication, c.incident))?;
        let worst =
            *self.cases.iter().max_by_key(|c| (c.end_to_end_ms, std::cmp::Reverse((c.replication, c.incident))))?;
        Some((representative, worst))
    }
}

impl Default for Aggregate {
    fn default() -> Self {
        Aggregate::new()
    }
}

/// Under hub, when the disclosure of the hop before `hop` reached the
/// reporting country (it is then the one that sends the next request).
fn hop_disclosure_arrival(incident: &IncidentReport, hop: u32) -> Option<i64> {
    let previous = incident.hops.get((hop as usize).checked_sub(1)?)?;
    let next = incident.hops.get(hop as usize)?;
    // A hop without a cross-border request was ordered by its own country.
    let requester = next.requested_by.as_ref().unwrap_or(&next.country);
    let requester_is_reporter = requester == &incident.reported_by;
    if requester_is_reporter
        && previous.outcome == HopOutcome::NextHopDisclosed
        && previous.country != incident.reported_by
    {
        previous.disclosure_received_ms
    } else {
        None
    }
}

/// Index into the 7 × 24 grid: local weekday (Monday 0) × local hour.
fn local_weekday_hour(scenario: &Scenario, country: &CountryCode, at_ms: i64) -> Option<usize> {
    let tz = scenario.countries.get(country)?.time_zone.clone();
    let local = scenario.epoch.checked_add(jiff::SignedDuration::from_millis(at_ms)).ok()?.to_zoned_datetime(tz);
    Some(local.weekday().to_monday_zero_offset() as usize * 24 + local.hour() as usize)
}
