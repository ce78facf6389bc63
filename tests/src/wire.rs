//! Programs that call generated clients over the wire: a fresh workspace of fixture crates
//! and one binary crate that depends on them, run with the suite's shared fixture target
//! directory (so the dependencies are built once for every wire test).

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::{Command, Output};

use crate::{generate_fixture, workspace_root};

/// A workspace under `target/wire-crates/` holding the crates of some fixtures and a
/// program that uses them.
pub struct WireProgram {
    /// The workspace's directory (fresh for each test process).
    pub dir: PathBuf,
    package: String,
}

impl WireProgram {
    /// Generates the crate of each `tests/fixtures/<spec>.yaml` (in a directory named after
    /// the spec's file stem, enabling `features`), and a binary package `package` whose
    /// `main.rs` is `program` and whose dependencies are those crates and `extra_deps`
    /// (lines of a `[dependencies]` table).
    pub fn new(
        package: &str,
        fixtures: &[(&str, &[&str])],
        extra_deps: &str,
        program: &str,
    ) -> WireProgram {
        let root = workspace_root();
        let dir = root.join(format!(
            "target/wire-crates/{package}-{}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        let mut members = Vec::new();
        let mut deps = String::new();
        for (spec, features) in fixtures {
            let output = generate_fixture(&root.join(format!("tests/fixtures/{spec}.yaml")))
                .unwrap_or_else(|d| panic!("{spec}:\n{d}"));
            let stem = spec.rsplit('/').next().unwrap_or(spec);
            apigen::write::write_tree(&dir.join(stem), &output.files).expect("writable");
            let features: Vec<String> = features.iter().map(|f| format!("\"{f}\"")).collect();
            deps.push_str(&format!(
                "fixture-{} = {{ path = \"../{stem}\", features = [{}] }}\n",
                stem.replace('_', "-"),
                features.join(", ")
            ));
            members.push(format!("\"{stem}\""));
        }
        members.push("\"program\"".to_owned());
        std::fs::create_dir_all(dir.join("program/src")).unwrap();
        std::fs::write(dir.join("program/src/main.rs"), program).unwrap();
        std::fs::write(
            dir.join("program/Cargo.toml"),
            format!(
                "[package]\nname = \"{package}\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\
                 publish = false\n\n[dependencies]\n{deps}{extra_deps}"
            ),
        )
        .unwrap();
        std::fs::write(
            dir.join("Cargo.toml"),
            format!(
                "[workspace]\nresolver = \"3\"\nmembers = [{}]\n",
                members.join(", ")
            ),
        )
        .unwrap();
        std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
        WireProgram {
            dir,
            package: package.to_owned(),
        }
    }

    /// Builds and runs the program with `args`, off the async runtime, and fails the test
    /// with its stderr unless it succeeds.
    pub async fn run(&self, args: Vec<OsString>) -> Output {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut command = Command::new(cargo);
        command
            .args(["run", "-q", "-p", &self.package, "--target-dir"])
            .arg(workspace_root().join("target/fixture-target"))
            .arg("--")
            .args(args)
            .current_dir(&self.dir);
        let output = tokio::task::spawn_blocking(move || command.output().expect("cargo runs"))
            .await
            .expect("the program's runner ends");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        output
    }
}
