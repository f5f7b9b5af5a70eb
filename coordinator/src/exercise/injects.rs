//! The MSEL as it plays: each inject pending, held, skipped or sent at its
//! simulated instant (a pause never makes it late), the expectations it
//! creates, met by a form or missed at their limit, a missed one firing its
//! contingency at that very instant. A function of simulated time, the forms
//! sent and the director's inject actions, so it replays exactly.

use super::forms::FilledForm;
use crate::scenario::msel::{Inject, Msel, Recipient, When};
use crate::scenario::templates::StepKind;
use pocnet_node::{CountryCode, SimTime};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum InjectState {
    Pending,
    /// The director holds it: it waits however due it is.
    Held,
    Skipped,
    Sent {
        at_ms: i64,
    },
}

#[derive(Debug, Clone, Serialize)]
pub struct InjectRun {
    pub id: String,
    /// When it fires unless held, skipped or fired earlier.
    pub due_ms: Option<i64>,
    #[serde(flatten)]
    pub state: InjectState,
}

/// A form that met an expectation: when, by which step, and what it lacked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Met {
    pub at_ms: i64,
    pub task: u64,
    /// Expected fields absent or inexact (a time without its offset).
    pub missing: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExpectationRun {
    pub inject: String,
    /// Its place among the inject's expectations.
    pub index: usize,
    pub created_ms: i64,
    pub by: Option<CountryCode>,
    /// When the desk first could act: the inject, or the step it asks for
    /// reaching the desk, whichever is later. Its goal and limit run from
    /// here; `None`: the step has not reached the desk.
    pub could_act_ms: Option<i64>,
    /// When the step it asks for first reached the desk, even before the
    /// inject: an inject sent well after that announces what the desk has
    /// already seen.
    pub reached_ms: Option<i64>,
    pub met: Option<Met>,
    /// Its limit passed unmet.
    pub missed: bool,
    /// The limit passed inside a director's skip, not in play.
    pub missed_in_skip: bool,
}

/// A director's action on an inject.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum InjectAction {
    Fire,
    Hold,
    Skip,
    Retime(SimTime),
}

pub struct Injects {
    msel: Msel,
    runs: Vec<InjectRun>,
    expectations: Vec<ExpectationRun>,
    /// Forms sent before any expectation asked for them: a desk that acted
    /// before being prompted meets the expectation as it opens.
    unmatched: Vec<Observed>,
    /// Every desk step that reached a person's desk, in the order it did:
    /// when each expectation's desk could first act.
    reached: Vec<Reached>,
    /// A director's skip is running: limits passed now are the director's.
    skipping: bool,
}

/// A desk step that reached a person's desk.
#[derive(Debug, Clone)]
struct Reached {
    country: CountryCode,
    kind: StepKind,
    peer: Option<CountryCode>,
    at_ms: i64,
}

#[derive(Debug, Clone)]
struct Observed {
    country: CountryCode,
    peer: Option<CountryCode>,
    form: FilledForm,
    task: u64,
}

impl Injects {
    pub fn new(msel: Msel, start: SimTime) -> Injects {
        let due = msel.schedule(start);
        let runs = msel
            .injects
            .iter()
            .map(|i| InjectRun { id: i.id.clone(), due_ms: due[&i.id].map(SimTime::ms), state: InjectState::Pending })
            .collect();
        Injects { msel, runs, expectations: Vec::new(), unmatched: Vec::new(), reached: Vec::new(), skipping: false }
    }

    pub fn msel(&self) -> &Msel {
        &self.msel
    }

    pub fn runs(&self) -> &[InjectRun] {
        &self.runs
    }

    pub fn expectations(&self) -> &[ExpectationRun] {
        &self.expectations
    }

    /// The inject's definition, by its place in the list.
    pub fn inject(&self, index: usize) -> &Inject {
        &self.msel.injects[index]
    }

    pub fn sent(&self) -> usize {
        self.runs.iter().filter(|r| matches!(r.state, InjectState::Sent { .. })).count()
    }

    /// The next instant something is due: an inject, or an expectation's limit.
    pub fn next_due(&self) -> Option<SimTime> {
        let injects = self.runs.iter().filter(|r| r.state == InjectState::Pending).filter_map(|r| r.due_ms);
        let limits = self.open().map(|(_, limit)| limit);
        injects.chain(limits).min().map(SimTime)
    }

