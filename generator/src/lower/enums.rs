//! Enums: string enums and `oneOf`/`anyOf` unions.

use super::Lowerer;
use crate::diag::{Diagnostic, child};
use crate::ir::{EnumVariant, TypeKind, TypeRef, UnionVariant};
use crate::naming::{NameSet, camel, unraw};
use openapiv3::{ReferenceOr, Schema};

impl<'a> Lowerer<'a> {
    pub(super) fn union(
        &mut self,
        list: &'a [ReferenceOr<Schema>],
        s: &'a Schema,
        name: &str,
        pointer: &str,
    ) -> TypeKind {
        let discriminator = s.schema_data.discriminator.as_ref();
        let mut names = NameSet::with_reserved(&[]);
        let mut variants = Vec::new();
        // Discriminator values already taken by an earlier member, and whether a member is
        // inline (then nothing names it, and variants are tried in order).
        let mut claimed = std::collections::BTreeSet::new();
        let mut inline = false;
        for (i, member) in list.iter().enumerate() {
            let member_pointer = child(pointer, &i.to_string());
            let ty = self.lower_ref(member, &format!("{name}Variant{}", i + 1), &member_pointer);
            let base = match (&ty, member) {
                (_, ReferenceOr::Reference { reference }) => {
                    camel(reference.rsplit('/').next().unwrap_or("Variant"))
                }
                (TypeRef::String, _) => "String".into(),
                (TypeRef::I32 | TypeRef::I64 | TypeRef::U32 | TypeRef::U64, _) => "Integer".into(),
                (TypeRef::F32 | TypeRef::F64, _) => "Number".into(),
                (TypeRef::Bool, _) => "Boolean".into(),
                (TypeRef::Vec(_), _) => "Array".into(),
                (TypeRef::Map(_), _) => "Object".into(),
                _ => format!("Variant{}", i + 1),
            };
            let rust_name = names.claim(&base, false);
            let mut tags = Vec::new();
            if let Some(d) = discriminator
                && let ReferenceOr::Reference { reference } = member
            {
                for (value, target) in &d.mapping {
                    if target == reference
                        || target.rsplit('/').next() == reference.rsplit('/').next()
                    {
                        tags.push(value.clone());
                    }
                }
                if tags.is_empty() {
                    tags.push(reference.rsplit('/').next().unwrap_or_default().to_string());
                }
                // A value that selects an earlier member (the same `$ref` listed twice)
                // selects only that one: a second match arm could never be reached.
                let taken: Vec<String> = tags
                    .iter()
                    .filter(|t| claimed.contains(*t))
                    .map(|t| format!("`{t}`"))
                    .collect();
                tags.retain(|t| claimed.insert(t.clone()));
                if !taken.is_empty() {
                    self.diags.push(Diagnostic::warning(
                        member_pointer.clone(),
                        format!(
                            "discriminator value(s) {} already select an earlier member; \
                             reading such a value gives that member, never `{rust_name}`",
                            taken.join(", ")
                        ),
                    ));
                }
            } else if discriminator.is_some() {
                inline = true;
            }
            variants.push(UnionVariant {
                rust_name,
                ty,
                tags,
            });
        }
        let discriminator = discriminator.and_then(|d| {
            if !inline {
                Some(d.property_name.clone())
            } else {
                self.diags.push(Diagnostic::warning(
                    child(pointer, "discriminator"),
                    "discriminator with inline members; variants are tried in order instead",
                ));
                None
            }
        });
        TypeKind::Union {
            variants,
            discriminator,
        }
    }
}

pub(super) fn string_enum(values: &[&str]) -> TypeKind {
    let mut names = NameSet::with_reserved(&["Unknown"]);
    let mut variants = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for value in values {
        if !seen.insert(*value) {
            continue;
        }
        let wanted = if value.is_empty() {
            "Empty".to_string()
        } else {
            camel(value)
        };
        let wanted = if wanted == "Unknown" {
            "UnknownValue".to_string()
        } else {
            wanted
        };
        variants.push(EnumVariant {
            wire: (*value).to_string(),
            rust_name: unraw(&names.claim(&wanted, false)).to_string(),
            doc: None,
        });
    }
    TypeKind::Enum { variants }
}
