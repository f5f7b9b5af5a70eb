//! A study spread over machines: `pocnet run FILE --replications N --shard I/K
//! --json part-I.json` runs the I-th of K contiguous slices of the N
//! replications and writes its statistics as a part; `pocnet merge` appends
//! the parts in order into the aggregate one run of all N would have built,
//! so the merged report is the same bytes.
//!
//! A part carries everything the report is built from: tallies, sums,
//! the kept cases and the HdrHistograms (V2, base64), with
//! the scenario's hash and seed, so parts of different studies are refused.
//! Shards are numbered from 0, as a Kubernetes Indexed Job numbers its pods
//! (`JOB_COMPLETION_INDEX`).

use crate::analysis::{Aggregate, Cause, Ending, ReplicationOutcome, Segment, TraceCase};
use crate::intervals::{ClusterSums, Clustered};
use crate::latency::Measure;
use crate::latency::Role;
use crate::latency::Stage;
use crate::replication_report::encode_histogram;
use crate::statistics::Tally;
use crate::survival::TimeToEvent;
use base64::Engine as _;
use hdrhistogram::Histogram;
use pocnet_node::{CountryCode, ProductionChannel};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// The part format's name; a change of layout changes it.
pub const FORMAT: &str = "pocnet-part/2";

/// Largest part file read: a part keeps at most a million cases, about 60 MB.
const MAX_PART_BYTES: u64 = 1 << 30;

/// Shard `index` of `count`, numbered from 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

impl Shard {
    /// Reads `I/K`, with 0 ≤ I < K.
    pub fn parse(text: &str) -> Result<Shard, String> {
        let (index, count) = text.split_once('/').ok_or_else(|| format!("`{text}` should be I/K, like 0/3"))?;
        let number = |s: &str| s.trim().parse::<u64>().map_err(|_| format!("`{s}` in `{text}` is not a whole number"));
        let (index, count) = (number(index)?, number(count)?);
        if count == 0 || index >= count {
            return Err(format!(
                "`{text}`: shards are numbered 0 to K-1 (as JOB_COMPLETION_INDEX is), with K at least 1"
            ));
        }
        Ok(Shard { index, count })
    }

    /// Its contiguous slice of `replications`: the slices of all K tile them in order.
    pub fn range(self, replications: u64) -> Range<u64> {
        let at = |i: u64| (u128::from(replications) * u128::from(i) / u128::from(self.count)) as u64;
        at(self.index)..at(self.index + 1)
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// Which study a part belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Study {
    /// The scenario file as given on the command line, to find it again.
    pub scenario: PathBuf,
    pub scenario_sha256: String,
    /// A `--strategy` given on the command line, which the file does not say.
    pub strategy: Option<String>,
    pub seed: u64,
    pub replications: u64,
}

/// One shard's statistics, as written to its part file.
#[derive(Serialize, Deserialize)]
pub struct Part {
    pub format: String,
    pub study: Study,
    pub shard: Shard,
    statistics: Statistics,
}

impl Part {
    pub fn new(study: Study, shard: Shard, aggregate: &Aggregate) -> Part {
        Part { format: FORMAT.to_owned(), study, shard, statistics: Statistics::of(aggregate) }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a part serializes") + "\n"
    }

