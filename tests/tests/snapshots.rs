//! Snapshots of the generator's output: one named snapshot per generated file, for
//! `spec/` and for every fixture spec in `tests/fixtures/` (found by a glob, so a new
//! fixture needs no new test code). Review changes with `cargo insta review`.

use apigen_tests::{fixtures, generate_fixture, generate_spec, snapshot_name, spec_derived};

fn settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings
}

#[test]
fn spec_output() {
    let output = generate_spec();
    assert!(
        output.warnings.is_empty(),
        "spec/ must generate without warnings: {:?}",
        output.warnings
    );
    settings().bind(|| {
        for (path, text) in spec_derived(&output.files) {
            insta::assert_snapshot!(snapshot_name("spec", path), text);
        }
    });
}

#[test]
fn fixture_output() {
    let fixtures = fixtures();
    assert!(
        fixtures.len() >= 8,
        "expected at least 8 fixture specs, found {}",
        fixtures.len()
    );
    settings().bind(|| {
        for path in fixtures {
            let stem = path
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or_default()
                .to_string();
            let output =
                generate_fixture(&path).unwrap_or_else(|d| panic!("{stem} must generate:\n{d}"));
            for (file, text) in spec_derived(&output.files) {
                if file == "Cargo.toml" {
                    continue;
                }
                insta::assert_snapshot!(snapshot_name(&stem, file), text);
            }
            let warnings: Vec<String> = output.warnings.iter().map(ToString::to_string).collect();
            insta::assert_snapshot!(snapshot_name(&stem, "warnings"), warnings.join("\n"));
        }
    });
}

#[test]
fn output_is_deterministic() {
    let first = generate_spec();
    let second = generate_spec();
    assert_eq!(first.files, second.files);
    for path in fixtures() {
        let a = generate_fixture(&path).expect("generates");
        let b = generate_fixture(&path).expect("generates");
        assert_eq!(a.files, b.files, "{}", path.display());
    }
}
