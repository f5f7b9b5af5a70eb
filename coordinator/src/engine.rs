//! Drives the country nodes through simulated time in synchronous windows.
//!
//! Which node runs to what bound is `windows::Windows`, a value; this file
//! holds two of its drivers. The nodes are either in this process, driven
//! by direct calls from a plain blocking loop (`run_in_process_into`), or
//! behind gRPC, local servers or remote `pocnet node` processes, driven by an
//! async loop (`run_into`). Both run the same `NodeRuntime` on the same
//! windows, so the event log is the same byte for byte. The third driver is
//! the exercise's session, paced by the director's clock.

use crate::event_stream::{EventSink, InOrder};
use crate::scenario::Scenario;
use crate::windows::Windows;
use pocnet_node::grpc::{Credentials, Party, event_from_proto, node_config_to_proto};
use pocnet_node::{CountryCode, Event, NodeConfig, NodeRuntime, SimTime};
use pocnet_proto as pb;
use pocnet_proto::simulation_client::SimulationClient;
use std::collections::BTreeMap;
use std::time::Duration;
use tonic::transport::{Channel, Endpoint};

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("no node address given for {0}: --nodes must name every country of the scenario")]
    MissingNode(CountryCode),
    #[error("--nodes names {0}, which the scenario does not define")]
    UnknownNode(CountryCode),
    #[error("node {country} at {url}: invalid address: {reason}")]
    BadAddress { country: CountryCode, url: String, reason: String },
    #[error("node {country} at {url} is unreachable: {reason}")]
    Unreachable { country: CountryCode, url: String, reason: String },
    #[error("node {country} refused {call}: {status}")]
    Refused { country: CountryCode, call: &'static str, status: String },
    #[error("node {country} was lost during {call}: {reason}")]
    Lost { country: CountryCode, call: &'static str, reason: String },
    #[error("{lost}; it did not come back within {waited}, so the run stops (raise --timeout to wait longer)")]
    NotBack { lost: Box<EngineError>, waited: String },
    #[error(
        "node {country} did not answer {call} within {waited}: it stalled or stopped (raise --timeout if it is only slow)"
    )]
    Stalled { country: CountryCode, call: &'static str, waited: String },
    #[error("{url} is given for {first} and for {second}: each country needs a node of its own")]
    SharedAddress { url: String, first: CountryCode, second: CountryCode },
    #[error("node {country} sent an invalid event: {reason}")]
    BadEvent { country: CountryCode, reason: String },
    #[error("cannot start a local node: {0}")]
    Spawn(String),
    #[error("internal delivery error: {0}")]
    Delivery(#[from] pocnet_node::DeliveryError),
    #[error("simulated time passed a thousand years; the scenario never settles")]
    Runaway,
    #[error(
        "node {at} queued messages from {from} that {from} did not send it (forged, or a batch replaced): another \
         party delivered into this run, so its result cannot be trusted and no report is written; run the nodes over \
         mutual TLS (docs/deployment.md)"
    )]
    Forged { at: String, from: String },
    #[error(
        "node {country} did not answer the end of the run ({reason}), so what it took cannot be checked and no report is written"
    )]
    Unaudited { country: CountryCode, reason: String },
}

/// The whole simulated history of one run, kept.
#[derive(Debug)]
pub struct RunLog {
    pub seed: u64,
    /// Ordered by `(at, country, sequence)`.
    pub events: Vec<Event>,
    /// Windows granted, a measure of how parallel the run was.
    pub windows: u64,
}

/// Nodes are numbered by their position in `Nodes`, in country order.
struct WindowReport {
    events: Vec<Event>,
    /// For each node advanced: its earliest pending event after the window.
    next_events: Vec<(usize, Option<SimTime>)>,
    /// Arrival times of the messages sent in the window, by receiving node.
    arrivals: Vec<(usize, SimTime)>,
}

/// The nodes of a run over gRPC (`pocnet node` processes, or servers on
/// loopback in this process), one client per country in country order.
pub struct Nodes {
    clients: Vec<(CountryCode, SimulationClient<Channel>)>,
    /// Each node's window stream, in the same order. (A node also takes
    /// windows by `Advance`, one call each: the stream spares each window a
    /// call's headers and trailers, which were half of its time.)
    streams: Vec<WindowStream>,
    timeout: Duration,
    run_id: String,
}

