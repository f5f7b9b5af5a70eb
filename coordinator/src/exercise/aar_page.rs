//! The after-action report as one self-contained page: inline CSS and SVG,
//! no script, a print style sheet so it prints cleanly to PDF.

use super::aar::{Aar, CaseTimeline};
use super::rating::Rating;
use crate::html::escape;
use crate::units::fmt_ms;
use std::fmt::Write as _;

const STYLE: &str = "body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222;padding:0 1em}\
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ddd}\
table{border-collapse:collapse;margin:.5em 0}td,th{padding:3px 10px;text-align:left;border-bottom:1px solid #eee;vertical-align:top}\
.rating{display:inline-block;min-width:1.6em;text-align:center;border-radius:4px;font-weight:700;color:#fff}\
.P{background:#1e7b34}.S{background:#8a9a1e}.M{background:#c77700}.U{background:#b3261e}.none{background:#999}\
.summary{font-size:1.05em;background:#f4f6fa;padding:.8em 1em;border-left:4px solid #1f5fbf}\
svg text{font:11px system-ui,sans-serif;fill:#333}.note{color:#666}\
ol.marks{columns:2;font-size:.85em;color:#444;margin:.3em 0}\
@media print{body{margin:0;max-width:none;font-size:11pt}h2{break-after:avoid}table,figure,svg{break-inside:avoid}a{color:inherit}}";

fn rating(rating: Option<Rating>) -> String {
    match rating {
        Some(r) => format!("<span class=\"rating {r:?}\" title=\"{}\">{r:?}</span>", r.label()),
        None => "<span class=\"rating none\" title=\"not rated\">–</span>".to_owned(),
    }
}

