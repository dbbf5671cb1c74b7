//! Checklist 28-32: headers on every status, JSON everywhere, CORS, opaque 5xx, injection.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::routing::get;
use common::{PASSWORD, TestApp, TestResponse, assert_error, json_request};
use serde_json::json;

fn assert_security_headers(r: &TestResponse) {
    let status = r.status;
    assert_eq!(
        r.header("x-content-type-options"),
        Some("nosniff"),
        "{status}"
    );
    assert_eq!(r.header("x-frame-options"), Some("DENY"), "{status}");
    assert_eq!(r.header("referrer-policy"), Some("no-referrer"), "{status}");
    let csp = r.header("content-security-policy").unwrap_or_default();
    assert!(csp.contains("frame-ancestors 'none'"), "{status}: {csp}");
    assert!(
        r.header("x-request-id").is_some_and(|id| !id.is_empty()),
        "{status}"
    );
    assert!(
        r.header("server").is_none() && r.header("x-powered-by").is_none(),
        "{status}"
    );
}

/// Responses of every status the API produces.
async fn one_of_each(app: &TestApp) -> Vec<TestResponse> {
    let mut out = vec![
        app.get("/health", None).await,
        app.get("/users/me", None).await,
        app.get("/nowhere", None).await,
        app.send(
            Request::builder()
                .method("DELETE")
                .uri("/auth/login")
                .body(Body::empty())
                .unwrap(),
        )
        .await,
        app.post(
            "/auth/register",
            json!({ "email": "x@example.com", "password": "p".repeat(70_000) }),
        )
        .await,
        app.send(
            Request::builder()
                .method("POST")
                .uri("/auth/login")
                .header("content-type", "text/plain")
                .body(Body::from("hello"))
                .unwrap(),
        )
        .await,
        app.post(
            "/auth/register",
            json!({ "email": "nope", "password": PASSWORD }),
        )
        .await,
        app.get("/panic", None).await,
    ];
    let limited = TestApp::with(&[
        ("AUTH_RATE_LIMIT_BURST", "1"),
        ("AUTH_RATE_LIMIT_REPLENISH_SECS", "60"),
    ])
    .await;
    limited.login("a@example.com", PASSWORD).await;
    out.push(limited.login("a@example.com", PASSWORD).await);
    app.ctx.db.close().await;
    out.push(app.get("/ready", None).await);
    out
}

async fn app_with_panic() -> TestApp {
    let panics = axum::Router::new().route(
        "/panic",
        get(|| async {
            let v: Vec<u8> = Vec::new();
            // An out-of-bounds index: the kind of bug that must not leak its message.
            format!("{}", v[usize::from(v.is_empty())])
        }),
    );
    TestApp::with_routes(&[], panics).await
}

#[tokio::test]
async fn security_headers_are_on_every_status() {
    let app = app_with_panic().await;
    let responses = one_of_each(&app).await;
    let statuses: Vec<u16> = responses.iter().map(|r| r.status.as_u16()).collect();
    assert_eq!(statuses, [200, 401, 404, 405, 413, 415, 422, 500, 429, 503]);
    for r in &responses {
        assert_security_headers(r);
    }
}

#[tokio::test]
async fn every_error_is_json_including_framework_rejections_and_panics() {
    let app = app_with_panic().await;
    let responses = one_of_each(&app).await;
    let codes = [
        "unauthorized",
        "not_found",
        "method_not_allowed",
        "payload_too_large",
        "unsupported_media_type",
        "invalid_email",
        "internal_error",
        "rate_limited",
        "service_unavailable",
    ];
    for (r, code) in responses.iter().skip(1).zip(codes) {
        assert_error(r, r.status, code);
    }
    let panic = &responses[7];
    assert!(!String::from_utf8_lossy(&panic.body).contains("index out of bounds"));

    let fresh = TestApp::new().await;
    let form = Request::builder()
        .method("POST")
        .uri("/auth/login")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from("email=a&password=b"))
        .unwrap();
    assert_error(
        &fresh.send(form).await,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    );
    let malformed = Request::builder()
        .method("POST")
        .uri("/auth/login")
        .header("content-type", "application/json")
        .body(Body::from("{\"email\":"))
        .unwrap();
    assert_error(
        &fresh.send(malformed).await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    );
    let wrong_shape = fresh.post("/auth/login", json!({ "email": 5 })).await;
    assert_error(
        &wrong_shape,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_body",
    );
    let put = Request::builder()
        .method("PUT")
        .uri("/health")
        .body(Body::empty())
        .unwrap();
    assert_error(
        &fresh.send(put).await,
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
    );
}

