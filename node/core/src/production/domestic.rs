//! The requesting country's own provider, ordered under its own law: the
//! order that preserved the data names the subscriber.

use super::{Instrument, Situation};

pub(super) const INSTRUMENT: Instrument = Instrument {
    name: "domestic",
    label: "domestic order",
    description: "a domestic order",
    evidence: true,
    categories: super::ALL_DATA,
    state_to_state: false,
    deadline: None,
};

pub(super) fn eligible(situation: &Situation) -> bool {
    situation.requester == situation.requested
}
