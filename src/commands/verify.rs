//! `starter verify`: fmt, clippy, build and the project's own tests.

use std::path::Path;

use starter::cli::VerifyFlags;
use starter::verify::{self, VerifyOptions, progress::Progress};

fn verify_options(dir: &Path, flags: &VerifyFlags, label: String) -> VerifyOptions {
    VerifyOptions {
        dir: dir.to_path_buf(),
        database_url: flags.database_url.clone(),
        redis_url: flags.redis_url.clone(),
        target_dir: flags
            .target_dir
            .clone()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or_else(starter::dirs::default_target_dir),
        quiet: flags.quiet,
        label,
        smtp_python: flags.smtp_python.clone(),
    }
}

/// `starter verify`: exit 0 when every phase passes; otherwise the failing phase's output.
pub fn run(dir: &Path, flags: &VerifyFlags) -> anyhow::Result<()> {
    let label = dir
        .canonicalize()
        .ok()
        .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| dir.display().to_string());
    let options = verify_options(dir, flags, label);
    verify::prepare(&options)?;
    let progress = Progress::detect(flags.quiet);
    let report = verify::runtime()?.block_on(verify::verify(&options, &progress))?;
    // The summary first, then what failed right under it.
    print!("{}", report.summary());
    print!("{}", report.failure_details());
    let failed: Vec<&str> = report.failures().map(|p| p.phase.name()).collect();
    anyhow::ensure!(
        report.ok(),
        "verification failed at {}",
        if failed.is_empty() {
            "an unknown phase".to_string()
        } else {
            failed.join(", ")
        }
    );
    Ok(())
}
