//! `cargo xtask conformance`: do the generated clients send what their spec allows, and
//! understand what it answers?
//!
//! For each spec the generator writes the client crate and a driver binary that calls every
//! operation once ([`build`]); all drivers of a run are built in one cargo workspace under
//! `target/conformance/work/`. Each driver then runs against the Prism mock server
//! ([`prism`]), static and dynamic, in mode `required` and `full`, through a recording proxy
//! ([`proxy`]) that tells which operation sent what and what Prism made of it ([`judge`]).
//! The results go to `target/conformance/report.md` and `report.json` ([`report`]) and are
//! held to `xtask/conformance-baseline.json` ([`baseline`]).

mod baseline;
mod build;
mod http;
mod judge;
mod prism;
mod proxy;
mod report;
mod specs;

/// The generator side: the client crate and the driver of a spec.
mod generator {
    pub use apigen::conformance::Generated;
    pub use apigen::pipeline::generate_conformance as generate;
}

use crate::util::args::Args;
use specs::SpecInput;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Relative to the workspace root.
const DEFAULT_CLOUDFLARE: &str = "tests/fixtures/cloudflare/openapi.json";
const DEFAULT_CORPUS: usize = 100;

const USAGE: &str = "\
usage: cargo xtask conformance [--spec FILE [--config FILE]]... [--fixtures] [--corpus N]
                               [--all] [--cloudflare FILE] [--json] [--ratchet]
                               [--update-baseline] [--jobs N] [...]

