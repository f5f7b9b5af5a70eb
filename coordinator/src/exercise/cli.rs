//! `pocnet exercise`: opens (or resumes) an exercise on its journal, prints
//! the director's and each seat's link, and serves the consoles until
//! stopped; `pocnet exercise replay` re-runs a journal without a browser.

use super::aar::Aar;
use super::journal::Journal;
use super::live::Live;
use super::replay::replay as replay_session;
use super::server;
use crate::report::{self, Report};
use crate::scenario::Scenario;
use anyhow::Context;
use pocnet_node::{CountryCode, SimTime};
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
    pub limits: super::listener::Limits,
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
    let seats_given = options.seats.is_some();
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
    let journal = Journal::open(&options.journal)?;
    // An empty file is a new journal as much as a missing one.
    let fresh = journal.is_new()?;
    if !fresh {
        // Resuming keeps the exercise as it was begun: a different seed or
        // seats would silently be another exercise.
        let saved = journal.read()?;
        if options.seed.is_some_and(|s| s != saved.seed) {
            anyhow::bail!(
                "--seed {seed}: the exercise in {} was begun with seed {}; drop --seed to resume it, or give a new --journal",
                options.journal.display(),
                saved.seed
            );
        }
        let begun: BTreeSet<CountryCode> = saved.people.iter().map(|c| CountryCode::from(c.as_str())).collect();
        if seats_given && begun != people {
            let listed = begun.iter().map(CountryCode::as_str).collect::<Vec<_>>().join(",");
            anyhow::bail!(
                "--seats: the exercise in {} was begun with seats {listed}; drop --seats to resume it (the director \
                 hands desks over in the console), or give a new --journal",
                options.journal.display()
            );
        }
    }
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
        live.session().scenario().instant_text(live.clock().now(0)),
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
    let (limits, descriptors) = options.limits.within_descriptors();
    if limits.connections < options.limits.connections {
        eprintln!(
            "note: the process may open {descriptors} files, so the consoles' server keeps at most {} connections \
             (not {}): raise `ulimit -n` for more",
            limits.connections, options.limits.connections
        );
    }
    let app = server::app(live, base_url, limits.streams_per_token);
    super::listener::serve(listener, app, limits, shutdown).await.context("serving the consoles")?;
    Ok(())
}

/// Plays a finished exercise back in the consoles, read-only, at `speed`.
pub async fn serve_playback(
    journal: Journal,
    speed: f64,
    listen: std::net::SocketAddr,
    out: &mut impl Write,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let scenario = journal_scenario(&journal.read()?)?;
    let live = Live::playback(journal, scenario, speed).map_err(anyhow::Error::msg)?;
    let listener = tokio::net::TcpListener::bind(listen).await.with_context(|| format!("cannot listen on {listen}"))?;
    let address = listener.local_addr()?;
    let base_url = format!("http://{}:{}", address.ip(), address.port());
    writeln!(
        out,
        "pocnet exercise replay \"{}\": read-only playback at {speed}x, paused at the start",
        live.session().scenario().name
    )?;
    writeln!(out, "director: {base_url}/director?token={}", live.director_token())?;
    for (country, token) in live.seat_tokens() {
        writeln!(out, "seat {country}: {base_url}/seat/{country}?token={token}")?;
    }
    out.flush()?;
    let (limits, _) = super::listener::Limits::default().within_descriptors();
    let app = server::app(live, base_url, limits.streams_per_token);
    super::listener::serve(listener, app, limits, shutdown).await.context("serving the consoles")?;
    Ok(())
}

/// The debrief of a replayed exercise: the run's report as `pocnet run`
/// prints it, and as JSON with the forms sent and the decision logs.
pub struct Debrief {
    pub text: String,
    pub json: String,
    /// Where a damaged journal stopped being readable: the debrief covers
    /// what came before.
    pub damage: Option<super::journal::Damage>,
}

/// The journal's scenario, as it was, and the exercise replayed.
fn replayed(journal: &Journal) -> anyhow::Result<(Scenario, super::journal::Saved, super::session::Session)> {
    let saved = journal.read()?;
    let scenario = journal_scenario(&saved)?;
    let session = replay_session(scenario.clone(), &saved).map_err(anyhow::Error::msg)?;
    Ok((scenario, saved, session))
}

