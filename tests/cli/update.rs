//! Template versions: pinning, `starter check`, `starter diff` and `starter update` with git
//! doing the merge, on two fixture versions of a small template.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{copy_dir, run_ok, starter};
use predicates::prelude::*;

fn fixture(version: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(format!("template-{version}"))
}

fn git(dir: &Path, args: &[&str]) -> String {
    let identity = [
        "-c",
        "user.name=Test User",
        "-c",
        "user.email=test@example.com",
    ];
    run_ok(
        Command::new("git")
            .args(identity)
            .args(args)
            .current_dir(dir),
    )
    .trim()
    .to_string()
}

struct Setup {
    _tmp: tempfile::TempDir,
    team_template: PathBuf,
    project: PathBuf,
    cache: PathBuf,
}

impl Setup {
    /// A team template at v1 in a directory, and a project generated from it.
    fn new() -> Self {
        let tmp = tempfile::tempdir().unwrap();
        let team_template = tmp.path().join("team-template");
        copy_dir(&fixture("v1"), &team_template);
        let project = tmp.path().join("proj");
        let cache = tmp.path().join("cache");
        let s = Setup {
            _tmp: tmp,
            team_template,
            project,
            cache,
        };
        s.starter()
            .args(["new", "proj", "--yes", "--template"])
            .arg(&s.team_template)
            .arg("-o")
            .arg(&s.project)
            .assert()
            .success();
        s
    }

    fn starter(&self) -> assert_cmd::Command {
        let mut cmd = starter();
        cmd.env("STARTER_CACHE_DIR", &self.cache);
        cmd
    }

    fn in_project(&self, args: &[&str]) -> assert_cmd::assert::Assert {
        self.starter()
            .args(args)
            .arg("-p")
            .arg(&self.project)
            .assert()
    }

    fn edit(&self, file: &str, from: &str, to: &str) {
        let path = self.project.join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{file} lacks {from:?}");
        std::fs::write(&path, text.replace(from, to)).unwrap();
    }

    fn read(&self, file: &str) -> String {
        std::fs::read_to_string(self.project.join(file)).unwrap()
    }

    /// The project as an older starter wrote it: the same render, a record without `email`
    /// (nor `redis`, which came after it), committed and recorded as the template's last render.
    fn record_predating_email(&self) {
        let record = self.read("starter.toml");
        assert!(record.contains("\nredis = false\n"), "{record}");
        std::fs::write(
            self.project.join("starter.toml"),
            record
                .replace("email = false\n", "")
                .replace("redis = false\n", ""),
        )
        .unwrap();
        git(
            &self.project,
            &[
                "commit",
                "-qam",
                "starter.toml as an older starter wrote it",
            ],
        );
        git(&self.project, &["branch", "-f", "starter-template", "HEAD"]);
    }

    fn release_v2(&self) {
        copy_dir(&fixture("v2"), &self.team_template);
    }
}

#[test]
fn update_keeps_user_edits_and_gains_the_new_version() {
    let s = Setup::new();
    assert!(
        s.read("starter.toml")
            .contains("template_version = \"1.0.0\"")
    );
    s.edit(
        "NOTES.md",
        "line a: written by the template",
        "line a: edited by the team",
    );
    git(&s.project, &["commit", "-qam", "team edit"]);

    s.in_project(&["check"])
        .success()
        .stdout(predicate::str::contains("up to date: template 1.0.0"));
    s.release_v2();
    s.in_project(&["check"])
        .code(3)
        .stdout(predicate::str::contains(
            "behind: template 1.0.0, newest is 1.1.0",
        ));

    let before = git(&s.project, &["rev-parse", "HEAD"]);
    s.in_project(&["diff", "-d", "service_port=9090"])
        .success()
        .stdout(predicate::str::contains("+port = 9090"))
        .stdout(predicate::str::contains(
            "+line e: database sqlite, revised in v2",
        ));
    assert_eq!(
        git(&s.project, &["rev-parse", "HEAD"]),
        before,
        "diff changed the project"
    );
    assert_eq!(git(&s.project, &["status", "--porcelain"]), "");

    s.in_project(&["update", "-d", "service_port=9090"])
        .success()
        .stdout(predicate::str::contains(
            "Updated from template 1.0.0 to 1.1.0",
        ));
    let notes = s.read("NOTES.md");
    assert!(notes.contains("line a: edited by the team"), "{notes}");
    assert!(
        notes.contains("line e: database sqlite, revised in v2"),
        "{notes}"
    );
    assert_eq!(s.read("service.toml"), "port = 9090\n");
    assert!(s.read("src/main.rs").contains("hello from template v2"));
    let record = s.read("starter.toml");
    assert!(record.contains("template_version = \"1.1.0\""), "{record}");
    assert!(record.contains("service_port = \"9090\""), "{record}");
    assert_eq!(git(&s.project, &["status", "--porcelain"]), "");
    // The user's branch holds the merge; the pristine line holds only renders.
    assert_eq!(
        git(&s.project, &["rev-parse", "--abbrev-ref", "HEAD"]),
        "main"
    );
    let pristine_log = git(&s.project, &["log", "--format=%s", "starter-template"]);
    assert!(!pristine_log.contains("team edit"), "{pristine_log}");
    s.in_project(&["check"]).success();
}

