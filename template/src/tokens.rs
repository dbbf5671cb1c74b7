//! Access tokens (HS256 JWT, algorithm pinned, every claim required) and refresh tokens
//! (256 random bits, opaque; only their SHA-256 is stored).
//!
//! An access token carries its user's session epoch (`epoch`) at issue. Revoking writes move
//! the epoch on, and `http::extract::AuthUser` refuses a token whose epoch is not the current
//! one: signature and expiry alone cannot tell a revoked token from a live one. A token without
//! the claim does not decode at all.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::Config;
use crate::error::Error;

/// At most this much clock skew is tolerated on `exp` (seconds).
pub const LEEWAY_SECS: u64 = 5;

#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub iat: i64,
    pub exp: i64,
    pub iss: String,
    pub aud: String,
    pub jti: String,
    /// The user's session epoch when the token was issued.
    pub epoch: i64,
}

/// Why a bearer token was refused (logged as `reason`; the token itself never is).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejection {
    /// Not a JWT of ours at all: bad structure, base64, JSON, a missing claim, too long.
    Malformed,
    /// Well-formed, but the signature, algorithm, issuer or audience is wrong.
    BadSignature,
    Expired,
    /// The user's sessions were revoked after it was issued.
    Revoked,
    /// Its user no longer exists.
    UnknownUser,
}

impl Rejection {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Malformed => "malformed",
            Self::BadSignature => "bad_signature",
            Self::Expired => "expired",
            Self::Revoked => "revoked",
            Self::UnknownUser => "unknown_user",
        }
    }
}

#[derive(Clone)]
pub struct Keys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
    ttl: i64,
}

impl Keys {
    pub fn new(config: &Config) -> Result<Self, Error> {
        let secret = config.jwt_secret.expose();
        let encoding =
            EncodingKey::from_secret(secret).map_err(|e| Error::Internal(e.to_string()))?;
        let decoding =
            DecodingKey::from_secret(secret).map_err(|e| Error::Internal(e.to_string()))?;
        // Only HS256; header fields such as jwk, jku and kid are never consulted.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = LEEWAY_SECS;
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.set_issuer(&[&config.jwt_issuer]);
        validation.set_audience(&[&config.jwt_audience]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        Ok(Self {
            encoding,
            decoding,
            validation,
            issuer: config.jwt_issuer.clone(),
            audience: config.jwt_audience.clone(),
            ttl: i64::try_from(config.access_token_ttl.as_secs()).unwrap_or(900),
        })
    }

    pub fn ttl_secs(&self) -> i64 {
        self.ttl
    }

    pub fn issue(&self, user_id: &str, epoch: i64, now: i64) -> Result<String, Error> {
        let claims = Claims {
            sub: user_id.to_string(),
            iat: now,
            exp: now + self.ttl,
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            jti: uuid::Uuid::new_v4().to_string(),
            epoch,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| Error::Internal(format!("signing: {e}")))
    }

    /// The claims of a validly signed, unexpired access token (not yet checked for revocation).
    pub fn verify(&self, token: &str) -> Result<Claims, Rejection> {
        use jsonwebtoken::errors::ErrorKind;
        if token.len() > 4096 {
            return Err(Rejection::Malformed);
        }
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|e| match e.kind() {
                ErrorKind::ExpiredSignature | ErrorKind::ImmatureSignature => Rejection::Expired,
                ErrorKind::InvalidSignature
                | ErrorKind::InvalidAlgorithm
                | ErrorKind::InvalidAlgorithmName
                | ErrorKind::InvalidIssuer
                | ErrorKind::InvalidAudience
                | ErrorKind::InvalidSubject => Rejection::BadSignature,
                _ => Rejection::Malformed,
            })
    }
}

/// A new refresh token: 32 bytes from the OS CSPRNG, base64url.
pub fn new_refresh_token() -> Result<String, Error> {
    Ok(URL_SAFE_NO_PAD.encode(crate::random::bytes::<32>()?))
}

/// What the database keeps of a refresh token.
pub fn hash_refresh_token(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
