//! The peer a user would pick instead of `starter`: loco's SaaS starter (`loco new --db sqlite
//! --bg async --assets serverside`), built in release mode and run with the production config
//! it generates (`config/production.yaml`, which takes its secrets and addresses from the
//! environment) and its own JWT authentication.
//!
//! Installing loco and building its starter takes minutes, so both are done once, into
//! `~/.cache/rust-api-starter/loco/` (`cli/`: the installed CLI; `lapp/`: the starter;
//! `target/`: its build). `prepare` fails with the reason when the peer cannot be had; the
//! harness then prints it and skips the peer.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail, ensure};

use crate::scenarios::Api;
use crate::stored_hash::Argon2Params;
use crate::throwaway::RunDatabase;

/// The CLI release installed (`cargo install loco --locked --version ...`); its starter depends
/// on the loco-rs release of the same series.
pub const VERSION: &str = "1.2.0";
const APP: &str = "lapp";

/// The SaaS starter's routes: `/_readiness` pings the database, `/_ping` answers a constant.
pub const API: Api = Api {
    ready: "/_readiness",
    health: "/_ping",
    me: "/api/auth/current",
    register: "/api/auth/register",
    register_status: 200,
    login: "/api/auth/login",
    token_field: "token",
    register_name: true,
};

pub struct Loco {
    pub app: App,
    /// The loco-rs release the starter was built with (from its Cargo.lock).
    pub framework: String,
    /// Read from the hash it stored for a user registered by `prepare`.
    pub argon2: Argon2Params,
}

/// The built starter.
pub struct App {
    bin: PathBuf,
    dir: PathBuf,
}

pub fn cache_dir() -> PathBuf {
    starter::dirs::cache_root().join("loco")
}

/// The CLI, the generated starter and its release build, from the cache or made there; then
/// one start to read its argon2 parameters (and to find out that it starts at all).
pub async fn prepare() -> anyhow::Result<Loco> {
    let cache = cache_dir();
    std::fs::create_dir_all(&cache)
        .with_context(|| format!("cannot create {}", cache.display()))?;
    let cli = cache.join("cli").join("bin").join("loco");
    if !cli.exists() {
        eprintln!(
            "installing loco {VERSION} into {} (once; minutes)...",
            cache.display()
        );
        run(crate::cargo()
            .args([
                "install",
                "loco",
                "--locked",
                "--version",
                VERSION,
                "--root",
            ])
            .arg(cache.join("cli")))?;
    }
    let dir = cache.join(APP);
    if !dir.join("Cargo.toml").exists() {
        // Generated beside the cache and moved in whole, so that an interrupted generation
        // leaves no half starter to build next time.
        let staging = cache.join("new");
        if staging.exists() {
            std::fs::remove_dir_all(&staging)?;
        }
        std::fs::create_dir_all(&staging)?;
        run(Command::new(&cli)
            .args(["new", "--name", APP, "--db", "sqlite", "--bg", "async"])
            .args(["--assets", "serverside", "--allow-in-git-repo", "--path"])
            .arg(&staging))?;
        std::fs::rename(staging.join(APP), &dir)?;
        std::fs::remove_dir_all(&staging)?;
    }
    let target = cache.join("target");
    eprintln!(
        "building loco's starter (release; the first time takes minutes) in {}...",
        dir.display()
    );
    // The starter declares no rust-version: resolve its dependencies for this toolchain, or the
    // newest releases may need a newer rustc.
    run(crate::cargo()
        .args(["build", "--release", "--quiet"])
        .current_dir(&dir)
        .env("CARGO_TARGET_DIR", &target)
        .env("CARGO_RESOLVER_INCOMPATIBLE_RUST_VERSIONS", "fallback"))?;
    let bin = target.join("release").join(format!("{APP}-cli"));
    ensure!(bin.exists(), "the build made no {}", bin.display());
    let framework = locked_version(&dir.join("Cargo.lock"), "loco-rs")
        .context("no loco-rs in the starter's Cargo.lock")?;
    let app = App { bin, dir };
    Ok(Loco {
        argon2: app.probe_argon2().await?,
        app,
        framework,
    })
}

impl App {
    /// Starts the starter on `database` with its production config.
    pub async fn start(&self, database: &RunDatabase) -> anyhow::Result<crate::Server> {
        let addr = crate::free_addr()?;
        let envs = [
            ("DATABASE_URL", database.url.clone()),
            ("JWT_SECRET", crate::scenarios::secret()),
            ("HOST", "http://localhost".to_string()),
            ("BINDING", "127.0.0.1".to_string()),
            ("PORT", port(&addr)),
            // The same level as ours in the comparison: no line per request.
            ("LOG_LEVEL", "warn".to_string()),
            // A port nobody listens on: the welcome email sent at registration fails at once,
            // in the background (`--bg async`).
            ("MAILER_HOST", "127.0.0.1".to_string()),
            ("MAILER_PORT", port(&crate::free_addr()?)),
            ("MAILER_USER", "bench".to_string()),
            ("MAILER_PASSWORD", "bench".to_string()),
        ];
        crate::start_at(
            &addr,
            &self.bin,
            &["start", "--environment", "production"],
            &self.dir,
            &envs,
            API.ready,
        )
        .await
    }

    /// Registers a user on a fresh database and reads the hash loco stored.
    async fn probe_argon2(&self) -> anyhow::Result<Argon2Params> {
        let database = RunDatabase::create(starter::answers::Database::Sqlite, "").await?;
        let result = async {
            let server = self.start(&database).await?;
            let mut c = crate::client::Connection::open(&server.addr).await?;
            crate::scenarios::register_user(&mut c, &API, 0).await?;
            drop(server);
            let file = database.sqlite_file().context("no SQLite file")?;
            crate::stored_hash::read(&file).context("no argon2 hash in loco's database")
        }
        .await;
        database.finish().await?;
        result
    }
}

fn port(addr: &str) -> String {
    addr.rsplit(':').next().unwrap_or_default().to_string()
}

fn run(cmd: &mut Command) -> anyhow::Result<()> {
    let status = cmd
        .status()
        .with_context(|| format!("cannot run {:?}", cmd.get_program()))?;
    if !status.success() {
        bail!("{cmd:?} failed ({status})");
    }
    Ok(())
}

/// The version of `package` in a Cargo.lock.
fn locked_version(lock: &Path, package: &str) -> Option<String> {
    let text = std::fs::read_to_string(lock).ok()?;
    let name = format!("name = \"{package}\"");
    let mut lines = text.lines();
    lines.find(|l| *l == name)?;
    lines
        .next()?
        .strip_prefix("version = \"")?
        .strip_suffix('"')
        .map(str::to_string)
}
