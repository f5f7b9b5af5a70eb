//! Goal profiles: the targets every cross-border request is measured against.
//!
//! The Action Plan says "twenty-four hour" and "expedited" without hours, so
//! the figures are the named profiles of docs/domain.md; a scenario picks
//! one by name and may override any target.

use crate::latency::Measure;
use crate::units::fmt_ms;
use pocnet_node::ProductionChannel;
use pocnet_node::time::{DAY_MS, HOUR_MS};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize)]
pub struct Goal {
    pub measure: Measure,
    pub description: String,
    /// The longest allowed latency (for `hold`, the shortest allowed hold);
    /// `None` for a deadline each case sets itself.
    pub target_ms: Option<i64>,
    /// A tighter target for emergencies (Second Protocol Art. 9, e-Evidence 8 h).
    pub emergency_target_ms: Option<i64>,
    /// For a production goal: the only channel it is measured on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel: Option<ProductionChannel>,
    pub basis: String,
}

/// A named set of goals, as the scenario chose and adjusted it.
#[derive(Debug, Clone, Serialize)]
pub struct GoalProfile {
    pub name: String,
    pub goals: Vec<Goal>,
}

/// The profiles a scenario can name.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
pub enum ProfileName {
    #[default]
    #[serde(rename = "action-plan-1997")]
    ActionPlan1997,
    #[serde(rename = "budapest")]
    Budapest,
    #[serde(rename = "eu-e-evidence")]
    EuEEvidence,
    #[serde(rename = "second-protocol")]
    SecondProtocol,
}

fn goal(measure: Measure, target_ms: Option<i64>, emergency_ms: Option<i64>, basis: &str) -> Goal {
    // A production goal with no channel of its own is the MLA's (Art. 31).
    let channel = (measure == Measure::Production).then_some(ProductionChannel::Mla);
    let description = describe(measure, target_ms, emergency_ms, channel);
    Goal { measure, description, target_ms, emergency_target_ms: emergency_ms, channel, basis: basis.to_owned() }
}

/// The production goal an instrument's own text sets: its module says the
/// deadline and the article, so a profile only names the instrument.
fn production_goal(channel: ProductionChannel) -> Goal {
    let deadline = channel.instrument().deadline.expect("a profile names only instruments that set a deadline");
    let target_ms = Some(deadline.target_ms);
    Goal {
        measure: Measure::Production,
        description: describe(Measure::Production, target_ms, deadline.emergency_ms, Some(channel)),
        target_ms,
        emergency_target_ms: deadline.emergency_ms,
        channel: Some(channel),
        basis: deadline.basis.to_owned(),
    }
}

fn describe(
    measure: Measure,
    target_ms: Option<i64>,
    emergency_ms: Option<i64>,
    channel: Option<ProductionChannel>,
) -> String {
    let within = |what: &str| {
        let mut text = format!("{what} within {}", target_ms.map_or_else(|| "?".to_owned(), fmt_ms));
        if let Some(e) = emergency_ms {
            text.push_str(&format!(" ({} in an emergency)", fmt_ms(e)));
        }
        text
    };
    match measure {
        Measure::Acknowledgement => within("acknowledge"),
        Measure::PreservationOrdered => within("order preservation"),
        Measure::Disclosure => within("disclose the next hop"),
        Measure::WrittenConfirmation => within("written confirmation"),
        Measure::Production => within(&format!("produce by {}", channel.unwrap_or(ProductionChannel::Mla).label())),
        Measure::Hold => format!("hold preserved data at least {}", target_ms.map_or_else(|| "?".to_owned(), fmt_ms)),
        Measure::MlaBeforeHoldExpiry => "MLA request before the hold expires".to_owned(),
        Measure::FirstRequest => within("send the first request"),
        Measure::NextRequest => within("send the next request"),
        Measure::ProductionRequest => within("send the production request"),
    }
}

