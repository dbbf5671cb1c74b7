//! The generated project's `JWT_SECRET`: 32 bytes from the OS CSPRNG, as 64 hex characters.

pub fn jwt_secret() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// `.env` from the rendered `.env.example`: the `JWT_SECRET=` line gets `secret` and
/// `MIGRATE_ON_STARTUP=` becomes true so that `cargo run` works at once. `None` when the
/// example has no `JWT_SECRET=` line (a template without one gets no `.env`).
pub fn dotenv_from_example(example: &str, secret: &str) -> Option<String> {
    let mut found = false;
    let mut out = String::with_capacity(example.len() + 64);
    for line in example.lines() {
        if line.starts_with("JWT_SECRET=") && !found {
            found = true;
            out.push_str("JWT_SECRET=");
            out.push_str(secret);
        } else if line.starts_with("MIGRATE_ON_STARTUP=") {
            out.push_str("MIGRATE_ON_STARTUP=true");
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    found.then_some(out)
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
    fn dotenv_replaces_only_the_secret_and_migrate_lines() {
        let example = "# comment\nJWT_SECRET=replace-me\nMIGRATE_ON_STARTUP=false\nX=1\n";
        let env = dotenv_from_example(example, "ab").unwrap();
        assert_eq!(
            env,
            "# comment\nJWT_SECRET=ab\nMIGRATE_ON_STARTUP=true\nX=1\n"
        );
        assert!(dotenv_from_example("X=1\n", "ab").is_none());
    }
}
