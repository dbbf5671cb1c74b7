//! Checklist 7-12 and 35: no account enumeration, per-IP and per-account limits, which
//! concurrency does not widen.

mod common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{PASSWORD, REGISTERED, TestApp, assert_error, json_request};
use serde_json::json;

#[tokio::test]
async fn unknown_email_and_wrong_password_get_the_same_status_and_bytes() {
    let app = TestApp::new().await;
    app.register("known@example.com", PASSWORD).await;
    let unknown = app.login("nobody@example.com", PASSWORD).await;
    let wrong = app
        .login("known@example.com", "not the right password")
        .await;
    let malformed = app.login("not-an-email", "whatever whatever").await;
    assert_error(&unknown, StatusCode::UNAUTHORIZED, "invalid_credentials");
    assert_eq!(unknown.status, wrong.status);
    assert_eq!(unknown.body, wrong.body);
    assert_eq!(malformed.body, wrong.body);
}

async fn exhaust(
    app: &TestApp,
    path: &str,
    body: serde_json::Value,
    peer: SocketAddr,
    burst: usize,
) {
    for i in 0..burst {
        let r = app.send_from(peer, json_request("POST", path, &body)).await;
        assert_ne!(
            r.status,
            StatusCode::TOO_MANY_REQUESTS,
            "request {i} of the burst was limited"
        );
        assert!(!r.status.is_server_error(), "request {i}: {}", r.status);
    }
}

