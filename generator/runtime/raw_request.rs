//! Calls to endpoints the spec does not describe: `Client::get`, `post`, `put`,
//! `patch`, `delete` and `request` give a [`RawRequest`], sent with the same
//! credentials, base URL, retries, timeouts, size limits and redaction as
//! generated calls.

use std::fmt;
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::client::Client;
use super::error::Error;
use super::options::RequestOptions;
use super::raw_response::RawFuture;
use super::request::{Body, BodyKind, HttpMethod, Request};
use super::response::{ApiResponse, ResponseFuture, ResultFuture};
use super::transport::Target;

impl Client {
    /// A `GET` of `path` (below the base URL, starting with `/`); see
    /// [`RawRequest`].
    ///
    /// ```text
    /// let settings: serde_json::Value = client.get("/zones/abc/settings").send().await?;
    /// ```
    pub fn get(&self, path: impl Into<String>) -> RawRequest {
        self.request(reqwest::Method::GET, path)
    }

    /// A `POST` of `path`; see [`RawRequest`]. Not retried on `5xx` or a
    /// timeout unless marked [`RawRequest::idempotent`].
    pub fn post(&self, path: impl Into<String>) -> RawRequest {
        self.request(reqwest::Method::POST, path)
    }

    /// A `PUT` of `path`; see [`RawRequest`].
    pub fn put(&self, path: impl Into<String>) -> RawRequest {
        self.request(reqwest::Method::PUT, path)
    }

    /// A `PATCH` of `path`; see [`RawRequest`]. Not retried on `5xx` or a
    /// timeout unless marked [`RawRequest::idempotent`].
    pub fn patch(&self, path: impl Into<String>) -> RawRequest {
        self.request(reqwest::Method::PATCH, path)
    }

    /// A `DELETE` of `path`; see [`RawRequest`].
    pub fn delete(&self, path: impl Into<String>) -> RawRequest {
        self.request(reqwest::Method::DELETE, path)
    }

    /// A request of any standard method to `path`; see [`RawRequest`].
    pub fn request(&self, method: reqwest::Method, path: impl Into<String>) -> RawRequest {
        RawRequest {
            client: self.clone(),
            method,
            path: path.into(),
            query: Vec::new(),
            body: None,
            refused: None,
            options: RequestOptions::default(),
        }
    }
}

/// A request to an endpoint the spec does not describe.
///
/// `path` is appended to the base URL as given (it must start with `/`;
/// `{` and `}` are sent percent-encoded), so the request can never leave
/// the base URL's origin. It carries the client's credentials, default
/// headers and query, and follows its retry policy, timeouts, size limits
/// and redaction. Send it with [`RawRequest::send_raw`] for the response as
/// received, or decode its result from the envelope with
/// [`RawRequest::send`].
///
/// ```text
/// let raw = client
///     .post("/zones/abc/purge_cache")
///     .header("X-Request-Label", "nightly")
///     .json(&serde_json::json!({ "purge_everything": true }))
///     .send_raw()
///     .await?;
/// println!("{} {}", raw.status(), raw.text());
/// ```
#[derive(Clone)]
#[must_use = "a request does nothing until it is sent"]
pub struct RawRequest {
    client: Client,
    method: reqwest::Method,
    path: String,
    query: Vec<(String, String)>,
    body: Option<Body>,
    /// Why the body could not be serialised: reported when the call is sent.
    refused: Option<String>,
    options: RequestOptions,
}

