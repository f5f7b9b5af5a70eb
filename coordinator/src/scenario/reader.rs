//! Reads a scenario file, and the files it includes, section by section, so
//! that one bad country or incident is reported without hiding the others.
//!
//! Syntax is checked for the whole file first (every syntax error is
//! reported); then each section is deserialized on its own, keeping its
//! place in its file for the diagnostics.

use super::diagnostic::Collector;
use super::raw::{RawScenario, TOP_LEVEL_KEYS};
use serde::de::DeserializeOwned;
use std::path::{Path, PathBuf};
use toml::Spanned;
use toml::de::{DeTable, DeValue, ValueDeserializer};

/// Problems reported in one section before the rest of it is given up.
const MAX_PROBLEMS_PER_SECTION: usize = 16;

pub(super) struct Reader<'p> {
    problems: &'p mut Collector,
    pub raw: RawScenario,
    /// The files being read, outermost first, to refuse include cycles.
    stack: Vec<PathBuf>,
}

fn key_of(key: &Spanned<toml::de::DeString<'_>>) -> Spanned<String> {
    Spanned::new(key.span(), key.get_ref().to_string())
}

impl<'p> Reader<'p> {
    pub fn new(problems: &'p mut Collector) -> Self {
        Reader { problems, raw: RawScenario::default(), stack: Vec::new() }
    }

    /// Reads the main file (already registered as source 0 of the collector);
    /// `path` locates its includes, `None` when the text has no file.
    pub fn read_main(&mut self, text: &str, path: Option<&Path>) {
        if let Some(path) = path {
            self.stack.push(path.canonicalize().unwrap_or_else(|_| path.to_path_buf()));
        }
        self.read(text, path, true);
    }

    fn read(&mut self, text: &str, path: Option<&Path>, main: bool) {
        let source = self.problems.current();
        let (root, errors) = DeTable::parse_recoverable(text);
        for error in &errors {
            let (message, help) = super::diagnostic::plain(error.message());
            self.problems.push(error.span().unwrap_or(0..0), message, help);
        }
        if !errors.is_empty() {
            // A file that does not parse would only add noise past its syntax errors.
            self.raw.unparsed = true;
            return;
        }
        let root_span = root.span();
        let root = root.into_inner();
        if main && !root.keys().any(|k| k.get_ref() == "scenario") {
            self.problems.push(
                root_span.start..root_span.start,
                "the scenario has no [scenario] table".to_owned(),
                Some("start with [scenario] name = \"...\" and epoch = \"2026-03-02T00:00:00Z\"".to_owned()),
            );
        }
        for (key, value) in root {
            let name = key.get_ref().to_string();
            match (name.as_str(), main) {
                ("scenario", true) => {
                    if let Some(meta) = self.section(value) {
                        self.raw.scenario = Some((source, meta));
                    }
                }
                ("network", true) => {
                    if let Some(network) = self.section(value) {
                        self.raw.network = Some((source, network));
                    }
                }
                ("channels", true) => {
                    if let Some(channels) = self.section(value) {
                        self.raw.channels = Some((source, channels));
                    }
                }
                ("coordination", true) => {
                    if let Some(coordination) = self.section(value) {
                        self.raw.coordination = Some((source, coordination));
                    }
                }
                ("instruments", true) => {
                    if let Some(instruments) = self.section(value) {
                        self.raw.instruments = Some((source, instruments));
                    }
                }
                ("exercise", true) => {
                    if let Some(exercise) = self.section(value) {
                        self.raw.exercise = Some((source, exercise));
                    }
                }
                ("objectives", true) => {
                    for objective in self.array(value, "objectives") {
                        if let Some(objective) = self.section(objective) {
                            self.raw.objectives.push((source, objective));
                        }
                    }
                }
                ("injects", true) => {
                    for inject in self.array(value, "injects") {
                        if let Some(inject) = self.section(inject) {
                            self.raw.injects.push((source, inject));
                        }
                    }
                }
                ("faults", true) => {
                    for fault in self.array(value, "faults") {
                        if let Some(fault) = self.section(fault) {
                            self.raw.faults.push((source, fault));
                        }
                    }
                }
                (
                    "scenario" | "network" | "channels" | "instruments" | "coordination" | "exercise" | "objectives"
                    | "injects" | "faults",
                    false,
                ) => self.problems.push(
                    key.span(),
                    format!("[{name}] belongs in the main scenario file, not in an included one"),
                    Some(
                        "included files hold countries, carriers, incidents, incident_generators and the catalogue"
                            .to_owned(),
                    ),
                ),
                ("countries", _) => {
                    for (code, country) in self.table(value, "countries") {
                        match self.section(country) {
                            Some(country) => self.raw.countries.push((source, key_of(&code), country)),
                            None => {
                                self.raw.broken_countries.insert(code.get_ref().to_string());
                            }
                        }
                    }
                }
                ("carriers", _) => {
                    for (id, carrier) in self.table(value, "carriers") {
                        match self.section(carrier) {
                            Some(carrier) => self.raw.carriers.push((source, key_of(&id), carrier)),
                            None => {
                                self.raw.broken_carriers.insert(id.get_ref().to_string());
                            }
                        }
                    }
                }
                ("incidents", _) => {
                    for incident in self.array(value, "incidents") {
                        if let Some(incident) = self.section(incident) {
                            self.raw.incidents.push((source, incident));
                        }
                    }
                }
                ("incident_generators", _) => {
                    for generator in self.array(value, "incident_generators") {
                        if let Some(generator) = self.section(generator) {
                            self.raw.incident_generators.push((source, generator));
                        }
                    }
                }
                ("catalogue", _) => {
                    if self.raw.catalogue.is_some() {
                        self.problems.push(key.span(), "a second [catalogue]: include one catalogue".to_owned(), None);
                    } else if let Some(catalogue) = self.section(value) {
                        self.raw.catalogue = Some((source, catalogue));
                    }
                }
                ("states", _) => {
                    for (code, state) in self.table(value, "states") {
                        if let Some(state) = self.section(state) {
                            self.raw.states.push((source, key_of(&code), state));
                        }
                    }
                }
                ("include", _) => {
                    let files: Option<Vec<Spanned<String>>> = self.section(value);
                    for file in files.unwrap_or_default() {
                        self.include(&file, path);
                        self.problems.switch(source);
                    }
                }
                _ => self.problems.push(
                    key.span(),
                    format!("unknown key `{name}`"),
                    Some(format!("a scenario has: {}", TOP_LEVEL_KEYS.join(", "))),
                ),
            }
        }
    }

