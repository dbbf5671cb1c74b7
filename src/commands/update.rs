//! `starter update`, `starter diff` and `starter check` at the CLI edge.

use std::io::Write;

use anyhow::Context;

use starter::answers::{Answers, PartialAnswers};
use starter::cli::{CheckArgs, UpdateArgs, parse_defines};
use starter::record::ProjectRecord;
use starter::template::Template;
use starter::update::{self, Standing, Target, UpdateOutcome};
use starter::{prompt, template};

/// Exit code of `starter check` when the project is behind: distinct from errors (1, 2).
pub const BEHIND: u8 = 3;

/// The recorded answers, plus answers to the questions the new version adds.
fn answers_for(
    record: &ProjectRecord,
    template: &Template,
    args: &UpdateArgs,
) -> anyhow::Result<Answers> {
    let mut partial = PartialAnswers::from(record.answers.clone());
    partial.extra.extend(parse_defines(&args.defines)?);
    let available = template.locales();
    if !args.yes
        && prompt::is_interactive()
        && !update::new_questions(&record.answers, template).is_empty()
    {
        let named: Vec<(String, String)> = available
            .iter()
            .map(|t| (t.clone(), template::locale_name(t).to_string()))
            .collect();
        partial = prompt::ask_missing(partial, &template.manifest, &named)?;
    }
    Ok(partial.finish(&template.manifest, &available, args.yes)?)
}

fn target(args: &UpdateArgs) -> Target {
    Target {
        to: args.to.clone(),
        reference: args.reference.clone(),
    }
}

pub fn run_update(args: &UpdateArgs) -> anyhow::Result<()> {
    let (git, record) = update::open_project(&args.dir)?;
    let template = update::target_template(&record, &target(args))?;
    let answers = answers_for(&record, &template, args)?;
    let from = &record.starter.template_version;
    let to = template
        .manifest
        .template_version()
        .unwrap_or("unversioned");
    match update::update(&git, &template, &answers)? {
        UpdateOutcome::NothingToDo => {
            println!("Already up to date: template {from} renders the same files.")
        }
        UpdateOutcome::Merged { commit } => println!(
            "Updated from template {from} to {to} ({}); merged as {}.",
            template.source,
            &commit[..12.min(commit.len())]
        ),
        UpdateOutcome::Conflicts { files } => {
            anyhow::bail!(
                "template {to} was merged with conflicts in:\n    {}\nresolve them (your version, the template's, or both), `git add` them and `git commit`; `git merge --abort` undoes the update",
                files.join("\n    ")
            );
        }
    }
    Ok(())
}

pub fn run_diff(args: &UpdateArgs) -> anyhow::Result<()> {
    let (git, record) = update::open_project(&args.dir)?;
    let template = update::target_template(&record, &target(args))?;
    let answers = answers_for(&record, &template, args)?;
    let patch = update::diff(&git, &template, &answers)?;
    let mut out = std::io::stdout().lock();
    let to = template
        .manifest
        .template_version()
        .unwrap_or("unversioned");
    if patch.is_empty() {
        writeln!(
            out,
            "No changes: template {to} renders the same files as the pristine render."
        )?;
    } else {
        writeln!(
            out,
            "# template {} -> {to} ({})",
            record.starter.template_version, template.source
        )?;
        writeln!(out, "{patch}")?;
    }
    Ok(())
}

/// Returns the exit code: 0 up to date, BEHIND when a newer version is available.
pub fn run_check(args: &CheckArgs) -> anyhow::Result<u8> {
    let record = starter::verify::read_record(&args.dir).context("starter check")?;
    match update::check(&record)? {
        Standing::UpToDate { version } => {
            println!("up to date: template {version}");
            Ok(0)
        }
        Standing::Behind { current, newest } => {
            println!("behind: template {current}, newest is {newest} (run `starter update`)");
            Ok(BEHIND)
        }
    }
}
