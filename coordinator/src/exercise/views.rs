//! What each console sees, as typed views the server serializes to JSON: the clock and the seats for everyone;
//! a desk's inbox, cases and directory for its seat (never another's);
//! every case along its chain, whose move it is and its deadlines for the
//! director. Built from the session's log on each request: an exercise's
//! log is a few thousand events at most.

use super::command::PlanItem;
use super::correspondence::{self, Letter};
use super::injects::{InjectState, Injects};
use super::live::Rejected;
use super::live::{Live, Who};
use super::rating::Rating;
use super::session::{Task, TaskState};
use crate::projection::{HopOutcome, HopReport, IncidentReport, TraceResult};
use crate::report::{self, local_time};
use crate::scenario::Scenario;
use crate::scenario::msel::Recipient;
use crate::scenario::templates::FieldSpec;
use pocnet_node::contact_point::Timer;
use pocnet_node::{CountryCode, SimTime};
use serde::Serialize;

/// What every console shows: the clock, the countries in play and who
/// plays them; for the director also the links, refusals, plan and phases.
#[derive(Debug, Serialize)]
pub struct StateView {
    exercise: String,
    sim_time: String,
    sim_ms: i64,
    paused: bool,
    speed: f64,
    you: String,
    cell: Option<CountryCode>,
    countries: Vec<CountryView>,
    settled: bool,
    version: u64,
    /// The phase the clock is in, if the exercise has phases.
    phase: Option<String>,
    #[serde(flatten)]
    director: Option<DirectorView>,
}

#[derive(Debug, Serialize)]
struct CountryView {
    code: CountryCode,
    name: String,
    /// Its IANA time zone, in which its desk's page shows every time.
    zone: String,
    local_time: String,
    played_by: &'static str,
    briefing: Option<String>,
}

#[derive(Debug, Serialize)]
struct DirectorView {
    /// Open expectations on people's desks whose limit is running: a skip
    /// past one is the director's doing, and the console says so first.
    open_limits: Vec<OpenLimit>,
    seats: Vec<Link>,
    rejected: Vec<Rejected>,
    evaluators: Vec<EvaluatorLinkView>,
    plan: Vec<PlanItem>,
    phases: Vec<PhaseView>,
    /// The next skip the plan has, not yet passed: the console offers it.
    planned_skip: Option<PlannedSkipView>,
}

#[derive(Debug, Serialize)]
struct PlannedSkipView {
    from: String,
    to: String,
    from_t_plus: String,
    to_t_plus: String,
}

#[derive(Debug, Serialize)]
struct OpenLimit {
    what: String,
    limit: String,
}

#[derive(Debug, Serialize)]
struct Link {
    country: CountryCode,
    url: String,
}

#[derive(Debug, Serialize)]
struct EvaluatorLinkView {
    evaluator: i64,
    cell: CountryCode,
    url: String,
}

#[derive(Debug, Serialize)]
struct PhaseView {
    name: String,
    from: String,
    speed: f64,
}

