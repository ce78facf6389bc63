//! Break infinitely sized types: a field that leads back to its own struct without going
//! through a `Vec` or a map gets a `Box`.
//!
//! Strongly connected components (Tarjan, iterative) over the "contains directly" graph
//! find every such field in linear time.

use crate::ir::{TypeDef, TypeKind, TypeRef};
use std::collections::BTreeMap;

/// Named types a type contains by value (through `Option`, not through `Vec`/map/`Box`).
fn direct_targets(ty: &TypeRef, out: &mut Vec<String>) {
    match ty {
        TypeRef::Named(n) => out.push(n.clone()),
        TypeRef::Option(inner) => direct_targets(inner, out),
        _ => {}
    }
}

fn edges(def: &TypeDef) -> Vec<String> {
    let mut out = Vec::new();
    match &def.kind {
        TypeKind::Struct { fields, .. } => {
            fields.iter().for_each(|f| direct_targets(&f.ty, &mut out))
        }
        TypeKind::Union { variants, .. } => variants
            .iter()
            .for_each(|v| direct_targets(&v.ty, &mut out)),
        TypeKind::Alias(t) => direct_targets(t, &mut out),
        TypeKind::Enum { .. } | TypeKind::Id { .. } => {}
    }
    out
}

/// Component index of every type, by Tarjan's algorithm without recursion.
fn components(types: &[TypeDef]) -> Vec<usize> {
    let index_of: BTreeMap<&str, usize> = types
        .iter()
        .enumerate()
        .map(|(i, t)| (t.name.as_str(), i))
        .collect();
    let graph: Vec<Vec<usize>> = types
        .iter()
        .map(|t| {
            edges(t)
                .iter()
                .filter_map(|n| index_of.get(n.as_str()).copied())
                .collect()
        })
        .collect();
    let n = types.len();
    let mut index = vec![usize::MAX; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut comp = vec![usize::MAX; n];
    let mut next_index = 0;
    let mut next_comp = 0;
    for root in 0..n {
        if index[root] != usize::MAX {
            continue;
        }
        let mut work: Vec<(usize, usize)> = vec![(root, 0)];
        while let Some(&mut (v, ref mut child)) = work.last_mut() {
            if *child == 0 && index[v] == usize::MAX {
                index[v] = next_index;
                low[v] = next_index;
                next_index += 1;
                stack.push(v);
                on_stack[v] = true;
            }
            if *child < graph[v].len() {
                let w = graph[v][*child];
                *child += 1;
                if index[w] == usize::MAX {
                    work.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    comp[w] = next_comp;
                    if w == v {
                        break;
                    }
                }
                next_comp += 1;
            }
        }
    }
    comp
}

fn box_in(ty: &mut TypeRef, cyclic: &dyn Fn(&str) -> bool) {
    match ty {
        TypeRef::Named(n) if cyclic(n) => {
            let inner = std::mem::replace(ty, TypeRef::Unit);
            *ty = TypeRef::Box(Box::new(inner));
        }
        TypeRef::Option(inner) => box_in(inner, cyclic),
        _ => {}
    }
}

pub(super) fn box_cycles(types: &mut [TypeDef]) {
    let comp = components(types);
    let comp_of: BTreeMap<String, usize> = types
        .iter()
        .enumerate()
        .map(|(i, t)| (t.name.clone(), comp[i]))
        .collect();
    for (i, def) in types.iter_mut().enumerate() {
        let mine = comp[i];
        let cyclic = |n: &str| comp_of.get(n) == Some(&mine);
        match &mut def.kind {
            TypeKind::Struct { fields, .. } => {
                fields.iter_mut().for_each(|f| box_in(&mut f.ty, &cyclic))
            }
            TypeKind::Union { variants, .. } => {
                variants.iter_mut().for_each(|v| box_in(&mut v.ty, &cyclic))
            }
            TypeKind::Alias(_) | TypeKind::Enum { .. } | TypeKind::Id { .. } => {}
        }
    }
}
