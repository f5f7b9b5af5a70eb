//! A journal's entries applied to a session, in order and at their
//! simulated instants: the whole exercise again (`replay`), or one entry at
//! a time as a paced clock reaches it (playback in the consoles).

use super::forms::Action;
use super::injects::InjectAction;
use super::journal::{Entry, Saved};
use super::live::plan_item;
use super::session::Session;
use crate::scenario::Scenario;
use pocnet_node::{CountryCode, SimTime};
use serde_json::Value;
use std::collections::BTreeSet;

/// A fresh session for the journal's exercise, standing at its start.
pub fn fresh(scenario: Scenario, saved: &Saved) -> Result<Session, String> {
    let people: BTreeSet<CountryCode> = saved.people.iter().map(|c| CountryCode::from(c.as_str())).collect();
    let start = scenario.exercise.as_ref().map_or(SimTime::ZERO, |p| p.start);
    let mut session = Session::new(scenario, saved.seed, &people).map_err(|e| e.to_string())?;
    session.advance_to(start).map_err(|e| e.to_string())?;
    Ok(session)
}

/// Replays a journal's actions on a fresh session, in order: the exercise
/// as it stood, byte for byte; then runs it to where the clock last stood.
pub fn replay(scenario: Scenario, saved: &Saved) -> Result<Session, String> {
    let mut session = fresh(scenario, saved)?;
    for (n, entry) in saved.entries.iter().enumerate() {
        apply(&mut session, n, entry)?;
    }
    if let Some(mark) = saved.clock {
        session.advance_to(SimTime(mark.sim_ms)).map_err(|e| e.to_string())?;
    }
    Ok(session)
}

/// Applies journal entry number `n` (from 0) to the session, at its instant.
pub fn apply(session: &mut Session, n: usize, entry: &Entry) -> Result<(), String> {
    let broken = |why: String| format!("journal entry {}: {why}", n + 1);
    let body: Value = serde_json::from_str(&entry.body).map_err(|e| broken(e.to_string()))?;
    let at = SimTime(entry.sim_ms);
    let country = || CountryCode::from(body["country"].as_str().unwrap_or_default());
    match body["kind"].as_str() {
        Some("action") => {
            let action = Action::from_json(&body["action"]).map_err(|e| broken(e.to_string()))?;
            session.act(&country(), action, at).map_err(|e| broken(e.to_string()))?;
        }
        Some("hand_over") => {
            let person = body["to"].as_str() == Some("person");
            session.hand_over(&country(), person, at).map_err(|e| broken(e.to_string()))?;
        }
        Some("inject") => {
            let inject = &body["inject"];
            let id = inject["id"].as_str().unwrap_or_default();
            let action = match inject["action"].as_str() {
                Some("fire") => InjectAction::Fire,
                Some("hold") => InjectAction::Hold,
                Some("skip") => InjectAction::Skip,
                _ => {
                    let text = inject["at"].as_str().unwrap_or_default();
                    let at: jiff::Timestamp =
                        text.parse().map_err(|_| broken(format!("`{text}` is not an instant")))?;
                    InjectAction::Retime(SimTime(at.as_millisecond() - session.scenario().epoch.as_millisecond()))
                }
            };
            session.inject_action(id, action, at).map_err(|e| broken(e.to_string()))?;
        }
        Some("plan") => {
            let item = plan_item(&body["item"]).map_err(|e| broken(e.message))?;
            session.add_plan_item(item);
        }
        Some("evaluation") => {
            let evaluation = &body["evaluation"];
            let rating = evaluation["rating"]
                .as_str()
                .and_then(super::score::Rating::from_name)
                .ok_or_else(|| broken("no rating".to_owned()))?;
            let evaluation = super::session::Evaluation {
                at_ms: at.ms(),
                evaluator: body["evaluator"].as_str().unwrap_or_default().to_owned(),
                cell: CountryCode::from(body["cell"].as_str().unwrap_or_default()),
                objective: evaluation["objective"].as_str().unwrap_or_default().to_owned(),
                rating,
                note: evaluation["note"].as_str().unwrap_or_default().to_owned(),
            };
            session.evaluate(evaluation).map_err(|e| broken(e.to_string()))?;
        }
        // The clock paces the exercise; its instants are in each action.
        Some("clock") => {
            session.advance_to(at).map_err(|e| broken(e.to_string()))?;
        }
        other => return Err(broken(format!("unknown kind {other:?}"))),
    }
    Ok(())
}
