//! `pocnet`: the command line of the 24/7 points-of-contact network simulator.
//!
//! `cli::args` is the command line as typed; `cli::plan` lowers it into a
//! validated plan once; this file carries plans out.

mod cli;

use anyhow::Context;
use clap::Parser;
use cli::args::{Cli, Command, Transport};
use cli::plan::{ComparePlan, Lowered, Mode, Outputs, RunPlan, SensitivityPlan, load};
use pocnet_coordinator::analysis::Aggregate;
use pocnet_coordinator::case_rows::CaseRows;
use pocnet_coordinator::compare::{Comparison, Variant};
use pocnet_coordinator::engine::{self, RunLog};
use pocnet_coordinator::event_stream::EventSink;
use pocnet_coordinator::html;
use pocnet_coordinator::replication;
use pocnet_coordinator::replication_report::ReplicationReport;
use pocnet_coordinator::report::{self, RunRecorder};
use pocnet_coordinator::scenario::Scenario;
use pocnet_coordinator::sensitivity::Sensitivity;
use pocnet_coordinator::shard::{Part, Shard, Study};
use pocnet_coordinator::units::count;
use pocnet_node::CountryCode;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.verbose);
    // A node is one state machine behind one gRPC service: its handler is a
    // few percent of its CPU, the rest was the multi-thread runtime's work
    // stealing and wake-ups (issue 24's profile), so it runs on one thread.
    // Everything else fans replications out over worker threads of its own
    // and blocks in place, which needs the multi-thread runtime.
    let mut builder = match cli.command {
        Command::Node { .. } => tokio::runtime::Builder::new_current_thread(),
        _ => tokio::runtime::Builder::new_multi_thread(),
    };
    let runtime = match builder.enable_all().build() {
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
        Command::Run(args) => match RunPlan::lower(args)? {
            Lowered::Ready(plan) => run(plan).await,
            Lowered::Invalid => Ok(ExitCode::from(INVALID_INPUT)),
        },
        Command::Check { file } => Ok(check(&file)),
        Command::Compare(args) => match ComparePlan::lower(args)? {
            Lowered::Ready(plan) => compare(plan),
            Lowered::Invalid => Ok(ExitCode::from(INVALID_INPUT)),
        },
        Command::Sensitivity(args) => match SensitivityPlan::lower(args)? {
            Lowered::Ready(plan) => sensitivity(plan),
            Lowered::Invalid => Ok(ExitCode::from(INVALID_INPUT)),
        },
        Command::Uncertainty(args) => uncertainty(args),
        Command::Schema => {
            write_stdout(&pocnet_coordinator::schema::scenario_schema_text());
            Ok(ExitCode::SUCCESS)
        }
        Command::Node { listen, tls, country } => node(listen, tls.zip(country)).await,
        Command::Merge { parts, scenario, json, html, interval } => {
            let outputs = Outputs { interval, ..Outputs::checked(json, html, None)? };
            merge(&parts, scenario.as_deref(), &outputs)
        }
        Command::Completions { shell } => {
            let mut command = <Cli as clap::CommandFactory>::command();
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut command, "pocnet", &mut script);
            write_stdout(&String::from_utf8_lossy(&script));
            Ok(ExitCode::SUCCESS)
        }
        Command::Manpage => {
            write_stdout(&manual_page()?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Certs(cli::args::CertsCommand::Init { dir, countries, days }) => certs_init(&dir, &countries, days),
        Command::Exercise(args) => exercise(args).await,
    }
}

const INVALID_INPUT: u8 = 2;

