//! The public API of a generated crate as a list of items, and what a regeneration does
//! to it.
//!
//! The list is written into the crate ([`SURFACE_FILE`]) so that the next
//! `cargo xtask codegen` can say what a spec change does to users of the crate: what was
//! added, removed, renamed or changed, which of it breaks their code, and the version bump
//! that implies. It is committed and reviewed, so it reads as text: one item per line,
//! `kind path: signature`, each operation and each type followed by its own items,
//! indented:
//!
//! ```text
//! operation pets.list_pets: GET /pets -> Vec<Pet> (stream)
//!   operation-id pets.list_pets: listPets
//!   argument pets.list_pets.owner: String
//!   setter pets.list_pets.limit: i64
//! type Pet: struct
//!   field Pet.name: String
//!   field Pet.owner: Option<Owner>
//! type Pets: = Vec<Pet>
//! ```
//!
//! An operation keeps its HTTP method and path (how a rename is recognised) and its
//! operationId (what `codegen.toml` names it by); a type keeps its whole shape (how a
//! renamed twin, or an alias that now points at an identical twin, is told from a real
//! change). Files written before the indentation and the `operation-id` lines existed read
//! back the same way.
//!
//! - [`compare`]: the changes between two surfaces, grouped per operation and per type.
//! - [`render`]: the report a reviewer reads, its `--full` and `--json` forms.
//! - [`guard`]: the regenerations refused unless asked for (most operations removed).

pub mod compare;
pub mod guard;
mod index;
pub mod render;
mod shape;

pub use compare::{ChangeKind, Comparison, ItemChange, ModelChange, OperationChange, compare};
pub use guard::Refusal;
pub use render::Style;

use crate::ir::{Api, ResponseBody, TypeKind, TypeRef};
use crate::naming::unraw;
use std::collections::BTreeMap;

/// The file of the generated crate that lists its public API, one item per line; read
/// back to report API changes.
pub const SURFACE_FILE: &str = "api-surface.txt";

/// Item key (`kind path`) → signature.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Surface(pub BTreeMap<String, String>);

fn type_text(ty: &TypeRef) -> String {
    match ty {
        TypeRef::Bool => "bool".into(),
        TypeRef::I32 => "i32".into(),
        TypeRef::I64 => "i64".into(),
        TypeRef::U32 => "u32".into(),
        TypeRef::U64 => "u64".into(),
        TypeRef::F32 => "f32".into(),
        TypeRef::F64 => "f64".into(),
        TypeRef::String => "String".into(),
        TypeRef::DateTime => "DateTime<Utc>".into(),
        TypeRef::Date => "NaiveDate".into(),
        TypeRef::Json => "serde_json::Value".into(),
        TypeRef::Bytes => "Vec<u8>".into(),
        TypeRef::File => "File".into(),
        TypeRef::Unit => "()".into(),
        TypeRef::Named(n) => n.clone(),
        TypeRef::Vec(i) => format!("Vec<{}>", type_text(i)),
        TypeRef::Map(i) => format!("BTreeMap<String, {}>", type_text(i)),
        TypeRef::Option(i) => format!("Option<{}>", type_text(i)),
        TypeRef::Box(i) => format!("Box<{}>", type_text(i)),
    }
}

impl Surface {
    pub fn of(api: &Api) -> Surface {
        let mut items = BTreeMap::new();
        for resource in &api.resources {
            for op in &resource.operations {
                let path = format!("{}.{}", unraw(&resource.module), unraw(&op.method_name));
                let output = match &op.response {
                    ResponseBody::Empty => "()".to_string(),
                    ResponseBody::Bytes { .. } => "Vec<u8>".to_string(),
                    ResponseBody::Json { ty, .. } => type_text(ty),
                    ResponseBody::EventStream { ty } => format!("EventStream<{}>", type_text(ty)),
                    ResponseBody::Statuses { variants, .. } => {
                        let each: Vec<String> = variants
                            .iter()
                            .map(|v| {
                                let body = v.ty.as_ref().map_or("()".into(), type_text);
                                format!("{} {body}", v.status)
                            })
                            .collect();
                        format!("by status ({})", each.join(", "))
                    }
                };
                let stream = if op.pagination.is_some() {
                    " (stream)"
                } else {
                    ""
                };
                items.insert(
                    format!("operation {path}"),
                    format!(
                        "{} {} -> {output}{stream}",
                        op.http_method.as_str(),
                        op.path
                    ),
                );
                items.insert(format!("operation-id {path}"), op.operation_id.clone());
                for p in &op.params {
                    let kind = if p.required { "argument" } else { "setter" };
                    items.insert(
                        format!("{kind} {path}.{}", unraw(&p.rust_name)),
                        type_text(&p.ty),
                    );
                }
                for e in &op.error_responses {
                    if let Some(ty) = &e.ty {
                        items.insert(format!("error {path}.{}", e.status), type_text(ty));
                    }
                }
                if let Some(body) = &op.body {
                    if body.required && body.setters.is_empty() {
                        items.insert(format!("argument {path}.body"), type_text(&body.ty));
                    }
                    for s in &body.setters {
                        items.insert(
                            format!("setter {path}.{}", unraw(&s.method)),
                            type_text(&s.ty),
                        );
                    }
                }
            }
        }
        for def in &api.types {
            let name = &def.name;
            match &def.kind {
                TypeKind::Struct { fields, additional } => {
                    items.insert(format!("type {name}"), "struct".into());
                    for f in fields {
                        items.insert(
                            format!("field {name}.{}", unraw(&f.rust_name)),
                            type_text(&f.ty),
                        );
                    }
                    if let Some(a) = additional {
                        items.insert(
                            format!("field {name}.{}", unraw(&a.rust_name)),
                            type_text(&a.ty),
                        );
                    }
                }
                TypeKind::Enum { variants } => {
                    items.insert(format!("type {name}"), "enum".into());
                    for v in variants {
                        items.insert(
                            format!("variant {name}::{}", v.rust_name),
                            format!("{:?}", v.wire),
                        );
                    }
                }
                TypeKind::Union { variants, .. } => {
                    items.insert(format!("type {name}"), "union".into());
                    for v in variants {
                        items.insert(
                            format!("alternative {name}::{}", v.rust_name),
                            type_text(&v.ty),
                        );
                    }
                }
                TypeKind::Alias(t) => {
                    items.insert(format!("type {name}"), format!("= {}", type_text(t)));
                }
                // Which parameters it types is documentation, not API.
                TypeKind::Id { .. } => {
                    items.insert(format!("type {name}"), "identifier".into());
                }
            }
        }
        Surface(items)
    }

