//! A hardened authentication API: argon2id passwords, HS256 access tokens, rotated refresh
//! tokens with reuse detection, rate limits, security headers and localized JSON errors.

pub mod attempts;
pub mod audit;
pub mod bounded;
pub mod cache;
pub mod config;
pub mod db;
pub mod device;
pub mod error;
pub mod hash_slots;
pub mod http;
pub mod i18n;
pub mod password;
pub mod random;
pub mod rate_limit;
pub mod store;
pub mod telemetry;
pub mod tokens;

pub use config::Config;
pub use http::{ApiContext, router, router_with, serve};

/// `url` with its database (path) replaced by `name`, query kept.
pub fn db_url_with_database(url: &str, name: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_string();
    };
    let after = scheme_end + 3;
    let (base, query) = match url[after..].find('?') {
        Some(q) => (&url[..after + q], &url[after + q..]),
        None => (url, ""),
    };
    let authority_end = base[after..].find('/').map_or(base.len(), |i| after + i);
    format!("{}/{name}{query}", &base[..authority_end])
}
