//! Every scenario in `scenarios/` runs and matches its checked-in report.
//! Adding a scenario adds a file; refresh expectations with `POCNET_BLESS=1 cargo test`.

use crate::support::{self, workspace_root};
use pocnet_coordinator::engine::Placement;
use pocnet_coordinator::report::Report;
use pocnet_coordinator::scenario::Scenario;

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
        for (ext, actual) in [("txt", report.render_text(&scenario)), ("json", report.to_json())] {
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
