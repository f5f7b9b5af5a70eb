//! The coordinator: loads a scenario, drives the country nodes through
//! simulated time, and reports against the goals.

pub mod analysis;
pub mod case_rows;
pub mod certs;
pub mod compare;
pub mod drivers;
pub mod engine;
pub mod event_stream;
pub mod exercise;
pub mod footprint;
pub mod goals;
pub mod html;
pub mod intervals;
pub mod latency;
pub mod projection;
pub mod replication;
pub mod replication_report;
pub mod report;
pub mod scenario;
pub mod schema;
pub mod sensitivity;
pub mod shard;
pub mod statistics;
pub mod survival;
pub mod uncertainty;
pub mod units;
pub mod windows;
