//! Sending a request: URL and headers, attempts with timeouts, retries.

use std::time::{Duration, Instant};

use percent_encoding::utf8_percent_encode;
use reqwest::header::{
    ACCEPT, CONTENT_TYPE, COOKIE, HeaderMap, HeaderName, HeaderValue, USER_AGENT,
};
use serde::de::DeserializeOwned;

use super::body::{self, ReadError};
use super::client::Client;
use super::encode;
use super::envelope::{self, RawResponse};
use super::error::Error;
use super::options::RequestOptions;
use super::profile::Envelope;
use super::redact::Secrets;
use super::redirect;
use super::request::{Body, BodyKind, Operation, Request};
use super::response::ApiResponse;
use super::retry::{Outcome, jitter, retry_after, should_retry};
use super::url::{COMPONENT, build_url};

/// A request ready to be sent, possibly several times. Not `Debug`: its URL
/// may hold an API key.
pub(crate) struct Prepared {
    pub(crate) method: reqwest::Method,
    pub(crate) url: reqwest::Url,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Option<Vec<u8>>,
    /// The values of the API keys in the query string.
    pub(crate) query_secrets: Vec<String>,
}

/// The limits of one call: the client's settings with the request's
/// overrides.
#[derive(Debug, Clone, Copy)]
struct Limits {
    timeout: Duration,
    total_timeout: Duration,
    max_retries: u32,
    idempotent: bool,
    max_response_bytes: u64,
}

/// Why an attempt produced no response.
#[derive(Debug)]
enum Failure {
    NotSent(Error),
    ConnectionLost(Error),
    Timeout(Duration),
    /// An error that sending again cannot cure (a refused redirect, a body
    /// over the limit): never retried.
    Final(Error),
}

impl Failure {
    fn outcome(&self) -> Option<Outcome> {
        match self {
            Failure::NotSent(_) => Some(Outcome::NotSent),
            Failure::ConnectionLost(_) => Some(Outcome::ConnectionLost),
            Failure::Timeout(_) => Some(Outcome::Timeout),
            Failure::Final(_) => None,
        }
    }
}

impl Client {
    /// Sends `req` for `op`, retrying as configured, and decodes the result.
    pub(crate) async fn execute<T: DeserializeOwned>(
        &self,
        op: &'static Operation,
        req: Request,
    ) -> Result<ApiResponse<T>, Error> {
        let prepared = self.prepare(op, &req)?;
        let raw = self.send(op, &req.options, &prepared).await;
        raw.and_then(|raw| {
            envelope::decode(raw, unwraps_envelope(op), crate::PROFILE.request_id_header)
        })
        .map_err(|e| prepared.scrub(e))
    }

    /// Like [`Client::execute`] for operations whose successful responses
    /// carry no result.
    #[allow(dead_code)]
    pub(crate) async fn execute_empty(
        &self,
        op: &'static Operation,
        req: Request,
    ) -> Result<ApiResponse<()>, Error> {
        let prepared = self.prepare(op, &req)?;
        let raw = self.send(op, &req.options, &prepared).await;
        raw.and_then(|raw| {
            envelope::decode_empty(raw, unwraps_envelope(op), crate::PROFILE.request_id_header)
        })
        .map_err(|e| prepared.scrub(e))
    }

    /// Like [`Client::execute`] for operations whose successful responses are
    /// not JSON (files, CSV, streams of records): the raw body.
    #[allow(dead_code)]
    pub(crate) async fn execute_bytes(
        &self,
        op: &'static Operation,
        req: Request,
    ) -> Result<ApiResponse<Vec<u8>>, Error> {
        let prepared = self.prepare(op, &req)?;
        let raw = self.send(op, &req.options, &prepared).await;
        raw.and_then(|raw| envelope::decode_bytes(raw, crate::PROFILE.request_id_header))
            .map_err(|e| prepared.scrub(e))
    }

    /// The call's limits: the request's settings, validated, over the client's.
    fn limits(&self, op: &'static Operation, options: &RequestOptions) -> Result<Limits, Error> {
        options.validate()?;
        let inner = &self.inner;
        Ok(Limits {
            timeout: options.timeout.unwrap_or(inner.timeout),
            total_timeout: options.total_timeout.unwrap_or(inner.total_timeout),
            max_retries: options.max_retries.unwrap_or(inner.max_retries),
            idempotent: options.idempotent.unwrap_or(op.method.is_idempotent()),
            max_response_bytes: options
                .max_response_bytes
                .unwrap_or(inner.max_response_bytes),
        })
    }

