//! Local references the component maps cannot answer: `$ref`s into `#/paths/...` or into
//! a schema's `properties`, and percent-encoded ones (`%7Bid%7D`). They are resolved on
//! the raw document once, up front, and kept as owned nodes the lowering can borrow.

use openapiv3::{Parameter, ReferenceOr, RequestBody, Response, Schema};
use serde_json::Value;
use std::collections::BTreeMap;

/// Owned targets of unusual local references, keyed by the reference as written.
#[derive(Debug, Default)]
pub struct ExtraRefs {
    pub schemas: BTreeMap<String, ReferenceOr<Schema>>,
    pub parameters: BTreeMap<String, ReferenceOr<Parameter>>,
    pub responses: BTreeMap<String, ReferenceOr<Response>>,
    pub request_bodies: BTreeMap<String, ReferenceOr<RequestBody>>,
}

/// Whether a reference is answered by a component map directly.
fn is_plain_component(reference: &str) -> bool {
    let Some(rest) = reference.strip_prefix("#/components/") else {
        return false;
    };
    rest.split('/').count() == 2 && !rest.contains('%') && !rest.contains('~')
}

/// Decode `%XX` escapes (URI fragment encoding) in a JSON pointer.
pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Some(byte) = std::str::from_utf8(&bytes[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn collect(value: &Value, out: &mut Vec<String>, depth: usize) {
    if depth > 512 {
        return;
    }
    match value {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("$ref")
                && r.starts_with("#/")
                && !is_plain_component(r)
            {
                out.push(r.clone());
            }
            for v in map.values() {
                collect(v, out, depth + 1);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect(v, out, depth + 1)),
        _ => {}
    }
}

/// Resolve every unusual local reference of `doc`. Unresolvable ones are left out; the
/// lowering reports them where they are used.
pub fn resolve(doc: &Value) -> ExtraRefs {
    let mut refs = Vec::new();
    collect(doc, &mut refs, 0);
    refs.sort();
    refs.dedup();
    let mut extra = ExtraRefs::default();
    for reference in refs {
        let pointer = percent_decode(&reference[1..]);
        let Some(target) = doc.pointer(&pointer) else {
            continue;
        };
        let segments: Vec<&str> = pointer.rsplit('/').take(2).collect();
        let is_response = segments.get(1) == Some(&"responses");
        let is_body = segments.first() == Some(&"requestBody");
        let is_parameter = target.get("in").is_some() && target.get("name").is_some();
        if is_response {
            if let Ok(r) = serde_json::from_value::<ReferenceOr<Response>>(target.clone()) {
                extra.responses.insert(reference, r);
            }
        } else if is_body {
            if let Ok(b) = serde_json::from_value::<ReferenceOr<RequestBody>>(target.clone()) {
                extra.request_bodies.insert(reference, b);
            }
        } else if is_parameter {
            if let Ok(p) = serde_json::from_value::<ReferenceOr<Parameter>>(target.clone()) {
                extra.parameters.insert(reference, p);
            }
        } else if let Ok(s) = serde_json::from_value::<ReferenceOr<Schema>>(target.clone()) {
            extra.schemas.insert(reference, s);
        }
    }
    extra
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_paths_properties_and_encoded_refs() {
        let doc = serde_json::json!({
            "paths": {"/a/{id}": {"get": {"parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}]}}},
            "components": {"schemas": {
                "A": {"type": "object", "properties": {"b": {"type": "integer"}}},
                "C": {"$ref": "#/components/schemas/A/properties/b"},
                "D": {"$ref": "#/paths/~1a~1%7Bid%7D/get/parameters/0"},
                "E": {"$ref": "#/components/schemas/A"}
            }}
        });
        let extra = resolve(&doc);
        assert!(
            extra
                .schemas
                .contains_key("#/components/schemas/A/properties/b")
        );
        assert!(
            extra
                .parameters
                .contains_key("#/paths/~1a~1%7Bid%7D/get/parameters/0")
        );
        assert!(!extra.schemas.contains_key("#/components/schemas/A"));
        assert_eq!(percent_decode("%7Bid%7D"), "{id}");
    }
}
