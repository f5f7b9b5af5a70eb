//! The simulator against answers known in closed form. Statistical checks
//! use a 99.9% band (3.29 standard errors), with a fixed seed, so they are
//! deterministic and would catch a bias of a few percent.

use pocnet_coordinator::analysis::Aggregate;
use pocnet_coordinator::replication::{self, Options};
use pocnet_coordinator::report::{self, IncidentReport, TraceResult};
use pocnet_coordinator::scenario::Scenario;

const Z999: f64 = 3.290_526_731;

/// Reporter `R` hands the request straight on (24/7, no handling time,
/// 1-minute transit); the requested country `X` and its carrier vary.
fn one_hop(x_staffing: &str, x_acknowledgement: &str, retention: &str, detection: &str) -> Scenario {
    let text = format!(
        r#"
[scenario]
name = "closed form"
epoch = "2026-03-02T00:00:00Z"   # a Monday, 00:00 UTC
seed = 11

[network]
min_message_delay = "1m"
message_delay = "1m"

[countries.RR]
name = "Reporter"
time_zone = "UTC"
staffing = "24/7"
acknowledgement = "0s"

[countries.XX]
name = "Requested"
time_zone = "UTC"
staffing = {x_staffing}
acknowledgement = {x_acknowledgement}
preservation_order = "0s"

[carriers.isp]
country = "XX"
kind = "access-isp"
retention = "{retention}"
preservation = "1h"
disclosure = "1h"

[[incidents]]
id = "only"
reported_by = "RR"
communication = "2026-03-02T00:00:00Z"
detection = {detection}
chain = ["isp"]
"#
    );
    Scenario::parse("closed-form.toml", &text).unwrap_or_else(|e| panic!("{e:?}"))
}

fn replicate(scenario: &Scenario, replications: u64) -> (Aggregate, Vec<IncidentReport>) {
    let options = Options {
        replications,
        threads: 2,
        progress: false,
        horizon_ms: pocnet_coordinator::analysis::DEFAULT_HORIZON_MS,
    };
    let mut aggregate = Aggregate::new();
    let mut incidents = Vec::new();
    replication::run_in_process(scenario, scenario.seed, &options, |r, log| {
        let reports = report::incident_reports(scenario, &log.events);
        aggregate.add(scenario, r, &reports);
        incidents.extend(reports);
    })
    .unwrap();
    (aggregate, incidents)
}

#[test]
fn survival_against_an_exponential_acknowledgement_is_one_minus_e_to_the_minus_lambda_t() {
    // The order reaches the carrier 1 min (transit) + Exp(mean 1 h) after the
    // communication; the logs last 2 h: P = 1 - exp(-(120 - 1) / 60).
    let scenario = one_hop("\"24/7\"", "{ mean = \"1h\" }", "2h", "\"0s\"");
    let (aggregate, _) = replicate(&scenario, 4000);
    let expected = 1.0 - (-(119.0f64) / 60.0).exp();
    let n = aggregate.traces.trials as f64;
    let observed = aggregate.traces.share().unwrap();
    let se = (expected * (1.0 - expected) / n).sqrt();
    assert!(
        (observed - expected).abs() <= Z999 * se,
        "observed {observed:.4}, expected {expected:.4} ± {:.4}",
        Z999 * se
    );
    // One incident, a trace a replication: this world's interval contains
    // the share; over incidents there is none (one cluster).
    let shown = pocnet_coordinator::statistics::Proportion::of(&aggregate.origin);
    assert_eq!(shown.intervals.len(), 1, "{shown:?}");
    let this_world = &shown.intervals[0];
    assert_eq!(this_world.kind, pocnet_coordinator::intervals::IntervalKind::ThisWorld);
    assert!(this_world.low < observed && observed < this_world.high, "{shown:?}");
}

#[test]
fn a_chain_of_fixed_delays_takes_exactly_their_sum_under_hub_and_under_relay() {
    let text = |strategy: &str| {
        format!(
            r#"
[scenario]
name = "fixed chain"
epoch = "2026-03-02T00:00:00Z"
seed = 3
strategy = "{strategy}"
[network]
min_message_delay = "1m"
message_delay = "5m"
[countries.RR]
name = "R"
time_zone = "UTC"
staffing = "24/7"
acknowledgement = "10m"
[countries.XX]
name = "X"
time_zone = "UTC"
staffing = "24/7"
acknowledgement = "20m"
preservation_order = "15m"
[countries.YY]
name = "Y"
time_zone = "UTC"
staffing = "24/7"
acknowledgement = "30m"
preservation_order = "15m"
[carriers.x]
country = "XX"
kind = "vpn"
retention = "30d"
preservation = "2h"
disclosure = "6h"
[carriers.y]
country = "YY"
kind = "access-isp"
retention = "30d"
preservation = "2h"
disclosure = "6h"
[[incidents]]
id = "only"
reported_by = "RR"
communication = "2026-03-02T00:00:00Z"
detection = "0s"
chain = ["x", "y"]
"#
        )
    };
    const MIN: i64 = 60_000;
    // Hub: R desk 10 → transit 5 → X ack 20 → order drafted 15 → 2 h + 6 h → back to R 5 → R desk 10
    // → transit 5 → Y ack 30 → order drafted 15 → 8 h.
    let hub = 10 + 5 + 20 + 15 + 480 + 5 + 10 + 5 + 30 + 15 + 480;
    // Relay: X's own desk (20) sends the next request; nothing goes back to R first.
    let relay = 10 + 5 + 20 + 15 + 480 + 20 + 5 + 30 + 15 + 480;
    for (strategy, expected_min) in [("hub", hub), ("relay", relay)] {
        let scenario = Scenario::parse("fixed.toml", &text(strategy)).unwrap();
        let (_, incidents) = replicate(&scenario, 20);
        for incident in incidents {
            assert_eq!(incident.trace.result, TraceResult::OriginPreserved);
            assert_eq!(incident.trace.since_report_ms, Some(expected_min * MIN), "{strategy}");
        }
    }
}

#[test]
fn an_office_hours_desk_makes_requests_uniform_over_the_week_wait_15_2_hours_on_average() {
    // Requests arrive uniformly over the week (detection uniform over 7 days,
    // 24/7 reporter, 1-minute transit). Mon-Fri 09:00-17:00 leaves four 16 h
    // nights and one 64 h weekend closed: E[wait] = (4·16²/2 + 64²/2) / 168 h.
    let expected_h = (4.0 * 16.0 * 16.0 / 2.0 + 64.0 * 64.0 / 2.0) / 168.0;
    let office = "{ office_hours = \"09:00-17:00\", days = \"Mon-Fri\" }";
    let uniform_week = "{ min = \"0s\", max = \"7d\" }";
    for (staffing, expected) in [("\"24/7\"", 0.0), (office, expected_h)] {
        let scenario = one_hop(staffing, "\"0s\"", "365d", uniform_week);
        let (_, incidents) = replicate(&scenario, 4000);
        let waits: Vec<f64> = incidents
            .iter()
            .map(|i| &i.hops[0])
            .map(|h| (h.acknowledged_ms.get().unwrap() - h.request_received_ms.get().unwrap()) as f64 / 3_600_000.0)
            .collect();
        let n = waits.len() as f64;
        let mean = waits.iter().sum::<f64>() / n;
        let sd = (waits.iter().map(|w| (w - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
        let band = Z999 * sd / n.sqrt() + 1e-9;
        assert!(
            (mean - expected).abs() <= band,
            "{staffing}: mean wait {mean:.3} h, expected {expected:.3} ± {band:.3} h"
        );
    }
}
