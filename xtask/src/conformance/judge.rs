//! Judging one spec: Prism static, then dynamic, each with the recording proxy in front;
//! the driver run against it in mode `required`, then `full`; then each operation's
//! record per run: built (the driver says so), accepted (Prism saw its request and found
//! no violation in it), decoded (the driver says so).

use super::build::Prepared;
use super::prism::{Launch, Prism, Server};
use super::proxy::{Exchange, Proxy};
use crate::util::measure::{Limits, measure};
use crate::util::text::truncate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::process::Command;
use std::time::Duration;

/// Which arguments the driver sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Required,
    Full,
}

impl Mode {
    pub const ALL: [Mode; 2] = [Mode::Required, Mode::Full];

    pub fn name(self) -> &'static str {
        match self {
            Mode::Required => "required",
            Mode::Full => "full",
        }
    }
}

/// `static/required` and so on.
pub fn run_name(server: Server, mode: Mode) -> String {
    format!("{}/{}", server.name(), mode.name())
}

/// One line of the driver's output (the fixed driver protocol).
#[derive(Debug, Clone, Deserialize)]
pub struct DriverLine {
    pub index: usize,
    pub built: bool,
    pub refused: Option<String>,
    pub status: Option<u16>,
    pub decoded: bool,
    pub decode_error: Option<String>,
    pub error: Option<String>,
}

/// What one run (a server and a mode) of a spec gave.
pub struct Run {
    pub server: Server,
    pub mode: Mode,
    /// Why nothing of this run can be judged (Prism did not start, the driver did not run).
    pub failure: Option<String>,
    /// What went wrong with the driver as a whole (its exit, its last words), if anything.
    pub driver_trouble: Option<String>,
    pub lines: BTreeMap<usize, DriverLine>,
    /// The exchanges of this run, by operation index.
    pub exchanges: BTreeMap<usize, Vec<Exchange>>,
    /// Requests the proxy saw without the `/__apigen/{mode}/{N}` prefix.
    pub unprefixed: Vec<Exchange>,
}

impl Run {
    fn failed(server: Server, mode: Mode, failure: String) -> Run {
        Run {
            server,
            mode,
            failure: Some(failure),
            driver_trouble: None,
            lines: BTreeMap::new(),
            exchanges: BTreeMap::new(),
            unprefixed: Vec::new(),
        }
    }

    pub fn name(&self) -> String {
        run_name(self.server, self.mode)
    }
}

/// How long a driver run may take: a minute, and two seconds per operation.
pub fn driver_limit(base: Duration, operations: usize) -> Duration {
    base + Duration::from_secs(2 * operations as u64)
}

fn run_driver(
    prepared: &Prepared,
    driver: &std::path::Path,
    proxy: &Proxy,
    server: Server,
    mode: Mode,
    limit: Duration,
) -> Run {
    let mut command = Command::new(driver);
    command
        .arg("--base-url")
        .arg(proxy.base_url())
        .arg("--mode")
        .arg(mode.name())
        .arg("--args")
        .arg(&prepared.args)
        .env("RUST_BACKTRACE", "0");
    let limits = Limits::new(limit, None).capture(64 << 20, 256 << 10);
    let measured = match measure(&mut command, &limits) {
        Ok(m) => m,
        Err(e) => return Run::failed(server, mode, format!("the driver did not run: {e}")),
    };
    let mut lines = BTreeMap::new();
    let mut unreadable = 0;
    for line in String::from_utf8_lossy(&measured.stdout).lines() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<DriverLine>(line) {
            Ok(parsed) => {
                lines.entry(parsed.index).or_insert(parsed);
            }
            Err(_) => unreadable += 1,
        }
    }
    let stderr = String::from_utf8_lossy(&measured.stderr);
    let last_words = stderr
        .lines()
        .filter(|l| !l.trim().is_empty())
        .rev()
        .take(3)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect::<Vec<_>>()
        .join(" / ");
    let mut trouble = Vec::new();
    if measured.timed_out {
        trouble.push(format!(
            "the driver was stopped after {} s",
            limit.as_secs_f64()
        ));
    } else if !measured.status.success() {
        trouble.push(format!("the driver ended with {}", measured.status));
    }
    if unreadable > 0 {
        trouble.push(format!(
            "{unreadable} lines of its output were not driver records"
        ));
    }
    if !trouble.is_empty() && !last_words.is_empty() {
        trouble.push(format!("its last words: {}", truncate(&last_words, 600)));
    }
    let mut exchanges: BTreeMap<usize, Vec<Exchange>> = BTreeMap::new();
    let mut unprefixed = Vec::new();
    for exchange in proxy.take() {
        match (exchange.index, exchange.mode.as_deref()) {
            (Some(index), Some(m)) if m == mode.name() => {
                exchanges.entry(index).or_default().push(exchange)
            }
            _ => unprefixed.push(exchange),
        }
    }
    Run {
        server,
        mode,
        failure: None,
        driver_trouble: (!trouble.is_empty()).then(|| trouble.join("; ")),
        lines,
        exchanges,
        unprefixed,
    }
}

