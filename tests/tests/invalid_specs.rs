//! The generator under bad input: every spec in `tests/fixtures/invalid/` (found by a glob,
//! so a new case needs no new code) with the exact message a user sees, rendered as the
//! xtask prints it. A refused spec shows its errors; a spec that is accepted shows the
//! warnings that make it worth a place here. Inputs too large to commit are built here.

use apigen::diag::{Diagnostic, Diagnostics, Severity};
use apigen_tests::{generate_fixture, workspace_root};
use std::path::{Path, PathBuf};

fn settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings
}

/// Spec files of the corpus, sorted (`<stem>.codegen.toml` files beside them are configs).
fn invalid_fixtures() -> Vec<PathBuf> {
    let dir = workspace_root().join("tests/fixtures/invalid");
    let mut out: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/fixtures/invalid exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("yaml" | "yml" | "json")
            )
        })
        .collect();
    out.sort();
    out
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default()
        .to_string()
}

/// What generation says about a spec: its errors if refused, else its warnings.
fn outcome(path: &Path) -> Result<String, String> {
    let text = std::fs::read_to_string(path).expect("fixture is readable");
    let name = stem(path);
    match generate_fixture(path) {
        Err(diagnostics) => {
            check_errors(&name, &diagnostics)?;
            // Shown against the file they name: the spec, or its config.
            let named = diagnostics
                .0
                .first()
                .map(|d| workspace_root().join(&d.file));
            let source = named
                .and_then(|file| std::fs::read_to_string(file).ok())
                .unwrap_or(text);
            Ok(format!("refused\n\n{}", diagnostics.render(&source)))
        }
        Ok(output) if output.warnings.is_empty() => Err(format!(
            "{name}: generates without a warning, so it does not belong in invalid/"
        )),
        Ok(output) => Ok(format!(
            "generated, with warnings\n\n{}",
            apigen::diag::render(&output.warnings, &text)
        )),
    }
}

/// Every error names its file and a JSON pointer, says what is wrong and how to fix it.
fn check_errors(name: &str, diagnostics: &Diagnostics) -> Result<(), String> {
    if diagnostics.errors().next().is_none() {
        return Err(format!("{name}: refused without an error"));
    }
    for d in diagnostics.errors() {
        let problem = if d.file.is_empty() {
            Some("names no file")
        } else if !d.pointer.is_empty() && d.pointer != "#" && !d.pointer.starts_with("#/") {
            Some("has a malformed JSON pointer")
        } else if d.message.trim().is_empty() {
            Some("has no message")
        } else if d.hint.as_deref().is_none_or(|h| h.trim().is_empty()) {
            Some("has no hint")
        } else if !d.pointer.is_empty() && d.line.is_none() {
            Some("has a pointer but no line")
        } else {
            None
        };
        if let Some(problem) = problem {
            return Err(format!("{name}: error {problem}:\n{d}"));
        }
    }
    Ok(())
}

#[test]
fn invalid_specs_give_located_hinted_messages() {
    let fixtures = invalid_fixtures();
    assert!(
        fixtures.len() >= 25,
        "expected at least 25 invalid specs, found {}",
        fixtures.len()
    );
    let mut failures = Vec::new();
    settings().bind(|| {
        for path in &fixtures {
            match outcome(path) {
                Ok(text) => insta::assert_snapshot!(stem(path), text),
                Err(problem) => failures.push(problem),
            }
        }
    });
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn several_errors_are_reported_in_one_run() {
    let path = workspace_root().join("tests/fixtures/invalid/several_errors.yaml");
    let diagnostics = generate_fixture(&path).expect_err("the spec is refused");
    let errors: Vec<&Diagnostic> = diagnostics.errors().collect();
    let has = |pointer: &str, text: &str| {
        errors
            .iter()
            .any(|d| d.pointer == pointer && d.message.contains(text))
    };
    assert!(
        has(
            "#/paths/~1users/get/responses/200/content/application~1json/schema/$ref",
            "#/components/examples/Users"
        ),
        "{diagnostics}"
    );
    assert!(
        has(
            "#/paths/~1groups/get/responses/200/content/application~1json/schema/$ref",
            "#/components/examples/Groups"
        ),
        "{diagnostics}"
    );
    assert!(
        has(
            "#/paths/~1admins/get/responses/200/content/application~1json/schema/$ref",
            "common.yaml"
        ),
        "{diagnostics}"
    );
    assert_eq!(errors.len(), 3, "{diagnostics}");
    // Defects with a reading are warnings beside them.
    assert!(
        diagnostics
            .0
            .iter()
            .any(|d| d.severity == Severity::Warning && d.message.contains("duplicate operationId")),
        "{diagnostics}"
    );
}

/// Run `f` on a thread with a modest stack, as a user's main thread would have, and fail
/// the test (instead of aborting the process) if it panics.
fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(8 * 1024 * 1024)
        .spawn(f)
        .expect("thread starts")
        .join()
        .expect("the generator does not panic")
}

