//! The OpenAPI document (generated from the handlers) and Swagger UI, served from vendored
//! assets: nothing is downloaded at build or run time. Mounted only when DOCS_ENABLED is true.

use std::borrow::Cow;

use axum::Router;
use axum::http::{HeaderValue, header};
use serde::Serialize;
use tower_http::set_header::SetResponseHeaderLayer;
use utoipa::openapi::path::Operation;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
use utoipa::{Modify, OpenApi, PartialSchema, ToSchema};
use utoipa_swagger_ui::SwaggerUi;

use super::ApiContext;
use crate::error::Code;

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
    pub code: Code,
    /// Human-readable, in `locale`.
    pub message: String,
    /// The negotiated locale (also in `Content-Language`).
    pub locale: String,
    /// Present on 5xx responses: quote it to support.
    pub request_id: Option<String>,
}

/// The codes are declared once, in `error.rs` (which knows nothing of the optional docs); the
/// schema lists their wire names, so the document cannot drift from what the API answers.
impl PartialSchema for Code {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(Code::ALL.iter().map(|c| c.as_str())))
            .into()
    }
}

impl ToSchema for Code {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("ErrorCodeName")
    }
}

/// The body of `/health` and `/ready`.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct StatusBody {
    #[schema(example = "ok")]
    pub status: String,
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

/// The errors that any operation of a kind can answer with, added to each operation's
/// responses: the handlers' annotations list only the outcomes of their own logic, and a
/// client (or a schema fuzzer) must find every status it can receive documented.
struct CommonErrors;

impl Modify for CommonErrors {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ];
            for operation in operations.into_iter().flatten() {
                if operation.request_body.is_some() {
                    add_error(operation, "400", "bad_request: the body is not valid JSON");
                    add_error(
                        operation,
                        "413",
                        "payload_too_large: the body is over 64 KiB",
                    );
                    add_error(
                        operation,
                        "415",
                        "unsupported_media_type: the body is not application/json",
                    );
                    add_error(
                        operation,
                        "422",
                        "invalid_body: the JSON lacks a field or has one of the wrong type",
                    );
                }
                if operation.security.is_some() {
                    add_error(
                        operation,
                        "401",
                        "unauthorized: the Bearer token is missing, invalid or expired",
                    );
                }
                add_error(operation, "408", "request_timeout");
                add_error(
                    operation,
                    "500",
                    "internal_error: the cause is logged with request_id, never sent",
                );
            }
        }
    }
}

/// Documents `status` with the error body, unless the handler documents it already.
fn add_error(operation: &mut Operation, status: &str, description: &str) {
    operation
        .responses
        .responses
        .entry(status.to_string())
        .or_insert_with(|| {
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("ErrorBody")))
                        .build(),
                )
                .build()
                .into()
        });
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
    components(schemas(ErrorBody, ErrorDetail, Code, StatusBody)),
    modifiers(&BearerAuth, &CommonErrors),
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
