//! The command line: `args` as typed, lowered into a validated `plan`.

pub mod args;
pub mod plan;
