//! The answers to the template's questions: a plain data struct passed inward from the CLI,
//! prompts or an answers file, and its TOML form (the `[answers]` table of `starter.toml`).

use std::collections::BTreeMap;
use std::path::Path;

use heck::ToSnakeCase;
use serde::{Deserialize, Serialize};

use crate::condition::Value;
use crate::error::InputError;
use crate::manifest::{Manifest, Placeholder, PlaceholderType};
use crate::render::Variables;
use crate::validate;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Database {
    Sqlite,
    Postgres,
    Mysql,
}

impl Database {
    pub const ALL: [Database; 3] = [Database::Sqlite, Database::Postgres, Database::Mysql];

    pub fn as_str(self) -> &'static str {
        match self {
            Database::Sqlite => "sqlite",
            Database::Postgres => "postgres",
            Database::Mysql => "mysql",
        }
    }
}

impl std::fmt::Display for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A built-in question: the answer's key, which is also the name of its placeholder in
/// `cargo-generate.toml` (where its prompt text and default live), its flag on the command
/// line, and the widget that asks it at a terminal.
#[derive(Debug, Clone, Copy)]
pub struct Question {
    pub key: &'static str,
    pub flag: Flag,
    /// The values its flag accepts, when the answer's type has a fixed set.
    pub choices: fn() -> Option<Vec<&'static str>>,
    /// What to pass when the answer is missing and there is no terminal to ask on.
    pub missing: &'static str,
    pub widget: Widget,
    /// For a question added after the first release: the answer a project record without it
    /// stands for (what the projects generated before the question existed have).
    pub absent_from_record: Option<&'static str>,
}

/// A question's flag on `starter new` (`cli.rs` builds the clap arguments from it). `-d KEY=VALUE`
/// answers any question too.
#[derive(Debug, Clone, Copy)]
pub enum Flag {
    /// `--long VALUE`.
    Value {
        long: &'static str,
        value_name: &'static str,
        help: &'static str,
    },
    /// `--long VALUE`, repeatable; `none` is the flag (and its help) that answers with no value.
    List {
        long: &'static str,
        value_name: &'static str,
        help: &'static str,
        none: Option<(&'static str, &'static str)>,
    },
    /// `--long` for yes, `--off` for no.
    Switch {
        long: &'static str,
        help: &'static str,
        off: &'static str,
        off_help: &'static str,
    },
}

/// How a question is asked at a terminal (`prompt.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Widget {
    /// One of the placeholder's `choices`.
    Select,
    /// Comma-separated CORS origins, each validated as typed.
    Origins,
    /// The shipped locales, `en` always included.
    Locales,
    /// One of the locales chosen before; not asked when there is only one.
    DefaultLocale,
    Confirm,
}

/// An answer's type: parsed from its text form (what `-d KEY=VALUE`, the manifest's default
/// and a prompt give), and written as the template variable cargo-generate would see.
pub trait AnswerValue: Sized {
    fn parse(key: &str, text: &str) -> Result<Self, InputError>;
    fn variable(&self) -> Value;

    /// From the values of its flag (several for a repeatable one).
    fn from_flag(key: &str, values: Vec<String>) -> Result<Self, InputError> {
        Self::parse(key, &values.join(","))
    }

    /// The values there are, when there is a fixed set.
    fn choices() -> Option<Vec<&'static str>> {
        None
    }
}

impl AnswerValue for Database {
    fn parse(key: &str, text: &str) -> Result<Self, InputError> {
        Database::ALL
            .into_iter()
            .find(|d| d.as_str() == text)
            .ok_or_else(|| {
                InputError::new(
                    format!("`{text}` is not a choice for `{key}`"),
                    "choose one of: sqlite, postgres, mysql",
                )
            })
    }
    fn variable(&self) -> Value {
        Value::Str(self.as_str().to_string())
    }
    fn choices() -> Option<Vec<&'static str>> {
        Some(Database::ALL.map(Database::as_str).to_vec())
    }
}

