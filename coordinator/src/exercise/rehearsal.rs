//! The exercise rehearsed before anyone plays it, the seats played by
//! trainees who fill every form completely: a prompt one takes every step
//! the moment it reaches the desk, a typical one after a delay drawn for
//! each step. What the rehearsal shows about the story is what an author
//! gets wrong without noticing: an expectation whose step never reaches its
//! desk, one whose goal falls before its step can first exist (a request
//! still on its way, a slow carrier), an inject that arrives after the event
//! it announces, and injects or expectations addressed to a desk no person
//! plays. `pocnet check` prints these as warnings, each with its place in
//! the file; `pocnet exercise rehearse` says over replications how often
//! each expectation is met.

use super::command::{Command, DeskAction};
use super::forms::{FieldInput, fill};
use super::score::{Timeliness, score};
use super::session::{Session, Task, TaskState};
use crate::scenario::Scenario;
use crate::scenario::msel::Recipient;
use crate::scenario::templates::{FieldKind, StepKind};
use crate::units::fmt_ms;
use pocnet_node::distribution::Distribution;
use pocnet_node::seed::{Purpose, Stream, stream};
use pocnet_node::{CountryCode, SimTime};
use std::collections::{BTreeMap, BTreeSet};

/// How the rehearsal's trainees take the steps that reach their desks.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Trainee {
    /// Each step this long after it reaches the desk (0: the moment it does).
    After { delay_ms: i64 },
    /// Each step after a delay drawn for it: log-normal, median `median_ms`,
    /// nine in ten within three times that (a desk busy with other work).
    Typical { median_ms: i64 },
}

impl Trainee {
    pub const PROMPT: Trainee = Trainee::After { delay_ms: 0 };

    fn delay(self, rng: &mut Stream) -> i64 {
        match self {
            Trainee::After { delay_ms } => delay_ms,
            Trainee::Typical { median_ms } => {
                Distribution::log_normal(median_ms, median_ms.saturating_mul(3)).sample(rng)
            }
        }
    }

    /// As the rehearsal's heading says it.
    pub fn describe(self) -> String {
        match self {
            Trainee::After { delay_ms: 0 } => "each step the moment it reaches the desk".to_owned(),
            Trainee::After { delay_ms } => format!("each step {} after it reaches the desk", fmt_ms(delay_ms)),
            Trainee::Typical { median_ms } => format!(
                "each step after a delay of median {}, nine in ten within {}",
                fmt_ms(median_ms),
                fmt_ms(median_ms.saturating_mul(3))
            ),
        }
    }
}

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
                "{}: inject `{}` is addressed to {to}, whose desk a bot plays (seats: {listed}): nobody reads it; \
                 address it to a seat, or add {to} to [exercise] seats",
                inject.location, inject.id
            ));
        }
        for (n, expectation) in inject.expect.iter().enumerate() {
            let by = expectation.by.or(match &inject.to {
                Recipient::Seat(country) => Some(*country),
                Recipient::All | Recipient::Director => None,
            });
            if let Some(by) = by.filter(|by| !seats.contains(by)) {
                warnings.push(format!(
                    "{}: inject `{}`, expectation {}: {by} {} is never rated, since a bot plays {by}'s desk \
                     (seats: {listed})",
                    expectation.location,
                    inject.id,
                    n + 1,
                    expectation.form.label().to_lowercase()
                ));
            }
        }
    }
    match rehearse(scenario, &seats, Trainee::PROMPT, 0) {
        Ok(session) => warnings.extend(timing_warnings(&session, &seats)),
        Err(why) => warnings.push(format!("the exercise could not be rehearsed: {why}")),
    }
    warnings
}

