//! The one model of request media types the runtime shares with the generator's IR:
//! how an operation's body goes on the wire (JSON with its declared type, a form,
//! multipart, raw bytes), how each form or multipart property is encoded, and the body
//! a call holds until it is sent.

use serde_json::Value;

use super::file::File;
use super::request::Call;

/// The media type of an operation's request body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(dead_code)]
pub(crate) enum BodyKind {
    /// No body.
    None,
    /// JSON, sent with this `Content-Type` (`application/json`, or any `+json` type the
    /// spec declares).
    Json(&'static str),
    /// Raw bytes, sent with this `Content-Type`.
    Bytes(&'static str),
    /// An object sent as `application/x-www-form-urlencoded` (see `encode`), with the
    /// properties whose encoding the spec sets.
    Form(&'static str, &'static [Encoding]),
    /// An object sent as `multipart/form-data`, with the properties whose encoding the
    /// spec sets or implies (files, per-part content types).
    Multipart(&'static str, &'static [Encoding]),
}

/// How one property of a form or multipart body is encoded (OpenAPI's `encoding`, and
/// whether the spec types it as a file).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Encoding {
    pub name: &'static str,
    /// Sent as a file part (`format: binary`).
    pub file: bool,
    /// The part's content type (`encoding.contentType`; several, comma-separated).
    pub content_type: Option<&'static str>,
    /// A form property's explicit `style`; `None` for the bracket convention.
    pub style: Option<EncodingStyle>,
    pub explode: bool,
    pub allow_reserved: bool,
}

impl Encoding {
    /// A property with nothing set, for the fields generated statics leave out.
    #[allow(dead_code)]
    pub(crate) const DEFAULT: Encoding = Encoding {
        name: "",
        file: false,
        content_type: None,
        style: None,
        explode: true,
        allow_reserved: false,
    };
}

/// An explicit `style` of a form property.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(dead_code)]
pub(crate) enum EncodingStyle {
    Form,
    SpaceDelimited,
    PipeDelimited,
    DeepObject,
}

impl BodyKind {
    /// How a typed body is sent as `content_type`, a media type the caller chose
    /// among those the operation declares: JSON, a form or multipart (with the default
    /// encoding of each property), or, for any other type, not at all (`Bytes`).
    pub(crate) fn of(content_type: &'static str) -> BodyKind {
        let essence = content_type
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        match essence.as_str() {
            "application/json" => BodyKind::Json(content_type),
            e if e.ends_with("+json") => BodyKind::Json(content_type),
            "application/x-www-form-urlencoded" => BodyKind::Form(content_type, &[]),
            e if e.starts_with("multipart/") => BodyKind::Multipart(content_type, &[]),
            _ => BodyKind::Bytes(content_type),
        }
    }

    /// The declared media type.
    pub(crate) fn content_type(self) -> Option<&'static str> {
        match self {
            BodyKind::None => None,
            BodyKind::Json(ct) | BodyKind::Bytes(ct) => Some(ct),
            BodyKind::Form(ct, _) | BodyKind::Multipart(ct, _) => Some(ct),
        }
    }
}

/// A request body.
#[derive(Debug, Clone)]
#[allow(dead_code)]
pub(crate) enum Body {
    Json {
        content_type: &'static str,
        value: Value,
        /// The files the value holds, by the marker standing for each (see `file`).
        files: Vec<(u64, File)>,
    },
    Bytes {
        content_type: std::borrow::Cow<'static, str>,
        bytes: Vec<u8>,
    },
}

/// The body setters that choose a media type or bytes in place of the typed body.
#[allow(dead_code)]
impl Call {
    /// Sets a body of raw bytes.
    pub(crate) fn body_bytes(mut self, bytes: Vec<u8>) -> Call {
        let content_type = self
            .op
            .body
            .content_type()
            .unwrap_or("application/octet-stream");
        self.body = Some(Body::Bytes {
            content_type: content_type.into(),
            bytes,
        });
        self
    }

    /// Sends the typed body as `media_type`, one of the other media types the
    /// operation declares.
    pub(crate) fn media_type(mut self, media_type: &str) -> Call {
        let essence = |ct: &str| {
            ct.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        };
        let declared = self.op.body.content_type().into_iter();
        match declared
            .chain(self.op.media_types.iter().copied())
            .find(|ct| essence(ct) == essence(media_type))
        {
            Some(found) => self.media_type = Some(found),
            None => {
                let mut all: Vec<&str> = self.op.body.content_type().into_iter().collect();
                all.extend(self.op.media_types);
                self.refuse(
                    "media_type",
                    format!(
                        "the operation declares no request body of type {media_type} \
                         (it declares: {}); raw_body sends bytes of any type",
                        if all.is_empty() {
                            "none".to_owned()
                        } else {
                            all.join(", ")
                        }
                    ),
                );
            }
        }
        self
    }

    /// Sends `bytes` as the body, with `content_type`, in place of the typed body.
    pub(crate) fn raw_body(mut self, content_type: String, bytes: Vec<u8>) -> Call {
        self.body = Some(Body::Bytes {
            content_type: content_type.into(),
            bytes,
        });
        self
    }
}
