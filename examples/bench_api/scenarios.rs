//! The load scenarios, each repeated `runs` times; a markdown section with medians and spread.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, ensure};

use starter::answers::Database;

use crate::client::Connection;
use crate::throwaway::RunDatabase;

pub struct Setup<'a> {
    pub db: Database,
    pub project_bin: &'a Path,
    pub project_dir: &'a Path,
    pub baseline_bin: &'a Path,
    pub runs: usize,
    pub duration: Duration,
    pub postgres_url: &'a str,
}

/// What the scenarios need to know of a server under test: its routes, and how its sign-up and
/// sign-in bodies and answers look.
pub struct Api {
    /// Answers 200 once the server serves with its database (start-up ends at its first 200).
    pub ready: &'static str,
    /// A cheap endpoint: no database, no authentication.
    pub health: &'static str,
    /// The authenticated "who am I".
    pub me: &'static str,
    pub register: &'static str,
    pub register_status: u16,
    pub login: &'static str,
    /// The field of the login answer that holds the bearer token.
    pub token_field: &'static str,
    /// Whether sign-up asks for a display name beside the email and password.
    pub register_name: bool,
}

/// The generated API.
pub const OURS: Api = Api {
    ready: "/ready",
    health: "/health",
    me: "/users/me",
    register: "/auth/register",
    register_status: 201,
    login: "/auth/login",
    token_field: "access_token",
    register_name: false,
};

/// How many users each run registers; the login flood's connections sign in as them in turn.
const USERS: usize = 32;

pub const PASSWORD: &str = "bench-load-Vx81-generator-pass";
/// The generated API's default argon2id parameters (the OWASP minimum it accepts).
pub const ARGON2_MEMORY_KIB: usize = 19456;
pub const ARGON2_ITERATIONS: u32 = 2;
pub const ARGON2_PARALLELISM: u32 = 1;

/// Latencies and completed requests of one scenario run.
#[derive(Default, Clone)]
pub struct Sample {
    pub latencies: Vec<Duration>,
    pub ok: usize,
    pub errors: usize,
    pub elapsed: Duration,
}

impl Sample {
    pub fn rps(&self) -> f64 {
        self.ok as f64 / self.elapsed.as_secs_f64()
    }
    pub fn pct(&self, p: f64) -> f64 {
        let mut l = self.latencies.clone();
        l.sort();
        if l.is_empty() {
            return f64::NAN;
        }
        let i = ((l.len() as f64 - 1.0) * p).round() as usize;
        l[i].as_secs_f64() * 1000.0
    }
    fn merge(&mut self, other: Sample) {
        self.latencies.extend(other.latencies);
        self.ok += other.ok;
        self.errors += other.errors;
    }
}

/// Metric values across runs: median and spread.
#[derive(Default)]
pub struct Series(Vec<f64>);

impl Series {
    pub fn push(&mut self, v: f64) {
        self.0.push(v);
    }
    pub fn fmt(&self, decimals: usize) -> String {
        let mut v = self.0.clone();
        v.sort_by(f64::total_cmp);
        if v.is_empty() {
            return "-".into();
        }
        let med = v[v.len() / 2];
        format!(
            "{med:.decimals$} ({:.decimals$}..{:.decimals$})",
            v[0],
            v[v.len() - 1]
        )
    }
    pub fn median(&self) -> f64 {
        let mut v = self.0.clone();
        v.sort_by(f64::total_cmp);
        v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
    }
}

pub fn secret() -> String {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).expect("OS randomness");
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Runs `conns` connections, each calling `request` in a loop until `duration` is over.
async fn load<F, Fut>(
    addr: &str,
    conns: usize,
    duration: Duration,
    request: F,
) -> anyhow::Result<Sample>
where
    F: Fn(Connection, usize) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = anyhow::Result<Sample>> + Send,
{
    let start = Instant::now();
    let mut tasks = Vec::new();
    for i in 0..conns {
        let conn = Connection::open(addr).await?;
        let request = request.clone();
        tasks.push(tokio::spawn(async move { request(conn, i).await }));
    }
    let mut total = Sample::default();
    for t in tasks {
        total.merge(t.await??);
    }
    total.elapsed = start
        .elapsed()
        .min(duration + Duration::from_millis(500))
        .max(Duration::from_millis(1));
    Ok(total)
}

