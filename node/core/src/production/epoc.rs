//! Regulation (EU) 2023/1543: a European Production Order from a judicial
//! authority of a bound Member State straight to a provider offering
//! services in the Union, through its designated establishment or legal
//! representative (Directive 2023/1544); 10 days, 8 hours in an emergency.

use super::{Deadline, Instrument, Situation};
use crate::time::{DAY_MS, HOUR_MS};
use crate::{CarrierId, CountryCode, Distribution, SimTime};
use std::collections::{BTreeMap, BTreeSet};

pub(super) const INSTRUMENT: Instrument = Instrument {
    name: "epoc",
    label: "EPOC",
    description: "European Production Order (Reg. 2023/1543)",
    evidence: true,
    categories: super::ALL_DATA,
    state_to_state: false,
    deadline: Some(Deadline {
        target_ms: 10 * DAY_MS,
        emergency_ms: Some(8 * HOUR_MS),
        basis: "Reg. 2023/1543 Art. 10: production order answered within 10 days, 8 h in an emergency",
    }),
};

/// From a bound issuing State to a provider represented in another, once the
/// Regulation applies; in an emergency too (8 hours).
pub(super) fn eligible(situation: &Situation) -> bool {
    let epoc = situation.law.epoc;
    epoc.zip(situation.provider)
        .is_some_and(|(epoc, provider)| epoc.applies(situation.requester, provider, situation.now))
}

/// The EU e-Evidence Regulation as a scenario has it: which countries it
/// binds, from when, which providers it reaches and where, and how fast
/// they answer an order.
#[derive(Debug, Clone, PartialEq)]
pub struct Epoc {
    /// EU Member States bound by the Regulation (Denmark does not take part).
    pub bound: BTreeSet<CountryCode>,
    /// Providers offering services in the Union, with the Member State of
    /// the establishment or legal representative they designated to receive
    /// orders (Directive 2023/1544): where they are, not their home, decides.
    pub represented: BTreeMap<CarrierId, CountryCode>,
    /// Art. 34: applicable from 18 Aug 2026; a scenario may move it.
    pub in_force_at: SimTime,
    /// The issuing authority preparing and validating the order.
    pub preparation: Distribution,
    /// The provider's answer: Art. 10, within 10 days.
    pub response: Distribution,
}

impl Epoc {
    /// Whether an authority of `issuing` may send `provider` a European
    /// Production Order at `now`: the issuing State bound, the provider
    /// offering services in the Union through a designated establishment or
    /// representative in another Member State (an order to one in the
    /// issuing State is a domestic one, outside the Regulation: Art. 2).
    pub fn applies(&self, issuing: &CountryCode, provider: &CarrierId, now: SimTime) -> bool {
        now >= self.in_force_at
            && self.bound.contains(issuing)
            // `represented` holds only Member States the Regulation binds
            // (checked where it is read), scenario countries or not.
            && self.represented.get(provider).is_some_and(|at| at != issuing)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_order_needs_a_bound_issuer_a_provider_represented_elsewhere_in_the_union_and_the_regulation_in_force() {
        let (de, fr, ie, dk) =
            (CountryCode::from("DE"), CountryCode::from("FR"), CountryCode::from("IE"), CountryCode::from("DK"));
        let (dsl, cloud, dk_isp, fr_isp) = (
            CarrierId::from("dsl-de"),
            CarrierId::from("cloud-us"),
            CarrierId::from("isp-dk"),
            CarrierId::from("isp-fr"),
        );
        let epoc = Epoc {
            bound: [de, fr, ie].into_iter().collect(),
            represented: [(dsl, de), (cloud, ie), (fr_isp, fr)].into_iter().collect(),
            in_force_at: SimTime(1_000),
            preparation: Distribution::Fixed { ms: 0 },
            response: Distribution::Fixed { ms: 0 },
        };
        assert!(epoc.applies(&fr, &dsl, SimTime(1_000)));
        assert!(!epoc.applies(&fr, &dsl, SimTime(999)), "not before it applies");
        assert!(epoc.applies(&fr, &cloud, SimTime(1_000)), "a US provider through its Irish representative");
        assert!(!epoc.applies(&fr, &dk_isp, SimTime(2_000)), "a provider with no representative in the Union");
        assert!(!epoc.applies(&dk, &dsl, SimTime(2_000)), "an issuer the Regulation does not bind");
        assert!(!epoc.applies(&fr, &fr_isp, SimTime(2_000)), "a provider in the issuing State: a domestic order");
    }
}
