//! Code generation measured: apigen (in `xtask bench-codegen` children, by stage), the
//! command users run (`cargo xtask codegen`, whole, build already fresh) and each peer,
//! whole process, on the same inputs under the same limits.

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

/// The name the command users run goes by in the results.
pub const USER_COMMAND: &str = "cargo xtask codegen";

/// Whether a tool in the results is apigen itself (the measured child or the command users
/// run) rather than a peer.
pub fn is_ours(tool: &str) -> bool {
    tool == "apigen" || tool == USER_COMMAND
}

pub struct BenchInput {
    key: &'static str,
    label: &'static str,
    path: PathBuf,
    runs: usize,
    /// Whether the peers run on it too (not on a copy of another input in another format).
    peers: bool,
}

/// `spec/openapi.yaml`, the two Cloudflare specs (`full_runs` times for the large one) and
/// the full one again as YAML, converted into `work` by a child (`exe bench-codegen
/// --write-yaml`; the peers are not run on that copy).
pub fn inputs(
    root: &Path,
    exe: &Path,
    work: &Path,
    runs: usize,
    full_runs: usize,
) -> Result<Vec<BenchInput>, String> {
    let full = root.join("tests/fixtures/cloudflare/openapi.json");
    let as_yaml = work.join("cloudflare-openapi.yaml");
    let converted = Command::new(exe)
        .arg("bench-codegen")
        .arg(&full)
        .arg("--write-yaml")
        .arg(&as_yaml)
        .status()
        .map_err(|e| format!("error: cannot run {}: {e}", exe.display()))?;
    if !converted.success() {
        return Err(format!(
            "error: converting {} to YAML failed ({converted})",
            full.display()
        ));
    }
    Ok(vec![
        BenchInput {
            key: "spec",
            label: "spec/openapi.yaml",
            path: root.join("spec/openapi.yaml"),
            runs,
            peers: true,
        },
        BenchInput {
            key: "client-certificates",
            label: "client-certificates.json",
            path: root.join("tests/fixtures/cloudflare/client-certificates.json"),
            runs,
            peers: true,
        },
        BenchInput {
            key: "cloudflare",
            label: "Cloudflare openapi.json (1533 ops)",
            path: full,
            runs: full_runs,
            peers: true,
        },
        BenchInput {
            key: "cloudflare-yaml",
            label: "the same as YAML (5.6 MB)",
            path: as_yaml,
            runs: full_runs,
            peers: false,
        },
    ])
}

