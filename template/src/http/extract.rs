//! Extractors whose rejections are our JSON errors: `Json` (415/400/422/413 instead of axum's
//! plain-text ones) and `AuthUser` (a Bearer access token from the Authorization header only).

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::ApiContext;
use crate::error::Error;

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

/// The user of a valid access token.
pub struct AuthUser {
    pub id: String,
}

impl FromRequestParts<ApiContext> for AuthUser {
    type Rejection = Error;

    async fn from_request_parts(
        parts: &mut Parts,
        ctx: &ApiContext,
    ) -> Result<Self, Self::Rejection> {
        let value = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or(Error::Unauthorized)?;
        let (scheme, token) = value.split_once(' ').ok_or(Error::Unauthorized)?;
        if !scheme.eq_ignore_ascii_case("bearer") {
            return Err(Error::Unauthorized);
        }
        let claims = ctx.keys.verify(token.trim())?;
        Ok(AuthUser { id: claims.sub })
    }
}
