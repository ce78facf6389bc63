//! Local references the component maps cannot answer: `$ref`s into `#/paths/...` or into
//! a schema's `properties`, and percent-encoded ones (`%7Bid%7D`). They are resolved on
//! the raw document once, up front, and kept as owned nodes the lowering can borrow.

use crate::diag::child;
use openapiv3::{Parameter, PathItem, ReferenceOr, RequestBody, Response, Schema};
use serde_json::Value;
use std::collections::BTreeMap;

/// Where component references start.
const COMPONENTS: &str = "#/components/";

/// A section of `components`: what a `#/components/<section>/<key>` reference names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComponentKind {
    Schemas,
    Responses,
    Parameters,
    Examples,
    RequestBodies,
    Headers,
    SecuritySchemes,
    Links,
    Callbacks,
    /// An OpenAPI 3.1 section, which 3.0 documents sometimes borrow.
    PathItems,
}

const SECTIONS: [(ComponentKind, &str); 10] = [
    (ComponentKind::Schemas, "schemas"),
    (ComponentKind::Responses, "responses"),
    (ComponentKind::Parameters, "parameters"),
    (ComponentKind::Examples, "examples"),
    (ComponentKind::RequestBodies, "requestBodies"),
    (ComponentKind::Headers, "headers"),
    (ComponentKind::SecuritySchemes, "securitySchemes"),
    (ComponentKind::Links, "links"),
    (ComponentKind::Callbacks, "callbacks"),
    (ComponentKind::PathItems, "pathItems"),
];

impl ComponentKind {
    /// The section's field name in `components`.
    pub fn section(self) -> &'static str {
        SECTIONS
            .iter()
            .find(|(kind, _)| *kind == self)
            .map_or("", |(_, name)| name)
    }

    /// The section a reference `#/components/<section>/<key>` points into, and its key as
    /// written: neither `~`- nor `%`-decoded, and holding any deeper segments.
    pub fn split(reference: &str) -> Option<(ComponentKind, &str)> {
        let (section, key) = reference.strip_prefix(COMPONENTS)?.split_once('/')?;
        let kind = SECTIONS.iter().find(|(_, name)| *name == section)?.0;
        Some((kind, key))
    }

    /// The JSON pointer of entry `key` of this section (`#/components/schemas/Foo`).
    pub fn pointer(self, key: &str) -> String {
        child(&format!("{COMPONENTS}{}", self.section()), key)
    }
}

/// Owned targets of unusual local references, keyed by the reference as written.
#[derive(Debug, Default)]
pub struct ExtraRefs {
    pub schemas: BTreeMap<String, ReferenceOr<Schema>>,
    pub parameters: BTreeMap<String, ReferenceOr<Parameter>>,
    pub responses: BTreeMap<String, ReferenceOr<Response>>,
    pub request_bodies: BTreeMap<String, ReferenceOr<RequestBody>>,
    /// Path items given as a local `$ref` (`paths: {/a: {$ref: ...}}`).
    pub path_items: BTreeMap<String, ReferenceOr<PathItem>>,
    /// References made where a schema belongs that point at a parameter or a response,
    /// with what they point at; `schemas` holds the schema inside.
    pub misplaced: BTreeMap<String, &'static str>,
}

