//! Two throughput figures, each the median of five runs (the machines are
//! shared and noisy), with parse and report times apart so the engine's own
//! rate is visible:
//! - simulated events per second of one in-process run on a generated network
//!   of 100 countries and 10,000 incidents;
//! - replications per second (and events per second) of 10,000 replications
//!   of `scenarios/quickstart.toml`, on all cores, merged into the statistics
//!   `pocnet run --replications` reports.
//!
//! Run with `cargo bench -p pocnet-benches`.

use pocnet_coordinator::analysis::Aggregate;
use pocnet_coordinator::engine::{self, Placement};
use pocnet_coordinator::replication::{self, Options};
use pocnet_coordinator::report;
use pocnet_coordinator::report::Report;
use pocnet_coordinator::scenario::Scenario;
use std::time::{Duration, Instant};

const COUNTRIES: usize = 100;
const INCIDENTS: usize = 10_000;
const RUNS: usize = 5;

fn median(mut values: Vec<Duration>) -> Duration {
    values.sort();
    values[values.len() / 2]
}

fn main() {
    large_network();
    replications();
}

fn replications() {
    const REPLICATIONS: u64 = 10_000;
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../scenarios/quickstart.toml");
    let scenario = Scenario::load(std::path::Path::new(path)).expect("the quickstart scenario is valid");
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let options = Options { replications: REPLICATIONS, threads, progress: false };
    let mut times = Vec::new();
    let mut events = 0;
    for _ in 0..RUNS {
        let mut aggregate = Aggregate::new();
        events = 0;
        let started = Instant::now();
        replication::run_in_process(&scenario, scenario.seed, &options, |r, log| {
            events += log.events.len();
            aggregate.add(&scenario, r, &report::incident_reports(&scenario, &log.events));
        })
        .expect("the replications complete");
        times.push(started.elapsed());
        assert_eq!(aggregate.replications, REPLICATIONS);
    }
    let time = median(times);
    eprintln!("replications/quickstart {REPLICATIONS} replications on {threads} threads");
    eprintln!("  time (median/{RUNS})  {:>10.1} ms", time.as_secs_f64() * 1e3);
    eprintln!("  replications/s   {:>10.0}", REPLICATIONS as f64 / time.as_secs_f64());
    eprintln!("  events/s         {:>10.0}  ({events} events)", events as f64 / time.as_secs_f64());
}

fn large_network() {
    let text = pocnet_benches::generated_network(COUNTRIES, INCIDENTS, 1);
    let started = Instant::now();
    let scenario = Scenario::parse("generated.toml", &text).expect("the generated scenario is valid");
    let parse = started.elapsed();
    let runtime = tokio::runtime::Builder::new_current_thread().build().expect("a runtime");

    let mut run_times = Vec::new();
    let mut report_times = Vec::new();
    let mut events = 0;
    let mut windows = 0;
    let mut first_json: Option<String> = None;
    for _ in 0..RUNS {
        let started = Instant::now();
        let log = runtime
            .block_on(engine::run_scenario(&scenario, scenario.seed, &Placement::InProcess))
            .expect("the run completes");
        run_times.push(started.elapsed());
        let started = Instant::now();
        let json = Report::build(&scenario, &log).to_json();
        report_times.push(started.elapsed());
        // Every run must produce the same bytes, or the figure measures different work.
        match &first_json {
            Some(first) => assert!(first == &json, "runs differ"),
            None => first_json = Some(json),
        }
        events = log.events.len();
        windows = log.windows;
    }
    let run = median(run_times);
    let rate = events as f64 / run.as_secs_f64();
    let report = median(report_times);
    eprintln!("engine/inproc {COUNTRIES} countries, {INCIDENTS} incidents ({} bytes of TOML)", text.len());
    eprintln!("  parse+validate   {:>10.1} ms", parse.as_secs_f64() * 1e3);
    eprintln!("  run (median/{RUNS}) {:>10.1} ms  {events} events, {windows} windows", run.as_secs_f64() * 1e3);
    eprintln!("  report+json      {:>10.1} ms", report.as_secs_f64() * 1e3);
    eprintln!("  events/s         {rate:>10.0}");
}
