//! A running exercise: the session, its paced clock, the seats and their
//! tokens, and the journal every accepted action goes to before anyone
//! hears of it. Wall time is an input (milliseconds); the web server is one
//! caller, the tests another.

use super::clock::{ClockError, PacedClock};
use super::forms::Action;
use super::injects::InjectAction;
use super::journal::{ClockMark, Entry, Journal, JournalError, Saved};
use super::replay::replay;
use super::session::{ActionError, Session};
use crate::scenario::Scenario;
use crate::scenario::exercise::ExercisePlan;
use pocnet_node::{CountryCode, SimTime};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// Who holds a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Who {
    Director,
    Seat(CountryCode),
    /// Watches one cell, rates its objectives; acts for no desk.
    Evaluator {
        number: i64,
        cell: CountryCode,
    },
}

impl Who {
    pub fn actor(&self) -> String {
        match self {
            Who::Director => "director".to_owned(),
            Who::Seat(country) => country.to_string(),
            Who::Evaluator { number, cell } => format!("evaluator {number} ({cell})"),
        }
    }

    /// Whether it may see `country`'s desk.
    pub fn may_see(&self, country: &CountryCode) -> bool {
        match self {
            Who::Evaluator { cell, .. } => cell == country,
            other => other.may_act_for(country),
        }
    }

    /// Whether it may act for `country`'s desk.
    pub fn may_act_for(&self, country: &CountryCode) -> bool {
        match self {
            Who::Director => true,
            Who::Seat(seat) => seat == country,
            Who::Evaluator { .. } => false,
        }
    }
}

/// A refused request: the HTTP status it deserves, the field at fault, why.
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    pub status: u16,
    pub field: String,
    pub message: String,
}

impl Refusal {
    pub fn bad(field: impl Into<String>, message: impl Into<String>) -> Refusal {
        Refusal { status: 400, field: field.into(), message: message.into() }
    }

    /// Something went wrong on this side, not in the request.
    pub fn internal(message: impl Into<String>) -> Refusal {
        Refusal { status: 500, field: String::new(), message: message.into() }
    }

    pub fn to_json(&self) -> Value {
        json!({ "error": self.message, "field": self.field })
    }
}

impl From<ActionError> for Refusal {
    fn from(error: ActionError) -> Refusal {
        let status = if matches!(error, ActionError::Engine(_)) { 500 } else { 400 };
        Refusal { status, field: error.field().to_owned(), message: error.to_string() }
    }
}

impl From<ClockError> for Refusal {
    fn from(error: ClockError) -> Refusal {
        let field = match error {
            ClockError::Speed(_) => "speed",
            ClockError::Backwards { .. } => "to",
        };
        Refusal::bad(field, error.to_string())
    }
}

impl From<JournalError> for Refusal {
    fn from(error: JournalError) -> Refusal {
        Refusal::internal(error.to_string())
    }
}

/// A refused action, for the director's console.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Rejected {
    pub wall_ms: i64,
    pub actor: String,
    pub field: String,
    pub error: String,
}

/// Most refused actions kept for the director: the latest count.
const REJECTED_KEPT: usize = 200;

/// How often, in wall time, a running clock is written down.
const MARK_EVERY_MS: i64 = 2_000;

pub struct Live {
    session: Session,
    clock: PacedClock,
    plan: ExercisePlan,
    journal: Journal,
    director_token: String,
    seat_tokens: BTreeMap<CountryCode, String>,
    rejected: Vec<Rejected>,
    /// Bumped on every change the consoles should show.
    version: u64,
    last_mark_wall_ms: i64,
    seed: u64,
    /// Evaluators: number, the cell they watch, token.
    evaluators: Vec<(i64, CountryCode, String)>,
    /// The desks people played from the start, for the report.
    first_people: Vec<String>,
    /// In a playback, the journal's entries still to apply as the clock reaches them.
    playback: Option<VecDeque<(usize, Entry)>>,
    /// Set when the journal could not be written: the exercise takes no
    /// more actions, since what it took would not survive a restart.
    broken: Option<String>,
}

/// A fresh token: 128 bits from the operating system, as hex.
pub fn new_token() -> Result<String, String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| format!("no random source for access tokens: {e}"))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

