//! Report text built one line at a time: each line wrapped at spaces to [`WIDTH`], with
//! a word too long for a line shortened in the middle or split over lines.

use super::WIDTH;

/// Joins words that wrap as one (a method and its path), and is printed as a space.
pub(super) const GLUE: char = '\u{a0}';

/// Report text, built one wrapped line at a time.
pub(super) struct Lines {
    pub(super) text: String,
    /// Shorten a word too long for a line (else it is split over lines).
    pub(super) abbreviate: bool,
    /// Lines start with a two-column mark, `! ` for what breaks.
    pub(super) marks: bool,
}

impl Default for Lines {
    fn default() -> Self {
        Lines {
            text: String::new(),
            abbreviate: true,
            marks: true,
        }
    }
}

impl Lines {
    pub(super) fn blank(&mut self) {
        if !self.text.is_empty() {
            self.text.push('\n');
        }
    }

    /// One entry: the mark (`! ` when it breaks), `indent` spaces, then `text`, wrapped at
    /// spaces to [`WIDTH`] with continuation lines indented four more.
    pub(super) fn line(&mut self, breaking: bool, indent: usize, text: &str) {
        let mark = match (self.marks, breaking) {
            (false, _) => "",
            (true, true) => "! ",
            (true, false) => "  ",
        };
        let first = format!("{mark}{}", " ".repeat(indent));
        if first.len() + text.chars().count() <= WIDTH {
            // As written, spacing included.
            self.push(&format!("{first}{text}"));
            return;
        }
        let next = " ".repeat(mark.len() + indent + 4);
        let mut current = first.clone();
        let mut empty = true;
        // Each word with the spaces before it, kept inside a line and dropped at its start.
        let mut rest = text;
        while !rest.is_empty() {
            let spaces = rest.len() - rest.trim_start_matches(' ').len();
            let after = &rest[spaces..];
            let end = after.find(' ').unwrap_or(after.len());
            let (gap, word) = (&rest[..spaces], &after[..end]);
            rest = &after[end..];
            if word.is_empty() {
                continue;
            }
            let len = word.chars().count();
            let gap = if empty { "" } else { gap };
            if !empty && current.chars().count() + gap.len() + len > WIDTH {
                self.push(&current);
                current = next.clone();
                empty = true;
            }
            if !empty {
                current.push_str(gap);
            }
            let room = WIDTH.saturating_sub(current.chars().count());
            if len <= room {
                current.push_str(word);
            } else if self.abbreviate {
                current.push_str(&shorten(word, room));
            } else {
                // Split the word over as many lines as it takes.
                let chars: Vec<char> = word.chars().collect();
                let mut start = 0;
                let mut room = room.max(1);
                while chars.len() - start > room {
                    current.extend(&chars[start..start + room]);
                    self.push(&current);
                    current = next.clone();
                    start += room;
                    room = WIDTH.saturating_sub(next.len()).max(1);
                }
                current.extend(&chars[start..]);
            }
            empty = false;
        }
        self.push(&current);
    }

    fn push(&mut self, line: &str) {
        self.text.push_str(&line.trim_end().replace(GLUE, " "));
        self.text.push('\n');
    }
}

/// `word` in at most `max` characters: its start and end around `...`.
pub(super) fn shorten(word: &str, max: usize) -> String {
    let chars: Vec<char> = word.chars().collect();
    if chars.len() <= max {
        return word.to_string();
    }
    if max <= 3 {
        return chars[..max].iter().collect();
    }
    let keep = max - 3;
    let head = keep.div_ceil(2);
    let tail = keep - head;
    let mut out: String = chars[..head].iter().collect();
    out.push_str("...");
    out.extend(&chars[chars.len() - tail..]);
    out
}
