//! Benchmark: `starter new` for the full template against cargo-generate with the same answers,
//! in the same run, interleaved. Prints wall-time medians with their spread, peak resident
//! memory, and the ratios.
//!
//!     cargo run --release --example bench_new [-- RUNS] [--write docs/BENCHMARKS.md]
//!
//! Needs the release `starter` binary (built on demand) and cargo-generate on PATH
//! (`cargo install cargo-generate@0.23.7 --locked`). Every timed run starts from the same state:
//! the previous output is removed and the file system synced before the clock starts, so that
//! no command pays for writing back another one's files. Each process is reaped with wait4,
//! which reports its peak RSS (including its children's, for `cargo generate`).

#[path = "bench_api/report.rs"]
mod report;

use std::fmt::Write as _;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const ANSWERS: [(&str, &str); 7] = [
    ("database", "postgres"),
    ("cors_origins", "https://app.example.com"),
    ("locales", "en,fr,de"),
    ("default_locale", "en"),
    ("docs", "true"),
    ("email", "true"),
    ("redis", "false"),
];

/// One measured process: wall time and peak resident memory.
struct Sample {
    wall: Duration,
    /// User plus system CPU time.
    cpu: Duration,
    max_rss_kib: u64,
}

struct Contender {
    name: &'static str,
    command: Box<dyn Fn(&Path) -> Command>,
    samples: Vec<Sample>,
}

impl Contender {
    fn new(name: &'static str, command: impl Fn(&Path) -> Command + 'static) -> Self {
        Self {
            name,
            command: Box::new(command),
            samples: Vec::new(),
        }
    }
}

fn main() -> anyhow::Result<()> {
    let mut runs = 30;
    let mut write: Option<PathBuf> = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--write" => {
                write = Some(
                    args.next()
                        .ok_or_else(|| anyhow::anyhow!("--write needs a file"))?
                        .into(),
                )
            }
            n => {
                runs = n
                    .parse()
                    .map_err(|_| anyhow::anyhow!("usage: bench_new [RUNS] [--write FILE]"))?
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let status = Command::new("cargo")
        .args(["build", "--release", "--quiet", "--bin", "starter"])
        .current_dir(root)
        .status()?;
    anyhow::ensure!(status.success(), "cannot build the release starter binary");
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let starter = target.join("release").join("starter");
    let template = root.join("template");
    let has_cargo_generate = Command::new("cargo-generate")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());

    let mut contenders = vec![
        Contender::new("starter new --no-git", {
            let starter = starter.clone();
            move |out| starter_new(&starter, out, false)
        }),
        Contender::new("starter new (git init + commit + pristine branch)", {
            let starter = starter.clone();
            move |out| starter_new(&starter, out, true)
        }),
    ];
    if has_cargo_generate {
        contenders.push(Contender::new(
            "cargo generate --path template --vcs none",
            {
                let template = template.clone();
                move |out| cargo_generate(Command::new("cargo"), &template, out)
            },
        ));
        contenders.push(Contender::new(
            "cargo-generate generate (no cargo dispatch)",
            {
                let template = template.clone();
                move |out| cargo_generate(Command::new("cargo-generate"), &template, out)
            },
        ));
    }

    let work = tempfile::tempdir_in(root.join("target"))?;
    let out = work.path().join("out");
    for _ in 0..runs {
        for contender in &mut contenders {
            // Same starting state for everyone: no output, nothing left to write back.
            if out.exists() {
                std::fs::remove_dir_all(&out)?;
            }
            std::fs::create_dir(&out)?;
            sync();
            let sample = measure((contender.command)(&out))
                .map_err(|e| anyhow::anyhow!("{}: {e}", contender.name))?;
            contender.samples.push(sample);
        }
    }

    let mut table = String::new();
    writeln!(
        table,
        "| command | median | min | max | CPU (user+sys) | peak RSS |\n|---|---|---|---|---|---|"
    )?;
    let mut medians = Vec::new();
    for contender in &mut contenders {
        contender.samples.sort_by_key(|s| s.wall);
        let s = &contender.samples;
        let ms = |d: Duration| format!("{:.1} ms", d.as_secs_f64() * 1000.0);
        let mut rss: Vec<u64> = s.iter().map(|s| s.max_rss_kib).collect();
        rss.sort();
        let mut cpu: Vec<Duration> = s.iter().map(|s| s.cpu).collect();
        cpu.sort();
        writeln!(
            table,
            "| `{}` | {} | {} | {} | {} | {:.1} MiB |",
            contender.name,
            ms(s[s.len() / 2].wall),
            ms(s[0].wall),
            ms(s[s.len() - 1].wall),
            ms(cpu[cpu.len() / 2]),
            rss[rss.len() / 2] as f64 / 1024.0
        )?;
        medians.push(s[s.len() / 2].wall.as_secs_f64());
    }
    if has_cargo_generate {
        writeln!(
            table,
            "\nRatio of medians, `cargo generate` / `starter new --no-git`: **{:.1}x**; \
             `cargo-generate generate` (no cargo dispatch) / `starter new --no-git`: {:.1}x.",
            medians[2] / medians[0],
            medians[3] / medians[0]
        )?;
    } else {
        writeln!(
            table,
            "\ncargo-generate not installed: no comparison (cargo install cargo-generate@0.23.7 --locked)."
        )?;
    }
    let section = format!(
        "## `starter new` against cargo-generate\n\n{}\n\nThe full template (PostgreSQL, docs on, \
         en+fr+de, one CORS origin), {runs} runs of each command, interleaved; before every run \
         the previous output is removed and the file system synced. Wall clock from spawn to exit; \
         CPU and peak RSS from wait4 (cargo generate's include cargo-generate's, its child).\n\n\
         Reproduce: `cargo run --release --example bench_new -- {runs} --write docs/BENCHMARKS.md`\n\n{table}",
        report::machine_line()
    );
    println!("{section}");
    if let Some(path) = &write {
        report::write_section(path, "bench_new", &section)?;
        println!("written to {}", path.display());
    }
    Ok(())
}

