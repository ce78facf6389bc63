//! Identical schemas under different names (Cloudflare's spec has ~70 copies of each
//! envelope) become one type plus aliases, so the generated crate compiles each shape once.
//!
//! Two types are identical when their shapes match once docs are ignored and references
//! to already-merged types are replaced by the surviving name; this repeats until nothing
//! more merges (a copy of a copy is found on the next round).

use crate::ir::{TypeDef, TypeKind, TypeRef};
use std::collections::BTreeMap;

fn canonical(ty: &TypeRef, survivor: &BTreeMap<String, String>) -> TypeRef {
    match ty {
        TypeRef::Named(n) => TypeRef::Named(survivor.get(n).cloned().unwrap_or_else(|| n.clone())),
        TypeRef::Vec(i) => TypeRef::Vec(Box::new(canonical(i, survivor))),
        TypeRef::Map(i) => TypeRef::Map(Box::new(canonical(i, survivor))),
        TypeRef::Option(i) => TypeRef::Option(Box::new(canonical(i, survivor))),
        TypeRef::Box(i) => TypeRef::Box(Box::new(canonical(i, survivor))),
        other => other.clone(),
    }
}

/// A string that is equal for two kinds exactly when they would generate the same code
/// (docs aside).
fn key(kind: &TypeKind, survivor: &BTreeMap<String, String>) -> Option<String> {
    Some(match kind {
        TypeKind::Struct { fields, additional } => {
            let fields: Vec<String> = fields
                .iter()
                .map(|f| {
                    format!(
                        "{}:{}:{:?}:{}",
                        f.wire_name,
                        f.rust_name,
                        canonical(&f.ty, survivor),
                        f.required
                    )
                })
                .collect();
            let additional = additional
                .as_ref()
                .map(|a| (&a.rust_name, canonical(&a.ty, survivor)));
            format!("S{{{}}}{additional:?}", fields.join(","))
        }
        TypeKind::Enum { variants } => {
            let v: Vec<String> = variants
                .iter()
                .map(|v| format!("{}={}", v.rust_name, v.wire))
                .collect();
            format!("E{{{}}}", v.join(","))
        }
        TypeKind::Union {
            variants,
            discriminator,
        } => {
            let v: Vec<String> = variants
                .iter()
                .map(|v| {
                    format!(
                        "{}:{:?}:{:?}",
                        v.rust_name,
                        canonical(&v.ty, survivor),
                        v.tags
                    )
                })
                .collect();
            format!("U{discriminator:?}{{{}}}", v.join(","))
        }
        TypeKind::Alias(_) | TypeKind::Id { .. } => return None,
    })
}

/// Which of several identical types is kept, the others becoming its aliases: a component
/// schema's own type before a type named after where an inline schema sits (such names
/// follow operation names and move when one is renamed), then the first name in order.
/// The choice depends only on the twins themselves, never on the order types were found
/// in, so the same twin stays the canonical one across regenerations while it exists.
fn preference(def: &TypeDef) -> (bool, &str) {
    let component = def
        .origin
        .strip_prefix("#/components/schemas/")
        .is_some_and(|key| !key.contains('/'));
    (!component, &def.name)
}

