//! Usage examples in the docs: Rust source for the spec-valid values `lower` sampled
//! (examples, enums, formats, defaults, lengths), each method's `# Example`, and the calls
//! the crate README shows.

use crate::ir::{Operation, Resource, ResponseBody, TypeDef, TypeKind, TypeRef};
use serde_json::Value;

/// What the sampler gives a string the spec says nothing about.
const SAMPLE: &str = "sample";
/// Nesting depth after which a value is not written out.
const MAX_DEPTH: usize = 6;
/// A value longer than this (in characters of source) is not shown.
const MAX_LEN: usize = 1200;

/// Writes values of the crate's types as Rust expressions, for code outside the crate.
#[derive(Clone, Copy)]
pub(super) struct Values<'a> {
    pub types: &'a [TypeDef],
    /// The crate's name as a Rust path root (`cloudflare_client_certificates`).
    pub krate: &'a str,
    /// Whether models are written `models::X`, for an example that imports
    /// `<crate>::models`, rather than by their full path.
    pub short_models: bool,
}

impl Values<'_> {
    /// Rust source of `value` as a `ty`, when it can be written plainly.
    pub fn literal(&self, value: &Value, ty: &TypeRef) -> Option<String> {
        let text = self.at(value, ty, 0)?;
        (text.len() <= MAX_LEN).then_some(text)
    }

    /// Rust source of a positional argument: a string parameter takes `impl Into<String>`,
    /// so a plain literal.
    pub fn argument(&self, value: &Value, ty: &TypeRef) -> Option<String> {
        match ty {
            TypeRef::String => str_of(value),
            // Identifiers are taken by reference.
            TypeRef::Named(name) if self.is_id(name) => {
                Some(format!("&{}", self.literal(value, ty)?))
            }
            _ => self.literal(value, ty),
        }
    }

    /// Whether `name` is an identifier newtype (`ZoneId`).
    fn is_id(&self, name: &str) -> bool {
        self.types
            .iter()
            .any(|t| t.name == name && matches!(t.kind, TypeKind::Id { .. }))
    }

    fn at(&self, value: &Value, ty: &TypeRef, depth: usize) -> Option<String> {
        if depth > MAX_DEPTH {
            return None;
        }
        Some(match ty {
            TypeRef::String => format!("{}.to_string()", str_of(value)?),
            TypeRef::Bool => value.as_bool()?.to_string(),
            TypeRef::I32 | TypeRef::I64 => value.as_i64()?.to_string(),
            TypeRef::U32 | TypeRef::U64 => value.as_u64()?.to_string(),
            TypeRef::F32 | TypeRef::F64 => {
                let n = value.as_f64()?;
                if n.is_finite() && n.fract() == 0.0 && n.abs() < 1e15 {
                    format!("{n:.1}")
                } else if n.is_finite() {
                    format!("{n}")
                } else {
                    return None;
                }
            }
            TypeRef::DateTime => format!(
                "{}.parse().expect(\"an RFC 3339 date-time\")",
                string_literal(value.as_str()?)?
            ),
            TypeRef::Date => format!(
                "{}.parse().expect(\"a date\")",
                string_literal(value.as_str()?)?
            ),
            TypeRef::Json => {
                let text = serde_json::to_string(value).ok()?;
                // JSON's `\u00e9` escapes are not Rust's; such values are not shown.
                if text.contains("\\u") {
                    return None;
                }
                format!("{}::serde_json::json!({text})", self.krate)
            }
            TypeRef::Bytes => match value {
                Value::String(s) => format!("{}.to_vec()", byte_literal(s)?),
                Value::Array(items) => {
                    let bytes: Option<Vec<u8>> = items
                        .iter()
                        .map(|b| b.as_u64().and_then(|b| u8::try_from(b).ok()))
                        .collect();
                    let bytes = bytes?;
                    match std::str::from_utf8(&bytes) {
                        Ok(text) if text.chars().all(|c| c.is_ascii_graphic() || c == ' ') => {
                            format!("{}.to_vec()", byte_literal(text)?)
                        }
                        _ => {
                            let list: Vec<String> = bytes.iter().map(u8::to_string).collect();
                            format!("vec![{}]", list.join(", "))
                        }
                    }
                }
                _ => return None,
            },
            TypeRef::File => format!(
                "{}::File::from_bytes({})",
                self.krate,
                self.at(value, &TypeRef::Bytes, depth + 1)?
            ),
            TypeRef::Unit => return None,
            TypeRef::Option(inner) => match value {
                Value::Null => "None".to_string(),
                other => format!("Some({})", self.at(other, inner, depth)?),
            },
            TypeRef::Box(inner) => format!("Box::new({})", self.at(value, inner, depth)?),
            TypeRef::Vec(item) => {
                let items = value.as_array()?;
                if items.is_empty() {
                    "Vec::new()".to_string()
                } else {
                    let items: Option<Vec<String>> =
                        items.iter().map(|v| self.at(v, item, depth + 1)).collect();
                    format!("vec![{}]", items?.join(", "))
                }
            }
            TypeRef::Map(item) => {
                let entries = value.as_object()?;
                if entries.is_empty() {
                    "Default::default()".to_string()
                } else {
                    let entries: Option<Vec<String>> = entries
                        .iter()
                        .map(|(k, v)| {
                            Some(format!(
                                "({}.to_string(), {})",
                                string_literal(k)?,
                                self.at(v, item, depth + 1)?
                            ))
                        })
                        .collect();
                    format!("[{}].into_iter().collect()", entries?.join(", "))
                }
            }
            TypeRef::Named(name) => self.named(value, name, depth)?,
        })
    }

    /// [`Self::at`] for a value with a name (a field, a parameter): text the spec says
    /// nothing about (the sampler's `"sample"`) is shown as the name, which says more.
    fn named_at(&self, value: &Value, ty: &TypeRef, name: &str, depth: usize) -> Option<String> {
        let text = match ty {
            TypeRef::String | TypeRef::Option(_) if value.as_str() == Some(SAMPLE) => {
                Value::String(crate::naming::unraw(name).to_string())
            }
            _ => return self.at(value, ty, depth),
        };
        self.at(&text, ty, depth)
    }

    fn named(&self, value: &Value, name: &str, depth: usize) -> Option<String> {
        let def = self.types.iter().find(|t| t.name == name)?;
        let models = if self.short_models {
            "models".to_string()
        } else {
            format!("{}::models", self.krate)
        };
        let path = format!("{models}::{name}");
        Some(match &def.kind {
            TypeKind::Struct { fields, additional } => {
                let object = value.as_object()?;
                let mut inits = Vec::new();
                for f in fields {
                    let init = match object.get(&f.wire_name) {
                        Some(v) => self.named_at(v, &f.ty, &f.rust_name, depth + 1)?,
                        None if f.ty.is_option() => "None".to_string(),
                        None if f.ty.has_empty_default() => "Default::default()".to_string(),
                        None => return None,
                    };
                    // A value over several lines is indented under its field.
                    let init = init.replace('\n', "\n    ");
                    inits.push(format!("    {}: {init},", f.rust_name));
                }
                if let Some(extra) = additional {
                    inits.push(format!("    {}: Default::default(),", extra.rust_name));
                }
                if inits.is_empty() {
                    format!("{path} {{}}")
                } else {
                    format!("{path} {{\n{}\n}}", inits.join("\n"))
                }
            }
            TypeKind::Enum { variants } => {
                let wire = value.as_str()?;
                let variant = variants.iter().find(|v| v.wire == wire)?;
                format!("{path}::{}", variant.rust_name)
            }
            TypeKind::Union { variants, .. } => variants.iter().find_map(|v| {
                let inner = self.at(value, &v.ty, depth + 1)?;
                Some(format!("{path}::{}({inner})", v.rust_name))
            })?,
            TypeKind::Alias(target) => self.at(value, target, depth + 1)?,
            TypeKind::Id { .. } => format!("{path}::new({})", str_of(value)?),
        })
    }
}

