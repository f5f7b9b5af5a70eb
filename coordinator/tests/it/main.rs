//! pocnet's integration tests: one binary, a module per boundary.

mod bad_input;
mod determinism;
mod golden;
mod grpc;
mod support;
