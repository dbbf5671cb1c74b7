//! Plain SQL with bound parameters, one function per statement or transaction.
//!
//! Sessions: every transaction that issues, rotates or revokes them first locks the user row
//! (and reads its session epoch there), then touches refresh tokens. One lock order for all,
//! so a revocation and a concurrent login or refresh are serialized: whichever commits second
//! sees the other, and no session is issued with a refresh token that outlives a revocation.

use sqlx::Row;

use crate::db::{Pool, sql};
use crate::error::Error;

#[derive(Debug, Clone)]
pub struct User {
    pub id: String,
    pub email: String,
    pub password_hash: String,
    pub created_at: i64,
}

pub async fn ping(pool: &Pool) -> Result<(), Error> {
    sqlx::query(sql::PING).execute(pool).await?;
    Ok(())
}

pub async fn insert_user(pool: &Pool, user: &User) -> Result<(), Error> {
    let result = sqlx::query(sql::INSERT_USER)
        .bind(&user.id)
        .bind(&user.email)
        .bind(&user.password_hash)
        .bind(user.created_at)
        .execute(pool)
        .await;
    match result {
        Ok(_) => Ok(()),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Err(Error::EmailTaken),
        Err(e) => Err(e.into()),
    }
}

/// The id and password hash of the user with this (normalized) email.
pub async fn credentials_by_email(
    pool: &Pool,
    email: &str,
) -> Result<Option<(String, String)>, Error> {
    let row = sqlx::query(sql::USER_BY_EMAIL)
        .bind(email)
        .fetch_optional(pool)
        .await?;
    row.map(|r| Ok((r.try_get("id")?, r.try_get("password_hash")?)))
        .transpose()
        .map_err(|e: sqlx::Error| e.into())
}

pub async fn user_by_id(pool: &Pool, id: &str) -> Result<Option<User>, Error> {
    let row = sqlx::query(sql::USER_BY_ID)
        .bind(id)
        .fetch_optional(pool)
        .await?;
    row.map(|r| {
        Ok(User {
            id: r.try_get("id")?,
            email: r.try_get("email")?,
            password_hash: r.try_get("password_hash")?,
            created_at: r.try_get("created_at")?,
        })
    })
    .transpose()
    .map_err(|e: sqlx::Error| e.into())
}

/// What an authenticated request needs of its user: the profile and the session epoch.
#[derive(Debug, Clone)]
pub struct SessionUser {
    pub id: String,
    pub email: String,
    pub created_at: i64,
    pub session_epoch: i64,
}

pub async fn session_user(pool: &Pool, id: &str) -> Result<Option<SessionUser>, Error> {
    let row = sqlx::query(sql::SESSION_BY_ID)
        .bind(id)
        .fetch_optional(pool)
        .await?;
    row.map(|r| {
        Ok(SessionUser {
            id: r.try_get("id")?,
            email: r.try_get("email")?,
            created_at: r.try_get("created_at")?,
            session_epoch: r.try_get("session_epoch")?,
        })
    })
    .transpose()
    .map_err(|e: sqlx::Error| e.into())
}

pub async fn update_password(pool: &Pool, id: &str, hash: &str) -> Result<(), Error> {
    sqlx::query(sql::UPDATE_PASSWORD)
        .bind(hash)
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}

/// A refresh token as stored: only its hash.
pub struct NewRefreshToken<'a> {
    pub id: &'a str,
    pub user_id: &'a str,
    pub token_hash: &'a str,
    pub family_id: &'a str,
    pub created_at: i64,
    pub expires_at: i64,
}

/// Stores the first refresh token of a new session and returns the user's session epoch (for
/// the access token), in one transaction under the user-row lock; `None` if the user is gone.
pub async fn start_session(pool: &Pool, t: &NewRefreshToken<'_>) -> Result<Option<i64>, Error> {
    restarting_on_conflict(|| start_session_once(pool, t)).await
}

async fn start_session_once(
    pool: &Pool,
    t: &NewRefreshToken<'_>,
) -> Result<Option<i64>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let Some(row) = sqlx::query(sql::LOCK_USER)
        .bind(t.user_id)
        .fetch_optional(&mut *tx)
        .await?
    else {
        tx.rollback().await?;
        return Ok(None);
    };
    let epoch: i64 = row.try_get("session_epoch")?;
    sqlx::query(sql::INSERT_REFRESH)
        .bind(t.id)
        .bind(t.user_id)
        .bind(t.token_hash)
        .bind(t.family_id)
        .bind(t.created_at)
        .bind(t.expires_at)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Some(epoch))
}

#[derive(Debug, PartialEq, Eq)]
pub enum Rotation {
    /// The token was live and is now spent; its successor was stored. `epoch` is the user's
    /// session epoch, for the new access token.
    Rotated { user_id: String, epoch: i64 },
    /// The token had already been spent while its family was still live: a replay of a stolen
    /// token (or of one the client lost track of). Nothing is revoked yet: the caller revokes
    /// every session of the user (`ApiContext::revoke_sessions`).
    Reused { user_id: String },
    /// Unknown, expired, or revoked (its family ended by logout, reuse detection, logout-all
    /// or a password change). Replaying such a token revokes nothing more, so an old token
    /// cannot log its user out again and again.
    Invalid,
}

