//! The carrier side: a carrier executing the preservation order (or finding
//! its logs gone), then disclosing what its traffic data shows (Art. 30).

use super::{ContactPoint, LogState, Output, Strategy, Timer};
use crate::country::{Art30, EmergencyDisclosure};
use crate::directory::blocked_until;
use crate::production::{Law, Situation};
use crate::{
    Body, CarrierId, CountryCode, EventKind, Finding, IncidentId, PreservationOutcome, ProductionChannel, SimTime,
    Window,
};

impl ContactPoint {
    pub(super) fn order_preservation(&mut self, out: &mut Vec<Output>, now: SimTime, incident: &IncidentId, hop: u32) {
        let case = self.case(incident, hop).cloned().expect("a hop's timers are set after its case is opened");
        self.record(out, now, incident, hop, EventKind::PreservationOrdered { carrier: case.carrier });
        // Delivery checks a request's carrier and log, and the configuration
        // check does so for every domestic hop this node may order itself.
        let carrier = self.carriers.get(&case.carrier).expect("a case's carrier is one of this node's");
        let communication_at = self.log(incident, hop, &case.carrier).communication_at;
        // A carrier in an outage takes the order when it is back.
        let outages: Vec<Window> =
            self.carrier_outages.iter().filter(|o| o.carrier == case.carrier).map(|o| o.window).collect();
        let back_at = blocked_until(&outages, now).unwrap_or(now);
        // A carrier with business hours acts on the order when its staff are in.
        let taken_at = carrier.hours.officer_available(back_at, &self.clock, &mut self.rng.carrier);
        // The logs survive only if the carrier acts on the order before they
        // are deleted: at communication + retention they are gone (an order
        // taken at that very instant finds nothing, as docs/domain.md says).
        let logs = if carrier.no_logs {
            LogState::NeverKept
        } else if taken_at < communication_at.plus_ms(carrier.retention_ms) {
            LogState::Survive
        } else {
            LogState::Expired
        };
        let subscriber_kept = carrier.subscriber_retention_ms.is_none_or(|r| taken_at < communication_at.plus_ms(r));
        let emergency = self.facts(incident).emergency;
        let law = if emergency { &carrier.emergency_response } else { &carrier.preservation };
        let execute_ms = law.sample(&mut self.rng.carrier);
        // Preserving takes time; finding the logs gone (or never kept) does
        // not: the carrier says so as soon as it acts on the order, so no
        // preservation delay enters a stopped trace's time. (The delay is
        // drawn either way, keeping the carrier's random stream aligned.)
        let answer_at = if logs == LogState::Survive { taken_at.plus_ms(execute_ms) } else { taken_at };
        if let Some(case) = self.case_mut(incident, hop) {
            case.logs = logs;
            case.subscriber_kept = subscriber_kept;
        }
        out.push(Output::SetTimer { at: answer_at, timer: Timer::CarrierPreserved { incident: *incident, hop } });
    }

    /// Until when the carrier of a hop keeps, under its own retention, the
    /// log that says who held the address; `None` for a hop with no case.
    pub(super) fn log_kept_until(&self, incident: &IncidentId, hop: u32) -> Option<SimTime> {
        let case = self.case(incident, hop)?;
        let retention = self.carriers.get(&case.carrier).map_or(0, |c| c.retention_ms);
        Some(self.log(incident, hop, &case.carrier).communication_at.plus_ms(retention))
    }

    pub(super) fn carrier_preserved(&mut self, out: &mut Vec<Output>, now: SimTime, incident: &IncidentId, hop: u32) {
        let case = self.case(incident, hop).cloned().expect("a hop's timers are set after its case is opened");
        let carrier = self.carriers.get(&case.carrier).expect("a case's carrier is one of this node's");
        let communication_at = self.log(incident, hop, &case.carrier).communication_at;
        let carrier_id = case.carrier;
        let outcome = match case.logs {
            LogState::Survive => {
                // A renewal, where the law has one, must be asked for (`renew_hold`).
                let until = now.plus_ms(self.country.hold_ms);
                let emergency = self.facts(incident).emergency;
                let law = if emergency { &carrier.emergency_response } else { &carrier.disclosure };
                // Art. 30: the next hop is disclosed to a foreign requester
                // where the law lets it be; a domestic order, and an
                // emergency where this country discloses at once, go
                // through whatever the regime.
                let domestic = case.requester == self.country.code;
                let at_once = emergency
                    && ProductionChannel::Emergency.eligible(&self.answering(&case.requester, None, now, true));
                let gate = if at_once || domestic { &Art30::Direct } else { &self.country.disclosure };
                let ordered_at = match gate {
                    Art30::Direct => Some(now),
                    Art30::Order(order) => Some(now.plus_ms(order.sample(&mut self.rng.paperwork))),
                    // Disclosed when the production request is executed.
                    Art30::MlaOnly => None,
                };
                if let Some(ordered_at) = ordered_at {
                    let disclose_ms = law.sample(&mut self.rng.carrier);
                    let staff_at = carrier.hours.officer_available(ordered_at, &self.clock, &mut self.rng.carrier);
                    out.push(Output::SetTimer {
                        at: staff_at.plus_ms(disclose_ms),
                        timer: Timer::CarrierDisclosed { incident: *incident, hop },
                    });
                }
                if let Some(case) = self.case_mut(incident, hop) {
                    case.hold_until = Some(until);
                }
                self.record(out, now, incident, hop, EventKind::Preserved { carrier: carrier_id, until });
                PreservationOutcome::Preserved { until }
            }
            LogState::Expired => {
                let expired_at = communication_at.plus_ms(carrier.retention_ms);
                self.record(out, now, incident, hop, EventKind::LogsExpired { carrier: carrier_id, expired_at });
                PreservationOutcome::Expired { expired_at }
            }
            LogState::NeverKept => {
                self.record(out, now, incident, hop, EventKind::NoLogs { carrier: carrier_id });
                PreservationOutcome::NoLogs
            }
            LogState::Unknown => unreachable!("the carrier executes an order only after it was given"),
        };
        if case.reporting_country != self.country.code {
            self.send(out, now, &case.reporting_country, incident, hop, Body::PreservationResult(outcome));
        }
    }

