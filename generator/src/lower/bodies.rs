//! Request bodies, success responses (with envelope unwrapping) and pagination.

use super::Lowerer;
use crate::diag::{Diagnostic, child};
use crate::ir::{
    BodyKind, BodySetter, Envelope, FormStyle, Pagination, Param, ParamLocation, PropertyEncoding,
    RequestBody, ResponseBody, Samples, TypeKind, TypeRef,
};
use crate::naming::NameSet;
use indexmap::IndexMap;
use openapiv3::{
    MediaType, QueryStyle, ReferenceOr, Schema, SchemaKind, StatusCode, StringFormat, Type,
    VariantOrUnknownOrEmpty,
};

use super::operation::is_success;

impl<'a> Lowerer<'a> {
    pub(super) fn request_body(
        &mut self,
        body: &'a ReferenceOr<openapiv3::RequestBody>,
        pointer: &str,
        type_prefix: &str,
        names: &mut NameSet,
    ) -> Option<RequestBody> {
        let body = match self.resolve_or_read(body, pointer, "the body is sent as any JSON value") {
            Ok((body, _)) => body,
            Err(true) => return Some(RequestBody::untyped()),
            Err(false) => return None,
        };
        let Some((content_type, media)) = pick_media(&body.content) else {
            self.diags.push(Diagnostic::warning(
                pointer,
                "request body without content; it is left out",
            ));
            return None;
        };
        let media_pointer = child(&child(pointer, "content"), content_type);
        let mut kind = BodyKind::of(content_type);
        // A form or multipart body without an object schema has nothing to type.
        if matches!(kind, BodyKind::Form | BodyKind::Multipart)
            && media
                .schema
                .as_ref()
                .and_then(|s| self.schema_behind(s))
                .is_none_or(|s| !is_object(s))
        {
            kind = BodyKind::Bytes;
        }
        let ty = match (kind, &media.schema) {
            (BodyKind::Bytes, _) => TypeRef::Bytes,
            (_, Some(s)) => self.lower_ref(
                s,
                &format!("{type_prefix}Body"),
                &child(&media_pointer, "schema"),
            ),
            (_, None) => TypeRef::Json,
        };
        let binary_fields = match (kind, &media.schema) {
            (BodyKind::Multipart, Some(s)) => self.binary_properties(s),
            _ => Vec::new(),
        };
        // Files are `File`s (bytes, a path or a stream) in a multipart body's model,
        // inline or a component; a file of UTF-8 bytes still reads and writes as JSON
        // text where the component is used elsewhere.
        if let TypeRef::Named(name) = &ty
            && let Some(def) = self.types.get_mut(name)
            && let TypeKind::Struct { fields, .. } = &mut def.kind
        {
            for field in fields
                .iter_mut()
                .filter(|f| binary_fields.contains(&f.wire_name))
            {
                field.ty = retype_file(&field.ty);
            }
        }
        let encodings = encodings(kind, media, &binary_fields);
        let setters = if kind.is_typed() {
            self.body_setters(&ty, names)
        } else {
            Vec::new()
        };
        // The docs' examples pass a required body as an argument; its sample shows a value
        // the spec accepts.
        let samples = (self.samples || body.required).then(|| {
            let fits = |v: &serde_json::Value| {
                let schema = media.schema.as_ref().and_then(|s| self.schema_behind(s));
                schema.is_none_or(|s| self.fits(v, s))
            };
            let example = media
                .example
                .clone()
                .or_else(|| {
                    media.examples.values().find_map(|e| match e {
                        ReferenceOr::Item(e) => e.value.clone(),
                        ReferenceOr::Reference { .. } => None,
                    })
                })
                .filter(fits);
            let of = |full: bool| match (&example, &media.schema) {
                (Some(example), _) => example.clone(),
                (None, Some(schema)) => self.sample(schema, full),
                (None, None) => serde_json::json!({}),
            };
            Samples {
                required: of(false),
                full: of(true),
            }
        });
        Some(RequestBody {
            ty,
            required: body.required,
            content_type: content_type.to_string(),
            kind,
            setters,
            samples,
            encodings,
            alternatives: body
                .content
                .keys()
                .filter(|k| k.as_str() != content_type)
                .cloned()
                .collect(),
        })
    }

