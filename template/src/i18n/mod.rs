//! Localized error messages: one JSON catalogue per locale, compiled in (no i18n crate: a
//! table keyed by error code is all an API error needs), and `Accept-Language` negotiation
//! with q-values and prefix fallback (`fr-CA` -> `fr`).

mod catalogues;

use std::collections::HashMap;
use std::sync::LazyLock;

pub use catalogues::CATALOGUES;

/// Always shipped; the last resort when a message is missing.
pub const FALLBACK_LOCALE: &str = "en";

type Catalogue = HashMap<String, String>;

static PARSED: LazyLock<Vec<(&'static str, Catalogue)>> = LazyLock::new(|| {
    CATALOGUES
        .iter()
        .map(|(tag, json)| {
            // The catalogues are part of the build and checked by the test suite.
            let table: Catalogue = serde_json::from_str(json).unwrap_or_else(|e| {
                panic!("locales/{tag}.json is not a JSON object of strings: {e}")
            });
            (*tag, table)
        })
        .collect()
});

pub fn available() -> Vec<&'static str> {
    CATALOGUES.iter().map(|(t, _)| *t).collect()
}

pub fn is_available(tag: &str) -> bool {
    CATALOGUES.iter().any(|(t, _)| *t == tag)
}

/// The message for `code` in `locale`, with `{name}` placeholders filled from `params`.
pub fn message(locale: &str, code: &str, params: &[(&str, String)]) -> String {
    let lookup = |tag: &str| {
        PARSED
            .iter()
            .find(|(t, _)| *t == tag)
            .and_then(|(_, c)| c.get(code))
    };
    let template = lookup(locale)
        .or_else(|| lookup(FALLBACK_LOCALE))
        .map(String::as_str)
        .unwrap_or(code);
    let mut text = template.to_string();
    for (name, value) in params {
        // (No format!: doubled braces would read as Liquid in the template.)
        let placeholder = ["{", name, "}"].concat();
        text = text.replace(&placeholder, value);
    }
    text
}

/// Picks the best shipped locale for an `Accept-Language` header: highest q first, exact tag
/// before prefix (`fr-CA` -> `fr`, `pt` -> `pt-BR`), `q=0` never, else `default`.
pub fn negotiate(accept_language: Option<&str>, default: &str) -> &'static str {
    let default = CATALOGUES
        .iter()
        .map(|(t, _)| *t)
        .find(|t| *t == default)
        .unwrap_or(FALLBACK_LOCALE);
    let Some(header) = accept_language else {
        return default;
    };
    let mut ranges: Vec<(f32, usize, &str)> = header
        .split(',')
        .enumerate()
        .filter_map(|(i, part)| {
            let mut pieces = part.split(';');
            let tag = pieces.next()?.trim();
            let q = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .map(|q| q.trim().parse::<f32>().unwrap_or(0.0))
                .unwrap_or(1.0);
            (!tag.is_empty() && q > 0.0 && tag.len() <= 35).then_some((q, i, tag))
        })
        .take(32)
        .collect();
    ranges.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, _, tag) in ranges {
        if tag == "*" {
            return default;
        }
        if let Some(found) = match_tag(tag) {
            return found;
        }
    }
    default
}

fn match_tag(tag: &str) -> Option<&'static str> {
    let tags = || CATALOGUES.iter().map(|(t, _)| *t);
    if let Some(exact) = tags().find(|t| t.eq_ignore_ascii_case(tag)) {
        return Some(exact);
    }
    let primary = tag.split('-').next()?;
    tags()
        .find(|t| t.eq_ignore_ascii_case(primary))
        .or_else(|| {
            tags().find(|t| {
                t.split('-')
                    .next()
                    .is_some_and(|p| p.eq_ignore_ascii_case(primary))
            })
        })
}
