//! The refresh token as an HttpOnly cookie (REFRESH_TOKEN_TRANSPORT=cookie): what login and
//! refresh set, what refresh and logout read, and what logout and a failed refresh clear.
//!
//! `__Host-refresh_token=<token>; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=<ttl>`:
//! scripts cannot read it (HttpOnly), it travels only over HTTPS (Secure), browsers attach it to
//! same-site requests only (SameSite=Strict), and the `__Host-` prefix makes browsers refuse it
//! unless it is Secure, host-only and for `/`, so no sibling subdomain can plant or shadow it.
//! With REFRESH_COOKIE_SECURE=false (http:// loopback development only, checked at start) the
//! prefix is impossible and the cookie is plain `refresh_token`.
//!
//! The `Cookie` header is parsed here by hand (RFC 6265 section 5.4 syntax: `name=value` pairs
//! separated by `;` and optional whitespace, possibly over several `Cookie` headers): we need one
//! name and one fixed-format value, which takes a few lines, while the `cookie` crate would add
//! a dependency (and its `time` and percent-encoding features) for that. Bytes that are not valid
//! in a header, other cookies, garbage and oversized values cost nothing: a value that is not
//! exactly one refresh token (43 base64url characters) is no token, and so is a name sent twice
//! with different values (only possible without the prefix, by a cookie set for a parent domain).

use axum::http::header::COOKIE;
use axum::http::{HeaderMap, HeaderValue};

use crate::config::Config;

#[derive(Clone)]
pub struct RefreshCookie {
    name: &'static str,
    /// The attributes after the value, `Max-Age` excepted.
    attributes: &'static str,
    max_age: u64,
}

impl RefreshCookie {
    pub fn new(config: &Config) -> Self {
        let (name, attributes) = if config.refresh_cookie_secure {
            (
                "__Host-refresh_token",
                "HttpOnly; Secure; SameSite=Strict; Path=/",
            )
        } else {
            ("refresh_token", "HttpOnly; SameSite=Strict; Path=/")
        };
        Self {
            name,
            attributes,
            max_age: config.refresh_token_ttl.as_secs(),
        }
    }

    /// `Set-Cookie` carrying `token` for the refresh token's lifetime.
    pub fn set(&self, token: &str) -> HeaderValue {
        self.header(token, self.max_age)
    }

    /// `Set-Cookie` that makes the browser forget the cookie (same name and attributes).
    pub fn clear(&self) -> HeaderValue {
        self.header("", 0)
    }

