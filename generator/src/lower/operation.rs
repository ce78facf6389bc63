//! Paths and operations → resources, operations, parameters, bodies and responses.

use super::Lowerer;
use crate::diag::{Diagnostic, child};
use crate::ir::{
    BodyKind, BodySetter, Constraints, Envelope, ErrorResponse, HttpMethod, Operation, Pagination,
    Param, ParamLocation, RequestBody, Resource, ResponseBody, TypeKind, TypeRef,
};
use crate::naming::{NameSet, camel, shouty, snake, unraw};
use indexmap::IndexMap;
use openapiv3::{
    MediaType, Parameter, ParameterSchemaOrContent, QueryStyle, ReferenceOr, Schema, SchemaKind,
    StatusCode, Type,
};
use std::collections::BTreeSet;

/// Names a request builder already uses; parameters and body setters must avoid them.
const BUILDER_RESERVED: &[&str] = &[
    "client",
    "options",
    "body",
    "timeout",
    "max_retries",
    "header",
    "idempotent",
    "send",
    "send_with_response",
    "stream",
    "into_future",
    "build",
    "new",
];

impl<'a> Lowerer<'a> {
    pub(super) fn operations(&mut self) -> Vec<Resource> {
        let mut resources: IndexMap<String, Resource> = IndexMap::new();
        let mut seen_ids: BTreeSet<&str> = BTreeSet::new();
        let mut methods: IndexMap<String, NameSet> = IndexMap::new();
        let api = self.api;
        for (path, item) in api.paths.iter() {
            let path_pointer = child("#/paths", path);
            let item = match item {
                ReferenceOr::Item(item) => item,
                ReferenceOr::Reference { .. } => {
                    self.diags.push(
                        Diagnostic::error(
                            path_pointer,
                            "path items given as `$ref` are not supported",
                        )
                        .with_hint("inline the path item"),
                    );
                    continue;
                }
            };
            for (method, op) in item.iter() {
                let op_pointer = child(&path_pointer, method);
                if let Some(id) = &op.operation_id
                    && !seen_ids.insert(id)
                {
                    self.diags.push(
                        Diagnostic::error(
                            child(&op_pointer, "operationId"),
                            format!("duplicate operationId `{id}`"),
                        )
                        .with_hint("operationIds must be unique across the document"),
                    );
                    continue;
                }
                let Some(http_method) = http_method(method) else {
                    continue;
                };
                let operation_id = op
                    .operation_id
                    .clone()
                    .unwrap_or_else(|| format!("{method} {path}"));
                let settings = self
                    .config
                    .operations
                    .get(&operation_id)
                    .cloned()
                    .unwrap_or_default();
                let resource_key = settings
                    .resource
                    .clone()
                    .or_else(|| op.tags.first().map(|t| snake(t)))
                    .unwrap_or_else(|| {
                        path.split('/')
                            .find(|s| !s.is_empty() && !s.starts_with('{'))
                            .map(snake)
                            .unwrap_or_else(|| "api".to_string())
                    });
                let resource_key = unraw(&resource_key).trim_end_matches('_').to_string();
                let method_wanted = settings
                    .method
                    .clone()
                    .unwrap_or_else(|| snake(&operation_id));
                let names = methods
                    .entry(resource_key.clone())
                    .or_insert_with(|| NameSet::with_reserved(&["new", "client", "clone", "fmt"]));
                let method_name = names.claim(&method_wanted, true);
                if unraw(&method_name) != unraw(&method_wanted) {
                    self.diags.push(Diagnostic::warning(
                        child(&op_pointer, "operationId"),
                        format!("operation `{operation_id}` maps to method `{method_wanted}`, already used in resource `{resource_key}`; it is named `{method_name}`"),
                    ).with_hint("set a distinct `method` for it in codegen.toml"));
                }
                let lowered = self.operation(OperationInput {
                    op,
                    path,
                    path_params: &item.parameters,
                    pointer: &op_pointer,
                    http_method,
                    operation_id,
                    method_name,
                    aliases: settings.aliases.clone(),
                });
                let Some(lowered) = lowered else { continue };
                let resource = resources
                    .entry(resource_key.clone())
                    .or_insert_with(|| Resource {
                        module: resource_key.clone(),
                        type_name: camel(&resource_key),
                        doc: None,
                        operations: Vec::new(),
                    });
                if resource.doc.is_none() {
                    resource.doc = self
                        .config
                        .resources
                        .get(&resource_key)
                        .and_then(|r| r.doc.clone())
                        .or_else(|| {
                            let tag = op.tags.first()?;
                            api.tags
                                .iter()
                                .find(|t| &t.name == tag)?
                                .description
                                .clone()
                        });
                }
                resource.operations.push(lowered);
            }
        }
        for id in self.config.operations.keys() {
            if !seen_ids.contains(id.as_str()) {
                self.diags.push(
                    Diagnostic::error(
                        "",
                        format!(
                            "codegen.toml names operation `{id}`, which the spec does not define"
                        ),
                    )
                    .with_hint("fix the operationId or remove the entry"),
                );
            }
        }
        resources.into_values().collect()
    }

