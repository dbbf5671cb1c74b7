//! Interactive questions for whatever the command line and answers file left open. Knows
//! nothing of files; only called when stdin and stderr are terminals (dialoguer loops on a
//! closed stdin otherwise).

use std::fmt;
use std::io::IsTerminal;

use dialoguer::theme::ColorfulTheme;
use dialoguer::{Confirm, Input, MultiSelect, Select};

use crate::answers::{BASE_LOCALE, PartialAnswers, QUESTIONS, Widget, is_builtin_question};
use crate::error::InputError;
use crate::manifest::{Manifest, PlaceholderType};
use crate::validate;

/// The prompts read stdin and draw on stderr, so those two must be terminals; stdout may be
/// piped (`starter new | tee log` still asks).
pub fn is_interactive() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

/// Asks every missing question, with the prompt text and default of its placeholder in the
/// manifest. Each widget yields the answer's text form, read exactly as `-d KEY=VALUE` would be.
/// `locales` lists the shipped locales.
/// `check_name` vets a typed name at once (its target directory is free, say), not after every
/// other question. The terminal is restored however this ends (Ctrl-C included: dialoguer hides
/// the cursor in a select and leaves it hidden on an error).
pub fn ask_missing(
    partial: PartialAnswers,
    manifest: &Manifest,
    locales: &[String],
    check_name: &dyn Fn(&str) -> Result<(), InputError>,
) -> Result<PartialAnswers, PromptError> {
    let _restore = RestoreTerminal;
    ask(partial, manifest, locales, check_name).map_err(|e| match e {
        dialoguer::Error::IO(io) if io.kind() == std::io::ErrorKind::Interrupted => {
            PromptError::Interrupted
        }
        other => PromptError::Terminal(other),
    })
}

#[derive(Debug, thiserror::Error)]
pub enum PromptError {
    #[error("interrupted: nothing was written")]
    Interrupted,
    #[error("the prompt failed: {0}")]
    Terminal(dialoguer::Error),
}

impl PromptError {
    pub fn is_interrupted(&self) -> bool {
        matches!(self, PromptError::Interrupted)
    }
}

/// Shows the cursor again when dropped, on every way out of the prompts.
struct RestoreTerminal;

impl Drop for RestoreTerminal {
    fn drop(&mut self) {
        let term = console::Term::stderr();
        if term.is_term() {
            let _ = term.show_cursor();
        }
    }
}

