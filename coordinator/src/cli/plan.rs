//! The command line lowered once into a validated plan (ripgrep's LowArgs →
//! HiArgs): the scenario loaded and overridden, the seed chosen, how the
//! nodes are reached, and every output path checked writable, before any
//! simulated time passes: a typo in `--json` costs nothing, not a whole run.

use super::args::{CompareArgs, Reporting, RunArgs, SensitivityArgs, Transport};
use anyhow::Context;
use pocnet_coordinator::compare::Variant;
use pocnet_coordinator::engine::{self, Placement};
use pocnet_coordinator::replication;
use pocnet_coordinator::scenario::variation::{self, split_values};
use pocnet_coordinator::scenario::{Scenario, ScenarioError};
use pocnet_coordinator::shard::Shard;
use pocnet_node::grpc::{Credentials, Party};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

/// What lowering found: a plan to carry out, or input already reported as invalid.
pub enum Lowered<T> {
    Ready(T),
    /// The scenario's problems have been printed; the exit status says "invalid input".
    Invalid,
}

/// How a run reaches its result.
pub enum Mode {
    /// One replication, with the nodes placed as asked.
    Single(Placement),
    /// Many, in process or over loopback gRPC; or one shard of them, in process.
    Replications { options: replication::Options, transport: Transport, shard: Option<Shard> },
}

/// Where the results go besides the terminal; each path was checked writable.
#[derive(Default)]
pub struct Outputs {
    pub json: Option<PathBuf>,
    pub html: Option<PathBuf>,
    pub csv: Option<PathBuf>,
    /// The kind of interval the text and the page show.
    pub interval: pocnet_coordinator::intervals::IntervalKind,
}

pub struct RunPlan {
    pub file: PathBuf,
    pub scenario: Scenario,
    /// The strategy given on the command line, if any (a shard's part records it).
    pub strategy: Option<String>,
    pub seed: u64,
    pub mode: Mode,
    pub outputs: Outputs,
    pub reporting: Reporting,
}

pub struct ComparePlan {
    pub variants: Vec<Variant>,
    pub seed: u64,
    pub options: replication::Options,
    pub outputs: Outputs,
    pub reporting: Reporting,
}

impl RunPlan {
    pub fn lower(args: RunArgs) -> anyhow::Result<Lowered<RunPlan>> {
        let outputs =
            Outputs { interval: args.reporting.interval, ..Outputs::checked(args.json, args.html, args.csv)? };
        let Some(mut scenario) = load(&args.file)? else { return Ok(Lowered::Invalid) };
        if let Some(strategy) = args.strategy {
            scenario.strategy = strategy;
        }
        let strategy = args.strategy.map(|s| s.name().to_owned());
        let seed = args.seed.unwrap_or(scenario.seed);
        let mode = match (args.replications, args.nodes, args.transport) {
            (Some(replications), _, transport) => Mode::Replications {
                options: options(replications, args.threads, args.reporting),
                transport: transport.unwrap_or(Transport::Inproc),
                shard: args.shard,
            },
            (None, Some(nodes), _) => {
                let credentials = match &args.tls {
                    Some(dir) => Some(Credentials::load(dir, Party::Coordinator)?),
                    None => None,
                };
                let (urls, addresses) = match nodes.strip_prefix('@') {
                    Some(file) => {
                        let path = PathBuf::from(file);
                        (engine::read_addresses(&path).map_err(|e| anyhow::anyhow!("--nodes: {e}"))?, Some(path))
                    }
                    None => (engine::parse_addresses(&nodes).map_err(|e| anyhow::anyhow!("--nodes: {e}"))?, None),
                };
                Mode::Single(Placement::Remote { urls, timeout: args.timeout, credentials, addresses })
            }
            (None, None, Some(Transport::Inproc)) => Mode::Single(Placement::InProcess),
            // A very large run over loopback gRPC spends minutes encoding its
            // configurations for nothing: the bytes are the same either way.
            (None, None, None) if scenario.incidents.len() > GRPC_DEFAULT_UP_TO => {
                eprintln!(
                    "note: {} incidents: one run of more than {GRPC_DEFAULT_UP_TO} goes by direct calls \
                     (the same report; --transport grpc to insist)",
                    scenario.incidents.len()
                );
                Mode::Single(Placement::InProcess)
            }
            (None, None, None) if !Descriptors::suffice(scenario.countries.len()) => {
                eprintln!(
                    "note: {} countries: over loopback gRPC their connections would need {}; \
                     the run goes by direct calls (the same report)",
                    scenario.countries.len(),
                    Descriptors::shortfall(scenario.countries.len())
                );
                Mode::Single(Placement::InProcess)
            }
            (None, None, Some(Transport::Grpc) | None) => Mode::Single(Placement::LocalGrpc),
        };
        let over_loopback =
            matches!(mode, Mode::Single(Placement::LocalGrpc) | Mode::Replications { transport: Transport::Grpc, .. });
        if over_loopback && !Descriptors::suffice(scenario.countries.len()) {
            anyhow::bail!(
                "--transport grpc: {} countries over loopback gRPC would need {}; run them in process \
                 (--transport inproc, the same report), or as `pocnet node` processes across hosts (--nodes)",
                scenario.countries.len(),
                Descriptors::shortfall(scenario.countries.len())
            );
        }
        within_memory(&scenario, &mode, outputs.json.is_some(), args.max_memory)?;
        let reporting = args.reporting;
        Ok(Lowered::Ready(RunPlan { file: args.file, scenario, strategy, seed, mode, outputs, reporting }))
    }
}