    fn operation(&mut self, input: OperationInput<'a, '_>) -> Option<Operation> {
        let OperationInput {
            op,
            path,
            path_params,
            pointer,
            http_method,
            operation_id,
            method_name,
            aliases,
        } = input;
        let builder_name = format!("{}Request", camel(unraw(&method_name)));
        let type_prefix = camel(unraw(&method_name));
        let mut names = NameSet::with_reserved(BUILDER_RESERVED);

        // Operation parameters override path-level ones with the same name and location.
        let mut merged: IndexMap<(String, &'static str), (&'a Parameter, String)> = IndexMap::new();
        let path_pointer = pointer
            .rsplit_once('/')
            .map_or(pointer, |(parent, _)| parent);
        for (list, at) in [
            (path_params, child(path_pointer, "parameters")),
            (&op.parameters, child(pointer, "parameters")),
        ] {
            for (i, p) in list.iter().enumerate() {
                let p_pointer = child(&at, &i.to_string());
                if let Some(param) = self.resolve_parameter(p, &p_pointer) {
                    let data = param.parameter_data_ref();
                    merged.insert(
                        (data.name.clone(), location_name(param)),
                        (param, p_pointer),
                    );
                }
            }
        }
        let mut params = Vec::new();
        for (param, p_pointer) in merged.into_values() {
            if let Some(p) = self.parameter(param, &p_pointer, &type_prefix, &mut names) {
                params.push(p);
            }
        }
        self.check_path_params(path, &params, pointer);

        let body = match &op.request_body {
            Some(b) => {
                self.request_body(b, &child(pointer, "requestBody"), &type_prefix, &mut names)
            }
            None => None,
        };
        let response = self.response(op, pointer, &type_prefix)?;
        let pagination = self.pagination(&params, &response);
        let error_responses = op
            .responses
            .responses
            .iter()
            .filter(|(code, _)| !is_success(code))
            .map(|(code, r)| ErrorResponse {
                status: code.to_string(),
                description: match r {
                    ReferenceOr::Item(r) => Some(r.description.clone()),
                    ReferenceOr::Reference { .. } => None,
                },
            })
            .chain(op.responses.default.iter().map(|_| ErrorResponse {
                status: "default".into(),
                description: None,
            }))
            .collect();
        Some(Operation {
            const_name: shouty(unraw(&method_name)),
            builder_name,
            operation_id,
            method_name,
            http_method,
            path: path.to_string(),
            summary: op.summary.clone(),
            description: op.description.clone(),
            doc_aliases: aliases,
            deprecated: op.deprecated,
            params,
            body,
            response,
            pagination,
            error_responses,
        })
    }

