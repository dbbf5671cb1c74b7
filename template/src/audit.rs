//! Security events (OWASP ASVS V7): each is one structured log line under the `security`
//! target with an `event` name and, where there is an account, a non-reversible `account`
//! reference. The request's span (`http::request_scope`) adds the client IP and the request
//! id, so every such line carries all four. Never a password, a token or a raw email.
//!
//! ```ignore
//! security_event!(WARN, "login_failed", account = %ctx.account_refs.of(&email));
//! ```

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// Logs one security event at `$level` (`INFO` or `WARN`) with optional extra fields.
#[macro_export]
macro_rules! security_event {
    ($level:ident, $event:literal $(, $($fields:tt)+)?) => {
        $crate::http::request_scope::in_scope(|| {
            $crate::metrics::security_event($event);
            tracing::event!(target: "security", tracing::Level::$level, event = $event $(, $($fields)+)?)
        })
    };
}

/// Turns an account identifier (a canonical email or a user id) into a reference that a log
/// reader can correlate across lines but cannot reverse or test guesses against: the first 16
/// hex digits of HMAC-SHA-256 under a key derived from `JWT_SECRET`.
#[derive(Clone)]
pub struct AccountRefs {
    mac: Hmac<Sha256>,
}

impl AccountRefs {
    pub fn new(secret: &[u8]) -> Self {
        // A key of its own, so the log references are unrelated to token signatures.
        let mut derive = <Hmac<Sha256> as KeyInit>::new_from_slice(secret)
            .expect("HMAC takes keys of any length");
        derive.update(b"account-ref v1");
        let key = derive.finalize().into_bytes();
        Self {
            mac: <Hmac<Sha256> as KeyInit>::new_from_slice(&key)
                .expect("HMAC takes keys of any length"),
        }
    }

    pub fn of(&self, identifier: &str) -> String {
        let mut mac = self.mac.clone();
        mac.update(identifier.as_bytes());
        mac.finalize().into_bytes()[..8]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_stable_per_key_and_reveal_nothing_of_the_identifier() {
        let refs = AccountRefs::new(b"0123456789abcdef0123456789abcdef");
        let a = refs.of("ada@example.com");
        assert_eq!(a, refs.of("ada@example.com"));
        assert_eq!(a.len(), 16);
        assert!(!a.contains("ada"));
        assert_ne!(a, refs.of("bob@example.com"));
        let other_key = AccountRefs::new(b"fedcba9876543210fedcba9876543210");
        assert_ne!(a, other_key.of("ada@example.com"));
    }
}
