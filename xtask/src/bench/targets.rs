//! The targets the report is judged against, each a ratio with a limit.

use super::client::Comparison;
use super::codegen::{InputResult, ToolResult, USER_COMMAND, is_ours};
use super::compile::CompileResult;
use super::outcome::Outcome;
use super::peers::{OPENAPI_TO_RUST, PROGENITOR};
use super::report::Report;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Pass,
    Fail,
    NotMeasured,
}

impl Verdict {
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Pass => "PASS",
            Verdict::Fail => "FAIL",
            Verdict::NotMeasured => "not measured",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Target {
    pub name: String,
    pub limit: f64,
    pub measured: Option<f64>,
    /// How the measured value was obtained, e.g. `41 ms / 350 ms`.
    pub basis: String,
    pub verdict: Verdict,
}

fn target(name: &str, limit: f64, measured: Option<(f64, String)>) -> Target {
    match measured {
        Some((value, basis)) if value.is_finite() => Target {
            name: name.into(),
            limit,
            measured: Some(value),
            basis,
            verdict: if value <= limit {
                Verdict::Pass
            } else {
                Verdict::Fail
            },
        },
        Some((_, basis)) => Target {
            name: name.into(),
            limit,
            measured: None,
            basis,
            verdict: Verdict::NotMeasured,
        },
        None => Target {
            name: name.into(),
            limit,
            measured: None,
            basis: String::new(),
            verdict: Verdict::NotMeasured,
        },
    }
}

/// `ours / theirs` of a codegen metric, when both tools succeeded.
fn codegen_ratio(
    inputs: &[InputResult],
    input: &str,
    peer: &str,
    metric: fn(&ToolResult) -> Option<f64>,
    unit: &str,
) -> Option<(f64, String)> {
    tool_ratio(inputs, (input, "apigen"), (input, peer), metric, unit)
}

/// `a / b` of a codegen metric, each an (input, tool) pair, when both succeeded.
fn tool_ratio(
    inputs: &[InputResult],
    a: (&str, &str),
    b: (&str, &str),
    metric: fn(&ToolResult) -> Option<f64>,
    unit: &str,
) -> Option<(f64, String)> {
    let tool = |(input, tool): (&str, &str)| {
        inputs
            .iter()
            .find(|i| i.key == input)
            .and_then(|i| i.tool(tool))
    };
    let ours = tool(a)?;
    let theirs = tool(b)?;
    let peer = b.1;
    if !ours.ok() {
        return None;
    }
    if !theirs.ok() {
        return Some((f64::NAN, format!("{peer} {}", theirs.outcome.label())));
    }
    let (a, b) = (metric(ours)?, metric(theirs)?);
    Some((a / b, format!("{a:.1} {unit} / {b:.1} {unit}")))
}

/// apigen's load stage over the parsing floor measured in the same run.
fn load_floor(inputs: &[InputResult], input: &str) -> Option<(f64, String)> {
    let stages = inputs
        .iter()
        .find(|i| i.key == input)?
        .tool("apigen")?
        .stages
        .as_ref()?;
    let floor = stages.json_value_ms?;
    Some((
        stages.load_ms / floor,
        format!("{:.1} ms / {floor:.1} ms", stages.load_ms),
    ))
}

fn comparison_basis(c: &Comparison, scale: f64, unit: &str) -> String {
    let medians = format!(
        "criterion medians {:.1} {unit} / {:.1} {unit} = {:.2}×",
        c.generated_us / scale,
        c.baseline_us / scale,
        c.ratio
    );
    match c.paired_ratio {
        Some(_) => format!("paired ABBA ratio; {medians}"),
        None => medians,
    }
}

fn compile_entry<'a>(compile: &'a [CompileResult], prefix: &str) -> Option<&'a CompileResult> {
    compile
        .iter()
        .find(|c| c.name.starts_with(prefix) && c.outcome == Outcome::Ok)
}

