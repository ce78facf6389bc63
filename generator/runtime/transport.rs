//! Sending a request: URL and headers, attempts with timeouts, retries.

use std::time::{Duration, Instant};

use reqwest::header::CONTENT_TYPE;
use serde::de::DeserializeOwned;

use super::body::{self, ReadError};
use super::client::Client;
use super::envelope::{self, RawResponse};
use super::error::Error;
use super::error_body::{self, ErrorBody};
use super::options::RequestOptions;
use super::prepare::Prepared;
use super::profile::Envelope;
use super::redirect;
use super::request::{BodyKind, HttpMethod, Operation, Request};
use super::response::ApiResponse;
use super::retry::{Outcome, jitter, retry_after, server_says_retry, should_retry};

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

/// What a call is sent as: a generated operation's description, or a raw
/// request's method and path.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Target<'a> {
    /// The `operationId`, for traces (`raw` for a raw request).
    #[cfg_attr(not(feature = "tracing"), allow(dead_code))]
    pub id: &'a str,
    pub method: HttpMethod,
    /// The path template (a raw request's path as given).
    pub path: &'a str,
    pub body: BodyKind,
    /// The operation's own server, if it has one.
    pub server: Option<&'a str>,
    /// The error bodies the operation types (none for a raw request).
    pub errors: &'a [ErrorBody],
    /// Whether a successful response's body is read as it arrives (events,
    /// downloads) rather than before the call returns.
    pub streaming: bool,
}

impl Operation {
    /// What the transport needs of this operation.
    pub(crate) fn target(&self) -> Target<'_> {
        Target {
            id: self.id,
            method: self.method,
            path: self.path,
            body: self.body,
            server: self.server,
            errors: self.errors,
            streaming: false,
        }
    }
}

impl Client {
    /// Sends `req` for `op`, retrying as configured, and decodes the result.
    pub(crate) async fn execute<T: DeserializeOwned>(
        &self,
        op: &'static Operation,
        req: Result<Request, Error>,
    ) -> Result<ApiResponse<T>, Error> {
        let envelope = unwraps_envelope(op);
        self.run(op.target(), req, |raw| {
            envelope::decode(raw, envelope, crate::PROFILE.request_id_header)
        })
        .await
    }

    /// Like [`Client::execute`] for operations whose successful responses
    /// carry no result.
    #[allow(dead_code)]
    pub(crate) async fn execute_empty(
        &self,
        op: &'static Operation,
        req: Result<Request, Error>,
    ) -> Result<ApiResponse<()>, Error> {
        let envelope = unwraps_envelope(op);
        self.run(op.target(), req, |raw| {
            envelope::decode_empty(raw, envelope, crate::PROFILE.request_id_header)
        })
        .await
    }

    /// Like [`Client::execute`] for operations whose successful responses are
    /// not JSON (files, CSV, streams of records): the raw body.
    #[allow(dead_code)]
    pub(crate) async fn execute_bytes(
        &self,
        op: &'static Operation,
        req: Result<Request, Error>,
    ) -> Result<ApiResponse<Vec<u8>>, Error> {
        self.run(op.target(), req, |raw| {
            envelope::decode_bytes(raw, crate::PROFILE.request_id_header)
        })
        .await
    }

    /// Like [`Client::execute`] for responses read as they arrive: the call ends
    /// when the head of a successful response arrives, and its body is read by the
    /// returned stream.
    #[allow(dead_code)]
    pub(crate) async fn execute_stream(
        &self,
        op: &'static Operation,
        req: Result<Request, Error>,
    ) -> Result<ApiResponse<super::events::ByteStream>, Error> {
        let mut target = op.target();
        target.streaming = true;
        self.run(target, req, |mut raw| {
            if !raw.status.is_success() {
                return Err(envelope::api_error(&raw, crate::PROFILE.request_id_header));
            }
            let live = raw
                .live
                .take()
                .and_then(|slot| slot.lock().ok().and_then(|mut live| live.take()));
            let headers = raw.headers.clone();
            let stream = super::events::ByteStream::new(raw.status, raw.headers, live, raw.body);
            Ok(ApiResponse {
                result: stream,
                result_info: None,
                messages: Vec::new(),
                status: raw.status,
                headers,
            })
        })
        .await
    }