/// Spends `old_hash` and stores `new_hash` in its place, atomically: of many concurrent calls
/// with one token, one wins the conditional UPDATE; the rest see it spent.
pub async fn rotate_refresh_token(
    pool: &Pool,
    old_hash: &str,
    new_hash: &str,
    new_id: &str,
    now: i64,
) -> Result<Rotation, Error> {
    restarting_on_conflict(|| rotate_once(pool, old_hash, new_hash, new_id, now)).await
}

async fn rotate_once(
    pool: &Pool,
    old_hash: &str,
    new_hash: &str,
    new_id: &str,
    now: i64,
) -> Result<Rotation, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let Some(owner) = sqlx::query(sql::LOCK_USER_OF_REFRESH)
        .bind(old_hash)
        .fetch_optional(&mut *tx)
        .await?
    else {
        tx.rollback().await?;
        return Ok(Rotation::Invalid);
    };
    let user_id: String = owner.try_get("id")?;
    let epoch: i64 = owner.try_get("session_epoch")?;
    let spent = sqlx::query(sql::SPEND_REFRESH)
        .bind(now)
        .bind(old_hash)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    let row = sqlx::query(sql::REFRESH_BY_HASH)
        .bind(old_hash)
        .fetch_optional(&mut *tx)
        .await?;
    let Some(row) = row else {
        tx.rollback().await?;
        return Ok(Rotation::Invalid);
    };
    // The chain keeps its absolute expiry: rotation never extends a session.
    let expires_at: i64 = row.try_get("expires_at")?;
    if spent == 1 {
        let family_id: String = row.try_get("family_id")?;
        sqlx::query(sql::INSERT_REFRESH)
            .bind(new_id)
            .bind(&user_id)
            .bind(new_hash)
            .bind(&family_id)
            .bind(now)
            .bind(expires_at)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        return Ok(Rotation::Rotated { user_id, epoch });
    }
    tx.rollback().await?;
    let spent_at: Option<i64> = row.try_get("spent_at")?;
    let revoked_at: Option<i64> = row.try_get("revoked_at")?;
    // Theft is signalled only by a spent token of a live family: an expired or revoked one
    // is refused without revoking the user's other (possibly brand-new) sessions.
    if spent_at.is_some() && revoked_at.is_none() && expires_at > now {
        return Ok(Rotation::Reused { user_id });
    }
    Ok(Rotation::Invalid)
}

/// Moves the user's session epoch on (so every access token issued before is refused) and
/// revokes every refresh token of the user, in one transaction. Callers go through
/// `ApiContext::revoke_sessions`, which also clears the session cache.
pub async fn revoke_sessions(pool: &Pool, user_id: &str, now: i64) -> Result<(), Error> {
    restarting_on_conflict(|| revoke_sessions_once(pool, user_id, now)).await
}

async fn revoke_sessions_once(pool: &Pool, user_id: &str, now: i64) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query(sql::BUMP_EPOCH)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query(sql::REVOKE_USER_REFRESH)
        .bind(now)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

/// Ends the session (the whole rotation family) of a refresh token: its spent ancestors then
/// no longer count as a live family, so replaying one later revokes nothing. Returns the
/// owner, or `None` for an unknown token.
pub async fn revoke_family(
    pool: &Pool,
    token_hash: &str,
    now: i64,
) -> Result<Option<String>, Error> {
    let row = sqlx::query(sql::REFRESH_BY_HASH)
        .bind(token_hash)
        .fetch_optional(pool)
        .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let user_id: String = row.try_get("user_id")?;
    let family_id: String = row.try_get("family_id")?;
    restarting_on_conflict(|| {
        sqlx::query(sql::REVOKE_FAMILY)
            .bind(now)
            .bind(&family_id)
            .execute(pool)
    })
    .await?;
    Ok(Some(user_id))
}

/// Deletes refresh tokens past their absolute expiry and revoked ones (their replay is refused
/// the same way when the row is gone: unknown). Spent tokens of live families stay until the
/// family expires, as reuse detection needs them. Returns how many rows went.
pub async fn purge_refresh_tokens(pool: &Pool, now: i64) -> Result<u64, Error> {
    let done =
        restarting_on_conflict(|| sqlx::query(sql::PURGE_REFRESH).bind(now).execute(pool)).await?;
    Ok(done.rows_affected())
}

/// How many times a write that lost a deadlock is run in all.
const CONFLICT_ATTEMPTS: u32 = 5;

/// Runs `write` again when the database aborted it to break a deadlock or a serialization
/// conflict. InnoDB does so under concurrent refreshes of one token (the winner's INSERT needs
/// the gap that a waiting loser has queued for); its advice is "try restarting transaction".
/// A restarted rotation sees the token already spent, so the outcome is the one a serial
/// order would give, never a 500.
// A closure returning a future, not an async closure: the handlers' futures must be Send,
// and rustc cannot yet prove that through `AsyncFnMut`.
async fn restarting_on_conflict<T, F: Future<Output = Result<T, sqlx::Error>>>(
    mut write: impl FnMut() -> F,
) -> Result<T, Error> {
    let mut attempt = 1;
    loop {
        match write().await {
            Err(e) if attempt < CONFLICT_ATTEMPTS && is_conflict(&e) => attempt += 1,
            result => return result.map_err(Error::from),
        }
    }
}

/// SQLSTATE 40001 (serialization failure: InnoDB's deadlock victim, PostgreSQL's serializable
/// conflict) or 40P01 (PostgreSQL's deadlock victim).
fn is_conflict(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(e) => matches!(e.code().as_deref(), Some("40001" | "40P01")),
        _ => false,
    }
}

/// The current time in Unix seconds.
pub fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}
