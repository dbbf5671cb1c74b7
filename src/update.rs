//! Template versions over a project's life: `check` (is it behind?), `diff` (what would an
//! update change?) and `update` (render the new version on the pristine branch, then let git
//! merge it into the user's branch). The user's edits survive; collisions become ordinary git
//! conflicts.

use std::path::Path;

use crate::answers::{Answers, is_builtin_question};
use crate::error::InputError;
use crate::generate::{self, GenerateError};
use crate::git::{Git, GitError, PRISTINE_BRANCH};
use crate::record::ProjectRecord;
use crate::source::{self, GitCache, SourceError, SourceSpec};
use crate::template::{Template, TemplateSource};

#[derive(Debug, thiserror::Error)]
pub enum UpdateError {
    #[error(transparent)]
    Input(#[from] InputError),
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error(transparent)]
    Git(#[from] GitError),
    #[error(transparent)]
    Generate(#[from] GenerateError),
    #[error("cannot create a scratch directory: {0}")]
    Scratch(std::io::Error),
}

impl UpdateError {
    /// Bad input (exit code 2 at the CLI edge), also when wrapped.
    pub fn is_input(&self) -> bool {
        match self {
            UpdateError::Input(_) => true,
            UpdateError::Source(e) => e.is_input(),
            UpdateError::Generate(e) => e.is_input(),
            UpdateError::Git(_) | UpdateError::Scratch(_) => false,
        }
    }
}

/// Which version to move to.
#[derive(Debug, Clone, Default)]
pub struct Target {
    pub to: Option<String>,
    pub reference: Option<String>,
}

/// The template a project would move to: from its recorded source, at the asked version or
/// reference, else the newest available there.
pub fn target_template(record: &ProjectRecord, target: &Target) -> Result<Template, UpdateError> {
    let recorded = &record.starter.template;
    let template = match (recorded, &target.reference) {
        (TemplateSource::Git { url, .. }, reference) => {
            let cache = GitCache::open(url)?;
            let reference = match (reference, &target.to) {
                (Some(r), _) => Some(r.clone()),
                (None, Some(version)) => Some(
                    cache
                        .versions()?
                        .into_iter()
                        .find(|(v, _)| v.to_string() == version.trim_start_matches('v'))
                        .map(|(_, tag)| tag)
                        .ok_or_else(|| {
                            InputError::new(
                                format!(
                                    "the template repository {url} has no tag for version {version}"
                                ),
                                "pass a tagged version to --to, or a branch or commit to --ref",
                            )
                        })?,
                ),
                (None, None) => None,
            };
            let (reference, commit) = cache.resolve(reference.as_deref())?;
            cache.export(url, &reference, &commit)?
        }
        (_, Some(_)) => {
            return Err(InputError::new(
                format!("--ref applies to git templates; this project's template is {recorded}"),
                "use --to VERSION, or drop --ref",
            )
            .into());
        }
        (other, None) => source::load(&SourceSpec::from_recorded(other))?,
    };
    source::check_compatible(&template)?;
    if let Some(to) = &target.to {
        let available = template.manifest.template_version().unwrap_or("");
        if available != to.trim_start_matches('v')
            && !matches!(template.source, TemplateSource::Git { .. })
        {
            return Err(InputError::new(
                format!(
                    "{} offers template version {available}, not {to}",
                    template.source
                ),
                match recorded {
                    TemplateSource::Embedded => {
                        format!("install the starter release that embeds template {to}")
                    }
                    _ => format!("put template {to} at {}", template.source),
                },
            )
            .into());
        }
    }
    Ok(template)
}

fn version_of(template: &Template) -> semver::Version {
    template
        .manifest
        .template_version()
        .and_then(|v| semver::Version::parse(v).ok())
        .unwrap_or(semver::Version::new(0, 0, 0))
}

/// How a project stands against the newest template its source offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Standing {
    UpToDate { version: String },
    Behind { current: String, newest: String },
}

pub fn check(record: &ProjectRecord) -> Result<Standing, UpdateError> {
    let newest = target_template(record, &Target::default())?;
    let current = semver::Version::parse(&record.starter.template_version).map_err(|e| {
        InputError::new(
            format!(
                "starter.toml: template_version `{}` is not semver: {e}",
                record.starter.template_version
            ),
            "restore starter.toml from version control",
        )
    })?;
    let newest_version = version_of(&newest);
    Ok(if newest_version > current {
        Standing::Behind {
            current: current.to_string(),
            newest: newest_version.to_string(),
        }
    } else {
        Standing::UpToDate {
            version: current.to_string(),
        }
    })
}

/// Whether `template` is the version the project is already on: then `check` says up to date,
/// and `diff` and `update` (without `--ref`) have nothing to do, so that the three agree.
pub fn is_current(record: &ProjectRecord, template: &Template) -> bool {
    semver::Version::parse(&record.starter.template_version)
        .is_ok_and(|current| version_of(template) == current)
}

/// The conflicted files of a merge in progress (an update half done), if there is one.
pub fn merge_in_progress(dir: &Path) -> Option<Vec<String>> {
    let git = Git::new(dir);
    git.run(["rev-parse", "--quiet", "--verify", "MERGE_HEAD"])
        .ok()?;
    let files = git
        .run(["diff", "--name-only", "--diff-filter=U"])
        .unwrap_or_default();
    Some(files.lines().map(str::to_string).collect())
}

/// Refuses to check or update while a merge is in progress: the project is between versions.
pub fn refuse_mid_merge(dir: &Path) -> Result<(), InputError> {
    match merge_in_progress(dir) {
        None => Ok(()),
        Some(files) => Err(InputError::new(
            format!(
                "an update is half done: git is still merging in {}{}",
                dir.display(),
                if files.is_empty() {
                    String::new()
                } else {
                    format!(", with conflicts in: {}", files.join(", "))
                }
            ),
            "resolve the conflicts, `git add` them and `git commit` (or `git merge --abort` to undo the update), then run it again",
        )),
    }
}

/// Questions the new template asks that the recorded answers do not cover.
pub fn new_questions(answers: &Answers, template: &Template) -> Vec<String> {
    template
        .manifest
        .placeholders
        .keys()
        .filter(|k| !is_builtin_question(k) && !answers.extra.contains_key(*k))
        .cloned()
        .collect()
}

/// Opens the project's repository and checks that an update can run there.
pub fn open_project(dir: &Path) -> Result<(Git, ProjectRecord), UpdateError> {
    let record = crate::record::read(dir)?;
    refuse_mid_merge(dir)?;
    let git = Git::new(dir);
    if git.run(["rev-parse", "--git-dir"]).is_err() {
        return Err(InputError::new(
            format!("{} is not a git repository", dir.display()),
            "updates merge with git: generate projects without --no-git, or `git init` and commit, then create the starter-template branch at that commit",
        )
        .into());
    }
    if git
        .run([
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("refs/heads/{PRISTINE_BRANCH}"),
        ])
        .is_err()
    {
        return Err(InputError::new(
            format!("the project has no `{PRISTINE_BRANCH}` branch holding the pristine render"),
            format!("create it at the commit that holds the unmodified generated files: git branch {PRISTINE_BRANCH} <commit>"),
        )
        .into());
    }
    Ok((git, record))
}

/// The tree of the new render, as a git tree object in the project's repository.
fn render_tree(git: &Git, template: &Template, answers: &Answers) -> Result<String, UpdateError> {
    let scratch = tempfile::tempdir().map_err(UpdateError::Scratch)?;
    generate::write_pristine(template, answers, scratch.path())?;
    Ok(git.tree_of_directory(scratch.path())?)
}

/// `starter diff`: the patch an update would merge, from the pristine render to the new one.
pub fn diff(git: &Git, template: &Template, answers: &Answers) -> Result<String, UpdateError> {
    let tree = render_tree(git, template, answers)?;
    Ok(git.run(["diff", "--no-color", PRISTINE_BRANCH, tree.as_str()])?)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpdateOutcome {
    /// The new render equals the pristine one: nothing to merge.
    NothingToDo,
    Merged {
        commit: String,
    },
    Conflicts {
        files: Vec<String>,
    },
}

/// `starter update`: commit the new render on the pristine branch, merge it into HEAD.
pub fn update(
    git: &Git,
    template: &Template,
    answers: &Answers,
) -> Result<UpdateOutcome, UpdateError> {
    if git.is_dirty()? {
        return Err(InputError::new(
            "the work tree has uncommitted changes",
            "commit or stash them first, so that the update's merge cannot mix with them",
        )
        .into());
    }
    let (git, _) = git.clone().with_identity();
    let pristine = git.run(["rev-parse", PRISTINE_BRANCH])?;
    let tree = render_tree(&git, template, answers)?;
    let pristine_tree = git.run(["rev-parse", &format!("{pristine}^{{tree}}")])?;
    if tree == pristine_tree {
        return Ok(UpdateOutcome::NothingToDo);
    }
    let message = format!(
        "starter: template {} from {}",
        template.manifest.version_label(),
        template.source
    );
    let commit = git.run([
        "commit-tree",
        tree.as_str(),
        "-p",
        pristine.as_str(),
        "-m",
        message.as_str(),
    ])?;
    git.run([
        "update-ref",
        &format!("refs/heads/{PRISTINE_BRANCH}"),
        commit.as_str(),
        pristine.as_str(),
    ])?;
    let merge_message = format!("Merge {message}");
    let merged = git.output([
        "merge",
        "--no-ff",
        "--no-edit",
        "--no-verify",
        "-m",
        merge_message.as_str(),
        PRISTINE_BRANCH,
    ])?;
    if merged.status.success() {
        return Ok(UpdateOutcome::Merged {
            commit: git.run(["rev-parse", "HEAD"])?,
        });
    }
    let conflicted = git.run(["diff", "--name-only", "--diff-filter=U"])?;
    if conflicted.is_empty() {
        return Err(GitError::Failed {
            args: format!("merge {PRISTINE_BRANCH}"),
            stderr: String::from_utf8_lossy(&merged.stderr).into_owned(),
        }
        .into());
    }
    Ok(UpdateOutcome::Conflicts {
        files: conflicted.lines().map(str::to_string).collect(),
    })
}
