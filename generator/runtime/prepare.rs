//! Turning a call's arguments into what is sent: URL with every query
//! parameter, headers (credentials, defaults, per-request), and the encoded body.

use percent_encoding::utf8_percent_encode;
use reqwest::header::{
    ACCEPT, CONTENT_TYPE, COOKIE, HeaderMap, HeaderName, HeaderValue, USER_AGENT,
};

use super::client::Client;
use super::encode;
use super::error::Error;
use super::redact::Secrets;
use super::request::{Body, BodyKind, Request};
use super::transport::Target;
use super::upload::PreparedBody;
use super::url::{COMPONENT, build_url};

/// A request ready to be sent, possibly several times. Not `Debug`: its URL
/// may hold an API key.
pub(crate) struct Prepared {
    pub method: reqwest::Method,
    pub url: reqwest::Url,
    pub headers: HeaderMap,
    pub body: Option<PreparedBody>,
    /// The values of the API keys in the query string.
    pub query_secrets: Vec<String>,
}

impl Client {
    /// The base URL of a request: the operation's own server unless a base URL was
    /// set explicitly. Credentials go to an operation's server too (the API names it
    /// for the operation), but not over plain `http` to another machine unless
    /// allowed, as for the base URL.
    fn base_for<'a>(&'a self, target: Target<'a>) -> Result<&'a str, Error> {
        let Some(server) = target.server.filter(|_| self.inner.operation_servers) else {
            return Ok(&self.inner.base_url);
        };
        let has_credentials =
            !self.inner.credentials.is_empty() || !self.inner.credential_query.is_empty();
        let url = reqwest::Url::parse(server)
            .map_err(|e| Error::configuration(format!("invalid server URL {server}: {e}")))?;
        if url.scheme() == "http"
            && has_credentials
            && !self.inner.allow_insecure_http
            && !super::client::is_loopback(&url)
        {
            return Err(Error::configuration(format!(
                "the server of this operation ({server}) is plain http to another machine, \
                 which would expose the credentials; allow it with \
                 ClientBuilder::allow_insecure_http(true), or set a base URL"
            )));
        }
        Ok(server.trim_end_matches('/'))
    }

