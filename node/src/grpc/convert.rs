//! Protobuf ↔ domain conversions.
//!
//! Inbound, a protobuf message becomes a validated domain type once, through
//! the same constructors the scenario reader uses ([`crate::constraint`],
//! [`Shift::new`], [`OfficeHours::new`], [`Distribution::validate`]), so the
//! two edges cannot disagree; an error names the field at fault. Outbound is
//! lossless: every `Option` of a domain type travels as a proto3 `optional`
//! or a message field, so `from_proto(to_proto(x)) == x` for every valid `x`
//! (tested below over generated values).

use crate::constraint::{self, Invalid};
use crate::contact_point::{Coordination, IncidentReport, NodeConfig, Strategy};
use crate::country::{Art30, EmergencyDisclosure, FollowUp};
use crate::{
    Answer, Body, Carrier, CarrierId, CarrierOutage, Country, CountryCode, DirectoryEntry, Distribution, Envelope,
    Epoc, Event, EventKind, Finding, IncidentId, LogRecord, MessageLoss, NextHop, Offence, OfficeHours,
    PreservationOutcome, ProductionChannel, SecondProtocol, Shift, SimTime, Staffing, TooManyNames, Window,
};
use pocnet_proto as pb;
use std::collections::{BTreeMap, BTreeSet};
use tonic::Status;

/// A field of a request that is missing or invalid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {problem}")]
pub struct FieldError {
    pub field: String,
    pub problem: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, problem: impl Into<String>) -> Self {
        FieldError { field: field.into(), problem: problem.into() }
    }

    fn missing(field: impl Into<String>) -> Self {
        FieldError::new(field, "is required")
    }

    pub fn within(self, parent: &str) -> Self {
        FieldError { field: format!("{parent}.{}", self.field), problem: self.problem }
    }

    fn at(field: &str) -> impl FnOnce(Invalid) -> FieldError + '_ {
        move |invalid| FieldError::new(field, invalid.0)
    }
}

impl From<FieldError> for Status {
    fn from(error: FieldError) -> Status {
        Status::invalid_argument(error.to_string())
    }
}

// ---------------------------------------------------------------------------
// Protobuf to domain.

fn identifier(value: String, what: &str, field: &str) -> Result<String, FieldError> {
    constraint::identifier(what, &value).map_err(FieldError::at(field))?;
    Ok(value)
}

/// Every identifier from the wire is interned through here: bounded, so a
/// peer naming something new in every call cannot grow the table forever.
fn interned<T>(bounded: fn(&str) -> Result<T, TooManyNames>, value: &str, field: &str) -> Result<T, FieldError> {
    bounded(value).map_err(|full| FieldError::new(field, full.to_string()))
}

fn country_code(value: String, field: &str) -> Result<CountryCode, FieldError> {
    constraint::country_code(&value).map_err(FieldError::at(field))?;
    interned(CountryCode::bounded, &value, field)
}

fn carrier_id(value: String, field: &str) -> Result<CarrierId, FieldError> {
    interned(CarrierId::bounded, &identifier(value, "carrier id", field)?, field)
}

fn duration(value: i64, field: &str) -> Result<i64, FieldError> {
    constraint::duration_ms(field, value).map_err(FieldError::at(field))
}

fn instant(value: i64, field: &str) -> Result<SimTime, FieldError> {
    constraint::instant_ms(field, value).map(SimTime).map_err(FieldError::at(field))
}

fn distribution(value: Option<pb::Distribution>, field: &str) -> Result<Distribution, FieldError> {
    use pb::distribution::Kind;
    let kind = value.and_then(|d| d.kind).ok_or_else(|| FieldError::missing(field))?;
    let law = match kind {
        Kind::FixedMs(ms) => Distribution::Fixed { ms },
        Kind::LogNormal(l) => Distribution::log_normal(l.median_ms, l.p90_ms),
        Kind::ExponentialMeanMs(mean_ms) => Distribution::Exponential { mean_ms },
        Kind::Uniform(u) => Distribution::Uniform { min_ms: u.min_ms, max_ms: u.max_ms },
    };
    law.validate().map_err(|problem| FieldError::new(field, problem))?;
    Ok(law)
}

fn optional_distribution(value: Option<pb::Distribution>, field: &str) -> Result<Option<Distribution>, FieldError> {
    value.map(|d| distribution(Some(d), field)).transpose()
}

fn offence(value: &str, field: &str) -> Result<Offence, FieldError> {
    Offence::from_name(value).ok_or_else(|| {
        let known: Vec<&str> = Offence::ALL.iter().map(|o| o.name()).collect();
        FieldError::new(field, format!("`{}` is not an offence; expected one of {}", excerpt(value), known.join(", ")))
    })
}

/// At most 64 characters of a value quoted back in an error, so that a huge
/// field cannot make the error larger than the client can receive.
fn excerpt(value: &str) -> String {
    match value.char_indices().nth(64) {
        Some((end, _)) => format!("{}…", &value[..end]),
        None => value.to_owned(),
    }
}

