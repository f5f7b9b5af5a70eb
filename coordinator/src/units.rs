//! Durations as people read them, instants a record may lack, and JSON as
//! every output writes it.

/// Pretty JSON with a final newline: the one way reports, comparisons and
/// the schema are written, so every JSON output diffs the same way.
/// The same, written as it is made: a report of a million incidents is
/// never held whole as text.
pub fn write_json(value: &impl serde::Serialize, out: impl std::io::Write) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::new(out);
    serde_json::to_writer_pretty(&mut out, value).map_err(std::io::Error::other)?;
    std::io::Write::write_all(&mut out, b"\n")?;
    std::io::Write::flush(&mut out)
}

pub fn to_json(value: &impl serde::Serialize) -> String {
    let mut json = serde_json::to_string_pretty(value).expect("pocnet's outputs serialize");
    json.push('\n');
    json
}

/// A count with its noun, singular for one: `1 incident`, `3 incidents`.
pub fn count(n: impl Into<u64>, one: &str, many: &str) -> String {
    match n.into() {
        1 => format!("1 {one}"),
        n => format!("{n} {many}"),
    }
}

/// A horizon as headlines say it: "1 year", "2 years", "180 days".
pub fn fmt_horizon(ms: i64) -> String {
    let day = pocnet_node::time::DAY_MS;
    match ms {
        ms if ms > 0 && ms % (365 * day) == 0 => count((ms / (365 * day)) as u64, "year", "years"),
        ms if ms > 0 && ms % day == 0 => count((ms / day) as u64, "day", "days"),
        ms => fmt_ms(ms),
    }
}

/// A duration for people: `45s`, `2h 15m`, `3d 4h`.
pub fn fmt_ms(ms: i64) -> String {
    let mut text = String::new();
    write_ms(&mut text, ms);
    text
}

/// The same, written where it goes: a report of many incidents writes
/// thousands of durations, and a `String` for each was a tenth of a run.
pub fn write_ms(out: &mut impl std::fmt::Write, ms: i64) {
    if ms < 0 {
        let _ = out.write_char('-');
        // `unsigned_abs`: even the most negative duration has a magnitude.
        return write_magnitude(out, ms.unsigned_abs());
    }
    write_magnitude(out, ms as u64);
}

fn write_magnitude(out: &mut impl std::fmt::Write, ms: u64) {
    if ms < 1000 {
        let _ = write!(out, "{ms}ms");
        return;
    }
    let s = ms / 1000;
    let parts = [(s / 86_400, "d"), (s / 3600 % 24, "h"), (s / 60 % 60, "m"), (s % 60, "s")];
    // Two units are enough at a glance: "3d 4h", not "3d 4h 12m 9s".
    for (i, (n, unit)) in parts.into_iter().filter(|(n, _)| *n > 0).take(2).enumerate() {
        let _ = write!(out, "{}{n}{unit}", if i == 0 { "" } else { " " });
    }
}

/// An instant a hop may not have reached, in milliseconds, in 8 bytes: a
/// hop record holds nineteen, and `Option<i64>` takes 16 (a run of 100,000
/// incidents holds some 450,000 hop records to the end). Orders and
/// serializes as `Option<i64>` does: absent first, `null` in JSON.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MaybeMs(i64);

impl MaybeMs {
    /// Absent: no instant is this early (simulated times are validated far
    /// inside `i64`).
    pub const NONE: MaybeMs = MaybeMs(i64::MIN);

    pub fn get(self) -> Option<i64> {
        (self != MaybeMs::NONE).then_some(self.0)
    }

    pub fn is_some(&self) -> bool {
        *self != MaybeMs::NONE
    }

    /// (By reference, as serde's `skip_serializing_if` calls it.)
    pub fn is_none(&self) -> bool {
        *self == MaybeMs::NONE
    }
}

impl Default for MaybeMs {
    fn default() -> Self {
        MaybeMs::NONE
    }
}

impl From<Option<i64>> for MaybeMs {
    fn from(at: Option<i64>) -> Self {
        at.map_or(MaybeMs::NONE, MaybeMs)
    }
}

impl From<i64> for MaybeMs {
    fn from(at: i64) -> Self {
        debug_assert!(at != i64::MIN, "no simulated instant is i64::MIN");
        MaybeMs(at)
    }
}

impl std::fmt::Debug for MaybeMs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.get().fmt(f)
    }
}

impl serde::Serialize for MaybeMs {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.get().serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_show_two_units_at_most() {
        assert_eq!(fmt_ms(3 * 86_400_000 + 4 * 3_600_000 + 12 * 60_000), "3d 4h");
        assert_eq!(fmt_ms(90_000), "1m 30s");
        assert_eq!(fmt_ms(-90_000), "-1m 30s");
        assert_eq!(fmt_ms(999), "999ms");
        assert_eq!(fmt_ms(i64::MIN), "-106751991167d 7h");
    }

    /// Orders and serializes as the `Option<i64>` it stands for.
    #[test]
    fn an_absent_instant_is_an_absent_option() {
        let values = [None, Some(i64::MIN + 1), Some(-5), Some(0), Some(7), Some(i64::MAX)];
        for a in values {
            let compact = MaybeMs::from(a);
            assert_eq!(compact.get(), a);
            assert_eq!(compact.is_none(), a.is_none());
            assert_eq!(serde_json::to_string(&compact).unwrap(), serde_json::to_string(&a).unwrap());
            assert_eq!(format!("{compact:?}"), format!("{a:?}"));
            for b in values {
                assert_eq!(compact.cmp(&MaybeMs::from(b)), a.cmp(&b), "{a:?} against {b:?}");
            }
        }
        assert_eq!(MaybeMs::default(), MaybeMs::NONE);
        assert_eq!(std::mem::size_of::<MaybeMs>(), 8);
    }
}
