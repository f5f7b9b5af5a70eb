//! The law as the network practises it: the network's job ends at the origin
//! found and its data held; the subscriber is identified later, through a
//! production channel with its own eligibility and clock. One small world,
//! fixed delays, one change at a time.

use pocnet_coordinator::latency::Measure;
use pocnet_coordinator::report::{self, IncidentReport, Stage, TraceResult};
use pocnet_coordinator::scenario::Scenario;
use pocnet_node::{EventKind, ProductionChannel};

const H: i64 = 3_600_000;
const D: i64 = 24 * H;

/// FR reports a communication whose origin is a subscriber of DE's carrier.
struct World<'a> {
    communication: &'a str,
    goals: &'a str,
    fr: &'a str,
    de: &'a str,
    incident: &'a str,
    chain: &'a str,
    instruments: &'a str,
    carrier: &'a str,
    /// How long DE's carrier keeps its logs.
    retention: &'a str,
}

const BASE: World<'static> = World {
    communication: "2026-09-08T10:00:00Z",
    goals: "eu-e-evidence",
    fr: "mla_preparation = \"20d\"",
    de: "",
    incident: "",
    chain: "\"de\"",
    instruments: "",
    carrier: "",
    retention: "90d",
};

impl World<'_> {
    fn scenario(&self) -> Scenario {
        Scenario::parse("law.toml", &self.text()).unwrap_or_else(|e| panic!("{e:?}"))
    }

    fn text(&self) -> String {
        let World { communication, goals, fr, de, incident, chain, instruments, carrier, retention } = self;
        format!(
            r#"
[scenario]
name = "law"
epoch = "2026-01-05T00:00:00Z"
seed = 3
goals = "{goals}"

[network]
min_message_delay = "1m"
message_delay = "10m"

[instruments.epoc]
preparation = "1d"
response = "4d"
{instruments}

[countries.FR]
name = "France"
time_zone = "UTC"
staffing = "24/7"
acknowledgement = "30m"
{fr}

[countries.DE]
name = "Germany"
time_zone = "UTC"
staffing = "24/7"
acknowledgement = "30m"
preservation_order = "0s"
mla_execution = "200d"
{de}

[carriers.de]
country = "DE"
kind = "access-isp"
retention = "{retention}"
preservation = "2h"
disclosure = "10h"
emergency_response = "3h"
{carrier}

[carriers.fr]
country = "FR"
kind = "access-isp"
retention = "90d"
preservation = "2h"
disclosure = "10h"

[[incidents]]
id = "i"
reported_by = "FR"
communication = "{communication}"
detection = "0s"
chain = [{chain}]
{incident}
"#
        )
    }

    /// 200 replications in process, merged into the statistics.
    fn replicated(&self) -> pocnet_coordinator::analysis::Aggregate {
        let options = pocnet_coordinator::replication::Options {
            replications: 200,
            threads: 2,
            progress: false,
            horizon_ms: pocnet_coordinator::analysis::DEFAULT_HORIZON_MS,
        };
        pocnet_coordinator::replication::aggregate(&self.scenario(), 3, &options).unwrap()
    }

    /// The incident's report and the kinds of event its run recorded.
    fn run(&self) -> (IncidentReport, Vec<EventKind>) {
        let scenario = self.scenario();
        let log = crate::support::run_both(&scenario, scenario.seed);
        let incident = report::incident_reports(&scenario, &log.events).remove(0);
        (incident, log.events.into_iter().map(|e| e.kind).collect())
    }
}

fn production_goal(incident: &IncidentReport) -> Option<bool> {
    incident.hops[0].goals.iter().find(|g| g.measure == Measure::Production).map(|g| g.met)
}

const BOUND: &str = "e_evidence = true";

#[test]
fn the_origin_is_preserved_in_hours_and_its_subscriber_identified_by_mla_months_later() {
    let (incident, events) = BASE.run();
    assert_eq!(incident.trace.result, TraceResult::OriginPreserved);
    let preserved_after = incident.trace.since_report_ms.unwrap();
    assert!(preserved_after < D, "the network's job takes hours: {preserved_after}");
    let subscriber = incident.subscriber.as_ref().expect("produced under the MLA request");
    assert_eq!(subscriber.channel, ProductionChannel::Mla);
    assert!(subscriber.usable);
    // 20 days to prepare the request and 200 to execute it, after the hold began.
    assert!(subscriber.since_report_ms.unwrap() > 220 * D, "{subscriber:?}");
    assert!(events.iter().any(|k| matches!(k, EventKind::ProductionRequested { channel: ProductionChannel::Mla, .. })));
    // The e-Evidence production target is measured on orders only: this request went by MLA.
    assert_eq!(production_goal(&incident), None);
}

#[test]
fn between_bound_member_states_a_production_order_answers_in_days() {
    let world = World { fr: BOUND, de: BOUND, ..BASE };
    let (incident, _) = world.run();
    let subscriber = incident.subscriber.as_ref().expect("produced under the order");
    assert_eq!(subscriber.channel, ProductionChannel::Epoc);
    // Preserved and answered within half a day, one day to issue, four to answer.
    let after = subscriber.since_report_ms.unwrap();
    assert!((5 * D..6 * D).contains(&after), "{after}");
    assert_eq!(production_goal(&incident), Some(true), "4 days against the 10-day target");
}

#[test]
fn no_production_order_before_the_regulation_applies_or_with_an_unbound_country() {
    let before = World { fr: BOUND, de: BOUND, communication: "2026-05-05T10:00:00Z", ..BASE };
    assert_eq!(before.run().0.subscriber.unwrap().channel, ProductionChannel::Mla, "before 18 Aug 2026");
    let one_bound = World { fr: BOUND, ..BASE };
    assert_eq!(one_bound.run().0.subscriber.unwrap().channel, ProductionChannel::Mla, "DE not bound");
    // A scenario may set when the Regulation applies.
    let earlier = World {
        fr: BOUND,
        de: BOUND,
        communication: "2026-05-05T10:00:00Z",
        instruments: "in_force = \"2026-03-01T00:00:00Z\"",
        ..BASE
    };
    assert_eq!(earlier.run().0.subscriber.unwrap().channel, ProductionChannel::Epoc);
}

#[test]
fn an_emergency_ends_in_disclosure_to_the_requester_without_hold_or_mla() {
    let world = World { incident: "urgency = \"emergency\"", ..BASE };
    let (incident, events) = world.run();
    let subscriber = incident.subscriber.as_ref().expect("disclosed in the emergency");
    assert_eq!(subscriber.channel, ProductionChannel::Emergency);
    assert!(subscriber.since_report_ms.unwrap() < 12 * H, "{subscriber:?}");
    assert!(!events.iter().any(|k| matches!(k, EventKind::ProductionRequested { .. })), "no MLA cycle");
    let measured: Vec<Measure> = incident.hops[0].goals.iter().map(|g| g.measure).collect();
    assert!(!measured.contains(&Measure::Hold), "no hold to keep: {measured:?}");
}

