//! Where a template comes from: the copy embedded in the binary, a directory (a team's fork),
//! or a git repository at a tag, branch or commit, fetched with the `git` command into a cache.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Where the cache keeps the remote's HEAD (its default branch).
const REMOTE_HEAD: &str = "refs/starter/remote-head";

use crate::error::{InputError, TemplateError};
use crate::git::{Git, GitError};
use crate::template::{Template, TemplateSource};

#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error(transparent)]
    Input(#[from] InputError),
    #[error(transparent)]
    Template(#[from] TemplateError),
    #[error(transparent)]
    Git(#[from] GitError),
    #[error("cannot prepare the template cache {path}: {source}")]
    Cache {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl SourceError {
    /// Bad input (exit code 2 at the CLI edge).
    pub fn is_input(&self) -> bool {
        matches!(self, SourceError::Input(_))
    }
}

/// What the user asked for with `--template` / `--ref`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceSpec {
    Embedded,
    Path(PathBuf),
    Git {
        url: String,
        reference: Option<String>,
    },
}

impl SourceSpec {
    pub fn parse(template: Option<&str>, reference: Option<&str>) -> Result<Self, InputError> {
        let Some(template) = template else {
            if reference.is_some() {
                return Err(InputError::new(
                    "--ref needs --template GIT_URL",
                    "pass the repository with --template, or drop --ref",
                ));
            }
            return Ok(SourceSpec::Embedded);
        };
        let looks_like_git =
            template.contains("://") || template.starts_with("git@") || template.ends_with(".git");
        if looks_like_git {
            return Ok(SourceSpec::Git {
                url: template.to_string(),
                reference: reference.map(str::to_string),
            });
        }
        if reference.is_some() {
            return Err(InputError::new(
                format!("--ref applies to git templates, and {template} is a directory"),
                "drop --ref, or pass a git URL (https://..., file://..., git@...) to --template",
            ));
        }
        let path = PathBuf::from(template);
        if !path.is_dir() {
            return Err(InputError::new(
                format!("template directory {template} does not exist"),
                "pass a directory holding cargo-generate.toml, or a git URL",
            ));
        }
        Ok(SourceSpec::Path(path.canonicalize().unwrap_or(path)))
    }

    /// The source a project was generated from, as recorded in its starter.toml.
    pub fn from_recorded(source: &TemplateSource) -> Self {
        match source {
            TemplateSource::Embedded => SourceSpec::Embedded,
            TemplateSource::Path { path } => SourceSpec::Path(path.clone()),
            TemplateSource::Git { url, .. } => SourceSpec::Git {
                url: url.clone(),
                reference: None,
            },
        }
    }
}

/// Loads the template and checks that this `starter` can render it.
pub fn load(spec: &SourceSpec) -> Result<Template, SourceError> {
    let template = match spec {
        SourceSpec::Embedded => Template::embedded()?,
        SourceSpec::Path(path) => Template::from_dir(path)?,
        SourceSpec::Git { url, reference } => {
            let cache = GitCache::open(url)?;
            let (reference, commit) = cache.resolve(reference.as_deref())?;
            cache.export(url, &reference, &commit)?
        }
    };
    check_compatible(&template)?;
    Ok(template)
}

/// A template must carry its version and must not need a newer `starter`.
pub fn check_compatible(template: &Template) -> Result<(), InputError> {
    let Some(section) = &template.manifest.starter else {
        return Err(InputError::new(
            format!(
                "the template from {} has no [starter] table in cargo-generate.toml",
                template.source
            ),
            "add [starter] template_version = \"X.Y.Z\" to the template's cargo-generate.toml",
        ));
    };
    semver::Version::parse(&section.template_version).map_err(|e| {
        InputError::new(
            format!(
                "template_version `{}` is not semver: {e}",
                section.template_version
            ),
            "write it as MAJOR.MINOR.PATCH, e.g. 1.2.0",
        )
    })?;
    if let Some(min) = &section.min_starter_version {
        let min = semver::Version::parse(min).map_err(|e| {
            InputError::new(
                format!("min_starter_version `{min}` is not semver: {e}"),
                "write it as MAJOR.MINOR.PATCH",
            )
        })?;
        let ours = semver::Version::parse(crate::STARTER_VERSION).expect("our version is semver");
        if ours < min {
            return Err(InputError::new(
                format!("this template needs starter {min} or newer; this is starter {ours}"),
                format!("upgrade starter (cargo install rust-api-starter --version '>={min}')"),
            ));
        }
    }
    Ok(())
}

/// A bare clone of a template repository under the user's cache directory.
pub struct GitCache {
    git: Git,
}

/// A stable directory name for a URL: readable part plus a hash against collisions.
fn cache_name(url: &str) -> String {
    let readable: String = url
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let hash = url.bytes().fold(0xcbf29ce484222325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100000001b3)
    });
    let tail = &readable[readable.len().saturating_sub(40)..];
    format!("{tail}-{hash:016x}")
}

impl GitCache {
    pub fn open(url: &str) -> Result<Self, SourceError> {
        let dir = crate::dirs::template_cache().join(cache_name(url));
        std::fs::create_dir_all(&dir).map_err(|source| SourceError::Cache {
            path: dir.clone(),
            source,
        })?;
        let git = Git::new(&dir);
        if !dir.join("HEAD").exists() {
            git.run(["init", "--bare", "--quiet"])?;
        }
        git.run([
            "fetch",
            "--quiet",
            "--force",
            "--prune",
            "--tags",
            url,
            "+refs/heads/*:refs/heads/*",
            "+HEAD:refs/starter/remote-head",
        ])
        .map_err(|e| {
            InputError::new(
                format!("cannot fetch the template repository {url}: {e}"),
                "check the URL and that `git clone` works for it",
            )
        })?;
        Ok(Self { git })
    }

    /// Versions tagged in the repository (other tags, such as `v1`, are no versions) (`vX.Y.Z` or `X.Y.Z`), newest last.
    pub fn versions(&self) -> Result<Vec<(semver::Version, String)>, SourceError> {
        let tags = self.git.run(["tag", "--list"])?;
        let mut versions: Vec<(semver::Version, String)> = tags
            .lines()
            .filter_map(|t| {
                let v = semver::Version::parse(t.trim_start_matches('v')).ok()?;
                Some((v, t.to_string()))
            })
            .collect();
        versions.sort();
        Ok(versions)
    }

    /// The reference to use (the given one, else the newest version tag, else the remote's
    /// HEAD) and the commit it resolves to.
    pub fn resolve(&self, reference: Option<&str>) -> Result<(String, String), SourceError> {
        let reference = match reference {
            Some(r) => r.to_string(),
            None => match self.versions()?.pop() {
                Some((_, tag)) => tag,
                None => REMOTE_HEAD.to_string(),
            },
        };
        for candidate in [
            format!("refs/tags/{reference}"),
            format!("refs/heads/{reference}"),
            reference.clone(),
        ] {
            let spec = format!("{candidate}^{{commit}}");
            if let Ok(commit) = self
                .git
                .run(["rev-parse", "--verify", "--quiet", spec.as_str()])
            {
                return Ok((reference, commit));
            }
        }
        Err(InputError::new(
            format!("`{reference}` is not a tag, branch or commit of the template repository"),
            "pass an existing tag, branch or commit to --ref",
        )
        .into())
    }

    /// The template's files at `commit`, unpacked into memory.
    pub fn export(
        &self,
        url: &str,
        reference: &str,
        commit: &str,
    ) -> Result<Template, SourceError> {
        let scratch = tempfile::tempdir().map_err(|source| SourceError::Cache {
            path: std::env::temp_dir(),
            source,
        })?;
        let archive = self.git.output(["archive", "--format=tar", commit])?;
        if !archive.status.success() {
            return Err(GitError::Failed {
                args: format!("archive {commit}"),
                stderr: String::from_utf8_lossy(&archive.stderr).into_owned(),
            }
            .into());
        }
        untar(&archive.stdout, scratch.path())?;
        let mut template = Template::from_dir(scratch.path())?;
        template.source = TemplateSource::Git {
            url: url.to_string(),
            // The remote's default branch is recorded as git names it, not by our ref's name.
            reference: if reference == REMOTE_HEAD {
                "HEAD".to_string()
            } else {
                reference.to_string()
            },
            commit: commit.to_string(),
        };
        Ok(template)
    }
}

fn untar(bytes: &[u8], into: &Path) -> Result<(), SourceError> {
    use std::io::Write;
    let err = |source| SourceError::Cache {
        path: into.to_path_buf(),
        source,
    };
    let mut child = Command::new("tar")
        .args(["-x", "-f", "-", "-C"])
        .arg(into)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(err)?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(bytes).map_err(err)?;
    }
    let out = child.wait_with_output().map_err(err)?;
    if !out.status.success() {
        return Err(err(std::io::Error::other(
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )));
    }
    Ok(())
}
