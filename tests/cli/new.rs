//! `starter new`: rendering every configuration, the files it writes, and its errors.

use crate::common::{entries, run_ok, starter, tree};
use predicates::prelude::*;

const DATABASES: [&str; 3] = ["sqlite", "postgres", "mysql"];

fn generate(dir: &std::path::Path, name: &str, extra: &[&str]) -> std::path::PathBuf {
    let out = dir.join(name);
    starter()
        .args(["new", name, "--no-git", "-o"])
        .arg(&out)
        .args(extra)
        .assert()
        .success();
    out
}

#[test]
fn every_database_renders_with_docs_on_and_off_and_several_locales() {
    let tmp = tempfile::tempdir().unwrap();
    for db in DATABASES {
        for docs in ["--docs", "--no-docs"] {
            let name = format!("api-{db}{}", if docs == "--docs" { "-docs" } else { "" });
            let out = generate(
                tmp.path(),
                &name,
                &[
                    "--db",
                    db,
                    docs,
                    // The emails follow the docs here, Redis goes against them; `matrix`
                    // verifies them crossed.
                    if docs == "--docs" {
                        "--email"
                    } else {
                        "--no-email"
                    },
                    if docs == "--docs" {
                        "--no-redis"
                    } else {
                        "--redis"
                    },
                    "--locale",
                    "fr",
                    "--locale",
                    "de",
                    "--default-locale",
                    "fr",
                    "--cors-origin",
                    "https://app.example.com",
                ],
            );
            let files = tree(&out);
            let text = |p: &str| {
                String::from_utf8(
                    files
                        .get(p)
                        .unwrap_or_else(|| panic!("{name}: no {p}"))
                        .clone(),
                )
                .unwrap()
            };
            let cargo = text("Cargo.toml");
            assert!(
                cargo.contains(&format!("name = \"{name}\"")),
                "{name}: {cargo}"
            );
            for other in DATABASES.iter().filter(|d| **d != db) {
                assert!(
                    !cargo.contains(&format!("\"{other}\"")),
                    "{name} pulls in {other}"
                );
            }
            assert!(
                cargo.contains(&format!("\"{db}\"")),
                "{name} lacks the {db} driver"
            );
            assert_eq!(
                cargo.contains("utoipa"),
                docs == "--docs",
                "{name}: docs deps"
            );
            // Issue #13: Redis and its files only with the answer on.
            let redis = docs != "--docs";
            assert_eq!(cargo.contains("\nredis = {"), redis, "{name}: redis deps");
            let shared: Vec<&String> = files
                .keys()
                .filter(|p| {
                    p.starts_with("src/shared/")
                        || *p == "tests/replicas.rs"
                        || *p == "deploy/nginx.conf"
                })
                .collect();
            if redis {
                assert_eq!(shared.len(), 6, "{name}: {shared:?} with Redis");
            } else {
                assert!(shared.is_empty(), "{name}: {shared:?} without Redis");
            }
            let locales: Vec<&str> = files
                .keys()
                .filter_map(|p| p.strip_prefix("locales/"))
                .filter(|p| !p.contains('/'))
                .collect();
            assert_eq!(locales, ["de.json", "en.json", "fr.json"], "{name}");
            // Mail catalogues (issue #12) come with the emails, for the chosen locales only.
            let mail: Vec<&str> = files
                .keys()
                .filter_map(|p| p.strip_prefix("locales/mail/"))
                .collect();
            if docs == "--docs" && !mail.is_empty() {
                assert_eq!(mail, ["de.json", "en.json", "fr.json"], "{name}");
            }
            if docs != "--docs" {
                assert!(mail.is_empty(), "{name}: {mail:?} without emails");
            }
            let record = text("starter.toml");
            assert!(record.contains(&format!("database = \"{db}\"")), "{record}");
            assert!(record.contains("default_locale = \"fr\""), "{record}");
            assert!(
                record.contains(&format!("\nemail = {}\n", docs == "--docs")),
                "{record}"
            );
            assert!(record.contains(&format!("\nredis = {redis}\n")), "{record}");
            assert!(
                text(".env.example").contains("https://app.example.com"),
                "{name}: CORS"
            );
            // Nothing is left unrendered.
            for (path, bytes) in &files {
                let body = String::from_utf8_lossy(bytes);
                assert!(!path.contains("{{") && !path.ends_with(".liquid"), "{path}");
                if !path.starts_with(".github/") {
                    assert!(
                        !body.contains("{{") && !body.contains("{%"),
                        "{name}: {path} has liquid left"
                    );
                }
            }
        }
    }
}