pub(super) fn dedup(types: &mut [TypeDef]) {
    let mut survivor: BTreeMap<String, String> = BTreeMap::new();
    loop {
        let mut twins: BTreeMap<String, Vec<&TypeDef>> = BTreeMap::new();
        for def in types.iter() {
            if survivor.contains_key(&def.name) {
                continue;
            }
            if let Some(k) = key(&def.kind, &survivor) {
                twins.entry(k).or_default().push(def);
            }
        }
        let mut merged = 0;
        for group in twins.into_values().filter(|g| g.len() > 1) {
            let Some(kept) = group
                .iter()
                .min_by(|a, b| preference(a).cmp(&preference(b)))
            else {
                continue;
            };
            for def in &group {
                if def.name != kept.name {
                    survivor.insert(def.name.clone(), kept.name.clone());
                    merged += 1;
                }
            }
        }
        if merged == 0 {
            break;
        }
    }
    // A type kept in one round can merge into another in a later round: point every alias
    // at the type finally kept.
    let finals: Vec<(String, String)> = survivor
        .keys()
        .map(|name| {
            let mut target = &survivor[name];
            while let Some(next) = survivor.get(target) {
                target = next;
            }
            (name.clone(), target.clone())
        })
        .collect();
    survivor.extend(finals);
    if survivor.is_empty() {
        return;
    }
    for def in types.iter_mut() {
        if let Some(target) = survivor.get(&def.name) {
            def.kind = TypeKind::Alias(TypeRef::Named(target.clone()));
            continue;
        }
        match &mut def.kind {
            TypeKind::Struct { fields, additional } => {
                for f in fields.iter_mut() {
                    f.ty = canonical(&f.ty, &survivor);
                }
                if let Some(a) = additional {
                    a.ty = canonical(&a.ty, &survivor);
                }
            }
            TypeKind::Union { variants, .. } => {
                for v in variants.iter_mut() {
                    v.ty = canonical(&v.ty, &survivor);
                }
            }
            TypeKind::Alias(t) => *t = canonical(t, &survivor),
            TypeKind::Enum { .. } | TypeKind::Id { .. } => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::Field;

    fn def(name: &str, origin: &str, field_type: TypeRef) -> TypeDef {
        TypeDef {
            name: name.to_string(),
            origin: origin.to_string(),
            doc: None,
            kind: TypeKind::Struct {
                fields: vec![Field {
                    wire_name: "x".into(),
                    rust_name: "x".into(),
                    ty: field_type,
                    required: true,
                    doc: None,
                }],
                additional: None,
            },
        }
    }

    fn component(name: &str) -> String {
        format!("#/components/schemas/{name}")
    }

    /// Each type's alias target, or `None` for a kept type.
    fn kept(mut types: Vec<TypeDef>) -> BTreeMap<String, Option<String>> {
        dedup(&mut types);
        types
            .into_iter()
            .map(|t| {
                let target = match t.kind {
                    TypeKind::Alias(TypeRef::Named(n)) => Some(n),
                    _ => None,
                };
                (t.name, target)
            })
            .collect()
    }

    #[test]
    fn the_kept_twin_does_not_depend_on_order() {
        let twins = || {
            vec![
                def("Zeta", &component("zeta"), TypeRef::String),
                def("Alpha", &component("alpha"), TypeRef::String),
                def("Mid", &component("mid"), TypeRef::String),
            ]
        };
        let forward = kept(twins());
        let mut reversed = twins();
        reversed.reverse();
        assert_eq!(forward, kept(reversed));
        assert_eq!(forward["Alpha"], None);
        assert_eq!(forward["Zeta"].as_deref(), Some("Alpha"));
    }

    #[test]
    fn a_component_stays_kept_when_an_inline_twin_that_sorts_first_appears() {
        let before = kept(vec![
            def("Record", &component("record"), TypeRef::I64),
            def("Row", &component("row"), TypeRef::I64),
        ]);
        assert_eq!(before["Record"], None);
        let after = kept(vec![
            def("Record", &component("record"), TypeRef::I64),
            def("Row", &component("row"), TypeRef::I64),
            def(
                "AddRecordBody",
                "#/paths/~1records/post/requestBody",
                TypeRef::I64,
            ),
        ]);
        assert_eq!(after["Record"], None);
        assert_eq!(after["AddRecordBody"].as_deref(), Some("Record"));
    }

    #[test]
    fn twins_found_in_a_later_round_alias_the_type_finally_kept() {
        // B and C are twins once A2 is known to be A's twin.
        let types = vec![
            def("A", &component("a"), TypeRef::String),
            def("A2", &component("a2"), TypeRef::String),
            def("C", &component("c"), TypeRef::Named("A2".into())),
            def("B", &component("b"), TypeRef::Named("A".into())),
        ];
        let result = kept(types);
        assert_eq!(result["A2"].as_deref(), Some("A"));
        assert_eq!(result["C"].as_deref(), Some("B"));
        assert_eq!(result["B"], None);
    }
}
