//! The command line as typed: clap's types, with the flags' own parsers.
//! `plan.rs` lowers these into a validated plan before any work starts.

use clap::{Args, Parser, Subcommand, ValueEnum};
use pocnet_node::{CountryCode, Strategy};
use std::path::PathBuf;

/// Most replications one study runs: its statistics keep each replication's
/// shares (for paired differences), a few hundred bytes each.
const MAX_REPLICATIONS: u64 = 1_000_000;

#[derive(Parser)]
#[command(
    name = "pocnet",
    version,
    about = "Simulates the G8 24/7 high-tech crime points-of-contact network in simulated time",
    long_about = "Simulates the G8 24/7 high-tech crime points-of-contact network: each country's point of \
contact is a gRPC node; a coordinator replays a TOML scenario in simulated time and measures how fast \
preservation and traffic-data requests travel along a carrier chain, against the Action Plan's goals."
)]
pub struct Cli {
    /// Log the flow of requests: -v for each step with its simulated time, -vv for more (or set RUST_LOG)
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
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
    /// Rank the assumed figures and the scenario's illustrative inputs by their effect on the outcomes (one at a time, common random numbers)
    #[command(after_help = "Examples:
  pocnet sensitivity scenarios/weekend-trail.toml
  pocnet sensitivity scenarios/weekend-trail.toml --replications 200 --html sensitivity.html
  pocnet sensitivity scenarios/quickstart.toml --factor 3 --json sensitivity.json
Each figure docs/domain.md marks assumed (desk handling, carrier preservation and disclosure,
emergency response, message delay, translation, written confirmation, MLA preparation, MLA follow-up,
directory fallback, the share of 24/7 desks, request defects, the Art. 30 order, ...) that the scenario gives
something to act on, and each illustrative input that shapes the outcomes (the non-member route, the
detection delay, each kind of carrier's retention), is divided and multiplied by the factor in turn,
everything else unchanged; what no sweep varies is named under the ranking.")]
    Sensitivity(SensitivityArgs),
    /// Draw every assumed figure afresh for each replication and report the outcomes' spread and where it comes from
    #[command(after_help = "Examples:
  pocnet uncertainty scenarios/weekend-trail.toml
  pocnet uncertainty scenarios/quickstart.toml --replications 100 --json uncertainty.json --html uncertainty.html
Each figure docs/domain.md marks assumed is drawn, independently for each replication, log-uniformly
from half to double its default; the spread of the outcomes over the replications (95% of them) covers
those figures and the simulation's chance, for the scenario's own incidents. Each figure's share of the
variance is its standardized rank regression coefficient squared (docs/report.md). The same seed gives
the same report whatever --threads.")]
    Uncertainty(UncertaintyArgs),
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
The repository's .taplo.toml points Taplo and Even Better TOML to scenarios/pocnet-scenario.schema.json;
elsewhere, save the schema beside your scenarios with a .taplo.toml holding [schema] path = \"./pocnet-scenario.schema.json\".")]
    Schema,
    /// Play a scenario as a training exercise: a paced clock, consoles in the browser, bots at the other desks
    #[command(
        after_help = "Examples:
  pocnet exercise scenarios/exercises/hospital-ransomware.toml
  pocnet exercise scenarios/exercises/hospital-ransomware.toml --seats DE,NL --speed 60
  pocnet exercise scenarios/quickstart.toml --seats FR --listen 0.0.0.0:8080 --journal quickstart.journal
  pocnet exercise timeline scenarios/exercises/hospital-ransomware.toml --session 3h30m
  pocnet exercise rehearse scenarios/exercises/hospital-ransomware.toml --replications 20
  pocnet exercise rehearse scenarios/exercises/hospital-ransomware.toml --delay 20m
  pocnet exercise replay hospital-ransomware.journal --json debrief.json
  pocnet exercise replay hospital-ransomware.journal --speed 16
  pocnet exercise report hospital-ransomware.journal --html aar.html --json aar.json --csv aar/
  pocnet exercise fork hospital-ransomware.journal --at 2026-11-27T21:40:00Z --journal what-if.journal
