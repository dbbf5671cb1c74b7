//! Failure limits with reservations, in Redis: the same rules as `attempts::AttemptLimiter`
//! (reserve before hashing, settle after; an attempt dropped unsettled is a failure), held by
//! every replica at once.
//!
//! Per key, two Redis keys in one hash slot: a failure counter that expires a window after its
//! first failure, and a sorted set of the reservations in flight, each scored with a lease
//! deadline (REQUEST_TIMEOUT + 5 s). A reservation whose replica died before settling it is
//! counted as a failure when its lease lapses, so killing requests (or replicas) buys no
//! guesses.

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use super::Redis;
use crate::attempts::Key;
use crate::error::Error;

/// KEYS: failures, reservations. ARGV: limit, window ms, lease ms, reservation id.
/// Returns 0 when reserved, else the milliseconds to wait.
const RESERVE: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local lapsed = redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
if lapsed > 0 then
  if redis.call('INCRBY', KEYS[1], lapsed) == lapsed then redis.call('PEXPIRE', KEYS[1], window) end
end
local failures = tonumber(redis.call('GET', KEYS[1]) or '0')
if failures + redis.call('ZCARD', KEYS[2]) >= limit then
  if failures >= limit then
    local ttl = redis.call('PTTL', KEYS[1])
    if ttl < 1 then ttl = window end
    return ttl
  end
  return 1000
end
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[3]), ARGV[4])
redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[3]) * 2)
return 0
";

/// KEYS: failures, reservations. ARGV: reservation id, outcome (f, s or n), window ms.
const SETTLE: &str = r"
local held = redis.call('ZREM', KEYS[2], ARGV[1])
if ARGV[2] == 's' then
  redis.call('DEL', KEYS[1])
elseif ARGV[2] == 'f' and held == 1 then
  if redis.call('INCR', KEYS[1]) == 1 then redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3])) end
end
return held
";

static RESERVE_SCRIPT: LazyLock<redis::Script> = LazyLock::new(|| redis::Script::new(RESERVE));
static SETTLE_SCRIPT: LazyLock<redis::Script> = LazyLock::new(|| redis::Script::new(SETTLE));

/// One limiter's view of Redis: its name keeps the limiters' keys apart.
#[derive(Clone)]
pub struct SharedAttempts {
    redis: Arc<Redis>,
    name: &'static str,
    lease: Duration,
}

/// A reservation held in Redis.
pub struct Lease {
    redis: Arc<Redis>,
    keys: [String; 2],
    id: String,
    window_ms: u64,
}

impl SharedAttempts {
    pub fn new(redis: Arc<Redis>, name: &'static str, lease: Duration) -> Self {
        Self { redis, name, lease }
    }

    /// Reserves one attempt for `key`: `Some(Ok(lease))`, `Some(Err(too_many_attempts))`, or
    /// `None` when Redis cannot be used (the caller falls back to its own limiter).
    pub async fn reserve(
        &self,
        key: &Key,
        limit: u32,
        window: Duration,
    ) -> Option<Result<Lease, Error>> {
        let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
        // One hash slot for both keys ({...}), so the scripts also run on a Redis Cluster.
        let slot = ["{", hex.as_str(), "}"].concat();
        let keys = [
            self.redis.key(&format!("at:{}:{slot}:failures", self.name)),
            self.redis.key(&format!("at:{}:{slot}:reserved", self.name)),
        ];
        let id = uuid::Uuid::new_v4().simple().to_string();
        let window_ms = millis(window);
        let lease_ms = millis(self.lease);
        let (k, i) = (keys.clone(), id.clone());
        let wait = self
            .redis
            .run(|mut connection| async move {
                RESERVE_SCRIPT
                    .key(&k[0])
                    .key(&k[1])
                    .arg(limit)
                    .arg(window_ms)
                    .arg(lease_ms)
                    .arg(&i)
                    .invoke_async::<u64>(&mut connection)
                    .await
            })
            .await?;
        if wait > 0 {
            return Some(Err(Error::TooManyAttempts {
                retry_after: wait.div_ceil(1000).max(1),
            }));
        }
        Some(Ok(Lease {
            redis: self.redis.clone(),
            keys,
            id,
            window_ms,
        }))
    }
}

/// How a reservation ends.
#[derive(Clone, Copy)]
pub enum Settlement {
    Failed,
    Succeeded,
    NotJudged,
}

impl Lease {
    /// Settles in the background (called from a drop). If Redis is gone by then, the lease
    /// lapses and is counted as a failure at the key's next reservation.
    pub fn settle(self, outcome: Settlement) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let code = match outcome {
            Settlement::Failed => "f",
            Settlement::Succeeded => "s",
            Settlement::NotJudged => "n",
        };
        runtime.spawn(async move {
            let Lease {
                redis,
                keys,
                id,
                window_ms,
            } = self;
            redis
                .run(|mut connection| async move {
                    SETTLE_SCRIPT
                        .key(&keys[0])
                        .key(&keys[1])
                        .arg(&id)
                        .arg(code)
                        .arg(window_ms)
                        .invoke_async::<i64>(&mut connection)
                        .await
                })
                .await;
        });
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1)
}
