//! Turns every error response into the JSON error body, in the request's language: ours
//! (which carry an `ErrorCode`) and the framework's own (404, 405, 408, 413, panics...).
//!
//! A plain tower service rather than `axum::middleware::from_fn`: every request passes
//! through here, and `from_fn` boxes a clone of the inner service and its future per request.
//! Success responses pay one status check; the language is negotiated only for errors.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::{Body, Bytes, HttpBody};
use axum::http::header::{ACCEPT_LANGUAGE, CONTENT_LANGUAGE, CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::{HeaderValue, Request, Response};
use tower::{BoxError, Layer, Service};

use super::REQUEST_ID;
use crate::error::{ErrorCode, code_for_status};
use crate::i18n;

#[derive(Clone)]
pub struct LocalizeLayer {
    default_locale: &'static str,
}

impl LocalizeLayer {
    pub fn new(default_locale: &str) -> Self {
        // Resolved once to a shipped catalogue, so requests never look it up again.
        Self {
            default_locale: i18n::negotiate(None, default_locale),
        }
    }
}

impl<S> Layer<S> for LocalizeLayer {
    type Service = Localize<S>;

    fn layer(&self, inner: S) -> Localize<S> {
        Localize {
            inner,
            default_locale: self.default_locale,
        }
    }
}

#[derive(Clone)]
pub struct Localize<S> {
    inner: S,
    default_locale: &'static str,
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for Localize<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    ResBody: HttpBody<Data = Bytes> + Send + 'static,
    ResBody::Error: Into<BoxError>,
{
    type Response = Response<Body>;
    type Error = S::Error;
    type Future = LocalizeFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        // Header values are shared bytes: cloning them is a reference-count increment.
        let asked = Asked {
            accept_language: request.headers().get(ACCEPT_LANGUAGE).cloned(),
            request_id: request.headers().get(REQUEST_ID).cloned(),
            default_locale: self.default_locale,
        };
        LocalizeFuture {
            inner: self.inner.call(request),
            asked: Some(asked),
        }
    }
}

/// What the request said that an error response needs.
struct Asked {
    accept_language: Option<HeaderValue>,
    request_id: Option<HeaderValue>,
    default_locale: &'static str,
}

pin_project_lite::pin_project! {
    pub struct LocalizeFuture<F> {
        #[pin]
        inner: F,
        asked: Option<Asked>,
    }
}

impl<F, ResBody, E> Future for LocalizeFuture<F>
where
    F: Future<Output = Result<Response<ResBody>, E>>,
    ResBody: HttpBody<Data = Bytes> + Send + 'static,
    ResBody::Error: Into<BoxError>,
{
    type Output = Result<Response<Body>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let response = std::task::ready!(this.inner.poll(cx))?;
        let asked = this
            .asked
            .take()
            .expect("LocalizeFuture polled after completion");
        Poll::Ready(Ok(localized(response, asked)))
    }
}

fn localized<B>(mut response: Response<B>, asked: Asked) -> Response<Body>
where
    B: HttpBody<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    let status = response.status();
    let code = match response.extensions_mut().remove::<ErrorCode>() {
        Some(code) => code,
        None if (status.is_client_error() || status.is_server_error()) && !is_json(&response) => {
            ErrorCode {
                code: code_for_status(status),
                params: vec![],
            }
        }
        None => return response.map(Body::new),
    };
    let locale = i18n::negotiate(
        asked.accept_language.as_ref().and_then(|v| v.to_str().ok()),
        asked.default_locale,
    );
    let message = i18n::message(locale, code.code.as_str(), &code.params);
    let mut error = serde_json::json!({
        "code": code.code.as_str(),
        "message": message,
        "locale": locale,
    });
    if status.is_server_error()
        && let Some(id) = asked.request_id.as_ref().and_then(|v| v.to_str().ok())
    {
        error["request_id"] = serde_json::Value::String(id.to_string());
    }
    let body = serde_json::json!({ "error": error }).to_string();
    let (mut parts, _) = response.into_parts();
    parts.headers.remove(CONTENT_LENGTH);
    parts
        .headers
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    if let Ok(lang) = HeaderValue::from_str(locale) {
        parts.headers.insert(CONTENT_LANGUAGE, lang);
    }
    Response::from_parts(parts, Body::from(body))
}

fn is_json<B>(response: &Response<B>) -> bool {
    response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}
