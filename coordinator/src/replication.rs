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
use pocnet_node::NodeConfig;
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
    let run_batch = |batch: std::ops::Range<u64>| {
        let mut projected = Vec::with_capacity(batch.clone().count());
        let configs = Configs::new(scenario, seed);
        for replication in batch.take_while(|_| !stop_requested()) {
            projected.push((replication, project(replication, configs.run(scenario, replication)?)));
        }
        Ok((projected.len() as u64, projected))
    };
    // Projected replications wait in memory until consumed: small batches.
    run_batches(range, options.threads.max(1), 32, &bar, &run_batch, &mut |projected| {
        for (replication, value) in projected {
            consume(replication, value);
        }
    })?;
    bar.finish_and_clear();
    Ok(())
}

/// The replications in process, projected and merged into the statistics.
pub fn aggregate(scenario: &Scenario, seed: u64, options: &Options) -> Result<Aggregate, EngineError> {
    let mut aggregate = Aggregate::with_horizon(options.horizon_ms);
    aggregate_range(scenario, seed, 0..options.replications, options, &mut aggregate)?;
    Ok(aggregate)
}

/// Adds the replications of `range` to `aggregate` (which ends where the
/// range starts). Each worker merges its own batch into an aggregate of
/// the batch, and batches are appended in replication order: the result is
/// the aggregate one thread adding every replication in turn would build
/// (`Aggregate::append` adds counts and concatenates rows), whatever the
/// threads, and no thread merges for all the others.
pub fn aggregate_range(
    scenario: &Scenario,
    seed: u64,
    range: std::ops::Range<u64>,
    options: &Options,
    aggregate: &mut Aggregate,
) -> Result<(), EngineError> {
    let bar = progress_bar(options, range.end.saturating_sub(range.start));
    let keeps_rows = aggregate.keeps_per_replication;
    let run_batch = |batch: std::ops::Range<u64>| {
        let mut merged = Aggregate::starting_at(batch.start, options.horizon_ms);
        merged.keeps_per_replication = keeps_rows;
        let configs = Configs::new(scenario, seed);
        for replication in batch.take_while(|_| !stop_requested()) {
            let log = configs.run(scenario, replication)?;
            merged.add(scenario, replication, &crate::projection::incident_reports(scenario, &log.events));
        }
        Ok((merged.replications, merged))
    };
    let mut failure = None;
    // A batch's aggregate costs as much to start and to append as some
    // replications of a small scenario: batches as large as the threads
    // finishing together allows.
    run_batches(range, options.threads.max(1), u64::MAX, &bar, &run_batch, &mut |batch| {
        if let Err(error) = aggregate.append(&batch) {
            failure.get_or_insert(error);
        }
    })?;
    bar.finish_and_clear();
    // Batches are appended in order by construction: a failure is a bug.
    if let Some(error) = failure {
        panic!("appending a batch of replications: {error}");
    }
    Ok(())
}

/// One replication of a world drawn for it alone, beside others on other
/// threads: its nodes' identifiers are its own, as a batch's are.
pub fn run_alongside(scenario: &Scenario, seed: u64, replication: u64) -> Result<RunLog, EngineError> {
    Configs::new(scenario, seed).run(scenario, replication)
}

/// The nodes' configurations for one seed, built once for a batch of
/// replications: a replication differs from the next only by its number,
/// from which each node derives its random streams.
struct Configs {
    seed: u64,
    template: Vec<NodeConfig>,
}

impl Configs {
    fn new(scenario: &Scenario, seed: u64) -> Configs {
        Configs { seed, template: scenario.node_configs(seed, 0) }
    }

