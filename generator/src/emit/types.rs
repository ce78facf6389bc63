//! Type references and rustdoc attributes: the small pieces every emitter uses.

use crate::ir::TypeRef;
use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};

/// An identifier from a name chosen by `lower` (raw identifiers included).
pub fn ident(name: &str) -> Ident {
    match name.strip_prefix("r#") {
        Some(raw) => Ident::new_raw(raw, Span::call_site()),
        None => format_ident!("{}", name),
    }
}

/// The Rust type for a `TypeRef`, with every library path spelled in full so that no
/// user-chosen schema name (`Option`, `String`, `Result`…) can shadow it.
pub fn rust_type(ty: &TypeRef) -> TokenStream {
    rust_type_in(ty, &quote!(crate::models))
}

/// [`rust_type`] for code outside the client crate: named types are found in `models`
/// (such as `::the_client::models`).
pub fn rust_type_in(ty: &TypeRef, models: &TokenStream) -> TokenStream {
    let inner = |inner: &TypeRef| rust_type_in(inner, models);
    match ty {
        TypeRef::Bool => quote!(bool),
        TypeRef::I32 => quote!(i32),
        TypeRef::I64 => quote!(i64),
        TypeRef::U32 => quote!(u32),
        TypeRef::U64 => quote!(u64),
        TypeRef::F32 => quote!(f32),
        TypeRef::F64 => quote!(f64),
        TypeRef::String => quote!(::std::string::String),
        TypeRef::DateTime => quote!(::chrono::DateTime<::chrono::Utc>),
        TypeRef::Date => quote!(::chrono::NaiveDate),
        TypeRef::Json => quote!(::serde_json::Value),
        TypeRef::Bytes => quote!(::std::vec::Vec<u8>),
        // The runtime's `File`, at the root of the crate whose `models` these are.
        TypeRef::File => {
            let text = models.to_string();
            let root: TokenStream = text
                .trim_end()
                .strip_suffix("models")
                .and_then(|r| r.trim_end().strip_suffix("::"))
                .and_then(|r| r.parse().ok())
                .unwrap_or_else(|| quote!(crate));
            quote!(#root::File)
        }
        TypeRef::Unit => quote!(()),
        TypeRef::Named(name) => {
            let name = ident(name);
            quote!(#models::#name)
        }
        TypeRef::Vec(item) => {
            let item = inner(item);
            quote!(::std::vec::Vec<#item>)
        }
        TypeRef::Map(value) => {
            let value = inner(value);
            quote!(::std::collections::BTreeMap<::std::string::String, #value>)
        }
        TypeRef::Option(value) => {
            let value = inner(value);
            quote!(::std::option::Option<#value>)
        }
        TypeRef::Box(value) => {
            let value = inner(value);
            quote!(::std::boxed::Box<#value>)
        }
    }
}

/// Whether a type (transitively through containers) needs `chrono`; takes anything that
/// holds a type, such as an `AdditionalField`.
pub fn uses_chrono<T: AsRef<TypeRef> + ?Sized>(ty: &T) -> bool {
    match ty.as_ref() {
        TypeRef::DateTime | TypeRef::Date => true,
        TypeRef::Vec(i) | TypeRef::Map(i) | TypeRef::Option(i) | TypeRef::Box(i) => uses_chrono(i),
        _ => false,
    }
}

/// Spec text that actually says something (`description: ""` does not).
pub fn nonblank(text: &Option<String>) -> Option<&String> {
    text.as_ref().filter(|t| !t.trim().is_empty())
}

/// `#[doc = "..."]` attributes for free text taken from the spec, cleaned for rustdoc.
pub fn doc(text: Option<&str>) -> TokenStream {
    match text {
        Some(text) if !text.trim().is_empty() => doc_lines(&sanitize(text)),
        _ => TokenStream::new(),
    }
}

/// `#[doc]` attributes for text written by the generator (already valid rustdoc).
///
/// While [`super::docs::kept_aside`] runs, the text goes into its table and the tokens
/// carry one placeholder attribute; the formatter puts the lines back.
pub fn doc_lines(text: &str) -> TokenStream {
    let text = line_feeds(text);
    if text.lines().next().is_none() {
        return TokenStream::new();
    }
    if let Some(placeholder) = super::docs::keep(&text) {
        return quote!(#[doc = #placeholder]);
    }
    let lines = text.lines().map(|line| {
        let line = if line.is_empty() {
            String::new()
        } else {
            format!(" {line}")
        };
        quote!(#[doc = #line])
    });
    quote!(#(#lines)*)
}

/// The bounds of a parameter as sentences for its setter's docs ("Between 5 and 50.",
/// "At most 32 characters.", "Matches `^[a-z]+$`.", "Default: 20."), or `None`.
pub fn bounds_doc(c: &crate::ir::Constraints) -> Option<String> {
    let number = |n: f64| {
        if n.fract() == 0.0 && n.abs() < 1e15 {
            format!("{}", n as i64)
        } else {
            format!("{n}")
        }
    };
    let mut parts = Vec::new();
    match (c.minimum, c.maximum) {
        (Some(min), Some(max)) if !c.exclusive_minimum && !c.exclusive_maximum => {
            parts.push(format!("Between {} and {}.", number(min), number(max)))
        }
        (min, max) => {
            let lower = min.map(|n| match c.exclusive_minimum {
                true => format!("more than {}", number(n)),
                false => format!("at least {}", number(n)),
            });
            let upper = max.map(|n| match c.exclusive_maximum {
                true => format!("less than {}", number(n)),
                false => format!("at most {}", number(n)),
            });
            let text = match (lower, upper) {
                (Some(l), Some(u)) => Some(format!("{l} and {u}")),
                (l, u) => l.or(u),
            };
            if let Some(text) = text {
                let mut chars = text.chars();
                let first = chars.next().map(|c| c.to_ascii_uppercase());
                parts.push(format!(
                    "{}{}.",
                    first.into_iter().collect::<String>(),
                    chars.as_str()
                ));
            }
        }
    }
    let chars = |n: u64| if n == 1 { "character" } else { "characters" };
    match (c.min_length, c.max_length) {
        (Some(min), Some(max)) if min == max => {
            parts.push(format!("Exactly {min} {}.", chars(min)));
        }
        (None | Some(0), Some(max)) => parts.push(format!("At most {max} {}.", chars(max))),
        (Some(min), Some(max)) => parts.push(format!("Between {min} and {max} characters.")),
        (Some(min), None) if min > 0 => parts.push(format!("At least {min} {}.", chars(min))),
        _ => {}
    }
    if let Some(pattern) = &c.pattern {
        parts.push(format!("Matches the pattern {}.", code_span(pattern)));
    }
    if let Some(default) = &c.default {
        let text = match default {
            serde_json::Value::String(s) => code_span(&format!("{s:?}")),
            other => other.to_string(),
        };
        parts.push(format!("Default: {text}."));
    }
    (!parts.is_empty()).then(|| parts.join(" "))
}

/// `text` as a Markdown code span, with enough backticks around it that none inside ends
/// it early.
fn code_span(text: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let ticks = "`".repeat(longest + 1);
    let pad = if longest > 0 || text.starts_with('`') {
        " "
    } else {
        ""
    };
    format!("{ticks}{pad}{text}{pad}{ticks}")
}

/// Line ends as `\n` only: a carriage return alone, which specs written on old Macs or
/// pasted from Windows tools hold, is not allowed in a doc comment (`bare CR`).
pub(super) fn line_feeds(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains('\r') {
        std::borrow::Cow::Owned(text.replace("\r\n", "\n").replace('\r', "\n"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// Make spec prose safe for rustdoc: no accidental code blocks or doctests, no broken
/// intra-doc links or HTML tags, bare URLs turned into autolinks.
pub fn sanitize(text: &str) -> String {
    let text = line_feeds(text);
    let mut out = Vec::new();
    let mut in_fence = false;
    for raw in text.trim().lines() {
        let line = raw.trim_end();
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") {
            if !in_fence && trimmed.trim_start_matches('`').trim().is_empty() {
                out.push("```text".to_string());
            } else if !in_fence {
                // A fence with a language: keep it from being compiled as a doctest.
                out.push("```text".to_string());
            } else {
                out.push("```".to_string());
            }
            in_fence = !in_fence;
            continue;
        }
        if in_fence {
            out.push(line.to_string());
        } else {
            out.push(escape_prose(trimmed));
        }
    }
    if in_fence {
        out.push("```".to_string());
    }
    out.join("\n")
}

fn escape_prose(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + 8);
    let chars: Vec<char> = line.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let rest: String = chars[i..].iter().take(8).collect();
        if rest.starts_with("http://") || rest.starts_with("https://") {
            let start = i;
            while i < chars.len()
                && !chars[i].is_whitespace()
                && !matches!(chars[i], ')' | '>' | '"' | '\'' | ']')
            {
                i += 1;
            }
            let mut url: String = chars[start..i].iter().collect();
            let mut trailing = String::new();
            while url.ends_with(['.', ',', ';', ':']) {
                trailing.insert(0, url.pop().unwrap_or_default());
            }
            let preceded_by_paren = start > 0 && chars[start - 1] == '(';
            if preceded_by_paren {
                out.push_str(&url);
            } else {
                out.push('<');
                out.push_str(&url);
                out.push('>');
            }
            out.push_str(&trailing);
            continue;
        }
        match c {
            '[' => {
                // Keep `[text](url)` links; escape any other bracket.
                let close = chars[i..].iter().position(|&ch| ch == ']').map(|p| p + i);
                if let Some(close) = close
                    && chars.get(close + 1) == Some(&'(')
                {
                    out.push('[');
                } else {
                    out.push_str("\\[");
                }
            }
            ']' => {
                if chars.get(i + 1) == Some(&'(') {
                    out.push(']');
                } else {
                    out.push_str("\\]");
                }
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\\' => out.push_str("\\\\"),
            _ => out.push(c),
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::sanitize;

    #[test]
    fn carriage_returns_become_line_feeds() {
        assert_eq!(sanitize("a\rb\r\nc"), "a\nb\nc");
        let tokens = super::doc_lines("one\rtwo").to_string();
        assert!(!tokens.contains("\\r"), "{tokens}");
    }

    #[test]
    fn sanitizes_prose() {
        assert_eq!(sanitize("See https://x.io/a."), "See <https://x.io/a>.");
        assert_eq!(sanitize("a [b] c"), "a \\[b\\] c");
        assert_eq!(sanitize("[b](https://x)"), "[b](https://x)");
        assert_eq!(sanitize("List<String>"), "List&lt;String&gt;");
        assert_eq!(sanitize("    indented code"), "indented code");
        assert_eq!(sanitize("```\nlet x;\n```"), "```text\nlet x;\n```");
    }

    #[test]
    fn bounds_are_sentences() {
        use super::bounds_doc;
        use crate::ir::Constraints;
        let range = Constraints {
            minimum: Some(5.0),
            maximum: Some(50.0),
            default: Some(serde_json::json!(20)),
            ..Constraints::default()
        };
        assert_eq!(
            bounds_doc(&range).as_deref(),
            Some("Between 5 and 50. Default: 20.")
        );
        let length = Constraints {
            max_length: Some(32),
            pattern: Some("^[a-f0-9`]+$".into()),
            ..Constraints::default()
        };
        assert_eq!(
            bounds_doc(&length).as_deref(),
            Some("At most 32 characters. Matches the pattern `` ^[a-f0-9`]+$ ``.")
        );
        let exact = Constraints {
            min_length: Some(2),
            max_length: Some(2),
            minimum: Some(0.5),
            default: Some(serde_json::json!("asc")),
            ..Constraints::default()
        };
        assert_eq!(
            bounds_doc(&exact).as_deref(),
            Some("At least 0.5. Exactly 2 characters. Default: `\"asc\"`.")
        );
        assert_eq!(bounds_doc(&Constraints::default()), None);
        let exclusive = Constraints {
            minimum: Some(0.0),
            exclusive_minimum: true,
            maximum: Some(100.0),
            ..Constraints::default()
        };
        assert_eq!(
            bounds_doc(&exclusive).as_deref(),
            Some("More than 0 and at most 100.")
        );
    }
}
