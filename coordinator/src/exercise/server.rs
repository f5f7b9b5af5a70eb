//! The consoles' web server: the director's and each seat's page (HTML,
//! CSS and JavaScript embedded in the binary, nothing fetched from the
//! network) and the HTTP API they use, which scripts can drive too
//! (docs/exercise.md). A token in `Authorization: Bearer ...` (or
//! `?token=` for pages and the event stream) says who is asking: the
//! `Caller` extractor. Request bodies are read once into typed commands by
//! the `Body` extractor; every refusal is a `Refusal`, mapped to its status
//! here and shown on the director's console.

use super::command::{
    ClockAction, ClockBody, Command, DeskAction, DeskActionBody, EvaluationForm, EvaluatorBody, FeedbackBody,
    HandOverBody, InjectOrder, InjectOrderBody, ObservationBody, PlanBody,
};
use super::live::{Live, Refusal, Who};
use super::session::PlanItem;
use super::views;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequest, FromRequestParts, Path, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use pocnet_node::CountryCode;
use serde::Serialize;
use serde::de::DeserializeOwned;
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
    /// Live event streams by holder, and how many one holder may keep.
    streams: Mutex<HashMap<Who, usize>>,
    streams_per_token: usize,
}

type AppState = Arc<Shared>;

/// The router, and a task that keeps simulated time up with the clock.
pub fn app(live: Live, base_url: String, streams_per_token: usize) -> Router {
    let (changes, _) = watch::channel(live.version());
    let shared = Arc::new(Shared {
        live: Mutex::new(live),
        changes,
        wall: WallClock::new(),
        base_url,
        streams: Mutex::new(HashMap::new()),
        streams_per_token,
    });
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
        .route("/api/observations", post(observations))
        .route("/api/plan", post(plan))
        .route("/api/final-ratings", post(final_ratings))
        .route("/api/scores", get(scores))
        .route("/api/cases", get(cases))
        .route("/api/seats/{country}/inbox", get(inbox))
        .route("/api/seats/{country}/actions", post(act))
        .route("/api/seats/{country}/feedback", post(feedback))
        .route("/api/events", get(events))
        .fallback(|| async {
            Refusal { status: 404, field: String::new(), message: "no such page".to_owned() }.into_response()
        })
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(axum::middleware::map_response(security_headers))
        .with_state(shared)
}

/// Every answer forbids framing, sniffing, referrers and any script or
/// connection not from this server.
async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    for (name, value) in [
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; \
             base-uri 'none'; form-action 'self'",
        ),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

fn asset(body: &'static str, content_type: &'static str) -> Response {
    ([(header::CONTENT_TYPE, HeaderValue::from_static(content_type))], body).into_response()
}

async fn index() -> Html<&'static str> {
    Html(
        "<!doctype html><meta charset=utf-8><title>pocnet exercise</title><p>Open the link printed for your seat, or the director's.",
    )
}

/// The one mapping of a refusal to HTTP: its status, and `{"error", "field"}`.
impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (status, axum::Json(self)).into_response()
    }
}

fn unauthorized(message: &str) -> Refusal {
    Refusal { status: 401, field: "token".to_owned(), message: message.to_owned() }
}

/// Who asks: the bearer token, or `?token=` where a header cannot be set.
pub struct Caller(pub Who);

impl FromRequestParts<AppState> for Caller {
    type Rejection = Refusal;

    async fn from_request_parts(parts: &mut Parts, shared: &AppState) -> Result<Caller, Refusal> {
        let bearer = parts
            .headers
            .get(header::AUTHORIZATION)
            .map(|v| v.to_str().ok().and_then(|v| v.strip_prefix("Bearer ")).map(str::trim).unwrap_or_default());
        let query = Query::<HashMap<String, String>>::try_from_uri(&parts.uri).map(|q| q.0).unwrap_or_default();
        // A change is taken only with the token in its header: a form or a
        // link from another site cannot set one.
        if parts.method != axum::http::Method::GET && bearer.is_none() {
            return Err(unauthorized("send the token in an Authorization: Bearer header"));
        }
        let token = bearer.or(query.get("token").map(String::as_str));
        let live = lock(shared)?;
        match token {
            None => {
                Err(unauthorized("missing token: send Authorization: Bearer TOKEN (the one printed for your seat)"))
            }
            Some(token) => live.who(token).map(Caller).ok_or_else(|| match live.revoked(token) {
                Some(why) => unauthorized(why),
                None => unauthorized("unknown token"),
            }),
        }
    }
}

