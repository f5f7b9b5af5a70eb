//! The identifiers every message, timer and event carries: countries,
//! carriers and incidents, interned.
//!
//! Each distinct name is stored once per process, with a small number given
//! in the order names are first seen; an identifier is a reference to that
//! entry. So an identifier is eight bytes and copied, not counted; two are
//! equal when they are the same entry; a map hashes the number, not the
//! text. Names are read only at the edges, where an identifier shows itself.
//!
//! Order is still the text's, since reports and agendas order by it and
//! must give the same bytes in every process, whatever order each saw the
//! names in. A prefix of the text kept as a number settles most comparisons
//! without reading the text.
//!
//! Entries are never freed: a one-shot command holds its scenario's names
//! to the end anyway, and a long-lived server takes identifiers from the
//! wire only through [`CountryCode::bounded`] and its siblings, which refuse
//! once the table holds [`MOST_NAMES`].

use serde::Serialize;
use std::cmp::Ordering;
use std::collections::HashMap;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::{LazyLock, Mutex};

/// How many distinct names the bounded constructors take before refusing:
/// far more than any scenario holds (the largest generated network has
/// 100,000 incidents), and at most a few hundred megabytes if a peer
/// sends a new name in every call.
pub const MOST_NAMES: usize = 1 << 22;

/// One interned name.
#[derive(Debug)]
struct Name {
    text: &'static str,
    /// The text's first eight bytes, big endian, zero-padded: orders as the
    /// text does wherever two names differ in those bytes.
    prefix: u64,
    /// Dense, in the order names were first seen in this process.
    number: u32,
}

/// Every name interned so far, by text.
static NAMES: LazyLock<Mutex<HashMap<&'static str, &'static Name>>> = LazyLock::new(Default::default);

/// The table already holds [`MOST_NAMES`] names and this one is not among them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("this process already holds {MOST_NAMES} distinct identifiers and takes no new one")]
pub struct TooManyNames;

fn prefix(text: &str) -> u64 {
    let mut bytes = [0u8; 8];
    let n = text.len().min(8);
    bytes[..n].copy_from_slice(&text.as_bytes()[..n]);
    u64::from_be_bytes(bytes)
}

fn table() -> std::sync::MutexGuard<'static, HashMap<&'static str, &'static Name>> {
    // A panic while holding the lock cannot leave the map half-changed
    // (an insert is the only change), so a poisoned lock is still sound.
    NAMES.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn intern(text: &str, most: usize) -> Result<&'static Name, TooManyNames> {
    let mut names = table();
    if let Some(name) = names.get(text) {
        return Ok(name);
    }
    if names.len() >= most {
        return Err(TooManyNames);
    }
    let number = u32::try_from(names.len()).map_err(|_| TooManyNames)?;
    let text: &'static str = Box::leak(text.into());
    let name: &'static Name = Box::leak(Box::new(Name { text, prefix: prefix(text), number }));
    names.insert(text, name);
    Ok(name)
}

/// The empty name, which every default identifier is: interned once, since
/// reports build defaults by the thousand (and the table's lock would be
/// shared by every thread that did).
static EMPTY: LazyLock<&'static Name> =
    LazyLock::new(|| intern("", usize::MAX).expect("an unbounded table takes every name"));

fn find(text: &str) -> Option<&'static Name> {
    table().get(text).copied()
}

