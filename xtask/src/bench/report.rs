//! The report: the machine, every measurement, the targets; as Markdown and as a summary
//! on stdout.

use super::client::{ClientResults, Comparison};
use super::codegen::{InputResult, STAGES, Stages, USER_COMMAND, is_ours};
use super::compile::CompileResult;
use super::targets::Target;
use crate::util::text::truncate;
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;
use std::process::Command;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Machine {
    pub cpu: String,
    pub cores: usize,
    pub memory_gib: f64,
    pub kernel: String,
    pub rustc: String,
}

/// The 1, 5 and 15 minute load averages.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

pub fn machine() -> Machine {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_else(|| "unknown".into());
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let memory_gib = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        })
        .map_or(0.0, |kib| kib / 1024.0 / 1024.0);
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|s| s.trim().to_string())
        .unwrap_or_default();
    let rustc = Command::new("rustc")
        .arg("-V")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    Machine {
        cpu,
        cores,
        memory_gib,
        kernel,
        rustc,
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    pub machine: Machine,
    pub command: String,
    /// `/proc/loadavg` before and after the run: other work on the machine skews timings.
    pub load_before: String,
    pub load_after: String,
    pub codegen: Vec<InputResult>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compile: Option<Vec<CompileResult>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client: Option<ClientResults>,
    pub targets: Vec<Target>,
}

pub fn ms(value: Option<f64>) -> String {
    match value {
        Some(v) if v >= 100.0 => format!("{v:.0}"),
        Some(v) if v >= 10.0 => format!("{v:.1}"),
        Some(v) => format!("{v:.2}"),
        None => "–".into(),
    }
}

pub fn ratio_text(value: f64) -> String {
    if value.is_finite() {
        format!("{value:.2}×")
    } else {
        "–".into()
    }
}