impl Live {
    /// Opens the exercise in `journal`: a new one for `scenario` (its file's
    /// text and path as given), or the one the journal holds, resumed paused
    /// where it stood with every journaled action replayed.
    pub fn open(
        journal: Journal,
        scenario: Scenario,
        scenario_path: &str,
        scenario_text: &str,
        seed: u64,
        people: &BTreeSet<CountryCode>,
        speed: Option<f64>,
    ) -> Result<Live, String> {
        let plan = scenario.exercise.clone().unwrap_or_default();
        let speed = speed.unwrap_or(plan.speed);
        let mut journal = journal;
        if journal.is_new().map_err(|e| e.to_string())? {
            let director_token = new_token()?;
            let mut seat_tokens = BTreeMap::new();
            for country in people {
                seat_tokens.insert(country.clone(), new_token()?);
            }
            let seats: Vec<(String, String)> = seat_tokens.iter().map(|(c, t)| (c.to_string(), t.clone())).collect();
            journal
                .begin(scenario_path, scenario_text, &scenario.sha256, seed, &director_token, &seats)
                .map_err(|e| e.to_string())?;
            let mut session = Session::new(scenario, seed, people).map_err(|e| e.to_string())?;
            session.advance_to(plan.start).map_err(|e| e.to_string())?;
            let clock = PacedClock::new(plan.start, speed).map_err(|e| e.to_string())?;
            journal.mark_clock(ClockMark { sim_ms: plan.start.ms(), speed }).map_err(|e| e.to_string())?;
            return Ok(Live {
                session,
                clock,
                plan,
                journal,
                director_token,
                seat_tokens,
                rejected: Vec::new(),
                version: 0,
                last_mark_wall_ms: 0,
                seed,
                evaluators: Vec::new(),
                first_people: people.iter().map(|c| c.to_string()).collect(),
                playback: None,
                broken: None,
            });
        }
        let saved = journal.read().map_err(|e| e.to_string())?;
        if saved.sha256 != scenario.sha256 {
            return Err(format!(
                "the journal holds an exercise of another scenario (sha256 {}, this file's is {}): \
                 give its scenario ({}), or a new --journal",
                &saved.sha256[..12.min(saved.sha256.len())],
                &scenario.sha256[..12],
                saved.scenario_path
            ));
        }
        let session = replay(scenario, &saved)?;
        let clock =
            PacedClock::new(session.now(), saved.clock.map_or(speed, |c| c.speed)).map_err(|e| e.to_string())?;
        Live::restored(journal, saved, session, clock, plan, None)
    }

    /// A finished exercise played back in the consoles, read-only, at
    /// `speed`: the journal's actions are applied as the clock reaches them.
    pub fn playback(journal: Journal, scenario: Scenario, speed: f64) -> Result<Live, String> {
        let saved = journal.read().map_err(|e| e.to_string())?;
        if saved.sha256 != scenario.sha256 {
            return Err("the journal holds an exercise of another scenario".to_owned());
        }
        let plan = scenario.exercise.clone().unwrap_or_default();
        let session = super::replay::fresh(scenario, &saved)?;
        let clock = PacedClock::new(session.now(), speed).map_err(|e| e.to_string())?;
        let entries = saved.entries.iter().cloned().enumerate().collect();
        Live::restored(journal, saved, session, clock, plan, Some(entries))
    }

    /// An exercise from its journal: its tokens, evaluators, seed and seats.
    fn restored(
        journal: Journal,
        saved: Saved,
        session: Session,
        clock: PacedClock,
        plan: ExercisePlan,
        playback: Option<VecDeque<(usize, Entry)>>,
    ) -> Result<Live, String> {
        let evaluators = journal
            .evaluators()
            .map_err(|e| e.to_string())?
            .into_iter()
            .map(|(n, cell, token)| (n, CountryCode::from(cell.as_str()), token))
            .collect();
        Ok(Live {
            session,
            clock,
            plan,
            journal,
            seat_tokens: saved.seats.iter().map(|(c, t)| (CountryCode::from(c.as_str()), t.clone())).collect(),
            director_token: saved.director_token,
            rejected: Vec::new(),
            version: 0,
            last_mark_wall_ms: 0,
            seed: saved.seed,
            evaluators,
            first_people: saved.people,
            playback,
            broken: None,
        })
    }

    /// Whether this is a read-only playback.
    pub fn is_playback(&self) -> bool {
        self.playback.is_some()
    }

    pub fn evaluator_links(&self) -> &[(i64, CountryCode, String)] {
        &self.evaluators
    }

