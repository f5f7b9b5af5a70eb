//! The tonic service around a point of contact, and the only place that knows
//! prost types: protobuf messages become validated domain types here, once.
//!
//! A node serves two gRPC services on one port: `ContactPoint` (other nodes
//! deliver cross-border messages) and `Simulation` (the coordinator configures
//! the node and grants it simulated time), plus standard health checking and
//! reflection so that a stock client such as grpcurl can list and call it.

use crate::contact_point::{IncidentReport, NodeConfig, Strategy};
use crate::runtime::{DeliveryError, NodeRuntime};
use crate::{
    Body, Carrier, CarrierId, CarrierOutage, Country, CountryCode, DirectoryEntry, Distribution, Envelope, Event,
    EventKind, LogRecord, MessageLoss, NextHop, OfficeHours, PreservationOutcome, Shift, SimTime, Staffing, Window,
};
use pocnet_proto as pb;
use pocnet_proto::contact_point_client::ContactPointClient;
use pocnet_proto::contact_point_server::ContactPointServer;
use pocnet_proto::simulation_server::SimulationServer;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use tonic::transport::{Channel, Endpoint};
use tonic::{Request, Response, Status};

/// A field of a request that is missing or invalid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {problem}")]
pub struct FieldError {
    pub field: String,
    pub problem: String,
}

impl FieldError {
    fn new(field: impl Into<String>, problem: impl Into<String>) -> Self {
        FieldError { field: field.into(), problem: problem.into() }
    }

    fn missing(field: impl Into<String>) -> Self {
        FieldError::new(field, "is required")
    }

    fn within(self, parent: &str) -> Self {
        FieldError { field: format!("{parent}.{}", self.field), problem: self.problem }
    }
}

impl From<FieldError> for Status {
    fn from(error: FieldError) -> Status {
        Status::invalid_argument(error.to_string())
    }
}

impl From<DeliveryError> for Status {
    fn from(error: DeliveryError) -> Status {
        Status::invalid_argument(format!("{}: {error}", error.field()))
    }
}

// ---------------------------------------------------------------------------
// Protobuf to domain.

fn required<'a>(value: &'a str, field: &str) -> Result<&'a str, FieldError> {
    if value.trim().is_empty() { Err(FieldError::missing(field)) } else { Ok(value) }
}

fn country_code(value: &str, field: &str) -> Result<CountryCode, FieldError> {
    Ok(CountryCode(required(value, field)?.to_owned()))
}

fn non_negative(value: i64, field: &str) -> Result<i64, FieldError> {
    if value < 0 { Err(FieldError::new(field, format!("must not be negative (got {value})"))) } else { Ok(value) }
}

fn distribution(value: Option<pb::Distribution>, field: &str) -> Result<Distribution, FieldError> {
    use pb::distribution::Kind;
    let kind = value.and_then(|d| d.kind).ok_or_else(|| FieldError::missing(field))?;
    let law = match kind {
        Kind::FixedMs(ms) => Distribution::Fixed { ms },
        Kind::LogNormal(l) => Distribution::LogNormal { median_ms: l.median_ms, p90_ms: l.p90_ms },
        Kind::ExponentialMeanMs(mean_ms) => Distribution::Exponential { mean_ms },
        Kind::Uniform(u) => Distribution::Uniform { min_ms: u.min_ms, max_ms: u.max_ms },
    };
    law.validate().map_err(|problem| FieldError::new(field, problem))?;
    Ok(law)
}

fn staffing(value: Option<pb::Staffing>) -> Result<Staffing, FieldError> {
    use pb::staffing::Kind;
    match value.and_then(|s| s.kind).ok_or_else(|| FieldError::missing("staffing"))? {
        Kind::AroundTheClock(_) => Ok(Staffing::AroundTheClock),
        Kind::OfficeHours(hours) => {
            let mut shifts: Vec<Shift> = hours
                .shifts
                .iter()
                .map(|s| Shift { opens_minute: s.opens_minute, closes_minute: s.closes_minute })
                .collect();
            shifts.sort();
            if shifts.is_empty()
                || shifts.iter().any(|s| s.opens_minute >= s.closes_minute || s.closes_minute > 24 * 60)
            {
                return Err(FieldError::new(
                    "staffing.office_hours.shifts",
                    "needs at least one shift with opens_minute < closes_minute <= 1440",
                ));
            }
            if hours.weekdays.is_empty() || hours.weekdays.iter().any(|d| !(1..=7).contains(d)) {
                return Err(FieldError::new(
                    "staffing.office_hours.weekdays",
                    "needs ISO weekdays 1..=7, at least one",
                ));
            }
            let on_call = match hours.on_call {
                Some(d) => Some(distribution(Some(d), "staffing.office_hours.on_call")?),
                None => None,
            };
            let holidays = hours
                .holidays
                .iter()
                .enumerate()
                .map(|(i, date)| {
                    date.parse::<jiff::civil::Date>().map_err(|_| {
                        FieldError::new(
                            format!("staffing.office_hours.holidays[{i}]"),
                            format!("`{date}` is not a YYYY-MM-DD date"),
                        )
                    })
                })
                .collect::<Result<_, _>>()?;
            Ok(Staffing::OfficeHours(OfficeHours {
                shifts,
                weekdays: hours.weekdays.iter().map(|&d| d as u8).collect(),
                on_call,
                holidays,
            }))
        }
    }
}

