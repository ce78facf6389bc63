//! Every Rust name the generator produces comes from here.
//!
//! Rules: casing with `heck`; characters that cannot appear in an identifier become word
//! breaks; a leading digit gets a prefix; Rust keywords become raw identifiers (`r#type`),
//! except the few that cannot be raw (`self`, `Self`, `super`, `crate`, `_`), which get a
//! trailing underscore. [`NameSet`] hands out names that are unique within one scope.

use heck::{ToShoutySnakeCase, ToSnakeCase, ToUpperCamelCase};
use std::collections::BTreeSet;

const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut",
    "pub", "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "type",
    "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "try", "typeof", "unsized", "virtual", "yield", "union", "_",
];

/// Keywords that `r#` cannot escape.
const NOT_RAW: &[&str] = &["self", "Self", "super", "crate", "_"];

/// Replace anything that is not ASCII alphanumeric by a space, so heck sees word breaks.
fn words(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if c == '_' || c == '-' || c == ' ' || c == '.' || c == '/' {
            out.push(' ');
        } else if c.is_alphanumeric() {
            // Non-ASCII letters cannot be turned into a portable identifier; keep a marker
            // of their code point so distinct names stay distinct.
            out.push_str(&format!(" u{:x} ", c as u32));
        } else {
            out.push(' ');
        }
    }
    out
}

fn escape(name: String, fallback: &str, digit_prefix: &str) -> String {
    let mut name = if name.is_empty() {
        fallback.to_string()
    } else {
        name
    };
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name = format!("{digit_prefix}{name}");
    }
    if NOT_RAW.contains(&name.as_str()) {
        format!("{name}_")
    } else if KEYWORDS.contains(&name.as_str()) {
        format!("r#{name}")
    } else {
        name
    }
}

/// `snake_case` identifier for fields, methods, parameters and modules.
pub fn snake(raw: &str) -> String {
    escape(words(raw).to_snake_case(), "value", "n")
}

/// `UpperCamelCase` identifier for types and variants.
pub fn camel(raw: &str) -> String {
    escape(words(raw).to_upper_camel_case(), "Value", "V")
}

/// `SCREAMING_SNAKE_CASE` identifier for statics.
pub fn shouty(raw: &str) -> String {
    escape(words(raw).to_shouty_snake_case(), "VALUE", "N")
}

/// Whether `name` is a Rust keyword (strict, reserved or weak enough to need escaping).
pub fn is_keyword(name: &str) -> bool {
    KEYWORDS.contains(&name)
}

/// The identifier without a raw prefix: what serde uses as the default wire name.
pub fn unraw(ident: &str) -> &str {
    ident.strip_prefix("r#").unwrap_or(ident)
}

/// A scope of names. `claim` returns the wanted name, or the wanted name with the first
/// free numeric suffix (`name_2`, `Name2`), so two inputs never share one Rust name.
#[derive(Debug, Default, Clone)]
pub struct NameSet {
    taken: BTreeSet<String>,
}

impl NameSet {
    pub fn new() -> Self {
        Self::default()
    }

    /// Reserve names that generated code already uses in this scope.
    pub fn with_reserved(names: &[&str]) -> Self {
        let mut set = Self::new();
        for name in names {
            set.taken.insert((*name).to_string());
        }
        set
    }

    pub fn contains(&self, name: &str) -> bool {
        self.taken.contains(unraw(name))
    }

    /// Claim `wanted`, or a suffixed variant of it when taken. `snake` chooses `_2` over `2`.
    pub fn claim(&mut self, wanted: &str, snake: bool) -> String {
        if self.taken.insert(unraw(wanted).to_string()) {
            return wanted.to_string();
        }
        let base = unraw(wanted).trim_end_matches('_');
        let mut n = 2;
        loop {
            let candidate = if snake {
                format!("{base}_{n}")
            } else {
                format!("{base}{n}")
            };
            if self.taken.insert(candidate.clone()) {
                return candidate;
            }
            n += 1;
        }
    }
}

