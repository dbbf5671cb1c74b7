//! `starter matrix`: the configurations (database x docs x account emails x Redis, one locale
//! set) generated under one root, verified with one shared build cache, reported as a table and
//! as JUnit XML. The full product is 24 builds; by default seven cover what can break (see
//! `Selection::Covering` and docs/verify.md).

use std::path::{Path, PathBuf};

use crate::answers::{Answers, Database};
use crate::generate;
use crate::template::Template;

use super::progress::Progress;
use super::{VerifyError, VerifyOptions, VerifyReport};

#[derive(Debug, Clone)]
pub struct Configuration {
    pub label: String,
    pub answers: Answers,
}

/// The answers besides the database that a configuration varies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Features {
    pub docs: bool,
    pub email: bool,
    pub redis: bool,
}

impl Features {
    /// What most projects are: docs and emails on, no Redis.
    pub const DEFAULT: Features = Features {
        docs: true,
        email: true,
        redis: false,
    };
}

/// Which combinations of docs, account emails and Redis each database is verified with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    /// Seven builds for three databases: each database in the default configuration (docs
    /// and emails on, no Redis: what most projects are), plus sqlite with neither docs nor
    /// emails, postgres with emails and Redis but no docs (the email handlers without their
    /// OpenAPI annotations), mysql with docs but no emails (the OpenAPI document without the
    /// email endpoints) and mysql with docs, emails and Redis. So each database is verified
    /// with emails on, each answer both ways, each docs x email pair and each docs x Redis
    /// pair, and Redis on with PostgreSQL and MySQL (not SQLite), both times with emails on:
    /// of docs, emails and Redis, Redis without emails is the one pair of values never built
    /// (docs/verify.md lists the database pairs left out too).
    Covering,
    /// Every combination of the listed values, for each database.
    Product {
        docs: Vec<bool>,
        email: Vec<bool>,
        redis: Vec<bool>,
    },
}

impl Selection {
    /// The feature combinations `db` is verified with, the default configuration first.
    fn for_database(&self, db: Database) -> Vec<Features> {
        match self {
            Selection::Covering => {
                let variants: &[Features] = match db {
                    Database::Sqlite => &[Features {
                        docs: false,
                        email: false,
                        redis: false,
                    }],
                    Database::Postgres => &[Features {
                        docs: false,
                        email: true,
                        redis: true,
                    }],
                    Database::Mysql => &[
                        Features {
                            docs: true,
                            email: false,
                            redis: false,
                        },
                        Features {
                            docs: true,
                            email: true,
                            redis: true,
                        },
                    ],
                };
                std::iter::once(Features::DEFAULT)
                    .chain(variants.iter().copied())
                    .collect()
            }
            Selection::Product { docs, email, redis } => {
                // The default value first (on for docs and emails, off for Redis), so the
                // default configuration comes first.
                let ordered = |values: &[bool], default: bool| {
                    [default, !default]
                        .into_iter()
                        .filter(|v| values.contains(v))
                        .collect::<Vec<_>>()
                };
                let (docs, email) = (ordered(docs, true), ordered(email, true));
                let mut out = Vec::new();
                for redis in ordered(redis, false) {
                    for &docs in &docs {
                        for &email in &email {
                            out.push(Features { docs, email, redis });
                        }
                    }
                }
                out
            }
        }
    }
}

/// The configurations of `selection` for `databases`: every database's first combination
/// (the default, when selected), then every database's second, and so on.
pub fn configurations(
    databases: &[Database],
    selection: &Selection,
    locales: &[String],
) -> Vec<Configuration> {
    let per_database: Vec<(Database, Vec<Features>)> = databases
        .iter()
        .map(|&db| (db, selection.for_database(db)))
        .collect();
    let rounds = per_database.iter().map(|(_, f)| f.len()).max().unwrap_or(0);
    let mut out = Vec::new();
    for round in 0..rounds {
        for (db, features) in &per_database {
            if let Some(&features) = features.get(round) {
                out.push(configuration(*db, features, locales));
            }
        }
    }
    out
}

