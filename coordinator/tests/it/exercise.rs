//! Exercise mode: people playing desks against bots, in simulated time.

use pocnet_coordinator::exercise::command::Command;
use pocnet_coordinator::exercise::session::{Session, Task, TaskState};
use pocnet_coordinator::report::Report;
use pocnet_coordinator::scenario::Scenario;
use pocnet_coordinator::scenario::templates::StepKind;
use pocnet_node::{CountryCode, Event, EventKind, SimTime};
use serde_json::json;
use std::collections::BTreeSet;

const END: SimTime = SimTime(5 * 366 * pocnet_node::time::DAY_MS);

fn people(codes: &[&str]) -> BTreeSet<CountryCode> {
    codes.iter().map(|c| CountryCode::from(*c)).collect()
}

/// hospital-ransomware opened for play on a new journal at `path`, with the
/// seats the scenario names, at `speed` (the scenario's when `None`).
pub fn hospital(path: &std::path::Path, speed: Option<f64>) -> (Scenario, pocnet_coordinator::exercise::live::Live) {
    use pocnet_coordinator::exercise::journal::Journal;
    use pocnet_coordinator::exercise::live::Live;
    let file = "scenarios/exercises/hospital-ransomware.toml";
    let scenario = crate::support::load("exercises/hospital-ransomware.toml");
    let text = crate::support::library_text("exercises/hospital-ransomware.toml");
    let seats = scenario.exercise.as_ref().unwrap().seats.iter().cloned().collect();
    let live =
        Live::open(Journal::open(path).unwrap(), scenario.clone(), file, &text, scenario.seed, &seats, speed).unwrap();
    (scenario, live)
}

/// A desk's action, read as the consoles' API reads it.
pub fn desk(country: &CountryCode, action: serde_json::Value) -> Command {
    Command::Desk { country: *country, action: serde_json::from_value(action).expect("a desk action") }
}

/// A director's order, as the consoles' API reads it: `{"command": "clock", ...}`.
pub fn order(command: serde_json::Value) -> Command {
    serde_json::from_value(command).expect("a command")
}

pub fn json_of(scenario: &Scenario, seed: u64, events: Vec<Event>) -> String {
    let incidents = pocnet_coordinator::report::incident_reports(scenario, &events);
    Report::new(scenario, seed, incidents, events).to_json()
}

/// A complete, correct request form for the incident's communication.
fn good_request(scenario: &Scenario, incident: &str) -> serde_json::Value {
    let incident = scenario.incidents.iter().find(|i| i.id == incident).unwrap();
    let at =
        jiff::Timestamp::from_millisecond(scenario.epoch.as_millisecond() + incident.communication_at.ms()).unwrap();
    json!({ "ip": "203.0.113.7", "port": 51234, "timestamp": at.to_string(), "reference": "FR-24/7-1",
            "authority": "OFAC", "offence": "fraud", "facts": "phishing", "provider": "x", "mla_intended": true,
            "convention_offence": incident.offence.is_some_and(|o| o.convention_article().is_some()) })
}

/// A form for the task, complete and exact, with its production by `channel`.
pub fn complete_form(scenario: &Scenario, task: &Task, channel: &str) -> serde_json::Value {
    match task.kind {
        StepKind::SendRequest => good_request(scenario, task.step.case().0.as_str()),
        StepKind::ProductionRequest => json!({ "channel": channel }),
        _ => json!({}),
    }
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
        let fields = complete_form(&scenario, &task, "mla");
        let action = json!({ "kind": task.kind.name(), "task": task.id, "fields": fields });
        session.apply(&desk(&fr, action), at).unwrap();
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
    session.apply(&desk(&fr, json!({"kind": "send_request", "task": 0, "fields": fields})), at).unwrap();
    let later = at.plus_ms(2 * pocnet_node::time::HOUR_MS);
    session.apply(&order(json!({"command": "hand_over", "country": "FR", "to": "bot"})), later).unwrap();
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
    let step = |kind: &str| json!({"kind": kind, "task": 0, "fields": {}});
    let refused = |session: &mut Session, country: &CountryCode, action: serde_json::Value, at: SimTime| {
        let error = session.apply(&desk(country, action), at).unwrap_err();
        error.field().to_owned()
    };
    assert_eq!(refused(&mut session, &de, step("send_request"), now), "task", "FR's task, not DE's");
    assert_eq!(refused(&mut session, &fr, step("acknowledge"), now), "kind", "the wrong form for the step");
    assert_eq!(refused(&mut session, &fr, step("send_request"), SimTime(now.ms() - 1)), "at", "the past");
    assert_eq!(refused(&mut session, &fr, json!({"kind": "confirm", "task": 99}), now), "task");
    assert!(session.forms().is_empty() && session.tasks()[0].state == TaskState::Waiting, "nothing changed");
}

