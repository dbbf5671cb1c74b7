//! Configuration from the environment. A missing or malformed value is a start-up error that
//! names the variable; the secret is never echoed.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

/// The OWASP minimum for argon2id; configuration may only go upward.
pub const ARGON2_MIN_MEMORY_KIB: u32 = 19456;
pub const ARGON2_MIN_ITERATIONS: u32 = 2;
pub const PASSWORD_MAX_LENGTH: usize = 128;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("{0} is not set")]
    Missing(&'static str),
    #[error("{var} is invalid: {reason}")]
    Invalid { var: &'static str, reason: String },
}

/// The HS256 key. Its Debug output is redacted so it never reaches a log.
#[derive(Clone)]
pub struct Secret(Vec<u8>);

impl Secret {
    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Json,
    Pretty,
}

/// An IP network (`10.0.0.0/8`, `::1/128`, or a bare address).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpNet {
    addr: IpAddr,
    prefix: u8,
}

impl IpNet {
    pub fn parse(s: &str) -> Option<Self> {
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a.parse::<IpAddr>().ok()?, Some(p.parse::<u8>().ok()?)),
            None => (s.parse::<IpAddr>().ok()?, None),
        };
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(max);
        (prefix <= max).then_some(Self { addr, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
            v4 => v4,
        };
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: String,
    pub jwt_secret: Secret,
    pub bind_addr: SocketAddr,
    pub cors_allowed_origins: Vec<String>,
    /// How long a browser may cache a preflight's answer.
    pub cors_max_age: Duration,
    pub docs_enabled: bool,
    pub migrate_on_startup: bool,
    pub jwt_issuer: String,
    pub jwt_audience: String,
    pub access_token_ttl: Duration,
    pub refresh_token_ttl: Duration,
    /// How often expired and revoked refresh tokens are deleted.
    pub refresh_token_purge_interval: Duration,
    pub auth_rate_limit_burst: u32,
    pub auth_rate_limit_replenish: Duration,
    pub login_failure_limit: u32,
    pub login_failure_window: Duration,
    pub trusted_proxies: Vec<IpNet>,
    pub default_locale: String,
    pub shutdown_grace: Duration,
    pub request_timeout: Duration,
    pub log_format: LogFormat,
    pub password_min_length: usize,
    pub argon2_memory_kib: u32,
    pub argon2_iterations: u32,
    pub argon2_parallelism: u32,
    pub max_concurrent_hashes: usize,
    pub header_read_timeout: Duration,
    pub keepalive_idle: Duration,
    pub max_connections: usize,
    pub max_connections_per_ip: usize,
    pub hash_queue_timeout: Duration,
    pub max_hash_jobs_per_ip: usize,
    pub max_hash_jobs_per_account: usize,
    pub device_failure_limit: u32,
    pub device_token_ttl: Duration,
    pub limiter_max_entries: usize,
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads every variable through `get`, so tests can configure without the environment.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let var = |name: &'static str| get(name).filter(|v| !v.trim().is_empty());
        let parse = |name: &'static str, default: &str| -> Result<String, ConfigError> {
            Ok(var(name).unwrap_or_else(|| default.to_string()))
        };
        let number = |name: &'static str, default: u64, min: u64| -> Result<u64, ConfigError> {
            let raw = parse(name, &default.to_string())?;
            let n: u64 = raw.trim().parse().map_err(|_| ConfigError::Invalid {
                var: name,
                reason: format!("`{raw}` is not a whole number"),
            })?;
            if n < min {
                return Err(ConfigError::Invalid {
                    var: name,
                    reason: format!("{n} is below the minimum of {min}"),
                });
            }
            Ok(n)
        };
        let flag = |name: &'static str, default: bool| -> Result<bool, ConfigError> {
            match var(name).map(|v| v.trim().to_ascii_lowercase()) {
                None => Ok(default),
                Some(v) if matches!(v.as_str(), "true" | "1" | "yes") => Ok(true),
                Some(v) if matches!(v.as_str(), "false" | "0" | "no") => Ok(false),
                Some(v) => Err(ConfigError::Invalid {
                    var: name,
                    reason: format!("`{v}` is not true or false"),
                }),
            }
        };
        let u32_of = |n: u64, name: &'static str| {
            u32::try_from(n).map_err(|_| ConfigError::Invalid {
                var: name,
                reason: "too large".into(),
            })
        };

        let database_url = var("DATABASE_URL").ok_or(ConfigError::Missing("DATABASE_URL"))?;
        let secret = get("JWT_SECRET")
            .filter(|s| !s.is_empty())
            .ok_or(ConfigError::Missing("JWT_SECRET"))?;
        if secret.len() < 32 {
            return Err(ConfigError::Invalid {
                var: "JWT_SECRET",
                reason: format!(
                    "it is {} bytes long and must be at least 32 (generate one with `openssl rand -hex 32`)",
                    secret.len()
                ),
            });
        }
        if let Some(why) = secret_weakness(&secret) {
            return Err(ConfigError::Invalid {
                var: "JWT_SECRET",
                reason: format!(
                    "it looks weak ({why}); generate a random one with `openssl rand -hex 32`"
                ),
            });
        }
        let bind_raw = parse("BIND_ADDR", "127.0.0.1:8080")?;
        let bind_addr = bind_raw.parse().map_err(|_| ConfigError::Invalid {
            var: "BIND_ADDR",
            reason: format!("`{bind_raw}` is not host:port (e.g. 0.0.0.0:8080)"),
        })?;
        let cors_allowed_origins = list(var("CORS_ALLOWED_ORIGINS"))
            .into_iter()
            .map(|o| {
                normalize_origin(&o).map_err(|why| ConfigError::Invalid {
                    var: "CORS_ALLOWED_ORIGINS",
                    reason: format!("`{o}` {why}: write scheme://host[:port]"),
                })
            })
            .collect::<Result<_, _>>()?;
        let trusted_proxies = list(var("TRUSTED_PROXIES"))
            .into_iter()
            .map(|p| {
                IpNet::parse(&p).ok_or(ConfigError::Invalid {
                    var: "TRUSTED_PROXIES",
                    reason: format!("`{p}` is not an IP address or CIDR"),
                })
            })
            .collect::<Result<_, _>>()?;
        let log_format = match parse("LOG_FORMAT", "pretty")?.to_ascii_lowercase().as_str() {
            "json" => LogFormat::Json,
            "pretty" => LogFormat::Pretty,
            other => {
                return Err(ConfigError::Invalid {
                    var: "LOG_FORMAT",
                    reason: format!("`{other}` is not json or pretty"),
                });
            }
        };
        let password_min_length = number("PASSWORD_MIN_LENGTH", 12, 8)? as usize;
        if password_min_length > PASSWORD_MAX_LENGTH {
            return Err(ConfigError::Invalid {
                var: "PASSWORD_MIN_LENGTH",
                reason: format!("must not exceed the maximum length {PASSWORD_MAX_LENGTH}"),
            });
        }
        let max_connections = number("MAX_CONNECTIONS", 512, 1)? as usize;
        let max_connections_per_ip = number("MAX_CONNECTIONS_PER_IP", 64, 1)? as usize;
        if max_connections_per_ip > max_connections {
            return Err(ConfigError::Invalid {
                var: "MAX_CONNECTIONS_PER_IP",
                reason: format!("must not exceed MAX_CONNECTIONS ({max_connections})"),
            });
        }
        Ok(Self {
            database_url,
            jwt_secret: Secret(secret.into_bytes()),
            bind_addr,
            cors_allowed_origins,
            cors_max_age: Duration::from_secs(number("CORS_MAX_AGE_SECS", 600, 0)?),
            docs_enabled: flag("DOCS_ENABLED", false)?,
            migrate_on_startup: flag("MIGRATE_ON_STARTUP", false)?,
            jwt_issuer: parse("JWT_ISSUER", env!("CARGO_PKG_NAME"))?,
            jwt_audience: parse("JWT_AUDIENCE", env!("CARGO_PKG_NAME"))?,
            access_token_ttl: Duration::from_secs(number("ACCESS_TOKEN_TTL_SECS", 900, 1)?),
            refresh_token_ttl: Duration::from_secs(number("REFRESH_TOKEN_TTL_SECS", 2_592_000, 1)?),
            refresh_token_purge_interval: Duration::from_secs(number(
                "REFRESH_TOKEN_PURGE_INTERVAL_SECS",
                3600,
                1,
            )?),
            auth_rate_limit_burst: u32_of(
                number("AUTH_RATE_LIMIT_BURST", 5, 1)?,
                "AUTH_RATE_LIMIT_BURST",
            )?,
            auth_rate_limit_replenish: Duration::from_secs(number(
                "AUTH_RATE_LIMIT_REPLENISH_SECS",
                12,
                1,
            )?),
            login_failure_limit: u32_of(
                number("LOGIN_FAILURE_LIMIT", 10, 1)?,
                "LOGIN_FAILURE_LIMIT",
            )?,
            login_failure_window: Duration::from_secs(number("LOGIN_FAILURE_WINDOW_SECS", 900, 1)?),
            trusted_proxies,
            default_locale: parse("DEFAULT_LOCALE", crate::i18n::FALLBACK_LOCALE)?,
            shutdown_grace: Duration::from_secs(number("SHUTDOWN_GRACE_SECS", 30, 0)?),
            request_timeout: Duration::from_secs(number("REQUEST_TIMEOUT_SECS", 30, 1)?),
            log_format,
            password_min_length,
            argon2_memory_kib: u32_of(
                number(
                    "ARGON2_MEMORY_KIB",
                    ARGON2_MIN_MEMORY_KIB.into(),
                    ARGON2_MIN_MEMORY_KIB.into(),
                )?,
                "ARGON2_MEMORY_KIB",
            )?,
            argon2_iterations: u32_of(
                number(
                    "ARGON2_ITERATIONS",
                    ARGON2_MIN_ITERATIONS.into(),
                    ARGON2_MIN_ITERATIONS.into(),
                )?,
                "ARGON2_ITERATIONS",
            )?,
            argon2_parallelism: u32_of(number("ARGON2_PARALLELISM", 1, 1)?, "ARGON2_PARALLELISM")?,
            max_concurrent_hashes: number("MAX_CONCURRENT_HASHES", default_hashing_threads(), 1)?
                as usize,
            header_read_timeout: Duration::from_secs(number("HEADER_READ_TIMEOUT_SECS", 10, 1)?),
            keepalive_idle: Duration::from_secs(number("KEEPALIVE_IDLE_SECS", 5, 1)?),
            max_connections,
            max_connections_per_ip,
            hash_queue_timeout: Duration::from_millis(number("HASH_QUEUE_TIMEOUT_MS", 1000, 1)?),
            max_hash_jobs_per_ip: number("MAX_HASH_JOBS_PER_IP", 4, 1)? as usize,
            max_hash_jobs_per_account: number("MAX_HASH_JOBS_PER_ACCOUNT", 2, 1)? as usize,
            device_failure_limit: u32_of(
                number("DEVICE_FAILURE_LIMIT", 10, 1)?,
                "DEVICE_FAILURE_LIMIT",
            )?,
            device_token_ttl: Duration::from_secs(number("DEVICE_TOKEN_TTL_SECS", 7_776_000, 60)?),
            limiter_max_entries: number("LIMITER_MAX_ENTRIES", 100_000, 10)? as usize,
        })
        .and_then(|c: Config| {
            if crate::i18n::is_available(&c.default_locale) {
                Ok(c)
            } else {
                Err(ConfigError::Invalid {
                    var: "DEFAULT_LOCALE",
                    reason: format!(
                        "`{}` is not one of the shipped locales ({})",
                        c.default_locale,
                        crate::i18n::available().join(", ")
                    ),
                })
            }
        })
    }
}