    /// Reads a part file, refusing other formats and files too large to be one.
    pub fn read(path: &Path) -> Result<Part, String> {
        let metadata = std::fs::metadata(path).map_err(|e| format!("{}: {e}", path.display()))?;
        if !metadata.is_file() || metadata.len() > MAX_PART_BYTES {
            return Err(format!("{}: not a part file (a regular file of at most 1 GiB)", path.display()));
        }
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let part: Part = serde_json::from_str(&text).map_err(|e| {
            let format = serde_json::from_str::<serde_json::Value>(&text)
                .ok()
                .and_then(|v| v["format"].as_str().map(str::to_owned));
            match format {
                Some(format) if format != FORMAT => {
                    format!(
                        "{}: a `{format}` file, not a part (`{FORMAT}`) written by `pocnet run --shard`",
                        path.display()
                    )
                }
                _ => format!("{}: not a part written by `pocnet run --shard`: {e}", path.display()),
            }
        })?;
        Ok(part)
    }
}

/// Merges parts, in any order given, into the study's aggregate: every
/// shard of one study exactly once.
pub fn merge(parts: Vec<(PathBuf, Part)>) -> Result<(Study, Aggregate), String> {
    let Some((first_path, first)) = parts.first() else { return Err("name at least one part file".to_owned()) };
    let (first_path, study, count) = (first_path.clone(), first.study.clone(), first.shard.count);
    let mut by_index: BTreeMap<u64, (PathBuf, Part)> = BTreeMap::new();
    for (path, part) in parts {
        if part.study != study {
            return Err(format!(
                "{} belongs to another study than {} (scenario, its hash, strategy, seed or replication count differ)",
                path.display(),
                first_path.display()
            ));
        }
        if part.shard.count != count {
            return Err(format!(
                "{} is shard {} but {} is of {count} shards",
                path.display(),
                part.shard,
                first_path.display()
            ));
        }
        if let Some((other, _)) = by_index.get(&part.shard.index) {
            return Err(format!("{} and {} are both shard {}", other.display(), path.display(), part.shard));
        }
        by_index.insert(part.shard.index, (path, part));
    }
    let missing: Vec<String> =
        (0..count).filter(|i| !by_index.contains_key(i)).map(|i| format!("{i}/{count}")).collect();
    if !missing.is_empty() {
        return Err(format!("shard {} missing: merge needs all {count}", missing.join(", ")));
    }
    let mut aggregate: Option<Aggregate> = None;
    for (index, (path, part)) in by_index {
        let range = Shard { index, count }.range(study.replications);
        let shard = part.statistics.into_aggregate().map_err(|e| format!("{}: {e}", path.display()))?;
        if shard.first_replication != range.start || shard.replications != range.end - range.start {
            return Err(format!("{}: holds replications that are not shard {index}/{count}'s", path.display()));
        }
        match aggregate.as_mut() {
            // The first shard starts the study, with the horizon its parts were counted within.
            None => aggregate = Some(shard),
            Some(aggregate) => aggregate.append(&shard).map_err(|e| format!("{}: {e}", path.display()))?,
        }
    }
    Ok((study, aggregate.unwrap_or_default()))
}

/// An `Aggregate` as JSON can hold it: maps with compound keys as entry lists,
/// histograms as base64 V2.
#[derive(Serialize, Deserialize)]
struct Statistics {
    first_replication: u64,
    replications: u64,
    horizon_ms: i64,
    traces: Tally,
    subscribers: Tally,
    origin: Clustered,
    identified: Clustered,
    time_to_origin: Survival,
    time_to_identification: Survival,
    subscribers_by_channel: Vec<(ProductionChannel, u64)>,
    mla_outside_convention: u64,
    production_abandoned: u64,
    defective: Clustered,
    goals: Vec<(Measure, Clustered)>,
    goals_by_country: Vec<(CountryCode, Vec<(Measure, ClusterSums)>)>,
    desk_compliance: Vec<((CountryCode, Role), ClusterSums)>,
    stages: Vec<(Stage, String)>,
    stages_by_country: Vec<((Stage, CountryCode), String)>,
    stages_by_hop: Vec<((Stage, u32), String)>,
    deaths: Vec<((u32, CountryCode, Cause), u64)>,
    first_deaths: Vec<((u32, CountryCode, Cause), TraceCase)>,
    holds_expired_before_mla: Vec<(CountryCode, u64)>,
    critical_path_ms: Vec<((Ending, CountryCode, Segment), i64)>,
    critical_path_total_ms: Vec<(Ending, i64)>,
    acknowledgement_by_local_hour: Vec<String>,
    per_replication: Vec<ReplicationOutcome>,
    cases: Vec<TraceCase>,
}

/// A time-to-event record with its histograms as base64 V2.
#[derive(Serialize, Deserialize)]
struct Survival {
    events: String,
    censored: String,
    never: u64,
    within: [u64; 4],
    censored_before: [u64; 4],
}

impl Survival {
    fn of(t: &TimeToEvent) -> Survival {
        Survival {
            events: encode_histogram(&t.events),
            censored: encode_histogram(&t.censored),
            never: t.never,
            within: t.within,
            censored_before: t.censored_before,
        }
    }