fn staffing(value: Option<pb::Staffing>, field: &str) -> Result<Staffing, FieldError> {
    use pb::staffing::Kind;
    match value.and_then(|s| s.kind).ok_or_else(|| FieldError::missing(field))? {
        Kind::AroundTheClock(true) => Ok(Staffing::AroundTheClock),
        Kind::AroundTheClock(false) => {
            Err(FieldError::new(format!("{field}.around_the_clock"), "must be true when set"))
        }
        Kind::OfficeHours(hours) => {
            let shifts = hours
                .shifts
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    Shift::new(s.opens_minute, s.closes_minute)
                        .map_err(|e| FieldError::new(format!("{field}.office_hours.shifts[{i}]"), e.0))
                })
                .collect::<Result<Vec<_>, _>>()?;
            let weekdays = hours.weekdays.iter().map(|&d| u8::try_from(d).unwrap_or(u8::MAX)).collect::<Vec<u8>>();
            let on_call = optional_distribution(hours.on_call, &format!("{field}.office_hours.on_call"))?;
            if hours.holidays.len() > constraint::MAX_HOLIDAYS {
                return Err(FieldError::new(
                    format!("{field}.office_hours.holidays"),
                    format!("at most {} holidays", constraint::MAX_HOLIDAYS),
                ));
            }
            let holidays = hours
                .holidays
                .iter()
                .enumerate()
                .map(|(i, date)| {
                    date.parse::<jiff::civil::Date>().map_err(|_| {
                        FieldError::new(
                            format!("{field}.office_hours.holidays[{i}]"),
                            format!("`{}` is not a YYYY-MM-DD date", excerpt(date)),
                        )
                    })
                })
                .collect::<Result<_, _>>()?;
            OfficeHours::new(shifts, weekdays, on_call, holidays)
                .map(Staffing::OfficeHours)
                .map_err(|e| FieldError::new(format!("{field}.office_hours"), e.0))
        }
    }
}

fn languages(values: Vec<String>, field: &str) -> Result<Vec<String>, FieldError> {
    values.into_iter().enumerate().map(|(i, l)| identifier(l, "language", &format!("{field}[{i}]"))).collect()
}

fn country(value: pb::Country) -> Result<Country, FieldError> {
    let time_zone_name = identifier(value.time_zone, "time zone", "time_zone")?;
    let time_zone = jiff::tz::TimeZone::get(&time_zone_name)
        .map_err(|_| FieldError::new("time_zone", format!("`{time_zone_name}` is not an IANA time zone")))?;
    constraint::label("name", &value.name).map_err(FieldError::at("name"))?;
    Ok(Country {
        code: country_code(value.code, "code")?,
        name: value.name,
        time_zone,
        time_zone_name,
        staffing: staffing(value.staffing, "staffing")?,
        handling: distribution(value.handling, "handling")?,
        written_confirmation: distribution(value.written_confirmation, "written_confirmation")?,
        mla_preparation: distribution(value.mla_preparation, "mla_preparation")?,
        mla_execution: distribution(value.mla_execution, "mla_execution")?,
        hold_ms: duration(value.hold_ms, "hold_ms")?,
        hold_renewal_ms: value.hold_renewal_ms.map(|ms| duration(ms, "hold_renewal_ms")).transpose()?,
        member: value.member,
        languages: languages(value.languages, "languages")?,
        translation: distribution(value.translation, "translation")?,
        court_order: optional_distribution(value.court_order, "court_order")?,
        officers: value.officers.map(|n| constraint::officers(n).map_err(FieldError::at("officers"))).transpose()?,
        dual_criminality: reservation(&value.dual_criminality)?,
        timestamp_errors: constraint::probability(value.timestamp_errors)
            .map_err(FieldError::at("timestamp_errors"))?,
        request_defects: constraint::probability(value.request_defects).map_err(FieldError::at("request_defects"))?,
        refusal_grounds: constraint::probability(value.refusal_grounds).map_err(FieldError::at("refusal_grounds"))?,
        police_channel: value.police_channel,
        police_response: distribution(value.police_response, "police_response")?,
        preservation_order: distribution(value.preservation_order, "preservation_order")?,
        mla_translation: distribution(value.mla_translation, "mla_translation")?,
        request_preparation: optional_distribution(value.request_preparation, "request_preparation")?,
        prosecutor_sign_off: optional_distribution(value.prosecutor_sign_off, "prosecutor_sign_off")?,
        follow_up: FollowUp {
            intermediate: constraint::probability(value.follow_up_intermediate.unwrap_or(1.0))
                .map_err(FieldError::at("follow_up_intermediate"))?,
            origin: constraint::probability(value.follow_up_origin.unwrap_or(1.0))
                .map_err(FieldError::at("follow_up_origin"))?,
        },
        renewal_forgotten: constraint::probability(value.renewal_forgotten)
            .map_err(FieldError::at("renewal_forgotten"))?,
        mla_abandoned_after_ms: value
            .mla_abandoned_after_ms
            .map(|ms| duration(ms, "mla_abandoned_after_ms"))
            .transpose()?,
        emergency_disclosure: match value.urgent_mla {
            None => EmergencyDisclosure::Direct,
            Some(law) => EmergencyDisclosure::UrgentMla(distribution(Some(law), "urgent_mla")?),
        },
        disclosure: match value.art30.as_str() {
            "" | "direct" => Art30::Direct,
            "order" => Art30::Order(distribution(value.disclosure_order, "disclosure_order")?),
            "mla_only" => Art30::MlaOnly,
            other => {
                return Err(FieldError::new(
                    "art30",
                    format!("`{}` is not an Art. 30 regime; expected direct, order or mla_only", excerpt(other)),
                ));
            }
        },
    })
}

fn production_channel(value: i32, field: &str) -> Result<ProductionChannel, FieldError> {
    use pb::ProductionChannel as P;
    Ok(match P::try_from(value) {
        Ok(P::Mla) => ProductionChannel::Mla,
        Ok(P::Epoc) => ProductionChannel::Epoc,
        Ok(P::Emergency) => ProductionChannel::Emergency,
        Ok(P::Domestic) => ProductionChannel::Domestic,
        Ok(P::Art7) => ProductionChannel::Art7,
        Ok(P::Art8) => ProductionChannel::Art8,
        Ok(P::Voluntary) => ProductionChannel::Voluntary,
        Ok(P::Police) => ProductionChannel::Police,
        Ok(P::UrgentMla) => ProductionChannel::UrgentMla,
        Ok(P::Unspecified) | Err(_) => {
            let known: Vec<&str> = ProductionChannel::ALL.iter().map(|c| c.name()).collect();
            return Err(FieldError::new(
                field,
                format!("{value} is not a production channel; expected one of {}", known.join(", ")),
            ));
        }
    })
}

