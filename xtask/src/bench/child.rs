//! The child: `xtask bench-codegen SPEC --out DIR [--config PATH] [--estimate-format]
//! [--parse-floor]` generates one spec through [`apigen::pipeline`], timing each stage, and
//! prints a [`StageReport`]. `xtask bench-codegen SPEC --write-yaml PATH` writes a JSON spec
//! as YAML instead, so that the parent's memory (which each child it forks starts from)
//! stays small.

use crate::util::args::Args;
use crate::util::measure::self_max_rss_kib;
use apigen::pipeline::{Backend, ClientCrate, Files, Observer, Pipeline, Product, Stage};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

const USAGE: &str =
    "usage: xtask bench-codegen SPEC --out DIR [--config PATH] [--estimate-format] [--parse-floor]
       xtask bench-codegen SPEC --write-yaml PATH";

/// What one generator run reports on stdout, as one line of JSON.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct StageReport {
    /// Reading the spec and its config from disk, then the load stage.
    pub load_ms: f64,
    /// Lowering, placing the warnings in the spec's text included.
    pub lower_ms: f64,
    /// Rendering the files, prettyplease formatting included.
    pub emit_ms: f64,
    pub write_ms: f64,
    /// The share of `emit` spent parsing the token streams and pretty-printing them
    /// (`--estimate-format`), between 0 and 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format_share: Option<f64>,
    /// `--parse-floor`, JSON specs only: the best of a few `serde_json::from_slice` of the
    /// spec's bytes into a `serde_json::Value`, in milliseconds, after generating (the
    /// floor the load stage is compared with).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub json_value_ms: Option<f64>,
    /// Peak resident set size at the end of each stage, in KiB.
    pub rss_load_kib: u64,
    pub rss_lower_kib: u64,
    pub rss_emit_kib: u64,
    pub rss_write_kib: u64,
    pub files: usize,
    pub lines: usize,
    pub bytes: usize,
    pub warnings: usize,
}

/// Fills a [`StageReport`] as the pipeline goes.
struct Recorder<'r>(&'r mut StageReport);

impl Observer for Recorder<'_> {
    fn stage(&mut self, stage: Stage, elapsed: Duration, product: Product<'_>) {
        let ms = elapsed.as_secs_f64() * 1000.0;
        let rss = self_max_rss_kib();
        let report = &mut *self.0;
        match (stage, product) {
            (Stage::Load, _) => {
                report.load_ms += ms;
                report.rss_load_kib = rss;
            }
            (Stage::Lower, product) => {
                report.lower_ms += ms;
                report.rss_lower_kib = rss;
                if let Product::Lowered { warnings, .. } = product {
                    report.warnings = warnings.len();
                }
            }
            (Stage::Emit, _) => {
                report.emit_ms += ms;
                report.rss_emit_kib = rss;
            }
            (Stage::Write, _) => {
                report.write_ms += ms;
                report.rss_write_kib = rss;
            }
        }
    }
}

/// `xtask bench-codegen`: generate one spec, timing each stage.
pub fn one(args: &[String]) -> ExitCode {
    crate::util::child::exit(run_one(args))
}

fn run_one(args: &[String]) -> Result<(), String> {
    let mut spec = None;
    let mut out = None;
    let mut config = None;
    let mut estimate_format = false;
    let mut parse_floor = false;
    let mut write_yaml = None;
    let mut args = Args::new(args, USAGE);
    while let Some(arg) = args.next_arg()? {
        match arg.as_str() {
            "--out" => out = Some(args.path()?),
            "--config" => config = Some(args.path()?),
            "--estimate-format" => estimate_format = true,
            "--parse-floor" => parse_floor = true,
            "--write-yaml" => write_yaml = Some(args.path()?),
            other if spec.is_none() && !other.starts_with("--") => {
                spec = Some(PathBuf::from(other))
            }
            _ => return Err(args.unknown()),
        }
    }
    let spec = spec.ok_or_else(|| args.error("which spec?"))?;
    if let Some(to) = write_yaml {
        return super::codegen::write_as_yaml(&spec, &to);
    }
    let out = out.ok_or_else(|| args.error("--out DIR is required"))?;
    let root = crate::workspace_root();

    let mut report = StageReport::default();
    let started = Instant::now();
    let input = apigen::load::read_input(&root, &spec, config.as_deref())?;
    report.load_ms = started.elapsed().as_secs_f64() * 1000.0;

    let backend = ClientCrate;
    let output = {
        let mut recorder = Recorder(&mut report);
        let mut pipeline = Pipeline::new(&mut recorder).with_backend(&backend);
        let output = pipeline
            .generate(input.as_input())
            .map_err(|d| d.to_string())?;
        pipeline
            .write(&out, &output.files, &apigen::write::WriteOptions::default())
            .map_err(|e| format!("error: cannot write {}: {e}", out.display()))?;
        output
    };
    let files = &output.files;
    let emit_ms = report.emit_ms;
    report.files = files.len();
    report.lines = files.values().map(|t| t.lines().count()).sum();
    report.bytes = files.values().map(String::len).sum();
    if estimate_format {
        // Small inputs take a few milliseconds: pair several emits with their estimates
        // and keep the median share, so that one preempted run does not decide it.
        let mut shares = vec![estimate_format_ms(files, &output.api)? / emit_ms];
        let pairs = if emit_ms < 200.0 { 9 } else { 1 };
        for _ in 1..pairs {
            let started = Instant::now();
            let again = backend.emit(&output.api).map_err(|d| d.to_string())?;
            let emit_ms = started.elapsed().as_secs_f64() * 1000.0;
            shares.push(estimate_format_ms(&again, &output.api)? / emit_ms);
        }
        let share = crate::util::stats::median(&shares).unwrap_or(f64::NAN);
        report.format_share = Some(share.min(1.0));
    }
    if parse_floor && input.spec_text.trim_start().starts_with('{') {
        report.json_value_ms = Some(json_value_ms(input.spec_text.as_bytes())?);
    }
    crate::util::child::print_report(&report)
}

