//! Models (types) matched and compared: by name first, else a type that is gone and a new
//! one of the same shape are one type renamed; then what changed in one type's fields,
//! variants and alternatives, aliases followed to the type they end at.

use super::{ChangeKind, ItemChange, ModelChange, item, member_changes};
use crate::surface::index::{Index, Type};
use crate::surface::shape::{Same, fingerprint, has_shape, likeness};
use std::collections::{BTreeMap, BTreeSet};

pub(super) fn models<'a>(
    ib: &Index<'a>,
    ia: &Index<'a>,
    same: &mut Same<'_, 'a>,
) -> Vec<ModelChange> {
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
