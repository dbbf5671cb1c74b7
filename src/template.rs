//! A template: its manifest and its files, from the copy embedded in the binary or from a
//! directory on disk. Paths are relative and `/`-separated.

use std::path::Path;

use include_dir::{Dir, include_dir};

use crate::error::TemplateError;
use crate::manifest::{MANIFEST_FILE, Manifest};

static EMBEDDED: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/template");

/// Where a template came from, as recorded in `starter.toml`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum TemplateSource {
    Embedded,
    Path {
        path: std::path::PathBuf,
    },
    Git {
        url: String,
        /// The tag, branch or commit asked for.
        reference: String,
        /// The exact commit it resolved to.
        commit: String,
    },
}

impl std::fmt::Display for TemplateSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TemplateSource::Embedded => f.write_str("the embedded template"),
            TemplateSource::Path { path } => write!(f, "{}", path.display()),
            TemplateSource::Git {
                url,
                reference,
                commit,
            } => write!(
                f,
                "{url} at {reference} ({})",
                &commit[..commit.len().min(12)]
            ),
        }
    }
}

#[derive(Debug, Clone)]
pub struct TemplateFile {
    pub path: String,
    pub contents: Vec<u8>,
}

#[derive(Debug, Clone)]
pub struct Template {
    pub source: TemplateSource,
    pub manifest: Manifest,
    pub files: Vec<TemplateFile>,
}

impl Template {
    /// The template compiled into this binary.
    pub fn embedded() -> Result<Self, TemplateError> {
        let mut files = Vec::new();
        collect_embedded(&EMBEDDED, &mut files);
        Self::from_files(TemplateSource::Embedded, files)
    }

    /// A template directory on disk (a team's fork, or a test fixture).
    pub fn from_dir(root: &Path) -> Result<Self, TemplateError> {
        let mut files = Vec::new();
        for entry in walkdir::WalkDir::new(root).sort_by_file_name() {
            let entry = entry.map_err(|e| TemplateError::Read {
                path: root.to_path_buf(),
                source: e.into(),
            })?;
            if !entry.file_type().is_file() {
                continue;
            }
            let rel = entry
                .path()
                .strip_prefix(root)
                .expect("walkdir yields paths under its root");
            if rel
                .components()
                .next()
                .is_some_and(|c| c.as_os_str() == ".git")
            {
                continue;
            }
            let contents = std::fs::read(entry.path()).map_err(|source| TemplateError::Read {
                path: entry.path().to_path_buf(),
                source,
            })?;
            let path = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            files.push(TemplateFile { path, contents });
        }
        Self::from_files(
            TemplateSource::Path {
                path: root.to_path_buf(),
            },
            files,
        )
    }

    fn from_files(
        source: TemplateSource,
        mut files: Vec<TemplateFile>,
    ) -> Result<Self, TemplateError> {
        files.sort_by(|a, b| a.path.cmp(&b.path));
        let manifest_file = files
            .iter()
            .find(|f| f.path == MANIFEST_FILE)
            .ok_or(TemplateError::MissingManifest)?;
        let text = std::str::from_utf8(&manifest_file.contents)
            .map_err(|e| TemplateError::Manifest(e.to_string()))?;
        let manifest = Manifest::parse(text)?;
        Ok(Self {
            source,
            manifest,
            files,
        })
    }

    /// The locale catalogues that ship with the template (`locales/<tag>.json`), `en` first.
    pub fn locales(&self) -> Vec<String> {
        let mut tags: Vec<String> = self
            .files
            .iter()
            .filter_map(|f| f.path.strip_prefix("locales/"))
            .filter_map(|name| name.strip_suffix(".json"))
            .filter(|name| !name.contains('/'))
            .map(str::to_string)
            .collect();
        tags.sort_by_key(|t| (t != "en", t.clone()));
        tags
    }
}

fn collect_embedded(dir: &Dir<'static>, out: &mut Vec<TemplateFile>) {
    for file in dir.files() {
        out.push(TemplateFile {
            path: file.path().to_string_lossy().replace('\\', "/"),
            contents: file.contents().to_vec(),
        });
    }
    for sub in dir.dirs() {
        collect_embedded(sub, out);
    }
}

/// The locales the embedded template ships, `en` first: what shell completion offers.
pub fn embedded_locales() -> Vec<&'static str> {
    let mut tags: Vec<&'static str> = EMBEDDED
        .get_dir("locales")
        .into_iter()
        .flat_map(|dir| dir.files())
        .filter_map(|f| {
            f.path()
                .to_str()?
                .strip_prefix("locales/")?
                .strip_suffix(".json")
        })
        .collect();
    tags.sort_by_key(|t| (*t != "en", *t));
    tags
}

/// The embedded template's manifest, parsed once: where a built-in question that a team's
/// template does not declare takes its prompt and default from.
pub fn embedded_manifest() -> Option<&'static Manifest> {
    static MANIFEST: std::sync::OnceLock<Option<Manifest>> = std::sync::OnceLock::new();
    MANIFEST
        .get_or_init(|| {
            let text = EMBEDDED.get_file(MANIFEST_FILE)?.contents_utf8()?;
            Manifest::parse(text).ok()
        })
        .as_ref()
}

/// The name of a locale in its own language, for listings and prompts.
pub fn locale_name(tag: &str) -> &'static str {
    match tag {
        "en" => "English",
        "es" => "Español",
        "fr" => "Français",
        "de" => "Deutsch",
        "pt-BR" => "Português (Brasil)",
        "it" => "Italiano",
        "ar" => "العربية",
        "zh-CN" => "中文（简体）",
        "ja" => "日本語",
        "ru" => "Русский",
        _ => "",
    }
}
