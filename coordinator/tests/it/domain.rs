//! Each element of the world a scenario can express changes the outcome:
//! one small world, one change at a time, fixed delays so the effect is exact.

use pocnet_coordinator::report::{self, HopOutcome, IncidentReport, TraceResult};
use pocnet_coordinator::scenario::Scenario;

const H: i64 = 3_600_000;

/// FR reports; the chain runs through DE's carrier `de` then US's `us` (the origin).
/// `{strategy}`, `{de}`, `{de_carrier}` and `{fr}` are spliced into the text.
fn world(strategy: &str, de: &str, de_carrier: &str, fr: &str) -> Scenario {
    // DE is a 24/7 desk reading German and English unless `de` says otherwise.
    let mut de = de.to_owned();
    for (key, default) in [("staffing", "staffing = \"24/7\""), ("languages", "languages = [\"de\", \"en\"]")] {
        if !de.contains(key) {
            de.push('\n');
            de.push_str(default);
        }
    }
    let text = format!(
        r#"
[scenario]
name = "domain"
epoch = "2026-03-02T00:00:00Z"    # Monday
seed = 5
strategy = "{strategy}"

[network]
min_message_delay = "1m"
message_delay = "10m"
mla_transit = "200d"

[countries.FR]
name = "France"
time_zone = "UTC"
staffing = "24/7"
acknowledgement = "30m"
languages = ["fr", "en"]
{fr}

[countries.DE]
name = "Germany"
time_zone = "UTC"
acknowledgement = "30m"
{de}

[countries.US]
name = "United States"
time_zone = "UTC"
staffing = "24/7"
acknowledgement = "30m"
languages = ["en"]

[carriers.de]
country = "DE"
kind = "vpn"
preservation = "2h"
disclosure = "10h"
{de_carrier}

[carriers.us]
country = "US"
kind = "access-isp"
retention = "30d"
preservation = "2h"
disclosure = "10h"

[[incidents]]
id = "i"
reported_by = "FR"
communication = "2026-03-03T10:00:00Z"   # Tuesday
detection = "0s"
chain = ["de", "us"]
"#
    );
    Scenario::parse("domain.toml", &text).unwrap_or_else(|e| panic!("{e:?}"))
}

fn run(scenario: &Scenario) -> IncidentReport {
    let log = crate::support::run_both(scenario, scenario.seed);
    report::incident_reports(scenario, &log.events).remove(0)
}

fn baseline() -> IncidentReport {
    run(&world("hub", "", "retention = \"30d\"", ""))
}

fn ack_latency(incident: &IncidentReport, hop: usize) -> i64 {
    let h = &incident.hops[hop];
    h.acknowledged_ms.get().unwrap() - h.request_received_ms.get().unwrap()
}

#[test]
fn a_court_order_delays_the_preservation_order_but_not_the_acknowledgement() {
    let drafted = "preservation_order = \"20m\"";
    let base = run(&world("hub", drafted, "retention = \"30d\"", ""));
    let court = run(&world("hub", &format!("{drafted}\ncourt_order = \"2d\""), "retention = \"30d\"", ""));
    let (b, c) = (&base.hops[0], &court.hops[0]);
    // Ordering the provider is a step of its own, after the acknowledgement.
    assert_eq!(b.preservation_ordered_ms.get().unwrap() - b.acknowledged_ms.get().unwrap(), 20 * 60_000);
    assert_eq!(c.acknowledged_ms, b.acknowledged_ms);
    assert_eq!(c.preservation_ordered_ms.get().unwrap() - c.acknowledged_ms.get().unwrap(), 20 * 60_000 + 48 * H);
    let missed = c.goals.iter().find(|g| format!("{:?}", g.measure) == "PreservationOrdered").unwrap();
    assert!(!missed.met, "48 h exceeds the 24 h goal");
}

#[test]
fn a_request_in_no_language_the_desk_reads_waits_for_translation() {
    let base = baseline();
    let german_only = run(&world("hub", "languages = [\"de\"]\ntranslation = \"3h\"", "retention = \"30d\"", ""));
    assert_eq!(ack_latency(&german_only, 0) - ack_latency(&base, 0), 3 * H);
    // The US desk reads English, which France writes: no translation there.
    assert_eq!(ack_latency(&german_only, 1), ack_latency(&base, 1));
}

#[test]
fn a_carrier_that_keeps_no_logs_ends_the_trace_with_that_reason() {
    let incident = run(&world("hub", "", "retention = \"none\"", ""));
    assert_eq!(incident.hops[0].outcome, HopOutcome::NoLogs);
    assert_eq!(incident.hops[1].outcome, HopOutcome::NotReached);
    assert_eq!(incident.trace.result, TraceResult::Stopped);
    assert!(incident.trace.reason.contains("keeps no logs"), "{}", incident.trace.reason);
}