#[test]
fn dotenv_gets_a_fresh_secret_that_appears_nowhere_else() {
    let tmp = tempfile::tempdir().unwrap();
    let a = generate(tmp.path(), "one", &["--yes"]);
    let b = generate(tmp.path(), "two", &["--yes"]);
    let secret = |dir: &std::path::Path| {
        let env = std::fs::read_to_string(dir.join(".env")).unwrap();
        let line = env
            .lines()
            .find(|l| l.starts_with("JWT_SECRET="))
            .unwrap()
            .to_string();
        line["JWT_SECRET=".len()..].to_string()
    };
    let (sa, sb) = (secret(&a), secret(&b));
    assert_eq!(sa.len(), 64);
    assert!(sa.chars().all(|c| c.is_ascii_hexdigit()));
    assert_ne!(sa, sb);
    for (path, bytes) in tree(&a) {
        if path != ".env" {
            assert!(
                !String::from_utf8_lossy(&bytes).contains(&sa),
                "secret leaked into {path}"
            );
        }
    }
    let example = std::fs::read_to_string(a.join(".env.example")).unwrap();
    let placeholder = example
        .lines()
        .find(|l| l.starts_with("JWT_SECRET="))
        .unwrap();
    assert!(
        placeholder.len() - "JWT_SECRET=".len() < 32,
        "placeholder must be refused at start"
    );
    let gitignore = std::fs::read_to_string(a.join(".gitignore")).unwrap();
    assert!(gitignore.lines().any(|l| l.trim() == ".env"), "{gitignore}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(a.join(".env"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, ".env is readable by others: {mode:o}");
    }
}

#[test]
fn starter_toml_renders_the_same_files_again() {
    let tmp = tempfile::tempdir().unwrap();
    let first = generate(
        tmp.path(),
        "again",
        &[
            "--db",
            "postgres",
            "--locale",
            "es",
            "--default-locale",
            "es",
            "--no-docs",
            "--no-email",
            "--redis",
            "--cors-origin",
            "http://localhost:3000",
        ],
    );
    let second = tmp.path().join("copy");
    starter()
        .args(["new", "--no-git", "-o"])
        .arg(&second)
        .arg("--answers")
        .arg(first.join("starter.toml"))
        .assert()
        .success();
    let mut a = tree(&first);
    let mut b = tree(&second);
    assert_ne!(
        a.remove(".env"),
        b.remove(".env"),
        "each project gets its own secret"
    );
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (path, bytes) in &a {
        assert!(bytes == &b[path], "{path} differs");
    }
}

#[test]
fn flags_override_the_answers_file() {
    let tmp = tempfile::tempdir().unwrap();
    let answers = tmp.path().join("answers.toml");
    std::fs::write(
        &answers,
        "name = \"from-file\"\ndatabase = \"mysql\"\ncors_origins = []\nlocales = [\"en\"]\ndefault_locale = \"en\"\ndocs = false\nemail = true\nredis = true\n",
    )
    .unwrap();
    let out = tmp.path().join("p");
    starter()
        .args(["new", "--no-git", "--db", "sqlite", "-o"])
        .arg(&out)
        .arg("--answers")
        .arg(&answers)
        .assert()
        .success();
    let record = std::fs::read_to_string(out.join("starter.toml")).unwrap();
    assert!(record.contains("name = \"from-file\""), "{record}");
    assert!(record.contains("database = \"sqlite\""), "{record}");
    assert!(record.contains("docs = false"), "{record}");
    assert!(record.contains("\nemail = true\n"), "{record}");
    assert!(record.contains("\nredis = true\n"), "{record}");
}

#[test]
fn git_repository_is_created_even_without_a_git_identity() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let out = tmp.path().join("with-git");
    starter()
        .args(["new", "with-git", "--yes", "-o"])
        .arg(&out)
        .env("HOME", home.path())
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env_remove("EMAIL")
        .env_remove("GIT_AUTHOR_EMAIL")
        .env_remove("GIT_COMMITTER_EMAIL")
        .assert()
        .success()
        .stdout(predicate::str::contains("git: repository created"));
    let log = std::process::Command::new("git")
        .args(["log", "--oneline"])
        .current_dir(&out)
        .output()
        .unwrap();
    assert!(log.status.success());
    assert_eq!(String::from_utf8_lossy(&log.stdout).lines().count(), 1);
    let status = std::process::Command::new("git")
        .args(["status", "--porcelain", "--ignored"])
        .current_dir(&out)
        .output()
        .unwrap();
    // Everything is committed except the ignored .env.
    assert_eq!(String::from_utf8_lossy(&status.stdout).trim(), "!! .env");
}

/// Each case: the arguments, the text the error must contain, and nothing on disk after.
#[test]
fn bad_input_fails_with_exit_code_2_and_leaves_nothing() {
    let cases: &[(&[&str], &str)] = &[
        (&["new", "MyApi", "--yes"], "not a valid crate name"),
        (&["new", "fn", "--yes"], "Rust keyword"),
        (&["new", "test", "--yes"], "reserved"),
        (&["new", "1api", "--yes"], "not a valid crate name"),
        (
            &[
                "new",
                "ok-api",
                "--yes",
                "--cors-origin",
                "https://*.example.com",
            ],
            "wildcard",
        ),
        (
            &[
                "new",
                "ok-api",
                "--yes",
                "--cors-origin",
                "https://example.com/app",
            ],
            "path",
        ),
        (
            &[
                "new",
                "ok-api",
                "--yes",
                "--cors-origin",
                "ftp://example.com",
            ],
            "http:// or https://",
        ),
        (
            &["new", "ok-api", "--yes", "--locale", "xx"],
            "locale `xx` is not shipped",
        ),
        (
            &[
                "new",
                "ok-api",
                "--yes",
                "--locale",
                "fr",
                "--default-locale",
                "de",
            ],
            "default locale `de` is not among",
        ),
        (
            &["new", "ok-api", "--yes", "-d", "nonsense"],
            "expected KEY=VALUE",
        ),
        (
            &["new", "ok-api", "--yes", "-d", "unknown=1"],
            "not a question of this template",
        ),
    ];
    for (args, message) in cases {
        let tmp = tempfile::tempdir().unwrap();
        starter()
            .current_dir(tmp.path())
            .args(*args)
            .args(["--no-git"])
            .assert()
            .code(2)
            .stderr(predicate::str::contains(*message))
            .stderr(predicate::str::contains("fix:"));
        assert!(
            entries(tmp.path()).is_empty(),
            "{args:?} left {:?}",
            entries(tmp.path())
        );
    }
}

