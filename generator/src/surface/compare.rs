//! What a regeneration changes for users of the crate, per operation and per type.
//!
//! Operations are matched by Rust name first; one that is gone and one that is new at the
//! same HTTP method and path (parameter names aside) are one operation renamed. Types are
//! matched by name first; a type that is gone and a new one of the same shape are one type
//! renamed. Signatures are compared by the shape users see ([`super::shape`]), so an alias
//! that deduplication points at another, identical twin is no change.

mod models;
mod operations;
#[cfg(test)]
mod tests;

use super::index::Index;
use super::shape::Same;
use super::{Change, Surface, diff, next_version};
use models::models;
use operations::operations;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// What happened to an operation, a type or one of their items.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    Removed,
    Renamed,
    Changed,
    Added,
}

impl ChangeKind {
    pub const ALL: [ChangeKind; 4] = [
        ChangeKind::Removed,
        ChangeKind::Renamed,
        ChangeKind::Changed,
        ChangeKind::Added,
    ];

    pub fn word(self) -> &'static str {
        match self {
            ChangeKind::Removed => "removed",
            ChangeKind::Renamed => "renamed",
            ChangeKind::Changed => "changed",
            ChangeKind::Added => "added",
        }
    }

    /// The mark a report line starts with.
    pub fn mark(self) -> char {
        match self {
            ChangeKind::Removed => '-',
            ChangeKind::Renamed => '>',
            ChangeKind::Changed => '~',
            ChangeKind::Added => '+',
        }
    }
}

/// One item of an operation or a type that changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemChange {
    pub change: ChangeKind,
    /// `argument`, `setter`, `response`, `stream` or `endpoint` of an operation; `field`,
    /// `variant`, `alternative` or `type` (its kind or aliased type) of a type.
    pub kind: &'static str,
    /// The item's Rust name; empty for `response`, `stream`, `endpoint` and `type`.
    pub name: String,
    /// The previous name of a renamed item.
    pub old_name: Option<String>,
    /// The signature before and after (`None` where the item did not exist).
    pub old: Option<String>,
    pub new: Option<String>,
    pub breaking: bool,
}

/// An operation that was added, removed, renamed or changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OperationChange {
    pub change: ChangeKind,
    /// The resource and method name it has now (before, for a removed operation).
    pub resource: String,
    pub name: String,
    /// The resource and method name a renamed operation had.
    pub old_resource: Option<String>,
    pub old_name: Option<String>,
    pub method: String,
    pub path: String,
    /// What `send` returns.
    pub output: String,
    /// Its operationId in the spec, when the surface records it.
    pub operation_id: Option<String>,
    pub breaking: bool,
    /// What changed inside it; empty for an added or removed operation (folded).
    pub items: Vec<ItemChange>,
}

impl OperationChange {
    /// The `codegen.toml` entry that gives a renamed operation its old name back.
    pub fn keep_old_name(&self) -> Option<String> {
        let (Some(resource), Some(name)) = (&self.old_resource, &self.old_name) else {
            return None;
        };
        let id = self.operation_id.as_deref()?;
        let mut entry = format!("[operations.{}]\n", toml_key(id));
        if *resource != self.resource {
            entry.push_str(&format!("resource = {}\n", toml_string(resource)));
        }
        if *name != self.name {
            entry.push_str(&format!("method = {}\n", toml_string(name)));
        }
        Some(entry)
    }
}

/// A model (type) that was added, removed, renamed or changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ModelChange {
    pub change: ChangeKind,
    pub name: String,
    /// The name a renamed type had.
    pub old_name: Option<String>,
    /// `struct, 3 fields`, `enum, 2 variants`, `= Vec<Pet>`.
    pub shape: String,
    pub breaking: bool,
    /// The resources whose operations reach it (now, and before for what is gone).
    pub used_by: Vec<String>,
    pub items: Vec<ItemChange>,
}

/// The size of one side.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub operations: usize,
    pub resources: usize,
    pub models: usize,
}

/// Everything a regeneration changes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Comparison {
    /// There was no previous surface: nothing to compare with.
    pub first_generation: bool,
    pub before: Totals,
    pub after: Totals,
    /// By resource, then name.
    pub operations: Vec<OperationChange>,
    /// By name.
    pub models: Vec<ModelChange>,
    /// Resources that had no operation before, and those that have none now.
    pub new_resources: BTreeSet<String>,
    pub removed_resources: BTreeSet<String>,
    /// Every item that differs, key by key: the exhaustive list (`--full`).
    pub items: Vec<Change>,
}

