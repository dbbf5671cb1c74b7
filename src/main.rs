//! The `starter` binary: the CLI edge, where errors become messages and exit codes.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{CommandFactory, Parser};

use starter::answers::PartialAnswers;
use starter::cli::{Cli, Command, NewArgs};
use starter::error::InputError;
use starter::generate::{self, GenerateError, GitOutcome};
use starter::template::{self, Template};
use starter::{prompt, validate};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(exit_code(&err))
        }
    }
}

/// 2 for bad input (as clap does for bad arguments), 1 for everything else.
fn exit_code(err: &anyhow::Error) -> u8 {
    let is_input = err.chain().any(|cause| {
        cause.downcast_ref::<InputError>().is_some()
            || matches!(
                cause.downcast_ref::<GenerateError>(),
                Some(GenerateError::Input(_))
            )
    });
    if is_input { 2 } else { 1 }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::New(args) => new(args),
        Command::Locales => locales(),
        Command::Completions { shell } => {
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "starter",
                &mut std::io::stdout(),
            );
            Ok(())
        }
    }
}

fn locales() -> anyhow::Result<()> {
    let template = Template::embedded().context("the embedded template is broken")?;
    let mut out = std::io::stdout().lock();
    for tag in template.locales() {
        writeln!(out, "{tag:6} {}", template::locale_name(&tag))?;
    }
    Ok(())
}

fn new(args: NewArgs) -> anyhow::Result<()> {
    let template = Template::embedded().context("the embedded template is broken")?;
    let available = template.locales();
    let from_file = match &args.answers {
        Some(path) => PartialAnswers::from_file(path)?,
        None => PartialAnswers::default(),
    };
    let mut partial = from_file.overridden_by(args.partial_answers()?);

    // Fail on a bad name or an occupied directory before asking anything.
    if let Some(name) = &partial.name {
        validate::project_name(name)?;
        generate::check_target(&target_dir(&args, name))?;
    }
    if !args.yes && prompt::is_interactive() {
        let named: Vec<(String, String)> = available
            .iter()
            .map(|t| (t.clone(), template::locale_name(t).to_string()))
            .collect();
        partial = prompt::ask_missing(partial, &template.manifest, &named)?;
    }
    let answers = partial.finish(&template.manifest, &available, args.yes)?;
    let target = target_dir(&args, &answers.name);
    let generated = generate::generate(
        &template,
        &answers,
        &generate::Options {
            target,
            git: !args.no_git,
        },
    )?;
    print_summary(&generated, &answers)?;
    Ok(())
}

fn target_dir(args: &NewArgs, name: &str) -> PathBuf {
    args.output.clone().unwrap_or_else(|| PathBuf::from(name))
}

fn print_summary(
    generated: &generate::Generated,
    answers: &starter::answers::Answers,
) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    let dir = generated.target.display();
    writeln!(
        out,
        "Created {} in {dir}: {} files, {} database, locales {} (default {}), API docs {}.",
        answers.name,
        generated.files.len(),
        answers.database,
        answers.locales.join(", "),
        answers.default_locale,
        if answers.docs { "on" } else { "off" },
    )?;
    if !answers.cors_origins.is_empty() {
        writeln!(out, "CORS allows: {}", answers.cors_origins.join(", "))?;
    }
    if generated.wrote_dotenv {
        writeln!(
            out,
            ".env holds a fresh JWT_SECRET (git-ignored; never commit it)."
        )?;
    }
    match &generated.git {
        GitOutcome::Disabled => {}
        GitOutcome::Committed => writeln!(out, "git: repository created with a first commit.")?,
        GitOutcome::CommittedWithFallbackIdentity => writeln!(
            out,
            "git: repository created; no git identity is configured, so the first commit is by rust-api-starter."
        )?,
        GitOutcome::Failed(why) => writeln!(out, "git: no repository created ({why}).")?,
    }
    writeln!(out, "\nNext:\n  cd {dir}")?;
    match answers.database {
        starter::answers::Database::Sqlite => writeln!(
            out,
            "  cargo run        # serves http://127.0.0.1:8080 on a SQLite file"
        )?,
        db => writeln!(
            out,
            "  cargo run        # needs the {db} server named by DATABASE_URL in .env"
        )?,
    }
    writeln!(out, "  cargo test       # the security test suite")?;
    writeln!(
        out,
        "  starter verify   # fmt, clippy, build and tests in one go"
    )?;
    Ok(())
}
