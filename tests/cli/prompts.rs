//! The interactive questions, answered in a real pseudo-terminal.

#![cfg(unix)]

use std::process::Command;

use rexpect::session::PtySession;

/// `starter new ARGS` in a pseudo-terminal, in `dir`.
fn spawn(dir: &std::path::Path, args: &[&str]) -> PtySession {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("starter"));
    cmd.current_dir(dir).arg("new").args(args);
    cmd.env("TERM", "xterm").env("NO_COLOR", "1");
    rexpect::session::spawn_command(cmd, Some(20_000)).expect("spawn in a pty")
}

/// Sends `keys` once the prompt has drawn itself (the terminal is in raw mode by then).
fn send(p: &mut PtySession, keys: &str) {
    std::thread::sleep(std::time::Duration::from_millis(300));
    p.send(keys).unwrap();
    p.flush().unwrap();
}

#[test]
fn prompts_in_a_pseudo_terminal_produce_the_answers_typed() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("tty-api");
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("starter"));
    cmd.args(["new", "tty-api", "--no-git", "-o"]).arg(&out);
    cmd.env("TERM", "xterm").env("NO_COLOR", "1");
    let mut p = rexpect::session::spawn_command(cmd, Some(20_000)).expect("spawn in a pty");

    // Keys are sent once each prompt has drawn itself (the terminal is in raw mode by then).
    let pause = || std::thread::sleep(std::time::Duration::from_millis(300));
    p.exp_string("MySQL / MariaDB").unwrap();
    pause();
    // Down once: PostgreSQL.
    p.send("\x1b[B").unwrap();
    p.flush().unwrap();
    pause();
    p.send("\r").unwrap();
    p.flush().unwrap();
    p.exp_string("CORS allowed origins").unwrap();
    pause();
    p.send("http://localhost:5173\r").unwrap();
    p.flush().unwrap();
    p.exp_string("Locales").unwrap();
    pause();
    // en is always included (not a row); move to the second entry and toggle it.
    for key in ["\x1b[B", " ", "\r"] {
        p.send(key).unwrap();
        p.flush().unwrap();
        pause();
    }
    p.exp_string("Default locale").unwrap();
    pause();
    p.send("\r").unwrap();
    p.flush().unwrap();
    p.exp_string("Generate API docs").unwrap();
    pause();
    p.send("n").unwrap();
    p.flush().unwrap();
    p.exp_string("Next:").unwrap();
    p.exp_eof().unwrap();

    let record = std::fs::read_to_string(out.join("starter.toml")).unwrap();
    assert!(record.contains("database = \"postgres\""), "{record}");
    assert!(
        record.contains("cors_origins = [\"http://localhost:5173\"]"),
        "{record}"
    );
    assert!(record.contains("docs = false"), "{record}");
    let locales: Vec<String> = crate::common::tree(&out)
        .keys()
        .filter(|p| p.starts_with("locales/"))
        .cloned()
        .collect();
    assert_eq!(locales.len(), 2, "{locales:?}");
    assert!(record.contains("default_locale = \"en\""), "{record}");
}

/// Issue #14: a typed name whose directory is taken is refused at once, not after every other
/// question.
#[test]
fn a_typed_name_is_checked_against_its_directory_at_once() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join("demo")).unwrap();
    std::fs::write(tmp.path().join("demo/keep"), "").unwrap();
    let mut p = spawn(tmp.path(), &["--no-git"]);
    p.exp_string("Project name").unwrap();
    send(&mut p, "demo\r");
    p.exp_string("already exists and is not empty").unwrap();
    // Still at the name: another one goes on to the next question.
    for _ in 0..4 {
        send(&mut p, "\x7f");
    }
    send(&mut p, "fresh\r");
    p.exp_string("MySQL / MariaDB").unwrap();
    send(&mut p, "\x03");
    p.exp_eof().unwrap();
    assert_eq!(crate::common::entries(tmp.path()), ["demo"]);
}

/// Issue #14: Ctrl-C at a select leaves the cursor visible (dialoguer hides it) and exits 130.
#[test]
fn ctrl_c_at_a_select_restores_the_cursor() {
    let tmp = tempfile::tempdir().unwrap();
    let mut p = spawn(tmp.path(), &["ctrlc-api", "--no-git"]);
    p.exp_string("MySQL / MariaDB").unwrap();
    send(&mut p, "\x03");
    let (_, _) = p.exp_regex("\\x1b\\[\\?25h").unwrap();
    p.exp_eof().unwrap();
    let status = p.process.wait().unwrap();
    assert!(
        matches!(status, rexpect::process::wait::WaitStatus::Exited(_, 130)),
        "{status:?}"
    );
    assert!(crate::common::entries(tmp.path()).is_empty());
}

/// Issue #14: the locales' active row is marked without colour, `en` cannot be unticked (it is
/// no row), the summary lists tags without padding, and a bad origin is offered again as typed.
#[test]
fn prompts_read_without_colour_and_keep_what_was_typed() {
    let tmp = tempfile::tempdir().unwrap();
    let mut p = spawn(tmp.path(), &["polish-api", "--no-git", "--db", "sqlite"]);
    p.exp_string("CORS allowed origins").unwrap();
    send(&mut p, "http://localhost:5173,ftp://x\r");
    p.exp_string("must start with http").unwrap();
    // The line comes back as typed: drop the bad origin only.
    for _ in 0.."ftp://x".len() + 1 {
        send(&mut p, "\x7f");
    }
    send(&mut p, "\r");
    p.exp_string("en is always included").unwrap();
    // rexpect reads bytes as Latin-1 characters.
    let active: String = "❯ ⬚ ar".bytes().map(char::from).collect();
    p.exp_string(&active).unwrap();
    send(&mut p, " ");
    send(&mut p, "\r");
    let (_, summary) = p.exp_regex("Locales[^\\n]*\\r?\\n").unwrap();
    assert!(!summary.contains("  "), "{summary:?}");
    p.exp_string("Default locale").unwrap();
    send(&mut p, "\r");
    p.exp_string("Generate API docs").unwrap();
    send(&mut p, "n");
    p.exp_string("Next:").unwrap();
    p.exp_eof().unwrap();
    let record = std::fs::read_to_string(tmp.path().join("polish-api/starter.toml")).unwrap();
    assert!(
        record.contains("cors_origins = [\"http://localhost:5173\"]"),
        "{record}"
    );
    assert!(record.contains("locales = [\"en\", "), "{record}");
}
