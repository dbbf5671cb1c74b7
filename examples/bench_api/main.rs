//! Benchmark of a generated API under load, against a bare axum baseline and beside the peer a
//! user would pick instead (loco's SaaS starter), in the same run.
//!
//!     cargo run --release --example bench_api -- [--db sqlite|postgres]... [--runs 3] [--secs 5]
//!         [--postgres-url postgres://postgres@127.0.0.1:5432/test] [--write docs/BENCHMARKS.md]
//!         [--abuse-only | --only-peer | --replicas] [--no-loco] [--no-replicas]
//!
//! For each database: generate a project, build it in release mode (shared build cache), start
//! it, and measure from this process over loopback: start-up to the first /ready 200,
//! GET /users/me at 32 and 128 connections (beside the baseline), refresh-token rotation chains,
//! login throughput, /health latency idle and during a login flood, and peak resident memory;
//! then the abuse scenarios (`abuse.rs`): another client's login and /health during a
//! password-change flood, and resident memory across a flood of failed logins with 4 KiB emails.
//! With SQLite, then the same scenarios for our API and loco's SaaS starter side by side
//! (`compare.rs`): "who am I", logins one at a time and flooding, the cheap endpoint's p99 idle
//! and during the flood, peak RSS, start-up, and the argon2 parameters each server stored. loco
//! is installed and its starter built once into ~/.cache/rust-api-starter/loco (`loco.rs`,
//! minutes the first time); when that fails the peer is skipped with the reason printed.
//! `--no-loco` leaves the peer out; `--only-peer` runs only the comparison.
//! Then, when PostgreSQL is among the databases, the replicas scenario (`replicas.rs`, scale-out):
//! a PostgreSQL + Redis project run as replicas with a Redis of the run's own and nginx in
//! front (the project's `deploy/nginx.conf`): `/users/me` and login throughput with 1 and 3
//! replicas behind nginx (and one replica straight, the reference), and what Redis costs a
//! rate-limited request against the in-process store. It is part of the full run (12 wrk or
//! flood periods of `--secs` per run, and one more release build sharing the PostgreSQL
//! project's dependencies); it is skipped, with the reason printed, when nginx, redis-server or
//! wrk is missing. `--no-replicas` leaves it out; `--replicas` runs only it (printed, not
//! written: `--write` replaces the whole section).
//! Each scenario runs `--runs` times; medians are reported with the spread (min..max).
//!
//! Generated projects are built in `STARTER_TARGET_DIR` when set (as for the CLI), else in the
//! build cache the CLI shares between verified projects (`starter::dirs::default_target_dir`).

mod abuse;
mod client;
mod compare;
mod loco;
mod replicas;
mod report;
mod scenarios;
mod stored_hash;
mod throwaway;
mod wrk;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};

use starter::answers::{Answers, Database};

struct Args {
    databases: Vec<Database>,
    runs: usize,
    secs: u64,
    postgres_url: String,
    write: Option<PathBuf>,
    /// Only the abuse scenarios (`abuse.rs`).
    abuse_only: bool,
    /// Whether to measure beside loco's SaaS starter (`compare.rs`; SQLite only).
    loco: bool,
    /// Only the comparison with loco.
    only_peer: bool,
    /// Whether to run the replicas scenario (`replicas.rs`; needs PostgreSQL).
    replicas: bool,
    /// Only the replicas scenario.
    only_replicas: bool,
}

fn parse_args() -> anyhow::Result<Args> {
    let mut args = Args {
        databases: Vec::new(),
        runs: 3,
        secs: 5,
        postgres_url: std::env::var("STARTER_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into()),
        write: None,
        abuse_only: false,
        loco: true,
        only_peer: false,
        replicas: true,
        only_replicas: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().with_context(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--db" => args.databases.push(match value()?.as_str() {
                "sqlite" => Database::Sqlite,
                "postgres" => Database::Postgres,
                other => bail!("--db {other}: sqlite or postgres"),
            }),
            "--runs" => args.runs = value()?.parse()?,
            "--secs" => args.secs = value()?.parse()?,
            "--postgres-url" => args.postgres_url = value()?,
            "--write" => args.write = Some(PathBuf::from(value()?)),
            "--abuse-only" => args.abuse_only = true,
            "--no-loco" => args.loco = false,
            "--only-peer" => args.only_peer = true,
            "--no-replicas" => args.replicas = false,
            "--replicas" => args.only_replicas = true,
            other => bail!("unknown argument {other}"),
        }
    }
    if args.databases.is_empty() {
        args.databases = vec![Database::Sqlite, Database::Postgres];
    }
    ensure!(
        !(args.only_peer && (args.abuse_only || !args.loco)),
        "--only-peer measures beside loco: not with --abuse-only or --no-loco"
    );
    ensure!(
        !((args.only_peer || args.only_replicas) && args.write.is_some()),
        "--write replaces the whole bench_api section: not with --only-peer or --replicas"
    );
    ensure!(
        !(args.only_replicas && (args.only_peer || args.abuse_only || !args.replicas)),
        "--replicas runs only the replicas scenario: not with --only-peer, --abuse-only or --no-replicas"
    );
    Ok(args)
}

