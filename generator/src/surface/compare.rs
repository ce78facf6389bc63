//! What a regeneration changes for users of the crate, per operation and per type.
//!
//! Operations are matched by Rust name first; one that is gone and one that is new at the
//! same HTTP method and path (parameter names aside) are one operation renamed. Types are
//! matched by name first; a type that is gone and a new one of the same shape are one type
//! renamed. Signatures are compared by the shape users see ([`super::shape`]), so an alias
//! that deduplication points at another, identical twin is no change.

use super::index::{Index, Op, Type};
use super::shape::{Same, fingerprint, has_shape, likeness};
use super::{Change, Surface, diff, next_version};
use crate::naming::{snake, unraw};
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

fn operations<'a>(ib: &Index<'a>, ia: &Index<'a>, same: &mut Same<'_, 'a>) -> Vec<OperationChange> {
    // A removed and an added operation at the same endpoint are one renamed operation;
    // the same path spelled the same way is preferred when parameter names differ.
    let mut added_at: BTreeMap<(String, String), Vec<&str>> = BTreeMap::new();
    for (key, op) in &ia.ops {
        if !ib.ops.contains_key(key) {
            added_at.entry(op.endpoint()).or_default().push(key);
        }
    }
    let mut renamed: BTreeMap<&str, &str> = BTreeMap::new();
    for (key, op) in &ib.ops {
        if ia.ops.contains_key(key) {
            continue;
        }
        if let Some(candidates) = added_at.get_mut(&op.endpoint())
            && !candidates.is_empty()
        {
            let exact = candidates.iter().position(|k| ia.ops[k].path == op.path);
            renamed.insert(key, candidates.remove(exact.unwrap_or(0)));
        }
    }
    let renamed_to: BTreeSet<&str> = renamed.values().copied().collect();
    let mut out = Vec::new();
    for (key, b) in &ib.ops {
        if let Some(a) = ia.ops.get(key) {
            let items = op_items(b, a, same);
            if !items.is_empty() {
                let breaking = items.iter().any(|i| i.breaking);
                out.push(operation(ChangeKind::Changed, a, None, breaking, items));
            }
        } else if let Some(new) = renamed.get(key) {
            let a = &ia.ops[new];
            let items = op_items(b, a, same);
            out.push(operation(ChangeKind::Renamed, a, Some(b), true, items));
        } else {
            out.push(operation(ChangeKind::Removed, b, None, true, Vec::new()));
        }
    }
    for (key, a) in &ia.ops {
        if !ib.ops.contains_key(key) && !renamed_to.contains(key) {
            out.push(operation(ChangeKind::Added, a, None, false, Vec::new()));
        }
    }
    out.sort_by(|x, y| (&x.resource, &x.name).cmp(&(&y.resource, &y.name)));
    out
}

