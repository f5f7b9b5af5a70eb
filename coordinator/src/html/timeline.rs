//! One trace hop by hop on a calendar: each hop a row, shaded where its
//! country's night and weekend fall, with the desk's and the carrier's
//! spans, the instant the carrier deletes its logs, the end of each hold,
//! and where the trace ended and why. The time axis is dated in the
//! reporting country's local time, so a request that waited out a weekend
//! shows as such.

use super::escape;
use crate::projection::{HopReport, TraceResult};
use crate::replication_report::TraceTimeline;
use crate::scenario::Scenario;
use crate::units::fmt_ms;
use jiff::tz::TimeZone;
use pocnet_node::time::{DAY_MS, HOUR_MS};
use std::fmt::Write as _;

const LABEL_W: f64 = 200.0;
const CHART_W: f64 = 700.0;
const ROW_H: f64 = 30.0;
const TOP: f64 = 40.0;

/// Longest span shaded by night and weekend: beyond it the bands are too thin to read.
const SHADED_UP_TO_MS: i64 = 45 * DAY_MS;

/// The spans drawn per hop, with their colours (the legend shows the same).
const SPANS: [(&str, &str); 5] = [
    ("requesting desk preparing the request", "#a569bd"),
    ("request in transit", "#b8b8b8"),
    ("requested desk", "#e6a23c"),
    ("carrier preservation", "#5b8fc9"),
    ("carrier disclosure", "#67b168"),
];

/// A hop's spans on its own row; the first (the requesting desk's) is
/// drawn on the requesting country's row instead.
fn spans(hop: &HopReport) -> [(Option<i64>, Option<i64>); 5] {
    [
        (hop.requester_informed_ms.get(), hop.request_sent_ms.get()),
        (hop.request_sent_ms.get(), hop.request_received_ms.get()),
        (hop.request_received_ms.get(), hop.preservation_ordered_ms.get()),
        (hop.preservation_ordered_ms.get(), hop.preserved_ms.get().or(hop.logs_expired_ms.get())),
        (hop.preserved_ms.get(), hop.disclosed_ms.get()),
    ]
}

/// The simulated instant `ms` in `tz`.
fn local(scenario: &Scenario, tz: &TimeZone, ms: i64) -> Option<jiff::ZonedDateTime> {
    let at = scenario.instant(ms)?;
    Some(at.to_zoned_datetime(tz.clone()))
}

/// The simulated millisecond of a local instant.
fn sim_ms(scenario: &Scenario, zoned: &jiff::ZonedDateTime) -> i64 {
    zoned.timestamp().as_millisecond() - scenario.epoch.as_millisecond()
}