#[tokio::test]
async fn cors_denies_unknown_origins_by_default() {
    let app = TestApp::new().await;
    let with_origin = |method: &str, origin: &str| {
        Request::builder()
            .method(method)
            .uri("/auth/login")
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .body(Body::empty())
            .unwrap()
    };
    for origin in [
        "https://evil.example",
        "null",
        "https://app.example.com.evil.example",
    ] {
        for method in ["OPTIONS", "POST"] {
            let r = app.send(with_origin(method, origin)).await;
            let allow: Vec<_> = r
                .headers
                .keys()
                .filter(|k| k.as_str().starts_with("access-control-allow"))
                .collect();
            assert!(allow.is_empty(), "{method} from {origin}: {allow:?}");
        }
    }
    let r = app
        .send(with_origin("OPTIONS", "https://app.example.com"))
        .await;
    assert_eq!(
        r.header("access-control-allow-origin"),
        Some("https://app.example.com")
    );
    assert!(r.status.is_success());
    let none = TestApp::with(&[("CORS_ALLOWED_ORIGINS", "")]).await;
    let r = none
        .send(with_origin("OPTIONS", "https://app.example.com"))
        .await;
    assert!(
        r.header("access-control-allow-origin").is_none(),
        "no origins configured: none allowed"
    );
}

#[tokio::test]
async fn cors_lets_allowed_origins_read_retry_after_request_id_and_content_language() {
    let app = TestApp::new().await;
    let from = |origin: Option<&str>| {
        let mut request = Request::builder().method("GET").uri("/users/me");
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        request.body(Body::empty()).unwrap()
    };
    let allowed = app.send(from(Some("https://app.example.com"))).await;
    let exposed = allowed
        .header("access-control-expose-headers")
        .unwrap_or_default()
        .to_ascii_lowercase();
    for name in ["retry-after", "x-request-id", "content-language"] {
        assert!(exposed.contains(name), "{name} not exposed: {exposed}");
    }
    // Other origins learn nothing more than before, and every answer varies on Origin.
    let denied = app.send(from(Some("https://evil.example"))).await;
    assert!(denied.header("access-control-expose-headers").is_none());
    for r in [&allowed, &denied, &app.send(from(None)).await] {
        let vary = r.header("vary").unwrap_or_default().to_ascii_lowercase();
        assert!(vary.contains("origin"), "Vary: {vary}");
    }
}

#[tokio::test]
async fn cors_preflights_are_cached_for_cors_max_age_secs() {
    let preflight = || {
        Request::builder()
            .method("OPTIONS")
            .uri("/auth/login")
            .header("origin", "https://app.example.com")
            .header("access-control-request-method", "POST")
            .body(Body::empty())
            .unwrap()
    };
    let default = TestApp::new().await.send(preflight()).await;
    assert_eq!(default.header("access-control-max-age"), Some("600"));
    let configured = TestApp::with(&[("CORS_MAX_AGE_SECS", "7200")])
        .await
        .send(preflight())
        .await;
    assert_eq!(configured.header("access-control-max-age"), Some("7200"));
    let allowed_headers = configured
        .header("access-control-allow-headers")
        .unwrap_or_default();
    assert!(
        allowed_headers.contains("authorization"),
        "{allowed_headers}"
    );
}