fn ask(
    mut partial: PartialAnswers,
    manifest: &Manifest,
    locales: &[String],
    check_name: &dyn Fn(&str) -> Result<(), InputError>,
) -> dialoguer::Result<PartialAnswers> {
    let theme = Theme::default();
    if partial.name.is_none() {
        let name: String = Input::with_theme(&theme)
            .with_prompt("Project name")
            .validate_with(|v: &String| {
                validate::project_name(v)
                    .and_then(|()| check_name(v))
                    .map_err(|e| e.to_string())
            })
            .interact_text()?;
        partial.name = Some(name);
    }
    for question in QUESTIONS {
        // A question the template does not ask is answered in `finish`.
        if partial.has(question.key) || question.not_asked_by(manifest).is_some() {
            continue;
        }
        let placeholder = question.placeholder(manifest);
        let prompt = placeholder.map_or(question.key, |p| p.prompt.as_str());
        let default = placeholder.and_then(|p| p.default.as_ref());
        let default_text = match default {
            Some(toml::Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
            None => String::new(),
        };
        let text = match question.widget {
            Widget::Select => {
                let choices = placeholder
                    .and_then(|p| p.choices.clone())
                    .unwrap_or_default();
                let labels: Vec<&str> = choices.iter().map(|c| choice_label(c)).collect();
                choices[select(&theme, prompt, &choices, &labels, &default_text)?].clone()
            }
            Widget::Origins => ask_origins(&theme, prompt)?,
            Widget::Locales => {
                // `en` is always shipped: it is said in the prompt, not offered to untick.
                let optional: Vec<&String> = locales.iter().filter(|t| *t != BASE_LOCALE).collect();
                let items: Vec<String> = optional
                    .iter()
                    .map(|tag| format!("{tag:6} {}", crate::template::locale_name(tag)))
                    .collect();
                let preset = split_list(&default_text);
                let checked: Vec<bool> = optional.iter().map(|tag| preset.contains(tag)).collect();
                let picked = MultiSelect::with_theme(&theme)
                    .with_prompt(format!(
                        "{prompt} ({BASE_LOCALE} is always included) [space toggles, enter accepts]"
                    ))
                    .items(&items)
                    .defaults(&checked)
                    .interact()?;
                std::iter::once(BASE_LOCALE)
                    .chain(picked.into_iter().map(|i| optional[i].as_str()))
                    .collect::<Vec<_>>()
                    .join(",")
            }
            Widget::DefaultLocale => {
                let Some(chosen) = partial.locales.clone().filter(|l| l.len() > 1) else {
                    continue;
                };
                chosen[select(&theme, prompt, &chosen, &chosen, &default_text)?].clone()
            }
            Widget::Confirm => Confirm::with_theme(&theme)
                .with_prompt(prompt)
                .default(matches!(default, Some(toml::Value::Boolean(true))))
                .interact()?
                .to_string(),
        };
        // Every widget only offers valid answers.
        partial
            .define(question.key, &text)
            .map_err(|e| dialoguer::Error::IO(std::io::Error::other(e)))?;
    }
    for (key, placeholder) in &manifest.placeholders {
        if is_builtin_question(key) || partial.extra.contains_key(key) {
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

/// The origins, comma-separated; a bad one is reported and the line is offered again as typed,
/// to be corrected rather than retyped.
fn ask_origins(theme: &Theme, prompt: &str) -> dialoguer::Result<String> {
    let mut typed = String::new();
    loop {
        typed = Input::<String>::with_theme(theme)
            .with_prompt(prompt)
            .allow_empty(true)
            .with_initial_text(typed)
            .interact_text()?;
        match split_list(&typed)
            .iter()
            .try_for_each(|o| validate::cors_origin(o).map(|_| ()))
        {
            Ok(()) => return Ok(typed),
            Err(e) => {
                let mut line = String::new();
                let _ = dialoguer::theme::Theme::format_error(theme, &mut line, &e.to_string());
                let _ = console::Term::stderr().write_line(&line);
            }
        }
    }
}

fn split_list(raw: &str) -> Vec<String> {
    raw.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// The index of the value picked among `values`, shown as `labels`; `default` pre-selected.
fn select(
    theme: &Theme,
    prompt: &str,
    values: &[String],
    labels: &[impl std::fmt::Display],
    default: &str,
) -> dialoguer::Result<usize> {
    Select::with_theme(theme)
        .with_prompt(prompt)
        .items(labels)
        .default(values.iter().position(|v| v == default).unwrap_or(0))
        .interact()
}

/// How a database choice reads in the menu.
fn choice_label(choice: &str) -> &str {
    match choice {
        "sqlite" => "SQLite (embedded, nothing to run)",
        "postgres" => "PostgreSQL",
        "mysql" => "MySQL / MariaDB",
        other => other,
    }
}

/// dialoguer's colourful theme, but a multi-select marks its active row with `❯` as a select
/// does (not by colour alone, invisible under NO_COLOR), and its summary lists the tags alone
/// (the first word of each row, not the padded row).
#[derive(Default)]
struct Theme(ColorfulTheme);

impl dialoguer::theme::Theme for Theme {
    fn format_prompt(&self, f: &mut dyn fmt::Write, prompt: &str) -> fmt::Result {
        self.0.format_prompt(f, prompt)
    }
    fn format_error(&self, f: &mut dyn fmt::Write, err: &str) -> fmt::Result {
        self.0.format_error(f, err)
    }
    fn format_input_prompt(
        &self,
        f: &mut dyn fmt::Write,
        prompt: &str,
        default: Option<&str>,
    ) -> fmt::Result {
        self.0.format_input_prompt(f, prompt, default)
    }
    fn format_confirm_prompt(
        &self,
        f: &mut dyn fmt::Write,
        prompt: &str,
        default: Option<bool>,
    ) -> fmt::Result {
        self.0.format_confirm_prompt(f, prompt, default)
    }
    fn format_confirm_prompt_selection(
        &self,
        f: &mut dyn fmt::Write,
        prompt: &str,
        selection: Option<bool>,
    ) -> fmt::Result {
        self.0.format_confirm_prompt_selection(f, prompt, selection)
    }
    fn format_input_prompt_selection(
        &self,
        f: &mut dyn fmt::Write,
        prompt: &str,
        sel: &str,
    ) -> fmt::Result {
        self.0.format_input_prompt_selection(f, prompt, sel)
    }
    fn format_multi_select_prompt_selection(
        &self,
        f: &mut dyn fmt::Write,
        prompt: &str,
        selections: &[&str],
    ) -> fmt::Result {
        let tags: Vec<&str> = selections
            .iter()
            .map(|s| s.split_whitespace().next().unwrap_or(s))
            .collect();
        self.0
            .format_multi_select_prompt_selection(f, prompt, &tags)
    }
    fn format_select_prompt_item(
        &self,
        f: &mut dyn fmt::Write,
        text: &str,
        active: bool,
    ) -> fmt::Result {
        self.0.format_select_prompt_item(f, text, active)
    }
    fn format_multi_select_prompt_item(
        &self,
        f: &mut dyn fmt::Write,
        text: &str,
        checked: bool,
        active: bool,
    ) -> fmt::Result {
        write!(f, "{} ", if active { "❯" } else { " " })?;
        self.0
            .format_multi_select_prompt_item(f, text, checked, active)
    }
}
