//! Request bodies, success responses (with envelope unwrapping) and pagination.

use super::Lowerer;
use crate::diag::{Diagnostic, child};
use crate::ir::{
    BodyKind, BodySetter, Envelope, Pagination, Param, ParamLocation, RequestBody, ResponseBody,
    Samples, TypeKind, TypeRef,
};
use crate::naming::NameSet;
use indexmap::IndexMap;
use openapiv3::{MediaType, ReferenceOr, StatusCode};

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
        let (ty, kind) = if is_json(content_type) {
            let ty = match &media.schema {
                Some(s) => self.lower_ref(
                    s,
                    &format!("{type_prefix}Body"),
                    &child(&media_pointer, "schema"),
                ),
                None => TypeRef::Json,
            };
            (ty, BodyKind::Json)
        } else {
            (TypeRef::Bytes, BodyKind::Bytes)
        };
        let setters = if kind == BodyKind::Json {
            self.body_setters(&ty, names)
        } else {
            Vec::new()
        };
        let samples = self.samples.then(|| {
            let fits = |v: &serde_json::Value| {
                let schema = media.schema.as_ref().and_then(|s| self.schema_behind(s));
                schema.is_none_or(|s| super::sample::fits(v, s))
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

fn is_json(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    // A value that is not `type/subtype` at all (`undefined`, `string`) is a defect of the
    // spec, reported by the linter; JSON is the likeliest intent.
    essence == "application/json"
        || essence.ends_with("+json")
        || essence == "*/*"
        || !essence.contains('/')
}

/// JSON if offered, else the first media type.
fn pick_media(content: &IndexMap<String, MediaType>) -> Option<(&str, &MediaType)> {
    content
        .iter()
        .find(|(k, _)| is_json(k))
        .or_else(|| content.iter().next())
        .map(|(k, v)| (k.as_str(), v))
}