pub(super) fn trace_timeline(id: &str, title: &str, timeline: &TraceTimeline, scenario: &Scenario) -> String {
    let incident = &timeline.incident;
    let Some(reported) = incident.reported_at_ms else { return String::new() };
    let stopped = incident.trace.result != TraceResult::OriginPreserved;
    // From the report to the end of the trace, and to the deletion that killed it.
    let mut end = incident.trace.at_ms.unwrap_or(reported);
    for hop in &incident.hops {
        if let Some(deleted) = hop.logs_deleted_at_ms.get().filter(|d| *d > reported && hop.logs_expired_ms.is_some()) {
            end = end.max(deleted);
        }
    }
    let span = (end - reported).max(HOUR_MS);
    let (start, end) = (reported - span / 25, end + span / 25);
    let x = |ms: i64| LABEL_W + CHART_W * (ms.clamp(start, end) - start) as f64 / (end - start) as f64;
    // The requesting desks first (usually the reporter alone), then the hops.
    let mut desks: Vec<&pocnet_node::CountryCode> = Vec::new();
    for hop in &incident.hops {
        let desk = hop.requested_by.as_ref().unwrap_or(&incident.reported_by);
        if hop.request_sent_ms.is_some() && !desks.contains(&desk) {
            desks.push(desk);
        }
    }
    let first_hop_row = desks.len();
    let rows = (desks.len() + incident.hops.len()) as f64;
    let height = TOP + ROW_H * rows + 24.0;
    let width = LABEL_W + CHART_W + 20.0;
    let reporter_tz = scenario.countries.get(&incident.reported_by).map(|c| c.time_zone.clone());
    let mut svg = format!(
        "<figure class=\"timeline\"><figcaption>{}</figcaption><svg id=\"{id}\" class=\"chart timeline\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"{}\">",
        escape(title),
        escape(title)
    );
    // Night and weekend in each hop's country, behind everything else.
    if end - start <= SHADED_UP_TO_MS {
        let countries = desks.iter().copied().chain(incident.hops.iter().map(|h| &h.country));
        for (i, country) in countries.enumerate() {
            let Some(tz) = scenario.countries.get(country).map(|c| c.time_zone.clone()) else { continue };
            let y = TOP + ROW_H * i as f64 + 2.0;
            shade(&mut svg, scenario, &tz, start, end, y, &x);
        }
    }
    for (i, desk) in desks.iter().enumerate() {
        let y = TOP + ROW_H * i as f64 + 6.0;
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" font-weight=\"600\">{} desk (requesting)</text>",
            LABEL_W - 6.0,
            y + 14.0,
            escape(desk.as_str())
        );
        let (name, colour) = SPANS[0];
        for hop in incident.hops.iter().filter(|h| h.requested_by.as_ref().unwrap_or(&incident.reported_by) == *desk) {
            if let (Some(from), Some(to)) = spans(hop)[0] {
                let _ = write!(
                    svg,
                    "<rect x=\"{:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{colour}\"><title>{name} to hop {} ({}): {}</title></rect>",
                    x(from),
                    (x(to) - x(from)).max(1.5),
                    ROW_H - 12.0,
                    hop.hop,
                    hop.country,
                    fmt_ms(to - from)
                );
            }
        }
    }
    // The date axis, in the reporter's local time.
    if let Some(tz) = &reporter_tz {
        axis(&mut svg, scenario, tz, start, end, &x, TOP + ROW_H * rows);
        let zone = local(scenario, tz, reported).map(|z| z.strftime("%Z").to_string()).unwrap_or_default();
        let _ = write!(
            svg,
            "<text class=\"axis-title\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">time, in {} local time ({zone})</text>",
            LABEL_W + CHART_W / 2.0,
            height - 4.0,
            escape(incident.reported_by.as_str())
        );
    }
    for (i, hop) in incident.hops.iter().enumerate() {
        let y = TOP + ROW_H * (first_hop_row + i) as f64 + 6.0;
        let label = format!("hop {} {} {}", hop.hop, hop.country, hop.carrier);
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            LABEL_W - 6.0,
            y + 14.0,
            escape(&label)
        );
        for ((name, colour), (from, to)) in SPANS.iter().zip(spans(hop)).skip(1) {
            if let (Some(from), Some(to)) = (from, to) {
                let _ = write!(
                    svg,
                    "<rect x=\"{:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{colour}\"><title>{name}: {}</title></rect>",
                    x(from),
                    (x(to) - x(from)).max(1.5),
                    ROW_H - 12.0,
                    fmt_ms(to - from)
                );
            }
        }
        let marker = |svg: &mut String, at: i64, class: &str, colour: &str, dash: &str, what: String| {
            let _ = write!(
                svg,
                "<line class=\"{class}\" x1=\"{0:.1}\" x2=\"{0:.1}\" y1=\"{1:.1}\" y2=\"{2:.1}\" stroke=\"{colour}\" stroke-width=\"2\" stroke-dasharray=\"{dash}\"><title>{3}</title></line>",
                x(at),
                y - 4.0,
                y + ROW_H - 8.0,
                escape(&what)
            );
        };
        if let Some(deleted) = hop.logs_deleted_at_ms.get().filter(|d| (start..=end).contains(d)) {
            let what = format!("{} deletes its logs ({} retention)", hop.carrier, fmt_ms(hop.retention_ms));
            marker(&mut svg, deleted, "deletion", "#c0392b", "none", what);
        }
        if let Some(hold) = hop.hold_until_ms.get().filter(|h| (start..=end).contains(h)) {
            marker(&mut svg, hold, "hold-end", "#8e44ad", "4,3", format!("the hold on {}'s data ends", hop.carrier));
        }
        if incident.trace.hop == Some(hop.hop)
            && let Some(at) = incident.trace.at_ms
        {
            let (symbol, colour, class) =
                if stopped { ("✕", "#c0392b", "died") } else { ("✓", "#2e7d32", "origin") };
            let _ = write!(
                svg,
                "<text class=\"{class}\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"{colour}\" font-size=\"18\" font-weight=\"700\">{symbol}<title>{}</title></text>",
                x(at),
                y + 16.0,
                escape(&incident.trace.reason)
            );
        }
    }
    svg.push_str("</svg>");
    legend(&mut svg, end - start <= SHADED_UP_TO_MS);
    let _ = writeln!(
        svg,
        "<p class=\"story {}\">{}</p></figure>",
        if stopped { "missed" } else { "met" },
        escape(&story(timeline))
    );
    svg
}

