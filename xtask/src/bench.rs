//! `cargo xtask bench`: how fast the generator is, how much memory it takes, how costly the
//! generated code is to compile and to run, side by side with the best peers on the same
//! inputs in the same run.
//!
//! - **codegen**: `spec/openapi.yaml`, Cloudflare's `client-certificates.json` and its full
//!   `openapi.json`, each run in a child process (`xtask bench-codegen`, hidden) so that
//!   its peak resident set size (`wait4`'s `ru_maxrss`) is its own, split by stage. The
//!   peers (`cargo-progenitor`, `openapi-to-rust`) run on the same inputs under the same
//!   time and address-space limits, installed once into `target/peers/`.
//! - **compile** (`--compile`): `cargo check` of the crate generated from the full spec,
//!   whole and with one feature, beside openapi-to-rust's crate, dependencies pre-built.
//! - **client**: `cargo bench -p apigen-tests --bench client` (request building and
//!   decoding against canned bytes; pagination against the fake API) and
//!   `--bench stream_memory` (peak memory of streaming 10,000 versus 100,000 items).
//!
//! Results go to `target/bench/report.md` and `report.json`, charts to
//! `target/bench/*.svg` and `docs/bench/`.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt::Write as _;
use std::io::Write as _;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const USAGE: &str = "\
usage: cargo xtask bench [--no-peers] [--compile] [--no-client] [--runs N] [--full-runs N]
                         [--compile-runs N] [--timeout SECS] [--memory-mib MIB] [--no-release]

Times the generator (per stage, with peak memory) on spec/openapi.yaml and Cloudflare's
client-certificates.json and full openapi.json, beside cargo-progenitor 0.15.1 and
openapi-to-rust 0.23.0 (installed with `cargo install` into target/peers/ when missing),
measures the generated client against a hand-written reqwest baseline, and writes
target/bench/report.md, report.json, codegen.svg and ratios.svg (charts also to
docs/bench/). A debug build first builds the release xtask and re-runs itself from it.
  --no-peers          do not install or run the peers
  --compile           also `cargo check` the crates generated from the full spec (minutes)
  --no-client         skip the client benchmarks (cargo bench -p apigen-tests)
  --runs N            runs per small input (default 5)
  --full-runs N       runs on the full Cloudflare spec (default 3)
  --compile-runs N    timed `cargo check` runs per crate (default 3)
  --timeout SECS      time limit per generator run (default 120)
  --memory-mib MIB    address-space limit per generator run (default 8192)
  --no-release        run in this build even when it is a debug build
  --render-only       rewrite report.md and the charts from target/bench/report.json";

const PROGENITOR: Peer = Peer {
    name: "progenitor",
    krate: "cargo-progenitor",
    version: "0.15.1",
    bin: "cargo-progenitor",
};
const OPENAPI_TO_RUST: Peer = Peer {
    name: "openapi-to-rust",
    krate: "openapi-to-rust",
    version: "0.23.0",
    bin: "openapi-to-rust",
};
const PEERS: [Peer; 2] = [PROGENITOR, OPENAPI_TO_RUST];

/// The feature of the full crate that holds the client-certificates operations.
const CC_FEATURE: &str = "api_shield_client_certificates_for_a_zone";
/// How much of a child's output is kept.
const OUTPUT_CAP: usize = 1 << 20;
const STAGES: [&str; 5] = ["load", "lower", "emit", "format", "write"];

// ---------------------------------------------------------------------------------------
// Options.

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
    };
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        let mut number = |flag: &str| -> Result<u64, String> {
            let text = iter
                .next()
                .ok_or_else(|| format!("error: {flag} needs a value\n\n{USAGE}"))?;
            match text.parse::<u64>() {
                Ok(n) if n > 0 => Ok(n),
                _ => Err(format!(
                    "error: {flag} needs a positive integer, not `{text}`"
                )),
            }
        };
        match arg.as_str() {
            "--no-peers" => options.peers = false,
            "--compile" => options.compile = true,
            "--no-client" => options.client = false,
            "--runs" => options.runs = number("--runs")? as usize,
            "--full-runs" => options.full_runs = number("--full-runs")? as usize,
            "--compile-runs" => options.compile_runs = number("--compile-runs")? as usize,
            "--timeout" => options.timeout = Duration::from_secs(number("--timeout")?),
            "--memory-mib" => options.memory_mib = number("--memory-mib")?,
            "--no-release" => options.no_release = true,
            "--render-only" => options.render_only = true,
            other => return Err(format!("error: unknown argument `{other}`\n\n{USAGE}")),
        }
    }
    Ok(options)
}

// ---------------------------------------------------------------------------------------
// Measuring a child process: wall time, peak resident set size, time and memory limits.

#[derive(Clone, Copy)]
struct Limits {
    timeout: Duration,
    memory_bytes: Option<u64>,
}

struct Measured {
    exit: Option<i32>,
    signal: Option<i32>,
    timed_out: bool,
    wall: Duration,
    /// Peak resident set size of the child or of any of its descendants (`ru_maxrss`).
    max_rss_kib: u64,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
}

impl Measured {
    fn success(&self) -> bool {
        self.exit == Some(0) && !self.timed_out
    }

    fn wall_ms(&self) -> f64 {
        self.wall.as_secs_f64() * 1000.0
    }

    fn max_rss_mib(&self) -> f64 {
        self.max_rss_kib as f64 / 1024.0
    }

    /// How the run ended, when it did not succeed: the outcome and a one-line reason.
    fn failure(&self, limits: &Limits) -> (Outcome, String) {
        let stderr = String::from_utf8_lossy(&self.stderr);
        let lines: Vec<&str> = stderr.lines().map(str::trim).collect();
        let at = lines
            .iter()
            .position(|l| {
                let lower = l.to_ascii_lowercase();
                lower.contains("error") || lower.contains("panicked") || lower.contains("failed")
            })
            .or_else(|| lines.iter().position(|l| !l.is_empty()));
        let first_error = match at {
            None => "no output".to_string(),
            // A panic's message is on the line after `panicked at FILE:LINE:COLUMN:`.
            Some(i) if lines[i].contains("panicked at") && i + 1 < lines.len() => {
                format!("{} {}", without_registry(lines[i]), lines[i + 1])
            }
            Some(i) => lines[i].to_string(),
        };
        if self.timed_out {
            return (
                Outcome::TimedOut,
                format!(
                    "no result within the {} s time limit",
                    limits.timeout.as_secs()
                ),
            );
        }
        if stderr.contains("memory allocation of") || stderr.contains("out of memory") {
            let mib = limits.memory_bytes.unwrap_or(0) / (1024 * 1024);
            return (
                Outcome::OutOfMemory,
                format!("{first_error} (address space limited to {mib} MiB)"),
            );
        }
        let how = match (self.exit, self.signal) {
            (Some(code), _) => format!("exit {code}"),
            (None, Some(signal)) => format!("killed by signal {signal}"),
            (None, None) => "ended abnormally".to_string(),
        };
        (
            Outcome::Fails,
            format!("{how}: {}", shorten(&first_error, 200)),
        )
    }
}

