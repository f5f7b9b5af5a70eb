//! Which assumption matters: every parameter docs/domain.md marks *assumed*
//! (no published figure) is halved and doubled in turn, one at a time, under
//! common random numbers, and ranked by how far that moves the outcomes.
//! An analyst then knows which figures a conclusion rests on, and which
//! would be worth measuring.

pub use crate::analysis::Metric;
use crate::analysis::{Aggregate, ReplicationOutcome};
use crate::drivers::{NOT_SWEPT, Parameter};
use crate::engine::EngineError;
use crate::intervals::IntervalKind;
use crate::replication::{self, Options};
use crate::report::ScenarioInfo;
use crate::scenario::Scenario;
use crate::statistics::proportion;
use crate::statistics::{PairedDifference, Proportion, paired_difference};
use pocnet_node::country::{Art30, EmergencyDisclosure};

use serde::Serialize;
use std::fmt::Write as _;

/// A world of a study that could not be run.
#[derive(Debug, thiserror::Error)]
#[error("running {world}")]
pub struct StudyError {
    /// Its label: "baseline", or the parameter and side ("detection ×2").
    pub world: String,
    #[source]
    pub error: EngineError,
}

pub const FORMAT: &str = "pocnet-sensitivity/2";

/// A parameter of the model with no published figure behind its default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Assumption {
    /// Every desk's time to handle a request or prepare one (`acknowledgement`).
    DeskHandling,
    /// Carriers executing a preservation order.
    CarrierPreservation,
    /// Carriers producing the traffic data that names the previous hop.
    CarrierDisclosure,
    /// Carriers answering in an emergency.
    EmergencyResponse,
    /// Transit of an expedited cross-border message.
    MessageDelay,
    /// Translating a request no desk officer reads.
    Translation,
    /// Sending the written confirmation of an expedited request.
    WrittenConfirmation,
    /// Preparing the MLA request once data is held.
    MlaPreparation,
    /// The chance a requester follows held data up with a production request
    /// (a probability: scaled, then kept within 0 and 1).
    MlaFollowUp,
    /// The fallback channel's extra delay when a directory entry is stale.
    DirectoryFallback,
    /// The share of member desks staffed around the clock (no public
    /// figure: law notes §6): desks are turned 24/7 or to office hours, in
    /// order of country code, until the count is scaled.
    AroundTheClockShare,
    /// The chance a request is defective, or gives the wrong moment
    /// (probabilities: scaled, then kept within 0 and 1).
    RequestQuality,
    /// The prosecutor's or judge's order an `art30 = "order"` country needs.
    DisclosureOrder,
    /// A requesting desk forgetting to ask for a hold's renewal in time.
    RenewalForgotten,
    /// The requested desk drafting and serving the preservation order.
    PreservationOrder,
    /// The certified translation of a formal request.
    MlaTranslation,
    /// An urgent MLA request, where a country discloses in an emergency only on one.
    UrgentMla,
    /// A provider answering a European Production Order (Art. 10 bounds it
    /// at 10 days; how the answers spread within is assumed).
    EpocResponse,
    /// An Art. 8 order served by the requested Party and answered by the
    /// provider (Art. 8(6) bounds both; the spread is assumed).
    Art8Response,
    /// How long a requester waits on a formal request for production
    /// before abandoning it.
    MlaAbandonment,
}

