//! Reading the text into a raw JSON value: syntax errors with their place, duplicate keys
//! refused (both readers would otherwise keep the last entry without a word).

use super::Source;
use crate::diag::Diagnostic;

/// The document as a JSON value, or the located reason it cannot be read.
#[allow(clippy::result_large_err)]
pub(super) fn read(source: &Source) -> Result<serde_json::Value, Diagnostic> {
    let state = ReadState::default();
    let parsed = if source.is_json {
        let mut reader = serde_json::Deserializer::from_str(&source.text);
        read_value(&mut reader, &state)
            .and_then(|v| reader.end().map(|()| v))
            .map_err(|e| json_syntax_error(&e))
    } else if let Some((line, column)) = deep_flow(&source.text, MAX_FLOW_DEPTH) {
        let mut d = too_deep();
        d.line = Some(line);
        d.column = Some(column);
        return Err(d);
    } else {
        read_value(serde_yaml::Deserializer::from_str(&source.text), &state)
            .map_err(|e| yaml_syntax_error(&e))
    };
    match (parsed, state.take_duplicate()) {
        (Ok(value), _) => Ok(value),
        (Err(_), Some(pointer)) => Err(source.duplicate_key(&pointer)),
        (Err(d), None) => Err(d),
    }
}

/// The readers' own nesting limit.
const MAX_FLOW_DEPTH: usize = 128;

/// Where a YAML flow collection (`{`, `[`) opens deeper than `limit`, if one does.
///
/// libyaml takes time quadratic in the depth of flow nesting (80 KB of `[` take seconds),
/// and only after reading it all does the reader's depth limit apply; this scan refuses
/// such a document first. It follows just enough of YAML to tell structure from text:
/// quoted scalars, comments, block scalars (`|`, `>`) and plain scalars, in which
/// brackets are text.
fn deep_flow(text: &str, limit: usize) -> Option<(usize, usize)> {
    let mut depth = 0usize;
    let mut quote: Option<u8> = None;
    let mut block_scalar_indent: Option<usize> = None;
    for (number, line) in text.split('\n').enumerate() {
        let bytes = line.as_bytes();
        let indent = bytes.iter().take_while(|b| **b == b' ').count();
        if let Some(parent) = block_scalar_indent {
            if line.trim().is_empty() || indent > parent {
                continue;
            }
            block_scalar_indent = None;
        }
        let spaced = |j: usize| j == 0 || matches!(bytes[j - 1], b' ' | b'\t');
        let ends_token = |j: usize| bytes.get(j + 1).is_none_or(|b| matches!(b, b' ' | b'\t'));
        // In block context: whether a value (which may open a flow collection) can start here.
        let mut value_start = true;
        let mut j = 0;
        while j < bytes.len() {
            let b = bytes[j];
            if let Some(q) = quote {
                if q == b'"' && b == b'\\' {
                    j += 2;
                    continue;
                }
                if b == q {
                    if q == b'\'' && bytes.get(j + 1) == Some(&b'\'') {
                        j += 2;
                        continue;
                    }
                    quote = None;
                }
                j += 1;
                continue;
            }
            if depth > 0 {
                match b {
                    b'"' | b'\'' => quote = Some(b),
                    b'#' if spaced(j) => break,
                    b'{' | b'[' => {
                        depth += 1;
                        if depth > limit {
                            return Some((number + 1, j + 1));
                        }
                    }
                    b'}' | b']' => depth -= 1,
                    _ => {}
                }
                j += 1;
                continue;
            }
            match b {
                b' ' | b'\t' => {}
                b'#' if spaced(j) => break,
                b'{' | b'[' if value_start => depth = 1,
                b'"' | b'\'' if value_start => {
                    quote = Some(b);
                    value_start = false;
                }
                b'|' | b'>' if value_start => {
                    block_scalar_indent = Some(indent);
                    break;
                }
                b'-' | b'?' | b':' if ends_token(j) => value_start = true,
                b'&' | b'!' if value_start => {
                    // An anchor or a tag: the value follows it.
                    while j < bytes.len() && !matches!(bytes[j], b' ' | b'\t') {
                        j += 1;
                    }
                    continue;
                }
                _ => value_start = false,
            }
            j += 1;
        }
    }
    None
}

