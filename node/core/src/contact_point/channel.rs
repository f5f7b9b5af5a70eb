//! Reaching another country's point of contact: the directory entry and its
//! channel, a stale entry's fallback, lost messages, and the MLA route
//! where either end has no point of contact.

use super::{ContactPoint, Output};
use crate::{Body, CountryCode, Envelope, EventKind, IncidentId, SimTime};
use rand_distr::Distribution as _;

impl ContactPoint {
    /// Whether requests between this country and `to` go by MLA: one of them
    /// has no point of contact in the network.
    pub(super) fn formal_with(&self, to: &CountryCode) -> bool {
        !self.country.member || self.non_members.contains(to)
    }

    pub(super) fn send(
        &mut self,
        out: &mut Vec<Output>,
        now: SimTime,
        to: &CountryCode,
        incident: &IncidentId,
        hop: u32,
        body: Body,
    ) {
        debug_assert_ne!(to, &self.country.code, "messages cross a border");
        // Without a point of contact at either end there is no expedited
        // request: it goes as an MLA request that includes preservation, the
        // MLA's time charged once, on the request; the answers come back
        // the ordinary way.
        let formal = matches!(body, Body::PreservationRequest { .. }) && self.formal_with(to);
        // The laws are borrowed, not copied: a copy would fit its log-normal
        // parameters again at every message. Every draw comes before the
        // events are recorded, in the order the draws were always made.
        let entry = if formal { None } else { self.directory.get(to) };
        let law = match entry {
            _ if formal => &self.mla_transit,
            Some(entry) => &entry.channel,
            None => &self.message_delay,
        };
        let channel = &mut self.rng.channel;
        let mut transit_ms = law.sample(channel).max(self.min_message_delay_ms);
        // Draw only where staleness is possible, so a directory without it
        // leaves every other draw as it was.
        let stale = entry.is_some_and(|entry| {
            entry.stale_windows.iter().any(|w| w.contains(now))
                || (entry.stale_probability > 0.0
                    && rand_distr::Bernoulli::new(entry.stale_probability.min(1.0))
                        .is_ok_and(|coin| coin.sample(channel)))
        });
        if let Some(entry) = entry.filter(|_| stale) {
            transit_ms += entry.fallback.sample(channel);
        }
        let lost = self.message_losses.iter().find(|l| &l.to == to && l.window.contains(now)).map(|l| l.retry_after_ms);
        if let Some(retry_after_ms) = lost {
            // The sender notices after its timeout and sends again.
            let resent_ms = law.sample(channel).max(self.min_message_delay_ms);
            transit_ms = retry_after_ms + resent_ms;
        }
        if stale {
            self.record(out, now, incident, hop, EventKind::DirectoryStale { to: *to });
        }
        if lost.is_some() {
            self.record(out, now, incident, hop, EventKind::MessageLost { to: *to });
        }
        let sequence = self.next_message_sequence;
        self.next_message_sequence += 1;
        tracing::debug!(
            from = %self.country.code, %to, %incident, hop, at_ms = now.ms(), transit_ms, formal,
            "sending {}", body.name()
        );
        out.push(Output::Send(Envelope {
            from: self.country.code,
            to: *to,
            sequence,
            sent_at: now,
            deliver_at: now.plus_ms(transit_ms),
            incident: *incident,
            hop,
            body,
        }));
    }
}
