//! The coordinator: loads a scenario, drives the country nodes through
//! simulated time, and reports against the goals.

pub mod engine;
pub mod goals;
pub mod report;
pub mod scenario;
pub mod replication;
pub mod statistics;
pub mod analysis;
pub mod replication_report;
pub mod case_rows;
