//! Sample values that satisfy a schema: arguments a validating server must accept. The
//! client's docs show them in each method's example (required parameters and bodies, built
//! always); the conformance driver calls every operation with them, optional parameters
//! included, when it asks ([`crate::pipeline::Backend::wants_samples`]).
//!
//! The first that applies wins: the schema's `example`, its `default`, its first `enum`
//! value, then a value built from the type and its constraints (format, length, range,
//! `multipleOf`, item counts). Objects get their required properties, and in the `full`
//! sample every property; `readOnly` properties are left out, as a request must not send
//! them. `allOf` parts are merged, `oneOf`/`anyOf` take their first alternative.

use super::Lowerer;
use openapiv3::{
    AdditionalProperties, ArrayType, IntegerType, NumberType, ReferenceOr, Schema, SchemaKind,
    StringFormat, StringType, Type, VariantOrUnknownOrEmpty,
};
use serde_json::{Map, Value, json};

/// Nesting depth after which a sample stops (recursive schemas).
const MAX_DEPTH: usize = 12;

impl<'a> Lowerer<'a> {
    /// A value of `schema`: with every property when `full`, with the required ones only
    /// otherwise.
    pub(super) fn sample(&self, schema: &'a ReferenceOr<Schema>, full: bool) -> Value {
        self.sample_at(schema, full, 0)
    }

    fn sample_at(&self, schema: &'a ReferenceOr<Schema>, full: bool, depth: usize) -> Value {
        self.sample_also(schema, full, depth, &[])
    }

    /// [`Self::sample_at`] for a part of an `allOf`: `also` names the properties another
    /// part requires (`allOf: [$ref: Monitor, required: [codes]]`), which this part's
    /// sample must hold when it defines them.
    fn sample_also(
        &self,
        schema: &'a ReferenceOr<Schema>,
        full: bool,
        depth: usize,
        also: &[String],
    ) -> Value {
        match self.schema_behind(schema) {
            Some(s) if depth < MAX_DEPTH => self.sample_schema(s, full, depth, also),
            _ => Value::Null,
        }
    }

    /// The properties `schema` requires, its `allOf` parts' included (references
    /// followed, to a bounded depth).
    fn required_names(&self, schema: &'a ReferenceOr<Schema>, depth: usize, out: &mut Vec<String>) {
        let Some(s) = self.schema_behind(schema).filter(|_| depth < MAX_DEPTH) else {
            return;
        };
        let (required, parts): (&[String], &[ReferenceOr<Schema>]) = match &s.schema_kind {
            SchemaKind::Type(Type::Object(o)) => (&o.required, &[]),
            SchemaKind::AllOf { all_of } => (&[], all_of),
            SchemaKind::Any(a) => (&a.required, &a.all_of),
            _ => (&[], &[]),
        };
        out.extend(required.iter().cloned());
        for part in parts {
            self.required_names(part, depth + 1, out);
        }
    }

    /// The samples of `parts` (an `allOf`) merged into `fields`: every part sampled with
    /// the properties any part requires, which are returned. A part whose sample is not
    /// an object (a string format, say) is kept in `other` for when no part gives an
    /// object.
    fn merge_all_of(
        &self,
        parts: &'a [ReferenceOr<Schema>],
        required: &[String],
        full: bool,
        depth: usize,
        fields: &mut Map<String, Value>,
        other: &mut Option<Value>,
    ) -> Vec<String> {
        let mut also = required.to_vec();
        for part in parts {
            self.required_names(part, depth + 1, &mut also);
        }
        for part in parts {
            match self.sample_also(part, full, depth + 1, &also) {
                Value::Object(part_fields) => fields.extend(part_fields),
                Value::Null => {}
                value => {
                    other.get_or_insert(value);
                }
            }
        }
        also
    }

    /// A value for each of `names` that `value` (an object) lacks: a property required
    /// but defined by no schema (`required: [id]` alone), which a server still wants.
    fn fill_required(value: &mut Value, names: &[String]) {
        if let Value::Object(fields) = value {
            for name in names {
                if !fields.contains_key(name) {
                    fields.insert(name.clone(), json!("sample"));
                }
            }
        }
    }