fn operation(
    change: ChangeKind,
    op: &Op<'_>,
    renamed_from: Option<&Op<'_>>,
    breaking: bool,
    items: Vec<ItemChange>,
) -> OperationChange {
    OperationChange {
        change,
        resource: op.resource.to_string(),
        name: op.name.to_string(),
        old_resource: renamed_from.map(|o| o.resource.to_string()),
        old_name: renamed_from.map(|o| o.name.to_string()),
        method: op.http.to_string(),
        path: op.path.to_string(),
        output: op.output.to_string(),
        operation_id: op.id.map(str::to_string),
        breaking,
        items,
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

/// What differs between two versions of one operation.
fn op_items<'a>(b: &Op<'a>, a: &Op<'a>, same: &mut Same<'_, 'a>) -> Vec<ItemChange> {
    let mut items = Vec::new();
    if b.endpoint() != a.endpoint() {
        // The Rust API does not show where a request goes.
        let (old, new) = (
            format!("{} {}", b.http, b.path),
            format!("{} {}", a.http, a.path),
        );
        items.push(item(
            ChangeKind::Changed,
            "endpoint",
            "",
            Some(&old),
            Some(&new),
            false,
        ));
    }
    if !same.texts(b.output, a.output) {
        items.push(item(
            ChangeKind::Changed,
            "response",
            "",
            Some(b.output),
            Some(a.output),
            true,
        ));
    }
    if b.stream != a.stream {
        let (change, breaking) = if a.stream {
            (ChangeKind::Added, false)
        } else {
            (ChangeKind::Removed, true)
        };
        items.push(item(change, "stream", "", None, None, breaking));
    }
    // A path parameter renamed in the spec keeps its place among the arguments, and
    // arguments are positional: calls still compile.
    let mut moved: BTreeMap<String, String> = BTreeMap::new();
    if b.endpoint() == a.endpoint() {
        for (x, y) in b.path_params().into_iter().zip(a.path_params()) {
            let (old, new) = (unraw(&snake(x)).to_string(), unraw(&snake(y)).to_string());
            let renamed = old != new
                && b.arguments.contains_key(old.as_str())
                && !a.arguments.contains_key(old.as_str())
                && a.arguments.contains_key(new.as_str())
                && !b.arguments.contains_key(new.as_str());
            if renamed {
                moved.insert(old, new);
            }
        }
    }
    let moved_to: BTreeSet<&str> = moved.values().map(String::as_str).collect();
    for (name, old) in &b.arguments {
        if let Some(new_name) = moved.get(*name) {
            let new = a.arguments[new_name.as_str()];
            let mut change = item(
                ChangeKind::Renamed,
                "argument",
                new_name,
                Some(old),
                Some(new),
                !same.texts(old, new),
            );
            change.old_name = Some(name.to_string());
            items.push(change);
            continue;
        }
        match a.arguments.get(name) {
            None => items.push(item(
                ChangeKind::Removed,
                "argument",
                name,
                Some(old),
                None,
                true,
            )),
            Some(new) if !same.texts(old, new) => items.push(item(
                ChangeKind::Changed,
                "argument",
                name,
                Some(old),
                Some(new),
                true,
            )),
            Some(_) => {}
        }
    }
    for (name, new) in &a.arguments {
        if !b.arguments.contains_key(name) && !moved_to.contains(name) {
            items.push(item(
                ChangeKind::Added,
                "argument",
                name,
                None,
                Some(new),
                true,
            ));
        }
    }
    items.extend(member_changes(
        "setter",
        &b.setters,
        &a.setters,
        same,
        |change| change != ChangeKind::Added,
    ));
    items
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

fn models<'a>(ib: &Index<'a>, ia: &Index<'a>, same: &mut Same<'_, 'a>) -> Vec<ModelChange> {
    let (before, after) = (ib.users(), ia.users());
    let used_by = |sides: &[&BTreeMap<&'a str, BTreeSet<&'a str>>], name: &str| -> Vec<String> {
        let users: BTreeSet<&str> = sides
            .iter()
            .flat_map(|side| side.get(name).into_iter().flatten().copied())
            .collect();
        users.into_iter().map(str::to_string).collect()
    };
    let renamed = renamed_models(ib, ia, same);
    let renamed_to: BTreeMap<&str, &str> = renamed.iter().map(|(b, a)| (*a, *b)).collect();
    let mut out = Vec::new();
    for (name, b) in &ib.types {
        let Some(a) = ia.types.get(name) else {
            if !renamed.contains_key(name) {
                out.push(ModelChange {
                    change: ChangeKind::Removed,
                    name: name.to_string(),
                    old_name: None,
                    shape: b.summary(),
                    breaking: true,
                    used_by: used_by(&[&before], name),
                    items: Vec::new(),
                });
            }
            continue;
        };
        // An alias that still ends at the same type changed only if that type did, and the
        // change is told there.
        let ends = (
            resolve(ib, name).map(|r| r.0),
            resolve(ia, name).map(|r| r.0),
        );
        let both_aliases = b.alias().is_some() && a.alias().is_some();
        if both_aliases && (b.signature == a.signature || (ends.0.is_some() && ends.0 == ends.1)) {
            continue;
        }
        if same.shapes(name, name) {
            continue;
        }
        let items = shape_changes(ib, ia, name, same);
        out.push(ModelChange {
            change: ChangeKind::Changed,
            name: name.to_string(),
            old_name: None,
            shape: a.summary(),
            breaking: items.iter().any(|i| i.breaking),
            used_by: used_by(&[&before, &after], name),
            items,
        });
    }
    for (name, a) in &ia.types {
        if ib.types.contains_key(name) {
            continue;
        }
        let old_name = renamed_to.get(name).map(|o| o.to_string());
        out.push(ModelChange {
            change: if old_name.is_some() {
                ChangeKind::Renamed
            } else {
                ChangeKind::Added
            },
            breaking: old_name.is_some(),
            name: name.to_string(),
            old_name,
            shape: a.summary(),
            used_by: used_by(&[&after], name),
            items: Vec::new(),
        });
    }
    out.sort_by(|x, y| x.name.cmp(&y.name));
    out
}

/// Pairs (old name → new name) of a type that is gone and a new one of the same shape.
/// Among several candidates the names most alike are paired first.
fn renamed_models<'a>(
    ib: &Index<'a>,
    ia: &Index<'a>,
    same: &mut Same<'_, 'a>,
) -> BTreeMap<&'a str, &'a str> {
    let mut added_by_print: BTreeMap<String, Vec<&'a str>> = BTreeMap::new();
    for name in ia.types.keys() {
        if !ib.types.contains_key(name) && has_shape(ia, name) {
            added_by_print
                .entry(fingerprint(ia, name))
                .or_default()
                .push(name);
        }
    }
    let mut candidates: Vec<(usize, &'a str, &'a str)> = Vec::new();
    for name in ib.types.keys() {
        if ia.types.contains_key(name) || !has_shape(ib, name) {
            continue;
        }
        let Some(added) = added_by_print.get(&fingerprint(ib, name)) else {
            continue;
        };
        for new in added {
            if same.shapes(name, new) {
                candidates.push((likeness(name, new), name, new));
            }
        }
    }
    candidates.sort_by(|x, y| y.0.cmp(&x.0).then((x.1, x.2).cmp(&(y.1, y.2))));
    let mut pairs = BTreeMap::new();
    let mut taken: BTreeSet<&str> = BTreeSet::new();
    for (_, old, new) in candidates {
        if !pairs.contains_key(old) && taken.insert(new) {
            pairs.insert(old, new);
        }
    }
    pairs
}

