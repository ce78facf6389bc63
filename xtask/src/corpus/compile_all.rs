//! `--compile-all`: every generated document as a crate, checked in batches of one cargo
//! workspace each under `target/corpus/compile-all/`, resumable.
//!
//! Each batch's result is kept in `batch-K.json` with a hash of the crates it checked
//! (every file of the workspace, the lock file included). A later run writes the batch's
//! crates again and, when they hash the same, takes the kept result instead of checking:
//! an interrupted run goes on where it stopped, and after a change to the generator only
//! the batches whose generated code changed are checked again. The crates of a finished
//! batch are removed from the shared target directory, so the disk holds the
//! dependencies and one batch at a time.

use super::compile::{CrateFailure, ErrorKind, Places, SampleReport, check_crates};
use super::run::DocResult;
use crate::util::fs::{create_dir, remove_dir_if_present};
use crate::util::measure::Limits;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// Documents per batch: one `cargo check` of this many crates.
pub const BATCH: usize = 100;

#[derive(Serialize, Deserialize)]
struct BatchFile {
    /// [`super::compile::tree_hash`] of the workspace checked.
    hash: u64,
    documents: Vec<String>,
    report: SampleReport,
}

#[derive(Serialize)]
pub struct CompileAll {
    pub documents: usize,
    pub batches: usize,
    /// Batches whose result was taken from an earlier check of the same crates.
    pub resumed: usize,
    pub crates: usize,
    pub passed: usize,
    pub crates_with_warnings: usize,
    #[serde(default)]
    pub warned: Vec<CrateFailure>,
    /// Summed over the batches' own runs, resumed ones included.
    pub check_seconds: f64,
    pub not_generated: Vec<CrateFailure>,
    pub failed: Vec<CrateFailure>,
    pub error_kinds: Vec<ErrorKind>,
    pub partial: Vec<(String, String, usize, usize, u64)>,
}

/// Remove the checked crates' artifacts (`corpus_N`, `corpus-N`) from a target directory.
fn remove_crate_artifacts(target: &Path) {
    for sub in ["debug/deps", "debug/.fingerprint", "debug/build"] {
        let Ok(entries) = std::fs::read_dir(target.join(sub)) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let ours = ["corpus_", "libcorpus_", "corpus-"]
                .iter()
                .any(|p| name.starts_with(p));
            if !ours {
                continue;
            }
            let path = entry.path();
            let _ = if path.is_dir() {
                std::fs::remove_dir_all(&path)
            } else {
                std::fs::remove_file(&path)
            };
        }
    }
}

pub fn compile_all(
    root: &Path,
    corpus_dir: &Path,
    exe: &Path,
    results: &[DocResult],
    limits: &Limits,
    jobs: usize,
) -> Result<CompileAll, String> {
    let dir = corpus_dir.join("compile-all");
    create_dir(&dir)?;
    let generated: Vec<(String, &DocResult)> = results
        .iter()
        .filter(|r| r.report.class.generated())
        .enumerate()
        .map(|(i, r)| (format!("corpus-{i}"), r))
        .collect();
    let batches: Vec<&[(String, &DocResult)]> = generated.chunks(BATCH).collect();
    let places = Places {
        root,
        corpus_dir,
        work: &dir.join("work"),
        target: &dir.join("target"),
    };
    let mut kept = Vec::with_capacity(batches.len());
    let mut resumed = 0;
    for (k, batch) in batches.iter().enumerate() {
        let documents: Vec<String> = batch.iter().map(|(_, r)| r.path.clone()).collect();
        let file = dir.join(format!("batch-{k}.json"));
        let earlier = std::fs::read(&file)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<BatchFile>(&bytes).ok())
            .filter(|b| b.documents == documents);
        eprintln!(
            "xtask corpus: compile-all batch {} of {} ({} documents)",
            k + 1,
            batches.len(),
            batch.len()
        );
        let mut reused = false;
        let (report, hash) = check_crates(&places, exe, batch, limits, jobs, |hash| {
            let earlier = earlier.filter(|b| b.hash == hash)?;
            reused = true;
            Some(earlier.report)
        })?;
        if reused {
            eprintln!("  batch {}: the same crates as checked before; kept", k + 1);
            resumed += 1;
            kept.push(report);
            continue;
        }
        let record = BatchFile {
            hash,
            documents,
            report,
        };
        let json = serde_json::to_vec(&record)
            .map_err(|e| format!("error: cannot encode {}: {e}", file.display()))?;
        std::fs::write(&file, json)
            .map_err(|e| format!("error: cannot write {}: {e}", file.display()))?;
        eprintln!(
            "  batch {}: {} of {} crates pass ({:.0} s)",
            k + 1,
            record.report.passed,
            record.report.crates,
            record.report.wall_seconds
        );
        remove_crate_artifacts(places.target);
        kept.push(record.report);
    }
    remove_dir_if_present(places.work)?;
    Ok(merge(generated.len(), resumed, kept))
}

