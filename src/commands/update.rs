//! `starter update`: render the newer template version and let git merge it.

use starter::answers::{Answers, Command, PartialAnswers};
use starter::cli::{UpdateArgs, parse_defines};
use starter::prompt;
use starter::record::ProjectRecord;
use starter::template::Template;
use starter::update::{self, Target, UpdateOutcome};

/// The recorded answers, plus answers to the questions the new version adds.
pub(super) fn answers_for(
    record: &ProjectRecord,
    template: &Template,
    args: &UpdateArgs,
) -> anyhow::Result<Answers> {
    let mut partial = PartialAnswers::from(record.answers.clone());
    let defines = parse_defines(&args.defines)?;
    // Read once already (the record); only a note depends on reading it again.
    let text =
        std::fs::read_to_string(args.dir.join(starter::record::RECORD_FILE)).unwrap_or_default();
    for (key, value) in starter::record::assumed_answers(&text) {
        if !defines.contains_key(key) {
            eprintln!(
                "note: starter.toml predates the `{key}` question: taken as {key} = {value}, as the project was generated without it; pass -d {key}=VALUE to choose"
            );
        }
    }
    for (key, value) in defines {
        partial.define(&key, &value)?;
    }
    let available = template.locales();
    if !args.yes
        && prompt::is_interactive()
        && !update::new_questions(&record.answers, template).is_empty()
    {
        // Ctrl-C at a prompt restores the terminal and exits 130.
        let _watch = crate::interrupt::watch_new().ok();
        partial = prompt::ask_missing(partial, &template.manifest, &available, &|_| Ok(()))?;
    }
    Ok(partial.finish_for(Command::Update, &template.manifest, &available, args.yes)?)
}

pub(super) fn target(args: &UpdateArgs) -> Target {
    Target {
        to: args.to.clone(),
        reference: args.reference.clone(),
    }
}

pub fn run(args: &UpdateArgs) -> anyhow::Result<()> {
    let (git, record) = update::open_project(&args.dir)?;
    let template = update::target_template(&record, &target(args))?;
    let from = &record.starter.template_version;
    if args.reference.is_none() && update::is_current(&record, &template) {
        println!(
            "Already up to date: the project is on template {from} ({}); nothing merged.",
            template.source
        );
        return Ok(());
    }
    let answers = answers_for(&record, &template, args)?;
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
