//! Running the children, one per document, and deciding each document's class from how
//! its child ended.

use super::child::{ChildReport, Class};
use super::fetch::Doc;
use crate::util::measure::{Limits, Measured, measure};
use crate::util::parallel;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;
use std::io::IsTerminal;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Command;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// Documents at least this large are generated one at a time, each with every core.
const ALONE_BYTES: u64 = 16 << 20;

/// `xtask corpus-one`, to be given the document and its options.
pub fn child_command(exe: &Path) -> Command {
    let mut command = Command::new(exe);
    command
        .arg0("xtask")
        .arg("corpus-one")
        .env("RUST_BACKTRACE", "0");
    command
}

/// Decide a document's class from how its child ended.
pub fn classify(run: &Measured, limits: &Limits) -> ChildReport {
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
    if let Some(report) = crate::util::child::read_report::<ChildReport>(&run.stdout) {
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
                limits.memory_mib()
            ),
        );
    }
    if run.signal() == Some(libc::SIGKILL) {
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
    let how = match run.signal() {
        Some(signal) => format!("killed by signal {signal}"),
        None => format!("{}", run.status),
    };
    ChildReport::failed(Class::Panicked, wall_ms, format!("crashed ({how}): {last}"))
}

/// One document's result.
#[derive(Debug, Clone, Serialize)]
pub struct DocResult {
    pub path: String,
    pub bytes: u64,
    /// Wall time of the child process, start to exit, in milliseconds.
    pub wall_ms: f64,
    /// An OpenAPI 3.1 document (else 3.0).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub openapi_3_1: bool,
    #[serde(flatten)]
    pub report: ChildReport,
}

#[derive(Default, Clone, Copy)]
pub struct Counts([usize; 6]);

impl Counts {
    pub fn add(&mut self, class: Class) {
        self.0[class as usize] += 1;
    }

    pub fn get(&self, class: Class) -> usize {
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
pub struct Progress {
    pub bar: ProgressBar,
    pub plain: bool,
    pub total: usize,
    pub done: AtomicUsize,
    pub counts: Mutex<Counts>,
}

impl Progress {
    pub fn new(total: usize, what: &str) -> Progress {
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

    pub fn finished(&self, class: Class) {
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

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

pub fn generate_all(
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
        let mut command = child_command(exe);
        command.arg(&doc.path).arg("--spec-name").arg(&doc.rel);
        let run = measure(&mut command, limits)?;
        let report = classify(&run, limits);
        progress.finished(report.class);
        Ok::<_, String>(DocResult {
            path: doc.rel.clone(),
            bytes: doc.bytes,
            wall_ms: run.wall.as_secs_f64() * 1000.0,
            openapi_3_1: doc.v31,
            report,
        })
    };
    let mut outcomes = parallel::map(&order[..split], 1, one);
    outcomes.extend(parallel::map(&order[split..], jobs, one));
    progress.finish();
    let mut results = outcomes.into_iter().collect::<Result<Vec<_>, String>>()?;
    results.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(results)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::process::ExitStatusExt;
    use std::process::ExitStatus;

    fn ended(status: i32, stdout: &str, stderr: &str) -> Measured {
        Measured {
            status: ExitStatus::from_raw(status),
            timed_out: false,
            wall: Duration::from_millis(5),
            max_rss_kib: 0,
            stdout: stdout.as_bytes().to_vec(),
            stderr: stderr.as_bytes().to_vec(),
        }
    }

    #[test]
    fn classifies_how_a_child_ended() {
        let limits = Limits::new(Duration::from_secs(1), Some(1 << 30));
        let class = |run: Measured| classify(&run, &limits).class;
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
    fn counts_by_class() {
        let mut counts = Counts::default();
        counts.add(Class::Clean);
        counts.add(Class::Clean);
        counts.add(Class::TimedOut);
        assert_eq!(counts.get(Class::Clean), 2);
        assert_eq!(
            counts.summary(),
            "clean 2 · warn 0 · refused 0 · panic 0 · timeout 1 · oom 0"
        );
    }
}
