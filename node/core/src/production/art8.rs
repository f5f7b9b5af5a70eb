//! Second Protocol Art. 8: an order from State to State, which the
//! requested Party serves on its provider; subscriber information within
//! 20 days (Art. 8(6)).

use super::{DataCategory, Deadline, Instrument, Situation};
use crate::time::DAY_MS;

pub(super) const INSTRUMENT: Instrument = Instrument {
    name: "art8",
    label: "Art. 8 order",
    description: "a Second Protocol Art. 8 order served by the requested Party",
    evidence: true,
    categories: &[DataCategory::Subscriber, DataCategory::Traffic],
    state_to_state: true,
    // Only the origin's subscriber goes by Art. 8 in the model, so its 20
    // days are the deadline (traffic data: 45).
    deadline: Some(Deadline {
        target_ms: 20 * DAY_MS,
        emergency_ms: None,
        basis: "CETS 224 Art. 8(6): subscriber information within 20 days of service (pocnet counts from the \
                requested Party's receipt, so its serving counts too)",
    }),
};

/// Whether the Protocol binds requester and requested now (Art. 16).
pub(super) fn protocol_applies(situation: &Situation) -> bool {
    let protocol = situation.law.second_protocol;
    protocol.is_some_and(|p| p.applies(situation.requester, situation.requested, situation.now))
}

pub(super) fn eligible(situation: &Situation) -> bool {
    protocol_applies(situation)
}
