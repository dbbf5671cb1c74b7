//! The integration tests of the `starter` binary, in one test binary (one link instead of
//! six; cargo-generate's layout): a module per area, helpers in `common`.

mod api_docs;
mod browser_client;
mod cargo_generate_compat;
mod common;
mod conventions;
mod generated_api;
mod generated_project;
mod new;
mod prompts;
mod replicas;
mod static_site;
mod update;
mod webdriver;