impl ComparePlan {
    pub fn lower(args: CompareArgs) -> anyhow::Result<Lowered<ComparePlan>> {
        let outputs = Outputs::checked(args.study.json, args.study.html, None)?;
        let mut variants = Vec::new();
        match (&args.vary, args.files.as_slice()) {
            (Some(vary), [file]) => {
                let (path, values) = vary.split_once('=').ok_or_else(|| {
                    anyhow::anyhow!("--vary `{vary}` should be PATH=V1,V2,..., like strategy=hub,relay")
                })?;
                let values = split_values(values);
                if values.len() < 2 {
                    anyhow::bail!("--vary `{vary}` needs at least two values to compare, separated by commas");
                }
                let text = std::fs::read_to_string(file)
                    .with_context(|| format!("cannot read scenario {}", file.display()))?;
                for value in values {
                    let varied = variation::apply(&text, path, &value)
                        .map_err(|e| anyhow::anyhow!("--vary {path}={value} on {}: {e}", file.display()))?;
                    let label = format!("{path}={value}");
                    let name = format!("{} [{label}]", file.display());
                    let Some(scenario) = shown(Scenario::parse_at(&name, &varied, Some(file)))? else {
                        return Ok(Lowered::Invalid);
                    };
                    variants.push(Variant { label, scenario });
                }
            }
            (Some(_), _) => anyhow::bail!("--vary takes exactly one scenario file"),
            (None, [_]) => anyhow::bail!("give two or more scenarios to compare, or one with --vary PATH=V1,V2"),
            (None, files) => {
                for file in files {
                    let Some(scenario) = load(file)? else { return Ok(Lowered::Invalid) };
                    variants.push(Variant { label: file.display().to_string(), scenario });
                }
            }
        }
        let seed = args.study.seed.unwrap_or(variants[0].scenario.seed);
        let reporting = args.study.reporting;
        let options = options(args.replications, args.study.threads, reporting);
        Ok(Lowered::Ready(ComparePlan { variants, seed, options, outputs, reporting }))
    }
}

pub struct SensitivityPlan {
    pub scenario: Scenario,
    pub seed: u64,
    pub factor: f64,
    pub options: replication::Options,
    pub outputs: Outputs,
    pub reporting: Reporting,
}

impl SensitivityPlan {
    pub fn lower(args: SensitivityArgs) -> anyhow::Result<Lowered<SensitivityPlan>> {
        let outputs = Outputs::checked(args.study.json, args.study.html, None)?;
        let Some(scenario) = load(&args.file)? else { return Ok(Lowered::Invalid) };
        let seed = args.study.seed.unwrap_or(scenario.seed);
        let reporting = args.study.reporting;
        let options = options(args.replications, args.study.threads, reporting);
        Ok(Lowered::Ready(SensitivityPlan { scenario, seed, factor: args.factor, options, outputs, reporting }))
    }
}

impl Outputs {
    /// Checks that every requested output can be written, before any work.
    pub fn checked(json: Option<PathBuf>, html: Option<PathBuf>, csv: Option<PathBuf>) -> anyhow::Result<Outputs> {
        // `-` is standard output.
        if let Some(path) = json.as_ref().filter(|p| p.as_path() != Path::new("-")) {
            writable_file(path, "--json")?;
        }
        if let Some(path) = &html {
            writable_file(path, "--html")?;
        }
        if let Some(dir) = &csv {
            std::fs::create_dir_all(dir).with_context(|| format!("--csv: cannot create {}", dir.display()))?;
            writable_file(&dir.join("traces.csv"), "--csv")?;
        }
        Ok(Outputs { json, html, csv, interval: Default::default() })
    }
}

/// Opens `path` for writing without changing it, and removes it again if
/// this check created it.
fn writable_file(path: &Path, flag: &str) -> anyhow::Result<()> {
    let existed = path.exists();
    std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)
        .with_context(|| format!("{flag}: cannot write to {}", path.display()))?;
    if !existed {
        let _ = std::fs::remove_file(path);
    }
    Ok(())
}

/// Incidents up to which one run goes over loopback gRPC unless told.
const GRPC_DEFAULT_UP_TO: usize = 50_000;

/// The file descriptors a run over loopback gRPC holds: every node keeps a
/// connection to each peer it writes to, and both ends are in this process,
/// so a network of n countries may hold about 2·n·(n−1), plus the
/// coordinator's connection to each node and its listener. Past the
/// process's limit, connections fail mid-run and a node looks stalled (a
/// generated network of 100 countries needs about 20,000).
struct Descriptors;

