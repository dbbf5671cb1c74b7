//! Extractors whose rejections are our JSON errors: `Json` (415/400/422/413 instead of axum's
//! plain-text ones) and `AuthUser` (a Bearer access token from the Authorization header only,
//! validly signed, unexpired, and of the user's current session epoch: see `sessions`).

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use std::sync::Arc;

use super::ApiContext;
use super::sessions::Account;
use crate::error::Error;
use crate::tokens::Rejection;

pub struct Json<T>(pub T);

impl<S, T> FromRequest<S> for Json<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(Json(value)),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(Error::UnsupportedMediaType),
            Err(JsonRejection::JsonSyntaxError(_)) => Err(Error::BadRequest),
            Err(JsonRejection::JsonDataError(_)) => Err(Error::InvalidBody),
            Err(JsonRejection::BytesRejection(_)) => Err(Error::PayloadTooLarge),
            Err(_) => Err(Error::BadRequest),
        }
    }
}

/// The user of a valid, unrevoked access token.
pub struct AuthUser {
    pub id: String,
    /// The user's cached profile and session epoch.
    pub account: Arc<Account>,
}

impl FromRequestParts<ApiContext> for AuthUser {
    type Rejection = Error;

    async fn from_request_parts(
        parts: &mut Parts,
        ctx: &ApiContext,
    ) -> Result<Self, Self::Rejection> {
        // No credentials at all is not an attack signal (every anonymous probe): no event.
        let value = parts
            .headers
            .get(AUTHORIZATION)
            .ok_or(Error::Unauthorized)?;
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim())
            .ok_or_else(|| rejected(ctx, Rejection::Malformed, None))?;
        let claims = ctx
            .keys
            .verify(token)
            .map_err(|reason| rejected(ctx, reason, None))?;
        match ctx.session(&claims.sub, claims.epoch).await? {
            Ok(account) => Ok(AuthUser {
                id: claims.sub,
                account,
            }),
            Err(reason) => Err(rejected(ctx, reason, Some(&claims.sub))),
        }
    }
}

/// Logs the refusal (the reason kind and, for a validly signed token, the account; never the
/// token) and returns the 401.
fn rejected(ctx: &ApiContext, reason: Rejection, user_id: Option<&str>) -> Error {
    match user_id {
        Some(id) => crate::security_event!(
            WARN,
            "bearer_rejected",
            reason = reason.as_str(),
            account = %ctx.account_refs.of(id)
        ),
        None => crate::security_event!(WARN, "bearer_rejected", reason = reason.as_str()),
    }
    Error::Unauthorized
}
