//! One module per resource: the handle type, its operation methods and request builders.

use super::types::{doc, doc_lines, ident, nonblank, rust_type};
use crate::ir::{
    BodyKind, HttpMethod, Operation, Param, ParamLocation, Resource, ResponseBody, TypeDef,
    TypeKind, TypeRef,
};
use proc_macro2::TokenStream;
use quote::quote;

pub fn resource_file(resource: &Resource, crate_ident: &str, types: &[TypeDef]) -> TokenStream {
    let handle = ident(&resource.type_name);
    let accessor = ident(&resource.module);
    let module_doc = match nonblank(&resource.doc) {
        Some(text) => {
            let d = super::types::sanitize(text);
            let lines = d.lines().map(|l| {
                let l = if l.is_empty() {
                    String::new()
                } else {
                    format!(" {l}")
                };
                quote!(#![doc = #l])
            });
            quote!(#(#lines)*)
        }
        None => {
            let line = format!(" Operations of the `{}` resource.", resource.module);
            quote!(#![doc = #line])
        }
    };
    let handle_doc = doc_lines(&format!(
        "Operations of the `{}` resource; get one with [`Client::{}`](crate::Client::{}).",
        resource.module,
        crate::naming::unraw(&resource.module),
        crate::naming::unraw(&resource.module)
    ));
    let statics = resource.operations.iter().map(operation_static);
    let methods = resource
        .operations
        .iter()
        .map(|op| operation_method(resource, op, crate_ident, types));
    let builders = resource.operations.iter().map(builder);
    quote! {
        #module_doc

        #handle_doc
        #[derive(Debug, Clone)]
        pub struct #handle {
            client: crate::Client,
        }

        impl crate::Client {
            #handle_doc
            pub fn #accessor(&self) -> #handle {
                #handle { client: self.clone() }
            }
        }

        #(#statics)*

        impl #handle {
            #(#methods)*
        }

        #(#builders)*
    }
}

