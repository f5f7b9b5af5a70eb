//! Police to police, or through INTERPOL I-24/7: intelligence on who the
//! subscriber is, not evidence (T-CY assessment of MLA, 2014).

use super::{DataCategory, Instrument, Situation};

pub(super) const INSTRUMENT: Instrument = Instrument {
    name: "police",
    label: "police channel",
    description: "police-to-police or INTERPOL intelligence",
    evidence: false,
    categories: &[DataCategory::Subscriber],
    state_to_state: false,
    deadline: None,
};

/// Abroad, and not in an emergency (which ends in disclosure anyway).
pub(super) fn eligible(situation: &Situation) -> bool {
    situation.requested != situation.requester && !situation.emergency
}
