//! MySQL and MariaDB.

use std::time::Duration;

use sqlx::Connection;
use sqlx::mysql::MySqlPoolOptions;

pub type Db = sqlx::MySql;
pub type Pool = sqlx::MySqlPool;

pub async fn connect(url: &str) -> Result<Pool, sqlx::Error> {
    MySqlPoolOptions::new()
        .max_connections(16)
        .acquire_timeout(Duration::from_secs(5))
        .connect(url)
        .await
}

/// A failed connection in words an operator can act on: the server's own message, and for a
/// missing database, how to create it.
pub fn explain_connect_error(e: &sqlx::Error, url: &str) -> String {
    let number = match e {
        sqlx::Error::Database(d) => d
            .try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>()
            .map(|m| m.number()),
        _ => None,
    };
    match e {
        // ER_BAD_DB_ERROR
        sqlx::Error::Database(_) if number == Some(1049) => {
            let name = url
                .parse::<sqlx::mysql::MySqlConnectOptions>()
                .ok()
                .and_then(|o| o.get_database().map(str::to_string))
                .unwrap_or_else(|| "the database".to_string());
            format!(
                "database `{name}` does not exist on the MySQL server: create it (in the mysql client: CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;) or point DATABASE_URL at an existing database"
            )
        }
        sqlx::Error::Database(d) => d.message().to_string(),
        sqlx::Error::Io(io) => format!(
            "cannot reach the MySQL server ({io}): is it running, and do the host and port in DATABASE_URL point at it?"
        ),
        other => other.to_string(),
    }
}

/// For the tests (`test_support`): creates database `name` on the server of `server_url`;
/// returns its URL.
pub(crate) async fn create_database(server_url: &str, name: &str) -> Result<String, sqlx::Error> {
    let mut conn = sqlx::MySqlConnection::connect(server_url).await?;
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
    )))
    .execute(&mut conn)
    .await?;
    conn.close().await?;
    Ok(crate::test_support::db_url_with_database(server_url, name))
}

pub(crate) async fn drop_database(server_url: &str, name: &str) -> Result<(), sqlx::Error> {
    let mut conn = sqlx::MySqlConnection::connect(server_url).await?;
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS `{name}`"
    )))
    .execute(&mut conn)
    .await?;
    conn.close().await?;
    Ok(())
}

/// The statements, with `?` parameters (the `$n` dialects share `db/sql.rs`; keep the two lists
/// in step).
pub mod sql {
    pub const PING: &str = "SELECT 1";
    pub const INSERT_USER: &str =
        "INSERT INTO users (id, email, password_hash, created_at) VALUES (?, ?, ?, ?)";
    pub const USER_BY_EMAIL: &str = "SELECT id, password_hash FROM users WHERE email = ?";
    pub const USER_BY_ID: &str =
        "SELECT id, email, password_hash, created_at FROM users WHERE id = ?";
    pub const UPDATE_PASSWORD: &str = "UPDATE users SET password_hash = ? WHERE id = ?";
    pub const SESSION_BY_ID: &str =
        "SELECT id, email, created_at, session_epoch FROM users WHERE id = ?";
    pub const LOCK_USER: &str = "SELECT session_epoch FROM users WHERE id = ? FOR UPDATE";
    /// Locks the owner's row only: the subquery is a plain read, so racing rotations of one
    /// token queue on the user row and hold no refresh-token locks meanwhile (a join locked
    /// both, and InnoDB deadlocked the racers on the winner's INSERT).
    pub const LOCK_USER_OF_REFRESH: &str = "SELECT id, session_epoch FROM users \
        WHERE id = (SELECT user_id FROM refresh_tokens WHERE token_hash = ?) FOR UPDATE";
    pub const BUMP_EPOCH: &str = "UPDATE users SET session_epoch = session_epoch + 1 WHERE id = ?";
    pub const INSERT_REFRESH: &str = "INSERT INTO refresh_tokens \
        (id, user_id, token_hash, family_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)";
    pub const SPEND_REFRESH: &str = "UPDATE refresh_tokens SET spent_at = ? \
        WHERE token_hash = ? AND spent_at IS NULL AND revoked_at IS NULL AND expires_at > ?";
    /// A locking (current) read: under REPEATABLE READ a plain read would see the snapshot taken
    /// before the user-row lock was granted, missing a racer's committed rotation.
    pub const REFRESH_BY_HASH: &str = "SELECT user_id, family_id, expires_at, spent_at, revoked_at \
        FROM refresh_tokens WHERE token_hash = ? FOR UPDATE";
    pub const REVOKE_USER_REFRESH: &str =
        "UPDATE refresh_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL";
    pub const REVOKE_FAMILY: &str =
        "UPDATE refresh_tokens SET revoked_at = ? WHERE family_id = ? AND revoked_at IS NULL";
    pub const PURGE_REFRESH: &str =
        "DELETE FROM refresh_tokens WHERE expires_at <= ? OR revoked_at IS NOT NULL";

    // Used by `test_support` only.
    pub const REFRESH_HASHES: &str = "SELECT token_hash FROM refresh_tokens";
    pub const DELETE_USER: &str = "DELETE FROM users WHERE id = ?";
}