/// Defines an interned identifier type with the same behaviour for all three.
macro_rules! interned_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy)]
        pub struct $name(&'static Name);

        impl $name {
            pub fn as_str(&self) -> &'static str {
                self.0.text
            }

            /// The identifier named `text`, refused when the process
            /// already holds [`MOST_NAMES`] others: for names from the wire.
            pub fn bounded(text: &str) -> Result<Self, TooManyNames> {
                intern(text, MOST_NAMES).map($name)
            }

            /// The identifier named `text`, if anything in this process has named it.
            pub fn find(text: &str) -> Option<Self> {
                find(text).map($name)
            }
        }

        impl PartialEq for $name {
            fn eq(&self, other: &Self) -> bool {
                std::ptr::eq(self.0, other.0)
            }
        }

        impl Eq for $name {}

        impl Hash for $name {
            fn hash<H: Hasher>(&self, state: &mut H) {
                self.0.number.hash(state);
            }
        }

        impl Ord for $name {
            fn cmp(&self, other: &Self) -> Ordering {
                if std::ptr::eq(self.0, other.0) {
                    return Ordering::Equal;
                }
                self.0.prefix.cmp(&other.0.prefix).then_with(|| self.0.text.cmp(other.0.text))
            }
        }

        impl PartialOrd for $name {
            fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
                Some(self.cmp(other))
            }
        }

        impl Default for $name {
            fn default() -> Self {
                $name(*EMPTY)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_tuple(stringify!($name)).field(&self.0.text).finish()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.0.text)
            }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.0.text)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                $name::bounded(&text).map_err(serde::de::Error::custom)
            }
        }

        /// Unbounded: for names a scenario or a test holds, which are
        /// bounded by what was loaded. Wire input goes through [`$name::bounded`].
        impl From<&str> for $name {
            fn from(text: &str) -> Self {
                $name(intern(text, usize::MAX).expect("an unbounded table takes every name"))
            }
        }

        impl From<String> for $name {
            fn from(text: String) -> Self {
                $name::from(text.as_str())
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0.text == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0.text == *other
            }
        }

        impl PartialEq<String> for $name {
            fn eq(&self, other: &String) -> bool {
                self.0.text == other.as_str()
            }
        }
    };
}

interned_id!(
    /// An ISO 3166 alpha-2 country code, as used to address a point of contact.
    CountryCode
);

interned_id!(
    /// A carrier's id, as the scenario names it.
    CarrierId
);

interned_id!(
    /// An incident's id, as the scenario names it.
    IncidentId
);

impl CountryCode {
    /// The code as a number that orders as the text does: its bytes, big
    /// endian, zero-padded to eight. Exact because a code has at most eight
    /// bytes ([`crate::constraint::country_code`]); agendas compare these
    /// instead of strings.
    pub fn order_key(&self) -> u64 {
        debug_assert!(self.0.text.len() <= 8, "country codes are validated to eight bytes at most");
        self.0.prefix
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_order_as_their_text_whatever_order_they_were_interned_in() {
        let texts = ["incident-10", "b", "incident-9", "a\0b", "a", "", "incident-1", "ab", "incident-100000"];
        let mut ids: Vec<IncidentId> = texts.iter().map(|t| IncidentId::from(*t)).collect();
        ids.sort();
        let mut sorted = texts.to_vec();
        sorted.sort();
        assert_eq!(ids.iter().map(IncidentId::as_str).collect::<Vec<_>>(), sorted);
    }

    #[test]
    fn one_name_is_one_identifier_and_found_only_once_named() {
        let a = CarrierId::from("carrier-interned-once");
        assert_eq!(a, CarrierId::from(String::from("carrier-interned-once")));
        assert_eq!(CarrierId::find("carrier-interned-once"), Some(a));
        assert_eq!(CarrierId::find("carrier-never-named-anywhere"), None);
        assert_ne!(a, CarrierId::from("carrier-interned-twice"));
    }

    #[test]
    fn a_full_table_refuses_new_names_and_still_finds_the_old() {
        let known = CountryCode::from("ZZ-KNOWN");
        // The table is the process's, shared with tests running beside this
        // one: a bound of zero is full whatever they have interned.
        assert_eq!(intern("ZZ-KNOWN", 0).map(CountryCode), Ok(known));
        assert_eq!(intern("ZZ-NEVER", 0).map(CountryCode), Err(TooManyNames));
        assert_eq!(CountryCode::find("ZZ-NEVER"), None);
    }
}
