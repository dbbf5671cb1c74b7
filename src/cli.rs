//! Command-line arguments, all parsed here, and their translation into plain data.

use std::collections::BTreeMap;
use std::path::PathBuf;

use clap::builder::{PossibleValue, PossibleValuesParser, StringValueParser, TypedValueParser};
use clap::{Arg, ArgAction, Args, Parser, Subcommand};

use crate::answers::{Database, Flag, PartialAnswers, QUESTIONS};
use crate::error::InputError;

#[derive(Debug, Parser)]
#[command(
    name = "starter",
    version,
    about = "Scaffold a hardened axum + sqlx authentication API, and prove it is sound",
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Generate a new project from the template.
    New(NewArgs),
    /// Check that a generated project passes fmt, clippy, build and its security tests.
    Verify(VerifyArgs),
    /// Generate every configuration and verify each, with one shared build cache.
    Matrix(MatrixArgs),
    /// Move the project to a newer template version, merging with git.
    Update(UpdateArgs),
    /// Show what `starter update` would change, without changing anything.
    Diff(UpdateArgs),
    /// Exit 0 when the project is on the newest template version, 3 when it is behind.
    Check(CheckArgs),
    /// List the locale catalogues that ship with the template.
    Locales,
    /// Print a shell completion script.
    Completions {
        /// bash, zsh, fish, powershell or elvish.
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Args)]
pub struct NewArgs {
    /// The project (crate) name; also the directory unless --output is given.
    pub name: Option<String>,

    /// The directory to create (default: ./NAME).
    #[arg(long, short, value_name = "DIR")]
    pub output: Option<PathBuf>,

    /// The built-in questions' flags (`--db`, `--locale`, ...), built from their declarations.
    #[command(flatten)]
    pub questions: QuestionFlags,

    /// Take the default for every answer not given.
    #[arg(long, short)]
    pub yes: bool,

    /// Read answers from a TOML file (a project's starter.toml works).
    #[arg(long, value_name = "FILE")]
    pub answers: Option<PathBuf>,

    /// Answer one of the template's own placeholders (repeatable).
    #[arg(long = "define", short = 'd', value_name = "KEY=VALUE")]
    pub defines: Vec<String>,

    /// Do not create a git repository.
    #[arg(long)]
    pub no_git: bool,

    /// Create the project's git repository even inside another git work tree (nested).
    #[arg(long)]
    pub allow_nested_git: bool,

    /// Render a team's template: a directory, or a git URL (with --ref).
    #[arg(long, value_name = "PATH|GIT_URL")]
    pub template: Option<String>,

    /// The tag, branch or commit of a git template (default: its newest version tag).
    #[arg(long = "ref", value_name = "REF")]
    pub reference: Option<String>,

    /// Verify the project once generated (see `starter verify`).
    #[arg(long)]
    pub verify: bool,

    #[command(flatten)]
    pub verify_options: VerifyFlags,
}

#[derive(Debug, Args)]
pub struct VerifyFlags {
    /// A PostgreSQL or MySQL server for the tests; each test creates a database of its own on
    /// it and drops it after.
    #[arg(
        long,
        env = "STARTER_DATABASE_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    pub database_url: Option<String>,

    /// A Redis server for a project with the Redis answer on (its tests' REDIS_URL); they use
    /// keys of their own there and never flush it.
    #[arg(
        long,
        env = "STARTER_REDIS_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    pub redis_url: Option<String>,

    /// The build cache shared by every verified project [default:
    /// ~/.cache/rust-api-starter/target]
    #[arg(
        long,
        env = "STARTER_TARGET_DIR",
        value_name = "DIR",
        hide_env_values = true
    )]
    pub target_dir: Option<PathBuf>,

    /// The Python that runs aiosmtpd for the account-email tests (it must import aiosmtpd);
    /// given, those tests must run rather than skip [default: /usr/bin/python3 when it has
    /// aiosmtpd, else they skip]
    #[arg(
        long,
        env = "SMTP_TEST_PYTHON",
        value_name = "PATH",
        hide_env_values = true
    )]
    pub smtp_python: Option<PathBuf>,

    /// One line per phase, no live display.
    #[arg(long, short)]
    pub quiet: bool,
}

