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

/// Terminal rendering of diagnostics: the offending source line under a caret, the message,
/// the JSON pointer and the hint. Plain ASCII without colours, so the output is the same on
/// every terminal and can be pinned by snapshots.
mod render {
    use super::{Diagnostic, Severity};
    use miette::{
        GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
        SourceCode, SourceSpan, SpanContents,
    };
    use std::fmt::{self, Write as _};

    /// Longest source line shown; longer ones (minified JSON) are cut around the column.
    const MAX_LINE_CHARS: usize = 120;

    /// Render `diagnostics`, sorted by position, against `source_text`: the text of the file
    /// their `file`, `line` and `column` refer to. Ends with a count of errors and warnings.
    ///
    /// A diagnostic without a line is shown with its file and pointer but no excerpt; one
    /// whose line lies outside `source_text` likewise.
    pub fn render(diagnostics: &[Diagnostic], source_text: &str) -> String {
        let mut sorted: Vec<&Diagnostic> = diagnostics.iter().collect();
        sorted.sort_by_key(|d| {
            (
                d.line.is_none(),
                d.line,
                d.column,
                std::cmp::Reverse(d.severity),
            )
        });
        let mut theme = GraphicalTheme::none();
        theme.characters.error = "error:".into();
        theme.characters.warning = "warning:".into();
        let handler = GraphicalReportHandler::new_themed(theme)
            .with_links(false)
            .with_urls(false)
            .with_wrap_lines(false)
            .with_width(200)
            .with_context_lines(1);
        let mut out = String::new();
        for diagnostic in &sorted {
            let report = Report::new(diagnostic, source_text);
            if report.excerpt.is_none() {
                out.push_str(&unlocated(diagnostic));
                out.push('\n');
                continue;
            }
            // Writing into a String cannot fail; a failure inside miette would only lose
            // the excerpt, so fall back to the plain form rather than lose the message.
            let mut one = String::new();
            if handler.render_report(&mut one, &report).is_err() {
                one = format!("{diagnostic}\n");
            }
            out.push_str(&one);
            out.push('\n');
        }
        let errors = sorted
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count();
        let warnings = sorted.len() - errors;
        let _ = write!(
            out,
            "{}, {}",
            counted(errors, "error"),
            counted(warnings, "warning")
        );
        out.push('\n');
        out
    }

    /// A diagnostic with no source line to show, laid out like miette's reports.
    fn unlocated(d: &Diagnostic) -> String {
        let label = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut out = format!("  {label}: {}\n   --> {}", d.message, d.file);
        if let Some(line) = d.line {
            out.push_str(&format!(":{line}"));
        }
        if !d.pointer.is_empty() {
            out.push_str(&format!(" ({})", d.pointer));
        }
        out.push('\n');
        if let Some(hint) = &d.hint {
            out.push_str(&format!("  help: {hint}\n"));
        }
        out
    }

    fn counted(n: usize, what: &str) -> String {
        format!("{n} {what}{}", if n == 1 { "" } else { "s" })
    }

    /// The label under the marked text: the JSON pointer of the node, when there is one.
    fn label(pointer: &str) -> &str {
        if pointer.is_empty() { "here" } else { pointer }
    }

