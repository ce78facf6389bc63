//! The raw document → `openapiv3::OpenAPI`, within bounds of nesting and stack.

use crate::diag::Diagnostic;
use openapiv3::OpenAPI;

/// Stack for `openapiv3`'s deserializer, whose untagged and flattened enums take tens of
/// kilobytes per level of nesting in a debug build: far more than a test thread's 2 MB
/// would allow at [`MAX_NESTING`]. Only the pages used are ever touched.
const DESERIALIZE_STACK: usize = 64 * 1024 * 1024;

pub(super) type DeserializeError = serde_path_to_error::Error<serde_json::Error>;

/// `openapiv3::OpenAPI` from the raw document, which it consumes (strings are moved, not
/// copied, and each node is freed once read), on a thread with a stack of its own, so the
/// depth a document may have does not depend on the caller's stack. A panic inside
/// `openapiv3` becomes an error rather than taking the caller down.
pub(super) fn openapi(value: serde_json::Value) -> Result<OpenAPI, DeserializeError> {
    let run = |value| serde_path_to_error::deserialize::<_, OpenAPI>(value);
    // The document goes to the thread through a slot it can be taken back from, in case
    // no thread can be had (a sandbox without threads): then it is read on this one.
    let slot = std::sync::Mutex::new(Some(value));
    let take = || slot.lock().ok().and_then(|mut v| v.take());
    std::thread::scope(|scope| {
        let spawned = std::thread::Builder::new()
            .name("apigen-load".into())
            .stack_size(DESERIALIZE_STACK)
            .spawn_scoped(scope, || take().map(run));
        let result = match spawned {
            Ok(handle) => handle.join().unwrap_or_else(|panic| {
                let what = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                Some(Err(internal_error(&what)))
            }),
            Err(_) => take().map(run),
        };
        result.unwrap_or_else(|| Err(internal_error("the document was lost")))
    })
}

/// `openapiv3::OpenAPI` from the raw document as fast as it can be had: without tracking
/// the path of an error, and with the first share of `paths` read on a second thread while
/// this one reads the rest. `None` when the document does not deserialize (or a thread
/// cannot be had, or one panics); [`openapi`] then finds the error and its place.
pub(super) fn openapi_untracked(mut value: serde_json::Value) -> Option<OpenAPI> {
    use serde::Deserialize;
    let split = split_paths(&mut value);
    if split.is_none() && nests_at_most(&value, INLINE_NESTING) {
        // Small and shallow: a thread would cost more than it saves, and the deserializer
        // fits any caller's stack at this depth.
        return OpenAPI::deserialize(value).ok();
    }
    std::thread::scope(|scope| {
        let spawn = |name: &str| {
            std::thread::Builder::new()
                .name(name.into())
                .stack_size(DESERIALIZE_STACK)
        };
        let first = match split {
            Some(first) => Some(
                spawn("apigen-load-paths")
                    .spawn_scoped(scope, move || openapiv3::Paths::deserialize(first).ok())
                    .ok()?,
            ),
            None => None,
        };
        let rest = spawn("apigen-load")
            .spawn_scoped(scope, move || OpenAPI::deserialize(value).ok())
            .ok()?;
        let mut api = rest.join().ok()??;
        if let Some(first) = first {
            let mut paths = first.join().ok()??;
            paths.paths.extend(std::mem::take(&mut api.paths.paths));
            paths
                .extensions
                .extend(std::mem::take(&mut api.paths.extensions));
            api.paths = paths;
        }
        Some(api)
    })
}

/// How deeply a document read on the caller's thread may nest: at tens of kilobytes of
/// stack per level in a debug build, well within a test thread's 2 MB.
const INLINE_NESTING: usize = 24;

/// Whether no mapping or list of `value` lies deeper than `limit` levels.
fn nests_at_most(value: &serde_json::Value, limit: usize) -> bool {
    use serde_json::Value;
    match value {
        Value::Object(map) => limit > 0 && map.values().all(|v| nests_at_most(v, limit - 1)),
        Value::Array(items) => limit > 0 && items.iter().all(|v| nests_at_most(v, limit - 1)),
        _ => true,
    }
}

/// Fewer paths than this are read on one thread: the second would not pay for itself.
const SPLIT_AT_PATHS: usize = 64;

/// Take the first entries of `paths` out of the document, about as much as is left with
/// the rest of it (`components` above all), counted in nodes; `None` for a small document.
fn split_paths(doc: &mut serde_json::Value) -> Option<serde_json::Value> {
    use serde_json::{Map, Value};
    fn nodes(value: &Value) -> usize {
        match value {
            Value::Object(map) => 1 + map.values().map(nodes).sum::<usize>(),
            Value::Array(items) => 1 + items.iter().map(nodes).sum::<usize>(),
            _ => 1,
        }
    }
    let root = doc.as_object_mut()?;
    let paths = root.get("paths")?.as_object()?;
    if paths.len() < SPLIT_AT_PATHS {
        return None;
    }
    let weights: Vec<usize> = paths.values().map(nodes).collect();
    let in_paths: usize = weights.iter().sum();
    let elsewhere: usize = root
        .iter()
        .filter(|(key, _)| *key != "paths")
        .map(|(_, v)| nodes(v))
        .sum();
    let wanted = (in_paths + elsewhere) / 2;
    let mut taken = 0;
    let mut count = 0;
    for weight in &weights {
        if taken >= wanted || count + 1 >= weights.len() {
            break;
        }
        taken += weight;
        count += 1;
    }
    if count == 0 {
        return None;
    }
    let Some(Value::Object(all)) = root.get_mut("paths").map(Value::take) else {
        return None;
    };
    let mut first = Map::new();
    let mut rest = Map::new();
    for (i, (key, item)) in all.into_iter().enumerate() {
        if i < count {
            first.insert(key, item);
        } else {
            rest.insert(key, item);
        }
    }
    root.insert("paths".into(), Value::Object(rest));
    Some(Value::Object(first))
}