    fn include(&mut self, file: &Spanned<String>, from: Option<&Path>) {
        let absolute = Path::new(file.get_ref()).is_absolute();
        let Some(from) = from.or(absolute.then_some(Path::new("/"))) else {
            self.problems.push(
                file.span(),
                "`include` needs a scenario read from a file, to find the included one".to_owned(),
                None,
            );
            return;
        };
        let path = from.parent().unwrap_or(Path::new(".")).join(file.get_ref());
        let canonical = path.canonicalize().unwrap_or_else(|_| path.clone());
        if let Some(at) = self.stack.iter().position(|p| p == &canonical) {
            let cycle: Vec<String> = self.stack[at..]
                .iter()
                .chain(std::iter::once(&canonical))
                .map(|p| p.file_name().map_or_else(|| p.display().to_string(), |n| n.to_string_lossy().into_owned()))
                .collect();
            self.problems.push(
                file.span(),
                format!("include cycle: {}", cycle.join(" → ")),
                Some("a file cannot include itself, directly or through others".to_owned()),
            );
            return;
        }
        let text = match read_file(&path) {
            Ok(text) => text,
            Err(error) => {
                self.problems.push(file.span(), format!("cannot read `{}`: {error}", path.display()), None);
                return;
            }
        };
        self.problems.add_source(&path.display().to_string(), &text);
        self.stack.push(canonical);
        self.read(&text, Some(&path), false);
        self.stack.pop();
    }

    /// Deserializes one section, reporting every bad key in it at once: a
    /// key that fails is reported and set aside, and the rest is tried
    /// again, so the section's other keys are still read and checked (its
    /// missing keys are reported only if they were not set aside). `None`
    /// when the section cannot be read even so.
    fn section<T: DeserializeOwned>(&mut self, value: Spanned<DeValue<'_>>) -> Option<T> {
        let span = value.span();
        let mut value = value;
        let mut set_aside: Vec<String> = Vec::new();
        for _ in 0..MAX_PROBLEMS_PER_SECTION {
            let error = match T::deserialize(ValueDeserializer::from(value.clone())) {
                Ok(section) => return Some(section),
                Err(error) => error,
            };
            let at = error.span().unwrap_or(span.clone());
            let (message, help) = super::diagnostic::plain(error.message());
            let follow_on = set_aside.iter().any(|key| message == format!("`{key}` is missing here"));
            if !follow_on {
                self.problems.push(at.clone(), message, help);
            }
            // Set aside the key the problem lies in, and read the rest.
            let DeValue::Table(table) = value.get_mut() else { return None };
            let culprit = table
                .iter()
                .find(|(key, item)| {
                    key.span().contains(&at.start) || item.span().contains(&at.start) || key.span() == at
                })
                .map(|(key, _)| key.clone());
            let culprit = culprit?;
            table.remove(&culprit);
            set_aside.push(culprit.get_ref().to_string());
        }
        None
    }

    fn table<'i>(
        &mut self,
        value: Spanned<DeValue<'i>>,
        name: &str,
    ) -> Vec<(Spanned<toml::de::DeString<'i>>, Spanned<DeValue<'i>>)> {
        let span = value.span();
        match value.into_inner() {
            DeValue::Table(table) => table.into_iter().collect(),
            _ => {
                self.problems.push(span, format!("`{name}` should be a table of tables, like [{name}.ID]"), None);
                Vec::new()
            }
        }
    }

    fn array<'i>(&mut self, value: Spanned<DeValue<'i>>, name: &str) -> Vec<Spanned<DeValue<'i>>> {
        let span = value.span();
        match value.into_inner() {
            DeValue::Array(items) => items.into_iter().collect(),
            _ => {
                self.problems.push(span, format!("`{name}` should be an array of tables, like [[{name}]]"), None);
                Vec::new()
            }
        }
    }
}

/// Largest scenario file read: a generated network of 100,000 incidents is
/// 17 MB; beyond this the parse alone would hold gigabytes.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// A scenario file's text: a regular file (not a device or a pipe that never
/// ends, like /dev/zero), of at most `MAX_FILE_BYTES`.
pub fn read_file(path: &Path) -> std::io::Result<String> {
    use std::io::{Error, ErrorKind, Read};
    let file = std::fs::File::open(path)?;
    if !file.metadata()?.is_file() {
        return Err(Error::new(ErrorKind::InvalidInput, "not a regular file"));
    }
    let mut text = String::new();
    file.take(MAX_FILE_BYTES + 1).read_to_string(&mut text)?;
    if text.len() as u64 > MAX_FILE_BYTES {
        return Err(Error::new(ErrorKind::InvalidInput, format!("larger than {} MB", MAX_FILE_BYTES / (1024 * 1024))));
    }
    Ok(text)
}
