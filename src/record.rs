//! `starter.toml`, written into every generated project: which starter and template version
//! rendered it, from where, and the answers. `starter new --answers starter.toml` renders the
//! same files again.

use serde::{Deserialize, Serialize};

use crate::answers::Answers;
use crate::template::TemplateSource;

pub const RECORD_FILE: &str = "starter.toml";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Provenance {
    /// The `starter` version that generated the project.
    pub version: String,
    /// The template's own version (`[starter] template_version` in its manifest).
    pub template_version: String,
    /// Where the template came from: embedded, a directory, or a git commit.
    pub template: TemplateSource,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectRecord {
    pub starter: Provenance,
    pub answers: Answers,
}

impl ProjectRecord {
    pub fn to_toml(&self) -> Result<String, toml::ser::Error> {
        let body = toml::to_string(self)?;
        Ok(format!(
            "# Written by rust-api-starter. Keep it in version control: `starter new --answers \
             starter.toml` renders this project again, and `starter verify` reads it.\n{body}"
        ))
    }

    pub fn from_toml(text: &str) -> Result<Self, toml::de::Error> {
        toml::from_str(text)
    }
}