fn country(value: pb::Country) -> Result<Country, FieldError> {
    let time_zone_name = required(&value.time_zone, "time_zone")?.to_owned();
    let time_zone = jiff::tz::TimeZone::get(&time_zone_name)
        .map_err(|_| FieldError::new("time_zone", format!("`{time_zone_name}` is not an IANA time zone")))?;
    Ok(Country {
        code: country_code(&value.code, "code")?,
        name: value.name,
        time_zone,
        time_zone_name,
        staffing: staffing(value.staffing)?,
        handling: distribution(value.handling, "handling")?,
        written_confirmation: distribution(value.written_confirmation, "written_confirmation")?,
        mla_preparation: distribution(value.mla_preparation, "mla_preparation")?,
        mla_execution: distribution(value.mla_execution, "mla_execution")?,
        hold_ms: non_negative(value.hold_ms, "hold_ms")?,
        hold_renewal_ms: (non_negative(value.hold_renewal_ms, "hold_renewal_ms")? > 0).then_some(value.hold_renewal_ms),
        member: value.member,
        languages: value.languages,
        translation: distribution(value.translation, "translation")?,
        court_order: value.court_order.map(|d| distribution(Some(d), "court_order")).transpose()?,
        officers: (value.officers > 0).then_some(value.officers),
        dual_criminality: value.dual_criminality,
    })
}

fn next_hop(value: Option<pb::NextHop>, field: &str) -> Result<NextHop, FieldError> {
    let hop = value.ok_or_else(|| FieldError::missing(field))?;
    Ok(NextHop {
        carrier: CarrierId(required(&hop.carrier, &format!("{field}.carrier"))?.to_owned()),
        country: country_code(&hop.country, &format!("{field}.country"))?,
    })
}

fn carrier(value: pb::Carrier) -> Result<Carrier, FieldError> {
    Ok(Carrier {
        id: CarrierId(required(&value.id, "id")?.to_owned()),
        country: country_code(&value.country, "country")?,
        kind: value.kind,
        retention_ms: non_negative(value.retention_ms, "retention_ms")?,
        no_logs: value.no_logs,
        preservation: distribution(value.preservation, "preservation")?,
        disclosure: distribution(value.disclosure, "disclosure")?,
        emergency_response: distribution(value.emergency_response, "emergency_response")?,
        subscriber_retention_ms: (non_negative(value.subscriber_retention_ms, "subscriber_retention_ms")? > 0)
            .then_some(value.subscriber_retention_ms),
        direct_response: distribution(value.direct_response, "direct_response")?,
        hours: match value.hours {
            Some(hours) => staffing(Some(hours)).map_err(|e| e.within("hours"))?,
            None => Staffing::AroundTheClock,
        },
    })
}

fn log_record(value: pb::LogRecord) -> Result<LogRecord, FieldError> {
    Ok(LogRecord {
        incident: required(&value.incident, "incident")?.to_owned(),
        hop: value.hop,
        carrier: CarrierId(required(&value.carrier, "carrier")?.to_owned()),
        communication_at: SimTime(value.communication_at_ms),
        previous: value.previous.map(|p| next_hop(Some(p), "previous")).transpose()?,
        identifiable: value.identifiable,
    })
}

fn incident_report(value: pb::IncidentReport) -> Result<IncidentReport, FieldError> {
    Ok(IncidentReport {
        incident: required(&value.incident, "incident")?.to_owned(),
        communication_at: SimTime(value.communication_at_ms),
        detection: distribution(value.detection, "detection")?,
        known_chain: {
            if value.known_chain.is_empty() {
                return Err(FieldError::new("known_chain", "must name at least the first hop"));
            }
            value
                .known_chain
                .into_iter()
                .enumerate()
                .map(|(i, hop)| next_hop(Some(hop), &format!("known_chain[{i}]")))
                .collect::<Result<_, _>>()?
        },
        offence: value.offence,
        emergency: value.emergency,
    })
}

