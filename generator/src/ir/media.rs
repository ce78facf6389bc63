//! Request bodies' media types: how a body goes on the wire (the one model lower, emit
//! and the runtime share) and how each property of a form or multipart body is encoded.

/// How one property of a form or multipart body is encoded: OpenAPI's `encoding` entry
/// for it, and whether the spec types it as a file.
#[derive(Debug, Clone, PartialEq)]
pub struct PropertyEncoding {
    pub name: String,
    /// A file part (`format: binary`, or an array of them).
    pub file: bool,
    /// `encoding.contentType` (may list several, comma-separated).
    pub content_type: Option<String>,
    /// A form property's explicit style; `None` for the bracket convention.
    pub style: Option<FormStyle>,
    pub explode: bool,
    pub allow_reserved: bool,
}

/// An explicit `style` of a form property.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormStyle {
    Form,
    SpaceDelimited,
    PipeDelimited,
    DeepObject,
}

impl FormStyle {
    /// The runtime's name for it.
    pub fn variant(self) -> &'static str {
        match self {
            FormStyle::Form => "Form",
            FormStyle::SpaceDelimited => "SpaceDelimited",
            FormStyle::PipeDelimited => "PipeDelimited",
            FormStyle::DeepObject => "DeepObject",
        }
    }
}

/// How a request body goes on the wire: the one media-type model lower, emit and the
/// runtime share (the runtime's `BodyKind` has one variant per variant here).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    /// JSON (`application/json` or any `+json` type).
    Json,
    /// Raw bytes the caller gives (any media type the client does not encode).
    Bytes,
    /// A typed object sent as `application/x-www-form-urlencoded`.
    Form,
    /// A typed object sent as `multipart/form-data`.
    Multipart,
}

impl BodyKind {
    /// The kind of body for a declared media type.
    pub fn of(content_type: &str) -> BodyKind {
        let essence = content_type
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        match essence.as_str() {
            "application/x-www-form-urlencoded" => BodyKind::Form,
            "multipart/form-data" | "multipart/mixed" => BodyKind::Multipart,
            // A value that is not `type/subtype` at all (`undefined`, `string`) is a defect
            // of the spec, reported by the linter; JSON is the likeliest intent.
            e if e == "application/json"
                || e.ends_with("+json")
                || e == "*/*"
                || !e.contains('/') =>
            {
                BodyKind::Json
            }
            _ => BodyKind::Bytes,
        }
    }

    /// Whether the body is a typed value (built from a model) rather than raw bytes.
    pub fn is_typed(self) -> bool {
        self != BodyKind::Bytes
    }
}
