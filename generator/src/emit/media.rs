//! A request body's media type as the runtime's data: its `BodyKind` with the
//! properties' encodings, and the other media types a caller may choose.

use crate::ir::{BodyKind, PropertyEncoding, RequestBody};
use proc_macro2::TokenStream;
use quote::quote;

use super::types::ident;

/// The `body:` field of an operation's `static`.
pub(super) fn body_kind(b: &RequestBody) -> TokenStream {
    let content_type = &b.content_type;
    let encodings = b.encodings.iter().map(encoding_spec);
    match b.kind {
        BodyKind::Json => quote!(body: rt::BodyKind::Json(#content_type),),
        BodyKind::Bytes => quote!(body: rt::BodyKind::Bytes(#content_type),),
        BodyKind::Form => quote!(body: rt::BodyKind::Form(#content_type, &[#(#encodings),*]),),
        BodyKind::Multipart => {
            quote!(body: rt::BodyKind::Multipart(#content_type, &[#(#encodings),*]),)
        }
    }
}

/// The `media_types:` field, when the body may be sent as another media type.
pub(super) fn media_types(b: &RequestBody) -> Option<TokenStream> {
    let types = &b.alternatives;
    (!types.is_empty()).then(|| quote!(media_types: &[#(#types),*],))
}

/// One property's encoding, as the runtime's `Encoding`: only what differs from its
/// `DEFAULT`.
pub(super) fn encoding_spec(e: &PropertyEncoding) -> TokenStream {
    let name = &e.name;
    let file = e.file.then(|| quote!(file: true,));
    let content_type = e
        .content_type
        .as_ref()
        .map(|ct| quote!(content_type: ::std::option::Option::Some(#ct),));
    let style = e.style.map(|s| {
        let s = ident(s.variant());
        quote!(style: ::std::option::Option::Some(rt::EncodingStyle::#s),)
    });
    let explode = (!e.explode).then(|| quote!(explode: false,));
    let reserved = e.allow_reserved.then(|| quote!(allow_reserved: true,));
    quote!(rt::Encoding { name: #name, #file #content_type #style #explode #reserved ..rt::Encoding::DEFAULT })
}
