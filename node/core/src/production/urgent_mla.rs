//! An emergency where the requested State discloses to a foreign one only on
//! an urgent MLA request (Budapest Art. 25(3): by fax or e-mail, confirmation
//! to follow): preservation at once, disclosure when it is executed.

use super::{Instrument, Situation};
use crate::country::EmergencyDisclosure;

pub(super) const INSTRUMENT: Instrument = Instrument {
    name: "urgent_mla",
    label: "urgent MLA",
    description: "an urgent MLA request (Budapest Art. 25(3))",
    evidence: true,
    categories: super::ALL_DATA,
    state_to_state: true,
    deadline: None,
};

/// An emergency to a country whose law wants the urgent request, outside
/// the Second Protocol's Art. 9.
pub(super) fn eligible(situation: &Situation) -> bool {
    situation.emergency
        && matches!(situation.law.emergency_disclosure, Some(EmergencyDisclosure::UrgentMla(_)))
        && !super::emergency::emergency_disclosure_at_once(situation)
}
