//! The gRPC edge of a node: the only place that knows prost types.
//!
//! [`convert`] turns protobuf messages into validated domain types (and back,
//! losslessly: every value round-trips exactly); [`service`] is the tonic
//! service that drives a [`crate::NodeRuntime`] with them.

pub mod convert;
pub mod ledger;
pub mod peer;
pub mod service;
pub mod tls;

pub use convert::{
    FieldError, envelope_from_proto, envelope_to_proto, event_from_proto, event_to_proto, node_config_from_proto,
    node_config_to_proto,
};
pub use service::{Node, serve};
pub use tls::{Credentials, Party, TlsError};