/// Many Parties cannot compel disclosure to a foreign State without an
/// urgent MLA request (Art. 25(3)): preservation at once, disclosure when the
/// request is executed; the Second Protocol's Art. 9, once in force between
/// the two, lets the point of contact have it disclosed at once.
#[test]
fn an_emergency_to_an_urgent_mla_country_waits_for_the_urgent_request() {
    let urgent =
        "emergency_disclosure = \"urgent_mla\"\nurgent_mla = \"5d\"\nart30 = \"order\"\ndisclosure_order = \"1d\"";
    let world = World { incident: "urgency = \"emergency\"", de: urgent, ..BASE };
    let (incident, events) = world.run();
    let subscriber = incident.subscriber.as_ref().expect("disclosed on the urgent request");
    assert_eq!(subscriber.channel, ProductionChannel::UrgentMla);
    assert!(subscriber.instrument().contains("Art. 25(3)"));
    let after = subscriber.since_report_ms.unwrap();
    // The origin found once the judge's order (1 day) and the carrier's
    // disclosure (10 hours) are through; the urgent request executed five days on.
    assert!((6 * D..7 * D).contains(&after), "{after}");
    let hop = &incident.hops[0];
    assert!(
        hop.preserved_ms.get().unwrap() - hop.request_received_ms.get().unwrap() < 12 * H,
        "preservation is not delayed"
    );
    // No emergency shortcut past the judge's Art. 30 order: a day before disclosure.
    assert!(incident.hops[0].span(Stage::Disclosure).unwrap() > D, "{:?}", incident.hops[0]);
    assert!(!events.iter().any(|k| matches!(k, EventKind::ProductionRequested { .. })), "no ordinary MLA cycle");
    // Between Second Protocol Parties in force, Art. 9 discloses at once.
    let parties = World {
        fr: "second_protocol = true",
        de: &format!("{urgent}\nsecond_protocol = true"),
        instruments: PROTOCOL_IN_FORCE,
        ..world
    };
    let subscriber = parties.run().0.subscriber.expect("disclosed under Art. 9");
    assert_eq!(subscriber.channel, ProductionChannel::Emergency);
    assert!(subscriber.since_report_ms.unwrap() < 12 * H, "{subscriber:?}");
    // A mistaken key is located.
    let stray = World { de: "urgent_mla = \"5d\"", ..BASE }.text();
    let error = format!("{:?}", Scenario::parse("law.toml", &stray).unwrap_err());
    assert!(error.contains("`urgent_mla` applies only where emergency_disclosure"), "{error}");
}

/// An MLA request must reach the requested State in a language it takes:
/// from a requester writing in none, its certified translation comes first.
#[test]
fn an_mla_request_in_no_language_the_requested_state_takes_waits_for_its_translation() {
    let subscriber_after = |de_languages: &str| {
        let de = format!("languages = [{de_languages}]\ntranslation = \"0s\"\nmla_translation = \"10d\"");
        let world = World { fr: "languages = [\"fr\"]\nmla_preparation = \"20d\"", de: &de, ..BASE };
        world.run().0.subscriber.expect("identified").since_report_ms.unwrap()
    };
    let reads_french = subscriber_after("\"de\", \"fr\"");
    let german_only = subscriber_after("\"de\"");
    assert_eq!(german_only - reads_french, 10 * D, "the certified translation, before execution");
}

/// Action Plan 8's written confirmation is scored where the G8 network's
/// procedure governs a request, not between two Budapest Parties; and a
/// Party that discloses only on MLA is said to depart from Art. 30.
#[test]
fn the_written_confirmation_goal_and_art30_mla_only_follow_the_convention() {
    let confirmation_scored = |world: &World| {
        let incident = world.run().0;
        incident.hops[0].goals.iter().any(|g| g.measure == Measure::WrittenConfirmation)
    };
    let parties = World { goals: "action-plan-1997", ..BASE };
    assert!(!confirmation_scored(&parties), "between Budapest Parties");
    let g8_only = World { de: "networks = { g7 = 1998 }", ..parties };
    assert!(confirmation_scored(&g8_only), "under the G8 network's procedure");
    let output = crate::support::pocnet(&["check", "scenarios/legal-routes.toml"]);
    let stdout = crate::support::text(&output.stdout);
    assert!(stdout.contains("legal-routes.toml:87:12: CH is a Budapest Party with art30 = \"mla_only\""), "{stdout}");
    assert!(stdout.contains("the scenario models a Party not complying"), "{stdout}");
}

#[test]
fn an_emergency_production_order_between_bound_states_is_answered_in_hours() {
    let world = World { fr: BOUND, de: BOUND, incident: "urgency = \"emergency\"", ..BASE };
    let (incident, events) = world.run();
    let subscriber = incident.subscriber.as_ref().expect("produced under the emergency order");
    assert_eq!(subscriber.channel, ProductionChannel::Epoc);
    assert!(subscriber.since_report_ms.unwrap() < 12 * H, "hours, not the 299 days of MLA: {subscriber:?}");
    assert!(!events.iter().any(|k| matches!(k, EventKind::ProductionRequested { .. })));
    assert_eq!(production_goal(&incident), Some(true), "the 8-hour emergency target");
}

#[test]
fn a_production_request_after_the_hold_expired_identifies_nobody() {
    // 70 days to prepare the MLA request; the data is held 60.
    let world = World { fr: "mla_preparation = \"70d\"", goals: "budapest", ..BASE };
    let (incident, _) = world.run();
    assert_eq!(incident.trace.result, TraceResult::OriginPreserved, "the network did its job");
    assert!(incident.subscriber.is_none(), "the data was released before the request arrived");
    let scenario = world.scenario();
    let log = crate::support::run_both(&scenario, scenario.seed);
    let text = report::Report::build(&scenario, &log).render_text(&scenario);
    assert!(
        text.contains("SUBSCRIBER NOT IDENTIFIED: the production request arrived after the hold expired"),
        "{text}"
    );
    // The late MLA is the requester's (Budapest Arts. 29(2)(f), 29(7)): France
    // is charged the missed deadline, not Germany, which kept the data 60 days.
    let mut aggregate = pocnet_coordinator::analysis::Aggregate::new();
    aggregate.add(&scenario, 0, &report::incident_reports(&scenario, &log.events));
    let (fr, de) = (pocnet_node::CountryCode::from("FR"), pocnet_node::CountryCode::from("DE"));
    let charged = |country: &pocnet_node::CountryCode| {
        aggregate.goals_by_country.get(country).and_then(|g| g.get(&Measure::MlaBeforeHoldExpiry)).map(|t| (t.s, t.t))
    };
    assert_eq!(charged(&fr), Some((0, 1)), "the requesting country missed it");
    assert_eq!(charged(&de), None, "the holding country kept its hold");
    assert_eq!(aggregate.holds_expired_before_mla.get(&fr), Some(&1));
    assert!(!aggregate.holds_expired_before_mla.contains_key(&de));
}

#[test]
fn the_reporting_country_s_own_carrier_names_its_subscriber_under_a_domestic_order() {
    let (incident, _) = World { chain: "\"fr\"", ..BASE }.run();
    let subscriber = incident.subscriber.as_ref().expect("a domestic order");
    assert_eq!(subscriber.channel, ProductionChannel::Domestic);
    assert_eq!(Some(subscriber.at_ms), incident.trace.at_ms);
}