/// The clock, the countries in play and who plays them.
pub fn state(live: &Live, who: &Who, wall_ms: i64, base_url: &str) -> StateView {
    let session = live.session();
    let scenario = session.scenario();
    let now = live.clock().now(wall_ms).max(session.now());
    let countries = scenario
        .countries
        .values()
        .map(|c| CountryView {
            code: c.code,
            name: c.name.clone(),
            zone: c.time_zone.iana_name().unwrap_or("UTC").to_owned(),
            local_time: local_time(scenario, &c.code, now),
            played_by: if session.is_person(&c.code) { "person" } else { "bot" },
            briefing: match who {
                Who::Seat(seat) if seat == &c.code => live.plan().briefings.get(&c.code).cloned(),
                Who::Director => live.plan().briefings.get(&c.code).cloned(),
                Who::Seat(_) | Who::Evaluator { .. } => None,
            },
        })
        .collect();
    let director = (*who == Who::Director).then(|| DirectorView {
        open_limits: open_limits(session),
        seats: live
            .seat_tokens()
            .iter()
            .map(|(c, token)| Link { country: *c, url: format!("{base_url}/seat/{c}?token={token}") })
            .collect(),
        rejected: live.rejected().to_vec(),
        evaluators: live
            .evaluator_links()
            .iter()
            .map(|(n, cell, token)| EvaluatorLinkView {
                evaluator: *n,
                cell: *cell,
                url: format!("{base_url}/evaluate?token={token}"),
            })
            .collect(),
        plan: session.plan().to_vec(),
        planned_skip: live.plan().skips.iter().find(|skip| skip.to > now).map(|skip| PlannedSkipView {
            from: scenario.instant_text(skip.from),
            to: scenario.instant_text(skip.to),
            from_t_plus: live.plan().t_plus(skip.from),
            to_t_plus: live.plan().t_plus(skip.to),
        }),
        phases: live
            .plan()
            .phases
            .iter()
            .map(|p| PhaseView { name: p.name.clone(), from: scenario.instant_text(p.from), speed: p.speed })
            .collect(),
    });
    StateView {
        exercise: scenario.name.clone(),
        sim_time: scenario.instant_text(now),
        sim_ms: now.ms(),
        paused: live.clock().paused(),
        speed: live.clock().speed(),
        you: who.actor(),
        cell: match who {
            Who::Evaluator { cell, .. } => Some(*cell),
            _ => None,
        },
        countries,
        settled: session.next_event().is_none(),
        version: live.version(),
        phase: live.plan().phase_at(now).map(|p| p.name.clone()),
        director,
    }
}

fn open_limits(session: &super::session::Session) -> Vec<OpenLimit> {
    let injects = session.injects();
    let people = session.people();
    injects
        .expectations()
        .iter()
        .filter(|e| e.met.is_none() && !e.missed && e.by.as_ref().is_some_and(|by| people.contains(by)))
        .filter_map(|e| {
            let definition = &injects.msel().inject(&e.inject)?.expect[e.index];
            let from = e.could_act_ms?;
            Some(OpenLimit {
                what: format!("{} {} ({})", e.by.as_ref()?, definition.form.label().to_lowercase(), e.inject),
                limit: session.scenario().instant_text(SimTime(from + definition.limit_ms)),
            })
        })
        .collect()
}

/// One desk's view: its waiting steps with their forms, the messages that
/// reached it, what reached or left it, its cases with the deadlines it can
/// know, its directory and its decision log.
#[derive(Debug, Serialize)]
pub struct InboxView {
    country: CountryCode,
    injects: Vec<InjectMessage>,
    tasks: Vec<TaskView>,
    messages: Vec<MessageView>,
    cases: Vec<DeskCase>,
    directory: Vec<DirectoryEntry>,
    notes: Vec<NoteView>,
    /// Notes other desks addressed to this one, newest first.
    letters: Vec<Letter>,
}

#[derive(Debug, Serialize)]
struct MessageView {
    at: String,
    local: String,
    incident: String,
    hop: u32,
    text: String,
}

#[derive(Debug, Serialize)]
struct DirectoryEntry {
    country: CountryCode,
    name: String,
    hours: &'static str,
    languages: Vec<String>,
    member: bool,
    may_be_stale: bool,
}

/// An inject as its recipient sees it: never the expectations it creates
/// (those are the controllers').
#[derive(Debug, Serialize)]
struct InjectMessage {
    at: String,
    local: String,
    from: String,
    channel: String,
    text: String,
    attachments: Vec<Attachment>,
}

#[derive(Debug, Serialize)]
struct Attachment {
    name: String,
    text: String,
}

#[derive(Debug, Serialize)]
struct NoteView {
    at: String,
    country: CountryCode,
    /// The desk a note was written to; none: the writer's own log.
    #[serde(skip_serializing_if = "Option::is_none")]
    to: Option<CountryCode>,
    text: String,
}

