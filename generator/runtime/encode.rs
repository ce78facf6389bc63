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
//! JSON text. A property the spec gives an `encoding` is sent as it says: `style: form`
//! (`tags=a&tags=b`, or `tags=a,b` without `explode`; an object's properties as pairs
//! of their own, or `k,v` pairs without `explode`), `spaceDelimited` and
//! `pipeDelimited` arrays joined by spaces or pipes, `deepObject` in brackets, and
//! `allowReserved` leaving reserved characters (`:/?#[]@!$&'()*+,;=`) unescaped.
//!
//! # Multipart
//! Each property is a part named after it, with a boundary no in-memory value contains
//! (and 128 random bits, which no file will). Strings, numbers and booleans are plain
//! text parts. An object is one JSON part (OpenAPI's default, what Cloudflare's Workers
//! uploads read as their `metadata`), or, when its `encoding` gives a style (as Stripe's
//! spec does), text parts in the bracket form of forms (`meta[note]`). Arrays of plain
//! values are text parts named `tags[]`, which multipart parsers (Rack, PHP, the
//! validating mock) read back as an array even of one item. Properties the spec types as binary
//! are file parts (see `File`), one per file; a property named as a placeholder
//! (`<any part name>`) holds files each sent under its own filename.

use bytes::Bytes;
use serde_json::{Map, Value};
use std::sync::atomic::{AtomicU64, Ordering};

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use super::file::{File, marker_id};
use super::request::{Encoding, EncodingStyle};
use super::upload::Segment;

/// What `application/x-www-form-urlencoded` leaves unescaped.
const FORM: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'*');

/// What a property with `allowReserved` leaves unescaped besides.
const RESERVED: &AsciiSet = &FORM
    .remove(b':')
    .remove(b'/')
    .remove(b'?')
    .remove(b'#')
    .remove(b'[')
    .remove(b']')
    .remove(b'@')
    .remove(b'!')
    .remove(b'$')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b',')
    .remove(b';')
    .remove(b'=');

fn encoding_of<'a>(encodings: &'a [Encoding], name: &str) -> Option<&'a Encoding> {
    encodings.iter().find(|e| e.name == name)
}

/// The form encoding of `value`, which must be an object.
pub(crate) fn form(value: &Value, encodings: &[Encoding]) -> Result<Vec<u8>, String> {
    let Value::Object(fields) = value else {
        return Err(format!(
            "a form body must be an object of fields, not {}",
            kind(value)
        ));
    };
    let mut encoded: Vec<String> = Vec::new();
    for (name, value) in fields {
        let encoding = encoding_of(encodings, name);
        let mut pairs = Vec::new();
        match encoding.and_then(|e| e.style) {
            Some(style) => styled(
                name,
                value,
                style,
                encoding.is_some_and(|e| e.explode),
                &mut pairs,
            ),
            None => flatten(name.clone(), value, &mut pairs),
        }
        let set = if encoding.is_some_and(|e| e.allow_reserved) {
            RESERVED
        } else {
            FORM
        };
        encoded.extend(
            pairs
                .iter()
                .map(|(k, v)| format!("{}={}", escape(k, FORM), escape(v, set))),
        );
    }
    Ok(encoded.join("&").into_bytes())
}

fn escape(text: &str, set: &'static AsciiSet) -> String {
    utf8_percent_encode(text, set)
        .to_string()
        .replace("%20", "+")
}

