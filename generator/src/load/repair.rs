//! Changes made to the raw document before it is parsed, for what `openapiv3` cannot read
//! but whose meaning is clear:
//!
//! - operation `callbacks`, which OpenAPI 3.0 lets be `$ref`s (`openapiv3` reads only inline
//!   ones) and which a client never calls, are dropped;
//! - a schema `pattern` written as a number or boolean (`pattern: 0`) is read as its text,
//!   with a warning;
//! - an `encoding` entry's `explode`, which `openapiv3` reads as `false` when absent
//!   although OpenAPI's default depends on the style, is copied to `x-apigen-explode` so
//!   that lower knows whether the spec gave it.

use super::OPERATION_FIELDS;
use crate::diag::Diagnostic;
use serde_json::Value;

/// Copies each `encoding` entry's `explode` of a request body to `x-apigen-explode`.
fn mark_explode(body: &mut Value) {
    let Some(content) = body.get_mut("content").and_then(Value::as_object_mut) else {
        return;
    };
    for media in content.values_mut() {
        let Some(encoding) = media.get_mut("encoding").and_then(Value::as_object_mut) else {
            continue;
        };
        for entry in encoding.values_mut() {
            if let Some(entry) = entry.as_object_mut()
                && let Some(explode) = entry.get("explode").filter(|e| e.is_boolean()).cloned()
            {
                entry.insert("x-apigen-explode".to_owned(), explode);
            }
        }
    }
}

pub(super) fn repair(doc: &mut Value) -> Vec<Diagnostic> {
    let mut warnings = Vec::new();
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for item in paths.values_mut() {
            let Some(item) = item.as_object_mut() else {
                continue;
            };
            for (method, op) in item.iter_mut() {
                if OPERATION_FIELDS.contains(&method.as_str())
                    && let Some(op) = op.as_object_mut()
                {
                    op.remove("callbacks");
                    if let Some(body) = op.get_mut("requestBody") {
                        mark_explode(body);
                    }
                }
            }
        }
    }
    if let Some(bodies) = doc
        .pointer_mut("/components/requestBodies")
        .and_then(Value::as_object_mut)
    {
        bodies.values_mut().for_each(mark_explode);
    }
    let mut found = Vec::new();
    patterns(doc, &mut Vec::new(), &mut found, 0);
    for pointer in found {
        let Some(pattern) = doc.pointer_mut(&pointer) else {
            continue;
        };
        let text = pattern.to_string();
        warnings.push(
            Diagnostic::warning(
                format!("#{pointer}"),
                format!("`pattern` must be a string (a regular expression), not `{text}`; it is read as \"{text}\""),
            )
            .with_hint(format!("quote it: `pattern: \"{text}\"`")),
        );
        *pattern = Value::String(text);
    }
    warnings
}

/// Change the document as the shape check's warnings say it is read: a response without
/// `description` gets an empty one, a parameter or header without `schema` or `content`
/// the schema `{type: string}`.
pub(super) fn apply_readings(doc: &mut Value, warnings: &[Diagnostic]) {
    for w in warnings {
        let Some(object) = w
            .pointer
            .strip_prefix('#')
            .and_then(|p| doc.pointer_mut(p))
            .and_then(Value::as_object_mut)
        else {
            continue;
        };
        if w.message.ends_with(super::shape::READ_EMPTY) {
            object
                .entry("description")
                .or_insert_with(|| Value::String(String::new()));
        } else if w.message.ends_with(super::shape::READ_STRING) && !object.contains_key("content")
        {
            object
                .entry("schema")
                .or_insert_with(|| serde_json::json!({"type": "string"}));
        }
    }
}

/// One step of the way down the document; spelt out only when something is found.
enum Step<'v> {
    Key(&'v str),
    Index(usize),
}

/// JSON pointers (without `#`) of every `pattern` that is a number or a boolean.
fn patterns<'v>(value: &'v Value, path: &mut Vec<Step<'v>>, out: &mut Vec<String>, depth: usize) {
    if depth > 512 {
        return;
    }
    if let Value::Object(map) = value
        && matches!(map.get("pattern"), Some(Value::Number(_) | Value::Bool(_)))
    {
        let mut pointer = String::new();
        for step in path.iter().chain(std::iter::once(&Step::Key("pattern"))) {
            pointer.push('/');
            match step {
                Step::Key(key) => pointer.push_str(&key.replace('~', "~0").replace('/', "~1")),
                Step::Index(i) => pointer.push_str(&i.to_string()),
            }
        }
        out.push(pointer);
    }
    let mut visit = |path: &mut Vec<Step<'v>>, step: Step<'v>, v: &'v Value| {
        if v.is_object() || v.is_array() {
            path.push(step);
            patterns(v, path, out, depth + 1);
            path.pop();
        }
    };
    match value {
        Value::Object(map) => {
            let parent = match path.last() {
                Some(Step::Key(key)) => Some(*key),
                _ => None,
            };
            for (key, v) in map {
                if !super::holds_data(key, parent) {
                    visit(path, Step::Key(key), v);
                }
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                visit(path, Step::Index(i), v);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_callbacks_and_quotes_patterns() {
        let mut doc = serde_json::json!({
            "paths": {"/a": {"post": {"callbacks": {"c": {"$ref": "#/components/callbacks/c"}}, "responses": {}}}},
            "components": {"schemas": {
                "T": {"type": "string", "pattern": 0, "example": {"pattern": 1}}
            }}
        });
        let warnings = repair(&mut doc);
        assert!(doc.pointer("/paths/~1a/post/callbacks").is_none());
        assert_eq!(
            doc.pointer("/components/schemas/T/pattern"),
            Some(&Value::from("0"))
        );
        assert_eq!(
            doc.pointer("/components/schemas/T/example/pattern"),
            Some(&Value::from(1))
        );
        assert_eq!(warnings.len(), 1);
        assert_eq!(warnings[0].pointer, "#/components/schemas/T/pattern");
    }
}
