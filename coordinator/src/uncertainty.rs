//! What the assumed figures leave uncertain: every figure docs/domain.md
//! marks *assumed* is drawn afresh for each replication, log-uniformly from
//! half to double its default (the sensitivity sweep's range), so that the
//! spread of the outcomes over replications covers those figures as well as
//! the simulation's chance, for the scenario's own incidents. Which figures
//! the spread comes from is the standardized rank regression of the outcomes
//! on the draws (Saltelli et al., *Global Sensitivity Analysis: The Primer*,
//! Wiley 2008, §1.2; Helton & Davis 2003, Reliability Engineering & System
//! Safety 81:23): with independent draws, each coefficient squared is the
//! share of the outcome's (rank) variance that figure accounts for.

use crate::analysis::{Metric, event_statuses};
use crate::drivers::scale_around_the_clock_share;
use crate::engine::EngineError;
use crate::report::ScenarioInfo;
use crate::scenario::Scenario;
use crate::sensitivity::Assumption;
use crate::statistics::Tally;
use crate::units::fmt_horizon;
use rand::RngExt;
use serde::Serialize;
use std::fmt::Write as _;

pub const FORMAT: &str = "pocnet-uncertainty/1";

/// The range each assumed figure is drawn from: `1/RANGE` to `RANGE` times its default.
pub const RANGE: f64 = 2.0;

/// One replication: the factors its figures were drawn with, and what came of them.
#[derive(Debug, Clone, Serialize)]
pub struct Draw {
    pub replication: u64,
    /// Per assumed figure, in the order of `Uncertainty::parameters`.
    pub factors: Vec<f64>,
    pub origin_preserved: Option<f64>,
    pub subscriber_identified: Option<f64>,
}

/// An outcome's spread over the replications.
#[derive(Debug, Clone, Serialize)]
pub struct Spread {
    pub outcome: Metric,
    pub mean: f64,
    /// The 2.5th and 97.5th percentiles of the replications' shares: where
    /// 95% of worlds with these incidents and plausible figures fall.
    pub low: f64,
    pub high: f64,
    /// Of the rank variance, what the regression on the draws explains.
    pub r_squared: f64,
}

/// One assumed figure's share of each outcome's variance.
#[derive(Debug, Clone, Serialize)]
pub struct Share {
    pub parameter: Assumption,
    /// Standardized rank regression coefficient squared, per outcome
    /// (origin preserved, subscriber identified).
    pub origin_preserved: f64,
    pub subscriber_identified: f64,
}

#[derive(Debug, Serialize)]
pub struct Uncertainty {
    pub format: &'static str,
    pub scenario: ScenarioInfo,
    pub seed: u64,
    pub replications: u64,
    pub horizon_ms: i64,
    /// How each figure was drawn, in words.
    pub drawn: String,
    pub spreads: Vec<Spread>,
    /// The largest share first (on either outcome).
    pub shares: Vec<Share>,
    pub draws: Vec<Draw>,
}

/// The factors of replication `replication`: independent, log-uniform on
/// [1/RANGE, RANGE], from their own stream, so the same for a seed whatever
/// the threads.
fn factors(seed: u64, replication: u64, count: usize) -> Vec<f64> {
    let mut rng = pocnet_node::seed::stream(seed, replication, "uncertainty", pocnet_node::seed::Purpose::Scenario);
    (0..count).map(|_| RANGE.powf(rng.random_range(-1.0..=1.0))).collect()
}

/// The world of one draw: each figure scaled by its factor.
fn world(scenario: &Scenario, parameters: &[Assumption], factors: &[f64], seed: u64, replication: u64) -> Scenario {
    let mut world = scenario.clone();
    for (parameter, &factor) in parameters.iter().zip(factors) {
        world = match parameter {
            // Which desks change is part of the draw.
            Assumption::AroundTheClockShare => {
                scale_around_the_clock_share(&mut world, factor, seed, replication);
                world
            }
            _ => parameter.scale(&world, factor),
        };
    }
    world
}

