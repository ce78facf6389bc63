//! Code generation measured: apigen (in `xtask bench-codegen` children, by stage) and
//! each peer, whole process, on the same inputs under the same limits.

use super::child::StageReport;
use super::outcome::{Outcome, failure};
use super::peers::Peer;
use crate::util::fs::{create_dir, remove_dir_if_present, tree_size};
use crate::util::measure::{Limits, Measured, measure};
use crate::util::stats::median;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The stages in the report's columns and the charts' stacks, in order.
pub const STAGES: [&str; 5] = ["load", "lower", "emit", "format", "write"];

pub struct BenchInput {
    key: &'static str,
    label: &'static str,
    path: PathBuf,
    runs: usize,
}

/// `spec/openapi.yaml` and the two Cloudflare specs, `full_runs` times for the large one.
pub fn inputs(root: &Path, runs: usize, full_runs: usize) -> Vec<BenchInput> {
    vec![
        BenchInput {
            key: "spec",
            label: "spec/openapi.yaml",
            path: root.join("spec/openapi.yaml"),
            runs,
        },
        BenchInput {
            key: "client-certificates",
            label: "client-certificates.json",
            path: root.join("tests/fixtures/cloudflare/client-certificates.json"),
            runs,
        },
        BenchInput {
            key: "cloudflare",
            label: "Cloudflare openapi.json (1533 ops)",
            path: root.join("tests/fixtures/cloudflare/openapi.json"),
            runs: full_runs,
        },
    ]
}

/// One tool on one input.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ToolResult {
    pub tool: String,
    pub version: String,
    pub outcome: Outcome,
    pub runs: usize,
    /// Medians over the runs.
    pub wall_ms: Option<f64>,
    pub max_rss_mib: Option<f64>,
    pub wall_runs_ms: Vec<f64>,
    pub rss_runs_mib: Vec<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    pub files: usize,
    pub lines: usize,
    pub bytes: u64,
    /// Ours only: medians per stage, in milliseconds, and peak RSS at each stage's end.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stages: Option<Stages>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Stages {
    pub load_ms: f64,
    pub lower_ms: f64,
    /// Rendering without formatting: `emit` minus the formatting estimate.
    pub emit_ms: f64,
    /// Estimated share of `emit` spent in `syn::parse2` + `prettyplease::unparse`.
    pub format_ms: f64,
    /// `emit` as measured, formatting included.
    pub emit_total_ms: f64,
    pub write_ms: f64,
    pub rss_load_mib: f64,
    pub rss_lower_mib: f64,
    pub rss_emit_mib: f64,
    pub rss_write_mib: f64,
    pub warnings: usize,
}

impl Stages {
    /// The time of one of [`STAGES`].
    pub fn by_name(&self, stage: &str) -> f64 {
        match stage {
            "load" => self.load_ms,
            "lower" => self.lower_ms,
            "emit" => self.emit_ms,
            "format" => self.format_ms,
            _ => self.write_ms,
        }
    }
}

impl ToolResult {
    pub fn empty(tool: &str, version: &str, outcome: Outcome, detail: Option<String>) -> Self {
        ToolResult {
            tool: tool.to_string(),
            version: version.to_string(),
            outcome,
            runs: 0,
            wall_ms: None,
            max_rss_mib: None,
            wall_runs_ms: Vec::new(),
            rss_runs_mib: Vec::new(),
            detail,
            files: 0,
            lines: 0,
            bytes: 0,
            stages: None,
        }
    }

