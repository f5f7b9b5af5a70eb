//! The replication and comparison pages: the charts of `charts.rs` with
//! their tables, the style sheet and the page frame.

use super::charts::{cdf_chart, heat_map, proportion_bars, share_bars, time_to_event_chart, tornado};
use super::timeline::trace_timeline;
use super::{escape, percent};
use crate::analysis::Aggregate;
use crate::compare::Comparison;
use crate::intervals::IntervalKind;
use crate::latency::Measure;
use crate::latency::Role;
use crate::latency::Stage;
use crate::replication_report::{LatencySummary, ReplicationReport};
use crate::scenario::Scenario;
use crate::sensitivity::Sensitivity;
use crate::statistics::Proportion;
use crate::units::{count, fmt_ms};
use std::fmt::Write as _;

const STYLE: &str = "body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222}\
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ddd}\
table{border-collapse:collapse}td,th{padding:2px 10px;text-align:right}th:first-child,td:first-child{text-align:left}\
figure{display:inline-block;margin:0 1em 1em 0;vertical-align:top}figcaption{font-weight:600}\
svg text{font:11px system-ui,sans-serif;fill:#333}svg text.axis-title{font-style:italic;fill:#555}.note{color:#666}\
.verdict{font-size:1.15em;padding:.6em .9em;border-left:6px solid #999;background:#f6f6f6}\
.verdict.met{border-color:#2e7d32}.verdict.partly{border-color:#e6a23c}.verdict.missed{border-color:#c0392b}\
table.summary th{text-align:left;font-weight:normal}table.summary td{font-weight:600;white-space:nowrap}table.summary td.n{font-weight:normal;color:#666}\
tr.met td:first-of-type{color:#2e7d32}tr.partly td:first-of-type{color:#b7791f}tr.missed td:first-of-type{color:#c0392b}\
.key{font-weight:600}.key.met{color:#2e7d32}.key.partly{color:#b7791f}.key.missed{color:#c0392b}\
#latency{margin-top:1em}#latency th{font-weight:600}\
figure.timeline{display:block}.legend{font-size:12px;color:#444}.legend span{margin-right:1.2em;white-space:nowrap}\
.legend i{display:inline-block;width:14px;height:10px;margin-right:4px;vertical-align:middle}\
.legend i.line{width:0;height:12px;border-left:2px solid}.legend i.dashed{border-left-style:dashed}\
.story{font-weight:600}.story.missed{color:#c0392b}.story.met{color:#2e7d32}\
@media print{body{margin:0;max-width:none;font-size:11pt}h2{break-after:avoid}\
figure,table,svg,.verdict{break-inside:avoid}a{color:inherit;text-decoration:none}}";

fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title><style>{STYLE}</style></head>\n<body>\n{body}</body></html>\n",
        escape(title)
    )
}

fn stage_target(report: &ReplicationReport, stage: Stage) -> Option<i64> {
    let measure = stage.measure()?;
    report.goals.iter().find(|g| g.goal.measure == measure).and_then(|g| g.goal.target_ms)
}

/// How a share reads against the goals: met by at least 90% of requests
/// (green), by half (amber), or by fewer (red).
fn standing(p: &Proportion) -> &'static str {
    match p.share {
        Some(s) if s >= 0.9 => "met",
        Some(s) if s >= 0.5 => "partly",
        Some(_) => "missed",
        None => "none",
    }
}

/// A share as a page shows it: with its interval over many replications,
/// as a plain count over one (an interval over one trace says nothing).
fn share_text(p: &Proportion, replications: u64, kind: IntervalKind) -> String {
    match p.share {
        None => "none measured".to_owned(),
        Some(_) if replications == 1 => format!("{} of {}", p.successes, p.trials),
        Some(_) => percent(p, kind),
    }
}

/// A small share still shows as more than nothing.
fn share_of_all(share: f64) -> String {
    match 100.0 * share {
        p if p >= 0.1 => format!("{p:.1}%"),
        p if p >= 0.01 => format!("{p:.2}%"),
        _ => "under 0.01%".to_owned(),
    }
}

