//! What the benchmark measures with: repeated timings, CPU clocks, peak
//! memory and, under callgrind, instruction counts (steady where the shared
//! machines' timings are not).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// Median and spread of repeated timings.
#[derive(Clone, Copy, Debug)]
pub struct Timing {
    pub runs: usize,
    pub median: Duration,
    pub min: Duration,
    pub max: Duration,
}

impl Timing {
    /// Times `work` `runs` times with `clock` (wall time, or a CPU clock).
    pub fn of(runs: usize, clock: fn() -> Duration, mut work: impl FnMut()) -> Timing {
        Timing::from_times((0..runs).map(|_| time(clock, &mut work)).collect())
    }

    /// Times workloads in turn, each once a round, for `runs` rounds: a
    /// burst of noise on the shared machine then falls on every side of a
    /// ratio instead of on one.
    pub fn in_turn<const N: usize>(
        runs: usize,
        clock: fn() -> Duration,
        mut works: [&mut dyn FnMut(); N],
    ) -> [Timing; N] {
        let mut times: [Vec<Duration>; N] = std::array::from_fn(|_| Vec::with_capacity(runs));
        for _ in 0..runs {
            for (work, times) in works.iter_mut().zip(&mut times) {
                times.push(time(clock, work));
            }
        }
        times.map(Timing::from_times)
    }

    fn from_times(mut times: Vec<Duration>) -> Timing {
        times.sort();
        let runs = times.len();
        Timing { runs, median: times[runs / 2], min: times[0], max: times[runs - 1] }
    }

    pub fn secs(&self) -> f64 {
        self.median.as_secs_f64()
    }
}

impl std::fmt::Display for Timing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        if self.runs == 1 {
            return write!(f, "{:.0} ms (one run)", ms(self.median));
        }
        write!(f, "{:.0} ms (median of {}, {:.0}-{:.0})", ms(self.median), self.runs, ms(self.min), ms(self.max))
    }
}

fn time(clock: fn() -> Duration, work: &mut (impl FnMut() + ?Sized)) -> Duration {
    let started = clock();
    work();
    clock().saturating_sub(started)
}

/// Wall time since the first call (a monotonic clock for `Timing::of`).
pub fn wall() -> Duration {
    static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    START.get_or_init(Instant::now).elapsed()
}

/// CPU time of the calling thread, to the nanosecond (Linux: the first
/// field of `/proc/thread-self/schedstat`); wall time elsewhere.
pub fn thread_cpu() -> Duration {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|text| text.split_whitespace().next()?.parse().ok())
        .map_or_else(wall, Duration::from_nanos)
}

/// CPU time of the whole process, every thread it ever ran included (Linux:
/// user and system ticks of `/proc/self/stat`, a hundredth of a second each).
pub fn process_cpu() -> Duration {
    let ticks = std::fs::read_to_string("/proc/self/stat").ok().and_then(|stat| {
        // The command name may hold spaces; the fields after it do not.
        let after = &stat[stat.rfind(')')? + 2..];
        let fields: Vec<&str> = after.split_whitespace().collect();
        Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
    });
    ticks.map_or_else(wall, |t| Duration::from_millis(t * 10))
}

fn status_kb(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Resident memory of this process now (Linux).
pub fn resident_bytes() -> Option<u64> {
    status_kb("VmRSS:").map(|kb| kb * 1024)
}

/// Starts measuring peak memory afresh (Linux 4.0 and later: writing 5 to
/// `clear_refs` resets the peak to the current resident size).
pub fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// Peak resident memory since the last reset (Linux).
pub fn peak_bytes() -> Option<u64> {
    status_kb("VmHWM:").map(|kb| kb * 1024)
}

/// Where a program is found on `PATH`.
pub fn on_path(program: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?).map(|dir| dir.join(program)).find(|p| p.is_file())
}

/// The environment variable naming the workload a child process runs
/// under callgrind (see `instructions`).
pub const WORKLOAD: &str = "POCNET_BENCH_WORKLOAD";

/// Instructions a workload executes, counted by callgrind: this benchmark
/// runs itself again with `WORKLOAD` set to `workload`, counting only
/// inside functions whose name contains `measured_` (the child's set-up and
/// the process's start are not counted). The child's standard output is
/// returned beside the count; `env` is more of the child's environment.
pub fn instructions(workload: &str, env: &[(&str, String)]) -> Result<(u64, String), String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut command = Command::new("valgrind");
    command.args(["--collect-atstart=no", "--toggle-collect=*measured_*"]).env(WORKLOAD, workload);
    command.envs(env.iter().map(|(k, v)| (k, v)));
    callgrind(command, &exe, &[])
}

/// Instructions a whole program executes, counted by callgrind.
pub fn program_instructions(program: &Path, args: &[&str]) -> Result<(u64, String), String> {
    callgrind(Command::new("valgrind"), program, args)
}

fn callgrind(mut command: Command, program: &Path, args: &[&str]) -> Result<(u64, String), String> {
    let out = std::env::temp_dir().join(format!("pocnet-bench-{}.callgrind", std::process::id()));
    let output = command
        .arg("--tool=callgrind")
        .arg(format!("--callgrind-out-file={}", out.display()))
        .arg(program)
        .args(args)
        .output()
        .map_err(|e| format!("valgrind could not be started: {e}"))?;
    let profile = std::fs::read_to_string(&out);
    let _ = std::fs::remove_file(&out);
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(format!("{} failed: {}", program.display(), stderr.lines().last().unwrap_or("")));
    }
    let profile = profile.map_err(|e| format!("callgrind wrote no profile: {e}"))?;
    // "summary:" (or "totals:") is the count over everything collected.
    let total = profile
        .lines()
        .find_map(|l| l.strip_prefix("summary:").or_else(|| l.strip_prefix("totals:")))
        .and_then(|n| n.trim().parse().ok())
        .ok_or("the callgrind profile has no summary line")?;
    Ok((total, String::from_utf8_lossy(&output.stdout).into_owned()))
}
