//! A throwaway PostgreSQL database for one benchmark run: created before the server starts,
//! dropped after it. (The generated project's own tests make theirs; only the benchmark runs
//! the server itself against PostgreSQL.)

use sqlx::Connection;

use starter::answers::Database;

/// Where one run's server keeps its data: a throwaway PostgreSQL database, or a SQLite file in a
/// temporary directory. `finish` drops the PostgreSQL one (async, so not in `Drop`).
pub struct RunDatabase {
    /// For DATABASE_URL.
    pub url: String,
    postgres: Option<ThrowawayDatabase>,
    _dir: tempfile::TempDir,
}

impl RunDatabase {
    pub async fn create(db: Database, postgres_url: &str) -> anyhow::Result<Self> {
        let dir = tempfile::tempdir()?;
        let postgres = match db {
            Database::Postgres => Some(ThrowawayDatabase::create(postgres_url).await?),
            _ => None,
        };
        let url = match &postgres {
            Some(p) => p.url.clone(),
            None => format!("sqlite://{}?mode=rwc", dir.path().join("run.db").display()),
        };
        Ok(Self {
            url,
            postgres,
            _dir: dir,
        })
    }

    /// The SQLite file, when the data is in one.
    pub fn sqlite_file(&self) -> Option<std::path::PathBuf> {
        self.postgres
            .is_none()
            .then(|| self._dir.path().join("run.db"))
    }

    /// The environment every run's server starts with: this database, a fresh JWT secret,
    /// migrations on start and the per-IP request limit lifted (so floods reach the handlers).
    pub fn server_env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("DATABASE_URL", self.url.clone()),
            ("JWT_SECRET", crate::scenarios::secret()),
            ("MIGRATE_ON_STARTUP", "true".to_string()),
            ("AUTH_RATE_LIMIT_BURST", "1000000000".to_string()),
            ("AUTH_RATE_LIMIT_REPLENISH_SECS", "1".to_string()),
        ]
    }

    pub async fn finish(self) -> anyhow::Result<()> {
        match self.postgres {
            Some(p) => p.drop().await,
            None => Ok(()),
        }
    }
}

pub struct ThrowawayDatabase {
    server_url: String,
    name: String,
    /// The URL of the new database, for DATABASE_URL.
    pub url: String,
}

/// `url` naming database `name` instead (the benchmark's server URLs carry no query).
fn with_database(url: &str, name: &str) -> String {
    let host = url.find("://").map_or(0, |i| i + 3);
    let path = url[host..].find('/').map_or(url.len(), |i| host + i);
    format!("{}/{name}", &url[..path])
}

impl ThrowawayDatabase {
    pub async fn create(server_url: &str) -> anyhow::Result<Self> {
        let mut bytes = [0u8; 8];
        getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
        let suffix: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let name = format!("starter_bench_{suffix}");
        let db = Self {
            server_url: server_url.to_string(),
            url: with_database(server_url, &name),
            name,
        };
        db.execute(format!("CREATE DATABASE \"{}\"", db.name))
            .await?;
        Ok(db)
    }

    pub async fn drop(self) -> anyhow::Result<()> {
        // FORCE closes connections a killed server left open (PostgreSQL 13+).
        self.execute(format!(
            "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
            self.name
        ))
        .await
    }

    async fn execute(&self, sql: String) -> anyhow::Result<()> {
        let mut conn = sqlx::PgConnection::connect(&self.server_url).await?;
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(&mut conn)
            .await?;
        let _ = conn.close().await;
        Ok(())
    }
}

#[test]
fn database_is_swapped_in_the_url() {
    assert_eq!(
        with_database("postgres://u:p@h:5432/test", "x"),
        "postgres://u:p@h:5432/x"
    );
    assert_eq!(
        with_database("postgres://h:5432", "x"),
        "postgres://h:5432/x"
    );
}
