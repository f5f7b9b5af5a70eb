//! A self-contained HTML report: inline CSS and SVG, no script, no network,
//! so it opens anywhere and prints as it shows.

use crate::analysis::{Aggregate, Stage};
use crate::compare::{Comparison, Metric};
use crate::goals::Measure;
use crate::replication_report::{ReplicationReport, TraceTimeline};
use crate::report::{HopReport, measure_name};
use crate::statistics::{Proportion, Tally};
use crate::units::fmt_ms;
use hdrhistogram::Histogram;
use std::fmt::Write as _;

const STYLE: &str = "body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222}\
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ddd}\
table{border-collapse:collapse}td,th{padding:2px 10px;text-align:right}th:first-child,td:first-child{text-align:left}\
figure{display:inline-block;margin:0 1em 1em 0;vertical-align:top}figcaption{font-weight:600}\
svg text{font:11px system-ui,sans-serif;fill:#333}.note{color:#666}";

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title><style>{STYLE}</style></head>\n<body>\n{body}</body></html>\n",
        escape(title)
    )
}

fn percent(p: &Proportion) -> String {
    match (p.share, p.ci95_low, p.ci95_high) {
        (Some(s), Some(l), Some(h)) => format!("{:.1}% [{:.1}, {:.1}]", 100.0 * s, 100.0 * l, 100.0 * h),
        _ => "n/a".to_owned(),
    }
}

/// Log-scaled x position of a latency on a chart `width` wide.
struct LogAxis {
    min_ms: f64,
    max_ms: f64,
    width: f64,
}

impl LogAxis {
    fn x(&self, ms: f64) -> f64 {
        let (lo, hi) = (self.min_ms.ln(), self.max_ms.ln());
        (ms.max(self.min_ms).ln() - lo) / (hi - lo) * self.width
    }

    /// Round ticks that fall inside the axis.
    fn ticks(&self) -> Vec<(f64, &'static str)> {
        const TICKS: [(f64, &str); 9] = [
            (60e3, "1m"),
            (600e3, "10m"),
            (3600e3, "1h"),
            (6.0 * 3600e3, "6h"),
            (86_400e3, "1d"),
            (3.0 * 86_400e3, "3d"),
            (7.0 * 86_400e3, "7d"),
            (30.0 * 86_400e3, "30d"),
            (90.0 * 86_400e3, "90d"),
        ];
        TICKS
            .iter()
            .copied()
            .filter(|(ms, _)| *ms >= self.min_ms && *ms <= self.max_ms)
            .map(|(ms, l)| (self.x(ms), l))
            .collect()
    }
}

/// The cumulative distribution of a stage on a log time axis, with the goal as a vertical line.
fn cdf_chart(id: &str, title: &str, histogram: &Histogram<u64>, target_ms: Option<i64>) -> String {
    let (w, h, left, top) = (420.0, 200.0, 40.0, 10.0);
    let max = (histogram.max() as f64).max(target_ms.unwrap_or(0) as f64) * 1.2;
    let axis = LogAxis { min_ms: 30e3_f64.min(histogram.min().max(1) as f64), max_ms: max.max(60e3), width: w };
    let total = histogram.len().max(1) as f64;
    let mut points = format!("{left:.1},{:.1}", top + h);
    let mut seen = 0u64;
    for value in histogram.iter_recorded() {
        seen += value.count_since_last_iteration();
        let x = left + axis.x(value.value_iterated_to() as f64);
        let y = top + h - h * seen as f64 / total;
        let _ = write!(points, " {x:.1},{y:.1}");
    }
    let mut svg = format!(
        "<figure><figcaption>{}</figcaption><svg id=\"{id}\" class=\"chart cdf\" width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\" role=\"img\" aria-label=\"{}\">",
        escape(title),
        w + left + 10.0,
        h + top + 30.0,
        w + left + 10.0,
        h + top + 30.0,
        escape(title)
    );
    let _ =
        write!(svg, "<rect x=\"{left}\" y=\"{top}\" width=\"{w}\" height=\"{h}\" fill=\"#fafafa\" stroke=\"#ccc\"/>");
    for (x, label) in axis.ticks() {
        let _ = write!(
            svg,
            "<line x1=\"{0:.1}\" x2=\"{0:.1}\" y1=\"{top}\" y2=\"{1}\" stroke=\"#e4e4e4\"/><text x=\"{0:.1}\" y=\"{2}\" text-anchor=\"middle\">{label}</text>",
            left + x,
            top + h,
            top + h + 14.0
        );
    }
    for (share, label) in [(0.5, "50%"), (0.9, "90%"), (1.0, "100%")] {
        let y = top + h - h * share;
        let _ = write!(
            svg,
            "<line x1=\"{left}\" x2=\"{}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#e4e4e4\"/><text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{label}</text>",
            left + w,
            left - 4.0,
            y + 4.0
        );
    }
    let _ = write!(svg, "<polyline fill=\"none\" stroke=\"#1f5fa8\" stroke-width=\"2\" points=\"{points}\"/>");
    if let Some(target) = target_ms {
        let x = left + axis.x(target as f64);
        // Label on the side of the line with room for it.
        let (label_x, anchor) = if x > left + 0.8 * w { (x - 3.0, "end") } else { (x + 3.0, "start") };
        let _ = write!(
            svg,
            "<line class=\"goal\" x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{top}\" y2=\"{}\" stroke=\"#c0392b\" stroke-dasharray=\"5,3\" stroke-width=\"1.5\"/><text x=\"{label_x:.1}\" y=\"{}\" text-anchor=\"{anchor}\" fill=\"#c0392b\">goal {}</text>",
            top + h,
            top + 12.0,
            fmt_ms(target)
        );
    }
    svg.push_str("</svg></figure>\n");
    svg
}

