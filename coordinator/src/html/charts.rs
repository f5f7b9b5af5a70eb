//! The SVG charts of the HTML pages: cumulative distributions on a log time
//! axis, proportion bars with their intervals, the weekday × hour heat map
//! and the tornado chart; each with its axis titles.

use super::{escape, percent};
use crate::analysis::Aggregate;
use crate::intervals::{Interval, IntervalKind};
use crate::statistics::Proportion;
use crate::survival::{Curve, HORIZONS_MS};
use crate::units::fmt_ms;
use hdrhistogram::Histogram;
use std::fmt::Write as _;

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
        // Up to ten years: an MLA request's tail runs to thousands of days.
        const TICKS: [(f64, &str); 14] = [
            (1e3, "1s"),
            (60e3, "1m"),
            (600e3, "10m"),
            (3600e3, "1h"),
            (6.0 * 3600e3, "6h"),
            (86_400e3, "1d"),
            (3.0 * 86_400e3, "3d"),
            (7.0 * 86_400e3, "7d"),
            (30.0 * 86_400e3, "30d"),
            (90.0 * 86_400e3, "90d"),
            (365.0 * 86_400e3, "1y"),
            (3.0 * 365.0 * 86_400e3, "3y"),
            (5.0 * 365.0 * 86_400e3, "5y"),
            (10.0 * 365.0 * 86_400e3, "10y"),
        ];
        TICKS
            .iter()
            .copied()
            .filter(|(ms, _)| *ms >= self.min_ms && *ms <= self.max_ms)
            .map(|(ms, l)| (self.x(ms), l))
            .collect()
    }
}

/// A chart's figure, caption and plotting area with its two axis titles.
struct Frame<'a> {
    id: &'a str,
    class: &'a str,
    title: &'a str,
    w: f64,
    h: f64,
    left: f64,
    top: f64,
    right: f64,
}

impl Frame<'_> {
    /// The opening of the figure, up to the empty plotting area.
    fn open(&self, x_title: &str, y_title: &str) -> String {
        let Frame { id, class, title, w, h, left, top, right } = *self;
        let (width, height) = (w + left + right, h + top + 44.0);
        let mut svg = format!(
            "<figure><figcaption>{}</figcaption><svg id=\"{id}\" class=\"chart {class}\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"{}\">",
            escape(title),
            escape(title)
        );
        let _ = write!(
            svg,
            "<text class=\"axis-title\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{x_title}</text><text class=\"axis-title\" transform=\"translate(11 {:.1}) rotate(-90)\" text-anchor=\"middle\">{y_title}</text>",
            left + w / 2.0,
            top + h + 40.0,
            top + h / 2.0
        );
        let _ = write!(
            svg,
            "<rect x=\"{left}\" y=\"{top}\" width=\"{w}\" height=\"{h}\" fill=\"#fafafa\" stroke=\"#ccc\"/>"
        );
        svg
    }
}

/// The cumulative distribution of a stage on a log time axis, with the goal as a vertical line.
pub(super) fn cdf_chart(id: &str, title: &str, histogram: &Histogram<u64>, target_ms: Option<i64>) -> String {
    let (w, h, left, top) = (420.0, 200.0, 52.0, 10.0);
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
    let frame = Frame { id, class: "cdf", title, w, h, left, top, right: 10.0 };
    let mut svg = frame.open("latency (log scale)", "share of requests");
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
pub(super) fn proportion_bars(id: &str, rows: &[(String, Proportion)], kind: IntervalKind, axis_title: &str) -> String {
    let (label_w, bar_w, row_h) = (200.0, 420.0, 22.0);
    let height = row_h * rows.len() as f64 + 40.0;
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
            escape(&percent(p, kind))
        );
        if let Some(&Interval { low: lo, high: hi, .. }) = p.interval(kind) {
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
            escape(&percent(p, kind))
        );
    }
    let axis_y = row_h * rows.len() as f64 + 16.0;
    for tick in [0.0, 0.25, 0.5, 0.75, 1.0] {
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{axis_y:.1}\" text-anchor=\"middle\">{:.0}%</text>",
            label_w + bar_w * tick,
            100.0 * tick
        );
    }
    let _ = write!(
        svg,
        "<text class=\"axis-title\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
        label_w + bar_w / 2.0,
        axis_y + 16.0,
        escape(axis_title)
    );
    svg.push_str("</svg>\n");
    svg
}

