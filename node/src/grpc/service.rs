//! The tonic service around a point of contact.
//!
//! A node serves two gRPC services on one port: `ContactPoint` (other nodes
//! deliver cross-border messages) and `Simulation` (the coordinator configures
//! the node and grants it simulated time), plus standard health checking and
//! reflection so that a stock client such as grpcurl can list and call it.
//!
//! With [`Credentials`] every call is authenticated by mutual TLS: only the
//! coordinator may configure, advance or end a run, and a peer may deliver
//! only messages whose `from` is the country its certificate names. Each
//! refusal is logged with the running count.

use super::convert::{envelope_from_proto, envelope_to_proto, event_to_proto, node_config_from_proto};
use super::ledger::Ledger;
use super::peer::Peer;
use super::tls::{Credentials, Party, certifies};
use crate::runtime::NodeRuntime;
use crate::{CountryCode, Envelope, SimTime};
use pocnet_proto as pb;
use pocnet_proto::contact_point_server::ContactPointServer;
use pocnet_proto::simulation_server::SimulationServer;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tonic::{Request, Response, Status};

struct Session {
    runtime: NodeRuntime,
    peers: BTreeMap<CountryCode, Peer>,
    /// The run that configured this node; other runs' calls are refused.
    run_id: String,
    /// The run's last call: a run silent this long is taken as abandoned.
    last_call: Instant,
    /// The last window run: its number, its reply, and the batches its
    /// peers have not yet taken (sent again if the window is asked again).
    last_window: Option<(u64, pb::AdvanceReply, Vec<Delivery>)>,
    /// Per sender, the sequence number of the last message queued: a batch
    /// sent again after a lost answer is not queued twice.
    last_sequence: BTreeMap<CountryCode, u64>,
    /// What this node sent and queued in the run, reported at its end.
    ledger: Ledger,
    /// The node's count of refused calls when the run configured it.
    refused_before: u64,
}

/// How long a run may stay silent before another may configure the node.
const ABANDONED_AFTER: Duration = Duration::from_secs(60);

/// How long a peer may take to take a batch of messages.
const DELIVER_TIMEOUT: Duration = Duration::from_secs(60);

/// Longest run id taken.
const MAX_RUN_ID: usize = 64;

/// Largest batch of messages a peer may send in one call. A window's
/// messages to one country are a few kilobytes; this bounds what one call
/// can make the node hold before it is decoded.
pub const MAX_DELIVERY_BYTES: usize = 4 << 20;

/// Largest configuration taken: the generated 100,000-incident network's
/// busiest country needs about a tenth of it.
pub const MAX_CONFIGURATION_BYTES: usize = 256 << 20;

/// Inputs a node holds at most (timers and messages waiting). A run of the
/// library's largest scenario peaks far below it; a peer flooding the node
/// is shed with `RESOURCE_EXHAUSTED` instead of growing its memory.
pub const MAX_QUEUED: usize = 4_000_000;

/// A run's id without its attempt: `3f2a…#2` is the run `3f2a…` replayed
/// a second time after losing a node. Its coordinator may configure the
/// node again at once; every other call must name the current attempt.
fn run_base(run_id: &str) -> &str {
    run_id.split('#').next().unwrap_or(run_id)
}

