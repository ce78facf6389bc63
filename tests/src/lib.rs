//! Shared helpers for the test suite: locating the workspace and running the generator.
//!
//! The workspace README is attached below so that its Rust examples compile as doctests.
#![doc = include_str!("../../README.md")]

use std::path::{Path, PathBuf};

pub mod fake_api;
pub mod faults;
pub mod prism;
pub mod typed_ids;
pub mod wire;

/// The workspace root (parent of this crate).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// The xtask executable, built (once per test run) with the cargo that runs the tests.
pub fn xtask_binary() -> &'static Path {
    static EXE: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    EXE.get_or_init(|| {
        let output = std::process::Command::new(env!("CARGO"))
            .args(["build", "--quiet", "-p", "xtask", "--message-format=json"])
            .current_dir(workspace_root())
            .output()
            .expect("cargo runs");
        assert!(
            output.status.success(),
            "building xtask failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
            .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == "xtask")
            .find_map(|m| m["executable"].as_str().map(PathBuf::from))
            .expect("cargo reports the xtask executable")
    })
}

/// Generate the crate for `spec/openapi.yaml` with `spec/codegen.toml`.
pub fn generate_spec() -> apigen::Output {
    let root = workspace_root();
    let input = apigen::load::read_input(&root, &root.join("spec/openapi.yaml"), None)
        .expect("spec/ is readable");
    apigen::generate(input.as_input()).unwrap_or_else(|d| panic!("spec/ must generate:\n{d}"))
}

/// Generate a crate for a fixture spec, with a package name derived from its file name.
/// A config that is refused gives its diagnostic, located in the config file.
pub fn generate_fixture(path: &Path) -> Result<apigen::Output, apigen::diag::Diagnostics> {
    let root = workspace_root();
    // A fixture may have its own settings beside it: `<stem>.codegen.toml`.
    let config = path.with_extension("codegen.toml");
    let config = config.exists().then_some(config);
    let mut input = match apigen::load::read_input(&root, path, config.as_deref()) {
        Ok(input) => input,
        Err(apigen::load::InputError::Config { diagnostic, .. }) => {
            return Err(apigen::diag::Diagnostics::single(*diagnostic));
        }
        Err(e) => panic!("fixture is readable: {e}"),
    };
    if input.config.package.name.is_none() {
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("fixture");
        input.config.package.name = Some(format!("fixture-{}", stem.replace('_', "-")));
    }
    apigen::generate(input.as_input())
}

/// Fixture specs, sorted: valid ones in `tests/fixtures/`, and in `tests/fixtures/defects/`
/// documents with the defects real specs have (accepted with warnings).
pub fn fixtures() -> Vec<PathBuf> {
    let root = workspace_root();
    let mut out = specs_in(&root.join("tests/fixtures"));
    out.extend(specs_in(&root.join("tests/fixtures/defects")));
    out
}

fn specs_in(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("tests/fixtures exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.is_file()
                && matches!(
                    p.extension().and_then(|e| e.to_str()),
                    Some("yaml" | "yml" | "json")
                )
        })
        .collect();
    out.sort();
    out
}

/// Files of a generated crate that come from the spec (runtime copies excluded).
pub fn spec_derived(files: &std::collections::BTreeMap<String, String>) -> Vec<(&String, &String)> {
    files
        .iter()
        .filter(|(path, _)| !path.starts_with("src/runtime/"))
        .collect()
}

/// A snapshot name for a generated file: `src/models.rs` → `src__models.rs`.
pub fn snapshot_name(prefix: &str, path: &str) -> String {
    format!("{prefix}__{}", path.replace('/', "__"))
}