async fn assert_limited(app: &TestApp, path: &str, body: &serde_json::Value, peer: SocketAddr) {
    let r = app.send_from(peer, json_request("POST", path, body)).await;
    assert_error(&r, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    let retry: u64 = r
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .unwrap();
    assert!((1..=2).contains(&retry), "Retry-After {retry}");
}

#[tokio::test]
async fn login_is_rate_limited_per_ip_with_retry_after_and_recovers() {
    let app = TestApp::with(&[
        ("AUTH_RATE_LIMIT_BURST", "3"),
        ("AUTH_RATE_LIMIT_REPLENISH_SECS", "1"),
    ])
    .await;
    let body = json!({ "email": "rl@example.com", "password": PASSWORD });
    let peer: SocketAddr = "192.0.2.10:5000".parse().unwrap();
    // The very first request is an ordinary answer, never a 500.
    let first = app
        .send_from(peer, json_request("POST", "/auth/login", &body))
        .await;
    assert_error(&first, StatusCode::UNAUTHORIZED, "invalid_credentials");
    exhaust(&app, "/auth/login", body.clone(), peer, 2).await;
    assert_limited(&app, "/auth/login", &body, peer).await;
    // Another client is not affected.
    let other = app
        .send_from(
            "192.0.2.11:5000".parse().unwrap(),
            json_request("POST", "/auth/login", &body),
        )
        .await;
    assert_eq!(other.status, StatusCode::UNAUTHORIZED);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let again = app
        .send_from(peer, json_request("POST", "/auth/login", &body))
        .await;
    assert_eq!(
        again.status,
        StatusCode::UNAUTHORIZED,
        "access comes back after the refill"
    );
}

#[tokio::test]
async fn register_and_refresh_are_rate_limited_per_ip() {
    let app = TestApp::with(&[
        ("AUTH_RATE_LIMIT_BURST", "2"),
        ("AUTH_RATE_LIMIT_REPLENISH_SECS", "60"),
    ])
    .await;
    let peer: SocketAddr = "192.0.2.20:5000".parse().unwrap();
    let register = json!({ "email": "x@example.com", "password": "short" });
    exhaust(&app, "/auth/register", register.clone(), peer, 2).await;
    assert_limited_long(&app, "/auth/register", &register, peer).await;
    let refresh = json!({ "refresh_token": "A".repeat(43) });
    exhaust(&app, "/auth/refresh", refresh.clone(), peer, 2).await;
    assert_limited_long(&app, "/auth/refresh", &refresh, peer).await;
}

async fn assert_limited_long(
    app: &TestApp,
    path: &str,
    body: &serde_json::Value,
    peer: SocketAddr,
) {
    let r = app.send_from(peer, json_request("POST", path, body)).await;
    assert_error(&r, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    assert!(r.header("retry-after").is_some());
}

#[tokio::test]
async fn spoofed_forwarding_headers_do_not_reset_the_limit() {
    let app = TestApp::with(&[
        ("AUTH_RATE_LIMIT_BURST", "2"),
        ("AUTH_RATE_LIMIT_REPLENISH_SECS", "60"),
    ])
    .await;
    let peer: SocketAddr = "192.0.2.30:5000".parse().unwrap();
    let body = json!({ "email": "spoof@example.com", "password": PASSWORD });
    exhaust(&app, "/auth/login", body.clone(), peer, 2).await;
    for (name, value) in [
        ("x-forwarded-for", "203.0.113.1"),
        ("x-real-ip", "203.0.113.2"),
        ("forwarded", "for=203.0.113.3"),
    ] {
        let request = Request::builder()
            .method("POST")
            .uri("/auth/login")
            .header("content-type", "application/json")
            .header(name, value)
            .body(Body::from(body.to_string()))
            .unwrap();
        let r = app.send_from(peer, request).await;
        assert_eq!(
            r.status,
            StatusCode::TOO_MANY_REQUESTS,
            "{name} reset the limit"
        );
    }
}

#[tokio::test]
async fn forwarded_for_is_believed_only_from_a_trusted_proxy() {
    let app = TestApp::with(&[
        ("AUTH_RATE_LIMIT_BURST", "1"),
        ("AUTH_RATE_LIMIT_REPLENISH_SECS", "60"),
        ("TRUSTED_PROXIES", "10.0.0.0/8"),
    ])
    .await;
    let proxy: SocketAddr = "10.1.1.1:443".parse().unwrap();
    let body = json!({ "email": "proxied@example.com", "password": PASSWORD });
    let via_proxy = |client: &str| {
        Request::builder()
            .method("POST")
            .uri("/auth/login")
            .header("content-type", "application/json")
            .header("x-forwarded-for", client)
            .body(Body::from(body.to_string()))
            .unwrap()
    };
    assert_eq!(
        app.send_from(proxy, via_proxy("203.0.113.7")).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.send_from(proxy, via_proxy("203.0.113.7")).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    // A different client behind the same proxy has its own bucket.
    assert_eq!(
        app.send_from(proxy, via_proxy("203.0.113.8")).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn failed_logins_are_limited_per_account_including_unknown_emails() {
    let app = TestApp::with(&[
        ("LOGIN_FAILURE_LIMIT", "3"),
        ("LOGIN_FAILURE_WINDOW_SECS", "600"),
    ])
    .await;
    app.register("victim@example.com", PASSWORD).await;
    for email in ["victim@example.com", "ghost@example.com"] {
        for _ in 0..3 {
            assert_eq!(
                app.login(email, "guess guess guess").await.status,
                StatusCode::UNAUTHORIZED
            );
        }
    }
    let known = app.login("Victim@Example.com ", PASSWORD).await;
    let unknown = app.login("ghost@example.com", PASSWORD).await;
    assert_error(&known, StatusCode::TOO_MANY_REQUESTS, "too_many_attempts");
    assert_error(&unknown, StatusCode::TOO_MANY_REQUESTS, "too_many_attempts");
    // The limit reveals nothing about which accounts exist: same answer, same wait.
    let wait = |r: &common::TestResponse| r.header("retry-after").unwrap().parse::<i64>().unwrap();
    assert!((wait(&known) - wait(&unknown)).abs() <= 1);
    // Other accounts are unaffected.
    app.register("other@example.com", PASSWORD).await;
    assert_eq!(
        app.login("other@example.com", PASSWORD).await.status,
        StatusCode::OK
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_guesses_at_one_account_are_judged_at_most_the_failure_limit() {
    let app = Arc::new(
        TestApp::with(&[
            ("LOGIN_FAILURE_LIMIT", "3"),
            ("LOGIN_FAILURE_WINDOW_SECS", "600"),
        ])
        .await,
    );
    assert_eq!(
        app.register("target@example.com", PASSWORD).await.status,
        REGISTERED
    );
    let computed_before = app.ctx.hasher.stats().computed;
    // Fifty guesses at once, the right password among the late ones.
    let guesses: Vec<_> = (0..50)
        .map(|i| {
            let app = app.clone();
            tokio::spawn(async move {
                let password = if i >= 40 && i % 3 == 0 {
                    PASSWORD
                } else {
                    "a wrong guess at it"
                };
                app.login("target@example.com", password).await
            })
        })
        .collect();
    let (mut judged, mut refused) = (0, 0);
    for guess in guesses {
        let r = guess.await.unwrap();
        match r.status {
            StatusCode::OK | StatusCode::UNAUTHORIZED => judged += 1,
            _ => {
                assert_error(&r, StatusCode::TOO_MANY_REQUESTS, "too_many_attempts");
                refused += 1;
            }
        }
    }
    assert!((1..=3).contains(&judged), "{judged} guesses were judged");
    assert_eq!(judged + refused, 50);
    let hashed = app.ctx.hasher.stats().computed - computed_before;
    assert!(
        hashed <= 3,
        "{hashed} passwords were hashed for 3 allowed guesses"
    );
}

#[tokio::test]
async fn password_change_is_rate_limited_per_ip_in_a_bucket_of_its_own() {
    let app = TestApp::with(&[
        ("AUTH_RATE_LIMIT_BURST", "2"),
        ("AUTH_RATE_LIMIT_REPLENISH_SECS", "600"),
    ])
    .await;
    let (access, _) = app.signed_in("bucket@example.com").await;
    let peer: SocketAddr = "192.0.2.40:5000".parse().unwrap();
    // The login bucket of this client is spent ...
    let login = json!({ "email": "bucket@example.com", "password": "not it at all" });
    exhaust(&app, "/auth/login", login.clone(), peer, 2).await;
    assert_limited_long(&app, "/auth/login", &login, peer).await;
    // ... its password-change bucket is not, and runs out on its own.
    let change = || {
        Request::builder()
            .method("PUT")
            .uri("/users/me/password")
            .header("content-type", "application/json")
            .header("authorization", format!("Bearer {access}"))
            .body(Body::from(
                json!({ "current_password": "not it at all", "new_password": "a brand new passphrase" })
                    .to_string(),
            ))
            .unwrap()
    };
    for _ in 0..2 {
        assert_error(
            &app.send_from(peer, change()).await,
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
        );
    }
    let r = app.send_from(peer, change()).await;
    assert_error(&r, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    assert!(r.header("retry-after").is_some());
}
