//! Small, exact statistics for the replication report: proportions with
//! Wilson score intervals and paired differences under common random numbers.

use serde::Serialize;

/// z for a two-sided 95% interval.
const Z95: f64 = 1.959_963_984_540_054;

/// A count of successes among trials.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Tally {
    pub trials: u64,
    pub successes: u64,
}

impl Tally {
    pub fn add(&mut self, success: bool) {
        self.trials += 1;
        self.successes += u64::from(success);
    }

    /// Adds another count of the same thing; an overflow (counts no study
    /// reaches: a damaged or forged part) is an error, never a wrapped sum.
    pub fn merge(&mut self, other: Tally) -> Result<(), String> {
        let trials = self.trials.checked_add(other.trials);
        let successes = self.successes.checked_add(other.successes);
        match (trials, successes) {
            (Some(trials), Some(successes)) => {
                *self = Tally { trials, successes };
                Ok(())
            }
            _ => Err("counts beyond any study's: the sums overflow".to_owned()),
        }
    }

    /// Whether the count can be true: no more successes than trials.
    pub fn check(&self, what: &str) -> Result<(), String> {
        if self.successes > self.trials {
            return Err(format!("{what}: {} successes of {} trials", self.successes, self.trials));
        }
        Ok(())
    }

    pub fn share(&self) -> Option<f64> {
        (self.trials > 0).then(|| self.successes as f64 / self.trials as f64)
    }

    /// The Wilson score 95% interval, which stays inside [0, 1] and behaves
    /// at shares near 0 or 1, where the normal approximation does not.
    pub fn wilson95(&self) -> Option<(f64, f64)> {
        let n = self.trials as f64;
        let p = self.share()?;
        let z2 = Z95 * Z95;
        let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
        let half = Z95 / (1.0 + z2 / n) * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
        Some(((centre - half).max(0.0), (centre + half).min(1.0)))
    }
}

/// A proportion with its interval, as reports show it.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Proportion {
    pub trials: u64,
    pub successes: u64,
    pub share: Option<f64>,
    pub ci95_low: Option<f64>,
    pub ci95_high: Option<f64>,
}

impl From<Tally> for Proportion {
    fn from(t: Tally) -> Self {
        let ci = t.wilson95();
        Proportion {
            trials: t.trials,
            successes: t.successes,
            share: t.share(),
            ci95_low: ci.map(|c| c.0),
            ci95_high: ci.map(|c| c.1),
        }
    }
}

/// The mean of paired differences `b - a` with a 95% interval (normal
/// approximation, fine for the hundreds of replications a comparison uses).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct PairedDifference {
    pub pairs: u64,
    pub mean: f64,
    pub ci95_low: f64,
    pub ci95_high: f64,
    /// The interval excludes zero.
    pub significant: bool,
}

pub fn paired_difference(pairs: impl IntoIterator<Item = (f64, f64)>) -> Option<PairedDifference> {
    let diffs: Vec<f64> = pairs.into_iter().map(|(a, b)| b - a).collect();
    let n = diffs.len();
    if n == 0 {
        return None;
    }
    let mean = diffs.iter().sum::<f64>() / n as f64;
    let variance = if n > 1 { diffs.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / (n - 1) as f64 } else { 0.0 };
    let half = Z95 * (variance / n as f64).sqrt();
    let (low, high) = (mean - half, mean + half);
    Some(PairedDifference {
        pairs: n as u64,
        mean,
        ci95_low: low,
        ci95_high: high,
        significant: n > 1 && (low > 0.0 || high < 0.0),
    })
}

/// A share as reports print it: percent, its 95% interval, the counts.
pub fn proportion(p: &Proportion) -> String {
    match (p.share, p.ci95_low, p.ci95_high) {
        (Some(share), Some(low), Some(high)) => format!(
            "{:5.1}%  [{:5.1}, {:5.1}]  {} of {}",
            100.0 * share,
            100.0 * low,
            100.0 * high,
            p.successes,
            p.trials
        ),
        _ => "not applicable".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_interval_matches_a_textbook_value_and_stays_in_bounds() {
        // 81 of 263: Wilson 95% interval 0.2553..0.3662 (Newcombe 1998, example 1 style check).
        let (low, high) = Tally { trials: 263, successes: 81 }.wilson95().unwrap();
        assert!((low - 0.2553).abs() < 0.001 && (high - 0.3662).abs() < 0.001, "{low} {high}");
        let (low, high) = Tally { trials: 10, successes: 10 }.wilson95().unwrap();
        assert!(high <= 1.0 && low > 0.65, "{low} {high}");
        assert_eq!(Tally::default().wilson95(), None);
    }

    #[test]
    fn paired_difference_is_significant_only_when_the_interval_excludes_zero() {
        let shifted = paired_difference((0..100).map(|i| (f64::from(i % 7), f64::from(i % 7) + 1.0))).unwrap();
        assert!(shifted.significant && (shifted.mean - 1.0).abs() < 1e-12);
        let noise = paired_difference((0..100).map(|i| (0.0, if i % 2 == 0 { 1.0 } else { -1.0 }))).unwrap();
        assert!(!noise.significant);
    }
}
