//! domain → proto → domain is the identity, for every message and
//! configuration type, over generated values that include the edges: zero,
//! empty, negative instants, and the maxima the constraints allow.

use super::*;
use crate::constraint::{MAX_DELAY_MS, MAX_HOLIDAYS, MAX_IDENTIFIER_BYTES, MAX_OFFICERS, MAX_SHIFTS};
use rand::{Rng, RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

struct Gen(ChaCha8Rng);

impl Gen {
    fn pick<T: Clone>(&mut self, options: &[T]) -> T {
        options[self.0.random_range(0..options.len())].clone()
    }

    fn chance(&mut self) -> bool {
        self.0.random_bool(0.5)
    }

    /// A duration: often an edge, else anything legal.
    fn duration(&mut self) -> i64 {
        match self.0.random_range(0..4) {
            0 => 0,
            1 => MAX_DELAY_MS,
            _ => self.0.random_range(0..=MAX_DELAY_MS),
        }
    }

    fn instant(&mut self) -> SimTime {
        SimTime(match self.0.random_range(0..4) {
            0 => 0,
            1 => self.pick(&[-MAX_DELAY_MS, MAX_DELAY_MS]),
            _ => self.0.random_range(-MAX_DELAY_MS..=MAX_DELAY_MS),
        })
    }

    fn id(&mut self, prefix: &str) -> String {
        match self.0.random_range(0..3) {
            0 => format!("{prefix}{}", "x".repeat(MAX_IDENTIFIER_BYTES - prefix.len())),
            1 => format!("{prefix}é"),
            _ => format!("{prefix}{}", self.0.random_range(0..1000)),
        }
    }

    fn code(&mut self) -> CountryCode {
        CountryCode::from(self.pick(&["DE", "FR", "US", "NL", "GR", "JP"]).to_owned())
    }

    fn law(&mut self) -> Distribution {
        let (a, b) = {
            let (x, y) = (self.duration(), self.duration());
            (x.min(y), x.max(y))
        };
        match self.0.random_range(0..4) {
            0 => Distribution::Fixed { ms: a },
            1 => Distribution::log_normal(a, b),
            2 => Distribution::Exponential { mean_ms: b },
            _ => Distribution::Uniform { min_ms: a, max_ms: b },
        }
    }

    fn staffing(&mut self) -> Staffing {
        if self.chance() {
            return Staffing::AroundTheClock;
        }
        let shifts = if self.chance() {
            vec![Shift::new(0, 24 * 60).unwrap()]
        } else {
            (0..MAX_SHIFTS as u32).map(|h| Shift::new(h * 60, h * 60 + 1).unwrap()).collect()
        };
        let weekdays = if self.chance() { vec![7] } else { (1..=7).collect() };
        let holidays = match self.0.random_range(0..3) {
            0 => Vec::new(),
            1 => (0..MAX_HOLIDAYS as i64)
                .map(|d| jiff::civil::date(2026, 1, 1).checked_add(jiff::Span::new().days(d)).unwrap())
                .collect(),
            _ => vec![jiff::civil::date(2028, 2, 29)],
        };
        let on_call = self.chance().then(|| self.law());
        Staffing::OfficeHours(OfficeHours::new(shifts, weekdays, on_call, holidays).unwrap())
    }

    fn offence(&mut self) -> Option<Offence> {
        self.chance().then(|| self.pick(&Offence::ALL))
    }

    fn next_hop(&mut self) -> NextHop {
        NextHop { carrier: CarrierId::from(self.id("c")), country: self.code() }
    }

    fn window(&mut self) -> Window {
        let (a, b) = (self.instant(), self.instant());
        Window { from: a.min(b), until: a.max(b) }
    }

    fn country(&mut self, code: CountryCode) -> Country {
        let zone = self.pick(&["UTC", "Europe/Paris", "America/St_Johns", "Asia/Kathmandu"]);
        Country {
            code,
            name: self.pick(&["", "Germany", "Côte d'Ivoire"]).to_owned(),
            time_zone: jiff::tz::TimeZone::get(zone).unwrap(),
            time_zone_name: zone.to_owned(),
            staffing: self.staffing(),
            handling: self.law(),
            written_confirmation: self.law(),
            mla_preparation: self.law(),
            mla_execution: self.law(),
            hold_ms: self.duration(),
            hold_renewal_ms: self.chance().then(|| self.duration()),
            member: self.chance(),
            languages: if self.chance() { Vec::new() } else { vec!["en".to_owned(), self.id("l")] },
            translation: self.law(),
            court_order: self.chance().then(|| self.law()),
            officers: self.chance().then(|| self.pick(&[1, MAX_OFFICERS])),
            dual_criminality: if self.chance() {
                Vec::new()
            } else {
                Offence::ALL.into_iter().filter(|o| o.convention_article().is_none()).collect()
            },
            timestamp_errors: self.pick(&[0.0, 0.02, 1.0]),
            request_defects: self.pick(&[0.0, 0.1, 1.0]),
            refusal_grounds: self.pick(&[0.0, 0.01, 1.0]),
            police_channel: self.chance(),
            police_response: self.law(),
            preservation_order: self.law(),
            mla_translation: self.law(),
            request_preparation: self.chance().then(|| self.law()),
            prosecutor_sign_off: self.chance().then(|| self.law()),
            follow_up: FollowUp { intermediate: self.pick(&[0.0, 0.3, 1.0]), origin: self.pick(&[0.0, 0.9, 1.0]) },
            disclosure: match self.0.random_range(0..3) {
                0 => Art30::Direct,
                1 => Art30::Order(self.law()),
                _ => Art30::MlaOnly,
            },
            renewal_forgotten: self.pick(&[0.0, 0.1, 1.0]),
            mla_abandoned_after_ms: self.chance().then(|| self.duration()),
            emergency_disclosure: if self.chance() {
                EmergencyDisclosure::Direct
            } else {
                EmergencyDisclosure::UrgentMla(self.law())
            },
        }
    }

    fn carrier(&mut self, country: &CountryCode) -> Carrier {
        Carrier {
            id: CarrierId::from(self.id("c")),
            country: *country,
            kind: self.pick(&["", "vpn", "access-isp"]).to_owned(),
            retention_ms: self.duration(),
            no_logs: self.chance(),
            preservation: self.law(),
            disclosure: self.law(),
            emergency_response: self.law(),
            hours: self.staffing(),
            // `Some(0)` is the value that once came back as `None`.
            subscriber_retention_ms: self.chance().then(|| self.pick(&[0, MAX_DELAY_MS, 3_600_000])),
            direct_response: self.law(),
            voluntary_disclosure: self.pick(&[0.0, 0.684, 1.0]),
        }
    }

    fn node_config(&mut self) -> NodeConfig {
        let code = self.code();
        let carriers: Vec<Carrier> = (0..self.0.random_range(0..3)).map(|_| self.carrier(&code)).collect();
        // Logs name only foreign previous hops, so the domestic check holds.
        let foreign = |hop: NextHop| NextHop { country: CountryCode::from(format!("X{}", hop.country)), ..hop };
        let logs = carriers
            .iter()
            .map(|c| LogRecord {
                incident: "i".into(),
                hop: self.pick(&[0, u32::MAX]),
                carrier: c.id,
                communication_at: self.instant(),
                previous: self.chance().then(|| foreign(self.next_hop())),
                identifiable: self.chance(),
            })
            .collect();
        let incidents = (0..self.0.random_range(0..3))
            .map(|n| IncidentReport {
                incident: format!("r{n}").into(),
                communication_at: self.instant(),
                detection: self.law(),
                known_chain: (0..self.0.random_range(1..4)).map(|_| foreign(self.next_hop())).collect(),
                offence: self.offence(),
                emergency: self.chance(),
            })
            .collect();
        NodeConfig {
            country: self.country(code),
            carriers,
            logs,
            incidents,
            strategy: self.pick(&[Strategy::Hub, Strategy::Relay, Strategy::Parallel]),
            message_delay: self.law(),
            min_message_delay_ms: self.pick(&[1, MAX_DELAY_MS]),
            mla_transit: self.law(),
            non_members: (0..self.0.random_range(0..3)).map(|_| self.code()).collect(),
            directory: (0..self.0.random_range(0..3))
                .map(|_| {
                    let entry = DirectoryEntry {
                        channel: self.law(),
                        stale_probability: self.pick(&[0.0, 0.25, 1.0]),
                        fallback: self.law(),
                        stale_windows: (0..self.0.random_range(0..2)).map(|_| self.window()).collect(),
                    };
                    (self.code(), entry)
                })
                .collect(),
            desk_outages: (0..self.0.random_range(0..2)).map(|_| self.window()).collect(),
            message_losses: (0..self.0.random_range(0..2))
                .map(|_| MessageLoss { to: self.code(), window: self.window(), retry_after_ms: self.duration() })
                .collect(),
            carrier_outages: (0..self.0.random_range(0..2))
                .map(|_| CarrierOutage { carrier: CarrierId::from(self.id("c")), window: self.window() })
                .collect(),
            voluntary_carriers: (0..self.0.random_range(0..3)).map(|_| CarrierId::from(self.id("c"))).collect(),
            second_protocol: self.chance().then(|| SecondProtocol {
                parties: (0..self.0.random_range(0..3)).map(|_| self.code()).collect(),
                art7_reserved: (0..self.0.random_range(0..2)).map(|_| self.code()).collect(),
                in_force_at: self.chance().then(|| self.instant()),
                party_from: (0..self.0.random_range(0..2)).map(|_| (self.code(), self.instant())).collect(),
                art8_service: self.law(),
                art8_return: self.law(),
            }),
            ip_assignment_is_traffic: (0..self.0.random_range(0..3)).map(|_| self.code()).collect(),
            coordination: self
                .chance()
                .then(|| Coordination { window_ms: self.pick(&[0, MAX_DELAY_MS]), delay: self.law() }),
            epoc: if self.chance() {
                None
            } else {
                Some(Epoc {
                    bound: (0..self.0.random_range(0..3)).map(|_| self.code()).collect(),
                    in_force_at: self.instant(),
                    preparation: self.law(),
                    response: self.law(),
                    represented: (0..self.0.random_range(0..3))
                        .map(|_| (CarrierId::from(self.id("c")), self.code()))
                        .collect(),
                })
            },
            epoch: jiff::Timestamp::from_millisecond(self.pick(&[0, -86_400_000, 1_772_409_600_123])).unwrap(),
            seed: {
                let any = self.0.next_u64();
                self.pick(&[0, u64::MAX, any])
            },
            replication: self.pick(&[0, u64::MAX]),
        }
    }

    fn body(&mut self) -> Body {
        match self.0.random_range(0..10) {
            0 => Body::PreservationRequest {
                carrier: CarrierId::from(self.id("c")),
                reporting_country: self.code(),
                languages: if self.chance() { Vec::new() } else { vec![self.id("l")] },
                offence: self.offence(),
                emergency: self.chance(),
                timestamp_error: self.chance(),
                defect: self.chance(),
                batch: self.chance().then(|| self.pick(&[0, u64::MAX])),
                to_provider: self.chance(),
            },
            1 => Body::Acknowledgement,
            2 => Body::PreservationResult(match self.0.random_range(0..5) {
                0 => PreservationOutcome::Preserved { until: self.instant() },
                1 => PreservationOutcome::Expired { expired_at: self.instant() },
                2 => PreservationOutcome::NoLogs,
                3 => PreservationOutcome::Refused { offence: self.pick(&Offence::ALL) },
                _ => PreservationOutcome::RefusedOnGrounds,
            }),
            3 => Body::Disclosure {
                finding: match self.0.random_range(0..4) {
                    0 => Finding::PreviousHop(self.next_hop()),
                    1 => Finding::Subscriber,
                    2 => Finding::Nobody,
                    _ => Finding::Misidentified,
                },
                forwarded: self.chance(),
            },
            4 => Body::WrittenConfirmation { request_sent_at: self.instant() },
            5 => Body::ProductionRequest { channel: self.pick(&[ProductionChannel::Mla, ProductionChannel::Epoc]) },
            6 => Body::Production,
            7 => Body::HoldRenewal,
            8 => Body::Clarification,
            _ => Body::Clarified,
        }
    }

    fn envelope(&mut self) -> Envelope {
        Envelope {
            from: self.code(),
            to: self.code(),
            sequence: self.pick(&[0, u64::MAX]),
            sent_at: self.instant(),
            deliver_at: self.instant(),
            incident: self.id("i").into(),
            hop: self.pick(&[0, 1, u32::MAX]),
            body: self.body(),
        }
    }

    fn event_kind(&mut self) -> EventKind {
        let (c, k, t) = (self.code(), CarrierId::from(self.id("c")), self.instant());
        match self.0.random_range(0..30) {
            0 => EventKind::IncidentReported,
            1 => EventKind::RequestSent { to: c, carrier: k },
            2 => EventKind::RequestReceived { from: c, carrier: k },
            3 => EventKind::ProductionNotPursued { to: c },
            4 => EventKind::Acknowledged { requester: c },
            5 => EventKind::PreservationOrdered { carrier: k },
            6 => EventKind::Preserved { carrier: k, until: t },
            7 => EventKind::LogsExpired { carrier: k, expired_at: t },
            8 => EventKind::NoLogs { carrier: k },
            9 => EventKind::DirectoryStale { to: c },
            10 => EventKind::MessageLost { to: c },
            11 => EventKind::Refused { carrier: k, offence: self.pick(&Offence::ALL) },
            12 => EventKind::Unidentified { carrier: k },
            21 => EventKind::Misidentified { carrier: k },
            22 => EventKind::HoldRenewed { from: c, until: t },
            23 => EventKind::ClarificationAsked { to: c },
            24 => EventKind::ClarificationGiven { to: c },
            25 => EventKind::RefusedOnGrounds { carrier: k },
            27 => EventKind::RequestPrepared,
            28 => EventKind::ProviderRequestReceived { from: c, carrier: k },
            26 => EventKind::ProductionDeclined { from: c, channel: self.pick(&ProductionChannel::ALL) },
            29 => EventKind::ProductionAbandoned { to: c, channel: self.pick(&ProductionChannel::ALL) },
            13 => EventKind::Disclosed { carrier: k, next_hop: self.next_hop() },
            14 => EventKind::OriginFound { carrier: k },
            15 => EventKind::AnswerReceived { from: c, answer: self.pick(&Answer::ALL) },
            16 => EventKind::ConfirmationSent { to: c },
            17 => EventKind::ConfirmationReceived { from: c, request_sent_at: t },
            18 => EventKind::ProductionRequested { to: c, channel: self.pick(&ProductionChannel::ALL) },
            19 => EventKind::Produced { to: c, channel: self.pick(&ProductionChannel::ALL) },
            _ => EventKind::ProductionRequestReceived {
                from: c,
                channel: self.pick(&ProductionChannel::ALL),
                hold_until: t,
            },
        }
    }

    fn event(&mut self) -> Event {
        Event {
            at: self.instant(),
            country: self.code(),
            sequence: self.pick(&[0, u64::MAX]),
            incident: self.id("i").into(),
            hop: self.pick(&[0, u32::MAX]),
            kind: self.event_kind(),
        }
    }
}

const CASES: u64 = 300;

#[test]
fn node_configs_round_trip_exactly() {
    for seed in 0..CASES {
        let config = Gen(ChaCha8Rng::seed_from_u64(seed)).node_config();
        let peers: BTreeMap<CountryCode, String> =
            [(CountryCode::from("FR"), "http://127.0.0.1:7002".to_owned())].into();
        let (back, back_peers) = node_config_from_proto(node_config_to_proto(&config, &peers))
            .unwrap_or_else(|e| panic!("seed {seed}: {e}\n{config:#?}"));
        assert_eq!(back, config, "seed {seed}");
        assert_eq!(back_peers, peers);
    }
}

#[test]
fn envelopes_round_trip_exactly() {
    for seed in 0..CASES {
        let envelope = Gen(ChaCha8Rng::seed_from_u64(seed)).envelope();
        let back = envelope_from_proto(envelope_to_proto(&envelope)).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        assert_eq!(back, envelope, "seed {seed}");
    }
}

#[test]
fn events_round_trip_exactly() {
    for seed in 0..CASES {
        let event = Gen(ChaCha8Rng::seed_from_u64(seed)).event();
        let back = event_from_proto(event_to_proto(&event)).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        assert_eq!(back, event, "seed {seed}");
    }
}

/// Regression: `subscriber_retention = "0s"` travelled as proto3's 0 and came
/// back as "kept as long as needed", so gRPC runs reached origins that
/// in-process runs did not.
#[test]
fn a_zero_subscriber_retention_survives_the_wire() {
    let mut config = Gen(ChaCha8Rng::seed_from_u64(1)).node_config();
    let code = config.country.code;
    let mut carrier = Gen(ChaCha8Rng::seed_from_u64(2)).carrier(&code);
    carrier.subscriber_retention_ms = Some(0);
    config.carriers = vec![carrier];
    config.logs.clear();
    config.incidents.clear();
    let (back, _) = node_config_from_proto(node_config_to_proto(&config, &BTreeMap::new())).unwrap();
    assert_eq!(back.carriers[0].subscriber_retention_ms, Some(0));
}

/// Regression: `officers = 4000000000` made a node allocate 32 GB; the wire
/// refuses what the scenario reader refuses, with the field named.
#[test]
fn configure_refuses_what_the_scenario_refuses() {
    let config = Gen(ChaCha8Rng::seed_from_u64(3)).node_config();
    let mut proto = node_config_to_proto(&config, &BTreeMap::new());
    proto.country.as_mut().unwrap().officers = Some(4_000_000_000);
    let error = node_config_from_proto(proto).unwrap_err();
    assert_eq!(error.field, "country.officers", "{error}");
    let mut proto = node_config_to_proto(&config, &BTreeMap::new());
    proto.country.as_mut().unwrap().code = "X".repeat(1 << 20);
    let error = node_config_from_proto(proto).unwrap_err();
    assert_eq!(error.field, "country.code");
    assert!(error.to_string().len() < 200, "the error does not quote the field back: {error}");
    let mut proto = node_config_to_proto(&config, &BTreeMap::new());
    proto.country.as_mut().unwrap().handling =
        Some(pb::Distribution { kind: Some(pb::distribution::Kind::FixedMs(-1)) });
    assert_eq!(node_config_from_proto(proto).unwrap_err().field, "country.handling");
    let mut proto = node_config_to_proto(&config, &BTreeMap::new());
    proto.country.as_mut().unwrap().dual_criminality = vec!["gambling".into(), "illegal-access".into()];
    let error = node_config_from_proto(proto).unwrap_err();
    assert_eq!(error.field, "country.dual_criminality", "{error}");
    assert!(error.to_string().contains("Convention offence (Art. 2)"), "{error}");
}

/// Regression (silent drops): a hop whose carrier had no record was dropped
/// by a `debug_assert!(false); return` that did nothing in release builds.
/// The states are now unreachable: a configuration naming a domestic hop
/// without its record is refused at the edge, and the machine asserts.
#[test]
fn a_domestic_hop_without_its_record_is_refused_at_configure() {
    let mut config = Gen(ChaCha8Rng::seed_from_u64(5)).node_config();
    let code = config.country.code;
    config.carriers = vec![Gen(ChaCha8Rng::seed_from_u64(6)).carrier(&code)];
    config.logs.clear();
    config.incidents = vec![IncidentReport {
        incident: "r".into(),
        communication_at: SimTime::ZERO,
        detection: Distribution::Fixed { ms: 0 },
        known_chain: vec![NextHop { carrier: config.carriers[0].id, country: code }],
        offence: None,
        emergency: false,
    }];
    let error = node_config_from_proto(node_config_to_proto(&config, &BTreeMap::new())).unwrap_err();
    assert_eq!(error.field, "incidents[0].known_chain[0]", "{error}");
}

/// The next-opening search looks 400 days ahead: a desk may not list more
/// than a year of holidays, or it could find no opening at all.
#[test]
fn more_than_a_year_of_holidays_is_refused() {
    let shift = Shift::new(9 * 60, 17 * 60).unwrap();
    let days = |n: i64| -> Vec<jiff::civil::Date> {
        (0..n).map(|d| jiff::civil::date(2026, 1, 1).checked_add(jiff::Span::new().days(d)).unwrap()).collect()
    };
    assert!(OfficeHours::new(vec![shift], vec![1], None, days(MAX_HOLIDAYS as i64)).is_ok());
    assert!(OfficeHours::new(vec![shift], vec![1], None, days(MAX_HOLIDAYS as i64 + 1)).is_err());
}

/// What a node is sent is checked, never trusted: byte strings mutated from
/// valid configurations, envelopes and events (flipped, dropped, inserted
/// bytes), decoded and converted, are refused with a field or taken whole,
/// and never panic.
#[test]
fn mutated_wire_messages_are_refused_or_taken_never_a_panic() {
    use prost::Message;
    let mut rng = ChaCha8Rng::seed_from_u64(2026);
    let (mut taken, mut refused) = (0, 0);
    let mut tally = |ok: bool| if ok { taken += 1 } else { refused += 1 };
    for seed in 0..CASES {
        let mut generator = Gen(ChaCha8Rng::seed_from_u64(seed));
        let valid = [
            node_config_to_proto(&generator.node_config(), &BTreeMap::new()).encode_to_vec(),
            envelope_to_proto(&generator.envelope()).encode_to_vec(),
            event_to_proto(&generator.event()).encode_to_vec(),
        ];
        for bytes in valid {
            for _ in 0..10 {
                let mut mutated = bytes.clone();
                for _ in 0..rng.random_range(1..4) {
                    let at = rng.random_range(0..mutated.len().max(1));
                    match rng.random_range(0..3) {
                        0 if !mutated.is_empty() => mutated[at] ^= 1 << rng.random_range(0..8),
                        1 if !mutated.is_empty() => {
                            mutated.remove(at);
                        }
                        _ => mutated.insert(at.min(mutated.len()), rng.random()),
                    }
                }
                if let Ok(message) = pocnet_proto::NodeConfig::decode(&mutated[..]) {
                    tally(node_config_from_proto(message).is_ok());
                }
                if let Ok(message) = pocnet_proto::Envelope::decode(&mutated[..]) {
                    tally(envelope_from_proto(message).is_ok());
                }
                if let Ok(message) = pocnet_proto::Event::decode(&mutated[..]) {
                    tally(event_from_proto(message).is_ok());
                }
            }
        }
    }
    assert!(taken > 100 && refused > 100, "the mutations reach both sides: {taken} taken, {refused} refused");
}
