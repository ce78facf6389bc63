//! Lists `runtime/*.rs` so that every runtime module is embedded (with `include_str!`) in
//! the generator and copied into generated crates; adding a runtime file needs no edit here.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Stop the build with a message that says what is wrong and what to do.
fn fail(message: &str) -> ! {
    eprintln!("error: apigen build script: {message}");
    std::process::exit(1);
}

fn main() {
    // `CARGO_MANIFEST_DIR` is read when the script runs, not baked in with `env!` when it
    // is compiled: Cargo may reuse one compiled build script for several checkouts that
    // share a target directory, and each run must look at its own checkout's runtime/.
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from);
    let Some(manifest_dir) = manifest_dir else {
        fail("CARGO_MANIFEST_DIR is not set; build the generator with cargo");
    };
    let dir = manifest_dir.join("runtime");
    println!("cargo:rerun-if-changed={}", dir.display());
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| {
        fail(&format!(
            "cannot list the runtime sources in {}: {e}; they belong beside the generator's \
             Cargo.toml in runtime/ (restore them from version control)",
            dir.display()
        ))
    });
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".rs"))
        .collect();
    names.sort();
    let mut out = String::from("&[\n");
    for name in &names {
        let path = dir.join(name);
        println!("cargo:rerun-if-changed={}", path.display());
        // The absolute path as a string literal (`{:?}` escapes quotes and backslashes).
        let Some(literal) = path.to_str() else {
            fail(&format!(
                "the path {} is not valid UTF-8, so `include_str!` cannot name it; \
                 move the checkout to a directory whose path is UTF-8",
                path.display()
            ));
        };
        let _ = writeln!(out, "    ({name:?}, include_str!({literal:?})),");
    }
    out.push(']');
    let Some(out_dir) = std::env::var_os("OUT_DIR") else {
        fail("OUT_DIR is not set; build the generator with cargo");
    };
    let dest = Path::new(&out_dir).join("runtime_files.rs");
    if let Err(e) = std::fs::write(&dest, out) {
        fail(&format!(
            "cannot write {}: {e}; check that the target directory is writable",
            dest.display()
        ));
    }
}
