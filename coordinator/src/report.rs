//! The report: what happened to each incident, hop by hop, measured against
//! the goal profile. Built from the event log alone, so every transport that
//! yields the same log yields the same report.

use crate::engine::RunLog;
use crate::goals::{Goal, Measure};
use crate::scenario::Scenario;
use crate::units::fmt_ms;
use hdrhistogram::Histogram;
use pocnet_node::{Answer, CarrierId, CountryCode, Event, EventKind, NextHop, Offence, SimTime};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// The JSON report's format identifier; bump it when the shape changes (docs/report.md).
pub const FORMAT: &str = "pocnet-report/1";

/// Latencies are tracked up to ten years, at three significant figures.
const LATENCY_CEILING_MS: u64 = 10 * 366 * 86_400_000;

#[derive(Debug, Serialize)]
pub struct Report {
    pub format: &'static str,
    pub scenario: ScenarioInfo,
    pub seed: u64,
    pub incidents: Vec<IncidentReport>,
    pub goals: Vec<GoalSummary>,
    pub stages: Vec<StageSummary>,
    pub events: Vec<Event>,
}

#[derive(Debug, Serialize)]
pub struct ScenarioInfo {
    pub name: String,
    pub sha256: String,
    pub epoch: String,
    pub strategy: &'static str,
    pub goal_profile: String,
}

