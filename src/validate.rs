//! Validation of every answer, prompted or given: each failure says what is wrong and what
//! would be right.

use crate::error::InputError;

/// Rust keywords (all editions, reserved ones included): a crate cannot be named after one.
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut",
    "pub", "ref", "return", "self", "static", "struct", "super", "trait", "true", "try", "type",
    "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "yield", "union",
];

/// Names cargo refuses or that collide with the toolchain, target dirs or Windows devices.
const RESERVED: &[&str] = &[
    "std",
    "core",
    "alloc",
    "proc_macro",
    "proc-macro",
    "test",
    "build",
    "deps",
    "examples",
    "incremental",
    "con",
    "prn",
    "aux",
    "nul",
    "com1",
    "com2",
    "com3",
    "com4",
    "com5",
    "com6",
    "com7",
    "com8",
    "com9",
    "lpt1",
    "lpt2",
    "lpt3",
    "lpt4",
    "lpt5",
    "lpt6",
    "lpt7",
    "lpt8",
    "lpt9",
];

pub fn project_name(name: &str) -> Result<(), InputError> {
    let fix = "use lower-case letters, digits, `-` and `_`, starting with a letter, e.g. `my-api`";
    if name.is_empty() {
        return Err(InputError::new("the project name is empty", fix));
    }
    if name.len() > 48 {
        return Err(InputError::new(
            format!("the project name `{name}` is longer than 48 characters"),
            "choose a shorter name",
        ));
    }
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_lowercase());
    let rest_ok =
        chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if !first_ok || !rest_ok {
        return Err(InputError::new(
            format!("`{name}` is not a valid crate name"),
            fix,
        ));
    }
    if name.ends_with(['-', '_']) || name.contains("--") || name.contains("__") {
        return Err(InputError::new(
            format!("`{name}` has a doubled or trailing separator"),
            fix,
        ));
    }
    let snake = name.replace('-', "_");
    if KEYWORDS.contains(&snake.as_str()) {
        return Err(InputError::new(
            format!("`{name}` is a Rust keyword and cannot name a crate"),
            format!("choose another name, e.g. `{name}-api`"),
        ));
    }
    if RESERVED.contains(&name) || RESERVED.contains(&snake.as_str()) {
        return Err(InputError::new(
            format!("`{name}` is a reserved name (Rust toolchain, cargo or Windows)"),
            format!("choose another name, e.g. `{name}-api`"),
        ));
    }
    Ok(())
}

/// A CORS origin: `http(s)://host[:port]` and nothing else. Returns it as a browser sends it in
/// `Origin`, so that an exact comparison matches: surrounding blanks trimmed, scheme and host
/// in lower case, one trailing `/` dropped, and the scheme's default port (`:443` for https,
/// `:80` for http) dropped. The generated API's `CORS_ALLOWED_ORIGINS` applies the same rule.
pub fn cors_origin(origin: &str) -> Result<String, InputError> {
    let fix = "write an origin as scheme://host[:port] with http or https, e.g. https://app.example.com or http://localhost:3000";
    let bad = |why: &str| InputError::new(format!("CORS origin `{origin}` {why}"), fix);
    let lower = origin.trim().to_ascii_lowercase();
    let lower = lower.strip_suffix('/').unwrap_or(&lower);
    let (scheme, default_port, rest) = if let Some(rest) = lower.strip_prefix("https://") {
        ("https", 443, rest)
    } else if let Some(rest) = lower.strip_prefix("http://") {
        ("http", 80, rest)
    } else {
        return Err(bad("must start with http:// or https://"));
    };
    if rest.contains('*') {
        return Err(bad("contains a wildcard; list each origin instead"));
    }
    if rest.contains('/') || rest.contains('?') || rest.contains('#') {
        return Err(bad(
            "has a path, query or fragment; an origin ends after the host and port",
        ));
    }
    if rest.contains('@') {
        return Err(bad("contains user information"));
    }
    let (host, port) = match rest.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (rest, None),
    };
    let port = match port {
        None => None,
        Some(digits) => match digits.parse::<u32>() {
            Ok(n @ 1..=65535) if digits.bytes().all(|b| b.is_ascii_digit()) => Some(n),
            _ => return Err(bad("has an invalid port (1-65535)")),
        },
    };
    let host_ok = !host.is_empty()
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    if !host_ok {
        return Err(bad("has an invalid host name"));
    }
    Ok(match port {
        Some(port) if port != default_port => format!("{scheme}://{host}:{port}"),
        _ => format!("{scheme}://{host}"),
    })
}

