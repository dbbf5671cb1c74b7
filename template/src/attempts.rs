//! Failure limits per key (an account, a trusted device, a password-change target), with
//! reservations: an attempt is reserved *before* the password is hashed and settled after, so
//! however many guesses arrive at once, at most `limit` are judged per window.
//!
//! A reservation that is dropped unsettled (the client went away, the request timed out, an
//! error) counts as a failure: cancelling a request cannot be used to guess for free. Only a
//! request that was refused before its password was looked at (`not_judged`) gives its
//! reservation back.
//!
//! Keys are SHA-256 digests of a namespace and an identifier, so no input size reaches the
//! map, and the map is a `BoundedMap`: entries at their limit (or holding reservations) are
//! never forgotten before they expire; when the map is full of those, new keys are refused
//! (fail closed: `too_many_attempts`).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use crate::bounded::BoundedMap;
use crate::error::Error;

pub type Key = [u8; 32];

/// The fixed-size key of `identifier` in `namespace` (e.g. "account", a normalized email).
pub fn key(namespace: &str, identifier: &[u8]) -> Key {
    let mut digest = Sha256::new();
    digest.update(namespace.as_bytes());
    digest.update([0]);
    digest.update(identifier);
    digest.finalize().into()
}

/// Retry-After when the map is full of entries that must be kept.
const FULL_RETRY_AFTER: u64 = 60;

#[derive(Clone)]
pub struct AttemptLimiter {
    inner: Arc<Inner>,
}

struct Inner {
    limit: u32,
    window: Duration,
    entries: Mutex<BoundedMap<Key, Entry>>,
}

struct Entry {
    failures: u32,
    in_flight: u32,
    since: Instant,
}

impl Inner {
    fn expired(&self, entry: &Entry) -> bool {
        entry.since.elapsed() >= self.window
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BoundedMap<Key, Entry>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl AttemptLimiter {
    pub fn new(limit: u32, window: Duration, max_entries: usize) -> Self {
        Self {
            inner: Arc::new(Inner {
                limit: limit.max(1),
                window,
                entries: Mutex::new(BoundedMap::new(max_entries)),
            }),
        }
    }

    /// Reserves one attempt for `key`, or refuses while failures and attempts in flight
    /// already reach the limit.
    pub fn reserve(&self, key: Key) -> Result<Attempt, Error> {
        let inner = &self.inner;
        let mut entries = inner.lock();
        let now = Instant::now();
        let entry = entries
            .get_or_insert(
                key,
                || Entry {
                    failures: 0,
                    in_flight: 0,
                    since: now,
                },
                |e| e.in_flight == 0 && (inner.expired(e) || e.failures < inner.limit),
            )
            .ok_or(Error::TooManyAttempts {
                retry_after: FULL_RETRY_AFTER.min(inner.window.as_secs()).max(1),
            })?;
        if inner.expired(entry) {
            entry.failures = 0;
            entry.since = now;
        }
        if entry.failures.saturating_add(entry.in_flight) >= inner.limit {
            let retry_after = if entry.failures >= inner.limit {
                inner.window.saturating_sub(entry.since.elapsed()).as_secs()
            } else {
                // Attempts in flight hold the rest: they settle within a hash or two.
                1
            };
            return Err(Error::TooManyAttempts {
                retry_after: retry_after.max(1),
            });
        }
        entry.in_flight += 1;
        Ok(Attempt {
            inner: self.inner.clone(),
            key,
            outcome: Outcome::Failed,
        })
    }

    /// Entries tracked now (bounded by `LIMITER_MAX_ENTRIES`).
    pub fn len(&self) -> usize {
        self.inner.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Forgets expired entries; run periodically.
    pub fn prune(&self) {
        let inner = &self.inner;
        inner
            .lock()
            .retain(|_, e| e.in_flight > 0 || !inner.expired(e));
    }
}

#[derive(Clone, Copy)]
enum Outcome {
    Failed,
    Succeeded,
    NotJudged,
}

/// A reserved attempt. Dropped as it is, it counts as a failure.
#[must_use = "dropping an attempt counts it as a failure"]
pub struct Attempt {
    inner: Arc<Inner>,
    key: Key,
    outcome: Outcome,
}

impl Attempt {
    /// The password was right: the key's failures are forgiven.
    pub fn succeeded(mut self) {
        self.outcome = Outcome::Succeeded;
    }

    /// Refused before the password was looked at: the reservation is given back.
    pub fn not_judged(mut self) {
        self.outcome = Outcome::NotJudged;
    }
}

impl Drop for Attempt {
    fn drop(&mut self) {
        let inner = &self.inner;
        let mut entries = inner.lock();
        let now = Instant::now();
        // Entries with reservations are never forgotten, so this finds ours.
        let Some(entry) = entries.get_or_insert(
            self.key,
            || Entry {
                failures: 0,
                in_flight: 1,
                since: now,
            },
            |e| e.in_flight == 0 && (inner.expired(e) || e.failures < inner.limit),
        ) else {
            return;
        };
        entry.in_flight = entry.in_flight.saturating_sub(1);
        match self.outcome {
            Outcome::Failed => {
                if inner.expired(entry) {
                    entry.failures = 0;
                    entry.since = now;
                }
                entry.failures = entry.failures.saturating_add(1);
            }
            Outcome::Succeeded => entry.failures = 0,
            Outcome::NotJudged => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reservations_in_flight_count_against_the_limit_and_drops_count_as_failures() {
        let limiter = AttemptLimiter::new(2, Duration::from_secs(60), 100);
        let k = key("account", b"a@example.com");
        let a = limiter.reserve(k).unwrap();
        let b = limiter.reserve(k).unwrap();
        assert!(
            limiter.reserve(k).is_err(),
            "two in flight fill a limit of two"
        );
        b.not_judged();
        let c = limiter.reserve(k).unwrap();
        drop(a);
        drop(c);
        assert!(
            limiter.reserve(k).is_err(),
            "two dropped attempts are two failures"
        );
    }
}
