//! The exercise journal: an SQLite file (WAL mode, full sync) holding the
//! scenario, its hash and seed, the seats and their tokens, and every
//! command the director, the seats and the evaluators gave, with the
//! simulated instant it took effect and its wall time. A command is
//! committed here before anyone is told it was taken, so a killed process
//! resumes, paused, with every acknowledged command; and applying the
//! commands in order reproduces the exercise exactly. A damaged journal
//! is read up to its first unreadable entry and never written to.

use super::command::{ClockAction, Command};
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use std::path::Path;

/// What this pocnet writes and reads. Format 1 kept each action's request
/// body as text, read again by a second parser; format 2 keeps the typed
/// command (`command::Command`) as JSON, applied as it was accepted.
pub const FORMAT: &str = "pocnet-exercise-journal/2";

/// One journaled command: who, at which simulated instant it took effect
/// and at which wall instant it was taken, and the command itself.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub sim_ms: i64,
    pub wall_ms: i64,
    /// `director`, the country code of the seat that acted, or `evaluator N (CC)`.
    pub actor: String,
    pub command: Command,
}

/// Where the clock stood when last written down.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClockMark {
    pub sim_ms: i64,
    pub speed: f64,
}

/// Everything a journal holds, read back.
#[derive(Debug, Clone)]
pub struct Saved {
    pub scenario_path: String,
    pub scenario_text: String,
    pub sha256: String,
    pub seed: u64,
    pub director_token: String,
    /// The desks people played from the start.
    pub people: Vec<String>,
    /// The seats people hold now, and their tokens.
    pub seats: Vec<(String, String)>,
    /// Every entry up to the first that cannot be read.
    pub entries: Vec<Entry>,
    pub clock: Option<ClockMark>,
    /// The first entry that could not be read, and why: a damaged journal
    /// is reported up to it, and never resumed or written to.
    pub damage: Option<Damage>,
}

/// Where a journal stops being readable.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("journal {path}: entry {entry} cannot be read ({reason}); what came before it is intact")]
pub struct Damage {
    pub path: String,
    /// Counted from 1, as people count.
    pub entry: usize,
    pub reason: String,
}

#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("journal {path}: {source}")]
    Sqlite { path: String, source: rusqlite::Error },
    #[error("journal {path} is not a pocnet exercise journal ({reason})")]
    NotAJournal { path: String, reason: String },
    #[error(
        "journal {path} was written by an earlier pocnet ({found}); this one reads {FORMAT}: \
         report or replay it with the pocnet that played it"
    )]
    OldFormat { path: String, found: String },
    #[error(transparent)]
    Damaged(#[from] Damage),
    #[error(
        "journal {path} is damaged ({reason}): pocnet does not resume on a damaged journal, nor write to it; \
         `pocnet exercise report` and `pocnet exercise replay` read it up to the damage"
    )]
    DamagedFile { path: String, reason: String },
}

pub struct Journal {
    connection: Connection,
    path: String,
    /// A cut-short file is read through a copy with its header mended; the
    /// copy goes when the journal does.
    _mended: Option<MendedCopy>,
}

struct MendedCopy(std::path::PathBuf);

