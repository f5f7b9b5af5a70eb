//! The deployment files validate: Kubernetes manifests against the API's
//! schemas (kubernetes-validate, strict: unknown fields are errors; and
//! `kubectl apply --dry-run=client` when a cluster answers), the compose
//! file with docker-compose, and the Dockerfile's shape. Each validator is
//! first shown a broken copy, so a validator that accepts anything fails.
//!
//! These tests run when the tools are on the PATH, or when
//! `POCNET_DEPLOY_TESTS=1` asks for them (as `.ci/run` does, after
//! installing them); otherwise they print why they skipped and pass.

use crate::support::workspace_root;
use std::path::Path;
use std::process::{Command, Output};

/// Whether `program` can be run here; a missing one fails only when the deploy tests are asked for.
fn available(program: &str, install: &str) -> bool {
    let found =
        Command::new("sh").args(["-c", &format!("command -v {program}")]).output().is_ok_and(|o| o.status.success());
    let required = std::env::var("POCNET_DEPLOY_TESTS").is_ok_and(|v| v == "1");
    assert!(found || !required, "POCNET_DEPLOY_TESTS=1 but `{program}` is not on the PATH ({install})");
    if !found {
        eprintln!("skipped: `{program}` not found ({install}; POCNET_DEPLOY_TESTS=1 makes its absence a failure)");
    }
    found
}

fn run(program: &str, args: &[&str]) -> Output {
    Command::new(program).args(args).current_dir(workspace_root()).output().expect("the validator runs")
}

fn report(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

fn manifests() -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(workspace_root().join("deploy/k8s"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .map(|p| p.display().to_string())
        .collect();
    files.sort();
    files
}

/// A copy of `file` with `from` replaced by `to`, in `dir`.
fn broken(file: &Path, from: &str, to: &str, dir: &Path) -> String {
    let text = std::fs::read_to_string(file).unwrap();
    assert!(text.contains(from), "{} contains `{from}`", file.display());
    let copy = dir.join(file.file_name().unwrap());
    std::fs::write(&copy, text.replacen(from, to, 1)).unwrap();
    copy.display().to_string()
}

#[test]
fn kubernetes_manifests_validate_against_the_api_schemas() {
    if !available("kubernetes-validate", "pip install kubernetes-validate") {
        return;
    }
    let files = manifests();
    assert!(files.len() >= 4, "nodes, coordinator, shards and merge: {files:?}");
    let dir = tempfile::tempdir().unwrap();
    let nodes = workspace_root().join("deploy/k8s/nodes.yaml");
    let typo = broken(&nodes, "serviceName: pocnet", "serviceNme: pocnet", dir.path());
    let rejected = run("kubernetes-validate", &["--strict", "--quiet", &typo]);
    assert!(!rejected.status.success(), "a misspelt field is caught: {}", report(&rejected));

    let mut args = vec!["--strict", "--quiet"];
    args.extend(files.iter().map(String::as_str));
    let checked = run("kubernetes-validate", &args);
    assert!(checked.status.success(), "{}", report(&checked));

    // Against a real API server too, when one answers (never in CI here).
    if available("kubectl", "the Kubernetes client") {
        let cluster = run("kubectl", &["cluster-info", "--request-timeout=3s"]);
        if cluster.status.success() {
            let dry = run("kubectl", &["apply", "--dry-run=client", "-f", "deploy/k8s/"]);
            assert!(dry.status.success(), "{}", report(&dry));
        } else {
            eprintln!("skipped: `kubectl apply --dry-run=client` needs a cluster to answer, and none does here");
        }
    }
}

#[test]
fn the_compose_file_validates() {
    if !available("docker-compose", "apt-get install docker-compose") {
        return;
    }
    let compose = workspace_root().join("deploy/compose.yaml");
    let dir = tempfile::tempdir().unwrap();
    let typo = broken(&compose, "depends_on:\n      - node-de", "depends_onn:\n      - node-de", dir.path());
    let rejected = run("docker-compose", &["-f", &typo, "config", "-q"]);
    assert!(!rejected.status.success(), "a misspelt key is caught: {}", report(&rejected));
    let checked = run("docker-compose", &["-f", "deploy/compose.yaml", "config", "-q"]);
    assert!(checked.status.success(), "{}", report(&checked));
}

/// What can be checked of the image without a Docker engine (none runs
/// here): two stages, an unprivileged user, the binary as entry point.
#[test]
fn the_image_is_multi_stage_and_runs_unprivileged() {
    let dockerfile = std::fs::read_to_string(workspace_root().join("deploy/Dockerfile")).unwrap();
    let stages = dockerfile.lines().filter(|l| l.starts_with("FROM ")).count();
    assert_eq!(stages, 2, "a build stage and a small runtime stage");
    let user = dockerfile.lines().rev().find_map(|l| l.strip_prefix("USER ")).expect("a USER line");
    assert!(!user.starts_with("root") && !user.starts_with("0"), "the runtime user is not root: {user}");
    assert!(dockerfile.contains("ENTRYPOINT [\"/usr/local/bin/pocnet\"]"));
    assert!(dockerfile.contains("--locked"), "the image builds the locked dependencies");
}
