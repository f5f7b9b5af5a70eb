//! Helpers shared by the integration tests.

use pocnet_coordinator::engine::{self, Placement};
use pocnet_coordinator::report::{Report, RunRecorder};
use pocnet_coordinator::scenario::Scenario;
use pocnet_coordinator::units::to_json;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("coordinator/ sits in the workspace").to_path_buf()
}

pub fn scenario_path(name: &str) -> PathBuf {
    workspace_root().join("scenarios").join(name)
}

/// A library scenario's text, its catalogue include made absolute so that
/// the text reads wherever a test writes or parses it.
pub fn library_text(name: &str) -> String {
    let text = std::fs::read_to_string(scenario_path(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    let catalogue = scenario_path("catalogue/countries.toml");
    let absolute = format!("include = [\"{}\"]", catalogue.display());
    text.replace("include = [\"catalogue/countries.toml\"]", &absolute)
        .replace("include = [\"../catalogue/countries.toml\"]", &absolute)
}

pub fn load(name: &str) -> Scenario {
    Scenario::load(&scenario_path(name)).unwrap_or_else(|e| panic!("{name}: {e:?}"))
}

/// Runs a scenario in process and over loopback gRPC, checks that both give
/// the same JSON report byte for byte, and that the report projected while
/// the log streams by (as `pocnet run` builds it, keeping no log) says the
/// same as the one built from the kept log; returns the run's log. Every
/// domain and golden test runs through here, so no behaviour is tested on
/// one transport or one path only.
pub fn run_both(scenario: &Scenario, seed: u64) -> engine::RunLog {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let inproc = runtime.block_on(engine::run_scenario(scenario, seed, &Placement::InProcess)).expect("in process");
    let grpc = runtime.block_on(engine::run_scenario(scenario, seed, &Placement::LocalGrpc)).expect("over gRPC");
    let kept = Report::build(scenario, &inproc);
    let (a, b) = (kept.to_json(), Report::build(scenario, &grpc).to_json());
    if let Some(diff) = first_difference(&a, &b) {
        panic!("{}: the in-process (-) and gRPC (+) reports differ:\n{diff}", scenario.name);
    }
    let mut recorder = RunRecorder::new(scenario, false);
    runtime
        .block_on(engine::run_scenario_into(scenario, seed, &Placement::InProcess, &mut recorder))
        .expect("streamed in process");
    let streamed = recorder.into_report(scenario, seed);
    assert!(streamed.events.is_empty(), "a report that keeps no log carries none");
    let (a, b) = (to_json(&kept.incidents), to_json(&streamed.incidents));
    if let Some(diff) = first_difference(&a, &b) {
        panic!("{}: the kept-log (-) and streamed (+) projections differ:\n{diff}", scenario.name);
    }
    assert_eq!(kept.render_text(scenario), streamed.render_text(scenario), "{}", scenario.name);
    inproc
}

/// The first differing line of two texts with three lines of context, as a
/// unified-diff-like excerpt; `None` when they are equal.
pub fn first_difference(expected: &str, actual: &str) -> Option<String> {
    if expected == actual {
        return None;
    }
    let (e, a): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), actual.lines().collect());
    let line = e.iter().zip(&a).position(|(x, y)| x != y).unwrap_or(e.len().min(a.len()));
    let from = line.saturating_sub(3);
    let mut out = format!("@@ line {} ({} lines expected, {} actual) @@\n", line + 1, e.len(), a.len());
    for context in &e[from..line] {
        out.push_str(&format!("  {context}\n"));
    }
    for removed in e.iter().skip(line).take(4) {
        out.push_str(&format!("- {removed}\n"));
    }
    for added in a.iter().skip(line).take(4) {
        out.push_str(&format!("+ {added}\n"));
    }
    Some(out)
}

/// Runs a scenario through the library and returns its JSON report.
pub async fn run_json(scenario: &Scenario, seed: u64, placement: &Placement) -> String {
    let log = engine::run_scenario(scenario, seed, placement).await.expect("the run completes");
    Report::build(scenario, &log).to_json()
}

/// Runs the `pocnet` binary as a user would.
pub fn pocnet(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pocnet"))
        .args(args)
        .current_dir(workspace_root())
        .env_remove("RUST_LOG")
        .output()
        .expect("pocnet runs")
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Child processes (`pocnet node`s), killed when the test ends however it ends.
pub struct Processes(pub Vec<std::process::Child>);

impl Drop for Processes {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
