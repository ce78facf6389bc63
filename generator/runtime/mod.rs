//! The hand-written runtime shared by every generated client: HTTP
//! transport, authentication, retries, pagination and errors.
//!
//! # Requests
//! Each call builds its URL from the base URL and the operation's path, with
//! every path parameter percent-encoded so that no value can change the
//! path, and sends the client's credentials, `User-Agent`,
//! `Accept: application/json` and any per-request headers. Each attempt has
//! its own timeout (60 s by default) covering the whole exchange, including
//! reading the response body.
//!
//! # Retries
//! A failed attempt is retried up to `max_retries` times (2 by default,
//! settable per client and per request). Connection failures before the
//! request was sent and `429 Too Many Requests` are always retried.
//! Timeouts, connections lost after sending, and `408`, `409` and `5xx`
//! responses are retried only for idempotent requests (every method but
//! `POST` and `PATCH`, unless [`RequestOptions::idempotent`] says
//! otherwise), since the server may have acted on them. Delays grow
//! exponentially from 0.5 s up to 8 s with random jitter; a `Retry-After` or
//! `retry-after-ms` header of at most 60 s is honoured instead.
//!
//! # Secrets
//! Credentials are never shown by `Debug`, `Display`, errors or logs, and are
//! sent as sensitive header values.
//!
//! # Tracing
//! With the `tracing` feature, every attempt runs in an `http_request` span
//! recording the operation, method, path template, attempt number and
//! status; retries emit debug events. Header values and query strings are
//! never recorded.

mod client;
mod credentials;
mod envelope;
mod error;
mod options;
mod pagination;
pub(crate) mod private;
mod response;
mod retry;
mod transport;

#[cfg(test)]
mod server_tests;

pub use client::{Client, ClientBuilder};
pub use credentials::Credentials;
pub use error::{ApiError, Error, ErrorKind};
pub use options::RequestOptions;
pub use pagination::PageStream;
pub use response::{ApiMessage, ApiResponse, ErrorSource, ResponseFuture, ResultFuture, ResultInfo};
