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

/// `tests/fixtures/runtime_names.yaml` gives every name a generated crate's root exports,
/// and every module it has, to a resource and to a schema; `fixtures_compile` builds it
/// with warnings denied. A name added to the runtime's exports must be added there too.
#[test]
fn the_runtime_names_fixture_names_every_export() {
    let path = apigen_tests::workspace_root().join("tests/fixtures/runtime_names.yaml");
    let text = std::fs::read_to_string(&path).expect("the fixture exists");
    let doc: serde_json::Value = serde_yaml::from_str(&text).expect("the fixture is YAML");
    let schemas = doc["components"]["schemas"]
        .as_object()
        .expect("the fixture has schemas");
    let tags: Vec<&str> = doc["paths"]
        .as_object()
        .expect("the fixture has paths")
        .values()
        .filter_map(|item| item["get"]["tags"][0].as_str())
        .collect();
    let names = apigen::naming::RUNTIME_EXPORTS
        .iter()
        .chain(apigen::naming::FEATURE_EXPORTS.iter().map(|(_, n)| n))
        .chain(apigen::naming::RUNTIME_MODULE_EXPORTS);
    for name in names {
        assert!(schemas.contains_key(*name), "no schema named `{name}`");
        assert!(tags.contains(name), "no resource named `{name}`");
    }
    for module in ["models", "runtime", "exports", "profile"] {
        assert!(tags.contains(&module), "no resource named `{module}`");
    }
}