#[test]
fn a_non_member_is_reached_only_by_mla_and_its_logs_are_gone_by_then() {
    let base = baseline();
    assert_eq!(base.trace.result, TraceResult::OriginPreserved);
    for membership in ["member_since = \"never\"", "member_since = 2030"] {
        let incident = run(&world("hub", membership, "retention = \"30d\"", ""));
        let hop = &incident.hops[0];
        let transit = hop.request_received_ms.get().unwrap() - hop.request_sent_ms.get().unwrap();
        assert_eq!(transit, 200 * 24 * H, "{membership}: the MLA route");
        assert_eq!(hop.outcome, HopOutcome::LogsExpired, "{membership}");
    }
    let member = run(&world("hub", "member_since = 2004", "retention = \"30d\"", ""));
    assert_eq!(member.trace.result, TraceResult::OriginPreserved);
}

#[test]
fn parallel_asks_every_hop_at_the_report_and_finishes_sooner_than_hub() {
    let hub = baseline();
    let parallel = run(&world("parallel", "", "retention = \"30d\"", ""));
    let sent = |i: &IncidentReport, hop: usize| i.hops[hop].request_sent_ms.get().unwrap();
    assert_eq!(sent(&parallel, 0), sent(&parallel, 1), "both requests leave together");
    assert!(sent(&hub, 1) > sent(&hub, 0) + 12 * H, "hub waits for the first disclosure");
    assert_eq!(parallel.trace.result, TraceResult::OriginPreserved);
    assert!(parallel.trace.since_report_ms < hub.trace.since_report_ms);
}

#[test]
fn a_public_holiday_keeps_an_office_hours_desk_closed() {
    let office = "staffing = { office_hours = \"09:00-17:00\", days = \"Mon-Fri\" }";
    // The request reaches DE on Tuesday 10:40 UTC, inside office hours...
    let open = run(&world("hub", office, "retention = \"30d\"", ""));
    assert_eq!(ack_latency(&open, 0), 30 * 60_000);
    // ...unless Tuesday is a holiday: then Wednesday 09:00 plus handling.
    let holiday = run(&world("hub", &format!("{office}\nholidays = [\"2026-03-03\"]"), "retention = \"30d\"", ""));
    let received = holiday.hops[0].request_received_ms.get().unwrap();
    let wednesday_0930 = (2 * 24 + 9) * H + 30 * 60_000;
    assert_eq!(holiday.hops[0].acknowledged_ms.get().unwrap(), wednesday_0930);
    assert!(received < wednesday_0930);
}

/// A one-country scenario with `line` as its line 8 is refused with
/// `expected`, located on that line.
fn assert_country_line_refused(line: &str, expected: &str) {
    let text = format!(
        "[scenario]\nname = \"x\"\nepoch = \"2026-03-02T00:00:00Z\"\n[countries.DE]\nname = \"G\"\ntime_zone = \"UTC\"\nstaffing = \"24/7\"\n{line}\n"
    );
    let rendered = format!("{:?}", Scenario::parse("bad.toml", &text).unwrap_err());
    assert!(rendered.contains(expected) && rendered.contains("bad.toml:8:"), "{line}: {rendered}");
}

#[test]
fn new_keys_get_located_diagnostics() {
    let bad = [
        ("member_since = 1990", "not a year of the network"),
        ("member_since = \"sometimes\"", "expected a year like 2004"),
        ("holidays = [\"25/12/2026\"]", "holiday `25/12/2026` is not a date"),
    ];
    for (line, expected) in bad {
        assert_country_line_refused(line, expected);
    }
    let text = "[scenario]\nname = \"x\"\nepoch = \"2026-03-02T00:00:00Z\"\n[countries.DE]\nname = \"G\"\ntime_zone = \"UTC\"\nstaffing = \"24/7\"\n[carriers.c]\ncountry = \"DE\"\nkind = \"vpn\"\nretention = \"nonee\"\n";
    let rendered = format!("{:?}", Scenario::parse("bad.toml", text).unwrap_err());
    assert!(rendered.contains("`nonee` is not a duration") && rendered.contains("bad.toml:11:13"), "{rendered}");
}

/// `n` incidents reported at the same instant by FR, each one hop into DE.
fn simultaneous(n: usize, de: &str, incident_extra: &str) -> Scenario {
    let mut text = format!(
        r#"
[scenario]
name = "queue"
epoch = "2026-03-02T00:00:00Z"
seed = 9
[network]
min_message_delay = "1m"
message_delay = "10m"
[countries.FR]
name = "France"
time_zone = "UTC"
staffing = "24/7"
acknowledgement = "0s"
[countries.DE]
name = "Germany"
time_zone = "UTC"
acknowledgement = "1h"
{de}
[carriers.de]
country = "DE"
kind = "access-isp"
retention = "30d"
preservation = "1h"
disclosure = "1h"
"#
    );
    for i in 0..n {
        text.push_str(&format!(
            "[[incidents]]\nid = \"i{i}\"\nreported_by = \"FR\"\ncommunication = \"2026-03-03T10:00:00Z\"\ndetection = \"0s\"\nchain = [\"de\"]\n{incident_extra}\n"
        ));
    }
    Scenario::parse("queue.toml", &text).unwrap_or_else(|e| panic!("{e:?}"))
}

