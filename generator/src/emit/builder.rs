//! An operation's request builder as text: one `rt::request_builder!` invocation whose
//! setters are one line each (`page: i64 = arg(2);`), laid out here rather than by
//! `prettyplease`, which prints the tokens of a macro invocation as one run of text.

use super::resource::Names;
use super::types::{nonblank, sanitize};
use crate::ir::{BodyKind, Operation, Param, TypeDef, TypeKind, TypeRef};
use proc_macro2::{Delimiter, Literal, TokenStream, TokenTree};

/// The builder of `op`: the invocation's header (builder, output, send function, item of a
/// list), then the setters of its optional parameters and body.
pub(super) fn builder_text(op: &Operation, types: &[TypeDef], names: Names) -> String {
    let mut header = format!(
        "{} => {}, {}",
        op.builder_name,
        tokens_text(super::responses::output_type(op, names)),
        tokens_text(super::responses::send_fn(&op.response)),
    );
    if let Some(p) = &op.pagination {
        header.push_str(&format!(", stream {}", tokens_text(names.ty(&p.item))));
    }
    let setters = setters(op, types, names);
    if setters.is_empty() {
        return format!("rt::request_builder!({header});\n");
    }
    let mut text = format!("rt::request_builder! {{\n    {header};\n");
    for setter in setters {
        super::docs::push_doc_comment(&mut text, "    ", &setter.doc);
        text.push_str(&format!(
            "    {}: {} = {}({});\n",
            setter.name, setter.ty, setter.how, setter.argument
        ));
    }
    text.push_str("}\n");
    text
}

/// One line of the invocation: `name: ty = how(argument);` under its docs.
struct Setter {
    doc: String,
    name: String,
    ty: String,
    how: &'static str,
    argument: String,
}

fn setters(op: &Operation, types: &[TypeDef], names: Names) -> Vec<Setter> {
    let mut setters: Vec<Setter> = op
        .params
        .iter()
        .enumerate()
        .filter(|(_, p)| !p.required)
        .map(|(index, p)| param_setter(index, p, names))
        .collect();
    let Some(b) = &op.body else {
        return setters;
    };
    let model_fields = match &b.ty {
        TypeRef::Named(name) => {
            types
                .iter()
                .find(|t| &t.name == name)
                .and_then(|t| match &t.kind {
                    TypeKind::Struct { fields, .. } => Some(fields.as_slice()),
                    _ => None,
                })
        }
        _ => None,
    };
    for s in &b.setters {
        let wire = model_fields
            .and_then(|fields| fields.iter().find(|f| f.rust_name == s.field))
            .map_or_else(
                || crate::naming::unraw(&s.field).to_string(),
                |f| f.wire_name.clone(),
            );
        let doc = match nonblank(&s.doc) {
            Some(text) => sanitize(text),
            None => format!("Sets the body field `{wire}`."),
        };
        let ty = tokens_text(names.ty(&s.ty));
        // A file takes anything that converts: bytes, text, or a `File` made from a path
        // or a stream.
        let (ty, how) = if s.ty == TypeRef::File {
            (format!("impl ::std::convert::Into<{ty}>"), "file")
        } else {
            (ty, "field")
        };
        setters.push(Setter {
            doc,
            name: s.method.clone(),
            ty,
            how,
            argument: Literal::string(&wire).to_string(),
        });
    }
    if !b.setters.is_empty() || !b.required {
        setters.push(Setter {
            doc: "Sets the whole request body.".to_string(),
            name: "body".to_string(),
            ty: tokens_text(names.ty(&b.ty)),
            how: match b.kind {
                BodyKind::Bytes => "bytes",
                BodyKind::Json | BodyKind::Form | BodyKind::Multipart => "body",
            },
            argument: String::new(),
        });
    }
    setters
}

fn param_setter(index: usize, p: &Param, names: Names) -> Setter {
    let mut doc = match nonblank(&p.doc) {
        Some(text) => sanitize(text),
        None => format!("Sets the `{}` parameter.", p.wire_name),
    };
    if let Some(bounds) = super::types::bounds_doc(&p.constraints) {
        doc.push_str(&format!("\n\n{bounds}"));
    }
    let (ty, how) = if p.ty == TypeRef::String {
        (tokens_text(names.into_string()), "arg_str")
    } else {
        (tokens_text(names.ty(&p.ty)), "arg")
    };
    Setter {
        doc,
        name: p.rust_name.clone(),
        ty,
        how,
        argument: index.to_string(),
    }
}

/// The tokens of a type (or a path) as Rust text: words apart, punctuation tight, a space
/// after each comma (`::std::collections::BTreeMap<String, i64>`, `impl Into<String>`).
pub(super) fn tokens_text(tokens: TokenStream) -> String {
    let mut text = String::new();
    write_tokens(tokens, &mut text);
    text
}

fn write_tokens(tokens: TokenStream, text: &mut String) {
    let mut after_word = false;
    for token in tokens {
        match token {
            TokenTree::Ident(word) => {
                if after_word {
                    text.push(' ');
                }
                text.push_str(&word.to_string());
                after_word = true;
            }
            TokenTree::Literal(literal) => {
                if after_word {
                    text.push(' ');
                }
                text.push_str(&literal.to_string());
                after_word = true;
            }
            TokenTree::Punct(punct) => {
                text.push(punct.as_char());
                if punct.as_char() == ',' {
                    text.push(' ');
                }
                after_word = false;
            }
            TokenTree::Group(group) => {
                let (open, close) = match group.delimiter() {
                    Delimiter::Parenthesis => ("(", ")"),
                    Delimiter::Bracket => ("[", "]"),
                    Delimiter::Brace => ("{", "}"),
                    Delimiter::None => ("", ""),
                };
                text.push_str(open);
                write_tokens(group.stream(), text);
                text.push_str(close);
                after_word = false;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    #[test]
    fn types_print_as_rust_writes_them() {
        let cases = [
            (quote!(::std::vec::Vec<u8>), "::std::vec::Vec<u8>"),
            (quote!(impl Into<String>), "impl Into<String>"),
            (
                quote!(::std::collections::BTreeMap<String, Vec<crate::models::A>>),
                "::std::collections::BTreeMap<String, Vec<crate::models::A>>",
            ),
            (quote!(()), "()"),
            (quote!(crate::models::r#Type), "crate::models::r#Type"),
        ];
        for (tokens, text) in cases {
            assert_eq!(tokens_text(tokens.clone()), text);
            let tokens_of = |ty: syn::Type| quote::ToTokens::to_token_stream(&ty).to_string();
            let from_text = tokens_of(syn::parse_str(text).expect("the text parses"));
            let from_tokens = tokens_of(syn::parse2(tokens).expect("the tokens parse"));
            assert_eq!(from_text, from_tokens, "the same type as {text}");
        }
    }
}
