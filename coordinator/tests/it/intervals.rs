//! Intervals that say what they cover: the network's is the honest one for
//! a question about cases a network meets (it covers the truth at its stated
//! rate when the incidents are drawn afresh), and on network-today it is
//! several times wider than this world's.

use pocnet_coordinator::analysis::{Aggregate, DEFAULT_HORIZON_MS};
use pocnet_coordinator::intervals::IntervalKind;
use pocnet_coordinator::replication::{self, Options};
use pocnet_coordinator::scenario::Scenario;
use pocnet_coordinator::statistics::Proportion;

fn options(replications: u64) -> Options {
    Options { replications, threads: 2, progress: false, horizon_ms: DEFAULT_HORIZON_MS }
}

/// Incidents drawn from two templates of equal weight: one through a
/// carrier keeping its logs a month (the trace always gets through), one
/// through a carrier keeping none (it never does). The network's share is
/// one half; a world's is whatever its draw of incidents made it.
fn a_world_drawn_with(seed: u64) -> Scenario {
    let text = format!(
        r#"
[scenario]
name = "half and half"
epoch = "2026-03-02T00:00:00Z"
seed = {seed}

[network]
min_message_delay = "1m"
message_delay = "1m"

[countries.RR]
name = "Reporter"
time_zone = "UTC"
staffing = "24/7"
acknowledgement = "0s"

[countries.XX]
name = "Requested"
time_zone = "UTC"
staffing = "24/7"
acknowledgement = "10m"
preservation_order = "0s"

[carriers.keeps]
country = "XX"
kind = "access-isp"
retention = "30d"
preservation = "1h"
disclosure = "1h"

[carriers.keeps-nothing]
country = "XX"
kind = "vpn"
retention = "none"

[[incident_generators]]
id = "drawn"
per_day = 3
from = "2026-03-02T00:00:00Z"
period = "10d"
detection = "1h"

[[incident_generators.templates]]
reported_by = "RR"
chain = ["keeps"]

[[incident_generators.templates]]
reported_by = "RR"
chain = ["keeps-nothing"]
"#
    );
    Scenario::parse("drawn.toml", &text).unwrap_or_else(|e| panic!("{e:?}"))
}

fn origin_preserved(scenario: &Scenario, replications: u64) -> Proportion {
    let aggregate = replication::aggregate(scenario, scenario.seed, &options(replications)).unwrap();
    Proportion::of(&aggregate.origin)
}

/// 200 worlds, each with its own draw of about 30 incidents: the network's
/// 95% interval covers the network's one half in at least 93% of them, and
/// not in every one (an interval that always covers says nothing).
#[test]
fn the_network_interval_covers_the_truth_at_its_stated_rate() {
    let (mut covered, mut worlds) = (0, 0);
    for seed in 0..200 {
        let share = origin_preserved(&a_world_drawn_with(seed), 3);
        let network = share.intervals.iter().find(|i| i.kind == IntervalKind::Network).expect("30 incidents");
        worlds += 1;
        covered += usize::from(network.low <= 0.5 && 0.5 <= network.high);
    }
    assert!(covered * 100 >= 93 * worlds, "the network's interval covered one half in {covered} of {worlds} worlds");
    assert!(covered < worlds, "it covered one half in every world: too wide to be a 95% interval");
}

/// On network-today the incidents are what vary most: the interval over
/// them is several times wider than the one over replications.
#[test]
fn on_network_today_the_network_interval_is_several_times_wider_than_this_worlds() {
    let scenario = crate::support::load("network-today.toml");
    let mut aggregate = Aggregate::new();
    replication::run_in_process(&scenario, scenario.seed, &options(20), |r, log| {
        aggregate.add(&scenario, r, &pocnet_coordinator::report::incident_reports(&scenario, &log.events));
    })
    .unwrap();
    let share = Proportion::of(&aggregate.origin);
    let width = |kind: IntervalKind| {
        let interval = share.intervals.iter().find(|i| i.kind == kind).expect("both kinds");
        interval.high - interval.low
    };
    let (network, this_world) = (width(IntervalKind::Network), width(IntervalKind::ThisWorld));
    assert!(network > 3.0 * this_world, "network {network:.4} against this world {this_world:.4}");
    let clusters: Vec<u64> = share.intervals.iter().map(|i| i.clusters).collect();
    assert_eq!(clusters, vec![scenario.incidents.len() as u64, 20], "incidents, then replications");
}

/// `compare` cannot mislead: a row whose denominators differ says so with
/// both counts; from too few paired replications no verdict is given; what
/// "significant" means is said once, with the multiple-comparison caveat.
#[test]
fn compare_says_when_shares_are_of_different_things_and_when_too_few_pairs_judge_nothing() {
    let compare = |replications: &str| {
        let output = crate::support::pocnet(&[
            "compare",
            "scenarios/hub-vs-relay.toml",
            "--vary",
            "strategy=hub,relay",
            "--replications",
            replications,
        ]);
        assert!(output.status.success(), "{}", crate::support::text(&output.stderr));
        crate::support::text(&output.stdout)
    };
    let judged = compare("12");
    assert!(judged.contains("denominators differ:") && judged.contains("trials in the baseline"), "{judged}");
    assert!(judged.contains("differences are judged here") && judged.contains("Holm"), "{judged}");
    assert!(judged.contains("significant"), "{judged}");
    let few = compare("3");
    assert!(few.contains("from 3 paired replications: too few to judge"), "{few}");
    assert!(!few.contains(" significant"), "no verdict from three pairs:\n{few}");
}