fn run_all(scenario: &Scenario) -> Vec<IncidentReport> {
    let log = crate::support::run_both(scenario, scenario.seed);
    report::incident_reports(scenario, &log.events)
}

#[test]
fn with_two_officers_simultaneous_cases_queue_an_hour_each() {
    let mut unlimited: Vec<i64> =
        run_all(&simultaneous(4, "staffing = \"24/7\"", "")).iter().map(|i| ack_latency(i, 0)).collect();
    let mut two: Vec<i64> =
        run_all(&simultaneous(4, "staffing = \"24/7\"\nofficers = 2", "")).iter().map(|i| ack_latency(i, 0)).collect();
    unlimited.sort();
    two.sort();
    assert_eq!(unlimited, [H, H, H, H]);
    assert_eq!(two, [H, H, 2 * H, 2 * H], "the third and fourth wait for a free officer");
}

#[test]
fn an_emergency_skips_the_queue_and_carriers_answer_on_their_emergency_timescale() {
    let de = "staffing = \"24/7\"\nofficers = 1";
    let routine = run_all(&simultaneous(3, de, ""));
    let emergency = run_all(&simultaneous(3, de, "urgency = \"emergency\""));
    let worst = |v: &[IncidentReport]| v.iter().map(|i| ack_latency(i, 0)).max().unwrap();
    assert_eq!(worst(&routine), 3 * H);
    assert_eq!(worst(&emergency), H, "no emergency waits behind another");
    // Default emergency response (median 2 h) instead of the fixed 1 h + 1 h: it changes the carrier's timing.
    let carrier_time =
        |i: &IncidentReport| i.hops[0].disclosed_ms.get().unwrap() - i.hops[0].preservation_ordered_ms.get().unwrap();
    assert!(routine.iter().all(|i| carrier_time(i) == 2 * H));
    assert!(emergency.iter().any(|i| carrier_time(i) != 2 * H));
}

#[test]
fn shifts_open_the_desk_twice_a_day() {
    // Requests arrive Tuesday 10:10 UTC; the desk works 06:00-08:00 and 12:00-14:00.
    let shifts = "staffing = { office_hours = [\"12:00-14:00\", \"06:00-08:00\"], days = \"Mon-Fri\" }";
    let incident = &run_all(&simultaneous(1, shifts, ""))[0];
    let tuesday_noon = (24 + 12) * H;
    assert_eq!(incident.hops[0].acknowledged_ms.get(), Some(tuesday_noon + H));
}

/// Art. 29(3)-(4): a reserving country refuses only for offences outside
/// Arts. 2-11 that its law does not punish; every Convention offence is
/// preserved, whatever the reservation.
#[test]
fn a_dual_criminality_reservation_refuses_only_the_non_convention_offences_it_names() {
    let de = "staffing = \"24/7\"\ndual_criminality = [\"defamation\", \"gambling\"]";
    for convention in ["illegal-access", "copyright-infringement", "computer-related-fraud"] {
        let preserved = &run_all(&simultaneous(1, de, &format!("offence = \"{convention}\"")))[0];
        assert_eq!(preserved.trace.result, TraceResult::OriginPreserved, "{convention}");
    }
    let unpunished_elsewhere = &run_all(&simultaneous(1, de, "offence = \"drugs\""))[0];
    assert_eq!(unpunished_elsewhere.trace.result, TraceResult::OriginPreserved);
    let refused = &run_all(&simultaneous(1, de, "offence = \"defamation\""))[0];
    assert_eq!(refused.hops[0].outcome, HopOutcome::Refused);
    assert_eq!(refused.trace.result, TraceResult::Stopped);
    assert!(refused.trace.reason.contains("defamation"), "{}", refused.trace.reason);
}

#[test]
fn behind_carrier_grade_nat_a_request_without_source_port_identifies_nobody() {
    let text = |source_port: bool| {
        let scenario = simultaneous(1, "staffing = \"24/7\"", &format!("source_port = {source_port}"));
        let mut scenario = scenario;
        scenario.cgn_carriers.insert(pocnet_node::CarrierId::from("de"));
        scenario
    };
    let with_port = &run_all(&text(true))[0];
    assert_eq!(with_port.trace.result, TraceResult::OriginPreserved);
    let without = &run_all(&text(false))[0];
    assert_eq!(without.hops[0].outcome, HopOutcome::Unidentified);
    assert!(without.trace.reason.contains("carrier-grade NAT"), "{}", without.trace.reason);
    // Without CGN the port does not matter.
    let plain = &run_all(&simultaneous(1, "staffing = \"24/7\"", "source_port = false"))[0];
    assert_eq!(plain.trace.result, TraceResult::OriginPreserved);
}