fn merge(documents: usize, resumed: usize, reports: Vec<SampleReport>) -> CompileAll {
    let mut all = CompileAll {
        documents,
        batches: reports.len(),
        resumed,
        crates: 0,
        passed: 0,
        crates_with_warnings: 0,
        warned: Vec::new(),
        check_seconds: 0.0,
        not_generated: Vec::new(),
        failed: Vec::new(),
        error_kinds: Vec::new(),
        partial: Vec::new(),
    };
    let mut kinds: BTreeMap<String, ErrorKind> = BTreeMap::new();
    for report in reports {
        all.crates += report.crates;
        all.passed += report.passed;
        all.crates_with_warnings += report.crates_with_warnings;
        all.warned.extend(report.warned);
        all.check_seconds += report.wall_seconds;
        all.not_generated.extend(report.not_generated);
        all.failed.extend(report.failed);
        all.partial.extend(report.partial);
        for kind in report.error_kinds {
            let entry = kinds.entry(kind.kind.clone()).or_insert_with(|| ErrorKind {
                kind: kind.kind.clone(),
                crates: 0,
                errors: 0,
                examples: Vec::new(),
            });
            entry.crates += kind.crates;
            entry.errors += kind.errors;
            for example in kind.examples {
                if entry.examples.len() < super::EXAMPLES {
                    entry.examples.push(example);
                }
            }
        }
    }
    all.error_kinds = kinds.into_values().collect();
    all.error_kinds
        .sort_by_key(|k| std::cmp::Reverse((k.crates, k.errors)));
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(crates: usize, passed: usize, kind: &str) -> SampleReport {
        SampleReport {
            requested: crates,
            step: 1,
            crates,
            passed,
            crates_with_warnings: 0,
            warned: Vec::new(),
            wall_seconds: 2.0,
            not_generated: Vec::new(),
            failed: Vec::new(),
            error_kinds: vec![ErrorKind {
                kind: kind.into(),
                crates: crates - passed,
                errors: 1,
                examples: vec![format!("{kind} example")],
            }],
            members: Vec::new(),
            partial: Vec::new(),
        }
    }

    #[test]
    fn batches_add_up_and_kinds_merge() {
        let all = merge(7, 1, vec![report(4, 3, "E1"), report(3, 1, "E1")]);
        assert_eq!((all.crates, all.passed, all.batches), (7, 4, 2));
        assert_eq!(all.check_seconds, 4.0);
        assert_eq!(all.error_kinds.len(), 1);
        assert_eq!(
            (all.error_kinds[0].crates, all.error_kinds[0].examples.len()),
            (3, 2)
        );
    }

    #[test]
    fn only_corpus_crates_are_removed() {
        let dir = std::env::temp_dir().join(format!("apigen-compile-all-{}", std::process::id()));
        let deps = dir.join("debug/deps");
        std::fs::create_dir_all(&deps).unwrap();
        for name in ["libcorpus_3-ab.rmeta", "corpus_3-ab.d", "libserde-cd.rmeta"] {
            std::fs::write(deps.join(name), "").unwrap();
        }
        remove_crate_artifacts(&dir);
        let left: Vec<String> = std::fs::read_dir(&deps)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(left, vec!["libserde-cd.rmeta".to_string()]);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
