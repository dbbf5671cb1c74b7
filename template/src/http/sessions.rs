//! Session revocation that takes effect at once, and the cache that keeps it cheap.
//!
//! Access tokens are stateless JWTs, so on its own a revoked session's access token would
//! live until it expires. Each token therefore carries its user's session epoch, and every
//! authenticated request checks it against the current one. `ApiContext::revoke_sessions` is
//! the one way to end all of a user's sessions (logout-all, password change, refresh-token
//! reuse; account deletion and password reset when they come): it moves the epoch on and
//! revokes every refresh token in one transaction, then clears the user's cache entry.
//!
//! The check must not cost a database read per request (`GET /users/me` is benchmarked
//! against a bare handler), so the epoch and the profile JSON are cached per user for
//! `SESSION_CACHE_TTL`. A revocation on this replica is seen by the next request (the cache
//! discards fills that raced with it); one made on another replica, or by hand in the
//! database (a deleted user row), is seen within the TTL.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;

use super::ApiContext;
use super::users::UserBody;
use crate::cache::TtlCache;
use crate::error::Error;
use crate::store;
use crate::tokens::Rejection;

/// How long a user's epoch and profile are served from memory: the longest a revocation made
/// elsewhere (another replica, or by hand in the database) goes unseen here.
pub const SESSION_CACHE_TTL: Duration = Duration::from_secs(5);
const SESSION_CACHE_CAPACITY: usize = 10_000;

/// What an authenticated request knows of its user.
pub struct Account {
    pub epoch: i64,
    /// The body of `GET /users/me`.
    pub profile: Bytes,
}

pub type SessionCache = TtlCache<Arc<Account>>;

pub fn new_cache() -> SessionCache {
    TtlCache::new(SESSION_CACHE_TTL, SESSION_CACHE_CAPACITY)
}

impl ApiContext {
    /// Ends every session of `user_id` at once: access tokens issued before are refused from
    /// the next request on (on this replica; within `SESSION_CACHE_TTL` on others), and every
    /// refresh token is revoked. `reason` goes into the `sessions_revoked` security event.
    pub async fn revoke_sessions(&self, user_id: &str, reason: &'static str) -> Result<(), Error> {
        store::revoke_sessions(&self.db, user_id, store::now()).await?;
        // After the commit: a fill that read the old epoch before it is discarded.
        self.sessions.invalidate(user_id);
        crate::security_event!(
            WARN,
            "sessions_revoked",
            account = %self.account_refs.of(user_id),
            reason
        );
        Ok(())
    }

    /// The account of a validly signed token of `user_id` with `epoch`, or why it is refused.
    pub(super) async fn session(
        &self,
        user_id: &str,
        epoch: i64,
    ) -> Result<Result<Arc<Account>, Rejection>, Error> {
        if let Some(account) = self.sessions.get(user_id) {
            // A newer epoch than the cached one was issued after a revocation elsewhere: look
            // again rather than refuse a fresh token. An older one is revoked.
            if account.epoch == epoch {
                return Ok(Ok(account));
            }
            if account.epoch > epoch {
                return Ok(Err(Rejection::Revoked));
            }
        }
        let ticket = self.sessions.ticket();
        let Some(user) = store::session_user(&self.db, user_id).await? else {
            return Ok(Err(Rejection::UnknownUser));
        };
        let profile = serde_json::to_vec(&UserBody::new(&user.id, &user.email, user.created_at))
            .map_err(|e| Error::Internal(format!("serializing a profile: {e}")))?;
        let account = Arc::new(Account {
            epoch: user.session_epoch,
            profile: Bytes::from(profile),
        });
        self.sessions.insert(ticket, user_id, account.clone());
        if account.epoch == epoch {
            Ok(Ok(account))
        } else {
            Ok(Err(Rejection::Revoked))
        }
    }
}

/// Deletes expired and revoked refresh tokens every `REFRESH_TOKEN_PURGE_INTERVAL_SECS`; the
/// server aborts the task when it stops.
pub fn spawn_purger(ctx: &ApiContext) -> tokio::task::JoinHandle<()> {
    let ctx = ctx.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(ctx.config.refresh_token_purge_interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match store::purge_refresh_tokens(&ctx.db, store::now()).await {
                Ok(0) => {}
                Ok(rows) => tracing::info!(rows, "purged expired and revoked refresh tokens"),
                Err(e) => tracing::warn!(error = %e, "purging refresh tokens failed"),
            }
        }
    })
}
