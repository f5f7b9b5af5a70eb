//! Generated prost and tonic types for pocnet's wire protocol (`proto/pocnet.proto`).
//!
//! Only the node's `grpc` module and the coordinator's transport touch these
//! types; everything else works on validated domain types.

#![allow(clippy::all, missing_docs)]

tonic::include_proto!("pocnet.v1");

/// The encoded file descriptor set, served by gRPC reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] = tonic::include_file_descriptor_set!("pocnet_descriptor");
