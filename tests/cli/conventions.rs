//! Issue #14: the commands' arguments, help, completions and messages agree with each other.

use crate::common::starter;
use predicates::prelude::*;

#[test]
fn verify_takes_the_project_as_check_diff_and_update_do() {
    let tmp = tempfile::tempdir().unwrap();
    let nowhere = tmp.path().join("nowhere");
    for args in [
        vec!["verify", "-p"],
        vec!["verify", "--project"],
        vec!["verify"],
        vec!["check", "-p"],
        vec!["diff", "-p"],
    ] {
        starter()
            .args(&args)
            .arg(&nowhere)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("starter.toml"))
            .stderr(predicate::str::contains("-p DIR"))
            .stderr(predicate::str::contains("pass the directory of").not());
    }
}

#[test]
fn help_does_not_show_an_empty_environment_value() {
    for command in ["verify", "matrix", "new"] {
        starter()
            .env("STARTER_TARGET_DIR", "")
            .args([command, "--help"])
            .assert()
            .success()
            .stdout(predicate::str::contains("STARTER_TARGET_DIR=").not())
            .stdout(predicate::str::contains("~/.cache/rust-api-starter/target"));
    }
}

#[test]
fn completion_offers_the_shipped_locales_for_locale_flags() {
    let out = starter().args(["completions", "bash"]).output().unwrap();
    let script = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = script.lines().collect();
    let mut seen = 0;
    for pair in lines.windows(2) {
        if pair[0].contains("--locale)") || pair[0].contains("--default-locale)") {
            seen += 1;
            assert!(
                pair[1].contains("pt-BR") && pair[1].contains(" fr "),
                "{}",
                pair[1]
            );
        }
    }
    assert!(seen >= 3, "{script}");
}

#[test]
fn answers_file_errors_point_at_documentation_that_exists() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("answers.toml");
    std::fs::write(&file, "colour = \"blue\"\n").unwrap();
    starter()
        .args(["new", "x", "--answers"])
        .arg(&file)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("docs/answers.md").not());
}