fn window(value: pb::Window) -> Result<Window, FieldError> {
    if value.until_ms < value.from_ms {
        return Err(FieldError::new("until_ms", "must not be before from_ms"));
    }
    Ok(Window { from: SimTime(value.from_ms), until: SimTime(value.until_ms) })
}

fn window_to_proto(window: &Window) -> pb::Window {
    pb::Window { from_ms: window.from.ms(), until_ms: window.until.ms() }
}

fn directory_entry(value: pb::DirectoryEntry) -> Result<(CountryCode, DirectoryEntry), FieldError> {
    if !(0.0..=1.0).contains(&value.stale_probability) {
        return Err(FieldError::new("stale_probability", "must be between 0 and 1"));
    }
    Ok((
        country_code(&value.country, "country")?,
        DirectoryEntry {
            channel: distribution(value.channel, "channel")?,
            stale_probability: value.stale_probability,
            fallback: distribution(value.fallback, "fallback")?,
            stale_windows: indexed(value.stale_windows, "stale_windows", window)?,
        },
    ))
}

fn message_loss(value: pb::MessageLoss) -> Result<MessageLoss, FieldError> {
    Ok(MessageLoss {
        to: country_code(&value.to, "to")?,
        window: window(value.window.ok_or_else(|| FieldError::missing("window"))?).map_err(|e| e.within("window"))?,
        retry_after_ms: non_negative(value.retry_after_ms, "retry_after_ms")?,
    })
}

fn carrier_outage(value: pb::CarrierOutage) -> Result<CarrierOutage, FieldError> {
    Ok(CarrierOutage {
        carrier: CarrierId(required(&value.carrier, "carrier")?.to_owned()),
        window: window(value.window.ok_or_else(|| FieldError::missing("window"))?).map_err(|e| e.within("window"))?,
    })
}

fn indexed<T, U>(items: Vec<T>, field: &str, convert: fn(T) -> Result<U, FieldError>) -> Result<Vec<U>, FieldError> {
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| convert(item).map_err(|e| e.within(&format!("{field}[{i}]"))))
        .collect()
}

/// A configuration received over the wire, validated, with the peers' addresses.
pub fn node_config_from_proto(
    value: pb::NodeConfig,
) -> Result<(NodeConfig, BTreeMap<CountryCode, String>), FieldError> {
    let country =
        country(value.country.ok_or_else(|| FieldError::missing("country"))?).map_err(|e| e.within("country"))?;
    let carriers = indexed(value.carriers, "carriers", carrier)?;
    if let Some((i, c)) = carriers.iter().enumerate().find(|(_, c)| c.country != country.code) {
        return Err(FieldError::new(
            format!("carriers[{i}].country"),
            format!("carrier `{}` is in {}, not {}", c.id, c.country, country.code),
        ));
    }
    let strategy = match pb::Strategy::try_from(value.strategy) {
        Ok(pb::Strategy::Hub) => Strategy::Hub,
        Ok(pb::Strategy::Relay) => Strategy::Relay,
        Ok(pb::Strategy::Parallel) => Strategy::Parallel,
        _ => {
            return Err(FieldError::new("strategy", "must be STRATEGY_HUB, STRATEGY_RELAY or STRATEGY_PARALLEL"));
        }
    };
    let min_message_delay_ms = value.min_message_delay_ms;
    if min_message_delay_ms <= 0 {
        return Err(FieldError::new(
            "min_message_delay_ms",
            "must be greater than zero: it is the lookahead of the time windows",
        ));
    }
    let epoch = jiff::Timestamp::from_millisecond(value.epoch_unix_ms)
        .map_err(|e| FieldError::new("epoch_unix_ms", e.to_string()))?;
    let mut peers = BTreeMap::new();
    for (code, url) in value.peers {
        Endpoint::from_shared(url.clone())
            .map_err(|e| FieldError::new(format!("peers[{code}]"), format!("`{url}` is not a URL: {e}")))?;
        peers.insert(CountryCode(code), url);
    }
    let config = NodeConfig {
        country,
        carriers,
        logs: indexed(value.logs, "logs", log_record)?,
        incidents: indexed(value.incidents, "incidents", incident_report)?,
        strategy,
        message_delay: distribution(value.message_delay, "message_delay")?,
        min_message_delay_ms,
        mla_transit: distribution(value.mla_transit, "mla_transit")?,
        non_members: value
            .non_members
            .iter()
            .enumerate()
            .map(|(i, code)| country_code(code, &format!("non_members[{i}]")))
            .collect::<Result<_, _>>()?,
        directory: value
            .directory
            .into_iter()
            .enumerate()
            .map(|(i, entry)| directory_entry(entry).map_err(|e| e.within(&format!("directory[{i}]"))))
            .collect::<Result<_, _>>()?,
        desk_outages: indexed(value.desk_outages, "desk_outages", window)?,
        message_losses: indexed(value.message_losses, "message_losses", message_loss)?,
        carrier_outages: indexed(value.carrier_outages, "carrier_outages", carrier_outage)?,
        direct_order_countries: value
            .direct_order_countries
            .iter()
            .enumerate()
            .map(|(i, code)| country_code(code, &format!("direct_order_countries[{i}]")))
            .collect::<Result<_, _>>()?,
        epoch,
        seed: value.seed,
        replication: value.replication,
    };
    Ok((config, peers))
}

