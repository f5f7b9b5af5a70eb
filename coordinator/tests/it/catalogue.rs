//! The country catalogue: its dates keep the treaties' own arithmetic, they
//! reproduce the network of three dated worlds, and a scenario that says
//! otherwise is warned of, located.

use crate::support::{load, scenario_path};
use jiff::civil::Date;
use pocnet_coordinator::scenario::Scenario;
use pocnet_coordinator::scenario::catalogue::entry_into_force;
use pocnet_node::CountryCode;
use std::collections::BTreeSet;

fn codes(list: &[&str]) -> BTreeSet<CountryCode> {
    list.iter().map(|c| CountryCode::from(*c)).collect()
}

fn budapest_parties(scenario: &Scenario) -> BTreeSet<CountryCode> {
    scenario.networks.iter().filter(|(_, n)| n.budapest).map(|(c, _)| *c).collect()
}

/// A date the catalogue writes, read.
fn day(value: &toml::Value) -> Date {
    value.as_str().expect("a date as text").parse().expect("a date")
}

/// Every ratification or accession binds on the first day of the month
/// three months after it (Arts. 36(4), 37(2)); one deposited before the
/// Convention entered into force binds from that day, 1 Jul 2004 (Art. 36(3)).
#[test]
fn the_catalogue_keeps_the_treaties_own_arithmetic() {
    let text = std::fs::read_to_string(scenario_path("catalogue/countries.toml")).unwrap();
    let catalogue: toml::Table = text.parse().unwrap();
    let convention_in_force = Date::constant(2004, 7, 1);
    let mut parties = 0;
    for (code, state) in catalogue["states"].as_table().unwrap() {
        let Some(budapest) = state.get("budapest").and_then(toml::Value::as_table) else { continue };
        let (Some(ratified), Some(in_force)) = (budapest.get("ratified"), budapest.get("in_force")) else {
            assert!(budapest.get("ratified").is_none(), "{code}: ratified with no entry into force");
            continue;
        };
        parties += 1;
        let expected = entry_into_force(day(ratified)).max(convention_in_force);
        assert_eq!(day(in_force), expected, "{code}: in force on the wrong day for its ratification");
        if let Some(signed) = budapest.get("signed") {
            assert!(day(signed) <= day(ratified), "{code}: ratified before it signed");
        }
        let protocol = state.get("second_protocol").and_then(toml::Value::as_table);
        if let Some((signed, ratified)) = protocol.and_then(|p| p.get("signed").zip(p.get("ratified"))) {
            assert!(day(signed) <= day(ratified), "{code}: the Second Protocol ratified before it was signed");
        }
    }
    // 75 Parties on 20 June 2024 (Council of Europe); a few are not listed
    // with dates (their accession was not in the sources read).
    assert!(parties >= 65, "{parties} Parties with dates");
}

/// The memberships the catalogue gives the library's three dated worlds.
#[test]
fn the_catalogue_reproduces_the_network_of_1998_2004_and_2026() {
    // 1998: the G8's eight points of contact; the Convention was three years off.
    let g8 = load("g8-1997.toml");
    assert!(g8.networks.values().all(|n| n.g7 && !n.budapest), "{:?}", g8.networks);
    assert!(g8.second_protocol.is_none(), "no State had ratified the Second Protocol in 1998");

    // October 2004: the Convention in force three months, for four of these forty.
    let y2004 = load("network-2004.toml");
    assert_eq!(budapest_parties(&y2004), codes(&["EE", "HR", "HU", "LT"]));
    assert!(y2004.networks.values().all(|n| n.g7 || !n.budapest));
    let bound = y2004.epoc.as_ref().map(|e| e.bound.clone()).unwrap_or_default();
    assert!(bound.contains(&CountryCode::from("GB")), "the United Kingdom was a Member State in 2004");
    assert!(!bound.contains(&CountryCode::from("DK")), "Denmark takes no part in the Regulation");

    // February 2026.
    let today = load("network-today.toml");
    let parties = budapest_parties(&today);
    // New Zealand acceded on 28 Aug 2025, a Party from 1 Dec 2025.
    for party in ["US", "CA", "GB", "FR", "DE", "IT", "JP", "TO", "TN", "FJ", "GH", "NG", "BR", "NZ"] {
        assert!(parties.contains(&CountryCode::from(party)), "{party} is a Budapest Party in 2026");
    }
    // The States the issue found made Parties by an absent `member_since`.
    for outside in ["IN", "ID", "MY", "TH", "SG", "EG", "JO", "AE", "QA", "MX", "ZA", "RU", "CN", "VN"] {
        assert!(!parties.contains(&CountryCode::from(outside)), "{outside} is not a Budapest Party");
    }
    assert!(today.networks[&CountryCode::from("RU")].g7, "a G8 founder of the 24/7 network");
    let protocol = today.second_protocol.as_ref().expect("Parties to the Second Protocol");
    // Hungary ratified on 5 Feb 2026, three days after the epoch.
    assert_eq!(protocol.parties, codes(&["JP", "RS"]));
    assert_eq!(protocol.art7_reserved, codes(&["JP"]));
    assert_eq!(protocol.in_force_at, None, "three of the five ratifications it needs");
    let bound = today.epoc.as_ref().unwrap().bound.clone();
    assert!(!bound.contains(&CountryCode::from("GB")) && !bound.contains(&CountryCode::from("DK")));
    assert!(bound.contains(&CountryCode::from("IE")) && bound.contains(&CountryCode::from("HR")));
}

