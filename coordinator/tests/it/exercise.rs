//! Exercise mode: people playing desks against bots, in simulated time.

use pocnet_coordinator::exercise::forms::{Action, StepKind};
use pocnet_coordinator::exercise::session::{Session, TaskState};
use pocnet_coordinator::report::Report;
use pocnet_coordinator::scenario::Scenario;
use pocnet_node::{CountryCode, Event, EventKind, SimTime};
use serde_json::json;
use std::collections::BTreeSet;

const END: SimTime = SimTime(5 * 366 * pocnet_node::time::DAY_MS);

fn people(codes: &[&str]) -> BTreeSet<CountryCode> {
    codes.iter().map(|c| CountryCode::from(*c)).collect()
}

fn json_of(scenario: &Scenario, seed: u64, events: Vec<Event>) -> String {
    let incidents = pocnet_coordinator::report::incident_reports(scenario, &events);
    Report::new(scenario, seed, incidents, events).to_json()
}

/// A complete, correct request form for the incident's communication.
fn good_request(scenario: &Scenario, incident: &str) -> serde_json::Value {
    let incident = scenario.incidents.iter().find(|i| i.id == incident).unwrap();
    let at =
        jiff::Timestamp::from_millisecond(scenario.epoch.as_millisecond() + incident.communication_at.ms()).unwrap();
    json!({ "ip": "203.0.113.7", "port": 51234, "timestamp": at.to_string(), "reference": "FR-24/7-1",
            "authority": "OFAC", "offence": "fraud", "facts": "phishing", "provider": "x", "mla_intended": true })
}

/// With no desk played by a person, the exercise is `pocnet run`: the same
/// state machine, the same log, byte for byte.
#[test]
fn with_bots_only_the_exercise_is_the_simulation() {
    let scenario = crate::support::load("quickstart.toml");
    let expected = crate::support::run_both(&scenario, scenario.seed).events;
    let mut session = Session::new(scenario.clone(), scenario.seed, &BTreeSet::new()).unwrap();
    // Paced in uneven slices, as a clock would grant them.
    let mut until = SimTime::ZERO;
    while session.next_event().is_some() {
        until = until.plus_ms(7 * pocnet_node::time::HOUR_MS + 13);
        session.advance_to(until).unwrap();
    }
    assert_eq!(json_of(&scenario, scenario.seed, session.log()), json_of(&scenario, scenario.seed, expected));
}

/// A person who takes each step at the instant the bot took it yields the
/// bot's run exactly: a person's timing, not anything else, is what their
/// play changes, and a late step propagates as a slow desk's does.
#[test]
fn a_person_acting_when_the_bot_did_reproduces_the_bot_s_run() {
    let scenario = crate::support::load("quickstart.toml");
    let bot_log = crate::support::run_both(&scenario, scenario.seed).events;
    let fr = CountryCode::from("FR");
    let bot_instant = |kind: StepKind, incident: &str, hop: u32| {
        bot_log
            .iter()
            .find(|e| {
                e.country == fr
                    && e.incident.as_str() == incident
                    && e.hop == hop
                    && matches!(
                        (&kind, &e.kind),
                        (StepKind::SendRequest, EventKind::RequestSent { .. })
                            | (StepKind::Confirm, EventKind::ConfirmationSent { .. })
                            | (StepKind::ProductionRequest, EventKind::ProductionRequested { .. })
                            | (StepKind::OrderPreservation, EventKind::PreservationOrdered { .. })
                    )
            })
            .map(|e| e.at)
    };
    let mut session = Session::new(scenario.clone(), scenario.seed, &people(&["FR"])).unwrap();
    let mut acted = 0;
    loop {
        let next = session
            .tasks()
            .iter()
            .filter(|t| t.state == TaskState::Waiting)
            .filter_map(|t| bot_instant(t.kind, t.step.case().0.as_str(), t.step.case().1).map(|at| (at, t.clone())))
            .min_by_key(|(at, t)| (*at, t.id));
        // Run event by event up to the next step, so that no step appears
        // after the instant the bot took it.
        let due = session.next_event().filter(|n| next.as_ref().is_none_or(|(at, _)| n < at));
        if let Some(due) = due {
            let step = due.plus_ms(1);
            session.advance_to(next.as_ref().map_or(step, |(at, _)| step.min(*at))).unwrap();
            continue;
        }
        let Some((at, task)) = next else { break };
        session.advance_to(at).unwrap();
        let fields = match task.kind {
            StepKind::SendRequest => good_request(&scenario, task.step.case().0.as_str()),
            StepKind::ProductionRequest => json!({ "channel": "mla" }),
            _ => json!({}),
        };
        let action =
            Action::from_json(&json!({ "kind": task.kind.name(), "task": task.id, "fields": fields })).unwrap();
        session.act(&fr, action, at).unwrap();
        acted += 1;
    }
    assert!(acted >= 5, "two requests, two confirmations, the domestic order, production: {acted}");
    assert_eq!(
        json_of(&scenario, scenario.seed, session.log()),
        json_of(&scenario, scenario.seed, bot_log),
        "the person's run is the bot's"
    );
}