/// A string literal of a sample meant as text (a number or a boolean is written as one).
fn str_of(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => string_literal(s),
        Value::Number(n) => Some(format!("\"{n}\"")),
        Value::Bool(b) => Some(format!("\"{b}\"")),
        _ => None,
    }
}

/// A Rust string literal of `text` (escaped as `Debug` escapes it), or `None` for text
/// too long to show.
fn string_literal(text: &str) -> Option<String> {
    (text.len() <= MAX_LEN).then(|| format!("{text:?}"))
}

/// A Rust byte-string literal of ASCII `text`.
fn byte_literal(text: &str) -> Option<String> {
    text.is_ascii().then(|| format!("b{text:?}"))
}

/// The positional arguments of an operation, written from its samples: required
/// parameters, then a required body that is not built field by field. `None` when one
/// cannot be written.
pub(super) fn arguments(values: Values, op: &Operation) -> Option<Vec<String>> {
    let mut args = Vec::new();
    for p in op.params.iter().filter(|p| p.required) {
        let sample = match &p.sample {
            Some(Value::String(s)) if s == SAMPLE => None,
            other => other.clone(),
        };
        let sample =
            sample.unwrap_or_else(|| Value::String(crate::naming::unraw(&p.rust_name).to_string()));
        args.push(values.argument(&sample, &p.ty)?);
    }
    if let Some(body) = &op.body
        && body.required
        && body.setters.is_empty()
    {
        let sample = body.samples.as_ref()?;
        args.push(values.argument(&sample.required, &body.ty)?);
    }
    Some(args)
}