pub fn inbox(live: &Live, country: &CountryCode) -> InboxView {
    let session = live.session();
    let scenario = session.scenario();
    let log = session.log();
    let tasks = session.tasks().iter().filter(|t| &t.country == country).rev().map(|t| task(session, t)).collect();
    let messages = log
        .iter()
        .filter(|e| &e.country == country)
        .rev()
        .take(200)
        .map(|e| MessageView {
            at: scenario.instant_text(e.at),
            local: local_time(scenario, country, e.at),
            incident: e.incident.to_string(),
            hop: e.hop,
            text: e.kind.describe(&|t| local_time(scenario, country, t)),
        })
        .collect();
    let incidents = report::incident_reports(scenario, &log);
    let cases = incidents
        .iter()
        // A desk knows an incident once it is reported to it, or once asked about it.
        .filter(|i| {
            &i.reported_by == country && i.reported_at_ms.is_some()
                || i.hops.iter().any(|h| &h.country == country && h.request_received_ms.is_some())
        })
        .map(|i| desk_case(session, i, country))
        .collect();
    let directory = scenario
        .countries
        .values()
        .filter(|c| &c.code != country)
        .map(|c| {
            let entry = scenario.directory.get(&c.code);
            DirectoryEntry {
                country: c.code,
                name: c.name.clone(),
                hours: match c.staffing {
                    pocnet_node::Staffing::AroundTheClock => "24/7",
                    pocnet_node::Staffing::OfficeHours(_) => "office hours",
                },
                languages: c.languages.iter().map(|l| l.to_string()).collect(),
                member: c.member,
                may_be_stale: entry.is_some_and(|e| e.stale_probability > 0.0 || !e.stale_windows.is_empty()),
            }
        })
        .collect();
    let injects = session.injects();
    let received = injects
        .runs()
        .iter()
        .enumerate()
        .rev()
        .filter(|(i, _)| injects.reaches(*i, country))
        .filter_map(|(i, run)| match run.state {
            InjectState::Sent { at_ms } => Some((i, at_ms)),
            _ => None,
        })
        .map(|(i, at_ms)| {
            let inject = injects.inject(i);
            InjectMessage {
                at: scenario.instant_text(SimTime(at_ms)),
                local: local_time(scenario, country, SimTime(at_ms)),
                from: inject.from.clone(),
                channel: inject.channel.clone(),
                text: inject.text.clone(),
                attachments: inject
                    .attachments
                    .iter()
                    .map(|a| Attachment { name: a.name.clone(), text: a.text.clone() })
                    .collect(),
            }
        })
        .collect();
    InboxView {
        country: *country,
        injects: received,
        tasks,
        messages,
        cases,
        directory,
        notes: notes(live, Some(country)),
        letters: correspondence::notes_to(session, country),
    }
}

/// Every case along its chain, every task, the decision logs and the MSEL:
/// the director's view.
#[derive(Debug, Serialize)]
pub struct CasesView {
    cases: Vec<CaseView>,
    tasks: Vec<TaskView>,
    notes: Vec<NoteView>,
    msel: Vec<InjectRunView>,
}

#[derive(Debug, Serialize)]
struct CaseView {
    incident: String,
    reported_by: CountryCode,
    communication: String,
    result: String,
    reason: String,
    subscriber: Option<SubscriberView>,
    hops: Vec<HopView>,
}

#[derive(Debug, Serialize)]
struct SubscriberView {
    channel: &'static str,
    usable: bool,
}

/// A hop along a chain: where it stands, whose move it is (the director's
/// view), the deadlines that decide it.
#[derive(Debug, Serialize)]
struct HopView {
    hop: u32,
    country: CountryCode,
    carrier: String,
    status: &'static str,
    requested: Option<String>,
    preserved: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    waiting_for: Option<Vec<Move>>,
    deadlines: Vec<Deadline>,
}

