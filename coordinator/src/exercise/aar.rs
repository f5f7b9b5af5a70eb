//! The after-action report: what the trainees did against the objectives,
//! the outcomes against the same scenario and seed played by bots alone
//! (the counterfactual pocnet's deterministic engine makes exact), each
//! case's timeline with its deadlines, every expectation and the quality of
//! the forms, the MSEL and the decision logs. Built from the session, so
//! from the journal: the same journal gives the same report.

use super::journal::Entry;
use super::rating::Rating;
use super::score::{ExpectationScore, ObjectiveScore, score};
use super::session::{Evaluation, Note, PlanItem, Session};
use crate::projection::{HopOutcome, IncidentReport, TraceResult};
use crate::report;
use crate::scenario::templates::StepKind;
use crate::units::fmt_ms;
use pocnet_node::{CountryCode, SimTime};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

pub const FORMAT: &str = "pocnet-aar/1";

#[derive(Debug, Serialize)]
pub struct Aar {
    pub format: &'static str,
    pub exercise: ExerciseInfo,
    /// A paragraph a trainer reads out first.
    pub summary: String,
    pub objectives: Vec<ObjectiveScore>,
    pub outcomes: Vec<OutcomeRow>,
    pub cases: Vec<CaseTimeline>,
    pub expectations: Vec<ExpectationScore>,
    pub forms: Vec<FieldQuality>,
    /// Choices of instrument the law would question, with the rule.
    pub channel_findings: Vec<ChannelFinding>,
    pub injects: Vec<InjectRow>,
    pub notes: Vec<NoteRow>,
    /// Evaluators' ratings and notes, beside the automatic ones.
    pub evaluations: Vec<Evaluation>,
    /// Evaluators' observation logs.
    pub observations: Vec<ObservationRow>,
    /// The director's final rating of each objective, as lead evaluator.
    pub final_ratings: BTreeMap<String, super::session::FinalRating>,
    /// What the participants said at the hot wash.
    pub feedback: Vec<super::session::Feedback>,
    /// Written in the director's console at the hot wash.
    pub improvement_plan: Vec<PlanItem>,
    /// Every journaled action in wall-clock time beside simulated time.
    pub wall_time: Vec<WallRow>,
    /// Simulated and wall-clock instants of the journaled actions, in
    /// order: the wall clock at any simulated instant between them.
    pub wall_axis: Vec<(i64, i64)>,
}

/// A line of an evaluator's observation log.
#[derive(Debug, Serialize)]
pub struct ObservationRow {
    pub at: String,
    pub evaluator: String,
    pub text: String,
}

/// A decision-log line, its simulated instant as a date.
#[derive(Debug, Serialize)]
pub struct NoteRow {
    pub at: String,
    pub country: String,
    pub text: String,
}

#[derive(Debug, Serialize)]
pub struct WallRow {
    pub wall: String,
    pub sim: String,
    pub actor: String,
    pub what: String,
}

#[derive(Debug, Serialize)]
pub struct ExerciseInfo {
    pub name: String,
    pub scenario_sha256: String,
    pub seed: u64,
    pub people: Vec<String>,
    pub start: String,
    /// Where the simulated clock stood at the end of play.
    pub end: String,
    pub forms_sent: usize,
}

/// One trace as the trainees played it and as bots alone did.
#[derive(Debug, Serialize)]
pub struct OutcomeRow {
    pub incident: String,
    pub played: Outcome,
    pub reference: Outcome,
}