/// A node's `Windows` stream, open for the whole run: a window's request
/// goes out on `requests`, and its reply is the next one on `replies`.
struct WindowStream {
    requests: tokio::sync::mpsc::Sender<pb::AdvanceRequest>,
    replies: tonic::Streaming<pb::AdvanceReply>,
}

impl WindowStream {
    async fn open(client: &mut SimulationClient<Channel>) -> Result<WindowStream, tonic::Status> {
        // One request in flight at a time: a window waits for its reply.
        let (requests, outgoing) = tokio::sync::mpsc::channel(1);
        let replies = client.windows(tokio_stream::wrappers::ReceiverStream::new(outgoing)).await?;
        Ok(WindowStream { requests, replies: replies.into_inner() })
    }
}

impl Nodes {
    /// Configures running nodes, one per country, at the given addresses,
    /// over mutual TLS when given the coordinator's credentials; every call
    /// after waits `timeout` at most.
    pub async fn connect(
        configs: Vec<NodeConfig>,
        urls: &BTreeMap<CountryCode, String>,
        timeout: Duration,
        credentials: Option<&Credentials>,
    ) -> Result<Nodes, EngineError> {
        check_addresses(configs.iter().map(|c| &c.country.code), urls, credentials.is_some())?;
        Nodes::connect_as(configs, urls, timeout, credentials, run_id().map_err(EngineError::Spawn)?).await
    }

    /// As [`Nodes::connect`], for the run `run_id`, the addresses checked
    /// already: a run replayed after a lost node configures its nodes again
    /// under a new attempt of its id.
    async fn connect_as(
        configs: Vec<NodeConfig>,
        urls: &BTreeMap<CountryCode, String>,
        timeout: Duration,
        credentials: Option<&Credentials>,
        run_id: String,
    ) -> Result<Nodes, EngineError> {
        let mut clients = Vec::with_capacity(configs.len());
        let mut streams = Vec::with_capacity(configs.len());
        for config in configs {
            let code = config.country.code;
            let url = urls.get(&code).ok_or(EngineError::MissingNode(code))?;
            let endpoint = Endpoint::from_shared(url.clone())
                .map_err(|e| EngineError::BadAddress { country: code, url: url.clone(), reason: e.to_string() })?
                .timeout(timeout)
                .connect_timeout(timeout);
            let endpoint = match credentials {
                Some(credentials) => endpoint.tls_config(credentials.client_of(&Party::Node(code))).map_err(|e| {
                    EngineError::BadAddress { country: code, url: url.clone(), reason: error_chain(&e) }
                })?,
                None => endpoint,
            };
            let channel = connect_patiently(&endpoint).await.map_err(|e| EngineError::Unreachable {
                country: code,
                url: url.clone(),
                reason: error_chain(&e),
            })?;
            let mut client = SimulationClient::new(channel);
            let peers = urls.iter().filter(|(c, _)| **c != code).map(|(c, u)| (*c, u.clone())).collect();
            let mut configuration = node_config_to_proto(&config, &peers);
            configuration.run_id = run_id.clone();
            client.configure(configuration).await.map_err(|status| {
                let mut error = refused(&code, "Configure", &status, timeout);
                // A plaintext call to a node serving TLS is cut without a word.
                if let (EngineError::Refused { status, .. }, None) = (&mut error, credentials) {
                    status.push_str(" (if the node serves TLS, give --tls DIR and https:// addresses)");
                }
                error
            })?;
            let stream =
                WindowStream::open(&mut client).await.map_err(|status| refused(&code, "Windows", &status, timeout))?;
            streams.push(stream);
            clients.push((code, client));
        }
        Ok(Nodes { clients, streams, timeout, run_id })
    }

    fn len(&self) -> usize {
        self.clients.len()
    }

    fn position(&self, country: &CountryCode) -> Result<usize, EngineError> {
        let found = self.clients.iter().position(|(code, _)| code == country);
        found.ok_or(EngineError::MissingNode(*country))
    }

