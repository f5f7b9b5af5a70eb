//! Outcomes with a horizon: the time from a report to an event (the origin
//! found and held, the subscriber identified), as a Kaplan-Meier curve.
//! A trace that ended without the event (stopped, abandoned, not usable as
//! evidence) never has it and stays in the denominator; one the run left
//! open is censored where the run ended (Kaplan & Meier 1958, JASA 53:457).
//! Without censoring the curve is the plain share identified by each time,
//! and the shares at the standard horizons are exact counts.

use crate::analysis::new_histogram;
use hdrhistogram::Histogram;
use pocnet_node::time::DAY_MS;
use serde::Serialize;

/// The horizons every report gives a share at: 30 and 180 days, 1 and 2 years.
pub const HORIZONS_MS: [i64; 4] = [30 * DAY_MS, 180 * DAY_MS, 365 * DAY_MS, 730 * DAY_MS];

/// How a trace stands towards an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// It happened this long after the report.
    At(i64),
    /// It never will: the trace ended without it.
    Never,
    /// Not yet when the run ended, this long after the report.
    Censored(i64),
}

impl Status {
    /// Whether it happened within `horizon_ms` of the report; `None` where
    /// the run ended before the horizon without it (unknown).
    pub fn within(self, horizon_ms: i64) -> Option<bool> {
        match self {
            Status::At(ms) => Some(ms <= horizon_ms),
            Status::Never => Some(false),
            Status::Censored(ms) if ms >= horizon_ms => Some(false),
            Status::Censored(_) => None,
        }
    }
}

/// The times to one event over every trace of a study.
#[derive(Debug, Clone)]
pub struct TimeToEvent {
    /// Report → event, in milliseconds (1 ms at least).
    pub events: Histogram<u64>,
    /// Report → the run's end, for traces still open then.
    pub censored: Histogram<u64>,
    /// Traces that ended without the event.
    pub never: u64,
    /// Per standard horizon: events within it, and censorings before it.
    pub within: [u64; 4],
    pub censored_before: [u64; 4],
}

impl Default for TimeToEvent {
    fn default() -> Self {
        TimeToEvent {
            events: new_histogram(),
            censored: new_histogram(),
            never: 0,
            within: [0; 4],
            censored_before: [0; 4],
        }
    }
}

/// One point of a curve: the share that had the event by `at_ms`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CurvePoint {
    pub at_ms: i64,
    pub share: f64,
}

/// A curve as reports carry it: its steps and its shares at the horizons.
#[derive(Debug, Clone, Serialize)]
pub struct Curve {
    pub traces: u64,
    pub events: u64,
    pub censored: u64,
    /// The share by each standard horizon (Kaplan-Meier; exact counts where
    /// nothing was censored before it).
    pub at_horizons: Vec<CurvePoint>,
    /// The steps, at most a few hundred (HdrHistogram buckets, 0.1%).
    pub steps: Vec<CurvePoint>,
}

impl TimeToEvent {
    pub fn add(&mut self, status: Status) {
        match status {
            Status::At(ms) => {
                self.events.record(ms.max(1) as u64).expect("auto-resizing histograms accept any value");
                for (count, horizon) in self.within.iter_mut().zip(HORIZONS_MS) {
                    *count += u64::from(ms <= horizon);
                }
            }
            Status::Never => self.never += 1,
            Status::Censored(ms) => {
                self.censored.record(ms.max(1) as u64).expect("auto-resizing histograms accept any value");
                for (count, horizon) in self.censored_before.iter_mut().zip(HORIZONS_MS) {
                    *count += u64::from(ms < horizon);
                }
            }
        }
    }

    pub fn traces(&self) -> u64 {
        self.events.len() + self.censored.len() + self.never
    }

    /// Appends another study's traces (shards).
    pub fn merge(&mut self, other: &TimeToEvent) -> Result<(), String> {
        let overflow = || "counts beyond any study's: the sums overflow".to_owned();
        self.events.add(&other.events).map_err(|e| e.to_string())?;
        self.censored.add(&other.censored).map_err(|e| e.to_string())?;
        self.never = self.never.checked_add(other.never).ok_or_else(overflow)?;
        for i in 0..4 {
            self.within[i] = self.within[i].checked_add(other.within[i]).ok_or_else(overflow)?;
            self.censored_before[i] =
                self.censored_before[i].checked_add(other.censored_before[i]).ok_or_else(overflow)?;
        }
        Ok(())
    }