    /// Sends the request until it gets a response that is not retried, or
    /// an error that is not retried, or retries or time run out.
    async fn send(
        &self,
        op: &'static Operation,
        options: &RequestOptions,
        prepared: &Prepared,
    ) -> Result<RawResponse, Error> {
        let limits = self.limits(op, options)?;
        // A mock answers in place of the network: one exchange, no retries.
        #[cfg(feature = "mock")]
        if let Some(mock) = &self.inner.mock {
            return mock.respond(op, prepared, self);
        }
        let started = Instant::now();
        let deadline = started + limits.total_timeout;
        let mut attempts = 0u32;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let timeout = limits.timeout.min(left);
            attempts += 1;
            let result = self
                .attempt(op, prepared, timeout, attempts, limits.max_response_bytes)
                .await;
            let end = Ending {
                limits: &limits,
                attempts,
                started,
                timeout,
            };
            let (outcome, requested) = match &result {
                Ok(raw) if raw.status.is_success() => return end.finish(result),
                Ok(raw) => (Outcome::Status(raw.status), retry_after(&raw.headers)),
                Err(failure) => match failure.outcome() {
                    Some(outcome) => (outcome, None),
                    None => return end.finish(result),
                },
            };
            if attempts > limits.max_retries || !should_retry(limits.idempotent, outcome) {
                return end.finish(result);
            }
            // Wait as the server asks, or back off; never past the deadline:
            // a wait that would end after it gives up now, with this error
            // (a 429 keeps the `retry_after` the server asked for).
            let left = deadline.saturating_duration_since(Instant::now());
            let delay =
                requested.unwrap_or_else(|| self.inner.backoff.delay(attempts - 1, jitter()));
            if delay >= left {
                return end.finish(result);
            }
            #[cfg(feature = "tracing")]
            tracing::debug!(
                operation = op.id,
                attempt = attempts,
                delay_ms = delay.as_millis() as u64,
                reason = %outcome.describe(),
                "retrying request"
            );
            drop(result);
            tokio::time::sleep(delay).await;
        }
    }

    /// One attempt, in its own tracing span when the feature is enabled.
    #[cfg_attr(not(feature = "tracing"), allow(unused_variables))]
    async fn attempt(
        &self,
        op: &'static Operation,
        prepared: &Prepared,
        timeout: Duration,
        attempt: u32,
        max_body: u64,
    ) -> Result<RawResponse, Failure> {
        #[cfg(feature = "tracing")]
        {
            use tracing::Instrument;
            let span = tracing::info_span!(
                "http_request",
                operation = op.id,
                method = prepared.method.as_str(),
                path = op.path,
                attempt,
                status = tracing::field::Empty,
            );
            let result = self
                .exchange(prepared, timeout, max_body)
                .instrument(span.clone())
                .await;
            match &result {
                Ok(raw) => {
                    span.record("status", raw.status.as_u16());
                }
                Err(failure) => {
                    let _guard = span.enter();
                    let outcome = failure
                        .outcome()
                        .map_or_else(|| "not retried".to_owned(), Outcome::describe);
                    tracing::debug!(outcome = %outcome, "attempt failed");
                }
            }
            result
        }
        #[cfg(not(feature = "tracing"))]
        self.exchange(prepared, timeout, max_body).await
    }

    /// Sends the request, following redirects within the base URL's origin,
    /// and reads the response within `timeout` and the body limit.
    async fn exchange(
        &self,
        prepared: &Prepared,
        timeout: Duration,
        max_body: u64,
    ) -> Result<RawResponse, Failure> {
        let exchange = async {
            let mut method = prepared.method.clone();
            let mut url = prepared.url.clone();
            let mut headers = prepared.headers.clone();
            let mut body = prepared.body.clone();
            let mut followed = 0;
            loop {
                let mut builder = self
                    .inner
                    .http
                    .request(method.clone(), url.clone())
                    .headers(headers.clone())
                    .timeout(timeout);
                if let Some(body) = &body {
                    builder = builder.body(body.clone());
                }
                let mut response = builder.send().await.map_err(|e| send_failure(e, timeout))?;
                let status = response.status();
                let next = redirect::next(
                    status,
                    response.headers(),
                    &method,
                    &url,
                    &self.inner.base,
                    followed,
                )
                .map_err(Failure::Final)?;
                if let Some(next) = next {
                    followed += 1;
                    if !next.keep_body {
                        body = None;
                        headers.remove(CONTENT_TYPE);
                    }
                    method = next.method;
                    url = next.url;
                    continue;
                }
                let headers = std::mem::take(response.headers_mut());
                let read_failure = |e: reqwest::Error| {
                    if e.is_timeout() {
                        Failure::Timeout(timeout)
                    } else {
                        Failure::ConnectionLost(Error::connection(
                            "error reading the response body",
                            e,
                        ))
                    }
                };
                let body = if status.is_success() {
                    body::read_limited(&mut response, max_body)
                        .await
                        .map_err(|e| match e {
                            ReadError::TooLarge { declared } => {
                                Failure::Final(Error::ResponseTooLarge {
                                    status,
                                    limit: max_body,
                                    declared,
                                })
                            }
                            ReadError::Transport(e) => read_failure(e),
                        })?
                } else {
                    body::read_error_body(&mut response, max_body)
                        .await
                        .map_err(read_failure)?
                };
                return Ok(RawResponse {
                    status,
                    headers,
                    body,
                });
            }
        };
        match tokio::time::timeout(timeout, exchange).await {
            Ok(result) => result,
            Err(_elapsed) => Err(Failure::Timeout(timeout)),
        }
    }

    /// Validates the arguments and builds the URL, headers and body.
    pub(crate) fn prepare(&self, op: &'static Operation, req: &Request) -> Result<Prepared, Error> {
        let url = build_url(&self.inner.base_url, op.path, &req.path_params, &req.query)?;
        let mut url = reqwest::Url::parse(&url)
            .map_err(|e| Error::configuration(format!("cannot build the URL: {e}")))?;
        if !(req.query_objects.is_empty() && self.inner.credential_query.is_empty()) {
            let mut pairs = url.query_pairs_mut();
            for (name, value) in req.query_objects.iter().chain(&self.inner.credential_query) {
                pairs.append_pair(name, value);
            }
        }
        let mut headers = HeaderMap::new();
        for (name, value) in &self.inner.credentials {
            headers.append(name.clone(), value.clone());
        }
        headers.insert(USER_AGENT, self.inner.user_agent.clone());
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        let body = match &req.body {
            None => None,
            Some(Body::Json {
                content_type,
                value,
            }) => {
                let (bytes, content_type) = match op.body {
                    BodyKind::Form(_) => (
                        encode::form(value).map_err(|e| Error::invalid("body", e))?,
                        (*content_type).to_owned(),
                    ),
                    BodyKind::Multipart(_, binary) => {
                        encode::multipart(value, content_type, binary)
                            .map_err(|e| Error::invalid("body", e))?
                    }
                    _ => (
                        serde_json::to_vec(value).map_err(|e| {
                            Error::invalid("body", format!("cannot be serialized as JSON: {e}"))
                        })?,
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
                let value = HeaderValue::from_str(content_type).map_err(|_| {
                    Error::invalid("body", "the content type is not a valid header value")
                })?;
                headers.insert(CONTENT_TYPE, value);
                Some(bytes.clone())
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
            method: op.method.to_reqwest(),
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

/// What a call ends with, once no further attempt is made.
struct Ending<'a> {
    limits: &'a Limits,
    attempts: u32,
    started: Instant,
    /// The last attempt's timeout.
    timeout: Duration,
}

impl Ending<'_> {
    fn finish(self, result: Result<RawResponse, Failure>) -> Result<RawResponse, Error> {
        let error = match result {
            Ok(raw) => return Ok(raw),
            Err(Failure::NotSent(e) | Failure::ConnectionLost(e) | Failure::Final(e)) => e,
            Err(Failure::Timeout(after)) => Error::Timeout {
                after,
                attempts: self.attempts,
                elapsed: self.started.elapsed(),
                // The attempt had less than its own timeout: the call's ran out.
                total_timeout: (self.timeout < self.limits.timeout)
                    .then_some(self.limits.total_timeout),
            },
        };
        Err(error)
    }
}

impl Prepared {
    /// `error` with every secret this request carries scrubbed from the
    /// server-sent text in it.
    fn scrub(&self, error: Error) -> Error {
        let mut secrets = Secrets::from_headers(&self.headers);
        for value in &self.query_secrets {
            secrets.add(value);
        }
        secrets.scrub_error(error)
    }
}

/// The failure of an attempt whose request could not be sent or answered.
fn send_failure(e: reqwest::Error, timeout: Duration) -> Failure {
    if e.is_connect() {
        // No connection was made: nothing was sent. (A request on a pooled
        // connection that closed before any byte was written is resent on a
        // new connection by hyper's client itself.)
        Failure::NotSent(Error::connection("could not connect", e))
    } else if e.is_timeout() {
        Failure::Timeout(timeout)
    } else {
        Failure::ConnectionLost(Error::connection("error sending the request", e))
    }
}

fn unwraps_envelope(op: &Operation) -> bool {
    !op.bare && crate::PROFILE.envelope == Envelope::CloudflareV4
}
