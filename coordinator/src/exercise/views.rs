//! What each console sees, as JSON: the clock and the seats for everyone;
//! a desk's inbox, cases and directory for its seat (never another's);
//! every case along its chain, whose move it is and its deadlines for the
//! director. Built from the session's log on each request: an exercise's
//! log is a few thousand events at most.

use super::injects::{InjectState, Injects};
use super::live::{Live, Who};
use super::session::{Task, TaskState};
use crate::projection::{HopOutcome, HopReport, IncidentReport, TraceResult};
use crate::report::{self, local_time};
use crate::scenario::Scenario;
use crate::scenario::msel::Recipient;
use crate::scenario::templates::StepKind;
use pocnet_node::contact_point::Timer;
use pocnet_node::{CountryCode, SimTime};
use serde_json::{Value, json};

/// The clock, the countries in play and who plays them.
pub fn state(live: &Live, who: &Who, wall_ms: i64, base_url: &str) -> Value {
    let session = live.session();
    let scenario = session.scenario();
    let now = live.clock().now(wall_ms).max(session.now());
    let countries: Vec<Value> = scenario
        .countries
        .values()
        .map(|c| {
            json!({
                "code": c.code.as_str(),
                "name": c.name,
                "local_time": local_time(scenario, &c.code, now),
                "played_by": if session.is_person(&c.code) { "person" } else { "bot" },
                "briefing": match who {
                    Who::Seat(seat) if seat == &c.code => live.plan().briefings.get(&c.code).cloned(),
                    Who::Director => live.plan().briefings.get(&c.code).cloned(),
                    Who::Seat(_) | Who::Evaluator { .. } => None,
                },
            })
        })
        .collect();
    let mut state = json!({
        "exercise": scenario.name,
        "sim_time": scenario.instant_text(now),
        "sim_ms": now.ms(),
        "paused": live.clock().paused(),
        "speed": live.clock().speed(),
        "you": who.actor(),
        "cell": match who { Who::Evaluator { cell, .. } => Some(cell.as_str()), _ => None },
        "countries": countries,
        "settled": session.next_event().is_none(),
        "version": live.version(),
    });
    if *who == Who::Director {
        let seats: Vec<Value> = live
            .seat_tokens()
            .iter()
            .map(|(c, token)| json!({ "country": c.as_str(), "url": format!("{base_url}/seat/{c}?token={token}") }))
            .collect();
        state["seats"] = Value::Array(seats);
        state["rejected"] = serde_json::to_value(live.rejected()).unwrap_or(Value::Null);
        state["evaluators"] = Value::Array(
            live.evaluator_links()
                .iter()
                .map(|(n, cell, token)| json!({ "evaluator": n, "cell": cell.as_str(), "url": format!("{base_url}/evaluate?token={token}") }))
                .collect(),
        );
        state["plan"] = serde_json::to_value(live.session().plan()).unwrap_or(Value::Null);
        state["phases"] = Value::Array(
            live.plan()
                .phases
                .iter()
                .map(|p| json!({ "name": p.name, "from": scenario.instant_text(p.from), "speed": p.speed }))
                .collect(),
        );
    }
    state
}