    /// The Kaplan-Meier curve of the share that had the event.
    pub fn curve(&self) -> Curve {
        let traces = self.traces();
        let mut steps = Vec::new();
        // Events and censorings in time order; at a tie, events first (the
        // convention: a trace censored at t was at risk at t).
        let mut times: Vec<(u64, u64, u64)> = Vec::new();
        for v in self.events.iter_recorded() {
            times.push((self.events.highest_equivalent(v.value_iterated_to()), v.count_at_value(), 0));
        }
        for v in self.censored.iter_recorded() {
            times.push((self.censored.highest_equivalent(v.value_iterated_to()), 0, v.count_at_value()));
        }
        times.sort_unstable();
        let mut at_risk = traces as f64;
        let mut surviving = 1.0_f64;
        for (at, events, censored) in times {
            if events > 0 && at_risk > 0.0 {
                surviving *= 1.0 - events as f64 / at_risk;
                steps.push(CurvePoint { at_ms: at as i64, share: 1.0 - surviving });
            }
            at_risk -= (events + censored) as f64;
        }
        let km_at = |horizon: i64| steps.iter().take_while(|p| p.at_ms <= horizon).last().map_or(0.0, |p| p.share);
        let at_horizons = HORIZONS_MS
            .iter()
            .enumerate()
            .map(|(i, &horizon)| {
                let share = if self.censored_before[i] == 0 && traces > 0 {
                    self.within[i] as f64 / traces as f64
                } else {
                    km_at(horizon)
                };
                CurvePoint { at_ms: horizon, share }
            })
            .collect();
        Curve { traces, events: self.events.len(), censored: self.censored.len(), at_horizons, steps: thinned(steps) }
    }
}

/// At most a few hundred steps: a step is kept where the share has risen a
/// fifth of a point since the last one kept, and the last always.
fn thinned(steps: Vec<CurvePoint>) -> Vec<CurvePoint> {
    let mut kept: Vec<CurvePoint> = Vec::new();
    let last = steps.last().copied();
    for point in steps {
        if kept.last().is_none_or(|k| point.share - k.share >= 0.002) {
            kept.push(point);
        }
    }
    if let (Some(last), Some(kept_last)) = (last, kept.last())
        && kept_last.at_ms != last.at_ms
    {
        kept.push(last);
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Without censoring the curve is the plain share: 3 of 5 by 40 days,
    /// the other two never.
    #[test]
    fn without_censoring_the_curve_is_the_share_identified_by_each_time() {
        let mut t = TimeToEvent::default();
        for days in [10, 20, 40] {
            t.add(Status::At(days * DAY_MS));
        }
        t.add(Status::Never);
        t.add(Status::Never);
        let curve = t.curve();
        let shares: Vec<f64> = curve.at_horizons.iter().map(|p| p.share).collect();
        assert_eq!(shares, vec![0.4, 0.6, 0.6, 0.6]);
        let last = curve.steps.last().unwrap();
        assert!((last.share - 0.6).abs() < 1e-12);
    }

    /// The textbook example: of 4 traces, one identified at 1 d, one
    /// censored at 2 d, then one identified at 3 d: S = 3/4 · 1/2 = 3/8, so
    /// 62.5% by 3 days (the censored trace leaves the risk set).
    #[test]
    fn a_censored_trace_leaves_the_risk_set_as_kaplan_and_meier_have_it() {
        let mut t = TimeToEvent::default();
        t.add(Status::At(DAY_MS));
        t.add(Status::Censored(2 * DAY_MS));
        t.add(Status::At(3 * DAY_MS));
        t.add(Status::Never);
        let curve = t.curve();
        assert!((curve.steps[0].share - 0.25).abs() < 1e-12);
        assert!((curve.steps[1].share - 0.625).abs() < 1e-12, "{:?}", curve.steps);
        assert!((curve.at_horizons[0].share - 0.625).abs() < 1e-12);
        assert_eq!(Status::Censored(2 * DAY_MS).within(DAY_MS), Some(false));
        assert_eq!(Status::Censored(DAY_MS).within(2 * DAY_MS), None);
    }
}