/// Runs `replications` draws on `threads` threads and reports their spread.
pub fn study(
    scenario: &Scenario,
    seed: u64,
    replications: u64,
    threads: usize,
    horizon_ms: i64,
) -> Result<Uncertainty, EngineError> {
    let parameters = Assumption::resting_on(scenario);
    let next = std::sync::atomic::AtomicU64::new(0);
    let results = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..threads.max(1) {
            scope.spawn(|| {
                loop {
                    let replication = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if replication >= replications || crate::replication::stop_requested() {
                        break;
                    }
                    let factors = factors(seed, replication, parameters.len());
                    let drawn = world(scenario, &parameters, &factors, seed, replication);
                    let outcome = crate::replication::run_alongside(&drawn, seed, replication).map(|log| {
                        // Only the two shares: no histograms for a study that reads none.
                        let incidents = crate::projection::incident_reports(&drawn, &log.events);
                        let (mut origin, mut identified) = (Tally::default(), Tally::default());
                        for (reached, found) in event_statuses(&incidents) {
                            reached.within(horizon_ms).into_iter().for_each(|w| origin.add(w));
                            found.within(horizon_ms).into_iter().for_each(|w| identified.add(w));
                        }
                        Draw {
                            replication,
                            factors,
                            origin_preserved: origin.share(),
                            subscriber_identified: identified.share(),
                        }
                    });
                    results.lock().expect("no worker panics holding it").push(outcome);
                }
            });
        }
    });
    let mut draws = results.into_inner().expect("the workers are done").into_iter().collect::<Result<Vec<_>, _>>()?;
    draws.sort_by_key(|d| d.replication);
    Ok(Uncertainty::of(scenario, seed, horizon_ms, parameters, draws))
}

impl Uncertainty {
    fn of(
        scenario: &Scenario,
        seed: u64,
        horizon_ms: i64,
        parameters: Vec<Assumption>,
        draws: Vec<Draw>,
    ) -> Uncertainty {
        let mut spreads = Vec::new();
        let mut coefficients: Vec<Vec<f64>> = Vec::new();
        for (outcome, pick) in [
            (Metric::OriginPreserved, (|d: &Draw| d.origin_preserved) as fn(&Draw) -> Option<f64>),
            (Metric::SubscriberIdentified, |d: &Draw| d.subscriber_identified),
        ] {
            let measured: Vec<&Draw> = draws.iter().filter(|d| pick(d).is_some()).collect();
            let shares: Vec<f64> = measured.iter().filter_map(|d| pick(d)).collect();
            if shares.is_empty() {
                coefficients.push(vec![0.0; parameters.len()]);
                continue;
            }
            let inputs: Vec<Vec<f64>> =
                (0..parameters.len()).map(|i| measured.iter().map(|d| d.factors[i]).collect()).collect();
            let (betas, r_squared) = rank_regression(&inputs, &shares);
            coefficients.push(betas);
            let mut sorted = shares.clone();
            sorted.sort_by(f64::total_cmp);
            spreads.push(Spread {
                outcome,
                mean: shares.iter().sum::<f64>() / shares.len() as f64,
                low: percentile(&sorted, 0.025),
                high: percentile(&sorted, 0.975),
                r_squared,
            });
        }
        let mut shares: Vec<Share> = parameters
            .iter()
            .enumerate()
            .map(|(i, &parameter)| Share {
                parameter,
                origin_preserved: coefficients[0][i].powi(2),
                subscriber_identified: coefficients[1][i].powi(2),
            })
            .collect();
        let key = |s: &Share| s.origin_preserved.max(s.subscriber_identified);
        shares.sort_by(|a, b| key(b).total_cmp(&key(a)));
        Uncertainty {
            format: FORMAT,
            scenario: ScenarioInfo::new(scenario),
            seed,
            replications: draws.len() as u64,
            horizon_ms,
            drawn: format!(
                "each assumed figure independently, log-uniform from 1/{RANGE} to {RANGE} times its default, afresh for \
                 every replication (probabilities kept within 0 and 1; the 24/7 share also draws which desks)"
            ),
            spreads,
            shares,
            draws,
        }
    }

    pub fn to_json(&self) -> String {
        crate::units::to_json(self)
    }

    pub fn render_text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "pocnet uncertainty: {}", self.scenario.name);
        let _ = writeln!(
            out,
            "{} (seed {}), {}",
            crate::units::count(self.replications, "replication", "replications"),
            self.seed,
            self.drawn
        );
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "Within {} of the report           mean   95% of worlds (assumed figures and chance; these incidents)",
            fmt_horizon(self.horizon_ms)
        );
        for spread in &self.spreads {
            let what = match spread.outcome {
                Metric::OriginPreserved => "Origin found and data held",
                _ => "Subscriber identified (usable)",
            };
            let _ = writeln!(
                out,
                "{what:<33} {:5.1}%   [{:5.1}, {:5.1}]",
                100.0 * spread.mean,
                100.0 * spread.low,
                100.0 * spread.high
            );
        }
        let _ = writeln!(out);
        let r2: Vec<String> = self.spreads.iter().map(|s| format!("{:.2}", s.r_squared)).collect();
        let _ = writeln!(
            out,
            "Share of the variance, by assumed figure (standardized rank regression, R² {}):",
            r2.join(" and ")
        );
        let _ = writeln!(out, "  {:<28} {:>17} {:>22}", "figure", "origin preserved", "subscriber identified");
        for share in &self.shares {
            let _ = writeln!(
                out,
                "  {:<28} {:>16.0}% {:>21.0}%",
                share.parameter.name(),
                100.0 * share.origin_preserved,
                100.0 * share.subscriber_identified
            );
        }
        let _ = writeln!(
            out,
            "(the incidents are the scenario's own: for the network's interval over incidents, see `pocnet run \
             --replications`; docs/report.md)"
        );
        out
    }
}

