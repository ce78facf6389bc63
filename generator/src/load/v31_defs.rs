//! `$defs` of OpenAPI 3.1 schemas moved into `components/schemas`, where every later stage
//! finds named schemas, and each `$ref` into them pointed at the new place.
//!
//! A `$defs` entry keeps its key as its name when `components/schemas` has no entry of
//! that name, else takes its owner's name in front (`Pet` + `Tag` → `PetTag`), else a
//! number. A `#/$defs/X` reference, which names the document's own `$defs`, is read
//! against the nearest enclosing schema that has `X` when the document has none (with a
//! warning): the reading of a schema written as a JSON Schema document of its own.

use crate::diag::{Diagnostic, escape_segment};
use serde_json::{Map, Value};

/// Nested `$defs` are moved one level a round; deeper than this they stay.
const MAX_ROUNDS: usize = 16;

const MAX_DEPTH: usize = 512;

pub(super) fn hoist(doc: &mut Value) -> Vec<Diagnostic> {
    let mut warnings = absolutise(doc);
    let mut moves: Vec<(String, String)> = Vec::new();
    for _ in 0..MAX_ROUNDS {
        let mut holders = Vec::new();
        find_defs(doc, &mut String::new(), &mut holders, 0);
        if holders.is_empty() {
            break;
        }
        holders.sort_by_key(|h| h.matches('/').count());
        for holder in holders {
            let Some(Value::Object(defs)) = doc
                .pointer_mut(&holder)
                .and_then(Value::as_object_mut)
                .and_then(|h| h.remove("$defs"))
            else {
                continue;
            };
            let owner = holder
                .rsplit('/')
                .next()
                .map(crate::diag::unescape_segment)
                .unwrap_or_default();
            for (name, schema) in defs {
                let Some(schemas) = component_schemas(doc) else {
                    warnings.push(Diagnostic::warning(
                        "#/components",
                        "`components` is not a mapping, so `$defs` cannot be moved into it",
                    ));
                    return warnings;
                };
                let new = free_name(schemas, &name, &owner);
                schemas.insert(new.clone(), schema);
                moves.push((
                    format!("{holder}/$defs/{}", escape_segment(&name)),
                    format!("/components/schemas/{}", escape_segment(&new)),
                ));
            }
        }
    }
    if !moves.is_empty() {
        rewrite_refs(doc, &moves, 0);
    }
    warnings
}

/// The last key of a pointer (unescaped), `None` at the root or after an index.
fn last_key(pointer: &str) -> Option<String> {
    let last = pointer.rsplit('/').next().filter(|_| !pointer.is_empty())?;
    (!last.chars().all(|c| c.is_ascii_digit())).then(|| crate::diag::unescape_segment(last))
}

fn component_schemas(doc: &mut Value) -> Option<&mut Map<String, Value>> {
    let root = doc.as_object_mut()?;
    let components = root
        .entry("components")
        .or_insert_with(|| Value::Object(Map::new()))
        .as_object_mut()?;
    components
        .entry("schemas")
        .or_insert_with(|| Value::Object(Map::new()))
        .as_object_mut()
}

fn free_name(schemas: &Map<String, Value>, name: &str, owner: &str) -> String {
    if !schemas.contains_key(name) {
        return name.to_string();
    }
    let joined = format!("{owner}{name}");
    if !owner.is_empty() && !schemas.contains_key(&joined) {
        return joined;
    }
    (2..)
        .map(|n| format!("{joined}{n}"))
        .find(|candidate| !schemas.contains_key(candidate))
        .unwrap_or(joined)
}

/// Pointers (without `#`) of the objects that hold a `$defs` mapping.
fn find_defs(value: &Value, at: &mut String, out: &mut Vec<String>, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    match value {
        Value::Object(map) => {
            if map.get("$defs").is_some_and(Value::is_object) {
                out.push(at.clone());
            }
            let parent = last_key(at);
            for (key, v) in map {
                if super::holds_data(key, parent.as_deref()) {
                    continue;
                }
                if v.is_object() || v.is_array() {
                    let len = at.len();
                    at.push('/');
                    at.push_str(&escape_segment(key));
                    find_defs(v, at, out, depth + 1);
                    at.truncate(len);
                }
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                let len = at.len();
                at.push('/');
                at.push_str(&i.to_string());
                find_defs(v, at, out, depth + 1);
                at.truncate(len);
            }
        }
        _ => {}
    }
}

/// Every local `$ref` that starts with a moved pointer (`(old, new)`, JSON pointers
/// without `#`, applied in order), pointed at the new place.
pub(super) fn rewrite_refs(value: &mut Value, moves: &[(String, String)], depth: usize) {
    rewrite_under(value, None, moves, depth);
}