/// The page's first sentence: the outcome, and where and why traces die.
fn verdict(report: &ReplicationReport) -> String {
    let survive = report.origin_preserved.share.unwrap_or(0.0);
    let mut text = if report.replications == 1 {
        match (&report.representative_trace, &report.failing_trace) {
            (Some(_), _) if report.deaths.is_empty() => "Every trace reached the origin with its data held.".to_owned(),
            _ => format!(
                "{} of {} reached the origin with its data held.",
                report.origin_preserved.successes,
                count(report.origin_preserved.trials, "trace", "traces")
            ),
        }
    } else {
        format!(
            "Within {} of the report, traces reach the origin with its data held in {:.1}% of cases.",
            crate::units::fmt_horizon(report.horizon_ms),
            100.0 * survive
        )
    };
    if let Some(death) = report.deaths.first() {
        let _ = write!(
            text,
            " The commonest end is at hop {} in {}: {} ({:.1}% of traces).",
            death.hop,
            death.country,
            death.cause.description(),
            100.0 * death.share
        );
    }
    // How fast the network is, said of the traces that got through: a trace
    // that died waiting months on an MLA transit says nothing of that.
    // Where none got through, where the stopped ones spent their time is the story.
    let top = [crate::analysis::Ending::Reached, crate::analysis::Ending::Stopped]
        .into_iter()
        .find_map(|ending| report.critical_path.iter().find(|s| s.ending == ending));
    if let Some(top) = top {
        let _ = write!(
            text,
            " In the {}, the most time goes to {}'s {} ({:.0}% of it).",
            top.ending.name(),
            top.country,
            top.segment.name(),
            100.0 * top.share
        );
    }
    if let Some(e2e) = report.stages.iter().find(|s| s.stage == Stage::EndToEnd) {
        let _ = write!(text, " When they do, it takes {} at the median.", fmt_ms(e2e.p50_ms as i64));
    }
    text
}

/// The summary table: the figures a reader needs first, coloured against the goals.
fn summary(report: &ReplicationReport) -> String {
    let n = report.replications;
    let mut table = String::from("<table id=\"summary\" class=\"summary\">");
    let traces = report.origin_preserved.trials;
    let _ = write!(
        table,
        "<tr><th>runs</th><td colspan=\"2\">{}, {}</td></tr>",
        count(n, "replication", "replications"),
        count(traces, "trace", "traces")
    );
    let subscriber =
        format!("subscriber identified (usable as evidence){}", channel_list(&report.subscribers_by_channel));
    for (what, p) in [
        ("origin found and its data held", &report.origin_preserved),
        (subscriber.as_str(), &report.subscriber_identified),
    ] {
        let _ = write!(
            table,
            "<tr class=\"{}\"><th>{what}</th><td>{}</td><td class=\"n\">{}</td></tr>",
            standing(p),
            share_text(p, n, report.interval),
            if n == 1 { String::new() } else { format!("{} of {}", p.successes, p.trials) }
        );
    }
    for g in &report.goals {
        let assumed = if g.assumed.is_empty() {
            String::new()
        } else {
            let names: Vec<&str> = g.assumed.iter().map(|a| a.name()).collect();
            format!(" <em class=\"assumed\">(assumed: the spread of {})</em>", escape(&names.join(", ")))
        };
        let _ = write!(
            table,
            "<tr class=\"{}\"><th>{}{assumed}</th><td>{}</td><td class=\"n\">{}</td></tr>",
            standing(&g.compliance),
            escape(&g.goal.description),
            share_text(&g.compliance, n, report.interval),
            if n == 1 {
                "requests".to_owned()
            } else {
                format!("{} of {} requests", g.compliance.successes, g.compliance.trials)
            }
        );
    }
    table.push_str("</table>\n");
    table.push_str(
        "<p class=\"note\"><span class=\"key met\">green</span>: at least 90% met it; \
         <span class=\"key partly\">amber</span>: at least half; <span class=\"key missed\">red</span>: fewer.</p>\n",
    );
    let _ = writeln!(
        table,
        "<p class=\"note\" id=\"interval-kind\">Shares count what happened within {} of the report. Intervals are 95%, {} \
         (docs/report.md explains this and the other kind).</p>",
        crate::units::fmt_horizon(report.horizon_ms),
        escape(report.interval.covers())
    );
    let mut latency = String::from("<table id=\"latency\"><tr><th>latency</th><th>count</th>");
    for column in LatencySummary::COLUMNS {
        let _ = write!(latency, "<th>{column}</th>");
    }
    latency.push_str("</tr>");
    for stage in &report.stages {
        let _ = write!(latency, "<tr><td>{}</td><td>{}</td>", stage.stage.name(), stage.count);
        for value in stage.columns() {
            let _ = write!(latency, "<td>{}</td>", fmt_ms(value as i64));
        }
        latency.push_str("</tr>");
    }
    latency.push_str("</table>\n<p class=\"note\">End to end counts the traces that reached the origin; where the time goes, below, shows the traces that stopped apart.</p>\n");
    table + &latency
}

