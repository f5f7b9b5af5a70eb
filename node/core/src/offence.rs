//! The offences a request is about, and the answers a reporting country receives.
//!
//! Both are typed here, in the node crate, so that the scenario, the wire and
//! the report name them one way: a reservation compares enums, never strings.

use crate::constraint::Invalid;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The offence a request is about: the categories of the Budapest
/// Convention, Arts. 2-10 (Art. 11, attempt and aiding, goes with one of
/// them), and common offences outside it, for which a dual-criminality
/// reservation may refuse (Art. 29(4)). An incident may name none: then no
/// reservation applies to it.
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
    /// Fraud not committed through a computer system (Art. 8 covers the rest).
    OtherFraud,
    Defamation,
    HateSpeech,
    Gambling,
    Drugs,
    TerroristContent,
}

impl Offence {
    pub const ALL: [Offence; 15] = [
        Offence::IllegalAccess,
        Offence::IllegalInterception,
        Offence::DataInterference,
        Offence::SystemInterference,
        Offence::MisuseOfDevices,
        Offence::ComputerRelatedForgery,
        Offence::ComputerRelatedFraud,
        Offence::ChildSexualAbuseMaterial,
        Offence::CopyrightInfringement,
        Offence::OtherFraud,
        Offence::Defamation,
        Offence::HateSpeech,
        Offence::Gambling,
        Offence::Drugs,
        Offence::TerroristContent,
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
            Offence::OtherFraud => "other-fraud",
            Offence::Defamation => "defamation",
            Offence::HateSpeech => "hate-speech",
            Offence::Gambling => "gambling",
            Offence::Drugs => "drugs",
            Offence::TerroristContent => "terrorist-content",
        }
    }

    pub fn from_name(name: &str) -> Option<Offence> {
        Offence::ALL.into_iter().find(|o| o.name() == name)
    }

    /// The Convention article defining the offence; `None` outside Arts. 2-11.
    pub fn convention_article(self) -> Option<u8> {
        match self {
            Offence::IllegalAccess => Some(2),
            Offence::IllegalInterception => Some(3),
            Offence::DataInterference => Some(4),
            Offence::SystemInterference => Some(5),
            Offence::MisuseOfDevices => Some(6),
            Offence::ComputerRelatedForgery => Some(7),
            Offence::ComputerRelatedFraud => Some(8),
            Offence::ChildSexualAbuseMaterial => Some(9),
            Offence::CopyrightInfringement => Some(10),
            Offence::OtherFraud
            | Offence::Defamation
            | Offence::HateSpeech
            | Offence::Gambling
            | Offence::Drugs
            | Offence::TerroristContent => None,
        }
    }
}

impl fmt::Display for Offence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A dual-criminality reservation (Budapest Art. 29(3)-(4)): the offences a
/// country does not punish, for which it refuses to preserve. Art. 29(4)
/// allows that only outside the Convention's offences (Arts. 2-11), so a
/// reservation naming one of them is refused where it is written.
pub fn reservation(offences: &[Offence]) -> Result<(), Invalid> {
    match offences.iter().find_map(|o| o.convention_article().map(|a| (o, a))) {
        Some((offence, article)) => Err(Invalid(format!(
            "`{offence}` is a Convention offence (Art. {article}): Art. 29(4) lets a reserving country refuse \
             preservation only for offences outside Arts. 2-11"
        ))),
        None => Ok(()),
    }
}

/// The offence a reservation refuses, if it refuses: only a request that
/// names an offence the reservation lists; a request naming no offence gives
/// no ground for refusal.
pub fn refuses(reservation: &[Offence], offence: Option<Offence>) -> Option<Offence> {
    offence.filter(|o| reservation.contains(o))
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
    fn a_reservation_refuses_only_the_offences_it_names() {
        let reservation = [Offence::Defamation, Offence::Gambling];
        assert_eq!(refuses(&reservation, None), None, "a request naming no offence gives no ground");
        assert_eq!(refuses(&reservation, Some(Offence::Defamation)), Some(Offence::Defamation));
        assert_eq!(refuses(&reservation, Some(Offence::Drugs)), None);
        assert_eq!(refuses(&reservation, Some(Offence::IllegalAccess)), None);
        assert_eq!(refuses(&[], Some(Offence::Defamation)), None);
    }

    #[test]
    fn a_reservation_may_not_name_a_convention_offence() {
        assert!(reservation(&[Offence::Defamation, Offence::TerroristContent]).is_ok());
        let refused = reservation(&[Offence::Defamation, Offence::ComputerRelatedFraud]).unwrap_err();
        assert!(refused.0.contains("`computer-related-fraud` is a Convention offence (Art. 8)"), "{refused}");
        for offence in Offence::ALL {
            assert_eq!(reservation(&[offence]).is_ok(), offence.convention_article().is_none(), "{offence}");
        }
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
