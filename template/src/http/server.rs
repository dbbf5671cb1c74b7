//! The accept loop. `axum::serve` has no header-read timeout, no idle timeout and no connection
//! cap, so a few hundred silent or trickling sockets from one address could hold every file
//! descriptor. This loop serves HTTP/1.1 with hyper directly and adds, per connection:
//!
//! - a header-read timeout (hyper's own: its clock also runs while a kept-alive connection
//!   waits for its next request, so an idle connection lives at most this long too);
//! - a keep-alive idle timeout: a connection with no request in flight for `keepalive_idle` is
//!   closed;
//! - a global cap and a per-client cap on open connections. Past either, the connection is
//!   accepted, answered with a fixed 503 (best effort, never waiting on the client) and closed
//!   at once, so the listener keeps draining its backlog. Peers in `TRUSTED_PROXIES` count only
//!   against the global cap (one proxy carries many clients); an IPv6 client is counted per /64,
//!   the block one subscriber usually holds.
//!
//! An accept error such as EMFILE never ends the loop: it backs off briefly and retries.
//! HTTP/2 is not served (the API sits behind a TLS-terminating proxy that speaks HTTP/1.1 to
//! it), which keeps one set of timeouts to reason about.

use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::time::Instant;
use tower::ServiceExt;

use crate::config::IpNet;

/// How long to wait before accepting again after an error such as EMFILE.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// Request line and headers together; larger ones get hyper's 431 and the connection closes.
pub const MAX_HEADER_BYTES: usize = 16 * 1024;

/// The answer to a connection over a cap. Written without waiting: a client that does not
/// read it only gets the close.
const REFUSED: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\n\
content-type: application/json\r\n\
retry-after: 1\r\n\
connection: close\r\n\
x-content-type-options: nosniff\r\n\
x-frame-options: DENY\r\n\
referrer-policy: no-referrer\r\n\
content-security-policy: default-src 'none'; frame-ancestors 'none'\r\n\
content-length: 94\r\n\
\r\n\
{\"error\":{\"code\":\"too_many_connections\",\"message\":\"Too many open connections.\",\"locale\":\"en\"}}";

/// The connection settings from the configuration.
#[derive(Debug, Clone)]
pub struct Limits {
    pub header_read_timeout: Duration,
    pub keepalive_idle: Duration,
    pub max_connections: usize,
    pub max_connections_per_ip: usize,
    pub trusted_proxies: Vec<IpNet>,
}

/// Serves `app` on `listener` until `shutdown` resolves; then stops accepting (new connections
/// are refused by the kernel once the listener is dropped), asks every connection to finish
/// its current request and waits up to `grace` for them.
pub async fn run(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
    grace: Duration,
) {
    let limits = Arc::new(limits);
    let counts = Arc::new(Counts::default());
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut refusals = RefusalLog::default();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        let (stream, peer) = match accepted {
            Ok(pair) => pair,
            // The peer gave up before we accepted: nothing to do.
            Err(e) if is_per_connection(&e) => continue,
            Err(e) => {
                // EMFILE, ENFILE, ENOBUFS...: wait for descriptors to free up, keep the listener.
                tracing::error!(error = %e, "accept failed; retrying");
                tokio::select! {
                    () = tokio::time::sleep(ACCEPT_BACKOFF) => continue,
                    () = &mut shutdown => break,
                }
            }
        };
        let trusted = limits.trusted_proxies.iter().any(|n| n.contains(peer.ip()));
        let Some(slot) = counts.admit(peer.ip(), trusted, &limits) else {
            let _ = stream.try_write(REFUSED);
            refusals.record();
            continue;
        };
        let app = app.clone();
        let limits = limits.clone();
        let stop = stop_rx.clone();
        tokio::spawn(async move {
            serve_connection(stream, peer, app, &limits, stop).await;
            drop(slot);
        });
    }
    drop(listener);
    drop(stop_rx);
    tracing::info!("shutting down: no new connections, finishing in-flight requests");
    let _ = stop_tx.send(true);
    // Every connection task holds a receiver: all dropped means all connections are closed.
    if tokio::time::timeout(grace, stop_tx.closed()).await.is_err() {
        tracing::warn!(
            grace_secs = grace.as_secs(),
            "grace period over; closing remaining connections"
        );
    }
}

/// Errors that concern one incoming connection, not the listener.
fn is_per_connection(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::*;
    matches!(
        e.kind(),
        ConnectionAborted | ConnectionReset | ConnectionRefused | Interrupted | WouldBlock
    )
}

