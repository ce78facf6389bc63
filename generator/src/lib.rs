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
pub mod conformance;
pub mod diag;
pub mod emit;
pub mod ir;
pub mod load;
pub mod lower;
pub mod naming;
pub mod pipeline;
pub mod surface;
pub mod write;

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

impl load::OwnedInput {
    /// The input to [`generate`], borrowed from what [`load::read_input`] read.
    pub fn as_input(&self) -> Input<'_> {
        Input {
            spec_name: &self.spec_name,
            spec_text: &self.spec_text,
            config: self.config.clone(),
            extra_files: self.extra_files.clone(),
        }
    }
}

/// A generated crate and the warnings found on the way.
#[derive(Debug)]
pub struct Output {
    pub files: BTreeMap<String, String>,
    pub warnings: Vec<Diagnostic>,
    pub api: ir::Api,
}

/// Run the whole pipeline in memory ([`pipeline::Pipeline`] with the client crate and no
/// observer).
pub fn generate(input: Input<'_>) -> Result<Output, Diagnostics> {
    pipeline::Pipeline::new(&mut pipeline::Quiet).generate(input)
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