/// The replication report as a page: the verdict and the summary first,
/// then the traces' stories, then the detail.
pub fn replication_page(report: &ReplicationReport, aggregate: &Aggregate, scenario: &Scenario) -> String {
    let mut body = String::new();
    let _ = writeln!(body, "<h1>{}</h1>", escape(&report.scenario.name));
    let _ = writeln!(
        body,
        "<p id=\"verdict\" class=\"verdict {}\">{}</p>",
        standing(&report.origin_preserved),
        escape(&verdict(report))
    );
    body.push_str(&summary(report));
    let _ = writeln!(
        body,
        "<p class=\"note\">{}, seed {}, strategy {}, goals {}, scenario sha256 <code>{}</code></p>",
        count(report.replications, "replication", "replications"),
        report.seed,
        report.scenario.strategy,
        report.scenario.goal_profile,
        &report.scenario.sha256
    );

    let _ = writeln!(body, "<h2>How traces end</h2>");
    if let Some(t) = &report.failing_trace {
        let title = format!(
            "How traces die: the first of the commonest end (replication {}, {})",
            t.replication, t.incident.id
        );
        body.push_str(&trace_timeline("timeline-failing", &title, t, scenario));
    }
    if let Some(t) = &report.representative_trace {
        let title = if report.replications == 1 {
            format!("The trace hop by hop: {}", t.incident.id)
        } else {
            format!(
                "A trace that reached the origin, closest to the median: replication {}, {}",
                t.replication, t.incident.id
            )
        };
        body.push_str(&trace_timeline("timeline-representative", &title, t, scenario));
    }
    if let Some(t) = report.worst_trace.as_ref().filter(|_| report.replications > 1) {
        let title = format!(
            "The slowest trace that reached the origin: replication {}, {} ({})",
            t.replication,
            t.incident.id,
            fmt_ms(t.end_to_end_ms)
        );
        body.push_str(&trace_timeline("timeline-worst", &title, t, scenario));
    }
    if !report.deaths.is_empty() {
        let _ = writeln!(
            body,
            "<h3>Where traces die, commonest first</h3><table id=\"deaths\"><tr><th>hop</th><th>country</th><th>cause</th><th>traces</th><th>share of all traces</th></tr>"
        );
        // The ends that matter, then the long tail in one line.
        let shown = report.deaths.iter().take_while(|d| d.share >= 0.001).count().max(report.deaths.len().min(10));
        for d in &report.deaths[..shown] {
            let _ = writeln!(
                body,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                d.hop,
                escape(d.country.as_str()),
                d.cause.description(),
                d.traces,
                share_of_all(d.share)
            );
        }
        let rest = &report.deaths[shown..];
        if !rest.is_empty() {
            let traces: u64 = rest.iter().map(|d| d.traces).sum();
            let share: f64 = rest.iter().map(|d| d.share).sum();
            let _ = writeln!(
                body,
                "<tr class=\"rest\"><td colspan=\"3\">{} rarer ends together</td><td>{traces}</td><td>{}</td></tr>",
                rest.len(),
                share_of_all(share)
            );
        }
        body.push_str("</table>\n");
    }
    if report.replications == 1 {
        // Distributions over one trace say nothing: the page ends with its story.
        return page(&format!("pocnet: {}", report.scenario.name), &body);
    }

    let _ = writeln!(body, "<h2>How long the answers take</h2>");
    body.push_str(&time_to_event_chart(
        "time-to-identification",
        "Share of all traces with the origin found and held, and with the subscriber identified (usable as \
         evidence), by time from the report (Kaplan-Meier)",
        &[
            ("origin found and held", "#1f5fa8", &report.time_to_origin),
            ("subscriber identified", "#c0392b", &report.time_to_identification),
        ],
    ));
    let _ = write!(body, "<table id=\"horizons\"><tr><th>share of all traces by</th>");
    for label in ["30 days", "180 days", "1 year", "2 years", "ever"] {
        let _ = write!(body, "<th>{label}</th>");
    }
    body.push_str("</tr>");
    for (what, curve) in
        [("origin found and held", &report.time_to_origin), ("subscriber identified", &report.time_to_identification)]
    {
        let _ = write!(body, "<tr><td>{what}</td>");
        for point in &curve.at_horizons {
            let _ = write!(body, "<td>{:.1}%</td>", 100.0 * point.share);
        }
        let _ = write!(body, "<td>{:.1}%</td></tr>", 100.0 * curve.steps.last().map_or(0.0, |p| p.share));
    }
    body.push_str("</table>\n");
    let _ = writeln!(body, "<h2>Goal compliance</h2>");
    let goal_rows: Vec<(String, Proportion)> =
        report.goals.iter().map(|g| (g.goal.measure.name().to_owned(), g.compliance.clone())).collect();
    body.push_str("<ul class=\"note\">");
    for g in &report.goals {
        let _ = write!(body, "<li>{}: {}</li>", g.goal.measure.name(), escape(&g.goal.description));
    }
    body.push_str("</ul>\n");
    body.push_str(&proportion_bars(
        "goal-compliance",
        &goal_rows,
        report.interval,
        "share of requests meeting the goal, with its 95% interval",
    ));
    let _ = writeln!(body, "<h2>Latency distributions against the goals</h2>");
    for (stage, histogram) in &aggregate.stages {
        let id = format!("cdf-{}", stage.name().replace(' ', "-"));
        body.push_str(&cdf_chart(
            &id,
            &format!("{} (n={})", stage.name(), histogram.len()),
            histogram,
            stage_target(report, *stage),
        ));
    }
    for (role, title, id) in [
        (Role::Requested, "Compliance by country, as the requested desk, lowest first", "country-compliance"),
        (Role::Requesting, "Compliance by country, as the requesting desk, lowest first", "requester-compliance"),
    ] {
        let mut by_country: Vec<(String, Proportion)> = aggregate
            .desk_compliance
            .iter()
            .filter(|((_, r), sums)| *r == role && sums.t > 0)
            .map(|((country, _), sums)| (country.to_string(), Proportion::by_replication(sums)))
            .collect();
        // Where the desks fall short leads; a long tail of full compliance follows.
        by_country.sort_by(|a, b| {
            let share = |p: &Proportion| p.share.unwrap_or(1.0);
            share(&a.1).total_cmp(&share(&b.1)).then_with(|| a.0.cmp(&b.0))
        });
        if !by_country.is_empty() {
            let _ = writeln!(body, "<h2>{title}</h2>");
            body.push_str(&proportion_bars(
                id,
                &by_country,
                IntervalKind::ThisWorld,
                "share of this desk's requests meeting their goals, with this world's 95% interval",
            ));
        }
    }
    let _ = writeln!(
        body,
        "<h2>Where the time goes</h2><p class=\"note\">From the report to the end of each trace, the traces that \
         reached the origin and those that stopped apart: each share is of its own group's time.</p>\
         <table id=\"critical-path\"><tr><th>traces</th><th>country</th><th>stage</th><th>share of the time</th></tr>"
    );
    for ending in [crate::analysis::Ending::Reached, crate::analysis::Ending::Stopped] {
        for share in report.critical_path.iter().filter(|s| s.ending == ending && s.share >= 0.001).take(8) {
            let _ = writeln!(
                body,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{:.1}%</td></tr>",
                ending.name(),
                escape(share.country.as_str()),
                share.segment.name(),
                100.0 * share.share
            );
        }
    }
    body.push_str("</table>\n");
    let _ = writeln!(body, "<h2>Acknowledgement latency by local time of arrival</h2>");
    let _ = writeln!(
        body,
        "<p class=\"note\">Median per weekday and hour in the requested country's local time; the scale is below the map.</p>"
    );
    body.push_str(&heat_map("ack-heatmap", aggregate));
    page(&format!("pocnet: {}", report.scenario.name), &body)
}