#[test]
fn clap_rejects_an_unknown_database_with_exit_code_2() {
    let tmp = tempfile::tempdir().unwrap();
    starter()
        .current_dir(tmp.path())
        .args(["new", "ok-api", "--db", "oracle"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("sqlite"));
    assert!(entries(tmp.path()).is_empty());
}

#[test]
fn an_existing_non_empty_directory_is_refused_and_kept_intact() {
    let tmp = tempfile::tempdir().unwrap();
    let target = tmp.path().join("taken");
    std::fs::create_dir(&target).unwrap();
    std::fs::write(target.join("keep.txt"), "mine").unwrap();
    starter()
        .current_dir(tmp.path())
        .args(["new", "taken", "--yes", "--no-git"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("already exists and is not empty"));
    assert_eq!(entries(tmp.path()), ["taken"]);
    assert_eq!(entries(&target), ["keep.txt"]);
    assert_eq!(
        std::fs::read_to_string(target.join("keep.txt")).unwrap(),
        "mine"
    );
}

#[test]
fn an_existing_empty_directory_is_used() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join("empty")).unwrap();
    starter()
        .current_dir(tmp.path())
        .args(["new", "empty", "--yes", "--no-git"])
        .assert()
        .success();
    assert!(tmp.path().join("empty/starter.toml").is_file());
    assert_eq!(entries(tmp.path()), ["empty"]);
}

#[test]
fn without_a_terminal_missing_answers_name_their_flags() {
    let tmp = tempfile::tempdir().unwrap();
    starter()
        .current_dir(tmp.path())
        .args(["new", "quiet-api", "--no-git"])
        .write_stdin("")
        .timeout(std::time::Duration::from_secs(20))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--db sqlite|postgres|mysql"))
        .stderr(predicate::str::contains("--cors-origin URL"))
        .stderr(predicate::str::contains("--locale TAG"))
        .stderr(predicate::str::contains("--docs or --no-docs"))
        .stderr(predicate::str::contains("--email or --no-email"))
        .stderr(predicate::str::contains("--redis or --no-redis"))
        .stderr(predicate::str::contains("--yes"));
    assert!(entries(tmp.path()).is_empty());
    // Every answer but the emails and Redis: those are still asked for, not defaulted.
    starter()
        .current_dir(tmp.path())
        .args(["new", "quiet-api", "--no-git", "--db", "mysql", "--no-cors"])
        .args(["--locale", "en", "--no-docs"])
        .write_stdin("")
        .timeout(std::time::Duration::from_secs(20))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--email or --no-email"))
        .stderr(predicate::str::contains("--redis or --no-redis"))
        .stderr(predicate::str::contains("--db").not());
    assert!(entries(tmp.path()).is_empty());
    // All answers given: no terminal needed, no default taken silently.
    starter()
        .current_dir(tmp.path())
        .args([
            "new",
            "quiet-api",
            "--no-git",
            "--db",
            "mysql",
            "--no-cors",
            "--locale",
            "en",
            "--no-docs",
            "--no-email",
            "--no-redis",
        ])
        .write_stdin("")
        .assert()
        .success();
    let record = std::fs::read_to_string(tmp.path().join("quiet-api/starter.toml")).unwrap();
    assert!(record.contains("\nemail = false\n"), "{record}");
    assert!(record.contains("\nredis = false\n"), "{record}");
}

#[test]
fn a_failed_render_leaves_no_half_written_directory() {
    // An unwritable parent makes the staging directory impossible: the error is clean and the
    // target never appears. (As root, permissions do not bind: use a file as the parent.)
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("file"), "x").unwrap();
    starter()
        .current_dir(tmp.path())
        .args(["new", "nested", "--yes", "--no-git", "-o", "file/nested"])
        .assert()
        .failure()
        .stderr(
            predicate::str::contains("does not exist")
                .or(predicate::str::contains("Not a directory")),
        );
    assert_eq!(entries(tmp.path()), ["file"]);
}