    /// Like [`Client::execute`], decoding the response with `decode`.
    #[allow(dead_code)]
    pub(crate) async fn execute_with<R>(
        &self,
        op: &'static Operation,
        req: Result<Request, Error>,
        decode: impl FnOnce(RawResponse) -> Result<R, Error>,
    ) -> Result<R, Error> {
        self.run(op.target(), req, decode).await
    }

    /// Sends `req` to `target` and returns the response as received, whatever
    /// its status.
    pub(crate) async fn execute_raw(
        &self,
        target: Target<'_>,
        req: Result<Request, Error>,
    ) -> Result<RawResponse, Error> {
        self.run(target, req, Ok).await
    }

    /// Sends `req` to `target` and decodes its result as `T`, from the
    /// profile's envelope when `envelope` is set.
    pub(crate) async fn execute_target<T: DeserializeOwned>(
        &self,
        target: Target<'_>,
        req: Result<Request, Error>,
        envelope: bool,
    ) -> Result<ApiResponse<T>, Error> {
        let envelope = envelope && crate::PROFILE.envelope == Envelope::CloudflareV4;
        self.run(target, req, |raw| {
            envelope::decode(raw, envelope, crate::PROFILE.request_id_header)
        })
        .await
    }

    /// Prepares and sends a call, decodes its response with `decode`, scrubs
    /// the request's secrets from any error, and traces the call's end.
    async fn run<R>(
        &self,
        target: Target<'_>,
        req: Result<Request, Error>,
        decode: impl FnOnce(RawResponse) -> Result<R, Error>,
    ) -> Result<R, Error> {
        let started = Instant::now();
        let mut attempts = 0u32;
        let mut status = None;
        let result = async {
            let req = req?;
            let prepared = self.prepare(target, &req)?;
            let raw = self
                .send(target, &req.options, &prepared, &mut attempts)
                .await;
            if let Ok(raw) = &raw {
                status = Some(raw.status);
            }
            raw.and_then(decode)
                .map_err(|e| error_body::attach(target.errors, prepared.scrub(e)))
        }
        .await;
        trace_call(target, &result, status, attempts, started.elapsed());
        result
    }

    /// The call's limits: the request's settings, validated, over the client's.
    fn limits(&self, target: Target<'_>, options: &RequestOptions) -> Result<Limits, Error> {
        options.validate()?;
        let inner = &self.inner;
        Ok(Limits {
            timeout: options.timeout.unwrap_or(inner.timeout),
            total_timeout: options.total_timeout.unwrap_or(inner.total_timeout),
            max_retries: options.max_retries.unwrap_or(inner.max_retries),
            idempotent: options.idempotent.unwrap_or(target.method.is_idempotent()),
            max_response_bytes: options
                .max_response_bytes
                .unwrap_or(inner.max_response_bytes),
        })
    }