    /// One item per line, `key: signature`: operations, then types, each by name and
    /// followed by its own items, indented two spaces.
    pub fn to_text(&self) -> String {
        // (operations first, owner, order of the kind, key) → line.
        let mut lines: BTreeMap<(u8, &str, u8, &str), String> = BTreeMap::new();
        for (key, signature) in &self.0 {
            let (kind, path) = split_key(key);
            let (section, owner) = match kind {
                "operation" | "operation-id" => (0, path),
                "argument" | "setter" | "error" => {
                    (0, path.rsplit_once('.').map_or(path, |(op, _)| op))
                }
                "type" => (1, path),
                "field" => (1, path.split_once('.').map_or(path, |(t, _)| t)),
                "variant" | "alternative" => (1, path.split_once("::").map_or(path, |(t, _)| t)),
                _ => (2, path),
            };
            let rank = KIND_ORDER
                .iter()
                .position(|k| *k == kind)
                .unwrap_or(KIND_ORDER.len()) as u8;
            let indent = if matches!(kind, "operation" | "type") {
                ""
            } else {
                "  "
            };
            lines.insert(
                (section, owner, rank, key.as_str()),
                format!("{indent}{key}: {signature}\n"),
            );
        }
        lines.into_values().collect()
    }

    /// Read [`Surface::to_text`] back (indented or not); lines starting with `#` or `//`
    /// are ignored.
    pub fn parse(text: &str) -> Surface {
        let items = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.starts_with('#') && !l.starts_with("//") && !l.is_empty())
            .filter_map(|l| l.split_once(": "))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Surface(items)
    }
}

/// The kinds of item, owners first, in the order [`Surface::to_text`] lists an owner's.
const KIND_ORDER: [&str; 9] = [
    "operation",
    "operation-id",
    "argument",
    "setter",
    "error",
    "type",
    "field",
    "variant",
    "alternative",
];

/// `argument pets.list.owner` → (`argument`, `pets.list.owner`).
fn split_key(key: &str) -> (&str, &str) {
    key.split_once(' ').unwrap_or((key, ""))
}

/// The item an item belongs to: `argument r.m.x` → `operation r.m`, `field T.f` → `type T`.
fn parent(key: &str) -> Option<String> {
    let (kind, path) = key.split_once(' ')?;
    match kind {
        "argument" | "setter" | "error" => path
            .rsplit_once('.')
            .map(|(op, _)| format!("operation {op}")),
        "operation-id" => Some(format!("operation {path}")),
        "field" => path.split_once('.').map(|(t, _)| format!("type {t}")),
        "variant" | "alternative" => path.split_once("::").map(|(t, _)| format!("type {t}")),
        _ => None,
    }
}

/// One item's change, as the exhaustive (`--full`) list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub what: &'static str,
    pub item: String,
    pub detail: String,
    pub breaking: bool,
}

/// Whether adding an item of this kind breaks code written against the old crate.
fn adding_breaks(kind: &str) -> bool {
    // A new positional argument breaks every call; a new field breaks struct literals
    // (models are plain structs so users can build request bodies). New operations,
    // setters, types and enum variants (enums are `#[non_exhaustive]`) do not.
    matches!(kind, "argument" | "field" | "alternative")
}

