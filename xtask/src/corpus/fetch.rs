//! The corpus: the pinned npm package fetched and unpacked once, and its documents sorted
//! by OpenAPI version.

use super::{PACKAGE, PACKAGE_VERSION};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn rename(from: &Path, to: &Path) -> Result<(), String> {
    std::fs::rename(from, to).map_err(|e| {
        format!(
            "error: cannot move {} to {}: {e}",
            from.display(),
            to.display()
        )
    })
}

fn run_quietly(what: &str, command: &mut Command) -> Result<(), String> {
    let output = command
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("error: cannot run {what}: {e}"))?;
    if output.status.success() {
        return Ok(());
    }
    Err(format!(
        "error: {what} failed ({}):\n{}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    ))
}

/// Download and unpack the pinned package once; later runs reuse it. Both steps go through
/// a staging directory and a rename, so an interrupted run leaves nothing half-made behind.
pub fn fetch(corpus_dir: &Path) -> Result<PathBuf, String> {
    let package_dir = corpus_dir.join(format!("{PACKAGE}-{PACKAGE_VERSION}"));
    if package_dir.join("api").is_dir() {
        return Ok(package_dir);
    }
    crate::util::fs::create_dir(corpus_dir)?;
    let tarball_name = format!("{PACKAGE}-{PACKAGE_VERSION}.tgz");
    let tarball = corpus_dir.join(&tarball_name);
    if !tarball.is_file() {
        let staging = corpus_dir.join("download.staging");
        crate::util::fs::remove_dir_if_present(&staging)?;
        crate::util::fs::create_dir(&staging)?;
        eprintln!("xtask corpus: fetching {PACKAGE}@{PACKAGE_VERSION} (npm pack)");
        run_quietly(
            &format!("npm pack {PACKAGE}@{PACKAGE_VERSION}"),
            Command::new("npm")
                .args(["pack", "--silent", "--pack-destination"])
                .arg(&staging)
                .arg(format!("{PACKAGE}@{PACKAGE_VERSION}"))
                .current_dir(corpus_dir),
        )?;
        let packed = staging.join(&tarball_name);
        if !packed.is_file() {
            return Err(format!(
                "error: npm pack did not produce {}",
                packed.display()
            ));
        }
        rename(&packed, &tarball)?;
        crate::util::fs::remove_dir_if_present(&staging)?;
    }
    eprintln!("xtask corpus: unpacking {tarball_name}");
    let staging = corpus_dir.join("extract.staging");
    crate::util::fs::remove_dir_if_present(&staging)?;
    crate::util::fs::create_dir(&staging)?;
    run_quietly(
        &format!("tar xzf {tarball_name}"),
        Command::new("tar")
            .arg("xzf")
            .arg(&tarball)
            .arg("-C")
            .arg(&staging),
    )?;
    let unpacked = staging.join("package");
    if !unpacked.join("api").is_dir() {
        return Err(format!(
            "error: {tarball_name} has no package/api directory; delete {} and retry",
            tarball.display()
        ));
    }
    rename(&unpacked, &package_dir)?;
    crate::util::fs::remove_dir_if_present(&staging)?;
    Ok(package_dir)
}

/// A document of the corpus.
#[derive(Debug, Clone)]
pub struct Doc {
    /// Path relative to the unpacked package (`api/github.com/api.github.com.json`).
    pub rel: String,
    pub path: PathBuf,
    pub bytes: u64,
    /// An OpenAPI 3.1 document (else 3.0).
    pub v31: bool,
}

pub struct Scan {
    pub total: usize,
    /// The OpenAPI 3.0 and 3.1 documents, in path order: those the corpus runs.
    pub openapi: Vec<Doc>,
    pub swagger_2: usize,
    /// Documents with neither an `openapi: 3.0/3.1` nor a `swagger` field, and why.
    pub other: Vec<(String, String)>,
}

enum Version {
    OpenApi30,
    OpenApi31,
    Swagger2,
    Other(String),
}

fn list_documents(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("error: cannot list {}: {e}", dir.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("error: cannot list {}: {e}", dir.display()))?;
        let path = entry.path();
        let kind = entry
            .file_type()
            .map_err(|e| format!("error: cannot stat {}: {e}", path.display()))?;
        if kind.is_dir() {
            list_documents(&path, out)?;
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| matches!(e, "json" | "yaml" | "yml"))
        {
            out.push(path);
        }
    }
    Ok(())
}

