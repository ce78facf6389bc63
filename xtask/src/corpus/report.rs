//! The report of a corpus run: classes, the slowest documents, failures and warnings by
//! kind, and the compile sample; as JSON, Markdown and a summary on stderr.

use super::child::{Class, Located};
use super::compile::{CrateFailure, ErrorKind, SampleReport};
use super::fetch::Scan;
use super::run::{Counts, DocResult};
use super::{EXAMPLES, PACKAGE, PACKAGE_VERSION};
use crate::util::measure::Limits;
use crate::util::stats::median;
use crate::util::text::{elide_middle, inline_code, message_kind};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

/// How many of the slowest documents the report lists.
const SLOWEST: usize = 10;

#[derive(Serialize)]
pub struct Example {
    pub path: String,
    pub pointer: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
    pub message: String,
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
pub struct FailureKind {
    pub class: Class,
    pub kind: String,
    pub documents: usize,
    pub examples: Vec<Example>,
}

#[derive(Serialize)]
pub struct WarningKind {
    pub kind: String,
    pub documents: usize,
    pub occurrences: usize,
    pub examples: Vec<Example>,
}

#[derive(Serialize)]
pub struct Slow {
    pub path: String,
    pub class: Class,
    pub wall_ms: f64,
    pub generate_ms: f64,
    pub bytes: u64,
}

#[derive(Serialize)]
pub struct Skipped {
    pub swagger_2: usize,
    pub other: Vec<(String, String)>,
}

#[derive(Serialize)]
pub struct Report {
    pub package: String,
    pub documents: usize,
    pub openapi_3_0: usize,
    pub openapi_3_1: usize,
    pub skipped: Skipped,
    pub classes: BTreeMap<Class, usize>,
    /// Clean plus with warnings: what the ratchet counts.
    pub generated: usize,
    /// Of `generated`, the OpenAPI 3.1 documents.
    pub generated_3_1: usize,
    pub limits: BTreeMap<&'static str, f64>,
    pub wall_seconds: f64,
    /// Median time of one child process, start to exit (parsing included).
    pub median_wall_ms: f64,
    /// Median time generating in the child (load, lower, emit).
    pub median_generate_ms: f64,
    pub files_generated: usize,
    pub lines_generated: usize,
    pub slowest: Vec<Slow>,
    pub failure_kinds: Vec<FailureKind>,
    pub warning_kinds: Vec<WarningKind>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compile_sample: Option<SampleReport>,
    pub compile_all: Option<super::compile_all::CompileAll>,
    pub results: Vec<DocResult>,
}

impl Report {
    pub fn new(scan: &Scan, results: Vec<DocResult>, wall: Duration, limits: &Limits) -> Report {
        let mut counts = Counts::default();
        for r in &results {
            counts.add(r.report.class);
        }
        let classes = Class::ALL.iter().map(|c| (*c, counts.get(*c))).collect();
        let generated = counts.get(Class::Clean) + counts.get(Class::Warnings);
        let generated_3_1 = results
            .iter()
            .filter(|r| r.openapi_3_1 && r.report.class.generated())
            .count();

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
                    _ => message_kind(&first.message),
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
            openapi_3_0: scan.openapi.len() - scan.openapi_31(),
            openapi_3_1: scan.openapi_31(),
            skipped: Skipped {
                swagger_2: scan.swagger_2,
                other: scan.other.clone(),
            },
            classes,
            generated,
            generated_3_1,
            limits: BTreeMap::from([
                ("timeout_seconds", limits.timeout.as_secs_f64()),
                ("memory_mib", limits.memory_mib() as f64),
            ]),
            wall_seconds: wall.as_secs_f64(),
            median_wall_ms: median(&results.iter().map(|r| r.wall_ms).collect::<Vec<_>>())
                .unwrap_or(0.0),
            median_generate_ms: median(&results.iter().map(|r| r.report.ms).collect::<Vec<_>>())
                .unwrap_or(0.0),
            files_generated: results.iter().map(|r| r.report.files).sum(),
            lines_generated: results.iter().map(|r| r.report.lines).sum(),
            slowest,
            failure_kinds,
            warning_kinds,
            compile_sample: None,
            compile_all: None,
            results,
        }
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
        format!(" {}", inline_code(&elide_middle(&e.pointer, 160)))
    };
    format!(
        "  - {}{line}{pointer}: {}\n",
        inline_code(&e.path),
        elide_middle(e.message.lines().next().unwrap_or(""), 400)
    )
}