impl Source {
    /// A duplicate key, located at its second occurrence where that can be found.
    fn duplicate_key(&self, pointer: &str) -> Diagnostic {
        let key = crate::diag::unescape_segment(pointer.rsplit('/').next().unwrap_or_default());
        let mut d = Diagnostic::error(
            pointer,
            format!("duplicate key `{key}`: this mapping already has an entry of that name"),
        )
        .with_hint("merge the two entries or rename one; readers that accept duplicates silently keep only the last");
        if let Some((line, column)) = self.position_of(pointer) {
            let second = if self.is_json {
                self.next_json_key(line, column, &key)
            } else {
                self.next_yaml_key(line, column, &key)
            };
            let (line, column) = second.unwrap_or((line, column));
            d.line = Some(line);
            d.column = Some(column);
        }
        d
    }

    /// The next line after `line` holding `key:` at the same indentation, before the
    /// mapping ends.
    fn next_yaml_key(&self, line: usize, column: usize, key: &str) -> Option<(usize, usize)> {
        let spellings = [
            format!("{key}:"),
            format!("\"{key}\":"),
            format!("'{key}':"),
        ];
        for (i, text) in self.text.lines().enumerate().skip(line) {
            let trimmed = text.trim_start();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let indent = text.len() - trimmed.len();
            if indent + 1 < column {
                return None;
            }
            if indent + 1 == column && spellings.iter().any(|s| trimmed.starts_with(s.as_str())) {
                return Some((i + 1, column));
            }
        }
        None
    }

    /// The next occurrence of `"key"` after the one at `line`:`column`.
    fn next_json_key(&self, line: usize, column: usize, key: &str) -> Option<(usize, usize)> {
        let line_start: usize = self
            .text
            .split('\n')
            .take(line - 1)
            .map(|l| l.len() + 1)
            .sum();
        let from = line_start + column;
        let needle = format!("\"{}\"", key.replace('\\', "\\\\").replace('"', "\\\""));
        let at = from + self.text.get(from..)?.find(&needle)?;
        let before = &self.text[..at];
        let line = before.matches('\n').count() + 1;
        let column = at - before.rfind('\n').map_or(0, |i| i + 1) + 1;
        Some((line, column))
    }
}

/// `message` without the ` at line L column C` that serde appends (the diagnostic has
/// its own location).
fn without_position(message: &str, line: usize, column: usize) -> String {
    message
        .replace(&format!(" at line {line} column {column}"), "")
        .trim()
        .to_string()
}

fn too_deep() -> Diagnostic {
    Diagnostic::error(
        "",
        "the document is nested more than 128 levels deep, more than the generator reads",
    )
    .with_hint("move nested schemas into `components/schemas` and refer to them with `$ref`")
}

fn json_syntax_error(e: &serde_json::Error) -> Diagnostic {
    let message = without_position(&e.to_string(), e.line(), e.column());
    let mut d = if message.contains("recursion limit exceeded") {
        too_deep()
    } else {
        let hint = if message.starts_with("duplicate key") {
            "remove or rename one of the two entries: only the last one would be kept"
        } else if e.is_eof() {
            "the file ends too early: close every open `{` and `[`"
        } else {
            "fix the JSON syntax at the position shown (trailing commas and comments are not JSON)"
        };
        Diagnostic::error("", format!("not valid JSON: {message}")).with_hint(hint)
    };
    d.line = Some(e.line().max(1));
    d.column = Some(e.column().max(1));
    d
}

fn yaml_syntax_error(e: &serde_yaml::Error) -> Diagnostic {
    let location = e.location();
    let mut message = e.to_string();
    if let Some(l) = &location {
        message = without_position(&message, l.line(), l.column());
    }
    let mut d = if message.contains("recursion limit exceeded") {
        too_deep()
    } else {
        let hint = if message.starts_with("duplicate key") {
            "remove or rename one of the two entries: only the last one would be kept"
        } else if message.contains("more than one document") {
            "keep one document in the file (remove the extra `---`)"
        } else {
            "fix the YAML syntax at the position shown (check the indentation of this line and the one above)"
        };
        Diagnostic::error("", format!("not valid YAML: {message}")).with_hint(hint)
    };
    d.line = Some(location.as_ref().map_or(1, |l| l.line().max(1)));
    d.column = location.map(|l| l.column().max(1));
    d
}