/// A request body read as `T`, once: what cannot be read is refused,
/// naming where in the body (`fields.port`, `speed`).
pub struct Body<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for Body<T> {
    type Rejection = Refusal;

    async fn from_request(request: Request, shared: &AppState) -> Result<Body<T>, Refusal> {
        // Only JSON: a cross-site form can send text/plain without asking.
        let json =
            request.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| {
                v.split(';').next().is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json"))
            });
        if !json {
            return Err(Refusal {
                status: 415,
                field: "body".to_owned(),
                message: "send the body as Content-Type: application/json".to_owned(),
            });
        }
        let bytes = Bytes::from_request(request, shared).await.map_err(|e| {
            let status = e.status();
            let message = if status == StatusCode::PAYLOAD_TOO_LARGE {
                format!("the request is larger than {} KB: a form is a few", MAX_BODY / 1024)
            } else {
                e.body_text()
            };
            Refusal { status: status.as_u16(), field: "body".to_owned(), message }
        })?;
        let mut reader = serde_json::Deserializer::from_slice(&bytes);
        serde_path_to_error::deserialize(&mut reader).map(Body).map_err(|error| {
            let path = error.path().to_string();
            let inner = error.into_inner();
            if inner.is_syntax() || inner.is_eof() {
                return Refusal::bad("body", format!("not JSON: {inner}"));
            }
            let message = inner.to_string();
            // A missing key is named in serde's message, the path being the
            // object that lacks it; an unknown key is the path itself.
            let named = message.strip_prefix("missing field `").and_then(|rest| rest.split('`').next());
            let field = match (path.as_str(), named) {
                (".", Some(name)) => name.to_owned(),
                (".", None) => "body".to_owned(),
                (path, Some(name)) => format!("{path}.{name}"),
                (path, None) => path.to_owned(),
            };
            let message = message.replace(
                "data did not match any variant of untagged enum FieldInput",
                "expected text, a number, or true or false",
            );
            Refusal::bad(field, message)
        })
    }
}

fn lock(shared: &Shared) -> Result<std::sync::MutexGuard<'_, Live>, Refusal> {
    shared.live.lock().map_err(|_| Refusal::internal("the exercise stopped after an internal error".to_owned()))
}

fn country_of(live: &Live, code: &str) -> Result<CountryCode, Refusal> {
    // Found, not interned: a name nothing in this process has used is no
    // country of the scenario, and a request must not add names to the table.
    match CountryCode::find(code) {
        Some(country) if live.session().scenario().countries.contains_key(&country) => Ok(country),
        _ => Err(Refusal {
            status: 404,
            field: "country".to_owned(),
            message: format!("`{}` is not a country of the scenario", code.chars().take(8).collect::<String>()),
        }),
    }
}

fn respond<T: Serialize>(result: Result<T, Refusal>) -> Response {
    match result {
        Ok(value) => axum::Json(value).into_response(),
        Err(error) => error.into_response(),
    }
}

/// After a change: every console re-reads what it shows.
fn changed(shared: &Shared, version: u64) {
    shared.changes.send_if_modified(|v| std::mem::replace(v, version) != version);
}

async fn state(State(shared): State<AppState>, caller: Result<Caller, Refusal>) -> Response {
    respond(
        caller.and_then(|Caller(who)| Ok(views::state(&*lock(&shared)?, &who, shared.wall.now_ms(), &shared.base_url))),
    )
}

/// Runs a change for `caller`: any refusal, from reading the token or the
/// body to the exercise's own, is shown on the director's console too.
fn post_change<T: Serialize>(
    shared: &Shared,
    caller: Result<Caller, Refusal>,
    change: impl FnOnce(&mut Live, &Who, i64) -> Result<T, Refusal>,
) -> Response {
    let mut live = match lock(shared) {
        Ok(live) => live,
        Err(error) => return error.into_response(),
    };
    let wall_ms = shared.wall.now_ms();
    // Only a known caller's refusals are listed: an anonymous request must
    // not push real ones out of the director's list.
    let actor = caller.as_ref().ok().map(|Caller(who)| who.actor());
    let result = caller.and_then(|Caller(who)| change(&mut live, &who, wall_ms));
    if let (Err(error), Some(actor)) = (&result, actor) {
        live.reject(wall_ms, actor, error);
    }
    changed(shared, live.version());
    respond(result)
}

