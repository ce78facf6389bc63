//! Schemas → `TypeRef`s and `TypeDef`s.
//!
//! Component schemas get their Rust names before anything is converted, so forward and
//! cyclic references resolve to a name without recursion; each component is converted at
//! most once. Component schemas that are plain primitives (`type: string` with a
//! `maxLength`, say) are inlined as the primitive instead of becoming aliases.

use super::Lowerer;
use super::enums::string_enum;
pub(super) use super::primitive::is_nullable;
use super::primitive::{
    any_primitive, enum_value_type, gives_no_shape, integer_type, is_annotation_only,
    is_any_primitive, number_type, string_type,
};
use crate::diag::{Diagnostic, child};
use crate::ir::{TypeDef, TypeKind, TypeRef};
use crate::load::refs::{ComponentKind, percent_decode};
use crate::naming::camel;
use openapiv3::{AdditionalProperties, ReferenceOr, Schema, SchemaKind, Type};

/// Depth beyond which nested inline schemas are treated as arbitrary JSON, so a
/// pathological spec cannot overflow the stack.
pub(super) const MAX_DEPTH: usize = 24;

/// Nesting depth from which referenced components are converted later, from the top.
const DEFER_DEPTH: usize = 8;

impl<'a> Lowerer<'a> {
    /// The schema a component key names: a component's name, or (for references outside
    /// the component map) the reference itself.
    pub(super) fn schema_entry(&self, key: &str) -> Option<&'a ReferenceOr<Schema>> {
        if key.starts_with('#') {
            return self.extra.schemas.get(key);
        }
        self.api.components.as_ref()?.schemas.get(key)
    }

    /// A readable, unique type name for a reference outside the component map, from the
    /// last meaningful segments of its pointer.
    fn extra_name(&mut self, key: &'a str) -> String {
        if let Some(name) = self.component_names.get(key) {
            return name.clone();
        }
        const GENERIC: &[&str] = &[
            "schema",
            "schemas",
            "items",
            "properties",
            "content",
            "application/json",
            "allOf",
            "oneOf",
            "anyOf",
            "responses",
            "requestBody",
            "parameters",
            "components",
            "paths",
            "get",
            "put",
            "post",
            "delete",
            "patch",
            "additionalProperties",
        ];
        let decoded = percent_decode(key);
        let words: Vec<String> = decoded
            .split('/')
            .map(crate::diag::unescape_segment)
            .filter(|s| !s.is_empty() && s != "#" && !GENERIC.contains(&s.as_str()))
            .filter(|s| s.parse::<u32>().is_err())
            .collect();
        let tail: Vec<&str> = words
            .iter()
            .rev()
            .take(2)
            .rev()
            .map(String::as_str)
            .collect();
        let name = self.type_names.claim(&camel(&tail.join(" ")), false);
        self.component_names.insert(key, name.clone());
        name
    }

    /// The key of the schema a reference names (see [`Lowerer::schema_entry`]), or a
    /// diagnostic saying why there is none.
    pub(super) fn component_key(&mut self, reference: &'a str, pointer: &str) -> Option<&'a str> {
        if let Some((key, _)) = self.extra.schemas.get_key_value(reference) {
            if let Some(what) = self.extra.misplaced.get(reference) {
                self.diags.push(
                    Diagnostic::warning(
                        child(pointer, "$ref"),
                        format!("`$ref` `{reference}` points at {what} where a schema belongs (OpenAPI 3.0: a schema `$ref` names a Schema Object); the schema inside it is used"),
                    )
                    .with_hint("point the `$ref` at the schema itself, or move it to `components/schemas`"),
                );
            }
            self.extra_name(key.as_str());
            return Some(key.as_str());
        }
        let Some((ComponentKind::Schemas, key)) = ComponentKind::split(reference) else {
            let hint = if reference.starts_with('#') {
                "schemas may only reference `#/components/schemas/...`"
            } else {
                "external references are not supported; bundle the spec into one file first"
            };
            self.diags.push(
                Diagnostic::error(
                    child(pointer, "$ref"),
                    format!("unsupported `$ref` `{reference}`"),
                )
                .with_hint(hint),
            );
            return None;
        };
        let exists = self
            .api
            .components
            .as_ref()
            .is_some_and(|c| c.schemas.contains_key(key));
        if !exists {
            let near = self
                .api
                .components
                .as_ref()
                .and_then(|c| crate::diag::closest(key, c.schemas.keys().map(String::as_str)));
            let hint = match near {
                Some(near) => format!(
                    "did you mean `{}`? Otherwise define `{key}` under `components/schemas`",
                    ComponentKind::Schemas.pointer(near)
                ),
                None => format!("define `{key}` under `components/schemas`, or fix the name"),
            };
            // Read as any JSON value: what the spec says of the value is unknown, and the
            // rest of the document stays usable.
            self.diags.push(
                Diagnostic::warning(
                    child(pointer, "$ref"),
                    format!("`$ref` points to `{reference}`, which does not exist; the value is read as any JSON value"),
                )
                .with_hint(hint),
            );
            return None;
        }
        Some(key)
    }

    /// Lower a (possibly referenced) schema. `hint` names an inline type if one is needed.
    pub(super) fn lower_ref(
        &mut self,
        schema: &'a ReferenceOr<Schema>,
        hint: &str,
        pointer: &str,
    ) -> TypeRef {
        match schema {
            ReferenceOr::Item(s) => self.lower_schema(s, hint, pointer),
            ReferenceOr::Reference { reference } => self.lower_reference(reference, pointer),
        }
    }

    pub(super) fn lower_boxed(
        &mut self,
        schema: &'a ReferenceOr<Box<Schema>>,
        hint: &str,
        pointer: &str,
    ) -> TypeRef {
        match schema {
            ReferenceOr::Item(s) => self.lower_schema(s, hint, pointer),
            ReferenceOr::Reference { reference } => self.lower_reference(reference, pointer),
        }
    }

    fn lower_reference(&mut self, reference: &'a str, pointer: &str) -> TypeRef {
        let Some(key) = self.component_key(reference, pointer) else {
            return TypeRef::Json;
        };
        self.component_type(key)
    }

    /// The type a component schema lowers to, converting it on first use.
    pub(super) fn component_type(&mut self, key: &'a str) -> TypeRef {
        if let Some(done) = self.component_types.get(key) {
            return done.clone();
        }
        let Some(schema) = self.schema_entry(key) else {
            return TypeRef::Json;
        };
        let pointer = ComponentKind::Schemas.pointer(key);
        let resolved = self.resolve(schema, &pointer);
        if let Some((s, _)) = resolved
            && let Some(primitive) = self.primitive(s)
        {
            self.component_types.insert(key, primitive.clone());
            return primitive;
        }
        let name = self
            .component_names
            .get(key)
            .cloned()
            .unwrap_or_else(|| camel(key));
        let named = TypeRef::Named(name.clone());
        let nullable = matches!(schema, ReferenceOr::Item(s) if is_nullable(s));
        let result = if nullable {
            named.clone().option()
        } else {
            named.clone()
        };
        // Insert before converting, so recursive references see the name.
        self.component_types.insert(key, result.clone());
        if self.depth >= DEFER_DEPTH {
            // Convert later, from the top level, so long chains of references cannot
            // grow the stack.
            self.deferred.push(key);
            return result;
        }
        self.convert_component(key, schema, name, pointer);
        result
    }

    /// Convert a component whose name is already registered.
    pub(super) fn convert_component(
        &mut self,
        key: &'a str,
        schema: &'a ReferenceOr<Schema>,
        name: String,
        pointer: String,
    ) {
        let _ = key;
        self.depth += 1;
        match schema {
            ReferenceOr::Reference { reference } => {
                let target = self.lower_reference(reference, &pointer);
                self.define(name, pointer, None, TypeKind::Alias(target));
            }
            ReferenceOr::Item(s) => {
                // The component's own name is used by the top-level named type, if the
                // schema needs one; otherwise (arrays, maps, `allOf: [$ref]`) it is an alias.
                let outer = self.component_slot.replace((name.clone(), self.depth));
                let ty = self.lower_schema_inner(s, &name, &pointer);
                let unclaimed = matches!(self.component_slot.take(), Some((n, _)) if n == name);
                self.component_slot = outer;
                if unclaimed {
                    let doc = s
                        .schema_data
                        .description
                        .clone()
                        .or(s.schema_data.title.clone());
                    self.define(name, pointer, doc, TypeKind::Alias(ty));
                }
            }
        }
        self.depth -= 1;
    }

    /// Convert every component whose conversion was deferred.
    pub(super) fn drain_deferred(&mut self) {
        while let Some(key) = self.deferred.pop() {
            let Some(schema) = self.schema_entry(key) else {
                continue;
            };
            let name = self
                .component_names
                .get(key)
                .cloned()
                .unwrap_or_else(|| camel(key));
            let saved = std::mem::replace(&mut self.depth, 0);
            self.convert_component(key, schema, name, ComponentKind::Schemas.pointer(key));
            self.depth = saved;
        }
    }

    fn define(&mut self, name: String, origin: String, doc: Option<String>, kind: TypeKind) {
        self.types.insert(
            name.clone(),
            TypeDef {
                name,
                origin,
                doc,
                kind,
            },
        );
    }

    /// A schema that maps to a Rust primitive (no named type needed), if it is one.
    fn primitive(&self, s: &Schema) -> Option<TypeRef> {
        let ty = match &s.schema_kind {
            SchemaKind::Type(Type::String(t)) if t.enumeration.is_empty() => string_type(&t.format),
            SchemaKind::Type(Type::Integer(t)) if t.enumeration.is_empty() => {
                integer_type(&t.format)
            }
            SchemaKind::Type(Type::Integer(_)) => TypeRef::I64,
            SchemaKind::Type(Type::Number(t)) => number_type(&t.format),
            SchemaKind::Type(Type::Boolean(_)) => TypeRef::Bool,
            SchemaKind::Any(a) if is_any_primitive(a) => any_primitive(a)?,
            SchemaKind::Any(a) if !a.enumeration.is_empty() => enum_value_type(&a.enumeration)?,
            _ => return None,
        };
        Some(if s.schema_data.nullable {
            ty.option()
        } else {
            ty
        })
    }

    /// Lower an inline schema.
    pub(super) fn lower_schema(&mut self, s: &'a Schema, hint: &str, pointer: &str) -> TypeRef {
        if self.depth > MAX_DEPTH {
            self.diags.push(Diagnostic::warning(
                pointer,
                format!("schemas nested deeper than {MAX_DEPTH} levels are kept as raw JSON"),
            ));
            return TypeRef::Json;
        }
        self.depth += 1;
        let ty = self.lower_schema_inner(s, hint, pointer);
        self.depth -= 1;
        if is_nullable(s) { ty.option() } else { ty }
    }

    fn lower_schema_inner(&mut self, s: &'a Schema, hint: &str, pointer: &str) -> TypeRef {
        if let Some(p) = self.primitive(s) {
            return match p {
                TypeRef::Option(inner) => *inner,
                other => other,
            };
        }
        match &s.schema_kind {
            SchemaKind::Type(Type::Array(a)) => match &a.items {
                Some(items) => TypeRef::Vec(Box::new(self.lower_boxed(
                    items,
                    &format!("{hint}Item"),
                    &child(pointer, "items"),
                ))),
                None => TypeRef::Vec(Box::new(TypeRef::Json)),
            },
            SchemaKind::Any(a) if a.properties.is_empty() && a.items.is_some() => {
                let items = a.items.as_ref().expect("checked above");
                TypeRef::Vec(Box::new(self.lower_boxed(
                    items,
                    &format!("{hint}Item"),
                    &child(pointer, "items"),
                )))
            }
            SchemaKind::AllOf { all_of } => self.all_of_type(s, all_of, false, hint, pointer),
            // `allOf` beside keywords that only constrain or annotate (`allOf: [$ref:
            // Messages], minLength: 1, example: […]`): the same as the `allOf` alone. Merged
            // as an object, an array or a scalar member would leave an empty struct.
            SchemaKind::Any(a)
                if !a.all_of.is_empty()
                    && gives_no_shape(a)
                    && a.typ.as_deref().is_none_or(|t| t != "object")
                    && a.required.is_empty()
                    && a.not.is_none() =>
            {
                self.all_of_type(s, &a.all_of, s.schema_data.nullable, hint, pointer)
            }
            SchemaKind::OneOf { one_of: list } | SchemaKind::AnyOf { any_of: list }
                if list.len() == 1 =>
            {
                self.lower_ref(&list[0], hint, &child(pointer, "oneOf/0"))
            }
            SchemaKind::Type(Type::Object(o)) if o.properties.is_empty() => {
                map_type(self, o.additional_properties.as_ref(), hint, pointer)
            }
            SchemaKind::Any(a)
                if a.properties.is_empty()
                    && a.one_of.is_empty()
                    && a.any_of.is_empty()
                    && a.all_of.is_empty()
                    && a.enumeration.is_empty() =>
            {
                if a.additional_properties.is_some() || a.typ.as_deref() == Some("object") {
                    map_type(self, a.additional_properties.as_ref(), hint, pointer)
                } else {
                    TypeRef::Json
                }
            }
            SchemaKind::Not { .. } => TypeRef::Json,
            _ => self.named_inline(s, hint, pointer),
        }
    }

    /// The type of `allOf` members (of `s`, which may add keywords beside them).
    fn all_of_type(
        &mut self,
        s: &'a Schema,
        all_of: &'a [ReferenceOr<Schema>],
        nullable: bool,
        hint: &str,
        pointer: &str,
    ) -> TypeRef {
        // `allOf: [$ref]`, or `$ref` plus members that only annotate (description,
        // example, nullable…), is the referenced type: a new struct per use would
        // multiply types, and explode on recursive schemas.
        let real: Vec<(usize, &'a ReferenceOr<Schema>)> = all_of
            .iter()
            .enumerate()
            .filter(|(_, m)| !is_annotation_only(m))
            .collect();
        // Members that all describe the same primitive (`$ref` to a string plus
        // `type: string, readOnly: true`, say) are that primitive, not a struct.
        let same_scalar = real.len() > 1 && {
            let kinds: Vec<Option<&str>> = real.iter().map(|(_, m)| self.scalar_kind(m)).collect();
            kinds[0].is_some() && kinds.iter().all(|k| *k == kinds[0])
        };
        let real = if same_scalar { &real[..1] } else { &real[..] };
        if let [(i, single)] = real {
            let ty = self.lower_ref(single, hint, &child(pointer, &format!("allOf/{i}")));
            let nullable = nullable
                || all_of
                    .iter()
                    .any(|m| matches!(m, ReferenceOr::Item(a) if a.schema_data.nullable));
            return if nullable { ty.option() } else { ty };
        }
        self.named_inline(s, hint, pointer)
    }

    /// `string`, `integer`, `number` or `boolean` for a schema of that type alone (no
    /// composition), references followed without reporting (lowering reports them).
    fn scalar_kind(&self, member: &'a ReferenceOr<Schema>) -> Option<&'static str> {
        match &self.schema_behind(member)?.schema_kind {
            SchemaKind::Type(Type::String(_)) => Some("string"),
            SchemaKind::Type(Type::Integer(_)) => Some("integer"),
            SchemaKind::Type(Type::Number(_)) => Some("number"),
            SchemaKind::Type(Type::Boolean(_)) => Some("boolean"),
            _ => None,
        }
    }

    /// Define a named type for an inline schema that needs one.
    fn named_inline(&mut self, s: &'a Schema, hint: &str, pointer: &str) -> TypeRef {
        // The same inline schema reached again (through a recursive component, say) is
        // the same type. Keyed by address, only looked up, so output order is unaffected.
        let key = s as *const Schema as usize;
        if let Some(done) = self.inline_types.get(&key) {
            return done.clone();
        }
        let name = match self.component_slot.take() {
            Some((name, depth)) if depth == self.depth => name,
            other => {
                self.component_slot = other;
                self.type_names.claim(&camel(hint), false)
            }
        };
        self.inline_types.insert(key, TypeRef::Named(name.clone()));
        let kind = self.type_kind(s, &name, pointer);
        let doc = s
            .schema_data
            .description
            .clone()
            .or(s.schema_data.title.clone());
        self.define(name.clone(), pointer.to_string(), doc, kind);
        TypeRef::Named(name)
    }

    /// What kind of named type a schema becomes.
    fn type_kind(&mut self, s: &'a Schema, name: &str, pointer: &str) -> TypeKind {
        match &s.schema_kind {
            SchemaKind::Type(Type::String(t)) if !t.enumeration.is_empty() => {
                let values: Vec<&str> =
                    t.enumeration.iter().flatten().map(String::as_str).collect();
                string_enum(&values)
            }
            SchemaKind::Any(a) if !a.enumeration.is_empty() => {
                let values: Vec<String> = a
                    .enumeration
                    .iter()
                    .filter(|v| !v.is_null())
                    .map(|v| match v {
                        serde_json::Value::String(s) => s.clone(),
                        other => other.to_string(),
                    })
                    .collect();
                if let Some(odd) = a
                    .enumeration
                    .iter()
                    .find(|v| !v.is_string() && !v.is_null())
                {
                    let message = match a.typ.as_deref() {
                        Some(typ) => format!(
                            "`enum` of a `type: {typ}` schema lists `{odd}`, which is not a string; all values are kept as strings"
                        ),
                        None => {
                            "enum without `type` mixes non-string values; they are kept as strings"
                                .to_string()
                        }
                    };
                    self.diags.push(
                        Diagnostic::warning(child(pointer, "enum"), message)
                            .with_hint(format!("quote the value (`'{odd}'`) or remove it")),
                    );
                }
                let refs: Vec<&str> = values.iter().map(String::as_str).collect();
                if refs.is_empty() {
                    return TypeKind::Alias(TypeRef::Json);
                }
                string_enum(&refs)
            }
            SchemaKind::OneOf { one_of: list } | SchemaKind::AnyOf { any_of: list } => {
                let keyword = if matches!(s.schema_kind, SchemaKind::OneOf { .. }) {
                    "oneOf"
                } else {
                    "anyOf"
                };
                self.union(list, s, name, &child(pointer, keyword))
            }
            SchemaKind::Any(a) if !a.one_of.is_empty() || !a.any_of.is_empty() => {
                let (list, keyword) = if a.one_of.is_empty() {
                    (&a.any_of, "anyOf")
                } else {
                    (&a.one_of, "oneOf")
                };
                self.union(list, s, name, &child(pointer, keyword))
            }
            _ => {
                let shape = self.object_shape(s, pointer, 0);
                self.struct_kind(shape, name, pointer)
            }
        }
    }
}

fn map_type<'a>(
    lowerer: &mut Lowerer<'a>,
    additional: Option<&'a AdditionalProperties>,
    hint: &str,
    pointer: &str,
) -> TypeRef {
    let value = match additional {
        Some(AdditionalProperties::Schema(schema)) => lowerer.lower_ref(
            schema,
            &format!("{hint}Value"),
            &child(pointer, "additionalProperties"),
        ),
        _ => TypeRef::Json,
    };
    TypeRef::Map(Box::new(value))
}
