//! `pocnet`: the command line of the 24/7 points-of-contact network simulator.

use anyhow::Context;
use clap::{Args, Parser, Subcommand, ValueEnum};
use pocnet_coordinator::analysis::Aggregate;
use pocnet_coordinator::case_rows::CaseRows;
use pocnet_coordinator::compare::{Comparison, Variant};
use pocnet_coordinator::engine::RunLog;
use pocnet_coordinator::engine::{self, Placement};
use pocnet_coordinator::html;
use pocnet_coordinator::replication;
use pocnet_coordinator::replication_report::ReplicationReport;
use pocnet_coordinator::report::{self, Report};
use pocnet_coordinator::scenario::variation::{self, split_values};
use pocnet_coordinator::scenario::{Scenario, ScenarioError};
use pocnet_node::CountryCode;
use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "pocnet",
    version,
    about = "Simulates the G8 24/7 high-tech crime points-of-contact network in simulated time",
    long_about = "Simulates the G8 24/7 high-tech crime points-of-contact network: each country's point of \
contact is a gRPC node; a coordinator replays a TOML scenario in simulated time and measures how fast \
preservation and traffic-data requests travel along a carrier chain, against the Action Plan's goals."
)]
struct Cli {
    /// Log the flow of requests: -v for each step with its simulated time, -vv for more (or set RUST_LOG)
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a scenario and print its report
    #[command(after_help = "Examples:
  pocnet run scenarios/quickstart.toml
  pocnet run scenarios/weekend-trail.toml --seed 7 --json report.json
  pocnet run scenarios/quickstart.toml --transport inproc
  pocnet run scenarios/quickstart.toml --replications 10000 --json dist.json --csv cases/
  pocnet run scenarios/quickstart.toml --nodes US=http://127.0.0.1:7001,FR=http://127.0.0.1:7002,DE=http://127.0.0.1:7003")]
    Run(RunArgs),
    /// Compare variants of a world under common random numbers (same seeds for every variant)
    #[command(after_help = "Examples:
  pocnet compare scenarios/weekend-trail.toml --vary strategy=hub,relay
  pocnet compare scenarios/weekend-trail.toml --vary countries.GR.staffing=24/7,'{ office_hours = \"08:00-16:00\" }'
  pocnet compare scenarios/weekend-trail.toml scenarios/weekend-trail-24-7.toml --replications 2000 --json comparison.json
--vary takes a dotted path into the scenario (strategy, goals and seed are short for scenario.*)
and comma-separated values, each TOML or a bare word.")]
    Compare(CompareArgs),
    /// Validate a scenario without running it (exit status 0 when valid)
    #[command(after_help = "Example:
  pocnet check scenarios/weekend-trail.toml")]
    Check {
        /// The scenario file (TOML)
        file: PathBuf,
    },
    /// Print the JSON Schema of the scenario format (for TOML editors: taplo, Even Better TOML)
    #[command(after_help = "Example:
  pocnet schema > scenarios/pocnet-scenario.schema.json
Scenario files point to it with a first line `#:schema ./pocnet-scenario.schema.json`.")]
    Schema,
    /// Serve an empty country node over gRPC; the coordinator configures it (see `run --nodes`)
    #[command(after_help = "Example:
  pocnet node --listen 127.0.0.1:7001
Port 0 picks a free port; the address actually bound is printed on the first line.")]
    Node {
        /// Address to listen on
        #[arg(long, value_name = "ADDR")]
        listen: std::net::SocketAddr,
    },
}

#[derive(Args)]
struct RunArgs {
    /// The scenario file (TOML)
    file: PathBuf,
    /// Seed of every random draw; defaults to the scenario's `seed`
    #[arg(long)]
    seed: Option<u64>,
    /// How the coordinator reaches the nodes: real gRPC servers on loopback, or direct calls
    /// [default: grpc for one run, inproc for --replications]
    #[arg(long, value_enum)]
    transport: Option<Transport>,
    /// Use nodes already running (`pocnet node`), one per country: CC=URL,CC=URL,...
    #[arg(long, value_name = "CC=URL,...", value_parser = parse_nodes, conflicts_with = "transport")]
    nodes: Option<BTreeMap<CountryCode, String>>,
    /// Override the scenario's strategy: hub (the reporting country asks each next country), relay
    /// (each requested country forwards) or parallel (the whole chain is known: all asked at once)
    #[arg(long, value_parser = parse_strategy)]
    strategy: Option<pocnet_node::Strategy>,
    /// Also write the full report as JSON (format in docs/report.md)
    #[arg(long, value_name = "PATH")]
    json: Option<PathBuf>,
    /// Run N independent replications (seeds derived from --seed) and report distributions
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..), conflicts_with = "nodes")]
    replications: Option<u64>,
    /// Worker threads for --replications [default: all cores]
    #[arg(long, value_name = "N", requires = "replications", value_parser = clap::value_parser!(u16).range(1..))]
    threads: Option<u16>,
    /// Write per-case rows (traces.csv, hops.csv) into DIR
    #[arg(long, value_name = "DIR")]
    csv: Option<PathBuf>,
    /// Write a self-contained HTML report with charts (opens without network access)
    #[arg(long, value_name = "PATH")]
    html: Option<PathBuf>,
}

