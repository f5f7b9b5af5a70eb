//! What many replications say together: latency distributions per stage,
//! country and hop position (HdrHistograms, merged, never averaged), goal
//! compliance and trace survival with confidence intervals, where traces die,
//! which desks and stages the end-to-end time is spent in, and acknowledgement
//! latency by local hour of the week.
//!
//! Fed one replication at a time, in replication order, so the result is the
//! same whatever the number of threads that produced them.

use crate::intervals::{ClusterSums, Clustered};
use crate::latency::Measure;
use crate::latency::Stage;
use crate::projection::{HopOutcome, HopReport, IncidentReport, TraceResult};
use crate::scenario::Scenario;
use crate::statistics::Tally;
use crate::survival::{Status, TimeToEvent};
use hdrhistogram::Histogram;
use pocnet_node::{CountryCode, ProductionChannel};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Why a trace ended before the origin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
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
    /// Only an MLA request could open the data (Art. 30), and it came after the hold lapsed.
    HoldLapsed,
    /// A wrong timestamp or time zone named someone else.
    Misidentified,
    /// The run ended with the trace neither stopped nor at the origin.
    Incomplete,
}

impl Cause {
    /// How reports say it.
    pub fn description(self) -> &'static str {
        match self {
            Cause::LogsExpired => "logs expired before the order",
            Cause::NoLogs => "carrier keeps no logs",
            Cause::Refused => "refused (dual criminality or Art. 29(5))",
            Cause::Unidentified => "nobody identified (CGN or records gone)",
            Cause::HoldLapsed => "hold lapsed before the MLA (Art. 30 on MLA only)",
            Cause::Misidentified => "wrong person named (timestamp or time zone error)",
            Cause::Incomplete => "incomplete",
        }
    }
}

/// Where the end-to-end time of a trace goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
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

/// How a finished trace ended, for where its time went: the two are told
/// apart, since a trace that died waiting on a months-long MLA transit says
/// nothing of how fast the traces that got through were.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ending {
    /// It found the origin and its data held.
    Reached,
    /// It stopped on the way.
    Stopped,
}

impl Ending {
    pub fn name(self) -> &'static str {
        match self {
            Ending::Reached => "traces that reached the origin",
            Ending::Stopped => "traces that stopped",
        }
    }
}

/// What a comparison or a sensitivity sweep measures per replication: one
/// of the two outcomes, or compliance with one goal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    OriginPreserved,
    SubscriberIdentified,
    /// Traces with a legal defect (an MLA request resting on an informal referral).
    Defective,
    Goal(Measure),
}

impl Metric {
    /// The two outcomes, then each of `measures`.
    pub fn all(measures: impl IntoIterator<Item = Measure>) -> Vec<Metric> {
        [Metric::OriginPreserved, Metric::SubscriberIdentified]
            .into_iter()
            .chain(measures.into_iter().map(Metric::Goal))
            .collect()
    }

    pub fn name(self) -> &'static str {
        match self {
            Metric::OriginPreserved => "origin preserved",
            Metric::SubscriberIdentified => "subscriber identified",
            Metric::Defective => "legal defect",
            Metric::Goal(measure) => measure.name(),
        }
    }

    /// Its share in one replication; `None` where it measured nothing.
    pub fn share(self, outcome: &ReplicationOutcome) -> Option<f64> {
        let (successes, trials) = self.counts(outcome);
        (trials > 0).then(|| f64::from(successes) / f64::from(trials))
    }

    /// What it counted in one replication: traces, or requests for a goal.
    pub fn trials(self, outcome: &ReplicationOutcome) -> u64 {
        u64::from(self.counts(outcome).1)
    }

    fn counts(self, outcome: &ReplicationOutcome) -> (u32, u32) {
        match self {
            Metric::OriginPreserved => (outcome.origin_preserved, outcome.origin_known),
            Metric::SubscriberIdentified => (outcome.subscriber_identified, outcome.identification_known),
            Metric::Defective => (outcome.defective, outcome.traces),
            Metric::Goal(measure) => outcome.goals.get(&measure).copied().unwrap_or_default(),
        }
    }
}