/// A command made from the caller and their request's body.
fn post_command<B>(
    shared: &Shared,
    caller: Result<Caller, Refusal>,
    body: Result<Body<B>, Refusal>,
    command: impl FnOnce(&Who, B) -> Result<Command, Refusal>,
) -> Response {
    post_change(shared, caller, |live, who, wall_ms| {
        let Body(body) = body?;
        live.execute(wall_ms, who, command(who, body)?)
    })
}

/// An answer with the link a new token opens (`{base}/{page}?token=...`).
#[derive(Serialize)]
struct WithLink<T> {
    #[serde(flatten)]
    answer: T,
    url: Option<String>,
}

async fn clock(
    State(shared): State<AppState>,
    caller: Result<Caller, Refusal>,
    body: Result<Body<ClockBody>, Refusal>,
) -> Response {
    post_command(&shared, caller, body, |_, body| Ok(Command::Clock { action: ClockAction::try_from(body)? }))
}

async fn seats(
    State(shared): State<AppState>,
    caller: Result<Caller, Refusal>,
    body: Result<Body<HandOverBody>, Refusal>,
) -> Response {
    let base_url = shared.base_url.clone();
    post_change(&shared, caller, |live, who, wall_ms| {
        let Body(HandOverBody { country, to }) = body?;
        country_of(live, country.as_str()).map_err(|e| Refusal { status: 400, ..e })?;
        let accepted = live.execute(wall_ms, who, Command::HandOver { country, to })?;
        let url = accepted.seat.as_ref().and_then(|seat| {
            seat.token.as_ref().map(|token| format!("{base_url}/seat/{}?token={token}", seat.country))
        });
        Ok(WithLink { answer: accepted, url })
    })
}

async fn injects(
    State(shared): State<AppState>,
    caller: Result<Caller, Refusal>,
    body: Result<Body<InjectOrderBody>, Refusal>,
) -> Response {
    post_command(&shared, caller, body, |_, body| Ok(Command::Inject { order: InjectOrder::try_from(body)? }))
}

async fn evaluators(
    State(shared): State<AppState>,
    caller: Result<Caller, Refusal>,
    body: Result<Body<EvaluatorBody>, Refusal>,
) -> Response {
    let base_url = shared.base_url.clone();
    post_change(&shared, caller, |live, who, _| {
        let Body(body) = body?;
        let link = live.add_evaluator(who, body)?;
        let url = Some(format!("{base_url}/evaluate?token={}", link.token));
        Ok(WithLink { answer: link, url })
    })
}

async fn evaluations(
    State(shared): State<AppState>,
    caller: Result<Caller, Refusal>,
    body: Result<Body<EvaluationForm>, Refusal>,
) -> Response {
    post_command(&shared, caller, body, |who, form| match who {
        Who::Evaluator { cell, .. } => Ok(Command::Evaluate { evaluator: who.actor(), cell: *cell, form }),
        _ => Err(Refusal::forbidden("only an evaluator rates objectives")),
    })
}

async fn feedback(
    State(shared): State<AppState>,
    Path(code): Path<String>,
    caller: Result<Caller, Refusal>,
    body: Result<Body<FeedbackBody>, Refusal>,
) -> Response {
    post_change(&shared, caller, |live, who, wall_ms| {
        let country = country_of(live, &code)?;
        let Body(FeedbackBody { went_well, to_improve }) = body?;
        live.execute(wall_ms, who, Command::Feedback { country, went_well, to_improve })
    })
}

async fn observations(
    State(shared): State<AppState>,
    caller: Result<Caller, Refusal>,
    body: Result<Body<ObservationBody>, Refusal>,
) -> Response {
    post_command(&shared, caller, body, |who, body| match who {
        Who::Evaluator { cell, .. } => Ok(Command::Observe { evaluator: who.actor(), cell: *cell, text: body.text }),
        _ => Err(Refusal::forbidden("only an evaluator keeps an observation log")),
    })
}

async fn final_ratings(
    State(shared): State<AppState>,
    caller: Result<Caller, Refusal>,
    body: Result<Body<EvaluationForm>, Refusal>,
) -> Response {
    post_command(&shared, caller, body, |_, form| Ok(Command::FinalRating { form }))
}

