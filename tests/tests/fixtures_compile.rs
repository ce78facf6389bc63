//! Every fixture's generated crate compiles, passes clippy with warnings denied (with every
//! feature on: `blocking`, `mock` and `tracing` too), and the usage examples in its docs
//! compile (with the default features, so both configurations are built).
//!
//! The crates are written into one throwaway workspace under `target/` that reuses the
//! main workspace's `Cargo.lock` and a shared target directory, so dependencies build once.

use apigen_tests::{fixtures, generate_fixture, workspace_root};
use std::path::Path;
use std::process::Command;

fn cargo(dir: &Path, target: &Path, args: &[&str]) -> std::process::Output {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    Command::new(cargo)
        .arg(args[0])
        .arg("--target-dir")
        .arg(target)
        .args(&args[1..])
        .current_dir(dir)
        .output()
        .expect("cargo runs")
}

#[test]
fn fixture_crates_pass_clippy_and_doc_examples_compile() {
    let root = workspace_root();
    // One directory per run, so concurrent test runs cannot trample each other.
    let dir = root.join(format!("target/fixture-crates/run-{}", std::process::id()));
    let target = root.join("target/fixture-target");
    let _ = std::fs::remove_dir_all(&dir);
    let mut members = Vec::new();
    // (package, feature): every resource feature is also checked on its own.
    let mut alone = Vec::new();
    for path in fixtures() {
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_string();
        let output = generate_fixture(&path).unwrap_or_else(|d| panic!("{stem}:\n{d}"));
        apigen::write::write_tree(&dir.join(&stem), &output.files).expect("writable");
        members.push(format!("{stem:?}"));
        let package = output.api.package.name.clone();
        for resource in &output.api.resources {
            let feature = apigen::emit::features::feature_name(&resource.module);
            alone.push((package.clone(), feature));
        }
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

    let clippy = cargo(
        &dir,
        &target,
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--all-features",
            "--quiet",
            "--",
            "-D",
            "warnings",
        ],
    );
    assert!(
        clippy.status.success(),
        "fixture crates in {} do not pass clippy:\n{}",
        dir.display(),
        String::from_utf8_lossy(&clippy.stderr)
    );
    // Each resource feature alone must compile: the models it needs are gated by it.
    for (package, feature) in &alone {
        let check = cargo(
            &dir,
            &target,
            &[
                "check",
                "--quiet",
                "-p",
                package,
                "--no-default-features",
                "--features",
                feature,
            ],
        );
        assert!(
            check.status.success(),
            "{package} with only the `{feature}` feature does not compile:\n{}",
            String::from_utf8_lossy(&check.stderr)
        );
    }
    let doc = cargo(&dir, &target, &["test", "--workspace", "--doc", "--quiet"]);
    assert!(
        doc.status.success(),
        "doc examples of the fixture crates in {} do not compile:\n{}{}",
        dir.display(),
        String::from_utf8_lossy(&doc.stdout),
        String::from_utf8_lossy(&doc.stderr)
    );
    let _ = std::fs::remove_dir_all(&dir);
}