fn configuration(db: Database, features: Features, locales: &[String]) -> Configuration {
    // Without Redis, the labels are those from before the Redis question.
    let label = format!(
        "{db}-{}-{}{}",
        if features.docs { "docs" } else { "nodocs" },
        if features.email { "email" } else { "noemail" },
        if features.redis { "-redis" } else { "" }
    );
    Configuration {
        answers: Answers {
            name: format!("matrix-{label}"),
            database: db,
            cors_origins: vec!["http://localhost:3000".to_string()],
            locales: locales.to_vec(),
            default_locale: locales.first().cloned().unwrap_or_else(|| "en".into()),
            docs: features.docs,
            email: features.email,
            redis: features.redis,
            extra: Default::default(),
        },
        label,
    }
}

#[derive(Debug)]
pub struct MatrixEntry {
    pub configuration: Configuration,
    pub project: PathBuf,
    pub outcome: Result<VerifyReport, String>,
}

impl MatrixEntry {
    pub fn ok(&self) -> bool {
        self.outcome.as_ref().is_ok_and(VerifyReport::ok)
    }
}

pub struct MatrixOptions<'a> {
    pub root: &'a Path,
    pub target_dir: PathBuf,
    pub postgres_url: Option<String>,
    pub mysql_url: Option<String>,
    /// For the configurations with Redis (their tests' REDIS_URL).
    pub redis_url: Option<String>,
    pub quiet: bool,
    pub smtp_python: Option<PathBuf>,
}

pub async fn run(
    template: &Template,
    configurations: &[Configuration],
    options: &MatrixOptions<'_>,
) -> Result<Vec<MatrixEntry>, VerifyError> {
    let mut entries = Vec::new();
    for configuration in configurations {
        let project = options.root.join(&configuration.label);
        let generated = generate::generate(
            template,
            &configuration.answers,
            &generate::Options {
                target: project.clone(),
                git: false,
            },
        );
        let outcome = match generated {
            Err(e) => Err(format!("generation failed: {e}")),
            Ok(_) => {
                let verify_options = VerifyOptions {
                    dir: project.clone(),
                    database_url: match configuration.answers.database {
                        Database::Sqlite => None,
                        Database::Postgres => options.postgres_url.clone(),
                        Database::Mysql => options.mysql_url.clone(),
                    },
                    redis_url: if configuration.answers.redis {
                        options.redis_url.clone()
                    } else {
                        None
                    },
                    target_dir: options.target_dir.clone(),
                    quiet: options.quiet,
                    label: configuration.label.clone(),
                    smtp_python: options.smtp_python.clone(),
                };
                let progress = Progress::detect(options.quiet);
                match super::verify(&verify_options, &progress).await {
                    Ok(report) => Ok(report),
                    Err(VerifyError::Cargo(super::cargo::CargoError::Interrupted)) => {
                        return Err(VerifyError::Cargo(super::cargo::CargoError::Interrupted));
                    }
                    Err(e) => Err(e.to_string()),
                }
            }
        };
        entries.push(MatrixEntry {
            configuration: configuration.clone(),
            project,
            outcome,
        });
    }
    Ok(entries)
}

pub fn table(entries: &[MatrixEntry]) -> String {
    let mut s = format!(
        "{:<29} {:<7} {:>8} {:>8} {:>8} {:>8} {:>7}  {}\n",
        "configuration", "result", "fmt", "clippy", "build", "test", "tests", "failure"
    );
    for e in entries {
        let (cells, tests, failure) = match &e.outcome {
            Ok(report) => {
                let cell = |phase| {
                    report
                        .phases
                        .iter()
                        .find(|p| p.phase == phase)
                        .map(|p| {
                            format!(
                                "{:.0}s{}",
                                p.duration.as_secs_f64(),
                                if p.ok { "" } else { "!" }
                            )
                        })
                        .unwrap_or_else(|| "-".into())
                };
                let failure = report
                    .failure()
                    .map(|p| {
                        if p.tests_failed.is_empty() {
                            format!("{} failed", p.phase.name())
                        } else {
                            format!("tests failed: {}", p.tests_failed.join(", "))
                        }
                    })
                    .unwrap_or_default();
                (
                    super::Phase::ALL.map(cell),
                    report.tests_passed().to_string(),
                    failure,
                )
            }
            Err(why) => (
                ["-".to_string(), "-".into(), "-".into(), "-".into()],
                "-".into(),
                why.clone(),
            ),
        };
        s.push_str(&format!(
            "{:<29} {:<7} {:>8} {:>8} {:>8} {:>8} {:>7}  {}\n",
            e.configuration.label,
            if e.ok() { "ok" } else { "FAILED" },
            cells[0],
            cells[1],
            cells[2],
            cells[3],
            tests,
            failure
        ));
    }
    s
}