impl RawRequest {
    /// Adds a query parameter (a name may repeat).
    pub fn query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((name.into(), value.into()));
        self
    }

    /// Adds a header; one named like a client header replaces it.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.options.headers.push((name.into(), value.into()));
        self
    }

    /// Sets a JSON body (`Content-Type: application/json`).
    pub fn json<T: Serialize + ?Sized>(mut self, body: &T) -> Self {
        match serde_json::to_value(body) {
            Ok(value) => {
                self.body = Some(Body::Json {
                    content_type: "application/json",
                    value,
                    files: Vec::new(),
                })
            }
            Err(e) => self.refused = Some(format!("cannot be serialized as JSON: {e}")),
        }
        self
    }

    /// Sets the timeout of each attempt, overriding the client's.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.options.timeout = Some(timeout);
        self
    }

    /// Sets the time limit of the whole call, overriding the client's.
    pub fn total_timeout(mut self, total_timeout: Duration) -> Self {
        self.options.total_timeout = Some(total_timeout);
        self
    }

    /// Sets how many times this request may be retried; 0 disables retries.
    pub fn max_retries(mut self, max_retries: u32) -> Self {
        self.options.max_retries = Some(max_retries);
        self
    }

    /// Sets the largest response body accepted, in bytes.
    pub fn max_response_bytes(mut self, max_response_bytes: u64) -> Self {
        self.options.max_response_bytes = Some(max_response_bytes);
        self
    }

    /// Declares whether this request may safely be sent more than once; see
    /// [`RequestOptions::idempotent`].
    pub fn idempotent(mut self, idempotent: bool) -> Self {
        self.options.idempotent = Some(idempotent);
        self
    }

    /// Replaces all per-request options (headers set so far included).
    pub fn options(mut self, options: RequestOptions) -> Self {
        self.options = options;
        self
    }

    /// Sends the request; the response as received, whatever its status.
    pub fn send_raw(self) -> RawFuture {
        Box::pin(async move {
            let (client, method, path, request) = self.into_parts();
            let target = target(method, &path);
            client.execute_raw(target, request).await
        })
    }

    /// Sends the request and decodes its result as `T`, unwrapped from the
    /// API's envelope when it has one, with the status, headers and envelope
    /// metadata.
    pub fn send_with_response<T: DeserializeOwned + Send + 'static>(self) -> ResponseFuture<T> {
        Box::pin(async move {
            let (client, method, path, request) = self.into_parts();
            let target = target(method, &path);
            client.execute_target(target, request, true).await
        })
    }

    /// Sends the request and decodes its result as `T` (see
    /// [`RawRequest::send_with_response`]).
    pub fn send<T: DeserializeOwned + Send + 'static>(self) -> ResultFuture<T> {
        let response = self.send_with_response::<T>();
        Box::pin(async move { response.await.map(ApiResponse::into_result) })
    }

    /// The client, the method (`GET` standing in for one refused, whose
    /// request is then an error and never sent), the path with braces
    /// encoded, and the request.
    fn into_parts(self) -> (Client, HttpMethod, String, Result<Request, Error>) {
        let method = method(&self.method);
        let request = match (self.refused, self.path.starts_with('/'), &method) {
            (_, _, Err(e)) => Err(Error::invalid("method", e.clone())),
            (Some(reason), _, _) => Err(Error::invalid("body", reason)),
            (None, false, _) => Err(Error::invalid("path", "must start with `/`")),
            (None, true, Ok(_)) => Ok(Request {
                query_objects: self.query,
                body: self.body,
                options: self.options,
                ..Request::default()
            }),
        };
        let path = self.path.replace('{', "%7B").replace('}', "%7D");
        (
            self.client,
            method.unwrap_or(HttpMethod::Get),
            path,
            request,
        )
    }
}

/// The transport's view of a raw request.
fn target(method: HttpMethod, path: &str) -> Target<'_> {
    Target {
        id: "raw",
        method,
        path,
        body: BodyKind::Json("application/json"),
        server: None,
        errors: &[],
        streaming: false,
    }
}

fn method(method: &reqwest::Method) -> Result<HttpMethod, String> {
    Ok(match *method {
        reqwest::Method::GET => HttpMethod::Get,
        reqwest::Method::PUT => HttpMethod::Put,
        reqwest::Method::POST => HttpMethod::Post,
        reqwest::Method::DELETE => HttpMethod::Delete,
        reqwest::Method::OPTIONS => HttpMethod::Options,
        reqwest::Method::HEAD => HttpMethod::Head,
        reqwest::Method::PATCH => HttpMethod::Patch,
        reqwest::Method::TRACE => HttpMethod::Trace,
        _ => return Err(format!("{method} is not a standard HTTP method")),
    })
}

impl fmt::Debug for RawRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawRequest")
            .field("method", &self.method)
            .field("path", &self.path)
            .field(
                "query",
                &self.query.iter().map(|(n, _)| n).collect::<Vec<_>>(),
            )
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client() -> Client {
        Client::builder().without_credentials().build().unwrap()
    }

    #[test]
    fn paths_and_methods_are_checked() {
        let (_, _, _, request) = client().get("zones").into_parts();
        assert!(matches!(
            request,
            Err(Error::InvalidArgument { name: "path", .. })
        ));
        let custom = reqwest::Method::from_bytes(b"PURGE").unwrap();
        let (_, _, _, request) = client().request(custom, "/x").into_parts();
        assert!(matches!(
            request,
            Err(Error::InvalidArgument { name: "method", .. })
        ));
        let (_, method, path, request) = client()
            .patch("/a/{b}")
            .query("q", "1")
            .json(&serde_json::json!({"k": 1}))
            .into_parts();
        assert_eq!(method, HttpMethod::Patch);
        assert_eq!(path, "/a/%7Bb%7D");
        let request = request.unwrap();
        assert_eq!(request.query_objects, [("q".to_owned(), "1".to_owned())]);
        assert!(matches!(request.body, Some(Body::Json { .. })));
        let shown = format!(
            "{:?}",
            client().get("/x").header("Authorization", "Bearer s3cr3t")
        );
        assert!(!shown.contains("s3cr3t"), "{shown}");
    }
}