    /// The director opens an evaluator's link for a cell: `{"cell": "DE"}`.
    pub fn add_evaluator(&mut self, body: &Value) -> Result<Value, Refusal> {
        self.writable()?;
        let object = body.as_object().ok_or_else(|| Refusal::bad("body", "expected a JSON object"))?;
        if let Some(extra) = object.keys().find(|k| k.as_str() != "cell") {
            return Err(Refusal::bad(extra.clone(), "unknown: give the cell (a country code) to watch"));
        }
        let code = object.get("cell").and_then(Value::as_str).unwrap_or_default();
        let cell = CountryCode::from(code);
        if !self.session.scenario().countries.contains_key(&cell) {
            return Err(Refusal::bad("cell", format!("`{code}` is not a country of the scenario")));
        }
        let token = new_token().map_err(Refusal::internal)?;
        let number = self.journal.add_evaluator(code, &token)?;
        self.evaluators.push((number, cell, token.clone()));
        self.version += 1;
        Ok(json!({ "evaluator": number, "cell": code, "token": token }))
    }

    /// An evaluator rates an objective for their cell:
    /// `{"objective": "O1", "rating": "S", "note": "..."}`.
    pub fn evaluate(&mut self, wall_ms: i64, who: &Who, body: &Value) -> Result<(), Refusal> {
        self.writable()?;
        let Who::Evaluator { cell, .. } = who else {
            return Err(Refusal {
                status: 403,
                field: "token".to_owned(),
                message: "only an evaluator rates objectives".to_owned(),
            });
        };
        let object = body.as_object().ok_or_else(|| Refusal::bad("body", "expected a JSON object"))?;
        if let Some(extra) = object.keys().find(|k| !["objective", "rating", "note"].contains(&k.as_str())) {
            return Err(Refusal::bad(extra.clone(), "unknown: give objective, rating and note"));
        }
        let objective = object
            .get("objective")
            .and_then(Value::as_str)
            .ok_or_else(|| Refusal::bad("objective", "expected an objective's id"))?;
        let rating = object
            .get("rating")
            .and_then(Value::as_str)
            .and_then(super::score::Rating::from_name)
            .ok_or_else(|| Refusal::bad("rating", "expected P, S, M or U"))?;
        let note = object.get("note").and_then(Value::as_str).unwrap_or_default();
        if note.chars().count() > super::forms::MAX_TEXT {
            return Err(Refusal::bad("note", format!("longer than {} characters", super::forms::MAX_TEXT)));
        }
        self.tick(wall_ms).map_err(Refusal::internal)?;
        let at = self.clock.now(wall_ms).max(self.session.now());
        let evaluation = super::session::Evaluation {
            at_ms: at.ms(),
            evaluator: who.actor(),
            cell: cell.clone(),
            objective: objective.to_owned(),
            rating,
            note: note.to_owned(),
        };
        self.session.evaluate(evaluation)?;
        self.append_at(
            at,
            wall_ms,
            who,
            json!({ "kind": "evaluation", "evaluator": who.actor(), "cell": cell.as_str(), "evaluation": body }),
        )?;
        self.version += 1;
        Ok(())
    }

    /// The director adds a line to the improvement plan:
    /// `{"action": "...", "owner": "...", "due": "2027-03-01"}`.
    pub fn add_to_plan(&mut self, wall_ms: i64, body: &Value) -> Result<(), Refusal> {
        self.writable()?;
        let item = plan_item(body)?;
        let at = self.clock.now(wall_ms).max(self.session.now());
        self.session.add_plan_item(item);
        self.append_at(at, wall_ms, &Who::Director, json!({ "kind": "plan", "item": body }))?;
        self.version += 1;
        Ok(())
    }

    /// The after-action report as the exercise stands.
    pub fn report(&self) -> Result<super::aar::Aar, String> {
        let entries = self.journal.read().map(|saved| saved.entries).unwrap_or_default();
        super::aar::Aar::build(&self.session, self.seed, &self.first_people, &entries)
    }

    pub fn session(&self) -> &Session {
        &self.session
    }

    pub fn clock(&self) -> &PacedClock {
        &self.clock
    }

    pub fn plan(&self) -> &ExercisePlan {
        &self.plan
    }

    pub fn version(&self) -> u64 {
        self.version
    }

    pub fn rejected(&self) -> &[Rejected] {
        &self.rejected
    }

    pub fn director_token(&self) -> &str {
        &self.director_token
    }

    pub fn seat_tokens(&self) -> &BTreeMap<CountryCode, String> {
        &self.seat_tokens
    }

