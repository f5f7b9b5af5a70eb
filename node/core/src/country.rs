//! A member country of the network and the point of contact it keeps.

use crate::{CountryCode, Distribution, Offence, Staffing};

/// One country's point of contact as the scenario describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Country {
    pub code: CountryCode,
    pub name: String,
    pub time_zone: jiff::tz::TimeZone,
    /// The IANA name `time_zone` was loaded from, kept for the wire and the report.
    pub time_zone_name: String,
    pub staffing: Staffing,
    /// Time an officer at the desk takes to handle a request or prepare one.
    pub handling: Distribution,
    /// As requested country: drafting and serving the preservation order on
    /// the provider once the request is acknowledged (a court's order, where
    /// the law needs one, comes after: `court_order`).
    pub preservation_order: Distribution,
    /// Delay before the written confirmation of an expedited request is sent (Action Plan 8).
    pub written_confirmation: Distribution,
    /// Time to prepare and send the MLA request (Art. 31) once data is preserved.
    pub mla_preparation: Distribution,
    /// Time to execute an MLA request received: producing the preserved data.
    pub mla_execution: Distribution,
    /// How long preserved data is held awaiting the MLA request (Art. 29(7): at least 60 days).
    pub hold_ms: i64,
    /// A renewal of the hold, once, always requested in time (18 U.S.C. 2703(f): 90 + 90 days).
    pub hold_renewal_ms: Option<i64>,
    /// A member of the 24/7 network; a non-member has no point of contact to
    /// take expedited requests, so requests to it travel as MLA requests.
    pub member: bool,
    /// Languages the desk reads and writes (ISO 639-1 codes, say).
    pub languages: Vec<String>,
    /// Translating a request written in none of `languages`.
    pub translation: Distribution,
    /// The certified translation a formal request (MLA, an Art. 8 order)
    /// from a requester writing in none of `languages` needs before it is executed.
    pub mla_translation: Distribution,
    /// A court order the carrier needs before it may be ordered to preserve.
    pub court_order: Option<Distribution>,
    /// Officers at the desk at once; simultaneous cases queue. `None`: as many as needed.
    pub officers: Option<u32>,
    /// A dual-criminality reservation (Budapest Art. 29(4)): the offences,
    /// all outside Arts. 2-11, this country does not punish and refuses to
    /// preserve for. Empty: no reservation, every request is taken.
    pub dual_criminality: Vec<Offence>,
    /// When this country's carriers may disclose the next hop to the requester (Art. 30).
    pub disclosure: Art30,
    /// As requester: the chance it follows preserved data up with a
    /// production request, by the hop's role (MLA is "often not pursued").
    pub follow_up: FollowUp,
    /// As requester: the chance a request gives the wrong timestamp or time
    /// zone for the communication (a wrong offset names the wrong subscriber).
    pub timestamp_errors: f64,
    /// As requester: the chance a request is defective (wrong identifiers,
    /// over-broad scope) and comes back for clarification.
    pub request_defects: f64,
    /// As requested country: the chance it refuses a request on Art. 29(5)
    /// grounds (political offence; sovereignty, security, ordre public).
    pub refusal_grounds: f64,
    /// As requester: asks the origin country's police, directly or through
    /// INTERPOL I-24/7, who the subscriber is, as intelligence, while the
    /// formal production runs (the answer is not evidence).
    pub police_channel: bool,
    /// As requested country: its police answering such a query.
    pub police_response: Distribution,
    /// As reporting country: gathering what the first request needs (the
    /// investigator's facts, WHOIS, the provider's identifiers) before the desk sends it.
    pub request_preparation: Option<Distribution>,
    /// As reporting country: a prosecutor's sign-off its law wants before a
    /// request leaves (not in an emergency).
    pub prosecutor_sign_off: Option<Distribution>,
    /// As requested country: how it discloses to a foreign State in an emergency.
    pub emergency_disclosure: EmergencyDisclosure,
    /// As requester: the chance its desk forgets to ask in time for the
    /// renewal of a hold that will lapse before its production request leaves.
    pub renewal_forgotten: f64,
    /// As requester: a formal request for production (MLA, an Art. 8 order)
    /// still unanswered this long after it left is abandoned; `None`: never.
    pub mla_abandoned_after_ms: Option<i64>,
}

/// How a requested country discloses data to a foreign State in an
/// emergency: many Parties cannot compel it without an urgent MLA request
/// (Budapest Art. 25(3)); the Second Protocol's Art. 9 obliges its Parties to
/// be able to, once in force between them.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum EmergencyDisclosure {
    /// The point of contact has the provider disclose at once.
    #[default]
    Direct,
    /// Preserved at once; disclosed when an urgent MLA request, taking this
    /// long, is executed. Traffic data naming the next hop follows the
    /// country's Art. 30 regime, with no emergency shortcut.
    UrgentMla(Distribution),
}

/// How likely a requesting country is to pursue production of preserved data.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FollowUp {
    /// A hop that only named the next one.
    pub intermediate: f64,
    /// The origin: the hop whose subscriber is wanted.
    pub origin: f64,
}

impl Default for FollowUp {
    fn default() -> Self {
        FollowUp { intermediate: 1.0, origin: 1.0 }
    }
}

/// How a requested country discloses the traffic data naming the next hop
/// (Budapest Art. 30): the judicial gate sits where its law puts it.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Art30 {
    /// The point of contact may have it disclosed at once.
    #[default]
    Direct,
    /// Only after a prosecutor's or judge's order, which takes this long.
    Order(Distribution),
    /// Only on an MLA request (or production order): disclosed when it is executed.
    MlaOnly,
}

impl Art30 {
    /// The name scenarios and the wire use.
    pub fn name(&self) -> &'static str {
        match self {
            Art30::Direct => "direct",
            Art30::Order(_) => "order",
            Art30::MlaOnly => "mla_only",
        }
    }
}