pub fn replay(journal: &Journal) -> anyhow::Result<Debrief> {
    let (scenario, saved, session) = replayed(journal)?;
    let log = session.log();
    let incidents = report::incident_reports(&scenario, &log);
    let report = Report::new(&scenario, saved.seed, incidents, log);
    let mut text = format!(
        "pocnet exercise replay: {} commands from the journal, simulated time at {}\n\n",
        saved.entries.len(),
        scenario.instant_text(session.now())
    );
    if let Some(damage) = &saved.damage {
        text.insert_str(0, &format!("DAMAGED JOURNAL: {damage}; what follows stops before that entry\n"));
    }
    text.push_str(&report.render_text(&scenario));
    let report_json: serde_json::Value = serde_json::from_str(&report.to_json()).context("the report's own JSON")?;
    let debrief = json!({
        "format": "pocnet-exercise/1",
        "people": saved.people,
        "report": report_json,
        "forms": session.forms(),
        "notes": session.notes(),
    });
    Ok(Debrief { text, json: crate::units::to_json(&debrief), damage: saved.damage })
}

/// The scenario a journal was made for, as it was: its text from the
/// journal, its includes from beside its path, the hash checked.
fn journal_scenario(saved: &super::journal::Saved) -> anyhow::Result<Scenario> {
    let path = Path::new(&saved.scenario_path);
    let scenario = Scenario::parse_at(&saved.scenario_path, &saved.scenario_text, Some(path))
        .map_err(|e| anyhow::anyhow!("the journal's scenario no longer reads: {e:?}"))?;
    if scenario.sha256 != saved.sha256 {
        anyhow::bail!("the files the journal's scenario includes have changed since the exercise (its hash differs)");
    }
    Ok(scenario)
}

/// Forks the exercise in `journal` at the simulated instant `at` into a
/// new journal at `new`; says how to continue it.
pub fn fork(journal: &Journal, at: &str, new: &Path) -> anyhow::Result<String> {
    if new.exists() {
        anyhow::bail!("{} exists: give a new journal for the fork", new.display());
    }
    let saved = journal.read()?;
    let scenario = journal_scenario(&saved)?;
    let instant: jiff::Timestamp = at
        .parse()
        .map_err(|_| anyhow::anyhow!("--at: `{at}` is not an instant: write it like 2026-11-27T21:40:00Z"))?;
    journal.fork(new, instant.as_millisecond() - scenario.epoch.as_millisecond(), scenario.epoch)?;
    Ok(format!(
        "forked at {at}: continue it with pocnet exercise {} --journal {}\n",
        saved.scenario_path,
        new.display()
    ))
}

/// The after-action report of the exercise in `journal`, and where the
/// journal is damaged, if it is: the report covers what came before.
pub fn report(journal: &Journal) -> anyhow::Result<(Aar, Option<super::journal::Damage>)> {
    let (_, saved, session) = replayed(journal)?;
    let aar = Aar::build(&session, saved.seed, &saved.people, &saved.entries).map_err(anyhow::Error::msg)?;
    Ok((aar, saved.damage))
}

/// `expectations.csv` and `forms.csv`, for spreadsheets.
pub fn write_aar_csv(aar: &Aar, dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    let mut expectations = csv::Writer::from_path(dir.join("expectations.csv"))?;
    expectations.write_record([
        "inject",
        "objective",
        "by",
        "form",
        "to",
        "goal_ms",
        "limit_ms",
        "could_act_after_inject_ms",
        "after_ms",
        "goal",
        "limit",
        "after",
        "timeliness",
        "missing",
        "rating",
        "why",
    ])?;
    for e in &aar.expectations {
        let timeliness = serde_json::to_value(e.timeliness)?.as_str().unwrap_or_default().to_owned();
        expectations.write_record([
            e.inject.clone(),
            e.objective.clone().unwrap_or_default(),
            e.by.as_ref().map_or_else(String::new, |c| c.to_string()),
            e.form.name().to_owned(),
            e.to.as_ref().map_or_else(String::new, |c| c.to_string()),
            e.goal_ms.to_string(),
            e.limit_ms.to_string(),
            e.could_act_ms.map_or_else(String::new, |ms| (ms - e.created_ms).to_string()),
            e.after_ms.map_or_else(String::new, |ms| ms.to_string()),
            spreadsheet_duration(e.goal_ms),
            spreadsheet_duration(e.limit_ms),
            e.after_ms.map_or_else(String::new, spreadsheet_duration),
            timeliness,
            e.missing.join("; "),
            e.rating.map_or_else(String::new, |r| format!("{r:?}")),
            e.why.clone(),
        ])?;
    }
    expectations.flush()?;
    let mut forms = csv::Writer::from_path(dir.join("forms.csv"))?;
    forms.write_record(["seat", "incident", "form", "field", "wanted", "sent", "filled", "exact"])?;
    for f in &aar.forms {
        forms.write_record([
            f.seat.as_str(),
            &f.incident,
            f.form.name(),
            f.field,
            &f.wanted.to_string(),
            &f.sent.to_string(),
            &f.filled.to_string(),
            &f.exact.map_or_else(String::new, |exact| exact.to_string()),
        ])?;
    }
    forms.flush()?;
    Ok(())
}