async fn plan(
    State(shared): State<AppState>,
    caller: Result<Caller, Refusal>,
    body: Result<Body<PlanBody>, Refusal>,
) -> Response {
    post_command(&shared, caller, body, |_, body| Ok(Command::Plan { item: PlanItem::try_from(body)? }))
}

async fn act(
    State(shared): State<AppState>,
    Path(code): Path<String>,
    caller: Result<Caller, Refusal>,
    body: Result<Body<DeskActionBody>, Refusal>,
) -> Response {
    post_change(&shared, caller, |live, who, wall_ms| {
        let country = country_of(live, &code)?;
        if !who.may_act_for(&country) {
            return Err(Refusal::forbidden(format!("this token is not {country}'s seat")));
        }
        let Body(body) = body?;
        let action = DeskAction::try_from(body)?;
        live.execute(wall_ms, who, Command::Desk { country, action })
    })
}

async fn scores(State(shared): State<AppState>, caller: Result<Caller, Refusal>) -> Response {
    respond(caller.and_then(|Caller(who)| {
        if let Who::Seat(_) = who {
            return Err(Refusal::forbidden("players do not see the ratings"));
        }
        Ok(views::scores(&*lock(&shared)?, &who))
    }))
}

/// The after-action report so far, for the director.
async fn report(State(shared): State<AppState>, caller: Result<Caller, Refusal>) -> Response {
    let result = caller.and_then(|Caller(who)| {
        if who != Who::Director {
            return Err(Refusal::forbidden("only the director sees the report"));
        }
        lock(&shared)?.report().map_err(Refusal::internal)
    });
    match result {
        Ok(aar) => Html(super::aar_page::page(&aar)).into_response(),
        Err(error) => error.into_response(),
    }
}

async fn cases(State(shared): State<AppState>, caller: Result<Caller, Refusal>) -> Response {
    respond(caller.and_then(|Caller(who)| {
        if who != Who::Director {
            return Err(Refusal::forbidden("only the director sees every case"));
        }
        Ok(views::cases(&*lock(&shared)?))
    }))
}

async fn inbox(State(shared): State<AppState>, Path(code): Path<String>, caller: Result<Caller, Refusal>) -> Response {
    respond(caller.and_then(|Caller(who)| {
        let live = lock(&shared)?;
        let country = country_of(&live, &code)?;
        if !who.may_see(&country) {
            return Err(Refusal::forbidden(format!("this token is not {country}'s seat")));
        }
        Ok(views::inbox(&live, &country))
    }))
}

/// Server-sent events: `change` with the new version whenever anything a
/// console shows has changed.
async fn events(State(shared): State<AppState>, caller: Result<Caller, Refusal>) -> Response {
    let who = match caller {
        Ok(Caller(who)) => who,
        Err(error) => return error.into_response(),
    };
    let slot = match StreamSlot::take(&shared, who) {
        Ok(slot) => slot,
        Err(refusal) => return refusal.into_response(),
    };
    let stream = tokio_stream::wrappers::WatchStream::new(shared.changes.subscribe()).map(move |version| {
        // The slot lives as long as the stream: a closed tab frees it.
        let _held = &slot;
        Ok::<_, std::convert::Infallible>(Event::default().event("change").data(version.to_string()))
    });
    Sse::new(stream).keep_alive(KeepAlive::default()).into_response()
}

/// One of a holder's live event streams, given back when the stream ends.
struct StreamSlot {
    shared: AppState,
    who: Who,
}

impl StreamSlot {
    fn take(shared: &AppState, who: Who) -> Result<StreamSlot, Refusal> {
        let mut streams = shared.streams.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let held = streams.entry(who.clone()).or_default();
        if *held >= shared.streams_per_token {
            return Err(Refusal {
                status: 503,
                field: String::new(),
                message: format!(
                    "this console already has {} live event streams open (tabs): close one, or start the server \
                     with a higher --max-streams-per-token",
                    shared.streams_per_token
                ),
            });
        }
        *held += 1;
        Ok(StreamSlot { shared: Arc::clone(shared), who })
    }
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut streams = self.shared.streams.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(held) = streams.get_mut(&self.who) {
            *held -= 1;
            if *held == 0 {
                streams.remove(&self.who);
            }
        }
    }
}