pub fn markdown(report: &Report) -> String {
    let mut md = String::new();
    let m = &report.machine;
    let _ = writeln!(md, "# apigen benchmarks\n");
    let _ = writeln!(
        md,
        "Machine: {} cores, {}, {:.0} GiB RAM, Linux {}, {}. Command: `{}`. Load average \
         (1/5/15 min) before: {}, after: {}.\n",
        m.cores,
        m.cpu,
        m.memory_gib,
        m.kernel,
        m.rustc,
        report.command,
        report.load_before,
        report.load_after
    );

    let _ = writeln!(md, "## Targets\n");
    let _ = writeln!(md, "| target | measured | basis | result |");
    let _ = writeln!(md, "| --- | ---: | --- | --- |");
    for t in &report.targets {
        let _ = writeln!(
            md,
            "| {} | {} | {} | **{}** |",
            t.name,
            t.measured.map_or("–".into(), ratio_text),
            t.basis,
            t.verdict.label()
        );
    }

    let _ = writeln!(md, "\n## Code generation\n");
    let _ = writeln!(
        md,
        "Wall time of each tool's whole process (start to exit, files written to a fresh \
         directory) and its peak resident set size (`ru_maxrss` from `wait4`, the largest \
         process of its tree), medians over the runs. apigen runs as `xtask bench-codegen` \
         (the stages of `cargo xtask codegen`, each timed); its stage columns are medians of \
         the same runs, `lower` including placing warnings in the spec's text. `format` is an \
         estimate: separate runs re-parse the emitted files and time them through the two \
         steps `emit` takes to format (`syn::parse2`, `prettyplease::unparse`), on as many \
         threads as `emit` uses (one per core); the median \
         share of `emit` this takes is applied to the median `emit`, and `emit` is the rest. \
         `cargo xtask codegen` is the command users run, timed whole (cargo's check that the \
         build is fresh included; it was built before the first run) with `--spec SPEC --out \
         DIR`. The YAML input is the full Cloudflare document converted to YAML at the start \
         of the run (the peers are not run on it). \
         Peers: `cargo progenitor -i SPEC -o DIR -n peer-client -v 0.1.0 --interface builder` \
         (progenitor runs rustfmt on its output itself, so that is included) and \
         `openapi-to-rust generate SPEC --output-dir DIR --quiet`, run with the same time \
         limit and address-space limit.\n"
    );
    let _ = writeln!(
        md,
        "| input | tool | result | runs | wall ms | peak MiB | load | lower | emit | format | write | files | lines |"
    );
    let _ = writeln!(
        md,
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    );
    for input in &report.codegen {
        for t in &input.tools {
            let stage = |f: fn(&Stages) -> f64| ms(t.stages.as_ref().map(f));
            let result = match &t.detail {
                Some(d) => format!("{}: {}", t.outcome.label(), d.replace('|', "\\|")),
                None => t.outcome.label().to_string(),
            };
            let _ = writeln!(
                md,
                "| {} | {} {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                input.label,
                t.tool,
                t.version,
                result,
                t.runs,
                ms(t.wall_ms),
                ms(t.max_rss_mib),
                stage(|s| s.load_ms),
                stage(|s| s.lower_ms),
                stage(|s| s.emit_ms),
                stage(|s| s.format_ms),
                stage(|s| s.write_ms),
                t.files,
                t.lines
            );
        }
    }
    let _ = writeln!(md, "\nPeak memory at the end of each apigen stage (MiB):\n");
    let _ = writeln!(md, "| input | load | lower | emit | write | warnings |");
    let _ = writeln!(md, "| --- | ---: | ---: | ---: | ---: | ---: |");
    for input in &report.codegen {
        if let Some(s) = input.tool("apigen").and_then(|t| t.stages.as_ref()) {
            let _ = writeln!(
                md,
                "| {} | {:.1} | {:.1} | {:.1} | {:.1} | {} |",
                input.label,
                s.rss_load_mib,
                s.rss_lower_mib,
                s.rss_emit_mib,
                s.rss_write_mib,
                s.warnings
            );
        }
    }
    let _ = writeln!(
        md,
        "\nThe load stage against the parsing floor: `serde_json::from_slice` of the same \
         bytes into a `serde_json::Value`, best of five in each of the calibration runs, median \
         over them:\n"
    );
    let _ = writeln!(md, "| input | load ms | floor ms | ratio |");
    let _ = writeln!(md, "| --- | ---: | ---: | ---: |");
    for input in &report.codegen {
        if let Some(s) = input.tool("apigen").and_then(|t| t.stages.as_ref())
            && let Some(floor) = s.json_value_ms
        {
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} |",
                input.label,
                ms(Some(s.load_ms)),
                ms(Some(floor)),
                ratio_text(s.load_ms / floor)
            );
        }
    }
    let _ = writeln!(
        md,
        "\nRatios apigen / peer (below 1 is better for apigen; `{USER_COMMAND}` is apigen \
         as users run it):\n"
    );
    let _ = writeln!(md, "| input | apigen as | peer | time | peak memory |");
    let _ = writeln!(md, "| --- | --- | --- | ---: | ---: |");
    for input in &report.codegen {
        for ours in input.tools.iter().filter(|t| is_ours(&t.tool)) {
            ratio_rows(&mut md, input, ours);
        }
    }

    let _ = writeln!(md, "\n## Compile cost of the generated code\n");
    match &report.compile {
        None => {
            let _ = writeln!(md, "Not measured (run with `--compile`).");
        }
        Some(compile) => {
            let _ = writeln!(
                md,
                "`cargo check` of the crate generated from the full Cloudflare spec, dependencies \
                 pre-built (built once, then `touch src/lib.rs` and timed), shared target dir \
                 `target/bench/compile-target`. Peak memory is `ru_maxrss` of the cargo process \
                 tree, that is of its largest single process (rustc).\n"
            );
            let _ = writeln!(
                md,
                "| crate | command | result | runs | wall s | peak MiB | lines |"
            );
            let _ = writeln!(md, "| --- | --- | --- | ---: | ---: | ---: | ---: |");
            for c in compile {
                let result = match &c.detail {
                    Some(d) => format!("{}: {}", c.outcome.label(), d.replace('|', "\\|")),
                    None => c.outcome.label().into(),
                };
                let _ = writeln!(
                    md,
                    "| {} | `{}` | {} | {} | {} | {} | {} |",
                    c.name,
                    c.command,
                    result,
                    c.runs,
                    c.wall_s.map_or("–".into(), |v| format!("{v:.1}")),
                    ms(c.max_rss_mib),
                    c.lines
                );
            }
        }
    }

    let _ = writeln!(md, "\n## Generated client at run time\n");
    match &report.client {
        None => {
            let _ = writeln!(md, "Not measured (`--no-client`).");
        }
        Some(client) => {
            if let Some(error) = &client.error {
                let _ = writeln!(md, "Errors: {error}\n");
            }
            let _ = writeln!(
                md,
                "Criterion medians (`cargo bench -p apigen-tests --bench client`): one request each \
                 against a local server answering instantly with canned bytes captured from the \
                 fake API; the baseline is hand-written `reqwest` + `serde_json` with the same URL, \
                 headers and structs.\n"
            );
            let _ = writeln!(
                md,
                "`paired` is the median ratio of 20–40 alternating (ABBA) rounds run right after, \
                 the figure the targets use: load from other work hits both sides of a round \
                 alike.\n"
            );
            let _ = writeln!(
                md,
                "| operation | generated | baseline | ratio | paired ratio |"
            );
            let _ = writeln!(md, "| --- | ---: | ---: | ---: | ---: |");
            let paired = |c: &Comparison| c.paired_ratio.map_or("–".into(), ratio_text);
            for c in &client.operations {
                let _ = writeln!(
                    md,
                    "| {} | {:.1} µs | {:.1} µs | {} | {} |",
                    c.name,
                    c.generated_us,
                    c.baseline_us,
                    ratio_text(c.ratio),
                    paired(c)
                );
            }
            if let Some(c) = &client.pagination {
                let _ = writeln!(
                    md,
                    "| pagination: {} from the fake API | {:.2} ms | {:.2} ms | {} | {} |",
                    c.name,
                    c.generated_us / 1000.0,
                    c.baseline_us / 1000.0,
                    ratio_text(c.ratio),
                    paired(c)
                );
            }
            if !client.streaming.is_empty() {
                let _ = writeln!(
                    md,
                    "\nPeak RSS of a child process streaming N certificates from the fake API \
                     (`--bench stream_memory`, medians):\n"
                );
                let _ = writeln!(md, "| client | items | peak MiB | wall ms |");
                let _ = writeln!(md, "| --- | ---: | ---: | ---: |");
                for p in &client.streaming {
                    let _ = writeln!(
                        md,
                        "| {} | {} | {:.1} | {:.0} |",
                        p.mode, p.count, p.max_rss_mib, p.wall_ms
                    );
                }
            }
        }
    }
    md
}

