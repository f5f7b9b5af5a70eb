//! Unit tests of the state machine, with no runtime and no I/O.

use super::*;
use crate::time::{DAY_MS, HOUR_MS, MINUTE_MS};
use crate::{DeliveryError, NodeRuntime, Staffing};

fn country(code: &str) -> Country {
    Country {
        code: code.into(),
        name: code.to_owned(),
        time_zone: jiff::tz::TimeZone::UTC,
        time_zone_name: "UTC".to_owned(),
        staffing: Staffing::AroundTheClock,
        handling: Distribution::Fixed { ms: 10 * MINUTE_MS },
        written_confirmation: Distribution::Fixed { ms: DAY_MS },
        mla_preparation: Distribution::Fixed { ms: 30 * DAY_MS },
        mla_execution: Distribution::Fixed { ms: 200 * DAY_MS },
        hold_ms: 60 * DAY_MS,
        hold_renewal_ms: None,
        member: true,
        languages: vec!["en".to_owned()],
        translation: Distribution::Fixed { ms: 5 * HOUR_MS },
        court_order: None,
        officers: None,
        dual_criminality: Vec::new(),
        disclosure: crate::country::Art30::Direct,
        emergency_disclosure: crate::country::EmergencyDisclosure::Direct,
        renewal_forgotten: 0.0,
        mla_abandoned_after_ms: None,
        follow_up: crate::country::FollowUp::default(),
        timestamp_errors: 0.0,
        request_defects: 0.0,
        refusal_grounds: 0.0,
        police_channel: false,
        police_response: Distribution::Fixed { ms: 3 * DAY_MS },
        preservation_order: Distribution::Fixed { ms: 0 },
        mla_translation: Distribution::Fixed { ms: 0 },
        request_preparation: None,
        prosecutor_sign_off: None,
    }
}

fn carrier(id: &str, code: &str, retention_ms: i64) -> Carrier {
    Carrier {
        id: id.into(),
        country: code.into(),
        kind: "access-isp".to_owned(),
        retention_ms,
        no_logs: false,
        preservation: Distribution::Fixed { ms: 2 * HOUR_MS },
        disclosure: Distribution::Fixed { ms: 6 * HOUR_MS },
        emergency_response: Distribution::Fixed { ms: HOUR_MS },
        hours: Staffing::AroundTheClock,
        subscriber_retention_ms: None,
        direct_response: Distribution::Fixed { ms: 10 * DAY_MS },
        voluntary_disclosure: 0.0,
    }
}

/// Country `code` holding carrier `c-<code>`, whose logs for hops `0..hops`
/// of incident `i` name `previous`.
fn requested_config(
    code: &str,
    retention_ms: i64,
    hops: u32,
    previous: Option<NextHop>,
    strategy: Strategy,
) -> NodeConfig {
    NodeConfig {
        country: country(code),
        carriers: vec![carrier(&format!("c-{code}"), code, retention_ms)],
        logs: (0..hops)
            .map(|hop| LogRecord {
                incident: "i".into(),
                hop,
                carrier: CarrierId::from(format!("c-{code}")),
                communication_at: SimTime::ZERO,
                previous: previous.clone(),
                identifiable: true,
            })
            .collect(),
        incidents: Vec::new(),
        strategy,
        message_delay: Distribution::Fixed { ms: 5 * MINUTE_MS },
        min_message_delay_ms: MINUTE_MS,
        mla_transit: Distribution::Fixed { ms: 300 * DAY_MS },
        non_members: BTreeSet::new(),
        directory: BTreeMap::new(),
        desk_outages: Vec::new(),
        message_losses: Vec::new(),
        carrier_outages: Vec::new(),
        second_protocol: None,
        voluntary_carriers: BTreeSet::new(),
        epoc: None,
        ip_assignment_is_traffic: BTreeSet::new(),
        coordination: None,
        epoch: jiff::Timestamp::UNIX_EPOCH,
        seed: 1,
        replication: 0,
    }
}

fn requested_node(code: &str, retention_ms: i64, previous: Option<NextHop>, strategy: Strategy) -> ContactPoint {
    ContactPoint::new(requested_config(code, retention_ms, 1, previous, strategy))
}

fn request(to: &str, at: SimTime) -> Input {
    Input::Message(Envelope {
        from: "FR".into(),
        to: to.into(),
        sequence: 0,
        sent_at: at.plus_ms(-5 * MINUTE_MS),
        deliver_at: at,
        incident: "i".into(),
        hop: 0,
        body: Body::PreservationRequest {
            carrier: CarrierId::from(format!("c-{to}")),
            reporting_country: "FR".into(),
            languages: vec!["en".to_owned()],
            offence: Some(Offence::ComputerRelatedFraud),
            emergency: false,
            timestamp_error: false,
            defect: false,
            batch: None,
            to_provider: false,
        },
    })
}

