//! A provider answering a foreign authority's request for non-content data
//! directly, by its own policy (as large US platforms do, 18 U.S.C.
//! 2702(c)); declined, MLA follows after 30 days.

use super::{DataCategory, Instrument, Situation};

pub(super) const INSTRUMENT: Instrument = Instrument {
    name: "voluntary",
    label: "voluntary disclosure",
    description: "the provider's voluntary disclosure",
    evidence: true,
    categories: &[DataCategory::Subscriber, DataCategory::Traffic],
    state_to_state: false,
    deadline: None,
};

/// A provider that takes such requests, abroad, not in an emergency, and
/// only where no production order can ask it.
pub(super) fn eligible(situation: &Situation) -> bool {
    situation.provider.is_some_and(|p| situation.law.voluntary_carriers.contains(p))
        && situation.requested != situation.requester
        && !situation.emergency
        && !super::epoc::eligible(situation)
}