/// One exchange as a line of `exchanges.jsonl`, its bodies as (lossy, cut) text.
fn exchange_line(run: &str, exchange: &Exchange) -> String {
    let text = |bytes: &[u8]| truncate(&String::from_utf8_lossy(bytes), 4000);
    let mut value = serde_json::to_value(exchange).unwrap_or_default();
    if let Some(object) = value.as_object_mut() {
        object.insert("run".into(), run.into());
        object.insert("request_body".into(), text(&exchange.request_body).into());
        object.insert("response_body".into(), text(&exchange.response_body).into());
    }
    value.to_string()
}

/// Every exchange of the runs, for a person looking into a verdict:
/// `target/conformance/work/<slug>/exchanges.jsonl`.
fn write_exchanges(prepared: &Prepared, runs: &[Run]) {
    let mut out = String::new();
    for run in runs {
        let name = run.name();
        for exchange in run.exchanges.values().flatten().chain(&run.unprefixed) {
            out.push_str(&exchange_line(&name, exchange));
            out.push('\n');
        }
    }
    if let Some(dir) = prepared.args.parent().and_then(|driver| driver.parent()) {
        let path = dir.join("exchanges.jsonl");
        if let Err(e) = crate::util::fs::write_file(&path, &out) {
            eprintln!("xtask conformance: {e}");
        }
    }
}

/// The four runs of a spec that was built; nothing when it was not.
pub fn judge(prepared: &Prepared, launch: &Launch, driver_base: Duration) -> Vec<Run> {
    let (Some(driver), Some(generated)) = (&prepared.driver, &prepared.generated) else {
        return Vec::new();
    };
    let limit = driver_limit(driver_base, generated.operations.len());
    let mut runs = Vec::new();
    for server in Server::ALL {
        let mut prism = match Prism::start(launch, &prepared.input.spec, server) {
            Ok(prism) => prism,
            Err(e) => {
                eprintln!(
                    "xtask conformance: {}: Prism {} did not start",
                    prepared.input.slug,
                    server.name()
                );
                for mode in Mode::ALL {
                    runs.push(Run::failed(
                        server,
                        mode,
                        format!("Prism cannot judge: {e}"),
                    ));
                }
                continue;
            }
        };
        let proxy = match Proxy::start(prism.addr) {
            Ok(proxy) => proxy,
            Err(e) => {
                for mode in Mode::ALL {
                    runs.push(Run::failed(server, mode, e.clone()));
                }
                continue;
            }
        };
        for mode in Mode::ALL {
            let mut run = run_driver(prepared, driver, &proxy, server, mode, limit);
            if !prism.running() {
                let note = format!("Prism exited during the run: {}", prism.output(10));
                run.driver_trouble = Some(match run.driver_trouble {
                    Some(t) => format!("{t}; {note}"),
                    None => note,
                });
            }
            eprintln!(
                "xtask conformance: {}: {}: {} of {} operations answered{}",
                prepared.input.slug,
                run.name(),
                run.lines.len(),
                generated.operations.len(),
                run.driver_trouble
                    .as_deref()
                    .map(|t| format!(" ({})", truncate(t, 200)))
                    .unwrap_or_default()
            );
            runs.push(run);
        }
    }
    write_exchanges(prepared, &runs);
    runs
}

/// One violation from Prism (`sl-violations` or a problem document's `validation`).
#[derive(Debug, Deserialize)]
struct Violation {
    #[serde(default)]
    location: Vec<serde_json::Value>,
    #[serde(default)]
    severity: Option<String>,
    #[serde(default)]
    message: Option<String>,
}

