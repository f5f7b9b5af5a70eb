//! Production: how preserved data leaves the carrier as evidence. A 24/7
//! network only preserves and learns the next hop (Budapest Arts. 29-30);
//! the subscriber behind the origin is identified later, through a
//! production channel with its own eligibility and clock.

use crate::{CarrierId, CountryCode, Distribution, SimTime};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// The instrument the data is produced under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProductionChannel {
    /// Budapest Art. 31: central authority to central authority; months.
    Mla,
    /// Regulation (EU) 2023/1543: a European Production Order straight to the
    /// provider, between bound Member States from 18 Aug 2026; 10 days.
    Epoc,
    /// An emergency (imminent risk to life) ends in disclosure to the
    /// requester on the carrier's emergency timescale: no hold, no MLA.
    Emergency,
    /// The requesting country's own carrier, ordered under its own law: the
    /// order that preserved the data names the subscriber.
    Domestic,
    /// Second Protocol Art. 7: an order straight to the provider for the
    /// origin's subscriber information only, between parties; after 30 days
    /// unanswered, Art. 8 or MLA follows. The Protocol is not in force.
    Art7,
    /// Second Protocol Art. 8: an order from State to State, which the
    /// requested Party serves on its provider; subscriber information within
    /// 20 days. The Protocol is not in force.
    Art8,
    /// A provider answering a foreign authority's request for non-content
    /// data directly, by its own policy (as large US platforms do, 18 U.S.C.
    /// 2702(c)); if it declines, MLA follows after 30 days.
    Voluntary,
    /// Police to police, or through INTERPOL I-24/7: intelligence on who the
    /// subscriber is, not evidence (T-CY assessment of MLA, 2014).
    Police,
    /// An emergency where the requested State discloses to a foreign one only
    /// on an urgent MLA request (Budapest Art. 25(3): by fax or e-mail,
    /// confirmation to follow): preservation at once, disclosure when it is executed.
    UrgentMla,
}

impl ProductionChannel {
    pub const ALL: [ProductionChannel; 9] = [
        ProductionChannel::Mla,
        ProductionChannel::Epoc,
        ProductionChannel::Emergency,
        ProductionChannel::Domestic,
        ProductionChannel::Art7,
        ProductionChannel::Art8,
        ProductionChannel::Voluntary,
        ProductionChannel::Police,
        ProductionChannel::UrgentMla,
    ];

    /// The name scenarios, the wire and reports use.
    pub fn name(self) -> &'static str {
        match self {
            ProductionChannel::Mla => "mla",
            ProductionChannel::Epoc => "epoc",
            ProductionChannel::Emergency => "emergency",
            ProductionChannel::Domestic => "domestic",
            ProductionChannel::Art7 => "art7",
            ProductionChannel::Art8 => "art8",
            ProductionChannel::Voluntary => "voluntary",
            ProductionChannel::Police => "police",
            ProductionChannel::UrgentMla => "urgent_mla",
        }
    }

    pub fn from_name(name: &str) -> Option<ProductionChannel> {
        ProductionChannel::ALL.into_iter().find(|c| c.name() == name)
    }

    /// How goal descriptions and tables say it, briefly.
    pub fn label(self) -> &'static str {
        match self {
            ProductionChannel::Mla => "MLA",
            ProductionChannel::Epoc => "EPOC",
            ProductionChannel::Emergency => "emergency disclosure",
            ProductionChannel::Domestic => "domestic order",
            ProductionChannel::Art7 => "Art. 7 order",
            ProductionChannel::Art8 => "Art. 8 order",
            ProductionChannel::Voluntary => "voluntary disclosure",
            ProductionChannel::Police => "police channel",
            ProductionChannel::UrgentMla => "urgent MLA",
        }
    }

    /// How reports say it.
    pub fn description(self) -> &'static str {
        match self {
            ProductionChannel::Mla => "MLA (Budapest Art. 31)",
            ProductionChannel::Epoc => "European Production Order (Reg. 2023/1543)",
            ProductionChannel::Emergency => "emergency disclosure",
            ProductionChannel::Domestic => "a domestic order",
            ProductionChannel::Art7 => "a Second Protocol Art. 7 order to the provider",
            ProductionChannel::Art8 => "a Second Protocol Art. 8 order served by the requested Party",
            ProductionChannel::Voluntary => "the provider's voluntary disclosure",
            ProductionChannel::Police => "police-to-police or INTERPOL intelligence",
            ProductionChannel::UrgentMla => "an urgent MLA request (Budapest Art. 25(3))",
        }
    }

    /// Whether what it yields is usable as evidence: police-to-police and
    /// INTERPOL answers are intelligence; a voluntary disclosure's use
    /// depends on the requesting State's law [assumed usable].
    pub fn usable_as_evidence(self) -> bool {
        match self {
            ProductionChannel::Mla
            | ProductionChannel::Epoc
            | ProductionChannel::Emergency
            | ProductionChannel::Domestic
            | ProductionChannel::Art7
            | ProductionChannel::Art8
            | ProductionChannel::Voluntary
            | ProductionChannel::UrgentMla => true,
            ProductionChannel::Police => false,
        }
    }
}

impl fmt::Display for ProductionChannel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
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
    fn names_round_trip() {
        for channel in ProductionChannel::ALL {
            assert_eq!(ProductionChannel::from_name(channel.name()), Some(channel));
        }
    }

    #[test]
    fn a_party_that_ratified_late_is_bound_only_from_its_own_date() {
        let (rs, jp, hu) = (CountryCode::from("RS"), CountryCode::from("JP"), CountryCode::from("HU"));
        let protocol = SecondProtocol {
            parties: [rs.clone(), jp.clone(), hu.clone()].into_iter().collect(),
            art7_reserved: BTreeSet::new(),
            in_force_at: Some(SimTime(1_000)),
            party_from: [(hu.clone(), SimTime(5_000))].into_iter().collect(),
            art8_service: Distribution::Fixed { ms: 0 },
            art8_return: Distribution::Fixed { ms: 0 },
        };
        assert!(!protocol.applies(&rs, &jp, SimTime(999)), "not before it enters into force");
        assert!(protocol.applies(&rs, &jp, SimTime(1_000)));
        assert!(!protocol.applies(&rs, &hu, SimTime(4_999)), "not with a Party before its own date");
        assert!(protocol.applies(&hu, &rs, SimTime(5_000)));
    }

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
            bound: [de.clone(), fr.clone(), ie.clone()].into_iter().collect(),
            represented: [(dsl.clone(), de.clone()), (cloud.clone(), ie), (fr_isp.clone(), fr.clone())]
                .into_iter()
                .collect(),
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
