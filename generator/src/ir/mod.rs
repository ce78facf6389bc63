//! The intermediate representation: a plain, owned description of the client to emit.
//!
//! Only `lower` builds it and only `emit` reads it. Nothing here refers to OpenAPI types;
//! every name is already a final Rust identifier (naming happens once, in `lower`).

mod media;
pub use media::{BodyKind, FormStyle, PropertyEncoding};

/// The whole client crate.
#[derive(Debug, Clone, PartialEq)]
pub struct Api {
    /// Path of the spec as shown in the `@generated` header (relative, `/`-separated).
    pub source: String,
    pub package: Package,
    pub title: String,
    pub description: Option<String>,
    pub api_version: String,
    pub profile: Profile,
    pub resources: Vec<Resource>,
    pub types: Vec<TypeDef>,
    /// Extra files copied verbatim into the crate (relative path, contents).
    pub extra_files: Vec<(String, String)>,
}

impl Api {
    /// Number of operations over all resources.
    pub fn operation_count(&self) -> usize {
        self.resources.iter().map(|r| r.operations.len()).sum()
    }
}

/// Cargo metadata of the generated crate.
#[derive(Debug, Clone, PartialEq)]
pub struct Package {
    pub name: String,
    pub version: String,
    pub description: String,
}

/// Spec-wide runtime settings: base URL, credentials, envelope.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    pub default_base_url: String,
    pub base_url_env: Option<String>,
    pub envelope: Envelope,
    pub request_id_header: Option<String>,
    pub credentials: Vec<CredentialSet>,
    /// Whether every operation requires credentials (none accepts an anonymous call):
    /// a client built without them then fails fast.
    pub requires_credentials: bool,
    /// The spec-wide servers, in order (the first, variables at their defaults, gives
    /// `default_base_url` unless the config sets it).
    pub servers: Vec<Server>,
}

impl Profile {
    /// Whether the crate offers the servers by name (a `servers` module): when there is
    /// a choice to make, of a server or of a variable's value.
    pub fn offers_servers(&self) -> bool {
        self.servers.len() > 1 || self.servers.iter().any(|s| !s.variables.is_empty())
    }
}

/// One server the API declares.
#[derive(Debug, Clone, PartialEq)]
pub struct Server {
    /// Type name in the `servers` module (upper camel case).
    pub type_name: String,
    /// The URL template (made absolute), with `{variable}` placeholders.
    pub url: String,
    /// The URL with every variable at its default, without a trailing `/`.
    pub default_url: String,
    pub description: Option<String>,
    pub variables: Vec<ServerVariable>,
}

