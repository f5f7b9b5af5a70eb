//! Budapest Art. 31: mutual legal assistance, central authority to central
//! authority, executed by the requested State; months (T-CY, 2014).

use super::{Instrument, Situation};

pub(super) const INSTRUMENT: Instrument = Instrument {
    name: "mla",
    label: "MLA",
    description: "MLA (Budapest Art. 31)",
    evidence: true,
    categories: super::ALL_DATA,
    state_to_state: true,
    deadline: None,
};

/// The formal route that is always open, where no faster one applies.
pub(super) fn eligible(_: &Situation) -> bool {
    true
}
