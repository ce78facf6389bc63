//! The committed `generated/` crate is exactly what the generator renders from `spec/`.

use apigen_tests::{generate_spec, workspace_root};

#[test]
fn generated_crate_is_up_to_date() {
    let output = generate_spec();
    let dir = workspace_root().join("generated");
    let changes = apigen::write::diff(&dir, &output.files)
        .unwrap_or_else(|e| panic!("cannot compare generated/ with spec/openapi.yaml: {e}"));
    let list: Vec<String> = changes
        .iter()
        .map(|c| format!("  {}", c.planned()))
        .collect();
    assert!(
        changes.is_empty(),
        "generated/ is out of date with spec/openapi.yaml:\n{}\nrun `cargo xtask codegen` to update it",
        list.join("\n")
    );
}

#[test]
fn every_generated_file_is_marked() {
    let output = generate_spec();
    for (path, text) in &output.files {
        let first = text.lines().next().unwrap_or_default();
        assert!(
            first.contains("@generated")
                && first.contains("spec/openapi.yaml")
                && first.contains("do not edit"),
            "{path} must start with the @generated header, found {first:?}"
        );
    }
}

#[test]
fn runtime_copies_are_verbatim() {
    let output = generate_spec();
    let runtime_dir = workspace_root().join("generator/runtime");
    let mut sources: Vec<String> = std::fs::read_dir(&runtime_dir)
        .expect("generator/runtime exists")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".rs"))
        .collect();
    sources.sort();
    assert!(!sources.is_empty());
    for name in sources {
        let source = std::fs::read_to_string(runtime_dir.join(&name)).expect("readable");
        let copy = output
            .files
            .get(&format!("src/runtime/{name}"))
            .unwrap_or_else(|| panic!("runtime/{name} is not copied into the crate"));
        let (header, body) = copy.split_once('\n').expect("header line");
        assert!(header.contains("@generated"));
        assert_eq!(
            body, source,
            "src/runtime/{name} differs from generator/runtime/{name}"
        );
    }
}

/// Neither the generated crate nor anything it is made from carries a credential: no
/// literal bearer token or API key value, only the names of the headers and variables.
#[test]
fn no_credentials_in_generated_code() {
    let output = generate_spec();
    let looks_like_secret = |word: &str| {
        word.len() >= 20
            && word
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            && word.chars().any(|c| c.is_ascii_digit())
            && word.chars().any(|c| c.is_ascii_alphabetic())
    };
    for (path, text) in &output.files {
        for (n, line) in text.lines().enumerate() {
            let lower = line.to_ascii_lowercase();
            let mentions_secret = ["bearer ", "x-auth-key:", "api_key=", "token="]
                .iter()
                .any(|k| lower.contains(k));
            if !mentions_secret {
                continue;
            }
            for word in line.split(|c: char| c.is_whitespace() || "\"'`:=,;()".contains(c)) {
                assert!(
                    !looks_like_secret(word),
                    "{path}:{}: looks like a credential: {line}",
                    n + 1
                );
            }
        }
    }
}
