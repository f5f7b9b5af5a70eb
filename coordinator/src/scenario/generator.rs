//! Incidents drawn from a rate: a Poisson process of arrivals over a period,
//! each from a template chosen by weight, so that thousands of incidents are
//! a few lines of scenario.

use super::raw::{self, Urgency};
use super::{Incident, References, diagnostic, span};
use crate::units::fmt_ms;
use pocnet_node::time::DAY_MS;
use pocnet_node::{CarrierId, CountryCode, Distribution};

/// At most this many incidents from one generator: beyond, a scenario is a
/// typo ("per_day = 40000"), not a study.
const MAX_GENERATED: f64 = 1_000_000.0;

/// Incidents drawn from a Poisson process, each from a template chosen by
/// weight. Drawn once, from the scenario's own `seed` (stream keyed by the
/// generator's id), so every run and replication of the file faces the same
/// incidents; what varies between replications is how the network answers.
pub(super) fn generate(
    problems: &mut diagnostic::Collector,
    references: &References<'_>,
    seed: u64,
    generator: raw::RawGenerator,
) -> Vec<Incident> {
    let id = generator.id.get_ref().clone();
    let per_day = *generator.per_day.get_ref();
    let from = references.instant(problems, &generator.from, "generator's start");
    let period_ms = generator.period.0;
    // Generated ids are `<id>-<number>`: room is kept for the number.
    let longest = pocnet_node::constraint::MAX_IDENTIFIER_BYTES - 8;
    if id.trim().is_empty() || id.len() > longest {
        problems.push(span(&generator.id), format!("a generator id needs 1 to {longest} bytes"), None);
        return Vec::new();
    }
    if !(per_day > 0.0 && per_day.is_finite()) {
        problems.push(span(&generator.per_day), format!("per_day must be a positive rate (got {per_day})"), None);
        return Vec::new();
    }
    if per_day * period_ms as f64 / DAY_MS as f64 > MAX_GENERATED {
        problems.push(
            span(&generator.per_day),
            format!("{per_day} a day for {} would generate more than a million incidents", fmt_ms(period_ms)),
            None,
        );
        return Vec::new();
    }
    if generator.templates.is_empty() {
        problems.push(
            span(&generator.id),
            format!("incident generator `{id}` has no templates"),
            Some("add [[incident_generators.templates]] with reported_by and chain".to_owned()),
        );
        return Vec::new();
    }
    let templates: Vec<(u32, CountryCode, Vec<CarrierId>)> = generator
        .templates
        .into_iter()
        .map(|t| {
            if *t.weight.get_ref() == 0 {
                problems.push(span(&t.weight), "a template's weight must be at least 1".to_owned(), None);
            }
            (*t.weight.get_ref(), references.country(problems, &t.reported_by), references.chain(problems, t.chain))
        })
        .collect();
    let total_weight: u32 = templates.iter().map(|t| t.0).sum();
    if total_weight == 0 {
        return Vec::new();
    }
    let mut rng = pocnet_node::seed::stream(seed, 0, &format!("generator:{id}"), pocnet_node::seed::Purpose::Scenario);
    let gap = Distribution::Exponential { mean_ms: (DAY_MS as f64 / per_day).round().max(1.0) as i64 };
    let pick = Distribution::Uniform { min_ms: 0, max_ms: i64::from(total_weight) - 1 };
    let mut incidents = Vec::new();
    let mut at = from;
    loop {
        at = at.plus_ms(gap.sample(&mut rng));
        if at.since(from) >= period_ms {
            break;
        }
        let mut ticket = pick.sample(&mut rng);
        let (_, reporter, chain) = templates
            .iter()
            .find(|(weight, _, _)| {
                ticket -= i64::from(*weight);
                ticket < 0
            })
            .expect("the ticket falls within the total weight");
        incidents.push(Incident {
            id: format!("{id}-{:05}", incidents.len() + 1).into(),
            reported_by: *reporter,
            communication_at: at,
            detection: generator.detection.0.clone(),
            chain: chain.clone(),
            offence: generator.offence,
            emergency: generator.urgency == Urgency::Emergency,
            source_port: generator.source_port,
            addresses: Vec::new(),
        });
    }
    incidents
}