/// A cross-border message received over the wire.
pub fn envelope_from_proto(value: pb::Envelope) -> Result<Envelope, FieldError> {
    use pb::envelope::Body as B;
    let body = match value.body.ok_or_else(|| FieldError::missing("body"))? {
        B::PreservationRequest(r) => Body::PreservationRequest {
            carrier: CarrierId(required(&r.carrier, "preservation_request.carrier")?.to_owned()),
            reporting_country: country_code(&r.reporting_country, "preservation_request.reporting_country")?,
            languages: r.languages,
            offence: r.offence,
            emergency: r.emergency,
            direct: r.direct,
        },
        B::Acknowledgement(_) => Body::Acknowledgement,
        B::PreservationResult(r) => {
            use pb::preservation_result::Outcome;
            Body::PreservationResult(
                match r.outcome.ok_or_else(|| FieldError::missing("preservation_result.outcome"))? {
                    Outcome::PreservedUntilMs(ms) => PreservationOutcome::Preserved { until: SimTime(ms) },
                    Outcome::ExpiredAtMs(ms) => PreservationOutcome::Expired { expired_at: SimTime(ms) },
                    Outcome::NoLogs(true) => PreservationOutcome::NoLogs,
                    Outcome::RefusedOffence(offence) => PreservationOutcome::Refused { offence },
                    Outcome::NoLogs(false) => {
                        return Err(FieldError::new("preservation_result.no_logs", "must be true when set"));
                    }
                },
            )
        }
        B::Disclosure(d) => {
            use pb::traffic_data_disclosure::Finding;
            let finding = match d.finding.ok_or_else(|| FieldError::missing("disclosure.finding"))? {
                Finding::NextHop(hop) => crate::Finding::PreviousHop(next_hop(Some(hop), "disclosure.next_hop")?),
                Finding::SubscriberIdentified(true) => crate::Finding::Subscriber,
                Finding::NobodyIdentified(true) => crate::Finding::Nobody,
                Finding::SubscriberIdentified(false) | Finding::NobodyIdentified(false) => {
                    return Err(FieldError::new("disclosure.finding", "a flag of the oneof must be true when set"));
                }
            };
            Body::Disclosure { finding, forwarded: d.forwarded }
        }
        B::WrittenConfirmation(c) => Body::WrittenConfirmation { request_sent_at: SimTime(c.request_sent_at_ms) },
        B::MlaRequest(_) => Body::MlaRequest,
        B::Production(_) => Body::Production,
    };
    Ok(Envelope {
        from: country_code(&value.from, "from")?,
        to: country_code(&value.to, "to")?,
        sequence: value.sequence,
        sent_at: SimTime(non_negative(value.sent_at_ms, "sent_at_ms")?),
        deliver_at: SimTime(non_negative(value.deliver_at_ms, "deliver_at_ms")?),
        incident: required(&value.incident, "incident")?.to_owned(),
        hop: value.hop,
        body,
    })
}