fn main() -> anyhow::Result<()> {
    let args = parse_args()?;
    let target_dir = std::env::var_os("STARTER_TARGET_DIR")
        .filter(|dir| !dir.is_empty())
        .map_or_else(starter::dirs::default_target_dir, PathBuf::from);
    let work = tempfile::tempdir()?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;

    let mut report = String::new();
    if !wrk::available() {
        eprintln!("wrk not found (apt-get install wrk): throughput through this harness's client");
    }
    // loco's starter is generated with SQLite: the comparison runs in the SQLite section.
    let loco = if args.loco
        && !args.abuse_only
        && !args.only_replicas
        && args.databases.contains(&Database::Sqlite)
    {
        match rt.block_on(loco::prepare()) {
            Ok(loco) => Some(loco),
            Err(e) if args.only_peer => return Err(e.context("loco's starter cannot be had")),
            Err(e) => {
                eprintln!("skipping the comparison with loco's SaaS starter: {e:#}");
                report.push_str(&format!(
                    "The comparison with loco's SaaS starter was skipped: {e:#}\n\n"
                ));
                None
            }
        }
    } else {
        None
    };
    let mut baseline: Option<PathBuf> = None;
    for &db in &args.databases {
        if args.only_replicas || (args.only_peer && db != Database::Sqlite) {
            continue;
        }
        let (project_bin, project_dir) = build_project(work.path(), &target_dir, db, false)?;
        // Built once, with the first project's lock file.
        let baseline_bin = match &baseline {
            Some(bin) => bin,
            None => baseline.insert(build_baseline(
                work.path(),
                &target_dir,
                &project_dir.join("Cargo.lock"),
            )?),
        };
        let setup = scenarios::Setup {
            db,
            project_bin: &project_bin,
            project_dir: &project_dir,
            baseline_bin,
            runs: args.runs,
            duration: Duration::from_secs(args.secs),
            postgres_url: &args.postgres_url,
        };
        let mut section = String::new();
        if !args.abuse_only && !args.only_peer {
            section.push_str(&rt.block_on(scenarios::run_all(&setup))?);
        }
        if !args.only_peer {
            section.push_str(&rt.block_on(abuse::run(&setup))?);
        }
        if let Some(loco) = loco.as_ref().filter(|_| db == Database::Sqlite) {
            section.push_str(&rt.block_on(compare::run(&setup, loco))?);
        }
        println!("{section}");
        report.push_str(&section);
    }
    let replicas = args.only_replicas
        || (args.replicas
            && !args.abuse_only
            && !args.only_peer
            && args.databases.contains(&Database::Postgres));
    if replicas {
        match replicas::tools() {
            Ok(tools) => {
                let (bin, dir) = build_project(work.path(), &target_dir, Database::Postgres, true)?;
                let setup = replicas::Setup {
                    bin: &bin,
                    dir: &dir,
                    runs: args.runs,
                    duration: Duration::from_secs(args.secs),
                    postgres_url: &args.postgres_url,
                };
                let section = rt.block_on(replicas::run(&setup, &tools))?;
                println!("{section}");
                report.push_str(&section);
            }
            Err(reason) if args.only_replicas => {
                bail!("the replicas scenario cannot run: {reason}")
            }
            Err(reason) => {
                eprintln!("skipping the replicas scenario: {reason}");
                report.push_str(&format!("The replicas scenario was skipped: {reason}\n\n"));
            }
        }
    }
    if let Some(path) = &args.write {
        let section = format!(
            "## The generated API under load\n\n{}\nLoad generator: {}. Server and load generator share the machine over loopback.\n\nReproduce: `cargo run --release --example bench_api -- --runs {} --secs {} --write {}`\n\n{report}",
            report::machine_line(),
            if wrk::available() {
                "wrk for the \"who am I\" throughput runs (`/users/me`, loco's `/api/auth/current`), this harness's own client for the rest"
            } else {
                "this harness's own client (wrk not installed)"
            },
            args.runs,
            args.secs,
            path.display()
        );
        report::write_section(path, "bench_api", &section)?;
        println!("written to {}", path.display());
    }
    Ok(())
}

/// cargo, without what `cargo run` put in this process's environment (the harness's own package
/// variables, OUT_DIR, its library path): with them, the starter's crates are fingerprinted
/// differently from a build in a plain shell, and each kind of build would redo the other's.
pub fn cargo() -> Command {
    let mut cmd = Command::new("cargo");
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        let injected = [
            "CARGO",
            "OUT_DIR",
            "LD_LIBRARY_PATH",
            "RUST_RECURSION_COUNT",
        ]
        .contains(&name.as_ref())
            || [
                "CARGO_PKG_",
                "CARGO_MANIFEST_",
                "CARGO_CRATE_",
                "CARGO_BIN_",
                "CARGO_PRIMARY_",
            ]
            .iter()
            .any(|prefix| name.starts_with(prefix));
        if injected {
            cmd.env_remove(name.as_ref());
        }
    }
    cmd
}

