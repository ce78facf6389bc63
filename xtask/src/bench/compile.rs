//! Compile cost of the generated code: `cargo check` of the crate generated from the full
//! Cloudflare spec, whole and with one feature, beside openapi-to-rust's crate.

use super::outcome::{Outcome, failure};
use super::peers::{OPENAPI_TO_RUST, Peer};
use crate::util::fs::{copy_tree, create_dir, remove_dir_if_present, touch, tree_size, write_file};
use crate::util::measure::{Limits, measure};
use crate::util::stats::median;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// The feature of the full crate that holds the client-certificates operations.
const CC_FEATURE: &str = "api_shield_client_certificates_for_a_zone";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CompileResult {
    pub name: String,
    pub command: String,
    pub outcome: Outcome,
    pub runs: usize,
    pub wall_s: Option<f64>,
    pub max_rss_mib: Option<f64>,
    pub wall_runs_s: Vec<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    pub lines: usize,
}

impl CompileResult {
    fn failed(name: &str, command: String, detail: String, lines: usize) -> Self {
        CompileResult {
            name: name.into(),
            command,
            outcome: Outcome::Fails,
            runs: 0,
            wall_s: None,
            max_rss_mib: None,
            wall_runs_s: Vec::new(),
            detail: Some(detail),
            lines,
        }
    }
}

struct CheckTarget {
    name: &'static str,
    package: String,
    dir: PathBuf,
    features: Vec<&'static str>,
}

impl CheckTarget {
    /// The command as the report shows it.
    fn shown(&self) -> String {
        format!(
            "cargo check -p {} {}",
            self.package,
            self.features.join(" ")
        )
        .trim_end()
        .to_string()
    }
}

fn package_name(crate_dir: &Path) -> Result<String, String> {
    let text = std::fs::read_to_string(crate_dir.join("Cargo.toml"))
        .map_err(|e| format!("error: cannot read {}/Cargo.toml: {e}", crate_dir.display()))?;
    text.lines()
        .find_map(|l| {
            let (key, value) = l.split_once('=')?;
            (key.trim() == "name").then(|| value.trim().trim_matches('"').to_string())
        })
        .ok_or_else(|| {
            format!(
                "error: no package name in {}/Cargo.toml",
                crate_dir.display()
            )
        })
}

/// Wrap openapi-to-rust's output (its modules and `REQUIRED_DEPS.toml`, the dependency
/// fragment it asks to append to the consuming crate's manifest) in an edition-2024 crate
/// that mounts the modules as `src/generated/`.
fn wrap_openapi_to_rust(out: &Path, crate_dir: &Path) -> Result<(), String> {
    let deps = std::fs::read_to_string(out.join("REQUIRED_DEPS.toml"))
        .map_err(|e| format!("error: openapi-to-rust wrote no REQUIRED_DEPS.toml: {e}"))?;
    remove_dir_if_present(crate_dir)?;
    copy_tree(out, &crate_dir.join("src/generated"))?;
    write_file(
        &crate_dir.join("Cargo.toml"),
        &format!(
            "[package]\nname = \"openapi-to-rust-cloudflare\"\nversion = \"0.1.0\"\nedition = \"2024\"\npublish = false\n\n{deps}"
        ),
    )?;
    write_file(&crate_dir.join("src/lib.rs"), "pub mod generated;\n")
}

