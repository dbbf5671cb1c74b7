//! The refresh token in an HttpOnly cookie (REFRESH_TOKEN_TRANSPORT=cookie): the cookie's
//! attributes, rotation, logout and reuse detection through it, the CSRF defence of the routes
//! that set or read it, CORS credentials, and body mode left exactly as it was.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{PASSWORD, REGISTERED, TestApp, TestResponse, assert_error};
use serde_json::{Value, json};

const FRONT_END: &str = "https://app.example.com";
const HOST_COOKIE: &str = "__Host-refresh_token";
const TTL: &str = "2592000";

async fn cookie_app() -> TestApp {
    TestApp::with(&[("REFRESH_TOKEN_TRANSPORT", "cookie")]).await
}

/// `POST path` with `headers` and an optional JSON body.
fn post(path: &str, headers: &[(&str, &str)], body: Option<&Value>) -> Request<Body> {
    let mut builder = Request::builder().method("POST").uri(path);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    match body {
        Some(body) => builder
            .header("content-type", "application/json")
            .body(Body::from(body.to_string())),
        None => builder.body(Body::empty()),
    }
    .unwrap()
}

/// What the front end's `fetch(..., { credentials: 'include' })` sends.
const FETCH: &[(&str, &str)] = &[("origin", FRONT_END), ("x-requested-with", "fetch")];

/// `FETCH` plus a `Cookie` header.
fn fetch_with(cookie: &str) -> Vec<(&'static str, String)> {
    vec![
        ("origin", FRONT_END.to_string()),
        ("x-requested-with", "fetch".to_string()),
        ("cookie", cookie.to_string()),
    ]
}

fn borrowed<'a>(headers: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    headers.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

async fn front_end_login(app: &TestApp, email: &str) -> TestResponse {
    let body = json!({ "email": email, "password": PASSWORD });
    app.send(post("/auth/login", FETCH, Some(&body))).await
}

/// Registers `email` and signs in from the front end: (access token, refresh cookie value).
async fn signed_in(app: &TestApp, email: &str) -> (String, String) {
    let r = app.register(email, PASSWORD).await;
    assert_eq!(r.status, REGISTERED, "{}", String::from_utf8_lossy(&r.body));
    session(app, email, HOST_COOKIE).await
}

async fn session(app: &TestApp, email: &str, name: &str) -> (String, String) {
    let r = front_end_login(app, email).await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&r.body)
    );
    let (value, _) = set_cookie(&r, name).expect("login sets the cookie");
    (
        r.json()["access_token"].as_str().unwrap().to_string(),
        value,
    )
}

async fn refresh(app: &TestApp, name: &str, value: &str) -> TestResponse {
    let headers = fetch_with(&format!("{name}={value}"));
    app.send(post("/auth/refresh", &borrowed(&headers), None))
        .await
}

/// The one cookie a response sets, named `name`: its value and its attributes.
fn set_cookie(r: &TestResponse, name: &str) -> Option<(String, Vec<String>)> {
    let all: Vec<&str> = r
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    assert!(all.len() <= 1, "several cookies set: {all:?}");
    let mut parts = all.first()?.split(';').map(str::trim);
    let (n, v) = parts.next()?.split_once('=')?;
    assert_eq!(n, name, "{all:?}");
    Some((v.to_string(), parts.map(str::to_string).collect()))
}

fn sorted(mut attributes: Vec<String>) -> Vec<String> {
    attributes.sort();
    attributes
}

/// The attributes of the secure cookie, sorted, with `max_age`.
fn host_attributes(max_age: &str) -> Vec<String> {
    sorted(vec![
        "HttpOnly".into(),
        "Secure".into(),
        "SameSite=Strict".into(),
        "Path=/".into(),
        format!("Max-Age={max_age}"),
    ])
}

