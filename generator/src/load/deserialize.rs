//! The raw document → `openapiv3::OpenAPI`, within bounds of nesting and stack.

use crate::diag::Diagnostic;
use openapiv3::OpenAPI;

/// Stack for `openapiv3`'s deserializer, whose untagged and flattened enums take tens of
/// kilobytes per level of nesting in a debug build: far more than a test thread's 2 MB
/// would allow at [`MAX_NESTING`]. Only the pages used are ever touched.
const DESERIALIZE_STACK: usize = 64 * 1024 * 1024;

pub(super) type DeserializeError = serde_path_to_error::Error<serde_json::Error>;

/// `openapiv3::OpenAPI` from the raw document, on a thread with a stack of its own, so the
/// depth a document may have does not depend on the caller's stack. A panic inside
/// `openapiv3` becomes an error rather than taking the caller down.
pub(super) fn openapi(value: &serde_json::Value) -> Result<OpenAPI, DeserializeError> {
    let run = || serde_path_to_error::deserialize::<_, OpenAPI>(value);
    std::thread::scope(|scope| {
        let spawned = std::thread::Builder::new()
            .name("apigen-load".into())
            .stack_size(DESERIALIZE_STACK)
            .spawn_scoped(scope, run);
        match spawned {
            Ok(handle) => handle.join().unwrap_or_else(|panic| {
                let what = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                Err(internal_error(&what))
            }),
            // No thread to be had (a sandbox without threads): read on this one.
            Err(_) => run(),
        }
    })
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
