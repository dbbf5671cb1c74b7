//! Helpers shared by the test modules.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;

pub fn starter() -> Command {
    let mut cmd = Command::cargo_bin("starter").expect("the starter binary is built");
    cmd.env("NO_COLOR", "1");
    cmd
}

/// Every file under `root` (relative path -> bytes), `.git/` left out.
pub fn tree(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    for entry in walkdir::WalkDir::new(root) {
        let entry = entry.expect("walk generated tree");
        if !entry.file_type().is_file() {
            continue;
        }
        let rel = entry.path().strip_prefix(root).unwrap();
        if rel.starts_with(".git") {
            continue;
        }
        let rel = rel.to_string_lossy().replace('\\', "/");
        files.insert(rel, std::fs::read(entry.path()).unwrap());
    }
    files
}

/// Names of the entries directly in `dir` (to prove nothing was left behind).
pub fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// One build cache for every generated project that the tests compile.
/// Builds the generated project in `dir` (debug, in the shared cache) and returns its binary.
pub fn build_generated(dir: &Path, name: &str) -> PathBuf {
    let target = shared_target_dir();
    let status = std::process::Command::new(env!("CARGO"))
        .args(["build", "--quiet", "--manifest-path"])
        .arg(dir.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(&target)
        .env_remove("RUSTFLAGS")
        .status()
        .expect("run cargo build");
    assert!(status.success(), "the generated project does not build");
    target.join("debug").join(name)
}

pub fn shared_target_dir() -> PathBuf {
    match std::env::var_os("STARTER_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => starter::dirs::default_target_dir(),
    }
}

/// Skips a test for want of an external tool, saying why; fails instead when
/// STARTER_REQUIRE_TOOLS is set (as .ci/run does after installing the tools), so CI cannot
/// pass by not having the tool.
pub fn skip_for_missing_tool(reason: &str) {
    assert!(
        std::env::var_os("STARTER_REQUIRE_TOOLS").is_none(),
        "STARTER_REQUIRE_TOOLS is set but {reason}"
    );
    eprintln!("SKIPPED: {reason}");
}

/// Runs `cmd` and returns its stdout; fails the test with its output unless it succeeds.
pub fn run_ok(cmd: &mut std::process::Command) -> String {
    let out = cmd.output().expect("the command starts");
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A copy of the directory `from` at `to`, replacing whatever was there.
pub fn copy_dir(from: &Path, to: &Path) {
    if to.exists() {
        std::fs::remove_dir_all(to).unwrap();
    }
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let dest = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(entry.path(), &dest).unwrap();
        }
    }
}

/// One HTTP/1.1 request over a fresh connection (`Connection: close`): the status and the
/// body, read up to its Content-Length when there is one (a server may keep the socket open
/// regardless), else to the end.
pub fn http(
    addr: std::net::SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    json: Option<&str>,
) -> std::io::Result<(u16, String)> {
    use std::io::{BufRead, BufReader, Read, Write};
    let mut stream = std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
    stream.set_read_timeout(Some(Duration::from_secs(60)))?;
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    let body = json.unwrap_or("");
    if json.is_some() {
        head.push_str("Content-Type: application/json\r\n");
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    stream.write_all(head.as_bytes())?;
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let status = line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("not HTTP: {line:.80}")))?;
    let mut length = None;
    loop {
        line.clear();
        reader.read_line(&mut line)?;
        if line.trim_end().is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse::<usize>().ok();
        }
    }
    let mut bytes = Vec::new();
    match length {
        Some(n) => {
            bytes.resize(n, 0);
            reader.read_exact(&mut bytes)?;
        }
        None => {
            reader.read_to_end(&mut bytes)?;
        }
    }
    Ok((status, String::from_utf8_lossy(&bytes).into_owned()))
}