    /// Advances each granted node to its own `until`; the others have nothing due.
    async fn advance(&mut self, window: u64, grants: &[(usize, SimTime)]) -> Result<WindowReport, EngineError> {
        let mut report = WindowReport { events: Vec::new(), next_events: Vec::new(), arrivals: Vec::new() };
        let mut streamed = Vec::with_capacity(grants.len());
        let mut replies = Vec::with_capacity(grants.len());
        let mut failure = None;
        let deadline = tokio::time::Instant::now() + self.timeout;
        for &(i, until) in grants {
            let code = self.clients[i].0;
            // Half this call's deadline: a peer that never answers is named
            // by the node that waited for it, before this call's deadline.
            let deliver_timeout_ms = (self.timeout.as_millis() / 2).max(1) as u64;
            let request =
                pb::AdvanceRequest { until_ms: until.ms(), run_id: self.run_id.clone(), window, deliver_timeout_ms };
            match self.streams[i].requests.send(request).await {
                Ok(()) => streamed.push(i),
                Err(_) => {
                    let reason = "its window stream had closed".to_owned();
                    failure.get_or_insert(EngineError::Lost { country: code, call: "Windows", reason });
                }
            }
        }
        // The nodes run their windows at once; their replies are read in
        // turn, each one awaited even after one fails: nothing of this
        // window may still be running if the run is replayed.
        for i in streamed {
            let country = &self.clients[i].0;
            match tokio::time::timeout_at(deadline, self.streams[i].replies.message()).await {
                Ok(Ok(Some(reply))) => replies.push((i, *country, reply)),
                Ok(Ok(None)) => {
                    let reason = "it ended its window stream".to_owned();
                    failure.get_or_insert(EngineError::Lost { country: *country, call: "Windows", reason });
                }
                Ok(Err(status)) => {
                    failure.get_or_insert_with(|| refused(country, "Windows", &status, self.timeout));
                }
                Err(_) => {
                    failure.get_or_insert_with(|| EngineError::Stalled {
                        country: *country,
                        call: "Windows",
                        waited: crate::units::fmt_ms(self.timeout.as_millis() as i64),
                    });
                }
            }
        }
        if let Some(error) = failure {
            return Err(error);
        }
        // In node order, as the grants are.
        let mut arrivals = Vec::new();
        for (i, country, reply) in replies {
            for event in reply.events {
                let event =
                    event_from_proto(event).map_err(|e| EngineError::BadEvent { country, reason: e.to_string() })?;
                report.events.push(event);
            }
            arrivals.extend(reply.earliest_arrival_ms.into_iter().map(|(to, at)| (CountryCode::from(to), SimTime(at))));
            report.next_events.push((i, reply.next_event_ms.map(SimTime)));
        }
        for (to, at) in arrivals {
            report.arrivals.push((self.position(&to)?, at));
        }
        Ok(report)
    }
}

/// A run ends when nothing is pending; this bound only catches a scenario
/// that never settles. It is far beyond any real tail: an MLA request
/// executed after twelve median durations (a few years) is rare, not wrong.
const HORIZON_MS: i64 = 1000 * 366 * pocnet_node::time::DAY_MS;

/// Runs the scenario to completion, keeping its whole event log.
pub async fn run(scenario: &Scenario, seed: u64, nodes: &mut Nodes) -> Result<RunLog, EngineError> {
    let mut events = Vec::new();
    let windows = run_into(scenario, nodes, &mut events).await?;
    Ok(RunLog { seed, events, windows })
}

/// Runs the scenario to completion (until no node has anything pending),
/// passing the event log to `sink` in order as it goes; returns the number
/// of windows granted.
pub async fn run_into<S: EventSink + ?Sized>(
    scenario: &Scenario,
    nodes: &mut Nodes,
    sink: &mut S,
) -> Result<u64, EngineError> {
    // A window ending at zero runs nothing and tells us when every node's
    // first event is.
    let everyone: Vec<(usize, SimTime)> = (0..nodes.len()).map(|i| (i, SimTime::ZERO)).collect();
    let first = nodes.advance(0, &everyone).await?;
    let mut pending: Vec<Option<SimTime>> = vec![None; nodes.len()];
    for (i, next) in first.next_events {
        pending[i] = next;
    }
    let mut windows = Windows::new(pending, scenario.network.min_message_delay_ms);
    let mut events = InOrder::new(sink);
    events.hold(first.events);
    let mut granted = 0;
    let mut grants = Vec::with_capacity(nodes.len());
    while next_window(&mut windows, &mut grants)? {
        let window = nodes.advance(granted + 1, &grants).await?;
        events.hold(window.events);
        for (i, next) in window.next_events {
            windows.ran(i, next);
        }
        for (i, at) in window.arrivals {
            windows.arrives(i, at);
        }
        if let Some(horizon) = windows.earliest() {
            events.release_before(horizon);
        }
        granted += 1;
    }
    events.release_all();
    Ok(granted)
}

