//! PostgreSQL.

use std::time::Duration;

use sqlx::Connection;
use sqlx::postgres::PgPoolOptions;

pub type Db = sqlx::Postgres;
pub type Pool = sqlx::PgPool;

pub async fn connect(url: &str) -> Result<Pool, sqlx::Error> {
    PgPoolOptions::new()
        .max_connections(16)
        .acquire_timeout(Duration::from_secs(5))
        .connect(url)
        .await
}

/// Creates database `name` on the server of `server_url`; returns its URL.
pub async fn create_database(server_url: &str, name: &str) -> Result<String, sqlx::Error> {
    let mut conn = sqlx::PgConnection::connect(server_url).await?;
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
        .execute(&mut conn)
        .await?;
    conn.close().await?;
    Ok(crate::db_url_with_database(server_url, name))
}

pub async fn drop_database(server_url: &str, name: &str) -> Result<(), sqlx::Error> {
    let mut conn = sqlx::PgConnection::connect(server_url).await?;
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
    )))
    .execute(&mut conn)
    .await?;
    conn.close().await?;
    Ok(())
}

/// The statements, with numbered parameters.
pub mod sql {
    pub const PING: &str = "SELECT 1";
    pub const INSERT_USER: &str =
        "INSERT INTO users (id, email, password_hash, created_at) VALUES ($1, $2, $3, $4)";
    pub const USER_BY_EMAIL: &str = "SELECT id, password_hash FROM users WHERE email = $1";
    pub const USER_BY_ID: &str =
        "SELECT id, email, password_hash, created_at FROM users WHERE id = $1";
    pub const UPDATE_PASSWORD: &str = "UPDATE users SET password_hash = $1 WHERE id = $2";
    pub const INSERT_REFRESH: &str = "INSERT INTO refresh_tokens \
        (id, user_id, token_hash, family_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)";
    pub const SPEND_REFRESH: &str = "UPDATE refresh_tokens SET spent_at = $1 \
        WHERE token_hash = $2 AND spent_at IS NULL AND revoked_at IS NULL AND expires_at > $3";
    pub const REFRESH_BY_HASH: &str = "SELECT user_id, family_id, expires_at, spent_at, revoked_at \
        FROM refresh_tokens WHERE token_hash = $1";
    pub const REVOKE_USER_REFRESH: &str =
        "UPDATE refresh_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL";
    pub const REVOKE_REFRESH: &str =
        "UPDATE refresh_tokens SET revoked_at = $1 WHERE token_hash = $2 AND revoked_at IS NULL";
    pub const REFRESH_HASHES: &str = "SELECT token_hash FROM refresh_tokens";
}
