//! The schema half of the 3.1 reading (see [`super`]): each schema object's 3.1 keywords
//! rewritten into their 3.0 form, depth first.

use super::Pass;
use crate::diag::{Diagnostic, child};
use serde_json::{Map, Value, json};

/// Deeper than this, schemas are left as they are (the deserializer refuses such depth).
const MAX_DEPTH: usize = 256;

/// Keywords that only describe a schema: beside a `$ref` they keep it the referenced type.
const ANNOTATIONS: &[&str] = &[
    "description",
    "title",
    "summary",
    "deprecated",
    "readOnly",
    "writeOnly",
    "default",
    "example",
    "examples",
    "externalDocs",
    "$comment",
    "xml",
];

/// Keywords dropped without a word: they annotate and constrain nothing a client checks.
const SILENT: &[&str] = &[
    "$comment",
    "$schema",
    "$anchor",
    "$dynamicAnchor",
    "$vocabulary",
];

/// Keywords whose constraint a generated type cannot hold: dropped with a warning.
const UNEXPRESSED: &[(&str, &str)] = &[
    (
        "dependentRequired",
        "properties required only when another is present",
    ),
    (
        "dependentSchemas",
        "schemas that apply only when a property is present",
    ),
    ("if", "a conditional schema"),
    ("then", "a conditional schema"),
    ("else", "a conditional schema"),
    ("contains", "an item the array must contain"),
    ("minContains", "how many items must match `contains`"),
    ("maxContains", "how many items may match `contains`"),
    ("propertyNames", "a schema for property names"),
    (
        "unevaluatedItems",
        "a rule on items no other keyword covers",
    ),
    ("$dynamicRef", "a dynamic reference"),
    (
        "$id",
        "a schema identifier (references resolve against the document)",
    ),
];

impl Pass {
    /// One schema and, depth first, every schema inside it.
    pub(super) fn schema(&mut self, schema: &mut Value, pointer: &str, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        match schema {
            Value::Bool(true) => *schema = json!({}),
            Value::Bool(false) => *schema = json!({"not": {}}),
            _ => {}
        }
        let Some(map) = schema.as_object_mut() else {
            return;
        };
        if map.contains_key("$ref") && map.len() > 1 {
            for key in ref_with_siblings(map) {
                let from = child(pointer, &key);
                let to = child(&format!("{pointer}/allOf/1"), &key);
                self.moves
                    .push((from[1..].to_string(), to[1..].to_string()));
            }
        }
        self.keywords(map, pointer);
        for (key, value) in map.iter_mut() {
            let at = child(pointer, key);
            match key.as_str() {
                // `additionalProperties: true/false` is 3.0 too: only schemas are walked.
                "items" | "not" | "additionalProperties"
                    if !value.is_boolean() || key != "additionalProperties" =>
                {
                    self.schema(value, &at, depth + 1);
                }
                "allOf" | "oneOf" | "anyOf" => {
                    if let Some(list) = value.as_array_mut() {
                        for (i, member) in list.iter_mut().enumerate() {
                            self.schema(member, &format!("{at}/{i}"), depth + 1);
                        }
                    }
                }
                "properties" | "$defs" | "definitions" => {
                    if let Some(entries) = value.as_object_mut() {
                        for (name, member) in entries.iter_mut() {
                            self.schema(member, &child(&at, name), depth + 1);
                        }
                    }
                }
                _ => {}
            }
        }
    }

    /// The 3.1 keywords of one schema object, rewritten into their 3.0 form.
    fn keywords(&mut self, map: &mut Map<String, Value>, pointer: &str) {
        for key in SILENT {
            map.remove(*key);
        }
        for (key, what) in UNEXPRESSED {
            if map.remove(*key).is_some() {
                self.warn(
                    child(pointer, key),
                    format!("`{key}` ({what}) cannot be expressed by a generated type; it is not checked"),
                    "the server still checks it; nothing is needed unless the client must",
                );
            }
        }
        self.null_members(map);
        self.types(map, pointer);
        if let Some(value) = map.remove("const") {
            map.entry("enum")
                .or_insert_with(|| Value::Array(vec![value]));
        }
        if let Some(Value::Array(examples)) = map.get("examples") {
            let first = examples.first().cloned();
            map.remove("examples");
            if let Some(first) = first {
                map.entry("example").or_insert(first);
            }
        }
        for (exclusive, bound, stricter) in [
            ("exclusiveMinimum", "minimum", 1.0),
            ("exclusiveMaximum", "maximum", -1.0),
        ] {
            let Some(limit) = map.get(exclusive).filter(|v| v.is_number()).cloned() else {
                continue;
            };
            let inclusive = map.get(bound).and_then(Value::as_f64);
            let exclusive_value = limit.as_f64().unwrap_or_default();
            // The stricter of the two bounds holds.
            let keep_inclusive = inclusive.is_some_and(|b| (b - exclusive_value) * stricter > 0.0);
            if keep_inclusive {
                map.remove(exclusive);
            } else {
                map.insert(bound.into(), limit);
                map.insert(exclusive.into(), Value::Bool(true));
            }
        }
        self.content_keywords(map);
        self.prefix_items(map, pointer);
        if let Some(unevaluated) = map.remove("unevaluatedProperties") {
            if map.contains_key("additionalProperties") {
                if unevaluated != map["additionalProperties"] {
                    self.warn(
                        child(pointer, "unevaluatedProperties"),
                        "`unevaluatedProperties` beside `additionalProperties` is read as `additionalProperties` alone".into(),
                        "keep one of the two",
                    );
                }
            } else {
                map.insert("additionalProperties".into(), unevaluated);
            }
        }
        if let Some(patterns) = map.remove("patternProperties") {
            let schemas: Vec<Value> = patterns
                .as_object()
                .map(|m| m.values().cloned().collect())
                .unwrap_or_default();
            self.warn(
                child(pointer, "patternProperties"),
                "`patternProperties` is read as a map whose keys are not checked against their patterns".into(),
                "the server still checks the keys",
            );
            if !map.contains_key("additionalProperties") && !schemas.is_empty() {
                let value = if schemas.iter().all(|s| *s == schemas[0]) {
                    schemas[0].clone()
                } else {
                    json!({})
                };
                map.insert("additionalProperties".into(), value);
            }
        }
    }

