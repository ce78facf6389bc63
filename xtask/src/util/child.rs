//! The hidden child commands (`bench-codegen`, `corpus-one`) report to their parent with
//! one line of JSON on stdout; anything else they print goes to stderr.

use serde::Serialize;
use serde::de::DeserializeOwned;
use std::io::Write;
use std::process::ExitCode;

/// Print `report` as the child's line of JSON.
pub fn print_report(report: &impl Serialize) -> Result<(), String> {
    let line = serde_json::to_string(report)
        .map_err(|e| format!("error: cannot encode the result: {e}"))?;
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{line}")
        .and_then(|()| stdout.flush())
        .map_err(|e| format!("error: cannot print the result: {e}"))
}

/// The last line of a child's stdout that is a report.
pub fn read_report<T: DeserializeOwned>(stdout: &[u8]) -> Option<T> {
    String::from_utf8_lossy(stdout)
        .lines()
        .rev()
        .find_map(|line| serde_json::from_str(line).ok())
}

/// A child's exit: 0 when it reported, 2 with the message on stderr when it could not
/// (a panic exits with 101).
pub fn exit(result: Result<(), String>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_report_line_wins() {
        let stdout = b"noise\n{\"n\":1}\n{\"n\":2}\ntrailing text\n";
        let report: Option<serde_json::Value> = read_report(stdout);
        assert_eq!(report, Some(serde_json::json!({"n": 2})));
        assert_eq!(read_report::<serde_json::Value>(b"none here\n"), None);
    }
}
