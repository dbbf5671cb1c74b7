//! Helpers shared by the test modules.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

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