#[derive(Args)]
struct CompareArgs {
    /// One scenario with --vary, or two or more scenarios to compare
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// PATH=V1,V2,...: variants of the one scenario given, baseline first
    #[arg(long, value_name = "PATH=V1,V2,...")]
    vary: Option<String>,
    /// Replications per variant
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..))]
    replications: u64,
    /// Base seed shared by every variant; defaults to the first scenario's `seed`
    #[arg(long)]
    seed: Option<u64>,
    /// Worker threads [default: all cores]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    threads: Option<u16>,
    /// Also write the comparison as JSON (format in docs/report.md)
    #[arg(long, value_name = "PATH")]
    json: Option<PathBuf>,
    /// Write the comparison as a self-contained HTML page
    #[arg(long, value_name = "PATH")]
    html: Option<PathBuf>,
}

fn parse_strategy(text: &str) -> Result<pocnet_node::Strategy, String> {
    pocnet_node::Strategy::from_name(text).ok_or_else(|| {
        let names: Vec<&str> = pocnet_node::Strategy::ALL.iter().map(|s| s.name()).collect();
        format!("expected one of {}", names.join(", "))
    })
}

#[derive(Clone, Copy, ValueEnum)]
enum Transport {
    Grpc,
    Inproc,
}

fn parse_nodes(text: &str) -> Result<BTreeMap<CountryCode, String>, String> {
    let mut nodes = BTreeMap::new();
    for entry in text.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let (code, url) = entry
            .split_once('=')
            .ok_or_else(|| format!("`{entry}` should be CC=URL, like FR=http://127.0.0.1:7002"))?;
        let code = code.trim();
        if code.len() != 2 || !code.chars().all(|c| c.is_ascii_uppercase()) {
            return Err(format!("`{code}` in `{entry}` is not a two-letter country code"));
        }
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(format!("`{url}` in `{entry}` should start with http:// or https://"));
        }
        if nodes.insert(CountryCode(code.to_owned()), url.trim().to_owned()).is_some() {
            return Err(format!("{code} is given twice"));
        }
    }
    if nodes.is_empty() {
        return Err("give at least one CC=URL".to_owned());
    }
    Ok(nodes)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.verbose);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(dispatch(cli.command)) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn dispatch(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Run(args) => run(args).await,
        Command::Check { file } => Ok(check(&file)),
        Command::Compare(args) => compare(args),
        Command::Schema => {
            write_stdout(&pocnet_coordinator::schema::scenario_schema_text());
            Ok(ExitCode::SUCCESS)
        }
        Command::Node { listen } => node(listen).await,
    }
}

/// Loads a scenario or prints every problem found; `None` when invalid.
fn load(file: &Path) -> Result<Option<Scenario>, anyhow::Error> {
    shown(Scenario::load(file))
}

/// A validated scenario, or `None` after printing every problem it has.
fn shown(loaded: Result<Scenario, ScenarioError>) -> Result<Option<Scenario>, anyhow::Error> {
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

const INVALID_INPUT: u8 = 2;

fn check(file: &Path) -> ExitCode {
    match load(file) {
        Ok(Some(scenario)) => {
            let summary = format!(
                "{} is valid: \"{}\"\n  {} countries, {} carriers, {} incidents; epoch {}, last communication {} later\n  strategy {}, goals {}, minimum message delay {}\n",
                file.display(),
                scenario.name,
                scenario.countries.len(),
                scenario.carriers.len(),
                scenario.incidents.len(),
                scenario.epoch,
                pocnet_coordinator::units::fmt_ms(scenario.last_communication().ms()),
                scenario.strategy.name(),
                scenario.goals.name,
                pocnet_coordinator::units::fmt_ms(scenario.network.min_message_delay_ms),
            );
            write_stdout(&summary);
            ExitCode::SUCCESS
        }
        Ok(None) => ExitCode::from(INVALID_INPUT),
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(INVALID_INPUT)
        }
    }
}

