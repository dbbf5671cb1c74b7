//! The account-email settings, read with the rest of the configuration (`Config::mail`).
//! A missing or malformed value is a start-up error that names the variable.

use std::path::PathBuf;
use std::time::Duration;

use crate::config::{ConfigError, normalize_origin};

/// Where mail goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransportConfig {
    /// SMTP_URL: `smtp://host:25` (no TLS), `smtp://user:pass@host:587?tls=required`
    /// (STARTTLS) or `smtps://user:pass@host:465` (implicit TLS). Its Debug output hides it:
    /// it may carry a password.
    Smtp(SmtpUrl),
    /// MAIL_DIR: each message becomes an `.eml` file there (development).
    Files(PathBuf),
}

/// An SMTP URL, kept out of Debug output (it may carry credentials).
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpUrl(pub String);

impl std::fmt::Debug for SmtpUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SmtpUrl([redacted])")
    }
}

#[derive(Debug, Clone)]
pub struct MailConfig {
    pub transport: TransportConfig,
    /// MAIL_FROM: the sender, `Name <addr>` or `addr`.
    pub from: String,
    /// APP_URL: the front end's origin; links are APP_URL + a path per purpose + `#token=...`.
    pub app_url: String,
    pub verify_email_path: String,
    pub reset_password_path: String,
    pub confirm_email_path: String,
    pub verify_email_ttl: Duration,
    pub password_reset_ttl: Duration,
    pub email_change_ttl: Duration,
    /// REQUIRE_VERIFIED_EMAIL: refuse sign-in (403 `email_not_verified`, after the password
    /// was verified) until the address is proven.
    pub require_verified_email: bool,
    /// At most this many mails to one address per `per_address_window` (the API cannot be
    /// used to mail-bomb an address).
    pub per_address_limit: u32,
    pub per_address_window: Duration,
    /// How often the outbox worker looks for due mail.
    pub poll_interval: Duration,
    /// The first retry waits this long; each further one twice as long, up to `retry_max`.
    pub retry_base: Duration,
    pub retry_max: Duration,
    /// A claimed message is not claimed again (by another replica) for this long.
    pub lease: Duration,
}

