//! Simulated events per second of an in-process run on a generated network
//! of 100 countries and 10,000 incidents.
//!
//! Run with `cargo bench -p pocnet-benches`. Prints the median of five runs
//! (the machines are shared and noisy) and the parse and report times apart,
//! so the engine's own rate is visible.

use pocnet_coordinator::engine::{self, Placement};
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
