//! Where a value of the raw document sits, for the checks that walk it.

use crate::diag::child;

/// Where a value sits: the steps from the root, kept on the stack while checking and
/// spelt out (as a JSON pointer, or as the name a message calls the value by) only for a
/// diagnostic, so that a valid document costs no string per node.
#[derive(Clone, Copy)]
pub(super) enum At<'a> {
    Root,
    Key(&'a At<'a>, &'a str),
    Index(&'a At<'a>, usize),
}

impl At<'_> {
    pub(super) fn pointer(&self) -> String {
        match self {
            At::Root => "#".to_string(),
            At::Key(parent, key) => child(&parent.pointer(), key),
            At::Index(parent, i) => child(&parent.pointer(), &i.to_string()),
        }
    }

    /// The value's name in messages: its key, followed by `[i]` for each list it is in
    /// below that key (`tags[0]`).
    pub(super) fn label(&self) -> String {
        match self {
            At::Root => String::new(),
            At::Key(_, key) => key.to_string(),
            At::Index(parent, i) => format!("{}[{i}]", parent.label()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_are_spelt_out_on_demand() {
        let tags = At::Key(&At::Root, "a/b");
        let first = At::Index(&tags, 0);
        let nested = At::Index(&first, 2);
        assert_eq!(nested.pointer(), "#/a~1b/0/2");
        assert_eq!(nested.label(), "a/b[0][2]");
        assert_eq!(At::Root.label(), "");
    }
}
