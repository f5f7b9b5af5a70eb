//! The speed targets, each measured against a baseline from the same run
//! (the machines are shared and noisy, so absolute times are context):
//!
//! 1. a whole run of the quickstart chain with 10,000 incidents (parse, run,
//!    text report) against the same chain modelled in SimPy, CPU time, and
//!    under callgrind the instructions of both at 1,000 incidents;
//! 2. the engine alone on that chain against a bare `BinaryHeap` event loop
//!    popping and pushing as many events, time and instructions per event;
//! 3. linearity: 100,000 incidents against 10,000 on a generated network of
//!    100 countries, and the run's peak memory per incident;
//! 4. replications on one thread and on two;
//! 5. `pocnet sensitivity scenarios/network-today.toml`, CPU and peak memory;
//! 6. network-today over loopback gRPC against in process, and the time per
//!    window against a bare tonic unary round trip;
//! 7. a node taking `Deliver` calls at 20,000 a second against a bare tonic
//!    service under the same load, both on `current_thread` runtimes.
//!
//! Run with `cargo bench -p pocnet-benches`; name rows to run only those
//! (`cargo bench -p pocnet-benches -- sensitivity grpc`). Instruction
//! counts need valgrind on the `PATH`, the SimPy baseline a Python with
//! SimPy (`target/bench-tools/bin/python3` first, then `python3`): a row
//! whose program is missing says it skipped and why. The summary at the end
//! is the Markdown table the README shows.

use pocnet_benches::measure::{self, Timing, instructions, process_cpu, thread_cpu, wall};
use pocnet_benches::table::{Row, Target};
use pocnet_coordinator::engine::{self, Placement};
use pocnet_coordinator::event_stream::EventSink;
use pocnet_coordinator::intervals::IntervalKind;
use pocnet_coordinator::replication::{self, Options};
use pocnet_coordinator::report::RunRecorder;
use pocnet_coordinator::scenario::Scenario;
use pocnet_coordinator::sensitivity::Sensitivity;
use pocnet_node::Event;
use rand::{RngExt, SeedableRng};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A group of rows, measured together.
type Rows = fn() -> Vec<Row>;

/// Incidents of the quickstart chain in rows 1 and 2.
const CHAIN: usize = 10_000;
/// Incidents of the chain counted under callgrind (ten times fewer: it runs
/// some fifty times slower).
const COUNTED_CHAIN: usize = 1_000;

fn main() {
    if let Ok(workload) = std::env::var(measure::WORKLOAD) {
        counted(&workload);
        return;
    }
    let chosen: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    let wanted = |name: &str| chosen.is_empty() || chosen.iter().any(|c| name.contains(c.as_str()));
    let mut rows = Vec::new();
    let mut add = |new: Vec<Row>| {
        for row in new {
            eprintln!("{}", row.line());
            rows.push(row);
        }
    };
    // Each group of rows by the name that chooses it, in the table's order.
    let groups: [(&str, Rows); 7] = [
        ("simpy", whole_run_against_simpy),
        ("engine", engine_against_heap),
        ("linearity", linearity),
        ("replications", replications),
        ("sensitivity", sensitivity),
        ("grpc", grpc),
        ("deliver", deliver),
    ];
    for (name, measure) in groups {
        if wanted(name) {
            add(measure());
        }
    }
    eprintln!("\n{}", pocnet_benches::table::markdown(&rows));
}

// ---------------------------------------------------------------------------
// What a child process runs under callgrind: only functions named
// `measured_*` are counted.

fn counted(workload: &str) {
    let events = match workload {
        "engine" => measured_engine(&chain(CHAIN)),
        "heap" => {
            let events = std::env::var("POCNET_BENCH_EVENTS").ok().and_then(|n| n.parse().ok()).unwrap_or(0);
            measured_heap(events, CHAIN);
            events
        }
        "whole-run" => measured_whole_run(&pocnet_benches::quickstart_chain(COUNTED_CHAIN)),
        "sensitivity" => {
            let _ = writeln!(std::io::stdout(), "{}", measured_sensitivity());
            return;
        }
        "memory" => {
            let _ = writeln!(std::io::stdout(), "{}", measured_memory());
            return;
        }
        other => panic!("no workload {other}"),
    };
    let _ = writeln!(std::io::stdout(), "{events}");
}

