//! The consoles' listener: what keeps one careless or hostile client from
//! locking a room out of its exercise. hyper serves each connection with a
//! header-read timeout, which also closes a keep-alive connection left idle
//! (so neither slowloris headers nor silent sockets hold a descriptor for
//! long); the accept loop admits a bounded number of connections per
//! address and in all, and answers the rest with a 503 that says why; tower
//! sheds requests past a bound on those in flight. The streams of server-sent
//! events are capped per token in the server itself.

use axum::Router;
use axum::http::{HeaderValue, Response, header};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;

/// The listener's bounds, from the command line (`pocnet exercise --help`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// Connections open at once, from everyone.
    pub connections: usize,
    /// Connections open at once from one address (a room behind one NAT
    /// shares one).
    pub per_address: usize,
    /// How long a client has to send a request's headers, and how long a
    /// kept-alive connection may sit idle.
    pub header_timeout: Duration,
    /// Live event streams per token: a console in a few tabs.
    pub streams_per_token: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits { connections: 2048, per_address: 256, header_timeout: Duration::from_secs(10), streams_per_token: 8 }
    }
}

/// File descriptors kept back from connections: the journal, the listener,
/// the runtime's own.
const RESERVED_DESCRIPTORS: u64 = 64;

/// Requests handled at once; past it, 503 at once rather than a queue.
const REQUESTS_IN_FLIGHT: usize = 512;

/// Connections being refused at once; past it, one is closed without a
/// word, so that refusing cannot itself use up the descriptors.
const REFUSING_AT_ONCE: usize = 256;

impl Limits {
    /// These limits within what the process may open: the open-file limit
    /// is raised to the system's ceiling where it allows, and connections
    /// are held below what remains. Returns the limits and the descriptor
    /// limit found.
    pub fn within_descriptors(self) -> (Limits, u64) {
        // Where the limit cannot be raised (or read), the usual soft limit.
        let descriptors = rlimit::increase_nofile_limit(u64::MAX).unwrap_or(1024);
        let usable = descriptors.saturating_sub(RESERVED_DESCRIPTORS).max(1);
        let connections = self.connections.min(usize::try_from(usable).unwrap_or(usize::MAX));
        (Limits { connections, per_address: self.per_address.min(connections), ..self }, descriptors)
    }
}

/// Who holds how many connections.
#[derive(Default)]
struct Admissions {
    total: usize,
    by_address: HashMap<IpAddr, usize>,
}

/// A connection counted while it lives.
struct Admitted {
    admissions: Arc<Mutex<Admissions>>,
    address: IpAddr,
}

impl Drop for Admitted {
    fn drop(&mut self) {
        let mut admissions = self.admissions.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        admissions.total -= 1;
        if let Some(count) = admissions.by_address.get_mut(&self.address) {
            *count -= 1;
            if *count == 0 {
                admissions.by_address.remove(&self.address);
            }
        }
    }
}

/// Why a connection was not admitted, as the 503 says it.
fn admit(admissions: &Arc<Mutex<Admissions>>, address: IpAddr, limits: Limits) -> Result<Admitted, String> {
    let mut held = admissions.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if held.total >= limits.connections {
        return Err(format!(
            "the exercise server holds its limit of {} connections; try again in a few seconds",
            limits.connections
        ));
    }
    let from_here = held.by_address.get(&address).copied().unwrap_or(0);
    if from_here >= limits.per_address {
        return Err(format!(
            "{address} holds its limit of {} connections; close some console tabs, or start the server with a \
             higher --max-connections-per-address",
            limits.per_address
        ));
    }
    held.total += 1;
    *held.by_address.entry(address).or_default() += 1;
    Ok(Admitted { admissions: Arc::clone(admissions), address })
}

/// A 503: the consoles' own refusal, and when to try again.
fn unavailable(message: &str) -> Response<axum::body::Body> {
    use axum::response::IntoResponse;
    let refusal = super::live::Refusal { status: 503, field: String::new(), message: message.to_owned() };
    let mut response = refusal.into_response();
    let headers = response.headers_mut();
    headers.insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

/// Serves `app` on `listener` within `limits` until `shutdown`.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use axum::error_handling::HandleErrorLayer;
    use tower::ServiceBuilder;
    let app = app.layer(
        ServiceBuilder::new()
            .layer(HandleErrorLayer::new(|_: axum::BoxError| async {
                unavailable("the exercise server is busy with other requests; try again in a moment")
            }))
            .load_shed()
            .concurrency_limit(REQUESTS_IN_FLIGHT),
    );
    let admissions = Arc::new(Mutex::new(Admissions::default()));
    let refusing = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(limits.header_timeout);
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                // Out of descriptors or a connection reset before it was
                // taken: wait a moment instead of spinning.
                Err(error) => {
                    tracing::warn!(%error, "accepting a console connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => return Ok(()),
        };
        let io = TokioIo::new(stream);
        match admit(&admissions, peer.ip(), limits) {
            Ok(admitted) => {
                let connection = http.serve_connection(io, TowerToHyperService::new(app.clone()));
                tokio::spawn(async move {
                    // A client that goes away or times out ends its connection; nothing to report.
                    let _ = connection.await;
                    drop(admitted);
                });
            }
            Err(_) if refusing.load(std::sync::atomic::Ordering::Relaxed) >= REFUSING_AT_ONCE => drop(io),
            Err(why) => {
                // Refused through hyper too: the client reads a proper 503
                // saying why, and a silent one is still timed out.
                refusing.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let refusing = Arc::clone(&refusing);
                let mut refusal = http.clone();
                refusal.keep_alive(false);
                let service = tower::service_fn(move |_request: hyper::Request<hyper::body::Incoming>| {
                    let response = unavailable(&why);
                    async move { Ok::<_, std::convert::Infallible>(response) }
                });
                tokio::spawn(async move {
                    let _ = refusal.serve_connection(io, TowerToHyperService::new(service)).await;
                    refusing.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
                });
            }
        }
    }
}