#[derive(Debug, Serialize)]
pub struct Outcome {
    pub origin_preserved: bool,
    /// Why the trace ended where it did.
    pub reason: String,
    /// How long after the report the subscriber was identified, and how.
    pub subscriber: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct CaseTimeline {
    pub incident: String,
    pub reported_ms: Option<i64>,
    pub hops: Vec<HopTimeline>,
    /// One lane per desk (seat or bot): what it did, and the deadlines of
    /// the hops it held.
    pub lanes: Vec<Lane>,
}

#[derive(Debug, Serialize)]
pub struct Lane {
    pub desk: String,
    /// `person` or `bot`, at the end of play.
    pub played_by: &'static str,
    pub marks: Vec<Mark>,
    pub deadlines: Vec<Mark>,
}

#[derive(Debug, Serialize)]
pub struct Mark {
    pub at_ms: i64,
    pub what: String,
}

#[derive(Debug, Serialize)]
pub struct HopTimeline {
    pub hop: u32,
    pub country: String,
    pub carrier: String,
    pub request_sent_ms: Option<i64>,
    pub acknowledged_ms: Option<i64>,
    pub preserved_ms: Option<i64>,
    pub disclosed_ms: Option<i64>,
    /// When the carrier deletes the communication's logs (absent: it keeps none).
    pub logs_deleted_ms: Option<i64>,
    pub hold_until_ms: Option<i64>,
    pub outcome: String,
    /// Why it ended there, for a hop that killed the trace.
    pub cause: Option<String>,
}

/// How often a form of one kind carried one field.
#[derive(Debug, Serialize)]
pub struct FieldQuality {
    /// The seat that sent the forms, and the case they were about.
    pub seat: CountryCode,
    pub incident: String,
    pub form: StepKind,
    pub field: &'static str,
    /// A field the form wants (left empty, a finding); optional ones apart.
    pub wanted: bool,
    pub sent: usize,
    pub filled: usize,
    /// Filled and exact, where exactness can be checked (a time's UTC
    /// offset); `None` for fields, such as free text, where it cannot.
    pub exact: Option<usize>,
}

#[derive(Debug, Serialize)]
pub struct ChannelFinding {
    pub at: String,
    pub country: String,
    pub incident: String,
    pub hop: u32,
    pub finding: String,
    pub rule: &'static str,
}

#[derive(Debug, Serialize)]
pub struct InjectRow {
    pub id: String,
    pub from: String,
    pub state: String,
    pub sent: Option<String>,
}

impl Aar {
    /// `session`: the exercise as played; its counterfactual is run here.
    /// `session`: the exercise as played; `entries`: its journal, for the
    /// wall-clock view. Its counterfactual is run here.
    pub fn build(session: &Session, seed: u64, people: &[String], entries: &[Entry]) -> Result<Aar, String> {
        let scenario = session.scenario();
        let end = session.now();
        let played = report::incident_reports(scenario, &session.log());
        let mut bots = Session::new(scenario.clone(), seed, &BTreeSet::new()).map_err(|e| e.to_string())?;
        bots.advance_to(end).map_err(|e| e.to_string())?;
        let reference = report::incident_reports(scenario, &bots.log());
        let scores = score(session);
        let outcomes: Vec<OutcomeRow> = played
            .iter()
            .zip(&reference)
            .map(|(p, r)| {
                let closed = session.closures().iter().find(|c| p.id == c.incident);
                let played = outcome(p, closed.map(|c| (c, scenario.instant_text(SimTime(c.at_ms)))));
                OutcomeRow { incident: p.id.to_string(), played, reference: outcome(r, None) }
            })
            .collect();
        let playing = session.people();
        let cases = played.iter().map(|incident| timeline(scenario, incident, &playing)).collect();
        let injects = session.injects();
        let inject_rows = injects
            .runs()
            .iter()
            .enumerate()
            .map(|(i, run)| InjectRow {
                id: run.id.clone(),
                from: injects.inject(i).from.clone(),
                state: match run.state {
                    super::injects::InjectState::Pending => "not sent".to_owned(),
                    super::injects::InjectState::Held => "held".to_owned(),
                    super::injects::InjectState::Skipped => "skipped".to_owned(),
                    super::injects::InjectState::Sent { .. } => "sent".to_owned(),
                },
                sent: match run.state {
                    super::injects::InjectState::Sent { at_ms } => Some(scenario.instant_text(SimTime(at_ms))),
                    _ => None,
                },
            })
            .collect();
        let summary = summary(&scores.objectives, &outcomes);
        Ok(Aar {
            format: FORMAT,
            exercise: ExerciseInfo {
                name: scenario.name.clone(),
                scenario_sha256: scenario.sha256.clone(),
                seed,
                people: people.to_vec(),
                start: scenario.instant_text(scenario.exercise.as_ref().map_or(SimTime::ZERO, |e| e.start)),
                end: scenario.instant_text(end),
                forms_sent: session.forms().len(),
            },
            summary,
            objectives: scores.objectives,
            outcomes,
            cases,
            expectations: scores.expectations,
            forms: quality(session),
            channel_findings: channel_findings(session),
            injects: inject_rows,
            notes: session
                .notes()
                .iter()
                .map(|n: &Note| NoteRow {
                    at: scenario.instant_text(SimTime(n.at_ms)),
                    country: n.country.to_string(),
                    text: n.text.clone(),
                })
                .collect(),
            evaluations: session.evaluations().to_vec(),
            feedback: session.feedback().to_vec(),
            final_ratings: session.final_ratings().clone(),
            observations: session
                .observations()
                .iter()
                .map(|o| ObservationRow {
                    at: scenario.instant_text(SimTime(o.at_ms)),
                    evaluator: o.evaluator.clone(),
                    text: o.text.clone(),
                })
                .collect(),
            improvement_plan: session.plan().to_vec(),
            wall_time: entries.iter().map(|e| wall_row(scenario, e)).collect(),
            wall_axis: entries.iter().map(|e| (e.sim_ms, e.wall_ms)).collect(),
        })
    }

