//! The memory a run will need, estimated from its scenario before any
//! simulated time passes, so that a study too large for the machine is
//! refused at once with a way forward, not killed an hour in.
//!
//! The figures are measured, not derived: peak resident memory
//! (`/usr/bin/time -v`) of `pocnet run --transport inproc` on network-today
//! with its generator's `per_day` raised to 3300 and 6600 (about 100,000
//! and 200,000 incidents), as written and with every template's chain cut
//! to its first carrier; measure them again so after a change to what a
//! run holds. A run's peak is what its nodes, its projection and
//! its report hold together; the text and JSON are written as they are
//! made, so they add nothing per incident.

use crate::scenario::Scenario;

/// What any run holds: the program, the runtime, the scenario's fixed part.
const BASE_BYTES: u64 = 64 << 20;
/// Per incident, whatever its chain: its report, its trace, its dossier.
/// (Measured 2026-12-07: network-today at 100,000 incidents peaks at 349 MB
/// with mixed chains and 215 MB with one-hop chains, at 198,000 at 714 MB;
/// these two figures, rounded up, bound all three by 22% to 50%.)
const PER_INCIDENT_BYTES: u64 = 1_300;
/// Per hop of its chain: the carrier's log record, the hop's case and projection.
const PER_HOP_BYTES: u64 = 1_100;
/// With `--json`, the event log is kept whole for the report: per hop.
const PER_HOP_KEPT_LOG_BYTES: u64 = 2_000;
/// Over gRPC every node also holds its configuration as protobuf.
const GRPC_FACTOR: f64 = 1.5;
/// A study counts each share per incident too (for the interval over
/// incidents): a count of 16 bytes per incident for each of the three
/// outcomes and each goal, whatever the number of replications.
const PER_INCIDENT_CLUSTER_BYTES: u64 = 16 * 12;

/// How a run will be carried out, as far as memory goes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shape {
    /// Replications running at once (worker threads); 1 for a single run.
    pub at_once: u64,
    /// Whether the whole event log is kept (a single run's `--json`).
    pub keeps_log: bool,
    /// Whether the nodes are reached over gRPC on loopback.
    pub grpc: bool,
}

/// The estimate for one scenario run in this shape.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    pub bytes: u64,
    pub incidents: u64,
    pub hops: u64,
}

impl Estimate {
    pub fn of(scenario: &Scenario, shape: Shape) -> Estimate {
        let incidents = scenario.incidents.len() as u64;
        let hops: u64 = scenario.incidents.iter().map(|i| i.chain.len() as u64).sum();
        let per_hop = PER_HOP_BYTES + if shape.keeps_log { PER_HOP_KEPT_LOG_BYTES } else { 0 };
        let one = incidents.saturating_mul(PER_INCIDENT_BYTES).saturating_add(hops.saturating_mul(per_hop));
        let one = if shape.grpc { (one as f64 * GRPC_FACTOR) as u64 } else { one };
        // Counted once, by the thread that merges (a single run's page builds one too).
        let study = incidents.saturating_mul(PER_INCIDENT_CLUSTER_BYTES);
        let bytes = BASE_BYTES.saturating_add(one.saturating_mul(shape.at_once.max(1))).saturating_add(study);
        Estimate { bytes, incidents, hops }
    }
}

/// Memory a run may use unless `--max-memory` says otherwise: four fifths
/// of the machine's, leaving the rest to the system; 8 GiB where it cannot
/// be read.
pub fn default_limit() -> u64 {
    let total = std::fs::read_to_string("/proc/meminfo").ok().and_then(|info| {
        let line = info.lines().find(|l| l.starts_with("MemTotal:"))?;
        let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kib * 1024)
    });
    total.map_or(8 << 30, |bytes| bytes / 5 * 4)
}

/// A size as people write it: `800MB`, `12GiB`, `1.5GB`, `500000000`.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().map_err(|_| format!("`{text}` is not a size: write it like 12GB or 800MiB"))?;
    let factor: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "kb" => 1e3,
        "mb" => 1e6,
        "gb" => 1e9,
        "tb" => 1e12,
        "kib" => 1024.0,
        "mib" => 1024.0 * 1024.0,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        "tib" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        other => return Err(format!("`{other}` is no unit of size: use B, KB, MB, GB, TB, KiB, MiB, GiB or TiB")),
    };
    let bytes = number * factor;
    if !bytes.is_finite() || !(1.0..=1e18).contains(&bytes) {
        return Err(format!("`{text}`: give a size between 1 byte and 1,000 PB"));
    }
    Ok(bytes as u64)
}

/// A size for people: `5.2 GB`, `640 MB`.
pub fn fmt_size(bytes: u64) -> String {
    match bytes {
        b if b >= 1_000_000_000 => format!("{:.1} GB", b as f64 / 1e9),
        b if b >= 1_000_000 => format!("{:.0} MB", b as f64 / 1e6),
        b => format!("{:.0} kB", b as f64 / 1e3),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_people_write_them_and_nonsense_is_refused() {
        assert_eq!(parse_size("800MB"), Ok(800_000_000));
        assert_eq!(parse_size("12 GiB"), Ok(12 << 30));
        assert_eq!(parse_size("1.5GB"), Ok(1_500_000_000));
        assert_eq!(parse_size("500000"), Ok(500_000));
        assert!(parse_size("12 parsecs").is_err());
        assert!(parse_size("-1GB").is_err());
        assert!(parse_size("0").is_err());
        assert!(parse_size("1e400").is_err());
        assert_eq!(fmt_size(5_200_000_000), "5.2 GB");
    }
}
