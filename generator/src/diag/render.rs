//! Terminal rendering of diagnostics: the offending source line under a caret, the message,
//! the JSON pointer and the hint. Plain ASCII without colours, so the output is the same on
//! every terminal and can be pinned by snapshots.

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
    let lines = Lines::new(source_text);
    for diagnostic in &sorted {
        let report = Report::new(diagnostic, &lines);
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
    fn new(diagnostic: &'a Diagnostic, lines: &Lines<'_>) -> Self {
        let excerpt = diagnostic
            .line
            .and_then(|line| Excerpt::new(&diagnostic.file, lines, line, diagnostic.column));
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

/// The lines of the source, found once for all diagnostics (a spec of megabytes may be
/// one line), and the chars counted so far on the line last asked about: diagnostics
/// come in order of position, so counting each one's column from the line start would
/// read a long line once per diagnostic.
struct Lines<'a> {
    text: &'a str,
    /// Byte offset of each line's start.
    starts: Vec<usize>,
    /// (1-based line, byte in it, chars before that byte).
    counted: std::cell::Cell<(usize, usize, usize)>,
}

impl<'a> Lines<'a> {
    fn new(text: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        Lines {
            text,
            starts,
            counted: std::cell::Cell::new((0, 0, 0)),
        }
    }

    /// Line `number` (1-based) without its line feed, if the text has it.
    fn line(&self, number: usize) -> Option<&'a str> {
        let start = *self.starts.get(number.checked_sub(1)?)?;
        let end = self
            .starts
            .get(number)
            .map_or(self.text.len(), |next| next - 1);
        Some(&self.text[start..end])
    }

    /// How many chars of line `number` come before `byte` (a char boundary in it).
    fn chars_before(&self, number: usize, byte: usize) -> usize {
        let Some(line) = self.line(number) else {
            return 0;
        };
        let (from, base) = match self.counted.get() {
            (n, b, chars) if n == number && b <= byte => (b, chars),
            _ => (0, 0),
        };
        let chars = base + line[from..byte].chars().count();
        self.counted.set((number, byte, chars));
        chars
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
    fn new(name: &str, lines: &Lines<'_>, line: usize, column: Option<usize>) -> Option<Excerpt> {
        let before = line.checked_sub(1).and_then(|l| lines.line(l));
        let target = lines.line(line)?;
        let after = lines.line(line + 1);
        let target = target.trim_end_matches('\r');
        // The column counts bytes from the line start; find the char it falls in.
        let mut start = column.map_or(target.len() - target.trim_start().len(), |c| {
            c.saturating_sub(1).min(target.len())
        });
        while !target.is_char_boundary(start) {
            start -= 1;
        }
        // Lines can be megabytes long (minified JSON): only the column is counted from
        // the line start; everything else looks at the shown window.
        let start_char = lines.chars_before(line, start);
        let end = marked_end(target, start);
        let (shown, from) = cut_line(target, start);
        let lead = if from > 0 { ELLIPSIS.len() } else { 0 };
        let shown_chars = shown.chars().count();
        let local = |byte: usize| {
            (lead + target[from..byte].chars().take(shown_chars).count()).min(shown_chars)
        };

        let mut text = String::new();
        let mut first_line = line - 1;
        if let Some(before) = before {
            text.push_str(&cut_line(before.trim_end_matches('\r'), 0).0);
            text.push('\n');
            first_line -= 1;
        }
        let line_offset = text.len();
        text.push_str(&shown);
        let byte_at = |chars: usize| {
            shown
                .char_indices()
                .nth(chars)
                .map_or(shown.len(), |(i, _)| i)
        };
        let (local_start, local_end) = (local(start), local(end));
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

/// Marks text left out of a cut line.
const ELLIPSIS: &str = "...";

/// A line cut to [`MAX_LINE_CHARS`] chars so that the char at byte `keep` stays
/// visible, with `...` where text was left out; also returns the byte where the shown
/// part starts. It reads only the chars around `keep`, so a line of megabytes costs
/// no more than a short one.
fn cut_line(line: &str, keep: usize) -> (String, usize) {
    if line.chars().nth(MAX_LINE_CHARS).is_none() {
        return (line.to_string(), 0);
    }
    let keep = keep.min(line.len());
    let from = line[..keep]
        .char_indices()
        .rev()
        .nth(MAX_LINE_CHARS / 3 - 1)
        .map_or(0, |(i, _)| i);
    // Cutting fewer chars than the `...` marker takes would only move text right.
    let from = if line[..from].chars().nth(ELLIPSIS.len()).is_none() {
        0
    } else {
        from
    };
    let to = line[from..]
        .char_indices()
        .nth(MAX_LINE_CHARS)
        .map_or(line.len(), |(i, _)| from + i);
    let mut out = String::with_capacity(to - from + 2 * ELLIPSIS.len());
    if from > 0 {
        out.push_str(ELLIPSIS);
    }
    out.push_str(&line[from..to]);
    if to < line.len() {
        out.push_str(ELLIPSIS);
    }
    (out, from)
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
