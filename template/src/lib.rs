//! A hardened authentication API: argon2id passwords, HS256 access tokens, rotated refresh
//! tokens with reuse detection, rate limits, security headers and localized JSON errors.

pub mod attempts;
pub mod audit;
pub mod bounded;
pub mod cache;
pub mod config;
pub mod db;
pub mod device;
pub mod email;
pub mod error;
pub mod hash_slots;
pub mod http;
pub mod i18n;
pub mod password;
pub mod random;
pub mod rate_limit;
pub mod store;
pub mod telemetry;
pub mod test_support;
pub mod tokens;

pub use config::Config;
pub use http::{ApiContext, router, router_with, serve};
