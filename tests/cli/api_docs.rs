//! The generated API's documentation, checked from outside against a running server: `/docs`
//! rendered by headless Chromium (Debian's `chromium`), and schemathesis (PyPI) fuzzing every
//! operation described by `/openapi.json`. Where a tool is missing the test says so and skips;
//! with STARTER_REQUIRE_TOOLS=1 (as .ci/run sets, after installing both) a missing tool fails.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::common::{shared_target_dir, skip_for_missing_tool, starter};

const PROJECT: &str = "docs-probe";

/// Generates a SQLite project with docs on and builds it once (debug, shared build cache).
fn api_binary() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| {
        let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("api-docs");
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).unwrap();
        let dir = root.join(PROJECT);
        starter()
            .args([
                "new", PROJECT, "--no-git", "--db", "sqlite", "--docs", "--email",
            ])
            .args([
                "--no-cors",
                "--locale",
                "fr",
                "--default-locale",
                "en",
                "-o",
            ])
            .arg(&dir)
            .assert()
            .success();
        let target = shared_target_dir();
        let status = Command::new(env!("CARGO"))
            .args(["build", "--quiet", "--manifest-path"])
            .arg(dir.join("Cargo.toml"))
            .arg("--target-dir")
            .arg(&target)
            .env_remove("RUSTFLAGS")
            .status()
            .expect("run cargo build");
        assert!(status.success(), "the generated project does not build");
        target.join("debug").join(PROJECT)
    })
}

/// A running generated API on a free loopback port, with its own SQLite file; killed on drop.
struct Server {
    child: Child,
    addr: SocketAddr,
    _data: tempfile::TempDir,
}

impl Server {
    fn start(extra_env: &[(&str, &str)]) -> Server {
        let binary = api_binary();
        let data = tempfile::tempdir().unwrap();
        let addr = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .unwrap();
        let db = format!("sqlite://{}?mode=rwc", data.path().join("api.db").display());
        let mut cmd = Command::new(binary);
        cmd.current_dir(data.path())
            .env("DATABASE_URL", db)
            .env(
                "JWT_SECRET",
                "3ccee345294ce583f2d74265472af5385df3e544dda001c715d10b66dbc0ed7f",
            )
            .env("BIND_ADDR", addr.to_string())
            .env("DOCS_ENABLED", "true")
            .env("MIGRATE_ON_STARTUP", "true")
            .env("LOG_FORMAT", "json")
            .env("RUST_LOG", "warn")
            // Account emails (on by default): queued mail goes to files; the tests sign in
            // right after registering.
            .env("MAIL_DIR", "mail")
            .env("MAIL_FROM", "no-reply@example.com")
            .env("APP_URL", "https://app.example.com")
            .env("REQUIRE_VERIFIED_EMAIL", "false")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        for (key, value) in extra_env {
            cmd.env(key, value);
        }
        let child = cmd.spawn().expect("start the generated API");
        let mut server = Server {
            child,
            addr,
            _data: data,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok((200, _)) = server.request("GET", "/ready", &[], None) {
                return server;
            }
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!("the generated API exited before it was ready: {status}");
            }
            assert!(
                Instant::now() < deadline,
                "the generated API was not ready within 30 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// One HTTP/1.1 request over a fresh connection: the status and the body.
    fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        json: Option<&str>,
    ) -> std::io::Result<(u16, String)> {
        let mut stream = TcpStream::connect_timeout(&self.addr, Duration::from_secs(2))?;
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n",
            self.addr
        );
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        let body = json.unwrap_or("");
        if json.is_some() {
            head.push_str("Content-Type: application/json\r\n");
        }
        head.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
        stream.write_all(head.as_bytes())?;
        let mut response = String::new();
        stream.read_to_string(&mut response)?;
        let status = response
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| std::io::Error::other(format!("not HTTP: {response:.80}")))?;
        let body = response
            .split_once("\r\n\r\n")
            .map(|(_, b)| b.to_string())
            .unwrap_or_default();
        Ok((status, body))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The tool's path, or None after `skip_for_missing_tool`.
fn tool(name: &str, install: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|candidate| candidate.is_file())
    });
    if found.is_none() {
        skip_for_missing_tool(&format!(
            "{name} is not installed ({install}; .ci/run installs it)"
        ));
    }
    found
}

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
    // As root in a container, with no network: no sandbox, nothing fetched in the background.
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
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
