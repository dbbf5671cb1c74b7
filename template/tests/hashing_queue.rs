//! Checklist 35-36: the password-change oracle is limited like login, and no client, account or
//! IP can starve other users' logins through the shared hashing queue; work nobody waits for
//! is not computed.

mod common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{PASSWORD, TestApp, TestResponse, assert_error, json_request};
use serde_json::json;

fn change_password(access: &str, current: &str) -> Request<Body> {
    Request::builder()
        .method("PUT")
        .uri("/users/me/password")
        .header("content-type", "application/json")
        .header("authorization", format!("Bearer {access}"))
        .body(Body::from(
            json!({ "current_password": current, "new_password": "a brand new passphrase" })
                .to_string(),
        ))
        .unwrap()
}

fn peer(n: usize) -> SocketAddr {
    SocketAddr::from(([198, 18, (n / 250) as u8, (n % 250) as u8 + 1], 4000))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_wrong_current_password_guesses_are_limited() {
    let app = Arc::new(
        TestApp::with(&[
            ("LOGIN_FAILURE_LIMIT", "3"),
            ("LOGIN_FAILURE_WINDOW_SECS", "600"),
        ])
        .await,
    );
    let (access, _) = app.signed_in("oracle@example.com").await;
    let computed_before = app.ctx.hasher.stats().computed;
    let guesses: Vec<_> = (0..30)
        .map(|i| {
            let (app, access) = (app.clone(), access.clone());
            tokio::spawn(async move {
                let current = format!("a wrong guess at it {i}");
                app.send(change_password(&access, &current)).await
            })
        })
        .collect();
    let (mut judged, mut refused) = (0, 0);
    for guess in guesses {
        let r = guess.await.unwrap();
        match r.status {
            StatusCode::NO_CONTENT => judged += 1,
            // A right guess revokes the access token: requests that reach the server after it
            // are refused as `unauthorized` before any password is looked at.
            StatusCode::UNAUTHORIZED if r.code() == "unauthorized" => refused += 1,
            StatusCode::UNAUTHORIZED => {
                assert_eq!(r.code(), "invalid_credentials");
                judged += 1;
            }
            _ => {
                assert_error(&r, StatusCode::TOO_MANY_REQUESTS, "too_many_attempts");
                assert!(r.header("retry-after").is_some());
                refused += 1;
            }
        }
    }
    assert!((1..=3).contains(&judged), "{judged} guesses were judged");
    assert_eq!(judged + refused, 30);
    let hashed = app.ctx.hasher.stats().computed - computed_before;
    assert!(hashed <= 3, "{hashed} hashes for 3 allowed guesses");
    // The oracle is closed: now even the right password is not judged.
    let right = app.send(change_password(&access, PASSWORD)).await;
    assert_error(&right, StatusCode::TOO_MANY_REQUESTS, "too_many_attempts");
}

/// The flood's workers, each returning its responses with how long each took.
type Workers = Vec<tokio::task::JoinHandle<Vec<(TestResponse, Duration)>>>;

/// Runs `workers` tasks that send `request(worker)` from `peer(worker)` in a loop until the
/// returned flag is set; each task returns its responses with how long each took.
fn flood(
    app: &Arc<TestApp>,
    workers: usize,
    request: impl Fn(usize) -> (SocketAddr, Request<Body>) + Send + Sync + 'static,
) -> (Arc<AtomicBool>, Workers) {
    let stop = Arc::new(AtomicBool::new(false));
    let request = Arc::new(request);
    let tasks = (0..workers)
        .map(|w| {
            let (app, stop, request) = (app.clone(), stop.clone(), request.clone());
            tokio::spawn(async move {
                let mut seen = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    let (from, req) = request(w);
                    let started = Instant::now();
                    let r = app.send_from(from, req).await;
                    seen.push((r, started.elapsed()));
                    // A refusal completes without waiting on anything: give the other tasks
                    // (the victim's login among them) their turn, as socket I/O would.
                    tokio::task::yield_now().await;
                }
                seen
            })
        })
        .collect();
    (stop, tasks)
}

/// The victim signs in from its own address while the flood runs, then the flood's excess
/// must have been refused fast with Retry-After.
async fn victim_signs_in_during(app: &Arc<TestApp>, stop: Arc<AtomicBool>, tasks: Workers) {
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    let r = app
        .send_from(
            "203.0.113.99:5000".parse().unwrap(),
            json_request(
                "POST",
                "/auth/login",
                &json!({ "email": "victim@example.com", "password": PASSWORD }),
            ),
        )
        .await;
    let took = started.elapsed();
    stop.store(true, Ordering::Relaxed);
    assert_eq!(r.status, StatusCode::OK, "the victim's login failed");
    assert!(
        took < Duration::from_secs(2),
        "the victim's login took {took:?}"
    );
    let mut busy = 0;
    for task in tasks {
        for (r, took) in task.await.unwrap() {
            if r.status == StatusCode::SERVICE_UNAVAILABLE {
                assert_error(&r, StatusCode::SERVICE_UNAVAILABLE, "service_busy");
                assert!(r.header("retry-after").is_some(), "503 without Retry-After");
                assert!(
                    took < Duration::from_millis(1500),
                    "a refusal took {took:?}"
                );
                busy += 1;
            }
        }
    }
    assert!(busy > 0, "the flood's excess was never refused");
}

