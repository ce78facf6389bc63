//! Reading source text: comments, literals, generated code and tests blanked out, and the
//! words, groups and paths of what is left.

pub(super) fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The code of a file with comments and literals (string, raw string, char) turned into
/// spaces, newlines kept so that positions keep their line.
pub(super) fn blank_comments_and_literals(text: &str) -> Vec<char> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = chars.clone();
    let blank = |out: &mut Vec<char>, from: usize, to: usize| {
        for c in &mut out[from..to.min(chars.len())] {
            if *c != '\n' {
                *c = ' ';
            }
        }
    };
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        let prev_ident = i > 0 && is_ident(chars[i - 1]);
        if c == '/' && next == Some('/') {
            let end = (i..chars.len())
                .find(|&j| chars[j] == '\n')
                .unwrap_or(chars.len());
            blank(&mut out, i, end);
            i = end;
        } else if c == '/' && next == Some('*') {
            let (mut depth, mut j) = (1, i + 2);
            while j < chars.len() && depth > 0 {
                if chars[j] == '/' && chars.get(j + 1) == Some(&'*') {
                    depth += 1;
                    j += 1;
                } else if chars[j] == '*' && chars.get(j + 1) == Some(&'/') {
                    depth -= 1;
                    j += 1;
                }
                j += 1;
            }
            blank(&mut out, i, j);
            i = j;
        } else if !prev_ident && (c == 'r' || (c == 'b' && next == Some('r'))) {
            // A raw string `r#"…"#` (or `br"…"`); otherwise an identifier such as `r#type`.
            let start = i;
            let mut j = if c == 'b' { i + 2 } else { i + 1 };
            let hashes = (j..chars.len()).take_while(|&k| chars[k] == '#').count();
            j += hashes;
            if chars.get(j) == Some(&'"') {
                let close: Vec<char> = std::iter::once('"')
                    .chain(std::iter::repeat_n('#', hashes))
                    .collect();
                let end = (j + 1..chars.len())
                    .find(|&k| chars[k..].starts_with(&close))
                    .map_or(chars.len(), |k| k + close.len());
                blank(&mut out, start, end);
                i = end;
            } else {
                i += 1;
            }
        } else if c == '"' {
            let mut j = i + 1;
            while j < chars.len() && chars[j] != '"' {
                j += if chars[j] == '\\' { 2 } else { 1 };
            }
            blank(&mut out, i, j + 1);
            i = j + 1;
        } else if c == '\'' {
            // A char literal (`'a'`, `'\n'`, `'{'`), or else a lifetime.
            if next == Some('\\') {
                let end = (i + 2..chars.len())
                    .find(|&k| chars[k] == '\'')
                    .unwrap_or(i + 1);
                blank(&mut out, i, end + 1);
                i = end + 1;
            } else if chars.get(i + 2) == Some(&'\'') {
                blank(&mut out, i, i + 3);
                i += 3;
            } else {
                i += 1;
            }
        } else {
            i += 1;
        }
    }
    out
}

/// The index just past the group that opens at `open` (`(`, `[` or `{`).
pub(super) fn group_end(code: &[char], open: usize) -> usize {
    let mut depth = 0usize;
    for (j, &c) in code.iter().enumerate().skip(open) {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => {
                depth -= 1;
                if depth == 0 {
                    return j + 1;
                }
            }
            _ => {}
        }
    }
    code.len()
}

pub(super) fn word_at(code: &[char], i: usize, word: &str) -> bool {
    let w: Vec<char> = word.chars().collect();
    code[i..].starts_with(&w)
        && (i == 0 || !is_ident(code[i - 1]) && code[i - 1] != '$')
        && code.get(i + w.len()).is_none_or(|&c| !is_ident(c))
}

pub(super) fn skip_space(code: &[char], mut i: usize) -> usize {
    while code.get(i).is_some_and(|c| c.is_whitespace()) {
        i += 1;
    }
    i
}

/// Whether a path starts at `i` with `word::`.
pub(super) fn path_start(code: &[char], i: usize, word: &str) -> bool {
    word_at(code, i, word) && code[skip_space(code, i + word.len())..].starts_with(&[':', ':'])
}

/// The index past the `::` that follows the word ending at `end`.
pub(super) fn past_colons(code: &[char], end: usize) -> usize {
    skip_space(code, end) + 2
}

/// Blank the parts that are not this crate's code: `quote!` bodies and `#[cfg(test)]` items.
pub(super) fn blank_foreign_code(code: &mut [char]) {
    let cfg_test: Vec<char> = "#[cfg(test)]".chars().collect();
    let mut i = 0;
    while i < code.len() {
        let quote = ["quote", "quote_spanned"]
            .into_iter()
            .find(|w| word_at(code, i, w) && code.get(i + w.len()) == Some(&'!'));
        let from = if let Some(w) = quote {
            let open = skip_space(code, i + w.len() + 1);
            Some((i, open))
        } else if code[i..].starts_with(&cfg_test) {
            let open = (i..code.len()).find(|&k| code[k] == '{' || code[k] == ';');
            open.map(|open| (i, open))
        } else {
            None
        };
        match from {
            Some((start, open)) if open < code.len() => {
                let end = if code[open] == ';' {
                    open + 1
                } else {
                    group_end(code, open)
                };
                for c in &mut code[start..end] {
                    if *c != '\n' {
                        *c = ' ';
                    }
                }
                i = end;
            }
            _ => i += 1,
        }
    }
}

/// The first segment of each path that starts after `code[at..]` (just past a `::`): one
/// for `a::b`, several for a group `{a, b::c}`.
pub(super) fn heads(code: &[char], at: usize) -> Vec<String> {
    let i = skip_space(code, at);
    if code.get(i) == Some(&'{') {
        let end = group_end(code, i);
        let mut out = Vec::new();
        let (mut depth, mut start) = (0usize, i + 1);
        for j in i + 1..end {
            match code[j] {
                '{' => depth += 1,
                '}' if depth > 0 => depth -= 1,
                ',' | '}' if depth == 0 => {
                    let element: String = code[start..j].iter().collect();
                    let head: String = element
                        .trim()
                        .chars()
                        .take_while(|&c| is_ident(c) || c == '*')
                        .collect();
                    if !head.is_empty() {
                        out.push(head);
                    }
                    start = j + 1;
                }
                _ => {}
            }
        }
        out
    } else {
        let head: String = code[i..].iter().take_while(|&&c| is_ident(c)).collect();
        vec![head]
    }
}

pub(super) fn line_of(code: &[char], i: usize) -> usize {
    code[..i].iter().filter(|&&c| c == '\n').count() + 1
}