/// A serde error standing for a panic of the deserializer, carrying no path.
fn internal_error(what: &str) -> DeserializeError {
    let inner = <serde_json::Error as serde::de::Error>::custom(format!(
        "the OpenAPI reader failed on this document ({what})"
    ));
    serde_path_to_error::Error::new(serde_path_to_error::Track::new().path(), inner)
}

/// How deeply mappings and lists may nest. Real specs stay far below (Cloudflare's reaches
/// 29); the bound keeps `openapiv3`'s recursive deserializer within a 2 MB thread stack even
/// in a debug build.
const MAX_NESTING: usize = 64;

/// Why the document nests too deeply to be read, if it does.
pub(super) fn too_deep(value: &serde_json::Value) -> Option<Diagnostic> {
    let pointer = too_deep_node(value)?;
    Some(
        Diagnostic::error(
            pointer,
            format!(
                "this node is nested more than {MAX_NESTING} levels deep, more than the generator reads"
            ),
        )
        .with_hint("move nested schemas into `components/schemas` and refer to them with `$ref`"),
    )
}

/// The pointer of the first node nested deeper than [`MAX_NESTING`], if any.
fn too_deep_node(value: &serde_json::Value) -> Option<String> {
    use serde_json::Value;
    fn children(node: &Value) -> Vec<(String, &Value)> {
        match node {
            Value::Object(map) => map.iter().map(|(k, v)| (k.clone(), v)).collect(),
            Value::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, v)| (i.to_string(), v))
                .collect(),
            _ => Vec::new(),
        }
    }
    // Depth first without building pointers: the common case is a document within bounds.
    let mut stack = vec![(value, 1)];
    let mut deepest = None;
    while let Some((node, depth)) = stack.pop() {
        if depth > MAX_NESTING && (node.is_object() || node.is_array()) {
            deepest = Some(node);
            break;
        }
        match node {
            Value::Object(map) => stack.extend(map.values().map(|v| (v, depth + 1))),
            Value::Array(items) => stack.extend(items.iter().map(|v| (v, depth + 1))),
            _ => {}
        }
    }
    let target = deepest?;
    // Then find the path to that node.
    let mut path: Vec<(String, &Value)> = Vec::new();
    let mut frames = vec![children(value).into_iter()];
    while let Some(frame) = frames.last_mut() {
        match frame.next() {
            Some((key, child)) => {
                path.push((key, child));
                if std::ptr::eq(child, target) {
                    break;
                }
                frames.push(children(child).into_iter());
            }
            None => {
                frames.pop();
                path.pop();
            }
        }
    }
    Some(
        path.iter()
            .fold("#".to_string(), |p, (k, _)| crate::diag::child(&p, k)),
    )
}

/// Turn serde_path_to_error's path into a JSON pointer.
pub(super) fn pointer_of(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::from("#");
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => out = crate::diag::child(&out, &index.to_string()),
            Segment::Map { key } => out = crate::diag::child(&out, key),
            Segment::Enum { variant } => out = crate::diag::child(&out, variant),
            Segment::Unknown => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A document with enough paths to be read on two threads.
    fn many_paths() -> serde_json::Value {
        let mut paths = serde_json::Map::new();
        for i in 0..(SPLIT_AT_PATHS * 2) {
            paths.insert(
                format!("/things/{i}"),
                json!({"get": {"operationId": format!("get{i}"), "responses": {"200": {
                    "description": "ok",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/T"}}}
                }}}}),
            );
            if i == 3 {
                paths.insert("x-note".into(), json!("an extension among the paths"));
            }
        }
        json!({
            "openapi": "3.0.3",
            "info": {"title": "t", "version": "1"},
            "paths": paths,
            "components": {"schemas": {"T": {"type": "object", "properties": {"a": {"type": "string"}}}}}
        })
    }

    #[test]
    fn read_on_two_threads_equals_read_on_one() {
        let doc = many_paths();
        let mut probe = doc.clone();
        assert!(split_paths(&mut probe).is_some(), "the document is split");
        let whole: OpenAPI = serde_json::from_value(doc.clone()).expect("deserializes");
        let split = openapi_untracked(doc).expect("deserializes");
        assert_eq!(split, whole);
        let order: Vec<&String> = split.paths.paths.keys().collect();
        assert_eq!(order.first().map(|k| k.as_str()), Some("/things/0"));
        assert_eq!(split.paths.extensions.len(), 1);
    }

    #[test]
    fn a_refused_document_is_refused_both_ways() {
        let mut doc = many_paths();
        doc["paths"]["/things/100"]["get"]["responses"] = json!("not a mapping");
        assert!(openapi_untracked(doc.clone()).is_none());
        let error = openapi(doc).expect_err("refused");
        // `Paths` is read through a flattened map, which the path tracker does not enter.
        assert_eq!(pointer_of(error.path()), "#/paths");
    }
}
