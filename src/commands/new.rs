//! `starter new`: answers from the file, the flags and the prompts, then the project.

use std::io::Write;
use std::path::PathBuf;

use starter::answers::{Answers, Database, PartialAnswers};
use starter::cli::NewArgs;
use starter::error::InputError;
use starter::generate::{self, GitOutcome};
use starter::source::{self, SourceSpec};
use starter::{prompt, validate};

pub fn run(args: NewArgs) -> anyhow::Result<()> {
    let spec = SourceSpec::parse(args.template.as_deref(), args.reference.as_deref())?;
    let template = source::load(&spec)?;
    let available = template.locales();
    let from_file = match &args.answers {
        Some(path) => PartialAnswers::from_file(path)?,
        None => PartialAnswers::default(),
    };
    let mut partial = from_file.overridden_by(args.partial_answers()?);

    // Fail on a bad name or an unusable directory before asking anything (or, for a name
    // typed at the prompt, as soon as it is typed).
    let check_name = |name: &str| check_target(&args, name);
    if let Some(name) = &partial.name {
        validate::project_name(name)?;
        check_name(name)?;
    }
    // Without it, Ctrl-C at a prompt would leave the cursor hidden, and Ctrl-C while the
    // project is written would leave the staging directory.
    let watch = crate::interrupt::watch_new()
        .map_err(|e| eprintln!("warning: Ctrl-C will not clean up a partly written project: {e}"))
        .ok();
    if !args.yes && prompt::is_interactive() {
        partial = prompt::ask_missing(partial, &template.manifest, &available, &check_name)?;
    }
    let answers = partial.finish(&template.manifest, &available, args.yes)?;
    let target = target_dir(&args, &answers.name);
    check_target(&args, &answers.name)?;
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
        super::verify::run(&generated.target, &args.verify_options)?;
    }
    Ok(())
}

fn target_dir(args: &NewArgs, name: &str) -> PathBuf {
    args.output.clone().unwrap_or_else(|| PathBuf::from(name))
}

/// The project's directory is free, and its repository would not be nested in another one
/// (which `git status` there would then list as an untracked directory) unless asked for.
fn check_target(args: &NewArgs, name: &str) -> Result<(), InputError> {
    let target = target_dir(args, name);
    generate::check_target(&target)?;
    if args.no_git || args.allow_nested_git {
        return Ok(());
    }
    match starter::git::enclosing_work_tree(&target) {
        Some(outer) => Err(InputError::new(
            format!(
                "{} is inside the git work tree {}: its own repository would be nested in it",
                target.display(),
                outer.display()
            ),
            format!(
                "generate it elsewhere (e.g. -o ../{name}), or pass --allow-nested-git (or --no-git for no repository of its own)"
            ),
        )),
        None => Ok(()),
    }
}

fn print_summary(generated: &generate::Generated, answers: &Answers) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    let dir = generated.target.display();
    writeln!(
        out,
        "Created {} in {dir}: {} files, {} database, locales {} (default {}), API docs {}, account emails {}, Redis {}.",
        answers.name,
        generated.files.len(),
        answers.database,
        answers.locales.join(", "),
        answers.default_locale,
        on_off(answers.docs),
        on_off(answers.email),
        on_off(answers.redis),
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
        Database::Sqlite => writeln!(
            out,
            "  cargo run        # serves http://127.0.0.1:8080 on a SQLite file"
        )?,
        db => writeln!(
            out,
            "  cargo run        # needs the {db} server named by DATABASE_URL in .env"
        )?,
    }
    if answers.redis {
        writeln!(
            out,
            "  REDIS_URL        in .env names the Redis server the replicas share (rate limits,\n                   lockouts, revocation); cargo test needs REDIS_URL too, and redis-server on PATH"
        )?;
    }
    if answers.docs && generated.wrote_dotenv {
        writeln!(
            out,
            "  then open        http://127.0.0.1:8080/docs (Swagger UI) and /openapi.json\n                   (DOCS_ENABLED=true in .env; .env.example and the Dockerfile keep them off)"
        )?;
    }
    if answers.email && generated.wrote_dotenv {
        let dotenv = std::fs::read_to_string(generated.target.join(".env")).unwrap_or_default();
        if let Some(mail_dir) = dotenv_value(&dotenv, "MAIL_DIR") {
            writeln!(
                out,
                "  account emails   are written as .eml files into {mail_dir} (MAIL_DIR in .env);\n                   set SMTP_URL and MAIL_FROM to send them"
            )?;
        }
    }
    writeln!(out, "  cargo test       # the security test suite")?;
    writeln!(
        out,
        "  starter verify   # fmt, clippy, build and tests in one go"
    )?;
    Ok(())
}

fn on_off(on: bool) -> &'static str {
    if on { "on" } else { "off" }
}

/// The value a dotenv text gives `key` (its first assignment wins, as with dotenvy), if that
/// value is not empty.
fn dotenv_value<'a>(dotenv: &'a str, key: &str) -> Option<&'a str> {
    dotenv
        .lines()
        .find_map(|line| line.strip_prefix(key)?.strip_prefix('='))
        .map(str::trim)
        .filter(|value| !value.is_empty())
}

#[cfg(test)]
mod tests {
    use super::dotenv_value;

    #[test]
    fn dotenv_value_reads_the_first_assignment_of_its_key_only() {
        let dotenv = "# MAIL_DIR=commented\nMAIL_DIRS=no\nMAIL_DIR= mail/outbox \nMAIL_DIR=x\n";
        assert_eq!(dotenv_value(dotenv, "MAIL_DIR"), Some("mail/outbox"));
        assert_eq!(dotenv_value("MAIL_DIR=\nMAIL_DIR=x\n", "MAIL_DIR"), None);
        assert_eq!(dotenv_value("X=1\n", "MAIL_DIR"), None);
    }
}
