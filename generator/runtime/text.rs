//! Text shown in errors: durations, byte counts, and bounded excerpts of bodies.

use std::fmt;
use std::time::Duration;

/// Longest body excerpt kept in an error, in characters.
pub(crate) const EXCERPT_CHARS: usize = 256;

pub(crate) struct DisplayDuration(pub(crate) Duration);

/// A byte count in the largest binary unit that divides it, or in bytes.
pub(crate) struct DisplayBytes(pub(crate) u64);

impl fmt::Display for DisplayBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0;
        for (unit, size) in [("GiB", 1u64 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)] {
            if n >= size && n % size == 0 {
                return write!(f, "{} {unit}", n / size);
            }
        }
        if n >= 1 << 20 {
            write!(f, "{:.1} MiB", n as f64 / (1u64 << 20) as f64)
        } else {
            write!(f, "{n} bytes")
        }
    }
}

impl fmt::Display for DisplayDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.0;
        if d.subsec_nanos() == 0 {
            write!(f, "{}s", d.as_secs())
        } else if d < Duration::from_secs(1) {
            write!(f, "{}ms", d.as_millis())
        } else {
            let text = format!("{:.3}", d.as_secs_f64());
            write!(f, "{}s", text.trim_end_matches('0').trim_end_matches('.'))
        }
    }
}

/// At most `max` characters of `text`, ending with `…` when cut.
pub(crate) fn truncate_chars(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_owned(),
        Some(_) => {
            let keep = max.saturating_sub(1);
            let end = text.char_indices().nth(keep).map_or(text.len(), |(i, _)| i);
            format!("{}…", &text[..end])
        }
    }
}

/// The start of a response body as text, at most [`EXCERPT_CHARS`] characters.
pub(crate) fn excerpt(body: &[u8]) -> String {
    // Four bytes per character at most, so this prefix is always enough.
    let prefix = &body[..body.len().min(EXCERPT_CHARS * 4 + 4)];
    truncate_chars(&String::from_utf8_lossy(prefix), EXCERPT_CHARS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpt_is_bounded_and_char_safe() {
        let body = "é".repeat(1000);
        let e = excerpt(body.as_bytes());
        assert_eq!(e.chars().count(), EXCERPT_CHARS);
        assert!(e.ends_with('…'));
        assert_eq!(excerpt(b"short"), "short");
        let exact = "x".repeat(EXCERPT_CHARS);
        assert_eq!(excerpt(exact.as_bytes()), exact);
        assert_eq!(truncate_chars("abcdef", 4), "abc…");
    }
}
