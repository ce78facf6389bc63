//! Paths and operations → resources, operations, parameters, bodies and responses.

use super::Lowerer;
use crate::diag::{Diagnostic, child};
use crate::ir::{ErrorResponse, HttpMethod, Operation, Resource};
use crate::naming::{NameSet, camel, shouty, snake, unraw};
use indexmap::IndexMap;
use openapiv3::{Parameter, PathItem, ReferenceOr, StatusCode};
use std::collections::{BTreeMap, BTreeSet};

/// Method names a resource handle already has.
const RESOURCE_RESERVED: &[&str] = &["new", "client", "clone", "fmt"];

/// Names a request builder already uses; parameters and body setters must avoid them.
const BUILDER_RESERVED: &[&str] = &[
    "client",
    "options",
    "body",
    "timeout",
    "total_timeout",
    "max_retries",
    "max_response_bytes",
    "header",
    "idempotent",
    "send",
    "send_with_response",
    "stream",
    "send_blocking",
    "send_with_response_blocking",
    "iter_blocking",
    "mock_call",
    "mock_reply",
    "into_future",
    "build",
    "new",
    "wrap",
    "extra_query",
    "extra_body_field",
    "media_type",
    "raw_body",
    "download",
    "send_raw",
    "pages",
    "first_page",
];

/// One operation of the document, with the names it asks for, before any is lowered.
struct Planned<'a> {
    path: &'a str,
    item: &'a PathItem,
    op: &'a openapiv3::Operation,
    pointer: String,
    http_method: HttpMethod,
    operation_id: String,
    settings: crate::config::OperationConfig,
    resource_key: String,
    method_wanted: String,
}

