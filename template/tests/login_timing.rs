//! Checklist 8: login failures take the same time whether the email exists or not. In a test
//! binary of its own, so that no other test competes for the CPU while it measures.

mod common;

use std::time::{Duration, Instant};

use axum::http::StatusCode;
use common::{PASSWORD, TestApp};

#[tokio::test]
async fn unknown_email_and_wrong_password_take_the_same_time() {
    let app = TestApp::new().await;
    app.register("timing@example.com", PASSWORD).await;
    let (mut unknown, mut wrong) = (Vec::new(), Vec::new());
    for i in 0..150 {
        let start = Instant::now();
        let r = app
            .login(&format!("ghost{i}@example.com"), "wrong wrong wrong")
            .await;
        unknown.push(start.elapsed());
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        let start = Instant::now();
        let r = app.login("timing@example.com", "wrong wrong wrong").await;
        wrong.push(start.elapsed());
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    let median = |v: &mut Vec<Duration>| {
        v.sort();
        v[v.len() / 2].as_secs_f64()
    };
    let (u, w) = (median(&mut unknown), median(&mut wrong));
    let diff = (u - w).abs() / u.max(w);
    assert!(
        diff < 0.10,
        "medians differ by {:.1}%: unknown {u:.4}s, wrong {w:.4}s",
        diff * 100.0
    );
}