/// The next window of a run to completion, or false when every node is idle.
fn next_window(windows: &mut Windows, grants: &mut Vec<(usize, SimTime)>) -> Result<bool, EngineError> {
    // Past the horizon nothing is granted: pending input there is a runaway.
    match windows.next(SimTime(HORIZON_MS + 1), grants) {
        Some(from) => {
            tracing::trace!(from_ms = from.ms(), nodes = grants.len(), "granting window");
            Ok(true)
        }
        None if windows.earliest().is_some() => Err(EngineError::Runaway),
        None => Ok(false),
    }
}

/// Nodes served over gRPC on loopback ports inside this process; they stop
/// when this is dropped.
pub struct LocalServers {
    pub urls: BTreeMap<CountryCode, String>,
    _shutdown: Vec<tokio::sync::oneshot::Sender<()>>,
}

/// Starts one gRPC node per country on `127.0.0.1`, each on a free port.
pub async fn spawn_local_servers(
    countries: impl IntoIterator<Item = CountryCode>,
) -> Result<LocalServers, EngineError> {
    let mut urls = BTreeMap::new();
    let mut shutdown = Vec::new();
    for code in countries {
        let listener =
            tokio::net::TcpListener::bind("127.0.0.1:0").await.map_err(|e| EngineError::Spawn(e.to_string()))?;
        let address = listener.local_addr().map_err(|e| EngineError::Spawn(e.to_string()))?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let stopped = async {
                let _ = stopped.await;
            };
            if let Err(error) = pocnet_node::grpc::serve(listener, pocnet_node::grpc::Node::default(), stopped).await {
                tracing::error!(%address, "local node stopped: {error}");
            }
        });
        urls.insert(code, format!("http://{address}"));
        shutdown.push(stop);
    }
    Ok(LocalServers { urls, _shutdown: shutdown })
}

/// How a run reaches its nodes.
#[derive(Debug, Clone)]
pub enum Placement {
    /// Direct calls, no gRPC.
    InProcess,
    /// A tonic server per country on loopback in this process.
    LocalGrpc,
    /// Nodes already running elsewhere (`pocnet node`), by country, how
    /// long to wait for each answer, and the coordinator's certificate when
    /// they serve mutual TLS.
    /// `addresses` is the file they were read from, if any: read again when
    /// a node is lost, so that it may come back at a new address.
    Remote {
        urls: BTreeMap<CountryCode, String>,
        timeout: Duration,
        credentials: Option<Credentials>,
        addresses: Option<std::path::PathBuf>,
    },
}

/// Runs one replication of the scenario with the nodes placed as asked, keeping its log.
pub async fn run_scenario(scenario: &Scenario, seed: u64, placement: &Placement) -> Result<RunLog, EngineError> {
    let mut events = Vec::new();
    let windows = run_scenario_into(scenario, seed, placement, &mut events).await?;
    Ok(RunLog { seed, events, windows })
}

/// Runs one replication of the scenario with the nodes placed as asked,
/// streaming its log to `sink`; returns the number of windows granted.
pub async fn run_scenario_into<S: EventSink + ?Sized>(
    scenario: &Scenario,
    seed: u64,
    placement: &Placement,
    sink: &mut S,
) -> Result<u64, EngineError> {
    match placement {
        Placement::InProcess => run_in_process_into(scenario, seed, 0, sink),
        Placement::LocalGrpc => {
            let servers = spawn_local_servers(scenario.countries.keys().cloned()).await?;
            let configs = scenario.node_configs(seed, 0);
            let mut nodes = Nodes::connect(configs, &servers.urls, DEFAULT_CALL_TIMEOUT, None).await?;
            let windows = run_into(scenario, &mut nodes, sink).await?;
            nodes.end().await?;
            Ok(windows)
        }
        Placement::Remote { urls, timeout, credentials, addresses } => {
            let remote = Remote { urls: urls.clone(), timeout: *timeout, credentials: credentials.as_ref(), addresses };
            run_recovering(scenario, seed, remote, sink).await
        }
    }
}

