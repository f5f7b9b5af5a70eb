//! Per-case rows for people who want a spreadsheet: `traces.csv` (one row per
//! incident and replication) and `hops.csv` (one row per hop), written as the
//! replications are merged, in replication order.

use crate::latency::Stage;
use crate::projection::{HopOutcome, IncidentReport, TraceResult};
use pocnet_node::ProductionChannel;
use serde::Serialize;
use std::fs::File;
use std::path::Path;

#[derive(Serialize)]
struct TraceRow<'a> {
    replication: u64,
    incident: &'a str,
    reported_by: &'a str,
    result: TraceResult,
    /// The hop where the origin was found or where the trace stopped.
    end_hop: Option<u32>,
    reported_at_ms: Option<i64>,
    end_to_end_ms: Option<i64>,
    reason: &'a str,
    /// The second outcome: the channel that identified the subscriber, if any.
    subscriber_channel: Option<ProductionChannel>,
    subscriber_usable: Option<bool>,
    subscriber_identified_after_ms: Option<i64>,
}

#[derive(Serialize)]
struct HopRow<'a> {
    replication: u64,
    incident: &'a str,
    hop: u32,
    country: &'a str,
    carrier: &'a str,
    carrier_kind: &'a str,
    requested_by: Option<&'a str>,
    domestic: bool,
    outcome: HopOutcome,
    request_sent_ms: Option<i64>,
    request_received_ms: Option<i64>,
    acknowledged_ms: Option<i64>,
    preservation_ordered_ms: Option<i64>,
    preserved_ms: Option<i64>,
    logs_expired_ms: Option<i64>,
    disclosed_ms: Option<i64>,
    production_channel: Option<ProductionChannel>,
    produced_ms: Option<i64>,
    acknowledgement_latency_ms: Option<i64>,
    preservation_latency_ms: Option<i64>,
    disclosure_latency_ms: Option<i64>,
    goals_met: usize,
    goals_evaluated: usize,
}

pub struct CaseRows {
    traces: csv::Writer<File>,
    hops: csv::Writer<File>,
}

impl CaseRows {
    /// Creates `dir` if needed and opens `traces.csv` and `hops.csv` in it.
    pub fn create(dir: &Path) -> std::io::Result<CaseRows> {
        std::fs::create_dir_all(dir)?;
        let open = |name: &str| csv::Writer::from_path(dir.join(name)).map_err(std::io::Error::other);
        Ok(CaseRows { traces: open("traces.csv")?, hops: open("hops.csv")? })
    }

    pub fn write(&mut self, replication: u64, incidents: &[IncidentReport]) -> Result<(), csv::Error> {
        for incident in incidents {
            self.traces.serialize(TraceRow {
                replication,
                incident: incident.id.as_str(),
                reported_by: incident.reported_by.as_str(),
                result: incident.trace.result,
                end_hop: incident.trace.hop,
                reported_at_ms: incident.reported_at_ms,
                end_to_end_ms: incident.trace.since_report_ms,
                reason: &incident.trace.reason,
                subscriber_channel: incident.subscriber.as_ref().map(|s| s.channel),
                subscriber_usable: incident.subscriber.as_ref().map(|s| s.usable),
                subscriber_identified_after_ms: incident.subscriber.as_ref().and_then(|s| s.since_report_ms),
            })?;
            for hop in &incident.hops {
                self.hops.serialize(HopRow {
                    replication,
                    incident: incident.id.as_str(),
                    hop: hop.hop,
                    country: hop.country.as_str(),
                    carrier: hop.carrier.as_str(),
                    carrier_kind: &hop.carrier_kind,
                    requested_by: hop.requested_by.as_ref().map(|c| c.as_str()),
                    domestic: hop.domestic,
                    outcome: hop.outcome,
                    request_sent_ms: hop.request_sent_ms.get(),
                    request_received_ms: hop.request_received_ms.get(),
                    acknowledged_ms: hop.acknowledged_ms.get(),
                    preservation_ordered_ms: hop.preservation_ordered_ms.get(),
                    preserved_ms: hop.preserved_ms.get(),
                    logs_expired_ms: hop.logs_expired_ms.get(),
                    disclosed_ms: hop.disclosed_ms.get(),
                    production_channel: hop.production_channel,
                    produced_ms: hop.produced_ms.get(),
                    acknowledgement_latency_ms: hop.span(Stage::Acknowledgement),
                    preservation_latency_ms: hop.span(Stage::PreservationOrdered),
                    disclosure_latency_ms: hop.span(Stage::Disclosure),
                    goals_met: hop.goals.iter().filter(|g| g.met).count(),
                    goals_evaluated: hop.goals.len(),
                })?;
            }
        }
        Ok(())
    }

    pub fn finish(mut self) -> std::io::Result<()> {
        self.traces.flush()?;
        self.hops.flush()
    }
}
