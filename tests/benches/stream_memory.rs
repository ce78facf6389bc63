//! Peak memory of streaming a zone's certificates page by page: it must not grow with
//! the number of certificates.
//!
//! The fake API runs in this process; each measurement runs in a child process (this
//! binary again, told what to do by the environment) that only streams, so that its peak
//! resident set size (`wait4`'s `ru_maxrss`) is the client's alone. Every count is
//! streamed by the generated client's `.stream()` and by the hand-written baseline loop.
//!
//! Run with `cargo bench -p apigen-tests --bench stream_memory`. It prints a table, then
//! one line starting with `STREAM_MEMORY_JSON ` that `cargo xtask bench` reads.
//! `APIGEN_STREAM_COUNTS` (comma-separated) and `APIGEN_STREAM_RUNS` change what it runs.

mod common;

use cloudflare_client_certificates::models::ZoneId;
use std::io::Read;
use std::process::{Command, Stdio};
use std::time::Instant;

use apigen_tests::fake_api::FakeApi;
use futures_util::TryStreamExt;
use serde_json::json;

/// Set in a child: `MODE ZONE COUNT BASE_URL`.
const CHILD_ENV: &str = "APIGEN_STREAM_CHILD";
const DEFAULT_COUNTS: [usize; 3] = [1_000, 10_000, 100_000];
const DEFAULT_RUNS: usize = 3;
const MODES: [&str; 2] = ["generated", "baseline"];

fn main() {
    if let Ok(spec) = std::env::var(CHILD_ENV) {
        child(&spec);
        return;
    }
    // `cargo bench` passes `--bench` (and any filter); there is nothing to filter here.
    parent();
}

/// Streams every certificate of the zone and prints how many there were.
fn child(spec: &str) {
    let parts: Vec<&str> = spec.split_whitespace().collect();
    let [mode, zone, count, base_url] = parts[..] else {
        panic!("{CHILD_ENV} must be `MODE ZONE COUNT BASE_URL`, got {spec:?}");
    };
    let expected: usize = count.parse().expect("count");
    let rt = common::runtime();
    let started = Instant::now();
    let seen = rt.block_on(async {
        let mut seen = 0usize;
        match mode {
            "generated" => {
                let client = common::generated(base_url);
                let mut stream = client
                    .client_certificates()
                    .list(&ZoneId::new(zone))
                    .per_page(common::PER_PAGE as i64)
                    .stream();
                while let Some(cert) = stream.try_next().await.expect("generated stream") {
                    std::hint::black_box(&cert);
                    seen += 1;
                }
            }
            "baseline" => {
                common::Baseline::new(base_url)
                    .for_each(zone, |cert| {
                        std::hint::black_box(&cert);
                        seen += 1;
                    })
                    .await
                    .expect("baseline loop");
            }
            other => panic!("unknown mode {other:?}"),
        }
        seen
    });
    assert_eq!(seen, expected, "{mode}: streamed {seen} of {expected}");
    println!(
        "{}",
        json!({"items": seen, "ms": started.elapsed().as_secs_f64() * 1000.0})
    );
}

/// A zone identifier (32 lowercase hexadecimal characters) per count.
fn zone_for(index: usize) -> String {
    format!("{:032x}", 0xbe9c_0000_u64 + index as u64)
}

struct ChildResult {
    max_rss_kib: u64,
    wall_ms: f64,
}

/// Runs one child and returns its peak resident set size.
// The child is reaped by `wait4` (which also reports its peak RSS), not by `Child::wait`.
#[allow(clippy::zombie_processes)]
fn run_child(mode: &str, zone: &str, count: usize, base_url: &str) -> ChildResult {
    let exe = std::env::current_exe().expect("this binary");
    let started = Instant::now();
    let mut child = Command::new(exe)
        .env(CHILD_ENV, format!("{mode} {zone} {count} {base_url}"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start a child");
    let mut out = String::new();
    if let Some(mut stdout) = child.stdout.take() {
        let _ = stdout.read_to_string(&mut out);
    }
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: an all-zero `rusage` is a valid value of this plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is our own child, not yet reaped (std never waited for it), and both
    // pointers are to live, writable locals.
    let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(reaped, pid, "wait4: {}", std::io::Error::last_os_error());
    let wall_ms = started.elapsed().as_secs_f64() * 1000.0;
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "{mode} child for {count} failed (status {status}): {out}"
    );
    ChildResult {
        max_rss_kib: usage.ru_maxrss as u64,
        wall_ms,
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n == 0 {
        return 0.0;
    }
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

fn parent() {
    let counts: Vec<usize> = match std::env::var("APIGEN_STREAM_COUNTS") {
        Ok(text) => text
            .split(',')
            .map(|c| c.trim().parse().expect("APIGEN_STREAM_COUNTS: numbers"))
            .collect(),
        Err(_) => DEFAULT_COUNTS.to_vec(),
    };
    let runs: usize = std::env::var("APIGEN_STREAM_RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(DEFAULT_RUNS)
        .max(1);
    let rt = common::runtime();
    let fake = rt.block_on(FakeApi::start());
    fake.set_recording(false);
    let zones: Vec<String> = counts
        .iter()
        .enumerate()
        .map(|(i, &count)| {
            let zone = zone_for(i);
            fake.seed(&zone, count);
            zone
        })
        .collect();

    println!("streaming memory: peak RSS of a child process streaming N certificates");
    println!(
        "{:>10}  {:>10}  {:>14}  {:>10}",
        "mode", "count", "peak RSS MiB", "wall ms"
    );
    let mut results = Vec::new();
    for mode in MODES {
        for (count, zone) in counts.iter().zip(&zones) {
            let runs: Vec<ChildResult> = (0..runs)
                .map(|_| {
                    let base_url = fake.base_url.clone();
                    let zone = zone.clone();
                    let count = *count;
                    rt.block_on(async move {
                        tokio::task::spawn_blocking(move || {
                            run_child(mode, &zone, count, &base_url)
                        })
                        .await
                        .expect("child thread")
                    })
                })
                .collect();
            let rss = median(runs.iter().map(|r| r.max_rss_kib as f64).collect());
            let wall = median(runs.iter().map(|r| r.wall_ms).collect());
            println!(
                "{mode:>10}  {count:>10}  {:>14.1}  {wall:>10.0}",
                rss / 1024.0
            );
            results.push(json!({
                "mode": mode,
                "count": count,
                "runs": runs.len(),
                "max_rss_kib": rss,
                "wall_ms": wall,
            }));
        }
    }
    println!("STREAM_MEMORY_JSON {}", json!({ "results": results }));
}
