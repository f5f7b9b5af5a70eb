//! Small, exact statistics for the replication report: counts, proportions
//! with intervals that say what they cover (`intervals.rs`), and paired
//! differences under common random numbers.

use crate::intervals::{ClusterSums, Clustered, Interval, IntervalKind};
use serde::Serialize;
use statrs::distribution::{ContinuousCDF, StudentsT};

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
}

/// A proportion with its 95% intervals, each saying what it covers.
#[derive(Debug, Clone, Serialize)]
pub struct Proportion {
    pub trials: u64,
    pub successes: u64,
    pub share: Option<f64>,
    /// At most one of each kind; none where fewer than two clusters measured it.
    pub intervals: Vec<Interval>,
}

impl Proportion {
    /// A share counted both ways: both kinds of interval.
    pub fn of(clustered: &Clustered) -> Proportion {
        let total = clustered.total();
        let intervals = IntervalKind::ALL.into_iter().filter_map(|kind| clustered.interval(kind)).collect();
        Proportion { trials: total.trials, successes: total.successes, share: total.share(), intervals }
    }

    /// A share counted by replication only (a country's goals): this world's interval.
    pub fn by_replication(sums: &ClusterSums) -> Proportion {
        let total = Tally { trials: sums.t, successes: sums.s };
        let intervals = sums.interval(IntervalKind::ThisWorld).into_iter().collect();
        Proportion { trials: total.trials, successes: total.successes, share: total.share(), intervals }
    }

    /// The interval of `kind`, or else the one it has.
    pub fn interval(&self, kind: IntervalKind) -> Option<&Interval> {
        self.intervals.iter().find(|i| i.kind == kind).or(self.intervals.first())
    }
}

/// Fewer paired replications than this judge nothing: a difference from
/// them is shown, never called significant or not.
pub const MIN_PAIRS: u64 = 10;

/// The mean of paired differences `b - a` over replications run with the
/// same random numbers, with the paired t-test's 95% interval and p-value
/// (this world's question: what the change does to these incidents).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct PairedDifference {
    pub pairs: u64,
    pub mean: f64,
    /// `None` with fewer than two pairs.
    pub ci95_low: Option<f64>,
    pub ci95_high: Option<f64>,
    /// Two-sided, of the paired t-test; `None` with fewer than two pairs.
    pub p_value: Option<f64>,
    /// Whether the interval excludes zero; `None` with fewer than
    /// [`MIN_PAIRS`] pairs, too few to judge.
    pub significant: Option<bool>,
}

impl PairedDifference {
    /// How reports say it: the shift in points, its interval, the verdict.
    pub fn describe(&self) -> String {
        match (self.ci95_low, self.ci95_high, self.significant) {
            (Some(low), Some(high), Some(significant)) => format!(
                "Δ {:+.1} pts [{:+.1}, {:+.1}] {}",
                100.0 * self.mean,
                100.0 * low,
                100.0 * high,
                if significant { "significant" } else { "not significant" }
            ),
            _ => format!("Δ {:+.1} pts (from {} paired replications: too few to judge)", 100.0 * self.mean, self.pairs),
        }
    }
}

pub fn paired_difference(pairs: impl IntoIterator<Item = (f64, f64)>) -> Option<PairedDifference> {
    let diffs: Vec<f64> = pairs.into_iter().map(|(a, b)| b - a).collect();
    let n = diffs.len();
    if n == 0 {
        return None;
    }
    let mean = diffs.iter().sum::<f64>() / n as f64;
    let (mut low, mut high, mut p_value) = (None, None, None);
    if n > 1 {
        let variance = diffs.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        let se = (variance / n as f64).sqrt();
        let t = StudentsT::new(0.0, 1.0, (n - 1) as f64).expect("at least one degree of freedom");
        let half = t.inverse_cdf(0.975) * se;
        low = Some(mean - half);
        high = Some(mean + half);
        // Every pair the same difference: no doubt, unless that difference is nothing.
        p_value = Some(if se > 0.0 {
            2.0 * (1.0 - t.cdf((mean / se).abs()))
        } else if mean == 0.0 {
            1.0
        } else {
            0.0
        });
    }
    let judged = n as u64 >= MIN_PAIRS;
    let significant = judged.then(|| low.zip(high).is_some_and(|(l, h)| l > 0.0 || h < 0.0));
    Some(PairedDifference { pairs: n as u64, mean, ci95_low: low, ci95_high: high, p_value, significant })
}

