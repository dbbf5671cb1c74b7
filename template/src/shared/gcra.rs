//! The per-IP buckets in Redis: the same GCRA as `rate_limit::IpRateLimiter` (same
//! AUTH_RATE_LIMIT_* settings, same Retry-After), run as one Lua script per request so a
//! check-and-update is atomic across every replica. The clock is Redis's own (`TIME`), so
//! replicas with skewed clocks agree. A bucket's key expires when the bucket is full again.

use std::net::IpAddr;
use std::sync::LazyLock;

use super::Redis;
use crate::error::Error;
use crate::rate_limit::{IpRateLimiter, limit_key};

/// KEYS[1]: the bucket. ARGV: period and tolerance in microseconds. Returns 0 when the
/// request is allowed, else the microseconds to wait.
const SCRIPT: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local period = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1])) or now
if tat < now then tat = now end
local ahead = tat - now
if ahead > tolerance then return ahead - tolerance end
local next_tat = tat + period
redis.call('SET', KEYS[1], string.format('%d', next_tat), 'PX', math.floor((next_tat - now) / 1000) + 1)
return 0
";

static GCRA: LazyLock<redis::Script> = LazyLock::new(|| redis::Script::new(SCRIPT));

/// Checks one request of `ip` against `bucket` in Redis; with Redis down, against the
/// process's own `local` limiter.
pub async fn check(
    redis: &Redis,
    local: &IpRateLimiter,
    bucket: &'static str,
    ip: IpAddr,
) -> Result<(), Error> {
    let key = redis.key(&format!("rl:{bucket}:{}", limit_key(ip)));
    let period = micros(local.period());
    let tolerance = micros(local.tolerance());
    let wait = redis
        .run(|mut connection| async move {
            GCRA.key(&key)
                .arg(period)
                .arg(tolerance)
                .invoke_async::<u64>(&mut connection)
                .await
        })
        .await;
    match wait {
        Some(0) => Ok(()),
        Some(wait) => Err(Error::RateLimited {
            retry_after: wait.div_ceil(1_000_000).max(1),
        }),
        None => local.check(bucket, ip),
    }
}

fn micros(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}
