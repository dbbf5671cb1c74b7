//! One generated project (SQLite, docs and account emails on, locales en and fr), built once
//! per test run and started as often as the tests need: the API that `api_docs` and
//! `browser_client` check from outside.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::common::{build_generated, http, skip_for_missing_tool, starter};

const PROJECT: &str = "docs-probe";

/// The generated project's directory.
pub struct Project {
    pub dir: PathBuf,
    binary: PathBuf,
}

/// Generates a SQLite project with docs and emails on and builds it once (debug, shared build
/// cache).
pub fn project() -> &'static Project {
    static BUILT: OnceLock<Project> = OnceLock::new();
    BUILT.get_or_init(|| {
        let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("api-docs");
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).unwrap();
        let dir = root.join(PROJECT);
        starter()
            .args([
                "new",
                PROJECT,
                "--no-git",
                "--db",
                "sqlite",
                "--docs",
                "--email",
                "--no-redis",
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
        let binary = build_generated(&dir, PROJECT);
        Project { dir, binary }
    })
}

/// A running generated API on a free loopback port, with its own SQLite file; killed on drop.
pub struct Server {
    child: Child,
    addr: SocketAddr,
    data: tempfile::TempDir,
}

impl Server {
    /// Started with the defaults below, then `extra_env` (which wins).
    pub fn start(extra_env: &[(&str, &str)]) -> Server {
        let binary = &project().binary;
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
            // Account emails (on by default): queued mail goes to files (`mail_dir`); unless
            // told otherwise, tests sign in right after registering.
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
        let mut server = Server { child, addr, data };
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

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Where the API writes queued mail as `.eml` files.
    pub fn mail_dir(&self) -> PathBuf {
        self.data.path().join("mail")
    }

    /// One HTTP/1.1 request over a fresh connection: the status and the body.
    pub fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        json: Option<&str>,
    ) -> std::io::Result<(u16, String)> {
        http(self.addr, method, path, headers, json)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The tool's path, or None after `skip_for_missing_tool`.
pub fn tool(name: &str, install: &str) -> Option<PathBuf> {
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

/// Headless Chromium as root in a container with no network: no sandbox, nothing fetched in
/// the background.
pub const CHROMIUM_FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
];