fn production_channel_to_proto(channel: ProductionChannel) -> i32 {
    use pb::ProductionChannel as P;
    let value = match channel {
        ProductionChannel::Mla => P::Mla,
        ProductionChannel::Epoc => P::Epoc,
        ProductionChannel::Emergency => P::Emergency,
        ProductionChannel::Domestic => P::Domestic,
        ProductionChannel::Art7 => P::Art7,
        ProductionChannel::Art8 => P::Art8,
        ProductionChannel::Voluntary => P::Voluntary,
        ProductionChannel::Police => P::Police,
        ProductionChannel::UrgentMla => P::UrgentMla,
    };
    value as i32
}

fn epoc(value: Option<pb::Epoc>) -> Result<Option<Epoc>, FieldError> {
    let Some(value) = value else { return Ok(None) };
    Ok(Some(Epoc {
        bound: country_set(value.bound, "epoc.bound")?,
        in_force_at: instant(value.in_force_ms, "epoc.in_force_ms")?,
        preparation: distribution(value.preparation, "epoc.preparation")?,
        response: distribution(value.response, "epoc.response")?,
        represented: value
            .represented
            .into_iter()
            .map(|(carrier, at)| Ok((carrier_id(carrier, "epoc.represented")?, country_code(at, "epoc.represented")?)))
            .collect::<Result<_, FieldError>>()?,
    }))
}

fn second_protocol(value: Option<pb::SecondProtocol>) -> Result<Option<SecondProtocol>, FieldError> {
    let Some(value) = value else { return Ok(None) };
    Ok(Some(SecondProtocol {
        parties: country_set(value.parties, "second_protocol.parties")?,
        art7_reserved: country_set(value.art7_reserved, "second_protocol.art7_reserved")?,
        in_force_at: value.in_force_ms.map(|ms| instant(ms, "second_protocol.in_force_ms")).transpose()?,
        party_from: value
            .party_from_ms
            .into_iter()
            .map(|(code, ms)| {
                Ok((
                    country_code(code, "second_protocol.party_from_ms")?,
                    instant(ms, "second_protocol.party_from_ms")?,
                ))
            })
            .collect::<Result<_, FieldError>>()?,
        art8_service: distribution(value.art8_service, "second_protocol.art8_service")?,
        art8_return: distribution(value.art8_return, "second_protocol.art8_return")?,
    }))
}

fn reservation(names: &[String]) -> Result<Vec<Offence>, FieldError> {
    let offences = names
        .iter()
        .enumerate()
        .map(|(i, o)| offence(o, &format!("dual_criminality[{i}]")))
        .collect::<Result<Vec<_>, _>>()?;
    crate::offence::reservation(&offences).map_err(FieldError::at("dual_criminality"))?;
    Ok(offences)
}

fn next_hop(value: Option<pb::NextHop>, field: &str) -> Result<NextHop, FieldError> {
    let hop = value.ok_or_else(|| FieldError::missing(field))?;
    Ok(NextHop {
        carrier: carrier_id(hop.carrier, &format!("{field}.carrier"))?,
        country: country_code(hop.country, &format!("{field}.country"))?,
    })
}

fn carrier(value: pb::Carrier) -> Result<Carrier, FieldError> {
    constraint::label("kind", &value.kind).map_err(FieldError::at("kind"))?;
    Ok(Carrier {
        id: carrier_id(value.id, "id")?,
        country: country_code(value.country, "country")?,
        kind: value.kind,
        retention_ms: duration(value.retention_ms, "retention_ms")?,
        no_logs: value.no_logs,
        preservation: distribution(value.preservation, "preservation")?,
        disclosure: distribution(value.disclosure, "disclosure")?,
        emergency_response: distribution(value.emergency_response, "emergency_response")?,
        subscriber_retention_ms: value
            .subscriber_retention_ms
            .map(|ms| duration(ms, "subscriber_retention_ms"))
            .transpose()?,
        direct_response: distribution(value.direct_response, "direct_response")?,
        voluntary_disclosure: constraint::probability(value.voluntary_disclosure)
            .map_err(FieldError::at("voluntary_disclosure"))?,
        hours: match value.hours {
            Some(hours) => staffing(Some(hours), "hours")?,
            None => Staffing::AroundTheClock,
        },
    })
}

fn incident_id(value: String, field: &str) -> Result<IncidentId, FieldError> {
    interned(IncidentId::bounded, &identifier(value, "incident id", field)?, field)
}

fn log_record(value: pb::LogRecord) -> Result<LogRecord, FieldError> {
    Ok(LogRecord {
        incident: incident_id(value.incident, "incident")?,
        hop: value.hop,
        carrier: carrier_id(value.carrier, "carrier")?,
        communication_at: instant(value.communication_at_ms, "communication_at_ms")?,
        previous: value.previous.map(|p| next_hop(Some(p), "previous")).transpose()?,
        identifiable: value.identifiable,
    })
}

fn incident_report(value: pb::IncidentReport) -> Result<IncidentReport, FieldError> {
    if value.known_chain.is_empty() {
        return Err(FieldError::new("known_chain", "must name at least the first hop"));
    }
    Ok(IncidentReport {
        incident: incident_id(value.incident, "incident")?,
        communication_at: instant(value.communication_at_ms, "communication_at_ms")?,
        detection: distribution(value.detection, "detection")?,
        known_chain: value
            .known_chain
            .into_iter()
            .enumerate()
            .map(|(i, hop)| next_hop(Some(hop), &format!("known_chain[{i}]")))
            .collect::<Result<_, _>>()?,
        offence: value.offence.map(|o| offence(&o, "offence")).transpose()?,
        emergency: value.emergency,
    })
}

fn window(value: pb::Window) -> Result<Window, FieldError> {
    let from = instant(value.from_ms, "from_ms")?;
    let until = instant(value.until_ms, "until_ms")?;
    if until < from {
        return Err(FieldError::new("until_ms", "must not be before from_ms"));
    }
    Ok(Window { from, until })
}