impl Comparison {
    /// Nothing a user of the crate would notice changed.
    pub fn is_empty(&self) -> bool {
        self.operations.is_empty() && self.models.is_empty()
    }

    pub fn breaking(&self) -> bool {
        self.operations.iter().any(|o| o.breaking) || self.models.iter().any(|m| m.breaking)
    }

    /// The version the crate moves to from `version`; `None` for a first generation or
    /// when nothing changed.
    pub fn next_version(&self, version: &str) -> Option<String> {
        if self.first_generation || self.is_empty() {
            return None;
        }
        let adds = self
            .operations
            .iter()
            .any(|o| o.change == ChangeKind::Added)
            || self.models.iter().any(|m| m.change == ChangeKind::Added);
        Some(next_version(version, self.breaking(), adds))
    }

    /// Operations that are gone (renamed ones are not).
    pub fn removed_operations(&self) -> impl Iterator<Item = &OperationChange> {
        self.operations
            .iter()
            .filter(|o| o.change == ChangeKind::Removed)
    }
}

/// Compare the surface of the crate as it is (`None`: there is none) with the new one.
pub fn compare(before: Option<&Surface>, after: &Surface) -> Comparison {
    let ia = Index::new(after);
    let Some(before) = before else {
        return Comparison {
            first_generation: true,
            after: totals(&ia),
            ..Comparison::default()
        };
    };
    let ib = Index::new(before);
    let mut same = Same::new(&ib, &ia);
    let operations = operations(&ib, &ia, &mut same);
    let models = models(&ib, &ia, &mut same);
    let (rb, ra) = (ib.resources(), ia.resources());
    Comparison {
        first_generation: false,
        before: totals(&ib),
        after: totals(&ia),
        operations,
        models,
        new_resources: ra.difference(&rb).map(|r| r.to_string()).collect(),
        removed_resources: rb.difference(&ra).map(|r| r.to_string()).collect(),
        items: diff(before, after),
    }
}

fn totals(index: &Index<'_>) -> Totals {
    Totals {
        operations: index.ops.len(),
        resources: index.resources().len(),
        models: index.types.len(),
    }
}

fn item(
    change: ChangeKind,
    kind: &'static str,
    name: &str,
    old: Option<&str>,
    new: Option<&str>,
    breaking: bool,
) -> ItemChange {
    ItemChange {
        change,
        kind,
        name: name.to_string(),
        old_name: None,
        old: old.map(str::to_string),
        new: new.map(str::to_string),
        breaking,
    }
}

/// Removed, changed and added members of one kind, by name.
fn member_changes<'a>(
    kind: &'static str,
    before: &BTreeMap<&'a str, &'a str>,
    after: &BTreeMap<&'a str, &'a str>,
    same: &mut Same<'_, 'a>,
    breaks: impl Fn(ChangeKind) -> bool,
) -> Vec<ItemChange> {
    let mut items = Vec::new();
    for (name, old) in before {
        match after.get(name) {
            None => items.push(item(
                ChangeKind::Removed,
                kind,
                name,
                Some(old),
                None,
                breaks(ChangeKind::Removed),
            )),
            Some(new) if !same_member(kind, old, new, same) => items.push(item(
                ChangeKind::Changed,
                kind,
                name,
                Some(old),
                Some(new),
                breaks(ChangeKind::Changed),
            )),
            Some(_) => {}
        }
    }
    for (name, new) in after {
        if !before.contains_key(name) {
            items.push(item(
                ChangeKind::Added,
                kind,
                name,
                None,
                Some(new),
                breaks(ChangeKind::Added),
            ));
        }
    }
    items
}

fn same_member<'a>(kind: &str, old: &'a str, new: &'a str, same: &mut Same<'_, 'a>) -> bool {
    // A variant's signature is its wire value, not a type.
    if kind == "variant" {
        old == new
    } else {
        same.texts(old, new)
    }
}

/// A TOML key: bare when it can be, quoted otherwise.
fn toml_key(key: &str) -> String {
    let bare = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if bare {
        key.to_string()
    } else {
        toml_string(key)
    }
}

fn toml_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