    pub fn to_json(&self) -> String {
        crate::units::to_json(self)
    }
}

/// A journaled action as one line: when on the wall clock and in the
/// exercise, who, and what in a few words.
fn wall_row(scenario: &crate::scenario::Scenario, entry: &Entry) -> WallRow {
    let what = entry.command.describe();
    WallRow {
        wall: jiff::Timestamp::from_millisecond(entry.wall_ms)
            .map_or_else(|_| entry.wall_ms.to_string(), |t| t.strftime("%Y-%m-%d %H:%M:%S UTC").to_string()),
        sim: scenario.instant_text(SimTime(entry.sim_ms)),
        actor: entry.actor.clone(),
        what,
    }
}

/// How a trace ended; `closed`: the desk that stopped pursuing it, when, and why.
fn outcome(incident: &IncidentReport, closed: Option<(&super::session::Closure, String)>) -> Outcome {
    Outcome {
        origin_preserved: incident.trace.result == TraceResult::OriginPreserved,
        reason: match (incident.reported_at_ms, &incident.trace.result, closed) {
            (None, ..) => "not reported by the end of play".to_owned(),
            (Some(_), TraceResult::Incomplete, Some((closure, at))) => {
                format!("not pursued: {} stopped at {at}, because {}", closure.country, closure.because)
            }
            (Some(_), TraceResult::Incomplete, None) => "still under way at the end of play".to_owned(),
            _ => incident.trace.reason.clone(),
        },
        subscriber: incident.subscriber.as_ref().map(|s| {
            let after = s.since_report_ms.map_or_else(String::new, |ms| format!(" after {}", fmt_ms(ms)));
            let usable = if s.usable { "usable as evidence" } else { "not usable as evidence" };
            format!("identified{after} through {} ({usable})", s.instrument())
        }),
    }
}

fn timeline(
    scenario: &crate::scenario::Scenario,
    incident: &IncidentReport,
    people: &[pocnet_node::CountryCode],
) -> CaseTimeline {
    let hops: Vec<HopTimeline> = incident
        .hops
        .iter()
        .map(|h| {
            let no_logs = scenario.carriers.get(&h.carrier).is_some_and(|c| c.no_logs);
            let deleted = (!no_logs).then_some(incident.communication_at_ms + h.retention_ms);
            // A hop that killed the trace, with the cause a debrief needs.
            let cause = match h.outcome {
                HopOutcome::LogsExpired => h.request_sent_ms.get().zip(deleted).map(|(sent, deleted)| {
                    format!(
                        "the request left {} after the logs were deleted",
                        fmt_ms(sent.saturating_sub(deleted).max(0))
                    )
                }),
                HopOutcome::NoLogs => Some("the carrier keeps no logs".to_owned()),
                HopOutcome::HoldLapsed => Some("the hold lapsed before the production request".to_owned()),
                HopOutcome::Misidentified => Some("the request named the wrong moment: someone else's data".to_owned()),
                HopOutcome::Unidentified => {
                    Some("nobody could be singled out (carrier-grade NAT without the port)".to_owned())
                }
                HopOutcome::Refused => Some("refused".to_owned()),
                _ => None,
            };
            HopTimeline {
                hop: h.hop,
                country: h.country.to_string(),
                carrier: h.carrier.to_string(),
                request_sent_ms: h.request_sent_ms.get().or(h.preservation_ordered_ms.get()),
                acknowledged_ms: h.acknowledged_ms.get(),
                preserved_ms: h.preserved_ms.get(),
                disclosed_ms: h.disclosed_ms.get(),
                logs_deleted_ms: deleted,
                hold_until_ms: h.hold_until_ms.get(),
                outcome: format!("{:?}", h.outcome),
                cause,
            }
        })
        .collect();
    let lanes = lanes(incident, &hops, people);
    CaseTimeline { incident: incident.id.to_string(), reported_ms: incident.reported_at_ms, hops, lanes }
}

/// The case desk by desk: the reporting desk's report, requests, orders and
/// production requests; each requested desk's receipt, acknowledgement,
/// preservation and disclosure, with its carrier's deadlines.
fn lanes(incident: &IncidentReport, hops: &[HopTimeline], people: &[pocnet_node::CountryCode]) -> Vec<Lane> {
    let reporter = incident.reported_by.to_string();
    let mut lanes: Vec<Lane> = Vec::new();
    let lane = |lanes: &mut Vec<Lane>, desk: &str| -> usize {
        if let Some(i) = lanes.iter().position(|l| l.desk == desk) {
            return i;
        }
        let played_by = if people.iter().any(|p| p.as_str() == desk) { "person" } else { "bot" };
        lanes.push(Lane { desk: desk.to_owned(), played_by, marks: Vec::new(), deadlines: Vec::new() });
        lanes.len() - 1
    };
    let mine = lane(&mut lanes, &reporter);
    if let Some(at) = incident.reported_at_ms {
        lanes[mine].marks.push(Mark { at_ms: at, what: "reported".to_owned() });
    }
    for (hop, report) in hops.iter().zip(&incident.hops) {
        let domestic = report.domestic;
        if let Some(at) = hop.request_sent_ms {
            let what =
                if domestic { format!("ordered {}", hop.carrier) } else { format!("request to {}", hop.country) };
            lanes[mine].marks.push(Mark { at_ms: at, what });
        }
        if let Some(at) = report.production_requested_ms.get() {
            lanes[mine].marks.push(Mark { at_ms: at, what: format!("production request to {}", hop.country) });
        }
        let theirs = lane(&mut lanes, &hop.country);
        for (at, what) in [
            (if domestic { None } else { report.request_received_ms.get() }, "request received"),
            (hop.acknowledged_ms, "acknowledged"),
            (hop.preserved_ms, "preserved"),
            (hop.disclosed_ms, "disclosed"),
        ] {
            if let Some(at) = at {
                lanes[theirs].marks.push(Mark { at_ms: at, what: format!("{what} ({})", hop.carrier) });
            }
        }
        if let Some(at) = hop.logs_deleted_ms {
            lanes[theirs].deadlines.push(Mark { at_ms: at, what: format!("{} deletes its logs", hop.carrier) });
        }
        if let Some(at) = hop.hold_until_ms {
            lanes[theirs].deadlines.push(Mark { at_ms: at, what: format!("the hold at {} expires", hop.carrier) });
        }
    }
    if let Some(subscriber) = &incident.subscriber {
        lanes[mine].marks.push(Mark { at_ms: subscriber.at_ms, what: "subscriber identified".to_owned() });
    }
    for lane in &mut lanes {
        lane.marks.sort_by_key(|m| m.at_ms);
    }
    lanes
}

/// Per form kind and field: how often it was filled, and exactly.
fn quality(session: &Session) -> Vec<FieldQuality> {
    use crate::scenario::templates::FieldKind;
    // By seat, case, form (in the templates' order) and field (in the form's).
    let mut rows: BTreeMap<(CountryCode, String, usize, usize), FieldQuality> = BTreeMap::new();
    for sent in session.forms() {
        let incident = session.tasks()[sent.task as usize].step.case().0.to_string();
        let kind_index = StepKind::ALL.iter().position(|k| *k == sent.form.kind).unwrap_or(0);
        for (field_index, spec) in sent.form.kind.fields().iter().enumerate() {
            let key = (sent.country, incident.clone(), kind_index, field_index);
            let row = rows.entry(key).or_insert(FieldQuality {
                seat: sent.country,
                incident: incident.clone(),
                form: sent.form.kind,
                field: spec.name,
                wanted: spec.wanted,
                sent: 0,
                filled: 0,
                exact: (spec.kind == FieldKind::Instant).then_some(0),
            });
            row.sent += 1;
            if sent.form.has(spec.name) {
                row.filled += 1;
                if let (Some(exact), Some(instant)) = (row.exact.as_mut(), sent.form.instant(spec.name))
                    && instant.at_ms.is_some()
                {
                    *exact += 1;
                }
            }
        }
    }
    rows.into_values().collect()
}

/// Each form's choice of instrument against the law of the scenario: an
/// order where it does not apply, MLA where a production order did, an
/// emergency procedure without a risk to life.
fn channel_findings(session: &Session) -> Vec<ChannelFinding> {
    use pocnet_node::ProductionChannel;
    use pocnet_node::contact_point::Timer;
    let scenario = session.scenario();
    let mut findings = Vec::new();
    for sent in session.forms() {
        let Some(task) = session.tasks().get(sent.task as usize) else { continue };
        let (incident, hop) = task.step.case();
        let at = SimTime(sent.at_ms);
        let emergency = scenario.incidents.iter().any(|i| i.id == incident.as_str() && i.emergency);
        let mut found = |finding: String, rule: &'static str| {
            findings.push(ChannelFinding {
                at: scenario.instant_text(at),
                country: sent.country.to_string(),
                incident: incident.to_string(),
                hop,
                finding,
                rule,
            });
        };
        let flagged_emergency = sent.form.kind == StepKind::EmergencyDisclosure
            || matches!(sent.form.values.get("emergency"), Some(super::forms::FieldValue::Flag(true)));
        if flagged_emergency && !emergency {
            found(
                "an emergency procedure for a case with no risk to life".to_owned(),
                "Second Protocol Art. 9 and providers' emergency disclosure need an imminent risk to life or safety",
            );
        }
        // Art. 29(3)-(4): for an offence under Arts. 2-11 no dual-criminality
        // refusal is open; the request should say so.
        if matches!(sent.form.kind, StepKind::SendRequest | StepKind::EmergencyDisclosure) {
            let offence = scenario.incidents.iter().find(|i| i.id == incident.as_str()).and_then(|i| i.offence);
            let flagged =
                matches!(sent.form.values.get("convention_offence"), Some(super::forms::FieldValue::Flag(true)));
            match offence.map(|o| o.convention_article().is_some()) {
                Some(true) if !flagged => found(
                    "the request did not say the offence falls under the Convention (Arts. 2-11)".to_owned(),
                    "Budapest Art. 29(3)-(4): no dual-criminality refusal for an offence under Arts. 2-11",
                ),
                Some(false) if flagged => found(
                    "the request said the offence falls under the Convention; it does not".to_owned(),
                    "Budapest Art. 29(4): a reserving Party may refuse offences outside Arts. 2-11",
                ),
                _ => {}
            }
        }
        // A person's refusal against Art. 29(4)-(5): dual criminality only
        // under a reservation, and never for an offence under Arts. 2-11.
        if sent.form.kind == StepKind::Refuse && sent.form.dual_criminality() {
            let offence = scenario.incidents.iter().find(|i| i.id == incident.as_str()).and_then(|i| i.offence);
            let reserved = scenario
                .countries
                .get(&sent.country)
                .is_some_and(|c| offence.is_some_and(|o| c.dual_criminality.contains(&o)));
            match offence {
                Some(o) if o.convention_article().is_some() => found(
                    format!("refused for dual criminality a request about {o}, an offence under the Convention"),
                    "Budapest Art. 29(3): no dual-criminality refusal for an offence under Arts. 2-11",
                ),
                _ if !reserved => found(
                    format!("refused for dual criminality, but {} made no such reservation", sent.country),
                    "Budapest Art. 29(4): only a Party that reserved the right may refuse for dual criminality",
                ),
                _ => {}
            }
        }
        if let (Timer::SendProductionRequest { to, hop, .. }, Some(channel)) = (&task.step, sent.form.channel()) {
            // The provider the order would go to: the hop's carrier.
            let provider =
                scenario.incidents.iter().find(|i| i.id == incident.as_str()).and_then(|i| i.chain.get(*hop as usize));
            let epoc = scenario.epoc.as_ref().zip(provider).is_some_and(|(e, p)| e.applies(&sent.country, p, at));
            let art8 = scenario.second_protocol.as_ref().is_some_and(|p| p.applies(&sent.country, to, at));
            match channel {
                ProductionChannel::Epoc if !epoc => found(
                    format!("a European Production Order to {to}, where the Regulation does not apply"),
                    "Reg. (EU) 2023/1543: from a bound Member State to a provider with its establishment or representative \
                     in another, from 18 August 2026",
                ),
                ProductionChannel::Art8 if !art8 => found(
                    format!("a Second Protocol Art. 8 order to {to}, where the Protocol does not apply"),
                    "CETS 224: between its Parties, once in force (it is not)",
                ),
                ProductionChannel::Mla if epoc => found(
                    format!("MLA to {to}, where a European Production Order applied (10 days, not months)"),
                    "Reg. (EU) 2023/1543 Art. 10: the provider answers within 10 days",
                ),
                _ => {}
            }
        }
    }
    findings
}

