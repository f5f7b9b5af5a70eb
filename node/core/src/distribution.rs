//! Delay distributions as people state them: "median 30 minutes, 90% within 2 hours".

use crate::constraint::MAX_DELAY_MS;
use rand_chacha::ChaCha8Rng;
use rand_distr::Distribution as _;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// z-score of the 90th percentile of the standard normal distribution.
const Z_P90: f64 = 1.281_551_565_544_600_4;

/// A delay distribution over milliseconds; validated at the edge, so every
/// variant here is well formed (non-negative, p90 ≥ median, min ≤ max).
#[derive(Debug, PartialEq)]
pub enum Distribution {
    Fixed {
        ms: i64,
    },
    /// Log-normal fitted to a median and a 90th percentile. Made with
    /// [`Distribution::log_normal`], and never changed in place: `fit` is
    /// worked out from the two figures at the first draw.
    LogNormal {
        median_ms: i64,
        p90_ms: i64,
        fit: Fit,
    },
    Exponential {
        mean_ms: i64,
    },
    Uniform {
        min_ms: i64,
        max_ms: i64,
    },
}

/// A log-normal law's parameters `(mu, sigma)`, worked out from its median
/// and 90th percentile at its first draw and kept: two logarithms a draw
/// were 3% of a run's instructions. Equal whatever it holds (the median and
/// percentile decide it), and a `const` default can hold one not yet fitted.
///
/// Kept as the bits of two floats rather than in a `OnceLock`, whose every
/// copy went through its one-time initialisation again (a study copies its
/// laws for every replication). Threads that fit one law at once each work
/// out and store the same two numbers, so no order between them matters.
#[derive(Debug)]
pub struct Fit {
    mu: AtomicU64,
    sigma: AtomicU64,
}

/// The bits of a NaN no fit yields: a fitted law's median and percentile
/// are positive, so both parameters are finite.
const UNFITTED: u64 = u64::MAX;

impl Fit {
    pub const fn new() -> Fit {
        Fit { mu: AtomicU64::new(UNFITTED), sigma: AtomicU64::new(UNFITTED) }
    }

    /// `(mu, sigma)` of the law with this median (positive) and 90th percentile.
    fn parameters(&self, median_ms: i64, p90_ms: i64) -> (f64, f64) {
        let (mu, sigma) = (self.mu.load(Relaxed), self.sigma.load(Relaxed));
        if mu != UNFITTED && sigma != UNFITTED {
            return (f64::from_bits(mu), f64::from_bits(sigma));
        }
        let mu = (median_ms as f64).ln();
        let sigma = ((p90_ms as f64).ln() - mu) / Z_P90;
        self.mu.store(mu.to_bits(), Relaxed);
        self.sigma.store(sigma.to_bits(), Relaxed);
        (mu, sigma)
    }
}

impl Default for Fit {
    fn default() -> Fit {
        Fit::new()
    }
}

impl Clone for Fit {
    fn clone(&self) -> Fit {
        Fit { mu: AtomicU64::new(self.mu.load(Relaxed)), sigma: AtomicU64::new(self.sigma.load(Relaxed)) }
    }
}

impl PartialEq for Fit {
    fn eq(&self, _: &Fit) -> bool {
        true
    }
}

/// A log-normal law is fitted before it is copied, so that its copies
/// share the fit instead of each working it out again: a study copies
/// every node's configuration, laws and all, for every replication.
impl Clone for Distribution {
    fn clone(&self) -> Self {
        match *self {
            Distribution::Fixed { ms } => Distribution::Fixed { ms },
            Distribution::LogNormal { median_ms, p90_ms, ref fit } => {
                if median_ms > 0 {
                    fit.parameters(median_ms, p90_ms);
                }
                Distribution::LogNormal { median_ms, p90_ms, fit: fit.clone() }
            }
            Distribution::Exponential { mean_ms } => Distribution::Exponential { mean_ms },
            Distribution::Uniform { min_ms, max_ms } => Distribution::Uniform { min_ms, max_ms },
        }
    }
}

impl Distribution {
    /// The log-normal law with this median and 90th percentile.
    pub const fn log_normal(median_ms: i64, p90_ms: i64) -> Distribution {
        Distribution::LogNormal { median_ms, p90_ms, fit: Fit::new() }
    }

    /// Draws one delay in whole milliseconds.
    pub fn sample(&self, rng: &mut ChaCha8Rng) -> i64 {
        match *self {
            Distribution::Fixed { ms } => ms,
            Distribution::LogNormal { median_ms, p90_ms, ref fit } => {
                if median_ms <= 0 {
                    return 0;
                }
                let (mu, sigma) = fit.parameters(median_ms, p90_ms);
                if sigma <= 0.0 {
                    return median_ms;
                }
                let law = rand_distr::LogNormal::new(mu, sigma).expect("sigma is positive and finite after validation");
                round_ms(law.sample(rng))
            }
            Distribution::Exponential { mean_ms } => {
                if mean_ms <= 0 {
                    return 0;
                }
                let law = rand_distr::Exp::new(1.0 / mean_ms as f64).expect("rate is positive after validation");
                round_ms(law.sample(rng))
            }
            Distribution::Uniform { min_ms, max_ms } => {
                let law = rand_distr::Uniform::new_inclusive(min_ms, max_ms).expect("min <= max after validation");
                law.sample(rng)
            }
        }
    }