    /// Open expectations whose desk could act, by their place, with the
    /// instant of their limit.
    fn open(&self) -> impl Iterator<Item = (usize, i64)> {
        self.expectations
            .iter()
            .enumerate()
            .filter(|(_, e)| e.met.is_none() && !e.missed)
            .filter_map(|(i, e)| e.could_act_ms.map(|from| (i, from + self.definition(e).limit_ms)))
    }

    /// A director's skip starts (`true`) or ends.
    pub fn set_skipping(&mut self, skipping: bool) {
        self.skipping = skipping;
    }

    /// A desk step reached `country`'s person at `at`: the expectations
    /// asking for it may run from then.
    pub fn step_reached(&mut self, country: &CountryCode, kind: StepKind, peer: Option<&CountryCode>, at: SimTime) {
        let reached = Reached { country: *country, kind, peer: peer.cloned(), at_ms: at.ms() };
        for i in 0..self.expectations.len() {
            let e = &self.expectations[i];
            if e.reached_ms.is_none() && self.asks_for(i, &reached) {
                self.expectations[i].reached_ms = Some(reached.at_ms);
            }
            let e = &self.expectations[i];
            if e.could_act_ms.is_none() && e.met.is_none() && self.asks_for(i, &reached) {
                self.expectations[i].could_act_ms = Some(e.created_ms.max(reached.at_ms));
            }
        }
        self.reached.push(reached);
    }

    /// Whether expectation `index` asks for a step of this kind at this desk.
    fn asks_for(&self, index: usize, reached: &Reached) -> bool {
        let e = &self.expectations[index];
        let definition = self.definition(e);
        e.by.as_ref().is_none_or(|by| by == &reached.country)
            && reached.kind.forms().contains(&definition.form)
            && definition.to.as_ref().is_none_or(|to| Some(to) == reached.peer.as_ref())
    }

    fn definition(&self, e: &ExpectationRun) -> &crate::scenario::msel::Expectation {
        let inject = self.msel.inject(&e.inject).expect("an expectation's inject is in the list");
        &inject.expect[e.index]
    }

    /// Sends what is due before `until` and misses what passed its limit,
    /// in time order (the list's order breaks ties); returns whether anything happened.
    pub fn run_until(&mut self, until: SimTime) -> bool {
        let mut changed = false;
        loop {
            let inject = self
                .runs
                .iter()
                .enumerate()
                .filter(|(_, r)| r.state == InjectState::Pending)
                .filter_map(|(i, r)| r.due_ms.map(|d| (d, i)))
                .filter(|(d, _)| *d < until.ms())
                .min();
            let missed = self.open().map(|(i, limit)| (limit, i)).filter(|(d, _)| *d < until.ms()).min();
            match (inject, missed) {
                (Some((at, i)), Some((deadline, _))) if at <= deadline => self.send(i, SimTime(at)),
                (_, Some((deadline, e))) => self.miss(e, SimTime(deadline)),
                (Some((at, i)), None) => self.send(i, SimTime(at)),
                (None, None) => return changed,
            }
            changed = true;
        }
    }

    /// Sends inject `index` at `at`: its expectations open, and the injects
    /// timed after it get their instant.
    fn send(&mut self, index: usize, at: SimTime) {
        self.runs[index].state = InjectState::Sent { at_ms: at.ms() };
        let inject = self.msel.injects[index].clone();
        for (n, expectation) in inject.expect.iter().enumerate() {
            let by = expectation.by.or(match &inject.to {
                Recipient::Seat(country) => Some(*country),
                Recipient::All | Recipient::Director => None,
            });
            self.expectations.push(ExpectationRun {
                inject: inject.id.clone(),
                index: n,
                created_ms: at.ms(),
                by,
                could_act_ms: None,
                reached_ms: None,
                met: None,
                missed: false,
                missed_in_skip: false,
            });
            let position = self.expectations.len() - 1;
            // The step may have reached the desk already (or, within one
            // advance, at an instant after the inject's).
            let first = self.reached.iter().filter(|r| self.asks_for(position, r)).map(|r| r.at_ms).min();
            self.expectations[position].could_act_ms = first.map(|reached| reached.max(at.ms()));
            self.expectations[position].reached_ms = first;
            // Already done: met as it opens.
            if let Some(found) = self.unmatched.iter().position(|o| self.answers(position, o)) {
                let observed = self.unmatched.remove(found);
                self.meet(position, &observed, at);
            }
        }
        let id = inject.id.clone();
        for (run, other) in self.runs.iter_mut().zip(&self.msel.injects) {
            if let When::After { inject: base, offset_ms } = &other.when
                && base == &id
                && run.state == InjectState::Pending
            {
                run.due_ms = Some(at.ms() + offset_ms);
            }
        }
    }