It prints the director's link and one per seat, each with its own access token. Stop it with Ctrl-C
(or kill it): the same command resumes the exercise, paused where it stood, from its journal.",
        args_conflicts_with_subcommands = true,
        subcommand_negates_reqs = true
    )]
    Exercise(ExerciseArgs),
    /// Serve an empty country node over gRPC; the coordinator configures it (see `run --nodes`)
    #[command(after_help = "Examples:
  pocnet node --listen 127.0.0.1:7001
  pocnet node --listen 0.0.0.0:7001 --tls certs --country DE
Port 0 picks a free port; the address actually bound is printed on the first line.

Across hosts, make certificates once with `pocnet certs init certs --countries DE,FR,...`, give each
node's host authority.pem and its own de.pem/de.key, and the coordinator's authority.pem and coordinator.pem/.key;
then `pocnet run FILE --tls certs --nodes DE=https://host-a:7001,...`. With --tls the node takes
Configure, Advance and End only from the coordinator's certificate, and messages only from the
country whose certificate sent them; refusals are logged with their count. Without --tls it serves
plaintext, meant for loopback (a warning says so on any other address).

Health: the standard grpc.health.v1 service answers SERVING for pocnet.Simulation and
pocnet.ContactPoint (the simulation service once a run has configured the node). A node serves one
run at a time; if it dies, the coordinator waits for it to come back (up to --timeout) at its
address, or at the one its line in `--nodes @FILE` says once the operator edits it, configures the
nodes again and replays the run to where it stood: the report is the same. See docs/deployment.md.")]
    Node {
        /// Address to listen on
        #[arg(long, value_name = "ADDR")]
        listen: std::net::SocketAddr,
        /// Serve mutual TLS with the certificates in DIR (made by `pocnet certs init`)
        #[arg(long, value_name = "DIR", requires = "country")]
        tls: Option<PathBuf>,
        /// The country whose certificate this node presents (with --tls): its files are DIR/cc.pem and DIR/cc.key
        #[arg(long, value_name = "CC", value_parser = parse_country, requires = "tls")]
        country: Option<CountryCode>,
    },
    /// Merge the parts of a study run in shards (`run --shard I/K`) into its report
    #[command(after_help = "Examples:
  pocnet run scenarios/weekend-trail.toml --replications 300 --shard 0/3 --json part-0.json
  pocnet run scenarios/weekend-trail.toml --replications 300 --shard 1/3 --json part-1.json
  pocnet run scenarios/weekend-trail.toml --replications 300 --shard 2/3 --json part-2.json
  pocnet merge part-0.json part-1.json part-2.json --json study.json --html study.html
The merged report is the same bytes as `pocnet run scenarios/weekend-trail.toml --replications 300`.
Each part names its scenario file, which merge reads again (or give --scenario where it lies here).")]
    Merge {
        /// The part files, one per shard, in any order
        #[arg(required = true)]
        parts: Vec<PathBuf>,
        /// The scenario, if not at the path the parts name (its hash must match)
        #[arg(long, value_name = "FILE")]
        scenario: Option<PathBuf>,
        /// Also write the merged report as JSON (as `run --replications --json` does)
        #[arg(long, value_name = "PATH")]
        json: Option<PathBuf>,
        /// Also write the merged report as a self-contained HTML page
        #[arg(long, value_name = "PATH")]
        html: Option<PathBuf>,
        /// Which 95% interval the text and the page show (the parts' horizon stands)
        #[arg(long, value_enum, default_value = "network")]
        interval: pocnet_coordinator::intervals::IntervalKind,
    },
    /// Make the certificates for mutual TLS between nodes and coordinator
    #[command(subcommand)]
    Certs(CertsCommand),
    /// Print a shell completion script for pocnet
    #[command(after_help = "Examples:
  pocnet completions bash > ~/.local/share/bash-completion/completions/pocnet
  pocnet completions zsh > ~/.zfunc/_pocnet
  pocnet completions fish > ~/.config/fish/completions/pocnet.fish")]
    Completions {
        /// The shell: bash, zsh, fish, elvish or powershell
        shell: clap_complete::Shell,
    },
    /// Print pocnet's manual page (roff), with a section per command
    #[command(after_help = "Example:
  pocnet manpage > pocnet.1 && man ./pocnet.1")]
    Manpage,
}