/// A desk handed to a bot mid-case is finished by it on its own clock,
/// keeping the case; handed back, the bot's scheduled steps wait again.
#[test]
fn a_desk_changes_hands_mid_case_and_keeps_its_cases() {
    let scenario = crate::support::load("quickstart.toml");
    let fr = CountryCode::from("FR");
    let mut session = Session::new(scenario.clone(), scenario.seed, &people(&["FR"])).unwrap();
    let stop = session.skip_to(END).unwrap();
    let first = session.tasks()[0].clone();
    assert_eq!(first.kind, StepKind::SendRequest, "the first request waits for the person");
    assert!(stop > first.since && stop.ms() - first.since.ms() <= 1, "the skip stopped as it arrived");
    // The person sends the first request an hour later, then leaves the desk to a bot.
    let at = stop.plus_ms(pocnet_node::time::HOUR_MS);
    session.advance_to(at).unwrap();
    let fields = good_request(&scenario, "phish-1");
    session
        .act(&fr, Action::from_json(&json!({"kind": "send_request", "task": 0, "fields": fields})).unwrap(), at)
        .unwrap();
    let later = at.plus_ms(2 * pocnet_node::time::HOUR_MS);
    session.hand_over(&fr, false, later).unwrap();
    assert!(!session.is_person(&fr));
    assert!(
        session.tasks().iter().all(|t| t.state != TaskState::Waiting),
        "the bot took the waiting confirmation over"
    );
    session.advance_to(END).unwrap();
    let log = session.log();
    let incidents = pocnet_coordinator::report::incident_reports(&scenario, &log);
    assert_eq!(
        incidents[0].trace.result,
        pocnet_coordinator::report::TraceResult::OriginPreserved,
        "the bot finished it"
    );
    let sent = log.iter().find(|e| matches!(e.kind, EventKind::RequestSent { .. })).unwrap();
    assert_eq!(sent.at, at, "the first request left when the person sent it");
}

/// Actions that make no sense are refused, naming what is wrong, and change nothing.
#[test]
fn wrong_actions_are_refused_and_change_nothing() {
    let scenario = crate::support::load("quickstart.toml");
    let (fr, de) = (CountryCode::from("FR"), CountryCode::from("DE"));
    let mut session = Session::new(scenario.clone(), scenario.seed, &people(&["FR", "DE"])).unwrap();
    let now = session.skip_to(END).unwrap();
    let step = |kind: &str| Action::from_json(&json!({"kind": kind, "task": 0, "fields": {}})).unwrap();
    let refused = |session: &mut Session, country: &CountryCode, action: Action, at: SimTime| {
        let error = session.act(country, action, at).unwrap_err();
        error.field().to_owned()
    };
    assert_eq!(refused(&mut session, &de, step("send_request"), now), "task", "FR's task, not DE's");
    assert_eq!(refused(&mut session, &fr, step("acknowledge"), now), "kind", "the wrong form for the step");
    assert_eq!(refused(&mut session, &fr, step("send_request"), SimTime(now.ms() - 1)), "at", "the past");
    let unknown = Action::from_json(&json!({"kind": "confirm", "task": 99})).unwrap();
    assert_eq!(refused(&mut session, &fr, unknown, now), "task");
    assert!(session.forms().is_empty() && session.tasks()[0].state == TaskState::Waiting, "nothing changed");
}
