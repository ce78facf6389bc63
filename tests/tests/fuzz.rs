//! The generator never panics, whatever it is given: property tests over arbitrary bytes,
//! arbitrary text, token soup shaped like YAML and JSON, and random mutations of the real
//! fixture specs. Each input must either generate or be refused with at least one error
//! that says something; rendering the outcome must not panic either.
//!
//! `APIGEN_FUZZ_CASES` sets the number of cases per property (default 256); for a long run:
//! `APIGEN_FUZZ_CASES=20000 cargo test --release -p apigen-tests --test fuzz`.
//! `APIGEN_FUZZ_SAVE=<file>` writes each input there before generating, so the input that
//! aborted a run (a stack overflow cannot be caught) is left behind.
//! `APIGEN_FUZZ_SLOW_MS=<ms>` fails (and so shrinks) any case that takes longer than that.

use apigen::diag::Severity;
use apigen_tests::workspace_root;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError};
use serde_json::{Map, Value};
use std::sync::OnceLock;

fn config() -> Config {
    let cases = std::env::var("APIGEN_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256);
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

/// Generate from `text` and check the outcome.
fn check(name: &str, text: &str) -> Result<(), TestCaseError> {
    if let Ok(path) = std::env::var("APIGEN_FUZZ_SAVE") {
        let _ = std::fs::write(path, text);
    }
    let started = std::time::Instant::now();
    let result = apigen::generate(apigen::Input {
        spec_name: name,
        spec_text: text,
        config: Default::default(),
        extra_files: Vec::new(),
    });
    if let Some(limit) = std::env::var("APIGEN_FUZZ_SLOW_MS")
        .ok()
        .and_then(|v| v.parse::<u128>().ok())
    {
        let took = started.elapsed().as_millis();
        prop_assert!(took <= limit, "took {took} ms for {} bytes", text.len());
    }
    match result {
        Ok(output) => {
            let _ = apigen::diag::render(&output.warnings, text);
        }
        Err(diagnostics) => {
            prop_assert!(
                diagnostics
                    .0
                    .iter()
                    .any(|d| d.severity == Severity::Error && !d.message.trim().is_empty()),
                "refused without an error message: {diagnostics:?}"
            );
            let rendered = diagnostics.render(text);
            prop_assert!(rendered.contains("error"), "{rendered}");
        }
    }
    Ok(())
}

/// Pieces of YAML and JSON documents, so random concatenations reach past the parser.
const TOKENS: &[&str] = &[
    "openapi: 3.0.3\n",
    "openapi: '3.0.0'\n",
    "info: {title: t, version: '1'}\n",
    "info:\n  title: t\n  version: '1'\n",
    "paths:\n",
    "  /a/{id}:\n",
    "  /b:\n",
    "    get:\n",
    "    post:\n",
    "      operationId: op\n",
    "      parameters:\n",
    "        - {name: id, in: path, required: true, schema: {type: string}}\n",
    "        - {name: q, in: query, style: deepObject, schema: {type: object}}\n",
    "      responses:\n",
    "        '200':\n",
    "          description: ok\n",
    "          content:\n",
    "            application/json:\n",
    "              schema:\n",
    "                $ref: '#/components/schemas/A'\n",
    "components:\n",
    "  schemas:\n",
    "    A:\n",
    "      type: object\n",
    "      properties:\n",
    "        b: {$ref: '#/components/schemas/B'}\n",
    "    B: {allOf: [{$ref: '#/components/schemas/A'}]}\n",
    "      enum: [a, 1, null]\n",
    "      required: [b]\n",
    "      items: {}\n",
    "  - ",
    "    ",
    ": ",
    "{",
    "}",
    "[",
    "]",
    ",",
    "\"",
    "'",
    "&anchor ",
    "*anchor",
    "---\n",
    "\"openapi\": \"3.0.3\"",
    "\"paths\": {}",
    "\"$ref\": \"#/components/schemas/A\"",
    "\n",
    "~",
    "null",
    "-1e999",
    "\u{0}",
    "é",
];

fn token_soup() -> impl Strategy<Value = String> {
    proptest::collection::vec(proptest::sample::select(TOKENS), 0..60)
        .prop_map(|tokens| tokens.concat())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2_000)) {
        let text = String::from_utf8_lossy(&bytes);
        check("fuzz.yaml", &text)?;
        check("fuzz.json", &format!("{{{text}"))?;
    }

    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        check("fuzz.yaml", &text)?;
    }

    #[test]
    fn token_soup_never_panics(text in token_soup()) {
        check("fuzz.yaml", &text)?;
    }

    #[test]
    fn mutated_fixtures_never_panic(
        seed in 0..seeds().len(),
        mutations in proptest::collection::vec(mutation(), 1..6),
    ) {
        let (name, original) = &seeds()[seed];
        let mut doc = original.clone();
        for m in &mutations {
            apply(&mut doc, m);
        }
        let text = serde_json::to_string(&doc).expect("a JSON value serializes");
        check(&format!("{name}.json"), &text)?;
    }
}