#[derive(Subcommand)]
pub enum CertsCommand {
    /// A private authority and a certificate per country node and for the coordinator, in DIR
    #[command(after_help = "Examples:
  pocnet certs init certs --countries US,FR,DE
  pocnet certs init certs --countries GR --days 30
Run again on the same directory to add countries: existing files are kept, new ones are signed by
the same authority. Keep authority.key on this machine; each node needs authority.pem and its own cc.pem and
cc.key, the coordinator authority.pem and coordinator.pem and coordinator.key.")]
    Init {
        /// Directory to write into (made if absent)
        dir: PathBuf,
        /// Countries that will run a node: CC,CC,...
        #[arg(long, value_name = "CC,...", value_delimiter = ',', required = true, value_parser = parse_country)]
        countries: Vec<CountryCode>,
        /// Days the certificates stay valid
        #[arg(long, value_name = "N", default_value_t = 365, value_parser = clap::value_parser!(u32).range(1..=3650))]
        days: u32,
    },
}

#[derive(Args)]
pub struct ExerciseArgs {
    #[command(subcommand)]
    pub command: Option<ExerciseCommand>,
    /// The exercise scenario (TOML)
    #[arg(required = true)]
    pub file: Option<PathBuf>,
    /// Address the consoles are served on; 0.0.0.0:PORT for a conference-room network
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    pub listen: std::net::SocketAddr,
    /// The exercise's journal (SQLite); an existing one is resumed [default: FILE's name with .journal, here]
    #[arg(long, value_name = "PATH")]
    pub journal: Option<PathBuf>,
    /// Simulated time per wall time once started (10: a wall minute is ten simulated minutes)
    /// [default: the scenario's [exercise] speed, else 10]
    #[arg(long, value_name = "X")]
    pub speed: Option<f64>,
    /// Desks people play, by country code [default: the scenario's [exercise] seats]
    #[arg(long, value_name = "CC,...", value_delimiter = ',')]
    pub seats: Option<Vec<String>>,
    /// Seed of every random draw; defaults to the scenario's `seed`
    #[arg(long)]
    pub seed: Option<u64>,
    /// Connections the consoles' server keeps open at once, from everyone (held below the open-file limit)
    #[arg(long, value_name = "N", default_value_t = 2048, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub max_connections: u32,
    /// Connections open at once from one address (a room behind one NAT shares one)
    #[arg(long, value_name = "N", default_value_t = 256, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub max_connections_per_address: u32,
    /// Time a client has to send a request's headers, and a kept-alive connection may sit idle
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = header_timeout)]
    pub header_timeout: std::time::Duration,
    /// Live event streams (console tabs) per access token
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub max_streams_per_token: u32,
}

/// A header-read timeout: a second to ten minutes.
fn header_timeout(text: &str) -> Result<std::time::Duration, String> {
    let duration = humantime::parse_duration(text)
        .map_err(|e| format!("`{text}` is not a length of time ({e}): write it like 10s"))?;
    if duration < std::time::Duration::from_secs(1) || duration > std::time::Duration::from_secs(600) {
        return Err(format!("`{text}`: give a timeout between 1s and 10m"));
    }
    Ok(duration)
}

