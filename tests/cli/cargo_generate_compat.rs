//! The template is a valid cargo-generate template: the real `cargo generate` renders it to
//! the same files as `starter new` with the same answers.

use std::process::Command;

use crate::common::{run_ok, skip_for_missing_tool, starter, tree};

fn cargo_generate_available() -> bool {
    Command::new("cargo")
        .args(["generate", "--version"])
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn cargo_generate_renders_the_same_files_as_starter() {
    if !cargo_generate_available() {
        skip_for_missing_tool(
            "cargo-generate is not installed (`cargo install cargo-generate@0.23.7 --locked`; .ci/run installs it)",
        );
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let template = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("template");
    let theirs_root = tmp.path().join("theirs");
    std::fs::create_dir(&theirs_root).unwrap();
    run_ok(
        Command::new("cargo")
            .args(["generate", "--path"])
            .arg(&template)
            .args(["--name", "compat-api", "--destination"])
            .arg(&theirs_root)
            .args([
                "--silent",
                "--vcs",
                "none",
                "-d",
                "database=postgres",
                "-d",
                "cors_origins=https://app.example.com,http://localhost:3000",
                "-d",
                "locales=en,de,fr",
                "-d",
                "default_locale=de",
                "-d",
                "docs=true",
            ])
            .env("CARGO_GENERATE_LOG", "error"),
    );
    let ours_root = tmp.path().join("ours");
    starter()
        .args([
            "new",
            "compat-api",
            "--no-git",
            "--db",
            "postgres",
            "--cors-origin",
            "https://app.example.com",
            "--cors-origin",
            "http://localhost:3000",
            "--locale",
            "de",
            "--locale",
            "fr",
            "--default-locale",
            "de",
            "--docs",
            "-o",
        ])
        .arg(&ours_root)
        .assert()
        .success();
    let theirs = tree(&theirs_root.join("compat-api"));
    let mut ours = tree(&ours_root);
    // Written by starter itself, outside the template: the secret and the project record.
    ours.remove(".env");
    ours.remove("starter.toml");
    let names =
        |t: &std::collections::BTreeMap<String, Vec<u8>>| t.keys().cloned().collect::<Vec<_>>();
    assert_eq!(
        names(&ours),
        names(&theirs),
        "the two renderers produce different file sets"
    );
    for (path, bytes) in &ours {
        assert!(
            bytes == &theirs[path],
            "{path} differs:\n--- starter\n{}\n--- cargo-generate\n{}",
            String::from_utf8_lossy(bytes),
            String::from_utf8_lossy(&theirs[path])
        );
    }
}