pub fn page(aar: &Aar) -> String {
    let mut body = String::new();
    let e = &aar.exercise;
    let _ = write!(
        body,
        "<h1>After-action report: {}</h1>\n<p class=\"note\">Seats played by people: {}; seed {}; simulated play from {} to {}; {} forms sent; scenario sha256 {}.</p>\n<p class=\"summary\" id=\"summary\">{}</p>\n",
        escape(&e.name),
        escape(&e.people.join(", ")),
        e.seed,
        escape(&e.start),
        escape(&e.end),
        e.forms_sent,
        &e.scenario_sha256[..12.min(e.scenario_sha256.len())],
        escape(&aar.summary)
    );
    body.push_str("<h2 id=\"objectives\">Objectives</h2>\n");
    body.push_str("<table><tr><th>objective</th><th>final rating</th><th>automatic</th><th>by seat</th><th>expectations rated</th><th>evaluators</th></tr>\n");
    for o in &aar.objectives {
        let seats: Vec<String> = o.by_seat.iter().map(|(c, r)| format!("{c} {}", rating(Some(*r)))).collect();
        let evaluators: Vec<String> = aar
            .evaluations
            .iter()
            .filter(|e| e.objective == o.id)
            .map(|e| format!("{} {}", escape(&e.evaluator), rating(Some(e.rating))))
            .collect();
        let _ = writeln!(
            body,
            "<tr><td>{}: {}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&o.id),
            escape(&o.text),
            aar.final_ratings.get(&o.id).map_or_else(
                || "<span class=\"note\">not given</span>".to_owned(),
                |f| format!("{} {}", rating(Some(f.rating)), escape(&f.note))
            ),
            rating(o.rating),
            seats.join(" "),
            o.rated,
            evaluators.join("<br>")
        );
    }
    body.push_str("</table>\n<p class=\"note\">P performed without challenges (met by the goal, the form exact); S with some (by the goal with gaps, or by the limit); M with major challenges (by the limit with gaps); U unable to perform (missed). Goals and limits run from when the desk could first act. An objective takes the middle of its rated expectations' ratings (the worse of two middles), for each seat apart and over all seats; expectations a bot played, that never reached their desk, or whose limit a director's skip passed are not rated. Evaluators' ratings stand beside the automatic one. As in HSEEP practice, the final rating is the lead evaluator's (here the director's), given after reading both; the automatic one is an aid.</p>\n");
    for o in aar.objectives.iter().filter(|o| !o.strengths.is_empty() || !o.areas_for_improvement.is_empty()) {
        let _ = writeln!(body, "<h3>{}: strengths and areas for improvement</h3>", escape(&o.id));
        for (title, lines) in [("Strengths", &o.strengths), ("Areas for improvement", &o.areas_for_improvement)] {
            if lines.is_empty() {
                continue;
            }
            let items: Vec<String> = lines.iter().map(|l| format!("<li>{}</li>", escape(l))).collect();
            let _ = writeln!(body, "<p class=\"note\">{title}</p><ul>{}</ul>", items.join(""));
        }
    }
    body.push_str("<h2 id=\"outcomes\">Outcomes, and the same world played by bots alone</h2>\n<table><tr><th>trace</th><th>as played</th><th>bots alone (same scenario and seed)</th></tr>\n");
    for o in &aar.outcomes {
        let cell = |x: &super::aar::Outcome| {
            format!(
                "{}<br><span class=\"note\">{}</span>{}",
                if x.origin_preserved { "origin found and held" } else { "origin not held" },
                escape(&x.reason),
                x.subscriber.as_ref().map_or_else(String::new, |s| format!("<br>subscriber {}", escape(s)))
            )
        };
        let _ = writeln!(
            body,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&o.incident),
            cell(&o.played),
            cell(&o.reference)
        );
    }
    body.push_str("</table>\n<h2 id=\"timelines\">Case timelines</h2>\n");
    for case in &aar.cases {
        body.push_str(&swimlane(case, &aar.wall_axis));
    }
    body.push_str(
        "<h2 id=\"expectations\">Expectations</h2>\n<p class=\"note\">Each goal and limit runs from when the desk \
         could first act: the inject, or the step it asks for reaching the desk, whichever is later.</p>\n\
         <table><tr><th>inject</th><th>objective</th><th>expected</th><th>could act from</th><th>came after</th>\
         <th>goal / limit</th><th>result</th><th>gaps</th><th>rating</th><th>why</th></tr>\n",
    );
    for x in &aar.expectations {
        let expected = format!(
            "{} {}{}",
            x.by.as_ref().map_or("anyone", |c| c.as_str()),
            x.form.label().to_lowercase(),
            x.to.as_ref().map_or_else(String::new, |c| format!(" to {c}"))
        );
        let _ = writeln!(
            body,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{} / {}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&x.inject),
            escape(x.objective.as_deref().unwrap_or("")),
            escape(&expected),
            could_act(x),
            x.after_ms.map_or_else(|| "–".to_owned(), fmt_ms),
            fmt_ms(x.goal_ms),
            fmt_ms(x.limit_ms),
            x.timeliness.label(),
            escape(&x.missing.join(", ")),
            rating(x.rating),
            escape(&x.why)
        );
    }
    body.push_str(
        "</table>\n<h2 id=\"forms\">Form quality</h2>\n<p class=\"note\">By seat, case and form: how often each \
         field was filled; exact where exactness can be checked (a time with its UTC offset). Optional fields are \
         marked and are no gap when empty.</p>\n<table><tr><th>seat</th><th>case</th><th>form</th><th>field</th>\
         <th>filled</th><th>exact</th></tr>\n",
    );
    for f in &aar.forms {
        let _ = writeln!(
            body,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}{}</td><td>{} of {}</td><td>{}</td></tr>",
            f.seat,
            escape(&f.incident),
            f.form.label(),
            f.field,
            if f.wanted { "" } else { " (optional)" },
            f.filled,
            f.sent,
            f.exact.map_or_else(|| "–".to_owned(), |exact| format!("{exact} of {}", f.filled))
        );
    }
    body.push_str("</table>\n<h2 id=\"channels\">Choice of instrument and legal basis</h2>\n");
    if aar.channel_findings.is_empty() {
        body.push_str(
            "<p class=\"note\">Every instrument chosen was one the law allowed and the fastest available, and every request characterised its offence rightly.</p>\n",
        );
    } else {
        body.push_str("<table><tr><th>when</th><th>desk</th><th>case</th><th>finding</th><th>rule</th></tr>\n");
        for f in &aar.channel_findings {
            let _ = writeln!(
                body,
                "<tr><td>{}</td><td>{}</td><td>{} hop {}</td><td>{}</td><td>{}</td></tr>",
                escape(&f.at),
                escape(&f.country),
                escape(&f.incident),
                f.hop,
                escape(&f.finding),
                escape(f.rule)
            );
        }
        body.push_str("</table>\n");
    }
    body.push_str("<h2 id=\"msel\">Master scenario events list</h2>\n<table><tr><th>inject</th><th>from</th><th>state</th><th>sent</th></tr>\n");
    for i in &aar.injects {
        let _ = writeln!(
            body,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&i.id),
            escape(&i.from),
            escape(&i.state),
            escape(i.sent.as_deref().unwrap_or(""))
        );
    }
    body.push_str("</table>\n<h2 id=\"evaluations\">Evaluators' notes</h2>\n");
    if aar.evaluations.is_empty() {
        body.push_str("<p class=\"note\">No evaluator rated an objective.</p>\n");
    } else {
        body.push_str("<table><tr><th>evaluator</th><th>objective</th><th>rating</th><th>note</th></tr>\n");
        for e in &aar.evaluations {
            let _ = writeln!(
                body,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&e.evaluator),
                escape(&e.objective),
                rating(Some(e.rating)),
                escape(&e.note)
            );
        }
        body.push_str("</table>\n");
    }
    if !aar.observations.is_empty() {
        body.push_str("<h3>Observation logs</h3>\n<table><tr><th>evaluator</th><th>at (simulated, UTC)</th><th>observed</th></tr>\n");
        for o in &aar.observations {
            let _ = writeln!(
                body,
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&o.evaluator),
                escape(&o.at),
                escape(&o.text)
            );
        }
        body.push_str("</table>\n");
    }
    body.push_str("<h2 id=\"hot-wash\">Hot wash: what the participants said</h2>\n");
    if aar.feedback.is_empty() {
        body.push_str("<p class=\"note\">No participant gave feedback.</p>\n");
    } else {
        body.push_str("<table><tr><th>seat</th><th>went well</th><th>to improve</th></tr>\n");
        for f in &aar.feedback {
            let _ = writeln!(
                body,
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                f.country,
                escape(&f.went_well),
                escape(&f.to_improve)
            );
        }
        body.push_str("</table>\n");
    }
    body.push_str("<h2 id=\"plan\">Improvement plan</h2>\n");
    if aar.improvement_plan.is_empty() {
        body.push_str("<p class=\"note\">No action recorded in the director's console yet.</p>\n");
    } else {
        body.push_str("<table><tr><th>action</th><th>owner</th><th>due</th></tr>\n");
        for p in &aar.improvement_plan {
            let _ = writeln!(
                body,
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&p.action),
                escape(&p.owner),
                escape(&p.due)
            );
        }
        body.push_str("</table>\n");
    }
    body.push_str("<h2 id=\"wall\">Play in wall-clock time</h2>\n");
    if aar.wall_time.is_empty() {
        body.push_str("<p class=\"note\">No action journaled.</p>\n");
    } else {
        body.push_str("<table><tr><th>wall clock</th><th>in the exercise</th><th>who</th><th>what</th></tr>\n");
        for row in &aar.wall_time {
            let _ = writeln!(
                body,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&row.wall),
                escape(&row.sim),
                escape(&row.actor),
                escape(&row.what)
            );
        }
        body.push_str("</table>\n");
    }
    body.push_str("<h2 id=\"notes\">Decision logs</h2>\n");
    if aar.notes.is_empty() {
        body.push_str("<p class=\"note\">No entries.</p>\n");
    } else {
        body.push_str("<table><tr><th>desk</th><th>in the exercise</th><th>entry</th></tr>\n");
        for n in &aar.notes {
            let _ = writeln!(
                body,
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&n.country),
                escape(&n.at),
                escape(&n.text)
            );
        }
        body.push_str("</table>\n");
    }
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>After-action report: {}</title><style>{STYLE}</style></head>\n<body>\n{body}</body></html>\n",
        escape(&e.name)
    )
}

