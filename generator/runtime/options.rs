//! Per-request settings that override the client's.

use std::fmt;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use super::error::Error;

/// Settings for one request, overriding those of the [`Client`](super::Client).
///
/// Request builders offer the same methods (`.timeout(..)`, `.max_retries(..)`,
/// `.header(..)`, `.idempotent(..)`), and `.options(..)` to pass a whole set.
#[derive(Clone, Default)]
#[non_exhaustive]
pub struct RequestOptions {
    /// Timeout of each attempt; the client's (60 s by default) when `None`.
    pub timeout: Option<Duration>,
    /// Retries after the first attempt; the client's (2 by default) when `None`.
    pub max_retries: Option<u32>,
    /// Extra headers, sent after (and replacing) the client's own.
    pub headers: Vec<(String, String)>,
    /// Whether the request may safely be sent more than once; see
    /// [`RequestOptions::idempotent`].
    pub idempotent: Option<bool>,
}

impl RequestOptions {
    /// Options that override nothing.
    pub fn new() -> Self {
        RequestOptions::default()
    }

    /// Sets the timeout of each attempt (the whole exchange, including
    /// reading the response body).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Sets how many times a failed attempt may be retried; 0 disables
    /// retries.
    pub fn max_retries(mut self, max_retries: u32) -> Self {
        self.max_retries = Some(max_retries);
        self
    }

    /// Adds a header to send with this request. A header named like a
    /// client header (for example `Authorization`) replaces it.
    ///
    /// Invalid names or values make the request fail with
    /// [`Error::InvalidArgument`] before
    /// anything is sent.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Declares whether the request may safely be sent more than once.
    ///
    /// Retry policy: connection failures before the request was sent and
    /// `429 Too Many Requests` responses are always retried. Timeouts,
    /// connections lost after sending, and `408`, `409` and `5xx` responses
    /// are retried only for idempotent requests, because the server may
    /// already have acted on them. `GET`, `PUT`, `DELETE`, `HEAD`, `OPTIONS`
    /// and `TRACE` are idempotent; `POST` and `PATCH` are not, unless this
    /// is set to `true`. Setting `false` makes any method non-idempotent.
    pub fn idempotent(mut self, idempotent: bool) -> Self {
        self.idempotent = Some(idempotent);
        self
    }

    /// The extra headers, validated, with secret-looking values marked
    /// sensitive.
    pub(crate) fn header_map(&self) -> Result<HeaderMap, Error> {
        let mut map = HeaderMap::new();
        for (name, value) in &self.headers {
            let header = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
                Error::invalid(
                    "header",
                    format!("{name:?} is not a valid HTTP header name"),
                )
            })?;
            let mut value = HeaderValue::from_str(value).map_err(|_| {
                Error::invalid(
                    "header",
                    format!(
                        "the value of {name:?} contains characters not allowed in HTTP headers"
                    ),
                )
            })?;
            if is_secret_header(name) {
                value.set_sensitive(true);
            }
            map.append(header, value);
        }
        Ok(map)
    }
}

impl fmt::Debug for RequestOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Headers<'a>(&'a [(String, String)]);
        impl fmt::Debug for Headers<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                let mut list = f.debug_list();
                for (name, value) in self.0 {
                    let value = if is_secret_header(name) {
                        "<redacted>"
                    } else {
                        value.as_str()
                    };
                    list.entry(&(name, value));
                }
                list.finish()
            }
        }
        f.debug_struct("RequestOptions")
            .field("timeout", &self.timeout)
            .field("max_retries", &self.max_retries)
            .field("headers", &Headers(&self.headers))
            .field("idempotent", &self.idempotent)
            .finish()
    }
}

/// Whether a header name suggests its value is a secret.
pub(crate) fn is_secret_header(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name.starts_with("x-auth")
        || [
            "authorization",
            "cookie",
            "key",
            "token",
            "secret",
            "password",
            "session",
            "signature",
        ]
        .iter()
        .any(|word| name.contains(word))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts_secret_headers() {
        let options = RequestOptions::new()
            .timeout(Duration::from_secs(5))
            .max_retries(1)
            .idempotent(true)
            .header("Authorization", "Bearer s1")
            .header("X-Auth-Email", "s2@example.com")
            .header("Cookie", "s3")
            .header("X-Api-Key", "s4")
            .header("X-Refresh-Token", "s5")
            .header("X-Request-Label", "visible");
        let shown = format!("{options:?}");
        for secret in ["s1", "s2@", "s3", "s4", "s5"] {
            assert!(!shown.contains(secret), "{secret} leaked in {shown}");
        }
        assert!(
            shown.contains(r#"("X-Request-Label", "visible")"#),
            "{shown}"
        );
        assert!(
            shown.contains(r#"("Authorization", "<redacted>")"#),
            "{shown}"
        );
        assert!(shown.contains("timeout: Some(5s)"), "{shown}");
    }

    #[test]
    fn header_map_validates_and_marks_sensitive() {
        let map = RequestOptions::new()
            .header("X-Auth-Key", "k")
            .header("X-Trace", "a")
            .header("X-Trace", "b");
        let map = map.header_map().unwrap();
        assert!(map["x-auth-key"].is_sensitive());
        assert!(!map["x-trace"].is_sensitive());
        assert_eq!(map.get_all("x-trace").iter().count(), 2);
        let err = RequestOptions::new()
            .header("X-Token", "line\nbreak-secret")
            .header_map()
            .unwrap_err();
        assert!(matches!(err, Error::InvalidArgument { name: "header", .. }));
        assert!(!err.to_string().contains("secret"));
        assert!(
            RequestOptions::new()
                .header("bad header", "v")
                .header_map()
                .is_err()
        );
    }
}
