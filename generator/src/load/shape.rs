//! What `openapiv3` expects where, checked on the raw document after it refused one, so the
//! message can name the exact field and the fix instead of "did not match any variant".
//! Only shapes `openapiv3` enforces are checked; unknown fields are ignored as it does.

use super::OPERATION_FIELDS;
use super::at::At;
use crate::diag::Diagnostic;
use serde_json::Value;

#[derive(Clone, Copy)]
enum Shape {
    Any,
    Text,
    Bool,
    Number,
    Count,
    /// A string; `strict` refuses values not listed.
    Word(&'static [&'static str], bool),
    List(&'static Shape),
    Map(&'static Shape),
    Object(Kind),
    /// `{$ref: ...}` or the object.
    RefOr(Kind),
    /// `additionalProperties`: a boolean or a schema.
    BoolOrSchema,
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Document,
    Info,
    Server,
    Tag,
    Components,
    Paths,
    PathItem,
    Operation,
    Responses,
    Response,
    RequestBody,
    MediaType,
    Parameter,
    Header,
    Schema,
    Discriminator,
    ExternalDocs,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Document => "OpenAPI Object",
            Kind::Info => "Info Object",
            Kind::Server => "Server Object",
            Kind::Tag => "Tag Object",
            Kind::Components => "Components Object",
            Kind::Paths => "Paths Object",
            Kind::PathItem => "Path Item Object",
            Kind::Operation => "Operation Object",
            Kind::Responses => "Responses Object",
            Kind::Response => "Response Object",
            Kind::RequestBody => "Request Body Object",
            Kind::MediaType => "Media Type Object",
            Kind::Parameter => "Parameter Object",
            Kind::Header => "Header Object",
            Kind::Schema => "Schema Object",
            Kind::Discriminator => "Discriminator Object",
            Kind::ExternalDocs => "External Documentation Object",
        }
    }
}

const TEXTS: Shape = Shape::List(&Shape::Text);
const SCHEMA: Shape = Shape::RefOr(Kind::Schema);
const SCHEMAS: Shape = Shape::List(&SCHEMA);
const PARAMETERS: Shape = Shape::List(&Shape::RefOr(Kind::Parameter));
const CONTENT: Shape = Shape::Map(&Shape::Object(Kind::MediaType));
const HEADERS: Shape = Shape::Map(&Shape::RefOr(Kind::Header));
const TYPES: &[&str] = &["string", "number", "integer", "boolean", "array", "object"];
/// More than any kind of object has known fields (a Schema Object has 32).
const MAX_FIELDS: usize = 40;

