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

/// A failed connection in words an operator can act on. The file is created when missing; its
/// directory is not.
pub fn explain_connect_error(e: &sqlx::Error, url: &str) -> String {
    let file = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:")
        .split('?')
        .next()
        .unwrap_or_default();
    match e {
        // SQLITE_CANTOPEN
        sqlx::Error::Database(d) if d.code().as_deref() == Some("14") => format!(
            "cannot open the SQLite file `{file}`: create its directory (the file itself is created on first start) and check that this user may write there, or change DATABASE_URL"
        ),
        sqlx::Error::Database(d) => d.message().to_string(),
        other => other.to_string(),
    }
}
