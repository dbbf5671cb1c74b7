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