#[tokio::test]
async fn server_errors_are_opaque_with_a_request_id() {
    let app = TestApp::new().await;
    let (_, token) = app.signed_in("down@example.com").await;
    app.ctx.db.close().await;
    let responses = [
        app.login("down@example.com", PASSWORD).await,
        app.register("new@example.com", PASSWORD).await,
        app.refresh(&token).await,
    ];
    for r in responses {
        assert!(
            r.status == StatusCode::SERVICE_UNAVAILABLE
                || r.status == StatusCode::INTERNAL_SERVER_ERROR,
            "{}",
            r.status
        );
        let v = r.json();
        let text = v.to_string().to_lowercase();
        for leak in [
            "sql",
            "pool",
            "select",
            "insert",
            "/src/",
            "panicked",
            "error returned from database",
            "closed",
        ] {
            assert!(!text.contains(leak), "5xx body leaks `{leak}`: {text}");
        }
        let id = v["error"]["request_id"]
            .as_str()
            .expect("request id in the body");
        assert_eq!(Some(id), r.header("x-request-id"));
    }
}

#[tokio::test]
async fn sql_metacharacters_in_json_bodies_are_inert() {
    let app = TestApp::new().await;
    app.register("owner@example.com", PASSWORD).await;
    for payload in [
        "' OR '1'='1",
        "owner@example.com' --",
        "\"; DROP TABLE users; --",
        "owner@example.com'); DELETE FROM refresh_tokens; --",
        "\\' OR 1=1 #",
        "$1",
        "?",
    ] {
        let login = app.login(payload, payload).await;
        assert!(
            !login.status.is_server_error(),
            "{payload}: {}",
            login.status
        );
        assert_ne!(login.status, StatusCode::OK, "{payload}");
        let register = app.register(payload, "a reasonable passphrase").await;
        assert!(
            !register.status.is_server_error(),
            "{payload}: {}",
            register.status
        );
        let refresh = app
            .post("/auth/refresh", json!({ "refresh_token": payload }))
            .await;
        assert_error(&refresh, StatusCode::UNAUTHORIZED, "invalid_refresh_token");
    }
    assert_eq!(
        app.login("owner@example.com", PASSWORD).await.status,
        StatusCode::OK,
        "tables intact"
    );
}

#[tokio::test]
async fn bodies_over_64_kib_are_refused_with_413() {
    let app = TestApp::new().await;
    let r = app
        .send(json_request(
            "POST",
            "/auth/login",
            &json!({ "pad": "z".repeat(65 * 1024) }),
        ))
        .await;
    assert_error(&r, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
}

#[tokio::test]
async fn client_request_ids_are_kept_only_when_short_and_safe() {
    let app = TestApp::new().await;
    let with_ids = |ids: &[&[u8]]| {
        let mut builder = Request::builder().uri("/health");
        for id in ids {
            builder = builder.header(
                "x-request-id",
                axum::http::HeaderValue::from_bytes(id).unwrap(),
            );
        }
        builder.body(Body::empty()).unwrap()
    };
    let good = "req-42_A.b";
    let r = app.send(with_ids(&[good.as_bytes()])).await;
    assert_eq!(r.header("x-request-id"), Some(good));
    let long = "a".repeat(65);
    for bad in [
        b"x\" request_id=forged user_id=admin".as_slice(),
        b"two words",
        long.as_bytes(),
        b"obs-text-\x85-\xe2\x80\xa8",
        b"tab\there",
    ] {
        let r = app.send(with_ids(&[bad])).await;
        let id = r.header("x-request-id").unwrap_or_default().to_string();
        assert_ne!(id.as_bytes(), bad);
        assert!(uuid::Uuid::parse_str(&id).is_ok(), "not a fresh id: {id}");
    }
    // Two ids: neither is believed.
    let r = app.send(with_ids(&[b"first", b"second"])).await;
    assert!(uuid::Uuid::parse_str(r.header("x-request-id").unwrap()).is_ok());
}
