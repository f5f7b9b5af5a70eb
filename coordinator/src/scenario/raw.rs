//! The scenario file as written: serde types that mirror the TOML, with the
//! human formats (durations, delay distributions, desk hours) parsed here so
//! that a mistake is reported at the exact value that holds it.

use crate::goals::ProfileName;
use pocnet_node::{Distribution, OfficeHours, Shift, Staffing};
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor, value::MapAccessDeserializer};
use std::collections::BTreeMap;
use std::fmt;
use toml::Spanned;

/// A scenario as read from its file and the files it includes: each section
/// with the index of the file it came from (for diagnostics), and the names
/// whose definitions were invalid, so references to them add no noise.
#[derive(Debug, Default)]
pub struct RawScenario {
    pub scenario: Option<(usize, RawMeta)>,
    pub network: Option<(usize, RawNetwork)>,
    pub countries: Vec<(usize, Spanned<String>, RawCountry)>,
    pub carriers: Vec<(usize, Spanned<String>, RawCarrier)>,
    pub incidents: Vec<(usize, RawIncident)>,
    pub incident_generators: Vec<(usize, RawGenerator)>,
    pub channels: Option<(usize, RawChannels)>,
    pub faults: Vec<(usize, RawFault)>,
    pub broken_countries: std::collections::BTreeSet<String>,
    pub broken_carriers: std::collections::BTreeSet<String>,
}

/// The top-level keys a scenario file may have.
pub const TOP_LEVEL_KEYS: [&str; 9] = [
    "scenario",
    "network",
    "channels",
    "countries",
    "carriers",
    "incidents",
    "incident_generators",
    "faults",
    "include",
];

/// The channels desks take expedited requests by (Action Plan 8: "voice,
/// fax, e-mail"), with their transit delays.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawChannels {
    pub voice: Option<RawDistribution>,
    #[serde(rename = "e-mail")]
    pub email: Option<RawDistribution>,
    pub fax: Option<RawDistribution>,
    pub portal: Option<RawDistribution>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
pub enum ChannelName {
    #[serde(rename = "voice")]
    Voice,
    #[serde(rename = "e-mail")]
    Email,
    #[serde(rename = "fax")]
    Fax,
    #[serde(rename = "portal")]
    Portal,
}

/// A country's entry in the contact directory: how likely it is out of date.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDirectory {
    /// Probability the listed contact is stale (0 to 1).
    pub stale: Spanned<f64>,
    /// Extra delay of the fallback channel after a failed attempt.
    pub fallback: Option<RawDistribution>,
}

