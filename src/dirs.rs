//! Where `starter` keeps things between runs: one cache root, holding the build cache shared by
//! verified projects and the clones of git templates.

use std::path::PathBuf;

/// `$XDG_CACHE_HOME/rust-api-starter` or `~/.cache/rust-api-starter` (the temp dir without a
/// home).
pub fn cache_root() -> PathBuf {
    std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir)
        .join("rust-api-starter")
}

/// The default build cache shared by every verified project (`STARTER_TARGET_DIR` overrides
/// it at the CLI).
pub fn default_target_dir() -> PathBuf {
    cache_root().join("target")
}

/// The clones of git templates (`STARTER_CACHE_DIR` overrides it, for tests).
pub fn template_cache() -> PathBuf {
    match std::env::var_os("STARTER_CACHE_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => cache_root().join("templates"),
    }
}
