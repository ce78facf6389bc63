//! Parameters: resolution, types, validation constraints, path-template checks.

use super::Lowerer;
use crate::diag::{Diagnostic, child};
use crate::ir::{Constraints, Param, ParamLocation, ParamStyle, TypeRef};
use crate::naming::{NameSet, camel, snake};
use openapiv3::{
    Parameter, ParameterSchemaOrContent, PathStyle, QueryStyle, Schema, SchemaKind, Type,
};

impl<'a> Lowerer<'a> {
    pub(super) fn parameter(
        &mut self,
        param: &'a Parameter,
        pointer: &str,
        type_prefix: &str,
        names: &mut NameSet,
    ) -> Option<Param> {
        let data = param.parameter_data_ref();
        let (location, explode, style) = match param {
            // `simple`, `label` and `matrix` are not exploded unless the spec says so.
            Parameter::Path { style, .. } => {
                let style = match style {
                    PathStyle::Simple => ParamStyle::Form,
                    PathStyle::Label => ParamStyle::Label,
                    PathStyle::Matrix => ParamStyle::Matrix,
                };
                (ParamLocation::Path, data.explode.unwrap_or(false), style)
            }
            Parameter::Header { .. } => (
                ParamLocation::Header,
                data.explode.unwrap_or(false),
                ParamStyle::Form,
            ),
            Parameter::Query { style, .. } => {
                let style = match style {
                    QueryStyle::Form => ParamStyle::Form,
                    QueryStyle::DeepObject => ParamStyle::DeepObject,
                    QueryStyle::SpaceDelimited => ParamStyle::SpaceDelimited,
                    QueryStyle::PipeDelimited => ParamStyle::PipeDelimited,
                };
                // `spaceDelimited` and `pipeDelimited` join the items: never exploded.
                let explode = match style {
                    ParamStyle::SpaceDelimited | ParamStyle::PipeDelimited => false,
                    _ => data.explode.unwrap_or(true),
                };
                (ParamLocation::Query, explode, style)
            }
            Parameter::Cookie { .. } => (ParamLocation::Cookie, false, ParamStyle::Form),
        };
        let schema = match &data.format {
            ParameterSchemaOrContent::Schema(s) => s,
            ParameterSchemaOrContent::Content(content) => {
                match content.values().next().and_then(|m| m.schema.as_ref()) {
                    Some(s) => s,
                    None => {
                        self.diags.push(Diagnostic::warning(
                            pointer,
                            format!(
                                "parameter `{}` has no schema; it is taken as a string",
                                data.name
                            ),
                        ));
                        return Some(Param {
                            wire_name: data.name.clone(),
                            rust_name: names.claim(&snake(&data.name), true),
                            location,
                            ty: TypeRef::String,
                            required: data.required,
                            doc: data.description.clone(),
                            constraints: Constraints::default(),
                            explode,
                            style,
                            sample: (self.samples || data.required)
                                .then(|| param_example(data).unwrap_or_else(|| "sample".into())),
                        });
                    }
                }
            }
        };
        let schema_pointer = child(pointer, "schema");
        let hint = format!("{type_prefix}{}", camel(&data.name));
        let mut ty = self.lower_ref(schema, &hint, &schema_pointer);
        if let TypeRef::Option(inner) = ty {
            ty = *inner;
        }
        let constraints = self
            .resolve(schema, &schema_pointer)
            .map(|(s, _)| constraints(s))
            .unwrap_or_default();
        let required = data.required || location == ParamLocation::Path;
        Some(Param {
            wire_name: data.name.clone(),
            rust_name: names.claim(&snake(&data.name), true),
            location,
            ty,
            required,
            doc: data.description.clone().or_else(|| {
                self.resolve(schema, &schema_pointer)
                    .and_then(|(s, _)| s.schema_data.description.clone())
            }),
            constraints,
            explode,
            style,
            sample: (self.samples || required).then(|| {
                let fits = |v: &serde_json::Value| {
                    self.schema_behind(schema).is_none_or(|s| self.fits(v, s))
                };
                param_example(data)
                    .filter(fits)
                    .unwrap_or_else(|| self.sample(schema, true))
            }),
        })
    }