/// Horizontal bars of proportions with their 95% intervals.
fn proportion_bars(id: &str, rows: &[(String, Proportion)]) -> String {
    let (label_w, bar_w, row_h) = (200.0, 420.0, 22.0);
    let height = row_h * rows.len() as f64 + 24.0;
    let mut svg = format!(
        "<svg id=\"{id}\" class=\"chart bars\" width=\"{}\" height=\"{height}\" viewBox=\"0 0 {} {height}\" role=\"img\">",
        label_w + bar_w + 170.0,
        label_w + bar_w + 170.0
    );
    for (i, (label, p)) in rows.iter().enumerate() {
        let y = row_h * i as f64 + 4.0;
        let share = p.share.unwrap_or(0.0);
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{}</text><rect x=\"{label_w}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#5b8fc9\"><title>{}</title></rect>",
            label_w - 6.0,
            y + 14.0,
            escape(label),
            bar_w * share,
            row_h - 6.0,
            escape(&percent(p))
        );
        if let (Some(lo), Some(hi)) = (p.ci95_low, p.ci95_high) {
            let mid = y + (row_h - 6.0) / 2.0;
            let _ = write!(
                svg,
                "<line x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{mid:.1}\" y2=\"{mid:.1}\" stroke=\"#222\"/>",
                label_w + bar_w * lo,
                label_w + bar_w * hi
            );
        }
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
            label_w + bar_w + 6.0,
            y + 14.0,
            escape(&percent(p))
        );
    }
    let axis_y = row_h * rows.len() as f64 + 16.0;
    for tick in [0.0, 0.5, 1.0] {
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{axis_y:.1}\" text-anchor=\"middle\">{:.0}%</text>",
            label_w + bar_w * tick,
            100.0 * tick
        );
    }
    svg.push_str("</svg>\n");
    svg
}

/// Hop-by-hop timeline of one trace, from its report.
fn gantt(id: &str, title: &str, timeline: &TraceTimeline) -> String {
    let incident = &timeline.incident;
    let Some(reported) = incident.reported_at_ms else { return String::new() };
    let end = incident.trace.at_ms.unwrap_or(reported).max(reported + 1);
    let (label_w, w, row_h) = (170.0, 640.0, 26.0);
    let x = |ms: i64| label_w + w * (ms - reported) as f64 / (end - reported) as f64;
    let height = row_h * incident.hops.len() as f64 + 40.0;
    let mut svg = format!(
        "<figure><figcaption>{}</figcaption><svg id=\"{id}\" class=\"chart gantt\" width=\"{}\" height=\"{height}\" viewBox=\"0 0 {} {height}\" role=\"img\">",
        escape(title),
        label_w + w + 20.0,
        label_w + w + 20.0
    );
    let segments = |hop: &HopReport| {
        [
            ("request in transit", hop.request_sent_ms, hop.request_received_ms, "#bbbbbb"),
            ("requested desk", hop.request_received_ms, hop.preservation_ordered_ms, "#e6a23c"),
            ("carrier preservation", hop.preservation_ordered_ms, hop.preserved_ms.or(hop.logs_expired_ms), "#5b8fc9"),
            ("carrier disclosure", hop.preserved_ms, hop.disclosed_ms, "#67b168"),
        ]
    };
    for (i, hop) in incident.hops.iter().enumerate() {
        let y = row_h * i as f64 + 6.0;
        let label = format!("hop {} {} {}", hop.hop, hop.country, hop.carrier);
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            label_w - 6.0,
            y + 14.0,
            escape(&label)
        );
        for (name, from, to, colour) in segments(hop) {
            if let (Some(from), Some(to)) = (from, to) {
                let _ = write!(
                    svg,
                    "<rect x=\"{:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{colour}\"><title>{}: {}</title></rect>",
                    x(from),
                    (x(to) - x(from)).max(1.0),
                    row_h - 8.0,
                    name,
                    fmt_ms(to - from)
                );
            }
        }
        if let Some(expired) = hop.logs_expired_ms {
            let _ = write!(
                svg,
                "<text x=\"{:.1}\" y=\"{:.1}\" fill=\"#c0392b\">logs expired</text>",
                x(expired) + 4.0,
                y + 14.0
            );
        }
    }
    let axis_y = row_h * incident.hops.len() as f64 + 20.0;
    let _ = write!(
        svg,
        "<text x=\"{label_w}\" y=\"{axis_y:.1}\">report</text><text x=\"{:.1}\" y=\"{axis_y:.1}\" text-anchor=\"end\">+{}</text>",
        label_w + w,
        fmt_ms(end - reported)
    );
    svg.push_str("</svg></figure>\n");
    svg
}

