//! Defects of the input that `openapiv3` accepts silently, found on the raw document so
//! they can be reported with their exact place: lowercase status ranges, media types that
//! are not `type/subtype`, and boolean defaults written as strings.

use super::OPERATION_FIELDS;
use super::at::At;
use crate::diag::{Diagnostic, child};
use serde_json::Value;

pub fn lint(doc: &Value) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    empty_server_enums(doc, "#", &mut out);
    if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
        for (path, item) in paths {
            let path_pointer = child("#/paths", path);
            empty_server_enums(item, &path_pointer, &mut out);
            let Some(item) = item.as_object() else {
                continue;
            };
            for (method, op) in item {
                if !OPERATION_FIELDS.contains(&method.as_str()) {
                    continue;
                }
                let op_pointer = child(&path_pointer, method);
                empty_server_enums(op, &op_pointer, &mut out);
                if let Some(responses) = op.get("responses").and_then(Value::as_object) {
                    for (code, response) in responses {
                        let at = child(&child(&op_pointer, "responses"), code);
                        if code.len() == 3
                            && code.ends_with("xx")
                            && code.starts_with(|c: char| c.is_ascii_digit())
                        {
                            out.push(
                                Diagnostic::warning(&at, format!("status range `{code}` must be written in upper case; read as `{}`", code.to_ascii_uppercase()))
                                    .with_hint(format!("write `{}`", code.to_ascii_uppercase())),
                            );
                        }
                        media_types(response, &at, &mut out);
                    }
                }
                if let Some(body) = op.get("requestBody") {
                    media_types(body, &child(&op_pointer, "requestBody"), &mut out);
                }
            }
        }
    }
    walk_defaults(doc, &At::Root, &mut out, 0);
    out
}

/// Server variables with `enum: []`, which `openapiv3` reads as no enum at all.
fn empty_server_enums(holder: &Value, pointer: &str, out: &mut Vec<Diagnostic>) {
    let Some(servers) = holder.get("servers").and_then(Value::as_array) else {
        return;
    };
    for (i, server) in servers.iter().enumerate() {
        let Some(variables) = server.get("variables").and_then(Value::as_object) else {
            continue;
        };
        for (name, var) in variables {
            if var
                .get("enum")
                .and_then(Value::as_array)
                .is_some_and(Vec::is_empty)
            {
                let at = child(
                    &child(
                        &child(&child(pointer, "servers"), &i.to_string()),
                        "variables",
                    ),
                    name,
                );
                out.push(
                    Diagnostic::warning(
                        child(&at, "enum"),
                        format!("server variable `{name}` has an empty `enum`, which allows no value; it is taken as a free string with its default"),
                    )
                    .with_hint("list the allowed values, or remove `enum`"),
                );
            }
        }
    }
}

fn media_types(holder: &Value, pointer: &str, out: &mut Vec<Diagnostic>) {
    let Some(content) = holder.get("content").and_then(Value::as_object) else {
        return;
    };
    for media in content.keys() {
        let essence = media.split(';').next().unwrap_or("").trim();
        let valid = essence
            .split_once('/')
            .is_some_and(|(a, b)| !a.is_empty() && !b.is_empty());
        if !valid {
            out.push(
                Diagnostic::warning(
                    child(&child(pointer, "content"), media),
                    format!("`{media}` is not a media type (`type/subtype`); the body is treated as JSON"),
                )
                .with_hint("write the real media type, e.g. `application/json`"),
            );
        }
    }
}

/// Schemas whose `type` is boolean but whose `default` is the string "true"/"false".
fn walk_defaults(value: &Value, at: &At, out: &mut Vec<Diagnostic>, depth: usize) {
    if depth > 256 {
        return;
    }
    match value {
        Value::Object(map) => {
            if let Some(Value::String(s)) = map.get("default")
                && map.get("type").and_then(Value::as_str) == Some("boolean")
            {
                out.push(
                    Diagnostic::warning(
                        At::Key(at, "default").pointer(),
                        format!("boolean schema with the string default `\"{s}\"`"),
                    )
                    .with_hint(format!(
                        "write `default: {}` without quotes",
                        s.trim().to_ascii_lowercase()
                    )),
                );
            }
            for (key, v) in map {
                if key == "example" || key == "examples" || key == "enum" {
                    continue;
                }
                if v.is_object() || v.is_array() {
                    walk_defaults(v, &At::Key(at, key), out, depth + 1);
                }
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                if v.is_object() || v.is_array() {
                    walk_defaults(v, &At::Index(at, i), out, depth + 1);
                }
            }
        }
        _ => {}
    }
}
