//! Every scenario in `scenarios/` runs and matches its checked-in report.
//! Adding a scenario adds a file; refresh expectations with `POCNET_BLESS=1 cargo test`.

use crate::support::{self, workspace_root};
use pocnet_coordinator::report::Report;
use pocnet_coordinator::scenario::Scenario;

const MAX_GOLDEN_JSON_BYTES: usize = 1 << 20;

/// Every scenario runs in process and over gRPC (the same bytes, or the test
/// says where they differ), and its text report and JSON report match the
/// checked-in files. A JSON report over 1 MB is goldened as a compact summary
/// a person can review instead: one line per incident and the event counts.
#[test]
fn every_scenario_matches_its_golden_report() {
    let golden_dir = workspace_root().join("coordinator/tests/golden");
    let bless = std::env::var_os("POCNET_BLESS").is_some();
    let mut scenarios: Vec<_> = std::fs::read_dir(workspace_root().join("scenarios"))
        .expect("scenarios/ exists")
        .map(|entry| entry.expect("readable entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        .collect();
    scenarios.sort();
    assert!(scenarios.len() >= 2, "scenarios/ holds at least quickstart and weekend-trail");
    let mut mismatches = Vec::new();
    for path in scenarios {
        let stem = path.file_stem().expect("a file name").to_string_lossy().into_owned();
        let scenario = Scenario::load(&path).unwrap_or_else(|e| panic!("{}: {e:?}", path.display()));
        let log = support::run_both(&scenario, scenario.seed);
        let report = Report::build(&scenario, &log);
        let json = report.to_json();
        let json_golden =
            if json.len() <= MAX_GOLDEN_JSON_BYTES { ("json", json) } else { ("summary.txt", summary(&report)) };
        for (ext, actual) in [("txt", report.render_text(&scenario)), json_golden] {
            let expected_path = golden_dir.join(format!("{stem}.{ext}"));
            if bless {
                std::fs::write(&expected_path, &actual).expect("golden file written");
                continue;
            }
            match std::fs::read_to_string(&expected_path) {
                Ok(expected) => {
                    if let Some(diff) = support::first_difference(&expected, &actual) {
                        mismatches
                            .push(format!("{} differs (POCNET_BLESS=1 to refresh):\n{diff}", expected_path.display()));
                    }
                }
                Err(_) => mismatches.push(format!("{} is missing (POCNET_BLESS=1 to create)", expected_path.display())),
            }
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

/// On a terminal a run details only its first incidents: the text is the
/// full report's up to the cut, one line naming how many more there are,
/// then the full report's summaries, which still count every incident.
#[test]
fn a_terminal_shows_the_first_incidents_and_every_summary() {
    let scenario = support::load("ransomware-emergency.toml");
    let report = Report::build(&scenario, &support::run_both(&scenario, scenario.seed));
    assert_eq!(report.incidents.len(), 3, "the test cuts a report of three incidents after the first");
    let full = report.render_text(&scenario);
    let mut shown = String::new();
    report.write_text_showing(&scenario, &mut shown, 1);
    let second =
        full.find("\nIncident ").and_then(|first| full[first + 1..].find("\nIncident ").map(|i| first + 1 + i));
    let second = second.expect("the full report details a second incident");
    let summaries = full.find("\nOutcomes:").expect("the full report has its outcomes");
    let expected = format!(
        "{}\n... 2 more incidents not shown on a terminal: redirect the report to a file, \
         or use --json or --csv, to have every one\n{}",
        &full[..second],
        &full[summaries..]
    );
    if let Some(diff) = support::first_difference(&expected, &shown) {
        panic!("the cut report differs from the full one cut:\n{diff}");
    }
    let mut all = String::new();
    report.write_text_showing(&scenario, &mut all, 3);
    assert_eq!(all, full, "showing every incident is the full report");
}

/// A large run in lines a reviewer can read: each incident's result, and how
/// many events of each kind each country recorded.
fn summary(report: &Report) -> String {
    use std::collections::BTreeMap;
    use std::fmt::Write as _;
    let mut out =
        format!("{} incidents, {} events, seed {}\n", report.incidents.len(), report.events.len(), report.seed);
    for incident in &report.incidents {
        let trace = &incident.trace;
        let _ = writeln!(
            out,
            "{} {:?} hop {} after {} ms",
            incident.id,
            trace.result,
            trace.hop.map_or("-".to_owned(), |h| h.to_string()),
            trace.since_report_ms.map_or("-".to_owned(), |ms| ms.to_string())
        );
    }
    let mut counts: BTreeMap<(String, String), u64> = BTreeMap::new();
    for event in &report.events {
        let kind =
            serde_json::to_value(&event.kind).expect("events serialize")["kind"].as_str().unwrap_or("?").to_owned();
        *counts.entry((event.country.to_string(), kind)).or_default() += 1;
    }
    for ((country, kind), n) in counts {
        let _ = writeln!(out, "{country} {kind} {n}");
    }
    out
}

#[test]
fn weekend_trail_stops_under_hub_and_reaches_the_origin_under_relay() {
    let mut scenario = support::load("weekend-trail.toml");
    for (strategy, expected) in
        [(pocnet_node::Strategy::Hub, "stopped"), (pocnet_node::Strategy::Relay, "origin_preserved")]
    {
        scenario.strategy = strategy;
        for seed in [1, 2, 3] {
            let json = Report::build(&scenario, &support::run_both(&scenario, seed)).to_json();
            let report: serde_json::Value = serde_json::from_str(&json).unwrap();
            assert_eq!(report["incidents"][0]["trace"]["result"], expected, "{strategy:?} seed {seed}");
        }
    }
}

/// The stories the library's comments tell hold for the shipped seeds.
#[test]
fn the_library_scenarios_tell_the_stories_their_comments_promise() {
    use pocnet_coordinator::analysis::Aggregate;
    use pocnet_coordinator::replication::{self, Options};
    use pocnet_coordinator::report::{self, TraceResult};

    let ransomware = support::load("ransomware-emergency.toml");
    let log = support::run_both(&ransomware, ransomware.seed);
    let results: Vec<TraceResult> =
        report::incident_reports(&ransomware, &log.events).iter().map(|i| i.trace.result).collect();
    assert_eq!(results, [TraceResult::Stopped, TraceResult::OriginPreserved, TraceResult::Stopped]);

    let survival = |scenario: &Scenario| {
        let mut aggregate = Aggregate::new();
        let options = Options {
            replications: 60,
            threads: 2,
            progress: false,
            horizon_ms: pocnet_coordinator::analysis::DEFAULT_HORIZON_MS,
        };
        replication::run_in_process(scenario, scenario.seed, &options, |r, log| {
            aggregate.add(scenario, r, &report::incident_reports(scenario, &log.events));
        })
        .unwrap();
        aggregate.traces.share().unwrap()
    };
    let mut world = support::load("hub-vs-relay.toml");
    let hub = survival(&world);
    world.strategy = pocnet_node::Strategy::Relay;
    let relay = survival(&world);
    world.strategy = pocnet_node::Strategy::Parallel;
    let parallel = survival(&world);
    assert!(hub < relay && relay < parallel, "hub {hub}, relay {relay}, parallel {parallel}");
}
