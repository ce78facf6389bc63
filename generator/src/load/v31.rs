//! OpenAPI 3.1 read as 3.0: a pass over the raw document that rewrites each 3.1 construct
//! into the 3.0 form of the same meaning, so that `openapiv3` (3.0 only) and every later
//! stage read one shape. What 3.0 cannot say is dropped with a located warning, never in
//! silence.
//!
//! Schemas are found by their position (components, parameters, media types, headers and
//! every subschema keyword), never by their look: an example payload that happens to hold
//! `const` or `type: [..]` is data and is left alone.
//!
//! | 3.1 | read as |
//! | --- | --- |
//! | `type: [T, "null"]`, `type: "null"` | `type: T` + `nullable: true` |
//! | `type: [T, U]` | `anyOf` of one member per type |
//! | `oneOf`/`anyOf` member `{type: "null"}` | removed, `nullable: true` |
//! | `const: v` | `enum: [v]` |
//! | `examples: [a, ..]` (schema) | `example: a` |
//! | `exclusiveMinimum: n` | `minimum: n`, `exclusiveMinimum: true` (and maximum) |
//! | `$ref` with sibling keywords | `allOf: [{$ref}]` beside them |
//! | `$defs` | entries of `components/schemas` (see [`super::v31_defs`]) |
//! | `prefixItems` | `items` (one schema, or any value with a warning) |
//! | `contentEncoding: base64` / `contentMediaType` | `format: byte` / `format: binary` |
//! | `unevaluatedProperties` | `additionalProperties` |
//! | boolean schemas | `{}` (true), `{not: {}}` (false) |
//! | `webhooks`, `jsonSchemaDialect` | dropped, with a warning (the dialect only when not the default) |
//! | `info.summary`, `license.identifier` | the description's first paragraph, the license's SPDX page |
//! | `mutualTLS` security schemes | dropped from requirements, with a warning |

use super::OPERATION_FIELDS;
use crate::diag::{Diagnostic, child};
use serde_json::{Map, Value, json};

/// The dialect a 3.1 document has unless it says otherwise.
const DEFAULT_DIALECT: &str = "https://spec.openapis.org/oas/3.1/dialect/base";

/// Whether the document says it is OpenAPI 3.1.
pub(super) fn is_31(doc: &Value) -> bool {
    doc.get("openapi")
        .and_then(Value::as_str)
        .is_some_and(|v| v.starts_with("3.1"))
}

/// Rewrite a 3.1 document in place into its 3.0 reading; the warnings say what was lost,
/// and an error what cannot be read at all.
pub(super) fn normalise(doc: &mut Value) -> Vec<Diagnostic> {
    let mut pass = Pass::default();
    pass.warnings.extend(reference_overrides(doc));
    let Some(root) = doc.as_object_mut() else {
        return pass.warnings;
    };
    pass.top_level(root);
    if let Some(paths) = root.get_mut("paths").and_then(Value::as_object_mut) {
        for (path, item) in paths.iter_mut() {
            pass.path_item(item, &child("#/paths", path));
        }
    }
    if let Some(components) = root.get_mut("components").and_then(Value::as_object_mut) {
        pass.components(components);
    }
    let mtls = pass.mtls.clone();
    if !mtls.is_empty() {
        pass.drop_mtls_requirements(root, &mtls);
    }
    // References into keywords that moved (beside a `$ref`, into `allOf`) follow them.
    if !pass.moves.is_empty() {
        super::v31_defs::rewrite_refs(doc, &pass.moves, 0);
    }
    pass.warnings.extend(super::v31_defs::hoist(doc));
    pass.warnings
}

#[derive(Default)]
struct Pass {
    warnings: Vec<Diagnostic>,
    /// Names of `mutualTLS` security schemes.
    mtls: Vec<String>,
    /// Keywords moved to another place: (old pointer, new pointer), without `#`.
    moves: Vec<(String, String)>,
}

impl Pass {
    fn warn(&mut self, pointer: String, message: String, hint: &str) {
        self.warnings
            .push(Diagnostic::warning(pointer, message).with_hint(hint));
    }

    fn top_level(&mut self, root: &mut Map<String, Value>) {
        if let Some(webhooks) = root.remove("webhooks") {
            let count = webhooks.as_object().map_or(0, Map::len);
            self.warn(
                "#/webhooks".into(),
                format!(
                    "`{count}` webhook(s) are not generated: they are requests the API sends to you, not calls a client makes"
                ),
                "serve them with your web framework; their schemas under `components/schemas` are still generated",
            );
        }
        if let Some(dialect) = root.remove("jsonSchemaDialect")
            && dialect.as_str() != Some(DEFAULT_DIALECT)
        {
            self.warn(
                "#/jsonSchemaDialect".into(),
                format!("schemas are read in OpenAPI 3.1's own dialect, not {dialect}"),
                "keywords of another dialect are read as 3.1 keywords or dropped with a warning",
            );
        }
        root.entry("paths").or_insert_with(|| json!({}));
        if let Some(info) = root.get_mut("info").and_then(Value::as_object_mut) {
            if let Some(Value::String(summary)) = info.remove("summary") {
                let text = match info.get("description").and_then(Value::as_str) {
                    Some(description) if !description.trim().is_empty() => {
                        format!("{summary}\n\n{description}")
                    }
                    _ => summary,
                };
                info.insert("description".into(), Value::String(text));
            }
            if let Some(license) = info.get_mut("license").and_then(Value::as_object_mut)
                && let Some(Value::String(id)) = license.remove("identifier")
            {
                license.entry("url").or_insert_with(|| {
                    Value::String(format!("https://spdx.org/licenses/{id}.html"))
                });
            }
        }
    }