/// Asserts a 401 `invalid_refresh_token` that clears the cookie.
fn assert_refused_and_cleared(r: &TestResponse) {
    assert_error(r, StatusCode::UNAUTHORIZED, "invalid_refresh_token");
    let (value, attributes) = set_cookie(r, HOST_COOKIE).expect("the cookie is cleared");
    assert_eq!(value, "");
    assert_eq!(sorted(attributes), host_attributes("0"));
}

fn is_refresh_token(value: &str) -> bool {
    value.len() == 43
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[tokio::test]
async fn cookie_mode_login_sets_an_httponly_secure_samesite_strict_host_cookie() {
    let app = cookie_app().await;
    app.register("jar@example.com", PASSWORD).await;
    let r = front_end_login(&app, "jar@example.com").await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&r.body)
    );
    let (value, attributes) = set_cookie(&r, HOST_COOKIE).expect("a Set-Cookie");
    assert!(is_refresh_token(&value), "{value}");
    // Host-only (no Domain), for the whole API, for the refresh token's lifetime.
    assert_eq!(sorted(attributes), host_attributes(TTL));
    assert_eq!(r.header("cache-control"), Some("no-store"));
    let body = r.json();
    assert!(body.get("refresh_token").is_none(), "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 900);
    assert!(body["device_token"].is_string(), "{body}");
    let access = body["access_token"].as_str().unwrap();
    assert_eq!(
        app.get("/users/me", Some(access)).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn cookie_mode_refresh_rotates_the_cookie_and_omits_the_token_from_the_body() {
    let app = cookie_app().await;
    let (_, first) = signed_in(&app, "rotate-jar@example.com").await;
    let r = refresh(&app, HOST_COOKIE, &first).await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&r.body)
    );
    let (second, attributes) = set_cookie(&r, HOST_COOKIE).expect("the next cookie");
    assert!(is_refresh_token(&second) && second != first, "{second}");
    assert_eq!(sorted(attributes), host_attributes(TTL));
    assert_eq!(r.header("cache-control"), Some("no-store"));
    let body = r.json();
    assert!(body.get("refresh_token").is_none(), "{body}");
    assert!(body.get("device_token").is_none(), "{body}");
    let access = body["access_token"].as_str().unwrap();
    assert_eq!(
        app.get("/users/me", Some(access)).await.status,
        StatusCode::OK
    );
    let r = refresh(&app, HOST_COOKIE, &second).await;
    assert_eq!(r.status, StatusCode::OK);
    // The first cookie was spent by the first refresh.
    assert_refused_and_cleared(&refresh(&app, HOST_COOKIE, &first).await);
}

#[tokio::test]
async fn cookie_mode_ignores_a_refresh_token_in_the_body() {
    let app = cookie_app().await;
    let (_, mine) = signed_in(&app, "body-ignored@example.com").await;
    let (_, other) = session(&app, "body-ignored@example.com", HOST_COOKIE).await;
    let body = json!({ "refresh_token": other });
    // The cookie is spent, the body's token is not looked at.
    let headers = fetch_with(&format!("{HOST_COOKIE}={mine}"));
    let r = app
        .send(post("/auth/refresh", &borrowed(&headers), Some(&body)))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(set_cookie(&r, HOST_COOKIE).is_some());
    // A body alone is no token.
    assert_refused_and_cleared(&app.send(post("/auth/refresh", FETCH, Some(&body))).await);
    // Nor is a logout's body: the other session lives on.
    let r = app.send(post("/auth/logout", FETCH, Some(&body))).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(
        refresh(&app, HOST_COOKIE, &other).await.status,
        StatusCode::OK
    );
}