    /// Who a token belongs to, if anyone.
    pub fn who(&self, token: &str) -> Option<Who> {
        if token.is_empty() {
            return None;
        }
        if constant_time_eq(token, &self.director_token) {
            return Some(Who::Director);
        }
        if let Some((number, cell, _)) = self.evaluators.iter().find(|(_, _, t)| constant_time_eq(token, t)) {
            return Some(Who::Evaluator { number: *number, cell: cell.clone() });
        }
        self.seat_tokens.iter().find(|(_, t)| constant_time_eq(token, t)).map(|(c, _)| Who::Seat(c.clone()))
    }

    /// Lets simulated time catch up with the clock; returns whether anything changed.
    pub fn tick(&mut self, wall_ms: i64) -> Result<bool, String> {
        let now = self.clock.now(wall_ms);
        // A phase sets its pace once the clock reaches it.
        if let Some(speed) = self.plan.speed_at(now)
            && speed != self.clock.speed()
            && self.plan.phases.iter().any(|p| p.from <= now && p.from > self.session.now())
        {
            self.clock.set_speed(wall_ms, speed).map_err(|e| e.to_string())?;
        }
        // A playback applies the journal's entries as the clock reaches them.
        let mut applied = false;
        if let Some(queue) = &mut self.playback {
            while queue.front().is_some_and(|(_, entry)| entry.sim_ms <= now.ms()) {
                let (n, entry) = queue.pop_front().expect("just looked at");
                super::replay::apply(&mut self.session, n, &entry)?;
                applied = true;
            }
        }
        let changed = self.session.advance_to(now).map_err(|e| e.to_string())? || applied;
        if self.playback.is_none() && !self.clock.paused() && wall_ms - self.last_mark_wall_ms >= MARK_EVERY_MS {
            self.mark(wall_ms).map_err(|e| e.message)?;
        }
        if changed {
            self.version += 1;
        }
        Ok(changed)
    }

    fn mark(&mut self, wall_ms: i64) -> Result<(), Refusal> {
        self.last_mark_wall_ms = wall_ms;
        let mark =
            ClockMark { sim_ms: self.clock.now(wall_ms).max(self.session.now()).ms(), speed: self.clock.speed() };
        Ok(self.journal.mark_clock(mark)?)
    }

    /// The director's clock: `{"action": "pause" | "resume" | "speed" | "skip", ...}`.
    pub fn clock_action(&mut self, wall_ms: i64, body: &Value) -> Result<Value, Refusal> {
        self.usable()?;
        let object = body.as_object().ok_or_else(|| Refusal::bad("body", "expected a JSON object"))?;
        let action = object.get("action").and_then(Value::as_str).unwrap_or_default();
        let allowed: &[&str] = match action {
            "pause" | "resume" => &["action"],
            "speed" => &["action", "speed"],
            "skip" => &["action", "to"],
            _ => return Err(Refusal::bad("action", format!("`{action}`: expected pause, resume, speed or skip"))),
        };
        if let Some(extra) = object.keys().find(|k| !allowed.contains(&k.as_str())) {
            return Err(Refusal::bad(extra.clone(), format!("unknown for `{action}`")));
        }
        self.tick(wall_ms).map_err(Refusal::internal)?;
        let mut stopped_early = false;
        match action {
            "pause" => self.clock.pause(wall_ms),
            "resume" => self.clock.resume(wall_ms),
            "speed" => {
                let speed = object
                    .get("speed")
                    .and_then(Value::as_f64)
                    .ok_or_else(|| Refusal::bad("speed", "expected a number"))?;
                self.clock.set_speed(wall_ms, speed)?;
            }
            _ => {
                let text = object
                    .get("to")
                    .and_then(Value::as_str)
                    .ok_or_else(|| Refusal::bad("to", "expected an instant"))?;
                let to = self.instant(text)?;
                let now = self.clock.now(wall_ms);
                if to < now {
                    return Err(ClockError::Backwards { now: now.ms(), to: to.ms() }.into());
                }
                // A playback moves the clock; its entries apply as it passes them.
                let stop = if self.playback.is_some() {
                    to
                } else {
                    self.session.skip_to(to).map_err(|e| Refusal::internal(e.to_string()))?
                };
                stopped_early = stop < to;
                self.clock.set(wall_ms, stop)?;
            }
        }
        if self.playback.is_none() {
            self.append(wall_ms, &Who::Director, json!({ "kind": "clock", "clock": body }))?;
            self.mark(wall_ms)?;
        }
        self.version += 1;
        Ok(
            json!({ "sim_time": self.text(self.clock.now(wall_ms)), "paused": self.clock.paused(), "speed": self.clock.speed(), "stopped_early": stopped_early }),
        )
    }