/// Most times one run is replayed after losing a node before it gives up.
const MAX_RECOVERIES: u32 = 10;

/// Runs on remote nodes, surviving the loss of one. Runs are deterministic,
/// so a lost node is rebuilt by replaying the whole run: once every node
/// answers again at its address (within `timeout`), all are configured
/// anew under a new attempt of the run's id, and the run starts over from
/// zero, the sink receiving only the events after those it already had.
/// The report is the same bytes as an undisturbed run's.
async fn run_recovering<S: EventSink + ?Sized>(
    scenario: &Scenario,
    seed: u64,
    remote: Remote<'_>,
    sink: &mut S,
) -> Result<u64, EngineError> {
    let Remote { mut urls, timeout, credentials, addresses } = remote;
    let run = run_id().map_err(EngineError::Spawn)?;
    let mut resumed = Resumed { sink, skip: 0, seen: 0 };
    let configs = scenario.node_configs(seed, 0);
    check_addresses(scenario.countries.keys(), &urls, credentials.is_some())?;
    let mut nodes = Nodes::connect_as(configs, &urls, timeout, credentials, run.clone()).await?;
    let mut attempt = 0;
    loop {
        resumed.seen = 0;
        let lost = match run_into(scenario, &mut nodes, &mut resumed).await {
            Ok(windows) => {
                nodes.end().await?;
                return Ok(windows);
            }
            Err(lost @ EngineError::Lost { .. }) if attempt < MAX_RECOVERIES => lost,
            Err(error) => return Err(error),
        };
        attempt += 1;
        resumed.skip = resumed.skip.max(resumed.seen);
        tracing::warn!(
            "{lost}; waiting up to {} for it to answer again, then replaying the run (attempt {})",
            crate::units::fmt_ms(timeout.as_millis() as i64),
            attempt + 1
        );
        let deadline = tokio::time::Instant::now() + timeout;
        nodes = loop {
            // The operator may have moved the lost node: its file says where now.
            if let Some(file) = addresses {
                match read_addresses(file).and_then(|moved| {
                    check_addresses(scenario.countries.keys(), &moved, credentials.is_some())
                        .map(|()| moved)
                        .map_err(|e| e.to_string())
                }) {
                    Ok(moved) if moved != urls => {
                        tracing::warn!(file = %file.display(), "the node addresses have changed: using the new ones");
                        urls = moved;
                    }
                    Ok(_) => {}
                    Err(problem) => {
                        tracing::warn!(file = %file.display(), "{problem}; keeping the addresses as they were")
                    }
                }
            }
            let run_id = format!("{run}#{attempt}");
            // Each attempt within what is left of the wait: a stopped node
            // whose listen queue has filled holds every connection attempt.
            let connecting = Nodes::connect_as(scenario.node_configs(seed, 0), &urls, timeout, credentials, run_id);
            match tokio::time::timeout_at(deadline, connecting).await {
                Ok(Ok(nodes)) => break nodes,
                Ok(Err(_)) if tokio::time::Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Ok(Err(_)) | Err(_) => {
                    let waited = crate::units::fmt_ms(timeout.as_millis() as i64);
                    return Err(EngineError::NotBack { lost: Box::new(lost), waited });
                }
            }
        };
        tracing::warn!(attempt = attempt + 1, "every node answers again: replaying the run");
    }
}

/// Nodes already running, as a run reaches them.
struct Remote<'c> {
    urls: BTreeMap<CountryCode, String>,
    timeout: Duration,
    credentials: Option<&'c Credentials>,
    addresses: &'c Option<std::path::PathBuf>,
}