async fn run(args: RunArgs) -> anyhow::Result<ExitCode> {
    let Some(mut scenario) = load(&args.file)? else {
        return Ok(ExitCode::from(INVALID_INPUT));
    };
    if let Some(strategy) = args.strategy {
        scenario.strategy = strategy;
    }
    let seed = args.seed.unwrap_or(scenario.seed);
    if let Some(replications) = args.replications {
        return replicate(&scenario, seed, replications, &args).await;
    }
    let placement = match (&args.nodes, args.transport.unwrap_or(Transport::Grpc)) {
        (Some(urls), _) => Placement::Remote(urls.clone()),
        (None, Transport::Grpc) => Placement::LocalGrpc,
        (None, Transport::Inproc) => Placement::InProcess,
    };
    let log = engine::run_scenario(&scenario, seed, &placement)
        .await
        .with_context(|| format!("running {}", args.file.display()))?;
    tracing::info!(events = log.events.len(), windows = log.windows, "run finished");
    let report = Report::build(&scenario, &log);
    if let Some(path) = &args.json {
        write_file(path, &report.to_json(), "the JSON report")?;
    }
    if let Some(dir) = &args.csv {
        let mut rows = CaseRows::create(dir).with_context(|| format!("creating CSV files in {}", dir.display()))?;
        rows.write(0, &report.incidents).context("writing CSV rows")?;
        rows.finish().context("writing CSV rows")?;
    }
    if let Some(path) = &args.html {
        // One run is a study of one replication: the same page, with its timeline.
        let mut aggregate = Aggregate::new();
        aggregate.add(&scenario, 0, &report.incidents);
        let study = ReplicationReport::build(&scenario, seed, &aggregate, |case| {
            report.incidents.get(case.incident as usize).cloned()
        });
        write_file(path, &html::replication_page(&study, &aggregate), "the HTML report")?;
    }
    write_stdout(&report.render_text(&scenario));
    Ok(ExitCode::SUCCESS)
}

fn compare(args: CompareArgs) -> anyhow::Result<ExitCode> {
    let mut variants = Vec::new();
    match (&args.vary, args.files.as_slice()) {
        (Some(vary), [file]) => {
            let (path, values) = vary
                .split_once('=')
                .ok_or_else(|| anyhow::anyhow!("--vary `{vary}` should be PATH=V1,V2,..., like strategy=hub,relay"))?;
            let values = split_values(values);
            if values.len() < 2 {
                anyhow::bail!("--vary `{vary}` needs at least two values to compare, separated by commas");
            }
            let text =
                std::fs::read_to_string(file).with_context(|| format!("cannot read scenario {}", file.display()))?;
            for value in values {
                let varied = variation::apply(&text, path, &value)
                    .map_err(|e| anyhow::anyhow!("--vary {path}={value} on {}: {e}", file.display()))?;
                let label = format!("{path}={value}");
                let name = format!("{} [{label}]", file.display());
                let Some(scenario) = shown(Scenario::parse_at(&name, &varied, Some(file)))? else {
                    return Ok(ExitCode::from(INVALID_INPUT));
                };
                variants.push(Variant { label, scenario });
            }
        }
        (Some(_), _) => anyhow::bail!("--vary takes exactly one scenario file"),
        (None, [_]) => anyhow::bail!("give two or more scenarios to compare, or one with --vary PATH=V1,V2"),
        (None, files) => {
            for file in files {
                let Some(scenario) = load(file)? else { return Ok(ExitCode::from(INVALID_INPUT)) };
                variants.push(Variant { label: file.display().to_string(), scenario });
            }
        }
    }
    let seed = args.seed.unwrap_or(variants[0].scenario.seed);
    let threads = worker_threads(args.threads);
    let options =
        replication::Options { replications: args.replications, threads, progress: std::io::stderr().is_terminal() };
    let mut aggregates = Vec::new();
    for variant in &variants {
        tracing::info!(variant = %variant.label, "running");
        let mut aggregate = Aggregate::new();
        tokio::task::block_in_place(|| {
            replication::run_in_process(&variant.scenario, seed, &options, |replication, log| {
                let incidents = report::incident_reports(&variant.scenario, &log.events);
                aggregate.add(&variant.scenario, replication, &incidents);
            })
        })
        .with_context(|| format!("running {}", variant.label))?;
        aggregates.push(aggregate);
    }
    let pairs: Vec<(&Variant, &Aggregate)> = variants.iter().zip(&aggregates).collect();
    let comparison = Comparison::build(seed, &pairs);
    if let Some(path) = &args.json {
        write_file(path, &comparison.to_json(), "the JSON comparison")?;
    }
    if let Some(path) = &args.html {
        write_file(path, &html::comparison_page(&comparison), "the HTML comparison")?;
    }
    write_stdout(&comparison.render_text());
    Ok(ExitCode::SUCCESS)
}