    fn header(&self, value: &str, max_age: u64) -> HeaderValue {
        let text = format!(
            "{}={value}; {}; Max-Age={max_age}",
            self.name, self.attributes
        );
        // A refresh token is base64url: the header is always valid; never a panic regardless.
        HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""))
    }

    /// The refresh token of the request's cookie, if it carries exactly one well-formed one.
    pub fn read(&self, headers: &HeaderMap) -> Option<String> {
        let mut found: Option<&[u8]> = None;
        for header in headers.get_all(COOKIE) {
            for pair in header.as_bytes().split(|&b| b == b';') {
                let pair = pair.trim_ascii();
                let Some(eq) = pair.iter().position(|&b| b == b'=') else {
                    continue;
                };
                let (name, value) = (pair[..eq].trim_ascii(), pair[eq + 1..].trim_ascii());
                if name != self.name.as_bytes() {
                    continue;
                }
                match found {
                    Some(earlier) if earlier != value => return None,
                    _ => found = Some(value),
                }
            }
        }
        let value = found?;
        let well_formed = value.len() == 43
            && value
                .iter()
                .all(|&b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        well_formed.then(|| String::from_utf8_lossy(value).into_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "q3J9Wm0v2bT7yXcR1nLs8dKe4fHa6gPu5iOz0AwVtBk";

    fn cookie(secure: bool) -> RefreshCookie {
        let config = crate::Config::from_lookup(|k| match k {
            "DATABASE_URL" => Some("x".into()),
            "JWT_SECRET" => Some("9f2c71e04ab8d35c6e1f07a9b42d8c3e".into()),
            "CORS_ALLOWED_ORIGINS" => Some("http://localhost:3000".into()),
            "REFRESH_COOKIE_SECURE" => Some(secure.to_string()),
            "REFRESH_TOKEN_TTL_SECS" => Some("600".into()),
            "MAIL_DIR" => Some("mail".into()),
            "MAIL_FROM" => Some("no-reply@example.com".into()),
            "APP_URL" => Some("https://app.example.com".into()),
            "REDIS_URL" => Some("redis://127.0.0.1:6379".into()),
            _ => None,
        })
        .expect("config");
        RefreshCookie::new(&config)
    }

    fn headers(values: &[&[u8]]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for v in values {
            map.append(COOKIE, HeaderValue::from_bytes(v).expect("header bytes"));
        }
        map
    }

    #[test]
    fn set_and_clear_carry_the_same_name_and_attributes() {
        let c = cookie(true);
        assert_eq!(
            c.set(TOKEN),
            format!(
                "__Host-refresh_token={TOKEN}; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=600"
            )
        );
        assert_eq!(
            c.clear(),
            "__Host-refresh_token=; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=0"
        );
        assert_eq!(
            cookie(false).set(TOKEN),
            format!("refresh_token={TOKEN}; HttpOnly; SameSite=Strict; Path=/; Max-Age=600")
        );
    }

    #[test]
    fn the_token_is_found_among_other_cookies_and_headers_with_any_spacing() {
        let c = cookie(true);
        let ok = Some(TOKEN.to_string());
        let one = format!("__Host-refresh_token={TOKEN}");
        let spaced = format!("a=1 ;  __Host-refresh_token = {TOKEN} ;b=2");
        let tight = format!("theme=dark;__Host-refresh_token={TOKEN};lang=fr");
        assert_eq!(c.read(&headers(&[one.as_bytes()])), ok);
        assert_eq!(c.read(&headers(&[spaced.as_bytes()])), ok);
        assert_eq!(c.read(&headers(&[tight.as_bytes()])), ok);
        assert_eq!(c.read(&headers(&[b"a=1", one.as_bytes(), b"b=2"])), ok);
        // The same value twice (two headers) is still one token.
        assert_eq!(c.read(&headers(&[one.as_bytes(), one.as_bytes()])), ok);
    }

    #[test]
    fn garbled_oversized_ambiguous_or_misnamed_cookies_are_no_token() {
        let c = cookie(true);
        let other = "A".repeat(43);
        let long = "A".repeat(8000);
        let cases: Vec<Vec<u8>> = vec![
            b"".to_vec(),
            b";;;==;".to_vec(),
            format!("refresh_token={TOKEN}").into_bytes(),
            format!("__host-refresh_token={TOKEN}").into_bytes(),
            format!("__Host-refresh_token=\"{TOKEN}\"").into_bytes(),
            format!("__Host-refresh_token={}", &TOKEN[..42]).into_bytes(),
            format!("__Host-refresh_token={TOKEN}x").into_bytes(),
            format!("__Host-refresh_token={long}").into_bytes(),
            format!("__Host-refresh_token={}.", &TOKEN[..42]).into_bytes(),
            format!("__Host-refresh_token={TOKEN}; __Host-refresh_token={other}").into_bytes(),
            [b"__Host-refresh_token=".as_slice(), &[0xff; 43]].concat(),
        ];
        for case in &cases {
            assert_eq!(
                c.read(&headers(&[case])),
                None,
                "{}",
                String::from_utf8_lossy(case)
            );
        }
        // Without Secure only the plain name counts: a prefixed cookie is not read.
        let prefixed = format!("__Host-refresh_token={TOKEN}");
        assert_eq!(cookie(false).read(&headers(&[prefixed.as_bytes()])), None);
    }
}
