//! The report: what happened to each incident, hop by hop, measured against
//! the goal profile. Built from the event log alone, so every transport that
//! yields the same log yields the same report.

use crate::engine::RunLog;
use crate::event_stream::EventSink;
use crate::goals::Goal;
use crate::latency::Measure;
pub use crate::latency::Stage;
pub use crate::projection::{
    GoalResult, HopOutcome, HopReport, IncidentReport, TraceOutcome, TraceResult, incident_reports,
};
use crate::projection::{Projection, SubscriberIdentified};
use crate::scenario::Scenario;
use crate::statistics::Tally;
use crate::units::{fmt_ms, write_ms};
use pocnet_node::{CountryCode, Event, ProductionChannel, SimTime};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// The JSON report's format identifier; bump it when the shape changes (docs/report.md).
pub const FORMAT: &str = "pocnet-report/2";

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

#[derive(Debug, Serialize)]
pub struct GoalSummary {
    #[serde(flatten)]
    pub goal: Goal,
    pub evaluated: u64,
    pub met: u64,
}

/// One span's latencies in this run, exact: nearest-rank quantiles of the
/// measured values. The replication analysis keeps HdrHistograms (three
/// significant figures), right for thousands of values; a single run has a
/// handful, and shows them as measured.
#[derive(Debug, Serialize)]
pub struct StageSummary {
    pub stage: Stage,
    pub count: u64,
    pub p50_ms: Option<i64>,
    pub p90_ms: Option<i64>,
    pub max_ms: Option<i64>,
}

impl StageSummary {
    fn exact(stage: Stage, mut values: Vec<i64>) -> StageSummary {
        values.sort_unstable();
        let rank = |q: f64| values.get(((q * values.len() as f64).ceil() as usize).max(1) - 1).copied();
        StageSummary {
            stage,
            count: values.len() as u64,
            p50_ms: rank(0.5),
            p90_ms: rank(0.9),
            max_ms: values.last().copied(),
        }
    }
}

/// What a one-run report needs while the run streams by: the projection,
/// and the event log itself only when the JSON report will carry it.
pub struct RunRecorder<'s> {
    projection: Projection<'s>,
    kept: Option<Vec<Event>>,
}

impl<'s> RunRecorder<'s> {
    pub fn new(scenario: &'s Scenario, keep_log: bool) -> Self {
        RunRecorder { projection: Projection::new(scenario), kept: keep_log.then(Vec::new) }
    }

    pub fn into_report(self, scenario: &Scenario, seed: u64) -> Report {
        Report::new(scenario, seed, self.projection.finish(), self.kept.unwrap_or_default())
    }
}

impl EventSink for RunRecorder<'_> {
    fn record(&mut self, event: Event) {
        self.projection.add(&event);
        if let Some(kept) = &mut self.kept {
            kept.push(event);
        }
    }
}

impl Report {
    pub fn build(scenario: &Scenario, log: &RunLog) -> Report {
        Report::from_run(scenario, RunLog { seed: log.seed, events: log.events.clone(), windows: log.windows })
    }

    /// The report of a run, keeping its event log rather than copying it.
    pub fn from_run(scenario: &Scenario, log: RunLog) -> Report {
        let incidents = incident_reports(scenario, &log.events);
        Report::new(scenario, log.seed, incidents, log.events)
    }

    /// The report of a run projected while it streamed by; `events` is the
    /// log when it was kept (for JSON), or empty.
    pub fn new(scenario: &Scenario, seed: u64, incidents: Vec<IncidentReport>, events: Vec<Event>) -> Report {
        let goals = scenario.goals.goals.clone();
        // The same tallies the replication analysis keeps, without its histograms.
        let mut tallies: BTreeMap<Measure, Tally> = BTreeMap::new();
        for goal in incidents.iter().flat_map(|i| &i.hops).flat_map(|h| &h.goals) {
            tallies.entry(goal.measure).or_default().add(goal.met);
        }
        let summaries = goals
            .into_iter()
            .map(|goal| {
                let tally = tallies.get(&goal.measure).copied().unwrap_or_default();
                GoalSummary { goal, evaluated: tally.trials, met: tally.successes }
            })
            .collect();
        let hops = || incidents.iter().flat_map(|i| &i.hops);
        let mut stages: Vec<StageSummary> = Stage::HOP_SPANS
            .into_iter()
            .map(|stage| StageSummary::exact(stage, hops().filter_map(|h| h.span(stage)).collect()))
            .collect();
        let end_to_end = incidents
            .iter()
            .filter(|i| i.trace.result == TraceResult::OriginPreserved)
            .filter_map(|i| i.trace.since_report_ms)
            .collect();
        stages.push(StageSummary::exact(Stage::EndToEnd, end_to_end));
        stages.retain(|s| s.count > 0);

        Report {
            format: FORMAT,
            scenario: ScenarioInfo::new(scenario),
            seed,
            incidents,
            goals: summaries,
            stages,
            events,
        }
    }