/// Ctrl-C while the project is being written (here: held inside its git commit by a
/// post-commit hook that waits for the test) removes the staging directory and exits 130.
#[cfg(unix)]
#[test]
fn ctrl_c_while_writing_leaves_no_half_written_directory() {
    use std::os::unix::fs::PermissionsExt;
    use std::time::{Duration, Instant};

    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path().join("work");
    std::fs::create_dir(&work).unwrap();
    let hooks = tmp.path().join("hooks");
    std::fs::create_dir(&hooks).unwrap();
    let marker = tmp.path().join("committing");
    let hook = hooks.join("post-commit");
    std::fs::write(
        &hook,
        "#!/bin/sh\ntouch \"$STARTER_TEST_MARKER\"\nwhile [ -e \"$STARTER_TEST_MARKER\" ]; do sleep 0.05; done\n",
    )
    .unwrap();
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    let gitconfig = tmp.path().join("gitconfig");
    std::fs::write(
        &gitconfig,
        format!("[core]\n\thooksPath = {}\n", hooks.display()),
    )
    .unwrap();

    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("starter"))
        .args(["new", "interrupted", "--yes", "-o"])
        .arg(work.join("interrupted"))
        .env("GIT_CONFIG_GLOBAL", &gitconfig)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("STARTER_TEST_MARKER", &marker)
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !marker.exists() {
        assert!(
            child.try_wait().unwrap().is_none(),
            "starter new ended before its git commit"
        );
        assert!(Instant::now() < deadline, "the post-commit hook never ran");
        std::thread::sleep(Duration::from_millis(10));
    }
    // The window is real: the project exists half-made, under its staging name.
    let staged = entries(&work);
    assert!(
        staged.len() == 1 && staged[0].starts_with(".starter-"),
        "{staged:?}"
    );

    let killed = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let out = child.wait_with_output().unwrap();
    // Release the hook (its git fails in the removed directory, as it should).
    std::fs::remove_file(&marker).unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    assert_eq!(entries(&work), Vec::<String>::new());
}

#[test]
fn version_locales_and_completions() {
    starter()
        .arg("--version")
        .assert()
        .success()
        .stdout(predicate::str::contains(env!("CARGO_PKG_VERSION")));
    let out = starter()
        .arg("locales")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8(out).unwrap();
    assert!(out.lines().next().unwrap().starts_with("en "), "{out}");
    for tag in ["fr", "de", "pt-BR", "zh-CN", "ja", "ar"] {
        assert!(
            out.lines()
                .any(|l| l.split_whitespace().next() == Some(tag)),
            "{tag} missing: {out}"
        );
    }
    for shell in ["bash", "zsh", "fish"] {
        starter()
            .args(["completions", shell])
            .assert()
            .success()
            .stdout(predicate::str::contains("starter"));
    }
}

#[test]
fn snapshot_of_the_sqlite_project() {
    let tmp = tempfile::tempdir().unwrap();
    let out = generate(
        tmp.path(),
        "snap-api",
        &[
            "--db",
            "sqlite",
            "--docs",
            "--email",
            "--no-redis",
            "--locale",
            "fr",
            "--default-locale",
            "en",
            "--cors-origin",
            "http://localhost:3000",
        ],
    );
    let files = tree(&out);
    let listing: Vec<&str> = files.keys().map(String::as_str).collect();
    let text = |p: &str| String::from_utf8(files[p].clone()).unwrap();
    // The snapshots predate the single test binary: keep their directory and names.
    insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!("new__sqlite_tree", listing.join("\n"));
        insta::assert_snapshot!("new__sqlite_cargo_toml", text("Cargo.toml"));
        insta::assert_snapshot!(
            "new__sqlite_starter_toml",
            text("starter.toml").replace(env!("CARGO_PKG_VERSION"), "[version]")
        );
        insta::assert_snapshot!("new__sqlite_env_example", text(".env.example"));
    });
}

#[test]
fn the_ci_workflow_parses_and_keeps_github_expressions() {
    let tmp = tempfile::tempdir().unwrap();
    for (db, service) in [
        ("sqlite", None),
        ("postgres", Some("postgres")),
        ("mysql", Some("mysql")),
    ] {
        let out = generate(tmp.path(), &format!("wf-{db}"), &["--yes", "--db", db]);
        let text = std::fs::read_to_string(out.join(".github/workflows/ci.yml")).unwrap();
        let yaml: serde_yaml::Value =
            serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{db}: {e}\n{text}"));
        let test_job = &yaml["jobs"]["test"];
        let steps: Vec<String> = test_job["steps"]
            .as_sequence()
            .unwrap()
            .iter()
            .filter_map(|s| s["run"].as_str().map(str::to_string))
            .collect();
        assert!(
            steps.iter().any(|r| r.contains("cargo fmt --check")),
            "{steps:?}"
        );
        assert!(
            steps
                .iter()
                .any(|r| r.contains("clippy") && r.contains("-D warnings")),
            "{steps:?}"
        );
        assert!(steps.iter().any(|r| r.contains("cargo test")), "{steps:?}");
        assert!(
            yaml["jobs"]["audit"]["steps"].as_sequence().is_some(),
            "cargo audit job"
        );
        match service {
            Some(name) => assert!(
                test_job["services"][name].is_mapping(),
                "{db}: no {name} service"
            ),
            None => assert!(
                test_job.get("services").is_none(),
                "sqlite needs no service"
            ),
        }
        assert!(
            text.contains("${{ github.workflow }}-${{ github.ref }}"),
            "GitHub expressions lost"
        );
    }
}

