//! A throwaway database on a PostgreSQL or MySQL server: created before the tests, dropped
//! after them, whatever happened in between.

use sqlx::Connection;

use crate::answers::Database;
use crate::error::InputError;

#[derive(Debug, thiserror::Error)]
pub enum DatabaseError {
    #[error(transparent)]
    Input(#[from] InputError),
    #[error("cannot {action} database `{name}` on {server}: {source}")]
    Server {
        action: &'static str,
        name: String,
        server: String,
        source: sqlx::Error,
    },
}

impl DatabaseError {
    /// Bad input (exit code 2 at the CLI edge).
    pub fn is_input(&self) -> bool {
        matches!(self, DatabaseError::Input(_))
    }
}

#[derive(Debug)]
pub struct ThrowawayDatabase {
    kind: Database,
    server_url: String,
    pub name: String,
    /// The URL of the new database, for DATABASE_URL.
    pub url: String,
}

/// The server URL without credentials, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            format!("{}://***{}", &url[..scheme_end], &url[at..])
        }
        _ => url.to_string(),
    }
}

/// Checks that `url` names a server of the project's database kind.
pub fn check_url(kind: Database, url: &str) -> Result<(), InputError> {
    let ok = match kind {
        Database::Postgres => url.starts_with("postgres://") || url.starts_with("postgresql://"),
        Database::Mysql => url.starts_with("mysql://") || url.starts_with("mariadb://"),
        Database::Sqlite => true,
    };
    if ok {
        Ok(())
    } else {
        let example = match kind {
            Database::Postgres => "postgres://postgres@127.0.0.1:5432/postgres",
            _ => "mysql://root@127.0.0.1:3306/mysql",
        };
        Err(InputError::new(
            format!("the database URL {} is not a {kind} URL", redact(url)),
            format!("pass a {kind} server, e.g. --database-url {example}"),
        ))
    }
}

/// `url` with its database (path) replaced by `name`, query kept.
pub fn with_database(url: &str, name: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_string();
    };
    let after = scheme_end + 3;
    let (base, query) = match url[after..].find('?') {
        Some(q) => (&url[..after + q], &url[after + q..]),
        None => (url, ""),
    };
    let authority_end = base[after..].find('/').map_or(base.len(), |i| after + i);
    format!("{}/{name}{query}", &base[..authority_end])
}

impl ThrowawayDatabase {
    pub async fn create(kind: Database, server_url: &str) -> Result<Self, DatabaseError> {
        check_url(kind, server_url)?;
        let mut bytes = [0u8; 8];
        getrandom::fill(&mut bytes).map_err(|e| {
            InputError::new(format!("no randomness for a database name: {e}"), "retry")
        })?;
        let suffix: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let name = format!("starter_verify_{suffix}");
        let db = Self {
            kind,
            server_url: server_url.to_string(),
            url: with_database(server_url, &name),
            name,
        };
        let sql = match kind {
            Database::Mysql => format!("CREATE DATABASE `{}`", db.name),
            _ => format!("CREATE DATABASE \"{}\"", db.name),
        };
        db.execute("create", sql).await?;
        Ok(db)
    }

    pub async fn drop(self) -> Result<(), DatabaseError> {
        match self.kind {
            Database::Mysql => {
                let sql = format!("DROP DATABASE IF EXISTS `{}`", self.name);
                self.execute("drop", sql).await
            }
            _ => {
                // FORCE closes connections a killed test left open (PostgreSQL 13+).
                let forced = format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name);
                match self.execute("drop", forced).await {
                    Ok(()) => Ok(()),
                    Err(_) => {
                        let sql = format!("DROP DATABASE IF EXISTS \"{}\"", self.name);
                        self.execute("drop", sql).await
                    }
                }
            }
        }
    }

    async fn execute(&self, action: &'static str, sql: String) -> Result<(), DatabaseError> {
        let err = |source| DatabaseError::Server {
            action,
            name: self.name.clone(),
            server: redact(&self.server_url),
            source,
        };
        let sql = sqlx::AssertSqlSafe(sql);
        match self.kind {
            Database::Mysql => {
                let mut conn = sqlx::MySqlConnection::connect(&self.server_url)
                    .await
                    .map_err(err)?;
                sqlx::raw_sql(sql).execute(&mut conn).await.map_err(err)?;
                let _ = conn.close().await;
            }
            _ => {
                let mut conn = sqlx::PgConnection::connect(&self.server_url)
                    .await
                    .map_err(err)?;
                sqlx::raw_sql(sql).execute(&mut conn).await.map_err(err)?;
                let _ = conn.close().await;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_is_swapped_in_the_url() {
        assert_eq!(
            with_database("postgres://u:p@h:5432/test?sslmode=disable", "x"),
            "postgres://u:p@h:5432/x?sslmode=disable"
        );
        assert_eq!(
            with_database("mysql://root@h:3306", "x"),
            "mysql://root@h:3306/x"
        );
        assert_eq!(
            with_database("mysql://root@h:3306/", "x"),
            "mysql://root@h:3306/x"
        );
    }

    #[test]
    fn credentials_are_redacted() {
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://***@h/db");
        assert_eq!(redact("postgres://h/db"), "postgres://h/db");
    }

    #[test]
    fn url_kind_must_match_the_project() {
        assert!(check_url(Database::Postgres, "postgresql://h/db").is_ok());
        assert!(check_url(Database::Postgres, "mysql://h/db").is_err());
        assert!(check_url(Database::Mysql, "mariadb://h/db").is_ok());
    }
}
