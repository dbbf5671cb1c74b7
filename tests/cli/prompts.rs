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
    // Issue #12: the prompt is the manifest's, and its default (yes) is shown.
    p.exp_string("Account emails: verification, password reset, email change")
        .unwrap();
    p.exp_string("(y/n)").unwrap();
    p.exp_string("yes").unwrap();
    pause();
    p.send("n").unwrap();
    p.flush().unwrap();
    // Issue #13: the Redis question comes last, its default (no) shown.
    p.exp_string("Replicas share rate limits, lockouts and revocation through Redis")
        .unwrap();
    p.exp_string("(y/n)").unwrap();
    p.exp_string("no").unwrap();
    pause();
    p.send("y").unwrap();
    p.flush().unwrap();
    p.exp_string("account emails off, Redis on").unwrap();
    p.exp_string("Next:").unwrap();
    p.exp_string("REDIS_URL").unwrap();
    p.exp_eof().unwrap();

    let record = std::fs::read_to_string(out.join("starter.toml")).unwrap();
    assert!(record.contains("database = \"postgres\""), "{record}");
    assert!(
        record.contains("cors_origins = [\"http://localhost:5173\"]"),
        "{record}"
    );
    assert!(record.contains("docs = false"), "{record}");
    assert!(record.contains("\nemail = false\n"), "{record}");
    assert!(record.contains("\nredis = true\n"), "{record}");
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
    p.exp_string("Account emails").unwrap();
    send(&mut p, "y");
    p.exp_string("Redis").unwrap();
    send(&mut p, "n");
    p.exp_string("Next:").unwrap();
    p.exp_eof().unwrap();
    let record = std::fs::read_to_string(tmp.path().join("polish-api/starter.toml")).unwrap();
    assert!(
        record.contains("cors_origins = [\"http://localhost:5173\"]"),
        "{record}"
    );
    assert!(record.contains("locales = [\"en\", "), "{record}");
    assert!(record.contains("\nemail = true\n"), "{record}");
    assert!(record.contains("\nredis = false\n"), "{record}");
}

/// Issue #14: `starter new | tee log` (stdout piped, stdin and stderr a terminal) still asks,
/// on the terminal, and the piped stdout gets the report.
#[test]
fn prompts_are_asked_on_the_terminal_when_only_stdout_is_piped() {
    use std::io::{Read, Write};
    use std::os::fd::{FromRawFd, OwnedFd};
    use std::os::unix::process::CommandExt;
    use std::process::Stdio;
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, Instant};

    let (mut master, mut slave) = (0, 0);
    // SAFETY: openpty writes two fresh descriptors, owned below.
    let rc = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            std::ptr::null(),
        )
    };
    assert_eq!(rc, 0, "openpty: {}", std::io::Error::last_os_error());
    // SAFETY: both descriptors were just opened and nothing else owns them.
    let (master, slave) = unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };

    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("piped-api");
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("starter"));
    cmd.args([
        "new",
        "piped-api",
        "--no-git",
        "--no-docs",
        "--no-email",
        "--no-redis",
        "--no-cors",
    ])
    .args(["--locale", "en", "--default-locale", "en", "-o"])
    .arg(&out)
    .env("TERM", "xterm")
    .env("NO_COLOR", "1")
    .stdin(Stdio::from(slave.try_clone().unwrap()))
    .stderr(Stdio::from(slave.try_clone().unwrap()))
    .stdout(Stdio::piped());
    // SAFETY: setsid and ioctl are async-signal-safe; the terminal becomes the child's
    // controlling terminal, as a shell would arrange.
    unsafe {
        cmd.pre_exec(|| {
            if libc::setsid() < 0 || libc::ioctl(0, libc::TIOCSCTTY as _, 0) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut child = cmd.spawn().expect("spawn starter");
    drop(slave);

    let screen = Arc::new(Mutex::new(Vec::new()));
    let mut reader = std::fs::File::from(master.try_clone().unwrap());
    let sink = Arc::clone(&screen);
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            sink.lock().unwrap().extend_from_slice(&buf[..n]);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(20);
    while !String::from_utf8_lossy(&screen.lock().unwrap()).contains("MySQL / MariaDB") {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!(
                "no database prompt on the terminal: {:?}",
                String::from_utf8_lossy(&screen.lock().unwrap())
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(300));
    // Enter: the default, SQLite.
    let mut writer = std::fs::File::from(master);
    writer.write_all(b"\r").unwrap();
    writer.flush().unwrap();

    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "stdout: {stdout}");
    assert!(
        stdout.contains("Next:"),
        "the report is not on stdout: {stdout}"
    );
    assert!(
        !stdout.contains("MySQL / MariaDB"),
        "a prompt went to stdout: {stdout}"
    );
    let record = std::fs::read_to_string(out.join("starter.toml")).unwrap();
    assert!(record.contains("database = \"sqlite\""), "{record}");
}
