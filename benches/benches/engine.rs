//! The engine's speed as ratios against baselines measured in the same run
//! (the machines are shared and noisy, so absolute times are printed for
//! context only), each the median of several runs with its spread:
//!
//! 1. in process, a generated network of 100 countries and 10,000 incidents,
//!    against a bare `BinaryHeap<(i64, u32, u64, u32)>` event loop that pops
//!    and pushes the same number of events;
//! 2. linearity: 100,000 incidents against 10,000 on the same network, and the
//!    peak memory per incident of the run as `pocnet run` does it (the log
//!    streamed into the report's projection), parsing excluded;
//! 3. 10,000 incidents of the quickstart chain in one run;
//! 4. 10,000 replications of `scenarios/quickstart.toml`, on one thread and on
//!    every core, merged into the statistics `pocnet run --replications` reports;
//! 5. over gRPC on loopback: `network-today.toml` against its in-process time,
//!    and the time per window against a bare tonic unary round to a node.
//!
//! Run with `cargo bench -p pocnet-benches`.

use pocnet_coordinator::analysis::Aggregate;
use pocnet_coordinator::engine::{self, Placement};
use pocnet_coordinator::event_stream::EventSink;
use pocnet_coordinator::replication::{self, Options};
use pocnet_coordinator::report::{self, RunRecorder};
use pocnet_coordinator::scenario::Scenario;
use pocnet_node::Event;
use rand::{RngExt, SeedableRng};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::path::Path;
use std::time::{Duration, Instant};

/// Median and spread of repeated timings.
struct Timing {
    runs: usize,
    median: Duration,
    min: Duration,
    max: Duration,
}

impl Timing {
    fn of(runs: usize, mut work: impl FnMut()) -> Timing {
        let mut times: Vec<Duration> = (0..runs)
            .map(|_| {
                let started = Instant::now();
                work();
                started.elapsed()
            })
            .collect();
        times.sort();
        Timing { runs, median: times[runs / 2], min: times[0], max: times[runs - 1] }
    }

    fn ms(&self) -> f64 {
        self.median.as_secs_f64() * 1e3
    }
}

impl std::fmt::Display for Timing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:.1} ms (median of {}, spread {:.1}-{:.1} ms)",
            self.ms(),
            self.runs,
            self.min.as_secs_f64() * 1e3,
            self.max.as_secs_f64() * 1e3
        )
    }
}

fn main() {
    let ten_thousand = large_network();
    linearity(ten_thousand);
    quickstart_chain();
    replications();
    grpc();
}

/// The engine alone: its events are counted, not kept.
#[derive(Default)]
struct Count(usize);

impl EventSink for Count {
    fn record(&mut self, event: Event) {
        std::hint::black_box(event);
        self.0 += 1;
    }
}

/// Runs in process; the number of events and windows.
fn run_in_process(scenario: &Scenario) -> (usize, u64) {
    let mut count = Count::default();
    let windows = engine::run_in_process_into(scenario, scenario.seed, 0, &mut count).expect("the run completes");
    (count.0, windows)
}

/// A bare discrete-event loop: a heap of `(time, source, sequence, slot)`
/// holding `queued` events; each step pops the earliest and pushes one later.
fn bare_heap_loop(events: usize, queued: usize) -> u64 {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    let mut heap = BinaryHeap::with_capacity(queued);
    for slot in 0..queued as u32 {
        heap.push(Reverse((rng.random_range(0..86_400_000i64), slot % 100, u64::from(slot), slot)));
    }
    let mut checksum = 0u64;
    for sequence in 0..events as u64 {
        let Reverse((at, source, _, slot)) = heap.pop().expect("the heap never empties");
        checksum = checksum.wrapping_add(at as u64 ^ u64::from(slot));
        heap.push(Reverse((at + rng.random_range(1..3_600_000i64), source, sequence, slot)));
    }
    checksum
}