    /// Setters for a body whose fields are all optional (so it can start empty).
    fn body_setters(&mut self, ty: &TypeRef, names: &mut NameSet) -> Vec<BodySetter> {
        let TypeRef::Named(name) = ty else {
            return Vec::new();
        };
        let Some(def) = self.types.get(name) else {
            return Vec::new();
        };
        let TypeKind::Struct {
            fields,
            additional: None,
        } = &def.kind
        else {
            return Vec::new();
        };
        if fields.is_empty() || !fields.iter().all(|f| f.ty.is_option()) {
            return Vec::new();
        }
        fields
            .iter()
            .map(|f| BodySetter {
                field: f.rust_name.clone(),
                method: names.claim(&f.rust_name, true),
                ty: match &f.ty {
                    TypeRef::Option(inner) => (**inner).clone(),
                    other => other.clone(),
                },
                doc: f.doc.clone(),
            })
            .collect()
    }

    pub(super) fn response(
        &mut self,
        op: &'a openapiv3::Operation,
        pointer: &str,
        type_prefix: &str,
    ) -> Option<ResponseBody> {
        let success = op
            .responses
            .responses
            .iter()
            .filter(|(code, _)| is_success(code))
            .min_by_key(|(code, _)| match code {
                StatusCode::Code(c) => *c,
                StatusCode::Range(r) => r * 100 + 99,
            });
        let Some((code, response)) = success else {
            return Some(ResponseBody::Empty);
        };
        if let Some(statuses) = self.statuses(op, pointer, type_prefix) {
            return Some(statuses);
        }
        let response_pointer = child(&child(pointer, "responses"), &code.to_string());
        let content = match self.response_content(response, &response_pointer) {
            Ok((content, _)) => content,
            Err(true) => {
                return Some(ResponseBody::Json {
                    ty: TypeRef::Json,
                    envelope: false,
                });
            }
            Err(false) => return None,
        };
        let Some((content_type, media)) = pick_media(content) else {
            return Some(ResponseBody::Empty);
        };
        if is_event_stream(content_type) {
            let ty = match &media.schema {
                Some(schema) => {
                    let pointer = child(
                        &child(&child(&response_pointer, "content"), content_type),
                        "schema",
                    );
                    match self.lower_ref(schema, &format!("{type_prefix}Event"), &pointer) {
                        TypeRef::Bytes | TypeRef::File => TypeRef::String,
                        other => other,
                    }
                }
                None => TypeRef::String,
            };
            return Some(ResponseBody::EventStream { ty });
        }
        if !is_json(content_type) {
            return Some(ResponseBody::Bytes {
                content_type: content_type.to_string(),
            });
        }
        let Some(schema) = &media.schema else {
            return Some(ResponseBody::Json {
                ty: TypeRef::Json,
                envelope: false,
            });
        };
        let schema_pointer = child(
            &child(&child(&response_pointer, "content"), content_type),
            "schema",
        );
        if self.envelope == Envelope::CloudflareV4
            && let Some(resolved) = self.resolve(schema, &schema_pointer).map(|(s, _)| s)
        {
            let shape = self.object_shape(resolved, &schema_pointer, 0);
            if shape.properties.contains_key("success") {
                let ty = match shape.properties.get("result") {
                    Some(result) => {
                        let ty = self.lower_boxed(
                            result,
                            &format!("{type_prefix}Result"),
                            &child(&schema_pointer, "properties/result"),
                        );
                        match ty {
                            TypeRef::Option(inner) => *inner,
                            other => other,
                        }
                    }
                    None => TypeRef::Json,
                };
                return Some(ResponseBody::Json { ty, envelope: true });
            }
        }
        let ty = self.lower_ref(schema, &format!("{type_prefix}Response"), &schema_pointer);
        Some(ResponseBody::Json {
            ty,
            envelope: false,
        })
    }