/// One replication in a few numbers, for paired comparisons: the outcomes
/// within the study's horizon, over the traces whose state at the horizon
/// is known (all of them unless the run ended first).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ReplicationOutcome {
    pub traces: u32,
    pub origin_known: u32,
    pub origin_preserved: u32,
    pub identification_known: u32,
    pub subscriber_identified: u32,
    /// Traces with a legal defect.
    #[serde(default)]
    pub defective: u32,
    /// Per goal measure: (met, evaluated).
    pub goals: BTreeMap<Measure, (u32, u32)>,
}

impl ReplicationOutcome {
    /// Adds another world's counts of the same replication.
    pub fn add(&mut self, other: &ReplicationOutcome) {
        self.traces += other.traces;
        self.origin_known += other.origin_known;
        self.origin_preserved += other.origin_preserved;
        self.identification_known += other.identification_known;
        self.subscriber_identified += other.subscriber_identified;
        self.defective += other.defective;
        for (measure, (met, evaluated)) in &other.goals {
            let into = self.goals.entry(*measure).or_default();
            into.0 += met;
            into.1 += evaluated;
        }
    }
}

/// A finished trace, kept to pick the representative and the worst.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct TraceCase {
    pub end_to_end_ms: i64,
    pub replication: u64,
    pub incident: u32,
}

/// At most this many trace cases are kept for picking the representative
/// trace (16 bytes each); later ones still count everywhere else.
const MAX_KEPT_CASES: usize = 1_000_000;

/// The horizon headline shares are counted within unless asked otherwise: a year from the report.
pub const DEFAULT_HORIZON_MS: i64 = 365 * pocnet_node::time::DAY_MS;

/// Significant figures the latency histograms keep: 2, a 1% resolution,
/// finer than any report prints a duration ("36m 12s", "4d 3h", "221d"),
/// at an eighth of the memory of 3 (a study keeps a histogram per stage,
/// country, hop and local hour, per variant of a sweep).
pub const HISTOGRAM_FIGURES: u8 = 2;

pub fn new_histogram() -> Histogram<u64> {
    // Auto-resizing from a small range: memory follows the largest latency seen.
    Histogram::new(HISTOGRAM_FIGURES).expect("2 significant figures is valid")
}

fn add_histogram(into: &mut Histogram<u64>, from: &Histogram<u64>) {
    into.add(from).expect("auto-resizing histograms of the same precision add");
}

fn record(histograms: &mut Histogram<u64>, value_ms: i64) {
    // A zero latency counts as 1 ms: HdrHistogram's lowest discernible value is 1.
    histograms.record(value_ms.max(1) as u64).expect("auto-resizing histograms accept any value");
}

