//! `[exercise]`: how a scenario is played as a training exercise: the
//! desks people play, the pace, where the clock opens, phases with a pace
//! each, and what each seat reads before play.

use super::raw::RawExercise;
use super::{References, diagnostic, span};
use pocnet_node::{CountryCode, SimTime};
use std::collections::BTreeMap;

/// Fastest pace a director may set: an hour of simulated time per wall
/// second, beyond which a trainee could not follow anything.
pub const MAX_SPEED: f64 = 3600.0;

/// Slowest pace: a tenth of real time. Slower, nothing a trainee sees
/// would move; a pace like 1e-300 is a slip, not a plan.
pub const MIN_SPEED: f64 = 0.1;

/// Whether `speed` is a pace a director may set.
pub fn is_pace(speed: f64) -> bool {
    speed.is_finite() && (MIN_SPEED..=MAX_SPEED).contains(&speed)
}

/// The pace a wall minute keeps unless the scenario says otherwise: ten
/// simulated minutes, as live phases run at conferences.
pub const DEFAULT_SPEED: f64 = 10.0;

/// Longest briefing a seat gets: a few pages.
const MAX_BRIEFING: usize = 20_000;

#[derive(Debug, Clone, PartialEq)]
pub struct ExercisePlan {
    /// The desks people play unless `--seats` says otherwise.
    pub seats: Vec<CountryCode>,
    pub speed: f64,
    /// Where the clock stands when the exercise opens.
    pub start: SimTime,
    /// In order of their start.
    pub phases: Vec<Phase>,
    /// Quiet spans the director plans to skip, in order, none overlapping.
    pub skips: Vec<PlannedSkip>,
    pub briefings: BTreeMap<CountryCode, String>,
}

/// A span of simulated time the director plans to skip: it costs no wall
/// time in the plan, and the director's console offers it when the clock
/// reaches `from` (a skip still stops early when a desk receives something).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlannedSkip {
    pub from: SimTime,
    pub to: SimTime,
}

impl Default for ExercisePlan {
    fn default() -> Self {
        ExercisePlan {
            seats: Vec::new(),
            speed: DEFAULT_SPEED,
            start: SimTime::ZERO,
            phases: Vec::new(),
            skips: Vec::new(),
            briefings: BTreeMap::new(),
        }
    }
}

/// From `from` on, the clock runs at `speed`.
#[derive(Debug, Clone, PartialEq)]
pub struct Phase {
    pub name: String,
    pub from: SimTime,
    pub speed: f64,
}

impl ExercisePlan {
    /// The pace the phase holding `at` sets, if any.
    pub fn speed_at(&self, at: SimTime) -> Option<f64> {
        self.phases.iter().rev().find(|p| p.from <= at).map(|p| p.speed)
    }

    /// The wall time the clock takes from the start to `to` at the phases'
    /// paces (the exercise's own before the first phase), each multiplied
    /// by `scale` and held at `MAX_SPEED`, with no pause; the planned skips
    /// take no wall time.
    pub fn wall_ms(&self, to: SimTime, scale: f64) -> i64 {
        let pace = |speed: f64| (speed * scale).min(MAX_SPEED);
        // Every instant where the pace changes or a skip begins or ends.
        let mut marks: Vec<SimTime> = self
            .phases
            .iter()
            .map(|p| p.from)
            .chain(self.skips.iter().flat_map(|s| [s.from, s.to]))
            .filter(|&at| at > self.start && at < to)
            .collect();
        marks.push(to);
        marks.sort();
        let mut wall = 0.0;
        let mut at = self.start;
        for mark in marks {
            let skipped = self.skips.iter().any(|s| s.from <= at && at < s.to);
            if !skipped && mark > at {
                let speed = self.speed_at(at).unwrap_or(self.speed);
                wall += (mark.ms() - at.ms()) as f64 / pace(speed);
            }
            at = at.max(mark);
        }
        wall.round() as i64
    }

    /// The planned skip that begins at or before `at` and ends after it.
    pub fn skip_at(&self, at: SimTime) -> Option<PlannedSkip> {
        self.skips.iter().copied().find(|s| s.from <= at && at < s.to)
    }

