//! Request bodies that are not JSON, encoded from the JSON value the typed setters
//! built: `application/x-www-form-urlencoded` and `multipart/form-data`.
//!
//! # Forms
//! Each property is a `name=value` pair, percent-encoded. Nested values use the bracket
//! form that form parsers (Rack, PHP, `qs`, and the validating mock the conformance
//! harness runs) read back into objects and arrays: an object as
//! `metadata[order_id]=6735` (the `deepObject` style), an array of plain values as
//! `tags[]=a&tags[]=b`, an array of objects or arrays with indexes
//! (`items[0][price]=1`). A single repeated `tags=a` would read back as a string, not
//! an array of one. `null` values are left out; booleans and numbers are sent as their
//! JSON text.
//!
//! # Multipart
//! Each property is a part named after it, with a boundary no value contains. Strings,
//! numbers and booleans are plain text parts. Objects and arrays are text parts named in
//! the bracket form of forms (`meta[note]`, `tags[]`): what multipart parsers (Rack, PHP,
//! the validating mock) read back, and what APIs such as Stripe's expect, where a JSON
//! part (OpenAPI's default for objects) is read as a string. Properties the spec types as
//! binary are file parts (`filename` and `application/octet-stream`), one per file.

use serde_json::{Map, Value};
use std::sync::atomic::{AtomicU64, Ordering};

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// What `application/x-www-form-urlencoded` leaves unescaped.
const FORM: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'*');

/// The form encoding of `value`, which must be an object.
pub(crate) fn form(value: &Value) -> Result<Vec<u8>, String> {
    let Value::Object(fields) = value else {
        return Err(format!(
            "a form body must be an object of fields, not {}",
            kind(value)
        ));
    };
    let mut pairs: Vec<(String, String)> = Vec::new();
    for (name, value) in fields {
        flatten(name.clone(), value, &mut pairs);
    }
    let encoded: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{}={}", escape(k), escape(v)))
        .collect();
    Ok(encoded.join("&").into_bytes())
}

fn escape(text: &str) -> String {
    utf8_percent_encode(text, FORM)
        .to_string()
        .replace("%20", "+")
}

/// `value` as bracket-named pairs under `key` (see the module docs).
pub(crate) fn flatten(key: String, value: &Value, out: &mut Vec<(String, String)>) {
    match value {
        Value::Null => {}
        Value::Object(fields) => {
            for (name, value) in fields {
                flatten(format!("{key}[{name}]"), value, out);
            }
        }
        Value::Array(items) => {
            let nested = items.iter().any(|i| i.is_object() || i.is_array());
            for (i, item) in items.iter().enumerate() {
                let key = if nested {
                    format!("{key}[{i}]")
                } else {
                    format!("{key}[]")
                };
                flatten(key, item, out);
            }
        }
        Value::String(text) => out.push((key, text.clone())),
        other => out.push((key, other.to_string())),
    }
}