    fn into_time_to_event(self, what: &str) -> Result<TimeToEvent, String> {
        let t = TimeToEvent {
            events: decode(&self.events)?,
            censored: decode(&self.censored)?,
            never: self.never,
            within: self.within,
            censored_before: self.censored_before,
        };
        let ordered = |counts: &[u64; 4]| counts.windows(2).all(|w| w[0] <= w[1]);
        if !ordered(&t.within)
            || !ordered(&t.censored_before)
            || t.within[3] > t.events.len()
            || t.censored_before[3] > t.censored.len()
        {
            return Err(format!("{what}: counts by horizon no set of times gives"));
        }
        Ok(t)
    }
}

fn entries<K: Clone, V: Clone>(map: &BTreeMap<K, V>) -> Vec<(K, V)> {
    map.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

fn encoded<K: Clone>(map: &BTreeMap<K, Histogram<u64>>) -> Vec<(K, String)> {
    map.iter().map(|(k, h)| (k.clone(), encode_histogram(h))).collect()
}

fn decode(text: &str) -> Result<Histogram<u64>, String> {
    let bytes = base64::engine::general_purpose::STANDARD.decode(text).map_err(|e| format!("a histogram: {e}"))?;
    let mut histogram: Histogram<u64> = hdrhistogram::serialization::Deserializer::new()
        .deserialize(&mut bytes.as_slice())
        .map_err(|e| format!("a histogram: {e:?}"))?;
    histogram.auto(true);
    Ok(histogram)
}

fn decoded<K: Ord>(entries: Vec<(K, String)>) -> Result<BTreeMap<K, Histogram<u64>>, String> {
    entries.into_iter().map(|(k, text)| Ok((k, decode(&text)?))).collect()
}

impl Statistics {
    /// What a true part holds: no more successes than trials, no more
    /// subscribers by channel than subscribers found, no negative times.
    fn check(&self) -> Result<(), String> {
        self.traces.check("traces")?;
        self.subscribers.check("subscribers")?;
        self.origin.check("origin found within the horizon")?;
        self.identified.check("subscribers identified within the horizon")?;
        self.defective.check("defective requests")?;
        if self.horizon_ms <= 0 {
            return Err(format!("a horizon of {} ms", self.horizon_ms));
        }
        for (measure, clustered) in &self.goals {
            clustered.check(&format!("goal {}", measure.key()))?;
        }
        for (country, goals) in &self.goals_by_country {
            for (measure, sums) in goals {
                sums.check(&format!("goal {} of {country}", measure.key()))?;
            }
        }
        for ((country, _), sums) in &self.desk_compliance {
            sums.check(&format!("the goals of {country}'s desk"))?;
        }
        if self.subscribers.trials > self.traces.trials {
            return Err(format!(
                "subscribers: {} traces asked about, of {} traces",
                self.subscribers.trials, self.traces.trials
            ));
        }
        let by_channel =
            self.subscribers_by_channel.iter().try_fold(0u64, |sum, (_, n)| sum.checked_add(*n)).unwrap_or(u64::MAX);
        let mla =
            self.subscribers_by_channel.iter().filter(|(c, _)| *c == ProductionChannel::Mla).map(|(_, n)| *n).sum();
        if self.mla_outside_convention > mla {
            return Err(format!(
                "MLA outside the Convention: {}, more than the {mla} by MLA",
                self.mla_outside_convention
            ));
        }
        if by_channel > self.subscribers.successes {
            return Err(format!(
                "subscribers by channel: {by_channel}, more than the {} identified",
                self.subscribers.successes
            ));
        }
        if self.critical_path_total_ms.iter().any(|(_, ms)| *ms < 0)
            || self.critical_path_ms.iter().any(|(_, ms)| *ms < 0)
        {
            return Err("critical path: a negative time".to_owned());
        }
        Ok(())
    }

    fn of(a: &Aggregate) -> Statistics {
        Statistics {
            first_replication: a.first_replication,
            replications: a.replications,
            horizon_ms: a.horizon_ms,
            traces: a.traces,
            subscribers: a.subscribers,
            origin: a.origin.clone(),
            identified: a.identified.clone(),
            time_to_origin: Survival::of(&a.time_to_origin),
            time_to_identification: Survival::of(&a.time_to_identification),
            subscribers_by_channel: entries(&a.subscribers_by_channel),
            mla_outside_convention: a.mla_outside_convention,
            production_abandoned: a.production_abandoned,
            defective: a.defective.clone(),
            goals: entries(&a.goals),
            goals_by_country: a.goals_by_country.iter().map(|(c, goals)| (*c, entries(goals))).collect(),
            desk_compliance: entries(&a.desk_compliance),
            stages: encoded(&a.stages),
            stages_by_country: encoded(&a.stages_by_country),
            stages_by_hop: encoded(&a.stages_by_hop),
            deaths: entries(&a.deaths),
            first_deaths: entries(&a.first_deaths),
            holds_expired_before_mla: entries(&a.holds_expired_before_mla),
            critical_path_ms: entries(&a.critical_path_ms),
            critical_path_total_ms: entries(&a.critical_path_total_ms),
            acknowledgement_by_local_hour: a.acknowledgement_by_local_hour.iter().map(encode_histogram).collect(),
            per_replication: a.per_replication.clone(),
            cases: a.cases.clone(),
        }
    }

    fn into_aggregate(self) -> Result<Aggregate, String> {
        self.check()?;
        let rows = self.per_replication.len() as u64;
        if rows != 0 && rows != self.replications {
            return Err(format!("{} replications but {rows} rows", self.replications));
        }
        let hours = Aggregate::new().acknowledgement_by_local_hour.len();
        if self.acknowledgement_by_local_hour.len() != hours {
            return Err(format!("the heat map has {} hours, not {hours}", self.acknowledgement_by_local_hour.len()));
        }
        Ok(Aggregate {
            first_replication: self.first_replication,
            replications: self.replications,
            horizon_ms: self.horizon_ms,
            traces: self.traces,
            subscribers: self.subscribers,
            origin: self.origin,
            identified: self.identified,
            time_to_origin: self.time_to_origin.into_time_to_event("time to the origin")?,
            time_to_identification: self.time_to_identification.into_time_to_event("time to identification")?,
            subscribers_by_channel: self.subscribers_by_channel.into_iter().collect(),
            mla_outside_convention: self.mla_outside_convention,
            production_abandoned: self.production_abandoned,
            defective: self.defective,
            goals: self.goals.into_iter().collect(),
            goals_by_country: self.goals_by_country.into_iter().map(|(c, g)| (c, g.into_iter().collect())).collect(),
            desk_compliance: self.desk_compliance.into_iter().collect(),
            country_goals_now: BTreeMap::new(),
            stages: decoded(self.stages)?,
            stages_by_country: decoded(self.stages_by_country)?,
            stages_by_hop: decoded(self.stages_by_hop)?,
            deaths: self.deaths.into_iter().collect(),
            first_deaths: self.first_deaths.into_iter().collect(),
            holds_expired_before_mla: self.holds_expired_before_mla.into_iter().collect(),
            critical_path_ms: self.critical_path_ms.into_iter().collect(),
            critical_path_total_ms: self.critical_path_total_ms.into_iter().collect(),
            acknowledgement_by_local_hour: self
                .acknowledgement_by_local_hour
                .iter()
                .map(|h| decode(h))
                .collect::<Result<_, _>>()?,
            keeps_per_replication: rows != 0,
            per_replication: self.per_replication,
            cases: self.cases,
        })
    }
}
