//! Operations matched and compared: by Rust name first, else a removed and an added one at
//! the same endpoint are one operation renamed; then what changed in one operation's
//! endpoint, response, stream, arguments and setters.

use super::{ChangeKind, ItemChange, OperationChange, item, member_changes};
use crate::naming::{snake, unraw};
use crate::surface::index::{Index, Op};
use crate::surface::shape::Same;
use std::collections::{BTreeMap, BTreeSet};

pub(super) fn operations<'a>(
    ib: &Index<'a>,
    ia: &Index<'a>,
    same: &mut Same<'_, 'a>,
) -> Vec<OperationChange> {
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
    // Code that reads an error body as its old model would no longer find it.
    items.extend(member_changes(
        "error",
        &b.errors,
        &a.errors,
        same,
        |change| change != ChangeKind::Added,
    ));
    items
}
