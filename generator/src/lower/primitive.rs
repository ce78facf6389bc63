//! Which schemas are plain Rust primitives, and small predicates on schemas.

use crate::ir::TypeRef;
use openapiv3::{
    IntegerFormat, NumberFormat, ReferenceOr, Schema, SchemaKind, StringFormat, Type,
    VariantOrUnknownOrEmpty,
};

pub(super) fn string_type(format: &VariantOrUnknownOrEmpty<StringFormat>) -> TypeRef {
    match format {
        VariantOrUnknownOrEmpty::Item(StringFormat::DateTime) => TypeRef::DateTime,
        VariantOrUnknownOrEmpty::Item(StringFormat::Date) => TypeRef::Date,
        _ => TypeRef::String,
    }
}

pub(super) fn integer_type(format: &VariantOrUnknownOrEmpty<IntegerFormat>) -> TypeRef {
    match format {
        VariantOrUnknownOrEmpty::Item(IntegerFormat::Int32) => TypeRef::I32,
        _ => TypeRef::I64,
    }
}

pub(super) fn number_type(format: &VariantOrUnknownOrEmpty<NumberFormat>) -> TypeRef {
    match format {
        VariantOrUnknownOrEmpty::Item(NumberFormat::Float) => TypeRef::F32,
        _ => TypeRef::F64,
    }
}

pub(super) fn is_any_primitive(a: &openapiv3::AnySchema) -> bool {
    gives_no_shape(a) && a.all_of.is_empty()
}

/// Whether a schema without one `type` keyword gives no shape of its own besides its
/// `allOf`: no properties, items, map values, alternatives or `enum`.
pub(super) fn gives_no_shape(a: &openapiv3::AnySchema) -> bool {
    a.properties.is_empty()
        && a.items.is_none()
        && a.enumeration.is_empty()
        && a.one_of.is_empty()
        && a.any_of.is_empty()
        && a.additional_properties.is_none()
}

/// A schema without a recognised `type` keyword but with primitive hints (`format`).
pub(super) fn any_primitive(a: &openapiv3::AnySchema) -> Option<TypeRef> {
    match (a.typ.as_deref(), a.format.as_deref()) {
        (Some("string"), Some("date-time")) | (None, Some("date-time")) => Some(TypeRef::DateTime),
        (Some("string"), Some("date")) | (None, Some("date")) => Some(TypeRef::Date),
        (Some("string"), _) => Some(TypeRef::String),
        (Some("integer"), Some("int32")) => Some(TypeRef::I32),
        (Some("integer"), _) => Some(TypeRef::I64),
        (Some("number"), Some("float")) => Some(TypeRef::F32),
        (Some("number"), _) => Some(TypeRef::F64),
        (Some("boolean"), _) => Some(TypeRef::Bool),
        (None, Some("binary" | "byte" | "uuid" | "email" | "uri" | "password")) => {
            Some(TypeRef::String)
        }
        _ => None,
    }
}

/// `nullable: true`, or an enum that lists `null` among its values.
pub(super) fn is_nullable(s: &Schema) -> bool {
    s.schema_data.nullable
        || match &s.schema_kind {
            SchemaKind::Type(Type::String(t)) => t.enumeration.iter().any(Option::is_none),
            SchemaKind::Any(a) => a.enumeration.iter().any(serde_json::Value::is_null),
            _ => false,
        }
}

/// The type of an untyped enum whose values are all of one non-string JSON type
/// (`enum: [false]`, `enum: [1, 2]`, `enum: [[]]`): the plain type, not an enum.
pub(super) fn enum_value_type(values: &[serde_json::Value]) -> Option<TypeRef> {
    use serde_json::Value;
    let present: Vec<&Value> = values.iter().filter(|v| !v.is_null()).collect();
    if present.is_empty() || present.iter().any(|v| v.is_string()) {
        return None;
    }
    if present.iter().all(|v| v.is_boolean()) {
        Some(TypeRef::Bool)
    } else if present.iter().all(|v| v.is_i64() || v.is_u64()) {
        Some(TypeRef::I64)
    } else if present.iter().all(|v| v.is_number()) {
        Some(TypeRef::F64)
    } else {
        Some(TypeRef::Json)
    }
}

/// An `allOf` member that adds no structure, only annotations (description, example,
/// default, nullable, …): `{}` or a bare `type: object`.
pub(super) fn is_annotation_only(member: &ReferenceOr<Schema>) -> bool {
    let ReferenceOr::Item(s) = member else {
        return false;
    };
    match &s.schema_kind {
        SchemaKind::Any(a) => {
            a.typ.as_deref().is_none_or(|t| t == "object")
                && a.properties.is_empty()
                && a.required.is_empty()
                && a.items.is_none()
                && a.additional_properties.is_none()
                && a.enumeration.is_empty()
                && a.one_of.is_empty()
                && a.any_of.is_empty()
                && a.all_of.is_empty()
                && a.not.is_none()
                && a.format.is_none()
        }
        SchemaKind::Type(Type::Object(o)) => {
            o.properties.is_empty() && o.required.is_empty() && o.additional_properties.is_none()
        }
        _ => false,
    }
}