fn check(file: &Path) -> ExitCode {
    match load(file) {
        Ok(Some(scenario)) => {
            let summary = format!(
                "{} is valid: \"{}\"\n  {}, {}, {}; epoch {}, last communication {} later\n  strategy {}, goals {}, minimum message delay {}\n",
                file.display(),
                scenario.name,
                count(scenario.countries.len() as u64, "country", "countries"),
                count(scenario.carriers.len() as u64, "carrier", "carriers"),
                count(scenario.incidents.len() as u64, "incident", "incidents"),
                scenario.epoch,
                pocnet_coordinator::units::fmt_ms(scenario.last_communication().ms()),
                scenario.strategy.name(),
                scenario.goals.name,
                pocnet_coordinator::units::fmt_ms(scenario.network.min_message_delay_ms),
            );
            let mut summary = summary;
            for warning in scenario.warnings() {
                summary.push_str(&format!("  warning: {warning}\n"));
            }
            // An exercise is rehearsed once with prompt trainees: what it
            // shows about the story is warned of too.
            for warning in pocnet_coordinator::exercise::rehearsal::story_warnings(&scenario) {
                summary.push_str(&format!("  warning: {warning}\n"));
            }
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

async fn run(plan: RunPlan) -> anyhow::Result<ExitCode> {
    let RunPlan { file, scenario, strategy, seed, mode, outputs, reporting } = plan;
    let placement = match mode {
        Mode::Single(placement) => placement,
        Mode::Replications { options, transport, shard } => {
            let study = shard.map(|shard| {
                let study = Study {
                    scenario: file.clone(),
                    scenario_sha256: scenario.sha256.clone(),
                    strategy,
                    seed,
                    replications: options.replications,
                };
                (study, shard)
            });
            return replicate(&file, &scenario, seed, &options, transport, study, &outputs).await;
        }
    };
    // The log streams into the projection; it is kept whole only for the JSON report.
    let mut recorder = RunRecorder::new(&scenario, outputs.json.is_some());
    let mut shown = Progress::new(&scenario, &mut recorder);
    let windows = engine::run_scenario_into(&scenario, seed, &placement, &mut shown)
        .await
        .with_context(|| format!("running {}", file.display()))?;
    shown.finish();
    tracing::info!(windows, "run finished");
    let report = recorder.into_report(&scenario, seed);
    if let Some(path) = &outputs.json {
        let written = if path == Path::new("-") {
            pocnet_coordinator::units::write_json(&report, std::io::stdout().lock())
        } else {
            std::fs::File::create(path).and_then(|file| pocnet_coordinator::units::write_json(&report, file))
        };
        // A closed pipe downstream of `--json -` is not worth an error.
        match written {
            Err(error) if path != Path::new("-") => {
                return Err(error).with_context(|| format!("writing the JSON report to {}", path.display()));
            }
            _ => {}
        }
    }
    if let Some(dir) = &outputs.csv {
        let mut rows = CaseRows::create(dir).with_context(|| format!("creating CSV files in {}", dir.display()))?;
        rows.write(0, &report.incidents).context("writing CSV rows")?;
        rows.finish().context("writing CSV rows")?;
    }
    if let Some(path) = &outputs.html {
        // One run is a study of one replication: the same page, with its timeline.
        let mut aggregate = Aggregate::with_horizon(reporting.horizon);
        aggregate.add(&scenario, 0, &report.incidents);
        let study = ReplicationReport::build(&scenario, seed, reporting.interval, &aggregate, |case| {
            report.incidents.get(case.incident as usize).cloned()
        });
        write_file(path, &html::replication_page(&study, &aggregate, &scenario), "the HTML report")?;
    }
    // Written as it is made: the text of a million incidents is never held
    // whole. A terminal shows the first incidents in detail and every
    // summary; a file or a pipe gets every incident.
    let shown = |terminal: bool| if terminal { INCIDENTS_ON_A_TERMINAL } else { usize::MAX };
    if outputs.json.as_deref() == Some(Path::new("-")) {
        let stderr = std::io::stderr().lock();
        let shown = shown(stderr.is_terminal());
        report.write_text_showing(&scenario, &mut TextOut(std::io::BufWriter::new(stderr)), shown);
    } else {
        let stdout = std::io::stdout().lock();
        let shown = shown(stdout.is_terminal());
        report.write_text_showing(&scenario, &mut TextOut(std::io::BufWriter::new(stdout)), shown);
    }
    Ok(ExitCode::SUCCESS)
}

/// How far a single run has come, on a terminal only: a large run is
/// minutes of simulated years, and silence looks like a hang.
struct Progress<'a, S: EventSink> {
    scenario: &'a Scenario,
    sink: &'a mut S,
    bar: indicatif::ProgressBar,
    events: u64,
}

impl<'a, S: EventSink> Progress<'a, S> {
    fn new(scenario: &'a Scenario, sink: &'a mut S) -> Self {
        let bar = if std::io::stderr().is_terminal() {
            let bar = indicatif::ProgressBar::new_spinner();
            bar.set_style(
                indicatif::ProgressStyle::with_template("{spinner} {msg}  {elapsed}").expect("a valid template"),
            );
            bar.enable_steady_tick(std::time::Duration::from_millis(200));
            bar
        } else {
            indicatif::ProgressBar::hidden()
        };
        Progress { scenario, sink, bar, events: 0 }
    }

    fn finish(self) {
        self.bar.finish_and_clear();
    }
}

impl<S: EventSink> EventSink for Progress<'_, S> {
    fn record(&mut self, event: pocnet_node::Event) {
        self.events += 1;
        if self.events % 65_536 == 1 {
            let day = self.scenario.instant_text(event.at);
            self.bar.set_message(format!(
                "{} events, simulated time at {} ({} incidents)",
                self.events,
                day.get(..10).unwrap_or(&day),
                self.scenario.incidents.len()
            ));
        }
        self.sink.record(event);
    }
}

/// Incidents a single run's text report details on a terminal: a screenful
/// or two of examples above the summaries.
const INCIDENTS_ON_A_TERMINAL: usize = 25;

/// Text written straight to a stream. A closed pipe (`pocnet run ... |
/// head`) ends the writing quietly: it is not an error worth a panic.
struct TextOut<W: Write>(W);

impl<W: Write> std::fmt::Write for TextOut<W> {
    fn write_str(&mut self, text: &str) -> std::fmt::Result {
        self.0.write_all(text.as_bytes()).map_err(|_| std::fmt::Error)
    }
}

fn compare(plan: ComparePlan) -> anyhow::Result<ExitCode> {
    let ComparePlan { variants, seed, options, outputs, reporting } = plan;
    let mut aggregates = Vec::new();
    for variant in &variants {
        tracing::info!(variant = %variant.label, "running");
        let aggregate = tokio::task::block_in_place(|| replication::aggregate(&variant.scenario, seed, &options))
            .with_context(|| format!("running {}", variant.label))?;
        aggregates.push(aggregate);
    }
    let pairs: Vec<(&Variant, &Aggregate)> = variants.iter().zip(&aggregates).collect();
    let comparison = Comparison::build(seed, reporting.interval, &pairs);
    if let Some(path) = &outputs.json {
        write_file(path, &comparison.to_json(), "the JSON comparison")?;
    }
    if let Some(path) = &outputs.html {
        write_file(path, &html::comparison_page(&comparison), "the HTML comparison")?;
    }
    summary(&outputs, &comparison.render_text());
    Ok(ExitCode::SUCCESS)
}

fn sensitivity(plan: SensitivityPlan) -> anyhow::Result<ExitCode> {
    let SensitivityPlan { scenario, seed, factor, options, outputs, reporting } = plan;
    let ranking = tokio::task::block_in_place(|| {
        Sensitivity::run(&scenario, seed, factor, reporting.interval, &options, |label| {
            tracing::info!(variant = label, "running");
        })
    })?;
    if let Some(path) = &outputs.json {
        write_file(path, &ranking.to_json(), "the JSON sensitivity ranking")?;
    }
    if let Some(path) = &outputs.html {
        write_file(path, &html::sensitivity_page(&ranking), "the HTML sensitivity page")?;
    }
    summary(&outputs, &ranking.render_text());
    Ok(ExitCode::SUCCESS)
}

/// `pocnet uncertainty`: the assumed figures drawn afresh per replication.
fn uncertainty(args: cli::args::UncertaintyArgs) -> anyhow::Result<ExitCode> {
    let outputs = Outputs::checked(args.json, args.html, None)?;
    let Some(scenario) = load(&args.file)? else { return Ok(ExitCode::from(INVALID_INPUT)) };
    let seed = args.seed.unwrap_or(scenario.seed);
    let threads = cli::plan::worker_threads(args.threads);
    let study = tokio::task::block_in_place(|| {
        pocnet_coordinator::uncertainty::study(&scenario, seed, args.replications, threads, args.horizon)
    })
    .with_context(|| format!("running {}", args.file.display()))?;
    if let Some(path) = &outputs.json {
        write_file(path, &study.to_json(), "the JSON uncertainty report")?;
    }
    if let Some(path) = &outputs.html {
        write_file(path, &html::uncertainty_page(&study), "the HTML uncertainty page")?;
    }
    summary(&outputs, &study.render_text());
    Ok(ExitCode::SUCCESS)
}

/// Runs the study's replications (or one shard of them, written as a part)
/// and writes its report.
async fn replicate(
    file: &Path,
    scenario: &Scenario,
    seed: u64,
    options: &replication::Options,
    transport: Transport,
    shard: Option<(Study, Shard)>,
    outputs: &Outputs,
) -> anyhow::Result<ExitCode> {
    let mut rows = match &outputs.csv {
        Some(dir) => Some(CaseRows::create(dir).with_context(|| format!("creating CSV files in {}", dir.display()))?),
        None => None,
    };
    let range = shard.as_ref().map_or(0..options.replications, |(_, shard)| shard.range(options.replications));
    let mut aggregate = Aggregate::starting_at(range.start, options.horizon_ms);
    let writes_rows = rows.is_some();
    let mut csv_error = None;
    // Workers project their logs into traces; this thread only merges.
    let project = |_: u64, log: RunLog| report::incident_reports(scenario, &log.events);
    let mut consume = |replication: u64, incidents: Vec<report::IncidentReport>| {
        aggregate.add(scenario, replication, &incidents);
        if let Some(rows) = rows.as_mut()
            && csv_error.is_none()
        {
            csv_error = rows.write(replication, &incidents).err();
        }
    };
    // Ctrl-C stops the study after the replications under way; its report
    // covers those completed. A second Ctrl-C quits at once.
    let interrupt = tokio::spawn(async {
        if tokio::signal::ctrl_c().await.is_ok() {
            replication::request_stop();
            eprintln!("stopping after the replications under way (Ctrl-C again to quit at once)");
            if tokio::signal::ctrl_c().await.is_ok() {
                std::process::exit(130);
            }
        }
    });
    let started = std::time::Instant::now();
    match transport {
        // Without rows to write, each worker merges its own replications.
        Transport::Inproc if !writes_rows => tokio::task::block_in_place(|| {
            replication::aggregate_range(scenario, seed, range.clone(), options, &mut aggregate)
        }),
        Transport::Inproc => tokio::task::block_in_place(|| {
            replication::run_range_projected(scenario, seed, range.clone(), options, project, &mut consume)
        }),
        Transport::Grpc => {
            replication::run_over_grpc(scenario, seed, options, |r, log| consume(r, project(r, log))).await
        }
    }
    .with_context(|| format!("running {}", file.display()))?;
    interrupt.abort();
    tracing::info!(options.replications, seconds = started.elapsed().as_secs_f64(), "replications finished");
    let interrupted = replication::stop_requested();
    if let Some(error) = csv_error {
        return Err(error).context("writing CSV rows");
    }
    if let Some(rows) = rows {
        rows.finish().context("writing CSV rows")?;
    }
    if let Some((study, shard)) = shard {
        if interrupted {
            anyhow::bail!("interrupted: shard {shard} wrote no part (a part must hold its whole share)");
        }
        let path = outputs.json.as_ref().context("a shard writes its part with --json PATH")?;
        write_file(path, &Part::new(study, shard, &aggregate).to_json(), "the part")?;
        summary(
            outputs,
            &format!(
                "Shard {shard}: replications {} to {} of {} written to {}; join the parts with `pocnet merge`.\n",
                range.start,
                range.end.saturating_sub(1),
                options.replications,
                path.display()
            ),
        );
        return Ok(ExitCode::SUCCESS);
    }
    let requested = interrupted.then_some(options.replications);
    let written = write_study(scenario, seed, &aggregate, requested, outputs)?;
    // 130, as a shell reports a command stopped by Ctrl-C, with the report written.
    Ok(if interrupted { ExitCode::from(130) } else { written })
}

/// A study's report from its aggregate: text on standard output, JSON and HTML as asked.
fn write_study(
    scenario: &Scenario,
    seed: u64,
    aggregate: &Aggregate,
    requested: Option<u64>,
    outputs: &Outputs,
) -> anyhow::Result<ExitCode> {
    let mut report = ReplicationReport::build(scenario, seed, outputs.interval, aggregate, |case| {
        let log = engine::run_in_process_blocking(scenario, seed, case.replication).ok()?;
        report::incident_reports(scenario, &log.events).into_iter().nth(case.incident as usize)
    });
    report.requested_replications = requested;
    if let Some(path) = &outputs.json {
        write_file(path, &report.to_json(), "the JSON report")?;
    }
    if let Some(path) = &outputs.html {
        write_file(path, &html::replication_page(&report, aggregate, scenario), "the HTML report")?;
    }
    summary(outputs, &report.render_text());
    Ok(ExitCode::SUCCESS)
}

/// `pocnet merge`: the parts of a sharded study joined into its report.
fn merge(parts: &[PathBuf], scenario: Option<&Path>, outputs: &Outputs) -> anyhow::Result<ExitCode> {
    let read = parts.iter().map(|p| Part::read(p).map(|part| (p.clone(), part))).collect::<Result<Vec<_>, _>>();
    let (study, aggregate) = read.and_then(pocnet_coordinator::shard::merge).map_err(anyhow::Error::msg)?;
    let file = scenario.unwrap_or(&study.scenario);
    let Some(mut loaded) = load(file)? else { return Ok(ExitCode::from(INVALID_INPUT)) };
    if loaded.sha256 != study.scenario_sha256 {
        anyhow::bail!(
            "{} has changed since the parts were run (sha256 {} now, {} then): give the scenario they ran with --scenario",
            file.display(),
            &loaded.sha256[..12],
            &study.scenario_sha256[..12.min(study.scenario_sha256.len())]
        );
    }
    if let Some(name) = &study.strategy {
        loaded.strategy = pocnet_node::Strategy::from_name(name)
            .with_context(|| format!("the parts name a strategy `{name}` this pocnet does not know"))?;
    }
    write_study(&loaded, study.seed, &aggregate, None, outputs)
}

async fn exercise(args: cli::args::ExerciseArgs) -> anyhow::Result<ExitCode> {
    use pocnet_coordinator::exercise::cli as exercise_cli;
    match args.command {
        Some(cli::args::ExerciseCommand::Replay { journal, speed: Some(speed), listen, .. }) => {
            let opened = open_journal(&journal)?;
            let shutdown = async {
                let _ = tokio::signal::ctrl_c().await;
            };
            exercise_cli::serve_playback(opened, speed, listen, &mut std::io::stdout(), shutdown).await?;
            return Ok(ExitCode::SUCCESS);
        }
        Some(cli::args::ExerciseCommand::Replay { journal, json, speed: None, .. }) => {
            let opened = open_journal(&journal)?;
            let debrief = exercise_cli::replay(&opened).with_context(|| format!("replaying {}", journal.display()))?;
            if let Some(path) = &json {
                write_file(path, &debrief.json, "the JSON debrief")?;
            }
            write_stdout(&debrief.text);
            return Ok(damaged(debrief.damage.as_ref()));
        }
        Some(cli::args::ExerciseCommand::Report { journal, html, json, csv }) => {
            let opened = open_journal(&journal)?;
            let (aar, damage) =
                exercise_cli::report(&opened).with_context(|| format!("reporting on {}", journal.display()))?;
            if let Some(path) = &html {
                write_file(path, &pocnet_coordinator::exercise::aar_page::page(&aar), "the HTML report")?;
            }
            if let Some(path) = &json {
                write_file(path, &aar.to_json(), "the JSON report")?;
            }
            if let Some(dir) = &csv {
                exercise_cli::write_aar_csv(&aar, dir)
                    .with_context(|| format!("writing CSV files in {}", dir.display()))?;
            }
            write_stdout(&pocnet_coordinator::exercise::aar_page::text(&aar));
            return Ok(damaged(damage.as_ref()));
        }
        Some(cli::args::ExerciseCommand::Fork { journal, at, new }) => {
            let opened = open_journal(&journal)?;
            let said =
                exercise_cli::fork(&opened, &at, &new).with_context(|| format!("forking {}", journal.display()))?;
            write_stdout(&format!("{}: {said}", journal.display()));
            return Ok(ExitCode::SUCCESS);
        }
        Some(cli::args::ExerciseCommand::Rehearse { file, replications, typical, delay }) => {
            use pocnet_coordinator::exercise::rehearsal::{self, Trainee};
            let Some(scenario) = load(&file)? else { return Ok(ExitCode::from(INVALID_INPUT)) };
            let seats: std::collections::BTreeSet<pocnet_node::CountryCode> =
                scenario.exercise.as_ref().map(|e| e.seats.iter().cloned().collect()).unwrap_or_default();
            let listed = seats.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", ");
            let said = match delay {
                Some(delay) => {
                    let trainee = Trainee::After { delay_ms: delay.as_millis() as i64 };
                    let session = rehearsal::rehearse(&scenario, &seats, trainee, 0).map_err(anyhow::Error::msg)?;
                    format!(
                        "rehearsal of \"{}\": trainees at {listed} take {}\n{}",
                        scenario.name,
                        trainee.describe(),
                        rehearsal::expectation_table(&session)
                    )
                }
                None => {
                    let typical = Trainee::Typical { median_ms: typical.as_millis() as i64 };
                    let table =
                        rehearsal::study(&scenario, &seats, replications, typical).map_err(anyhow::Error::msg)?;
                    format!(
                        "rehearsal of \"{}\" over {replications} replication{} (seed {}), trainees at {listed}\n  \
                         prompt: {}\n  typical: {}\n  goal / limit: how often the expectation was met by its goal, \
                         and by its limit\n\n{table}",
                        scenario.name,
                        if replications == 1 { "" } else { "s" },
                        scenario.seed,
                        Trainee::PROMPT.describe(),
                        typical.describe(),
                    )
                }
            };
            write_stdout(&said);
            return Ok(ExitCode::SUCCESS);
        }
        Some(cli::args::ExerciseCommand::Timeline { file, csv, session, fit }) => {
            let Some(scenario) = load(&file)? else { return Ok(ExitCode::from(INVALID_INPUT)) };
            let plan = match (session, fit) {
                (Some(length), _) => exercise_cli::WallPlan::Session(length.as_millis() as i64),
                (None, Some(length)) => exercise_cli::WallPlan::Fit(length.as_millis() as i64),
                (None, None) => exercise_cli::WallPlan::AsWritten,
            };
            write_stdout(&exercise_cli::timeline(&scenario, csv, plan));
            return Ok(ExitCode::SUCCESS);
        }
        None => {}
    }
    let file = args.file.context("name the exercise scenario")?;
    let Some(scenario) = load(&file)? else { return Ok(ExitCode::from(INVALID_INPUT)) };
    let options = exercise_cli::Options {
        listen: args.listen,
        journal: args.journal.unwrap_or_else(|| exercise_cli::default_journal(&file)),
        speed: args.speed,
        seats: args.seats,
        seed: args.seed,
        limits: pocnet_coordinator::exercise::listener::Limits {
            connections: args.max_connections as usize,
            per_address: args.max_connections_per_address as usize,
            header_timeout: args.header_timeout,
            streams_per_token: args.max_streams_per_token as usize,
        },
    };
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let mut out = std::io::stdout();
    exercise_cli::serve(&file, scenario, options, &mut out, shutdown).await?;
    Ok(ExitCode::SUCCESS)
}

