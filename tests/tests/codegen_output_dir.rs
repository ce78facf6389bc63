//! `cargo xtask codegen --out DIR` shares DIR with files it did not write: it refuses a
//! directory that is not its output, never removes a file it did not write, removes the
//! files it wrote that are no longer generated, and `--check` ignores everything else.
//!
//! These tests run the real xtask binary, built once.

use apigen_tests::{workspace_root, xtask_binary as xtask};
use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::process::{Command, Output};

const MANIFEST: &str = ".apigen-manifest";

struct Run {
    success: bool,
    stdout: String,
    stderr: String,
}

fn codegen(out: &Path, extra: &[&str]) -> Run {
    let Output {
        status,
        stdout,
        stderr,
    } = Command::new(xtask())
        .arg("codegen")
        .arg("--spec")
        .arg(workspace_root().join("spec/openapi.yaml"))
        .arg("--out")
        .arg(out)
        .args(extra)
        .output()
        .expect("xtask runs");
    Run {
        success: status.success(),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

#[track_caller]
fn succeeds(run: Run) -> Run {
    assert!(
        run.success,
        "codegen failed:\n{}\n{}",
        run.stdout, run.stderr
    );
    run
}

#[track_caller]
fn fails(run: Run) -> Run {
    assert!(
        !run.success,
        "codegen succeeded but should not:\n{}\n{}",
        run.stdout, run.stderr
    );
    run
}

/// Every entry under `dir` (links not followed): file bytes, `None` for directories.
fn snapshot(dir: &Path) -> BTreeMap<String, Option<Vec<u8>>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        for entry in fs::read_dir(&current).expect("readable") {
            let path = entry.expect("readable").path();
            let rel = path
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            if fs::symlink_metadata(&path).unwrap().is_dir() {
                out.insert(format!("{rel}/"), None);
                stack.push(path);
            } else {
                out.insert(rel, Some(fs::read(&path).expect("readable")));
            }
        }
    }
    out
}

/// Inode and modification time of every file and directory under `dir`.
fn stamps(dir: &Path) -> BTreeMap<String, (u64, std::time::SystemTime)> {
    let mut out = BTreeMap::new();
    for rel in snapshot(dir).into_keys().chain([String::new()]) {
        let meta = fs::symlink_metadata(dir.join(&rel)).unwrap();
        out.insert(rel, (meta.ino(), meta.modified().unwrap()));
    }
    out
}

fn manifest_entries(dir: &Path) -> Vec<String> {
    fs::read_to_string(dir.join(MANIFEST))
        .expect("the manifest exists")
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(String::from)
        .collect()
}

fn write(path: &Path, text: &str) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

#[test]
fn a_users_directory_is_refused_and_force_writes_beside_its_files() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(&dir.join("notes.txt"), "my notes\n");
    write(&dir.join("src/main.rs"), "fn main() {}\n");
    let before = snapshot(dir);

    let run = fails(codegen(dir, &[]));
    assert!(run.stderr.contains("did not write"), "{}", run.stderr);
    assert!(run.stderr.contains("notes.txt"), "{}", run.stderr);
    assert!(run.stderr.contains("src/main.rs"), "{}", run.stderr);
    assert!(run.stderr.contains("--force"), "{}", run.stderr);
    assert_eq!(snapshot(dir), before, "a refused run changes nothing");
    let run = fails(codegen(dir, &["--check"]));
    assert!(run.stderr.contains("did not write"), "{}", run.stderr);
    assert_eq!(snapshot(dir), before);

    let run = succeeds(codegen(dir, &["--force"]));
    assert!(run.stdout.contains("created: Cargo.toml"), "{}", run.stdout);
    assert!(!run.stdout.contains("would be"), "{}", run.stdout);
    assert!(dir.join("Cargo.toml").is_file());
    assert!(dir.join("src/lib.rs").is_file());
    assert_eq!(fs::read(dir.join("notes.txt")).unwrap(), b"my notes\n");
    assert_eq!(
        fs::read(dir.join("src/main.rs")).unwrap(),
        b"fn main() {}\n"
    );
    let entries = manifest_entries(dir);
    assert!(entries.contains(&"src/lib.rs".to_string()), "{entries:?}");
    assert!(
        !entries
            .iter()
            .any(|e| e == "notes.txt" || e == "src/main.rs")
    );

    // From now on the directory is apigen's output: no --force needed, foreign files stay.
    let run = succeeds(codegen(dir, &[]));
    assert!(run.stdout.contains("is up to date"), "{}", run.stdout);
    succeeds(codegen(dir, &["--check"]));
    assert_eq!(fs::read(dir.join("notes.txt")).unwrap(), b"my notes\n");
    assert_eq!(
        fs::read(dir.join("src/main.rs")).unwrap(),
        b"fn main() {}\n"
    );
}

