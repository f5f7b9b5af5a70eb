//! The tonic service around a point of contact.
//!
//! A node serves two gRPC services on one port: `ContactPoint` (other nodes
//! deliver cross-border messages) and `Simulation` (the coordinator configures
//! the node and grants it simulated time), plus standard health checking and
//! reflection so that a stock client such as grpcurl can list and call it.

use super::convert::{envelope_from_proto, envelope_to_proto, event_to_proto, node_config_from_proto};
use crate::runtime::NodeRuntime;
use crate::{CountryCode, Envelope, SimTime};
use pocnet_proto as pb;
use pocnet_proto::contact_point_client::ContactPointClient;
use pocnet_proto::contact_point_server::ContactPointServer;
use pocnet_proto::simulation_server::SimulationServer;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use tonic::transport::{Channel, Endpoint};
use tonic::{Request, Response, Status};

struct Session {
    runtime: NodeRuntime,
    peers: BTreeMap<CountryCode, ContactPointClient<Channel>>,
}

/// A node: empty until the coordinator configures it as some country's point of contact.
#[derive(Clone, Default)]
pub struct Node {
    // A std mutex: it is never held across an await, so the delivery of a
    // message from a peer cannot deadlock with this node's own sends.
    session: Arc<Mutex<Option<Session>>>,
}

impl Node {
    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Session>> {
        // A panic while holding the lock is a bug already reported; the state
        // is still the last consistent one, so keep serving.
        self.session.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[tonic::async_trait]
impl pb::contact_point_server::ContactPoint for Node {
    /// Queues a peer's messages of one window in the order it sent them.
    async fn deliver(&self, request: Request<pb::Envelopes>) -> Result<Response<pb::Delivered>, Status> {
        let batch = request.into_inner().envelopes;
        let mut guard = self.lock();
        let session = guard.as_mut().ok_or_else(not_configured)?;
        for (i, envelope) in batch.into_iter().enumerate() {
            let refused = |problem: String| {
                Status::invalid_argument(format!("envelopes[{i}].{problem} (the {i} before it were queued)"))
            };
            let envelope = envelope_from_proto(envelope).map_err(|e| refused(e.to_string()))?;
            session.runtime.deliver(envelope).map_err(|e| refused(format!("{}: {e}", e.field())))?;
        }
        Ok(Response::new(pb::Delivered {}))
    }
}

#[tonic::async_trait]
impl pb::simulation_server::Simulation for Node {
    async fn configure(&self, request: Request<pb::NodeConfig>) -> Result<Response<pb::Configured>, Status> {
        let (config, peer_urls) = node_config_from_proto(request.into_inner())?;
        let mut peers = BTreeMap::new();
        for (code, url) in peer_urls {
            let endpoint =
                Endpoint::from_shared(url).map_err(|e| Status::invalid_argument(format!("peers[{code}]: {e}")))?;
            peers.insert(code, ContactPointClient::new(endpoint.connect_lazy()));
        }
        tracing::info!(country = %config.country.code, incidents = config.incidents.len(), "configured");
        *self.lock() = Some(Session { runtime: NodeRuntime::new(config), peers });
        Ok(Response::new(pb::Configured {}))
    }

    async fn advance(&self, request: Request<pb::AdvanceRequest>) -> Result<Response<pb::AdvanceReply>, Status> {
        let until = SimTime(request.into_inner().until_ms);
        let (outcome, next_event, deliveries) = {
            let mut guard = self.lock();
            let session = guard.as_mut().ok_or_else(not_configured)?;
            let outcome = session.runtime.advance(until);
            let deliveries = batches(&outcome.sent, &session.peers)?;
            (outcome, session.runtime.next_event_time(), deliveries)
        };
        // The lock is released: peers delivering to us meanwhile just queue.
        // Peers are called at once, each with one batch in sending order.
        let mut calls = tokio::task::JoinSet::new();
        for (to, mut client, batch) in deliveries {
            calls.spawn(async move { client.deliver(batch).await.map_err(|status| (to, status)) });
        }
        while let Some(done) = calls.join_next().await {
            match done {
                Ok(Ok(_)) => {}
                Ok(Err((to, status))) => {
                    return Err(Status::unavailable(format!("delivering to {to} failed: {}", status.message())));
                }
                Err(join) => return Err(Status::internal(format!("delivery task failed: {join}"))),
            }
        }
        Ok(Response::new(pb::AdvanceReply {
            events: outcome.events.iter().map(event_to_proto).collect(),
            next_event_ms: next_event.map(SimTime::ms),
            earliest_sent_ms: outcome.sent.iter().map(|e| e.deliver_at.ms()).min(),
            earliest_arrival_ms: outcome.sent.iter().fold(BTreeMap::new(), |mut arrivals, e| {
                let at = arrivals.entry(e.to.0.to_string()).or_insert(e.deliver_at.ms());
                *at = (*at).min(e.deliver_at.ms());
                arrivals
            }),
        }))
    }
}

type Delivery = (CountryCode, ContactPointClient<Channel>, pb::Envelopes);

/// One batch per receiving peer, each in the order its messages were sent.
fn batches(
    sent: &[Envelope],
    peers: &BTreeMap<CountryCode, ContactPointClient<Channel>>,
) -> Result<Vec<Delivery>, Status> {
    let mut by_peer: BTreeMap<&CountryCode, Vec<pb::Envelope>> = BTreeMap::new();
    for envelope in sent {
        by_peer.entry(&envelope.to).or_default().push(envelope_to_proto(envelope));
    }
    by_peer
        .into_iter()
        .map(|(to, envelopes)| {
            let client = peers
                .get(to)
                .cloned()
                .ok_or_else(|| Status::failed_precondition(format!("no address configured for peer {to}")))?;
            Ok((to.clone(), client, pb::Envelopes { envelopes }))
        })
        .collect()
}

fn not_configured() -> Status {
    Status::failed_precondition("this node has not been configured: call Simulation/Configure first")
}

/// Serves a fresh node on `listener` until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), tonic::transport::Error> {
    let node = Node::default();
    let (health, health_service) = tonic_health::server::health_reporter();
    health.set_serving::<SimulationServer<Node>>().await;
    health.set_serving::<ContactPointServer<Node>>().await;
    let reflection = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(pb::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1()
        .expect("the embedded descriptor sets are valid");
    // Nagle's algorithm with delayed ACKs would add ~40 ms to every small
    // unary call, and a run makes one round of calls per time window.
    let incoming = tonic::transport::server::TcpIncoming::from(listener).with_nodelay(Some(true));
    tonic::transport::Server::builder()
        .add_service(health_service)
        .add_service(reflection)
        .add_service(SimulationServer::new(node.clone()))
        .add_service(ContactPointServer::new(node))
        .serve_with_incoming_shutdown(incoming, shutdown)
        .await
}
