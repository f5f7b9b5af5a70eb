//! The bounds every domain value keeps, checked by the constructors that both
//! edges call: the scenario reader (TOML) and the gRPC conversions
//! (protobuf). One set of checks, so the two edges cannot disagree, and no
//! input, however large a number it names, makes a node allocate without
//! bound or overflow simulated time.

/// Identifiers (country codes, carrier and incident ids) are names people
/// type; a longer one is a mistake or an attack, not a name.
pub const MAX_IDENTIFIER_BYTES: usize = 64;
/// Country codes: ISO 3166 alpha-2 in scenarios; a little room beyond for
/// other networks' labels. Eight bytes make a code one ordered `u64`.
pub const MAX_COUNTRY_CODE_BYTES: usize = 8;
/// Officers at one desk at once; each is a slot in the desk's queue. The
/// largest real 24/7 desks have a few dozen.
pub const MAX_OFFICERS: u32 = 1_000;
/// Holidays of one desk; with at most a year of them, a weekly schedule
/// still opens within 400 days, which is how far the next opening is searched.
pub const MAX_HOLIDAYS: usize = 366;
/// Shifts in one day of a desk: a shift lasts at least a minute, and a
/// schedule of more than one an hour is a mistake.
pub const MAX_SHIFTS: usize = 24;
/// Any delay or duration: a century. Nothing in the network takes longer,
/// and sums of such delays stay far from `i64` overflow.
pub const MAX_DELAY_MS: i64 = 100 * 366 * crate::time::DAY_MS;

/// Free text carried for reports (a country's name, a carrier's kind).
pub const MAX_LABEL_BYTES: usize = 256;

/// A value outside its bounds, said in words; the edge adds where it was.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Invalid(pub String);

/// A non-empty identifier of at most [`MAX_IDENTIFIER_BYTES`], without control characters.
pub fn identifier(what: &str, text: &str) -> Result<(), Invalid> {
    if text.trim().is_empty() {
        return Err(Invalid(format!("the {what} is empty")));
    }
    if text.len() > MAX_IDENTIFIER_BYTES {
        return Err(Invalid(format!(
            "the {what} is {} bytes long; at most {MAX_IDENTIFIER_BYTES} are allowed",
            text.len()
        )));
    }
    if text.chars().any(char::is_control) {
        return Err(Invalid(format!("the {what} contains a control character")));
    }
    Ok(())
}

/// A label of at most [`MAX_LABEL_BYTES`].
pub fn label(what: &str, text: &str) -> Result<(), Invalid> {
    if text.len() > MAX_LABEL_BYTES {
        return Err(Invalid(format!("the {what} is {} bytes long; at most {MAX_LABEL_BYTES} are allowed", text.len())));
    }
    Ok(())
}

/// A country code: an identifier of at most [`MAX_COUNTRY_CODE_BYTES`].
pub fn country_code(text: &str) -> Result<(), Invalid> {
    identifier("country code", text)?;
    if text.len() > MAX_COUNTRY_CODE_BYTES {
        return Err(Invalid(format!(
            "the country code is {} bytes long; at most {MAX_COUNTRY_CODE_BYTES} are allowed",
            text.len()
        )));
    }
    Ok(())
}

/// Officers at a desk: from 1 to [`MAX_OFFICERS`].
pub fn officers(n: u32) -> Result<u32, Invalid> {
    match n {
        0 => Err(Invalid("a desk needs at least one officer".to_owned())),
        n if n > MAX_OFFICERS => {
            Err(Invalid(format!("{n} officers at one desk is more than the {MAX_OFFICERS} pocnet models")))
        }
        n => Ok(n),
    }
}

/// A probability, between 0 and 1 inclusive (not NaN).
pub fn probability(p: f64) -> Result<f64, Invalid> {
    if (0.0..=1.0).contains(&p) { Ok(p) } else { Err(Invalid(format!("{p} is not a probability between 0 and 1"))) }
}

/// A duration in milliseconds, from 0 to [`MAX_DELAY_MS`].
pub fn duration_ms(what: &str, ms: i64) -> Result<i64, Invalid> {
    if ms < 0 {
        Err(Invalid(format!("the {what} must not be negative (got {ms} ms)")))
    } else if ms > MAX_DELAY_MS {
        Err(Invalid(format!("the {what} of {ms} ms is longer than a century")))
    } else {
        Ok(ms)
    }
}

/// An instant of simulated time within a century either side of the epoch.
pub fn instant_ms(what: &str, ms: i64) -> Result<i64, Invalid> {
    if ms.unsigned_abs() > MAX_DELAY_MS.unsigned_abs() {
        Err(Invalid(format!("the {what} is more than a century from the scenario's epoch")))
    } else {
        Ok(ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_hold_at_their_edges() {
        assert!(identifier("id", "a").is_ok());
        assert!(identifier("id", &"a".repeat(MAX_IDENTIFIER_BYTES)).is_ok());
        assert!(identifier("id", &"a".repeat(MAX_IDENTIFIER_BYTES + 1)).is_err());
        assert!(identifier("id", " ").is_err());
        assert!(identifier("id", "a\nb").is_err());
        assert_eq!(officers(MAX_OFFICERS), Ok(MAX_OFFICERS));
        assert!(officers(0).is_err() && officers(4_000_000_000).is_err());
        assert!(probability(f64::NAN).is_err() && probability(1.5).is_err() && probability(1.0).is_ok());
        assert!(duration_ms("d", -1).is_err() && duration_ms("d", MAX_DELAY_MS + 1).is_err());
    }
}
