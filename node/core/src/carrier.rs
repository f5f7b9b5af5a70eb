//! Communications carriers and what their logs hold about an incident.

use crate::{CarrierId, CountryCode, Distribution, IncidentId, NextHop, SimTime};

/// A carrier in the chain of a communication: an access ISP, a VPN, a host...
#[derive(Debug, Clone, PartialEq)]
pub struct Carrier {
    pub id: CarrierId,
    pub country: CountryCode,
    /// Free text for the report ("access-isp", "vpn", ...).
    pub kind: String,
    /// How long traffic data is kept before deletion.
    pub retention_ms: i64,
    /// Keeps no traffic data at all (a "no logs" VPN): nothing to preserve, ever.
    pub no_logs: bool,
    /// Time to execute a preservation order.
    pub preservation: Distribution,
    /// Time to produce the partial traffic data that names the previous hop.
    pub disclosure: Distribution,
    /// Time to preserve, and again to disclose, in an emergency (Second Protocol Art. 9).
    pub emergency_response: Distribution,
    /// When its staff act on orders, in the country's local time.
    pub hours: crate::Staffing,
    /// How long it keeps who held an account (subscriber data, as against
    /// `retention_ms` of traffic data); `None`: as long as the traffic data matters.
    pub subscriber_retention_ms: Option<i64>,
    /// Answering a direct order (Second Protocol Art. 7: within 30 days).
    pub direct_response: Distribution,
    /// The share of foreign authorities' direct requests for non-content
    /// data it answers by its own policy (voluntary disclosure, on its
    /// `direct_response` clock); 0: it takes none.
    pub voluntary_disclosure: f64,
}

/// What one carrier's logs say about one incident's communication: the
/// ground truth a disclosure reveals, known only to the node of the carrier's
/// country.
#[derive(Debug, Clone, PartialEq)]
pub struct LogRecord {
    pub incident: IncidentId,
    pub hop: u32,
    pub carrier: CarrierId,
    pub communication_at: SimTime,
    /// The carrier the traffic came from; `None` at the origin, whose logs name a subscriber.
    pub previous: Option<NextHop>,
    /// False when the logs cannot single out one subscriber: a carrier-grade
    /// NAT asked without the source port and a timestamp to the second.
    pub identifiable: bool,
}
