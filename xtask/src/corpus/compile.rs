//! The compile sample (`--compile-sample N`): every k-th generated document written as a
//! crate into one workspace under `target/corpus/sample/`, then `cargo check`, each
//! compiler message attributed to its crate.

use super::child::Class;
use super::run::{DocResult, Progress, child_command, classify};
use super::{EXAMPLES, PACKAGE, PACKAGE_VERSION};
use crate::util::fs::{create_dir, remove_dir_if_present, tree_size};
use crate::util::measure::{Limits, measure};
use crate::util::parallel;
use crate::util::text::message_kind;
use indicatif::{ProgressBar, ProgressStyle};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, IsTerminal, Read};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Sampled crates with more generated source than this are checked with only their first
/// `SAMPLE_FEATURES` resource features: `rustc` needs more memory for Microsoft Graph's 190 MB
/// crate than a 24 GiB machine has. A user of such a crate enables the resources they use.
const SAMPLE_FULL_CHECK_BYTES: u64 = 32 << 20;
const SAMPLE_FEATURES: usize = 16;

#[derive(Serialize, Deserialize)]
pub struct CrateFailure {
    pub package: String,
    pub document: String,
    pub errors: usize,
    pub first_error: String,
}

#[derive(Serialize, Deserialize)]
pub struct ErrorKind {
    pub kind: String,
    pub crates: usize,
    pub errors: usize,
    pub examples: Vec<String>,
}

#[derive(Serialize, Deserialize)]
pub struct SampleReport {
    pub requested: usize,
    pub step: usize,
    pub crates: usize,
    pub passed: usize,
    pub crates_with_warnings: usize,
    /// The crates with rustc warnings, each with its first warning.
    #[serde(default)]
    pub warned: Vec<CrateFailure>,
    pub wall_seconds: f64,
    /// Sampled documents that could not be written as a crate.
    pub not_generated: Vec<CrateFailure>,
    pub failed: Vec<CrateFailure>,
    pub error_kinds: Vec<ErrorKind>,
    pub members: Vec<(String, String)>,
    /// Crates checked with part of their features: (package, document, kept, total, bytes).
    #[serde(default)]
    pub partial: Vec<(String, String, usize, usize, u64)>,
}