fn rewrite_under(
    value: &mut Value,
    parent: Option<&str>,
    moves: &[(String, String)],
    depth: usize,
) {
    if depth > MAX_DEPTH {
        return;
    }
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if key == "$ref" {
                    if let Value::String(reference) = v
                        && let Some(moved) = moved(reference, moves)
                    {
                        *reference = moved;
                    }
                } else if !super::holds_data(key, parent) {
                    rewrite_under(v, Some(key), moves, depth + 1);
                }
            }
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|v| rewrite_under(v, None, moves, depth + 1)),
        _ => {}
    }
}

fn moved(reference: &str, moves: &[(String, String)]) -> Option<String> {
    let pointer = reference.strip_prefix('#')?;
    let mut pointer = if pointer.contains('%') {
        super::refs::percent_decode(pointer)
    } else {
        pointer.to_string()
    };
    let mut changed = false;
    for (old, new) in moves {
        let rest = match pointer.strip_prefix(old.as_str()) {
            Some(rest) if rest.is_empty() || rest.starts_with('/') => rest.to_string(),
            _ => continue,
        };
        pointer = format!("{new}{rest}");
        changed = true;
    }
    changed.then(|| format!("#{pointer}"))
}

/// `#/$defs/X` references, when the document has no `$defs` of its own, read against the
/// nearest enclosing object that has `$defs/X`; one that names no entry anywhere reads as
/// any value, with a warning.
fn absolutise(doc: &mut Value) -> Vec<Diagnostic> {
    let mut warnings = Vec::new();
    if doc.get("$defs").is_some() {
        return warnings;
    }
    let mut found = Vec::new();
    relative_refs(doc, doc, &mut String::new(), &mut found, 0);
    for (at, reference) in found {
        match reference {
            Ok(reference) => {
                if let Some(Value::String(r)) = doc.pointer_mut(&at) {
                    warnings.push(
                        Diagnostic::warning(
                            format!("#{at}"),
                            format!("`{r}` names the document's `$defs`, which it has none of; it is read as `{reference}`, of the schema around it"),
                        )
                        .with_hint(format!("write `$ref: '{reference}'`")),
                    );
                    *r = reference;
                }
            }
            Err(missing) => {
                let holder = &at[..at.len() - "/$ref".len()];
                if let Some(object) = doc.pointer_mut(holder).and_then(Value::as_object_mut) {
                    object.remove("$ref");
                }
                warnings.push(
                    Diagnostic::warning(
                        format!("#{at}"),
                        format!("`{missing}` names no `$defs` entry of the document or of a schema around it; the value is read as any JSON value"),
                    )
                    .with_hint("name an entry of the nearest `$defs`, or move the schema under `components/schemas`"),
                );
            }
        }
    }
    warnings
}

/// (pointer of the `$ref` value, the reference it should be, or the one that resolves
/// nowhere) for each `#/$defs/...`.
fn relative_refs(
    doc: &Value,
    value: &Value,
    at: &mut String,
    out: &mut Vec<(String, Result<String, String>)>,
    depth: usize,
) {
    if depth > MAX_DEPTH {
        return;
    }
    match value {
        Value::Object(map) => {
            let parent = last_key(at);
            for (key, v) in map {
                let len = at.len();
                at.push('/');
                at.push_str(&escape_segment(key));
                if key == "$ref" {
                    if let Some(rest) = v.as_str().and_then(|r| r.strip_prefix("#/$defs/")) {
                        let name = rest.split('/').next().unwrap_or_default();
                        let resolved = enclosing_with(doc, &at[..len], name)
                            .map(|base| format!("#{base}/$defs/{rest}"))
                            .ok_or_else(|| format!("#/$defs/{rest}"));
                        out.push((at.clone(), resolved));
                    }
                } else if !super::holds_data(key, parent.as_deref()) {
                    relative_refs(doc, v, at, out, depth + 1);
                }
                at.truncate(len);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                let len = at.len();
                at.push('/');
                at.push_str(&i.to_string());
                relative_refs(doc, v, at, out, depth + 1);
                at.truncate(len);
            }
        }
        _ => {}
    }
}

/// The nearest pointer at or above `at` whose object has `$defs/<name>` (`name` escaped).
fn enclosing_with(doc: &Value, at: &str, name: &str) -> Option<String> {
    let mut here = at.to_string();
    loop {
        let has = doc
            .pointer(&here)
            .and_then(|v| v.get("$defs"))
            .and_then(|d| d.pointer(&format!("/{name}")))
            .is_some();
        if has {
            return Some(here);
        }
        let cut = here.rfind('/')?;
        here.truncate(cut);
    }
}
