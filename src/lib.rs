//! rust-api-starter: renders the embedded template into a hardened axum + sqlx API.
//!
//! The layers, outermost first (docs/design.md has the table): `cli` parses arguments into
//! `PartialAnswers`, with the built-in questions' flags built from their declarations in
//! `answers`; `prompt` fills what is missing when a person is at a terminal; `answers`
//! validates and completes them; `generate` turns `Answers` into a project directory through
//! `render`, which knows only the template (`template`, `manifest`, `condition`, `filters`) and
//! a set of variables. `verify` and `update` work on generated projects through `record`.

pub mod answers;
pub mod cli;
pub mod condition;
pub mod dirs;
pub mod error;
pub mod filters;
pub mod generate;
pub mod git;
pub mod manifest;
mod parallel;
pub mod prompt;
pub mod record;
pub mod render;
pub mod secret;
pub mod source;
pub mod template;
pub mod update;
pub mod validate;
pub mod verify;

/// The version of this tool, recorded in every generated project's `starter.toml`.
pub const STARTER_VERSION: &str = env!("CARGO_PKG_VERSION");