#[test]
fn cargo_lock_and_target_survive_and_do_not_fail_the_check() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("client");
    succeeds(codegen(&dir, &[]));
    // What `cargo check` inside the generated crate leaves behind.
    write(&dir.join("Cargo.lock"), "# lock\n");
    write(&dir.join("target/debug/x"), "build output");
    let run = succeeds(codegen(&dir, &["--check"]));
    assert!(run.stdout.contains("is up to date"), "{}", run.stdout);
    let run = succeeds(codegen(&dir, &[]));
    assert!(run.stdout.contains("is up to date"), "{}", run.stdout);
    // A real change does not touch them either.
    let lib = dir.join("src/lib.rs");
    fs::write(&lib, "// edited\n").unwrap();
    let run = fails(codegen(&dir, &["--check"]));
    assert!(
        run.stderr.contains("would be updated): src/lib.rs"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("Cargo.lock"), "{}", run.stderr);
    assert!(!run.stderr.contains("target"), "{}", run.stderr);
    let run = succeeds(codegen(&dir, &[]));
    assert!(run.stdout.contains("updated: src/lib.rs"), "{}", run.stdout);
    assert_ne!(fs::read_to_string(&lib).unwrap(), "// edited\n");
    assert_eq!(fs::read(dir.join("Cargo.lock")).unwrap(), b"# lock\n");
    assert_eq!(
        fs::read(dir.join("target/debug/x")).unwrap(),
        b"build output"
    );
}

#[test]
fn a_file_no_longer_generated_is_removed() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("client");
    succeeds(codegen(&dir, &[]));
    // As if an earlier spec had generated `src/retired/module.rs`.
    write(&dir.join("src/retired/module.rs"), "// @generated\n");
    let mut manifest = fs::read_to_string(dir.join(MANIFEST)).unwrap();
    manifest.push_str("src/retired/module.rs\n");
    fs::write(dir.join(MANIFEST), manifest).unwrap();
    // Beside it, a file the user made, never listed.
    write(&dir.join("src/retired_notes.md"), "mine");

    let run = fails(codegen(&dir, &["--check"]));
    assert!(
        run.stderr
            .contains("no longer generated (would be removed): src/retired/module.rs"),
        "{}",
        run.stderr
    );
    let run = succeeds(codegen(&dir, &[]));
    assert!(
        run.stdout
            .contains("removed (no longer generated): src/retired/module.rs"),
        "{}",
        run.stdout
    );
    assert!(!dir.join("src/retired/module.rs").exists());
    assert!(!dir.join("src/retired").exists(), "emptied directory stays");
    assert!(dir.join("src/retired_notes.md").exists());
    assert!(!manifest_entries(&dir).contains(&"src/retired/module.rs".to_string()));
    succeeds(codegen(&dir, &["--check"]));
}

#[test]
fn a_user_file_where_a_generated_file_goes_is_refused_without_force() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("client");
    succeeds(codegen(&dir, &[]));
    // As if `examples/lifecycle.rs` were new in this spec and the user had a file there.
    let entry = "examples/lifecycle.rs";
    let manifest = fs::read_to_string(dir.join(MANIFEST)).unwrap();
    assert!(manifest.lines().any(|l| l == entry), "{manifest}");
    let without: String = manifest
        .lines()
        .filter(|l| *l != entry)
        .map(|l| format!("{l}\n"))
        .collect();
    fs::write(dir.join(MANIFEST), without).unwrap();
    fs::write(dir.join(entry), "// my own example\n").unwrap();
    let before = snapshot(&dir);

    for extra in [&[][..], &["--check"][..]] {
        let run = fails(codegen(&dir, extra));
        assert!(run.stderr.contains(entry), "{}", run.stderr);
        assert!(run.stderr.contains("--force"), "{}", run.stderr);
        assert_eq!(snapshot(&dir), before);
    }

    let run = succeeds(codegen(&dir, &["--force"]));
    assert!(
        run.stdout.contains(&format!("updated: {entry}")),
        "{}",
        run.stdout
    );
    assert_ne!(
        fs::read_to_string(dir.join(entry)).unwrap(),
        "// my own example\n"
    );
    assert!(manifest_entries(&dir).contains(&entry.to_string()));
    succeeds(codegen(&dir, &["--check"]));
}

#[test]
fn a_manifest_entry_outside_the_directory_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("client");
    succeeds(codegen(&dir, &[]));
    write(&tmp.path().join("evil"), "precious");
    let mut manifest = fs::read_to_string(dir.join(MANIFEST)).unwrap();
    let line = manifest.lines().count() + 1;
    manifest.push_str("../evil\n");
    fs::write(dir.join(MANIFEST), manifest).unwrap();
    let before = snapshot(tmp.path());

    for extra in [&[][..], &["--force"][..], &["--check"][..]] {
        let run = fails(codegen(&dir, extra));
        assert!(
            run.stderr.contains(&format!("line {line}")),
            "{extra:?}: {}",
            run.stderr
        );
        assert!(run.stderr.contains("../evil"), "{}", run.stderr);
        assert_eq!(snapshot(tmp.path()), before, "{extra:?}");
    }
    assert_eq!(fs::read(tmp.path().join("evil")).unwrap(), b"precious");
}

#[test]
fn a_run_without_changes_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("client");
    succeeds(codegen(&dir, &[]));
    write(&dir.join("Cargo.lock"), "# lock\n");
    let before = stamps(&dir);
    // Coarse file systems keep modification times to the second or so.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let run = succeeds(codegen(&dir, &[]));
    assert!(run.stdout.contains("is up to date"), "{}", run.stdout);
    assert_eq!(stamps(&dir), before);
    let names: Vec<String> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("apigen-tmp"))
        .collect();
    assert!(names.is_empty(), "{names:?}");
}
