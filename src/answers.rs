//! The answers to the template's questions: a plain data struct passed inward from the CLI,
//! prompts or an answers file, and its TOML form (the `[answers]` table of `starter.toml`).

use std::collections::BTreeMap;
use std::path::Path;

use heck::ToSnakeCase;
use serde::{Deserialize, Serialize};

use crate::condition::Value;
use crate::error::InputError;
use crate::manifest::{Manifest, PlaceholderType};
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

/// Defaults taken by `--yes`; a test checks that they agree with the template manifest.
pub const DEFAULT_DATABASE: Database = Database::Sqlite;
pub const DEFAULT_LOCALE: &str = "en";
pub const DEFAULT_DOCS: bool = true;

/// Complete, validated answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Answers {
    pub name: String,
    pub database: Database,
    pub cors_origins: Vec<String>,
    pub locales: Vec<String>,
    pub default_locale: String,
    pub docs: bool,
    /// Answers to placeholders this tool has no dedicated question for (a fork's own).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extra: BTreeMap<String, String>,
}

/// Answers as gathered so far: any of them may still be missing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartialAnswers {
    pub name: Option<String>,
    pub database: Option<Database>,
    pub cors_origins: Option<Vec<String>>,
    pub locales: Option<Vec<String>>,
    pub default_locale: Option<String>,
    pub docs: Option<bool>,
    #[serde(default)]
    pub extra: BTreeMap<String, String>,
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
        Self::from_toml(&text).map_err(|problem| {
            InputError::new(
                format!("answers file {} is invalid: {problem}", path.display()),
                "keys are name, database, cors_origins, locales, default_locale, docs, extra (see docs/answers.md)",
            )
        })
    }

    pub fn from_toml(text: &str) -> Result<Self, String> {
        let mut table: toml::Table = toml::from_str(text).map_err(|e| e.to_string())?;
        let answers = match table.remove("answers") {
            Some(toml::Value::Table(answers)) => answers,
            Some(_) => return Err("`answers` must be a table".into()),
            None => table,
        };
        answers
            .try_into()
            .map_err(|e: toml::de::Error| e.to_string())
    }

    /// `other`'s answers win where both have one (flags over an answers file).
    pub fn overridden_by(mut self, other: PartialAnswers) -> Self {
        self.name = other.name.or(self.name);
        self.database = other.database.or(self.database);
        self.cors_origins = other.cors_origins.or(self.cors_origins);
        self.locales = other.locales.or(self.locales);
        self.default_locale = other.default_locale.or(self.default_locale);
        self.docs = other.docs.or(self.docs);
        self.extra.extend(other.extra);
        self
    }

    /// Completes the answers: with `use_defaults`, a missing answer takes its default; without,
    /// it is an error naming the flag to pass. Every answer is then validated.
    pub fn finish(
        self,
        manifest: &Manifest,
        available_locales: &[String],
        use_defaults: bool,
    ) -> Result<Answers, InputError> {
        let mut missing = Vec::new();
        let name = self.name.clone().unwrap_or_else(|| {
            missing.push("the project name: pass NAME (`starter new my-api`)".to_string());
            String::new()
        });
        let mut take = |given: Option<_>, default, flag: &str| match given {
            Some(v) => v,
            None if use_defaults => default,
            None => {
                missing.push(flag.to_string());
                default
            }
        };
        let database = take(
            self.database.map(Answer::Db),
            Answer::Db(DEFAULT_DATABASE),
            "the database: pass --db sqlite|postgres|mysql",
        );
        let cors = take(
            self.cors_origins.map(Answer::List),
            Answer::List(Vec::new()),
            "the CORS origins: pass --cors-origin URL (repeatable) or --no-cors",
        );
        let locales = take(
            self.locales.map(Answer::List),
            Answer::List(vec![DEFAULT_LOCALE.to_string()]),
            "the locales: pass --locale TAG (repeatable; `starter locales` lists them)",
        );
        let docs = take(
            self.docs.map(Answer::Flag),
            Answer::Flag(DEFAULT_DOCS),
            "the API docs: pass --docs or --no-docs",
        );
        let locales = normalize_locales(locales.into_list(), available_locales)?;
        let default_locale = match (self.default_locale, locales.as_slice()) {
            (Some(tag), _) => tag,
            (None, [only]) => only.clone(),
            (None, _) if use_defaults => DEFAULT_LOCALE.to_string(),
            (None, _) => {
                missing.push("the default locale: pass --default-locale TAG".to_string());
                String::new()
            }
        };
        let mut extra = self.extra;
        for (key, placeholder) in &manifest.placeholders {
            if is_builtin_question(key) || extra.contains_key(key) {
                continue;
            }
            match (&placeholder.default, use_defaults) {
                (Some(default), true) => {
                    extra.insert(key.clone(), toml_scalar(default));
                }
                _ => missing.push(format!("{}: pass -d {key}=VALUE", placeholder.prompt)),
            }
        }
        if !missing.is_empty() {
            return Err(InputError::new(
                format!(
                    "missing answers and no terminal to ask them on:\n    - {}",
                    missing.join("\n    - ")
                ),
                "pass the flags above, or --yes to take the defaults, or --answers FILE",
            ));
        }
        let answers = Answers {
            name,
            database: database.into_db(),
            cors_origins: cors
                .into_list()
                .iter()
                .map(|o| validate::cors_origin(o))
                .collect::<Result<_, _>>()?,
            locales,
            default_locale,
            docs: docs.into_flag(),
            extra,
        };
        answers.validate(manifest, available_locales)?;
        Ok(answers)
    }
}

/// The questions this tool asks itself; other placeholders go through `extra`.
pub fn is_builtin_question(key: &str) -> bool {
    matches!(
        key,
        "database" | "cors_origins" | "locales" | "default_locale" | "docs"
    )
}

fn toml_scalar(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

enum Answer {
    Db(Database),
    List(Vec<String>),
    Flag(bool),
}

impl Answer {
    fn into_db(self) -> Database {
        match self {
            Answer::Db(d) => d,
            _ => DEFAULT_DATABASE,
        }
    }
    fn into_list(self) -> Vec<String> {
        match self {
            Answer::List(l) => l,
            _ => Vec::new(),
        }
    }
    fn into_flag(self) -> bool {
        match self {
            Answer::Flag(f) => f,
            _ => DEFAULT_DOCS,
        }
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
        .filter(|tag| *tag == DEFAULT_LOCALE || chosen.contains(tag))
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
        if !self.locales.iter().any(|t| t == DEFAULT_LOCALE) {
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
        vars.insert("database".into(), s(self.database.as_str()));
        vars.insert("cors_origins".into(), s(&self.cors_origins.join(",")));
        vars.insert("locales".into(), s(&self.locales.join(",")));
        vars.insert("default_locale".into(), s(&self.default_locale));
        vars.insert("docs".into(), Value::Bool(self.docs));
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

impl From<Answers> for PartialAnswers {
    fn from(a: Answers) -> Self {
        PartialAnswers {
            name: Some(a.name),
            database: Some(a.database),
            cors_origins: Some(a.cors_origins),
            locales: Some(a.locales),
            default_locale: Some(a.default_locale),
            docs: Some(a.docs),
            extra: a.extra,
        }
    }
}
