//! The generated client at run time: criterion benchmarks and the streaming-memory bench
//! of `apigen-tests`, against a hand-written `reqwest` baseline.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Stdio};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Comparison {
    pub name: String,
    /// Criterion medians.
    pub generated_us: f64,
    pub baseline_us: f64,
    pub ratio: f64,
    /// Median of the per-round ratios of the paired (ABBA) run, when it ran.
    #[serde(default)]
    pub paired_ratio: Option<f64>,
}

impl Comparison {
    /// The ratio the targets use: the paired one when there is one.
    pub fn best_ratio(&self) -> f64 {
        self.paired_ratio.unwrap_or(self.ratio)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StreamPoint {
    pub mode: String,
    pub count: u64,
    pub max_rss_mib: f64,
    pub wall_ms: f64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ClientResults {
    pub operations: Vec<Comparison>,
    pub pagination: Option<Comparison>,
    pub streaming: Vec<StreamPoint>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
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
    let cargo = crate::util::cargo();
    super::progress(&format!(
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

/// Streaming points from the `STREAM_MEMORY_JSON {...}` line the bench prints.
fn stream_points(stdout: &str) -> Result<Vec<StreamPoint>, String> {
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("STREAM_MEMORY_JSON "))
        .ok_or("error: the stream_memory bench printed no result")?;
    let value: Value =
        serde_json::from_str(line).map_err(|e| format!("error: stream_memory: {e}"))?;
    Ok(value["results"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| StreamPoint {
            mode: r["mode"].as_str().unwrap_or("").to_string(),
            count: r["count"].as_u64().unwrap_or(0),
            max_rss_mib: r["max_rss_kib"].as_f64().unwrap_or(0.0) / 1024.0,
            wall_ms: r["wall_ms"].as_f64().unwrap_or(0.0),
        })
        .collect())
}

/// Both benches; a failing one is recorded in `error`, the other still reported.
pub fn bench(root: &Path) -> ClientResults {
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
        results.streaming = stream_points(&stdout)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_streaming_points() {
        let stdout = "noise\nSTREAM_MEMORY_JSON {\"results\":[{\"mode\":\"generated\",\"count\":10,\"max_rss_kib\":2048,\"wall_ms\":5}]}\n";
        let points = stream_points(stdout).expect("parses");
        assert_eq!(points.len(), 1);
        assert_eq!(points[0].mode, "generated");
        assert_eq!(points[0].max_rss_mib, 2.0);
        assert!(stream_points("nothing\n").is_err());
    }
}
