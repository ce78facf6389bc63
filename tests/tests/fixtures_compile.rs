//! Every fixture's generated crate compiles, and passes clippy with warnings denied.
//!
//! The crates are written into one throwaway workspace under `target/` that reuses the
//! main workspace's `Cargo.lock` and target directory, so dependencies build once.

use apigen_tests::{fixtures, generate_fixture, workspace_root};
use std::process::Command;

#[test]
fn fixture_crates_pass_clippy() {
    let root = workspace_root();
    // One directory per run, so concurrent test runs cannot trample each other.
    let dir = root.join(format!("target/fixture-crates/run-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut members = Vec::new();
    for path in fixtures() {
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_string();
        let output = generate_fixture(&path).unwrap_or_else(|d| panic!("{stem}:\n{d}"));
        apigen::write::write_tree(&dir.join(&stem), &output.files).expect("writable");
        members.push(format!("{stem:?}"));
    }
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[workspace]\nresolver = \"3\"\nmembers = [{}]\n",
            members.join(", ")
        ),
    )
    .expect("writable");
    std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock")).expect("Cargo.lock exists");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let result = Command::new(cargo)
        .args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--quiet",
            "--target-dir",
        ])
        .arg(root.join("target/fixture-target"))
        .args(["--", "-D", "warnings"])
        .current_dir(&dir)
        .output()
        .expect("cargo runs");
    assert!(
        result.status.success(),
        "fixture crates in {} do not pass clippy:\n{}",
        dir.display(),
        String::from_utf8_lossy(&result.stderr)
    );
    let _ = std::fs::remove_dir_all(&dir);
}
