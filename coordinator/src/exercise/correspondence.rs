//! What passes between desks, as the desk receiving it reads it: a request
//! as it was sent (a person's form, or the one a bot desk sends), a
//! carrier's answer with the address it names, a request sent back and
//! why, a note to the requester. The state machine carries only what the
//! law turns on; the words travel here, from the session's forms and the
//! scenario's evidence, so the person at the other end works from what was
//! actually sent.

use super::session::{SentForm, Session};
use crate::report::zoned;
use crate::scenario::templates::StepKind;
use crate::scenario::{HopAddress, Scenario};
use pocnet_node::contact_point::Timer;
use pocnet_node::message::Finding;
use pocnet_node::{CountryCode, EventKind, SimTime};
use serde::Serialize;

/// One piece of correspondence: who sent it, when, and what it says.
#[derive(Debug, Clone, Serialize)]
pub struct Letter {
    pub title: String,
    pub from: CountryCode,
    /// When it was sent, in UTC (RFC 3339).
    pub at: String,
    /// In the reader's local time.
    pub local: String,
    /// Sent by a person, or by a bot desk.
    pub by_person: bool,
    pub lines: Vec<Line>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Line {
    pub label: String,
    pub value: String,
}

fn line(label: &str, value: impl Into<String>) -> Line {
    Line { label: label.to_owned(), value: value.into() }
}

/// What a waiting step shows its desk: the request to act on, the
/// carrier's answer to pass on, or why a request came back.
pub fn for_task(session: &Session, reader: &CountryCode, step: &Timer) -> Option<Letter> {
    let (incident, hop) = step.case();
    match step {
        Timer::Acknowledge { .. } | Timer::GatePreservation { .. } => request(session, reader, incident.as_str(), hop),
        Timer::ForwardDisclosure { finding, .. } => {
            Some(carrier_answer(session, reader, incident.as_str(), hop, finding))
        }
        Timer::Clarify { to, .. } => Some(sent_back(session, reader, to, incident.as_str(), hop)),
        _ => None,
    }
}

/// The form a person sent to take a step, as sent: for the seat's own
/// record and its evaluator.
pub fn sent_for(session: &Session, task: u64) -> Option<Letter> {
    let sent = session.forms().iter().rev().find(|sent| sent.task == task)?;
    Some(Letter {
        title: format!("{}, as sent", title(sent.form.kind)),
        from: sent.country,
        at: session.scenario().instant_text(SimTime(sent.at_ms)),
        local: local(session.scenario(), &sent.country, SimTime(sent.at_ms)),
        by_person: true,
        lines: as_sent(sent),
    })
}

/// Notes other desks addressed to `reader`: written to this desk, or in
/// an acknowledgement's note to the requester; newest first.
pub fn notes_to(session: &Session, reader: &CountryCode) -> Vec<Letter> {
    let scenario = session.scenario();
    let in_forms = session
        .forms()
        .iter()
        .filter(|sent| sent.form.kind == StepKind::Acknowledge && &sent.country != reader)
        .filter(|sent| requester_of(session, &sent.country, task_case(session, sent)).as_ref() == Some(reader))
        .filter_map(|sent| {
            let note = text(sent, "note")?;
            let (incident, hop) = task_case(session, sent);
            let title = format!("{} acknowledged your request ({incident}, hop {})", sent.country, hop + 1);
            Some((sent.at_ms, letter(scenario, reader, title, &sent.country, sent.at_ms, vec![line("note", note)])))
        });
    let written = session.notes().iter().filter(|n| n.to.as_ref() == Some(reader)).map(|n| {
        let title = format!("Note from {}", n.country);
        (n.at_ms, letter(scenario, reader, title, &n.country, n.at_ms, vec![line("note", n.text.clone())]))
    });
    let mut letters: Vec<(i64, Letter)> = in_forms.chain(written).collect();
    // Newest first; among notes of one instant, the later written first.
    letters.reverse();
    letters.sort_by_key(|(at, _)| std::cmp::Reverse(*at));
    letters.into_iter().map(|(_, l)| l).collect()
}

/// A letter a person wrote to `reader`.
fn letter(
    scenario: &Scenario,
    reader: &CountryCode,
    title: String,
    from: &CountryCode,
    at_ms: i64,
    lines: Vec<Line>,
) -> Letter {
    Letter {
        title,
        from: *from,
        at: scenario.instant_text(SimTime(at_ms)),
        local: local(scenario, reader, SimTime(at_ms)),
        by_person: true,
        lines,
    }
}

/// The request `reader` received for this hop, as its requester sent it.
fn request(session: &Session, reader: &CountryCode, incident: &str, hop: u32) -> Option<Letter> {
    let from = requester_of(session, reader, (incident, hop))?;
    let scenario = session.scenario();
    let sent = latest_form(session, &from, incident, hop, &[StepKind::SendRequest, StepKind::EmergencyDisclosure]);
    let mut letter = match sent {
        Some(sent) => {
            letter(scenario, reader, format!("{} from {from}", title(sent.form.kind)), &from, sent.at_ms, as_sent(sent))
        }
        None => bot_request(session, reader, &from, incident, hop)?,
    };
    // What the requester said when asked to clarify comes with it.
    if let Some(answer) = latest_form(session, &from, incident, hop, &[StepKind::Clarify]) {
        letter.lines.push(line("clarified", String::new()));
        letter.lines.extend(as_sent(answer));
    }
    Some(letter)
}

/// The request a bot desk sends: complete and exact, from the scenario.
fn bot_request(
    session: &Session,
    reader: &CountryCode,
    from: &CountryCode,
    incident: &str,
    hop: u32,
) -> Option<Letter> {
    let scenario = session.scenario();
    let case = scenario.incidents.iter().find(|i| i.id == incident)?;
    let carrier = case.chain.get(hop as usize)?;
    let received = session.events().iter().find(|e| {
        &e.country == reader
            && e.incident.as_str() == incident
            && e.hop == hop
            && matches!(e.kind, EventKind::RequestReceived { .. })
    })?;
    let authority = scenario.countries.get(from).map_or_else(|| from.to_string(), |c| c.name.clone());
    let mut lines = vec![
        line("requesting authority", format!("{authority} 24/7 point of contact")),
        line("reference", format!("{from}-24/7-{incident}-{}", hop + 1)),
        line("offence", case.offence.map_or_else(|| "not characterised".to_owned(), |o| o.to_string())),
    ];
    if let Some(address) = case.addresses.get(hop as usize) {
        lines.push(line("IP address", address.ip.to_string()));
        if let (Some(port), true) = (address.port, case.source_port) {
            lines.push(line("source port", port.to_string()));
        }
    }
    lines.push(line("date and time", instant_with_offset(scenario, from, case.communication_at)));
    let provider = scenario.carriers.get(carrier).map_or_else(String::new, |c| format!(" ({})", c.country));
    lines.push(line("provider", format!("{carrier}{provider}")));
    lines.push(line("urgency", if case.emergency { "emergency: risk to life" } else { "routine" }));
    lines.push(line("disclosure of the previous hop wanted (Art. 30)", "yes"));
    Some(Letter {
        title: format!("Preservation request (Art. 29) from {from}"),
        from: *from,
        at: scenario.instant_text(received.at),
        local: local(scenario, reader, received.at),
        by_person: false,
        lines,
    })
}

/// What the carrier's logs say, for the desk passing it on (Art. 30).
fn carrier_answer(session: &Session, reader: &CountryCode, incident: &str, hop: u32, finding: &Finding) -> Letter {
    let scenario = session.scenario();
    let case = scenario.incidents.iter().find(|i| i.id == incident);
    let carrier = case.and_then(|c| c.chain.get(hop as usize)).map_or_else(String::new, |c| c.to_string());
    let at = case.map(|c| instant_with_offset(scenario, reader, c.communication_at)).unwrap_or_default();
    let previous: Option<&HopAddress> = case.and_then(|c| c.addresses.get(hop as usize + 1));
    let lines = match finding {
        Finding::PreviousHop(next) => {
            let mut lines = Vec::new();
            if let Some(address) = previous {
                lines.push(line("the connection came from", address.to_string()));
            }
            lines.push(line("at", at));
            lines.push(line("that address is served by", format!("{} in {}", next.carrier, next.country)));
            lines
        }
        Finding::Subscriber => vec![line("the logs name", "this carrier's own subscriber: the origin"), line("at", at)],
        Finding::Nobody => vec![line(
            "the logs name",
            "nobody for sure: the address is shared behind carrier-grade NAT, and the request gave no source port",
        )],
        Finding::Misidentified => {
            vec![line("the logs name", "a subscriber for the moment the request gave"), line("at", at)]
        }
    };
    Letter {
        title: format!("{carrier}'s answer"),
        from: *reader,
        at: String::new(),
        local: String::new(),
        by_person: false,
        lines,
    }
}

/// Why the requested desk sent `reader`'s request back: in its person's
/// words, or, from a bot desk, the defects it found.
fn sent_back(session: &Session, reader: &CountryCode, by: &CountryCode, incident: &str, hop: u32) -> Letter {
    let scenario = session.scenario();
    if let Some(asked) = latest_form(session, by, incident, hop, &[StepKind::AskClarification]) {
        let title = format!("{by} sent your request back for clarification");
        return letter(scenario, reader, title, by, asked.at_ms, as_sent(asked));
    }
    let carrier = scenario.incidents.iter().find(|i| i.id == incident).and_then(|c| c.chain.get(hop as usize));
    let own = latest_form(session, reader, incident, hop, &[StepKind::SendRequest, StepKind::EmergencyDisclosure]);
    let defects = match (own, carrier) {
        (Some(own), Some(carrier)) => session.defects(carrier, &own.form),
        _ => Vec::new(),
    };
    let what = if defects.is_empty() {
        "the request cannot be acted on as it stands (its identifiers or its scope)".to_owned()
    } else {
        defects.join("; ")
    };
    Letter {
        title: format!("{by} sent your request back for clarification"),
        from: *by,
        at: String::new(),
        local: String::new(),
        by_person: false,
        lines: vec![line("what is missing or wrong", what)],
    }
}

/// Who asked `reader` about this hop: the sender of the request it received.
fn requester_of(session: &Session, reader: &CountryCode, (incident, hop): (&str, u32)) -> Option<CountryCode> {
    session.events().iter().find_map(|e| match &e.kind {
        EventKind::RequestReceived { from, .. }
            if &e.country == reader && e.incident.as_str() == incident && e.hop == hop =>
        {
            Some(*from)
        }
        _ => None,
    })
}

fn task_case<'s>(session: &'s Session, sent: &SentForm) -> (&'s str, u32) {
    let (incident, hop) = session.tasks()[sent.task as usize].step.case();
    (incident.as_str(), hop)
}