#[derive(Debug, Serialize)]
struct Move {
    country: CountryCode,
    step: &'static str,
    since: String,
}

#[derive(Debug, Serialize)]
struct Deadline {
    what: String,
    at: Option<String>,
}

/// Every case along its chain: where it stands, whose move, the deadlines.
pub fn cases(live: &Live) -> CasesView {
    let session = live.session();
    let scenario = session.scenario();
    let log = session.log();
    let incidents = report::incident_reports(scenario, &log);
    let waiting: Vec<&Task> = session.tasks().iter().filter(|t| t.state == TaskState::Waiting).collect();
    let list = incidents
        .iter()
        .map(|incident| {
            let hops = incident
                .hops
                .iter()
                .map(|hop| {
                    let moves = waiting
                        .iter()
                        .filter(|t| incident.id == t.step.case().0.as_str() && t.step.case().1 == hop.hop)
                        .map(|t| Move {
                            country: t.country,
                            step: t.kind.label(),
                            since: scenario.instant_text(t.since),
                        })
                        .collect();
                    HopView { waiting_for: Some(moves), ..hop_view(scenario, hop, deadlines(scenario, incident, hop)) }
                })
                .collect();
            CaseView {
                incident: incident.id.to_string(),
                reported_by: incident.reported_by,
                communication: scenario.instant_text(SimTime(incident.communication_at_ms)),
                result: format!("{:?}", incident.trace.result),
                // Mid-exercise, an unfinished trace is under way, not lost.
                reason: match (
                    incident.reported_at_ms,
                    &incident.trace.result,
                    session.closures().iter().find(|c| incident.id == c.incident),
                ) {
                    (None, ..) => "not reported yet".to_owned(),
                    (Some(_), TraceResult::Incomplete, Some(closed)) => {
                        format!("not pursued by {}: {}", closed.country, closed.because)
                    }
                    (Some(_), TraceResult::Incomplete, None) => "under way".to_owned(),
                    _ => incident.trace.reason.clone(),
                },
                subscriber: incident
                    .subscriber
                    .as_ref()
                    .map(|s| SubscriberView { channel: s.channel.label(), usable: s.usable }),
                hops,
            }
        })
        .collect();
    CasesView {
        cases: list,
        tasks: session.tasks().iter().map(|t| task(session, t)).collect(),
        notes: notes(live, None),
        msel: msel(scenario, session.injects(), &session.people()),
    }
}

#[derive(Debug, Serialize)]
struct InjectRunView {
    id: String,
    /// `T+2h`, and the planned wall-clock time from the start at the phases' paces.
    t_plus: Option<String>,
    wall: Option<String>,
    to: String,
    from: String,
    text: String,
    due: Option<String>,
    state: &'static str,
    sent: Option<String>,
    standby: bool,
    expectations: Vec<ExpectationView>,
    #[serde(skip)]
    due_ms: Option<i64>,
}

#[derive(Debug, Serialize)]
struct ExpectationView {
    what: String,
    status: &'static str,
    /// `None` until the step reaches the desk: the limit runs from then.
    limit: Option<String>,
}