/// The runtime's public API, re-exported at the crate root of every generated crate: no
/// resource handle (also re-exported there) may take one of these names. Beside the
/// runtime's own types, the root re-exports what a program needs to use the client with no
/// other dependency: the stream traits, and the status and header types of reqwest.
pub const RUNTIME_EXPORTS: &[&str] = &[
    "ApiError",
    "ApiMessage",
    "ApiResponse",
    "Client",
    "ClientBuilder",
    "Credentials",
    "Error",
    "ErrorKind",
    "ErrorSource",
    "ByteStream",
    "Event",
    "EventStream",
    "File",
    "PageStream",
    "RequestOptions",
    "ResponseFuture",
    "ResultFuture",
    "ResultInfo",
    "Stream",
    "StreamExt",
    "TryStreamExt",
    "StatusCode",
    "HeaderMap",
    "Page",
    "PageFuture",
    "Pages",
    "RawFuture",
    "RawRequest",
    "RawResponse",
    "NextPageFuture",
];

/// The runtime's public API of optional features, re-exported at the crate root when
/// their feature is on: (feature, name). No resource handle may take these names either.
pub const FEATURE_EXPORTS: &[(&str, &str)] = &[
    ("blocking", "PageIter"),
    ("mock", "Mock"),
    ("mock", "MockList"),
    ("mock", "MockOperation"),
    ("mock", "MockRequest"),
    ("mock", "MockRule"),
];

/// Whether the runtime re-exports `name` at the crate root (with any feature).
pub fn is_runtime_export(name: &str) -> bool {
    RUNTIME_EXPORTS.contains(&name) || FEATURE_EXPORTS.iter().any(|(_, n)| *n == name)
}

/// Modules and crates re-exported at the crate root of every generated crate (the
/// runtime's `prelude`, and the crates its API speaks of): no resource module may take
/// one of these names. `chrono` is re-exported only by crates whose models use it, but
/// stays reserved in all, so a resource's module name does not depend on the models.
pub const RUNTIME_MODULE_EXPORTS: &[&str] = &["prelude", "reqwest", "serde_json", "chrono"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_names() {
        let cases = [
            ("zone_id", "zone_id"),
            ("fooBar", "foo_bar"),
            ("per-page", "per_page"),
            ("type", "r#type"),
            ("self", "self_"),
            ("crate", "crate_"),
            ("super", "super_"),
            ("_", "value"),
            ("1st", "n1st"),
            ("", "value"),
            ("a.b/c", "a_b_c"),
            ("X-Auth-Email", "x_auth_email"),
            ("async", "r#async"),
            ("café", "caf_ue9"),
        ];
        for (input, want) in cases {
            assert_eq!(snake(input), want, "snake({input:?})");
        }
    }

    #[test]
    fn camel_names() {
        let cases = [
            ("client_certificate", "ClientCertificate"),
            (
                "tls-certificates-and-hostnames_identifier",
                "TlsCertificatesAndHostnamesIdentifier",
            ),
            ("Self", "Self_"),
            ("self", "Self_"),
            ("1st", "V1st"),
            ("pending_revocation", "PendingRevocation"),
            ("UPPER_CASE", "UpperCase"),
            ("with space", "WithSpace"),
            ("", "Value"),
            ("*", "Value"),
        ];
        for (input, want) in cases {
            assert_eq!(camel(input), want, "camel({input:?})");
        }
    }

    #[test]
    fn name_set_suffixes_collisions() {
        let mut set = NameSet::with_reserved(&["options"]);
        assert_eq!(set.claim("foo_bar", true), "foo_bar");
        assert_eq!(set.claim("foo_bar", true), "foo_bar_2");
        assert_eq!(set.claim("foo_bar", true), "foo_bar_3");
        assert_eq!(set.claim("options", true), "options_2");
        assert_eq!(set.claim("r#type", true), "r#type");
        assert_eq!(set.claim("r#type", true), "type_2");
        let mut types = NameSet::new();
        assert_eq!(types.claim("UserProfile", false), "UserProfile");
        assert_eq!(types.claim("UserProfile", false), "UserProfile2");
    }
}