    /// One replication in process, its log kept; `-v` logs say which
    /// replication each line comes from.
    fn run(&self, scenario: &Scenario, replication: u64) -> Result<RunLog, EngineError> {
        let _span = tracing::info_span!("replication", r = replication).entered();
        let configs = self.template.iter().map(|config| NodeConfig { replication, ..config.clone() }).collect();
        let mut events = Vec::new();
        let windows = engine::run_configured_into(scenario, configs, &mut events)?;
        Ok(RunLog { seed: self.seed, events, windows })
    }
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

/// Claims the next batch from `next` on: a share of the replications left
/// (a half of each thread's share, at most `most`), so that batches start
/// large and shrink to one replication each as the study ends, and the
/// threads finish together. Fixed batches of an eighth of each thread's
/// share could leave one thread idle for a whole batch at a study's end
/// (network-today's 100 replications on two threads: 17 batches of 6, so
/// one thread ran a batch more than the other).
fn claim(next: &AtomicU64, end: u64, threads: usize, most: u64) -> Option<std::ops::Range<u64>> {
    let mut first = next.load(Ordering::Relaxed);
    loop {
        if first >= end {
            return None;
        }
        let size = ((end - first) / (threads.max(1) as u64 * 2)).clamp(1, most);
        match next.compare_exchange_weak(first, first + size, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => return Some(first..first + size),
            Err(now) => first = now,
        }
    }
}

/// Runs `range` in batches of at most `most` on `threads` worker threads; `run_batch` returns
/// how many replications of its batch it completed (fewer once a stop is
/// asked) and their result, and `consume` gets the results in replication
/// order, whatever the threads' timing.
fn run_batches<T: Send>(
    range: std::ops::Range<u64>,
    threads: usize,
    most: u64,
    bar: &indicatif::ProgressBar,
    run_batch: &(impl Fn(std::ops::Range<u64>) -> Result<(u64, T), EngineError> + Sync),
    consume: &mut impl FnMut(T),
) -> Result<(), EngineError> {
    let next = AtomicU64::new(range.start);
    let replications = range.end;
    let failed = AtomicBool::new(false);
    // Bounded, so fast workers cannot pile up batches the consumer has not taken.
    let (send, receive) = mpsc::sync_channel::<(u64, Result<(u64, T), EngineError>)>(threads * 2);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let send = send.clone();
            let (next, failed) = (&next, &failed);
            scope.spawn(move || {
                while !failed.load(Ordering::Relaxed) && !stop_requested() {
                    let Some(batch) = claim(next, replications, threads, most) else { break };
                    let first = batch.start;
                    let done = run_batch(batch);
                    if send.send((first, done)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(send);
        // Reorder: hold early batches until every earlier replication is consumed.
        let mut waiting = BTreeMap::new();
        let mut expected = range.start;
        for (first, done) in receive {
            waiting.insert(first, done);
            while let Some(done) = waiting.remove(&expected) {
                match done {
                    Ok((count, value)) => {
                        consume(value);
                        bar.inc(count);
                        expected += count;
                        if count == 0 {
                            // Stopped: nothing after this batch follows on.
                            waiting.clear();
                        }
                    }
                    Err(error) => {
                        failed.store(true, Ordering::Relaxed);
                        return Err(error);
                    }
                }
            }
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guided_batches_cover_the_range_once_shrinking_to_single_replications() {
        for (start, end, threads, most) in
            [(0, 100, 2, u64::MAX), (40, 50_000, 2, u64::MAX), (0, 1000, 3, 32), (5, 6, 8, 4)]
        {
            let next = AtomicU64::new(start);
            let mut batches = Vec::new();
            while let Some(batch) = claim(&next, end, threads, most) {
                batches.push(batch);
            }
            assert_eq!(batches.first().map(|b| b.start), Some(start));
            assert!(batches.windows(2).all(|w| w[0].end == w[1].start), "contiguous, in order");
            assert_eq!(batches.last().map(|b| b.end), Some(end));
            assert!(batches.iter().all(|b| !b.is_empty() && b.end - b.start <= most));
            assert!(batches.windows(2).all(|w| w[1].end - w[1].start <= w[0].end - w[0].start), "never growing");
            assert_eq!(batches.last().map(|b| b.end - b.start), Some(1), "the last is one replication");
        }
        // Network-today's 100 on two threads: 25, 18, 14, ... 1.
        let next = AtomicU64::new(0);
        assert_eq!(claim(&next, 100, 2, u64::MAX), Some(0..25));
        assert_eq!(claim(&next, 100, 2, u64::MAX), Some(25..43));
    }
}