    /// A path key with a query string (`/search?q={q}&v=2`) breaks OpenAPI 3.0, whose path
    /// keys hold only the path, but its meaning is plain: each `name={param}` pair is sent as
    /// query parameter `name` with the value of `param` (declared in the path or the query, or
    /// else a required string), and literal pairs stay in the URL. Returns the path to use.
    pub(super) fn split_query_template(
        &mut self,
        path: &str,
        params: &mut Vec<Param>,
        pointer: &str,
        names: &mut NameSet,
    ) -> String {
        let Some((path_part, query)) = path.split_once('?') else {
            return path.to_string();
        };
        let mut literal = Vec::new();
        let mut moved = Vec::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let Some(name) = value.strip_prefix('{').and_then(|v| v.strip_suffix('}')) else {
                literal.push(pair);
                continue;
            };
            moved.push(format!("`{key}`"));
            let existing = params.iter_mut().find(|p| {
                p.wire_name == name
                    && matches!(p.location, ParamLocation::Path | ParamLocation::Query)
            });
            match existing {
                Some(p) => {
                    p.location = ParamLocation::Query;
                    p.wire_name = key.to_string();
                }
                None => params.push(Param {
                    wire_name: key.to_string(),
                    rust_name: names.claim(&snake(name), true),
                    location: ParamLocation::Query,
                    ty: TypeRef::String,
                    required: true,
                    doc: Some(format!("Sent as the `{key}` query parameter.")),
                    constraints: Constraints::default(),
                    explode: true,
                    style: ParamStyle::Form,
                    sample: Some("sample".into()),
                }),
            }
        }
        self.diags.push(
            Diagnostic::warning(
                pointer.rsplit_once('/').map_or(pointer, |(parent, _)| parent),
                format!(
                    "path `{path}` holds a query string, which an OpenAPI 3.0 path key cannot; {} sent as query parameters{}",
                    if moved.is_empty() { "nothing is".to_string() } else { format!("{} are", moved.join(", ")) },
                    if literal.is_empty() { String::new() } else { format!(", and `{}` is kept in the URL", literal.join("&")) }
                ),
            )
            .with_hint("declare query parameters with `in: query` and keep the path key to the path"),
        );
        if literal.is_empty() {
            path_part.to_string()
        } else {
            format!("{path_part}?{}", literal.join("&"))
        }
    }

    /// The path template's `{names}` against the declared path parameters, each defect
    /// read with a warning: a declared parameter the template lacks is the one undeclared
    /// template name when there is exactly one of each (`ruleset_phase` for `{phase}`),
    /// else it is left out; a template name nobody declares is a required string.
    pub(super) fn check_path_params(
        &mut self,
        path: &str,
        params: &mut Vec<Param>,
        pointer: &str,
        names: &mut NameSet,
    ) {
        let in_template: Vec<&str> = path
            .split('{')
            .skip(1)
            .filter_map(|s| s.split_once('}').map(|(name, _)| name))
            .collect();
        let declared = |params: &[Param], name: &str| {
            params
                .iter()
                .any(|p| p.location == ParamLocation::Path && p.wire_name == name)
        };
        let undeclared: Vec<&str> = in_template
            .iter()
            .copied()
            .filter(|name| !declared(params, name))
            .collect();
        let absent: Vec<usize> = params
            .iter()
            .enumerate()
            .filter(|(_, p)| {
                p.location == ParamLocation::Path && !in_template.contains(&p.wire_name.as_str())
            })
            .map(|(i, _)| i)
            .collect();
        if let ([name], [i]) = (undeclared.as_slice(), absent.as_slice()) {
            let p = &mut params[*i];
            self.diags.push(
                Diagnostic::warning(
                    pointer,
                    format!(
                        "path parameter `{}` is declared but `{path}` has no `{{{}}}`; it is read as `{{{name}}}`, the one path name nothing declares",
                        p.wire_name, p.wire_name
                    ),
                )
                .with_hint(format!("rename the parameter to `{name}`")),
            );
            p.wire_name = (*name).to_string();
            return;
        }
        for name in &undeclared {
            self.diags.push(
                Diagnostic::warning(pointer, format!("path template `{path}` uses `{{{name}}}`, but no path parameter `{name}` is declared; it is read as a required string"))
                    .with_hint(format!("add `- name: {name}, in: path, required: true` to the parameters")),
            );
            params.push(Param {
                wire_name: (*name).to_string(),
                rust_name: names.claim(&snake(name), true),
                location: ParamLocation::Path,
                ty: TypeRef::String,
                required: true,
                doc: None,
                constraints: Constraints::default(),
                explode: false,
                style: ParamStyle::Form,
                sample: Some("sample".into()),
            });
        }
        for i in absent.into_iter().rev() {
            let p = params.remove(i);
            self.diags.push(
                Diagnostic::warning(
                    pointer,
                    format!(
                        "path parameter `{}` is declared but `{path}` has no `{{{}}}`; it is left out",
                        p.wire_name, p.wire_name
                    ),
                )
                .with_hint(format!(
                    "remove the parameter `{}`, or add `{{{}}}` to the path",
                    p.wire_name, p.wire_name
                )),
            );
        }
    }
}

/// The value a parameter's own `example` or first `examples` entry gives.
fn param_example(data: &openapiv3::ParameterData) -> Option<serde_json::Value> {
    data.example.clone().or_else(|| {
        data.examples.values().find_map(|e| match e {
            openapiv3::ReferenceOr::Item(e) => e.value.clone(),
            openapiv3::ReferenceOr::Reference { .. } => None,
        })
    })
}

fn constraints(s: &Schema) -> Constraints {
    let bounds = bounds(s);
    Constraints {
        default: s.schema_data.default.clone(),
        ..bounds
    }
}

fn bounds(s: &Schema) -> Constraints {
    match &s.schema_kind {
        SchemaKind::Type(Type::String(t)) => Constraints {
            min_length: t.min_length.map(|v| v as u64),
            max_length: t.max_length.map(|v| v as u64),
            pattern: t.pattern.clone(),
            ..Constraints::default()
        },
        SchemaKind::Type(Type::Integer(t)) => Constraints {
            minimum: t.minimum.map(|v| v as f64),
            maximum: t.maximum.map(|v| v as f64),
            exclusive_minimum: t.exclusive_minimum && t.minimum.is_some(),
            exclusive_maximum: t.exclusive_maximum && t.maximum.is_some(),
            ..Constraints::default()
        },
        SchemaKind::Type(Type::Number(t)) => Constraints {
            minimum: t.minimum,
            maximum: t.maximum,
            exclusive_minimum: t.exclusive_minimum && t.minimum.is_some(),
            exclusive_maximum: t.exclusive_maximum && t.maximum.is_some(),
            ..Constraints::default()
        },
        SchemaKind::Any(a) => Constraints {
            min_length: a.min_length.map(|v| v as u64),
            max_length: a.max_length.map(|v| v as u64),
            minimum: a.minimum,
            maximum: a.maximum,
            exclusive_minimum: a.exclusive_minimum == Some(true) && a.minimum.is_some(),
            exclusive_maximum: a.exclusive_maximum == Some(true) && a.maximum.is_some(),
            pattern: a.pattern.clone(),
            default: None,
        },
        _ => Constraints::default(),
    }
}
