//! The report of many replications: the figures an analyst compares, for the
//! terminal (one screen) and as JSON with every histogram in HdrHistogram's
//! V2 format (base64), so they can be merged with other runs later.

use crate::analysis::{Aggregate, Cause, Ending, Segment, TraceCase};
use crate::goals::Goal;
use crate::intervals::{Clustered, IntervalKind};
use crate::latency::Measure;
use crate::latency::Role;
use crate::latency::Stage;
use crate::report::{IncidentReport, ScenarioInfo};
use crate::scenario::Scenario;
use crate::sensitivity::Assumption;
use crate::statistics::{Proportion, proportion};
use crate::survival::Curve;
use crate::units::fmt_ms;
use base64::Engine as _;
use hdrhistogram::Histogram;
use hdrhistogram::serialization::{Serializer as _, V2Serializer};
use pocnet_node::{CountryCode, ProductionChannel};
use serde::Serialize;
use std::fmt::Write as _;

pub const FORMAT: &str = "pocnet-replications/4";

#[derive(Debug, Serialize)]
pub struct ReplicationReport {
    pub format: &'static str,
    pub scenario: ScenarioInfo,
    pub seed: u64,
    pub replications: u64,
    /// How replication `r`'s random streams derive from the seed (docs/report.md).
    pub seed_derivation: &'static str,
    /// The parameters with no published figure this scenario's results rest on.
    pub assumptions: Vec<Assumption>,
    /// The kind of interval the text and the page show (every share here carries both).
    pub interval: IntervalKind,
    /// What each kind of interval covers and how it is drawn.
    pub interval_kinds: Vec<IntervalLegend>,
    /// The shares below count what happened within this long of the report.
    pub horizon_ms: i64,
    /// Traces that found the origin and held its data within the horizon: the network's job.
    pub origin_preserved: Proportion,
    /// Traces whose subscriber was identified, usable as evidence, within the horizon.
    pub subscriber_identified: Proportion,
    /// Report → origin found and held, over every trace (Kaplan-Meier).
    pub time_to_origin: Curve,
    /// Report → subscriber identified, usable as evidence.
    pub time_to_identification: Curve,
    /// Subscribers identified, by the channel that yielded them.
    pub subscribers_by_channel: Vec<ChannelCount>,
    /// Of those through MLA, between States not both Budapest Parties.
    pub mla_outside_convention: u64,
    /// Traces whose origin was found and held but whose formal request for
    /// production the requester abandoned unanswered (`mla_abandoned_after`).
    pub production_abandoned: u64,
    /// Traces with a legal defect: an MLA request resting on an informal referral (relay).
    pub defective: Proportion,
    pub goals: Vec<GoalCompliance>,
    pub stages: Vec<LatencySummary>,
    pub stages_by_country: Vec<LatencySummary>,
    pub stages_by_hop: Vec<LatencySummary>,
    pub deaths: Vec<Death>,
    pub holds_expired_before_mla: Vec<CountryCount>,
    pub critical_path: Vec<CriticalPathShare>,
    pub acknowledgement_by_local_hour: Vec<HourCell>,
    pub goals_by_country: Vec<CountryCompliance>,
    pub representative_trace: Option<TraceTimeline>,
    pub worst_trace: Option<TraceTimeline>,
    /// The first trace that died the commonest way, to show how traces die.
    pub failing_trace: Option<TraceTimeline>,
    /// Set when the study was stopped early (Ctrl-C): the replications asked
    /// for; `replications` counts those completed, in order from 0.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requested_replications: Option<u64>,
}

/// One kind of interval, as the JSON legend explains it.
#[derive(Debug, Serialize)]
pub struct IntervalLegend {
    pub kind: IntervalKind,
    pub covers: &'static str,
    pub method: &'static str,
}

impl IntervalLegend {
    pub fn all() -> Vec<IntervalLegend> {
        IntervalKind::ALL
            .into_iter()
            .map(|kind| IntervalLegend { kind, covers: kind.covers(), method: kind.method() })
            .collect()
    }
}

#[derive(Debug, Serialize)]
pub struct GoalCompliance {
    #[serde(flatten)]
    pub goal: Goal,
    pub compliance: Proportion,
    /// The assumed figures that alone make the time measured: the
    /// compliance is then their assumed spread, not a finding.
    pub assumed: Vec<Assumption>,
}