    pub fn to_json(&self) -> String {
        crate::units::to_json(self)
    }
}

// ---------------------------------------------------------------------------
// The terminal summary.

/// The second outcome of a trace that reached the origin.
fn subscriber_line(incident: &IncidentReport) -> String {
    match &incident.subscriber {
        Some(found) => format!(
            "SUBSCRIBER IDENTIFIED in {} through {}{}",
            found.since_report_ms.map_or_else(|| "?".to_owned(), fmt_ms),
            found.instrument(),
            match (&found.unusable_because, found.usable) {
                (_, true) => ", usable as evidence".to_owned(),
                (Some(why), false) => format!(", not usable as evidence: {why}"),
                (None, false) => ", not usable as evidence".to_owned(),
            }
        ),
        None => {
            let origin = incident.trace.hop.and_then(|h| incident.hops.get(h as usize));
            if origin.is_some_and(|o| o.production_not_pursued) {
                return "SUBSCRIBER NOT IDENTIFIED: the requesting country did not pursue the MLA request".to_owned();
            }
            // A request that came after the hold expired was doomed before anyone gave up on it.
            match (
                origin.and_then(|o| o.production_request_received_ms.get().zip(o.hold_until_ms.get())),
                incident.production_abandoned_after_ms,
            ) {
                (Some((received, held)), _) if received > held => {
                    "SUBSCRIBER NOT IDENTIFIED: the production request arrived after the hold expired".to_owned()
                }
                (_, Some(after)) => format!(
                    "SUBSCRIBER NOT IDENTIFIED: ABANDONED, the MLA request given up unanswered {} after the report",
                    crate::units::fmt_ms(after)
                ),
                _ => "SUBSCRIBER NOT IDENTIFIED: no production reached the requester".to_owned(),
            }
        }
    }
}

impl Report {
    /// A summary a person reads at a glance.
    pub fn render_text(&self, scenario: &Scenario) -> String {
        let mut out = String::new();
        self.write_text(scenario, &mut out);
        out
    }

    /// The text report written as it is made, incident by incident: a run
    /// of a million incidents never holds its whole text at once.
    pub fn write_text(&self, scenario: &Scenario, out: &mut impl std::fmt::Write) {
        self.write_text_showing(scenario, out, usize::MAX);
    }