impl Assumption {
    pub const ALL: [Assumption; 20] = [
        Assumption::DeskHandling,
        Assumption::CarrierPreservation,
        Assumption::CarrierDisclosure,
        Assumption::EmergencyResponse,
        Assumption::MessageDelay,
        Assumption::Translation,
        Assumption::WrittenConfirmation,
        Assumption::MlaPreparation,
        Assumption::MlaFollowUp,
        Assumption::DirectoryFallback,
        Assumption::AroundTheClockShare,
        Assumption::RequestQuality,
        Assumption::DisclosureOrder,
        Assumption::RenewalForgotten,
        Assumption::PreservationOrder,
        Assumption::MlaTranslation,
        Assumption::UrgentMla,
        Assumption::EpocResponse,
        Assumption::Art8Response,
        Assumption::MlaAbandonment,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Assumption::DeskHandling => "desk handling",
            Assumption::CarrierPreservation => "carrier preservation",
            Assumption::CarrierDisclosure => "carrier disclosure",
            Assumption::EmergencyResponse => "emergency response",
            Assumption::MessageDelay => "message delay",
            Assumption::Translation => "translation",
            Assumption::WrittenConfirmation => "written confirmation",
            Assumption::MlaPreparation => "MLA preparation",
            Assumption::MlaFollowUp => "MLA follow-up",
            Assumption::DirectoryFallback => "directory fallback",
            Assumption::AroundTheClockShare => "24/7 desk share",
            Assumption::RequestQuality => "request defects",
            Assumption::DisclosureOrder => "Art. 30 order",
            Assumption::RenewalForgotten => "hold renewal forgotten",
            Assumption::PreservationOrder => "preservation order drafted",
            Assumption::MlaTranslation => "MLA certified translation",
            Assumption::UrgentMla => "urgent MLA",
            Assumption::EpocResponse => "EPOC response",
            Assumption::Art8Response => "Art. 8 response",
            Assumption::MlaAbandonment => "MLA abandoned after",
        }
    }

    /// The assumed figures that alone make the time `goal` measures, where
    /// nothing the scenario states (staffing, retention, the chain) enters
    /// it: its compliance is then the spread those figures were given, not
    /// a finding, and reports say so. Only those the scenario rests on.
    pub fn deciding(goal: &crate::goals::Goal, scenario: &Scenario) -> Vec<Assumption> {
        use crate::latency::Measure;
        use pocnet_node::ProductionChannel;
        let candidates: &[Assumption] = match (goal.measure, goal.channel) {
            (Measure::Production, Some(ProductionChannel::Epoc)) => {
                &[Assumption::EpocResponse, Assumption::EmergencyResponse]
            }
            (Measure::Production, Some(ProductionChannel::Art8)) => &[Assumption::Art8Response],
            (Measure::WrittenConfirmation, _) => &[Assumption::WrittenConfirmation, Assumption::MessageDelay],
            _ => &[],
        };
        let resting = Assumption::resting_on(scenario);
        candidates.iter().copied().filter(|a| resting.contains(a)).collect()
    }

    /// The assumed parameters a scenario's results rest on: all of them but
    /// those it gives nothing to act on (no emergency incident, no desk that
    /// needs a translation).
    pub fn resting_on(scenario: &Scenario) -> Vec<Assumption> {
        let emergencies = scenario.incidents.iter().any(|i| i.emergency);
        let languages: Vec<&Vec<String>> = scenario.countries.values().map(|c| &c.languages).collect();
        let translation = languages
            .iter()
            .any(|a| languages.iter().any(|b| !a.is_empty() && !b.is_empty() && !a.iter().any(|l| b.contains(l))));
        Assumption::ALL
            .into_iter()
            .filter(|a| match a {
                Assumption::EmergencyResponse => emergencies,
                Assumption::Translation => translation,
                Assumption::DirectoryFallback => !scenario.directory.is_empty(),
                Assumption::AroundTheClockShare => scenario.countries.len() > 1,
                Assumption::RequestQuality => {
                    scenario.countries.values().any(|c| c.request_defects > 0.0 || c.timestamp_errors > 0.0)
                }
                Assumption::DisclosureOrder => {
                    scenario.countries.values().any(|c| matches!(c.disclosure, Art30::Order(_)))
                }
                Assumption::MlaTranslation => translation,
                Assumption::EpocResponse => scenario.epoc.is_some(),
                Assumption::Art8Response => scenario.second_protocol.is_some(),
                Assumption::MlaAbandonment => scenario.countries.values().any(|c| c.mla_abandoned_after_ms.is_some()),
                Assumption::UrgentMla => {
                    emergencies
                        && scenario
                            .countries
                            .values()
                            .any(|c| matches!(c.emergency_disclosure, EmergencyDisclosure::UrgentMla(_)))
                }
                // Only where some country's law renews a hold.
                Assumption::RenewalForgotten => {
                    scenario.countries.values().any(|c| c.hold_renewal_ms.is_some())
                        && scenario.countries.values().any(|c| c.renewal_forgotten > 0.0)
                }
                _ => true,
            })
            .collect()
    }

    /// The same world with this parameter multiplied by `factor` everywhere it applies.
    pub fn scale(self, scenario: &Scenario, factor: f64) -> Scenario {
        let mut scaled = scenario.clone();
        let countries = scaled.countries.values_mut();
        let carriers = scaled.carriers.values_mut();
        match self {
            Assumption::DeskHandling => countries.for_each(|c| c.handling = c.handling.scaled(factor)),
            Assumption::Translation => countries.for_each(|c| c.translation = c.translation.scaled(factor)),
            Assumption::WrittenConfirmation => {
                countries.for_each(|c| c.written_confirmation = c.written_confirmation.scaled(factor));
            }
            Assumption::MlaPreparation => countries.for_each(|c| c.mla_preparation = c.mla_preparation.scaled(factor)),
            Assumption::CarrierPreservation => carriers.for_each(|c| c.preservation = c.preservation.scaled(factor)),
            Assumption::CarrierDisclosure => carriers.for_each(|c| c.disclosure = c.disclosure.scaled(factor)),
            Assumption::EmergencyResponse => {
                carriers.for_each(|c| c.emergency_response = c.emergency_response.scaled(factor));
            }
            Assumption::MessageDelay => scaled.network.message_delay = scaled.network.message_delay.scaled(factor),
            Assumption::MlaFollowUp => countries.for_each(|c| {
                c.follow_up.intermediate = (c.follow_up.intermediate * factor).clamp(0.0, 1.0);
                c.follow_up.origin = (c.follow_up.origin * factor).clamp(0.0, 1.0);
            }),
            Assumption::DirectoryFallback => {
                scaled.directory.values_mut().for_each(|e| e.fallback = e.fallback.scaled(factor));
            }
            // One random choice of desks; a sweep averages several (drivers.rs).
            Assumption::AroundTheClockShare => crate::drivers::scale_around_the_clock_share(&mut scaled, factor, 0, 0),
            Assumption::RequestQuality => countries.for_each(|c| {
                c.request_defects = (c.request_defects * factor).clamp(0.0, 1.0);
                c.timestamp_errors = (c.timestamp_errors * factor).clamp(0.0, 1.0);
            }),
            Assumption::DisclosureOrder => countries.for_each(|c| {
                if let Art30::Order(order) = &c.disclosure {
                    c.disclosure = Art30::Order(order.scaled(factor));
                }
            }),
            Assumption::PreservationOrder => {
                countries.for_each(|c| c.preservation_order = c.preservation_order.scaled(factor));
            }
            Assumption::MlaTranslation => countries.for_each(|c| c.mla_translation = c.mla_translation.scaled(factor)),
            Assumption::UrgentMla => countries.for_each(|c| {
                if let EmergencyDisclosure::UrgentMla(law) = &c.emergency_disclosure {
                    c.emergency_disclosure = EmergencyDisclosure::UrgentMla(law.scaled(factor));
                }
            }),
            Assumption::RenewalForgotten => {
                countries.for_each(|c| c.renewal_forgotten = (c.renewal_forgotten * factor).clamp(0.0, 1.0));
            }
            Assumption::EpocResponse => {
                if let Some(epoc) = scaled.epoc.as_mut() {
                    epoc.response = epoc.response.scaled(factor);
                }
            }
            Assumption::MlaAbandonment => countries.for_each(|c| {
                c.mla_abandoned_after_ms = c.mla_abandoned_after_ms.map(|ms| ((ms as f64 * factor) as i64).max(1));
            }),
            Assumption::Art8Response => {
                if let Some(protocol) = scaled.second_protocol.as_mut() {
                    protocol.art8_service = protocol.art8_service.scaled(factor);
                    protocol.art8_return = protocol.art8_return.scaled(factor);
                }
            }
        }
        scaled
    }
}