/// Generate the crates, build their dependencies, then time `runs` checks of each.
pub fn bench(
    root: &Path,
    exe: &Path,
    peers: &[Peer],
    runs: usize,
    limits: &Limits,
) -> Result<Vec<CompileResult>, String> {
    let dir = root.join("target/bench/compile");
    let target_dir = root.join("target/bench/compile-target");
    let spec = root.join("tests/fixtures/cloudflare/openapi.json");
    create_dir(&dir)?;
    let mut members = Vec::new();
    let mut targets = Vec::new();
    let mut results = Vec::new();

    super::progress("compile: generating the full Cloudflare crate");
    let ours = dir.join("apigen");
    remove_dir_if_present(&ours)?;
    let generated = measure(
        &mut super::codegen::child_command(exe, &spec, &ours),
        limits,
    )?;
    if !generated.success() {
        return Err(format!(
            "error: generating the full Cloudflare crate failed: {}",
            failure(&generated, limits).1
        ));
    }
    let package = package_name(&ours)?;
    members.push("apigen");
    targets.push(CheckTarget {
        name: "apigen, --all-features",
        package: package.clone(),
        dir: ours.clone(),
        features: vec!["--all-features"],
    });
    targets.push(CheckTarget {
        name: "apigen, client-certificates feature only",
        package,
        dir: ours.clone(),
        features: vec!["--no-default-features", "--features", CC_FEATURE],
    });

    if let Some(peer) = peers.iter().find(|p| p.name == OPENAPI_TO_RUST.name) {
        super::progress("compile: generating openapi-to-rust's crate for the full spec");
        let work = root.join("target/bench/work/compile-openapi-to-rust");
        remove_dir_if_present(&work)?;
        create_dir(&work)?;
        let out = work.join("out");
        let measured = measure(&mut peer.command(root, &spec, &out, &work), limits)?;
        let wrapped = if measured.success() {
            wrap_openapi_to_rust(&out, &dir.join("openapi-to-rust"))
        } else {
            Err(failure(&measured, limits).1)
        };
        match wrapped {
            Ok(()) => {
                members.push("openapi-to-rust");
                targets.push(CheckTarget {
                    name: "openapi-to-rust",
                    package: "openapi-to-rust-cloudflare".into(),
                    dir: dir.join("openapi-to-rust"),
                    features: Vec::new(),
                });
            }
            Err(detail) => results.push(CompileResult::failed(
                "openapi-to-rust",
                String::new(),
                detail,
                0,
            )),
        }
    }
    let members: Vec<String> = members.iter().map(|m| format!("{m:?}")).collect();
    write_file(
        &dir.join("Cargo.toml"),
        &format!(
            "[workspace]\nresolver = \"3\"\nmembers = [{}]\n",
            members.join(", ")
        ),
    )?;

    let cargo = crate::util::cargo();
    let no_limit = Limits::new(Duration::from_secs(3 * 3600), None);
    let check = |target: &CheckTarget| {
        let mut command = Command::new(&cargo);
        command
            .args(["check", "--quiet", "-p"])
            .arg(&target.package)
            .args(&target.features)
            .current_dir(&dir)
            .env("CARGO_TARGET_DIR", &target_dir);
        measure(&mut command, &no_limit)
    };
    // Dependencies first (and the crate once), then the timed runs, the crates taking
    // turns run by run.
    let mut ready = Vec::new();
    for target in &targets {
        super::progress(&format!("compile: {} (dependencies first)", target.name));
        let warm = check(target)?;
        let (_, lines, _) = tree_size(&target.dir.join("src"));
        if warm.success() {
            ready.push((target, lines, Vec::new(), Vec::new()));
        } else {
            results.push(CompileResult::failed(
                target.name,
                target.shown(),
                failure(&warm, &no_limit).1,
                lines,
            ));
        }
    }
    for run in 0..runs {
        for (target, _, walls, rss) in &mut ready {
            super::progress(&format!(
                "compile: {} (timed run {}/{runs})",
                target.name,
                run + 1,
            ));
            touch(&target.dir.join("src/lib.rs"))?;
            let measured = check(target)?;
            if !measured.success() {
                return Err(format!(
                    "error: {} failed after succeeding once: {}",
                    target.shown(),
                    failure(&measured, &no_limit).1
                ));
            }
            walls.push(measured.wall.as_secs_f64());
            rss.push(measured.max_rss_mib());
        }
    }
    for (target, lines, walls, rss) in ready {
        results.push(CompileResult {
            name: target.name.into(),
            command: target.shown(),
            outcome: Outcome::Ok,
            runs: walls.len(),
            wall_s: median(&walls),
            max_rss_mib: median(&rss),
            wall_runs_s: walls,
            detail: None,
            lines,
        });
    }
    Ok(results)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_package_name() {
        let dir = std::env::temp_dir().join(format!("xtask-compile-{}", std::process::id()));
        write_file(
            &dir.join("Cargo.toml"),
            "[package]\nname = \"cloudflare\"\nversion = \"0.1.0\"\n",
        )
        .expect("writes");
        assert_eq!(package_name(&dir), Ok("cloudflare".into()));
        remove_dir_if_present(&dir).expect("removes");
        assert!(package_name(&dir).is_err());
    }

    #[test]
    fn shows_the_check_command() {
        let target = CheckTarget {
            name: "t",
            package: "p".into(),
            dir: PathBuf::new(),
            features: Vec::new(),
        };
        assert_eq!(target.shown(), "cargo check -p p");
    }
}