/// The `q`-th percentile of sorted values (linear between ranks).
fn percentile(sorted: &[f64], q: f64) -> f64 {
    let position = q * (sorted.len() - 1) as f64;
    let (below, above) = (position.floor() as usize, position.ceil() as usize);
    sorted[below] + (sorted[above] - sorted[below]) * (position - below as f64)
}

/// Ranks, ties sharing the mean of their ranks.
fn ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut ranks = vec![0.0; values.len()];
    let mut start = 0;
    while start < order.len() {
        let mut end = start;
        while end + 1 < order.len() && values[order[end + 1]] == values[order[start]] {
            end += 1;
        }
        let rank = (start + end) as f64 / 2.0 + 1.0;
        for &i in &order[start..=end] {
            ranks[i] = rank;
        }
        start = end + 1;
    }
    ranks
}

/// Standardizes to mean 0 and standard deviation 1 (a constant: all 0).
fn standardized(values: &[f64]) -> Vec<f64> {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let sd = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt();
    values.iter().map(|v| if sd > 0.0 { (v - mean) / sd } else { 0.0 }).collect()
}

/// The standardized rank regression coefficients of `output` on `inputs`
/// (each a column of values), and the regression's R².
fn rank_regression(inputs: &[Vec<f64>], output: &[f64]) -> (Vec<f64>, f64) {
    let n = output.len();
    let y = standardized(&ranks(output));
    let columns: Vec<Vec<f64>> = inputs.iter().map(|x| standardized(&ranks(x))).collect();
    if n <= columns.len() + 1 || y.iter().all(|v| *v == 0.0) {
        return (vec![0.0; columns.len()], 0.0);
    }
    let x = nalgebra::DMatrix::from_fn(n, columns.len(), |row, column| columns[column][row]);
    let target = nalgebra::DVector::from_column_slice(&y);
    let betas = x.clone().svd(true, true).solve(&target, 1e-12).map(|b| b.iter().copied().collect::<Vec<_>>());
    let betas = betas.unwrap_or_else(|_| vec![0.0; columns.len()]);
    let fitted = &x * nalgebra::DVector::from_column_slice(&betas);
    let residual: f64 = (target - fitted).iter().map(|r| r * r).sum();
    let total: f64 = y.iter().map(|v| v * v).sum();
    (betas, (1.0 - residual / total).clamp(0.0, 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// y = 3·x1 + x2 with independent uniform inputs and no noise: the
    /// regression explains it all, and x1 takes about nine tenths.
    #[test]
    fn rank_regression_finds_the_input_that_drives_the_output() {
        let n = 400;
        let x1: Vec<f64> = (0..n).map(|i| ((i * 7919) % n) as f64 / n as f64).collect();
        let x2: Vec<f64> = (0..n).map(|i| ((i * 104_729) % n) as f64 / n as f64).collect();
        let y: Vec<f64> = x1.iter().zip(&x2).map(|(a, b)| 3.0 * a + b).collect();
        let (betas, r_squared) = rank_regression(&[x1, x2], &y);
        assert!(r_squared > 0.95, "{r_squared}");
        let shares: Vec<f64> = betas.iter().map(|b| b * b).collect();
        assert!(shares[0] > 0.8 && shares[1] < 0.15, "{shares:?}");
    }

    #[test]
    fn ranks_share_ties_and_percentiles_interpolate() {
        assert_eq!(ranks(&[3.0, 1.0, 3.0, 2.0]), vec![3.5, 1.0, 3.5, 2.0]);
        assert_eq!(percentile(&[0.0, 1.0, 2.0, 3.0, 4.0], 0.5), 2.0);
        assert!((percentile(&[0.0, 10.0], 0.975) - 9.75).abs() < 1e-12);
    }
}