#[derive(Debug, Serialize)]
pub struct LatencySummary {
    pub stage: Stage,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<CountryCode>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hop: Option<u32>,
    pub count: u64,
    /// The mean, rounded to the millisecond.
    pub mean_ms: u64,
    pub p50_ms: u64,
    pub p90_ms: u64,
    pub p95_ms: u64,
    pub p99_ms: u64,
    pub p999_ms: u64,
    pub max_ms: u64,
    /// HdrHistogram V2 encoding, base64; values in milliseconds.
    pub histogram: String,
}

#[derive(Debug, Serialize)]
pub struct Death {
    pub hop: u32,
    pub country: CountryCode,
    pub cause: Cause,
    pub traces: u64,
    /// Of all traces.
    pub share: f64,
}

#[derive(Debug, Serialize)]
pub struct ChannelCount {
    pub channel: ProductionChannel,
    pub usable: bool,
    pub subscribers: u64,
}

#[derive(Debug, Serialize)]
pub struct CountryCount {
    pub country: CountryCode,
    pub hops: u64,
}

#[derive(Debug, Serialize)]
pub struct CriticalPathShare {
    /// Whether the traces it is a share of reached the origin or stopped.
    pub ending: Ending,
    pub country: CountryCode,
    pub segment: Segment,
    pub total_ms: i64,
    /// Of the end-to-end time of the finished traces that ended this way.
    pub share: f64,
}

#[derive(Debug, Serialize)]
pub struct HourCell {
    /// 0 = Monday.
    pub weekday: u8,
    pub hour: u8,
    pub count: u64,
    pub p50_ms: u64,
    pub p90_ms: u64,
}

#[derive(Debug, Serialize)]
pub struct CountryCompliance {
    pub country: CountryCode,
    /// Whether the country is held to account as the requested or the requesting desk.
    pub role: Role,
    pub measure: Measure,
    pub compliance: Proportion,
}

/// One trace, re-run from its replication to show its timeline.
#[derive(Debug, Serialize)]
pub struct TraceTimeline {
    pub replication: u64,
    pub end_to_end_ms: i64,
    pub incident: IncidentReport,
}

