//! Stage 1: read a YAML or JSON document into `openapiv3::OpenAPI`.
//!
//! The raw text is kept so that any JSON pointer can be mapped back to a line.

use crate::diag::{Diagnostic, Diagnostics};
use openapiv3::OpenAPI;

mod at;
mod deserialize;
pub mod lint;
mod locate;
mod read;
pub mod refs;
mod repair;
mod shape;
mod v31;
mod v31_defs;

/// The fields of a Path Item Object that hold an operation, as the raw document spells them.
pub const OPERATION_FIELDS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Keys whose values are data (examples, defaults, enum values, extensions), not the
/// document's structure: walks of the raw document do not look inside them.
const DATA_KEYS: &[&str] = &["example", "examples", "default", "enum", "const"];

/// Maps whose keys are names (a property, a status, a component): there, `default` or
/// `example` is a name like any other, and what it holds is structure.
const NAME_MAPS: &[&str] = &[
    "properties",
    "patternProperties",
    "$defs",
    "definitions",
    "dependentSchemas",
    "responses",
    "schemas",
    "parameters",
    "requestBodies",
    "headers",
    "securitySchemes",
    "links",
    "callbacks",
    "pathItems",
    "encoding",
    "variables",
    "webhooks",
    "paths",
    "content",
];

/// Whether the value under `key` is data, given the key of the map that holds it.
fn holds_data(key: &str, parent: Option<&str>) -> bool {
    let named = parent.is_some_and(|p| NAME_MAPS.contains(&p));
    !named && (key.starts_with("x-") || DATA_KEYS.contains(&key))
}

/// A parsed spec together with its source text.
pub struct Loaded {
    pub api: OpenAPI,
    pub source: Source,
    /// Defects found on the raw document (see [`lint`]).
    pub warnings: Vec<Diagnostic>,
    /// Targets of local references outside the component maps (see [`refs`]).
    pub extra: refs::ExtraRefs,
}

/// The text of the spec and a way to find lines in it.
pub struct Source {
    /// Name shown in diagnostics and in the `@generated` header.
    pub name: String,
    pub text: String,
    pub is_json: bool,
}

impl Source {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        let text = text.into();
        let is_json = text.trim_start().starts_with('{');
        Source {
            name: name.into(),
            text,
            is_json,
        }
    }

    /// Fill in file and line of a diagnostic.
    pub fn locate(&self, diagnostic: Diagnostic) -> Diagnostic {
        self.locate_with(&locate::Index::new(&self.text, self.is_json), diagnostic)
    }

    /// Fill in file and line of each diagnostic, indexing the text once for all of them.
    pub fn locate_all(&self, diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
        let index = locate::Index::new(&self.text, self.is_json);
        diagnostics
            .into_iter()
            .map(|d| self.locate_with(&index, d))
            .collect()
    }

    fn locate_with(&self, index: &locate::Index<'_>, mut diagnostic: Diagnostic) -> Diagnostic {
        diagnostic.file = self.name.clone();
        if diagnostic.line.is_none() && !diagnostic.pointer.is_empty() {
            // A pointer whose first key is not in the text (a missing field, say) names
            // something the document as a whole lacks: point at its start.
            let (line, column) = index.position(&diagnostic.pointer).unwrap_or((1, 1));
            diagnostic.line = Some(line);
            diagnostic.column = Some(column);
        }
        diagnostic
    }

    /// Best-effort 1-based line of the value a JSON pointer names.
    ///
    /// Walks the pointer's keys through the text in order; array indices are skipped, so
    /// the answer may be the enclosing key's line. Good enough to point a reader at the
    /// right place without keeping spans for every node.
    pub fn line_of(&self, pointer: &str) -> Option<usize> {
        self.position_of(pointer).map(|(line, _)| line)
    }

    /// Best-effort 1-based (line, column) of the value a JSON pointer names.
    pub fn position_of(&self, pointer: &str) -> Option<(usize, usize)> {
        locate::Index::new(&self.text, self.is_json).position(pointer)
    }
}

/// Everything generation needs, read from disk.
#[derive(Debug)]
pub struct OwnedInput {
    pub spec_name: String,
    pub spec_text: String,
    pub config: crate::config::Config,
    pub extra_files: Vec<(String, String)>,
}