/// Median acknowledgement latency by local weekday and hour.
pub(super) fn heat_map(id: &str, aggregate: &Aggregate) -> String {
    let (left, top, cell) = (40.0, 18.0, 22.0);
    let medians: Vec<Option<u64>> = aggregate
        .acknowledgement_by_local_hour
        .iter()
        .map(|h| (!h.is_empty()).then(|| h.value_at_quantile(0.5)))
        .collect();
    let (lo, hi) =
        medians.iter().flatten().fold((f64::MAX, 1.0f64), |(lo, hi), &m| (lo.min(m as f64), hi.max(m as f64)));
    let width = left + 24.0 * cell + 10.0;
    let height = top + 7.0 * cell + 64.0;
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
    // The colour scale: the same ramp, from the fastest median to the slowest.
    let scale_y = top + 7.0 * cell + 8.0;
    let _ = write!(
        svg,
        "<text class=\"axis-title\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">local hour of arrival</text>",
        left + 12.0 * cell,
        scale_y + 4.0
    );
    let (scale_x, scale_w) = (left + 6.0 * cell, 12.0 * cell);
    let _ = write!(
        svg,
        "<defs><linearGradient id=\"{id}-scale\"><stop offset=\"0\" stop-color=\"rgb(255,240,200)\"/><stop offset=\"1\" stop-color=\"rgb(255,50,30)\"/></linearGradient></defs><rect class=\"scale\" x=\"{scale_x:.1}\" y=\"{:.1}\" width=\"{scale_w:.1}\" height=\"10\" fill=\"url(#{id}-scale)\"/>",
        scale_y + 14.0
    );
    let (fastest, slowest) = if lo <= hi { (lo as i64, hi as i64) } else { (0, 0) };
    let _ = write!(
        svg,
        "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">median {}</text><text x=\"{:.1}\" y=\"{:.1}\">{} (log scale)</text><rect x=\"{:.1}\" y=\"{:.1}\" width=\"10\" height=\"10\" fill=\"#f4f4f4\" stroke=\"#ccc\"/><text x=\"{:.1}\" y=\"{:.1}\">no requests</text>",
        scale_x - 4.0,
        scale_y + 23.0,
        fmt_ms(fastest),
        scale_x + scale_w + 4.0,
        scale_y + 23.0,
        fmt_ms(slowest),
        left,
        scale_y + 34.0,
        left + 14.0,
        scale_y + 43.0
    );
    svg.push_str("</svg>\n");
    svg
}

/// A tornado chart: per row, the shift (in share points) when a parameter is
/// lowered (left bar, lighter) and raised (right bar, darker), around zero.
pub(super) fn tornado(id: &str, rows: &[(String, f64, f64)]) -> String {
    let (label_w, half_w, row_h) = (200.0, 240.0, 22.0);
    let extent = rows.iter().flat_map(|(_, lo, hi)| [lo.abs(), hi.abs()]).fold(0.01_f64, f64::max);
    let height = row_h * rows.len() as f64 + 24.0;
    let width = label_w + 2.0 * half_w + 20.0;
    let zero = label_w + half_w;
    let mut svg = format!(
        "<svg id=\"{id}\" class=\"chart tornado\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\">"
    );
    for (i, (label, low, high)) in rows.iter().enumerate() {
        let y = row_h * i as f64 + 4.0;
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            label_w - 6.0,
            y + 14.0,
            escape(label)
        );
        // Lowered in the upper half of the row, raised in the lower half,
        // so both show when they shift the same way.
        let bar_h = (row_h - 6.0) / 2.0;
        for (shift, top, fill, what) in [(low, y, "#9bbce0", "lowered"), (high, y + bar_h, "#2f5f98", "raised")] {
            let w = half_w * shift.abs() / extent;
            let x = if *shift < 0.0 { zero - w } else { zero };
            let _ = write!(
                svg,
                "<rect x=\"{x:.1}\" y=\"{top:.1}\" width=\"{w:.1}\" height=\"{bar_h:.1}\" fill=\"{fill}\"><title>{what}: {:+.1} points</title></rect>",
                100.0 * shift
            );
        }
    }
    let axis_y = row_h * rows.len() as f64 + 16.0;
    let _ = write!(svg, "<line x1=\"{zero}\" x2=\"{zero}\" y1=\"0\" y2=\"{:.1}\" stroke=\"#222\"/>", axis_y - 10.0);
    for tick in [-1.0, 0.0, 1.0] {
        let label = if tick == 0.0 { "0".to_owned() } else { format!("{:+.1} points", 100.0 * tick * extent) };
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{axis_y:.1}\" text-anchor=\"middle\">{label}</text>",
            zero + tick * half_w
        );
    }
    svg.push_str("</svg>\n");
    svg
}

