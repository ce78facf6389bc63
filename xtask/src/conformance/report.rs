//! The conformance report: per spec, how many operations conform, and every one that does
//! not with the reason and the run it failed in; written as `target/conformance/report.md`
//! and `report.json`, summed up in the `conformance:` line.

use super::build::Prepared;
use super::judge::{Mode, Run, run_name, verdict};
use super::prism::Server;
use super::specs::Group;
use crate::util::text::{inline_code, truncate};
use serde::Serialize;
use std::fmt::Write as _;

/// How long a reason may be in report.json (report.md shows less).
const REASON_CHARS: usize = 4000;
const MARKDOWN_REASON_CHARS: usize = 600;
/// Violations of Prism's own responses kept per operation.
const RESPONSE_NOTES: usize = 5;

/// Operation counts: all of them, those that conform, those for which each property held
/// in every run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub operations: usize,
    pub conforming: usize,
    pub built: usize,
    pub accepted: usize,
    pub decoded: usize,
}

impl Counts {
    fn add(&mut self, other: &Counts) {
        self.operations += other.operations;
        self.conforming += other.conforming;
        self.built += other.built;
        self.accepted += other.accepted;
        self.decoded += other.decoded;
    }

    /// The share that conforms, in percent (100 for no operations).
    pub fn percent(&self) -> f64 {
        if self.operations == 0 {
            100.0
        } else {
            100.0 * self.conforming as f64 / self.operations as f64
        }
    }

    /// The last line of a run.
    pub fn line(&self) -> String {
        format!(
            "conformance: {} of {} operations conform (built {}, accepted {}, decoded {})",
            self.conforming, self.operations, self.built, self.accepted, self.decoded
        )
    }
}

/// Why an operation failed in one run.
#[derive(Debug, Clone, Serialize)]
pub struct RunFailure {
    /// `static/required` …, or `-` when no run was made.
    pub run: String,
    /// `built`, `accepted`, `decoded`; `run`, `generate`, `compile` for the spec as a whole.
    pub property: String,
    pub reason: String,
    pub status: Option<u16>,
}

#[derive(Debug, Clone, Serialize)]
pub struct OperationReport {
    /// The driver's index; none for an operation the driver does not have.
    pub index: Option<usize>,
    pub operation_id: String,
    pub method: String,
    pub path: String,
    pub built: bool,
    pub accepted: bool,
    pub decoded: bool,
    pub failures: Vec<RunFailure>,
    /// Violations Prism found in its own responses (not held against the client).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub response_notes: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SpecReport {
    pub slug: String,
    pub spec: String,
    pub config: Option<String>,
    pub group: Group,
    /// The generated client's package, when it was generated.
    pub client_package: Option<String>,
    pub counts: Counts,
    /// Why the spec could not be judged at all (generate, compile).
    pub failure: Option<String>,
    pub notes: Vec<String>,
    /// Every operation that does not conform.
    pub failing: Vec<OperationReport>,
}

#[derive(Debug, Clone, Serialize)]
pub struct GroupReport {
    pub group: Group,
    pub label: String,
    pub specs: usize,
    pub counts: Counts,
    pub percent: f64,
    pub target_percent: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub runs: Vec<String>,
    pub prism: String,
    pub seed: String,
    pub wall_seconds: f64,
    pub totals: Counts,
    pub groups: Vec<GroupReport>,
    pub specs: Vec<SpecReport>,
    pub notes: Vec<String>,
}

/// One operation being judged.
struct Subject {
    index: Option<usize>,
    operation_id: String,
    method: String,
    path: String,
}

fn failure(run: &str, property: &str, reason: &str, status: Option<u16>) -> RunFailure {
    RunFailure {
        run: run.to_string(),
        property: property.to_string(),
        reason: truncate(reason, REASON_CHARS),
        status,
    }
}