    /// A sample of one of `alts`, tagged with the discriminator's value for it when `data`
    /// has a discriminator. For a `oneOf` (`exactly_one`) it is the first alternative's
    /// sample that fits no other alternative (an identifier of 32 characters is also a
    /// UUID of at most 36, which a validating server refuses), with its optional
    /// properties too if need be, else the first's.
    fn alternative(
        &self,
        alts: &'a [ReferenceOr<Schema>],
        data: &'a openapiv3::SchemaData,
        exactly_one: bool,
        full: bool,
        depth: usize,
    ) -> Value {
        let tagged = |alt: &'a ReferenceOr<Schema>, full: bool| {
            let mut value = self.sample_at(alt, full, depth + 1);
            // The discriminator names the alternative the value is.
            if let Some(d) = &data.discriminator
                && let Value::Object(fields) = &mut value
            {
                let tag = match alt {
                    ReferenceOr::Reference { reference } => d
                        .mapping
                        .iter()
                        .find(|(_, target)| *target == reference)
                        .map(|(tag, _)| tag.clone())
                        .or_else(|| reference.rsplit('/').next().map(str::to_string)),
                    ReferenceOr::Item(_) => None,
                };
                if let Some(tag) = tag {
                    fields.insert(d.property_name.clone(), Value::String(tag));
                }
            }
            value
        };
        let Some(first) = alts.first() else {
            return Value::Null;
        };
        let first = tagged(first, full);
        if !exactly_one || alts.len() < 2 {
            return first;
        }
        let fitting = |value: &Value| {
            alts.iter()
                .filter(|alt| self.fits_ref(value, alt, depth))
                .count()
        };
        if fitting(&first) == 1 {
            return first;
        }
        // With required properties only, alternatives of optional properties all fit `{}`;
        // the optional ones tell them apart.
        let modes: &[bool] = if full { &[true] } else { &[false, true] };
        modes
            .iter()
            .flat_map(|&mode| alts.iter().map(move |alt| (alt, mode)))
            .skip(1)
            .map(|(alt, mode)| tagged(alt, mode))
            .find(|value| fitting(value) == 1)
            .unwrap_or(first)
    }

    /// The schema a reference leads to (chains followed), without reporting: lowering
    /// has reported any reference that leads nowhere.
    pub(super) fn schema_behind(&self, mut schema: &'a ReferenceOr<Schema>) -> Option<&'a Schema> {
        for _ in 0..32 {
            match schema {
                ReferenceOr::Item(s) => return Some(s),
                ReferenceOr::Reference { reference } => {
                    schema = self.target::<Schema>(reference)?.1;
                }
            }
        }
        None
    }

    fn sample_schema(&self, s: &'a Schema, full: bool, depth: usize, also: &[String]) -> Value {
        let data = &s.schema_data;
        // An example or default that contradicts its own schema (a string `"true"` for a
        // boolean, say: published specs have them) is passed over.
        if let Some(example) = data.example.as_ref().filter(|v| self.fits(v, s)) {
            return example.clone();
        }
        if let Some(default) = data.default.as_ref().filter(|v| self.fits(v, s)) {
            return default.clone();
        }
        match &s.schema_kind {
            SchemaKind::Type(Type::String(t)) => string(t),
            SchemaKind::Type(Type::Integer(t)) => integer(t),
            SchemaKind::Type(Type::Number(t)) => number(t),
            SchemaKind::Type(Type::Boolean(t)) => t
                .enumeration
                .iter()
                .flatten()
                .next()
                .map_or(Value::Bool(true), |b| Value::Bool(*b)),
            SchemaKind::Type(Type::Array(a)) => self.array(a, full, depth),
            SchemaKind::Type(Type::Object(o)) => {
                let mut value = self.object(
                    o.properties.iter(),
                    &[&o.required, also],
                    o.min_properties,
                    &o.additional_properties,
                    full,
                    depth,
                );
                // An `allOf` part leaves the other parts' properties to them.
                if also.is_empty() {
                    Self::fill_required(&mut value, &o.required);
                }
                value
            }
            SchemaKind::AllOf { all_of } => {
                let mut merged = Map::new();
                let mut other = None;
                let required =
                    self.merge_all_of(all_of, also, full, depth, &mut merged, &mut other);
                match other {
                    Some(value) if merged.is_empty() => value,
                    _ => {
                        let mut value = Value::Object(merged);
                        if also.is_empty() {
                            Self::fill_required(&mut value, &required);
                        }
                        value
                    }
                }
            }
            SchemaKind::OneOf { one_of } => self.alternative(one_of, data, true, full, depth),
            SchemaKind::AnyOf { any_of } => self.alternative(any_of, data, false, full, depth),
            SchemaKind::Not { .. } => Value::Null,
            SchemaKind::Any(any) => self.sample_any(any, data, full, depth, also),
        }
    }

    /// A schema of keywords without one `type` or composition (`type: object` beside a
    /// `oneOf`, properties beside an `allOf`, a lone `required`): its own properties, its
    /// `allOf` parts and its first `oneOf`/`anyOf` alternative, merged.
    fn sample_any(
        &self,
        any: &'a openapiv3::AnySchema,
        data: &'a openapiv3::SchemaData,
        full: bool,
        depth: usize,
        also: &[String],
    ) -> Value {
        // `required` beside `type: array` (a defect of some specs) does not make an object.
        let object = match any.typ.as_deref() {
            None => {
                !any.properties.is_empty()
                    || !any.required.is_empty()
                    || any.min_properties.is_some()
            }
            Some(typ) => typ == "object",
        };
        let (alts, exactly_one) = if any.one_of.is_empty() {
            (&any.any_of, false)
        } else {
            (&any.one_of, true)
        };
        if !object && alts.is_empty() && any.all_of.is_empty() {
            if let Some(first) = any.enumeration.first() {
                return first.clone();
            }
            return match any.typ.as_deref() {
                Some("integer") => json!(1),
                Some("number") => json!(1.5),
                Some("boolean") => json!(true),
                Some("array") => match &any.items {
                    Some(items) => json!([self.sample_box(items, full, depth + 1)]),
                    None => json!([]),
                },
                _ => json!("sample"),
            };
        }
        let mut merged = Map::new();
        let mut other = None;
        let mut required = any.required.clone();
        required.extend(also.iter().cloned());
        if object
            && let Value::Object(fields) = self.object(
                any.properties.iter(),
                &[&required],
                any.min_properties,
                &any.additional_properties,
                full,
                depth,
            )
        {
            merged.extend(fields);
        }
        let required =
            self.merge_all_of(&any.all_of, &required, full, depth, &mut merged, &mut other);
        match self.alternative(alts, data, exactly_one, full, depth) {
            Value::Object(fields) => {
                // The alternative's own values win over a generic sample of the same name.
                for (name, value) in fields {
                    merged.insert(name, value);
                }
            }
            Value::Null => {}
            value => {
                other.get_or_insert(value);
            }
        }
        match other {
            Some(value) if merged.is_empty() && !object => value,
            _ => {
                let mut value = Value::Object(merged);
                if also.is_empty() {
                    Self::fill_required(&mut value, &required);
                }
                value
            }
        }
    }

    fn array(&self, a: &'a ArrayType, full: bool, depth: usize) -> Value {
        let count = a
            .min_items
            .unwrap_or(0)
            .max(1)
            .min(a.max_items.unwrap_or(usize::MAX));
        let first = match &a.items {
            Some(items) => self.sample_box(items, full, depth + 1),
            None => json!("sample"),
        };
        let mut values = vec![first];
        for i in 1..count {
            values.push(match &values[0] {
                // `uniqueItems`: vary strings and numbers so that the copies differ.
                Value::String(s) if a.unique_items => Value::String(format!("{s}{i}")),
                Value::Number(n) if a.unique_items => {
                    json!(n.as_f64().unwrap_or(0.0) + i as f64)
                }
                other => other.clone(),
            });
        }
        Value::Array(values)
    }

    fn sample_box(&self, s: &'a ReferenceOr<Box<Schema>>, full: bool, depth: usize) -> Value {
        match s {
            ReferenceOr::Reference { reference } => match self.target::<Schema>(reference) {
                Some((_, target)) => self.sample_at(target, full, depth),
                None => Value::Null,
            },
            ReferenceOr::Item(schema) if depth < MAX_DEPTH => {
                self.sample_schema(schema, full, depth, &[])
            }
            ReferenceOr::Item(_) => Value::Null,
        }
    }

    fn object(
        &self,
        properties: impl Iterator<Item = (&'a String, &'a ReferenceOr<Box<Schema>>)>,
        required: &[&[String]],
        min_properties: Option<usize>,
        additional: &Option<openapiv3::AdditionalProperties>,
        full: bool,
        depth: usize,
    ) -> Value {
        let mut fields = Map::new();
        let required = |name: &String| required.iter().any(|list| list.contains(name));
        for (name, schema) in properties {
            let wanted = full || required(name);
            if !wanted {
                continue;
            }
            let read_only = match schema {
                ReferenceOr::Reference { reference } => self
                    .target::<Schema>(reference)
                    .and_then(|(_, target)| self.schema_behind(target))
                    .is_some_and(|s| s.schema_data.read_only),
                ReferenceOr::Item(schema) => schema.schema_data.read_only,
            };
            if read_only && !required(name) {
                continue;
            }
            let value = self.sample_box(schema, full, depth + 1);
            fields.insert(name.clone(), value);
        }
        if fields.len() < min_properties.unwrap_or(0) {
            let value = match additional {
                Some(AdditionalProperties::Schema(s)) => self.sample_at(s, full, depth + 1),
                _ => json!("sample"),
            };
            while fields.len() < min_properties.unwrap_or(0) {
                fields.insert(format!("key{}", fields.len()), value.clone());
            }
        }
        Value::Object(fields)
    }
}