/// A comparison as a page.
pub fn comparison_page(comparison: &Comparison) -> String {
    let mut body = String::new();
    let _ = writeln!(body, "<h1>pocnet comparison</h1>");
    let _ = writeln!(
        body,
        "<p class=\"note\">{} per variant, common random numbers (seed {}); baseline {}</p>",
        count(comparison.replications, "replication", "replications"),
        comparison.seed,
        escape(&comparison.baseline)
    );
    let _ = writeln!(body, "<h2>Origin found and its data held</h2>");
    let rows: Vec<(String, Proportion)> =
        comparison.variants.iter().map(|v| (v.label.clone(), v.origin_preserved.clone())).collect();
    body.push_str(&proportion_bars(
        "compare-survival",
        &rows,
        comparison.interval,
        "share of traces reaching the origin, with its 95% interval",
    ));
    let _ = writeln!(body, "<h2>Subscriber identified, usable as evidence</h2>");
    let rows: Vec<(String, Proportion)> =
        comparison.variants.iter().map(|v| (v.label.clone(), v.subscriber_identified.clone())).collect();
    body.push_str(&proportion_bars(
        "compare-subscriber",
        &rows,
        comparison.interval,
        "share of traces whose subscriber was identified, with its 95% interval",
    ));
    let _ = writeln!(
        body,
        "<h2>Differences from the baseline</h2><table id=\"differences\"><tr><th>variant</th><th>metric</th><th>difference</th><th>trials, baseline / variant</th></tr>"
    );
    for d in &comparison.differences {
        let metric = d.metric.name();
        let holm =
            if d.difference.significant == Some(true) && d.significant_after_holm == Some(false) { " ‡" } else { "" };
        let _ = writeln!(
            body,
            "<tr><td>{}</td><td>{metric}</td><td>{}{holm}</td><td>{} / {}{}</td></tr>",
            escape(&d.variant),
            escape(&d.difference.describe()),
            d.baseline_trials,
            d.variant_trials,
            if d.denominators_differ() { " (denominators differ)" } else { "" }
        );
    }
    body.push_str("</table>\n");
    let _ = writeln!(
        body,
        "<p class=\"note\">Δ: the mean per-replication difference in points, with the paired t-test's 95% interval \
         over replications on the same random numbers; judged from {} paired replications up; ‡: not significant \
         once every row is judged together (Holm). Bars: 95% intervals, {}.</p>",
        crate::statistics::MIN_PAIRS,
        escape(comparison.interval.covers())
    );
    let measures: Vec<Measure> =
        comparison.variants.first().map(|v| v.goals.iter().map(|g| g.measure).collect()).unwrap_or_default();
    for measure in measures {
        let _ = writeln!(body, "<h3>{}</h3>", measure.name());
        let rows: Vec<(String, Proportion)> = comparison
            .variants
            .iter()
            .filter_map(|v| {
                v.goals.iter().find(|g| g.measure == measure).map(|g| (v.label.clone(), g.compliance.clone()))
            })
            .collect();
        body.push_str(&proportion_bars(
            &format!("compare-{measure:?}").to_lowercase(),
            &rows,
            comparison.interval,
            "share of requests meeting the goal, with its 95% interval",
        ));
    }
    page("pocnet comparison", &body)
}