impl VerifyArgs {
    /// `-p DIR`, or the positional DIR, or the current directory.
    pub fn dir(&self) -> &std::path::Path {
        self.project
            .as_deref()
            .or(self.dir_positional.as_deref())
            .unwrap_or(std::path::Path::new("."))
    }
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The project directory (with its starter.toml), as for check, diff and update.
    #[arg(
        long = "project",
        short = 'p',
        value_name = "DIR",
        conflicts_with = "dir_positional"
    )]
    pub project: Option<PathBuf>,

    /// The project directory, given without -p (the same).
    #[arg(value_name = "DIR", id = "dir_positional")]
    pub dir_positional: Option<PathBuf>,

    #[command(flatten)]
    pub flags: VerifyFlags,
}

#[derive(Debug, Args)]
pub struct MatrixArgs {
    /// Only these databases (repeatable; default: all three).
    #[arg(long, value_enum, value_name = "DB")]
    pub db: Vec<Database>,

    /// Only configurations with API docs, in every combination of the other answers.
    #[arg(long, conflicts_with = "no_docs")]
    pub docs: bool,

    /// Only configurations without API docs.
    #[arg(long)]
    pub no_docs: bool,

    /// Only configurations with account emails, in every combination of the other answers.
    #[arg(long, conflicts_with = "no_email")]
    pub email: bool,

    /// Only configurations without account emails.
    #[arg(long)]
    pub no_email: bool,

    /// Only configurations with Redis, in every combination of the other answers.
    #[arg(long, conflicts_with = "no_redis")]
    pub redis: bool,

    /// Only configurations without Redis.
    #[arg(long)]
    pub no_redis: bool,

    /// Every combination of docs, emails and Redis for each database (24 builds), not the
    /// default seven that cover each database, each answer and the pairs of answers (see
    /// docs/verify.md).
    #[arg(long)]
    pub all_combinations: bool,

    /// Locales of every configuration (repeatable; en is always included).
    #[arg(long = "locale", value_name = "TAG", value_parser = LocaleTag)]
    pub locales: Vec<String>,

    /// PostgreSQL server for the postgres configurations.
    #[arg(
        long,
        env = "STARTER_POSTGRES_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    pub postgres_url: Option<String>,

    /// MySQL/MariaDB server for the mysql configurations.
    #[arg(
        long,
        env = "STARTER_MYSQL_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    pub mysql_url: Option<String>,

    /// Redis server for the configurations with Redis (see `starter verify`).
    #[arg(
        long,
        env = "STARTER_REDIS_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    pub redis_url: Option<String>,

    /// The build cache shared by every configuration [default:
    /// ~/.cache/rust-api-starter/target]
    #[arg(
        long,
        env = "STARTER_TARGET_DIR",
        value_name = "DIR",
        hide_env_values = true
    )]
    pub target_dir: Option<PathBuf>,

    /// The Python that runs aiosmtpd for the account-email tests (see `starter verify`).
    #[arg(
        long,
        env = "SMTP_TEST_PYTHON",
        value_name = "PATH",
        hide_env_values = true
    )]
    pub smtp_python: Option<PathBuf>,

    /// Write a JUnit XML report.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,

    /// Keep the generated projects (their root is printed).
    #[arg(long)]
    pub keep: bool,

    /// One line per phase, no live display.
    #[arg(long, short)]
    pub quiet: bool,
}

impl NewArgs {
    /// The answers given on the command line; what is not given stays `None`.
    pub fn partial_answers(&self) -> Result<PartialAnswers, InputError> {
        let mut partial = PartialAnswers {
            name: self.name.clone(),
            ..PartialAnswers::default()
        };
        for (key, values) in &self.questions.given {
            partial.set_flag(key, values.clone())?;
        }
        for (key, value) in parse_defines(&self.defines)? {
            if partial.has(&key) {
                return Err(InputError::new(
                    format!("`{key}` is answered twice: by its flag and by -d {key}={value}"),
                    format!("keep one of them (-d {key}=VALUE works like the flag)"),
                ));
            }
            partial.define(&key, &value)?;
        }
        Ok(partial)
    }
}

