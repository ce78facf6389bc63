//! Whether two type texts, one in the previous surface and one in the new, give users the
//! same shape. Aliases are seen through. A type named the same on both sides is the same
//! type here (a change inside it is that type's own change, told once, where it is);
//! two differently named types are the same when their kinds, member names and member
//! types are. This is what tells a renamed model, or an alias that deduplication pointed
//! at another identical twin, from a real change.

use super::index::{Index, words};
use std::collections::HashMap;

/// A type text with aliases expanded: named types (never aliases) and everything else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token<'a> {
    Named(&'a str),
    Text(&'a str),
}

/// How many aliases deep a text is expanded (an alias of itself ends there).
const ALIAS_DEPTH: usize = 16;

fn expand<'a>(index: &Index<'a>, text: &'a str, depth: usize, out: &mut Vec<Token<'a>>) {
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if c.is_whitespace() {
            rest = &rest[c.len_utf8()..];
            continue;
        }
        let word_len = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
            .unwrap_or(rest.len());
        if word_len == 0 {
            out.push(Token::Text(&rest[..c.len_utf8()]));
            rest = &rest[c.len_utf8()..];
            continue;
        }
        let word = &rest[..word_len];
        rest = &rest[word_len..];
        match index.types.get_key_value(word) {
            Some((_, ty)) if ty.alias().is_some() && depth < ALIAS_DEPTH => {
                expand(index, ty.alias().unwrap_or_default(), depth + 1, out);
            }
            Some((name, _)) => out.push(Token::Named(name)),
            None => out.push(Token::Text(word)),
        }
    }
}

fn tokens<'a>(index: &Index<'a>, text: &'a str) -> Vec<Token<'a>> {
    let mut out = Vec::new();
    expand(index, text, 0, &mut out);
    out
}

/// A short text equal for any two types that can be the same shape (the kind and member
/// names of each named type they expand to): candidates for a rename are looked for only
/// among types with the same fingerprint.
pub(super) fn fingerprint(index: &Index<'_>, name: &str) -> String {
    let Some((name, _)) = index.types.get_key_value(name) else {
        return String::new();
    };
    let mut out = String::new();
    for token in tokens(index, name) {
        match token {
            Token::Text(t) => out.push_str(t),
            Token::Named(n) => {
                let ty = &index.types[n];
                out.push_str(ty.signature);
                out.push('{');
                for (kind, member) in ty.members.keys() {
                    out.push_str(kind);
                    out.push(' ');
                    out.push_str(member);
                    out.push(';');
                }
                out.push('}');
            }
        }
    }
    out
}

/// Whether the type a text names has a shape worth recognising under a new name: it
/// expands to at least one named type with members.
pub(super) fn has_shape(index: &Index<'_>, name: &str) -> bool {
    let Some((name, _)) = index.types.get_key_value(name) else {
        return false;
    };
    tokens(index, name).iter().any(|t| match t {
        Token::Named(n) => !index.types[n].members.is_empty(),
        Token::Text(_) => false,
    })
}

/// Compares texts of `before` with texts of `after`, remembering what it found.
pub(super) struct Same<'s, 'a> {
    before: &'s Index<'a>,
    after: &'s Index<'a>,
    known: HashMap<(&'a str, &'a str), bool>,
    /// Pairs being compared (recursive types come back to them), with their depth.
    open: HashMap<(&'a str, &'a str), usize>,
}

/// No assumption about an open pair was used.
const NONE: usize = usize::MAX;

impl<'s, 'a> Same<'s, 'a> {
    pub fn new(before: &'s Index<'a>, after: &'s Index<'a>) -> Self {
        Same {
            before,
            after,
            known: HashMap::new(),
            open: HashMap::new(),
        }
    }

    /// Whether a type text of the previous surface and one of the new are the same to users.
    pub fn texts(&mut self, before: &'a str, after: &'a str) -> bool {
        self.compare_texts(before, after, 0).0
    }

    /// Whether the type `before` names in the previous surface has the same shape as the
    /// one `after` names in the new: their members are compared even when the names are
    /// the same (the question is whether that type changed).
    pub fn shapes(&mut self, before: &'a str, after: &'a str) -> bool {
        let b = tokens(self.before, before);
        let a = tokens(self.after, after);
        match (&b[..], &a[..]) {
            ([Token::Named(x)], [Token::Named(y)]) => self.compare_types(x, y, 0).0,
            _ => self.compare_texts(before, after, 0).0,
        }
    }

    /// The result, and the shallowest open pair it assumed equal (`NONE` if none).
    fn compare_texts(&mut self, before: &'a str, after: &'a str, depth: usize) -> (bool, usize) {
        // The same text names the same types.
        if words(before).eq(words(after)) {
            return (true, NONE);
        }
        let b = tokens(self.before, before);
        let a = tokens(self.after, after);
        if b.len() != a.len() {
            return (false, NONE);
        }
        let mut lowest = NONE;
        for (tb, ta) in b.into_iter().zip(a) {
            let (same, assumed) = match (tb, ta) {
                (Token::Text(x), Token::Text(y)) => (x == y, NONE),
                (Token::Named(x), Token::Named(y)) if x == y => (true, NONE),
                (Token::Named(x), Token::Named(y)) => self.compare_types(x, y, depth),
                _ => (false, NONE),
            };
            lowest = lowest.min(assumed);
            if !same {
                return (false, NONE);
            }
        }
        (true, lowest)
    }

