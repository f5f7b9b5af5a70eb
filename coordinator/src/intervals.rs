//! Intervals that say what they cover. A study's share (of traces that
//! reached the origin, say) is a ratio of counts that cluster twice: by
//! replication (the same incidents answered again, with fresh chance) and by
//! incident (the same incident answered in every replication). Which
//! clusters the interval is drawn over decides the question it answers:
//!
//! - *this world* (`ThisWorld`): the scenario's incidents and figures fixed;
//!   the only uncertainty is the simulation's chance, so the replications
//!   are the clusters. It narrows as replications are added.
//! - *the network* (`Network`): the incidents taken as a sample of the cases
//!   such a network meets, so the incidents are the clusters (a cluster
//!   over every replication of one incident). It narrows only with more
//!   incidents: 200 replications of 1,000 incidents are 1,000 cases, not
//!   200,000.
//!
//! Both are the ratio estimator's cluster-robust (linearisation) variance
//! (Cochran, *Sampling Techniques*, 3rd ed., 1977, §6.11; Williams 2000,
//! Biometrics 56:645), turned into a 95% interval by Wilson's score formula
//! on the effective number of trials (Kish's design effect), with Student's t
//! on clusters − 1 degrees of freedom: the idea of Korn & Graubard (1998,
//! Survey Methodology 24:193) with Wilson's interval in place of
//! Clopper-Pearson's. The interval stays inside [0, 1]; at a share of 0 or
//! 1, where clusters cannot disagree, it is Wilson's over the clusters
//! rather than a point. The sums are kept in integers, so a
//! study merged from shards has exactly the sums of one run.

use crate::statistics::Tally;
use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, StudentsT};

/// What an interval covers.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, clap::ValueEnum,
)]
#[serde(rename_all = "snake_case")]
#[value(rename_all = "kebab-case")]
pub enum IntervalKind {
    /// Incidents and figures fixed: the simulation's chance only.
    ThisWorld,
    /// The incidents as a sample of the cases a network meets.
    #[default]
    Network,
}

impl IntervalKind {
    pub const ALL: [IntervalKind; 2] = [IntervalKind::Network, IntervalKind::ThisWorld];

    /// How text reports tag an interval, briefly.
    pub fn tag(self) -> &'static str {
        match self {
            IntervalKind::ThisWorld => "this world",
            IntervalKind::Network => "network",
        }
    }

    /// The value `--interval` takes for it.
    pub fn flag(self) -> &'static str {
        match self {
            IntervalKind::ThisWorld => "this-world",
            IntervalKind::Network => "network",
        }
    }

    /// What the interval covers, as the legend of a report says it.
    pub fn covers(self) -> &'static str {
        match self {
            IntervalKind::ThisWorld => {
                "this world: these incidents and figures, again and again; only the simulation's chance varies \
                 (clusters: replications)"
            }
            IntervalKind::Network => {
                "the network: these incidents taken as a sample of the cases such a network meets \
                 (clusters: incidents, each over all its replications)"
            }
        }
    }

    /// The method, for the JSON legend.
    pub fn method(self) -> &'static str {
        "ratio estimator, cluster-robust variance; Wilson score interval on the effective number of trials, \
         Student's t on clusters - 1 degrees of freedom (docs/report.md)"
    }
}

/// A 95% interval and what it covers.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    pub kind: IntervalKind,
    pub low: f64,
    pub high: f64,
    /// The clusters it was drawn over (replications or incidents).
    pub clusters: u64,
}

/// Sums over clusters of a ratio's numerator `s` and denominator `t`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterSums {
    /// Clusters that measured something (`t > 0`).
    pub clusters: u64,
    pub s: u64,
    pub t: u64,
    pub ss: u128,
    pub st: u128,
    pub tt: u128,
}

impl ClusterSums {
    /// Adds one cluster's count; a cluster that measured nothing is no cluster.
    pub fn add(&mut self, tally: Tally) {
        if tally.trials == 0 {
            return;
        }
        let (s, t) = (u128::from(tally.successes), u128::from(tally.trials));
        self.clusters += 1;
        self.s += tally.successes;
        self.t += tally.trials;
        self.ss += s * s;
        self.st += s * t;
        self.tt += t * t;
    }