/// rustfmt's layout can depend on line lengths: the generated code must be formatted for the
/// shortest and the longest names, one locale or many, every database, docs on and off.
#[test]
fn generated_code_is_rustfmt_clean_for_any_name_and_locale_count() {
    let tmp = tempfile::tempdir().unwrap();
    let long = format!("a{}", "-long".repeat(9))
        .chars()
        .take(48)
        .collect::<String>();
    let long = long.trim_end_matches('-').to_string();
    let cases = [
        ("a", "sqlite", "--docs", vec![]),
        (
            long.as_str(),
            "postgres",
            "--no-docs",
            vec!["--locale", "fr", "--locale", "ja"],
        ),
        ("m", "mysql", "--docs", vec!["--locale", "de"]),
        (long.as_str(), "sqlite", "--no-docs", vec![]),
        ("p", "postgres", "--docs", vec![]),
        (
            long.as_str(),
            "mysql",
            "--no-docs",
            vec!["--locale", "ar", "--locale", "zh-CN", "--locale", "ru"],
        ),
    ];
    for (i, (name, db, docs, locales)) in cases.iter().enumerate() {
        let out = tmp.path().join(format!("p{i}"));
        starter()
            .args(["new", name, "--yes", "--no-git", "--db", db, docs])
            .args(locales)
            .arg("-o")
            .arg(&out)
            .assert()
            .success();
        eprintln!("cargo fmt --check: {name} {db} {docs} {locales:?}");
        run_ok(
            std::process::Command::new("cargo")
                .args(["fmt", "--check"])
                .current_dir(&out),
        );
    }
}

#[test]
fn a_define_on_a_builtin_question_is_honoured_as_its_flag() {
    let tmp = tempfile::tempdir().unwrap();
    let by_define = tmp.path().join("by-define");
    starter()
        .args(["new", "defined", "--no-git", "--yes", "-o"])
        .arg(&by_define)
        .args([
            "-d",
            "database=postgres",
            "-d",
            "docs=false",
            "-d",
            "email=false",
            "-d",
            "locales=en,fr",
            "-d",
            "default_locale=fr",
            "-d",
            "cors_origins=https://app.example.com",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("postgres database"))
        .stdout(predicate::str::contains(
            "(default fr), API docs off, account emails off, Redis off.",
        ));
    let by_flag = tmp.path().join("by-flag");
    starter()
        .args(["new", "defined", "--no-git", "--yes", "-o"])
        .arg(&by_flag)
        .args([
            "--db",
            "postgres",
            "--no-docs",
            "--no-email",
            "--locale",
            "fr",
        ])
        .args([
            "--default-locale",
            "fr",
            "--cors-origin",
            "https://app.example.com",
        ])
        .assert()
        .success();
    let (defined, flagged) = (tree(&by_define), tree(&by_flag));
    let text = |files: &std::collections::BTreeMap<String, Vec<u8>>, p: &str| {
        String::from_utf8(files[p].clone()).unwrap()
    };
    let record = text(&defined, "starter.toml");
    assert!(record.contains("database = \"postgres\""), "{record}");
    assert!(record.contains("\nemail = false\n"), "{record}");
    assert!(!record.contains("extra"), "{record}");
    // The same files, byte for byte, but for the secret in .env.
    let keys = |files: &std::collections::BTreeMap<String, Vec<u8>>| {
        files.keys().cloned().collect::<Vec<_>>()
    };
    assert_eq!(keys(&defined), keys(&flagged));
    for path in defined.keys().filter(|p| *p != ".env") {
        assert_eq!(defined[path], flagged[path], "{path}");
    }
    // Both the flag and -d for one question: ambiguous, refused.
    starter()
        .args(["new", "twice", "--no-git", "--yes", "--db", "sqlite"])
        .args(["-d", "database=postgres"])
        .current_dir(tmp.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("answered twice"));
    // A bad value is refused as the flag's would be.
    starter()
        .args(["new", "bad", "--no-git", "--yes", "-d", "database=oracle"])
        .current_dir(tmp.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("oracle"));
}

/// Issue #14: origins are stored as browsers send them, and `--cors-origin a,b` is two.
#[test]
fn cors_origins_are_normalized_and_a_flag_value_may_list_several() {
    let tmp = tempfile::tempdir().unwrap();
    let out = generate(
        tmp.path(),
        "origins",
        &[
            "--yes",
            "--cors-origin",
            "HTTPS://App.Example.com:443/",
            "--cors-origin",
            "http://localhost:5173,http://localhost:80",
        ],
    );
    let record = std::fs::read_to_string(out.join("starter.toml")).unwrap();
    assert!(
        record.contains(
            r#"cors_origins = ["https://app.example.com", "http://localhost:5173", "http://localhost"]"#
        ),
        "{record}"
    );
    let env = std::fs::read_to_string(out.join(".env")).unwrap();
    assert!(
        env.contains(
            "CORS_ALLOWED_ORIGINS=https://app.example.com,http://localhost:5173,http://localhost\n"
        ),
        "{env}"
    );
}

/// Issue #14: the docs a user chose are served by `cargo run` (.env), production defaults stay
/// off, the summary says where they are, and `.env`'s comments speak of `.env`.
#[test]
fn dotenv_enables_the_chosen_docs_and_speaks_of_itself() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("docs-on");
    starter()
        .args(["new", "docs-on", "--yes", "--no-git", "--docs", "-o"])
        .arg(&out)
        .assert()
        .success()
        .stdout(predicate::str::contains("http://127.0.0.1:8080/docs"));
    let env = std::fs::read_to_string(out.join(".env")).unwrap();
    let example = std::fs::read_to_string(out.join(".env.example")).unwrap();
    assert!(env.contains("\nDOCS_ENABLED=true\n"), "{env}");
    assert!(example.contains("\nDOCS_ENABLED=false\n"), "{example}");
    assert!(!env.contains("Copy to .env"), "{env}");
    assert!(!env.contains("too short on purpose"), "{env}");
    assert!(env.contains("written by `starter new`"), "{env}");

    let off = tmp.path().join("docs-off");
    starter()
        .args(["new", "docs-off", "--yes", "--no-git", "--no-docs", "-o"])
        .arg(&off)
        .assert()
        .success()
        .stdout(predicate::str::contains("8080/docs").not());
    let env = std::fs::read_to_string(off.join(".env")).unwrap();
    assert!(env.contains("\nDOCS_ENABLED=false\n"), "{env}");
}