/// The known fields of an object of `kind`, and the required ones.
fn fields(kind: Kind) -> (&'static [(&'static str, Shape)], &'static [&'static str]) {
    use Shape::*;
    match kind {
        Kind::Document => (
            &[
                ("info", Object(Kind::Info)),
                ("servers", List(&Object(Kind::Server))),
                ("paths", Object(Kind::Paths)),
                ("components", Object(Kind::Components)),
                ("security", List(&Map(&TEXTS))),
                ("tags", List(&Object(Kind::Tag))),
            ],
            &["info", "paths"],
        ),
        Kind::Info => (
            &[("title", Text), ("description", Text), ("version", Text)],
            &["title", "version"],
        ),
        Kind::Server => (&[("url", Text), ("description", Text)], &["url"]),
        Kind::Tag => (&[("name", Text), ("description", Text)], &["name"]),
        Kind::Components => (
            &[
                ("schemas", Map(&SCHEMA)),
                ("responses", Map(&RefOr(Kind::Response))),
                ("parameters", Map(&RefOr(Kind::Parameter))),
                ("requestBodies", Map(&RefOr(Kind::RequestBody))),
                ("headers", HEADERS),
            ],
            &[],
        ),
        Kind::PathItem => (
            &[
                ("summary", Text),
                ("description", Text),
                ("parameters", PARAMETERS),
                ("get", Object(Kind::Operation)),
                ("put", Object(Kind::Operation)),
                ("post", Object(Kind::Operation)),
                ("delete", Object(Kind::Operation)),
                ("options", Object(Kind::Operation)),
                ("head", Object(Kind::Operation)),
                ("patch", Object(Kind::Operation)),
                ("trace", Object(Kind::Operation)),
            ],
            &[],
        ),
        Kind::Operation => (
            &[
                ("tags", TEXTS),
                ("summary", Text),
                ("description", Text),
                ("operationId", Text),
                ("parameters", PARAMETERS),
                ("requestBody", RefOr(Kind::RequestBody)),
                ("responses", Object(Kind::Responses)),
                ("deprecated", Bool),
                ("security", List(&Map(&TEXTS))),
                ("callbacks", Map(&Map(&Object(Kind::PathItem)))),
                ("externalDocs", Object(Kind::ExternalDocs)),
            ],
            &["responses"],
        ),
        Kind::Response => (
            &[
                ("description", Text),
                ("headers", HEADERS),
                ("content", CONTENT),
            ],
            &["description"],
        ),
        Kind::RequestBody => (
            &[
                ("description", Text),
                ("content", CONTENT),
                ("required", Bool),
            ],
            &[],
        ),
        Kind::MediaType => (&[("schema", SCHEMA)], &[]),
        Kind::Parameter => (
            &[
                ("name", Text),
                ("in", Word(&["query", "header", "path", "cookie"], true)),
                ("description", Text),
                ("required", Bool),
                ("deprecated", Bool),
                ("explode", Bool),
                ("allowReserved", Bool),
                ("allowEmptyValue", Bool),
                ("schema", SCHEMA),
                ("content", CONTENT),
            ],
            &["name", "in"],
        ),
        Kind::Header => (
            &[
                ("description", Text),
                ("required", Bool),
                ("deprecated", Bool),
                ("schema", SCHEMA),
                ("content", CONTENT),
            ],
            &[],
        ),
        Kind::Schema => (
            &[
                ("type", Word(TYPES, false)),
                ("format", Text),
                ("title", Text),
                ("description", Text),
                ("pattern", Text),
                ("nullable", Bool),
                ("readOnly", Bool),
                ("writeOnly", Bool),
                ("deprecated", Bool),
                ("uniqueItems", Bool),
                ("exclusiveMinimum", Bool),
                ("exclusiveMaximum", Bool),
                ("multipleOf", Number),
                ("minimum", Number),
                ("maximum", Number),
                ("minLength", Count),
                ("maxLength", Count),
                ("minItems", Count),
                ("maxItems", Count),
                ("minProperties", Count),
                ("maxProperties", Count),
                ("required", TEXTS),
                ("enum", List(&Any)),
                ("properties", Map(&SCHEMA)),
                ("additionalProperties", BoolOrSchema),
                ("items", SCHEMA),
                ("allOf", SCHEMAS),
                ("oneOf", SCHEMAS),
                ("anyOf", SCHEMAS),
                ("not", SCHEMA),
                ("discriminator", Object(Kind::Discriminator)),
                ("externalDocs", Object(Kind::ExternalDocs)),
            ],
            &[],
        ),
        Kind::Discriminator => (
            &[("propertyName", Text), ("mapping", Map(&Text))],
            &["propertyName"],
        ),
        Kind::ExternalDocs => (&[("url", Text), ("description", Text)], &["url"]),
        Kind::Paths | Kind::Responses => (&[], &[]),
    }
}

/// Every shape error in the document, in document order.
/// How the shape check's warnings read what they found (see
/// [`super::repair::apply_readings`]).
pub(super) const READ_EMPTY: &str = "it is read as an empty description";
pub(super) const READ_STRING: &str = "its value is read as a string";

pub(super) fn check_document(doc: &Value) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    check(&Shape::Object(Kind::Document), doc, &At::Root, &mut out, 0);
    out
}

/// How a value reads in a message: `the number 42`, `a list`, ...
pub(super) fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null (an empty value)".to_string(),
        Value::Bool(b) => format!("the boolean `{b}`"),
        Value::Number(n) => format!("the number `{n}`"),
        Value::String(s) if s.chars().count() > 40 => "a string".to_string(),
        Value::String(s) => format!("the string `\"{s}\"`"),
        Value::Array(_) => "a list".to_string(),
        Value::Object(_) => "a mapping".to_string(),
    }
}