    /// The director fires, holds, skips or re-times an inject:
    /// `{"id": "nl-release", "action": "fire" | "hold" | "skip" | "retime", "at": instant}`.
    pub fn inject_action(&mut self, wall_ms: i64, body: &Value) -> Result<Value, Refusal> {
        self.writable()?;
        let object = body.as_object().ok_or_else(|| Refusal::bad("body", "expected a JSON object"))?;
        if let Some(extra) = object.keys().find(|k| !["id", "action", "at"].contains(&k.as_str())) {
            return Err(Refusal::bad(extra.clone(), "unknown: give id, action and, to re-time, at"));
        }
        let id =
            object.get("id").and_then(Value::as_str).ok_or_else(|| Refusal::bad("id", "expected the inject's id"))?;
        let action = inject_action(
            object.get("action").and_then(Value::as_str),
            object.get("at").and_then(Value::as_str),
            self,
        )?;
        self.tick(wall_ms).map_err(Refusal::internal)?;
        let at = self.clock.now(wall_ms).max(self.session.now());
        self.session.inject_action(id, action, at)?;
        self.append_at(at, wall_ms, &Who::Director, json!({ "kind": "inject", "inject": body }))?;
        self.version += 1;
        Ok(json!({ "id": id, "at": self.text(at) }))
    }

    /// A desk's action, by its seat or the director.
    pub fn act(&mut self, wall_ms: i64, who: &Who, country: &CountryCode, body: &Value) -> Result<(), Refusal> {
        self.writable()?;
        if !who.may_act_for(country) {
            return Err(Refusal {
                status: 403,
                field: "country".to_owned(),
                message: format!("this token is not {country}'s seat"),
            });
        }
        let action = Action::from_json(body).map_err(|e| Refusal::bad(e.field.clone(), e.message.clone()))?;
        self.tick(wall_ms).map_err(Refusal::internal)?;
        let at = self.clock.now(wall_ms).max(self.session.now());
        // The session refuses before it changes anything; what it takes is
        // journaled before the caller hears of it.
        self.session.act(country, action, at)?;
        self.append_at(at, wall_ms, who, json!({ "kind": "action", "country": country.as_str(), "action": body }))?;
        self.version += 1;
        Ok(())
    }

    /// The director hands a desk to a person (a new token, revoking any
    /// before) or to a bot (revoking its token): `{"country": "DE", "to": "person" | "bot"}`.
    pub fn seat_action(&mut self, wall_ms: i64, body: &Value) -> Result<Value, Refusal> {
        self.writable()?;
        let object = body.as_object().ok_or_else(|| Refusal::bad("body", "expected a JSON object"))?;
        if let Some(extra) = object.keys().find(|k| !["country", "to"].contains(&k.as_str())) {
            return Err(Refusal::bad(extra.clone(), "unknown: give country and to"));
        }
        let code = object.get("country").and_then(Value::as_str).unwrap_or_default();
        let country = CountryCode::from(code);
        if !self.session.scenario().countries.contains_key(&country) {
            return Err(Refusal::bad("country", format!("`{code}` is not a country of the scenario")));
        }
        let person = match object.get("to").and_then(Value::as_str) {
            Some("person") => true,
            Some("bot") => false,
            _ => return Err(Refusal::bad("to", "expected \"person\" or \"bot\"")),
        };
        self.tick(wall_ms).map_err(Refusal::internal)?;
        let at = self.clock.now(wall_ms).max(self.session.now());
        self.session.hand_over(&country, person, at)?;
        let token = if person { Some(new_token().map_err(Refusal::internal)?) } else { None };
        self.journal.set_seat(code, token.as_deref())?;
        let to = if person { "person" } else { "bot" };
        self.append_at(at, wall_ms, &Who::Director, json!({ "kind": "hand_over", "country": code, "to": to }))?;
        match &token {
            Some(token) => self.seat_tokens.insert(country.clone(), token.clone()),
            None => self.seat_tokens.remove(&country),
        };
        self.version += 1;
        Ok(json!({ "country": code, "played_by": to, "token": token }))
    }

    fn append(&mut self, wall_ms: i64, who: &Who, body: Value) -> Result<(), Refusal> {
        let at = self.clock.now(wall_ms).max(self.session.now());
        self.append_at(at, wall_ms, who, body)
    }

