//! The `starter` binary: the CLI edge, where errors become messages and exit codes.

mod commands {
    pub mod interrupt;
    pub mod update;
}

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{CommandFactory, Parser};

use starter::answers::Database;
use starter::answers::PartialAnswers;
use starter::cli::{Cli, Command, MatrixArgs, NewArgs, VerifyFlags};
use starter::error::InputError;
use starter::generate::{self, GenerateError, GitOutcome};
use starter::source::{self, SourceError, SourceSpec};
use starter::template::{self, Template};
use starter::update::UpdateError;
use starter::verify::{self, VerifyError, VerifyOptions, matrix, progress::Progress};
use starter::{prompt, validate};

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Command::Check(args) = &cli.command {
        return match commands::update::run_check(args) {
            Ok(code) => ExitCode::from(code),
            Err(err) => {
                eprintln!("error: {err:#}");
                ExitCode::from(exit_code(&err))
            }
        };
    }
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(exit_code(&err))
        }
    }
}

/// 2 for bad input (as clap does for bad arguments), 130 when interrupted, 1 otherwise.
fn exit_code(err: &anyhow::Error) -> u8 {
    if err.chain().any(is_interrupted) {
        130
    } else if err.chain().any(is_input) {
        2
    } else {
        1
    }
}

/// Bad input, possibly wrapped in one of the library's error enums.
fn is_input(cause: &(dyn std::error::Error + 'static)) -> bool {
    if cause.downcast_ref::<InputError>().is_some() {
        return true;
    }
    if let Some(e) = cause.downcast_ref::<GenerateError>() {
        return matches!(e, GenerateError::Input(_));
    }
    if let Some(e) = cause.downcast_ref::<SourceError>() {
        return matches!(e, SourceError::Input(_));
    }
    if let Some(e) = cause.downcast_ref::<VerifyError>() {
        return matches!(
            e,
            VerifyError::Input(_)
                | VerifyError::Database(verify::database::DatabaseError::Input(_))
        );
    }
    if let Some(e) = cause.downcast_ref::<UpdateError>() {
        return match e {
            UpdateError::Input(_) => true,
            UpdateError::Source(s) => matches!(s, SourceError::Input(_)),
            UpdateError::Generate(g) => matches!(g, GenerateError::Input(_)),
            _ => false,
        };
    }
    false
}

fn is_interrupted(cause: &(dyn std::error::Error + 'static)) -> bool {
    matches!(
        cause.downcast_ref::<VerifyError>(),
        Some(VerifyError::Cargo(verify::cargo::CargoError::Interrupted))
    ) || matches!(
        cause.downcast_ref::<GenerateError>(),
        Some(GenerateError::Interrupted)
    )
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::New(args) => new(args),
        Command::Verify(args) => verify_project(&args.dir, &args.flags),
        Command::Matrix(args) => run_matrix(args),
        Command::Update(args) => commands::update::run_update(&args),
        Command::Diff(args) => commands::update::run_diff(&args),
        Command::Check(_) => unreachable!("handled in main for its exit code"),
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
    let spec = SourceSpec::parse(args.template.as_deref(), args.reference.as_deref())?;
    let template = source::load(&spec)?;
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
    // Without it, Ctrl-C while the project is written would leave the staging directory.
    let watch = commands::interrupt::watch_new()
        .map_err(|e| eprintln!("warning: Ctrl-C will not clean up a partly written project: {e}"))
        .ok();
    let generated = generate::generate(
        &template,
        &answers,
        &generate::Options {
            target,
            git: !args.no_git,
        },
    );
    drop(watch);
    let generated = generated?;
    print_summary(&generated, &answers)?;
    if args.verify {
        println!();
        verify_project(&generated.target, &args.verify_options)?;
    }
    Ok(())
}

fn verify_options(dir: &std::path::Path, flags: &VerifyFlags, label: String) -> VerifyOptions {
    VerifyOptions {
        dir: dir.to_path_buf(),
        database_url: flags.database_url.clone(),
        target_dir: flags
            .target_dir
            .clone()
            .unwrap_or_else(verify::default_target_dir),
        quiet: flags.quiet,
        label,
    }
}

/// `starter verify`: exit 0 when every phase passes; otherwise the failing phase's output.
fn verify_project(dir: &std::path::Path, flags: &VerifyFlags) -> anyhow::Result<()> {
    let label = dir
        .canonicalize()
        .ok()
        .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| dir.display().to_string());
    let options = verify_options(dir, flags, label);
    verify::prepare(&options)?;
    let progress = Progress::detect(flags.quiet);
    let report = verify::runtime()?.block_on(verify::verify(&options, &progress))?;
    if let Some(failed) = report.failure() {
        eprintln!(
            "--- {} output ---\n{}\n---",
            failed.phase.name(),
            failed.log.trim_end()
        );
    }
    print!("{}", report.summary());
    anyhow::ensure!(
        report.ok(),
        "verification failed at {}",
        report
            .failure()
            .map_or("an unknown phase", |p| p.phase.name())
    );
    Ok(())
}

fn run_matrix(args: MatrixArgs) -> anyhow::Result<()> {
    let template = Template::embedded().context("the embedded template is broken")?;
    let available = template.locales();
    let locales = starter::answers::normalize_locales(args.locales.clone(), &available)?;
    let databases = if args.db.is_empty() {
        Database::ALL.to_vec()
    } else {
        args.db.clone()
    };
    let docs = match (args.docs, args.no_docs) {
        (true, _) => vec![true],
        (_, true) => vec![false],
        _ => vec![true, false],
    };
    let mut missing = Vec::new();
    if databases.contains(&Database::Postgres) && args.postgres_url.is_none() {
        missing
            .push("--postgres-url URL (or STARTER_POSTGRES_URL) for the postgres configurations");
    }
    if databases.contains(&Database::Mysql) && args.mysql_url.is_none() {
        missing.push("--mysql-url URL (or STARTER_MYSQL_URL) for the mysql configurations");
    }
    if !missing.is_empty() {
        return Err(InputError::new(
            format!("no database server named: {}", missing.join("; ")),
            "pass the URLs, or narrow the matrix with --db sqlite",
        )
        .into());
    }
    for (db, url) in [
        (Database::Postgres, &args.postgres_url),
        (Database::Mysql, &args.mysql_url),
    ] {
        if let Some(url) = url {
            verify::database::check_url(db, url)?;
        }
    }
    let root = tempfile::Builder::new()
        .prefix("starter-matrix-")
        .tempdir()?;
    let configurations = matrix::configurations(&databases, &docs, &locales);
    let options = matrix::MatrixOptions {
        root: root.path(),
        target_dir: args
            .target_dir
            .clone()
            .unwrap_or_else(verify::default_target_dir),
        postgres_url: args.postgres_url.clone(),
        mysql_url: args.mysql_url.clone(),
        quiet: args.quiet,
    };
    let entries = verify::runtime()?.block_on(matrix::run(&template, &configurations, &options))?;
    for entry in entries.iter().filter(|e| !e.ok()) {
        if let Ok(report) = &entry.outcome
            && let Some(failed) = report.failure()
        {
            eprintln!(
                "--- {} {} output ---\n{}\n---",
                entry.configuration.label,
                failed.phase.name(),
                failed.log.trim_end()
            );
        }
    }
    print!("{}", matrix::table(&entries));
    if let Some(path) = &args.junit {
        std::fs::write(path, matrix::junit(&entries))
            .with_context(|| format!("cannot write {}", path.display()))?;
        println!("JUnit report: {}", path.display());
    }
    if args.keep {
        println!("projects kept in {}", root.keep().display());
    }
    let failed = entries.iter().filter(|e| !e.ok()).count();
    anyhow::ensure!(
        failed == 0,
        "{failed} of {} configurations failed",
        entries.len()
    );
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
