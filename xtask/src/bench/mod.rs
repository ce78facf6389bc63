//! `cargo xtask bench`: how fast the generator is, how much memory it takes, how costly the
//! generated code is to compile and to run, side by side with the best peers on the same
//! inputs in the same run.
//!
//! - **codegen** ([`codegen`]): `spec/openapi.yaml`, Cloudflare's `client-certificates.json`
//!   and its full `openapi.json` (also converted to YAML), each run in a child process
//!   (`xtask bench-codegen`, hidden, [`child`]) so that its peak resident set size (`wait4`'s
//!   `ru_maxrss`) is its own, split by stage; and each run again as users run it,
//!   `cargo xtask codegen` end to end with its build fresh. The peers ([`peers`]:
//!   `cargo-progenitor`, `openapi-to-rust`) run on the same inputs under the same time and
//!   address-space limits, installed once into `target/peers/`.
//! - **compile** (`--compile`, [`compile`]): `cargo check` of the crate generated from the
//!   full spec, whole and with one feature, beside openapi-to-rust's crate, dependencies
//!   pre-built.
//! - **client** ([`client`]): `cargo bench -p apigen-tests --bench client` (request building
//!   and decoding against canned bytes; pagination against the fake API) and
//!   `--bench stream_memory` (peak memory of streaming 10,000 versus 100,000 items).
//! - **upload** (`--upload` alone, [`upload`]): peak memory of a multipart upload of a
//!   1 MiB and a 1 GiB file from disk.
//!
//! Results go to `target/bench/report.md` and `report.json` ([`report`], judged against
//! the [`targets`]), charts ([`charts`]) to `target/bench/*.svg` and `docs/bench/`.

mod charts;
mod child;
mod client;
mod codegen;
mod compile;
mod outcome;
mod peers;
mod report;
mod targets;
mod upload;

pub use child::one;

use crate::util::args::Args;
use crate::util::measure::Limits;
use report::Report;
use std::path::Path;
use std::time::Duration;

const USAGE: &str = "\
usage: cargo xtask bench [--no-peers] [--compile] [--no-client] [--runs N] [--full-runs N]
                         [--compile-runs N] [--timeout SECS] [--memory-mib MIB] [--no-release]
       cargo xtask bench --upload

Times the generator (per stage, with peak memory) on spec/openapi.yaml and Cloudflare's
client-certificates.json and full openapi.json (and that one converted to YAML), and
`cargo xtask codegen` end to end on each, beside cargo-progenitor 0.15.1 and
openapi-to-rust 0.23.0 (installed with `cargo install` into target/peers/ when missing),
measures the generated client against a hand-written reqwest baseline, and writes
target/bench/report.md, report.json, codegen.svg and ratios.svg (charts also to
docs/bench/). Any other build than the release one first builds the release xtask and
re-runs itself from it.
  --no-peers          do not install or run the peers
  --compile           also `cargo check` the crates generated from the full spec (minutes)
  --no-client         skip the client benchmarks (cargo bench -p apigen-tests)
  --runs N            runs per small input (default 5)
  --full-runs N       runs on the full Cloudflare spec (default 3)
  --compile-runs N    timed `cargo check` runs per crate (default 3)
  --timeout SECS      time limit per generator run (default 120)
  --memory-mib MIB    address-space limit per generator run (default 8192)
  --no-release        run in this build even when it is not the release build
  --render-only       rewrite report.md and the charts from target/bench/report.json
  --upload            only the upload bench: peak memory of a multipart upload of a 1 MiB
                      and a 1 GiB file from disk (fails when it grows past 1.25x)";

struct Options {
    peers: bool,
    compile: bool,
    client: bool,
    runs: usize,
    full_runs: usize,
    compile_runs: usize,
    timeout: Duration,
    memory_mib: u64,
    no_release: bool,
    /// Re-render the report and charts from `target/bench/report.json`, measuring nothing.
    render_only: bool,
    upload: bool,
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut options = Options {
        peers: true,
        compile: false,
        client: true,
        runs: 5,
        full_runs: 3,
        compile_runs: 3,
        timeout: Duration::from_secs(120),
        memory_mib: 8192,
        no_release: false,
        render_only: false,
        upload: false,
    };
    let mut args = Args::new(args, USAGE);
    while let Some(flag) = args.next_arg()? {
        match flag.as_str() {
            "--no-peers" => options.peers = false,
            "--compile" => options.compile = true,
            "--no-client" => options.client = false,
            "--runs" => options.runs = args.positive()? as usize,
            "--full-runs" => options.full_runs = args.positive()? as usize,
            "--compile-runs" => options.compile_runs = args.positive()? as usize,
            "--timeout" => options.timeout = Duration::from_secs(args.positive()?),
            "--memory-mib" => options.memory_mib = args.positive()?,
            "--no-release" => options.no_release = true,
            "--render-only" => options.render_only = true,
            "--upload" => options.upload = true,
            _ => return Err(args.unknown()),
        }
    }
    Ok(options)
}