impl Drop for MendedCopy {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

const SCHEMA: &str = "
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE seats (country TEXT PRIMARY KEY, token TEXT NOT NULL);
CREATE TABLE commands (
    id INTEGER PRIMARY KEY,
    sim_ms INTEGER NOT NULL,
    wall_ms INTEGER NOT NULL,
    actor TEXT NOT NULL,
    command TEXT NOT NULL
);
CREATE TABLE evaluators (id INTEGER PRIMARY KEY, cell TEXT NOT NULL, token TEXT NOT NULL);
CREATE TABLE clock (id INTEGER PRIMARY KEY CHECK (id = 1), sim_ms INTEGER NOT NULL, speed REAL NOT NULL);
";

/// A journal file cut short (a disk that filled, a copy interrupted)
/// claims more pages in its header than it holds, and SQLite then reads
/// nothing at all. A copy whose header counts only the whole pages present
/// (and asks for no write-ahead log) reads up to the cut; the file itself
/// is never touched.
fn mend_cut_short(path: &Path) -> Result<MendedCopy, String> {
    let mut bytes = std::fs::read(path).map_err(|e| format!("cannot read it: {e}"))?;
    if bytes.len() < 100 || !bytes.starts_with(b"SQLite format 3\0") {
        return Err("its header is gone".to_owned());
    }
    let page_size = match u16::from_be_bytes([bytes[16], bytes[17]]) {
        1 => 65_536,
        size => usize::from(size),
    };
    if page_size < 512 {
        return Err("its header names no page size".to_owned());
    }
    let pages = u32::try_from(bytes.len() / page_size).map_err(|_| "too large".to_owned())?;
    bytes.truncate(pages as usize * page_size);
    bytes[28..32].copy_from_slice(&pages.to_be_bytes());
    // File format versions 1: a rollback journal, so a read needs no -shm file.
    bytes[18] = 1;
    bytes[19] = 1;
    let copy = std::env::temp_dir().join(format!(
        "pocnet-mended-{}-{}.journal",
        std::process::id(),
        MENDED.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    std::fs::write(&copy, &bytes).map_err(|e| format!("cannot write a mended copy in {}: {e}", copy.display()))?;
    Ok(MendedCopy(copy))
}

static MENDED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

impl Journal {
    /// Opens the file to play on, creating it if it is new. A file that
    /// holds anything but a journal of this format is refused untouched.
    pub fn open(path: &Path) -> Result<Journal, JournalError> {
        let shown = path.display().to_string();
        let fail = |source| JournalError::Sqlite { path: shown.clone(), source };
        let connection = Connection::open(path).map_err(fail)?;
        let journal = Journal { connection, path: shown.clone(), _mended: None };
        let damaged = |error| match error {
            JournalError::NotAJournal { path, reason } if reason.contains("malformed") => {
                JournalError::DamagedFile { path, reason }
            }
            other => other,
        };
        let empty = journal.tables().map_err(damaged)?.is_empty();
        if !empty {
            journal.check_format().map_err(damaged)?;
        }
        // WAL: a reader never blocks the writer; FULL: a commit is on disk
        // before the browser hears of it.
        let mode: String =
            journal.connection.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0)).map_err(fail)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(JournalError::NotAJournal { path: shown, reason: format!("journal mode {mode}") });
        }
        journal.connection.execute_batch("PRAGMA synchronous = FULL;").map_err(fail)?;
        if empty {
            journal.connection.execute_batch(SCHEMA).map_err(fail)?;
        }
        Ok(journal)
    }

    /// Opens the file to read only (report, replay, fork's source): nothing
    /// is written to it, whatever it holds.
    pub fn open_read_only(path: &Path) -> Result<Journal, JournalError> {
        let shown = path.display().to_string();
        let open = |file: &Path, mended: Option<MendedCopy>| -> Result<Journal, JournalError> {
            let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
            let connection = Connection::open_with_flags(file, flags)
                .map_err(|source| JournalError::Sqlite { path: shown.clone(), source })?;
            let journal = Journal { connection, path: shown.clone(), _mended: mended };
            journal.check_format()?;
            Ok(journal)
        };
        match open(path, None) {
            Err(JournalError::NotAJournal { reason, .. }) if reason.contains("malformed") => {
                let mended = mend_cut_short(path).map_err(|why| JournalError::NotAJournal {
                    path: shown.clone(),
                    reason: format!("{reason}; {why}"),
                })?;
                let file = mended.0.clone();
                open(&file, Some(mended))
            }
            other => other,
        }
    }

    fn tables(&self) -> Result<Vec<String>, JournalError> {
        let mut statement = self
            .connection
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .map_err(|e| self.not_a_journal(e))?;
        statement.query_map([], |row| row.get(0)).and_then(Iterator::collect).map_err(|e| self.not_a_journal(e))
    }

    /// This format, or a clear refusal saying what the file is.
    fn check_format(&self) -> Result<(), JournalError> {
        let tables = self.tables()?;
        if !tables.iter().any(|t| t == "meta") {
            let reason = format!("an SQLite file with tables {}", tables.join(", "));
            return Err(JournalError::NotAJournal { path: self.path.clone(), reason });
        }
        let format: Option<String> = self
            .connection
            .query_row("SELECT value FROM meta WHERE key = 'format'", [], |row| row.get(0))
            .optional()
            .map_err(|e| self.not_a_journal(e))?;
        match format.as_deref() {
            Some(FORMAT) => Ok(()),
            Some(found) if found.starts_with("pocnet-exercise-journal/") => {
                Err(JournalError::OldFormat { path: self.path.clone(), found: found.to_owned() })
            }
            Some(found) => {
                Err(JournalError::NotAJournal { path: self.path.clone(), reason: format!("format `{found}`") })
            }
            None => Err(JournalError::NotAJournal { path: self.path.clone(), reason: "no format".to_owned() }),
        }
    }

    /// SQLite could not read the file at all: not a database, or one too
    /// damaged to list its tables.
    fn not_a_journal(&self, source: rusqlite::Error) -> JournalError {
        match source {
            rusqlite::Error::SqliteFailure(..) => {
                JournalError::NotAJournal { path: self.path.clone(), reason: source.to_string() }
            }
            other => self.fail(other),
        }
    }

