//! Second Protocol Art. 7: an order straight to the provider for the
//! origin's subscriber information only, between Parties; after 30 days
//! unanswered, Art. 8 or MLA follows (Art. 7(7)).

use super::{DataCategory, Instrument, Situation};

pub(super) const INSTRUMENT: Instrument = Instrument {
    name: "art7",
    label: "Art. 7 order",
    description: "a Second Protocol Art. 7 order to the provider",
    evidence: true,
    categories: &[DataCategory::Subscriber],
    state_to_state: false,
    deadline: None,
};

/// Between Parties in force, not in an emergency (which goes through the
/// points of contact), and not into a Party that reserved Art. 7 (7(9)(a));
/// subscriber information only (its category).
pub(super) fn eligible(situation: &Situation) -> bool {
    let requested = situation.requested;
    super::art8::protocol_applies(situation)
        && !situation.emergency
        && !situation.law.second_protocol.is_some_and(|p| p.art7_reserved.contains(requested))
}