/// Time-to-event curves (Kaplan-Meier) as steps on a linear axis of days
/// from the report to two years, with the standard horizons marked: how
/// many traces have their answer by when. A curve's share ever (by the end
/// of the run, beyond two years) is written at its right end.
pub(super) fn time_to_event_chart(id: &str, title: &str, curves: &[(&str, &str, &Curve)]) -> String {
    let (w, h, left, top, right) = (480.0, 200.0, 52.0, 10.0, 250.0);
    let end_ms = HORIZONS_MS[3] as f64;
    let x = |ms: f64| left + w * (ms.min(end_ms) / end_ms);
    let y = |share: f64| top + h - h * share;
    let frame = Frame { id, class: "km", title, w, h, left, top, right };
    let mut svg = frame.open("time from the report", "share of all traces");
    for (ms, label) in HORIZONS_MS.iter().zip(["30d", "180d", "1y", "2y"]) {
        let _ = write!(
            svg,
            "<line x1=\"{0:.1}\" x2=\"{0:.1}\" y1=\"{top}\" y2=\"{1}\" stroke=\"#ddd\"/><text x=\"{0:.1}\" y=\"{2}\" text-anchor=\"middle\">{label}</text>",
            x(*ms as f64),
            top + h,
            top + h + 14.0
        );
    }
    for (share, label) in [(0.25, "25%"), (0.5, "50%"), (0.75, "75%"), (1.0, "100%")] {
        let _ = write!(
            svg,
            "<line x1=\"{left}\" x2=\"{}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"#e4e4e4\"/><text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{label}</text>",
            left + w,
            y(share),
            y(share),
            left - 4.0,
            y(share) + 4.0
        );
    }
    for (name, colour, curve) in curves {
        // Steps: flat until each event time, then up.
        let mut points = format!("{left:.1},{:.1}", y(0.0));
        let mut last = 0.0;
        for point in curve.steps.iter().take_while(|p| (p.at_ms as f64) <= end_ms) {
            let px = x(point.at_ms as f64);
            let _ = write!(points, " {px:.1},{:.1} {px:.1},{:.1}", y(last), y(point.share));
            last = point.share;
        }
        let ever = curve.steps.last().map_or(0.0, |p| p.share);
        let at_end = curve.steps.iter().take_while(|p| (p.at_ms as f64) <= end_ms).last().map_or(0.0, |p| p.share);
        let _ = write!(points, " {:.1},{:.1}", left + w, y(at_end));
        let _ = write!(
            svg,
            "<polyline class=\"curve\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" points=\"{points}\"><title>{}</title></polyline>",
            escape(name)
        );
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" fill=\"{colour}\">{} ({:.1}% ever)</text>",
            left + w + 6.0,
            y(at_end) + 4.0,
            escape(name),
            100.0 * ever
        );
    }
    svg.push_str("</svg></figure>\n");
    svg
}

/// Horizontal bars of shares (of a variance, say), labelled with their percent.
pub(super) fn share_bars(id: &str, rows: &[(String, f64)], axis_title: &str) -> String {
    let (label_w, bar_w, row_h) = (220.0, 360.0, 22.0);
    let height = row_h * rows.len() as f64 + 40.0;
    let width = label_w + bar_w + 80.0;
    let mut svg = format!(
        "<svg id=\"{id}\" class=\"chart bars\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\">"
    );
    for (i, (label, share)) in rows.iter().enumerate() {
        let y = row_h * i as f64 + 4.0;
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text><rect x=\"{label_w}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#5b8fc9\"/><text x=\"{:.1}\" y=\"{:.1}\">{:.0}%</text>",
            label_w - 6.0,
            y + 14.0,
            escape(label),
            bar_w * share.clamp(0.0, 1.0),
            row_h - 6.0,
            label_w + bar_w * share.clamp(0.0, 1.0) + 6.0,
            y + 14.0,
            100.0 * share
        );
    }
    let _ = writeln!(
        svg,
        "<text class=\"axis-title\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text></svg>",
        label_w + bar_w / 2.0,
        row_h * rows.len() as f64 + 30.0,
        escape(axis_title)
    );
    svg
}