/// Holm's step-down adjustment (Holm 1979, Scand. J. Statist. 6:65): which
/// of `p_values` stay significant at 5% familywise when all are tested
/// together. `None` stays `None` (not judged).
pub fn holm(p_values: &[Option<f64>]) -> Vec<Option<bool>> {
    let mut order: Vec<usize> = (0..p_values.len()).filter(|&i| p_values[i].is_some()).collect();
    order.sort_by(|&a, &b| p_values[a].partial_cmp(&p_values[b]).unwrap_or(std::cmp::Ordering::Equal).then(a.cmp(&b)));
    let m = order.len();
    let mut result = vec![None; p_values.len()];
    let mut rejecting = true;
    for (rank, &i) in order.iter().enumerate() {
        let p = p_values[i].unwrap_or(1.0);
        rejecting = rejecting && p <= 0.05 / (m - rank) as f64;
        result[i] = Some(rejecting);
    }
    result
}

/// A share as reports print it: percent, its 95% interval of `kind` (or
/// the one it has) tagged with what it covers, the counts.
pub fn proportion(p: &Proportion, kind: IntervalKind) -> String {
    match (p.share, p.interval(kind)) {
        (Some(share), Some(i)) => format!(
            "{:5.1}%  [{:5.1}, {:5.1}] {:<10}  {} of {}",
            100.0 * share,
            100.0 * i.low,
            100.0 * i.high,
            i.kind.tag(),
            p.successes,
            p.trials
        ),
        (Some(share), None) => format!(
            "{:5.1}%  (no interval: one {} only)  {} of {}",
            100.0 * share,
            if kind == IntervalKind::Network { "incident" } else { "replication" },
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
    fn paired_difference_is_significant_only_when_the_interval_excludes_zero() {
        let shifted = paired_difference((0..100).map(|i| (f64::from(i % 7), f64::from(i % 7) + 1.0))).unwrap();
        assert!(shifted.significant == Some(true) && (shifted.mean - 1.0).abs() < 1e-12);
        let noise = paired_difference((0..100).map(|i| (0.0, if i % 2 == 0 { 1.0 } else { -1.0 }))).unwrap();
        assert_eq!(noise.significant, Some(false));
        // One pair, or a handful, judges nothing.
        let one = paired_difference([(0.2, 0.4)]).unwrap();
        assert_eq!((one.significant, one.ci95_low), (None, None));
        assert!(one.describe().contains("too few to judge"), "{}", one.describe());
        assert_eq!(paired_difference((0..5).map(|_| (0.0, 1.0))).unwrap().significant, None);
    }

    /// Holm's procedure: the smallest p against .05/m, the next against
    /// .05/(m-1), and so on, stopping at the first that fails.
    #[test]
    fn holm_keeps_the_familywise_rate() {
        assert_eq!(holm(&[Some(0.04), Some(0.01), Some(0.02)]), vec![Some(true), Some(true), Some(true)]);
        assert_eq!(holm(&[Some(0.03), Some(0.04), None]), vec![Some(false), Some(false), None]);
        assert_eq!(holm(&[Some(0.001), Some(0.04)]), vec![Some(true), Some(true)]);
        assert_eq!(holm(&[Some(0.001), Some(0.03), Some(0.04)]), vec![Some(true), Some(false), Some(false)]);
    }
}
