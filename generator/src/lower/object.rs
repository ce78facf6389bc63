//! Object shapes: `allOf` merging and structs.

use super::Lowerer;
use crate::diag::{Diagnostic, child};
use crate::ir::{AdditionalField, Field, TypeKind, TypeRef};
use crate::naming::{NameSet, camel, snake, unraw};
use indexmap::IndexMap;
use openapiv3::{AdditionalProperties, ReferenceOr, Schema, SchemaKind, Type};

use super::schema::MAX_DEPTH;

/// An object shape after `allOf` members have been merged.
#[derive(Default, Clone)]
pub(super) struct ObjectShape<'a> {
    pub properties: IndexMap<String, &'a ReferenceOr<Box<Schema>>>,
    pub required: Vec<String>,
    pub additional: Option<&'a AdditionalProperties>,
    pub description: Option<String>,
}

impl<'a> Lowerer<'a> {
    /// Merge a schema (and, recursively, its `allOf` members) into one object shape.
    /// Later members override earlier ones, so the most specific definition wins.
    pub(super) fn object_shape(
        &mut self,
        s: &'a Schema,
        pointer: &str,
        depth: usize,
    ) -> ObjectShape<'a> {
        let mut shape = ObjectShape {
            description: s.schema_data.description.clone(),
            ..ObjectShape::default()
        };
        if depth > MAX_DEPTH {
            return shape;
        }
        let merge_members = |this: &mut Self,
                             shape: &mut ObjectShape<'a>,
                             members: &'a [ReferenceOr<Schema>],
                             at: &str| {
            for (i, member) in members.iter().enumerate() {
                let member_pointer = child(at, &i.to_string());
                if let Some((resolved, _)) = this.resolve(member, &member_pointer) {
                    let inner = this.object_shape(resolved, &member_pointer, depth + 1);
                    for property in merge(shape, inner) {
                        if this.in_error_body {
                            continue;
                        }
                        this.diags.push(
                            Diagnostic::warning(
                                at,
                                format!("`allOf` members allow no common value for property `{property}` (their `enum`s are disjoint), so no payload can satisfy them; the last member's definition is used"),
                            )
                            .with_hint("use `oneOf` for alternatives, or drop the contradicting member"),
                        );
                    }
                }
            }
        };
        match &s.schema_kind {
            SchemaKind::Type(Type::Object(o)) => {
                for (k, v) in &o.properties {
                    shape.properties.insert(k.clone(), v);
                }
                shape.required.extend(o.required.iter().cloned());
                shape.additional = o.additional_properties.as_ref();
            }
            SchemaKind::AllOf { all_of } => {
                merge_members(self, &mut shape, all_of, &child(pointer, "allOf"))
            }
            SchemaKind::Any(a) => {
                merge_members(self, &mut shape, &a.all_of, &child(pointer, "allOf"));
                for (k, v) in &a.properties {
                    shape.properties.insert(k.clone(), v);
                }
                shape.required.extend(a.required.iter().cloned());
                if a.additional_properties.is_some() {
                    shape.additional = a.additional_properties.as_ref();
                }
            }
            _ => {}
        }
        shape
    }

    pub(super) fn struct_kind(
        &mut self,
        shape: ObjectShape<'a>,
        name: &str,
        pointer: &str,
    ) -> TypeKind {
        let mut names = NameSet::new();
        let mut fields = Vec::new();
        for (wire, prop) in &shape.properties {
            let prop_pointer = child(&child(pointer, "properties"), wire);
            let hint = format!("{name}{}", camel(wire));
            let mut ty = self.lower_boxed(prop, &hint, &prop_pointer);
            let required = shape.required.iter().any(|r| r == wire);
            if !required {
                ty = ty.option();
            }
            let rust_name = names.claim(&snake(wire), true);
            let doc = match prop {
                ReferenceOr::Item(p) => p
                    .schema_data
                    .description
                    .clone()
                    .or(p.schema_data.title.clone()),
                ReferenceOr::Reference { reference } => self.reference_description(reference),
            };
            fields.push(Field {
                wire_name: wire.clone(),
                rust_name,
                ty,
                required,
                doc,
            });
        }
        let additional = match shape.additional {
            Some(AdditionalProperties::Any(true)) => Some(TypeRef::Json),
            Some(AdditionalProperties::Schema(schema)) => Some(self.lower_ref(
                schema,
                &format!("{name}Value"),
                &child(pointer, "additionalProperties"),
            )),
            _ => None,
        };
        let additional = additional.map(|ty| AdditionalField {
            rust_name: additional_field_name(&fields),
            ty,
        });
        TypeKind::Struct { fields, additional }
    }

    /// Description of a referenced component, used when a property has none of its own.
    fn reference_description(&self, reference: &'a str) -> Option<String> {
        match self.component::<Schema>(reference)?.1 {
            ReferenceOr::Item(s) => s
                .schema_data
                .description
                .clone()
                .or(s.schema_data.title.clone()),
            ReferenceOr::Reference { .. } => None,
        }
    }
}

/// The name of the field holding the properties not named in the schema:
/// `additional_properties`, with an `_` appended for each named field already called so.
fn additional_field_name(fields: &[Field]) -> String {
    let mut name = String::from("additional_properties");
    while fields.iter().any(|f| unraw(&f.rust_name) == name) {
        name.push('_');
    }
    name
}

/// Merge `from` into `into` (later definitions win); returns the properties whose two
/// definitions cannot both hold.
fn merge<'a>(into: &mut ObjectShape<'a>, from: ObjectShape<'a>) -> Vec<String> {
    let mut conflicts = Vec::new();
    for (k, v) in from.properties {
        if let Some(previous) = into.properties.get(&k)
            && let (Some(a), Some(b)) = (enum_values(previous), enum_values(v))
            && !a.iter().any(|x| b.contains(x))
        {
            conflicts.push(k.clone());
        }
        into.properties.insert(k, v);
    }
    for r in from.required {
        if !into.required.contains(&r) {
            into.required.push(r);
        }
    }
    if from.additional.is_some() {
        into.additional = from.additional;
    }
    if into.description.is_none() {
        into.description = from.description;
    }
    conflicts
}

/// The allowed values of an inline schema with an `enum`, as JSON.
fn enum_values(schema: &ReferenceOr<Box<Schema>>) -> Option<Vec<serde_json::Value>> {
    use serde_json::Value;
    let ReferenceOr::Item(s) = schema else {
        return None;
    };
    let values: Vec<Value> = match &s.schema_kind {
        SchemaKind::Type(Type::Boolean(b)) => b
            .enumeration
            .iter()
            .map(|v| v.map_or(Value::Null, Value::Bool))
            .collect(),
        SchemaKind::Type(Type::String(t)) => t
            .enumeration
            .iter()
            .map(|v| v.clone().map_or(Value::Null, Value::String))
            .collect(),
        SchemaKind::Type(Type::Integer(t)) => t
            .enumeration
            .iter()
            .map(|v| v.map_or(Value::Null, Value::from))
            .collect(),
        SchemaKind::Any(a) => a.enumeration.clone(),
        _ => return None,
    };
    (!values.is_empty()).then_some(values)
}