/// `client.<resource>().<method>(<arguments>)`, when the arguments can be written.
pub(super) fn call(values: Values, resource: &Resource, op: &Operation) -> Option<String> {
    let args = arguments(values, op)?;
    let joined = args.join(", ");
    let args = if joined.contains('\n') || joined.len() > 60 {
        // One argument per line, each indented once more than the call.
        let lines: Vec<String> = args
            .iter()
            .map(|a| format!("    {},", a.replace('\n', "\n    ")))
            .collect();
        format!("\n{}\n", lines.join("\n"))
    } else {
        joined
    };
    let setters = body_setters(values, op);
    Some(format!(
        "client.{}().{}({args}){setters}",
        crate::naming::unraw(&resource.module),
        op.method_name
    ))
}

/// The setters of a body built field by field, for the fields its sample sets (the spec's
/// example, or the required fields): `.reactivate(true)`.
fn body_setters(values: Values, op: &Operation) -> String {
    let Some(body) = &op.body else {
        return String::new();
    };
    let (Some(samples), TypeRef::Named(name)) = (&body.samples, &body.ty) else {
        return String::new();
    };
    let Value::Object(sample) = &samples.required else {
        return String::new();
    };
    let fields = values
        .types
        .iter()
        .find(|t| &t.name == name)
        .and_then(|t| match &t.kind {
            TypeKind::Struct { fields, .. } => Some(fields.as_slice()),
            _ => None,
        })
        .unwrap_or_default();
    let mut out = String::new();
    for setter in &body.setters {
        let Some(field) = fields.iter().find(|f| f.rust_name == setter.field) else {
            continue;
        };
        let Some(value) = sample.get(&field.wire_name) else {
            continue;
        };
        if let Some(value) = values.literal(value, &setter.ty) {
            out.push_str(&format!(".{}({value})", setter.method));
        }
    }
    out
}

