//! Per-client-IP rate limits on the routes that hash passwords or mint tokens, and the client
//! IP itself. (Per-account and per-device failure limits live in `attempts`.)
//!
//! The limiter is a GCRA token bucket per (bucket, client) in a `BoundedMap`, so an attacker
//! with many addresses cannot grow it without bound. IPv6 clients are keyed by their /64, the
//! smallest block one subscriber usually holds, so one host cannot walk its own prefix to get
//! fresh buckets.

use std::convert::Infallible;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, FromRequestParts, Request};
use axum::http::HeaderMap;
use axum::http::request::Parts;

use crate::bounded::BoundedMap;
use crate::config::{Config, IpNet};
use crate::error::Error;
use crate::http::ApiContext;

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
    peer_of(request.extensions())
}

pub fn peer_of(extensions: &axum::http::Extensions) -> IpAddr {
    extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip())
        .unwrap_or(IpAddr::from([0, 0, 0, 0]))
}

/// The client's address as the limits see it: IPv4 as is, IPv6 cut to its /64.
pub fn limit_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & (u128::MAX << 64))),
        },
        v4 => v4,
    }
}

/// The client IP of a request, for handlers (see `client_ip`).
pub struct ClientIp(pub IpAddr);

impl FromRequestParts<ApiContext> for ClientIp {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, ctx: &ApiContext) -> Result<Self, Infallible> {
        Ok(Self(client_ip(
            peer_of(&parts.extensions),
            &parts.headers,
            &ctx.config.trusted_proxies,
        )))
    }
}

/// One token bucket per (bucket name, client), as GCRA: each key stores only the theoretical
/// arrival time of its next request.
#[derive(Clone)]
pub struct IpRateLimiter {
    /// Time between two tokens.
    period: Duration,
    /// How far ahead of now the arrival time may run: (burst - 1) periods.
    tolerance: Duration,
    buckets: Arc<Mutex<BoundedMap<(&'static str, IpAddr), Instant>>>,
}

impl IpRateLimiter {
    pub fn new(config: &Config) -> Self {
        let period = config.auth_rate_limit_replenish;
        Self {
            period,
            tolerance: period.saturating_mul(config.auth_rate_limit_burst.max(1) - 1),
            buckets: Arc::new(Mutex::new(BoundedMap::new(config.limiter_max_entries))),
        }
    }

    /// Time between two tokens (AUTH_RATE_LIMIT_REPLENISH_SECS).
    pub fn period(&self) -> Duration {
        self.period
    }

    /// How far ahead of now a bucket's next arrival time may run: (burst - 1) periods.
    pub fn tolerance(&self) -> Duration {
        self.tolerance
    }

    pub fn check(&self, bucket: &'static str, ip: IpAddr) -> Result<(), Error> {
        let now = Instant::now();
        let tolerance = self.tolerance;
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        // A bucket that would refuse its next request is never forgotten; when all are like
        // that, new clients are refused (fail closed) until some refill.
        let Some(tat) = buckets.get_or_insert(
            (bucket, limit_key(ip)),
            || now,
            |tat| tat.saturating_duration_since(now) <= tolerance,
        ) else {
            return Err(Error::RateLimited { retry_after: 1 });
        };
        let arrival = (*tat).max(now);
        let ahead = arrival - now;
        if ahead > tolerance {
            let wait = ahead - tolerance;
            return Err(Error::RateLimited {
                retry_after: wait.as_secs() + u64::from(wait.subsec_nanos() > 0),
            });
        }
        *tat = arrival + self.period;
        Ok(())
    }

    /// Buckets tracked now (bounded by `LIMITER_MAX_ENTRIES`).
    pub fn len(&self) -> usize {
        self.buckets.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Forgets full buckets (as good as new); run periodically so memory stays small.
    pub fn prune(&self) {
        let now = Instant::now();
        self.buckets
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|_, tat| *tat > now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_clients_are_keyed_by_their_slash_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::2".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(limit_key(a), limit_key(b));
        assert_ne!(limit_key(a), limit_key(c));
        let mapped: IpAddr = "::ffff:192.0.2.1".parse().unwrap();
        assert_eq!(limit_key(mapped), "192.0.2.1".parse::<IpAddr>().unwrap());
    }

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