async fn serve_connection(
    stream: TcpStream,
    peer: SocketAddr,
    app: Router,
    limits: &Limits,
    mut stop: watch::Receiver<bool>,
) {
    let _ = stream.set_nodelay(true);
    let activity = Arc::new(Activity::new());
    let service = {
        let activity = activity.clone();
        hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            // What `into_make_service_with_connect_info` did: the rate limiter and the request
            // span read the peer address from here.
            request.extensions_mut().insert(ConnectInfo(peer));
            let busy = activity.begin();
            let app = app.clone();
            async move {
                let response = app.oneshot(request).await;
                drop(busy);
                response
            }
        })
    };
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .max_header_size(MAX_HEADER_BYTES);
    let conn = http.serve_connection(TokioIo::new(stream), service);
    let mut conn = std::pin::pin!(conn);
    // Each branch asks hyper to close once; hyper then finishes the current exchange, if any.
    let mut closing = false;
    loop {
        let idle_at = activity.idle_deadline(limits.keepalive_idle);
        tokio::select! {
            result = conn.as_mut() => {
                if let Err(e) = result {
                    tracing::debug!(error = %e, "connection closed with an error");
                }
                break;
            }
            _ = stop.changed(), if !closing => {
                closing = true;
                conn.as_mut().graceful_shutdown();
            }
            () = tokio::time::sleep_until(idle_at), if !closing => {
                if activity.idle_for(limits.keepalive_idle) {
                    closing = true;
                    conn.as_mut().graceful_shutdown();
                }
            }
        }
    }
}

/// When a connection last finished a request, and how many it is serving now.
struct Activity {
    started: Instant,
    in_flight: AtomicUsize,
    /// Milliseconds after `started`.
    last: AtomicU64,
}

struct Busy(Arc<Activity>);

impl Activity {
    fn new() -> Self {
        Self {
            started: Instant::now(),
            in_flight: AtomicUsize::new(0),
            last: AtomicU64::new(0),
        }
    }

    fn begin(self: &Arc<Self>) -> Busy {
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        Busy(self.clone())
    }

    fn last(&self) -> Instant {
        self.started + Duration::from_millis(self.last.load(Ordering::SeqCst))
    }

    fn idle_deadline(&self, idle: Duration) -> Instant {
        self.last() + idle
    }

    fn idle_for(&self, idle: Duration) -> bool {
        self.in_flight.load(Ordering::SeqCst) == 0 && self.last().elapsed() >= idle
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        let ms = u64::try_from(self.0.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.0.last.store(ms, Ordering::SeqCst);
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Open connections, in total and per client. The map has one entry per client with an open
/// connection, so it is bounded by the global cap.
#[derive(Default)]
struct Counts {
    inner: Mutex<CountsInner>,
}

#[derive(Default)]
struct CountsInner {
    total: usize,
    per_client: HashMap<IpAddr, usize>,
}

/// One admitted connection; dropping it frees its place.
struct Slot {
    counts: Arc<Counts>,
    client: Option<IpAddr>,
}

impl Counts {
    fn admit(self: &Arc<Self>, ip: IpAddr, trusted: bool, limits: &Limits) -> Option<Slot> {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if inner.total >= limits.max_connections {
            return None;
        }
        let client = (!trusted).then(|| client_key(ip));
        if let Some(key) = client {
            let n = inner.per_client.entry(key).or_insert(0);
            if *n >= limits.max_connections_per_ip {
                return None;
            }
            *n += 1;
        }
        inner.total += 1;
        Some(Slot {
            counts: self.clone(),
            client,
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut inner = self.counts.inner.lock().unwrap_or_else(|p| p.into_inner());
        inner.total = inner.total.saturating_sub(1);
        if let Some(key) = self.client
            && let Some(n) = inner.per_client.get_mut(&key)
        {
            *n = n.saturating_sub(1);
            if *n == 0 {
                inner.per_client.remove(&key);
            }
        }
    }
}

/// IPv4 (also when mapped into IPv6) as is; IPv6 by its /64.
fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6((u128::from(v6) & !u128::from(u64::MAX)).into()),
        },
        v4 => v4,
    }
}

/// Refusals are logged at most once a second, with a count, so a flood cannot flood the log.
#[derive(Default)]
struct RefusalLog {
    since: Option<Instant>,
    count: u64,
}

impl RefusalLog {
    fn record(&mut self) {
        self.count += 1;
        let now = Instant::now();
        if self
            .since
            .is_none_or(|t| now.duration_since(t) >= Duration::from_secs(1))
        {
            crate::security_event!(WARN, "connections_refused", count = self.count);
            self.since = Some(now);
            self.count = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_refusal_body_matches_its_content_length() {
        let text = std::str::from_utf8(REFUSED).unwrap();
        let (_, body) = text.split_once("\r\n\r\n").unwrap();
        assert!(text.contains(&format!("content-length: {}\r\n", body.len())));
        serde_json::from_str::<serde_json::Value>(body).unwrap();
    }

    #[test]
    fn ipv6_clients_are_counted_per_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::2".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(client_key(a), client_key(b));
        assert_ne!(client_key(a), client_key(c));
        let mapped: IpAddr = "::ffff:10.0.0.1".parse().unwrap();
        assert_eq!(client_key(mapped), "10.0.0.1".parse::<IpAddr>().unwrap());
    }
}
