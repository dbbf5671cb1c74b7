//! CORS, deny by default: only the configured origins get `Access-Control-Allow-*` headers;
//! any other origin (including `null`) gets none, and its preflight is an ordinary 405.
//! Allowed origins may read `Retry-After` (when to try again), `X-Request-Id` (to quote to
//! support) and `Content-Language`; their preflights are cached for CORS_MAX_AGE_SECS. Every
//! response says `Vary: Origin`, since what it carries depends on the request's origin. In
//! cookie mode (REFRESH_TOKEN_TRANSPORT=cookie) allowed origins, and only they, also get
//! `Access-Control-Allow-Credentials: true`, so their scripts may send and receive the refresh
//! cookie; a preflight may always ask for `X-Requested-With` (the cookie routes' CSRF header).
//!
//! A plain tower service (see `localize` for why not `from_fn`).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::http::header::{
    ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS,
    ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_EXPOSE_HEADERS, ACCESS_CONTROL_MAX_AGE,
    ACCESS_CONTROL_REQUEST_METHOD, ORIGIN, VARY,
};
use axum::http::{HeaderMap, HeaderValue, Method, Request, Response, StatusCode};
use tower::{Layer, Service};

/// The response headers a browser script on an allowed origin may read.
const EXPOSED: &str = "retry-after, x-request-id, content-language";
/// What a cross-origin request may use (the preflight's answer).
const METHODS: &str = "GET, POST, PUT, DELETE";
const REQUEST_HEADERS: &str =
    "authorization, content-type, accept-language, x-request-id, x-requested-with";

#[derive(Clone)]
pub struct CorsLayer {
    allowed: Arc<[String]>,
    max_age: HeaderValue,
    credentials: bool,
}

impl CorsLayer {
    /// `credentials`: allowed origins get `Access-Control-Allow-Credentials: true`.
    pub fn new(
        allowed_origins: &[String],
        preflight_max_age: std::time::Duration,
        credentials: bool,
    ) -> Self {
        Self {
            allowed: allowed_origins.into(),
            max_age: HeaderValue::from(preflight_max_age.as_secs()),
            credentials,
        }
    }
}

impl<S> Layer<S> for CorsLayer {
    type Service = Cors<S>;

    fn layer(&self, inner: S) -> Cors<S> {
        Cors {
            inner,
            allowed: self.allowed.clone(),
            max_age: self.max_age.clone(),
            credentials: self.credentials,
        }
    }
}

#[derive(Clone)]
pub struct Cors<S> {
    inner: S,
    allowed: Arc<[String]>,
    max_age: HeaderValue,
    credentials: bool,
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for Cors<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    ResBody: Default,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = CorsFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let origin = allowed_origin(&self.allowed, request.headers());
        let preflight = request.method() == Method::OPTIONS
            && request
                .headers()
                .contains_key(ACCESS_CONTROL_REQUEST_METHOD);
        match origin {
            // Answered here: an allowed origin's preflight never reaches the router.
            Some(origin) if preflight => CorsFuture::Preflight {
                origin: Some(origin),
                max_age: self.max_age.clone(),
                credentials: self.credentials,
            },
            origin => CorsFuture::Inner {
                inner: self.inner.call(request),
                origin,
                credentials: self.credentials,
            },
        }
    }
}

/// The request's `Origin`, when it is one of the allowed ones (compared without case). Also
/// the Origin check of the cookie routes (`csrf`).
pub(super) fn allowed_origin(allowed: &[String], headers: &HeaderMap) -> Option<HeaderValue> {
    let origin = headers.get(ORIGIN)?;
    let text = origin.to_str().ok()?;
    allowed
        .iter()
        .any(|a| a.eq_ignore_ascii_case(text))
        .then(|| origin.clone())
}

pin_project_lite::pin_project! {
    #[project = CorsFutureProj]
    pub enum CorsFuture<F> {
        Inner {
            #[pin]
            inner: F,
            origin: Option<HeaderValue>,
            credentials: bool,
        },
        Preflight {
            origin: Option<HeaderValue>,
            max_age: HeaderValue,
            credentials: bool,
        },
    }
}

impl<F, ResBody, E> Future for CorsFuture<F>
where
    F: Future<Output = Result<Response<ResBody>, E>>,
    ResBody: Default,
{
    type Output = Result<Response<ResBody>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let (mut response, origin, credentials) = match self.project() {
            CorsFutureProj::Inner {
                inner,
                origin,
                credentials,
            } => {
                let mut response = std::task::ready!(inner.poll(cx))?;
                if origin.is_some() {
                    response.headers_mut().insert(
                        ACCESS_CONTROL_EXPOSE_HEADERS,
                        HeaderValue::from_static(EXPOSED),
                    );
                }
                (response, origin.take(), *credentials)
            }
            CorsFutureProj::Preflight {
                origin,
                max_age,
                credentials,
            } => (
                preflight_response(max_age.clone()),
                origin.take(),
                *credentials,
            ),
        };
        let headers = response.headers_mut();
        if let Some(origin) = origin {
            headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin);
            if credentials {
                headers.insert(
                    ACCESS_CONTROL_ALLOW_CREDENTIALS,
                    HeaderValue::from_static("true"),
                );
            }
        }
        // The answer depends on Origin, allowed or not: caches must key on it.
        headers.append(VARY, HeaderValue::from_static("origin"));
        Poll::Ready(Ok(response))
    }
}

fn preflight_response<B: Default>(max_age: HeaderValue) -> Response<B> {
    let mut response = Response::new(B::default());
    *response.status_mut() = StatusCode::NO_CONTENT;
    let h = response.headers_mut();
    h.insert(
        ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static(METHODS),
    );
    h.insert(
        ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static(REQUEST_HEADERS),
    );
    h.insert(ACCESS_CONTROL_MAX_AGE, max_age);
    response
}
