//! What every request carries from the first layer on: its request id (a client's own, when
//! `request_id::is_safe`, else a fresh UUID v4), set on the request for the handlers and on the
//! response for the client; and its log span (method, path, request id, client IP).
//!
//! The span is made lazily. A `tracing` span costs its fields' formatting, a registry entry and
//! an enter and exit per poll whether or not anything is logged, and most requests log nothing:
//! measured on `GET /users/me` at the default `RUST_LOG=info`, an eager span took about a fifth
//! of the server's CPU time. So the layer keeps the request's facts in a task-local
//! (`tokio::task_local!`), and `in_scope` (used by `security_event!` and every log line this
//! crate writes inside a request) makes the span on first use and logs inside it. A line from
//! another crate inside a request (sqlx's slow-query warning, say) carries no request fields;
//! to give your own lines them, log through `in_scope`, or `.instrument(current())` a future.
//!
//! With `RUST_LOG=info,access=debug` each request also logs one line when its response is
//! ready (target `access`: status and milliseconds, inside the request's span).

use std::cell::OnceCell;
use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use axum::http::{HeaderValue, Method, Request, Response, Uri};
use tokio::task::futures::TaskLocalFuture;
use tower::{Layer, Service};
use tracing::Span;

use super::REQUEST_ID;
use super::request_id::{is_safe, log_safe};
use crate::config::IpNet;
use crate::rate_limit::{client_ip, peer_of};

tokio::task_local! {
    static CURRENT: RequestScope;
}

/// One request's facts, and its span once something is logged.
pub struct RequestScope {
    method: Method,
    uri: Uri,
    request_id: HeaderValue,
    client_ip: IpAddr,
    span: OnceCell<Span>,
}

impl RequestScope {
    fn span(&self) -> &Span {
        self.span.get_or_init(|| {
            // The path is client text: escaped, so it cannot break or forge a line. The
            // request id is safe by construction.
            tracing::info_span!(
                "request",
                method = %self.method,
                path = %log_safe(self.uri.path()),
                request_id = self.request_id.to_str().unwrap_or(""),
                client_ip = %self.client_ip,
            )
        })
    }
}

/// Runs `f` inside the current request's span (made now if this is its first log line), or
/// as is outside a request.
pub fn in_scope<R>(f: impl FnOnce() -> R) -> R {
    match CURRENT.try_with(|scope| scope.span().clone()) {
        Ok(span) => span.in_scope(f),
        Err(_) => f(),
    }
}

/// The current request's span, for work that outlives the request but should log under it.
pub fn current() -> Span {
    CURRENT
        .try_with(|scope| scope.span().clone())
        .unwrap_or_else(|_| Span::current())
}

#[derive(Clone)]
pub struct RequestScopeLayer {
    trusted_proxies: Arc<[IpNet]>,
}

impl RequestScopeLayer {
    pub fn new(trusted_proxies: &[IpNet]) -> Self {
        Self {
            trusted_proxies: trusted_proxies.into(),
        }
    }
}

impl<S> Layer<S> for RequestScopeLayer {
    type Service = RequestScoped<S>;

    fn layer(&self, inner: S) -> RequestScoped<S> {
        RequestScoped {
            inner,
            trusted_proxies: self.trusted_proxies.clone(),
        }
    }
}

#[derive(Clone)]
pub struct RequestScoped<S> {
    inner: S,
    trusted_proxies: Arc<[IpNet]>,
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for RequestScoped<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = RequestScopeFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<ReqBody>) -> Self::Future {
        let request_id = kept_or_new_id(&request);
        request.headers_mut().insert(REQUEST_ID, request_id.clone());
        let scope = RequestScope {
            method: request.method().clone(),
            uri: request.uri().clone(),
            request_id: request_id.clone(),
            client_ip: client_ip(
                peer_of(request.extensions()),
                request.headers(),
                &self.trusted_proxies,
            ),
            span: OnceCell::new(),
        };
        RequestScopeFuture {
            inner: CURRENT.scope(scope, self.inner.call(request)),
            request_id: Some(request_id),
            started: tracing::enabled!(target: "access", tracing::Level::DEBUG).then(Instant::now),
        }
    }
}

/// The client's id if it sent exactly one safe `X-Request-Id`, else a fresh one.
fn kept_or_new_id<B>(request: &Request<B>) -> HeaderValue {
    let mut values = request.headers().get_all(REQUEST_ID).iter();
    match (values.next(), values.next()) {
        (Some(value), None) if is_safe(value.as_bytes()) => value.clone(),
        _ => new_id(),
    }
}

/// A random UUID v4, from the thread's ChaCha generator (seeded by the OS) rather than a
/// system call each time: an id only has to be unique, and this one is also unguessable.
fn new_id() -> HeaderValue {
    let bytes: [u8; 16] = rand::random();
    let mut text = [0u8; uuid::fmt::Hyphenated::LENGTH];
    let id = uuid::Builder::from_random_bytes(bytes)
        .into_uuid()
        .hyphenated()
        .encode_lower(&mut text);
    HeaderValue::from_str(id).unwrap_or_else(|_| HeaderValue::from_static("-"))
}

pin_project_lite::pin_project! {
    pub struct RequestScopeFuture<F> {
        #[pin]
        inner: TaskLocalFuture<RequestScope, F>,
        request_id: Option<HeaderValue>,
        // Set when the access log is on.
        started: Option<Instant>,
    }
}

impl<F, ResBody, E> Future for RequestScopeFuture<F>
where
    F: Future<Output = Result<Response<ResBody>, E>>,
{
    type Output = Result<Response<ResBody>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        let mut response = std::task::ready!(this.inner.as_mut().poll(cx))?;
        if let Some(id) = this.request_id.take() {
            response.headers_mut().entry(REQUEST_ID).or_insert(id);
        }
        if let (Some(started), Some(scope)) = (this.started.take(), this.inner.take_value()) {
            scope.span().in_scope(|| {
                tracing::debug!(
                    target: "access",
                    status = response.status().as_u16(),
                    ms = started.elapsed().as_secs_f64() * 1000.0,
                    "request finished"
                );
            });
        }
        Poll::Ready(Ok(response))
    }
}
