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
    #[error("cross-site request refused (Origin or X-Requested-With)")]
    CsrfRejected,
    #[error("email address not verified")]
    EmailNotVerified,
    #[error("invalid, expired or spent account token")]
    InvalidToken,
    #[error("too many failed login attempts")]
    TooManyAttempts { retry_after: u64 },
    #[error("password hashing overloaded")]
    ServiceBusy { retry_after: u64 },
    #[error("database unavailable: {0}")]
    ServiceUnavailable(String),
    #[error("internal error: {0}")]
    Internal(String),
}

/// Declares every code the API answers with, once: the enum, its wire name (also its name in
/// the OpenAPI schema and its key in `locales/*.json`) and the list `Code::ALL` that the docs
/// and the catalogue test walk.
macro_rules! error_codes {
    ($($variant:ident = $name:literal,)+) => {
        /// Stable, machine-readable error codes: `error.code` in every error body.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
        pub enum Code {
            $(#[serde(rename = $name)] $variant,)+
        }

        impl Code {
            pub const ALL: &[Code] = &[$(Code::$variant,)+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $name,)+
                }
            }
        }
    };
}

error_codes! {
    BadRequest = "bad_request",
    InvalidBody = "invalid_body",
    UnsupportedMediaType = "unsupported_media_type",
    PayloadTooLarge = "payload_too_large",
    NotFound = "not_found",
    MethodNotAllowed = "method_not_allowed",
    InvalidEmail = "invalid_email",
    WeakPassword = "weak_password",
    EmailTaken = "email_taken",
    InvalidCredentials = "invalid_credentials",
    InvalidRefreshToken = "invalid_refresh_token",
    Unauthorized = "unauthorized",
    EmailNotVerified = "email_not_verified",
    CsrfRejected = "csrf_rejected",
    InvalidToken = "invalid_token",
    RateLimited = "rate_limited",
    TooManyAttempts = "too_many_attempts",
    ServiceBusy = "service_busy",
    RequestTimeout = "request_timeout",
    HeadersTooLarge = "headers_too_large",
    ServiceUnavailable = "service_unavailable",
    InternalError = "internal_error",
}

/// What the localizer needs to write the body: the code and the message parameters.
#[derive(Debug, Clone)]
pub struct ErrorCode {
    pub code: Code,
    pub params: Vec<(&'static str, String)>,
}

impl Error {
    pub fn status(&self) -> StatusCode {
        match self {
            Error::BadRequest | Error::InvalidToken => StatusCode::BAD_REQUEST,
            Error::EmailNotVerified | Error::CsrfRejected => StatusCode::FORBIDDEN,
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
        let retry = |retry_after: &u64| vec![("retry_after", retry_after.to_string())];
        let (code, params) = match self {
            Error::BadRequest => (Code::BadRequest, vec![]),
            Error::InvalidBody => (Code::InvalidBody, vec![]),
            Error::UnsupportedMediaType => (Code::UnsupportedMediaType, vec![]),
            Error::PayloadTooLarge => (Code::PayloadTooLarge, vec![]),
            Error::NotFound => (Code::NotFound, vec![]),
            Error::MethodNotAllowed => (Code::MethodNotAllowed, vec![]),
            Error::InvalidEmail => (Code::InvalidEmail, vec![]),
            Error::WeakPassword { min, max } => (
                Code::WeakPassword,
                vec![("min", min.to_string()), ("max", max.to_string())],
            ),
            Error::EmailTaken => (Code::EmailTaken, vec![]),
            Error::InvalidCredentials => (Code::InvalidCredentials, vec![]),
            Error::InvalidRefreshToken => (Code::InvalidRefreshToken, vec![]),
            Error::Unauthorized => (Code::Unauthorized, vec![]),
            Error::EmailNotVerified => (Code::EmailNotVerified, vec![]),
            Error::CsrfRejected => (Code::CsrfRejected, vec![]),
            Error::InvalidToken => (Code::InvalidToken, vec![]),
            Error::RateLimited { retry_after } => (Code::RateLimited, retry(retry_after)),
            Error::TooManyAttempts { retry_after } => (Code::TooManyAttempts, retry(retry_after)),
            Error::ServiceBusy { retry_after } => (Code::ServiceBusy, retry(retry_after)),
            Error::ServiceUnavailable(_) => (Code::ServiceUnavailable, vec![]),
            Error::Internal(_) => (Code::InternalError, vec![]),
        };
        ErrorCode { code, params }
    }
}

/// The code for a status the framework produced on its own (404, 405, 408, 413, ...).
pub fn code_for_status(status: StatusCode) -> Code {
    match status {
        StatusCode::BAD_REQUEST => Code::BadRequest,
        StatusCode::UNAUTHORIZED => Code::Unauthorized,
        StatusCode::NOT_FOUND => Code::NotFound,
        StatusCode::METHOD_NOT_ALLOWED => Code::MethodNotAllowed,
        StatusCode::REQUEST_TIMEOUT => Code::RequestTimeout,
        StatusCode::PAYLOAD_TOO_LARGE => Code::PayloadTooLarge,
        StatusCode::UNSUPPORTED_MEDIA_TYPE => Code::UnsupportedMediaType,
        StatusCode::UNPROCESSABLE_ENTITY => Code::InvalidBody,
        StatusCode::TOO_MANY_REQUESTS => Code::RateLimited,
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => Code::HeadersTooLarge,
        StatusCode::SERVICE_UNAVAILABLE => Code::ServiceUnavailable,
        s if s.is_client_error() => Code::BadRequest,
        _ => Code::InternalError,
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
            // The cause stays in the log (with the request id from the request's span),
            // Debug-escaped: a driver message may quote client text.
            crate::http::request_scope::in_scope(|| {
                tracing::error!(error = ?self, "request failed");
            });
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