fn generate_text(name: &str, text: String) -> (String, Result<apigen::Output, Diagnostics>) {
    let name = name.to_string();
    on_small_stack(move || {
        let result = apigen::generate(apigen::Input {
            spec_name: &name,
            spec_text: &text,
            config: Default::default(),
            extra_files: Vec::new(),
        });
        (text, result)
    })
}

/// A document nesting `depth` schemas, each the only property of its parent.
fn nested_json(depth: usize) -> String {
    let schema = format!(
        "{}{{\"type\": \"string\"}}{}",
        r#"{"type": "object", "properties": {"inner": "#.repeat(depth),
        "}}".repeat(depth)
    );
    format!(
        r#"{{"openapi": "3.0.3", "info": {{"title": "Deep", "version": "1"}}, "paths": {{}},
"components": {{"schemas": {{"Deep": {schema}}}}}}}"#
    )
}

/// The same in YAML: block style for the first levels, then flow style (block style alone
/// would need quadratic indentation: hundreds of megabytes at 10,000 levels).
fn nested_yaml(depth: usize) -> String {
    let block = depth.min(100);
    let mut text = String::from(
        "openapi: 3.0.3\ninfo: {title: Deep, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n    Deep:\n",
    );
    let mut indent = 6;
    for _ in 0..block {
        let pad = " ".repeat(indent);
        text.push_str(&format!(
            "{pad}type: object\n{pad}properties:\n{pad}  inner:\n"
        ));
        indent += 4;
    }
    let flow = format!(
        "{}{{type: string}}{}",
        "{type: object, properties: {inner: ".repeat(depth - block),
        "}}".repeat(depth - block)
    );
    text.push_str(&format!("{}{flow}\n", " ".repeat(indent)));
    text
}

#[test]
fn schemas_nested_10000_deep_are_refused_cleanly() {
    for (name, text) in [
        ("deep.json", nested_json(10_000)),
        ("deep.yaml", nested_yaml(10_000)),
    ] {
        let (text, result) = generate_text(name, text);
        let diagnostics = result.expect_err("too deep to read");
        let rendered = diagnostics.render(&text);
        let error = diagnostics.errors().next().expect("an error");
        assert!(error.message.contains("levels deep"), "{name}: {rendered}");
        assert!(error.line.is_some(), "{name}: no line: {rendered}");
        assert!(rendered.len() < 4_000, "{name}: {rendered}");
    }
}