impl MailConfig {
    pub fn from_lookup(get: &impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let var = |name: &'static str| get(name).filter(|v| !v.trim().is_empty());
        let number = |name: &'static str, default: u64, min: u64| -> Result<u64, ConfigError> {
            let Some(raw) = var(name) else {
                return Ok(default);
            };
            let n: u64 = raw.trim().parse().map_err(|_| ConfigError::Invalid {
                var: name,
                reason: format!("`{raw}` is not a whole number"),
            })?;
            if n < min {
                return Err(ConfigError::Invalid {
                    var: name,
                    reason: format!("must be at least {min}"),
                });
            }
            Ok(n)
        };
        let secs = |name, default, min| number(name, default, min).map(Duration::from_secs);
        let millis = |name, default, min| number(name, default, min).map(Duration::from_millis);
        let transport = match (var("SMTP_URL"), var("MAIL_DIR")) {
            (Some(url), _) => {
                let url = url.trim().to_string();
                if !(url.starts_with("smtp://") || url.starts_with("smtps://")) {
                    return Err(ConfigError::Invalid {
                        var: "SMTP_URL",
                        reason: "must start with smtp:// or smtps://".into(),
                    });
                }
                TransportConfig::Smtp(SmtpUrl(url))
            }
            (None, Some(dir)) => TransportConfig::Files(PathBuf::from(dir.trim())),
            (None, None) => return Err(ConfigError::Missing("SMTP_URL (or MAIL_DIR)")),
        };
        let from = var("MAIL_FROM").ok_or(ConfigError::Missing("MAIL_FROM"))?;
        if from.parse::<lettre::message::Mailbox>().is_err() {
            return Err(ConfigError::Invalid {
                var: "MAIL_FROM",
                reason: format!("`{from}` is not `addr` or `Name <addr>`"),
            });
        }
        let raw_app_url = var("APP_URL").ok_or(ConfigError::Missing("APP_URL"))?;
        let app_url = normalize_origin(&raw_app_url).map_err(|why| ConfigError::Invalid {
            var: "APP_URL",
            reason: format!("`{raw_app_url}` {why}: write scheme://host[:port]"),
        })?;
        let path = |name: &'static str, default: &str| -> Result<String, ConfigError> {
            let p = var(name).unwrap_or_else(|| default.to_string());
            let ok = p.starts_with('/')
                && !p.starts_with("//")
                && p.bytes().all(|b| {
                    b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'_' | b'.' | b'~')
                });
            if ok {
                Ok(p)
            } else {
                Err(ConfigError::Invalid {
                    var: name,
                    reason: format!("`{p}` is not a path such as /reset-password"),
                })
            }
        };
        let require_verified_email = match var("REQUIRE_VERIFIED_EMAIL")
            .map(|v| v.trim().to_ascii_lowercase())
            .as_deref()
        {
            None | Some("true" | "1" | "yes") => true,
            Some("false" | "0" | "no") => false,
            Some(other) => {
                return Err(ConfigError::Invalid {
                    var: "REQUIRE_VERIFIED_EMAIL",
                    reason: format!("`{other}` is not true or false"),
                });
            }
        };
        let per_address_limit =
            u32::try_from(number("MAIL_PER_ADDRESS_LIMIT", 5, 1)?).map_err(|_| {
                ConfigError::Invalid {
                    var: "MAIL_PER_ADDRESS_LIMIT",
                    reason: "too large".into(),
                }
            })?;
        Ok(Self {
            transport,
            from: from.trim().to_string(),
            app_url,
            verify_email_path: path("APP_VERIFY_EMAIL_PATH", "/verify-email")?,
            reset_password_path: path("APP_RESET_PASSWORD_PATH", "/reset-password")?,
            confirm_email_path: path("APP_CONFIRM_EMAIL_PATH", "/confirm-email")?,
            verify_email_ttl: secs("VERIFY_EMAIL_TOKEN_TTL_SECS", 86_400, 60)?,
            password_reset_ttl: secs("PASSWORD_RESET_TOKEN_TTL_SECS", 1_800, 60)?,
            email_change_ttl: secs("EMAIL_CHANGE_TOKEN_TTL_SECS", 3_600, 60)?,
            require_verified_email,
            per_address_limit,
            per_address_window: secs("MAIL_PER_ADDRESS_WINDOW_SECS", 3_600, 1)?,
            poll_interval: millis("MAIL_POLL_INTERVAL_MS", 1_000, 10)?,
            retry_base: millis("MAIL_RETRY_BASE_MS", 5_000, 10)?,
            retry_max: secs("MAIL_RETRY_MAX_SECS", 3_600, 1)?,
            lease: secs("MAIL_LEASE_SECS", 120, 5)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, &str)]) -> Result<MailConfig, ConfigError> {
        let base = [
            ("MAIL_DIR", "mail"),
            ("MAIL_FROM", "Example <no-reply@example.com>"),
            ("APP_URL", "https://App.example.com/"),
        ];
        MailConfig::from_lookup(&|k: &str| {
            pairs
                .iter()
                .chain(base.iter())
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn app_url_is_validated_like_a_cors_origin() {
        assert_eq!(config(&[]).unwrap().app_url, "https://app.example.com");
        for bad in [
            "app.example.com",
            "https://a.example.com/path",
            "https://*.x.com",
        ] {
            let err = config(&[("APP_URL", bad)]).unwrap_err();
            assert!(err.to_string().starts_with("APP_URL"), "{err}");
        }
    }

    #[test]
    fn mail_settings_name_their_variable_when_malformed() {
        for (var, value) in [
            ("SMTP_URL", "http://mail.example.com"),
            ("MAIL_FROM", "not an address"),
            ("APP_RESET_PASSWORD_PATH", "reset"),
            ("APP_VERIFY_EMAIL_PATH", "//evil.example.com"),
            ("PASSWORD_RESET_TOKEN_TTL_SECS", "soon"),
            ("REQUIRE_VERIFIED_EMAIL", "maybe"),
            ("MAIL_PER_ADDRESS_LIMIT", "0"),
        ] {
            let err = config(&[(var, value)]).unwrap_err();
            assert!(err.to_string().starts_with(var), "{var}: {err}");
        }
    }

    #[test]
    fn default_token_lifetimes_are_short() {
        let c = config(&[]).unwrap();
        assert_eq!(c.password_reset_ttl, Duration::from_secs(30 * 60));
        assert_eq!(c.verify_email_ttl, Duration::from_secs(24 * 3600));
        assert_eq!(c.email_change_ttl, Duration::from_secs(3600));
        assert!(c.require_verified_email);
    }

    #[test]
    fn smtp_url_never_reaches_debug_output() {
        let c = config(&[("SMTP_URL", "smtps://user:hunter2@mail.example.com:465")]).unwrap();
        assert!(!format!("{c:?}").contains("hunter2"));
    }
}