impl<'a> Lowerer<'a> {
    /// Whether `value` satisfies `schema` as far as samples need: its JSON type, `enum`,
    /// lengths, ranges and item counts, the required properties of objects, and the same
    /// for every property, item and composed schema inside (references followed, to a
    /// bounded depth). Published examples that break their own schema are common; those
    /// are passed over.
    pub(super) fn fits(&self, value: &Value, schema: &'a Schema) -> bool {
        self.fits_at(value, schema, 0)
    }

    fn fits_ref(&self, value: &Value, schema: &'a ReferenceOr<Schema>, depth: usize) -> bool {
        self.schema_behind(schema)
            .is_none_or(|s| self.fits_at(value, s, depth + 1))
    }

    fn fits_box(&self, value: &Value, schema: &'a ReferenceOr<Box<Schema>>, depth: usize) -> bool {
        match schema {
            ReferenceOr::Item(s) => self.fits_at(value, s, depth + 1),
            ReferenceOr::Reference { reference } => self
                .target::<Schema>(reference)
                .is_none_or(|(_, t)| self.fits_ref(value, t, depth)),
        }
    }

    fn fits_at(&self, value: &Value, schema: &'a Schema, depth: usize) -> bool {
        if depth > MAX_DEPTH {
            return true;
        }
        if value.is_null() {
            return schema.schema_data.nullable || matches!(schema.schema_kind, SchemaKind::Any(_));
        }
        match &schema.schema_kind {
            SchemaKind::Type(Type::String(t)) => value.as_str().is_some_and(|v| {
                let len = v.chars().count();
                (t.enumeration.is_empty() || t.enumeration.iter().flatten().any(|e| e == v))
                    && t.min_length.is_none_or(|min| len >= min)
                    && t.max_length.is_none_or(|max| len <= max)
                    && t.pattern.as_deref().is_none_or(|p| {
                        // Only a pattern the sampler can read is checked, loosely: a
                        // value of the wrong shape for a fixed-length pattern is caught.
                        super::sample_pattern::matching(p)
                            .is_none_or(|m| !fixed_length(p) || m.chars().count() == len)
                    })
            }),
            SchemaKind::Type(Type::Integer(t)) => value.as_i64().is_some_and(|v| {
                (t.enumeration.is_empty() || t.enumeration.iter().flatten().any(|e| *e == v))
                    && t.minimum.is_none_or(|min| v >= min)
                    && t.maximum.is_none_or(|max| v <= max)
            }),
            SchemaKind::Type(Type::Number(t)) => value.as_f64().is_some_and(|v| {
                t.minimum.is_none_or(|min| v >= min) && t.maximum.is_none_or(|max| v <= max)
            }),
            SchemaKind::Type(Type::Boolean(_)) => value.is_boolean(),
            SchemaKind::Type(Type::Array(a)) => value.as_array().is_some_and(|items| {
                a.min_items.is_none_or(|min| items.len() >= min)
                    && a.max_items.is_none_or(|max| items.len() <= max)
                    && a.items.as_ref().is_none_or(|schema| {
                        items.iter().all(|item| self.fits_box(item, schema, depth))
                    })
            }),
            SchemaKind::Type(Type::Object(o)) => value.as_object().is_some_and(|fields| {
                o.required.iter().all(|r| fields.contains_key(r))
                    && fields.iter().all(|(name, v)| {
                        o.properties
                            .get(name)
                            .is_none_or(|schema| self.fits_box(v, schema, depth))
                    })
            }),
            SchemaKind::AllOf { all_of } => all_of.iter().all(|s| self.fits_ref(value, s, depth)),
            SchemaKind::OneOf { one_of: alts } | SchemaKind::AnyOf { any_of: alts } => {
                alts.iter().any(|s| self.fits_ref(value, s, depth))
            }
            SchemaKind::Any(a) => {
                let alternatives = |alts: &'a [ReferenceOr<Schema>]| {
                    alts.is_empty() || alts.iter().any(|s| self.fits_ref(value, s, depth))
                };
                let composed = a.all_of.iter().all(|s| self.fits_ref(value, s, depth))
                    && alternatives(&a.one_of)
                    && alternatives(&a.any_of)
                    && (a.enumeration.is_empty() || a.enumeration.contains(value));
                composed
                    && match value.as_object() {
                        Some(fields) => {
                            a.required.iter().all(|r| fields.contains_key(r))
                                && fields.iter().all(|(name, v)| {
                                    a.properties
                                        .get(name)
                                        .is_none_or(|schema| self.fits_box(v, schema, depth))
                                })
                        }
                        None => a.properties.is_empty() && a.typ.as_deref() != Some("object"),
                    }
            }
            SchemaKind::Not { .. } => true,
        }
    }
}