/// Write the JSON document `from` as YAML (block style, keys in their order) to `to`.
pub fn write_as_yaml(from: &Path, to: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(from)
        .map_err(|e| format!("error: cannot read {}: {e}", from.display()))?;
    let value: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| format!("error: {} is not JSON: {e}", from.display()))?;
    let yaml = serde_yaml::to_string(&value)
        .map_err(|e| format!("error: cannot write {} as YAML: {e}", from.display()))?;
    std::fs::write(to, yaml).map_err(|e| format!("error: cannot write {}: {e}", to.display()))
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
    /// The parsing floor: `serde_json::from_slice` of the same bytes into a
    /// `serde_json::Value` (JSON inputs only), median over the calibration runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub json_value_ms: Option<f64>,
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
    let user_command = warm_user_command(root, inputs, work, limits)?;
    for input in inputs {
        let bytes = std::fs::metadata(&input.path).map(|m| m.len()).unwrap_or(0);
        let (peers, unavailable) = if input.peers {
            (peers, unavailable)
        } else {
            (&[][..], &[][..])
        };
        let mut tools = bench_input(root, exe, input, peers, user_command.as_ref(), work, limits)?;
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

/// Run `cargo xtask codegen` once on the smallest input, unmeasured, so that the runs that
/// are measured find its build fresh, as a user's second run does. `Err` is a failure to
/// start anything; a failed run is returned as the result every input reports instead.
fn warm_user_command(
    root: &Path,
    inputs: &[BenchInput],
    work: &Path,
    limits: &Limits,
) -> Result<Option<ToolResult>, String> {
    let Some(first) = inputs.first() else {
        return Ok(None);
    };
    super::progress(&format!("building `{USER_COMMAND}` (unmeasured)"));
    let out = work.join("user-command-warm");
    remove_dir_if_present(&out)?;
    let long = Limits::new(
        limits.timeout.max(std::time::Duration::from_secs(1800)),
        None,
    );
    let measured = measure(&mut user_command(root, &first.path, &out), &long)?;
    remove_dir_if_present(&out)?;
    if measured.success() {
        return Ok(None);
    }
    let mut runs = Runs::default();
    runs.fail(USER_COMMAND, "workspace", &measured, &long);
    Ok(runs.failed)
}

/// `cargo xtask codegen --spec SPEC --out DIR`, as a user types it (cargo checks the
/// build is fresh, then runs the xtask).
fn user_command(root: &Path, spec: &Path, out: &Path) -> Command {
    let mut command = Command::new(crate::util::cargo());
    command
        .env("RUST_BACKTRACE", "0")
        .args(["xtask", "codegen", "--spec"])
        .arg(spec)
        .arg("--out")
        .arg(out)
        .current_dir(root);
    command
}

/// One run of the command users run, recorded in `runs`.
fn run_user_command(
    root: &Path,
    input: &BenchInput,
    work: &Path,
    limits: &Limits,
    runs: &mut Runs,
) -> Result<(), String> {
    let out = work.join(format!("user-command-{}", input.key));
    remove_dir_if_present(&out)?;
    let measured = measure(&mut user_command(root, &input.path, &out), limits)?;
    if measured.success() {
        runs.walls.push(measured.wall_ms());
        runs.rss.push(measured.max_rss_mib());
        runs.size = tree_size(&out);
    } else {
        runs.fail(USER_COMMAND, "workspace", &measured, limits);
    }
    remove_dir_if_present(&out)
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
        command.args(["--estimate-format", "--parse-floor"]);
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
    user_command_failed: Option<&ToolResult>,
    work: &Path,
    limits: &Limits,
) -> Result<Vec<ToolResult>, String> {
    let mut ours = Runs::default();
    let mut users = Runs {
        failed: user_command_failed.cloned(),
        ..Runs::default()
    };
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
        if users.failed.is_none() {
            run_user_command(root, input, work, limits, &mut users)?;
        }
        for (peer, runs) in peers.iter().zip(&mut theirs) {
            if runs.failed.is_none() {
                run_peer(root, peer, input, work, limits, runs)?;
            }
        }
    }
    // Calibration runs, not timed: the share of formatting and the parsing floor.
    let mut shares = Vec::new();
    let mut floors = Vec::new();
    for _ in 0..input.runs.min(3) {
        if ours.failed.is_some() {
            break;
        }
        if let Some((_, report)) = run_ours(exe, input, work, limits, true, &mut ours)? {
            shares.push(report.format_share.unwrap_or(0.0));
            floors.extend(report.json_value_ms);
        }
    }
    let mut results = vec![ours_result(ours, &shares, &floors)];
    results.push(whole_result(USER_COMMAND, "workspace", users));
    for (peer, runs) in peers.iter().zip(theirs) {
        results.push(whole_result(peer.name, peer.version, runs));
    }
    Ok(results)
}

/// The median, NaN when nothing was measured.
fn med(values: &[f64]) -> f64 {
    median(values).unwrap_or(f64::NAN)
}

fn ours_result(runs: Runs, shares: &[f64], floors: &[f64]) -> ToolResult {
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
            json_value_ms: median(floors),
        }),
    }
}

/// A tool measured as a whole process: a peer, or the command users run.
fn whole_result(tool: &str, version: &str, runs: Runs) -> ToolResult {
    if let Some(failed) = runs.failed {
        return failed;
    }
    ToolResult {
        tool: tool.into(),
        version: version.into(),
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
        let result = ours_result(runs, &[0.5, 0.1, 0.3], &[4.0, 2.0, 3.0]);
        assert_eq!(result.wall_ms, Some(20.0));
        assert_eq!(result.files, 3);
        let stages = result.stages.expect("ours has stages");
        assert_eq!(stages.emit_total_ms, 10.0);
        assert!((stages.format_ms - 3.0).abs() < 1e-9);
        assert!((stages.by_name("emit") - 7.0).abs() < 1e-9);
        assert_eq!(stages.rss_emit_mib, 2.0);
        assert_eq!(stages.json_value_ms, Some(3.0));
    }

    #[test]
    fn the_yaml_copy_reads_as_the_same_document() {
        let dir = tempfile_dir();
        let json = dir.join("a.json");
        let yaml = dir.join("a.yaml");
        let doc = serde_json::json!({"openapi": "3.0.3", "n": 1.5, "s": "true", "k": [1, "2"]});
        std::fs::write(&json, doc.to_string()).expect("writes");
        write_as_yaml(&json, &yaml).expect("converts");
        let text = std::fs::read_to_string(&yaml).expect("reads");
        assert!(!text.trim_start().starts_with('{'), "{text}");
        let back: serde_json::Value = serde_yaml::from_str(&text).expect("parses");
        assert_eq!(back, doc);
        std::fs::remove_dir_all(&dir).expect("removes");
    }

    fn tempfile_dir() -> PathBuf {
        let dir = std::env::temp_dir().join(format!("xtask-bench-yaml-{}", std::process::id()));
        create_dir(&dir).expect("creates");
        dir
    }
}
