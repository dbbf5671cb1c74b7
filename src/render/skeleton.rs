//! A faster path to Liquid's output for large templates (the 100 KB lock file).
//!
//! Liquid's parser is slow on long runs of plain text (~40 ms for a 100 KB lock file). A
//! skeleton keeps every tag and replaces each run of text between tags by a short marker;
//! Liquid renders the skeleton, then the markers are swapped back for their text. Output is
//! identical, because Liquid copies plain text verbatim; whitespace control (`{%-`, `-%}`,
//! `{{-`, `-}}`) is applied to the texts beside such tags here, as Liquid would. A skeleton of
//! many top-level blocks is cut at depth zero and each distinct block shape parsed once.

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;

/// `text` rendered through its skeleton, or None where the fast path does not apply (a marker
/// character in the text, a tag it does not understand) or fails: the caller then renders
/// `text` with Liquid directly, which also reports any error against the real text.
pub(super) fn render(
    parser: &liquid::Parser,
    globals: &liquid::Object,
    text: &str,
) -> Option<String> {
    let skeleton = Skeleton::of(text)?;
    if let Some(segments) = segments(&skeleton.source)
        && segments.len() >= MIN_SEGMENTS
        && let Some(rendered) = render_segments(parser, globals, &skeleton, &segments)
    {
        return Some(rendered);
    }
    let rendered = parser.parse(&skeleton.source).ok()?.render(globals).ok()?;
    restore(&rendered, &skeleton.texts)
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

/// The text's tags, with a numbered marker for each run of text between them (see the module
/// docs). Not made where the text itself holds a marker character.
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::condition::Value;
    use crate::manifest::MANIFEST_FILE;
    use crate::render::liquid_globals;
    use crate::render::tests::vars;
    use crate::template::Template;

    /// Every combination of the boolean answers: docs, email, redis.
    const FEATURE_COMBINATIONS: [(bool, bool, bool); 8] = [
        (true, true, false),
        (true, false, false),
        (false, true, false),
        (false, false, false),
        (true, true, true),
        (true, false, true),
        (false, true, true),
        (false, false, true),
    ];

    /// What the fast path gives, checked to be there.
    fn fast(parser: &liquid::Parser, globals: &liquid::Object, text: &str) -> String {
        render(parser, globals, text).expect("the skeleton path applies")
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
            for (docs, email, redis) in FEATURE_COMBINATIONS {
                let mut v = vars(db);
                v.insert("docs".into(), Value::Bool(docs));
                v.insert("email".into(), Value::Bool(email));
                v.insert("redis".into(), Value::Bool(redis));
                v.insert("project-name".into(), Value::Str("my-api".into()));
                let globals = liquid_globals(&v);
                for text in &samples {
                    assert!(Skeleton::of(text).is_some());
                    let direct = parser.parse(text).unwrap().render(&globals).unwrap();
                    let fast = fast(&parser, &globals, text);
                    assert_eq!(fast, direct, "{db} docs {docs} email {email} redis {redis}");
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
            for (docs, email, redis) in FEATURE_COMBINATIONS {
                let mut v = vars(db);
                v.insert("docs".into(), Value::Bool(docs));
                v.insert("email".into(), Value::Bool(email));
                v.insert("redis".into(), Value::Bool(redis));
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
                    let fast = fast(&parser, &globals, text);
                    assert_eq!(
                        fast, direct,
                        "{} ({db}, docs {docs}, email {email}, redis {redis})",
                        file.path
                    );
                    checked += 1;
                }
            }
        }
        assert!(checked > 120, "only {checked} renders compared");
    }
}
