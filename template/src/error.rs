//! The one error type of the API. Every error becomes JSON
//! `{"error":{"code","message","locale"}}`, localized by `http::localize` from the code and
//! parameters that travel in the response's extensions. 5xx bodies are generic; their cause
//! goes to the log with the request id.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("malformed JSON body")]
    BadRequest,
    #[error("JSON body of the wrong shape")]
    InvalidBody,
    #[error("body is not JSON")]
    UnsupportedMediaType,
    #[error("body too large")]
    PayloadTooLarge,
    #[error("not found")]
    NotFound,
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("invalid email")]
    InvalidEmail,
    #[error("weak password")]
    WeakPassword { min: usize, max: usize },
    #[error("email taken")]
    EmailTaken,
    #[error("invalid credentials")]
    InvalidCredentials,
    #[error("invalid refresh token")]
    InvalidRefreshToken,
    #[error("missing or invalid access token")]
    Unauthorized,
    #[error("rate limited")]
    RateLimited { retry_after: u64 },
    #[error("too many failed login attempts")]
    TooManyAttempts { retry_after: u64 },
    #[error("password hashing overloaded")]
    ServiceBusy { retry_after: u64 },
    #[error("database unavailable: {0}")]
    ServiceUnavailable(String),
    #[error("internal error: {0}")]
    Internal(String),
}

/// What the localizer needs to write the body: the code and the message parameters.
#[derive(Debug, Clone)]
pub struct ErrorCode {
    pub code: &'static str,
    pub params: Vec<(&'static str, String)>,
}

impl Error {
    pub fn status(&self) -> StatusCode {
        match self {
            Error::BadRequest => StatusCode::BAD_REQUEST,
            Error::InvalidBody | Error::InvalidEmail | Error::WeakPassword { .. } => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            Error::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Error::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Error::NotFound => StatusCode::NOT_FOUND,
            Error::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Error::EmailTaken => StatusCode::CONFLICT,
            Error::InvalidCredentials | Error::InvalidRefreshToken | Error::Unauthorized => {
                StatusCode::UNAUTHORIZED
            }
            Error::RateLimited { .. } | Error::TooManyAttempts { .. } => {
                StatusCode::TOO_MANY_REQUESTS
            }
            Error::ServiceUnavailable(_) | Error::ServiceBusy { .. } => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> ErrorCode {
        let (code, params) = match self {
            Error::BadRequest => ("bad_request", vec![]),
            Error::InvalidBody => ("invalid_body", vec![]),
            Error::UnsupportedMediaType => ("unsupported_media_type", vec![]),
            Error::PayloadTooLarge => ("payload_too_large", vec![]),
            Error::NotFound => ("not_found", vec![]),
            Error::MethodNotAllowed => ("method_not_allowed", vec![]),
            Error::InvalidEmail => ("invalid_email", vec![]),
            Error::WeakPassword { min, max } => (
                "weak_password",
                vec![("min", min.to_string()), ("max", max.to_string())],
            ),
            Error::EmailTaken => ("email_taken", vec![]),
            Error::InvalidCredentials => ("invalid_credentials", vec![]),
            Error::InvalidRefreshToken => ("invalid_refresh_token", vec![]),
            Error::Unauthorized => ("unauthorized", vec![]),
            Error::RateLimited { retry_after } => (
                "rate_limited",
                vec![("retry_after", retry_after.to_string())],
            ),
            Error::TooManyAttempts { retry_after } => (
                "too_many_attempts",
                vec![("retry_after", retry_after.to_string())],
            ),
            Error::ServiceBusy { retry_after } => (
                "service_busy",
                vec![("retry_after", retry_after.to_string())],
            ),
            Error::ServiceUnavailable(_) => ("service_unavailable", vec![]),
            Error::Internal(_) => ("internal_error", vec![]),
        };
        ErrorCode { code, params }
    }
}

/// The code for a status the framework produced on its own (404, 405, 408, 413, ...).
pub fn code_for_status(status: StatusCode) -> &'static str {
    match status {
        StatusCode::BAD_REQUEST => "bad_request",
        StatusCode::UNAUTHORIZED => "unauthorized",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::REQUEST_TIMEOUT => "request_timeout",
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::UNPROCESSABLE_ENTITY => "invalid_body",
        StatusCode::TOO_MANY_REQUESTS => "rate_limited",
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => "headers_too_large",
        StatusCode::SERVICE_UNAVAILABLE => "service_unavailable",
        s if s.is_client_error() => "bad_request",
        _ => "internal_error",
    }
}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_) => Error::ServiceUnavailable(e.to_string()),
            other => Error::Internal(other.to_string()),
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() && !matches!(self, Error::ServiceBusy { .. }) {
            // The cause stays in the log (with the request id from the trace span), Debug-escaped:
            // a driver message may quote client text.
            tracing::error!(error = ?self, "request failed");
        }
        let mut response = status.into_response();
        if let Error::RateLimited { retry_after }
        | Error::TooManyAttempts { retry_after }
        | Error::ServiceBusy { retry_after } = &self
            && let Ok(v) = HeaderValue::from_str(&retry_after.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
        response.extensions_mut().insert(self.code());
        response
    }
}