/// The V2 encoding of a histogram's counts. Its header names the highest
/// trackable value, which depends on how an auto-resizing histogram grew;
/// a copy sized to the largest value recorded makes the bytes depend on the
/// counts alone, so a study merged from shards encodes as one run of it does.
pub fn encode_histogram(histogram: &Histogram<u64>) -> String {
    let mut canonical = Histogram::<u64>::new_with_max(histogram.max().max(2), crate::analysis::HISTOGRAM_FIGURES)
        .expect("2 significant figures is valid");
    canonical.auto(true);
    canonical.add(histogram).expect("an auto-resizing histogram takes any counts");
    let mut bytes = Vec::new();
    V2Serializer::new().serialize(&canonical, &mut bytes).expect("serializing to memory cannot fail");
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

impl LatencySummary {
    /// The columns of ghz and wrk2 after the count, as every latency table shows them.
    pub const COLUMNS: [&str; 7] = ["mean", "p50", "p90", "p95", "p99", "p99.9", "max"];

    /// The values of [`LatencySummary::COLUMNS`], in milliseconds.
    pub fn columns(&self) -> [u64; 7] {
        [self.mean_ms, self.p50_ms, self.p90_ms, self.p95_ms, self.p99_ms, self.p999_ms, self.max_ms]
    }
}

fn summary(stage: Stage, country: Option<CountryCode>, hop: Option<u32>, h: &Histogram<u64>) -> LatencySummary {
    LatencySummary {
        stage,
        country,
        hop,
        count: h.len(),
        mean_ms: h.mean().round() as u64,
        p50_ms: h.value_at_quantile(0.5),
        p90_ms: h.value_at_quantile(0.9),
        p95_ms: h.value_at_quantile(0.95),
        p99_ms: h.value_at_quantile(0.99),
        p999_ms: h.value_at_quantile(0.999),
        max_ms: h.max(),
        histogram: encode_histogram(h),
    }
}

impl ReplicationReport {
    /// `timeline` re-runs a replication and returns the incident's report:
    /// cheaper than keeping every trace of every replication.
    pub fn build(
        scenario: &Scenario,
        seed: u64,
        interval: IntervalKind,
        aggregate: &Aggregate,
        mut timeline: impl FnMut(TraceCase) -> Option<IncidentReport>,
    ) -> ReplicationReport {
        let goal_list = scenario.goals.goals.clone();
        let goals = goal_list
            .into_iter()
            .map(|goal| {
                let compliance = Proportion::of(aggregate.goals.get(&goal.measure).unwrap_or(&Clustered::default()));
                let assumed = Assumption::deciding(&goal, scenario);
                GoalCompliance { goal, compliance, assumed }
            })
            .collect();
        let traces = aggregate.traces.trials.max(1) as f64;
        let total_path =
            |ending: Ending| aggregate.critical_path_total_ms.get(&ending).copied().unwrap_or(0).max(1) as f64;
        let mut critical_path: Vec<CriticalPathShare> = aggregate
            .critical_path_ms
            .iter()
            .map(|((ending, country, segment), &total_ms)| CriticalPathShare {
                ending: *ending,
                country: *country,
                segment: *segment,
                total_ms,
                share: total_ms as f64 / total_path(*ending),
            })
            .collect();
        // Reached first, then stopped; within each, the most time first.
        critical_path.sort_by(|a, b| {
            (a.ending, std::cmp::Reverse(a.total_ms), &a.country, a.segment).cmp(&(
                b.ending,
                std::cmp::Reverse(b.total_ms),
                &b.country,
                b.segment,
            ))
        });
        let cases = aggregate.representative_and_worst();
        let mut timeline_of = |case: TraceCase| {
            timeline(case).map(|incident| TraceTimeline {
                replication: case.replication,
                end_to_end_ms: case.end_to_end_ms,
                incident,
            })
        };
        let (representative_trace, worst_trace) = match cases {
            Some((representative, worst)) => (timeline_of(representative), timeline_of(worst)),
            None => (None, None),
        };
        let failing_trace = aggregate.typical_death().and_then(&mut timeline_of);
        // Where traces die, the commonest first: the killers lead the table.
        let mut deaths: Vec<Death> = aggregate
            .deaths
            .iter()
            .map(|((hop, country, cause), &n)| Death {
                hop: *hop,
                country: *country,
                cause: *cause,
                traces: n,
                share: n as f64 / traces,
            })
            .collect();
        deaths.sort_by(|a, b| {
            b.traces.cmp(&a.traces).then_with(|| (a.hop, &a.country, a.cause).cmp(&(b.hop, &b.country, b.cause)))
        });
        ReplicationReport {
            format: FORMAT,
            scenario: ScenarioInfo::new(scenario),
            seed,
            replications: aggregate.replications,
            seed_derivation: "replication r of seed s: every node's ChaCha8 streams keyed by (s, r, country, purpose), see docs/report.md",
            assumptions: Assumption::resting_on(scenario),
            interval,
            interval_kinds: IntervalLegend::all(),
            horizon_ms: aggregate.horizon_ms,
            origin_preserved: Proportion::of(&aggregate.origin),
            subscriber_identified: Proportion::of(&aggregate.identified),
            time_to_origin: aggregate.time_to_origin.curve(),
            time_to_identification: aggregate.time_to_identification.curve(),
            defective: Proportion::of(&aggregate.defective),
            mla_outside_convention: aggregate.mla_outside_convention,
            production_abandoned: aggregate.production_abandoned,
            subscribers_by_channel: aggregate
                .subscribers_by_channel
                .iter()
                .map(|(&channel, &subscribers)| ChannelCount {
                    channel,
                    usable: channel.usable_as_evidence(),
                    subscribers,
                })
                .collect(),
            goals,
            stages: aggregate.stages.iter().map(|(stage, h)| summary(*stage, None, None, h)).collect(),
            stages_by_country: aggregate
                .stages_by_country
                .iter()
                .map(|((stage, country), h)| summary(*stage, Some(*country), None, h))
                .collect(),
            stages_by_hop: aggregate
                .stages_by_hop
                .iter()
                .map(|((stage, hop), h)| summary(*stage, None, Some(*hop), h))
                .collect(),
            deaths,
            holds_expired_before_mla: aggregate
                .holds_expired_before_mla
                .iter()
                .map(|(country, &hops)| CountryCount { country: *country, hops })
                .collect(),
            critical_path,
            acknowledgement_by_local_hour: aggregate
                .acknowledgement_by_local_hour
                .iter()
                .enumerate()
                .filter(|(_, h)| !h.is_empty())
                .map(|(i, h)| HourCell {
                    weekday: (i / 24) as u8,
                    hour: (i % 24) as u8,
                    count: h.len(),
                    p50_ms: h.value_at_quantile(0.5),
                    p90_ms: h.value_at_quantile(0.9),
                })
                .collect(),
            goals_by_country: aggregate
                .goals_by_country
                .iter()
                .flat_map(|(country, measures)| {
                    measures.iter().map(move |(measure, tally)| CountryCompliance {
                        country: *country,
                        role: measure.role(),
                        measure: *measure,
                        compliance: Proportion::by_replication(tally),
                    })
                })
                .collect(),
            representative_trace,
            worst_trace,
            failing_trace,
            requested_replications: None,
        }
    }

    pub fn to_json(&self) -> String {
        crate::units::to_json(self)
    }

    /// A compact summary that fits one screen.
    pub fn render_text(&self) -> String {
        let mut out = String::new();
        let noun = if self.replications == 1 { "replication" } else { "replications" };
        let _ = writeln!(out, "pocnet: {} {noun} of \"{}\"", self.replications, self.scenario.name);
        if let Some(requested) = self.requested_replications {
            let _ = writeln!(
                out,
                "INTERRUPTED: {} of the {requested} replications asked for completed; the figures cover those",
                self.replications
            );
        }
        let _ = writeln!(
            out,
            "seed {} | strategy {} | goals {} | scenario sha256 {}",
            self.seed,
            self.scenario.strategy,
            self.scenario.goal_profile,
            &self.scenario.sha256[..12]
        );
        let names: Vec<&str> = self.assumptions.iter().map(|a| a.name()).collect();
        let _ = writeln!(out, "rests on assumed figures: {} (pocnet sensitivity ranks them)", names.join(", "));
        let _ = writeln!(out);
        let kind = self.interval;
        let _ = writeln!(out, "Within {} of the report:", crate::units::fmt_horizon(self.horizon_ms));
        let _ = writeln!(out, "Origin found and data held      {}", proportion(&self.origin_preserved, kind));
        let _ = writeln!(out, "Subscriber identified (usable)  {}", proportion(&self.subscriber_identified, kind));
        for count in &self.subscribers_by_channel {
            let _ = writeln!(
                out,
                "  through {:<44} {:>7}{}",
                count.channel.description(),
                count.subscribers,
                if count.usable { "" } else { " (not usable as evidence)" }
            );
            if count.channel == ProductionChannel::Mla && self.mla_outside_convention > 0 {
                let _ = writeln!(
                    out,
                    "    of which outside the Convention {:>7}  (a bilateral treaty, UNTOC Art. 18 or letters rogatory)",
                    self.mla_outside_convention
                );
            }
        }
        if self.production_abandoned > 0 {
            let _ = writeln!(
                out,
                "  abandoned unanswered {:>40}  (origin held; the requester gave up its MLA request)",
                self.production_abandoned
            );
        }
        if self.defective.successes > 0 {
            let _ = writeln!(
                out,
                "With a legal defect             {}  (MLA resting on an informal referral: relay has no treaty basis)",
                proportion(&self.defective, kind)
            );
        }
        let _ = writeln!(out);
        let _ = writeln!(out, "Over time, share of all traces by   30 days  180 days    1 year   2 years      ever");
        for (what, curve) in
            [("origin found and held", &self.time_to_origin), ("subscriber identified", &self.time_to_identification)]
        {
            let _ = write!(out, "  {what:<33}");
            for point in &curve.at_horizons {
                let _ = write!(out, " {:>8.1}%", 100.0 * point.share);
            }
            let ever = curve.steps.last().map_or(0.0, |p| p.share);
            let _ = writeln!(out, " {:>8.1}%", 100.0 * ever);
        }
        if self.time_to_identification.censored > 0 {
            let _ = writeln!(
                out,
                "  (Kaplan-Meier: {} traces still open when the run ended are censored there)",
                self.time_to_identification.censored
            );
        }
        let _ = writeln!(out);
        let _ = writeln!(out, "Goal compliance per cross-border request:");
        for goal in &self.goals {
            let _ = write!(out, "  {:<44} {}", goal.goal.description, proportion(&goal.compliance, kind));
            if !goal.assumed.is_empty() {
                let names: Vec<&str> = goal.assumed.iter().map(|a| a.name()).collect();
                let _ = write!(out, "  ASSUMED: the spread of {}", names.join(", "));
            }
            let _ = writeln!(out);
        }
        // The kind the headline could be given: one incident has no interval over incidents.
        let shown = self.origin_preserved.interval(kind).map_or(kind, |i| i.kind);
        let _ = writeln!(out, "[ ] 95% interval, {}", shown.covers());
        if shown != kind {
            let _ = writeln!(
                out,
                "    (one incident: no interval over incidents exists, so this world's is shown; docs/report.md)"
            );
        } else {
            let other = IntervalKind::ALL.into_iter().find(|k| *k != kind).unwrap_or(kind);
            let _ = writeln!(out, "    (--interval {}: {}; docs/report.md)", other.flag(), other.covers());
        }
        let _ = writeln!(out);
        // The columns of ghz and wrk2: count, mean, then the percentiles and the maximum.
        let _ = write!(out, "{:<22} {:>6}", "Latency", "count");
        for column in LatencySummary::COLUMNS {
            let _ = write!(out, " {column:>7}");
        }
        let _ = writeln!(out);
        for stage in &self.stages {
            // Whole days from 100 days on, so that every column keeps 7 characters.
            let show = |ms: u64| match ms as i64 {
                ms if ms >= 100 * pocnet_node::time::DAY_MS => format!("{}d", ms / pocnet_node::time::DAY_MS),
                ms => fmt_ms(ms),
            };
            let _ = write!(out, "  {:<20} {:>6}", stage.stage.name(), stage.count);
            for value in stage.columns() {
                let _ = write!(out, " {:>7}", show(value));
            }
            let _ = writeln!(out);
        }
        let _ = writeln!(
            out,
            "  (end to end: traces that reached the origin; where the time goes, below: reached and stopped apart)"
        );
        if !self.deaths.is_empty() {
            let _ = writeln!(out);
            let _ = writeln!(out, "Where traces die:");
            // Already the commonest first.
            for death in self.deaths.iter().take(5) {
                let cause = death.cause.description();
                let _ = writeln!(
                    out,
                    "  hop {} {:<3} {:<32} {:>7} traces ({:.1}%)",
                    death.hop,
                    death.country.as_str(),
                    cause,
                    death.traces,
                    100.0 * death.share
                );
            }
        }
        if !self.holds_expired_before_mla.is_empty() {
            let mut lost: Vec<&CountryCount> = self.holds_expired_before_mla.iter().collect();
            lost.sort_by_key(|c| std::cmp::Reverse(c.hops));
            let mut text: Vec<String> = lost.iter().take(5).map(|c| format!("{} {}", c.country, c.hops)).collect();
            if lost.len() > 5 {
                text.push(format!("and {} more countries", lost.len() - 5));
            }
            if self.deaths.is_empty() {
                // Its own paragraph, not a line of the latency table above.
                let _ = writeln!(out);
            }
            let _ = writeln!(
                out,
                "  holds expired before the requester's MLA request arrived, by requesting country: {}",
                text.join(", ")
            );
        }
        if !self.critical_path.is_empty() {
            let _ = writeln!(out);
            let _ = writeln!(out, "Where the time goes, report to the end of the trace (top 3 of country × stage):");
            for ending in [Ending::Reached, Ending::Stopped] {
                let top: Vec<String> = self
                    .critical_path
                    .iter()
                    .filter(|s| s.ending == ending)
                    .take(3)
                    .map(|s| format!("{} {} {:.0}%", s.country, s.segment.name(), 100.0 * s.share))
                    .collect();
                if !top.is_empty() {
                    let _ = writeln!(out, "  {:<31} {}", ending.name(), top.join(", "));
                }
            }
        }
        let slowest = self.acknowledgement_by_local_hour.iter().filter(|c| c.count >= 10).max_by_key(|c| c.p50_ms);
        if let Some(cell) = slowest {
            let _ = writeln!(out);
            let _ = writeln!(
                out,
                "Slowest acknowledgements: requests arriving {} {:02}:00-{:02}:59 local time (median {}, n={})",
                pocnet_node::WEEKDAY_NAMES[cell.weekday as usize],
                cell.hour,
                cell.hour,
                fmt_ms(cell.p50_ms as i64),
                cell.count
            );
        }
        out
    }
}
