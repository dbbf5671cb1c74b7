//! `starter verify`: a generated project passes fmt, clippy -D warnings, build and its own
//! security suite. A PostgreSQL or MySQL project's tests get the server named by
//! `--database-url` as DATABASE_URL; each test creates a database of its own there and drops it.
//! A project with the Redis answer on gets the server named by `--redis-url` as REDIS_URL.

pub mod cargo;
pub mod database;
pub mod matrix;
pub mod progress;
pub mod redis;
pub mod smtp;

use std::path::PathBuf;
use std::time::Duration;

use crate::answers::Database;
use crate::error::InputError;
use progress::Progress;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Fmt,
    Clippy,
    Build,
    Test,
}

impl Phase {
    pub const ALL: [Phase; 4] = [Phase::Fmt, Phase::Clippy, Phase::Build, Phase::Test];

    pub fn name(self) -> &'static str {
        match self {
            Phase::Fmt => "fmt",
            Phase::Clippy => "clippy",
            Phase::Build => "build",
            Phase::Test => "test",
        }
    }
}

#[derive(Debug, Clone)]
pub struct PhaseResult {
    pub phase: Phase,
    pub ok: bool,
    pub duration: Duration,
    /// What the phase printed (diagnostics, test output), shown when it fails.
    pub log: String,
    pub tests_passed: usize,
    pub tests_failed: Vec<String>,
    /// Each failing test's name and its own output (no backtrace).
    pub failure_output: Vec<(String, String)>,
}

#[derive(Debug, Clone)]
pub struct VerifyReport {
    pub project: PathBuf,
    pub database: Database,
    pub phases: Vec<PhaseResult>,
}

impl VerifyReport {
    pub fn ok(&self) -> bool {
        self.phases.len() == Phase::ALL.len() && self.phases.iter().all(|p| p.ok)
    }

    pub fn tests_passed(&self) -> usize {
        self.phases.iter().map(|p| p.tests_passed).sum()
    }

    pub fn failure(&self) -> Option<&PhaseResult> {
        self.failures().next()
    }

    pub fn failures(&self) -> impl Iterator<Item = &PhaseResult> {
        self.phases.iter().filter(|p| !p.ok)
    }

    /// What failed, to print under the summary: each failing test's own output, or the whole
    /// output of a failing phase that has no failing test to show.
    pub fn failure_details(&self) -> String {
        let mut s = String::new();
        for failed in self.failures() {
            if failed.failure_output.is_empty() {
                s.push_str(&format!(
                    "--- {} output ---\n{}\n",
                    failed.phase.name(),
                    failed.log.trim_end()
                ));
            }
            for (name, output) in &failed.failure_output {
                s.push_str(&format!("--- test {name} ---\n{output}\n"));
            }
        }
        s
    }

    pub fn duration(&self) -> Duration {
        self.phases.iter().map(|p| p.duration).sum()
    }

    /// The end-of-run summary: each phase, its result and duration, and the tests passed.
    pub fn summary(&self) -> String {
        let mut s = format!("verify {} ({})\n", self.project.display(), self.database);
        for phase in Phase::ALL {
            match self.phases.iter().find(|p| p.phase == phase) {
                Some(p) => s.push_str(&format!(
                    "  {:<7} {:<7} {:>7.1}s\n",
                    phase.name(),
                    if p.ok { "ok" } else { "FAILED" },
                    p.duration.as_secs_f64()
                )),
                None => s.push_str(&format!("  {:<7} skipped\n", phase.name())),
            }
        }
        let test = self.phases.iter().find(|p| p.phase == Phase::Test);
        match test {
            Some(t) if t.tests_failed.is_empty() => {
                s.push_str(&format!("  {} security tests passed\n", t.tests_passed))
            }
            Some(t) => s.push_str(&format!(
                "  {} security tests passed, {} failed: {}\n",
                t.tests_passed,
                t.tests_failed.len(),
                t.tests_failed.join(", ")
            )),
            None => {}
        }
        s.push_str(&format!(
            "  result: {} in {:.1}s\n",
            if self.ok() { "PASSED" } else { "FAILED" },
            self.duration().as_secs_f64()
        ));
        s
    }
}

