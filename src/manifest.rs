//! `cargo-generate.toml`: the template's placeholders, file rules and conditional sections, in
//! cargo-generate's own format, plus a `[starter]` table that cargo-generate ignores.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::error::TemplateError;

pub const MANIFEST_FILE: &str = "cargo-generate.toml";

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileRules {
    #[serde(default)]
    pub include: Option<Vec<String>>,
    #[serde(default)]
    pub exclude: Option<Vec<String>>,
    #[serde(default)]
    pub ignore: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct TemplateSection {
    #[serde(default)]
    pub cargo_generate_version: Option<String>,
    #[serde(flatten)]
    pub rules: FileRules,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StarterSection {
    pub template_version: String,
    #[serde(default)]
    pub min_starter_version: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PlaceholderType {
    String,
    Bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Placeholder {
    #[serde(rename = "type")]
    pub kind: PlaceholderType,
    pub prompt: String,
    #[serde(default)]
    pub choices: Option<Vec<String>>,
    #[serde(default)]
    pub default: Option<toml::Value>,
    #[serde(default)]
    pub regex: Option<String>,
    /// `regex`, compiled once by `Manifest::parse` (compiling costs more than rendering most
    /// files).
    #[serde(skip)]
    pub compiled: Option<regex::Regex>,
}

impl Placeholder {
    /// Whether `value` matches the placeholder's regex (true when it has none).
    pub fn matches(&self, value: &str) -> bool {
        self.compiled.as_ref().is_none_or(|re| re.is_match(value))
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConditionalSection {
    #[serde(flatten)]
    pub rules: FileRules,
    #[serde(default)]
    pub placeholders: BTreeMap<String, Placeholder>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Manifest {
    #[serde(default)]
    pub template: TemplateSection,
    pub starter: Option<StarterSection>,
    #[serde(default)]
    pub placeholders: BTreeMap<String, Placeholder>,
    #[serde(default)]
    pub conditional: BTreeMap<String, ConditionalSection>,
    #[serde(default)]
    pub hooks: Option<toml::Value>,
}

impl Manifest {
    pub fn parse(text: &str) -> Result<Self, TemplateError> {
        let mut manifest: Manifest =
            toml::from_str(text).map_err(|e| TemplateError::Manifest(e.to_string()))?;
        if manifest.hooks.is_some() {
            return Err(TemplateError::Manifest(
                "[hooks] (Rhai scripts) are not supported by starter; remove them".into(),
            ));
        }
        for (expr, section) in &manifest.conditional {
            if !section.placeholders.is_empty() {
                return Err(TemplateError::Manifest(format!(
                    "[conditional.'{expr}'] declares placeholders; starter asks every question \
                     up front, so declare them in [placeholders]"
                )));
            }
        }
        for (name, p) in &mut manifest.placeholders {
            if let Some(re) = &p.regex {
                let compiled = regex::Regex::new(re).map_err(|e| TemplateError::Placeholder {
                    name: name.clone(),
                    message: format!("invalid regex: {e}"),
                })?;
                p.compiled = Some(compiled);
            }
            match (&p.kind, &p.default) {
                (_, None) => {}
                (PlaceholderType::String, Some(toml::Value::String(_))) => {}
                (PlaceholderType::Bool, Some(toml::Value::Boolean(_))) => {}
                (kind, Some(v)) => {
                    return Err(TemplateError::Placeholder {
                        name: name.clone(),
                        message: format!("default {v} does not match type {kind:?}"),
                    });
                }
            }
        }
        Ok(manifest)
    }

    /// The template's own version, from `[starter] template_version`.
    pub fn template_version(&self) -> Option<&str> {
        self.starter.as_ref().map(|s| s.template_version.as_str())
    }

    /// The template's version for messages and `starter.toml`: `unversioned` when it has none.
    pub fn version_label(&self) -> &str {
        self.template_version().unwrap_or("unversioned")
    }
}
