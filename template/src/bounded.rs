//! A map keyed by attacker-chosen input, with a hard cap on its entries.
//!
//! Keys must be fixed-size (a digest, an address): the cap then bounds memory. When the map is
//! full, a new key first makes the map forget every entry that its owner calls forgettable
//! (expired, or holding nothing a victim would miss); entries that are at their limit are never
//! forgotten. When nothing can be forgotten the new key is refused: callers fail closed.

use std::collections::HashMap;
use std::hash::Hash;

pub struct BoundedMap<K, V> {
    entries: HashMap<K, V>,
    cap: usize,
}

impl<K: Eq + Hash, V> BoundedMap<K, V> {
    pub fn new(cap: usize) -> Self {
        Self {
            entries: HashMap::new(),
            cap: cap.max(1),
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn get_mut(&mut self, key: &K) -> Option<&mut V> {
        self.entries.get_mut(key)
    }

    /// The entry of `key`, made with `new` if absent. `None` when the map is full and no entry
    /// is `forgettable`. The sweep is O(n) but runs only when the map is full, and usually
    /// frees many entries at once.
    pub fn get_or_insert(
        &mut self,
        key: K,
        new: impl FnOnce() -> V,
        forgettable: impl Fn(&V) -> bool,
    ) -> Option<&mut V> {
        if !self.entries.contains_key(&key) && self.entries.len() >= self.cap {
            self.entries.retain(|_, v| !forgettable(v));
            if self.entries.len() >= self.cap {
                return None;
            }
        }
        Some(self.entries.entry(key).or_insert_with(new))
    }

    pub fn retain(&mut self, keep: impl FnMut(&K, &mut V) -> bool) {
        self.entries.retain(keep);
        self.entries.shrink_to_fit();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_map_forgets_only_forgettable_entries_and_then_refuses() {
        let mut map = BoundedMap::new(3);
        for k in 0..3u32 {
            *map.get_or_insert(k, || 0, |_| false).unwrap() = k;
        }
        assert!(map.get_or_insert(9, || 0, |_| false).is_none());
        // Entry 0 is forgettable: it goes, the new key comes in, 1 and 2 stay.
        assert!(map.get_or_insert(9, || 0, |v| *v == 0).is_some());
        assert_eq!(map.len(), 3);
        assert!(map.get_mut(&1).is_some() && map.get_mut(&2).is_some());
        assert!(map.get_mut(&0).is_none());
    }
}
