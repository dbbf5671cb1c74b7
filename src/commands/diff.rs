//! `starter diff`: what `starter update` would change, changing nothing.

use std::io::Write;

use starter::cli::UpdateArgs;
use starter::update;

pub fn run(args: &UpdateArgs) -> anyhow::Result<()> {
    let (git, record) = update::open_project(&args.dir)?;
    let template = update::target_template(&record, &super::update::target(args))?;
    if args.reference.is_none() && update::is_current(&record, &template) {
        println!(
            "No changes: the project is on template {} ({}) already.",
            record.starter.template_version, template.source
        );
        return Ok(());
    }
    let answers = super::update::answers_for(&record, &template, args)?;
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