impl ProfileName {
    pub fn profile(self) -> GoalProfile {
        use Measure::*;
        let (name, goals) = match self {
            ProfileName::ActionPlan1997 => (
                "action-plan-1997",
                vec![
                    goal(
                        FirstRequest,
                        Some(24 * HOUR_MS),
                        None,
                        "Action Plan 1 binds the requesting desk too [hours assumed]",
                    ),
                    goal(
                        NextRequest,
                        Some(24 * HOUR_MS),
                        None,
                        "Action Plan 1, 6: the next carrier of the chain [hours assumed]",
                    ),
                    goal(Acknowledgement, Some(HOUR_MS), None, "Action Plan 1 (24-hour contact) [hours assumed]"),
                    goal(PreservationOrdered, Some(24 * HOUR_MS), None, "Action Plan 5 [hours assumed]"),
                    goal(
                        Disclosure,
                        Some(72 * HOUR_MS),
                        None,
                        "Action Plan 6 (and, from 2001, Budapest Art. 30) [hours assumed]",
                    ),
                    goal(WrittenConfirmation, Some(7 * DAY_MS), None, "Action Plan 8 [days assumed]"),
                    goal(MlaBeforeHoldExpiry, None, None, "Budapest Arts. 29(7), 31"),
                ],
            ),
            ProfileName::Budapest => (
                "budapest",
                vec![
                    goal(Hold, Some(60 * DAY_MS), None, "Budapest Art. 29(7): at least 60 days"),
                    goal(MlaBeforeHoldExpiry, None, None, "Budapest Arts. 29(7), 31"),
                    goal(Disclosure, Some(72 * HOUR_MS), None, "Budapest Art. 30 \"expeditiously\" [72 h assumed]"),
                    goal(
                        ProductionRequest,
                        Some(30 * DAY_MS),
                        None,
                        "Budapest Art. 29(2)(f), 29(7): the requester sends the MLA request within the hold [30 d assumed]",
                    ),
                ],
            ),
            ProfileName::EuEEvidence => (
                "eu-e-evidence",
                vec![
                    production_goal(ProductionChannel::Epoc),
                    goal(Hold, Some(60 * DAY_MS), None, "Reg. 2023/1543: preservation held 60 days (+30)"),
                ],
            ),
            ProfileName::SecondProtocol => (
                "second-protocol",
                vec![
                    production_goal(ProductionChannel::Art8),
                    goal(Acknowledgement, Some(HOUR_MS), None, "CETS 224 Art. 9 via the 24/7 network [1 h assumed]"),
                ],
            ),
        };
        GoalProfile { name: name.to_owned(), goals }
    }
}

impl GoalProfile {
    /// Sets or adds the target of `measure`; returns why not, if it cannot be.
    pub fn set_target(&mut self, measure: Measure, target_ms: i64) -> Result<(), String> {
        if measure == Measure::MlaBeforeHoldExpiry {
            return Err("mla_before_hold_expiry has no target: each hold sets its own deadline".to_owned());
        }
        match self.goals.iter_mut().find(|g| g.measure == measure) {
            Some(goal) => {
                goal.target_ms = Some(target_ms);
                goal.description = describe(measure, Some(target_ms), goal.emergency_target_ms, goal.channel);
                goal.basis = format!("{} (target set by the scenario)", goal.basis);
            }
            None => self.goals.push(goal(measure, Some(target_ms), None, "set by the scenario")),
        }
        self.goals.sort_by_key(|g| g.measure);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A profile's production goal is the instrument's own deadline, so
    /// every profile builds, and its figures are the module's.
    #[test]
    fn production_goals_come_from_their_instrument() {
        for name in
            [ProfileName::ActionPlan1997, ProfileName::Budapest, ProfileName::EuEEvidence, ProfileName::SecondProtocol]
        {
            for goal in name.profile().goals.iter().filter(|g| g.measure == Measure::Production) {
                let channel = goal.channel.expect("a production goal names its instrument");
                let deadline = channel.instrument().deadline.expect("and the instrument sets a deadline");
                assert_eq!(goal.target_ms, Some(deadline.target_ms));
                assert_eq!(goal.basis, deadline.basis);
            }
        }
        let epoc = ProfileName::EuEEvidence.profile();
        assert_eq!(epoc.goals[0].emergency_target_ms, Some(8 * HOUR_MS));
    }
}