/// Whether a reference is answered by a component map directly.
fn is_plain_component(reference: &str) -> bool {
    let Some(rest) = reference.strip_prefix(COMPONENTS) else {
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

/// Where a value sits: a schema itself, a map or list of schemas, or anything else.
#[derive(Clone, Copy, PartialEq)]
enum Slot {
    Other,
    Schema,
    Schemas,
}

fn slot_of(key: &str) -> Slot {
    match key {
        "schema" | "items" | "additionalProperties" | "not" => Slot::Schema,
        "properties" | "schemas" | "allOf" | "oneOf" | "anyOf" => Slot::Schemas,
        _ => Slot::Other,
    }
}

/// Every `$ref` the component maps cannot answer (into `out`), and every reference to a
/// parameter or response made where a schema belongs (into `as_schema`).
fn collect(
    value: &Value,
    slot: Slot,
    out: &mut Vec<String>,
    as_schema: &mut Vec<String>,
    depth: usize,
) {
    if depth > 512 {
        return;
    }
    match value {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("$ref")
                && r.starts_with("#/")
            {
                if !is_plain_component(r) {
                    out.push(r.clone());
                }
                let component = ComponentKind::split(r).map(|(kind, _)| kind);
                if slot == Slot::Schema
                    && (matches!(
                        component,
                        Some(ComponentKind::Parameters | ComponentKind::Responses)
                    ) || r.starts_with("#/paths/"))
                {
                    as_schema.push(r.clone());
                }
            }
            for (k, v) in map {
                let child = if slot == Slot::Schemas {
                    Slot::Schema
                } else {
                    slot_of(k)
                };
                collect(v, child, out, as_schema, depth + 1);
            }
        }
        Value::Array(items) => {
            let child = if slot == Slot::Schemas {
                Slot::Schema
            } else {
                Slot::Other
            };
            items
                .iter()
                .for_each(|v| collect(v, child, out, as_schema, depth + 1))
        }
        _ => {}
    }
}

/// The schema inside a parameter or a response that a schema `$ref` points at. A response
/// without content stands for any JSON value.
fn inner_schema(reference: &str, target: &Value) -> Option<(&'static str, Value)> {
    fn from_content(target: &Value) -> Option<&Value> {
        let content = target.get("content")?.as_object()?;
        content
            .iter()
            .find(|(media, _)| media.contains("json"))
            .or_else(|| content.iter().next())
            .and_then(|(_, m)| m.get("schema"))
    }
    if target.get("in").is_some() && target.get("name").is_some() {
        let schema = target.get("schema").or_else(|| from_content(target))?;
        Some(("a Parameter Object", schema.clone()))
    } else if reference.rsplit('/').nth(1) == Some("responses") {
        match from_content(target) {
            Some(schema) => Some(("a Response Object", schema.clone())),
            None if target.get("content").is_none() => Some((
                "a Response Object without content (read as any JSON value)",
                Value::Object(Default::default()),
            )),
            None => None,
        }
    } else {
        None
    }
}

/// Resolve every unusual local reference of `doc`. Unresolvable ones are left out; the
/// lowering reports them where they are used.
pub fn resolve(doc: &Value) -> ExtraRefs {
    let mut refs = Vec::new();
    let mut as_schema = Vec::new();
    collect(doc, Slot::Other, &mut refs, &mut as_schema, 0);
    refs.sort();
    refs.dedup();
    as_schema.sort();
    as_schema.dedup();
    let mut extra = ExtraRefs::default();
    if let Some(Value::Object(paths)) = doc.get("paths") {
        for item in paths.values() {
            let Some(Value::String(reference)) = item.get("$ref") else {
                continue;
            };
            let Some(pointer) = reference.strip_prefix('#') else {
                continue;
            };
            if let Some(target) = doc.pointer(&percent_decode(pointer))
                && target.get("$ref").is_none()
                && let Ok(path_item) = serde_json::from_value::<PathItem>(target.clone())
            {
                extra
                    .path_items
                    .insert(reference.clone(), ReferenceOr::Item(path_item));
            }
        }
    }
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
    for reference in as_schema {
        let Some(target) = doc.pointer(&percent_decode(&reference[1..])) else {
            continue;
        };
        if let Some((what, schema)) = inner_schema(&reference, target)
            && let Ok(s) = serde_json::from_value::<ReferenceOr<Schema>>(schema)
        {
            extra.schemas.insert(reference.clone(), s);
            extra.misplaced.insert(reference, what);
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

    #[test]
    fn component_references_split_into_section_and_key() {
        assert_eq!(
            ComponentKind::split("#/components/requestBodies/Body"),
            Some((ComponentKind::RequestBodies, "Body"))
        );
        assert_eq!(
            ComponentKind::split("#/components/schemas/A/properties/b"),
            Some((ComponentKind::Schemas, "A/properties/b"))
        );
        assert_eq!(ComponentKind::split("#/components/x-things/A"), None);
        assert_eq!(ComponentKind::split("#/components/schemas"), None);
        assert_eq!(
            ComponentKind::split("other.yaml#/components/schemas/A"),
            None
        );
        for (kind, section) in SECTIONS {
            assert_eq!(kind.section(), section);
            let pointer = kind.pointer("a/b");
            assert_eq!(pointer, format!("#/components/{section}/a~1b"));
            assert_eq!(ComponentKind::split(&pointer), Some((kind, "a~1b")));
        }
    }

    #[test]
    fn schema_refs_to_parameters_and_responses_use_their_schema() {
        let doc = serde_json::json!({
            "paths": {"/a": {"get": {
                "parameters": [{"name": "ids", "in": "query", "schema": {"type": "array", "items": {"$ref": "#/components/parameters/Id"}}}],
                "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/responses/Ok"}}}}}
            }}},
            "components": {
                "parameters": {"Id": {"name": "id", "in": "path", "schema": {"type": "string"}}},
                "responses": {"Ok": {"description": "ok", "content": {"application/json": {"schema": {"type": "integer"}}}}}
            }
        });
        let extra = resolve(&doc);
        assert_eq!(
            extra.misplaced.get("#/components/parameters/Id"),
            Some(&"a Parameter Object")
        );
        assert_eq!(
            extra.misplaced.get("#/components/responses/Ok"),
            Some(&"a Response Object")
        );
        assert!(extra.schemas.contains_key("#/components/responses/Ok"));
    }
}
