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
    pub met: Option<Met>,
    /// Its limit passed unmet.
    pub missed: bool,
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
        Injects { msel, runs, expectations: Vec::new(), unmatched: Vec::new() }
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

    /// Open expectations, by their place, with the instant of their limit.
    fn open(&self) -> impl Iterator<Item = (usize, i64)> {
        self.expectations
            .iter()
            .enumerate()
            .filter(|(_, e)| e.met.is_none() && !e.missed)
            .map(|(i, e)| (i, e.created_ms + self.definition(e).limit_ms))
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
            let by = expectation.by.clone().or(match &inject.to {
                Recipient::Seat(country) => Some(country.clone()),
                Recipient::All | Recipient::Director => None,
            });
            self.expectations.push(ExpectationRun {
                inject: inject.id.clone(),
                index: n,
                created_ms: at.ms(),
                by,
                met: None,
                missed: false,
            });
            // Already done: met as it opens.
            let position = self.expectations.len() - 1;
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
        let observed = Observed { country: country.clone(), peer: peer.cloned(), form: form.clone(), task };
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
        self.expectations[index].met = Some(Met { at_ms: at.ms(), task: observed.task, missing });
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
