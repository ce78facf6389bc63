//! Helpers the xtask commands share: argument parsing, child processes under limits,
//! statistics, text, files and report writing.

pub mod args;
pub mod child;
pub mod fs;
pub mod measure;
pub mod parallel;
pub mod report;
pub mod stats;
pub mod text;

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Command;

/// The cargo that runs this task (`$CARGO`), or `cargo` from the path.
pub fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

/// Whether this is the release build of the xtask (`target/release/xtask`). `cargo xtask`
/// runs the `xtask` profile instead, optimised but built for a short first build.
pub fn is_release_build() -> bool {
    std::env::current_exe().is_ok_and(|exe| {
        exe.parent()
            .and_then(Path::file_name)
            .is_some_and(|dir| dir == "release")
    })
}

/// Build the xtask in release mode and replace this process with `xtask <task> <args>`
/// from that build (the corpus and bench tasks time the generator, so they must run the
/// release build, not the one `cargo xtask` starts). Returns only on failure.
pub fn rerun_in_release(root: &Path, task: &str, args: &[String]) -> Result<(), String> {
    eprintln!("xtask {task}: building the release xtask (cargo build --release -p xtask)");
    let cargo = cargo();
    let status = Command::new(&cargo)
        .args(["build", "--release", "--quiet", "-p", "xtask"])
        .current_dir(root)
        .status()
        .map_err(|e| format!("error: cannot run {cargo}: {e}"))?;
    if !status.success() {
        return Err(format!(
            "error: building the release xtask failed ({status})"
        ));
    }
    let target = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => root.join(dir),
        None => root.join("target"),
    };
    let exe = target.join("release/xtask");
    let error = Command::new(&exe).arg(task).args(args).exec();
    Err(format!("error: cannot run {}: {error}", exe.display()))
}
