//! A played exercise is never lost: played with the clock running, from
//! two seats, killed at any moment, its journal gives back the same session
//! three ways (report, replay, resume); a damaged journal is read up to its
//! damage and never written to.

use crate::exercise::{complete_form, desk, http, order, serve};
use pocnet_coordinator::exercise::cli;
use pocnet_coordinator::exercise::journal::Journal;
use pocnet_coordinator::exercise::live::{Live, Who};
use pocnet_coordinator::exercise::session::TaskState;
use pocnet_coordinator::scenario::Scenario;
use pocnet_node::{CountryCode, SimTime};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};
use std::path::Path;
use std::time::{Duration, Instant};

const HOSPITAL: &str = "scenarios/exercises/hospital-ransomware.toml";

/// The first waiting task in `country`'s inbox that `pick` accepts,
/// waiting in wall time while the clock runs (at most `limit`).
fn wait_for_task(address: &str, token: &str, country: &str, limit: Duration, pick: impl Fn(&Value) -> bool) -> Value {
    let started = Instant::now();
    loop {
        let (status, inbox) = http(address, "GET", &format!("/api/seats/{country}/inbox"), Some(token), None);
        assert_eq!(status, 200, "{inbox}");
        let found = inbox["tasks"].as_array().unwrap().iter().find(|t| t["state"]["state"] == "waiting" && pick(t));
        if let Some(task) = found {
            return task.clone();
        }
        assert!(started.elapsed() < limit, "no task for {country} within {limit:?} of wall time: {inbox}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// `pocnet exercise report JOURNAL --html OUT`: the page, and whether it exited 0.
fn report_html(journal: &Path, out: &Path) -> (String, bool, String) {
    let output =
        crate::support::pocnet(&["exercise", "report", journal.to_str().unwrap(), "--html", out.to_str().unwrap()]);
    let page = std::fs::read_to_string(out).unwrap_or_default();
    (page, output.status.success(), crate::support::text(&output.stderr))
}

fn get_text(address: &str, path: &str, token: &str) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).unwrap();
    let answer = String::from_utf8(answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{}", &answer[..answer.len().min(300)]);
    let (head, body) = answer.split_once("\r\n\r\n").unwrap();
    if !head.to_ascii_lowercase().contains("transfer-encoding: chunked") {
        return body.to_owned();
    }
    // De-chunk: size line, data, repeat until a zero size.
    let mut rest = body;
    let mut out = String::new();
    while let Some((size, after)) = rest.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap();
        if size == 0 {
            break;
        }
        out.push_str(&after[..size]);
        rest = &after[size + 2..];
    }
    out
}

/// The issue's reproduction: the trainer resumes the clock at a fast pace,
/// the German seat waits in wall time for its first task and works it while
/// the clock runs, the Dutch seat answers, a note and a speed change come in
/// between; then the server is killed. Report, replay and resume all open the
/// journal and give the after-action report the live server gave.
#[test]
fn a_session_played_with_the_clock_running_comes_back_three_ways() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("played.journal");
    let served = serve(HOSPITAL, &journal, &["--speed", "600"], 2);
    let (address, director) = (served.address.clone(), served.director.clone());
    let (de, nl) = (served.seats["DE"].clone(), served.seats["NL"].clone());
    let post = |path: &str, token: &str, body: Value| {
        let (status, answer) = http(&address, "POST", path, Some(token), Some(&body.to_string()));
        assert_eq!(status, 200, "{path} {body}: {answer}");
        answer
    };
    post("/api/clock", &director, json!({"action": "resume"}));
    let limit = Duration::from_secs(60);
    let first = wait_for_task(&address, &de, "DE", limit, |t| t["kind"] == "send_request");
    let id = first["id"].as_u64().unwrap();
    // Opened and worked while the clock runs, between a note and a speed change.
    post("/api/seats/DE/actions", &de, json!({"kind": "read", "task": id}));
    post("/api/seats/NL/actions", &nl, json!({"kind": "note", "text": "standing by for Germany's request"}));
    post("/api/clock", &director, json!({"action": "speed", "speed": 300}));
    let scenario = crate::support::load("exercises/hospital-ransomware.toml");
    let incident = first["case"].as_str().unwrap_or("c2-admin");
    let fields = complete_request(&scenario, incident);
    let sent = post("/api/seats/DE/actions", &de, json!({"kind": "send_request", "task": id, "fields": fields}));
    assert!(sent["paused"] == false && sent["at"].as_str().is_some(), "taken with the clock running: {sent}");
    post("/api/seats/DE/actions", &de, json!({"kind": "note", "text": "request to NL sent"}));
    // The Dutch desk acknowledges it when it arrives, the clock still running.
    let ack = wait_for_task(&address, &nl, "NL", limit, |t| t["kind"] == "acknowledge");
    post("/api/seats/NL/actions", &nl, json!({"kind": "read", "task": ack["id"]}));
    post(
        "/api/seats/NL/actions",
        &nl,
        json!({"kind": "acknowledge", "task": ack["id"], "fields": {"reference": "NL-1"}}),
    );
    post("/api/clock", &director, json!({"action": "pause"}));
    let live_report = get_text(&address, "/report", &director);
    let (_, live_inbox) = http(&address, "GET", "/api/seats/DE/inbox", Some(&de), None);
    drop(served); // kill -9

    // 1. report
    let (reported, ok, stderr) = report_html(&journal, &dir.path().join("aar.html"));
    assert!(ok, "{stderr}");
    if let Some(diff) = crate::support::first_difference(&live_report, &reported) {
        panic!("the live report (-) and the journal's (+) differ:\n{diff}");
    }
    // 2. replay, twice: the same bytes, the forms in them.
    let replay = |out: &Path| {
        let output =
            crate::support::pocnet(&["exercise", "replay", journal.to_str().unwrap(), "--json", out.to_str().unwrap()]);
        assert!(output.status.success(), "{}", crate::support::text(&output.stderr));
        std::fs::read_to_string(out).unwrap()
    };
    let debrief = replay(&dir.path().join("a.json"));
    assert_eq!(debrief, replay(&dir.path().join("b.json")));
    let debrief: Value = serde_json::from_str(&debrief).unwrap();
    assert_eq!(debrief["forms"].as_array().unwrap().len(), 2, "DE's request and NL's acknowledgement");
    assert_eq!(debrief["notes"].as_array().unwrap().len(), 2);
    // 3. resume: the same inbox, the same report.
    let served = serve(HOSPITAL, &journal, &[], 2);
    let (_, resumed_inbox) = http(&served.address, "GET", "/api/seats/DE/inbox", Some(&de), None);
    assert_eq!(resumed_inbox["tasks"], live_inbox["tasks"]);
    let resumed_report = get_text(&served.address, "/report", &director);
    if let Some(diff) = crate::support::first_difference(&live_report, &resumed_report) {
        panic!("the live report (-) and the resumed one (+) differ:\n{diff}");
    }
}

