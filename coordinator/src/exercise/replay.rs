//! A journal's commands applied to a session, in order and at their
//! simulated instants, by the same `Session::apply` live play used: the
//! whole exercise again (`replay`), or one entry at a time as a paced clock
//! reaches it (playback in the consoles).

use super::journal::{Entry, Saved};
use super::session::Session;
use crate::scenario::Scenario;
use pocnet_node::{CountryCode, SimTime};
use std::collections::BTreeSet;

/// A fresh session for the journal's exercise, standing at its start.
pub fn fresh(scenario: Scenario, saved: &Saved) -> Result<Session, String> {
    let people: BTreeSet<CountryCode> = saved.people.iter().map(|c| CountryCode::from(c.as_str())).collect();
    let start = scenario.exercise.as_ref().map_or(SimTime::ZERO, |p| p.start);
    let mut session = Session::new(scenario, saved.seed, &people).map_err(|e| e.to_string())?;
    session.advance_to(start).map_err(|e| e.to_string())?;
    Ok(session)
}

/// Replays a journal's commands on a fresh session, in order: the exercise
/// as it stood, byte for byte; then runs it to where the clock last stood
/// (unless the journal is damaged: then it stops at its last good entry).
pub fn replay(scenario: Scenario, saved: &Saved) -> Result<Session, String> {
    let mut session = fresh(scenario, saved)?;
    for (n, entry) in saved.entries.iter().enumerate() {
        apply(&mut session, n, entry)?;
    }
    if let (Some(mark), None) = (saved.clock, &saved.damage) {
        session.advance_to(SimTime(mark.sim_ms)).map_err(|e| e.to_string())?;
    }
    Ok(session)
}

/// Applies journal entry number `n` (from 0) to the session, at its instant.
pub fn apply(session: &mut Session, n: usize, entry: &Entry) -> Result<(), String> {
    session
        .apply(&entry.command, SimTime(entry.sim_ms))
        .map(|_| ())
        .map_err(|e| format!("journal entry {} ({}): {e}", n + 1, entry.command.describe()))
}
