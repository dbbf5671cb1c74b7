//! `starter completions SHELL`.

use clap::CommandFactory;

use starter::cli::Cli;

pub fn run(shell: clap_complete::Shell) -> anyhow::Result<()> {
    clap_complete::generate(
        shell,
        &mut Cli::command(),
        "starter",
        &mut std::io::stdout(),
    );
    Ok(())
}