/// An event reported by a node, as the coordinator receives it.
pub fn event_from_proto(value: pb::Event) -> Result<Event, FieldError> {
    use pb::EventKind as K;
    let peer = || country_code(&value.peer, "peer");
    let carrier = || Ok::<_, FieldError>(CarrierId(required(&value.carrier, "carrier")?.to_owned()));
    let until = || value.until_ms.map(SimTime).ok_or_else(|| FieldError::missing("until_ms"));
    let kind = match K::try_from(value.kind).unwrap_or(K::Unspecified) {
        K::Unspecified => {
            return Err(FieldError::new("kind", format!("unknown event kind {}", value.kind)));
        }
        K::IncidentReported => EventKind::IncidentReported,
        K::RequestSent => EventKind::RequestSent { to: peer()?, carrier: carrier()? },
        K::RequestReceived => EventKind::RequestReceived { from: peer()?, carrier: carrier()? },
        K::DirectOrderReceived => EventKind::DirectOrderReceived { from: peer()?, carrier: carrier()? },
        K::Acknowledged => EventKind::Acknowledged { requester: peer()? },
        K::PreservationOrdered => EventKind::PreservationOrdered { carrier: carrier()? },
        K::Preserved => EventKind::Preserved { carrier: carrier()?, until: until()? },
        K::LogsExpired => EventKind::LogsExpired { carrier: carrier()?, expired_at: until()? },
        K::NoLogs => EventKind::NoLogs { carrier: carrier()? },
        K::DirectoryStale => EventKind::DirectoryStale { to: peer()? },
        K::MessageLost => EventKind::MessageLost { to: peer()? },
        K::Produced => EventKind::Produced { to: peer()? },
        K::Refused => EventKind::Refused { carrier: carrier()?, offence: value.answer.clone() },
        K::Unidentified => EventKind::Unidentified { carrier: carrier()? },
        K::Disclosed => {
            EventKind::Disclosed { carrier: carrier()?, next_hop: next_hop(value.next_hop.clone(), "next_hop")? }
        }
        K::OriginIdentified => EventKind::OriginIdentified { carrier: carrier()? },
        K::AnswerReceived => EventKind::AnswerReceived { from: peer()?, answer: value.answer.clone() },
        K::ConfirmationSent => EventKind::ConfirmationSent { to: peer()? },
        K::ConfirmationReceived => EventKind::ConfirmationReceived { from: peer()?, request_sent_at: until()? },
        K::MlaSent => EventKind::MlaSent { to: peer()? },
        K::MlaReceived => EventKind::MlaReceived { from: peer()?, hold_until: until()? },
    };
    Ok(Event {
        at: SimTime(value.at_ms),
        country: country_code(&value.country, "country")?,
        sequence: value.sequence,
        incident: value.incident,
        hop: value.hop,
        kind,
    })
}

// ---------------------------------------------------------------------------
// Domain to protobuf.

fn distribution_to_proto(law: &Distribution) -> pb::Distribution {
    use pb::distribution::Kind;
    let kind = match *law {
        Distribution::Fixed { ms } => Kind::FixedMs(ms),
        Distribution::LogNormal { median_ms, p90_ms } => Kind::LogNormal(pb::LogNormal { median_ms, p90_ms }),
        Distribution::Exponential { mean_ms } => Kind::ExponentialMeanMs(mean_ms),
        Distribution::Uniform { min_ms, max_ms } => Kind::Uniform(pb::Uniform { min_ms, max_ms }),
    };
    pb::Distribution { kind: Some(kind) }
}

fn next_hop_to_proto(hop: &NextHop) -> pb::NextHop {
    pb::NextHop { carrier: hop.carrier.0.clone(), country: hop.country.0.clone() }
}

fn staffing_to_proto(staffing: &Staffing) -> pb::Staffing {
    let kind = match staffing {
        Staffing::AroundTheClock => pb::staffing::Kind::AroundTheClock(true),
        Staffing::OfficeHours(h) => pb::staffing::Kind::OfficeHours(pb::OfficeHours {
            shifts: h
                .shifts
                .iter()
                .map(|s| pb::Shift { opens_minute: s.opens_minute, closes_minute: s.closes_minute })
                .collect(),
            weekdays: h.weekdays.iter().map(|&d| u32::from(d)).collect(),
            on_call: h.on_call.as_ref().map(distribution_to_proto),
            holidays: h.holidays.iter().map(ToString::to_string).collect(),
        }),
    };
    pb::Staffing { kind: Some(kind) }
}

