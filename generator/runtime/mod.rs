//! The hand-written runtime shared by every generated client: HTTP
//! transport, authentication, retries, pagination and errors. The sections
//! below are also the "How the client behaves" part of every generated
//! crate's README (and so of its crate docs): they are written for its users.
//!
//! # Requests
//! Each call builds its URL from the base URL and the operation's path, with
//! every path parameter percent-encoded so that no value can change the
//! path, and sends the client's credentials, `User-Agent`,
//! `Accept: application/json` and any per-request headers. Each attempt has
//! its own timeout (60 s by default) covering the whole exchange, including
//! reading the response body, and the whole call has a total timeout (120 s
//! by default) covering every attempt and the waits between them.
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
//! `retry-after-ms` header is honoured instead. A wait that would end past
//! the total timeout is not made: the call returns the last error at once
//! (a `429` keeps the server's `retry_after`). An `x-should-retry: true` or
//! `false` header on an unsuccessful response overrides the policy, as in
//! the official SDKs (the `retry` module's docs compare the two policies).
//!
//! # Credentials
//! When every operation of the API requires credentials, building a client
//! without them fails with [`Error::Configuration`] naming the credential
//! constructors and environment variables;
//! [`ClientBuilder::without_credentials`] opts out (test servers, proxies
//! that add them).
//!
//! # Pages and escape hatches
//! Paginated list builders give the items (`stream()`), the pages
//! (`pages()`, a stream of [`Page`]) or the first page (`first_page()`, then
//! [`Page::next_page`]), all under the same guards. Every builder gives the
//! response as received (`send_raw()`, a [`RawResponse`]), and takes query
//! parameters and JSON body fields the spec does not declare
//! (`extra_query`, `extra_body_field`). [`Client::get`], `post`, `put`,
//! `patch`, `delete` and `request` reach endpoints the spec does not
//! describe, with the same credentials, limits and redaction.
//! [`ClientBuilder::default_header`] and `default_query` add to every
//! request, and API errors keep the response's headers and body.
//!
//! # Limits
//! A response body larger than `max_response_bytes` (32 MiB by default) ends
//! the call with [`Error::ResponseTooLarge`] as soon as its `Content-Length`
//! or its bytes show it; error bodies are read only as far as the error
//! needs. A `stream()` ends with [`Error::Pagination`] when the server sends
//! a page other than the one asked for, the same items twice in a row, or
//! more than `max_pages` pages (10,000 by default). Idle pooled connections
//! are dropped after 15 s, before common load balancers close them. Every
//! setting is validated, per client and per request.
//!
//! # Redirects
//! The HTTP client never follows redirects on its own. The runtime follows
//! `301`, `302`, `303`, `307` and `308` within the base URL's origin (five
//! at most); a redirect to any other origin ends the call with
//! [`Error::Redirect`], so credentials and bodies never leave that origin.
//!
//! # Secrets
//! Credentials are never shown by `Debug`, `Display`, errors or logs, and are
//! sent as sensitive header values. A plain `http://` base URL to another
//! machine is refused while credentials are set, unless
//! `ClientBuilder::allow_insecure_http` allows it. Text a server sends back
//! (body excerpts, error messages) is scrubbed of every sensitive value the
//! request carried before it is kept in an error.
//!
//! # Decoding
//! A field that appears twice in one JSON object (in the envelope,
//! `result_info` or any generated model) is a decode error naming it: two
//! values for one field are ambiguous, and a reader that kept the first would
//! disagree with one that kept the last (`"success": false, …,
//! "success": true`). Unknown keys are ignored. Free-form maps (a schema's
//! `additionalProperties`) are data rather than fields and keep the last
//! value of a repeated key, as `serde`'s maps do.
//!
//! # Blocking calls and the mock
//! With the `blocking` feature, every request builder also has `send_blocking()` and
//! `send_with_response_blocking()`, and every paginated list `iter_blocking()`, for
//! programs without an async runtime; they run on a runtime the client owns (see
//! `PageIter`). With the `mock` feature, `Mock` answers a client's requests in the
//! process, for unit tests of code that calls the API. Neither costs anything when off.
//!
//! # Tracing
//! With the `tracing` feature, every attempt runs in an `http_request` span
//! recording the operation, method, path template, attempt number and
//! status; retries emit debug events, and each call ends with one debug
//! event, `call completed` (operation, method, path template, status,
//! attempts, `duration_ms`) or `call failed` (the same and `error_kind`).
//! Header values and query strings are never recorded.