/// How the timeline plans wall time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WallPlan {
    /// At the phases' paces as the scenario writes them.
    AsWritten,
    /// As written, checked against a session of this many wall milliseconds.
    Session(i64),
    /// At paces scaled to fit a session of this many wall milliseconds.
    Fit(i64),
}

/// A duration a spreadsheet reads as one: `[h]:mm:ss` (`30:00:00` for 30 hours).
fn spreadsheet_duration(ms: i64) -> String {
    let seconds = ms.max(0) / 1_000;
    format!("{}:{:02}:{:02}", seconds / 3_600, seconds / 60 % 60, seconds % 60)
}

/// The MSEL in time order: timed injects first, then standbys and
/// contingencies, each with its planned wall-clock time from the start at
/// the phases' paces; as text, or as CSV.
pub fn timeline(scenario: &Scenario, csv_format: bool, wall_plan: WallPlan) -> String {
    use crate::scenario::msel::Recipient;
    let plan = scenario.exercise.clone().unwrap_or_default();
    let start = plan.start;
    let due = scenario.msel.schedule(start);
    let last = due.values().flatten().max().copied().unwrap_or(start);
    let scale = match wall_plan {
        WallPlan::Fit(session) => plan.fit(last, session),
        WallPlan::AsWritten | WallPlan::Session(_) => Some(1.0),
    };
    let wall_at = |at: SimTime| plan.wall_eta(at, scale.unwrap_or(1.0));
    let mut order: Vec<(Option<SimTime>, usize)> =
        scenario.msel.injects.iter().enumerate().map(|(i, inject)| (due[&inject.id], i)).collect();
    order.sort_by_key(|(at, i)| (at.is_none(), *at, *i));
    let contingency_of =
        |id: &str| scenario.msel.injects.iter().find(|i| i.on_missed.as_deref() == Some(id)).map(|i| i.id.clone());
    let mut rows = Vec::new();
    for (at, i) in order {
        let inject = &scenario.msel.injects[i];
        let when = match at {
            Some(at) => plan.t_plus(at),
            None => match contingency_of(&inject.id) {
                Some(parent) => format!("if {parent} is missed"),
                None => "standby".to_owned(),
            },
        };
        let instant = at.map(|at| scenario.instant_text(at)).unwrap_or_default();
        let wall = at.map(wall_at).unwrap_or_default();
        let to = match &inject.to {
            Recipient::Seat(c) => c.to_string(),
            Recipient::All => "all".to_owned(),
            Recipient::Director => "director".to_owned(),
        };
        let expects: Vec<String> = inject
            .expect
            .iter()
            .map(|e| {
                format!(
                    "{} {}{}{} goal {} limit {}{}",
                    e.by.as_ref().map_or(to.as_str(), |c| c.as_str()),
                    e.form.name(),
                    e.to.as_ref().map_or_else(String::new, |c| format!(" to {c}")),
                    if e.fields.is_empty() { String::new() } else { format!(" [{}]", e.fields.join(", ")) },
                    crate::units::fmt_ms(e.goal_ms),
                    crate::units::fmt_ms(e.limit_ms),
                    e.objective.as_ref().map_or_else(String::new, |o| format!(" ({o})"))
                )
            })
            .collect();
        rows.push([
            when,
            wall,
            instant,
            inject.id.clone(),
            to,
            inject.from.clone(),
            inject.channel.clone(),
            inject.text.clone(),
            expects.join("; "),
            inject.on_missed.clone().unwrap_or_default(),
        ]);
    }
    // The planned skips, each after the injects due at its start (those
    // are sent before the clock jumps).
    for skip in plan.skips.iter().rev() {
        let after = rows
            .iter()
            .position(|row| due.get(&row[3]).copied().flatten().is_none_or(|at| at > skip.from))
            .unwrap_or(rows.len());
        rows.insert(
            after,
            [
                plan.t_plus(skip.from),
                wall_at(skip.from),
                scenario.instant_text(skip.from),
                "(planned skip)".to_owned(),
                "director".to_owned(),
                "the plan".to_owned(),
                "clock".to_owned(),
                format!(
                    "skip to {} ({}): nothing in between costs wall time",
                    plan.t_plus(skip.to),
                    scenario.instant_text(skip.to)
                ),
                String::new(),
                String::new(),
            ],
        );
    }
    if csv_format {
        let mut writer = csv::Writer::from_writer(Vec::new());
        let _ = writer.write_record([
            "when",
            "wall",
            "instant",
            "id",
            "to",
            "from",
            "channel",
            "text",
            "expects",
            "on_missed",
        ]);
        for row in &rows {
            let _ = writer.write_record(row);
        }
        return String::from_utf8(writer.into_inner().unwrap_or_default()).unwrap_or_default();
    }
    let mut out = format!(
        "MSEL of \"{}\": {} injects, exercise start {}\n",
        scenario.name,
        scenario.msel.injects.len(),
        scenario.instant_text(start)
    );
    out.push_str(&wall_summary(&plan, last, wall_plan, scale));
    for [when, wall, _, id, to, from, channel, text, expects, on_missed] in &rows {
        let short: String = text.chars().take(90).collect();
        out.push_str(&format!(
            "{when:<22} {:>9} {id:<18} to {to:<8} from {from} ({channel}): {short}{}\n",
            if wall.is_empty() { String::new() } else { format!("wall {wall}") },
            if text.chars().count() > 90 { "…" } else { "" }
        ));
        if !expects.is_empty() {
            out.push_str(&format!("{:<32} expects: {expects}\n", ""));
        }
        if !on_missed.is_empty() {
            out.push_str(&format!("{:<32} if missed: {on_missed}\n", ""));
        }
    }
    out
}

