//! The benchmark's summary: one row per figure of the speed targets, each
//! as measured against its baseline from the same run, with its target.

use std::fmt::Write as _;

/// Which way a figure must lie from its target.
#[derive(Clone, Copy, Debug)]
pub enum Target {
    AtMost(f64),
    AtLeast(f64),
}

impl Target {
    fn met(self, value: f64) -> bool {
        match self {
            Target::AtMost(limit) => value <= limit,
            Target::AtLeast(limit) => value >= limit,
        }
    }
}

/// One figure: what was measured, against what, and how it compares.
#[derive(Clone, Debug)]
pub struct Row {
    pub figure: String,
    /// What pocnet did, in words and units.
    pub pocnet: String,
    /// The baseline from the same run, or "—" where the target is absolute.
    pub baseline: String,
    /// The figure the target bounds, with its unit ("0.10×", "1.3 KB").
    pub outcome: Outcome,
}

#[derive(Clone, Debug)]
pub enum Outcome {
    Measured {
        value: f64,
        unit: &'static str,
        decimals: usize,
        target: Target,
    },
    /// Not measured here, and why (a program missing, a file not writable).
    Skipped(String),
}

impl Row {
    pub fn of(figure: impl Into<String>, pocnet: impl Into<String>, baseline: impl Into<String>) -> RowBuilder {
        RowBuilder { figure: figure.into(), pocnet: pocnet.into(), baseline: baseline.into() }
    }

    pub fn skipped(figure: impl Into<String>, why: impl Into<String>) -> Row {
        Row {
            figure: figure.into(),
            pocnet: String::new(),
            baseline: String::new(),
            outcome: Outcome::Skipped(why.into()),
        }
    }

    fn cells(&self) -> [String; 5] {
        match &self.outcome {
            Outcome::Measured { value, unit, decimals, target } => {
                let shown = |v: f64| format!("{v:.decimals$}{unit}");
                let (sign, limit) = match target {
                    Target::AtMost(l) => ("≤", *l),
                    Target::AtLeast(l) => ("≥", *l),
                };
                let verdict = if target.met(*value) { "met" } else { "not met" };
                [
                    self.figure.clone(),
                    self.pocnet.clone(),
                    self.baseline.clone(),
                    format!("**{}**", shown(*value)),
                    format!("{sign} {} ({verdict})", shown(limit)),
                ]
            }
            Outcome::Skipped(why) => {
                [self.figure.clone(), format!("skipped: {why}"), String::new(), "—".into(), "—".into()]
            }
        }
    }

    /// The row as a line of progress, printed as soon as it is measured.
    pub fn line(&self) -> String {
        let [figure, pocnet, baseline, value, target] = self.cells();
        match self.outcome {
            Outcome::Skipped(_) => format!("{figure}: {pocnet}"),
            _ => format!("{figure}: {pocnet}; baseline {baseline}: {value}, target {target}"),
        }
    }
}

pub struct RowBuilder {
    figure: String,
    pocnet: String,
    baseline: String,
}

impl RowBuilder {
    /// `value` printed with `decimals` decimals and `unit`, against `target`.
    pub fn outcome(self, value: f64, unit: &'static str, decimals: usize, target: Target) -> Row {
        Row {
            figure: self.figure,
            pocnet: self.pocnet,
            baseline: self.baseline,
            outcome: Outcome::Measured { value, unit, decimals, target },
        }
    }
}

/// The rows as a Markdown table, as the README shows them.
pub fn markdown(rows: &[Row]) -> String {
    let mut table =
        String::from("| figure | pocnet | baseline, same run | ratio or figure | target |\n|---|---|---|---|---|\n");
    for row in rows {
        let _ = writeln!(table, "| {} |", row.cells().join(" | "));
    }
    table
}