/// Feeds the machine's own timers back to it until it has none left.
fn run_timers(machine: &mut ContactPoint, first: Vec<Output>) -> Vec<(SimTime, Output)> {
    let mut pending: Vec<(SimTime, Timer)> = Vec::new();
    let mut seen = Vec::new();
    let mut take = |outputs: Vec<Output>, now: SimTime, pending: &mut Vec<(SimTime, Timer)>| {
        for output in outputs {
            if let Output::SetTimer { at, timer } = &output {
                pending.push((*at, timer.clone()));
            }
            seen.push((now, output));
        }
    };
    take(first, SimTime::ZERO, &mut pending);
    while !pending.is_empty() {
        pending.sort_by_key(|(at, _)| *at);
        let (at, timer) = pending.remove(0);
        let outputs = machine.handle(at, Input::Timer(timer));
        take(outputs, at, &mut pending);
    }
    seen
}

fn sent(outputs: &[(SimTime, Output)]) -> Vec<(SimTime, String, &'static str)> {
    outputs
        .iter()
        .filter_map(|(at, o)| match o {
            Output::Send(e) => Some((*at, e.to.to_string(), e.body.name())),
            _ => None,
        })
        .collect()
}

#[test]
fn an_order_after_the_retention_window_finds_the_logs_expired_and_discloses_nothing() {
    let mut de = requested_node("DE", 3 * DAY_MS, None, Strategy::Hub);
    let arrival = SimTime(4 * DAY_MS);
    let first = de.handle(arrival, request("DE", arrival));
    let outputs = run_timers(&mut de, first);
    let expired = outputs.iter().any(|(_, o)| {
        matches!(o, Output::Record(Event { kind: EventKind::LogsExpired { expired_at, .. }, .. })
            if *expired_at == SimTime(3 * DAY_MS))
    });
    assert!(expired, "{outputs:#?}");
    let answers: Vec<_> = sent(&outputs).into_iter().map(|(_, to, what)| (to, what)).collect();
    assert_eq!(answers, [("FR".to_owned(), "acknowledgement"), ("FR".to_owned(), "preservation result")]);
}

#[test]
fn in_time_the_carrier_preserves_then_discloses_after_its_fixed_delays() {
    let mut de = requested_node("DE", 7 * DAY_MS, None, Strategy::Hub);
    let arrival = SimTime(HOUR_MS);
    let first = de.handle(arrival, request("DE", arrival));
    let outputs = run_timers(&mut de, first);
    // ack after 10 min of handling, preserved 2 h later, origin disclosed 6 h after that.
    let answers = sent(&outputs);
    assert_eq!(
        answers,
        [
            (SimTime(HOUR_MS + 10 * MINUTE_MS), "FR".to_owned(), "acknowledgement"),
            (SimTime(3 * HOUR_MS + 10 * MINUTE_MS), "FR".to_owned(), "preservation result"),
            (SimTime(9 * HOUR_MS + 10 * MINUTE_MS), "FR".to_owned(), "traffic data disclosure"),
        ]
    );
}

#[test]
fn relay_forwards_the_next_request_itself_while_hub_leaves_it_to_the_reporter() {
    let next = Some(NextHop { carrier: "c-US".into(), country: "US".into() });
    for (strategy, forwards) in [(Strategy::Relay, true), (Strategy::Hub, false)] {
        let mut de = requested_node("DE", 7 * DAY_MS, next.clone(), strategy);
        let first = de.handle(SimTime::ZERO, request("DE", SimTime::ZERO));
        let outputs = run_timers(&mut de, first);
        let to_us = sent(&outputs).iter().filter(|(_, to, what)| to == "US" && *what == "preservation request").count();
        assert_eq!(to_us, usize::from(forwards), "{strategy:?}");
        let forwarded_flag = outputs
            .iter()
            .any(|(_, o)| matches!(o, Output::Send(Envelope { body: Body::Disclosure { forwarded: true, .. }, .. })));
        assert_eq!(forwarded_flag, forwards, "{strategy:?}");
    }
}

#[test]
fn simultaneous_messages_run_in_sender_order_whatever_order_they_were_delivered() {
    let make = || {
        // Two requests for different hops from two senders, both due at 1 h.
        NodeRuntime::new(requested_config("DE", 7 * DAY_MS, 2, None, Strategy::Hub))
    };
    let envelope = |from: &str, hop| Envelope {
        from: from.into(),
        to: "DE".into(),
        sequence: 0,
        sent_at: SimTime(HOUR_MS - 5 * MINUTE_MS),
        deliver_at: SimTime(HOUR_MS),
        incident: "i".into(),
        hop,
        body: Body::PreservationRequest {
            carrier: "c-DE".into(),
            reporting_country: from.into(),
            languages: Vec::new(),
            offence: None,
            emergency: false,
            timestamp_error: false,
            defect: false,
            batch: None,
            to_provider: false,
        },
    };
    let mut a = make();
    a.deliver(envelope("FR", 0)).unwrap();
    a.deliver(envelope("US", 1)).unwrap();
    let mut b = make();
    b.deliver(envelope("US", 1)).unwrap();
    b.deliver(envelope("FR", 0)).unwrap();
    let (a, b) = (a.advance(SimTime(10 * DAY_MS)), b.advance(SimTime(10 * DAY_MS)));
    assert_eq!(a.events, b.events);
    assert_eq!(a.sent, b.sent);
    assert!(!a.events.is_empty());
}