    /// A success response's content and description. A reference that leads nowhere
    /// reads as any JSON value (`Err(true)`, with a warning); one into
    /// `components/requestBodies`, a defect of some published specs, reads that body's
    /// content, with a warning.
    fn response_content(
        &mut self,
        response: &'a ReferenceOr<openapiv3::Response>,
        pointer: &str,
    ) -> Result<(&'a IndexMap<String, openapiv3::MediaType>, &'a str), bool> {
        if let ReferenceOr::Reference { reference } = response
            && reference.starts_with("#/components/requestBodies/")
            && let Some((_, ReferenceOr::Item(body))) =
                self.target::<openapiv3::RequestBody>(reference)
        {
            self.diags.push(
                Diagnostic::warning(
                    child(pointer, "$ref"),
                    format!("response `$ref` `{reference}` points at a request body; its content is read as the response's"),
                )
                .with_hint("point it at an entry of `components/responses`"),
            );
            return Ok((&body.content, body.description.as_deref().unwrap_or("")));
        }
        self.resolve_or_read(response, pointer, "the response is read as any JSON value")
            .map(|(r, _)| (&r.content, r.description.as_str()))
    }

    /// The model of an error response's JSON body (`status` is the spec's key: `404`,
    /// `4XX`, `default`); `None` when it has no JSON schema or the schema is free-form.
    pub(super) fn error_body(
        &mut self,
        response: &'a ReferenceOr<openapiv3::Response>,
        pointer: &str,
        type_prefix: &str,
        status: &str,
    ) -> Option<TypeRef> {
        // An error response that leads nowhere costs only its typed body: the call still
        // reports the status. Its error becomes a warning.
        let before = self.diags.len();
        let Some((response, _)) = self.resolve(response, pointer) else {
            for d in &mut self.diags[before..] {
                if d.severity == crate::diag::Severity::Error {
                    d.severity = crate::diag::Severity::Warning;
                    d.message.push_str("; the error body is left untyped");
                }
            }
            return None;
        };
        let (content_type, media) = response
            .content
            .iter()
            .find(|(k, _)| is_json(k))
            .map(|(k, v)| (k.as_str(), v))?;
        let schema = media.schema.as_ref()?;
        let schema_pointer = child(&child(&child(pointer, "content"), content_type), "schema");
        let hint = format!("{type_prefix}{}", status_name(status));
        self.in_error_body = true;
        let ty = self.lower_ref(schema, &hint, &schema_pointer);
        self.in_error_body = false;
        // A free-form value or map says nothing `ApiError::decode_body` does not.
        let free_form = |t: &TypeRef| matches!(t, TypeRef::Json);
        let untyped = free_form(&ty) || matches!(&ty, TypeRef::Map(inner) if free_form(inner));
        (!untyped).then_some(ty)
    }

