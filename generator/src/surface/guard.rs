//! Regenerations refused unless the caller says they are meant: a spec with no operations,
//! or one that would remove more than a set share of the crate's operations. A spec
//! published with `paths: {}`, or a wrong file given as the spec, otherwise wipes out the
//! client without a word.

use super::Comparison;
use std::fmt;

/// The share of the previous operations a regeneration may remove, in percent, unless
/// told otherwise.
pub const DEFAULT_MAX_REMOVED_PERCENT: u32 = 50;

/// How many removed operations a refusal names.
const NAMED: usize = 3;

/// Why a regeneration is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The spec defines no operation; `before` the crate had this many.
    NoOperations { before: usize },
    /// More than `limit_percent` of the `before` operations would be removed.
    TooManyRemoved {
        removed: usize,
        before: usize,
        limit_percent: u32,
        /// The first few, as `resource.method`.
        named: Vec<String>,
    },
}

impl Comparison {
    /// Why writing this regeneration should not go ahead, if it should not: the spec has
    /// no operations, or it removes more than `max_removed_percent` of the operations the
    /// crate had (renamed ones are not removed).
    pub fn refusal(&self, max_removed_percent: u32) -> Option<Refusal> {
        if self.after.operations == 0 {
            return Some(Refusal::NoOperations {
                before: self.before.operations,
            });
        }
        let removed = self.removed_operations().count();
        let before = self.before.operations;
        if before > 0 && removed * 100 > before * max_removed_percent as usize {
            return Some(Refusal::TooManyRemoved {
                removed,
                before,
                limit_percent: max_removed_percent,
                named: self
                    .removed_operations()
                    .take(NAMED)
                    .map(|o| format!("{}.{}", o.resource, o.name))
                    .collect(),
            });
        }
        None
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::NoOperations { before: 0 } => {
                write!(
                    f,
                    "the spec defines no operations, so the client would have no API"
                )
            }
            Refusal::NoOperations { before } => write!(
                f,
                "the spec defines no operations: all {before} operations of the crate would be removed"
            ),
            Refusal::TooManyRemoved {
                removed,
                before,
                limit_percent,
                named,
            } => {
                let share = removed * 100 / before;
                write!(
                    f,
                    "{removed} of the crate's {before} operations ({share}%) would be removed, \
                     more than the {limit_percent}% allowed"
                )?;
                if !named.is_empty() {
                    let more = removed - named.len();
                    let tail = if more > 0 {
                        format!(" and {more} more")
                    } else {
                        String::new()
                    };
                    write!(f, "\n  among them {}{tail}", named.join(", "))?;
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::surface::{Surface, compare};

    fn ops(names: &[&str]) -> Surface {
        let text: String = names
            .iter()
            .map(|n| format!("operation r.{n}: GET /{n} -> ()\n"))
            .collect();
        Surface::parse(&text)
    }

    #[test]
    fn removing_more_than_the_share_is_refused() {
        let before = ops(&["a", "b", "c", "d"]);
        let half = compare(Some(&before), &ops(&["a", "b"]));
        assert_eq!(half.refusal(50), None, "exactly the share is allowed");
        let most = compare(Some(&before), &ops(&["a"]));
        let refusal = most.refusal(50).expect("refused");
        assert_eq!(
            refusal.to_string(),
            "3 of the crate's 4 operations (75%) would be removed, more than the 50% allowed\n  \
             among them r.b, r.c, r.d"
        );
        assert_eq!(most.refusal(80), None);
    }

    #[test]
    fn a_spec_without_operations_is_refused_even_the_first_time() {
        let empty = Surface::parse("type A: struct\n");
        let first = compare(None, &empty);
        assert!(first.refusal(100).is_some());
        let wiped = compare(Some(&ops(&["a", "b"])), &empty);
        assert_eq!(
            wiped.refusal(100).map(|r| r.to_string()).as_deref(),
            Some("the spec defines no operations: all 2 operations of the crate would be removed")
        );
    }

    #[test]
    fn renamed_operations_are_not_removed() {
        let before = Surface::parse("operation r.a: GET /a -> ()\noperation r.b: GET /b -> ()\n");
        let after = Surface::parse("operation r.x: GET /a -> ()\noperation r.y: GET /b -> ()\n");
        assert_eq!(compare(Some(&before), &after).refusal(0), None);
    }
}
