//! The stages in order, each timed and shown to an [`Observer`]:
//!
//! ```text
//! Input ──load──▶ Loaded ──lower──▶ ir::Api (+ located warnings) ──emit──▶ files ──write──▶ dir
//! ```
//!
//! [`crate::generate`] is this pipeline with the client-crate back end and an observer that
//! ignores everything. Tools that time the generator, run it over a corpus or add another
//! back end (for example a conformance driver generated from the IR) call [`Pipeline`]
//! instead of calling the stages one by one, so every caller gets the same diagnostics in
//! the same order.

use crate::diag::{Diagnostic, Diagnostics};
use crate::{Input, Output, conformance, emit, ir, load, lower, write};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

/// Relative path → file contents, as a back end renders them.
pub type Files = BTreeMap<String, String>;

/// A stage of the pipeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Stage {
    /// Spec text → the parsed OpenAPI document, checked and repaired on the raw value.
    Load,
    /// Document → IR; includes placing the warnings of both stages in the spec's text.
    Lower,
    /// IR → formatted files. The client back end builds and pretty-prints each file in
    /// one step, on all cores, so formatting is part of this stage.
    Emit,
    /// Files → output directory (only what changed; see [`crate::write`]).
    Write,
}

impl Stage {
    pub const ALL: [Stage; 4] = [Stage::Load, Stage::Lower, Stage::Emit, Stage::Write];

    pub fn name(self) -> &'static str {
        match self {
            Stage::Load => "load",
            Stage::Lower => "lower",
            Stage::Emit => "emit",
            Stage::Write => "write",
        }
    }
}