/// What reading found out about a duplicate key: the keys from the root to it, innermost
/// first, gathered as the error passes up through the mappings and lists that hold it (so
/// that reading a valid document keeps no path at all).
#[derive(Default)]
struct ReadState {
    duplicate: std::cell::RefCell<Option<Vec<String>>>,
}

impl ReadState {
    /// The pointer of the duplicate key, if one was found.
    fn take_duplicate(&self) -> Option<String> {
        let path = self.duplicate.borrow_mut().take()?;
        Some(
            path.iter()
                .rev()
                .fold(String::from("#"), |p, s| crate::diag::child(&p, s)),
        )
    }

    /// Add the place of a failed child on the way up, if the failure is a duplicate key.
    fn passing(&self, segment: impl FnOnce() -> String) {
        if let Some(path) = self.duplicate.borrow_mut().as_mut() {
            path.push(segment());
        }
    }
}

/// Read a JSON value from YAML or JSON, refusing duplicate keys.
fn read_value<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
    state: &ReadState,
) -> Result<serde_json::Value, D::Error> {
    serde::de::DeserializeSeed::deserialize(CheckedVisitor(state), deserializer)
}

#[derive(Clone, Copy)]
struct CheckedVisitor<'s>(&'s ReadState);

impl<'de> serde::de::DeserializeSeed<'de> for CheckedVisitor<'_> {
    type Value = serde_json::Value;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for CheckedVisitor<'_> {
    type Value = serde_json::Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_i128<E>(self, v: i128) -> Result<Self::Value, E> {
        Ok(serde_json::Number::from_i128(v)
            .map_or_else(|| (v as f64).into(), serde_json::Value::Number))
    }

    fn visit_u128<E>(self, v: u128) -> Result<Self::Value, E> {
        Ok(serde_json::Number::from_u128(v)
            .map_or_else(|| (v as f64).into(), serde_json::Value::Number))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(serde_json::Value::Null, Into::into))
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(serde_json::Value::Null)
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(serde_json::Value::Null)
    }

    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        loop {
            match seq.next_element_seed(self) {
                Ok(Some(item)) => items.push(item),
                Ok(None) => break,
                Err(e) => {
                    self.0.passing(|| items.len().to_string());
                    return Err(e);
                }
            }
        }
        Ok(serde_json::Value::Array(items))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        use serde_json::map::Entry;
        let mut object = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            match object.entry(key) {
                Entry::Occupied(entry) => {
                    let key = entry.key().clone();
                    let error = serde::de::Error::custom(format_args!("duplicate key `{key}`"));
                    *self.0.duplicate.borrow_mut() = Some(vec![key]);
                    return Err(error);
                }
                Entry::Vacant(entry) => match map.next_value_seed(self) {
                    Ok(value) => {
                        entry.insert(value);
                    }
                    Err(e) => {
                        self.0.passing(|| entry.key().clone());
                        return Err(e);
                    }
                },
            }
        }
        Ok(serde_json::Value::Object(object))
    }
}

#[cfg(test)]
mod tests {
    use super::deep_flow;

    #[test]
    fn finds_deep_flow_nesting_only_in_structure() {
        let deep = format!("a: {}{}\n", "[".repeat(200), "]".repeat(200));
        assert_eq!(deep_flow(&deep, 128), Some((1, 4 + 128)));
        let text = format!(
            "a: \"{0}\"\nb: '{0}'\nc: x {0}\nd: |\n  {0}\n# {0}\ne: {{k: [1, '{0}']}}\n",
            "[".repeat(200)
        );
        assert_eq!(deep_flow(&text, 128), None);
        let nested = format!("- &x {}1{}\n", "{a: ".repeat(130), "}".repeat(130));
        assert_eq!(deep_flow(&nested, 128), Some((1, 6 + 4 * 128)));
    }
}
