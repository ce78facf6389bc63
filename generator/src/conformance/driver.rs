//! The driver's `main.rs`: one function per operation that calls it through the typed
//! API exactly as a user would (positional arguments, then the setters the mode sets),
//! reading each argument from the samples `lower` built, and a table of them in the order
//! of `args.json`.

use crate::emit::types::{ident, rust_type_in};
use crate::ir::{
    Api, BodyKind, CredentialKind, CredentialPart, Operation, Resource, TypeDef, TypeKind, TypeRef,
};
use proc_macro2::TokenStream;
use quote::quote;
use serde_json::{Map, Value, json};

/// Key of the request body among an operation's sample arguments.
pub const BODY: &str = "$body";

/// Every operation, in driver order (resources, then their operations, as emitted).
pub fn operations(api: &Api) -> impl Iterator<Item = (&Resource, &Operation)> {
    api.resources
        .iter()
        .flat_map(|r| r.operations.iter().map(move |op| (r, op)))
}

/// `args.json`: per operation, its arguments in the `required` and `full` modes.
pub fn args_json(api: &Api) -> Value {
    let operations: Vec<Value> = operations(api)
        .map(|(_, op)| {
            let mut required = Map::new();
            let mut full = Map::new();
            for p in &op.params {
                let value = p.sample.clone().unwrap_or_else(|| json!("sample"));
                if p.required {
                    required.insert(p.rust_name.clone(), value.clone());
                }
                full.insert(p.rust_name.clone(), value);
            }
            if let Some(body) = &op.body
                && let Some(samples) = &body.samples
            {
                // A body built field by field starts empty: the required mode sets none.
                if body.required && body.setters.is_empty() {
                    required.insert(BODY.to_string(), samples.required.clone());
                }
                full.insert(BODY.to_string(), samples.full.clone());
            }
            json!({
                "operation": op.operation_id,
                "method": op.http_method.as_str(),
                "path": op.path,
                "required": required,
                "full": full,
            })
        })
        .collect();
    json!({ "title": api.title, "operations": operations })
}