pub fn node_config_to_proto(config: &NodeConfig, peers: &BTreeMap<CountryCode, String>) -> pb::NodeConfig {
    let c = &config.country;
    let staffing = staffing_to_proto(&c.staffing);
    pb::NodeConfig {
        country: Some(pb::Country {
            code: c.code.0.clone(),
            name: c.name.clone(),
            time_zone: c.time_zone_name.clone(),
            staffing: Some(staffing),
            handling: Some(distribution_to_proto(&c.handling)),
            written_confirmation: Some(distribution_to_proto(&c.written_confirmation)),
            mla_preparation: Some(distribution_to_proto(&c.mla_preparation)),
            mla_execution: Some(distribution_to_proto(&c.mla_execution)),
            hold_ms: c.hold_ms,
            hold_renewal_ms: c.hold_renewal_ms.unwrap_or(0),
            member: c.member,
            languages: c.languages.clone(),
            translation: Some(distribution_to_proto(&c.translation)),
            court_order: c.court_order.as_ref().map(distribution_to_proto),
            officers: c.officers.unwrap_or(0),
            dual_criminality: c.dual_criminality.clone(),
        }),
        carriers: config
            .carriers
            .iter()
            .map(|k| pb::Carrier {
                id: k.id.0.clone(),
                country: k.country.0.clone(),
                kind: k.kind.clone(),
                retention_ms: k.retention_ms,
                no_logs: k.no_logs,
                preservation: Some(distribution_to_proto(&k.preservation)),
                disclosure: Some(distribution_to_proto(&k.disclosure)),
                emergency_response: Some(distribution_to_proto(&k.emergency_response)),
                hours: Some(staffing_to_proto(&k.hours)),
                subscriber_retention_ms: k.subscriber_retention_ms.unwrap_or(0),
                direct_response: Some(distribution_to_proto(&k.direct_response)),
            })
            .collect(),
        logs: config
            .logs
            .iter()
            .map(|l| pb::LogRecord {
                incident: l.incident.clone(),
                hop: l.hop,
                carrier: l.carrier.0.clone(),
                communication_at_ms: l.communication_at.ms(),
                previous: l.previous.as_ref().map(next_hop_to_proto),
                identifiable: l.identifiable,
            })
            .collect(),
        incidents: config
            .incidents
            .iter()
            .map(|i| pb::IncidentReport {
                incident: i.incident.clone(),
                communication_at_ms: i.communication_at.ms(),
                detection: Some(distribution_to_proto(&i.detection)),
                known_chain: i.known_chain.iter().map(next_hop_to_proto).collect(),
                offence: i.offence.clone(),
                emergency: i.emergency,
            })
            .collect(),
        strategy: match config.strategy {
            Strategy::Hub => pb::Strategy::Hub,
            Strategy::Relay => pb::Strategy::Relay,
            Strategy::Parallel => pb::Strategy::Parallel,
        } as i32,
        message_delay: Some(distribution_to_proto(&config.message_delay)),
        min_message_delay_ms: config.min_message_delay_ms,
        mla_transit: Some(distribution_to_proto(&config.mla_transit)),
        non_members: config.non_members.iter().map(|c| c.0.clone()).collect(),
        directory: config
            .directory
            .iter()
            .map(|(country, e)| pb::DirectoryEntry {
                country: country.0.clone(),
                channel: Some(distribution_to_proto(&e.channel)),
                stale_probability: e.stale_probability,
                fallback: Some(distribution_to_proto(&e.fallback)),
                stale_windows: e.stale_windows.iter().map(window_to_proto).collect(),
            })
            .collect(),
        desk_outages: config.desk_outages.iter().map(window_to_proto).collect(),
        message_losses: config
            .message_losses
            .iter()
            .map(|l| pb::MessageLoss {
                to: l.to.0.clone(),
                window: Some(window_to_proto(&l.window)),
                retry_after_ms: l.retry_after_ms,
            })
            .collect(),
        carrier_outages: config
            .carrier_outages
            .iter()
            .map(|o| pb::CarrierOutage { carrier: o.carrier.0.clone(), window: Some(window_to_proto(&o.window)) })
            .collect(),
        direct_order_countries: config.direct_order_countries.iter().map(|c| c.0.clone()).collect(),
        epoch_unix_ms: config.epoch.as_millisecond(),
        seed: config.seed,
        replication: config.replication,
        peers: peers.iter().map(|(code, url)| (code.0.clone(), url.clone())).collect(),
    }
}