    fn append_at(&mut self, at: SimTime, wall_ms: i64, who: &Who, body: Value) -> Result<(), Refusal> {
        let entry = Entry { sim_ms: at.ms(), wall_ms, actor: who.actor(), body: body.to_string() };
        self.journal.append(&entry).map_err(|error| {
            let message = format!("{error}: the exercise takes no more actions; restart it on its journal");
            self.broken = Some(message.clone());
            Refusal::internal(message)
        })
    }

    /// A change is taken only in a live exercise: a playback is read-only.
    fn writable(&self) -> Result<(), Refusal> {
        if self.playback.is_some() {
            return Err(Refusal {
                status: 403,
                field: String::new(),
                message: "this is a replay of a finished exercise: it is read-only".to_owned(),
            });
        }
        self.usable()
    }

    fn usable(&self) -> Result<(), Refusal> {
        match &self.broken {
            Some(message) => Err(Refusal::internal(message.clone())),
            None => Ok(()),
        }
    }

    /// A refused request, for the director's console: `actor` is who
    /// asked, as far as their token says.
    pub fn reject(&mut self, wall_ms: i64, actor: String, refusal: &Refusal) {
        if self.rejected.len() == REJECTED_KEPT {
            self.rejected.remove(0);
        }
        self.rejected.push(Rejected { wall_ms, actor, field: refusal.field.clone(), error: refusal.message.clone() });
        self.version += 1;
    }

    fn instant(&self, text: &str) -> Result<SimTime, Refusal> {
        self.instant_field("to", text)
    }

    fn instant_field(&self, field: &str, text: &str) -> Result<SimTime, Refusal> {
        let at: jiff::Timestamp = text.parse().map_err(|_| {
            let shown: String = text.chars().take(40).collect();
            Refusal::bad(field, format!("`{shown}` is not an instant: write it like 2026-03-07T06:00:00+01:00"))
        })?;
        let ms = at.as_millisecond() - self.session.scenario().epoch.as_millisecond();
        pocnet_node::constraint::instant_ms(field, ms).map_err(|e| Refusal::bad(field, e.0))?;
        Ok(SimTime(ms))
    }

    /// A simulated instant as RFC 3339, in UTC.
    pub fn text(&self, at: SimTime) -> String {
        instant_text(self.session.scenario(), at)
    }
}

pub fn instant_text(scenario: &Scenario, at: SimTime) -> String {
    jiff::Timestamp::from_millisecond(scenario.epoch.as_millisecond() + at.ms())
        .map_or_else(|_| format!("sim ms {}", at.ms()), |t| t.to_string())
}

/// An improvement plan line from its JSON: each part present, the date a date.
pub(super) fn plan_item(body: &Value) -> Result<super::session::PlanItem, Refusal> {
    let object = body.as_object().ok_or_else(|| Refusal::bad("body", "expected a JSON object"))?;
    if let Some(extra) = object.keys().find(|k| !["action", "owner", "due"].contains(&k.as_str())) {
        return Err(Refusal::bad(extra.clone(), "unknown: give action, owner and due"));
    }
    let text = |field: &str| -> Result<String, Refusal> {
        let value = object.get(field).and_then(Value::as_str).map(str::trim).unwrap_or_default();
        if value.is_empty() {
            return Err(Refusal::bad(field, "missing"));
        }
        if value.chars().count() > 1_000 {
            return Err(Refusal::bad(field, "longer than 1000 characters"));
        }
        Ok(value.to_owned())
    };
    let due = text("due")?;
    let date: jiff::civil::Date = due.parse().map_err(|_| {
        Refusal::bad(
            "due",
            format!("`{}` is not a date: write it like 2027-03-01", due.chars().take(20).collect::<String>()),
        )
    })?;
    Ok(super::session::PlanItem { action: text("action")?, owner: text("owner")?, due: date.to_string() })
}

/// `fire`, `hold`, `skip`, or `retime` with its instant.
fn inject_action(action: Option<&str>, at: Option<&str>, live: &Live) -> Result<InjectAction, Refusal> {
    Ok(match action {
        Some("fire") => InjectAction::Fire,
        Some("hold") => InjectAction::Hold,
        Some("skip") => InjectAction::Skip,
        Some("retime") => InjectAction::Retime(live.instant_field("at", at.unwrap_or_default())?),
        _ => return Err(Refusal::bad("action", "expected fire, hold, skip or retime")),
    })
}

/// Compares tokens in time independent of where they first differ.
fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
