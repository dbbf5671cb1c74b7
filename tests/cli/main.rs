//! The integration tests of the `starter` binary, in one test binary (one link instead of
//! six; cargo-generate's layout): a module per area, helpers in `common`.

mod api_docs;
mod cargo_generate_compat;
mod common;
mod conventions;
mod generated_project;
mod new;
mod prompts;
mod update;