    /// The count over every cluster.
    pub fn total(&self) -> Tally {
        Tally { trials: self.t, successes: self.s }
    }

    /// Adds the sums of other clusters; an overflow is an error, never a wrapped sum.
    pub fn merge(&mut self, other: ClusterSums) -> Result<(), String> {
        let overflow = || "counts beyond any study's: the sums overflow".to_owned();
        self.clusters = self.clusters.checked_add(other.clusters).ok_or_else(overflow)?;
        self.s = self.s.checked_add(other.s).ok_or_else(overflow)?;
        self.t = self.t.checked_add(other.t).ok_or_else(overflow)?;
        self.ss = self.ss.checked_add(other.ss).ok_or_else(overflow)?;
        self.st = self.st.checked_add(other.st).ok_or_else(overflow)?;
        self.tt = self.tt.checked_add(other.tt).ok_or_else(overflow)?;
        Ok(())
    }

    /// Whether the sums can be those of real clusters.
    pub fn check(&self, what: &str) -> Result<(), String> {
        if self.s > self.t || self.clusters > self.t || self.ss > self.st || self.st > self.tt {
            return Err(format!("{what}: cluster sums no set of counts adds up to"));
        }
        Ok(())
    }

    /// The 95% interval of `s / t` over these clusters; `None` with fewer
    /// than two clusters, where no variance between clusters exists.
    pub fn interval(&self, kind: IntervalKind) -> Option<Interval> {
        if self.clusters < 2 || self.t == 0 {
            return None;
        }
        let (s, t, k) = (self.s as f64, self.t as f64, self.clusters as f64);
        let p = s / t;
        // Σ (s_i - p t_i)² · t² = t²·Σs² - 2·s·t·Σst + s²·Σt², exact in integers.
        let (s_i, t_i) = (i128::from(self.s), i128::from(self.t));
        let residual = t_i
            .checked_mul(t_i)
            .and_then(|tt| tt.checked_mul(self.ss as i128))
            .zip(s_i.checked_mul(t_i).and_then(|st| st.checked_mul(2)).and_then(|st| st.checked_mul(self.st as i128)))
            .zip(s_i.checked_mul(s_i).and_then(|ss| ss.checked_mul(self.tt as i128)))
            .map(|((a, b), c)| (a - b + c) as f64 / (t * t))
            // Sums too large for exact integers: the same formula in floating point.
            .unwrap_or_else(|| (self.ss as f64 - 2.0 * p * self.st as f64 + p * p * self.tt as f64).max(0.0));
        let variance = k / (k - 1.0) * residual.max(0.0) / (t * t);
        // Kish's effective number of trials: fewer than the trials where
        // clusters disagree more than independent trials would (incidents
        // that always or never get through), more where they disagree less
        // (the same incidents in every replication). At a share of 0 or 1
        // the clusters cannot disagree, and each counts once: a hundred
        // traces of one incident that always survives are one case.
        let interior = p > 0.0 && p < 1.0;
        if interior && variance == 0.0 {
            // Every cluster the same share: nothing in them varies.
            return Some(Interval { kind, low: p, high: p, clusters: self.clusters });
        }
        let effective = if interior { p * (1.0 - p) / variance } else { k };
        let z = StudentsT::new(0.0, 1.0, k - 1.0).expect("at least one degree of freedom").inverse_cdf(0.975);
        let (low, high) = wilson(p, effective, z);
        Some(Interval { kind, low, high, clusters: self.clusters })
    }
}

/// Wilson's score interval for a share `p` of `n` trials, at quantile `z`.
fn wilson(p: f64, n: f64, z: f64) -> (f64, f64) {
    let z2 = z * z;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = z / (1.0 + z2 / n) * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

/// A share counted both ways: by replication and by incident.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clustered {
    pub by_replication: ClusterSums,
    /// Per incident, by its place in the scenario, over every replication.
    pub by_incident: Vec<Tally>,
    /// This replication's count, until `end_replication`.
    #[serde(skip)]
    current: Tally,
}

impl Clustered {
    /// Counts one trial of incident `incident` in the current replication.
    pub fn add(&mut self, incident: usize, success: bool) {
        if self.by_incident.len() <= incident {
            self.by_incident.resize(incident + 1, Tally::default());
        }
        self.by_incident[incident].add(success);
        self.current.add(success);
    }

