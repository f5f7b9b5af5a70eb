//! Scenario problems as people read them: the file, line and column, the
//! offending text underlined, what was expected, and a hint where one exists.

use miette::{Diagnostic, NamedSource, SourceSpan};
use std::ops::Range;
use std::sync::Arc;

/// One problem in a scenario file.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("{location}: {message}")]
pub struct Problem {
    /// `file:line:column`, so the message says where even without the snippet.
    pub location: String,
    pub message: String,
    #[source_code]
    source_code: NamedSource<Arc<str>>,
    #[label("{label}")]
    span: SourceSpan,
    label: String,
    #[help]
    pub help: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    #[error("cannot read scenario {path}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{file}: {} problem{} found", problems.len(), if problems.len() == 1 { "" } else { "s" })]
    Invalid { file: String, problems: Vec<Problem> },
}

/// Gathers every problem of a scenario and the files it includes.
pub(super) struct Collector {
    main: String,
    sources: Vec<(String, Arc<str>)>,
    current: usize,
    problems: Vec<(usize, Problem)>,
}

impl Collector {
    pub fn new(file: &str, text: &str) -> Self {
        Collector {
            main: file.to_owned(),
            sources: vec![(file.to_owned(), Arc::from(text))],
            current: 0,
            problems: Vec::new(),
        }
    }

    /// Registers another file (an include) and makes it the current one.
    pub fn add_source(&mut self, file: &str, text: &str) -> usize {
        self.sources.push((file.to_owned(), Arc::from(text)));
        self.current = self.sources.len() - 1;
        self.current
    }

    /// Problems pushed from now on are located in file `source`.
    pub fn switch(&mut self, source: usize) {
        debug_assert!(source < self.sources.len());
        self.current = source;
    }

    pub fn current(&self) -> usize {
        self.current
    }

    /// Every file read, in order, for the scenario's hash.
    pub fn texts(&self) -> impl Iterator<Item = &str> {
        self.sources.iter().map(|(_, text)| &**text)
    }

    pub fn is_empty(&self) -> bool {
        self.problems.is_empty()
    }

    /// `file:line:column` of a span in the current file, for a warning found
    /// later (a rehearsal's) to say where.
    pub fn location(&self, span: Range<usize>) -> String {
        let (file, text) = &self.sources[self.current];
        let (line, column) = line_column(text, span.start);
        format!("{file}:{line}:{column}")
    }

    pub fn push(&mut self, span: Range<usize>, message: String, help: Option<String>) {
        let (file, text) = &self.sources[self.current];
        let (line, column) = line_column(text, span.start);
        // A value quoted back in full could be megabytes: a message says enough in a few hundred characters.
        let message = bounded(message);
        let label = if span.is_empty() { "here".to_owned() } else { short(&message) };
        // A line too long to show (the renderer cannot place a column that far) is named, not drawn.
        let line_length =
            text.get(..span.start.min(text.len())).map_or(0, |b| b.rsplit('\n').next().map_or(0, str::len))
                + text.get(span.start.min(text.len())..).map_or(0, |a| a.split('\n').next().map_or(0, str::len));
        let (source_code, span) = if line_length > MAX_SHOWN_LINE {
            let note: Arc<str> =
                Arc::from(format!("(line {line} is {line_length} bytes long: too long to show)").as_str());
            (NamedSource::new(file, note), SourceSpan::from(0..0))
        } else {
            (NamedSource::new(file, text.clone()), span.into())
        };
        self.problems.push((
            self.current,
            Problem { location: format!("{file}:{line}:{column}"), message, source_code, span, label, help },
        ));
    }

    /// A reference to something the scenario does not define, with the
    /// nearest defined name as a hint.
    pub fn unknown(&mut self, span: Range<usize>, what: &str, name: &str, known: &[&str]) {
        let help = match nearest(name, known.iter().copied()) {
            Some(k) => format!("did you mean `{k}`?"),
            None if known.is_empty() => format!("the scenario defines no {what} yet"),
            None => format!("defined {what} names: {}", known.join(", ")),
        };
        self.push(span, format!("unknown {what} `{name}`"), Some(help));
    }

    pub fn finish(mut self) -> ScenarioError {
        self.problems.sort_by_key(|(source, p)| (*source, p.span.offset()));
        ScenarioError::Invalid { file: self.main, problems: self.problems.into_iter().map(|(_, p)| p).collect() }
    }
}

/// Longest line drawn under a diagnostic.
const MAX_SHOWN_LINE: usize = 4_000;

/// Longest message: a value quoted in it is cut.
const MAX_MESSAGE: usize = 2_000;

fn bounded(message: String) -> String {
    if message.chars().count() <= MAX_MESSAGE {
        return message;
    }
    let cut: String = message.chars().take(MAX_MESSAGE).collect();
    format!("{cut}… (cut)")
}

