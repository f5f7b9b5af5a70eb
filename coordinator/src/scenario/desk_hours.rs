//! Desk and carrier hours as scenarios write them: `"24/7"`, or
//! `{ office_hours = "09:00-17:00", days = "Mon-Fri", on_call = "2h" }`.
//! The values go through the node's own constructors ([`Shift::new`],
//! [`OfficeHours::new`]), which the gRPC edge uses too.

use super::duration::RawDistribution;
use pocnet_node::{OfficeHours, Shift, Staffing, WEEKDAY_NAMES};
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor, value::MapAccessDeserializer};
use std::fmt;

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

fn parse_clock(text: &str) -> Option<u32> {
    let (h, m) = text.trim().split_once(':')?;
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (h <= 24 && m < 60 && h * 60 + m <= 24 * 60).then_some(h * 60 + m)
}

/// The forms `days` takes, for hints.
const DAY_FORMS: &str = "a range \"Mon-Fri\" (it may wrap the week: \"Sun-Thu\", \"Sat-Wed\"), a list \"Mon,Wed,Fri\", or both \"Mon-Wed,Fri\"";

fn parse_day(text: &str) -> Result<u8, String> {
    let day = text.trim();
    WEEKDAY_NAMES.iter().position(|d| d.eq_ignore_ascii_case(day)).map(|i| i as u8 + 1).ok_or_else(|| {
        let hint = match crate::scenario::diagnostic::nearest(day, WEEKDAY_NAMES.iter().copied()) {
            Some(near) => format!("did you mean `{near}`?"),
            None => format!("days are {}", WEEKDAY_NAMES.join(", ")),
        };
        format!("`{day}` is not a day: {hint} `days` takes {DAY_FORMS}")
    })
}

/// "Mon-Fri", "Mon,Wed,Fri", "Sat-Sun", and ranges that wrap the week
/// ("Sun-Thu" for desks whose week starts on Sunday) → ISO weekdays.
fn parse_days(text: &str) -> Result<Vec<u8>, String> {
    let mut days = Vec::new();
    for part in text.split(',') {
        match part.split_once('-') {
            Some((from, to)) => {
                let (from, to) = (parse_day(from)?, parse_day(to)?);
                if to >= from {
                    days.extend(from..=to);
                } else {
                    // Across the end of the week: Sun-Thu is Sun, Mon, ..., Thu.
                    days.extend(from..=7);
                    days.extend(1..=to);
                }
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
            shifts.push(Shift::new(opens_minute, closes_minute).map_err(|e| e.0)?);
        }
        if shifts.is_empty() {
            return Err("office_hours lists no shift".to_owned());
        }
        // Holidays are the country's; the scenario adds them after parsing.
        OfficeHours::new(shifts, parse_days(&self.days)?, self.on_call.map(|d| d.0), Vec::new())
            .map(Staffing::OfficeHours)
            .map_err(|e| e.0)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_and_hours_parse() {
        assert_eq!(parse_days("Mon-Fri"), Ok(vec![1, 2, 3, 4, 5]));
        assert_eq!(parse_days("Sat,mon"), Ok(vec![1, 6]));
        // A range that wraps the week, for desks whose week starts on Sunday.
        assert_eq!(parse_days("Sun-Thu"), Ok(vec![1, 2, 3, 4, 7]));
        assert_eq!(parse_days("Fri-Mon"), Ok(vec![1, 5, 6, 7]));
        assert!(parse_days("Fri-Mun").is_err_and(|e| e.contains("did you mean `Mon`?")));
        assert_eq!(parse_clock("09:30"), Some(570));
    }
}
