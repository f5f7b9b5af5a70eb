//! The forms a point of contact fills (after the T-CY Art. 29/30 and
//! Art. 31 templates), read once, here, from the fields a person sent
//! (`command::DeskAction`). A missing or incomplete field never blocks
//! sending: it becomes a finding that part 2 scores, and may make the
//! receiving desk ask for clarification. What cannot be read at all (an
//! unknown field, a time or address that is none) is refused, naming the
//! field.

use pocnet_node::ProductionChannel;
use serde::Deserialize;
use serde::Serialize;
use std::collections::BTreeMap;
use std::net::IpAddr;

/// Longest free text a field takes: a page of facts, not a file.
pub const MAX_TEXT: usize = 4_000;

use crate::scenario::templates::FieldKind::{Channel, Date, Flag, Ground, Instant, Ip, Port, Text};
use crate::scenario::templates::StepKind;

/// One field as filled in.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum FieldValue {
    Text(String),
    Ip(IpAddr),
    Port(u16),
    Instant(FilledInstant),
    /// A valid calendar date, as `2026-05-01`.
    Date(String),
    Flag(bool),
    Channel(ProductionChannel),
}

/// An instant as written, and what it names when it carries its offset.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FilledInstant {
    pub text: String,
    /// `None`: written without a UTC offset, so it names no instant for sure.
    pub at_ms: Option<i64>,
}

/// A form as the person sent it, with what it lacks.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FilledForm {
    pub kind: StepKind,
    pub values: BTreeMap<&'static str, FieldValue>,
    /// Wanted fields left empty, a time without its offset, ...
    pub findings: Vec<String>,
}

impl FilledForm {
    pub fn instant(&self, name: &str) -> Option<&FilledInstant> {
        match self.values.get(name) {
            Some(FieldValue::Instant(instant)) => Some(instant),
            _ => None,
        }
    }

    pub fn has(&self, name: &str) -> bool {
        self.values.contains_key(name)
    }

    /// The fields as a person would send them, so that reading them again
    /// (`fill`) gives this form back: what the journal keeps.
    pub fn as_sent(&self) -> BTreeMap<String, FieldInput> {
        self.values
            .iter()
            .map(|(&name, value)| {
                let sent = match value {
                    FieldValue::Text(text) | FieldValue::Date(text) => FieldInput::Text(text.clone()),
                    FieldValue::Ip(ip) => FieldInput::Text(ip.to_string()),
                    FieldValue::Port(port) => FieldInput::Number(u64::from(*port)),
                    FieldValue::Instant(instant) => FieldInput::Text(instant.text.clone()),
                    FieldValue::Flag(flag) => FieldInput::Flag(*flag),
                    FieldValue::Channel(channel) => FieldInput::Text(channel.name().to_owned()),
                };
                (name.to_owned(), sent)
            })
            .collect()
    }

    /// The ground a refusal names: true for dual criminality (Art. 29(4)).
    pub fn dual_criminality(&self) -> bool {
        matches!(self.values.get("ground"), Some(FieldValue::Text(ground)) if ground == "dual_criminality")
    }

    pub fn channel(&self) -> Option<ProductionChannel> {
        match self.values.get("channel") {
            Some(FieldValue::Channel(channel)) => Some(*channel),
            _ => None,
        }
    }
}

/// What in an action could not be read: the field, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> FieldError {
        FieldError { field: field.into(), message: message.into() }
    }
}

/// Reads a form's fields against its kind: unknown or unreadable fields
/// are refused; empty wanted ones become findings.
pub fn fill(kind: StepKind, fields: &BTreeMap<String, FieldInput>) -> Result<FilledForm, FieldError> {
    let specs = kind.fields();
    let mut values = BTreeMap::new();
    let mut findings = Vec::new();
    for (name, value) in fields {
        let spec = specs.iter().find(|s| s.name == name).ok_or_else(|| {
            let known: Vec<&str> = specs.iter().map(|s| s.name).collect();
            FieldError::new(
                format!("fields.{}", excerpt(name)),
                format!("not a field of the `{}` form; its fields are {}", kind.name(), known.join(", ")),
            )
        })?;
        let at = format!("fields.{name}");
        // An empty text is an empty field, not an error.
        let value = match value {
            FieldInput::Empty => continue,
            FieldInput::Text(text) if text.trim().is_empty() => continue,
            other => other,
        };
        let read = match spec.kind {
            Text => {
                let text = text(&at, value)?;
                bounded_text(&at, text)?;
                FieldValue::Text(text.to_owned())
            }
            Ip => {
                let raw = text(&at, value)?;
                FieldValue::Ip(
                    raw.trim()
                        .parse()
                        .map_err(|_| FieldError::new(&at, format!("`{}` is not an IP address", excerpt(raw))))?,
                )
            }
            Port => {
                let port = match value {
                    FieldInput::Number(n) => Some(*n),
                    FieldInput::Text(s) => s.trim().parse().ok(),
                    _ => None,
                };
                FieldValue::Port(
                    port.and_then(|p| u16::try_from(p).ok())
                        .ok_or_else(|| FieldError::new(&at, "not a port: give a number from 0 to 65535"))?,
                )
            }
            Instant => {
                let raw = text(&at, value)?.trim();
                let instant = read_instant(&at, raw)?;
                if instant.at_ms.is_none() {
                    findings.push(format!("{name}: `{}` has no UTC offset", excerpt(raw)));
                }
                FieldValue::Instant(instant)
            }
            Date => {
                let raw = text(&at, value)?.trim();
                let date: jiff::civil::Date = raw.parse().map_err(|_| {
                    FieldError::new(&at, format!("`{}` is not a date: write it like 2026-05-01", excerpt(raw)))
                })?;
                FieldValue::Date(date.to_string())
            }
            Flag => match value {
                FieldInput::Flag(flag) => FieldValue::Flag(*flag),
                _ => return Err(FieldError::new(&at, "expected true or false")),
            },
            Ground => {
                let raw = text(&at, value)?.trim();
                let ground = match raw.to_ascii_lowercase().as_str() {
                    "dual_criminality" | "29(4)" => "dual_criminality",
                    "sovereignty" | "29(5)" => "sovereignty",
                    _ => {
                        return Err(FieldError::new(
                            &at,
                            format!(
                                "`{}` is no ground of refusal: dual_criminality (Art. 29(4)) or sovereignty (Art. 29(5))",
                                excerpt(raw)
                            ),
                        ));
                    }
                };
                FieldValue::Text(ground.to_owned())
            }
            Channel => {
                let raw = text(&at, value)?.trim();
                let channel = ProductionChannel::from_name(&raw.to_ascii_lowercase())
                    .filter(|c| matches!(c, ProductionChannel::Mla | ProductionChannel::Epoc | ProductionChannel::Art8))
                    .ok_or_else(|| {
                        FieldError::new(
                            &at,
                            format!("`{}` is not an instrument a desk requests by: mla, epoc or art8", excerpt(raw)),
                        )
                    })?;
                FieldValue::Channel(channel)
            }
        };
        values.insert(spec.name, read);
    }
    for spec in specs.iter().filter(|s| s.wanted && !values.contains_key(s.name)) {
        findings.push(format!("{}: missing ({})", spec.name, spec.label));
    }
    Ok(FilledForm { kind, values, findings })
}

