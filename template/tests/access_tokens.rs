//! Checklist 13-21: access tokens forged with a JWT library are refused.

mod common;

use axum::http::StatusCode;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::{SECRET, TestApp, assert_error};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

fn b64(v: &Value) -> String {
    URL_SAFE_NO_PAD.encode(v.to_string())
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// Valid claims for `sub`, as the server issues them.
fn claims(app: &TestApp, sub: &str) -> Value {
    let iss = app.ctx.config.jwt_issuer.clone();
    let aud = app.ctx.config.jwt_audience.clone();
    json!({ "sub": sub, "iat": now(), "exp": now() + 600, "iss": iss, "aud": aud, "jti": "t", "epoch": 0 })
}

fn sign(alg: Algorithm, claims: &Value, secret: &[u8]) -> String {
    jsonwebtoken::encode(
        &Header::new(alg),
        claims,
        &EncodingKey::from_secret(secret).unwrap(),
    )
    .unwrap()
}

async fn user(app: &TestApp) -> (String, String) {
    let (access, _) = app.signed_in("jwt@example.com").await;
    let payload = access.split('.').nth(1).unwrap();
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    (access, claims["sub"].as_str().unwrap().to_string())
}

async fn assert_refused(app: &TestApp, token: &str, why: &str) {
    let r = app.get("/users/me", Some(token)).await;
    assert_eq!(
        r.status,
        StatusCode::UNAUTHORIZED,
        "{why}: {}",
        String::from_utf8_lossy(&r.body)
    );
    assert_eq!(r.code(), "unauthorized", "{why}");
}

#[tokio::test]
async fn alg_none_tokens_are_rejected_in_any_casing() {
    let app = TestApp::new().await;
    let (_, sub) = user(&app).await;
    for alg in ["none", "None", "NONE", "nOnE"] {
        let token = format!(
            "{}.{}.",
            b64(&json!({ "alg": alg, "typ": "JWT" })),
            b64(&claims(&app, &sub))
        );
        assert_refused(&app, &token, alg).await;
    }
}

#[tokio::test]
async fn the_algorithm_is_pinned_to_hs256() {
    let app = TestApp::new().await;
    let (access, sub) = user(&app).await;
    assert_eq!(
        app.get("/users/me", Some(&access)).await.status,
        StatusCode::OK
    );
    let c = claims(&app, &sub);
    assert_eq!(
        app.get(
            "/users/me",
            Some(&sign(Algorithm::HS256, &c, SECRET.as_bytes()))
        )
        .await
        .status,
        StatusCode::OK
    );
    for alg in [Algorithm::HS384, Algorithm::HS512] {
        assert_refused(&app, &sign(alg, &c, SECRET.as_bytes()), &format!("{alg:?}")).await;
    }
    // Asymmetric headers over an HMAC signature (the classic key-confusion attack).
    let signature = sign(Algorithm::HS256, &c, SECRET.as_bytes())
        .rsplit('.')
        .next()
        .unwrap()
        .to_string();
    for alg in ["RS256", "ES256", "PS256", "EdDSA"] {
        let token = format!(
            "{}.{}.{signature}",
            b64(&json!({ "alg": alg, "typ": "JWT" })),
            b64(&c)
        );
        assert_refused(&app, &token, alg).await;
    }
}

#[tokio::test]
async fn changed_claims_and_foreign_keys_are_rejected_and_key_headers_ignored() {
    let app = TestApp::new().await;
    let (access, sub) = user(&app).await;
    let parts: Vec<&str> = access.split('.').collect();
    let mut c: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    c["sub"] = json!("00000000-0000-0000-0000-000000000000");
    assert_refused(
        &app,
        &format!("{}.{}.{}", parts[0], b64(&c), parts[2]),
        "changed sub",
    )
    .await;
    let attacker = b"attacker-secret-attacker-secret-attacker";
    assert_refused(
        &app,
        &sign(Algorithm::HS256, &claims(&app, &sub), attacker),
        "foreign key",
    )
    .await;
    for header in [
        json!({ "alg": "HS256", "typ": "JWT", "kid": "../../../../dev/null" }),
        json!({ "alg": "HS256", "typ": "JWT", "jku": "https://evil.example/jwks.json" }),
        json!({ "alg": "HS256", "typ": "JWT", "jwk": { "kty": "oct", "k": URL_SAFE_NO_PAD.encode(attacker) } }),
    ] {
        // Signed with the attacker's key, which the header itself offers: must be ignored.
        let message = format!("{}.{}", b64(&header), b64(&claims(&app, &sub)));
        let key = EncodingKey::from_secret(attacker).unwrap();
        let signature =
            jsonwebtoken::crypto::sign(message.as_bytes(), &key, Algorithm::HS256).unwrap();
        assert_refused(&app, &format!("{message}.{signature}"), &header.to_string()).await;
    }
}

#[tokio::test]
async fn exp_is_required_and_enforced_with_at_most_five_seconds_leeway() {
    let app = TestApp::new().await;
    let (_, sub) = user(&app).await;
    let mut c = claims(&app, &sub);
    c.as_object_mut().unwrap().remove("exp");
    assert_refused(
        &app,
        &sign(Algorithm::HS256, &c, SECRET.as_bytes()),
        "no exp",
    )
    .await;
    for past in [120, 10] {
        let mut c = claims(&app, &sub);
        c["exp"] = json!(now() - past);
        assert_refused(
            &app,
            &sign(Algorithm::HS256, &c, SECRET.as_bytes()),
            &format!("expired {past}s ago"),
        )
        .await;
    }
}

#[tokio::test]
async fn a_token_without_the_session_epoch_claim_is_refused() {
    let app = TestApp::new().await;
    let (_, sub) = user(&app).await;
    let c = claims(&app, &sub);
    assert_eq!(
        app.get(
            "/users/me",
            Some(&sign(Algorithm::HS256, &c, SECRET.as_bytes()))
        )
        .await
        .status,
        StatusCode::OK,
        "the control: the same claims with the epoch"
    );
    let mut without = c.clone();
    without.as_object_mut().unwrap().remove("epoch");
    assert_refused(
        &app,
        &sign(Algorithm::HS256, &without, SECRET.as_bytes()),
        "no epoch",
    )
    .await;
    for epoch in [json!("0"), json!(null), json!(-1), json!(1)] {
        let mut c = c.clone();
        c["epoch"] = epoch.clone();
        assert_refused(
            &app,
            &sign(Algorithm::HS256, &c, SECRET.as_bytes()),
            &format!("epoch {epoch}"),
        )
        .await;
    }
}

#[tokio::test]
async fn claims_of_the_wrong_type_are_rejected() {
    let app = TestApp::new().await;
    let (_, sub) = user(&app).await;
    for (claim, value) in [
        ("exp", json!((now() + 600).to_string())),
        ("nbf", json!(now().to_string())),
        ("iat", json!("yesterday")),
        ("sub", json!(42)),
        ("aud", json!({ "x": 1 })),
    ] {
        let mut c = claims(&app, &sub);
        c[claim] = value;
        assert_refused(&app, &sign(Algorithm::HS256, &c, SECRET.as_bytes()), claim).await;
    }
}

#[tokio::test]
async fn issuer_and_audience_are_issued_and_checked() {
    let app = TestApp::new().await;
    let (access, sub) = user(&app).await;
    let c: Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(access.split('.').nth(1).unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(c["iss"], app.ctx.config.jwt_issuer.as_str());
    assert_eq!(c["aud"], app.ctx.config.jwt_audience.as_str());
    for (claim, value) in [
        ("iss", Some("someone-else")),
        ("aud", Some("another-api")),
        ("iss", None),
        ("aud", None),
    ] {
        let mut c = claims(&app, &sub);
        match value {
            Some(v) => c[claim] = json!(v),
            None => {
                c.as_object_mut().unwrap().remove(claim);
            }
        }
        assert_refused(
            &app,
            &sign(Algorithm::HS256, &c, SECRET.as_bytes()),
            &format!("{claim}={value:?}"),
        )
        .await;
    }
}

#[tokio::test]
async fn token_kinds_never_mix() {
    let app = TestApp::new().await;
    let (access, refresh) = app.signed_in("kinds@example.com").await;
    assert_refused(&app, &refresh, "refresh token as Bearer").await;
    assert_error(
        &app.refresh(&access).await,
        StatusCode::UNAUTHORIZED,
        "invalid_refresh_token",
    );
}

#[tokio::test]
async fn malformed_credentials_get_401_never_500() {
    let app = TestApp::new().await;
    let (access, _) = app.signed_in("malformed@example.com").await;
    let parts: Vec<&str> = access.split('.').collect();
    for token in [
        format!("{}.{}", parts[0], parts[1]),
        format!("{access}.extra"),
        "!!!.@@@.###".to_string(),
        format!("{}.{}.%%%", parts[0], parts[1]),
        "a".repeat(64 * 1024),
        String::new(),
    ] {
        let r = app.get("/users/me", Some(&token)).await;
        assert!(
            r.status == StatusCode::UNAUTHORIZED
                || r.status == StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "{}",
            r.status
        );
    }
    let basic = axum::http::Request::builder()
        .uri("/users/me")
        .header("authorization", "Basic dXNlcjpwYXNz")
        .body(axum::body::Body::empty())
        .unwrap();
    assert_error(
        &app.send(basic).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    );
    let in_query = app
        .get(&format!("/users/me?access_token={access}"), None)
        .await;
    assert_error(&in_query, StatusCode::UNAUTHORIZED, "unauthorized");
}

#[tokio::test]
async fn access_tokens_live_at_most_the_configured_ttl() {
    let app = TestApp::new().await;
    let (access, _) = app.signed_in("ttl@example.com").await;
    let c: Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(access.split('.').nth(1).unwrap())
            .unwrap(),
    )
    .unwrap();
    let lifetime = c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap();
    assert_eq!(lifetime, 900, "15 minutes by default");
    assert!(c["jti"].as_str().is_some_and(|j| !j.is_empty()));
    let short = TestApp::with(&[("ACCESS_TOKEN_TTL_SECS", "60")]).await;
    let r = short.signed_in("ttl@example.com").await;
    let c: Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(r.0.split('.').nth(1).unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap(), 60);
}

#[tokio::test]
async fn only_the_exact_header_and_claims_this_server_issues_are_accepted() {
    let app = TestApp::new().await;
    let (access, sub) = user(&app).await;
    let key = EncodingKey::from_secret(SECRET.as_bytes()).unwrap();
    // Signed with the real secret, so only the header or claims themselves can be refused.
    let signed = |header: &str, claims: &Value| {
        let message = format!("{header}.{}", b64(claims));
        let signature =
            jsonwebtoken::crypto::sign(message.as_bytes(), &key, Algorithm::HS256).unwrap();
        format!("{message}.{signature}")
    };
    let ours = access.split('.').next().unwrap();
    assert_eq!(
        app.get("/users/me", Some(&signed(ours, &claims(&app, &sub))))
            .await
            .status,
        StatusCode::OK
    );
    let issued: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(ours).unwrap()).unwrap();
    assert_eq!(issued, json!({ "alg": "HS256", "typ": "JWT" }));
    for header in [
        // The same fields in another order or spacing, one more field, one fewer.
        r#"{"alg":"HS256","typ":"JWT"}"#,
        r#"{"typ": "JWT", "alg": "HS256"}"#,
        r#"{"typ":"JWT","alg":"HS256","cty":"JWT"}"#,
        r#"{"alg":"HS256"}"#,
    ] {
        if URL_SAFE_NO_PAD.encode(header) == ours {
            continue;
        }
        let token = signed(&URL_SAFE_NO_PAD.encode(header), &claims(&app, &sub));
        assert_refused(&app, &token, header).await;
    }
    let mut extra = claims(&app, &sub);
    extra["admin"] = json!(true);
    assert_refused(&app, &signed(ours, &extra), "an extra claim").await;
    let token = signed(ours, &claims(&app, &sub));
    assert_refused(&app, &format!("{token}.x"), "a fourth segment").await;
    assert_refused(&app, &format!("{token}="), "padding").await;
}