/// One desk's view: its waiting steps with their forms, what reached or
/// left it, its cases with the deadlines it can know, and its directory.
pub fn inbox(live: &Live, country: &CountryCode) -> Value {
    let session = live.session();
    let scenario = session.scenario();
    let log = session.log();
    let tasks: Vec<Value> =
        session.tasks().iter().filter(|t| &t.country == country).rev().map(|t| task(scenario, t)).collect();
    let messages: Vec<Value> = log
        .iter()
        .filter(|e| &e.country == country)
        .rev()
        .take(200)
        .map(|e| {
            json!({
                "at": scenario.instant_text(e.at),
                "local": local_time(scenario, country, e.at),
                "incident": e.incident.as_str(),
                "hop": e.hop,
                "text": e.kind.describe(&|t| local_time(scenario, country, t)),
            })
        })
        .collect();
    let incidents = report::incident_reports(scenario, &log);
    let cases: Vec<Value> = incidents
        .iter()
        // A desk knows an incident once it is reported to it, or once asked about it.
        .filter(|i| {
            &i.reported_by == country && i.reported_at_ms.is_some()
                || i.hops.iter().any(|h| &h.country == country && h.request_received_ms.is_some())
        })
        .map(|i| desk_case(scenario, i, country))
        .collect();
    let directory: Vec<Value> = scenario
        .countries
        .values()
        .filter(|c| &c.code != country)
        .map(|c| {
            let entry = scenario.directory.get(&c.code);
            json!({
                "country": c.code.as_str(),
                "name": c.name,
                "hours": match c.staffing { pocnet_node::Staffing::AroundTheClock => "24/7", pocnet_node::Staffing::OfficeHours(_) => "office hours" },
                "languages": c.languages,
                "member": c.member,
                "may_be_stale": entry.is_some_and(|e| e.stale_probability > 0.0 || !e.stale_windows.is_empty()),
            })
        })
        .collect();
    // Injects that reached this seat: what a player sees, never the
    // expectations they create (those are the controllers').
    let injects = session.injects();
    let received: Vec<Value> = injects
        .runs()
        .iter()
        .enumerate()
        .rev()
        .filter(|(i, _)| injects.reaches(*i, country))
        .filter_map(|(i, run)| match run.state {
            InjectState::Sent { at_ms } => Some((i, at_ms)),
            _ => None,
        })
        .map(|(i, at_ms)| {
            let inject = injects.inject(i);
            json!({
                "local": local_time(scenario, country, SimTime(at_ms)),
                "from": inject.from,
                "channel": inject.channel,
                "text": inject.text,
                "attachments": inject.attachments.iter().map(|a| json!({ "name": a.name, "text": a.text })).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "country": country.as_str(),
        "injects": received,
        "tasks": tasks,
        "messages": messages,
        "cases": cases,
        "directory": directory,
        "notes": notes(live, Some(country)),
    })
}

/// Every case along its chain: where it stands, whose move, the deadlines.
pub fn cases(live: &Live) -> Value {
    let session = live.session();
    let scenario = session.scenario();
    let log = session.log();
    let incidents = report::incident_reports(scenario, &log);
    let waiting: Vec<&Task> = session.tasks().iter().filter(|t| t.state == TaskState::Waiting).collect();
    let list: Vec<Value> = incidents
        .iter()
        .map(|incident| {
            let hops: Vec<Value> = incident
                .hops
                .iter()
                .map(|hop| {
                    let moves: Vec<Value> = waiting
                        .iter()
                        .filter(|t| t.step.case().0.as_str() == incident.id && t.step.case().1 == hop.hop)
                        .map(|t| json!({ "country": t.country.as_str(), "step": t.kind.label(), "since": scenario.instant_text(t.since) }))
                        .collect();
                    let mut view = hop_view(scenario, hop);
                    view["waiting_for"] = Value::Array(moves);
                    view["deadlines"] = deadlines(scenario, incident, hop);
                    view
                })
                .collect();
            json!({
                "incident": incident.id,
                "reported_by": incident.reported_by.as_str(),
                "communication": scenario.instant_text(SimTime(incident.communication_at_ms)),
                "result": format!("{:?}", incident.trace.result),
                // Mid-exercise, an unfinished trace is under way, not lost.
                "reason": match (incident.reported_at_ms, &incident.trace.result) {
                    (None, _) => "not reported yet".to_owned(),
                    (Some(_), TraceResult::Incomplete) => "under way".to_owned(),
                    _ => incident.trace.reason.clone(),
                },
                "subscriber": incident.subscriber.as_ref().map(|s| json!({ "channel": s.channel.label(), "usable": s.usable })),
                "hops": hops,
            })
        })
        .collect();
    json!({
        "cases": list,
        "tasks": session.tasks().iter().map(|t| task(scenario, t)).collect::<Vec<_>>(),
        "notes": notes(live, None),
        "msel": msel(scenario, session.injects(), &session.people()),
    })
}

/// The MSEL as it stands, for the director: each inject's state and due
/// instant, and its expectations met, open or missed.
fn msel(scenario: &Scenario, injects: &Injects, people: &[CountryCode]) -> Value {
    let list: Vec<Value> = injects
        .runs()
        .iter()
        .enumerate()
        .map(|(i, run)| {
            let inject = injects.inject(i);
            let expectations: Vec<Value> = injects
                .expectations()
                .iter()
                .filter(|e| e.inject == inject.id)
                .map(|e| {
                    let definition = &inject.expect[e.index];
                    let played = e.by.as_ref().is_some_and(|by| people.contains(by));
                    let status = match (&e.met, e.missed) {
                        _ if !played => "not rated: a bot plays that desk",
                        (Some(met), _) if met.at_ms - e.created_ms <= definition.goal_ms => "met by the goal",
                        (Some(_), _) => "met by the limit",
                        (None, true) => "missed",
                        (None, false) => "open",
                    };
                    json!({
                        "what": format!("{} {}", e.by.as_ref().map_or("anyone", |c| c.as_str()), definition.form.label().to_lowercase()),
                        "status": status,
                        "limit": scenario.instant_text(SimTime(e.created_ms + definition.limit_ms)),
                    })
                })
                .collect();
            json!({
                "id": run.id,
                "to": match &inject.to { Recipient::Seat(c) => c.to_string(), Recipient::All => "all".to_owned(), Recipient::Director => "director".to_owned() },
                "from": inject.from,
                "text": inject.text,
                "due": run.due_ms.map(|ms| scenario.instant_text(SimTime(ms))),
                "state": match run.state {
                    InjectState::Pending => "pending",
                    InjectState::Held => "held",
                    InjectState::Skipped => "skipped",
                    InjectState::Sent { .. } => "sent",
                },
                "sent": match run.state {
                    InjectState::Sent { at_ms } => Some(scenario.instant_text(SimTime(at_ms))),
                    _ => None,
                },
                "standby": run.due_ms.is_none(),
                "expectations": expectations,
            })
        })
        .collect();
    Value::Array(list)
}

fn notes(live: &Live, country: Option<&CountryCode>) -> Value {
    let scenario = live.session().scenario();
    Value::Array(
        live.session()
            .notes()
            .iter()
            .filter(|n| country.is_none_or(|c| &n.country == c))
            .map(|n| json!({ "at": scenario.instant_text(SimTime(n.at_ms)), "country": n.country.as_str(), "text": n.text }))
            .collect(),
    )
}

fn task(scenario: &Scenario, t: &Task) -> Value {
    let (incident, hop) = t.step.case();
    let emergency = scenario.incidents.iter().any(|i| i.id == incident.as_str() && i.emergency);
    let (peer, carrier) = match &t.step {
        Timer::SendRequest { next, .. } => (Some(next.country.as_str()), Some(next.carrier.as_str())),
        Timer::SendConfirmation { to, .. }
        | Timer::SendProductionRequest { to, .. }
        | Timer::Clarify { to, .. }
        | Timer::RenewHold { to, .. } => (Some(to.as_str()), None),
        _ => (None, None),
    };
    let kinds: Vec<StepKind> = if t.kind == StepKind::SendRequest {
        vec![StepKind::SendRequest, StepKind::EmergencyDisclosure]
    } else {
        vec![t.kind]
    };
    json!({
        "id": t.id,
        "country": t.country.as_str(),
        "kind": t.kind.name(),
        "label": t.kind.label(),
        "incident": incident.as_str(),
        "hop": hop,
        "peer": peer,
        "carrier": carrier,
        "since": scenario.instant_text(t.since),
        "local": local_time(scenario, &t.country, t.since),
        "urgent": emergency,
        "read": t.read,
        "state": t.state,
        "forms": kinds.iter().map(|k| json!({ "kind": k.name(), "label": k.label(), "fields": k.fields() })).collect::<Vec<_>>(),
    })
}

fn hop_view(scenario: &Scenario, hop: &HopReport) -> Value {
    json!({
        "hop": hop.hop,
        "country": hop.country.as_str(),
        "carrier": hop.carrier.as_str(),
        "status": status(hop),
        "requested": hop.request_sent_ms.map(|at| scenario.instant_text(SimTime(at))),
        "preserved": hop.preserved_ms.map(|at| scenario.instant_text(SimTime(at))),
    })
}

fn status(hop: &HopReport) -> &'static str {
    match hop.outcome {
        HopOutcome::NotReached => "not reached",
        HopOutcome::Pending => "in progress",
        HopOutcome::LogsExpired => "logs expired",
        HopOutcome::NoLogs => "no logs kept",
        HopOutcome::Refused => "refused",
        HopOutcome::Unidentified => "nobody identified",
        HopOutcome::HoldLapsed => "hold lapsed",
        HopOutcome::Misidentified => "wrong subscriber",
        HopOutcome::NextHopDisclosed => "next hop disclosed",
        HopOutcome::OriginFound => "origin found",
    }
}

/// The instants that decide a hop, as the director sees them: the carrier
/// deletes its logs (until they are preserved), the hold expires.
fn deadlines(scenario: &Scenario, incident: &IncidentReport, hop: &HopReport) -> Value {
    let mut list = Vec::new();
    if hop.preserved_ms.is_none() {
        list.push(deletion(scenario, incident, hop));
    }
    if let Some(until) = hop.hold_until_ms {
        list.push(json!({ "what": format!("the hold at {} expires", hop.carrier), "at": scenario.instant_text(SimTime(until)) }));
    }
    Value::Array(list)
}

/// When the carrier deletes the logs of the communication; a carrier that
/// keeps none has no deadline to race.
fn deletion(scenario: &Scenario, incident: &IncidentReport, hop: &HopReport) -> Value {
    if scenario.carriers.get(&hop.carrier).is_some_and(|c| c.no_logs) {
        return json!({ "what": format!("{} keeps no logs", hop.carrier), "at": null });
    }
    let deleted = incident.communication_at_ms + hop.retention_ms;
    json!({ "what": format!("{} deletes its logs", hop.carrier), "at": scenario.instant_text(SimTime(deleted)) })
}

/// A case as one desk sees it: the hops it asked or was asked about, and
/// the deadlines it can know (its own carriers' deletion, holds it was told of).
fn desk_case(scenario: &Scenario, incident: &IncidentReport, country: &CountryCode) -> Value {
    let requester = &incident.reported_by == country;
    let hops: Vec<Value> = incident
        .hops
        .iter()
        .filter(|h| requester && h.request_sent_ms.is_some() || &h.country == country && h.request_received_ms.is_some() || requester && h.domestic && h.preservation_ordered_ms.is_some())
        .map(|h| {
            let mut view = hop_view(scenario, h);
            let own = &h.country == country;
            let mut deadlines = Vec::new();
            if own && h.preserved_ms.is_none() {
                deadlines.push(deletion(scenario, incident, h));
            }
            let told = own || h.preservation_result_received_ms.is_some();
            if let (Some(until), true) = (h.hold_until_ms, told) {
                deadlines.push(json!({ "what": format!("the hold at {} expires", h.carrier), "at": scenario.instant_text(SimTime(until)) }));
            }
            view["deadlines"] = Value::Array(deadlines);
            view
        })
        .collect();
    json!({ "incident": incident.id, "reported_by": incident.reported_by.as_str(), "hops": hops })
}

/// The automatic ratings, objective by objective, and the evaluators' so far:
/// for the director, and for evaluators (their cell's only).
pub fn scores(live: &Live, who: &Who) -> Value {
    let scores = super::score::score(live.session());
    let cell = match who {
        Who::Evaluator { cell, .. } => Some(cell),
        _ => None,
    };
    let objectives: Vec<Value> = scores
        .objectives
        .iter()
        .map(|o| {
            let automatic = match cell {
                Some(cell) => o.by_seat.get(cell).copied(),
                None => o.rating,
            };
            let evaluations: Vec<Value> = live
                .session()
                .evaluations()
                .iter()
                .filter(|e| e.objective == o.id && cell.is_none_or(|c| &e.cell == c))
                .map(|e| json!({ "evaluator": e.evaluator, "rating": e.rating, "note": e.note }))
                .collect();
            json!({ "id": o.id, "text": o.text, "automatic": automatic, "evaluations": evaluations })
        })
        .collect();
    json!({ "objectives": objectives })
}
