//! Interactive questions for whatever the command line and answers file left open. Knows
//! nothing of files; only called when stdin and stdout are terminals (dialoguer loops on a
//! closed stdin otherwise).

use std::io::IsTerminal;

use dialoguer::{Confirm, Input, MultiSelect, Select, theme::ColorfulTheme};

use crate::answers::{self, Database, PartialAnswers};
use crate::manifest::{Manifest, PlaceholderType};
use crate::validate;

pub fn is_interactive() -> bool {
    std::io::stdin().is_terminal() && std::io::stdout().is_terminal()
}

/// Asks every missing question. `locale_names` lists the shipped locales with display names.
pub fn ask_missing(
    mut partial: PartialAnswers,
    manifest: &Manifest,
    locales: &[(String, String)],
) -> dialoguer::Result<PartialAnswers> {
    let theme = ColorfulTheme::default();
    if partial.name.is_none() {
        let name: String = Input::with_theme(&theme)
            .with_prompt("Project name")
            .validate_with(|v: &String| validate::project_name(v).map_err(|e| e.to_string()))
            .interact_text()?;
        partial.name = Some(name);
    }
    if partial.database.is_none() {
        let labels = [
            "SQLite (embedded, nothing to run)",
            "PostgreSQL",
            "MySQL / MariaDB",
        ];
        let default = Database::ALL
            .iter()
            .position(|d| *d == answers::DEFAULT_DATABASE)
            .unwrap_or(0);
        let i = Select::with_theme(&theme)
            .with_prompt("Database")
            .items(labels)
            .default(default)
            .interact()?;
        partial.database = Some(Database::ALL[i]);
    }
    if partial.cors_origins.is_none() {
        let raw: String = Input::with_theme(&theme)
            .with_prompt("CORS allowed origins (comma-separated, empty for none)")
            .allow_empty(true)
            .validate_with(|v: &String| {
                split_list(v)
                    .iter()
                    .try_for_each(|o| validate::cors_origin(o).map(|_| ()))
                    .map_err(|e| e.to_string())
            })
            .interact_text()?;
        partial.cors_origins = Some(split_list(&raw));
    }
    if partial.locales.is_none() {
        let items: Vec<String> = locales
            .iter()
            .map(|(tag, name)| format!("{tag:6} {name}"))
            .collect();
        let checked: Vec<bool> = locales
            .iter()
            .map(|(tag, _)| tag == answers::DEFAULT_LOCALE)
            .collect();
        let picked = MultiSelect::with_theme(&theme)
            .with_prompt("Locales (space to toggle, enter to accept; en is always included)")
            .items(&items)
            .defaults(&checked)
            .interact()?;
        let mut chosen: Vec<String> = picked.into_iter().map(|i| locales[i].0.clone()).collect();
        if !chosen.iter().any(|t| t == answers::DEFAULT_LOCALE) {
            chosen.insert(0, answers::DEFAULT_LOCALE.to_string());
        }
        partial.locales = Some(chosen);
    }
    if partial.default_locale.is_none()
        && let Some(chosen) = partial.locales.as_ref().filter(|l| l.len() > 1)
    {
        let i = Select::with_theme(&theme)
            .with_prompt("Default locale")
            .items(chosen)
            .default(0)
            .interact()?;
        partial.default_locale = Some(chosen[i].clone());
    }
    if partial.docs.is_none() {
        partial.docs = Some(
            Confirm::with_theme(&theme)
                .with_prompt("Generate API docs (OpenAPI + Swagger UI)?")
                .default(answers::DEFAULT_DOCS)
                .interact()?,
        );
    }
    for (key, placeholder) in &manifest.placeholders {
        if answers::is_builtin_question(key) || partial.extra.contains_key(key) {
            continue;
        }
        let value = match placeholder.kind {
            PlaceholderType::Bool => Confirm::with_theme(&theme)
                .with_prompt(&placeholder.prompt)
                .default(matches!(
                    placeholder.default,
                    Some(toml::Value::Boolean(true))
                ))
                .interact()?
                .to_string(),
            PlaceholderType::String => {
                let mut input =
                    Input::<String>::with_theme(&theme).with_prompt(&placeholder.prompt);
                if let Some(toml::Value::String(d)) = &placeholder.default {
                    input = input.default(d.clone());
                }
                input.interact_text()?
            }
        };
        partial.extra.insert(key.clone(), value);
    }
    Ok(partial)
}

fn split_list(raw: &str) -> Vec<String> {
    raw.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}