/// One parameter's effect on one outcome, at the low and the high factor:
/// mean per-replication difference from the baseline, with its 95% interval.
#[derive(Debug, Serialize)]
pub struct Effect {
    pub outcome: Metric,
    pub low: Option<PairedDifference>,
    pub high: Option<PairedDifference>,
}

impl Effect {
    /// The larger of the two shifts, in share points; what the ranking sorts by.
    pub fn swing(&self) -> f64 {
        [&self.low, &self.high].into_iter().flatten().map(|d| d.mean.abs()).fold(0.0, f64::max)
    }
}

#[derive(Debug, Serialize)]
pub struct ParameterEffect {
    pub parameter: Parameter,
    /// `assumed` (no published figure) or `illustrative` (the scenario's own).
    pub basis: &'static str,
    /// Effects on origin preserved, subscriber identified, then each goal.
    pub effects: Vec<Effect>,
}

impl ParameterEffect {
    /// The parameter's largest swing on the two outcomes, then on any goal.
    fn rank_key(&self) -> (f64, f64) {
        let outcomes = self.effects.iter().take(2).map(Effect::swing).fold(0.0, f64::max);
        let goals = self.effects.iter().skip(2).map(Effect::swing).fold(0.0, f64::max);
        (outcomes, goals)
    }
}

