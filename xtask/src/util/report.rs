//! Writing a task's report: `report.json` (the data, pretty-printed) and `report.md`.

use serde::Serialize;
use std::path::Path;

/// Pretty-printed JSON with a final newline.
pub fn write_json(path: &Path, value: &impl Serialize) -> Result<(), String> {
    let json = serde_json::to_string_pretty(value)
        .map_err(|e| format!("error: cannot encode {}: {e}", path.display()))?;
    super::fs::write_file(path, &(json + "\n"))
}

/// `dir/report.json` from `report` and `dir/report.md` from `markdown`.
pub fn write_report(dir: &Path, report: &impl Serialize, markdown: &str) -> Result<(), String> {
    write_json(&dir.join("report.json"), report)?;
    super::fs::write_file(&dir.join("report.md"), markdown)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_both_files() {
        let dir = std::env::temp_dir().join(format!("xtask-report-{}", std::process::id()));
        write_report(&dir, &serde_json::json!({"a": 1}), "# A\n").expect("writes");
        assert_eq!(
            std::fs::read_to_string(dir.join("report.json")).ok(),
            Some("{\n  \"a\": 1\n}\n".into())
        );
        assert_eq!(
            std::fs::read_to_string(dir.join("report.md")).ok(),
            Some("# A\n".into())
        );
        super::super::fs::remove_dir_if_present(&dir).expect("removes");
    }
}
