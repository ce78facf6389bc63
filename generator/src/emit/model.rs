//! `models.rs`: one item per `TypeDef`.

use super::types::{doc, doc_lines, ident, nonblank, rust_type};
use crate::ir::{AdditionalField, Field, TypeDef, TypeKind, UnionVariant};
use crate::naming::unraw;
use proc_macro2::TokenStream;
use quote::quote;

/// `cfg_of(name)` gives the `#[cfg(...)]` gating a type behind the features that use it.
/// The file may be built in parts (see `emit`); only the first carries the module docs.
/// `all` is every type of the crate (sorted by name), for the conversions between enums.
pub fn models_file(
    types: &[TypeDef],
    all: &[TypeDef],
    cfg_of: &dyn Fn(&str) -> TokenStream,
    first_part: bool,
) -> TokenStream {
    let items = types.iter().map(|def| {
        let item = type_def(def, &cfg_of(&def.name));
        let conversions = enum_widenings(def, all).into_iter().map(|wide| {
            let (narrow_cfg, wide_cfg) = (cfg_of(&def.name), cfg_of(&wide.name));
            let (narrow, wide) = (ident(&def.name), ident(&wide.name));
            quote! {
                #narrow_cfg
                #wide_cfg
                crate::runtime::private::string_enum_from!(#narrow => #wide);
            }
        });
        quote!(#item #(#conversions)*)
    });
    let module_doc =
        first_part.then(|| quote!(#![doc = " Request and response types of the API."]));
    quote! {
        #module_doc
        #(#items)*
    }
}

fn type_def(def: &TypeDef, cfg: &TokenStream) -> TokenStream {
    let docs = match nonblank(&def.doc) {
        Some(text) => doc(Some(text)),
        None => doc_lines(&format!("`{}` (defined at `{}`).", def.name, def.origin)),
    };
    match &def.kind {
        TypeKind::Struct { fields, additional } => {
            struct_def(&def.name, docs, cfg, fields, additional.as_ref())
        }
        TypeKind::Enum { variants } => enum_def(&def.name, docs, cfg, variants),
        TypeKind::Union {
            variants,
            discriminator,
        } => union_def(&def.name, docs, cfg, variants, discriminator.as_deref()),
        TypeKind::Id { params } => {
            let name = ident(&def.name);
            let docs = match nonblank(&def.doc) {
                Some(_) => docs,
                None => doc_lines(&format!(
                    "Identifies what the path parameter `{}` names. Make one with [`{}::new`] from a value the API returned (or you stored); it is a distinct type so that two kinds of identifier cannot be swapped.",
                    params.join("`, `"),
                    def.name
                )),
            };
            quote! {
                #docs
                #cfg
                #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
                pub struct #name(::std::string::String);

                #cfg
                crate::runtime::private::id_impls!(#name);
            }
        }
        TypeKind::Alias(target) => {
            let name = ident(&def.name);
            let target = rust_type(target);
            quote! {
                #docs
                #cfg
                pub type #name = #target;
            }
        }
    }
}

/// The enums `def` converts into: those of its family (their name starts with its name:
/// `Status` → `StatusFilter`) that accept every value it has.
fn enum_widenings<'a>(def: &TypeDef, all: &'a [TypeDef]) -> Vec<&'a TypeDef> {
    let TypeKind::Enum { variants } = &def.kind else {
        return Vec::new();
    };
    let start = all.partition_point(|t| t.name.as_str() <= def.name.as_str());
    all[start..]
        .iter()
        .take_while(|t| t.name.starts_with(&def.name))
        .filter(|t| match &t.kind {
            TypeKind::Enum { variants: wide } => variants
                .iter()
                .all(|v| wide.iter().any(|w| w.wire == v.wire)),
            _ => false,
        })
        .collect()
}

fn struct_def(
    name: &str,
    docs: TokenStream,
    cfg: &TokenStream,
    fields: &[Field],
    additional: Option<&AdditionalField>,
) -> TokenStream {
    let type_name = ident(name);
    let defaultable = fields.iter().all(|f| f.ty.has_empty_default());
    let default = if defaultable {
        quote!(Default,)
    } else {
        quote!()
    };
    let field_items = fields.iter().map(field);
    let additional_field = additional.map(|additional| {
        let field_name = ident(&additional.rust_name);
        let value = rust_type(&additional.ty);
        quote! {
            /// Properties not named above.
            #[serde(flatten)]
            pub #field_name: ::std::collections::BTreeMap<::std::string::String, #value>,
        }
    });
    if additional_field.is_some() {
        // `flatten` needs serde's buffering; the derive does that.
        return quote! {
            #docs
            #cfg
            #[derive(Debug, Clone, PartialEq, #default ::serde::Serialize, ::serde::Deserialize)]
            pub struct #type_name {
                #(#field_items)*
                #additional_field
            }
        };
    }
    let deserialize = deserialize_struct(name, fields);
    quote! {
        #docs
        #cfg
        #[derive(Debug, Clone, PartialEq, #default ::serde::Serialize)]
        pub struct #type_name {
            #(#field_items)*
        }

        #cfg
        #deserialize
    }
}

/// `Deserialize` for a struct: one invocation of the runtime's `deserialize_struct!`, which
/// holds the visitor code once (see there for the rules). Field positions are written out
/// so that keys are matched without a search.
fn deserialize_struct(name: &str, fields: &[Field]) -> TokenStream {
    let type_name = ident(name);
    let entries = fields.iter().enumerate().map(|(i, f)| {
        let i = proc_macro2::Literal::usize_unsuffixed(i);
        let field = ident(&f.rust_name);
        let wire = &f.wire_name;
        let kind = if f.ty.is_option() {
            quote!(opt)
        } else {
            quote!(req)
        };
        quote!((#i, #field, #wire, #kind))
    });
    quote! {
        crate::runtime::private::deserialize_struct!(#type_name #(, #entries)*);
    }
}

fn field(f: &Field) -> TokenStream {
    let name = ident(&f.rust_name);
    let ty = rust_type(&f.ty);
    let docs = match nonblank(&f.doc) {
        Some(text) => doc(Some(text)),
        None => doc_lines(&format!("The `{}` property.", f.wire_name)),
    };
    let rename = (unraw(&f.rust_name) != f.wire_name).then(|| {
        let wire = &f.wire_name;
        quote!(rename = #wire,)
    });
    let skip = (!f.required && f.ty.is_option()).then(|| {
        quote!(
            default,
            skip_serializing_if = "::std::option::Option::is_none",
        )
    });
    let serde_attr = if rename.is_some() || skip.is_some() {
        quote!(#[serde(#rename #skip)])
    } else {
        quote!()
    };
    quote! {
        #docs
        #serde_attr
        pub #name: #ty,
    }
}

fn enum_def(
    name: &str,
    docs: TokenStream,
    cfg: &TokenStream,
    variants: &[crate::ir::EnumVariant],
) -> TokenStream {
    let type_name = ident(name);
    let items = variants.iter().map(|v| {
        let variant = ident(&v.rust_name);
        let wire = &v.wire;
        let vdoc = doc_lines(&format!("`{}`", wire.replace('`', "'")));
        quote! {
            #vdoc
            #variant,
        }
    });
    let entries = variants.iter().map(|v| {
        let variant = ident(&v.rust_name);
        let wire = &v.wire;
        quote!((#variant, #wire))
    });
    // The impls (`as_str`, `Display`, `FromStr`, serde) come from the runtime's
    // `string_enum_impls!`: a derive with an untagged catch-all would buffer every value and
    // try each variant, slow to compile and to run.
    quote! {
        #docs
        #cfg
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum #type_name {
            #(#items)*
            /// A value this version of the crate does not know; kept verbatim.
            Unknown(::std::string::String),
        }

        #cfg
        crate::runtime::private::string_enum_impls!(#type_name #(, #entries)*);
    }
}

fn union_def(
    name: &str,
    docs: TokenStream,
    cfg: &TokenStream,
    variants: &[UnionVariant],
    discriminator: Option<&str>,
) -> TokenStream {
    let type_name = ident(name);
    let items = variants.iter().map(|v| {
        let variant = ident(&v.rust_name);
        let ty = rust_type(&v.ty);
        let vdoc = doc_lines(&format!("The `{}` alternative.", v.rust_name));
        quote! {
            #vdoc
            #variant(#ty),
        }
    });
    let Some(property) = discriminator else {
        return quote! {
            #docs
            #cfg
            #[derive(Debug, Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
            #[serde(untagged)]
            pub enum #type_name {
                #(#items)*
            }
        };
    };
    // Tagged by a property the variants carry themselves: serialize as the variant, pick
    // the variant by the property's value when deserializing.
    // A variant whose values all select an earlier one has no arm.
    let arms = variants.iter().filter(|v| !v.tags.is_empty()).map(|v| {
        let variant = ident(&v.rust_name);
        let tags = &v.tags;
        quote! {
            #(::std::option::Option::Some(#tags))|* => ::serde_json::from_value(value)
                .map(Self::#variant)
                .map_err(::serde::de::Error::custom),
        }
    });
    let expected = variants
        .iter()
        .flat_map(|v| v.tags.iter().map(|t| format!("`{t}`")))
        .collect::<Vec<_>>()
        .join(", ");
    let unknown = format!("unknown `{property}` {{:?}}; expected one of {expected}");
    quote! {
        #docs
        #cfg
        #[derive(Debug, Clone, PartialEq, ::serde::Serialize)]
        #[serde(untagged)]
        pub enum #type_name {
            #(#items)*
        }

        #cfg
        impl<'de> ::serde::Deserialize<'de> for #type_name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                let value = <::serde_json::Value as ::serde::Deserialize>::deserialize(deserializer)?;
                let tag = value.get(#property).and_then(::serde_json::Value::as_str).map(::std::borrow::ToOwned::to_owned);
                match tag.as_deref() {
                    #(#arms)*
                    other => ::std::result::Result::Err(::serde::de::Error::custom(::std::format!(#unknown, other))),
                }
            }
        }
    }
}