/// The rows of the ratio table for one way of running apigen on one input.
fn ratio_rows(md: &mut String, input: &InputResult, ours: &super::codegen::ToolResult) {
    for t in input.tools.iter().filter(|t| !is_ours(&t.tool)) {
        let (time, memory) = if ours.ok() && t.ok() {
            let r = |a: Option<f64>, b: Option<f64>| match (a, b) {
                (Some(a), Some(b)) => ratio_text(a / b),
                _ => "–".into(),
            };
            (
                r(ours.wall_ms, t.wall_ms),
                r(ours.max_rss_mib, t.max_rss_mib),
            )
        } else if !ours.ok() {
            (
                format!("{} {}", ours.tool, ours.outcome.label()),
                "–".into(),
            )
        } else {
            (format!("{} {}", t.tool, t.outcome.label()), "–".into())
        };
        let _ = writeln!(
            md,
            "| {} | {} | {} | {time} | {memory} |",
            input.label, ours.tool, t.tool
        );
    }
}

pub fn print_summary(report: &Report) {
    println!();
    println!(
        "{:<36} {:<30} {:>10} {:>9}  stages (load/lower/emit/format/write ms)",
        "input", "tool", "wall ms", "peak MiB"
    );
    for input in &report.codegen {
        for t in &input.tools {
            let stages = match &t.stages {
                Some(s) => STAGES
                    .iter()
                    .map(|name| ms(Some(s.by_name(name))))
                    .collect::<Vec<_>>()
                    .join(" / "),
                None if t.ok() => String::new(),
                None => format!(
                    "{}: {}",
                    t.outcome.label(),
                    truncate(t.detail.as_deref().unwrap_or(""), 60)
                ),
            };
            println!(
                "{:<36} {:<30} {:>10} {:>9}  {}",
                input.label,
                format!("{} {}", t.tool, t.version),
                ms(t.wall_ms),
                ms(t.max_rss_mib),
                stages
            );
        }
    }
    if let Some(compile) = &report.compile {
        println!();
        for c in compile {
            println!(
                "compile {:<44} {:>8} s {:>9} MiB  {}",
                c.name,
                c.wall_s.map_or("–".into(), |v| format!("{v:.1}")),
                ms(c.max_rss_mib),
                c.outcome.label()
            );
        }
    }
    if let Some(client) = &report.client {
        println!();
        for c in client.operations.iter().chain(&client.pagination) {
            println!(
                "client {:<34} {:>10.1} µs vs {:>10.1} µs  {} (paired {})",
                c.name,
                c.generated_us,
                c.baseline_us,
                ratio_text(c.ratio),
                c.paired_ratio.map_or("–".into(), ratio_text)
            );
        }
        for p in &client.streaming {
            println!(
                "stream {:<10} {:>7} items {:>8.1} MiB",
                p.mode, p.count, p.max_rss_mib
            );
        }
    }
    println!();
    for t in &report.targets {
        println!(
            "[{:<12}] {:<78} {} ({})",
            t.verdict.label(),
            t.name,
            t.measured.map_or("–".into(), ratio_text),
            t.basis
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_three_significant_digits() {
        assert_eq!(ms(Some(1234.4)), "1234");
        assert_eq!(ms(Some(12.345)), "12.3");
        assert_eq!(ms(Some(1.2345)), "1.23");
        assert_eq!(ms(None), "–");
        assert_eq!(ratio_text(0.5), "0.50×");
        assert_eq!(ratio_text(f64::NAN), "–");
    }
}
