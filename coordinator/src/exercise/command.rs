//! Everything a person can do in an exercise, as one typed command: a
//! seat's desk step, note or read; the director's clock, injects, hand-overs
//! and improvement plan; an evaluator's rating. The HTTP edge reads each
//! request body into one of these with serde (once, through the types
//! below), the journal stores the command as itself, and
//! `Session::apply` runs it, in live play, resume, replay, playback and
//! fork alike: one parser, one meaning.

#[cfg(test)]
use super::forms::MAX_TEXT;
use super::forms::{FieldError, FieldInput, FilledForm, bounded_text, excerpt, fill};
use super::rating::Rating;
use crate::scenario::templates::StepKind;
use pocnet_node::CountryCode;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One thing a person did, as journaled and applied.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case", deny_unknown_fields)]
pub enum Command {
    /// At a desk: by its seat, or the director standing in.
    Desk { country: CountryCode, action: DeskAction },
    /// The director's clock.
    Clock { action: ClockAction },
    /// The director fires, holds, skips or re-times an inject.
    Inject { order: InjectOrder },
    /// The director hands a desk to a person or to a bot.
    HandOver { country: CountryCode, to: PlayedBy },
    /// An evaluator rates an objective for the cell they watch.
    Evaluate { evaluator: String, cell: CountryCode, form: EvaluationForm },
    /// The director (as lead evaluator) gives an objective its final rating
    /// for the report, having read the automatic and the evaluators' ones.
    FinalRating { form: EvaluationForm },
    /// A participant's feedback at the hot wash: what went well, what to improve.
    Feedback { country: CountryCode, went_well: String, to_improve: String },
    /// An evaluator writes down what they see in their cell, as it happens.
    Observe { evaluator: String, cell: CountryCode, text: String },
    /// A line of the improvement plan.
    Plan { item: PlanItem },
}

impl Command {
    /// Whether it is a step a seat takes at the desk (refused while paused).
    pub fn is_desk_step(&self) -> bool {
        matches!(
            self,
            Command::Desk {
                action: DeskAction::Step { .. } | DeskAction::Note { .. } | DeskAction::NotPursued { .. },
                ..
            }
        )
    }

    /// One line for people: the after-action report's wall-time rows.
    pub fn describe(&self) -> String {
        match self {
            Command::Desk { country, action } => format!("{} ({country})", action.kind_name()),
            Command::Clock { action } => format!("clock: {}", action.name()),
            Command::Inject { order } => format!("inject {}: {}", order.id, order.action.name()),
            Command::HandOver { country, to } => format!("{country} handed to a {}", to.name()),
            Command::Evaluate { form, .. } => format!("evaluation of {}", form.objective),
            Command::Observe { cell, .. } => format!("observation of {cell}"),
            Command::Feedback { country, .. } => format!("hot-wash feedback ({country})"),
            Command::FinalRating { form } => format!("final rating of {}", form.objective),
            Command::Plan { .. } => "improvement plan".to_owned(),
        }
    }
}

/// A desk's action, as a seat's console sends it to
/// `/api/seats/{country}/actions`: `{"kind": "send_request", "task": 3,
/// "fields": {...}}`, `{"kind": "note", "text": "..."}` or `{"kind": "read", "task": 3}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "DeskActionBody", into = "DeskActionBody")]
pub enum DeskAction {
    /// A desk step waiting for the person, with the form they filled.
    Step { task: u64, form: FilledForm },
    /// A line in the desk's decision log or, addressed `to` another desk,
    /// a message that reaches that desk's inbox (journaled like any step).
    Note { text: String, to: Option<CountryCode> },
    /// A waiting item opened: read, no longer new.
    Read { task: u64 },
    /// The desk stops pursuing a case, saying why (a dead end: logs not
    /// kept, a channel closed): its steps on it are closed, and the report
    /// says so instead of "still under way".
    NotPursued { incident: String, because: String },
}

impl DeskAction {
    pub fn kind_name(&self) -> &'static str {
        match self {
            DeskAction::Step { form, .. } => form.kind.name(),
            DeskAction::Note { .. } => "note",
            DeskAction::Read { .. } => "read",
            DeskAction::NotPursued { .. } => "not_pursued",
        }
    }
}

/// A desk action as written: every part optional, so that what is missing
/// or extra can be named.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeskActionBody {
    kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    task: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    fields: Option<BTreeMap<String, FieldInput>>,
    /// The case a `not_pursued` closes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    incident: Option<String>,
    /// The desk a `note` is addressed to; none: the desk's own log.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    to: Option<String>,
}