/// Lists are comma-separated in their text form, as cargo-generate has no list type; a list
/// flag's values are read the same way, so `--cors-origin a,b` is `--cors-origin a
/// --cors-origin b`, as at the prompt and in `-d cors_origins=a,b` (no origin or locale
/// holds a comma).
impl AnswerValue for Vec<String> {
    fn parse(_key: &str, text: &str) -> Result<Self, InputError> {
        Ok(text
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect())
    }
    fn variable(&self) -> Value {
        Value::Str(self.join(","))
    }
}

impl AnswerValue for String {
    fn parse(_key: &str, text: &str) -> Result<Self, InputError> {
        Ok(text.to_string())
    }
    fn variable(&self) -> Value {
        Value::Str(self.clone())
    }
}

impl AnswerValue for bool {
    fn parse(key: &str, text: &str) -> Result<Self, InputError> {
        match text {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err(InputError::new(
                format!("`{key}` must be true or false, not `{text}`"),
                format!("pass -d {key}=true or -d {key}=false"),
            )),
        }
    }
    fn variable(&self) -> Value {
        Value::Bool(*self)
    }
}

/// Declares the built-in questions once: the fields of `Answers` and `PartialAnswers` (in
/// `starter.toml`'s order), `QUESTIONS`, and the code that sets, merges and exports them.
macro_rules! questions {
    (@optional) => { None };
    (@optional $value:literal) => { Some($value) };
    ($( $key:ident: $ty:ty {
        flag: $flag:expr,
        widget: $widget:ident,
        missing: $missing:literal,
        $( absent_from_record: $absent:literal, )?
    } )*) => {
        pub const QUESTIONS: &[Question] = &[
            $( Question {
                key: stringify!($key),
                flag: $flag,
                choices: <$ty as AnswerValue>::choices,
                missing: $missing,
                widget: Widget::$widget,
                absent_from_record: questions!(@optional $( $absent )?),
            }, )*
        ];

        /// Complete, validated answers.
        #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct Answers {
            pub name: String,
            $( pub $key: $ty, )*
            /// Answers to placeholders this tool has no built-in question for (a fork's own).
            #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
            pub extra: BTreeMap<String, String>,
        }

        /// Answers as gathered so far: any of them may still be missing.
        #[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct PartialAnswers {
            pub name: Option<String>,
            $( pub $key: Option<$ty>, )*
            #[serde(default)]
            pub extra: BTreeMap<String, String>,
        }

        impl PartialAnswers {
            /// `other`'s answers win where both have one (flags over an answers file).
            pub fn overridden_by(mut self, other: PartialAnswers) -> Self {
                self.name = other.name.or(self.name);
                $( self.$key = other.$key.or(self.$key); )*
                self.extra.extend(other.extra);
                self
            }

            /// Whether the built-in question `key` has an answer.
            pub fn has(&self, key: &str) -> bool {
                match key {
                    $( stringify!($key) => self.$key.is_some(), )*
                    _ => false,
                }
            }

            /// The built-in questions still without an answer.
            fn unanswered(&self) -> Vec<&'static str> {
                let mut keys = Vec::new();
                $( if self.$key.is_none() { keys.push(stringify!($key)); } )*
                keys
            }

            /// Complete answers, or None while a built-in question has none.
            fn complete(self, name: String) -> Option<Answers> {
                Some(Answers {
                    name,
                    $( $key: self.$key?, )*
                    extra: self.extra,
                })
            }

            /// Answers the built-in question `key` from its text form; false when `key` is no
            /// built-in question.
            fn set_text(&mut self, key: &str, text: &str) -> Result<bool, InputError> {
                match key {
                    $( stringify!($key) => self.$key = Some(AnswerValue::parse(key, text)?), )*
                    _ => return Ok(false),
                }
                Ok(true)
            }

            /// Answers the built-in question `key` from the values of its flag.
            pub fn set_flag(&mut self, key: &str, values: Vec<String>) -> Result<bool, InputError> {
                match key {
                    $( stringify!($key) => self.$key = Some(AnswerValue::from_flag(key, values)?), )*
                    _ => return Ok(false),
                }
                Ok(true)
            }
        }

        impl Answers {
            fn builtin_variables(&self, vars: &mut Variables) {
                $( vars.insert(stringify!($key).into(), self.$key.variable()); )*
            }
        }

        impl From<Answers> for PartialAnswers {
            fn from(a: Answers) -> Self {
                PartialAnswers {
                    name: Some(a.name),
                    $( $key: Some(a.$key), )*
                    extra: a.extra,
                }
            }
        }
    };
}