/// The report of one spec from how it was prepared and its runs.
pub fn spec_report(prepared: &Prepared, runs: &[Run]) -> SpecReport {
    let input = &prepared.input;
    let mut notes = Vec::new();
    let declared = match &prepared.declared {
        Ok(list) => list.clone(),
        Err(e) => {
            notes.push(format!(
                "the document's operations could not be listed: {e}"
            ));
            Vec::new()
        }
    };
    let declared_id = |method: &str, path: &str, id: &Option<String>| {
        id.clone().unwrap_or_else(|| format!("{method} {path}"))
    };
    let mut subjects: Vec<Subject> = Vec::new();
    let mut missing: Vec<Subject> = Vec::new();
    if let Some(generated) = &prepared.generated {
        for op in &generated.operations {
            subjects.push(Subject {
                index: Some(op.index),
                operation_id: op.operation_id.clone(),
                method: op.method.to_ascii_uppercase(),
                path: op.path.clone(),
            });
        }
        for d in &declared {
            let covered = subjects
                .iter()
                .any(|s| s.method == d.method && s.path == d.path);
            if !covered {
                missing.push(Subject {
                    index: None,
                    operation_id: declared_id(&d.method, &d.path, &d.operation_id),
                    method: d.method.clone(),
                    path: d.path.clone(),
                });
            }
        }
    } else {
        for d in &declared {
            missing.push(Subject {
                index: None,
                operation_id: declared_id(&d.method, &d.path, &d.operation_id),
                method: d.method.clone(),
                path: d.path.clone(),
            });
        }
    }

    let mut counts = Counts::default();
    let mut failing = Vec::new();
    let mut judge = |subject: &Subject,
                     failures: Vec<RunFailure>,
                     properties: [bool; 3],
                     notes: Vec<String>| {
        counts.operations += 1;
        let [built, accepted, decoded] = properties;
        counts.built += usize::from(built);
        counts.accepted += usize::from(accepted);
        counts.decoded += usize::from(decoded);
        if built && accepted && decoded && failures.is_empty() {
            counts.conforming += 1;
            return;
        }
        failing.push(OperationReport {
            index: subject.index,
            operation_id: subject.operation_id.clone(),
            method: subject.method.clone(),
            path: subject.path.clone(),
            built,
            accepted,
            decoded,
            failures,
            response_notes: notes,
        });
    };
    let stage = prepared.failure.as_deref();
    let stage_property = |f: &str| {
        if f.starts_with("compile") {
            "compile"
        } else {
            "generate"
        }
    };
    for subject in &subjects {
        if let Some(f) = stage {
            judge(
                subject,
                vec![failure("-", stage_property(f), f, None)],
                [false; 3],
                Vec::new(),
            );
            continue;
        }
        let mut properties = [true; 3];
        let mut failures = Vec::new();
        let mut response_notes: Vec<String> = Vec::new();
        let index = subject.index.unwrap_or(usize::MAX);
        let mut decode_judged = 0;
        for run in runs {
            let v = verdict(run, index);
            properties[0] &= v.built;
            properties[1] &= v.accepted;
            if let Some(why) = &v.decode_unjudged {
                response_notes.push(format!("{}: decoding not judged: {why}", run.name()));
            } else {
                decode_judged += 1;
                properties[2] &= v.decoded;
            }
            for (property, reason) in &v.reasons {
                failures.push(failure(&run.name(), property, reason, v.status));
            }
            for note in v.response_notes {
                let note = format!(
                    "{}: Prism's own response broke the spec: {note}",
                    run.name()
                );
                if response_notes.len() < RESPONSE_NOTES && !response_notes.contains(&note) {
                    response_notes.push(note);
                }
            }
        }
        if decode_judged == 0 && !runs.is_empty() {
            properties[2] = false;
            failures.push(failure(
                "-",
                "decoded",
                "Prism cannot judge decoding: in every run its response broke the spec (see \
                 the notes) and did not decode",
                None,
            ));
        }
        if runs.len() < Server::ALL.len() * Mode::ALL.len() {
            properties = [false; 3];
            failures.push(failure(
                "-",
                "run",
                "the spec was not run against Prism",
                None,
            ));
        }
        judge(subject, failures, properties, response_notes);
    }
    let absent = match stage {
        Some(f) => f.to_string(),
        None => "the generated client has no operation for it".into(),
    };
    for subject in &missing {
        let property = stage.map_or("generate", stage_property);
        judge(
            subject,
            vec![failure("-", property, &absent, None)],
            [false; 3],
            Vec::new(),
        );
    }

    for run in runs {
        if let Some(trouble) = &run.driver_trouble {
            notes.push(format!("{}: {}", run.name(), truncate(trouble, 1000)));
        }
        if !run.unprefixed.is_empty() {
            let first = &run.unprefixed[0];
            notes.push(format!(
                "{}: {} requests without the /__apigen/{{mode}}/{{N}} prefix (the first: {} {})",
                run.name(),
                run.unprefixed.len(),
                first.method,
                first.target
            ));
        }
    }
    SpecReport {
        slug: input.slug.clone(),
        spec: input.shown.clone(),
        config: input
            .config
            .as_ref()
            .map(|c| apigen::load::shown_path(&crate::workspace_root(), c)),
        group: input.group,
        client_package: prepared
            .generated
            .as_ref()
            .map(|g| g.client_package.clone()),
        counts,
        failure: prepared.failure.clone(),
        notes,
        failing,
    }
}