/// A document whose deepest node is exactly `depth` levels down (the root is level 1),
/// reached by wrapping a schema in `wrapper` over and over.
fn nested_to(depth: usize, wrapper: &str) -> String {
    // Root, components, schemas and the component itself are the first four levels.
    let mut schema = String::from(r#"{"type": "string"}"#);
    let mut reached = 4;
    loop {
        let (wrapped, levels) = match wrapper {
            "properties" => (
                format!(r#"{{"type": "object", "properties": {{"inner": {schema}}}}}"#),
                2,
            ),
            "items" => (format!(r#"{{"type": "array", "items": {schema}}}"#), 1),
            "additionalProperties" => (
                format!(r#"{{"type": "object", "additionalProperties": {schema}}}"#),
                1,
            ),
            keyword => (
                format!(r#"{{"{keyword}": [{schema}, {{"type": "object"}}]}}"#),
                2,
            ),
        };
        if reached + levels > depth {
            break;
        }
        schema = wrapped;
        reached += levels;
    }
    format!(
        r#"{{"openapi": "3.0.3", "info": {{"title": "Deep", "version": "1"}}, "paths": {{}},
"components": {{"schemas": {{"Deep": {schema}}}}}}}"#
    )
}

#[test]
fn nesting_up_to_the_limit_generates_on_a_2_mb_stack() {
    for wrapper in [
        "properties",
        "items",
        "additionalProperties",
        "allOf",
        "oneOf",
        "anyOf",
    ] {
        let text = nested_to(64, wrapper);
        let result = std::thread::Builder::new()
            .stack_size(2 * 1024 * 1024)
            .spawn(move || {
                apigen::generate(apigen::Input {
                    spec_name: "deep.json",
                    spec_text: &text,
                    config: Default::default(),
                    extra_files: Vec::new(),
                })
                .map(|_| ())
            })
            .expect("thread starts")
            .join()
            .expect("the generator does not panic");
        if let Err(d) = result {
            panic!("{wrapper}: must generate:\n{d}");
        }
    }
}

#[test]
fn nesting_past_the_limit_is_refused_at_the_deep_node() {
    let text = nested_to(70, "properties");
    let (text, result) = generate_text("deep.json", text);
    let diagnostics = result.expect_err("too deep");
    let error = diagnostics.errors().next().expect("an error");
    assert!(error.message.contains("64 levels deep"), "{diagnostics}");
    assert!(
        error
            .pointer
            .starts_with("#/components/schemas/Deep/properties/inner/"),
        "{diagnostics}"
    );
    assert!(diagnostics.render(&text).len() < 4_000);
}

#[test]
fn a_deeply_nested_shape_error_is_found_quickly() {
    // `openapiv3` alone retries every untagged level above the error: minutes for this.
    let mut schema = String::from(r#"{"enum": false}"#);
    for _ in 0..25 {
        schema = format!(r#"{{"allOf": [{schema}]}}"#);
    }
    let text = format!(
        r#"{{"openapi": "3.0.3", "info": {{"title": "T", "version": "1"}}, "paths": {{}},
"components": {{"schemas": {{"Deep": {schema}}}}}}}"#
    );
    let started = std::time::Instant::now();
    let (_, result) = generate_text("deep.json", text);
    let diagnostics = result.expect_err("`enum: false` is refused");
    assert!(started.elapsed().as_secs() < 10, "{:?}", started.elapsed());
    let error = diagnostics.errors().next().expect("an error");
    assert!(error.pointer.ends_with("/allOf/0/enum"), "{diagnostics}");
    assert!(
        error.message.contains("`enum` must be a list"),
        "{diagnostics}"
    );
}

/// A spec of over 50 MB: many operations whose responses carry large examples (long
/// strings rather than many small nodes, so the test stays quick in a debug build).
fn large_spec(minified: bool, bad_ref_at_end: bool) -> String {
    use serde_json::{Value, json};
    let text = "lorem ipsum dolor sit amet ".repeat(32);
    let rows: Vec<Value> = (0..40)
        .map(
            |i| json!({"id": i, "name": format!("item {i}"), "notes": text, "enabled": i % 2 == 0}),
        )
        .collect();
    let example = Value::Array(rows);
    let mut paths = serde_json::Map::new();
    let operations = 1_500;
    for i in 0..operations {
        let target = if bad_ref_at_end && i == operations - 1 {
            "#/components/examples/Missing"
        } else {
            "#/components/schemas/Item"
        };
        paths.insert(
            format!("/items{i}"),
            json!({"get": {
                "operationId": format!("listItems{i}"),
                "responses": {"200": {
                    "description": "Items.",
                    "content": {"application/json": {
                        "schema": {"type": "array", "items": {"$ref": target}},
                        "example": example,
                    }},
                }},
            }}),
        );
    }
    let doc = json!({
        "openapi": "3.0.3",
        "info": {"title": "Large", "version": "1"},
        "paths": paths,
        "components": {"schemas": {"Item": {
            "type": "object",
            "required": ["id"],
            "properties": {
                "id": {"type": "integer"},
                "name": {"type": "string"},
                "tags": {"type": "array", "items": {"type": "string"}},
                "enabled": {"type": "boolean"},
            },
        }}},
    });
    if minified {
        serde_json::to_string(&doc).expect("serializes")
    } else {
        serde_json::to_string_pretty(&doc).expect("serializes")
    }
}

#[test]
fn a_50_mb_spec_generates() {
    let text = large_spec(false, false);
    assert!(text.len() > 50_000_000, "{} bytes", text.len());
    let (_, result) = generate_text("large.json", text);
    let output = result.unwrap_or_else(|d| panic!("must generate:\n{d}"));
    let operations = output.api.operation_count();
    assert_eq!(operations, 1_500);
}

#[test]
fn an_error_at_the_end_of_a_50_mb_line_is_located_and_shown_briefly() {
    let text = large_spec(true, true);
    assert!(text.len() > 50_000_000, "{} bytes", text.len());
    let (text, result) = generate_text("large.json", text);
    let diagnostics = result.expect_err("the reference into `examples` is refused");
    let errors: Vec<&Diagnostic> = diagnostics.errors().collect();
    assert_eq!(errors.len(), 1, "{diagnostics}");
    let error = errors[0];
    assert_eq!(
        error.pointer,
        "#/paths/~1items1499/get/responses/200/content/application~1json/schema/items/$ref"
    );
    assert_eq!(error.line, Some(1));
    let rendered = diagnostics.render(&text);
    assert!(rendered.len() < 2_000, "{rendered}");
    assert!(
        rendered.contains("#/components/examples/Missing"),
        "{rendered}"
    );
    assert_eq!(
        diagnostics
            .0
            .iter()
            .filter(|d| d.severity == Severity::Warning)
            .count(),
        0
    );
}
