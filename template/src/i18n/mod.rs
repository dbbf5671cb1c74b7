//! Localized error messages: one JSON catalogue per locale, compiled in (no i18n crate: a
//! table keyed by error code is all an API error needs), and `Accept-Language` negotiation
//! with q-values and prefix fallback (`fr-CA` -> `fr`).

mod catalogues;

use std::collections::HashMap;
use std::sync::LazyLock;

pub use catalogues::CATALOGUES;

/// Always shipped; the last resort when a message is missing.
pub const FALLBACK_LOCALE: &str = "en";

/// Parsed JSON catalogues, one per shipped locale, looked up with the English fallback. (The
/// error messages here and the account emails in `mail::messages` each keep one.)
pub struct Catalogues(Vec<(&'static str, HashMap<String, String>)>);

impl Catalogues {
    /// `sources` are `(tag, json)` pairs compiled in from the directory `dir`. They are part of
    /// the build and checked by the test suite, so a malformed one is a bug, not an input.
    pub fn parse(sources: &[(&'static str, &'static str)], dir: &str) -> Self {
        Self(
            sources
                .iter()
                .map(|(tag, json)| {
                    let table = serde_json::from_str(json).unwrap_or_else(|e| {
                        panic!("{dir}/{tag}.json is not a JSON object of strings: {e}")
                    });
                    (*tag, table)
                })
                .collect(),
        )
    }

    /// The text for `key` in `locale`, or in the fallback locale when that one lacks it.
    pub fn lookup(&self, locale: &str, key: &str) -> Option<&str> {
        let find = |tag: &str| {
            self.0
                .iter()
                .find(|(t, _)| *t == tag)
                .and_then(|(_, c)| c.get(key))
                .map(String::as_str)
        };
        find(locale).or_else(|| find(FALLBACK_LOCALE))
    }
}

static PARSED: LazyLock<Catalogues> = LazyLock::new(|| Catalogues::parse(CATALOGUES, "locales"));

pub fn available() -> Vec<&'static str> {
    CATALOGUES.iter().map(|(t, _)| *t).collect()
}

pub fn is_available(tag: &str) -> bool {
    CATALOGUES.iter().any(|(t, _)| *t == tag)
}

/// The message for `code` in `locale`, with `{name}` placeholders filled from `params`.
pub fn message(locale: &str, code: &str, params: &[(&str, String)]) -> String {
    let template = PARSED.lookup(locale, code).unwrap_or(code);
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