/// A variable of a server URL.
#[derive(Debug, Clone, PartialEq)]
pub struct ServerVariable {
    /// Its name in the URL template.
    pub name: String,
    /// Field name (snake case).
    pub field: String,
    pub description: Option<String>,
    pub default: String,
    /// The enum type of its values, when the spec lists them.
    pub enum_type: Option<String>,
    /// Variant name and value, for an enum.
    pub values: Vec<(String, String)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Envelope {
    None,
    CloudflareV4,
}

/// One way to authenticate: every part is sent together.
#[derive(Debug, Clone, PartialEq)]
pub struct CredentialSet {
    /// Rust name of the `Credentials` constructor.
    pub name: String,
    pub doc: Option<String>,
    pub parts: Vec<CredentialPart>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CredentialPart {
    /// Rust name of the constructor argument.
    pub arg: String,
    /// The security scheme it stands for (a key of `components/securitySchemes`).
    pub scheme: String,
    pub kind: CredentialKind,
    pub env: Option<String>,
    pub doc: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum CredentialKind {
    Bearer,
    /// HTTP basic authentication: the part takes a username and a password.
    Basic,
    Header(String),
    /// An API key in the query string, under this name.
    Query(String),
    /// An API key in a cookie of this name.
    Cookie(String),
}

/// A group of operations exposed as `client.<accessor>()`.
#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    /// Module file name and accessor method name (snake case).
    pub module: String,
    /// Handle type name (upper camel case).
    pub type_name: String,
    pub doc: Option<String>,
    pub operations: Vec<Operation>,
}

/// An operation's HTTP method. The one table below holds every spelling of each method
/// the generator needs, so no stage keeps a list of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpMethod {
    Get,
    Put,
    Post,
    Delete,
    Options,
    Head,
    Patch,
    Trace,
}

/// Each method with its Path Item field name, its name on the wire, and the name of the
/// runtime's `HttpMethod` variant that stands for it.
const METHODS: [(HttpMethod, &str, &str, &str); 8] = [
    (HttpMethod::Get, "get", "GET", "Get"),
    (HttpMethod::Put, "put", "PUT", "Put"),
    (HttpMethod::Post, "post", "POST", "Post"),
    (HttpMethod::Delete, "delete", "DELETE", "Delete"),
    (HttpMethod::Options, "options", "OPTIONS", "Options"),
    (HttpMethod::Head, "head", "HEAD", "Head"),
    (HttpMethod::Patch, "patch", "PATCH", "Patch"),
    (HttpMethod::Trace, "trace", "TRACE", "Trace"),
];

impl HttpMethod {
    /// Every method, in the order OpenAPI 3.0 lists a Path Item's operations.
    pub const ALL: [HttpMethod; 8] = [
        HttpMethod::Get,
        HttpMethod::Put,
        HttpMethod::Post,
        HttpMethod::Delete,
        HttpMethod::Options,
        HttpMethod::Head,
        HttpMethod::Patch,
        HttpMethod::Trace,
    ];

    fn row(self) -> &'static (HttpMethod, &'static str, &'static str, &'static str) {
        &METHODS[self as usize]
    }

    /// The method a Path Item field (`get`, `post`…) holds, if the field is an operation.
    pub fn from_key(key: &str) -> Option<HttpMethod> {
        METHODS.iter().find(|row| row.1 == key).map(|row| row.0)
    }

    /// The Path Item field holding an operation of this method (`get`).
    pub fn key(self) -> &'static str {
        self.row().1
    }

    /// The method as sent on the wire (`GET`).
    pub fn as_str(self) -> &'static str {
        self.row().2
    }

    /// The runtime's name for it (`Get`, as in `runtime::private::HttpMethod::Get`).
    pub fn variant(self) -> &'static str {
        self.row().3
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    pub operation_id: String,
    /// Method on the resource handle (snake case, may be a raw identifier).
    pub method_name: String,
    /// Request builder type (upper camel case).
    pub builder_name: String,
    /// Name of the `static` describing the operation (screaming snake case).
    pub const_name: String,
    pub http_method: HttpMethod,
    pub path: String,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub doc_aliases: Vec<String>,
    pub deprecated: bool,
    pub params: Vec<Param>,
    pub body: Option<RequestBody>,
    pub response: ResponseBody,
    pub pagination: Option<Pagination>,
    /// Error responses declared by the spec (status key, payload type).
    pub error_responses: Vec<ErrorResponse>,
    /// Security requirements that override the spec-wide list (alternatives of scheme
    /// names sent together); `None` when the operation uses the spec-wide list.
    pub security: Option<Vec<Vec<String>>>,
    /// The operation's own server (from its `servers` or its path item's), variables at
    /// their defaults; `None` when it uses the spec-wide servers.
    pub server: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamLocation {
    Path,
    Query,
    Header,
    Cookie,
}

/// How a parameter's array or object value is written (OpenAPI's `style`). Path and
/// header parameters in `simple` style are `Form` here (both join items with commas).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ParamStyle {
    #[default]
    Form,
    DeepObject,
    SpaceDelimited,
    PipeDelimited,
    /// A path value after a `.` (`.blue`).
    Label,
    /// A path value as `;name=value`.
    Matrix,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    pub wire_name: String,
    pub rust_name: String,
    pub location: ParamLocation,
    /// The value type, without the `Option` of an optional parameter.
    pub ty: TypeRef,
    pub required: bool,
    pub doc: Option<String>,
    pub constraints: Constraints,
    /// For arrays in the query: one pair per item (`explode: true`) or comma-joined; for
    /// path and header objects: `k=v` pairs; for label and matrix arrays: a prefix each.
    pub explode: bool,
    pub style: ParamStyle,
    /// A value the spec accepts (see [`Samples`]): for the docs' examples of a required
    /// parameter, and for back ends that call the operation; `None` for an optional
    /// parameter unless the back end asked for samples.
    pub sample: Option<serde_json::Value>,
}

