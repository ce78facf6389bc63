//! The child, `xtask corpus-one PATH [--spec-name NAME] [--name PACKAGE] [--write DIR]`:
//! generates one document through [`apigen::pipeline`] and prints a one-line JSON
//! [`ChildReport`]; the classes and reports here are shared with the parent.

use crate::util::args::Args;
use crate::util::text::message_kind;
use apigen::pipeline::{Pipeline, Quiet};
use apigen::write::WriteOptions;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::Instant;

const USAGE: &str =
    "usage: xtask corpus-one PATH [--spec-name NAME] [--name PACKAGE] [--write DIR]";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Class {
    Clean,
    Warnings,
    Refused,
    Panicked,
    TimedOut,
    OutOfMemory,
}

impl Class {
    pub const ALL: [Class; 6] = [
        Class::Clean,
        Class::Warnings,
        Class::Refused,
        Class::Panicked,
        Class::TimedOut,
        Class::OutOfMemory,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Class::Clean => "generated cleanly",
            Class::Warnings => "generated with warnings",
            Class::Refused => "refused with a diagnostic",
            Class::Panicked => "panicked or crashed",
            Class::TimedOut => "timed out",
            Class::OutOfMemory => "out of memory",
        }
    }

    pub fn short(self) -> &'static str {
        match self {
            Class::Clean => "clean",
            Class::Warnings => "warn",
            Class::Refused => "refused",
            Class::Panicked => "panic",
            Class::TimedOut => "timeout",
            Class::OutOfMemory => "oom",
        }
    }

    pub fn generated(self) -> bool {
        matches!(self, Class::Clean | Class::Warnings)
    }

    pub fn is_failure(self) -> bool {
        matches!(self, Class::Panicked | Class::TimedOut | Class::OutOfMemory)
    }
}

/// A message and where in the document it points.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Located {
    pub message: String,
    #[serde(default)]
    pub pointer: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
}

/// One kind of warning within one document.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KindCount {
    pub kind: String,
    pub count: usize,
    pub example: Located,
}

/// What a child prints as its single line of JSON.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChildReport {
    pub class: Class,
    /// Time spent generating (load, lower, emit), in milliseconds.
    pub ms: f64,
    #[serde(default)]
    pub warnings: usize,
    /// First error (refused), panic message (panicked), first warning, or what went wrong.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first: Option<Located>,
    #[serde(default)]
    pub files: usize,
    #[serde(default)]
    pub lines: usize,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warning_kinds: Vec<KindCount>,
}

impl ChildReport {
    pub fn failed(class: Class, ms: f64, message: String) -> Self {
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

/// Generate one document in memory and print a one-line JSON [`ChildReport`].
pub fn one(args: &[String]) -> ExitCode {
    crate::util::child::exit(run_one(args))
}

static PANIC_MESSAGE: Mutex<Option<String>> = Mutex::new(None);

fn run_one(args: &[String]) -> Result<(), String> {
    let mut path = None;
    let mut spec_name = None;
    let mut package = None;
    let mut write = None;
    let mut args = Args::new(args, USAGE);
    while let Some(arg) = args.next_arg()? {
        match arg.as_str() {
            "--spec-name" => spec_name = Some(args.value()?),
            "--name" => package = Some(args.value()?),
            "--write" => write = Some(args.path()?),
            other if path.is_none() && !other.starts_with("--") => {
                path = Some(PathBuf::from(other));
            }
            _ => return Err(args.unknown()),
        }
    }
    let path = path.ok_or_else(|| args.error("which document?"))?;
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
        Pipeline::new(&mut Quiet).generate(apigen::Input {
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
                let kind = message_kind(&warning.message);
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
                Pipeline::new(&mut Quiet)
                    .write(dir, &output.files, &WriteOptions::default())
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
    crate::util::child::print_report(&report)
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
