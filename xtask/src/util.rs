//! Helpers the xtask commands share.

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Command;

/// Build the xtask in release mode and replace this process with `xtask <task> <args>`
/// from that build (the corpus and bench tasks time the generator, so they must not run
/// a debug build). Returns only on failure.
pub fn rerun_in_release(root: &Path, task: &str, args: &[String]) -> Result<(), String> {
    eprintln!("xtask {task}: building the release xtask (cargo build --release -p xtask)");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
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

/// Remove a directory tree; a missing one is fine.
pub fn remove_dir_if_present(dir: &Path) -> Result<(), String> {
    match std::fs::remove_dir_all(dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(format!("error: cannot remove {}: {e}", dir.display())),
    }
}

/// Create a directory and its parents.
pub fn create_dir(dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("error: cannot create {}: {e}", dir.display()))
}

/// Read a child's pipe to its end, keeping at most `cap` bytes (the rest is read and
/// dropped so the child never blocks on a full pipe).
pub fn drain(mut pipe: impl Read, cap: usize) -> Vec<u8> {
    let mut kept = Vec::new();
    let mut buffer = [0u8; 16 * 1024];
    loop {
        match pipe.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => {
                let room = cap.saturating_sub(kept.len());
                kept.extend_from_slice(&buffer[..n.min(room)]);
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
    kept
}

/// Limit the address space of the child `command` will start to `bytes` (`RLIMIT_AS`), so
/// that a run out of memory fails with an allocation error instead of taking the machine.
pub fn limit_address_space(command: &mut Command, bytes: u64) {
    // SAFETY: the closure runs in the forked child before exec and only calls
    // setrlimit, which is async-signal-safe; it neither allocates nor takes locks.
    unsafe {
        command.pre_exec(move || {
            let limit = libc::rlimit {
                rlim_cur: bytes as libc::rlim_t,
                rlim_max: bytes as libc::rlim_t,
            };
            if libc::setrlimit(libc::RLIMIT_AS, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}