/// Values a validating server must accept: with the required properties only, and with
/// every property set. Built by `lower` for required bodies (the docs' examples show them)
/// and, when the back end asks for them, for every body.
#[derive(Debug, Clone, PartialEq)]
pub struct Samples {
    pub required: serde_json::Value,
    pub full: serde_json::Value,
}

/// Validation rules checked before a request is sent (lengths and ranges), and what the
/// docs state besides (`pattern`, `default`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Constraints {
    pub min_length: Option<u64>,
    pub max_length: Option<u64>,
    pub minimum: Option<f64>,
    pub maximum: Option<f64>,
    /// `minimum` itself is excluded (`exclusiveMinimum`).
    pub exclusive_minimum: bool,
    /// `maximum` itself is excluded (`exclusiveMaximum`).
    pub exclusive_maximum: bool,
    /// The pattern a string must match; documented, not checked.
    pub pattern: Option<String>,
    /// The value the server assumes when the parameter is not sent; documented only.
    pub default: Option<serde_json::Value>,
}

impl Constraints {
    pub fn is_empty(&self) -> bool {
        self == &Constraints::default()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct RequestBody {
    pub ty: TypeRef,
    pub required: bool,
    pub content_type: String,
    pub kind: BodyKind,
    /// When the body is an object whose fields are all optional, the builder gets one
    /// setter per field (and the body starts as `Default::default()`).
    pub setters: Vec<BodySetter>,
    /// Sample bodies: for a required body, or any when the back end asked for samples.
    pub samples: Option<Samples>,
    /// For form and multipart bodies: how the properties that need more than the
    /// default are encoded (files, per-part content types, explicit styles).
    pub encodings: Vec<PropertyEncoding>,
    /// The other media types the spec declares for the body, which the caller may
    /// choose instead of `content_type`.
    pub alternatives: Vec<String>,
}

impl RequestBody {
    /// A JSON body of any value: the reading of a body whose definition cannot be found.
    pub fn untyped() -> RequestBody {
        RequestBody {
            ty: TypeRef::Json,
            required: true,
            content_type: "application/json".into(),
            kind: BodyKind::of("application/json"),
            setters: Vec::new(),
            samples: Some(Samples {
                required: serde_json::json!({}),
                full: serde_json::json!({}),
            }),
            encodings: Vec::new(),
            alternatives: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct BodySetter {
    pub field: String,
    /// Setter name on the builder (may differ from the field to avoid clashes).
    pub method: String,
    pub ty: TypeRef,
    pub doc: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ResponseBody {
    /// No content: the call returns `()`.
    Empty,
    /// JSON decoded as `ty`; `envelope` says whether it is unwrapped from the profile's envelope.
    Json { ty: TypeRef, envelope: bool },
    /// Any other media type: the raw body, asked for with `Accept: <content_type>`
    /// (whole, or as it arrives with the builder's `download()`).
    Bytes { content_type: String },
    /// `text/event-stream`: events as they arrive, each one's data decoded as `ty`
    /// (`TypeRef::String` for the raw text when the spec declares no schema).
    EventStream { ty: TypeRef },
    /// Several success statuses with different JSON bodies (or none): an enum named
    /// `name`, one variant per status, chosen by the status the server answers with.
    Statuses {
        name: String,
        variants: Vec<StatusVariant>,
    },
}

/// One success status of a [`ResponseBody::Statuses`] enum.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusVariant {
    /// The status key as the spec writes it (`200`, `2XX`, `default`).
    pub status: String,
    /// The variant's name (`Ok`, `Accepted`, `NoContent`).
    pub variant: String,
    /// Its body's model; `None` for a response without content.
    pub ty: Option<TypeRef>,
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Pagination {
    pub page_param: String,
    pub item: TypeRef,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ErrorResponse {
    /// Status key as written in the spec (`404`, `4XX`, `default`).
    pub status: String,
    pub description: Option<String>,
    /// The model of its JSON body, when the spec types it.
    pub ty: Option<TypeRef>,
}

/// A reference to a Rust type.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TypeRef {
    Bool,
    I32,
    I64,
    U32,
    U64,
    F32,
    F64,
    String,
    DateTime,
    Date,
    /// Arbitrary JSON.
    Json,
    /// Raw bytes (non-JSON bodies).
    Bytes,
    /// A file part of a multipart body (the runtime's `File`: bytes, a path or a stream).
    File,
    Unit,
    /// A type defined in `models`.
    Named(String),
    Vec(Box<TypeRef>),
    Map(Box<TypeRef>),
    Option(Box<TypeRef>),
    Box(Box<TypeRef>),
}

impl AsRef<TypeRef> for TypeRef {
    fn as_ref(&self) -> &TypeRef {
        self
    }
}

impl TypeRef {
    pub fn option(self) -> TypeRef {
        match self {
            TypeRef::Option(_) => self,
            other => TypeRef::Option(Box::new(other)),
        }
    }

    pub fn is_option(&self) -> bool {
        matches!(self, TypeRef::Option(_))
    }

    /// `true` for types whose `Default` is "absent": options, vectors and maps.
    pub fn has_empty_default(&self) -> bool {
        matches!(self, TypeRef::Option(_) | TypeRef::Vec(_) | TypeRef::Map(_))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct TypeDef {
    pub name: String,
    /// Where it came from, for the docs (`#/components/schemas/Foo`, or an inline path).
    pub origin: String,
    pub doc: Option<String>,
    pub kind: TypeKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TypeKind {
    Struct {
        fields: Vec<Field>,
        /// `additionalProperties` kept beside the named fields.
        additional: Option<AdditionalField>,
    },
    /// A string enum; always open (an `Unknown(String)` variant keeps new server values).
    Enum {
        variants: Vec<EnumVariant>,
    },
    /// `oneOf`/`anyOf`.
    Union {
        variants: Vec<UnionVariant>,
        discriminator: Option<String>,
    },
    Alias(TypeRef),
    /// A string identifier taken by path parameters (`ZoneId`): a newtype that keeps one
    /// kind of identifier from being passed where another is expected. `params` are the
    /// wire names of the path parameters it types, for the docs.
    Id {
        params: Vec<String>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub wire_name: String,
    pub rust_name: String,
    /// Already wrapped in `Option` when the field is optional or nullable.
    pub ty: TypeRef,
    pub required: bool,
    pub doc: Option<String>,
}

/// The map field holding a struct's `additionalProperties`.
#[derive(Debug, Clone, PartialEq)]
pub struct AdditionalField {
    /// Chosen by `lower` so that it clashes with no named field.
    pub rust_name: String,
    /// The type of each value (the field is a map from property name to it).
    pub ty: TypeRef,
}

impl AsRef<TypeRef> for AdditionalField {
    fn as_ref(&self) -> &TypeRef {
        &self.ty
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct EnumVariant {
    pub wire: String,
    pub rust_name: String,
    pub doc: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct UnionVariant {
    pub rust_name: String,
    pub ty: TypeRef,
    /// Discriminator values selecting this variant.
    pub tags: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_method_has_its_own_row() {
        for (i, method) in HttpMethod::ALL.into_iter().enumerate() {
            assert_eq!(METHODS[i].0, method, "row {i}");
            assert_eq!(HttpMethod::from_key(method.key()), Some(method));
            assert_eq!(method.as_str(), method.key().to_ascii_uppercase());
            assert_eq!(method.variant(), format!("{method:?}"));
        }
        assert_eq!(HttpMethod::from_key("GET"), None);
        assert_eq!(HttpMethod::from_key("parameters"), None);
    }
}
