//! Typed identifiers: every string path parameter gets a newtype in `models` (`ZoneId`,
//! `ClientCertificateId`), shared by every operation whose parameter names the same kind of
//! identifier, so `get(zone, certificate)` with the arguments swapped does not compile.
//!
//! The name comes from the parameter: `zone_id` and `zone_identifier` both give `ZoneId`; a
//! generic name (`id`, `identifier`, `uuid`, `name`, `key`, `slug`, `code`) takes the
//! collection before it (`/things/{id}` gives `ThingId`). A name a model already has gets
//! an `Id` suffix, or a number.
//!
//! The model an operation on `.../{x}` returns describes the resource `x` identifies, so
//! its `id` field gets `x`'s type too (when every such operation agrees), and
//! `get(&zone, &created.id)` needs no conversion.

use crate::ir::{Operation, ParamLocation, Resource, ResponseBody, TypeDef, TypeKind, TypeRef};
use crate::naming::{NameSet, camel};
use std::collections::BTreeMap;

const GENERIC: &[&str] = &["id", "identifier", "uuid", "name", "key", "slug", "code"];

/// The identifier type's wanted name for path parameter `wire` of `path`.
fn wanted_name(path: &str, wire: &str) -> String {
    let lower = wire.to_ascii_lowercase();
    let base = if GENERIC.contains(&lower.as_str()) {
        let before = path
            .split(&format!("{{{wire}}}"))
            .next()
            .unwrap_or_default()
            .trim_end_matches('/');
        // `/users/by-name/{name}`: the collection is `users`.
        let collection = before
            .rsplit('/')
            .find(|s| !s.starts_with("by-") && !s.starts_with("by_"))
            .unwrap_or_default();
        if collection.is_empty() || collection.contains('{') {
            wire.to_string()
        } else {
            format!("{}_{lower}", singular(collection))
        }
    } else {
        wire.to_string()
    };
    let base = match base.to_ascii_lowercase() {
        b if b.ends_with("_identifier") => format!("{}_id", &base[..base.len() - 11]),
        b if b == "identifier" => "id".to_string(),
        _ => base,
    };
    camel(&base)
}

/// `certificates` → `certificate`, `policies` → `policy`, `boxes` → `box`; other words
/// unchanged.
fn singular(word: &str) -> String {
    const ES: &[&str] = &["sses", "shes", "ches", "xes", "zes", "uses"];
    if let Some(stem) = word.strip_suffix("ies") {
        format!("{stem}y")
    } else if ES.iter().any(|end| word.ends_with(end)) {
        word[..word.len() - 2].to_string()
    } else if word.ends_with("ss") || word.ends_with("us") {
        word.to_string()
    } else if let Some(stem) = word.strip_suffix('s') {
        stem.to_string()
    } else {
        word.to_string()
    }
}

/// Follows aliases from `ty` to the type they name.
fn resolve<'t>(
    ty: &'t TypeRef,
    types: &'t BTreeMap<String, usize>,
    defs: &'t [TypeDef],
) -> &'t TypeRef {
    let mut ty = ty;
    for _ in 0..32 {
        match ty {
            TypeRef::Named(n) => match types.get(n).map(|&i| &defs[i].kind) {
                Some(TypeKind::Alias(target)) => ty = target,
                _ => return ty,
            },
            _ => return ty,
        }
    }
    ty
}

