//! SQLite: a file database with WAL and foreign keys on.

use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

pub type Db = sqlx::Sqlite;
pub type Pool = sqlx::SqlitePool;

pub async fn connect(url: &str) -> Result<Pool, sqlx::Error> {
    let options = SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10));
    SqlitePoolOptions::new()
        .max_connections(8)
        .acquire_timeout(Duration::from_secs(5))
        .connect_with(options)
        .await
}

/// SQLite needs no server: a database is a file, created on first connect.
pub async fn create_database(_server_url: &str, _name: &str) -> Result<String, sqlx::Error> {
    Err(sqlx::Error::Configuration(
        "SQLite databases are files: use a path in DATABASE_URL".into(),
    ))
}

pub async fn drop_database(_server_url: &str, _name: &str) -> Result<(), sqlx::Error> {
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
