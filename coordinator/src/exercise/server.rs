//! The consoles' web server: the director's and each seat's page (HTML,
//! CSS and JavaScript embedded in the binary, nothing fetched from the
//! network) and the HTTP API they use, which scripts can drive too
//! (docs/exercise.md). A token in `Authorization: Bearer ...` (or
//! `?token=` for pages and the event stream) says who is asking.

use super::live::{Live, Refusal, Who};
use super::views;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use pocnet_node::CountryCode;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};
use tokio::sync::watch;
use tokio_stream::StreamExt;

/// Largest request body: a form is a few kilobytes.
const MAX_BODY: usize = 64 * 1024;

/// How often simulated time catches up with the clock.
const TICK: Duration = Duration::from_millis(200);

const DIRECTOR_PAGE: &str = include_str!("assets/director.html");
const SEAT_PAGE: &str = include_str!("assets/seat.html");
const EVALUATOR_PAGE: &str = include_str!("assets/evaluator.html");
const SCRIPT: &str = include_str!("assets/console.js");
const STYLE: &str = include_str!("assets/console.css");

/// Wall time in milliseconds, monotonic from the start (a clock change on
/// the machine must not move the exercise).
#[derive(Clone, Copy)]
pub struct WallClock {
    started: Instant,
    started_unix_ms: i64,
}

impl WallClock {
    pub fn new() -> WallClock {
        let unix = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default();
        WallClock { started: Instant::now(), started_unix_ms: unix.as_millis() as i64 }
    }

    pub fn now_ms(&self) -> i64 {
        self.started_unix_ms + self.started.elapsed().as_millis() as i64
    }
}

impl Default for WallClock {
    fn default() -> Self {
        WallClock::new()
    }
}

struct Shared {
    live: Mutex<Live>,
    changes: watch::Sender<u64>,
    wall: WallClock,
    base_url: String,
}

type AppState = Arc<Shared>;

/// The router, and a task that keeps simulated time up with the clock.
pub fn app(live: Live, base_url: String) -> Router {
    let (changes, _) = watch::channel(live.version());
    let shared = Arc::new(Shared { live: Mutex::new(live), changes, wall: WallClock::new(), base_url });
    let ticker = shared.clone();
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(TICK);
        loop {
            interval.tick().await;
            let version = {
                let Ok(mut live) = ticker.live.lock() else { return };
                if let Err(error) = live.tick(ticker.wall.now_ms()) {
                    tracing::error!(%error, "the exercise cannot advance");
                }
                live.version()
            };
            ticker.changes.send_if_modified(|v| std::mem::replace(v, version) != version);
        }
    });
    Router::new()
        .route("/", get(index))
        .route("/director", get(|| async { Html(DIRECTOR_PAGE) }))
        .route("/seat/{country}", get(|| async { Html(SEAT_PAGE) }))
        .route("/evaluate", get(|| async { Html(EVALUATOR_PAGE) }))
        .route("/assets/console.js", get(|| async { asset(SCRIPT, "text/javascript; charset=utf-8") }))
        .route("/assets/console.css", get(|| async { asset(STYLE, "text/css; charset=utf-8") }))
        .route("/report", get(report))
        .route("/api/state", get(state))
        .route("/api/clock", post(clock))
        .route("/api/seats", post(seats))
        .route("/api/injects", post(injects))
        .route("/api/evaluators", post(evaluators))
        .route("/api/evaluations", post(evaluations))
        .route("/api/plan", post(plan))
        .route("/api/scores", get(scores))
        .route("/api/cases", get(cases))
        .route("/api/seats/{country}/inbox", get(inbox))
        .route("/api/seats/{country}/actions", post(act))
        .route("/api/events", get(events))
        .fallback(|| async {
            refusal(Refusal { status: 404, field: String::new(), message: "no such page".to_owned() })
        })
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(shared)
}

fn asset(body: &'static str, content_type: &'static str) -> Response {
    ([(header::CONTENT_TYPE, HeaderValue::from_static(content_type))], body).into_response()
}

async fn index() -> Html<&'static str> {
    Html(
        "<!doctype html><meta charset=utf-8><title>pocnet exercise</title><p>Open the link printed for your seat, or the director's.",
    )
}

