//! An emergency (imminent risk to life) ends in disclosure to the requester
//! on the provider's emergency timescale: no hold, no MLA. Where the
//! requested country's point of contact may have the provider disclose at
//! once, or the Second Protocol's Art. 9 binds the pair.

use super::{Instrument, Situation};
use crate::country::EmergencyDisclosure;

pub(super) const INSTRUMENT: Instrument = Instrument {
    name: "emergency",
    label: "emergency disclosure",
    description: "emergency disclosure",
    evidence: true,
    categories: super::ALL_DATA,
    state_to_state: false,
    deadline: None,
};

/// An emergency, to a country that discloses to a foreign State at once, or
/// between Second Protocol Parties in force (Art. 9).
pub(super) fn emergency_disclosure_at_once(situation: &Situation) -> bool {
    situation.law.emergency_disclosure.is_none_or(|regime| *regime == EmergencyDisclosure::Direct)
        || super::art8::protocol_applies(situation)
}

pub(super) fn eligible(situation: &Situation) -> bool {
    situation.emergency && emergency_disclosure_at_once(situation)
}