questions! {
    database: Database {
        flag: Flag::Value { long: "db", value_name: "DB", help: "The database the API uses" },
        widget: Select,
        missing: "the database: pass --db sqlite|postgres|mysql",
    }
    cors_origins: Vec<String> {
        flag: Flag::List {
            long: "cors-origin",
            value_name: "URL",
            help: "A browser origin allowed by CORS, scheme://host[:port] (repeatable, or comma-separated)",
            none: Some(("no-cors", "Allow no CORS origin (the default answer, given explicitly)")),
        },
        widget: Origins,
        missing: "the CORS origins: pass --cors-origin URL (repeatable) or --no-cors",
    }
    locales: Vec<String> {
        flag: Flag::List {
            long: "locale",
            value_name: "TAG",
            help: "A locale to ship, e.g. fr or pt-BR (repeatable, or comma-separated; en is always included)",
            none: None,
        },
        widget: Locales,
        missing: "the locales: pass --locale TAG (repeatable; `starter locales` lists them)",
    }
    default_locale: String {
        flag: Flag::Value {
            long: "default-locale",
            value_name: "TAG",
            help: "The locale used when a request's Accept-Language matches none",
        },
        widget: DefaultLocale,
        missing: "the default locale: pass --default-locale TAG",
    }
    docs: bool {
        flag: Flag::Switch {
            long: "docs",
            help: "Generate the OpenAPI document and Swagger UI",
            off: "no-docs",
            off_help: "Do not generate the API docs",
        },
        widget: Confirm,
        missing: "the API docs: pass --docs or --no-docs",
    }
    email: bool {
        flag: Flag::Switch {
            long: "email",
            help: "Generate the account emails: verification, password reset, email change",
            off: "no-email",
            off_help: "Do not generate the account emails",
        },
        widget: Confirm,
        missing: "the account emails: pass --email or --no-email",
        // Projects generated before this question existed had no account emails.
        absent_from_record: "false",
    }
    redis: bool {
        flag: Flag::Switch {
            long: "redis",
            help: "Replicas share rate limits, lockouts and revocation through Redis",
            off: "no-redis",
            off_help: "Keep limits and revocation caches in each process (one replica)",
        },
        widget: Confirm,
        missing: "the Redis scale-out: pass --redis or --no-redis",
        // Projects generated before this question existed kept everything in the process.
        absent_from_record: "false",
    }
}

/// The locale always shipped: the catalogue every other one is checked against.
pub const BASE_LOCALE: &str = "en";

/// The questions this tool asks itself; other placeholders go through `extra`.
pub fn is_builtin_question(key: &str) -> bool {
    QUESTIONS.iter().any(|q| q.key == key)
}