/// Median acknowledgement latency by local weekday and hour.
fn heat_map(id: &str, aggregate: &Aggregate) -> String {
    let (left, top, cell) = (40.0, 18.0, 22.0);
    let medians: Vec<Option<u64>> = aggregate
        .acknowledgement_by_local_hour
        .iter()
        .map(|h| (!h.is_empty()).then(|| h.value_at_quantile(0.5)))
        .collect();
    let (lo, hi) =
        medians.iter().flatten().fold((f64::MAX, 1.0f64), |(lo, hi), &m| (lo.min(m as f64), hi.max(m as f64)));
    let width = left + 24.0 * cell + 10.0;
    let height = top + 7.0 * cell + 10.0;
    let mut svg = format!(
        "<svg id=\"{id}\" class=\"chart heatmap\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\">"
    );
    for hour in (0..24).step_by(3) {
        let _ = write!(svg, "<text x=\"{:.1}\" y=\"12\">{hour:02}</text>", left + cell * f64::from(hour));
    }
    for (day, name) in pocnet_node::WEEKDAY_NAMES.iter().enumerate() {
        let y = top + cell * day as f64;
        let _ = write!(svg, "<text x=\"2\" y=\"{:.1}\">{name}</text>", y + 15.0);
        for hour in 0..24 {
            let x = left + cell * hour as f64;
            let (fill, tip) = match medians[day * 24 + hour] {
                Some(m) => {
                    let t = if hi > lo { ((m as f64).ln() - lo.ln()) / (hi.ln() - lo.ln()) } else { 0.0 };
                    let (r, g, b) = (255.0, 240.0 - 190.0 * t, 200.0 - 170.0 * t);
                    (format!("rgb({r:.0},{g:.0},{b:.0})"), format!("{name} {hour:02}:00 median {}", fmt_ms(m as i64)))
                }
                None => ("#f4f4f4".to_owned(), format!("{name} {hour:02}:00 no requests")),
            };
            let _ = write!(
                svg,
                "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{fill}\"><title>{tip}</title></rect>",
                cell - 2.0,
                cell - 2.0
            );
        }
    }
    svg.push_str("</svg>\n");
    svg
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
        "<p>Traces reaching the origin: <strong>{}</strong></p>",
        percent(&report.traces_reaching_origin)
    );
    let _ = writeln!(body, "<h2>Goal compliance</h2>");
    let goal_rows: Vec<(String, Proportion)> =
        report.goals.iter().map(|g| (measure_name(g.goal.measure).to_owned(), g.compliance)).collect();
    body.push_str("<ul class=\"note\">");
    for g in &report.goals {
        let _ = write!(body, "<li>{}: {}</li>", measure_name(g.goal.measure), escape(&g.goal.description));
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
    let _ = writeln!(body, "<h2>Compliance by requested country</h2>");
    let mut by_country: Vec<(String, Proportion)> = aggregate
        .goals_by_country
        .iter()
        .map(|(country, measures)| {
            let mut all = Tally::default();
            for tally in measures.values() {
                all.merge(*tally);
            }
            (country.to_string(), all.into())
        })
        .collect();
    by_country.sort_by(|a, b| a.0.cmp(&b.0));
    body.push_str(&proportion_bars("country-compliance", &by_country));
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
    let _ = writeln!(body, "<h2>Traces reaching the origin</h2>");
    let rows: Vec<(String, Proportion)> =
        comparison.variants.iter().map(|v| (v.label.clone(), v.traces_reaching_origin)).collect();
    body.push_str(&proportion_bars("compare-survival", &rows));
    let _ = writeln!(
        body,
        "<h2>Differences from the baseline</h2><table><tr><th>variant</th><th>metric</th><th>Δ (pts)</th><th>95% CI</th><th></th></tr>"
    );
    for d in &comparison.differences {
        let metric = match d.metric {
            Metric::TracesReachingOrigin => "traces reaching the origin".to_owned(),
            Metric::Goal(m) => measure_name(m).to_owned(),
        };
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
        let _ = writeln!(body, "<h3>{}</h3>", measure_name(measure));
        let rows: Vec<(String, Proportion)> = comparison
            .variants
            .iter()
            .filter_map(|v| v.goals.iter().find(|g| g.measure == measure).map(|g| (v.label.clone(), g.compliance)))
            .collect();
        body.push_str(&proportion_bars(&format!("compare-{measure:?}").to_lowercase(), &rows));
    }
    page("pocnet comparison", &body)
}
