//! `apigen`: turns an OpenAPI 3.0 description into a typed, async Rust client crate.
//!
//! The pipeline runs in one direction, one module per stage:
//!
//! ```text
//! spec ──load──▶ openapiv3::OpenAPI ──lower──▶ ir::Api ──emit──▶ files (path → text)
//! ```
//!
//! [`generate`] is pure: it returns the files in memory and touches no file system.
//! Writing them (atomically, only what changed) is [`write`]'s job.

pub mod config;
pub mod diag;
pub mod emit;
pub mod ir;
pub mod load;
pub mod lower;
pub mod naming;
pub mod surface;
pub mod write;

pub use load::{lint, refs};

use diag::{Diagnostic, Diagnostics, Severity};
use std::collections::BTreeMap;

/// What to generate from.
pub struct Input<'a> {
    /// Name of the spec as shown in diagnostics and in the `@generated` header.
    pub spec_name: &'a str,
    pub spec_text: &'a str,
    pub config: config::Config,
    /// Verbatim files for the crate (destination, contents), e.g. examples.
    pub extra_files: Vec<(String, String)>,
}

/// A generated crate and the warnings found on the way.
#[derive(Debug)]
pub struct Output {
    pub files: BTreeMap<String, String>,
    pub warnings: Vec<Diagnostic>,
    pub api: ir::Api,
}

/// Run the whole pipeline in memory.
pub fn generate(input: Input<'_>) -> Result<Output, Diagnostics> {
    let loaded = load::load(input.spec_name, input.spec_text)?;
    let locate = |d: Vec<Diagnostic>| -> Vec<Diagnostic> {
        let mut d: Vec<Diagnostic> = d.into_iter().map(|d| loaded.source.locate(d)).collect();
        d.sort_by_key(|d| {
            (
                std::cmp::Reverse(d.severity),
                d.line.unwrap_or(usize::MAX),
                d.column.unwrap_or(0),
                d.pointer.clone(),
                d.message.clone(),
            )
        });
        // The same schema can be visited from several places; report each defect once.
        d.dedup();
        d
    };
    let (api, mut warnings) = lower::lower(
        &loaded.api,
        &loaded.extra,
        &input.config,
        input.spec_name,
        input.extra_files,
    )
    .map_err(|d| Diagnostics(locate(d)))?;
    warnings.extend(loaded.warnings.iter().cloned());
    let files = emit::emit(&api).map_err(|d| Diagnostics(locate(d.0)))?;
    Ok(Output {
        files,
        warnings: locate(warnings),
        api,
    })
}

/// Treat warnings as errors (`--deny-warnings`).
pub fn deny_warnings(output: &Output) -> Result<(), Diagnostics> {
    if output.warnings.is_empty() {
        return Ok(());
    }
    Err(Diagnostics(
        output
            .warnings
            .iter()
            .cloned()
            .map(|mut d| {
                d.severity = Severity::Error;
                d
            })
            .collect(),
    ))
}
