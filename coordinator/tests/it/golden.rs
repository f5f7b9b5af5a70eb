//! Every scenario in `scenarios/` runs and matches its checked-in report.
//! Adding a scenario adds a file; refresh expectations with `POCNET_BLESS=1 cargo test`.

use crate::support::{self, workspace_root};
use pocnet_coordinator::engine::Placement;
use pocnet_coordinator::report::Report;
use pocnet_coordinator::scenario::Scenario;
use sha2::{Digest, Sha256};

const MAX_GOLDEN_JSON_BYTES: usize = 1 << 20;

#[tokio::test]
async fn every_scenario_matches_its_golden_report() {
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
        let log = pocnet_coordinator::engine::run_scenario(&scenario, scenario.seed, &Placement::InProcess)
            .await
            .expect("the run completes");
        let report = Report::build(&scenario, &log);
        // Large JSON reports are pinned by their SHA-256: the text report
        // beside them shows what changed, without megabytes in the repository.
        let json = report.to_json();
        let json_golden = if json.len() <= MAX_GOLDEN_JSON_BYTES {
            ("json", json)
        } else {
            let digest: String = Sha256::digest(json.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
            ("json.sha256", format!("{digest}\n"))
        };
        for (ext, actual) in
            [("txt".to_owned(), report.render_text(&scenario)), (json_golden.0.to_owned(), json_golden.1)]
        {
            let expected_path = golden_dir.join(format!("{stem}.{ext}"));
            if bless {
                std::fs::write(&expected_path, &actual).expect("golden file written");
                continue;
            }
            match std::fs::read_to_string(&expected_path) {
                Ok(expected) if expected == actual => {}
                Ok(_) => mismatches.push(format!("{} differs (POCNET_BLESS=1 to refresh)", expected_path.display())),
                Err(_) => mismatches.push(format!("{} is missing (POCNET_BLESS=1 to create)", expected_path.display())),
            }
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

#[tokio::test]
async fn weekend_trail_stops_under_hub_and_reaches_the_origin_under_relay() {
    let mut scenario = support::load("weekend-trail.toml");
    for (strategy, expected) in
        [(pocnet_node::Strategy::Hub, "stopped"), (pocnet_node::Strategy::Relay, "origin_identified")]
    {
        scenario.strategy = strategy;
        for seed in [1, 2, 3] {
            let json = support::run_json(&scenario, seed, &Placement::InProcess).await;
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
    let log = pocnet_coordinator::engine::run_in_process_blocking(&ransomware, ransomware.seed, 0).unwrap();
    let results: Vec<TraceResult> =
        report::incident_reports(&ransomware, &log.events).iter().map(|i| i.trace.result).collect();
    assert_eq!(results, [TraceResult::Stopped, TraceResult::OriginIdentified, TraceResult::Stopped]);

    let survival = |scenario: &Scenario| {
        let mut aggregate = Aggregate::new();
        let options = Options { replications: 60, threads: 2, progress: false };
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