#[inline(never)]
fn measured_engine(scenario: &Scenario) -> usize {
    run_in_process(scenario).0
}

#[inline(never)]
fn measured_heap(events: usize, queued: usize) {
    std::hint::black_box(bare_heap_loop(events, queued));
}

#[inline(never)]
fn measured_whole_run(text: &str) -> usize {
    whole_run(text)
}

// ---------------------------------------------------------------------------
// The workloads.

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

/// What `pocnet run FILE` does with a scenario's text: parse and validate
/// it, run it with the log streamed into the projection, build the report
/// and write its text (here to nowhere). The number of incidents reported.
fn whole_run(text: &str) -> usize {
    let scenario = Scenario::parse_at("chain.toml", text, Some(Path::new(pocnet_benches::QUICKSTART)))
        .expect("the chain is a valid scenario");
    run_and_report(&scenario)
}

/// The run and its report, as `whole_run` after the parse.
fn run_and_report(scenario: &Scenario) -> usize {
    let mut recorder = RunRecorder::new(scenario, false);
    engine::run_in_process_into(scenario, scenario.seed, 0, &mut recorder).expect("the run completes");
    let report = recorder.into_report(scenario, scenario.seed);
    let mut written = Discard(0);
    report.write_text(scenario, &mut written);
    std::hint::black_box(written.0);
    report.incidents.len()
}

/// Text written to nowhere, counted.
struct Discard(usize);

impl std::fmt::Write for Discard {
    fn write_str(&mut self, text: &str) -> std::fmt::Result {
        self.0 += text.len();
        Ok(())
    }
}

fn chain(incidents: usize) -> Scenario {
    let text = pocnet_benches::quickstart_chain(incidents);
    Scenario::parse_at("chain.toml", &text, Some(Path::new(pocnet_benches::QUICKSTART)))
        .expect("the chain is a valid scenario")
}

fn load(name: &str) -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios").join(name);
    Scenario::load(&path).unwrap_or_else(|e| panic!("{name} is valid: {e}"))
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

fn valgrind_missing() -> Option<String> {
    match measure::on_path("valgrind") {
        Some(_) => None,
        None => Some("valgrind is not on the PATH (Debian: apt-get install valgrind)".into()),
    }
}

// ---------------------------------------------------------------------------
// The rows.

/// A Python with SimPy, or why there is none.
fn simpy_python() -> Result<PathBuf, String> {
    let local = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench-tools/bin/python3");
    let python =
        if local.is_file() { local } else { measure::on_path("python3").ok_or("python3 is not on the PATH")? };
    let has_simpy = std::process::Command::new(&python).args(["-c", "import simpy"]).output();
    match has_simpy {
        Ok(out) if out.status.success() => Ok(python),
        _ => Err(format!(
            "{} has no SimPy (python3 -m venv target/bench-tools && target/bench-tools/bin/pip install simpy)",
            python.display()
        )),
    }
}

const SIMPY_MODEL: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/baselines/quickstart_chain.py");

