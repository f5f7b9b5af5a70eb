//! A country's 24/7 high-tech crime point of contact, as a sans-IO state machine.
//!
//! The decisions live in [`ContactPoint`]: it reads no clock, does no I/O and
//! draws randomness only from streams seeded by its configuration.
//! [`NodeRuntime`] orders its inputs in simulated time. This crate depends on
//! no async runtime and no wire format, so that whatever drives it (the
//! coordinator's in-process engine, the tonic service in `pocnet-node`, the
//! exercise's paced clock) drives the same machine, and cannot disagree.

pub mod carrier;
pub mod constraint;
pub mod contact_point;
pub mod country;
pub mod directory;
pub mod distribution;
pub mod event;
pub mod id;
pub mod message;
pub mod offence;
pub mod production;
pub mod runtime;
pub mod seed;
pub mod staffing;
pub mod time;

pub use carrier::{Carrier, LogRecord};
pub use constraint::Invalid;
pub use contact_point::{ContactPoint, Coordination, IncidentReport, Input, NodeConfig, Output, Strategy, Timer};
pub use country::Country;
pub use directory::{CarrierOutage, DirectoryEntry, MessageLoss, Window};
pub use distribution::Distribution;
pub use event::{Event, EventKind};
pub use id::{CarrierId, CountryCode, IncidentId, TooManyNames};
pub use message::{Body, Envelope, Finding, NextHop, PreservationOutcome};
pub use offence::{Answer, Offence};
pub use production::{Epoc, ProductionChannel, SecondProtocol};
pub use runtime::{DeliveryError, NodeRuntime, WindowOutcome};
pub use staffing::{OfficeHours, Shift, Staffing, WEEKDAY_NAMES};
pub use time::SimTime;
