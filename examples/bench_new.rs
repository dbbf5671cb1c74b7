//! Benchmark: `starter new` for the full template against `cargo generate --path template`
//! with the same answers, in the same run, interleaved. Prints medians, spread and the ratio.
//!
//!     cargo run --release --example bench_new [-- RUNS]
//!
//! Needs the release `starter` binary (built on demand) and `cargo generate` on PATH.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const ANSWERS: [(&str, &str); 5] = [
    ("database", "postgres"),
    ("cors_origins", "https://app.example.com"),
    ("locales", "en,fr,de"),
    ("default_locale", "en"),
    ("docs", "true"),
];

fn main() -> anyhow::Result<()> {
    let runs: usize = std::env::args()
        .nth(1)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(20);
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
    let has_cargo_generate = Command::new("cargo")
        .args(["generate", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());

    let work = tempfile::tempdir()?;
    let mut ours_nogit = Vec::new();
    let mut ours_git = Vec::new();
    let mut theirs = Vec::new();
    for i in 0..runs {
        ours_nogit.push(time(|| {
            starter_new(&starter, &work.path().join(format!("a{i}")), false)
        })?);
        ours_git.push(time(|| {
            starter_new(&starter, &work.path().join(format!("b{i}")), true)
        })?);
        if has_cargo_generate {
            let dest = work.path().join(format!("c{i}"));
            std::fs::create_dir(&dest)?;
            theirs.push(time(|| cargo_generate(root, &dest))?);
        }
    }
    println!("runs: {runs} each, interleaved; times are wall clock");
    println!(
        "{:<44} {:>9} {:>9} {:>9}",
        "command", "median", "min", "max"
    );
    report("starter new --no-git", &mut ours_nogit);
    report("starter new (with git init + commit)", &mut ours_git);
    if has_cargo_generate {
        report("cargo generate --path template --vcs none", &mut theirs);
        let ratio = median(&mut theirs).as_secs_f64() / median(&mut ours_nogit).as_secs_f64();
        println!("ratio cargo-generate / starter (no git): {ratio:.1}x");
    } else {
        println!(
            "cargo generate not installed: no comparison (cargo install cargo-generate@0.23.7 --locked)"
        );
    }
    Ok(())
}

fn starter_new(bin: &Path, out: &Path, git: bool) -> anyhow::Result<()> {
    let mut cmd = Command::new(bin);
    cmd.args([
        "new",
        "bench-api",
        "--db",
        "postgres",
        "--cors-origin",
        "https://app.example.com",
    ])
    .args([
        "--locale",
        "fr",
        "--locale",
        "de",
        "--default-locale",
        "en",
        "--docs",
        "-o",
    ])
    .arg(out);
    if !git {
        cmd.arg("--no-git");
    }
    let out = cmd.output()?;
    anyhow::ensure!(
        out.status.success(),
        "starter failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(())
}

fn cargo_generate(root: &Path, dest: &Path) -> anyhow::Result<()> {
    let mut cmd = Command::new("cargo");
    cmd.args(["generate", "--path"])
        .arg(root.join("template"))
        .args([
            "--name",
            "bench-api",
            "--silent",
            "--vcs",
            "none",
            "--destination",
        ])
        .arg(dest);
    for (k, v) in ANSWERS {
        cmd.arg("-d").arg(format!("{k}={v}"));
    }
    let out = cmd.output()?;
    anyhow::ensure!(
        out.status.success(),
        "cargo generate failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(())
}

fn time(f: impl FnOnce() -> anyhow::Result<()>) -> anyhow::Result<Duration> {
    let start = Instant::now();
    f()?;
    Ok(start.elapsed())
}

fn median(samples: &mut [Duration]) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn report(name: &str, samples: &mut [Duration]) {
    let med = median(samples);
    let ms = |d: Duration| format!("{:.1} ms", d.as_secs_f64() * 1000.0);
    println!(
        "{name:<44} {:>9} {:>9} {:>9}",
        ms(med),
        ms(samples[0]),
        ms(samples[samples.len() - 1])
    );
}