/// `.../registry/src/index.crates.io-HASH/crate-1.0/src/x.rs` → `crate-1.0/src/x.rs`.
fn without_registry(line: &str) -> String {
    let Some(start) = line.find("/registry/src/") else {
        return line.to_string();
    };
    let rest = &line[start + "/registry/src/".len()..];
    let Some(slash) = rest.find('/') else {
        return line.to_string();
    };
    let before = line[..start].rfind(' ').map_or("", |space| &line[..=space]);
    format!("{before}{}", &rest[slash + 1..])
}

/// Run `command` to its end under `limits`, in a process group of its own (killed whole
/// when the time limit passes), and measure it.
fn measure(command: &mut Command, limits: &Limits) -> Result<Measured, String> {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    if let Some(bytes) = limits.memory_bytes {
        crate::util::limit_address_space(command, bytes);
    }
    let program = command.get_program().to_string_lossy().into_owned();
    let started = Instant::now();
    let mut child = command
        .spawn()
        .map_err(|e| format!("error: cannot start {program}: {e}"))?;
    let pid = child.id() as libc::pid_t;
    let stdout = child
        .stdout
        .take()
        .map(|p| std::thread::spawn(|| crate::util::drain(p, OUTPUT_CAP)));
    let stderr = child
        .stderr
        .take()
        .map(|p| std::thread::spawn(|| crate::util::drain(p, OUTPUT_CAP)));

    // The watchdog kills the group when the time limit passes. The child is left a zombie
    // (WNOWAIT) until the watchdog has stopped, so its pid cannot be reused meanwhile.
    let (done, stop) = mpsc::channel::<()>();
    let timeout = limits.timeout;
    let watchdog = std::thread::spawn(move || match stop.recv_timeout(timeout) {
        Err(mpsc::RecvTimeoutError::Timeout) => {
            // SAFETY: kill has no memory-safety preconditions; the group is our child's.
            unsafe { libc::kill(-pid, libc::SIGKILL) };
            true
        }
        _ => false,
    });
    loop {
        // SAFETY: an all-zero siginfo_t is a valid value of this plain C struct.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        // SAFETY: `pid` is our unreaped child and `info` a live, writable local.
        let r = unsafe {
            libc::waitid(
                libc::P_PID,
                pid as libc::id_t,
                &mut info,
                libc::WEXITED | libc::WNOWAIT,
            )
        };
        if r == 0 {
            break;
        }
        let error = std::io::Error::last_os_error();
        if error.kind() != std::io::ErrorKind::Interrupted {
            return Err(format!("error: cannot wait for {program}: {error}"));
        }
    }
    let wall = started.elapsed();
    let _ = done.send(());
    let fired = watchdog.join().unwrap_or(false);
    // Whatever the child left behind in its group goes too.
    // SAFETY: as above; the group leader is still a zombie, so the group id is ours.
    unsafe { libc::kill(-pid, libc::SIGKILL) };

    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value of this plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: `pid` is our child, not yet reaped; both pointers are live locals.
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if r == pid {
            break;
        }
        let error = std::io::Error::last_os_error();
        if error.kind() != std::io::ErrorKind::Interrupted {
            return Err(format!("error: cannot reap {program}: {error}"));
        }
    }
    let join = |h: Option<std::thread::JoinHandle<Vec<u8>>>| {
        h.and_then(|h| h.join().ok()).unwrap_or_default()
    };
    let exited = libc::WIFEXITED(status);
    Ok(Measured {
        exit: exited.then(|| libc::WEXITSTATUS(status)),
        signal: libc::WIFSIGNALED(status).then(|| libc::WTERMSIG(status)),
        timed_out: fired && wall >= timeout,
        wall,
        max_rss_kib: usage.ru_maxrss.max(0) as u64,
        stdout: join(stdout),
        stderr: join(stderr),
    })
}

/// Peak resident set size of this process so far, in KiB.
fn self_max_rss_kib() -> u64 {
    // SAFETY: an all-zero rusage is a valid value; getrusage only writes into it.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `usage` is a live, writable local.
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 {
        return 0;
    }
    usage.ru_maxrss.max(0) as u64
}

fn median(values: &[f64]) -> f64 {
    let mut values = values.to_vec();
    values.sort_by(f64::total_cmp);
    let n = values.len();
    match n {
        0 => f64::NAN,
        _ if n % 2 == 1 => values[n / 2],
        _ => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    text.chars().take(max).collect::<String>() + "…"
}

fn write_file(path: &Path, text: &str) -> Result<(), String> {
    if let Some(parent) = path.parent() {
        crate::util::create_dir(parent)?;
    }
    std::fs::write(path, text).map_err(|e| format!("error: cannot write {}: {e}", path.display()))
}

/// Number of files, lines and bytes under `dir`.
pub(crate) fn tree_size(dir: &Path) -> (usize, usize, u64) {
    let mut files = 0;
    let mut lines = 0;
    let mut bytes = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(data) = std::fs::read(&path) {
                files += 1;
                bytes += data.len() as u64;
                lines += data.iter().filter(|&&b| b == b'\n').count();
            }
        }
    }
    (files, lines, bytes)
}

// ---------------------------------------------------------------------------------------
// The child: `xtask bench-codegen SPEC --out DIR [--config PATH] [--estimate-format]`.

/// What one generator run reports on stdout, as one line of JSON.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct StageReport {
    load_ms: f64,
    lower_ms: f64,
    /// Rendering the files, prettyplease formatting included.
    emit_ms: f64,
    write_ms: f64,
    /// The share of `emit` spent parsing the token streams and pretty-printing them
    /// (`--estimate-format`), between 0 and 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    format_share: Option<f64>,
    /// Peak resident set size at the end of each stage, in KiB.
    rss_load_kib: u64,
    rss_lower_kib: u64,
    rss_emit_kib: u64,
    rss_write_kib: u64,
    files: usize,
    lines: usize,
    bytes: usize,
    warnings: usize,
}

/// `xtask bench-codegen`: generate one spec, timing each stage.
pub fn one(args: &[String]) -> ExitCode {
    match run_one(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::from(2)
        }
    }
}

