//! Session revocation across replicas: a revocation (logout-all, password change or reset,
//! refresh-token reuse, deletion, a changed profile) is committed to the database, then
//! published on a Redis channel; every replica listens and drops that user's entry from its
//! session cache, so the next request there reads the new epoch from the database.
//!
//! A replica trusts its cache only while it is listening: from the moment its subscription is
//! confirmed (the cache is cleared then: messages may have been missed before) until the
//! subscription breaks or stops answering a PING. In between, every authenticated request
//! reads its epoch from the database, so a missed message never serves a revoked token.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures_util::StreamExt;

use super::Redis;

/// How often the subscription is checked with a PING (and retried when broken).
const CHECK_INTERVAL: Duration = Duration::from_secs(1);

/// Whether this replica hears every revocation (its cache may then be trusted).
#[derive(Default)]
pub struct Listening(AtomicBool);

impl Listening {
    pub fn get(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }

    fn set(&self, on: bool) {
        if self.0.swap(on, Ordering::AcqRel) != on {
            if on {
                tracing::info!("listening for revocations from other replicas");
            } else {
                tracing::warn!(
                    "not hearing revocations from other replicas: the session cache is bypassed"
                );
            }
        }
    }
}

fn channel(redis: &Redis) -> String {
    redis.key("sessions-revoked")
}

/// Tells every replica that `user_id`'s sessions or profile changed. `false` if Redis could
/// not be told (the others' caches then expire within SESSION_CACHE_TTL, or are bypassed if
/// they lost Redis too).
pub async fn publish(redis: &Redis, user_id: &str) -> bool {
    let channel = channel(redis);
    redis
        .run(|mut connection| async move {
            redis::cmd("PUBLISH")
                .arg(&channel)
                .arg(user_id)
                .query_async::<i64>(&mut connection)
                .await
        })
        .await
        .is_some()
}

/// Listens for revocations until aborted: `forget(user_id)` for each, `clear()` whenever the
/// subscription is (re)established.
pub fn spawn_listener(
    redis: Arc<Redis>,
    listening: Arc<Listening>,
    forget: impl Fn(&str) + Send + 'static,
    clear: impl Fn() + Send + 'static,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let channel = channel(&redis);
        let timeout = redis.timeout();
        loop {
            let subscribed = async {
                let mut pubsub = redis.client().get_async_pubsub().await?;
                pubsub.subscribe(&channel).await?;
                Ok::<_, redis::RedisError>(pubsub)
            };
            if let Ok(Ok(pubsub)) = tokio::time::timeout(timeout * 4, subscribed).await {
                // Revocations published before now may have been missed.
                clear();
                listening.set(true);
                let (mut sink, mut stream) = pubsub.split();
                let mut check = tokio::time::interval(CHECK_INTERVAL);
                loop {
                    tokio::select! {
                        message = stream.next() => match message {
                            Some(message) => {
                                if let Ok(user_id) = message.get_payload::<String>() {
                                    forget(&user_id);
                                }
                            }
                            None => break,
                        },
                        _ = check.tick() => {
                            let pong = tokio::time::timeout(timeout, sink.ping::<redis::Value>()).await;
                            if !matches!(pong, Ok(Ok(_))) {
                                break;
                            }
                        }
                    }
                }
                listening.set(false);
            }
            tokio::time::sleep(CHECK_INTERVAL).await;
        }
    })
}
