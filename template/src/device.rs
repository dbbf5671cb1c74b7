//! Device tokens: OWASP's "device cookies" for an API. A successful login returns a token that
//! binds the account (its normalized email, the same identifier as its failure limit) to a
//! random device nonce, with an expiry, under an HMAC key derived from `JWT_SECRET`. It is
//! stateless: nothing is stored until the device fails.
//!
//! At login, a valid token for the account being signed in to puts the attempt under the
//! device's own failure limit (`DEVICE_FAILURE_LIMIT`) instead of the account's: an attacker
//! who knows only the email can lock out untrusted clients, never the owner's devices. A
//! token of another account, a tampered, forged or expired one is worth nothing (the attempt
//! counts against the account as if no token were sent).
//!
//! Format: `v1.<base64url(nonce 16 bytes || expiry u64 BE)>.<base64url(HMAC-SHA-256)>`; the
//! MAC covers the version, the payload and the account identifier (which the token does not
//! carry, so it reveals no email).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::error::Error;

const PREFIX: &str = "v1.";
/// Longer presented tokens are refused before decoding.
const MAX_LEN: usize = 128;

/// A device's identity: its nonce.
pub type DeviceId = [u8; 16];

#[derive(Clone)]
pub struct DeviceTokens {
    mac: Hmac<Sha256>,
    ttl_secs: u64,
}

impl DeviceTokens {
    pub fn new(secret: &[u8], ttl: std::time::Duration) -> Self {
        // A key of its own, so device tokens are unrelated to access tokens and log references.
        let mut derive = <Hmac<Sha256> as KeyInit>::new_from_slice(secret)
            .expect("HMAC takes keys of any length");
        derive.update(b"device-token v1");
        let key = derive.finalize().into_bytes();
        Self {
            mac: <Hmac<Sha256> as KeyInit>::new_from_slice(&key)
                .expect("HMAC takes keys of any length"),
            ttl_secs: ttl.as_secs(),
        }
    }

    fn tag(&self, payload: &[u8], account: &str) -> Hmac<Sha256> {
        let mut mac = self.mac.clone();
        mac.update(PREFIX.as_bytes());
        mac.update(payload);
        mac.update(account.as_bytes());
        mac
    }

    /// A new token for `account`, valid for `DEVICE_TOKEN_TTL_SECS` from `now` (Unix seconds).
    pub fn issue(&self, account: &str, now: i64) -> Result<String, Error> {
        let nonce = crate::random::bytes::<16>()?;
        let expiry = u64::try_from(now)
            .unwrap_or(0)
            .saturating_add(self.ttl_secs);
        let mut payload = [0u8; 24];
        payload[..16].copy_from_slice(&nonce);
        payload[16..].copy_from_slice(&expiry.to_be_bytes());
        let tag = self.tag(&payload, account).finalize().into_bytes();
        Ok(format!(
            "{PREFIX}{}.{}",
            URL_SAFE_NO_PAD.encode(payload),
            URL_SAFE_NO_PAD.encode(tag)
        ))
    }

    /// The device of a valid, unexpired token issued for `account`; `None` for anything else.
    pub fn verify(&self, token: &str, account: &str, now: i64) -> Option<DeviceId> {
        if token.len() > MAX_LEN {
            return None;
        }
        let (payload, tag) = token.strip_prefix(PREFIX)?.split_once('.')?;
        let payload = URL_SAFE_NO_PAD.decode(payload).ok()?;
        let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
        let payload: [u8; 24] = payload.try_into().ok()?;
        // Constant-time comparison.
        self.tag(&payload, account).verify_slice(&tag).ok()?;
        let expiry = u64::from_be_bytes(payload[16..].try_into().ok()?);
        if u64::try_from(now).unwrap_or(u64::MAX) >= expiry {
            return None;
        }
        payload[..16].try_into().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_verify_only_for_their_account_untampered_and_unexpired() {
        let tokens = DeviceTokens::new(
            b"0123456789abcdef0123456789abcdef",
            std::time::Duration::from_secs(100),
        );
        let t = tokens.issue("ada@example.com", 1000).unwrap();
        assert!(tokens.verify(&t, "ada@example.com", 1000).is_some());
        assert!(tokens.verify(&t, "bob@example.com", 1000).is_none());
        assert!(tokens.verify(&t, "ada@example.com", 1100).is_none());
        let mut tampered = t.clone().into_bytes();
        tampered[5] ^= 1;
        let tampered = String::from_utf8(tampered).unwrap();
        assert!(tokens.verify(&tampered, "ada@example.com", 1000).is_none());
        let other = DeviceTokens::new(
            b"fedcba9876543210fedcba9876543210",
            std::time::Duration::from_secs(100),
        );
        assert!(other.verify(&t, "ada@example.com", 1000).is_none());
    }
}
