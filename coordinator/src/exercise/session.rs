//! One exercise in simulated time: every country's node, as `pocnet run`
//! drives them, with some desks played by people. A person's desk steps
//! wait for them as tasks; their action fires the step at the simulated
//! instant they took it, so their delay propagates down the chain exactly
//! as a slow bot desk's would. Everything here is a function of the
//! scenario, the seed and the actions with their instants: the same
//! actions replayed give the same log, byte for byte.

use super::clock::ClockError;
pub use super::command::PlanItem;
use super::command::{ClockAction, Command, DeskAction, InjectVerb, PlayedBy};
use super::forms::{FieldError, FilledForm};
use super::injects::{InjectAction, Injects};
use crate::engine::EngineError;
use crate::scenario::Scenario;
use crate::scenario::templates::StepKind;
use crate::windows::Windows;
use pocnet_node::contact_point::{Slips, Timer};
use pocnet_node::runtime::{NodeRuntime, TooLate};
use pocnet_node::{CountryCode, Event, EventKind, SimTime};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// A desk step waiting for the person who plays the desk.
#[derive(Debug, Clone)]
pub struct Task {
    pub id: u64,
    pub country: CountryCode,
    pub kind: StepKind,
    /// When it reached the desk.
    pub since: SimTime,
    pub step: Timer,
    pub state: TaskState,
    /// Opened by the seat (a director's look marks nothing read).
    pub read: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum TaskState {
    Waiting,
    Done {
        at_ms: i64,
    },
    /// The desk went to a bot, which took the step on its own clock.
    HandedToBot {
        at_ms: i64,
    },
    /// The desk stopped pursuing the case.
    NotPursued {
        at_ms: i64,
    },
    /// No longer needed: a hold's renewal once production was asked for.
    Moot {
        at_ms: i64,
    },
}

/// An objective's final rating, given by the director as lead evaluator.
#[derive(Debug, Clone, Serialize)]
pub struct FinalRating {
    pub at_ms: i64,
    pub rating: super::rating::Rating,
    pub note: String,
}

/// A participant's hot-wash feedback.
#[derive(Debug, Clone, Serialize)]
pub struct Feedback {
    pub at_ms: i64,
    pub country: CountryCode,
    pub went_well: String,
    pub to_improve: String,
}

/// A line of an evaluator's observation log.
#[derive(Debug, Clone, Serialize)]
pub struct Observation {
    pub at_ms: i64,
    pub evaluator: String,
    pub cell: CountryCode,
    pub text: String,
}

/// A case a desk stopped pursuing, and why.
#[derive(Debug, Clone, Serialize)]
pub struct Closure {
    pub at_ms: i64,
    pub country: CountryCode,
    pub incident: String,
    pub because: String,
}

/// A form a person sent, kept for scoring (part 2) and the debrief.
#[derive(Debug, Clone, Serialize)]
pub struct SentForm {
    pub at_ms: i64,
    pub country: CountryCode,
    pub task: u64,
    pub form: FilledForm,
}

/// A line of a desk's decision log.
#[derive(Debug, Clone, Serialize)]
pub struct Note {
    pub at_ms: i64,
    pub country: CountryCode,
    /// The desk it was written to; `None`: the writer's own log.
    pub to: Option<CountryCode>,
    pub text: String,
}

/// An evaluator's rating of an objective for the cell they watch, with a note.
#[derive(Debug, Clone, Serialize)]
pub struct Evaluation {
    pub at_ms: i64,
    pub evaluator: String,
    pub cell: CountryCode,
    pub objective: String,
    pub rating: super::rating::Rating,
    pub note: String,
}

/// What a command did: for a skip, where the clock stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Applied {
    pub skipped_to: Option<SimTime>,
    /// The skip stopped before its target: a person's desk received something.
    pub stopped_early: bool,
}

