//! The account emails, written in the user's language: one JSON catalogue per shipped locale
//! (`locales/mail/*.json`, beside the error catalogues), each message a subject and a body of
//! paragraphs. The text part is the body; the HTML part is the same paragraphs, escaped, with
//! the link as an anchor. A locale missing a message falls back to English.

use std::sync::LazyLock;

use super::catalogues::CATALOGUES;
use crate::i18n::Catalogues;

/// Every kind of mail the API sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    VerifyEmail,
    RegistrationAttempt,
    PasswordReset,
    PasswordChanged,
    EmailChangeConfirm,
    EmailChangeNotice,
}

impl Kind {
    pub const ALL: &[Kind] = &[
        Kind::VerifyEmail,
        Kind::RegistrationAttempt,
        Kind::PasswordReset,
        Kind::PasswordChanged,
        Kind::EmailChangeConfirm,
        Kind::EmailChangeNotice,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::VerifyEmail => "verify_email",
            Kind::RegistrationAttempt => "registration_attempt",
            Kind::PasswordReset => "password_reset",
            Kind::PasswordChanged => "password_changed",
            Kind::EmailChangeConfirm => "email_change_confirm",
            Kind::EmailChangeNotice => "email_change_notice",
        }
    }
}

/// A message ready for the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

static PARSED: LazyLock<Catalogues> =
    LazyLock::new(|| Catalogues::parse(CATALOGUES, "locales/mail"));

/// The catalogue keys of `kind`: its subject and its body.
pub fn keys(kind: Kind) -> [String; 2] {
    let name = kind.as_str();
    [[name, ".subject"].concat(), [name, ".body"].concat()]
}

fn lookup(locale: &str, key: &str) -> Option<&'static str> {
    PARSED.lookup(locale, key)
}

/// `kind` in `locale`, with `{name}` placeholders filled from `params` (`link` becomes an
/// anchor in the HTML part). Values are escaped for HTML; the text part is left as is.
pub fn render(kind: Kind, locale: &str, params: &[(&str, String)]) -> Rendered {
    let [subject_key, body_key] = keys(kind);
    let subject = fill(
        lookup(locale, &subject_key).unwrap_or(kind.as_str()),
        params,
    );
    let body = lookup(locale, &body_key).unwrap_or(kind.as_str());
    let text = fill(body, params);
    let html_params: Vec<(&str, String)> = params
        .iter()
        .map(|(name, value)| {
            let escaped = escape(value);
            let html = if *name == "link" {
                ["<a href=\"", &escaped, "\">", &escaped, "</a>"].concat()
            } else {
                escaped
            };
            (*name, html)
        })
        .collect();
    let paragraphs: String = body
        .split("\n\n")
        .map(|p| ["<p>", &fill(&escape(p), &html_params), "</p>\n"].concat())
        .collect();
    let dir = if locale == "ar" { "rtl" } else { "ltr" };
    let html = [
        "<!DOCTYPE html>\n<html lang=\"",
        locale,
        "\" dir=\"",
        dir,
        "\">\n<head><meta charset=\"utf-8\"><title>",
        &escape(&subject),
        "</title></head>\n<body>\n",
        &paragraphs,
        "</body>\n</html>\n",
    ]
    .concat();
    Rendered {
        subject,
        text,
        html,
    }
}

fn fill(template: &str, params: &[(&str, String)]) -> String {
    let mut text = template.to_string();
    for (name, value) in params {
        // (No format!: doubled braces would read as Liquid in the template.)
        text = text.replace(&["{", name, "}"].concat(), value);
    }
    text
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shipped_locale_has_every_mail_message() {
        for (tag, json) in CATALOGUES {
            let catalogue: std::collections::HashMap<String, String> =
                serde_json::from_str(json).unwrap();
            for kind in Kind::ALL {
                for key in keys(*kind) {
                    assert!(
                        catalogue.get(&key).is_some_and(|m| !m.trim().is_empty()),
                        "locales/mail/{tag}.json has no {key}"
                    );
                }
            }
            assert_eq!(catalogue.len(), Kind::ALL.len() * 2, "{tag}: unknown keys");
            for link_kind in [
                Kind::VerifyEmail,
                Kind::PasswordReset,
                Kind::EmailChangeConfirm,
            ] {
                let body = &catalogue[&keys(link_kind)[1]];
                assert!(body.contains("{link}"), "{tag}: {link_kind:?} has no link");
            }
        }
    }

    #[test]
    fn html_part_escapes_values_and_links_the_link() {
        let m = render(
            Kind::EmailChangeNotice,
            "en",
            &[("new_email", "<b>x</b>@example.com".into())],
        );
        assert!(m.text.contains("<b>x</b>@example.com"));
        assert!(m.html.contains("&lt;b&gt;x&lt;/b&gt;@example.com"));
        assert!(!m.html.contains("<b>"));
        let link = "https://app.example.com/verify-email#token=abc";
        let v = render(Kind::VerifyEmail, "en", &[("link", link.into())]);
        assert!(v.html.contains(&format!("<a href=\"{link}\">{link}</a>")));
        assert!(v.text.contains(link));
    }
}
