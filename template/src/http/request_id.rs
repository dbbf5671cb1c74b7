//! Request ids that clients send are kept only when they are safe to print: at most 64
//! characters of `[A-Za-z0-9._-]`. Anything else is replaced by a fresh one
//! (`request_scope`), so a client cannot put spaces, quotes or line breaks into a log line
//! through it.

const MAX_LEN: usize = 64;

pub fn is_safe(id: &[u8]) -> bool {
    !id.is_empty()
        && id.len() <= MAX_LEN
        && id
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// `text` with every byte outside printable ASCII (and quotes, backslashes) percent-encoded: the result
/// is one line with no escape sequences in either log format. A URI path is already mostly
/// encoded this way, so it reads as the client sent it.
pub fn log_safe(text: &str) -> std::borrow::Cow<'_, str> {
    let clean = |b: u8| (0x21..=0x7e).contains(&b) && b != b'\\' && b != b'"';
    if text.bytes().all(clean) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for b in text.bytes() {
        if clean(b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_short_safe_ids_are_kept() {
        assert!(is_safe(b"abc-123_X.y"));
        assert!(is_safe("a".repeat(64).as_bytes()));
        assert!(!is_safe("a".repeat(65).as_bytes()));
        for bad in ["", "a b", "a\"b", "a\nb", "a\x1b[31m", "a=b", "ä"] {
            assert!(!is_safe(bad.as_bytes()), "{bad:?}");
        }
    }

    #[test]
    fn log_safe_text_has_no_breaks_or_escapes() {
        assert_eq!(log_safe("/users/me"), "/users/me");
        assert_eq!(log_safe("/a\nb\x1b[31m"), "/a%0Ab%1B[31m");
        assert_eq!(log_safe("/a\u{2028}b c"), "/a%E2%80%A8b%20c");
        assert_eq!(log_safe("/a\"b\\"), "/a%22b%5C");
    }
}