/// The best of five `serde_json::from_slice` of `bytes` into a `serde_json::Value`, in
/// milliseconds (dropping the value is not counted).
fn json_value_ms(bytes: &[u8]) -> Result<f64, String> {
    let mut best = f64::INFINITY;
    for _ in 0..5 {
        let started = Instant::now();
        let value: serde_json::Value = serde_json::from_slice(bytes)
            .map_err(|e| format!("error: the spec is not JSON: {e}"))?;
        best = best.min(started.elapsed().as_secs_f64() * 1000.0);
        drop(value);
    }
    Ok(best)
}

/// The time `emit` spends in formatting, estimated without changing the generator: every
/// Rust file that `emit` formats is parsed back into a `syn::File` and turned into a token
/// stream like the one `emit` builds; then the two steps `emit` takes to format
/// (`syn::parse2` and `prettyplease::unparse`) are timed on those streams. `emit` formats
/// on every core, so this does too: the files are dealt to as many threads (largest first,
/// each to the least loaded thread), each thread prepares its streams, and the wall time
/// from a common start to the last thread's end is the estimate.
fn estimate_format_ms(files: &Files, api: &apigen::ir::Api) -> Result<f64, String> {
    let verbatim: std::collections::BTreeSet<&str> =
        api.extra_files.iter().map(|(p, _)| p.as_str()).collect();
    let mut formatted: Vec<(&str, &str)> = files
        .iter()
        .filter(|(path, _)| {
            path.starts_with("src/")
                && path.ends_with(".rs")
                && !path.starts_with("src/runtime/")
                && !verbatim.contains(path.as_str())
        })
        // The first line is the `@generated` header, added after formatting.
        .map(|(path, text)| {
            (
                path.as_str(),
                text.split_once('\n').map_or("", |(_, rest)| rest),
            )
        })
        .collect();
    formatted.sort_by_key(|(_, text)| std::cmp::Reverse(text.len()));
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 8)
        .min(formatted.len().max(1));
    let mut shares: Vec<(usize, Vec<(&str, &str)>)> = vec![(0, Vec::new()); threads];
    for file in formatted {
        let least = shares
            .iter_mut()
            .min_by_key(|(load, _)| *load)
            .expect("at least one thread");
        least.0 += file.1.len();
        least.1.push(file);
    }
    let start = std::sync::Barrier::new(threads + 1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = shares
            .into_iter()
            .map(|(_, mine)| {
                let start = &start;
                scope.spawn(move || -> Result<(), String> {
                    use quote::ToTokens;
                    let mut streams = Vec::new();
                    let mut failed = None;
                    for (path, body) in mine {
                        match syn::parse_file(body) {
                            Ok(file) => streams.push((path, file.to_token_stream())),
                            Err(e) => failed = Some(format!("error: {path} does not parse: {e}")),
                        }
                    }
                    start.wait();
                    if let Some(error) = failed {
                        return Err(error);
                    }
                    for (path, tokens) in streams {
                        let file: syn::File = syn::parse2(tokens)
                            .map_err(|e| format!("error: {path} does not parse: {e}"))?;
                        std::hint::black_box(prettyplease::unparse(&file));
                    }
                    Ok(())
                })
            })
            .collect();
        start.wait();
        let started = Instant::now();
        for handle in handles {
            handle
                .join()
                .map_err(|_| "error: a formatting thread panicked".to_string())??;
        }
        Ok(started.elapsed().as_secs_f64() * 1000.0)
    })
}