/// " (by MLA 120, by emergency disclosure 3)", or nothing when none was identified.
fn channel_list(counts: &[crate::replication_report::ChannelCount]) -> String {
    if counts.is_empty() {
        return String::new();
    }
    let parts: Vec<String> =
        counts.iter().map(|c| format!("through {} {}", escape(c.channel.description()), c.subscribers)).collect();
    format!(" ({})", parts.join(", "))
}

/// What the assumed figures leave uncertain: the outcomes' spread over the
/// worlds drawn, and each figure's share of it, per outcome.
pub fn uncertainty_page(study: &crate::uncertainty::Uncertainty) -> String {
    let mut body = String::new();
    let _ = writeln!(body, "<h1>pocnet uncertainty: {}</h1>", escape(&study.scenario.name));
    let _ = writeln!(
        body,
        "<p class=\"note\">{} (seed {}), {}. The spread covers those figures and the simulation's chance, for the \
         scenario's own incidents (docs/report.md).</p>",
        count(study.replications, "replication", "replications"),
        study.seed,
        escape(&study.drawn)
    );
    let _ = writeln!(
        body,
        "<table id=\"spreads\"><tr><th>within {}</th><th>mean</th><th>95% of worlds</th><th>R² of the regression</th></tr>",
        crate::units::fmt_horizon(study.horizon_ms)
    );
    for spread in &study.spreads {
        let _ = writeln!(
            body,
            "<tr><td>{}</td><td>{:.1}%</td><td>[{:.1}, {:.1}]</td><td>{:.2}</td></tr>",
            spread.outcome.name(),
            100.0 * spread.mean,
            100.0 * spread.low,
            100.0 * spread.high,
            spread.r_squared
        );
    }
    body.push_str("</table>\n");
    for (index, outcome) in ["origin preserved", "subscriber identified"].into_iter().enumerate() {
        let mut rows: Vec<(String, f64)> = study
            .shares
            .iter()
            .map(|s| {
                (s.parameter.name().to_owned(), if index == 0 { s.origin_preserved } else { s.subscriber_identified })
            })
            .collect();
        // The largest share first, for this outcome.
        rows.sort_by(|a, b| b.1.total_cmp(&a.1));
        let _ = writeln!(body, "<h2>Where the spread of {outcome} comes from</h2>");
        body.push_str(&share_bars(
            &format!("variance-{index}"),
            &rows,
            "share of the variance (standardized rank regression coefficient squared)",
        ));
    }
    page("pocnet uncertainty", &body)
}