/// The label under the code: the message up to its first `: ` outside
/// backticks, so a quoted time (`2026-04-10 22:00`) is never cut.
fn short(message: &str) -> String {
    let mut quoted = false;
    let mut chars = message.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        match c {
            '`' => quoted = !quoted,
            ':' if !quoted && chars.peek().is_some_and(|(_, next)| next.is_whitespace()) => {
                return message[..at].to_owned();
            }
            _ => {}
        }
    }
    message.to_owned()
}

/// Longest value compared with known names: no name is longer, and the
/// comparison costs the product of the two lengths.
const MAX_COMPARED: usize = 200;

/// The name in `known` nearest to `name`, if near enough to be a slip. In
/// bounded time whatever `name` is: a value longer than any name is not
/// compared, and a name whose length alone is too far is skipped.
pub fn nearest<'k>(name: &str, known: impl IntoIterator<Item = &'k str>) -> Option<&'k str> {
    let length = name.chars().count();
    if length > MAX_COMPARED {
        return None;
    }
    let threshold = 1.max(length / 3);
    let lowered = name.to_lowercase();
    known
        .into_iter()
        .filter(|k| k.chars().count().abs_diff(length) <= threshold)
        .map(|k| (strsim::damerau_levenshtein(&k.to_lowercase(), &lowered), k))
        .filter(|(distance, _)| *distance <= threshold)
        .min()
        .map(|(_, k)| k)
}

/// A deserializer's message in the scenario author's words, with a hint:
/// "did you mean" for a slip, the accepted names otherwise; never serde's
/// "unknown variant" or "invalid type".
pub fn plain(message: &str) -> (String, Option<String>) {
    let names = |list: &str| -> Vec<String> {
        list.split(", ")
            .map(|n| n.trim_matches(|c| c == '`' || c == ' ').to_owned())
            .filter(|n| !n.is_empty())
            .collect()
    };
    let quoted = |text: &str| text.split('`').nth(1).unwrap_or_default().to_owned();
    let hint = |name: &str, accepted: &[String], what: &str| match nearest(name, accepted.iter().map(String::as_str)) {
        Some(near) => Some(format!("did you mean `{near}`?")),
        None => Some(format!("{what}: {}", accepted.join(", "))),
    };
    let expected = |rest: &str| -> Vec<String> {
        rest.strip_prefix("expected one of ").or_else(|| rest.strip_prefix("expected ")).map_or_else(Vec::new, names)
    };
    let message = message.trim_end();
    if let Some(rest) = message.strip_prefix("unknown field ") {
        let (name, rest) = (quoted(rest), rest.split_once(", ").map_or("", |(_, r)| r));
        let accepted = expected(rest);
        let help = if accepted.is_empty() {
            Some("this table takes no keys".to_owned())
        } else {
            hint(&name, &accepted, "the keys here are")
        };
        return (format!("unknown key `{name}`"), help);
    }
    if let Some(rest) = message.strip_prefix("unknown variant ") {
        let (name, rest) = (quoted(rest), rest.split_once(", ").map_or("", |(_, r)| r));
        let accepted = expected(rest);
        return (format!("`{name}` is not one of the accepted values"), hint(&name, &accepted, "accepted"));
    }
    if let Some(rest) = message.strip_prefix("missing field ") {
        return (format!("`{}` is missing here", quoted(rest)), None);
    }
    if let Some((found, wanted)) = message.strip_prefix("invalid type: ").and_then(|r| r.split_once(", expected ")) {
        return (format!("this should be {wanted}, not {found}"), None);
    }
    if let Some((found, wanted)) = message.strip_prefix("invalid value: ").and_then(|r| r.split_once(", expected ")) {
        return (format!("{found} is not {wanted}"), None);
    }
    if message.starts_with("string values must be quoted") {
        return (
            "text must be in quotes".to_owned(),
            Some("durations, times and names are strings: write \"30d\", \"09:00-17:00\", \"DE\"".to_owned()),
        );
    }
    (message.to_owned(), None)
}

/// 1-based line and column (in characters) of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

#[cfg(test)]
mod nearest_tests {
    use super::nearest;

    #[test]
    fn a_slip_is_found_and_a_huge_value_is_not_compared() {
        let zones = ["Europe/Paris", "Europe/Berlin", "America/New_York"];
        assert_eq!(nearest("Europe/Pari", zones), Some("Europe/Paris"));
        assert_eq!(nearest("Asia/Tokyo", zones), None);
        // Ten megabytes against every name would take minutes: it is not compared at all.
        assert_eq!(nearest(&"x".repeat(10_000_000), zones), None);
        assert_eq!(nearest(&format!("Europe/Paris{}", "x".repeat(190)), zones), None, "too far by length alone");
    }
}
