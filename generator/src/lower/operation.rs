//! Paths and operations → resources, operations, parameters, bodies and responses.

use super::Lowerer;
use crate::diag::{Diagnostic, child};
use crate::ir::{ErrorResponse, HttpMethod, Operation, Resource};
use crate::naming::{NameSet, camel, shouty, snake, unraw};
use indexmap::IndexMap;
use openapiv3::{Parameter, ReferenceOr, StatusCode};
use std::collections::BTreeSet;

/// Method names a resource handle already has.
const RESOURCE_RESERVED: &[&str] = &["new", "client", "clone", "fmt"];

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
                let resource_key = resource_name(&resource_key);
                let method_wanted = settings
                    .method
                    .clone()
                    .unwrap_or_else(|| snake(&operation_id));
                let names = methods
                    .entry(resource_key.clone())
                    .or_insert_with(|| NameSet::with_reserved(RESOURCE_RESERVED));
                let method_name = names.claim(&method_wanted, true);
                if unraw(&method_name) != unraw(&method_wanted) {
                    // A suffixed name would depend on the order of the paths: reordering the
                    // spec would silently swap which endpoint `get_user` calls. Only a clash
                    // with a name the resource itself uses is settled with a suffix.
                    let reserved = RESOURCE_RESERVED.contains(&unraw(&method_wanted));
                    let d = if reserved {
                        Diagnostic::warning(
                            child(&op_pointer, "operationId"),
                            format!(
                                "operation `{operation_id}` maps to method `{method_wanted}`, which resource `{resource_key}` already uses; it is named `{method_name}`"
                            ),
                        )
                    } else {
                        Diagnostic::error(
                            child(&op_pointer, "operationId"),
                            format!(
                                "operation `{operation_id}` maps to method `{method_wanted}`, which another operation of resource `{resource_key}` already has"
                            ),
                        )
                    };
                    self.diags.push(d.with_hint(format!("give it its own name in codegen.toml: `[operations.{operation_id}]` `method = \"...\"`")));
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
                let hint = match crate::diag::closest(id, seen_ids.iter().copied()) {
                    Some(near) => format!(
                        "did you mean `[operations.{near}]`? Otherwise fix the operationId or remove the entry"
                    ),
                    None => "fix the operationId or remove the entry".to_string(),
                };
                self.diags.push(
                    Diagnostic::error(
                        "",
                        format!(
                            "codegen.toml: `[operations.{id}]` names an operation that the spec does not define"
                        ),
                    )
                    .with_hint(hint),
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
        let security = self.operation_security(op, pointer);
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
            security,
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

pub(super) fn is_success(code: &StatusCode) -> bool {
    match code {
        StatusCode::Code(c) => (200..300).contains(c),
        StatusCode::Range(r) => *r == 2,
    }
}

/// Modules and accessor methods the generated crate already has; a resource by one of
/// these names (or a keyword, or `main`, which Cargo would take for a binary) gets `_api`.
const RESOURCE_NAMES_TAKEN: &[&str] = &[
    "models",
    "runtime",
    "exports",
    "profile",
    "lib",
    "main",
    "builder",
    "new",
    "from_env",
    "base_url",
    "execute",
    "execute_empty",
    "execute_bytes",
    "send",
    "attempt",
    "exchange",
    "prepare",
    "clone",
    "fmt",
    "default",
];

/// The module and accessor name of a resource.
fn resource_name(wanted: &str) -> String {
    let base = unraw(wanted).trim_end_matches('_');
    let base = if base.is_empty() { "api" } else { base };
    if crate::naming::is_keyword(base) || RESOURCE_NAMES_TAKEN.contains(&base) {
        format!("{base}_api")
    } else {
        base.to_string()
    }
}