/// Whether a pattern fixes the length of what it matches (anchored, no open quantifier).
fn fixed_length(pattern: &str) -> bool {
    pattern.starts_with('^')
        && pattern.ends_with('$')
        && !pattern.contains(['*', '+', '?', '|'])
        && !pattern.contains(',')
}

fn string(t: &StringType) -> Value {
    if let Some(first) = t.enumeration.iter().flatten().next() {
        return Value::String(first.clone());
    }
    let base = match &t.format {
        VariantOrUnknownOrEmpty::Item(StringFormat::DateTime) => "2024-01-02T03:04:05Z",
        VariantOrUnknownOrEmpty::Item(StringFormat::Date) => "2024-01-02",
        VariantOrUnknownOrEmpty::Item(StringFormat::Byte) => "c2FtcGxl",
        VariantOrUnknownOrEmpty::Item(StringFormat::Password) => "sample-password",
        VariantOrUnknownOrEmpty::Item(StringFormat::Binary) => "sample",
        VariantOrUnknownOrEmpty::Unknown(format) => match format.as_str() {
            "uuid" => "3f2c8a52-8c1e-4c39-9a4b-6d0e1f2a3b4c",
            "email" => "user@example.com",
            "uri" | "url" | "iri" => "https://example.com/sample",
            "uri-reference" | "iri-reference" => "/sample",
            "hostname" | "idn-hostname" => "example.com",
            "ipv4" => "192.0.2.1",
            "ipv6" => "2001:db8::1",
            "time" => "03:04:05Z",
            "duration" => "P1D",
            "int32" | "int64" => "1",
            _ => "sample",
        },
        VariantOrUnknownOrEmpty::Empty => "sample",
    };
    let mut value = base.to_string();
    if let Some(pattern) = &t.pattern
        && let Some(matching) = super::sample_pattern::matching(pattern)
    {
        value = matching;
    }
    let min = t.min_length.unwrap_or(0);
    while value.chars().count() < min {
        value.push('a');
    }
    if let Some(max) = t.max_length
        && value.chars().count() > max
    {
        value = value.chars().take(max).collect();
    }
    Value::String(value)
}

