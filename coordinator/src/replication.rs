//! Many independent replications of one scenario, in parallel, delivered in
//! replication order so the result never depends on the number of threads.
//!
//! Replication `r` of base seed `s` gives every node the streams derived from
//! `(s, r, country, purpose)` (node/src/seed.rs, docs/report.md): no seed is
//! drawn from another, so replication 7 is the same whether it runs first or
//! last, alone or beside others.

use crate::analysis::Aggregate;
use crate::engine::{self, EngineError, Nodes, RunLog};
use crate::scenario::Scenario;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;

/// Set when the user asks a study to stop (Ctrl-C): workers take no new
/// replication, and the study ends with those completed in order from 0.
static STOP: AtomicBool = AtomicBool::new(false);

/// Asks the running study to stop after the replications under way.
pub fn request_stop() {
    STOP.store(true, Ordering::Relaxed);
}

/// Whether a stop was asked for.
pub fn stop_requested() -> bool {
    STOP.load(Ordering::Relaxed)
}

#[derive(Debug, Clone)]
pub struct Options {
    pub replications: u64,
    /// Worker threads for in-process runs.
    pub threads: usize,
    /// Show a progress bar (only sensible on a terminal).
    pub progress: bool,
    /// The headline shares count what happened within this long of the report.
    pub horizon_ms: i64,
}

fn progress_bar(options: &Options, count: u64) -> indicatif::ProgressBar {
    if !options.progress {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(count);
    let style = indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} replications  {rate}  ETA {eta}")
        .expect("a valid template")
        .with_key("rate", |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
            let _ = write!(w, "{:.0}/s", state.per_sec());
        });
    bar.set_style(style);
    bar
}

/// Runs the replications in worker threads and hands each one's log to
/// `consume`, in order 0, 1, 2, ... whatever the threads' timing. Blocking:
/// call it outside an async context or where blocking is fine.
pub fn run_in_process(
    scenario: &Scenario,
    seed: u64,
    options: &Options,
    consume: impl FnMut(u64, RunLog),
) -> Result<(), EngineError> {
    run_in_process_projected(scenario, seed, options, |_, log| log, consume)
}

/// The same, with `project` applied to each replication's log in the worker
/// that ran it (the event log's projection into traces, say), so that the
/// consuming thread only merges.
pub fn run_in_process_projected<T: Send>(
    scenario: &Scenario,
    seed: u64,
    options: &Options,
    project: impl Fn(u64, RunLog) -> T + Sync,
    consume: impl FnMut(u64, T),
) -> Result<(), EngineError> {
    run_range_projected(scenario, seed, 0..options.replications, options, project, consume)
}

/// The same for the replications in `range` only: one shard of a study
/// spread over machines (`--shard`), each replication exactly as it runs in
/// the whole study.
pub fn run_range_projected<T: Send>(
    scenario: &Scenario,
    seed: u64,
    range: std::ops::Range<u64>,
    options: &Options,
    project: impl Fn(u64, RunLog) -> T + Sync,
    mut consume: impl FnMut(u64, T),
) -> Result<(), EngineError> {
    let bar = progress_bar(options, range.end.saturating_sub(range.start));
    run_threads(scenario, seed, range, options.threads.max(1), &bar, &project, &mut consume)?;
    bar.finish_and_clear();
    Ok(())
}

/// The replications in process, projected and merged into the statistics.
pub fn aggregate(scenario: &Scenario, seed: u64, options: &Options) -> Result<Aggregate, EngineError> {
    let mut aggregate = Aggregate::with_horizon(options.horizon_ms);
    run_in_process_projected(
        scenario,
        seed,
        options,
        |_, log| crate::projection::incident_reports(scenario, &log.events),
        |replication, incidents| aggregate.add(scenario, replication, &incidents),
    )?;
    Ok(aggregate)
}

/// The same over loopback gRPC: one set of local nodes, reconfigured for each
/// replication in turn.
pub async fn run_over_grpc(
    scenario: &Scenario,
    seed: u64,
    options: &Options,
    mut consume: impl FnMut(u64, RunLog),
) -> Result<(), EngineError> {
    let bar = progress_bar(options, options.replications);
    let servers = engine::spawn_local_servers(scenario.countries.keys().cloned()).await?;
    for replication in 0..options.replications {
        let mut nodes =
            Nodes::connect(scenario.node_configs(seed, replication), &servers.urls, engine::DEFAULT_CALL_TIMEOUT, None)
                .await?;
        let log = engine::run(scenario, seed, &mut nodes).await?;
        nodes.end().await?;
        consume(replication, log);
        bar.inc(1);
    }
    bar.finish_and_clear();
    Ok(())
}

fn run_threads<T: Send>(
    scenario: &Scenario,
    seed: u64,
    range: std::ops::Range<u64>,
    threads: usize,
    bar: &indicatif::ProgressBar,
    project: &(impl Fn(u64, RunLog) -> T + Sync),
    consume: &mut impl FnMut(u64, T),
) -> Result<(), EngineError> {
    let next = AtomicU64::new(range.start);
    let replications = range.end;
    let failed = AtomicBool::new(false);
    // Bounded, so fast workers cannot pile up logs the consumer has not merged.
    // Workers claim and hand over replications in batches: one channel
    // hand-off (and thread switch) per replication cost more than a
    // replication of a small scenario.
    const BATCH: u64 = 32;
    let (send, receive) = mpsc::sync_channel::<Vec<(u64, Result<T, EngineError>)>>(threads * 2);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let send = send.clone();
            let (next, failed) = (&next, &failed);
            scope.spawn(move || {
                while !failed.load(Ordering::Relaxed) && !stop_requested() {
                    let first = next.fetch_add(BATCH, Ordering::Relaxed);
                    if first >= replications {
                        break;
                    }
                    let batch = (first..first.saturating_add(BATCH).min(replications))
                        .take_while(|_| !stop_requested())
                        .map(|replication| {
                            // `-v` logs say which replication each line comes from.
                            let _span = tracing::info_span!("replication", r = replication).entered();
                            let log = engine::run_in_process_blocking(scenario, seed, replication)
                                .map(|log| project(replication, log));
                            (replication, log)
                        })
                        .collect();
                    if send.send(batch).is_err() {
                        break;
                    }
                }
            });
        }
        drop(send);
        // Reorder: hold early arrivals until every earlier replication is consumed.
        let mut waiting = BTreeMap::new();
        let mut expected = range.start;
        for (replication, log) in receive.into_iter().flatten() {
            waiting.insert(replication, log);
            while let Some(log) = waiting.remove(&expected) {
                match log {
                    Ok(log) => consume(expected, log),
                    Err(error) => {
                        failed.store(true, Ordering::Relaxed);
                        return Err(error);
                    }
                }
                bar.inc(1);
                expected += 1;
            }
        }
        Ok(())
    })
}
