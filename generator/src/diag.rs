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

/// Append a segment to a pointer.
pub fn child(pointer: &str, segment: &str) -> String {
    format!("{pointer}/{}", escape_segment(segment))
}