/// One sentence: where the trace ended, when, and why.
fn story(timeline: &TraceTimeline) -> String {
    let incident = &timeline.incident;
    let hop = incident.trace.hop.and_then(|h| incident.hops.get(h as usize));
    let place = hop.map_or_else(String::new, |h| format!(" at hop {} ({}, {})", h.hop, h.country, h.carrier));
    let after =
        incident.trace.since_report_ms.map_or_else(String::new, |ms| format!(" {} after the report", fmt_ms(ms)));
    match incident.trace.result {
        TraceResult::OriginPreserved => format!("The origin was found and its data held{place}{after}."),
        TraceResult::Stopped => format!("The trace stopped{place}{after}: {}.", incident.trace.reason),
        TraceResult::Incomplete => format!("The trace did not finish{place}: {}.", incident.trace.reason),
    }
}

/// Light bands for 20:00-08:00 and darker ones for Saturday and Sunday, local to `tz`.
fn shade(svg: &mut String, scenario: &Scenario, tz: &TimeZone, start: i64, end: i64, y: f64, x: &impl Fn(i64) -> f64) {
    let Some(first) = local(scenario, tz, start) else { return };
    let mut day = first.date();
    let last = local(scenario, tz, end).map_or(day, |z| z.date());
    while day <= last {
        let at = |hour: i8| day.at(hour, 0, 0, 0).to_zoned_datetime(tz.clone()).ok().map(|z| sim_ms(scenario, &z));
        let midnight = day.tomorrow().ok().and_then(|d| d.at(0, 0, 0, 0).to_zoned_datetime(tz.clone()).ok());
        let midnight = midnight.map(|z| sim_ms(scenario, &z));
        let weekend = matches!(day.weekday(), jiff::civil::Weekday::Saturday | jiff::civil::Weekday::Sunday);
        let bands = if weekend {
            vec![(at(0), midnight, "weekend")]
        } else {
            vec![(at(0), at(8), "night"), (at(20), midnight, "night")]
        };
        for (from, to, class) in bands {
            let (Some(from), Some(to)) = (from, to) else { continue };
            if to <= start || from >= end {
                continue;
            }
            let fill = if class == "weekend" { "#e3e3ef" } else { "#f0f0f6" };
            let _ = write!(
                svg,
                "<rect class=\"{class}\" x=\"{:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{fill}\"/>",
                x(from),
                (x(to) - x(from)).max(0.0),
                ROW_H - 4.0
            );
        }
        let Ok(next) = day.tomorrow() else { break };
        day = next;
    }
}

