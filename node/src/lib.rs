//! A country's 24/7 high-tech crime point of contact, served over gRPC.
//!
//! The decisions are `pocnet-core`'s sans-IO state machine, re-exported here
//! whole so that callers name one crate; this crate adds the edge around it:
//! the tonic service in [`grpc`], its protobuf conversions and mutual TLS.

pub use pocnet_core::*;
pub use pocnet_core::{
    carrier, constraint, contact_point, country, directory, distribution, event, id, message, offence, production,
    runtime, seed, staffing, time,
};

pub mod grpc;
