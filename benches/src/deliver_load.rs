//! A node under peer load, as a `pocnet node` serves it: one node on its own
//! thread with a `current_thread` runtime takes `Deliver` calls at a fixed
//! rate (open loop: each call's latency counts from when it was due, so a
//! stall is not hidden by the calls it delays), against the same load on a
//! bare tonic service on the same kind of runtime (the health check, the
//! smallest call tonic answers).

use pocnet_coordinator::scenario::Scenario;
use pocnet_node::{Body, CountryCode, Envelope, IncidentId, SimTime};
use pocnet_proto as pb;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// What a load did to the server.
pub struct Load {
    /// CPU the server's thread spent per call.
    pub cpu_per_call: Duration,
    /// Latency from when each call was due to its answer.
    pub p50: Duration,
    pub p99: Duration,
}

/// A server on its own thread and `current_thread` runtime, as `pocnet
/// node` runs; its thread's CPU clock can be read from outside.
struct Server {
    url: String,
    /// `/proc/self/task/<tid>/schedstat` of its thread.
    schedstat: Option<String>,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl Server {
    fn start(
        serve: impl FnOnce(tokio::net::TcpListener, tokio::sync::oneshot::Receiver<()>) -> Served + Send + 'static,
    ) -> Server {
        let (ready, address) = std::sync::mpsc::channel();
        let (stop, stopped) = tokio::sync::oneshot::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
            let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).expect("a loopback port");
            let task = std::fs::read_link("/proc/thread-self").ok().map(|p| format!("/proc/{}/schedstat", p.display()));
            let _ = ready.send((listener.local_addr().expect("an address"), task));
            runtime.block_on(serve(listener, stopped));
        });
        let (address, schedstat) = address.recv().expect("the server thread starts");
        Server { url: format!("http://{address}"), schedstat, _stop: stop }
    }

    fn cpu(&self) -> Option<Duration> {
        let text = std::fs::read_to_string(self.schedstat.as_ref()?).ok()?;
        Some(Duration::from_nanos(text.split_whitespace().next()?.parse().ok()?))
    }
}

type Served = std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>;

/// Sends `calls` calls at `per_second`, each made by `call`, and measures the server.
async fn load<F, Fut>(server: &Server, calls: u32, per_second: u32, call: F) -> Option<Load>
where
    F: Fn(u32) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let interval = Duration::from_secs(1) / per_second;
    let before = server.cpu()?;
    let started = Instant::now();
    let mut answers = tokio::task::JoinSet::new();
    for i in 0..calls {
        let due = started + interval * i;
        tokio::time::sleep_until(due.into()).await;
        let reply = call(i);
        answers.spawn(async move {
            reply.await;
            due.elapsed()
        });
    }
    let mut latencies = answers.join_all().await;
    let cpu = server.cpu()?.saturating_sub(before);
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)];
    Some(Load { cpu_per_call: cpu / calls, p50: at(0.5), p99: at(0.99) })
}

/// A configured node taking one-message batches, and a bare health
/// service, each under the same open-loop load. `None` where a thread's
/// CPU clock cannot be read (not Linux).
pub fn node_against_echo(calls: u32, per_second: u32) -> Option<(Load, Load)> {
    let client = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
    let node = Server::start(|listener, stopped| {
        Box::pin(async move {
            let stopped = async {
                let _ = stopped.await;
            };
            let _ = pocnet_node::grpc::serve(listener, pocnet_node::grpc::Node::default(), stopped).await;
        })
    });
    let echo = Server::start(|listener, stopped| {
        Box::pin(async move {
            let (_, health) = tonic_health::server::health_reporter();
            let incoming = tokio_stream::wrappers::TcpListenerStream::new(listener);
            let _ = tonic::transport::Server::builder()
                .add_service(health)
                .serve_with_incoming_shutdown(incoming, async {
                    let _ = stopped.await;
                })
                .await;
        })
    });
    client.block_on(async {
        // FR reported the quickstart's incident; DE acknowledges it, again and again.
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../scenarios/quickstart.toml");
        let scenario = Scenario::load(std::path::Path::new(path)).expect("the quickstart scenario is valid");
        let (fr, de) = (CountryCode::from("FR"), CountryCode::from("DE"));
        let config = scenario.node_configs(scenario.seed, 0).into_iter().find(|c| c.country.code == fr)?;
        let peers = BTreeMap::from([(de, "http://127.0.0.1:9".to_owned())]);
        let mut configuration = pocnet_node::grpc::node_config_to_proto(&config, &peers);
        configuration.run_id = "benchmark".into();
        let channel = tonic::transport::Endpoint::from_shared(node.url.clone()).ok()?.connect().await.ok()?;
        pb::simulation_client::SimulationClient::new(channel.clone()).configure(configuration).await.ok()?;
        let peer = pb::contact_point_client::ContactPointClient::new(channel);
        // Each message a new one: the node drops one it has queued already.
        let sequence = std::sync::atomic::AtomicU32::new(0);
        let deliver = |_| {
            let i = sequence.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let sent_at = SimTime(i64::from(i) * 1_000);
            let envelope = Envelope {
                from: de,
                to: fr,
                sequence: u64::from(i) + 1,
                sent_at,
                deliver_at: sent_at.plus_ms(3_600_000),
                incident: IncidentId::from("phish-1"),
                hop: 0,
                body: Body::Acknowledgement,
            };
            let request = pb::Envelopes {
                run_id: "benchmark".into(),
                envelopes: vec![pocnet_node::grpc::envelope_to_proto(&envelope)],
            };
            let mut peer = peer.clone();
            async move {
                peer.deliver(request).await.expect("the node takes the message");
            }
        };
        let channel = tonic::transport::Endpoint::from_shared(echo.url.clone()).ok()?.connect().await.ok()?;
        let health = tonic_health::pb::health_client::HealthClient::new(channel);
        let check = |_| {
            let mut health = health.clone();
            async move {
                health.check(tonic_health::pb::HealthCheckRequest { service: String::new() }).await.expect("an answer");
            }
        };
        // Warm both connections, then measure each three times, in turn
        // (so that a noisy moment on a shared machine hits both), and keep
        // each one's median run by CPU per call.
        load(&echo, 1_000, per_second, check).await?;
        load(&node, 1_000, per_second, &deliver).await?;
        let (mut echoed, mut delivered) = (Vec::new(), Vec::new());
        for _ in 0..3 {
            echoed.push(load(&echo, calls, per_second, check).await?);
            delivered.push(load(&node, calls, per_second, &deliver).await?);
        }
        Some((median(delivered), median(echoed)))
    })
}

/// The run with the median CPU per call.
fn median(mut loads: Vec<Load>) -> Load {
    loads.sort_by_key(|l| l.cpu_per_call);
    loads.swap_remove(loads.len() / 2)
}
