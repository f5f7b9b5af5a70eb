//! Production: how preserved data leaves the carrier as evidence. A 24/7
//! network only preserves and learns the next hop (Budapest Arts. 29-30);
//! the subscriber behind the origin is identified later, through a
//! production instrument with its own eligibility and clock.
//!
//! Each instrument is one module: what it is called, whether what it yields
//! is evidence, and who may use it toward whom, when (`eligible`). A new
//! instrument is a new module, a variant of `ProductionChannel` and its arm
//! in `instrument` and `eligible`; the compiler lists every other place
//! that must handle it (no `_ =>` arm covers instruments).

mod art7;
mod art8;
mod domestic;
mod emergency;
mod epoc;
mod mla;
mod police;
mod second_protocol;
mod urgent_mla;
mod voluntary;

pub use epoc::Epoc;
pub use second_protocol::SecondProtocol;

use crate::country::EmergencyDisclosure;
use crate::{CarrierId, CountryCode, SimTime};
use serde::Serialize;
use std::collections::BTreeSet;
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

/// The data a request asks for: each instrument may ask only for some.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataCategory {
    /// Who holds an account (and, where the law classes it so, who held an
    /// address at an instant).
    Subscriber,
    /// Traffic data: where a communication came from and went.
    Traffic,
    /// What a communication said.
    Content,
}

/// What an instrument is, as reports and forms name it.
#[derive(Debug)]
pub struct Instrument {
    /// The name scenarios, the wire and reports use.
    pub name: &'static str,
    /// How goal descriptions and tables say it, briefly.
    pub label: &'static str,
    /// How reports say it.
    pub description: &'static str,
    /// Whether what it yields is usable as evidence.
    pub evidence: bool,
    /// The data it may ask for.
    pub categories: &'static [DataCategory],
    /// A formal request from State to State: prepared as an MLA request is,
    /// and in a language the requested State takes.
    pub state_to_state: bool,
    /// The time the instrument itself gives the provider or requested State
    /// to produce, where it sets one: a goal profile naming the instrument
    /// scores against it.
    pub deadline: Option<Deadline>,
}

/// A production deadline an instrument's own text sets.
#[derive(Debug, Clone, Copy)]
pub struct Deadline {
    pub target_ms: i64,
    /// A shorter one in an emergency.
    pub emergency_ms: Option<i64>,
    /// The article that sets it.
    pub basis: &'static str,
}

/// Every category: the instruments that may ask for anything.
const ALL_DATA: &[DataCategory] = &[DataCategory::Subscriber, DataCategory::Traffic, DataCategory::Content];

/// What deciding whether an instrument may be used needs: who asks whom
/// about which provider, when, and the law the scenario has in force.
pub struct Situation<'a> {
    pub requester: &'a CountryCode,
    pub requested: &'a CountryCode,
    /// What the request asks for: identifying who held an address at an
    /// instant is subscriber information, or traffic data where the
    /// requested country's law classes it so (T-CY Guidance Note #10).
    pub asks: DataCategory,
    /// The provider holding the data, where the deciding node knows it.
    pub provider: Option<&'a CarrierId>,
    pub now: SimTime,
    pub emergency: bool,
    pub law: Law<'a>,
}

