//! The Second Additional Protocol to the Budapest Convention (CETS 224): its
//! Parties, reservations and dates, which its Art. 7 and Art. 8 instruments
//! (and Art. 9 in an emergency) share.

use crate::{CountryCode, Distribution, SimTime};
use std::collections::{BTreeMap, BTreeSet};

/// The Second Protocol to the Budapest Convention (CETS 224) as a scenario
/// has it: its Parties, and when it enters into force, if it does.
#[derive(Debug, Clone, PartialEq)]
pub struct SecondProtocol {
    pub parties: BTreeSet<CountryCode>,
    /// Parties that reserved the right not to apply Art. 7 (Art. 7(9)(a)),
    /// as Japan did: their providers take no Art. 7 order, so Art. 8 serves.
    pub art7_reserved: BTreeSet<CountryCode>,
    /// `None`: not in force during the scenario (it needs five
    /// ratifications, Art. 16(3)), so no Party may use it.
    pub in_force_at: Option<SimTime>,
    /// A Party bound only from its own date, later than the Protocol's entry
    /// into force (Art. 16(4): the first day of the month three months after
    /// its ratification); a Party not listed is bound from `in_force_at`.
    pub party_from: BTreeMap<CountryCode, SimTime>,
    /// Art. 8(6): the requested Party serving the order on its provider
    /// ("reasonable efforts" within 45 days).
    pub art8_service: Distribution,
    /// Art. 8(6): the provider returning subscriber information after
    /// service (within 20 days).
    pub art8_return: Distribution,
}

impl SecondProtocol {
    /// Whether `from` may use the Protocol with `to` at `now`.
    pub fn applies(&self, from: &CountryCode, to: &CountryCode, now: SimTime) -> bool {
        let bound = |party: &CountryCode| {
            self.parties.contains(party) && self.party_from.get(party).is_none_or(|&at| now >= at)
        };
        self.in_force_at.is_some_and(|at| now >= at) && bound(from) && bound(to)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_party_that_ratified_late_is_bound_only_from_its_own_date() {
        let (rs, jp, hu) = (CountryCode::from("RS"), CountryCode::from("JP"), CountryCode::from("HU"));
        let protocol = SecondProtocol {
            parties: [rs, jp, hu].into_iter().collect(),
            art7_reserved: BTreeSet::new(),
            in_force_at: Some(SimTime(1_000)),
            party_from: [(hu, SimTime(5_000))].into_iter().collect(),
            art8_service: Distribution::Fixed { ms: 0 },
            art8_return: Distribution::Fixed { ms: 0 },
        };
        assert!(!protocol.applies(&rs, &jp, SimTime(999)), "not before it enters into force");
        assert!(protocol.applies(&rs, &jp, SimTime(1_000)));
        assert!(!protocol.applies(&rs, &hu, SimTime(4_999)), "not with a Party before its own date");
        assert!(protocol.applies(&hu, &rs, SimTime(5_000)));
    }
}
