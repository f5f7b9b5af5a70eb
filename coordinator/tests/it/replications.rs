//! Replications and comparisons from the command line and the library.

use crate::support::{self, pocnet, text};
use pocnet_coordinator::analysis::Aggregate;
use pocnet_coordinator::replication::{self, Options};
use pocnet_coordinator::replication_report::ReplicationReport;
use pocnet_coordinator::report;

fn study_json(name: &str, replications: u64, threads: usize) -> String {
    let scenario = support::load(name);
    let options = Options {
        replications,
        threads,
        progress: false,
        horizon_ms: pocnet_coordinator::analysis::DEFAULT_HORIZON_MS,
    };
    let mut aggregate = Aggregate::new();
    replication::run_in_process(&scenario, scenario.seed, &options, |r, log| {
        aggregate.add(&scenario, r, &report::incident_reports(&scenario, &log.events));
    })
    .unwrap();
    let network = pocnet_coordinator::intervals::IntervalKind::Network;
    ReplicationReport::build(&scenario, scenario.seed, network, &aggregate, |_| None).to_json()
}

#[test]
fn replications_are_byte_identical_whatever_the_number_of_threads() {
    let one = study_json("quickstart.toml", 300, 1);
    assert_eq!(one, study_json("quickstart.toml", 300, 2));
    assert_eq!(one, study_json("quickstart.toml", 300, 5));
    // And they differ from each other: replication r is not replication 0 again.
    let report: serde_json::Value = serde_json::from_str(&one).unwrap();
    let ack = &report["stages"][0];
    assert_eq!(ack["stage"], "acknowledgement");
    assert!(ack["p90_ms"].as_u64() > ack["p50_ms"].as_u64(), "{ack}");
}

#[test]
fn workers_merging_their_own_batches_give_what_one_thread_adding_each_replication_gives() {
    // `replication::aggregate` has each worker merge a batch of
    // replications and appends the batches in order; the reference adds
    // every replication in turn on this thread.
    let scenario = support::load("weekend-trail.toml");
    let network = pocnet_coordinator::intervals::IntervalKind::Network;
    let report = |aggregate: &Aggregate| {
        ReplicationReport::build(&scenario, scenario.seed, network, aggregate, |_| None).to_json()
    };
    let reference = study_json("weekend-trail.toml", 41, 1);
    for threads in [1, 2, 5] {
        let options = Options {
            replications: 41,
            threads,
            progress: false,
            horizon_ms: pocnet_coordinator::analysis::DEFAULT_HORIZON_MS,
        };
        let merged = replication::aggregate(&scenario, scenario.seed, &options).unwrap();
        assert_eq!(merged.replications, 41);
        assert_eq!(merged.per_replication.len(), 41, "one row per replication, kept in order");
        assert_eq!(report(&merged), reference, "{threads} threads");
    }
}

#[test]
fn replications_over_grpc_give_the_same_bytes_as_in_process() {
    let dir = tempfile::tempdir().unwrap();
    let [grpc, inproc] = ["grpc", "inproc"].map(|transport| {
        let path = dir.path().join(format!("{transport}.json"));
        let output = pocnet(&[
            "run",
            "scenarios/quickstart.toml",
            "--replications",
            "20",
            "--transport",
            transport,
            "--json",
            path.to_str().unwrap(),
        ]);
        assert!(output.status.success(), "{}", text(&output.stderr));
        std::fs::read(path).unwrap()
    });
    assert_eq!(grpc, inproc);
}

