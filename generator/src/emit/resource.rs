//! One module per resource: the handle type, its operation methods and request builders.

use super::Piece;
use super::types::{doc_lines, ident, nonblank, rust_type};
use crate::ir::{
    BodyKind, Envelope, Operation, Param, ParamLocation, ParamStyle, Resource, ResponseBody,
    TypeDef, TypeKind, TypeRef,
};
use proc_macro2::{Literal, TokenStream};
use quote::{ToTokens, quote};

pub fn resource_file(
    resource: &Resource,
    crate_ident: &str,
    types: &[TypeDef],
    envelope: Envelope,
) -> Vec<Piece> {
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
    // Each operation's method (with its `static` description), builder and setters sit
    // together, so that a change to one operation is one hunk of the diff.
    let names = Names::for_resource(resource);
    let mut pieces = Vec::with_capacity(1 + 2 * resource.operations.len());
    pieces.push(Piece::Tokens(quote! {
        #module_doc

        use crate::runtime::private as rt;

        #handle_doc
        #[derive(Debug, Clone)]
        pub struct #handle(crate::Client);

        impl crate::Client {
            #handle_doc
            pub fn #accessor(&self) -> #handle {
                #handle(self.clone())
            }
        }

    }));
    for op in &resource.operations {
        let method = operation_method(resource, op, crate_ident, types, names, envelope);
        pieces.push(Piece::Tokens(quote! {
            impl #handle {
                #method
            }
        }));
        if let Some(statuses) = super::responses::status_enum(op, names) {
            pieces.push(Piece::Text(statuses));
        }
        pieces.push(Piece::Text(super::builder::builder_text(op, types, names)));
    }
    pieces
}

/// How a resource file spells standard types: by their prelude names (`String`,
/// `Option`, `Vec`, `Into`), which keeps signatures on one line, unless a type the file
/// defines (the handle or a builder) takes one of those names; then by full paths.
#[derive(Clone, Copy)]
pub(super) struct Names {
    prelude: bool,
}

