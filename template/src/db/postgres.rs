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

/// A failed connection in words an operator can act on: the server's own message without the
/// driver's source-line suffix, and for a missing database, how to create it.
pub fn explain_connect_error(e: &sqlx::Error, url: &str) -> String {
    match e {
        sqlx::Error::Database(d) if d.code().as_deref() == Some("3D000") => {
            let name = database_name(url);
            format!(
                "database \"{name}\" does not exist on the PostgreSQL server: create it (`createdb {name}`, or `CREATE DATABASE \"{name}\";` in psql) or point DATABASE_URL at an existing database"
            )
        }
        sqlx::Error::Database(d) => d.message().to_string(),
        sqlx::Error::Io(io) => format!(
            "cannot reach the PostgreSQL server ({io}): is it running, and do the host and port in DATABASE_URL point at it?"
        ),
        other => other.to_string(),
    }
}

fn database_name(url: &str) -> String {
    url.parse::<sqlx::postgres::PgConnectOptions>()
        .ok()
        .and_then(|o| o.get_database().map(str::to_string))
        .unwrap_or_else(|| "the database".to_string())
}

/// For the tests (`test_support`): creates database `name` on the server of `server_url`;
/// returns its URL.
pub(crate) async fn create_database(server_url: &str, name: &str) -> Result<String, sqlx::Error> {
    let mut conn = sqlx::PgConnection::connect(server_url).await?;
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
        .execute(&mut conn)
        .await?;
    conn.close().await?;
    Ok(crate::test_support::db_url_with_database(server_url, name))
}

pub(crate) async fn drop_database(server_url: &str, name: &str) -> Result<(), sqlx::Error> {
    let mut conn = sqlx::PgConnection::connect(server_url).await?;
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
    )))
    .execute(&mut conn)
    .await?;
    conn.close().await?;
    Ok(())
}