fn text<'v>(at: &str, value: &'v FieldInput) -> Result<&'v str, FieldError> {
    match value {
        FieldInput::Text(text) => Ok(text),
        _ => Err(FieldError::new(at, "expected text")),
    }
}

/// With its offset, an instant; a date and time without one is taken as written.
fn read_instant(at: &str, raw: &str) -> Result<FilledInstant, FieldError> {
    if let Ok(instant) = raw.parse::<jiff::Timestamp>() {
        return Ok(FilledInstant { text: raw.to_owned(), at_ms: Some(instant.as_millisecond()) });
    }
    if raw.parse::<jiff::civil::DateTime>().is_ok() {
        return Ok(FilledInstant { text: raw.to_owned(), at_ms: None });
    }
    Err(FieldError::new(at, format!("`{}` is not a time: write it like 2026-03-06T22:31:05+01:00", excerpt(raw))))
}

/// A form field's value as sent: text, a number, true or false, or nothing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum FieldInput {
    Flag(bool),
    Number(u64),
    Text(String),
    Empty,
}

pub fn bounded_text(at: &str, text: &str) -> Result<(), FieldError> {
    if text.chars().count() > MAX_TEXT {
        return Err(FieldError::new(at, format!("longer than {MAX_TEXT} characters")));
    }
    Ok(())
}

/// Enough of a value to recognise it in an error, never a whole page.
pub fn excerpt(raw: &str) -> String {
    let mut chars = raw.chars();
    let head: String = chars.by_ref().take(40).collect();
    if chars.next().is_some() { format!("{head}…") } else { head }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(kind: StepKind, fields: &[(&str, FieldInput)]) -> Result<FilledForm, FieldError> {
        fill(kind, &fields.iter().map(|(name, value)| (name.to_string(), value.clone())).collect())
    }

    fn text(value: &str) -> FieldInput {
        FieldInput::Text(value.to_owned())
    }

    #[test]
    fn a_form_with_gaps_is_taken_and_its_gaps_recorded() {
        let form = form(
            StepKind::SendRequest,
            &[("ip", text("203.0.113.7")), ("timestamp", text("2026-03-06T22:31")), ("port", text(""))],
        )
        .unwrap();
        assert!(form.findings.iter().any(|f| f.starts_with("timestamp: `2026-03-06T22:31` has no UTC offset")));
        assert!(form.findings.iter().any(|f| f.starts_with("port: missing")));
        assert_eq!(form.instant("timestamp").unwrap().at_ms, None);
        let again = fill(StepKind::SendRequest, &form.as_sent()).unwrap();
        assert_eq!(again, form, "a form read back from what it sends is the same form");
    }

    #[test]
    fn what_cannot_be_read_is_refused_naming_the_field() {
        let refused = |kind, fields: &[(&str, FieldInput)]| form(kind, fields).unwrap_err().field;
        assert_eq!(refused(StepKind::SendRequest, &[("ip", text("300.1.1.1"))]), "fields.ip");
        assert_eq!(refused(StepKind::SendRequest, &[("colour", text("red"))]), "fields.colour");
        assert_eq!(refused(StepKind::SendRequest, &[("timestamp", text("last night"))]), "fields.timestamp");
        assert_eq!(refused(StepKind::SendRequest, &[("port", FieldInput::Number(70_000))]), "fields.port");
        assert_eq!(refused(StepKind::SendRequest, &[("emergency", text("yes"))]), "fields.emergency");
        assert_eq!(refused(StepKind::ProductionRequest, &[("channel", text("art7"))]), "fields.channel");
        assert_eq!(refused(StepKind::Confirm, &[("authority", text(&"x".repeat(MAX_TEXT + 1)))]), "fields.authority");
    }
}