/// The aliased type a type name ends at, when the chain of aliases ends at a named type.
fn resolve<'s, 'a>(index: &'s Index<'a>, mut name: &'a str) -> Option<(&'a str, &'s Type<'a>)> {
    for _ in 0..16 {
        let (key, ty) = index.types.get_key_value(name)?;
        let key: &'a str = key;
        match ty.alias() {
            None => return Some((key, ty)),
            Some(target) if index.types.contains_key(target) => name = target,
            Some(_) => return None,
        }
    }
    None
}

/// What differs in the shape of one type that users see as changed.
fn shape_changes<'a>(
    ib: &Index<'a>,
    ia: &Index<'a>,
    name: &'a str,
    same: &mut Same<'_, 'a>,
) -> Vec<ItemChange> {
    let (b, a) = (&ib.types[name], &ia.types[name]);
    let (Some((_, rb)), Some((_, ra))) = (resolve(ib, name), resolve(ia, name)) else {
        return vec![item(
            ChangeKind::Changed,
            "type",
            "",
            Some(b.signature),
            Some(a.signature),
            true,
        )];
    };
    if rb.signature != ra.signature {
        return vec![item(
            ChangeKind::Changed,
            "type",
            "",
            Some(rb.signature),
            Some(ra.signature),
            true,
        )];
    }
    let mut items = Vec::new();
    for kind in ["field", "variant", "alternative"] {
        let of = |t: &Type<'a>| -> BTreeMap<&'a str, &'a str> {
            t.members
                .iter()
                .filter(|((k, _), _)| *k == kind)
                .map(|((_, n), s)| (*n, *s))
                .collect()
        };
        // New variants are compatible: enums are `#[non_exhaustive]`.
        items.extend(member_changes(kind, &of(rb), &of(ra), same, |change| {
            change != ChangeKind::Added || kind != "variant"
        }));
    }
    items
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

#[cfg(test)]
mod tests {
    use super::*;

    fn compare_texts(before: &str, after: &str) -> Comparison {
        compare(Some(&Surface::parse(before)), &Surface::parse(after))
    }