fn with_goals(goals: &str) -> Result<Scenario, String> {
    let text = format!(
        "[scenario]\nname = \"g\"\nepoch = \"2026-03-02T00:00:00Z\"\ngoals = {goals}\n[countries.DE]\nname = \"G\"\ntime_zone = \"UTC\"\nstaffing = \"24/7\"\n"
    );
    Scenario::parse("goals.toml", &text).map_err(|e| format!("{e:?}"))
}

#[test]
fn goal_profiles_are_chosen_by_name_and_targets_can_be_overridden() {
    use pocnet_coordinator::latency::Measure;
    let target = |s: &Scenario, m: Measure| s.goals.goals.iter().find(|g| g.measure == m).and_then(|g| g.target_ms);
    let budapest = with_goals("\"budapest\"").unwrap();
    assert_eq!(budapest.goals.name, "budapest");
    assert_eq!(target(&budapest, Measure::Hold), Some(60 * 24 * H));
    let eu = with_goals("\"eu-e-evidence\"").unwrap();
    let production = eu.goals.goals.iter().find(|g| g.measure == Measure::Production).unwrap();
    assert_eq!((production.target_ms, production.emergency_target_ms), (Some(240 * H), Some(8 * H)));
    let custom = with_goals("{ profile = \"action-plan-1997\", acknowledgement = \"2h\", hold = \"90d\" }").unwrap();
    assert_eq!(target(&custom, Measure::Acknowledgement), Some(2 * H));
    assert_eq!(target(&custom, Measure::Hold), Some(90 * 24 * H), "a goal the profile lacks is added");
    let unknown = with_goals("{ profile = \"budapest\", acknowledgment = \"2h\" }").unwrap_err();
    assert!(unknown.contains("unknown goal `acknowledgment`") && unknown.contains("acknowledgement"), "{unknown}");
    let bad_profile = with_goals("\"g8\"").unwrap_err();
    assert!(
        bad_profile.contains("`g8` is not one of the accepted values") && bad_profile.contains("second-protocol"),
        "{bad_profile}"
    );
}

#[test]
fn an_overridden_target_changes_compliance() {
    // DE acknowledges in 30 min: met under 1 h, missed under 15 min.
    let base = baseline();
    let ack_met = |i: &IncidentReport| {
        i.hops[0].goals.iter().find(|g| format!("{:?}", g.measure) == "Acknowledgement").map(|g| g.met)
    };
    assert_eq!(ack_met(&base), Some(true));
    let text = crate::support::library_text("quickstart.toml");
    let strict = text.replace(
        "goals = \"action-plan-1997\"",
        "goals = { profile = \"action-plan-1997\", acknowledgement = \"1m\" }",
    );
    assert_ne!(strict, text);
    let scenario = Scenario::parse("strict.toml", &strict).unwrap();
    let incident = run(&scenario);
    assert_eq!(
        incident.hops[0].goals.iter().find(|g| format!("{:?}", g.measure) == "Acknowledgement").map(|g| g.met),
        Some(false)
    );
}

fn generated(generator: &str) -> Result<Scenario, String> {
    let text = format!(
        r#"[scenario]
name = "generated"
epoch = "2026-03-02T00:00:00Z"
seed = 77
[countries.FR]
name = "France"
time_zone = "Europe/Paris"
staffing = "24/7"
[countries.DE]
name = "Germany"
time_zone = "Europe/Berlin"
staffing = "24/7"
[carriers.a]
country = "DE"
kind = "hosting"
retention = "90d"
[carriers.b]
country = "FR"
kind = "access-isp"
retention = "1y"
{generator}
"#
    );
    Scenario::parse("generated.toml", &text).map_err(|e| format!("{e:?}"))
}

const BOTNET: &str = r#"[[incident_generators]]
id = "bot"
per_day = 100
from = "2026-03-02T00:00:00Z"
period = "30d"
detection = { median = "2h", p90 = "12h" }
offence = "system-interference"
[[incident_generators.templates]]
weight = 3
reported_by = "FR"
chain = ["a", "b"]
[[incident_generators.templates]]
reported_by = "DE"
chain = ["b"]
"#;

#[test]
fn generators_draw_a_poisson_number_of_incidents_split_by_template_weight() {
    let scenario = generated(BOTNET).unwrap();
    let n = scenario.incidents.len() as f64;
    assert!((n - 3000.0).abs() < 4.0 * 3000f64.sqrt(), "{n} incidents for an expected 3000");
    let from_fr = scenario.incidents.iter().filter(|i| i.reported_by.as_str() == "FR").count() as f64;
    let share = from_fr / n;
    assert!((share - 0.75).abs() < 4.0 * (0.75 * 0.25 / n).sqrt(), "share of the weight-3 template {share}");
    assert_eq!(scenario.incidents[0].id, "bot-00001");
    let times: Vec<i64> = scenario.incidents.iter().map(|i| i.communication_at.ms()).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]) && times.iter().all(|&t| (0..30 * 24 * H).contains(&t)));
    // Drawn from the file's seed: the same file gives the same incidents.
    let again = generated(BOTNET).unwrap();
    assert_eq!(times, again.incidents.iter().map(|i| i.communication_at.ms()).collect::<Vec<_>>());
    // And they run like written ones.
    let log = crate::support::run_both(&scenario, 1);
    let reports = report::incident_reports(&scenario, &log.events);
    assert!(reports.iter().filter(|r| r.trace.result == TraceResult::OriginPreserved).count() > 2000);
}