    fn resolve_parameter(
        &mut self,
        p: &'a ReferenceOr<Parameter>,
        pointer: &str,
    ) -> Option<&'a Parameter> {
        match p {
            ReferenceOr::Item(p) => Some(p),
            ReferenceOr::Reference { reference } => {
                let key = reference.strip_prefix("#/components/parameters/");
                let found = key.and_then(|k| self.api.components.as_ref()?.parameters.get(k));
                match found {
                    Some(ReferenceOr::Item(p)) => Some(p),
                    _ => {
                        self.diags.push(
                            Diagnostic::error(
                                child(pointer, "$ref"),
                                format!("parameter `$ref` `{reference}` does not resolve"),
                            )
                            .with_hint("point it at an entry of `components/parameters`"),
                        );
                        None
                    }
                }
            }
        }
    }

    fn parameter(
        &mut self,
        param: &'a Parameter,
        pointer: &str,
        type_prefix: &str,
        names: &mut NameSet,
    ) -> Option<Param> {
        let data = param.parameter_data_ref();
        let (location, explode) = match param {
            Parameter::Path { .. } => (ParamLocation::Path, false),
            Parameter::Header { .. } => (ParamLocation::Header, false),
            Parameter::Query { style, .. } => {
                if !matches!(style, QueryStyle::Form) {
                    self.diags.push(Diagnostic::warning(
                        child(pointer, "style"),
                        format!("query parameter style {style:?} is not supported; the parameter is sent in form style"),
                    ));
                }
                (ParamLocation::Query, data.explode.unwrap_or(true))
            }
            Parameter::Cookie { .. } => {
                self.diags.push(Diagnostic::warning(
                    pointer,
                    format!(
                        "cookie parameter `{}` is left out; set it with `RequestOptions::header`",
                        data.name
                    ),
                ));
                return None;
            }
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
            .resolve_schema(schema, &schema_pointer)
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
                self.resolve_schema(schema, &schema_pointer)
                    .and_then(|(s, _)| s.schema_data.description.clone())
            }),
            constraints,
            explode,
        })
    }

    fn check_path_params(&mut self, path: &str, params: &[Param], pointer: &str) {
        let in_template: Vec<&str> = path
            .split('{')
            .skip(1)
            .filter_map(|s| s.split_once('}').map(|(name, _)| name))
            .collect();
        for name in &in_template {
            if !params
                .iter()
                .any(|p| p.location == ParamLocation::Path && p.wire_name == *name)
            {
                self.diags.push(
                    Diagnostic::error(pointer, format!("path template `{path}` uses `{{{name}}}`, but no path parameter `{name}` is declared"))
                        .with_hint(format!("add `- name: {name}, in: path, required: true` to the parameters")),
                );
            }
        }
        for p in params.iter().filter(|p| p.location == ParamLocation::Path) {
            if !in_template.contains(&p.wire_name.as_str()) {
                self.diags.push(
                    Diagnostic::error(
                        pointer,
                        format!(
                            "path parameter `{}` is declared but `{path}` has no `{{{}}}`",
                            p.wire_name, p.wire_name
                        ),
                    )
                    .with_hint("remove the parameter or add it to the path template"),
                );
            }
        }
    }

    fn request_body(
        &mut self,
        body: &'a ReferenceOr<openapiv3::RequestBody>,
        pointer: &str,
        type_prefix: &str,
        names: &mut NameSet,
    ) -> Option<RequestBody> {
        let body = match body {
            ReferenceOr::Item(b) => b,
            ReferenceOr::Reference { reference } => {
                let key = reference.strip_prefix("#/components/requestBodies/");
                match key.and_then(|k| self.api.components.as_ref()?.request_bodies.get(k)) {
                    Some(ReferenceOr::Item(b)) => b,
                    _ => {
                        self.diags.push(
                            Diagnostic::error(
                                child(pointer, "$ref"),
                                format!("request body `$ref` `{reference}` does not resolve"),
                            )
                            .with_hint("point it at an entry of `components/requestBodies`"),
                        );
                        return None;
                    }
                }
            }
        };
        let Some((content_type, media)) = pick_media(&body.content) else {
            self.diags.push(Diagnostic::warning(
                pointer,
                "request body without content; it is left out",
            ));
            return None;
        };
        let media_pointer = child(&child(pointer, "content"), content_type);
        let (ty, kind) = if is_json(content_type) {
            let ty = match &media.schema {
                Some(s) => self.lower_ref(
                    s,
                    &format!("{type_prefix}Body"),
                    &child(&media_pointer, "schema"),
                ),
                None => TypeRef::Json,
            };
            (ty, BodyKind::Json)
        } else {
            (TypeRef::Bytes, BodyKind::Bytes)
        };
        let setters = if kind == BodyKind::Json {
            self.body_setters(&ty, names)
        } else {
            Vec::new()
        };
        Some(RequestBody {
            ty,
            required: body.required,
            content_type: content_type.to_string(),
            kind,
            setters,
        })
    }

    /// Setters for a body whose fields are all optional (so it can start empty).
    fn body_setters(&mut self, ty: &TypeRef, names: &mut NameSet) -> Vec<BodySetter> {
        let TypeRef::Named(name) = ty else {
            return Vec::new();
        };
        let Some(def) = self.types.get(name) else {
            return Vec::new();
        };
        let TypeKind::Struct {
            fields,
            additional: None,
        } = &def.kind
        else {
            return Vec::new();
        };
        if fields.is_empty() || !fields.iter().all(|f| f.ty.is_option()) {
            return Vec::new();
        }
        fields
            .iter()
            .map(|f| BodySetter {
                field: f.rust_name.clone(),
                method: names.claim(&f.rust_name, true),
                ty: match &f.ty {
                    TypeRef::Option(inner) => (**inner).clone(),
                    other => other.clone(),
                },
                doc: f.doc.clone(),
            })
            .collect()
    }

    fn response(
        &mut self,
        op: &'a openapiv3::Operation,
        pointer: &str,
        type_prefix: &str,
    ) -> Option<ResponseBody> {
        let success = op
            .responses
            .responses
            .iter()
            .filter(|(code, _)| is_success(code))
            .min_by_key(|(code, _)| match code {
                StatusCode::Code(c) => *c,
                StatusCode::Range(r) => r * 100 + 99,
            });
        let Some((code, response)) = success else {
            return Some(ResponseBody::Empty);
        };
        let response_pointer = child(&child(pointer, "responses"), &code.to_string());
        let response = match response {
            ReferenceOr::Item(r) => r,
            ReferenceOr::Reference { reference } => {
                let key = reference.strip_prefix("#/components/responses/");
                match key.and_then(|k| self.api.components.as_ref()?.responses.get(k)) {
                    Some(ReferenceOr::Item(r)) => r,
                    _ => {
                        self.diags.push(
                            Diagnostic::error(
                                child(&response_pointer, "$ref"),
                                format!("response `$ref` `{reference}` does not resolve"),
                            )
                            .with_hint("point it at an entry of `components/responses`"),
                        );
                        return None;
                    }
                }
            }
        };
        let Some((content_type, media)) = pick_media(&response.content) else {
            return Some(ResponseBody::Empty);
        };
        if !is_json(content_type) {
            self.diags.push(Diagnostic::warning(
                child(&response_pointer, "content"),
                format!(
                    "`{content_type}` responses are not decoded yet; the operation is left out"
                ),
            ));
            return None;
        }
        let Some(schema) = &media.schema else {
            return Some(ResponseBody::Json {
                ty: TypeRef::Json,
                envelope: false,
            });
        };
        let schema_pointer = child(
            &child(&child(&response_pointer, "content"), content_type),
            "schema",
        );
        if self.envelope == Envelope::CloudflareV4
            && let Some(resolved) = self.resolve_schema(schema, &schema_pointer).map(|(s, _)| s)
        {
            let shape = self.object_shape(resolved, &schema_pointer, 0);
            if shape.properties.contains_key("success") {
                let ty = match shape.properties.get("result") {
                    Some(result) => {
                        let ty = self.lower_boxed(
                            result,
                            &format!("{type_prefix}Result"),
                            &child(&schema_pointer, "properties/result"),
                        );
                        match ty {
                            TypeRef::Option(inner) => *inner,
                            other => other,
                        }
                    }
                    None => TypeRef::Json,
                };
                return Some(ResponseBody::Json { ty, envelope: true });
            }
        }
        let ty = self.lower_ref(schema, &format!("{type_prefix}Response"), &schema_pointer);
        Some(ResponseBody::Json {
            ty,
            envelope: false,
        })
    }

    fn pagination(&self, params: &[Param], response: &ResponseBody) -> Option<Pagination> {
        let page_param = self
            .config
            .pagination
            .page_param
            .as_deref()
            .unwrap_or("page");
        let ResponseBody::Json {
            ty: TypeRef::Vec(item),
            envelope: true,
        } = response
        else {
            return None;
        };
        params
            .iter()
            .find(|p| p.location == ParamLocation::Query && p.wire_name == page_param)
            .map(|_| Pagination {
                page_param: page_param.to_string(),
                item: (**item).clone(),
            })
    }
}