/// The text of a plain value.
fn scalar(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// `value` under `name` in an explicit `style` (see the module docs).
fn styled(
    name: &str,
    value: &Value,
    style: EncodingStyle,
    explode: bool,
    out: &mut Vec<(String, String)>,
) {
    match (style, value) {
        (_, Value::Null) => {}
        (EncodingStyle::DeepObject, _) => flatten(name.to_owned(), value, out),
        (EncodingStyle::Form, Value::Array(items)) if explode => {
            out.extend(items.iter().map(|i| (name.to_owned(), scalar(i))));
        }
        (EncodingStyle::Form, Value::Object(fields)) if explode => {
            out.extend(fields.iter().map(|(k, v)| (k.clone(), scalar(v))));
        }
        (EncodingStyle::Form, Value::Object(fields)) => {
            let joined: Vec<String> = fields
                .iter()
                .flat_map(|(k, v)| [k.clone(), scalar(v)])
                .collect();
            out.push((name.to_owned(), joined.join(",")));
        }
        (style, Value::Array(items)) => {
            let separator = match style {
                EncodingStyle::SpaceDelimited => " ",
                EncodingStyle::PipeDelimited => "|",
                _ => ",",
            };
            let joined: Vec<String> = items.iter().map(scalar).collect();
            out.push((name.to_owned(), joined.join(separator)));
        }
        (_, other) => out.push((name.to_owned(), scalar(other))),
    }
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

/// A multipart body of `value` (an object, whose files `files` holds by marker), as
/// segments to send in order, and its `Content-Type` with the boundary.
pub(crate) fn multipart(
    value: &Value,
    content_type: &str,
    encodings: &[Encoding],
    files: &[(u64, File)],
) -> Result<(Vec<Segment>, String), String> {
    let Value::Object(fields) = value else {
        return Err(format!(
            "a multipart body must be an object of parts, not {}",
            kind(value)
        ));
    };
    let parts = parts(fields, encodings, files)?;
    let boundary = boundary(&parts);
    let mut segments = Vec::new();
    let mut text = Vec::new();
    for part in parts {
        text.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        text.extend_from_slice(part.head.as_bytes());
        text.extend_from_slice(b"\r\n");
        match part.content {
            Content::Bytes(bytes) => text.extend_from_slice(&bytes),
            Content::File(file) => {
                if let Some(bytes) = file.bytes() {
                    text.extend_from_slice(bytes);
                } else {
                    segments.push(Segment::Bytes(Bytes::from(std::mem::take(&mut text))));
                    segments.push(Segment::File(file));
                }
            }
        }
        text.extend_from_slice(b"\r\n");
    }
    text.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    segments.push(Segment::Bytes(Bytes::from(text)));
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or(content_type)
        .trim();
    Ok((segments, format!("{essence}; boundary={boundary}")))
}

struct Part {
    /// Its headers, each line ended by CRLF.
    head: String,
    content: Content,
}

enum Content {
    Bytes(Vec<u8>),
    File(File),
}

/// A name fit for a quoted header parameter.
fn quoted(name: &str) -> String {
    name.replace(['"', '\r', '\n'], "_")
}

fn parts(
    fields: &Map<String, Value>,
    encodings: &[Encoding],
    files: &[(u64, File)],
) -> Result<Vec<Part>, String> {
    let mut parts = Vec::new();
    for (name, value) in fields {
        let encoding = encoding_of(encodings, name);
        let is_file = encoding.is_some_and(|e| e.file);
        let declared = encoding.and_then(|e| e.content_type);
        // A placeholder name stands for parts named by their files.
        let any_name = name.starts_with('<') && name.ends_with('>');
        // An array of files or values is one part per item, under the same name.
        let is_bytes = |v: &Value| {
            v.as_array()
                .is_some_and(|items| items.iter().all(|i| i.as_u64().is_some_and(|b| b < 256)))
        };
        let items: Vec<&Value> = match value {
            Value::Array(items) if is_file && !is_bytes(value) => items.iter().collect(),
            Value::Null => Vec::new(),
            other => vec![other],
        };
        for item in items {
            let marked = item
                .as_str()
                .and_then(marker_id)
                .and_then(|id| files.iter().find(|(i, _)| *i == id))
                .map(|(_, file)| file.clone());
            if is_file || marked.is_some() {
                let file = marked.unwrap_or_else(|| File::from_bytes(file_bytes(item)));
                let filename = file.file_name().unwrap_or(name).to_owned();
                let part_name = if any_name { &filename } else { name };
                parts.push(Part {
                    head: format!(
                        "Content-Disposition: form-data; name=\"{}\"; filename=\"{}\"\r\nContent-Type: {}\r\n",
                        quoted(part_name),
                        quoted(&filename),
                        file.part_content_type(declared).replace(['\r', '\n'], ""),
                    ),
                    content: Content::File(file),
                });
                continue;
            }
            // OpenAPI's default for an object is a JSON part; a declared style asks
            // for the bracket form instead.
            let json = match declared {
                Some(ct) => {
                    let ct = ct.split([';', ',']).next().unwrap_or("").trim();
                    ct == "application/json" || ct.ends_with("+json")
                }
                None => item.is_object() && encoding.is_none_or(|e| e.style.is_none()),
            };
            if json {
                let bytes = serde_json::to_vec(item).map_err(|e| e.to_string())?;
                parts.push(Part {
                    head: format!(
                        "Content-Disposition: form-data; name=\"{}\"\r\nContent-Type: application/json\r\n",
                        quoted(name)
                    ),
                    content: Content::Bytes(bytes),
                });
                continue;
            }
            let mut pairs = Vec::new();
            flatten(name.clone(), item, &mut pairs);
            for (key, text) in pairs {
                parts.push(Part {
                    head: format!(
                        "Content-Disposition: form-data; name=\"{}\"\r\n",
                        quoted(&key)
                    ),
                    content: Content::Bytes(text.into_bytes()),
                });
            }
        }
    }
    Ok(parts)
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

/// 64 random bits from the standard library's randomly seeded hasher.
fn random_bits() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.finish()
}

/// A boundary that occurs in no in-memory part.
fn boundary(parts: &[Part]) -> String {
    loop {
        let candidate = format!("apigen-{:016x}{:016x}", random_bits(), random_bits());
        let needle = candidate.as_bytes();
        let clash = parts.iter().any(|p| {
            let bytes = match &p.content {
                Content::Bytes(bytes) => &bytes[..],
                Content::File(file) => file.bytes().unwrap_or(&[]),
            };
            bytes.windows(needle.len()).any(|w| w == needle) || p.head.contains(&candidate)
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
        let text = String::from_utf8(form(&body, &[]).unwrap()).unwrap();
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
        assert!(form(&json!("x"), &[]).unwrap_err().contains("a string"));
    }

    #[test]
    fn multipart_parts_have_a_boundary_no_part_contains() {
        let body = json!({"file": [104, 105], "name": "a\r\n--b", "meta": {"k": 1}});
        let file = Encoding {
            name: "file",
            file: true,
            ..Encoding::DEFAULT
        };
        let (segments, content_type) =
            multipart(&body, "multipart/form-data", &[file], &[]).unwrap();
        let bytes = in_memory(&segments);
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
        assert!(
            text.contains("name=\"meta\"\r\nContent-Type: application/json\r\n\r\n{\"k\":1}\r\n"),
            "{text}"
        );
        // With a style, the bracket form.
        let bracket = Encoding {
            name: "meta",
            style: Some(EncodingStyle::DeepObject),
            ..Encoding::DEFAULT
        };
        let (segments, _) = multipart(
            &json!({"meta": {"k": 1}}),
            "multipart/form-data",
            &[bracket],
            &[],
        )
        .unwrap();
        let bracketed = String::from_utf8(in_memory(&segments)).unwrap();
        assert!(
            bracketed.contains("name=\"meta[k]\"\r\n\r\n1\r\n"),
            "{bracketed}"
        );
        assert!(text.contains("name=\"name\"\r\n\r\na\r\n--b\r\n"));
    }

    fn in_memory(segments: &[Segment]) -> Vec<u8> {
        let mut out = Vec::new();
        for segment in segments {
            match segment {
                Segment::Bytes(bytes) => out.extend_from_slice(bytes),
                Segment::File(_) => out.extend_from_slice(b"<FILE>"),
            }
        }
        out
    }

    #[test]
    fn form_properties_follow_their_encoding() {
        let enc = |name, style, explode, allow_reserved| Encoding {
            name,
            style: Some(style),
            explode,
            allow_reserved,
            ..Encoding::DEFAULT
        };
        let encodings = [
            enc("ids", EncodingStyle::Form, true, false),
            enc("csv", EncodingStyle::Form, false, false),
            enc("words", EncodingStyle::SpaceDelimited, false, false),
            enc("pipes", EncodingStyle::PipeDelimited, false, false),
            enc("point", EncodingStyle::Form, true, false),
            enc("pair", EncodingStyle::Form, false, false),
            enc("filter", EncodingStyle::DeepObject, true, false),
            enc("url", EncodingStyle::Form, true, true),
        ];
        let check = |value: Value, wanted: &str| {
            let text = String::from_utf8(form(&value, &encodings).unwrap()).unwrap();
            assert_eq!(text, wanted);
        };
        check(json!({"ids": [1, 2]}), "ids=1&ids=2");
        check(json!({"csv": ["a", "b"]}), "csv=a%2Cb");
        check(json!({"words": ["a", "b"]}), "words=a+b");
        check(json!({"pipes": ["a", "b"]}), "pipes=a%7Cb");
        check(json!({"point": {"x": 1}}), "x=1");
        check(json!({"pair": {"x": 1}}), "pair=x%2C1");
        check(json!({"filter": {"gt": 5}}), "filter%5Bgt%5D=5");
        check(json!({"url": "https://a.b/c?d=e"}), "url=https://a.b/c?d=e");
        check(json!({"other": "https://a"}), "other=https%3A%2F%2Fa");
    }

    #[test]
    fn multipart_files_stream_and_json_parts_keep_their_type() {
        use super::super::file::collecting;
        let file = File::from_path("/data/logo.png");
        let (value, files) = collecting(|| {
            serde_json::to_value(json!({
                "image": serde_json::to_value(&file).unwrap(),
                "meta": {"a": 1},
                "scripts": [serde_json::to_value(File::from("x").filename("w.js")).unwrap()],
            }))
            .unwrap()
        });
        let encodings = [
            Encoding {
                name: "image",
                file: true,
                content_type: Some("image/png, image/jpeg"),
                ..Encoding::DEFAULT
            },
            Encoding {
                name: "meta",
                content_type: Some("application/json"),
                ..Encoding::DEFAULT
            },
            Encoding {
                name: "scripts",
                file: true,
                ..Encoding::DEFAULT
            },
        ];
        let (segments, _) = multipart(&value, "multipart/form-data", &encodings, &files).unwrap();
        // The file from a path is a segment of its own, read as the request is sent.
        assert_eq!(
            segments
                .iter()
                .filter(|s| matches!(s, Segment::File(_)))
                .count(),
            1
        );
        let text = String::from_utf8(in_memory(&segments)).unwrap();
        assert!(
            text.contains(
                "name=\"image\"; filename=\"logo.png\"\r\nContent-Type: image/png\r\n\r\n<FILE>\r\n"
            ),
            "{text}"
        );
        assert!(
            text.contains("name=\"meta\"\r\nContent-Type: application/json\r\n\r\n{\"a\":1}\r\n"),
            "{text}"
        );
        assert!(text.contains("name=\"scripts\"; filename=\"w.js\"\r\nContent-Type: application/javascript\r\n\r\nx\r\n"), "{text}");
    }
}