impl Names {
    const PRELUDE: &'static [&'static str] =
        &["String", "Option", "Some", "None", "Vec", "Into", "Box"];

    fn for_resource(resource: &Resource) -> Names {
        let defined = std::iter::once(resource.type_name.as_str()).chain(
            resource
                .operations
                .iter()
                .map(|op| op.builder_name.as_str()),
        );
        let clash = defined
            .map(crate::naming::unraw)
            .any(|name| Names::PRELUDE.contains(&name));
        Names { prelude: !clash }
    }

    pub(super) fn ty(self, ty: &TypeRef) -> TokenStream {
        if !self.prelude {
            return rust_type(ty);
        }
        match ty {
            TypeRef::String => quote!(String),
            TypeRef::Vec(inner) => {
                let inner = self.ty(inner);
                quote!(Vec<#inner>)
            }
            TypeRef::Option(inner) => {
                let inner = self.ty(inner);
                quote!(Option<#inner>)
            }
            TypeRef::Box(inner) => {
                let inner = self.ty(inner);
                quote!(Box<#inner>)
            }
            TypeRef::Map(inner) => {
                let inner = self.ty(inner);
                quote!(::std::collections::BTreeMap<String, #inner>)
            }
            other => rust_type(other),
        }
    }

    /// `impl Into<String>`, the type of string arguments.
    pub(super) fn into_string(self) -> TokenStream {
        if self.prelude {
            quote!(impl Into<String>)
        } else {
            quote!(impl ::std::convert::Into<::std::string::String>)
        }
    }

    fn some(self, value: TokenStream) -> TokenStream {
        if self.prelude {
            quote!(Some(#value))
        } else {
            quote!(::std::option::Option::Some(#value))
        }
    }
}

/// The operation as data: the `static` the runtime interprets.
fn operation_static(op: &Operation, names: Names, envelope: Envelope) -> TokenStream {
    let name = quote!(OPERATION);
    let id = &op.operation_id;
    let path = &op.path;
    let method = ident(op.http_method.variant());
    let params = op.params.iter().map(param_spec);
    let body = op.body.as_ref().map(super::media::body_kind);
    // Responses are unwrapped from the profile's envelope unless the operation says not.
    let enveloped = matches!(op.response, ResponseBody::Json { envelope: true, .. });
    let bare = (envelope != Envelope::None && !enveloped).then(|| quote!(bare: true,));
    let page_param = op.pagination.as_ref().map(|p| {
        let p = names.some(p.page_param.to_token_stream());
        quote!(page_param: #p,)
    });
    let accept = match &op.response {
        ResponseBody::Bytes { content_type } => {
            let accept = names.some(content_type.to_token_stream());
            Some(quote!(accept: #accept,))
        }
        ResponseBody::EventStream { .. } => {
            let accept = names.some("text/event-stream".to_token_stream());
            Some(quote!(accept: #accept,))
        }
        _ => None,
    };
    let params = (!op.params.is_empty()).then(|| quote!(params: &[#(#params),*],));
    let server = op.server.as_ref().map(|url| {
        let url = names.some(url.to_token_stream());
        quote!(server: #url,)
    });
    let errors: Vec<TokenStream> = op
        .error_responses
        .iter()
        .filter_map(|e| {
            let ty = names.ty(e.ty.as_ref()?);
            let status = &e.status;
            Some(quote!(rt::error::<#ty>(#status)))
        })
        .collect();
    let errors = (!errors.is_empty()).then(|| quote!(errors: &[#(#errors),*],));
    let media_types = op.body.as_ref().and_then(super::media::media_types);
    quote! {
        static #name: rt::Operation = rt::Operation {
            id: #id,
            method: rt::HttpMethod::#method,
            path: #path,
            #params
            #body
            #bare
            #page_param
            #accept
            #server
            #errors
            #media_types
            ..rt::Operation::DEFAULT
        };
    }
}

/// The `# Errors` section of an operation's docs: the error bodies the spec types.
fn error_docs(op: &Operation, text: &mut String) {
    let typed: Vec<String> = op
        .error_responses
        .iter()
        .filter_map(|e| {
            let ty = match e.ty.as_ref()? {
                TypeRef::Named(name) => format!("[`models::{name}`](crate::models::{name})"),
                other => format!("`{}`", rust_type(other)).replace(' ', ""),
            };
            let what = e
                .description
                .as_deref()
                .map(|d| super::types::sanitize(d.lines().next().unwrap_or("")))
                .filter(|d| !d.trim().is_empty())
                .map(|d| format!(" ({})", d.trim().trim_end_matches('.')))
                .unwrap_or_default();
            Some(format!("- `{}`: {ty}{what}", e.status))
        })
        .collect();
    if typed.is_empty() {
        return;
    }
    text.push_str(
        "\n\n# Errors\n\nAn unsuccessful status gives [`Error::Api`](crate::Error::Api); the body of \
         a status the spec types is decoded as its model, reached with \
         [`Error::body_as`](crate::Error::body_as):\n",
    );
    for line in typed {
        text.push('\n');
        text.push_str(&line);
    }
}

/// One parameter's location and checks, as the runtime reads them.
fn param_spec(p: &Param) -> TokenStream {
    let wire = &p.wire_name;
    let mut spec = match p.location {
        ParamLocation::Path => quote!(rt::Param::path(#wire)),
        ParamLocation::Query => quote!(rt::Param::query(#wire)),
        ParamLocation::Header => quote!(rt::Param::header(#wire)),
        ParamLocation::Cookie => quote!(rt::Param::cookie(#wire)),
    };
    if p.location == ParamLocation::Query {
        spec.extend(match p.style {
            ParamStyle::DeepObject => quote!(.deep_object()),
            ParamStyle::SpaceDelimited => quote!(.space_delimited()),
            ParamStyle::PipeDelimited => quote!(.pipe_delimited()),
            // Scalars are the same either way; keep the static short.
            ParamStyle::Form if !p.explode && !is_scalar(&p.ty) => quote!(.comma_separated()),
            ParamStyle::Form | ParamStyle::Label | ParamStyle::Matrix => quote!(),
        });
    }
    if p.location == ParamLocation::Path {
        spec.extend(match p.style {
            ParamStyle::Label => quote!(.label()),
            ParamStyle::Matrix => quote!(.matrix()),
            _ => quote!(),
        });
    }
    // Exploding changes path and header values only for objects, and for the items of
    // label and matrix arrays.
    let matters = match p.ty {
        TypeRef::Vec(_) => matches!(p.style, ParamStyle::Label | ParamStyle::Matrix),
        _ => !is_scalar(&p.ty),
    };
    if matches!(p.location, ParamLocation::Path | ParamLocation::Header) && p.explode && matters {
        spec.extend(quote!(.exploded()));
    }
    let c = &p.constraints;
    // A named path parameter type is an identifier (or enum): its text is checked too.
    let text = p.ty == TypeRef::String
        || (p.location == ParamLocation::Path && matches!(p.ty, TypeRef::Named(_)));
    if text {
        if let Some(n) = c.min_length {
            let n = Literal::u64_unsuffixed(n);
            spec.extend(quote!(.min_length(#n)));
        }
        if let Some(n) = c.max_length {
            let n = Literal::u64_unsuffixed(n);
            spec.extend(quote!(.max_length(#n)));
        }
    } else if is_number(&p.ty) {
        if let Some(n) = c.minimum {
            let n = Literal::f64_unsuffixed(n);
            spec.extend(match c.exclusive_minimum {
                true => quote!(.above(#n)),
                false => quote!(.minimum(#n)),
            });
        }
        if let Some(n) = c.maximum {
            let n = Literal::f64_unsuffixed(n);
            spec.extend(match c.exclusive_maximum {
                true => quote!(.below(#n)),
                false => quote!(.maximum(#n)),
            });
        }
    }
    spec
}

/// Whether `ty` is an identifier newtype (`TypeKind::Id`), which operations take by reference.
fn is_id(ty: &TypeRef, types: &[TypeDef]) -> bool {
    match ty {
        TypeRef::Named(name) => types
            .iter()
            .any(|t| &t.name == name && matches!(t.kind, TypeKind::Id { .. })),
        _ => false,
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

fn operation_method(
    resource: &Resource,
    op: &Operation,
    crate_ident: &str,
    types: &[TypeDef],
    names: Names,
    envelope: Envelope,
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
    if let ResponseBody::Statuses { name, variants } = &op.response {
        let statuses: Vec<String> = variants.iter().map(|v| format!("`{}`", v.status)).collect();
        text.push_str(&format!(
            "\n\nReturns a [`{name}`], whose variant is the success status the server \
             answered with ({}).",
            statuses.join(", ")
        ));
    }
    if let Some(body) = op.body.as_ref().filter(|b| !b.alternatives.is_empty()) {
        let others: Vec<String> = body.alternatives.iter().map(|t| format!("`{t}`")).collect();
        text.push_str(&format!(
            "\n\nThe body is sent as `{}`; the operation also takes {}: choose one with \
             `.media_type(..)`, or send bytes of any type with `.raw_body(..)`.",
            body.content_type,
            others.join(", ")
        ));
    }
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
    error_docs(op, &mut text);
    let values = super::examples::Values {
        types,
        krate: crate_ident,
        short_models: false,
    };
    if let Some(example) = super::examples::method_example(values, resource, op) {
        text.push_str("\n\n# Example\n\n");
        text.push_str(&example);
    }
    let docs = doc_lines(&text);
    let aliases = op.doc_aliases.iter().map(|a| quote!(#[doc(alias = #a)]));
    let deprecated = op.deprecated.then(|| quote!(#[deprecated]));
    let args = positional(op);
    let arg_decls = args.iter().map(|(name, ty, _)| {
        let name = ident(name);
        if is_id(ty, types) {
            let ty = names.ty(ty);
            quote!(#name: &#ty)
        } else if *ty == TypeRef::String {
            let ty = names.into_string();
            quote!(#name: #ty)
        } else {
            let ty = names.ty(ty);
            quote!(#name: #ty)
        }
    });
    let statik = operation_static(op, names, envelope);
    let mut call = quote!(rt::call(&self.0, &OPERATION));
    for (index, p) in op.params.iter().enumerate().filter(|(_, p)| p.required) {
        let arg = ident(&p.rust_name);
        let index = Literal::usize_unsuffixed(index);
        call.extend(if is_id(&p.ty, types) {
            quote!(.id(#index, #arg))
        } else if p.ty == TypeRef::String {
            quote!(.arg_str(#index, #arg))
        } else {
            quote!(.arg(#index, &#arg))
        });
    }
    if let Some(body) = &op.body {
        if !body.setters.is_empty() {
            call.extend(quote!(.object_body()));
        } else if body.required {
            call.extend(match (body.kind, &body.ty) {
                (BodyKind::Bytes, _) => quote!(.body_bytes(body)),
                (_, TypeRef::String) => quote!(.body_str(body)),
                (BodyKind::Json | BodyKind::Form | BodyKind::Multipart, _) => quote!(.body(&body)),
            });
        }
    }
    quote! {
        #docs
        #(#aliases)*
        #deprecated
        pub fn #method(&self, #(#arg_decls),*) -> #builder {
            #statik
            #call.wrap()
        }
    }
}

/// A type whose value is never an array or an object (so `style` does not matter).
fn is_scalar(ty: &TypeRef) -> bool {
    matches!(
        ty,
        TypeRef::Bool | TypeRef::String | TypeRef::DateTime | TypeRef::Date
    ) || is_number(ty)
}

fn is_number(ty: &TypeRef) -> bool {
    matches!(
        ty,
        TypeRef::I32 | TypeRef::I64 | TypeRef::U32 | TypeRef::U64 | TypeRef::F32 | TypeRef::F64
    )
}