/// Login, refresh (with a live cookie) and logout (with a live cookie) sent with `headers`
/// (and no others) are each refused with 403 `csrf_rejected`, set no cookie, and spend or
/// revoke nothing.
async fn assert_every_cookie_route_refuses(app: &TestApp, headers: &[(&str, &str)], live: &str) {
    let credentials = json!({ "email": "csrf@example.com", "password": PASSWORD });
    let cookie = format!("{HOST_COOKIE}={live}");
    let mut with_cookie = headers.to_vec();
    with_cookie.push(("cookie", cookie.as_str()));
    for request in [
        post("/auth/login", headers, Some(&credentials)),
        post("/auth/refresh", &with_cookie, None),
        post("/auth/logout", &with_cookie, None),
    ] {
        let path = request.uri().path().to_string();
        let r = app.send(request).await;
        assert_error(&r, StatusCode::FORBIDDEN, "csrf_rejected");
        assert!(r.header("set-cookie").is_none(), "{path}: {headers:?}");
    }
}

#[tokio::test]
async fn cookie_mode_login_refresh_and_logout_without_an_allowed_origin_are_refused() {
    let app = cookie_app().await;
    let (_, live) = signed_in(&app, "csrf@example.com").await;
    let fetch = ("x-requested-with", "fetch");
    assert_every_cookie_route_refuses(&app, &[fetch], &live).await;
    for origin in [
        "https://evil.example",
        "null",
        "https://app.example.com.evil.example",
        "http://app.example.com",
    ] {
        assert_every_cookie_route_refuses(&app, &[("origin", origin), fetch], &live).await;
    }
    // Nothing was spent or revoked: the cookie still refreshes.
    assert_eq!(
        refresh(&app, HOST_COOKIE, &live).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn cookie_mode_login_refresh_and_logout_without_the_custom_header_are_refused() {
    let app = cookie_app().await;
    let (_, live) = signed_in(&app, "csrf@example.com").await;
    let origin = ("origin", FRONT_END);
    // What a cross-site HTML form can send: an Origin, but no custom header.
    assert_every_cookie_route_refuses(&app, &[origin], &live).await;
    for empty in ["", "  "] {
        assert_every_cookie_route_refuses(&app, &[origin, ("x-requested-with", empty)], &live)
            .await;
    }
    assert_eq!(
        refresh(&app, HOST_COOKIE, &live).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn cookie_mode_logout_clears_the_cookie_and_revokes_the_session() {
    let app = cookie_app().await;
    let (_, token) = signed_in(&app, "logout-jar@example.com").await;
    let headers = fetch_with(&format!("{HOST_COOKIE}={token}"));
    let r = app
        .send(post("/auth/logout", &borrowed(&headers), None))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let (value, attributes) = set_cookie(&r, HOST_COOKIE).expect("the cookie is cleared");
    assert_eq!(value, "");
    assert_eq!(sorted(attributes), host_attributes("0"));
    assert_refused_and_cleared(&refresh(&app, HOST_COOKIE, &token).await);
    // Idempotent, with or without the cookie.
    for again in [borrowed(&headers), FETCH.to_vec()] {
        let r = app.send(post("/auth/logout", &again, None)).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT);
        assert_eq!(
            set_cookie(&r, HOST_COOKIE).map(|c| c.0).as_deref(),
            Some("")
        );
    }
}

#[tokio::test]
async fn cookie_mode_reuse_detection_still_revokes_every_session() {
    let app = cookie_app().await;
    let (_, a1) = signed_in(&app, "reuse-jar@example.com").await;
    let (b_access, b1) = session(&app, "reuse-jar@example.com", HOST_COOKIE).await;
    let r = refresh(&app, HOST_COOKIE, &a1).await;
    assert_eq!(r.status, StatusCode::OK);
    let (a2, _) = set_cookie(&r, HOST_COOKIE).unwrap();
    let a2_access = r.json()["access_token"].as_str().unwrap().to_string();
    // a1 is spent: its replay is theft, and ends every session of the user.
    assert_refused_and_cleared(&refresh(&app, HOST_COOKIE, &a1).await);
    assert_refused_and_cleared(&refresh(&app, HOST_COOKIE, &a2).await);
    assert_refused_and_cleared(&refresh(&app, HOST_COOKIE, &b1).await);
    for access in [a2_access, b_access] {
        assert_eq!(
            app.get("/users/me", Some(&access)).await.status,
            StatusCode::UNAUTHORIZED
        );
    }
}

#[tokio::test]
async fn cookie_mode_a_missing_garbled_or_oversized_cookie_is_401_and_cleared() {
    let app = cookie_app().await;
    let (_, live) = signed_in(&app, "garbled@example.com").await;
    let unknown = "A".repeat(43);
    let cookies = [
        format!("{HOST_COOKIE}=garbage"),
        format!("{HOST_COOKIE}={}", "A".repeat(8000)),
        format!("{HOST_COOKIE}=\"{live}\""),
        format!("{HOST_COOKIE}={unknown}"),
        // Two different values: ambiguous, neither is used.
        format!("{HOST_COOKIE}={live}; {HOST_COOKIE}={unknown}"),
        // The unprefixed name is not the secure cookie.
        format!("refresh_token={live}"),
        ";;=;".to_string(),
    ];
    for cookie in &cookies {
        let headers = fetch_with(cookie);
        let r = app
            .send(post("/auth/refresh", &borrowed(&headers), None))
            .await;
        assert_refused_and_cleared(&r);
    }
    let mut binary = Request::builder()
        .method("POST")
        .uri("/auth/refresh")
        .header("origin", FRONT_END)
        .header("x-requested-with", "fetch")
        .body(Body::empty())
        .unwrap();
    let bytes = [format!("{HOST_COOKIE}=").as_bytes(), &[0xfe; 43]].concat();
    binary.headers_mut().insert(
        "cookie",
        axum::http::HeaderValue::from_bytes(&bytes).unwrap(),
    );
    assert_refused_and_cleared(&app.send(binary).await);
    assert_refused_and_cleared(&app.send(post("/auth/refresh", FETCH, None)).await);
    // None of that spent the live cookie.
    assert_eq!(
        refresh(&app, HOST_COOKIE, &live).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn cookie_mode_finds_the_token_among_several_cookies_and_cookie_headers() {
    let app = cookie_app().await;
    let (_, mut token) = signed_in(&app, "crumbs@example.com").await;
    let layouts: [fn(&str) -> Vec<String>; 3] = [
        |t| vec![format!("theme=dark; {HOST_COOKIE}={t}; lang=fr")],
        |t| vec![format!("theme=dark;{HOST_COOKIE}={t}")],
        |t| vec!["theme=dark".to_string(), format!(" {HOST_COOKIE} = {t} ")],
    ];
    for layout in layouts {
        // Each refresh spends the token: every layout gets the latest one.
        let layout = layout(&token);
        let mut request = post("/auth/refresh", FETCH, None);
        for cookie in &layout {
            request
                .headers_mut()
                .append("cookie", cookie.parse().unwrap());
        }
        let r = app.send(request).await;
        assert_eq!(r.status, StatusCode::OK, "{layout:?}");
        token = set_cookie(&r, HOST_COOKIE).unwrap().0;
    }
    assert_eq!(
        refresh(&app, HOST_COOKIE, &token).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn body_mode_never_sets_or_reads_the_cookie() {
    let app = TestApp::new().await;
    let (_, a) = app.signed_in("body@example.com").await;
    let credentials = json!({ "email": "body@example.com", "password": PASSWORD });
    let r = app
        .send(post("/auth/login", FETCH, Some(&credentials)))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.header("set-cookie").is_none());
    let b = r.json()["refresh_token"].as_str().unwrap().to_string();
    let headers = fetch_with(&format!("{HOST_COOKIE}={a}; refresh_token={a}"));
    let with_cookie = borrowed(&headers);
    // Only the body counts: the cookie's token is neither used nor spent.
    let r = app
        .send(post(
            "/auth/refresh",
            &with_cookie,
            Some(&json!({ "refresh_token": b })),
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.header("set-cookie").is_none());
    assert!(r.json()["refresh_token"].is_string());
    for path in ["/auth/refresh", "/auth/logout"] {
        let r = app.send(post(path, &with_cookie, None)).await;
        assert_error(
            &r,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        );
        let r = app.send(post(path, &with_cookie, Some(&json!({})))).await;
        assert_error(&r, StatusCode::UNPROCESSABLE_ENTITY, "invalid_body");
        assert!(r.header("set-cookie").is_none());
    }
    assert_eq!(app.refresh(&a).await.status, StatusCode::OK);
}

#[tokio::test]
async fn credentials_are_allowed_only_for_allowed_origins_in_cookie_mode() {
    let preflight = |origin: &str| {
        Request::builder()
            .method("OPTIONS")
            .uri("/auth/refresh")
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "x-requested-with")
            .body(Body::empty())
            .unwrap()
    };
    let actual = |origin: &str| {
        post(
            "/auth/refresh",
            &[("origin", origin), ("x-requested-with", "fetch")],
            None,
        )
    };
    let cookie = cookie_app().await;
    for r in [
        cookie.send(preflight(FRONT_END)).await,
        cookie.send(actual(FRONT_END)).await,
    ] {
        assert_eq!(r.header("access-control-allow-origin"), Some(FRONT_END));
        assert_eq!(r.header("access-control-allow-credentials"), Some("true"));
    }
    let allowed_headers = cookie
        .send(preflight(FRONT_END))
        .await
        .header("access-control-allow-headers")
        .unwrap_or_default()
        .to_string();
    assert!(
        allowed_headers.contains("x-requested-with"),
        "{allowed_headers}"
    );
    for origin in ["https://evil.example", "null"] {
        for r in [
            cookie.send(preflight(origin)).await,
            cookie.send(actual(origin)).await,
        ] {
            let allow: Vec<_> = r
                .headers
                .keys()
                .filter(|k| k.as_str().starts_with("access-control-allow"))
                .collect();
            assert!(allow.is_empty(), "{origin}: {allow:?}");
        }
    }
    // Body mode sends no cookie, so it allows no credentials, even to allowed origins.
    let body = TestApp::new().await;
    for r in [
        body.send(preflight(FRONT_END)).await,
        body.send(actual(FRONT_END)).await,
    ] {
        assert_eq!(r.header("access-control-allow-origin"), Some(FRONT_END));
        assert!(r.header("access-control-allow-credentials").is_none());
    }
}

#[tokio::test]
async fn without_secure_the_cookie_is_plain_refresh_token_for_loopback_development() {
    let dev = "http://localhost:5173";
    let app = TestApp::with(&[
        ("REFRESH_TOKEN_TRANSPORT", "cookie"),
        ("REFRESH_COOKIE_SECURE", "false"),
        ("CORS_ALLOWED_ORIGINS", dev),
    ])
    .await;
    app.register("dev@example.com", PASSWORD).await;
    let credentials = json!({ "email": "dev@example.com", "password": PASSWORD });
    let from_dev = [("origin", dev), ("x-requested-with", "fetch")];
    let r = app
        .send(post("/auth/login", &from_dev, Some(&credentials)))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let (token, attributes) = set_cookie(&r, "refresh_token").expect("a plain cookie");
    let expected = sorted(vec![
        "HttpOnly".into(),
        "SameSite=Strict".into(),
        "Path=/".into(),
        format!("Max-Age={TTL}"),
    ]);
    assert_eq!(sorted(attributes), expected);
    let cookie = |name: &str| format!("{name}={token}");
    let refresh = |name: &str| {
        let value = cookie(name);
        post(
            "/auth/refresh",
            &[from_dev[0], from_dev[1], ("cookie", value.as_str())],
            None,
        )
    };
    // Only the plain name is read here.
    let r = app.send(refresh(HOST_COOKIE)).await;
    assert_error(&r, StatusCode::UNAUTHORIZED, "invalid_refresh_token");
    assert_eq!(
        app.send(refresh("refresh_token")).await.status,
        StatusCode::OK
    );
}