impl std::fmt::Display for Stage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What a stage produced, lent to the observer.
#[derive(Clone, Copy)]
pub enum Product<'a> {
    Loaded(&'a load::Loaded),
    /// The IR and every warning so far (load's and lower's), located, sorted, deduplicated.
    Lowered {
        api: &'a ir::Api,
        warnings: &'a [Diagnostic],
    },
    Emitted(&'a Files),
    Written(&'a [write::Change]),
}

/// Told about each stage that succeeds, right after it ends. The time an observer takes is
/// not counted in any stage.
pub trait Observer {
    fn stage(&mut self, stage: Stage, elapsed: Duration, product: Product<'_>);
}

/// An observer that ignores everything.
pub struct Quiet;

impl Observer for Quiet {
    fn stage(&mut self, _: Stage, _: Duration, _: Product<'_>) {}
}

/// An observer that keeps each stage's wall time, in the order the stages ran.
#[derive(Debug, Clone, Default)]
pub struct Timings(pub Vec<(Stage, Duration)>);

impl Timings {
    /// Total time of `stage` (a stage may run more than once through one pipeline).
    pub fn of(&self, stage: Stage) -> Option<Duration> {
        let mut runs = self.0.iter().filter(|(s, _)| *s == stage).peekable();
        runs.peek()?;
        Some(runs.map(|(_, d)| *d).sum())
    }
}

impl Observer for Timings {
    fn stage(&mut self, stage: Stage, elapsed: Duration, _: Product<'_>) {
        self.0.push((stage, elapsed));
    }
}

/// Turns the IR into files. The client crate is the first; others read the same IR.
pub trait Backend {
    /// Short name, e.g. for timings and messages.
    fn name(&self) -> &'static str;

    fn emit(&self, api: &ir::Api) -> Result<Files, Diagnostics>;

    /// What `lower` builds for this back end beyond the client's IR (samples, for one).
    fn lower_options(&self) -> lower::Options {
        lower::Options::default()
    }
}

/// The typed client crate ([`crate::emit`]).
pub struct ClientCrate;

impl Backend for ClientCrate {
    fn name(&self) -> &'static str {
        "client"
    }

    fn emit(&self, api: &ir::Api) -> Result<Files, Diagnostics> {
        emit::emit(api)
    }
}

/// The client crate and a conformance driver calling every operation of it
/// ([`crate::conformance`]); `lower` builds the sample arguments for it.
pub struct ConformanceCrates {
    /// Suffix of the driver's package name.
    pub slug: String,
}

impl Backend for ConformanceCrates {
    fn name(&self) -> &'static str {
        "conformance"
    }

    fn lower_options(&self) -> lower::Options {
        lower::Options { samples: true }
    }

    fn emit(&self, api: &ir::Api) -> Result<Files, Diagnostics> {
        conformance::emit(api, &self.slug)
    }
}

/// Generates the client crate for `spec` into `out/client/` (its package renamed
/// [`conformance::client_package`]) and the conformance driver into `out/driver/`
/// (package and binary [`conformance::driver_package`], beside its `args.json`).
pub fn generate_conformance(
    spec: &Path,
    config: Option<&Path>,
    out: &Path,
    slug: &str,
) -> Result<conformance::Generated, String> {
    let root = std::env::current_dir().map_err(|e| format!("error: the current directory: {e}"))?;
    let mut input = load::read_input(&root, spec, config).map_err(|e| e.to_string())?;
    let client_package = conformance::client_package(slug);
    input.config.package.name = Some(client_package.clone());
    let backend = ConformanceCrates {
        slug: slug.to_string(),
    };
    let mut observer = Quiet;
    let mut pipeline = Pipeline::new(&mut observer).with_backend(&backend);
    let output = pipeline
        .generate(input.as_input())
        .map_err(|d| d.render(&input.spec_text))?;
    pipeline
        .write(out, &output.files, &write::WriteOptions { force: false })
        .map_err(|e| format!("error: writing {}: {e}", out.display()))?;
    Ok(conformance::Generated {
        operations: conformance::operations(&output.api),
        client_package,
        driver_package: conformance::driver_package(slug),
    })
}

/// One run of the stages with one back end, reporting to one observer.
pub struct Pipeline<'a> {
    backend: &'a dyn Backend,
    observer: &'a mut dyn Observer,
}

impl<'a> Pipeline<'a> {
    /// The client-crate back end, reporting to `observer`.
    pub fn new(observer: &'a mut dyn Observer) -> Self {
        Pipeline {
            backend: &ClientCrate,
            observer,
        }
    }

    /// Emit with `backend` instead of the client crate.
    pub fn with_backend(mut self, backend: &'a dyn Backend) -> Self {
        self.backend = backend;
        self
    }

    pub fn backend(&self) -> &dyn Backend {
        self.backend
    }

    /// Load, lower and emit in memory. Errors and warnings carry file, line and column,
    /// errors first, then by position; a defect reached from several places is reported
    /// once.
    pub fn generate(&mut self, input: Input<'_>) -> Result<Output, Diagnostics> {
        let started = Instant::now();
        let loaded = load::load(input.spec_name, input.spec_text)?;
        self.observer
            .stage(Stage::Load, started.elapsed(), Product::Loaded(&loaded));

        let started = Instant::now();
        let load::Loaded {
            api: document,
            source,
            warnings: load_warnings,
            extra,
        } = loaded;
        let locate = |d: Vec<Diagnostic>| locate(&source, d);
        let lowered = lower::lower(
            &document,
            &extra,
            &input.config,
            input.spec_name,
            input.extra_files,
            self.backend.lower_options(),
        );
        // Only the text is needed from here on (to place diagnostics): the document goes
        // before emit builds the files, which is when memory peaks.
        drop((document, extra));
        let (api, mut warnings) = lowered.map_err(|d| Diagnostics(locate(d)))?;
        warnings.extend(load_warnings);
        let warnings = locate(warnings);
        self.observer.stage(
            Stage::Lower,
            started.elapsed(),
            Product::Lowered {
                api: &api,
                warnings: &warnings,
            },
        );

        let started = Instant::now();
        let files = self
            .backend
            .emit(&api)
            .map_err(|d| Diagnostics(locate(d.0)))?;
        self.observer
            .stage(Stage::Emit, started.elapsed(), Product::Emitted(&files));
        Ok(Output {
            files,
            warnings,
            api,
        })
    }

    /// Write `files` into `dir` (see [`write::write_tree_with`]); returns what changed.
    pub fn write(
        &mut self,
        dir: &Path,
        files: &Files,
        options: &write::WriteOptions,
    ) -> Result<Vec<write::Change>, write::WriteError> {
        let started = Instant::now();
        let changes = write::write_tree_with(dir, files, options)?;
        self.observer
            .stage(Stage::Write, started.elapsed(), Product::Written(&changes));
        Ok(changes)
    }
}

/// Place diagnostics in the spec's text, errors first and then by position, each once.
fn locate(source: &load::Source, diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let mut d = source.locate_all(diagnostics);
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
}

/// The conformance back end on a spec written for it: samples and driver.
#[cfg(test)]
mod conformance_tests;

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: &str = "openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /things:
    get:
      operationId: listThings
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {type: array, items: {$ref: '#/components/schemas/Thing'}}
components:
  schemas:
    Thing:
      type: object
      properties:
        id: {type: string}
";

    fn input() -> Input<'static> {
        Input {
            spec_name: "spec.yaml",
            spec_text: SPEC,
            config: crate::config::Config::default(),
            extra_files: Vec::new(),
        }
    }

    struct Seen(Vec<(Stage, usize)>);

    impl Observer for Seen {
        fn stage(&mut self, stage: Stage, _: Duration, product: Product<'_>) {
            let size = match product {
                Product::Loaded(loaded) => loaded.api.paths.paths.len(),
                Product::Lowered { api, .. } => api.operation_count(),
                Product::Emitted(files) => files.len(),
                Product::Written(changes) => changes.len(),
            };
            self.0.push((stage, size));
        }
    }

    #[test]
    fn observer_sees_every_stage_in_order() {
        let mut seen = Seen(Vec::new());
        let output = Pipeline::new(&mut seen)
            .generate(input())
            .expect("generates");
        let stages: Vec<Stage> = seen.0.iter().map(|(s, _)| *s).collect();
        assert_eq!(stages, [Stage::Load, Stage::Lower, Stage::Emit]);
        assert_eq!(seen.0[0].1, 1);
        assert_eq!(seen.0[1].1, output.api.operation_count());
        assert_eq!(seen.0[2].1, output.files.len());
    }

    #[test]
    fn generate_is_the_quiet_pipeline() {
        let direct = crate::generate(input()).expect("generates");
        let mut timings = Timings::default();
        let staged = Pipeline::new(&mut timings)
            .generate(input())
            .expect("generates");
        assert_eq!(direct.files, staged.files);
        assert_eq!(direct.warnings, staged.warnings);
        assert!(timings.of(Stage::Emit).is_some());
        assert!(timings.of(Stage::Write).is_none());
    }

    #[test]
    fn another_back_end_reads_the_same_ir() {
        struct Names;
        impl Backend for Names {
            fn name(&self) -> &'static str {
                "names"
            }
            fn emit(&self, api: &ir::Api) -> Result<Files, Diagnostics> {
                let names = api.types.iter().map(|t| format!("{}\n", t.name)).collect();
                Ok(Files::from([("types.txt".to_string(), names)]))
            }
        }
        let mut quiet = Quiet;
        let mut pipeline = Pipeline::new(&mut quiet).with_backend(&Names);
        assert_eq!(pipeline.backend().name(), "names");
        let output = pipeline.generate(input()).expect("generates");
        assert_eq!(output.files.keys().collect::<Vec<_>>(), ["types.txt"]);
    }

    #[test]
    fn write_is_reported() {
        let dir = tempfile::tempdir().expect("temp dir");
        let out = dir.path().join("out");
        let mut timings = Timings::default();
        let mut pipeline = Pipeline::new(&mut timings);
        let output = pipeline.generate(input()).expect("generates");
        let changes = pipeline
            .write(&out, &output.files, &write::WriteOptions::default())
            .expect("writes");
        assert_eq!(changes.len(), output.files.len() + 1);
        let stages: Vec<Stage> = timings.0.iter().map(|(s, _)| *s).collect();
        assert_eq!(stages, Stage::ALL);
    }
}