fn expected(shape: &Shape) -> String {
    match shape {
        Shape::Any => "any value".into(),
        Shape::Text => "a string".into(),
        Shape::Bool => "`true` or `false`".into(),
        Shape::Number => "a number".into(),
        Shape::Count => "a whole number (0 or more)".into(),
        Shape::Word(values, _) => format!("one of `{}`", values.join("`, `")),
        Shape::List(item) => format!("a list of {}", plural(item)),
        Shape::Map(_) => "a mapping".into(),
        Shape::Object(kind) => format!("a mapping (an OpenAPI {})", kind.name()),
        Shape::RefOr(kind) => format!("a mapping (a `$ref` or an OpenAPI {})", kind.name()),
        Shape::BoolOrSchema => "`true`, `false` or a schema".into(),
    }
}

fn plural(item: &Shape) -> String {
    match item {
        Shape::Text => "strings".into(),
        Shape::RefOr(Kind::Schema) => "schemas".into(),
        Shape::RefOr(kind) | Shape::Object(kind) => format!("{}s", kind.name()),
        Shape::Map(_) => "mappings".into(),
        _ => "values".into(),
    }
}

/// What to write instead of `value` where `shape` is expected.
fn fix(shape: &Shape, key: &str, value: &Value) -> String {
    let scalar = match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    };
    match (shape, scalar) {
        (Shape::Word(values, _), _) => {
            format!("write one of them, e.g. `{key}: {}`", values[0])
        }
        (Shape::List(_), Some(s)) => format!("write a list: `{key}: [{s}]`"),
        (Shape::Text, Some(s)) => format!("quote the value: `{key}: '{s}'`"),
        (Shape::Bool, Some(_)) => format!("write `{key}: true` or `{key}: false`, unquoted"),
        (Shape::Number | Shape::Count, Some(s)) => {
            format!(
                "write a number without quotes, e.g. `{key}: {}`",
                s.trim_matches('"')
            )
        }
        _ => format!("give `{key}` {}", expected(shape)),
    }
}

fn mismatch(shape: &Shape, value: &Value, at: &At) -> Diagnostic {
    let key = &at.label();
    Diagnostic::error(
        at.pointer(),
        format!(
            "`{key}` must be {}, not {}",
            expected(shape),
            describe(value)
        ),
    )
    .with_hint(fix(shape, key, value))
}

fn check(shape: &Shape, value: &Value, at: &At, out: &mut Vec<Diagnostic>, depth: usize) {
    if depth > 256 {
        return;
    }
    let ok = match (shape, value) {
        (Shape::Any, _) => true,
        (Shape::Text, Value::String(_)) | (Shape::Bool, Value::Bool(_)) => true,
        (Shape::Number, Value::Number(_)) => true,
        (Shape::Count, Value::Number(n)) => n.is_u64(),
        (Shape::Word(values, strict), Value::String(s)) => {
            if *strict && !values.contains(&s.as_str()) {
                out.push(unknown_word(s, values, at));
            }
            true
        }
        (Shape::List(item), Value::Array(items)) => {
            for (i, v) in items.iter().enumerate() {
                check(item, v, &At::Index(at, i), out, depth + 1);
            }
            true
        }
        (Shape::Map(item), Value::Object(map)) => {
            for (k, v) in map {
                if !k.starts_with("x-") {
                    check(item, v, &At::Key(at, k), out, depth + 1);
                }
            }
            true
        }
        (Shape::RefOr(_), Value::Object(map)) if map.contains_key("$ref") => {
            match map.get("$ref") {
                Some(Value::String(_)) => {}
                Some(other) => out.push(mismatch(&Shape::Text, other, &At::Key(at, "$ref"))),
                None => {}
            }
            true
        }
        (Shape::Object(kind) | Shape::RefOr(kind), Value::Object(_)) => {
            check_object(*kind, value, at, out, depth);
            true
        }
        (Shape::BoolOrSchema, Value::Bool(_)) => true,
        (Shape::BoolOrSchema, Value::Object(_)) => {
            check(&SCHEMA, value, at, out, depth);
            true
        }
        _ => false,
    };
    if !ok {
        out.push(mismatch(shape, value, at));
    }
}

