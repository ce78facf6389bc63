//! Generating each spec's client and driver under `target/conformance/work/<slug>/`, then
//! building every driver of the run in one cargo workspace, each compiler error attributed
//! to its spec.

use super::generator::{self, Generated};
use super::specs::{Declared, SpecInput, declared_operations};
use crate::util::parallel;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A spec made ready to judge, or the stage it failed at.
pub struct Prepared {
    pub input: SpecInput,
    /// The operations the document declares.
    pub declared: Result<Vec<Declared>, String>,
    pub generated: Option<Generated>,
    /// `out/driver/args.json`.
    pub args: PathBuf,
    /// The built driver binary.
    pub driver: Option<PathBuf>,
    /// Why the spec cannot be judged (`generate: …`, `compile: …`).
    pub failure: Option<String>,
}

fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".into())
}

/// Generate every spec's client and driver (in parallel); a failure or panic is the spec's.
pub fn generate_all(work: &Path, specs: Vec<SpecInput>, jobs: usize) -> Vec<Prepared> {
    parallel::map(&specs, jobs, |input| {
        let out = work.join(&input.slug);
        let declared = declared_operations(&input.spec);
        let generated = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            generator::generate(&input.spec, input.config.as_deref(), &out, &input.slug)
        }))
        .unwrap_or_else(|payload| {
            Err(format!("the generator panicked: {}", panic_text(&*payload)))
        });
        let (generated, failure) = match generated {
            Ok(generated) => (Some(generated), None),
            Err(message) => (None, Some(format!("generate: {}", message.trim()))),
        };
        eprintln!(
            "xtask conformance: {}: {}",
            input.slug,
            match (&generated, &failure) {
                (Some(g), _) => format!("generated ({} operations)", g.operations.len()),
                (None, Some(f)) => first_line(f).to_string(),
                (None, None) => String::new(),
            }
        );
        Prepared {
            input: input.clone(),
            declared,
            generated,
            args: out.join("driver/args.json"),
            driver: None,
            failure,
        }
    })
}

fn first_line(text: &str) -> &str {
    text.lines().find(|l| !l.trim().is_empty()).unwrap_or("")
}

fn write_workspace(work: &Path, members: &[String]) -> Result<(), String> {
    let mut manifest = String::from(
        "# Written by `cargo xtask conformance`: the drivers of the last run.\n\
         [workspace]\nresolver = \"3\"\nmembers = [\n",
    );
    for slug in members {
        let _ = writeln!(manifest, "    \"{slug}/driver\",");
    }
    // Debug builds without debug info: quicker to build and link, as good to run. No
    // incremental state either: each driver is built once, and the state of a hundred
    // of them takes gigabytes.
    manifest.push_str("]\n\n[profile.dev]\ndebug = false\nincremental = false\n");
    crate::util::fs::write_file(&work.join("Cargo.toml"), &manifest)
}

/// The slug whose directory under `work` a path (or a message naming one) is in.
fn slug_in(work: &Path, text: &str, slugs: &[String]) -> Option<String> {
    let prefix = format!("{}/", work.display());
    let mut rest = text;
    while let Some(at) = rest.find(&prefix) {
        let after = &rest[at + prefix.len()..];
        let name = after.split('/').next().unwrap_or("");
        if slugs.iter().any(|s| s == name) {
            return Some(name.to_string());
        }
        rest = after;
    }
    None
}

/// What one `cargo build` of the workspace said.
#[derive(Default)]
struct BuildOutput {
    success: bool,
    /// Whether cargo got as far as compiling (any artifact or compiler message).
    compiled: bool,
    /// First error per slug.
    errors: BTreeMap<String, String>,
    /// Driver executable per slug.
    executables: BTreeMap<String, PathBuf>,
    stderr: Vec<String>,
}

fn lines_of(pipe: impl Read, mut f: impl FnMut(String)) {
    let mut reader = BufReader::new(pipe);
    let mut buffer = Vec::new();
    while matches!(reader.read_until(b'\n', &mut buffer), Ok(n) if n > 0) {
        f(String::from_utf8_lossy(&buffer)
            .trim_end_matches(['\n', '\r'])
            .to_string());
        buffer.clear();
    }
}

