//! One canonical form per email address, so that lookalike spellings of one address cannot
//! make a second account, and a login finds the account whichever spelling is typed.
//!
//! - The whole address is NFKC-normalized first: NFD and NFC spellings become one, and
//!   fullwidth forms (`ａｄａ＠ｅｘａｍｐｌｅ．ｃｏｍ`) become ASCII.
//! - The local part is case-folded (Unicode default case folding, then NFKC again): `Straße`
//!   and `STRASSE` are one. Strictly, RFC 5321 lets a server treat local parts as
//!   case-sensitive; no mainstream provider does, and two accounts differing only in case are
//!   an impersonation risk, not a feature.
//! - The domain goes through IDNA (UTS 46) to its ASCII form: `Bücher.example` and
//!   `xn--bcher-kva.example` are one, lower-cased.
//! - Addresses that carry invisible or direction-changing characters (Unicode format
//!   characters, default-ignorables, bidi controls) are refused rather than cleaned: a cleaned
//!   address would still be shown to people in its deceptive raw form.

use caseless::Caseless;
use unicode_normalization::UnicodeNormalization;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EmailError {
    #[error("the address contains invisible, control or direction-changing characters")]
    Invisible,
    #[error("the address is not local@domain")]
    Malformed,
    #[error("the domain is not a valid host name")]
    Domain,
    #[error("the address is too long")]
    TooLong,
}

/// The canonical form of `raw` (surrounding whitespace ignored), or why it is refused.
pub fn canonical(raw: &str) -> Result<String, EmailError> {
    let raw = raw.trim();
    // Checked before normalization, which would silently drop some of them.
    if raw.chars().any(is_invisible) {
        return Err(EmailError::Invisible);
    }
    let nfkc: String = raw.nfkc().collect();
    if nfkc.chars().any(|c| is_invisible(c) || c.is_whitespace()) {
        return Err(EmailError::Invisible);
    }
    let (local, domain) = nfkc.rsplit_once('@').ok_or(EmailError::Malformed)?;
    if local.is_empty() || local.contains('@') {
        return Err(EmailError::Malformed);
    }
    let local: String = local.chars().default_case_fold().nfkc().collect();
    let domain = idna::domain_to_ascii_cow(domain.as_bytes(), idna::AsciiDenyList::URL)
        .map_err(|_| EmailError::Domain)?;
    let domain_ok = domain.len() <= 253
        && domain.contains('.')
        && domain.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        });
    if !domain_ok {
        return Err(EmailError::Domain);
    }
    if local.len() > 64 || local.len() + 1 + domain.len() > 254 {
        return Err(EmailError::TooLong);
    }
    Ok(format!("{local}@{domain}"))
}

/// What login looks an email up by: its canonical form, or, when it has none, a key that no
/// account can have (canonical forms never contain U+FFFD), so a refused address takes
/// exactly the unknown-account path.
pub fn lookup_key(raw: &str) -> String {
    canonical(raw).unwrap_or_else(|_| {
        let mut key = String::from('\u{fffd}');
        key.extend(raw.trim().chars().take(320));
        key
    })
}

/// Control and format characters (Cc, Cf), Unicode default-ignorable code points and the
/// replacement character: none belongs in an address someone reads.
fn is_invisible(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{00AD}'
                | '\u{034F}'
                | '\u{061C}'
                | '\u{0600}'..='\u{0605}'
                | '\u{06DD}'
                | '\u{070F}'
                | '\u{0890}'..='\u{0891}'
                | '\u{08E2}'
                | '\u{115F}'..='\u{1160}'
                | '\u{17B4}'..='\u{17B5}'
                | '\u{180B}'..='\u{180F}'
                | '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{206F}'
                | '\u{3164}'
                | '\u{FE00}'..='\u{FE0F}'
                | '\u{FEFF}'
                | '\u{FFA0}'
                | '\u{FFF0}'..='\u{FFFD}'
                | '\u{110BD}'
                | '\u{110CD}'
                | '\u{13430}'..='\u{1343F}'
                | '\u{1BCA0}'..='\u{1BCA3}'
                | '\u{1D173}'..='\u{1D17A}'
                | '\u{E0000}'..='\u{E0FFF}'
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_and_full_case_folding_give_one_form() {
        assert_eq!(canonical("  Ada@Example.COM ").unwrap(), "ada@example.com");
        assert_eq!(
            canonical("Straße@example.com").unwrap(),
            canonical("STRASSE@example.com").unwrap()
        );
        assert_eq!(
            canonical("STRASSE@example.com").unwrap(),
            "strasse@example.com"
        );
    }

    #[test]
    fn fullwidth_forms_become_ascii() {
        assert_eq!(
            canonical("ａｄａ＠ｅｘａｍｐｌｅ．ｃｏｍ").unwrap(),
            "ada@example.com"
        );
    }

    #[test]
    fn nfd_and_nfc_give_one_form() {
        let nfc = "jos\u{e9}@example.com";
        let nfd = "jose\u{301}@example.com";
        assert_ne!(nfc, nfd);
        assert_eq!(canonical(nfc).unwrap(), canonical(nfd).unwrap());
    }

    #[test]
    fn idn_domains_become_punycode() {
        assert_eq!(
            canonical("ada@Bücher.example").unwrap(),
            "ada@xn--bcher-kva.example"
        );
        assert_eq!(
            canonical("ada@xn--bcher-kva.example").unwrap(),
            canonical("ada@BÜCHER.example").unwrap()
        );
    }

    #[test]
    fn invisible_and_bidi_characters_are_refused() {
        for raw in [
            "ad\u{200B}a@example.com",
            "ada\u{200D}@example.com",
            "\u{FEFF}ada@example.com",
            "ada@exa\u{00AD}mple.com",
            "ada\u{202E}moc.elpmaxe@example.com",
            "ada\u{2066}@example.com",
            "ada\u{200E}@example.com",
            "ada@example.com\u{0}",
            "a\nda@example.com",
        ] {
            assert_eq!(canonical(raw), Err(EmailError::Invisible), "{raw:?}");
        }
    }

    #[test]
    fn malformed_addresses_are_refused() {
        for raw in [
            "",
            "ada",
            "@example.com",
            "ada@",
            "ada@localhost",
            "ada@-example.com",
            "ada@exa mple.com",
            "ada@exa_mple.com",
            "ada@example..com",
        ] {
            assert!(canonical(raw).is_err(), "{raw:?}");
        }
        let long = format!("{}@example.com", "a".repeat(65));
        assert_eq!(canonical(&long), Err(EmailError::TooLong));
    }

    #[test]
    fn refused_addresses_look_up_no_account() {
        let key = lookup_key("ad\u{200B}a@example.com");
        assert!(key.starts_with('\u{fffd}'));
        assert!(canonical(&key).is_err());
        assert_eq!(lookup_key("ADA@example.com"), "ada@example.com");
    }
}