fn unknown_word(word: &str, values: &[&str], at: &At) -> Diagnostic {
    let key = at.label();
    let hint = match (key.as_str(), word) {
        ("in", "body" | "formData") => {
            "this is a Swagger 2.0 parameter: in OpenAPI 3.0 describe the body with the operation's `requestBody`".to_string()
        }
        _ => match crate::diag::closest(word, values.iter().copied()) {
            Some(close) => format!("did you mean `{close}`?"),
            None => format!("use one of `{}`", values.join("`, `")),
        },
    };
    Diagnostic::error(
        at.pointer(),
        format!(
            "`{key}: {word}` is not allowed here; expected one of `{}`",
            values.join("`, `")
        ),
    )
    .with_hint(hint)
}

fn check_object(kind: Kind, value: &Value, at: &At, out: &mut Vec<Diagnostic>, depth: usize) {
    let Value::Object(map) = value else {
        return;
    };
    let (known, required) = fields(kind);
    for name in required.iter().filter(|name| !map.contains_key(**name)) {
        let message = format!("this {} has no `{name}`, which is required", kind.name());
        // Published specs leave a response's description out; reading it as empty loses nothing.
        let diagnostic = match (kind, *name) {
            (Kind::Response, "description") => {
                Diagnostic::warning(at.pointer(), format!("{message}; {READ_EMPTY}"))
            }
            _ => Diagnostic::error(at.pointer(), message),
        };
        out.push(diagnostic.with_hint(missing_hint(kind, name)));
    }
    // The known fields present, found by one pass over the (few) fields of the object
    // rather than a lookup of each of the (many) known ones; checked in the table's order.
    let mut present: [Option<&Value>; MAX_FIELDS] = [None; MAX_FIELDS];
    for (name, v) in map {
        if let Some(i) = known.iter().position(|(k, _)| k == name) {
            present[i] = Some(v);
        }
    }
    for ((name, shape), value) in known.iter().zip(present) {
        match value {
            Some(Value::Null) if null_allowed(kind, name, shape, required) => {}
            Some(v) => check(shape, v, &At::Key(at, name), out, depth + 1),
            None => {}
        }
    }
    match kind {
        Kind::Paths => {
            for (path, item) in map.iter().filter(|(k, _)| !k.starts_with("x-")) {
                let at = At::Key(at, path);
                check(&Shape::RefOr(Kind::PathItem), item, &at, out, depth + 1);
            }
        }
        Kind::Responses => {
            for (code, response) in map.iter().filter(|(k, _)| is_status(k)) {
                let at = At::Key(at, code);
                check(&Shape::RefOr(Kind::Response), response, &at, out, depth + 1);
            }
        }
        Kind::Parameter | Kind::Header
            if !map.contains_key("schema") && !map.contains_key("content") =>
        {
            // The value of a parameter is text on the wire: read as a string.
            out.push(
                Diagnostic::warning(
                    at.pointer(),
                    format!(
                        "this {} has neither `schema` nor `content`; {READ_STRING}",
                        kind.name()
                    ),
                )
                .with_hint("add a `schema`, e.g. `schema: {type: string}`"),
            );
        }
        Kind::Parameter => check_style(map, at, out),
        _ => {}
    }
}

/// Styles `openapiv3` accepts for each parameter location.
fn check_style(map: &serde_json::Map<String, Value>, at: &At, out: &mut Vec<Diagnostic>) {
    let allowed: &[&str] = match map.get("in").and_then(Value::as_str) {
        Some("query") => &["form", "spaceDelimited", "pipeDelimited", "deepObject"],
        Some("path") => &["matrix", "label", "simple"],
        Some("header") => &["simple"],
        Some("cookie") => &["form"],
        _ => return,
    };
    match map.get("style") {
        None => {}
        Some(Value::String(s)) if allowed.contains(&s.as_str()) => {}
        Some(other) => out.push(
            Diagnostic::error(
                At::Key(at, "style").pointer(),
                format!(
                    "`style` {} is not allowed for this parameter; expected one of `{}`",
                    describe(other),
                    allowed.join("`, `")
                ),
            )
            .with_hint("remove `style` to use the default for the parameter's location"),
        ),
    }
}

