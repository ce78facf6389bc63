//! One cargo feature per resource, so a user compiles only what they use: every model is
//! gated behind the features of the resources that reach it.

use crate::ir::{Api, ResponseBody, TypeDef, TypeKind, TypeRef};
use crate::naming::unraw;
use proc_macro2::TokenStream;
use quote::quote;
use std::collections::{BTreeMap, BTreeSet};

/// The feature of the models no operation uses.
const ALL_MODELS: &str = "all_models";

pub struct Features {
    /// Every feature (one per resource), sorted.
    pub all: Vec<String>,
    /// Type name → features of the resources that use it (directly or through other types).
    users: BTreeMap<String, BTreeSet<String>>,
}

fn named(ty: &TypeRef, out: &mut Vec<String>) {
    match ty {
        TypeRef::Named(n) => out.push(n.clone()),
        TypeRef::Vec(i) | TypeRef::Map(i) | TypeRef::Option(i) | TypeRef::Box(i) => named(i, out),
        _ => {}
    }
}

fn children(def: &TypeDef) -> Vec<String> {
    let mut out = Vec::new();
    match &def.kind {
        TypeKind::Struct { fields, additional } => {
            fields.iter().for_each(|f| named(&f.ty, &mut out));
            if let Some(a) = additional {
                named(&a.ty, &mut out);
            }
        }
        TypeKind::Union { variants, .. } => variants.iter().for_each(|v| named(&v.ty, &mut out)),
        TypeKind::Alias(t) => named(t, &mut out),
        TypeKind::Enum { .. } | TypeKind::Id { .. } => {}
    }
    out
}

pub fn feature_name(module: &str) -> String {
    unraw(module).trim_end_matches('_').to_string()
}

impl Features {
    pub fn new(api: &Api) -> Features {
        let defs: BTreeMap<&str, &TypeDef> =
            api.types.iter().map(|t| (t.name.as_str(), t)).collect();
        let mut users: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut all = Vec::new();
        for resource in &api.resources {
            let feature = feature_name(&resource.module);
            all.push(feature.clone());
            let mut roots = Vec::new();
            for op in &resource.operations {
                op.params.iter().for_each(|p| named(&p.ty, &mut roots));
                // Every type the resource's code names: after deduplication a body setter
                // or a page item may name an alias that the body or response type itself
                // no longer reaches.
                if let Some(b) = &op.body {
                    named(&b.ty, &mut roots);
                    b.setters.iter().for_each(|s| named(&s.ty, &mut roots));
                }
                if let ResponseBody::Json { ty, .. } | ResponseBody::EventStream { ty } =
                    &op.response
                {
                    named(ty, &mut roots);
                }
                if let ResponseBody::Statuses { variants, .. } = &op.response {
                    for ty in variants.iter().filter_map(|v| v.ty.as_ref()) {
                        named(ty, &mut roots);
                    }
                }
                if let Some(p) = &op.pagination {
                    named(&p.item, &mut roots);
                }
                for ty in op.error_responses.iter().filter_map(|e| e.ty.as_ref()) {
                    named(ty, &mut roots);
                }
            }
            let mut seen: BTreeSet<String> = BTreeSet::new();
            while let Some(name) = roots.pop() {
                if !seen.insert(name.clone()) {
                    continue;
                }
                if let Some(def) = defs.get(name.as_str()) {
                    roots.extend(children(def));
                }
            }
            for name in seen {
                users.entry(name).or_default().insert(feature.clone());
            }
        }
        // Types no operation uses (kept with `models.include = "all"`) form one more
        // feature, `all_models`, which also needs everything they refer to.
        let mut stack: Vec<String> = api
            .types
            .iter()
            .filter(|t| !users.contains_key(&t.name))
            .map(|t| t.name.clone())
            .collect();
        if !stack.is_empty() {
            all.push(ALL_MODELS.to_string());
            let mut seen = BTreeSet::new();
            while let Some(name) = stack.pop() {
                if !seen.insert(name.clone()) {
                    continue;
                }
                if let Some(def) = defs.get(name.as_str()) {
                    stack.extend(children(def));
                }
                users
                    .entry(name)
                    .or_default()
                    .insert(ALL_MODELS.to_string());
            }
        }
        all.sort();
        all.dedup();
        Features { all, users }
    }

    /// `#[cfg(...)]` for a type: none when every resource (or none) uses it.
    pub fn cfg_for_type(&self, name: &str) -> TokenStream {
        match self.users.get(name) {
            Some(set) if set.len() < self.all.len() => cfg_any(set.iter()),
            _ => TokenStream::new(),
        }
    }

    /// The `[features]` table of Cargo.toml.
    pub fn cargo_table(&self) -> String {
        let quoted: Vec<String> = self.all.iter().map(|f| format!("\"{f}\"")).collect();
        let mut out = format!("default = [{}]\n", quoted.join(", "));
        for f in &self.all {
            out.push_str(&format!("{f} = []\n"));
        }
        out
    }
}

pub fn cfg_feature(feature: &str) -> TokenStream {
    quote!(#[cfg(feature = #feature)])
}

fn cfg_any<'a>(features: impl Iterator<Item = &'a String>) -> TokenStream {
    let features: Vec<&String> = features.collect();
    match features.as_slice() {
        [one] => cfg_feature(one),
        many => quote!(#[cfg(any(#(feature = #many),*))]),
    }
}