/// Why an action was refused; nothing changed.
#[derive(Debug, thiserror::Error)]
pub enum ActionError {
    #[error(transparent)]
    Field(#[from] FieldError),
    #[error("{0} is not a country of the scenario")]
    UnknownCountry(CountryCode),
    #[error("{0}'s desk is played by a bot: hand it to a person first")]
    PlayedByBot(CountryCode),
    #[error("task {0} does not exist")]
    UnknownTask(u64),
    #[error("task {task} is {owner}'s, not {country}'s")]
    NotYours { task: u64, owner: CountryCode, country: CountryCode },
    #[error("task {0} is no longer waiting")]
    NotWaiting(u64),
    #[error("task {task} waits for `{expected}`, not `{given}`")]
    WrongForm { task: u64, expected: &'static str, given: &'static str },
    #[error(transparent)]
    TooLate(#[from] TooLate),
    #[error(transparent)]
    Clock(#[from] ClockError),
    #[error(transparent)]
    Engine(#[from] EngineError),
}

impl ActionError {
    /// The request field at fault, for the 400 answer.
    pub fn field(&self) -> &str {
        match self {
            ActionError::Field(e) => &e.field,
            ActionError::UnknownCountry(_) | ActionError::PlayedByBot(_) => "country",
            ActionError::UnknownTask(_) | ActionError::NotYours { .. } | ActionError::NotWaiting(_) => "task",
            ActionError::WrongForm { .. } => "kind",
            ActionError::TooLate(_) => "at",
            ActionError::Clock(ClockError::Speed(_)) => "speed",
            ActionError::Clock(ClockError::Backwards { .. }) => "to",
            ActionError::Engine(_) => "",
        }
    }
}

pub struct Session {
    scenario: Scenario,
    nodes: Vec<NodeRuntime>,
    index: BTreeMap<CountryCode, usize>,
    /// Everything before this instant has run.
    now: SimTime,
    log: Vec<Event>,
    tasks: Vec<Task>,
    forms: Vec<SentForm>,
    notes: Vec<Note>,
    injects: Injects,
    closures: Vec<Closure>,
    observations: Vec<Observation>,
    feedback: Vec<Feedback>,
    /// The director's final rating of each objective, the latest counting.
    final_ratings: BTreeMap<String, FinalRating>,
    plan: Vec<PlanItem>,
    evaluations: Vec<Evaluation>,
}

impl Session {
    /// The scenario's nodes at time zero, the desks of `people` played by persons.
    pub fn new(scenario: Scenario, seed: u64, people: &BTreeSet<CountryCode>) -> Result<Session, ActionError> {
        Session::replication(scenario, seed, 0, people)
    }

    /// As [`Session::new`], with the bots' and carriers' draws of another
    /// replication of the same seed, as `pocnet run --replications` makes
    /// them: a rehearsal over replications.
    pub fn replication(
        scenario: Scenario,
        seed: u64,
        replication: u64,
        people: &BTreeSet<CountryCode>,
    ) -> Result<Session, ActionError> {
        let nodes: Vec<NodeRuntime> =
            scenario.node_configs(seed, replication).into_iter().map(NodeRuntime::new).collect();
        let index = nodes.iter().enumerate().map(|(i, n)| (*n.country(), i)).collect();
        let start = scenario.exercise.as_ref().map_or(SimTime::ZERO, |e| e.start);
        let injects = Injects::new(scenario.msel.clone(), start);
        let mut session = Session {
            scenario,
            nodes,
            index,
            now: SimTime::ZERO,
            log: Vec::new(),
            tasks: Vec::new(),
            forms: Vec::new(),
            notes: Vec::new(),
            injects,
            closures: Vec::new(),
            observations: Vec::new(),
            feedback: Vec::new(),
            final_ratings: BTreeMap::new(),
            plan: Vec::new(),
            evaluations: Vec::new(),
        };
        for country in people {
            session.hand_over(country, true, SimTime::ZERO)?;
        }
        Ok(session)
    }

    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    pub fn now(&self) -> SimTime {
        self.now
    }

    pub fn tasks(&self) -> &[Task] {
        &self.tasks
    }

    pub fn forms(&self) -> &[SentForm] {
        &self.forms
    }

    pub fn notes(&self) -> &[Note] {
        &self.notes
    }

    pub fn injects(&self) -> &Injects {
        &self.injects
    }

    /// The director's final ratings, by objective.
    pub fn final_ratings(&self) -> &BTreeMap<String, FinalRating> {
        &self.final_ratings
    }

    /// Participants' hot-wash feedback, in the order given.
    pub fn feedback(&self) -> &[Feedback] {
        &self.feedback
    }

    /// Evaluators' observation logs, in the order written.
    pub fn observations(&self) -> &[Observation] {
        &self.observations
    }

    /// Cases desks stopped pursuing, in the order they did.
    pub fn closures(&self) -> &[Closure] {
        &self.closures
    }

    pub fn plan(&self) -> &[PlanItem] {
        &self.plan
    }

    pub fn evaluations(&self) -> &[Evaluation] {
        &self.evaluations
    }

    /// An evaluator's rating, of an objective the scenario has.
    fn evaluate(&mut self, evaluation: Evaluation) -> Result<(), ActionError> {
        self.check_objective(&evaluation.objective)?;
        self.evaluations.push(evaluation);
        Ok(())
    }

    fn check_objective(&self, objective: &str) -> Result<(), ActionError> {
        if !self.injects.msel().objectives.iter().any(|o| o.id == objective) {
            let known: Vec<&str> = self.injects.msel().objectives.iter().map(|o| o.id.as_str()).collect();
            let message = format!(
                "`{}` is no objective of the exercise; it has {}",
                super::forms::excerpt(objective),
                known.join(", ")
            );
            return Err(ActionError::Field(FieldError::new("objective", message)));
        }
        Ok(())
    }

    /// The events so far in the order the session ran them, for lookups
    /// that need no order (a sorted copy is `log`).
    pub fn events(&self) -> &[Event] {
        &self.log
    }

    /// The log so far, in the order `pocnet run` writes it.
    pub fn log(&self) -> Vec<Event> {
        let mut log = self.log.clone();
        log.sort_by_key(|e| (e.at, e.country.order_key(), e.sequence));
        log
    }

    pub fn is_person(&self, country: &CountryCode) -> bool {
        self.index.get(country).is_some_and(|&i| self.nodes[i].is_manual())
    }

    /// The desks persons play, in country order.
    pub fn people(&self) -> Vec<CountryCode> {
        self.index.keys().filter(|c| self.is_person(c)).cloned().collect()
    }

    /// When anything is next due (a node's input, an inject, an
    /// expectation's limit), `None` once everything has settled.
    pub fn next_event(&self) -> Option<SimTime> {
        self.nodes.iter().filter_map(NodeRuntime::next_event_time).chain(self.injects.next_due()).min()
    }

    /// Runs everything due before `until`; returns whether anything happened.
    ///
    /// The window schedule with every grant capped at `until`: what a person
    /// may still do at `until` can reach no one before it. Where the calls
    /// split simulated time changes nothing: the nodes' windows are safe, and
    /// the desk steps a call opens all fall in `[now, until)`, numbered by
    /// instant and country, so a session ticked by the wall clock and its
    /// replay number every task alike.
    pub fn advance_to(&mut self, until: SimTime) -> Result<bool, EngineError> {
        let mut changed = false;
        let pending = self.nodes.iter().map(NodeRuntime::next_event_time).collect();
        let mut windows = Windows::new(pending, self.scenario.network.min_message_delay_ms);
        let mut grants = Vec::with_capacity(self.nodes.len());
        let mut sent = Vec::new();
        let mut opened = Vec::new();
        while windows.next(until, &mut grants).is_some() {
            changed = true;
            for &(i, bound) in &grants {
                let outcome = self.nodes[i].advance(bound);
                self.log.extend(outcome.events);
                sent.extend(outcome.sent);
                let country = self.nodes[i].country();
                opened.extend(outcome.awaiting.into_iter().map(|(at, step)| (at, *country, step)));
            }
            for envelope in sent.drain(..) {
                let to = *self.index.get(&envelope.to).ok_or(EngineError::MissingNode(envelope.to))?;
                windows.arrives(to, envelope.deliver_at);
                self.nodes[to].deliver(envelope)?;
            }
            for &(i, _) in &grants {
                windows.ran(i, self.nodes[i].next_event_time());
            }
        }
        // Stable: a desk's steps at one instant keep the order it took them in.
        opened.sort_by_key(|(at, country, _)| (*at, country.order_key()));
        for (at, country, step) in opened {
            self.open_task(country, at, step);
        }
        // Injects reach people only: they change no node, so they run after.
        changed |= self.injects.run_until(until);
        self.now = self.now.max(until);
        Ok(changed)
    }

    /// Runs ahead to `to` at full speed, stopping early, just after the
    /// instant a person's desk receives something; returns where it stopped.
    pub fn skip_to(&mut self, to: SimTime) -> Result<SimTime, EngineError> {
        self.injects.set_skipping(true);
        let stopped = self.skip_to_unmarked(to);
        self.injects.set_skipping(false);
        stopped
    }

    fn skip_to_unmarked(&mut self, to: SimTime) -> Result<SimTime, EngineError> {
        let waiting = |s: &Session| s.tasks.len() + s.injects.sent();
        let before = waiting(self);
        while let Some(next) = self.next_event() {
            if next >= to {
                break;
            }
            let step = next.plus_ms(1).max(self.now);
            self.advance_to(step)?;
            if waiting(self) > before {
                return Ok(self.now);
            }
        }
        self.advance_to(to)?;
        Ok(self.now)
    }

    /// Runs a command at `at` (not before the session's present), after
    /// everything due before it: the one way anything a person does changes
    /// the exercise, live, resumed, replayed, played back or forked. Refused,
    /// it has changed nothing but the time run.
    pub fn apply(&mut self, command: &Command, at: SimTime) -> Result<Applied, ActionError> {
        self.check_present(at)?;
        self.advance_to(at)?;
        let mut applied = Applied::default();
        match command {
            Command::Desk { country, action } => self.act(country, action, at)?,
            Command::Clock { action: ClockAction::Skip { to } } => {
                let to = self.instant("to", *to)?;
                if to < at {
                    let message = format!(
                        "cannot skip back in time: the exercise stands at {}, the skip asks for {}",
                        self.scenario.instant_text(at),
                        self.scenario.instant_text(to)
                    );
                    return Err(FieldError::new("to", message).into());
                }
                let stop = self.skip_to(to)?;
                applied = Applied { skipped_to: Some(stop), stopped_early: stop < to };
            }
            Command::Clock { action: ClockAction::Speed { speed } } => super::clock::check_speed(*speed)?,
            Command::Clock { action: ClockAction::Pause | ClockAction::Resume } => {}
            Command::Inject { order } => {
                let action = match order.action {
                    InjectVerb::Fire => InjectAction::Fire,
                    InjectVerb::Hold => InjectAction::Hold,
                    InjectVerb::Skip => InjectAction::Skip,
                    InjectVerb::Retime { at } => InjectAction::Retime(self.instant("at", at)?),
                };
                self.inject_action(&order.id, action, at)?;
            }
            Command::HandOver { country, to } => self.hand_over(country, *to == PlayedBy::Person, at)?,
            Command::Evaluate { evaluator, cell, form } => self.evaluate(Evaluation {
                at_ms: at.ms(),
                evaluator: evaluator.clone(),
                cell: *cell,
                objective: form.objective.clone(),
                rating: form.rating,
                note: form.note.clone(),
            })?,
            Command::Plan { item } => self.plan.push(item.clone()),
            Command::FinalRating { form } => {
                self.check_objective(&form.objective)?;
                let rating = FinalRating { at_ms: at.ms(), rating: form.rating, note: form.note.clone() };
                self.final_ratings.insert(form.objective.clone(), rating);
            }
            Command::Feedback { country, went_well, to_improve } => {
                if went_well.trim().is_empty() && to_improve.trim().is_empty() {
                    return Err(FieldError::new("went_well", "missing: say what went well or what to improve").into());
                }
                self.feedback.push(Feedback {
                    at_ms: at.ms(),
                    country: *country,
                    went_well: went_well.trim().to_owned(),
                    to_improve: to_improve.trim().to_owned(),
                });
            }
            Command::Observe { evaluator, cell, text } => {
                if text.trim().is_empty() {
                    return Err(FieldError::new("text", "missing: what you saw").into());
                }
                self.observations.push(Observation {
                    at_ms: at.ms(),
                    evaluator: evaluator.clone(),
                    cell: *cell,
                    text: text.clone(),
                });
            }
        }
        Ok(applied)
    }

    /// An instant a command names, in simulated time.
    fn instant(&self, field: &str, at: jiff::Timestamp) -> Result<SimTime, ActionError> {
        self.scenario.sim_time(at).map_err(|message| FieldError::new(field, message).into())
    }

    /// A desk's action at `at`.
    fn act(&mut self, country: &CountryCode, action: &DeskAction, at: SimTime) -> Result<(), ActionError> {
        let node = *self.index.get(country).ok_or(ActionError::UnknownCountry(*country))?;
        match action {
            DeskAction::Note { text, to } => {
                if let Some(to) = to {
                    if to == country {
                        return Err(
                            FieldError::new("to", "a note to your own desk goes in your log: leave `to` out").into()
                        );
                    }
                    // Only a person reads notes: one to a bot's desk would be lost.
                    if !self.is_person(to) {
                        let people = self.people().iter().map(CountryCode::as_str).collect::<Vec<_>>().join(", ");
                        let message = format!(
                            "`{}` is no desk a person plays now (people play: {people})",
                            super::forms::excerpt(to.as_str())
                        );
                        return Err(FieldError::new("to", message).into());
                    }
                }
                self.notes.push(Note { at_ms: at.ms(), country: *country, to: *to, text: text.clone() });
            }
            DeskAction::Read { task } => {
                self.task_of(country, *task)?;
                self.tasks[*task as usize].read = true;
            }
            DeskAction::NotPursued { incident, because } => {
                if !self.scenario.incidents.iter().any(|i| &i.id == incident) {
                    let message = format!("`{}` is no case of the exercise", super::forms::excerpt(incident));
                    return Err(FieldError::new("incident", message).into());
                }
                for task in self.tasks.iter_mut().filter(|t| {
                    &t.country == country && t.state == TaskState::Waiting && t.step.case().0.as_str() == incident
                }) {
                    task.state = TaskState::NotPursued { at_ms: at.ms() };
                }
                self.closures.push(Closure {
                    at_ms: at.ms(),
                    country: *country,
                    incident: incident.clone(),
                    because: because.clone(),
                });
            }
            &DeskAction::Step { task, ref form } => {
                if !self.is_person(country) {
                    return Err(ActionError::PlayedByBot(*country));
                }
                let waiting = self.task_of(country, task)?;
                if waiting.state != TaskState::Waiting {
                    return Err(ActionError::NotWaiting(task));
                }
                if !waiting.kind.forms().contains(&form.kind) {
                    return Err(ActionError::WrongForm {
                        task,
                        expected: waiting.kind.name(),
                        given: form.kind.name(),
                    });
                }
                let step = self.step_as_filled(&waiting.step.clone(), form);
                self.nodes[node].act(at, step)?;
                self.injects.observe(country, peer(&waiting.step), form, task, at);
                let task_ref = &mut self.tasks[task as usize];
                task_ref.state = TaskState::Done { at_ms: at.ms() };
                task_ref.read = true;
                // Production asked for: the hold's renewal on the same hop is moot.
                if form.kind == StepKind::ProductionRequest {
                    for renewal in self.tasks.iter_mut().filter(|t| {
                        &t.country == country
                            && t.kind == StepKind::RenewHold
                            && t.state == TaskState::Waiting
                            && t.step.case() == waiting.step.case()
                    }) {
                        renewal.state = TaskState::Moot { at_ms: at.ms() };
                    }
                }
                self.forms.push(SentForm { at_ms: at.ms(), country: *country, task, form: form.clone() });
            }
        }
        Ok(())
    }

    /// The director's action on an inject, at `at`.
    fn inject_action(&mut self, id: &str, action: InjectAction, at: SimTime) -> Result<(), ActionError> {
        self.injects.act(id, action, at).map_err(|message| ActionError::Field(FieldError::new("id", message)))
    }

    /// Hands a desk to a person (`true`) or to a bot, at `at`, keeping every
    /// case: the bot's scheduled steps wait for the person, or the person's
    /// waiting steps are taken by the bot on its own clock from then.
    pub fn hand_over(&mut self, country: &CountryCode, person: bool, at: SimTime) -> Result<(), ActionError> {
        let node = *self.index.get(country).ok_or(ActionError::UnknownCountry(*country))?;
        if self.nodes[node].is_manual() == person {
            return Ok(());
        }
        if person {
            for step in self.nodes[node].hand_to_person() {
                self.open_task(*country, at, step);
            }
        } else {
            let mut steps = Vec::new();
            for task in self.tasks.iter_mut().filter(|t| &t.country == country && t.state == TaskState::Waiting) {
                task.state = TaskState::HandedToBot { at_ms: at.ms() };
                steps.push(task.step.clone());
            }
            self.nodes[node].hand_to_bot(at, steps)?;
        }
        Ok(())
    }

    fn check_present(&self, at: SimTime) -> Result<(), TooLate> {
        if at < self.now { Err(TooLate { at: at.ms(), now: self.now.ms() }) } else { Ok(()) }
    }

    fn task_of(&self, country: &CountryCode, task: u64) -> Result<Task, ActionError> {
        let found = self.tasks.get(task as usize).ok_or(ActionError::UnknownTask(task))?;
        if &found.country != country {
            return Err(ActionError::NotYours { task, owner: found.country, country: *country });
        }
        Ok(found.clone())
    }

    fn open_task(&mut self, country: CountryCode, at: SimTime, step: Timer) {
        let Some(kind) = self.step_kind(&country, &step) else { return };
        self.injects.step_reached(&country, kind, peer(&step), at);
        let id = self.tasks.len() as u64;
        self.tasks.push(Task { id, country, kind, since: at, step, state: TaskState::Waiting, read: false });
    }

    /// The form a waiting step asks for.
    fn step_kind(&self, country: &CountryCode, step: &Timer) -> Option<StepKind> {
        Some(match step {
            // A request from abroad is acknowledged first; the desk's own
            // carrier is simply ordered.
            Timer::Acknowledge { incident, hop } => {
                let received = self.log.iter().any(|e| {
                    &e.country == country
                        && &e.incident == incident
                        && e.hop == *hop
                        && matches!(e.kind, EventKind::RequestReceived { .. })
                });
                if received { StepKind::Acknowledge } else { StepKind::OrderPreservation }
            }
            Timer::GatePreservation { .. } => StepKind::OrderPreservation,
            Timer::SendRequest { .. } => StepKind::SendRequest,
            Timer::Clarify { .. } => StepKind::Clarify,
            Timer::SendConfirmation { .. } => StepKind::Confirm,
            Timer::SendProductionRequest { .. } => StepKind::ProductionRequest,
            Timer::RenewHold { .. } => StepKind::RenewHold,
            Timer::ForwardDisclosure { .. } => StepKind::Disclose,
            _ => return None,
        })
    }

    /// The step as the form makes it: a request carries what its form got
    /// wrong; a production request goes by the instrument the form names.
    fn step_as_filled(&self, step: &Timer, form: &FilledForm) -> Timer {
        match step.clone() {
            Timer::SendRequest { incident, hop, next, reporting_country, batch, .. } => {
                let slips = self.slips(incident.as_str(), &next.carrier, form);
                Timer::SendRequest { incident, hop, next, reporting_country, batch, slips: Some(slips) }
            }
            Timer::SendProductionRequest { incident, hop, to, channel } => {
                Timer::SendProductionRequest { incident, hop, to, channel: form.channel().unwrap_or(channel) }
            }
            Timer::Acknowledge { incident, hop } if form.kind == StepKind::AskClarification => {
                Timer::AskClarification { incident, hop }
            }
            Timer::Acknowledge { incident, hop } if form.kind == StepKind::Refuse => {
                Timer::Refuse { incident, hop, dual_criminality: form.dual_criminality() }
            }
            other => other,
        }
    }

    /// What a request form got wrong, in the law machinery's terms: a
    /// timestamp naming another instant than the communication's (a wrong
    /// offset names someone else), or a request the receiving desk must
    /// send back (`defects`, said as a desk would).
    fn slips(&self, incident: &str, carrier: &pocnet_node::CarrierId, form: &FilledForm) -> Slips {
        let communication_ms = self
            .scenario
            .incidents
            .iter()
            .find(|i| i.id == incident)
            .map(|i| self.scenario.epoch.as_millisecond() + i.communication_at.ms());
        let instant = form.instant("timestamp").and_then(|t| t.at_ms);
        let timestamp_error =
            matches!((instant, communication_ms), (Some(at), Some(truth)) if (at - truth).abs() > 1_000);
        Slips { timestamp_error, defect: !self.defects(carrier, form).is_empty() }
    }

    /// Why a request form cannot be acted on as it stands: no address, no
    /// time that is sure (none, or one without its UTC offset), no source
    /// port where the carrier shares addresses behind carrier-grade NAT.
    pub fn defects(&self, carrier: &pocnet_node::CarrierId, form: &FilledForm) -> Vec<&'static str> {
        let mut defects = Vec::new();
        if !form.has("ip") {
            defects.push("it names no IP address");
        }
        match form.instant("timestamp") {
            None => defects.push("it gives no date and time"),
            Some(instant) if instant.at_ms.is_none() => defects.push("its time has no UTC offset"),
            Some(_) => {}
        }
        if self.scenario.cgn_carriers.contains(carrier) && !form.has("port") {
            defects.push("it gives no source port, and the carrier shares addresses behind carrier-grade NAT");
        }
        defects
    }
}

/// The country a step's form goes to, where the step names one.
fn peer(step: &Timer) -> Option<&CountryCode> {
    match step {
        Timer::SendRequest { next, .. } => Some(&next.country),
        Timer::SendConfirmation { to, .. }
        | Timer::SendProductionRequest { to, .. }
        | Timer::Clarify { to, .. }
        | Timer::RenewHold { to, .. } => Some(to),
        _ => None,
    }
}