impl TryFrom<DeskActionBody> for DeskAction {
    type Error = FieldError;

    fn try_from(body: DeskActionBody) -> Result<DeskAction, FieldError> {
        let kind = body.kind.as_str();
        let task = || body.task.ok_or_else(|| FieldError::new("task", "missing: the number of the waiting step"));
        let unexpected = |name: &str, present: bool| {
            if present { Err(FieldError::new(name, format!("unknown for a `{kind}` action"))) } else { Ok(()) }
        };
        match kind {
            "note" => {
                unexpected("task", body.task.is_some())?;
                unexpected("fields", body.fields.is_some())?;
                unexpected("incident", body.incident.is_some())?;
                let text = body.text.clone().unwrap_or_default();
                bounded_text("text", &text)?;
                let to = match body.to.as_deref() {
                    None | Some("") => None,
                    // Which desks exist is the session's to say; here only its length is bounded.
                    Some(code) if code.len() > 8 => {
                        return Err(FieldError::new("to", format!("`{}` is no country code", excerpt(code))));
                    }
                    Some(code) => {
                        Some(CountryCode::bounded(code).map_err(|full| FieldError::new("to", full.to_string()))?)
                    }
                };
                Ok(DeskAction::Note { text, to })
            }
            "read" => {
                unexpected("to", body.to.is_some())?;
                unexpected("text", body.text.is_some())?;
                unexpected("fields", body.fields.is_some())?;
                unexpected("incident", body.incident.is_some())?;
                Ok(DeskAction::Read { task: task()? })
            }
            "not_pursued" => {
                unexpected("to", body.to.is_some())?;
                unexpected("task", body.task.is_some())?;
                unexpected("fields", body.fields.is_some())?;
                let incident = body.incident.clone().ok_or_else(|| FieldError::new("incident", "missing: the case"))?;
                let because = body.text.clone().unwrap_or_default().trim().to_owned();
                if because.is_empty() {
                    return Err(FieldError::new("text", "missing: say why the case is not pursued"));
                }
                bounded_text("text", &because)?;
                Ok(DeskAction::NotPursued { incident, because })
            }
            other => {
                unexpected("to", body.to.is_some())?;
                unexpected("text", body.text.is_some())?;
                unexpected("incident", body.incident.is_some())?;
                let step = StepKind::from_name(other).ok_or_else(|| {
                    let known: Vec<&str> = StepKind::ALL.iter().map(|k| k.name()).collect();
                    FieldError::new(
                        "kind",
                        format!("`{}` is no action; expected note, read, {}", excerpt(other), known.join(", ")),
                    )
                })?;
                let form = fill(step, body.fields.as_ref().unwrap_or(&BTreeMap::new()))?;
                Ok(DeskAction::Step { task: task()?, form })
            }
        }
    }
}

impl From<DeskAction> for DeskActionBody {
    fn from(action: DeskAction) -> DeskActionBody {
        let kind = action.kind_name().to_owned();
        match action {
            DeskAction::Step { task, form } => DeskActionBody {
                kind,
                task: Some(task),
                text: None,
                fields: Some(form.as_sent()),
                incident: None,
                to: None,
            },
            DeskAction::Note { text, to } => DeskActionBody {
                kind,
                task: None,
                text: Some(text),
                fields: None,
                incident: None,
                to: to.map(|c| c.as_str().to_owned()),
            },
            DeskAction::Read { task } => {
                DeskActionBody { kind, task: Some(task), text: None, fields: None, incident: None, to: None }
            }
            DeskAction::NotPursued { incident, because } => DeskActionBody {
                kind,
                task: None,
                text: Some(because),
                fields: None,
                incident: Some(incident),
                to: None,
            },
        }
    }
}

/// The director's clock, as `/api/clock` takes it: `{"action": "pause"}`,
/// `{"action": "speed", "speed": 20}`, `{"action": "skip", "to": "2026-03-07T06:00:00+01:00"}`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "ClockBody", into = "ClockBody")]
pub enum ClockAction {
    Pause,
    Resume,
    Speed {
        speed: f64,
    },
    /// Runs ahead to `to`, stopping early just after a person's desk
    /// receives something.
    Skip {
        to: jiff::Timestamp,
    },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClockBody {
    action: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    speed: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    to: Option<jiff::Timestamp>,
}

impl TryFrom<ClockBody> for ClockAction {
    type Error = FieldError;

