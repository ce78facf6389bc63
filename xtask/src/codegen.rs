//! `cargo xtask codegen`: regenerate `generated/` (or `--out DIR`) from the spec, or with
//! `--check` only compare; either way, report what the change does to the crate's API.

use crate::util::args::Args;
use apigen::pipeline::{Observer, Pipeline, Product, Stage};
use apigen::surface::{Refusal, Style, guard::DEFAULT_MAX_REMOVED_PERCENT};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// `--timings`: each step's wall time on standard error as it ends; also the pipeline's
/// observer, for its stages.
#[derive(Clone, Copy)]
struct Steps {
    enabled: bool,
    since: Instant,
}

impl Steps {
    fn new(enabled: bool) -> Self {
        Steps {
            enabled,
            since: Instant::now(),
        }
    }

    fn show(&self, step: &str, elapsed: Duration) {
        if self.enabled {
            eprintln!("timings: {step:<8} {:>9.1} ms", elapsed.as_secs_f64() * 1e3);
        }
    }

    /// The step that ran since the last one ended.
    fn end(&mut self, step: &str) {
        self.show(step, self.since.elapsed());
        self.since = Instant::now();
    }

    /// The whole run and its peak memory (the process's high-water mark).
    fn total(&self, started: Instant) {
        if self.enabled {
            self.show("total", started.elapsed());
            let kib = crate::util::measure::self_max_rss_kib();
            eprintln!("timings: peak     {:>9.1} MiB", kib as f64 / 1024.0);
        }
    }
}

impl Observer for Steps {
    fn stage(&mut self, stage: Stage, elapsed: Duration, _: Product<'_>) {
        self.show(stage.name(), elapsed);
    }
}

struct Options {
    spec: PathBuf,
    config: Option<PathBuf>,
    out: PathBuf,
    check: bool,
    force: bool,
    deny_warnings: bool,
    /// How the API change report is shown.
    style: Style,
    /// Write even when the spec has no operations or removes most of them.
    allow_removals: bool,
    /// The share of the crate's operations (percent) a regeneration may remove.
    max_removed_percent: u32,
    /// Print the wall time of each step to standard error.
    timings: bool,
}

fn parse(root: &Path, args: &[String]) -> Result<Options, String> {
    let mut options = Options {
        spec: root.join("spec/openapi.yaml"),
        config: None,
        out: root.join("generated"),
        check: false,
        force: false,
        deny_warnings: false,
        style: Style::Review,
        allow_removals: false,
        max_removed_percent: DEFAULT_MAX_REMOVED_PERCENT,
        timings: false,
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
            "--full" => options.style = Style::Full,
            "--json" => options.style = Style::Json,
            "--allow-removals" => options.allow_removals = true,
            "--timings" => options.timings = true,
            "--max-removals" => {
                let percent: u32 = args.number()?;
                if percent > 100 {
                    return Err(args.error(format!(
                        "--max-removals takes a percentage from 0 to 100, not {percent}"
                    )));
                }
                options.max_removed_percent = percent;
            }
            "-h" | "--help" => return Err(crate::USAGE.to_string()),
            _ => return Err(args.unknown()),
        }
    }
    Ok(options)
}

/// What to do about a refused regeneration.
fn refusal_advice(refusal: &Refusal) -> String {
    let raise = match refusal {
        Refusal::TooManyRemoved { .. } => " (or raise the limit with --max-removals PERCENT)",
        Refusal::NoOperations { .. } => "",
    };
    format!("if the spec really means this, run again with --allow-removals{raise}")
}

/// `cargo xtask codegen`.
pub fn run(root: &Path, args: &[String]) -> Result<(), String> {
    let options = parse(root, args)?;
    let started = Instant::now();
    let mut steps = Steps::new(options.timings);
    let input = apigen::load::read_input(root, &options.spec, options.config.as_deref())?;
    steps.end("read");
    let mut observer = steps;
    let mut pipeline = Pipeline::new(&mut observer);
    let output = pipeline
        .generate(input.as_input())
        .map_err(|d| d.render(&input.spec_text))?;
    let mut steps = Steps::new(options.timings);
    if !output.warnings.is_empty() {
        eprintln!(
            "{}",
            apigen::diag::render(&output.warnings, &input.spec_text)
        );
    }
    steps.end("warnings");
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
    let comparison = apigen::surface::comparison_against(previous.as_deref(), &output.files);
    steps.end("compare");
    let version = &output.api.package.version;
    let json = options.style == Style::Json;
    // With --json, standard output carries the report alone.
    let say = |text: &str| {
        if json {
            eprintln!("{text}");
        } else {
            println!("{text}");
        }
    };
    let refusal = if options.allow_removals {
        None
    } else {
        comparison.refusal(options.max_removed_percent)
    };
    if options.check {
        let changes = apigen::write::diff(&options.out, &output.files)
            .map_err(|e| format!("error: cannot compare {shown}: {e}"))?;
        steps.total(started);
        if changes.is_empty() {
            if json {
                print!("{}", comparison.render(version, Style::Json));
            }
            say(&format!(
                "{shown} is up to date ({} files)",
                output.files.len()
            ));
            return Ok(());
        }
        print!("{}", comparison.render(version, options.style));
        let list: Vec<String> = changes
            .iter()
            .map(|c| format!("  {}", c.planned()))
            .collect();
        let refused = match &refusal {
            Some(r) => format!("\nwriting it would be refused: {r}\n{}", refusal_advice(r)),
            None => String::new(),
        };
        return Err(format!(
            "error: {shown} is out of date with {}:\n{}\nrun `cargo xtask codegen` to update it{refused}",
            input.spec_name,
            list.join("\n")
        ));
    }
    if let Some(refusal) = &refusal {
        let shown_report = if json {
            comparison.render(version, Style::Json)
        } else {
            comparison.summary(version)
        };
        print!("{shown_report}");
        return Err(format!(
            "error: refusing to regenerate {shown} from {}: {refusal}\nnothing was written; {}",
            input.spec_name,
            refusal_advice(refusal)
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
    steps.total(started);
    if changes.is_empty() {
        say(&format!(
            "{shown} is up to date ({} files)",
            output.files.len()
        ));
        if json {
            print!("{}", comparison.render(version, Style::Json));
        }
    } else {
        for change in &changes {
            say(&format!("  {}", change.applied()));
        }
        say(&format!("{shown}: {} file(s) changed", changes.len()));
        print!("{}", comparison.render(version, options.style));
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
        assert!(o.style == Style::Review && !o.allow_removals);
        assert_eq!(o.max_removed_percent, DEFAULT_MAX_REMOVED_PERCENT);
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
        let o = parse(
            root,
            &strings(&["--json", "--allow-removals", "--max-removals=80"]),
        )
        .expect("parses");
        assert!(o.style == Style::Json && o.allow_removals);
        assert_eq!(o.max_removed_percent, 80);
        assert_eq!(
            parse(root, &strings(&["--full"])).map(|o| o.style).ok(),
            Some(Style::Full)
        );
        assert!(parse(root, &strings(&["--max-removals", "101"])).is_err());
        assert!(parse(root, &strings(&["--max-removals", "half"])).is_err());
        assert!(parse(root, &strings(&["--bogus"])).is_err());
    }
}
