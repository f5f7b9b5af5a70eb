//! The identifiers every message, timer and event carries: countries,
//! carriers and incidents. Shared, not copied: a clone is a reference count,
//! and each can be looked up by `&str` through [`Borrow`].

use serde::Serialize;
use std::borrow::Borrow;
use std::fmt;
use std::sync::Arc;

/// Defines a shared identifier type with the same behaviour for all three.
macro_rules! shared_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Arc<str>);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(id: &str) -> Self {
                $name(id.into())
            }
        }

        impl From<String> for $name {
            fn from(id: String) -> Self {
                $name(id.into())
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                &*self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                &*self.0 == *other
            }
        }

        impl PartialEq<String> for $name {
            fn eq(&self, other: &String) -> bool {
                *self.0 == **other
            }
        }
    };
}

shared_id!(
    /// An ISO 3166 alpha-2 country code, as used to address a point of contact.
    CountryCode
);

shared_id!(
    /// A carrier's id, as the scenario names it.
    CarrierId
);

shared_id!(
    /// An incident's id, as the scenario names it.
    IncidentId
);

impl CountryCode {
    /// The code as a number that orders as the text does: its bytes, big
    /// endian, zero-padded to eight. Exact because a code has at most eight
    /// bytes ([`crate::constraint::country_code`]); agendas compare these
    /// instead of strings.
    pub fn order_key(&self) -> u64 {
        let mut bytes = [0u8; 8];
        let code = self.0.as_bytes();
        debug_assert!(code.len() <= 8, "country codes are validated to eight bytes at most");
        let n = code.len().min(8);
        bytes[..n].copy_from_slice(&code[..n]);
        u64::from_be_bytes(bytes)
    }
}