fn xml_escape(s: &str) -> String {
    s.chars()
        .filter(|c| *c == '\n' || *c == '\t' || !c.is_control())
        .map(|c| match c {
            '&' => "&amp;".to_string(),
            '<' => "&lt;".to_string(),
            '>' => "&gt;".to_string(),
            '"' => "&quot;".to_string(),
            '\'' => "&apos;".to_string(),
            c => c.to_string(),
        })
        .collect()
}

/// A JUnit XML report: one test case per configuration.
pub fn junit(entries: &[MatrixEntry]) -> String {
    let failures = entries.iter().filter(|e| !e.ok()).count();
    let time: f64 = entries
        .iter()
        .filter_map(|e| e.outcome.as_ref().ok())
        .map(|r| r.duration().as_secs_f64())
        .sum();
    let mut s = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    s.push_str(&format!(
        "<testsuites name=\"starter matrix\" tests=\"{}\" failures=\"{failures}\" time=\"{time:.3}\">\n",
        entries.len()
    ));
    s.push_str(&format!(
        "  <testsuite name=\"starter matrix\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" time=\"{time:.3}\">\n",
        entries.len()
    ));
    for e in entries {
        let t = e
            .outcome
            .as_ref()
            .map(|r| r.duration().as_secs_f64())
            .unwrap_or(0.0);
        s.push_str(&format!(
            "    <testcase classname=\"starter.matrix\" name=\"{}\" time=\"{t:.3}\"",
            xml_escape(&e.configuration.label)
        ));
        let failure = match &e.outcome {
            Ok(report) => report.failure().map(|p| {
                let message = if p.tests_failed.is_empty() {
                    format!("{} failed", p.phase.name())
                } else {
                    format!("tests failed: {}", p.tests_failed.join(", "))
                };
                (message, tail(&p.log, 200))
            }),
            Err(why) => Some((why.clone(), String::new())),
        };
        match failure {
            None => {
                let passed = e
                    .outcome
                    .as_ref()
                    .map(VerifyReport::tests_passed)
                    .unwrap_or(0);
                s.push_str(&format!(
                    ">\n      <system-out>{passed} security tests passed</system-out>\n    </testcase>\n"
                ));
            }
            Some((message, log)) => s.push_str(&format!(
                ">\n      <failure message=\"{}\">{}</failure>\n    </testcase>\n",
                xml_escape(&message),
                xml_escape(&log)
            )),
        }
    }
    s.push_str("  </testsuite>\n</testsuites>\n");
    s
}

