//! Plain SQL with bound parameters, one function per statement or transaction.

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

pub async fn insert_refresh_token(pool: &Pool, t: &NewRefreshToken<'_>) -> Result<(), Error> {
    restarting_on_conflict(move || {
        sqlx::query(sql::INSERT_REFRESH)
            .bind(t.id)
            .bind(t.user_id)
            .bind(t.token_hash)
            .bind(t.family_id)
            .bind(t.created_at)
            .bind(t.expires_at)
            .execute(pool)
    })
    .await?;
    Ok(())
}

#[derive(Debug, PartialEq, Eq)]
pub enum Rotation {
    /// The token was live and is now spent; its successor was stored.
    Rotated { user_id: String },
    /// The token had already been spent: a replay. Every token of the user is now revoked.
    Reused { user_id: String },
    /// Unknown, expired or revoked.
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
    let user_id: String = row.try_get("user_id")?;
    if spent == 1 {
        let family_id: String = row.try_get("family_id")?;
        // The chain keeps its absolute expiry: rotation never extends a session.
        let expires_at: i64 = row.try_get("expires_at")?;
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
        return Ok(Rotation::Rotated { user_id });
    }
    let spent_at: Option<i64> = row.try_get("spent_at")?;
    if spent_at.is_some() {
        sqlx::query(sql::REVOKE_USER_REFRESH)
            .bind(now)
            .bind(&user_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        return Ok(Rotation::Reused { user_id });
    }
    tx.rollback().await?;
    Ok(Rotation::Invalid)
}

pub async fn revoke_user_refresh_tokens(pool: &Pool, user_id: &str, now: i64) -> Result<(), Error> {
    restarting_on_conflict(move || {
        sqlx::query(sql::REVOKE_USER_REFRESH)
            .bind(now)
            .bind(user_id)
            .execute(pool)
    })
    .await?;
    Ok(())
}

pub async fn revoke_refresh_token(pool: &Pool, token_hash: &str, now: i64) -> Result<(), Error> {
    restarting_on_conflict(move || {
        sqlx::query(sql::REVOKE_REFRESH)
            .bind(now)
            .bind(token_hash)
            .execute(pool)
    })
    .await?;
    Ok(())
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

/// Every stored refresh-token hash (for the tests that check nothing else is stored).
pub async fn refresh_token_hashes(pool: &Pool) -> Result<Vec<String>, Error> {
    let rows = sqlx::query(sql::REFRESH_HASHES).fetch_all(pool).await?;
    rows.iter()
        .map(|r| r.try_get("token_hash").map_err(Error::from))
        .collect()
}

/// The current time in Unix seconds.
pub fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}
