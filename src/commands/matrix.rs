//! `starter matrix`: every configuration generated and verified with one build cache.

use anyhow::Context;

use starter::answers::Database;
use starter::cli::MatrixArgs;
use starter::error::InputError;
use starter::template::Template;
use starter::verify::{self, matrix};

pub fn run(args: MatrixArgs) -> anyhow::Result<()> {
    let template = Template::embedded().context("the embedded template is broken")?;
    let available = template.locales();
    let locales = starter::answers::normalize_locales(args.locales.clone(), &available)?;
    let databases = if args.db.is_empty() {
        Database::ALL.to_vec()
    } else {
        args.db.clone()
    };
    let pinned = |on: bool, off: bool| match (on, off) {
        (true, _) => Some(vec![true]),
        (_, true) => Some(vec![false]),
        _ => None,
    };
    let (docs, email, redis) = (
        pinned(args.docs, args.no_docs),
        pinned(args.email, args.no_email),
        pinned(args.redis, args.no_redis),
    );
    // A pinned answer leaves few enough combinations to verify them all.
    let selection = if args.all_combinations || docs.is_some() || email.is_some() || redis.is_some()
    {
        matrix::Selection::Product {
            docs: docs.unwrap_or(vec![true, false]),
            email: email.unwrap_or(vec![true, false]),
            redis: redis.unwrap_or(vec![true, false]),
        }
    } else {
        matrix::Selection::Covering
    };
    let configurations = matrix::configurations(&databases, &selection, &locales);
    let mut missing = Vec::new();
    if databases.contains(&Database::Postgres) && args.postgres_url.is_none() {
        missing
            .push("--postgres-url URL (or STARTER_POSTGRES_URL) for the postgres configurations");
    }
    if databases.contains(&Database::Mysql) && args.mysql_url.is_none() {
        missing.push("--mysql-url URL (or STARTER_MYSQL_URL) for the mysql configurations");
    }
    let database_missing = !missing.is_empty();
    let has_redis = |c: &[matrix::Configuration]| c.iter().any(|c| c.answers.redis);
    if has_redis(&configurations) && args.redis_url.is_none() {
        missing.push("--redis-url URL (or STARTER_REDIS_URL) for the redis configurations");
    }
    if !missing.is_empty() {
        // SQLite alone needs no server but Redis, and the default selection has no SQLite
        // configuration with Redis.
        let sqlite = matrix::configurations(&[Database::Sqlite], &selection, &locales);
        let narrow = if args.redis_url.is_some() || !has_redis(&sqlite) {
            "--db sqlite"
        } else if database_missing {
            "--db sqlite --no-redis"
        } else {
            "--no-redis"
        };
        return Err(InputError::new(
            format!("no server named: {}", missing.join("; ")),
            format!("pass the URLs, or narrow the matrix with {narrow}"),
        )
        .into());
    }
    if let Some(python) = &args.smtp_python {
        verify::smtp::check_python(python)?;
    }
    for (db, url) in [
        (Database::Postgres, &args.postgres_url),
        (Database::Mysql, &args.mysql_url),
    ] {
        if let Some(url) = url {
            verify::database::check_url(db, url)?;
        }
    }
    if let Some(url) = &args.redis_url {
        verify::redis::check_url(url)?;
    }
    let root = tempfile::Builder::new()
        .prefix("starter-matrix-")
        .tempdir()?;
    let options = matrix::MatrixOptions {
        root: root.path(),
        target_dir: args
            .target_dir
            .clone()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or_else(starter::dirs::default_target_dir),
        postgres_url: args.postgres_url.clone(),
        mysql_url: args.mysql_url.clone(),
        redis_url: args.redis_url.clone(),
        quiet: args.quiet,
        smtp_python: args.smtp_python.clone(),
    };
    let entries = verify::runtime()?.block_on(matrix::run(&template, &configurations, &options))?;
    for entry in entries.iter().filter(|e| !e.ok()) {
        if let Ok(report) = &entry.outcome
            && let Some(failed) = report.failure()
        {
            eprintln!(
                "--- {} {} output ---\n{}\n---",
                entry.configuration.label,
                failed.phase.name(),
                failed.log.trim_end()
            );
        }
    }
    print!("{}", matrix::table(&entries));
    if let Some(path) = &args.junit {
        std::fs::write(path, matrix::junit(&entries))
            .with_context(|| format!("cannot write {}", path.display()))?;
        println!("JUnit report: {}", path.display());
    }
    if args.keep {
        println!("projects kept in {}", root.keep().display());
    }
    let failed = entries.iter().filter(|e| !e.ok()).count();
    anyhow::ensure!(
        failed == 0,
        "{failed} of {} configurations failed",
        entries.len()
    );
    Ok(())
}