#[derive(Deserialize)]
struct Head {
    pub openapi: Option<serde_json::Value>,
    pub swagger: Option<serde_json::Value>,
}

fn version_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Read the document's top-level `openapi` (or `swagger`) field.
fn version_of(path: &Path) -> Result<Version, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read: {e}"))?;
    let is_json = bytes
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| *b == b'{');
    let (openapi, swagger) = if is_json {
        let head: Head = serde_json::from_slice(&bytes).map_err(|e| format!("not JSON: {e}"))?;
        (
            head.openapi.as_ref().map(version_text),
            head.swagger.as_ref().map(version_text),
        )
    } else {
        let text = String::from_utf8_lossy(&bytes);
        let field = |name: &str| {
            text.lines().find_map(|line| {
                let value = line.strip_prefix(name)?.strip_prefix(':')?;
                Some(value.trim().trim_matches(['"', '\'']).to_string())
            })
        };
        (field("openapi"), field("swagger"))
    };
    Ok(match (openapi, swagger) {
        (Some(v), _) if v.starts_with("3.0") => Version::OpenApi30,
        (Some(v), _) if v.starts_with("3.1") => Version::OpenApi31,
        (Some(v), _) => Version::Other(format!("openapi: {v}")),
        (None, Some(_)) => Version::Swagger2,
        (None, None) => Version::Other("no `openapi` or `swagger` field".into()),
    })
}

impl Scan {
    /// How many of the documents run are OpenAPI 3.1.
    pub fn openapi_31(&self) -> usize {
        self.openapi.iter().filter(|d| d.v31).count()
    }
}

pub fn scan(package_dir: &Path, jobs: usize, filter: Option<&str>) -> Result<Scan, String> {
    let mut paths = Vec::new();
    list_documents(&package_dir.join("api"), &mut paths)?;
    paths.sort();
    let docs: Vec<Doc> = paths
        .into_iter()
        .map(|path| {
            let rel = path
                .strip_prefix(package_dir)
                .unwrap_or(&path)
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            let bytes = std::fs::metadata(&path).map_or(0, |m| m.len());
            Doc {
                rel,
                path,
                bytes,
                v31: false,
            }
        })
        .filter(|doc| filter.is_none_or(|f| doc.rel.contains(f)))
        .collect();
    let versions = crate::util::parallel::map(&docs, jobs, |doc| version_of(&doc.path));
    let mut scan = Scan {
        total: docs.len(),
        openapi: Vec::new(),
        swagger_2: 0,
        other: Vec::new(),
    };
    for (doc, version) in docs.into_iter().zip(versions) {
        match version {
            Ok(Version::OpenApi30) => scan.openapi.push(doc),
            Ok(Version::OpenApi31) => scan.openapi.push(Doc { v31: true, ..doc }),
            Ok(Version::Swagger2) => scan.swagger_2 += 1,
            Ok(Version::Other(why)) | Err(why) => scan.other.push((doc.rel, why)),
        }
    }
    Ok(scan)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_version_field() {
        let dir = std::env::temp_dir().join(format!("xtask-fetch-{}", std::process::id()));
        let doc = |name: &str, text: &str| {
            let path = dir.join(name);
            crate::util::fs::write_file(&path, text).expect("writes");
            version_of(&path)
        };
        assert!(matches!(
            doc("a.json", r#"{"openapi": "3.0.1", "info": {}}"#),
            Ok(Version::OpenApi30)
        ));
        assert!(matches!(
            doc("b.yaml", "openapi: '3.1.0'\ninfo: {}\n"),
            Ok(Version::OpenApi31)
        ));
        assert!(matches!(
            doc("c.yaml", "swagger: \"2.0\"\n"),
            Ok(Version::Swagger2)
        ));
        assert!(matches!(doc("d.yaml", "info: {}\n"), Ok(Version::Other(_))));
        assert!(doc("e.json", "{ not json").is_err());
        crate::util::fs::remove_dir_if_present(&dir).expect("removes");
    }
}