#[test]
fn bad_generators_are_located() {
    let no_templates = "[[incident_generators]]\nid = \"x\"\nper_day = 5\nfrom = \"2026-03-02T00:00:00Z\"\nperiod = \"1d\"\ndetection = \"1h\"\ntemplates = []\n";
    assert!(generated(no_templates).unwrap_err().contains("has no templates"));
    let negative = no_templates.replace("per_day = 5", "per_day = -5");
    assert!(generated(&negative).unwrap_err().contains("per_day must be a positive rate"));
    let unknown = BOTNET.replace("reported_by = \"DE\"", "reported_by = \"GE\"");
    let error = generated(&unknown).unwrap_err();
    assert!(error.contains("unknown country `GE`") && error.contains("did you mean `DE`"), "{error}");
}

fn one_hop_world(de: &str, extra: &str) -> Scenario {
    one_hop(de, "", extra)
}

fn transit(incident: &IncidentReport) -> i64 {
    incident.hops[0].request_received_ms.get().unwrap() - incident.hops[0].request_sent_ms.get().unwrap()
}

#[test]
fn a_desk_taking_requests_by_fax_is_reached_at_the_fax_s_pace() {
    let base = run(&one_hop_world("", ""));
    assert_eq!(transit(&base), 10 * 60_000);
    let fax = run(&one_hop_world("channel = \"fax\"", "[channels]\nfax = \"3h\""));
    assert_eq!(transit(&fax), 3 * H);
}

#[test]
fn a_stale_directory_entry_costs_the_fallback_channel() {
    let always_stale = run(&one_hop_world("directory = { stale = 1.0, fallback = \"6h\" }", ""));
    assert_eq!(transit(&always_stale), 10 * 60_000 + 6 * H);
    let never = run(&one_hop_world("directory = { stale = 0.0 }", ""));
    assert_eq!(transit(&never), 10 * 60_000);
    // As a fault: stale during a window around the request only.
    let fault = "[[faults]]\nkind = \"directory-stale\"\ncountry = \"DE\"\nfrom = \"2026-03-03T00:00:00Z\"\nuntil = \"2026-03-04T00:00:00Z\"";
    let windowed = run(&one_hop_world("", fault));
    assert!(transit(&windowed) >= 10 * 60_000 + 2 * H, "the default fallback adds 2-24 h");
}

#[test]
fn an_unreachable_desk_answers_when_it_is_back() {
    let fault = "[[faults]]\nkind = \"desk-unreachable\"\ncountry = \"DE\"\nfrom = \"2026-03-03T00:00:00Z\"\nuntil = \"2026-03-03T20:00:00Z\"";
    let incident = run(&one_hop_world("", fault));
    assert_eq!(incident.hops[0].acknowledged_ms.get(), Some((24 + 20) * H + 30 * 60_000));
}

#[test]
fn a_lost_message_is_resent_after_the_timeout() {
    let fault = "[[faults]]\nkind = \"message-lost\"\nsender = \"FR\"\nto = \"DE\"\nfrom = \"2026-03-03T00:00:00Z\"\nuntil = \"2026-03-03T12:00:00Z\"\nretry_after = \"5h\"";
    let incident = run(&one_hop_world("", fault));
    assert_eq!(transit(&incident), 5 * H + 10 * 60_000);
}

#[test]
fn a_carrier_outage_can_outlast_the_logs() {
    // Retention 2 days from Tuesday 10:00; the carrier is down until Friday.
    let fault = "[[faults]]\nkind = \"carrier-outage\"\ncarrier = \"de\"\nfrom = \"2026-03-03T00:00:00Z\"\nuntil = \"2026-03-06T00:00:00Z\"";
    let incident = run(&one_hop_world("", fault));
    assert_eq!(incident.hops[0].outcome, HopOutcome::LogsExpired);
    let short = fault.replace("2026-03-06T00:00:00Z", "2026-03-04T00:00:00Z");
    assert_eq!(run(&one_hop_world("", &short)).hops[0].outcome, HopOutcome::OriginFound);
}