impl Descriptors {
    fn needed(countries: usize) -> u64 {
        let n = countries as u64;
        2 * n * n.saturating_sub(1) + 4 * n + 64
    }

    /// The soft limit, raised first to the hard one where the system allows.
    fn limit() -> u64 {
        rlimit::increase_nofile_limit(u64::MAX).unwrap_or(1024)
    }

    fn suffice(countries: usize) -> bool {
        Descriptors::needed(countries) <= Descriptors::limit()
    }

    fn shortfall(countries: usize) -> String {
        format!(
            "about {} open files, more than this process may open ({}, `ulimit -n`)",
            Descriptors::needed(countries),
            Descriptors::limit()
        )
    }
}

/// Refuses a run whose estimated memory passes `--max-memory` (or four
/// fifths of the machine's), saying how to proceed.
fn within_memory(scenario: &Scenario, mode: &Mode, json: bool, max: Option<u64>) -> anyhow::Result<()> {
    use pocnet_coordinator::footprint::{self, Estimate, Shape};
    let shape = match mode {
        Mode::Single(Placement::InProcess) => Shape { at_once: 1, keeps_log: json, grpc: false },
        Mode::Single(Placement::LocalGrpc) => Shape { at_once: 1, keeps_log: json, grpc: true },
        // The nodes' memory is on their hosts; the coordinator holds the projection and report.
        Mode::Single(Placement::Remote { .. }) => Shape { at_once: 1, keeps_log: json, grpc: false },
        Mode::Replications { options, transport, .. } => Shape {
            at_once: options.threads.min(usize::try_from(options.replications).unwrap_or(usize::MAX)) as u64,
            keeps_log: false,
            grpc: *transport == Transport::Grpc,
        },
    };
    let estimate = Estimate::of(scenario, shape);
    let (limit, given) = match max {
        Some(limit) => (limit, true),
        None => (footprint::default_limit(), false),
    };
    if estimate.bytes <= limit {
        return Ok(());
    }
    let per_incident = (estimate.bytes / estimate.incidents.max(1) / shape.at_once.max(1)) as f64 / 1e3;
    let mut ways = vec![format!(
        "give --max-memory a larger size if the machine has the memory{}",
        if given { String::new() } else { " (the default is four fifths of this machine's)".to_owned() }
    )];
    if shape.at_once > 1 {
        ways.push("use fewer --threads (each runs one replication at a time)".to_owned());
        ways.push("split the replications over machines (--shard I/K, then `pocnet merge`)".to_owned());
    }
    if shape.grpc {
        ways.push("run the nodes in process (--transport inproc needs about a third less)".to_owned());
    }
    if shape.keeps_log {
        ways.push("leave out --json, which keeps the whole event log".to_owned());
    }
    ways.push("simulate fewer incidents (a generator's per_day or period)".to_owned());
    anyhow::bail!(
        "this run needs about {} ({} incidents, {} hops, about {per_incident:.1} kB each{}), more than {} allowed \
         ({}): {}",
        footprint::fmt_size(estimate.bytes),
        estimate.incidents,
        estimate.hops,
        if shape.at_once > 1 { format!(", {} replications at once", shape.at_once) } else { String::new() },
        footprint::fmt_size(limit),
        if given { "--max-memory" } else { "four fifths of this machine's memory" },
        ways.join("; ")
    );
}

/// `--threads`, or every core.
pub fn worker_threads(threads: Option<u16>) -> usize {
    threads.map_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()), usize::from)
}

fn options(replications: u64, threads: Option<u16>, reporting: Reporting) -> replication::Options {
    let threads = worker_threads(threads);
    let progress = std::io::stderr().is_terminal();
    replication::Options { replications, threads, progress, horizon_ms: reporting.horizon }
}

/// Loads a scenario or prints every problem found; `None` when invalid.
pub fn load(file: &Path) -> anyhow::Result<Option<Scenario>> {
    shown(Scenario::load(file))
}

/// A validated scenario, or `None` after printing every problem it has.
fn shown(loaded: Result<Scenario, ScenarioError>) -> anyhow::Result<Option<Scenario>> {
    match loaded {
        Ok(scenario) => Ok(Some(scenario)),
        Err(ScenarioError::Invalid { file, problems }) => {
            let theme = if std::io::stderr().is_terminal() {
                miette::GraphicalTheme::unicode()
            } else {
                miette::GraphicalTheme::unicode_nocolor()
            };
            let handler = miette::GraphicalReportHandler::new_themed(theme);
            let mut text = String::new();
            for problem in &problems {
                let _ = handler.render_report(&mut text, problem);
                text.push('\n');
            }
            let count = problems.len();
            eprint!("{text}");
            eprintln!("error: {file} is not a valid scenario ({count} problem{})", if count == 1 { "" } else { "s" });
            Ok(None)
        }
        Err(error) => Err(error.into()),
    }
}