/// One hashing thread, at most two jobs per IP and per account, a one-second deadline.
const FAIR: &[(&str, &str)] = &[
    ("MAX_CONCURRENT_HASHES", "1"),
    ("MAX_HASH_JOBS_PER_IP", "2"),
    ("MAX_HASH_JOBS_PER_ACCOUNT", "2"),
    ("HASH_QUEUE_TIMEOUT_MS", "1000"),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_change_flood_from_one_account_does_not_starve_another_clients_login() {
    let app = Arc::new(TestApp::with(FAIR).await);
    app.register("victim@example.com", PASSWORD).await;
    let (access, _) = app.signed_in("flooder@example.com").await;
    // Sixty-four workers, each from an address of its own: only the account ties them.
    let (stop, tasks) = flood(&app, 64, move |w| {
        (peer(w), change_password(&access, "a wrong guess at it"))
    });
    victim_signs_in_during(&app, stop, tasks).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_flood_from_one_ip_does_not_starve_another_clients_login() {
    let app = Arc::new(TestApp::with(FAIR).await);
    app.register("victim@example.com", PASSWORD).await;
    // Sixty-four workers on one address, each guessing at an account of its own.
    let (stop, tasks) = flood(&app, 64, |w| {
        let body =
            json!({ "email": format!("target{w}@example.com"), "password": "a wrong guess" });
        (peer(0), json_request("POST", "/auth/login", &body))
    });
    victim_signs_in_during(&app, stop, tasks).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_that_get_no_hashing_slot_in_time_are_refused_fast_and_not_computed() {
    let app = Arc::new(
        TestApp::with(&[
            ("MAX_CONCURRENT_HASHES", "1"),
            ("HASH_QUEUE_TIMEOUT_MS", "150"),
        ])
        .await,
    );
    let before = app.ctx.hasher.stats();
    // Forty logins at once from forty addresses: far more than one thread hashes in 150 ms.
    let logins: Vec<_> = (0..40)
        .map(|i| {
            let app = app.clone();
            tokio::spawn(async move {
                let body = json!({ "email": format!("nobody{i}@example.com"), "password": "a wrong guess" });
                let started = Instant::now();
                let r = app
                    .send_from(peer(i), json_request("POST", "/auth/login", &body))
                    .await;
                (r, started.elapsed())
            })
        })
        .collect();
    let (mut judged, mut busy) = (0u64, 0u64);
    for login in logins {
        let (r, took) = login.await.unwrap();
        if r.status == StatusCode::UNAUTHORIZED {
            judged += 1;
        } else {
            assert_error(&r, StatusCode::SERVICE_UNAVAILABLE, "service_busy");
            assert_eq!(r.header("retry-after"), Some("1"));
            assert!(took < Duration::from_secs(1), "a refusal took {took:?}");
            busy += 1;
        }
    }
    assert!(busy > 0 && judged > 0, "judged {judged}, refused {busy}");
    // Withdrawn jobs are dropped when a thread reaches them, never computed.
    wait_for_idle(&app).await;
    let after = app.ctx.hasher.stats();
    assert_eq!(after.computed - before.computed, judged);
    assert_eq!(after.dropped - before.dropped, busy);
}

/// Waits (at most 10 s) until the hashing threads have taken no job for 300 ms.
async fn wait_for_idle(app: &TestApp) {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut last = app.ctx.hasher.stats();
    while Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let now = app.ctx.hasher.stats();
        if now == last {
            return;
        }
        last = now;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hashing_jobs_of_clients_that_went_away_are_not_computed() {
    let app = Arc::new(TestApp::with(&[("MAX_CONCURRENT_HASHES", "1")]).await);
    let before = app.ctx.hasher.stats();
    // Twenty logins whose clients hang up after 30 ms, long before a single thread is through.
    let logins: Vec<_> = (0..20)
        .map(|i| {
            let app = app.clone();
            tokio::spawn(async move {
                let body =
                    json!({ "email": format!("gone{i}@example.com"), "password": "a wrong guess" });
                let login = app.send_from(peer(i), json_request("POST", "/auth/login", &body));
                tokio::time::timeout(Duration::from_millis(30), login)
                    .await
                    .is_err()
            })
        })
        .collect();
    let mut hung_up = 0;
    for login in logins {
        hung_up += u64::from(login.await.unwrap());
    }
    assert!(hung_up >= 15, "only {hung_up} clients hung up in time");
    wait_for_idle(&app).await;
    let after = app.ctx.hasher.stats();
    let computed = after.computed - before.computed;
    // Only the jobs a thread had already started (one thread: one or two) are computed.
    assert!(
        computed <= 20 - hung_up + 2,
        "{computed} computed for {hung_up} gone"
    );
    // How many were dropped from the queue, rather than never queued (a client may hang up
    // while its account is still being looked up), depends on the database's speed: the
    // property is the bound on computed work above.
}