fn refusal(refusal: Refusal) -> Response {
    let status = StatusCode::from_u16(refusal.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, axum::Json(refusal.to_json())).into_response()
}

fn unauthorized(message: &str) -> Refusal {
    Refusal { status: 401, field: "token".to_owned(), message: message.to_owned() }
}

fn forbidden(message: String) -> Refusal {
    Refusal { status: 403, field: "token".to_owned(), message }
}

/// Who asks: the bearer token, or `?token=` where a header cannot be set.
fn who(live: &Live, headers: &HeaderMap, query: &HashMap<String, String>) -> Result<Who, Refusal> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .map(|v| v.to_str().ok().and_then(|v| v.strip_prefix("Bearer ")).map(str::trim).unwrap_or_default());
    let token = bearer.or(query.get("token").map(String::as_str));
    match token {
        None => Err(unauthorized("missing token: send Authorization: Bearer TOKEN (the one printed for your seat)")),
        Some(token) => live.who(token).ok_or_else(|| unauthorized("unknown token")),
    }
}

fn lock(shared: &Shared) -> Result<std::sync::MutexGuard<'_, Live>, Refusal> {
    shared.live.lock().map_err(|_| Refusal::internal("the exercise stopped after an internal error".to_owned()))
}

fn json_body(bytes: &Bytes) -> Result<Value, Refusal> {
    serde_json::from_slice(bytes).map_err(|e| Refusal::bad("body", format!("not JSON: {e}")))
}

fn country_of(live: &Live, code: &str) -> Result<CountryCode, Refusal> {
    let country = CountryCode::from(code);
    if live.session().scenario().countries.contains_key(&country) {
        Ok(country)
    } else {
        Err(Refusal {
            status: 404,
            field: "country".to_owned(),
            message: format!("`{}` is not a country of the scenario", code.chars().take(8).collect::<String>()),
        })
    }
}

fn respond(result: Result<Value, Refusal>) -> Response {
    match result {
        Ok(value) => axum::Json(value).into_response(),
        Err(error) => refusal(error),
    }
}

/// After a change: every console re-reads what it shows.
fn changed(shared: &Shared, version: u64) {
    shared.changes.send_if_modified(|v| std::mem::replace(v, version) != version);
}

async fn state(
    State(shared): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    respond((|| {
        let live = lock(&shared)?;
        let who = who(&live, &headers, &query)?;
        Ok(views::state(&live, &who, shared.wall.now_ms(), &shared.base_url))
    })())
}

/// Runs a POST: who asks, the JSON body, the change; any refusal is shown
/// on the director's console, whoever it was.
fn post_action(
    shared: &Shared,
    headers: &HeaderMap,
    query: &HashMap<String, String>,
    body: &Bytes,
    change: impl FnOnce(&mut Live, &Who, i64, &Value) -> Result<Value, Refusal>,
) -> Response {
    let mut live = match lock(shared) {
        Ok(live) => live,
        Err(error) => return refusal(error),
    };
    let wall_ms = shared.wall.now_ms();
    let asked = who(&live, headers, query);
    let actor = asked.as_ref().map_or_else(|_| "unknown token".to_owned(), Who::actor);
    let result = asked.and_then(|who| {
        let body = json_body(body)?;
        change(&mut live, &who, wall_ms, &body)
    });
    if let Err(error) = &result {
        live.reject(wall_ms, actor, error);
    }
    changed(shared, live.version());
    respond(result)
}

/// A POST only the director may make; `what` says what it does, for the 403.
fn director_post(
    shared: &Shared,
    headers: &HeaderMap,
    query: &HashMap<String, String>,
    body: &Bytes,
    what: &str,
    change: impl FnOnce(&mut Live, i64, &Value) -> Result<Value, Refusal>,
) -> Response {
    post_action(shared, headers, query, body, |live, who, wall_ms, body| {
        if *who != Who::Director {
            return Err(forbidden(format!("only the director {what}")));
        }
        change(live, wall_ms, body)
    })
}