/// The real specs the mutations start from, as JSON values.
fn seeds() -> &'static [(String, Value)] {
    static SEEDS: OnceLock<Vec<(String, Value)>> = OnceLock::new();
    SEEDS.get_or_init(|| {
        let root = workspace_root();
        let mut paths = vec![
            root.join("spec/openapi.yaml"),
            root.join("tests/fixtures/cloudflare/client-certificates.json"),
        ];
        for dir in ["tests/fixtures", "tests/fixtures/defects"] {
            let mut found: Vec<_> = std::fs::read_dir(root.join(dir))
                .expect("fixtures exist")
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
                .collect();
            found.sort();
            paths.extend(found);
        }
        paths
            .into_iter()
            .map(|path| {
                let text = std::fs::read_to_string(&path).expect("readable");
                let value: Value = serde_yaml::from_str(&text).expect("seed specs parse");
                let name = path
                    .file_stem()
                    .and_then(|s| s.to_str())
                    .unwrap_or("seed")
                    .to_string();
                (name, value)
            })
            .collect()
    })
}

/// One change to a document. Node numbers pick a node in document order (modulo the count).
#[derive(Debug, Clone)]
enum Mutation {
    Delete(usize),
    Replace(usize, Value),
    /// Copy the first node into the second (appended to a list or mapping, else replacing).
    Duplicate(usize, usize),
    RenameKey(usize, String),
    SetRef(usize, String),
    /// Wrap the node this many times in an object property, `allOf` or list.
    Nest(usize, usize, u8),
    Swap(usize, usize),
}

/// Keys and words that matter to OpenAPI, so mutations make plausible mistakes.
const WORDS: &[&str] = &[
    "$ref",
    "type",
    "properties",
    "items",
    "allOf",
    "oneOf",
    "anyOf",
    "not",
    "required",
    "enum",
    "nullable",
    "additionalProperties",
    "discriminator",
    "parameters",
    "in",
    "name",
    "style",
    "explode",
    "schema",
    "responses",
    "requestBody",
    "content",
    "application/json",
    "200",
    "2XX",
    "default",
    "get",
    "post",
    "operationId",
    "tags",
    "security",
    "components",
    "schemas",
    "paths",
    "/a/{id}",
    "{id}",
    "object",
    "string",
    "integer",
    "array",
    "deepObject",
    "matrix",
    "path",
    "query",
    "x-ext",
    "",
    "type",
    "self",
    "Self",
    "2fa",
    "Ünïcode",
];

const REFS: &[&str] = &[
    "#/components/schemas/A",
    "#/components/schemas/",
    "#/components/schemas",
    "#/components/parameters/P",
    "#/components/responses/R",
    "#/components/requestBodies/B",
    "#",
    "",
    "#/paths",
    "other.yaml#/components/schemas/A",
    "#/components/schemas/A/properties/b",
    "#/components/schemas/~1~0",
];

fn word() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::sample::select(WORDS).prop_map(str::to_string),
        "[a-zA-Z0-9_{}/$#~.-]{0,12}",
    ]
}