fn tail(log: &str, lines: usize) -> String {
    let all: Vec<&str> = log.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(c: &[Configuration]) -> Vec<&str> {
        c.iter().map(|c| c.label.as_str()).collect()
    }

    #[test]
    fn the_default_selection_covers_every_database_answer_and_pair_in_seven_builds() {
        let c = configurations(&Database::ALL, &Selection::Covering, &["en".into()]);
        assert_eq!(
            labels(&c),
            [
                "sqlite-docs-email",
                "postgres-docs-email",
                "mysql-docs-email",
                "sqlite-nodocs-noemail",
                "postgres-nodocs-email-redis",
                "mysql-docs-noemail",
                "mysql-docs-email-redis",
            ]
        );
        // Checked from the answers, not the labels.
        let has = |db: Option<Database>, f: &dyn Fn(&Answers) -> bool| {
            c.iter()
                .any(|c| db.is_none_or(|d| c.answers.database == d) && f(&c.answers))
        };
        for db in Database::ALL {
            assert!(
                has(Some(db), &|a| a.docs && a.email && !a.redis),
                "{db}: the default"
            );
            assert!(has(Some(db), &|a| a.email), "{db} with emails");
        }
        // Redis with both server databases, with emails on (the one pair left out is Redis
        // with emails off).
        for db in [Database::Postgres, Database::Mysql] {
            assert!(has(Some(db), &|a| a.redis && a.email), "{db} with Redis");
        }
        assert!(!has(None, &|a| a.redis && !a.email));
        for x in [true, false] {
            for y in [true, false] {
                assert!(
                    has(None, &|a| a.docs == x && a.email == y),
                    "docs {x} email {y}"
                );
                assert!(
                    has(None, &|a| a.docs == x && a.redis == y),
                    "docs {x} redis {y}"
                );
            }
        }
        for on in [true, false] {
            // Each answer both ways on more than one database.
            let dbs = |f: &dyn Fn(&Answers) -> bool| {
                c.iter()
                    .filter(|c| f(&c.answers))
                    .map(|c| c.answers.database)
                    .collect::<std::collections::HashSet<_>>()
                    .len()
            };
            assert!(dbs(&|a| a.docs == on) >= 2, "docs {on}");
            assert!(dbs(&|a| a.email == on) >= 2, "email {on}");
            assert!(dbs(&|a| a.redis == on) >= 2, "redis {on}");
        }
        // Each configuration once, under a name of its own.
        let distinct: std::collections::BTreeSet<&str> = labels(&c).into_iter().collect();
        assert_eq!(distinct.len(), c.len());
    }

    #[test]
    fn a_pinned_answer_gives_every_combination_of_the_rest() {
        let c = configurations(
            &[Database::Postgres],
            &Selection::Product {
                docs: vec![true, false],
                email: vec![false],
                redis: vec![false],
            },
            &["en".into()],
        );
        assert_eq!(
            labels(&c),
            ["postgres-docs-noemail", "postgres-nodocs-noemail"]
        );
        let c = configurations(
            &[Database::Sqlite],
            &Selection::Product {
                docs: vec![true],
                email: vec![true, false],
                redis: vec![true, false],
            },
            &["en".into()],
        );
        assert_eq!(
            labels(&c),
            [
                "sqlite-docs-email",
                "sqlite-docs-noemail",
                "sqlite-docs-email-redis",
                "sqlite-docs-noemail-redis",
            ]
        );
        assert!(
            c.iter()
                .all(|c| c.answers.redis == c.label.ends_with("-redis"))
        );
        let all = configurations(
            &Database::ALL,
            &Selection::Product {
                docs: vec![false, true],
                email: vec![false, true],
                redis: vec![true, false],
            },
            &["en".into()],
        );
        assert_eq!(all.len(), 24);
        assert_eq!(all[0].label, "sqlite-docs-email");
        let distinct: std::collections::BTreeSet<&str> = labels(&all).into_iter().collect();
        assert_eq!(distinct.len(), 24);
        // Only the chosen databases, the default first.
        let c = configurations(&[Database::Mysql], &Selection::Covering, &["en".into()]);
        assert_eq!(
            labels(&c),
            [
                "mysql-docs-email",
                "mysql-docs-noemail",
                "mysql-docs-email-redis"
            ]
        );
    }

    #[test]
    fn junit_escapes_and_counts() {
        let entries = vec![MatrixEntry {
            configuration: configurations(
                &[Database::Sqlite],
                &Selection::Covering,
                &["en".into()],
            )
            .remove(0),
            project: PathBuf::from("x"),
            outcome: Err("generation failed: <bad> & \"worse\"".into()),
        }];
        let xml = junit(&entries);
        assert!(xml.contains("failures=\"1\""), "{xml}");
        assert!(xml.contains("&lt;bad&gt; &amp; &quot;worse&quot;"), "{xml}");
    }
}
