//! `cargo xtask test`: everything the test suite needs, installed on a fresh machine, then
//! `cargo test --workspace`.

use std::path::Path;
use std::process::Command;

fn run_step(what: &str, command: &mut Command) -> Result<(), String> {
    eprintln!("xtask test: {what}");
    let status = command
        .status()
        .map_err(|e| format!("error: cannot start {what}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("error: {what} failed ({status})"))
    }
}

pub fn run(root: &Path, args: &[String]) -> Result<(), String> {
    let prism_dir = root.join("tests/prism");
    if !prism_dir.join("node_modules/.bin/prism").exists() {
        run_step(
            "installing the Prism mock server (npm ci)",
            Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund"])
                .current_dir(&prism_dir),
        )?;
    }
    let venv = root.join("target/spec-validator");
    let validator = venv.join("bin/openapi-spec-validator");
    if !validator.exists() {
        run_step(
            "creating a Python environment for openapi-spec-validator",
            Command::new("python3").arg("-m").arg("venv").arg(&venv),
        )?;
        run_step(
            "installing openapi-spec-validator (pip)",
            Command::new(venv.join("bin/pip")).args([
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "openapi-spec-validator==0.7.1",
            ]),
        )?;
    }
    let mut specs = vec![root.join("spec/openapi.yaml")];
    let mut fixtures: Vec<_> = std::fs::read_dir(root.join("tests/fixtures"))
        .map_err(|e| format!("error: cannot list tests/fixtures: {e}"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    fixtures.sort();
    specs.extend(fixtures);
    run_step(
        "validating spec/ and the fixture specs (openapi-spec-validator)",
        Command::new(&validator).args(&specs),
    )?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let passthrough: Vec<&String> = args.iter().skip_while(|a| *a == "--").collect();
    run_step(
        "cargo test --workspace",
        Command::new(cargo)
            .args(["test", "--workspace"])
            .args(passthrough)
            .current_dir(root),
    )
}
