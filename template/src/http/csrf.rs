//! CSRF defence of the routes that set or read the refresh cookie (login, refresh, logout),
//! mounted in cookie mode only: a browser attaches the cookie to any same-site request,
//! whoever wrote the page, so each such request must prove it comes from our front end. It
//! needs both an `Origin` listed in CORS_ALLOWED_ORIGINS (browsers set it on every cross-origin
//! request and on same-origin POSTs, and scripts cannot forge it) and an `X-Requested-With`
//! header, which an HTML form cannot send and which makes any cross-origin fetch preflighted,
//! so a page on another origin never gets a request through. Anything else: 403
//! `csrf_rejected`, before the body is read or anything is counted.

use axum::extract::{Request, State};
use axum::http::HeaderMap;
use axum::http::header::ORIGIN;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::ApiContext;
use crate::error::Error;

const X_REQUESTED_WITH: &str = "x-requested-with";

pub async fn guard(State(ctx): State<ApiContext>, request: Request, next: Next) -> Response {
    match check(&ctx.config.cors_allowed_origins, request.headers()) {
        Ok(()) => next.run(request).await,
        Err(reason) => {
            crate::security_event!(WARN, "csrf_rejected", reason);
            Error::CsrfRejected.into_response()
        }
    }
}

/// Why the request is refused, as the security event's `reason`.
fn check(allowed: &[String], headers: &HeaderMap) -> Result<(), &'static str> {
    if !headers.contains_key(ORIGIN) {
        return Err("missing_origin");
    }
    if super::cors::allowed_origin(allowed, headers).is_none() {
        return Err("origin_not_allowed");
    }
    let custom = headers
        .get(X_REQUESTED_WITH)
        .is_some_and(|v| !v.as_bytes().trim_ascii().is_empty());
    if !custom {
        return Err("missing_x_requested_with");
    }
    Ok(())
}