    /// Closes the current replication: its count becomes one cluster.
    pub fn end_replication(&mut self) {
        self.by_replication.add(std::mem::take(&mut self.current));
    }

    pub fn total(&self) -> Tally {
        Tally { trials: self.by_replication.t, successes: self.by_replication.s }
    }

    /// The sums over incidents, from the per-incident counts.
    pub fn by_incident_sums(&self) -> ClusterSums {
        let mut sums = ClusterSums::default();
        for &tally in &self.by_incident {
            sums.add(tally);
        }
        sums
    }

    pub fn interval(&self, kind: IntervalKind) -> Option<Interval> {
        match kind {
            IntervalKind::ThisWorld => self.by_replication.interval(kind),
            IntervalKind::Network => self.by_incident_sums().interval(kind),
        }
    }

    /// Appends the replications that follow: per-incident counts add up.
    pub fn merge(&mut self, next: &Clustered) -> Result<(), String> {
        self.by_replication.merge(next.by_replication)?;
        if self.by_incident.len() < next.by_incident.len() {
            self.by_incident.resize(next.by_incident.len(), Tally::default());
        }
        for (into, &from) in self.by_incident.iter_mut().zip(&next.by_incident) {
            into.merge(from)?;
        }
        Ok(())
    }

    /// Whether the two ways of counting agree, as they must.
    pub fn check(&self, what: &str) -> Result<(), String> {
        self.by_replication.check(what)?;
        let incidents = self.by_incident_sums();
        if (incidents.s, incidents.t) != (self.by_replication.s, self.by_replication.t) {
            return Err(format!(
                "{what}: {} of {} by incident but {} of {} by replication",
                incidents.s, incidents.t, self.by_replication.s, self.by_replication.t
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sums(clusters: &[(u64, u64)]) -> ClusterSums {
        let mut sums = ClusterSums::default();
        for &(successes, trials) in clusters {
            sums.add(Tally { trials, successes });
        }
        sums
    }

    /// With equal cluster sizes the ratio's variance is that of the
    /// cluster shares over k: 5 clusters of 10 with shares .2 .4 .6 .8 1.0
    /// have mean .6, sample variance .1, so a standard error of √(.1/5) = .1414.
    #[test]
    fn the_cluster_variance_is_the_textbook_one_for_equal_clusters() {
        let s = sums(&[(2, 10), (4, 10), (6, 10), (8, 10), (10, 10)]);
        let interval = s.interval(IntervalKind::Network).unwrap();
        let t4 = 2.776_445_105_197_799;
        // Wilson on n_eff = .24/.02 = 12 with z = t(4): centre and half-width by hand.
        let (n, p, z2) = (12.0_f64, 0.6_f64, t4 * t4);
        let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
        let half = t4 / (1.0 + z2 / n) * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
        assert!((interval.low - (centre - half)).abs() < 1e-9, "{interval:?}");
        assert!((interval.high - (centre + half)).abs() < 1e-9, "{interval:?}");
    }

    /// Clusters that all agree give an interval, not a point, and no
    /// interval exists with a single cluster.
    #[test]
    fn agreeing_clusters_still_give_an_honest_width_and_one_cluster_none() {
        let all = sums(&[(10, 10); 20]).interval(IntervalKind::ThisWorld).unwrap();
        assert_eq!(all.high, 1.0);
        assert!(all.low < 0.9 && all.low > 0.7, "{all:?}");
        assert_eq!(sums(&[(3, 10)]).interval(IntervalKind::ThisWorld), None);
    }

    /// Per-incident counts and per-replication sums are the same counts.
    #[test]
    fn both_ways_of_counting_add_up_to_the_same_total_and_merge_exactly() {
        let mut first = Clustered::default();
        let mut second = Clustered::default();
        for (replication, clustered) in [(0, &mut first), (1, &mut second)] {
            for incident in 0..5 {
                clustered.add(incident, (incident + replication) % 2 == 0);
            }
            clustered.end_replication();
        }
        first.merge(&second).unwrap();
        first.check("test").unwrap();
        assert_eq!(first.total(), Tally { trials: 10, successes: 5 });
        assert_eq!(first.by_replication.clusters, 2);
        assert_eq!(first.by_incident_sums().clusters, 5);
    }
}