#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error(transparent)]
    Input(#[from] InputError),
    #[error(transparent)]
    Cargo(#[from] cargo::CargoError),
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
}

impl VerifyError {
    /// Bad input (exit code 2 at the CLI edge).
    pub fn is_input(&self) -> bool {
        match self {
            VerifyError::Input(_) => true,
            VerifyError::Cargo(_) | VerifyError::Runtime(_) => false,
        }
    }

    /// Ctrl-C stopped a cargo phase.
    pub fn is_interrupted(&self) -> bool {
        matches!(self, VerifyError::Cargo(cargo::CargoError::Interrupted))
    }
}

#[derive(Debug, Clone)]
pub struct VerifyOptions {
    pub dir: PathBuf,
    pub database_url: Option<String>,
    /// The Redis server for a project with the Redis answer on.
    pub redis_url: Option<String>,
    pub target_dir: PathBuf,
    pub quiet: bool,
    /// A short name for progress lines (the configuration in a matrix).
    pub label: String,
    /// The Python that runs the SMTP tests' aiosmtpd; given, those tests must run.
    pub smtp_python: Option<PathBuf>,
}

/// Checks before anything runs: the project record, the server URLs where they are needed, and
/// the SMTP test Python when one is named.
pub fn prepare(options: &VerifyOptions) -> Result<Prepared, InputError> {
    let record = crate::record::read(&options.dir)?;
    if let Some(python) = &options.smtp_python {
        smtp::check_python(python)?;
    }
    let db = record.answers.database;
    match (db, &options.database_url) {
        (Database::Sqlite, _) => {}
        (_, Some(url)) => database::check_url(db, url)?,
        (Database::Postgres, None) => {
            return Err(InputError::new(
                "this is a PostgreSQL project and no server was named",
                "pass --database-url postgres://USER@HOST:5432/postgres (or set STARTER_DATABASE_URL); the tests create their own databases there and drop them",
            ));
        }
        (Database::Mysql, None) => {
            return Err(InputError::new(
                "this is a MySQL project and no server was named",
                "pass --database-url mysql://USER@HOST:3306/mysql (or set STARTER_DATABASE_URL); the tests create their own databases there and drop them",
            ));
        }
    }
    let redis = record.answers.redis;
    match (redis, &options.redis_url) {
        (false, _) => {}
        (true, Some(url)) => redis::check_url(url)?,
        (true, None) => return Err(redis::missing("this project")),
    }
    Ok(Prepared { db, redis })
}

/// What `prepare` read from the project record.
#[derive(Debug, Clone, Copy)]
pub struct Prepared {
    pub db: Database,
    /// The Redis answer: the tests get REDIS_URL.
    pub redis: bool,
}

/// Runs every phase in order, also after a failure.
pub async fn verify(
    options: &VerifyOptions,
    progress: &Progress,
) -> Result<VerifyReport, VerifyError> {
    let Prepared { db, redis } = prepare(options)?;
    let database_url = match db {
        Database::Sqlite => None,
        _ => options.database_url.as_deref(),
    };
    let redis_url = options.redis_url.as_deref().filter(|_| redis);
    run_phases(options, db, database_url, redis_url, progress).await
}

async fn run_phases(
    options: &VerifyOptions,
    db: Database,
    database_url: Option<&str>,
    redis_url: Option<&str>,
    progress: &Progress,
) -> Result<VerifyReport, VerifyError> {
    let total_crates = cargo::total_crates(&options.dir).await;
    let run = cargo::CargoRun {
        dir: &options.dir,
        target_dir: &options.target_dir,
        database_url,
        redis_url,
        total_crates,
        label: &options.label,
        smtp_python: options.smtp_python.as_deref(),
    };
    let mut report = VerifyReport {
        project: options.dir.clone(),
        database: db,
        phases: Vec::new(),
    };
    // Every phase runs, failures or not, so that one report shows all of them (a fmt diff
    // does not hide whether clippy and the tests pass).
    for phase in Phase::ALL {
        report.phases.push(run.run(phase, progress).await?);
    }
    progress.done();
    Ok(report)
}

/// A runtime for the blocking CLI edge.
pub fn runtime() -> Result<tokio::runtime::Runtime, VerifyError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(VerifyError::Runtime)
}