fn required_window(value: Option<pb::Window>) -> Result<Window, FieldError> {
    window(value.ok_or_else(|| FieldError::missing("window"))?).map_err(|e| e.within("window"))
}

fn directory_entry(value: pb::DirectoryEntry) -> Result<(CountryCode, DirectoryEntry), FieldError> {
    Ok((
        country_code(value.country, "country")?,
        DirectoryEntry {
            channel: distribution(value.channel, "channel")?,
            stale_probability: constraint::probability(value.stale_probability)
                .map_err(FieldError::at("stale_probability"))?,
            fallback: distribution(value.fallback, "fallback")?,
            stale_windows: indexed(value.stale_windows, "stale_windows", window)?,
        },
    ))
}

fn message_loss(value: pb::MessageLoss) -> Result<MessageLoss, FieldError> {
    Ok(MessageLoss {
        to: country_code(value.to, "to")?,
        window: required_window(value.window)?,
        retry_after_ms: duration(value.retry_after_ms, "retry_after_ms")?,
    })
}

fn carrier_outage(value: pb::CarrierOutage) -> Result<CarrierOutage, FieldError> {
    Ok(CarrierOutage { carrier: carrier_id(value.carrier, "carrier")?, window: required_window(value.window)? })
}

fn indexed<T, U>(
    items: Vec<T>,
    field: &str,
    convert: impl Fn(T) -> Result<U, FieldError>,
) -> Result<Vec<U>, FieldError> {
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| convert(item).map_err(|e| e.within(&format!("{field}[{i}]"))))
        .collect()
}

fn country_set(values: Vec<String>, field: &str) -> Result<BTreeSet<CountryCode>, FieldError> {
    indexed(values, field, |code| country_code(code, "")).map(|codes| codes.into_iter().collect())
}

pub fn strategy_from_proto(value: i32) -> Result<Strategy, FieldError> {
    match pb::Strategy::try_from(value) {
        Ok(pb::Strategy::Hub) => Ok(Strategy::Hub),
        Ok(pb::Strategy::Relay) => Ok(Strategy::Relay),
        Ok(pb::Strategy::Parallel) => Ok(Strategy::Parallel),
        _ => Err(FieldError::new("strategy", "must be STRATEGY_HUB, STRATEGY_RELAY or STRATEGY_PARALLEL")),
    }
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
    let min_message_delay_ms = duration(value.min_message_delay_ms, "min_message_delay_ms")?;
    if min_message_delay_ms == 0 {
        return Err(FieldError::new(
            "min_message_delay_ms",
            "must be greater than zero: it is the lookahead of the time windows",
        ));
    }
    let epoch = jiff::Timestamp::from_millisecond(value.epoch_unix_ms)
        .map_err(|e| FieldError::new("epoch_unix_ms", e.to_string()))?;
    let mut peers = BTreeMap::new();
    for (code, url) in value.peers {
        let code = country_code(code, "peers")?;
        tonic::transport::Endpoint::from_shared(url.clone())
            .map_err(|e| FieldError::new(format!("peers[{code}]"), format!("`{}` is not a URL: {e}", excerpt(&url))))?;
        peers.insert(code, url);
    }
    let config = NodeConfig {
        country,
        carriers,
        logs: indexed(value.logs, "logs", log_record)?,
        incidents: indexed(value.incidents, "incidents", incident_report)?,
        strategy: strategy_from_proto(value.strategy)?,
        message_delay: distribution(value.message_delay, "message_delay")?,
        min_message_delay_ms,
        mla_transit: distribution(value.mla_transit, "mla_transit")?,
        non_members: country_set(value.non_members, "non_members")?,
        directory: indexed(value.directory, "directory", directory_entry)?.into_iter().collect(),
        desk_outages: indexed(value.desk_outages, "desk_outages", window)?,
        message_losses: indexed(value.message_losses, "message_losses", message_loss)?,
        carrier_outages: indexed(value.carrier_outages, "carrier_outages", carrier_outage)?,
        second_protocol: second_protocol(value.second_protocol)?,
        voluntary_carriers: value
            .voluntary_carriers
            .into_iter()
            .enumerate()
            .map(|(i, id)| carrier_id(id, &format!("voluntary_carriers[{i}]")))
            .collect::<Result<_, _>>()?,
        epoc: epoc(value.epoc)?,
        ip_assignment_is_traffic: country_set(value.ip_assignment_is_traffic, "ip_assignment_is_traffic")?,
        coordination: value
            .coordination
            .map(|c| -> Result<Coordination, FieldError> {
                Ok(Coordination {
                    window_ms: duration(c.window_ms, "coordination.window_ms")?,
                    delay: distribution(c.delay, "coordination.delay")?,
                })
            })
            .transpose()?,
        epoch,
        seed: value.seed,
        replication: value.replication,
    };
    config.check_domestic_records().map_err(|(field, problem)| FieldError::new(field, problem))?;
    Ok((config, peers))
}