/// Why a signing key is guessable, or `None`. Length alone is not enough: 32 spaces or a
/// repeated word are 32 bytes. These are cheap heuristics that a key from a CSPRNG (hex or
/// base64) passes with overwhelming probability; the reason never quotes the key.
pub fn secret_weakness(secret: &str) -> Option<&'static str> {
    let bytes = secret.as_bytes();
    if secret.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Some("it contains whitespace or control characters");
    }
    let lower = secret.to_ascii_lowercase();
    const PLACEHOLDERS: [&str; 6] = [
        "replace-me",
        "replace_me",
        "changeme",
        "change-me",
        "secret",
        "password",
    ];
    if PLACEHOLDERS.iter().any(|p| lower.contains(p)) {
        return Some("it contains a placeholder word");
    }
    let mut seen = [false; 256];
    for &b in bytes {
        seen[usize::from(b)] = true;
    }
    if seen.iter().filter(|&&s| s).count() < 7 {
        return Some("too few distinct characters");
    }
    // A repeated block: "abcabc...", "0123456789abcdef0123456789abcdef".
    if (1..=bytes.len() / 2).any(|p| bytes[p..].iter().zip(bytes).all(|(a, b)| a == b)) {
        return Some("it repeats a pattern");
    }
    // Runs such as "abcdefgh" or "98765432": neighbours one apart (or equal) most of the time.
    let steps = bytes
        .windows(2)
        .filter(|w| w[0].abs_diff(w[1]) <= 1)
        .count();
    if steps * 2 > bytes.len() - 1 {
        return Some("it is mostly a sequence");
    }
    // Shannon estimate from the byte frequencies: 64 random hex digits give ~250 bits, 32 give
    // ~115; below 64 the key has far less entropy than its length suggests. (The thresholds
    // refuse a 128-bit random hex key with a probability below 1e-9.)
    let mut counts = [0u32; 256];
    for &b in bytes {
        counts[usize::from(b)] += 1;
    }
    let n = bytes.len() as f64;
    let bits: f64 = counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2() * n
        })
        .sum();
    if bits < 64.0 {
        return Some("too little variety for its length");
    }
    None
}

