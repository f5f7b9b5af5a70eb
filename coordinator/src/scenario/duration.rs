//! Durations and delay distributions as scenarios write them: `"4h"`,
//! `{ median = "30m", p90 = "2h" }`, parsed at the value that holds them so a
//! mistake is reported there.

use crate::units::fmt_ms;
use pocnet_node::Distribution;
use pocnet_node::constraint;
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor, value::MapAccessDeserializer};
use std::fmt;

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
    // "1M" is a month to humantime and a minute to most readers ("1m"):
    // refused rather than guessed.
    if let Some(at) = trimmed.find('M')
        && trimmed[..at].trim_end().ends_with(|c: char| c.is_ascii_digit())
        && !trimmed[at..].starts_with("Mon")
    {
        let number = trimmed[..at].trim_end();
        return Err(format!(
            "`{text}` reads two ways (a month to some, a minute to others): write \"{number}m\" for minutes or \"{}d\" for days",
            number.parse::<u64>().map_or_else(|_| "30".to_owned(), |n| (n * 30).to_string())
        ));
    }
    let duration = humantime::parse_duration(trimmed)
        .map_err(|e| format!("`{text}` is not a duration ({e}): expected {DURATION_EXAMPLES}"))?;
    let ms = i64::try_from(duration.as_millis()).unwrap_or(i64::MAX);
    constraint::duration_ms("duration", ms).map_err(|_| format!("`{text}` is longer than a century"))
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

/// How long someone waits before giving up, or `"never"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Patience {
    After(DurationMs),
    Never,
}

impl<'de> Deserialize<'de> for Patience {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Patience;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                write!(f, "{DURATION_EXAMPLES}, or \"never\"")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<Patience, E> {
                if text == "never" {
                    return Ok(Patience::Never);
                }
                match parse_duration(text).map_err(E::custom)? {
                    0 => Err(E::custom("giving up at once is not waiting: write a duration above 0, or \"never\"")),
                    ms => Ok(Patience::After(DurationMs(ms))),
                }
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<Patience, E> {
                Err(no_unit(n))
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<Patience, E> {
                Err(no_unit(n))
            }
            fn visit_f64<E: de::Error>(self, n: f64) -> Result<Patience, E> {
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
                Distribution::log_normal(m.0, p.0)
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
        // The node's own check, which the gRPC edge applies too.
        law.validate()?;
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
        assert!(parse_duration("200000d").unwrap_err().contains("century"));
    }
}