fn progress(message: &str) {
    eprintln!("xtask bench: {message}");
}

/// `cargo xtask bench`.
pub fn run(root: &Path, args: &[String]) -> Result<(), String> {
    if args.iter().any(|a| a == "-h" || a == "--help") {
        println!("{USAGE}");
        return Ok(());
    }
    let options = parse(args)?;
    if !crate::util::is_release_build() && !options.no_release {
        return crate::util::rerun_in_release(root, "bench", args);
    }
    if options.upload {
        return upload::run(root).map(|_| ());
    }
    if options.render_only {
        let path = root.join("target/bench/report.json");
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("error: cannot read {}: {e}", path.display()))?;
        let mut report: Report = serde_json::from_str(&text)
            .map_err(|e| format!("error: {} is not a bench report: {e}", path.display()))?;
        report.targets = targets::targets(&report);
        return write_outputs(root, &report);
    }
    let load_before = report::load_average();
    let exe = std::env::current_exe()
        .map_err(|e| format!("error: cannot find the running xtask binary: {e}"))?;
    let work = root.join("target/bench/work");
    crate::util::fs::create_dir(&work)?;
    let limits = Limits::new(options.timeout, Some(options.memory_mib * 1024 * 1024));

    let (runnable, unavailable) = if options.peers {
        peers::install(root)
    } else {
        (Vec::new(), Vec::new())
    };
    let inputs = codegen::inputs(root, &exe, &work, options.runs, options.full_runs)?;
    let codegen = codegen::bench_all(root, &exe, &inputs, &runnable, &unavailable, &work, &limits)?;
    let compile = if options.compile {
        Some(compile::bench(
            root,
            &exe,
            &runnable,
            options.compile_runs,
            &limits,
        )?)
    } else {
        None
    };
    let client = options.client.then(|| client::bench(root));

    let mut report = Report {
        machine: report::machine(),
        command: format!("cargo xtask bench {}", args.join(" "))
            .trim_end()
            .to_string(),
        load_before,
        load_after: report::load_average(),
        codegen,
        compile,
        client,
        targets: Vec::new(),
    };
    report.targets = targets::targets(&report);

    write_outputs(root, &report)
}

/// Write report.json, report.md and the charts, and print the summary.
fn write_outputs(root: &Path, report: &Report) -> Result<(), String> {
    let bench_dir = root.join("target/bench");
    crate::util::report::write_report(&bench_dir, report, &report::markdown(report))?;
    let docs = root.join("docs/bench");
    crate::util::fs::create_dir(&docs)?;
    for (name, draw) in [
        (
            "codegen.svg",
            charts::codegen as fn(&Report, &Path) -> Result<(), String>,
        ),
        ("ratios.svg", charts::ratios),
    ] {
        let path = bench_dir.join(name);
        draw(report, &path)?;
        std::fs::copy(&path, docs.join(name))
            .map_err(|e| format!("error: cannot copy {name} to docs/bench: {e}"))?;
    }
    report::print_summary(report);
    println!(
        "\nwrote target/bench/report.md, report.json, codegen.svg, ratios.svg (charts also in docs/bench/)"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn parses_the_options() {
        let o = parse(&[]).expect("defaults");
        assert!(o.peers && o.client && !o.compile && !o.render_only);
        assert_eq!((o.runs, o.full_runs, o.compile_runs), (5, 3, 3));
        let o = parse(&strings(&[
            "--no-peers",
            "--no-client",
            "--runs",
            "1",
            "--full-runs=1",
            "--timeout",
            "60",
        ]))
        .expect("parses");
        assert!(!o.peers && !o.client);
        assert_eq!((o.runs, o.full_runs), (1, 1));
        assert_eq!(o.timeout, Duration::from_secs(60));
        assert!(parse(&strings(&["--runs", "0"])).is_err());
        assert!(parse(&strings(&["--bogus"])).is_err());
    }
}