/// Issue #14: `-o .` in an empty directory fills it (it cannot be replaced: it is the current
/// directory), and `-o deep/a/b` creates the missing parents.
#[test]
fn output_may_be_the_current_empty_directory_or_under_missing_parents() {
    let tmp = tempfile::tempdir().unwrap();
    let here = tmp.path().join("here");
    std::fs::create_dir(&here).unwrap();
    starter()
        .current_dir(&here)
        .args(["new", "here-api", "--yes", "-o", "."])
        .assert()
        .success();
    assert!(here.join("Cargo.toml").is_file());
    assert!(here.join(".git").is_dir());
    assert!(
        !entries(&here).iter().any(|e| e.starts_with(".starter-")),
        "{:?}",
        entries(&here)
    );

    starter()
        .current_dir(tmp.path())
        .args(["new", "deep-api", "--yes", "--no-git", "-o", "deep/a/b"])
        .assert()
        .success();
    assert!(tmp.path().join("deep/a/b/Cargo.toml").is_file());

    // A failure leaves none of the parents it made.
    starter()
        .current_dir(tmp.path())
        .args([
            "new", "bad-api", "--yes", "--no-git", "--locale", "xx", "-o", "new/x/y",
        ])
        .assert()
        .code(2);
    assert!(!tmp.path().join("new").exists());
}