/// The whole report.
pub fn report(specs: Vec<SpecReport>, seed: &str, wall_seconds: f64, notes: Vec<String>) -> Report {
    let mut totals = Counts::default();
    for spec in &specs {
        totals.add(&spec.counts);
    }
    let mut groups = Vec::new();
    for group in Group::ALL {
        let members: Vec<&SpecReport> = specs.iter().filter(|s| s.group == group).collect();
        if members.is_empty() {
            continue;
        }
        let mut counts = Counts::default();
        for spec in &members {
            counts.add(&spec.counts);
        }
        groups.push(GroupReport {
            group,
            label: group.label().into(),
            specs: members.len(),
            counts,
            percent: counts.percent(),
            target_percent: group.target_percent(),
        });
    }
    let runs = Server::ALL
        .iter()
        .flat_map(|s| Mode::ALL.iter().map(|m| run_name(*s, *m)))
        .collect();
    Report {
        runs,
        prism: "@stoplight/prism-cli 5.14.2 (tests/prism)".into(),
        seed: seed.into(),
        wall_seconds,
        totals,
        groups,
        specs,
        notes,
    }
}

fn target_text(group: &GroupReport) -> String {
    match group.target_percent {
        Some(t) if t >= 100.0 => "target 100%".into(),
        Some(t) => format!("target ≥{t}%"),
        None => "no target".into(),
    }
}

/// A cell of a Markdown table on one line, its pipes escaped.
fn cell(text: &str, max: usize) -> String {
    truncate(&text.replace('\n', " ").replace('|', "\\|"), max)
}