#[test]
fn bad_faults_and_channels_are_located() {
    let parse = |de: &str, extra: &str| {
        let text = format!(
            "[scenario]\nname = \"x\"\nepoch = \"2026-03-02T00:00:00Z\"\n[countries.DE]\nname = \"G\"\ntime_zone = \"UTC\"\nstaffing = \"24/7\"\n{de}\n{extra}\n"
        );
        format!("{:?}", Scenario::parse("bad.toml", &text).unwrap_err())
    };
    assert!(parse("channel = \"pigeon\"", "").contains("`pigeon` is not one of the accepted values"));
    assert!(parse("directory = { stale = 1.5 }", "").contains("not a probability"));
    let unknown_kind = parse("", "[[faults]]\nkind = \"meteor\"\ncountry = \"DE\"");
    assert!(
        unknown_kind.contains("`meteor` is not one of the accepted values")
            && unknown_kind.contains("desk-unreachable"),
        "{unknown_kind}"
    );
    let backwards = parse(
        "",
        "[[faults]]\nkind = \"desk-unreachable\"\ncountry = \"DE\"\nfrom = \"2026-03-05T00:00:00Z\"\nuntil = \"2026-03-04T00:00:00Z\"",
    );
    assert!(backwards.contains("ends before it begins"), "{backwards}");
    let nobody = parse(
        "",
        "[[faults]]\nkind = \"carrier-outage\"\ncarrier = \"nope\"\nfrom = \"2026-03-05T00:00:00Z\"\nuntil = \"2026-03-06T00:00:00Z\"",
    );
    assert!(nobody.contains("unknown carrier `nope`"), "{nobody}");
}

#[test]
fn a_carrier_with_business_hours_acts_on_orders_only_when_its_staff_are_in() {
    // The order reaches DE's carrier on Tuesday ~10:40 UTC: inside hours it acts
    // at once; with staff in from 14:00 it waits, and with 3-hour logs
    // the wait costs the trace.
    let base = run(&one_hop_world("", ""));
    let ordered = base.hops[0].preservation_ordered_ms.get().unwrap();
    assert_eq!(base.hops[0].preserved_ms.get(), Some(ordered + H));
    let text = |retention: i64| {
        let s = one_hop_world("", "");
        let mut s = s;
        let carrier = s.carriers.get_mut(&pocnet_node::CarrierId::from("de")).unwrap();
        let shift = pocnet_node::Shift::new(14 * 60, 18 * 60).unwrap();
        let hours = pocnet_node::OfficeHours::new(vec![shift], vec![1, 2, 3, 4, 5], None, Vec::new()).unwrap();
        carrier.hours = pocnet_node::Staffing::OfficeHours(hours);
        carrier.retention_ms = retention;
        s
    };
    let tuesday_14h = (24 + 14) * H;
    let waits = run(&text(2 * 24 * H));
    assert_eq!(waits.hops[0].preserved_ms.get(), Some(tuesday_14h + H));
    let lost = run(&text(3 * H));
    assert_eq!(lost.hops[0].outcome, HopOutcome::LogsExpired);
    // The order came before the deletion (13:00) and the carrier acted at
    // 14:00: the reason says so, with no negative duration, and the trace
    // stops when the carrier acted, not a preservation delay later.
    let reason = &lost.trace.reason;
    assert!(reason.contains("after the preservation order arrived, before it acted on the order"), "{reason}");
    assert!(!reason.contains('-') && !reason.contains('−'), "no negative duration: {reason}");
    assert_eq!(lost.trace.at_ms, Some(tuesday_14h), "the stop is when the carrier found the logs gone");
    assert_eq!(lost.hops[0].preserved_ms.get(), None, "nothing was preserved");
}

#[test]
fn without_subscriber_records_the_origin_names_nobody() {
    // The origin carrier keeps traffic data 2 days but who held the account
    // 30 minutes: the order reaches it 40 minutes after the communication,
    // when the account holder is no longer known.
    let kept = run(&one_hop_world("", ""));
    assert_eq!(kept.hops[0].outcome, HopOutcome::OriginFound);
    let mut scenario = one_hop_world("", "");
    scenario.carriers.get_mut(&pocnet_node::CarrierId::from("de")).unwrap().subscriber_retention_ms = Some(H / 2);
    let gone = run(&scenario);
    assert_eq!(gone.hops[0].outcome, HopOutcome::Unidentified);
    // Named for what it is, not carrier-grade NAT.
    let why = gone.hops[0].unidentified_because.expect("a reason");
    assert_eq!(why.outcome(), "NOBODY IDENTIFIED (subscriber records gone)");
    assert!(gone.trace.reason.contains("no longer kept the subscriber records"), "{}", gone.trace.reason);
    assert_eq!(gone.trace.result, TraceResult::Stopped);
}

#[test]
fn data_held_is_produced_under_the_mla_request_and_data_released_is_not() {
    // DE holds 60 days; FR prepares its MLA request in 10 days: production follows
    // after DE's execution time. With a 5-day hold the request comes too late.
    let fr = "mla_preparation = \"10d\"";
    let world = |de: &str| {
        let text = format!("{de}\nmla_execution = \"20d\"");
        run(&one_hop(&text, fr, ""))
    };
    let held = world("hold = \"60d\"");
    let hop = &held.hops[0];
    assert_eq!(hop.produced_ms.get().unwrap() - hop.production_request_received_ms.get().unwrap(), 20 * 24 * H);
    let production = hop.goals.iter().find(|g| g.measure == pocnet_coordinator::latency::Measure::Production);
    assert!(production.is_none(), "the action-plan profile has no production goal");
    let released = world("hold = \"5d\"");
    assert!(released.hops[0].production_request_received_ms.is_some() && released.hops[0].produced_ms.is_none());
}

