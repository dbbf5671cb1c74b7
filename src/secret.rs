//! The generated project's `JWT_SECRET`: 32 bytes from the OS CSPRNG, as 64 hex characters.

pub fn jwt_secret() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// The comment that opens `.env` in place of `.env.example`'s (which tells to copy it).
const DOTENV_HEADER: &str = "\
# Development settings, written by `starter new` from .env.example (the reference for every
# variable, with production defaults). Git-ignored: never commit this file. Every variable is
# read from the environment first; .env only fills gaps.";

/// The comment above `.env`'s `JWT_SECRET` in place of `.env.example`'s (about its placeholder).
const DOTENV_SECRET_COMMENT: &str = "\
# HS256 signing key: 256 fresh bits from the OS random number generator, for this machine
# only. Give each deployment its own (openssl rand -hex 32).";

/// `.env` from the rendered `.env.example`, for development on this machine:
/// - the opening comment block becomes `DOTENV_HEADER`;
/// - `JWT_SECRET=` gets `secret`, and the comment block right above it `DOTENV_SECRET_COMMENT`;
/// - `MIGRATE_ON_STARTUP=` becomes true, so that `cargo run` works at once;
/// - `DOCS_ENABLED=` becomes `docs` (the user's answer; `.env.example` keeps the safe default).
///
/// `None` when the example has no `JWT_SECRET=` line (a template without one gets no `.env`).
pub fn dotenv_from_example(example: &str, secret: &str, docs: bool) -> Option<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut found = false;
    let mut in_header = true;
    for line in example.lines() {
        let comment = line.starts_with('#');
        if in_header && comment {
            if lines.is_empty() {
                lines.push(DOTENV_HEADER.to_string());
            }
            continue;
        }
        in_header = false;
        if line.starts_with("JWT_SECRET=") && !found {
            found = true;
            while lines.last().is_some_and(|l| l.starts_with('#')) {
                lines.pop();
            }
            lines.push(DOTENV_SECRET_COMMENT.to_string());
            lines.push(format!("JWT_SECRET={secret}"));
        } else if line.starts_with("MIGRATE_ON_STARTUP=") {
            lines.push("MIGRATE_ON_STARTUP=true".to_string());
        } else if line.starts_with("DOCS_ENABLED=") {
            lines.push(format!("DOCS_ENABLED={docs}"));
        } else {
            lines.push(line.to_string());
        }
    }
    found.then(|| lines.iter().map(|l| format!("{l}\n")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_64_hex_and_fresh() {
        let a = jwt_secret().unwrap();
        let b = jwt_secret().unwrap();
        assert_eq!(a.len(), 64);
        assert!(
            a.chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
        assert_ne!(a, b);
    }

    #[test]
    fn dotenv_sets_the_secret_migrations_and_docs_and_speaks_of_itself() {
        let example = "# Copy to .env for development.\n# More.\n\n# A key.\n# The placeholder below is too short on purpose.\nJWT_SECRET=replace-me\n\n# Run migrations.\nMIGRATE_ON_STARTUP=false\nDOCS_ENABLED=false\nX=1\n";
        let env = dotenv_from_example(example, "ab", true).unwrap();
        assert_eq!(
            env,
            format!(
                "{DOTENV_HEADER}\n\n{DOTENV_SECRET_COMMENT}\nJWT_SECRET=ab\n\n# Run migrations.\nMIGRATE_ON_STARTUP=true\nDOCS_ENABLED=true\nX=1\n"
            )
        );
        let off = dotenv_from_example(example, "ab", false).unwrap();
        assert!(off.contains("\nDOCS_ENABLED=false\n"), "{off}");
        assert!(
            !off.contains("Copy to .env") && !off.contains("placeholder"),
            "{off}"
        );
        assert!(dotenv_from_example("X=1\n", "ab", true).is_none());
    }
}