pub fn targets(report: &Report) -> Vec<Target> {
    let wall = |t: &ToolResult| t.wall_ms;
    let rss = |t: &ToolResult| t.max_rss_mib;
    let inputs = &report.codegen;
    let mut out = vec![
        target(
            "codegen client-certificates.json: time ≤ 1.0× openapi-to-rust",
            1.0,
            codegen_ratio(
                inputs,
                "client-certificates",
                OPENAPI_TO_RUST.name,
                wall,
                "ms",
            ),
        ),
        target(
            "codegen client-certificates.json: time ≤ 0.2× progenitor",
            0.2,
            codegen_ratio(inputs, "client-certificates", PROGENITOR.name, wall, "ms"),
        ),
        target(
            "codegen full Cloudflare: time ≤ 0.25× openapi-to-rust",
            0.25,
            codegen_ratio(inputs, "cloudflare", OPENAPI_TO_RUST.name, wall, "ms"),
        ),
        target(
            "codegen full Cloudflare: peak memory ≤ 0.25× openapi-to-rust",
            0.25,
            codegen_ratio(inputs, "cloudflare", OPENAPI_TO_RUST.name, rss, "MiB"),
        ),
        target(
            "`cargo xtask codegen` full Cloudflare: time ≤ 0.25× openapi-to-rust",
            0.25,
            tool_ratio(
                inputs,
                ("cloudflare", USER_COMMAND),
                ("cloudflare", OPENAPI_TO_RUST.name),
                wall,
                "ms",
            ),
        ),
        target(
            "`cargo xtask codegen` full Cloudflare: peak memory ≤ 0.25× openapi-to-rust",
            0.25,
            tool_ratio(
                inputs,
                ("cloudflare", USER_COMMAND),
                ("cloudflare", OPENAPI_TO_RUST.name),
                rss,
                "MiB",
            ),
        ),
        target(
            "load stage, full Cloudflare: ≤ 10× serde_json::from_slice into a Value",
            10.0,
            load_floor(inputs, "cloudflare"),
        ),
        target(
            "codegen full Cloudflare as YAML: time ≤ 1.5× as JSON",
            1.5,
            tool_ratio(
                inputs,
                ("cloudflare-yaml", "apigen"),
                ("cloudflare", "apigen"),
                wall,
                "ms",
            ),
        ),
        target(
            "`cargo xtask codegen` full Cloudflare as YAML: time ≤ 1.5× as JSON",
            1.5,
            tool_ratio(
                inputs,
                ("cloudflare-yaml", USER_COMMAND),
                ("cloudflare", USER_COMMAND),
                wall,
                "ms",
            ),
        ),
    ];
    let compile = report.compile.as_deref().unwrap_or(&[]);
    let whole = compile_entry(compile, "apigen, --all");
    let cc = compile_entry(compile, "apigen, client");
    let theirs = compile_entry(compile, "openapi-to-rust");
    let pair = |a: Option<f64>, b: Option<f64>, unit: &str| match (a, b) {
        (Some(a), Some(b)) => Some((a / b, format!("{a:.1} {unit} / {b:.1} {unit}"))),
        _ => None,
    };
    out.push(target(
        "cargo check --all-features of the full crate: time ≤ 0.5× openapi-to-rust's",
        0.5,
        pair(
            whole.and_then(|c| c.wall_s),
            theirs.and_then(|c| c.wall_s),
            "s",
        ),
    ));
    out.push(target(
        "cargo check --all-features of the full crate: memory ≤ 0.5× openapi-to-rust's",
        0.5,
        pair(
            whole.and_then(|c| c.max_rss_mib),
            theirs.and_then(|c| c.max_rss_mib),
            "MiB",
        ),
    ));
    out.push(target(
        "cargo check, client-certificates feature only: ≤ 0.10× the whole crate",
        0.10,
        pair(cc.and_then(|c| c.wall_s), whole.and_then(|c| c.wall_s), "s"),
    ));
    let client = report.client.as_ref();
    for (name, op) in [
        ("client overhead, get one: ≤ 1.05× baseline", 0),
        ("client overhead, list a page of 50: ≤ 1.05× baseline", 1),
    ] {
        out.push(target(
            name,
            1.05,
            client
                .and_then(|c| c.operations.get(op))
                .map(|c| (c.best_ratio(), comparison_basis(c, 1.0, "µs"))),
        ));
    }
    out.push(target(
        "pagination, 2,000 items via .stream(): ≤ 1.05× baseline",
        1.05,
        client
            .and_then(|c| c.pagination.as_ref())
            .map(|c| (c.best_ratio(), comparison_basis(c, 1000.0, "ms"))),
    ));
    let point = |count: u64| {
        client.and_then(|c| {
            c.streaming
                .iter()
                .find(|p| p.mode == "generated" && p.count == count)
                .map(|p| p.max_rss_mib)
        })
    };
    out.push(target(
        "streaming memory flat: peak RSS at 100,000 items ≤ 1.10× at 10,000",
        1.10,
        pair(point(100_000), point(10_000), "MiB"),
    ));
    out
}

/// Ratios to the peers that no target covers (shown in grey).
pub fn extra_ratios(report: &Report) -> Vec<(String, f64, Option<f64>, Verdict)> {
    let mut rows = Vec::new();
    let covered = [
        (
            "client-certificates",
            "apigen",
            OPENAPI_TO_RUST.name,
            "time",
        ),
        ("client-certificates", "apigen", PROGENITOR.name, "time"),
        ("cloudflare", "apigen", OPENAPI_TO_RUST.name, "time"),
        ("cloudflare", "apigen", OPENAPI_TO_RUST.name, "memory"),
        ("cloudflare", USER_COMMAND, OPENAPI_TO_RUST.name, "time"),
        ("cloudflare", USER_COMMAND, OPENAPI_TO_RUST.name, "memory"),
    ];
    for input in &report.codegen {
        for ours in input.tools.iter().filter(|t| is_ours(&t.tool) && t.ok()) {
            for t in input.tools.iter().filter(|t| !is_ours(&t.tool) && t.ok()) {
                for (what, a, b) in [
                    ("time", ours.wall_ms, t.wall_ms),
                    ("memory", ours.max_rss_mib, t.max_rss_mib),
                ] {
                    let key = (
                        input.key.as_str(),
                        ours.tool.as_str(),
                        t.tool.as_str(),
                        what,
                    );
                    if covered.contains(&key) {
                        continue;
                    }
                    let who = if ours.tool == USER_COMMAND {
                        format!(" (`{USER_COMMAND}`)")
                    } else {
                        String::new()
                    };
                    if let (Some(a), Some(b)) = (a, b) {
                        rows.push((
                            format!("codegen {}{who}: {what} vs {}", input.label, t.tool),
                            a / b,
                            None,
                            Verdict::NotMeasured,
                        ));
                    }
                }
            }
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts() {
        assert_eq!(
            target("t", 1.0, Some((0.5, String::new()))).verdict,
            Verdict::Pass
        );
        assert_eq!(
            target("t", 1.0, Some((1.5, String::new()))).verdict,
            Verdict::Fail
        );
        assert_eq!(target("t", 1.0, None).verdict, Verdict::NotMeasured);
        assert_eq!(
            target("t", 1.0, Some((f64::NAN, "peer fails".into()))).verdict,
            Verdict::NotMeasured
        );
    }
}
