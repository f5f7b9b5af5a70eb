//! An incident's id, as every message, timer and event about it carries it.

use serde::Serialize;
use std::borrow::Borrow;
use std::fmt;
use std::sync::Arc;

/// Shared, not copied: a trace's every message, timer and event names its
/// incident, and a clone is a reference count. Looked up by `&str` through
/// [`Borrow`].
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct IncidentId(pub Arc<str>);

impl IncidentId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for IncidentId {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for IncidentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for IncidentId {
    fn from(id: &str) -> Self {
        IncidentId(id.into())
    }
}

impl From<String> for IncidentId {
    fn from(id: String) -> Self {
        IncidentId(id.into())
    }
}

impl PartialEq<str> for IncidentId {
    fn eq(&self, other: &str) -> bool {
        &*self.0 == other
    }
}