/// Node addresses as `--nodes` gives them: `CC=URL` entries separated by
/// commas or lines; `#` starts a comment.
pub fn parse_addresses(text: &str) -> Result<BTreeMap<CountryCode, String>, String> {
    let mut nodes = BTreeMap::new();
    let entries = text.lines().map(|l| l.split('#').next().unwrap_or_default()).flat_map(|l| l.split(','));
    for entry in entries.map(str::trim).filter(|e| !e.is_empty()) {
        let (code, url) = entry
            .split_once('=')
            .ok_or_else(|| format!("`{entry}` should be CC=URL, like FR=http://127.0.0.1:7002"))?;
        let (code, url) = (code.trim(), url.trim());
        if code.len() != 2 || !code.chars().all(|c| c.is_ascii_uppercase()) {
            return Err(format!("`{code}` in `{entry}` is not a two-letter country code"));
        }
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(format!("`{url}` in `{entry}` should start with http:// or https://"));
        }
        if nodes.insert(CountryCode::from(code.to_owned()), url.to_owned()).is_some() {
            return Err(format!("{code} is given twice"));
        }
    }
    if nodes.is_empty() {
        return Err("give at least one CC=URL".to_owned());
    }
    Ok(nodes)
}

/// Node addresses from a file (`--nodes @FILE`): one `CC=URL` a line.
pub fn read_addresses(path: &std::path::Path) -> Result<BTreeMap<CountryCode, String>, String> {
    const MAX_BYTES: u64 = 1 << 20;
    let metadata = std::fs::metadata(path).map_err(|e| format!("{}: {e}", path.display()))?;
    if !metadata.is_file() || metadata.len() > MAX_BYTES {
        return Err(format!("{}: not a list of node addresses (a regular file of at most 1 MiB)", path.display()));
    }
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    parse_addresses(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// A sink that passes on only the events after the first `skip`: a replayed
/// run emits the same events in the same order, and the sink has those.
struct Resumed<'s, S: EventSink + ?Sized> {
    sink: &'s mut S,
    skip: u64,
    seen: u64,
}

impl<S: EventSink + ?Sized> EventSink for Resumed<'_, S> {
    fn record(&mut self, event: Event) {
        if self.seen >= self.skip {
            self.sink.record(event);
        }
        self.seen += 1;
    }
}

/// A run's name: 128 random bits, as hex.
fn run_id() -> Result<String, String> {
    // 128 bits: a run id is what admits a caller to a plaintext run, so it
    // must not be guessable.
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| format!("no random source for the run's id: {e}"))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

impl Nodes {
    /// The run's id. Over plaintext it is all that admits a caller, so it is
    /// never printed; a test plays the third party who learnt it anyway.
    pub fn run_id(&self) -> &str {
        &self.run_id
    }

    /// Tells every node the run has ended, so that another may use it, and
    /// checks from their ledgers that every message a node queued was sent
    /// to it by a node of this run. Calls the nodes refused changed nothing
    /// and are only reported; a message no node sent fails the run.
    pub async fn end(&mut self) -> Result<(), EngineError> {
        // Closing the window streams first lets each node finish their calls.
        self.streams.clear();
        let mut ended = BTreeMap::new();
        for (country, client) in self.clients.iter_mut() {
            let mut request = tonic::Request::new(pb::EndRequest { run_id: self.run_id.clone() });
            request.set_timeout(self.timeout);
            match client.end(request).await {
                Ok(reply) => {
                    ended.insert(country.to_string(), reply.into_inner());
                }
                Err(status) => {
                    return Err(EngineError::Unaudited { country: *country, reason: status.message().to_owned() });
                }
            }
        }
        match pocnet_node::grpc::ledger::audit(&ended) {
            pocnet_node::grpc::ledger::Audit::Forged { at, from } => Err(EngineError::Forged { at, from }),
            pocnet_node::grpc::ledger::Audit::Clean { refused } => {
                for (country, calls) in refused {
                    tracing::warn!(
                        "node {country} refused {calls} call{} during the run (another run's id, an unidentified caller, a \
                         node not configured): they changed nothing, since every message each node queued was sent to it \
                         by a node of this run",
                        if calls == 1 { "" } else { "s" }
                    );
                }
                Ok(())
            }
        }
    }
}

