//! The exercise journal: an SQLite file (WAL mode) holding the scenario,
//! its hash and seed, the seats and their tokens, and every action the
//! director and the people at the desks took, with its simulated and wall
//! time. An action is committed here before anyone is told it was taken,
//! so a killed process resumes, paused, with every acknowledged action;
//! and replaying the actions in order reproduces the exercise exactly.

use rusqlite::{Connection, OptionalExtension, params};
use std::path::Path;

/// One journaled action: who, at which simulated and wall instant, and
/// what, as the JSON it was accepted as.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub sim_ms: i64,
    pub wall_ms: i64,
    /// `director`, or the country code of the seat that acted.
    pub actor: String,
    pub body: String,
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
    pub entries: Vec<Entry>,
    pub clock: Option<ClockMark>,
}

#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("journal {path}: {source}")]
    Sqlite { path: String, source: rusqlite::Error },
    #[error("journal {path} is not a pocnet exercise journal ({reason})")]
    NotAJournal { path: String, reason: String },
}

pub struct Journal {
    connection: Connection,
    path: String,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS seats (country TEXT PRIMARY KEY, token TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS actions (
    id INTEGER PRIMARY KEY,
    sim_ms INTEGER NOT NULL,
    wall_ms INTEGER NOT NULL,
    actor TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS evaluators (id INTEGER PRIMARY KEY, cell TEXT NOT NULL, token TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS clock (id INTEGER PRIMARY KEY CHECK (id = 1), sim_ms INTEGER NOT NULL, speed REAL NOT NULL);
";

impl Journal {
    /// Opens the file, creating its tables if it is new.
    pub fn open(path: &Path) -> Result<Journal, JournalError> {
        let shown = path.display().to_string();
        let fail = |source| JournalError::Sqlite { path: shown.clone(), source };
        let connection = Connection::open(path).map_err(fail)?;
        // WAL: a reader never blocks the writer; FULL: a commit is on disk
        // before the browser hears of it.
        let mode: String = connection.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0)).map_err(fail)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(JournalError::NotAJournal { path: shown, reason: format!("journal mode {mode}") });
        }
        connection.execute_batch("PRAGMA synchronous = FULL;").map_err(fail)?;
        connection.execute_batch(SCHEMA).map_err(|source| match source {
            rusqlite::Error::SqliteFailure(..) => {
                JournalError::NotAJournal { path: shown.clone(), reason: source.to_string() }
            }
            other => fail(other),
        })?;
        Ok(Journal { connection, path: shown })
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
                ("format", "pocnet-exercise-journal/1"),
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

    /// Appends an action, committed when this returns.
    pub fn append(&self, entry: &Entry) -> Result<(), JournalError> {
        self.connection
            .execute(
                "INSERT INTO actions (sim_ms, wall_ms, actor, body) VALUES (?1, ?2, ?3, ?4)",
                params![entry.sim_ms, entry.wall_ms, entry.actor, entry.body],
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
    pub fn fork(&self, to: &Path, at_ms: i64) -> Result<Journal, JournalError> {
        let saved = self.read()?;
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
        for entry in saved.entries.iter().filter(|e| e.sim_ms < at_ms) {
            fork.append(entry)?;
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
        let mut statement = self
            .connection
            .prepare("SELECT sim_ms, wall_ms, actor, body FROM actions ORDER BY id")
            .map_err(|e| self.fail(e))?;
        let entries = statement
            .query_map([], |row| {
                Ok(Entry { sim_ms: row.get(0)?, wall_ms: row.get(1)?, actor: row.get(2)?, body: row.get(3)? })
            })
            .and_then(Iterator::collect)
            .map_err(|e| self.fail(e))?;
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
        })
    }
}
