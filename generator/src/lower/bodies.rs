//! Request bodies, success responses (with envelope unwrapping) and pagination.

use super::Lowerer;
use crate::diag::{Diagnostic, child};
use crate::ir::{
    BodyKind, BodySetter, Envelope, Pagination, Param, ParamLocation, RequestBody, ResponseBody,
    Samples, TypeKind, TypeRef,
};
use crate::naming::NameSet;
use indexmap::IndexMap;
use openapiv3::{
    MediaType, ReferenceOr, Schema, SchemaKind, StatusCode, StringFormat, Type,
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
        let (body, _) = self.resolve(body, pointer)?;
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
        // Files are bytes, not text: in a multipart body's own (inline) model, binary
        // properties are `Vec<u8>`. A component model, which JSON bodies may share,
        // keeps its strings.
        if let TypeRef::Named(name) = &ty
            && let Some(def) = self.types.get_mut(name)
            && def.origin.starts_with("#/paths/")
            && let TypeKind::Struct { fields, .. } = &mut def.kind
        {
            for field in fields
                .iter_mut()
                .filter(|f| binary_fields.contains(&f.wire_name))
            {
                field.ty = retype_bytes(&field.ty);
            }
        }
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
            // A file is bytes: its sample is an array of byte values.
            let files = |mut value: serde_json::Value| {
                if let serde_json::Value::Object(fields) = &mut value {
                    for name in &binary_fields {
                        if let Some(serde_json::Value::String(text)) = fields.get(name) {
                            let bytes: Vec<serde_json::Value> =
                                text.bytes().map(serde_json::Value::from).collect();
                            fields.insert(name.clone(), serde_json::Value::Array(bytes));
                        }
                    }
                }
                value
            };
            Samples {
                required: files(of(false)),
                full: files(of(true)),
            }
        });
        Some(RequestBody {
            ty,
            required: body.required,
            content_type: content_type.to_string(),
            kind,
            setters,
            samples,
            binary_fields,
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
        let response_pointer = child(&child(pointer, "responses"), &code.to_string());
        let (response, _) = self.resolve(response, &response_pointer)?;
        let Some((content_type, media)) = pick_media(&response.content) else {
            return Some(ResponseBody::Empty);
        };
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

    /// The model of an error response's JSON body (`status` is the spec's key: `404`,
    /// `4XX`, `default`); `None` when it has no JSON schema or the schema is free-form.
    pub(super) fn error_body(
        &mut self,
        response: &'a ReferenceOr<openapiv3::Response>,
        pointer: &str,
        type_prefix: &str,
        status: &str,
    ) -> Option<TypeRef> {
        let (response, _) = self.resolve(response, pointer)?;
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

/// `String` → `Vec<u8>` through options and vectors (a file, or a list of files).
fn retype_bytes(ty: &TypeRef) -> TypeRef {
    match ty {
        TypeRef::String => TypeRef::Bytes,
        TypeRef::Option(inner) => TypeRef::Option(Box::new(retype_bytes(inner))),
        TypeRef::Vec(inner) => TypeRef::Vec(Box::new(retype_bytes(inner))),
        other => other.clone(),
    }
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
            SchemaKind::Type(Type::String(t)) => {
                matches!(
                    t.format,
                    VariantOrUnknownOrEmpty::Item(StringFormat::Binary)
                )
            }
            SchemaKind::Type(Type::Array(a)) => a.items.as_ref().is_some_and(|i| match i {
                ReferenceOr::Item(i) => matches!(
                    &i.schema_kind,
                    SchemaKind::Type(Type::String(t))
                        if matches!(t.format, VariantOrUnknownOrEmpty::Item(StringFormat::Binary))
                ),
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
