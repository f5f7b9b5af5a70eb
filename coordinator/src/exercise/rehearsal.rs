//! The exercise rehearsed before anyone plays it: the seats played by a
//! prompt trainee who takes every step the moment it reaches the desk, with
//! complete forms. What the rehearsal shows about the story is what an
//! author gets wrong without noticing: an expectation whose step never
//! reaches its desk, one whose goal falls before its step can first exist
//! (a request still on its way, a slow carrier), and injects or
//! expectations addressed to a desk no person plays. `pocnet check` prints
//! these as warnings.

use super::command::{Command, DeskAction};
use super::forms::{FieldInput, fill};
use super::session::{Session, Task, TaskState};
use crate::scenario::Scenario;
use crate::scenario::msel::Recipient;
use crate::scenario::templates::FieldKind;
use crate::units::fmt_ms;
use pocnet_node::CountryCode;
use std::collections::{BTreeMap, BTreeSet};

/// Most steps a rehearsal takes: far more than any exercise has, so that a
/// scenario that never settles still ends.
const MAX_STEPS: usize = 10_000;

/// The story's mistakes, each a sentence naming the inject and saying what to change.
pub fn story_warnings(scenario: &Scenario) -> Vec<String> {
    let Some(plan) = &scenario.exercise else { return Vec::new() };
    if scenario.msel.injects.is_empty() {
        return Vec::new();
    }
    let seats: BTreeSet<CountryCode> = plan.seats.iter().cloned().collect();
    let listed = seats.iter().map(CountryCode::as_str).collect::<Vec<_>>().join(", ");
    let mut warnings = Vec::new();
    for inject in &scenario.msel.injects {
        if let Recipient::Seat(to) = &inject.to
            && !seats.contains(to)
        {
            warnings.push(format!(
                "inject `{}` is addressed to {to}, whose desk a bot plays (seats: {listed}): nobody reads it; \
                 address it to a seat, or add {to} to [exercise] seats",
                inject.id
            ));
        }
        for (n, expectation) in inject.expect.iter().enumerate() {
            let by = expectation.by.clone().or(match &inject.to {
                Recipient::Seat(country) => Some(country.clone()),
                Recipient::All | Recipient::Director => None,
            });
            if let Some(by) = by.filter(|by| !seats.contains(by)) {
                warnings.push(format!(
                    "inject `{}`, expectation {}: {by} {} is never rated, since a bot plays {by}'s desk \
                     (seats: {listed})",
                    inject.id,
                    n + 1,
                    expectation.form.label().to_lowercase()
                ));
            }
        }
    }
    match rehearse(scenario, &seats, 0) {
        Ok(session) => warnings.extend(timing_warnings(&session, &seats)),
        Err(why) => warnings.push(format!("the exercise could not be rehearsed: {why}")),
    }
    warnings
}

/// The exercise played by trainees at every seat who take each step
/// `delay_ms` after it reaches the desk (0: the moment it does), with
/// complete forms, to the end of its MSEL: the last timed inject and the
/// longest limit after it.
pub fn rehearse(scenario: &Scenario, seats: &BTreeSet<CountryCode>, delay_ms: i64) -> Result<Session, String> {
    let plan = scenario.exercise.clone().unwrap_or_default();
    let due = scenario.msel.schedule(plan.start);
    let last = due.values().flatten().max().copied().unwrap_or(plan.start);
    let longest = scenario.msel.injects.iter().flat_map(|i| &i.expect).map(|e| e.limit_ms).max().unwrap_or(0);
    let end = last.plus_ms(longest);
    let mut session = Session::new(scenario.clone(), scenario.seed, seats).map_err(|e| e.to_string())?;
    session.advance_to(plan.start).map_err(|e| e.to_string())?;
    for _ in 0..MAX_STEPS {
        let now = session.now();
        // The next step a trainee takes, and when.
        let next_step = session
            .tasks()
            .iter()
            .filter(|t| t.state == TaskState::Waiting)
            .map(|t| (t.since.plus_ms(delay_ms).max(now), t.id))
            .min();
        let next_event = session.next_event().filter(|&at| at < end);
        match (next_step, next_event) {
            (Some((at, id)), next) if next.is_none_or(|n| at <= n) => {
                session.advance_to(at).map_err(|e| e.to_string())?;
                let task = session.tasks()[id as usize].clone();
                let form = prompt_form(scenario, &task);
                let command =
                    Command::Desk { country: task.country.clone(), action: DeskAction::Step { task: id, form } };
                session.apply(&command, at).map_err(|e| e.to_string())?;
            }
            (_, Some(next)) => {
                let step = next.plus_ms(1).max(session.now());
                session.advance_to(step).map_err(|e| e.to_string())?;
            }
            _ => break,
        }
    }
    session.advance_to(end.max(session.now())).map_err(|e| e.to_string())?;
    Ok(session)
}