fn run_one(args: &[String]) -> Result<(), String> {
    let mut spec = None;
    let mut out = None;
    let mut config = None;
    let mut estimate_format = false;
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        let mut value = |flag: &str| {
            iter.next()
                .map(PathBuf::from)
                .ok_or_else(|| format!("error: bench-codegen: {flag} needs a value"))
        };
        match arg.as_str() {
            "--out" => out = Some(value("--out")?),
            "--config" => config = Some(value("--config")?),
            "--estimate-format" => estimate_format = true,
            other if spec.is_none() && !other.starts_with("--") => {
                spec = Some(PathBuf::from(other))
            }
            other => return Err(format!("error: bench-codegen: unexpected `{other}`")),
        }
    }
    let spec = spec.ok_or("error: bench-codegen: which spec?")?;
    let out = out.ok_or("error: bench-codegen: --out DIR is required")?;
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap_or(Path::new("."));

    let mut report = StageReport::default();
    let started = Instant::now();
    let mut input = apigen::load::read_input(root, &spec, config.as_deref())?;
    let loaded =
        apigen::load::load(&input.spec_name, &input.spec_text).map_err(|d| d.to_string())?;
    report.load_ms = started.elapsed().as_secs_f64() * 1000.0;
    report.rss_load_kib = self_max_rss_kib();

    let started = Instant::now();
    let extra_files = std::mem::take(&mut input.extra_files);
    let (api, warnings) = apigen::lower::lower(
        &loaded.api,
        &loaded.extra,
        &input.config,
        &input.spec_name,
        extra_files,
    )
    .map_err(|d| apigen::diag::Diagnostics(d).to_string())?;
    // `apigen::generate` places every warning in the spec's text; so does this.
    let warnings: Vec<apigen::diag::Diagnostic> = warnings
        .into_iter()
        .chain(loaded.warnings.iter().cloned())
        .map(|d| loaded.source.locate(d))
        .collect();
    report.lower_ms = started.elapsed().as_secs_f64() * 1000.0;
    report.rss_lower_kib = self_max_rss_kib();
    report.warnings = warnings.len();

    let started = Instant::now();
    let files = apigen::emit::emit(&api).map_err(|d| d.to_string())?;
    report.emit_ms = started.elapsed().as_secs_f64() * 1000.0;
    report.rss_emit_kib = self_max_rss_kib();

    let started = Instant::now();
    apigen::write::write_tree(&out, &files)
        .map_err(|e| format!("error: cannot write {}: {e}", out.display()))?;
    report.write_ms = started.elapsed().as_secs_f64() * 1000.0;
    report.rss_write_kib = self_max_rss_kib();

    report.files = files.len();
    report.lines = files.values().map(|t| t.lines().count()).sum();
    report.bytes = files.values().map(String::len).sum();
    if estimate_format {
        // Small inputs take a few milliseconds: pair several emits with their estimates
        // and keep the median share, so that one preempted run does not decide it.
        let mut shares = vec![estimate_format_ms(&files, &api)? / report.emit_ms];
        let pairs = if report.emit_ms < 200.0 { 9 } else { 1 };
        for _ in 1..pairs {
            let started = Instant::now();
            let again = apigen::emit::emit(&api).map_err(|d| d.to_string())?;
            let emit_ms = started.elapsed().as_secs_f64() * 1000.0;
            shares.push(estimate_format_ms(&again, &api)? / emit_ms);
        }
        report.format_share = Some(median(&shares).min(1.0));
    }
    let line = serde_json::to_string(&report).map_err(|e| format!("error: {e}"))?;
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{line}")
        .and_then(|()| stdout.flush())
        .map_err(|e| format!("error: cannot print the result: {e}"))
}