/// A complete, exact Art. 29 request for the incident.
fn complete_request(scenario: &Scenario, incident: &str) -> Value {
    let incident = scenario.incidents.iter().find(|i| i.id == incident).unwrap_or(&scenario.incidents[0]);
    let at = scenario.instant(incident.communication_at.ms()).unwrap();
    json!({ "ip": "203.0.113.7", "port": 51234, "timestamp": at.to_string(), "reference": "DE-1",
            "authority": "BKA", "offence": "extortion", "facts": "ransomware", "provider": "host", "mla_intended": true })
}

/// Random commands at random wall instants on a fast paced clock, from the
/// director and two seats: the journal replayed gives the live session's
/// log and after-action report exactly.
#[test]
fn random_play_on_a_running_clock_replays_exactly() {
    let text = crate::support::library_text("exercises/hospital-ransomware.toml");
    let scenario = Scenario::parse(HOSPITAL, &text).unwrap();
    let seats: std::collections::BTreeSet<CountryCode> =
        scenario.exercise.as_ref().unwrap().seats.iter().cloned().collect();
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let mut cases = 0;
    // A few hundred cases, but never more than a minute and a half of the suite.
    while cases < 300 && started.elapsed() < Duration::from_secs(90) {
        let mut rng = ChaCha8Rng::seed_from_u64(cases);
        let path = dir.path().join(format!("case-{cases}.journal"));
        let journal = Journal::open(&path).unwrap();
        let mut live =
            Live::open(journal, scenario.clone(), HOSPITAL, &text, scenario.seed, &seats, Some(600.0)).unwrap();
        play_randomly(&mut live, &scenario, &mut rng);
        let live_aar = live.report().unwrap().to_json();
        let live_log = crate::exercise::json_of(&scenario, scenario.seed, live.session().log());
        drop(live);
        let journal = Journal::open_read_only(&path).unwrap();
        let (aar, damage) = cli::report(&journal).unwrap();
        assert!(damage.is_none());
        let saved = journal.read().unwrap();
        let replayed = pocnet_coordinator::exercise::replay::replay(scenario.clone(), &saved).unwrap();
        let replayed_log = crate::exercise::json_of(&scenario, scenario.seed, replayed.log());
        if let Some(diff) = crate::support::first_difference(&live_log, &replayed_log) {
            panic!("case {cases}: the live log (-) and the replayed one (+) differ:\n{diff}");
        }
        if let Some(diff) = crate::support::first_difference(&live_aar, &aar.to_json()) {
            panic!("case {cases}: the live report (-) and the replayed one (+) differ:\n{diff}");
        }
        cases += 1;
    }
    assert!(cases >= 50, "only {cases} cases in the time allowed");
    eprintln!("{cases} random sessions replayed exactly");
}