struct OperationInput<'a, 'p> {
    op: &'a openapiv3::Operation,
    path: &'a str,
    path_params: &'a [ReferenceOr<Parameter>],
    pointer: &'p str,
    http_method: HttpMethod,
    operation_id: String,
    method_name: String,
    aliases: Vec<String>,
}

fn http_method(method: &str) -> Option<HttpMethod> {
    Some(match method {
        "get" => HttpMethod::Get,
        "put" => HttpMethod::Put,
        "post" => HttpMethod::Post,
        "delete" => HttpMethod::Delete,
        "options" => HttpMethod::Options,
        "head" => HttpMethod::Head,
        "patch" => HttpMethod::Patch,
        "trace" => HttpMethod::Trace,
        _ => return None,
    })
}

fn location_name(p: &Parameter) -> &'static str {
    match p {
        Parameter::Query { .. } => "query",
        Parameter::Header { .. } => "header",
        Parameter::Path { .. } => "path",
        Parameter::Cookie { .. } => "cookie",
    }
}

fn is_success(code: &StatusCode) -> bool {
    match code {
        StatusCode::Code(c) => (200..300).contains(c),
        StatusCode::Range(r) => *r == 2,
    }
}

fn is_json(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json" || essence.ends_with("+json") || essence == "*/*"
}

/// JSON if offered, else the first media type.
fn pick_media(content: &IndexMap<String, MediaType>) -> Option<(&str, &MediaType)> {
    content
        .iter()
        .find(|(k, _)| is_json(k))
        .or_else(|| content.iter().next())
        .map(|(k, v)| (k.as_str(), v))
}

fn constraints(s: &Schema) -> Constraints {
    match &s.schema_kind {
        SchemaKind::Type(Type::String(t)) => Constraints {
            min_length: t.min_length.map(|v| v as u64),
            max_length: t.max_length.map(|v| v as u64),
            ..Constraints::default()
        },
        SchemaKind::Type(Type::Integer(t)) => Constraints {
            minimum: t.minimum.map(|v| v as f64),
            maximum: t.maximum.map(|v| v as f64),
            ..Constraints::default()
        },
        SchemaKind::Type(Type::Number(t)) => Constraints {
            minimum: t.minimum,
            maximum: t.maximum,
            ..Constraints::default()
        },
        SchemaKind::Any(a) => Constraints {
            min_length: a.min_length.map(|v| v as u64),
            max_length: a.max_length.map(|v| v as u64),
            minimum: a.minimum,
            maximum: a.maximum,
        },
        _ => Constraints::default(),
    }
}
