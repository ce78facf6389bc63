//! Crate-level files: `lib.rs` (modules; its docs are the README, `readme.rs`), `exports.rs`
//! (the crate root's re-exports), `profile.rs` (profile, credential constructors) and
//! `Cargo.toml`.

use super::types::{doc_lines, ident, uses_chrono};
use crate::ir::{Api, CredentialKind, Envelope, TypeKind};
use proc_macro2::TokenStream;
use quote::quote;

pub fn lib_file(api: &Api) -> TokenStream {
    // Generated modules are formatted by the generator (prettyplease); `rustfmt::skip`
    // keeps `cargo fmt` from reformatting them. This file holds only what both agree on.
    let mut modules: Vec<(String, TokenStream)> = api
        .resources
        .iter()
        .map(|r| {
            let m = ident(&r.module);
            let cfg = super::features::cfg_feature(&super::features::feature_name(&r.module));
            let name = crate::naming::unraw(&r.module).to_string();
            (name, quote!(#cfg #[rustfmt::skip] pub mod #m;))
        })
        .collect();
    for (name, public) in [
        ("exports", false),
        ("models", true),
        ("profile", false),
        ("runtime", false),
    ] {
        let m = ident(name);
        let vis = if public { quote!(pub) } else { quote!() };
        modules.push((name.to_string(), quote!(#[rustfmt::skip] #vis mod #m;)));
    }
    if api.profile.offers_servers() {
        let m = ident("servers");
        let servers = quote!(#[rustfmt::skip] pub mod #m;);
        modules.push(("servers".to_string(), servers));
    }
    modules.sort_by(|a, b| a.0.cmp(&b.0));
    let modules = modules.into_iter().map(|(_, m)| m);
    // The crate's README (emit/readme.rs) is its crate-level documentation, so its
    // examples are doctests.
    quote! {
        #![doc = include_str!("../README.md")]
        #![warn(missing_docs)]
        #![forbid(unsafe_code)]

        #(#modules)*

        pub use exports::*;
    }
}

/// `exports.rs`: everything re-exported at the crate root.
pub fn exports_file(api: &Api) -> TokenStream {
    let runtime_items = crate::naming::RUNTIME_EXPORTS.iter().map(|name| {
        let name = ident(name);
        quote!(pub use crate::runtime::#name;)
    });
    // The runtime's prelude and the crates its API speaks of; chrono only where the
    // models use it (the runtime itself does not).
    let modules = crate::naming::RUNTIME_MODULE_EXPORTS
        .iter()
        .filter(|name| **name != "chrono")
        .map(|name| {
            let name = ident(name);
            quote!(pub use crate::runtime::#name;)
        });
    let chrono = needs_chrono(api).then(|| {
        quote!(
            pub use ::chrono;
        )
    });
    let handles = api.resources.iter().map(|r| {
        let m = ident(&r.module);
        let t = ident(&r.type_name);
        let cfg = super::features::cfg_feature(&super::features::feature_name(&r.module));
        quote!(#cfg pub use crate::#m::#t;)
    });
    let feature_items = crate::naming::FEATURE_EXPORTS
        .iter()
        .map(|(feature, name)| {
            let name = ident(name);
            quote!(#[cfg(feature = #feature)] pub use crate::runtime::#name;)
        });
    quote! {
        //! Items re-exported at the crate root.
        #(#runtime_items)*
        #(#feature_items)*
        #(#modules)*
        #chrono
        #(#handles)*
        pub(crate) use crate::profile::PROFILE;
    }
}

/// `profile.rs`: the settings the runtime reads, and the named credential constructors.
pub fn profile_file(api: &Api) -> TokenStream {
    let profile = profile(api);
    let credentials = credentials(api);
    quote! {
        //! Spec-wide settings (base URL, credentials, envelope) and credential constructors.
        #profile
        #credentials
    }
}

fn opt_str(value: Option<&str>) -> TokenStream {
    match value {
        Some(v) => quote!(::std::option::Option::Some(#v)),
        None => quote!(::std::option::Option::None),
    }
}

fn profile(api: &Api) -> TokenStream {
    let p = &api.profile;
    let base_url = &p.default_base_url;
    let base_url_env = opt_str(p.base_url_env.as_deref());
    let request_id = opt_str(p.request_id_header.as_deref());
    let requires_credentials = p.requires_credentials;
    let envelope = match p.envelope {
        Envelope::None => quote!(None),
        Envelope::CloudflareV4 => quote!(CloudflareV4),
    };
    let sets = p.credentials.iter().map(|set| {
        let name = crate::naming::unraw(&set.name);
        let parts = set.parts.iter().map(|part| {
            let env = opt_str(part.env.as_deref());
            match &part.kind {
                CredentialKind::Bearer => quote!(crate::runtime::private::CredentialPart::Bearer { env: #env }),
                CredentialKind::Header(header) => {
                    quote!(crate::runtime::private::CredentialPart::Header { name: #header, env: #env })
                }
                CredentialKind::Query(name) => {
                    quote!(crate::runtime::private::CredentialPart::Query { name: #name, env: #env })
                }
                CredentialKind::Cookie(name) => {
                    quote!(crate::runtime::private::CredentialPart::Cookie { name: #name, env: #env })
                }
                CredentialKind::Basic => quote!(crate::runtime::private::CredentialPart::Basic { env: #env }),
            }
        });
        quote! {
            crate::runtime::private::CredentialSet { name: #name, parts: &[#(#parts),*] }
        }
    });
    quote! {
        /// Spec-wide settings the runtime reads: base URL, credentials, envelope.
        pub(crate) static PROFILE: crate::runtime::private::Profile = crate::runtime::private::Profile {
            default_base_url: #base_url,
            base_url_env: #base_url_env,
            credential_sets: &[#(#sets),*],
            envelope: crate::runtime::private::Envelope::#envelope,
            request_id_header: #request_id,
            requires_credentials: #requires_credentials,
        };
    }
}

fn credentials(api: &Api) -> TokenStream {
    let constructors = api.profile.credentials.iter().map(|set| {
        let name = ident(&set.name);
        let basic_parts = set
            .parts
            .iter()
            .filter(|p| p.kind == CredentialKind::Basic)
            .count();
        // A basic-authentication part takes two arguments; alone in its set they are
        // plain `username` and `password`.
        let basic_args = |arg: &str| {
            if basic_parts == 1 {
                ["username".to_string(), "password".to_string()]
            } else {
                let arg = crate::naming::unraw(arg);
                [format!("{arg}_username"), format!("{arg}_password")]
            }
        };
        let args = set.parts.iter().flat_map(|part| {
            let names = match part.kind {
                CredentialKind::Basic => basic_args(&part.arg).to_vec(),
                _ => vec![part.arg.clone()],
            };
            names.into_iter().map(|name| {
                let arg = ident(&name);
                quote!(#arg: impl ::std::convert::Into<::std::string::String>)
            })
        });
        let args: Vec<TokenStream> = args.collect();
        let mut chain = TokenStream::new();
        for (i, part) in set.parts.iter().enumerate() {
            let arg = ident(&part.arg);
            let [user, password] = basic_args(&part.arg).map(|a| ident(&a));
            let step = match (&part.kind, i) {
                (CredentialKind::Bearer, 0) => quote!(crate::Credentials::bearer(#arg)),
                (CredentialKind::Header(h), 0) => quote!(crate::Credentials::header(#h, #arg)),
                (CredentialKind::Query(q), 0) => quote!(crate::Credentials::query(#q, #arg)),
                (CredentialKind::Cookie(c), 0) => quote!(crate::Credentials::cookie(#c, #arg)),
                (CredentialKind::Basic, 0) => quote!(crate::Credentials::basic(#user, #password)),
                (CredentialKind::Bearer, _) => {
                    quote!(.and_header("Authorization", ::std::format!("Bearer {}", #arg.into())))
                }
                (CredentialKind::Header(h), _) => quote!(.and_header(#h, #arg)),
                (CredentialKind::Query(q), _) => quote!(.and_query(#q, #arg)),
                (CredentialKind::Cookie(c), _) => quote!(.and_cookie(#c, #arg)),
                (CredentialKind::Basic, _) => quote!(.and_basic(#user, #password)),
            };
            chain.extend(step);
        }
        let mut text = set
            .doc
            .clone()
            .map(|d| super::types::sanitize(&d))
            .unwrap_or_else(|| {
                format!(
                    "Credentials for the `{}` security requirement.",
                    crate::naming::unraw(&set.name)
                )
            });
        text.push('\n');
        for part in &set.parts {
            let sent = match &part.kind {
                CredentialKind::Bearer => "`Authorization: Bearer …`".to_string(),
                CredentialKind::Header(h) => format!("header `{h}`"),
                CredentialKind::Query(q) => format!("query parameter `{q}`"),
                CredentialKind::Cookie(c) => format!("cookie `{c}`"),
                CredentialKind::Basic => {
                    let [user, password] = basic_args(&part.arg);
                    format!("`Authorization: Basic …`, from `{user}` and `{password}`")
                }
            };
            let env = part
                .env
                .as_ref()
                .map(|e| match part.kind {
                    CredentialKind::Basic => {
                        format!("; `Client::from_env` reads `username:password` from `{e}`")
                    }
                    _ => format!("; `Client::from_env` reads it from `{e}`"),
                })
                .unwrap_or_default();
            let about = part
                .doc
                .as_deref()
                .map(|d| format!(": {}", super::types::sanitize(d).replace('\n', " ")))
                .unwrap_or_default();
            text.push_str(&format!(
                "\n- `{}` is sent as {sent}{env}{about}",
                crate::naming::unraw(&part.arg)
            ));
        }
        let docs = doc_lines(&text);
        quote! {
            #docs
            pub fn #name(#(#args),*) -> Self {
                #chain
            }
        }
    });
    if api.profile.credentials.is_empty() {
        return quote!();
    }
    quote! {
        impl crate::Credentials {
            #(#constructors)*
        }
    }
}

/// Whether the crate's models or operations use chrono's types.
pub(super) fn needs_chrono(api: &Api) -> bool {
    api.types.iter().any(|t| match &t.kind {
        TypeKind::Struct { fields, additional } => {
            fields.iter().any(|f| uses_chrono(&f.ty))
                || additional.as_ref().is_some_and(uses_chrono)
        }
        TypeKind::Union { variants, .. } => variants.iter().any(|v| uses_chrono(&v.ty)),
        TypeKind::Alias(t) => uses_chrono(t),
        TypeKind::Enum { .. } | TypeKind::Id { .. } => false,
    }) || api.resources.iter().flat_map(|r| &r.operations).any(|op| {
        op.params.iter().any(|p| uses_chrono(&p.ty))
            || matches!(&op.response, crate::ir::ResponseBody::Json { ty, .. }
                | crate::ir::ResponseBody::EventStream { ty } if uses_chrono(ty))
            || matches!(&op.response, crate::ir::ResponseBody::Statuses { variants, .. }
                if variants.iter().filter_map(|v| v.ty.as_ref()).any(uses_chrono))
            || op.body.as_ref().is_some_and(|b| uses_chrono(&b.ty))
    })
}

pub fn cargo_toml(api: &Api, features: &super::features::Features, header: &str) -> String {
    let chrono = if needs_chrono(api) {
        "chrono = { version = \"0.4\", default-features = false, features = [\"serde\", \"std\"] }\n"
    } else {
        ""
    };
    let description = api
        .package
        .description
        .replace('\\', "\\\\")
        .replace('"', "\\\"");
    format!(
        r#"{header}
[package]
name = "{name}"
version = "{version}"
description = "{description}"
edition = "2024"
rust-version = "1.85"
license = "MIT OR Apache-2.0"
readme = "README.md"
publish = false

[features]
# One feature per resource (all on by default); `default-features = false` plus the
# resources you use compiles only those.
{features}# Emit a `tracing` span per HTTP attempt (method, path template, status, attempt) and a debug event per call.
tracing = ["dep:tracing"]
# `send_blocking()`, `send_with_response_blocking()` and `iter_blocking()` on every request,
# for programs without an async runtime (the client runs its own).
blocking = ["tokio/rt-multi-thread"]
# `Mock`: a typed in-process mock of the API, for unit tests without a network.
mock = []

[dependencies]
bytes = "1"
{chrono}futures-core = "0.3"
futures-util = {{ version = "0.3", default-features = false, features = ["std"] }}
http-body = "1"
httpdate = "1"
percent-encoding = "2"
reqwest = {{ version = "0.13", default-features = false, features = [{reqwest_features}] }}
serde = {{ version = "1", features = ["derive"] }}
serde_json = "1"
tokio = {{ version = "1", features = ["fs", "time"] }}
tracing = {{ version = "0.1", optional = true }}

[dev-dependencies]
tokio = {{ version = "1", features = ["macros", "rt-multi-thread", "net", "io-util"] }}
"#,
        name = api.package.name,
        version = api.package.version,
        reqwest_features = REQWEST_FEATURES,
        features = features.cargo_table(),
    )
}

/// reqwest features: JSON, rustls (no OpenSSL), HTTP/2.
const REQWEST_FEATURES: &str = r#""json", "rustls""#;
