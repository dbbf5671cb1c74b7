//! The replicas scenario (scale-out, issue #13): a generated PostgreSQL + Redis project (emails
//! off, so sign-in needs no verification; docs off), its release binary run as replicas that
//! share one throwaway PostgreSQL database and a Redis server of the run's own
//! (`redis-server --save '' --appendonly no` on a free port), with nginx in front running the
//! project's own `deploy/nginx.conf` (only its ports changed; for one replica, only one `server`
//! line kept), as tests/cli/replicas.rs does. Each run measures:
//!
//! - `GET /users/me` at 32 and 128 connections (wrk, as the single-server scenario), straight to
//!   one replica (the reference), through nginx to 1 replica and through nginx to 3 replicas;
//! - the login flood (16 connections signing in with valid accounts, argon2-bound) through
//!   nginx to 1 and to 3 replicas. The replicas share the machine's cores (printed with the
//!   results): on a small machine, 3 replicas are more hashing threads, not more cores;
//! - what Redis costs a rate-limited request: `POST /auth/refresh` with a made-up token (401
//!   once the per-IP GCRA check let it through; the burst is lifted so that nothing is
//!   refused, which the replica's own /metrics confirms) straight to one replica, with Redis
//!   (the shared store) and against a replica whose REDIS_URL is a closed port (its in-process
//!   store; /ready's `"redis"` says which before anything is measured): latency at one
//!   connection (`wrk -t1 -c1`: p50, p99 and the mean, 1 / throughput, whose differences are a
//!   per-request cost) and throughput at 32 connections.
//!
//! Replicas run as in tests/cli/replicas.rs: migrations first (the binary's `migrate`), then
//! JWT_SECRET, DATABASE_URL, REDIS_URL, REDIS_KEY_PREFIX, TRUSTED_PROXIES=127.0.0.1 (nginx),
//! LOG_FORMAT=json, RUST_LOG=error, and the load scenarios' lifted per-client limits; and
//! METRICS_ADDR, whose /metrics are how the run checks which replica answered what (so the
//! replicas pay for the metrics middleware, which the single-server scenarios do not turn on).
//!
//! Needs nginx, redis-server and wrk (skipped with the reason otherwise) and PostgreSQL.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};

use starter::answers::Database;

use crate::client::Connection;
use crate::scenarios::{OURS, Series, load_env, login_load, register_users, sign_in, throughput};
use crate::throwaway::RunDatabase;
use crate::wrk::WrkResult;

pub struct Setup<'a> {
    pub bin: &'a Path,
    pub dir: &'a Path,
    pub runs: usize,
    pub duration: Duration,
    pub postgres_url: &'a str,
}

/// A made-up refresh token: the per-IP check, then 401 without hashing.
const MADE_UP_REFRESH: &str = r#"{"refresh_token":"made-up"}"#;
/// The connection counts of the single-server `/users/me` scenario.
const ME_CONNECTIONS: [usize; 2] = [32, 128];
const LOGIN_CONNECTIONS: usize = 16;
const REFRESH_CONNECTIONS: usize = 32;

