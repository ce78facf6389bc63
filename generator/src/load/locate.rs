//! Where a JSON pointer's value sits in the spec's text, best effort, without keeping a span
//! for every node: the pointer's keys are looked for in order. An [`Index`] of the text's
//! lines is built once for a batch of diagnostics, so that placing one costs a binary search
//! (JSON) or a scan of compact line records (YAML) rather than passes over the whole text.

/// The lines of a spec's text, indexed to place JSON pointers in it.
pub(super) struct Index<'t> {
    text: &'t str,
    is_json: bool,
    /// Byte offset of the start of every line (the first is 0).
    starts: Vec<usize>,
    /// YAML only: one record per line, as `str::lines` splits them.
    yaml: Vec<YamlLine>,
    /// JSON only: where a quoted key was found after a position, or that it was not.
    /// Pointers of one batch share their first keys (`components`, `schemas`, ...), so
    /// each search is made once per batch rather than once per diagnostic.
    found: std::cell::RefCell<std::collections::HashMap<(usize, String), Option<usize>>>,
}

/// What the YAML search needs of one line.
#[derive(Clone, Copy)]
struct YamlLine {
    /// Byte offsets in the text of where the line's key would start (after the indentation
    /// and any `- ` list markers) and of the line's end.
    key: usize,
    end: usize,
    /// Bytes of leading whitespace.
    indent: usize,
    /// Blank or a comment: never a key, never the end of a mapping.
    skip: bool,
    /// Starts with `- ` (a list item): never the end of the mapping being searched.
    item: bool,
}