fn large_network() -> Duration {
    const COUNTRIES: usize = 100;
    const INCIDENTS: usize = 10_000;
    let text = pocnet_benches::generated_network(COUNTRIES, INCIDENTS, 1);
    let started = Instant::now();
    let scenario = Scenario::parse("generated.toml", &text).expect("the generated scenario is valid");
    let parse = started.elapsed();
    let mut events = 0;
    let mut windows = 0;
    let run = Timing::of(5, || (events, windows) = run_in_process(&scenario));
    let heap = Timing::of(5, || {
        std::hint::black_box(bare_heap_loop(events, INCIDENTS));
    });
    let engine_rate = events as f64 / run.median.as_secs_f64();
    let heap_rate = events as f64 / heap.median.as_secs_f64();
    eprintln!("1. in process: {COUNTRIES} countries, {INCIDENTS} incidents, {events} events, {windows} windows");
    eprintln!("   parse+validate {:.1} ms", parse.as_secs_f64() * 1e3);
    eprintln!("   engine         {run}: {engine_rate:.0} events/s");
    eprintln!("   bare heap loop {heap}: {heap_rate:.0} events/s");
    eprintln!("   ratio engine/heap {:.3} (target at least 0.5)", engine_rate / heap_rate);
    run.median
}

/// Starts measuring peak memory afresh (Linux 4.0 and later: writing 5 to
/// `clear_refs` resets the peak to the current resident size).
fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// Peak resident memory of this process since the last reset, from /proc (Linux).
fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

fn linearity(ten_thousand: Duration) {
    const INCIDENTS: usize = 100_000;
    let text = pocnet_benches::generated_network(100, INCIDENTS, 1);
    let scenario = Scenario::parse("generated.toml", &text).expect("the generated scenario is valid");
    drop(text);
    let mut events = 0;
    let run = Timing::of(1, || events = run_in_process(&scenario).0);
    eprintln!("2. linearity: 100 countries, {INCIDENTS} incidents, {events} events");
    eprintln!("   run {run}");
    eprintln!(
        "   100,000 / 10,000 incidents: {:.1}x the time (target at most 12x)",
        run.median.as_secs_f64() / ten_thousand.as_secs_f64()
    );
    // Memory as `pocnet run` uses it: the log streams into the projection,
    // and the report is built from that.
    let before = resident_bytes();
    if !reset_peak_rss() {
        eprintln!("   peak memory not measured: /proc/self/clear_refs is not writable here");
        return;
    }
    let mut recorder = RunRecorder::new(&scenario, false);
    engine::run_in_process_into(&scenario, scenario.seed, 0, &mut recorder).expect("the run completes");
    let report = recorder.into_report(&scenario, scenario.seed);
    std::hint::black_box(&report);
    if let (Some(peak), Some(before)) = (peak_rss_bytes(), before) {
        let run = peak.saturating_sub(before);
        eprintln!(
            "   peak memory of the run and its report {:.0} MB above the {:.0} MB held before \
             (the parsed scenario): {:.1} KB per incident (target at most 4 KB)",
            run as f64 / 1e6,
            before as f64 / 1e6,
            run as f64 / INCIDENTS as f64 / 1e3
        );
        // What `pocnet run` estimates before it starts, against what it took.
        let shape = pocnet_coordinator::footprint::Shape { at_once: 1, keeps_log: false, grpc: false };
        let estimate = pocnet_coordinator::footprint::Estimate::of(&scenario, shape);
        eprintln!(
            "   `pocnet run` estimated {:.0} MB for the whole process; it held {:.0} MB at its peak ({:.2}x)",
            estimate.bytes as f64 / 1e6,
            peak as f64 / 1e6,
            estimate.bytes as f64 / peak as f64
        );
    }
}

/// Resident memory of this process now, from /proc (Linux).
fn resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

fn quickstart() -> Scenario {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../scenarios/quickstart.toml");
    Scenario::load(Path::new(path)).expect("the quickstart scenario is valid")
}