#[derive(Debug, Serialize)]
pub struct Sensitivity {
    pub format: &'static str,
    pub scenario: ScenarioInfo,
    pub seed: u64,
    pub replications: u64,
    /// Each parameter is divided and multiplied by this.
    pub factor: f64,
    /// The kind of interval the baseline's shares are shown with.
    pub interval: IntervalKind,
    /// The baseline's shares count what happened within this long of the report.
    pub horizon_ms: i64,
    pub origin_preserved: Proportion,
    pub subscriber_identified: Proportion,
    /// Most influential first.
    pub parameters: Vec<ParameterEffect>,
    /// Assumed parameters the scenario gives nothing to act on (no
    /// emergency, no stale directory entry, ...), so not varied.
    pub not_varied: Vec<Assumption>,
    /// The scenario's inputs no sweep varies, in words.
    pub not_swept: &'static str,
}

impl Sensitivity {
    /// The whole study: the baseline, then each swept parameter divided and
    /// multiplied by `factor`, every world run over `options`' replications
    /// with the same seeds (common random numbers). `running` is told each
    /// world's label before it runs.
    pub fn run(
        scenario: &Scenario,
        seed: u64,
        factor: f64,
        interval: IntervalKind,
        options: &Options,
        mut running: impl FnMut(&str),
    ) -> Result<Sensitivity, StudyError> {
        let mut run = |world: &Scenario, label: &str| {
            running(label);
            replication::aggregate(world, seed, options).map_err(|error| StudyError { world: label.to_owned(), error })
        };
        let baseline = run(scenario, "baseline")?;
        let mut variants = Vec::new();
        // Only what the scenario gives something to act on: the rest would move nothing.
        for parameter in Parameter::swept(scenario) {
            let mut side = |factor: f64, label: String| -> Result<_, StudyError> {
                let worlds = parameter.variants(scenario, factor, seed);
                let outcomes = worlds.iter().map(|world| run(world, &label).map(|a| a.per_replication));
                Ok(crate::drivers::pooled(outcomes.collect::<Result<_, _>>()?))
            };
            let low = side(1.0 / factor, format!("{} ÷{factor}", parameter.name()))?;
            let high = side(factor, format!("{} ×{factor}", parameter.name()))?;
            variants.push((parameter, low, high));
        }
        Ok(Sensitivity::build(scenario, seed, factor, interval, &baseline, &variants))
    }

    /// `variants` holds, per parameter, the per-replication outcomes at
    /// `1/factor` and `factor` (pooled over its worlds, `drivers::pooled`).
    pub fn build(
        scenario: &Scenario,
        seed: u64,
        factor: f64,
        interval: IntervalKind,
        baseline: &Aggregate,
        variants: &[(Parameter, Vec<ReplicationOutcome>, Vec<ReplicationOutcome>)],
    ) -> Sensitivity {
        let outcomes = Metric::all(scenario.goals.goals.iter().map(|g| g.measure));
        let difference = |outcome: Metric, variant: &[ReplicationOutcome]| {
            let pairs = baseline
                .per_replication
                .iter()
                .zip(variant)
                .filter_map(|(a, b)| outcome.share(a).zip(outcome.share(b)));
            paired_difference(pairs)
        };
        let mut parameters: Vec<ParameterEffect> = variants
            .iter()
            .map(|(parameter, low, high)| ParameterEffect {
                parameter: parameter.clone(),
                basis: parameter.basis(),
                effects: outcomes
                    .iter()
                    .map(|&outcome| Effect { outcome, low: difference(outcome, low), high: difference(outcome, high) })
                    .collect(),
            })
            .collect();
        // Largest swing first; ties keep the fixed parameter order (stable sort).
        parameters.sort_by(|a, b| b.rank_key().partial_cmp(&a.rank_key()).unwrap_or(std::cmp::Ordering::Equal));
        Sensitivity {
            format: FORMAT,
            scenario: ScenarioInfo::new(scenario),
            seed,
            replications: baseline.replications,
            factor,
            interval,
            horizon_ms: baseline.horizon_ms,
            origin_preserved: Proportion::of(&baseline.origin),
            subscriber_identified: Proportion::of(&baseline.identified),
            not_varied: Assumption::ALL
                .into_iter()
                .filter(|a| !variants.iter().any(|(v, _, _)| *v == Parameter::Assumed(*a)))
                .collect(),
            not_swept: NOT_SWEPT,
            parameters,
        }
    }