#[derive(clap::Subcommand)]
pub enum ExerciseCommand {
    /// Re-run an exercise from its journal without a browser (the same results, byte for byte),
    /// or, with --speed, play it back in the consoles, read-only, for the debrief
    Replay {
        /// The exercise's journal
        journal: PathBuf,
        /// Also write the debrief as JSON: the run's report, the forms sent, the decision logs
        #[arg(long, value_name = "PATH")]
        json: Option<PathBuf>,
        /// Play it back in the consoles at this pace (1 to 16 or more), read-only
        #[arg(long, value_name = "X")]
        speed: Option<f64>,
        /// Where the playback's consoles are served
        #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080", requires = "speed")]
        listen: std::net::SocketAddr,
    },
    /// The after-action report of an exercise, from its journal: objectives rated P/S/M/U,
    /// outcomes against the same world played by bots, case timelines, expectations, form quality
    Report {
        /// The exercise's journal
        journal: PathBuf,
        /// Write the report as a self-contained HTML page (prints to PDF from the browser)
        #[arg(long, value_name = "PATH")]
        html: Option<PathBuf>,
        /// Write it as JSON (format pocnet-aar/1, docs/exercise.md)
        #[arg(long, value_name = "PATH")]
        json: Option<PathBuf>,
        /// Write expectations.csv and forms.csv into DIR
        #[arg(long, value_name = "DIR")]
        csv: Option<PathBuf>,
    },
    /// A new exercise from any instant of an old one, every action before it kept
    /// ("what if we had asked NL an hour earlier?"); continue it with `pocnet exercise FILE --journal NEW`
    Fork {
        /// The old exercise's journal
        journal: PathBuf,
        /// The simulated instant to start again from (RFC 3339)
        #[arg(long, value_name = "INSTANT")]
        at: String,
        /// The new exercise's journal (must not exist yet)
        #[arg(long = "journal", value_name = "NEW")]
        new: PathBuf,
    },
    /// Plays the exercise over replications with prompt trainees at every
    /// seat (each step the moment it reaches the desk) and typical ones (after
    /// a delay drawn for each step), and says of each expectation when its
    /// step reaches the desk and how often each meets it; with --delay, one
    /// rehearsal and each expectation's rating
    Rehearse {
        /// The exercise scenario (TOML)
        file: PathBuf,
        /// How many replications (the bots' and carriers' draws change with each)
        #[arg(long, value_name = "N", default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=1000))]
        replications: u64,
        /// The typical trainee's median delay before a step (nine in ten within three times it)
        #[arg(long, value_name = "DURATION", default_value = "20m", value_parser = rehearsal_delay)]
        typical: std::time::Duration,
        /// One rehearsal instead, trainees taking each step this long after it reaches the desk ("0s": at once)
        #[arg(long, value_name = "DURATION", value_parser = rehearsal_delay, conflicts_with_all = ["replications", "typical"])]
        delay: Option<std::time::Duration>,
    },
    /// The scenario's master scenario events list in time order, for the trainer's rehearsal
    Timeline {
        /// The exercise scenario (TOML)
        file: PathBuf,
        /// Print it as CSV
        #[arg(long)]
        csv: bool,
        /// The wall time the session has ("3h30m"): says whether the plan fits
        #[arg(long, value_name = "DURATION", value_parser = wall_duration)]
        session: Option<std::time::Duration>,
        /// Proposes the phases' paces that play the plan in this wall time ("3h30m")
        #[arg(long, value_name = "DURATION", value_parser = wall_duration, conflicts_with = "session")]
        fit: Option<std::time::Duration>,
    },
}

#[derive(Args)]
pub struct RunArgs {
    /// The scenario file (TOML)
    pub file: PathBuf,
    /// Seed of every random draw; defaults to the scenario's `seed`
    #[arg(long)]
    pub seed: Option<u64>,
    /// How the coordinator reaches the nodes: real gRPC servers on loopback, or direct calls
    /// [default: grpc for one run of up to 50,000 incidents, inproc for larger runs and for --replications]
    #[arg(long, value_enum)]
    pub transport: Option<Transport>,
    /// Use nodes already running (`pocnet node`), one per country: CC=URL,CC=URL,... or @FILE with
    /// one CC=URL a line, read again if a node is lost (so a node can come back at a new address)
    #[arg(long, value_name = "CC=URL,...|@FILE", value_parser = parse_nodes, conflicts_with = "transport")]
    pub nodes: Option<String>,
    /// How long to wait for each answer of a node given with --nodes before naming it as stalled
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = parse_timeout, requires = "nodes")]
    pub timeout: std::time::Duration,
    /// Reach the nodes over mutual TLS as the coordinator, with the certificates in DIR (`pocnet certs init`)
    #[arg(long, value_name = "DIR", requires = "nodes")]
    pub tls: Option<PathBuf>,
    /// Override the scenario's strategy: hub (the reporting country asks each next country), relay
    /// (each requested country forwards) or parallel (the whole chain is known: all asked at once)
    #[arg(long, value_parser = parse_strategy)]
    pub strategy: Option<Strategy>,
    /// Also write the full report as JSON (format in docs/report.md); `-` writes it to standard output
    /// and the summary to standard error
    #[arg(long, value_name = "PATH")]
    pub json: Option<PathBuf>,
    /// Run N independent replications (seeds derived from --seed) and report distributions
    /// (at most 1,000,000: the statistics keep a few hundred bytes per replication)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=MAX_REPLICATIONS), conflicts_with = "nodes")]
    pub replications: Option<u64>,
    /// Run only shard I of K (numbered from 0) of the --replications and write its part with --json;
    /// `pocnet merge` joins the parts into the study's report
    #[arg(long, value_name = "I/K", value_parser = crate::cli::args::parse_shard, requires_all = ["replications", "json"], conflicts_with_all = ["html", "transport"])]
    pub shard: Option<pocnet_coordinator::shard::Shard>,
    /// Worker threads for --replications [default: all cores]
    #[arg(long, value_name = "N", requires = "replications", value_parser = clap::value_parser!(u16).range(1..))]
    pub threads: Option<u16>,
    /// Write per-case rows (traces.csv, hops.csv) into DIR
    #[arg(long, value_name = "DIR")]
    pub csv: Option<PathBuf>,
    /// Write a self-contained HTML report with charts (opens without network access)
    #[arg(long, value_name = "PATH")]
    pub html: Option<PathBuf>,
    /// Refuse the run, before it starts, if its estimated memory passes SIZE (800MB, 12GiB)
    /// [default: four fifths of this machine's memory]
    #[arg(long, value_name = "SIZE", value_parser = pocnet_coordinator::footprint::parse_size)]
    pub max_memory: Option<u64>,
    #[command(flatten)]
    pub reporting: Reporting,
}

