//! Operations as data: each generated operation is a `static` [`Operation`] (method,
//! path, parameters with their location and checks, body media type) that this module
//! interprets, and each generated request builder wraps a [`Call`] holding the values
//! its typed setters were given. Validation and encoding live here once, not in every
//! builder.

use std::fmt;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::client::Client;
use super::error::Error;
use super::error_body::ErrorBody;
use super::file;
pub(crate) use super::media::{Body, BodyKind, Encoding, EncodingStyle};
use super::options::{RequestOptions, is_secret_header};
use super::page::{PageFuture, Pages};
use super::pagination::{PageStream, paginate};
use super::params::{Location, Param, encode};
use super::raw_response::RawFuture;
use super::response::{ApiResponse, ResponseFuture, ResultFuture};

/// HTTP method of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(dead_code)]
pub(crate) enum HttpMethod {
    Get,
    Put,
    Post,
    Delete,
    Options,
    Head,
    Patch,
    Trace,
}

impl HttpMethod {
    pub(crate) fn to_reqwest(self) -> reqwest::Method {
        match self {
            HttpMethod::Get => reqwest::Method::GET,
            HttpMethod::Put => reqwest::Method::PUT,
            HttpMethod::Post => reqwest::Method::POST,
            HttpMethod::Delete => reqwest::Method::DELETE,
            HttpMethod::Options => reqwest::Method::OPTIONS,
            HttpMethod::Head => reqwest::Method::HEAD,
            HttpMethod::Patch => reqwest::Method::PATCH,
            HttpMethod::Trace => reqwest::Method::TRACE,
        }
    }

    /// Whether sending the request twice has the effect of sending it once.
    pub(crate) fn is_idempotent(self) -> bool {
        !matches!(self, HttpMethod::Post | HttpMethod::Patch)
    }
}

/// Static description of an operation, the data the runtime interprets.
#[derive(Debug)]
pub(crate) struct Operation {
    /// The `operationId`, for logs and errors.
    pub id: &'static str,
    pub method: HttpMethod,
    /// Path template such as `/zones/{zone_id}/client_certificates`.
    pub path: &'static str,
    /// Parameters, in the order the builder passes their values.
    pub params: &'static [Param],
    pub body: BodyKind,
    /// Whether successful responses come without the profile's envelope (when the
    /// profile has one); by default they are unwrapped from it.
    pub bare: bool,
    /// Query parameter holding the page number of a paginated list.
    pub page_param: Option<&'static str>,
    /// `Accept` header for responses that are not JSON.
    pub accept: Option<&'static str>,
    /// The operation's own server (its first, variables at their defaults), when the
    /// API gives it one: used unless a base URL was set explicitly.
    pub server: Option<&'static str>,
    /// The error responses whose bodies the spec types, by status key.
    pub errors: &'static [ErrorBody],
    /// The other media types the request body may be sent as (the builder's
    /// `media_type`).
    pub media_types: &'static [&'static str],
}

impl Operation {
    /// The fields generated statics leave out: no parameters, no body, responses in the
    /// profile's envelope.
    #[allow(dead_code)]
    pub(crate) const DEFAULT: Operation = Operation {
        id: "",
        method: HttpMethod::Get,
        path: "/",
        params: &[],
        body: BodyKind::None,
        bare: false,
        page_param: None,
        accept: None,
        server: None,
        errors: &[],
        media_types: &[],
    };
}

