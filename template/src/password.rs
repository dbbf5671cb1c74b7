//! Passwords: the policy (length in characters, common-password list), and argon2id hashing
//! off the async runtime behind a semaphore, so a login flood neither starves other requests
//! nor grows memory beyond `MAX_CONCURRENT_HASHES` x the argon2 memory.

use std::collections::HashSet;
use std::sync::{Arc, LazyLock};

use argon2::{Algorithm, Argon2, Params, PasswordHasher as _, PasswordVerifier as _, Version};
use tokio::sync::Semaphore;

use crate::config::{Config, PASSWORD_MAX_LENGTH};
use crate::error::Error;

/// Common passwords refused at registration (lower-case), shipped with the project.
static COMMON: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("../data/common-passwords.txt")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
});

/// Checks length (Unicode characters, no truncation, no case folding) and the common list.
pub fn check_policy(password: &str, min: usize) -> Result<(), Error> {
    let chars = password.chars().count();
    let weak = Error::WeakPassword {
        min,
        max: PASSWORD_MAX_LENGTH,
    };
    if chars < min || chars > PASSWORD_MAX_LENGTH {
        return Err(weak);
    }
    if COMMON.contains(password.to_lowercase().as_str()) {
        return Err(weak);
    }
    Ok(())
}

#[derive(Clone)]
pub struct Hasher {
    argon2: Arc<Argon2<'static>>,
    permits: Arc<Semaphore>,
    /// A hash of a random password with the live parameters: unknown emails are verified
    /// against it so that they take as long as wrong passwords.
    dummy_hash: Arc<String>,
}

impl Hasher {
    pub fn new(config: &Config) -> Result<Self, Error> {
        let params = Params::new(
            config.argon2_memory_kib,
            config.argon2_iterations,
            config.argon2_parallelism,
            None,
        )
        .map_err(|e| Error::Internal(format!("argon2 parameters: {e}")))?;
        let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
        let dummy_hash = hash_with(&argon2, &crate::random::bytes::<32>()?)?;
        Ok(Self {
            argon2: Arc::new(argon2),
            permits: Arc::new(Semaphore::new(config.max_concurrent_hashes)),
            dummy_hash: Arc::new(dummy_hash),
        })
    }

    pub async fn hash(&self, password: String) -> Result<String, Error> {
        let argon2 = self.argon2.clone();
        self.run(move || hash_with(&argon2, password.as_bytes()))
            .await?
    }

    /// Verifies `password` against `hash`, or against the dummy hash when there is no user,
    /// so both paths cost one argon2 computation.
    pub async fn verify(&self, password: String, hash: Option<String>) -> Result<bool, Error> {
        let argon2 = self.argon2.clone();
        let known = hash.is_some();
        let hash = hash.unwrap_or_else(|| self.dummy_hash.as_str().to_string());
        let matched = self
            .run(move || {
                argon2
                    .verify_password(password.as_bytes(), hash.as_str())
                    .is_ok()
            })
            .await?;
        Ok(known && matched)
    }

    async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, Error> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| Error::Internal("hashing semaphore closed".into()))?;
        tokio::task::spawn_blocking(job)
            .await
            .map_err(|e| Error::Internal(format!("hashing task failed: {e}")))
    }
}

fn hash_with(argon2: &Argon2<'_>, password: &[u8]) -> Result<String, Error> {
    let salt = crate::random::bytes::<16>()?;
    argon2
        .hash_password_with_salt(password, &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::Internal(format!("argon2: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_counts_characters_not_bytes() {
        assert!(check_policy("ééééééééééé", 12).is_err());
        assert!(check_policy("éééééééééééé", 12).is_ok());
        assert!(check_policy(&"a".repeat(129), 12).is_err());
        assert!(check_policy(&"🔒".repeat(128), 12).is_ok());
    }

    #[test]
    fn common_passwords_are_refused_in_any_case() {
        assert!(check_policy("password1234", 12).is_err());
        assert!(check_policy("PassWord1234", 12).is_err());
        assert!(check_policy("violet tractor umbrella", 12).is_ok());
    }
}