/// Every item that was added, removed or whose signature text changed, compared key by
/// key (no renames, no shapes): the exhaustive list behind `--full`.
pub fn diff(before: &Surface, after: &Surface) -> Vec<Change> {
    let mut changes = Vec::new();
    for (key, old) in &before.0 {
        let kind = split_key(key).0;
        match after.0.get(key) {
            // The operationId is not part of the Rust API.
            None => changes.push(Change {
                what: "removed",
                item: key.clone(),
                detail: old.clone(),
                breaking: kind != "operation-id",
            }),
            Some(new) if new != old => changes.push(Change {
                what: "changed",
                item: key.clone(),
                detail: format!("{old}  ->  {new}"),
                // An operation's path or method can change without touching the Rust API.
                breaking: match kind {
                    "operation" => output_of(old) != output_of(new),
                    "operation-id" => false,
                    _ => true,
                },
            }),
            Some(_) => {}
        }
    }
    for (key, new) in &after.0 {
        if !before.0.contains_key(key) {
            let kind = split_key(key).0;
            // Adding to something that is itself new breaks nobody.
            let parent_existed = parent(key).is_some_and(|p| before.0.contains_key(&p));
            changes.push(Change {
                what: "added",
                item: key.clone(),
                detail: new.clone(),
                breaking: adding_breaks(kind) && parent_existed,
            });
        }
    }
    changes
}

fn output_of(signature: &str) -> &str {
    signature.split_once(" -> ").map_or("", |(_, out)| out)
}

/// The version a crate at `version` moves to after a change (Cargo's semver rules:
/// before 1.0 the minor number is the breaking one).
pub fn next_version(version: &str, breaking: bool, adds: bool) -> String {
    let parts: Vec<u64> = version.split('.').map(|p| p.parse().unwrap_or(0)).collect();
    let (major, minor, patch) = (
        parts.first().copied().unwrap_or(0),
        parts.get(1).copied().unwrap_or(0),
        parts.get(2).copied().unwrap_or(0),
    );
    match (major, breaking, adds) {
        (0, true, _) => format!("0.{}.0", minor + 1),
        (0, false, _) => format!("0.{minor}.{}", patch + 1),
        (_, true, _) => format!("{}.0.0", major + 1),
        (_, false, true) => format!("{major}.{}.0", minor + 1),
        (_, false, false) => format!("{major}.{minor}.{}", patch + 1),
    }
}

/// The report for writing `files` over a crate whose [`SURFACE_FILE`] reads `previous`
/// (`None`: no such file, a first generation). The caller reads the file.
pub fn report_against(
    previous: Option<&str>,
    files: &BTreeMap<String, String>,
    version: &str,
    style: Style,
) -> String {
    comparison_against(previous, files).render(version, style)
}

/// The comparison behind [`report_against`], for callers that also check it
/// ([`Comparison::refusal`]) or render it more than one way.
pub fn comparison_against(previous: Option<&str>, files: &BTreeMap<String, String>) -> Comparison {
    let before = previous.map(Surface::parse);
    let after = files
        .get(SURFACE_FILE)
        .map(|t| Surface::parse(t))
        .unwrap_or_default();
    compare(before.as_ref(), &after)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn surface(items: &[(&str, &str)]) -> Surface {
        Surface(
            items
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn text_groups_each_owner_with_its_items() {
        let s = surface(&[
            ("argument pets.list.owner", "String"),
            ("field Pet.name", "String"),
            ("operation pets.list", "GET /pets -> Vec<Pet>"),
            ("operation-id pets.list", "listPets"),
            ("setter pets.list.limit", "i64"),
            ("type Pet", "struct"),
            ("variant Kind::Cat", "\"cat\""),
            ("type Kind", "enum"),
        ]);
        assert_eq!(
            s.to_text(),
            "operation pets.list: GET /pets -> Vec<Pet>\n  operation-id pets.list: listPets\n  \
             argument pets.list.owner: String\n  setter pets.list.limit: i64\n\
             type Kind: enum\n  variant Kind::Cat: \"cat\"\ntype Pet: struct\n  field Pet.name: String\n"
        );
        assert_eq!(Surface::parse(&s.to_text()), s);
    }

    #[test]
    fn the_flat_sorted_form_of_older_crates_reads_the_same() {
        let old = "# @generated\nfield Pet.name: String\noperation pets.list: GET /pets -> ()\ntype Pet: struct\n";
        let new = "# @generated\noperation pets.list: GET /pets -> ()\ntype Pet: struct\n  field Pet.name: String\n";
        assert_eq!(Surface::parse(old), Surface::parse(new));
    }

    #[test]
    fn versions_follow_cargo_semver() {
        assert_eq!(next_version("0.3.1", true, true), "0.4.0");
        assert_eq!(next_version("0.3.1", false, true), "0.3.2");
        assert_eq!(next_version("1.4.2", true, false), "2.0.0");
        assert_eq!(next_version("1.4.2", false, true), "1.5.0");
        assert_eq!(next_version("1.4.2", false, false), "1.4.3");
    }
}