    fn components(&mut self, components: &mut Map<String, Value>) {
        let base = "#/components";
        for (section, value) in components.iter_mut() {
            let Some(entries) = value.as_object_mut() else {
                continue;
            };
            let at = child(base, section);
            for (name, entry) in entries.iter_mut() {
                let pointer = child(&at, name);
                match section.as_str() {
                    "schemas" => self.schema(entry, &pointer, 0),
                    "parameters" | "headers" => self.parameter(entry, &pointer),
                    "requestBodies" => self.content_of(entry, &pointer),
                    "responses" => self.response(entry, &pointer),
                    "pathItems" => self.path_item(entry, &pointer),
                    "callbacks" => self.callback(entry, &pointer),
                    "securitySchemes" => self.security_scheme(name, entry, &pointer),
                    _ => {}
                }
            }
        }
    }

    fn security_scheme(&mut self, name: &str, scheme: &Value, pointer: &str) {
        if scheme.get("type").and_then(Value::as_str) != Some("mutualTLS") {
            return;
        }
        self.warn(
            pointer.to_string(),
            format!("security scheme `{name}` is mutual TLS: a client certificate, which the generated client does not send by itself"),
            "give the HTTP client the certificate: `Client::builder().configure_http(move |http| http.identity(identity.clone()))`, with a `reqwest::Identity`",
        );
        self.mtls.push(name.to_string());
    }

    /// Requirements naming a mutual-TLS scheme need nothing of the request: the names go.
    fn drop_mtls_requirements(&mut self, root: &mut Map<String, Value>, mtls: &[String]) {
        let strip = |security: &mut Value| {
            if let Some(list) = security.as_array_mut() {
                for requirement in list.iter_mut().filter_map(Value::as_object_mut) {
                    requirement.retain(|name, _| !mtls.contains(name));
                }
            }
        };
        if let Some(security) = root.get_mut("security") {
            strip(security);
        }
        if let Some(paths) = root.get_mut("paths").and_then(Value::as_object_mut) {
            for item in paths.values_mut().filter_map(Value::as_object_mut) {
                for (method, op) in item.iter_mut() {
                    if OPERATION_FIELDS.contains(&method.as_str())
                        && let Some(security) = op.get_mut("security")
                    {
                        strip(security);
                    }
                }
            }
        }
        if let Some(schemes) = root
            .get_mut("components")
            .and_then(|c| c.get_mut("securitySchemes"))
            .and_then(Value::as_object_mut)
        {
            schemes.retain(|name, _| !mtls.contains(name));
        }
    }

    fn callback(&mut self, callback: &mut Value, pointer: &str) {
        if let Some(map) = callback.as_object_mut() {
            for (expression, item) in map.iter_mut() {
                self.path_item(item, &child(pointer, expression));
            }
        }
    }

    fn path_item(&mut self, item: &mut Value, pointer: &str) {
        let Some(item) = item.as_object_mut() else {
            return;
        };
        for (key, value) in item.iter_mut() {
            let at = child(pointer, key);
            if key == "parameters" {
                self.parameters(value, &at);
            } else if OPERATION_FIELDS.contains(&key.as_str()) {
                self.operation(value, &at);
            }
        }
    }

    fn operation(&mut self, op: &mut Value, pointer: &str) {
        let Some(op) = op.as_object_mut() else {
            return;
        };
        for (key, value) in op.iter_mut() {
            let at = child(pointer, key);
            match key.as_str() {
                "parameters" => self.parameters(value, &at),
                "requestBody" => self.content_of(value, &at),
                "responses" => {
                    if let Some(responses) = value.as_object_mut() {
                        for (status, response) in responses.iter_mut() {
                            self.response(response, &child(&at, status));
                        }
                    }
                }
                "callbacks" => {
                    if let Some(callbacks) = value.as_object_mut() {
                        for (name, callback) in callbacks.iter_mut() {
                            self.callback(callback, &child(&at, name));
                        }
                    }
                }
                _ => {}
            }
        }
    }

    fn parameters(&mut self, list: &mut Value, pointer: &str) {
        if let Some(list) = list.as_array_mut() {
            for (i, parameter) in list.iter_mut().enumerate() {
                self.parameter(parameter, &format!("{pointer}/{i}"));
            }
        }
    }

    /// A Parameter or Header Object: its `schema` or its `content`.
    fn parameter(&mut self, parameter: &mut Value, pointer: &str) {
        if let Some(schema) = parameter.get_mut("schema") {
            self.schema(schema, &child(pointer, "schema"), 0);
        }
        self.content_of(parameter, pointer);
    }