/// The time `emit` spends in formatting, estimated without changing the generator: every
/// Rust file that `emit` formats is parsed back into a `syn::File` and turned into a token
/// stream like the one `emit` builds; then the two steps `emit` takes to format
/// (`syn::parse2` and `prettyplease::unparse`) are timed on those streams. `emit` formats
/// on every core, so this does too: the files are dealt to as many threads (largest first,
/// each to the least loaded thread), each thread prepares its streams, and the wall time
/// from a common start to the last thread's end is the estimate.
fn estimate_format_ms(
    files: &std::collections::BTreeMap<String, String>,
    api: &apigen::ir::Api,
) -> Result<f64, String> {
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

// ---------------------------------------------------------------------------------------
// Inputs and tools.

struct BenchInput {
    key: &'static str,
    label: &'static str,
    path: PathBuf,
    runs: usize,
}

fn inputs(root: &Path, options: &Options) -> Vec<BenchInput> {
    vec![
        BenchInput {
            key: "spec",
            label: "spec/openapi.yaml",
            path: root.join("spec/openapi.yaml"),
            runs: options.runs,
        },
        BenchInput {
            key: "client-certificates",
            label: "client-certificates.json",
            path: root.join("tests/fixtures/cloudflare/client-certificates.json"),
            runs: options.runs,
        },
        BenchInput {
            key: "cloudflare",
            label: "Cloudflare openapi.json (1533 ops)",
            path: root.join("tests/fixtures/cloudflare/openapi.json"),
            runs: options.full_runs,
        },
    ]
}

#[derive(Clone, Copy)]
struct Peer {
    name: &'static str,
    krate: &'static str,
    version: &'static str,
    bin: &'static str,
}

impl Peer {
    fn binary(&self, root: &Path) -> PathBuf {
        root.join("target/peers/bin").join(self.bin)
    }

    /// The command that generates a crate from `spec` into `out` (progenitor: a crate
    /// with its builder interface, formatted with rustfmt as the tool does; openapi-to-rust:
    /// its direct mode, modules plus `REQUIRED_DEPS.toml`).
    fn command(&self, root: &Path, spec: &Path, out: &Path, work: &Path) -> Command {
        let mut command = Command::new(self.binary(root));
        command.env("RUST_BACKTRACE", "0");
        if self.name == PROGENITOR.name {
            command
                .arg("progenitor")
                .arg("--input")
                .arg(spec)
                .arg("--output")
                .arg(out)
                .args(["--name", "peer-client", "--version", "0.1.0"])
                .args(["--interface", "builder"]);
        } else {
            command
                .arg("generate")
                .arg(spec)
                .arg("--output-dir")
                .arg(out)
                .arg("--quiet");
        }
        command.current_dir(work);
        command
    }
}

/// Install the peers that are missing; returns those that can run.
fn install_peers(root: &Path) -> Vec<(Peer, Result<(), String>)> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    PEERS
        .iter()
        .map(|peer| {
            if peer.binary(root).is_file() {
                return (*peer, Ok(()));
            }
            eprintln!(
                "xtask bench: installing {} {} into target/peers (once)",
                peer.krate, peer.version
            );
            let status = Command::new(&cargo)
                .args(["install", "--locked", "--root"])
                .arg(root.join("target/peers"))
                .arg(peer.krate)
                .args(["--version", peer.version])
                .current_dir(root)
                .status();
            let result = match status {
                Ok(s) if s.success() && peer.binary(root).is_file() => Ok(()),
                Ok(s) => Err(format!("cargo install {} failed ({s})", peer.krate)),
                Err(e) => Err(format!("cannot run {cargo}: {e}")),
            };
            (*peer, result)
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// Codegen measurements.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Outcome {
    Ok,
    Fails,
    TimedOut,
    OutOfMemory,
    NotRun,
}

impl Outcome {
    fn label(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Fails => "fails",
            Outcome::TimedOut => "timed out",
            Outcome::OutOfMemory => "out of memory",
            Outcome::NotRun => "not run",
        }
    }
}

/// One tool on one input.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct ToolResult {
    tool: String,
    version: String,
    outcome: Outcome,
    runs: usize,
    /// Medians over the runs.
    wall_ms: Option<f64>,
    max_rss_mib: Option<f64>,
    wall_runs_ms: Vec<f64>,
    rss_runs_mib: Vec<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<String>,
    files: usize,
    lines: usize,
    bytes: u64,
    /// Ours only: medians per stage, in milliseconds, and peak RSS at each stage's end.
    #[serde(skip_serializing_if = "Option::is_none")]
    stages: Option<Stages>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Stages {
    load_ms: f64,
    lower_ms: f64,
    /// Rendering without formatting: `emit` minus the formatting estimate.
    emit_ms: f64,
    /// Estimated share of `emit` spent in `syn::parse2` + `prettyplease::unparse`.
    format_ms: f64,
    /// `emit` as measured, formatting included.
    emit_total_ms: f64,
    write_ms: f64,
    rss_load_mib: f64,
    rss_lower_mib: f64,
    rss_emit_mib: f64,
    rss_write_mib: f64,
    warnings: usize,
}

impl Stages {
    fn by_name(&self, stage: &str) -> f64 {
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
    fn empty(tool: &str, version: &str, outcome: Outcome, detail: Option<String>) -> Self {
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

    fn ok(&self) -> bool {
        self.outcome == Outcome::Ok
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct InputResult {
    key: String,
    label: String,
    bytes: u64,
    tools: Vec<ToolResult>,
}

impl InputResult {
    fn tool(&self, name: &str) -> Option<&ToolResult> {
        self.tools.iter().find(|t| t.tool == name)
    }
}

fn progress(message: &str) {
    eprintln!("xtask bench: {message}");
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
        let (outcome, detail) = measured.failure(limits);
        let mut result = ToolResult::empty(tool, version, outcome, Some(detail));
        result.runs = 1;
        result.wall_ms = Some(measured.wall_ms());
        result.max_rss_mib = Some(measured.max_rss_mib());
        self.failed = Some(result);
    }
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
    crate::util::remove_dir_if_present(&out)?;
    let mut command = Command::new(exe);
    command
        .env("RUST_BACKTRACE", "0")
        .arg("bench-codegen")
        .arg(&input.path)
        .arg("--out")
        .arg(&out);
    if estimate {
        command.arg("--estimate-format");
    }
    let measured = measure(&mut command, limits)?;
    crate::util::remove_dir_if_present(&out)?;
    if !measured.success() {
        runs.fail("apigen", "workspace", &measured, limits);
        return Ok(None);
    }
    let stdout = String::from_utf8_lossy(&measured.stdout);
    let report: StageReport = stdout
        .lines()
        .rev()
        .find_map(|l| serde_json::from_str(l).ok())
        .ok_or_else(|| format!("error: bench-codegen printed no report:\n{stdout}"))?;
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
    crate::util::remove_dir_if_present(&dir)?;
    let out = dir.join("out");
    crate::util::create_dir(&dir)?;
    let measured = measure(&mut peer.command(root, &input.path, &out, &dir), limits)?;
    if measured.success() {
        runs.walls.push(measured.wall_ms());
        runs.rss.push(measured.max_rss_mib());
        runs.size = tree_size(&out);
    } else {
        runs.fail(peer.name, peer.version, &measured, limits);
    }
    crate::util::remove_dir_if_present(&dir)
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
        progress(&format!(
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

fn ours_result(runs: Runs, shares: &[f64]) -> ToolResult {
    if let Some(failed) = runs.failed {
        return failed;
    }
    let reports = &runs.reports;
    let med = |f: &dyn Fn(&StageReport) -> f64| median(&reports.iter().map(f).collect::<Vec<_>>());
    let mib = |kib: u64| kib as f64 / 1024.0;
    let emit_total = med(&|r| r.emit_ms);
    let format = median(shares) * emit_total;
    let last = reports.last().cloned().unwrap_or_default();
    ToolResult {
        tool: "apigen".into(),
        version: "workspace".into(),
        outcome: Outcome::Ok,
        runs: runs.walls.len(),
        wall_ms: Some(median(&runs.walls)),
        max_rss_mib: Some(median(&runs.rss)),
        wall_runs_ms: runs.walls,
        rss_runs_mib: runs.rss,
        detail: None,
        files: last.files,
        lines: last.lines,
        bytes: last.bytes as u64,
        stages: Some(Stages {
            load_ms: med(&|r| r.load_ms),
            lower_ms: med(&|r| r.lower_ms),
            emit_ms: emit_total - format,
            format_ms: format,
            emit_total_ms: emit_total,
            write_ms: med(&|r| r.write_ms),
            rss_load_mib: med(&|r| mib(r.rss_load_kib)),
            rss_lower_mib: med(&|r| mib(r.rss_lower_kib)),
            rss_emit_mib: med(&|r| mib(r.rss_emit_kib)),
            rss_write_mib: med(&|r| mib(r.rss_write_kib)),
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
        wall_ms: Some(median(&runs.walls)),
        max_rss_mib: Some(median(&runs.rss)),
        wall_runs_ms: runs.walls,
        rss_runs_mib: runs.rss,
        detail: None,
        files: runs.size.0,
        lines: runs.size.1,
        bytes: runs.size.2,
        stages: None,
    }
}

// ---------------------------------------------------------------------------------------
// Compile cost of the generated code.

#[derive(Debug, Clone, Serialize, Deserialize)]
struct CompileResult {
    name: String,
    command: String,
    outcome: Outcome,
    runs: usize,
    wall_s: Option<f64>,
    max_rss_mib: Option<f64>,
    wall_runs_s: Vec<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<String>,
    lines: usize,
}

struct CheckTarget {
    name: &'static str,
    package: String,
    dir: PathBuf,
    features: Vec<&'static str>,
}

fn touch(path: &Path) -> Result<(), String> {
    let file = std::fs::OpenOptions::new()
        .append(true)
        .open(path)
        .map_err(|e| format!("error: cannot open {}: {e}", path.display()))?;
    file.set_modified(std::time::SystemTime::now())
        .map_err(|e| format!("error: cannot touch {}: {e}", path.display()))
}

fn package_name(crate_dir: &Path) -> Result<String, String> {
    let text = std::fs::read_to_string(crate_dir.join("Cargo.toml"))
        .map_err(|e| format!("error: cannot read {}/Cargo.toml: {e}", crate_dir.display()))?;
    text.lines()
        .find_map(|l| {
            let (key, value) = l.split_once('=')?;
            (key.trim() == "name").then(|| value.trim().trim_matches('"').to_string())
        })
        .ok_or_else(|| {
            format!(
                "error: no package name in {}/Cargo.toml",
                crate_dir.display()
            )
        })
}

/// Wrap openapi-to-rust's output (its modules and `REQUIRED_DEPS.toml`, the dependency
/// fragment it asks to append to the consuming crate's manifest) in an edition-2024 crate
/// that mounts the modules as `src/generated/`.
fn wrap_openapi_to_rust(out: &Path, crate_dir: &Path) -> Result<(), String> {
    let deps = std::fs::read_to_string(out.join("REQUIRED_DEPS.toml"))
        .map_err(|e| format!("error: openapi-to-rust wrote no REQUIRED_DEPS.toml: {e}"))?;
    crate::util::remove_dir_if_present(crate_dir)?;
    copy_tree(out, &crate_dir.join("src/generated"))?;
    write_file(
        &crate_dir.join("Cargo.toml"),
        &format!(
            "[package]\nname = \"openapi-to-rust-cloudflare\"\nversion = \"0.1.0\"\nedition = \"2024\"\npublish = false\n\n{deps}"
        ),
    )?;
    write_file(&crate_dir.join("src/lib.rs"), "pub mod generated;\n")
}

fn copy_tree(from: &Path, to: &Path) -> Result<(), String> {
    crate::util::create_dir(to)?;
    let entries = std::fs::read_dir(from)
        .map_err(|e| format!("error: cannot list {}: {e}", from.display()))?;
    for entry in entries.flatten() {
        let path = entry.path();
        let dest = to.join(entry.file_name());
        if path.is_dir() {
            copy_tree(&path, &dest)?;
        } else {
            std::fs::copy(&path, &dest)
                .map_err(|e| format!("error: cannot copy {}: {e}", path.display()))?;
        }
    }
    Ok(())
}

fn bench_compile(
    root: &Path,
    exe: &Path,
    peers: &[Peer],
    options: &Options,
    limits: &Limits,
) -> Result<Vec<CompileResult>, String> {
    let dir = root.join("target/bench/compile");
    let target_dir = root.join("target/bench/compile-target");
    let spec = root.join("tests/fixtures/cloudflare/openapi.json");
    crate::util::create_dir(&dir)?;
    let mut members = Vec::new();
    let mut targets = Vec::new();
    let mut results = Vec::new();

    progress("compile: generating the full Cloudflare crate");
    let ours = dir.join("apigen");
    crate::util::remove_dir_if_present(&ours)?;
    let generated = measure(
        Command::new(exe)
            .arg("bench-codegen")
            .arg(&spec)
            .arg("--out")
            .arg(&ours),
        limits,
    )?;
    if !generated.success() {
        return Err(format!(
            "error: generating the full Cloudflare crate failed: {}",
            generated.failure(limits).1
        ));
    }
    let package = package_name(&ours)?;
    members.push("apigen");
    targets.push(CheckTarget {
        name: "apigen, --all-features",
        package: package.clone(),
        dir: ours.clone(),
        features: vec!["--all-features"],
    });
    targets.push(CheckTarget {
        name: "apigen, client-certificates feature only",
        package,
        dir: ours.clone(),
        features: vec!["--no-default-features", "--features", CC_FEATURE],
    });

    if let Some(peer) = peers.iter().find(|p| p.name == OPENAPI_TO_RUST.name) {
        progress("compile: generating openapi-to-rust's crate for the full spec");
        let work = root.join("target/bench/work/compile-openapi-to-rust");
        crate::util::remove_dir_if_present(&work)?;
        crate::util::create_dir(&work)?;
        let out = work.join("out");
        let measured = measure(&mut peer.command(root, &spec, &out, &work), limits)?;
        let wrapped = if measured.success() {
            wrap_openapi_to_rust(&out, &dir.join("openapi-to-rust"))
        } else {
            Err(measured.failure(limits).1)
        };
        match wrapped {
            Ok(()) => {
                members.push("openapi-to-rust");
                targets.push(CheckTarget {
                    name: "openapi-to-rust",
                    package: "openapi-to-rust-cloudflare".into(),
                    dir: dir.join("openapi-to-rust"),
                    features: Vec::new(),
                });
            }
            Err(detail) => results.push(CompileResult {
                name: "openapi-to-rust".into(),
                command: String::new(),
                outcome: Outcome::Fails,
                runs: 0,
                wall_s: None,
                max_rss_mib: None,
                wall_runs_s: Vec::new(),
                detail: Some(detail),
                lines: 0,
            }),
        }
    }
    let members: Vec<String> = members.iter().map(|m| format!("{m:?}")).collect();
    write_file(
        &dir.join("Cargo.toml"),
        &format!(
            "[workspace]\nresolver = \"3\"\nmembers = [{}]\n",
            members.join(", ")
        ),
    )?;

    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let no_limit = Limits {
        timeout: Duration::from_secs(3 * 3600),
        memory_bytes: None,
    };
    let check = |target: &CheckTarget| {
        let mut command = Command::new(&cargo);
        command
            .args(["check", "--quiet", "-p"])
            .arg(&target.package)
            .args(&target.features)
            .current_dir(&dir)
            .env("CARGO_TARGET_DIR", &target_dir);
        measure(&mut command, &no_limit)
    };
    let shown = |target: &CheckTarget| {
        format!(
            "cargo check -p {} {}",
            target.package,
            target.features.join(" ")
        )
        .trim_end()
        .to_string()
    };
    // Dependencies first (and the crate once), then the timed runs, the crates taking
    // turns run by run.
    let mut ready = Vec::new();
    for target in &targets {
        progress(&format!("compile: {} (dependencies first)", target.name));
        let warm = check(target)?;
        let (_, lines, _) = tree_size(&target.dir.join("src"));
        if warm.success() {
            ready.push((target, lines, Vec::new(), Vec::new()));
        } else {
            results.push(CompileResult {
                name: target.name.into(),
                command: shown(target),
                outcome: Outcome::Fails,
                runs: 0,
                wall_s: None,
                max_rss_mib: None,
                wall_runs_s: Vec::new(),
                detail: Some(warm.failure(&no_limit).1),
                lines,
            });
        }
    }
    for run in 0..options.compile_runs {
        for (target, _, walls, rss) in &mut ready {
            progress(&format!(
                "compile: {} (timed run {}/{})",
                target.name,
                run + 1,
                options.compile_runs
            ));
            touch(&target.dir.join("src/lib.rs"))?;
            let measured = check(target)?;
            if !measured.success() {
                return Err(format!(
                    "error: {} failed after succeeding once: {}",
                    shown(target),
                    measured.failure(&no_limit).1
                ));
            }
            walls.push(measured.wall.as_secs_f64());
            rss.push(measured.max_rss_mib());
        }
    }
    for (target, lines, walls, rss) in ready {
        results.push(CompileResult {
            name: target.name.into(),
            command: shown(target),
            outcome: Outcome::Ok,
            runs: walls.len(),
            wall_s: Some(median(&walls)),
            max_rss_mib: Some(median(&rss)),
            wall_runs_s: walls,
            detail: None,
            lines,
        });
    }
    Ok(results)
}

// ---------------------------------------------------------------------------------------
// Client benchmarks (criterion, in apigen-tests).

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Comparison {
    name: String,
    /// Criterion medians.
    generated_us: f64,
    baseline_us: f64,
    ratio: f64,
    /// Median of the per-round ratios of the paired (ABBA) run, when it ran.
    #[serde(default)]
    paired_ratio: Option<f64>,
}

impl Comparison {
    /// The ratio the targets use: the paired one when there is one.
    fn best_ratio(&self) -> f64 {
        self.paired_ratio.unwrap_or(self.ratio)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct StreamPoint {
    mode: String,
    count: u64,
    max_rss_mib: f64,
    wall_ms: f64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct ClientResults {
    operations: Vec<Comparison>,
    pagination: Option<Comparison>,
    streaming: Vec<StreamPoint>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// Median time of one criterion benchmark, in microseconds.
fn criterion_median_us(home: &Path, group: &str, function: &str) -> Result<f64, String> {
    let path = home.join(group).join(function).join("new/estimates.json");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("error: cannot read {}: {e}", path.display()))?;
    let value: Value = serde_json::from_str(&text)
        .map_err(|e| format!("error: {} is not JSON: {e}", path.display()))?;
    value["median"]["point_estimate"]
        .as_f64()
        .map(|ns| ns / 1000.0)
        .ok_or_else(|| format!("error: no median in {}", path.display()))
}

fn run_cargo_bench(root: &Path, bench: &str, home: &Path) -> Result<String, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    progress(&format!(
        "client: cargo bench -p apigen-tests --bench {bench}"
    ));
    let output = Command::new(&cargo)
        .args(["bench", "--quiet", "-p", "apigen-tests", "--bench", bench])
        .current_dir(root)
        .env("CRITERION_HOME", home)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("error: cannot run {cargo}: {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    eprint!("{stdout}");
    if !output.status.success() {
        return Err(format!(
            "error: cargo bench --bench {bench} failed ({})",
            output.status
        ));
    }
    Ok(stdout)
}

fn bench_client(root: &Path) -> ClientResults {
    let mut results = ClientResults::default();
    let home = root.join("target/bench/criterion");
    let criterion = run_cargo_bench(root, "client", &home).and_then(|stdout| {
        let paired: Value = stdout
            .lines()
            .find_map(|l| l.strip_prefix("CLIENT_PAIRED_JSON "))
            .and_then(|l| serde_json::from_str(l).ok())
            .unwrap_or(Value::Null);
        let compare = |group: &str, name: &str| -> Result<Comparison, String> {
            let generated = criterion_median_us(&home, group, "generated")?;
            let baseline = criterion_median_us(&home, group, "baseline")?;
            Ok(Comparison {
                name: name.into(),
                generated_us: generated,
                baseline_us: baseline,
                ratio: generated / baseline,
                paired_ratio: paired[group]["ratio"].as_f64(),
            })
        };
        results.operations = vec![
            compare("get_one", "get one certificate")?,
            compare("list_50", "list a page of 50")?,
        ];
        results.pagination = Some(compare("paginate_2000", "2,000 certificates, 40 pages")?);
        Ok(())
    });
    let streaming = run_cargo_bench(root, "stream_memory", &home).and_then(|stdout| {
        let line = stdout
            .lines()
            .find_map(|l| l.strip_prefix("STREAM_MEMORY_JSON "))
            .ok_or("error: the stream_memory bench printed no result")?;
        let value: Value =
            serde_json::from_str(line).map_err(|e| format!("error: stream_memory: {e}"))?;
        results.streaming = value["results"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|r| StreamPoint {
                mode: r["mode"].as_str().unwrap_or("").to_string(),
                count: r["count"].as_u64().unwrap_or(0),
                max_rss_mib: r["max_rss_kib"].as_f64().unwrap_or(0.0) / 1024.0,
                wall_ms: r["wall_ms"].as_f64().unwrap_or(0.0),
            })
            .collect();
        Ok(())
    });
    let errors: Vec<String> = [criterion, streaming]
        .into_iter()
        .filter_map(Result::err)
        .collect();
    if !errors.is_empty() {
        results.error = Some(errors.join("; "));
    }
    results
}

// ---------------------------------------------------------------------------------------
// Targets.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Verdict {
    Pass,
    Fail,
    NotMeasured,
}

impl Verdict {
    fn label(self) -> &'static str {
        match self {
            Verdict::Pass => "PASS",
            Verdict::Fail => "FAIL",
            Verdict::NotMeasured => "not measured",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Target {
    name: String,
    limit: f64,
    measured: Option<f64>,
    /// How the measured value was obtained, e.g. `41 ms / 350 ms`.
    basis: String,
    verdict: Verdict,
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
    let input = inputs.iter().find(|i| i.key == input)?;
    let ours = input.tool("apigen")?;
    let theirs = input.tool(peer)?;
    if !ours.ok() {
        return None;
    }
    if !theirs.ok() {
        return Some((f64::NAN, format!("{peer} {}", theirs.outcome.label())));
    }
    let (a, b) = (metric(ours)?, metric(theirs)?);
    Some((a / b, format!("{a:.1} {unit} / {b:.1} {unit}")))
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

fn targets(report: &Report) -> Vec<Target> {
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
            "codegen full Cloudflare: time ≤ 0.6× openapi-to-rust",
            0.6,
            codegen_ratio(inputs, "cloudflare", OPENAPI_TO_RUST.name, wall, "ms"),
        ),
        target(
            "codegen full Cloudflare: peak memory ≤ 0.6× openapi-to-rust",
            0.6,
            codegen_ratio(inputs, "cloudflare", OPENAPI_TO_RUST.name, rss, "MiB"),
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

// ---------------------------------------------------------------------------------------
// The report.

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Machine {
    cpu: String,
    cores: usize,
    memory_gib: f64,
    kernel: String,
    rustc: String,
}

/// The 1, 5 and 15 minute load averages.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

fn machine() -> Machine {
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
struct Report {
    machine: Machine,
    command: String,
    /// `/proc/loadavg` before and after the run: other work on the machine skews timings.
    load_before: String,
    load_after: String,
    codegen: Vec<InputResult>,
    #[serde(skip_serializing_if = "Option::is_none")]
    compile: Option<Vec<CompileResult>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    client: Option<ClientResults>,
    targets: Vec<Target>,
}

fn ms(value: Option<f64>) -> String {
    match value {
        Some(v) if v >= 100.0 => format!("{v:.0}"),
        Some(v) if v >= 10.0 => format!("{v:.1}"),
        Some(v) => format!("{v:.2}"),
        None => "–".into(),
    }
}

fn ratio_text(value: f64) -> String {
    if value.is_finite() {
        format!("{value:.2}×")
    } else {
        "–".into()
    }
}

fn markdown(report: &Report) -> String {
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
        "\nRatios apigen / peer (below 1 is better for apigen):\n"
    );
    let _ = writeln!(md, "| input | peer | time | peak memory |");
    let _ = writeln!(md, "| --- | --- | ---: | ---: |");
    for input in &report.codegen {
        let Some(ours) = input.tool("apigen") else {
            continue;
        };
        for t in input.tools.iter().filter(|t| t.tool != "apigen") {
            let (time, memory) = if ours.ok() && t.ok() {
                let r = |a: Option<f64>, b: Option<f64>| match (a, b) {
                    (Some(a), Some(b)) => ratio_text(a / b),
                    _ => "–".into(),
                };
                (
                    r(ours.wall_ms, t.wall_ms),
                    r(ours.max_rss_mib, t.max_rss_mib),
                )
            } else {
                (format!("{} {}", t.tool, t.outcome.label()), "–".into())
            };
            let _ = writeln!(md, "| {} | {} | {time} | {memory} |", input.label, t.tool);
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

fn print_summary(report: &Report) {
    println!();
    println!(
        "{:<36} {:<22} {:>10} {:>9}  stages (load/lower/emit/format/write ms)",
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
                    shorten(t.detail.as_deref().unwrap_or(""), 60)
                ),
            };
            println!(
                "{:<36} {:<22} {:>10} {:>9}  {}",
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

// ---------------------------------------------------------------------------------------
// Charts (SVG, plotters).

mod charts {
    use super::{InputResult, Report, STAGES, Verdict};
    use plotters::prelude::*;
    use std::path::Path;

    const STAGE_COLORS: [RGBColor; 5] = [
        RGBColor(0x4e, 0x79, 0xa7),
        RGBColor(0xf2, 0x8e, 0x2b),
        RGBColor(0x59, 0xa1, 0x4f),
        RGBColor(0xb0, 0x7a, 0xa1),
        RGBColor(0x9c, 0x75, 0x5f),
    ];
    const OTHER: RGBColor = RGBColor(0x8c, 0x8c, 0x8c);
    const STARTUP: RGBColor = RGBColor(0xd4, 0xd4, 0xd4);
    const PASS: RGBColor = RGBColor(0x59, 0xa1, 0x4f);
    const FAIL: RGBColor = RGBColor(0xe1, 0x57, 0x59);

    fn err(e: impl std::fmt::Display) -> String {
        format!("error: drawing a chart failed: {e}")
    }

    /// One panel per input: apigen's wall time stacked by stage, each peer's total.
    pub fn codegen(report: &Report, path: &Path) -> Result<(), String> {
        let root = SVGBackend::new(path, (1200, 520)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let (title, body) = root.split_vertically(50);
        title
            .titled(
                "Code generation: wall time (apigen by stage; peers total)",
                ("sans-serif", 22),
            )
            .map_err(err)?;
        let (panels, legend) = body.split_vertically(430);
        let areas = panels.split_evenly((1, report.codegen.len().max(1)));
        for (area, input) in areas.iter().zip(&report.codegen) {
            panel(area, input)?;
        }
        let mut x = 60;
        let mut entries: Vec<(String, RGBColor)> = STAGES
            .iter()
            .zip(STAGE_COLORS)
            .map(|(s, c)| (format!("apigen {s}"), c))
            .collect();
        entries.push(("apigen process start/exit".into(), STARTUP));
        entries.push(("peer (whole run)".into(), OTHER));
        for (label, color) in entries {
            legend
                .draw(&Rectangle::new([(x, 12), (x + 14, 26)], color.filled()))
                .map_err(err)?;
            legend
                .draw(&Text::new(label.clone(), (x + 20, 12), ("sans-serif", 14)))
                .map_err(err)?;
            x += 30 + 8 * label.len() as i32;
        }
        root.present().map_err(err)
    }

    fn panel<DB: DrawingBackend>(
        area: &DrawingArea<DB, plotters::coord::Shift>,
        input: &InputResult,
    ) -> Result<(), String>
    where
        DB::ErrorType: 'static,
    {
        let names: Vec<String> = input.tools.iter().map(|t| t.tool.clone()).collect();
        let top = input
            .tools
            .iter()
            .filter(|t| t.ok())
            .filter_map(|t| t.wall_ms)
            .fold(1.0f64, f64::max)
            * 1.15;
        let n = names.len() as f64;
        let mut chart = ChartBuilder::on(area)
            .caption(&input.label, ("sans-serif", 16))
            .margin(10)
            .x_label_area_size(30)
            .y_label_area_size(60)
            .build_cartesian_2d(-0.5f64..n - 0.5, 0f64..top)
            .map_err(err)?;
        let label_of = |x: &f64| -> String {
            let i = x.round();
            if (x - i).abs() > 1e-6 || i < 0.0 {
                return String::new();
            }
            names.get(i as usize).cloned().unwrap_or_default()
        };
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(names.len() + 1)
            .x_label_formatter(&label_of)
            .y_label_formatter(&|v| format!("{v:.0}"))
            .light_line_style(WHITE)
            .y_desc("ms")
            .label_style(("sans-serif", 13))
            .draw()
            .map_err(err)?;
        for (i, t) in input.tools.iter().enumerate() {
            let x0 = i as f64 - 0.35;
            let x1 = i as f64 + 0.35;
            if !t.ok() {
                chart
                    .draw_series(std::iter::once(Text::new(
                        t.outcome.label().to_string(),
                        (x0, top * 0.06),
                        ("sans-serif", 14).into_font().color(&RED),
                    )))
                    .map_err(err)?;
                continue;
            }
            let Some(wall) = t.wall_ms else { continue };
            match &t.stages {
                Some(stages) => {
                    let mut y = 0.0;
                    for (stage, color) in STAGES.iter().zip(STAGE_COLORS) {
                        let h = stages.by_name(stage);
                        chart
                            .draw_series(std::iter::once(Rectangle::new(
                                [(x0, y), (x1, y + h)],
                                color.filled(),
                            )))
                            .map_err(err)?;
                        y += h;
                    }
                    if wall > y {
                        chart
                            .draw_series(std::iter::once(Rectangle::new(
                                [(x0, y), (x1, wall)],
                                STARTUP.filled(),
                            )))
                            .map_err(err)?;
                    }
                }
                None => {
                    chart
                        .draw_series(std::iter::once(Rectangle::new(
                            [(x0, 0.0), (x1, wall)],
                            OTHER.filled(),
                        )))
                        .map_err(err)?;
                }
            }
            chart
                .draw_series(std::iter::once(Text::new(
                    super::ms(Some(wall)),
                    (x0, wall + top * 0.02),
                    ("sans-serif", 13),
                )))
                .map_err(err)?;
        }
        Ok(())
    }

    /// Every measured ratio on a log scale, coloured by its target's verdict.
    pub fn ratios(report: &Report, path: &Path) -> Result<(), String> {
        let rows: Vec<(String, f64, Option<f64>, Verdict)> = report
            .targets
            .iter()
            .filter_map(|t| Some((t.name.clone(), t.measured?, Some(t.limit), t.verdict)))
            .chain(super::extra_ratios(report))
            .collect();
        let height = 90 + 34 * rows.len().max(1) as u32;
        let root = SVGBackend::new(path, (1200, height)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let low = rows
            .iter()
            .map(|r| r.1)
            .chain(rows.iter().filter_map(|r| r.2))
            .fold(1.0f64, f64::min)
            .max(1e-4)
            / 1.6;
        let high = rows
            .iter()
            .map(|r| r.1)
            .chain(rows.iter().filter_map(|r| r.2))
            .fold(1.0f64, f64::max)
            * 1.6;
        let n = rows.len() as f64;
        let names: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
        let mut chart = ChartBuilder::on(&root)
            .caption(
                "apigen / peer or baseline (log scale; below 1 favours apigen; | = target)",
                ("sans-serif", 20),
            )
            .margin(15)
            .x_label_area_size(35)
            .y_label_area_size(470)
            .build_cartesian_2d((low..high).log_scale(), -0.5f64..n - 0.5)
            .map_err(err)?;
        let label_of = |y: &f64| -> String {
            let i = y.round();
            if (y - i).abs() > 1e-6 || i < 0.0 {
                return String::new();
            }
            let k = rows.len() as f64 - 1.0 - i;
            names.get(k as usize).cloned().unwrap_or_default()
        };
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(rows.len() + 1)
            .y_label_formatter(&label_of)
            .x_labels(12)
            .x_label_formatter(&|v| {
                let text = format!("{v:.3}");
                text.trim_end_matches('0').trim_end_matches('.').to_string()
            })
            .light_line_style(WHITE)
            .x_desc("ratio")
            .label_style(("sans-serif", 13))
            .draw()
            .map_err(err)?;
        for (k, (_, value, limit, verdict)) in rows.iter().enumerate() {
            let y = n - 1.0 - k as f64;
            let color = match verdict {
                Verdict::Pass => PASS,
                Verdict::Fail => FAIL,
                Verdict::NotMeasured => OTHER,
            };
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(low, y - 0.32), (*value, y + 0.32)],
                    color.filled(),
                )))
                .map_err(err)?;
            chart
                .draw_series(std::iter::once(Text::new(
                    format!("{value:.2}×"),
                    (value.max(limit.unwrap_or(0.0)) * 1.06, y + 0.2),
                    ("sans-serif", 13),
                )))
                .map_err(err)?;
            if let Some(limit) = limit {
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        vec![(*limit, y - 0.45), (*limit, y + 0.45)],
                        BLACK.stroke_width(3),
                    )))
                    .map_err(err)?;
            }
        }
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(1.0, -0.5), (1.0, n - 0.5)],
                BLACK.stroke_width(1),
            )))
            .map_err(err)?;
        root.present().map_err(err)
    }
}

/// Ratios to the peers that no target covers (shown in grey).
fn extra_ratios(report: &Report) -> Vec<(String, f64, Option<f64>, Verdict)> {
    let mut rows = Vec::new();
    let covered = [
        ("client-certificates", OPENAPI_TO_RUST.name, "time"),
        ("client-certificates", PROGENITOR.name, "time"),
        ("cloudflare", OPENAPI_TO_RUST.name, "time"),
        ("cloudflare", OPENAPI_TO_RUST.name, "memory"),
    ];
    for input in &report.codegen {
        let Some(ours) = input.tool("apigen").filter(|t| t.ok()) else {
            continue;
        };
        for t in input.tools.iter().filter(|t| t.tool != "apigen" && t.ok()) {
            for (what, a, b) in [
                ("time", ours.wall_ms, t.wall_ms),
                ("memory", ours.max_rss_mib, t.max_rss_mib),
            ] {
                if covered.contains(&(input.key.as_str(), t.tool.as_str(), what)) {
                    continue;
                }
                if let (Some(a), Some(b)) = (a, b) {
                    rows.push((
                        format!("codegen {}: {what} vs {}", input.label, t.tool),
                        a / b,
                        None,
                        Verdict::NotMeasured,
                    ));
                }
            }
        }
    }
    rows
}

// ---------------------------------------------------------------------------------------
// The task.

/// `cargo xtask bench`.
pub fn run(root: &Path, args: &[String]) -> Result<(), String> {
    if args.iter().any(|a| a == "-h" || a == "--help") {
        println!("{USAGE}");
        return Ok(());
    }
    let options = parse(args)?;
    if cfg!(debug_assertions) && !options.no_release {
        return crate::util::rerun_in_release(root, "bench", args);
    }
    if options.render_only {
        let path = root.join("target/bench/report.json");
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("error: cannot read {}: {e}", path.display()))?;
        let mut report: Report = serde_json::from_str(&text)
            .map_err(|e| format!("error: {} is not a bench report: {e}", path.display()))?;
        report.targets = targets(&report);
        return write_outputs(root, &report);
    }
    let load_before = load_average();
    let exe = std::env::current_exe()
        .map_err(|e| format!("error: cannot find the running xtask binary: {e}"))?;
    let bench_dir = root.join("target/bench");
    let work = bench_dir.join("work");
    crate::util::create_dir(&work)?;
    let limits = Limits {
        timeout: options.timeout,
        memory_bytes: Some(options.memory_mib * 1024 * 1024),
    };

    let mut runnable = Vec::new();
    let mut unavailable = Vec::new();
    if options.peers {
        for (peer, installed) in install_peers(root) {
            match installed {
                Ok(()) => runnable.push(peer),
                Err(e) => {
                    progress(&format!("{} unavailable: {e}", peer.name));
                    unavailable.push((peer, e));
                }
            }
        }
    }

    let mut codegen = Vec::new();
    for input in inputs(root, &options) {
        let bytes = std::fs::metadata(&input.path).map(|m| m.len()).unwrap_or(0);
        let mut tools = bench_input(root, &exe, &input, &runnable, &work, &limits)?;
        for (peer, reason) in &unavailable {
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

    let compile = if options.compile {
        Some(bench_compile(root, &exe, &runnable, &options, &limits)?)
    } else {
        None
    };
    let client = options.client.then(|| bench_client(root));

    let mut report = Report {
        machine: machine(),
        command: format!("cargo xtask bench {}", args.join(" "))
            .trim_end()
            .to_string(),
        load_before,
        load_after: load_average(),
        codegen,
        compile,
        client,
        targets: Vec::new(),
    };
    report.targets = targets(&report);

    write_outputs(root, &report)
}

/// Write report.json, report.md and the charts, and print the summary.
fn write_outputs(root: &Path, report: &Report) -> Result<(), String> {
    let bench_dir = root.join("target/bench");
    let json = serde_json::to_string_pretty(report)
        .map_err(|e| format!("error: cannot encode the report: {e}"))?;
    write_file(&bench_dir.join("report.json"), &(json + "\n"))?;
    write_file(&bench_dir.join("report.md"), &markdown(report))?;
    let docs = root.join("docs/bench");
    crate::util::create_dir(&docs)?;
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
    print_summary(report);
    println!(
        "\nwrote target/bench/report.md, report.json, codegen.svg, ratios.svg (charts also in docs/bench/)"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        assert!(median(&[]).is_nan());
    }

    #[test]
    fn measures_a_child() {
        let limits = Limits {
            timeout: Duration::from_secs(30),
            memory_bytes: None,
        };
        let measured =
            measure(Command::new("sh").args(["-c", "echo hi; exit 3"]), &limits).expect("sh runs");
        assert_eq!(measured.exit, Some(3));
        assert_eq!(String::from_utf8_lossy(&measured.stdout), "hi\n");
        assert!(measured.max_rss_kib > 0);
    }

    #[test]
    fn kills_a_child_past_its_time_limit() {
        let limits = Limits {
            timeout: Duration::from_millis(200),
            memory_bytes: None,
        };
        let measured = measure(Command::new("sleep").arg("30"), &limits).expect("sleep runs");
        assert!(measured.timed_out);
        assert!(!measured.success());
        assert_eq!(measured.failure(&limits).0, Outcome::TimedOut);
    }

    #[test]
    fn panic_lines_lose_the_registry_path() {
        assert_eq!(
            without_registry(
                "thread 'main' panicked at /root/.cargo/registry/src/index.crates.io-1949/typify-impl-0.8.0/src/convert.rs:788:36:"
            ),
            "thread 'main' panicked at typify-impl-0.8.0/src/convert.rs:788:36:"
        );
        assert_eq!(without_registry("plain"), "plain");
    }

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
