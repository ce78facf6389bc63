//! Generality on a large, messy, real spec: Cloudflare's published description.

use apigen_tests::workspace_root;
use std::collections::BTreeSet;

fn generate(spec: &str, config: Option<&str>) -> apigen::Output {
    let root = workspace_root();
    let input = apigen::load::read_input(
        &root,
        &root.join(spec),
        config.map(|c| root.join(c)).as_deref(),
    )
    .expect("readable");
    apigen::generate(input.as_input()).unwrap_or_else(|d| panic!("{spec} must generate:\n{d}"))
}

/// (method, path) of every operation in a JSON spec.
fn spec_operations(spec: &str) -> BTreeSet<(String, String)> {
    let text = std::fs::read_to_string(workspace_root().join(spec)).expect("readable");
    let doc: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    let mut out = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in [
            "get", "put", "post", "delete", "options", "head", "patch", "trace",
        ] {
            if item.get(method).is_some() {
                out.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    out
}

#[test]
fn full_cloudflare_spec_generates_every_operation() {
    let spec = "tests/fixtures/cloudflare/openapi.json";
    let output = generate(spec, None);
    let generated: BTreeSet<(String, String)> = output
        .api
        .resources
        .iter()
        .flat_map(|r| &r.operations)
        .map(|op| (op.http_method.as_str().to_string(), op.path.clone()))
        .collect();
    let expected = spec_operations(spec);
    assert_eq!(expected.len(), 1533);
    let skipped: Vec<_> = expected.difference(&generated).collect();
    assert!(skipped.is_empty(), "operations left out: {skipped:?}");
    // Every warning names a place in the spec.
    for warning in &output.warnings {
        assert!(
            warning.pointer.starts_with("#/"),
            "warning without a JSON pointer: {warning}"
        );
    }
    assert!(output.files.contains_key("src/models.rs"));
}

#[test]
fn cloudflare_and_our_spec_expose_the_same_methods() {
    let methods = |output: &apigen::Output| -> BTreeSet<String> {
        output
            .api
            .resources
            .iter()
            .filter(|r| r.module == "client_certificates")
            .flat_map(|r| &r.operations)
            .map(|op| op.method_name.clone())
            .collect()
    };
    let ours = generate("spec/openapi.yaml", Some("spec/codegen.toml"));
    let theirs = generate(
        "tests/fixtures/cloudflare/client-certificates.json",
        Some("spec/codegen.toml"),
    );
    let expected: BTreeSet<String> = ["list", "get", "create", "edit", "delete"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(methods(&ours), expected);
    assert_eq!(methods(&theirs), expected);
}
