//! The master scenario events list (MSEL): `[[objectives]]` and
//! `[[injects]]`, written by a trainer. An inject reaches a seat (or all,
//! or the director) at an instant, `T+2h30m` from the exercise start, or
//! some time after another inject; without a time it is a standby (fired by
//! the director) or a contingency (fired when an expectation is missed).
//! Its expectations say which form a desk should send, to whom, with which
//! fields, within a goal and a limit.

use super::duration::parse_duration;
use super::raw::{RawExpectation, RawInject, RawObjective};
use super::{References, diagnostic, parse_instant, span};
use crate::scenario::templates::StepKind;
use pocnet_node::{CountryCode, SimTime};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, PartialEq)]
pub struct Objective {
    pub id: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum When {
    At(SimTime),
    /// This long after another inject is sent.
    After {
        inject: String,
        offset_ms: i64,
    },
    /// Fired by the director, or by a missed expectation (`on_missed`).
    Standby,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recipient {
    Seat(CountryCode),
    All,
    Director,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Attachment {
    pub name: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Expectation {
    pub form: StepKind,
    /// Who must act; `None`: the inject's recipient.
    pub by: Option<CountryCode>,
    /// The country the form goes to.
    pub to: Option<CountryCode>,
    pub fields: Vec<&'static str>,
    pub goal_ms: i64,
    pub limit_ms: i64,
    pub objective: Option<String>,
    /// `file:line:column` of its `form`, for warnings about it.
    pub location: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Inject {
    pub id: String,
    pub when: When,
    pub to: Recipient,
    pub from: String,
    pub channel: String,
    pub text: String,
    pub attachments: Vec<Attachment>,
    pub expect: Vec<Expectation>,
    pub on_missed: Option<String>,
    /// `file:line:column` of its `id`, for warnings about it.
    pub location: String,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Msel {
    pub objectives: Vec<Objective>,
    /// In the order the file gives them.
    pub injects: Vec<Inject>,
}

/// Longest inject text or attachment: a page or a log excerpt.
const MAX_TEXT: usize = 20_000;

impl Msel {
    pub fn inject(&self, id: &str) -> Option<&Inject> {
        self.injects.iter().find(|i| i.id == id)
    }

    /// When each inject is due if nobody holds, skips or fires it early:
    /// timed ones and those timed after them; `None` for standbys and
    /// contingencies (and what hangs on them).
    pub fn schedule(&self, start: SimTime) -> BTreeMap<String, Option<SimTime>> {
        let mut due: BTreeMap<String, Option<SimTime>> = BTreeMap::new();
        // Relative times form no cycle (validated), so this settles in at most n rounds.
        for _ in 0..=self.injects.len() {
            for inject in &self.injects {
                let at = match &inject.when {
                    When::At(at) => Some(*at),
                    When::After { inject: base, offset_ms } => {
                        due.get(base).copied().flatten().map(|t| t.plus_ms(*offset_ms))
                    }
                    When::Standby => None,
                };
                due.insert(inject.id.clone(), at.map(|t| t.max(start)));
            }
        }
        due
    }
}

pub(super) fn msel(
    problems: &mut diagnostic::Collector,
    references: &References,
    start: SimTime,
    raw_objectives: Vec<(usize, RawObjective)>,
    raw_injects: Vec<(usize, RawInject)>,
) -> Msel {
    let mut objectives = Vec::new();
    for (source, objective) in raw_objectives {
        problems.switch(source);
        if objectives.iter().any(|o: &Objective| &o.id == objective.id.get_ref()) {
            problems.push(
                span(&objective.id),
                format!("objective `{}` is defined twice", objective.id.get_ref()),
                None,
            );
        }
        objectives.push(Objective { id: objective.id.into_inner(), text: objective.text });
    }
    let objective_ids: Vec<&str> = objectives.iter().map(|o| o.id.as_str()).collect();
    let inject_ids: Vec<String> = raw_injects.iter().map(|(_, i)| i.id.get_ref().clone()).collect();
    let known_injects: Vec<&str> = inject_ids.iter().map(String::as_str).collect();
    let mut injects = Vec::new();
    let mut seen = BTreeSet::new();
    for (source, raw) in &raw_injects {
        problems.switch(*source);
        let id = raw.id.get_ref().clone();
        if !seen.insert(id.clone()) {
            problems.push(
                span(&raw.id),
                format!("inject `{id}` is defined twice"),
                Some("give each inject its own id".to_owned()),
            );
        }
        let when = match &raw.at {
            None => When::Standby,
            Some(text) => when(problems, references, start, text, &known_injects),
        };
        let to = match raw.to.get_ref().as_str() {
            "all" => Recipient::All,
            "director" => Recipient::Director,
            _ => Recipient::Seat(references.country(problems, &raw.to)),
        };
        if let Some(missed) = &raw.on_missed
            && !known_injects.contains(&missed.get_ref().as_str())
        {
            problems.unknown(span(missed), "inject", missed.get_ref(), &known_injects);
        }
        if raw.on_missed.is_some() && raw.expect.is_empty() {
            problems.push(span(&raw.id), format!("inject `{id}` has on_missed but no expectation to miss"), None);
        }
        for text in std::iter::once(&raw.text).chain(raw.attachments.iter().map(|a| &a.text)) {
            if text.chars().count() > MAX_TEXT {
                problems.push(
                    span(&raw.id),
                    format!("inject `{id}` carries a text longer than {MAX_TEXT} characters"),
                    None,
                );
            }
        }
        let expect = raw.expect.iter().map(|e| expectation(problems, references, e, &objective_ids)).collect();
        injects.push(Inject {
            id,
            when,
            to,
            from: raw.from.clone().unwrap_or_default(),
            channel: raw.channel.clone().unwrap_or_default(),
            text: raw.text.clone(),
            attachments: raw
                .attachments
                .iter()
                .map(|a| Attachment { name: a.name.clone(), text: a.text.clone() })
                .collect(),
            expect,
            on_missed: raw.on_missed.as_ref().map(|m| m.get_ref().clone()),
            location: problems.location(span(&raw.id)),
        });
    }
    cycles(problems, &raw_injects, &injects);
    Msel { objectives, injects }
}

/// `2026-11-27T22:40:00+01:00`, `T+2h30m` or `other-inject+1h`.
fn when(
    problems: &mut diagnostic::Collector,
    references: &References,
    start: SimTime,
    text: &toml::Spanned<String>,
    injects: &[&str],
) -> When {
    let raw = text.get_ref().trim();
    if parse_instant(raw).is_ok() {
        return When::At(references.instant(problems, text, "inject time"));
    }
    let Some((base, offset)) = raw.rsplit_once('+') else {
        problems.push(
            span(text),
            format!("`{raw}` is not a time: write an instant, T+2h30m from the exercise start, or OTHER-INJECT+1h"),
            None,
        );
        return When::Standby;
    };
    let offset_ms = match parse_duration(offset) {
        Ok(ms) => ms,
        Err(message) => {
            problems.push(span(text), message, None);
            0
        }
    };
    match base.trim() {
        "T" => When::At(start.plus_ms(offset_ms)),
        other if injects.contains(&other) => When::After { inject: other.to_owned(), offset_ms },
        other => {
            problems.unknown(span(text), "inject", other, injects);
            When::Standby
        }
    }
}

fn expectation(
    problems: &mut diagnostic::Collector,
    references: &References,
    raw: &RawExpectation,
    objectives: &[&str],
) -> Expectation {
    let form = StepKind::from_name(raw.form.get_ref()).unwrap_or_else(|| {
        let known: Vec<&str> = StepKind::ALL.iter().map(|k| k.name()).collect();
        problems.unknown(span(&raw.form), "form", raw.form.get_ref(), &known);
        StepKind::SendRequest
    });
    let known: Vec<&str> = form.fields().iter().map(|f| f.name).collect();
    let fields = raw
        .fields
        .iter()
        .filter_map(|f| match form.fields().iter().find(|spec| spec.name == f.get_ref()) {
            Some(spec) => Some(spec.name),
            None => {
                problems.push(
                    span(f),
                    format!(
                        "`{}` is not a field of the `{}` form; its fields are {}",
                        f.get_ref(),
                        form.name(),
                        known.join(", ")
                    ),
                    None,
                );
                None
            }
        })
        .collect();
    if raw.goal.get_ref().0 > raw.limit.get_ref().0 {
        problems.push(
            span(&raw.goal),
            "the goal is later than the limit".to_owned(),
            Some("a goal is met by the limit at the latest".to_owned()),
        );
    }
    if let Some(objective) = &raw.objective
        && !objectives.contains(&objective.get_ref().as_str())
    {
        problems.unknown(span(objective), "objective", objective.get_ref(), objectives);
    }
    Expectation {
        form,
        by: raw.by.as_ref().map(|c| references.country(problems, c)),
        to: raw.to.as_ref().map(|c| references.country(problems, c)),
        fields,
        goal_ms: raw.goal.get_ref().0,
        limit_ms: raw.limit.get_ref().0,
        objective: raw.objective.as_ref().map(|o| o.get_ref().clone()),
        location: problems.location(span(&raw.form)),
    }
}

/// A relative time or a contingency that leads back to its own inject would
/// never fire, or fire forever.
fn cycles(problems: &mut diagnostic::Collector, raw: &[(usize, RawInject)], injects: &[Inject]) {
    // The inject each one's time hangs on, and the contingency it fires.
    fn after(inject: &Inject) -> Option<&str> {
        match &inject.when {
            When::After { inject: base, .. } => Some(base),
            When::At(_) | When::Standby => None,
        }
    }
    fn contingency(inject: &Inject) -> Option<&str> {
        inject.on_missed.as_deref()
    }
    for (start, (source, raw_inject)) in injects.iter().zip(raw) {
        // Follows each chain from `start`; a chain is as long as the list at most.
        for (what, link) in [("its time", after as fn(&Inject) -> Option<&str>), ("its contingencies", contingency)] {
            let mut current = start;
            for _ in 0..injects.len() {
                let following = link(current);
                let Some(following) = following.and_then(|id| injects.iter().find(|i| i.id == id)) else { break };
                if following.id == start.id {
                    problems.switch(*source);
                    problems.push(
                        span(&raw_inject.id),
                        format!("inject `{}` leads back to itself through {what}", start.id),
                        Some("break the cycle: one of them needs an instant of its own, or no on_missed".to_owned()),
                    );
                    break;
                }
                current = following;
            }
        }
    }
}
