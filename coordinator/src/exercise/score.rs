//! Scoring, from the session alone (so from the journal): each expectation
//! rated on timeliness and the exactness of its form, each objective rated
//! P / S / M / U (HSEEP: performed without challenges, with some, with major
//! challenges, unable to perform), per objective and per seat, never mixing
//! seats.

use super::rating::Rating;
use super::session::Session;
use crate::scenario::templates::StepKind;
use pocnet_node::CountryCode;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Timeliness {
    MetByGoal,
    MetByLimit,
    Missed,
    /// Its limit has not passed yet.
    Open,
    /// The desk expected to act was played by a bot.
    NotPlayed,
    /// The step it asks for never reached the desk (the routing or the law
    /// took another way): nothing the desk could do.
    NotApplicable,
    /// Its limit passed inside a director's skip, not in play.
    SkippedByDirector,
}

impl Timeliness {
    /// As the after-action report says it.
    pub fn label(self) -> &'static str {
        match self {
            Timeliness::MetByGoal => "met by the goal",
            Timeliness::MetByLimit => "met by the limit",
            Timeliness::Missed => "missed",
            Timeliness::Open => "open at the end of play",
            Timeliness::NotPlayed => "not rated: a bot played the desk",
            Timeliness::NotApplicable => "not applicable: the step never reached the desk",
            Timeliness::SkippedByDirector => "not rated: the director's skip passed its limit",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ExpectationScore {
    pub inject: String,
    pub objective: Option<String>,
    pub by: Option<CountryCode>,
    pub form: StepKind,
    pub to: Option<CountryCode>,
    pub created_ms: i64,
    /// When the desk first could act (the inject, or the step reaching it).
    pub could_act_ms: Option<i64>,
    pub goal_ms: i64,
    pub limit_ms: i64,
    /// How long after the desk could act the form came.
    pub after_ms: Option<i64>,
    pub timeliness: Timeliness,
    /// Expected fields absent or inexact.
    pub missing: Vec<String>,
    pub rating: Option<Rating>,
    /// The rating in one sentence.
    pub why: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ObjectiveScore {
    pub id: String,
    pub text: String,
    pub rating: Option<Rating>,
    /// The same objective rated for each seat apart.
    pub by_seat: BTreeMap<CountryCode, Rating>,
    pub rated: usize,
    /// HSEEP's after-action narrative: what was performed without
    /// challenges, and what wants improving, each with its reason.
    pub strengths: Vec<String>,
    pub areas_for_improvement: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Scores {
    pub expectations: Vec<ExpectationScore>,
    pub objectives: Vec<ObjectiveScore>,
}

/// P: met by the goal with every expected field exact; S: by the goal with
/// gaps, or by the limit exact; M: by the limit with gaps; U: missed.
fn rate(timeliness: Timeliness, exact: bool) -> Option<Rating> {
    match (timeliness, exact) {
        (Timeliness::MetByGoal, true) => Some(Rating::P),
        (Timeliness::MetByGoal, false) | (Timeliness::MetByLimit, true) => Some(Rating::S),
        (Timeliness::MetByLimit, false) => Some(Rating::M),
        (Timeliness::Missed, _) => Some(Rating::U),
        (Timeliness::Open | Timeliness::NotPlayed | Timeliness::NotApplicable | Timeliness::SkippedByDirector, _) => {
            None
        }
    }
}

/// Why an expectation got its rating, in one sentence.
fn explain(timeliness: Timeliness, after_ms: Option<i64>, goal_ms: i64, limit_ms: i64, missing: &[String]) -> String {
    let fields = if missing.is_empty() {
        "every expected field exact".to_owned()
    } else {
        format!("without {}", missing.join(", "))
    };
    let after = after_ms.map_or_else(String::new, crate::units::fmt_ms);
    match timeliness {
        Timeliness::MetByGoal => {
            format!(
                "Done {after} after the desk could act, within the goal of {}, {fields}.",
                crate::units::fmt_ms(goal_ms)
            )
        }
        Timeliness::MetByLimit => format!(
            "Done {after} after the desk could act: past the goal of {}, within the limit of {}, {fields}.",
            crate::units::fmt_ms(goal_ms),
            crate::units::fmt_ms(limit_ms)
        ),
        Timeliness::Missed => {
            format!("Not done within the limit of {} after the desk could act.", crate::units::fmt_ms(limit_ms))
        }
        other => format!("{}.", capitalized(other.label())),
    }
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| first.to_uppercase().chain(chars).collect())
}

pub fn score(session: &Session) -> Scores {
    let injects = session.injects();
    let people = session.people();
    let mut expectations = Vec::new();
    for run in injects.expectations() {
        let inject = injects.msel().inject(&run.inject).expect("an expectation's inject is listed");
        let definition = &inject.expect[run.index];
        let played = run.by.as_ref().is_some_and(|by| people.contains(by));
        let from = run.could_act_ms.unwrap_or(run.created_ms);
        let after_ms = run.met.as_ref().map(|m| m.at_ms - from);
        let timeliness = match (&run.met, run.missed) {
            _ if !played => Timeliness::NotPlayed,
            (Some(_), _) if after_ms.unwrap_or(0) <= definition.goal_ms => Timeliness::MetByGoal,
            (Some(_), _) => Timeliness::MetByLimit,
            (None, true) if run.missed_in_skip => Timeliness::SkippedByDirector,
            (None, true) => Timeliness::Missed,
            (None, false) if run.could_act_ms.is_none() => Timeliness::NotApplicable,
            (None, false) => Timeliness::Open,
        };
        let missing = run.met.as_ref().map(|m| m.missing.clone()).unwrap_or_default();
        let why = explain(timeliness, after_ms, definition.goal_ms, definition.limit_ms, &missing);
        expectations.push(ExpectationScore {
            inject: run.inject.clone(),
            objective: definition.objective.clone(),
            by: run.by,
            form: definition.form,
            to: definition.to,
            created_ms: run.created_ms,
            could_act_ms: run.could_act_ms,
            goal_ms: definition.goal_ms,
            limit_ms: definition.limit_ms,
            after_ms,
            timeliness,
            rating: rate(timeliness, missing.is_empty()),
            missing,
            why,
        });
    }
    let objectives = injects
        .msel()
        .objectives
        .iter()
        .map(|objective| {
            let mine: Vec<&ExpectationScore> =
                expectations.iter().filter(|e| e.objective.as_deref() == Some(objective.id.as_str())).collect();
            let ratings: Vec<Rating> = mine.iter().filter_map(|e| e.rating).collect();
            let mut by_seat = BTreeMap::new();
            for seat in &people {
                let theirs: Vec<Rating> =
                    mine.iter().filter(|e| e.by.as_ref() == Some(seat)).filter_map(|e| e.rating).collect();
                if let Some(rating) = Rating::roll_up(&theirs) {
                    by_seat.insert(*seat, rating);
                }
            }
            let said = |e: &&ExpectationScore| {
                format!(
                    "{} {}{}: {}",
                    e.by.as_ref().map_or("anyone", |c| c.as_str()),
                    e.form.label().to_lowercase(),
                    e.to.as_ref().map_or_else(String::new, |c| format!(" to {c}")),
                    e.why
                )
            };
            ObjectiveScore {
                id: objective.id.clone(),
                text: objective.text.clone(),
                rating: Rating::roll_up(&ratings),
                by_seat,
                rated: ratings.len(),
                strengths: mine.iter().filter(|e| e.rating == Some(Rating::P)).map(said).collect(),
                areas_for_improvement: mine
                    .iter()
                    .filter(|e| matches!(e.rating, Some(Rating::S | Rating::M | Rating::U)))
                    .map(said)
                    .collect(),
            }
        })
        .collect();
    Scores { expectations, objectives }
}
