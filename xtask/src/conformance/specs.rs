//! Which specs a run judges (`--spec`, `--fixtures`, `--corpus N`, `--cloudflare`), the slug
//! each is known by, and the operations each declares (read from the document itself, so
//! that a spec the generator refuses still counts every operation it has).

use serde::Serialize;
use std::path::{Path, PathBuf};

/// The set a spec belongs to, with the share of its operations that should conform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Group {
    /// `spec/openapi.yaml`.
    Spec,
    /// `tests/fixtures/*.yaml`.
    Fixture,
    /// Cloudflare's full published spec.
    Cloudflare,
    /// A document of the public API directory.
    Directory,
    /// Any other `--spec`.
    Other,
}

impl Group {
    pub const ALL: [Group; 5] = [
        Group::Spec,
        Group::Fixture,
        Group::Cloudflare,
        Group::Directory,
        Group::Other,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Group::Spec => "spec",
            Group::Fixture => "fixtures",
            Group::Cloudflare => "Cloudflare",
            Group::Directory => "directory sample",
            Group::Other => "other specs",
        }
    }

    /// The share of operations (percent) that should conform; not yet enforced.
    pub fn target_percent(self) -> Option<f64> {
        match self {
            Group::Spec | Group::Fixture => Some(100.0),
            Group::Cloudflare => Some(99.0),
            Group::Directory => Some(97.0),
            Group::Other => None,
        }
    }
}

/// A spec to judge.
#[derive(Debug, Clone)]
pub struct SpecInput {
    /// The name of the spec in the run, the baseline and package names (`[a-z0-9-]`).
    pub slug: String,
    pub spec: PathBuf,
    pub config: Option<PathBuf>,
    pub group: Group,
    /// The spec's path as reports show it.
    pub shown: String,
}

/// Lowercase ASCII letters and digits, every other run of characters one `-`.
pub fn slugify(text: &str) -> String {
    let mut slug = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-');
    if slug.is_empty() {
        "spec".into()
    } else {
        slug.to_string()
    }
}

fn shown(root: &Path, path: &Path) -> String {
    apigen::load::shown_path(root, path)
}

/// `spec/openapi.yaml` with `spec/codegen.toml`.
pub fn main_spec(root: &Path) -> SpecInput {
    let spec = root.join("spec/openapi.yaml");
    let config = root.join("spec/codegen.toml");
    SpecInput {
        slug: "spec".into(),
        shown: shown(root, &spec),
        spec,
        config: config.is_file().then_some(config),
        group: Group::Spec,
    }
}