    /// Checks the invariants the sampler relies on; the scenario loader and
    /// the gRPC edge both call it, so a node never holds a malformed law.
    /// The same law with every duration multiplied by `factor` (a sensitivity
    /// sweep's "half" or "double"), kept within [`MAX_DELAY_MS`] and valid.
    pub fn scaled(&self, factor: f64) -> Distribution {
        let scale = |ms: i64| ((ms as f64 * factor).round() as i64).clamp(0, MAX_DELAY_MS);
        match *self {
            Distribution::Fixed { ms } => Distribution::Fixed { ms: scale(ms) },
            Distribution::LogNormal { median_ms, p90_ms, .. } => {
                Distribution::log_normal(scale(median_ms), scale(p90_ms))
            }
            Distribution::Exponential { mean_ms } => Distribution::Exponential { mean_ms: scale(mean_ms) },
            Distribution::Uniform { min_ms, max_ms } => {
                Distribution::Uniform { min_ms: scale(min_ms), max_ms: scale(max_ms) }
            }
        }
    }

    pub fn validate(&self) -> Result<(), String> {
        let largest = match *self {
            Distribution::Fixed { ms } => ms,
            Distribution::LogNormal { p90_ms, .. } => p90_ms,
            Distribution::Exponential { mean_ms } => mean_ms,
            Distribution::Uniform { max_ms, .. } => max_ms,
        };
        if largest > MAX_DELAY_MS {
            return Err(format!("a delay of {largest} ms is longer than a century"));
        }
        match *self {
            Distribution::Fixed { ms } if ms < 0 => Err(format!("fixed delay {ms} ms is negative")),
            Distribution::LogNormal { median_ms, p90_ms, .. } if median_ms < 0 || p90_ms < median_ms => {
                Err(format!("log-normal needs 0 <= median <= p90 (got median {median_ms} ms, p90 {p90_ms} ms)"))
            }
            Distribution::Exponential { mean_ms } if mean_ms < 0 => {
                Err(format!("exponential mean {mean_ms} ms is negative"))
            }
            Distribution::Uniform { min_ms, max_ms } if min_ms < 0 || max_ms < min_ms => {
                Err(format!("uniform needs 0 <= min <= max (got min {min_ms} ms, max {max_ms} ms)"))
            }
            _ => Ok(()),
        }
    }
}

fn round_ms(value: f64) -> i64 {
    // Delays beyond a century are a modelling error, not a simulation; clamp
    // rather than overflow.
    value.round().clamp(0.0, 100.0 * 365.0 * 86_400_000.0) as i64
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn draws(law: &Distribution, n: usize) -> Vec<i64> {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let mut v: Vec<i64> = (0..n).map(|_| law.sample(&mut rng)).collect();
        v.sort_unstable();
        v
    }

    #[test]
    fn log_normal_matches_its_median_and_p90() {
        let law = Distribution::log_normal(1_800_000, 7_200_000);
        let v = draws(&law, 20_000);
        let median = v[v.len() / 2] as f64;
        let p90 = v[v.len() * 9 / 10] as f64;
        assert!((median / 1_800_000.0 - 1.0).abs() < 0.05, "median {median}");
        assert!((p90 / 7_200_000.0 - 1.0).abs() < 0.05, "p90 {p90}");
    }

    #[test]
    fn exponential_has_its_mean_and_uniform_stays_in_range() {
        let v = draws(&Distribution::Exponential { mean_ms: 60_000 }, 20_000);
        let mean = v.iter().sum::<i64>() as f64 / v.len() as f64;
        assert!((mean / 60_000.0 - 1.0).abs() < 0.05, "mean {mean}");
        let u = draws(&Distribution::Uniform { min_ms: 10, max_ms: 20 }, 1000);
        assert_eq!((u[0], u[999]), (10, 20));
    }

    #[test]
    fn validate_rejects_p90_below_median_and_negative_delays() {
        assert!(Distribution::log_normal(10, 5).validate().is_err());
        assert!(Distribution::Fixed { ms: -1 }.validate().is_err());
        assert!(Distribution::Uniform { min_ms: 3, max_ms: 2 }.validate().is_err());
        assert!(Distribution::Fixed { ms: 0 }.validate().is_ok());
        let law = Distribution::log_normal(1_000, 4_000);
        assert_eq!(law.scaled(0.5), Distribution::log_normal(500, 2_000));
        assert!(Distribution::Fixed { ms: MAX_DELAY_MS }.scaled(2.0).validate().is_ok(), "stays within bounds");
        assert!(Distribution::Fixed { ms: MAX_DELAY_MS }.validate().is_ok());
        assert!(Distribution::Exponential { mean_ms: MAX_DELAY_MS + 1 }.validate().is_err());
    }
}
