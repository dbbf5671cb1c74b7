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
    /// REDIS_URL for a project with the Redis answer on.
    pub redis_url: Option<&'a str>,
    pub total_crates: Option<usize>,
    pub label: &'a str,
    /// Named to the tests, which must then run their SMTP tests (see `smtp`).
    pub smtp_python: Option<&'a Path>,
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
        match self.redis_url {
            Some(url) => cmd.env("REDIS_URL", url),
            None => cmd.env_remove("REDIS_URL"),
        };
        // Otherwise the tests see the caller's environment (their own default is
        // /usr/bin/python3 when it has aiosmtpd, and a skip that says so when none has).
        if let Some(python) = self.smtp_python {
            cmd.env(super::smtp::PYTHON_VAR, python)
                .env(super::smtp::REQUIRE_VAR, "1");
        }
        let mut child = cmd.spawn().map_err(CargoError::Spawn)?;
        let stdout = child.stdout.take();
        let stderr = child.stderr.take();

        // Both pipes are drained concurrently (a full pipe would block cargo), into one log in
        // the order the lines come (cargo's `Running tests/...` on stderr among the results).
        let mut out = Output::default();
        let collect = async {
            let mut stdout = stdout.map(|s| BufReader::new(s).lines());
            let mut stderr = stderr.map(|s| BufReader::new(s).lines());
            loop {
                tokio::select! {
                    Some(line) = next_line(&mut stdout) => {
                        out.stdout_line(&line, phase, self.total_crates, progress);
                    }
                    Some(line) = next_line(&mut stderr) => out.log.push(line),
                    else => break,
                }
            }
            child.wait().await
        };
        let status = tokio::select! {
            status = collect => status.map_err(CargoError::Spawn)?,
            _ = tokio::signal::ctrl_c() => return Err(CargoError::Interrupted),
        };
        let failure_output = failing_tests_output(&out.log);
        let result = PhaseResult {
            phase,
            ok: status.success(),
            duration: started.elapsed(),
            log: out.log.join("\n"),
            tests_passed: out.passed,
            tests_failed: out.failed,
            failure_output,
        };
        progress.finish(self.label, phase, result.ok, result.duration);
        Ok(result)
    }
}

/// The next line of a pipe; `None` once it is closed (and then the pipe is dropped, so that a
/// `select!` branch on it is disabled).
async fn next_line<R: tokio::io::AsyncBufRead + Unpin>(
    lines: &mut Option<tokio::io::Lines<R>>,
) -> Option<String> {
    let line = lines.as_mut()?.next_line().await.ok().flatten();
    if line.is_none() {
        *lines = None;
    }
    line
}

/// Each failing test's own output, from the harness's `---- NAME stdout ----` sections, with
/// the backtrace left out (`RUST_BACKTRACE` reruns show it).
pub fn failing_tests_output(log: &[String]) -> Vec<(String, String)> {
    let mut sections: Vec<(String, String)> = Vec::new();
    let mut in_backtrace = false;
    let mut current: Option<usize> = None;
    for line in log {
        if let Some(name) = line
            .strip_prefix("---- ")
            .and_then(|l| l.strip_suffix(" stdout ----"))
        {
            sections.push((name.to_string(), String::new()));
            current = Some(sections.len() - 1);
            in_backtrace = false;
            continue;
        }
        let Some(i) = current else { continue };
        if line == "failures:" || line.starts_with("test result:") {
            current = None;
            continue;
        }
        if line.starts_with("stack backtrace:") {
            in_backtrace = true;
            continue;
        }
        if in_backtrace {
            if line.starts_with("note: Some details are omitted") {
                in_backtrace = false;
            }
            continue;
        }
        let text = &mut sections[i].1;
        text.push_str(line);
        text.push('\n');
    }
    for (_, text) in &mut sections {
        *text = text.trim().to_string();
    }
    sections
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_failing_test_keeps_its_own_output_without_the_backtrace() {
        let log: Vec<String> = "running 3 tests
test a ... ok
test b ... FAILED
test c ... FAILED

failures:

---- b stdout ----

thread 'b' panicked at tests/x.rs:3:5:
left != right
stack backtrace:
   0: rust_begin_unwind
note: Some details are omitted, run with `RUST_BACKTRACE=full` for a verbose backtrace.
---- c stdout ----
c broke

failures:
    b
    c

test result: FAILED. 1 passed; 2 failed"
            .lines()
            .map(str::to_string)
            .collect();
        assert_eq!(
            failing_tests_output(&log),
            [
                (
                    "b".to_string(),
                    "thread 'b' panicked at tests/x.rs:3:5:\nleft != right".to_string()
                ),
                ("c".to_string(), "c broke".to_string()),
            ]
        );
    }
}
