//! The interactive questions, answered in a real pseudo-terminal.

#![cfg(unix)]

use std::process::Command;

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
    // en is pre-selected; move to the second entry and toggle it.
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