/// `pocnet check` warns where a valid scenario uses an instrument before it
/// applies, binds too few countries, or measures a goal on a channel no
/// request can take.
#[test]
fn check_warns_about_instruments_out_of_force_and_goals_on_unused_channels() {
    let warnings_of = |world: &World| {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("law.toml");
        std::fs::write(&path, world.text()).unwrap();
        let output = crate::support::pocnet(&["check", path.to_str().unwrap()]);
        assert!(output.status.success(), "{}", crate::support::text(&output.stderr));
        crate::support::text(&output.stdout)
            .lines()
            .filter(|l| l.contains("warning:"))
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    let unbound = warnings_of(&BASE);
    assert!(unbound.iter().any(|w| w.contains("measures production by EPOC")), "{unbound:?}");
    let bound = warnings_of(&World { fr: BOUND, de: BOUND, ..BASE });
    assert_eq!(bound.len(), 1, "{bound:?}");
    assert!(bound[0].contains("no country catalogue is included"), "{bound:?}");
    let alone = warnings_of(&World { fr: BOUND, ..BASE });
    assert!(alone.iter().any(|w| w.contains("only FR is `e_evidence`")), "{alone:?}");
    let early = warnings_of(&World { fr: BOUND, de: BOUND, communication: "2026-05-05T10:00:00Z", ..BASE });
    assert!(early.iter().any(|w| w.contains("applies from 2026-08-18, after every incident")), "{early:?}");
    let parties = World { fr: "second_protocol = true", de: "second_protocol = true", goals: "budapest", ..BASE };
    let protocol = warnings_of(&parties);
    assert!(protocol.iter().any(|w| w.contains("is not in force") && w.contains("use MLA")), "{protocol:?}");
    let future = warnings_of(&World { instruments: PROTOCOL_IN_FORCE, ..parties });
    assert!(future.iter().any(|w| w.contains("in force from 2026-01-01 in this scenario")), "{future:?}");
    let unused = warnings_of(&World { goals: "second-protocol", ..parties });
    assert!(unused.iter().any(|w| w.contains("production by Art. 8 order, which no request")), "{unused:?}");
}

/// The share of 24/7 desks has no public figure, so it is swept: on the
/// weekend trail, whose Greek office-hours desk sits on the request over the
/// weekend, doubling the share staffs it around the clock and the trace survives.
#[test]
fn the_share_of_24_7_desks_is_swept_and_decides_the_weekend_trail() {
    use pocnet_coordinator::sensitivity::Assumption;
    use pocnet_node::Staffing;
    let scenario = crate::support::load("weekend-trail.toml");
    let around_the_clock = |s: &Scenario| {
        s.countries.values().filter(|c| c.member && matches!(c.staffing, Staffing::AroundTheClock)).count()
    };
    let members = scenario.countries.values().filter(|c| c.member).count();
    let today = around_the_clock(&scenario);
    assert!(today < members, "the weekend trail has an office-hours desk");
    let doubled = Assumption::AroundTheClockShare.scale(&scenario, 2.0);
    assert_eq!(around_the_clock(&doubled), (2 * today).min(members));
    let halved = Assumption::AroundTheClockShare.scale(&scenario, 0.5);
    assert_eq!(around_the_clock(&halved), (today as f64 / 2.0).round() as usize);
    assert!(Assumption::resting_on(&scenario).contains(&Assumption::AroundTheClockShare));
    assert!(!Assumption::resting_on(&scenario).contains(&Assumption::DisclosureOrder), "no art30 = \"order\" desk");

    let survival = |s: &Scenario| {
        let options = pocnet_coordinator::replication::Options {
            replications: 20,
            threads: 2,
            progress: false,
            horizon_ms: pocnet_coordinator::analysis::DEFAULT_HORIZON_MS,
        };
        pocnet_coordinator::replication::aggregate(s, 7, &options).unwrap().traces.share()
    };
    assert_eq!(survival(&scenario), Some(0.0));
    assert_eq!(survival(&doubled), Some(1.0), "every desk 24/7: the request is taken before the logs go");
}

/// The requesting desk is bound too (Action Plan 1, Art. 35): the weekend
/// trail's office-hours Greek desk sits on its first request over the
/// weekend. The requested desks' acknowledgement compliance cannot show it;
/// the requesting-side goals do, charged to Greece.
#[test]
fn requesting_side_goals_hold_the_requesting_desk_to_account() {
    use pocnet_coordinator::analysis::Aggregate;
    let goals_of = |file: &str| {
        let scenario = crate::support::load(file);
        let log = crate::support::run_both(&scenario, scenario.seed);
        let incidents = report::incident_reports(&scenario, &log.events);
        let mut aggregate = Aggregate::new();
        aggregate.add(&scenario, 0, &incidents);
        aggregate
    };
    let office_hours = goals_of("weekend-trail.toml");
    let always_on = goals_of("weekend-trail-24-7.toml");
    let first = |a: &Aggregate| a.goals[&Measure::FirstRequest].total();
    assert_eq!((first(&office_hours).successes, first(&office_hours).trials), (0, 1), "a weekend on the desk");
    assert_eq!((first(&always_on).successes, first(&always_on).trials), (1, 1));
    let acknowledged = |a: &Aggregate| a.goals[&Measure::Acknowledgement].total();
    assert_eq!(
        acknowledged(&office_hours).successes,
        acknowledged(&office_hours).trials,
        "requested desks answer in time"
    );
    let greece = &office_hours.goals_by_country[&pocnet_node::CountryCode::from("GR")];
    assert_eq!(greece[&Measure::FirstRequest].t, 1, "charged to the requesting country");
    assert!(!greece.contains_key(&Measure::Acknowledgement), "Greece is asked nothing in this trace");
}

/// Art. 30 per country: the judicial gate sits before disclosure, where the
/// law puts it, not before preservation; and where only an MLA request opens
/// the traffic data, the trace waits for its execution.
#[test]
fn art30_regimes_gate_the_disclosure_not_the_preservation() {
    let direct = BASE.run().0;
    let ordered = World { de: "art30 = \"order\"\ndisclosure_order = \"2d\"", ..BASE }.run().0;
    let (d, o) = (&direct.hops[0], &ordered.hops[0]);
    assert_eq!((o.acknowledged_ms, o.preserved_ms), (d.acknowledged_ms, d.preserved_ms), "preservation is not gated");
    assert_eq!(
        o.disclosed_ms.get().unwrap() - d.disclosed_ms.get().unwrap(),
        2 * D,
        "the order comes before disclosure"
    );

    let mla_only = World { de: "art30 = \"mla_only\"", ..BASE }.run().0;
    assert_eq!(mla_only.trace.result, TraceResult::OriginPreserved);
    let found_after = mla_only.trace.since_report_ms.unwrap();
    assert!(found_after > 200 * D, "the origin is known only once the MLA request is executed: {found_after}");
    assert_eq!(mla_only.subscriber.as_ref().map(|s| s.at_ms), mla_only.trace.at_ms);

    // The MLA request prepared in 70 days reaches a hold of 60: the data is released unread.
    let lapsed = World { de: "art30 = \"mla_only\"", fr: "mla_preparation = \"70d\"", ..BASE };
    let incident = lapsed.run().0;
    assert_eq!(incident.trace.result, TraceResult::Stopped);
    assert_eq!(incident.hops[0].outcome, pocnet_coordinator::report::HopOutcome::HoldLapsed);
    assert!(incident.trace.reason.contains("only on an MLA request"), "{}", incident.trace.reason);
    // The analysis places the death and tiles the stopped trace.
    let mut aggregate = pocnet_coordinator::analysis::Aggregate::new();
    aggregate.add(&lapsed.scenario(), 0, std::slice::from_ref(&incident));
    assert!(aggregate.deaths.keys().any(|(_, _, cause)| *cause == pocnet_coordinator::analysis::Cause::HoldLapsed));
}

/// `pocnet sensitivity` ranks first the parameter a scenario is built to
/// depend on: a second hop keeping its logs two days, reached only after the
/// first carrier's disclosure (a day and a half at the median); every other
/// delay is small beside that margin.
#[test]
fn sensitivity_ranks_the_parameter_the_outcome_hangs_on_first() {
    use pocnet_coordinator::replication::{self, Options};
    use pocnet_coordinator::sensitivity::{Assumption, Metric, Sensitivity};
    let text = r#"
[scenario]
name = "disclosure decides"
epoch = "2026-03-02T00:00:00Z"
seed = 11

[network]
min_message_delay = "1m"
message_delay = "5m"

[countries.FR]
name = "France"
time_zone = "UTC"
staffing = "24/7"
acknowledgement = "10m"

[countries.DE]
name = "Germany"
time_zone = "UTC"
staffing = "24/7"
acknowledgement = "10m"

[countries.US]
name = "United States"
time_zone = "UTC"
staffing = "24/7"
acknowledgement = "10m"

[carriers.de]
country = "DE"
kind = "hosting"
retention = "90d"
preservation = "30m"
disclosure = { median = "36h", p90 = "48h" }

[carriers.us]
country = "US"
kind = "access-isp"
retention = "2d"
preservation = "30m"
disclosure = "1h"

[[incidents]]
id = "i"
reported_by = "FR"
communication = "2026-03-03T10:00:00Z"
detection = "0s"
chain = ["de", "us"]
"#;
    let scenario = Scenario::parse("sensitivity.toml", text).unwrap();
    let options = Options {
        replications: 60,
        threads: 2,
        progress: false,
        horizon_ms: pocnet_coordinator::analysis::DEFAULT_HORIZON_MS,
    };
    let run = |s: &Scenario| replication::aggregate(s, 11, &options).unwrap();
    let baseline = run(&scenario);
    use pocnet_coordinator::drivers::Parameter;
    let outcomes = |s: &Scenario| run(s).per_replication;
    let variants: Vec<_> = Assumption::ALL
        .iter()
        .map(|&a| (Parameter::Assumed(a), outcomes(&a.scale(&scenario, 0.5)), outcomes(&a.scale(&scenario, 2.0))))
        .collect();
    let network = pocnet_coordinator::intervals::IntervalKind::Network;
    let ranking = Sensitivity::build(&scenario, 11, 2.0, network, &baseline, &variants);
    let first = &ranking.parameters[0];
    assert_eq!(first.parameter, Parameter::Assumed(Assumption::CarrierDisclosure), "{}", ranking.render_text());
    let survival = &first.effects[0];
    assert_eq!(survival.outcome, Metric::OriginPreserved);
    let doubled = survival.high.as_ref().unwrap();
    assert!(
        doubled.significant == Some(true) && doubled.mean < -0.5,
        "doubling the disclosure delay loses the trace: {doubled:?}"
    );
    // A parameter with nothing to act on (no translation needed, no emergency) moves nothing.
    let idle = ranking.parameters.iter().find(|p| p.parameter == Parameter::Assumed(Assumption::Translation)).unwrap();
    assert!(idle.effects.iter().all(|e| e.swing() == 0.0));
}

/// Only the State with the case asks (Art. 29(2)(f)): forwarding on another's
/// behalf is an informal referral, and an MLA request resting on it is flagged.
#[test]
fn relay_is_an_informal_referral_whose_mla_is_flagged_as_a_defect() {
    let mut scenario = crate::support::load("weekend-trail.toml");
    let hub = report::incident_reports(&scenario, &crate::support::run_both(&scenario, 1).events).remove(0);
    assert!(hub.defects.is_empty() && hub.hops.iter().all(|h| !h.informal_referral));
    scenario.strategy = pocnet_node::Strategy::Relay;
    let relay = report::incident_reports(&scenario, &crate::support::run_both(&scenario, 1).events).remove(0);
    assert!(relay.hops.iter().any(|h| h.informal_referral), "hops asked by a country other than the reporter");
    assert!(!relay.hops[0].informal_referral, "the reporter's own request is not a referral");
    assert!(
        relay.defects.iter().any(|d| d.contains("informal referral") && d.contains("Art. 29(2)(f)")),
        "{:?}",
        relay.defects
    );
    // What the MLA yields rests on the referral: not usable until
    // regularised, and the report says how.
    if let Some(found) = &relay.subscriber {
        assert!(!found.usable, "{found:?}");
        assert!(found.unusable_because.as_deref().is_some_and(|w| w.contains("regularise")), "{found:?}");
    }
    // `compare` shows the defect beside the identifications it would taint.
    let output = crate::support::pocnet(&[
        "compare",
        "scenarios/hub-vs-relay.toml",
        "--vary",
        "strategy=hub,relay",
        "--replications",
        "10",
    ]);
    let said = crate::support::text(&output.stdout);
    assert!(output.status.success() && said.contains("With a legal defect"), "{said}");
    let relay_usable = said
        .lines()
        .skip_while(|l| !l.starts_with("Subscriber identified, usable as evidence"))
        .find(|l| l.trim_start().starts_with("strategy=relay"))
        .unwrap_or_default()
        .to_owned();
    assert!(relay_usable.contains(" 0.0%"), "relay identifies nobody usable: {said}");
}

/// The Second Protocol in force between FR and DE from 1 January 2026 (it
/// is not in force today: a scenario must say when it would be).
const PROTOCOL_IN_FORCE: &str = "[instruments.second_protocol]\nin_force = \"2026-01-01T00:00:00Z\"";

/// Second Protocol Art. 7 yields subscriber information only, at the origin,
/// between parties: preservation still goes through the points of contact,
/// and 30 days without an answer turn the requester to Art. 8.
#[test]
fn art7_asks_the_provider_for_the_origin_s_subscriber_only() {
    const PARTY: &str = "second_protocol = true\nmla_preparation = \"20d\"";
    let parties = World {
        fr: PARTY,
        de: "second_protocol = true",
        carrier: "direct_response = \"5d\"",
        instruments: PROTOCOL_IN_FORCE,
        ..BASE
    };
    let (incident, events) = parties.run();
    let hop = &incident.hops[0];
    assert!(hop.acknowledged_ms.is_some(), "preservation went through the requested desk");
    let subscriber = incident.subscriber.as_ref().expect("answered under Art. 7");
    assert_eq!(subscriber.channel, ProductionChannel::Art7);
    assert!(subscriber.since_report_ms.unwrap() < 7 * D, "days, not the months of MLA: {subscriber:?}");
    assert!(
        !events.iter().any(|k| matches!(k, EventKind::ProductionRequested { channel: ProductionChannel::Mla, .. }))
    );

    let not_in_force = World { instruments: "", ..parties };
    assert_eq!(not_in_force.run().0.subscriber.unwrap().channel, ProductionChannel::Mla, "not in force");
    let one_party = World { de: "", ..parties };
    assert_eq!(one_party.run().0.subscriber.unwrap().channel, ProductionChannel::Mla, "DE is not a party");
    let emergency = World { incident: "urgency = \"emergency\"", ..parties };
    assert_eq!(emergency.run().0.subscriber.unwrap().channel, ProductionChannel::Emergency, "emergencies use Art. 9");

    // The provider takes 40 days: after 30 the requester prepares an Art. 8 order.
    let slow = World { carrier: "direct_response = \"40d\"", ..parties };
    let (incident, events) = slow.run();
    let requested: Vec<ProductionChannel> = events
        .iter()
        .filter_map(|k| match k {
            EventKind::ProductionRequested { channel, .. } => Some(*channel),
            _ => None,
        })
        .collect();
    assert_eq!(requested, [ProductionChannel::Art7, ProductionChannel::Art8], "Art. 8 follows as the fallback");
    assert_eq!(incident.subscriber.unwrap().channel, ProductionChannel::Art7, "the late answer still comes first");
}

/// Who held an address at an instant is read from the provider's
/// assignment log: an Art. 7 order answered on day 20, when the log was
/// deleted on day 7 and the hold lapsed on day 10, identifies nobody; the
/// same order answered while the hold runs, or the log is still kept, does.
#[test]
fn an_art7_answer_needs_the_assignment_log_still_there() {
    let parties = World {
        fr: "second_protocol = true\nmla_preparation = \"20d\"",
        de: "second_protocol = true\nhold = \"10d\"",
        carrier: "direct_response = \"20d\"",
        instruments: PROTOCOL_IN_FORCE,
        retention: "7d",
        ..BASE
    };
    let (incident, events) = parties.run();
    assert_eq!(incident.trace.result, TraceResult::OriginPreserved, "preserved within the week");
    assert!(
        events.iter().any(|k| matches!(k, EventKind::ProductionRequested { channel: ProductionChannel::Art7, .. })),
        "asked under Art. 7"
    );
    assert!(incident.subscriber.is_none(), "answered after the log and the hold were gone: {:?}", incident.subscriber);
    let answered_in_the_hold = World { carrier: "direct_response = \"5d\"", ..parties };
    assert_eq!(answered_in_the_hold.run().0.subscriber.map(|s| s.channel), Some(ProductionChannel::Art7));
    let log_still_kept = World { retention: "90d", ..parties };
    assert_eq!(log_still_kept.run().0.subscriber.map(|s| s.channel), Some(ProductionChannel::Art7));
}

/// Second Protocol Art. 8: where no Art. 7 order can ask (here DE classes an
/// IP assignment as traffic data), the origin's subscriber is asked State to
/// State; DE serves the order and its provider answers, on the Protocol's
/// clock and measured by the second-protocol profile's 20-day target.
#[test]
fn art8_asks_state_to_state_on_the_protocol_s_clock() {
    let instruments = format!("{PROTOCOL_IN_FORCE}\nart8_service = \"3d\"\nart8_return = \"10d\"");
    let world = World {
        goals: "second-protocol",
        fr: "second_protocol = true\nmla_preparation = \"20d\"",
        de: "second_protocol = true\nip_assignment = \"traffic\"",
        instruments: &instruments,
        ..BASE
    };
    let (incident, _) = world.run();
    let subscriber = incident.subscriber.as_ref().expect("produced under the Art. 8 order");
    assert_eq!(subscriber.channel, ProductionChannel::Art8);
    assert!(subscriber.usable);
    // 20 days to prepare, 3 to serve, 10 to answer, after the hold began: not DE's 200-day MLA.
    let after = subscriber.since_report_ms.unwrap();
    assert!((33 * D..34 * D).contains(&after), "{after}");
    assert_eq!(production_goal(&incident), Some(true), "13 days against the 20-day target");

    let slow = format!("{PROTOCOL_IN_FORCE}\nart8_service = \"30d\"\nart8_return = \"10d\"");
    let (incident, _) = World { instruments: &slow, ..world }.run();
    assert_eq!(production_goal(&incident), Some(false), "served in 30 days, answered in 40");
    let (incident, _) = World { instruments: "", ..world }.run();
    assert_eq!(incident.subscriber.as_ref().unwrap().channel, ProductionChannel::Mla, "not in force: MLA");
    assert_eq!(production_goal(&incident), None, "the Art. 8 target is not measured on MLA");
}

/// A provider that takes foreign authorities' direct requests answers the
/// origin's subscriber by its own policy, in days; where it declines, the
/// requester turns to MLA after 30 days. Where a production order can ask,
/// the requester uses the order, not the provider's goodwill.
#[test]
fn a_provider_s_voluntary_disclosure_answers_in_days_and_mla_follows_a_decline() {
    let world = World { carrier: "voluntary_disclosure = 1.0\ndirect_response = \"4d\"", ..BASE };
    let (incident, events) = world.run();
    let subscriber = incident.subscriber.as_ref().expect("disclosed voluntarily");
    assert_eq!(subscriber.channel, ProductionChannel::Voluntary);
    assert!(subscriber.usable);
    assert!(subscriber.since_report_ms.unwrap() < 6 * D, "{subscriber:?}");
    let requested = |events: &[EventKind], wanted: ProductionChannel| {
        events.iter().any(|k| matches!(k, EventKind::ProductionRequested { channel, .. } if *channel == wanted))
    };
    assert!(!requested(&events, ProductionChannel::Mla), "no MLA while the provider answers");

    // A provider answering almost none declines this one: MLA follows.
    let declines = World { carrier: "voluntary_disclosure = 1e-9\ndirect_response = \"4d\"", ..BASE };
    let (incident, events) = declines.run();
    assert!(events.iter().any(|k| matches!(k, EventKind::ProductionDeclined { .. })), "the decline is recorded");
    assert!(requested(&events, ProductionChannel::Mla));
    let subscriber = incident.subscriber.unwrap();
    assert_eq!(subscriber.channel, ProductionChannel::Mla);
    // 30 days waiting, 20 to prepare and 200 to execute.
    assert!(subscriber.since_report_ms.unwrap() > 250 * D, "{subscriber:?}");

    let bound = World { fr: BOUND, de: BOUND, ..world };
    assert_eq!(bound.run().0.subscriber.unwrap().channel, ProductionChannel::Epoc, "an order where one can ask");
}

/// Emergencies: a provider that takes foreign requests takes an emergency
/// disclosure request directly, past the point of contact; it ends in
/// disclosure to the requester, and no desk is measured on acknowledging it.
#[test]
fn a_provider_takes_an_emergency_disclosure_request_directly() {
    let world = World { incident: "urgency = \"emergency\"", carrier: "voluntary_disclosure = 0.5", ..BASE };
    let (incident, events) = world.run();
    let hop = &incident.hops[0];
    assert!(hop.to_provider);
    assert!(events.iter().any(|k| matches!(k, EventKind::ProviderRequestReceived { .. })));
    assert!(!events.iter().any(|k| matches!(k, EventKind::Acknowledged { .. })), "no desk took it");
    assert!(!events.iter().any(|k| matches!(k, EventKind::ConfirmationSent { .. })), "no Art. 29 request to confirm");
    assert!(!hop.goals.iter().any(|g| g.measure == Measure::Acknowledgement), "no acknowledgement to measure");
    let subscriber = incident.subscriber.as_ref().expect("disclosed in the emergency");
    assert_eq!(subscriber.channel, ProductionChannel::Emergency);
    // 10 minutes to reach the provider, 3 hours to preserve and 3 to disclose, 10 back.
    let after = subscriber.since_report_ms.unwrap();
    let through_the_desk = World { carrier: "", ..world }.run().0.subscriber.unwrap().since_report_ms.unwrap();
    assert!(after < through_the_desk, "past the desk's half hour: {after} against {through_the_desk}");

    let routine = World { incident: "", ..world };
    assert!(!routine.run().0.hops[0].to_provider, "a routine request goes through the point of contact");
}

/// Police to police (or through INTERPOL) tells the requester who the
/// subscriber is within days, as intelligence: reported as not usable
/// unless formal production follows, which then counts.
#[test]
fn police_intelligence_names_the_subscriber_but_is_not_evidence() {
    let world = World {
        fr: "mla_preparation = \"20d\"\npolice_channel = true\nmla_follow_up = { origin = 0.0 }",
        de: "police_response = \"2d\"",
        ..BASE
    };
    let (incident, _) = world.run();
    let subscriber = incident.subscriber.as_ref().expect("named by the police");
    assert_eq!(subscriber.channel, ProductionChannel::Police);
    assert!(!subscriber.usable, "intelligence, not evidence");
    assert!(subscriber.since_report_ms.unwrap() < 4 * D, "{subscriber:?}");

    // Pursued by MLA as well, the evidence counts once it comes.
    let pursued = World { fr: "mla_preparation = \"20d\"\npolice_channel = true", ..world };
    let (incident, _) = pursued.run();
    assert!(incident.hops[0].intelligence_ms.is_some(), "the police answered first");
    let subscriber = incident.subscriber.as_ref().unwrap();
    assert_eq!(subscriber.channel, ProductionChannel::Mla);
    assert!(subscriber.usable);
    assert_eq!(production_goal(&incident), None, "eu-e-evidence measures orders, not MLA nor the police");
}

/// The steps before the point of contact: the investigator's facts and, where
/// the law wants one, a prosecutor's sign-off delay the first request, and
/// the requesting-side goal charges them to the reporting country; an
/// emergency skips the sign-off.
#[test]
fn domestic_preparation_and_sign_off_come_before_the_first_request() {
    let first_request_after = |world: &World| {
        let (incident, events) = world.run();
        assert_eq!(events.iter().filter(|k| matches!(k, EventKind::RequestPrepared)).count(), 1);
        incident.hops[0].request_sent_ms.get().unwrap() - incident.reported_at_ms.unwrap()
    };
    const FR: &str = "mla_preparation = \"20d\"\nrequest_preparation = \"6h\"\nprosecutor_sign_off = \"2d\"";
    let signed = World { fr: FR, ..BASE };
    let after = first_request_after(&signed);
    assert!((54 * H..55 * H).contains(&after), "6 h to prepare, 2 days to sign off, then the desk: {after}");
    let emergency = World { incident: "urgency = \"emergency\"", ..signed };
    let after = first_request_after(&emergency);
    assert!((6 * H..7 * H).contains(&after), "no sign-off in an emergency: {after}");
    let (plain, events) = BASE.run();
    assert!(!events.iter().any(|k| matches!(k, EventKind::RequestPrepared)), "nothing to prepare by default");
    assert!(plain.hops[0].request_sent_ms.get().unwrap() - plain.reported_at_ms.unwrap() < H);
}

/// A non-member has no point of contact: the request goes as one MLA request
/// that includes preservation and production, its time charged once, not a
/// preservation request and each of its answers travelling by MLA.
#[test]
fn a_non_member_is_asked_once_by_an_mla_request_that_includes_preservation() {
    let mut scenario = World { de: "member_since = \"never\"", ..BASE }.scenario();
    // Forty days, within the carrier's 90-day retention.
    scenario.network.mla_transit = pocnet_node::Distribution::Fixed { ms: 40 * D };
    let log = crate::support::run_both(&scenario, scenario.seed);
    let incident = report::incident_reports(&scenario, &log.events).remove(0);
    let events: Vec<EventKind> = log.events.into_iter().map(|e| e.kind).collect();
    let hop = &incident.hops[0];
    let transit = hop.request_received_ms.get().unwrap() - hop.request_sent_ms.get().unwrap();
    assert_eq!(transit, 40 * D, "the request travels the formal way");
    let back = hop.disclosure_received_ms.get().unwrap() - hop.disclosed_ms.get().unwrap();
    assert!(back < H, "the answer is not charged a second MLA: {back}");
    assert!(
        !events.iter().any(|k| matches!(k, EventKind::ConfirmationSent { .. })),
        "an MLA request needs no confirmation"
    );
    assert!(
        !events.iter().any(|k| matches!(k, EventKind::ProductionRequested { .. })),
        "nor a second request to produce"
    );
    let subscriber = incident.subscriber.as_ref().expect("produced under the one MLA request");
    assert_eq!(subscriber.channel, ProductionChannel::Mla);
    assert_eq!(Some(subscriber.at_ms), incident.trace.at_ms);
}

/// Membership is per network (G7 24/7, Budapest Art. 35), each with its
/// year: two desks work together only within a network both belong to at
/// the epoch; otherwise the request goes the formal way.
#[test]
fn points_of_contact_work_together_only_within_a_shared_network() {
    let transit = |fr: &str, de: &str| {
        let mut scenario = World { fr, de, ..BASE }.scenario();
        scenario.network.mla_transit = pocnet_node::Distribution::Fixed { ms: 40 * D };
        let log = crate::support::run_both(&scenario, scenario.seed);
        let hop = &report::incident_reports(&scenario, &log.events)[0].hops[0];
        hop.request_received_ms.get().unwrap() - hop.request_sent_ms.get().unwrap()
    };
    let g7_only = "networks = { g7 = 1998 }";
    assert!(transit(g7_only, "networks = { g7 = 2001, budapest = 2004 }") < H, "both in the G7 network");
    assert_eq!(transit(g7_only, "networks = { budapest = 2004 }"), 40 * D, "no network in common: MLA");
    assert_eq!(transit(g7_only, "networks = { g7 = 2027 }"), 40 * D, "DE joins after the epoch");

    let both = World { de: "member_since = 2004\nnetworks = { g7 = 2004 }", ..BASE }.text();
    let error = Scenario::parse("law.toml", &both).unwrap_err();
    assert!(format!("{error:?}").contains("`member_since` and `networks` both say"), "{error:?}");
}

/// MLA follow-up is a decision (T-CY 2014: "often not pursued"), likelier
/// for the origin than for a hop that only named the next one.
#[test]
fn production_follow_up_is_a_decision_by_hop_role() {
    let never = World { fr: "mla_preparation = \"20d\"\nmla_follow_up = { origin = 0.0 }", ..BASE };
    let (incident, events) = never.run();
    assert_eq!(incident.trace.result, TraceResult::OriginPreserved, "the network did its job");
    assert!(incident.subscriber.is_none());
    assert!(events.iter().any(|k| matches!(k, EventKind::ProductionNotPursued { .. })));
    assert!(incident.hops[0].goals.iter().all(|g| g.measure != Measure::MlaBeforeHoldExpiry), "not a late request");
    let scenario = never.scenario();
    let text = report::Report::build(&scenario, &crate::support::run_both(&scenario, 3)).render_text(&scenario);
    assert!(text.contains("did not pursue the MLA request"), "{text}");
    // The single hop is the origin: only the origin's chance applies.
    let intermediate_never = World { fr: "mla_follow_up = { intermediate = 0.0 }", ..BASE };
    assert!(intermediate_never.run().0.subscriber.is_some());
    // Half the time, over replications.
    let half = World { fr: "mla_follow_up = { origin = 0.5 }", ..BASE }.replicated();
    let share = half.subscribers.successes as f64 / half.subscribers.trials as f64;
    assert!((0.35..0.65).contains(&share), "{share}");
}

/// A request with the wrong timestamp or UTC offset makes the carrier look up
/// the wrong moment: it names someone else, and the trace ends on an
/// innocent person, which is worse than naming nobody.
#[test]
fn a_timestamp_error_names_the_wrong_person() {
    let careless = World { fr: "mla_preparation = \"20d\"\ntimestamp_errors = 1.0", ..BASE };
    let (incident, _) = careless.run();
    assert_eq!(incident.trace.result, TraceResult::Stopped);
    assert_eq!(incident.hops[0].outcome, pocnet_coordinator::report::HopOutcome::Misidentified);
    assert!(incident.trace.reason.contains("wrong timestamp or time zone"), "{}", incident.trace.reason);
    assert!(incident.subscriber.is_none());
    let mut aggregate = pocnet_coordinator::analysis::Aggregate::new();
    aggregate.add(&careless.scenario(), 0, std::slice::from_ref(&incident));
    assert!(aggregate.deaths.keys().any(|(_, _, c)| *c == pocnet_coordinator::analysis::Cause::Misidentified));
    // The reporting country's own carrier is ordered at home, where the moment is known.
    let domestic = World { chain: "\"fr\"", fr: "timestamp_errors = 1.0", ..BASE }.run().0;
    assert_eq!(domestic.trace.result, TraceResult::OriginPreserved);
    // A share of the requests, over replications.
    let some = World { fr: "timestamp_errors = 0.3", ..BASE }.replicated();
    let survived = some.traces.successes as f64 / some.traces.trials as f64;
    assert!((0.55..0.85).contains(&survived), "{survived}");
}

/// A hold renewal is an action with a deadline (Art. 29(7), 18 U.S.C.
/// 2703(f): 90 + 90 days): the requester asks for it a week before the hold
/// lapses, unless it has sent its production request by then.
#[test]
fn a_hold_is_renewed_only_when_the_requester_asks_in_time() {
    let hold = "hold = \"90d\"\nhold_renewal = \"90d\"";
    let held = |i: &IncidentReport| i.hops[0].hold_until_ms.get().unwrap() - i.hops[0].preserved_ms.get().unwrap();
    // The MLA request leaves after 20 days: no renewal needed, none asked.
    let prompt = World { de: hold, ..BASE }.run().0;
    assert_eq!(held(&prompt), 90 * D);
    assert!(!prompt.hops[0].hold_renewed);
    // It leaves after 100 days: the renewal asked at day 83 keeps the data for it.
    let slow = World { de: hold, fr: "mla_preparation = \"100d\"", ..BASE }.run().0;
    assert!(slow.hops[0].hold_renewed);
    assert_eq!(held(&slow), 180 * D);
    assert!(slow.subscriber.is_some(), "produced from the renewed hold");
    // Without a renewal in the law, the same request finds the data released.
    let no_renewal = World { de: "hold = \"90d\"", fr: "mla_preparation = \"100d\"", ..BASE }.run().0;
    assert!(no_renewal.subscriber.is_none());
}

/// A defective request (wrong identifiers, over-broad scope) costs a round
/// trip: acknowledged at once, sent back, put right by the requesting desk,
/// and only then is preservation ordered, while the logs age.
#[test]
fn a_defective_request_comes_back_for_clarification_before_preservation() {
    let sound = BASE.run().0;
    let defective = World { fr: "mla_preparation = \"20d\"\nrequest_defects = 1.0", ..BASE }.run().0;
    let (s, d) = (&sound.hops[0], &defective.hops[0]);
    assert_eq!(d.acknowledged_ms, s.acknowledged_ms, "acknowledged as before");
    assert_eq!(d.clarification_asked_ms, d.acknowledged_ms);
    let delay = d.preservation_ordered_ms.get().unwrap() - s.preservation_ordered_ms.get().unwrap();
    // Ten minutes each way and half an hour at each desk.
    assert_eq!(delay, 2 * 10 * 60_000 + 2 * 30 * 60_000, "the round trip before the order");
    assert!(s.clarification_asked_ms.is_none());
    assert_eq!(defective.trace.result, TraceResult::OriginPreserved);
}

/// Art. 29(5): besides dual criminality, a Party may refuse only for a
/// political offence or prejudice to its essential interests.
#[test]
fn a_refusal_on_art_29_5_grounds_stops_the_trace_and_says_why() {
    let refusing = World { de: "refusal_grounds = 1.0", ..BASE }.run().0;
    assert_eq!(refusing.trace.result, TraceResult::Stopped);
    assert_eq!(refusing.hops[0].outcome, pocnet_coordinator::report::HopOutcome::Refused);
    assert!(refusing.hops[0].refused_offence.is_none());
    assert!(refusing.trace.reason.contains("Art. 29(5)"), "{}", refusing.trace.reason);
    assert!(refusing.hops[0].preservation_ordered_ms.is_none(), "nothing is ordered");
    let never = World { de: "refusal_grounds = 0.0", ..BASE }.run().0;
    assert_eq!(never.trace.result, TraceResult::OriginPreserved);
}

/// The legal-routes library scenario tells the story its comment promises.
#[test]
fn the_legal_routes_scenario_shows_each_route() {
    let scenario = crate::support::load("legal-routes.toml");
    let incidents = report::incident_reports(&scenario, &crate::support::run_both(&scenario, scenario.seed).events);
    let by_id = |id: &str| incidents.iter().find(|i| i.id == id).unwrap();
    for id in ["eu-only", "via-us"] {
        let subscriber = by_id(id).subscriber.as_ref().unwrap_or_else(|| panic!("{id}: identified"));
        assert_eq!(subscriber.channel, ProductionChannel::Epoc, "{id}");
        assert!(subscriber.since_report_ms.unwrap() < 60 * D, "{id}: weeks at most, not MLA months");
    }
    let via_ch = by_id("via-ch");
    assert_eq!(via_ch.trace.result, TraceResult::Stopped);
    assert_eq!(via_ch.trace.hop, Some(1), "the next hop, learned only by MLA, had deleted its logs");
    // A US platform offering services in the Union, through its Irish representative.
    let us_account = by_id("us-account").subscriber.as_ref().expect("us-account: identified");
    assert_eq!(us_account.channel, ProductionChannel::Epoc, "an order to its representative in the Union");
    assert!(us_account.since_report_ms.unwrap() < 20 * D, "days, not MLA months");
    // A US forum with no representative: its goodwill, or MLA once it declines.
    let us_forum = by_id("us-forum").subscriber.as_ref().expect("us-forum: identified");
    assert!(
        matches!(us_forum.channel, ProductionChannel::Voluntary | ProductionChannel::Mla),
        "no order reaches it: {:?}",
        us_forum.channel
    );
}

/// Data categories decide the lawful channel: where "who held IP x at time t"
/// is traffic data, an Art. 7 order (subscriber information only) cannot ask
/// it, and the subscriber is asked State to State by an Art. 8 order.
#[test]
fn where_an_ip_assignment_is_traffic_data_no_art7_order_can_ask_it() {
    let subscriber_class = World {
        fr: "second_protocol = true\nmla_preparation = \"20d\"",
        de: "second_protocol = true",
        carrier: "direct_response = \"5d\"",
        instruments: PROTOCOL_IN_FORCE,
        ..BASE
    };
    assert_eq!(subscriber_class.run().0.subscriber.unwrap().channel, ProductionChannel::Art7);
    let traffic_class = World { de: "second_protocol = true\nip_assignment = \"traffic\"", ..subscriber_class };
    assert_eq!(traffic_class.run().0.subscriber.unwrap().channel, ProductionChannel::Art8);
}

/// Coordinated requests (G8 Principle II): six victims' requests to one
/// carrier leave as one and the requested desk, one officer, takes them up
/// as one, instead of queueing six.
#[test]
fn coordinated_requests_are_taken_up_as_one() {
    let text = |coordination: &str| {
        let mut text = format!(
            r#"
[scenario]
name = "coordination"
epoch = "2026-03-02T00:00:00Z"
seed = 4

[network]
min_message_delay = "1m"
message_delay = "10m"
{coordination}

[countries.FR]
name = "France"
time_zone = "UTC"
staffing = "24/7"
acknowledgement = "30m"

[countries.DE]
name = "Germany"
time_zone = "UTC"
staffing = "24/7"
acknowledgement = "1h"
officers = 1

[carriers.de]
country = "DE"
kind = "hosting"
retention = "90d"
preservation = "2h"
disclosure = "10h"
"#
        );
        for n in 0..6 {
            text.push_str(&format!(
                "\n[[incidents]]\nid = \"bot-{n}\"\nreported_by = \"FR\"\ncommunication = \"2026-03-03T10:00:00Z\"\ndetection = \"0s\"\nchain = [\"de\"]\n"
            ));
        }
        Scenario::parse("coordination.toml", &text).unwrap_or_else(|e| panic!("{e:?}"))
    };
    let acks = |scenario: &Scenario| {
        let log = crate::support::run_both(scenario, scenario.seed);
        report::incident_reports(scenario, &log.events)
            .iter()
            .map(|i| {
                (
                    i.hops[0].request_sent_ms.get().unwrap(),
                    i.hops[0].span(pocnet_coordinator::report::Stage::Acknowledgement).unwrap(),
                )
            })
            .collect::<Vec<_>>()
    };
    let alone = acks(&text(""));
    let slowest_alone = alone.iter().map(|(_, ack)| *ack).max().unwrap();
    assert!(slowest_alone >= 5 * H, "six requests queue at one officer: {alone:?}");
    let together = acks(&text("\n[coordination]\nwindow = \"6h\"\ndelay = \"2h\""));
    assert!(together.iter().all(|(sent, _)| *sent == together[0].0), "they leave as one: {together:?}");
    let slowest_together = together.iter().map(|(_, ack)| *ack).max().unwrap();
    assert!(slowest_together <= 2 * H, "taken up as one: {together:?}");
}

/// Only Member States are bound by the e-Evidence Regulation, and Denmark
/// is not (Protocol No 22): `e_evidence = true` for DK or the US is a
/// located error, not a silent production order.
#[test]
fn e_evidence_is_refused_for_denmark_and_for_states_outside_the_union() {
    for (code, words) in [("DK", "Denmark is not bound"), ("US", "US is not an EU Member State")] {
        let text = World { de: BOUND, ..BASE }
            .text()
            .replace("[countries.DE]", &format!("[countries.{code}]"))
            .replace("country = \"DE\"", &format!("country = \"{code}\""));
        let error = Scenario::parse("law.toml", &text).expect_err("refused");
        let said = format!("{error:?}");
        assert!(said.contains(words), "{said}");
        let line = text.lines().position(|l| l.trim() == "e_evidence = true").unwrap() + 1;
        assert!(said.contains(&format!("law.toml:{line}:")), "located at line {line}: {said}");
    }
}

/// A Party that reserved Art. 7 (Art. 7(9)(a), as Japan did) takes no
/// Art. 7 order in its territory: the origin's subscriber is asked by an
/// Art. 8 order instead. A reservation by a non-Party is a located error.
#[test]
fn no_art7_order_reaches_a_party_that_reserved_it() {
    let reserved = World {
        fr: "second_protocol = true\nmla_preparation = \"20d\"",
        de: "second_protocol = true\nart7_reservation = true",
        carrier: "direct_response = \"5d\"",
        instruments: PROTOCOL_IN_FORCE,
        ..BASE
    };
    let (incident, events) = reserved.run();
    assert!(
        !events.iter().any(|k| matches!(k, EventKind::ProductionRequested { channel: ProductionChannel::Art7, .. })),
        "no Art. 7 order to DE's provider"
    );
    assert_eq!(incident.subscriber.map(|s| s.channel), Some(ProductionChannel::Art8));
    let not_a_party = World { de: "art7_reservation = true", ..reserved };
    let error = Scenario::parse("law.toml", &not_a_party.text()).expect_err("refused");
    assert!(format!("{error:?}").contains("reserves Art. 7 of a Protocol it is not a Party to"), "{error:?}");
}

/// A requester waits on an MLA request only so long (`mla_abandoned_after`):
/// past it the request is abandoned, and the data produced later reaches a
/// closed file. France waits 150 days on Germany's 200-day execution: the
/// origin is held, nobody identified, the trace ends "abandoned"; waiting
/// "never", it is identified.
#[test]
fn an_mla_request_unanswered_past_the_requesters_patience_is_abandoned() {
    let impatient = World { fr: "mla_preparation = \"20d\"\nmla_abandoned_after = \"150d\"", ..BASE };
    let (incident, events) = impatient.run();
    assert!(events.iter().any(|e| matches!(e, EventKind::ProductionAbandoned { .. })), "{events:?}");
    assert!(incident.subscriber.is_none(), "{:?}", incident.subscriber);
    let after = incident.production_abandoned_after_ms.expect("abandoned, the origin held");
    let day = 86_400_000;
    // The MLA request left some 20 days after the report: abandoned 150 days later.
    assert!((165 * day..175 * day).contains(&after), "{} days", after / day);
    let patient = World { fr: "mla_preparation = \"20d\"\nmla_abandoned_after = \"never\"", ..BASE };
    let (incident, events) = patient.run();
    assert!(!events.iter().any(|e| matches!(e, EventKind::ProductionAbandoned { .. })));
    assert!(incident.subscriber.is_some() && incident.production_abandoned_after_ms.is_none());
    // "0s" is no patience: a located error, not a request given up at once.
    let error = Scenario::parse("law.toml", &World { fr: "mla_abandoned_after = \"0s\"", ..BASE }.text()).unwrap_err();
    assert!(format!("{error:?}").contains("giving up at once"), "{error:?}");
}