/// The SimPy model's own CPU time and event count for `incidents`.
fn simpy_run(python: &Path, incidents: usize) -> (Duration, usize) {
    let out = std::process::Command::new(python)
        .args([SIMPY_MODEL, &incidents.to_string()])
        .output()
        .expect("the SimPy model runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let field = |name: &str| text.split_whitespace().find_map(|w| w.strip_prefix(name)).map(str::to_owned);
    let events = field("events=").and_then(|n| n.parse().ok()).expect("the model prints its events");
    let cpu: f64 = field("cpu_seconds=").and_then(|n| n.parse().ok()).expect("the model prints its CPU time");
    (Duration::from_secs_f64(cpu), events)
}

fn whole_run_against_simpy() -> Vec<Row> {
    let figure = format!("1. quickstart chain, {CHAIN} incidents: whole run vs the SimPy model, CPU");
    let python = match simpy_python() {
        Ok(python) => python,
        Err(why) => return vec![Row::skipped(figure, why)],
    };
    let text = pocnet_benches::quickstart_chain(CHAIN);
    let pocnet = Timing::of(5, thread_cpu, || {
        std::hint::black_box(whole_run(&text));
    });
    // The model's own process time (interpreter start included), the median of three.
    let mut runs: Vec<(Duration, usize)> = (0..3).map(|_| simpy_run(&python, CHAIN)).collect();
    runs.sort();
    let (simpy_cpu, simpy_events) = runs[1];
    let mut rows = vec![
        Row::of(
            figure,
            format!("{pocnet}"),
            format!("SimPy {:.0} ms, {simpy_events} events", simpy_cpu.as_secs_f64() * 1e3),
        )
        .outcome(pocnet.secs() / simpy_cpu.as_secs_f64(), "×", 3, Target::AtMost(0.03)),
    ];
    let figure = format!("1. the same at {COUNTED_CHAIN} incidents, instructions (callgrind)");
    rows.push(match valgrind_missing() {
        Some(why) => Row::skipped(figure, why),
        None => {
            let counted = instructions("whole-run", &[]).map(|(n, _)| n);
            let model = |incidents: usize| {
                measure::program_instructions(&python, &[SIMPY_MODEL, &incidents.to_string()]).map(|(n, _)| n)
            };
            // The interpreter's start and SimPy's import are not the model's work.
            match (counted, model(COUNTED_CHAIN), model(0)) {
                (Ok(pocnet), Ok(simpy), Ok(start)) => {
                    let simpy = simpy.saturating_sub(start);
                    Row::of(
                        figure,
                        format!("{:.0} M", pocnet as f64 / 1e6),
                        format!("SimPy {:.0} M", simpy as f64 / 1e6),
                    )
                    .outcome(pocnet as f64 / simpy as f64, "×", 3, Target::AtMost(0.03))
                }
                (Err(e), ..) | (_, Err(e), _) | (.., Err(e)) => Row::skipped(figure, e),
            }
        }
    });
    rows
}

fn engine_against_heap() -> Vec<Row> {
    let scenario = chain(CHAIN);
    let mut events = 0;
    let engine = Timing::of(5, thread_cpu, || events = run_in_process(&scenario).0);
    let heap = Timing::of(5, thread_cpu, || measured_heap(events, CHAIN));
    let per_event = |t: &Timing| t.secs() * 1e9 / events as f64;
    let mut rows = vec![
        Row::of(
            format!("2. engine alone, quickstart chain ({events} events) vs a bare BinaryHeap loop, time per event"),
            format!("{:.0} ns ({engine})", per_event(&engine)),
            format!("{:.0} ns ({heap})", per_event(&heap)),
        )
        .outcome(heap.secs() / engine.secs(), "×", 2, Target::AtLeast(0.4)),
    ];
    let figure = "2. the same, instructions per event (callgrind)";
    rows.push(match valgrind_missing() {
        Some(why) => Row::skipped(figure, why),
        None => {
            // The heap child pops as many events as the engine ran.
            let heap = instructions("heap", &[("POCNET_BENCH_EVENTS", events.to_string())]);
            match (instructions("engine", &[]), heap) {
                (Ok((engine, _)), Ok((heap, _))) => {
                    let (engine, heap) = (engine as f64 / events as f64, heap as f64 / events as f64);
                    Row::of(figure, format!("{engine:.0} per event"), format!("{heap:.0} per event")).outcome(
                        heap / engine,
                        "×",
                        2,
                        Target::AtLeast(0.4),
                    )
                }
                (Err(e), _) | (_, Err(e)) => Row::skipped(figure, e),
            }
        }
    });
    rows
}

fn linearity() -> Vec<Row> {
    let generated = |incidents| {
        let text = pocnet_benches::generated_network(100, incidents, 1);
        Scenario::parse("generated.toml", &text).expect("the generated scenario is valid")
    };
    let small = generated(10_000);
    let (mut small_events, mut large_events) = (0, 0);
    let ten = Timing::of(3, thread_cpu, || small_events = run_in_process(&small).0);
    drop(small);
    let large = generated(100_000);
    let hundred = Timing::of(1, thread_cpu, || large_events = run_in_process(&large).0);
    let mut rows = vec![
        Row::of(
            "3. generated network of 100 countries: 100,000 incidents vs 10,000, CPU",
            format!("{hundred}, {large_events} events"),
            format!("{ten}, {small_events} events (×{:.2})", large_events as f64 / small_events as f64),
        )
        .outcome(hundred.secs() / ten.secs(), "×", 1, Target::AtMost(11.0)),
    ];
    drop(large);
    rows.push(whole_run_memory());
    rows
}

/// Runs `workload` in a child process of this benchmark, whose peak memory
/// is its own, and reads the numbers it prints; what it said otherwise.
fn child_figures<const N: usize>(workload: &str) -> Result<[u64; N], String> {
    let exe = std::env::current_exe().expect("this benchmark's path");
    let out = std::process::Command::new(exe).env(measure::WORKLOAD, workload).output();
    let text = out.map(|o| String::from_utf8_lossy(&o.stdout).into_owned()).unwrap_or_default();
    let figures: Option<Vec<u64>> = text.split_whitespace().map(|n| n.parse().ok()).collect();
    figures.and_then(|figures| figures.try_into().ok()).ok_or(text)
}

/// Row 3's memory: a whole run of the 100,000-incident network in a process
/// of its own, parse, run and report, as `pocnet run` makes them. Measured
/// from the process's peak resident size, not inside this one: freed memory
/// this process still holds would be reused and counted as nothing.
fn whole_run_memory() -> Row {
    let figure = "3. peak memory of a whole run of those 100,000 incidents (parse, run, report), per incident";
    let [whole, parse, incidents] = match child_figures("memory") {
        Ok(figures) => figures,
        Err(said) => return Row::skipped(figure, format!("the run's process said {said:?}")),
    };
    Row::of(figure, format!("{:.0} MB; parsing alone peaks at {:.0} MB", whole as f64 / 1e6, parse as f64 / 1e6), "—")
        .outcome(whole as f64 / incidents as f64 / 1e3, " KB", 2, Target::AtMost(1.5))
}

/// The whole run `whole_run_memory` measures: "WHOLE_PEAK PARSE_PEAK
/// INCIDENTS", each peak in bytes above what the process held before
/// parsing (the scenario's text included).
fn measured_memory() -> String {
    let text = pocnet_benches::generated_network(100, 100_000, 1);
    let before = measure::resident_bytes().unwrap_or(0);
    if !measure::reset_peak() {
        return "/proc/self/clear_refs is not writable here".to_owned();
    }
    let scenario = Scenario::parse("generated.toml", &text).expect("the generated scenario is valid");
    let parse = measure::peak_bytes().unwrap_or(0).saturating_sub(before);
    let incidents = run_and_report(&scenario);
    let whole = measure::peak_bytes().unwrap_or(0).saturating_sub(before);
    format!("{whole} {parse} {incidents}")
}

fn replications() -> Vec<Row> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut rows = Vec::new();
    // Each timing a second or more: shorter ones are mostly the noise of
    // the shared machine.
    for (name, replications, runs) in [("quickstart.toml", 50_000, 5), ("network-today.toml", 100, 3)] {
        let figure = format!("4. {replications} replications of {name}: 2 threads vs 1");
        if cores < 2 {
            rows.push(Row::skipped(figure, "this machine has one core"));
            continue;
        }
        let scenario = &load(name);
        let study = |threads| {
            let options = Options {
                replications,
                threads,
                progress: false,
                horizon_ms: pocnet_coordinator::analysis::DEFAULT_HORIZON_MS,
            };
            move || {
                let aggregate = replication::aggregate(scenario, scenario.seed, &options).expect("the runs complete");
                assert_eq!(aggregate.replications, replications);
            }
        };
        // The machine's own ceiling, measured beside: two studies on one
        // thread each, run at once and sharing nothing, against one alone.
        // Cores of a shared virtual machine slow each other (caches, memory,
        // the host), so two threads of one study can do no better than this.
        let mut copies = || {
            std::thread::scope(|s| {
                s.spawn(study(1));
                s.spawn(study(1));
            })
        };
        let [one, two, both] = Timing::in_turn(runs, wall, [&mut study(1), &mut study(2), &mut copies]);
        let rate = |t: &Timing| replications as f64 / t.secs();
        let ceiling = 2.0 * one.secs() / both.secs();
        rows.push(
            Row::of(
                figure,
                format!("{:.0}/s on 2 ({two})", rate(&two)),
                format!(
                    "{:.0}/s on 1 ({one}); this machine's ceiling, two 1-thread studies at once: {ceiling:.2}×",
                    rate(&one)
                ),
            )
            .outcome(one.secs() / two.secs(), "×", 2, Target::AtLeast(1.85)),
        );
    }
    rows
}