/// A small world on the catalogue: `countries` (code, name, zone) and
/// whatever else `more` adds, one incident reported by the first.
fn world(epoch: &str, countries: &[(&str, &str, &str)], more: &str) -> String {
    let mut text = format!(
        "include = [\"{}\"]\n\n[scenario]\nname = \"a small world\"\nepoch = \"{epoch}\"\n\n{more}\n",
        scenario_path("catalogue/countries.toml").display()
    );
    for (code, name, zone) in countries {
        text.push_str(&format!(
            "[countries.{code}]\nname = \"{name}\"\ntime_zone = \"{zone}\"\nstaffing = \"24/7\"\n\n"
        ));
    }
    let (first, last) = (countries[0].0, countries[countries.len() - 1].0);
    text.push_str(&format!(
        "[carriers.isp]\ncountry = \"{last}\"\nkind = \"isp\"\nretention = \"30d\"\n\n[[incidents]]\nid = \"one\"\n\
         reported_by = \"{first}\"\ncommunication = \"{epoch}\"\ndetection = \"1h\"\nchain = [\"isp\"]\n"
    ));
    text
}

/// A Party bound by the Second Protocol only from its own date (Art. 16(4)).
#[test]
fn a_late_ratification_binds_from_its_own_date() {
    let countries =
        [("RS", "Serbia", "Europe/Belgrade"), ("HU", "Hungary", "Europe/Budapest"), ("JP", "Japan", "Asia/Tokyo")];
    let future = "[instruments.second_protocol]\nin_force = \"2026-04-01T00:00:00Z\"\n";
    let scenario = Scenario::parse("later.toml", &world("2026-03-02T00:00:00Z", &countries, future)).unwrap();
    let protocol = scenario.second_protocol.as_ref().unwrap();
    assert_eq!(protocol.parties, codes(&["HU", "JP", "RS"]));
    assert_eq!(protocol.art7_reserved, codes(&["JP"]));
    let day_ms = 86_400_000;
    let from = |code: &str| protocol.party_from[&CountryCode::from(code)].ms() / day_ms;
    // Hungary's ratification of 5 Feb 2026 binds it from 1 Jun 2026: 91 days after 2 Mar.
    assert_eq!(from("HU"), 91);
    assert!(from("RS") < 0 && from("JP") < 0, "bound before the epoch, were the Protocol in force");
    let (rs, hu, jp) = (CountryCode::from("RS"), CountryCode::from("HU"), CountryCode::from("JP"));
    let at = |days: i64| pocnet_node::SimTime(days * day_ms);
    assert!(!protocol.applies(&rs, &jp, at(29)), "not before the Protocol is in force");
    assert!(protocol.applies(&rs, &jp, at(31)));
    assert!(!protocol.applies(&rs, &hu, at(60)), "not with Hungary before its own date");
    assert!(protocol.applies(&rs, &hu, at(91)));
}