pub fn envelope_to_proto(envelope: &Envelope) -> pb::Envelope {
    use pb::envelope::Body as B;
    let body = match &envelope.body {
        Body::PreservationRequest { carrier, reporting_country, languages, offence, emergency, direct } => {
            B::PreservationRequest(pb::PreservationRequest {
                carrier: carrier.0.clone(),
                reporting_country: reporting_country.0.clone(),
                languages: languages.clone(),
                offence: offence.clone(),
                emergency: *emergency,
                direct: *direct,
            })
        }
        Body::Acknowledgement => B::Acknowledgement(pb::Acknowledgement {}),
        Body::PreservationResult(outcome) => {
            use pb::preservation_result::Outcome;
            B::PreservationResult(pb::PreservationResult {
                outcome: Some(match outcome {
                    PreservationOutcome::Preserved { until } => Outcome::PreservedUntilMs(until.ms()),
                    PreservationOutcome::Expired { expired_at } => Outcome::ExpiredAtMs(expired_at.ms()),
                    PreservationOutcome::NoLogs => Outcome::NoLogs(true),
                    PreservationOutcome::Refused { offence } => Outcome::RefusedOffence(offence.clone()),
                }),
            })
        }
        Body::Disclosure { finding, forwarded } => {
            use pb::traffic_data_disclosure::Finding;
            B::Disclosure(pb::TrafficDataDisclosure {
                finding: Some(match finding {
                    crate::Finding::PreviousHop(hop) => Finding::NextHop(next_hop_to_proto(hop)),
                    crate::Finding::Subscriber => Finding::SubscriberIdentified(true),
                    crate::Finding::Nobody => Finding::NobodyIdentified(true),
                }),
                forwarded: *forwarded,
            })
        }
        Body::WrittenConfirmation { request_sent_at } => {
            B::WrittenConfirmation(pb::WrittenConfirmation { request_sent_at_ms: request_sent_at.ms() })
        }
        Body::MlaRequest => B::MlaRequest(pb::MlaRequest {}),
        Body::Production => B::Production(pb::Production {}),
    };
    pb::Envelope {
        from: envelope.from.0.clone(),
        to: envelope.to.0.clone(),
        sequence: envelope.sequence,
        sent_at_ms: envelope.sent_at.ms(),
        deliver_at_ms: envelope.deliver_at.ms(),
        incident: envelope.incident.clone(),
        hop: envelope.hop,
        body: Some(body),
    }
}

pub fn event_to_proto(event: &Event) -> pb::Event {
    use pb::EventKind as K;
    let mut out = pb::Event {
        at_ms: event.at.ms(),
        country: event.country.0.clone(),
        sequence: event.sequence,
        incident: event.incident.clone(),
        hop: event.hop,
        ..Default::default()
    };
    let (kind, peer, carrier, until) = match &event.kind {
        EventKind::IncidentReported => (K::IncidentReported, None, None, None),
        EventKind::RequestSent { to, carrier } => (K::RequestSent, Some(to), Some(carrier), None),
        EventKind::RequestReceived { from, carrier } => (K::RequestReceived, Some(from), Some(carrier), None),
        EventKind::DirectOrderReceived { from, carrier } => (K::DirectOrderReceived, Some(from), Some(carrier), None),
        EventKind::Acknowledged { requester } => (K::Acknowledged, Some(requester), None, None),
        EventKind::PreservationOrdered { carrier } => (K::PreservationOrdered, None, Some(carrier), None),
        EventKind::Preserved { carrier, until } => (K::Preserved, None, Some(carrier), Some(*until)),
        EventKind::LogsExpired { carrier, expired_at } => (K::LogsExpired, None, Some(carrier), Some(*expired_at)),
        EventKind::NoLogs { carrier } => (K::NoLogs, None, Some(carrier), None),
        EventKind::DirectoryStale { to } => (K::DirectoryStale, Some(to), None, None),
        EventKind::MessageLost { to } => (K::MessageLost, Some(to), None, None),
        EventKind::Produced { to } => (K::Produced, Some(to), None, None),
        EventKind::Refused { carrier, offence } => {
            out.answer = offence.clone();
            (K::Refused, None, Some(carrier), None)
        }
        EventKind::Unidentified { carrier } => (K::Unidentified, None, Some(carrier), None),
        EventKind::Disclosed { carrier, next_hop } => {
            out.next_hop = Some(next_hop_to_proto(next_hop));
            (K::Disclosed, None, Some(carrier), None)
        }
        EventKind::OriginIdentified { carrier } => (K::OriginIdentified, None, Some(carrier), None),
        EventKind::AnswerReceived { from, answer } => {
            out.answer = answer.clone();
            (K::AnswerReceived, Some(from), None, None)
        }
        EventKind::ConfirmationSent { to } => (K::ConfirmationSent, Some(to), None, None),
        EventKind::ConfirmationReceived { from, request_sent_at } => {
            (K::ConfirmationReceived, Some(from), None, Some(*request_sent_at))
        }
        EventKind::MlaSent { to } => (K::MlaSent, Some(to), None, None),
        EventKind::MlaReceived { from, hold_until } => (K::MlaReceived, Some(from), None, Some(*hold_until)),
    };
    out.kind = kind as i32;
    out.peer = peer.map(|p| p.0.clone()).unwrap_or_default();
    out.carrier = carrier.map(|c| c.0.clone()).unwrap_or_default();
    out.until_ms = until.map(SimTime::ms);
    out
}

// ---------------------------------------------------------------------------
// The service.

struct Session {
    runtime: NodeRuntime,
    peers: BTreeMap<CountryCode, ContactPointClient<Channel>>,
}

/// A node: empty until the coordinator configures it as some country's point of contact.
#[derive(Clone, Default)]
pub struct Node {
    // A std mutex: it is never held across an await, so the delivery of a
    // message from a peer cannot deadlock with this node's own sends.
    session: Arc<Mutex<Option<Session>>>,
}

