//! How one run of a tool ended, and a one-line reason when it failed.

use crate::util::measure::{Limits, Measured};
use crate::util::text::truncate;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Ok,
    Fails,
    TimedOut,
    OutOfMemory,
    NotRun,
}

impl Outcome {
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Fails => "fails",
            Outcome::TimedOut => "timed out",
            Outcome::OutOfMemory => "out of memory",
            Outcome::NotRun => "not run",
        }
    }
}

/// How a run that did not succeed ended: the outcome and a one-line reason.
pub fn failure(measured: &Measured, limits: &Limits) -> (Outcome, String) {
    let stderr = String::from_utf8_lossy(&measured.stderr);
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
    if measured.timed_out {
        return (
            Outcome::TimedOut,
            format!(
                "no result within the {} s time limit",
                limits.timeout.as_secs()
            ),
        );
    }
    if stderr.contains("memory allocation of") || stderr.contains("out of memory") {
        return (
            Outcome::OutOfMemory,
            format!(
                "{first_error} (address space limited to {} MiB)",
                limits.memory_mib()
            ),
        );
    }
    let how = match (measured.exit(), measured.signal()) {
        (Some(code), _) => format!("exit {code}"),
        (None, Some(signal)) => format!("killed by signal {signal}"),
        (None, None) => "ended abnormally".to_string(),
    };
    (
        Outcome::Fails,
        format!("{how}: {}", truncate(&first_error, 200)),
    )
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util::measure::measure;
    use std::os::unix::process::ExitStatusExt;
    use std::process::{Command, ExitStatus};
    use std::time::Duration;

    fn ended(status: i32, stderr: &str) -> Measured {
        Measured {
            status: ExitStatus::from_raw(status),
            timed_out: false,
            wall: Duration::from_millis(5),
            max_rss_kib: 0,
            stdout: Vec::new(),
            stderr: stderr.as_bytes().to_vec(),
        }
    }

    #[test]
    fn a_child_past_its_time_limit_timed_out() {
        let limits = Limits::new(Duration::from_millis(200), None);
        let measured = measure(Command::new("sleep").arg("30"), &limits).expect("sleep runs");
        assert_eq!(failure(&measured, &limits).0, Outcome::TimedOut);
    }

    #[test]
    fn reasons_name_the_first_error() {
        let limits = Limits::new(Duration::from_secs(1), Some(64 << 20));
        let (outcome, why) = failure(&ended(1 << 8, "note\nerror: no such file\n"), &limits);
        assert_eq!(outcome, Outcome::Fails);
        assert_eq!(why, "exit 1: error: no such file");
        let (outcome, why) = failure(
            &ended(libc::SIGABRT, "memory allocation of 8 bytes failed\n"),
            &limits,
        );
        assert_eq!(outcome, Outcome::OutOfMemory);
        assert_eq!(
            why,
            "memory allocation of 8 bytes failed (address space limited to 64 MiB)"
        );
        let panic = "thread 'main' panicked at /r/registry/src/index-1/x-1.0/src/a.rs:1:2:\nboom\n";
        let (_, why) = failure(&ended(101 << 8, panic), &limits);
        assert_eq!(
            why,
            "exit 101: thread 'main' panicked at x-1.0/src/a.rs:1:2: boom"
        );
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
}
