//! The offences a request is about, and the answers a reporting country receives.
//!
//! Both are typed here, in the node crate, so that the scenario, the wire and
//! the report name them one way: a reservation compares enums, never strings.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The offence categories of the Budapest Convention, Arts. 2-10 (Art. 11,
/// attempt and aiding, goes with one of them). An incident may name none:
/// then no dual-criminality reservation applies to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Offence {
    IllegalAccess,
    IllegalInterception,
    DataInterference,
    SystemInterference,
    MisuseOfDevices,
    ComputerRelatedForgery,
    ComputerRelatedFraud,
    ChildSexualAbuseMaterial,
    CopyrightInfringement,
}

impl Offence {
    pub const ALL: [Offence; 9] = [
        Offence::IllegalAccess,
        Offence::IllegalInterception,
        Offence::DataInterference,
        Offence::SystemInterference,
        Offence::MisuseOfDevices,
        Offence::ComputerRelatedForgery,
        Offence::ComputerRelatedFraud,
        Offence::ChildSexualAbuseMaterial,
        Offence::CopyrightInfringement,
    ];

    /// The name scenarios, the wire and reports use.
    pub fn name(self) -> &'static str {
        match self {
            Offence::IllegalAccess => "illegal-access",
            Offence::IllegalInterception => "illegal-interception",
            Offence::DataInterference => "data-interference",
            Offence::SystemInterference => "system-interference",
            Offence::MisuseOfDevices => "misuse-of-devices",
            Offence::ComputerRelatedForgery => "computer-related-forgery",
            Offence::ComputerRelatedFraud => "computer-related-fraud",
            Offence::ChildSexualAbuseMaterial => "child-sexual-abuse-material",
            Offence::CopyrightInfringement => "copyright-infringement",
        }
    }

    pub fn from_name(name: &str) -> Option<Offence> {
        Offence::ALL.into_iter().find(|o| o.name() == name)
    }
}

impl fmt::Display for Offence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A dual-criminality reservation (Budapest Art. 29(4)): the offences for
/// which a country preserves. Only a country with a reservation refuses, and
/// only a request that names an offence outside it; a request naming no
/// offence gives no ground for refusal.
pub fn refuses(reservation: &[Offence], offence: Option<Offence>) -> Option<Offence> {
    offence.filter(|o| !reservation.is_empty() && !reservation.contains(o))
}

/// Which answer reached the reporting country.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Answer {
    #[serde(rename = "acknowledgement")]
    Acknowledgement,
    #[serde(rename = "preservation result")]
    PreservationResult,
    /// Budapest Art. 30: the traffic data naming the previous hop.
    #[serde(rename = "traffic data disclosure")]
    Disclosure,
    /// Budapest Art. 31: the data produced under the MLA request.
    #[serde(rename = "production")]
    Production,
}

impl Answer {
    pub const ALL: [Answer; 4] =
        [Answer::Acknowledgement, Answer::PreservationResult, Answer::Disclosure, Answer::Production];

    /// The name reports and logs use (and the JSON report writes).
    pub fn name(self) -> &'static str {
        match self {
            Answer::Acknowledgement => "acknowledgement",
            Answer::PreservationResult => "preservation result",
            Answer::Disclosure => "traffic data disclosure",
            Answer::Production => "production",
        }
    }

    pub fn from_name(name: &str) -> Option<Answer> {
        Answer::ALL.into_iter().find(|a| a.name() == name)
    }
}

impl fmt::Display for Answer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_without_an_offence_is_never_refused_under_a_reservation() {
        let reservation = [Offence::IllegalAccess];
        assert_eq!(refuses(&reservation, None), None);
        assert_eq!(refuses(&reservation, Some(Offence::IllegalAccess)), None);
        assert_eq!(refuses(&reservation, Some(Offence::CopyrightInfringement)), Some(Offence::CopyrightInfringement));
        assert_eq!(refuses(&[], Some(Offence::CopyrightInfringement)), None);
    }

    #[test]
    fn names_round_trip() {
        for offence in Offence::ALL {
            assert_eq!(Offence::from_name(offence.name()), Some(offence));
        }
        for answer in Answer::ALL {
            assert_eq!(Answer::from_name(answer.name()), Some(answer));
        }
    }
}