async fn get_loop(
    mut c: Connection,
    path: &'static str,
    token: Option<String>,
    until: Instant,
) -> anyhow::Result<Sample> {
    let mut s = Sample::default();
    while Instant::now() < until {
        let (r, t) = c.timed("GET", path, token.as_deref(), None).await?;
        s.latencies.push(t);
        if r.status == 200 {
            s.ok += 1
        } else {
            s.errors += 1
        }
    }
    Ok(s)
}

/// How often the `/health` probe asks, idle and during the login flood: 2,500 samples in 5 s,
/// so that a p99 is not the fifth-worst of a few hundred, one scheduler hiccup away from
/// doubling.
const PROBE_EVERY: Duration = Duration::from_millis(2);

/// The p99 latencies of `health` on the server at `api` and of the baseline's route at
/// `control`, each asked every `PROBE_EVERY` until `until`, side by side: the control shows what
/// the machine itself does to a server that has no part in the load.
pub async fn probe_side_by_side(
    api: &str,
    health: &'static str,
    control: &str,
    until: Instant,
) -> anyhow::Result<(f64, f64)> {
    let (api, control) = tokio::try_join!(
        get_rate(Connection::open(api).await?, health, until),
        get_rate(Connection::open(control).await?, "/users/me", until),
    )?;
    Ok((api.pct(0.99), control.pct(0.99)))
}

async fn get_rate(mut c: Connection, path: &'static str, until: Instant) -> anyhow::Result<Sample> {
    let mut s = Sample::default();
    let mut tick = tokio::time::interval(PROBE_EVERY);
    while Instant::now() < until {
        tick.tick().await;
        let (r, t) = c.timed("GET", path, None, None).await?;
        s.latencies.push(t);
        if r.status == 200 {
            s.ok += 1
        } else {
            s.errors += 1
        }
    }
    Ok(s)
}

/// `GET path` under `conns` connections for `d`: requests/s, p50 and p99 in ms. Through wrk
/// when it is installed, else through this harness's own client.
pub async fn throughput(
    addr: &str,
    path: &'static str,
    conns: usize,
    d: Duration,
    token: Option<&str>,
) -> anyhow::Result<(f64, f64, f64)> {
    if crate::wrk::available() {
        let url = format!("http://{addr}{path}");
        let token = token.map(str::to_string);
        let r =
            tokio::task::spawn_blocking(move || crate::wrk::run(&url, conns, d, token.as_deref()))
                .await??;
        ensure!(r.non_2xx == 0, "{path}: {} non-2xx responses", r.non_2xx);
        return Ok((r.requests_per_sec, r.p50_ms, r.p99_ms));
    }
    let until = Instant::now() + d;
    let token = token.map(str::to_string);
    let s = load(addr, conns, d, move |c, _| {
        get_loop(c, path, token.clone(), until)
    })
    .await?;
    ensure!(s.errors == 0, "{path} errors: {}", s.errors);
    Ok((s.rps(), s.pct(0.5), s.pct(0.99)))
}

pub fn body(email: &str) -> String {
    format!("{{\"email\":\"{email}\",\"password\":\"{PASSWORD}\"}}")
}

fn email(i: usize) -> String {
    format!("user{i}@bench.example")
}

/// Registers the `USERS` users the scenarios sign in as.
pub async fn register_users(c: &mut Connection, api: &Api) -> anyhow::Result<()> {
    for i in 0..USERS {
        register_user(c, api, i).await?;
    }
    Ok(())
}

/// Registers user number `i`.
pub async fn register_user(c: &mut Connection, api: &Api, i: usize) -> anyhow::Result<()> {
    let email = email(i);
    let body = if api.register_name {
        format!("{{\"name\":\"bench\",\"email\":\"{email}\",\"password\":\"{PASSWORD}\"}}")
    } else {
        body(&email)
    };
    let r = c.request("POST", api.register, None, Some(&body)).await?;
    ensure!(
        r.status == api.register_status,
        "register: {} {}",
        r.status,
        String::from_utf8_lossy(&r.body)
    );
    Ok(())
}

