//! Abuse limits: a per-client-IP rate limit on the auth routes, and a per-account limit on
//! failed logins keyed by the normalized email (counted for unknown emails too, so it reveals
//! nothing about which accounts exist).

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, Request};
use axum::http::HeaderMap;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::config::{Config, IpNet};
use crate::error::Error;

/// The client's address: the TCP peer, or, when the peer is a trusted proxy, the right-most
/// `X-Forwarded-For` entry that is not itself a trusted proxy. Never a header from anyone else.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(peer) {
        return peer;
    }
    let forwarded: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    forwarded
        .into_iter()
        .rev()
        .find(|ip| !is_trusted(*ip))
        .unwrap_or(peer)
}

/// The peer address of a request (served with connection info; tests insert it).
pub fn peer_ip(request: &Request) -> IpAddr {
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip())
        .unwrap_or(IpAddr::from([0, 0, 0, 0]))
}

/// One token bucket per (route, client IP).
#[derive(Clone)]
pub struct IpRateLimiter {
    limiter: Arc<DefaultKeyedRateLimiter<(&'static str, IpAddr)>>,
}

impl IpRateLimiter {
    pub fn new(config: &Config) -> Self {
        let burst = NonZeroU32::new(config.auth_rate_limit_burst).unwrap_or(NonZeroU32::MIN);
        let quota = Quota::with_period(config.auth_rate_limit_replenish)
            .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
            .allow_burst(burst);
        Self {
            limiter: Arc::new(RateLimiter::keyed(quota)),
        }
    }

    pub fn check(&self, route: &'static str, ip: IpAddr) -> Result<(), Error> {
        self.limiter.check_key(&(route, ip)).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            Error::RateLimited {
                retry_after: wait.as_secs() + u64::from(wait.subsec_nanos() > 0),
            }
        })
    }

    /// Forgets idle clients; run periodically so memory stays bounded.
    pub fn prune(&self) {
        self.limiter.retain_recent();
        self.limiter.shrink_to_fit();
    }
}

/// Failed logins per normalized email within a window.
#[derive(Clone)]
pub struct LoginFailures {
    limit: u32,
    window: Duration,
    entries: Arc<Mutex<HashMap<String, (u32, Instant)>>>,
}

/// Beyond this many tracked emails, expired entries are dropped before a new one is added.
const MAX_TRACKED: usize = 100_000;

impl LoginFailures {
    pub fn new(config: &Config) -> Self {
        Self {
            limit: config.login_failure_limit,
            window: config.login_failure_window,
            entries: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// Refuses the attempt while the account is over its failure limit.
    pub fn check(&self, email: &str) -> Result<(), Error> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((count, since)) = entries.get(email) {
            let elapsed = since.elapsed();
            if *count >= self.limit && elapsed < self.window {
                let left = self.window - elapsed;
                return Err(Error::TooManyAttempts {
                    retry_after: left.as_secs().max(1),
                });
            }
        }
        Ok(())
    }

    pub fn record_failure(&self, email: &str) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= MAX_TRACKED {
            let window = self.window;
            entries.retain(|_, (_, since)| since.elapsed() < window);
        }
        let now = Instant::now();
        let entry = entries.entry(email.to_string()).or_insert((0, now));
        if entry.1.elapsed() >= self.window {
            *entry = (0, now);
        }
        entry.0 += 1;
    }

    pub fn record_success(&self, email: &str) {
        self.entries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(email);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_for_is_only_believed_from_trusted_proxies() {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", "203.0.113.9, 10.0.0.2".parse().unwrap());
        let peer: IpAddr = "10.0.0.1".parse().unwrap();
        assert_eq!(client_ip(peer, &headers, &[]), peer);
        let trusted = [IpNet::parse("10.0.0.0/8").unwrap()];
        assert_eq!(
            client_ip(peer, &headers, &trusted),
            "203.0.113.9".parse::<IpAddr>().unwrap()
        );
        let outsider: IpAddr = "198.51.100.7".parse().unwrap();
        assert_eq!(client_ip(outsider, &headers, &trusted), outsider);
    }
}