impl<'t> Index<'t> {
    pub(super) fn new(text: &'t str, is_json: bool) -> Index<'t> {
        let mut starts = vec![0];
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        let yaml = if is_json {
            Vec::new()
        } else {
            let offset = |s: &str| s.as_ptr() as usize - text.as_ptr() as usize;
            text.lines()
                .map(|line| {
                    let trimmed = line.trim_start();
                    let key = trimmed.trim_start_matches("- ");
                    YamlLine {
                        key: offset(key),
                        end: offset(line) + line.len(),
                        indent: line.len() - trimmed.len(),
                        skip: trimmed.is_empty() || trimmed.starts_with('#'),
                        item: trimmed.starts_with("- "),
                    }
                })
                .collect()
        };
        Index {
            text,
            is_json,
            starts,
            yaml,
            found: Default::default(),
        }
    }

    /// Best-effort 1-based (line, column) of the value a JSON pointer names.
    ///
    /// Walks the pointer's keys through the text in order; array indices are skipped, so
    /// the answer may be the enclosing key's line.
    pub(super) fn position(&self, pointer: &str) -> Option<(usize, usize)> {
        let rest = pointer.strip_prefix('#').unwrap_or(pointer);
        let segments: Vec<String> = rest
            .split('/')
            .skip(1)
            .map(crate::diag::unescape_segment)
            .collect();
        if segments.is_empty() {
            return None;
        }
        if self.is_json {
            self.json_position(&segments)
        } else {
            self.yaml_position(&segments)
        }
    }

    /// 1-based line and byte column of a byte offset.
    fn line_column(&self, offset: usize) -> (usize, usize) {
        let line = self.starts.partition_point(|start| *start <= offset);
        (line, offset - self.starts[line - 1] + 1)
    }

    /// The position of the last key of `segments` found, each searched after the one
    /// before; array indices are skipped.
    fn json_position(&self, segments: &[String]) -> Option<(usize, usize)> {
        let mut pos = 0;
        let mut needle_len = 0;
        let mut needle = String::new();
        for seg in segments {
            if seg.parse::<usize>().is_ok() {
                continue;
            }
            needle.clear();
            needle.push('"');
            for c in seg.chars() {
                if matches!(c, '\\' | '"') {
                    needle.push('\\');
                }
                needle.push(c);
            }
            needle.push('"');
            let key = (pos, std::mem::take(&mut needle));
            let found = *self
                .found
                .borrow_mut()
                .entry(key.clone())
                .or_insert_with(|| {
                    memchr::memmem::find(&self.text.as_bytes()[pos..], key.1.as_bytes())
                });
            needle = key.1;
            let Some(found) = found else {
                break;
            };
            pos += found + needle.len();
            needle_len = needle.len();
        }
        if needle_len == 0 {
            return None;
        }
        Some(self.line_column(pos - needle_len))
    }

    /// The position of the deepest key of `segments` found: each key is looked for on the
    /// lines after the one before, until a line indented no deeper than that one ends its
    /// mapping. A numeric segment that is not a key is an array index and is skipped; a
    /// key not found (inside a flow mapping like `{type: x}`, say) leaves the deepest key
    /// found as the answer.
    fn yaml_position(&self, segments: &[String]) -> Option<(usize, usize)> {
        let bytes = self.text.as_bytes();
        let mut start = 0;
        let mut parent_indent = None;
        let mut found = None;
        for seg in segments {
            let numeric = seg.parse::<usize>().is_ok();
            let seg = seg.as_bytes();
            let mut hit = None;
            for (i, line) in self.yaml.iter().enumerate().skip(start) {
                if line.skip {
                    continue;
                }
                if let Some(p) = parent_indent
                    && line.indent <= p
                    && i > start
                    && !line.item
                {
                    break;
                }
                let key = &bytes[line.key..line.end];
                // Most lines fail on their first byte; only those left are compared.
                let candidate = seg.is_empty()
                    || matches!(key.first(), Some(b'"' | b'\''))
                    || key.first() == seg.first();
                if candidate && is_key(key, seg) {
                    hit = Some((i, line.indent));
                    break;
                }
            }
            let (i, indent) = match hit {
                Some(h) => h,
                None if numeric => continue,
                None => return found,
            };
            found = Some((i + 1, indent + 1));
            start = i + 1;
            parent_indent = Some(indent);
        }
        found
    }
}

/// Whether a line's key part starts with `seg:`, `"seg":` or `'seg':`.
fn is_key(key: &[u8], seg: &[u8]) -> bool {
    let plain = |k: &[u8]| k.starts_with(seg) && k.get(seg.len()) == Some(&b':');
    if plain(key) {
        return true;
    }
    match key.first() {
        Some(&quote @ (b'"' | b'\'')) => {
            let rest = &key[1..];
            rest.starts_with(seg)
                && rest.get(seg.len()) == Some(&quote)
                && rest.get(seg.len() + 1) == Some(&b':')
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_keys_in_order() {
        let text = "{\n  \"a\": {\n    \"b\": [\n      {\"c\": 1}\n    ]\n  },\n  \"c\": 2\n}\n";
        let index = Index::new(text, true);
        assert_eq!(index.position("#/a/b/0/c"), Some((4, 8)));
        assert_eq!(index.position("#/c"), Some((4, 8)));
        assert_eq!(index.position("#/0"), None);
        assert_eq!(index.position("#"), None);
        let quoted = "{\"a\\\"b\": 1}";
        assert_eq!(Index::new(quoted, true).position("#/a\"b"), Some((1, 2)));
    }

    #[test]
    fn yaml_keys_within_their_mapping() {
        let text = "a:\n  b: 1\n# c:\nc:\n  - d: 2\n    'e': 3\n  - \"f\": 4\nb: 5\n";
        let index = Index::new(text, false);
        let at = |p: &str| index.position(p);
        assert_eq!(at("#/a/b"), Some((2, 3)));
        assert_eq!(at("#/c/0/d"), Some((5, 3)));
        assert_eq!(at("#/c/0/e"), Some((6, 5)));
        assert_eq!(at("#/c/1/f"), Some((7, 3)));
        assert_eq!(at("#/a/c"), Some((1, 1)));
        // Outside any mapping, a key is found at any depth.
        assert_eq!(at("#/b"), Some((2, 3)));
        assert_eq!(at("#/x"), None);
    }

    #[test]
    fn keys_are_matched_whole() {
        assert!(is_key(b"ab: 1", b"ab"));
        assert!(!is_key(b"abc: 1", b"ab"));
        assert!(is_key(b"\"ab\": 1", b"ab"));
        assert!(is_key(b"'ab': 1", b"ab"));
        assert!(!is_key(b"'ab\": 1", b"ab"));
        assert!(is_key(b"'a b': x", b"a b"));
    }
}