/// Signs in as `email`: the login answer.
async fn login_answer(
    c: &mut Connection,
    api: &Api,
    email: &str,
) -> anyhow::Result<serde_json::Value> {
    let r = c
        .request("POST", api.login, None, Some(&body(email)))
        .await?;
    ensure!(
        r.status == 200,
        "login: {} {}",
        r.status,
        String::from_utf8_lossy(&r.body)
    );
    Ok(serde_json::from_slice(&r.body)?)
}

/// Signs in as the first user: its bearer token.
pub async fn sign_in(c: &mut Connection, api: &Api) -> anyhow::Result<String> {
    let v = login_answer(c, api, &email(0)).await?;
    Ok(v[api.token_field]
        .as_str()
        .context(api.token_field)?
        .to_string())
}

/// Our access and refresh tokens.
async fn login(c: &mut Connection, email: &str) -> anyhow::Result<(String, String)> {
    let v = login_answer(c, &OURS, email).await?;
    let field = |name: &str| {
        v[name]
            .as_str()
            .context(name.to_string())
            .map(str::to_string)
    };
    Ok((field("access_token")?, field("refresh_token")?))
}

/// One login at a time, ten times, on a new connection (the server may have closed an older
/// one that idled through the runs before): the median, in ms, of one password verification
/// plus the request.
pub async fn one_login_at_a_time(addr: &str, api: &Api) -> anyhow::Result<f64> {
    let mut c = Connection::open(addr).await?;
    let mut single = Sample::default();
    for _ in 0..10 {
        let start = Instant::now();
        login_answer(&mut c, api, &email(1)).await?;
        single.latencies.push(start.elapsed());
    }
    Ok(single.pct(0.5))
}

/// A login flood and the probes beside it.
pub struct Flood {
    pub logins: Sample,
    /// p99 of the server's cheap endpoint during the flood, in ms.
    pub health_p99: f64,
    /// p99 of the bare baseline (no part in the flood) at the same times, in ms.
    pub control_p99: f64,
}

/// 16 connections signing in as the registered users in turn for `d`, with the server's cheap
/// endpoint and the baseline at `control` probed meanwhile.
pub async fn login_flood(
    addr: &str,
    api: &'static Api,
    control: &str,
    d: Duration,
) -> anyhow::Result<Flood> {
    let until = Instant::now() + d;
    let probes = tokio::spawn({
        let (addr, control) = (addr.to_string(), control.to_string());
        async move { probe_side_by_side(&addr, api.health, &control, until).await }
    });
    let logins = login_load(addr, api, 16, until).await?;
    let (health_p99, control_p99) = probes.await??;
    Ok(Flood {
        logins,
        health_p99,
        control_p99,
    })
}

/// `conns` connections signing in as the registered users in turn until `until`.
pub async fn login_load(
    addr: &str,
    api: &'static Api,
    conns: usize,
    until: Instant,
) -> anyhow::Result<Sample> {
    let d = until.saturating_duration_since(Instant::now());
    load(addr, conns, d, move |mut c, i| async move {
        let mut s = Sample::default();
        let email = email(i % USERS);
        while Instant::now() < until {
            let start = Instant::now();
            login_answer(&mut c, api, &email).await?;
            s.latencies.push(start.elapsed());
            s.ok += 1;
        }
        Ok(s)
    })
    .await
}

/// How many of the process's threads have names starting with `prefix` (ours hash on threads
/// named `argon2-N`), read from the process rather than assumed from its configuration.
pub fn threads_named(pid: u32, prefix: &str) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/task"))
        .map(|tasks| {
            tasks
                .flatten()
                .filter(|task| {
                    std::fs::read_to_string(task.path().join("comm"))
                        .is_ok_and(|name| name.starts_with(prefix))
                })
                .count()
        })
        .unwrap_or(0)
}

pub fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// Our server's environment for the load scenarios, at log level `log`.
pub fn load_env(database: &RunDatabase, log: &str) -> Vec<(&'static str, String)> {
    let mut envs = database.server_env();
    envs.extend([
        // One client plays every user here: the per-client caps (measured in `abuse`) would
        // refuse most of the flood and the connections past 64.
        ("MAX_CONNECTIONS_PER_IP", "512".to_string()),
        ("MAX_HASH_JOBS_PER_IP", "1000000".to_string()),
        ("MAX_HASH_JOBS_PER_ACCOUNT", "1000000".to_string()),
        ("HASH_QUEUE_TIMEOUT_MS", "60000".to_string()),
        ("RUST_LOG", log.to_string()),
    ]);
    envs
}

