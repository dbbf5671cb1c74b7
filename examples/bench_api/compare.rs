//! The generated API beside the peer a user would pick instead, loco's SaaS starter (`loco.rs`):
//! the same scenarios, load generator and connection counts, in the same run on the same
//! machine. Each run starts every contender afresh on its own throwaway SQLite file, one after
//! the other (the first one rotating from run to run), with the bare axum baseline beside them
//! as the control probe. Both servers log at `warn`.

use std::time::{Duration, Instant};

use anyhow::Context;

use crate::client::Connection;
use crate::loco::Loco;
use crate::scenarios::{
    Api, OURS, Series, Setup, login_flood, one_login_at_a_time, peak_rss_kib, probe_side_by_side,
    register_users, sign_in, threads_named, throughput,
};
use crate::stored_hash::Argon2Params;
use crate::throwaway::RunDatabase;

/// The connection counts of the "who am I" runs, as in the main scenarios.
const CONNECTIONS: [usize; 2] = [32, 128];

/// Which server a column measures.
enum Contender {
    /// Ours, with these variables beside the load scenarios' environment.
    Ours(Vec<(&'static str, String)>),
    Loco,
}

/// One contender's figures across runs.
#[derive(Default)]
struct Figures {
    startup: Series,
    me: [Series; 2],
    me_p50: [Series; 2],
    me_p99: [Series; 2],
    one_login: Series,
    logins: Series,
    login_p50: Series,
    login_p99: Series,
    health_idle: Series,
    health_flood: Series,
    control_idle: Series,
    control_flood: Series,
    rss_before: Series,
    rss_flood: Series,
    /// Read from the stored hash and the process, in the last run.
    argon2: Option<Argon2Params>,
    hashing: String,
}

struct Column {
    label: String,
    contender: Contender,
    api: &'static Api,
    figures: Figures,
}

pub async fn run(setup: &Setup<'_>, loco: &Loco) -> anyhow::Result<String> {
    let ours_default = Argon2Params {
        algorithm: "argon2id".into(),
        memory_kib: crate::scenarios::ARGON2_MEMORY_KIB as u32,
        iterations: crate::scenarios::ARGON2_ITERATIONS,
        parallelism: crate::scenarios::ARGON2_PARALLELISM,
    };
    let mut columns = vec![Column {
        label: "ours".into(),
        contender: Contender::Ours(Vec::new()),
        api: &OURS,
        figures: Figures::default(),
    }];
    // Ours again at loco's cost, unless that is ours already (or below the minimum ours
    // accepts, which it refuses to start with).
    let at_locos = if loco.argon2 == ours_default {
        format!(
            "loco's argon2 parameters are our defaults ({}): the `ours` column is also ours at loco's parameters",
            loco.argon2
        )
    } else if loco.argon2.memory_kib < ours_default.memory_kib
        || loco.argon2.iterations < ours_default.iterations
    {
        format!(
            "loco's argon2 parameters ({}) are below the OWASP minimum the generated API accepts: not run at them",
            loco.argon2
        )
    } else {
        columns.push(Column {
            label: "ours at loco's argon2".into(),
            contender: Contender::Ours(vec![
                ("ARGON2_MEMORY_KIB", loco.argon2.memory_kib.to_string()),
                ("ARGON2_ITERATIONS", loco.argon2.iterations.to_string()),
                ("ARGON2_PARALLELISM", loco.argon2.parallelism.to_string()),
            ]),
            api: &OURS,
            figures: Figures::default(),
        });
        format!(
            "ours also ran at loco's argon2 parameters ({})",
            loco.argon2
        )
    };
    eprintln!("{at_locos}");
    columns.push(Column {
        label: format!("loco {}", loco.framework),
        contender: Contender::Loco,
        api: &crate::loco::API,
        figures: Figures::default(),
    });

    let started = Instant::now();
    for run in 0..setup.runs {
        eprintln!("beside loco: run {}/{}", run + 1, setup.runs);
        let control = crate::start(setup.baseline_bin, setup.project_dir, &[], "/users/me").await?;
        let n = columns.len();
        for i in 0..n {
            let column = &mut columns[(run + i) % n];
            let database = RunDatabase::create(setup.db, setup.postgres_url).await?;
            let result = async {
                let server = match &column.contender {
                    Contender::Ours(extra) => {
                        let mut envs = crate::scenarios::load_env(&database, "warn");
                        envs.extend(extra.iter().cloned());
                        crate::start(setup.project_bin, setup.project_dir, &envs, OURS.ready)
                            .await?
                    }
                    Contender::Loco => loco.app.start(&database).await?,
                };
                measure(
                    &server,
                    column.api,
                    &control.addr,
                    setup.duration,
                    &mut column.figures,
                )
                .await?;
                if let Some(file) = database.sqlite_file() {
                    column.figures.argon2 = crate::stored_hash::read(&file);
                }
                Ok::<(), anyhow::Error>(())
            }
            .await;
            database.finish().await?;
            result.with_context(|| column.label.clone())?;
        }
    }
    eprintln!(
        "beside loco: {:.0} s of scenarios",
        started.elapsed().as_secs_f64()
    );
    Ok(table(setup, &columns, &at_locos))
}

/// One contender's scenarios, on a server started for them.
async fn measure(
    server: &crate::Server,
    api: &'static Api,
    control: &str,
    d: Duration,
    f: &mut Figures,
) -> anyhow::Result<()> {
    f.startup.push(server.started_in.as_secs_f64() * 1000.0);
    let addr = &server.addr;
    let mut c = Connection::open(addr).await?;
    register_users(&mut c, api).await?;
    let token = sign_in(&mut c, api).await?;
    for (i, conns) in CONNECTIONS.into_iter().enumerate() {
        let (rps, p50, p99) = throughput(addr, api.me, conns, d, Some(&token)).await?;
        f.me[i].push(rps);
        f.me_p50[i].push(p50);
        f.me_p99[i].push(p99);
    }
    f.one_login.push(one_login_at_a_time(addr, api).await?);
    let (health, control_p99) =
        probe_side_by_side(addr, api.health, control, Instant::now() + d).await?;
    f.health_idle.push(health);
    f.control_idle.push(control_p99);

    let pid = server.child.id();
    f.rss_before.push(peak_rss_mib(pid)?);
    // Writing 5 to clear_refs resets the peak (Linux 4.0+), so the next peak is the flood's.
    std::fs::write(format!("/proc/{pid}/clear_refs"), "5")
        .context("cannot reset the server's peak RSS")?;
    let flood = login_flood(addr, api, control, d).await?;
    f.rss_flood.push(peak_rss_mib(pid)?);
    f.logins.push(flood.logins.rps());
    f.login_p50.push(flood.logins.pct(0.5));
    f.login_p99.push(flood.logins.pct(0.99));
    f.health_flood.push(flood.health_p99);
    f.control_flood.push(flood.control_p99);
    // Ours hashes on threads of its own, loco in the request handler.
    f.hashing = match threads_named(pid, "argon2-") {
        0 => format!(
            "hashed on the async runtime's {} worker threads",
            threads_named(pid, "tokio-r")
        ),
        n => format!("hashed on {n} thread(s) of its own"),
    };
    Ok(())
}

fn peak_rss_mib(pid: u32) -> anyhow::Result<f64> {
    let kib = peak_rss_kib(pid).context("no peak RSS in /proc")?;
    Ok(kib as f64 / 1024.0)
}

/// `1.23x`, or `1/845` where ours is a small fraction of loco's (latency under the flood).
fn ratio_text(ratio: f64) -> String {
    if ratio > 0.0 && ratio < 0.1 {
        format!("1/{:.0}", 1.0 / ratio)
    } else {
        format!("{ratio:.2}x")
    }
}

fn table(setup: &Setup<'_>, columns: &[Column], at_locos: &str) -> String {
    let (ours, peer) = (&columns[0].figures, &columns[columns.len() - 1].figures);
    let mut s = format!(
        "### {} beside loco's SaaS starter ({} runs of {} s per scenario; median (min..max))\n\n",
        setup.db,
        setup.runs,
        setup.duration.as_secs()
    );
    s.push_str("| scenario |");
    for c in columns {
        s.push_str(&format!(" {} |", c.label));
    }
    s.push_str(" ours / loco |\n|---|");
    s.push_str(&"---|".repeat(columns.len() + 1));
    s.push('\n');
    let mut row =
        |name: String, cell: &dyn Fn(&Figures) -> String, of: &dyn Fn(&Figures) -> &Series| {
            s.push_str(&format!("| {name} |"));
            for c in columns {
                s.push_str(&format!(" {} |", cell(&c.figures)));
            }
            s.push_str(&format!(
                " {} |\n",
                ratio_text(of(ours).median() / of(peer).median())
            ));
        };
    row(
        "start-up to the first 200 from `/ready` (loco: `/_readiness`), migrations included, ms"
            .into(),
        &|f| f.startup.fmt(1),
        &|f| &f.startup,
    );
    for (i, conns) in CONNECTIONS.into_iter().enumerate() {
        row(
            format!(
                "`GET /users/me` (loco: `/api/auth/current`), {conns} connections: req/s, p50 / p99 ms"
            ),
            &|f| {
                format!(
                    "{}, {} / {}",
                    f.me[i].fmt(0),
                    f.me_p50[i].fmt(2),
                    f.me_p99[i].fmt(2)
                )
            },
            &|f| &f.me[i],
        );
    }
    row(
        "one login at a time, ms".into(),
        &|f| f.one_login.fmt(1),
        &|f| &f.one_login,
    );
    row(
        "login flood, 16 connections: logins/s, p50 / p99 ms".into(),
        &|f| {
            format!(
                "{}, {} / {}",
                f.logins.fmt(1),
                f.login_p50.fmt(1),
                f.login_p99.fmt(1)
            )
        },
        &|f| &f.logins,
    );
    row(
        "`GET /health` (loco: `/_ping`) p99 idle, one request every 2 ms, ms".into(),
        &|f| f.health_idle.fmt(2),
        &|f| &f.health_idle,
    );
    row(
        "the same during the login flood, ms (x idle)".into(),
        &|f| format!("{} ({:.1}x)", f.health_flood.fmt(2), flood_over_idle(f)),
        &|f| &f.health_flood,
    );
    row(
        "control: bare axum p99 at the same times, idle / flood, ms".into(),
        &|f| format!("{} / {}", f.control_idle.fmt(2), f.control_flood.fmt(2)),
        &|f| &f.control_flood,
    );
    row(
        "peak RSS before the flood (sign-ups, who-am-I runs), MiB".into(),
        &|f| f.rss_before.fmt(1),
        &|f| &f.rss_before,
    );
    row(
        "peak RSS during the login flood, MiB".into(),
        &|f| f.rss_flood.fmt(1),
        &|f| &f.rss_flood,
    );
    s.push('\n');
    for c in columns {
        s.push_str(&format!(
            "- {}: {}, {}\n",
            c.label,
            c.figures.argon2.as_ref().map_or(
                "no hash found in its database".to_string(),
                ToString::to_string
            ),
            c.figures.hashing
        ));
    }
    s.push_str(&format!("- {at_locos}\n\n"));
    s.push_str(&goals(ours, peer));
    s
}

fn flood_over_idle(f: &Figures) -> f64 {
    f.health_flood.median() / f.health_idle.median()
}

/// The goals of issue #16, each met or not with its numbers.
fn goals(ours: &Figures, peer: &Figures) -> String {
    let verdict = |met: bool| if met { "met" } else { "not met" };
    let mut s = String::from("| goal | figures | |\n|---|---|---|\n");
    for (i, conns) in CONNECTIONS.into_iter().enumerate() {
        let ratio = ours.me[i].median() / peer.me[i].median();
        s.push_str(&format!(
            "| `/users/me` >= 2x loco's `/api/auth/current` req/s, {conns} connections | {ratio:.2}x | {} |\n",
            verdict(ratio >= 2.0)
        ));
    }
    let (o, p) = (flood_over_idle(ours), flood_over_idle(peer));
    s.push_str(&format!(
        "| `/health` p99 during the login flood within 2x idle, while loco's is not | ours {o:.1}x, loco {p:.1}x | {} |\n",
        verdict(o <= 2.0 && p > 2.0)
    ));
    let (o, p) = (ours.rss_flood.median(), peer.rss_flood.median());
    s.push_str(&format!(
        "| peak RSS during the login flood below loco's | ours {o:.1} MiB, loco {p:.1} MiB | {} |\n\n",
        verdict(o < p)
    ));
    s
}