/// How a study's shares are counted and shown (docs/report.md, "Intervals and horizons").
#[derive(Args, Clone, Copy)]
pub struct Reporting {
    /// Which 95% interval the text and the page show beside each share (the JSON carries both):
    /// network (these incidents as a sample of the cases a network meets: clusters are incidents)
    /// or this-world (these incidents and figures again: clusters are replications)
    #[arg(long, value_enum, default_value = "network")]
    pub interval: pocnet_coordinator::intervals::IntervalKind,
    /// The headline shares count what happened within this long of the report (30d, 180d, 2y)
    #[arg(long, value_name = "DURATION", default_value = "365d", value_parser = parse_horizon)]
    pub horizon: i64,
}

/// A horizon in milliseconds: a day at least, a hundred years at most.
fn parse_horizon(text: &str) -> Result<i64, String> {
    let duration = humantime::parse_duration(text).map_err(|e| format!("`{text}`: {e} (write 30d, 180d, 365d)"))?;
    let ms = i64::try_from(duration.as_millis()).unwrap_or(i64::MAX);
    let day = pocnet_node::time::DAY_MS;
    if !(day..=100 * 365 * day).contains(&ms) {
        return Err(format!("`{text}`: a horizon is a day to a hundred years"));
    }
    Ok(ms)
}

#[derive(Args)]
pub struct CompareArgs {
    /// One scenario with --vary, or two or more scenarios to compare
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// PATH=V1,V2,...: variants of the one scenario given, baseline first
    #[arg(long, value_name = "PATH=V1,V2,...")]
    pub vary: Option<String>,
    /// Replications per variant (at most 1,000,000)
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..=MAX_REPLICATIONS))]
    pub replications: u64,
    #[command(flatten)]
    pub study: StudyArgs,
}

/// What every study of variants under common random numbers takes.
#[derive(Args)]
pub struct StudyArgs {
    /// Base seed shared by every variant; defaults to the (first) scenario's `seed`
    #[arg(long)]
    pub seed: Option<u64>,
    /// Worker threads [default: all cores]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub threads: Option<u16>,
    /// Also write the results as JSON (formats in docs/report.md)
    #[arg(long, value_name = "PATH")]
    pub json: Option<PathBuf>,
    /// Write the results, with their charts, as a self-contained HTML page
    #[arg(long, value_name = "PATH")]
    pub html: Option<PathBuf>,
    #[command(flatten)]
    pub reporting: Reporting,
}

