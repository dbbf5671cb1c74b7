//! The `git` command, run in a project or a template cache. Merging, conflicts and history are
//! git's job; this module only drives it.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The branch that holds the template's pristine renders, never the user's own.
pub const PRISTINE_BRANCH: &str = "starter-template";

const FALLBACK_IDENTITY: [(&str, &str); 4] = [
    ("GIT_AUTHOR_NAME", "rust-api-starter"),
    ("GIT_AUTHOR_EMAIL", "starter@localhost"),
    ("GIT_COMMITTER_NAME", "rust-api-starter"),
    ("GIT_COMMITTER_EMAIL", "starter@localhost"),
];

#[derive(Debug, thiserror::Error)]
pub enum GitError {
    #[error("cannot run git (is it installed?): {0}")]
    Spawn(std::io::Error),
    #[error("`git {args}` failed: {stderr}")]
    Failed { args: String, stderr: String },
}

/// The top of the git work tree that `dir` (which may not exist yet: its nearest existing
/// ancestor is asked) lies in, if any. `None` too when git is missing.
pub fn enclosing_work_tree(dir: &Path) -> Option<PathBuf> {
    let absolute = std::path::absolute(dir).ok()?;
    let existing = absolute.ancestors().find(|a| a.is_dir())?;
    let top = Git::new(existing)
        .run(["rev-parse", "--show-toplevel"])
        .ok()?;
    (!top.is_empty()).then(|| PathBuf::from(top))
}

#[derive(Debug, Clone)]
pub struct Git {
    dir: PathBuf,
    /// Set when no identity is configured, so commits still work on a bare machine.
    fallback_identity: bool,
    envs: Vec<(String, String)>,
}

impl Git {
    pub fn new(dir: &Path) -> Self {
        Self {
            dir: dir.to_path_buf(),
            fallback_identity: false,
            envs: Vec::new(),
        }
    }

    /// Uses the configured identity if there is one, else a fallback; returns whether it fell back.
    pub fn with_identity(mut self) -> (Self, bool) {
        let configured = self
            .output(["var", "GIT_COMMITTER_IDENT"])
            .is_ok_and(|o| o.status.success())
            && self
                .output(["var", "GIT_AUTHOR_IDENT"])
                .is_ok_and(|o| o.status.success());
        self.fallback_identity = !configured;
        (self, !configured)
    }

    /// Another index file, so trees can be built without touching the user's staging area.
    pub fn with_index(mut self, index: &Path) -> Self {
        self.envs.push((
            "GIT_INDEX_FILE".into(),
            index.to_string_lossy().into_owned(),
        ));
        self
    }

    fn command<I, S>(&self, args: I) -> Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut cmd = Command::new("git");
        cmd.args(args).current_dir(&self.dir);
        cmd.env("GIT_TERMINAL_PROMPT", "0");
        if self.fallback_identity {
            cmd.envs(FALLBACK_IDENTITY);
        }
        cmd.envs(self.envs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        cmd
    }

    pub fn output<I, S>(&self, args: I) -> Result<Output, GitError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.command(args).output().map_err(GitError::Spawn)
    }

    /// Runs git and returns its trimmed stdout, or its stderr as the error.
    pub fn run<I, S>(&self, args: I) -> Result<String, GitError>
    where
        I: IntoIterator<Item = S> + Clone,
        S: AsRef<OsStr>,
    {
        let out = self.output(args.clone())?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
        } else {
            Err(GitError::Failed {
                args: args
                    .into_iter()
                    .map(|a| a.as_ref().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join(" "),
                stderr: String::from_utf8_lossy(&out.stderr).trim().to_string(),
            })
        }
    }

    /// Whether the work tree has changes (ignored files do not count).
    pub fn is_dirty(&self) -> Result<bool, GitError> {
        Ok(!self.run(["status", "--porcelain"])?.is_empty())
    }

    /// Commits the tree of `dir`'s files (all of them, as they are on disk) on top of `parent`,
    /// without touching the user's index or work tree. Returns the commit id.
    pub fn commit_directory(
        &self,
        dir: &Path,
        parent: Option<&str>,
        message: &str,
    ) -> Result<String, GitError> {
        let tree = self.tree_of_directory(dir)?;
        let mut args = vec!["commit-tree".to_string(), tree, "-m".into(), message.into()];
        if let Some(parent) = parent {
            args.push("-p".into());
            args.push(parent.into());
        }
        self.run(&args)
    }

    /// A tree object holding exactly the files of `dir`.
    pub fn tree_of_directory(&self, dir: &Path) -> Result<String, GitError> {
        let git_dir = format!(
            "--git-dir={}",
            self.run(["rev-parse", "--absolute-git-dir"])?
        );
        let work_tree = format!("--work-tree={}", dir.display());
        let scratch = tempfile::tempdir().map_err(GitError::Spawn)?;
        let index_path = scratch.path().join("index");
        let mut git = Git::new(dir).with_index(&index_path);
        git.fallback_identity = self.fallback_identity;
        git.run([
            git_dir.as_str(),
            work_tree.as_str(),
            "add",
            "--all",
            "--force",
            ".",
        ])?;
        git.run([git_dir.as_str(), "write-tree"])
    }
}