    /// `oneOf`/`anyOf` members that allow only `null` make the schema nullable instead.
    fn null_members(&mut self, map: &mut Map<String, Value>) {
        for keyword in ["oneOf", "anyOf"] {
            let Some(list) = map.get_mut(keyword).and_then(Value::as_array_mut) else {
                continue;
            };
            let before = list.len();
            list.retain(|member| !is_null_only(member));
            if list.len() < before {
                map.insert("nullable".into(), Value::Bool(true));
                if map
                    .get(keyword)
                    .and_then(Value::as_array)
                    .is_some_and(Vec::is_empty)
                {
                    map.remove(keyword);
                }
            }
        }
    }

    /// `type` as an array, or the `null` type.
    fn types(&mut self, map: &mut Map<String, Value>, pointer: &str) {
        let mut names: Vec<String> = match map.get("type") {
            Some(Value::String(one)) => vec![one.clone()],
            Some(Value::Array(list)) => {
                if let Some(bad) = list.iter().find(|t| !t.is_string()) {
                    self.warnings.push(
                        Diagnostic::error(
                            child(pointer, "type"),
                            format!("a `type` list holds type names, and `{bad}` is not one"),
                        )
                        .with_hint("write names such as `type: [string, 'null']`"),
                    );
                    return;
                }
                list.iter()
                    .filter_map(|t| t.as_str().map(str::to_string))
                    .collect()
            }
            _ => return,
        };
        if matches!(map.get("type"), Some(Value::String(_))) && names[0] != "null" {
            return;
        }
        if names.iter().any(|t| t == "null") {
            names.retain(|t| t != "null");
            map.insert("nullable".into(), Value::Bool(true));
        }
        // `integer` is contained in `number`.
        if names.iter().any(|t| t == "number") {
            names.retain(|t| t != "integer");
        }
        names.dedup();
        match names.as_slice() {
            [] => {
                map.remove("type");
            }
            [one] => {
                map.insert("type".into(), Value::String(one.clone()));
            }
            several => {
                let members: Vec<Value> = several
                    .iter()
                    .map(|t| Value::Object(members_for(map, t)))
                    .collect();
                for t in several {
                    for key in keywords_of(t) {
                        map.remove(*key);
                    }
                }
                map.remove("type");
                if map.contains_key("anyOf") || map.contains_key("oneOf") {
                    let existing = map.remove("anyOf");
                    let mut all = vec![json!({"anyOf": members})];
                    all.extend(existing.map(|list| json!({"anyOf": list})));
                    map.insert("allOf".into(), Value::Array(all));
                    self.warn(
                        child(pointer, "type"),
                        "a `type` list beside `anyOf`/`oneOf` is read as `allOf` of both".into(),
                        "give one of the two",
                    );
                } else {
                    map.insert("anyOf".into(), Value::Array(members));
                }
            }
        }
    }

    /// `contentEncoding` and `contentMediaType`: the 3.0 formats of the same strings.
    fn content_keywords(&mut self, map: &mut Map<String, Value>) {
        let encoding = map.remove("contentEncoding");
        let media = map.remove("contentMediaType");
        let format = match (
            encoding.as_ref().and_then(Value::as_str),
            media.as_ref().and_then(Value::as_str),
        ) {
            (Some("base64" | "base64url"), _) => Some("byte"),
            (Some(_), _) => None,
            (None, Some(media)) if !is_text(media) => Some("binary"),
            _ => None,
        };
        if let Some(format) = format {
            map.entry("type")
                .or_insert_with(|| Value::String("string".into()));
            map.entry("format")
                .or_insert_with(|| Value::String(format.into()));
        }
    }

