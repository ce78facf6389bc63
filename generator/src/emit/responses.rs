//! What an operation's call returns: the builder's output type, the runtime function that
//! sends it, and the enum of a response that differs by status.

use super::resource::Names;
use super::types::{doc_lines, ident};
use crate::ir::{Operation, ResponseBody, TypeRef};
use proc_macro2::TokenStream;
use quote::quote;

/// The runtime function a builder sends with, by response kind.
pub(super) fn send_fn(response: &ResponseBody) -> TokenStream {
    match response {
        ResponseBody::Empty => quote!(send_empty),
        ResponseBody::Bytes { .. } => quote!(send_bytes),
        ResponseBody::Json { .. } => quote!(send_json),
        ResponseBody::EventStream {
            ty: TypeRef::String,
        } => quote!(send_text_events),
        ResponseBody::EventStream { .. } => quote!(send_events),
        ResponseBody::Statuses { .. } => quote!(send_status),
    }
}

pub(super) fn output_type(op: &Operation, names: Names) -> TokenStream {
    match &op.response {
        ResponseBody::Empty => quote!(()),
        ResponseBody::Bytes { .. } => names.ty(&TypeRef::Bytes),
        ResponseBody::Json { ty, .. } => names.ty(ty),
        ResponseBody::EventStream { ty } => {
            let ty = names.ty(ty);
            quote!(crate::EventStream<#ty>)
        }
        ResponseBody::Statuses { name, .. } => {
            let name = ident(name);
            quote!(#name)
        }
    }
}

/// The response enum of an operation whose success statuses carry different bodies.
pub(super) fn status_enum(op: &Operation, names: Names) -> Option<TokenStream> {
    let ResponseBody::Statuses { name, variants } = &op.response else {
        return None;
    };
    let name = ident(name);
    let docs = doc_lines(&format!(
        "The successful responses of [`{}`]: one variant per status the spec declares, \
         chosen by the status the server answers with.",
        op.builder_name
    ));
    let variants = variants.iter().map(|v| {
        let status = &v.status;
        let variant = ident(&v.variant);
        let text = match &v.description {
            Some(d) => format!("`{status}`: {}", super::types::sanitize(d)),
            None => format!("`{status}`."),
        };
        let docs = doc_lines(&text);
        match &v.ty {
            Some(ty) => {
                let ty = names.ty(ty);
                quote!(#docs #status => #variant(#ty))
            }
            None => quote!(#docs #status => #variant),
        }
    });
    Some(quote! {
        rt::status_response!(#docs #name { #(#variants),* });
    })
}