/// Up to 40 commands at random wall instants: the clock resumed, paused,
/// sped up and skipped; seats reading, noting and working their tasks with
/// forms complete or not; the director handing a desk over and back.
fn play_randomly(live: &mut Live, scenario: &Scenario, rng: &mut ChaCha8Rng) {
    let director = Who::Director;
    let mut wall: i64 = 1_000_000;
    let clock = |live: &mut Live, wall: i64, action: Value| {
        let _ = live.execute(wall, &director, order(json!({"command": "clock", "action": action})));
    };
    clock(live, wall, json!({"action": "resume"}));
    for _ in 0..rng.random_range(5..40) {
        wall += rng.random_range(0..4_000);
        if rng.random_bool(0.5) {
            live.tick(wall).unwrap();
        }
        match rng.random_range(0..10) {
            0 => clock(live, wall, json!({"action": "pause"})),
            1 => clock(live, wall, json!({"action": "resume"})),
            2 => {
                let speed = [60, 300, 600, 3600][rng.random_range(0..4)];
                clock(live, wall, json!({"action": "speed", "speed": speed}));
            }
            3 => {
                let to = live.clock().now(wall).plus_ms(rng.random_range(0..3 * pocnet_node::time::DAY_MS));
                clock(live, wall, json!({"action": "skip", "to": scenario.instant_text(to)}));
            }
            4 => {
                let country = ["DE", "NL"][rng.random_range(0..2)];
                let to = if live.session().is_person(&CountryCode::from(country)) { "bot" } else { "person" };
                let command = order(json!({"command": "hand_over", "country": country, "to": to}));
                let _ = live.execute(wall, &director, command);
            }
            5 => {
                let country = CountryCode::from(["DE", "NL"][rng.random_range(0..2)]);
                let note = desk(&country, json!({"kind": "note", "text": format!("at wall {wall}")}));
                let _ = live.execute(wall, &Who::Seat(country), note);
            }
            _ => {
                live.tick(wall).unwrap();
                let waiting: Vec<_> =
                    live.session().tasks().iter().filter(|t| t.state == TaskState::Waiting).cloned().collect();
                if waiting.is_empty() {
                    continue;
                }
                let task = waiting[rng.random_range(0..waiting.len())].clone();
                let who = Who::Seat(task.country);
                let _ = live.execute(wall, &who, desk(&task.country, json!({"kind": "read", "task": task.id})));
                let fields = if rng.random_bool(0.7) { complete_form(scenario, &task, "mla") } else { json!({}) };
                let step = json!({"kind": task.kind.name(), "task": task.id, "fields": fields});
                let _ = live.execute(wall, &who, desk(&task.country, step));
            }
        }
    }
    clock(live, wall, json!({"action": "pause"}));
    // The journal's clock mark is where a resumed session stands: the live
    // one stands there too once paused.
    live.tick(wall + 1).unwrap();
    let _ = SimTime::ZERO;
}