impl Violation {
    fn on_request(&self) -> bool {
        self.location.first().and_then(|l| l.as_str()) != Some("response")
    }

    fn text(&self) -> String {
        let location: Vec<String> = self
            .location
            .iter()
            .map(|l| match l {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect();
        let severity = match self.severity.as_deref() {
            Some("Error") | None => String::new(),
            Some(other) => format!(" ({})", other.to_lowercase()),
        };
        format!(
            "{}: {}{severity}",
            location.join("."),
            self.message.as_deref().unwrap_or("(no message)")
        )
    }
}

/// The violations Prism reported on one exchange.
#[derive(Debug, Default)]
struct Findings {
    /// Of the request: the client's fault.
    request: Vec<String>,
    /// Of Prism's own response: not held against the client.
    response: Vec<String>,
    /// Prism failed on its own (a problem document that is not about the request): the
    /// exchange cannot be judged.
    prism: Vec<String>,
}

/// Prism's problem types that are about the request (the rest are Prism's own failures,
/// such as `UNKNOWN` or `NO_RESPONSE_DEFINED`).
const REQUEST_PROBLEMS: [&str; 7] = [
    "UNPROCESSABLE_ENTITY",
    "UNAUTHORIZED",
    "NO_PATH_MATCHED_ERROR",
    "NO_METHOD_MATCHED_ERROR",
    "NO_SERVER_MATCHED_ERROR",
    "INVALID_CONTENT_TYPE",
    "NOT_ACCEPTABLE",
];

/// The entries of a list Prism cut short (`Too many violations! [{…},{…},{"loc`): the
/// complete ones, or `None` when not even one is complete.
fn cut_list(text: &str) -> Option<Vec<Violation>> {
    let start = text.find('[')?;
    let list = &text[start..];
    let mut end = list.len();
    while let Some(at) = list[..end].rfind("},{") {
        if let Ok(entries) = serde_json::from_str::<Vec<Violation>>(&format!("{}}}]", &list[..at]))
        {
            return Some(entries);
        }
        end = at;
    }
    None
}

/// What Prism found in one exchange: its `sl-violations` header (request violations come
/// first in it, then response ones) and its own problem document, if it sent one.
fn findings(exchange: &Exchange) -> Findings {
    let mut found = Findings::default();
    if let Some(header) = &exchange.violations {
        let list = serde_json::from_str::<Vec<Violation>>(header)
            .ok()
            .or_else(|| cut_list(header));
        match list {
            Some(list) => {
                for v in list {
                    if v.on_request() {
                        found.request.push(v.text());
                    } else {
                        found.response.push(v.text());
                    }
                }
            }
            None => found.request.push(truncate(header, 400)),
        }
    }
    if let Some((code, problem)) = prism_problem(exchange) {
        if REQUEST_PROBLEMS.contains(&code.as_str()) {
            found.request.push(problem);
        } else {
            found.prism.push(problem);
        }
    }
    found
}

/// The code and text of Prism's own problem document (`type` under
/// stoplight.io/prism/errors), when Prism answered with one instead of a response of the
/// spec.
fn prism_problem(exchange: &Exchange) -> Option<(String, String)> {
    let body: serde_json::Value = serde_json::from_slice(&exchange.response_body).ok()?;
    let kind = body.get("type")?.as_str()?;
    let code = kind.strip_prefix("https://stoplight.io/prism/errors#")?;
    let field = |name: &str| body.get(name).and_then(|v| v.as_str()).unwrap_or("");
    let mut text = format!(
        "Prism {} {code}: {}",
        exchange.status.map_or("-".into(), |s| s.to_string()),
        field("title")
    );
    let detail = field("detail");
    if !detail.is_empty() {
        // Prism's own failures carry a stack trace; its first line says enough.
        let detail = detail.lines().next().unwrap_or("");
        text.push_str(&format!(" ({detail})"));
    }
    if let Some(list) = body.get("validation").cloned()
        && let Ok(list) = serde_json::from_value::<Vec<Violation>>(list)
    {
        let items: Vec<String> = list.iter().map(Violation::text).collect();
        if !items.is_empty() {
            text.push_str(": ");
            text.push_str(&items.join("; "));
        }
    }
    Some((code.to_string(), text))
}

/// What Prism says when dynamic mode meets a response the spec gives no schema for.
const NO_SCHEMA_TO_MOCK: &str = "but schema is not defined";

/// An operation's record in one run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Verdict {
    pub built: bool,
    pub accepted: bool,
    pub decoded: bool,
    /// What failed, as (property, reason).
    pub reasons: Vec<(&'static str, String)>,
    /// Violations Prism found in its own response (not held against the client).
    pub response_notes: Vec<String>,
    /// Why this run cannot judge decoding (the other runs do): the response did not
    /// decode but Prism found that it broke the spec, or Prism had no schema to generate
    /// a response from.
    pub decode_unjudged: Option<String>,
    pub status: Option<u16>,
}

/// The record of operation `index` in `run`.
pub fn verdict(run: &Run, index: usize) -> Verdict {
    let mut verdict = Verdict::default();
    if let Some(failure) = &run.failure {
        verdict.reasons.push(("run", failure.clone()));
        return verdict;
    }
    let trouble = || {
        run.driver_trouble
            .as_deref()
            .map(|t| format!(" ({t})"))
            .unwrap_or_default()
    };
    let Some(line) = run.lines.get(&index) else {
        verdict
            .reasons
            .push(("built", format!("the driver did not reach it{}", trouble())));
        return verdict;
    };
    verdict.status = line.status;
    verdict.built = line.built;
    if !line.built {
        let refused = line.refused.as_deref().unwrap_or("no reason given");
        verdict.reasons.push((
            "built",
            format!("the client refused the arguments: {refused}"),
        ));
        return verdict;
    }
    let exchanges = run.exchanges.get(&index).map(Vec::as_slice).unwrap_or(&[]);
    if exchanges.is_empty() {
        let why = line
            .error
            .as_deref()
            .map(|e| format!(" (the driver's error: {e})"))
            .unwrap_or_default();
        verdict
            .reasons
            .push(("accepted", format!("the proxy saw no request for it{why}")));
    } else {
        let mut problems = Vec::new();
        let mut prism_failures = Vec::new();
        for exchange in exchanges {
            if let Some(error) = &exchange.error {
                problems.push(format!("the proxy: {error}"));
            }
            let found = findings(exchange);
            problems.extend(found.request);
            verdict.response_notes.extend(found.response);
            prism_failures.extend(found.prism);
        }
        problems.dedup();
        prism_failures.dedup();
        if problems.is_empty() {
            verdict.accepted = true;
        } else {
            verdict.reasons.push(("accepted", problems.join("; ")));
        }
        // Asked for a response generated from a schema the spec does not give, Prism
        // answers 500 after validating the request: there is nothing in this run to
        // decode, and the runs with the spec's examples judge decoding.
        let (unschemed, prism_failures): (Vec<String>, Vec<String>) = prism_failures
            .into_iter()
            .partition(|f| f.contains(NO_SCHEMA_TO_MOCK));
        if !unschemed.is_empty() {
            verdict.decoded = line.decoded;
            verdict.decode_unjudged = Some(format!(
                "Prism cannot generate this response: the spec gives it no schema ({}); the \
                 runs with the spec's examples judge decoding",
                unschemed.join("; ")
            ));
            return verdict;
        }
        if !prism_failures.is_empty() {
            verdict.reasons.push((
                "run",
                format!("Prism cannot judge: {}", prism_failures.join("; ")),
            ));
        }
    }
    verdict.decoded = line.decoded;
    if !line.decoded && !verdict.response_notes.is_empty() {
        verdict.decode_unjudged =
            Some("the response did not decode, and Prism found that it broke the spec".to_string());
        return verdict;
    }
    if !line.decoded {
        let reason = match (&line.decode_error, &line.error) {
            (Some(decode), _) => format!("status {}: {decode}", status_text(line.status)),
            (None, Some(error)) => error.clone(),
            (None, None) => format!(
                "status {}: the response did not decode (no reason given)",
                status_text(line.status)
            ),
        };
        verdict.reasons.push(("decoded", reason));
    }
    verdict
}

fn status_text(status: Option<u16>) -> String {
    status.map_or("none".into(), |s| s.to_string())
}

#[cfg(test)]
#[path = "judge_tests.rs"]
mod tests;