/// One hashing thread per core but one, at least one: a login flood keeps a core for the rest
/// of the API.
fn default_hashing_threads() -> u64 {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    cores.saturating_sub(1).max(1) as u64
}

/// An origin as a browser sends it in `Origin`: lower-case scheme and host, no default port,
/// no trailing slash (`https://App.example.com:443/` -> `https://app.example.com`). The same
/// rule as the generator's, so a configured origin always matches the browser's.
pub fn normalize_origin(origin: &str) -> Result<String, &'static str> {
    let lower = origin.trim().to_ascii_lowercase();
    let lower = lower.strip_suffix('/').unwrap_or(&lower);
    let (scheme, default_port, rest) = if let Some(rest) = lower.strip_prefix("https://") {
        ("https", 443, rest)
    } else if let Some(rest) = lower.strip_prefix("http://") {
        ("http", 80, rest)
    } else {
        return Err("must start with http:// or https://");
    };
    if rest.contains('*') {
        return Err("contains a wildcard");
    }
    if rest.contains(['/', '?', '#']) {
        return Err("has a path, query or fragment");
    }
    if rest.contains('@') {
        return Err("contains user information");
    }
    let (host, port) = match rest.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (rest, None),
    };
    let port = match port {
        None => None,
        Some(digits) => match digits.parse::<u32>() {
            Ok(n @ 1..=65535) if digits.bytes().all(|b| b.is_ascii_digit()) => Some(n),
            _ => return Err("has an invalid port"),
        },
    };
    let host_ok = !host.is_empty()
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    if !host_ok {
        return Err("has an invalid host name");
    }
    Ok(match port {
        Some(port) if port != default_port => format!("{scheme}://{host}:{port}"),
        _ => format!("{scheme}://{host}"),
    })
}