#[derive(Debug)]
pub struct Aggregate {
    /// The first replication added: 0, or where a shard of a study starts.
    pub first_replication: u64,
    /// Replications added (from `first_replication` on).
    pub replications: u64,
    /// The headline shares count what happened within this long of the report.
    pub horizon_ms: i64,
    /// Traces that found the origin and held its data (the network's job), ever.
    pub traces: Tally,
    /// Traces whose subscriber was identified through a channel usable as evidence, ever.
    pub subscribers: Tally,
    /// The same two within the horizon, counted by replication and by
    /// incident for both kinds of interval.
    pub origin: Clustered,
    pub identified: Clustered,
    /// Report → origin found and held; report → subscriber identified (usable).
    pub time_to_origin: TimeToEvent,
    pub time_to_identification: TimeToEvent,
    /// Subscribers identified, by the channel that yielded them.
    pub subscribers_by_channel: BTreeMap<ProductionChannel, u64>,
    /// Of those through MLA, the ones between States not both Budapest
    /// Parties: a bilateral treaty, UNTOC Art. 18 or letters rogatory.
    pub mla_outside_convention: u64,
    /// Traces whose origin was found and held, but whose formal request for
    /// production the requester abandoned unanswered.
    pub production_abandoned: u64,
    /// Traces with a legal defect (an MLA request resting on an informal referral).
    pub defective: Clustered,
    pub goals: BTreeMap<Measure, Clustered>,
    /// Per country, the goal results of its desk: as requested country for
    /// requested-side goals, as requester for requesting-side ones; counted
    /// by replication (this world's interval only).
    pub goals_by_country: BTreeMap<CountryCode, BTreeMap<Measure, ClusterSums>>,
    /// Per country and role, all its goals together (the page's desk charts).
    pub desk_compliance: BTreeMap<(CountryCode, crate::latency::Role), ClusterSums>,
    /// This replication's counts per country, until it ends.
    pub(crate) country_goals_now: BTreeMap<(CountryCode, Measure), Tally>,
    pub stages: BTreeMap<Stage, Histogram<u64>>,
    pub stages_by_country: BTreeMap<(Stage, CountryCode), Histogram<u64>>,
    pub stages_by_hop: BTreeMap<(Stage, u32), Histogram<u64>>,
    /// (hop, country, cause) → traces that ended there.
    pub deaths: BTreeMap<(u32, CountryCode, Cause), u64>,
    /// The first trace that ended at each (hop, country, cause), to draw
    /// how traces die (its time is report → the stop).
    pub first_deaths: BTreeMap<(u32, CountryCode, Cause), TraceCase>,
    /// Preserved data whose hold expired before the MLA request arrived, by country.
    pub holds_expired_before_mla: BTreeMap<CountryCode, u64>,
    /// (ending, country, segment) → total milliseconds on the critical path of finished traces.
    pub critical_path_ms: BTreeMap<(Ending, CountryCode, Segment), i64>,
    /// Per ending, the end-to-end time of its traces: what the shares above are of.
    pub critical_path_total_ms: BTreeMap<Ending, i64>,
    /// Acknowledgement latency by the requested country's local weekday (0 = Monday) × hour.
    pub acknowledgement_by_local_hour: Vec<Histogram<u64>>,
    /// Each replication's outcome, for paired comparisons; kept only when
    /// asked (`compare`, `sensitivity`), so that a study's memory does not
    /// grow with its number of replications.
    pub per_replication: Vec<ReplicationOutcome>,
    pub keeps_per_replication: bool,
    pub cases: Vec<TraceCase>,
}

impl Aggregate {
    pub fn new() -> Self {
        Aggregate {
            first_replication: 0,
            replications: 0,
            horizon_ms: DEFAULT_HORIZON_MS,
            traces: Tally::default(),
            subscribers: Tally::default(),
            origin: Clustered::default(),
            identified: Clustered::default(),
            time_to_origin: TimeToEvent::default(),
            time_to_identification: TimeToEvent::default(),
            subscribers_by_channel: BTreeMap::new(),
            mla_outside_convention: 0,
            production_abandoned: 0,
            defective: Clustered::default(),
            goals: BTreeMap::new(),
            goals_by_country: BTreeMap::new(),
            desk_compliance: BTreeMap::new(),
            country_goals_now: BTreeMap::new(),
            stages: BTreeMap::new(),
            stages_by_country: BTreeMap::new(),
            stages_by_hop: BTreeMap::new(),
            deaths: BTreeMap::new(),
            first_deaths: BTreeMap::new(),
            holds_expired_before_mla: BTreeMap::new(),
            critical_path_ms: BTreeMap::new(),
            critical_path_total_ms: BTreeMap::new(),
            acknowledgement_by_local_hour: (0..7 * 24).map(|_| new_histogram()).collect(),
            per_replication: Vec::new(),
            keeps_per_replication: true,
            cases: Vec::new(),
        }
    }

    /// An empty aggregate for the replications from `first` on (a shard),
    /// keeping no per-replication rows: its memory is bounded whatever the
    /// number of replications (histograms, tallies, at most a million cases).
    pub fn starting_at(first: u64, horizon_ms: i64) -> Self {
        Aggregate { first_replication: first, keeps_per_replication: false, ..Aggregate::with_horizon(horizon_ms) }
    }

    /// The same, counting the headline shares within `horizon_ms` of the report.
    pub fn with_horizon(horizon_ms: i64) -> Self {
        Aggregate { horizon_ms, ..Aggregate::new() }
    }