impl PartialAnswers {
    /// Reads an answers file: either a `starter.toml` (its `[answers]` table) or a file whose
    /// top level holds the answers.
    pub fn from_file(path: &Path) -> Result<Self, InputError> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            InputError::new(
                format!("cannot read answers file {}: {e}", path.display()),
                "pass the path of an existing TOML file to --answers",
            )
        })?;
        let invalid = |problem: String| {
            InputError::new(
                format!("answers file {} is invalid: {problem}", path.display()),
                "keys are name, database, cors_origins, locales, default_locale, docs, email, redis, extra (see \"starter new\" in the README)",
            )
        };
        let mut answers = Self::from_toml(&text).map_err(invalid)?;
        // A built-in question answered under `extra` is that question's answer.
        for (key, value) in std::mem::take(&mut answers.extra) {
            if answers.has(&key) {
                return Err(invalid(format!(
                    "`{key}` is answered twice, at the top and under [extra]"
                )));
            }
            answers.define(&key, &value)?;
        }
        Ok(answers)
    }

    /// The answers of a TOML text: its `[answers]` table, or its top level. A project record
    /// (`[starter]` beside `[answers]`) written before a question existed stands for that
    /// question's `absent_from_record` answer, as when the record is read by `update`.
    pub fn from_toml(text: &str) -> Result<Self, String> {
        let mut table: toml::Table = toml::from_str(text).map_err(|e| e.to_string())?;
        let is_record = table.contains_key("starter");
        let answers = match table.remove("answers") {
            Some(toml::Value::Table(answers)) => answers,
            Some(_) => return Err("`answers` must be a table".into()),
            None => table,
        };
        let mut answers: Self = answers
            .try_into()
            .map_err(|e: toml::de::Error| e.to_string())?;
        if is_record {
            answers.assume_recorded_absences()?;
        }
        Ok(answers)
    }

    /// Gives each question added after a record was written the answer its absence stands for.
    fn assume_recorded_absences(&mut self) -> Result<(), String> {
        for question in QUESTIONS {
            if let Some(absent) = question.absent_from_record
                && !self.has(question.key)
            {
                self.set_text(question.key, absent)
                    .map_err(|e| e.to_string())?;
            }
        }
        Ok(())
    }

    /// The complete answers of a project record (`starter.toml`'s `[answers]`): a question
    /// the record predates takes the answer its absence stands for; any other missing
    /// answer is an error naming it.
    pub fn from_record(mut self) -> Result<Answers, String> {
        self.assume_recorded_absences()?;
        let mut missing = self.unanswered();
        if self.name.is_none() {
            missing.insert(0, "name");
        }
        match (self.name.take(), missing.is_empty()) {
            (Some(name), true) => self
                .complete(name)
                .ok_or_else(|| "an answer is missing".to_string()),
            _ => Err(format!(
                "[answers] lacks {}",
                missing
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
    }

    /// `-d KEY=VALUE`: a built-in question's answer (exactly as its flag would give it), or a
    /// placeholder of the template's own.
    pub fn define(&mut self, key: &str, value: &str) -> Result<(), InputError> {
        if !self.set_text(key, value)? {
            self.extra.insert(key.to_string(), value.to_string());
        }
        Ok(())
    }

    /// Completes the answers: with `use_defaults`, a missing answer takes the manifest's
    /// default; without, it is an error naming the flag to pass. Every answer is then
    /// validated.
    pub fn finish(
        self,
        manifest: &Manifest,
        available_locales: &[String],
        use_defaults: bool,
    ) -> Result<Answers, InputError> {
        self.finish_for(Command::New, manifest, available_locales, use_defaults)
    }

    /// `finish`, naming in a missing answer's message what `command` takes to give it.
    pub fn finish_for(
        mut self,
        command: Command,
        manifest: &Manifest,
        available_locales: &[String],
        use_defaults: bool,
    ) -> Result<Answers, InputError> {
        let mut missing = Vec::new();
        let name = self.name.take().unwrap_or_else(|| {
            missing.push("the project name: pass NAME (`starter new my-api`)".to_string());
            String::new()
        });
        for question in QUESTIONS {
            if self.has(question.key) {
                continue;
            }
            if let Some(absent) = question.not_asked_by(manifest) {
                self.set_text(question.key, absent)?;
                continue;
            }
            if question.widget == Widget::DefaultLocale {
                // With only `en` chosen there is nothing to ask.
                let locales =
                    normalize_locales(self.locales.clone().unwrap_or_default(), available_locales)?;
                if let [only] = locales.as_slice() {
                    self.default_locale = Some(only.clone());
                    continue;
                }
            }
            if use_defaults {
                let default = manifest_default(manifest, question)?;
                self.set_text(question.key, &default)?;
            } else if command == Command::Update {
                missing.push(format!(
                    "`{}`: pass -d {}=VALUE",
                    question.key, question.key
                ));
            } else {
                missing.push(question.missing.to_string());
            }
        }
        for (key, placeholder) in &manifest.placeholders {
            if is_builtin_question(key) || self.extra.contains_key(key) {
                continue;
            }
            match (&placeholder.default, use_defaults) {
                (Some(default), true) => {
                    self.extra.insert(key.clone(), toml_scalar(default));
                }
                _ => missing.push(format!("{}: pass -d {key}=VALUE", placeholder.prompt)),
            }
        }
        if !missing.is_empty() {
            return Err(missing_error(missing, command));
        }
        let Some(mut answers) = self.complete(name) else {
            return Err(missing_error(missing, command));
        };
        answers.cors_origins = answers
            .cors_origins
            .iter()
            .map(|o| validate::cors_origin(o))
            .collect::<Result<_, _>>()?;
        answers.locales = normalize_locales(answers.locales, available_locales)?;
        answers.validate(manifest, available_locales)?;
        Ok(answers)
    }
}

/// The command completing the answers: what it takes to give one differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    New,
    Update,
}

fn missing_error(missing: Vec<String>, command: Command) -> InputError {
    InputError::new(
        format!(
            "missing answers and no terminal to ask them on:\n    - {}",
            missing.join("\n    - ")
        ),
        match command {
            Command::New => {
                "pass the flags above, or --yes to take the defaults, or --answers FILE"
            }
            Command::Update => "pass the -d answers above, or --yes to take the defaults",
        },
    )
}

impl Question {
    /// The answer of a question `manifest`'s template does not ask, if it is one that the
    /// template's feature came with (`absent_from_record`): a team's template forked before it
    /// has no such feature, so its projects are not asked about it and record it as absent.
    pub fn not_asked_by(&self, manifest: &Manifest) -> Option<&'static str> {
        self.absent_from_record
            .filter(|_| !manifest.placeholders.contains_key(self.key))
    }

    /// The question's placeholder: the template's, or the embedded template's when a team's
    /// template does not declare it (its answer is then recorded but renders nothing).
    pub fn placeholder<'m>(&self, manifest: &'m Manifest) -> Option<&'m Placeholder> {
        manifest.placeholders.get(self.key).or_else(|| {
            crate::template::embedded_manifest().and_then(|m| m.placeholders.get(self.key))
        })
    }
}

