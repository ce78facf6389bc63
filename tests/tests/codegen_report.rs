//! What `cargo xtask codegen` says about a regeneration, and what it refuses, on the real
//! binary: a first generation says so with counts, a spec that removes every operation
//! changes nothing unless `--allow-removals` is given, `--json` keeps standard output for
//! the report, and the spec path's spelling does not reach the output.

use apigen_tests::{workspace_root, xtask_binary};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

const CASES: &str = "tests/fixtures/changes";

struct Run {
    success: bool,
    stdout: String,
    stderr: String,
}

/// `cargo xtask codegen --spec SPEC --out OUT ARGS…`, run from the workspace root.
fn codegen(spec: &str, out: &Path, extra: &[&str]) -> Run {
    let output = Command::new(xtask_binary())
        .current_dir(workspace_root())
        .args(["codegen", "--spec", spec, "--out"])
        .arg(out)
        .args(extra)
        .output()
        .expect("xtask runs");
    Run {
        success: output.status.success(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
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

/// Every file under `dir` with its bytes.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(at) = stack.pop() {
        for entry in std::fs::read_dir(&at).expect("readable") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let relative = path
                    .strip_prefix(dir)
                    .expect("inside")
                    .display()
                    .to_string();
                out.insert(relative, std::fs::read(&path).expect("readable"));
            }
        }
    }
    out
}

#[test]
fn a_first_generation_says_so_and_claims_no_version() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("client");
    let run = succeeds(codegen(
        &format!("{CASES}/first_generation/after.yaml"),
        &out,
        &[],
    ));
    let report: Vec<&str> = run
        .stdout
        .lines()
        .skip_while(|l| !l.starts_with("API changes"))
        .collect();
    assert_eq!(
        report,
        ["API changes: first generation (no earlier API): 2 operations in 1 resource, 2 models"],
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("  created: api-surface.txt"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_wipe_out_changes_nothing_unless_allowed() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("client");
    succeeds(codegen(&format!("{CASES}/wipe_out/before.yaml"), &out, &[]));
    let before = files(&out);
    let wipe = format!("{CASES}/wipe_out/after.yaml");
    let run = codegen(&wipe, &out, &[]);
    assert!(!run.success, "{}", run.stdout);
    for expected in [
        "the spec defines no operations: all 3 operations of the crate would be removed",
        "nothing was written; if the spec really means this, run again with --allow-removals",
    ] {
        assert!(run.stderr.contains(expected), "{}", run.stderr);
    }
    assert_eq!(
        files(&out),
        before,
        "a refused regeneration wrote something"
    );
    let check = codegen(&wipe, &out, &["--check"]);
    assert!(!check.success);
    assert!(
        check.stderr.contains("writing it would be refused"),
        "{}",
        check.stderr
    );
    let run = succeeds(codegen(&wipe, &out, &["--allow-removals"]));
    assert!(run.stdout.contains("3 removed"), "{}", run.stdout);
    assert_ne!(files(&out), before);
}

#[test]
fn json_keeps_standard_output_for_the_report() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("client");
    succeeds(codegen(&format!("{CASES}/renames/before.yaml"), &out, &[]));
    let run = succeeds(codegen(
        &format!("{CASES}/renames/after.yaml"),
        &out,
        &["--json"],
    ));
    let report: serde_json::Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("stdout is one JSON object ({e}):\n{}", run.stdout));
    assert_eq!(report["format"], 1);
    assert_eq!(report["counts"]["operations"]["renamed"], 3);
    assert!(run.stderr.contains("file(s) changed"), "{}", run.stderr);
}

#[test]
fn the_spec_path_spelling_does_not_reach_the_output() {
    let tmp = tempfile::tempdir().unwrap();
    let relative = format!("{CASES}/renames/after.yaml");
    let absolute = workspace_root().join(&relative).display().to_string();
    let spellings = [
        absolute,
        format!("./{relative}"),
        relative.replacen('/', "//", 2),
        format!("tests/../{relative}"),
    ];
    let mut outputs = Vec::new();
    for (i, spelling) in spellings.iter().enumerate() {
        let out = tmp.path().join(format!("client{i}"));
        succeeds(codegen(spelling, &out, &[]));
        outputs.push(files(&out));
    }
    for (spelling, output) in spellings.iter().zip(&outputs).skip(1) {
        assert!(*output == outputs[0], "`{spelling}` gives other bytes");
    }
    // And a check under another spelling finds nothing to do.
    let out = tmp.path().join("client0");
    let run = succeeds(codegen(&spellings[1], &out, &["--check"]));
    assert!(run.stdout.contains("is up to date"), "{}", run.stdout);
}