/// The study as `pocnet sensitivity` runs it, in a child process of its own
/// so that its peak memory is its own: "CPU_MS PEAK_BYTES WALL_MS".
fn measured_sensitivity() -> String {
    let scenario = load("network-today.toml");
    let options = Options {
        replications: 100,
        threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
        progress: false,
        horizon_ms: pocnet_coordinator::analysis::DEFAULT_HORIZON_MS,
    };
    let (cpu, started) = (process_cpu(), wall());
    let ranking = Sensitivity::run(&scenario, scenario.seed, 2.0, IntervalKind::Network, &options, |_| {})
        .expect("the study completes");
    std::hint::black_box(ranking.render_text());
    let (cpu, took) = (process_cpu() - cpu, wall() - started);
    let peak = measure::peak_bytes().unwrap_or(0);
    format!("{} {peak} {}", cpu.as_millis(), took.as_millis())
}

fn sensitivity() -> Vec<Row> {
    let figure = "5. `pocnet sensitivity scenarios/network-today.toml` (100 replications a world)";
    let [cpu_ms, peak, wall_ms] = match child_figures("sensitivity") {
        Ok(figures) => figures,
        Err(said) => return vec![Row::skipped(figure, format!("the study's process said {said:?}"))],
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    vec![
        Row::of(format!("{figure}, CPU"), format!("{:.1} s wall on {threads} threads", wall_ms as f64 / 1e3), "—")
            .outcome(cpu_ms as f64 / 1e3, " s", 1, Target::AtMost(25.0)),
        Row::of(format!("{figure}, peak memory of its process"), "", "—").outcome(
            peak as f64 / 1e6,
            " MB",
            0,
            Target::AtMost(150.0),
        ),
    ]
}

fn grpc() -> Vec<Row> {
    let scenario = load("network-today.toml");
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a runtime");
    let in_process = Timing::of(5, wall, || {
        run_in_process(&scenario);
    });
    let mut windows = 0;
    let over_grpc = Timing::of(3, wall, || {
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
        let started = wall();
        for _ in 0..ROUNDS {
            health.check(request()).await.expect("a round");
        }
        (wall() - started) / ROUNDS
    });
    let per_window = over_grpc.median / windows.max(1) as u32;
    vec![
        Row::of(
            "6. network-today over loopback gRPC vs in process, wall",
            format!("{over_grpc}"),
            format!("{in_process}"),
        )
        .outcome(over_grpc.secs() / in_process.secs(), "×", 0, Target::AtMost(15.0)),
        Row::of(
            format!("6. time per window ({windows} windows) vs a bare tonic unary round trip"),
            format!("{:.0} µs", per_window.as_secs_f64() * 1e6),
            format!("{:.0} µs", bare.as_secs_f64() * 1e6),
        )
        .outcome(per_window.as_secs_f64() / bare.as_secs_f64(), "×", 2, Target::AtMost(1.3)),
    ]
}

fn deliver() -> Vec<Row> {
    const CALLS: u32 = 20_000;
    const PER_SECOND: u32 = 20_000;
    let figure = "7. node `Deliver` at 20,000/s vs a bare tonic service (both current_thread)";
    let Some((node, echo)) = pocnet_benches::deliver_load::node_against_echo(CALLS, PER_SECOND) else {
        return vec![Row::skipped(figure, "a thread's CPU clock is not readable here (/proc/<pid>/task)")];
    };
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    vec![
        Row::of(
            format!("{figure}: server CPU per call"),
            format!("{:.1} µs", us(node.cpu_per_call)),
            format!("{:.1} µs", us(echo.cpu_per_call)),
        )
        .outcome(
            node.cpu_per_call.as_secs_f64() / echo.cpu_per_call.as_secs_f64(),
            "×",
            2,
            Target::AtMost(1.2),
        ),
        Row::of(
            format!("{figure}: p99 latency, open loop"),
            format!("p50 {:.2} ms", ms(node.p50)),
            format!("p99 {:.2} ms, p50 {:.2} ms", ms(echo.p99), ms(echo.p50)),
        )
        .outcome(ms(node.p99), " ms", 2, Target::AtMost(7.0)),
    ]
}