    /// Two named types (not aliases) compared member by member. A pair met again while it
    /// is being compared is assumed equal; a result that rests on such an assumption about
    /// an outer pair is not remembered, since that pair may still turn out different.
    fn compare_types(&mut self, before: &'a str, after: &'a str, depth: usize) -> (bool, usize) {
        let pair = (before, after);
        if let Some(&known) = self.known.get(&pair) {
            return (known, NONE);
        }
        if let Some(&open) = self.open.get(&pair) {
            return (true, open);
        }
        let (Some(b), Some(a)) = (self.before.types.get(before), self.after.types.get(after))
        else {
            return (false, NONE);
        };
        if b.signature != a.signature || !b.members.keys().eq(a.members.keys()) {
            self.known.insert(pair, false);
            return (false, NONE);
        }
        let members: Vec<(&str, &'a str, &'a str)> = b
            .members
            .iter()
            .zip(a.members.values())
            .map(|(((kind, _), tb), ta)| (*kind, *tb, *ta))
            .collect();
        self.open.insert(pair, depth);
        let mut lowest = NONE;
        let mut same = true;
        for (kind, tb, ta) in members {
            let (equal, assumed) = if kind == "variant" {
                (tb == ta, NONE)
            } else {
                self.compare_texts(tb, ta, depth + 1)
            };
            lowest = lowest.min(assumed);
            if !equal {
                same = false;
                break;
            }
        }
        self.open.remove(&pair);
        if !same {
            self.known.insert(pair, false);
            return (false, NONE);
        }
        if lowest >= depth {
            self.known.insert(pair, true);
            return (true, NONE);
        }
        (true, lowest)
    }
}

/// How alike two names are: the length of what they share at the start and at the end.
pub(super) fn likeness(a: &str, b: &str) -> usize {
    let prefix = a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count();
    let suffix = a
        .chars()
        .rev()
        .zip(b.chars().rev())
        .take_while(|(x, y)| x == y)
        .count();
    (prefix + suffix).min(a.chars().count().max(b.chars().count()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::surface::Surface;

    fn same(before: &str, after: &str, b: &str, a: &str) -> bool {
        let (sb, sa) = (Surface::parse(before), Surface::parse(after));
        let (ib, ia) = (Index::new(&sb), Index::new(&sa));
        let b =
            sb.0.keys()
                .find_map(|k| k.strip_prefix("type ").filter(|n| *n == b));
        let a =
            sa.0.keys()
                .find_map(|k| k.strip_prefix("type ").filter(|n| *n == a));
        Same::new(&ib, &ia).shapes(b.expect("before type"), a.expect("after type"))
    }

    #[test]
    fn an_alias_pointed_at_an_identical_twin_is_the_same() {
        let before = "type A: = B\ntype B: struct\nfield B.x: String\n";
        let after = "type A: = C\ntype B: = C\ntype C: struct\nfield C.x: String\n";
        assert!(same(before, after, "A", "A"));
        assert!(same(before, after, "B", "B"));
        let changed = "type A: = C\ntype C: struct\nfield C.x: i64\n";
        assert!(!same(before, changed, "A", "A"));
    }

    #[test]
    fn members_are_compared_through_their_types() {
        let before = "type P: struct\nfield P.o: Option<O>\ntype O: struct\nfield O.n: String\n";
        let renamed =
            "type P: struct\nfield P.o: Option<Owner>\ntype Owner: struct\nfield Owner.n: String\n";
        let changed = "type P: struct\nfield P.o: Option<O>\ntype O: struct\nfield O.n: i64\n";
        assert!(same(before, renamed, "P", "P"));
        assert!(same(before, renamed, "O", "Owner"));
        // O changed, and that is O's change: P still holds the same type.
        assert!(same(before, changed, "P", "P"));
        assert!(!same(before, changed, "O", "O"));
    }

    #[test]
    fn recursive_types_compare_without_looping() {
        let before = "type T: struct\nfield T.next: Option<Box<T>>\nfield T.v: String\n";
        let after = "type U: struct\nfield U.next: Option<Box<U>>\nfield U.v: String\n";
        let other = "type U: struct\nfield U.next: Option<Box<U>>\nfield U.v: i64\n";
        assert!(same(before, after, "T", "U"));
        assert!(!same(before, other, "T", "U"));
    }

    #[test]
    fn likeness_counts_shared_ends() {
        assert_eq!(likeness("ZonesJobsResponse", "ZonesJobResponse"), 16);
        assert_eq!(likeness("abc", "abc"), 3);
        assert_eq!(likeness("abc", "xyz"), 0);
    }
}