/// The answers given by the built-in questions' flags: each question's key and its flag's
/// values (`true`/`false` for a switch, none for `--no-cors`).
#[derive(Debug, Clone, Default)]
pub struct QuestionFlags {
    pub given: Vec<(&'static str, Vec<String>)>,
}

impl Args for QuestionFlags {
    fn augment_args(mut cmd: clap::Command) -> clap::Command {
        for question in QUESTIONS {
            cmd = match question.flag {
                Flag::Value {
                    long,
                    value_name,
                    help,
                } => {
                    let arg = completed(question.key, flag_arg(long, help)).value_name(value_name);
                    cmd.arg(match (question.choices)() {
                        Some(choices) => arg.value_parser(PossibleValuesParser::new(choices)),
                        None => arg,
                    })
                }
                Flag::List {
                    long,
                    value_name,
                    help,
                    none,
                } => {
                    let arg = completed(question.key, flag_arg(long, help))
                        .value_name(value_name)
                        .action(ArgAction::Append);
                    match none {
                        Some((none, none_help)) => cmd
                            .arg(arg.conflicts_with(none))
                            .arg(flag_arg(none, none_help).action(ArgAction::SetTrue)),
                        None => cmd.arg(arg),
                    }
                }
                Flag::Switch {
                    long,
                    help,
                    off,
                    off_help,
                } => cmd
                    .arg(
                        flag_arg(long, help)
                            .action(ArgAction::SetTrue)
                            .overrides_with(off),
                    )
                    .arg(
                        flag_arg(off, off_help)
                            .action(ArgAction::SetTrue)
                            .overrides_with(long),
                    ),
            };
        }
        cmd
    }

    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        Self::augment_args(cmd)
    }
}

/// A locale flag completes to the embedded template's locales (not to file names).
fn completed(key: &str, arg: Arg) -> Arg {
    match key {
        "locales" | "default_locale" => arg.value_parser(LocaleTag),
        _ => arg,
    }
}

/// Any locale tag, offering the embedded template's locales to shell completion and `--help`.
/// None is refused here: a team's template may ship others, and every answer is checked
/// against the template actually used.
#[derive(Debug, Clone, Copy)]
struct LocaleTag;

impl TypedValueParser for LocaleTag {
    type Value = String;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<String, clap::Error> {
        StringValueParser::new().parse_ref(cmd, arg, value)
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(
            crate::template::embedded_locales()
                .into_iter()
                .map(PossibleValue::new),
        ))
    }
}

/// `--long`, known to clap by its long name.
fn flag_arg(long: &'static str, help: &'static str) -> Arg {
    Arg::new(long).long(long).help(help)
}

impl clap::FromArgMatches for QuestionFlags {
    fn from_arg_matches(matches: &clap::ArgMatches) -> Result<Self, clap::Error> {
        let mut given = Vec::new();
        let strings = |id: &str| -> Vec<String> {
            matches
                .get_many::<String>(id)
                .map(|values| values.cloned().collect())
                .unwrap_or_default()
        };
        for question in QUESTIONS {
            let values = match question.flag {
                Flag::Value { long, .. } => {
                    matches.get_one::<String>(long).cloned().map(|v| vec![v])
                }
                Flag::List { long, none, .. } => {
                    if none.is_some_and(|(none, _)| matches.get_flag(none)) {
                        Some(Vec::new())
                    } else {
                        Some(strings(long)).filter(|v| !v.is_empty())
                    }
                }
                Flag::Switch { long, off, .. } => {
                    if matches.get_flag(long) {
                        Some(vec!["true".to_string()])
                    } else if matches.get_flag(off) {
                        Some(vec!["false".to_string()])
                    } else {
                        None
                    }
                }
            };
            if let Some(values) = values {
                given.push((question.key, values));
            }
        }
        Ok(Self { given })
    }

    fn update_from_arg_matches(&mut self, matches: &clap::ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(matches)?;
        Ok(())
    }
}

#[derive(Debug, Args)]
pub struct UpdateArgs {
    /// The project directory.
    #[arg(long = "project", short = 'p', default_value = ".", value_name = "DIR")]
    pub dir: PathBuf,

    /// The template version to move to (default: the newest its source offers).
    #[arg(long, value_name = "VERSION", conflicts_with = "reference")]
    pub to: Option<String>,

    /// A tag, branch or commit of the project's git template.
    #[arg(long = "ref", value_name = "REF")]
    pub reference: Option<String>,

    /// Answer a question that is new in that version (repeatable).
    #[arg(long = "define", short = 'd', value_name = "KEY=VALUE")]
    pub defines: Vec<String>,

    /// Take the default for new questions not answered with -d.
    #[arg(long, short)]
    pub yes: bool,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The project directory.
    #[arg(long = "project", short = 'p', default_value = ".", value_name = "DIR")]
    pub dir: PathBuf,
}

/// `-d KEY=VALUE` pairs.
pub fn parse_defines(defines: &[String]) -> Result<BTreeMap<String, String>, InputError> {
    let mut extra = BTreeMap::new();
    for define in defines {
        let (key, value) = define.split_once('=').ok_or_else(|| {
            InputError::new(
                format!("-d {define}: expected KEY=VALUE"),
                "write it as -d key=value",
            )
        })?;
        extra.insert(key.trim().to_string(), value.to_string());
    }
    Ok(extra)
}