pub async fn run_all(setup: &Setup<'_>) -> anyhow::Result<String> {
    let d = setup.duration;
    let mut startup = Series::default();
    let (mut me32, mut me128, mut base32, mut base128) = (
        Series::default(),
        Series::default(),
        Series::default(),
        Series::default(),
    );
    let (mut me32_p50, mut me32_p99, mut me128_p50, mut me128_p99) = (
        Series::default(),
        Series::default(),
        Series::default(),
        Series::default(),
    );
    let (mut base32_p99, mut base128_p99) = (Series::default(), Series::default());
    let (mut rot, mut rot_p99) = (Series::default(), Series::default());
    let (mut logins, mut login_p50, mut login_p99, mut one_login) = (
        Series::default(),
        Series::default(),
        Series::default(),
        Series::default(),
    );
    let (mut health_idle, mut health_flood, mut rss) =
        (Series::default(), Series::default(), Series::default());
    // The bare baseline probed at the same times: what the machine itself does to a server
    // that has no part in the flood.
    let (mut control_idle, mut control_flood) = (Series::default(), Series::default());
    let mut hashing = 0;

    for run in 0..setup.runs {
        eprintln!("{}: run {}/{}", setup.db, run + 1, setup.runs);
        let database = RunDatabase::create(setup.db, setup.postgres_url).await?;
        let envs = load_env(&database, "info");
        let result = async {
            let server =
                crate::start(setup.project_bin, setup.project_dir, &envs, "/ready").await?;
            startup.push(server.started_in.as_secs_f64() * 1000.0);
            let addr = server.addr.clone();
            let mut c = Connection::open(&addr).await?;
            register_users(&mut c, &OURS).await?;
            let access = sign_in(&mut c, &OURS).await?;

            // The baseline runs beside it, and the two are loaded in turn.
            let base =
                crate::start(setup.baseline_bin, setup.project_dir, &[], "/users/me").await?;
            for (conns, rps, p50, p99, b_rps, b_p99) in [
                (
                    32,
                    &mut me32,
                    &mut me32_p50,
                    &mut me32_p99,
                    &mut base32,
                    &mut base32_p99,
                ),
                (
                    128,
                    &mut me128,
                    &mut me128_p50,
                    &mut me128_p99,
                    &mut base128,
                    &mut base128_p99,
                ),
            ] {
                let (r, m50, m99) = throughput(&addr, OURS.me, conns, d, Some(&access)).await?;
                rps.push(r);
                p50.push(m50);
                p99.push(m99);
                let (r, _, m99) = throughput(&base.addr, OURS.me, conns, d, None).await?;
                b_rps.push(r);
                b_p99.push(m99);
            }

            one_login.push(one_login_at_a_time(&addr, &OURS).await?);

            // Refresh chains: one per connection, each rotation spends the previous token.
            let mut c = Connection::open(&addr).await?;
            let mut starts = Vec::new();
            for i in 0..8 {
                starts.push(login(&mut c, &email(i)).await?.1);
            }
            let until = Instant::now() + d;
            let s = load(&addr, 8, d, move |mut c, i| {
                let mut token = starts[i].clone();
                async move {
                    let mut s = Sample::default();
                    while Instant::now() < until {
                        let body = format!("{{\"refresh_token\":\"{token}\"}}");
                        let (r, t) = c.timed("POST", "/auth/refresh", None, Some(&body)).await?;
                        s.latencies.push(t);
                        ensure!(r.status == 200, "refresh: {}", r.status);
                        let v: serde_json::Value = serde_json::from_slice(&r.body)?;
                        token = v["refresh_token"]
                            .as_str()
                            .context("refresh_token")?
                            .to_string();
                        s.ok += 1;
                    }
                    Ok(s)
                }
            })
            .await?;
            rot.push(s.rps());
            rot_p99.push(s.pct(0.99));

            let (api_p99, control_p99) =
                probe_side_by_side(&addr, OURS.health, &base.addr, Instant::now() + d).await?;
            health_idle.push(api_p99);
            control_idle.push(control_p99);

            let flood = login_flood(&addr, &OURS, &base.addr, d).await?;
            health_flood.push(flood.health_p99);
            control_flood.push(flood.control_p99);
            drop(base);
            logins.push(flood.logins.rps());
            login_p50.push(flood.logins.pct(0.5));
            login_p99.push(flood.logins.pct(0.99));
            hashing = threads_named(server.child.id(), "argon2-");
            if let Some(kib) = peak_rss_kib(server.child.id()) {
                rss.push(kib as f64 / 1024.0);
            }
            drop(server);

            Ok::<(), anyhow::Error>(())
        }
        .await;
        database.finish().await?;
        result?;
    }

    let ratio = |a: &Series, b: &Series| 100.0 * a.median() / b.median();
    let mut s = format!(
        "### {} ({} runs of {} s per scenario; median (min..max))\n\n",
        setup.db,
        setup.runs,
        d.as_secs()
    );
    s.push_str("| scenario | result |\n|---|---|\n");
    s.push_str(&format!(
        "| start-up to first `/ready` 200 (migrations included) | {} ms |\n",
        startup.fmt(1)
    ));
    s.push_str(&format!(
        "| `GET /users/me`, 32 connections | {} req/s, p50 {} ms, p99 {} ms |\n",
        me32.fmt(0),
        me32_p50.fmt(2),
        me32_p99.fmt(2)
    ));
    s.push_str(&format!(
        "| bare axum baseline, 32 connections | {} req/s, p99 {} ms |\n",
        base32.fmt(0),
        base32_p99.fmt(2)
    ));
    s.push_str(&format!(
        "| `/users/me` / baseline throughput, 32 connections | {:.0}% (target >= 50%) |\n",
        ratio(&me32, &base32)
    ));
    s.push_str(&format!(
        "| `GET /users/me`, 128 connections | {} req/s, p50 {} ms, p99 {} ms |\n",
        me128.fmt(0),
        me128_p50.fmt(2),
        me128_p99.fmt(2)
    ));
    s.push_str(&format!(
        "| bare axum baseline, 128 connections | {} req/s, p99 {} ms |\n",
        base128.fmt(0),
        base128_p99.fmt(2)
    ));
    s.push_str(&format!(
        "| `/users/me` / baseline throughput, 128 connections | {:.0}% (target >= 50%) |\n",
        ratio(&me128, &base128)
    ));
    s.push_str(&format!(
        "| `POST /auth/refresh` chains (8 connections) | {} rotations/s, p99 {} ms |\n",
        rot.fmt(0),
        rot_p99.fmt(2)
    ));
    s.push_str(&format!(
        "| one login at a time (one argon2id verify, m={ARGON2_MEMORY_KIB} KiB t={ARGON2_ITERATIONS} p={ARGON2_PARALLELISM}) | {} ms |\n",
        one_login.fmt(1)
    ));
    s.push_str(&format!(
        "| `POST /auth/login` flood (16 connections) | {} logins/s, p50 {} ms, p99 {} ms |\n",
        logins.fmt(1),
        login_p50.fmt(1),
        login_p99.fmt(1)
    ));
    s.push_str(&format!(
        "| `GET /health` p99 idle (one request every 2 ms) | {} ms |\n",
        health_idle.fmt(2)
    ));
    s.push_str(&format!(
        "| `GET /health` p99 during the login flood | {} ms (target <= 2x idle: {:.1}x) |\n",
        health_flood.fmt(2),
        health_flood.median() / health_idle.median()
    ));
    s.push_str(&format!(
        "| control: bare axum p99, probed at the same times (no part in the flood) | idle {} ms, during the flood {} ms ({:.1}x) |\n",
        control_idle.fmt(2),
        control_flood.fmt(2),
        control_flood.median() / control_idle.median()
    ));
    s.push_str(&format!(
        "| peak RSS of the server, whole run | {} MiB (MAX_CONCURRENT_HASHES default {} x argon2 {} MiB = {:.0} MiB of hashing memory) |\n\n",
        rss.fmt(1),
        hashing,
        ARGON2_MEMORY_KIB / 1024,
        (hashing * ARGON2_MEMORY_KIB) as f64 / 1024.0
    ));
    Ok(s)
}