/// The MSEL as it stands, for the director: each inject's state and due
/// instant, and its expectations met, open or missed.
fn msel(scenario: &Scenario, injects: &Injects, people: &[CountryCode]) -> Vec<InjectRunView> {
    let plan = scenario.exercise.clone().unwrap_or_default();
    let mut list: Vec<InjectRunView> = injects
        .runs()
        .iter()
        .enumerate()
        .map(|(i, run)| {
            let inject = injects.inject(i);
            let expectations = injects
                .expectations()
                .iter()
                .filter(|e| e.inject == inject.id)
                .map(|e| {
                    let definition = &inject.expect[e.index];
                    let played = e.by.as_ref().is_some_and(|by| people.contains(by));
                    let from = e.could_act_ms.unwrap_or(e.created_ms);
                    let status = match (&e.met, e.missed) {
                        _ if !played => "not rated: a bot plays that desk",
                        (Some(met), _) if met.at_ms - from <= definition.goal_ms => "met by the goal",
                        (Some(_), _) => "met by the limit",
                        (None, true) if e.missed_in_skip => "limit passed in a skip",
                        (None, true) => "missed",
                        (None, false) if e.could_act_ms.is_none() => "waiting for the step to reach the desk",
                        (None, false) => "open",
                    };
                    ExpectationView {
                        what: format!(
                            "{} {}",
                            e.by.as_ref().map_or("anyone", |c| c.as_str()),
                            definition.form.label().to_lowercase()
                        ),
                        status,
                        limit: e.could_act_ms.map(|from| scenario.instant_text(SimTime(from + definition.limit_ms))),
                    }
                })
                .collect();
            InjectRunView {
                id: run.id.clone(),
                t_plus: run.due_ms.map(|ms| plan.t_plus(SimTime(ms))),
                wall: run.due_ms.map(|ms| plan.wall_eta(SimTime(ms), 1.0)),
                to: match &inject.to {
                    Recipient::Seat(c) => c.to_string(),
                    Recipient::All => "all".to_owned(),
                    Recipient::Director => "director".to_owned(),
                },
                from: inject.from.clone(),
                text: inject.text.clone(),
                due: run.due_ms.map(|ms| scenario.instant_text(SimTime(ms))),
                state: match run.state {
                    InjectState::Pending => "pending",
                    InjectState::Held => "held",
                    InjectState::Skipped => "skipped",
                    InjectState::Sent { .. } => "sent",
                },
                sent: match run.state {
                    InjectState::Sent { at_ms } => Some(scenario.instant_text(SimTime(at_ms))),
                    _ => None,
                },
                standby: run.due_ms.is_none(),
                expectations,
                due_ms: run.due_ms,
            }
        })
        .collect();
    // In time order, standbys and contingencies last (the sort is stable).
    list.sort_by_key(|i| (i.due_ms.is_none(), i.due_ms));
    list
}

fn notes(live: &Live, country: Option<&CountryCode>) -> Vec<NoteView> {
    let scenario = live.session().scenario();
    live.session()
        .notes()
        .iter()
        .filter(|n| country.is_none_or(|c| &n.country == c))
        .map(|n| NoteView {
            at: scenario.instant_text(SimTime(n.at_ms)),
            country: n.country,
            to: n.to,
            text: n.text.clone(),
        })
        .collect()
}

/// A desk step waiting (or taken), with the forms that take it.
#[derive(Debug, Serialize)]
struct TaskView {
    id: u64,
    country: CountryCode,
    kind: &'static str,
    label: &'static str,
    incident: String,
    hop: u32,
    peer: Option<CountryCode>,
    carrier: Option<String>,
    since: String,
    local: String,
    urgent: bool,
    read: bool,
    state: TaskState,
    forms: Vec<FormView>,
    /// What the step works from: the request received, the carrier's
    /// answer, why a request came back.
    letter: Option<Letter>,
    /// The form the person sent, once the step is taken.
    sent: Option<Letter>,
}

#[derive(Debug, Serialize)]
struct FormView {
    kind: &'static str,
    label: &'static str,
    fields: &'static [FieldSpec],
}

