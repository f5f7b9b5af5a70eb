//! A running exercise: the session, its paced clock, the seats and their
//! tokens, and the journal every accepted command goes to before anyone
//! hears of it. Every change comes in as a typed `Command` through
//! `Live::execute`; wall time is an input (milliseconds), so the web server
//! is one caller and the tests another.

use super::clock::{ClockError, PacedClock};
use super::command::{ClockAction, Command, EvaluatorBody, PlayedBy};
use super::forms::{FieldError, excerpt};
use super::journal::{ClockMark, Entry, Journal, JournalError, Saved};
use super::replay::replay;
use super::session::{ActionError, Applied, Session};
use crate::scenario::Scenario;
use crate::scenario::exercise::ExercisePlan;
use pocnet_node::{CountryCode, SimTime};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// Who holds a token.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
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
/// The one place a refusal gets its status; the server only maps it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Refusal {
    #[serde(skip)]
    pub status: u16,
    pub field: String,
    #[serde(rename = "error")]
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

    pub fn forbidden(message: impl Into<String>) -> Refusal {
        Refusal { status: 403, field: "token".to_owned(), message: message.into() }
    }
}

impl From<FieldError> for Refusal {
    fn from(error: FieldError) -> Refusal {
        Refusal::bad(error.field, error.message)
    }
}