#[cfg(feature = "blocking")]
mod blocking;
mod body;
mod client;
mod credentials;
mod encode;
mod envelope;
mod error;
mod error_body;
mod events;
mod file;
mod id;
mod macros;
mod media;
#[cfg(feature = "mock")]
pub(crate) mod mock;
#[cfg(feature = "mock")]
mod mock_answer;
mod options;
mod page;
mod pagination;
mod params;
pub mod prelude;
mod prepare;
pub(crate) mod private;
mod profile;
mod raw_request;
mod raw_response;
mod redact;
mod redirect;
mod request;
mod response;
mod retry;
mod server;
mod statuses;
mod styles;
mod text;
mod transport;
mod upload;
mod url;
mod validate;

#[cfg(test)]
mod client_tests;
#[cfg(test)]
mod server_tests;

#[cfg(feature = "blocking")]
pub use blocking::PageIter;
pub use client::{Client, ClientBuilder};
pub use credentials::Credentials;
pub use error::{ApiError, Error, ErrorKind};
pub use events::{ByteStream, Event, EventStream};
pub use file::File;
#[cfg(feature = "mock")]
pub use mock::{Mock, MockList, MockOperation, MockRequest, MockRule};
pub use options::RequestOptions;
pub use page::{NextPageFuture, Page, PageFuture, Pages};
pub use pagination::PageStream;
pub use raw_request::RawRequest;
pub use raw_response::{RawFuture, RawResponse};
pub use response::{
    ApiMessage, ApiResponse, ErrorSource, ResponseFuture, ResultFuture, ResultInfo,
};
// Named by the `servers` module of crates that have one.
#[allow(unused_imports)]
pub use server::Server;

// What a program needs beside the client to use it, so that it needs no other dependency:
// the stream traits `stream()` results are read with, the types responses and errors carry,
// and the crates themselves.
pub use futures_util::{Stream, StreamExt, TryStreamExt};
pub use reqwest::StatusCode;
pub use reqwest::header::HeaderMap;
pub use {reqwest, serde_json};

#[cfg(test)]
mod write_up_tests {
    use std::time::Duration;

    /// The write-up above, which every generated crate's README carries, states the
    /// defaults the code uses.
    #[test]
    fn the_write_up_states_the_defaults() {
        let docs: Vec<&str> = include_str!("mod.rs")
            .lines()
            .filter_map(|l| l.strip_prefix("//!"))
            .collect();
        let docs = docs
            .join(" ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let secs = |d: Duration| {
            let s = d.as_secs_f64();
            if s.fract() == 0.0 {
                format!("{} s", s as u64)
            } else {
                format!("{s} s")
            }
        };
        let pages = super::client::DEFAULT_MAX_PAGES;
        let wanted = [
            format!(
                "own timeout ({} by default)",
                secs(super::client::DEFAULT_TIMEOUT)
            ),
            format!(
                "total timeout ({} by default)",
                secs(super::client::DEFAULT_TOTAL_TIMEOUT)
            ),
            format!("({} by default,", super::client::DEFAULT_MAX_RETRIES),
            format!(
                "from {} up to {}",
                secs(super::retry::DEFAULT_BASE_DELAY),
                secs(super::retry::DEFAULT_MAX_DELAY)
            ),
            format!(
                "({} MiB by default)",
                super::body::DEFAULT_MAX_RESPONSE_BYTES >> 20
            ),
            format!("({},{:03} by default)", pages / 1000, pages % 1000),
            format!(
                "dropped after {}",
                secs(super::client::DEFAULT_POOL_IDLE_TIMEOUT)
            ),
        ];
        for want in wanted {
            assert!(docs.contains(&want), "the write-up does not say {want:?}");
        }
    }
}