    pub fn ok(&self) -> bool {
        self.outcome == Outcome::Ok
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InputResult {
    pub key: String,
    pub label: String,
    pub bytes: u64,
    pub tools: Vec<ToolResult>,
}

impl InputResult {
    pub fn tool(&self, name: &str) -> Option<&ToolResult> {
        self.tools.iter().find(|t| t.tool == name)
    }
}

/// Every input with every tool; the peers that could not be installed are listed as not
/// run.
pub fn bench_all(
    root: &Path,
    exe: &Path,
    inputs: &[BenchInput],
    peers: &[Peer],
    unavailable: &[(Peer, String)],
    work: &Path,
    limits: &Limits,
) -> Result<Vec<InputResult>, String> {
    let mut codegen = Vec::new();
    for input in inputs {
        let bytes = std::fs::metadata(&input.path).map(|m| m.len()).unwrap_or(0);
        let mut tools = bench_input(root, exe, input, peers, work, limits)?;
        for (peer, reason) in unavailable {
            tools.push(ToolResult::empty(
                peer.name,
                peer.version,
                Outcome::NotRun,
                Some(reason.clone()),
            ));
        }
        codegen.push(InputResult {
            key: input.key.into(),
            label: input.label.into(),
            bytes,
            tools,
        });
    }
    Ok(codegen)
}

/// The runs of one tool on one input, gathered as they come.
#[derive(Default)]
struct Runs {
    walls: Vec<f64>,
    rss: Vec<f64>,
    reports: Vec<StageReport>,
    size: (usize, usize, u64),
    /// Set by the first failed run; the tool is not run again on this input.
    failed: Option<ToolResult>,
}

impl Runs {
    fn fail(&mut self, tool: &str, version: &str, measured: &Measured, limits: &Limits) {
        let (outcome, detail) = failure(measured, limits);
        let mut result = ToolResult::empty(tool, version, outcome, Some(detail));
        result.runs = 1;
        result.wall_ms = Some(measured.wall_ms());
        result.max_rss_mib = Some(measured.max_rss_mib());
        self.failed = Some(result);
    }
}

/// `xtask bench-codegen SPEC --out DIR`, the command the parent measures.
pub fn child_command(exe: &Path, spec: &Path, out: &Path) -> Command {
    let mut command = Command::new(exe);
    command
        .env("RUST_BACKTRACE", "0")
        .arg("bench-codegen")
        .arg(spec)
        .arg("--out")
        .arg(out);
    command
}

/// One apigen run in a child process; `None` when it failed (recorded in `runs`).
fn run_ours(
    exe: &Path,
    input: &BenchInput,
    work: &Path,
    limits: &Limits,
    estimate: bool,
    runs: &mut Runs,
) -> Result<Option<(Measured, StageReport)>, String> {
    let out = work.join(format!("apigen-{}", input.key));
    remove_dir_if_present(&out)?;
    let mut command = child_command(exe, &input.path, &out);
    if estimate {
        command.arg("--estimate-format");
    }
    let measured = measure(&mut command, limits)?;
    remove_dir_if_present(&out)?;
    if !measured.success() {
        runs.fail("apigen", "workspace", &measured, limits);
        return Ok(None);
    }
    let report = crate::util::child::read_report(&measured.stdout).ok_or_else(|| {
        format!(
            "error: bench-codegen printed no report:\n{}",
            String::from_utf8_lossy(&measured.stdout)
        )
    })?;
    Ok(Some((measured, report)))
}

/// One run of a peer, recorded in `runs`.
fn run_peer(
    root: &Path,
    peer: &Peer,
    input: &BenchInput,
    work: &Path,
    limits: &Limits,
    runs: &mut Runs,
) -> Result<(), String> {
    let dir = work.join(format!("{}-{}", peer.name, input.key));
    remove_dir_if_present(&dir)?;
    let out = dir.join("out");
    create_dir(&dir)?;
    let measured = measure(&mut peer.command(root, &input.path, &out, &dir), limits)?;
    if measured.success() {
        runs.walls.push(measured.wall_ms());
        runs.rss.push(measured.max_rss_mib());
        runs.size = tree_size(&out);
    } else {
        runs.fail(peer.name, peer.version, &measured, limits);
    }
    remove_dir_if_present(&dir)
}

/// Every tool on one input. The tools take turns run by run, so that load from other
/// work on the machine, which comes and goes, falls on all of them alike.
fn bench_input(
    root: &Path,
    exe: &Path,
    input: &BenchInput,
    peers: &[Peer],
    work: &Path,
    limits: &Limits,
) -> Result<Vec<ToolResult>, String> {
    let mut ours = Runs::default();
    let mut theirs: Vec<Runs> = peers.iter().map(|_| Runs::default()).collect();
    for run in 0..input.runs {
        super::progress(&format!(
            "codegen {}: run {}/{}",
            input.label,
            run + 1,
            input.runs
        ));
        if ours.failed.is_none()
            && let Some((measured, report)) = run_ours(exe, input, work, limits, false, &mut ours)?
        {
            ours.walls.push(measured.wall_ms());
            ours.rss.push(measured.max_rss_mib());
            ours.reports.push(report);
        }
        for (peer, runs) in peers.iter().zip(&mut theirs) {
            if runs.failed.is_none() {
                run_peer(root, peer, input, work, limits, runs)?;
            }
        }
    }
    let mut shares = Vec::new();
    for _ in 0..input.runs.min(3) {
        if ours.failed.is_some() {
            break;
        }
        if let Some((_, report)) = run_ours(exe, input, work, limits, true, &mut ours)? {
            shares.push(report.format_share.unwrap_or(0.0));
        }
    }
    let mut results = vec![ours_result(ours, &shares)];
    for (peer, runs) in peers.iter().zip(theirs) {
        results.push(peer_result(peer, runs));
    }
    Ok(results)
}

/// The median, NaN when nothing was measured.
fn med(values: &[f64]) -> f64 {
    median(values).unwrap_or(f64::NAN)
}

fn ours_result(runs: Runs, shares: &[f64]) -> ToolResult {
    if let Some(failed) = runs.failed {
        return failed;
    }
    let reports = &runs.reports;
    let stage = |f: &dyn Fn(&StageReport) -> f64| med(&reports.iter().map(f).collect::<Vec<_>>());
    let mib = |kib: u64| kib as f64 / 1024.0;
    let emit_total = stage(&|r| r.emit_ms);
    let format = med(shares) * emit_total;
    let last = reports.last().cloned().unwrap_or_default();
    ToolResult {
        tool: "apigen".into(),
        version: "workspace".into(),
        outcome: Outcome::Ok,
        runs: runs.walls.len(),
        wall_ms: Some(med(&runs.walls)),
        max_rss_mib: Some(med(&runs.rss)),
        wall_runs_ms: runs.walls,
        rss_runs_mib: runs.rss,
        detail: None,
        files: last.files,
        lines: last.lines,
        bytes: last.bytes as u64,
        stages: Some(Stages {
            load_ms: stage(&|r| r.load_ms),
            lower_ms: stage(&|r| r.lower_ms),
            emit_ms: emit_total - format,
            format_ms: format,
            emit_total_ms: emit_total,
            write_ms: stage(&|r| r.write_ms),
            rss_load_mib: stage(&|r| mib(r.rss_load_kib)),
            rss_lower_mib: stage(&|r| mib(r.rss_lower_kib)),
            rss_emit_mib: stage(&|r| mib(r.rss_emit_kib)),
            rss_write_mib: stage(&|r| mib(r.rss_write_kib)),
            warnings: last.warnings,
        }),
    }
}

fn peer_result(peer: &Peer, runs: Runs) -> ToolResult {
    if let Some(failed) = runs.failed {
        return failed;
    }
    ToolResult {
        tool: peer.name.into(),
        version: peer.version.into(),
        outcome: Outcome::Ok,
        runs: runs.walls.len(),
        wall_ms: Some(med(&runs.walls)),
        max_rss_mib: Some(med(&runs.rss)),
        wall_runs_ms: runs.walls,
        rss_runs_mib: runs.rss,
        detail: None,
        files: runs.size.0,
        lines: runs.size.1,
        bytes: runs.size.2,
        stages: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stage_medians_split_emit_by_the_format_share() {
        let run = |emit_ms: f64| StageReport {
            load_ms: 1.0,
            emit_ms,
            rss_emit_kib: 2048,
            files: 3,
            ..StageReport::default()
        };
        let runs = Runs {
            walls: vec![10.0, 30.0, 20.0],
            rss: vec![1.0, 1.0, 1.0],
            reports: vec![run(8.0), run(12.0), run(10.0)],
            ..Runs::default()
        };
        let result = ours_result(runs, &[0.5, 0.1, 0.3]);
        assert_eq!(result.wall_ms, Some(20.0));
        assert_eq!(result.files, 3);
        let stages = result.stages.expect("ours has stages");
        assert_eq!(stages.emit_total_ms, 10.0);
        assert!((stages.format_ms - 3.0).abs() < 1e-9);
        assert!((stages.by_name("emit") - 7.0).abs() < 1e-9);
        assert_eq!(stages.rss_emit_mib, 2.0);
    }
}