#[test]
fn run_with_replications_writes_json_csv_and_html_and_a_one_screen_summary() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("dist.json");
    let html = dir.path().join("dist.html");
    let csv = dir.path().join("cases");
    let output = pocnet(&[
        "run",
        "scenarios/weekend-trail.toml",
        "--replications",
        "200",
        "--threads",
        "2",
        "--json",
        json.to_str().unwrap(),
        "--html",
        html.to_str().unwrap(),
        "--csv",
        csv.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let summary = text(&output.stdout);
    assert!(summary.lines().count() <= 50, "fits one screen:\n{summary}");
    assert!(summary.contains("200 replications") && summary.contains("Origin found and data held"), "{summary}");
    assert!(summary.contains("hop 2 DE") && summary.contains("logs expired"), "deaths are located:\n{summary}");
    assert!(output.stderr.is_empty(), "no progress bar when stderr is not a terminal: {}", text(&output.stderr));

    let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(json).unwrap()).unwrap();
    assert_eq!(report["format"], "pocnet-replications/4");
    // One incident: no interval over incidents exists; this world's does, and says so.
    assert_eq!(report["horizon_ms"], 365 * 86_400_000_i64);
    let intervals = report["origin_preserved"]["intervals"].as_array().unwrap();
    assert_eq!(intervals.len(), 1);
    assert_eq!(intervals[0]["kind"], "this_world");
    assert!(summary.contains("one incident"), "{summary}");
    assert_eq!(report["time_to_identification"]["at_horizons"].as_array().map(Vec::len), Some(4));
    assert_eq!(report["replications"], 200);
    assert_eq!(report["origin_preserved"]["trials"], 200);
    assert_eq!(report["subscriber_identified"]["trials"], 200);
    assert_eq!(report["deaths"][0]["country"], "DE");
    // Histograms are HdrHistogram V2, base64: they decode to the V2 cookie as Java
    // HdrHistogram writes it (base 0x1c849303 with the 0x10 flag).
    let encoded = report["stages"][0]["histogram"].as_str().unwrap();
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::STANDARD.decode(encoded).unwrap();
    assert_eq!(&bytes[..4], &[0x1c, 0x84, 0x93, 0x13]);
    assert!(report["critical_path"].as_array().is_some_and(|a| !a.is_empty()));

    let traces = std::fs::read_to_string(csv.join("traces.csv")).unwrap();
    assert_eq!(traces.lines().count(), 201, "a header and one row per replication");
    assert!(traces.starts_with("replication,incident,"));
    let hops = std::fs::read_to_string(csv.join("hops.csv")).unwrap();
    assert_eq!(hops.lines().count(), 601, "three hops per trace");
    let page = std::fs::read_to_string(html).unwrap();
    assert!(page.contains("<svg id=\"cdf-acknowledgement\"") && page.contains("ack-heatmap"));
    // The time-to-identification curve, and the shares at the horizons beside it.
    assert!(page.contains("<svg id=\"time-to-identification\"") && page.contains("<table id=\"horizons\">"));
    assert!(page.contains("Within 1 year of the report, traces reach the origin"), "the verdict names its horizon");
    assert!(!page.contains("http://") && !page.contains("https://"), "the page needs no network");
}

#[test]
fn compare_by_vary_finds_relay_significantly_better_on_the_weekend_trail() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("comparison.json");
    let output = pocnet(&[
        "compare",
        "scenarios/weekend-trail.toml",
        "--vary",
        "strategy=hub,relay",
        "--replications",
        "100",
        "--json",
        json.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let summary = text(&output.stdout);
    assert!(summary.contains("strategy=relay") && summary.contains("significant"), "{summary}");
    let comparison: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(json).unwrap()).unwrap();
    let survival = &comparison["differences"][0];
    assert_eq!(survival["metric"], "origin_preserved");
    assert_eq!(survival["difference"]["significant"], true);
    assert!(survival["difference"]["mean"].as_f64().unwrap() > 0.9);
}

