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
    let template = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("template");
    // The default configuration, one with every switch off (`email` is issue #12's), and one
    // with Redis on (issue #13), crossed with docs on and emails off.
    let cases: [(&str, &[&str], &[&str]); 3] = [
        (
            "postgres-docs-email",
            &[
                "database=postgres",
                "cors_origins=https://app.example.com,http://localhost:3000",
                "locales=en,de,fr",
                "default_locale=de",
                "docs=true",
                "email=true",
                "redis=false",
            ],
            &[
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
                "--email",
                "--no-redis",
            ],
        ),
        (
            "mysql-nodocs-noemail",
            &[
                "database=mysql",
                "cors_origins=",
                "locales=en",
                "default_locale=en",
                "docs=false",
                "email=false",
                "redis=false",
            ],
            &[
                "--db",
                "mysql",
                "--no-cors",
                "--locale",
                "en",
                "--no-docs",
                "--no-email",
                "--no-redis",
            ],
        ),
        (
            "sqlite-docs-noemail-redis",
            &[
                "database=sqlite",
                "cors_origins=http://localhost:5173",
                "locales=en,es",
                "default_locale=en",
                "docs=true",
                "email=false",
                "redis=true",
            ],
            &[
                "--db",
                "sqlite",
                "--cors-origin",
                "http://localhost:5173",
                "--locale",
                "es",
                "--default-locale",
                "en",
                "--docs",
                "--no-email",
                "--redis",
            ],
        ),
    ];
    for (label, defines, flags) in cases {
        let tmp = tempfile::tempdir().unwrap();
        let theirs_root = tmp.path().join("theirs");
        std::fs::create_dir(&theirs_root).unwrap();
        let mut cargo_generate = Command::new("cargo");
        cargo_generate
            .args(["generate", "--path"])
            .arg(&template)
            .args(["--name", "compat-api", "--destination"])
            .arg(&theirs_root)
            .args(["--silent", "--vcs", "none"])
            .env("CARGO_GENERATE_LOG", "error");
        for define in defines {
            cargo_generate.args(["-d", define]);
        }
        run_ok(&mut cargo_generate);
        let ours_root = tmp.path().join("ours");
        starter()
            .args(["new", "compat-api", "--no-git"])
            .args(flags)
            .arg("-o")
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
            "{label}: the two renderers produce different file sets"
        );
        for (path, bytes) in &ours {
            assert!(
                bytes == &theirs[path],
                "{label}: {path} differs:\n--- starter\n{}\n--- cargo-generate\n{}",
                String::from_utf8_lossy(bytes),
                String::from_utf8_lossy(&theirs[path])
            );
        }
    }
}