/// A journal to read (report, replay, fork, playback): opened read-only,
/// so that nothing, whatever the file holds, is written to it.
fn open_journal(path: &Path) -> anyhow::Result<pocnet_coordinator::exercise::journal::Journal> {
    if !path.exists() {
        anyhow::bail!("no journal at {}", path.display());
    }
    Ok(pocnet_coordinator::exercise::journal::Journal::open_read_only(path)?)
}

/// Exit status of a report or replay: failure when the journal was
/// damaged, saying where, though what came before it was written.
fn damaged(damage: Option<&pocnet_coordinator::exercise::journal::Damage>) -> ExitCode {
    match damage {
        Some(damage) => {
            eprintln!("error: {damage}; the outputs above cover the entries before it");
            ExitCode::FAILURE
        }
        None => ExitCode::SUCCESS,
    }
}

async fn node(listen: std::net::SocketAddr, tls: Option<(PathBuf, CountryCode)>) -> anyhow::Result<ExitCode> {
    use pocnet_node::grpc::{Credentials, Party};
    let credentials = match tls {
        Some((dir, country)) => Some(Credentials::load(&dir, Party::Node(country))?),
        None => None,
    };
    let listener = tokio::net::TcpListener::bind(listen).await.with_context(|| format!("cannot listen on {listen}"))?;
    let address = listener.local_addr()?;
    if credentials.is_none() && !address.ip().is_loopback() {
        tracing::warn!(%address, "plaintext gRPC beyond loopback: anyone who reaches this port can drive the node (use --tls)");
    }
    // The first line of output is the contract with whoever started us (tests, scripts).
    write_stdout(&format!("pocnet node listening on {address}\n"));
    match &credentials {
        Some(credentials) => tracing::info!(%address, party = %credentials.party, "serving mutual TLS"),
        None => tracing::info!(%address, "serving plaintext"),
    }
    pocnet_node::grpc::serve(listener, pocnet_node::grpc::Node::new(credentials), shutdown_signal())
        .await
        .context("serving gRPC")?;
    Ok(ExitCode::SUCCESS)
}

