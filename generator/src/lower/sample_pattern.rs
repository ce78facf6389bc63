//! A string matching a `pattern` (an ECMA-262 regular expression), for sample values.
//!
//! Covers what specs write in practice: literals and escapes, character classes (ranges,
//! negation, `\d`, `\w`, `\s`), `.`, groups and alternation (the first alternative is
//! taken), and the quantifiers `?`, `*`, `+`, `{n}`, `{n,}`, `{n,m}` (each repeated its
//! minimum number of times, once for `*`-like ones so optional parts are exercised only
//! when required). The pattern is unanchored unless it says `^`/`$`, so the string is
//! built for the anchored form, which also matches unanchored. Anything else (look-around,
//! back-references, Unicode classes) gives `None`, and the caller keeps its plain sample.

/// A string the pattern matches, or `None` when the pattern uses what is not covered.
pub(super) fn matching(pattern: &str) -> Option<String> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut parser = Parser { chars, at: 0 };
    let out = parser.alternation()?;
    (parser.at == parser.chars.len()).then_some(out)
}

struct Parser {
    chars: Vec<char>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn next(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.at += 1;
        Some(c)
    }

    /// `a|b|c`: the first alternative that can be built.
    fn alternation(&mut self) -> Option<String> {
        let mut first: Option<String> = None;
        loop {
            let branch = self.sequence()?;
            first.get_or_insert(branch);
            if self.peek() == Some('|') {
                self.at += 1;
            } else {
                return first;
            }
        }
    }

    fn sequence(&mut self) -> Option<String> {
        let mut out = String::new();
        while let Some(c) = self.peek() {
            if c == '|' || c == ')' {
                break;
            }
            let atom = self.atom()?;
            let (min, _) = self.quantifier()?;
            for _ in 0..min {
                out.push_str(&atom);
            }
        }
        Some(out)
    }

    /// One atom: the text it contributes once.
    fn atom(&mut self) -> Option<String> {
        match self.next()? {
            '^' | '$' => Some(String::new()),
            '.' => Some("a".to_string()),
            '(' => {
                if self.peek() == Some('?') {
                    self.at += 1;
                    // Only non-capturing groups and named groups.
                    match self.next()? {
                        ':' => {}
                        '<' if !matches!(self.peek(), Some('=' | '!')) => {
                            while self.next()? != '>' {}
                        }
                        _ => return None,
                    }
                }
                let inner = self.alternation()?;
                (self.next()? == ')').then_some(inner)
            }
            '[' => self.class().map(String::from),
            '\\' => self.escape().map(String::from),
            c if "*+?{".contains(c) => None,
            c => Some(c.to_string()),
        }
    }

    /// After `\`: a class escape's first member, or the escaped character.
    fn escape(&mut self) -> Option<char> {
        Some(match self.next()? {
            'd' => '0',
            'w' => 'a',
            's' => ' ',
            'D' | 'W' | 'S' => '-',
            'n' => '\n',
            't' => '\t',
            'r' => '\r',
            'b' | 'B' | 'p' | 'P' | 'k' | 'u' | 'x' | 'c' => return None,
            c if c.is_ascii_digit() => return None,
            c => c,
        })
    }

    /// After `[`: one character of the class.
    fn class(&mut self) -> Option<char> {
        let negated = self.peek() == Some('^');
        if negated {
            self.at += 1;
        }
        let mut members: Vec<(char, char)> = Vec::new();
        let mut first = true;
        loop {
            let c = self.next()?;
            if c == ']' && !first {
                break;
            }
            first = false;
            let low = match c {
                '\\' => match self.peek()? {
                    'd' => {
                        self.at += 1;
                        members.push(('0', '9'));
                        continue;
                    }
                    'w' => {
                        self.at += 1;
                        members.extend([('a', 'z'), ('A', 'Z'), ('0', '9'), ('_', '_')]);
                        continue;
                    }
                    's' => {
                        self.at += 1;
                        members.push((' ', ' '));
                        continue;
                    }
                    _ => self.escape()?,
                },
                c => c,
            };
            if self.peek() == Some('-') && self.chars.get(self.at + 1).is_some_and(|c| *c != ']') {
                self.at += 1;
                let high = match self.next()? {
                    '\\' => self.escape()?,
                    c => c,
                };
                members.push((low, high));
            } else {
                members.push((low, low));
            }
        }
        if negated {
            // A character outside every member: try a few common ones.
            return "a0A_-x.Z9"
                .chars()
                .find(|c| !members.iter().any(|(low, high)| (*low..=*high).contains(c)));
        }
        // Prefer a letter or digit when the class has one (readable samples).
        members
            .iter()
            .map(|(low, _)| *low)
            .find(char::is_ascii_alphanumeric)
            .or_else(|| members.first().map(|(low, _)| *low))
    }

    /// The quantifier after an atom, as (minimum, maximum); `(1, 1)` when there is none.
    fn quantifier(&mut self) -> Option<(usize, Option<usize>)> {
        let q = match self.peek() {
            Some('?') => (0, Some(1)),
            Some('*') => (0, None),
            Some('+') => (1, None),
            Some('{') => {
                let close = self.chars[self.at..].iter().position(|c| *c == '}')?;
                let inner: String = self.chars[self.at + 1..self.at + close].iter().collect();
                let (min, max) = match inner.split_once(',') {
                    Some((min, "")) => (min.trim().parse().ok()?, None),
                    Some((min, max)) => (min.trim().parse().ok()?, Some(max.trim().parse().ok()?)),
                    None => {
                        let n = inner.trim().parse().ok()?;
                        (n, Some(n))
                    }
                };
                self.at += close;
                (min, max)
            }
            _ => return Some((1, Some(1))),
        };
        self.at += 1;
        // A lazy or possessive marker changes nothing here.
        if matches!(self.peek(), Some('?' | '+')) {
            self.at += 1;
        }
        Some(q)
    }
}

#[cfg(test)]
mod tests {
    use super::matching;

    #[test]
    fn common_patterns() {
        assert_eq!(
            matching("^[a-f0-9]{32}$").as_deref(),
            Some("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
        );
        assert_eq!(matching(r"^\d{3}-\d{4}$").as_deref(), Some("000-0000"));
        assert_eq!(matching("^(foo|bar)+$").as_deref(), Some("foo"));
        assert_eq!(matching("^[^/]+$").as_deref(), Some("a"));
        assert_eq!(matching(r"^[A-Z]{2}\.x?$").as_deref(), Some("AA."));
        assert_eq!(matching("(?=a)b"), None);
        assert_eq!(matching(r"\p{L}+"), None);
        assert_eq!(matching("a{2,}b{1,3}").as_deref(), Some("aab"));
    }
}
