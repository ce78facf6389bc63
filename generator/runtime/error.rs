//! The single error type returned by every call of the client.

use std::fmt;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use super::error_body::TypedBody;
use super::response::ApiMessage;
use super::text::{DisplayBytes, DisplayDuration, truncate_chars};
pub(crate) use super::text::{EXCERPT_CHARS, excerpt};

/// Everything that can go wrong when calling the API.
///
/// Use [`Error::kind`] for a coarse, stable classification, or the `is_*`
/// helpers such as [`Error::is_not_found`]. Neither `Display` nor `Debug`
/// ever shows credentials, header values or request URLs.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The server answered with an error status, or with `success: false`.
    Api(Box<ApiError>),
    /// The connection failed: DNS, TCP, TLS, or the connection was closed
    /// before the full response was read.
    Connection {
        /// What failed, without the request URL.
        message: String,
        /// The underlying transport error, if any.
        source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
    },
    /// The call ran out of time: its last attempt exceeded the per-attempt
    /// timeout, or the call exceeded its total timeout (attempts and the
    /// waits between them together).
    Timeout {
        /// The time limit that elapsed last: the per-attempt timeout, or what
        /// was left of the total timeout when that was shorter.
        after: Duration,
        /// Attempts made, the one that timed out included (0 when the total
        /// timeout ran out before an attempt could start).
        attempts: u32,
        /// Time the whole call took, attempts and waits between them.
        elapsed: Duration,
        /// The total timeout, when it (rather than the per-attempt timeout)
        /// ended the call.
        total_timeout: Option<Duration>,
    },
    /// The response body was larger than the configured maximum (see
    /// `ClientBuilder::max_response_bytes`); reading stopped at the limit.
    ResponseTooLarge {
        /// HTTP status of the response.
        status: StatusCode,
        /// The limit, in bytes.
        limit: u64,
        /// The size the server announced in `Content-Length`, if any.
        declared: Option<u64>,
    },
    /// The server redirected the request somewhere it is not followed: to
    /// another origin (scheme, host and port) than the base URL's, which
    /// would see the credentials, or past the redirect limit.
    Redirect {
        /// HTTP status of the redirect.
        status: StatusCode,
        /// Why it was not followed (names the target's origin only).
        message: String,
    },
    /// A paginated stream stopped because the server's pages cannot be
    /// trusted to end: a page other than the one asked for, the same page
    /// twice, or more pages than the configured maximum.
    Pagination {
        /// What the server did, and how to proceed.
        message: String,
    },
    /// A response arrived but its body could not be decoded.
    Decode {
        /// HTTP status of the response.
        status: StatusCode,
        /// Why decoding failed.
        message: String,
        /// The first characters of the body (at most 256).
        body_excerpt: String,
        /// The response headers (`cf-ray`, rate-limit headers and the like).
        headers: Box<HeaderMap>,
    },
    /// An argument was rejected before any request was sent.
    InvalidArgument {
        /// Name of the offending argument.
        name: &'static str,
        /// Why it was rejected.
        reason: String,
    },
    /// The client is misconfigured (base URL, credentials, TLS setup).
    Configuration {
        /// What is wrong and how to fix it.
        message: String,
    },
}

/// Coarse classification of an [`Error`], convenient for `match`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// HTTP 400.
    BadRequest,
    /// HTTP 401.
    Unauthorized,
    /// HTTP 403.
    Forbidden,
    /// HTTP 404.
    NotFound,
    /// HTTP 409.
    Conflict,
    /// HTTP 422.
    UnprocessableEntity,
    /// HTTP 429.
    RateLimited,
    /// HTTP 5xx.
    Server,
    /// Any other unsuccessful status, or `success: false` with a 2xx status.
    OtherStatus,
    /// See [`Error::Connection`].
    Connection,
    /// See [`Error::Timeout`].
    Timeout,
    /// See [`Error::Decode`].
    Decode,
    /// See [`Error::InvalidArgument`].
    InvalidArgument,
    /// See [`Error::Configuration`].
    Configuration,
    /// See [`Error::ResponseTooLarge`].
    ResponseTooLarge,
    /// See [`Error::Redirect`].
    Redirect,
    /// See [`Error::Pagination`].
    Pagination,
}

/// An error reported by the API itself.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ApiError {
    /// HTTP status of the response.
    pub status: StatusCode,
    /// The envelope's `errors`, if the body was an envelope.
    pub errors: Vec<ApiMessage>,
    /// The envelope's `messages`, if the body was an envelope.
    pub messages: Vec<ApiMessage>,
    /// Request identifier sent back by the server (for example `cf-ray`).
    pub request_id: Option<String>,
    /// Delay the server asked for in `Retry-After` or `retry-after-ms`.
    pub retry_after: Option<Duration>,
    /// Start of the body when it was not an envelope (at most 256 characters).
    pub body_excerpt: Option<String>,
    /// The response headers (values that echo a secret of the request are
    /// scrubbed).
    pub headers: HeaderMap,
    /// The body as read: at most 64 KiB of a JSON body, the first kilobyte of
    /// anything else; secrets of the request scrubbed from it.
    pub body: Vec<u8>,
    /// The body decoded as the schema the operation declares for this status.
    pub(crate) typed: Option<TypedBody>,
}