impl<'a> Lowerer<'a> {
    pub(super) fn operations(&mut self) -> Vec<Resource> {
        let planned = self.plan_operations();
        let names = self.method_names(&planned);
        let mut resources: IndexMap<String, Resource> = IndexMap::new();
        let api = self.api;
        for (plan, method_name) in planned.into_iter().zip(names) {
            let lowered = self.operation(OperationInput {
                op: plan.op,
                path: plan.path,
                path_params: &plan.item.parameters,
                path_servers: &plan.item.servers,
                pointer: &plan.pointer,
                http_method: plan.http_method,
                operation_id: plan.operation_id,
                method_name,
                aliases: plan.settings.aliases.clone(),
            });
            let Some(lowered) = lowered else { continue };
            let resource_key = plan.resource_key;
            let resource = resources
                .entry(resource_key.clone())
                .or_insert_with(|| Resource {
                    module: resource_key.clone(),
                    type_name: handle_name(&resource_key),
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
                        let tag = plan.op.tags.first()?;
                        api.tags
                            .iter()
                            .find(|t| &t.name == tag)?
                            .description
                            .clone()
                    });
            }
            resource.operations.push(lowered);
        }
        resources.into_values().collect()
    }

    /// Every operation of the document in document order, with the resource and method
    /// name it asks for. Duplicate operationIds and unknown codegen.toml entries are reported.
    fn plan_operations(&mut self) -> Vec<Planned<'a>> {
        let mut planned = Vec::new();
        let mut seen_ids: BTreeSet<&str> = BTreeSet::new();
        let api = self.api;
        for (path, item) in api.paths.iter() {
            let path_pointer = child("#/paths", path);
            let Some((item, _)) = self.resolve(item, &path_pointer) else {
                continue;
            };
            for (method, op) in item.iter() {
                let op_pointer = child(&path_pointer, method);
                // A second operation of the same id is named after its method and path,
                // as one without an id is, so both stay callable.
                let duplicate = op.operation_id.as_deref().filter(|id| !seen_ids.insert(id));
                if let Some(id) = duplicate {
                    self.diags.push(
                        Diagnostic::warning(
                            child(&op_pointer, "operationId"),
                            format!("duplicate operationId `{id}`; this operation is named after its method and path instead"),
                        )
                        .with_hint("operationIds must be unique across the document"),
                    );
                }
                let Some(http_method) = HttpMethod::from_key(method) else {
                    continue;
                };
                let operation_id = match duplicate {
                    Some(_) => None,
                    None => op.operation_id.clone(),
                }
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
                        let path = path.split_once('?').map_or(path.as_str(), |(p, _)| p);
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
                planned.push(Planned {
                    path,
                    item,
                    op,
                    pointer: op_pointer,
                    http_method,
                    operation_id,
                    settings,
                    resource_key,
                    method_wanted,
                });
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
        planned
    }

    /// The method name of each planned operation, decided from the whole set at once so that
    /// no name depends on the order of the paths.
    ///
    /// Operations whose wanted names clash inside one resource are all renamed after their
    /// HTTP method and path (`get_users_by_id`), with a warning; a name chosen in codegen.toml
    /// keeps its name. Two codegen.toml names that clash are an error. Should a path-based
    /// name still clash, a short hash of the method and path is appended. A clash with a
    /// name the resource handle itself uses gets a numeric suffix.
    fn method_names(&mut self, planned: &[Planned<'a>]) -> Vec<String> {
        let mut groups: BTreeMap<(&str, &str), Vec<usize>> = BTreeMap::new();
        for (i, p) in planned.iter().enumerate() {
            groups
                .entry((p.resource_key.as_str(), unraw(&p.method_wanted)))
                .or_default()
                .push(i);
        }
        let mut chosen: Vec<String> = planned.iter().map(|p| p.method_wanted.clone()).collect();
        let mut renamed = vec![false; planned.len()];
        let mut refused = vec![false; planned.len()];
        for members in groups.values().filter(|m| m.len() > 1) {
            let explicit: Vec<usize> = members
                .iter()
                .copied()
                .filter(|&i| planned[i].settings.method.is_some())
                .collect();
            if explicit.len() > 1 {
                for &i in &explicit[1..] {
                    refused[i] = true;
                    let p = &planned[i];
                    self.diags.push(
                        Diagnostic::error(
                            child(&p.pointer, "operationId"),
                            format!(
                                "codegen.toml names operation `{}` `{}`, a method that another operation of resource `{}` is also given",
                                p.operation_id, p.method_wanted, p.resource_key
                            ),
                        )
                        .with_hint(format!(
                            "give `[operations.{}]` a `method` of its own",
                            p.operation_id
                        )),
                    );
                }
            }
            for &i in members.iter().filter(|i| !explicit.contains(i)) {
                chosen[i] = path_method_name(planned[i].http_method, planned[i].path);
                renamed[i] = true;
            }
        }
        // A path-based name may meet another operation's name: settle it by a hash suffix,
        // which depends only on the operation itself.
        let mut count: BTreeMap<(&str, String), usize> = BTreeMap::new();
        for (i, p) in planned.iter().enumerate() {
            *count
                .entry((p.resource_key.as_str(), unraw(&chosen[i]).to_string()))
                .or_default() += 1;
        }
        for (i, p) in planned.iter().enumerate() {
            let key = (p.resource_key.as_str(), unraw(&chosen[i]).to_string());
            if renamed[i] && count[&key] > 1 {
                chosen[i] = format!(
                    "{}_{:04x}",
                    unraw(&chosen[i]),
                    stable_hash(&format!("{} {}", p.http_method.as_str(), p.path)) & 0xffff
                );
            }
        }
        let mut sets: IndexMap<&str, NameSet> = IndexMap::new();
        let mut out = Vec::with_capacity(planned.len());
        for (i, p) in planned.iter().enumerate() {
            let names = sets
                .entry(p.resource_key.as_str())
                .or_insert_with(|| NameSet::with_reserved(RESOURCE_RESERVED));
            let method_name = names.claim(&chosen[i], true);
            let pointer = child(&p.pointer, "operationId");
            let hint = format!(
                "give it its own name in codegen.toml: `[operations.{}]` `method = \"...\"`",
                p.operation_id
            );
            if renamed[i] {
                self.diags.push(
                    Diagnostic::warning(
                        pointer,
                        format!(
                            "operation `{}` maps to method `{}`, which other operations of resource `{}` also map to; it is named `{method_name}` after its method and path",
                            p.operation_id, p.method_wanted, p.resource_key
                        ),
                    )
                    .with_hint(hint),
                );
            } else if unraw(&method_name) != unraw(&chosen[i]) && !refused[i] {
                self.diags.push(
                    Diagnostic::warning(
                        pointer,
                        format!(
                            "operation `{}` maps to method `{}`, which resource `{}` already uses; it is named `{method_name}`",
                            p.operation_id, chosen[i], p.resource_key
                        ),
                    )
                    .with_hint(hint),
                );
            }
            out.push(method_name);
        }
        out
    }

    fn operation(&mut self, input: OperationInput<'a, '_>) -> Option<Operation> {
        let OperationInput {
            op,
            path,
            path_params,
            path_servers,
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
                if let Some((param, _)) = self.resolve(p, &p_pointer) {
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
        let path = self.split_query_template(path, &mut params, pointer, &mut names);
        self.check_path_params(&path, &mut params, pointer, &mut names);

        let body = match &op.request_body {
            Some(b) => {
                self.request_body(b, &child(pointer, "requestBody"), &type_prefix, &mut names)
            }
            None => None,
        };
        let security = self.operation_security(op, pointer);
        let response = self.response(op, pointer, &type_prefix)?;
        let pagination = self.pagination(&params, &response);
        let mut error_responses = Vec::new();
        let responses = &op.responses;
        let declared = responses
            .responses
            .iter()
            .filter(|(code, _)| !is_success(code));
        let declared = declared
            .map(|(code, r)| (code.to_string(), r))
            .chain(responses.default.iter().map(|r| ("default".to_string(), r)));
        for (status, r) in declared {
            let r_pointer = child(&child(pointer, "responses"), &status);
            error_responses.push(ErrorResponse {
                ty: self.error_body(r, &r_pointer, &type_prefix, &status),
                description: match r {
                    ReferenceOr::Item(r) => Some(r.description.clone()),
                    ReferenceOr::Reference { .. } => None,
                },
                status,
            });
        }
        let (server, server_doc) = self
            .operation_server(op, path_servers, pointer)
            .map_or((None, None), |(url, doc)| (Some(url), Some(doc)));
        let description = match (op.description.clone(), server_doc) {
            (Some(d), Some(s)) => Some(format!("{}\n\n{s}", d.trim_end())),
            (d, s) => d.or(s),
        };
        Some(Operation {
            const_name: shouty(unraw(&method_name)),
            builder_name,
            operation_id,
            method_name,
            http_method,
            path,
            summary: op.summary.clone(),
            description,
            doc_aliases: aliases,
            deprecated: op.deprecated,
            params,
            body,
            response,
            pagination,
            error_responses,
            security,
            server,
        })
    }
}

struct OperationInput<'a, 'p> {
    op: &'a openapiv3::Operation,
    path: &'a str,
    path_params: &'a [ReferenceOr<Parameter>],
    path_servers: &'a [openapiv3::Server],
    pointer: &'p str,
    http_method: HttpMethod,
    operation_id: String,
    method_name: String,
    aliases: Vec<String>,
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
/// these names (or a keyword, or `main`, which Cargo would take for a binary, or a module
/// the crate root re-exports: [`crate::naming::RUNTIME_MODULE_EXPORTS`]) gets `_api`.
const RESOURCE_NAMES_TAKEN: &[&str] = &[
    "models",
    "runtime",
    "exports",
    "profile",
    "lib",
    "main",
    // Features of every generated crate: a resource feature must not take their names.
    "tracing",
    "blocking",
    "mock",
    // Methods of `Client` (every `impl Client` of the runtime; a test keeps this list
    // complete): a resource's accessor on `Client` must not take their names.
    "builder",
    "new",
    "from_env",
    "base_url",
    "base_for",
    "execute",
    "execute_empty",
    "execute_bytes",
    "execute_raw",
    "execute_stream",
    "execute_target",
    "execute_with",
    "send",
    "attempt",
    "exchange",
    "prepare",
    "limits",
    "run",
    "request",
    "get",
    "post",
    "put",
    "patch",
    "delete",
    "clone",
    "fmt",
    "default",
];

/// The module and accessor name of a resource.
fn resource_name(wanted: &str) -> String {
    let base = unraw(wanted).trim_end_matches('_');
    let base = if base.is_empty() { "api" } else { base };
    if crate::naming::is_keyword(base)
        || RESOURCE_NAMES_TAKEN.contains(&base)
        || crate::naming::RUNTIME_MODULE_EXPORTS.contains(&base)
    {
        format!("{base}_api")
    } else {
        base.to_string()
    }
}

/// A method name from the HTTP method and the path: `GET /users/{id}/keys` →
/// `get_users_by_id_keys`.
fn path_method_name(method: HttpMethod, path: &str) -> String {
    let mut raw = method.as_str().to_string();
    let path = path.split_once('?').map_or(path, |(p, _)| p);
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        raw.push(' ');
        match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(param) => {
                raw.push_str("by ");
                raw.push_str(param);
            }
            None => raw.push_str(segment),
        }
    }
    snake(&raw)
}

/// FNV-1a: a hash that is the same on every platform and in every release.
fn stable_hash(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The handle type of a resource: its camel-case name, with `Api` after a name the
/// runtime re-exports at the crate root too (a `credentials` resource is
/// `CredentialsApi`, so that `Credentials` stays the runtime's).
fn handle_name(resource_key: &str) -> String {
    let name = camel(resource_key);
    if crate::naming::is_runtime_export(&name) {
        format!("{name}Api")
    } else {
        name
    }
}

#[cfg(test)]
#[path = "operation_tests.rs"]
mod tests;