/// The manual page: the top command, then each subcommand as a section.
fn manual_page() -> anyhow::Result<String> {
    let command = <Cli as clap::CommandFactory>::command();
    let mut page = Vec::new();
    let man = clap_mangen::Man::new(command.clone());
    man.render_title(&mut page)?;
    man.render_name_section(&mut page)?;
    man.render_synopsis_section(&mut page)?;
    man.render_description_section(&mut page)?;
    man.render_options_section(&mut page)?;
    for sub in command.get_subcommands().filter(|s| s.get_name() != "help") {
        let name = format!("pocnet {}", sub.get_name());
        page.extend_from_slice(format!(".SH \"{}\"\n", name.to_uppercase()).as_bytes());
        let man = clap_mangen::Man::new(sub.clone().bin_name(name));
        man.render_synopsis_section(&mut page)?;
        man.render_description_section(&mut page)?;
        man.render_options_section(&mut page)?;
        man.render_subcommands_section(&mut page)?;
        man.render_extra_section(&mut page)?;
    }
    man.render_version_section(&mut page)?;
    Ok(String::from_utf8_lossy(&page).into_owned())
}

/// Ctrl-C, or SIGTERM as a container runtime or Kubernetes sends it.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let Ok(mut terminate) = signal(SignalKind::terminate()) else {
            let _ = tokio::signal::ctrl_c().await;
            return;
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

