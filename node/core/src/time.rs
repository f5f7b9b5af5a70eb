//! Simulated time: integer milliseconds since the scenario's epoch.
//!
//! Simulated time is owned by the coordinator and only ever advances when it
//! grants a window; nothing here knows about the wall clock.

use serde::Serialize;

/// An instant of simulated time, in milliseconds since the scenario's epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
#[serde(transparent)]
pub struct SimTime(pub i64);

impl SimTime {
    pub const ZERO: SimTime = SimTime(0);

    pub fn ms(self) -> i64 {
        self.0
    }

    /// This instant moved later by `duration_ms` (saturating: a simulation never
    /// runs near `i64::MAX` milliseconds, which is 292 million years).
    pub fn plus_ms(self, duration_ms: i64) -> SimTime {
        SimTime(self.0.saturating_add(duration_ms))
    }

    /// Milliseconds from `earlier` to `self`.
    pub fn since(self, earlier: SimTime) -> i64 {
        self.0 - earlier.0
    }
}

pub const MINUTE_MS: i64 = 60_000;
pub const HOUR_MS: i64 = 60 * MINUTE_MS;
pub const DAY_MS: i64 = 24 * HOUR_MS;
