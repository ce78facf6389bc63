//! The ratchet: `xtask/conformance-baseline.json` records, per spec, how many operations
//! conform, of how many, and which do not. A run fails the ratchet when a spec conforms
//! less than recorded, or a recorded spec is missing from it.

use super::report::Report;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

pub const BASELINE: &str = "xtask/conformance-baseline.json";

#[derive(Debug, Serialize, Deserialize, PartialEq)]
struct Entry {
    conforming: usize,
    total: usize,
    /// The operations that did not conform, so that a regression can be named.
    #[serde(default)]
    failing: Vec<String>,
}

#[derive(Debug, Serialize, Deserialize, Default)]
struct Baseline {
    specs: BTreeMap<String, Entry>,
}

fn from_report(report: &Report) -> Baseline {
    let specs = report
        .specs
        .iter()
        .map(|s| {
            let mut failing: Vec<String> =
                s.failing.iter().map(|o| o.operation_id.clone()).collect();
            failing.sort();
            failing.dedup();
            (
                s.slug.clone(),
                Entry {
                    conforming: s.counts.conforming,
                    total: s.counts.operations,
                    failing,
                },
            )
        })
        .collect();
    Baseline { specs }
}

/// Hold the run to the baseline at `path`.
pub fn ratchet(path: &Path, report: &Report) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        format!("error: cannot read {BASELINE}: {e}\n(run with --update-baseline to record one)")
    })?;
    let baseline: Baseline = serde_json::from_str(&text)
        .map_err(|e| format!("error: {BASELINE} is not a valid baseline: {e}"))?;
    let now = from_report(report);
    let mut problems = Vec::new();
    let mut improved = Vec::new();
    for (slug, was) in &baseline.specs {
        let Some(is) = now.specs.get(slug) else {
            problems.push(format!(
                "{slug}: in {BASELINE} ({} of {} conform) but not in this run",
                was.conforming, was.total
            ));
            continue;
        };
        if is.conforming < was.conforming {
            let mut regressed: Vec<&str> = is
                .failing
                .iter()
                .filter(|op| !was.failing.contains(op))
                .map(String::as_str)
                .collect();
            let shown = regressed.len().min(20);
            let more = regressed.len() - shown;
            regressed.truncate(shown);
            let more = if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            };
            problems.push(format!(
                "{slug}: {} of {} operations conform, fewer than the {} of {} recorded; \
                 no longer conforming: {}{more}",
                is.conforming,
                is.total,
                was.conforming,
                was.total,
                if regressed.is_empty() {
                    "(the operations changed; see target/conformance/report.md)".into()
                } else {
                    regressed.join(", ")
                }
            ));
        } else if is.conforming > was.conforming {
            improved.push(format!("{slug} {} → {}", was.conforming, is.conforming));
        }
    }
    if !problems.is_empty() {
        return Err(format!(
            "error: the conformance ratchet failed:\n  {}",
            problems.join("\n  ")
        ));
    }
    let new: Vec<&String> = now
        .specs
        .keys()
        .filter(|s| !baseline.specs.contains_key(*s))
        .collect();
    let mut message = String::from("xtask conformance: ratchet passed");
    if !improved.is_empty() {
        message.push_str(&format!("; better than recorded: {}", improved.join(", ")));
    }
    if !new.is_empty() {
        message.push_str(&format!(
            "; not in the baseline yet: {}",
            new.iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if !improved.is_empty() || !new.is_empty() {
        message.push_str(" (run with --update-baseline to lock that in)");
    }
    eprintln!("{message}");
    Ok(())
}

/// Record this run as the baseline.
pub fn update(path: &Path, report: &Report) -> Result<(), String> {
    let baseline = from_report(report);
    crate::util::report::write_json(path, &baseline)?;
    eprintln!(
        "xtask conformance: {BASELINE} now records {} specs",
        baseline.specs.len()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conformance::report::{Counts, OperationReport, SpecReport, report};
    use crate::conformance::specs::Group;

    fn spec(slug: &str, total: usize, failing: &[&str]) -> SpecReport {
        SpecReport {
            slug: slug.into(),
            spec: format!("{slug}.yaml"),
            config: None,
            group: Group::Fixture,
            client_package: None,
            counts: Counts {
                operations: total,
                conforming: total - failing.len(),
                built: total,
                accepted: total,
                decoded: total - failing.len(),
            },
            failure: None,
            notes: Vec::new(),
            failing: failing
                .iter()
                .map(|id| OperationReport {
                    index: Some(0),
                    operation_id: id.to_string(),
                    method: "GET".into(),
                    path: "/".into(),
                    built: true,
                    accepted: true,
                    decoded: false,
                    failures: Vec::new(),
                    response_notes: Vec::new(),
                })
                .collect(),
        }
    }

    #[test]
    fn the_ratchet_names_what_regressed() {
        let dir = std::env::temp_dir().join(format!("xtask-conf-baseline-{}", std::process::id()));
        let path = dir.join("baseline.json");
        let run = |specs| report(specs, "seed", 1.0, Vec::new());
        assert!(ratchet(&path, &run(vec![])).is_err(), "no baseline yet");
        update(&path, &run(vec![spec("a", 3, &["x"]), spec("b", 2, &[])])).expect("records");
        ratchet(&path, &run(vec![spec("a", 3, &["x"]), spec("b", 2, &[])]))
            .expect("the same run passes");
        ratchet(
            &path,
            &run(vec![
                spec("a", 3, &[]),
                spec("b", 2, &[]),
                spec("c", 1, &["z"]),
            ]),
        )
        .expect("better and new specs pass");
        let error = ratchet(
            &path,
            &run(vec![spec("a", 3, &["x", "y"]), spec("b", 2, &[])]),
        )
        .expect_err("a regression fails");
        assert!(error.contains("a: 1 of 3 operations conform"), "{error}");
        assert!(error.contains("no longer conforming: y"), "{error}");
        let error = ratchet(&path, &run(vec![spec("a", 3, &["x"])])).expect_err("b is missing");
        assert!(
            error.contains("b: in xtask/conformance-baseline.json"),
            "{error}"
        );
        crate::util::fs::remove_dir_if_present(&dir).expect("removes");
    }
}
