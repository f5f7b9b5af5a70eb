//! pocnet's integration tests: one binary, a module per boundary.

mod bad_input;
mod catalogue;
mod closed_form;
mod consoles;
mod deploy;
mod determinism;
mod domain;
mod examples;
mod exercise;
mod fuzz;
mod golden;
mod grpc;
mod hosts;
mod html;
mod intervals;
mod journal;
mod law;
mod replications;
mod schema;
mod server_limits;
mod support;
mod trust;