/// A multipart body of `value` (an object), and its `Content-Type` with the boundary.
pub(crate) fn multipart(
    value: &Value,
    content_type: &str,
    binary: &[&str],
) -> Result<(Vec<u8>, String), String> {
    let Value::Object(fields) = value else {
        return Err(format!(
            "a multipart body must be an object of parts, not {}",
            kind(value)
        ));
    };
    let parts = parts(fields, binary);
    let boundary = boundary(&parts);
    let mut body = Vec::new();
    for part in &parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        body.extend_from_slice(part.head.as_bytes());
        body.extend_from_slice(b"\r\n");
        body.extend_from_slice(&part.bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or(content_type)
        .trim();
    Ok((body, format!("{essence}; boundary={boundary}")))
}

struct Part {
    /// Its headers, each line ended by CRLF.
    head: String,
    bytes: Vec<u8>,
}

fn parts(fields: &Map<String, Value>, binary: &[&str]) -> Vec<Part> {
    let mut parts = Vec::new();
    for (name, value) in fields {
        // An array of files or values is one part per item, under the same name.
        let is_bytes = |v: &Value| {
            v.as_array()
                .is_some_and(|items| items.iter().all(|i| i.as_u64().is_some_and(|b| b < 256)))
        };
        let items: Vec<&Value> = match value {
            Value::Array(items) if binary.contains(&name.as_str()) && !is_bytes(value) => {
                items.iter().collect()
            }
            Value::Null => Vec::new(),
            other => vec![other],
        };
        let quoted = name.replace(['"', '\r', '\n'], "_");
        for item in items {
            if binary.contains(&name.as_str()) {
                parts.push(Part {
                    head: format!(
                        "Content-Disposition: form-data; name=\"{quoted}\"; filename=\"{quoted}\"\r\nContent-Type: application/octet-stream\r\n"
                    ),
                    bytes: file_bytes(item),
                });
                continue;
            }
            let mut pairs = Vec::new();
            flatten(name.clone(), item, &mut pairs);
            for (key, text) in pairs {
                let key = key.replace(['"', '\r', '\n'], "_");
                parts.push(Part {
                    head: format!("Content-Disposition: form-data; name=\"{key}\"\r\n"),
                    bytes: text.into_bytes(),
                });
            }
        }
    }
    parts
}

/// The bytes of a file given as a string (its text) or as an array of byte values (as
/// `Vec<u8>` serialises).
fn file_bytes(value: &Value) -> Vec<u8> {
    match value {
        Value::String(text) => text.clone().into_bytes(),
        Value::Array(items) if items.iter().all(|i| i.as_u64().is_some_and(|b| b < 256)) => items
            .iter()
            .filter_map(Value::as_u64)
            .map(|b| b as u8)
            .collect(),
        other => other.to_string().into_bytes(),
    }
}

/// A boundary that occurs in no part.
fn boundary(parts: &[Part]) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    loop {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let candidate = format!("apigen-{:016x}{n:04x}", seed ^ n.rotate_left(17));
        let needle = candidate.as_bytes();
        let clash = parts.iter().any(|p| {
            p.bytes.windows(needle.len()).any(|w| w == needle) || p.head.contains(&candidate)
        });
        if !clash {
            return candidate;
        }
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn forms_nest_objects_and_arrays_in_brackets() {
        let body = json!({
            "email": "jenny rosen@example.com",
            "metadata": {"order_id": 6735, "gift": true},
            "tags": ["a", "b"],
            "items": [{"price": "p_1", "quantity": 2}],
            "absent": null,
        });
        let text = String::from_utf8(form(&body).unwrap()).unwrap();
        // Fields in the order of the JSON map, which depends on serde_json's features:
        // compare the pairs as a set.
        let mut pairs: Vec<&str> = text.split('&').collect();
        pairs.sort_unstable();
        assert_eq!(
            pairs,
            [
                "email=jenny+rosen%40example.com",
                "items%5B0%5D%5Bprice%5D=p_1",
                "items%5B0%5D%5Bquantity%5D=2",
                "metadata%5Bgift%5D=true",
                "metadata%5Border_id%5D=6735",
                "tags%5B%5D=a",
                "tags%5B%5D=b",
            ]
        );
        // Items of one array keep their order.
        assert!(text.contains("tags%5B%5D=a&tags%5B%5D=b"), "{text}");
        assert!(form(&json!("x")).unwrap_err().contains("a string"));
    }

    #[test]
    fn multipart_parts_have_a_boundary_no_part_contains() {
        let body = json!({"file": [104, 105], "name": "a\r\n--b", "meta": {"k": 1}});
        let (bytes, content_type) = multipart(&body, "multipart/form-data", &["file"]).unwrap();
        let boundary = content_type
            .strip_prefix("multipart/form-data; boundary=")
            .unwrap();
        let text = String::from_utf8(bytes).unwrap();
        assert_eq!(
            text.matches(&format!("--{boundary}\r\n")).count(),
            3,
            "{text}"
        );
        assert!(text.ends_with(&format!("--{boundary}--\r\n")));
        assert!(text.contains(
            "name=\"file\"; filename=\"file\"\r\nContent-Type: application/octet-stream\r\n\r\nhi\r\n"
        ));
        assert!(text.contains("name=\"meta[k]\"\r\n\r\n1\r\n"), "{text}");
        assert!(text.contains("name=\"name\"\r\n\r\na\r\n--b\r\n"));
    }
}
