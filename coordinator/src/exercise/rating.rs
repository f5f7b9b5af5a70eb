//! HSEEP's rating of how a task was performed: P, S, M or U (performed
//! without challenges, with some, with major challenges, unable to be
//! performed). Evaluators give it (a command), the session keeps it, the
//! scoring and the after-action report roll it up.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Rating {
    P,
    S,
    M,
    U,
}

impl Rating {
    pub fn from_name(name: &str) -> Option<Rating> {
        [Rating::P, Rating::S, Rating::M, Rating::U].into_iter().find(|r| format!("{r:?}") == name)
    }

    pub fn label(self) -> &'static str {
        match self {
            Rating::P => "performed without challenges",
            Rating::S => "performed with some challenges",
            Rating::M => "performed with major challenges",
            Rating::U => "unable to be performed",
        }
    }

    /// The middle of several ratings, the worse of two middles: one slip
    /// among many does not sink an objective, nor does one success save it.
    pub(super) fn roll_up(ratings: &[Rating]) -> Option<Rating> {
        let mut sorted = ratings.to_vec();
        sorted.sort();
        sorted.get(sorted.len() / 2).copied()
    }
}
