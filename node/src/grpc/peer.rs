//! Another country's node, as this one delivers to it: one `Deliveries`
//! stream for the whole run, opened at the first batch, one answer per batch.
//!
//! Each batch used to be a `Deliver` call of its own, nested inside the
//! coordinator's window: its headers and trailers were a third of a window
//! over loopback. A batch whose answer does not come (a timeout, a broken
//! connection) leaves the stream closed, and the next batch opens another:
//! a stream never carries an answer into the wrong batch.

use super::service::MAX_DELIVERY_BYTES;
use super::tls::{Credentials, Party};
use crate::CountryCode;
use pocnet_proto as pb;
use pocnet_proto::contact_point_client::ContactPointClient;
use std::sync::Arc;
use std::time::Duration;
use tonic::Status;
use tonic::transport::{Channel, Endpoint};

/// A peer node: its client, and the stream to it once a batch opened one.
#[derive(Clone)]
pub struct Peer {
    client: ContactPointClient<Channel>,
    /// Taken out for the length of a batch, so that only a batch answered
    /// in full puts it back (an async lock: one window's batches at a time).
    stream: Arc<tokio::sync::Mutex<Option<Deliveries>>>,
}

/// An open `Deliveries` stream: batches out, answers back in order.
struct Deliveries {
    batches: tokio::sync::mpsc::Sender<pb::Envelopes>,
    answers: tonic::Streaming<pb::Delivered>,
}

impl Peer {
    /// A peer at `url`, over mutual TLS when this node has credentials;
    /// connected lazily. A call waits `timeout` at most for its answer.
    pub fn new(
        code: &CountryCode,
        url: String,
        credentials: Option<&Credentials>,
        timeout: Duration,
    ) -> Result<Peer, Status> {
        let invalid = |reason: String| Status::invalid_argument(format!("peers[{code}]: {reason}"));
        let secure = url.starts_with("https://");
        let mut endpoint = Endpoint::from_shared(url).map_err(|e| invalid(e.to_string()))?.timeout(timeout);
        match (credentials, secure) {
            (Some(credentials), true) => {
                endpoint = endpoint
                    .tls_config(credentials.client_of(&Party::Node(*code)))
                    .map_err(|e| invalid(e.to_string()))?;
            }
            (Some(_), false) => return Err(invalid("this node serves TLS: give its peers as https://".to_owned())),
            (None, true) => return Err(invalid("https:// needs TLS: start the node with --tls".to_owned())),
            (None, false) => {}
        }
        let client = ContactPointClient::new(endpoint.connect_lazy()).max_decoding_message_size(MAX_DELIVERY_BYTES);
        Ok(Peer { client, stream: Arc::default() })
    }

    /// Sends one batch and waits for the peer to have taken it.
    pub async fn deliver(&mut self, batch: pb::Envelopes) -> Result<(), Status> {
        let mut slot = self.stream.lock().await;
        let mut stream = match slot.take() {
            Some(stream) => stream,
            None => {
                let (batches, outgoing) = tokio::sync::mpsc::channel(1);
                let answers = self.client.deliveries(tokio_stream::wrappers::ReceiverStream::new(outgoing)).await?;
                Deliveries { batches, answers: answers.into_inner() }
            }
        };
        if stream.batches.send(batch).await.is_err() {
            return Err(Status::unavailable("the delivery stream to the peer has closed"));
        }
        match stream.answers.message().await? {
            Some(pb::Delivered {}) => {
                *slot = Some(stream);
                Ok(())
            }
            None => Err(Status::unavailable("the peer ended the delivery stream")),
        }
    }
}
