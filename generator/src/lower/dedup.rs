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
        TypeKind::Alias(_) => return None,
    })
}

pub(super) fn dedup(types: &mut [TypeDef]) {
    let mut survivor: BTreeMap<String, String> = BTreeMap::new();
    loop {
        let mut first_with_key: BTreeMap<String, String> = BTreeMap::new();
        let mut merged = 0;
        for def in types.iter() {
            if survivor.contains_key(&def.name) {
                continue;
            }
            let Some(k) = key(&def.kind, &survivor) else {
                continue;
            };
            match first_with_key.get(&k) {
                Some(first) => {
                    survivor.insert(def.name.clone(), first.clone());
                    merged += 1;
                }
                None => {
                    first_with_key.insert(k, def.name.clone());
                }
            }
        }
        if merged == 0 {
            break;
        }
    }
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
            TypeKind::Enum { .. } => {}
        }
    }
}