    /// An instant as the MSEL names it: `T+0`, `T+2h 30m` from the start.
    pub fn t_plus(&self, at: SimTime) -> String {
        if at == self.start {
            "T+0".to_owned()
        } else {
            format!("T+{}", crate::units::fmt_ms(at.ms() - self.start.ms()))
        }
    }

    /// When the wall clock reaches `at` from the start, at the phases'
    /// paces times `scale`: "+1:05" (hours and minutes).
    pub fn wall_eta(&self, at: SimTime, scale: f64) -> String {
        let minutes = (self.wall_ms(at, scale) + 30_000) / 60_000;
        format!("+{}:{:02}", minutes / 60, minutes % 60)
    }

    /// The phase holding `at`, if any.
    pub fn phase_at(&self, at: SimTime) -> Option<&Phase> {
        self.phases.iter().rev().find(|p| p.from <= at)
    }

    /// The factor on every phase's pace that plays the plan to `to` in
    /// `session_ms` of wall time, if any pace up to `MAX_SPEED` does.
    pub fn fit(&self, to: SimTime, session_ms: i64) -> Option<f64> {
        if self.wall_ms(to, f64::MAX) > session_ms {
            return None;
        }
        // Wall time falls as the factor grows: halve the interval 60 times.
        let (mut low, mut high) =
            (1e-6_f64, MAX_SPEED / self.phases.iter().map(|p| p.speed).fold(self.speed, f64::min));
        for _ in 0..60 {
            let middle = (low * high).sqrt();
            if self.wall_ms(to, middle) > session_ms { low = middle } else { high = middle }
        }
        Some(high)
    }
}

pub(super) fn exercise(
    problems: &mut diagnostic::Collector,
    references: &References,
    raw: Option<(usize, RawExercise)>,
) -> Option<ExercisePlan> {
    let (source, raw) = raw?;
    problems.switch(source);
    let mut pace = |value: &toml::Spanned<f64>| {
        let speed = *value.get_ref();
        if is_pace(speed) {
            speed
        } else {
            problems.push(
                span(value),
                format!("speed {speed} is not a pace"),
                Some(format!("give a number from {MIN_SPEED} to {MAX_SPEED}")),
            );
            DEFAULT_SPEED
        }
    };
    let speed = raw.speed.as_ref().map_or(DEFAULT_SPEED, &mut pace);
    let mut phases: Vec<Phase> = Vec::new();
    for phase in &raw.phases {
        let speed = pace(&phase.speed);
        phases.push(Phase { name: phase.name.clone(), from: SimTime::ZERO, speed });
    }
    for (phase, raw_phase) in phases.iter_mut().zip(&raw.phases) {
        phase.from = references.instant(problems, &raw_phase.from, "phase start");
    }
    phases.sort_by_key(|p| p.from);
    let seats = raw.seats.iter().map(|code| references.country(problems, code)).collect();
    let start = raw.start.as_ref().map_or(SimTime::ZERO, |text| references.instant(problems, text, "exercise start"));
    let mut skips: Vec<PlannedSkip> = Vec::new();
    for raw_skip in &raw.skips {
        let from = references.instant(problems, &raw_skip.from, "skip start");
        let to = references.instant(problems, &raw_skip.to, "skip end");
        if to <= from {
            problems.push(span(&raw_skip.to), "the skip ends before it begins".to_owned(), None);
        } else if from < start {
            problems.push(span(&raw_skip.from), "the skip begins before the exercise starts".to_owned(), None);
        } else if skips.iter().any(|s| s.from < to && from < s.to) {
            problems.push(
                span(&raw_skip.from),
                "this skip overlaps another".to_owned(),
                Some("make it one skip, or let one end where the next begins".to_owned()),
            );
        } else {
            skips.push(PlannedSkip { from, to });
        }
    }
    skips.sort_by_key(|s| s.from);
    let mut briefings = BTreeMap::new();
    for (code, text) in raw.briefings {
        let country = references.country(problems, &code);
        if text.chars().count() > MAX_BRIEFING {
            problems.push(span(&code), format!("the briefing is longer than {MAX_BRIEFING} characters"), None);
        }
        briefings.insert(country, text);
    }
    Some(ExercisePlan { seats, speed, start, phases, skips, briefings })
}
