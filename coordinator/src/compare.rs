//! Comparing variants of a world under common random numbers: every variant
//! runs the same replications with the same seeds, so differences come from
//! the change, not the draws, and are measured pairwise, replication by
//! replication.

use crate::analysis::Aggregate;
use crate::intervals::{Clustered, IntervalKind};
use crate::latency::Measure;
use crate::latency::Stage;
use crate::report::ScenarioInfo;
use crate::scenario::Scenario;
use crate::statistics::{MIN_PAIRS, PairedDifference, Proportion, holm, paired_difference, proportion};
use crate::units::fmt_ms;
use serde::Serialize;
use std::fmt::Write as _;

pub const FORMAT: &str = "pocnet-comparison/3";

/// One world to compare, with the label it goes by ("strategy=relay", a file name).
pub struct Variant {
    pub label: String,
    pub scenario: Scenario,
}

#[derive(Debug, Serialize)]
pub struct Comparison {
    pub format: &'static str,
    pub seed: u64,
    pub replications: u64,
    /// The kind of interval the text shows beside each share (JSON has both).
    pub interval: IntervalKind,
    /// Shares are counted within this long of the report.
    pub horizon_ms: i64,
    /// The first variant; every difference is `variant - baseline`.
    pub baseline: String,
    pub variants: Vec<VariantSummary>,
    pub differences: Vec<Difference>,
}

#[derive(Debug, Serialize)]
pub struct VariantSummary {
    pub label: String,
    pub scenario: ScenarioInfo,
    pub origin_preserved: Proportion,
    pub subscriber_identified: Proportion,
    /// Traces with a legal defect (an MLA request resting on an informal referral).
    pub defective: Proportion,
    pub goals: Vec<MeasureCompliance>,
    pub end_to_end_p50_ms: Option<u64>,
    pub end_to_end_p90_ms: Option<u64>,
}

#[derive(Debug, Serialize)]
pub struct MeasureCompliance {
    pub measure: Measure,
    pub compliance: Proportion,
    /// The assumed figures that alone make the time measured (its compliance is their spread).
    pub assumed: Vec<crate::sensitivity::Assumption>,
}

pub use crate::analysis::Metric;

#[derive(Debug, Serialize)]
pub struct Difference {
    pub variant: String,
    pub metric: Metric,
    /// Mean over replications of the per-replication share, variant minus baseline.
    pub difference: PairedDifference,
    /// The trials each side counted over the paired replications: traces,
    /// or requests for a goal, which a change of route can multiply.
    pub baseline_trials: u64,
    pub variant_trials: u64,
    /// Whether it stays significant when every difference of the comparison
    /// is tested at once (Holm); `None` where too few pairs judge it.
    pub significant_after_holm: Option<bool>,
}

impl Difference {
    pub fn denominators_differ(&self) -> bool {
        self.baseline_trials != self.variant_trials
    }
}

impl Comparison {
    /// `results` holds each variant's aggregate, baseline first.
    pub fn build(seed: u64, interval: IntervalKind, results: &[(&Variant, &Aggregate)]) -> Comparison {
        let Some((baseline, baseline_aggregate)) = results.first() else {
            return Comparison {
                format: FORMAT,
                seed,
                interval,
                horizon_ms: crate::analysis::DEFAULT_HORIZON_MS,
                replications: 0,
                baseline: String::new(),
                variants: Vec::new(),
                differences: Vec::new(),
            };
        };
        let measures: Vec<Measure> = baseline.scenario.goals.goals.iter().map(|g| g.measure).collect();
        let assumed = |scenario: &Scenario, measure: Measure| {
            let goal = scenario.goals.goals.iter().find(|g| g.measure == measure);
            goal.map(|g| crate::sensitivity::Assumption::deciding(g, scenario)).unwrap_or_default()
        };
        let mut metrics = Metric::all(measures.iter().copied());
        metrics.insert(2, Metric::Defective);
        let variants = results
            .iter()
            .map(|(variant, aggregate)| {
                let end_to_end = aggregate.stages.get(&Stage::EndToEnd);
                VariantSummary {
                    label: variant.label.clone(),
                    scenario: ScenarioInfo::new(&variant.scenario),
                    origin_preserved: Proportion::of(&aggregate.origin),
                    subscriber_identified: Proportion::of(&aggregate.identified),
                    defective: Proportion::of(&aggregate.defective),
                    goals: measures
                        .iter()
                        .map(|&measure| MeasureCompliance {
                            measure,
                            compliance: Proportion::of(aggregate.goals.get(&measure).unwrap_or(&Clustered::default())),
                            assumed: assumed(&variant.scenario, measure),
                        })
                        .collect(),
                    end_to_end_p50_ms: end_to_end.map(|h| h.value_at_quantile(0.5)),
                    end_to_end_p90_ms: end_to_end.map(|h| h.value_at_quantile(0.9)),
                }
            })
            .collect();
        let mut differences = Vec::new();
        for (variant, aggregate) in &results[1..] {
            for &metric in &metrics {
                // Pairs only where both worlds measured something in that replication.
                let paired: Vec<_> = baseline_aggregate
                    .per_replication
                    .iter()
                    .zip(&aggregate.per_replication)
                    .filter(|(a, b)| metric.share(a).is_some() && metric.share(b).is_some())
                    .collect();
                let trials = |side: &dyn Fn(&(_, _)) -> u64| paired.iter().map(side).sum::<u64>();
                let pairs = paired.iter().filter_map(|(a, b)| metric.share(a).zip(metric.share(b)));
                if let Some(difference) = paired_difference(pairs) {
                    differences.push(Difference {
                        variant: variant.label.clone(),
                        metric,
                        difference,
                        baseline_trials: trials(&|(a, _)| metric.trials(a)),
                        variant_trials: trials(&|(_, b)| metric.trials(b)),
                        significant_after_holm: None,
                    });
                }
            }
        }
        // Judged together: the more rows compared, the more look significant by chance.
        let p_values: Vec<Option<f64>> =
            differences.iter().map(|d| d.difference.significant.and(d.difference.p_value)).collect();
        for (difference, holds) in differences.iter_mut().zip(holm(&p_values)) {
            difference.significant_after_holm = holds;
        }
        Comparison {
            format: FORMAT,
            seed,
            interval,
            horizon_ms: baseline_aggregate.horizon_ms,
            replications: baseline_aggregate.replications,
            baseline: baseline.label.clone(),
            variants,
            differences,
        }
    }

