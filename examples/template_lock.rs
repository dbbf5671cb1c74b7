//! Regenerates `template/Cargo.lock.liquid`: one lock file that renders, for every database,
//! docs, account-emails and Redis choice, exactly the lock cargo resolves for that
//! configuration. Run it after changing the template's dependencies, then `starter matrix`
//! (which builds with `--locked`).
//!
//!     cargo run --example template_lock [-- --upgrade]
//!
//! Each configuration of the full product (3 databases x docs x email x redis: 24) is
//! rendered with the lock the template has now, and cargo brings that lock in line with the
//! configuration's manifest (`cargo metadata`, MSRV-aware from the template's
//! `rust-version`): what a new dependency needs is added at its newest fitting version, what
//! nothing needs any more is dropped, and every version already locked is kept. With
//! `--upgrade`, `cargo generate-lockfile` resolves every configuration afresh instead (every
//! dependency at its newest fitting version). The package entries are then merged: an entry
//! that only some configurations need is wrapped in Liquid conditions on `database` and on the
//! boolean answers (`docs`, `email`, `redis`), and every configuration's render is checked
//! with `cargo metadata --locked`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use anyhow::{Context, bail, ensure};

use starter::answers::{Answers, Database};
use starter::generate;
use starter::template::Template;

const NAME: &str = "lockfile-probe";

/// The boolean answers a configuration varies, in the order of `Config::1`.
const FEATURES: [&str; 3] = ["docs", "email", "redis"];
const N: usize = FEATURES.len();

/// A configuration: the database and the value of each of `FEATURES`.
type Config = (Database, [bool; N]);

fn main() -> anyhow::Result<()> {
    let upgrade = match std::env::args().nth(1).as_deref() {
        None => false,
        Some("--upgrade") => true,
        Some(other) => bail!("unknown argument {other} (the only one is --upgrade)"),
    };
    let template = Template::embedded()?;
    let work = tempfile::tempdir()?;
    // Every combination, the answers on before off (the default configuration first).
    let configs: Vec<Config> = Database::ALL
        .iter()
        .flat_map(|&db| (0..1usize << N).map(move |i| (db, features(i))))
        .collect();
    // entry text -> configurations that contain it, in first-seen order per name.
    let mut entries: BTreeMap<(String, String), Vec<Config>> = BTreeMap::new();
    let mut header = String::new();
    for config in &configs {
        let dir = render(&template, work.path(), config)?;
        if upgrade {
            std::fs::remove_file(dir.join("Cargo.lock"))?;
        }
        let what = describe(config);
        let status = Command::new("cargo")
            .args(if upgrade {
                &["generate-lockfile"][..]
            } else {
                &["metadata", "--format-version", "1", "--quiet"][..]
            })
            .current_dir(&dir)
            .stdout(std::process::Stdio::null())
            .status()?;
        ensure!(status.success(), "cargo failed to resolve {what}");
        let lock = std::fs::read_to_string(dir.join("Cargo.lock"))?;
        let (head, packages) = split(&lock)?;
        header = head;
        for entry in packages {
            let key = sort_key(&entry);
            entries.entry((key, entry)).or_default().push(*config);
        }
        std::fs::remove_dir_all(&dir)?;
        eprintln!("resolved {what}");
    }
    let mut out = header;
    for ((_, entry), present) in &entries {
        let entry = entry.replace(NAME, "{{project-name}}");
        out.push_str(&wrap(&entry, present, &configs));
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("template/Cargo.lock.liquid");
    std::fs::write(&path, out)?;
    println!("wrote {} ({} entries)", path.display(), entries.len());
    // The template now has the new lock: each configuration's render must be its exact lock.
    let template = Template::from_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("template"))?;
    for config in &configs {
        let dir = render(&template, work.path(), config)?;
        let status = Command::new("cargo")
            .args(["metadata", "--format-version", "1", "--quiet", "--locked"])
            .current_dir(&dir)
            .stdout(std::process::Stdio::null())
            .status()?;
        ensure!(
            status.success(),
            "the new lock is not exact for {}",
            describe(config)
        );
        std::fs::remove_dir_all(&dir)?;
    }
    println!("checked: every configuration's rendered lock passes --locked");
    Ok(())
}

/// The answers of combination `i` (bit k set: `FEATURES[k]` off), so 0 is all on.
fn features(i: usize) -> [bool; N] {
    std::array::from_fn(|k| i & (1 << (N - 1 - k)) == 0)
}

