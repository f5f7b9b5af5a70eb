//! Several hosts on one machine: each country's node in a network namespace
//! of its own and the coordinator in another, joined by veth pairs to a
//! bridge in a fifth namespace (the switch), with mutual TLS on. The report
//! is the bytes of an in-process run.
//!
//! The namespaces are made by the test and deleted however it ends; nothing
//! in the machine's own namespace changes. It needs root and iproute2: it
//! runs when both are there, or when `POCNET_NETNS_TESTS=1` asks for it (as
//! `.ci/run` does); otherwise it says why it skipped.

use crate::support::{self, text};
use pocnet_coordinator::engine::Placement;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

fn possible() -> bool {
    let root = Command::new("id").arg("-u").output().is_ok_and(|o| text(&o.stdout).trim() == "0");
    let ip = Command::new("ip").arg("-V").output().is_ok_and(|o| o.status.success());
    let required = std::env::var("POCNET_NETNS_TESTS").is_ok_and(|v| v == "1");
    assert!(root && ip || !required, "POCNET_NETNS_TESTS=1 but root: {root}, iproute2: {ip}");
    if !(root && ip) {
        eprintln!(
            "skipped: network namespaces need root and iproute2 (root: {root}, ip: {ip}); POCNET_NETNS_TESTS=1 makes this a failure"
        );
    }
    root && ip
}

fn ip(args: &[&str]) {
    let output = Command::new("ip").args(args).output().expect("ip runs");
    assert!(output.status.success(), "ip {}: {}", args.join(" "), text(&output.stderr));
}

/// The namespaces of one test, deleted when it ends (their links go with them).
struct Hosts {
    names: Vec<String>,
    processes: Vec<Child>,
}

impl Drop for Hosts {
    fn drop(&mut self) {
        for child in &mut self.processes {
            let _ = child.kill();
            let _ = child.wait();
        }
        for name in &self.names {
            let _ = Command::new("ip").args(["netns", "del", name]).status();
        }
    }
}

impl Hosts {
    /// A switch namespace with a bridge, and one host namespace per name,
    /// each with `eth0` at 10.77.0.(index + 1) on the bridge.
    fn new(hosts: &[&str]) -> Hosts {
        let tag = std::process::id() % 100_000;
        let switch = format!("pocnet-sw-{tag}");
        let mut made = Hosts { names: vec![switch.clone()], processes: Vec::new() };
        ip(&["netns", "add", &switch]);
        ip(&["-n", &switch, "link", "add", "br0", "type", "bridge"]);
        ip(&["-n", &switch, "link", "set", "br0", "up"]);
        for (i, host) in hosts.iter().enumerate() {
            let name = format!("pocnet-{host}-{tag}");
            ip(&["netns", "add", &name]);
            made.names.push(name.clone());
            let port = format!("p{i}");
            ip(&["link", "add", &port, "netns", &switch, "type", "veth", "peer", "name", "eth0", "netns", &name]);
            ip(&["-n", &switch, "link", "set", &port, "master", "br0", "up"]);
            ip(&["-n", &name, "addr", "add", &format!("{}/24", address(i)), "dev", "eth0"]);
            ip(&["-n", &name, "link", "set", "eth0", "up"]);
            ip(&["-n", &name, "link", "set", "lo", "up"]);
        }
        made
    }

    fn namespace(&self, i: usize) -> &str {
        &self.names[i + 1]
    }
}

fn address(i: usize) -> String {
    format!("10.77.0.{}", i + 1)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nodes_on_three_hosts_over_mutual_tls_give_the_in_process_report() {
    if !possible() {
        return;
    }
    let scenario = support::load("quickstart.toml");
    let countries: Vec<String> = scenario.countries.keys().map(|c| c.as_str().to_owned()).collect();
    let certs = tempfile::tempdir().unwrap();
    let codes: Vec<pocnet_node::CountryCode> = countries.iter().map(|c| c.as_str().into()).collect();
    pocnet_coordinator::certs::init(certs.path(), &codes, 30).unwrap();
    let certs_dir = certs.path().display().to_string();

    // Host 0 is the coordinator's; hosts 1.. are the countries'.
    let mut names = vec!["coord"];
    let lower: Vec<String> = countries.iter().map(|c| c.to_ascii_lowercase()).collect();
    names.extend(lower.iter().map(String::as_str));
    let mut hosts = Hosts::new(&names);
    let mut nodes = Vec::new();
    for (i, country) in countries.iter().enumerate() {
        let listen = format!("{}:7001", address(i + 1));
        let mut child = Command::new("ip")
            .args(["netns", "exec", hosts.namespace(i + 1), env!("CARGO_BIN_EXE_pocnet"), "node"])
            .args(["--listen", &listen, "--tls", &certs_dir, "--country", country])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("a node starts in its namespace");
        let mut first_line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut first_line).unwrap();
        assert!(first_line.contains(&listen), "{first_line}");
        hosts.processes.push(child);
        nodes.push(format!("{country}=https://{listen}"));
    }
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("hosts.json");
    let output = Command::new("ip")
        .args(["netns", "exec", hosts.namespace(0), env!("CARGO_BIN_EXE_pocnet"), "run", "scenarios/quickstart.toml"])
        .args(["--tls", &certs_dir, "--nodes", &nodes.join(","), "--json", json.to_str().unwrap()])
        .current_dir(support::workspace_root())
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output.stderr));
    let in_process = support::run_json(&scenario, scenario.seed, &Placement::InProcess).await;
    let across_hosts = std::fs::read_to_string(json).unwrap();
    assert!(support::first_difference(&in_process, &across_hosts).is_none(), "the same bytes across hosts");

    // The coordinator's namespace cannot reach the machine's loopback nodes:
    // the hosts really are apart.
    let apart = Command::new("ip")
        .args(["netns", "exec", hosts.namespace(0), env!("CARGO_BIN_EXE_pocnet"), "run", "scenarios/quickstart.toml"])
        .args(["--tls", &certs_dir, "--timeout", "2s"])
        .args(["--nodes", &nodes.join(",").replace("10.77.0.", "10.78.0.")])
        .current_dir(support::workspace_root())
        .output()
        .unwrap();
    assert!(!apart.status.success(), "an address on no host's network is unreachable");
}
