//! Checklist 44: bearer-token refusals, refresh-token reuse, revocations and logouts are
//! security events: one JSON line each under the `security` target, with the event name, the
//! reason kind and an account reference, and never the token itself.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use axum::http::StatusCode;
use common::TestApp;
use serde_json::{Value, json};

/// Every log line written while `f` runs (this thread only: the tests run on one thread).
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn subscriber(&self) -> impl tracing::Subscriber + Send + Sync {
        let out = self.clone();
        tracing_subscriber::fmt()
            .json()
            .with_max_level(tracing::Level::INFO)
            .with_writer(move || out.clone())
            .finish()
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }

    /// The security events, as their JSON `fields`.
    fn events(&self) -> Vec<Value> {
        self.text()
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|v| v["target"] == "security")
            .map(|v| v["fields"].clone())
            .collect()
    }

    fn named(&self, event: &str) -> Vec<Value> {
        self.events()
            .into_iter()
            .filter(|f| f["event"] == event)
            .collect()
    }
}

#[tokio::test]
async fn bearer_rejections_are_security_events_with_the_reason_and_never_the_token() {
    let app = TestApp::new().await;
    let (access, _) = app.signed_in("events@example.com").await;
    let log = Captured::default();
    let _guard = tracing::subscriber::set_default(log.subscriber());

    let malformed = "not-a-jwt";
    // Another first signature character: a different signature, still well-formed base64.
    let (signed, signature) = access.rsplit_once('.').unwrap();
    let other = if signature.starts_with('A') { "B" } else { "A" };
    let forged = format!("{signed}.{other}{}", &signature[1..]);
    assert_eq!(
        app.get("/users/me", Some(malformed)).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.get("/users/me", Some(&forged)).await.status,
        StatusCode::UNAUTHORIZED
    );
    let r = app.authed("POST", "/auth/logout-all", &access, None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.get("/users/me", Some(&access)).await.status,
        StatusCode::UNAUTHORIZED
    );

    let reasons: Vec<Value> = log
        .named("bearer_rejected")
        .iter()
        .map(|f| f["reason"].clone())
        .collect();
    assert_eq!(
        reasons,
        vec![json!("malformed"), json!("bad_signature"), json!("revoked")]
    );
    let revoked = &log.named("bearer_rejected")[2];
    assert_eq!(
        revoked["account"].as_str().map(str::len),
        Some(16),
        "{revoked}"
    );
    let sessions = log.named("sessions_revoked");
    assert_eq!(sessions.len(), 1);
    assert_eq!(sessions[0]["reason"], "logout_all");
    assert_eq!(sessions[0]["account"], revoked["account"]);
    let text = log.text();
    for secret in [&access, &forged] {
        let signature = secret.rsplit('.').next().unwrap();
        assert!(!text.contains(signature), "a token reached the log");
    }
}

#[tokio::test]
async fn refresh_token_reuse_and_logout_are_security_events() {
    let app = TestApp::new().await;
    let (_, a1) = app.signed_in("reuse-events@example.com").await;
    let (_, b1) = app.session("reuse-events@example.com").await;
    let log = Captured::default();
    let _guard = tracing::subscriber::set_default(log.subscriber());

    assert_eq!(app.refresh(&a1).await.status, StatusCode::OK);
    assert_eq!(app.refresh(&a1).await.status, StatusCode::UNAUTHORIZED);
    let reused = log.named("refresh_token_reused");
    assert_eq!(reused.len(), 1);
    let account = reused[0]["account"].clone();
    assert_eq!(account.as_str().map(str::len), Some(16));
    let sessions = log.named("sessions_revoked");
    assert_eq!(sessions.len(), 1);
    assert_eq!(sessions[0]["reason"], "refresh_token_reused");
    assert_eq!(sessions[0]["account"], account);

    let (_, c1) = app.session("reuse-events@example.com").await;
    let r = app
        .post("/auth/logout", json!({ "refresh_token": c1 }))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let logouts = log.named("logout");
    assert_eq!(logouts.len(), 1);
    assert_eq!(logouts[0]["account"], account);
    let text = log.text();
    for token in [&a1, &b1, &c1] {
        assert!(
            !text.contains(token.as_str()),
            "a refresh token reached the log"
        );
    }
}