/// Why [`read_input`] failed.
#[derive(Debug)]
pub enum InputError {
    /// A file could not be read; the message names it.
    Unreadable(String),
    /// The config does not parse or holds a bad value. `diagnostic` is located in `text`.
    Config {
        diagnostic: Box<Diagnostic>,
        text: String,
    },
}

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InputError::Unreadable(message) => f.write_str(message),
            InputError::Config { diagnostic, text } => {
                let rendered = crate::diag::render(std::slice::from_ref(diagnostic), text);
                f.write_str(rendered.trim_end())
            }
        }
    }
}

impl std::error::Error for InputError {}

impl From<InputError> for String {
    fn from(error: InputError) -> String {
        error.to_string()
    }
}

/// Read a spec, its config (`codegen.toml` beside it unless given) and the files the
/// config names. Paths in messages and headers are shown relative to `root` (see
/// [`shown_path`]), so the output does not depend on how they were spelled.
pub fn read_input(
    root: &std::path::Path,
    spec: &std::path::Path,
    config: Option<&std::path::Path>,
) -> Result<OwnedInput, InputError> {
    let shown = |p: &std::path::Path| shown_path(root, p);
    let spec_name = shown(spec);
    let spec_text = std::fs::read_to_string(spec).map_err(|e| {
        InputError::Unreadable(format!("error: cannot read the spec {spec_name}: {e}"))
    })?;
    let config_path = match config {
        Some(p) => Some(p.to_path_buf()),
        None => {
            let beside = spec.with_file_name("codegen.toml");
            beside.exists().then_some(beside)
        }
    };
    let (config, extra_files) = match &config_path {
        None => (crate::config::Config::default(), Vec::new()),
        Some(path) => {
            let name = shown(path);
            let text = std::fs::read_to_string(path).map_err(|e| {
                InputError::Unreadable(format!("error: cannot read the config {name}: {e}"))
            })?;
            let config = match crate::config::Config::parse(&text) {
                Ok(config) => config,
                Err(mut diagnostic) => {
                    diagnostic.file = name;
                    return Err(InputError::Config { diagnostic, text });
                }
            };
            let base = path.parent().unwrap_or(std::path::Path::new("."));
            let mut extra = Vec::new();
            for (dest, src) in &config.files {
                let text = std::fs::read_to_string(base.join(src)).map_err(|e| {
                    InputError::Unreadable(format!(
                        "error: {name}: cannot read `{src}` (listed under [files]): {e}"
                    ))
                })?;
                extra.push((dest.clone(), text));
            }
            (config, extra)
        }
    };
    Ok(OwnedInput {
        spec_name,
        spec_text,
        config,
        extra_files,
    })
}

