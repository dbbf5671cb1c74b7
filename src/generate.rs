//! Turns answers into a project directory: render in memory, write into a temporary directory
//! beside the target, add `.env`, `starter.toml` and a git repository, then rename it into
//! place. A failure at any step leaves nothing behind.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use crate::answers::Answers;
use crate::error::{InputError, TemplateError};
use crate::git::{Git, PRISTINE_BRANCH};
use crate::record::{ProjectRecord, Provenance, RECORD_FILE};
use crate::render::{self, RenderedFile};
use crate::template::Template;

#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    #[error(transparent)]
    Input(#[from] InputError),
    #[error(transparent)]
    Template(#[from] TemplateError),
    #[error("cannot write {path}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the OS random number generator failed: {0}")]
    Random(getrandom::Error),
    #[error("cannot serialize starter.toml: {0}")]
    Record(#[from] toml::ser::Error),
    #[error("interrupted: the partly written project was removed")]
    Interrupted,
}

impl GenerateError {
    /// Bad input (exit code 2 at the CLI edge).
    pub fn is_input(&self) -> bool {
        matches!(self, GenerateError::Input(_))
    }

    pub fn is_interrupted(&self) -> bool {
        matches!(self, GenerateError::Interrupted)
    }
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> GenerateError + '_ {
    move |source| GenerateError::Io {
        path: path.to_path_buf(),
        source,
    }
}

#[derive(Debug, Clone)]
pub struct Options {
    /// The project directory to create.
    pub target: PathBuf,
    /// Initialise a git repository with a first commit.
    pub git: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GitOutcome {
    Disabled,
    Committed,
    /// No git identity is configured: committed as `rust-api-starter`.
    CommittedWithFallbackIdentity,
    /// git is missing or failed: the project is fine, without a repository.
    Failed(String),
}

#[derive(Debug, Clone)]
pub struct Generated {
    pub target: PathBuf,
    pub files: Vec<String>,
    pub wrote_dotenv: bool,
    pub git: GitOutcome,
}

/// The target must not exist, or be an empty directory.
pub fn check_target(target: &Path) -> Result<(), InputError> {
    match std::fs::read_dir(target) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                Err(InputError::new(
                    format!("{} already exists and is not empty", target.display()),
                    "choose another NAME or --output DIR, or remove that directory",
                ))
            } else {
                Ok(())
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(_) if target.exists() => Err(InputError::new(
            format!("{} already exists and is not a directory", target.display()),
            "choose another NAME or --output DIR",
        )),
        Err(e) => Err(InputError::new(
            format!("cannot use {}: {e}", target.display()),
            "choose another --output DIR",
        )),
    }
}

/// The files of the project as rendered from the template (before `.env` and `starter.toml`).
pub fn render_files(
    template: &Template,
    answers: &Answers,
) -> Result<Vec<RenderedFile>, GenerateError> {
    Ok(render::render(
        template,
        &answers.variables(&template.manifest),
    )?)
}

pub fn record(template: &Template, answers: &Answers) -> ProjectRecord {
    ProjectRecord {
        starter: Provenance {
            version: crate::STARTER_VERSION.to_string(),
            template_version: template.manifest.version_label().to_string(),
            template: template.source.clone(),
        },
        answers: answers.clone(),
    }
}

pub fn generate(
    template: &Template,
    answers: &Answers,
    options: &Options,
) -> Result<Generated, GenerateError> {
    check_target(&options.target)?;
    // An existing (empty) target is filled in place: it may be the current directory (`-o .`)
    // or a mount point, which cannot be replaced. Otherwise the missing parents are created,
    // and removed again if anything fails.
    let fill_in_place = options.target.is_dir();
    let mut created_parents = None;
    let staging_parent = if fill_in_place {
        options.target.clone()
    } else {
        let parent = match options.target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        created_parents = CreatedDirs::create(&parent)?;
        parent
    };
    let files = render_files(template, answers)?;
    let staging = tempfile::Builder::new()
        .prefix(".starter-")
        .tempdir_in(&staging_parent)
        .map_err(io_err(&staging_parent))?;
    let root = staging.path();
    let _registered = StagingRegistration::new(root);

    write_files(root, &files)?;
    let wrote_dotenv = write_dotenv(root, &files, answers.docs)?;
    let record = record(template, answers).to_toml()?;
    write_file(root, RECORD_FILE, record.as_bytes())?;
    let git = if options.git {
        git_init(root, template)
    } else {
        GitOutcome::Disabled
    };
    if !fill_in_place {
        set_mode(root, 0o755)?;
    }

    // Only now does the project appear under its name. The registry's lock is held across the
    // move, so an interrupt either removes the staging directory before it or finds the project
    // complete after it.
    let mut current = STAGING.lock().unwrap_or_else(PoisonError::into_inner);
    if !current.remove(root) {
        return Err(GenerateError::Interrupted);
    }
    let staged = staging.keep();
    let placed = if fill_in_place {
        move_entries(&staged, &options.target)
    } else {
        std::fs::rename(&staged, &options.target).map_err(io_err(&options.target))
    };
    if let Err(e) = placed {
        let _ = std::fs::remove_dir_all(&staged);
        return Err(e);
    }
    if let Some(created) = created_parents.as_mut() {
        created.keep();
    }
    drop(current);
    let mut names: Vec<String> = files.into_iter().map(|f| f.path).collect();
    names.push(RECORD_FILE.to_string());
    Ok(Generated {
        target: options.target.clone(),
        files: names,
        wrote_dotenv,
        git,
    })
}

/// Moves every entry of `from` into the empty directory `into`, then removes `from`. On a
/// failure the entries already moved are removed again, so `into` is left empty.
fn move_entries(from: &Path, into: &Path) -> Result<(), GenerateError> {
    let mut moved = Vec::new();
    let result = (|| {
        for entry in std::fs::read_dir(from).map_err(io_err(from))? {
            let entry = entry.map_err(io_err(from))?;
            let dest = into.join(entry.file_name());
            std::fs::rename(entry.path(), &dest).map_err(io_err(&dest))?;
            moved.push(dest);
        }
        std::fs::remove_dir(from).map_err(io_err(from))
    })();
    if result.is_err() {
        for path in moved {
            let _ = std::fs::remove_dir_all(&path).or_else(|_| std::fs::remove_file(&path));
        }
    }
    result
}

/// The directories `create` made for a missing parent (`-o deep/a/b`), removed again when
/// dropped unless `keep` was called: a failed run leaves no trace.
struct CreatedDirs {
    topmost: Option<PathBuf>,
}

impl CreatedDirs {
    fn create(dir: &Path) -> Result<Option<Self>, GenerateError> {
        let topmost = dir
            .ancestors()
            .filter(|a| !a.as_os_str().is_empty())
            .take_while(|a| !a.exists())
            .last()
            .map(Path::to_path_buf);
        let Some(topmost) = topmost else {
            return Ok(None);
        };
        let guard = Self {
            topmost: Some(topmost),
        };
        std::fs::create_dir_all(dir).map_err(io_err(dir))?;
        Ok(Some(guard))
    }

    fn keep(&mut self) {
        self.topmost = None;
    }
}

impl Drop for CreatedDirs {
    fn drop(&mut self) {
        if let Some(dir) = &self.topmost {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// The staging directories of the `generate` calls in progress, for `abandon_staging`.
static STAGING: Mutex<BTreeSet<PathBuf>> = Mutex::new(BTreeSet::new());

/// Removes the staging directories of the `generate` calls in progress: what an interrupt
/// handler at the CLI edge calls before exiting, so that Ctrl-C leaves nothing half-written.
/// A `generate` still running then fails with `GenerateError::Interrupted` instead of
/// renaming its directory into place. Returns whether there was anything to remove.
pub fn abandon_staging() -> bool {
    let mut current = STAGING.lock().unwrap_or_else(PoisonError::into_inner);
    let dirs = std::mem::take(&mut *current);
    for dir in &dirs {
        let _ = std::fs::remove_dir_all(dir);
    }
    !dirs.is_empty()
}

/// Registers a staging directory for `abandon_staging`, and unregisters it when dropped (on an
/// early return the tempdir itself removes the directory).
struct StagingRegistration(PathBuf);

impl StagingRegistration {
    fn new(dir: &Path) -> Self {
        STAGING
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(dir.to_path_buf());
        Self(dir.to_path_buf())
    }
}

impl Drop for StagingRegistration {
    fn drop(&mut self) {
        STAGING
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&self.0);
    }
}

/// The pristine render (template files and starter.toml, no `.env`) written into `dir`.
pub fn write_pristine(
    template: &Template,
    answers: &Answers,
    dir: &Path,
) -> Result<(), GenerateError> {
    write_files(dir, &render_files(template, answers)?)?;
    let record = record(template, answers).to_toml()?;
    write_file(dir, RECORD_FILE, record.as_bytes())
}

/// Every file under `root`: each directory made once (parents first), then the files written
/// in parallel.
fn write_files(root: &Path, files: &[RenderedFile]) -> Result<(), GenerateError> {
    let dirs: BTreeSet<&str> = files
        .iter()
        .flat_map(|f| f.path.match_indices('/').map(|(i, _)| &f.path[..i]))
        .collect();
    // Sorted, so "a" comes before "a/b".
    for dir in dirs {
        let path = root.join(dir);
        if let Err(e) = std::fs::create_dir(&path)
            && e.kind() != std::io::ErrorKind::AlreadyExists
        {
            return Err(io_err(&path)(e));
        }
    }
    crate::parallel::map(files, |file| {
        let path = root.join(&file.path);
        std::fs::write(&path, &file.contents).map_err(io_err(&path))
    })
    .into_iter()
    .collect()
}

fn write_file(root: &Path, rel: &str, contents: &[u8]) -> Result<(), GenerateError> {
    let path = root.join(rel);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io_err(dir))?;
    }
    std::fs::write(&path, contents).map_err(io_err(&path))
}

/// `.env` with a fresh secret, readable by the owner only.
fn write_dotenv(root: &Path, files: &[RenderedFile], docs: bool) -> Result<bool, GenerateError> {
    let Some(example) = files.iter().find(|f| f.path == ".env.example") else {
        return Ok(false);
    };
    let secret = crate::secret::jwt_secret().map_err(GenerateError::Random)?;
    let example = String::from_utf8_lossy(&example.contents);
    let Some(dotenv) = crate::secret::dotenv_from_example(&example, &secret, docs) else {
        return Ok(false);
    };
    let path = root.join(".env");
    write_private(&path, dotenv.as_bytes()).map_err(io_err(&path))?;
    Ok(true)
}

#[cfg(unix)]
fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(contents)
}

#[cfg(not(unix))]
fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, contents)
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> Result<(), GenerateError> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).map_err(io_err(path))
}