/// A burst of commands from two seats and the director, the server killed
/// (SIGKILL) at a random moment in it: every command that was answered 2xx
/// is in the journal, and the resumed server's report is the journal's.
#[test]
fn every_acknowledged_command_survives_kill_9_mid_burst() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(19);
    for round in 0..3 {
        let journal = dir.path().join(format!("burst-{round}.journal"));
        let served = serve(HOSPITAL, &journal, &["--speed", "600"], 2);
        let (address, director) = (served.address.clone(), served.director.clone());
        let tokens = [("DE", served.seats["DE"].clone()), ("NL", served.seats["NL"].clone())];
        http(&address, "POST", "/api/clock", Some(&director), Some(r#"{"action":"resume"}"#));
        let kill_after = Duration::from_millis(rng.random_range(100..1_500));
        let started = Instant::now();
        let mut served = Some(served);
        let mut acknowledged = Vec::new();
        for n in 0..400 {
            if started.elapsed() >= kill_after {
                drop(served.take()); // kill -9, mid-burst
                break;
            }
            let (country, token) = &tokens[n % 2];
            let text = format!("round {round} note {n}");
            let body = json!({"kind": "note", "text": text}).to_string();
            let answer = std::panic::catch_unwind(|| {
                http(&address, "POST", &format!("/api/seats/{country}/actions"), Some(token), Some(&body))
            });
            if let Ok((200, _)) = answer {
                acknowledged.push(text);
            }
            if n % 7 == 3 {
                let pace = [60, 600][n % 2];
                let speed = json!({"action": "speed", "speed": pace}).to_string();
                http(&address, "POST", "/api/clock", Some(&director), Some(&speed));
            }
        }
        drop(served);
        assert!(!acknowledged.is_empty(), "round {round}: some commands were taken before the kill");
        let out = dir.path().join(format!("burst-{round}.json"));
        let output =
            crate::support::pocnet(&["exercise", "replay", journal.to_str().unwrap(), "--json", out.to_str().unwrap()]);
        assert!(output.status.success(), "{}", crate::support::text(&output.stderr));
        let debrief: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
        let kept: Vec<&str> =
            debrief["notes"].as_array().unwrap().iter().map(|n| n["text"].as_str().unwrap()).collect();
        for text in &acknowledged {
            assert!(kept.contains(&text.as_str()), "round {round}: `{text}` was acknowledged, then lost");
        }
        let resumed = serve(HOSPITAL, &journal, &[], 2);
        let live = get_text(&resumed.address, "/report", &director);
        let (reported, ok, stderr) = report_html(&journal, &dir.path().join(format!("burst-{round}.html")));
        assert!(ok, "{stderr}");
        assert!(crate::support::first_difference(&live, &reported).is_none(), "round {round}: resumed != report");
    }
}

/// A journal cut short, and one with a corrupted entry: report and replay
/// give what came before, name the entry and fail; the server will not
/// resume on it; the file is the same bytes afterwards.
#[test]
fn a_damaged_journal_is_read_up_to_the_damage_and_never_written() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("good.journal");
    played_with_many_notes(&path);

    // One entry's command overwritten with something that is no command.
    let corrupted = dir.path().join("corrupted.journal");
    std::fs::copy(&path, &corrupted).unwrap();
    {
        let connection = rusqlite::Connection::open(&corrupted).unwrap();
        connection.execute("UPDATE commands SET command = '{\"command\": \"fly\"}' WHERE id = 5", []).unwrap();
        connection.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);").unwrap();
    }
    // The file cut to two thirds of its length: its last pages are gone.
    let truncated = dir.path().join("truncated.journal");
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&truncated, &bytes[..bytes.len() * 2 / 3]).unwrap();

    for (journal, entry) in [(&corrupted, Some(5)), (&truncated, None)] {
        let before = std::fs::read(journal).unwrap();
        let (page, ok, stderr) = report_html(journal, &dir.path().join("damaged.html"));
        assert!(!ok, "a damaged journal's report exits non-zero");
        assert!(stderr.contains("cannot be read"), "{stderr}");
        if let Some(entry) = entry {
            assert!(stderr.contains(&format!("entry {entry} cannot be read")), "{stderr}");
            assert!(page.contains("After-action report"), "what came before is reported");
        }
        let output = crate::support::pocnet(&["exercise", "replay", journal.to_str().unwrap()]);
        assert!(!output.status.success());
        assert!(crate::support::text(&output.stderr).contains("cannot be read"));
        let resumed = resume(journal, &[]);
        assert!(!resumed.status.success(), "the server refuses to resume on it");
        assert!(crate::support::text(&resumed.stderr).contains("does not resume on a damaged journal"));
        assert_eq!(std::fs::read(journal).unwrap(), before, "{} unchanged", journal.display());
    }
}

