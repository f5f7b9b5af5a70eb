//! Comparing variants of a world under common random numbers: every variant
//! runs the same replications with the same seeds, so differences come from
//! the change, not the draws, and are measured pairwise, replication by
//! replication.

use crate::analysis::Aggregate;
use crate::latency::Measure;
use crate::latency::Stage;
use crate::report::ScenarioInfo;
use crate::scenario::Scenario;
use crate::statistics::proportion;
use crate::statistics::{PairedDifference, Proportion, Tally, paired_difference};
use crate::units::fmt_ms;
use serde::Serialize;
use std::fmt::Write as _;

pub const FORMAT: &str = "pocnet-comparison/2";

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
}

pub use crate::analysis::Metric;

#[derive(Debug, Serialize)]
pub struct Difference {
    pub variant: String,
    pub metric: Metric,
    /// Mean over replications of the per-replication share, variant minus baseline.
    pub difference: PairedDifference,
}

impl Comparison {
    /// `results` holds each variant's aggregate, baseline first.
    pub fn build(seed: u64, results: &[(&Variant, &Aggregate)]) -> Comparison {
        let Some((baseline, baseline_aggregate)) = results.first() else {
            return Comparison {
                format: FORMAT,
                seed,
                replications: 0,
                baseline: String::new(),
                variants: Vec::new(),
                differences: Vec::new(),
            };
        };
        let measures: Vec<Measure> = baseline.scenario.goals.goals.iter().map(|g| g.measure).collect();
        let mut metrics = Metric::all(measures.iter().copied());
        metrics.insert(2, Metric::Defective);
        let variants = results
            .iter()
            .map(|(variant, aggregate)| {
                let end_to_end = aggregate.stages.get(&Stage::EndToEnd);
                VariantSummary {
                    label: variant.label.clone(),
                    scenario: ScenarioInfo::new(&variant.scenario),
                    origin_preserved: aggregate.traces.into(),
                    subscriber_identified: aggregate.subscribers.into(),
                    defective: aggregate.defective.into(),
                    goals: measures
                        .iter()
                        .map(|&measure| MeasureCompliance {
                            measure,
                            compliance: aggregate.goals.get(&measure).copied().unwrap_or(Tally::default()).into(),
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
                let pairs = baseline_aggregate
                    .per_replication
                    .iter()
                    .zip(&aggregate.per_replication)
                    .filter_map(|(a, b)| metric.share(a).zip(metric.share(b)));
                if let Some(difference) = paired_difference(pairs) {
                    differences.push(Difference { variant: variant.label.clone(), metric, difference });
                }
            }
        }
        Comparison {
            format: FORMAT,
            seed,
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
        let section = |out: &mut String, title: &str, metric: Metric, pick: &dyn Fn(&VariantSummary) -> Proportion| {
            let _ = writeln!(out);
            let _ = writeln!(out, "{title}");
            for (i, variant) in self.variants.iter().enumerate() {
                let label = if i == 0 { format!("{} (baseline)", variant.label) } else { variant.label.clone() };
                let mut line = format!("  {label:<width$} {}", proportion(&pick(variant)));
                if let Some(d) = self.differences.iter().find(|d| d.variant == variant.label && d.metric == metric) {
                    let d = &d.difference;
                    let _ = write!(
                        line,
                        "   Δ {:+.1} pts [{:+.1}, {:+.1}] {}",
                        100.0 * d.mean,
                        100.0 * d.ci95_low,
                        100.0 * d.ci95_high,
                        if d.significant { "significant" } else { "not significant" }
                    );
                }
                let _ = writeln!(out, "{line}");
            }
        };
        section(&mut out, "Origin found and its data held", Metric::OriginPreserved, &|v| v.origin_preserved);
        section(&mut out, "Subscriber identified, usable as evidence", Metric::SubscriberIdentified, &|v| {
            v.subscriber_identified
        });
        // Shown where any variant has one: a gain in identifications that
        // rests on informal referrals is no gain a court would take.
        if self.variants.iter().any(|v| v.defective.successes > 0) {
            section(
                &mut out,
                "With a legal defect (an MLA request resting on an informal referral)",
                Metric::Defective,
                &|v| v.defective,
            );
        }
        let measures: Vec<Measure> =
            self.variants.first().map(|v| v.goals.iter().map(|g| g.measure).collect()).unwrap_or_default();
        for measure in measures {
            let title = format!("Goal: {}", measure.name());
            section(&mut out, &title, Metric::Goal(measure), &|v| {
                v.goals.iter().find(|g| g.measure == measure).map_or(Tally::default().into(), |g| g.compliance)
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
        let _ = writeln!(
            out,
            "Δ: mean per-replication difference from the baseline in percentage points, 95% CI; significant when it excludes 0."
        );
        out
    }
}