fn reference() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::sample::select(REFS).prop_map(str::to_string),
        "#/components/schemas/[A-Za-z_]{1,8}",
        any::<String>(),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        word().prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::vec((word(), inner), 0..4)
                .prop_map(|entries| Value::Object(entries.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let node = any::<usize>();
    prop_oneof![
        node.prop_map(Mutation::Delete),
        (node, json_value()).prop_map(|(n, v)| Mutation::Replace(n, v)),
        (node, node).prop_map(|(a, b)| Mutation::Duplicate(a, b)),
        (node, word()).prop_map(|(n, k)| Mutation::RenameKey(n, k)),
        (node, reference()).prop_map(|(n, r)| Mutation::SetRef(n, r)),
        (node, 1..300usize, any::<u8>()).prop_map(|(n, d, k)| Mutation::Nest(n, d, k)),
        (node, node).prop_map(|(a, b)| Mutation::Swap(a, b)),
    ]
}

/// How deep a mutated document may nest.
const MAX_TEST_DEPTH: usize = 400;

/// Levels of nesting of a value, counted without recursion.
fn nesting(value: &Value) -> usize {
    let mut deepest = 0;
    let mut stack = vec![(value, 1)];
    while let Some((v, depth)) = stack.pop() {
        deepest = deepest.max(depth);
        match v {
            Value::Object(map) => stack.extend(map.values().map(|c| (c, depth + 1))),
            Value::Array(items) => stack.extend(items.iter().map(|c| (c, depth + 1))),
            _ => {}
        }
    }
    deepest
}

/// Levels from the root down to the node a pointer names.
fn levels(pointer: &str) -> usize {
    pointer.matches('/').count() + 1
}

/// Pointers of every node, in document order.
fn nodes(value: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![(String::new(), value)];
    while let Some((pointer, v)) = stack.pop() {
        match v {
            Value::Object(map) => {
                for (k, child) in map.iter().rev() {
                    stack.push((format!("{pointer}/{}", escape(k)), child));
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate().rev() {
                    stack.push((format!("{pointer}/{i}"), child));
                }
            }
            _ => {}
        }
        out.push(pointer);
    }
    out
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

fn unescape(segment: &str) -> String {
    segment.replace("~1", "/").replace("~0", "~")
}

fn pick(doc: &Value, n: usize) -> String {
    let all = nodes(doc);
    all[n % all.len()].clone()
}

fn split(pointer: &str) -> Option<(&str, String)> {
    pointer
        .rsplit_once('/')
        .map(|(parent, last)| (parent, unescape(last)))
}

fn apply(doc: &mut Value, mutation: &Mutation) {
    match mutation {
        Mutation::Delete(n) => {
            let at = pick(doc, *n);
            match split(&at) {
                None => *doc = Value::Null,
                Some((parent, key)) => match doc.pointer_mut(parent) {
                    Some(Value::Object(map)) => {
                        map.shift_remove(&key);
                    }
                    Some(Value::Array(items)) => {
                        if let Ok(i) = key.parse::<usize>()
                            && i < items.len()
                        {
                            items.remove(i);
                        }
                    }
                    _ => {}
                },
            }
        }
        Mutation::Replace(n, value) => {
            let at = pick(doc, *n);
            if let Some(node) = doc.pointer_mut(&at) {
                *node = value.clone();
            }
        }
        Mutation::Duplicate(a, b) => {
            let from = pick(doc, *a);
            let to = pick(doc, *b);
            let Some(copy) = doc.pointer(&from).cloned() else {
                return;
            };
            if levels(&to) + nesting(&copy) > MAX_TEST_DEPTH {
                return;
            }
            let key = split(&from).map_or_else(|| "copy".to_string(), |(_, k)| k);
            match doc.pointer_mut(&to) {
                Some(Value::Array(items)) => items.push(copy),
                Some(Value::Object(map)) => {
                    map.insert(key, copy);
                }
                Some(node) => *node = copy,
                None => {}
            }
        }
        Mutation::RenameKey(n, new_key) => {
            let at = pick(doc, *n);
            if let Some((parent, key)) = split(&at)
                && let Some(Value::Object(map)) = doc.pointer_mut(parent)
                && let Some(value) = map.shift_remove(&key)
            {
                map.insert(new_key.clone(), value);
            }
        }
        Mutation::SetRef(n, reference) => {
            let at = pick(doc, *n);
            match doc.pointer_mut(&at) {
                Some(Value::Object(map)) => {
                    map.insert("$ref".to_string(), Value::String(reference.clone()));
                }
                Some(node) => {
                    let mut map = Map::new();
                    map.insert("$ref".to_string(), Value::String(reference.clone()));
                    *node = Value::Object(map);
                }
                None => {}
            }
        }
        Mutation::Nest(n, depth, kind) => {
            let at = pick(doc, *n);
            // Far past the reader's limit of 128 levels, but shallow enough that this test's
            // own recursive clone, drop and serialization fit a test thread's stack.
            let times = (*depth).min(MAX_TEST_DEPTH.saturating_sub(nesting(doc)) / 2);
            if let Some(node) = doc.pointer_mut(&at) {
                let mut inner = node.take();
                for _ in 0..times {
                    inner = match kind % 3 {
                        0 => serde_json::json!({"type": "object", "properties": {"x": inner}}),
                        1 => serde_json::json!({"allOf": [inner]}),
                        _ => Value::Array(vec![inner]),
                    };
                }
                *node = inner;
            }
        }
        Mutation::Swap(a, b) => {
            let first = pick(doc, *a);
            let second = pick(doc, *b);
            let nested = |x: &str, y: &str| y.starts_with(x);
            if first == second || nested(&first, &second) || nested(&second, &first) {
                return;
            }
            let fits = |at: &str, other: &str| {
                doc.pointer(other)
                    .is_some_and(|v| levels(at) + nesting(v) <= MAX_TEST_DEPTH)
            };
            if !fits(&first, &second) || !fits(&second, &first) {
                return;
            }
            let (Some(x), Some(y)) = (doc.pointer(&first).cloned(), doc.pointer(&second).cloned())
            else {
                return;
            };
            if let Some(node) = doc.pointer_mut(&first) {
                *node = y;
            }
            if let Some(node) = doc.pointer_mut(&second) {
                *node = x;
            }
        }
    }
}