/// Whether `openapiv3` reads `name: null` as absent: true of its `Option` fields, not of
/// required ones nor of those with a default (plain booleans, lists and maps).
fn null_allowed(kind: Kind, name: &str, shape: &Shape, required: &[&str]) -> bool {
    match kind {
        Kind::Schema => !matches!(name, "nullable" | "readOnly" | "writeOnly" | "deprecated"),
        Kind::Discriminator => false,
        _ if required.contains(&name) => false,
        _ => match shape {
            Shape::Text | Shape::Object(_) | Shape::RefOr(_) => true,
            Shape::Bool => {
                kind != Kind::Operation
                    && matches!(name, "deprecated" | "explode" | "allowEmptyValue")
            }
            _ => name == "security",
        },
    }
}

/// Keys `openapiv3` reads as status codes: `100` to `999`, or a digit and `XX`.
fn is_status(key: &str) -> bool {
    key == "default"
        || (key.len() == 3
            && (key.parse::<i64>().is_ok_and(|n| (100..1000).contains(&n))
                || (key.as_bytes()[0].is_ascii_digit() && key[1..].eq_ignore_ascii_case("xx"))))
}

fn missing_hint(kind: Kind, name: &str) -> String {
    match (kind, name) {
        (Kind::Document, "info") => {
            "add `info:` with a `title` and a `version`, e.g. `info: {title: My API, version: '1.0'}`".into()
        }
        (Kind::Document, "paths") => "add `paths: {}` (or the API's paths)".into(),
        (Kind::Operation, "responses") => {
            "add `responses:` with at least one status, e.g. `'200': {description: OK}`".into()
        }
        (Kind::Response, "description") => {
            "add `description:` (a short text; it is required on every response)".into()
        }
        (Kind::Parameter, "in") => "add `in: query` (or `path`, `header`, `cookie`)".into(),
        _ => format!("add `{name}` (see the OpenAPI 3.0.3 {})", kind.name()),
    }
}

/// A readable message for a serde error `openapiv3` gave where the shape check found
/// nothing to say.
pub(super) fn explain_serde_error(pointer: &str, message: &str) -> Diagnostic {
    let readable = if message.contains("did not match any variant") {
        "this node does not have the shape OpenAPI 3.0 requires here".to_string()
    } else if let Some(rest) = message.strip_prefix("invalid type: ") {
        let (found, wanted) = rest
            .split_once(", expected ")
            .unwrap_or((rest, "another type"));
        format!("expected {wanted}, found {found}")
    } else {
        message.to_string()
    };
    let place = pointer
        .rsplit('/')
        .next()
        .filter(|s| !s.is_empty() && *s != "#")
        .map(crate::diag::unescape_segment);
    let hint = match place {
        Some(place) if OPERATION_FIELDS.contains(&place.as_str()) => {
            "compare this operation with the OpenAPI 3.0.3 Operation Object".to_string()
        }
        Some(place) => {
            format!("compare `{place}` with the OpenAPI 3.0.3 specification of this object")
        }
        None => "compare the document with the OpenAPI 3.0.3 OpenAPI Object".to_string(),
    };
    Diagnostic::error(
        pointer,
        format!("not a valid OpenAPI 3.0 document: {readable}"),
    )
    .with_hint(hint)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_fits_the_field_table() {
        let kinds = [
            Kind::Document,
            Kind::Info,
            Kind::Server,
            Kind::Tag,
            Kind::Components,
            Kind::Paths,
            Kind::PathItem,
            Kind::Operation,
            Kind::Responses,
            Kind::Response,
            Kind::RequestBody,
            Kind::MediaType,
            Kind::Parameter,
            Kind::Header,
            Kind::Schema,
            Kind::Discriminator,
            Kind::ExternalDocs,
        ];
        for kind in kinds {
            assert!(fields(kind).0.len() <= MAX_FIELDS, "{}", kind.name());
        }
    }
}
