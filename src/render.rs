//! Renders a template with a set of variables into an in-memory list of files, exactly as
//! cargo-generate would: every file goes through Liquid unless `exclude`d (or not `include`d),
//! file and directory names are templated, a `.liquid` suffix is stripped, `ignore`d paths and
//! the manifest itself are left out, and `[conditional]` sections add their rules when true.
//! Knows nothing of prompts or of the disk.

use std::collections::btree_map::Entry;
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
    let rendered =
        crate::parallel::map(&wanted, |file| file.contents.len(), |file| render_one(file));

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
    let err = |e: liquid::Error| TemplateError::Render {
        path: path.to_string(),
        message: e.to_string(),
    };
    if let Some(skeleton) = Skeleton::of(text) {
        if let Some(segments) = segments(&skeleton.source)
            && segments.len() >= MIN_SEGMENTS
            && let Some(rendered) = render_segments(parser, globals, &skeleton, &segments)
        {
            return Ok(rendered);
        }
        let rendered = parser
            .parse(&skeleton.source)
            .map_err(err)?
            .render(globals)
            .map_err(err)?;
        if let Some(restored) = restore(&rendered, &skeleton.texts) {
            return Ok(restored);
        }
    }
    parser
        .parse(text)
        .map_err(err)?
        .render(globals)
        .map_err(err)
}

/// Below this many top-level segments, one parse of the whole skeleton is as quick.
const MIN_SEGMENTS: usize = 16;

/// One top-level piece of a skeleton: a text marker, an output tag, or a whole block from its
/// opening tag to its closing one; `first_text` is the index of its first marker.
struct Segment<'a> {
    source: &'a str,
    first_text: usize,
    texts: usize,
}

/// The skeleton cut at depth zero, or None where the pieces would not render independently
/// (a tag that keeps state, such as `assign`, `capture`, `for` or `cycle`, or anything not
/// understood). Liquid's output is the concatenation of its top-level nodes' outputs, so
/// rendering each piece alone gives the same text; pieces with the same shape (the lock
/// file's many `{% if database == ... %}` blocks) are then parsed once.
fn segments(source: &str) -> Option<Vec<Segment<'_>>> {
    let mut segments = Vec::new();
    let (mut depth, mut start, mut at, mut texts, mut first_text) = (0usize, 0, 0, 0, 0);
    while at < source.len() {
        let rest = &source[at..];
        let end = if rest.starts_with(MARK_OPEN) {
            texts += 1;
            at + rest.find(MARK_CLOSE)? + MARK_CLOSE.len_utf8()
        } else if rest.starts_with("{{") {
            at + rest.find("}}")? + 2
        } else if rest.starts_with("{%") {
            let tag_end = at + rest.find("%}")? + 2;
            let name = source[at + 2..tag_end - 2]
                .trim_start_matches('-')
                .split_whitespace()
                .next()?
                .trim_end_matches('-');
            match name {
                "if" | "unless" | "case" => {
                    depth += 1;
                    tag_end
                }
                "elsif" | "else" | "when" if depth > 0 => tag_end,
                "endif" | "endunless" | "endcase" => {
                    depth = depth.checked_sub(1)?;
                    tag_end
                }
                "raw" | "comment" => {
                    // Opaque up to its end tag: its content is never parsed as tags.
                    let close = if name == "raw" {
                        "endraw"
                    } else {
                        "endcomment"
                    };
                    let body = &source[tag_end..];
                    let mut from = 0;
                    let stop = loop {
                        let open = from + body[from..].find("{%")?;
                        let close_end = open + body[open..].find("%}")? + 2;
                        let inner = body[open + 2..close_end - 2].trim_matches('-').trim();
                        if inner == close {
                            break tag_end + close_end;
                        }
                        from = open + 2;
                    };
                    texts += source[tag_end..stop].matches(MARK_OPEN).count();
                    stop
                }
                _ => return None,
            }
        } else {
            return None;
        };
        at = end;
        if depth == 0 {
            segments.push(Segment {
                source: &source[start..at],
                first_text,
                texts: texts - first_text,
            });
            start = at;
            first_text = texts;
        }
    }
    (depth == 0).then_some(segments)
}

