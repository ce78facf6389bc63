//! The public API of a generated crate as a flat list of items, and the change report
//! between two versions of it.
//!
//! The list is written into the crate (`api-surface.txt`) so that the next
//! `cargo xtask codegen` can say what a spec change does to users of the crate: what was
//! added, removed or changed, which of it breaks their code, and the version bump that
//! implies.

use crate::ir::{Api, ResponseBody, TypeKind, TypeRef};
use crate::naming::unraw;
use std::collections::BTreeMap;
use std::fmt::Write as _;

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
                for p in &op.params {
                    let kind = if p.required { "argument" } else { "setter" };
                    items.insert(
                        format!("{kind} {path}.{}", unraw(&p.rust_name)),
                        type_text(&p.ty),
                    );
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
            }
        }
        Surface(items)
    }

    /// One item per line: `key: signature`.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for (k, v) in &self.0 {
            let _ = writeln!(out, "{k}: {v}");
        }
        out
    }

    /// Read [`Surface::to_text`] back; lines starting with `#` or `//` are ignored.
    pub fn parse(text: &str) -> Surface {
        let items = text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.starts_with("//") && !l.trim().is_empty())
            .filter_map(|l| l.split_once(": "))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Surface(items)
    }
}

/// How one item changed.
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

pub fn diff(before: &Surface, after: &Surface) -> Vec<Change> {
    let mut changes = Vec::new();
    for (key, old) in &before.0 {
        let kind = key.split(' ').next().unwrap_or_default();
        match after.0.get(key) {
            None => changes.push(Change {
                what: "removed",
                item: key.clone(),
                detail: old.clone(),
                breaking: true,
            }),
            Some(new) if new != old => changes.push(Change {
                what: "changed",
                item: key.clone(),
                detail: format!("{old}  ->  {new}"),
                // An operation's path or method can change without touching the Rust API.
                breaking: kind != "operation" || output_of(old) != output_of(new),
            }),
            Some(_) => {}
        }
    }
    for (key, new) in &after.0 {
        if !before.0.contains_key(key) {
            let kind = key.split(' ').next().unwrap_or_default();
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

/// The item an item belongs to: `argument r.m.x` → `operation r.m`, `field T.f` → `type T`.
fn parent(key: &str) -> Option<String> {
    let (kind, path) = key.split_once(' ')?;
    match kind {
        "argument" | "setter" => path
            .rsplit_once('.')
            .map(|(op, _)| format!("operation {op}")),
        "field" => path.split_once('.').map(|(t, _)| format!("type {t}")),
        "variant" | "alternative" => path.split_once("::").map(|(t, _)| format!("type {t}")),
        _ => None,
    }
}

fn output_of(signature: &str) -> &str {
    signature.split_once(" -> ").map_or("", |(_, out)| out)
}

/// The version a crate at `version` moves to after `changes` (Cargo's semver rules:
/// before 1.0 the minor number is the breaking one).
pub fn next_version(version: &str, changes: &[Change]) -> Option<String> {
    if changes.is_empty() {
        return None;
    }
    let parts: Vec<u64> = version.split('.').map(|p| p.parse().unwrap_or(0)).collect();
    let (major, minor, patch) = (
        parts.first().copied().unwrap_or(0),
        parts.get(1).copied().unwrap_or(0),
        parts.get(2).copied().unwrap_or(0),
    );
    let breaking = changes.iter().any(|c| c.breaking);
    let adds = changes.iter().any(|c| c.what == "added");
    Some(match (major, breaking, adds) {
        (0, true, _) => format!("0.{}.0", minor + 1),
        (0, false, _) => format!("0.{minor}.{}", patch + 1),
        (_, true, _) => format!("{}.0.0", major + 1),
        (_, false, true) => format!("{major}.{}.0", minor + 1),
        (_, false, false) => format!("{major}.{minor}.{}", patch + 1),
    })
}

/// A short, readable summary.
pub fn report(changes: &[Change], version: &str) -> String {
    if changes.is_empty() {
        return "API changes: none\n".to_string();
    }
    let breaking = changes.iter().filter(|c| c.breaking).count();
    let mut out = format!("API changes: {} ({} breaking)\n", changes.len(), breaking);
    for what in ["removed", "changed", "added"] {
        for c in changes.iter().filter(|c| c.what == what) {
            let mark = if c.breaking { "BREAKING" } else { "ok" };
            let _ = writeln!(out, "  {what:<7} [{mark:<8}] {}: {}", c.item, c.detail);
        }
    }
    if let Some(next) = next_version(version, changes) {
        let kind = if breaking > 0 {
            "a breaking"
        } else {
            "a compatible"
        };
        let _ = writeln!(out, "This is {kind} change: version {version} -> {next}");
    }
    out
}

/// The report for writing `files` over a crate whose `api-surface.txt` reads `previous`
/// (`None` when there is none, which counts as an empty API). The caller reads the file:
/// this module never touches the disk.
pub fn report_against(
    previous: Option<&str>,
    files: &BTreeMap<String, String>,
    version: &str,
) -> String {
    let before = previous.map(Surface::parse).unwrap_or_default();
    let after = files
        .get(SURFACE_FILE)
        .map(|t| Surface::parse(t))
        .unwrap_or_default();
    report(&diff(&before, &after), version)
}