#[test]
fn a_new_question_without_an_answer_names_its_flag_and_changes_nothing() {
    let s = Setup::new();
    s.release_v2();
    let pristine = git(&s.project, &["rev-parse", "starter-template"]);
    s.in_project(&["update"])
        .code(2)
        .stderr(predicate::str::contains("-d service_port=VALUE"))
        // Issue #14: update takes no --answers; its fix names what it takes.
        .stderr(predicate::str::contains("--answers").not())
        .stderr(predicate::str::contains(
            "pass the -d answers above, or --yes",
        ));
    assert_eq!(
        git(&s.project, &["rev-parse", "starter-template"]),
        pristine
    );
    assert!(!s.project.join("service.toml").exists());
    // --yes takes the new question's default.
    s.in_project(&["update", "--yes"]).success();
    assert_eq!(s.read("service.toml"), "port = 8080\n");
}

#[test]
fn a_colliding_edit_becomes_a_conflict_and_loses_nothing() {
    let s = Setup::new();
    s.edit(
        "src/main.rs",
        "hello from template v1",
        "hello from the team",
    );
    git(&s.project, &["commit", "-qam", "team edit of main.rs"]);
    s.release_v2();
    s.in_project(&["update", "--yes"])
        .code(1)
        .stderr(predicate::str::contains("conflicts in:"))
        .stderr(predicate::str::contains("src/main.rs"));
    let main = s.read("src/main.rs");
    assert!(
        main.contains("<<<<<<<") && main.contains(">>>>>>>"),
        "{main}"
    );
    assert!(main.contains("hello from the team"), "{main}");
    assert!(main.contains("hello from template v2"), "{main}");
    // Issue #14: mid-merge, check, diff and update say what state the project is in.
    for command in [&["check"][..], &["diff"], &["update", "--yes"]] {
        s.in_project(command)
            .code(2)
            .stderr(predicate::str::contains("an update is half done"))
            .stderr(predicate::str::contains("src/main.rs"))
            .stderr(predicate::str::contains("git merge --abort"));
    }
    git(&s.project, &["merge", "--abort"]);
    assert!(s.read("src/main.rs").contains("hello from the team"));
}

#[test]
fn a_dirty_work_tree_is_refused() {
    let s = Setup::new();
    s.release_v2();
    s.edit("NOTES.md", "line b", "line b, not committed");
    s.in_project(&["update", "--yes"])
        .code(2)
        .stderr(predicate::str::contains("uncommitted changes"));
    assert!(s.read("NOTES.md").contains("line b, not committed"));
    assert!(!s.project.join("service.toml").exists());
}

