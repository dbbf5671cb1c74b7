//! Admission to the hashing queue: a hashing job holds a slot of its client IP and of its
//! account while it is queued or running. A client over its cap is refused at once
//! (`service_busy`, Retry-After) instead of queueing behind its own flood, so one IP or one
//! account cannot fill the queue that every login shares.
//!
//! The counters exist only while jobs are in flight, and the total is capped, so the map is
//! bounded by the queue capacity whatever the input.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use crate::attempts::Key;
use crate::error::Error;

/// Who asks for a hash: the client IP and, when there is one, the account concerned.
#[derive(Clone, Copy)]
pub struct Client {
    pub ip: IpAddr,
    pub account: Option<Key>,
}

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Holder {
    Ip(IpAddr),
    Account(Key),
}

pub struct HashSlots {
    per_ip: u32,
    per_account: u32,
    total: usize,
    held: Mutex<(usize, HashMap<Holder, u32>)>,
}

/// A held slot; given back when dropped.
pub struct Slot {
    slots: Arc<HashSlots>,
    holders: [Option<Holder>; 2],
}

impl HashSlots {
    pub fn new(per_ip: usize, per_account: usize, total: usize) -> Self {
        let cap = |n: usize| u32::try_from(n.max(1)).unwrap_or(u32::MAX);
        Self {
            per_ip: cap(per_ip),
            per_account: cap(per_account),
            total: total.max(1),
            held: Mutex::new((0, HashMap::new())),
        }
    }

    /// A slot for `client`, or `service_busy` when it (or the whole queue) is at its cap.
    /// Slots held now (jobs queued or running).
    pub fn held(&self) -> usize {
        self.held.lock().unwrap_or_else(|p| p.into_inner()).0
    }

    pub fn acquire(self: &Arc<Self>, client: &Client) -> Result<Slot, Error> {
        let holders = [
            Some(Holder::Ip(crate::rate_limit::limit_key(client.ip))),
            client.account.map(Holder::Account),
        ];
        let mut held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        let (total, counts) = &mut *held;
        let full = *total >= self.total
            || holders.iter().flatten().any(|h| {
                let cap = match h {
                    Holder::Ip(_) => self.per_ip,
                    Holder::Account(_) => self.per_account,
                };
                counts.get(h).copied().unwrap_or(0) >= cap
            });
        if full {
            crate::security_event!(WARN, "hashing_overloaded", reason = "client_or_queue_cap");
            return Err(Error::ServiceBusy { retry_after: 1 });
        }
        *total += 1;
        for h in holders.iter().flatten() {
            *counts.entry(*h).or_insert(0) += 1;
        }
        Ok(Slot {
            slots: self.clone(),
            holders,
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut held = self.slots.held.lock().unwrap_or_else(|p| p.into_inner());
        let (total, counts) = &mut *held;
        *total = total.saturating_sub(1);
        for h in self.holders.iter().flatten() {
            if let Some(n) = counts.get_mut(h) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    counts.remove(h);
                }
            }
        }
    }
}