async fn replicate(scenario: &Scenario, seed: u64, replications: u64, args: &RunArgs) -> anyhow::Result<ExitCode> {
    let threads = worker_threads(args.threads);
    let options = replication::Options { replications, threads, progress: std::io::stderr().is_terminal() };
    let mut rows = match &args.csv {
        Some(dir) => Some(CaseRows::create(dir).with_context(|| format!("creating CSV files in {}", dir.display()))?),
        None => None,
    };
    let mut aggregate = Aggregate::new();
    let mut csv_error = None;
    let mut consume = |replication: u64, log: RunLog| {
        let incidents = report::incident_reports(scenario, &log.events);
        aggregate.add(scenario, replication, &incidents);
        if let Some(rows) = rows.as_mut()
            && csv_error.is_none()
        {
            csv_error = rows.write(replication, &incidents).err();
        }
    };
    let started = std::time::Instant::now();
    match args.transport.unwrap_or(Transport::Inproc) {
        Transport::Inproc => {
            tokio::task::block_in_place(|| replication::run_in_process(scenario, seed, &options, &mut consume))
        }
        Transport::Grpc => replication::run_over_grpc(scenario, seed, &options, &mut consume).await,
    }
    .with_context(|| format!("running {}", args.file.display()))?;
    tracing::info!(replications, seconds = started.elapsed().as_secs_f64(), "replications finished");
    if let Some(error) = csv_error {
        return Err(error).context("writing CSV rows");
    }
    if let Some(rows) = rows {
        rows.finish().context("writing CSV rows")?;
    }
    let report = ReplicationReport::build(scenario, seed, &aggregate, |case| {
        let log = engine::run_in_process_blocking(scenario, seed, case.replication).ok()?;
        report::incident_reports(scenario, &log.events).into_iter().nth(case.incident as usize)
    });
    if let Some(path) = &args.json {
        write_file(path, &report.to_json(), "the JSON report")?;
    }
    if let Some(path) = &args.html {
        write_file(path, &html::replication_page(&report, &aggregate), "the HTML report")?;
    }
    write_stdout(&report.render_text());
    Ok(ExitCode::SUCCESS)
}

async fn node(listen: std::net::SocketAddr) -> anyhow::Result<ExitCode> {
    let listener = tokio::net::TcpListener::bind(listen).await.with_context(|| format!("cannot listen on {listen}"))?;
    let address = listener.local_addr()?;
    // The first line of output is the contract with whoever started us (tests, scripts).
    write_stdout(&format!("pocnet node listening on {address}\n"));
    tracing::info!(%address, "serving");
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    pocnet_node::grpc::serve(listener, shutdown).await.context("serving gRPC")?;
    Ok(ExitCode::SUCCESS)
}

/// `--threads`, or every core.
fn worker_threads(threads: Option<u16>) -> usize {
    threads.map_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()), usize::from)
}

fn write_file(path: &Path, contents: &str, what: &str) -> anyhow::Result<()> {
    std::fs::write(path, contents).with_context(|| format!("writing {what} to {}", path.display()))
}

/// The command's own output (report, summary); logs go to stderr through tracing.
fn write_stdout(text: &str) {
    let mut stdout = std::io::stdout().lock();
    if stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()).is_err() {
        // A closed pipe (`pocnet run ... | head`) is not an error worth a panic.
    }
}

fn init_logging(verbose: u8) {
    use tracing_subscriber::EnvFilter;
    let default = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = if verbose > 0 {
        EnvFilter::new(default)
    } else {
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default))
    };
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        // Colour codes only where a person reads them, not in a log file.
        .with_ansi(std::io::stderr().is_terminal())
        // Wall-clock stamps would only distract: each event carries its simulated time.
        .without_time()
        .init();
}