    /// Adds replication `replication`; replications must come in order.
    pub fn add(&mut self, scenario: &Scenario, replication: u64, incidents: &[IncidentReport]) {
        assert_eq!(replication, self.first_replication + self.replications, "replications are added in order");
        self.replications += 1;
        let mut outcome = ReplicationOutcome::default();
        for ((index, incident), (origin, identification)) in incidents.iter().enumerate().zip(event_statuses(incidents))
        {
            let reached = incident.trace.result == TraceResult::OriginPreserved;
            self.traces.add(reached);
            // Identified and usable as evidence: what a prosecution can rest on.
            let identified = incident.subscriber.as_ref().is_some_and(|s| s.usable);
            self.subscribers.add(identified);
            self.time_to_origin.add(origin);
            self.time_to_identification.add(identification);
            if let Some(within) = origin.within(self.horizon_ms) {
                self.origin.add(index, within);
                outcome.origin_known += 1;
                outcome.origin_preserved += u32::from(within);
            }
            if let Some(within) = identification.within(self.horizon_ms) {
                self.identified.add(index, within);
                outcome.identification_known += 1;
                outcome.subscriber_identified += u32::from(within);
            }
            self.defective.add(index, !incident.defects.is_empty());
            self.production_abandoned += u64::from(incident.production_abandoned_after_ms.is_some());
            if let Some(found) = &incident.subscriber {
                *self.subscribers_by_channel.entry(found.channel).or_default() += 1;
                self.mla_outside_convention += u64::from(found.outside_convention);
            }
            outcome.traces += 1;
            outcome.defective += u32::from(!incident.defects.is_empty());
            match incident.trace.result {
                TraceResult::OriginPreserved => {
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
                        Some(HopOutcome::HoldLapsed) => Cause::HoldLapsed,
                        Some(HopOutcome::Misidentified) => Cause::Misidentified,
                        _ => Cause::LogsExpired,
                    };
                    let country = incident.hops.get(hop as usize).map(|h| h.country).unwrap_or_default();
                    let case = TraceCase {
                        end_to_end_ms: incident.trace.since_report_ms.unwrap_or(0),
                        replication,
                        incident: index as u32,
                    };
                    self.first_deaths.entry((hop, country, cause)).or_insert(case);
                    *self.deaths.entry((hop, country, cause)).or_default() += 1;
                }
            }
            if incident.trace.result != TraceResult::Incomplete {
                self.attribute_critical_path(incident);
            }
            for hop in &incident.hops {
                self.add_hop(scenario, index, hop, &mut outcome);
            }
        }
        self.origin.end_replication();
        self.identified.end_replication();
        self.defective.end_replication();
        for goal in self.goals.values_mut() {
            goal.end_replication();
        }
        let mut desks: BTreeMap<(CountryCode, crate::latency::Role), Tally> = BTreeMap::new();
        for ((country, measure), tally) in std::mem::take(&mut self.country_goals_now) {
            let desk = desks.entry((country, measure.role())).or_default();
            // One replication's requests: they cannot overflow.
            let _ = desk.merge(tally);
            self.goals_by_country.entry(country).or_default().entry(measure).or_default().add(tally);
        }
        for (desk, tally) in desks {
            self.desk_compliance.entry(desk).or_default().add(tally);
        }
        if self.keeps_per_replication {
            self.per_replication.push(outcome);
        }
    }

    fn add_hop(&mut self, scenario: &Scenario, incident: usize, hop: &HopReport, outcome: &mut ReplicationOutcome) {
        for goal in &hop.goals {
            self.goals.entry(goal.measure).or_default().add(incident, goal.met);
            // Each goal is charged to the desk it holds to account.
            if let Some(country) = hop.accountable(goal.measure.role()) {
                self.country_goals_now.entry((*country, goal.measure)).or_default().add(goal.met);
            }
            let (met, evaluated) = outcome.goals.entry(goal.measure).or_default();
            *met += u32::from(goal.met);
            *evaluated += 1;
            // Charged to the requester, whose MLA request came too late.
            if goal.measure == Measure::MlaBeforeHoldExpiry
                && !goal.met
                && let Some(requester) = hop.accountable(goal.measure.role())
            {
                *self.holds_expired_before_mla.entry(*requester).or_default() += 1;
            }
        }
        let Some(received) = hop.request_received_ms.get() else { return };
        for stage in Stage::HOP_SPANS {
            if let Some(ms) = hop.span(stage) {
                self.record_stage(stage, hop.accountable(stage.role()), Some(hop.hop), ms);
            }
        }
        if let (Some(ack), Some(local)) =
            (hop.acknowledged_ms.get(), local_weekday_hour(scenario, &hop.country, received))
        {
            record(&mut self.acknowledgement_by_local_hour[local], ack - received);
        }
    }

    fn record_stage(&mut self, stage: Stage, country: Option<&CountryCode>, hop: Option<u32>, ms: i64) {
        record(self.stages.entry(stage).or_insert_with(new_histogram), ms);
        if let Some(country) = country {
            record(self.stages_by_country.entry((stage, *country)).or_insert_with(new_histogram), ms);
        }
        if let Some(hop) = hop {
            record(self.stages_by_hop.entry((stage, hop)).or_insert_with(new_histogram), ms);
        }
    }

    /// Splits report → end of trace into consecutive segments charged to a
    /// country; they tile the trace exactly (checked in release too).
    fn attribute_critical_path(&mut self, incident: &IncidentReport) {
        let Some(spans) = critical_path(incident) else { return };
        let ending =
            if incident.trace.result == TraceResult::OriginPreserved { Ending::Reached } else { Ending::Stopped };
        for (country, segment, ms) in spans {
            *self.critical_path_ms.entry((ending, country, segment)).or_default() += ms;
        }
        *self.critical_path_total_ms.entry(ending).or_default() += incident.trace.since_report_ms.unwrap_or(0);
    }

    /// Appends the aggregate of the replications that follow this one's:
    /// the result is the aggregate one run of both would have built
    /// (histograms merged, tallies and sums added, per-replication rows and
    /// kept cases concatenated in replication order).
    pub fn append(&mut self, next: &Aggregate) -> Result<(), String> {
        let expected = self.first_replication + self.replications;
        if next.first_replication != expected {
            return Err(format!(
                "replications {}.. do not follow {}..{}",
                next.first_replication, self.first_replication, expected
            ));
        }
        fn merge_histograms<K: Ord + Clone>(
            into: &mut BTreeMap<K, Histogram<u64>>,
            from: &BTreeMap<K, Histogram<u64>>,
        ) {
            for (key, histogram) in from {
                add_histogram(into.entry(key.clone()).or_insert_with(new_histogram), histogram);
            }
        }
        fn add_counts<K: Ord + Clone>(into: &mut BTreeMap<K, u64>, from: &BTreeMap<K, u64>) -> Result<(), String> {
            for (key, &count) in from {
                let sum = into.entry(key.clone()).or_default();
                *sum = sum.checked_add(count).ok_or("counts beyond any study's: the sums overflow")?;
            }
            Ok(())
        }
        if next.horizon_ms != self.horizon_ms {
            return Err(format!(
                "parts counted within different horizons ({} and {} ms)",
                self.horizon_ms, next.horizon_ms
            ));
        }
        self.replications =
            self.replications.checked_add(next.replications).ok_or("more replications than any study has")?;
        self.traces.merge(next.traces)?;
        self.subscribers.merge(next.subscribers)?;
        self.origin.merge(&next.origin)?;
        self.identified.merge(&next.identified)?;
        self.time_to_origin.merge(&next.time_to_origin)?;
        self.time_to_identification.merge(&next.time_to_identification)?;
        add_counts(&mut self.subscribers_by_channel, &next.subscribers_by_channel)?;
        self.mla_outside_convention = self
            .mla_outside_convention
            .checked_add(next.mla_outside_convention)
            .ok_or("more MLA identifications than any study has")?;
        self.defective.merge(&next.defective)?;
        self.production_abandoned = self
            .production_abandoned
            .checked_add(next.production_abandoned)
            .ok_or("more abandoned requests than any study has")?;
        for (&measure, goal) in &next.goals {
            self.goals.entry(measure).or_default().merge(goal)?;
        }
        for (desk, sums) in &next.desk_compliance {
            self.desk_compliance.entry(*desk).or_default().merge(*sums)?;
        }
        for (country, goals) in &next.goals_by_country {
            let into = self.goals_by_country.entry(*country).or_default();
            for (&measure, sums) in goals {
                into.entry(measure).or_default().merge(*sums)?;
            }
        }
        merge_histograms(&mut self.stages, &next.stages);
        merge_histograms(&mut self.stages_by_country, &next.stages_by_country);
        merge_histograms(&mut self.stages_by_hop, &next.stages_by_hop);
        add_counts(&mut self.deaths, &next.deaths)?;
        for (key, &case) in &next.first_deaths {
            // This aggregate's replications come first: its example stays.
            self.first_deaths.entry(*key).or_insert(case);
        }
        add_counts(&mut self.holds_expired_before_mla, &next.holds_expired_before_mla)?;
        for (key, &ms) in &next.critical_path_ms {
            let sum = self.critical_path_ms.entry(*key).or_default();
            *sum = sum.checked_add(ms).ok_or("critical-path times beyond any study's: the sums overflow")?;
        }
        for (&ending, &ms) in &next.critical_path_total_ms {
            let sum = self.critical_path_total_ms.entry(ending).or_default();
            *sum = sum.checked_add(ms).ok_or("critical-path times beyond any study's: the sums overflow")?;
        }
        if next.acknowledgement_by_local_hour.len() != self.acknowledgement_by_local_hour.len() {
            return Err("the acknowledgement heat map has the wrong number of hours".to_owned());
        }
        for (into, from) in self.acknowledgement_by_local_hour.iter_mut().zip(&next.acknowledgement_by_local_hour) {
            add_histogram(into, from);
        }
        if self.keeps_per_replication != next.keeps_per_replication {
            self.keeps_per_replication = false;
            self.per_replication.clear();
        } else {
            self.per_replication.extend_from_slice(&next.per_replication);
        }
        let room = MAX_KEPT_CASES.saturating_sub(self.cases.len());
        self.cases.extend(next.cases.iter().take(room));
        Ok(())
    }

    /// The first trace of the commonest way to die (ties: the earlier key).
    pub fn typical_death(&self) -> Option<TraceCase> {
        let (key, _) = self.deaths.iter().max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)))?;
        self.first_deaths.get(key).copied()
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