/// `name` in PATH or in the sbin directories (nginx lives in /usr/sbin).
fn find_tool(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/usr/local/sbin", "/sbin"].map(PathBuf::from))
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// nginx and redis-server, or why the scenario cannot run.
pub struct Tools {
    nginx: PathBuf,
    redis_server: PathBuf,
}

pub fn tools() -> Result<Tools, String> {
    let missing: Vec<&str> = [
        ("nginx", find_tool("nginx").is_none()),
        ("redis-server", find_tool("redis-server").is_none()),
        ("wrk", !crate::wrk::available()),
    ]
    .into_iter()
    .filter_map(|(name, missing)| missing.then_some(name))
    .collect();
    if !missing.is_empty() {
        return Err(format!(
            "{} not installed (apt-get install nginx redis-server wrk)",
            missing.join(", ")
        ));
    }
    Ok(Tools {
        nginx: find_tool("nginx").unwrap_or_default(),
        redis_server: find_tool("redis-server").unwrap_or_default(),
    })
}

/// A child process stopped on drop: `signal` first, then SIGKILL if it is still there after 5 s.
struct Guard {
    child: Child,
    signal: libc::c_int,
}

impl Drop for Guard {
    fn drop(&mut self) {
        // SAFETY: kill(2) on our own child's pid.
        unsafe { libc::kill(self.child.id() as libc::pid_t, self.signal) };
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

async fn wait_for<F, Fut>(what: &str, child: &mut Child, mut done: F) -> anyhow::Result<()>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done().await {
        if let Ok(Some(status)) = child.try_wait() {
            bail!("{what}: exited with {status}");
        }
        ensure!(Instant::now() < deadline, "{what}: not within 30 s");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(())
}

/// The run's own Redis, on a free port, nothing persisted.
async fn start_redis(server: &Path) -> anyhow::Result<(Guard, u16)> {
    let port = free_port()?;
    let child = Command::new(server)
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        .args(["--save", "", "--appendonly", "no"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("cannot start redis-server")?;
    let mut redis = Guard {
        child,
        signal: libc::SIGTERM,
    };
    wait_for("redis-server", &mut redis.child, || async {
        tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
    })
    .await?;
    Ok((redis, port))
}

/// The shipped `deploy/nginx.conf` with nginx on `listen` and one `server` line per port in
/// `replicas` (the shipped lines' own options kept; the lines past `replicas.len()` dropped).
fn nginx_conf(shipped: &str, replicas: &[u16], listen: u16) -> anyhow::Result<String> {
    ensure!(
        (1..=3).contains(&replicas.len()),
        "deploy/nginx.conf names 3 replicas"
    );
    let mut conf = String::new();
    let mut found = [false; 3];
    for line in shipped.lines() {
        let shipped_server = (0..3).find(|&i| {
            line.trim_start()
                .starts_with(&format!("server 127.0.0.1:{} ", 8081 + i))
        });
        match shipped_server {
            Some(i) => {
                found[i] = true;
                if let Some(port) = replicas.get(i) {
                    conf.push_str(&line.replace(
                        &format!("127.0.0.1:{} ", 8081 + i),
                        &format!("127.0.0.1:{port} "),
                    ));
                    conf.push('\n');
                }
            }
            None => {
                conf.push_str(line);
                conf.push('\n');
            }
        }
    }
    ensure!(
        found.iter().all(|&f| f),
        "deploy/nginx.conf lost a `server 127.0.0.1:808N` line"
    );
    ensure!(
        conf.contains("listen 8080;"),
        "deploy/nginx.conf lost `listen 8080;`"
    );
    Ok(conf.replace("listen 8080;", &format!("listen 127.0.0.1:{listen};")))
}

/// nginx with the shipped configuration in front of `replicas`: its address and its guard.
async fn start_nginx(
    tools: &Tools,
    shipped: &str,
    replicas: &[u16],
) -> anyhow::Result<(Guard, String, tempfile::TempDir)> {
    let port = free_port()?;
    let dir = tempfile::tempdir()?;
    std::fs::write(
        dir.path().join("nginx.conf"),
        nginx_conf(shipped, replicas, port)?,
    )?;
    let log = dir.path().join("nginx.log");
    let child = Command::new(&tools.nginx)
        .arg("-p")
        .arg(dir.path())
        .args(["-c", "nginx.conf", "-e", "stderr"])
        .args(["-g", "daemon off; pid nginx.pid;"])
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log)?)
        .spawn()
        .context("cannot start nginx")?;
    // SIGTERM: a fast shutdown, the master stops its workers.
    let mut nginx = Guard {
        child,
        signal: libc::SIGTERM,
    };
    let addr = format!("127.0.0.1:{port}");
    wait_for("nginx", &mut nginx.child, || async {
        status_of(&addr, "/health").await == Some(200)
    })
    .await
    .with_context(|| std::fs::read_to_string(&log).unwrap_or_default())?;
    Ok((nginx, addr, dir))
}

async fn status_of(addr: &str, path: &str) -> Option<u16> {
    let mut c = Connection::open(addr).await.ok()?;
    c.request("GET", path, None, None)
        .await
        .ok()
        .map(|r| r.status)
}

/// The `"redis"` field of the replica's /ready answer.
async fn redis_state(addr: &str) -> anyhow::Result<String> {
    let mut c = Connection::open(addr).await?;
    let r = c.request("GET", "/ready", None, None).await?;
    ensure!(r.status == 200, "/ready: {}", r.status);
    let v: serde_json::Value = serde_json::from_slice(&r.body)?;
    Ok(v["redis"]
        .as_str()
        .context("no \"redis\" in /ready")?
        .to_string())
}

/// Waits until the replica at `addr` says `state` ("shared" waits for its pub/sub listener).
async fn expect_redis_state(addr: &str, state: &str) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let now = redis_state(addr).await?;
        if now == state {
            return Ok(());
        }
        ensure!(
            Instant::now() < deadline,
            "replica at {addr}: /ready says redis {now:?}, not {state:?}, after 15 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Answers to `route` by status, from the replica's own /metrics.
async fn answers(metrics: &str, route: &str) -> anyhow::Result<Vec<(String, f64)>> {
    let mut c = Connection::open(metrics).await?;
    let r = c.request("GET", "/metrics", None, None).await?;
    ensure!(r.status == 200, "/metrics: {}", r.status);
    let text = String::from_utf8_lossy(&r.body);
    let mut answers = Vec::new();
    for line in text.lines() {
        if !line.starts_with("http_requests_total{")
            || !line.contains(&format!("route=\"{route}\""))
        {
            continue;
        }
        let status = line
            .split("status=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .context("no status label")?
            .to_string();
        let count: f64 = line
            .rsplit(' ')
            .next()
            .and_then(|n| n.parse().ok())
            .context("no count")?;
        answers.push((status, count));
    }
    Ok(answers)
}

/// wrk `POST /auth/refresh` with a made-up token at `conns` connections against one replica;
/// fails unless every answer counted by the replica meanwhile was a 401 (none refused).
async fn refresh_load(replica: &Replica, conns: usize, d: Duration) -> anyhow::Result<WrkResult> {
    let count = |answers: &[(String, f64)], status: &str| -> f64 {
        answers
            .iter()
            .filter(|(s, _)| s == status)
            .map(|(_, n)| n)
            .sum()
    };
    let before = answers(&replica.metrics, "/auth/refresh").await?;
    let url = format!("http://{}/auth/refresh", replica.server.addr);
    let r = tokio::task::spawn_blocking(move || {
        crate::wrk::run_request(&url, conns, d, None, Some(MADE_UP_REFRESH))
    })
    .await??;
    let after = answers(&replica.metrics, "/auth/refresh").await?;
    let all = |a: &[(String, f64)]| a.iter().map(|(_, n)| n).sum::<f64>();
    let unauthorized = count(&after, "401") - count(&before, "401");
    let total = all(&after) - all(&before);
    ensure!(
        unauthorized > 0.0 && unauthorized == total,
        "/auth/refresh: {unauthorized} of {total} answers were 401 (the others refused?): {after:?}"
    );
    Ok(r)
}

/// `route`'s answers so far on each replica.
async fn served(replicas: &[Replica], route: &str) -> anyhow::Result<Vec<f64>> {
    let mut counts = Vec::new();
    for replica in replicas {
        let a = answers(&replica.metrics, route).await?;
        counts.push(a.iter().map(|(_, n)| n).sum());
    }
    Ok(counts)
}

struct Replica {
    server: crate::Server,
    metrics: String,
}

/// Starts the project's binary as a replica with `envs` and REDIS_URL `redis_url`.
async fn start_replica(
    setup: &Setup<'_>,
    envs: &[(&'static str, String)],
    redis_url: &str,
) -> anyhow::Result<Replica> {
    let metrics = crate::free_addr()?;
    let mut envs = envs.to_vec();
    envs.push(("REDIS_URL", redis_url.to_string()));
    envs.push(("METRICS_ADDR", metrics.clone()));
    let server = crate::start(setup.bin, setup.dir, &envs, "/ready").await?;
    Ok(Replica { server, metrics })
}

/// Figures of one configuration across runs.
#[derive(Default)]
struct Load {
    rps: Series,
    p50: Series,
    p99: Series,
}

impl Load {
    fn push(&mut self, (rps, p50, p99): (f64, f64, f64)) {
        self.rps.push(rps);
        self.p50.push(p50);
        self.p99.push(p99);
    }

    fn cell(&self, unit: &str, decimals: usize) -> String {
        if self.rps.median().is_nan() {
            return "-".into();
        }
        format!(
            "{} {unit}, p50 {} ms, p99 {} ms",
            self.rps.fmt(decimals),
            self.p50.fmt(decimals.max(1) + 1),
            self.p99.fmt(decimals.max(1) + 1)
        )
    }
}

/// The two stores' figures for the rate-limited request, across runs.
#[derive(Default)]
struct Store {
    /// At one connection, in µs.
    p50_us: Series,
    p99_us: Series,
    mean_us: Series,
    /// At `REFRESH_CONNECTIONS`.
    rps: Series,
    p50_ms: Series,
    p99_ms: Series,
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "?".into())
}

pub async fn run(setup: &Setup<'_>, tools: &Tools) -> anyhow::Result<String> {
    let d = setup.duration;
    let shipped = std::fs::read_to_string(setup.dir.join("deploy/nginx.conf"))
        .context("the redis project ships no deploy/nginx.conf")?;
    let load_before = loadavg();
    // [direct, nginx -> 1, nginx -> 3] x connection counts.
    let mut me: [[Load; 2]; 3] = Default::default();
    // [nginx -> 1, nginx -> 3].
    let mut logins: [Load; 2] = Default::default();
    let (mut shared, mut local) = (Store::default(), Store::default());
    let (mut p50_cost, mut mean_cost) = (Series::default(), Series::default());
    let mut hashing = 0;
    // The share of `/users/me` each replica answered through nginx with 3, in %.
    let mut spread: [Series; 3] = Default::default();

    for run in 0..setup.runs {
        eprintln!("replicas: run {}/{}", run + 1, setup.runs);
        let database = RunDatabase::create(Database::Postgres, setup.postgres_url).await?;
        let result = async {
            let (_redis, redis_port) = start_redis(&tools.redis_server).await?;
            let redis_url = format!("redis://127.0.0.1:{redis_port}");
            // One environment (one JWT secret) for every replica of the run.
            let mut envs = load_env(&database, "error");
            envs.extend([
                ("MIGRATE_ON_STARTUP", "false".to_string()),
                ("REDIS_KEY_PREFIX", format!("bench-{run}:")),
                ("TRUSTED_PROXIES", "127.0.0.1".to_string()),
                ("LOG_FORMAT", "json".to_string()),
            ]);
            let migrated = Command::new(setup.bin)
                .arg("migrate")
                .current_dir(setup.dir)
                .envs(envs.iter().map(|(k, v)| (*k, v.as_str())))
                .env("REDIS_URL", &redis_url)
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .output()?;
            ensure!(
                migrated.status.success(),
                "migrate: {}",
                String::from_utf8_lossy(&migrated.stderr)
            );

            let mut replicas = Vec::new();
            for _ in 0..3 {
                let replica = start_replica(setup, &envs, &redis_url).await?;
                expect_redis_state(&replica.server.addr, "shared").await?;
                replicas.push(replica);
            }
            hashing = crate::scenarios::threads_named(replicas[0].server.child.id(), "argon2-");
            let first = replicas[0].server.addr.clone();
            let mut c = Connection::open(&first).await?;
            register_users(&mut c, &OURS).await?;
            let access = sign_in(&mut c, &OURS).await?;
            drop(c);

            // The reference: one replica, no nginx.
            for (i, conns) in ME_CONNECTIONS.into_iter().enumerate() {
                me[0][i].push(throughput(&first, OURS.me, conns, d, Some(&access)).await?);
            }
            let ports: Vec<u16> = replicas
                .iter()
                .map(|r| r.server.addr.rsplit(':').next().unwrap_or("").parse())
                .collect::<Result<_, _>>()?;
            for (column, count) in [(1, 1), (2, 3)] {
                let (nginx, addr, _dir) = start_nginx(tools, &shipped, &ports[..count]).await?;
                let before = served(&replicas, OURS.me).await?;
                for (i, conns) in ME_CONNECTIONS.into_iter().enumerate() {
                    me[column][i].push(throughput(&addr, OURS.me, conns, d, Some(&access)).await?);
                }
                let after = served(&replicas, OURS.me).await?;
                let counts: Vec<f64> = after.iter().zip(&before).map(|(a, b)| a - b).collect();
                let total: f64 = counts.iter().sum();
                ensure!(total > 0.0, "no /users/me reached the replicas");
                for (i, n) in counts.iter().enumerate() {
                    ensure!(
                        i < count || *n == 0.0,
                        "replica {i} answered /users/me outside nginx's configuration"
                    );
                    if count == 3 {
                        spread[i].push(100.0 * n / total);
                    }
                }
                let s = login_load(&addr, &OURS, LOGIN_CONNECTIONS, Instant::now() + d).await?;
                ensure!(s.errors == 0, "login errors: {}", s.errors);
                logins[column - 1].push((s.rps(), s.pct(0.5), s.pct(0.99)));
                drop(nginx);
            }

            // What Redis costs a rate-limited request: the same replica binary, straight,
            // with the shared store and with its in-process one. The other replicas idle.
            let closed = format!("redis://127.0.0.1:{}", free_port()?);
            let fallback = start_replica(setup, &envs, &closed).await?;
            expect_redis_state(&fallback.server.addr, "fallback").await?;
            // p50 and mean at one connection, in µs, of each store.
            let mut c1 = [(0.0, 0.0); 2];
            for (i, (replica, store)) in [(&replicas[0], &mut shared), (&fallback, &mut local)]
                .into_iter()
                .enumerate()
            {
                let state = if i == 0 { "shared" } else { "fallback" };
                expect_redis_state(&replica.server.addr, state).await?;
                let one = refresh_load(replica, 1, d).await?;
                store.p50_us.push(one.p50_ms * 1000.0);
                store.p99_us.push(one.p99_ms * 1000.0);
                store.mean_us.push(1e6 / one.requests_per_sec);
                c1[i] = (one.p50_ms * 1000.0, 1e6 / one.requests_per_sec);
                let many = refresh_load(replica, REFRESH_CONNECTIONS, d).await?;
                store.rps.push(many.requests_per_sec);
                store.p50_ms.push(many.p50_ms);
                store.p99_ms.push(many.p99_ms);
                // Still the store it was measured with.
                expect_redis_state(&replica.server.addr, state).await?;
            }
            p50_cost.push(c1[0].0 - c1[1].0);
            mean_cost.push(c1[0].1 - c1[1].1);
            Ok::<(), anyhow::Error>(())
        }
        .await;
        database.finish().await?;
        result?;
    }

    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let mut s = format!(
        "### PostgreSQL + Redis: replicas behind nginx ({} runs of {} s per scenario; median (min..max))\n\n",
        setup.runs,
        d.as_secs()
    );
    s.push_str(&format!(
        "{cores} cores for everything: nginx (the project's `deploy/nginx.conf`, `worker_processes auto`), the replicas, Redis, PostgreSQL and the load generator share them, so 3 replicas add processes (and hashing threads: {hashing} per replica, MAX_CONCURRENT_HASHES's default), not cores. Every replica runs with METRICS_ADDR set (its /metrics check the answers). Load average (1 min) when the scenario began: {load_before}. `--replicas` runs this section alone.\n\n"
    ));
    s.push_str("| scenario | one replica, straight (no nginx) | nginx, 1 replica | nginx, 3 replicas | 3 / 1 behind nginx |\n|---|---|---|---|---|\n");
    let ratio = |a: &Series, b: &Series| format!("{:.2}x", a.median() / b.median());
    for (i, conns) in ME_CONNECTIONS.into_iter().enumerate() {
        s.push_str(&format!(
            "| `GET /users/me`, {conns} connections (wrk) | {} | {} | {} | {} |\n",
            me[0][i].cell("req/s", 0),
            me[1][i].cell("req/s", 0),
            me[2][i].cell("req/s", 0),
            ratio(&me[2][i].rps, &me[1][i].rps)
        ));
    }
    s.push_str(&format!(
        "| `POST /auth/login` flood ({LOGIN_CONNECTIONS} connections, valid accounts) | - | {} | {} | {} |\n",
        logins[0].cell("logins/s", 1),
        logins[1].cell("logins/s", 1),
        ratio(&logins[1].rps, &logins[0].rps)
    ));
    s.push_str(&format!(
        "| share of `/users/me` each replica answered through nginx with 3 (its /metrics) | | | {} % / {} % / {} % | |\n\n",
        spread[0].fmt(0),
        spread[1].fmt(0),
        spread[2].fmt(0)
    ));
    s.push_str("What Redis costs a rate-limited request: `POST /auth/refresh` with a made-up token (401 once the per-IP GCRA check let it through; nothing refused, per the replica's /metrics), straight to one replica, with the shared store (the run's Redis on loopback) and with the in-process one (REDIS_URL on a closed port; /ready said `\"redis\":\"fallback\"`). Differences are per run, then the median.\n\n");
    s.push_str("| `POST /auth/refresh`, one replica | Redis (shared) | in-process (fallback) | Redis costs |\n|---|---|---|---|\n");
    s.push_str(&format!(
        "| 1 connection (`wrk -t1 -c1`), p50 latency | {} µs | {} µs | {} µs per request |\n",
        shared.p50_us.fmt(0),
        local.p50_us.fmt(0),
        p50_cost.fmt(0)
    ));
    s.push_str(&format!(
        "| 1 connection, mean latency (1 / throughput) | {} µs | {} µs | {} µs per request |\n",
        shared.mean_us.fmt(0),
        local.mean_us.fmt(0),
        mean_cost.fmt(0)
    ));
    s.push_str(&format!(
        "| 1 connection, p99 latency | {} µs | {} µs | |\n",
        shared.p99_us.fmt(0),
        local.p99_us.fmt(0)
    ));
    s.push_str(&format!(
        "| {REFRESH_CONNECTIONS} connections (wrk) | {} req/s, p50 {} ms, p99 {} ms | {} req/s, p50 {} ms, p99 {} ms | throughput {:.0}% of in-process |\n\n",
        shared.rps.fmt(0),
        shared.p50_ms.fmt(2),
        shared.p99_ms.fmt(2),
        local.rps.fmt(0),
        local.p50_ms.fmt(2),
        local.p99_ms.fmt(2),
        100.0 * shared.rps.median() / local.rps.median()
    ));
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::nginx_conf;

    const SHIPPED: &str = "upstream api {\n        server 127.0.0.1:8081 max_fails=1 fail_timeout=2s;\n        server 127.0.0.1:8082 max_fails=1 fail_timeout=2s;\n        server 127.0.0.1:8083 max_fails=1 fail_timeout=2s;\n}\nserver {\n        listen 8080;\n}\n";

    #[test]
    fn one_replica_keeps_one_server_line() {
        let conf = nginx_conf(SHIPPED, &[9001], 9000).unwrap();
        assert!(conf.contains("server 127.0.0.1:9001 max_fails=1 fail_timeout=2s;"));
        assert!(!conf.contains("8082") && !conf.contains("8083"));
        assert!(conf.contains("listen 127.0.0.1:9000;"));
    }

    #[test]
    fn three_replicas_keep_the_shipped_options() {
        let conf = nginx_conf(SHIPPED, &[9001, 9002, 9003], 9000).unwrap();
        for port in [9001, 9002, 9003] {
            assert!(conf.contains(&format!(
                "server 127.0.0.1:{port} max_fails=1 fail_timeout=2s;"
            )));
        }
    }
}
