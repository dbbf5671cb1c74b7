//! A small time-bounded cache in front of the database, for values that a revoking write
//! changes: each authenticated request looks up its user's session epoch and profile here
//! instead of reading the database.
//!
//! - Bounded: at most `capacity` entries with keys of at most `MAX_KEY_LEN` bytes; when full,
//!   expired entries go first, then everything (a burst of new keys costs one database read
//!   each, never unbounded memory).
//! - Revocation wins races: a fill reads the database *after* taking a ticket and is stored only
//!   if no `invalidate` ran in between. Without that, a request that read the old epoch just
//!   before a revocation committed could store it after the revocation cleared the entry, and
//!   revoked tokens would be served from memory for a whole TTL.
//! - The TTL bounds how long a change made elsewhere (by hand in the database, or by another
//!   replica) goes unseen.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Longer keys are never cached (ours are UUIDs: 36 bytes).
pub const MAX_KEY_LEN: usize = 64;

pub struct TtlCache<V> {
    ttl: Duration,
    capacity: usize,
    inner: Mutex<Inner<V>>,
}

struct Inner<V> {
    entries: HashMap<String, (Instant, V)>,
    /// Bumped by every `invalidate`; fills that started before it are discarded.
    generation: u64,
}

/// Taken before a database read whose result may be cached (see `insert`).
#[derive(Debug, Clone, Copy)]
pub struct Ticket(u64);

impl<V: Clone> TtlCache<V> {
    pub fn new(ttl: Duration, capacity: usize) -> Self {
        Self {
            ttl,
            capacity,
            inner: Mutex::new(Inner {
                entries: HashMap::new(),
                generation: 0,
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner<V>> {
        // A panic while holding the lock leaves the map consistent (every write is one call).
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The value stored under `key` less than the TTL ago.
    pub fn get(&self, key: &str) -> Option<V> {
        let inner = self.lock();
        inner
            .entries
            .get(key)
            .filter(|(stored, _)| stored.elapsed() < self.ttl)
            .map(|(_, value)| value.clone())
    }

    /// Take this before reading the value from the database.
    pub fn ticket(&self) -> Ticket {
        Ticket(self.lock().generation)
    }

    /// Stores `value`, read after `ticket` was taken, unless an `invalidate` ran since (the value
    /// may predate it) or the key is too long.
    pub fn insert(&self, ticket: Ticket, key: &str, value: V) {
        if key.len() > MAX_KEY_LEN || self.ttl.is_zero() {
            return;
        }
        let mut inner = self.lock();
        if inner.generation != ticket.0 {
            return;
        }
        if inner.entries.len() >= self.capacity && !inner.entries.contains_key(key) {
            let ttl = self.ttl;
            inner
                .entries
                .retain(|_, (stored, _)| stored.elapsed() < ttl);
            if inner.entries.len() >= self.capacity {
                inner.entries.clear();
            }
        }
        inner
            .entries
            .insert(key.to_string(), (Instant::now(), value));
    }

    /// Forgets `key` (its value changed or it is gone) and discards fills in flight. Call it
    /// after the change is committed.
    pub fn invalidate(&self, key: &str) {
        let mut inner = self.lock();
        inner.generation = inner.generation.wrapping_add(1);
        inner.entries.remove(key);
    }

    /// Forgets every key and discards fills in flight (changes may have been missed).
    pub fn clear(&self) {
        let mut inner = self.lock();
        inner.generation = inner.generation.wrapping_add(1);
        inner.entries.clear();
    }

    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_expire_after_the_ttl() {
        let cache = TtlCache::new(Duration::from_millis(50), 10);
        cache.insert(cache.ticket(), "a", 1);
        assert_eq!(cache.get("a"), Some(1));
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(cache.get("a"), None);
    }

    #[test]
    fn the_cache_never_grows_past_its_capacity_or_stores_long_keys() {
        let cache = TtlCache::new(Duration::from_secs(60), 3);
        for i in 0..10 {
            cache.insert(cache.ticket(), &i.to_string(), i);
            assert!(cache.len() <= 3);
        }
        assert_eq!(cache.get("9"), Some(9));
        cache.invalidate("9");
        assert_eq!(cache.get("9"), None);
        let long = "k".repeat(MAX_KEY_LEN + 1);
        cache.insert(cache.ticket(), &long, 1);
        assert_eq!(cache.get(&long), None);
    }

    #[test]
    fn a_fill_that_started_before_an_invalidation_is_discarded() {
        let cache = TtlCache::new(Duration::from_secs(60), 10);
        let before = cache.ticket();
        cache.invalidate("user");
        cache.insert(before, "user", "old epoch");
        assert_eq!(cache.get("user"), None);
        cache.insert(cache.ticket(), "user", "new epoch");
        assert_eq!(cache.get("user"), Some("new epoch"));
    }
}