impl ApiError {
    /// HTTP status of the response.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The body as read (see [`ApiError::body`]).
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The envelope's `errors`.
    pub fn errors(&self) -> &[ApiMessage] {
        &self.errors
    }

    /// The envelope's `messages`.
    pub fn messages(&self) -> &[ApiMessage] {
        &self.messages
    }

    /// Request identifier sent back by the server, for support requests.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// Delay the server asked the client to wait before retrying.
    pub fn retry_after(&self) -> Option<Duration> {
        self.retry_after
    }

    /// Whether any error item carries this API error code.
    pub fn has_code(&self, code: i64) -> bool {
        self.errors.iter().any(|e| e.code == code)
    }

    /// The body decoded as the schema the operation declares for this status (an exact
    /// status first, then its range such as `4XX`, then `default`), when `T` is that
    /// schema's model and the body matched it. Each operation's docs list its error
    /// models by status.
    pub fn body_as<T: 'static>(&self) -> Option<&T> {
        self.typed.as_ref()?.downcast()
    }

    /// The body decoded as any type, for error bodies the spec does not describe.
    /// The body is truncated at 64 KiB (see [`ApiError::body`]).
    pub fn decode_body<T: serde::de::DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_slice(&self.body)
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {}", self.status.as_u16())?;
        if let Some(reason) = self.status.canonical_reason() {
            write!(f, " {reason}")?;
        }
        if !self.errors.is_empty() {
            f.write_str(":")?;
            for (i, e) in self.errors.iter().enumerate() {
                f.write_str(if i == 0 { " " } else { "; " })?;
                write!(f, "{e}")?;
            }
        } else if self.status.is_success() {
            f.write_str(": the response reported success: false")?;
        } else if let Some(excerpt) = self.body_excerpt.as_deref() {
            let compact: String = excerpt.split_whitespace().collect::<Vec<_>>().join(" ");
            if !compact.is_empty() {
                write!(f, ": {}", truncate_chars(&compact, 120))?;
            }
        }
        if let Some(id) = &self.request_id {
            let label = crate::PROFILE.request_id_header.unwrap_or("request id");
            write!(f, " ({label} {id})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

impl Error {
    /// Coarse classification of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Api(api) => kind_for_status(api.status),
            Error::Connection { .. } => ErrorKind::Connection,
            Error::Timeout { .. } => ErrorKind::Timeout,
            Error::Decode { .. } => ErrorKind::Decode,
            Error::InvalidArgument { .. } => ErrorKind::InvalidArgument,
            Error::Configuration { .. } => ErrorKind::Configuration,
            Error::ResponseTooLarge { .. } => ErrorKind::ResponseTooLarge,
            Error::Redirect { .. } => ErrorKind::Redirect,
            Error::Pagination { .. } => ErrorKind::Pagination,
        }
    }

    /// HTTP status of the response, when one was received.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api(api) => Some(api.status),
            Error::Decode { status, .. }
            | Error::ResponseTooLarge { status, .. }
            | Error::Redirect { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The error body as the operation's declared model `T` for this status; see
    /// [`ApiError::body_as`].
    pub fn body_as<T: 'static>(&self) -> Option<&T> {
        self.api_error()?.body_as()
    }

    /// The API error details, when the server answered with an error.
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            Error::Api(api) => Some(api),
            _ => None,
        }
    }

    /// The headers of the response the error came with (API errors only).
    pub fn response_headers(&self) -> Option<&HeaderMap> {
        match self {
            Error::Decode { headers, .. } => Some(headers),
            _ => self.api_error().map(|api| &api.headers),
        }
    }

    /// Whether sending the same request again may succeed: connection
    /// errors, timeouts, and HTTP 408, 409, 429 and 5xx.
    ///
    /// The client already retried such errors according to its retry policy
    /// (see [`RequestOptions::idempotent`](super::RequestOptions::idempotent)).
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Api(api) => status_is_retryable(api.status),
            Error::Connection { .. } | Error::Timeout { .. } => true,
            _ => false,
        }
    }

    /// HTTP 400.
    pub fn is_bad_request(&self) -> bool {
        self.kind() == ErrorKind::BadRequest
    }

    /// HTTP 401: the credentials are missing or invalid.
    pub fn is_unauthorized(&self) -> bool {
        self.kind() == ErrorKind::Unauthorized
    }

    /// HTTP 403: the credentials lack a permission.
    pub fn is_forbidden(&self) -> bool {
        self.kind() == ErrorKind::Forbidden
    }

    /// HTTP 404.
    pub fn is_not_found(&self) -> bool {
        self.kind() == ErrorKind::NotFound
    }

    /// HTTP 409.
    pub fn is_conflict(&self) -> bool {
        self.kind() == ErrorKind::Conflict
    }

    /// HTTP 429.
    pub fn is_rate_limited(&self) -> bool {
        self.kind() == ErrorKind::RateLimited
    }

    /// HTTP 5xx.
    pub fn is_server_error(&self) -> bool {
        self.kind() == ErrorKind::Server
    }

    /// See [`Error::Timeout`].
    pub fn is_timeout(&self) -> bool {
        self.kind() == ErrorKind::Timeout
    }

    /// See [`Error::Connection`].
    pub fn is_connection(&self) -> bool {
        self.kind() == ErrorKind::Connection
    }

    pub(crate) fn invalid(name: &'static str, reason: impl Into<String>) -> Self {
        Error::InvalidArgument {
            name,
            reason: reason.into(),
        }
    }

    pub(crate) fn configuration(message: impl Into<String>) -> Self {
        Error::Configuration {
            message: message.into(),
        }
    }

    pub(crate) fn decode(
        raw: &super::raw_response::RawResponse,
        message: impl Into<String>,
    ) -> Self {
        Error::Decode {
            status: raw.status,
            message: message.into(),
            body_excerpt: excerpt(&raw.body),
            headers: Box::new(raw.headers.clone()),
        }
    }

    /// Wraps a transport error, dropping the URL it may carry.
    pub(crate) fn connection(context: &str, err: reqwest::Error) -> Self {
        let err = err.without_url();
        let mut message = context.to_owned();
        let mut cause: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(&err);
        while let Some(c) = cause {
            message.push_str(": ");
            message.push_str(&c.to_string());
            cause = c.source();
        }
        Error::Connection {
            message,
            source: Some(Box::new(err)),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Api(api) => fmt::Display::fmt(api, f),
            Error::Connection { message, .. } => write!(f, "connection error: {message}"),
            Error::Timeout {
                after,
                attempts,
                elapsed,
                total_timeout,
            } => {
                match total_timeout {
                    Some(total) => write!(
                        f,
                        "request exceeded its total timeout of {}",
                        DisplayDuration(*total)
                    )?,
                    None => write!(f, "request timed out after {}", DisplayDuration(*after))?,
                }
                let plural = if *attempts == 1 { "" } else { "s" };
                write!(
                    f,
                    " ({attempts} attempt{plural}, {} in total)",
                    DisplayDuration(*elapsed)
                )
            }
            Error::ResponseTooLarge {
                status,
                limit,
                declared,
            } => {
                write!(
                    f,
                    "the HTTP {} response body is larger than the limit of {}",
                    status.as_u16(),
                    DisplayBytes(*limit)
                )?;
                if let Some(declared) = declared {
                    write!(f, " (Content-Length: {})", DisplayBytes(*declared))?;
                }
                f.write_str("; raise the limit with max_response_bytes")
            }
            Error::Redirect { status, message } => {
                write!(
                    f,
                    "HTTP {} redirect not followed: {message}",
                    status.as_u16()
                )
            }
            Error::Pagination { message } => write!(f, "pagination stopped: {message}"),
            Error::Decode {
                status,
                message,
                body_excerpt,
                ..
            } => {
                write!(
                    f,
                    "could not decode the HTTP {} response: {message}",
                    status.as_u16()
                )?;
                if !body_excerpt.is_empty() {
                    write!(
                        f,
                        " (body starts with {:?})",
                        truncate_chars(body_excerpt, 80)
                    )?;
                }
                Ok(())
            }
            Error::InvalidArgument { name, reason } => {
                write!(f, "invalid argument `{name}`: {reason}")
            }
            Error::Configuration { message } => write!(f, "configuration error: {message}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Api(api) => Some(&**api),
            Error::Connection {
                source: Some(source),
                ..
            } => Some(&**source),
            _ => None,
        }
    }
}

impl From<ApiError> for Error {
    fn from(api: ApiError) -> Self {
        Error::Api(Box::new(api))
    }
}

pub(crate) fn kind_for_status(status: StatusCode) -> ErrorKind {
    match status.as_u16() {
        400 => ErrorKind::BadRequest,
        401 => ErrorKind::Unauthorized,
        403 => ErrorKind::Forbidden,
        404 => ErrorKind::NotFound,
        409 => ErrorKind::Conflict,
        422 => ErrorKind::UnprocessableEntity,
        429 => ErrorKind::RateLimited,
        500..=599 => ErrorKind::Server,
        _ => ErrorKind::OtherStatus,
    }
}

pub(crate) fn status_is_retryable(status: StatusCode) -> bool {
    matches!(status.as_u16(), 408 | 409 | 429) || status.is_server_error()
}

#[cfg(test)]
#[path = "error_tests.rs"]
mod tests;
