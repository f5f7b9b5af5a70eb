//! Goal profiles: the targets every hop is measured against.
//!
//! The Action Plan says "twenty-four hour" and "expedited" without hours, so
//! the figures are the named profiles of ../shared/domain.md.

use crate::scenario::raw::GoalProfileName;
use pocnet_node::time::{DAY_MS, HOUR_MS};
use serde::Serialize;

/// What a goal measures, per cross-border request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// Request received → acknowledged by the requested point of contact.
    Acknowledgement,
    /// Request received → carrier ordered to preserve.
    PreservationOrdered,
    /// Request received → traffic data naming the next hop (or the subscriber) disclosed.
    Disclosure,
    /// Request sent → written confirmation received.
    WrittenConfirmation,
    /// The MLA request (Art. 31) arrives before the hold on preserved data expires.
    MlaBeforeHoldExpiry,
}

#[derive(Debug, Clone, Serialize)]
pub struct Goal {
    pub measure: Measure,
    pub description: &'static str,
    /// The longest allowed latency; `None` for a deadline set by the case itself.
    pub target_ms: Option<i64>,
    pub basis: &'static str,
}

pub fn profile(name: GoalProfileName) -> (&'static str, Vec<Goal>) {
    match name {
        GoalProfileName::ActionPlan1997 => (
            "action-plan-1997",
            vec![
                Goal {
                    measure: Measure::Acknowledgement,
                    description: "acknowledge a request within 1 h, at any hour",
                    target_ms: Some(HOUR_MS),
                    basis: "Action Plan 1 (24-hour contact) [hours assumed]",
                },
                Goal {
                    measure: Measure::PreservationOrdered,
                    description: "order the carrier to preserve within 24 h",
                    target_ms: Some(24 * HOUR_MS),
                    basis: "Action Plan 5 [hours assumed]",
                },
                Goal {
                    measure: Measure::Disclosure,
                    description: "disclose the next hop within 72 h",
                    target_ms: Some(72 * HOUR_MS),
                    basis: "Action Plan 6, Budapest Art. 30 [hours assumed]",
                },
                Goal {
                    measure: Measure::WrittenConfirmation,
                    description: "written confirmation within 7 days",
                    target_ms: Some(7 * DAY_MS),
                    basis: "Action Plan 8 [days assumed]",
                },
                Goal {
                    measure: Measure::MlaBeforeHoldExpiry,
                    description: "MLA request before the hold expires",
                    target_ms: None,
                    basis: "Budapest Arts. 29(7), 31",
                },
            ],
        ),
    }
}