fn certs_init(dir: &Path, countries: &[CountryCode], days: u32) -> anyhow::Result<ExitCode> {
    let issued = pocnet_coordinator::certs::init(dir, countries, days)?;
    let mut out = String::new();
    for path in &issued.written {
        out.push_str(&format!("wrote {}\n", path.display()));
    }
    for party in &issued.kept {
        out.push_str(&format!("kept the existing certificate of {party}\n"));
    }
    out.push_str(&format!(
        "Give each node authority.pem and its own cc.pem and cc.key; keep authority.key here. Start a node with\n  pocnet node --listen 0.0.0.0:7001 --tls {} --country {}\n",
        dir.display(),
        countries.first().map_or("DE", |c| c.as_str())
    ));
    write_stdout(&out);
    Ok(ExitCode::SUCCESS)
}

/// Writes an output file; `-` is standard output (`--json -`).
fn write_file(path: &Path, contents: &str, what: &str) -> anyhow::Result<()> {
    if path == Path::new("-") {
        write_stdout(contents);
        return Ok(());
    }
    std::fs::write(path, contents).with_context(|| format!("writing {what} to {}", path.display()))
}

/// The summary for people: on standard output, or on standard error when
/// the JSON report goes to standard output (`--json -`), so that it stays
/// a JSON stream a pipe can read.
fn summary(outputs: &Outputs, text: &str) {
    if outputs.json.as_deref() == Some(Path::new("-")) {
        let mut stderr = std::io::stderr().lock();
        let _ = stderr.write_all(text.as_bytes());
    } else {
        write_stdout(text);
    }
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