/// `path` as headers and messages show it: relative to `root`, without `.` or `..` steps
/// or doubled separators, `/`-separated. `./spec/openapi.yaml`, `spec//openapi.yaml` and
/// the absolute path of the same file all give `spec/openapi.yaml`; a relative path is
/// taken from the current directory, as the file system takes it. A file outside `root`
/// is reached from it with `..` steps.
pub fn shown_path(root: &std::path::Path, path: &std::path::Path) -> String {
    use std::path::{Component, Path, PathBuf};
    let here = std::env::current_dir().unwrap_or_default();
    let normalised = |p: &Path| -> PathBuf {
        let mut out = PathBuf::new();
        for part in here.join(p).components() {
            match part {
                Component::CurDir => {}
                Component::ParentDir => {
                    out.pop();
                }
                other => out.push(other),
            }
        }
        out
    };
    let slashes = |p: &Path| -> String {
        let parts: Vec<String> = p
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        parts.join("/")
    };
    let (root, path) = (normalised(root), normalised(path));
    if let Ok(inside) = path.strip_prefix(&root) {
        return slashes(inside);
    }
    // The same place reached through a symbolic link.
    if let (Ok(real_root), Ok(real_path)) = (root.canonicalize(), path.canonicalize())
        && let Ok(inside) = real_path.strip_prefix(&real_root)
    {
        return slashes(inside);
    }
    let shared = root
        .components()
        .zip(path.components())
        .take_while(|(a, b)| a == b)
        .count();
    let mut parts: Vec<String> = root
        .components()
        .skip(shared)
        .map(|_| "..".into())
        .collect();
    parts.extend(
        path.components()
            .skip(shared)
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    parts.join("/")
}

/// Parse `text` (YAML or JSON) as an OpenAPI 3.0 or 3.1 document (3.1 read as 3.0, see
/// [`v31`]).
pub fn load(name: &str, text: &str) -> Result<Loaded, Diagnostics> {
    let source = Source::new(name, text);
    let fail = |d: Diagnostic| Diagnostics::single(source.locate(d));

    if text.trim().is_empty() {
        return Err(fail(
            Diagnostic::error("", "the spec file is empty")
                .with_hint("write an OpenAPI 3.0 document (`openapi: 3.0.3`, `info`, `paths`)"),
        ));
    }
    let mut value = read::read(&source).map_err(fail)?;

    if let Some(problem) = version_problem(&value) {
        return Err(fail(problem));
    }
    let mut repaired = if v31::is_31(&value) {
        v31::normalise(&mut value)
    } else {
        Vec::new()
    };
    if repaired
        .iter()
        .any(|d| d.severity == crate::diag::Severity::Error)
    {
        return Err(Diagnostics(source.locate_all(repaired)));
    }
    repaired.extend(repair::repair(&mut value));

    // Shape errors are looked for on the raw document first: besides naming the field and
    // the fix, this keeps them from `openapiv3`, whose untagged enums retry every level
    // above a nested error and so take time exponential in its depth. The lint and the
    // unusual references are found meanwhile, on another core. (Every walk bounds its own
    // depth; the bound of the deserializer is checked here, first of all.)
    let ((too_deep, found), (lints, extra)) = both(
        || {
            let too_deep = deserialize::too_deep(&value);
            let found = match too_deep {
                Some(_) => Vec::new(),
                None => shape::check_document(&value),
            };
            (too_deep, found)
        },
        || (lint::lint(&value), refs::resolve(&value)),
    );
    if let Some(problem) = too_deep {
        return Err(fail(problem));
    }
    if found
        .iter()
        .any(|d| d.severity == crate::diag::Severity::Error)
    {
        return Err(Diagnostics(source.locate_all(found)));
    }
    repair::apply_readings(&mut value, &found);
    let mut warnings = lints;
    warnings.extend(repaired);
    warnings.extend(found.iter().cloned());
    // Last, as it consumes the raw document: each node is freed once it is read, so the
    // document and its typed form are never both held whole.
    let api = match deserialize::openapi_untracked(value) {
        Some(api) => api,
        // Refused: read the document again, this time keeping track of where the reader
        // is, to say where and why (slower, and only for a document that cannot be used).
        None => {
            let mut value = read::read(&source).map_err(fail)?;
            if v31::is_31(&value) {
                v31::normalise(&mut value);
            }
            repair::repair(&mut value);
            repair::apply_readings(&mut value, &found);
            deserialize::openapi(value).map_err(|e| {
                let pointer = deserialize::pointer_of(e.path());
                fail(shape::explain_serde_error(
                    &pointer,
                    &e.into_inner().to_string(),
                ))
            })?
        }
    };
    Ok(Loaded {
        api,
        source,
        warnings,
        extra,
    })
}

/// `a()` and `b()`, `b` on a thread of its own when one can be had (else after `a`, here).
fn both<A, B: Send>(a: impl FnOnce() -> A, b: impl FnOnce() -> B + Send) -> (A, B) {
    let slot = std::sync::Mutex::new(Some(b));
    let run_b = || slot.lock().ok().and_then(|mut b| b.take()).map(|b| b());
    std::thread::scope(|scope| {
        let spawned = std::thread::Builder::new().spawn_scoped(scope, run_b);
        let a = a();
        let b = match spawned {
            Ok(handle) => handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            Err(_) => None,
        };
        (
            a,
            b.or_else(run_b).expect("`b` is taken from its slot once"),
        )
    })
}

/// Why the document is not OpenAPI 3.0, if it is not.
fn version_problem(value: &serde_json::Value) -> Option<Diagnostic> {
    check_version(value).err()
}

#[allow(clippy::result_large_err)]
fn check_version(value: &serde_json::Value) -> Result<(), Diagnostic> {
    let Some(object) = value.as_object() else {
        return Err(Diagnostic::error(
            "#",
            format!("the document is {}, not a mapping", shape::describe(value)),
        )
        .with_hint("an OpenAPI document is a mapping with `openapi`, `info` and `paths`"));
    };
    if let Some(swagger) = object.get("swagger") {
        return Err(Diagnostic::error(
            "#/swagger",
            format!(
                "this is a Swagger {} document, not OpenAPI 3.0",
                swagger_version(swagger)
            ),
        )
        .with_hint("convert it to OpenAPI 3.0 first (for example with swagger2openapi)"));
    }
    match object.get("openapi").and_then(|v| v.as_str()) {
        Some(v) if v.starts_with("3.0.") || v.starts_with("3.1.") || v == "3.0" || v == "3.1" => {
            Ok(())
        }
        Some(v) => Err(Diagnostic::error(
            "#/openapi",
            format!("OpenAPI {v} is not supported; this generator reads OpenAPI 3.0.x and 3.1.x"),
        )
        .with_hint("use an OpenAPI 3.0.x or 3.1.x description of the API")),
        None => match object.get("openapi") {
            Some(other) => Err(Diagnostic::error(
                "#/openapi",
                format!(
                    "the `openapi` version must be a string, not {}",
                    shape::describe(other)
                ),
            )
            .with_hint("quote it: `openapi: '3.0.3'` (YAML reads `3.0` as a number)")),
            None => Err(
                Diagnostic::error("#/openapi", "missing `openapi` version field")
                    .with_hint("add `openapi: 3.0.3` at the top of the document"),
            ),
        },
    }
}

fn swagger_version(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const YAML: &str = "openapi: 3.0.3\ninfo:\n  title: t\n  version: '1'\npaths:\n  /a/{id}:\n    get:\n      operationId: getA\n      responses:\n        '200':\n          description: ok\ncomponents:\n  schemas:\n    Foo:\n      type: object\n";

    #[test]
    fn finds_yaml_lines() {
        let source = Source::new("s.yaml", YAML);
        assert_eq!(source.line_of("#/paths/~1a~1{id}/get"), Some(7));
        assert_eq!(source.line_of("#/components/schemas/Foo"), Some(14));
        assert_eq!(
            source.line_of("#/paths/~1a~1{id}/get/responses/200"),
            Some(10)
        );
    }

    #[test]
    fn refuses_swagger_and_31() {
        let err = load("s.yaml", "swagger: '2.0'\ninfo: {}\n").err().unwrap();
        assert!(err.to_string().contains("Swagger 2.0"), "{err}");
        let err = load("s.yaml", "openapi: 3.2.0\ninfo: {}\n").err().unwrap();
        assert!(err.to_string().contains("3.2.0 is not supported"), "{err}");
        let yaml = YAML.replace("openapi: 3.0.3", "openapi: 3.1.0");
        assert!(load("s.yaml", &yaml).is_ok());
    }

    #[test]
    fn a_path_is_shown_the_same_however_it_is_spelled() {
        let root = std::env::current_dir().expect("a current directory");
        let absolute = root.join("spec/openapi.yaml");
        for spelling in [
            std::path::PathBuf::from("spec/openapi.yaml"),
            std::path::PathBuf::from("./spec/openapi.yaml"),
            std::path::PathBuf::from("spec//openapi.yaml"),
            std::path::PathBuf::from("spec/../spec/./openapi.yaml"),
            absolute,
        ] {
            assert_eq!(
                shown_path(&root, &spelling),
                "spec/openapi.yaml",
                "{}",
                spelling.display()
            );
        }
        let outside = root.join("../elsewhere/x.yaml");
        let shown = shown_path(&root.join("a/b"), &outside);
        assert_eq!(shown, "../../../elsewhere/x.yaml");
    }

    #[test]
    fn loads_valid_yaml() {
        assert!(load("s.yaml", YAML).is_ok());
    }

    #[test]
    fn refuses_duplicate_keys_at_the_second_one() {
        let json = "{\"openapi\": \"3.0.3\",\n \"openapi\": \"3.0.0\"}";
        let err = load("s.json", json).err().unwrap();
        let d = &err.0[0];
        assert!(d.message.contains("duplicate key `openapi`"), "{err}");
        assert_eq!(
            (d.pointer.as_str(), d.line, d.column),
            ("#/openapi", Some(2), Some(2))
        );
    }

    #[test]
    fn null_where_openapiv3_reads_absent_is_accepted() {
        let yaml = YAML.replace(
            "      type: object\n",
            "      type: object\n      description: null\n      required: null\n",
        );
        assert!(load("s.yaml", &yaml).is_ok());
        let yaml = YAML.replace(
            "      type: object\n",
            "      type: object\n      nullable: null\n",
        );
        let err = load("s.yaml", &yaml).err().unwrap();
        assert!(
            err.to_string()
                .contains("`nullable` must be `true` or `false`"),
            "{err}"
        );
    }
}