/// Keep the first `keep` entries of the manifest's `default` feature list. Returns the new
/// manifest and how many entries the list had, or `None` when there is no such list.
fn limit_default_features(manifest: &str, keep: usize) -> Option<(String, usize)> {
    let mut out = String::with_capacity(manifest.len());
    let mut total = None;
    for line in manifest.lines() {
        if total.is_none()
            && let Some(list) = line
                .strip_prefix("default = [")
                .and_then(|l| l.strip_suffix(']'))
        {
            let entries: Vec<&str> = list
                .split(',')
                .map(str::trim)
                .filter(|e| !e.is_empty())
                .collect();
            total = Some(entries.len());
            out.push_str("default = [");
            out.push_str(&entries[..entries.len().min(keep)].join(", "));
            out.push_str("]\n");
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    total.map(|t| (out, t))
}

/// The `corpus-N` crate a compiler message is about, from a path such as
/// `corpus-12/src/lib.rs:3:5: error: ...` or `.../sample/corpus-12/Cargo.toml`.
fn crate_in(line: &str) -> Option<String> {
    let mut rest = line;
    while let Some(at) = rest.find("corpus-") {
        let before_ok = at == 0 || rest[..at].ends_with(['/', ' ', '`', '"', '(']);
        let digits: String = rest[at + 7..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        let after = rest[at + 7 + digits.len()..].chars().next();
        if before_ok && !digits.is_empty() && matches!(after, Some('/' | '`' | '"' | ' ') | None) {
            return Some(format!("corpus-{digits}"));
        }
        rest = &rest[at + 7..];
    }
    None
}

/// The diagnostic part of a short-format message line, without the `path:line:col: ` prefix.
fn diagnostic_text(line: &str) -> Option<&str> {
    for marker in [": error", ": warning"] {
        if let Some(at) = line.find(marker) {
            return Some(&line[at + 2..]);
        }
    }
    None
}

pub struct CheckOutput {
    pub success: bool,
    pub lines: Vec<String>,
}

/// Every line of a pipe, decoded lossily so that stray bytes never stop the reading.
fn for_each_line(pipe: impl Read, mut f: impl FnMut(String)) {
    let mut reader = BufReader::new(pipe);
    let mut buffer = Vec::new();
    loop {
        buffer.clear();
        match reader.read_until(b'\n', &mut buffer) {
            Ok(0) => break,
            Ok(_) => {
                let line = String::from_utf8_lossy(&buffer);
                f(line.trim_end_matches(['\n', '\r']).to_string());
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
}

fn cargo_check(
    cargo: &str,
    sample_dir: &Path,
    target_dir: &Path,
    members: usize,
) -> Result<CheckOutput, String> {
    let mut child = Command::new(cargo)
        .args([
            "check",
            "--workspace",
            "--keep-going",
            "--message-format",
            "short",
        ])
        .env("CARGO_TARGET_DIR", target_dir)
        // Incremental state is never reused here and would take gigabytes.
        .env("CARGO_INCREMENTAL", "0")
        .env_remove("RUSTFLAGS")
        .current_dir(sample_dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("error: cannot run {cargo} check: {e}"))?;
    let plain = !std::io::stderr().is_terminal();
    let spinner = if plain {
        ProgressBar::hidden()
    } else {
        ProgressBar::new_spinner()
    };
    if let Ok(style) =
        ProgressStyle::with_template("cargo check [{elapsed_precise}] {spinner} {msg}")
    {
        spinner.set_style(style);
    }
    spinner.enable_steady_tick(Duration::from_millis(200));
    let stdout = child.stdout.take().map(|pipe| {
        std::thread::spawn(move || {
            let mut lines = Vec::new();
            for_each_line(pipe, |line| lines.push(line));
            lines
        })
    });
    let mut lines = Vec::new();
    let mut started = 0;
    if let Some(pipe) = child.stderr.take() {
        for_each_line(pipe, |line| {
            let trimmed = line.trim_start();
            if trimmed.starts_with("Checking corpus-") {
                started += 1;
                if plain && (started % 10 == 0 || started == members) {
                    eprintln!("  cargo check: {started}/{members} sampled crates started");
                }
            }
            if trimmed.starts_with("Checking") || trimmed.starts_with("Compiling") {
                spinner.set_message(format!("{started}/{members} sampled crates · {trimmed}"));
            }
            lines.push(line);
        });
    }
    let status = child
        .wait()
        .map_err(|e| format!("error: cannot wait for cargo check: {e}"))?;
    if let Some(handle) = stdout {
        lines.extend(handle.join().unwrap_or_default());
    }
    spinner.finish_and_clear();
    Ok(CheckOutput {
        success: status.success(),
        lines,
    })
}

fn write_workspace(sample_dir: &Path, members: &[(String, String)]) -> Result<(), String> {
    let mut manifest = String::from(
        "# Written by `cargo xtask corpus` (--compile-sample, --compile-all).\n[workspace]\nresolver = \"3\"\nmembers = [\n",
    );
    for (package, _) in members {
        let _ = writeln!(manifest, "    \"{package}\",");
    }
    manifest.push_str("]\n");
    let path = sample_dir.join("Cargo.toml");
    std::fs::write(&path, manifest)
        .map_err(|e| format!("error: cannot write {}: {e}", path.display()))
}

pub fn compile_sample(
    root: &Path,
    corpus_dir: &Path,
    exe: &Path,
    results: &[DocResult],
    requested: usize,
    limits: &Limits,
    jobs: usize,
) -> Result<SampleReport, String> {
    let generated: Vec<&DocResult> = results
        .iter()
        .filter(|r| r.report.class.generated())
        .collect();
    let step = (generated.len() / requested).max(1);
    let picks: Vec<(String, &DocResult)> = generated
        .iter()
        .step_by(step)
        .take(requested)
        .enumerate()
        .map(|(i, r)| (format!("corpus-{i}"), *r))
        .collect();
    let places = Places {
        root,
        corpus_dir,
        work: &corpus_dir.join("sample"),
        target: &corpus_dir.join("sample-target"),
    };
    let (mut report, _) = check_crates(&places, exe, &picks, limits, jobs, |_| None)?;
    report.requested = requested;
    report.step = step;
    Ok(report)
}

/// A hash of every file under `dir` (paths and contents, in path order) and of the
/// documents that could not be written: equal hashes mean the same crates to check.
pub fn tree_hash(dir: &Path, not_generated: &[CrateFailure]) -> u64 {
    use std::hash::{Hash, Hasher};
    fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                files(&path, out);
            } else {
                out.push(path);
            }
        }
    }
    let mut paths = Vec::new();
    files(dir, &mut paths);
    paths.sort();
    // Fixed keys: the same files give the same hash in every run.
    let mut hasher = std::hash::DefaultHasher::new();
    for path in &paths {
        path.strip_prefix(dir).unwrap_or(path).hash(&mut hasher);
        std::fs::read(path).unwrap_or_default().hash(&mut hasher);
    }
    for failure in not_generated {
        (&failure.document, &failure.first_error).hash(&mut hasher);
    }
    hasher.finish()
}

/// Where [`check_crates`] writes: the crates' workspace (emptied first) and its target.
pub struct Places<'a> {
    pub root: &'a Path,
    pub corpus_dir: &'a Path,
    pub work: &'a Path,
    pub target: &'a Path,
}

/// Generate each picked document as the crate named beside it, all in one workspace, and
/// `cargo check` them together, each compiler message attributed to its crate. Once the
/// workspace is written, `reuse` is given the hash of all its files (see [`tree_hash`]) and
/// may answer with the report of an earlier check of the same files instead. Returns the
/// report and that hash.
pub fn check_crates(
    places: &Places<'_>,
    exe: &Path,
    picks: &[(String, &DocResult)],
    limits: &Limits,
    jobs: usize,
    reuse: impl FnOnce(u64) -> Option<SampleReport>,
) -> Result<(SampleReport, u64), String> {
    let started = Instant::now();
    let (root, corpus_dir, target_dir) = (places.root, places.corpus_dir, places.target);
    let sample_dir = places.work.to_path_buf();
    remove_dir_if_present(&sample_dir)?;
    create_dir(&sample_dir)?;
    let package_dir = corpus_dir.join(format!("{PACKAGE}-{PACKAGE_VERSION}"));

    let progress = Progress::new(picks.len(), "writing crates");
    let written = parallel::map(picks, jobs, |(package, doc)| {
        let mut command = child_command(exe);
        command
            .arg(package_dir.join(&doc.path))
            .arg("--spec-name")
            .arg(&doc.path)
            .arg("--name")
            .arg(package)
            .arg("--write")
            .arg(sample_dir.join(package));
        let report = measure(&mut command, limits).map(|run| {
            let stderr = String::from_utf8_lossy(&run.stderr).trim().to_string();
            (classify(&run, limits), run.status.success(), stderr)
        });
        progress.finished(report.as_ref().map_or(Class::Panicked, |r| r.0.class));
        report
    });
    progress.finish();

    let mut members = Vec::new();
    let mut not_generated = Vec::new();
    for ((package, doc), outcome) in picks.iter().zip(written) {
        let (report, exited_ok, stderr) = outcome?;
        if report.class.generated() && exited_ok {
            members.push((package.clone(), doc.path.clone()));
        } else {
            let why = if stderr.is_empty() {
                report.first.map(|f| f.message).unwrap_or_default()
            } else {
                stderr
            };
            not_generated.push(CrateFailure {
                package: package.clone(),
                document: doc.path.clone(),
                errors: 1,
                first_error: why,
            });
        }
    }
    let mut partial = Vec::new();
    for (package, document) in &members {
        let dir = sample_dir.join(package);
        let (_, _, bytes) = tree_size(&dir.join("src"));
        if bytes <= SAMPLE_FULL_CHECK_BYTES {
            continue;
        }
        let manifest_path = dir.join("Cargo.toml");
        let manifest = std::fs::read_to_string(&manifest_path)
            .map_err(|e| format!("error: cannot read {}: {e}", manifest_path.display()))?;
        if let Some((limited, total)) = limit_default_features(&manifest, SAMPLE_FEATURES)
            && total > SAMPLE_FEATURES
        {
            std::fs::write(&manifest_path, limited)
                .map_err(|e| format!("error: cannot write {}: {e}", manifest_path.display()))?;
            eprintln!(
                "xtask corpus: {package} ({document}) has {} MB of code; checking {SAMPLE_FEATURES} of its {total} resource features",
                bytes >> 20
            );
            partial.push((
                package.clone(),
                document.clone(),
                SAMPLE_FEATURES,
                total,
                bytes,
            ));
        }
    }
    let lock = root.join("Cargo.lock");
    std::fs::copy(&lock, sample_dir.join("Cargo.lock"))
        .map_err(|e| format!("error: cannot copy {}: {e}", lock.display()))?;
    write_workspace(&sample_dir, &members)?;
    let hash = tree_hash(&sample_dir, &not_generated);
    if let Some(earlier) = reuse(hash) {
        return Ok((earlier, hash));
    }

    let cargo = crate::util::cargo();
    let document_of: BTreeMap<String, String> = members.iter().cloned().collect();
    let mut failed: Vec<CrateFailure> = Vec::new();
    let mut active = members.clone();
    eprintln!(
        "xtask corpus: cargo check of {} crates ({})",
        active.len(),
        sample_dir
            .strip_prefix(root)
            .unwrap_or(&sample_dir)
            .display()
    );
    let output = loop {
        write_workspace(&sample_dir, &active)?;
        let output = cargo_check(&cargo, &sample_dir, target_dir, active.len())?;
        if output.success || output.lines.iter().any(|l| l.contains("could not compile")) {
            break output;
        }
        // Nothing compiled: a manifest that cargo rejects stops the whole workspace. Drop
        // the crate it names and try again.
        let culprit = output
            .lines
            .iter()
            .filter(|l| l.contains("error"))
            .chain(output.lines.iter())
            .find_map(|l| crate_in(l))
            .filter(|c| active.iter().any(|(p, _)| p == c));
        let Some(culprit) = culprit else {
            let tail: Vec<&String> = output.lines.iter().rev().take(20).rev().collect();
            return Err(format!(
                "error: cargo check of the sample failed before compiling any crate:\n{}",
                tail.into_iter().cloned().collect::<Vec<_>>().join("\n")
            ));
        };
        let first = output
            .lines
            .iter()
            .find(|l| l.trim_start().starts_with("error"))
            .cloned()
            .unwrap_or_default();
        let detail: Vec<&str> = output
            .lines
            .iter()
            .map(|l| l.trim())
            .filter(|l| !l.is_empty() && !l.starts_with("Caused by"))
            .take(4)
            .collect();
        eprintln!("xtask corpus: dropping {culprit} from the sample workspace: {first}");
        failed.push(CrateFailure {
            package: culprit.clone(),
            document: document_of.get(&culprit).cloned().unwrap_or_default(),
            errors: 1,
            first_error: detail.join(" / "),
        });
        active.retain(|(p, _)| *p != culprit);
    };

    // Attribute each message to its crate.
    let mut errors: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut warned: BTreeMap<String, (usize, String)> = BTreeMap::new();
    let mut unattributed: Option<String> = None;
    let mut gave_up: BTreeSet<String> = BTreeSet::new();
    for line in &output.lines {
        if let Some(name) = line
            .strip_prefix("error: could not compile `")
            .and_then(|rest| rest.split('`').next())
        {
            gave_up.insert(name.to_string());
            if let Some(message) = unattributed.take() {
                errors.entry(name.to_string()).or_default().push(message);
            }
            continue;
        }
        let Some(text) = diagnostic_text(line) else {
            if line.starts_with("error") && !line.starts_with("error: could not compile") {
                unattributed = Some(line.clone());
            }
            continue;
        };
        match crate_in(line) {
            Some(name) if text.starts_with("error") => {
                errors.entry(name).or_default().push(line.clone());
            }
            Some(name) => {
                let first = warned.entry(name).or_insert_with(|| (0, line.clone()));
                first.0 += 1;
            }
            None if text.starts_with("error") => unattributed = Some(line.clone()),
            None => {}
        }
    }
    for name in gave_up {
        errors.entry(name).or_insert_with(|| {
            vec!["cargo could not compile the crate (no message was attributed)".into()]
        });
    }
    let mut kinds: BTreeMap<String, ErrorKind> = BTreeMap::new();
    for (package, lines) in &errors {
        if !document_of.contains_key(package) {
            continue;
        }
        let mut seen = BTreeSet::new();
        for line in lines {
            let kind = message_kind(diagnostic_text(line).unwrap_or(line));
            let entry = kinds.entry(kind.clone()).or_insert_with(|| ErrorKind {
                kind: kind.clone(),
                crates: 0,
                errors: 0,
                examples: Vec::new(),
            });
            entry.errors += 1;
            if seen.insert(kind) {
                entry.crates += 1;
                if entry.examples.len() < EXAMPLES {
                    entry.examples.push(format!(
                        "{} ({}): {line}",
                        package,
                        document_of.get(package).map_or("", String::as_str)
                    ));
                }
            }
        }
        failed.push(CrateFailure {
            package: package.clone(),
            document: document_of.get(package).cloned().unwrap_or_default(),
            errors: lines.len(),
            first_error: lines.first().cloned().unwrap_or_default(),
        });
    }
    failed.sort_by_key(|f| {
        f.package
            .trim_start_matches("corpus-")
            .parse::<usize>()
            .unwrap_or(usize::MAX)
    });
    let mut error_kinds: Vec<ErrorKind> = kinds.into_values().collect();
    error_kinds.sort_by_key(|k| std::cmp::Reverse((k.crates, k.errors)));
    let failing: BTreeSet<&str> = failed.iter().map(|f| f.package.as_str()).collect();
    let passed = members
        .iter()
        .filter(|(p, _)| !failing.contains(p.as_str()))
        .count();
    let report = SampleReport {
        requested: picks.len(),
        step: 1,
        crates: members.len(),
        passed,
        crates_with_warnings: warned.len(),
        warned: (warned.into_iter())
            .map(|(package, (warnings, first))| CrateFailure {
                document: document_of.get(&package).cloned().unwrap_or_default(),
                package,
                errors: warnings,
                first_error: first,
            })
            .collect(),
        wall_seconds: started.elapsed().as_secs_f64(),
        not_generated,
        failed,
        error_kinds,
        members,
        partial,
    };
    Ok((report, hash))
}

#[cfg(test)]
#[path = "compile_tests.rs"]
mod tests;