/// Adds the link a new token opens (`{base}/{page}?token=...`) to an answer.
fn with_link(mut value: Value, base_url: &str, page: &str) -> Value {
    if let Some(token) = value["token"].as_str() {
        value["url"] = Value::String(format!("{base_url}/{page}?token={token}"));
    }
    value
}

async fn clock(
    State(shared): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    director_post(&shared, &headers, &query, &body, "runs the clock", |live, wall_ms, body| {
        live.clock_action(wall_ms, body)
    })
}

async fn seats(
    State(shared): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    let base_url = shared.base_url.clone();
    director_post(&shared, &headers, &query, &body, "assigns seats", |live, wall_ms, body| {
        let value = live.seat_action(wall_ms, body)?;
        let page = format!("seat/{}", value["country"].as_str().unwrap_or_default());
        Ok(with_link(value, &base_url, &page))
    })
}

async fn injects(
    State(shared): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    director_post(&shared, &headers, &query, &body, "fires, holds, skips or re-times injects", |live, wall_ms, body| {
        live.inject_action(wall_ms, body)
    })
}

async fn evaluators(
    State(shared): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    let base_url = shared.base_url.clone();
    director_post(&shared, &headers, &query, &body, "opens evaluators' links", |live, _, body| {
        Ok(with_link(live.add_evaluator(body)?, &base_url, "evaluate"))
    })
}

async fn evaluations(
    State(shared): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    post_action(&shared, &headers, &query, &body, |live, who, wall_ms, body| {
        live.evaluate(wall_ms, who, body)?;
        Ok(serde_json::json!({ "accepted": true }))
    })
}

async fn plan(
    State(shared): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    director_post(&shared, &headers, &query, &body, "writes the improvement plan", |live, wall_ms, body| {
        live.add_to_plan(wall_ms, body)?;
        Ok(serde_json::json!({ "accepted": true }))
    })
}

async fn scores(
    State(shared): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    respond((|| {
        let live = lock(&shared)?;
        let who = who(&live, &headers, &query)?;
        if let Who::Seat(_) = who {
            return Err(forbidden("players do not see the ratings".to_owned()));
        }
        Ok(views::scores(&live, &who))
    })())
}

/// The after-action report so far, for the director.
async fn report(
    State(shared): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let result = lock(&shared).and_then(|live| {
        if who(&live, &headers, &query)? != Who::Director {
            return Err(forbidden("only the director sees the report".to_owned()));
        }
        live.report().map_err(Refusal::internal)
    });
    match result {
        Ok(aar) => Html(super::aar_page::page(&aar)).into_response(),
        Err(error) => refusal(error),
    }
}

async fn cases(
    State(shared): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    respond((|| {
        let live = lock(&shared)?;
        if who(&live, &headers, &query)? != Who::Director {
            return Err(forbidden("only the director sees every case".to_owned()));
        }
        Ok(views::cases(&live))
    })())
}

async fn inbox(
    State(shared): State<AppState>,
    Path(code): Path<String>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    respond((|| {
        let live = lock(&shared)?;
        let who = who(&live, &headers, &query)?;
        let country = country_of(&live, &code)?;
        if !who.may_see(&country) {
            return Err(forbidden(format!("this token is not {country}'s seat")));
        }
        Ok(views::inbox(&live, &country))
    })())
}

async fn act(
    State(shared): State<AppState>,
    Path(code): Path<String>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    post_action(&shared, &headers, &query, &body, |live, who, wall_ms, body| {
        let country = country_of(live, &code)?;
        if !who.may_act_for(&country) {
            return Err(forbidden(format!("this token is not {country}'s seat")));
        }
        live.act(wall_ms, who, &country, body)?;
        Ok(serde_json::json!({ "accepted": true, "version": live.version() }))
    })
}

/// Server-sent events: `change` with the new version whenever anything a
/// console shows has changed.
async fn events(
    State(shared): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if let Err(error) = lock(&shared).and_then(|live| who(&live, &headers, &query)) {
        return refusal(error);
    }
    let stream = tokio_stream::wrappers::WatchStream::new(shared.changes.subscribe())
        .map(|version| Ok::<_, std::convert::Infallible>(Event::default().event("change").data(version.to_string())));
    Sse::new(stream).keep_alive(KeepAlive::default()).into_response()
}
