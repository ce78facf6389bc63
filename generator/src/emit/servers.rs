//! `servers.rs`: the servers the API declares, one type each, for
//! `ClientBuilder::server`; variables are fields (an enum where the spec lists the
//! values), their defaults in `Default`.

use super::types::{doc_lines, ident};
use crate::ir::{Api, Server, ServerVariable};
use proc_macro2::TokenStream;
use quote::quote;

pub fn servers_file(api: &Api) -> TokenStream {
    let servers = api
        .profile
        .servers
        .iter()
        .enumerate()
        .map(|(i, s)| server(s, i == 0));
    let list: Vec<String> = api
        .profile
        .servers
        .iter()
        .map(|s| {
            format!(
                "- [`{}`]: `{}`{}",
                s.type_name,
                s.url,
                s.description
                    .as_deref()
                    .map(|d| format!(", {}", d.trim()))
                    .unwrap_or_default()
            )
        })
        .collect();
    let module_doc = format!(
        "The servers the API declares, to choose with\n\
         [`ClientBuilder::server`](crate::ClientBuilder::server):\n\n{}\n\n\
         ```no_run\n# fn main() -> Result<(), Box<dyn std::error::Error>> {{\n\
         let client = {krate}::Client::builder()\n    .server({krate}::servers::{first}::default())\n    .without_credentials()\n    .build()?;\n\
         # Ok(())\n# }}\n```\n\n\
         Without a choice, requests go to the first, its variables at their defaults. \
         A base URL set with [`ClientBuilder::base_url`](crate::ClientBuilder::base_url) \
         (or the base URL environment variable) takes precedence, and takes the requests \
         of operations that have servers of their own too.",
        list.join("\n"),
        krate = api.package.name.replace('-', "_"),
        first = api
            .profile
            .servers
            .first()
            .map_or("", |s| s.type_name.as_str()),
    );
    let module_doc = module_doc.lines().map(|line| {
        let line = if line.is_empty() {
            String::new()
        } else {
            format!(" {line}")
        };
        quote!(#![doc = #line])
    });
    quote! {
        #(#module_doc)*
        pub use crate::runtime::Server;
        #(#servers)*
    }
}

fn server(s: &Server, first: bool) -> TokenStream {
    let name = ident(&s.type_name);
    let mut doc = s
        .description
        .clone()
        .unwrap_or_else(|| format!("The server at `{}`.", s.url));
    doc.push_str(&format!("\n\n`{}`", s.url));
    if first {
        doc.push_str("\n\nThe default server.");
    }
    let doc = doc_lines(&doc);
    let template = &s.url;
    if s.variables.is_empty() {
        return quote! {
            #doc
            #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
            pub struct #name;

            impl ::std::convert::From<#name> for Server {
                fn from(_: #name) -> Server {
                    Server::from_template(#template, &[])
                }
            }
        };
    }
    let fields = s.variables.iter().map(|v| {
        let field = ident(&v.field);
        let ty = var_type(v);
        let mut text = v
            .description
            .clone()
            .unwrap_or_else(|| format!("`{{{}}}` in the URL.", v.name));
        text.push_str(&format!("\n\nDefaults to `{}`.", v.default));
        let doc = doc_lines(&text);
        quote!(#doc pub #field: #ty,)
    });
    let defaults = s.variables.iter().map(|v| {
        let field = ident(&v.field);
        match &v.enum_type {
            Some(_) => quote!(#field: ::std::default::Default::default(),),
            None => {
                let default = &v.default;
                quote!(#field: ::std::string::ToString::to_string(#default),)
            }
        }
    });
    let values = s.variables.iter().map(|v| {
        let wire = &v.name;
        let field = ident(&v.field);
        quote!((#wire, server.#field.as_str()))
    });
    let enums = s.variables.iter().filter_map(var_enum);
    // Enums default to their default value; a string needs its default written out.
    let (derive_default, default_impl) = if s.variables.iter().all(|v| v.enum_type.is_some()) {
        (quote!(, Default), quote!())
    } else {
        (
            quote!(),
            quote! {
                impl ::std::default::Default for #name {
                    fn default() -> Self {
                        #name { #(#defaults)* }
                    }
                }
            },
        )
    };
    quote! {
        #doc
        #[derive(Debug, Clone, PartialEq, Eq #derive_default)]
        pub struct #name {
            #(#fields)*
        }

        #default_impl

        impl ::std::convert::From<#name> for Server {
            fn from(server: #name) -> Server {
                Server::from_template(#template, &[#(#values),*])
            }
        }

        #(#enums)*
    }
}

fn var_type(v: &ServerVariable) -> TokenStream {
    match &v.enum_type {
        Some(name) => {
            let name = ident(name);
            quote!(#name)
        }
        None => quote!(::std::string::String),
    }
}

fn var_enum(v: &ServerVariable) -> Option<TokenStream> {
    let name = ident(v.enum_type.as_deref()?);
    let variants = v.values.iter().map(|(variant, value)| {
        let variant = ident(variant);
        let doc = format!(" `{value}`");
        let default = (value == &v.default).then(|| quote!(#[default]));
        quote!(#[doc = #doc] #default #variant,)
    });
    let arms = v.values.iter().map(|(variant, value)| {
        let variant = ident(variant);
        quote!(#name::#variant => #value,)
    });
    let doc = doc_lines(&format!(
        "The values of the server variable `{}`{}.",
        v.name,
        v.description
            .as_deref()
            .map(|d| format!(": {}", d.trim().trim_end_matches('.')))
            .unwrap_or_default()
    ));
    Some(quote! {
        #doc
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
        pub enum #name {
            #(#variants)*
        }

        impl #name {
            /// The value as written in the URL.
            pub fn as_str(self) -> &'static str {
                match self {
                    #(#arms)*
                }
            }
        }
    })
}
