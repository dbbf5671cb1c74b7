//! `starter matrix`: every configuration (database x docs, one locale set) generated under one
//! root, verified with one shared build cache, reported as a table and as JUnit XML.

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

/// Databases x docs, in the order that shares the most compiled crates between neighbours.
pub fn configurations(
    databases: &[Database],
    docs: &[bool],
    locales: &[String],
) -> Vec<Configuration> {
    let mut out = Vec::new();
    for &with_docs in docs {
        for &db in databases {
            let label = format!("{db}-{}", if with_docs { "docs" } else { "nodocs" });
            out.push(Configuration {
                answers: Answers {
                    name: format!("matrix-{label}"),
                    database: db,
                    cors_origins: vec!["http://localhost:3000".to_string()],
                    locales: locales.to_vec(),
                    default_locale: locales.first().cloned().unwrap_or_else(|| "en".into()),
                    docs: with_docs,
                    extra: Default::default(),
                },
                label,
            });
        }
    }
    out
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
    pub quiet: bool,
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
                    target_dir: options.target_dir.clone(),
                    quiet: options.quiet,
                    label: configuration.label.clone(),
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
        "{:<18} {:<7} {:>8} {:>8} {:>8} {:>8} {:>7}  {}\n",
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
            "{:<18} {:<7} {:>8} {:>8} {:>8} {:>8} {:>7}  {}\n",
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

    #[test]
    fn configurations_cover_databases_and_docs() {
        let c = configurations(&Database::ALL, &[true, false], &["en".into()]);
        let labels: Vec<&str> = c.iter().map(|c| c.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "sqlite-docs",
                "postgres-docs",
                "mysql-docs",
                "sqlite-nodocs",
                "postgres-nodocs",
                "mysql-nodocs"
            ]
        );
    }

    #[test]
    fn junit_escapes_and_counts() {
        let entries = vec![MatrixEntry {
            configuration: configurations(&[Database::Sqlite], &[true], &["en".into()]).remove(0),
            project: PathBuf::from("x"),
            outcome: Err("generation failed: <bad> & \"worse\"".into()),
        }];
        let xml = junit(&entries);
        assert!(xml.contains("failures=\"1\""), "{xml}");
        assert!(xml.contains("&lt;bad&gt; &amp; &quot;worse&quot;"), "{xml}");
    }
}
