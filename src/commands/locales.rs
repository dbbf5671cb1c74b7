//! `starter locales`: the catalogues shipped with the embedded template.

use std::io::Write;

use anyhow::Context;

use starter::template::{self, Template};

pub fn run() -> anyhow::Result<()> {
    let template = Template::embedded().context("the embedded template is broken")?;
    let mut out = std::io::stdout().lock();
    for tag in template.locales() {
        writeln!(out, "{tag:6} {}", template::locale_name(&tag))?;
    }
    Ok(())
}