/// The exercise played by `trainee`s at every seat, with complete forms,
/// to the end of its MSEL (the last timed inject and the longest limit
/// after it), the bots and carriers drawing as in `replication`.
pub fn rehearse(
    scenario: &Scenario,
    seats: &BTreeSet<CountryCode>,
    trainee: Trainee,
    replication: u64,
) -> Result<Session, String> {
    let plan = scenario.exercise.clone().unwrap_or_default();
    let due = scenario.msel.schedule(plan.start);
    let last = due.values().flatten().max().copied().unwrap_or(plan.start);
    let longest = scenario.msel.injects.iter().flat_map(|i| &i.expect).map(|e| e.limit_ms).max().unwrap_or(0);
    let end = last.plus_ms(longest);
    let mut session =
        Session::replication(scenario.clone(), scenario.seed, replication, seats).map_err(|e| e.to_string())?;
    // The trainees' delays are their own stream: drawing them shifts no bot's draw.
    let mut rng = stream(scenario.seed, replication, "rehearsal:trainees", Purpose::Desk);
    let mut delays: Vec<i64> = Vec::new();
    session.advance_to(plan.start).map_err(|e| e.to_string())?;
    for _ in 0..MAX_STEPS {
        let now = session.now();
        // Each task's delay is drawn once, in the order the tasks appeared.
        while delays.len() < session.tasks().len() {
            delays.push(trainee.delay(&mut rng));
        }
        // The next step a trainee takes, and when.
        let next_step = session
            .tasks()
            .iter()
            .filter(|t| t.state == TaskState::Waiting)
            .map(|t| (t.since.plus_ms(delays[t.id as usize]).max(now), t.id))
            .min();
        let next_event = session.next_event().filter(|&at| at < end);
        match (next_step, next_event) {
            (Some((at, id)), next) if next.is_none_or(|n| at <= n) => {
                session.advance_to(at).map_err(|e| e.to_string())?;
                let task = session.tasks()[id as usize].clone();
                let form = prompt_form(scenario, &task);
                let command = Command::Desk { country: task.country, action: DeskAction::Step { task: id, form } };
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

/// An inject that comes this long after the step it asks for reached the
/// desk announces what the desk has already seen. Less is a story told at
/// once, not late.
const ANNOUNCED_LATE_MS: i64 = 15 * 60_000;

/// What the rehearsal showed about each expectation on a seat: never
/// possible, possible only after its goal, or announced after the fact.
fn timing_warnings(session: &Session, seats: &BTreeSet<CountryCode>) -> Vec<String> {
    let injects = session.injects();
    let plan = session.scenario().exercise.clone().unwrap_or_default();
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
        let place = format!("{}: inject `{}`, expectation {}", definition.location, run.inject, run.index + 1);
        match run.could_act_ms {
            None => warnings.push(format!(
                "{place}: in a rehearsal with prompt trainees, the step ({what}) never \
                 reached the desk (the routing or the law takes another way): it can only be \"not applicable\"; \
                 expect a step this desk takes"
            )),
            Some(from) if from - run.created_ms > definition.goal_ms => warnings.push(format!(
                "{place}: in a rehearsal with prompt trainees, the step ({what}) first \
                 reached the desk {} after the inject, past its goal of {} (a request still on its way, a slow \
                 carrier or court): time the inject when the step can be taken, or expect an earlier step",
                fmt_ms(from - run.created_ms),
                fmt_ms(definition.goal_ms)
            )),
            Some(_) => {}
        }
        // A reminder of a duty the desk's own clock brings (a confirmation,
        // the MLA, a renewal) comes after its step by design; a step that
        // answers an arrival (a report, a request, a carrier's answer) is
        // what an inject announces.
        let answers_an_arrival =
            !matches!(definition.form, StepKind::Confirm | StepKind::ProductionRequest | StepKind::RenewHold);
        if let Some(reached) = run.reached_ms.filter(|&r| answers_an_arrival && run.created_ms - r >= ANNOUNCED_LATE_MS)
        {
            warnings.push(format!(
                "{}: inject `{}` arrives at {}, {} after the step it announces ({what}) reached the desk at {}: \
                 the desk has seen it already; time the inject at {} or earlier",
                inject.location,
                run.inject,
                plan.t_plus(SimTime(run.created_ms)),
                fmt_ms(run.created_ms - reached),
                plan.t_plus(SimTime(reached)),
                plan.t_plus(SimTime(reached)),
            ));
        }
    }
    warnings
}

/// How one expectation fared over a study's replications.
#[derive(Debug, Default)]
struct Tally {
    /// The step's first arrival at the desk after the inject, per replication where it came.
    reached_after: Vec<i64>,
    never_reached: usize,
    prompt: Outcomes,
    typical: Outcomes,
}

#[derive(Debug, Default)]
struct Outcomes {
    by_goal: usize,
    by_limit: usize,
    rated: usize,
}

impl Outcomes {
    fn count(&mut self, timeliness: Timeliness) {
        match timeliness {
            Timeliness::MetByGoal => {
                self.by_goal += 1;
                self.by_limit += 1;
            }
            Timeliness::MetByLimit => self.by_limit += 1,
            Timeliness::NotPlayed => return,
            Timeliness::Missed | Timeliness::Open | Timeliness::NotApplicable | Timeliness::SkippedByDirector => {}
        }
        self.rated += 1;
    }

    fn text(&self) -> String {
        let share = |n: usize| (n * 100).checked_div(self.rated).map_or_else(|| "–".to_owned(), |p| format!("{p}%"));
        format!("{:>4} / {:>4}", share(self.by_goal), share(self.by_limit))
    }
}

/// The exercise rehearsed `replications` times with prompt and with
/// typical trainees: for each expectation on a seat, when its step first
/// reaches the desk, and how often each trainee meets it by its goal and
/// by its limit. The first rehearsal of each kind is the one `pocnet check`
/// and `--delay` play.
pub fn study(
    scenario: &Scenario,
    seats: &BTreeSet<CountryCode>,
    replications: u64,
    typical: Trainee,
) -> Result<String, String> {
    let plan = scenario.exercise.clone().unwrap_or_default();
    let mut tallies: BTreeMap<(i64, String, usize), (String, Tally)> = BTreeMap::new();
    for replication in 0..replications {
        for (trainee, prompt) in [(Trainee::PROMPT, true), (typical, false)] {
            let session = rehearse(scenario, seats, trainee, replication)?;
            let mut seen = BTreeSet::new();
            // Scores come in the order of the expectations they rate.
            for (run, e) in session.injects().expectations().iter().zip(score(&session).expectations) {
                if e.timeliness == Timeliness::NotPlayed || !seen.insert((run.inject.clone(), run.index)) {
                    continue;
                }
                let what = format!(
                    "{} {}{}",
                    e.by.as_ref().map_or("anyone", |c| c.as_str()),
                    e.form.label().to_lowercase(),
                    e.to.as_ref().map_or_else(String::new, |c| format!(" to {c}"))
                );
                // The first rehearsal's instant of the inject orders its rows.
                let at =
                    tallies.keys().find(|(_, inject, _)| inject == &run.inject).map_or(e.created_ms, |(at, ..)| *at);
                let (_, tally) =
                    tallies.entry((at, run.inject.clone(), run.index)).or_insert_with(|| (what, Tally::default()));
                if prompt {
                    match e.could_act_ms {
                        Some(at) => tally.reached_after.push(at - e.created_ms),
                        None => tally.never_reached += 1,
                    }
                    tally.prompt.count(e.timeliness);
                } else {
                    tally.typical.count(e.timeliness);
                }
            }
        }
    }
    let mut out = format!(
        "{:<8} {:<18} {:<52} {:<30} {:<13} {}\n",
        "T+", "inject", "expectation", "step at the desk after inject", "prompt", "typical"
    );
    out.push_str(&format!(
        "{:<8} {:<18} {:<52} {:<30} {:<13} {}\n",
        "", "", "", "(median, range)", "goal / limit", "goal / limit"
    ));
    for ((at, inject, _), (what, tally)) in &tallies {
        let mut reached = tally.reached_after.clone();
        reached.sort_unstable();
        let mut when = match (reached.first(), reached.last()) {
            (Some(first), Some(last)) if first == last => fmt_ms(*first),
            (Some(first), Some(last)) => {
                format!("{} ({}–{})", fmt_ms(reached[reached.len() / 2]), fmt_ms(*first), fmt_ms(*last))
            }
            _ => "never".to_owned(),
        };
        if tally.never_reached > 0 && !reached.is_empty() {
            when.push_str(&format!(", never in {}", tally.never_reached));
        }
        out.push_str(&format!(
            "{:<8} {:<18} {:<52} {:<30} {:<13} {}\n",
            plan.t_plus(SimTime(*at)),
            inject,
            what,
            when,
            tally.prompt.text(),
            tally.typical.text()
        ));
    }
    Ok(out)
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