/// When the run ended: the last time any trace or identification was settled.
fn run_end_ms(incidents: &[IncidentReport]) -> Option<i64> {
    incidents.iter().flat_map(|i| [i.trace.at_ms, i.subscriber.as_ref().map(|s| s.at_ms)]).flatten().max()
}

/// How each trace of one replication stands towards its two events (the
/// origin found and held, the subscriber identified usable as evidence),
/// open traces censored where the run ended.
pub fn event_statuses(incidents: &[IncidentReport]) -> impl Iterator<Item = (Status, Status)> + '_ {
    let run_end = run_end_ms(incidents);
    incidents.iter().map(move |incident| statuses(incident, run_end))
}

/// How a trace stands towards its two events: the origin found and held,
/// and the subscriber identified in a way usable as evidence. A trace the
/// run left open is censored where the run ended.
fn statuses(incident: &IncidentReport, run_end: Option<i64>) -> (Status, Status) {
    let open_for = || {
        let reported = incident.reported_at_ms.unwrap_or(incident.communication_at_ms);
        Status::Censored(run_end.map_or(0, |end| (end - reported).max(0)))
    };
    let origin = match incident.trace.result {
        TraceResult::OriginPreserved => Status::At(incident.trace.since_report_ms.unwrap_or(0)),
        TraceResult::Stopped => Status::Never,
        TraceResult::Incomplete => open_for(),
    };
    let identification = match &incident.subscriber {
        Some(found) if found.usable => Status::At(found.since_report_ms.unwrap_or(0)),
        _ if incident.trace.result == TraceResult::Incomplete => open_for(),
        _ => Status::Never,
    };
    (origin, identification)
}