fn operation_static(op: &Operation) -> TokenStream {
    let name = ident(&op.const_name);
    let id = &op.operation_id;
    let path = &op.path;
    let method = ident(match op.http_method {
        HttpMethod::Get => "Get",
        HttpMethod::Put => "Put",
        HttpMethod::Post => "Post",
        HttpMethod::Delete => "Delete",
        HttpMethod::Options => "Options",
        HttpMethod::Head => "Head",
        HttpMethod::Patch => "Patch",
        HttpMethod::Trace => "Trace",
    });
    let envelope = matches!(op.response, ResponseBody::Json { envelope: true, .. });
    let page_param = match &op.pagination {
        Some(p) => {
            let p = &p.page_param;
            quote!(::std::option::Option::Some(#p))
        }
        None => quote!(::std::option::Option::None),
    };
    quote! {
        static #name: crate::runtime::private::Operation = crate::runtime::private::Operation {
            id: #id,
            method: crate::runtime::private::HttpMethod::#method,
            path: #path,
            envelope: #envelope,
            page_param: #page_param,
        };
    }
}

/// Positional arguments: required path/query/header parameters, then a required body
/// that cannot be built field by field.
fn positional(op: &Operation) -> Vec<(String, TypeRef, bool)> {
    let mut args: Vec<(String, TypeRef, bool)> = op
        .params
        .iter()
        .filter(|p| p.required)
        .map(|p| (p.rust_name.clone(), p.ty.clone(), true))
        .collect();
    if let Some(body) = &op.body
        && body.required
        && body.setters.is_empty()
    {
        args.push(("body".to_string(), body.ty.clone(), false));
    }
    args
}

fn output_type(op: &Operation) -> TokenStream {
    match &op.response {
        ResponseBody::Empty => quote!(()),
        ResponseBody::Bytes { .. } => quote!(::std::vec::Vec<u8>),
        ResponseBody::Json { ty, .. } => rust_type(ty),
    }
}

fn operation_method(
    resource: &Resource,
    op: &Operation,
    crate_ident: &str,
    types: &[TypeDef],
) -> TokenStream {
    let method = ident(&op.method_name);
    let builder = ident(&op.builder_name);
    let mut text = String::new();
    if let Some(summary) = &op.summary {
        text.push_str(&super::types::sanitize(summary));
        text.push_str("\n\n");
    }
    if let Some(description) = &op.description
        && Some(description) != op.summary.as_ref()
    {
        text.push_str(&super::types::sanitize(description));
        text.push_str("\n\n");
    }
    text.push_str(&format!(
        "`{} {}` (operation `{}`).",
        op.http_method.as_str(),
        op.path,
        op.operation_id
    ));
    if let Some(security) = &op.security {
        let alternatives: Vec<String> = security
            .iter()
            .map(|set| {
                let names: Vec<String> = set.iter().map(|n| format!("`{n}`")).collect();
                names.join(" + ")
            })
            .filter(|s| !s.is_empty())
            .collect();
        if alternatives.is_empty() {
            text.push_str("\n\nNeeds no authentication.");
        } else {
            text.push_str(&format!(
                "\n\nAuthentication (overrides the API default): {}.",
                alternatives.join(", or ")
            ));
        }
    }
    if let Some(example) = example(resource, op, crate_ident, types) {
        text.push_str("\n\n# Example\n\n");
        text.push_str(&example);
    }
    let docs = doc_lines(&text);
    let aliases = op.doc_aliases.iter().map(|a| quote!(#[doc(alias = #a)]));
    let deprecated = op.deprecated.then(|| quote!(#[deprecated]));
    let args = positional(op);
    let arg_decls = args.iter().map(|(name, ty, _)| {
        let name = ident(name);
        if *ty == TypeRef::String {
            quote!(#name: impl ::std::convert::Into<::std::string::String>)
        } else {
            let ty = rust_type(ty);
            quote!(#name: #ty)
        }
    });
    let inits = builder_inits(op);
    quote! {
        #docs
        #(#aliases)*
        #deprecated
        pub fn #method(&self, #(#arg_decls),*) -> #builder {
            #builder {
                client: self.client.clone(),
                #(#inits)*
                options: ::std::default::Default::default(),
            }
        }
    }
}

fn builder_inits(op: &Operation) -> Vec<TokenStream> {
    let mut inits: Vec<TokenStream> = op
        .params
        .iter()
        .map(|p| {
            let name = ident(&p.rust_name);
            if !p.required {
                quote!(#name: ::std::option::Option::None,)
            } else if p.ty == TypeRef::String {
                quote!(#name: #name.into(),)
            } else {
                quote!(#name,)
            }
        })
        .collect();
    if let Some(body) = &op.body {
        inits.push(if !body.setters.is_empty() {
            quote!(body: ::std::default::Default::default(),)
        } else if body.required && body.ty == TypeRef::String {
            quote!(body: body.into(),)
        } else if body.required {
            quote!(body,)
        } else {
            quote!(body: ::std::option::Option::None,)
        });
    }
    inits
}

/// A compiled (`no_run`) usage example, when every positional argument is easy to write.
/// Example source for a value of `ty`, when it is simple to write.
fn example_value(
    name: &str,
    ty: &TypeRef,
    types: &[TypeDef],
    crate_ident: &str,
    depth: usize,
) -> Option<String> {
    Some(match ty {
        TypeRef::String => format!("\"{}\"", crate::naming::unraw(name)),
        TypeRef::I32 | TypeRef::I64 | TypeRef::U32 | TypeRef::U64 => "1".to_string(),
        TypeRef::F32 | TypeRef::F64 => "1.0".to_string(),
        TypeRef::Bool => "true".to_string(),
        TypeRef::Option(_) => "None".to_string(),
        TypeRef::Vec(_) => "Vec::new()".to_string(),
        TypeRef::Named(type_name) if depth < 2 => {
            let def = types.iter().find(|t| &t.name == type_name)?;
            let TypeKind::Struct {
                fields,
                additional: None,
            } = &def.kind
            else {
                return None;
            };
            let mut inits = Vec::new();
            for f in fields {
                let value = example_value(&f.rust_name, &f.ty, types, crate_ident, depth + 1)?;
                let value = if f.ty == TypeRef::String {
                    format!("{value}.into()")
                } else {
                    value
                };
                inits.push(format!("    {}: {value},", f.rust_name));
            }
            format!(
                "{crate_ident}::models::{type_name} {{\n{}\n}}",
                inits.join("\n")
            )
        }
        _ => return None,
    })
}

fn example(
    resource: &Resource,
    op: &Operation,
    crate_ident: &str,
    types: &[TypeDef],
) -> Option<String> {
    let mut args = Vec::new();
    for (name, ty, _) in positional(op) {
        args.push(example_value(&name, &ty, types, crate_ident, 0)?);
    }
    let call = format!(
        "client.{}().{}({})",
        crate::naming::unraw(&resource.module),
        op.method_name,
        args.join(", ")
    );
    let body = if op.pagination.is_some() {
        format!(
            "use futures_util::TryStreamExt;\n\nlet mut items = {call}.stream();\nwhile let Some(item) = items.try_next().await? {{\n    println!(\"{{item:?}}\");\n}}"
        )
    } else {
        format!("let result = {call}.await?;\nprintln!(\"{{result:?}}\");")
    };
    Some(format!(
        "```no_run\n# async fn example(client: {crate_ident}::Client) -> Result<(), {crate_ident}::Error> {{\n{body}\n# Ok(())\n# }}\n```"
    ))
}

fn builder(op: &Operation) -> TokenStream {
    let builder = ident(&op.builder_name);
    let method_path = format!(
        "Request builder for `{}`: set optional parameters, then `.await` it or call `send`, `send_with_response`{}.",
        op.method_name.trim_start_matches("r#"),
        if op.pagination.is_some() {
            " or `stream`"
        } else {
            ""
        }
    );
    let builder_doc = doc_lines(&method_path);
    let fields = op.params.iter().map(|p| {
        let name = ident(&p.rust_name);
        let ty = rust_type(&p.ty);
        if p.required {
            quote!(#name: #ty,)
        } else {
            quote!(#name: ::std::option::Option<#ty>,)
        }
    });
    let body_field = op.body.as_ref().map(|b| {
        let ty = rust_type(&b.ty);
        if b.required || !b.setters.is_empty() {
            quote!(body: #ty,)
        } else {
            quote!(body: ::std::option::Option<#ty>,)
        }
    });
    let setters = op.params.iter().filter(|p| !p.required).map(param_setter);
    let body_setters = op.body.iter().flat_map(|b| {
        let mut out: Vec<TokenStream> = b
            .setters
            .iter()
            .map(|s| {
                let method = ident(&s.method);
                let field = ident(&s.field);
                let ty = rust_type(&s.ty);
                let docs = match nonblank(&s.doc) {
                    Some(text) => doc(Some(text)),
                    None => doc_lines(&format!(
                        "Sets the body field `{}`.",
                        crate::naming::unraw(&s.field)
                    )),
                };
                quote! {
                    #docs
                    pub fn #method(mut self, value: #ty) -> Self {
                        self.body.#field = ::std::option::Option::Some(value);
                        self
                    }
                }
            })
            .collect();
        if !b.setters.is_empty() || !b.required {
            let ty = rust_type(&b.ty);
            let assign = if b.setters.is_empty() {
                quote!(::std::option::Option::Some(value))
            } else {
                quote!(value)
            };
            out.push(quote! {
                /// Sets the whole request body.
                pub fn body(mut self, value: #ty) -> Self {
                    self.body = #assign;
                    self
                }
            });
        }
        out
    });
    let build = build_fn(op);
    let output = output_type(op);
    let statik = ident(&op.const_name);
    let execute = match &op.response {
        ResponseBody::Empty => quote!(send_empty),
        ResponseBody::Bytes { .. } => quote!(send_bytes),
        ResponseBody::Json { .. } => quote!(send_json),
    };
    let stream = op.pagination.as_ref().map(|p| {
        let item = rust_type(&p.item);
        quote! {
            /// Every item of every page, fetched page by page as the stream is polled.
            ///
            /// Starts at the page set with `page` (or the first) and keeps the other
            /// parameters; each page request is retried on its own.
            pub fn stream(self) -> crate::PageStream<#item> {
                let request = self.build();
                crate::runtime::private::paginate(self.client, &#statik, request)
            }
        }
    });
    quote! {
        #builder_doc
        #[derive(Debug, Clone)]
        #[must_use = "a request does nothing until it is awaited or sent"]
        pub struct #builder {
            client: crate::Client,
            #(#fields)*
            #body_field
            options: crate::RequestOptions,
        }

        impl #builder {
            #(#setters)*
            #(#body_setters)*

            #build

            /// Sends the request; returns the result with the response's status, headers and
            /// envelope metadata.
            pub fn send_with_response(self) -> crate::ResponseFuture<#output> {
                let request = self.build();
                crate::runtime::private::#execute(self.client, &#statik, request)
            }

            #stream
        }

        crate::runtime::private::request_builder!(#builder => #output);
    }
}

fn param_setter(p: &Param) -> TokenStream {
    let name = ident(&p.rust_name);
    let ty = rust_type(&p.ty);
    let docs = match nonblank(&p.doc) {
        Some(text) => doc(Some(text)),
        None => doc_lines(&format!("Sets the `{}` parameter.", p.wire_name)),
    };
    if p.ty == TypeRef::String {
        quote! {
            #docs
            pub fn #name(mut self, value: impl ::std::convert::Into<::std::string::String>) -> Self {
                self.#name = ::std::option::Option::Some(value.into());
                self
            }
        }
    } else {
        quote! {
            #docs
            pub fn #name(mut self, value: #ty) -> Self {
                self.#name = ::std::option::Option::Some(value);
                self
            }
        }
    }
}

fn is_number(ty: &TypeRef) -> bool {
    matches!(
        ty,
        TypeRef::I32 | TypeRef::I64 | TypeRef::U32 | TypeRef::U64 | TypeRef::F32 | TypeRef::F64
    )
}

/// Validation and encoding of one parameter whose value is bound to `value: &T`.
fn param_statements(p: &Param) -> TokenStream {
    let wire = &p.wire_name;
    let c = &p.constraints;
    let opt = |v: Option<u64>| match v {
        Some(v) => quote!(::std::option::Option::Some(#v)),
        None => quote!(::std::option::Option::None),
    };
    let optf = |v: Option<f64>| match v {
        Some(v) => quote!(::std::option::Option::Some(#v)),
        None => quote!(::std::option::Option::None),
    };
    let check = if p.ty == TypeRef::String && (c.min_length.is_some() || c.max_length.is_some()) {
        let (min, max) = (opt(c.min_length), opt(c.max_length));
        quote!(crate::runtime::private::check_length(#wire, value, #min, #max)?;)
    } else if is_number(&p.ty) && (c.minimum.is_some() || c.maximum.is_some()) {
        let (min, max) = (optf(c.minimum), optf(c.maximum));
        let as_f64 = match p.ty {
            TypeRef::F64 => quote!(*value),
            TypeRef::F32 | TypeRef::I32 | TypeRef::U32 => quote!(f64::from(*value)),
            _ => quote!(*value as f64),
        };
        quote!(crate::runtime::private::check_range(#wire, #as_f64, #min, #max)?;)
    } else {
        quote!()
    };
    let target = match p.location {
        ParamLocation::Path => quote!(path_params),
        ParamLocation::Query => quote!(query),
        ParamLocation::Header => quote!(headers),
    };
    let push = match (&p.ty, p.location) {
        (TypeRef::Vec(_), ParamLocation::Query) if p.explode => quote! {
            for item in value {
                #target.push((#wire, crate::runtime::private::query_value(#wire, item)?));
            }
        },
        (TypeRef::Vec(_), _) => quote! {
            let joined = value
                .iter()
                .map(|item| crate::runtime::private::query_value(#wire, item))
                .collect::<::std::result::Result<::std::vec::Vec<_>, _>>()?
                .join(",");
            #target.push((#wire, joined));
        },
        _ => quote! {
            #target.push((#wire, crate::runtime::private::query_value(#wire, value)?));
        },
    };
    quote!(#check #push)
}

fn build_fn(op: &Operation) -> TokenStream {
    let statements = op.params.iter().map(|p| {
        let name = ident(&p.rust_name);
        let body = param_statements(p);
        if p.required {
            quote! {
                {
                    let value = &self.#name;
                    #body
                }
            }
        } else {
            quote! {
                if let ::std::option::Option::Some(value) = &self.#name {
                    #body
                }
            }
        }
    });
    let uses = |loc: ParamLocation| op.params.iter().any(|p| p.location == loc);
    let decl = |used: bool, name: TokenStream| {
        if used {
            quote!(let mut #name = ::std::vec::Vec::new();)
        } else {
            quote!(let #name = ::std::vec::Vec::new();)
        }
    };
    let path_decl = decl(uses(ParamLocation::Path), quote!(path_params));
    let query_decl = decl(uses(ParamLocation::Query), quote!(query));
    let accept = match &op.response {
        ResponseBody::Bytes { content_type } => Some(quote!(("Accept", #content_type.to_string()))),
        _ => None,
    };
    let header_decl = match (&accept, uses(ParamLocation::Header)) {
        (Some(accept), true) => quote!(let mut headers = ::std::vec![#accept];),
        (Some(accept), false) => quote!(let headers = ::std::vec![#accept];),
        (None, used) => decl(used, quote!(headers)),
    };
    let body = match &op.body {
        None => quote!(::std::option::Option::None),
        Some(b) => match b.kind {
            BodyKind::Json if b.required || !b.setters.is_empty() => {
                quote!(::std::option::Option::Some(
                    crate::runtime::private::json_body(&self.body)?
                ))
            }
            BodyKind::Json => quote! {
                match &self.body {
                    ::std::option::Option::Some(body) => ::std::option::Option::Some(crate::runtime::private::json_body(body)?),
                    ::std::option::Option::None => ::std::option::Option::None,
                }
            },
            BodyKind::Bytes => {
                let content_type = &b.content_type;
                if b.required {
                    quote!(::std::option::Option::Some(crate::runtime::private::Body::Bytes { content_type: #content_type, bytes: self.body.clone() }))
                } else {
                    quote!(self.body.clone().map(|bytes| crate::runtime::private::Body::Bytes { content_type: #content_type, bytes }))
                }
            }
        },
    };
    quote! {
        /// Validates the parameters and assembles the request.
        fn build(&self) -> ::std::result::Result<crate::runtime::private::Request, crate::Error> {
            #path_decl
            #query_decl
            #header_decl
            #(#statements)*
            ::std::result::Result::Ok(crate::runtime::private::Request {
                path_params,
                query,
                headers,
                body: #body,
                options: self.options.clone(),
            })
        }
    }
}
