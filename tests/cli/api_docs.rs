//! The generated API's documentation, checked from outside against a running server: `/docs`
//! rendered by headless Chromium (Debian's `chromium`), and schemathesis (PyPI) fuzzing every
//! operation described by `/openapi.json`. Where a tool is missing the test says so and skips;
//! with STARTER_REQUIRE_TOOLS=1 (as .ci/run sets, after installing both) a missing tool fails.

use std::path::Path;
use std::process::Command;

use crate::generated_api::{CHROMIUM_FLAGS, Server, tool};

/// Every path in the served OpenAPI document.
fn documented_paths(server: &Server) -> Vec<String> {
    let (status, body) = server.request("GET", "/openapi.json", &[], None).unwrap();
    assert_eq!(status, 200, "/openapi.json: {body}");
    let doc: serde_json::Value = serde_json::from_str(&body).expect("/openapi.json is JSON");
    let paths: Vec<String> = doc["paths"]
        .as_object()
        .expect("the document has paths")
        .keys()
        .cloned()
        .collect();
    assert!(paths.len() >= 9, "too few paths documented: {paths:?}");
    paths
}

fn chromium(user_data: &Path) -> Command {
    let mut cmd = Command::new("chromium");
    cmd.args(CHROMIUM_FLAGS)
        .args([
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=20000",
        ])
        .arg(format!("--user-data-dir={}", user_data.display()));
    cmd
}

#[test]
fn swagger_ui_renders_every_operation_in_headless_chromium() {
    if tool("chromium", "apt-get install chromium").is_none() {
        return;
    }
    let server = Server::start(&[]);
    let paths = documented_paths(&server);
    let profile = tempfile::tempdir().unwrap();

    let output = chromium(profile.path())
        .arg("--dump-dom")
        .arg(server.url("/docs/"))
        .output()
        .expect("run chromium");
    let dom = String::from_utf8_lossy(&output.stdout);
    let log = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "chromium failed: {log}");
    // The page's own Content-Security-Policy must let Swagger UI run: a refusal is a failure.
    assert!(
        !log.contains("Content Security Policy"),
        "Swagger UI ran into its CSP:\n{log}"
    );
    assert!(
        dom.contains("swagger-ui"),
        "Swagger UI did not mount:\n{dom:.2000}"
    );
    for path in &paths {
        assert!(
            dom.contains(&format!("data-path=\"{path}\"")),
            "the rendered page lacks the operation {path}:\n{dom:.4000}"
        );
    }
    assert!(dom.contains("ErrorBody"), "the error schema is not shown");

    // A screenshot of the page as rendered, for docs/ (see docs/api-docs.md).
    let shot = Path::new(env!("CARGO_TARGET_TMPDIR")).join("swagger-ui.png");
    let _ = std::fs::remove_file(&shot);
    let output = chromium(profile.path())
        .arg("--window-size=1280,1600")
        .arg(format!("--screenshot={}", shot.display()))
        .arg(server.url("/docs/"))
        .output()
        .expect("run chromium");
    assert!(output.status.success(), "chromium screenshot failed");
    let png = std::fs::read(&shot).expect("the screenshot was written");
    assert!(
        png.starts_with(b"\x89PNG\r\n\x1a\n") && png.len() > 20_000,
        "the screenshot is not a picture of a rendered page ({} bytes)",
        png.len()
    );
    if std::env::var_os("STARTER_UPDATE_SCREENSHOT").is_some() {
        let dest = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/swagger-ui.png");
        std::fs::copy(&shot, dest).unwrap();
    }
}

/// Registers a user and logs in: a Bearer token, so that fuzzing reaches behind the auth check.
fn access_token(server: &Server) -> String {
    let creds = r#"{"email":"fuzz@example.com","password":"schemathesis-7Kq2-probe-pass"}"#;
    let (status, body) = server
        .request("POST", "/auth/register", &[], Some(creds))
        .unwrap();
    // 202: account emails are on in this project.
    assert_eq!(status, 202, "register: {body}");
    let (status, body) = server
        .request("POST", "/auth/login", &[], Some(creds))
        .unwrap();
    assert_eq!(status, 200, "login: {body}");
    let login: serde_json::Value = serde_json::from_str(&body).unwrap();
    login["access_token"].as_str().unwrap().to_string()
}

#[test]
fn schemathesis_finds_no_server_error_and_no_response_outside_the_schema() {
    let Some(schemathesis) = tool("schemathesis", "pip install schemathesis==4.32.5") else {
        return;
    };
    // Limits raised so that the fuzzer reaches the handlers instead of the limiter (whose 429
    // is the documented error body, and is tested in the generated suite).
    let server = Server::start(&[
        ("AUTH_RATE_LIMIT_BURST", "1000000"),
        ("AUTH_RATE_LIMIT_REPLENISH_SECS", "1"),
        ("LOGIN_FAILURE_LIMIT", "1000000"),
        ("ACCESS_TOKEN_TTL_SECS", "3600"),
    ]);
    let token = access_token(&server);
    let reports = tempfile::tempdir().unwrap();
    let junit = reports.path().join("schemathesis.xml");
    let examples =
        std::env::var("STARTER_SCHEMATHESIS_EXAMPLES").unwrap_or_else(|_| "500".to_string());
    let output = Command::new(schemathesis)
        .arg("run")
        .arg(server.url("/openapi.json"))
        .args([
            "--checks",
            "not_a_server_error,status_code_conformance,content_type_conformance,\
             response_headers_conformance,response_schema_conformance",
            "--phases",
            "examples,coverage,fuzzing",
            "--max-examples",
            &examples,
            "--seed",
            "20261128",
            "--workers",
            "2",
            "--request-timeout",
            "30",
            "--suppress-health-check",
            "too_slow",
            "--header",
        ])
        .arg(format!("Authorization: Bearer {token}"))
        .arg("--report-junit-path")
        .arg(&junit)
        .arg("--report")
        .arg("junit")
        .env("NO_COLOR", "1")
        .env("SCHEMATHESIS_TELEMETRY", "false")
        .current_dir(reports.path())
        .output()
        .expect("run schemathesis");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "schemathesis found failures:\n{text}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // Proof that it exercised the API rather than passing on nothing.
    let report = std::fs::read_to_string(&junit).expect("schemathesis wrote its JUnit report");
    let tests = report.matches("<testcase").count();
    assert!(tests >= 9, "only {tests} operations were tested:\n{text}");
    let generated: usize = text
        .lines()
        .find_map(|l| l.trim().split_once(" generated, ")?.0.parse().ok())
        .unwrap_or_else(|| panic!("no count of generated test cases in:\n{text}"));
    assert!(
        generated >= 100 * tests,
        "only {generated} test cases for {tests} operations: fewer than a hundred each"
    );
    eprintln!("{text}");
}