    /// The text report with at most `shown` incidents in detail, then a
    /// line saying how many more there are and where to find them; the
    /// summaries still count every incident. For a terminal: ten thousand
    /// incidents are megabytes nobody scrolls through.
    pub fn write_text_showing(&self, scenario: &Scenario, out: &mut impl std::fmt::Write, shown: usize) {
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
        let mut columns: [String; 3] = Default::default();
        for incident in self.incidents.iter().take(shown) {
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
                // Each column's text written into its own buffer, reused
                // for every hop: no `String` per value.
                let [acknowledged, preserved, disclosed] = &mut columns;
                let stamp = |column: &mut String, at: Option<i64>| {
                    column.clear();
                    match (at, incident.reported_at_ms) {
                        (Some(at), Some(reported)) => {
                            column.push('+');
                            write_ms(column, at - reported);
                            column.push(' ');
                            write_local_short(column, scenario, &hop.country, SimTime(at));
                        }
                        _ => column.push('-'),
                    }
                };
                if hop.domestic {
                    acknowledged.clear();
                    acknowledged.push_str("(domestic order)");
                } else if hop.to_provider {
                    acknowledged.clear();
                    acknowledged.push_str("(to the provider)");
                } else {
                    stamp(acknowledged, hop.acknowledged_ms.get());
                }
                // Nothing was preserved where the logs were gone: the outcome column says so.
                stamp(preserved, hop.preserved_ms.get());
                stamp(disclosed, hop.disclosed_ms.get());
                let outcome = match hop.outcome {
                    HopOutcome::NotReached => "not reached".to_owned(),
                    HopOutcome::Pending => "pending".to_owned(),
                    HopOutcome::LogsExpired => "LOGS EXPIRED".to_owned(),
                    HopOutcome::NoLogs => "NO LOGS KEPT".to_owned(),
                    HopOutcome::Refused if hop.refused_offence.is_some() => "REFUSED (dual criminality)".to_owned(),
                    HopOutcome::Refused => "REFUSED (Art. 29(5))".to_owned(),
                    HopOutcome::Unidentified => {
                        hop.unidentified_because.map_or("NOBODY IDENTIFIED", |why| why.outcome()).to_owned()
                    }
                    HopOutcome::HoldLapsed => "HOLD LAPSED before the MLA".to_owned(),
                    HopOutcome::Misidentified => "WRONG PERSON (timestamp error)".to_owned(),
                    HopOutcome::NextHopDisclosed => match &hop.next_hop {
                        Some(next) => format!("next hop {} ({})", next.carrier, next.country),
                        None => "next hop disclosed".to_owned(),
                    },
                    HopOutcome::OriginFound => "ORIGIN (own subscriber)".to_owned(),
                };
                let _ = writeln!(
                    out,
                    "  {:<3} {:<3} {:<16} {:<28} {:<28} {:<28} {}",
                    hop.hop,
                    hop.country.as_str(),
                    hop.carrier.as_str(),
                    acknowledged,
                    preserved,
                    disclosed,
                    outcome
                );
            }
            let verdict = match incident.trace.result {
                TraceResult::OriginPreserved => format!(
                    "ORIGIN PRESERVED in {}: {}",
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
            if incident.trace.result == TraceResult::OriginPreserved {
                let _ = writeln!(out, "  {}", subscriber_line(incident));
            }
            for defect in &incident.defects {
                let _ = writeln!(out, "  DEFECT: {defect}");
            }
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
                    format!("hop {} {}: {} {}", h.hop, h.country, g.measure.name(), actual)
                })
                .collect();
            if !missed.is_empty() {
                let _ = writeln!(out, "  goals missed: {}", missed.join("; "));
            }
        }
        if let Some(hidden) = self.incidents.len().checked_sub(shown).filter(|&n| n > 0) {
            let _ = writeln!(out);
            let _ = writeln!(
                out,
                "... {hidden} more {} not shown on a terminal: redirect the report to a file, \
                 or use --json or --csv, to have every one",
                if hidden == 1 { "incident" } else { "incidents" },
            );
        }
        let _ = writeln!(out);
        let preserved = self.incidents.iter().filter(|i| i.trace.result == TraceResult::OriginPreserved).count();
        // By instrument as it was: MLA outside the Convention apart.
        let mut by_channel: BTreeMap<(ProductionChannel, bool), usize> = BTreeMap::new();
        for found in self.incidents.iter().filter_map(|i| i.subscriber.as_ref()) {
            *by_channel.entry((found.channel, found.outside_convention)).or_default() += 1;
        }
        let channels: Vec<String> = by_channel
            .iter()
            .map(|(&(channel, outside), n)| {
                format!("{n} through {}", SubscriberIdentified::instrument_of(channel, outside))
            })
            .collect();
        let abandoned = self.incidents.iter().filter(|i| i.production_abandoned_after_ms.is_some()).count();
        let _ = writeln!(
            out,
            "Outcomes: origin found and its data held in {preserved} of {}; subscriber identified in {}{}{}",
            crate::units::count(self.incidents.len() as u64, "trace", "traces"),
            by_channel.values().sum::<usize>(),
            if channels.is_empty() { String::new() } else { format!(" ({})", channels.join(", ")) },
            if abandoned == 0 { String::new() } else { format!("; {abandoned} MLA requests abandoned unanswered") }
        );
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
            let _ = writeln!(out, "Latency per cross-border request:");
            for stage in &self.stages {
                let show = |v: Option<i64>| v.map_or_else(|| "-".to_owned(), fmt_ms);
                let _ = writeln!(
                    out,
                    "  {:<22} n={:<4} p50 {:<8} p90 {:<8} max {}",
                    stage.stage.name(),
                    stage.count,
                    show(stage.p50_ms),
                    show(stage.p90_ms),
                    show(stage.max_ms)
                );
            }
        }
    }
}

pub(crate) fn zoned(scenario: &Scenario, country: &CountryCode, at: SimTime) -> Option<jiff::ZonedDateTime> {
    let tz = scenario.countries.get(country)?.time_zone.clone();
    let ts = scenario.instant(at.ms())?;
    Some(ts.to_zoned_datetime(tz))
}

pub fn local_time(scenario: &Scenario, country: &CountryCode, at: SimTime) -> String {
    zoned(scenario, country, at)
        .map_or_else(|| format!("{} ms", at.ms()), |z| z.strftime("%a %Y-%m-%d %H:%M %Z").to_string())
}

/// "(Mon 21:32 EST)": the day and time at `country`, written into `out`.
/// A report writes three per hop, so the local time comes from the zone's
/// offset at that instant by arithmetic, not through `strftime` (which
/// parses its format and builds a whole civil date-time every time).
fn write_local_short(out: &mut String, scenario: &Scenario, country: &CountryCode, at: SimTime) {
    let (Some(country), Some(instant)) = (scenario.countries.get(country), scenario.instant(at.ms())) else {
        return;
    };
    let offset = country.time_zone.to_offset_info(instant);
    let local = instant.as_millisecond().div_euclid(1000) + i64::from(offset.offset().seconds());
    let (day, second) = (local.div_euclid(86_400), local.rem_euclid(86_400));
    // Day 0, 1 January 1970, was a Thursday: index 3 from Monday.
    let weekday = pocnet_node::WEEKDAY_NAMES[(day + 3).rem_euclid(7) as usize];
    let _ = write!(out, "({weekday} {:02}:{:02} {})", second / 3600, second / 60 % 60, offset.abbreviation());
}