    pub fn to_json(&self) -> String {
        crate::units::to_json(self)
    }

    pub fn render_text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "pocnet compare: {} per variant, common random numbers (seed {})",
            crate::units::count(self.replications, "replication", "replications"),
            self.seed
        );
        let width = self.variants.iter().map(|v| v.label.len()).max().unwrap_or(0).max(12) + 11;
        let horizon = crate::units::fmt_horizon(self.horizon_ms);
        let kind = self.interval;
        let section = |out: &mut String, title: &str, metric: Metric, pick: &dyn Fn(&VariantSummary) -> &Proportion| {
            let _ = writeln!(out);
            let _ = writeln!(out, "{title}");
            for (i, variant) in self.variants.iter().enumerate() {
                let label = if i == 0 { format!("{} (baseline)", variant.label) } else { variant.label.clone() };
                let mut line = format!("  {label:<width$} {}", proportion(pick(variant), kind));
                if let Some(d) = self.differences.iter().find(|d| d.variant == variant.label && d.metric == metric) {
                    let _ = write!(line, "   {}", d.difference.describe());
                    if d.difference.significant == Some(true) && d.significant_after_holm == Some(false) {
                        line.push_str(" ‡");
                    }
                    if d.denominators_differ() {
                        let _ = write!(
                            line,
                            "\n  {:width$}   denominators differ: {} trials in the baseline, {} here, so the shares are of different things",
                            "", d.baseline_trials, d.variant_trials
                        );
                    }
                }
                let _ = writeln!(out, "{line}");
            }
        };
        section(
            &mut out,
            &format!("Origin found and its data held, within {horizon}"),
            Metric::OriginPreserved,
            &|v| &v.origin_preserved,
        );
        section(
            &mut out,
            &format!("Subscriber identified, usable as evidence, within {horizon}"),
            Metric::SubscriberIdentified,
            &|v| &v.subscriber_identified,
        );
        // Shown where any variant has one: a gain in identifications that
        // rests on informal referrals is no gain a court would take.
        if self.variants.iter().any(|v| v.defective.successes > 0) {
            section(
                &mut out,
                "With a legal defect (an MLA request resting on an informal referral)",
                Metric::Defective,
                &|v| &v.defective,
            );
        }
        let measures: Vec<Measure> =
            self.variants.first().map(|v| v.goals.iter().map(|g| g.measure).collect()).unwrap_or_default();
        for measure in measures {
            let mut title = format!("Goal: {}", measure.name());
            let assumed = self.variants.first().and_then(|v| v.goals.iter().find(|g| g.measure == measure));
            if let Some(goal) = assumed.filter(|g| !g.assumed.is_empty()) {
                let names: Vec<&str> = goal.assumed.iter().map(|a| a.name()).collect();
                let _ = write!(title, " (ASSUMED: the spread of {}, not a finding)", names.join(", "));
            }
            section(&mut out, &title, Metric::Goal(measure), &|v| {
                v.goals.iter().find(|g| g.measure == measure).map(|g| &g.compliance).unwrap_or(&NOTHING)
            });
        }
        let _ = writeln!(out);
        let _ = writeln!(out, "End to end, report to origin preserved (p50 / p90):");
        for variant in &self.variants {
            let show = |v: Option<u64>| v.map_or_else(|| "-".to_owned(), |ms| fmt_ms(ms as i64));
            let _ = writeln!(
                out,
                "  {:<width$} {} / {}",
                variant.label,
                show(variant.end_to_end_p50_ms),
                show(variant.end_to_end_p90_ms)
            );
        }
        let _ = writeln!(out);
        let _ = writeln!(out, "[ ] 95% interval of each share; {}", kind.covers());
        let _ = writeln!(
            out,
            "Δ: the mean per-replication difference from the baseline in percentage points, with the paired t-test's \
             95% interval over replications run on the same random numbers; \"significant\" when it excludes 0, \
             judged from {MIN_PAIRS} paired replications up."
        );
        let tested = self.differences.iter().filter(|d| d.difference.significant.is_some()).count();
        if tested > 1 {
            let _ = writeln!(
                out,
                "{tested} differences are judged here: at 5% each, about {:.1} would look significant by chance alone; \
                 ‡ marks one that does not stay significant when all are judged together (Holm's adjustment).",
                tested as f64 / 20.0
            );
        }
        out
    }
}

/// A share nothing measured, for a goal a variant lacks.
static NOTHING: Proportion = Proportion { trials: 0, successes: 0, share: None, intervals: Vec::new() };