/// A cross-border message received over the wire.
pub fn envelope_from_proto(value: pb::Envelope) -> Result<Envelope, FieldError> {
    use pb::envelope::Body as B;
    let body = match value.body.ok_or_else(|| FieldError::missing("body"))? {
        B::PreservationRequest(r) => Body::PreservationRequest {
            carrier: carrier_id(r.carrier, "preservation_request.carrier")?,
            reporting_country: country_code(r.reporting_country, "preservation_request.reporting_country")?,
            languages: languages(r.languages, "preservation_request.languages")?,
            offence: r.offence.map(|o| offence(&o, "preservation_request.offence")).transpose()?,
            emergency: r.emergency,
            timestamp_error: r.timestamp_error,
            defect: r.defect,
            batch: r.batch,
            to_provider: r.to_provider,
        },
        B::Acknowledgement(_) => Body::Acknowledgement,
        B::PreservationResult(r) => {
            use pb::preservation_result::Outcome;
            Body::PreservationResult(
                match r.outcome.ok_or_else(|| FieldError::missing("preservation_result.outcome"))? {
                    Outcome::PreservedUntilMs(ms) => {
                        PreservationOutcome::Preserved { until: instant(ms, "preservation_result.preserved_until_ms")? }
                    }
                    Outcome::ExpiredAtMs(ms) => {
                        PreservationOutcome::Expired { expired_at: instant(ms, "preservation_result.expired_at_ms")? }
                    }
                    Outcome::NoLogs(true) => PreservationOutcome::NoLogs,
                    Outcome::RefusedOffence(o) => {
                        PreservationOutcome::Refused { offence: offence(&o, "preservation_result.refused_offence")? }
                    }
                    Outcome::RefusedOnGrounds(true) => PreservationOutcome::RefusedOnGrounds,
                    Outcome::NoLogs(false) => {
                        return Err(FieldError::new("preservation_result.no_logs", "must be true when set"));
                    }
                    Outcome::RefusedOnGrounds(false) => {
                        return Err(FieldError::new("preservation_result.refused_on_grounds", "must be true when set"));
                    }
                },
            )
        }
        B::Disclosure(d) => {
            use pb::traffic_data_disclosure::Finding as F;
            let finding = match d.finding.ok_or_else(|| FieldError::missing("disclosure.finding"))? {
                F::NextHop(hop) => Finding::PreviousHop(next_hop(Some(hop), "disclosure.next_hop")?),
                F::SubscriberIdentified(true) => Finding::Subscriber,
                F::NobodyIdentified(true) => Finding::Nobody,
                F::Misidentified(true) => Finding::Misidentified,
                F::SubscriberIdentified(false) | F::NobodyIdentified(false) | F::Misidentified(false) => {
                    return Err(FieldError::new("disclosure.finding", "a flag of the oneof must be true when set"));
                }
            };
            Body::Disclosure { finding, forwarded: d.forwarded }
        }
        B::WrittenConfirmation(c) => Body::WrittenConfirmation {
            request_sent_at: instant(c.request_sent_at_ms, "written_confirmation.request_sent_at_ms")?,
        },
        B::ProductionRequest(request) => {
            let field = "production_request.channel";
            match production_channel(request.channel, field)? {
                channel @ (ProductionChannel::Emergency
                | ProductionChannel::Domestic
                | ProductionChannel::UrgentMla) => {
                    return Err(FieldError::new(
                        field,
                        format!(
                            "`{channel}` needs no production request: the carrier's answer names the subscriber; \
                             requests go by `mla`, `epoc`, `art7`, `art8`, `voluntary` or `police`"
                        ),
                    ));
                }
                channel @ (ProductionChannel::Mla
                | ProductionChannel::Epoc
                | ProductionChannel::Art7
                | ProductionChannel::Art8
                | ProductionChannel::Voluntary
                | ProductionChannel::Police) => Body::ProductionRequest { channel },
            }
        }
        B::Production(_) => Body::Production,
        B::HoldRenewal(_) => Body::HoldRenewal,
        B::Clarification(_) => Body::Clarification,
        B::Clarified(_) => Body::Clarified,
    };
    Ok(Envelope {
        from: country_code(value.from, "from")?,
        to: country_code(value.to, "to")?,
        sequence: value.sequence,
        sent_at: instant(value.sent_at_ms, "sent_at_ms")?,
        deliver_at: instant(value.deliver_at_ms, "deliver_at_ms")?,
        incident: incident_id(value.incident, "incident")?,
        hop: value.hop,
        body,
    })
}

