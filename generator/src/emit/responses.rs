//! What an operation's call returns: the builder's output type, the runtime function that
//! sends it, and the enum of a response that differs by status.

use super::builder::tokens_text;
use super::docs::push_doc_comment;
use super::resource::Names;
use super::types::ident;
use crate::ir::{Operation, ResponseBody, TypeRef};
use proc_macro2::{Literal, TokenStream};
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

/// The response enum of an operation whose success statuses carry different bodies: one
/// `rt::status_response!` invocation, a variant a line under its docs, laid out here (as
/// [`super::builder`] lays out builders) rather than printed by `prettyplease` as one run.
pub(super) fn status_enum(op: &Operation, names: Names) -> Option<String> {
    let ResponseBody::Statuses { name, variants } = &op.response else {
        return None;
    };
    let mut text = String::from("rt::status_response! {\n");
    push_doc_comment(
        &mut text,
        "    ",
        &format!(
            "The successful responses of [`{}`]: one variant per status the spec declares, \
             chosen by the status the server answers with.",
            op.builder_name
        ),
    );
    text.push_str(&format!("    {name} {{\n"));
    for v in variants {
        let status = Literal::string(&v.status);
        let doc = match &v.description {
            Some(d) => format!("`{}`: {}", v.status, super::types::sanitize(d)),
            None => format!("`{}`.", v.status),
        };
        push_doc_comment(&mut text, "        ", &doc);
        let body = match &v.ty {
            Some(ty) => format!("({})", tokens_text(names.ty(ty))),
            None => String::new(),
        };
        text.push_str(&format!("        {status} => {}{body},\n", v.variant));
    }
    text.push_str("    }\n}\n");
    Some(text)
}