#[derive(Args)]
pub struct UncertaintyArgs {
    /// The scenario file (TOML)
    pub file: PathBuf,
    /// Replications, each with its own draw of the figures (at least 30: the regression needs them)
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u64).range(30..=100_000))]
    pub replications: u64,
    /// Seed of the draws and the replications; defaults to the scenario's `seed`
    #[arg(long)]
    pub seed: Option<u64>,
    /// Worker threads [default: all cores]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub threads: Option<u16>,
    /// Also write the results, every draw with its outcomes included, as JSON
    #[arg(long, value_name = "PATH")]
    pub json: Option<PathBuf>,
    /// Write the results, with a chart of where the spread comes from, as a self-contained HTML page
    #[arg(long, value_name = "PATH")]
    pub html: Option<PathBuf>,
    /// The outcomes count what happened within this long of the report (30d, 180d, 2y)
    #[arg(long, value_name = "DURATION", default_value = "365d", value_parser = parse_horizon)]
    pub horizon: i64,
}

#[derive(Args)]
pub struct SensitivityArgs {
    /// The scenario file (TOML)
    pub file: PathBuf,
    /// Replications per variant (the baseline and two per parameter; at most 1,000,000)
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..=MAX_REPLICATIONS))]
    pub replications: u64,
    /// Each parameter is divided and multiplied by this (above 1)
    #[arg(long, default_value_t = 2.0, value_parser = parse_factor)]
    pub factor: f64,
    #[command(flatten)]
    pub study: StudyArgs,
}

fn parse_factor(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(f) if f.is_finite() && f > 1.0 && f <= 100.0 => Ok(f),
        Ok(_) => Err("expected a factor above 1 and at most 100, like 2".to_owned()),
        Err(_) => Err("expected a number, like 2".to_owned()),
    }
}

fn parse_strategy(text: &str) -> Result<Strategy, String> {
    Strategy::from_name(text).ok_or_else(|| {
        let names: Vec<&str> = Strategy::ALL.iter().map(|s| s.name()).collect();
        format!("expected one of {}", names.join(", "))
    })
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Transport {
    Grpc,
    Inproc,
}

pub fn parse_timeout(text: &str) -> Result<std::time::Duration, String> {
    let duration = humantime::parse_duration(text.trim())
        .map_err(|e| format!("`{text}` is not a duration ({e}): write 30s, 2m, ..."))?;
    if duration.is_zero() || duration > std::time::Duration::from_secs(24 * 3600) {
        return Err(format!("`{text}`: give a timeout above zero and at most a day"));
    }
    Ok(duration)
}

pub fn parse_shard(text: &str) -> Result<pocnet_coordinator::shard::Shard, String> {
    pocnet_coordinator::shard::Shard::parse(text)
}

/// Checks `--nodes` as typed (a bad list is a usage error); the plan reads it.
fn parse_nodes(text: &str) -> Result<String, String> {
    match text.strip_prefix('@') {
        Some(file) => pocnet_coordinator::engine::read_addresses(std::path::Path::new(file))?,
        None => pocnet_coordinator::engine::parse_addresses(text)?,
    };
    Ok(text.to_owned())
}

fn parse_country(text: &str) -> Result<CountryCode, String> {
    let code = text.trim();
    if code.len() != 2 || !code.chars().all(|c| c.is_ascii_uppercase()) {
        return Err(format!("`{code}` is not a two-letter country code in capitals, like DE"));
    }
    Ok(CountryCode::from(code.to_owned()))
}

/// A wall-clock length as people write it: "3h30m", "90m", "2h 15m".
fn wall_duration(text: &str) -> Result<std::time::Duration, String> {
    let duration = humantime::parse_duration(text)
        .map_err(|e| format!("`{text}` is not a length of time ({e}): write it like 3h30m"))?;
    if duration.is_zero() || duration > std::time::Duration::from_secs(7 * 24 * 3600) {
        return Err(format!("`{text}`: give a session between a minute and a week"));
    }
    Ok(duration)
}

/// A trainee's handling time: "0s", "20m", "2h"; at most a week.
fn rehearsal_delay(text: &str) -> Result<std::time::Duration, String> {
    let duration = humantime::parse_duration(text)
        .map_err(|e| format!("`{text}` is not a length of time ({e}): write it like 20m"))?;
    if duration > std::time::Duration::from_secs(7 * 24 * 3600) {
        return Err(format!("`{text}`: give a delay of at most a week"));
    }
    Ok(duration)
}
