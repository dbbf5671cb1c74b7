//! Checklist 38: memory never grows with attacker-chosen keys. Every map keyed by input has a
//! hard cap and fixed-size keys, and a flood of new keys cannot evict a victim's locked entry.
//! (With Redis, these maps are each replica's fallback: `TestApp::with_local_state` runs them
//! with Redis unreachable.)

mod common;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::http::StatusCode;
use common::{PASSWORD, TestApp, assert_error, json_request};
use serde_json::json;

/// An address of 300 bytes (under the 320-byte input cap), unique per `n`.
fn long_unique_email(n: usize) -> String {
    format!("{n}-{}@example.com", "x".repeat(280))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_failure_map_stays_under_its_cap_and_a_locked_victim_survives_a_flood() {
    let app = Arc::new(
        TestApp::with_local_state(&[
            ("LIMITER_MAX_ENTRIES", "20"),
            ("LOGIN_FAILURE_LIMIT", "3"),
            ("LOGIN_FAILURE_WINDOW_SECS", "600"),
            ("MAX_CONCURRENT_HASHES", "2"),
        ])
        .await,
    );
    app.register("victim@example.com", PASSWORD).await;
    for _ in 0..3 {
        app.login("victim@example.com", "an attacker's guess").await;
    }
    // A hundred failed logins with long unique emails, eight at a time.
    for batch in 0..12 {
        let logins: Vec<_> = (0..8)
            .map(|i| {
                let app = app.clone();
                tokio::spawn(async move {
                    app.login(&long_unique_email(batch * 8 + i), "a wrong guess")
                        .await
                        .status
                })
            })
            .collect();
        for login in logins {
            assert_eq!(login.await.unwrap(), StatusCode::UNAUTHORIZED);
        }
        let tracked = app.ctx.login_failures.len();
        assert!(tracked <= 20, "{tracked} entries tracked with a cap of 20");
    }
    // 4 KiB emails are refused before they are looked up, counted or hashed.
    let before = app.ctx.hasher.stats().computed;
    let huge = format!("{}@example.com", "y".repeat(4096));
    assert_error(
        &app.login(&huge, "a wrong guess").await,
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
    );
    assert_eq!(app.ctx.hasher.stats().computed, before);
    assert!(app.ctx.login_failures.len() <= 20);
    // The victim's lockout survived the flood.
    assert_error(
        &app.login("victim@example.com", PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS,
        "too_many_attempts",
    );
}

#[tokio::test]
async fn a_failure_map_full_of_locked_entries_refuses_new_keys() {
    let app = TestApp::with_local_state(&[
        ("LIMITER_MAX_ENTRIES", "10"),
        ("LOGIN_FAILURE_LIMIT", "1"),
        ("LOGIN_FAILURE_WINDOW_SECS", "600"),
    ])
    .await;
    for n in 0..10 {
        assert_eq!(
            app.login(&format!("locked{n}@example.com"), "a wrong guess")
                .await
                .status,
            StatusCode::UNAUTHORIZED
        );
    }
    // Fail closed: no entry can be forgotten, so a new account is refused, not left unlimited.
    assert_error(
        &app.login("newcomer@example.com", "a wrong guess").await,
        StatusCode::TOO_MANY_REQUESTS,
        "too_many_attempts",
    );
    assert_eq!(app.ctx.login_failures.len(), 10);
}

#[tokio::test]
async fn the_per_ip_limiter_stays_under_its_cap_and_a_limited_client_stays_limited() {
    let app = TestApp::with_local_state(&[
        ("LIMITER_MAX_ENTRIES", "20"),
        ("AUTH_RATE_LIMIT_BURST", "2"),
        ("AUTH_RATE_LIMIT_REPLENISH_SECS", "600"),
    ])
    .await;
    // Weak passwords: refused before hashing, so the flood is cheap to send.
    let body = json!({ "email": "x@example.com", "password": "short" });
    let victim: SocketAddr = "192.0.2.50:5000".parse().unwrap();
    for _ in 0..2 {
        let r = app
            .send_from(victim, json_request("POST", "/auth/register", &body))
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    for n in 0..500u32 {
        let peer = SocketAddr::from(([10, 9, (n / 250) as u8, (n % 250) as u8], 5000));
        let r = app
            .send_from(peer, json_request("POST", "/auth/register", &body))
            .await;
        assert_ne!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(app.ctx.ip_limiter.len() <= 20);
    }
    let r = app
        .send_from(victim, json_request("POST", "/auth/register", &body))
        .await;
    assert_error(&r, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
}

#[tokio::test]
async fn ipv6_clients_share_a_bucket_per_slash_64() {
    let app = TestApp::with(&[
        ("AUTH_RATE_LIMIT_BURST", "2"),
        ("AUTH_RATE_LIMIT_REPLENISH_SECS", "600"),
    ])
    .await;
    let body = json!({ "email": "x@example.com", "password": "short" });
    // Walking the interface identifier of one /64 does not buy fresh buckets.
    for host in ["2001:db8:7:7::1", "2001:db8:7:7::2", "2001:db8:7:7:ffff::3"] {
        let peer = SocketAddr::new(host.parse().unwrap(), 5000);
        let r = app
            .send_from(peer, json_request("POST", "/auth/register", &body))
            .await;
        if host.ends_with("::3") {
            assert_error(&r, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
        } else {
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        }
    }
    let other = SocketAddr::new("2001:db8:7:8::1".parse().unwrap(), 5000);
    let r = app
        .send_from(other, json_request("POST", "/auth/register", &body))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
}