/// `spec/openapi.yaml` and every `tests/fixtures/*.yaml` with its `NAME.codegen.toml`.
pub fn fixtures(root: &Path) -> Result<Vec<SpecInput>, String> {
    let dir = root.join("tests/fixtures");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(|e| format!("error: cannot list {}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    paths.sort();
    let mut specs = vec![main_spec(root)];
    for path in paths {
        specs.push(given(root, &path, None));
    }
    Ok(specs)
}

/// A `--spec FILE` (with the `--config` after it, if any): the repository's own specs
/// keep their slugs and configs.
pub fn given(root: &Path, path: &Path, config: Option<PathBuf>) -> SpecInput {
    let shown_path = shown(root, path);
    if shown_path == "spec/openapi.yaml" && config.is_none() {
        return main_spec(root);
    }
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let (slug, group, config) = if let Some(name) = shown_path
        .strip_prefix("tests/fixtures/")
        .filter(|rest| !rest.contains('/'))
    {
        let name = name.trim_end_matches(".yaml").trim_end_matches(".json");
        let beside = path.with_file_name(format!("{name}.codegen.toml"));
        let config = config.or_else(|| beside.is_file().then_some(beside));
        (format!("fixture-{}", slugify(name)), Group::Fixture, config)
    } else {
        (slugify(&stem), Group::Other, config)
    };
    SpecInput {
        slug,
        spec: path.to_path_buf(),
        config,
        group,
        shown: shown_path,
    }
}

/// Cloudflare's full spec, when the file is there.
pub fn cloudflare(root: &Path, path: &Path) -> Option<SpecInput> {
    path.is_file().then(|| SpecInput {
        slug: "cloudflare".into(),
        spec: path.to_path_buf(),
        config: None,
        group: Group::Cloudflare,
        shown: shown(root, path),
    })
}

/// `n` OpenAPI 3.0 documents of the public API directory (fetched as `cargo xtask corpus`
/// does): every k-th in sorted order, of those no larger than `max_bytes`.
pub fn directory_sample(
    root: &Path,
    n: usize,
    max_bytes: u64,
    jobs: usize,
) -> Result<(Vec<SpecInput>, String), String> {
    let package_dir = crate::corpus::fetch::fetch(&root.join("target/corpus"))?;
    let scan = crate::corpus::fetch::scan(&package_dir, jobs, None)?;
    // OpenAPI 3.0 only, so that the sample (and its recorded figures) stays the one
    // measured before the corpus read 3.1.
    let eligible: Vec<_> = scan
        .openapi
        .iter()
        .filter(|d| !d.v31 && d.bytes <= max_bytes)
        .collect();
    let step = (eligible.len() / n.max(1)).max(1);
    let specs: Vec<SpecInput> = eligible
        .iter()
        .step_by(step)
        .take(n)
        .map(|doc| {
            let rel = doc.rel.strip_prefix("api/").unwrap_or(&doc.rel);
            let rel = [".json", ".yaml", ".yml"]
                .iter()
                .find_map(|ext| rel.strip_suffix(ext))
                .unwrap_or(rel);
            let mut slug = format!("dir-{}", slugify(rel));
            slug.truncate(60);
            SpecInput {
                slug: slug.trim_end_matches('-').to_string(),
                spec: doc.path.clone(),
                config: None,
                group: Group::Directory,
                shown: doc.rel.clone(),
            }
        })
        .collect();
    let note = format!(
        "directory sample: {} of the {} OpenAPI 3.0 documents of {} no larger than {} MiB \
         ({} in all), every {step}th in sorted order",
        specs.len(),
        eligible.len(),
        package_dir
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default(),
        max_bytes >> 20,
        scan.openapi.len() - scan.openapi_31(),
    );
    Ok((specs, note))
}

/// Drop repeated specs (same file and config) and give the rest distinct slugs.
pub fn dedupe(specs: Vec<SpecInput>) -> Vec<SpecInput> {
    let mut out: Vec<SpecInput> = Vec::new();
    for mut spec in specs {
        if out
            .iter()
            .any(|s| s.spec == spec.spec && s.config == spec.config)
        {
            continue;
        }
        let base = spec.slug.clone();
        let mut n = 2;
        while out.iter().any(|s| s.slug == spec.slug) {
            spec.slug = format!("{base}-{n}");
            n += 1;
        }
        out.push(spec);
    }
    out
}

/// An operation as the document declares it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declared {
    pub method: String,
    pub path: String,
    pub operation_id: Option<String>,
}

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// The operations of the document's `paths`, in document order.
pub fn declared_operations(spec: &Path) -> Result<Vec<Declared>, String> {
    let text = std::fs::read_to_string(spec)
        .map_err(|e| format!("cannot read {}: {e}", spec.display()))?;
    let mut out = Vec::new();
    let mut push = |path: &str, method: &str, operation_id: Option<&str>| {
        out.push(Declared {
            method: method.to_ascii_uppercase(),
            path: path.to_string(),
            operation_id: operation_id.map(str::to_string),
        })
    };
    if text.trim_start().starts_with('{') {
        let document: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| format!("not JSON: {e}"))?;
        let paths = document.get("paths").and_then(|p| p.as_object());
        for (path, item) in paths.into_iter().flatten() {
            for method in METHODS {
                if let Some(operation) = item.get(method) {
                    let id = operation.get("operationId").and_then(|id| id.as_str());
                    push(path, method, id);
                }
            }
        }
    } else {
        // YAML maps may have keys that are not strings (status codes), so the document is
        // walked as YAML.
        let document: serde_yaml::Value =
            serde_yaml::from_str(&text).map_err(|e| format!("not YAML: {e}"))?;
        let paths = document.get("paths").and_then(|p| p.as_mapping());
        for (path, item) in paths.into_iter().flatten() {
            let Some(path) = path.as_str() else { continue };
            for method in METHODS {
                if let Some(operation) = item.get(method) {
                    let id = operation.get("operationId").and_then(|id| id.as_str());
                    push(path, method, id);
                }
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_package_name_safe() {
        assert_eq!(
            slugify("Amazon AWS.com/ec2 (2016)"),
            "amazon-aws-com-ec2-2016"
        );
        assert_eq!(slugify("__x__"), "x");
        assert_eq!(slugify("///"), "spec");
    }

    #[test]
    fn the_repositorys_specs_keep_their_names() {
        let root = crate::workspace_root();
        let spec = given(&root, &root.join("spec/openapi.yaml"), None);
        assert_eq!((spec.slug.as_str(), spec.group), ("spec", Group::Spec));
        assert!(
            spec.config
                .as_ref()
                .is_some_and(|c| c.ends_with("spec/codegen.toml"))
        );
        let fixture = given(&root, &root.join("tests/fixtures/envelope.yaml"), None);
        assert_eq!(fixture.slug, "fixture-envelope");
        assert!(
            fixture
                .config
                .as_ref()
                .is_some_and(|c| c.ends_with("envelope.codegen.toml"))
        );
        let all = fixtures(&root).expect("lists the fixtures");
        assert_eq!(all[0].slug, "spec");
        assert!(all.iter().any(|s| s.slug == "fixture-all-of"));
        let twice = dedupe(vec![spec.clone(), spec.clone(), fixture.clone()]);
        assert_eq!(twice.len(), 2);
        let mut other = fixture.clone();
        other.config = None;
        let renamed = dedupe(vec![fixture, other]);
        assert_eq!(renamed[1].slug, "fixture-envelope-2");
    }

    #[test]
    fn lists_the_declared_operations() {
        let dir = std::env::temp_dir().join(format!("xtask-declared-{}", std::process::id()));
        let path = dir.join("a.yaml");
        crate::util::fs::write_file(
            &path,
            "openapi: 3.0.0\npaths:\n  /a:\n    parameters: []\n    get:\n      operationId: getA\n    \
             post: {}\n  /b/{id}:\n    delete:\n      operationId: delB\n",
        )
        .expect("writes");
        let ops = declared_operations(&path).expect("reads");
        let listed: Vec<(&str, &str, Option<&str>)> = ops
            .iter()
            .map(|o| {
                (
                    o.method.as_str(),
                    o.path.as_str(),
                    o.operation_id.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            listed,
            [
                ("GET", "/a", Some("getA")),
                ("POST", "/a", None),
                ("DELETE", "/b/{id}", Some("delB"))
            ]
        );
        crate::util::fs::remove_dir_if_present(&dir).expect("removes");
    }
}
