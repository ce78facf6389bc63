//! Doc comments kept out of the token streams while a file is built and formatted.
//!
//! Spec prose is most of a large crate's text (about a third of Cloudflare's). As
//! `#[doc = "…"]` tokens it would be escaped by `quote`, parsed and unescaped by `syn`, and
//! printed again by `prettyplease`, all to come out as the `///` lines it started as. While
//! [`kept_aside`] runs, [`super::types::doc_lines`] stores each text in a table of this
//! thread and emits one short placeholder attribute instead; [`restore`] replaces each
//! placeholder line of the formatted text with the doc lines, exactly as `prettyplease`
//! prints them (`///`, then a space and the line with trailing spaces trimmed).

use std::cell::RefCell;

/// What a placeholder's doc text starts with; the table index follows. The control
/// character keeps it apart from any text a spec could put in a doc comment (those go
/// through the table too, and never reach the formatter).
const MARK: &str = "\u{1}apigen-doc-";

/// A placeholder as `prettyplease` prints it inside a macro's tokens: a string literal.
const MARK_ESCAPED: &str = "\\u{1}apigen-doc-";

thread_local! {
    static TABLE: RefCell<Option<Vec<String>>> = const { RefCell::new(None) };
}

/// Run `build` (which builds and formats one file) with doc texts kept aside.
pub(crate) fn kept_aside<R>(build: impl FnOnce() -> R) -> R {
    let previous = TABLE.replace(Some(Vec::new()));
    // Put the outer table back even if `build` panics, so nothing leaks into a later file.
    struct Restore(Option<Vec<String>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            TABLE.set(self.0.take());
        }
    }
    let _restore = Restore(previous);
    build()
}

/// Store `text` and return its placeholder, when texts are being kept aside.
pub(super) fn keep(text: &str) -> Option<String> {
    TABLE.with_borrow_mut(|table| {
        let table = table.as_mut()?;
        table.push(text.to_string());
        Some(format!("{MARK}{}", table.len() - 1))
    })
}

/// Put the kept texts back into `formatted`, or `Err` with the text of a placeholder that
/// is not on a line of its own (a generator bug: a doc attribute inside a macro's tokens).
pub(super) fn restore(formatted: String) -> Result<String, String> {
    if formatted.contains(MARK_ESCAPED) {
        return Err("a doc placeholder inside a macro's tokens".to_string());
    }
    if !formatted.contains(MARK) {
        return Ok(formatted);
    }
    TABLE.with_borrow(|table| {
        let Some(table) = table else {
            return Err("a doc placeholder outside `kept_aside`".to_string());
        };
        let mut out = String::with_capacity(formatted.len() + formatted.len() / 2);
        for line in formatted.split_inclusive('\n') {
            let Some(at) = line.find(MARK) else {
                out.push_str(line);
                continue;
            };
            let indent = &line[..at];
            let index = line[at + MARK.len()..].trim_end_matches('\n');
            let text = indent
                .strip_suffix("///")
                .filter(|spaces| spaces.bytes().all(|b| b == b' '))
                .zip(index.parse::<usize>().ok())
                .and_then(|(spaces, i)| Some((spaces, table.get(i)?)));
            let Some((spaces, text)) = text else {
                return Err(format!("a doc placeholder the formatter moved: {line:?}"));
            };
            push_doc_comment(&mut out, spaces, text);
        }
        Ok(out)
    })
}

/// `text` as `///` lines indented by `indent`, as `prettyplease` prints doc attributes:
/// `///` alone for an empty line, else `/// ` and the line, trailing spaces trimmed.
pub(super) fn push_doc_comment(out: &mut String, indent: &str, text: &str) {
    for line in super::types::line_feeds(text).lines() {
        out.push_str(indent);
        out.push_str("///");
        if !line.is_empty() {
            out.push(' ');
            out.push_str(line);
            out.truncate(out.trim_end_matches(' ').len());
        }
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn format(tokens: proc_macro2::TokenStream) -> String {
        super::super::format_rust("t.rs", tokens, "").expect("formats")
    }

    fn items() -> proc_macro2::TokenStream {
        let docs =
            super::super::types::doc_lines("First line.\n\n  Indented, trailing spaces   \n`code`");
        let field = super::super::types::doc_lines("A field.");
        let variant = super::super::types::doc_lines("One.\nTwo.");
        quote! {
            #docs
            pub struct Thing {
                #field
                pub a: i32,
            }
            pub enum Choice {
                #variant
                One,
            }
        }
    }

    #[test]
    fn kept_aside_docs_format_like_doc_attributes() {
        let plain = format(items());
        let kept = kept_aside(|| format(items()));
        assert_eq!(kept, plain);
        assert!(plain.contains("    /// A field.\n"), "{plain}");
        assert!(
            plain.contains("///   Indented, trailing spaces\n"),
            "{plain}"
        );
        assert!(!kept.contains(MARK));
    }

    #[test]
    fn a_placeholder_off_its_own_line_is_an_error() {
        let result = kept_aside(|| {
            let docs = super::super::types::doc_lines("Inside a macro.");
            super::super::format_rust("t.rs", quote!(m! { #docs struct A; }), "")
        });
        assert!(result.is_err());
    }
}