/// A child process, killed when dropped.
pub struct KillOnDrop(pub std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A pocnet exercise process, killed when dropped.
pub struct Served {
    child: std::process::Child,
    pub address: String,
    pub director: String,
    pub seats: std::collections::BTreeMap<String, String>,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `pocnet exercise` on a free loopback port and reads its links
/// (the director's, then one per seat).
pub fn serve(scenario: &str, journal: &std::path::Path, extra: &[&str], seats: usize) -> Served {
    use std::io::BufRead;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_pocnet"))
        .current_dir(crate::support::workspace_root())
        .args(["exercise", scenario, "--listen", "127.0.0.1:0", "--journal"])
        .arg(journal)
        .args(extra)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::inherit())
        .spawn()
        .expect("pocnet exercise starts");
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    assert!(first.starts_with("pocnet exercise \""), "{first}");
    let mut served = Served { child, address: String::new(), director: String::new(), seats: Default::default() };
    for line in lines.map_while(Result::ok) {
        let (who, url) = line.split_once(": ").unwrap();
        let (base, token) = url.split_once("?token=").unwrap();
        served.address = base.trim_start_matches("http://").split('/').next().unwrap().to_owned();
        match who.strip_prefix("seat ") {
            Some(country) => served.seats.insert(country.to_owned(), token.to_owned()),
            None => {
                served.director = token.to_owned();
                None
            }
        };
        if served.seats.len() == seats {
            break;
        }
    }
    served
}

/// One HTTP/1.1 request; the status and the JSON answer.
pub fn http(
    address: &str,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> (u16, serde_json::Value) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    stream.set_read_timeout(Some(std::time::Duration::from_secs(20))).unwrap();
    let body = body.unwrap_or("");
    let auth = token.map(|t| format!("Authorization: Bearer {t}\r\n")).unwrap_or_default();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let status = answer[9..12].parse().unwrap();
    let (head, rest) = answer.split_once("\r\n\r\n").unwrap();
    // Answers are small; a chunked one comes as a single chunk.
    let text = if head.to_ascii_lowercase().contains("transfer-encoding: chunked") {
        rest.split_once("\r\n")
            .map_or("", |(_, r)| r)
            .rsplit_once("\r\n0\r\n")
            .map_or(rest, |(r, _)| r)
            .trim_end_matches("\r\n")
    } else {
        rest
    };
    (status, serde_json::from_str(text).unwrap_or(serde_json::Value::Null))
}

/// The HTTP API as a script (or a trainee's browser) uses it: who may do
/// what, every bad input a 400 naming its field, and an action kept through
/// kill -9: restarted on its journal, the exercise is paused where it stood.
#[test]
fn the_api_answers_who_may_do_what_and_the_journal_survives_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("hospital.journal");
    let scenario = "scenarios/exercises/hospital-ransomware.toml";
    let served = serve(scenario, &journal, &[], 2);
    let (address, director) = (served.address.clone(), served.director.clone());
    let (de, nl) = (served.seats["DE"].clone(), served.seats["NL"].clone());
    let get = |path: &str, token: Option<&str>| http(&address, "GET", path, token, None);
    let post = |path: &str, token: &str, body: &str| http(&address, "POST", path, Some(token), Some(body));

    // From another site: a text/plain POST, or a token in the address, is not obeyed.
    let raw = |request: String| {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(&address).unwrap();
        stream.write_all(request.as_bytes()).unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        answer
    };
    let body = r#"{"action":"resume"}"#;
    let plain = raw(format!(
        "POST /api/clock HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {director}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    ));
    assert!(plain.starts_with("HTTP/1.1 415"), "{plain}");
    let in_url = raw(format!(
        "POST /api/clock?token={director} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    ));
    assert!(in_url.starts_with("HTTP/1.1 401") && in_url.contains("Authorization"), "{in_url}");
    let page = raw("GET /director HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".to_owned()).to_ascii_lowercase();
    for header in [
        "content-security-policy: default-src 'self'",
        "frame-ancestors 'none'",
        "referrer-policy: no-referrer",
        "x-frame-options: deny",
        "x-content-type-options: nosniff",
    ] {
        assert!(page.contains(header), "{header} missing: {}", &page[..page.len().min(800)]);
    }
    assert_eq!(get("/api/state", None).0, 401, "no token");
    assert_eq!(get("/api/state", Some("0123")).0, 401, "a wrong token");
    let (status, state) = get("/api/state", Some(&de));
    assert_eq!((status, state["paused"].as_bool(), state["you"].as_str()), (200, Some(true), Some("DE")));
    assert_eq!(get("/api/seats/NL/inbox", Some(&de)).0, 403, "another seat's inbox");
    assert_eq!(post("/api/clock", &nl, r#"{"action":"resume"}"#).0, 403, "only the director runs the clock");
    assert_eq!(get("/api/cases", Some(&nl)).0, 403);
    let field =
        |answer: (u16, serde_json::Value)| (answer.0, answer.1["field"].as_str().unwrap_or_default().to_owned());
    assert_eq!(field(post("/api/clock", &director, r#"{"action":"speed","speed":0}"#)), (400, "speed".to_owned()));
    assert_eq!(
        field(post("/api/clock", &director, r#"{"action":"skip","to":"2026-01-01T00:00:00Z"}"#)),
        (400, "to".to_owned())
    );
    let (_, backwards) = post("/api/clock", &director, r#"{"action":"skip","to":"2026-01-01T00:00:00Z"}"#);
    assert!(backwards["error"].as_str().unwrap().contains("the skip asks for 2026-01-01T00:00:00Z"), "{backwards}");
    assert_eq!(field(post("/api/clock", &director, "{not json")), (400, "body".to_owned()));
    assert_eq!(field(post("/api/clock", &director, r#"{"action":"fly"}"#)), (400, "action".to_owned()));

    // Skip ahead: the bots play on until a seat receives something (an
    // inject, a step), as often as it takes for Germany's first request.
    let mut task = None;
    for _ in 0..20 {
        let (status, skip) = post("/api/clock", &director, r#"{"action":"skip","to":"2026-11-29T00:00:00Z"}"#);
        assert_eq!((status, skip["stopped_early"].as_bool()), (200, Some(true)), "{skip}");
        let (_, inbox) = get("/api/seats/DE/inbox", Some(&de));
        task = inbox["tasks"].as_array().unwrap().iter().find(|t| t["kind"] == "send_request").cloned();
        if task.is_some() {
            break;
        }
    }
    let task = task.expect("a request to send");
    let id = task["id"].as_u64().unwrap();
    let action = |fields: &str| format!(r#"{{"kind":"send_request","task":{id},"fields":{fields}}}"#);
    // Paused, a desk step waits, saying why; the clock running, it is taken.
    let (status, paused) = post("/api/seats/DE/actions", &de, &action("{}"));
    assert_eq!(status, 409, "{paused}");
    assert!(paused["error"].as_str().unwrap().contains("the exercise is paused"), "{paused}");
    assert_eq!(post("/api/clock", &director, r#"{"action":"resume"}"#).0, 200);
    assert_eq!(
        field(post("/api/seats/DE/actions", &de, &action(r#"{"colour":"red"}"#))),
        (400, "fields.colour".to_owned())
    );
    assert_eq!(
        field(post("/api/seats/DE/actions", &de, &action(r#"{"timestamp":"last night"}"#))),
        (400, "fields.timestamp".to_owned())
    );
    assert_eq!(
        field(post("/api/seats/DE/actions", &de, &action(r#"{"ip":"999.1.1.1"}"#))),
        (400, "fields.ip".to_owned())
    );
    let extra = post("/api/seats/DE/actions", &de, r#"{"kind":"note","text":"x","colour":"red"}"#);
    assert_eq!(field(extra), (400, "colour".to_owned()), "an unknown key, named as sent");
    let huge = format!(r#"{{"kind":"note","text":"{}"}}"#, "x".repeat(70_000));
    let (status, answer) = post("/api/seats/DE/actions", &de, &huge);
    assert_eq!((status, answer["field"].as_str()), (413, Some("body")), "{answer}");
    assert!(answer["error"].as_str().unwrap().contains("larger than 64 KB"), "{answer}");
    let wrong = format!(r#"{{"kind":"acknowledge","task":{id}}}"#);
    assert_eq!(field(post("/api/seats/DE/actions", &de, &wrong)), (400, "kind".to_owned()));
    assert_eq!(post("/api/seats/NL/actions", &de, &action("{}")).0, 403, "DE cannot act for NL");
    let (_, state) = get("/api/state", Some(&director));
    // Every known caller's refused request; anonymous ones (the 401s) are not listed.
    assert_eq!(state["rejected"].as_array().unwrap().len(), 15, "the director sees every rejected action");

    assert_eq!(get("/report", Some(&director)).0, 200, "the after-action report so far");
    assert_eq!(get("/report", Some(&de)).0, 403, "for the director only");

    // The director gives the Dutch seat a new link: the old one stops working.
    let (status, reassigned) = post("/api/seats", &director, r#"{"country":"NL","to":"person"}"#);
    assert_eq!(status, 200, "{reassigned}");
    assert!(reassigned["url"].as_str().unwrap().contains("/seat/NL?token="));
    let (status, revoked) = get("/api/state", Some(&nl));
    assert_eq!(status, 401, "the old link is revoked");
    assert!(revoked["error"].as_str().unwrap().contains("the director gave NL's desk a new link"), "{revoked}");
    let nl = reassigned["token"].as_str().unwrap().to_owned();
    assert_eq!(get("/api/seats/NL/inbox", Some(&nl)).0, 200, "the new one works");
    assert_eq!(field(post("/api/seats", &director, r#"{"country":"XX","to":"bot"}"#)), (400, "country".to_owned()));

    // An evaluator watches the German cell, rates an objective; the director writes the plan.
    let (status, evaluator) = post("/api/evaluators", &director, r#"{"cell":"DE"}"#);
    assert_eq!(status, 200, "{evaluator}");
    let evaluator = evaluator["token"].as_str().unwrap().to_owned();
    assert_eq!(get("/api/seats/DE/inbox", Some(&evaluator)).0, 200, "sees the cell");
    assert_eq!(get("/api/seats/NL/inbox", Some(&evaluator)).0, 403, "only the cell");
    assert_eq!(post("/api/seats/DE/actions", &evaluator, r#"{"kind":"note","text":"x"}"#).0, 403, "acts for no desk");
    assert_eq!(get("/api/scores", Some(&de)).0, 403, "players do not see ratings");
    assert_eq!(
        field(post("/api/evaluations", &evaluator, r#"{"objective":"O1","rating":"Q"}"#)),
        (400, "rating".to_owned())
    );
    assert_eq!(
        field(post("/api/evaluations", &evaluator, r#"{"objective":"O9","rating":"S"}"#)),
        (400, "objective".to_owned())
    );
    assert_eq!(post("/api/evaluations", &de, r#"{"objective":"O1","rating":"S"}"#).0, 403);
    let feedback = post("/api/seats/DE/feedback", &de, r#"{"went_well":"fast first request","to_improve":"offsets"}"#);
    assert_eq!(feedback.0, 200, "{}", feedback.1);
    assert_eq!(post("/api/seats/NL/feedback", &de, r#"{"went_well":"x"}"#).0, 403, "a seat speaks for itself");
    let observed = post("/api/observations", &evaluator, r#"{"text":"DE reads the CISO log aloud, no offset noted"}"#);
    assert_eq!(observed.0, 200, "{}", observed.1);
    assert_eq!(post("/api/observations", &de, r#"{"text":"x"}"#).0, 403, "players keep no observation log");
    let (_, before) = get("/api/scores", Some(&evaluator));
    assert_eq!(before["objectives"][0]["automatic_hidden"], true, "not anchored before rating: {before}");
    assert_eq!(before["objectives"][0]["automatic"], serde_json::Value::Null);
    let rated = post(
        "/api/evaluations",
        &evaluator,
        r#"{"objective":"O1","rating":"S","note":"request sent without the port"}"#,
    );
    assert_eq!(rated.0, 200, "{}", rated.1);
    let (_, scores) = get("/api/scores", Some(&evaluator));
    assert_eq!(scores["objectives"][0]["evaluations"][0]["rating"], "S", "{scores}");
    assert_eq!(scores["objectives"][0]["automatic_hidden"], false, "shown once rated: {scores}");
    assert!(scores["observations"][0]["text"].as_str().unwrap().contains("no offset noted"), "{scores}");
    let again = post("/api/evaluations", &evaluator, r#"{"objective":"O1","rating":"M","note":"on reflection"}"#);
    assert_eq!(again.0, 200);
    let (_, scores) = get("/api/scores", Some(&evaluator));
    let history = scores["objectives"][0]["evaluations"].as_array().unwrap();
    assert_eq!(
        (history[0]["current"].as_bool(), history[1]["current"].as_bool()),
        (Some(false), Some(true)),
        "{scores}"
    );
    assert_eq!(
        field(post("/api/plan", &director, r#"{"action":"x","owner":"y","due":"soon"}"#)),
        (400, "due".to_owned())
    );
    assert_eq!(post("/api/final-ratings", &evaluator, r#"{"objective":"O1","rating":"S"}"#).0, 403);
    let finals = post("/api/final-ratings", &director, r#"{"objective":"O1","rating":"M","note":"late on the port"}"#);
    assert_eq!(finals.0, 200, "{}", finals.1);
    let planned = post(
        "/api/plan",
        &director,
        r#"{"action":"Put UTC offsets in the request template","owner":"BKA 24/7","due":"2027-03-01"}"#,
    );
    assert_eq!(planned.0, 200, "{}", planned.1);

    // A request without the port or the offset is taken, and recorded.
    let sent = post("/api/seats/DE/actions", &de, &action(r#"{"ip":"203.0.113.7","timestamp":"2026-11-27T22:31:05"}"#));
    assert_eq!(sent.0, 200, "{}", sent.1);
    let taken_at: jiff::Timestamp = sent.1["at"].as_str().unwrap().parse().unwrap();
    drop(served);

    // Restarted on its journal: the action kept, the clock where it stood, paused.
    let served = serve(scenario, &journal, &[], 2);
    assert_eq!(served.director, director, "the same tokens");
    let (_, after) = http(&served.address, "GET", "/api/state", Some(&director), None);
    assert_eq!(after["paused"].as_bool(), Some(true));
    let resumed_at: jiff::Timestamp = after["sim_time"].as_str().unwrap().parse().unwrap();
    assert!(resumed_at >= taken_at, "resumed at {resumed_at}, the request was taken at {taken_at}");
    let (_, inbox) = http(&served.address, "GET", "/api/seats/DE/inbox", Some(&de), None);
    let kept = inbox["tasks"].as_array().unwrap().iter().find(|t| t["id"].as_u64() == Some(id)).unwrap().clone();
    assert_eq!(kept["state"]["state"], "done", "{kept}");
    drop(served);

    // The replay without a browser gives the same bytes every time, the form included.
    let replay = |out: &std::path::Path| {
        let output =
            crate::support::pocnet(&["exercise", "replay", journal.to_str().unwrap(), "--json", out.to_str().unwrap()]);
        assert!(output.status.success(), "{}", crate::support::text(&output.stderr));
        std::fs::read_to_string(out).unwrap()
    };
    let (a, b) = (replay(&dir.path().join("a.json")), replay(&dir.path().join("b.json")));
    assert_eq!(a, b);
    assert!(a.contains("has no UTC offset") && a.contains("port: missing"), "the form's findings are in the debrief");

    // The after-action report from the same journal: HTML, JSON and CSV.
    let (html, json_path, csv) = (dir.path().join("aar.html"), dir.path().join("aar.json"), dir.path().join("aar"));
    let output = crate::support::pocnet(&[
        "exercise",
        "report",
        journal.to_str().unwrap(),
        "--html",
        html.to_str().unwrap(),
        "--json",
        json_path.to_str().unwrap(),
        "--csv",
        csv.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", crate::support::text(&output.stderr));
    assert!(crate::support::text(&output.stdout).contains("After-action report: Hospital ransomware"));
    let aar: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json_path).unwrap()).unwrap();
    assert_eq!(aar["format"], "pocnet-aar/1");
    // The shape docs/exercise.md documents.
    for (key, array) in [
        ("exercise", false),
        ("summary", false),
        ("objectives", true),
        ("outcomes", true),
        ("cases", true),
        ("expectations", true),
        ("forms", true),
        ("channel_findings", true),
        ("injects", true),
        ("notes", true),
        ("evaluations", true),
        ("improvement_plan", true),
        ("wall_time", true),
    ] {
        assert!(aar.get(key).is_some_and(|v| v.is_array() == array), "{key} in the report's JSON");
    }
    for key in ["id", "text", "rating", "by_seat", "rated"] {
        assert!(aar["objectives"][0].get(key).is_some(), "objectives[].{key}");
    }
    for key in ["incident", "played", "reference"] {
        assert!(aar["outcomes"][0].get(key).is_some(), "outcomes[].{key}");
    }
    let missing =
        aar["expectations"].as_array().unwrap().iter().find(|e| e["inject"] == "victim-report").unwrap().clone();
    assert_eq!(missing["missing"], json!(["port", "timestamp (no UTC offset)"]), "{missing}");
    assert!(std::fs::read_to_string(csv.join("expectations.csv")).unwrap().starts_with("inject,objective,by,form"));
    let expectations_csv = std::fs::read_to_string(csv.join("expectations.csv")).unwrap();
    assert!(
        expectations_csv.contains(",1:00:00,6:00:00,"),
        "goal and limit as a spreadsheet reads them: {expectations_csv}"
    );
    let forms_csv = std::fs::read_to_string(csv.join("forms.csv")).unwrap();
    assert!(forms_csv.starts_with("seat,incident,form,field,wanted,sent,filled,exact\nDE,"), "{forms_csv}");
    assert!(
        forms_csv.contains("DE,c2-admin,send_request,facts,true,1,0,\n"),
        "free text has no exactness: {forms_csv}"
    );
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("id=\"objectives\""));
    assert!(page.contains("late on the port"), "the director's final rating is in the report");
    assert!(
        page.contains("Observation logs") && page.contains("no offset noted"),
        "the evaluator's log is in the report"
    );
    assert!(
        page.contains("Hot wash") && page.contains("fast first request"),
        "the participants' feedback is in the report"
    );
    assert_eq!(aar["evaluations"][0]["note"], "request sent without the port");
    assert_eq!(aar["improvement_plan"][0]["owner"], "BKA 24/7");
    let findings = aar["channel_findings"].as_array().unwrap();
    assert!(findings.iter().any(|f| f["rule"].as_str().unwrap().starts_with("Budapest Art. 29(3)")), "{findings:?}");
    let walls = aar["wall_time"].as_array().unwrap();
    assert!(walls.iter().any(|w| w["what"] == "send_request (DE)"), "every journaled action in wall time: {walls:?}");
}

/// Pauses, speed changes and the wall time things happen at change nothing
/// simulated: two runs of the same actions at the same simulated instants,
/// one paced at 60x and 360x with pauses, the other only skipping, give the
/// same log byte for byte.
#[test]
fn pauses_and_speed_changes_change_nothing_simulated() {
    use pocnet_coordinator::exercise::journal::Journal;
    use pocnet_coordinator::exercise::live::{Live, Who};
    use pocnet_coordinator::exercise::score::score;
    let scenario = crate::support::load("exercises/hospital-ransomware.toml");
    let text = crate::support::library_text("exercises/hospital-ransomware.toml");
    let seats: BTreeSet<CountryCode> = scenario.exercise.as_ref().unwrap().seats.iter().cloned().collect();
    let dir = tempfile::tempdir().unwrap();
    let hour = pocnet_node::time::HOUR_MS;
    let run = |name: &str, paced: bool| {
        let journal = Journal::open(&dir.path().join(name)).unwrap();
        let mut live =
            Live::open(journal, scenario.clone(), "h.toml", &text, scenario.seed, &seats, Some(60.0)).unwrap();
        let mut wall = 1_000_000;
        let clock = |live: &mut Live, wall: i64, action: serde_json::Value| {
            live.execute(wall, &Who::Director, order(json!({"command": "clock", "action": action}))).unwrap()
        };
        // Lands exactly on `target` (a skip stops early when a seat receives something).
        let reach = |live: &mut Live, wall: i64, target: SimTime| {
            while live.clock().now(wall) < target {
                clock(live, wall, json!({"action": "skip", "to": scenario.instant_text(target)}));
            }
        };
        for (n, offset) in [3, 6, 30, 60, 200, 900].into_iter().enumerate() {
            if paced {
                clock(&mut live, wall, json!({"action": "resume"}));
                for _ in 0..5 {
                    wall += 700;
                    live.tick(wall).unwrap();
                }
                clock(&mut live, wall, json!({"action": "speed", "speed": if n % 2 == 0 { 360 } else { 60 }}));
                wall += 1_300;
                live.tick(wall).unwrap();
                clock(&mut live, wall, json!({"action": "pause"}));
                wall += 60_000;
            }
            let target = SimTime(offset * hour).max(live.clock().now(wall));
            reach(&mut live, wall, target);
            let waiting: Vec<_> = live
                .session()
                .tasks()
                .iter()
                .filter(|t| t.state == TaskState::Waiting && t.kind != StepKind::RenewHold)
                .cloned()
                .collect();
            // Desk steps wait while the clock is paused: the seats act with
            // it running, at one wall instant.
            clock(&mut live, wall, json!({"action": "resume"}));
            for task in waiting {
                let fields = complete_form(&scenario, &task, "mla");
                let body = json!({"kind": task.kind.name(), "task": task.id, "fields": fields});
                live.execute(wall, &Who::Seat(task.country), desk(&task.country, body)).unwrap();
            }
            clock(&mut live, wall, json!({"action": "pause"}));
            wall += 5_000;
        }
        reach(&mut live, wall, SimTime(1_800 * hour));
        let sent = live.session().forms().len();
        assert!(sent >= 8, "both desks' requests, acknowledgements, orders, disclosures and productions: {sent}");
        let scores = serde_json::to_string(&score(live.session())).unwrap();
        (json_of(&scenario, scenario.seed, live.session().log()), scores)
    };
    let (paced, skipped) = (run("paced.journal", true), run("skipped.journal", false));
    assert_eq!(paced.0, skipped.0, "the same log");
    assert_eq!(paced.1, skipped.1, "the same scores");
    assert!(paced.1.contains("\"rating\":\"P\""), "something was rated: {}", paced.1);
}

/// Done when: two trainees (the German and the Dutch desks) play
/// hospital-ransomware from the first report to the first MLA request or
/// production order, through the same actions the consoles send.
#[test]
fn two_trainees_play_hospital_ransomware_to_the_first_production_request() {
    let scenario = crate::support::load("exercises/hospital-ransomware.toml");
    let plan = scenario.exercise.clone().expect("an [exercise] table");
    assert_eq!(plan.seats, vec![CountryCode::from("DE"), CountryCode::from("NL")]);
    let mut session = Session::new(scenario.clone(), scenario.seed, &plan.seats.iter().cloned().collect()).unwrap();
    session.advance_to(plan.start).unwrap();
    let minutes = |n: i64| n * pocnet_node::time::MINUTE_MS;
    let mut acted = 0;
    let first_production = loop {
        let log = session.log();
        if let Some(e) =
            log.iter().find(|e| matches!(e.kind, EventKind::ProductionRequested { .. }) && e.country.as_str() == "DE")
        {
            break e.clone();
        }
        assert!(
            session.now() < SimTime(plan.start.ms() + 90 * pocnet_node::time::DAY_MS),
            "no production request in 90 days"
        );
        let waiting: Vec<_> = session
            .tasks()
            .iter()
            .filter(|t| t.state == TaskState::Waiting && t.kind != StepKind::RenewHold)
            .cloned()
            .collect();
        if waiting.is_empty() {
            let next = session.next_event().expect("something is due");
            session.advance_to(next.plus_ms(1)).unwrap();
            continue;
        }
        // Each trainee answers ten minutes after the step reached them.
        let task = waiting.into_iter().min_by_key(|t| (t.since, t.id)).unwrap();
        let at = task.since.plus_ms(minutes(10)).max(session.now());
        session.advance_to(at).unwrap();
        let (incident, _) = task.step.case();
        let fields = match task.kind {
            StepKind::SendRequest => good_request(&scenario, incident.as_str()),
            StepKind::ProductionRequest => json!({ "channel": "epoc", "sending_authority": "BfJ" }),
            StepKind::Disclose => {
                json!({ "next_hop_ip": "198.51.100.20", "timestamp": "2026-11-27T22:31:05+01:00", "provider": "x", "legal_basis": "Art. 30" })
            }
            _ => json!({ "reference": "EX-1" }),
        };
        let action = json!({ "kind": task.kind.name(), "task": task.id, "fields": fields });
        session.apply(&desk(&task.country, action), at).unwrap();
        acted += 1;
    };
    assert!(acted >= 6, "requests, acknowledgements, orders, disclosures, confirmations: {acted}");
    let by: BTreeSet<&str> = session.forms().iter().map(|f| f.country.as_str()).collect();
    assert_eq!(by, BTreeSet::from(["DE", "NL"]), "both trainees played");
    assert!(
        matches!(
            first_production.kind,
            EventKind::ProductionRequested { channel: pocnet_node::ProductionChannel::Epoc, .. }
        ),
        "{first_production:?}"
    );
}

/// Plays hospital-ransomware with DE and NL played by scripted trainees who
/// answer each step `delay` after it reaches them, with complete forms;
/// returns the session at day 70.
pub fn scripted_trainees(delay_ms: i64) -> Session {
    let scenario = crate::support::load("exercises/hospital-ransomware.toml");
    let plan = scenario.exercise.clone().unwrap();
    let mut session = Session::new(scenario.clone(), scenario.seed, &plan.seats.iter().cloned().collect()).unwrap();
    session.advance_to(plan.start).unwrap();
    let end = SimTime(plan.start.ms() + 70 * pocnet_node::time::DAY_MS);
    loop {
        let waiting: Vec<_> = session
            .tasks()
            .iter()
            .filter(|t| t.state == TaskState::Waiting && t.kind != StepKind::RenewHold)
            .cloned()
            .collect();
        let next_step = waiting.iter().map(|t| t.since.plus_ms(delay_ms).max(session.now())).min();
        let next_event = session.next_event();
        match (next_step, next_event) {
            (Some(step), next) if next.is_none_or(|n| step <= n) => {
                let task =
                    waiting.iter().find(|t| t.since.plus_ms(delay_ms).max(session.now()) == step).unwrap().clone();
                session.advance_to(step).unwrap();
                let (incident, _) = task.step.case();
                let fields = match task.kind {
                    StepKind::SendRequest => good_request(&scenario, incident.as_str()),
                    StepKind::ProductionRequest => json!({ "channel": "mla" }),
                    StepKind::Disclose => json!({ "legal_basis": "Art. 30" }),
                    _ => json!({ "reference": "EX-1" }),
                };
                let action = json!({ "kind": task.kind.name(), "task": task.id, "fields": fields });
                session.apply(&desk(&task.country, action), step).unwrap();
            }
            (_, Some(next)) if next < end => {
                session.advance_to(next.plus_ms(1)).unwrap();
            }
            _ => break,
        }
    }
    session.advance_to(end).unwrap();
    session
}

/// A trainee who sends every expected form at once, complete, scores P on
/// every objective they were rated on; one who takes nine hours misses the
/// first request's limit, and its contingency fires at that very instant.
#[test]
fn a_perfect_trainee_scores_p_and_a_late_one_fires_the_contingency() {
    use pocnet_coordinator::exercise::injects::InjectState;
    use pocnet_coordinator::exercise::rating::Rating;
    use pocnet_coordinator::exercise::score::{Timeliness, score};
    let perfect = scripted_trainees(10 * pocnet_node::time::MINUTE_MS);
    let scores = score(&perfect);
    let rated: Vec<_> = scores.objectives.iter().filter(|o| o.rated > 0).collect();
    assert!(rated.len() >= 3, "{:?}", scores.objectives);
    for objective in &rated {
        assert_eq!(objective.rating, Some(Rating::P), "{objective:?}\n{:#?}", scores.expectations);
    }
    let narrated = rated.iter().all(|o| !o.strengths.is_empty() && o.areas_for_improvement.is_empty());
    assert!(narrated, "a perfect trainee's objectives list strengths only: {rated:#?}");
    assert!(scores.expectations.iter().all(|e| e.timeliness != Timeliness::Missed), "{:#?}", scores.expectations);
    // On time and complete, but by MLA where a European Production Order applied: the
    // report says so, with the rule, and shows what the bots' orders achieved instead.
    let aar = pocnet_coordinator::exercise::aar::Aar::build(&perfect, perfect.scenario().seed, &["DE".to_owned()], &[])
        .unwrap();
    assert!(
        aar.channel_findings
            .iter()
            .any(|f| f.finding.starts_with("MLA to RO, where a European Production Order applied")),
        "{:#?}",
        aar.channel_findings
    );
    assert!(
        !aar.channel_findings.iter().any(|f| f.rule.starts_with("Budapest Art. 29")),
        "the offence rightly characterised"
    );
    let admin = aar.outcomes.iter().find(|o| o.incident == "c2-admin").unwrap();
    assert!(admin.played.subscriber.is_none() && admin.reference.subscriber.is_some(), "{admin:?}");

    let late = scripted_trainees(9 * pocnet_node::time::HOUR_MS);
    let scores = score(&late);
    let first = scores.expectations.iter().find(|e| e.inject == "victim-report").unwrap();
    assert_eq!((first.timeliness, first.rating), (Timeliness::Missed, Some(Rating::U)));
    let injects = late.injects();
    let nudge = injects.runs().iter().find(|r| r.id == "excon-nudge").unwrap();
    // The limit runs from when the desk could first act: its request task
    // appeared after the inject.
    let could_act = first.could_act_ms.expect("the request reached the desk");
    assert!(could_act > first.created_ms, "{first:?}");
    let limit = could_act + first.limit_ms;
    assert_eq!(nudge.state, InjectState::Sent { at_ms: limit }, "the contingency fires at the limit");
    assert!(first.why.starts_with("Not done within the limit of"), "{}", first.why);
    let o1 = scores.objectives.iter().find(|o| o.id == "O1").unwrap();
    assert!(o1.rating > Some(Rating::P), "{o1:?}");
    assert!(o1.areas_for_improvement.iter().any(|a| a.contains("Not done within the limit")), "{o1:?}");
}

/// An inject due while the exercise is paused, or fired by the director
/// after a pause, is sent at its simulated instant: a pause never makes it late.
#[test]
fn an_inject_after_a_pause_fires_at_its_simulated_instant() {
    use pocnet_coordinator::exercise::injects::InjectState;
    use pocnet_coordinator::exercise::journal::Journal;
    use pocnet_coordinator::exercise::live::{Live, Who};
    let file = crate::support::scenario_path("exercises/hospital-ransomware.toml");
    let scenario = crate::support::load("exercises/hospital-ransomware.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::open(&dir.path().join("j")).unwrap();
    let people = scenario.exercise.as_ref().unwrap().seats.iter().cloned().collect();
    let mut live = Live::open(journal, scenario.clone(), "h.toml", &text, scenario.seed, &people, Some(60.0)).unwrap();
    let start = scenario.exercise.as_ref().unwrap().start;
    let due = |live: &Live, id: &str| live.session().injects().runs().iter().find(|r| r.id == id).unwrap().clone();
    // Run two wall seconds (two simulated minutes), pause an hour of wall time, run on.
    live.execute(0, &Who::Director, order(json!({"command": "clock", "action": {"action": "resume"}}))).unwrap();
    live.tick(2_000).unwrap();
    live.execute(2_000, &Who::Director, order(json!({"command": "clock", "action": {"action": "pause"}}))).unwrap();
    live.tick(3_602_000).unwrap();
    assert_eq!(due(&live, "victim-report").state, InjectState::Pending, "T+2m not reached: the pause froze it");
    live.execute(3_602_000, &Who::Director, order(json!({"command": "clock", "action": {"action": "resume"}})))
        .unwrap();
    live.tick(3_700_000).unwrap();
    let report = due(&live, "victim-report");
    assert_eq!(report.state, InjectState::Sent { at_ms: start.ms() + 2 * pocnet_node::time::MINUTE_MS });
    // The director fires a standby after a long pause: it goes at the simulated present.
    live.execute(3_700_000, &Who::Director, order(json!({"command": "clock", "action": {"action": "pause"}}))).unwrap();
    let now = live.clock().now(9_000_000);
    live.execute(
        9_000_000,
        &Who::Director,
        order(json!({"command": "inject", "order": {"id": "media", "action": "fire"}})),
    )
    .unwrap();
    assert_eq!(due(&live, "media").state, InjectState::Sent { at_ms: now.ms() });
    assert!(
        live.execute(
            9_000_000,
            &Who::Director,
            order(json!({"command": "inject", "order": {"id": "media", "action": "fire"}}))
        )
        .is_err(),
        "sent once"
    );
}

/// A fork at instant T keeps every action before T; the same actions after
/// T, played on the fork, give the same exercise as the original.
#[test]
fn a_fork_followed_by_the_same_actions_is_the_original() {
    use pocnet_coordinator::exercise::journal::Journal;
    use pocnet_coordinator::exercise::replay::replay;
    let dir = tempfile::tempdir().unwrap();
    let (scenario, _) = played_quickstart(&dir.path().join("original"), &[40, 48, 72, 600]);
    let hour = pocnet_node::time::HOUR_MS;
    let original = Journal::open(&dir.path().join("original")).unwrap();
    let saved = original.read().unwrap();
    let fork_at = 60 * hour;
    let fork = original.fork(&dir.path().join("fork"), fork_at, scenario.epoch).unwrap();
    let kept = fork.read().unwrap();
    assert!(kept.entries.iter().all(|e| e.sim_ms < fork_at) && kept.entries.len() < saved.entries.len());
    let forked = replay(scenario.clone(), &kept).unwrap();
    assert_eq!(forked.now(), SimTime(fork_at), "the fork stands at T");
    for entry in saved.entries.iter().filter(|e| e.sim_ms >= fork_at) {
        fork.append(entry).unwrap();
    }
    let mut continued = fork.read().unwrap();
    continued.clock = saved.clock;
    let (a, b) = (replay(scenario.clone(), &saved).unwrap(), replay(scenario.clone(), &continued).unwrap());
    assert_eq!(json_of(&scenario, scenario.seed, a.log()), json_of(&scenario, scenario.seed, b.log()));
    assert_eq!(a.forms().len(), b.forms().len());
}

/// A late trainee loses a hop the bots' reference play preserves: the
/// after-action report shows both, with the cause.
#[test]
fn a_late_trainee_loses_the_logs_the_counterfactual_keeps() {
    let text = r#"
[scenario]
name = "seven days"
epoch = "2026-03-02T00:00:00Z"
seed = 5

[exercise]
seats = ["FR"]

[network]
min_message_delay = "1m"
message_delay = "10m"

[countries.FR]
name = "France"
time_zone = "UTC"
staffing = "24/7"
acknowledgement = "20m"

[countries.DE]
name = "Germany"
time_zone = "UTC"
staffing = "24/7"
acknowledgement = "20m"

[carriers.de]
country = "DE"
kind = "access-isp"
retention = "7d"

[[incidents]]
id = "i"
reported_by = "FR"
communication = "2026-03-03T10:00:00Z"
detection = "1h"
chain = ["de"]
"#;
    let scenario = Scenario::parse("seven-days.toml", text).unwrap();
    let fr = CountryCode::from("FR");
    let mut session = Session::new(scenario.clone(), scenario.seed, &people(&["FR"])).unwrap();
    session.skip_to(END).unwrap();
    let task = session.tasks()[0].clone();
    assert_eq!(task.kind, StepKind::SendRequest);
    // Eight days on the desk: the carrier's seven-day logs are gone.
    let late = task.since.plus_ms(8 * pocnet_node::time::DAY_MS);
    session.advance_to(late).unwrap();
    let fields = good_request(&scenario, "i");
    session.apply(&desk(&fr, json!({"kind": "send_request", "task": task.id, "fields": fields})), late).unwrap();
    session.advance_to(SimTime(40 * pocnet_node::time::DAY_MS)).unwrap();
    let aar = pocnet_coordinator::exercise::aar::Aar::build(&session, scenario.seed, &["FR".to_owned()], &[]).unwrap();
    let outcome = &aar.outcomes[0];
    assert!(!outcome.played.origin_preserved && outcome.reference.origin_preserved, "{outcome:?}");
    let cause = aar.cases[0].hops[0].cause.clone().unwrap();
    assert!(cause.starts_with("the request left ") && cause.ends_with("after the logs were deleted"), "{cause}");
}

/// A finished exercise plays back in the consoles at a pace, read-only: its
/// actions apply as the clock reaches them, to the same end.
#[test]
fn a_playback_is_read_only_and_ends_where_the_exercise_did() {
    use pocnet_coordinator::exercise::journal::Journal;
    use pocnet_coordinator::exercise::live::{Live, Who};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("played");
    let (scenario, (end, played)) = played_quickstart(&path, &[40, 48, 72]);
    let fr = CountryCode::from("FR");

    let mut playback = Live::playback(Journal::open(&path).unwrap(), scenario.clone(), 3600.0).unwrap();
    assert!(playback.is_playback());
    let refused = playback.execute(0, &Who::Seat(fr), desk(&fr, json!({"kind": "note", "text": "x"}))).unwrap_err();
    assert_eq!(refused.status, 403, "read-only");
    playback.execute(0, &Who::Director, order(json!({"command": "clock", "action": {"action": "resume"}}))).unwrap();
    // An hour of simulated time per wall second: a wall second at a time.
    let mut wall = 0;
    while playback.clock().now(wall) < end {
        wall += 1_000;
        playback.tick(wall).unwrap();
    }
    playback.execute(wall, &Who::Director, order(json!({"command": "clock", "action": {"action": "pause"}}))).unwrap();
    assert!(playback.session().forms().len() >= 3, "the trainee's forms came back");
    let mut replayed =
        pocnet_coordinator::exercise::replay::replay(scenario.clone(), &Journal::open(&path).unwrap().read().unwrap())
            .unwrap();
    replayed.advance_to(playback.session().now()).unwrap();
    assert_eq!(
        json_of(&scenario, scenario.seed, playback.session().log()),
        json_of(&scenario, scenario.seed, replayed.log())
    );
    assert!(played.len() > 1000);
}

/// An exercise of quickstart in the journal at `path`: FR played by a
/// trainee who, at each of the `hours` after the epoch, takes every waiting
/// step with complete forms. Returns the scenario, where it stopped and its log.
fn played_quickstart(path: &std::path::Path, hours: &[i64]) -> (Scenario, (SimTime, String)) {
    use pocnet_coordinator::exercise::journal::Journal;
    use pocnet_coordinator::exercise::live::{Live, Who};
    let scenario = crate::support::load("quickstart.toml");
    let text = crate::support::library_text("quickstart.toml");
    let fr = CountryCode::from("FR");
    let journal = Journal::open(path).unwrap();
    let mut live =
        Live::open(journal, scenario.clone(), "quickstart.toml", &text, scenario.seed, &people(&["FR"]), None).unwrap();
    let clock = |live: &mut Live, action: serde_json::Value| {
        live.execute(0, &Who::Director, order(json!({"command": "clock", "action": action}))).unwrap()
    };
    for hour in hours {
        let target = SimTime(hour * pocnet_node::time::HOUR_MS);
        while live.clock().now(0) < target {
            clock(&mut live, json!({"action": "skip", "to": scenario.instant_text(target)}));
        }
        clock(&mut live, json!({"action": "resume"}));
        let waiting: Vec<_> = live
            .session()
            .tasks()
            .iter()
            .filter(|t| t.state == TaskState::Waiting && t.kind != StepKind::RenewHold)
            .cloned()
            .collect();
        for task in waiting {
            let fields = complete_form(&scenario, &task, "mla");
            live.execute(
                0,
                &Who::Seat(fr),
                desk(&fr, json!({"kind": task.kind.name(), "task": task.id, "fields": fields})),
            )
            .unwrap();
        }
        clock(&mut live, json!({"action": "pause"}));
    }
    let log = json_of(&scenario, scenario.seed, live.session().log());
    (scenario, (live.session().now(), log))
}

/// Fair scoring: a trainee who acts within a second of each step reaching
/// the desk is timed from then, not from the inject (a request may take an
/// hour to arrive), and rated P; a director's skip past an open limit is the
/// director's, not the trainee's failure.
#[test]
fn expectations_run_from_when_the_desk_could_act_and_a_skip_is_not_a_failure() {
    use pocnet_coordinator::exercise::rating::Rating;
    use pocnet_coordinator::exercise::score::{Timeliness, score};
    let prompt = scripted_trainees(1_000);
    let scores = score(&prompt);
    let met: Vec<_> = scores.expectations.iter().filter(|e| e.after_ms.is_some()).collect();
    assert!(met.len() >= 3, "{:#?}", scores.expectations);
    for e in &met {
        assert!(e.after_ms.unwrap() <= 1_000, "timed from the step reaching the desk: {e:#?}");
        assert_eq!(e.rating, Some(Rating::P), "{e:#?}");
        assert!(e.why.starts_with("Done ") && e.why.contains("after the desk could act, within the goal"), "{}", e.why);
    }
    assert!(
        met.iter().any(|e| e.could_act_ms.unwrap() > e.created_ms),
        "some step reached its desk after the inject: {met:#?}"
    );

    // Nobody acts; the director skips a year ahead: every limit passes in the skip.
    let scenario = crate::support::load("exercises/hospital-ransomware.toml");
    let seats = scenario.exercise.as_ref().unwrap().seats.iter().cloned().collect();
    let mut session = Session::new(scenario.clone(), scenario.seed, &seats).unwrap();
    let start = scenario.exercise.as_ref().unwrap().start;
    session.advance_to(start).unwrap();
    let skip = order(json!({"command": "clock", "action": {"action": "skip", "to": "2027-12-01T00:00:00Z"}}));
    while session.now() < SimTime(366 * pocnet_node::time::DAY_MS) {
        let now = session.now();
        session.apply(&skip, now).unwrap();
    }
    let scores = score(&session);
    let rated: Vec<_> = scores.expectations.iter().filter(|e| e.timeliness != Timeliness::NotPlayed).collect();
    assert!(!rated.is_empty());
    for e in rated {
        assert!(
            matches!(e.timeliness, Timeliness::SkippedByDirector | Timeliness::NotApplicable),
            "the director's skip, not a trainee's miss: {e:#?}"
        );
        assert_eq!(e.rating, None);
    }
}

/// The director's plan in wall time: the hospital flow at its own paces
/// overruns a 3.5-hour session, says so, and `--fit` proposes paces that
/// play it in time; a skip into a phase runs on at that phase's pace.
#[test]
fn the_timeline_plans_the_session_in_wall_time() {
    use pocnet_coordinator::exercise::live::Who;
    let file = "scenarios/exercises/hospital-ransomware.toml";
    // As shipped, its planned skips over the quiet weeks make it fit the
    // session; each is listed where the director takes it.
    let output = crate::support::pocnet(&["exercise", "timeline", file, "--session", "3h30m"]);
    let text = crate::support::text(&output.stdout);
    assert!(output.status.success() && text.contains("it fits the 3h 30m session"), "{text}");
    assert!(text.contains("with the 4 planned skips") && text.contains("(planned skip)"), "{text}");
    assert!(text.lines().any(|l| l.starts_with("T+3d ") && l.contains("skip to T+19d 12h")), "{text}");
    // Without them, the same paces run over, and the plan says so.
    let source = crate::support::library_text("exercises/hospital-ransomware.toml");
    let (before, after) = source.split_once("skips = [").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let unskipped = dir.path().join("unskipped.toml");
    std::fs::write(&unskipped, format!("{before}{}", &after[after.find(']').unwrap() + 1..])).unwrap();
    let output = crate::support::pocnet(&["exercise", "timeline", unskipped.to_str().unwrap(), "--session", "3h30m"]);
    let text = crate::support::text(&output.stdout);
    assert!(output.status.success() && text.contains("WARNING: it runs"), "{text}");
    let output = crate::support::pocnet(&["exercise", "timeline", file, "--fit", "3h30m", "--csv"]);
    let csv = crate::support::text(&output.stdout);
    let last = csv.lines().filter_map(|l| l.split(',').nth(1)).rfind(|w| w.starts_with('+')).unwrap();
    let (hours, minutes) = last.trim_start_matches('+').split_once(':').unwrap();
    let planned = hours.parse::<i64>().unwrap() * 60 + minutes.parse::<i64>().unwrap();
    assert!((200..=210).contains(&planned), "the last timed inject at {last}, within 3h30m");

    let dir = tempfile::tempdir().unwrap();
    let (_, mut live) = hospital(&dir.path().join("j"), None);
    live.execute(0, &Who::Director, order(json!({"command": "clock", "action": {"action": "resume"}}))).unwrap();
    assert_eq!(live.clock().speed(), 10.0, "the live phase");
    // Into the weekend ("walking the chain", 60x) and past every stop on the way.
    for n in 1..=40 {
        if live.clock().now(n) >= SimTime(10 * pocnet_node::time::HOUR_MS) {
            break;
        }
        let skip = json!({"command": "clock", "action": {"action": "skip", "to": "2026-11-28T06:00:00Z"}});
        live.execute(n, &Who::Director, order(skip)).unwrap();
    }
    assert_eq!(live.clock().speed(), 60.0, "the skip landed in the weekend's phase, and runs at its pace");
    assert!(!live.clock().paused());
    // The director's MSEL in time order, each inject with its T+ and planned wall time.
    let cases = serde_json::to_value(pocnet_coordinator::exercise::views::cases(&live)).unwrap();
    let msel = cases["msel"].as_array().unwrap();
    assert_eq!((msel[0]["t_plus"].as_str(), msel[0]["wall"].as_str()), (Some("T+0"), Some("+0:00")), "{}", msel[0]);
    let due: Vec<&str> = msel.iter().filter_map(|i| i["t_plus"].as_str()).collect();
    assert!(due.len() > 5 && msel.last().unwrap()["t_plus"].is_null(), "timed first, standbys last: {due:?}");
    let state =
        serde_json::to_value(pocnet_coordinator::exercise::views::state(&live, &Who::Director, 50, "")).unwrap();
    assert_eq!(state["phase"], "walking the chain");
    // The console offers the plan's next skip.
    assert_eq!(state["planned_skip"]["to_t_plus"], "T+19d 12h", "{state}");
}

/// The request travels with its content: the Dutch seat reads the German
/// seat's request as sent, sends it back because its time has no UTC offset,
/// the German seat reads why and answers with the offset, and the Dutch seat,
/// reading the clarified request, orders its carrier to preserve.
#[test]
fn the_requested_seat_works_from_the_request_and_sends_it_back_for_clarification() {
    use pocnet_coordinator::exercise::live::{Live, Who};
    use pocnet_coordinator::exercise::views;
    let dir = tempfile::tempdir().unwrap();
    let (scenario, mut live) = hospital(&dir.path().join("j"), None);
    let (de, nl) = (CountryCode::from("DE"), CountryCode::from("NL"));
    let director = |live: &mut Live, action: serde_json::Value| {
        live.execute(0, &Who::Director, order(json!({"command": "clock", "action": action}))).unwrap();
    };
    director(&mut live, json!({"action": "resume"}));
    // The clock stands still in wall time (wall 0): the director's skips move it.
    let waiting = |live: &Live, country: &CountryCode, kind: StepKind| {
        live.session()
            .tasks()
            .iter()
            .find(|t| &t.country == country && t.kind == kind && t.state == TaskState::Waiting)
            .cloned()
    };
    let until = |live: &mut Live, country: &CountryCode, kind: StepKind| {
        for _ in 0..60 {
            if let Some(task) = waiting(live, country, kind) {
                return task;
            }
            director(live, json!({"action": "skip", "to": "2026-12-31T00:00:00Z"}));
        }
        panic!("no {kind:?} task for {country}");
    };
    let inbox = |live: &Live, country: &CountryCode| serde_json::to_value(views::inbox(live, country)).unwrap();
    let letter_of = |inbox: &serde_json::Value, id: u64| {
        let task = inbox["tasks"].as_array().unwrap().iter().find(|t| t["id"].as_u64() == Some(id)).unwrap().clone();
        task["letter"].clone()
    };
    let step = |live: &mut Live, country: &CountryCode, action: serde_json::Value| {
        live.execute(0, &Who::Seat(*country), desk(country, action)).unwrap();
    };

    let request = loop {
        let task = until(&mut live, &de, StepKind::SendRequest);
        if task.step.case().0.as_str() == "c2-admin" {
            break task;
        }
        // Other requests go as the bot would send them.
        let fields = complete_form(&scenario, &task, "mla");
        step(&mut live, &de, json!({"kind": "send_request", "task": task.id, "fields": fields}));
    };
    let fields = json!({"ip": "203.0.113.7", "port": 51234, "timestamp": "2026-11-27T21:58:40", "reference": "BKA-7",
                        "authority": "BKA 24/7", "offence": "illegal access", "facts": "hospital ransomware"});
    step(&mut live, &de, json!({"kind": "send_request", "task": request.id, "fields": fields}));

    let acknowledge = until(&mut live, &nl, StepKind::Acknowledge);
    let letter = letter_of(&inbox(&live, &nl), acknowledge.id);
    let shown = letter.to_string();
    assert_eq!(letter["by_person"], true, "{letter}");
    for sent in ["BKA-7", "203.0.113.7", "51234", "2026-11-27T21:58:40", "hospital ransomware"] {
        assert!(shown.contains(sent), "NL reads `{sent}` in the request: {letter}");
    }
    let forms: Vec<String> =
        inbox(&live, &nl)["tasks"][0]["forms"].as_array().unwrap().iter().map(|f| f["kind"].to_string()).collect();
    assert!(forms.iter().any(|f| f.contains("ask_clarification")), "NL may send it back: {forms:?}");
    let what = "the time 21:58:40 has no UTC offset: which zone?";
    step(
        &mut live,
        &nl,
        json!({"kind": "ask_clarification", "task": acknowledge.id, "fields": {"reference": "THTC-1", "what": what}}),
    );

    let clarify = until(&mut live, &de, StepKind::Clarify);
    let letter = letter_of(&inbox(&live, &de), clarify.id);
    assert!(letter.to_string().contains(what), "DE reads NL's words: {letter}");
    step(
        &mut live,
        &de,
        json!({"kind": "clarify", "task": clarify.id, "fields": {"reference": "BKA-7",
         "timestamp": "2026-11-27T21:58:40+01:00", "answer": "CET, UTC+01:00"}}),
    );

    let order_task = until(&mut live, &nl, StepKind::OrderPreservation);
    assert_eq!(order_task.step.case().0.as_str(), "c2-admin");
    let letter = letter_of(&inbox(&live, &nl), order_task.id).to_string();
    assert!(letter.contains("2026-11-27T21:58:40+01:00") && letter.contains("clarified"), "{letter}");
    step(
        &mut live,
        &nl,
        json!({"kind": "order_preservation", "task": order_task.id,
         "fields": {"reference": "BKA-7", "carrier": "c2-nl", "data": "logs of 203.0.113.7:51234"}}),
    );
    director(&mut live, json!({"action": "skip", "to": "2026-11-28T12:00:00Z"}));
    let log = live.session().log();
    let asked = log.iter().any(|e| e.country == nl && matches!(e.kind, EventKind::ClarificationAsked { .. }));
    let ordered = log.iter().any(|e| {
        e.country == nl && e.incident.as_str() == "c2-admin" && matches!(e.kind, EventKind::PreservationOrdered { .. })
    });
    assert!(asked && ordered, "NL asked, then ordered the carrier");

    // A note between desks reaches the desk it is written to, and stays in
    // the writer's log marked with its recipient; one to a desk a bot plays
    // (nobody would read it) is refused, naming the field.
    step(&mut live, &de, json!({"kind": "note", "text": "Thanks: CET it was.", "to": "NL"}));
    let letters = inbox(&live, &nl)["letters"].to_string();
    assert!(letters.contains("Note from DE") && letters.contains("CET it was"), "{letters}");
    let own = inbox(&live, &de)["notes"].to_string();
    assert!(own.contains("\"to\":\"NL\""), "{own}");
    let refused =
        live.execute(0, &Who::Seat(de), desk(&de, json!({"kind": "note", "text": "hello", "to": "US"}))).unwrap_err();
    assert_eq!(refused.field, "to", "{refused:?}");
    assert!(refused.message.contains("no desk a person plays"), "{refused:?}");
}

/// A dead end is closed, not left "under way": the German seat stops
/// pursuing the VPN trace, saying why; its steps on it close, and the
/// report says so.
#[test]
fn a_case_not_pursued_is_closed_with_its_reason() {
    use pocnet_coordinator::exercise::live::Who;
    let dir = tempfile::tempdir().unwrap();
    let (_, mut live) = hospital(&dir.path().join("j"), None);
    let de = CountryCode::from("DE");
    let because = "the Panamanian VPN keeps no logs";
    let close = desk(&de, json!({"kind": "not_pursued", "incident": "c2-vpn", "text": because}));
    let paused = live.execute(0, &Who::Seat(de), close.clone()).unwrap_err();
    assert_eq!(paused.status, 409, "a desk step, so not while paused");
    live.execute(0, &Who::Director, order(json!({"command": "clock", "action": {"action": "resume"}}))).unwrap();
    let skip = json!({"command": "clock", "action": {"action": "skip", "to": "2026-11-28T12:00:00Z"}});
    while !live.session().tasks().iter().any(|t| t.country == de && t.step.case().0.as_str() == "c2-vpn") {
        live.execute(0, &Who::Director, order(skip.clone())).unwrap();
    }
    let unknown = desk(&de, json!({"kind": "not_pursued", "incident": "nope", "text": "x"}));
    assert_eq!(live.execute(0, &Who::Seat(de), unknown).unwrap_err().field, "incident");
    live.execute(0, &Who::Seat(de), close).unwrap();
    let open = live
        .session()
        .tasks()
        .iter()
        .filter(|t| t.country == de && t.step.case().0.as_str() == "c2-vpn" && t.state == TaskState::Waiting);
    assert_eq!(open.count(), 0, "its steps closed");
    let aar = live.report().unwrap();
    let vpn = aar.outcomes.iter().find(|o| o.incident == "c2-vpn").unwrap();
    assert!(
        vpn.played.reason.starts_with("not pursued: DE stopped at") && vpn.played.reason.ends_with(because),
        "{vpn:?}"
    );
}

/// `pocnet check` catches the story's mistakes, not only its syntax: an
/// expectation whose step never reaches its desk, a goal before its step can
/// first exist (the request still on its way), one that waits on a slow
/// carrier, and an inject to a desk a bot plays. Each is added to the
/// hospital exercise, and each is warned of, naming its inject.
#[test]
fn check_warns_of_the_story_s_mistakes() {
    let text = crate::support::library_text("exercises/hospital-ransomware.toml");
    let mistakes = r#"
[[injects]]
id = "bypassed"
at = "T+1h"
to = "NL"
from = "Team lead"
channel = "phone"
text = "Keep an eye on your clarifications."
expect = [{ form = "clarify", by = "NL", goal = "1h", limit = "2h" }]

[[injects]]
id = "too-early"
at = "T+0m"
to = "NL"
from = "Team lead"
channel = "phone"
text = "Acknowledge Germany's request at once."
expect = [{ form = "acknowledge", by = "NL", goal = "2m", limit = "4h" }]

[[injects]]
id = "slow-carrier"
at = "T+0m"
to = "NL"
from = "Team lead"
channel = "phone"
text = "Pass the host's answer to Germany."
expect = [{ form = "disclose", by = "NL", goal = "30m", limit = "3d" }]

[[injects]]
id = "to-a-bot"
at = "T+1h"
to = "US"
from = "Platform"
channel = "e-mail"
text = "We received your request."

[[injects]]
id = "old-news"
at = "T+2h"
to = "NL"
from = "Team lead"
channel = "phone"
text = "Germany's request has just come in: acknowledge it."
expect = [{ form = "acknowledge", by = "NL", goal = "1h", limit = "4h" }]
"#;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("story.toml");
    std::fs::write(&file, format!("{text}\n{mistakes}")).unwrap();
    let output = crate::support::pocnet(&["check", file.to_str().unwrap()]);
    let said = crate::support::text(&output.stdout);
    assert!(output.status.success(), "warnings, not errors: {}", crate::support::text(&output.stderr));
    let warned = |id: &str, what: &str| {
        said.lines().any(|l| l.contains("warning:") && l.contains(&format!("`{id}`")) && l.contains(what))
    };
    assert!(warned("bypassed", "never reached the desk"), "{said}");
    assert!(warned("too-early", "past its goal of 2m"), "{said}");
    assert!(warned("slow-carrier", "past its goal of 30m"), "{said}");
    assert!(warned("to-a-bot", "whose desk a bot plays"), "{said}");
    assert!(warned("old-news", "after the step it announces"), "{said}");
    // Each warning says where: the file, the line and the column of the inject or expectation.
    let line_of = |needle: &str| {
        let story = std::fs::read_to_string(&file).unwrap();
        story.lines().position(|l| l.contains(needle)).unwrap() + 1
    };
    let place = format!("story.toml:{}:", line_of("id = \"old-news\""));
    assert!(said.lines().any(|l| l.contains("`old-news`") && l.contains(&place)), "{place} in {said}");
    let place = format!("story.toml:{}:", line_of("expect = [{ form = \"clarify\""));
    assert!(said.lines().any(|l| l.contains("`bypassed`") && l.contains(&place)), "{place} in {said}");
    // One rehearsal: when each step can first be taken, and how a desk taking 20 minutes fares.
    let output = crate::support::pocnet(&["exercise", "rehearse", file.to_str().unwrap(), "--delay", "20m"]);
    let table = crate::support::text(&output.stdout);
    assert!(output.status.success() && table.contains("take each step 20m after it reaches the desk"), "{table}");
    assert!(table.lines().any(|l| l.contains("bypassed") && l.contains("never reached the desk")), "{table}");
    // Over replications, prompt and typical trainees: how often each expectation is met.
    let output = crate::support::pocnet(&["exercise", "rehearse", file.to_str().unwrap(), "--replications", "5"]);
    let table = crate::support::text(&output.stdout);
    assert!(output.status.success() && table.contains("over 5 replications"), "{table}");
    let row = |id: &str| table.lines().find(|l| l.contains(id)).unwrap_or_else(|| panic!("{id} in {table}")).to_owned();
    assert!(row("bypassed").contains("never") && row("bypassed").contains("0% /   0%"), "{table}");
    assert!(row("victim-report").contains("100% / 100%"), "the prompt trainee meets it: {table}");
    assert!(row("too-early").contains("0% / 100%"), "by the limit, never by the goal: {table}");
    // The hospital exercise as shipped has none of them.
    let output = crate::support::pocnet(&["check", "scenarios/exercises/hospital-ransomware.toml"]);
    assert!(!crate::support::text(&output.stdout).contains("warning:"), "{}", crate::support::text(&output.stdout));
}

/// A hold's renewal is put to the person a week before the hold lapses, not
/// on the first night; and once they ask for production it is no longer
/// needed, and says so.
#[test]
fn a_renewal_comes_near_the_hold_s_expiry_and_goes_once_moot() {
    use pocnet_coordinator::exercise::live::Who;
    let dir = tempfile::tempdir().unwrap();
    let (scenario, mut live) = hospital(&dir.path().join("j"), None);
    let de = CountryCode::from("DE");
    live.execute(0, &Who::Director, order(json!({"command": "clock", "action": {"action": "resume"}}))).unwrap();
    let skip = order(json!({"command": "clock", "action": {"action": "skip", "to": "2027-12-01T00:00:00Z"}}));
    // The German seat takes every step but the production requests and renewals.
    let mut production = None;
    for _ in 0..400 {
        let waiting: Vec<Task> =
            live.session().tasks().iter().filter(|t| t.state == TaskState::Waiting).cloned().collect();
        if let Some(renewal) = waiting.iter().find(|t| t.kind == StepKind::RenewHold) {
            production = waiting
                .iter()
                .find(|t| t.kind == StepKind::ProductionRequest && t.step.case() == renewal.step.case())
                .cloned()
                .map(|p| (p, renewal.clone()));
            break;
        }
        let todo: Vec<&Task> =
            waiting.iter().filter(|t| !matches!(t.kind, StepKind::ProductionRequest | StepKind::RenewHold)).collect();
        if todo.is_empty() {
            live.execute(0, &Who::Director, skip.clone()).unwrap();
            continue;
        }
        for task in todo {
            let body =
                json!({"kind": task.kind.name(), "task": task.id, "fields": complete_form(&scenario, task, "mla")});
            live.execute(0, &Who::Seat(task.country), desk(&task.country, body)).unwrap();
        }
    }
    let (request, renewal) = production.expect("a renewal and its production request, both waiting");
    assert_eq!(renewal.country, de);
    let week = 7 * pocnet_node::time::DAY_MS;
    assert!(
        renewal.since.ms() - request.since.ms() > 4 * week,
        "the renewal came a week before the hold lapses, not with the result: {request:?} {renewal:?}"
    );
    let body =
        json!({"kind": "production_request", "task": request.id, "fields": complete_form(&scenario, &request, "mla")});
    live.execute(0, &Who::Seat(de), desk(&de, body)).unwrap();
    let state = live.session().tasks()[renewal.id as usize].state;
    assert!(matches!(state, TaskState::Moot { .. }), "moot once production was asked for: {state:?}");
}

/// A person at the requested desk decides on refusal themselves: the Dutch
/// seat refuses the German request for dual criminality; the refusal
/// reaches Germany, and the report says the law did not allow it (an offence
/// under the Convention, and no reservation).
#[test]
fn a_person_refuses_a_request_and_the_report_weighs_the_ground() {
    use pocnet_coordinator::exercise::live::Who;
    let dir = tempfile::tempdir().unwrap();
    let (scenario, mut live) = hospital(&dir.path().join("j"), None);
    let (de, nl) = (CountryCode::from("DE"), CountryCode::from("NL"));
    live.execute(0, &Who::Director, order(json!({"command": "clock", "action": {"action": "resume"}}))).unwrap();
    let skip = order(json!({"command": "clock", "action": {"action": "skip", "to": "2026-12-31T00:00:00Z"}}));
    let acknowledge = loop {
        let waiting: Vec<Task> =
            live.session().tasks().iter().filter(|t| t.state == TaskState::Waiting).cloned().collect();
        if let Some(task) = waiting.iter().find(|t| t.country == nl && t.kind == StepKind::Acknowledge) {
            break task.clone();
        }
        let mine: Vec<&Task> = waiting.iter().filter(|t| t.country == de).collect();
        if mine.is_empty() {
            live.execute(0, &Who::Director, skip.clone()).unwrap();
        }
        for task in mine {
            let body =
                json!({"kind": task.kind.name(), "task": task.id, "fields": complete_form(&scenario, task, "mla")});
            live.execute(0, &Who::Seat(de), desk(&de, body)).unwrap();
        }
    };
    let bad = json!({"kind": "refuse", "task": acknowledge.id, "fields": {"ground": "treason"}});
    let read = serde_json::from_value::<pocnet_coordinator::exercise::command::DeskAction>(bad).unwrap_err();
    assert!(read.to_string().starts_with("fields.ground: `treason` is no ground of refusal"), "{read}");
    let refusal = json!({"kind": "refuse", "task": acknowledge.id,
        "fields": {"reference": "THTC-2", "ground": "29(4)", "reason": "not an offence here"}});
    live.execute(0, &Who::Seat(nl), desk(&nl, refusal)).unwrap();
    live.execute(0, &Who::Director, skip).unwrap();
    let log = live.session().log();
    let incident = *acknowledge.step.case().0;
    let refused =
        log.iter().any(|e| e.country == nl && e.incident == incident && matches!(e.kind, EventKind::Refused { .. }));
    assert!(refused, "NL refused under Art. 29(4)");
    let aar = live.report().unwrap();
    assert!(
        aar.channel_findings.iter().any(|f| f.country == "NL" && f.finding.starts_with("refused for dual criminality")),
        "{:#?}",
        aar.channel_findings
    );
}
