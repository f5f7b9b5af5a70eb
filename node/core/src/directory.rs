//! The network's contact directory and the faults a scenario can inject:
//! how a sender reaches another point of contact, and when it cannot.
//!
//! The directory is a recurring worry of the network's meetings: an entry
//! gone stale costs a failed attempt and a slower fallback channel.

use crate::{CarrierId, CountryCode, Distribution, SimTime};

/// A simulated-time interval `[from, until)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub from: SimTime,
    pub until: SimTime,
}

impl Window {
    pub fn contains(&self, at: SimTime) -> bool {
        self.from <= at && at < self.until
    }
}

/// One country's entry in the contact directory, as senders see it.
#[derive(Debug, Clone, PartialEq)]
pub struct DirectoryEntry {
    /// Transit over the channel (voice, e-mail, fax, portal) the country takes requests by.
    pub channel: Distribution,
    /// Chance the listed contact is stale: the attempt fails and the fallback follows.
    pub stale_probability: f64,
    /// The fallback channel's extra delay after a failed attempt.
    pub fallback: Distribution,
    /// Periods the entry is stale for certain (a scenario fault).
    pub stale_windows: Vec<Window>,
}

/// Messages to `to` sent during `window` are lost and resent after `retry_after_ms`.
#[derive(Debug, Clone, PartialEq)]
pub struct MessageLoss {
    pub to: CountryCode,
    pub window: Window,
    pub retry_after_ms: i64,
}

/// A carrier that cannot act on orders during `window` (an outage).
#[derive(Debug, Clone, PartialEq)]
pub struct CarrierOutage {
    pub carrier: CarrierId,
    pub window: Window,
}

/// The end of the window containing `at`, if any: when a blocked action can happen.
pub fn blocked_until(windows: &[Window], at: SimTime) -> Option<SimTime> {
    windows.iter().filter(|w| w.contains(at)).map(|w| w.until).max()
}
