//! Turns every error response into the JSON error body, in the request's language: ours
//! (which carry an `ErrorCode`) and the framework's own (404, 405, 408, 413, panics...).

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::{ACCEPT_LANGUAGE, CONTENT_LANGUAGE, CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::{HeaderValue, Response};
use axum::middleware::Next;

use crate::error::{ErrorCode, code_for_status};
use crate::i18n;

pub async fn localize(
    State(default_locale): State<String>,
    request: Request,
    next: Next,
) -> Response<Body> {
    let locale = i18n::negotiate(
        request
            .headers()
            .get(ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
        &default_locale,
    );
    // A cheap clone (shared bytes): only error responses read it.
    let request_id = request.headers().get("x-request-id").cloned();
    let mut response = next.run(request).await;
    let status = response.status();
    let code = response.extensions_mut().remove::<ErrorCode>();
    let is_json = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let is_error = status.is_client_error() || status.is_server_error();
    let code = match code {
        Some(code) => code,
        None if is_error && !is_json => ErrorCode {
            code: code_for_status(status),
            params: vec![],
        },
        None => return response,
    };
    let message = i18n::message(locale, code.code, &code.params);
    let mut error = serde_json::json!({
        "code": code.code,
        "message": message,
        "locale": locale,
    });
    if status.is_server_error()
        && let Some(id) = request_id.as_ref().and_then(|v| v.to_str().ok())
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