/// The driver's `main.rs` for a client crate imported as `krate`.
pub fn main_rs(api: &Api, krate: &str) -> TokenStream {
    let krate = ident(krate);
    let models = quote!(::#krate::models);
    let mut functions = Vec::new();
    let mut table = Vec::new();
    for (index, (resource, op)) in operations(api).enumerate() {
        let name = ident(&format!("op_{index}"));
        let id = &op.operation_id;
        let call = call(resource, op, &api.types, &models);
        let credentials = credentials(api, op, &krate);
        functions.push(quote! {
            fn #name(base: String, a: Args) -> Pin<Box<dyn Future<Output = Outcome>>> {
                Box::pin(async move {
                    let client = match client(&base, #credentials) {
                        Ok(client) => client,
                        Err(error) => return classify::<()>(Err(error)),
                    };
                    let built = (|| -> Result<_, Refused> { Ok(#call) })();
                    match built {
                        Ok(request) => classify(request.await),
                        Err(refused) => refused.into(),
                    }
                })
            }
        });
        table.push(quote!((#id, #name as support::Call)));
    }
    quote! {
        #![allow(deprecated, unused_imports, unused_variables, clippy::all)]

        #[allow(dead_code)]
        mod support;

        use std::future::Future;
        use std::pin::Pin;
        use support::{Args, Outcome, Refused};

        fn client(
            base: &str,
            credentials: Option<::#krate::Credentials>,
        ) -> Result<::#krate::Client, ::#krate::Error> {
            let builder = ::#krate::Client::builder().base_url(base).max_retries(0);
            match credentials {
                Some(credentials) => builder.credentials(credentials),
                None => builder.without_credentials(),
            }
            .build()
        }

        fn classify<T>(result: Result<T, ::#krate::Error>) -> Outcome {
            let error = match result {
                Ok(_) => {
                    return Outcome { built: true, decoded: true, ..Outcome::default() };
                }
                Err(error) => error,
            };
            let status = error.status().map(|s| s.as_u16());
            let text = support::excerpt(&error.to_string());
            match error {
                ::#krate::Error::InvalidArgument { .. } => Outcome {
                    refused: Some(text),
                    ..Outcome::default()
                },
                ::#krate::Error::Api(_) => Outcome {
                    built: true,
                    status,
                    decoded: true,
                    ..Outcome::default()
                },
                ::#krate::Error::Decode { .. } => Outcome {
                    built: true,
                    status,
                    decode_error: Some(text),
                    ..Outcome::default()
                },
                _ => Outcome {
                    built: true,
                    status,
                    error: Some(text),
                    ..Outcome::default()
                },
            }
        }

        #(#functions)*

        const CALLS: &[(&str, support::Call)] = &[#(#table),*];

        fn main() -> std::process::ExitCode {
            support::run(CALLS)
        }
    }
}

/// The credentials operation `op` asks for, with placeholder secrets (the mock checks
/// that they are sent, not what they hold): the first alternative of its own security
/// requirement that the client can send, or, for an operation that keeps the API's
/// default, every part of every way the API authenticates (a bearer token before basic
/// authentication, which share the `Authorization` header).
fn credentials(api: &Api, op: &Operation, krate: &proc_macro2::Ident) -> TokenStream {
    let all: Vec<&CredentialPart> = api
        .profile
        .credentials
        .iter()
        .flat_map(|set| &set.parts)
        .collect();
    let mut parts: Vec<&CredentialPart> = Vec::new();
    match &op.security {
        Some(alternatives) => {
            let sendable = alternatives
                .iter()
                .find(|schemes| schemes.iter().all(|s| all.iter().any(|p| &p.scheme == s)));
            for scheme in sendable.into_iter().flatten() {
                parts.extend(all.iter().find(|p| &p.scheme == scheme));
            }
        }
        None => {
            for part in &all {
                let authorization = |k: &CredentialKind| {
                    matches!(k, CredentialKind::Bearer | CredentialKind::Basic)
                };
                let taken = parts.iter().any(|p| {
                    p.kind == part.kind || (authorization(&p.kind) && authorization(&part.kind))
                });
                if !taken {
                    parts.push(part);
                }
            }
        }
    }
    let mut value: Option<TokenStream> = None;
    for part in parts {
        let secret = format!("conformance-{}", part.arg);
        value = Some(match (&part.kind, value.take()) {
            (CredentialKind::Bearer, None) => quote!(::#krate::Credentials::bearer(#secret)),
            (CredentialKind::Bearer, Some(v)) => quote!(#v.and_bearer(#secret)),
            (CredentialKind::Header(name), None) => {
                quote!(::#krate::Credentials::header(#name, #secret))
            }
            (CredentialKind::Header(name), Some(v)) => quote!(#v.and_header(#name, #secret)),
            (CredentialKind::Query(name), None) => {
                quote!(::#krate::Credentials::query(#name, #secret))
            }
            (CredentialKind::Query(name), Some(v)) => quote!(#v.and_query(#name, #secret)),
            (CredentialKind::Cookie(name), None) => {
                quote!(::#krate::Credentials::cookie(#name, #secret))
            }
            (CredentialKind::Cookie(name), Some(v)) => quote!(#v.and_cookie(#name, #secret)),
            (CredentialKind::Basic, None) => {
                quote!(::#krate::Credentials::basic("conformance", #secret))
            }
            (CredentialKind::Basic, Some(v)) => quote!(#v.and_basic("conformance", #secret)),
        });
    }
    match value {
        Some(value) => quote!(::std::option::Option::Some(#value)),
        None => quote!(::std::option::Option::None),
    }
}

/// The typed call: `client.resource().method(positional…)` then the optional setters.
fn call(
    resource: &Resource,
    op: &Operation,
    types: &[TypeDef],
    models: &TokenStream,
) -> TokenStream {
    let accessor = ident(&resource.module);
    let method = ident(&op.method_name);
    let read = |name: &str, ty: &TypeRef| -> TokenStream {
        let ty = rust_type_in(ty, models);
        quote!(a.req::<#ty>(#name)?)
    };
    let mut positional: Vec<TokenStream> = op
        .params
        .iter()
        .filter(|p| p.required)
        .map(|p| {
            let value = read(&p.rust_name, &p.ty);
            // Identifier newtypes are taken by reference.
            let by_ref = matches!(&p.ty, TypeRef::Named(name) if types
                .iter()
                .any(|t| &t.name == name && matches!(t.kind, TypeKind::Id { .. })));
            if by_ref { quote!(&#value) } else { value }
        })
        .collect();
    let mut steps = Vec::new();
    for p in op.params.iter().filter(|p| !p.required) {
        let setter = ident(&p.rust_name);
        let key = &p.rust_name;
        let ty = rust_type_in(&p.ty, models);
        steps.push(quote! {
            let b = match a.opt::<#ty>(#key)? { Some(v) => b.#setter(v), None => b };
        });
    }
    if let Some(body) = &op.body {
        let ty = rust_type_in(&body.ty, models);
        if !body.setters.is_empty() {
            for s in &body.setters {
                let setter = ident(&s.method);
                let wire = body_wire_name(types, &body.ty, &s.field);
                let ty = rust_type_in(&s.ty, models);
                steps.push(quote! {
                    let b = match a.field::<#ty>(#wire)? { Some(v) => b.#setter(v), None => b };
                });
            }
        } else if body.required {
            positional.push(match body.kind {
                BodyKind::Bytes => quote!(a.bytes(#BODY)?.unwrap_or_default()),
                BodyKind::Json | BodyKind::Form | BodyKind::Multipart => read(BODY, &body.ty),
            });
        } else {
            let value = match body.kind {
                BodyKind::Bytes => quote!(a.bytes(#BODY)?),
                BodyKind::Json | BodyKind::Form | BodyKind::Multipart => {
                    quote!(a.opt::<#ty>(#BODY)?)
                }
            };
            steps.push(quote! {
                let b = match #value { Some(v) => b.body(v), None => b };
            });
        }
    }
    quote! {{
        let b = client.#accessor().#method(#(#positional),*);
        #(#steps)*
        b
    }}
}

/// The wire name of a body setter's field (its key in the sample body): the body
/// model's field of that Rust name.
fn body_wire_name(types: &[TypeDef], body: &TypeRef, field: &str) -> String {
    let fields = match body {
        TypeRef::Named(name) => {
            types
                .iter()
                .find(|t| &t.name == name)
                .and_then(|t| match &t.kind {
                    TypeKind::Struct { fields, .. } => Some(fields),
                    _ => None,
                })
        }
        _ => None,
    };
    fields
        .and_then(|fields| fields.iter().find(|f| f.rust_name == field))
        .map_or_else(
            || crate::naming::unraw(field).to_string(),
            |f| f.wire_name.clone(),
        )
}
