//! Helpers shared by the integration tests.

use pocnet_coordinator::engine::{self, Placement};
use pocnet_coordinator::report::Report;
use pocnet_coordinator::scenario::Scenario;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("coordinator/ sits in the workspace").to_path_buf()
}

pub fn scenario_path(name: &str) -> PathBuf {
    workspace_root().join("scenarios").join(name)
}

pub fn load(name: &str) -> Scenario {
    Scenario::load(&scenario_path(name)).unwrap_or_else(|e| panic!("{name}: {e:?}"))
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