/// Before a run: every address names a country of the scenario, one node
/// per country, and the scheme matches the run's TLS.
fn check_addresses<'c>(
    countries: impl IntoIterator<Item = &'c CountryCode>,
    urls: &BTreeMap<CountryCode, String>,
    tls: bool,
) -> Result<(), EngineError> {
    let countries: Vec<&CountryCode> = countries.into_iter().collect();
    if let Some(extra) = urls.keys().find(|code| !countries.contains(code)) {
        return Err(EngineError::UnknownNode(*extra));
    }
    check_schemes(urls, tls)?;
    // One node per country: two countries at one address would share a state machine.
    let mut seen: BTreeMap<&str, &CountryCode> = BTreeMap::new();
    for (country, url) in urls {
        if let Some(first) = seen.insert(url.trim_end_matches('/'), country) {
            return Err(EngineError::SharedAddress { url: url.clone(), first: *first, second: *country });
        }
    }
    Ok(())
}

/// Addresses are `https://` exactly when the run has TLS; plaintext beyond
/// loopback is allowed, with a warning, for a network the operator trusts.
fn check_schemes(urls: &BTreeMap<CountryCode, String>, tls: bool) -> Result<(), EngineError> {
    for (country, url) in urls {
        let bad =
            |reason: &str| EngineError::BadAddress { country: *country, url: url.clone(), reason: reason.to_owned() };
        match (url.starts_with("https://"), tls) {
            (true, false) => return Err(bad("https:// needs the coordinator's certificate: add --tls DIR")),
            (false, true) if url.starts_with("http://") => {
                return Err(bad("with --tls every node is reached over TLS: give https://"));
            }
            (false, false) if !is_loopback(url) => {
                tracing::warn!(%country, url, "plaintext gRPC beyond loopback: anyone on the path can read and forge this run's calls (use --tls)");
            }
            _ => {}
        }
    }
    Ok(())
}

/// Whether a URL's host is this machine.
fn is_loopback(url: &str) -> bool {
    let host = url.split("://").nth(1).unwrap_or(url);
    let host = host.split('/').next().unwrap_or(host);
    let host = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(v6),
        None => host.rsplit_once(':').map_or(host, |(h, _)| h),
    };
    host == "localhost" || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// A node's refusal, or its silence past the deadline; or, when the node
/// says so, the failure of the peer it could not deliver to.
fn refused(country: &CountryCode, call: &'static str, status: &tonic::Status, timeout: Duration) -> EngineError {
    use pocnet_node::grpc::service::{PEER_METADATA, PEER_SILENT_METADATA};
    let peer = status.metadata().get(PEER_METADATA).and_then(|v| v.to_str().ok()).map(CountryCode::from);
    if let Some(peer) = peer {
        let silent = status.metadata().get(PEER_SILENT_METADATA).is_some_and(|v| v.as_bytes() == b"silent");
        return if silent {
            EngineError::Stalled {
                country: peer,
                call: "Deliver",
                waited: crate::units::fmt_ms((timeout.as_millis() / 2) as i64),
            }
        } else {
            EngineError::Lost {
                country: peer,
                call: "Deliver",
                reason: format!("{country} could not deliver to it: {}", status.message()),
            }
        };
    }
    let timed_out = matches!(status.code(), tonic::Code::Cancelled | tonic::Code::DeadlineExceeded)
        && status.message().to_ascii_lowercase().contains("timeout");
    // Unreachable mid-run (killed, or a peer it delivers to was), or
    // answering as a node that has lost its configuration (restarted).
    // (A connection reset mid-call comes as "transport error", code Unknown;
    // mid-stream, as an h2 error with no reason, which tonic codes Unknown:
    // "h2 protocol error: error reading a body from connection".)
    let lost = match status.code() {
        tonic::Code::Unavailable => true,
        tonic::Code::Unknown => {
            let message = status.message();
            message.contains("transport error") || message.starts_with("h2 protocol error")
        }
        tonic::Code::FailedPrecondition => status.message().starts_with(NOT_CONFIGURED),
        _ => false,
    };
    if timed_out {
        EngineError::Stalled { country: *country, call, waited: crate::units::fmt_ms(timeout.as_millis() as i64) }
    } else if lost && call != "Configure" {
        EngineError::Lost { country: *country, call, reason: status.message().to_owned() }
    } else {
        EngineError::Refused { country: *country, call, status: status.message().to_owned() }
    }
}

/// How a node that has lost its configuration (restarted) begins its refusals.
const NOT_CONFIGURED: &str = pocnet_node::grpc::service::NOT_CONFIGURED;