impl ScenarioInfo {
    pub fn new(scenario: &Scenario) -> Self {
        ScenarioInfo {
            name: scenario.name.clone(),
            sha256: scenario.sha256.clone(),
            epoch: scenario.epoch.to_string(),
            strategy: scenario.strategy.name(),
            goal_profile: scenario.goals.name.clone(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct IncidentReport {
    pub id: String,
    pub reported_by: CountryCode,
    pub communication_at_ms: i64,
    pub reported_at_ms: Option<i64>,
    pub trace: TraceOutcome,
    pub hops: Vec<HopReport>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TraceResult {
    /// The origin carrier's subscriber was identified.
    OriginIdentified,
    /// The trail ended at a hop whose logs were gone or never kept.
    Stopped,
    /// Neither: the incident was never reported or a hop never answered.
    Incomplete,
}

#[derive(Debug, Clone, Serialize)]
pub struct TraceOutcome {
    pub result: TraceResult,
    /// The hop that identified the origin or where the trail stopped.
    pub hop: Option<u32>,
    pub at_ms: Option<i64>,
    /// Report → origin identified, or → the stop.
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
    /// Refused under a dual-criminality reservation.
    Refused,
    /// Preserved, but the logs cannot single out a subscriber (carrier-grade NAT).
    Unidentified,
    NextHopDisclosed,
    OriginIdentified,
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
    /// Ordered straight from abroad (Second Protocol Art. 7): no desk, no acknowledgement.
    pub direct: bool,
    pub requested_by: Option<CountryCode>,
    pub request_sent_ms: Option<i64>,
    pub request_received_ms: Option<i64>,
    pub acknowledged_ms: Option<i64>,
    pub preservation_ordered_ms: Option<i64>,
    pub preserved_ms: Option<i64>,
    pub hold_until_ms: Option<i64>,
    pub logs_expired_ms: Option<i64>,
    pub logs_deleted_at_ms: Option<i64>,
    pub disclosed_ms: Option<i64>,
    pub next_hop: Option<NextHop>,
    /// The disclosure reached the reporting country (when it is not the disclosing one).
    pub disclosure_received_ms: Option<i64>,
    pub confirmation_received_ms: Option<i64>,
    pub mla_received_ms: Option<i64>,
    /// The preserved data was produced under the MLA request.
    pub produced_ms: Option<i64>,
    /// The offence a dual-criminality reservation refused.
    pub refused_offence: Option<Offence>,
    /// Why the carrier could single out nobody.
    pub unidentified_because: Option<String>,
    pub outcome: HopOutcome,
    pub goals: Vec<GoalResult>,
}

#[derive(Debug, Clone, Serialize)]
pub struct GoalResult {
    pub measure: Measure,
    pub met: bool,
    /// The measured latency; `None` when the step never happened.
    pub actual_ms: Option<i64>,
}

#[derive(Debug, Serialize)]
pub struct GoalSummary {
    #[serde(flatten)]
    pub goal: Goal,
    pub evaluated: u64,
    pub met: u64,
}

#[derive(Debug, Serialize)]
pub struct StageSummary {
    pub stage: Measure,
    pub count: u64,
    pub p50_ms: Option<i64>,
    pub p90_ms: Option<i64>,
    pub max_ms: Option<i64>,
}

impl Report {
    pub fn build(scenario: &Scenario, log: &RunLog) -> Report {
        let goals = scenario.goals.goals.clone();
        let incidents = incident_reports(scenario, &log.events);

        let mut summaries: Vec<GoalSummary> =
            goals.into_iter().map(|goal| GoalSummary { goal, evaluated: 0, met: 0 }).collect();
        let mut histograms: BTreeMap<Measure, Histogram<u64>> = BTreeMap::new();
        for result in incidents.iter().flat_map(|i| &i.hops).flat_map(|h| &h.goals) {
            if let Some(summary) = summaries.iter_mut().find(|s| s.goal.measure == result.measure) {
                summary.evaluated += 1;
                summary.met += u64::from(result.met);
            }
            if let (Some(actual), true) = (result.actual_ms, result.measure != Measure::MlaBeforeHoldExpiry) {
                let histogram = histograms
                    .entry(result.measure)
                    .or_insert_with(|| Histogram::new_with_bounds(1, LATENCY_CEILING_MS, 3).expect("valid bounds"));
                // Zero-latency steps count as 1 ms: HdrHistogram's lowest value is 1.
                histogram.saturating_record(actual.clamp(1, LATENCY_CEILING_MS as i64) as u64);
            }
        }
        let stages = histograms
            .into_iter()
            .map(|(stage, h)| StageSummary {
                stage,
                count: h.len(),
                p50_ms: Some(h.value_at_quantile(0.5) as i64),
                p90_ms: Some(h.value_at_quantile(0.9) as i64),
                max_ms: Some(h.max() as i64),
            })
            .collect();

        Report {
            format: FORMAT,
            scenario: ScenarioInfo::new(scenario),
            seed: log.seed,
            incidents,
            goals: summaries,
            stages,
            events: log.events.clone(),
        }
    }

    pub fn to_json(&self) -> String {
        crate::units::to_json(self)
    }
}

/// Every incident of the scenario as the event log tells it, hop by hop, with
/// its goal results.
pub fn incident_reports(scenario: &Scenario, events: &[Event]) -> Vec<IncidentReport> {
    let goals = &scenario.goals.goals;
    let mut by_incident: BTreeMap<&str, Vec<&Event>> = BTreeMap::new();
    for event in events {
        by_incident.entry(event.incident.as_str()).or_default().push(event);
    }
    scenario
        .incidents
        .iter()
        .map(|incident| {
            let events = by_incident.get(incident.id.as_str()).map(Vec::as_slice).unwrap_or(&[]);
            incident_report(scenario, incident, events, goals)
        })
        .collect()
}

fn incident_report(
    scenario: &Scenario,
    incident: &crate::scenario::Incident,
    events: &[&Event],
    goals: &[Goal],
) -> IncidentReport {
    let mut hops: Vec<HopReport> = incident
        .chain
        .iter()
        .enumerate()
        .map(|(i, carrier_id)| {
            let carrier = &scenario.carriers[carrier_id];
            HopReport {
                hop: i as u32,
                country: carrier.country.clone(),
                carrier: carrier_id.clone(),
                carrier_kind: carrier.kind.clone(),
                retention_ms: carrier.retention_ms,
                domestic: carrier.country == incident.reported_by,
                ..HopReport::default()
            }
        })
        .collect();
    let mut reported_at = None;
    for event in events {
        if let EventKind::IncidentReported = event.kind {
            reported_at = Some(event.at.ms());
            continue;
        }
        let Some(hop) = hops.get_mut(event.hop as usize) else {
            continue;
        };
        let at = Some(event.at.ms());
        match &event.kind {
            EventKind::RequestSent { .. } => {
                hop.request_sent_ms = at;
                hop.requested_by = Some(event.country.clone());
            }
            EventKind::RequestReceived { from, .. } => {
                hop.request_received_ms = at;
                hop.requested_by = Some(from.clone());
            }
            EventKind::DirectOrderReceived { from, .. } => {
                hop.request_received_ms = at;
                hop.requested_by = Some(from.clone());
                hop.direct = true;
            }
            EventKind::Acknowledged { .. } => hop.acknowledged_ms = at,
            EventKind::PreservationOrdered { .. } => {
                hop.preservation_ordered_ms = at;
                if hop.outcome == HopOutcome::NotReached {
                    hop.outcome = HopOutcome::Pending;
                }
            }
            EventKind::Preserved { until, .. } => {
                hop.preserved_ms = at;
                hop.hold_until_ms = Some(until.ms());
            }
            EventKind::LogsExpired { expired_at, .. } => {
                hop.logs_expired_ms = at;
                hop.logs_deleted_at_ms = Some(expired_at.ms());
                hop.outcome = HopOutcome::LogsExpired;
            }
            EventKind::NoLogs { .. } => {
                hop.logs_expired_ms = at;
                hop.outcome = HopOutcome::NoLogs;
            }
            EventKind::Refused { offence, .. } => {
                hop.refused_offence = Some(*offence);
                hop.outcome = HopOutcome::Refused;
            }
            EventKind::Unidentified { carrier } => {
                hop.disclosed_ms = at;
                hop.outcome = HopOutcome::Unidentified;
                hop.unidentified_because = Some(if scenario.cgn_carriers.contains(carrier) && !incident.source_port {
                    "is behind carrier-grade NAT and the request had no source port: nobody identified".to_owned()
                } else {
                    "no longer kept the subscriber records: the account holder is unknown".to_owned()
                });
            }
            EventKind::Disclosed { next_hop, .. } => {
                hop.disclosed_ms = at;
                hop.next_hop = Some(next_hop.clone());
                hop.outcome = HopOutcome::NextHopDisclosed;
            }
            EventKind::OriginIdentified { .. } => {
                hop.disclosed_ms = at;
                hop.outcome = HopOutcome::OriginIdentified;
            }
            EventKind::ConfirmationReceived { .. } => hop.confirmation_received_ms = at,
            EventKind::MlaReceived { .. } => hop.mla_received_ms = at,
            EventKind::Produced { .. } => hop.produced_ms = at,
            EventKind::AnswerReceived { answer: Answer::Disclosure, .. } => hop.disclosure_received_ms = at,
            EventKind::IncidentReported
            | EventKind::DirectoryStale { .. }
            | EventKind::MessageLost { .. }
            | EventKind::AnswerReceived { .. }
            | EventKind::ConfirmationSent { .. }
            | EventKind::MlaSent { .. } => {}
        }
        if hop.request_sent_ms.is_some() && hop.outcome == HopOutcome::NotReached {
            hop.outcome = HopOutcome::Pending;
        }
    }
    for hop in &mut hops {
        // Ordered at home, by the reporter or (under relay) the previous hop's country.
        hop.domestic = hop.request_received_ms.is_none()
            && (hop.preservation_ordered_ms.is_some() || hop.country == incident.reported_by);
        hop.goals = evaluate(hop, goals, incident.emergency);
    }
    let trace = trace_outcome(&hops, reported_at);
    IncidentReport {
        id: incident.id.clone(),
        reported_by: incident.reported_by.clone(),
        communication_at_ms: incident.communication_at.ms(),
        reported_at_ms: reported_at,
        trace,
        hops,
    }
}

/// The goals apply to cross-border requests: a domestic order is outside the network.
fn evaluate(hop: &HopReport, goals: &[Goal], emergency: bool) -> Vec<GoalResult> {
    let Some(received) = hop.request_received_ms else {
        return Vec::new();
    };
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
            // A direct order has no desk to acknowledge it and is itself in writing.
            Measure::Acknowledgement | Measure::WrittenConfirmation if hop.direct => continue,
            Measure::Acknowledgement => within(hop.acknowledged_ms.map(|t| t - received), target),
            Measure::PreservationOrdered => within(hop.preservation_ordered_ms.map(|t| t - received), target),
            Measure::Disclosure => within(hop.disclosed_ms.map(|t| t - received), target),
            Measure::WrittenConfirmation => match (hop.request_sent_ms, hop.confirmation_received_ms) {
                (Some(sent), received) => within(received.map(|r| r - sent), target),
                (None, _) => continue,
            },
            Measure::Production => match hop.mla_received_ms {
                Some(mla) => within(hop.produced_ms.map(|p| p - mla), target),
                None => continue,
            },
            Measure::Hold => match (hop.preserved_ms, hop.hold_until_ms) {
                (Some(preserved), Some(until)) => GoalResult {
                    measure: goal.measure,
                    met: target.is_some_and(|t| until - preserved >= t),
                    actual_ms: Some(until - preserved),
                },
                _ => continue,
            },
            Measure::MlaBeforeHoldExpiry => match hop.hold_until_ms {
                // Only data actually held needs an MLA request.
                Some(hold_until) => GoalResult {
                    measure: goal.measure,
                    met: hop.mla_received_ms.is_some_and(|at| at <= hold_until),
                    actual_ms: hop.mla_received_ms.map(|at| at - hold_until),
                },
                None => continue,
            },
        };
        results.push(GoalResult { measure: goal.measure, ..result });
    }
    results
}

fn trace_outcome(hops: &[HopReport], reported_at: Option<i64>) -> TraceOutcome {
    let since = |at: Option<i64>| at.zip(reported_at).map(|(a, r)| a - r);
    // The first hop whose data is missing breaks the chain, even where (under
    // parallel) a later hop still answered.
    let stops = |h: &&HopReport| {
        matches!(
            h.outcome,
            HopOutcome::LogsExpired | HopOutcome::NoLogs | HopOutcome::Refused | HopOutcome::Unidentified
        )
    };
    if let Some(hop) = hops.iter().find(stops) {
        let at = match hop.outcome {
            HopOutcome::Refused => hop.acknowledged_ms,
            HopOutcome::Unidentified => hop.disclosed_ms,
            _ => hop.logs_expired_ms,
        };
        let reason = if hop.outcome == HopOutcome::NoLogs {
            format!("{} ({}) keeps no logs: there was nothing to preserve", hop.carrier, hop.country)
        } else if hop.outcome == HopOutcome::Refused {
            format!(
                "{} refused to preserve: `{}` is outside its dual-criminality reservation (Art. 29(4))",
                hop.country,
                hop.refused_offence.map_or("?", Offence::name)
            )
        } else if hop.outcome == HopOutcome::Unidentified {
            format!(
                "{} ({}) {}",
                hop.carrier,
                hop.country,
                hop.unidentified_because.as_deref().unwrap_or("identified nobody")
            )
        } else {
            let late_by = hop.preservation_ordered_ms.zip(hop.logs_deleted_at_ms).map(|(o, d)| o - d);
            format!(
                "{} ({}) had deleted its logs ({} retention) {} before the preservation order arrived",
                hop.carrier,
                hop.country,
                fmt_ms(hop.retention_ms),
                late_by.map_or_else(|| "?".to_owned(), fmt_ms)
            )
        };
        return TraceOutcome {
            result: TraceResult::Stopped,
            hop: Some(hop.hop),
            at_ms: at,
            since_report_ms: since(at),
            reason,
        };
    }
    if let Some(hop) = hops.iter().find(|h| h.outcome == HopOutcome::OriginIdentified) {
        return TraceOutcome {
            result: TraceResult::OriginIdentified,
            hop: Some(hop.hop),
            at_ms: hop.disclosed_ms,
            since_report_ms: since(hop.disclosed_ms),
            reason: format!("the subscriber of {} ({}) was identified", hop.carrier, hop.country),
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

// ---------------------------------------------------------------------------
// The terminal summary.

impl Report {
    /// A summary a person reads at a glance.
    pub fn render_text(&self, scenario: &Scenario) -> String {
        let mut out = String::new();
        let local = |country: &CountryCode, at: i64| local_time(scenario, country, SimTime(at));
        let _ = writeln!(out, "pocnet report: {}", self.scenario.name);
        let _ = writeln!(
            out,
            "seed {} | strategy {} | goals {} | scenario sha256 {}",
            self.seed,
            self.scenario.strategy,
            self.scenario.goal_profile,
            &self.scenario.sha256[..12]
        );
        for incident in &self.incidents {
            let _ = writeln!(out);
            let reported = match incident.reported_at_ms {
                Some(at) => format!(
                    "reported by {} on {} ({} after the communication)",
                    incident.reported_by,
                    local(&incident.reported_by, at),
                    fmt_ms(at - incident.communication_at_ms)
                ),
                None => format!("never reported by {}", incident.reported_by),
            };
            let _ = writeln!(out, "Incident {}: {reported}", incident.id);
            let _ = writeln!(out, "  times are from the report; local time at the hop's country");
            let _ = writeln!(
                out,
                "  {:<3} {:<3} {:<16} {:<28} {:<28} {:<28} outcome",
                "hop", "cc", "carrier", "acknowledged", "preserved", "disclosed"
            );
            for hop in &incident.hops {
                let stamp = |at: Option<i64>| match (at, incident.reported_at_ms) {
                    (Some(at), Some(reported)) => {
                        format!("+{} {}", fmt_ms(at - reported), local_short(scenario, &hop.country, SimTime(at)))
                    }
                    _ => "-".to_owned(),
                };
                let acknowledged =
                    if hop.domestic { "(domestic order)".to_owned() } else { stamp(hop.acknowledged_ms) };
                let preserved = stamp(hop.preserved_ms.or(hop.logs_expired_ms));
                let outcome = match hop.outcome {
                    HopOutcome::NotReached => "not reached".to_owned(),
                    HopOutcome::Pending => "pending".to_owned(),
                    HopOutcome::LogsExpired => "LOGS EXPIRED".to_owned(),
                    HopOutcome::NoLogs => "NO LOGS KEPT".to_owned(),
                    HopOutcome::Refused => "REFUSED (dual criminality)".to_owned(),
                    HopOutcome::Unidentified => "NOBODY IDENTIFIED (CGN)".to_owned(),
                    HopOutcome::NextHopDisclosed => match &hop.next_hop {
                        Some(next) => format!("next hop {} ({})", next.carrier, next.country),
                        None => "next hop disclosed".to_owned(),
                    },
                    HopOutcome::OriginIdentified => "subscriber identified".to_owned(),
                };
                let _ = writeln!(
                    out,
                    "  {:<3} {:<3} {:<16} {:<28} {:<28} {:<28} {}",
                    hop.hop,
                    hop.country.as_str(),
                    hop.carrier.0,
                    acknowledged,
                    preserved,
                    stamp(hop.disclosed_ms),
                    outcome
                );
            }
            let verdict = match incident.trace.result {
                TraceResult::OriginIdentified => format!(
                    "TRACE REACHED THE ORIGIN in {}: {}",
                    incident.trace.since_report_ms.map_or_else(|| "?".to_owned(), fmt_ms),
                    incident.trace.reason
                ),
                TraceResult::Stopped => format!(
                    "TRACE STOPPED at hop {}: {}",
                    incident.trace.hop.unwrap_or_default(),
                    incident.trace.reason
                ),
                TraceResult::Incomplete => format!("TRACE INCOMPLETE: {}", incident.trace.reason),
            };
            let _ = writeln!(out, "  {verdict}");
            let missed: Vec<String> = incident
                .hops
                .iter()
                .flat_map(|h| h.goals.iter().filter(|g| !g.met).map(move |g| (h, g)))
                .map(|(h, g)| {
                    let actual = match (g.measure, g.actual_ms) {
                        (Measure::MlaBeforeHoldExpiry, Some(late)) => {
                            format!("arrived {} after the hold", fmt_ms(late))
                        }
                        (_, Some(actual)) => format!("took {}", fmt_ms(actual)),
                        (_, None) => "never happened".to_owned(),
                    };
                    format!("hop {} {}: {} {}", h.hop, h.country, measure_name(g.measure), actual)
                })
                .collect();
            if !missed.is_empty() {
                let _ = writeln!(out, "  goals missed: {}", missed.join("; "));
            }
        }
        let _ = writeln!(out);
        let _ = writeln!(out, "Goal compliance ({}), per cross-border request:", self.scenario.goal_profile);
        for summary in &self.goals {
            let share = if summary.evaluated == 0 {
                "not applicable".to_owned()
            } else {
                format!(
                    "{:>3} of {:<3} met ({:.0}%)",
                    summary.met,
                    summary.evaluated,
                    100.0 * summary.met as f64 / summary.evaluated as f64
                )
            };
            let _ = writeln!(out, "  {:<44} {share}", summary.goal.description);
        }
        if !self.stages.is_empty() {
            let _ = writeln!(out);
            let _ = writeln!(out, "Latency from request received (cross-border requests):");
            for stage in &self.stages {
                let show = |v: Option<i64>| v.map_or_else(|| "-".to_owned(), fmt_ms);
                let _ = writeln!(
                    out,
                    "  {:<22} n={:<4} p50 {:<8} p90 {:<8} max {}",
                    measure_name(stage.stage),
                    stage.count,
                    show(stage.p50_ms),
                    show(stage.p90_ms),
                    show(stage.max_ms)
                );
            }
        }
        out
    }
}

pub fn measure_name(measure: Measure) -> &'static str {
    match measure {
        Measure::Acknowledgement => "acknowledgement",
        Measure::PreservationOrdered => "preservation order",
        Measure::Disclosure => "disclosure",
        Measure::WrittenConfirmation => "written confirmation",
        Measure::Hold => "hold duration",
        Measure::Production => "production",
        Measure::MlaBeforeHoldExpiry => "MLA before hold expiry",
    }
}

fn zoned(scenario: &Scenario, country: &CountryCode, at: SimTime) -> Option<jiff::ZonedDateTime> {
    let tz = scenario.countries.get(country)?.time_zone.clone();
    let ts = scenario.epoch.checked_add(jiff::SignedDuration::from_millis(at.ms())).ok()?;
    Some(ts.to_zoned_datetime(tz))
}

pub fn local_time(scenario: &Scenario, country: &CountryCode, at: SimTime) -> String {
    zoned(scenario, country, at)
        .map_or_else(|| format!("{} ms", at.ms()), |z| z.strftime("%a %Y-%m-%d %H:%M %Z").to_string())
}

fn local_short(scenario: &Scenario, country: &CountryCode, at: SimTime) -> String {
    zoned(scenario, country, at).map_or_else(String::new, |z| z.strftime("(%a %H:%M %Z)").to_string())
}