/// `pocnet exercise` on an existing journal, with `extra` flags: what a
/// trainer runs to resume.
fn resume(journal: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["exercise", HOSPITAL, "--listen", "127.0.0.1:0", "--journal", journal.to_str().unwrap()];
    args.extend_from_slice(extra);
    crate::support::pocnet(&args)
}

/// An exercise with enough notes (long ones) to fill several database pages.
fn played_with_many_notes(path: &Path) {
    let text = crate::support::library_text("exercises/hospital-ransomware.toml");
    let scenario = Scenario::parse(HOSPITAL, &text).unwrap();
    let seats = scenario.exercise.as_ref().unwrap().seats.iter().cloned().collect();
    let mut live =
        Live::open(Journal::open(path).unwrap(), scenario.clone(), HOSPITAL, &text, scenario.seed, &seats, None)
            .unwrap();
    let de = CountryCode::from("DE");
    live.execute(0, &Who::Director, order(json!({"command": "clock", "action": {"action": "resume"}}))).unwrap();
    for n in 0..60 {
        let note = desk(&de, json!({"kind": "note", "text": format!("{n}: {}", "x".repeat(1_000))}));
        live.execute(n * 1_000, &Who::Seat(de), note).unwrap();
    }
    live.execute(60_000, &Who::Director, order(json!({"command": "clock", "action": {"action": "pause"}}))).unwrap();
}

/// A journal of an earlier pocnet, or a file that is no journal: refused
/// for play and for reading alike, saying which, and left as it was.
#[test]
fn an_old_or_foreign_journal_is_refused_saying_which() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old.journal");
    {
        let connection = rusqlite::Connection::open(&old).unwrap();
        connection
            .execute_batch(
                "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                 INSERT INTO meta VALUES ('format', 'pocnet-exercise-journal/1');
                 CREATE TABLE actions (id INTEGER PRIMARY KEY, body TEXT);",
            )
            .unwrap();
    }
    let foreign = dir.path().join("contacts.db");
    rusqlite::Connection::open(&foreign).unwrap().execute_batch("CREATE TABLE people (name TEXT);").unwrap();
    let text = dir.path().join("notes.journal");
    std::fs::write(&text, "not a database at all, just some text that is long enough to have a header").unwrap();
    for (path, says) in [
        (&old, "written by an earlier pocnet (pocnet-exercise-journal/1)"),
        (&foreign, "not a pocnet exercise journal (an SQLite file with tables people)"),
        (&text, "not a pocnet exercise journal"),
    ] {
        let before = std::fs::read(path).unwrap();
        for args in [
            vec!["exercise", "report", path.to_str().unwrap()],
            vec!["exercise", HOSPITAL, "--listen", "127.0.0.1:0", "--journal", path.to_str().unwrap()],
        ] {
            let output = crate::support::pocnet(&args);
            let stderr = crate::support::text(&output.stderr);
            assert!(!output.status.success() && stderr.contains(says), "{args:?}: {stderr}");
        }
        assert_eq!(std::fs::read(path).unwrap(), before, "{} left as it was", path.display());
    }
}

/// An empty file is a new journal and says so; resuming refuses a seed or
/// seats other than the exercise was begun with, instead of ignoring them;
/// a note whose text is a number is refused, not replayed as "".
#[test]
fn a_journal_says_what_it_is_and_resuming_keeps_the_exercise_it_began() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("empty.journal");
    std::fs::write(&journal, b"").unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_pocnet"))
        .current_dir(crate::support::workspace_root())
        .args(["exercise", HOSPITAL, "--listen", "127.0.0.1:0", "--journal"])
        .arg(&journal)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut child = crate::exercise::KillOnDrop(output);
    use std::io::BufRead;
    let first = std::io::BufReader::new(child.0.stdout.take().unwrap()).lines().next().unwrap().unwrap();
    assert!(first.contains("(new)"), "{first}");
    drop(child);
    for (flag, value, says) in [("--seed", "5", "was begun with seed"), ("--seats", "DE", "was begun with seats DE,NL")]
    {
        let output = resume(&journal, &[flag, value]);
        assert!(!output.status.success(), "{flag} {value} is not ignored on resume");
        assert!(crate::support::text(&output.stderr).contains(says), "{}", crate::support::text(&output.stderr));
    }
    let number =
        serde_json::from_str::<pocnet_coordinator::exercise::command::DeskAction>(r#"{"kind":"note","text":42}"#);
    assert!(number.unwrap_err().to_string().contains("invalid type"), "a number is no text");
}