/// A goal whose measured time is made wholly of assumed figures (the EPOC
/// answer in an emergency is the carrier's emergency timescale) is labelled
/// so, in the text and in the JSON.
#[test]
fn compliance_made_of_an_assumed_spread_is_labelled_assumed() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("emergency.json");
    let output = crate::support::pocnet(&[
        "run",
        "scenarios/ransomware-emergency.toml",
        "--replications",
        "20",
        "--json",
        json.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", crate::support::text(&output.stderr));
    let text = crate::support::text(&output.stdout);
    let line = text.lines().find(|l| l.contains("produce by EPOC")).expect("the EPOC goal");
    assert!(line.contains("ASSUMED: the spread of EPOC response, emergency response"), "{line}");
    let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(json).unwrap()).unwrap();
    let goal = report["goals"].as_array().unwrap().iter().find(|g| g["measure"] == "production").unwrap();
    assert_eq!(goal["assumed"], serde_json::json!(["epoc_response", "emergency_response"]));
}

/// The sweep finds what drives the headline: on network-today, the route to
/// the countries outside the network moves "origin preserved" more than
/// any assumed figure or other input; the 24/7 share is averaged over
/// random choices of desks, and what is not swept is named.
#[test]
fn on_network_today_the_non_member_route_drives_origin_preserved() {
    use pocnet_coordinator::drivers::{Parameter, STAFFING_DRAWS, pooled};
    use pocnet_coordinator::sensitivity::{Assumption, Sensitivity};
    let scenario = crate::support::load("network-today.toml");
    let options = options(2);
    let run = |world: &Scenario| replication::aggregate(world, scenario.seed, &options).unwrap();
    let baseline = run(&scenario);
    let swept = Parameter::swept(&scenario);
    assert!(swept.contains(&Parameter::MlaTransit) && swept.contains(&Parameter::Detection));
    assert!(swept.iter().any(|p| matches!(p, Parameter::Retention(_))), "{swept:?}");
    let staffing = Parameter::Assumed(Assumption::AroundTheClockShare);
    assert_eq!(staffing.variants(&scenario, 2.0, scenario.seed).len() as u64, STAFFING_DRAWS);
    let variants: Vec<_> = swept
        .into_iter()
        .map(|p| {
            let side = |factor: f64| {
                pooled(p.variants(&scenario, factor, scenario.seed).iter().map(|w| run(w).per_replication).collect())
            };
            let (low, high) = (side(0.5), side(2.0));
            (p, low, high)
        })
        .collect();
    let ranking = Sensitivity::build(&scenario, scenario.seed, 2.0, IntervalKind::Network, &baseline, &variants);
    let on_origin = ranking
        .parameters
        .iter()
        .max_by(|a, b| a.effects[0].swing().total_cmp(&b.effects[0].swing()))
        .expect("parameters");
    let text = ranking.render_text();
    assert_eq!(on_origin.parameter, Parameter::MlaTransit, "{text}");
    assert!(text.contains("origin preserved moves most with: non-member route"), "{text}");
    assert!(text.contains("not swept (stated, not varied):"), "{text}");
}

/// `pocnet uncertainty` draws the assumed figures per replication, the same
/// for a seed whatever the threads, and splits the spread between them:
/// on network-today what identifies the subscriber rests most on the
/// requester following held data up at all, and on how long its MLA takes.
#[test]
fn uncertainty_is_the_same_whatever_the_threads_and_names_what_the_spread_comes_from() {
    use pocnet_coordinator::sensitivity::Assumption;
    use pocnet_coordinator::uncertainty::study;
    let scenario = crate::support::load("network-today.toml");
    let one = study(&scenario, 7, 40, 1, DEFAULT_HORIZON_MS).unwrap();
    let two = study(&scenario, 7, 40, 2, DEFAULT_HORIZON_MS).unwrap();
    assert_eq!(one.to_json(), two.to_json(), "the same draws and outcomes on one thread and two");
    let identified = &one.spreads[1];
    assert!(identified.high - identified.low > 0.05, "the figures move it: {identified:?}");
    let top: Vec<Assumption> = one.shares.iter().take(2).map(|s| s.parameter).collect();
    assert!(top.contains(&Assumption::MlaFollowUp), "{}", one.render_text());
    for spread in &one.spreads {
        let explained: f64 = one
            .shares
            .iter()
            .map(|s| {
                if spread.outcome == pocnet_coordinator::analysis::Metric::OriginPreserved {
                    s.origin_preserved
                } else {
                    s.subscriber_identified
                }
            })
            .sum();
        // Independent draws: the squared coefficients add up to about R² (sampling leaves some overlap).
        assert!(explained <= spread.r_squared + 0.15, "{explained} against R² {}", spread.r_squared);
    }
}