fn quickstart_chain() {
    const INCIDENTS: usize = 10_000;
    let mut scenario = quickstart();
    let template = scenario.incidents[0].clone();
    scenario.incidents = (0..INCIDENTS)
        .map(|n| {
            let mut incident = template.clone();
            incident.id = format!("phish-{n}");
            incident.communication_at = template.communication_at.plus_ms((n as i64 % 1440) * 60_000);
            incident
        })
        .collect();
    let mut events = 0;
    let run = Timing::of(5, || events = run_in_process(&scenario).0);
    // As `pocnet run` does it: the log streamed into the projection, the report built.
    let reported = Timing::of(5, || {
        let mut recorder = RunRecorder::new(&scenario, false);
        engine::run_in_process_into(&scenario, scenario.seed, 0, &mut recorder).expect("the run completes");
        std::hint::black_box(recorder.into_report(&scenario, scenario.seed));
    });
    eprintln!("3. quickstart chain: {INCIDENTS} incidents in one run, {events} events");
    eprintln!("   engine alone   {run}");
    eprintln!("   with its report {reported} (target under 300 ms of CPU; one thread, so wall time is CPU time)");
}

fn replications() {
    const REPLICATIONS: u64 = 10_000;
    let scenario = quickstart();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut one_thread = Duration::ZERO;
    for threads in [1, cores] {
        let options = Options {
            replications: REPLICATIONS,
            threads,
            progress: false,
            horizon_ms: pocnet_coordinator::analysis::DEFAULT_HORIZON_MS,
        };
        let run = Timing::of(5, || {
            let mut aggregate = Aggregate::new();
            replication::run_in_process_projected(
                &scenario,
                scenario.seed,
                &options,
                |_, log| report::incident_reports(&scenario, &log.events),
                |r, incidents| aggregate.add(&scenario, r, &incidents),
            )
            .expect("the replications complete");
            assert_eq!(aggregate.replications, REPLICATIONS);
        });
        if threads == 1 {
            one_thread = run.median;
        }
        eprintln!(
            "4. {REPLICATIONS} replications of quickstart on {threads} thread(s): {run}: {:.0} replications/s, \
             {:.1} us of work per replication, speed-up {:.2}x over one thread",
            REPLICATIONS as f64 / run.median.as_secs_f64(),
            run.median.as_secs_f64() * threads as f64 / REPLICATIONS as f64 * 1e6,
            one_thread.as_secs_f64() / run.median.as_secs_f64()
        );
    }
}

fn grpc() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../scenarios/network-today.toml");
    let scenario = Scenario::load(Path::new(path)).expect("network-today is valid");
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a runtime");
    let inproc = Timing::of(5, || {
        run_in_process(&scenario);
    });
    let mut windows = 0;
    let over_grpc = Timing::of(3, || {
        let log = runtime
            .block_on(engine::run_scenario(&scenario, scenario.seed, &Placement::LocalGrpc))
            .expect("the run completes");
        windows = log.windows;
    });
    // A bare tonic unary round to a served node: the health check, the
    // smallest call a node answers, on the same loopback connection kind.
    const ROUNDS: u32 = 2_000;
    let bare = runtime.block_on(async {
        let servers = engine::spawn_local_servers(["XX".into()]).await.expect("a local node");
        let url = servers.urls.values().next().expect("one url").clone();
        let channel =
            tonic::transport::Endpoint::from_shared(url).expect("a url").connect().await.expect("the node answers");
        let mut health = tonic_health::pb::health_client::HealthClient::new(channel);
        let request = || tonic_health::pb::HealthCheckRequest { service: String::new() };
        for _ in 0..100 {
            health.check(request()).await.expect("warm-up");
        }
        let started = Instant::now();
        for _ in 0..ROUNDS {
            health.check(request()).await.expect("a round");
        }
        started.elapsed() / ROUNDS
    });
    let per_window = over_grpc.median / windows.max(1) as u32;
    eprintln!("5. network-today over loopback gRPC: {windows} windows");
    eprintln!("   in process {inproc}");
    eprintln!("   over gRPC  {over_grpc}");
    eprintln!(
        "   ratio gRPC/in-process {:.1}x (target under 10x)",
        over_grpc.median.as_secs_f64() / inproc.median.as_secs_f64()
    );
    eprintln!(
        "   per window {:.0} us against a bare tonic round of {:.0} us: {:.2}x (target at most 1.3x)",
        per_window.as_secs_f64() * 1e6,
        bare.as_secs_f64() * 1e6,
        per_window.as_secs_f64() / bare.as_secs_f64()
    );
}