#[cfg(not(unix))]
fn set_mode(_path: &Path, _mode: u32) -> Result<(), GenerateError> {
    Ok(())
}

/// A repository whose first commit is the pristine render, also kept on the
/// `starter-template` branch so that `starter update` can merge later renders into it.
fn git_init(root: &Path, template: &Template) -> GitOutcome {
    let message = format!(
        "Generated by rust-api-starter {} (template {})",
        crate::STARTER_VERSION,
        template.manifest.version_label()
    );
    let result = (|| {
        let git = Git::new(root);
        git.run(["-c", "init.defaultBranch=main", "init", "-q"])?;
        let (git, fallback) = git.with_identity();
        git.run(["add", "-A"])?;
        git.run([
            "commit",
            "-q",
            "--no-verify",
            "--no-gpg-sign",
            "-m",
            &message,
        ])?;
        git.run(["branch", PRISTINE_BRANCH])?;
        Ok::<bool, crate::git::GitError>(fallback)
    })();
    match result {
        Ok(false) => GitOutcome::Committed,
        Ok(true) => GitOutcome::CommittedWithFallbackIdentity,
        Err(e) => {
            // The project is complete without a repository; do not leave a broken one behind.
            let _ = std::fs::remove_dir_all(root.join(".git"));
            GitOutcome::Failed(e.to_string())
        }
    }
}