/// The critical path of a finished trace: from the report to the end of the
/// trace, the consecutive spans that made it as long as it was, each charged
/// to a country and a segment. Walking back from the hop where the trace
/// ended, a hop is on the path when its work began after the previous hop's
/// disclosure (hub and relay); a hop asked before that (parallel: the whole
/// chain was known at the report) starts the path itself.
///
/// The spans are non-negative and add up to the trace's end-to-end time; this
/// is asserted, in release builds too, because a breakdown that does not add
/// up is a wrong report.
pub fn critical_path(incident: &IncidentReport) -> Option<Vec<(CountryCode, Segment, i64)>> {
    let (reported, end) = (incident.reported_at_ms?, incident.trace.at_ms?);
    assert!(end >= reported, "trace {} ends before it was reported", incident.id);
    let last = incident.trace.hop? as usize;
    // Back from the last hop, to the first whose work did not wait for its predecessor.
    let began = |hop: &HopReport| {
        hop.request_sent_ms.get().or(hop.request_received_ms.get()).or(hop.preservation_ordered_ms.get())
    };
    let mut first = last;
    while first > 0 {
        let (previous, hop) = (&incident.hops[first - 1], &incident.hops[first]);
        match (previous.disclosed_ms.get(), began(hop)) {
            (Some(disclosed), Some(began)) if began >= disclosed => first -= 1,
            _ => break,
        }
    }
    // Forward along the path, each span clipped to [cursor, end] so that
    // overlapping steps are charged once.
    let mut spans: Vec<(CountryCode, Segment, i64)> = Vec::new();
    let mut cursor = reported;
    let mut charge = |country: &CountryCode, segment: Segment, to: i64| {
        let to = to.clamp(cursor, end);
        if to > cursor {
            spans.push((*country, segment, to - cursor));
            cursor = to;
        }
    };
    let mut known_by = incident.reported_by;
    for (position, hop) in incident.hops.iter().enumerate().take(last + 1).skip(first) {
        let requester = hop.requested_by.unwrap_or(hop.country);
        if position > first
            && let Some(received_back) = hop_disclosure_arrival(incident, hop.hop)
        {
            // Hub: the previous disclosure travelled back to the reporter first.
            charge(&known_by, Segment::Transit, received_back);
        }
        match (hop.request_sent_ms.get(), hop.request_received_ms.get()) {
            (Some(sent), Some(received)) => {
                charge(&requester, Segment::RequestingDesk, sent);
                charge(&hop.country, Segment::Transit, received);
            }
            (None, Some(received)) => charge(&hop.country, Segment::Transit, received),
            _ => {}
        }
        let desk_done = hop.preservation_ordered_ms.get().or(hop.acknowledged_ms.get());
        if let Some(done) = desk_done {
            let desk = if hop.request_received_ms.is_some() { &hop.country } else { &requester };
            let segment =
                if hop.request_received_ms.is_some() { Segment::RequestedDesk } else { Segment::RequestingDesk };
            charge(desk, segment, done);
        }
        if let Some(done) = hop.preserved_ms.get().or(hop.logs_expired_ms.get()) {
            charge(&hop.country, Segment::CarrierPreservation, done);
        }
        if let Some(disclosed) = hop.disclosed_ms.get() {
            charge(&hop.country, Segment::CarrierDisclosure, disclosed);
        }
        known_by = hop.country;
    }
    // Whatever remains to the end belongs to the hop that ended the trace.
    let last_hop = &incident.hops[last];
    let tail = if last_hop.preserved_ms.is_some() { Segment::CarrierDisclosure } else { Segment::RequestedDesk };
    charge(&last_hop.country, tail, end);
    let covered: i64 = spans.iter().map(|(_, _, ms)| ms).sum();
    assert!(
        covered == end - reported && spans.iter().all(|(_, _, ms)| *ms >= 0),
        "the critical path of {} must tile its {} ms exactly (covered {covered} ms)",
        incident.id,
        end - reported
    );
    Some(spans)
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
        previous.disclosure_received_ms.get()
    } else {
        None
    }
}

/// Index into the 7 × 24 grid: local weekday (Monday 0) × local hour.
fn local_weekday_hour(scenario: &Scenario, country: &CountryCode, at_ms: i64) -> Option<usize> {
    let tz = scenario.countries.get(country)?.time_zone.clone();
    let local = scenario.instant(at_ms)?.to_zoned_datetime(tz);
    Some(local.weekday().to_monday_zero_offset() as usize * 24 + local.hour() as usize)
}
