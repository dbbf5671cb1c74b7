//! Runs one cargo phase in a project, reading cargo's JSON messages (crates compiled) and the
//! test harness's lines (tests passed) as they come, so progress is live.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Stdio;
use std::time::Instant;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

use super::progress::Progress;
use super::{Phase, PhaseResult};

#[derive(Debug, thiserror::Error)]
pub enum CargoError {
    #[error("cannot run cargo: {0}")]
    Spawn(std::io::Error),
    #[error("interrupted")]
    Interrupted,
}

pub struct CargoRun<'a> {
    pub dir: &'a Path,
    pub target_dir: &'a Path,
    pub database_url: Option<&'a str>,
    pub total_crates: Option<usize>,
    pub label: &'a str,
}

fn args(phase: Phase) -> &'static [&'static str] {
    match phase {
        // Captured and shown later, often in CI logs: no colour codes.
        Phase::Fmt => &["fmt", "--check", "--", "--color", "never"],
        Phase::Clippy => &[
            "clippy",
            "--all-targets",
            "--message-format=json",
            "--",
            "-D",
            "warnings",
        ],
        Phase::Build => &[
            "build",
            "--all-targets",
            "--locked",
            "--message-format=json",
        ],
        Phase::Test => &["test", "--no-fail-fast"],
    }
}

impl CargoRun<'_> {
    pub async fn run(&self, phase: Phase, progress: &Progress) -> Result<PhaseResult, CargoError> {
        progress.start(self.label, phase);
        let started = Instant::now();
        let mut cmd = Command::new("cargo");
        cmd.args(args(phase))
            .current_dir(self.dir)
            .env("CARGO_TARGET_DIR", self.target_dir)
            .env("CARGO_TERM_COLOR", "never")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        match self.database_url {
            Some(url) => cmd.env("DATABASE_URL", url),
            None => cmd.env_remove("DATABASE_URL"),
        };
        let mut child = cmd.spawn().map_err(CargoError::Spawn)?;
        let stdout = child.stdout.take();
        let stderr = child.stderr.take();

        // Both pipes are drained concurrently (a full pipe would block cargo), each in a loop
        // of its own that awaits its reads.
        let mut out = Output::default();
        let read_stdout = async {
            if let Some(stdout) = stdout {
                let mut lines = BufReader::new(stdout).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    out.stdout_line(&line, phase, self.total_crates, progress);
                }
            }
        };
        let read_stderr = async {
            let mut log = Vec::new();
            if let Some(stderr) = stderr {
                let mut lines = BufReader::new(stderr).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    log.push(line);
                }
            }
            log
        };
        let collect = async {
            let ((), stderr_log) = tokio::join!(read_stdout, read_stderr);
            (child.wait().await, stderr_log)
        };
        let (status, stderr_log) = tokio::select! {
            (status, log) = collect => (status.map_err(CargoError::Spawn)?, log),
            _ = tokio::signal::ctrl_c() => return Err(CargoError::Interrupted),
        };
        out.log.extend(stderr_log);
        let result = PhaseResult {
            phase,
            ok: status.success(),
            duration: started.elapsed(),
            log: out.log.join("\n"),
            tests_passed: out.passed,
            tests_failed: out.failed,
        };
        progress.finish(self.label, phase, result.ok, result.duration);
        Ok(result)
    }
}

#[derive(Default)]
struct Output {
    log: Vec<String>,
    compiled: BTreeSet<String>,
    passed: usize,
    failed: Vec<String>,
}

impl Output {
    fn stdout_line(&mut self, line: &str, phase: Phase, total: Option<usize>, progress: &Progress) {
        match phase {
            Phase::Clippy | Phase::Build => {
                let Ok(msg) = serde_json::from_str::<serde_json::Value>(line) else {
                    self.log.push(line.to_string());
                    return;
                };
                match msg["reason"].as_str() {
                    Some("compiler-artifact") => {
                        if let Some(id) = msg["package_id"].as_str() {
                            self.compiled.insert(id.to_string());
                            progress.compiled(self.compiled.len(), total);
                        }
                    }
                    Some("compiler-message") => {
                        if let Some(text) = msg["message"]["rendered"].as_str() {
                            self.log.push(text.trim_end().to_string());
                        }
                    }
                    _ => {}
                }
            }
            Phase::Test => {
                self.log.push(line.to_string());
                if let Some(rest) = line.strip_prefix("test ") {
                    if rest.ends_with(" ... ok") {
                        self.passed += 1;
                    } else if let Some(name) = rest.strip_suffix(" ... FAILED") {
                        self.failed.push(name.to_string());
                    }
                    progress.tests(self.passed, self.failed.len());
                }
            }
            Phase::Fmt => self.log.push(line.to_string()),
        }
    }
}

/// The number of packages in the project's dependency graph, for "N/total crates compiled".
pub async fn total_crates(dir: &Path) -> Option<usize> {
    let rustc = Command::new("rustc").arg("-vV").output().await.ok()?;
    let host = String::from_utf8_lossy(&rustc.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: ").map(str::to_string))?;
    let out = Command::new("cargo")
        .args([
            "metadata",
            "--format-version",
            "1",
            "--offline",
            "--filter-platform",
            &host,
        ])
        .current_dir(dir)
        .stderr(Stdio::null())
        .output()
        .await
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).ok()?;
    meta["resolve"]["nodes"].as_array().map(Vec::len)
}