/// The instruments beyond the network's own, as the scenario sets them.
#[derive(Clone, Copy)]
pub struct Law<'a> {
    pub epoc: Option<&'a Epoc>,
    pub second_protocol: Option<&'a SecondProtocol>,
    /// Providers that take foreign authorities' direct requests.
    pub voluntary_carriers: &'a BTreeSet<CarrierId>,
    /// The requested country's emergency regime, where the deciding node is
    /// the requested one (a requester does not know it).
    pub emergency_disclosure: Option<&'a EmergencyDisclosure>,
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

    /// The one place each channel finds its instrument's module.
    pub fn instrument(self) -> &'static Instrument {
        match self {
            ProductionChannel::Mla => &mla::INSTRUMENT,
            ProductionChannel::Epoc => &epoc::INSTRUMENT,
            ProductionChannel::Emergency => &emergency::INSTRUMENT,
            ProductionChannel::Domestic => &domestic::INSTRUMENT,
            ProductionChannel::Art7 => &art7::INSTRUMENT,
            ProductionChannel::Art8 => &art8::INSTRUMENT,
            ProductionChannel::Voluntary => &voluntary::INSTRUMENT,
            ProductionChannel::Police => &police::INSTRUMENT,
            ProductionChannel::UrgentMla => &urgent_mla::INSTRUMENT,
        }
    }

    /// Whether the instrument may be used in `situation`: the law's
    /// eligibility, not the requester's choice among those eligible.
    pub fn eligible(self, situation: &Situation) -> bool {
        self.instrument().categories.contains(&situation.asks) && self.law_allows(situation)
    }

    /// The instrument's own conditions, its data category apart.
    fn law_allows(self, situation: &Situation) -> bool {
        match self {
            ProductionChannel::Mla => mla::eligible(situation),
            ProductionChannel::Epoc => epoc::eligible(situation),
            ProductionChannel::Emergency => emergency::eligible(situation),
            ProductionChannel::Domestic => domestic::eligible(situation),
            ProductionChannel::Art7 => art7::eligible(situation),
            ProductionChannel::Art8 => art8::eligible(situation),
            ProductionChannel::Voluntary => voluntary::eligible(situation),
            ProductionChannel::Police => police::eligible(situation),
            ProductionChannel::UrgentMla => urgent_mla::eligible(situation),
        }
    }

    /// The name scenarios, the wire and reports use.
    pub fn name(self) -> &'static str {
        self.instrument().name
    }

    pub fn from_name(name: &str) -> Option<ProductionChannel> {
        ProductionChannel::ALL.into_iter().find(|c| c.name() == name)
    }

    /// How goal descriptions and tables say it, briefly.
    pub fn label(self) -> &'static str {
        self.instrument().label
    }

    /// How reports say it.
    pub fn description(self) -> &'static str {
        self.instrument().description
    }

    /// Whether what it yields is usable as evidence: police-to-police and
    /// INTERPOL answers are intelligence.
    pub fn usable_as_evidence(self) -> bool {
        self.instrument().evidence
    }
}

impl fmt::Display for ProductionChannel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
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
    fn an_instrument_asks_only_for_the_data_it_may() {
        use crate::{Distribution, SimTime};
        let (fr, de) = (CountryCode::from("FR"), CountryCode::from("DE"));
        let protocol = SecondProtocol {
            parties: [fr, de].into_iter().collect(),
            art7_reserved: BTreeSet::new(),
            in_force_at: Some(SimTime(0)),
            party_from: Default::default(),
            art8_service: Distribution::Fixed { ms: 0 },
            art8_return: Distribution::Fixed { ms: 0 },
        };
        let none_p = BTreeSet::new();
        let situation = |asks| Situation {
            requester: &fr,
            requested: &de,
            asks,
            provider: None,
            now: SimTime(1),
            emergency: false,
            law: Law {
                epoc: None,
                second_protocol: Some(&protocol),
                voluntary_carriers: &none_p,
                emergency_disclosure: None,
            },
        };
        let subscriber = situation(DataCategory::Subscriber);
        let traffic = situation(DataCategory::Traffic);
        assert!(ProductionChannel::Art7.eligible(&subscriber));
        assert!(!ProductionChannel::Art7.eligible(&traffic), "Art. 7: subscriber information only");
        assert!(ProductionChannel::Art8.eligible(&traffic));
        assert!(!ProductionChannel::Art8.eligible(&situation(DataCategory::Content)), "Art. 8: no content");
        assert!(ProductionChannel::Mla.eligible(&situation(DataCategory::Content)));
        assert!(!ProductionChannel::Police.eligible(&traffic), "intelligence on who, not traffic data");
    }
}