/// The arguments of one call, ready for the transport.
#[derive(Debug, Clone, Default)]
pub(crate) struct Request {
    pub path_params: Vec<(&'static str, String)>,
    /// In order; a name may repeat.
    pub query: Vec<(&'static str, String)>,
    /// Query pairs whose names the values give (objects: `filter[status]`, `status`),
    /// sent after `query`.
    pub query_objects: Vec<(String, String)>,
    /// Cookie parameters, sent in the `Cookie` header.
    pub cookies: Vec<(&'static str, String)>,
    /// Header parameters of the operation.
    pub headers: Vec<(&'static str, String)>,
    pub body: Option<Body>,
    pub options: RequestOptions,
}

/// A generated request builder: a newtype over the [`Call`] it wraps.
pub(crate) trait Wrap {
    fn wrap(call: Call) -> Self;
}

/// What a request builder holds: the operation, the values set so far (by parameter
/// position), the body, and per-request options. Values are kept as JSON, as their
/// typed setters serialised them; [`Call::into_request`] checks and encodes them.
#[derive(Clone)]
pub(crate) struct Call {
    client: Client,
    pub(super) op: &'static Operation,
    args: Vec<Option<Value>>,
    pub(super) body: Option<Body>,
    /// The media type the caller chose for the typed body, when not the default.
    pub(super) media_type: Option<&'static str>,
    /// The first value that could not be serialised: reported when the call is sent.
    refused: Option<(&'static str, String)>,
    pub(crate) options: RequestOptions,
}

#[allow(dead_code)]
impl Call {
    /// A call of `op` with no value set; a body of settable fields starts as `{}`.
    pub(crate) fn new(client: &Client, op: &'static Operation) -> Call {
        Call {
            client: client.clone(),
            op,
            args: vec![None; op.params.len()],
            body: None,
            media_type: None,
            refused: None,
            options: RequestOptions::default(),
        }
    }

    /// Sets the value of parameter number `index`.
    pub(crate) fn arg<T: Serialize + ?Sized>(mut self, index: usize, value: &T) -> Call {
        let name = self.op.params.get(index).map_or("argument", |p| p.name);
        match serde_json::to_value(value) {
            Ok(value) => {
                if let Some(slot) = self.args.get_mut(index) {
                    *slot = Some(value);
                }
            }
            Err(e) => self.refuse(name, format!("cannot be serialized: {e}")),
        }
        self
    }

    /// Sets the value of parameter number `index` to a string.
    pub(crate) fn arg_str(self, index: usize, value: impl Into<String>) -> Call {
        let value = Value::String(value.into());
        self.arg(index, &value)
    }

    /// Sets the value of parameter number `index` to an identifier.
    pub(crate) fn id(self, index: usize, id: &impl AsRef<str>) -> Call {
        self.arg_str(index, id.as_ref())
    }

    /// Starts the JSON object body of settable fields as `{}`.
    pub(crate) fn object_body(self) -> Call {
        self.body(&serde_json::Map::new())
    }

    /// Sets the whole JSON body.
    pub(crate) fn body<T: Serialize + ?Sized>(mut self, value: &T) -> Call {
        let content_type = match self.op.body {
            BodyKind::Json(ct) | BodyKind::Form(ct, _) | BodyKind::Multipart(ct, _) => ct,
            BodyKind::Bytes(_) | BodyKind::None => "application/json",
        };
        match file::collecting(|| serde_json::to_value(value)) {
            (Ok(value), files) => {
                self.body = Some(Body::Json {
                    content_type,
                    value,
                    files,
                })
            }
            (Err(e), _) => self.refuse("body", format!("cannot be serialized as JSON: {e}")),
        }
        self
    }

    /// Sets a JSON body that is a string.
    pub(crate) fn body_str(self, value: impl Into<String>) -> Call {
        let value: String = value.into();
        self.body(&value)
    }

    /// Sets one field of a JSON object body (starting from `{}`).
    pub(crate) fn body_field<T: Serialize + ?Sized>(
        mut self,
        field: &'static str,
        value: &T,
    ) -> Call {
        let (value, mut new_files) = match file::collecting(|| serde_json::to_value(value)) {
            (Ok(value), files) => (value, files),
            (Err(e), _) => {
                self.refuse(field, format!("cannot be serialized as JSON: {e}"));
                return self;
            }
        };
        if !matches!(
            &self.body,
            Some(Body::Json {
                value: Value::Object(_),
                ..
            })
        ) {
            self = self.body(&serde_json::Map::new());
        }
        if let Some(Body::Json {
            value: Value::Object(map),
            files,
            ..
        }) = &mut self.body
        {
            map.insert(field.to_owned(), value);
            files.append(&mut new_files);
        }
        self
    }

    /// The builder `B` around this call.
    pub(crate) fn wrap<B: Wrap>(self) -> B {
        B::wrap(self)
    }

    pub(super) fn refuse(&mut self, name: &'static str, reason: String) {
        if self.refused.is_none() {
            self.refused = Some((name, reason));
        }
    }

    /// The client, the operation, and the request with every value checked and
    /// encoded (or the first argument refused).
    pub(crate) fn into_parts(self) -> (Client, &'static Operation, Result<Request, Error>) {
        let Call {
            client,
            op,
            args,
            mut body,
            media_type,
            refused,
            options,
        } = self;
        if let (Some(chosen), Some(Body::Json { content_type, .. })) = (media_type, &mut body) {
            *content_type = chosen;
        }
        let request = match refused {
            Some((name, reason)) => Err(Error::invalid(name, reason)),
            None => encode(op, &args).map(|encoded| {
                let mut headers = encoded.headers;
                if let Some(accept) = op.accept {
                    headers.insert(0, ("Accept", accept.to_owned()));
                }
                Request {
                    path_params: encoded.path,
                    query: encoded.query,
                    query_objects: encoded.query_objects,
                    cookies: encoded.cookies,
                    headers,
                    body,
                    options,
                }
            }),
        };
        (client, op, request)
    }
}

#[allow(dead_code)]
impl Call {
    /// The client the call is sent with.
    pub(crate) fn client(&self) -> &Client {
        &self.client
    }

    /// The same call, sent with `client` instead (the blocking transport's twin).
    pub(crate) fn on_client(mut self, client: Client) -> Call {
        self.client = client;
        self
    }
}

impl fmt::Debug for Call {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut args = f.debug_map();
        for (param, value) in self.op.params.iter().zip(&self.args) {
            let Some(value) = value else { continue };
            if param.location == Location::Header && is_secret_header(param.name) {
                args.entry(&param.name, &"<redacted>");
            } else {
                args.entry(&param.name, value);
            }
        }
        args.finish()?;
        f.write_str(" for ")?;
        f.write_str(self.op.id)
    }
}

/// A call of `op` on `client` with no value set yet: what an operation's method starts from.
#[allow(dead_code)]
pub(crate) fn call(client: &Client, op: &'static Operation) -> Call {
    Call::new(client, op)
}

/// Sends a call whose successful response is JSON decoded as `T`. Generic, so the
/// async code is written (and type-checked) once, not once per operation.
#[allow(dead_code)]
pub(crate) fn send_json<T: DeserializeOwned + Send + 'static>(call: Call) -> ResponseFuture<T> {
    let (client, op, req) = call.into_parts();
    Box::pin(async move { client.execute(op, req).await })
}

/// Sends a call whose successful response has no body.
#[allow(dead_code)]
pub(crate) fn send_empty(call: Call) -> ResponseFuture<()> {
    let (client, op, req) = call.into_parts();
    Box::pin(async move { client.execute_empty(op, req).await })
}

/// Sends a call whose successful response is not JSON: the raw body.
#[allow(dead_code)]
pub(crate) fn send_bytes(call: Call) -> ResponseFuture<Vec<u8>> {
    let (client, op, req) = call.into_parts();
    Box::pin(async move { client.execute_bytes(op, req).await })
}

/// Sends a call and returns its response as received, whatever its status.
#[allow(dead_code)]
pub(crate) fn send_raw(call: Call) -> RawFuture {
    let (client, op, req) = call.into_parts();
    Box::pin(async move { client.execute_raw(op.target(), req).await })
}

/// Every item of every page of a paginated list call.
#[allow(dead_code)]
pub(crate) fn stream<T: DeserializeOwned + Clone + PartialEq + Send + 'static>(
    call: Call,
) -> PageStream<T> {
    let (client, op, req) = call.into_parts();
    paginate(client, op, req)
}

/// The pages of a paginated list call, as a stream.
#[allow(dead_code)]
pub(crate) fn pages<T: DeserializeOwned + Clone + PartialEq + Send + 'static>(
    call: Call,
) -> Pages<T> {
    let (client, op, req) = call.into_parts();
    super::page::pages(client, op, req)
}

/// The first page of a paginated list call.
#[allow(dead_code)]
pub(crate) fn first_page<T: DeserializeOwned + Clone + PartialEq + Send + 'static>(
    call: Call,
) -> PageFuture<T> {
    let (client, op, req) = call.into_parts();
    super::page::first_page(client, op, req)
}