#[test]
fn a_git_template_at_a_tag_renders_that_exact_commit_and_updates_to_the_newest_tag() {
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path().join("work");
    copy_dir(&fixture("v1"), &work);
    git(&work, &["init", "-q", "-b", "main"]);
    git(&work, &["add", "-A"]);
    git(&work, &["commit", "-qm", "template v1"]);
    git(&work, &["tag", "v1.0.0"]);
    let v1_commit = git(&work, &["rev-parse", "HEAD"]);
    // v2 replaces the work tree; the repository itself is kept aside meanwhile.
    let git_dir = work.join(".git");
    let saved_git = tmp.path().join("saved-git");
    std::fs::rename(&git_dir, &saved_git).unwrap();
    copy_dir(&fixture("v2"), &work);
    std::fs::rename(&saved_git, &git_dir).unwrap();
    git(&work, &["add", "-A"]);
    git(&work, &["commit", "-qm", "template v2"]);
    git(&work, &["tag", "v1.1.0"]);
    let v2_commit = git(&work, &["rev-parse", "HEAD"]);
    let bare = tmp.path().join("template.git");
    git(
        tmp.path(),
        &[
            "clone",
            "-q",
            "--bare",
            work.to_str().unwrap(),
            bare.to_str().unwrap(),
        ],
    );
    let url = format!("file://{}", bare.display());
    let cache = tmp.path().join("cache");
    let project = tmp.path().join("from-git");

    starter()
        .env("STARTER_CACHE_DIR", &cache)
        .args([
            "new",
            "from-git",
            "--yes",
            "--template",
            &url,
            "--ref",
            "v1.0.0",
            "-o",
        ])
        .arg(&project)
        .assert()
        .success();
    let record = std::fs::read_to_string(project.join("starter.toml")).unwrap();
    assert!(
        record.contains(&format!("commit = \"{v1_commit}\"")),
        "{record}"
    );
    assert!(record.contains("reference = \"v1.0.0\""), "{record}");
    assert!(
        std::fs::read_to_string(project.join("src/main.rs"))
            .unwrap()
            .contains("template v1")
    );

    starter()
        .env("STARTER_CACHE_DIR", &cache)
        .args(["check", "-p"])
        .arg(&project)
        .assert()
        .code(3)
        .stdout(predicate::str::contains("newest is 1.1.0"));
    starter()
        .env("STARTER_CACHE_DIR", &cache)
        .args(["update", "--yes", "-p"])
        .arg(&project)
        .assert()
        .success();
    let record = std::fs::read_to_string(project.join("starter.toml")).unwrap();
    assert!(
        record.contains(&format!("commit = \"{v2_commit}\"")),
        "{record}"
    );
    assert!(
        std::fs::read_to_string(project.join("src/main.rs"))
            .unwrap()
            .contains("template v2")
    );

    starter()
        .env("STARTER_CACHE_DIR", &cache)
        .args([
            "new",
            "bad-ref",
            "--yes",
            "--template",
            &url,
            "--ref",
            "v9.9.9",
            "-o",
        ])
        .arg(tmp.path().join("bad-ref"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a tag, branch or commit"));
    assert!(!tmp.path().join("bad-ref").exists());
}

#[test]
fn a_template_without_a_usable_manifest_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let cases: &[(&str, &str)] = &[
        ("", "cargo-generate.toml is missing"),
        ("[placeholders\n", "malformed"),
        (
            "[placeholders.x]\ntype = \"string\"\nprompt = \"x\"\ndefault = \"a\"\n",
            "no [starter] table",
        ),
        (
            "[starter]\ntemplate_version = \"1.0.0\"\nmin_starter_version = \"99.0.0\"\n",
            "needs starter 99.0.0",
        ),
    ];
    for (i, (manifest, message)) in cases.iter().enumerate() {
        let dir = tmp.path().join(format!("t{i}"));
        std::fs::create_dir_all(dir.join("locales")).unwrap();
        std::fs::write(dir.join("locales/en.json"), "{}").unwrap();
        if !manifest.is_empty() {
            std::fs::write(dir.join("cargo-generate.toml"), manifest).unwrap();
        }
        starter()
            .current_dir(tmp.path())
            .args(["new", &format!("p{i}"), "--yes", "--no-git", "--template"])
            .arg(&dir)
            .assert()
            .failure()
            .stderr(predicate::str::contains(*message));
        assert!(!tmp.path().join(format!("p{i}")).exists());
    }
}

/// Issue #14: on the newest version, check, diff and update agree: nothing to do, no commit.
#[test]
fn an_up_to_date_project_is_left_alone_by_diff_and_update() {
    let s = Setup::new();
    let head = git(&s.project, &["rev-parse", "HEAD"]);
    s.in_project(&["check"])
        .success()
        .stdout(predicate::str::contains("up to date"));
    s.in_project(&["diff"])
        .success()
        .stdout(predicate::str::contains("No changes"));
    for args in [
        &["update", "--yes"][..],
        &["update", "--yes", "--to", "1.0.0"],
    ] {
        s.in_project(args)
            .success()
            .stdout(predicate::str::contains("Already up to date"));
    }
    assert_eq!(git(&s.project, &["rev-parse", "HEAD"]), head);
}

/// Issue #12: a project generated before the `email` question existed has no account emails,
/// and its starter.toml has no `email`. `check`, `diff` and `update` read it as email = false
/// (saying so), the update records it explicitly, and `-d email=true` chooses otherwise.
#[test]
fn a_record_that_predates_the_email_question_updates_as_email_off() {
    let s = Setup::new();
    let record = s.read("starter.toml");
    assert!(record.contains("\nemail = false\n"), "{record}");
    s.record_predating_email();

    s.in_project(&["check"])
        .success()
        .stdout(predicate::str::contains("up to date: template 1.0.0"));
    s.release_v2();
    s.in_project(&["diff", "-d", "service_port=9090"])
        .success()
        .stdout(predicate::str::contains("+email = false"))
        .stdout(predicate::str::contains("+redis = false"))
        .stderr(predicate::str::contains(
            "starter.toml predates the `email` question: taken as email = false",
        ))
        .stderr(predicate::str::contains(
            "starter.toml predates the `redis` question: taken as redis = false",
        ));
    s.in_project(&["update", "-d", "service_port=9090"])
        .success()
        .stderr(predicate::str::contains("taken as email = false"))
        .stderr(predicate::str::contains("taken as redis = false"));
    let record = s.read("starter.toml");
    assert!(record.contains("template_version = \"1.1.0\""), "{record}");
    assert!(record.contains("\nemail = false\n"), "{record}");
    assert!(record.contains("\nredis = false\n"), "{record}");
    assert_eq!(git(&s.project, &["status", "--porcelain"]), "");
    s.in_project(&["check"]).success();
}

#[test]
fn a_record_that_predates_the_email_question_may_choose_emails_on_update() {
    let s = Setup::new();
    s.record_predating_email();
    s.release_v2();
    // A bad answer is refused as `new` refuses it, and changes nothing.
    let pristine = git(&s.project, &["rev-parse", "starter-template"]);
    s.in_project(&["update", "--yes", "-d", "email=maybe"])
        .code(2)
        .stderr(predicate::str::contains("`email` must be true or false"));
    assert_eq!(
        git(&s.project, &["rev-parse", "starter-template"]),
        pristine
    );
    s.in_project(&["update", "--yes", "-d", "email=true", "-d", "redis=false"])
        .success()
        .stderr(predicate::str::contains("predates").not());
    let record = s.read("starter.toml");
    assert!(record.contains("\nemail = true\n"), "{record}");
    assert!(record.contains("\nredis = false\n"), "{record}");
    assert!(record.contains("template_version = \"1.1.0\""), "{record}");
}

/// Issue #12: a team's template that does not declare `email` (forked before it) has no
/// account emails: its projects are not asked about them and record email = false, even
/// with --yes (whose default for the embedded template is true); an explicit answer is kept.
#[test]
fn a_template_without_the_email_question_records_email_off_without_asking() {
    let s = Setup::new();
    let record = s.read("starter.toml");
    assert!(record.contains("\nemail = false\n"), "{record}");
    // Without a terminal and without --yes: not a missing answer.
    let out = s._tmp.path().join("asked");
    s.starter()
        .args(["new", "asked", "--template"])
        .arg(&s.team_template)
        .args([
            "--db",
            "sqlite",
            "--no-docs",
            "--no-cors",
            "--locale",
            "en",
            "-o",
        ])
        .arg(&out)
        .write_stdin("")
        .assert()
        .success()
        .stdout(predicate::str::contains("account emails off, Redis off"));
    // Issue #13: nor about Redis, which such a template has no code for either.
    let record = std::fs::read_to_string(out.join("starter.toml")).unwrap();
    assert!(record.contains("\nredis = false\n"), "{record}");
    let explicit = s._tmp.path().join("explicit");
    s.starter()
        .args(["new", "explicit", "--yes", "--email", "--template"])
        .arg(&s.team_template)
        .arg("-o")
        .arg(&explicit)
        .assert()
        .success();
    let record = std::fs::read_to_string(explicit.join("starter.toml")).unwrap();
    assert!(record.contains("\nemail = true\n"), "{record}");
}
