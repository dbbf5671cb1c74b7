//! One module per subcommand; `run` dispatches and returns the exit code of a success (only
//! `check` has one other than 0).

mod check;
mod completions;
mod diff;
mod locales;
mod matrix;
mod new;
mod update;
mod verify;

use std::process::ExitCode;

use starter::cli::Command;

pub fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::New(args) => new::run(args),
        Command::Verify(args) => verify::run(args.dir(), &args.flags),
        Command::Matrix(args) => matrix::run(args),
        Command::Update(args) => update::run(&args),
        Command::Diff(args) => diff::run(&args),
        Command::Check(args) => return check::run(&args),
        Command::Locales => locales::run(),
        Command::Completions { shell } => completions::run(shell),
    }?;
    Ok(ExitCode::SUCCESS)
}
