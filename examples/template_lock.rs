//! Regenerates `template/Cargo.lock.liquid`: one lock file that renders, for every database,
//! docs and account-emails choice, exactly the lock cargo resolves for that configuration. Run it after changing
//! the template's dependencies, then `starter matrix` (which builds with `--locked`).
//!
//!     cargo run --example template_lock
//!
//! Each configuration is rendered, `cargo generate-lockfile` resolves it (MSRV-aware, from the
//! `rust-version` in the template), and the package entries are merged: an entry that only some
//! configurations need is wrapped in Liquid conditions on `database`, `docs` and `email`.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use anyhow::{Context, ensure};

use starter::answers::{Answers, Database};
use starter::generate;
use starter::template::Template;

const NAME: &str = "lockfile-probe";

/// A configuration: the database, docs, account emails.
type Config = (Database, bool, bool);

fn main() -> anyhow::Result<()> {
    let template = Template::embedded()?;
    let work = tempfile::tempdir()?;
    let configs: Vec<Config> = Database::ALL
        .iter()
        .flat_map(|db| {
            [(true, true), (true, false), (false, true), (false, false)]
                .map(|(docs, email)| (*db, docs, email))
        })
        .collect();
    // entry text -> configurations that contain it, in first-seen order per name.
    let mut entries: BTreeMap<(String, String), Vec<Config>> = BTreeMap::new();
    let mut header = String::new();
    for (db, docs, email) in &configs {
        let dir = work.path().join(format!("{db}-{docs}-{email}"));
        let answers = Answers {
            name: NAME.into(),
            database: *db,
            cors_origins: vec![],
            locales: vec!["en".into()],
            default_locale: "en".into(),
            docs: *docs,
            email: *email,
            redis: false,
            extra: Default::default(),
        };
        generate::generate(
            &template,
            &answers,
            &generate::Options {
                target: dir.clone(),
                git: false,
            },
        )?;
        let _ = std::fs::remove_file(dir.join("Cargo.lock"));
        let status = Command::new("cargo")
            .arg("generate-lockfile")
            .current_dir(&dir)
            .status()?;
        ensure!(
            status.success(),
            "cargo generate-lockfile failed for {db} docs={docs} email={email}"
        );
        let lock = std::fs::read_to_string(dir.join("Cargo.lock"))?;
        let (head, packages) = split(&lock)?;
        header = head;
        for entry in packages {
            let key = sort_key(&entry);
            entries
                .entry((key, entry))
                .or_default()
                .push((*db, *docs, *email));
        }
        eprintln!("resolved {db} docs={docs} email={email}");
    }
    let mut out = header;
    for ((_, entry), present) in &entries {
        let entry = entry.replace(NAME, "{{project-name}}");
        out.push_str(&wrap(&entry, present, &configs));
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("template/Cargo.lock.liquid");
    std::fs::write(&path, out)?;
    println!("wrote {} ({} entries)", path.display(), entries.len());
    Ok(())
}

/// The preamble (comment and `version = N`), and the `[[package]]` entries as text.
fn split(lock: &str) -> anyhow::Result<(String, Vec<String>)> {
    let mut parts = lock.split("\n[[package]]\n");
    let head = parts.next().context("empty lock file")?.to_string() + "\n";
    let entries = parts
        .map(|p| format!("\n[[package]]\n{}\n", p.trim_end()))
        .collect();
    Ok((head, entries))
}

/// Cargo orders packages by name, then version.
fn sort_key(entry: &str) -> String {
    let field = |name: &str| {
        entry
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name} = ")))
            .unwrap_or("")
            .trim_matches('"')
            .to_string()
    };
    let name = field("name");
    let name = if name == NAME {
        "{{project-name}}".to_string()
    } else {
        name
    };
    format!("{name}\u{0}{}", field("version"))
}

/// `entry` as is when every configuration has it, else inside conditions.
fn wrap(entry: &str, present: &[Config], all: &[Config]) -> String {
    if present.len() == all.len() {
        return entry.to_string();
    }
    let mut out = String::new();
    for db in Database::ALL {
        let combos: Vec<(bool, bool)> = present
            .iter()
            .filter(|(d, _, _)| *d == db)
            .map(|(_, docs, email)| (*docs, *email))
            .collect();
        if !combos.is_empty() {
            out.push_str(&format!(
                "{{% if database == \"{db}\" %}}{}{{% endif %}}",
                within_database(entry, &combos)
            ));
        }
    }
    out
}

/// `entry` under the conditions on `docs` and `email` that hold in exactly `combos` (the
/// database's configurations that have it): none when all four do, one condition when one
/// answer decides, else one block per combination (they exclude each other).
fn within_database(entry: &str, combos: &[(bool, bool)]) -> String {
    let has = |docs: bool, email: bool| combos.contains(&(docs, email));
    let only = |key: &str, on: bool, text: &str| {
        if on {
            format!("{{% if {key} %}}{text}{{% endif %}}")
        } else {
            format!("{{% unless {key} %}}{text}{{% endunless %}}")
        }
    };
    if combos.len() == 4 {
        return entry.to_string();
    }
    for on in [true, false] {
        if combos.len() == 2 && has(on, true) && has(on, false) {
            return only("docs", on, entry);
        }
        if combos.len() == 2 && has(true, on) && has(false, on) {
            return only("email", on, entry);
        }
    }
    combos
        .iter()
        .map(|&(docs, email)| only("docs", docs, &only("email", email, entry)))
        .collect()
}