/// A method's `# Example`: a compiled (`no_run`) call with spec-valid arguments; a list
/// with pages reads them all through `stream()`.
pub(super) fn method_example(
    values: Values,
    resource: &Resource,
    op: &Operation,
) -> Option<String> {
    let krate = values.krate;
    let call = call(values, resource, op)?;
    let body = if op.pagination.is_some() {
        format!(
            "use {krate}::TryStreamExt;\n\nlet mut items = {call}.stream();\nwhile let Some(item) = items.try_next().await? {{\n    println!(\"{{item:?}}\");\n}}"
        )
    } else if matches!(op.response, ResponseBody::EventStream { .. }) {
        format!(
            "use {krate}::TryStreamExt;\n\nlet mut events = {call}.await?;\nwhile let Some(event) = events.try_next().await? {{\n    println!(\"{{}}: {{:?}}\", event.event, event.data);\n}}"
        )
    } else if matches!(op.response, ResponseBody::Bytes { .. }) {
        format!(
            "use {krate}::TryStreamExt;\n\n// `.await` gives the whole body (within `max_response_bytes`); `download()` reads it as it arrives.\nlet mut body = {call}.download().await?;\nwhile let Some(chunk) = body.try_next().await? {{\n    println!(\"{{}} bytes\", chunk.len());\n}}"
        )
    } else {
        format!("let result = {call}.await?;\nprintln!(\"{{result:?}}\");")
    };
    Some(format!(
        "```no_run\n# async fn example(client: {krate}::Client) -> Result<(), {krate}::Error> {{\n{body}\n# Ok(())\n# }}\n```"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{EnumVariant, Field};
    use serde_json::json;

    fn types() -> Vec<TypeDef> {
        vec![
            TypeDef {
                name: "ZoneId".into(),
                origin: String::new(),
                doc: None,
                kind: TypeKind::Id {
                    params: vec!["zone_id".into()],
                },
            },
            TypeDef {
                name: "Status".into(),
                origin: String::new(),
                doc: None,
                kind: TypeKind::Enum {
                    variants: vec![EnumVariant {
                        wire: "pending_revocation".into(),
                        rust_name: "PendingRevocation".into(),
                        doc: None,
                    }],
                },
            },
            TypeDef {
                name: "Cert".into(),
                origin: String::new(),
                doc: None,
                kind: TypeKind::Struct {
                    fields: vec![
                        Field {
                            wire_name: "csr".into(),
                            rust_name: "csr".into(),
                            ty: TypeRef::String,
                            required: true,
                            doc: None,
                        },
                        Field {
                            wire_name: "days".into(),
                            rust_name: "days".into(),
                            ty: TypeRef::I64,
                            required: true,
                            doc: None,
                        },
                        Field {
                            wire_name: "status".into(),
                            rust_name: "status".into(),
                            ty: TypeRef::Named("Status".into()).option(),
                            required: false,
                            doc: None,
                        },
                        Field {
                            wire_name: "tags".into(),
                            rust_name: "tags".into(),
                            ty: TypeRef::Vec(Box::new(TypeRef::String)).option(),
                            required: false,
                            doc: None,
                        },
                    ],
                    additional: None,
                },
            },
        ]
    }

    #[test]
    fn values_are_written_from_samples() {
        let types = types();
        let values = Values {
            types: &types,
            krate: "api",
            short_models: false,
        };
        let cert = json!({"csr": "-----BEGIN\nX", "days": 3650, "status": "pending_revocation"});
        assert_eq!(
            values
                .literal(&cert, &TypeRef::Named("Cert".into()))
                .as_deref(),
            Some(
                "api::models::Cert {\n    csr: \"-----BEGIN\\nX\".to_string(),\n    days: 3650,\n    status: Some(api::models::Status::PendingRevocation),\n    tags: None,\n}"
            )
        );
        assert_eq!(
            values.argument(&json!("023e"), &TypeRef::String).as_deref(),
            Some("\"023e\"")
        );
        assert_eq!(
            values
                .argument(&json!("023e"), &TypeRef::Named("ZoneId".into()))
                .as_deref(),
            Some("&api::models::ZoneId::new(\"023e\")")
        );
        assert_eq!(
            values.literal(&json!(20), &TypeRef::F64).as_deref(),
            Some("20.0")
        );
        assert_eq!(
            values
                .literal(&json!("2024-01-02T03:04:05Z"), &TypeRef::DateTime)
                .as_deref(),
            Some("\"2024-01-02T03:04:05Z\".parse().expect(\"an RFC 3339 date-time\")")
        );
        // A value the type cannot hold, or an enum value the spec does not list, is not
        // written.
        assert_eq!(values.literal(&json!("x"), &TypeRef::I64), None);
        assert_eq!(
            values.literal(&json!("gone"), &TypeRef::Named("Status".into())),
            None
        );
        // Text the spec says nothing about is shown by its field's name.
        let plain = values
            .literal(
                &json!({"csr": "sample", "days": 1}),
                &TypeRef::Named("Cert".into()),
            )
            .unwrap_or_default();
        assert!(plain.contains("csr: \"csr\".to_string(),"), "{plain}");
        // A required field without a sample cannot be written either.
        assert_eq!(
            values.literal(&json!({"csr": "x"}), &TypeRef::Named("Cert".into())),
            None
        );
    }
}