    /// One diagnostic as miette sees it.
    struct Report<'a> {
        diagnostic: &'a Diagnostic,
        excerpt: Option<Excerpt>,
    }

    impl<'a> Report<'a> {
        fn new(diagnostic: &'a Diagnostic, source_text: &str) -> Self {
            let excerpt = diagnostic.line.and_then(|line| {
                Excerpt::new(&diagnostic.file, source_text, line, diagnostic.column)
            });
            Report {
                diagnostic,
                excerpt,
            }
        }
    }

    impl fmt::Debug for Report<'_> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            fmt::Debug::fmt(self.diagnostic, f)
        }
    }

    impl fmt::Display for Report<'_> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(&self.diagnostic.message)
        }
    }

    impl std::error::Error for Report<'_> {}

    impl miette::Diagnostic for Report<'_> {
        fn severity(&self) -> Option<miette::Severity> {
            Some(match self.diagnostic.severity {
                Severity::Error => miette::Severity::Error,
                Severity::Warning => miette::Severity::Warning,
            })
        }

        fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
            self.diagnostic
                .hint
                .as_ref()
                .map(|h| Box::new(h) as Box<dyn fmt::Display>)
        }

        fn source_code(&self) -> Option<&dyn SourceCode> {
            self.excerpt.as_ref().map(|e| e as &dyn SourceCode)
        }

        fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
            let excerpt = self.excerpt.as_ref()?;
            let label = LabeledSpan::new_primary_with_span(
                Some(label(&self.diagnostic.pointer).to_string()),
                excerpt.span,
            );
            Some(Box::new(std::iter::once(label)))
        }
    }

    /// The few lines around a position, cut to a readable width, standing in for the
    /// whole file (which may be megabytes on one line).
    struct Excerpt {
        name: String,
        text: String,
        /// 0-based number of the excerpt's first line in the file.
        first_line: usize,
        /// The marked part of the line, in excerpt coordinates.
        span: SourceSpan,
        /// 0-based column shown for the marked position.
        column: usize,
    }

    impl Excerpt {
        fn new(name: &str, source: &str, line: usize, column: Option<usize>) -> Option<Excerpt> {
            let mut lines = source.split('\n');
            let before = if line >= 2 { lines.nth(line - 2) } else { None };
            let target = if line >= 2 {
                lines.next()?
            } else {
                lines.nth(line.checked_sub(1)?)?
            };
            let after = lines.next();
            let target = target.trim_end_matches('\r');
            // The column counts bytes from the line start; find the char it falls in.
            let mut start = column.map_or(target.len() - target.trim_start().len(), |c| {
                c.saturating_sub(1).min(target.len())
            });
            while !target.is_char_boundary(start) {
                start -= 1;
            }
            let start_char = target[..start].chars().count();
            let end = marked_end(target, start);
            let end_char = start_char + target[start..end].chars().count();
            let (shown, cut) = cut_line(target, start_char);

            let mut text = String::new();
            let mut first_line = line - 1;
            if let Some(before) = before {
                text.push_str(&cut_line(before.trim_end_matches('\r'), 0).0);
                text.push('\n');
                first_line -= 1;
            }
            let line_offset = text.len();
            text.push_str(&shown);
            let shown_chars = shown.chars().count();
            let local_start = (start_char - cut).min(shown_chars);
            let local_end = (end_char.saturating_sub(cut)).min(shown_chars);
            let byte_at = |chars: usize| {
                shown
                    .char_indices()
                    .nth(chars)
                    .map_or(shown.len(), |(i, _)| i)
            };
            let span_start = line_offset + byte_at(local_start);
            let span_len = byte_at(local_end) - byte_at(local_start);
            if let Some(after) = after {
                text.push('\n');
                text.push_str(&cut_line(after.trim_end_matches('\r'), 0).0);
            }
            Some(Excerpt {
                name: name.to_string(),
                text,
                first_line,
                span: SourceSpan::new(span_start.into(), span_len),
                column: start_char,
            })
        }
    }

    /// Where the mark that starts at byte `start` ends: after the quoted string there (a
    /// JSON key), else at the end of the line (a YAML `key: value`).
    fn marked_end(line: &str, start: usize) -> usize {
        let rest = &line[start..];
        if let Some(quoted) = rest.strip_prefix('"') {
            let mut escaped = false;
            for (i, c) in quoted.char_indices() {
                match c {
                    _ if escaped => escaped = false,
                    '\\' => escaped = true,
                    '"' => return start + 1 + i + 1,
                    _ => {}
                }
            }
        }
        start + rest.trim_end().len()
    }

    /// A line cut to [`MAX_LINE_CHARS`] so that char `keep` stays visible, with `...` where
    /// text was left out; also returns how many chars were cut from the front, less the
    /// width of the leading `...`.
    fn cut_line(line: &str, keep: usize) -> (String, usize) {
        let count = line.chars().count();
        if count <= MAX_LINE_CHARS {
            return (line.to_string(), 0);
        }
        let from = keep.saturating_sub(MAX_LINE_CHARS / 3);
        // Cutting fewer chars than the `...` marker takes would only move text right.
        let from = if from <= 3 { 0 } else { from };
        let to = (from + MAX_LINE_CHARS).min(count);
        let mut out = String::new();
        if from > 0 {
            out.push_str("...");
        }
        out.extend(line.chars().skip(from).take(to - from));
        if to < count {
            out.push_str("...");
        }
        // Positions after the cut move left by `from`, and right by the marker's width.
        let shift = if from > 0 { from - 3 } else { 0 };
        (out, shift)
    }

    impl SourceCode for Excerpt {
        fn read_span<'b>(
            &'b self,
            span: &SourceSpan,
            context_lines_before: usize,
            context_lines_after: usize,
        ) -> Result<Box<dyn SpanContents<'b> + 'b>, MietteError> {
            let inner =
                self.text
                    .as_str()
                    .read_span(span, context_lines_before, context_lines_after)?;
            // The header shows line:column of the marked position as the file counts them.
            let column = if inner.span().offset() == self.span.offset() {
                self.column
            } else {
                inner.column()
            };
            Ok(Box::new(MietteSpanContents::new_named(
                self.name.clone(),
                inner.data(),
                *inner.span(),
                inner.line() + self.first_line,
                column,
                inner.line_count(),
            )))
        }
    }
}

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
}