fn starter_new(bin: &Path, out: &Path, git: bool) -> Command {
    let mut cmd = Command::new(bin);
    cmd.args([
        "new",
        "bench-api",
        "--db",
        "postgres",
        "--cors-origin",
        "https://app.example.com",
        "--locale",
        "fr",
        "--locale",
        "de",
        "--default-locale",
        "en",
        "--docs",
        "--email",
        "--no-redis",
        "-o",
    ])
    .arg(out.join("bench-api"));
    if !git {
        cmd.arg("--no-git");
    }
    cmd
}

/// `cargo generate ...` through cargo, or `cargo-generate generate ...` directly.
fn cargo_generate(mut cmd: Command, template: &Path, out: &Path) -> Command {
    cmd.arg("generate")
        .arg("--path")
        .arg(template)
        .args([
            "--name",
            "bench-api",
            "--silent",
            "--vcs",
            "none",
            "--destination",
        ])
        .arg(out);
    for (k, v) in ANSWERS {
        cmd.arg("-d").arg(format!("{k}={v}"));
    }
    cmd
}

fn sync() {
    // SAFETY: sync(2) takes no arguments and cannot fail.
    unsafe { libc::sync() };
}

/// Runs `cmd` with no output captured and reaps it with wait4: wall time and peak RSS.
fn measure(mut cmd: Command) -> anyhow::Result<Sample> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let start = Instant::now();
    let child = cmd.spawn()?;
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: a zeroed rusage is a valid value for wait4 to fill in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: pid is our own unreaped child; both pointers are valid for the call.
    let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = start.elapsed();
    anyhow::ensure!(
        reaped == pid,
        "wait4 failed: {}",
        std::io::Error::last_os_error()
    );
    // The child is reaped: std must not wait for it again.
    std::mem::forget(child);
    let status = std::process::ExitStatus::from_raw(status);
    anyhow::ensure!(
        status.success(),
        "exited with {status} (rerun it by hand to see why)"
    );
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    Ok(Sample {
        wall,
        cpu: tv(usage.ru_utime) + tv(usage.ru_stime),
        max_rss_kib: usage.ru_maxrss as u64,
    })
}
