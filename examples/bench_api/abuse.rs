//! Abuse scenarios, against a server with the project's default abuse limits (only the per-IP
//! request limit is lifted, so the floods reach the handlers):
//!
//! - a password-change flood from one account (16 connections from 127.0.0.2, wrong current
//!   passwords, the failure limit lifted so every guess costs a hash): the p99 of another
//!   client's logins (127.0.0.3, one at a time) and of `/health` during it, and how the flood
//!   was answered (refused fast with 503 `service_busy`, or judged);
//! - a failed-login flood with large unique emails (20,000 logins with 4 KiB random emails from
//!   8 connections): the server's resident memory before and after.

use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use anyhow::{Context, ensure};

use crate::client::Connection;
use crate::scenarios::{PASSWORD, Sample, Series, Setup, body};
use crate::throwaway::RunDatabase;

const FLOODER: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 2);
const VICTIM: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 3);
const EMAIL_FLOOD: usize = 20_000;

fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// 4 KiB of random lower-case letters before `@example.com`.
fn big_email() -> String {
    let mut bytes = [0u8; 4096];
    getrandom::fill(&mut bytes).expect("OS randomness");
    let local: String = bytes.iter().map(|b| char::from(b'a' + b % 26)).collect();
    format!("{local}@example.com")
}

pub async fn run(setup: &Setup<'_>) -> anyhow::Result<String> {
    let d = setup.duration;
    let (mut victim_p99, mut victim_ok, mut health_p99) =
        (Series::default(), Series::default(), Series::default());
    let (mut busy, mut judged, mut busy_p99) =
        (Series::default(), Series::default(), Series::default());
    let (mut rss_before, mut rss_after, mut flood_rate) =
        (Series::default(), Series::default(), Series::default());
    for run in 0..setup.runs {
        eprintln!("{}: abuse run {}/{}", setup.db, run + 1, setup.runs);
        let database = RunDatabase::create(setup.db, setup.postgres_url).await?;
        let mut envs = database.server_env();
        envs.extend([
            ("LOGIN_FAILURE_LIMIT", "1000000000".to_string()),
            ("RUST_LOG", "warn".to_string()),
        ]);
        let result = async {
            let server =
                crate::start(setup.project_bin, setup.project_dir, &envs, "/ready").await?;
            let addr = server.addr.clone();
            let mut c = Connection::open(&addr).await?;
            for email in ["flooder@bench.example", "victim@bench.example"] {
                let r = c
                    .request("POST", "/auth/register", None, Some(&body(email)))
                    .await?;
                ensure!(r.status == 201, "register: {}", r.status);
            }
            let r = c
                .request("POST", "/auth/login", None, Some(&body("flooder@bench.example")))
                .await?;
            ensure!(r.status == 200, "login: {}", r.status);
            let v: serde_json::Value = serde_json::from_slice(&r.body)?;
            let access = v["access_token"]
                .as_str()
                .context("access_token")?
                .to_string();

            // (a) The password-change flood, with the victim and /health probed beside it.
            let until = Instant::now() + d;
            let mut flood = Vec::new();
            for _ in 0..16 {
                let mut c = Connection::open_from(&addr, FLOODER).await?;
                let access = access.clone();
                flood.push(tokio::spawn(async move {
                    let body = format!(
                        "{{\"current_password\":\"a wrong guess\",\"new_password\":\"{PASSWORD}-2\"}}"
                    );
                    let (mut refused, mut judged) = (Sample::default(), 0usize);
                    while Instant::now() < until {
                        let (r, t) = c
                            .timed("PUT", "/users/me/password", Some(&access), Some(&body))
                            .await?;
                        match r.status {
                            503 => refused.latencies.push(t),
                            401 => judged += 1,
                            other => anyhow::bail!("password change: {other}"),
                        }
                    }
                    Ok::<_, anyhow::Error>((refused, judged))
                }));
            }
            let victim = tokio::spawn({
                let addr = addr.clone();
                async move {
                    let mut c = Connection::open_from(&addr, VICTIM).await?;
                    let mut s = Sample::default();
                    while Instant::now() < until {
                        let (r, t) = c
                            .timed("POST", "/auth/login", None, Some(&body("victim@bench.example")))
                            .await?;
                        s.latencies.push(t);
                        if r.status == 200 {
                            s.ok += 1;
                        } else {
                            s.errors += 1;
                        }
                    }
                    Ok::<_, anyhow::Error>(s)
                }
            });
            let mut probe = Connection::open(&addr).await?;
            let mut health = Sample::default();
            while Instant::now() < until {
                let (_, t) = probe.timed("GET", "/health", None, None).await?;
                health.latencies.push(t);
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            let victim = victim.await??;
            let (mut refused, mut judged_n) = (Sample::default(), 0);
            for f in flood {
                let (r, j) = f.await??;
                refused.latencies.extend(r.latencies);
                judged_n += j;
            }
            victim_p99.push(victim.pct(0.99));
            victim_ok.push(100.0 * victim.ok as f64 / (victim.ok + victim.errors).max(1) as f64);
            health_p99.push(health.pct(0.99));
            busy.push(refused.latencies.len() as f64);
            busy_p99.push(refused.pct(0.99));
            judged.push(judged_n as f64);

            // (b) Failed logins with 4 KiB unique emails.
            let pid = server.child.id();
            rss_before.push(rss_kib(pid).unwrap_or(0) as f64 / 1024.0);
            let started = Instant::now();
            let mut tasks = Vec::new();
            for _ in 0..8 {
                let mut c = Connection::open(&addr).await?;
                tasks.push(tokio::spawn(async move {
                    for _ in 0..EMAIL_FLOOD / 8 {
                        let body = format!(
                            "{{\"email\":\"{}\",\"password\":\"a wrong guess\"}}",
                            big_email()
                        );
                        let r = c.request("POST", "/auth/login", None, Some(&body)).await?;
                        ensure!(r.status == 401, "big-email login: {}", r.status);
                    }
                    Ok::<_, anyhow::Error>(())
                }));
            }
            for t in tasks {
                t.await??;
            }
            flood_rate.push(EMAIL_FLOOD as f64 / started.elapsed().as_secs_f64());
            rss_after.push(rss_kib(pid).unwrap_or(0) as f64 / 1024.0);
            drop(server);
            Ok::<(), anyhow::Error>(())
        }
        .await;
        database.finish().await?;
        result?;
    }
    let mut s = format!(
        "#### {}: abuse limits at their defaults ({} runs; median (min..max))\n\n| scenario | result |\n|---|---|\n",
        setup.db, setup.runs
    );
    s.push_str(&format!(
        "| another client's logins during a password-change flood from one account (16 connections, {} s) | p99 {} ms, {} % succeeded |\n",
        d.as_secs(),
        victim_p99.fmt(1),
        victim_ok.fmt(0)
    ));
    s.push_str(&format!(
        "| `GET /health` p99 during that flood | {} ms |\n",
        health_p99.fmt(2)
    ));
    s.push_str(&format!(
        "| the flood's requests: judged (401) / refused 503 `service_busy` (p99 of a refusal) | {} / {} ({} ms) |\n",
        judged.fmt(0),
        busy.fmt(0),
        busy_p99.fmt(1)
    ));
    s.push_str(&format!(
        "| server RSS before / after {EMAIL_FLOOD} failed logins with 4 KiB random emails ({} logins/s) | {} / {} MiB |\n\n",
        flood_rate.fmt(0),
        rss_before.fmt(1),
        rss_after.fmt(1)
    ));
    Ok(s)
}
