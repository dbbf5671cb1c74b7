//! The Redis server a project with the Redis answer on is tested against: its tests read
//! REDIS_URL, use keys under prefixes of their own (never flushing the server) and start a
//! `redis-server` of their own from PATH for the fallback and recovery test. Verify only checks
//! that the URL names a Redis server.

use crate::error::InputError;

/// An example for messages and hints.
pub const EXAMPLE_URL: &str = "redis://127.0.0.1:6379";

/// Checks that `url` is one redis-rs connects to (TCP, TLS or a Unix socket).
pub fn check_url(url: &str) -> Result<(), InputError> {
    let ok = ["redis://", "rediss://", "redis+unix://", "unix://"]
        .iter()
        .any(|scheme| url.starts_with(scheme));
    if ok {
        Ok(())
    } else {
        Err(InputError::new(
            format!(
                "the Redis URL {} is not a redis:// URL",
                super::database::redact(url)
            ),
            format!("pass a Redis server, e.g. --redis-url {EXAMPLE_URL}"),
        ))
    }
}

/// A project (or configurations) with the Redis answer on and no server named.
pub fn missing(what: &str) -> InputError {
    InputError::new(
        format!(
            "{what} shares its limits and revocations through Redis and no Redis server was named"
        ),
        format!(
            "pass --redis-url {EXAMPLE_URL} (or set STARTER_REDIS_URL); the tests use keys of their own there and never flush it"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_redis_urls_are_taken() {
        assert!(check_url("redis://127.0.0.1:6379").is_ok());
        assert!(check_url("rediss://:secret@h:6380/0").is_ok());
        assert!(check_url("redis+unix:///run/redis.sock").is_ok());
        let e = check_url("postgres://u:secret@h/db")
            .unwrap_err()
            .to_string();
        assert!(e.contains("not a redis:// URL"), "{e}");
        assert!(!e.contains("secret"), "{e}");
    }
}
