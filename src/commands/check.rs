//! `starter check`: is the project on the newest template version?

use std::process::ExitCode;

use anyhow::Context;

use starter::cli::CheckArgs;
use starter::update::{self, Standing};

/// Exit code of `starter check` when the project is behind: distinct from errors (1, 2).
pub const BEHIND: u8 = 3;

pub fn run(args: &CheckArgs) -> anyhow::Result<ExitCode> {
    let record = starter::record::read(&args.dir).context("starter check")?;
    update::refuse_mid_merge(&args.dir)?;
    match update::check(&record)? {
        Standing::UpToDate { version } => {
            println!("up to date: template {version}");
            Ok(ExitCode::SUCCESS)
        }
        Standing::Behind { current, newest } => {
            println!("behind: template {current}, newest is {newest} (run `starter update`)");
            Ok(ExitCode::from(BEHIND))
        }
    }
}
