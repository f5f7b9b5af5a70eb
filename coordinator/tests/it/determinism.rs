//! The three byte-identity properties: same seed twice, in-process against
//! gRPC, and nodes in separate processes.

use crate::support::{self, pocnet, text};
use pocnet_coordinator::engine::Placement;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[test]
fn the_same_scenario_and_seed_give_a_byte_identical_json_report() {
    let dir = tempfile::tempdir().unwrap();
    let runs: Vec<Vec<u8>> = (0..2)
        .map(|i| {
            let path = dir.path().join(format!("run{i}.json"));
            let output =
                pocnet(&["run", "scenarios/weekend-trail.toml", "--seed", "42", "--json", path.to_str().unwrap()]);
            assert!(output.status.success(), "{}", text(&output.stderr));
            std::fs::read(path).unwrap()
        })
        .collect();
    assert_eq!(runs[0], runs[1]);
    // A different seed must change something, or the seed is not used at all.
    let other = dir.path().join("other.json");
    let output = pocnet(&["run", "scenarios/weekend-trail.toml", "--seed", "43", "--json", other.to_str().unwrap()]);
    assert!(output.status.success());
    assert_ne!(runs[0], std::fs::read(other).unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_process_and_grpc_transports_give_byte_identical_reports() {
    for name in ["quickstart.toml", "weekend-trail.toml"] {
        let scenario = support::load(name);
        for seed in [scenario.seed, 7] {
            let inproc = support::run_json(&scenario, seed, &Placement::InProcess).await;
            let grpc = support::run_json(&scenario, seed, &Placement::LocalGrpc).await;
            assert_eq!(inproc, grpc, "{name} seed {seed}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nodes_in_separate_processes_give_the_same_report() {
    let scenario = support::load("quickstart.toml");
    let mut processes = support::Processes(Vec::new());
    let mut nodes = Vec::new();
    for code in scenario.countries.keys() {
        let mut child = Command::new(env!("CARGO_BIN_EXE_pocnet"))
            .args(["node", "--listen", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("pocnet node starts");
        let mut first_line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut first_line).unwrap();
        processes.0.push(child);
        let address = first_line.trim().rsplit(' ').next().expect("the line ends with the address").to_owned();
        nodes.push(format!("{code}=http://{address}"));
    }
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("multi.json");
    let nodes = nodes.join(",");
    let output = pocnet(&["run", "scenarios/quickstart.toml", "--nodes", &nodes, "--json", json.to_str().unwrap()]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let inproc = support::run_json(&scenario, scenario.seed, &Placement::InProcess).await;
    assert_eq!(std::fs::read_to_string(json).unwrap(), inproc);
    // The same nodes can be configured again for a second run.
    let again = pocnet(&["run", "scenarios/quickstart.toml", "--nodes", &nodes]);
    assert!(again.status.success(), "{}", text(&again.stderr));
    drop(processes);
}