/// One hop FR → DE: `de` and `fr` go into those countries' tables, `extra`
/// at the end (top-level tables like [channels] or [[faults]]).
fn one_hop(de: &str, fr: &str, extra: &str) -> Scenario {
    let text = format!(
        r#"[scenario]
name = "one hop"
epoch = "2026-03-02T00:00:00Z"
seed = 4
[network]
min_message_delay = "1m"
message_delay = "10m"
[countries.FR]
name = "France"
time_zone = "UTC"
staffing = "24/7"
acknowledgement = "0s"
{fr}
[countries.DE]
name = "Germany"
time_zone = "UTC"
staffing = "24/7"
acknowledgement = "30m"
{de}
[carriers.de]
country = "DE"
kind = "access-isp"
retention = "2d"
preservation = "1h"
disclosure = "1h"
[[incidents]]
id = "i"
reported_by = "FR"
communication = "2026-03-03T10:00:00Z"
detection = "0s"
chain = ["de"]
{extra}
"#
    );
    Scenario::parse("one-hop.toml", &text).unwrap_or_else(|e| panic!("{e:?}"))
}

/// Regression (defect 1): `subscriber_retention = "0s"` stopped the trace in
/// process but reached the origin over gRPC, because `Some(0)` crossed the
/// wire as proto3's 0 and came back as "kept as long as needed". `run` runs
/// both transports and compares the bytes.
#[test]
fn regression_zero_subscriber_retention_names_nobody_on_every_transport() {
    let mut scenario = one_hop_world("", "");
    scenario.carriers.get_mut(&pocnet_node::CarrierId::from("de")).unwrap().subscriber_retention_ms = Some(0);
    let gone = run(&scenario);
    assert_eq!(gone.hops[0].outcome, HopOutcome::Unidentified);
    // Named for what it is, not carrier-grade NAT.
    let why = gone.hops[0].unidentified_because.expect("a reason");
    assert_eq!(why.outcome(), "NOBODY IDENTIFIED (subscriber records gone)");
    assert!(gone.trace.reason.contains("no longer kept the subscriber records"), "{}", gone.trace.reason);
    let parsed = Scenario::parse(
        "zero.toml",
        &crate::support::library_text("quickstart.toml")
            .replace("preservation = \"2h\"", "preservation = \"2h\"\nsubscriber_retention = \"0s\""),
    )
    .unwrap();
    let log = crate::support::run_both(&parsed, parsed.seed);
    let results: Vec<TraceResult> =
        report::incident_reports(&parsed, &log.events).iter().map(|i| i.trace.result).collect();
    assert!(results.iter().all(|r| *r != TraceResult::OriginPreserved), "{results:?}");
}

/// Regression (defect 2): with the written confirmation sent sooner than the
/// minimum message delay, a node's request and confirmation went out in one
/// window as concurrent calls, and the confirmation could arrive first ("never
/// requested from DE"). Each peer now gets one batch in sending order.
#[test]
fn regression_a_confirmation_sent_within_the_lookahead_never_overtakes_its_request() {
    let scenario = one_hop("", "written_confirmation = \"0s\"", "");
    let incident = run(&scenario);
    assert!(incident.hops[0].confirmation_received_ms.is_some());
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("prompt-confirmation.toml");
    let text = crate::support::library_text("quickstart.toml")
        .replace("written_confirmation = { median = \"1d\", p90 = \"3d\" }", "written_confirmation = \"0s\"");
    assert!(text.contains("written_confirmation = \"0s\""), "quickstart's confirmation line changed");
    std::fs::write(&file, text).unwrap();
    let mut reports = Vec::new();
    for transport in ["grpc", "inproc"] {
        let json = dir.path().join(format!("{transport}.json"));
        let output = crate::support::pocnet(&[
            "run",
            file.to_str().unwrap(),
            "--replications",
            "60",
            "--transport",
            transport,
            "--json",
            json.to_str().unwrap(),
        ]);
        assert!(output.status.success(), "{transport}: {}", crate::support::text(&output.stderr));
        reports.push(std::fs::read(json).unwrap());
    }
    assert!(reports[0] == reports[1], "gRPC and in-process replications give the same bytes");
}

/// Regression (defect 4): an incident naming no offence was refused by a
/// country with a dual-criminality reservation, as if "" were an offence
/// outside it. Without an offence there is no ground for refusal.
#[test]
fn regression_an_incident_without_an_offence_is_not_refused_under_a_reservation() {
    let reserving = "staffing = \"24/7\"\ndual_criminality = [\"hate-speech\"]";
    let unnamed = &run_all(&simultaneous(1, reserving, ""))[0];
    assert_ne!(unnamed.hops[0].outcome, HopOutcome::Refused);
    assert!(unnamed.hops[0].preserved_ms.is_some());
    let outside = &run_all(&simultaneous(1, reserving, "offence = \"hate-speech\""))[0];
    assert_eq!(outside.hops[0].outcome, HopOutcome::Refused);
}

