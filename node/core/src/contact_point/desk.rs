//! The desk: officers taking up requests, acknowledging them, checking a
//! dual-criminality reservation, and opening work on each hop of a trace.

use super::{Case, ContactPoint, LogState, Output, Timer};
use crate::directory::blocked_until;
use crate::{Body, CountryCode, EventKind, IncidentId, NextHop, PreservationOutcome, SimTime};

impl ContactPoint {
    /// Starts work on hop `hop`, once: a domestic carrier is ordered
    /// directly, a foreign one gets a preservation request; either way an
    /// officer of this desk does it, when one is available.
    pub(super) fn begin_hop(
        &mut self,
        out: &mut Vec<Output>,
        now: SimTime,
        incident: &IncidentId,
        hop: u32,
        next: NextHop,
        reporting_country: CountryCode,
    ) {
        if !self.dossier_mut(incident).begun.insert(hop, next.carrier) {
            return;
        }
        let emergency = self.facts(incident).emergency;
        let domestic = next.country == self.country.code;
        // A person at the desk sends each request when they do, on its own.
        if self.manual {
            let timer = if domestic {
                self.open_domestic_case(incident, hop, next.carrier, reporting_country);
                Timer::Acknowledge { incident: *incident, hop }
            } else {
                Timer::SendRequest { incident: *incident, hop, next, reporting_country, batch: None, slips: None }
            };
            out.push(Output::Await(timer));
            return;
        }
        let (at, batch) =
            if domestic || emergency { (self.desk_done(now, emergency), None) } else { self.batched(now, &next) };
        let timer = if domestic {
            self.open_domestic_case(incident, hop, next.carrier, reporting_country);
            Timer::Acknowledge { incident: *incident, hop }
        } else {
            Timer::SendRequest { incident: *incident, hop, next, reporting_country, batch, slips: None }
        };
        out.push(Output::SetTimer { at, timer });
    }

    /// The reporting country's own carrier: a case this desk orders itself.
    fn open_domestic_case(
        &mut self,
        incident: &IncidentId,
        hop: u32,
        carrier: crate::CarrierId,
        reporting_country: CountryCode,
    ) {
        let case = Case {
            carrier,
            requester: self.country.code,
            reporting_country,
            logs: LogState::Unknown,
            subscriber_kept: true,
            hold_until: None,
            timestamp_error: false,
            defect: false,
            hold_renewed: false,
            foreign_language: false,
        };
        self.dossier_mut(incident).cases.insert(hop, case);
    }

    pub(super) fn acknowledge(&mut self, out: &mut Vec<Output>, now: SimTime, incident: &IncidentId, hop: u32) {
        let case = self.case(incident, hop).cloned().expect("a hop's timers are set after its case is opened");
        let me = self.country.code;
        if case.requester != me {
            self.record(out, now, incident, hop, EventKind::Acknowledged { requester: case.requester });
            if case.reporting_country != me {
                self.send(out, now, &case.reporting_country, incident, hop, Body::Acknowledgement);
            }
            // A person decides on refusal themselves (`refuse`); a bot desk
            // refuses as the law and its rates say.
            // Art. 29(4): a reserving country preserves only for the offences it also punishes.
            let offence = self.facts(incident).offence;
            if let Some(offence) = crate::offence::refuses(&self.country.dual_criminality, offence)
                && !self.manual
            {
                self.record(out, now, incident, hop, EventKind::Refused { carrier: case.carrier, offence });
                if case.reporting_country != me {
                    let refusal = Body::PreservationResult(PreservationOutcome::Refused { offence });
                    self.send(out, now, &case.reporting_country, incident, hop, refusal);
                }
                return;
            }
            // Art. 29(5): the few grounds any Party may refuse on.
            if !self.manual && self.slips(self.country.refusal_grounds) {
                self.record(out, now, incident, hop, EventKind::RefusedOnGrounds { carrier: case.carrier });
                if case.reporting_country != me {
                    let refusal = Body::PreservationResult(PreservationOutcome::RefusedOnGrounds);
                    self.send(out, now, &case.reporting_country, incident, hop, refusal);
                }
                return;
            }
            // A person reads the request and decides: a request they send
            // back is their own step (`ask_clarification`); acknowledged, it
            // goes on, and they order the carrier as a step of its own.
            if self.manual {
                out.push(Output::Await(Timer::GatePreservation { incident: *incident, hop }));
                return;
            }
            // A bot desk sends a defective request (wrong identifiers,
            // over-broad scope) back for clarification before ordering anything.
            if case.defect {
                self.clarification(out, now, incident, hop, &case.requester);
                return;
            }
            // Ordering the provider to preserve is a step of its own: the
            // officer drafts and serves the order once the request is taken
            // (drawn on the desk's own stream, as its handling is).
            let at = now.plus_ms(self.country.preservation_order.sample(&mut self.rng.desk));
            out.push(Output::SetTimer { at, timer: Timer::GatePreservation { incident: *incident, hop } });
            return;
        }
        // The reporting country's own order leaves with its request's preparation.
        self.gate_preservation(out, now, incident, hop);
    }