fn cargo_build(
    work: &Path,
    target: &Path,
    slugs: &[String],
    jobs: usize,
) -> Result<BuildOutput, String> {
    let cargo = crate::util::cargo();
    let mut child = Command::new(&cargo)
        .args([
            "build",
            "--workspace",
            "--keep-going",
            "--message-format",
            "json-diagnostic-short",
            "--jobs",
            &jobs.to_string(),
            "--target-dir",
        ])
        .arg(target)
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_TARGET_DIR")
        .current_dir(work)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("error: cannot run {cargo} build: {e}"))?;
    let stderr = child.stderr.take().map(|pipe| {
        std::thread::spawn(move || {
            let mut lines = Vec::new();
            lines_of(pipe, |line| {
                let trimmed = line.trim_start();
                if trimmed.starts_with("Compiling conformance-driver-")
                    || trimmed.starts_with("Finished")
                {
                    eprintln!("  cargo: {trimmed}");
                }
                lines.push(line);
            });
            lines
        })
    });
    let mut output = BuildOutput::default();
    if let Some(pipe) = child.stdout.take() {
        lines_of(pipe, |line| {
            let Ok(message) = serde_json::from_str::<serde_json::Value>(&line) else {
                return;
            };
            let manifest = message["manifest_path"].as_str().unwrap_or("");
            let slug = slug_in(work, manifest, slugs);
            match message["reason"].as_str() {
                Some("compiler-artifact") => {
                    output.compiled = true;
                    if let (Some(slug), Some(exe)) = (slug, message["executable"].as_str()) {
                        if manifest.ends_with("/driver/Cargo.toml") {
                            output.executables.insert(slug, PathBuf::from(exe));
                        }
                    }
                }
                Some("compiler-message") => {
                    output.compiled = true;
                    let level = message["message"]["level"].as_str().unwrap_or("");
                    if let (Some(slug), true) = (slug, level.starts_with("error")) {
                        let crate_kind = if manifest.ends_with("/driver/Cargo.toml") {
                            "driver"
                        } else {
                            "client"
                        };
                        let rendered = message["message"]["rendered"].as_str().unwrap_or("");
                        output
                            .errors
                            .entry(slug)
                            .or_insert_with(|| format!("{crate_kind}: {}", rendered.trim()));
                    }
                }
                Some("build-finished") => {
                    output.success = message["success"].as_bool().unwrap_or(false);
                }
                _ => {}
            }
        });
    }
    let status = child
        .wait()
        .map_err(|e| format!("error: cannot wait for cargo build: {e}"))?;
    output.success &= status.success();
    output.stderr = stderr.and_then(|h| h.join().ok()).unwrap_or_default();
    Ok(output)
}

/// The error lines of cargo's own output (not the compiler's), a few.
fn cargo_errors(stderr: &[String]) -> String {
    let start = stderr
        .iter()
        .position(|l| l.trim_start().starts_with("error"))
        .unwrap_or(stderr.len().saturating_sub(8));
    stderr[start..]
        .iter()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty())
        .take(8)
        .collect::<Vec<_>>()
        .join(" / ")
}

