//! The loop new -> API: a generated project passes fmt, clippy -D warnings and its own
//! security test suite. SQLite runs always; PostgreSQL and MySQL run with `--ignored` when a
//! server is named (STARTER_TEST_POSTGRES_URL, STARTER_TEST_MYSQL_URL), as .ci/run does.

mod common;

use std::path::Path;
use std::process::Command;

use common::{shared_target_dir, starter};

fn cargo(dir: &Path, args: &[&str], database_url: Option<&str>) {
    let mut cmd = Command::new("cargo");
    cmd.args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", shared_target_dir())
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_MAKEFLAGS");
    if let Some(url) = database_url {
        cmd.env("DATABASE_URL", url);
    }
    let out = cmd.output().expect("cargo runs");
    assert!(
        out.status.success(),
        "`cargo {}` failed in {}:\n{}\n{}",
        args.join(" "),
        dir.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn generate_and_check(db: &str, database_url: Option<&str>) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join(format!("gen-{db}"));
    starter()
        .args([
            "new",
            &format!("gen-{db}"),
            "--no-git",
            "--db",
            db,
            "--docs",
        ])
        .args(["--locale", "fr", "--locale", "de", "--default-locale", "en"])
        .args(["--cors-origin", "http://localhost:3000", "-o"])
        .arg(&dir)
        .assert()
        .success();
    cargo(&dir, &["fmt", "--check"], None);
    cargo(
        &dir,
        &["clippy", "--all-targets", "--", "-D", "warnings"],
        None,
    );
    cargo(&dir, &["test"], database_url);
}

#[test]
fn generated_sqlite_project_passes_fmt_clippy_and_its_security_suite() {
    generate_and_check("sqlite", None);
}

#[test]
#[ignore = "needs PostgreSQL: set STARTER_TEST_POSTGRES_URL and run with --ignored"]
fn generated_postgres_project_passes_fmt_clippy_and_its_security_suite() {
    let url = std::env::var("STARTER_TEST_POSTGRES_URL")
        .expect("set STARTER_TEST_POSTGRES_URL, e.g. postgres://postgres@127.0.0.1:5432/test");
    generate_and_check("postgres", Some(&url));
}

#[test]
#[ignore = "needs MySQL/MariaDB: set STARTER_TEST_MYSQL_URL and run with --ignored"]
fn generated_mysql_project_passes_fmt_clippy_and_its_security_suite() {
    let url = std::env::var("STARTER_TEST_MYSQL_URL")
        .expect("set STARTER_TEST_MYSQL_URL, e.g. mysql://root@127.0.0.1:3306/test");
    generate_and_check("mysql", Some(&url));
}