/// A fault injected as a scenario event, during `[from, until)`.
/// (A struct rather than a tagged enum: serde's tagged enums lose the
/// places that diagnostics need.)
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFault {
    pub kind: Spanned<FaultKind>,
    /// For `desk-unreachable` and `directory-stale`.
    pub country: Option<Spanned<String>>,
    /// For `message-lost`: the sending and receiving countries.
    pub sender: Option<Spanned<String>>,
    pub to: Option<Spanned<String>>,
    /// For `carrier-outage`.
    pub carrier: Option<Spanned<String>>,
    pub from: Spanned<String>,
    pub until: Spanned<String>,
    /// For `message-lost`: how long the sender waits before resending.
    pub retry_after: Option<DurationMs>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FaultKind {
    /// Nobody can be reached at the country's desk.
    DeskUnreachable,
    /// The country's directory entry is stale: every sender pays the fallback.
    DirectoryStale,
    /// Messages from `sender` to `to` are lost, and resent after `retry_after`.
    MessageLost,
    /// The carrier cannot act on orders.
    CarrierOutage,
}

/// Incidents drawn from a rate: a Poisson process over a period, each from a
/// template chosen by weight.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawGenerator {
    /// Prefix of the generated incidents' ids (`id-00001`, ...).
    pub id: Spanned<String>,
    /// Mean incidents a day.
    pub per_day: Spanned<f64>,
    /// Start of the period.
    pub from: Spanned<String>,
    pub period: DurationMs,
    pub detection: RawDistribution,
    pub offence: Option<Offence>,
    #[serde(default)]
    pub urgency: Urgency,
    #[serde(default = "yes")]
    pub source_port: bool,
    pub templates: Vec<RawTemplate>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTemplate {
    #[serde(default = "one")]
    pub weight: Spanned<u32>,
    pub reported_by: Spanned<String>,
    pub chain: Spanned<Vec<Spanned<String>>>,
}

fn one() -> Spanned<u32> {
    Spanned::new(0..0, 1)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMeta {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub epoch: Spanned<String>,
    #[serde(default = "default_seed")]
    pub seed: u64,
    #[serde(default)]
    pub strategy: StrategyName,
    pub goals: Option<Spanned<RawGoals>>,
}

fn default_seed() -> u64 {
    1
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StrategyName {
    #[default]
    Hub,
    Relay,
    Parallel,
}

/// `goals = "budapest"`, or a profile with targets changed:
/// `goals = { profile = "action-plan-1997", acknowledgement = "2h" }`.
#[derive(Debug, Clone, PartialEq)]
pub struct RawGoals {
    pub profile: ProfileName,
    pub targets: BTreeMap<String, DurationMs>,
}

#[derive(Deserialize)]
struct GoalsTable {
    #[serde(default)]
    profile: ProfileName,
    #[serde(flatten)]
    targets: BTreeMap<String, DurationMs>,
}

impl<'de> Deserialize<'de> for RawGoals {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawGoals;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a profile name (\"action-plan-1997\", \"budapest\", \"eu-e-evidence\", \"second-protocol\") or a table { profile = ..., acknowledgement = \"2h\", ... }")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<RawGoals, E> {
                let profile = ProfileName::deserialize(de::value::StrDeserializer::<E>::new(text))?;
                Ok(RawGoals { profile, targets: BTreeMap::new() })
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawGoals, A::Error> {
                let table = GoalsTable::deserialize(MapAccessDeserializer::new(map))?;
                Ok(RawGoals { profile: table.profile, targets: table.targets })
            }
        }
        deserializer.deserialize_any(V)
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawNetwork {
    pub min_message_delay: Option<Spanned<DurationMs>>,
    pub message_delay: Option<RawDistribution>,
    /// Requests to or from a non-member go by MLA.
    pub mla_transit: Option<RawDistribution>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCountry {
    pub name: String,
    pub time_zone: Spanned<String>,
    pub staffing: RawStaffing,
    pub acknowledgement: Option<RawDistribution>,
    pub written_confirmation: Option<RawDistribution>,
    pub mla_preparation: Option<RawDistribution>,
    pub mla_execution: Option<RawDistribution>,
    pub hold: Option<DurationMs>,
    /// The hold renewable once for this long (US: 90 + 90 days).
    pub hold_renewal: Option<DurationMs>,
    /// The year the country joined the 24/7 network, or "never".
    pub member_since: Option<Spanned<Membership>>,
    #[serde(default)]
    pub languages: Vec<String>,
    pub translation: Option<RawDistribution>,
    pub court_order: Option<RawDistribution>,
    /// Local dates the desk is closed all day (office-hours desks only).
    #[serde(default)]
    pub holidays: Vec<Spanned<String>>,
    /// Officers at the desk at once; simultaneous cases queue. Absent: as many as needed.
    pub officers: Option<Spanned<u32>>,
    /// A dual-criminality reservation (Budapest Art. 29(4)): the offences it preserves for.
    pub dual_criminality: Option<Vec<Offence>>,
    /// The channel the desk takes expedited requests by.
    pub channel: Option<ChannelName>,
    /// A Second Protocol party whose carriers take Art. 7 orders directly.
    #[serde(default)]
    pub direct_orders: bool,
    pub directory: Option<RawDirectory>,
}

/// `member_since = 2004` or `member_since = "never"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Membership {
    Since(i16),
    Never,
}

impl<'de> Deserialize<'de> for Membership {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Membership;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a year like 2004, or \"never\" for a country outside the network")
            }
            fn visit_i64<E: de::Error>(self, year: i64) -> Result<Membership, E> {
                match i16::try_from(year) {
                    Ok(year) if (1997..=2100).contains(&year) => Ok(Membership::Since(year)),
                    _ => Err(E::custom(format!("{year} is not a year of the network (it began in 1997)"))),
                }
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<Membership, E> {
                match text {
                    "never" => Ok(Membership::Never),
                    other => Err(E::custom(format!("`{other}`: expected a year like 2004, or \"never\""))),
                }
            }
        }
        deserializer.deserialize_any(V)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCarrier {
    pub country: Spanned<String>,
    pub kind: String,
    pub retention: Retention,
    /// A carrier-grade NAT: many subscribers share one address.
    #[serde(default)]
    pub cgn: bool,
    pub emergency_response: Option<RawDistribution>,
    /// When its staff act on orders; absent: around the clock.
    pub hours: Option<RawStaffing>,
    /// How long it keeps subscriber records (who held an account).
    pub subscriber_retention: Option<DurationMs>,
    /// Answering a direct order (Second Protocol Art. 7).
    pub direct_response: Option<RawDistribution>,
    pub preservation: Option<RawDistribution>,
    pub disclosure: Option<RawDistribution>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawIncident {
    pub id: Spanned<String>,
    pub reported_by: Spanned<String>,
    pub communication: Spanned<String>,
    pub detection: RawDistribution,
    pub chain: Spanned<Vec<Spanned<String>>>,
    /// Budapest Arts. 2-11 category; checked against dual-criminality reservations.
    pub offence: Option<Offence>,
    #[serde(default)]
    pub urgency: Urgency,
    /// Whether the requests carry the source port and a timestamp to the
    /// second; without them a carrier-grade NAT identifies nobody.
    #[serde(default = "yes")]
    pub source_port: bool,
}

fn yes() -> bool {
    true
}

/// The offence categories of the Budapest Convention, Arts. 2-10 (Art. 11,
/// attempt and aiding, goes with one of them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Offence {
    IllegalAccess,
    IllegalInterception,
    DataInterference,
    SystemInterference,
    MisuseOfDevices,
    ComputerRelatedForgery,
    ComputerRelatedFraud,
    ChildSexualAbuseMaterial,
    CopyrightInfringement,
}

impl Offence {
    pub fn name(self) -> &'static str {
        match self {
            Offence::IllegalAccess => "illegal-access",
            Offence::IllegalInterception => "illegal-interception",
            Offence::DataInterference => "data-interference",
            Offence::SystemInterference => "system-interference",
            Offence::MisuseOfDevices => "misuse-of-devices",
            Offence::ComputerRelatedForgery => "computer-related-forgery",
            Offence::ComputerRelatedFraud => "computer-related-fraud",
            Offence::ChildSexualAbuseMaterial => "child-sexual-abuse-material",
            Offence::CopyrightInfringement => "copyright-infringement",
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Urgency {
    #[default]
    Routine,
    /// A threat to life: Second Protocol Art. 9 emergency procedure.
    Emergency,
}

// ---------------------------------------------------------------------------
// Durations.

/// A non-negative duration written with a unit: `90s`, `15m`, `4h`, `7d`, `1h 30m`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DurationMs(pub i64);

const DURATION_EXAMPLES: &str = "a duration with a unit, like \"90s\", \"15m\", \"4h\" or \"7d\"";

pub fn parse_duration(text: &str) -> Result<i64, String> {
    let trimmed = text.trim();
    if trimmed.starts_with('-') {
        return Err(format!("`{text}` is negative; durations cannot be"));
    }
    if !trimmed.is_empty() && trimmed.chars().all(|c| c.is_ascii_digit()) {
        return Err(format!("`{text}` has no unit: write {DURATION_EXAMPLES}"));
    }
    let duration = humantime::parse_duration(trimmed)
        .map_err(|e| format!("`{text}` is not a duration ({e}): expected {DURATION_EXAMPLES}"))?;
    i64::try_from(duration.as_millis()).map_err(|_| format!("`{text}` is too long"))
}

impl<'de> Deserialize<'de> for DurationMs {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = DurationMs;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(DURATION_EXAMPLES)
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<DurationMs, E> {
                parse_duration(text).map(DurationMs).map_err(E::custom)
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<DurationMs, E> {
                Err(no_unit(n))
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<DurationMs, E> {
                Err(no_unit(n))
            }
            fn visit_f64<E: de::Error>(self, n: f64) -> Result<DurationMs, E> {
                Err(no_unit(n))
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// A bare number is ambiguous (seconds? hours?), so it is refused with the fix.
fn no_unit<E: de::Error>(n: impl fmt::Display) -> E {
    E::custom(format!("the number {n} has no unit: write {DURATION_EXAMPLES}, in quotes"))
}

/// A retention window, or `"none"` for a carrier that keeps no logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retention {
    Keeps(DurationMs),
    NoLogs,
}

impl<'de> Deserialize<'de> for Retention {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Retention;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                write!(f, "{DURATION_EXAMPLES}, or \"none\" for a carrier that keeps no logs")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<Retention, E> {
                if text == "none" {
                    return Ok(Retention::NoLogs);
                }
                parse_duration(text).map(|ms| Retention::Keeps(DurationMs(ms))).map_err(E::custom)
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<Retention, E> {
                Err(no_unit(n))
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<Retention, E> {
                Err(no_unit(n))
            }
            fn visit_f64<E: de::Error>(self, n: f64) -> Result<Retention, E> {
                Err(no_unit(n))
            }
        }
        deserializer.deserialize_any(V)
    }
}

// ---------------------------------------------------------------------------
// Delay distributions.

/// A delay as people state it: a fixed `"4h"`, or a table naming a law.
#[derive(Debug, Clone, PartialEq)]
pub struct RawDistribution(pub Distribution);

const DISTRIBUTION_FORMS: &str = "a duration like \"4h\" (fixed), { median = \"30m\", p90 = \"2h\" } (log-normal), \
     { mean = \"1h\" } (exponential) or { min = \"1h\", max = \"24h\" } (uniform)";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DistributionTable {
    median: Option<DurationMs>,
    p90: Option<DurationMs>,
    mean: Option<DurationMs>,
    min: Option<DurationMs>,
    max: Option<DurationMs>,
}

impl DistributionTable {
    fn into_law(self) -> Result<Distribution, String> {
        let law = match self {
            DistributionTable { median: Some(m), p90: Some(p), mean: None, min: None, max: None } => {
                if p.0 < m.0 {
                    return Err(format!(
                        "p90 ({}) is below the median ({}): 90% of delays cannot be shorter than half of them",
                        fmt_ms(p.0),
                        fmt_ms(m.0)
                    ));
                }
                Distribution::LogNormal { median_ms: m.0, p90_ms: p.0 }
            }
            DistributionTable { mean: Some(m), median: None, p90: None, min: None, max: None } => {
                Distribution::Exponential { mean_ms: m.0 }
            }
            DistributionTable { min: Some(lo), max: Some(hi), median: None, p90: None, mean: None } => {
                if hi.0 < lo.0 {
                    return Err(format!("max ({}) is below min ({})", fmt_ms(hi.0), fmt_ms(lo.0)));
                }
                Distribution::Uniform { min_ms: lo.0, max_ms: hi.0 }
            }
            _ => {
                return Err(format!("this combination of keys describes no delay: expected {DISTRIBUTION_FORMS}"));
            }
        };
        Ok(law)
    }
}

impl<'de> Deserialize<'de> for RawDistribution {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawDistribution;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(DISTRIBUTION_FORMS)
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<RawDistribution, E> {
                let ms = parse_duration(text).map_err(E::custom)?;
                Ok(RawDistribution(Distribution::Fixed { ms }))
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<RawDistribution, E> {
                Err(no_unit(n))
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<RawDistribution, E> {
                Err(no_unit(n))
            }
            fn visit_f64<E: de::Error>(self, n: f64) -> Result<RawDistribution, E> {
                Err(no_unit(n))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawDistribution, A::Error> {
                let table = DistributionTable::deserialize(MapAccessDeserializer::new(map))?;
                table.into_law().map(RawDistribution).map_err(de::Error::custom)
            }
        }
        deserializer.deserialize_any(V)
    }
}

// ---------------------------------------------------------------------------
// Desk staffing.

#[derive(Debug, Clone, PartialEq)]
pub struct RawStaffing(pub Staffing);

const STAFFING_FORMS: &str =
    "\"24/7\" or a table like { office_hours = \"09:00-17:00\", days = \"Mon-Fri\", on_call = \"2h\" }";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OfficeHoursTable {
    office_hours: Shifts,
    #[serde(default = "weekdays")]
    days: String,
    on_call: Option<RawDistribution>,
}

/// `"09:00-17:00"`, or shifts: `["07:00-15:00", "15:00-23:00"]`.
struct Shifts(Vec<String>);

impl<'de> Deserialize<'de> for Shifts {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Shifts;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("hours like \"09:00-17:00\", or a list of shifts like [\"07:00-15:00\", \"15:00-23:00\"]")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<Shifts, E> {
                Ok(Shifts(vec![text.to_owned()]))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Shifts, A::Error> {
                let mut shifts = Vec::new();
                while let Some(shift) = seq.next_element::<String>()? {
                    shifts.push(shift);
                }
                Ok(Shifts(shifts))
            }
        }
        deserializer.deserialize_any(V)
    }
}

fn weekdays() -> String {
    "Mon-Fri".to_owned()
}

const DAY_NAMES: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

fn parse_clock(text: &str) -> Option<u32> {
    let (h, m) = text.trim().split_once(':')?;
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (h <= 24 && m < 60 && h * 60 + m <= 24 * 60).then_some(h * 60 + m)
}

fn parse_day(text: &str) -> Result<u8, String> {
    DAY_NAMES
        .iter()
        .position(|d| d.eq_ignore_ascii_case(text.trim()))
        .map(|i| i as u8 + 1)
        .ok_or_else(|| format!("`{}` is not a day: use {}", text.trim(), DAY_NAMES.join(", ")))
}

/// "Mon-Fri", "Mon,Wed,Fri", "Sat-Sun" → ISO weekdays.
fn parse_days(text: &str) -> Result<Vec<u8>, String> {
    let mut days = Vec::new();
    for part in text.split(',') {
        match part.split_once('-') {
            Some((from, to)) => {
                let (from, to) = (parse_day(from)?, parse_day(to)?);
                if to < from {
                    return Err(format!("`{}` runs backwards: write the earlier day first", part.trim()));
                }
                days.extend(from..=to);
            }
            None => days.push(parse_day(part)?),
        }
    }
    days.sort_unstable();
    days.dedup();
    Ok(days)
}

impl OfficeHoursTable {
    fn into_staffing(self) -> Result<Staffing, String> {
        let mut shifts = Vec::new();
        for hours in &self.office_hours.0 {
            let bad_hours = || format!("office_hours `{hours}` should look like \"09:00-17:00\"");
            let (opens, closes) = hours.split_once('-').ok_or_else(bad_hours)?;
            let (opens_minute, closes_minute) =
                (parse_clock(opens).ok_or_else(bad_hours)?, parse_clock(closes).ok_or_else(bad_hours)?);
            if opens_minute >= closes_minute {
                return Err(format!("office_hours `{hours}` close before they open"));
            }
            shifts.push(Shift { opens_minute, closes_minute });
        }
        if shifts.is_empty() {
            return Err("office_hours lists no shift".to_owned());
        }
        shifts.sort();
        Ok(Staffing::OfficeHours(OfficeHours {
            shifts,
            weekdays: parse_days(&self.days)?,
            on_call: self.on_call.map(|d| d.0),
            // Holidays are the country's; the scenario adds them after parsing.
            holidays: Vec::new(),
        }))
    }
}

impl<'de> Deserialize<'de> for RawStaffing {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawStaffing;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(STAFFING_FORMS)
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<RawStaffing, E> {
                match text {
                    "24/7" => Ok(RawStaffing(Staffing::AroundTheClock)),
                    other => Err(E::custom(format!("unknown staffing `{other}`: expected {STAFFING_FORMS}"))),
                }
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawStaffing, A::Error> {
                let table = OfficeHoursTable::deserialize(MapAccessDeserializer::new(map))?;
                table.into_staffing().map(RawStaffing).map_err(de::Error::custom)
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// A duration for people: `45s`, `2h 15m`, `3d 4h`.
pub fn fmt_ms(ms: i64) -> String {
    if ms < 0 {
        return format!("-{}", fmt_ms(-ms));
    }
    if ms < 1000 {
        return format!("{ms}ms");
    }
    let s = ms / 1000;
    let (d, h, m, sec) = (s / 86_400, s / 3600 % 24, s / 60 % 60, s % 60);
    let parts: Vec<String> = [(d, "d"), (h, "h"), (m, "m"), (sec, "s")]
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, unit)| format!("{n}{unit}"))
        .collect();
    // Two units are enough at a glance: "3d 4h", not "3d 4h 12m 9s".
    parts.into_iter().take(2).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_need_units_and_cannot_be_negative() {
        assert_eq!(parse_duration("90s"), Ok(90_000));
        assert_eq!(parse_duration("15m"), Ok(900_000));
        assert_eq!(parse_duration("7d"), Ok(7 * 86_400_000));
        assert_eq!(parse_duration("1h 30m"), Ok(5_400_000));
        assert!(parse_duration("-5m").unwrap_err().contains("negative"));
        assert!(parse_duration("30").unwrap_err().contains("no unit"));
        assert!(parse_duration("soon").is_err());
    }

    #[test]
    fn days_and_hours_parse_and_format() {
        assert_eq!(parse_days("Mon-Fri"), Ok(vec![1, 2, 3, 4, 5]));
        assert_eq!(parse_days("Sat,mon"), Ok(vec![1, 6]));
        assert!(parse_days("Fri-Mon").is_err());
        assert_eq!(parse_clock("09:30"), Some(570));
        assert_eq!(fmt_ms(3 * 86_400_000 + 4 * 3_600_000 + 12 * 60_000), "3d 4h");
        assert_eq!(fmt_ms(90_000), "1m 30s");
    }
}