    fn try_from(body: ClockBody) -> Result<ClockAction, FieldError> {
        let action = body.action.as_str();
        let unexpected = |name: &str, present: bool| {
            if present { Err(FieldError::new(name, format!("unknown for `{action}`"))) } else { Ok(()) }
        };
        let clock = match action {
            "pause" | "resume" => {
                unexpected("speed", body.speed.is_some())?;
                unexpected("to", body.to.is_some())?;
                if action == "pause" { ClockAction::Pause } else { ClockAction::Resume }
            }
            "speed" => {
                unexpected("to", body.to.is_some())?;
                ClockAction::Speed { speed: body.speed.ok_or_else(|| FieldError::new("speed", "missing: a number"))? }
            }
            "skip" => {
                unexpected("speed", body.speed.is_some())?;
                let to = body.to.ok_or_else(|| {
                    FieldError::new("to", "missing: an instant, written like 2026-03-07T06:00:00+01:00")
                })?;
                ClockAction::Skip { to }
            }
            other => {
                let message = format!("`{}`: expected pause, resume, speed or skip", excerpt(other));
                return Err(FieldError::new("action", message));
            }
        };
        Ok(clock)
    }
}

impl From<ClockAction> for ClockBody {
    fn from(clock: ClockAction) -> ClockBody {
        let (speed, to) = match clock {
            ClockAction::Speed { speed } => (Some(speed), None),
            ClockAction::Skip { to } => (None, Some(to)),
            ClockAction::Pause | ClockAction::Resume => (None, None),
        };
        ClockBody { action: clock.name().to_owned(), speed, to }
    }
}

impl ClockAction {
    pub fn name(&self) -> &'static str {
        match self {
            ClockAction::Pause => "pause",
            ClockAction::Resume => "resume",
            ClockAction::Speed { .. } => "speed",
            ClockAction::Skip { .. } => "skip",
        }
    }
}

/// An inject order, as `/api/injects` takes it: `{"id": "nl-release",
/// "action": "fire" | "hold" | "skip" | "retime", "at": instant}` (`at` to re-time only).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "InjectOrderBody", into = "InjectOrderBody")]
pub struct InjectOrder {
    pub id: String,
    pub action: InjectVerb,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum InjectVerb {
    Fire,
    Hold,
    Skip,
    Retime { at: jiff::Timestamp },
}

impl InjectVerb {
    pub fn name(&self) -> &'static str {
        match self {
            InjectVerb::Fire => "fire",
            InjectVerb::Hold => "hold",
            InjectVerb::Skip => "skip",
            InjectVerb::Retime { .. } => "retime",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InjectOrderBody {
    id: String,
    action: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    at: Option<jiff::Timestamp>,
}

impl TryFrom<InjectOrderBody> for InjectOrder {
    type Error = FieldError;

    fn try_from(body: InjectOrderBody) -> Result<InjectOrder, FieldError> {
        let action = match (body.action.as_str(), body.at) {
            ("retime", Some(at)) => InjectVerb::Retime { at },
            ("retime", None) => return Err(FieldError::new("at", "missing: the instant the inject is due")),
            (_, Some(_)) => return Err(FieldError::new("at", "only a `retime` takes an instant")),
            ("fire", None) => InjectVerb::Fire,
            ("hold", None) => InjectVerb::Hold,
            ("skip", None) => InjectVerb::Skip,
            (other, None) => {
                return Err(FieldError::new(
                    "action",
                    format!("`{}`: expected fire, hold, skip or retime", excerpt(other)),
                ));
            }
        };
        Ok(InjectOrder { id: body.id, action })
    }
}

impl From<InjectOrder> for InjectOrderBody {
    fn from(order: InjectOrder) -> InjectOrderBody {
        let at = match order.action {
            InjectVerb::Retime { at } => Some(at),
            _ => None,
        };
        InjectOrderBody { id: order.id, action: order.action.name().to_owned(), at }
    }
}

/// Who plays a desk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlayedBy {
    Person,
    Bot,
}

impl PlayedBy {
    pub fn name(self) -> &'static str {
        match self {
            PlayedBy::Person => "person",
            PlayedBy::Bot => "bot",
        }
    }
}

/// `/api/seats`: `{"country": "DE", "to": "person" | "bot"}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HandOverBody {
    pub country: CountryCode,
    pub to: PlayedBy,
}

/// An evaluator's rating, as `/api/evaluations` takes it:
/// `{"objective": "O1", "rating": "S", "note": "..."}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvaluationForm {
    pub objective: String,
    pub rating: Rating,
    #[serde(default, deserialize_with = "bounded")]
    pub note: String,
}

/// `/api/seats/{CC}/feedback`: `{"went_well": "...", "to_improve": "..."}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedbackBody {
    #[serde(default, deserialize_with = "bounded")]
    pub went_well: String,
    #[serde(default, deserialize_with = "bounded")]
    pub to_improve: String,
}