/// The sensitivity sweep: a tornado chart per outcome, and the table.
pub fn sensitivity_page(sensitivity: &Sensitivity) -> String {
    let mut body = String::new();
    let _ = writeln!(body, "<h1>pocnet sensitivity: {}</h1>", escape(&sensitivity.scenario.name));
    let _ = writeln!(
        body,
        "<p class=\"note\">{} per variant, common random numbers (seed {}); each assumed figure and illustrative \
         input divided and multiplied by {} (the non-member route: divided means the non-members join the network). \
         Baseline, within {}: origin preserved {}, subscriber identified {}.</p>\n<p class=\"note\" id=\"not-swept\">\
         Not swept (stated, not varied): {}.</p>",
        count(sensitivity.replications, "replication", "replications"),
        sensitivity.seed,
        sensitivity.factor,
        crate::units::fmt_horizon(sensitivity.horizon_ms),
        percent(&sensitivity.origin_preserved, sensitivity.interval),
        percent(&sensitivity.subscriber_identified, sensitivity.interval),
        escape(sensitivity.not_swept)
    );
    let outcomes = sensitivity.parameters.first().map_or(0, |p| p.effects.len());
    for index in 0..outcomes {
        let title = sensitivity.parameters[0].effects[index].outcome.name();
        let rows: Vec<(String, f64, f64)> = sensitivity
            .parameters
            .iter()
            .map(|p| {
                let effect = &p.effects[index];
                let mean = |d: &Option<crate::statistics::PairedDifference>| d.as_ref().map_or(0.0, |d| d.mean);
                (p.parameter.name(), mean(&effect.low), mean(&effect.high))
            })
            .collect();
        let _ = writeln!(body, "<h2>{}</h2>", escape(title));
        body.push_str(&tornado(&format!("tornado-{index}"), &rows));
    }
    body.push_str(
        "<p class=\"note\">Light bars: the parameter divided; dark bars: multiplied. Points of share, \
                   mean per-replication difference from the baseline.</p>\n",
    );
    page("pocnet sensitivity", &body)
}