fn describe((db, features): &Config) -> String {
    let mut s = db.to_string();
    for (name, on) in FEATURES.iter().zip(features) {
        s.push_str(&format!(" {name}={on}"));
    }
    s
}

/// `config` generated under `work` (with the template's current lock as its Cargo.lock).
fn render(template: &Template, work: &Path, config: &Config) -> anyhow::Result<std::path::PathBuf> {
    let (db, [docs, email, redis]) = *config;
    let dir = work.join(describe(config).replace([' ', '='], "-"));
    let answers = Answers {
        name: NAME.into(),
        database: db,
        cors_origins: vec![],
        locales: vec!["en".into()],
        default_locale: "en".into(),
        docs,
        email,
        redis,
        extra: Default::default(),
    };
    generate::generate(
        template,
        &answers,
        &generate::Options {
            target: dir.clone(),
            git: false,
        },
    )?;
    Ok(dir)
}

/// The preamble (comment and `version = N`), and the `[[package]]` entries as text.
fn split(lock: &str) -> anyhow::Result<(String, Vec<String>)> {
    let mut parts = lock.split("\n[[package]]\n");
    // Cargo's own layout: the preamble, then one blank line before each entry.
    let head = parts
        .next()
        .context("empty lock file")?
        .trim_end()
        .to_string()
        + "\n";
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

/// `entry` as is when every configuration has it, else inside conditions: none on the
/// database when every database has it in the same combinations of the other answers.
fn wrap(entry: &str, present: &[Config], all: &[Config]) -> String {
    if present.len() == all.len() {
        return entry.to_string();
    }
    let combos = |db: Database| -> BTreeSet<[bool; N]> {
        present
            .iter()
            .filter(|(d, _)| *d == db)
            .map(|(_, f)| *f)
            .collect()
    };
    let first = combos(Database::ALL[0]);
    if Database::ALL.iter().all(|&db| combos(db) == first) {
        return within_database(entry, &first);
    }
    let mut out = String::new();
    for db in Database::ALL {
        let combos = combos(db);
        if !combos.is_empty() {
            out.push_str(&format!(
                "{{% if database == \"{db}\" %}}{}{{% endif %}}",
                within_database(entry, &combos)
            ));
        }
    }
    out
}

/// `entry` under conditions on `FEATURES` that hold in exactly `combos` (a database's
/// configurations that have it), the shortest of the decompositions in each order of the
/// answers (see `decide`).
fn within_database(entry: &str, combos: &BTreeSet<[bool; N]>) -> String {
    let mut best: Option<String> = None;
    for order in permutations(&(0..N).collect::<Vec<_>>()) {
        let text = decide(entry, combos, &order);
        if best.as_ref().is_none_or(|b| text.len() < b.len()) {
            best = Some(text);
        }
    }
    best.unwrap_or_default()
}

/// `entry` in exactly the combinations `combos`, which agree on every answer but those in
/// `order`: as is when they are all there, else split on the first answer of `order` (no
/// condition on it when both halves agree; otherwise an `if` and an `unless` block, which
/// exclude each other).
fn decide(entry: &str, combos: &BTreeSet<[bool; N]>, order: &[usize]) -> String {
    if combos.len() == 1 << order.len() {
        return entry.to_string();
    }
    let Some((&k, rest)) = order.split_first() else {
        return String::new();
    };
    let half = |on: bool| -> BTreeSet<[bool; N]> {
        combos
            .iter()
            .filter(|c| c[k] == on)
            .map(|c| {
                let mut c = *c;
                c[k] = false;
                c
            })
            .collect()
    };
    let (with, without) = (half(true), half(false));
    if with == without {
        return decide(entry, &without, rest);
    }
    let mut out = String::new();
    if !with.is_empty() {
        let text = decide(entry, &with, rest);
        out.push_str(&format!("{{% if {} %}}{text}{{% endif %}}", FEATURES[k]));
    }
    if !without.is_empty() {
        let text = decide(entry, &without, rest);
        out.push_str(&format!(
            "{{% unless {} %}}{text}{{% endunless %}}",
            FEATURES[k]
        ));
    }
    out
}

fn permutations(items: &[usize]) -> Vec<Vec<usize>> {
    if items.is_empty() {
        return vec![vec![]];
    }
    let mut out = Vec::new();
    for (i, &first) in items.iter().enumerate() {
        let mut rest = items.to_vec();
        rest.remove(i);
        for mut tail in permutations(&rest) {
            tail.insert(0, first);
            out.push(tail);
        }
    }
    out
}