    /// A person at the requested desk acknowledges the request and sends it
    /// back for clarification: nothing is ordered until the answer comes.
    pub(super) fn ask_clarification(&mut self, out: &mut Vec<Output>, now: SimTime, incident: &IncidentId, hop: u32) {
        let case = self.case(incident, hop).cloned().expect("a request's case is opened when it arrives");
        self.record(out, now, incident, hop, EventKind::Acknowledged { requester: case.requester });
        if case.reporting_country != self.country.code {
            self.send(out, now, &case.reporting_country, incident, hop, Body::Acknowledgement);
        }
        self.clarification(out, now, incident, hop, &case.requester);
    }

    /// A person at the requested desk acknowledges the request and refuses
    /// it: under Art. 29(4) where the request names the offence, otherwise
    /// on the grounds of Art. 29(5). Whether the law allowed it is for the
    /// after-action report to say.
    pub(super) fn refuse(&mut self, out: &mut Vec<Output>, now: SimTime, incident: &IncidentId, hop: u32, dual: bool) {
        let case = self.case(incident, hop).cloned().expect("a request's case is opened when it arrives");
        self.record(out, now, incident, hop, EventKind::Acknowledged { requester: case.requester });
        let offence = self.facts(incident).offence;
        let (event, outcome) = match offence.filter(|_| dual) {
            Some(offence) => {
                (EventKind::Refused { carrier: case.carrier, offence }, PreservationOutcome::Refused { offence })
            }
            None => (EventKind::RefusedOnGrounds { carrier: case.carrier }, PreservationOutcome::RefusedOnGrounds),
        };
        self.record(out, now, incident, hop, event);
        if case.reporting_country != self.country.code {
            self.send(out, now, &case.reporting_country, incident, hop, Body::Acknowledgement);
            self.send(out, now, &case.reporting_country, incident, hop, Body::PreservationResult(outcome));
        }
    }

    fn clarification(
        &mut self,
        out: &mut Vec<Output>,
        now: SimTime,
        incident: &IncidentId,
        hop: u32,
        to: &CountryCode,
    ) {
        self.send(out, now, to, incident, hop, Body::Clarification);
        self.record(out, now, incident, hop, EventKind::ClarificationAsked { to: *to });
    }

    /// Orders preservation, after the court order where the law needs one first.
    pub(super) fn gate_preservation(&mut self, out: &mut Vec<Output>, now: SimTime, incident: &IncidentId, hop: u32) {
        match &self.country.court_order {
            // Where the law needs a judge first, the order waits for the court.
            Some(court) => {
                let at = now.plus_ms(court.sample(&mut self.rng.paperwork));
                out.push(Output::SetTimer { at, timer: Timer::OrderPreservation { incident: *incident, hop } });
            }
            None => self.order_preservation(out, now, incident, hop),
        }
    }

    /// When a request to `next` leaves, and the coordinated request it joins:
    /// within the window of an open one for the same carrier it leaves with
    /// it, at no further officer time; otherwise it opens one, prepared by an
    /// officer, and the coordination delay follows. Without coordination, an
    /// officer prepares each request alone.
    fn batched(&mut self, now: SimTime, next: &NextHop) -> (SimTime, Option<u64>) {
        let Some(coordination) = self.coordination.clone() else { return (self.desk_done(now, false), None) };
        if let Some(open) = self.open_batches.get(&next.carrier)
            && now <= open.opened_at.plus_ms(coordination.window_ms)
            && now <= open.send_at
        {
            return (open.send_at, Some(open.id));
        }
        let id = self.next_batch;
        self.next_batch += 1;
        let send_at = self.desk_done(now, false).plus_ms(coordination.delay.sample(&mut self.rng.paperwork));
        self.open_batches.insert(next.carrier, super::Batch { id, opened_at: now, send_at });
        (send_at, Some(id))
    }

    /// When this desk has finished handling something that reached it at `now`.
    ///
    /// With a fixed number of officers, work queues for the first one free;
    /// an emergency (2AP Art. 9) is taken by whoever is on duty at once.
    pub(super) fn desk_done(&mut self, now: SimTime, emergency: bool) -> SimTime {
        // Nobody can be reached at a desk that is down, however urgent.
        let now = blocked_until(&self.desk_outages, now).unwrap_or(now);
        let staffing = &self.country.staffing;
        let mut start = staffing.officer_available(now, &self.clock, &mut self.rng.desk);
        let handling_ms = self.country.handling.sample(&mut self.rng.desk);
        if let (Some(free_at), false) = (self.officers_free_at.as_mut(), emergency) {
            let (officer, &earliest) =
                free_at.iter().enumerate().min_by_key(|(i, t)| (**t, *i)).expect("at least one officer");
            if earliest > start {
                // Busy until then; by that time the desk may have closed.
                start = staffing.officer_available(earliest, &self.clock, &mut self.rng.desk);
            }
            free_at[officer] = start.plus_ms(handling_ms);
        }
        start.plus_ms(handling_ms)
    }
}