/// Drops the response metadata, keeping the result.
#[allow(dead_code)]
pub(crate) fn into_result<T: Send + 'static>(response: ResponseFuture<T>) -> ResultFuture<T> {
    Box::pin(async move { response.await.map(ApiResponse::into_result) })
}

#[cfg(test)]
mod tests {
    use super::*;

    static LIST: Operation = Operation {
        id: "listThings",
        path: "/zones/{zone_id}/things",
        params: &[
            Param::path("zone_id").max_length(4),
            Param::query("tag"),
            Param::query("ids").comma_separated(),
            Param::query("per_page").minimum(5.0).maximum(50.0),
            Param::header("X-Auth-Key"),
        ],
        body: BodyKind::Json("application/merge-patch+json"),
        accept: Some("text/csv"),
        ..Operation::DEFAULT
    };

    fn call() -> Call {
        Call::new(
            &Client::builder().without_credentials().build().unwrap(),
            &LIST,
        )
    }

    #[test]
    fn values_are_checked_and_encoded_by_location() {
        let (_, op, request) = call()
            .arg(0, "z1")
            .arg(1, &["a b", "c"])
            .arg(2, &[1, 2])
            .arg(3, &20)
            .arg(4, "secret-key")
            .body_field("reactivate", &true)
            .into_parts();
        assert_eq!(op.id, "listThings");
        let request = request.unwrap();
        assert_eq!(request.path_params, [("zone_id", "z1".to_owned())]);
        assert_eq!(
            request.query,
            [
                ("tag", "a b".to_owned()),
                ("tag", "c".to_owned()),
                ("ids", "1,2".to_owned()),
                ("per_page", "20".to_owned())
            ]
        );
        assert_eq!(
            request.headers,
            [
                ("Accept", "text/csv".to_owned()),
                ("X-Auth-Key", "secret-key".to_owned())
            ]
        );
        match request.body {
            Some(Body::Json {
                content_type,
                value,
                ..
            }) => {
                assert_eq!(content_type, "application/merge-patch+json");
                assert_eq!(value, serde_json::json!({"reactivate": true}));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn checks_and_missing_values_are_errors() {
        let err = |c: Call| c.into_parts().2.unwrap_err().to_string();
        assert_eq!(
            err(call().arg(0, "toolong")),
            "invalid argument `zone_id`: must be at most 4 characters long (got 7)"
        );
        assert_eq!(
            err(call().arg(0, "z").arg(3, &51)),
            "invalid argument `per_page`: must be at most 50 (got 51)"
        );
        assert_eq!(
            err(call()),
            "invalid argument `zone_id`: path parameter is missing"
        );
        assert!(err(call().arg(0, "z").arg(1, &serde_json::json!([{"a": 1}]))).contains("tag"));
    }

    #[test]
    fn objects_and_arrays_follow_their_style() {
        static STYLES: Operation = Operation {
            id: "styles",
            params: &[
                Param::query("created").deep_object(),
                Param::query("point"),
                Param::query("pair").comma_separated(),
                Param::query("words").space_delimited(),
                Param::query("ids").pipe_delimited(),
                Param::query("expand").deep_object(),
                Param::cookie("session"),
            ],
            ..Operation::DEFAULT
        };
        let client = Client::builder().without_credentials().build().unwrap();
        let request = Call::new(&client, &STYLES)
            .arg(0, &serde_json::json!({"gt": 1, "lte": {"x": "y"}}))
            .arg(1, &serde_json::json!({"x": 1, "y": 2}))
            .arg(2, &serde_json::json!({"x": 1, "y": 2}))
            .arg(3, &["a", "b"])
            .arg(4, &[1, 2])
            .arg(5, &["customer", "invoice"])
            .arg(6, "s 1;")
            .into_parts()
            .2
            .unwrap();
        let own = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        assert_eq!(
            request.query_objects,
            own(&[
                ("created[gt]", "1"),
                ("created[lte][x]", "y"),
                ("x", "1"),
                ("y", "2"),
                ("expand[]", "customer"),
                ("expand[]", "invoice"),
            ])
        );
        assert_eq!(
            request.query,
            [
                ("pair", "x,1,y,2".to_owned()),
                ("words", "a b".to_owned()),
                ("ids", "1|2".to_owned())
            ]
        );
        assert_eq!(request.cookies, [("session", "s 1;".to_owned())]);
    }

    #[test]
    fn debug_hides_secret_headers() {
        let shown = format!("{:?}", call().arg(0, "z").arg(4, "secret-key"));
        assert!(!shown.contains("secret-key"), "{shown}");
        assert!(shown.contains("\"zone_id\": String(\"z\")"), "{shown}");
        assert!(shown.ends_with("for listThings"), "{shown}");
    }

    #[test]
    fn methods() {
        assert!(HttpMethod::Get.is_idempotent() && HttpMethod::Delete.is_idempotent());
        assert!(!HttpMethod::Post.is_idempotent() && !HttpMethod::Patch.is_idempotent());
        assert_eq!(HttpMethod::Patch.to_reqwest(), reqwest::Method::PATCH);
    }
}