/// The wall-clock instant at simulated instant `at`, between two journaled
/// actions (linearly: the clock ran at one pace or another between them).
fn wall_at(axis: &[(i64, i64)], at: i64) -> Option<i64> {
    let after = axis.iter().position(|(sim, _)| *sim >= at)?;
    let (sim1, wall1) = axis[after];
    if after == 0 || sim1 == at {
        return (sim1 == at).then_some(wall1);
    }
    let (sim0, wall0) = axis[after - 1];
    Some(wall0 + ((wall1 - wall0) as f64 * (at - sim0) as f64 / (sim1 - sim0).max(1) as f64) as i64)
}

/// One lane per desk, a person's or a bot's: what it did as marks, the
/// deadlines of the hops it held as lines (red: the carrier deletes its
/// logs; orange: the hold expires); time from the report, in simulated time
/// and, where the journal covers it, on the wall clock.
/// When the desk could first act, against the inject.
fn could_act(x: &super::score::ExpectationScore) -> String {
    match x.could_act_ms {
        Some(at) if at == x.created_ms => "at the inject".to_owned(),
        Some(at) => format!("{} after the inject", fmt_ms(at - x.created_ms)),
        None => "never: the step did not reach the desk".to_owned(),
    }
}

fn swimlane(case: &CaseTimeline, wall_axis: &[(i64, i64)]) -> String {
    let Some(reported) = case.reported_ms else {
        return format!("<p>{}: not reported by the end of play.</p>\n", escape(&case.incident));
    };
    let last = case
        .lanes
        .iter()
        .flat_map(|l| l.marks.iter().map(|m| m.at_ms))
        .max()
        .unwrap_or(reported)
        .max(reported + 3_600_000);
    // Deadlines within twice the span are drawn; later ones are named.
    let horizon = reported + 2 * (last - reported);
    let end = case
        .lanes
        .iter()
        .flat_map(|l| l.deadlines.iter().map(|d| d.at_ms))
        .filter(|t| *t <= horizon)
        .fold(last, i64::max);
    let (left, width, lane) = (120.0, 900.0, 40.0);
    let x = |t: i64| left + (t - reported) as f64 / (end - reported).max(1) as f64 * (width - left - 30.0);
    let top = 36.0;
    let height = top + 10.0 + lane * case.lanes.len() as f64;
    let mut svg = format!(
        "<figure><figcaption>{}</figcaption><svg id=\"timeline-{}\" width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\"timeline of {}\">\n",
        escape(&case.incident),
        escape(&case.incident),
        escape(&case.incident)
    );
    let _ = writeln!(svg, "<text x=\"4\" y=\"12\">simulated</text><text x=\"4\" y=\"26\">wall clock</text>");
    for i in 0..=4 {
        let t = reported + (end - reported) * i / 4;
        let wall = wall_at(wall_axis, t)
            .and_then(|w| jiff::Timestamp::from_millisecond(w).ok())
            .map_or_else(String::new, |w| w.strftime("%H:%M").to_string());
        let _ = writeln!(
            svg,
            "<line x1=\"{0:.1}\" y1=\"{1:.1}\" x2=\"{0:.1}\" y2=\"{2:.1}\" stroke=\"#eee\"/><text x=\"{0:.1}\" y=\"12\" text-anchor=\"middle\">+{3}</text><text x=\"{0:.1}\" y=\"26\" text-anchor=\"middle\">{4}</text>",
            x(t),
            top - 4.0,
            height - 4.0,
            if t == reported { "0".to_owned() } else { fmt_ms(t - reported) },
            wall
        );
    }
    let mut beyond = Vec::new();
    // Each mark is numbered on the page and listed under it: hover titles do not print.
    let mut legend = Vec::new();
    for (n, desk) in case.lanes.iter().enumerate() {
        let y = top + lane * n as f64 + lane / 2.0;
        let _ = writeln!(
            svg,
            "<rect x=\"{left}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{}\"/><text x=\"4\" y=\"{:.1}\">{} ({})</text>",
            y - lane / 2.0 + 2.0,
            width - left - 30.0,
            lane - 4.0,
            if desk.played_by == "person" { "#eef3fb" } else { "#f6f6f6" },
            y + 4.0,
            escape(&desk.desk),
            desk.played_by
        );
        for deadline in &desk.deadlines {
            let colour = if deadline.what.contains("deletes") { "#b3261e" } else { "#c77700" };
            if deadline.at_ms <= end {
                let _ = writeln!(
                    svg,
                    "<line x1=\"{0:.1}\" y1=\"{1:.1}\" x2=\"{0:.1}\" y2=\"{2:.1}\" stroke=\"{colour}\" stroke-width=\"2\"><title>{3} +{4}</title></line>",
                    x(deadline.at_ms),
                    y - lane / 2.0 + 3.0,
                    y + lane / 2.0 - 5.0,
                    escape(&deadline.what),
                    fmt_ms(deadline.at_ms - reported)
                );
            } else {
                beyond.push(format!("{} +{}", deadline.what, fmt_ms(deadline.at_ms - reported)));
            }
        }
        for mark in &desk.marks {
            let colour = match mark.what.as_str() {
                w if w.starts_with("request") || w.starts_with("ordered") => "#1f5fbf",
                w if w.starts_with("preserved") => "#1e7b34",
                w if w.starts_with("disclosed") => "#6a3d9a",
                w if w.starts_with("production") || w.starts_with("subscriber") => "#c77700",
                _ => "#555",
            };
            legend.push(format!(
                "{} {}: {} +{}",
                legend.len() + 1,
                escape(&desk.desk),
                escape(&mark.what),
                fmt_ms(mark.at_ms - reported)
            ));
            let _ = writeln!(
                svg,
                "<circle cx=\"{0:.1}\" cy=\"{y:.1}\" r=\"4.5\" fill=\"{colour}\"><title>{1} +{2}</title></circle>\
                 <text x=\"{0:.1}\" y=\"{3:.1}\" font-size=\"9\" text-anchor=\"middle\">{4}</text>",
                x(mark.at_ms.min(end)),
                escape(&mark.what),
                fmt_ms(mark.at_ms - reported),
                y - 7.0 - 9.0 * (legend.len() % 2) as f64,
                legend.len()
            );
        }
    }
    svg.push_str("</svg>");
    let causes: Vec<String> = case
        .hops
        .iter()
        .filter_map(|h| h.cause.as_ref().map(|c| format!("hop {} {}: {}", h.hop, h.country, escape(c))))
        .collect();
    let _ = writeln!(
        svg,
        "<ol class=\"marks\">{}</ol>\n<p class=\"note\">Marks (numbered as listed above; hover for what and when): blue a request or order; grey received or acknowledged; green preserved; purple disclosed; orange production. Lines: red, the carrier deletes its logs; orange, the hold expires. Shaded lanes are played by people.{}{}</p></figure>",
        legend
            .iter()
            .map(|l| format!("<li>{}</li>", l.split_once(' ').map_or(l.as_str(), |(_, rest)| rest)))
            .collect::<String>(),
        if beyond.is_empty() { String::new() } else { format!(" Later: {}.", escape(&beyond.join("; "))) },
        if causes.is_empty() { String::new() } else { format!(" <strong>{}</strong>", causes.join("; ")) }
    );
    svg
}

/// A one-screen summary for the terminal.
pub fn text(aar: &Aar) -> String {
    let mut out = format!("After-action report: {}\n{}\n\nObjectives:\n", aar.exercise.name, aar.summary);
    for o in &aar.objectives {
        let _ = writeln!(out, "  {} {:<2} {}", o.id, o.rating.map_or("-".to_owned(), |r| format!("{r:?}")), o.text);
    }
    out
}