/// Ticks at local midnights (or every few hours, weeks or months, by span), dated.
fn axis(
    svg: &mut String,
    scenario: &Scenario,
    tz: &TimeZone,
    start: i64,
    end: i64,
    x: &impl Fn(i64) -> f64,
    bottom: f64,
) {
    let span = end - start;
    let (step_hours, format) = match span {
        s if s <= 2 * DAY_MS => (6, "%a %H:%M"),
        s if s <= 16 * DAY_MS => (24, "%a %-d %b"),
        s if s <= 120 * DAY_MS => (7 * 24, "%-d %b"),
        s if s <= 3 * 365 * DAY_MS => (30 * 24, "%b %Y"),
        _ => (365 * 24, "%Y"),
    };
    let Some(first) = local(scenario, tz, start) else { return };
    // Start from the local midnight before the range and step in local time
    // (days across a DST change are 23 or 25 hours).
    let Ok(mut tick) = first.date().at(0, 0, 0, 0).to_zoned_datetime(tz.clone()) else { return };
    let mut drawn = 0;
    let mut last_label = f64::MIN;
    while drawn < 40 {
        let at = sim_ms(scenario, &tick);
        if at > end {
            break;
        }
        // A label needs room: one too close to the last is left out (its line stays).
        if at >= start && x(at) - last_label < 56.0 {
            let _ = write!(
                svg,
                "<line x1=\"{0:.1}\" x2=\"{0:.1}\" y1=\"{1:.1}\" y2=\"{2:.1}\" stroke=\"#e4e4e4\"/>",
                x(at),
                TOP - 4.0,
                bottom
            );
        } else if at >= start {
            last_label = x(at);
            // Labels near either edge lean inwards rather than being cut.
            let anchor = match x(at) {
                px if px > LABEL_W + CHART_W - 40.0 => "end",
                px if px < LABEL_W + 40.0 => "start",
                _ => "middle",
            };
            let _ = write!(
                svg,
                "<line x1=\"{0:.1}\" x2=\"{0:.1}\" y1=\"{1:.1}\" y2=\"{2:.1}\" stroke=\"#ccc\"/><text x=\"{0:.1}\" y=\"{3:.1}\" text-anchor=\"{anchor}\">{4}</text>",
                x(at),
                TOP - 4.0,
                bottom,
                TOP - 8.0,
                tick.strftime(format)
            );
            drawn += 1;
        }
        let next = if step_hours >= 30 * 24 {
            tick.checked_add(jiff::Span::new().months(i64::from(step_hours / (30 * 24)).clamp(1, 12)))
        } else if step_hours % 24 == 0 {
            tick.checked_add(jiff::Span::new().days(i64::from(step_hours / 24)))
        } else {
            tick.checked_add(jiff::Span::new().hours(i64::from(step_hours)))
        };
        let Ok(next) = next else { break };
        tick = next;
    }
}

fn legend(svg: &mut String, shaded: bool) {
    svg.push_str("<p class=\"legend\">");
    for (name, colour) in SPANS {
        let _ = write!(svg, "<span><i style=\"background:{colour}\"></i>{name}</span>");
    }
    svg.push_str("<span><i class=\"line\" style=\"border-color:#c0392b\"></i>the carrier deletes its logs</span>");
    svg.push_str("<span><i class=\"line dashed\" style=\"border-color:#8e44ad\"></i>a hold ends</span>");
    svg.push_str("<span><b style=\"color:#c0392b\">✕</b> the trace died</span><span><b style=\"color:#2e7d32\">✓</b> origin found</span>");
    if shaded {
        svg.push_str("<span><i style=\"background:#f0f0f6\"></i>night (20:00-08:00)</span><span><i style=\"background:#e3e3ef\"></i>weekend</span>, each in the hop's country");
    }
    svg.push_str("</p>");
}