#[test]
fn compare_two_files_uses_the_same_seeds_so_identical_worlds_do_not_differ() {
    let output =
        pocnet(&["compare", "scenarios/quickstart.toml", "scenarios/quickstart.toml", "--replications", "100"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let summary = text(&output.stdout);
    assert!(summary.contains("Δ +0.0 pts [+0.0, +0.0] not significant"), "{summary}");
    for line in summary.lines().filter(|l| l.contains("pts [")) {
        assert!(line.contains("not significant"), "{line}");
    }
}

#[test]
fn bad_comparisons_and_replication_flags_are_refused_with_the_reason() {
    let output = pocnet(&["compare", "scenarios/quickstart.toml", "--vary", "countries.XX.staffing=24/7,\"24/7\""]);
    assert_ne!(output.status.code(), Some(0));
    assert!(text(&output.stderr).contains("no `countries.XX`"), "{}", text(&output.stderr));
    let output = pocnet(&["compare", "scenarios/quickstart.toml", "--vary", "strategy=relay"]);
    assert!(text(&output.stderr).contains("at least two values"), "{}", text(&output.stderr));
    let output =
        pocnet(&["compare", "scenarios/quickstart.toml", "--vary", "strategy=hub,sideways", "--replications", "5"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("`sideways` is not one of the accepted values"), "{}", text(&output.stderr));
    let output = pocnet(&["run", "scenarios/quickstart.toml", "--replications", "0"]);
    assert_eq!(output.status.code(), Some(2));
    let output = pocnet(&["run", "scenarios/quickstart.toml", "--threads", "2"]);
    assert_eq!(output.status.code(), Some(2), "--threads needs --replications");
}

/// Regression: under the parallel strategy the time breakdown's shares added
/// up to 206%, with one segment at -141.8%, because the segments were laid
/// end to end although the hops ran at once. Every strategy's critical path
/// now tiles each trace: non-negative segments summing to its end-to-end time.
#[test]
fn the_critical_path_tiles_every_trace_under_every_strategy() {
    use pocnet_coordinator::analysis::{Aggregate, critical_path};
    use pocnet_coordinator::replication::{self, Options};
    use pocnet_coordinator::report;
    let mut world = support::load("hub-vs-relay.toml");
    for strategy in pocnet_node::Strategy::ALL {
        world.strategy = strategy;
        let mut aggregate = Aggregate::new();
        let mut traces = 0;
        let options = Options {
            replications: 40,
            threads: 2,
            progress: false,
            horizon_ms: pocnet_coordinator::analysis::DEFAULT_HORIZON_MS,
        };
        replication::run_in_process(&world, world.seed, &options, |r, log| {
            let incidents = report::incident_reports(&world, &log.events);
            for incident in &incidents {
                if let Some(spans) = critical_path(incident) {
                    traces += 1;
                    assert!(spans.iter().all(|(_, _, ms)| *ms > 0), "{strategy:?}: {spans:?}");
                    let total: i64 = spans.iter().map(|(_, _, ms)| ms).sum();
                    assert_eq!(Some(total), incident.trace.since_report_ms, "{strategy:?} {}", incident.id);
                }
            }
            aggregate.add(&world, r, &incidents);
        })
        .unwrap();
        assert!(traces > 0, "{strategy:?}: some traces finished");
        // Each ending's shares add up to that ending's time: reached and stopped apart.
        for (ending, total) in &aggregate.critical_path_total_ms {
            let shares: i64 =
                aggregate.critical_path_ms.iter().filter(|((e, _, _), _)| e == ending).map(|(_, ms)| ms).sum();
            assert_eq!(shares, *total, "{strategy:?} {ending:?}: the shares add up to 100%");
        }
        assert!(aggregate.critical_path_ms.values().all(|ms| *ms >= 0), "{strategy:?}");
    }
}

/// A study spread over K machines (`--shard I/K`, then `pocnet merge`) gives
/// the bytes of one run of all its replications: text, JSON and HTML.
#[test]
fn shards_merged_give_the_bytes_of_one_run_for_one_three_and_seven_shards() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).display().to_string();
    let scenario = "scenarios/legal-routes.toml";
    let whole = pocnet(&[
        "run",
        scenario,
        "--replications",
        "40",
        "--json",
        &path("whole.json"),
        "--html",
        &path("whole.html"),
    ]);
    assert!(whole.status.success(), "{}", text(&whole.stderr));
    let read = |name: &str| std::fs::read_to_string(dir.path().join(name)).unwrap();
    for shards in [1, 3, 7] {
        let mut parts = Vec::new();
        for index in (0..shards).rev() {
            let part = path(&format!("part-{index}-of-{shards}.json"));
            let shard = format!("{index}/{shards}");
            let ran = pocnet(&["run", scenario, "--replications", "40", "--shard", &shard, "--json", &part]);
            assert!(ran.status.success(), "{}", text(&ran.stderr));
            assert!(text(&ran.stdout).contains(&format!("Shard {shard}: replications")), "{}", text(&ran.stdout));
            parts.push(part);
        }
        let (json, html) = (path(&format!("merged-{shards}.json")), path(&format!("merged-{shards}.html")));
        let mut args = vec!["merge"];
        args.extend(parts.iter().map(String::as_str));
        args.extend(["--json", &json, "--html", &html]);
        let merged = pocnet(&args);
        assert!(merged.status.success(), "{}", text(&merged.stderr));
        assert_eq!(text(&merged.stdout), text(&whole.stdout), "{shards} shards: the text report");
        assert!(read("whole.json") == read(&format!("merged-{shards}.json")), "{shards} shards: the JSON report");
        assert!(read("whole.html") == read(&format!("merged-{shards}.html")), "{shards} shards: the HTML report");
    }

    // Parts that do not make one study are refused, naming the file.
    let refused = |args: &[&str], expected: &str| {
        let output = pocnet(args);
        assert!(!output.status.success(), "{args:?} is refused");
        assert!(text(&output.stderr).contains(expected), "{args:?}: {}", text(&output.stderr));
    };
    let (p0, p1, p2) = (path("part-0-of-3.json"), path("part-1-of-3.json"), path("part-2-of-3.json"));
    refused(&["merge", &p0, &p2], "shard 1/3 missing");
    refused(&["merge", &p0, &p0, &p1, &p2], "are both shard 0/3");
    refused(&["merge", &p0, &p1, &path("part-0-of-7.json")], "is of 3 shards");
    let other = path("other-seed.json");
    let ran = pocnet(&["run", scenario, "--replications", "40", "--seed", "9", "--shard", "2/3", "--json", &other]);
    assert!(ran.status.success());
    refused(&["merge", &p0, &p1, &other], "belongs to another study");
    refused(
        &["merge", &p0, &p1, &p2, "--scenario", "scenarios/quickstart.toml"],
        "has changed since the parts were run",
    );
    refused(&["merge", &path("whole.json")], "not a part (`pocnet-part/2`)");
    // A part that cannot be true (more successes than trials, counts that
    // overflow when summed) is refused, naming it and what is wrong.
    let forge = |name: &str, edit: &dyn Fn(&mut serde_json::Value)| {
        let mut part: serde_json::Value = serde_json::from_str(&read("part-1-of-3.json")).unwrap();
        edit(&mut part);
        std::fs::write(dir.path().join(name), part.to_string()).unwrap();
        path(name)
    };
    let impossible = forge("impossible.json", &|p| p["statistics"]["traces"]["successes"] = 1_000_000.into());
    refused(&["merge", &p0, &impossible, &p2], "impossible.json: traces: 1000000 successes of");
    // The two ways a share is counted (by replication, by incident) must agree.
    let disagreeing = forge("disagreeing.json", &|p| {
        p["statistics"]["origin"]["by_incident"][0]["successes"] = 0.into();
    });
    refused(&["merge", &p0, &disagreeing, &p2], "disagreeing.json: origin found within the horizon:");
    let huge = u64::MAX - 5;
    let overflowing = forge("overflowing.json", &|p| {
        p["statistics"]["traces"]["trials"] = huge.into();
        p["statistics"]["traces"]["successes"] = huge.into();
    });
    let too = forge("too.json", &|p| {
        p["statistics"]["traces"]["trials"] = huge.into();
        p["statistics"]["traces"]["successes"] = 0.into();
        p["shard"]["index"] = 2.into();
        p["statistics"]["first_replication"] = serde_json::from_str::<serde_json::Value>(&read("part-2-of-3.json"))
            .unwrap()["statistics"]["first_replication"]
            .clone();
    });
    refused(&["merge", &p0, &overflowing, &too], "overflow");
    refused(&["run", scenario, "--replications", "40", "--shard", "3/3", "--json", &p0], "numbered 0 to K-1");
    refused(&["run", scenario, "--replications", "40", "--shard", "0/3"], "--json");
}

/// Ctrl-C during a long study stops it promptly, and the summary and the
/// requested outputs still come, for the replications completed, saying how
/// many (as wrk and k6 do); the exit status is 130.
#[test]
fn ctrl_c_stops_a_study_promptly_and_still_reports_what_was_done() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("interrupted.json");
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_pocnet"))
        .args(["run", "scenarios/network-today.toml", "--replications", "1000000", "--json", json.to_str().unwrap()])
        .current_dir(support::workspace_root())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Long enough for the study to have started (and its Ctrl-C handler with
    // it) even on a loaded machine; a signal before would just kill it.
    std::thread::sleep(std::time::Duration::from_secs(6));
    let interrupted = std::process::Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(interrupted.success());
    let asked = std::time::Instant::now();
    let output = child.wait_with_output().unwrap();
    assert!(asked.elapsed() < std::time::Duration::from_secs(30), "it stopped promptly ({:?})", asked.elapsed());
    assert_eq!(output.status.code(), Some(130), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    assert!(
        stdout.contains("INTERRUPTED:") && stdout.contains("of the 1000000 replications asked for completed"),
        "{stdout}"
    );
    let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let done = report["replications"].as_u64().unwrap();
    assert!((1..1_000_000).contains(&done), "{done} replications completed");
    assert_eq!(report["requested_replications"], 1_000_000);
    assert!(stdout.contains(&format!("pocnet: {done} replication")), "the summary covers those done");
}

/// `--json -` writes the report to standard output, the summary to standard error.
#[test]
fn json_to_standard_output_leaves_the_summary_on_standard_error() {
    for args in [
        &["run", "scenarios/quickstart.toml", "--json", "-"][..],
        &["run", "scenarios/quickstart.toml", "--replications", "5", "--json", "-"],
    ] {
        let output = pocnet(args);
        assert!(output.status.success(), "{}", text(&output.stderr));
        let report: serde_json::Value =
            serde_json::from_slice(&output.stdout).expect("standard output is the JSON report alone");
        assert!(report["format"].as_str().unwrap().starts_with("pocnet-"));
        assert!(text(&output.stderr).contains("pocnet"), "the summary is on standard error");
    }
    let study = text(&pocnet(&["run", "scenarios/quickstart.toml", "--replications", "5"]).stdout);
    assert!(study.contains(
        "(end to end: traces that reached the origin; where the time goes, below: reached and stopped apart)"
    ));
    let check = pocnet(&["check", "scenarios/quickstart.toml"]);
    assert!(text(&check.stdout).contains("3 countries, 3 carriers, 1 incident;"), "{}", text(&check.stdout));
}

/// `-v` logs date every instant (never "sim ms") and say which replication a line comes from.
#[test]
fn verbose_logs_carry_dates_and_the_replication() {
    let output = pocnet(&["run", "scenarios/quickstart.toml", "--replications", "2", "-v"]);
    assert!(output.status.success());
    let log = text(&output.stderr);
    assert!(log.contains("replication{r=0}") && log.contains("replication{r=1}"), "{log:.600}");
    assert!(log.contains("sim=2026-03-03T") && log.contains("local=Tue 2026-03-03"), "{log:.600}");
    assert!(log.contains("held until Sat 2026-05-02"), "instants inside messages are dated: {log:.2000}");
    assert!(!log.contains("sim ms"), "no raw milliseconds");
}