    fn fail(&self, source: rusqlite::Error) -> JournalError {
        JournalError::Sqlite { path: self.path.clone(), source }
    }

    /// Whether the journal already holds an exercise.
    pub fn is_new(&self) -> Result<bool, JournalError> {
        let found: Option<String> = self
            .connection
            .query_row("SELECT value FROM meta WHERE key = 'scenario_sha256'", [], |row| row.get(0))
            .optional()
            .map_err(|e| self.fail(e))?;
        Ok(found.is_none())
    }

    /// Writes down a new exercise: the scenario, its seed and the tokens.
    pub fn begin(
        &mut self,
        scenario_path: &str,
        scenario_text: &str,
        sha256: &str,
        seed: u64,
        director_token: &str,
        seats: &[(String, String)],
    ) -> Result<(), JournalError> {
        let transaction =
            self.connection.transaction().map_err(|e| JournalError::Sqlite { path: self.path.clone(), source: e })?;
        let result = (|| {
            for (key, value) in [
                ("format", FORMAT),
                ("scenario_path", scenario_path),
                ("scenario_text", scenario_text),
                ("scenario_sha256", sha256),
                ("seed", &seed.to_string()),
                ("director_token", director_token),
                ("people", &seats.iter().map(|(c, _)| c.as_str()).collect::<Vec<_>>().join(",")),
            ] {
                transaction.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)", params![key, value])?;
            }
            for (country, token) in seats {
                transaction.execute(
                    "INSERT OR REPLACE INTO seats (country, token) VALUES (?1, ?2)",
                    params![country, token],
                )?;
            }
            transaction.commit()
        })();
        result.map_err(|e| self.fail(e))
    }

    /// Appends a command, committed when this returns.
    pub fn append(&self, entry: &Entry) -> Result<(), JournalError> {
        let command = serde_json::to_string(&entry.command).expect("a command always serializes");
        self.connection
            .execute(
                "INSERT INTO commands (sim_ms, wall_ms, actor, command) VALUES (?1, ?2, ?3, ?4)",
                params![entry.sim_ms, entry.wall_ms, entry.actor, command],
            )
            .map(|_| ())
            .map_err(|e| self.fail(e))
    }

    /// A seat's token, or its removal when the desk goes back to a bot.
    pub fn set_seat(&self, country: &str, token: Option<&str>) -> Result<(), JournalError> {
        let result = match token {
            Some(token) => self
                .connection
                .execute("INSERT OR REPLACE INTO seats (country, token) VALUES (?1, ?2)", params![country, token]),
            None => self.connection.execute("DELETE FROM seats WHERE country = ?1", params![country]),
        };
        result.map(|_| ()).map_err(|e| self.fail(e))
    }

    /// An evaluator's link, watching one cell; its number.
    pub fn add_evaluator(&self, cell: &str, token: &str) -> Result<i64, JournalError> {
        self.connection
            .execute("INSERT INTO evaluators (cell, token) VALUES (?1, ?2)", params![cell, token])
            .map_err(|e| self.fail(e))?;
        Ok(self.connection.last_insert_rowid())
    }

    /// Every evaluator: number, cell, token.
    pub fn evaluators(&self) -> Result<Vec<(i64, String, String)>, JournalError> {
        let mut statement =
            self.connection.prepare("SELECT id, cell, token FROM evaluators ORDER BY id").map_err(|e| self.fail(e))?;
        statement
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
            .and_then(Iterator::collect)
            .map_err(|e| self.fail(e))
    }

    /// Where the clock stands, written down so a restart resumes there.
    pub fn mark_clock(&self, mark: ClockMark) -> Result<(), JournalError> {
        self.connection
            .execute(
                "INSERT OR REPLACE INTO clock (id, sim_ms, speed) VALUES (1, ?1, ?2)",
                params![mark.sim_ms, mark.speed],
            )
            .map(|_| ())
            .map_err(|e| self.fail(e))
    }

    /// A new exercise at `to`, the same as this one up to `at_ms` of
    /// simulated time: every action before it kept, the clock standing there.
    /// `epoch` is the scenario's: a skip taken before `at_ms` that ran past
    /// it is cut to end there, so the fork stands at `at_ms`.
    pub fn fork(&self, to: &Path, at_ms: i64, epoch: jiff::Timestamp) -> Result<Journal, JournalError> {
        let saved = self.read()?;
        if let Some(damage) = saved.damage {
            return Err(damage.into());
        }
        let mut fork = Journal::open(to)?;
        if !fork.is_new()? {
            return Err(JournalError::NotAJournal {
                path: to.display().to_string(),
                reason: "it already holds an exercise".to_owned(),
            });
        }
        let people: Vec<(String, String)> = saved.people.iter().map(|c| (c.clone(), String::new())).collect();
        fork.begin(
            &saved.scenario_path,
            &saved.scenario_text,
            &saved.sha256,
            saved.seed,
            &saved.director_token,
            &people,
        )?;
        // The seats as they stand now keep their links; no other seat has one.
        for country in &saved.people {
            fork.set_seat(country, None)?;
        }
        for (country, token) in &saved.seats {
            fork.set_seat(country, Some(token))?;
        }
        let cut = epoch.checked_add(jiff::SignedDuration::from_millis(at_ms)).map_err(|e| {
            JournalError::NotAJournal { path: to.display().to_string(), reason: format!("the fork's instant: {e}") }
        })?;
        for mut entry in saved.entries.into_iter().filter(|e| e.sim_ms < at_ms) {
            if let Command::Clock { action: ClockAction::Skip { to } } = &mut entry.command {
                *to = (*to).min(cut);
            }
            fork.append(&entry)?;
        }
        let speed = saved.clock.map_or(crate::scenario::exercise::DEFAULT_SPEED, |c| c.speed);
        fork.mark_clock(ClockMark { sim_ms: at_ms, speed })?;
        Ok(fork)
    }

    pub fn read(&self) -> Result<Saved, JournalError> {
        let meta = |key: &str| -> Result<String, JournalError> {
            self.connection
                .query_row("SELECT value FROM meta WHERE key = ?1", params![key], |row| row.get(0))
                .optional()
                .map_err(|e| self.fail(e))?
                .ok_or_else(|| JournalError::NotAJournal { path: self.path.clone(), reason: format!("no {key}") })
        };
        let seed = meta("seed")?;
        let seed = seed.parse().map_err(|_| JournalError::NotAJournal {
            path: self.path.clone(),
            reason: format!("seed `{seed}` is not a number"),
        })?;
        let mut statement =
            self.connection.prepare("SELECT country, token FROM seats ORDER BY country").map_err(|e| self.fail(e))?;
        let seats = statement
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
            .and_then(Iterator::collect)
            .map_err(|e| self.fail(e))?;
        let (entries, damage) = self.entries();
        let clock = self
            .connection
            .query_row("SELECT sim_ms, speed FROM clock WHERE id = 1", [], |row| {
                Ok(ClockMark { sim_ms: row.get(0)?, speed: row.get(1)? })
            })
            .optional()
            .map_err(|e| self.fail(e))?;
        Ok(Saved {
            scenario_path: meta("scenario_path")?,
            scenario_text: meta("scenario_text")?,
            sha256: meta("scenario_sha256")?,
            seed,
            director_token: meta("director_token")?,
            people: meta("people")?.split(',').filter(|c| !c.is_empty()).map(str::to_owned).collect(),
            seats,
            entries,
            clock,
            damage,
        })
    }

    /// The commands in order, up to the first that cannot be read: a page
    /// SQLite finds damaged, or a command this pocnet cannot read.
    fn entries(&self) -> (Vec<Entry>, Option<Damage>) {
        let mut entries = Vec::new();
        let damage = |entry: usize, reason: String| Some(Damage { path: self.path.clone(), entry, reason });
        let mut statement =
            match self.connection.prepare("SELECT sim_ms, wall_ms, actor, command FROM commands ORDER BY id") {
                Ok(statement) => statement,
                Err(error) => return (entries, damage(1, error.to_string())),
            };
        let mut rows = match statement.query([]) {
            Ok(rows) => rows,
            Err(error) => return (entries, damage(1, error.to_string())),
        };
        loop {
            let number = entries.len() + 1;
            let row = match rows.next() {
                Ok(Some(row)) => row,
                Ok(None) => return (entries, None),
                Err(error) => return (entries, damage(number, error.to_string())),
            };
            let read = (|| -> Result<Entry, String> {
                let text: String = row.get(3).map_err(|e| e.to_string())?;
                let command = serde_json::from_str(&text).map_err(|e| format!("not a command: {e}"))?;
                Ok(Entry {
                    sim_ms: row.get(0).map_err(|e| e.to_string())?,
                    wall_ms: row.get(1).map_err(|e| e.to_string())?,
                    actor: row.get(2).map_err(|e| e.to_string())?,
                    command,
                })
            })();
            match read {
                Ok(entry) => entries.push(entry),
                Err(reason) => return (entries, damage(number, reason)),
            }
        }
    }
}