fn cargo_release(dir: &Path, target_dir: &Path) -> anyhow::Result<()> {
    let status = cargo()
        .args(["build", "--release", "--quiet"])
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target_dir)
        .status()?;
    ensure!(
        status.success(),
        "release build failed in {}",
        dir.display()
    );
    Ok(())
}

/// Generates and builds the project for `db`; with `redis`, the scale-out configuration of
/// the replicas scenario (the redis answer on, docs off).
fn build_project(
    work: &Path,
    target_dir: &Path,
    db: Database,
    redis: bool,
) -> anyhow::Result<(PathBuf, PathBuf)> {
    let template = starter::template::Template::embedded()?;
    let name = if redis {
        format!("bench-{db}-redis")
    } else {
        format!("bench-{db}")
    };
    let answers = Answers {
        name: name.clone(),
        database: db,
        cors_origins: Vec::new(),
        locales: vec!["en".into()],
        default_locale: "en".into(),
        docs: !redis,
        // The benchmarks measure the API as it was first measured: sign-in without proving
        // an address first (with emails on, an unverified account cannot sign in).
        email: false,
        redis,
        extra: Default::default(),
    };
    let dir = work.join(&name);
    starter::generate::generate(
        &template,
        &answers,
        &starter::generate::Options {
            target: dir.clone(),
            git: false,
        },
    )?;
    eprintln!("building {name} (release)...");
    cargo_release(&dir, target_dir)?;
    Ok((target_dir.join("release").join(&name), dir))
}

/// A bare axum server answering a constant on one route, with the generated project's pinned
/// axum and tokio, so both compare on the same stack.
fn build_baseline(work: &Path, target_dir: &Path, project_lock: &Path) -> anyhow::Result<PathBuf> {
    let dir = work.join("bench-baseline");
    std::fs::create_dir_all(dir.join("src"))?;
    std::fs::write(
        dir.join("Cargo.toml"),
        "[package]\nname = \"bench-baseline\"\nversion = \"0.1.0\"\nedition = \"2024\"\nrust-version = \"1.94\"\n\n[dependencies]\naxum = \"0.8\"\ntokio = { version = \"1\", features = [\"macros\", \"rt-multi-thread\", \"net\"] }\n",
    )?;
    std::fs::write(
        dir.join("src/main.rs"),
        "use axum::{Router, routing::get};\n\n#[tokio::main]\nasync fn main() {\n    let addr = std::env::var(\"BIND_ADDR\").unwrap_or_else(|_| \"127.0.0.1:8090\".into());\n    let app = Router::new().route(\"/users/me\", get(|| async { \"constant\" }));\n    let listener = tokio::net::TcpListener::bind(addr).await.expect(\"bind\");\n    axum::serve(listener, app).await.expect(\"serve\");\n}\n",
    )?;
    // The generated project's lock file: the same axum, hyper and tokio (cargo prunes the rest).
    std::fs::copy(project_lock, dir.join("Cargo.lock"))
        .with_context(|| format!("cannot copy {}", project_lock.display()))?;
    eprintln!("building the axum baseline (release)...");
    cargo_release(&dir, target_dir)?;
    Ok(target_dir.join("release").join("bench-baseline"))
}

/// A server process, killed on drop.
pub struct Server {
    pub child: Child,
    pub addr: String,
    pub started_in: Duration,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn free_addr() -> anyhow::Result<String> {
    let l = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(l.local_addr()?.to_string())
}

/// Starts `bin` on a free port, told in BIND_ADDR, and waits for `ready_path` to answer 200.
pub async fn start(
    bin: &Path,
    dir: &Path,
    envs: &[(&str, String)],
    ready_path: &str,
) -> anyhow::Result<Server> {
    start_at(&free_addr()?, bin, &[], dir, envs, ready_path).await
}

/// Starts `bin` with `args` in `dir`, to listen on `addr` (BIND_ADDR, or the caller's own
/// variables for a server that reads others), and waits for `ready_path` to answer 200.
pub async fn start_at(
    addr: &str,
    bin: &Path,
    args: &[&str],
    dir: &Path,
    envs: &[(&str, String)],
    ready_path: &str,
) -> anyhow::Result<Server> {
    let addr = addr.to_string();
    let started = Instant::now();
    let child = Command::new(bin)
        .args(args)
        .current_dir(dir)
        .envs(envs.iter().map(|(k, v)| (*k, v.as_str())))
        .env("BIND_ADDR", &addr)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("cannot start {}", bin.display()))?;
    let mut server = Server {
        child,
        addr: addr.clone(),
        started_in: Duration::ZERO,
    };
    let deadline = started + Duration::from_secs(30);
    loop {
        if let Ok(mut c) = client::Connection::open(&addr).await
            && let Ok(r) = c.request("GET", ready_path, None, None).await
            && r.status == 200
        {
            server.started_in = started.elapsed();
            return Ok(server);
        }
        if let Ok(Some(status)) = server.child.try_wait() {
            bail!("{} exited with {status} before it was ready", bin.display());
        }
        ensure!(
            Instant::now() < deadline,
            "{} not ready within 30 s",
            bin.display()
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}