/// `/api/observations`: `{"text": "..."}`, a line of the evaluator's log.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObservationBody {
    #[serde(deserialize_with = "bounded")]
    pub text: String,
}

/// `/api/evaluators`: `{"cell": "DE"}`, the cell a new evaluator watches.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvaluatorBody {
    pub cell: CountryCode,
}

/// A line of the improvement plan, written at the hot wash.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "PlanBody")]
pub struct PlanItem {
    pub action: String,
    pub owner: String,
    /// A calendar date, `2027-03-01`.
    pub due: String,
}

/// `/api/plan`: `{"action": "...", "owner": "...", "due": "2027-03-01"}`,
/// each part present, the date a date.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanBody {
    action: String,
    owner: String,
    due: String,
}

impl TryFrom<PlanBody> for PlanItem {
    type Error = FieldError;

    fn try_from(body: PlanBody) -> Result<PlanItem, FieldError> {
        let part = |field: &str, value: &str| -> Result<String, FieldError> {
            let value = value.trim();
            if value.is_empty() {
                return Err(FieldError::new(field, "missing"));
            }
            if value.chars().count() > 1_000 {
                return Err(FieldError::new(field, "longer than 1000 characters"));
            }
            Ok(value.to_owned())
        };
        let due = part("due", &body.due)?;
        let date: jiff::civil::Date = due.parse().map_err(|_| {
            FieldError::new("due", format!("`{}` is not a date: write it like 2027-03-01", excerpt(&due)))
        })?;
        Ok(PlanItem {
            action: part("action", &body.action)?,
            owner: part("owner", &body.owner)?,
            due: date.to_string(),
        })
    }
}

fn bounded<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    let text = String::deserialize(deserializer)?;
    bounded_text("note", &text).map_err(|e| serde::de::Error::custom(e.message))?;
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn desk(json: &str) -> Result<DeskAction, String> {
        serde_json::from_str::<DeskAction>(json).map_err(|e| e.to_string())
    }

    #[test]
    fn a_command_survives_the_journal_unchanged() {
        let action = desk(
            r#"{"kind": "send_request", "task": 4, "fields": {"ip": " 203.0.113.7", "port": "443",
                "timestamp": "2026-03-06T22:31", "mla_intended": true, "facts": ""}}"#,
        )
        .unwrap();
        let commands = [
            Command::Desk { country: "DE".into(), action },
            Command::Clock { action: ClockAction::Skip { to: "2026-03-07T05:00:00Z".parse().unwrap() } },
            Command::Inject { order: InjectOrder { id: "nl".into(), action: InjectVerb::Hold } },
            Command::Plan { item: PlanItem { action: "a".into(), owner: "o".into(), due: "2027-01-01".into() } },
            Command::Evaluate {
                evaluator: "evaluator 1 (DE)".into(),
                cell: "DE".into(),
                form: EvaluationForm { objective: "O1".into(), rating: Rating::S, note: "late".into() },
            },
        ];
        for command in commands {
            let text = serde_json::to_string(&command).unwrap();
            assert_eq!(serde_json::from_str::<Command>(&text).unwrap(), command, "{text}");
        }
    }

    #[test]
    fn what_cannot_be_read_is_refused_naming_the_part() {
        assert!(desk(r#"{"kind": "fly", "task": 1}"#).unwrap_err().contains("`fly` is no action"));
        assert!(desk(r#"{"kind": "acknowledge"}"#).unwrap_err().contains("task: missing"));
        assert!(desk(r#"{"kind": "read", "task": 1, "extra": 2}"#).unwrap_err().contains("unknown field `extra`"));
        assert!(
            desk(r#"{"kind": "read", "task": 1, "text": "x"}"#).unwrap_err().contains("text: unknown for a `read`")
        );
        let long = format!(r#"{{"kind": "note", "text": "{}"}}"#, "x".repeat(MAX_TEXT + 1));
        assert!(desk(&long).unwrap_err().contains("longer than"));
        let plan = |json: &str| {
            serde_json::from_str::<PlanBody>(json)
                .map_err(|e| e.to_string())
                .and_then(|b| PlanItem::try_from(b).map_err(|e| e.to_string()))
        };
        assert!(plan(r#"{"action": "a", "owner": "o", "due": "soon"}"#).unwrap_err().contains("not a date"));
        assert!(plan(r#"{"action": " ", "owner": "o", "due": "2027-01-01"}"#).unwrap_err().contains("action: missing"));
    }
}
