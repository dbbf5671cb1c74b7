//! Error types shared by the library. `InputError` is bad input from the user (exit code 2);
//! everything else is a failure of the tool or the environment (exit code 1).

use std::path::PathBuf;

/// Input that cannot be used: says what is wrong and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{problem}\n  fix: {fix}")]
pub struct InputError {
    pub problem: String,
    pub fix: String,
}

impl InputError {
    pub fn new(problem: impl Into<String>, fix: impl Into<String>) -> Self {
        Self {
            problem: problem.into(),
            fix: fix.into(),
        }
    }
}

/// Failures while reading or rendering a template.
#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("template manifest cargo-generate.toml is missing")]
    MissingManifest,
    #[error("template manifest cargo-generate.toml is malformed: {0}")]
    Manifest(String),
    #[error("condition `{expr}` in cargo-generate.toml: {message}")]
    Condition { expr: String, message: String },
    #[error("placeholder `{name}`: {message}")]
    Placeholder { name: String, message: String },
    #[error("cannot render {path}: {message}")]
    Render { path: String, message: String },
    #[error("invalid glob `{glob}` in cargo-generate.toml: {message}")]
    Glob { glob: String, message: String },
    #[error("two template files render to the same path {0}")]
    Collision(String),
    #[error("cannot read template at {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
}
