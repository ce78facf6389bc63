//! `cargo xtask codegen`: regenerate `generated/` (or `--out DIR`) from the spec, or with
//! `--check` only compare.

use crate::util::args::Args;
use apigen::pipeline::{Pipeline, Quiet};
use std::path::{Path, PathBuf};

struct Options {
    spec: PathBuf,
    config: Option<PathBuf>,
    out: PathBuf,
    check: bool,
    force: bool,
    deny_warnings: bool,
}

fn parse(root: &Path, args: &[String]) -> Result<Options, String> {
    let mut options = Options {
        spec: root.join("spec/openapi.yaml"),
        config: None,
        out: root.join("generated"),
        check: false,
        force: false,
        deny_warnings: false,
    };
    let mut args = Args::new(args, crate::USAGE);
    while let Some(flag) = args.next_arg()? {
        match flag.as_str() {
            "--spec" => options.spec = args.path()?,
            "--config" => options.config = Some(args.path()?),
            "--out" => options.out = args.path()?,
            "--check" => options.check = true,
            "--force" => options.force = true,
            "--deny-warnings" => options.deny_warnings = true,
            "-h" | "--help" => return Err(crate::USAGE.to_string()),
            _ => return Err(args.unknown()),
        }
    }
    Ok(options)
}

/// `cargo xtask codegen`.
pub fn run(root: &Path, args: &[String]) -> Result<(), String> {
    let options = parse(root, args)?;
    let input = apigen::load::read_input(root, &options.spec, options.config.as_deref())?;
    let mut observer = Quiet;
    let mut pipeline = Pipeline::new(&mut observer);
    let output = pipeline
        .generate(input.as_input())
        .map_err(|d| d.render(&input.spec_text))?;
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
        .strip_prefix(root)
        .unwrap_or(&options.out)
        .display()
        .to_string();
    // What the spec change does to users of the crate, judged against the API the crate
    // in the output directory has now.
    let previous = apigen::write::read_existing(&options.out, apigen::surface::SURFACE_FILE);
    let api_report = apigen::surface::report_against(
        previous.as_deref(),
        &output.files,
        &output.api.package.version,
    );
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
    let changes = pipeline
        .write(&options.out, &output.files, &write_options)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn parses_the_options() {
        let root = Path::new("/w");
        let o = parse(root, &[]).expect("defaults");
        assert_eq!(o.spec, Path::new("/w/spec/openapi.yaml"));
        assert_eq!(o.out, Path::new("/w/generated"));
        assert!(!o.check && !o.force && !o.deny_warnings && o.config.is_none());
        let o = parse(
            root,
            &strings(&[
                "--spec",
                "s.yaml",
                "--config=c.toml",
                "--out",
                "o",
                "--check",
            ]),
        )
        .expect("parses");
        assert_eq!(o.spec, Path::new("s.yaml"));
        assert_eq!(o.config.as_deref(), Some(Path::new("c.toml")));
        assert_eq!(o.out, Path::new("o"));
        assert!(o.check);
        assert!(parse(root, &strings(&["--spec"])).is_err());
        assert!(parse(root, &strings(&["--bogus"])).is_err());
    }
}
