//! The `starter` binary: parse the arguments, run the command, turn its outcome into an exit
//! code. Each command lives in `commands/`; errors become messages here and nowhere else.

mod commands;
mod interrupt;

use std::process::ExitCode;

use clap::Parser;

use starter::cli::Cli;
use starter::error::InputError;
use starter::generate::GenerateError;
use starter::prompt::PromptError;
use starter::source::SourceError;
use starter::update::UpdateError;
use starter::verify::VerifyError;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match commands::run(cli.command) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(exit_code(&err))
        }
    }
}

/// 130 when interrupted, 2 for bad input (as clap does for bad arguments), 1 otherwise.
fn exit_code(err: &anyhow::Error) -> u8 {
    let causes = || err.chain().filter_map(Failure::of);
    if causes().any(|f| f.interrupted) {
        130
    } else if causes().any(|f| f.input) {
        2
    } else {
        1
    }
}

/// What one of the library's errors says about itself; each error type answers for its own
/// wrapped errors, so only the types the commands return are listed here.
struct Failure {
    input: bool,
    interrupted: bool,
}

impl Failure {
    fn of(cause: &(dyn std::error::Error + 'static)) -> Option<Self> {
        let (input, interrupted) = if cause.is::<InputError>() {
            (true, false)
        } else if let Some(e) = cause.downcast_ref::<GenerateError>() {
            (e.is_input(), e.is_interrupted())
        } else if let Some(e) = cause.downcast_ref::<SourceError>() {
            (e.is_input(), false)
        } else if let Some(e) = cause.downcast_ref::<VerifyError>() {
            (e.is_input(), e.is_interrupted())
        } else if let Some(e) = cause.downcast_ref::<PromptError>() {
            (false, e.is_interrupted())
        } else if let Some(e) = cause.downcast_ref::<UpdateError>() {
            (e.is_input(), false)
        } else {
            return None;
        };
        Some(Self { input, interrupted })
    }
}