/// The default of a built-in question, from its placeholder in the template's manifest.
fn manifest_default(manifest: &Manifest, question: &Question) -> Result<String, InputError> {
    question
        .placeholder(manifest)
        .and_then(|p| p.default.as_ref())
        .map(toml_scalar)
        .ok_or_else(|| {
            InputError::new(
                format!("the template gives `{}` no default", question.key),
                format!("answer it: {}", question.missing),
            )
        })
}

fn toml_scalar(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `en` is always included; the rest are deduplicated and kept in the template's order.
pub fn normalize_locales(
    chosen: Vec<String>,
    available: &[String],
) -> Result<Vec<String>, InputError> {
    for tag in &chosen {
        validate::locale(tag, available)?;
    }
    Ok(available
        .iter()
        .filter(|tag| *tag == BASE_LOCALE || chosen.contains(tag))
        .cloned()
        .collect())
}

impl Answers {
    pub fn validate(
        &self,
        manifest: &Manifest,
        available_locales: &[String],
    ) -> Result<(), InputError> {
        validate::project_name(&self.name)?;
        for origin in &self.cors_origins {
            validate::cors_origin(origin)?;
        }
        for tag in &self.locales {
            validate::locale(tag, available_locales)?;
        }
        if !self.locales.iter().any(|t| t == BASE_LOCALE) {
            return Err(InputError::new(
                "the locales do not include `en`",
                "add en to the locales: it is always shipped",
            ));
        }
        if !self.locales.contains(&self.default_locale) {
            return Err(InputError::new(
                format!(
                    "the default locale `{}` is not among the chosen locales ({})",
                    self.default_locale,
                    self.locales.join(", ")
                ),
                format!(
                    "pass one of {} to --default-locale, or add --locale {}",
                    self.locales.join(", "),
                    self.default_locale
                ),
            ));
        }
        for (key, value) in &self.extra {
            if is_builtin_question(key) {
                return Err(InputError::new(
                    format!("`{key}` is answered under [answers.extra] besides its own key"),
                    format!(
                        "keep one answer: set `{key}` under [answers] and remove it from [answers.extra]"
                    ),
                ));
            }
            let placeholder = manifest.placeholders.get(key).ok_or_else(|| {
                InputError::new(
                    format!("`{key}` is not a question of this template"),
                    format!(
                        "remove it; the template asks: {}",
                        manifest
                            .placeholders
                            .keys()
                            .cloned()
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
            })?;
            if placeholder.kind == PlaceholderType::Bool && value != "true" && value != "false" {
                return Err(InputError::new(
                    format!("`{key}` must be true or false, not `{value}`"),
                    format!("pass -d {key}=true or -d {key}=false"),
                ));
            }
            if let Some(choices) = &placeholder.choices
                && !choices.contains(value)
            {
                return Err(InputError::new(
                    format!("`{value}` is not a choice for `{key}`"),
                    format!("choose one of: {}", choices.join(", ")),
                ));
            }
            if let Some(re) = &placeholder.regex
                && !placeholder.matches(value)
            {
                return Err(InputError::new(
                    format!("`{value}` is not a valid value for `{key}`"),
                    format!("it must match /{re}/"),
                ));
            }
        }
        Ok(())
    }

    /// The Liquid and condition variables, named as cargo-generate names them.
    pub fn variables(&self, manifest: &Manifest) -> Variables {
        let mut vars = Variables::new();
        let s = |v: &str| Value::Str(v.to_string());
        vars.insert("project-name".into(), s(&self.name));
        vars.insert("crate_name".into(), s(&self.name.to_snake_case()));
        vars.insert("crate_type".into(), s("bin"));
        self.builtin_variables(&mut vars);
        for (key, value) in &self.extra {
            let is_bool = manifest
                .placeholders
                .get(key)
                .is_some_and(|p| p.kind == PlaceholderType::Bool);
            let value = if is_bool {
                Value::Bool(value == "true")
            } else {
                s(value)
            };
            vars.insert(key.clone(), value);
        }
        vars
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn embedded() -> &'static Manifest {
        crate::template::embedded_manifest().expect("the embedded manifest parses")
    }

    #[test]
    fn a_define_on_a_builtin_question_sets_its_answer() {
        let mut partial = PartialAnswers::default();
        partial.define("database", "postgres").unwrap();
        partial.define("locales", "en, fr").unwrap();
        partial.define("docs", "false").unwrap();
        partial.define("team_flag", "x").unwrap();
        assert_eq!(partial.database, Some(Database::Postgres));
        assert_eq!(partial.locales, Some(vec!["en".into(), "fr".into()]));
        assert_eq!(partial.docs, Some(false));
        assert_eq!(
            partial.extra,
            BTreeMap::from([("team_flag".into(), "x".into())])
        );
        assert!(partial.define("docs", "maybe").is_err());
        assert!(partial.define("database", "oracle").is_err());
    }

    #[test]
    fn an_answers_file_with_a_builtin_under_extra_gives_that_answer() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("answers.toml");
        std::fs::write(&path, "name = \"x\"\n[extra]\ndatabase = \"postgres\"\n").unwrap();
        let partial = PartialAnswers::from_file(&path).unwrap();
        assert_eq!(partial.database, Some(Database::Postgres));
        assert!(partial.extra.is_empty());
        std::fs::write(
            &path,
            "database = \"sqlite\"\n[extra]\ndatabase = \"postgres\"\n",
        )
        .unwrap();
        assert!(PartialAnswers::from_file(&path).is_err());
    }

    #[test]
    fn defaults_come_from_the_manifest() {
        let available = vec!["en".to_string(), "fr".to_string()];
        let partial = PartialAnswers {
            name: Some("x".into()),
            ..PartialAnswers::default()
        };
        let answers = partial.finish(embedded(), &available, true).unwrap();
        let default = |key: &str| embedded().placeholders[key].default.clone().unwrap();
        assert_eq!(
            default("database").as_str(),
            Some(answers.database.as_str())
        );
        assert_eq!(default("docs").as_bool(), Some(answers.docs));
        assert_eq!(
            default("locales").as_str(),
            Some(answers.locales.join(",").as_str())
        );
        assert_eq!(
            default("default_locale").as_str(),
            Some(answers.default_locale.as_str())
        );
        assert_eq!(
            default("cors_origins").as_str(),
            Some(answers.cors_origins.join(",").as_str())
        );
    }
}