/// Gives every string path parameter its identifier type, adding the types to `types`.
pub(super) fn path_ids(resources: &mut [Resource], types: &mut Vec<TypeDef>) {
    let mut names = NameSet::new();
    for def in types.iter() {
        names.claim(&def.name, false);
    }
    // Wanted name → chosen name, and the chosen type's parameters.
    let mut chosen: BTreeMap<String, String> = BTreeMap::new();
    let mut params: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let index: BTreeMap<String, usize> = types
        .iter()
        .enumerate()
        .map(|(i, d)| (d.name.clone(), i))
        .collect();
    // The model each `.../{x}` operation returns, and x's type (`None` once two disagree).
    let mut returned: BTreeMap<String, Option<String>> = BTreeMap::new();
    for op in resources.iter_mut().flat_map(|r| r.operations.iter_mut()) {
        let model = returned_model(op, &index, types);
        for p in op.params.iter_mut() {
            if p.location != ParamLocation::Path || p.ty != TypeRef::String {
                continue;
            }
            let wanted = wanted_name(&op.path, &p.wire_name);
            let name = chosen
                .entry(wanted.clone())
                .or_insert_with(|| {
                    let fallback = if wanted.ends_with("Id") {
                        format!("{wanted}Value")
                    } else {
                        format!("{wanted}Id")
                    };
                    let pick = if names.contains(&wanted) {
                        fallback
                    } else {
                        wanted
                    };
                    names.claim(&pick, false)
                })
                .clone();
            let wires = params.entry(name.clone()).or_default();
            if !wires.contains(&p.wire_name) {
                wires.push(p.wire_name.clone());
            }
            p.ty = TypeRef::Named(name.clone());
            if op.path.ends_with(&format!("/{{{}}}", p.wire_name))
                && let Some(model) = &model
            {
                returned
                    .entry(model.clone())
                    .and_modify(|seen| {
                        if seen.as_deref() != Some(name.as_str()) {
                            *seen = None;
                        }
                    })
                    .or_insert_with(|| Some(name.clone()));
            }
        }
    }
    for (model, id) in returned {
        let (Some(id), Some(&i)) = (id, index.get(&model)) else {
            continue;
        };
        let field = match &types[i].kind {
            TypeKind::Struct { fields, .. } => fields.iter().position(|f| {
                f.wire_name == "id" && {
                    let inner = match &f.ty {
                        TypeRef::Option(inner) => inner.as_ref(),
                        other => other,
                    };
                    *resolve(inner, &index, types) == TypeRef::String
                }
            }),
            _ => None,
        };
        if let (Some(f), TypeKind::Struct { fields, .. }) = (field, &mut types[i].kind) {
            let f = &mut fields[f];
            f.ty = if f.ty.is_option() {
                TypeRef::Named(id).option()
            } else {
                TypeRef::Named(id)
            };
        }
    }
    for (name, params) in params {
        types.push(TypeDef {
            origin: format!("path parameter `{}`", params.join("`, `")),
            doc: None,
            kind: TypeKind::Id { params },
            name,
        });
    }
    types.sort_by(|a, b| a.name.cmp(&b.name));
}

/// The struct an operation returns (through aliases), by name.
fn returned_model(
    op: &Operation,
    index: &BTreeMap<String, usize>,
    types: &[TypeDef],
) -> Option<String> {
    let ResponseBody::Json { ty, .. } = &op.response else {
        return None;
    };
    let mut name = match ty {
        TypeRef::Named(n) => n.clone(),
        _ => return None,
    };
    for _ in 0..32 {
        match &types[*index.get(&name)?].kind {
            TypeKind::Struct { .. } => return Some(name),
            TypeKind::Alias(TypeRef::Named(next)) => name = next.clone(),
            _ => return None,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_parameter_or_its_collection() {
        assert_eq!(wanted_name("/zones/{zone_id}/x", "zone_id"), "ZoneId");
        assert_eq!(
            wanted_name("/zones/{zone_identifier}", "zone_identifier"),
            "ZoneId"
        );
        assert_eq!(wanted_name("/things/{id}", "id"), "ThingId");
        assert_eq!(
            wanted_name("/a/policies/{identifier}", "identifier"),
            "PolicyId"
        );
        assert_eq!(wanted_name("/scripts/{name}", "name"), "ScriptName");
        assert_eq!(wanted_name("/{id}", "id"), "Id");
        assert_eq!(wanted_name("/x/{a}/{id}", "id"), "Id");
        assert_eq!(wanted_name("/hosts/{hostname}", "hostname"), "Hostname");
        assert_eq!(wanted_name("/boxes/{id}", "id"), "BoxId");
        assert_eq!(wanted_name("/addresses/{id}", "id"), "AddressId");
        assert_eq!(wanted_name("/statuses/{id}", "id"), "StatusId");
        assert_eq!(wanted_name("/users/by-name/{name}", "name"), "UserName");
    }
}