/// An event reported by a node, as the coordinator receives it.
pub fn event_from_proto(value: pb::Event) -> Result<Event, FieldError> {
    use pb::EventKind as K;
    let peer = || country_code(value.peer.clone(), "peer");
    let carrier = || carrier_id(value.carrier.clone(), "carrier");
    let until = || value.until_ms.ok_or_else(|| FieldError::missing("until_ms")).and_then(|ms| instant(ms, "until_ms"));
    let answer = || {
        Answer::from_name(&value.answer)
            .ok_or_else(|| FieldError::new("answer", format!("`{}` is not an answer", excerpt(&value.answer))))
    };
    let channel = || production_channel(value.channel, "channel");
    let kind = match K::try_from(value.kind).unwrap_or(K::Unspecified) {
        K::Unspecified => {
            return Err(FieldError::new("kind", format!("unknown event kind {}", value.kind)));
        }
        K::IncidentReported => EventKind::IncidentReported,
        K::RequestPrepared => EventKind::RequestPrepared,
        K::RequestSent => EventKind::RequestSent { to: peer()?, carrier: carrier()? },
        K::RequestReceived => EventKind::RequestReceived { from: peer()?, carrier: carrier()? },
        K::Acknowledged => EventKind::Acknowledged { requester: peer()? },
        K::PreservationOrdered => EventKind::PreservationOrdered { carrier: carrier()? },
        K::Preserved => EventKind::Preserved { carrier: carrier()?, until: until()? },
        K::LogsExpired => EventKind::LogsExpired { carrier: carrier()?, expired_at: until()? },
        K::NoLogs => EventKind::NoLogs { carrier: carrier()? },
        K::DirectoryStale => EventKind::DirectoryStale { to: peer()? },
        K::MessageLost => EventKind::MessageLost { to: peer()? },
        K::Produced => EventKind::Produced { to: peer()?, channel: channel()? },
        K::Refused => EventKind::Refused { carrier: carrier()?, offence: offence(&value.answer, "answer")? },
        K::RefusedOnGrounds => EventKind::RefusedOnGrounds { carrier: carrier()? },
        K::Unidentified => EventKind::Unidentified { carrier: carrier()? },
        K::Disclosed => {
            EventKind::Disclosed { carrier: carrier()?, next_hop: next_hop(value.next_hop.clone(), "next_hop")? }
        }
        K::OriginFound => EventKind::OriginFound { carrier: carrier()? },
        K::AnswerReceived => EventKind::AnswerReceived { from: peer()?, answer: answer()? },
        K::ConfirmationSent => EventKind::ConfirmationSent { to: peer()? },
        K::ConfirmationReceived => EventKind::ConfirmationReceived { from: peer()?, request_sent_at: until()? },
        K::ProductionRequested => EventKind::ProductionRequested { to: peer()?, channel: channel()? },
        K::ProductionNotPursued => EventKind::ProductionNotPursued { to: peer()? },
        K::Misidentified => EventKind::Misidentified { carrier: carrier()? },
        K::HoldRenewed => EventKind::HoldRenewed { from: peer()?, until: until()? },
        K::ClarificationAsked => EventKind::ClarificationAsked { to: peer()? },
        K::ClarificationGiven => EventKind::ClarificationGiven { to: peer()? },
        K::ProductionRequestReceived => {
            EventKind::ProductionRequestReceived { from: peer()?, channel: channel()?, hold_until: until()? }
        }
        K::ProductionDeclined => EventKind::ProductionDeclined { from: peer()?, channel: channel()? },
        K::ProductionAbandoned => EventKind::ProductionAbandoned { to: peer()?, channel: channel()? },
        K::ProviderRequestReceived => EventKind::ProviderRequestReceived { from: peer()?, carrier: carrier()? },
    };
    Ok(Event {
        at: instant(value.at_ms, "at_ms")?,
        country: country_code(value.country, "country")?,
        sequence: value.sequence,
        incident: incident_id(value.incident, "incident")?,
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
        Distribution::LogNormal { median_ms, p90_ms, .. } => Kind::LogNormal(pb::LogNormal { median_ms, p90_ms }),
        Distribution::Exponential { mean_ms } => Kind::ExponentialMeanMs(mean_ms),
        Distribution::Uniform { min_ms, max_ms } => Kind::Uniform(pb::Uniform { min_ms, max_ms }),
    };
    pb::Distribution { kind: Some(kind) }
}

fn next_hop_to_proto(hop: &NextHop) -> pb::NextHop {
    pb::NextHop { carrier: hop.carrier.to_string(), country: hop.country.to_string() }
}

fn window_to_proto(window: &Window) -> pb::Window {
    pb::Window { from_ms: window.from.ms(), until_ms: window.until.ms() }
}

fn staffing_to_proto(staffing: &Staffing) -> pb::Staffing {
    let kind = match staffing {
        Staffing::AroundTheClock => pb::staffing::Kind::AroundTheClock(true),
        Staffing::OfficeHours(h) => pb::staffing::Kind::OfficeHours(pb::OfficeHours {
            shifts: h
                .shifts()
                .iter()
                .map(|s| pb::Shift { opens_minute: s.opens_minute(), closes_minute: s.closes_minute() })
                .collect(),
            weekdays: h.weekdays().iter().map(|&d| u32::from(d)).collect(),
            on_call: h.on_call().map(distribution_to_proto),
            holidays: h.holidays().iter().map(ToString::to_string).collect(),
        }),
    };
    pb::Staffing { kind: Some(kind) }
}

pub fn strategy_to_proto(strategy: Strategy) -> pb::Strategy {
    match strategy {
        Strategy::Hub => pb::Strategy::Hub,
        Strategy::Relay => pb::Strategy::Relay,
        Strategy::Parallel => pb::Strategy::Parallel,
    }
}

fn country_to_proto(c: &Country) -> pb::Country {
    pb::Country {
        code: c.code.to_string(),
        name: c.name.clone(),
        time_zone: c.time_zone_name.clone(),
        staffing: Some(staffing_to_proto(&c.staffing)),
        handling: Some(distribution_to_proto(&c.handling)),
        written_confirmation: Some(distribution_to_proto(&c.written_confirmation)),
        mla_preparation: Some(distribution_to_proto(&c.mla_preparation)),
        mla_execution: Some(distribution_to_proto(&c.mla_execution)),
        hold_ms: c.hold_ms,
        hold_renewal_ms: c.hold_renewal_ms,
        member: c.member,
        languages: c.languages.clone(),
        translation: Some(distribution_to_proto(&c.translation)),
        court_order: c.court_order.as_ref().map(distribution_to_proto),
        officers: c.officers,
        dual_criminality: c.dual_criminality.iter().map(|o| o.name().to_owned()).collect(),
        art30: c.disclosure.name().to_owned(),
        renewal_forgotten: c.renewal_forgotten,
        mla_abandoned_after_ms: c.mla_abandoned_after_ms,
        urgent_mla: match &c.emergency_disclosure {
            EmergencyDisclosure::Direct => None,
            EmergencyDisclosure::UrgentMla(law) => Some(distribution_to_proto(law)),
        },
        timestamp_errors: c.timestamp_errors,
        request_defects: c.request_defects,
        refusal_grounds: c.refusal_grounds,
        police_channel: c.police_channel,
        police_response: Some(distribution_to_proto(&c.police_response)),
        preservation_order: Some(distribution_to_proto(&c.preservation_order)),
        mla_translation: Some(distribution_to_proto(&c.mla_translation)),
        request_preparation: c.request_preparation.as_ref().map(distribution_to_proto),
        prosecutor_sign_off: c.prosecutor_sign_off.as_ref().map(distribution_to_proto),
        follow_up_intermediate: Some(c.follow_up.intermediate),
        follow_up_origin: Some(c.follow_up.origin),
        disclosure_order: match &c.disclosure {
            Art30::Order(order) => Some(distribution_to_proto(order)),
            Art30::Direct | Art30::MlaOnly => None,
        },
    }
}

fn carrier_to_proto(k: &Carrier) -> pb::Carrier {
    pb::Carrier {
        id: k.id.to_string(),
        country: k.country.to_string(),
        kind: k.kind.clone(),
        retention_ms: k.retention_ms,
        no_logs: k.no_logs,
        preservation: Some(distribution_to_proto(&k.preservation)),
        disclosure: Some(distribution_to_proto(&k.disclosure)),
        emergency_response: Some(distribution_to_proto(&k.emergency_response)),
        hours: Some(staffing_to_proto(&k.hours)),
        subscriber_retention_ms: k.subscriber_retention_ms,
        direct_response: Some(distribution_to_proto(&k.direct_response)),
        voluntary_disclosure: k.voluntary_disclosure,
    }
}

/// A node's configuration on the wire, with its peers' addresses (the
/// coordinator names the run).
pub fn node_config_to_proto(config: &NodeConfig, peers: &BTreeMap<CountryCode, String>) -> pb::NodeConfig {
    pb::NodeConfig {
        run_id: String::new(),
        country: Some(country_to_proto(&config.country)),
        carriers: config.carriers.iter().map(carrier_to_proto).collect(),
        logs: config
            .logs
            .iter()
            .map(|l| pb::LogRecord {
                incident: l.incident.to_string(),
                hop: l.hop,
                carrier: l.carrier.to_string(),
                communication_at_ms: l.communication_at.ms(),
                previous: l.previous.as_ref().map(next_hop_to_proto),
                identifiable: l.identifiable,
            })
            .collect(),
        incidents: config
            .incidents
            .iter()
            .map(|i| pb::IncidentReport {
                incident: i.incident.to_string(),
                communication_at_ms: i.communication_at.ms(),
                detection: Some(distribution_to_proto(&i.detection)),
                known_chain: i.known_chain.iter().map(next_hop_to_proto).collect(),
                offence: i.offence.map(|o| o.name().to_owned()),
                emergency: i.emergency,
            })
            .collect(),
        strategy: strategy_to_proto(config.strategy) as i32,
        message_delay: Some(distribution_to_proto(&config.message_delay)),
        min_message_delay_ms: config.min_message_delay_ms,
        mla_transit: Some(distribution_to_proto(&config.mla_transit)),
        non_members: config.non_members.iter().map(|c| c.to_string()).collect(),
        directory: config
            .directory
            .iter()
            .map(|(country, e)| pb::DirectoryEntry {
                country: country.to_string(),
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
                to: l.to.to_string(),
                window: Some(window_to_proto(&l.window)),
                retry_after_ms: l.retry_after_ms,
            })
            .collect(),
        carrier_outages: config
            .carrier_outages
            .iter()
            .map(|o| pb::CarrierOutage { carrier: o.carrier.to_string(), window: Some(window_to_proto(&o.window)) })
            .collect(),
        voluntary_carriers: config.voluntary_carriers.iter().map(|c| c.to_string()).collect(),
        second_protocol: config.second_protocol.as_ref().map(|p| pb::SecondProtocol {
            parties: p.parties.iter().map(|c| c.to_string()).collect(),
            art7_reserved: p.art7_reserved.iter().map(|c| c.to_string()).collect(),
            in_force_ms: p.in_force_at.map(SimTime::ms),
            party_from_ms: p.party_from.iter().map(|(c, at)| (c.to_string(), at.ms())).collect(),
            art8_service: Some(distribution_to_proto(&p.art8_service)),
            art8_return: Some(distribution_to_proto(&p.art8_return)),
        }),
        ip_assignment_is_traffic: config.ip_assignment_is_traffic.iter().map(|c| c.to_string()).collect(),
        coordination: config
            .coordination
            .as_ref()
            .map(|c| pb::Coordination { window_ms: c.window_ms, delay: Some(distribution_to_proto(&c.delay)) }),
        epoc: config.epoc.as_ref().map(|e| pb::Epoc {
            bound: e.bound.iter().map(|c| c.to_string()).collect(),
            in_force_ms: e.in_force_at.ms(),
            preparation: Some(distribution_to_proto(&e.preparation)),
            response: Some(distribution_to_proto(&e.response)),
            represented: e.represented.iter().map(|(c, at)| (c.to_string(), at.to_string())).collect(),
        }),
        epoch_unix_ms: config.epoch.as_millisecond(),
        seed: config.seed,
        replication: config.replication,
        peers: peers.iter().map(|(code, url)| (code.to_string(), url.clone())).collect(),
    }
}

pub fn envelope_to_proto(envelope: &Envelope) -> pb::Envelope {
    use pb::envelope::Body as B;
    let body = match &envelope.body {
        Body::PreservationRequest {
            carrier,
            reporting_country,
            languages,
            offence,
            emergency,
            timestamp_error,
            defect,
            batch,
            to_provider,
        } => B::PreservationRequest(pb::PreservationRequest {
            carrier: carrier.to_string(),
            reporting_country: reporting_country.to_string(),
            languages: languages.clone(),
            offence: offence.map(|o| o.name().to_owned()),
            emergency: *emergency,
            timestamp_error: *timestamp_error,
            defect: *defect,
            batch: *batch,
            to_provider: *to_provider,
        }),
        Body::Acknowledgement => B::Acknowledgement(pb::Acknowledgement {}),
        Body::PreservationResult(outcome) => {
            use pb::preservation_result::Outcome;
            B::PreservationResult(pb::PreservationResult {
                outcome: Some(match outcome {
                    PreservationOutcome::Preserved { until } => Outcome::PreservedUntilMs(until.ms()),
                    PreservationOutcome::Expired { expired_at } => Outcome::ExpiredAtMs(expired_at.ms()),
                    PreservationOutcome::NoLogs => Outcome::NoLogs(true),
                    PreservationOutcome::Refused { offence } => Outcome::RefusedOffence(offence.name().to_owned()),
                    PreservationOutcome::RefusedOnGrounds => Outcome::RefusedOnGrounds(true),
                }),
            })
        }
        Body::Disclosure { finding, forwarded } => {
            use pb::traffic_data_disclosure::Finding as F;
            B::Disclosure(pb::TrafficDataDisclosure {
                finding: Some(match finding {
                    Finding::PreviousHop(hop) => F::NextHop(next_hop_to_proto(hop)),
                    Finding::Subscriber => F::SubscriberIdentified(true),
                    Finding::Nobody => F::NobodyIdentified(true),
                    Finding::Misidentified => F::Misidentified(true),
                }),
                forwarded: *forwarded,
            })
        }
        Body::WrittenConfirmation { request_sent_at } => {
            B::WrittenConfirmation(pb::WrittenConfirmation { request_sent_at_ms: request_sent_at.ms() })
        }
        Body::ProductionRequest { channel } => {
            B::ProductionRequest(pb::ProductionRequest { channel: production_channel_to_proto(*channel) })
        }
        Body::Production => B::Production(pb::Production {}),
        Body::HoldRenewal => B::HoldRenewal(pb::HoldRenewal {}),
        Body::Clarification => B::Clarification(pb::Clarification {}),
        Body::Clarified => B::Clarified(pb::Clarified {}),
    };
    pb::Envelope {
        from: envelope.from.to_string(),
        to: envelope.to.to_string(),
        sequence: envelope.sequence,
        sent_at_ms: envelope.sent_at.ms(),
        deliver_at_ms: envelope.deliver_at.ms(),
        incident: envelope.incident.to_string(),
        hop: envelope.hop,
        body: Some(body),
    }
}

pub fn event_to_proto(event: &Event) -> pb::Event {
    use pb::EventKind as K;
    let mut out = pb::Event {
        at_ms: event.at.ms(),
        country: event.country.to_string(),
        sequence: event.sequence,
        incident: event.incident.to_string(),
        hop: event.hop,
        ..Default::default()
    };
    let (kind, peer, carrier, until) = match &event.kind {
        EventKind::IncidentReported => (K::IncidentReported, None, None, None),
        EventKind::RequestPrepared => (K::RequestPrepared, None, None, None),
        EventKind::RequestSent { to, carrier } => (K::RequestSent, Some(to), Some(carrier), None),
        EventKind::RequestReceived { from, carrier } => (K::RequestReceived, Some(from), Some(carrier), None),
        EventKind::Acknowledged { requester } => (K::Acknowledged, Some(requester), None, None),
        EventKind::PreservationOrdered { carrier } => (K::PreservationOrdered, None, Some(carrier), None),
        EventKind::Preserved { carrier, until } => (K::Preserved, None, Some(carrier), Some(*until)),
        EventKind::LogsExpired { carrier, expired_at } => (K::LogsExpired, None, Some(carrier), Some(*expired_at)),
        EventKind::NoLogs { carrier } => (K::NoLogs, None, Some(carrier), None),
        EventKind::DirectoryStale { to } => (K::DirectoryStale, Some(to), None, None),
        EventKind::MessageLost { to } => (K::MessageLost, Some(to), None, None),
        EventKind::Produced { to, channel } => {
            out.channel = production_channel_to_proto(*channel);
            (K::Produced, Some(to), None, None)
        }
        EventKind::Refused { carrier, offence } => {
            out.answer = offence.name().to_owned();
            (K::Refused, None, Some(carrier), None)
        }
        EventKind::Unidentified { carrier } => (K::Unidentified, None, Some(carrier), None),
        EventKind::Disclosed { carrier, next_hop } => {
            out.next_hop = Some(next_hop_to_proto(next_hop));
            (K::Disclosed, None, Some(carrier), None)
        }
        EventKind::OriginFound { carrier } => (K::OriginFound, None, Some(carrier), None),
        EventKind::AnswerReceived { from, answer } => {
            out.answer = answer.name().to_owned();
            (K::AnswerReceived, Some(from), None, None)
        }
        EventKind::ConfirmationSent { to } => (K::ConfirmationSent, Some(to), None, None),
        EventKind::ConfirmationReceived { from, request_sent_at } => {
            (K::ConfirmationReceived, Some(from), None, Some(*request_sent_at))
        }
        EventKind::ProductionRequested { to, channel } => {
            out.channel = production_channel_to_proto(*channel);
            (K::ProductionRequested, Some(to), None, None)
        }
        EventKind::ProductionNotPursued { to } => (K::ProductionNotPursued, Some(to), None, None),
        EventKind::Misidentified { carrier } => (K::Misidentified, None, Some(carrier), None),
        EventKind::RefusedOnGrounds { carrier } => (K::RefusedOnGrounds, None, Some(carrier), None),
        EventKind::HoldRenewed { from, until } => (K::HoldRenewed, Some(from), None, Some(*until)),
        EventKind::ClarificationAsked { to } => (K::ClarificationAsked, Some(to), None, None),
        EventKind::ClarificationGiven { to } => (K::ClarificationGiven, Some(to), None, None),
        EventKind::ProductionRequestReceived { from, channel, hold_until } => {
            out.channel = production_channel_to_proto(*channel);
            (K::ProductionRequestReceived, Some(from), None, Some(*hold_until))
        }
        EventKind::ProviderRequestReceived { from, carrier } => {
            (K::ProviderRequestReceived, Some(from), Some(carrier), None)
        }
        EventKind::ProductionDeclined { from, channel } => {
            out.channel = production_channel_to_proto(*channel);
            (K::ProductionDeclined, Some(from), None, None)
        }
        EventKind::ProductionAbandoned { to, channel } => {
            out.channel = production_channel_to_proto(*channel);
            (K::ProductionAbandoned, Some(to), None, None)
        }
    };
    out.kind = kind as i32;
    out.peer = peer.map(|p| p.to_string()).unwrap_or_default();
    out.carrier = carrier.map(|c| c.to_string()).unwrap_or_default();
    out.until_ms = until.map(SimTime::ms);
    out
}

#[cfg(test)]
#[path = "round_trip_tests.rs"]
mod round_trip_tests;