/// A State whose accession the catalogue does not date is not taken for a
/// Party, and `check` says so.
#[test]
fn an_undated_accession_is_said_and_not_assumed() {
    let countries = [("FR", "France", "Europe/Paris"), ("SM", "San Marino", "Europe/San_Marino")];
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("undated.toml");
    std::fs::write(&path, world("2026-03-02T00:00:00Z", &countries, "")).unwrap();
    let scenario = Scenario::load(&path).unwrap();
    assert!(!scenario.networks[&CountryCode::from("SM")].budapest);
    assert!(scenario.networks[&CountryCode::from("SM")].g7);
    let output = crate::support::pocnet(&["check", path.to_str().unwrap()]);
    let stdout = crate::support::text(&output.stdout);
    assert!(stdout.contains("does not say whether or when San Marino joined"), "{stdout}");
}

/// What a scenario says against the catalogue stands, and `check` says
/// where, in the scenario's own file.
#[test]
fn a_scenario_that_contradicts_its_catalogue_is_warned_where_it_does() {
    let catalogue = scenario_path("catalogue/countries.toml");
    let text = format!(
        r#"include = ["{}"]

[scenario]
name = "against the catalogue"
epoch = "2026-03-02T00:00:00Z"

[countries.IN]
name = "India"
time_zone = "Asia/Kolkata"
staffing = "24/7"
member_since = 2004

[countries.US]
name = "United States"
time_zone = "Europe/Paris"
staffing = "24/7"
second_protocol = true

[countries.XK]
name = "Kosovo"
time_zone = "Europe/Belgrade"
staffing = "24/7"

[carriers.isp-in]
country = "IN"
kind = "isp"
retention = "30d"

[[incidents]]
id = "one"
reported_by = "US"
communication = "2026-03-02T10:00:00Z"
detection = "1h"
chain = ["isp-in"]
"#,
        catalogue.display()
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("against.toml");
    std::fs::write(&path, text).unwrap();
    let output = crate::support::pocnet(&["check", path.to_str().unwrap()]);
    let stdout = crate::support::text(&output.stdout);
    assert!(output.status.success(), "{}", crate::support::text(&output.stderr));
    let warning = |needle: &str| {
        stdout.lines().find(|l| l.contains(needle)).unwrap_or_else(|| panic!("no warning with {needle:?}:\n{stdout}"))
    };
    let india = warning("member_since");
    assert!(india.contains("against.toml:11:") && india.contains("not a Budapest Party"), "{india}");
    let us = warning("not a Party to the Second Protocol");
    assert!(us.contains("against.toml:17:"), "{us}");
    let zone = warning("not a time zone the catalogue lists");
    assert!(zone.contains("against.toml:15:") && zone.contains("United States"), "{zone}");
    let kosovo = warning("not in the country catalogue");
    assert!(kosovo.contains("against.toml:19:"), "{kosovo}");
    // The scenario's word stands: India is a Budapest Party here.
    let scenario = Scenario::load(&path).unwrap();
    assert!(scenario.networks[&CountryCode::from("IN")].budapest);
    assert!(scenario.second_protocol.as_ref().is_some_and(|p| p.parties.contains(&CountryCode::from("US"))));
}

/// MLA with a State outside the Convention is named for what it is, and the
/// Convention's Art. 29 goals are not scored on it; between two Parties they are.
#[test]
fn mla_with_a_state_outside_the_convention_is_labelled_and_owes_no_art29_goals() {
    let outcome = |origin: (&str, &str, &str)| {
        let text = world("2026-03-02T00:00:00Z", &[("FR", "France", "Europe/Paris"), origin], "goals = \"budapest\"\n");
        let scenario = Scenario::parse("outside.toml", &text).unwrap();
        let log = crate::support::run_both(&scenario, scenario.seed);
        pocnet_coordinator::report::incident_reports(&scenario, &log.events).remove(0)
    };
    let art29 = |incident: &pocnet_coordinator::report::IncidentReport| {
        let measures: Vec<String> = incident.hops[0].goals.iter().map(|g| format!("{:?}", g.measure)).collect();
        measures.iter().any(|m| m == "Hold") || measures.iter().any(|m| m == "MlaBeforeHoldExpiry")
    };
    let india = outcome(("IN", "India", "Asia/Kolkata"));
    let found = india.subscriber.as_ref().expect("identified by MLA");
    assert!(found.outside_convention);
    assert!(found.instrument().contains("bilateral treaty, UNTOC Art. 18"), "{}", found.instrument());
    assert!(!art29(&india), "{:?}", india.hops[0].goals);
    let germany = outcome(("DE", "Germany", "Europe/Berlin"));
    let found = germany.subscriber.as_ref().expect("identified");
    assert!(!found.outside_convention, "{}", found.instrument());
    assert!(art29(&germany), "{:?}", germany.hops[0].goals);
}

/// Reg. 2023/1543 reaches a provider offering services in the Union through
/// its designated establishment or representative, wherever the provider is;
/// a provider with none in a bound Member State is asked by MLA.
#[test]
fn a_production_order_goes_where_the_provider_is_represented_in_the_union() {
    let channel = |origin: (&str, &str, &str), carrier: &str| {
        let mut text = world("2026-09-07T00:00:00Z", &[("FR", "France", "Europe/Paris"), origin], "");
        text = text.replace("retention = \"30d\"\n", &format!("retention = \"30d\"\n{carrier}\n"));
        let scenario = Scenario::parse("epoc.toml", &text).unwrap_or_else(|e| panic!("{e:?}"));
        let log = crate::support::run_both(&scenario, scenario.seed);
        let incident = pocnet_coordinator::report::incident_reports(&scenario, &log.events).remove(0);
        incident.subscriber.map(|s| s.channel)
    };
    use pocnet_node::ProductionChannel::{Epoc, Mla};
    let germany = ("DE", "Germany", "Europe/Berlin");
    let denmark = ("DK", "Denmark", "Europe/Copenhagen");
    let united_states = ("US", "United States", "America/New_York");
    assert_eq!(channel(germany, ""), Some(Epoc), "a German provider, from the catalogue's Member States");
    assert_eq!(channel(denmark, ""), Some(Mla), "Denmark takes no part in the Regulation");
    assert_eq!(channel(united_states, ""), Some(Mla), "a US provider with no representative in the Union");
    assert_eq!(channel(united_states, "eu_establishment = \"IE\""), Some(Epoc), "through its Irish representative");
    assert_eq!(channel(denmark, "eu_establishment = \"SE\""), Some(Epoc), "through its Swedish representative");
    // A representative must be in a Member State the Regulation binds.
    let text = world("2026-09-07T00:00:00Z", &[("FR", "France", "Europe/Paris"), united_states], "")
        .replace("retention = \"30d\"\n", "retention = \"30d\"\neu_establishment = \"DK\"\n");
    let error = format!("{:?}", Scenario::parse("epoc.toml", &text).unwrap_err());
    assert!(error.contains("`DK` is no Member State bound by the e-Evidence Regulation"), "{error}");
}

/// Art. 29(3): a Party may refuse preservation for want of dual criminality
/// only while an Art. 29(4) reservation has effect for it; the catalogue
/// dates Austria's and the Czech Republic's (withdrawn in 2019).
#[test]
fn refusing_preservation_for_want_of_dual_criminality_needs_an_art29_4_reservation() {
    let warned = |epoch: &str, country: (&str, &str, &str)| {
        let mut text = world(epoch, &[("FR", "France", "Europe/Paris"), country], "");
        let table = format!("[countries.{}]\n", country.0);
        text = text.replace(&table, &format!("{table}dual_criminality = [\"gambling\"]\n"));
        let scenario = Scenario::parse("reserved.toml", &text).unwrap_or_else(|e| panic!("{e:?}"));
        scenario.located_warnings.iter().find(|w| w.contains("Art. 29(4)")).cloned()
    };
    let austria = ("AT", "Austria", "Europe/Vienna");
    let czechia = ("CZ", "Czechia", "Europe/Prague");
    let germany = ("DE", "Germany", "Europe/Berlin");
    assert_eq!(warned("2026-03-02T00:00:00Z", austria), None);
    assert_eq!(warned("2015-03-02T00:00:00Z", czechia), None, "reserved from 1 Dec 2013");
    let withdrawn = warned("2020-03-02T00:00:00Z", czechia).expect("withdrawn on 5 Jul 2019");
    assert!(withdrawn.contains("reserved.toml:") && withdrawn.contains("gambling"), "{withdrawn}");
    assert!(warned("2026-03-02T00:00:00Z", germany).is_some());
    assert_eq!(warned("2003-03-02T00:00:00Z", germany), None, "not a Party yet: Art. 29 does not bind it");
}