    /// Validates the arguments and builds the URL, headers and body.
    pub(crate) fn prepare(&self, target: Target<'_>, req: &Request) -> Result<Prepared, Error> {
        let base = self.base_for(target)?;
        let url = build_url(base, target.path, &req.path_params, &req.query)?;
        let mut url = reqwest::Url::parse(&url)
            .map_err(|e| Error::configuration(format!("cannot build the URL: {e}")))?;
        let extra = &req.options.extra_query;
        // A default query parameter gives way to one the request sets itself.
        let defaults = self.inner.default_query.iter().filter(|(name, _)| {
            !req.query.iter().any(|(n, _)| n == name)
                && !req.query_objects.iter().any(|(n, _)| n == name)
                && !extra.iter().any(|(n, _)| n == name)
        });
        let mut pairs = req
            .query_objects
            .iter()
            .chain(extra)
            .chain(defaults)
            .chain(&self.inner.credential_query)
            .peekable();
        if pairs.peek().is_some() {
            let mut query = url.query_pairs_mut();
            for (name, value) in pairs {
                query.append_pair(name, value);
            }
        }
        let mut headers = HeaderMap::new();
        for (name, value) in &self.inner.credentials {
            headers.append(name.clone(), value.clone());
        }
        headers.insert(USER_AGENT, self.inner.user_agent.clone());
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        for name in self.inner.default_headers.keys() {
            headers.remove(name);
        }
        for (name, value) in &self.inner.default_headers {
            headers.append(name.clone(), value.clone());
        }
        let merged;
        let body = if req.options.extra_body.is_empty() {
            req.body.as_ref()
        } else {
            merged = with_extra_fields(req.body.clone(), &req.options.extra_body)?;
            Some(&merged)
        };
        let body = match body {
            None => None,
            Some(Body::Json {
                content_type,
                value,
                files,
            }) => {
                // A media type the caller chose is encoded as its kind says.
                let kind = if target.body.content_type() == Some(*content_type) {
                    target.body
                } else {
                    BodyKind::of(content_type)
                };
                let (bytes, content_type) = match kind {
                    BodyKind::Bytes(ct) => {
                        return Err(Error::invalid(
                            "body",
                            format!(
                                "a typed body cannot be encoded as {ct}; send its bytes \
                                 with raw_body"
                            ),
                        ));
                    }
                    BodyKind::Form(_, encodings) => (
                        PreparedBody::Bytes(
                            encode::form(value, encodings)
                                .map_err(|e| Error::invalid("body", e))?
                                .into(),
                        ),
                        (*content_type).to_owned(),
                    ),
                    BodyKind::Multipart(_, encodings) => {
                        let (segments, content_type) =
                            encode::multipart(value, content_type, encodings, files)
                                .map_err(|e| Error::invalid("body", e))?;
                        (PreparedBody::Parts(segments.into()), content_type)
                    }
                    _ => (
                        PreparedBody::Bytes(
                            serde_json::to_vec(value)
                                .map_err(|e| {
                                    Error::invalid(
                                        "body",
                                        format!("cannot be serialized as JSON: {e}"),
                                    )
                                })?
                                .into(),
                        ),
                        (*content_type).to_owned(),
                    ),
                };
                let header = HeaderValue::from_str(&content_type).map_err(|_| {
                    Error::invalid("body", "the content type is not a valid header value")
                })?;
                headers.insert(CONTENT_TYPE, header);
                Some(bytes)
            }
            Some(Body::Bytes {
                content_type,
                bytes,
            }) => {
                let value = HeaderValue::from_str(content_type.as_ref()).map_err(|_| {
                    Error::invalid("body", "the content type is not a valid header value")
                })?;
                headers.insert(CONTENT_TYPE, value);
                Some(PreparedBody::Bytes(bytes.clone().into()))
            }
        };
        if !req.cookies.is_empty() {
            // After the credentials' cookies, in the one `Cookie` header; values
            // percent-encoded, as a cookie value cannot hold `;`, `,` or spaces.
            let mut cookies: Vec<String> = headers
                .get(COOKIE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
                .into_iter()
                .collect();
            for (name, value) in &req.cookies {
                cookies.push(format!("{name}={}", utf8_percent_encode(value, COMPONENT)));
            }
            let mut value = HeaderValue::from_str(&cookies.join("; "))
                .map_err(|_| Error::invalid("cookie", "is not a valid cookie name"))?;
            value.set_sensitive(true);
            headers.insert(COOKIE, value);
        }
        let mut extra = HeaderMap::new();
        for (name, value) in &req.headers {
            let header = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| Error::invalid(name, "is not a valid HTTP header name"))?;
            let mut value = HeaderValue::from_str(value).map_err(|_| {
                Error::invalid(name, "contains characters not allowed in HTTP headers")
            })?;
            if super::options::is_secret_header(name) {
                value.set_sensitive(true);
            }
            extra.append(header, value);
        }
        extra.extend(req.options.header_map()?);
        for name in extra.keys() {
            headers.remove(name);
        }
        for (name, value) in extra.iter() {
            headers.append(name.clone(), value.clone());
        }
        Ok(Prepared {
            method: target.method.to_reqwest(),
            url,
            headers,
            body,
            query_secrets: self
                .inner
                .credential_query
                .iter()
                .map(|(_, value)| value.clone())
                .collect(),
        })
    }
}

impl Prepared {
    /// `error` with every secret this request carries scrubbed from the
    /// server-sent text in it.
    pub(crate) fn scrub(&self, error: Error) -> Error {
        let mut secrets = Secrets::from_headers(&self.headers);
        for value in &self.query_secrets {
            secrets.add(value);
        }
        secrets.scrub_error(error)
    }
}

/// `body` with `fields` set over its own: a JSON object body, or a new one.
fn with_extra_fields(
    body: Option<Body>,
    fields: &serde_json::Map<String, serde_json::Value>,
) -> Result<Body, Error> {
    let (content_type, mut map, files) = match body {
        None => ("application/json", serde_json::Map::new(), Vec::new()),
        Some(Body::Json {
            content_type,
            value: serde_json::Value::Object(map),
            files,
        }) => (content_type, map, files),
        Some(_) => {
            return Err(Error::invalid(
                "extra_body_field",
                "the request body is not a JSON object",
            ));
        }
    };
    for (name, value) in fields {
        map.insert(name.clone(), value.clone());
    }
    Ok(Body::Json {
        content_type,
        value: serde_json::Value::Object(map),
        files,
    })
}