impl From<ActionError> for Refusal {
    fn from(error: ActionError) -> Refusal {
        let status = match error {
            ActionError::Engine(_) => 500,
            ActionError::NotWaiting(_) | ActionError::PlayedByBot(_) => 409,
            _ => 400,
        };
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

/// What the caller hears of an accepted command.
#[derive(Debug, Clone, Serialize)]
pub struct Accepted {
    pub accepted: bool,
    /// The simulated instant the command took effect.
    pub at: String,
    pub version: u64,
    /// Where the clock stands after it.
    pub sim_time: String,
    pub paused: bool,
    pub speed: f64,
    /// A skip stopped before its target: a seat received something.
    pub stopped_early: bool,
    /// After a hand-over: who plays the desk now, and a person's new token.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub seat: Option<SeatLink>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SeatLink {
    pub country: CountryCode,
    pub played_by: PlayedBy,
    pub token: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EvaluatorLink {
    pub evaluator: i64,
    pub cell: CountryCode,
    pub token: String,
}

/// Whether `who` may give `command`: a desk's by its seat or the director,
/// the clock, injects, hand-overs and plan by the director, a rating by the
/// evaluator it names.
fn permit(who: &Who, command: &Command) -> Result<(), Refusal> {
    let director_only = |what: &str| {
        if *who == Who::Director { Ok(()) } else { Err(Refusal::forbidden(format!("only the director {what}"))) }
    };
    match command {
        Command::Feedback { country, .. } if *who == Who::Seat(*country) => Ok(()),
        Command::Feedback { .. } => Err(Refusal::forbidden("only a seat gives its own hot-wash feedback")),
        Command::Desk { country, .. } if who.may_act_for(country) => Ok(()),
        Command::Desk { country, .. } => Err(Refusal::forbidden(format!("this token is not {country}'s seat"))),
        Command::Clock { .. } => director_only("runs the clock"),
        Command::Inject { .. } => director_only("fires, holds, skips or re-times injects"),
        Command::HandOver { .. } => director_only("assigns seats"),
        Command::Plan { .. } => director_only("writes the improvement plan"),
        Command::FinalRating { .. } => director_only("gives the final ratings"),
        Command::Evaluate { evaluator, cell, .. } | Command::Observe { evaluator, cell, .. } => match who {
            Who::Evaluator { cell: watched, .. } if watched == cell && *evaluator == who.actor() => Ok(()),
            _ => Err(Refusal::forbidden("only an evaluator rates objectives, for the cell they watch")),
        },
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
    /// Seat links the director replaced or took back, and why, so that an
    /// old page can say so (kept while the server runs).
    revoked: Vec<(String, String)>,
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
                seat_tokens.insert(*country, new_token()?);
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
                revoked: Vec::new(),
            });
        }
        let saved = journal.read().map_err(|e| e.to_string())?;
        if let Some(damage) = &saved.damage {
            return Err(format!(
                "{damage}: pocnet does not resume on a damaged journal, nor write to it; \
                 `pocnet exercise report` and `pocnet exercise replay` read it up to the damage"
            ));
        }
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
            revoked: Vec::new(),
        })
    }

    /// Whether this is a read-only playback.
    pub fn is_playback(&self) -> bool {
        self.playback.is_some()
    }

    pub fn evaluator_links(&self) -> &[(i64, CountryCode, String)] {
        &self.evaluators
    }

    /// The director opens an evaluator's link for a cell.
    pub fn add_evaluator(&mut self, who: &Who, body: EvaluatorBody) -> Result<EvaluatorLink, Refusal> {
        self.writable()?;
        if *who != Who::Director {
            return Err(Refusal::forbidden("only the director opens evaluators' links"));
        }
        let cell = body.cell;
        if !self.session.scenario().countries.contains_key(&cell) {
            return Err(Refusal::bad("cell", format!("`{}` is not a country of the scenario", excerpt(cell.as_str()))));
        }
        let token = new_token().map_err(Refusal::internal)?;
        let number = self.journal.add_evaluator(cell.as_str(), &token)?;
        self.evaluators.push((number, cell, token.clone()));
        self.version += 1;
        Ok(EvaluatorLink { evaluator: number, cell, token })
    }

    /// Takes a command from `who` at wall time `wall_ms`: checks they may
    /// give it, lets simulated time catch up with the clock, applies it at
    /// that instant, and journals it before answering. Refused, it changed
    /// nothing.
    pub fn execute(&mut self, wall_ms: i64, who: &Who, command: Command) -> Result<Accepted, Refusal> {
        if self.playback.is_some() {
            return self.play_back(wall_ms, who, command);
        }
        self.usable()?;
        permit(who, &command)?;
        if command.is_desk_step() && self.clock.paused() {
            return Err(Refusal {
                status: 409,
                field: String::new(),
                message: "the exercise is paused: desk steps wait until the director resumes the clock".to_owned(),
            });
        }
        self.tick(wall_ms).map_err(Refusal::internal)?;
        let at = self.clock.now(wall_ms).max(self.session.now());
        let applied = self.session.apply(&command, at)?;
        let mut seat = None;
        match &command {
            Command::Clock { action } => {
                let stop = applied.skipped_to.unwrap_or(at);
                self.move_clock(wall_ms, *action, stop)?;
                // A skip into a phase runs on at that phase's pace.
                if let (ClockAction::Skip { .. }, Some(speed)) = (action, self.plan.speed_at(stop))
                    && self.plan.speed_at(at) != Some(speed)
                {
                    self.clock.set_speed(wall_ms, speed)?;
                }
                self.mark(wall_ms)?;
            }
            Command::HandOver { country, to } => {
                let token = match to {
                    PlayedBy::Person => Some(new_token().map_err(Refusal::internal)?),
                    PlayedBy::Bot => None,
                };
                self.journal.set_seat(country.as_str(), token.as_deref())?;
                if let Some(old) = self.seat_tokens.get(country) {
                    let why = match to {
                        PlayedBy::Person => format!("the director gave {country}'s desk a new link"),
                        PlayedBy::Bot => format!("the director handed {country}'s desk to a bot"),
                    };
                    self.revoked.push((old.clone(), format!("{why}: this link no longer acts for it")));
                }
                match &token {
                    Some(token) => self.seat_tokens.insert(*country, token.clone()),
                    None => self.seat_tokens.remove(country),
                };
                seat = Some(SeatLink { country: *country, played_by: *to, token });
            }
            _ => {}
        }
        let entry = Entry { sim_ms: at.ms(), wall_ms, actor: who.actor(), command };
        self.journal.append(&entry).map_err(|error| {
            let message = format!("{error}: the exercise takes no more commands; restart it on its journal");
            self.broken = Some(message.clone());
            Refusal::internal(message)
        })?;
        self.version += 1;
        Ok(self.accepted(wall_ms, at, applied, seat))
    }

    /// In a playback only the clock moves; the journal's commands apply as
    /// it passes them.
    fn play_back(&mut self, wall_ms: i64, who: &Who, command: Command) -> Result<Accepted, Refusal> {
        let Command::Clock { action } = command else {
            return Err(Refusal::forbidden("this is a replay of a finished exercise: it is read-only"));
        };
        permit(who, &command)?;
        self.tick(wall_ms).map_err(Refusal::internal)?;
        let at = self.clock.now(wall_ms);
        let stop = match action {
            ClockAction::Skip { to } => self.session.scenario().sim_time(to).map_err(|e| Refusal::bad("to", e))?,
            _ => at,
        };
        self.move_clock(wall_ms, action, stop)?;
        self.version += 1;
        Ok(self.accepted(wall_ms, at, Applied::default(), None))
    }

    /// The director's clock order, carried out on the paced clock; a skip
    /// lands on `stop`.
    fn move_clock(&mut self, wall_ms: i64, action: ClockAction, stop: SimTime) -> Result<(), ClockError> {
        match action {
            ClockAction::Pause => self.clock.pause(wall_ms),
            ClockAction::Resume => self.clock.resume(wall_ms),
            ClockAction::Speed { speed } => self.clock.set_speed(wall_ms, speed)?,
            ClockAction::Skip { .. } => self.clock.set(wall_ms, stop)?,
        }
        Ok(())
    }

    fn accepted(&self, wall_ms: i64, at: SimTime, applied: Applied, seat: Option<SeatLink>) -> Accepted {
        let scenario = self.session.scenario();
        let clock_at = self.clock.now(wall_ms);
        Accepted {
            accepted: true,
            at: scenario.instant_text(at),
            version: self.version,
            sim_time: scenario.instant_text(clock_at),
            paused: self.clock.paused(),
            speed: self.clock.speed(),
            stopped_early: applied.stopped_early,
            seat,
        }
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

    /// Why a token that was a seat's no longer works, if it was one.
    pub fn revoked(&self, token: &str) -> Option<&str> {
        self.revoked.iter().rev().find(|(t, _)| constant_time_eq(token, t)).map(|(_, why)| why.as_str())
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
            return Some(Who::Evaluator { number: *number, cell: *cell });
        }
        self.seat_tokens.iter().find(|(_, t)| constant_time_eq(token, t)).map(|(c, _)| Who::Seat(*c))
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

    /// A change is taken only in a live exercise: a playback is read-only.
    fn writable(&self) -> Result<(), Refusal> {
        if self.playback.is_some() {
            return Err(Refusal::forbidden("this is a replay of a finished exercise: it is read-only"));
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
}

/// Compares tokens in time independent of where they first differ.
fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