Generates each spec's client and a driver that calls every operation, builds the drivers
(one workspace under target/conformance/work/), runs each against the Prism mock server
(tests/prism; `npm ci --prefix tests/prism` installs it), static and dynamic, with the
required arguments and with all of them, through a recording proxy, and writes
target/conformance/report.md and report.json. An operation conforms when in all four runs
its request was built, Prism found no violation in it, and its response decoded. The last
line is `conformance: C of M operations conform (built B, accepted A, decoded D)`.

  --spec FILE         judge this spec (repeatable)
  --config FILE       generator settings for the --spec before it
  --fixtures          spec/openapi.yaml and every tests/fixtures/*.yaml (the default when
                      no spec is given)
  --corpus N          N documents of the public API directory (fetched into target/corpus/
                      as `cargo xtask corpus` does), every k-th in sorted order
  --corpus-max-mib M  leave documents larger than M MiB out of that sample (default 4)
  --all               --fixtures, Cloudflare's full spec and --corpus 100
  --cloudflare FILE   where Cloudflare's full spec is (default
                      tests/fixtures/cloudflare/openapi.json; skipped when missing)
  --json              print the JSON report on stdout; the summary goes to stderr
  --ratchet           fail when a spec conforms less than xtask/conformance-baseline.json
                      records, or a spec recorded there is missing from the run
  --update-baseline   record this run in xtask/conformance-baseline.json
  --jobs N            specs generated and judged at once, cargo's jobs (default: the cores)
  --prism-timeout S   how long Prism may take to listen (default 60)
  --driver-timeout S  a driver run's time limit: S plus 2 s per operation (default 60)
  --seed TEXT         the seed of Prism's dynamic responses (default apigen)";

struct Options {
    specs: Vec<(PathBuf, Option<PathBuf>)>,
    fixtures: bool,
    corpus: Option<usize>,
    corpus_max_mib: u64,
    all: bool,
    cloudflare: PathBuf,
    json: bool,
    ratchet: bool,
    update_baseline: bool,
    jobs: usize,
    prism_timeout: Duration,
    driver_timeout: Duration,
    seed: String,
}

fn seconds(args: &mut Args<'_>, flag: &str) -> Result<Duration, String> {
    let secs: f64 = args.number()?;
    if !(secs > 0.0 && secs.is_finite()) {
        return Err(args.error(format!("{flag} wants a positive number of seconds")));
    }
    Ok(Duration::from_secs_f64(secs))
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut options = Options {
        specs: Vec::new(),
        fixtures: false,
        corpus: None,
        corpus_max_mib: 4,
        all: false,
        cloudflare: PathBuf::from(DEFAULT_CLOUDFLARE),
        json: false,
        ratchet: false,
        update_baseline: false,
        jobs: std::thread::available_parallelism().map_or(2, |n| n.get()),
        prism_timeout: Duration::from_secs(60),
        driver_timeout: Duration::from_secs(60),
        seed: "apigen".into(),
    };
    let mut args = Args::new(args, USAGE);
    while let Some(flag) = args.next_arg()? {
        match flag.as_str() {
            "--spec" => options.specs.push((args.path()?, None)),
            "--config" => {
                let config = args.path()?;
                match options.specs.last_mut() {
                    Some((_, slot @ None)) => *slot = Some(config),
                    Some((spec, Some(_))) => {
                        return Err(
                            args.error(format!("--spec {} already has a --config", spec.display()))
                        );
                    }
                    None => return Err(args.error("--config applies to a --spec before it")),
                }
            }
            "--fixtures" => options.fixtures = true,
            "--corpus" => options.corpus = Some(args.positive()? as usize),
            "--corpus-max-mib" => options.corpus_max_mib = args.positive()?,
            "--all" => options.all = true,
            "--cloudflare" => options.cloudflare = args.path()?,
            "--json" => options.json = true,
            "--ratchet" => options.ratchet = true,
            "--update-baseline" => options.update_baseline = true,
            "--jobs" => options.jobs = args.positive()? as usize,
            "--prism-timeout" => options.prism_timeout = seconds(&mut args, "--prism-timeout")?,
            "--driver-timeout" => options.driver_timeout = seconds(&mut args, "--driver-timeout")?,
            "--seed" => options.seed = args.value()?,
            "-h" | "--help" => return Err(USAGE.to_string()),
            _ => return Err(args.unknown()),
        }
    }
    if options.all {
        options.fixtures = true;
        options.corpus.get_or_insert(DEFAULT_CORPUS);
    }
    if options.specs.is_empty() && options.corpus.is_none() && !options.all {
        options.fixtures = true;
    }
    Ok(options)
}

/// The specs of the run, and notes on how they were chosen.
fn select(root: &Path, options: &Options) -> Result<(Vec<SpecInput>, Vec<String>), String> {
    let cloudflare_path = root.join(&options.cloudflare);
    let mut specs = Vec::new();
    let mut notes = Vec::new();
    if options.fixtures {
        specs.extend(specs::fixtures(root)?);
    }
    for (spec, config) in &options.specs {
        if !spec.is_file() {
            return Err(format!("error: --spec {}: no such file", spec.display()));
        }
        let same_file = |a: &Path, b: &Path| {
            a.canonicalize()
                .ok()
                .is_some_and(|a| b.canonicalize().ok() == Some(a))
        };
        match specs::cloudflare(root, spec) {
            Some(cloudflare) if config.is_none() && same_file(spec, &cloudflare_path) => {
                specs.push(cloudflare)
            }
            _ => specs.push(specs::given(root, spec, config.clone())),
        }
    }
    if options.all {
        match specs::cloudflare(root, &cloudflare_path) {
            Some(spec) => specs.push(spec),
            None => notes.push(format!(
                "Cloudflare's full spec was not judged: {} is missing",
                cloudflare_path.display()
            )),
        }
    }
    if let Some(n) = options.corpus {
        let (sample, note) =
            specs::directory_sample(root, n, options.corpus_max_mib << 20, options.jobs)?;
        specs.extend(sample);
        notes.push(note);
    }
    Ok((specs::dedupe(specs), notes))
}

/// `cargo xtask conformance`.
pub fn run(root: &Path, args: &[String]) -> Result<(), String> {
    if args.iter().any(|a| a == "-h" || a == "--help") {
        println!("{USAGE}");
        return Ok(());
    }
    let options = parse(args)?;
    let launch = prism::Launch {
        binary: prism::Launch::binary_in(root),
        startup_limit: options.prism_timeout,
        seed: options.seed.clone(),
    };
    if !launch.binary.exists() {
        return Err(format!(
            "error: the Prism mock server is not installed ({} is missing): run \
             `npm ci --prefix tests/prism` (or `cargo xtask test`, which does)",
            launch.binary.display()
        ));
    }
    let started = Instant::now();
    let (specs, notes) = select(root, &options)?;
    if specs.is_empty() {
        return Err("error: no spec to judge".into());
    }
    let out_dir = root.join("target/conformance");
    let work = out_dir.join("work");
    crate::util::fs::create_dir(&work)?;
    eprintln!("xtask conformance: {} specs", specs.len());

    let mut prepared = build::generate_all(&work, specs, options.jobs);
    build::build_all(
        root,
        &work,
        &out_dir.join("target"),
        &mut prepared,
        options.jobs,
    )?;
    for p in prepared.iter().filter(|p| p.generated.is_some()) {
        if let Some(failure) = &p.failure {
            let first = failure.lines().next().unwrap_or("");
            eprintln!("xtask conformance: {}: {first}", p.input.slug);
        }
    }

    let runs = crate::util::parallel::map(&prepared, options.jobs, |p| {
        judge::judge(p, &launch, options.driver_timeout)
    });
    let spec_reports = prepared
        .iter()
        .zip(&runs)
        .map(|(p, runs)| report::spec_report(p, runs))
        .collect();
    let report = report::report(
        spec_reports,
        &options.seed,
        started.elapsed().as_secs_f64(),
        notes,
    );
    crate::util::report::write_report(&out_dir, &report, &report::markdown(&report))?;
    let summary = report::summary(&report);
    if options.json {
        let json = serde_json::to_string_pretty(&report)
            .map_err(|e| format!("error: cannot encode the report: {e}"))?;
        println!("{json}");
        eprintln!("{summary}");
    } else {
        println!("{summary}");
    }

    let baseline_path = root.join(baseline::BASELINE);
    if options.update_baseline {
        baseline::update(&baseline_path, &report)?;
    }
    if options.ratchet {
        baseline::ratchet(&baseline_path, &report)?;
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
    fn configs_follow_their_spec() {
        let o = parse(&strings(&[
            "--spec", "a.yaml", "--config", "a.toml", "--spec", "b.yaml",
        ]))
        .expect("parses");
        assert_eq!(
            o.specs,
            [
                (PathBuf::from("a.yaml"), Some(PathBuf::from("a.toml"))),
                (PathBuf::from("b.yaml"), None)
            ]
        );
        assert!(!o.fixtures, "a spec given: no fixtures unless asked");
        assert!(parse(&strings(&["--config", "a.toml"])).is_err());
        assert!(parse(&strings(&["--spec", "a", "--config", "b", "--config", "c"])).is_err());
    }

    #[test]
    fn defaults_to_the_fixtures_and_all_means_all() {
        let o = parse(&[]).expect("parses");
        assert!(o.fixtures && o.corpus.is_none() && !o.all);
        let o = parse(&strings(&["--all", "--json", "--jobs=3"])).expect("parses");
        assert!(o.fixtures && o.all && o.json);
        assert_eq!((o.corpus, o.jobs), (Some(DEFAULT_CORPUS), 3));
        let o = parse(&strings(&["--all", "--corpus", "5"])).expect("parses");
        assert_eq!(o.corpus, Some(5));
        let o = parse(&strings(&["--corpus", "5"])).expect("parses");
        assert!(!o.fixtures);
        for bad in [
            &["--jobs", "0"][..],
            &["--prism-timeout", "-1"],
            &["--what"],
        ] {
            assert!(parse(&strings(bad)).is_err(), "{bad:?}");
        }
    }
}