fn list(raw: Option<String>) -> Vec<String> {
    raw.map(|r| {
        r.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    })
    .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    const SECRET: &str = "9f2c71e04ab8d35c6e1f07a9b42d8c3e";

    #[test]
    fn defaults_apply() {
        let c =
            Config::from_lookup(lookup(&[("DATABASE_URL", "x"), ("JWT_SECRET", SECRET)])).unwrap();
        assert_eq!(c.access_token_ttl, Duration::from_secs(900));
        assert_eq!(c.bind_addr.to_string(), "127.0.0.1:8080");
        assert!(!c.docs_enabled && !c.migrate_on_startup);
        assert!(c.cors_allowed_origins.is_empty() && c.trusted_proxies.is_empty());
    }

    #[test]
    fn malformed_values_name_their_variable() {
        for (var, value) in [
            ("ACCESS_TOKEN_TTL_SECS", "soon"),
            ("REFRESH_TOKEN_PURGE_INTERVAL_SECS", "0"),
            ("BIND_ADDR", "localhost"),
            ("TRUSTED_PROXIES", "proxy.local"),
            ("ARGON2_MEMORY_KIB", "1024"),
            ("DOCS_ENABLED", "maybe"),
            ("CORS_ALLOWED_ORIGINS", "*"),
            ("LOG_FORMAT", "xml"),
            ("HASH_QUEUE_TIMEOUT_MS", "0"),
            ("MAX_HASH_JOBS_PER_IP", "0"),
            ("MAX_HASH_JOBS_PER_ACCOUNT", "many"),
            ("DEVICE_FAILURE_LIMIT", "0"),
            ("DEVICE_TOKEN_TTL_SECS", "5"),
            ("LIMITER_MAX_ENTRIES", "9"),
        ] {
            let err = Config::from_lookup(lookup(&[
                ("DATABASE_URL", "x"),
                ("JWT_SECRET", SECRET),
                (var, value),
            ]))
            .unwrap_err();
            assert!(err.to_string().starts_with(var), "{err}");
        }
    }

    #[test]
    fn origins_are_stored_as_browsers_send_them() {
        for (given, stored) in [
            ("https://App.Example.com:443", "https://app.example.com"),
            ("http://localhost:80/", "http://localhost"),
            ("http://localhost:3000", "http://localhost:3000"),
        ] {
            assert_eq!(normalize_origin(given).as_deref(), Ok(stored));
        }
        for bad in [
            "app.example.com",
            "https://*.example.com",
            "https://a.example.com/path",
            "https://u@a.example.com",
            "https://a.example.com:0",
            "https://a.example.com:x",
        ] {
            assert!(normalize_origin(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn trusted_proxy_networks_match() {
        let net = IpNet::parse("10.0.0.0/8").unwrap();
        assert!(net.contains("10.1.2.3".parse().unwrap()));
        assert!(!net.contains("11.0.0.1".parse().unwrap()));
        assert!(
            IpNet::parse("::1")
                .unwrap()
                .contains("::1".parse().unwrap())
        );
    }

    #[test]
    fn weak_secrets_are_refused_without_being_echoed() {
        let weak = [
            " ".repeat(32),
            "x".repeat(40),
            "abc".repeat(12),
            "0123456789abcdef0123456789abcdef".to_string(),
            "abcdefghijklmnopqrstuvwxyz0123456789".to_string(),
            "replace-me-replace-me-replace-me-0001".to_string(),
            "my jwt signing key for production 2024".to_string(),
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaabcdefghij".to_string(),
        ];
        for secret in &weak {
            let err = Config::from_lookup(lookup(&[("DATABASE_URL", "x"), ("JWT_SECRET", secret)]))
                .expect_err(secret);
            let message = err.to_string();
            assert!(message.starts_with("JWT_SECRET"), "{message}");
            assert!(message.contains("openssl rand -hex 32"), "{message}");
            assert!(!message.contains(secret.as_str()), "{message}");
        }
    }

    #[test]
    fn random_secrets_are_accepted() {
        use base64::Engine;
        for _ in 0..2000 {
            let bytes: [u8; 32] = rand::random();
            let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            let b64 = base64::engine::general_purpose::STANDARD.encode(bytes);
            let short: [u8; 16] = rand::random();
            let hex128: String = short.iter().map(|b| format!("{b:02x}")).collect();
            for secret in [&hex, &b64, &hex128] {
                assert_eq!(secret_weakness(secret), None, "{secret}");
            }
        }
    }
}