fn task(session: &super::session::Session, t: &Task) -> TaskView {
    let scenario = session.scenario();
    let (incident, hop) = t.step.case();
    let emergency = scenario.incidents.iter().any(|i| i.id == incident.as_str() && i.emergency);
    let (peer, carrier) = match &t.step {
        Timer::SendRequest { next, .. } => (Some(next.country), Some(next.carrier.to_string())),
        Timer::SendConfirmation { to, .. }
        | Timer::SendProductionRequest { to, .. }
        | Timer::Clarify { to, .. }
        | Timer::RenewHold { to, .. } => (Some(*to), None),
        _ => (None, None),
    };

    TaskView {
        id: t.id,
        country: t.country,
        kind: t.kind.name(),
        label: t.kind.label(),
        incident: incident.to_string(),
        hop,
        peer,
        carrier,
        since: scenario.instant_text(t.since),
        local: local_time(scenario, &t.country, t.since),
        urgent: emergency,
        read: t.read,
        state: t.state,
        forms: t
            .kind
            .forms()
            .iter()
            .map(|k| FormView { kind: k.name(), label: k.label(), fields: k.fields() })
            .collect(),
        letter: correspondence::for_task(session, &t.country, &t.step),
        sent: correspondence::sent_for(session, t.id),
    }
}

fn hop_view(scenario: &Scenario, hop: &HopReport, deadlines: Vec<Deadline>) -> HopView {
    HopView {
        hop: hop.hop,
        country: hop.country,
        carrier: hop.carrier.to_string(),
        status: status(hop),
        requested: hop.request_sent_ms.get().map(|at| scenario.instant_text(SimTime(at))),
        preserved: hop.preserved_ms.get().map(|at| scenario.instant_text(SimTime(at))),
        waiting_for: None,
        deadlines,
    }
}

fn status(hop: &HopReport) -> &'static str {
    match hop.outcome {
        HopOutcome::NotReached => "not reached",
        HopOutcome::Pending => "in progress",
        HopOutcome::LogsExpired => "logs expired",
        HopOutcome::NoLogs => "no logs kept",
        HopOutcome::Refused => "refused",
        HopOutcome::Unidentified => "nobody identified",
        HopOutcome::HoldLapsed => "hold lapsed",
        HopOutcome::Misidentified => "wrong subscriber",
        HopOutcome::NextHopDisclosed => "next hop disclosed",
        HopOutcome::OriginFound => "origin found",
    }
}

/// The instants that decide a hop, as the director sees them: the carrier
/// deletes its logs (until they are preserved), the hold expires.
fn deadlines(scenario: &Scenario, incident: &IncidentReport, hop: &HopReport) -> Vec<Deadline> {
    let mut list = Vec::new();
    if hop.preserved_ms.is_none() {
        list.push(deletion(scenario, incident, hop));
    }
    if let Some(until) = hop.hold_until_ms.get() {
        list.push(hold_expiry(scenario, hop, until));
    }
    list
}

fn hold_expiry(scenario: &Scenario, hop: &HopReport, until: i64) -> Deadline {
    Deadline { what: format!("the hold at {} expires", hop.carrier), at: Some(scenario.instant_text(SimTime(until))) }
}

/// When the carrier deletes the logs of the communication; a carrier that
/// keeps none has no deadline to race.
fn deletion(scenario: &Scenario, incident: &IncidentReport, hop: &HopReport) -> Deadline {
    if scenario.carriers.get(&hop.carrier).is_some_and(|c| c.no_logs) {
        return Deadline { what: format!("{} keeps no logs", hop.carrier), at: None };
    }
    let deleted = incident.communication_at_ms + hop.retention_ms;
    Deadline { what: format!("{} deletes its logs", hop.carrier), at: Some(scenario.instant_text(SimTime(deleted))) }
}

/// A case as one desk sees it: the hops it asked or was asked about, and
/// the deadlines it can know (its own carriers' deletion, holds it was told of).
#[derive(Debug, Serialize)]
struct DeskCase {
    incident: String,
    reported_by: CountryCode,
    /// Why this desk stopped pursuing it, if it did.
    not_pursued: Option<String>,
    hops: Vec<HopView>,
}