    fn response(&mut self, response: &mut Value, pointer: &str) {
        if let Some(headers) = response.get_mut("headers").and_then(Value::as_object_mut) {
            for (name, header) in headers.iter_mut() {
                self.parameter(header, &child(&child(pointer, "headers"), name));
            }
        }
        self.content_of(response, pointer);
    }

    /// The schemas of an object's `content` map (request body, response, parameter).
    fn content_of(&mut self, holder: &mut Value, pointer: &str) {
        let Some(content) = holder.get_mut("content").and_then(Value::as_object_mut) else {
            return;
        };
        let at = child(pointer, "content");
        for (media_type, media) in content.iter_mut() {
            let media_at = child(&at, media_type);
            if let Some(schema) = media.get_mut("schema") {
                self.schema(schema, &child(&media_at, "schema"), 0);
            }
            if let Some(encoding) = media.get_mut("encoding").and_then(Value::as_object_mut) {
                for (property, entry) in encoding.iter_mut() {
                    if let Some(headers) = entry.get_mut("headers").and_then(Value::as_object_mut) {
                        let headers_at =
                            child(&child(&child(&media_at, "encoding"), property), "headers");
                        for (name, header) in headers.iter_mut() {
                            self.parameter(header, &child(&headers_at, name));
                        }
                    }
                }
            }
        }
    }
}

/// Reference Objects with `summary` or `description` beside the `$ref` (3.1 lets these
/// replace the target's): a reference to a component parameter, request body, response
/// or header becomes a copy of it with the new text, so the docs show what the spec says
/// there. One that cannot be copied (a chain, another document) keeps its target's text,
/// with a warning.
fn reference_overrides(doc: &mut Value) -> Vec<Diagnostic> {
    let mut places: Vec<(String, &'static str)> = Vec::new();
    for (path, item) in doc
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        if let Some(item) = item.as_object() {
            override_places(item, &child("#/paths", path), &mut places);
        }
    }
    let mut warnings = Vec::new();
    for (at, section) in places {
        let Some(object) = doc.pointer(&at[1..]).and_then(Value::as_object) else {
            continue;
        };
        let overrides: Vec<(String, Value)> = ["summary", "description"]
            .iter()
            .filter_map(|k| object.get(*k).map(|v| ((*k).to_string(), v.clone())))
            .collect();
        let Some(reference) = object.get("$ref").and_then(Value::as_str) else {
            continue;
        };
        if overrides.is_empty() {
            continue;
        }
        let prefix = format!("#/components/{section}/");
        let target = reference
            .strip_prefix(&prefix)
            .map(crate::diag::unescape_segment)
            .and_then(|key| doc.get("components")?.get(section)?.get(&key).cloned())
            .filter(|t| t.is_object() && t.get("$ref").is_none());
        let Some(mut copy) = target else {
            warnings.push(
                Diagnostic::warning(
                    at.clone(),
                    format!("the `summary`/`description` beside `$ref: {reference}` is not used; the target's own text is"),
                )
                .with_hint(format!("point the `$ref` straight at an entry of `components/{section}`")),
            );
            continue;
        };
        if let Some(map) = copy.as_object_mut() {
            for (key, value) in overrides {
                // None of these objects has a `summary` field of its own: a summary reads
                // as the description where no description is given beside it.
                if key == "description" || !map.contains_key("description") {
                    map.insert("description".into(), value);
                }
            }
        }
        if let Some(slot) = doc.pointer_mut(&at[1..]) {
            *slot = copy;
        }
    }
    warnings
}

/// Where an operation's Reference Objects may carry `summary`/`description`: its (and its
/// path item's) parameters, its request body, its responses and their headers, each with
/// the components section it points into.
fn override_places(item: &Map<String, Value>, at: &str, places: &mut Vec<(String, &'static str)>) {
    let list = |value: Option<&Value>, at: String, places: &mut Vec<(String, &'static str)>| {
        let count = value.and_then(Value::as_array).map_or(0, Vec::len);
        places.extend((0..count).map(|i| (format!("{at}/{i}"), "parameters")));
    };
    list(item.get("parameters"), child(at, "parameters"), places);
    for (method, op) in item {
        if !OPERATION_FIELDS.contains(&method.as_str()) {
            continue;
        }
        let op_at = child(at, method);
        list(op.get("parameters"), child(&op_at, "parameters"), places);
        if op.get("requestBody").is_some() {
            places.push((child(&op_at, "requestBody"), "requestBodies"));
        }
        let responses = op.get("responses").and_then(Value::as_object);
        for (status, response) in responses.into_iter().flatten() {
            let response_at = child(&child(&op_at, "responses"), status);
            let headers = response.get("headers").and_then(Value::as_object);
            for name in headers.into_iter().flatten().map(|(k, _)| k) {
                places.push((child(&child(&response_at, "headers"), name), "headers"));
            }
            places.push((response_at, "responses"));
        }
    }
}

#[path = "v31_schema.rs"]
mod schema;

#[cfg(test)]
#[path = "v31_tests.rs"]
mod tests;