    #[test]
    fn a_new_name_at_the_same_endpoint_is_a_rename_with_its_config_entry() {
        let c = compare_texts(
            "operation logs.get_zones_zone_identifier_jobs: GET /zones/{zone_identifier}/jobs -> ()\n\
             argument logs.get_zones_zone_identifier_jobs.zone_identifier: String\n",
            "operation logs.get_zones_zone_id_jobs: GET /zones/{zone_id}/jobs -> ()\n\
             operation-id logs.get_zones_zone_id_jobs: get-zones-zone_id-jobs\n\
             argument logs.get_zones_zone_id_jobs.zone_id: String\n",
        );
        assert_eq!(c.operations.len(), 1, "{c:?}");
        let op = &c.operations[0];
        assert_eq!(op.change, ChangeKind::Renamed);
        assert!(op.breaking);
        assert_eq!(
            op.old_name.as_deref(),
            Some("get_zones_zone_identifier_jobs")
        );
        // The path parameter kept its place: the positional argument is only renamed.
        assert_eq!(op.items.len(), 1);
        assert_eq!(op.items[0].change, ChangeKind::Renamed);
        assert!(!op.items[0].breaking);
        assert_eq!(
            op.keep_old_name().as_deref(),
            Some(
                "[operations.get-zones-zone_id-jobs]\nmethod = \"get_zones_zone_identifier_jobs\"\n"
            )
        );
    }

    #[test]
    fn an_alias_retarget_to_an_identical_twin_is_no_change() {
        let c = compare_texts(
            "type A: = B\ntype B: struct\nfield B.x: String\ntype C: = B\n",
            "type A: = C\ntype B: = C\ntype C: struct\nfield C.x: String\n",
        );
        assert!(c.is_empty(), "{c:?}");
        assert!(
            !c.items.is_empty(),
            "the exhaustive list still shows the retargets"
        );
    }

    #[test]
    fn a_changed_model_says_what_changed() {
        let c = compare_texts(
            "type P: struct\nfield P.a: String\nfield P.b: i64\ntype K: enum\nvariant K::X: \"x\"\n",
            "type P: struct\nfield P.a: Option<String>\nfield P.c: bool\ntype K: enum\n\
             variant K::X: \"x\"\nvariant K::Y: \"y\"\n",
        );
        let p = c.models.iter().find(|m| m.name == "P").expect("P changed");
        let seen: Vec<(ChangeKind, &str, bool)> = p
            .items
            .iter()
            .map(|i| (i.change, i.name.as_str(), i.breaking))
            .collect();
        assert_eq!(
            seen,
            [
                (ChangeKind::Changed, "a", true),
                (ChangeKind::Removed, "b", true),
                (ChangeKind::Added, "c", true)
            ]
        );
        let k = c.models.iter().find(|m| m.name == "K").expect("K changed");
        assert!(
            !k.breaking,
            "a new variant of a non-exhaustive enum breaks nobody"
        );
    }

    #[test]
    fn a_model_of_the_same_shape_under_a_new_name_is_a_rename() {
        let c = compare_texts(
            "type ListPetsResponse: struct\nfield ListPetsResponse.items: Vec<String>\n\
             type Other: struct\nfield Other.n: i64\n",
            "type FetchPetsResponse: struct\nfield FetchPetsResponse.items: Vec<String>\n\
             type Unrelated: struct\nfield Unrelated.n: bool\n",
        );
        let seen: Vec<(ChangeKind, &str, Option<&str>)> = c
            .models
            .iter()
            .map(|m| (m.change, m.name.as_str(), m.old_name.as_deref()))
            .collect();
        assert_eq!(
            seen,
            [
                (
                    ChangeKind::Renamed,
                    "FetchPetsResponse",
                    Some("ListPetsResponse")
                ),
                (ChangeKind::Removed, "Other", None),
                (ChangeKind::Added, "Unrelated", None)
            ]
        );
    }

    #[test]
    fn toml_keys_are_quoted_only_when_needed() {
        assert_eq!(toml_key("list-pets_2"), "list-pets_2");
        assert_eq!(toml_key("get /pets"), "\"get /pets\"");
        assert_eq!(toml_string("a\"b\\"), "\"a\\\"b\\\\\"");
    }
}