/// Issue #14: a project inside another git work tree would get a nested repository: refused
/// with exit 2 naming --allow-nested-git; --allow-nested-git and --no-git proceed.
#[test]
fn new_inside_a_git_work_tree_is_refused_unless_allowed() {
    let tmp = tempfile::tempdir().unwrap();
    let outer = tmp.path().join("outer");
    std::fs::create_dir(&outer).unwrap();
    run_ok(
        std::process::Command::new("git")
            .args(["init", "-q"])
            .current_dir(&outer),
    );
    starter()
        .current_dir(&outer)
        .args(["new", "inner", "--yes"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("inside the git work tree"))
        .stderr(predicate::str::contains("--allow-nested-git"));
    assert_eq!(entries(&outer), [".git"]);
    starter()
        .current_dir(&outer)
        .args(["new", "inner", "--yes", "--allow-nested-git"])
        .assert()
        .success();
    assert!(outer.join("inner/.git").is_dir());
    starter()
        .current_dir(&outer)
        .args(["new", "plain", "--yes", "--no-git"])
        .assert()
        .success();
    assert!(!outer.join("plain/.git").exists());
}

/// Issue #14: an unknown locale suggests the shipped one it is close to.
#[test]
fn unknown_locales_suggest_the_close_shipped_ones() {
    let tmp = tempfile::tempdir().unwrap();
    for (given, suggested) in [("pt", "did you mean pt-BR?"), ("FR", "did you mean fr?")] {
        starter()
            .args(["new", "loc", "--yes", "--no-git", "--locale", given, "-o"])
            .arg(tmp.path().join("loc"))
            .assert()
            .code(2)
            .stderr(predicate::str::contains(suggested));
    }
}

/// Issue #12: the `email` answer, like `docs`: its flags, `-d`, an answers file (flags win),
/// the manifest's default with --yes, the record and the summary; bad or doubled answers are
/// refused with exit code 2.
#[test]
fn the_email_answer_comes_from_flags_defines_files_and_defaults_and_is_recorded() {
    let tmp = tempfile::tempdir().unwrap();
    let record = |dir: &std::path::Path| std::fs::read_to_string(dir.join("starter.toml")).unwrap();
    let cases: &[(&str, &[&str], bool)] = &[
        ("on", &["--yes", "--email"], true),
        ("off", &["--yes", "--no-email"], false),
        ("defined-on", &["--yes", "-d", "email=true"], true),
        ("defined-off", &["--yes", "-d", "email=false"], false),
        // The default is the manifest's.
        ("default", &["--yes"], true),
        // The last of the two flags wins, as for --docs/--no-docs.
        ("last-wins", &["--yes", "--email", "--no-email"], false),
    ];
    for (name, args, on) in cases {
        let out = tmp.path().join(name);
        starter()
            .args(["new", "mail-api", "--no-git", "-o"])
            .arg(&out)
            .args(*args)
            .assert()
            .success()
            .stdout(predicate::str::contains(format!(
                "account emails {}, Redis off.",
                if *on { "on" } else { "off" }
            )));
        assert!(
            record(&out).contains(&format!("\nemail = {on}\n")),
            "{name}: {}",
            record(&out)
        );
    }
    // The flag and -d render the same project.
    let (flagged, defined) = (
        tree(&tmp.path().join("off")),
        tree(&tmp.path().join("defined-off")),
    );
    assert_eq!(
        flagged.keys().collect::<Vec<_>>(),
        defined.keys().collect::<Vec<_>>()
    );
    for path in flagged.keys().filter(|p| *p != ".env") {
        assert_eq!(flagged[path], defined[path], "{path}");
    }

    // An answers file gives it; a flag overrides the file.
    let answers = tmp.path().join("answers.toml");
    std::fs::write(
        &answers,
        "name = \"mail-file\"\ndatabase = \"sqlite\"\ncors_origins = []\nlocales = [\"en\"]\ndefault_locale = \"en\"\ndocs = true\nemail = false\nredis = false\n",
    )
    .unwrap();
    for (name, flags, on) in [
        ("file", &[][..], false),
        ("file-flag", &["--email"][..], true),
    ] {
        let out = tmp.path().join(name);
        starter()
            .args(["new", "--no-git", "--answers"])
            .arg(&answers)
            .args(flags)
            .arg("-o")
            .arg(&out)
            .write_stdin("")
            .assert()
            .success();
        assert!(
            record(&out).contains(&format!("\nemail = {on}\n")),
            "{name}"
        );
    }
    // A project's own starter.toml renders it again with the same answer.
    let again = tmp.path().join("again");
    starter()
        .args(["new", "--no-git", "--answers"])
        .arg(tmp.path().join("off/starter.toml"))
        .arg("-o")
        .arg(&again)
        .write_stdin("")
        .assert()
        .success();
    assert!(record(&again).contains("\nemail = false\n"));

    for (args, message) in [
        (&["-d", "email=maybe"][..], "`email` must be true or false"),
        (&["--email", "-d", "email=true"][..], "answered twice"),
    ] {
        starter()
            .current_dir(tmp.path())
            .args(["new", "bad-mail", "--no-git", "--yes"])
            .args(args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(message))
            .stderr(predicate::str::contains("fix:"));
        assert!(!tmp.path().join("bad-mail").exists());
    }
    std::fs::write(&answers, "name = \"mail-file\"\nemail = \"yes\"\n").unwrap();
    starter()
        .current_dir(tmp.path())
        .args(["new", "--no-git", "--yes", "--answers"])
        .arg(&answers)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is invalid"));
    assert!(!tmp.path().join("mail-file").exists());
}

/// Issue #12: a starter.toml written before the `email` question existed stands for a project
/// without account emails, so `--answers` with it renders that project again (email off) even
/// with --yes; a plain answers file without `email` leaves the question open (the default with
/// --yes, an error naming the flags without a terminal).
#[test]
fn an_answers_file_that_predates_the_email_question() {
    let tmp = tempfile::tempdir().unwrap();
    let first = generate(tmp.path(), "older", &["--yes", "--no-email"]);
    let old_record = std::fs::read_to_string(first.join("starter.toml"))
        .unwrap()
        .replace("email = false\n", "");
    assert!(!old_record.contains("email ="), "{old_record}");
    let old = tmp.path().join("old-starter.toml");
    std::fs::write(&old, &old_record).unwrap();
    let out = tmp.path().join("from-old");
    starter()
        .args(["new", "--no-git", "--yes", "--answers"])
        .arg(&old)
        .arg("-o")
        .arg(&out)
        .assert()
        .success()
        .stdout(predicate::str::contains("account emails off"));
    // The same project, byte for byte, but for the secret.
    let (a, b) = (tree(&first), tree(&out));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for path in a.keys().filter(|p| *p != ".env") {
        assert_eq!(a[path], b[path], "{path}");
    }

    // Not a record: the question is open.
    let plain = tmp.path().join("plain.toml");
    std::fs::write(
        &plain,
        "name = \"plain-api\"\ndatabase = \"sqlite\"\ncors_origins = []\nlocales = [\"en\"]\ndefault_locale = \"en\"\ndocs = false\n",
    )
    .unwrap();
    starter()
        .current_dir(tmp.path())
        .args(["new", "--no-git", "--answers"])
        .arg(&plain)
        .write_stdin("")
        .timeout(std::time::Duration::from_secs(20))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--email or --no-email"));
    assert!(!tmp.path().join("plain-api").exists());
    starter()
        .current_dir(tmp.path())
        .args(["new", "--no-git", "--yes", "--answers"])
        .arg(&plain)
        .assert()
        .success()
        .stdout(predicate::str::contains("account emails on"));
}

/// Issue #12: with account emails on, the next steps say where development mail goes when
/// `.env` names a MAIL_DIR (the .eml file transport), and never with them off.
#[test]
fn the_next_steps_say_where_development_mail_goes() {
    let tmp = tempfile::tempdir().unwrap();
    for (name, flag) in [("mail-on", "--email"), ("mail-off", "--no-email")] {
        let out = tmp.path().join(name);
        let assert = starter()
            .args(["new", name, "--yes", "--no-git", flag, "-o"])
            .arg(&out)
            .assert()
            .success();
        let stdout = String::from_utf8_lossy(&assert.get_output().stdout).into_owned();
        let env = std::fs::read_to_string(out.join(".env")).unwrap();
        let mail_dir = env
            .lines()
            .find_map(|l| l.strip_prefix("MAIL_DIR="))
            .filter(|v| !v.trim().is_empty());
        match (flag, mail_dir) {
            ("--email", Some(dir)) => assert!(
                stdout.contains(&format!(
                    ".eml files into {} (MAIL_DIR in .env)",
                    dir.trim()
                )),
                "{stdout}"
            ),
            _ => assert!(!stdout.contains(".eml files"), "{stdout}"),
        }
    }
}

/// Issue #13: the `redis` answer, like `email`: its flags, `-d`, an answers file (flags win),
/// the manifest's default (off) with --yes, the record, the summary and the next steps (REDIS_URL
/// only with it on); a record written before the question renders its project again with Redis
/// off; bad or doubled answers are refused with exit code 2.
#[test]
fn the_redis_answer_comes_from_flags_defines_files_and_defaults_and_is_recorded() {
    let tmp = tempfile::tempdir().unwrap();
    let record = |dir: &std::path::Path| std::fs::read_to_string(dir.join("starter.toml")).unwrap();
    let cases: &[(&str, &[&str], bool)] = &[
        ("on", &["--yes", "--redis"], true),
        ("off", &["--yes", "--no-redis"], false),
        ("defined-on", &["--yes", "-d", "redis=true"], true),
        ("defined-off", &["--yes", "-d", "redis=false"], false),
        // The default is the manifest's: off.
        ("default", &["--yes"], false),
        ("last-wins", &["--yes", "--no-redis", "--redis"], true),
    ];
    for (name, args, on) in cases {
        let out = tmp.path().join(name);
        let assert = starter()
            .args(["new", "shared-api", "--no-git", "-o"])
            .arg(&out)
            .args(*args)
            .assert()
            .success()
            .stdout(predicate::str::contains(format!(
                "account emails on, Redis {}.",
                if *on { "on" } else { "off" }
            )));
        let stdout = String::from_utf8_lossy(&assert.get_output().stdout).into_owned();
        let next = stdout.split("Next:").nth(1).unwrap_or_default();
        assert_eq!(next.contains("REDIS_URL"), *on, "{name}: {stdout}");
        assert!(
            record(&out).contains(&format!("\nredis = {on}\n")),
            "{name}: {}",
            record(&out)
        );
        let cargo = std::fs::read_to_string(out.join("Cargo.toml")).unwrap();
        assert_eq!(cargo.contains("\nredis = {"), *on, "{name}: {cargo}");
    }
    // The flag and -d render the same project, with Redis on and off.
    for (flag, define) in [("on", "defined-on"), ("off", "defined-off")] {
        let (flagged, defined) = (tree(&tmp.path().join(flag)), tree(&tmp.path().join(define)));
        assert_eq!(
            flagged.keys().collect::<Vec<_>>(),
            defined.keys().collect::<Vec<_>>()
        );
        for path in flagged.keys().filter(|p| *p != ".env") {
            assert_eq!(flagged[path], defined[path], "{path}");
        }
    }

    // An answers file gives it; a flag overrides the file.
    let answers = tmp.path().join("answers.toml");
    std::fs::write(
        &answers,
        "name = \"shared-file\"\ndatabase = \"postgres\"\ncors_origins = []\nlocales = [\"en\"]\ndefault_locale = \"en\"\ndocs = true\nemail = true\nredis = true\n",
    )
    .unwrap();
    for (name, flags, on) in [
        ("file", &[][..], true),
        ("file-flag", &["--no-redis"][..], false),
    ] {
        let out = tmp.path().join(name);
        starter()
            .args(["new", "--no-git", "--answers"])
            .arg(&answers)
            .args(flags)
            .arg("-o")
            .arg(&out)
            .write_stdin("")
            .assert()
            .success();
        assert!(
            record(&out).contains(&format!("\nredis = {on}\n")),
            "{name}"
        );
    }
    // A project's own starter.toml renders it again with the same answer.
    let again = tmp.path().join("again");
    starter()
        .args(["new", "--no-git", "--answers"])
        .arg(tmp.path().join("on/starter.toml"))
        .arg("-o")
        .arg(&again)
        .write_stdin("")
        .assert()
        .success();
    assert!(record(&again).contains("\nredis = true\n"));

    // A record written before the question: Redis off, even with --yes, and the same files.
    let old_record = record(&tmp.path().join("off")).replace("redis = false\n", "");
    assert!(!old_record.contains("redis ="), "{old_record}");
    let old = tmp.path().join("old-starter.toml");
    std::fs::write(&old, &old_record).unwrap();
    let from_old = tmp.path().join("from-old");
    starter()
        .args(["new", "--no-git", "--yes", "--answers"])
        .arg(&old)
        .arg("-o")
        .arg(&from_old)
        .assert()
        .success()
        .stdout(predicate::str::contains("Redis off."));
    let (a, b) = (tree(&tmp.path().join("off")), tree(&from_old));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for path in a.keys().filter(|p| *p != ".env") {
        assert_eq!(a[path], b[path], "{path}");
    }

    for (args, message) in [
        (&["-d", "redis=maybe"][..], "`redis` must be true or false"),
        (&["--redis", "-d", "redis=true"][..], "answered twice"),
    ] {
        starter()
            .current_dir(tmp.path())
            .args(["new", "bad-shared", "--no-git", "--yes"])
            .args(args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(message))
            .stderr(predicate::str::contains("fix:"));
        assert!(!tmp.path().join("bad-shared").exists());
    }
}
