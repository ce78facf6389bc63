//! Diagnostics: what went wrong, where (file, JSON pointer, line), and how to fix it.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warning,
    Error,
}

/// One located message about the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// JSON pointer into the spec (`#/paths/~1zones/get`), or empty for the whole file.
    pub pointer: String,
    pub message: String,
    pub hint: Option<String>,
    /// File the pointer refers to.
    pub file: String,
    /// 1-based line in `file`, when it could be found.
    pub line: Option<usize>,
    /// 1-based column on that line, when known.
    pub column: Option<usize>,
}

impl Diagnostic {
    pub fn error(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            pointer: pointer.into(),
            message: message.into(),
            hint: None,
            file: String::new(),
            line: None,
            column: None,
        }
    }

    pub fn warning(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(pointer, message)
        }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let label = match self.severity {
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        writeln!(f, "{label}: {}", self.message)?;
        let pointer = if self.pointer.is_empty() {
            "#"
        } else {
            &self.pointer
        };
        match (self.line, self.column) {
            (Some(line), Some(column)) => {
                write!(f, "  --> {}:{line}:{column} ({pointer})", self.file)?
            }
            (Some(line), None) => write!(f, "  --> {}:{line} ({pointer})", self.file)?,
            _ => write!(f, "  --> {} ({pointer})", self.file)?,
        }
        if let Some(hint) = &self.hint {
            write!(f, "\n  = help: {hint}")?;
        }
        Ok(())
    }
}

/// Several diagnostics, at least one of them an error: the reason generation stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    pub fn single(diagnostic: Diagnostic) -> Self {
        Diagnostics(vec![diagnostic])
    }

    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter().filter(|d| d.severity == Severity::Error)
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        let errors = self.errors().count();
        if errors > 0 {
            write!(
                f,
                "\n{errors} error{} in the spec; nothing was written",
                if errors == 1 { "" } else { "s" }
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

/// Encode one JSON-pointer segment (`/` → `~1`, `~` → `~0`).
pub fn escape_segment(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// Decode one JSON-pointer segment (`~1` → `/`, `~0` → `~`): the inverse of
/// [`escape_segment`].
pub fn unescape_segment(segment: &str) -> String {
    segment.replace("~1", "/").replace("~0", "~")
}

/// Append a segment to a pointer.
pub fn child(pointer: &str, segment: &str) -> String {
    format!("{pointer}/{}", escape_segment(segment))
}

impl Diagnostics {
    /// The diagnostics rendered for a terminal against the spec's text; see [`render`].
    pub fn render(&self, source_text: &str) -> String {
        render(&self.0, source_text)
    }
}

/// The entry among `candidates` closest to `wanted` (by edit distance, ignoring case),
/// if one is close enough to be a likely typo: for "did you mean" hints.
pub fn closest<'c>(wanted: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<&'c str> {
    let wanted_lower = wanted.to_lowercase();
    let budget = (wanted.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .filter(|c| *c != wanted)
        .map(|c| (edit_distance(&wanted_lower, &c.to_lowercase(), budget), c))
        .filter(|(d, _)| *d <= budget)
        .min()
        .map(|(_, c)| c)
}

/// Levenshtein distance over chars, or `usize::MAX` once it is sure to exceed `budget`
/// (a spec with thousands of schemas asks this for every dangling `$ref`).
fn edit_distance(a: &str, b: &str, budget: usize) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > budget || a.len() > 256 || b.len() > 256 {
        return usize::MAX;
    }
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        if current.iter().min().is_some_and(|&m| m > budget) {
            return usize::MAX;
        }
        previous = current;
    }
    previous[b.len()]
}

pub use render::render;

mod render;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closest_finds_typos_only() {
        let names = ["User", "UserList", "Zone"];
        assert_eq!(closest("Usr", names), Some("User"));
        assert_eq!(closest("user", names), Some("User"));
        assert_eq!(closest("Account", names), None);
        assert_eq!(closest("Zones", names), Some("Zone"));
    }

    fn located(line: usize, column: usize, message: &str) -> Diagnostic {
        Diagnostic {
            file: "spec.yaml".into(),
            line: Some(line),
            column: Some(column),
            ..Diagnostic::error("#/a/b", message).with_hint("fix it")
        }
    }

    #[test]
    fn render_sorts_by_position_and_marks_the_place() {
        let text = "a:\n  b: 1\n  c: 2\n";
        let out = render(&[located(3, 3, "second"), located(2, 3, "first")], text);
        let first = out.find("first").expect("first shown");
        let second = out.find("second").expect("second shown");
        assert!(first < second, "{out}");
        assert!(out.contains("spec.yaml:2:3"), "{out}");
        assert!(out.contains("  b: 1"), "{out}");
        assert!(out.contains("help: fix it"), "{out}");
        assert!(out.ends_with("2 errors, 0 warnings\n"), "{out}");
        assert!(out.is_ascii(), "{out}");
    }

    #[test]
    fn render_cuts_long_lines_and_survives_odd_positions() {
        let long = format!("{{\"x\": \"{}\", \"k\": 1}}", "y".repeat(10_000));
        let out = render(&[located(1, 10_006, "far right")], &long);
        assert!(out.len() < 2_000, "{out}");
        assert!(out.contains("\"k\""), "{out}");
        for column in 1..60 {
            let _ = render(&[located(1, column, "near the start")], &long);
        }
        for (line, column) in [(0, 0), (1, 0), (9, 1), (1, 999_999)] {
            let _ = render(&[located(line, column, "odd")], "\u{e9}t\u{e9}\r\n");
        }
        let unlocated = Diagnostic {
            file: "spec.yaml".into(),
            ..Diagnostic::warning("", "whole file")
        };
        assert_eq!(
            render(&[unlocated], ""),
            "  warning: whole file\n   --> spec.yaml\n\n0 errors, 1 warning\n"
        );
    }

    #[test]
    fn columns_count_chars_on_a_line_shared_by_several_diagnostics() {
        // Multi-byte chars before each mark: the shown column counts chars, not bytes,
        // whether the line's chars were counted for an earlier diagnostic or not.
        let line = format!(
            "{{\"\u{e9}\": \"{}\", \"a\": 1, \"b\": 2}}",
            "\u{e9}".repeat(300)
        );
        let column = |key: &str| line.find(key).expect("key is there") + 1;
        let (a, b) = (column("\"a\""), column("\"b\""));
        let chars = |byte: usize| line[..byte - 1].chars().count() + 1;
        let both = render(&[located(1, a, "a"), located(1, b, "b")], &line);
        let alone = render(&[located(1, b, "b")], &line);
        let header = format!("spec.yaml:1:{}", chars(b));
        assert!(
            both.contains(&format!("spec.yaml:1:{}", chars(a))),
            "{both}"
        );
        assert!(
            both.contains(&header) && alone.contains(&header),
            "{both}\n{alone}"
        );
    }
}
