//! The contact directory as senders see it (channels, stale entries) and
//! the faults a scenario injects, checked into the node's terms.

use super::raw;
use super::{Faults, References, diagnostic, span};
use pocnet_node::{CarrierOutage, CountryCode, DirectoryEntry, Distribution, MessageLoss, Window};
use std::collections::BTreeMap;

/// Transit delays of the channels a desk may take requests by [assumed].
// Each use is a fresh copy of the law, fitted where it is kept (see `defaults`).
#[allow(clippy::declare_interior_mutable_const)]
mod channel_defaults {
    use pocnet_node::Distribution;
    use pocnet_node::time::{HOUR_MS, MINUTE_MS};
    pub const VOICE: Distribution = Distribution::log_normal(5 * MINUTE_MS, 30 * MINUTE_MS);
    pub const EMAIL: Distribution = Distribution::log_normal(30 * MINUTE_MS, 4 * HOUR_MS);
    pub const FAX: Distribution = Distribution::log_normal(HOUR_MS, 8 * HOUR_MS);
    pub const PORTAL: Distribution = Distribution::log_normal(10 * MINUTE_MS, HOUR_MS);
    /// A stale directory entry's fallback: 2-24 h more (domain.md) [assumed].
    pub const FALLBACK: Distribution = Distribution::Uniform { min_ms: 2 * HOUR_MS, max_ms: 24 * HOUR_MS };
}

pub(super) type RawDirectoryEntries =
    BTreeMap<CountryCode, (usize, Option<raw::ChannelName>, Option<raw::RawDirectory>)>;

/// The contact directory as senders see it, and the faults, checked.
pub(super) fn directory_and_faults(
    problems: &mut diagnostic::Collector,
    references: &References<'_>,
    channels: Option<(usize, raw::RawChannels)>,
    raw_directory: &RawDirectoryEntries,
    raw_faults: Vec<(usize, raw::RawFault)>,
    message_delay: &Distribution,
) -> (BTreeMap<CountryCode, DirectoryEntry>, Faults) {
    let channels = channels.map(|(_, c)| c).unwrap_or_default();
    let channel_law = |name: raw::ChannelName| -> Distribution {
        let (set, default) = match name {
            raw::ChannelName::Voice => (&channels.voice, channel_defaults::VOICE),
            raw::ChannelName::Email => (&channels.email, channel_defaults::EMAIL),
            raw::ChannelName::Fax => (&channels.fax, channel_defaults::FAX),
            raw::ChannelName::Portal => (&channels.portal, channel_defaults::PORTAL),
        };
        set.as_ref().map_or(default, |d| d.0.clone())
    };
    let mut directory = BTreeMap::new();
    for (code, (source, channel, entry)) in raw_directory {
        if channel.is_none() && entry.is_none() {
            continue;
        }
        problems.switch(*source);
        let stale_probability = entry.as_ref().map_or(0.0, |e| *e.stale.get_ref());
        if let Some(e) = entry
            && !(0.0..=1.0).contains(&stale_probability)
        {
            problems.push(
                span(&e.stale),
                format!("stale = {stale_probability} is not a probability between 0 and 1"),
                None,
            );
        }
        directory.insert(
            *code,
            DirectoryEntry {
                channel: channel.map_or_else(|| message_delay.clone(), channel_law),
                stale_probability: stale_probability.clamp(0.0, 1.0),
                fallback: entry
                    .as_ref()
                    .and_then(|e| e.fallback.as_ref().map(|d| d.0.clone()))
                    .unwrap_or(channel_defaults::FALLBACK),
                stale_windows: Vec::new(),
            },
        );
    }
    let mut faults = Faults::default();
    for (source, fault) in raw_faults {
        problems.switch(source);
        let window =
            |problems: &mut diagnostic::Collector, from: &toml::Spanned<String>, until: &toml::Spanned<String>| {
                let window = Window {
                    from: references.instant(problems, from, "fault's start"),
                    until: references.instant(problems, until, "fault's end"),
                };
                if window.until < window.from {
                    problems.push(span(until), "the fault ends before it begins".to_owned(), None);
                }
                window
            };
        let kind = *fault.kind.get_ref();
        let w = window(problems, &fault.from, &fault.until);
        // Each kind names what it strikes; a missing name is reported at `kind`.
        let required = |problems: &mut diagnostic::Collector, key: &str, value: &Option<toml::Spanned<String>>| {
            if value.is_none() {
                problems.push(span(&fault.kind), format!("this fault needs `{key}`"), None);
            }
            value.clone()
        };
        match kind {
            raw::FaultKind::DeskUnreachable => {
                if let Some(country) = required(problems, "country", &fault.country) {
                    let code = references.country(problems, &country);
                    faults.desk_outages.entry(code).or_default().push(w);
                }
            }
            raw::FaultKind::DirectoryStale => {
                if let Some(country) = required(problems, "country", &fault.country) {
                    let code = references.country(problems, &country);
                    let entry = directory.entry(code).or_insert_with(|| DirectoryEntry {
                        channel: message_delay.clone(),
                        stale_probability: 0.0,
                        fallback: channel_defaults::FALLBACK,
                        stale_windows: Vec::new(),
                    });
                    entry.stale_windows.push(w);
                }
            }
            raw::FaultKind::MessageLost => {
                let (sender, to) = (required(problems, "sender", &fault.sender), required(problems, "to", &fault.to));
                if let (Some(sender), Some(to)) = (sender, to) {
                    let sender = references.country(problems, &sender);
                    let to = references.country(problems, &to);
                    faults.message_losses.entry(sender).or_default().push(MessageLoss {
                        to,
                        window: w,
                        retry_after_ms: fault.retry_after.map_or(4 * pocnet_node::time::HOUR_MS, |d| d.0),
                    });
                }
            }
            raw::FaultKind::CarrierOutage => {
                if let Some(carrier) = required(problems, "carrier", &fault.carrier) {
                    let id = references.carrier(problems, &carrier);
                    faults.carrier_outages.push(CarrierOutage { carrier: id, window: w });
                }
            }
        }
    }
    (directory, faults)
}
