//! The OpenAPI document (generated from the handlers) and Swagger UI, served from vendored
//! assets: nothing is downloaded at build or run time. Mounted only when DOCS_ENABLED is true.

use axum::Router;
use axum::http::{HeaderValue, header};
use serde::Serialize;
use tower_http::set_header::SetResponseHeaderLayer;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};
use utoipa_swagger_ui::SwaggerUi;

use super::ApiContext;

/// Every error response: `{"error":{"code","message","locale"}}`. These types only describe
/// the body for the document; `http::localize` writes it.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct ErrorDetail {
    /// Stable, machine-readable.
    #[schema(example = "invalid_credentials")]
    pub code: ErrorCodeName,
    /// Human-readable, in `locale`.
    pub message: String,
    /// The negotiated locale (also in `Content-Language`).
    pub locale: String,
    /// Present on 5xx responses: quote it to support.
    pub request_id: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum ErrorCodeName {
    BadRequest,
    InvalidBody,
    UnsupportedMediaType,
    PayloadTooLarge,
    NotFound,
    MethodNotAllowed,
    InvalidEmail,
    WeakPassword,
    EmailTaken,
    InvalidCredentials,
    InvalidRefreshToken,
    Unauthorized,
    RateLimited,
    TooManyAttempts,
    RequestTimeout,
    HeadersTooLarge,
    ServiceUnavailable,
    InternalError,
}

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                Http::builder()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(description = "Authentication API. Every error is JSON: see ErrorBody."),
    paths(
        super::auth::register,
        super::auth::login,
        super::auth::refresh,
        super::auth::logout,
        super::auth::logout_all,
        super::users::me,
        super::users::change_password,
        super::health::health,
        super::health::ready,
    ),
    components(schemas(ErrorBody, ErrorDetail, ErrorCodeName)),
    modifiers(&BearerAuth),
    tags((name = "auth"), (name = "users"), (name = "health"))
)]
pub struct ApiDoc;

pub fn router() -> Router<ApiContext> {
    // Swagger UI needs its own scripts, styles and images, still never a frame.
    let csp = HeaderValue::from_static(
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'",
    );
    Router::from(SwaggerUi::new("/docs").url("/openapi.json", ApiDoc::openapi())).layer(
        SetResponseHeaderLayer::overriding(header::CONTENT_SECURITY_POLICY, csp),
    )
}
