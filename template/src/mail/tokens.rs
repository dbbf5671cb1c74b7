//! Account tokens (verification, password reset, email change): 256 bits from the OS CSPRNG,
//! base64url, sent only inside a link's fragment, stored only as their SHA-256, bound to one
//! purpose and one user, single use, short-lived.
//!
//! A presented token is looked up by its hash: the database compares digests, never the
//! token, so the time a lookup takes says nothing about how much of a guess was right.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::MailConfig;
use crate::error::Error;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    VerifyEmail,
    PasswordReset,
    EmailChange,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::VerifyEmail => "verify_email",
            Purpose::PasswordReset => "password_reset",
            Purpose::EmailChange => "email_change",
        }
    }

    pub fn ttl_secs(self, config: &MailConfig) -> i64 {
        let ttl = match self {
            Purpose::VerifyEmail => config.verify_email_ttl,
            Purpose::PasswordReset => config.password_reset_ttl,
            Purpose::EmailChange => config.email_change_ttl,
        };
        i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX / 2)
    }

    /// Where the front end takes the token from the fragment and calls the API.
    pub fn link(self, config: &MailConfig, token: &str) -> String {
        let path = match self {
            Purpose::VerifyEmail => &config.verify_email_path,
            Purpose::PasswordReset => &config.reset_password_path,
            Purpose::EmailChange => &config.confirm_email_path,
        };
        [config.app_url.as_str(), path, "#token=", token].concat()
    }
}

/// A fresh token and what the database keeps of it.
pub struct Issued {
    pub token: String,
    pub hash: String,
}

pub fn issue() -> Result<Issued, Error> {
    let token = URL_SAFE_NO_PAD.encode(crate::random::bytes::<32>()?);
    let hash = crate::tokens::hash_refresh_token(&token);
    Ok(Issued { token, hash })
}

/// The stored form of a presented token, or `None` when it cannot be one of ours (43
/// base64url characters), so garbage costs no query.
pub fn stored_form(presented: &str) -> Option<String> {
    let well_formed = presented.len() == 43
        && presented
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    well_formed.then(|| crate::tokens::hash_refresh_token(presented))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_256_bit_url_safe_and_stored_as_sha256() {
        let a = issue().unwrap();
        let b = issue().unwrap();
        assert_ne!(a.token, b.token);
        assert_eq!(a.token.len(), 43);
        assert_eq!(URL_SAFE_NO_PAD.decode(&a.token).unwrap().len(), 32);
        assert_eq!(a.hash.len(), 64);
        assert!(!a.hash.contains(&a.token));
        assert_eq!(stored_form(&a.token), Some(a.hash));
        assert_eq!(stored_form("short"), None);
        assert_eq!(stored_form(&"+".repeat(43)), None);
    }
}