    pub fn to_json(&self) -> String {
        crate::units::to_json(self)
    }

    pub fn render_text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "pocnet sensitivity: {}", self.scenario.name);
        let _ = writeln!(
            out,
            "{} per variant, common random numbers (seed {}); each assumed figure and illustrative input ÷{} and ×{}",
            crate::units::count(self.replications, "replication", "replications"),
            self.seed,
            self.factor,
            self.factor
        );
        let horizon = crate::units::fmt_horizon(self.horizon_ms);
        let _ = writeln!(
            out,
            "baseline, within {horizon}: origin preserved      {}",
            proportion(&self.origin_preserved, self.interval)
        );
        let _ = writeln!(
            out,
            "{:width$}subscriber identified {}",
            "",
            proportion(&self.subscriber_identified, self.interval),
            width = "baseline, within : origin preserved      ".len() + horizon.len() - "subscriber identified ".len()
        );
        let _ = writeln!(out);
        let _ = writeln!(out, "Ranked by the largest shift in the outcomes, then in any goal (percentage points):");
        let names: Vec<String> =
            self.parameters.iter().map(|p| format!("{} ({})", p.parameter.name(), p.basis)).collect();
        let width = names.iter().map(|n| n.chars().count()).max().unwrap_or(0).max(22);
        let _ = writeln!(
            out,
            "  {:<width$} {:>18} {:>18} {:>22}  goal",
            "parameter", "origin preserved", "subscriber ident.", "largest goal shift"
        );
        let fmt = |d: &Option<PairedDifference>| match d {
            // Below a twentieth of a point there is no shift to sign.
            Some(d) if (100.0 * d.mean).abs() < 0.05 => "0.0".to_owned(),
            Some(d) => format!("{:+.1}{}", 100.0 * d.mean, if d.significant == Some(true) { "*" } else { "" }),
            None => "-".to_owned(),
        };
        for (parameter, name) in self.parameters.iter().zip(&names) {
            let pair = |e: &Effect| format!("{} / {}", fmt(&e.low), fmt(&e.high));
            let goal = parameter
                .effects
                .iter()
                .skip(2)
                .filter(|e| e.swing() > 0.0)
                .max_by(|a, b| a.swing().partial_cmp(&b.swing()).unwrap_or(std::cmp::Ordering::Equal));
            let _ = writeln!(
                out,
                "  {name:<width$} {:>18} {:>18} {:>22}  {}",
                pair(&parameter.effects[0]),
                pair(&parameter.effects[1]),
                goal.map_or_else(|| "-".to_owned(), pair),
                goal.map_or("", |g| g.outcome.name())
            );
        }
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "each cell: shift when the parameter is divided / multiplied by {}; * the 95% interval excludes 0",
            self.factor
        );
        // The verdict, and beside it what it cannot speak for.
        for (index, outcome) in [(0, "origin preserved"), (1, "subscriber identified")] {
            let top = self
                .parameters
                .iter()
                .filter(|p| p.effects.get(index).is_some_and(|e| e.swing() > 0.0))
                .max_by(|a, b| a.effects[index].swing().total_cmp(&b.effects[index].swing()));
            if let Some(top) = top {
                let _ = writeln!(
                    out,
                    "{outcome} moves most with: {} ({}, up to {:.1} pts)",
                    top.parameter.name(),
                    top.basis,
                    100.0 * top.effects[index].swing()
                );
            }
        }
        let _ = writeln!(out, "not swept (stated, not varied): {}", self.not_swept);
        if !self.not_varied.is_empty() {
            let names: Vec<&str> = self.not_varied.iter().map(|a| a.name()).collect();
            let _ = writeln!(out, "not varied, nothing in the scenario acts on them: {}", names.join(", "));
        }
        out
    }
}