/// Each expectation on a seat as a rehearsal played it: when its step first
/// reached the desk, and when it was met; as text for the author.
pub fn expectation_table(session: &Session) -> String {
    let scores = super::score::score(session);
    let plan = session.scenario().exercise.clone().unwrap_or_default();
    let mut out = String::new();
    for e in scores.expectations.iter().filter(|e| e.timeliness != super::score::Timeliness::NotPlayed) {
        let reached = e.could_act_ms.map_or_else(
            || "never reached the desk".to_owned(),
            |at| format!("reached the desk {} after the inject", fmt_ms(at - e.created_ms)),
        );
        out.push_str(&format!(
            "{:<8} {:<18} {} {}{}: {reached}; {}\n",
            plan.t_plus(pocnet_node::SimTime(e.created_ms)),
            e.inject,
            e.by.as_ref().map_or("anyone", |c| c.as_str()),
            e.form.label().to_lowercase(),
            e.to.as_ref().map_or_else(String::new, |c| format!(" to {c}")),
            e.why
        ));
    }
    out
}

/// What the rehearsal showed about each expectation on a seat: never
/// possible, or possible only after its goal.
fn timing_warnings(session: &Session, seats: &BTreeSet<CountryCode>) -> Vec<String> {
    let injects = session.injects();
    let mut warnings = Vec::new();
    let mut seen = BTreeSet::new();
    for run in injects.expectations() {
        if !run.by.as_ref().is_some_and(|by| seats.contains(by)) || !seen.insert((run.inject.clone(), run.index)) {
            continue;
        }
        let Some(inject) = injects.msel().inject(&run.inject) else { continue };
        let definition = &inject.expect[run.index];
        let what =
            format!("{} {}", run.by.as_ref().map_or("anyone", |c| c.as_str()), definition.form.label().to_lowercase());
        match run.could_act_ms {
            None => warnings.push(format!(
                "inject `{}`, expectation {}: in a rehearsal with prompt trainees, the step ({what}) never \
                 reached the desk (the routing or the law takes another way): it can only be \"not applicable\"; \
                 expect a step this desk takes",
                run.inject,
                run.index + 1
            )),
            Some(from) if from - run.created_ms > definition.goal_ms => warnings.push(format!(
                "inject `{}`, expectation {}: in a rehearsal with prompt trainees, the step ({what}) first \
                 reached the desk {} after the inject, past its goal of {} (a request still on its way, a slow \
                 carrier or court): time the inject when the step can be taken, or expect an earlier step",
                run.inject,
                run.index + 1,
                fmt_ms(from - run.created_ms),
                fmt_ms(definition.goal_ms)
            )),
            Some(_) => {}
        }
    }
    warnings
}

/// A complete, exact form for the task, as a prompt trainee fills it: the
/// communication's own instant, the incident's addresses where it has them.
fn prompt_form(scenario: &Scenario, task: &Task) -> super::forms::FilledForm {
    let (incident, hop) = task.step.case();
    let case = scenario.incidents.iter().find(|i| i.id == incident.as_str());
    let instant = case
        .and_then(|c| scenario.instant(c.communication_at.ms()))
        .map_or_else(|| "2026-01-01T00:00:00Z".to_owned(), |t| t.to_string());
    let address = case.and_then(|c| c.addresses.get(hop as usize));
    let kind = task.kind;
    let mut fields = BTreeMap::new();
    for spec in kind.fields().iter().filter(|s| s.wanted || s.kind == FieldKind::Port) {
        let value = match spec.kind {
            FieldKind::Text => FieldInput::Text("as in the case file".to_owned()),
            FieldKind::Ip => FieldInput::Text(address.map_or_else(|| "192.0.2.1".to_owned(), |a| a.ip.to_string())),
            FieldKind::Port => FieldInput::Number(address.and_then(|a| a.port).map_or(1, u64::from)),
            FieldKind::Instant => FieldInput::Text(instant.clone()),
            FieldKind::Date => FieldInput::Text(instant.get(..10).unwrap_or("2026-01-01").to_owned()),
            FieldKind::Flag => FieldInput::Flag(true),
            FieldKind::Channel => FieldInput::Text("mla".to_owned()),
            FieldKind::Ground => FieldInput::Text("sovereignty".to_owned()),
        };
        fields.insert(spec.name.to_owned(), value);
    }
    fill(kind, &fields).unwrap_or_else(|_| {
        // Every value above reads; an empty form is the fallback all the same.
        fill(kind, &BTreeMap::new()).expect("an empty form always reads")
    })
}