pub fn markdown(r: &Report) -> String {
    let mut md = String::new();
    let pct = |n: usize| {
        let run = r.openapi_3_0 + r.openapi_3_1;
        if run == 0 {
            0.0
        } else {
            100.0 * n as f64 / run as f64
        }
    };
    let _ = writeln!(md, "# Generator corpus run: {}\n", r.package);
    let _ = writeln!(
        md,
        "{} documents: **{} OpenAPI 3.0** and **{} OpenAPI 3.1** (run), {} Swagger 2.0 (skipped), {} other.\n\n\
         Generated: {} of the {} OpenAPI 3.0 documents, {} of the {} OpenAPI 3.1 documents.\n",
        r.documents,
        r.openapi_3_0,
        r.openapi_3_1,
        r.skipped.swagger_2,
        r.skipped.other.len(),
        r.generated - r.generated_3_1,
        r.openapi_3_0,
        r.generated_3_1,
        r.openapi_3_1,
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
        let _ = writeln!(md, "- skipped {}: {why}", inline_code(path));
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
            inline_code(&s.path),
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
            inline_code(&k.kind)
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
            inline_code(&k.kind)
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
        compile_failures(
            &mut md,
            &s.partial,
            &s.not_generated,
            &s.error_kinds,
            &s.failed,
        );
        warned_crates(&mut md, &s.warned);
    }
    if let Some(s) = &r.compile_all {
        let _ = writeln!(
            md,
            "\n## Compile all\n\n{} of {} crates pass `cargo check` ({} generated documents, in {} batches, \
             {} of them unchanged since an earlier check and kept; {} with rustc warnings; {:.0} s of checking).\n",
            s.passed,
            s.crates,
            s.documents,
            s.batches,
            s.resumed,
            s.crates_with_warnings,
            s.check_seconds
        );
        compile_failures(
            &mut md,
            &s.partial,
            &s.not_generated,
            &s.error_kinds,
            &s.failed,
        );
        warned_crates(&mut md, &s.warned);
    }
    md
}

/// The crates that compile with rustc warnings, each with its first one.
fn warned_crates(md: &mut String, warned: &[CrateFailure]) {
    for w in warned {
        let _ = writeln!(
            md,
            "- {} ({}) has {} rustc warning(s), the first: {}",
            w.package,
            inline_code(&w.document),
            w.errors,
            inline_code(&w.first_error)
        );
    }
}

fn compile_failures(
    md: &mut String,
    partial: &[(String, String, usize, usize, u64)],
    not_generated: &[CrateFailure],
    error_kinds: &[ErrorKind],
    failed: &[CrateFailure],
) {
    for (package, document, kept, total, bytes) in partial {
        let _ = writeln!(
            md,
            "- {package} ({}, {} MB of generated code) is checked with its first {kept} of {total} resource features: the whole crate needs more memory than `rustc` can have here.",
            inline_code(document),
            bytes >> 20
        );
    }
    for f in not_generated {
        let _ = writeln!(
            md,
            "- {} ({}) could not be written: {}",
            f.package,
            inline_code(&f.document),
            f.first_error
        );
    }
    if !error_kinds.is_empty() {
        let _ = writeln!(md, "### Errors by kind\n");
        for k in error_kinds {
            let _ = writeln!(
                md,
                "- {} crate(s), {} error(s): {}",
                k.crates,
                k.errors,
                inline_code(&k.kind)
            );
            for e in &k.examples {
                let _ = writeln!(md, "  - {}", inline_code(e));
            }
        }
        md.push('\n');
    }
    if !failed.is_empty() {
        let _ = writeln!(md, "### First error of each failing crate\n");
        for f in failed {
            let _ = writeln!(
                md,
                "- {} ({}), {} error(s): {}",
                f.package,
                inline_code(&f.document),
                f.errors,
                inline_code(&f.first_error)
            );
        }
    }
}

pub fn print_summary(root: &Path, corpus_dir: &Path, r: &Report) {
    let shown = corpus_dir
        .strip_prefix(root)
        .unwrap_or(corpus_dir)
        .display();
    eprintln!(
        "xtask corpus: {} OpenAPI 3.0 and {} OpenAPI 3.1 documents in {:.1} s (median {:.0} ms each)",
        r.openapi_3_0, r.openapi_3_1, r.wall_seconds, r.median_wall_ms
    );
    for class in Class::ALL {
        eprintln!(
            "  {:<26} {}",
            class.label(),
            r.classes.get(&class).copied().unwrap_or(0)
        );
    }
    eprintln!("  {:<26} {}", "generated (ratchet)", r.generated);
    eprintln!(
        "  {:<26} {} of {} (3.0), {} of {} (3.1)",
        "by version",
        r.generated - r.generated_3_1,
        r.openapi_3_0,
        r.generated_3_1,
        r.openapi_3_1
    );
    if let Some(s) = &r.compile_sample {
        eprintln!(
            "  compile sample: {} of {} crates pass cargo check",
            s.passed, s.crates
        );
    }
    if let Some(s) = &r.compile_all {
        eprintln!(
            "  compile all: {} of {} crates pass cargo check ({} batches unchanged since an earlier check)",
            s.passed, s.crates, s.resumed
        );
    }
    eprintln!("report: {shown}/report.md, {shown}/report.json");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn example_lines_show_the_place_and_the_first_line() {
        let example = Example::new(
            "api/x.yaml",
            &Located {
                message: "bad `thing`\nmore".into(),
                pointer: "#/paths".into(),
                line: Some(3),
                column: Some(5),
            },
        );
        assert_eq!(
            example_line(&example),
            "  - `api/x.yaml`:3:5 `#/paths`: bad `thing`\n"
        );
    }
}