/// The last form of one of `kinds` that `country`'s person sent on this hop.
fn latest_form<'s>(
    session: &'s Session,
    country: &CountryCode,
    incident: &str,
    hop: u32,
    kinds: &[StepKind],
) -> Option<&'s SentForm> {
    session.forms().iter().rev().find(|sent| {
        &sent.country == country && kinds.contains(&sent.form.kind) && task_case(session, sent) == (incident, hop)
    })
}

/// A form's fields as the person filled them, labelled as on the form.
fn as_sent(sent: &SentForm) -> Vec<Line> {
    let mut values = sent.form.as_sent();
    sent.form
        .kind
        .fields()
        .iter()
        .filter_map(|spec| {
            let value = values.remove(spec.name)?;
            let value = match value {
                super::forms::FieldInput::Text(text) => text,
                super::forms::FieldInput::Number(number) => number.to_string(),
                super::forms::FieldInput::Flag(flag) => (if flag { "yes" } else { "no" }).to_owned(),
                super::forms::FieldInput::Empty => return None,
            };
            // Labels speak to the sender ("your reference"); the reader reads the sender's.
            Some(line(spec.label.trim_start_matches("your "), value))
        })
        .collect()
}

/// What a form is, as its reader names it.
fn title(kind: StepKind) -> &'static str {
    match kind {
        StepKind::SendRequest => "Preservation request (Art. 29)",
        StepKind::EmergencyDisclosure => "Emergency disclosure request",
        StepKind::Acknowledge => "Acknowledgement",
        StepKind::OrderPreservation => "Order to preserve",
        StepKind::Confirm => "Written confirmation",
        StepKind::Disclose => "Disclosure of the previous hop (Art. 30)",
        StepKind::Clarify => "Clarification",
        StepKind::AskClarification => "Request sent back for clarification",
        StepKind::Refuse => "Refusal",
        StepKind::ProductionRequest => "Production request",
        StepKind::RenewHold => "Request to extend the hold",
    }
}

fn text(sent: &SentForm, name: &str) -> Option<String> {
    match sent.form.as_sent().remove(name)? {
        super::forms::FieldInput::Text(text) => Some(text),
        _ => None,
    }
}

fn local(scenario: &Scenario, reader: &CountryCode, at: SimTime) -> String {
    crate::report::local_time(scenario, reader, at)
}

/// An instant as a request writes it: the country's local time with its UTC offset.
fn instant_with_offset(scenario: &Scenario, country: &CountryCode, at: SimTime) -> String {
    zoned(scenario, country, at)
        .map_or_else(|| scenario.instant_text(at), |z| z.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string())
}
