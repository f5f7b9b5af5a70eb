//! `pocnet exercise`: opens (or resumes) an exercise on its journal, prints
//! the director's and each seat's link, and serves the consoles until
//! stopped; `pocnet exercise replay` re-runs a journal without a browser.

use super::journal::Journal;
use super::live::{Live, replay as replay_session};
use super::server;
use crate::report::{self, Report};
use crate::scenario::Scenario;
use anyhow::Context;
use pocnet_node::CountryCode;
use serde_json::json;
use std::collections::BTreeSet;
use std::future::Future;
use std::io::Write;
use std::path::{Path, PathBuf};

pub struct Options {
    pub listen: std::net::SocketAddr,
    pub journal: PathBuf,
    pub speed: Option<f64>,
    pub seats: Option<Vec<String>>,
    pub seed: Option<u64>,
}

/// `hospital-ransomware.toml` keeps its journal in `hospital-ransomware.journal`, here.
pub fn default_journal(file: &Path) -> PathBuf {
    let stem = file.file_stem().map_or_else(|| "exercise".into(), |s| s.to_string_lossy().into_owned());
    PathBuf::from(format!("{stem}.journal"))
}

/// Serves the exercise until `shutdown`; the links go to `out` first.
pub async fn serve(
    file: &Path,
    scenario: Scenario,
    options: Options,
    out: &mut impl Write,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let plan = scenario.exercise.clone().unwrap_or_default();
    let codes: Vec<String> = match options.seats {
        Some(seats) => seats.into_iter().map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect(),
        None => plan.seats.iter().map(|c| c.to_string()).collect(),
    };
    let mut people = BTreeSet::new();
    for code in codes {
        let country = CountryCode::from(code.as_str());
        if !scenario.countries.contains_key(&country) {
            let known: Vec<&str> = scenario.countries.keys().map(CountryCode::as_str).collect();
            anyhow::bail!("--seats: `{code}` is not a country of the scenario (it has {})", known.join(", "));
        }
        people.insert(country);
    }
    let seed = options.seed.unwrap_or(scenario.seed);
    let fresh = !options.journal.exists();
    let journal = Journal::open(&options.journal)?;
    let live = Live::open(journal, scenario, &file.display().to_string(), &text, seed, &people, options.speed)
        .map_err(anyhow::Error::msg)
        .with_context(|| format!("opening the exercise on {}", options.journal.display()))?;
    let listener = tokio::net::TcpListener::bind(options.listen)
        .await
        .with_context(|| format!("cannot listen on {}", options.listen))?;
    let address = listener.local_addr()?;
    let host = if address.ip().is_unspecified() { "localhost".to_owned() } else { address.ip().to_string() };
    let base_url = format!("http://{host}:{}", address.port());
    let mut lines = vec![format!(
        "pocnet exercise \"{}\": journal {} ({}), paused at {}",
        live.session().scenario().name,
        options.journal.display(),
        if fresh { "new" } else { "resumed" },
        live.text(live.clock().now(0)),
    )];
    lines.push(format!("director: {base_url}/director?token={}", live.director_token()));
    for (country, token) in live.seat_tokens() {
        lines.push(format!("seat {country}: {base_url}/seat/{country}?token={token}"));
    }
    if address.ip().is_unspecified() {
        lines.push(format!(
            "(serving on every interface: replace localhost by this machine's address on the room's network, port {})",
            address.port()
        ));
    }
    for line in lines {
        writeln!(out, "{line}")?;
    }
    out.flush()?;
    let app = server::app(live, base_url);
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await.context("serving the consoles")?;
    Ok(())
}

/// The debrief of a replayed exercise: the run's report as `pocnet run`
/// prints it, and as JSON with the forms sent and the decision logs.
pub struct Debrief {
    pub text: String,
    pub json: String,
}

pub fn replay(journal: &Journal) -> anyhow::Result<Debrief> {
    let saved = journal.read()?;
    let path = Path::new(&saved.scenario_path);
    let scenario = Scenario::parse_at(&saved.scenario_path, &saved.scenario_text, Some(path))
        .map_err(|e| anyhow::anyhow!("the journal's scenario no longer reads: {e:?}"))?;
    if scenario.sha256 != saved.sha256 {
        anyhow::bail!("the files the journal's scenario includes have changed since the exercise (its hash differs)");
    }
    let session = replay_session(scenario.clone(), &saved).map_err(anyhow::Error::msg)?;
    let log = session.log();
    let incidents = report::incident_reports(&scenario, &log);
    let report = Report::new(&scenario, saved.seed, incidents, log);
    let mut text = format!(
        "pocnet exercise replay: {} actions from the journal, simulated time at {}\n\n",
        saved.entries.len(),
        super::live::instant_text(&scenario, session.now())
    );
    text.push_str(&report.render_text(&scenario));
    let report_json: serde_json::Value = serde_json::from_str(&report.to_json()).context("the report's own JSON")?;
    let debrief = json!({
        "format": "pocnet-exercise/1",
        "people": saved.people,
        "report": report_json,
        "forms": session.forms(),
        "notes": session.notes(),
    });
    Ok(Debrief { text, json: crate::units::to_json(&debrief) })
}