fn desk_case(session: &super::session::Session, incident: &IncidentReport, country: &CountryCode) -> DeskCase {
    let scenario = session.scenario();
    let not_pursued = session
        .closures()
        .iter()
        .find(|c| incident.id == c.incident && &c.country == country)
        .map(|c| c.because.clone());
    let requester = &incident.reported_by == country;
    let hops = incident
        .hops
        .iter()
        .filter(|h| {
            requester && h.request_sent_ms.is_some()
                || &h.country == country && h.request_received_ms.is_some()
                || requester && h.domestic && h.preservation_ordered_ms.is_some()
        })
        .map(|h| {
            let own = &h.country == country;
            let mut deadlines = Vec::new();
            if own && h.preserved_ms.is_none() {
                deadlines.push(deletion(scenario, incident, h));
            }
            let told = own || h.preservation_result_received_ms.is_some();
            if let (Some(until), true) = (h.hold_until_ms.get(), told) {
                deadlines.push(hold_expiry(scenario, h, until));
            }
            hop_view(scenario, h, deadlines)
        })
        .collect();
    DeskCase { incident: incident.id.to_string(), reported_by: incident.reported_by, not_pursued, hops }
}

/// The automatic ratings, objective by objective, and the evaluators' so far.
#[derive(Debug, Serialize)]
pub struct ScoresView {
    objectives: Vec<ObjectiveView>,
    /// The observation log: an evaluator's cell's, or every cell's for the director.
    observations: Vec<NoteView>,
}

#[derive(Debug, Serialize)]
struct ObjectiveView {
    id: String,
    text: String,
    automatic: Option<Rating>,
    /// Kept from this evaluator until they have rated the objective.
    automatic_hidden: bool,
    evaluations: Vec<EvaluationView>,
}

#[derive(Debug, Serialize)]
struct EvaluationView {
    evaluator: String,
    rating: Rating,
    note: String,
    at: String,
    /// The evaluator's latest on the objective: the one that counts.
    current: bool,
}

/// For the director, and for evaluators (their cell's only).
pub fn scores(live: &Live, who: &Who) -> ScoresView {
    let scores = super::score::score(live.session());
    let cell = match who {
        Who::Evaluator { cell, .. } => Some(cell),
        _ => None,
    };
    let evaluations = live.session().evaluations();
    let rated_by_them =
        |objective: &str| evaluations.iter().any(|e| e.objective == objective && e.evaluator == who.actor());
    let objectives = scores
        .objectives
        .iter()
        .map(|o| ObjectiveView {
            id: o.id.clone(),
            text: o.text.clone(),
            // An evaluator sees the automatic rating once they have given
            // their own, so as not to be anchored by it.
            automatic: match who {
                Who::Evaluator { .. } if !rated_by_them(&o.id) => None,
                _ => match cell {
                    Some(cell) => o.by_seat.get(cell).copied(),
                    None => o.rating,
                },
            },
            automatic_hidden: matches!(who, Who::Evaluator { .. }) && !rated_by_them(&o.id),
            evaluations: evaluations
                .iter()
                .enumerate()
                .filter(|(_, e)| e.objective == o.id && cell.is_none_or(|c| &e.cell == c))
                .map(|(i, e)| EvaluationView {
                    evaluator: e.evaluator.clone(),
                    rating: e.rating,
                    note: e.note.clone(),
                    at: live.session().scenario().instant_text(SimTime(e.at_ms)),
                    // The last an evaluator gave on an objective counts; the earlier stay as history.
                    current: !evaluations[i + 1..]
                        .iter()
                        .any(|later| later.objective == e.objective && later.evaluator == e.evaluator),
                })
                .collect(),
        })
        .collect();
    let observations = live
        .session()
        .observations()
        .iter()
        .filter(|o| cell.is_none_or(|c| &o.cell == c))
        .map(|o| NoteView {
            at: live.session().scenario().instant_text(SimTime(o.at_ms)),
            country: o.cell,
            to: None,
            text: format!("{}: {}", o.evaluator, o.text),
        })
        .collect();
    ScoresView { objectives, observations }
}