impl Node {
    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Session>> {
        // A panic while holding the lock is a bug already reported; the state
        // is still the last consistent one, so keep serving.
        self.session.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[tonic::async_trait]
impl pb::contact_point_server::ContactPoint for Node {
    async fn deliver(&self, request: Request<pb::Envelope>) -> Result<Response<pb::Delivered>, Status> {
        let envelope = envelope_from_proto(request.into_inner())?;
        let mut guard = self.lock();
        let session = guard.as_mut().ok_or_else(not_configured)?;
        session.runtime.deliver(envelope)?;
        Ok(Response::new(pb::Delivered {}))
    }
}

#[tonic::async_trait]
impl pb::simulation_server::Simulation for Node {
    async fn configure(&self, request: Request<pb::NodeConfig>) -> Result<Response<pb::Configured>, Status> {
        let (config, peer_urls) = node_config_from_proto(request.into_inner())?;
        let mut peers = BTreeMap::new();
        for (code, url) in peer_urls {
            let endpoint =
                Endpoint::from_shared(url).map_err(|e| Status::invalid_argument(format!("peers[{code}]: {e}")))?;
            peers.insert(code, ContactPointClient::new(endpoint.connect_lazy()));
        }
        tracing::info!(country = %config.country.code, incidents = config.incidents.len(), "configured");
        *self.lock() = Some(Session { runtime: NodeRuntime::new(config), peers });
        Ok(Response::new(pb::Configured {}))
    }

    async fn advance(&self, request: Request<pb::AdvanceRequest>) -> Result<Response<pb::AdvanceReply>, Status> {
        let until = SimTime(request.into_inner().until_ms);
        let (outcome, next_event, deliveries) = {
            let mut guard = self.lock();
            let session = guard.as_mut().ok_or_else(not_configured)?;
            let outcome = session.runtime.advance(until);
            let mut deliveries = Vec::with_capacity(outcome.sent.len());
            for envelope in &outcome.sent {
                let client = session.peers.get(&envelope.to).cloned().ok_or_else(|| {
                    Status::failed_precondition(format!("no address configured for peer {}", envelope.to))
                })?;
                deliveries.push((envelope.to.clone(), client, envelope_to_proto(envelope)));
            }
            (outcome, session.runtime.next_event_time(), deliveries)
        };
        // The lock is released: peers delivering to us meanwhile just queue.
        let mut calls = tokio::task::JoinSet::new();
        for (to, mut client, envelope) in deliveries {
            calls.spawn(async move { client.deliver(envelope).await.map_err(|status| (to, status)) });
        }
        while let Some(done) = calls.join_next().await {
            match done {
                Ok(Ok(_)) => {}
                Ok(Err((to, status))) => {
                    return Err(Status::unavailable(format!("delivering to {to} failed: {}", status.message())));
                }
                Err(join) => return Err(Status::internal(format!("delivery task failed: {join}"))),
            }
        }
        Ok(Response::new(pb::AdvanceReply {
            events: outcome.events.iter().map(event_to_proto).collect(),
            next_event_ms: next_event.map(SimTime::ms),
            earliest_sent_ms: outcome.sent.iter().map(|e| e.deliver_at.ms()).min(),
            earliest_arrival_ms: outcome.sent.iter().fold(std::collections::HashMap::new(), |mut arrivals, e| {
                let at = arrivals.entry(e.to.0.clone()).or_insert(e.deliver_at.ms());
                *at = (*at).min(e.deliver_at.ms());
                arrivals
            }),
        }))
    }
}

fn not_configured() -> Status {
    Status::failed_precondition("this node has not been configured: call Simulation/Configure first")
}

/// Serves a fresh node on `listener` until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), tonic::transport::Error> {
    let node = Node::default();
    let (health, health_service) = tonic_health::server::health_reporter();
    health.set_serving::<SimulationServer<Node>>().await;
    health.set_serving::<ContactPointServer<Node>>().await;
    let reflection = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(pb::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1()
        .expect("the embedded descriptor sets are valid");
    // Nagle's algorithm with delayed ACKs would add ~40 ms to every small
    // unary call, and a run makes one round of calls per time window.
    let incoming = tonic::transport::server::TcpIncoming::from(listener).with_nodelay(Some(true));
    tonic::transport::Server::builder()
        .add_service(health_service)
        .add_service(reflection)
        .add_service(SimulationServer::new(node.clone()))
        .add_service(ContactPointServer::new(node))
        .serve_with_incoming_shutdown(incoming, shutdown)
        .await
}
