//! Who takes a desk's steps: a bot on the desk's sampled clock, or, in an
//! exercise, the person playing the desk. For a person each step waits
//! (`Output::Await`) until they act; their action fires it as a timer at
//! the simulated instant they took it. Handing a desk from one to the
//! other keeps every case: a bot takes over a person's waiting steps on its
//! own clock from then, and a person takes over the steps a bot had
//! scheduled.

use super::{ContactPoint, Output, Timer};
use crate::SimTime;

/// What a person's request form got wrong, in the terms the law machinery
/// knows: a timestamp naming another moment (the wrong subscriber), or a
/// request the receiving desk must send back for clarification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Slips {
    pub timestamp_error: bool,
    pub defect: bool,
}

impl ContactPoint {
    /// Whether a person plays this desk.
    pub fn is_manual(&self) -> bool {
        self.manual
    }

    /// A person takes the desk (`true`) or hands it to a bot (`false`);
    /// the runtime moves the waiting steps across (`Timer::is_desk_step`).
    pub fn set_manual(&mut self, manual: bool) {
        self.manual = manual;
    }

    /// When a bot taking over a person's waiting step takes it, from `now`:
    /// on the desk's own clock, as if it had just reached the desk.
    pub fn bot_time(&mut self, now: SimTime, timer: &Timer) -> SimTime {
        match timer {
            Timer::Acknowledge { incident, .. }
            | Timer::GatePreservation { incident, .. }
            | Timer::SendRequest { incident, .. }
            | Timer::Clarify { incident, .. } => {
                let emergency = self.facts(incident).emergency;
                self.desk_done(now, emergency)
            }
            Timer::SendConfirmation { .. } => {
                now.plus_ms(self.country.written_confirmation.sample(&mut self.rng.paperwork))
            }
            Timer::SendProductionRequest { channel, .. } => now.plus_ms(self.production_preparation(*channel)),
            _ => now,
        }
    }

    /// A desk step as the desk's player takes it: at once for a bot, after
    /// its officer's handling time; or waiting for the person who plays it.
    pub(super) fn desk_step(&mut self, out: &mut Vec<Output>, now: SimTime, emergency: bool, timer: Timer) {
        if self.manual {
            out.push(Output::Await(timer));
        } else {
            let at = self.desk_done(now, emergency);
            out.push(Output::SetTimer { at, timer });
        }
    }
}

impl Timer {
    /// A step the desk's player decides when to take (as against a
    /// carrier's, a court's or the calendar's): a person takes these over
    /// from a bot.
    pub fn is_desk_step(&self) -> bool {
        matches!(
            self,
            Timer::Acknowledge { .. }
                | Timer::GatePreservation { .. }
                | Timer::SendRequest { .. }
                | Timer::Clarify { .. }
                | Timer::SendConfirmation { .. }
                | Timer::SendProductionRequest { .. }
                | Timer::RenewHold { .. }
                | Timer::ForwardDisclosure { .. }
        )
    }

    /// The incident and hop a timer works on.
    pub fn case(&self) -> (&crate::IncidentId, u32) {
        match self {
            Timer::ReportIncident { incident } | Timer::RequestPrepared { incident } => (incident, 0),
            Timer::Acknowledge { incident, hop }
            | Timer::OrderPreservation { incident, hop }
            | Timer::SendRequest { incident, hop, .. }
            | Timer::CarrierPreserved { incident, hop }
            | Timer::CarrierDisclosed { incident, hop }
            | Timer::SendConfirmation { incident, hop, .. }
            | Timer::Produce { incident, hop, .. }
            | Timer::SendProductionRequest { incident, hop, .. }
            | Timer::AbandonProduction { incident, hop, .. }
            | Timer::Clarify { incident, hop, .. }
            | Timer::AskClarification { incident, hop }
            | Timer::Refuse { incident, hop, .. }
            | Timer::GatePreservation { incident, hop }
            | Timer::RenewHold { incident, hop, .. }
            | Timer::PromptRenewal { incident, hop, .. }
            | Timer::DirectFallback { incident, hop, .. }
            | Timer::ForwardDisclosure { incident, hop, .. } => (incident, *hop),
        }
    }
}
