//! What a sensitivity sweep varies: every figure docs/domain.md marks
//! *assumed*, and the scenario's own illustrative inputs that shape the
//! outcomes (the route to non-members, how late incidents are detected, how
//! long each kind of carrier keeps its logs). An analyst asking which change
//! helps most needs both: a tornado over the assumptions alone shows false
//! robustness where an illustrative input drives the headline.

use crate::analysis::ReplicationOutcome;
use crate::scenario::Scenario;
use crate::sensitivity::Assumption;
use pocnet_node::{Country, CountryCode, OfficeHours, Shift, Staffing};
use rand::seq::SliceRandom;
use serde::Serialize;
use std::collections::BTreeSet;

/// The 24/7 share is averaged over this many random choices of which desks
/// change, so that no alphabet decides it.
pub const STAFFING_DRAWS: u64 = 4;

/// One thing a sweep divides and multiplies.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Parameter {
    /// A figure with no published source.
    Assumed(Assumption),
    /// The MLA route to and from a non-member: ÷ is the non-members joining
    /// the 24/7 network (their accession moved before the epoch: the route
    /// gone), × the MLA transit (`network.mla_transit`) that much slower.
    /// Halving a transit of months crosses no retention window; what an
    /// analyst asks of the route is what reaching those countries through
    /// the network would change.
    MlaTransit,
    /// Every incident's detection delay: how late a victim notices.
    Detection,
    /// The retention of every carrier of one kind (`access-isp`, `hosting`, ...).
    Retention(String),
}

/// Inputs a scenario states that no sweep varies, named beside the ranking
/// so that its silence is not read as robustness.
pub const NOT_SWEPT: &str = "one country's accession at a time (the non-member route moves them all: try \
     `pocnet compare --vary` on a country's `networks`), the chains and the carriers in them, the incidents' rate \
     and mix, desk languages, office hours themselves, the goal targets";

impl Parameter {
    /// Everything a sweep of `scenario` varies: the assumptions it rests
    /// on, then its illustrative inputs that act on it.
    pub fn swept(scenario: &Scenario) -> Vec<Parameter> {
        let mut swept: Vec<Parameter> = Assumption::resting_on(scenario).into_iter().map(Parameter::Assumed).collect();
        // A country outside every network is reached by MLA.
        if scenario.countries.values().any(|c| !c.member) {
            swept.push(Parameter::MlaTransit);
        }
        if scenario.incidents.iter().any(|i| i.detection != pocnet_node::Distribution::Fixed { ms: 0 }) {
            swept.push(Parameter::Detection);
        }
        let kinds: BTreeSet<&String> =
            scenario.carriers.values().filter(|c| c.retention_ms > 0).map(|c| &c.kind).collect();
        swept.extend(kinds.into_iter().map(|k| Parameter::Retention(k.clone())));
        swept
    }

    /// How reports name it.
    pub fn name(&self) -> String {
        match self {
            Parameter::Assumed(a) => a.name().to_owned(),
            Parameter::MlaTransit => "non-member route (÷: they join)".to_owned(),
            Parameter::Detection => "detection delay".to_owned(),
            Parameter::Retention(kind) => format!("{kind} retention"),
        }
    }

    /// Whether it has a published figure nobody has: assumed, or the scenario's own illustration.
    pub fn basis(&self) -> &'static str {
        match self {
            Parameter::Assumed(_) => "assumed",
            Parameter::MlaTransit | Parameter::Detection | Parameter::Retention(_) => "illustrative",
        }
    }

    /// The worlds its variant at `factor` is the average of: one, or for
    /// the 24/7 share `STAFFING_DRAWS` random choices of desks (seeded).
    pub fn variants(&self, scenario: &Scenario, factor: f64, seed: u64) -> Vec<Scenario> {
        let mut scaled = scenario.clone();
        match self {
            Parameter::Assumed(Assumption::AroundTheClockShare) => {
                return (0..STAFFING_DRAWS)
                    .map(|draw| {
                        let mut world = scenario.clone();
                        scale_around_the_clock_share(&mut world, factor, seed, draw);
                        world
                    })
                    .collect();
            }
            Parameter::Assumed(a) => return vec![a.scale(scenario, factor)],
            Parameter::MlaTransit if factor < 1.0 => {
                for (code, country) in scaled.countries.iter_mut() {
                    country.member = true;
                    if let Some(networks) = scaled.networks.get_mut(code) {
                        networks.g7 = true;
                    }
                }
            }
            Parameter::MlaTransit => scaled.network.mla_transit = scaled.network.mla_transit.scaled(factor),
            Parameter::Detection => {
                scaled.incidents.iter_mut().for_each(|i| i.detection = i.detection.scaled(factor));
            }
            Parameter::Retention(kind) => scaled.carriers.values_mut().filter(|c| &c.kind == kind).for_each(|c| {
                c.retention_ms = ((c.retention_ms as f64 * factor) as i64).max(1);
            }),
        }
        vec![scaled]
    }
}

/// The per-replication outcomes of several worlds as one: counts added
/// replication by replication (the average over the worlds, weighted by
/// what each counted).
pub fn pooled(worlds: Vec<Vec<ReplicationOutcome>>) -> Vec<ReplicationOutcome> {
    let mut worlds = worlds.into_iter();
    let Some(mut pooled) = worlds.next() else { return Vec::new() };
    for world in worlds {
        for (into, from) in pooled.iter_mut().zip(world) {
            into.add(&from);
        }
    }
    pooled
}

/// Scales how many member desks are staffed 24/7 to `factor` times today's,
/// turning desks chosen at random (draw `draw` of `seed`) to 24/7, or 24/7
/// desks to office hours: the scenario's first office-hours desk's hours,
/// or Monday to Friday 09:00-17:00 without on-call where it has none.
pub fn scale_around_the_clock_share(scenario: &mut Scenario, factor: f64, seed: u64, draw: u64) {
    let around_the_clock = |c: &Country| matches!(c.staffing, Staffing::AroundTheClock);
    let members: Vec<CountryCode> = scenario.countries.values().filter(|c| c.member).map(|c| c.code).collect();
    let today = scenario.countries.values().filter(|c| c.member && around_the_clock(c)).count();
    let wanted = ((today as f64 * factor).round() as usize).min(members.len());
    let office_hours = scenario
        .countries
        .values()
        .find_map(|c| match &c.staffing {
            Staffing::OfficeHours(hours) => hours.clone().with_holidays(Vec::new()).ok(),
            Staffing::AroundTheClock => None,
        })
        .or_else(|| {
            let day = Shift::new(9 * 60, 17 * 60).ok()?;
            OfficeHours::new(vec![day], vec![1, 2, 3, 4, 5], None, Vec::new()).ok()
        });
    let mut order = members;
    let mut rng = pocnet_node::seed::stream(seed, draw, "sensitivity:staffing", pocnet_node::seed::Purpose::Scenario);
    order.shuffle(&mut rng);
    let mut count = today;
    for code in order {
        let country = scenario.countries.get_mut(&code).expect("a member of the scenario");
        match (around_the_clock(country), count.cmp(&wanted), &office_hours) {
            (false, std::cmp::Ordering::Less, _) => {
                country.staffing = Staffing::AroundTheClock;
                count += 1;
            }
            (true, std::cmp::Ordering::Greater, Some(hours)) => {
                country.staffing = Staffing::OfficeHours(hours.clone());
                count -= 1;
            }
            _ => {}
        }
    }
}
