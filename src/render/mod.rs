//! Renders a template with a set of variables into an in-memory list of files, exactly as
//! cargo-generate would: every file goes through Liquid unless `exclude`d (or not `include`d),
//! file and directory names are templated, a `.liquid` suffix is stripped, `ignore`d paths and
//! the manifest itself are left out, and `[conditional]` sections add their rules when true.
//! Knows nothing of prompts or of the disk. Large files go through `skeleton`, a faster path
//! with the same output.

mod skeleton;

use std::collections::{BTreeMap, BTreeSet};

use globset::{Glob, GlobSet, GlobSetBuilder};

use crate::condition::{self, Value};
use crate::error::TemplateError;
use crate::manifest::{FileRules, MANIFEST_FILE, Manifest, PlaceholderType};
use crate::template::{Template, TemplateFile};

/// Template variables: built-ins (`project-name`, `crate_name`, ...) and placeholder answers.
pub type Variables = BTreeMap<String, Value>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedFile {
    pub path: String,
    pub contents: Vec<u8>,
}

/// Files that are part of the template machinery, never of a generated project.
const ALWAYS_IGNORED: &[&str] = &[MANIFEST_FILE, ".genignore"];

pub fn render(template: &Template, vars: &Variables) -> Result<Vec<RenderedFile>, TemplateError> {
    check_placeholders(&template.manifest, vars)?;
    let rules = active_rules(&template.manifest, vars)?;
    let ignore = globset(rules.ignore.as_deref().unwrap_or_default())?;
    let include = rules.include.as_deref().map(globset).transpose()?;
    let exclude = globset(rules.exclude.as_deref().unwrap_or_default())?;

    let parser = crate::filters::parser().map_err(|e| TemplateError::Render {
        path: "<parser>".into(),
        message: e.to_string(),
    })?;
    let globals = liquid_globals(vars);

    let wanted: Vec<&TemplateFile> = template
        .files
        .iter()
        .filter(|file| {
            !ALWAYS_IGNORED.contains(&file.path.as_str())
                && !matches_path_or_parent(&ignore, &file.path)
        })
        .collect();
    let render_one = |file: &TemplateFile| -> Result<RenderedFile, TemplateError> {
        let templated = match &include {
            Some(include) => matches_path_or_parent(include, &file.path),
            None => !matches_path_or_parent(&exclude, &file.path),
        };
        let contents = match std::str::from_utf8(&file.contents) {
            Ok(text) if templated && (text.contains("{{") || text.contains("{%")) => {
                render_text(&parser, &globals, text, &file.path)?.into_bytes()
            }
            _ => file.contents.clone(),
        };
        let path = render_path(&parser, &globals, &file.path)?;
        Ok(RenderedFile { path, contents })
    };
    let rendered = crate::parallel::map(&wanted, |file| render_one(file));

    let mut seen = BTreeSet::new();
    let mut out = Vec::with_capacity(rendered.len());
    // Errors in template order, whichever thread met them first.
    for file in rendered {
        let file = file?;
        if !seen.insert(file.path.clone()) {
            return Err(TemplateError::Collision(file.path));
        }
        out.push(file);
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

/// Every placeholder needs a value of its type, among its choices and matching its regex.
fn check_placeholders(manifest: &Manifest, vars: &Variables) -> Result<(), TemplateError> {
    for (name, placeholder) in &manifest.placeholders {
        let err = |message: String| TemplateError::Placeholder {
            name: name.clone(),
            message,
        };
        let value = vars
            .get(name)
            .ok_or_else(|| err("no value was given".into()))?;
        match (placeholder.kind, value) {
            (PlaceholderType::Bool, Value::Bool(_)) => {}
            (PlaceholderType::String, Value::Str(s)) => {
                if let Some(choices) = &placeholder.choices
                    && !choices.contains(s)
                {
                    return Err(err(format!("{s:?} is not one of {choices:?}")));
                }
                if let Some(re) = &placeholder.regex
                    && !placeholder.matches(s)
                {
                    return Err(err(format!("{s:?} does not match /{re}/")));
                }
            }
            (kind, v) => return Err(err(format!("{v:?} is not a {kind:?}"))),
        }
    }
    Ok(())
}

/// The template's file rules plus those of every conditional section whose condition holds.
fn active_rules(manifest: &Manifest, vars: &Variables) -> Result<FileRules, TemplateError> {
    let mut rules = manifest.template.rules.clone();
    for (expr, section) in &manifest.conditional {
        let holds =
            condition::evaluate(expr, vars).map_err(|message| TemplateError::Condition {
                expr: expr.clone(),
                message,
            })?;
        if holds {
            extend(&mut rules.ignore, &section.rules.ignore);
            extend(&mut rules.include, &section.rules.include);
            extend(&mut rules.exclude, &section.rules.exclude);
        }
    }
    Ok(rules)
}

fn extend(into: &mut Option<Vec<String>>, from: &Option<Vec<String>>) {
    if let Some(from) = from {
        into.get_or_insert_with(Vec::new)
            .extend(from.iter().cloned());
    }
}

fn globset(patterns: &[String]) -> Result<GlobSet, TemplateError> {
    let mut builder = GlobSetBuilder::new();
    for pattern in patterns {
        let trimmed = pattern.trim_start_matches("./").trim_end_matches('/');
        let glob = Glob::new(trimmed).map_err(|e| TemplateError::Glob {
            glob: pattern.clone(),
            message: e.to_string(),
        })?;
        builder.add(glob);
    }
    builder.build().map_err(|e| TemplateError::Glob {
        glob: patterns.join(", "),
        message: e.to_string(),
    })
}

/// A rule naming a directory applies to everything below it.
fn matches_path_or_parent(set: &GlobSet, path: &str) -> bool {
    if set.is_empty() {
        return false;
    }
    let mut prefix = String::new();
    for (i, part) in path.split('/').enumerate() {
        if i > 0 {
            prefix.push('/');
        }
        prefix.push_str(part);
        if set.is_match(&prefix) {
            return true;
        }
    }
    false
}

fn liquid_globals(vars: &Variables) -> liquid::Object {
    let mut globals = liquid::Object::new();
    for (name, value) in vars {
        let value = match value {
            Value::Str(s) => liquid::model::Value::scalar(s.clone()),
            Value::Bool(b) => liquid::model::Value::scalar(*b),
        };
        globals.insert(name.clone().into(), value);
    }
    globals
}

fn render_text(
    parser: &liquid::Parser,
    globals: &liquid::Object,
    text: &str,
    path: &str,
) -> Result<String, TemplateError> {
    if let Some(rendered) = skeleton::render(parser, globals, text) {
        return Ok(rendered);
    }
    let err = |e: liquid::Error| TemplateError::Render {
        path: path.to_string(),
        message: e.to_string(),
    };
    parser
        .parse(text)
        .map_err(err)?
        .render(globals)
        .map_err(err)
}

fn render_path(
    parser: &liquid::Parser,
    globals: &liquid::Object,
    path: &str,
) -> Result<String, TemplateError> {
    let mut parts = Vec::new();
    for part in path.split('/') {
        let rendered = if part.contains("{{") || part.contains("{%") {
            render_text(parser, globals, part, path)?
        } else {
            part.to_string()
        };
        if rendered.is_empty() || rendered == ".." || rendered.contains(['/', '\\']) {
            return Err(TemplateError::Render {
                path: path.to_string(),
                message: format!("the name renders to {rendered:?}, which is not a file name"),
            });
        }
        parts.push(rendered);
    }
    if let Some(last) = parts.last_mut()
        && let Some(stripped) = last.strip_suffix(".liquid")
    {
        *last = stripped.to_string();
    }
    Ok(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::TemplateSource;

    fn template(manifest: &str, files: &[(&str, &str)]) -> Template {
        Template {
            source: TemplateSource::Embedded,
            manifest: Manifest::parse(manifest).unwrap(),
            files: files
                .iter()
                .map(|(p, c)| TemplateFile {
                    path: p.to_string(),
                    contents: c.as_bytes().to_vec(),
                })
                .collect(),
        }
    }

    pub(super) fn vars(db: &str) -> Variables {
        Variables::from([
            ("project-name".into(), Value::Str("my-api".into())),
            ("crate_name".into(), Value::Str("my_api".into())),
            ("database".into(), Value::Str(db.into())),
            ("docs".into(), Value::Bool(false)),
        ])
    }

    const MANIFEST: &str = r#"
[template]
ignore = ["target"]
exclude = ["raw/*"]
[placeholders.database]
type = "string"
prompt = "db"
choices = ["sqlite", "postgres"]
[placeholders.docs]
type = "bool"
prompt = "docs"
[conditional.'database != "postgres"']
ignore = ["src/pg.rs"]
[conditional.'!docs']
ignore = ["docs"]
"#;

    fn paths(files: &[RenderedFile]) -> Vec<&str> {
        files.iter().map(|f| f.path.as_str()).collect()
    }

    #[test]
    fn renders_names_contents_and_conditionals() {
        let t = template(
            MANIFEST,
            &[
                ("cargo-generate.toml", MANIFEST),
                (
                    "Cargo.toml.liquid",
                    "name = \"{{project-name}}\" # {{ crate_name | pascal_case }}",
                ),
                ("src/{{crate_name}}.rs", "// {{ database }}"),
                ("src/pg.rs", "pg"),
                ("docs/a.md", "a"),
                ("target/x", "x"),
                ("raw/ci.yml", "${{ secrets.TOKEN }}"),
            ],
        );
        let out = render(&t, &vars("sqlite")).unwrap();
        assert_eq!(paths(&out), ["Cargo.toml", "raw/ci.yml", "src/my_api.rs"]);
        assert_eq!(out[0].contents, b"name = \"my-api\" # MyApi");
        assert_eq!(out[1].contents, b"${{ secrets.TOKEN }}");
        assert_eq!(out[2].contents, b"// sqlite");
        let out = render(&t, &vars("postgres")).unwrap();
        assert!(paths(&out).contains(&"src/pg.rs"));
    }

    #[test]
    fn undefined_variable_is_an_error() {
        let t = template(MANIFEST, &[("a.txt", "{{ nope }}")]);
        let err = render(&t, &vars("sqlite")).unwrap_err().to_string();
        assert!(err.contains("a.txt") && err.contains("nope"), "{err}");
    }

    #[test]
    fn placeholder_values_are_checked_against_the_manifest() {
        let t = template(MANIFEST, &[]);
        let err = render(&t, &vars("oracle")).unwrap_err().to_string();
        assert!(err.contains("oracle"), "{err}");
        let mut v = vars("sqlite");
        v.remove("docs");
        assert!(render(&t, &v).unwrap_err().to_string().contains("docs"));
    }

    #[test]
    fn raw_blocks_keep_github_expressions() {
        let t = template(
            MANIFEST,
            &[(
                "ci.yml",
                "db: {{database}}\n{% raw %}key: ${{ hashFiles('Cargo.lock') }}{% endraw %}",
            )],
        );
        let out = render(&t, &vars("sqlite")).unwrap();
        assert_eq!(
            out[0].contents,
            b"db: sqlite\nkey: ${{ hashFiles('Cargo.lock') }}"
        );
    }
}
