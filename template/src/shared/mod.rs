//! State that replicas share through Redis (REDIS_URL): the per-IP buckets (`gcra`), the
//! failure limits with their reservations (`attempts`), and session revocation (`revocation`).
//!
//! Redis is reached through one multiplexed connection per process (redis-rs's tokio
//! `ConnectionManager`: commands from every request are pipelined on it, and it reconnects
//! itself), each command bounded by REDIS_TIMEOUT_MS.
//!
//! Redis unavailable is never "unlimited" and never a 500: a command that fails or times out
//! marks the store down, and until it is back every limit falls back to the process's own (each
//! replica still bounded, as a single process is) and the session cache is bypassed (every
//! authenticated request reads its epoch from the database). The change is logged once, shown
//! in /ready's body, and `spawn_monitor` brings the shared store back by itself.

pub mod attempts;
pub mod gcra;
pub mod revocation;

use std::future::Future;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

/// How often a store that is down is probed.
const PROBE_INTERVAL: Duration = Duration::from_secs(1);

pub struct Redis {
    client: redis::Client,
    /// Every key starts with it (REDIS_KEY_PREFIX), so several APIs can share one Redis.
    prefix: String,
    timeout: Duration,
    connection: Mutex<Option<ConnectionManager>>,
    up: AtomicBool,
}

impl Redis {
    /// Parses the URL; nothing is connected until `connect` or the monitor runs.
    pub fn new(url: &str, prefix: &str, timeout: Duration) -> Result<Self, redis::RedisError> {
        Ok(Self {
            client: redis::Client::open(url)?,
            prefix: prefix.to_string(),
            timeout,
            connection: Mutex::new(None),
            up: AtomicBool::new(false),
        })
    }

    /// Whether the shared store is in use (`false`: per-process fallback).
    pub fn is_up(&self) -> bool {
        self.up.load(Ordering::Acquire)
    }

    /// `prefix` + `name`.
    pub fn key(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    pub(crate) fn client(&self) -> &redis::Client {
        &self.client
    }

    pub(crate) fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Connects (once, within the timeout) and marks the store up if Redis answers a PING.
    pub async fn connect(&self) -> bool {
        let existing = self.lock().clone();
        let connection = match existing {
            Some(connection) => connection,
            None => {
                let config = ConnectionManagerConfig::new()
                    .set_connection_timeout(Some(self.timeout))
                    .set_response_timeout(Some(self.timeout))
                    .set_number_of_retries(1);
                let made = tokio::time::timeout(
                    self.timeout * 4,
                    ConnectionManager::new_with_config(self.client.clone(), config),
                )
                .await;
                match made {
                    Ok(Ok(connection)) => {
                        *self.lock() = Some(connection.clone());
                        connection
                    }
                    Ok(Err(e)) => {
                        self.down(&e.to_string());
                        return false;
                    }
                    Err(_) => {
                        self.down("connecting timed out");
                        return false;
                    }
                }
            }
        };
        let mut probe = connection;
        let pong: Result<Result<String, _>, _> = tokio::time::timeout(
            self.timeout,
            redis::cmd("PING").query_async::<String>(&mut probe),
        )
        .await;
        match pong {
            Ok(Ok(_)) => {
                if !self.up.swap(true, Ordering::AcqRel) {
                    tracing::info!("redis available: limits and revocation are shared");
                }
                true
            }
            Ok(Err(e)) => {
                self.down(&e.to_string());
                false
            }
            Err(_) => {
                self.down("PING timed out");
                false
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<ConnectionManager>> {
        self.connection.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Marks the store down (logged once per change of state).
    pub(crate) fn down(&self, why: &str) {
        if self.up.swap(false, Ordering::AcqRel) {
            tracing::warn!(
                error = why,
                "redis unavailable: per-process limits and no session cache until it returns"
            );
        }
    }

    /// Runs one command (or script) on the shared connection within the timeout. `None` when
    /// the store is down or the command fails: the caller falls back to its own state.
    pub(crate) async fn run<T, F>(&self, command: impl FnOnce(ConnectionManager) -> F) -> Option<T>
    where
        F: Future<Output = redis::RedisResult<T>>,
    {
        if !self.is_up() {
            return None;
        }
        let connection = self.lock().clone()?;
        match tokio::time::timeout(self.timeout, command(connection)).await {
            Ok(Ok(value)) => Some(value),
            Ok(Err(e)) => {
                self.down(&e.to_string());
                None
            }
            Err(_) => {
                self.down("command timed out");
                None
            }
        }
    }
}

/// Probes a store that is down every second and brings it back when Redis answers; the server
/// aborts the task when it stops.
pub fn spawn_monitor(redis: std::sync::Arc<Redis>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(PROBE_INTERVAL);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if !redis.is_up() {
                redis.connect().await;
            }
        }
    })
}