fn summary(objectives: &[ObjectiveScore], outcomes: &[OutcomeRow]) -> String {
    let rated: Vec<&ObjectiveScore> = objectives.iter().filter(|o| o.rating.is_some()).collect();
    let performed = rated.iter().filter(|o| o.rating == Some(Rating::P)).count();
    let preserved = outcomes.iter().filter(|o| o.played.origin_preserved).count();
    let reference = outcomes.iter().filter(|o| o.reference.origin_preserved).count();
    let identified = outcomes.iter().filter(|o| o.played.subscriber.is_some()).count();
    let reference_identified = outcomes.iter().filter(|o| o.reference.subscriber.is_some()).count();
    let mut text = format!(
        "{performed} of {} performed without challenges. The trainees found and held the origin in {preserved} of {} \
         (bots alone, same scenario and seed: {reference}); the subscriber was identified in {identified} (bots alone: {reference_identified}).",
        crate::units::count(rated.len() as u64, "rated objective", "rated objectives"),
        crate::units::count(outcomes.len() as u64, "trace", "traces")
    );
    let weakest = rated.iter().filter(|o| o.rating >= Some(Rating::M)).map(|o| o.id.as_str()).collect::<Vec<_>>();
    if !weakest.is_empty() {
        text.push_str(&format!(" Areas for improvement: {}.", weakest.join(", ")));
    }
    text
}