pub fn markdown(report: &Report) -> String {
    let mut md = String::from("# Conformance of the generated clients\n\n");
    let _ = writeln!(
        md,
        "{}.\n\nEach operation is called by the spec's generated driver in four runs ({}) \
         against {} through a recording proxy; it conforms when in every run the client \
         built the request (built), Prism found no violation in it (accepted) and the \
         response decoded into the typed result or error (decoded). Violations Prism finds in \
         its own responses are notes, not held against the client; an exchange Prism failed \
         on itself (its `UNKNOWN` and like problems) cannot be judged, so the operation does \
         not conform. Dynamic responses are seeded with `{}`. Every exchange is in \
         `target/conformance/work/<slug>/exchanges.jsonl`. {:.0} s.\n",
        report.totals.line(),
        report.runs.join(", "),
        report.prism,
        report.seed,
        report.wall_seconds
    );
    md.push_str(
        "| set | specs | operations | conform | built | accepted | decoded | share | target |\n",
    );
    md.push_str("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n");
    for g in &report.groups {
        let c = &g.counts;
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} | {} | {:.1}% | {} |",
            g.label,
            g.specs,
            c.operations,
            c.conforming,
            c.built,
            c.accepted,
            c.decoded,
            g.percent,
            target_text(g)
        );
    }
    for note in &report.notes {
        let _ = writeln!(md, "\n{note}");
    }
    md.push_str("\n## Specs\n\n| spec | slug | operations | conform | built | accepted | decoded | why not judged |\n");
    md.push_str("| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |\n");
    for s in &report.specs {
        let c = &s.counts;
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            inline_code(&s.spec),
            s.slug,
            c.operations,
            c.conforming,
            c.built,
            c.accepted,
            c.decoded,
            s.failure
                .as_deref()
                .map(|f| cell(f.lines().next().unwrap_or(""), 200))
                .unwrap_or_default()
        );
    }
    let troubled: Vec<&SpecReport> = report
        .specs
        .iter()
        .filter(|s| !s.failing.is_empty() || !s.notes.is_empty() || s.failure.is_some())
        .collect();
    if troubled.is_empty() {
        return md;
    }
    md.push_str("\n## What does not conform\n");
    for s in troubled {
        let _ = writeln!(md, "\n### {} ({})\n", s.slug, inline_code(&s.spec));
        if let Some(f) = &s.failure {
            let _ = writeln!(md, "Not judged: {}\n", cell(f, 2000));
        }
        for note in &s.notes {
            let _ = writeln!(md, "- note: {}", cell(note, 1000));
        }
        for op in &s.failing {
            let _ = writeln!(
                md,
                "- {} `{} {}`",
                inline_code(&op.operation_id),
                op.method,
                op.path
            );
            if s.failure.is_some() {
                continue;
            }
            // The same failure in several runs is listed once, with its runs.
            let mut grouped: Vec<(Vec<&str>, &RunFailure)> = Vec::new();
            for f in &op.failures {
                match grouped.iter_mut().find(|(_, g)| {
                    (&g.property, &g.reason, g.status) == (&f.property, &f.reason, f.status)
                }) {
                    Some((runs, _)) => runs.push(&f.run),
                    None => grouped.push((vec![&f.run], f)),
                }
            }
            for note in &op.response_notes {
                let _ = writeln!(md, "  - note: {}", cell(note, MARKDOWN_REASON_CHARS));
            }
            for (runs, f) in grouped {
                let status = f.status.map(|s| format!(" [{s}]")).unwrap_or_default();
                let _ = writeln!(
                    md,
                    "  - {}: {}{status}: {}",
                    runs.join(", "),
                    f.property,
                    cell(&f.reason, MARKDOWN_REASON_CHARS)
                );
            }
        }
    }
    md
}

/// The human summary: per set, the figures beside their targets; the specs that fall
/// short; then the `conformance:` line.
pub fn summary(report: &Report) -> String {
    let mut out = String::new();
    for g in &report.groups {
        let _ = writeln!(
            out,
            "{}: {} specs, {} of {} operations conform ({:.1}%, {})",
            g.label,
            g.specs,
            g.counts.conforming,
            g.counts.operations,
            g.percent,
            target_text(g)
        );
    }
    for s in report
        .specs
        .iter()
        .filter(|s| s.counts.conforming < s.counts.operations)
    {
        let why = s
            .failure
            .as_deref()
            .map(|f| format!(": {}", truncate(f.lines().next().unwrap_or(""), 160)))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "  {}: {} of {} conform{why}",
            s.slug, s.counts.conforming, s.counts.operations
        );
    }
    let _ = writeln!(out, "report: target/conformance/report.md");
    out.push_str(&report.totals.line());
    out
}