/// Compares run ids in time independent of where they first differ.
fn same_id(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl Session {
    /// Whether a call of `run` belongs to this session's run; a call that
    /// does not is counted in `refused`.
    fn check(&mut self, run: &str, refused: &AtomicU64) -> Result<(), Status> {
        // The node's run id is never said back: knowing it is what lets a
        // caller into the run. Compared in time independent of where the ids differ.
        if !same_id(run, &self.run_id) {
            let count = refused.fetch_add(1, Ordering::Relaxed) + 1;
            tracing::warn!(refused_so_far = count, "refused a call naming another run");
            return Err(Status::failed_precondition(
                "this call names another run than the one this node is in: another coordinator is using it",
            ));
        }
        self.last_call = Instant::now();
        Ok(())
    }
}

/// A node: empty until the coordinator configures it as some country's point of contact.
#[derive(Clone, Default)]
pub struct Node {
    // A std mutex: it is never held across an await, so the delivery of a
    // message from a peer cannot deadlock with this node's own sends.
    session: Arc<Mutex<Option<Session>>>,
    /// Its certificate and authority, when it serves mutual TLS.
    credentials: Option<Arc<Credentials>>,
    /// Calls refused since the node started: for their caller's identity,
    /// or naming another run than the node's.
    refused: Arc<AtomicU64>,
    /// Most inputs held at once; `MAX_QUEUED` unless set lower.
    queue_limit: Option<usize>,
    /// The health service's states: `pocnet.v1.Simulation` serves once configured.
    health: Option<tonic_health::server::HealthReporter>,
    /// Set when the node is asked to stop: its open streams end then.
    stopping: Stopping,
}

/// Whether the node is stopping, for every stream it serves to watch.
#[derive(Clone)]
struct Stopping(tokio::sync::watch::Sender<bool>);

impl Default for Stopping {
    fn default() -> Self {
        Stopping(tokio::sync::watch::Sender::new(false))
    }
}

impl Stopping {
    fn subscribe(&self) -> tokio::sync::watch::Receiver<bool> {
        self.0.subscribe()
    }
}

/// Why a stream ended when its node was asked to stop.
const STOPPING: &str = "this node is stopping";

impl Node {
    /// A node; with credentials it serves mutual TLS and checks every caller's identity.
    pub fn new(credentials: Option<Credentials>) -> Node {
        Node { credentials: credentials.map(Arc::new), ..Node::default() }
    }

    /// Holds at most `limit` inputs (timers and messages) at once.
    pub fn with_queue_limit(self, limit: usize) -> Node {
        Node { queue_limit: Some(limit.min(MAX_QUEUED)), ..self }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Session>> {
        // A panic while holding the lock is a bug already reported; the state
        // is still the last consistent one, so keep serving.
        self.session.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Whether the caller's certificate names `party` (always, without TLS).
    fn admit<T>(&self, request: &Request<T>, party: &Party, call: &str) -> Result<(), Status> {
        self.admit_caller(&Caller::of(request), party, call)
    }

    fn admit_caller(&self, caller: &Caller, party: &Party, call: &str) -> Result<(), Status> {
        if self.credentials.is_none() {
            return Ok(());
        }
        let status = match &caller.certificates {
            Some(chain) if certifies(chain, party) => return Ok(()),
            Some(_) => {
                Status::permission_denied(format!("{call} is taken only from {party}: your certificate is not its"))
            }
            None => Status::unauthenticated(format!("{call} needs a client certificate from this run's authority")),
        };
        let count = self.refused.fetch_add(1, Ordering::Relaxed) + 1;
        let peer = caller.address.map_or_else(|| "unknown".to_owned(), |a| a.to_string());
        tracing::warn!(%peer, call, refused_so_far = count, "refused: {}", status.message());
        Err(status)
    }

    /// Calls refused for their caller's identity so far.
    pub fn refused_calls(&self) -> u64 {
        self.refused.load(Ordering::Relaxed)
    }
}

#[tonic::async_trait]
impl pb::contact_point_server::ContactPoint for Node {
    /// Queues a peer's messages of one window in the order it sent them.
    async fn deliver(&self, request: Request<pb::Envelopes>) -> Result<Response<pb::Delivered>, Status> {
        let caller = Caller::of(&request);
        self.take_batch(&caller, request.into_inner(), "Deliver").map(Response::new)
    }

    type DeliveriesStream = tokio_stream::wrappers::ReceiverStream<Result<pb::Delivered, Status>>;

    async fn deliveries(
        &self,
        request: Request<tonic::Streaming<pb::Envelopes>>,
    ) -> Result<Response<Self::DeliveriesStream>, Status> {
        // Each batch is admitted on its own (it names its sender), against
        // the certificate of the stream's connection.
        let caller = Arc::new(Caller::of(&request));
        let node = self.clone();
        let answers = self.answer_in_turn(request.into_inner(), move |batch| {
            let (node, caller) = (node.clone(), caller.clone());
            async move { node.take_batch(&caller, batch, "Deliveries") }
        });
        Ok(Response::new(answers))
    }
}

/// Who called: the certificates of their connection and their address.
struct Caller {
    certificates: Option<Arc<Vec<tonic::transport::CertificateDer<'static>>>>,
    address: Option<std::net::SocketAddr>,
}

impl Caller {
    fn of<T>(request: &Request<T>) -> Caller {
        Caller { certificates: request.peer_certs(), address: request.remote_addr() }
    }
}

impl Node {
    /// Takes a batch for `Deliver` and `Deliveries` alike.
    fn take_batch(&self, caller: &Caller, envelopes: pb::Envelopes, call: &str) -> Result<pb::Delivered, Status> {
        // A batch comes from one country, the one the caller's certificate names.
        let sender = envelopes.envelopes.first().map(|e| e.from.clone()).unwrap_or_default();
        if let Some(i) = envelopes.envelopes.iter().position(|e| e.from != sender) {
            return Err(Status::invalid_argument(format!("envelopes[{i}].from: a batch comes from one country")));
        }
        let sender = CountryCode::bounded(&sender).map_err(|full| Status::resource_exhausted(full.to_string()))?;
        self.admit_caller(caller, &Party::Node(sender), call)?;
        let batch = envelopes.envelopes;
        let mut guard = self.lock();
        let session = guard.as_mut().ok_or_else(|| {
            // Nobody of a run sends to a node no run configured.
            self.refused.fetch_add(1, Ordering::Relaxed);
            not_configured()
        })?;
        session.check(&envelopes.run_id, &self.refused)?;
        let limit = self.queue_limit.unwrap_or(MAX_QUEUED);
        if session.runtime.queued() + batch.len() > limit {
            return Err(Status::resource_exhausted(format!(
                "this node holds {} inputs already, the most it takes is {limit}: the batch of {} was shed",
                session.runtime.queued(),
                batch.len()
            )));
        }
        for (i, envelope) in batch.into_iter().enumerate() {
            let refused = |problem: String| {
                Status::invalid_argument(format!("envelopes[{i}].{problem} (the {i} before it were queued)"))
            };
            if session.last_sequence.get(&sender).is_some_and(|&last| envelope.sequence <= last) {
                continue; // Queued already: this batch is sent again after a lost answer.
            }
            let encoded = prost::Message::encode_to_vec(&envelope);
            let envelope = envelope_from_proto(envelope).map_err(|e| refused(e.to_string()))?;
            let (from, sequence) = (envelope.from, envelope.sequence);
            session.runtime.deliver(envelope).map_err(|e| refused(format!("{}: {e}", e.field())))?;
            session.ledger.accepted(from.as_str(), &encoded);
            session.last_sequence.insert(from, sequence);
        }
        Ok(pb::Delivered {})
    }
}

#[tonic::async_trait]
impl pb::simulation_server::Simulation for Node {
    async fn configure(&self, request: Request<pb::NodeConfig>) -> Result<Response<pb::Configured>, Status> {
        self.admit(&request, &Party::Coordinator, "Configure")?;
        let run_id = request.get_ref().run_id.clone();
        if run_id.len() > MAX_RUN_ID {
            return Err(Status::invalid_argument(format!("run_id: longer than {MAX_RUN_ID} bytes")));
        }
        // A node serves one run at a time: another coordinator waits until
        // the run ends, or has been silent long enough to be abandoned.
        if let Some(session) = self.lock().as_ref()
            && run_base(&session.run_id) != run_base(&run_id)
            && session.last_call.elapsed() < ABANDONED_AFTER
        {
            return Err(Status::aborted(format!(
                "this node is in another run (last call {} s ago); it takes another run once that one ends or has been silent {} s",
                session.last_call.elapsed().as_secs(),
                ABANDONED_AFTER.as_secs()
            )));
        }
        let (config, peer_urls) = node_config_from_proto(request.into_inner())?;
        if let Some(credentials) = &self.credentials
            && credentials.party != Party::Node(config.country.code)
        {
            return Err(Status::permission_denied(format!(
                "this node holds the certificate of {}; it cannot be configured as {}",
                credentials.party, config.country.code
            )));
        }
        let mut peers = BTreeMap::new();
        for (code, url) in peer_urls {
            peers.insert(code, Peer::new(&code, url, self.credentials.as_deref(), DELIVER_TIMEOUT)?);
        }
        tracing::info!(country = %config.country.code, incidents = config.incidents.len(), "configured");
        if let Some(health) = &self.health {
            health.set_serving::<SimulationServer<Node>>().await;
        }
        *self.lock() = Some(Session {
            runtime: NodeRuntime::new(config),
            peers,
            run_id,
            last_call: Instant::now(),
            last_window: None,
            last_sequence: BTreeMap::new(),
            ledger: Ledger::default(),
            refused_before: self.refused.load(Ordering::Relaxed),
        });
        Ok(Response::new(pb::Configured {}))
    }

    async fn end(&self, request: Request<pb::EndRequest>) -> Result<Response<pb::Ended>, Status> {
        self.admit(&request, &Party::Coordinator, "End")?;
        let run = request.into_inner().run_id;
        let ended = {
            let mut guard = self.lock();
            let session = guard.as_mut().ok_or_else(not_configured)?;
            session.check(&run, &self.refused)?;
            let ended = session.ledger.close(self.refused.load(Ordering::Relaxed) - session.refused_before);
            *guard = None;
            ended
        };
        if let Some(health) = &self.health {
            health.set_not_serving::<SimulationServer<Node>>().await;
        }
        Ok(Response::new(ended))
    }

    async fn advance(&self, request: Request<pb::AdvanceRequest>) -> Result<Response<pb::AdvanceReply>, Status> {
        self.admit(&request, &Party::Coordinator, "Advance")?;
        self.window(request.into_inner()).await.map(Response::new)
    }

    type WindowsStream = tokio_stream::wrappers::ReceiverStream<Result<pb::AdvanceReply, Status>>;

    async fn windows(
        &self,
        request: Request<tonic::Streaming<pb::AdvanceRequest>>,
    ) -> Result<Response<Self::WindowsStream>, Status> {
        // The caller is checked once: a stream is one connection's, and
        // its certificate cannot change under it.
        self.admit(&request, &Party::Coordinator, "Windows")?;
        let node = self.clone();
        let replies = self.answer_in_turn(request.into_inner(), move |request| {
            let node = node.clone();
            async move { node.window(request).await }
        });
        Ok(Response::new(replies))
    }
}

impl Node {
    /// A stream's answers: each request answered by `answer` in turn, in
    /// order. The first refusal ends the stream with its status, and so
    /// does the node stopping (`UNAVAILABLE`), so that a node asked to stop
    /// mid-run stops, instead of holding its open streams until the run ends.
    fn answer_in_turn<Q, A, F>(
        &self,
        mut requests: tonic::Streaming<Q>,
        answer: impl Fn(Q) -> F + Send + 'static,
    ) -> tokio_stream::wrappers::ReceiverStream<Result<A, Status>>
    where
        Q: Send + 'static,
        A: Send + 'static,
        F: std::future::Future<Output = Result<A, Status>> + Send,
    {
        let (answers, answered) = tokio::sync::mpsc::channel(1);
        let mut stopping = self.stopping.subscribe();
        tokio::spawn(async move {
            loop {
                let request = tokio::select! {
                    request = requests.message() => request,
                    // (The guard `wait_for` returns is dropped at once: it is not `Send`.)
                    _ = async { stopping.wait_for(|stopping| *stopping).await.map(|_| ()) } => {
                        let _ = answers.send(Err(Status::unavailable(STOPPING))).await;
                        break;
                    }
                };
                let Ok(Some(request)) = request else { break };
                let answered = answer(request).await;
                let refused = answered.is_err();
                if answers.send(answered).await.is_err() || refused {
                    break;
                }
            }
        });
        tokio_stream::wrappers::ReceiverStream::new(answered)
    }

    /// Runs one window (or answers it again, if it is the last one run) and
    /// delivers its messages to the peers, for `Advance` and `Windows` alike.
    async fn window(&self, request: pb::AdvanceRequest) -> Result<pb::AdvanceReply, Status> {
        let until = SimTime(request.until_ms);
        let (reply, deliveries) = {
            let mut guard = self.lock();
            let session = guard.as_mut().ok_or_else(not_configured)?;
            session.check(&request.run_id, &self.refused)?;
            match &session.last_window {
                // Asked again (its answer was lost): the same reply, nothing run twice.
                Some((window, reply, undelivered)) if *window == request.window => (reply.clone(), undelivered.clone()),
                _ => {
                    let outcome = session.runtime.advance(until);
                    let deliveries = batches(&outcome.sent, &session.peers, &session.run_id, &mut session.ledger)?;
                    let reply = window_reply(&outcome, session.runtime.next_event_time());
                    session.last_window = Some((request.window, reply.clone(), deliveries.clone()));
                    (reply, deliveries)
                }
            }
        };
        // The lock is released: peers delivering to us meanwhile just queue.
        // Peers are called at once, each with one batch in sending order,
        // within the time the coordinator gave (a stopped peer never answers).
        let patience = match request.deliver_timeout_ms {
            0 => DELIVER_TIMEOUT,
            ms => Duration::from_millis(ms).min(DELIVER_TIMEOUT),
        };
        let mut calls = tokio::task::JoinSet::new();
        for (to, mut peer, batch) in deliveries {
            calls.spawn(async move {
                match tokio::time::timeout(patience, peer.deliver(batch)).await {
                    Ok(Ok(_)) => Ok(to),
                    Ok(Err(status)) => Err((to, false, status.message().to_owned())),
                    Err(_) => Err((to, true, format!("no answer within {} ms", patience.as_millis()))),
                }
            });
        }
        let mut failure = None;
        while let Some(done) = calls.join_next().await {
            match done {
                Ok(Ok(taken)) => self.delivered(request.window, &taken),
                Ok(Err((to, silent, why))) => {
                    failure.get_or_insert_with(|| peer_failure(&to, silent, &why));
                }
                Err(join) => {
                    failure.get_or_insert(Status::internal(format!("delivery task failed: {join}")));
                }
            }
        }
        match failure {
            Some(status) => Err(status),
            None => Ok(reply),
        }
    }
}

fn window_reply(outcome: &crate::runtime::WindowOutcome, next_event: Option<SimTime>) -> pb::AdvanceReply {
    pb::AdvanceReply {
        events: outcome.events.iter().map(event_to_proto).collect(),
        next_event_ms: next_event.map(SimTime::ms),
        earliest_sent_ms: outcome.sent.iter().map(|e| e.deliver_at.ms()).min(),
        earliest_arrival_ms: outcome.sent.iter().fold(BTreeMap::new(), |mut arrivals, e| {
            let at = arrivals.entry(e.to.to_string()).or_insert(e.deliver_at.ms());
            *at = (*at).min(e.deliver_at.ms());
            arrivals
        }),
    }
}

impl Node {
    /// A peer took its batch of `window`: asking the window again will not resend it.
    fn delivered(&self, window: u64, to: &CountryCode) {
        if let Some(session) = self.lock().as_mut()
            && let Some((last, _, undelivered)) = &mut session.last_window
            && *last == window
        {
            undelivered.retain(|(peer, ..)| peer != to);
        }
    }
}

type Delivery = (CountryCode, Peer, pb::Envelopes);

/// One batch per receiving peer, each in the order its messages were sent.
fn batches(
    sent: &[Envelope],
    peers: &BTreeMap<CountryCode, Peer>,
    run_id: &str,
    ledger: &mut Ledger,
) -> Result<Vec<Delivery>, Status> {
    let mut by_peer: BTreeMap<&CountryCode, Vec<pb::Envelope>> = BTreeMap::new();
    for envelope in sent {
        let encoded = envelope_to_proto(envelope);
        ledger.sent(envelope.to.as_str(), &encoded);
        by_peer.entry(&envelope.to).or_default().push(encoded);
    }
    by_peer
        .into_iter()
        .map(|(to, envelopes)| {
            let client = peers
                .get(to)
                .cloned()
                .ok_or_else(|| Status::failed_precondition(format!("no address configured for peer {to}")))?;
            Ok((*to, client, pb::Envelopes { envelopes, run_id: run_id.to_owned() }))
        })
        .collect()
}

/// Metadata naming the peer a failed `Advance` could not deliver to, so
/// that the coordinator names that peer, not the node that waited for it.
pub const PEER_METADATA: &str = "pocnet-peer";
/// Present (`silent`) when that peer did not answer in time, as a stopped node does.
pub const PEER_SILENT_METADATA: &str = "pocnet-peer-failure";

fn peer_failure(to: &CountryCode, silent: bool, why: &str) -> Status {
    let mut metadata = tonic::metadata::MetadataMap::new();
    if let Ok(value) = to.as_str().parse() {
        metadata.insert(PEER_METADATA, value);
    }
    metadata.insert(
        PEER_SILENT_METADATA,
        tonic::metadata::MetadataValue::from_static(if silent { "silent" } else { "refused" }),
    );
    Status::with_metadata(tonic::Code::Unavailable, format!("delivering to {to} failed: {why}"), metadata)
}

/// How a node without a configuration begins its refusals: a coordinator
/// that meets it mid-run knows the node was restarted.
pub const NOT_CONFIGURED: &str = "this node has not been configured";

fn not_configured() -> Status {
    Status::failed_precondition(format!("{NOT_CONFIGURED}: call Simulation/Configure first"))
}

/// Serves `node` on `listener` until `shutdown` completes, with mutual TLS
/// when it has credentials.
pub async fn serve(
    listener: tokio::net::TcpListener,
    node: Node,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), tonic::transport::Error> {
    let mut server = tonic::transport::Server::builder();
    if let Some(credentials) = &node.credentials {
        server = server.tls_config(credentials.server())?;
    }
    // The simulation service serves once a run has configured the node, and
    // again not once the run ends; node-to-node delivery serves throughout.
    let (health, health_service) = tonic_health::server::health_reporter();
    health.set_not_serving::<SimulationServer<Node>>().await;
    health.set_serving::<ContactPointServer<Node>>().await;
    let mut node = node;
    node.health = Some(health);
    // Reflection in both versions: grpcurl speaks v1, while Python's grpcio
    // reflection client, Evans and older grpcurl speak only v1alpha.
    let reflection = || {
        tonic_reflection::server::Builder::configure()
            .register_encoded_file_descriptor_set(pb::FILE_DESCRIPTOR_SET)
            .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
    };
    let reflection_v1 = reflection().build_v1().expect("the embedded descriptor sets are valid");
    let reflection_v1alpha = reflection().build_v1alpha().expect("the embedded descriptor sets are valid");
    // Nagle's algorithm with delayed ACKs would add ~40 ms to every small
    // unary call, and a run makes one round of calls per time window.
    let incoming = tonic::transport::server::TcpIncoming::from(listener).with_nodelay(Some(true));
    let refused = node.refused.clone();
    let stopping = node.stopping.clone();
    let shutdown = async move {
        shutdown.await;
        stopping.0.send_replace(true);
    };
    let served = server
        .add_service(health_service)
        .add_service(reflection_v1)
        .add_service(reflection_v1alpha)
        .add_service(SimulationServer::new(node.clone()).max_decoding_message_size(MAX_CONFIGURATION_BYTES))
        .add_service(ContactPointServer::new(node).max_decoding_message_size(MAX_DELIVERY_BYTES))
        .serve_with_incoming_shutdown(incoming, shutdown)
        .await;
    let refused = refused.load(Ordering::Relaxed);
    if refused > 0 {
        tracing::warn!(refused, "calls refused (caller's identity, or another run's id) while serving");
    }
    served
}