fn integer(t: &IntegerType) -> Value {
    if let Some(first) = t.enumeration.iter().flatten().next() {
        return json!(first);
    }
    let mut value: i64 = 1;
    if let Some(min) = t.minimum {
        value = if t.exclusive_minimum { min + 1 } else { min };
    }
    if let Some(max) = t.maximum {
        let max = if t.exclusive_maximum { max - 1 } else { max };
        if value > max {
            value = max;
        }
    }
    if let Some(step) = t.multiple_of
        && step > 0
        && value % step != 0
    {
        value += step - value.rem_euclid(step);
    }
    json!(value)
}

fn number(t: &NumberType) -> Value {
    if let Some(first) = t.enumeration.iter().flatten().next() {
        return json!(first);
    }
    let mut value = 1.0_f64;
    if let Some(min) = t.minimum {
        value = if t.exclusive_minimum { min + 1.0 } else { min };
    }
    if let Some(max) = t.maximum {
        let max = if t.exclusive_maximum { max - 1.0 } else { max };
        if value > max {
            value = max;
        }
    }
    if let Some(step) = t.multiple_of
        && step > 0.0
    {
        value = (value / step).ceil() * step;
    }
    if value.fract() == 0.0 && value.abs() < 1e15 {
        json!(value as i64)
    } else {
        json!(value)
    }
}