/// Regression (defect 5): `officers = 4000000000` passed `check`, then `run`
/// aborted allocating 32 GB. The scenario reader and the gRPC edge share one
/// constructor, which bounds officers, identifiers, delays and holidays.
#[test]
fn regression_unbounded_values_are_refused_where_they_are_written() {
    let bad = [
        ("officers = 4000000000", "officers"),
        ("officers = 0", "at least one officer"),
        ("acknowledgement = \"200000d\"", "longer than a century"),
    ];
    for (line, expected) in bad {
        assert_country_line_refused(line, expected);
    }
    let long_id = format!(
        "\n[[incidents]]\nid = \"{}\"\nreported_by = \"FR\"\ncommunication = \"2026-03-03T10:00:00Z\"\ndetection = \"0s\"\nchain = [\"orange-fr\"]\n",
        "x".repeat(65)
    );
    let text = crate::support::library_text("quickstart.toml") + &long_id;
    let rendered = format!("{:?}", Scenario::parse("long.toml", &text).unwrap_err());
    assert!(rendered.contains("65 bytes long"), "{rendered}");
}

/// Regression: a carrier the communication crossed twice (out through a VPN,
/// through a host, back through the same VPN) holds one record per crossing.
/// Its records were keyed by carrier alone, so the first crossing disclosed
/// the second one's previous hop and the trace skipped the host.
#[test]
fn a_carrier_crossed_twice_discloses_each_crossing_s_own_previous_hop() {
    let mut scenario = world("hub", "", "retention = \"30d\"", "");
    let de = pocnet_node::CarrierId::from("de");
    let us = pocnet_node::CarrierId::from("us");
    scenario.incidents[0].chain = vec![de, us, de, us];
    let incident = run(&scenario);
    let walked: Vec<(String, HopOutcome)> = incident.hops.iter().map(|h| (h.carrier.to_string(), h.outcome)).collect();
    assert_eq!(
        walked,
        [
            ("de".to_owned(), HopOutcome::NextHopDisclosed),
            ("us".to_owned(), HopOutcome::NextHopDisclosed),
            ("de".to_owned(), HopOutcome::NextHopDisclosed),
            ("us".to_owned(), HopOutcome::OriginFound),
        ]
    );
    assert_eq!(incident.hops[0].next_hop.as_ref().map(|n| n.carrier), Some(us));
}

/// The minimum message delay is a floor, as docs/domain.md says: no request
/// crosses faster, and with the default delays about one in eight lands on it.
#[test]
fn messages_never_cross_faster_than_the_minimum_delay_and_some_land_on_it() {
    use pocnet_coordinator::replication::{self, Options};
    let scenario = crate::support::load("quickstart.toml");
    let floor = scenario.network.min_message_delay_ms;
    let (mut on_floor, mut all) = (0, 0);
    replication::run_in_process(
        &scenario,
        scenario.seed,
        &Options {
            replications: 400,
            threads: 2,
            progress: false,
            horizon_ms: pocnet_coordinator::analysis::DEFAULT_HORIZON_MS,
        },
        |_, log| {
            for incident in pocnet_coordinator::report::incident_reports(&scenario, &log.events) {
                for hop in incident.hops.iter().filter(|h| !h.domestic) {
                    if let (Some(sent), Some(received)) = (hop.request_sent_ms.get(), hop.request_received_ms.get()) {
                        assert!(received - sent >= floor, "a request crossed in {} ms", received - sent);
                        all += 1;
                        on_floor += usize::from(received - sent == floor);
                    }
                }
            }
        },
    )
    .unwrap();
    let share = on_floor as f64 / all as f64;
    assert!((0.08..0.18).contains(&share), "{on_floor} of {all} requests on the floor ({share:.3})");
}

/// Work in hand finishes, as docs/domain.md says: a desk that opens at
/// 09:00 and closes at 10:50 still finishes the 30-minute handling it began
/// at 10:40, past closing, instead of holding it to the next morning.
#[test]
fn work_begun_in_office_hours_runs_past_closing_time() {
    let short_day = "staffing = { office_hours = \"09:00-10:50\", days = \"Mon-Fri\" }";
    let report = run(&world("hub", short_day, "retention = \"30d\"", ""));
    let received = report.hops[0].request_received_ms.get().unwrap();
    let acknowledged = report.hops[0].acknowledged_ms.get().unwrap();
    let closing = 24 * H + 10 * H + 50 * 60_000;
    assert!(received < closing && acknowledged > closing, "begun before 10:50, done after");
    assert_eq!(acknowledged - received, 30 * 60_000, "the handling's own length, not a night's wait");
}