/// What the plan asks of the wall clock, against the session when given.
fn wall_summary(
    plan: &crate::scenario::exercise::ExercisePlan,
    last: SimTime,
    wall_plan: WallPlan,
    scale: Option<f64>,
) -> String {
    use crate::units::fmt_ms;
    let paces = |factor: f64| -> String {
        let mut named =
            vec![format!("{}x from the start", pace(plan.speed_at(plan.start).unwrap_or(plan.speed), factor))];
        named.extend(
            plan.phases
                .iter()
                .filter(|p| p.from > plan.start)
                .map(|p| format!("{} {}x", p.name, pace(p.speed, factor))),
        );
        named.join(", ")
    };
    let written = plan.wall_ms(last, 1.0);
    let mut out = format!(
        "planned wall time to the last timed inject, at the phases' paces, without pauses{}: {}\n",
        if plan.skips.is_empty() {
            " or skips".to_owned()
        } else {
            format!(", with the {} planned skip{}", plan.skips.len(), if plan.skips.len() == 1 { "" } else { "s" })
        },
        fmt_ms(written)
    );
    match (wall_plan, scale) {
        (WallPlan::AsWritten, _) => {}
        (WallPlan::Session(session), _) if written <= session => {
            out.push_str(&format!("it fits the {} session, {} to spare\n", fmt_ms(session), fmt_ms(session - written)));
        }
        (WallPlan::Session(session), _) => out.push_str(&format!(
            "WARNING: it runs {} over the {} session: skip ahead between phases, or speed the phases up \
             (--fit {} proposes paces)\n",
            fmt_ms(written - session),
            fmt_ms(session),
            fmt_ms(session)
        )),
        (WallPlan::Fit(session), Some(factor)) => out.push_str(&format!(
            "paces that play it in {}: {} (each phase's pace x{factor:.2}); the wall column uses them\n",
            fmt_ms(session),
            paces(factor)
        )),
        (WallPlan::Fit(session), None) => out.push_str(&format!(
            "WARNING: no pace up to {}x plays it in {}: plan skips between the phases\n",
            crate::scenario::exercise::MAX_SPEED,
            fmt_ms(session)
        )),
    }
    out
}

/// A phase's pace scaled, held at the fastest a director may set, as people read it.
fn pace(speed: f64, factor: f64) -> String {
    let scaled = (speed * factor).min(crate::scenario::exercise::MAX_SPEED);
    if scaled >= 10.0 { format!("{scaled:.0}") } else { format!("{scaled:.1}") }
}