    /// Sends the request until it gets a response that is not retried, or
    /// an error that is not retried, or retries or time run out; counts the
    /// attempts in `attempts`.
    async fn send(
        &self,
        target: Target<'_>,
        options: &RequestOptions,
        prepared: &Prepared,
        attempts: &mut u32,
    ) -> Result<RawResponse, Error> {
        let limits = self.limits(target, options)?;
        // A mock answers in place of the network: one exchange, no retries.
        #[cfg(feature = "mock")]
        if let Some(mock) = &self.inner.mock {
            *attempts += 1;
            return mock.respond(target, prepared, self);
        }
        let started = Instant::now();
        let deadline = started + limits.total_timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let timeout = limits.timeout.min(left);
            *attempts += 1;
            let result = self
                .attempt(
                    target,
                    prepared,
                    timeout,
                    *attempts,
                    limits.max_response_bytes,
                )
                .await;
            let end = Ending {
                limits: &limits,
                attempts: *attempts,
                started,
                timeout,
            };
            let (outcome, requested, server_says) = match &result {
                Ok(raw) if raw.status.is_success() => return end.finish(result),
                Ok(raw) => (
                    Outcome::Status(raw.status),
                    retry_after(&raw.headers),
                    server_says_retry(&raw.headers),
                ),
                Err(failure) => match failure.outcome() {
                    Some(outcome) => (outcome, None, None),
                    None => return end.finish(result),
                },
            };
            let retry = server_says.unwrap_or_else(|| should_retry(limits.idempotent, outcome));
            // A body streaming a caller's stream cannot be sent again.
            let replayable = prepared
                .body
                .as_ref()
                .is_none_or(super::upload::PreparedBody::replayable);
            if *attempts > limits.max_retries || !retry || !replayable {
                return end.finish(result);
            }
            // Wait as the server asks, or back off; never past the deadline:
            // a wait that would end after it gives up now, with this error
            // (a 429 keeps the `retry_after` the server asked for).
            let left = deadline.saturating_duration_since(Instant::now());
            let delay =
                requested.unwrap_or_else(|| self.inner.backoff.delay(*attempts - 1, jitter()));
            if delay >= left {
                return end.finish(result);
            }
            #[cfg(feature = "tracing")]
            tracing::debug!(
                operation = target.id,
                attempt = *attempts,
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
        target: Target<'_>,
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
                operation = target.id,
                method = prepared.method.as_str(),
                path = target.path,
                attempt,
                status = tracing::field::Empty,
            );
            let result = self
                .exchange(prepared, timeout, max_body, target.streaming)
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
        self.exchange(prepared, timeout, max_body, target.streaming)
            .await
    }

    /// Sends the request, following redirects within the base URL's origin,
    /// and reads the response within `timeout` and the body limit.
    async fn exchange(
        &self,
        prepared: &Prepared,
        timeout: Duration,
        max_body: u64,
        streaming: bool,
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
                    .headers(headers.clone());
                // A streamed body is read after the call returns, each chunk within
                // `timeout` of the last (see `events`): the whole body is not bounded.
                if !streaming {
                    builder = builder.timeout(timeout);
                }
                if let Some(body) = &body {
                    builder = builder.body(body.to_reqwest().await.map_err(Failure::Final)?);
                }
                let mut response = builder.send().await.map_err(|e| send_failure(e, timeout))?;
                let status = response.status();
                let next = redirect::next(
                    status,
                    response.headers(),
                    &method,
                    &url,
                    // The origin the request was first sent to: the base URL's, or
                    // the operation's own server's.
                    &prepared.url,
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
                if streaming && status.is_success() {
                    // Read by the caller as it arrives, each chunk within `timeout`.
                    let live = super::events::Live {
                        response,
                        idle: timeout,
                        max_event: max_body,
                    };
                    return Ok(RawResponse {
                        status,
                        headers,
                        body: Vec::new(),
                        live: Some(std::sync::Arc::new(std::sync::Mutex::new(Some(live)))),
                    });
                }
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
                    live: None,
                });
            }
        };
        match tokio::time::timeout(timeout, exchange).await {
            Ok(result) => result,
            Err(_elapsed) => Err(Failure::Timeout(timeout)),
        }
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

/// Traces the end of a call: one debug event with the operation, method,
/// path template, final status, attempts and duration (and the error kind
/// when it failed).
#[cfg_attr(not(feature = "tracing"), allow(unused_variables))]
fn trace_call<R>(
    target: Target<'_>,
    result: &Result<R, Error>,
    status: Option<reqwest::StatusCode>,
    attempts: u32,
    elapsed: Duration,
) {
    #[cfg(feature = "tracing")]
    {
        let status = status
            .or_else(|| result.as_ref().err().and_then(Error::status))
            .map(|s| s.as_u16());
        let duration_ms = elapsed.as_millis() as u64;
        let method = target.method.to_reqwest();
        match result {
            Ok(_) => tracing::debug!(
                operation = target.id,
                method = method.as_str(),
                path = target.path,
                status,
                attempts,
                duration_ms,
                "call completed"
            ),
            Err(error) => tracing::debug!(
                operation = target.id,
                method = method.as_str(),
                path = target.path,
                status,
                attempts,
                duration_ms,
                error_kind = ?error.kind(),
                "call failed"
            ),
        }
    }
}

fn unwraps_envelope(op: &Operation) -> bool {
    !op.bare && crate::PROFILE.envelope == Envelope::CloudflareV4
}