/// Renders each segment with its markers numbered from zero, parsing each distinct one once.
fn render_segments(
    parser: &liquid::Parser,
    globals: &liquid::Object,
    skeleton: &Skeleton,
    segments: &[Segment<'_>],
) -> Option<String> {
    let mut parsed: BTreeMap<String, liquid::Template> = BTreeMap::new();
    let mut out = String::with_capacity(skeleton.texts.iter().map(String::len).sum::<usize>());
    for segment in segments {
        let texts = skeleton
            .texts
            .get(segment.first_text..segment.first_text + segment.texts)?;
        if segment.texts == 1 && segment.source.starts_with(MARK_OPEN) {
            out.push_str(&texts[0]);
            continue;
        }
        let template = match parsed.entry(renumber(segment.source, segment.first_text)?) {
            Entry::Occupied(known) => known.into_mut(),
            Entry::Vacant(new) => {
                let template = parser.parse(new.key()).ok()?;
                new.insert(template)
            }
        };
        let rendered = template.render(globals).ok()?;
        out.push_str(&restore(&rendered, texts)?);
    }
    Some(out)
}

/// `source` with its markers numbered from zero instead of from `first`.
fn renumber(source: &str, first: usize) -> Option<String> {
    map_markers(source, source.len(), |index, out| {
        out.push(MARK_OPEN);
        out.push_str(&index.checked_sub(first)?.to_string());
        out.push(MARK_CLOSE);
        Some(())
    })
}

/// The rendered skeleton with each marker swapped back for its text.
fn restore(rendered: &str, texts: &[String]) -> Option<String> {
    map_markers(rendered, rendered.len() * 4, |index, out| {
        out.push_str(texts.get(index)?);
        Some(())
    })
}

/// `text` with each marker replaced by what `replace` writes for its number; None when a
/// marker is malformed or `replace` fails.
fn map_markers(
    text: &str,
    capacity: usize,
    mut replace: impl FnMut(usize, &mut String) -> Option<()>,
) -> Option<String> {
    let mut out = String::with_capacity(capacity);
    let mut rest = text;
    while let Some(open) = rest.find(MARK_OPEN) {
        out.push_str(&rest[..open]);
        let after = &rest[open + MARK_OPEN.len_utf8()..];
        let close = after.find(MARK_CLOSE)?;
        replace(after[..close].parse().ok()?, &mut out)?;
        rest = &after[close + MARK_CLOSE.len_utf8()..];
    }
    out.push_str(rest);
    Some(out)
}

/// The length of `rest` up to the end of `tag` (a slice of `rest`).
fn raw_len(rest: &str, tag: &str) -> usize {
    tag.as_ptr() as usize - rest.as_ptr() as usize + tag.len()
}

/// Liquid's parser is slow on long runs of plain text (~40 ms for a 100 KB lock file). A
/// skeleton keeps every tag and replaces each run of text between tags by a short marker;
/// Liquid renders the skeleton, then the markers are swapped back for their text. Output is
/// identical, because Liquid copies plain text verbatim; whitespace control (`{%-`, `-%}`,
/// `{{-`, `-}}`) is applied to the texts beside such tags here, as Liquid would. Not used
/// where the text itself holds a marker character, or on short texts.
struct Skeleton {
    source: String,
    texts: Vec<String>,
}

const MARK_OPEN: char = '\u{E000}';
const MARK_CLOSE: char = '\u{E001}';

impl Skeleton {
    fn of(text: &str) -> Option<Self> {
        if text.contains(MARK_OPEN) || text.contains(MARK_CLOSE) {
            return None;
        }
        let mut skeleton = Self {
            source: String::new(),
            texts: Vec::new(),
        };
        // Whether the last thing pushed is a text (which a `{%-` may trim).
        let mut last_is_text = false;
        let mut trim_next = false;
        let mut rest = text;
        loop {
            // The first `{{` or `{%`, found in one pass.
            let bytes = rest.as_bytes();
            let next = rest
                .match_indices('{')
                .map(|(i, _)| i)
                .find(|&i| matches!(bytes.get(i + 1), Some(b'{' | b'%')));
            let (raw, tag) = match next {
                Some(start) => {
                    let closer = if rest[start..].starts_with("{{") {
                        "}}"
                    } else {
                        "%}"
                    };
                    let end = start + 2 + rest[start + 2..].find(closer)? + 2;
                    (&rest[..start], Some(&rest[start..end]))
                }
                None => (rest, None),
            };
            let raw = if trim_next { raw.trim_start() } else { raw };
            if !raw.is_empty() {
                skeleton.push_text(raw);
                last_is_text = true;
            }
            let Some(tag) = tag else { break };
            if (tag.starts_with("{%-") || tag.starts_with("{{-")) && last_is_text {
                skeleton.trim_last_text();
            }
            trim_next = tag.ends_with("-%}") || tag.ends_with("-}}");
            skeleton.source.push_str(tag);
            last_is_text = false;
            rest = &rest[raw_len(rest, tag)..];
        }
        Some(skeleton)
    }

    fn push_text(&mut self, text: &str) {
        self.source.push(MARK_OPEN);
        self.source.push_str(&self.texts.len().to_string());
        self.source.push(MARK_CLOSE);
        self.texts.push(text.to_string());
    }

    fn trim_last_text(&mut self) {
        if let Some(last) = self.texts.last_mut() {
            let trimmed = last.trim_end().len();
            last.truncate(trimmed);
        }
    }
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

    fn vars(db: &str) -> Variables {
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

    /// The skeleton path must produce exactly what Liquid produces on the whole text.
    #[test]
    fn skeleton_rendering_equals_plain_liquid_rendering() {
        let parser = crate::filters::parser().unwrap();
        let filler = "plain text line with } and % and { braces\n".repeat(80);
        let lock_path = concat!(env!("CARGO_MANIFEST_DIR"), "/template/Cargo.lock.liquid");
        let lock = std::fs::read_to_string(lock_path).unwrap();
        let samples = [
            format!(
                "{filler}{{% if docs %}}A{{{{ database }}}}{{% else %}}B{{% endif %}}{filler}\
                 {{% raw %}}${{{{ x }}}}{{% endraw %}}{filler}"
            ),
            format!(
                "{{% unless docs %}}{filler}{{% endunless %}}{{{{ database | pascal_case }}}}\
                 {filler}{{% comment %}}{filler}{{% endcomment %}}"
            ),
            lock.clone(),
            // Many top-level blocks (the segmented path), with whitespace control, a case,
            // nesting and a raw block holding tag-like text.
            format!(
                "{filler}{}{{% raw %}}{{% if x %}}${{{{ y }}}}{{% endraw %}}{filler}",
                "{%- if docs %}\n  a {{ database }}\n{%- else -%}\n  b\n{% endif -%}\n \
                 {% case database %}{% when \"mysql\" %}M{% else %}O{% endcase %}\n\
                 {% unless docs %}{% if database == \"sqlite\" %}S{% endif %}{% endunless %}"
                    .repeat(20)
            ),
            // A tag with state: rendered whole, never in pieces.
            format!(
                "{filler}{{% assign n = database %}}{}",
                "{% if docs %}{{ n }}{% endif %}x\n".repeat(20)
            ),
        ];
        // The fast paths are taken where they should be.
        let lock_skeleton = Skeleton::of(&lock).unwrap();
        assert!(segments(&lock_skeleton.source).unwrap().len() >= MIN_SEGMENTS);
        assert!(segments(&Skeleton::of(&samples[3]).unwrap().source).is_some());
        assert!(segments(&Skeleton::of(&samples[4]).unwrap().source).is_none());
        for db in ["sqlite", "postgres", "mysql"] {
            for docs in [true, false] {
                let mut v = vars(db);
                v.insert("docs".into(), Value::Bool(docs));
                v.insert("project-name".into(), Value::Str("my-api".into()));
                let globals = liquid_globals(&v);
                for text in &samples {
                    assert!(Skeleton::of(text).is_some());
                    let direct = parser.parse(text).unwrap().render(&globals).unwrap();
                    let fast = render_text(&parser, &globals, text, "t").unwrap();
                    assert_eq!(fast, direct, "{db} {docs}");
                }
            }
        }
    }

    /// The same, on every file of the real template, in every configuration.
    #[test]
    fn skeleton_rendering_equals_plain_liquid_rendering_on_the_template() {
        let parser = crate::filters::parser().unwrap();
        let template = Template::embedded().unwrap();
        let mut checked = 0;
        for db in ["sqlite", "postgres", "mysql"] {
            for docs in [true, false] {
                let mut v = vars(db);
                v.insert("docs".into(), Value::Bool(docs));
                v.insert(
                    "cors_origins".into(),
                    Value::Str("https://a.example".into()),
                );
                v.insert("locales".into(), Value::Str("en,fr,pt-BR".into()));
                v.insert("default_locale".into(), Value::Str("fr".into()));
                let globals = liquid_globals(&v);
                for file in &template.files {
                    let Ok(text) = std::str::from_utf8(&file.contents) else {
                        continue;
                    };
                    if Skeleton::of(text).is_none() || file.path == MANIFEST_FILE {
                        continue;
                    }
                    let direct = parser.parse(text).unwrap().render(&globals).unwrap();
                    let fast = render_text(&parser, &globals, text, &file.path).unwrap();
                    assert_eq!(fast, direct, "{} ({db}, docs {docs})", file.path);
                    checked += 1;
                }
            }
        }
        assert!(checked > 60, "only {checked} renders compared");
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