/// Build every generated driver in one workspace at `work` (the repository's `Cargo.lock`
/// copied in first), in `target`; a spec whose crates fail to compile gets the first error.
pub fn build_all(
    root: &Path,
    work: &Path,
    target: &Path,
    prepared: &mut [Prepared],
    jobs: usize,
) -> Result<(), String> {
    let mut active: Vec<String> = prepared
        .iter()
        .filter(|p| p.generated.is_some())
        .map(|p| p.input.slug.clone())
        .collect();
    if active.is_empty() {
        return Ok(());
    }
    let lock = root.join("Cargo.lock");
    std::fs::copy(&lock, work.join("Cargo.lock"))
        .map_err(|e| format!("error: cannot copy {}: {e}", lock.display()))?;
    let mut failures: BTreeMap<String, String> = BTreeMap::new();
    let output = loop {
        write_workspace(work, &active)?;
        eprintln!(
            "xtask conformance: cargo build of {} drivers (target/conformance/work)",
            active.len()
        );
        let output = cargo_build(work, target, &active, jobs)?;
        if output.success || output.compiled {
            break output;
        }
        // Nothing compiled: cargo refused the workspace. Drop the spec it names and retry.
        let culprit = output
            .stderr
            .iter()
            .find_map(|line| slug_in(work, line, &active));
        let message = cargo_errors(&output.stderr);
        match culprit {
            Some(slug) => {
                eprintln!("xtask conformance: {slug}: cargo refused its crates: {message}");
                failures.insert(
                    slug.clone(),
                    format!("compile: cargo refused the crates: {message}"),
                );
                active.retain(|s| *s != slug);
                if active.is_empty() {
                    break BuildOutput::default();
                }
            }
            None => {
                for slug in active.drain(..) {
                    failures.insert(slug, format!("compile: cargo build failed: {message}"));
                }
                break BuildOutput::default();
            }
        }
    };
    for p in prepared.iter_mut().filter(|p| p.generated.is_some()) {
        let slug = &p.input.slug;
        if let Some(failure) = failures.remove(slug) {
            p.failure = Some(failure);
        } else if let Some(error) = output.errors.get(slug) {
            p.failure = Some(format!("compile: {error}"));
        } else if let Some(exe) = output.executables.get(slug) {
            p.driver = Some(exe.clone());
        } else {
            let package = p
                .generated
                .as_ref()
                .map_or("", |g| g.driver_package.as_str());
            let said = output
                .stderr
                .iter()
                .find(|l| l.contains(package) && l.contains("error"))
                .cloned()
                .unwrap_or_else(|| cargo_errors(&output.stderr));
            p.failure = Some(format!("compile: no driver binary was built: {said}"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_spec_a_path_is_in() {
        let work = Path::new("/r/target/conformance/work");
        let slugs = ["spec".to_string(), "fixture-a".to_string()];
        assert_eq!(
            slug_in(
                work,
                "/r/target/conformance/work/fixture-a/client/Cargo.toml",
                &slugs
            ),
            Some("fixture-a".into())
        );
        assert_eq!(
            slug_in(
                work,
                "error: failed to parse manifest at `/r/target/conformance/work/spec/driver/Cargo.toml`",
                &slugs
            ),
            Some("spec".into())
        );
        assert_eq!(
            slug_in(work, "/r/target/conformance/work/other/x", &slugs),
            None
        );
    }

    fn prepared(work: &Path, slug: &str, main_rs: &str, manifest_extra: &str) -> Prepared {
        let driver = work.join(slug).join("driver");
        let package = format!("conformance-driver-{slug}");
        crate::util::fs::write_file(
            &driver.join("Cargo.toml"),
            &format!(
                "[package]\nname = \"{package}\"\nversion = \"0.1.0\"\nedition = \"2024\"\n{manifest_extra}"
            ),
        )
        .expect("writes");
        crate::util::fs::write_file(&driver.join("src/main.rs"), main_rs).expect("writes");
        let spec = work.join(format!("{slug}.yaml"));
        Prepared {
            input: SpecInput {
                slug: slug.into(),
                spec: spec.clone(),
                config: None,
                group: super::super::specs::Group::Other,
                shown: spec.display().to_string(),
            },
            declared: Ok(Vec::new()),
            generated: Some(Generated {
                operations: Vec::new(),
                client_package: String::new(),
                driver_package: package,
            }),
            args: driver.join("args.json"),
            driver: None,
            failure: None,
        }
    }

    #[test]
    fn each_spec_gets_its_own_compile_errors() {
        let dir = std::env::temp_dir().join(format!("xtask-conf-build-{}", std::process::id()));
        crate::util::fs::remove_dir_if_present(&dir).expect("removable");
        let work = dir.join("work");
        crate::util::fs::write_file(&dir.join("Cargo.lock"), "version = 4\n").expect("writes");
        let mut all = vec![
            prepared(&work, "good", "fn main() {}\n", ""),
            prepared(&work, "typo", "fn main() { let x: u8 = \"no\"; }\n", ""),
            prepared(&work, "manifest", "fn main() {}\n", "[dependencies\n"),
        ];
        build_all(&dir, &work, &dir.join("target"), &mut all, 2).expect("builds");
        assert!(all[0].failure.is_none(), "{:?}", all[0].failure);
        assert!(all[0].driver.as_ref().is_some_and(|d| d.is_file()));
        let typo = all[1].failure.as_deref().unwrap_or("");
        assert!(typo.starts_with("compile: driver: "), "{typo}");
        assert!(typo.contains("error[E0308]"), "{typo}");
        let manifest = all[2].failure.as_deref().unwrap_or("");
        assert!(
            manifest.starts_with("compile: cargo refused the crates"),
            "{manifest}"
        );
        crate::util::fs::remove_dir_if_present(&dir).expect("removes");
    }

    #[test]
    fn quotes_cargos_errors() {
        let lines: Vec<String> = ["   Compiling x", "error: boom", "", "  caused by: y"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(cargo_errors(&lines), "error: boom / caused by: y");
    }
}