#[test]
fn delivery_rejects_unknown_carriers_messages_from_the_past_and_duplicates() {
    let mut node = NodeRuntime::new(requested_config("DE", DAY_MS, 1, None, Strategy::Hub));
    let Input::Message(good) = request("DE", SimTime(HOUR_MS)) else { unreachable!() };
    let mut unknown = good.clone();
    unknown.body = Body::PreservationRequest {
        carrier: "nope".into(),
        reporting_country: "FR".into(),
        languages: Vec::new(),
        offence: None,
        emergency: false,
        timestamp_error: false,
        defect: false,
        batch: None,
        to_provider: false,
    };
    assert_eq!(node.deliver(unknown).unwrap_err().field(), "preservation_request.carrier");
    let mut too_fast = good.clone();
    too_fast.sent_at = too_fast.deliver_at;
    assert_eq!(node.deliver(too_fast).unwrap_err().field(), "deliver_at_ms");
    node.deliver(good.clone()).unwrap();
    assert!(matches!(node.deliver(good.clone()), Err(DeliveryError::DuplicateRequest { .. })));
    node.advance(SimTime(2 * HOUR_MS));
    let mut late = good;
    late.hop = 1;
    assert!(matches!(node.deliver(late), Err(DeliveryError::InThePast { .. })));
}

/// Delivery lets a message that follows a request overtake it when the
/// request is already queued; taken up first, it finds no case and must do
/// nothing, never panic (a crafted Deliver can order them so).
#[test]
fn follow_up_messages_taken_up_before_their_request_do_nothing() {
    for body in [
        Body::ProductionRequest { channel: crate::ProductionChannel::Art7 },
        Body::ProductionRequest { channel: crate::ProductionChannel::Mla },
        Body::Clarified,
        Body::HoldRenewal,
    ] {
        let mut config = requested_config("DE", DAY_MS, 1, None, Strategy::Hub);
        config.country.disclosure = crate::country::Art30::MlaOnly;
        let mut node = NodeRuntime::new(config);
        let Input::Message(preserve) = request("DE", SimTime(2 * HOUR_MS)) else { unreachable!() };
        let mut early = preserve.clone();
        early.sent_at = SimTime(HOUR_MS - 5 * MINUTE_MS);
        early.deliver_at = SimTime(HOUR_MS);
        early.sequence = 1;
        early.body = body.clone();
        node.deliver(preserve).unwrap();
        node.deliver(early).unwrap();
        let outcome = node.advance(SimTime(30 * DAY_MS));
        assert!(
            outcome.events.iter().any(|e| matches!(e.kind, EventKind::PreservationOrdered { .. })),
            "{body:?}: the request itself still goes its way"
        );
    }
}

/// Logs are deleted at communication + retention: an order the carrier
/// takes at that very instant finds them gone, one taken a millisecond
/// before keeps them. Finding them gone takes no preservation time: the
/// carrier answers when it acts on the order, so a stopped trace's time
/// holds no delay that never happened.
#[test]
fn logs_are_gone_at_the_instant_of_deletion_and_the_carrier_says_so_at_once() {
    let retention = 3 * DAY_MS;
    let handling = 10 * MINUTE_MS;
    let outcome = |arrival: SimTime| {
        let mut de = requested_node("DE", retention, None, Strategy::Hub);
        let first = de.handle(arrival, request("DE", arrival));
        run_timers(&mut de, first)
    };
    let at_deletion = outcome(SimTime(retention - handling));
    let expired = at_deletion.iter().find_map(|(at, o)| match o {
        Output::Record(Event { kind: EventKind::LogsExpired { .. }, .. }) => Some(*at),
        _ => None,
    });
    assert_eq!(expired, Some(SimTime(retention)), "gone at the deletion instant, said at once: {at_deletion:#?}");
    let result = sent(&at_deletion).into_iter().find(|(_, _, what)| *what == "preservation result").map(|(at, ..)| at);
    assert_eq!(result, Some(SimTime(retention)), "no 2 h preservation delay for logs that are gone");

    let just_before = outcome(SimTime(retention - handling - 1));
    assert!(
        just_before.iter().any(|(_, o)| matches!(o, Output::Record(Event { kind: EventKind::Preserved { .. }, .. }))),
        "a millisecond earlier the logs are kept"
    );
}