    /// A response enum, when the operation's success statuses carry different JSON
    /// bodies (or some none): outside an envelope profile, and only when every success
    /// response is JSON or empty.
    fn statuses(
        &mut self,
        op: &'a openapiv3::Operation,
        pointer: &str,
        type_prefix: &str,
    ) -> Option<ResponseBody> {
        if self.envelope == Envelope::CloudflareV4 {
            return None;
        }
        let mut success: Vec<(&StatusCode, &'a ReferenceOr<openapiv3::Response>)> = op
            .responses
            .responses
            .iter()
            .filter(|(code, _)| is_success(code))
            .collect();
        if success.len() < 2 {
            return None;
        }
        success.sort_by_key(|(code, _)| match code {
            StatusCode::Code(c) => *c,
            StatusCode::Range(r) => r * 100 + 99,
        });
        // First only look: every body JSON or empty, and not all the same schema.
        let mut schemas = Vec::new();
        let mut descriptions = Vec::new();
        for (code, response) in &success {
            let at = child(&child(pointer, "responses"), &code.to_string());
            let (content, description) = self.response_content(response, &at).ok()?;
            descriptions.push(Some(description.to_string()).filter(|d| !d.trim().is_empty()));
            match pick_media(content) {
                None => schemas.push(None),
                Some((ct, media)) if is_json(ct) => {
                    schemas.push(Some((ct, media.schema.as_ref()?, at)));
                }
                Some(_) => return None,
            }
        }
        let first = &schemas[0];
        let same = schemas.iter().all(|s| match (s, first) {
            (None, None) => true,
            (Some((_, a, _)), Some((_, b, _))) => a == b,
            _ => false,
        });
        if same {
            return None;
        }
        let mut variants = Vec::new();
        for (((code, _), schema), description) in success.iter().zip(schemas).zip(descriptions) {
            let variant = status_variant(code);
            let ty = schema.map(|(ct, schema, at)| {
                let schema_pointer = child(&child(&child(&at, "content"), ct), "schema");
                self.lower_ref(schema, &format!("{type_prefix}{variant}"), &schema_pointer)
            });
            variants.push(crate::ir::StatusVariant {
                status: code.to_string(),
                variant,
                ty,
                description,
            });
        }
        Some(ResponseBody::Statuses {
            name: format!("{type_prefix}Response"),
            variants,
        })
    }

    pub(super) fn pagination(
        &self,
        params: &[Param],
        response: &ResponseBody,
    ) -> Option<Pagination> {
        let page_param = self
            .config
            .pagination
            .page_param
            .as_deref()
            .unwrap_or("page");
        let ResponseBody::Json {
            ty: TypeRef::Vec(item),
            envelope: true,
        } = response
        else {
            return None;
        };
        params
            .iter()
            .find(|p| p.location == ParamLocation::Query && p.wire_name == page_param)
            .map(|_| Pagination {
                page_param: page_param.to_string(),
                item: (**item).clone(),
            })
    }
}

/// The name of a status's variant in a response enum.
fn status_variant(code: &StatusCode) -> String {
    match code {
        StatusCode::Code(200) => "Ok".into(),
        StatusCode::Code(201) => "Created".into(),
        StatusCode::Code(202) => "Accepted".into(),
        StatusCode::Code(203) => "NonAuthoritative".into(),
        StatusCode::Code(204) => "NoContent".into(),
        StatusCode::Code(205) => "ResetContent".into(),
        StatusCode::Code(206) => "PartialContent".into(),
        StatusCode::Code(c) => format!("Status{c}"),
        StatusCode::Range(r) => format!("Status{r}xx"),
    }
}

/// A binary property's type as a `File`, through options and vectors (a file, or a
/// list of files).
fn retype_file(ty: &TypeRef) -> TypeRef {
    match ty {
        TypeRef::String | TypeRef::Bytes | TypeRef::Json => TypeRef::File,
        TypeRef::Option(inner) => TypeRef::Option(Box::new(retype_file(inner))),
        TypeRef::Vec(inner) => TypeRef::Vec(Box::new(retype_file(inner))),
        other => other.clone(),
    }
}

/// The properties of a form or multipart body that need more than the default
/// encoding: files, parts with a declared content type, form properties with an
/// explicit style (`explode` defaulting as OpenAPI says: `true` for `form` only).
fn encodings(kind: BodyKind, media: &MediaType, binary: &[String]) -> Vec<PropertyEncoding> {
    if !matches!(kind, BodyKind::Form | BodyKind::Multipart) {
        return Vec::new();
    }
    let form = kind == BodyKind::Form;
    let mut names: Vec<&String> = binary.iter().collect();
    names.extend(media.encoding.keys().filter(|k| !binary.contains(k)));
    names
        .into_iter()
        .filter_map(|name| {
            let entry = media.encoding.get(name);
            let given_explode = entry
                .and_then(|e| e.extensions.get("x-apigen-explode"))
                .and_then(serde_json::Value::as_bool);
            // In multipart, a style (which OpenAPI reserves for forms) is what specs
            // such as Stripe's write to ask for the bracket form of nested values.
            let style = match entry {
                Some(e) if !form && e.style.is_some() => Some(FormStyle::DeepObject),
                Some(e) if form && (e.style.is_some() || given_explode.is_some()) => {
                    Some(match e.style {
                        Some(QueryStyle::SpaceDelimited) => FormStyle::SpaceDelimited,
                        Some(QueryStyle::PipeDelimited) => FormStyle::PipeDelimited,
                        Some(QueryStyle::DeepObject) => FormStyle::DeepObject,
                        Some(QueryStyle::Form) | None => FormStyle::Form,
                    })
                }
                _ => None,
            };
            let encoding = PropertyEncoding {
                name: name.clone(),
                file: !form && binary.contains(name),
                content_type: entry.filter(|_| !form).and_then(|e| e.content_type.clone()),
                style,
                explode: given_explode.unwrap_or(style.is_none_or(|s| s == FormStyle::Form)),
                allow_reserved: form && entry.is_some_and(|e| e.allow_reserved),
            };
            (encoding.file
                || encoding.content_type.is_some()
                || encoding.style.is_some()
                || encoding.allow_reserved)
                .then_some(encoding)
        })
        .collect()
}

/// What an inline error body's model is named after: its status's reason phrase
/// (`ListThingsNotFound`, `ListThingsClientError`, `ListThingsError` for `default`).
fn status_name(status: &str) -> String {
    let reason = match status.to_ascii_uppercase().as_str() {
        "DEFAULT" => "Error",
        "4XX" => "ClientError",
        "5XX" => "ServerError",
        "400" => "BadRequest",
        "401" => "Unauthorized",
        "402" => "PaymentRequired",
        "403" => "Forbidden",
        "404" => "NotFound",
        "405" => "MethodNotAllowed",
        "406" => "NotAcceptable",
        "408" => "RequestTimeout",
        "409" => "Conflict",
        "410" => "Gone",
        "412" => "PreconditionFailed",
        "413" => "PayloadTooLarge",
        "415" => "UnsupportedMediaType",
        "422" => "UnprocessableEntity",
        "429" => "TooManyRequests",
        "500" => "InternalServerError",
        "501" => "NotImplemented",
        "502" => "BadGateway",
        "503" => "ServiceUnavailable",
        "504" => "GatewayTimeout",
        other => return format!("Error{other}"),
    };
    reason.to_string()
}

fn is_event_stream(content_type: &str) -> bool {
    content_type
        .split(';')
        .next()
        .is_some_and(|e| e.trim().eq_ignore_ascii_case("text/event-stream"))
}

fn is_json(content_type: &str) -> bool {
    BodyKind::of(content_type) == BodyKind::Json
}

/// An object schema (properties, composition or `type: object`): what a form or a
/// multipart body can be built from.
fn is_object(s: &Schema) -> bool {
    match &s.schema_kind {
        SchemaKind::Type(Type::Object(_)) | SchemaKind::AllOf { .. } => true,
        SchemaKind::Any(a) => !a.properties.is_empty() || a.typ.as_deref() == Some("object"),
        _ => false,
    }
}

/// The media type a request body is sent as: JSON if offered, then a form, then
/// multipart (the ones the client types), else the first.
fn pick_media(content: &IndexMap<String, MediaType>) -> Option<(&str, &MediaType)> {
    [BodyKind::Json, BodyKind::Form, BodyKind::Multipart]
        .into_iter()
        .find_map(|kind| content.iter().find(|(k, _)| BodyKind::of(k) == kind))
        .or_else(|| content.iter().next())
        .map(|(k, v)| (k.as_str(), v))
}

impl<'a> Lowerer<'a> {
    /// Wire names of the properties of an object schema typed as binary (files).
    fn binary_properties(&self, schema: &'a ReferenceOr<Schema>) -> Vec<String> {
        let Some(s) = self.schema_behind(schema) else {
            return Vec::new();
        };
        let properties = match &s.schema_kind {
            SchemaKind::Type(Type::Object(o)) => &o.properties,
            SchemaKind::Any(a) => &a.properties,
            _ => return Vec::new(),
        };
        let binary = |s: &Schema| match &s.schema_kind {
            SchemaKind::Any(a) => a.format.as_deref() == Some("binary"),
            SchemaKind::Type(Type::String(t)) => {
                matches!(
                    t.format,
                    VariantOrUnknownOrEmpty::Item(StringFormat::Binary)
                )
            }
            SchemaKind::Type(Type::Array(a)) => a.items.as_ref().is_some_and(|i| match i {
                ReferenceOr::Item(i) => match &i.schema_kind {
                    SchemaKind::Type(Type::String(t)) => {
                        matches!(
                            t.format,
                            VariantOrUnknownOrEmpty::Item(StringFormat::Binary)
                        )
                    }
                    SchemaKind::Any(a) => a.format.as_deref() == Some("binary"),
                    _ => false,
                },
                ReferenceOr::Reference { .. } => false,
            }),
            _ => false,
        };
        properties
            .iter()
            .filter(|(_, p)| match p {
                ReferenceOr::Item(p) => binary(p),
                ReferenceOr::Reference { reference } => self
                    .target::<Schema>(reference)
                    .and_then(|(_, t)| self.schema_behind(t))
                    .is_some_and(binary),
            })
            .map(|(name, _)| name.clone())
            .collect()
    }
}