pub fn locale(tag: &str, available: &[String]) -> Result<(), InputError> {
    if available.iter().any(|a| a == tag) {
        return Ok(());
    }
    let among = format!(
        "choose among: {} (see `starter locales`)",
        available.join(", ")
    );
    let fix = match locale_suggestions(tag, available).as_slice() {
        [] => among,
        close => format!("did you mean {}? Or {among}", close.join(" or ")),
    };
    Err(InputError::new(
        format!("locale `{tag}` is not shipped with the template"),
        fix,
    ))
}

/// The shipped tags close to `tag`: the same but for case (`FR` -> `fr`, `pt-br` -> `pt-BR`),
/// else those of the same language (`pt` -> `pt-BR`, `fr-CA` -> `fr`).
fn locale_suggestions<'a>(tag: &str, available: &'a [String]) -> Vec<&'a str> {
    let same_case: Vec<&str> = available
        .iter()
        .filter(|a| a.eq_ignore_ascii_case(tag))
        .map(String::as_str)
        .collect();
    if !same_case.is_empty() {
        return same_case;
    }
    let language = |t: &str| {
        t.split(['-', '_'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase()
    };
    let wanted = language(tag);
    available
        .iter()
        .filter(|a| !wanted.is_empty() && language(a) == wanted)
        .map(String::as_str)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for ok in ["myapi", "my-api", "my_api2", "a"] {
            assert!(project_name(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "MyApi",
            "1api",
            "my api",
            "fn",
            "self",
            "test",
            "std",
            "con",
            "my-",
            "a--b",
            "proc-macro",
            "über",
        ] {
            assert!(project_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn unknown_locales_suggest_the_shipped_ones_close_to_them() {
        let shipped: Vec<String> = ["en", "fr", "pt-BR"].map(String::from).to_vec();
        let fix = |tag: &str| locale(tag, &shipped).unwrap_err().fix;
        assert!(
            fix("pt").starts_with("did you mean pt-BR?"),
            "{}",
            fix("pt")
        );
        assert!(fix("FR").starts_with("did you mean fr?"), "{}", fix("FR"));
        assert!(
            fix("pt-br").starts_with("did you mean pt-BR?"),
            "{}",
            fix("pt-br")
        );
        assert!(
            fix("fr_CA").starts_with("did you mean fr?"),
            "{}",
            fix("fr_CA")
        );
        assert!(
            fix("xx").starts_with("choose among: en, fr, pt-BR"),
            "{}",
            fix("xx")
        );
    }

    #[test]
    fn origins() {
        assert_eq!(
            cors_origin("https://App.Example.com").unwrap(),
            "https://app.example.com"
        );
        // As a browser sends it: default ports and a lone trailing slash dropped.
        for (given, stored) in [
            ("https://app.example.com:443", "https://app.example.com"),
            ("HTTPS://App.Example.com:443/", "https://app.example.com"),
            ("http://localhost:80", "http://localhost"),
            ("http://localhost:443", "http://localhost:443"),
            ("https://x.com:80", "https://x.com:80"),
            ("https://x.com:08443", "https://x.com:8443"),
            ("http://localhost:3000/", "http://localhost:3000"),
            (" https://x.com ", "https://x.com"),
        ] {
            assert_eq!(cors_origin(given).unwrap(), stored, "{given}");
        }
        assert!(cors_origin("http://localhost:3000").is_ok());
        assert!(cors_origin("http://127.0.0.1:8080").is_ok());
        for bad in [
            "app.example.com",
            "ftp://x.com",
            "https://*.example.com",
            "https://x.com//",
            "https://x.com/path",
            "https://x.com/path/",
            "https://x.com:0",
            "https://x.com:99999",
            "https://x.com:+80",
            "https://x.com:",
            "https://user@x.com",
            "https://",
            "*",
            "null",
        ] {
            assert!(cors_origin(bad).is_err(), "{bad}");
        }
    }
}