    /// `prefixItems` (a tuple): one item schema when they agree, else any value.
    fn prefix_items(&mut self, map: &mut Map<String, Value>, pointer: &str) {
        let Some(prefix) = map.remove("prefixItems") else {
            return;
        };
        let Value::Array(list) = prefix else {
            self.warn(
                child(pointer, "prefixItems"),
                "`prefixItems` must be a list of schemas; it is ignored".into(),
                "write `prefixItems: [{type: string}, ...]`, one schema per position",
            );
            return;
        };
        let rest = map
            .remove("items")
            .filter(|i| !matches!(i, Value::Bool(false)));
        let mut all = list.clone();
        all.extend(rest.clone());
        let agree = !all.is_empty() && all.iter().all(|s| *s == all[0]);
        let items = if agree {
            all[0].clone()
        } else {
            self.warn(
                child(pointer, "prefixItems"),
                format!(
                    "a tuple of {} differently typed items is read as a list of any values",
                    list.len()
                ),
                "read each item from the `serde_json::Value`; the server checks the tuple",
            );
            json!({})
        };
        if rest.is_none() && !list.is_empty() {
            map.entry("maxItems")
                .or_insert_with(|| Value::from(list.len()));
        }
        map.insert("items".into(), items);
        map.entry("type")
            .or_insert_with(|| Value::String("array".into()));
    }
}

/// `$ref` with sibling keywords, which 3.1 applies and 3.0 ignores: the reference moves
/// into `allOf`, so the annotations stay and other keywords constrain it as in 3.1 (as
/// the second member; their keys are returned).
fn ref_with_siblings(map: &mut Map<String, Value>) -> Vec<String> {
    let Some(reference) = map.remove("$ref") else {
        return Vec::new();
    };
    let mut moved = Vec::new();
    let only_annotations = map.keys().all(|k| {
        ANNOTATIONS.contains(&k.as_str()) || k.starts_with("x-") || k == "type" || k == "nullable"
    });
    let mut members = vec![json!({"$ref": reference})];
    if !only_annotations {
        let mut rest = Map::new();
        let keys: Vec<String> = map
            .keys()
            .filter(|k| !ANNOTATIONS.contains(&k.as_str()) && !k.starts_with("x-"))
            .cloned()
            .collect();
        for key in keys {
            if let Some(v) = map.remove(&key) {
                moved.push(key.clone());
                rest.insert(key, v);
            }
        }
        members.push(Value::Object(rest));
    } else {
        // `type: [.., null]` beside a `$ref` says only that the value may be null.
        if let Some(t) = map.remove("type") {
            let nullable = match &t {
                Value::Array(list) => list.iter().any(|v| v == "null"),
                Value::String(s) => s == "null",
                _ => false,
            };
            if nullable {
                map.insert("nullable".into(), Value::Bool(true));
            }
        }
    }
    map.insert("allOf".into(), Value::Array(members));
    moved
}

/// A schema that allows only `null`: `{type: "null"}` (or `["null"]`, or `const: null`).
fn is_null_only(member: &Value) -> bool {
    let Some(map) = member.as_object() else {
        return false;
    };
    let null_type = match map.get("type") {
        Some(Value::String(t)) => t == "null",
        Some(Value::Array(list)) => !list.is_empty() && list.iter().all(|t| t == "null"),
        _ => false,
    };
    let null_const = map.get("const") == Some(&Value::Null);
    (null_type || null_const)
        && map.keys().all(|k| {
            matches!(k.as_str(), "type" | "const" | "description" | "title") || k.starts_with("x-")
        })
}

/// Keywords that apply to values of one type only.
fn keywords_of(t: &str) -> &'static [&'static str] {
    match t {
        "string" => &["format", "pattern", "minLength", "maxLength", "enum"],
        "integer" | "number" => &[
            "format",
            "minimum",
            "maximum",
            "exclusiveMinimum",
            "exclusiveMaximum",
            "multipleOf",
        ],
        "array" => &["items", "minItems", "maxItems", "uniqueItems"],
        "object" => &[
            "properties",
            "required",
            "additionalProperties",
            "minProperties",
            "maxProperties",
            "discriminator",
        ],
        _ => &[],
    }
}

/// The member of a `type` list's `anyOf` for type `t`, with the keywords that apply to it.
fn members_for(map: &Map<String, Value>, t: &str) -> Map<String, Value> {
    let mut member = Map::new();
    member.insert("type".into(), Value::String(t.into()));
    for key in keywords_of(t) {
        if let Some(v) = map.get(*key) {
            member.insert((*key).into(), v.clone());
        }
    }
    member
}

/// Media types whose content is text, carried in a JSON string as it is.
fn is_text(media: &str) -> bool {
    let media = media.split(';').next().unwrap_or_default().trim();
    media.starts_with("text/")
        || media.ends_with("+json")
        || media.ends_with("+xml")
        || matches!(
            media,
            "application/json"
                | "application/xml"
                | "application/yaml"
                | "application/x-www-form-urlencoded"
        )
}