    /// An expectation's limit passed unmet: its contingency fires then.
    fn miss(&mut self, index: usize, at: SimTime) {
        self.expectations[index].missed = true;
        self.expectations[index].missed_in_skip = self.skipping;
        let inject = self.msel.inject(&self.expectations[index].inject).expect("in the list");
        if let Some(contingency) = inject.on_missed.clone()
            && let Some(i) = self.msel.injects.iter().position(|i| i.id == contingency)
            && matches!(self.runs[i].state, InjectState::Pending | InjectState::Held)
        {
            self.send(i, at);
        }
    }

    /// A form sent by `country` at `at` (for task `task`, to `peer`): the
    /// first open expectation it answers is met; if none, it is kept for
    /// one that opens later.
    pub fn observe(
        &mut self,
        country: &CountryCode,
        peer: Option<&CountryCode>,
        form: &FilledForm,
        task: u64,
        at: SimTime,
    ) {
        let observed = Observed { country: *country, peer: peer.cloned(), form: form.clone(), task };
        match (0..self.expectations.len()).find(|&i| self.answers(i, &observed)) {
            Some(position) => self.meet(position, &observed, at),
            None => self.unmatched.push(observed),
        }
    }

    /// Whether expectation `index`, still open, asks for this form.
    fn answers(&self, index: usize, observed: &Observed) -> bool {
        let e = &self.expectations[index];
        let definition = self.definition(e);
        e.met.is_none()
            && !e.missed
            && e.by.as_ref().is_none_or(|by| by == &observed.country)
            // A request expected is met by one sent as an emergency too.
            && (definition.form == observed.form.kind
                || definition.form == StepKind::SendRequest && observed.form.kind == StepKind::EmergencyDisclosure)
            && definition.to.as_ref().is_none_or(|to| Some(to) == observed.peer.as_ref())
    }

    fn meet(&mut self, index: usize, observed: &Observed, at: SimTime) {
        let definition = self.definition(&self.expectations[index]);
        let mut missing: Vec<String> = Vec::new();
        for field in &definition.fields {
            match observed.form.instant(field) {
                Some(instant) if instant.at_ms.is_none() => missing.push(format!("{field} (no UTC offset)")),
                Some(_) => {}
                None if !observed.form.has(field) => missing.push((*field).to_owned()),
                None => {}
            }
        }
        let e = &mut self.expectations[index];
        // A form that answers it was the desk acting: it could act by then.
        e.could_act_ms = Some(e.could_act_ms.unwrap_or(at.ms()).min(at.ms()).max(e.created_ms));
        e.met = Some(Met { at_ms: at.ms(), task: observed.task, missing });
    }

    /// The director's action on an inject, at `now`.
    pub fn act(&mut self, id: &str, action: InjectAction, now: SimTime) -> Result<(), String> {
        let index = self.runs.iter().position(|r| r.id == id).ok_or_else(|| format!("no inject `{id}`"))?;
        let state = self.runs[index].state;
        if let InjectState::Sent { .. } = state {
            return Err(format!("inject `{id}` was already sent"));
        }
        match action {
            InjectAction::Fire => self.send(index, now),
            InjectAction::Hold => self.runs[index].state = InjectState::Held,
            InjectAction::Skip => self.runs[index].state = InjectState::Skipped,
            InjectAction::Retime(at) => {
                if at < now {
                    return Err("an inject cannot be re-timed into the past".to_owned());
                }
                self.runs[index].due_ms = Some(at.ms());
                self.runs[index].state = InjectState::Pending;
            }
        }
        Ok(())
    }

    /// Whether the inject reaches `country`'s seat.
    pub fn reaches(&self, index: usize, country: &CountryCode) -> bool {
        match &self.msel.injects[index].to {
            Recipient::Seat(seat) => seat == country,
            Recipient::All => true,
            Recipient::Director => false,
        }
    }
}