/// How long the coordinator waits for a node's answer unless told otherwise.
pub const DEFAULT_CALL_TIMEOUT: Duration = Duration::from_secs(60);

/// Connects, retrying for up to five seconds: a node started a moment ago
/// (`pocnet node ... &` just before `pocnet run --nodes`) may not listen yet.
async fn connect_patiently(endpoint: &Endpoint) -> Result<Channel, tonic::transport::Error> {
    const ATTEMPTS: u32 = 50;
    let mut attempt = 1;
    loop {
        match endpoint.connect().await {
            Ok(channel) => return Ok(channel),
            Err(error) if attempt == ATTEMPTS => return Err(error),
            Err(_) => {
                attempt += 1;
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
        }
    }
}

fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        // Some errors repeat their cause in their own message.
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// Runs one replication in process, as plain synchronous code, from any
/// thread (async or not): no thread, no runtime.
pub fn run_in_process_blocking(scenario: &Scenario, seed: u64, replication: u64) -> Result<RunLog, EngineError> {
    let mut events = Vec::new();
    let windows = run_in_process_into(scenario, seed, replication, &mut events)?;
    Ok(RunLog { seed, events, windows })
}

/// As [`run_in_process_blocking`], streaming the log to `sink`.
///
/// In process nothing crosses a network, so no window is needed: the run is
/// one global agenda. The schedule's earliest node handles everything due at
/// its earliest instant, its messages are queued at their receivers at once
/// (never sooner than the minimum delay after), and the next earliest goes
/// on. Every node handles its inputs in its own agenda's order exactly as
/// under the windows (a message always reaches its receiver before the
/// receiver's clock reaches it), so the log is the same; and because
/// instants are taken in `(time, country)` order and a node records an
/// event at the instant it handles, the events come out in the log's own
/// order, with nothing to hold and sort. The count returned is of instants.
pub fn run_in_process_into<S: EventSink + ?Sized>(
    scenario: &Scenario,
    seed: u64,
    replication: u64,
    sink: &mut S,
) -> Result<u64, EngineError> {
    run_configured_into(scenario, scenario.node_configs(seed, replication), sink)
}

/// As [`run_in_process_into`], the nodes configured by the caller (a study
/// builds the configurations once and gives each replication its number).
pub fn run_configured_into<S: EventSink + ?Sized>(
    scenario: &Scenario,
    configs: Vec<NodeConfig>,
    sink: &mut S,
) -> Result<u64, EngineError> {
    let mut nodes: Vec<NodeRuntime> = configs.into_iter().map(NodeRuntime::new).collect();
    // Looked up for every message, never iterated: hashed, not compared.
    let index: std::collections::HashMap<CountryCode, usize, foldhash::fast::FixedState> =
        nodes.iter().enumerate().map(|(i, n)| (*n.country(), i)).collect();
    let pending = nodes.iter().map(NodeRuntime::next_event_time).collect();
    let mut agenda = Windows::new(pending, scenario.network.min_message_delay_ms);
    let mut instants = 0;
    // One outcome for the whole run, emptied as it is read.
    let mut outcome = pocnet_node::runtime::WindowOutcome::default();
    #[cfg(debug_assertions)]
    let mut last: Option<(SimTime, u64, u64)> = None;
    while let Some((i, at)) = agenda.earliest_instant() {
        // Past the horizon nothing runs: pending input there is a runaway.
        if at.ms() > HORIZON_MS {
            return Err(EngineError::Runaway);
        }
        nodes[i].advance_into(at.plus_ms(1), &mut outcome);
        for event in outcome.events.drain(..) {
            #[cfg(debug_assertions)]
            {
                let key = (event.at, event.country.order_key(), event.sequence);
                assert!(last.is_none_or(|last| last < key), "an event recorded out of log order: {key:?}");
                last = Some(key);
            }
            sink.record(event);
        }
        for envelope in outcome.sent.drain(..) {
            let to = *index.get(&envelope.to).ok_or(EngineError::MissingNode(envelope.to))?;
            agenda.arrives(to, envelope.deliver_at);
            nodes[to].deliver(envelope)?;
        }
        // No person plays a desk in a run: nothing awaits one.
        outcome.awaiting.clear();
        agenda.ran(i, nodes[i].next_event_time());
        instants += 1;
    }
    Ok(instants)
}
