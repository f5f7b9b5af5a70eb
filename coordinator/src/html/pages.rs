//! The replication and comparison pages: the charts of `charts.rs` with
//! their tables, the style sheet and the page frame.

use super::charts::{cdf_chart, gantt, heat_map, proportion_bars, tornado};
use super::{escape, percent};
use crate::analysis::{Aggregate, Stage};
use crate::compare::Comparison;
use crate::goals::Measure;
use crate::projection::Role;
use crate::replication_report::ReplicationReport;
use crate::sensitivity::Sensitivity;
use crate::statistics::{Proportion, Tally};
use crate::units::fmt_ms;
use std::fmt::Write as _;

const STYLE: &str = "body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222}\
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ddd}\
table{border-collapse:collapse}td,th{padding:2px 10px;text-align:right}th:first-child,td:first-child{text-align:left}\
figure{display:inline-block;margin:0 1em 1em 0;vertical-align:top}figcaption{font-weight:600}\
svg text{font:11px system-ui,sans-serif;fill:#333}.note{color:#666}";

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

/// The replication report as a page.
pub fn replication_page(report: &ReplicationReport, aggregate: &Aggregate) -> String {
    let mut body = String::new();
    let _ = writeln!(body, "<h1>{}</h1>", escape(&report.scenario.name));
    let _ = writeln!(
        body,
        "<p class=\"note\">{} replications, seed {}, strategy {}, goals {}, scenario sha256 <code>{}</code></p>",
        report.replications,
        report.seed,
        report.scenario.strategy,
        report.scenario.goal_profile,
        &report.scenario.sha256
    );
    let _ = writeln!(
        body,
        "<p>Origin found and its data held: <strong>{}</strong>. Subscriber identified, usable as evidence: <strong>{}</strong>{}.</p>",
        percent(&report.origin_preserved),
        percent(&report.subscriber_identified),
        channel_list(&report.subscribers_by_channel)
    );
    let _ = writeln!(body, "<h2>Goal compliance</h2>");
    let goal_rows: Vec<(String, Proportion)> =
        report.goals.iter().map(|g| (g.goal.measure.name().to_owned(), g.compliance)).collect();
    body.push_str("<ul class=\"note\">");
    for g in &report.goals {
        let _ = write!(body, "<li>{}: {}</li>", g.goal.measure.name(), escape(&g.goal.description));
    }
    body.push_str("</ul>\n");
    body.push_str(&proportion_bars("goal-compliance", &goal_rows));
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
    let _ = writeln!(body, "<h2>Traces</h2>");
    if let Some(t) = &report.representative_trace {
        body.push_str(&gantt(
            "gantt-representative",
            &format!("Representative trace (closest to the median): replication {}, {}", t.replication, t.incident.id),
            t,
        ));
    }
    if let Some(t) = &report.worst_trace {
        body.push_str(&gantt(
            "gantt-worst",
            &format!("Slowest trace: replication {}, {} ({})", t.replication, t.incident.id, fmt_ms(t.end_to_end_ms)),
            t,
        ));
    }
    if report.representative_trace.is_none() {
        let _ = writeln!(body, "<p class=\"note\">No trace reached the origin, so there is no timeline to show.</p>");
    }
    if !report.deaths.is_empty() {
        let _ = writeln!(
            body,
            "<h3>Where traces die</h3><table><tr><th>hop</th><th>country</th><th>cause</th><th>traces</th><th>share</th></tr>"
        );
        for d in &report.deaths {
            let _ = writeln!(
                body,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.1}%</td></tr>",
                d.hop,
                escape(d.country.as_str()),
                d.cause.description(),
                d.traces,
                100.0 * d.share
            );
        }
        body.push_str("</table>\n");
    }
    for (role, title, id) in [
        (Role::Requested, "Compliance by country, as the requested desk", "country-compliance"),
        (Role::Requesting, "Compliance by country, as the requesting desk", "requester-compliance"),
    ] {
        let by_country: Vec<(String, Proportion)> = aggregate
            .goals_by_country
            .iter()
            .filter_map(|(country, measures)| {
                let mut all = Tally::default();
                for (_, tally) in measures.iter().filter(|(m, _)| m.role() == role) {
                    all.merge(*tally);
                }
                (all.trials > 0).then(|| (country.to_string(), all.into()))
            })
            .collect();
        if !by_country.is_empty() {
            let _ = writeln!(body, "<h2>{title}</h2>");
            body.push_str(&proportion_bars(id, &by_country));
        }
    }
    let _ = writeln!(
        body,
        "<h2>Where the end-to-end time goes</h2><table><tr><th>country</th><th>stage</th><th>share</th></tr>"
    );
    for share in report.critical_path.iter().take(12) {
        let _ = writeln!(
            body,
            "<tr><td>{}</td><td>{}</td><td>{:.1}%</td></tr>",
            escape(share.country.as_str()),
            share.segment.name(),
            100.0 * share.share
        );
    }
    body.push_str("</table>\n");
    let _ = writeln!(body, "<h2>Acknowledgement latency by local time of arrival</h2>");
    let _ = writeln!(
        body,
        "<p class=\"note\">Median per weekday and hour in the requested country's local time; darker is slower.</p>"
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
        "<p class=\"note\">{} replications per variant, common random numbers (seed {}); baseline {}</p>",
        comparison.replications,
        comparison.seed,
        escape(&comparison.baseline)
    );
    let _ = writeln!(body, "<h2>Origin found and its data held</h2>");
    let rows: Vec<(String, Proportion)> =
        comparison.variants.iter().map(|v| (v.label.clone(), v.origin_preserved)).collect();
    body.push_str(&proportion_bars("compare-survival", &rows));
    let _ = writeln!(body, "<h2>Subscriber identified, usable as evidence</h2>");
    let rows: Vec<(String, Proportion)> =
        comparison.variants.iter().map(|v| (v.label.clone(), v.subscriber_identified)).collect();
    body.push_str(&proportion_bars("compare-subscriber", &rows));
    let _ = writeln!(
        body,
        "<h2>Differences from the baseline</h2><table><tr><th>variant</th><th>metric</th><th>Δ (pts)</th><th>95% CI</th><th></th></tr>"
    );
    for d in &comparison.differences {
        let metric = d.metric.name();
        let _ = writeln!(
            body,
            "<tr><td>{}</td><td>{metric}</td><td>{:+.1}</td><td>[{:+.1}, {:+.1}]</td><td>{}</td></tr>",
            escape(&d.variant),
            100.0 * d.difference.mean,
            100.0 * d.difference.ci95_low,
            100.0 * d.difference.ci95_high,
            if d.difference.significant { "significant" } else { "" }
        );
    }
    body.push_str("</table>\n");
    let measures: Vec<Measure> =
        comparison.variants.first().map(|v| v.goals.iter().map(|g| g.measure).collect()).unwrap_or_default();
    for measure in measures {
        let _ = writeln!(body, "<h3>{}</h3>", measure.name());
        let rows: Vec<(String, Proportion)> = comparison
            .variants
            .iter()
            .filter_map(|v| v.goals.iter().find(|g| g.measure == measure).map(|g| (v.label.clone(), g.compliance)))
            .collect();
        body.push_str(&proportion_bars(&format!("compare-{measure:?}").to_lowercase(), &rows));
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

/// The sensitivity sweep: a tornado chart per outcome, and the table.
pub fn sensitivity_page(sensitivity: &Sensitivity) -> String {
    let mut body = String::new();
    let _ = writeln!(body, "<h1>pocnet sensitivity: {}</h1>", escape(&sensitivity.scenario.name));
    let _ = writeln!(
        body,
        "<p class=\"note\">{} replications per variant, common random numbers (seed {}); each assumed parameter divided \
         and multiplied by {}. Baseline: origin preserved {}, subscriber identified {}.</p>",
        sensitivity.replications,
        sensitivity.seed,
        sensitivity.factor,
        percent(&sensitivity.origin_preserved),
        percent(&sensitivity.subscriber_identified)
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
                (p.parameter.name().to_owned(), mean(&effect.low), mean(&effect.high))
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