    pub(super) fn carrier_disclosed(&mut self, out: &mut Vec<Output>, now: SimTime, incident: &IncidentId, hop: u32) {
        let case = self.case(incident, hop).cloned().expect("a hop's timers are set after its case is opened");
        let log = self.log(incident, hop, &case.carrier);
        let finding = match (&log.previous, log.identifiable) {
            // A domestic order knows its own moment; a foreign request may not.
            _ if case.timestamp_error => Finding::Misidentified,
            (_, false) => Finding::Nobody,
            (Some(previous), true) => Finding::PreviousHop(previous.clone()),
            // At the origin the traffic data points at an account: its holder
            // is known only if the subscriber records were still kept.
            (None, true) if case.subscriber_kept => Finding::Subscriber,
            (None, true) => Finding::Nobody,
        };
        let me = self.country.code;
        let mut forwarded = false;
        match &finding {
            Finding::PreviousHop(next) => {
                let event = EventKind::Disclosed { carrier: case.carrier, next_hop: next.clone() };
                self.record(out, now, incident, hop, event);
                // Under relay, and always for the reporting country's own
                // carriers, this desk sends the next request itself (once:
                // under parallel it already has).
                if self.strategy == Strategy::Relay || case.reporting_country == me {
                    forwarded = true;
                    self.begin_hop(out, now, incident, hop + 1, next.clone(), case.reporting_country);
                }
            }
            Finding::Subscriber => {
                self.record(out, now, incident, hop, EventKind::OriginFound { carrier: case.carrier });
                // The reporting country's own carrier answers its domestic
                // order with the subscriber. An emergency ends in disclosure of
                // the subscriber to the requester (an emergency European
                // Production Order where one may reach the provider,
                // otherwise this country's emergency procedure: at once, or
                // on an urgent MLA request): no hold, no MLA cycle. Otherwise
                // production waits for the requester's production request.
                let to = case.reporting_country;
                let channel = if to == me {
                    Some(ProductionChannel::Domestic)
                } else if self.formal_with(&case.requester) {
                    // The MLA request that asked for preservation asked for production too.
                    Some(ProductionChannel::Mla)
                } else if self.facts(incident).emergency {
                    // The reporting country asks this one: its law, its regime.
                    let situation = self.answering(&to, Some(&case.carrier), now, true);
                    let channel = [ProductionChannel::Epoc, ProductionChannel::Emergency, ProductionChannel::UrgentMla]
                        .into_iter()
                        .find(|c| c.eligible(&situation));
                    match (channel, &self.country.emergency_disclosure) {
                        // Disclosed when the urgent MLA request is executed.
                        (Some(ProductionChannel::UrgentMla), EmergencyDisclosure::UrgentMla(law)) => {
                            let execute_ms = law.sample(&mut self.rng.paperwork);
                            let timer =
                                Timer::Produce { incident: *incident, hop, to, channel: ProductionChannel::UrgentMla };
                            out.push(Output::SetTimer { at: now.plus_ms(execute_ms), timer });
                            None
                        }
                        (channel, _) => channel,
                    }
                } else {
                    None
                };
                if let Some(channel) = channel {
                    self.record(out, now, incident, hop, EventKind::Produced { to, channel });
                }
            }
            Finding::Nobody => {
                self.record(out, now, incident, hop, EventKind::Unidentified { carrier: case.carrier });
            }
            Finding::Misidentified => {
                self.record(out, now, incident, hop, EventKind::Misidentified { carrier: case.carrier });
            }
        }
        if case.reporting_country != me {
            // Under parallel the reporter asked every hop already: nothing to forward.
            let forwarded = forwarded || self.strategy == Strategy::Parallel;
            if self.manual {
                let timer = Timer::ForwardDisclosure { incident: *incident, hop, finding, forwarded };
                out.push(Output::Await(timer));
            } else {
                self.send(out, now, &case.reporting_country, incident, hop, Body::Disclosure { finding, forwarded });
            }
        }
    }

    /// The situation of a request `requester` made of this country: the
    /// instruments' eligibility as seen from the answering side, which knows
    /// its own emergency regime.
    fn answering<'a>(
        &'a self,
        requester: &'a CountryCode,
        provider: Option<&'a CarrierId>,
        now: SimTime,
        emergency: bool,
    ) -> Situation<'a> {
        let mine = self.situation(requester, provider, now, emergency);
        Situation {
            requester,
            requested: &self.country.code,
            law: Law { emergency_disclosure: Some(&self.country.emergency_disclosure), ..mine.law },
            ..mine
        }
    }
}
