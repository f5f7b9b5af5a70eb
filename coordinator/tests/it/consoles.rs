//! The exercise consoles in headless Chromium, driven over the DevTools
//! protocol as a director and a trainee would use them. Gated like the
//! other browser tests (html.rs): they run where Chromium is found or
//! `POCNET_BROWSER_TESTS=1` asks for them. Screenshots are saved for a
//! person to look at; their paths are printed.

use crate::exercise::{http, serve};
use serde_json::{Value, json};
use std::io::BufRead;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tungstenite::stream::MaybeTlsStream;
use tungstenite::{Message, WebSocket};

/// A headless Chromium and one DevTools connection to it; killed when dropped.
struct Browser {
    child: Child,
    socket: WebSocket<MaybeTlsStream<TcpStream>>,
    next_id: u64,
    _profile: tempfile::TempDir,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Browser {
    fn launch(path: &Path) -> Browser {
        let profile = tempfile::tempdir().unwrap();
        let mut child = Command::new(path)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--remote-debugging-port=0",
                "--window-size=1280,1000",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("chromium starts");
        // Chromium says where its DevTools listen on its standard error.
        let stderr = std::io::BufReader::new(child.stderr.take().unwrap());
        let url = stderr
            .lines()
            .map_while(Result::ok)
            .find_map(|l| l.split_once("DevTools listening on ").map(|(_, url)| url.trim().to_owned()))
            .expect("chromium prints its DevTools address");
        let (socket, _) = tungstenite::connect(url.as_str()).expect("the DevTools socket opens");
        if let MaybeTlsStream::Plain(stream) = socket.get_ref() {
            stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        }
        Browser { child, socket, next_id: 0, _profile: profile }
    }

    /// One DevTools command, for the browser or a page's session.
    fn call(&mut self, session: Option<&str>, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut command = json!({ "id": id, "method": method, "params": params });
        if let Some(session) = session {
            command["sessionId"] = json!(session);
        }
        self.socket.send(Message::Text(command.to_string().into())).unwrap();
        loop {
            let message = self.socket.read().expect("a DevTools answer");
            let Message::Text(text) = message else { continue };
            let answer: Value = serde_json::from_str(text.as_str()).unwrap();
            if answer["id"].as_u64() == Some(id) {
                assert!(answer.get("error").is_none(), "{method}: {answer}");
                return answer["result"].clone();
            }
        }
    }

    /// Opens a page in a new tab; its session.
    fn open(&mut self, url: &str) -> String {
        let target = self.call(None, "Target.createTarget", json!({ "url": url }));
        let attached =
            self.call(None, "Target.attachToTarget", json!({ "targetId": target["targetId"], "flatten": true }));
        let session = attached["sessionId"].as_str().unwrap().to_owned();
        let metrics = json!({ "width": 1280, "height": 1000, "deviceScaleFactor": 1, "mobile": false });
        self.call(Some(&session), "Emulation.setDeviceMetricsOverride", metrics);
        session
    }

    fn eval(&mut self, session: &str, expression: &str) -> Value {
        let result = self.try_eval(session, expression);
        result.unwrap_or_else(|error| panic!("{expression}: {error}"))
    }

    /// The expression's value, or the exception it threw.
    fn try_eval(&mut self, session: &str, expression: &str) -> Result<Value, Value> {
        let params = json!({ "expression": expression, "awaitPromise": true, "returnByValue": true });
        let result = self.call(Some(session), "Runtime.evaluate", params);
        match result.get("exceptionDetails") {
            Some(exception) => Err(exception.clone()),
            None => Ok(result["result"]["value"].clone()),
        }
    }

    /// Waits (20 s at most) until the page makes `condition` true; a page
    /// still loading, whose elements are not there yet, is not there yet.
    fn wait_for(&mut self, session: &str, condition: &str, what: &str) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let last = self.try_eval(session, &format!("Boolean({condition})"));
            if last == Ok(json!(true)) {
                return;
            }
            assert!(Instant::now() < deadline, "the page never showed {what}: {last:?}");
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Does what `script` (an expression) does once it can: the page
    /// re-renders on every change, so an element found a moment ago may be
    /// replaced; the script returns `true` when it acted.
    fn act(&mut self, session: &str, script: &str, what: &str) {
        self.wait_for(session, &format!("(() => {{ {script} }})()"), what);
    }

    fn screenshot(&mut self, session: &str, path: &Path) {
        let shot = self.call(
            Some(session),
            "Page.captureScreenshot",
            json!({ "format": "png", "captureBeyondViewport": true }),
        );
        use base64::Engine;
        let bytes = base64::engine::general_purpose::STANDARD.decode(shot["data"].as_str().unwrap()).unwrap();
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
        std::fs::write(path, bytes).unwrap();
        eprintln!("screenshot: {}", path.display());
    }
}

fn screenshots() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("exercise-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A director and the Dutch desk's trainee on one machine: the director
/// starts the clock and skips ahead; the German bot's request reaches the
/// trainee, who acknowledges it and orders the carrier to preserve through
/// the forms; the director pauses, and both pages show it.
#[test]
fn a_director_and_a_trainee_play_in_the_browser() {
    let Some(chromium) = crate::html::chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let served = serve("scenarios/exercises/hospital-ransomware.toml", &dir.path().join("j"), &["--seats", "NL"], 1);
    let base = format!("http://{}", served.address);
    let mut browser = Browser::launch(&chromium);
    let director = browser.open(&format!("{base}/director?token={}", served.director));
    let seat = browser.open(&format!("{base}/seat/NL?token={}", served.seats["NL"]));
    browser.wait_for(
        &director,
        "document.getElementById('title').textContent.startsWith('Hospital')",
        "the exercise's name",
    );
    browser.wait_for(&seat, "document.getElementById('desk').textContent === 'NL desk'", "the desk's name");
    browser.wait_for(&seat, "document.getElementById('state').textContent === 'PAUSED'", "the exercise opening paused");
    // The plan's first skip is offered, with when it is due and where it lands.
    browser.wait_for(
        &director,
        "document.querySelector('#planned-skip [data-planned-skip]') && \
         document.getElementById('planned-skip').textContent.includes('at T+3d') && \
         document.getElementById('planned-skip').textContent.includes('to T+19d 12h')",
        "the next planned skip",
    );

    // The director starts the clock and skips ahead to Saturday noon.
    browser.act(&director, "document.getElementById('resume').click(); return true;", "the start button");
    browser.wait_for(
        &director,
        "document.getElementById('state').textContent.startsWith('running')",
        "the clock running",
    );
    // Each skip stops early when a seat receives something (a message, a
    // step): the director skips until the German bot's request reaches NL.
    let deadline = Instant::now() + Duration::from_secs(20);
    while browser.try_eval(&seat, "Boolean(document.querySelector('[data-open=acknowledge]'))") != Ok(json!(true)) {
        assert!(Instant::now() < deadline, "the request never reached the trainee");
        browser.act(
            &director,
            "document.getElementById('skip-to').value = '2026-11-28T12:00:00Z'; document.getElementById('skip').click(); \
             return true;",
            "the skip button",
        );
        browser.wait_for(
            &director,
            "document.getElementById('clock-result').textContent.includes('Stopped early')",
            "the skip stopping for the seat",
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    browser.wait_for(
        &seat,
        "document.getElementById('injects').textContent.includes('Communications check')",
        "the comcheck message",
    );

    // The request reaches the trainee: acknowledge it through its form.
    browser.wait_for(&seat, "document.querySelector('[data-open=acknowledge]')", "the request to acknowledge");
    browser.wait_for(&seat, "document.querySelector('.task.unread')", "the request arriving unread");
    let click = |kind: &str| {
        format!("const b = document.querySelector('[data-open={kind}]'); if (!b) return false; b.click(); return true;")
    };
    let fill = |kind: &str, fields: &str| {
        format!(
            "const f = document.querySelector('form.step[data-kind={kind}]'); if (!f) return false; \
             {fields} f.requestSubmit(); return true;"
        )
    };
    browser.act(&seat, &click("acknowledge"), "the acknowledge button");
    browser.act(
        &seat,
        &fill("acknowledge", "f.elements.reference.value = 'NL-THTC-2611';"),
        "the acknowledgement form",
    );
    browser.wait_for(&seat, "document.querySelector('[data-open=order_preservation]')", "the order to preserve, next");
    browser.act(&seat, &click("order_preservation"), "the order button");
    browser.act(
        &seat,
        &fill(
            "order_preservation",
            "f.elements.reference.value = 'NL-THTC-2611'; f.elements.carrier.value = 'c2-nl'; \
             f.elements.data.value = 'connection logs of 203.0.113.7, 27-28 Nov';",
        ),
        "the preservation form",
    );
    browser.wait_for(&seat, "document.querySelectorAll('.task.done').length >= 2", "both steps done");
    browser.wait_for(
        &director,
        "document.getElementById('cases').textContent.includes('c2-nl')",
        "the case on the director's console",
    );

    // The director pauses: both pages show the exercise frozen.
    browser.act(&director, "document.getElementById('pause').click(); return true;", "the pause button");
    browser.wait_for(
        &director,
        "document.getElementById('state').textContent === 'PAUSED'",
        "the pause on the director's page",
    );
    browser.wait_for(&seat, "document.body.classList.contains('paused')", "the pause on the trainee's page");
    let seat_text = browser.eval(&seat, "document.body.innerText").as_str().unwrap().to_owned();
    assert!(seat_text.contains("the director has frozen the exercise"), "{seat_text:.300}");
    assert!(!seat_text.contains("Give to a bot"), "a trainee sees no director's controls");
    let director_text = browser.eval(&director, "document.body.innerText").as_str().unwrap().to_owned();
    assert!(director_text.contains("NL Netherlands") && director_text.contains("person"), "{director_text:.400}");
    assert!(
        director_text.contains("T+2m") && director_text.contains("wall +0:00"),
        "the MSEL's times: {director_text:.2000}"
    );
    assert!(!director_text.contains("[object"), "no object leaks into the page");

    // The director opens an evaluator's link for the Dutch cell; the evaluator rates an objective.
    browser.act(
        &director,
        "const c = document.getElementById('evaluator-cell'); if (!c.options.length) return false; c.value = 'NL'; \
         document.getElementById('add-evaluator').click(); return true;",
        "the evaluator button",
    );
    browser.wait_for(&director, "document.querySelector('#evaluators a')", "the evaluator's link");
    let link = browser.eval(&director, "document.querySelector('#evaluators a').href").as_str().unwrap().to_owned();
    let evaluator = browser.open(&link);
    browser.wait_for(&evaluator, "document.getElementById('objectives').textContent.includes('O1')", "the objectives");
    browser.wait_for(&evaluator, "document.querySelectorAll('.task.done').length >= 2", "the cell's steps, read-only");
    assert_eq!(
        browser.eval(&evaluator, "document.querySelector('[data-open]') === null"),
        json!(true),
        "no forms for an evaluator"
    );
    browser.act(
        &evaluator,
        "const o = document.getElementById('objective'); if (!o.options.length) return false; o.value = 'O3'; \
         document.getElementById('rating').value = 'S'; \
         document.getElementById('evaluation-note').value = 'Acknowledged fast; no note to the requester'; \
         document.getElementById('evaluation-form').requestSubmit(); return true;",
        "the rating form",
    );
    browser.wait_for(
        &evaluator,
        "document.getElementById('objectives').textContent.includes('no note to the requester')",
        "the rating recorded",
    );

    let dir = screenshots();
    browser.screenshot(&director, &dir.join("director.png"));
    browser.screenshot(&seat, &dir.join("seat-nl.png"));
    browser.screenshot(&evaluator, &dir.join("evaluator-nl.png"));
}

/// Paused means paused: a trainee who had a form open and focused when the
/// director paused, and presses Enter, sends nothing; the page is inert and
/// says why.
#[test]
fn a_paused_exercise_takes_no_step_from_the_keyboard() {
    let Some(chromium) = crate::html::chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let served = serve("scenarios/exercises/hospital-ransomware.toml", &dir.path().join("j"), &["--seats", "NL"], 1);
    let (address, director, nl) = (served.address.clone(), served.director.clone(), served.seats["NL"].clone());
    let post = |body: &str| http(&address, "POST", "/api/clock", Some(&director), Some(body));
    assert_eq!(post(r#"{"action":"resume"}"#).0, 200);
    let waiting_acknowledgement = || {
        let (_, inbox) = http(&address, "GET", "/api/seats/NL/inbox", Some(&nl), None);
        inbox["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["kind"] == "acknowledge" && t["state"]["state"] == "waiting")
    };
    for _ in 0..20 {
        if waiting_acknowledgement() {
            break;
        }
        assert_eq!(post(r#"{"action":"skip","to":"2026-11-28T12:00:00Z"}"#).0, 200);
    }
    assert!(waiting_acknowledgement(), "the German request reached the Dutch desk");
    let (_, state) = http(&address, "GET", "/api/state", Some(&director), None);
    assert_eq!(state["paused"], false, "a skip leaves a running clock running");

    let mut browser = Browser::launch(&chromium);
    let seat = browser.open(&format!("http://{address}/seat/NL?token={nl}"));
    browser.act(
        &seat,
        "const b = document.querySelector('[data-open=acknowledge]'); if (!b) return false; b.click(); return true;",
        "the acknowledge button",
    );
    browser.act(
        &seat,
        "const f = document.querySelector('form.step[data-kind=acknowledge]'); if (!f) return false; \
         f.elements.reference.value = 'NL-THTC-1'; f.elements.reference.focus(); \
         return document.activeElement === f.elements.reference;",
        "the form open and focused",
    );
    assert_eq!(post(r#"{"action":"pause"}"#).0, 200);
    browser.wait_for(&seat, "document.body.classList.contains('paused')", "the pause on the trainee's page");
    // Enter through the browser's own input, as a trainee presses it; then
    // once more after trying to focus the field again.
    let enter = |browser: &mut Browser| {
        for kind in ["keyDown", "keyUp"] {
            let key = json!({"type": kind, "key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13, "text": "\r"});
            browser.call(Some(&seat), "Input.dispatchKeyEvent", key);
        }
    };
    enter(&mut browser);
    browser.eval(&seat, "document.querySelector('form.step input[name=reference]').focus(); true");
    enter(&mut browser);
    std::thread::sleep(Duration::from_millis(1_000));
    assert!(waiting_acknowledgement(), "nothing was sent: the step still waits");
    let (_, state) = http(&address, "GET", "/api/state", Some(&director), None);
    assert_eq!(state["rejected"], json!([]), "not even a refused request reached the server");
    assert_eq!(browser.eval(&seat, "document.querySelector('main').inert"), json!(true), "the desk is inert");
    let text = browser.eval(&seat, "document.body.innerText").as_str().unwrap().to_owned();
    assert!(text.contains("desk steps wait until the clock runs again"), "the page says why: {text:.300}");
    // The hot wash happens paused: its form is on the overlay, and it is taken.
    browser.act(
        &seat,
        "const d = document.querySelector('#frozen details.hot-wash'); if (!d) return false; d.open = true; \
         const f = d.querySelector('form'); if (!f) return false; \
         f.querySelectorAll('textarea')[0].value = 'the request reached us with its content'; \
         f.querySelectorAll('textarea')[1].value = 'we lost time on the offset'; f.requestSubmit(); return true;",
        "the hot-wash form",
    );
    browser.wait_for(
        &seat,
        "document.querySelector('#frozen').textContent.includes('Thank you')",
        "the feedback taken",
    );
    browser.screenshot(&seat, &screenshots().join("seat-paused.png"));
}

/// In the browser: the Dutch seat reads the German request as sent, sends
/// it back because its time has no UTC offset; the German seat reads why and
/// answers through its form; the Dutch seat's order to preserve shows the
/// request as clarified.
#[test]
fn a_request_read_sent_back_and_clarified_in_the_browser() {
    let Some(chromium) = crate::html::chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let served = serve("scenarios/exercises/hospital-ransomware.toml", &dir.path().join("j"), &[], 2);
    let (address, director) = (served.address.clone(), served.director.clone());
    let (de, nl) = (served.seats["DE"].clone(), served.seats["NL"].clone());
    let post = |path: &str, token: &str, body: Value| {
        let (status, answer) = http(&address, "POST", path, Some(token), Some(&body.to_string()));
        assert_eq!(status, 200, "{path}: {answer}");
        answer
    };
    let waiting = |token: &str, country: &str, kind: &str, incident: &str| {
        let (_, inbox) = http(&address, "GET", &format!("/api/seats/{country}/inbox"), Some(token), None);
        inbox["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["kind"] == kind && t["incident"] == incident && t["state"]["state"] == "waiting")
            .cloned()
    };
    let skip_until = |token: &str, country: &str, kind: &str, incident: &str| {
        for _ in 0..40 {
            if let Some(task) = waiting(token, country, kind, incident) {
                return task;
            }
            post("/api/clock", &director, json!({"action": "skip", "to": "2026-12-31T00:00:00Z"}));
        }
        panic!("no {kind} for {country} on {incident}");
    };
    post("/api/clock", &director, json!({"action": "resume"}));
    let request = skip_until(&de, "DE", "send_request", "c2-admin");
    let fields = json!({"ip": "203.0.113.7", "port": 51234, "timestamp": "2026-11-27T21:58:40", "reference": "BKA-7"});
    post("/api/seats/DE/actions", &de, json!({"kind": "send_request", "task": request["id"], "fields": fields}));
    skip_until(&nl, "NL", "acknowledge", "c2-admin");

    let mut browser = Browser::launch(&chromium);
    let page = browser.open(&format!("http://{address}/seat/NL?token={nl}"));
    let card = ".task[data-incident=\"c2-admin\"][data-kind=\"acknowledge\"]";
    browser.wait_for(&page, &format!("document.querySelector('{card} .letter')"), "the request on the task");
    let letter = browser
        .eval(&page, &format!("document.querySelector('{card} .letter').innerText"))
        .as_str()
        .unwrap()
        .to_owned();
    for sent in ["BKA-7", "203.0.113.7", "51234", "2026-11-27T21:58:40"] {
        assert!(letter.contains(sent), "NL reads `{sent}`: {letter}");
    }
    browser.screenshot(&page, &screenshots().join("seat-nl-request.png"));
    browser.send_form_on(
        &page,
        "c2-admin",
        "acknowledge",
        "ask_clarification",
        "e.reference.value = 'THTC-1'; e.what.value = 'Your time 21:58:40 has no UTC offset: which zone?';",
    );

    let clarify = skip_until(&de, "DE", "clarify", "c2-admin");
    let page = browser.open(&format!("http://{address}/seat/DE?token={de}"));
    let card = ".task[data-incident=\"c2-admin\"][data-kind=\"clarify\"]";
    browser.wait_for(&page, &format!("document.querySelector('{card} .letter')"), "why it came back");
    let why = browser
        .eval(&page, &format!("document.querySelector('{card} .letter').innerText"))
        .as_str()
        .unwrap()
        .to_owned();
    assert!(why.contains("has no UTC offset: which zone?"), "DE reads NL's words: {why}");
    assert_eq!(clarify["letter"]["by_person"], true);
    browser.send_form(&page, "c2-admin", "clarify", "e.reference.value = 'BKA-7'; e.timestamp.value = '2026-11-27T21:58:40+01:00'; e.answer.value = 'CET, UTC+01:00';");

    let order = skip_until(&nl, "NL", "order_preservation", "c2-admin");
    let shown = order["letter"].to_string();
    assert!(shown.contains("clarified") && shown.contains("2026-11-27T21:58:40+01:00"), "{shown}");

    // DE thanks NL in a note to its desk, chosen on the page; NL reads it
    // with the rest of its messages.
    browser.wait_for(
        &page,
        "[...document.getElementById('note-to').options].some((o) => o.value === 'NL')",
        "NL among the recipients",
    );
    browser.act(
        &page,
        "document.getElementById('note').value = 'Thank you: the offset was CET.'; \
         document.getElementById('note-to').value = 'NL'; \
         document.querySelector('#note-form button[type=submit]').click(); return true;",
        "DE writes to NL",
    );
    let page = browser.open(&format!("http://{address}/seat/NL?token={nl}"));
    browser.wait_for(&page, "document.getElementById('letters').innerText.includes('Note from DE')", "DE's note at NL");
    // Every time on a desk's page is its local time with the zone; UTC on demand.
    browser.wait_for(&page, "document.getElementById('clock').textContent.endsWith(' CET')", "NL's clock in CET");
    let since = browser.eval(&page, "document.querySelector('.task .muted').textContent").as_str().unwrap().to_owned();
    assert!(since.contains(" CET"), "{since}");
    browser.act(&page, "document.getElementById('utc-toggle').click(); return true;", "UTC on demand");
    browser.wait_for(&page, "document.getElementById('clock').textContent.endsWith(' UTC')", "NL's clock in UTC");
    browser.screenshot(&page, &screenshots().join("seat-nl-note-utc.png"));
}

/// A skip past an open expectation's limit says so before it runs: the
/// first press warns, naming the expectation, and moves nothing; the second
/// skips.
#[test]
fn a_skip_past_an_open_limit_warns_first() {
    let Some(chromium) = crate::html::chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let served = serve("scenarios/exercises/hospital-ransomware.toml", &dir.path().join("j"), &["--seats", "NL"], 1);
    let (address, director) = (served.address.clone(), served.director.clone());
    let post = |body: &str| http(&address, "POST", "/api/clock", Some(&director), Some(body));
    assert_eq!(post(r#"{"action":"resume"}"#).0, 200);
    for _ in 0..20 {
        let (_, state) = http(&address, "GET", "/api/state", Some(&director), None);
        if !state["open_limits"].as_array().unwrap().is_empty() {
            break;
        }
        assert_eq!(post(r#"{"action":"skip","to":"2026-11-28T12:00:00Z"}"#).0, 200);
    }
    let (_, before) = http(&address, "GET", "/api/state", Some(&director), None);
    assert!(before["open_limits"][0]["what"].as_str().unwrap().starts_with("NL "), "{before}");
    assert_eq!(post(r#"{"action":"pause"}"#).0, 200);
    let (_, before) = http(&address, "GET", "/api/state", Some(&director), None);

    let mut browser = Browser::launch(&chromium);
    let page = browser.open(&format!("http://{address}/director?token={director}"));
    browser.wait_for(&page, "document.getElementById('state').textContent === 'PAUSED'", "the director's page");
    let press = "document.getElementById('skip-to').value = '2027-06-01T00:00:00Z'; \
                 document.getElementById('skip').click(); return true;";
    browser.act(&page, press, "the skip button");
    browser.wait_for(
        &page,
        "document.getElementById('clock-result').textContent.includes('passes the limit of NL')",
        "the warning",
    );
    let (_, still) = http(&address, "GET", "/api/state", Some(&director), None);
    assert_eq!(still["sim_ms"], before["sim_ms"], "the first press moved nothing");
    browser.screenshot(&page, &screenshots().join("director-skip-warning.png"));
    browser.act(&page, press, "the skip button, again");
    browser.wait_for(
        &page,
        "!document.getElementById('clock-result').textContent.includes('passes the limit')",
        "the skip",
    );
    let (_, after) = http(&address, "GET", "/api/state", Some(&director), None);
    assert!(after["sim_ms"].as_i64() > before["sim_ms"].as_i64(), "the second press skipped: {after}");
}

/// The after-action report of a played exercise: every section and each
/// case's timeline in headless Chromium, a screenshot for a person to look
/// at, and a clean print to PDF.
#[test]
fn the_after_action_report_renders_and_prints() {
    use pocnet_coordinator::exercise::aar::Aar;
    use pocnet_coordinator::exercise::aar_page;
    let Some(chromium) = crate::html::chromium() else { return };
    let session = crate::exercise::scripted_trainees(20 * pocnet_node::time::MINUTE_MS);
    let aar = Aar::build(&session, session.scenario().seed, &["DE".to_owned(), "NL".to_owned()], &[]).unwrap();
    let dir = screenshots();
    let page = dir.join("aar.html");
    std::fs::write(&page, aar_page::page(&aar)).unwrap();
    let run = |extra: &[String]| {
        let profile = tempfile::tempdir().unwrap();
        let output = Command::new("timeout")
            .arg("120")
            .arg(&chromium)
            .args(["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"])
            .args(["--disable-component-update", "--disable-sync", "--window-size=1200,2400"])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .args(extra)
            .arg(format!("file://{}", page.display()))
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let dom = run(&["--dump-dom".to_owned()]);
    for id in [
        "summary",
        "objectives",
        "outcomes",
        "timelines",
        "expectations",
        "forms",
        "msel",
        "notes",
        "timeline-c2-admin",
    ] {
        assert!(dom.contains(&format!("id=\"{id}\"")), "section {id} missing");
    }
    assert!(dom.contains("bots alone"), "the counterfactual is there");
    let png = dir.join("aar.png");
    run(&[format!("--screenshot={}", png.display())]);
    eprintln!("screenshot: {}", png.display());
    let pdf = dir.join("aar.pdf");
    run(&[format!("--print-to-pdf={}", pdf.display()), "--no-pdf-header-footer".to_owned()]);
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF"), "a PDF");
    let pages = bytes.windows(10).filter(|w| w == b"/Type /Pag" || w == b"/Type/Page").count();
    assert!((2..=12).contains(&pages), "a few printed pages, not one squeezed or hundreds: {pages}");
    eprintln!("printed: {} ({} bytes)", pdf.display(), bytes.len());
}

impl Browser {
    /// Has the director skip ahead, each skip stopping when a seat receives
    /// something, until `page` shows `condition`.
    fn skip_until(&mut self, director: &str, page: &str, condition: &str, what: &str) {
        let deadline = Instant::now() + Duration::from_secs(90);
        while self.try_eval(page, &format!("Boolean({condition})")) != Ok(json!(true)) {
            assert!(Instant::now() < deadline, "the page never showed {what}");
            self.act(
                director,
                "document.getElementById('clock-result').textContent = ''; \
                 document.getElementById('skip-to').value = '2027-01-31T00:00:00Z'; \
                 document.getElementById('skip').click(); return true;",
                "the skip button",
            );
            self.wait_for(director, "document.getElementById('clock-result').textContent !== ''", "the skip's answer");
            std::thread::sleep(Duration::from_millis(300));
        }
    }

    /// Opens the form of `kind` on a task of `incident` and sends it with `fields` (JS assignments to `f.elements`).
    fn send_form(&mut self, page: &str, incident: &str, kind: &str, fields: &str) {
        self.send_form_on(page, incident, kind, kind, fields);
    }

    /// As `send_form`, on a task of another kind the form also takes (a
    /// request received, sent back for clarification).
    fn send_form_on(&mut self, page: &str, incident: &str, task: &str, kind: &str, fields: &str) {
        let card = format!(".task[data-incident=\"{incident}\"][data-kind=\"{task}\"]");
        self.act(
            page,
            &format!("const b = document.querySelector('{card} [data-open={kind}]'); if (!b) return false; b.click(); return true;"),
            &format!("the {kind} button"),
        );
        self.act(
            page,
            &format!(
                "const f = document.querySelector('{card} form.step'); if (!f) return false; \
                 const e = f.elements; {fields} f.requestSubmit(); return true;"
            ),
            &format!("the {kind} form"),
        );
        self.wait_for(page, &format!("document.querySelector('{card}.done')"), &format!("the {kind} step done"));
    }
}

/// Done when: a director and two trainees (the German and the Dutch desks)
/// on one machine's browsers play hospital-ransomware from the first report
/// to the first production order, through the consoles' forms only.
#[test]
fn two_trainees_play_to_the_first_production_order_in_the_browser() {
    let Some(chromium) = crate::html::chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let served = serve("scenarios/exercises/hospital-ransomware.toml", &dir.path().join("j"), &[], 2);
    let base = format!("http://{}", served.address);
    let mut browser = Browser::launch(&chromium);
    let director = browser.open(&format!("{base}/director?token={}", served.director));
    let de = browser.open(&format!("{base}/seat/DE?token={}", served.seats["DE"]));
    let nl = browser.open(&format!("{base}/seat/NL?token={}", served.seats["NL"]));
    for page in [&de, &nl] {
        browser.wait_for(page, "document.getElementById('desk').textContent.endsWith('desk')", "the desk's name");
    }
    // The clock runs while they play: a paused exercise takes no desk step.
    browser.act(&director, "document.getElementById('resume').click(); return true;", "the start button");
    browser.wait_for(
        &director,
        "document.getElementById('state').textContent.startsWith('running')",
        "the clock running",
    );
    // Germany: the first request, to the Netherlands, from the firewall log.
    let request = ".task[data-incident=\"c2-admin\"][data-kind=\"send_request\"]";
    browser.skip_until(
        &director,
        &de,
        &format!("document.querySelector('{request}:not(.done)')"),
        "Germany's first request",
    );
    browser.send_form(
        &de,
        "c2-admin",
        "send_request",
        "e.ip.value = '203.0.113.7'; e.port.value = '51234'; e.timestamp.value = '2026-11-27T21:58:40+01:00'; \
         e.reference.value = 'BKA-2611-1'; e.provider.value = 'the Dutch host of 203.0.113.7'; e.mla_intended.checked = true;",
    );
    // The Netherlands: acknowledge, order the carrier, disclose the previous hop.
    browser.skip_until(
        &director,
        &nl,
        "document.querySelector('[data-kind=acknowledge]:not(.done)')",
        "the request in NL",
    );
    browser.send_form(&nl, "c2-admin", "acknowledge", "e.reference.value = 'THTC-77';");
    // Paused, a step takes effect when the clock moves on: the director skips.
    browser.skip_until(
        &director,
        &nl,
        "document.querySelector('[data-kind=order_preservation]:not(.done)')",
        "the order step",
    );
    browser.send_form(
        &nl,
        "c2-admin",
        "order_preservation",
        "e.reference.value = 'THTC-77'; e.carrier.value = 'c2-nl';",
    );
    browser.skip_until(
        &director,
        &nl,
        "document.querySelector('[data-kind=disclose]:not(.done)')",
        "the carrier's answer in NL",
    );
    browser.send_form(
        &nl,
        "c2-admin",
        "disclose",
        "e.next_hop_ip.value = '198.51.100.44'; e.timestamp.value = '2026-11-27T21:58:40+01:00'; \
         e.provider.value = 'a Romanian mobile operator'; e.legal_basis.value = 'Art. 30';",
    );
    // Germany: the production order to the Netherlands, once the data is held there.
    let production = ".task[data-incident=\"c2-admin\"][data-kind=\"production_request\"]";
    browser.skip_until(
        &director,
        &de,
        &format!("document.querySelector('{production}:not(.done)')"),
        "the production step",
    );
    browser.send_form(
        &de,
        "c2-admin",
        "production_request",
        "e.channel.value = 'epoc'; e.sending_authority.value = 'Frankfurt prosecutor';",
    );

    let (status, inbox) =
        crate::exercise::http(&served.address, "GET", "/api/seats/DE/inbox", Some(&served.seats["DE"]), None);
    assert_eq!(status, 200);
    let done: Vec<&str> = inbox["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["incident"] == "c2-admin" && t["state"]["state"] == "done")
        .map(|t| t["kind"].as_str().unwrap())
        .collect();
    assert!(done.contains(&"send_request") && done.contains(&"production_request"), "{done:?}");
    let dir = screenshots();
    browser.screenshot(&de, &dir.join("seat-de.png"));
    browser.screenshot(&nl, &dir.join("seat-nl-disclosed.png"));
}
