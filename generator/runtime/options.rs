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
    /// Time limit of the whole call, every attempt and the waits between
    /// them; the client's (120 s by default) when `None`.
    pub total_timeout: Option<Duration>,
    /// Largest response body accepted, in bytes; the client's (32 MiB by
    /// default) when `None`.
    pub max_response_bytes: Option<u64>,
    /// Retries after the first attempt; the client's (2 by default) when `None`.
    pub max_retries: Option<u32>,
    /// Extra headers, sent after (and replacing) the client's own.
    pub headers: Vec<(String, String)>,
    /// Whether the request may safely be sent more than once; see
    /// [`RequestOptions::idempotent`].
    pub idempotent: Option<bool>,
    /// Extra query parameters, sent after the operation's own.
    pub extra_query: Vec<(String, String)>,
    /// Extra fields of the JSON object body, set over the typed body's.
    pub extra_body: serde_json::Map<String, serde_json::Value>,
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

    /// Sets the time limit of the whole call: every attempt and the waits
    /// between them. When it runs out the call ends with
    /// [`Error::Timeout`]; a retry that would wait past it is not made.
    pub fn total_timeout(mut self, total_timeout: Duration) -> Self {
        self.total_timeout = Some(total_timeout);
        self
    }

    /// Sets how many times a failed attempt may be retried; 0 disables
    /// retries.
    pub fn max_retries(mut self, max_retries: u32) -> Self {
        self.max_retries = Some(max_retries);
        self
    }

    /// Sets the largest response body accepted, in bytes; a larger one ends
    /// the call with [`Error::ResponseTooLarge`] as soon as it is seen.
    pub fn max_response_bytes(mut self, max_response_bytes: u64) -> Self {
        self.max_response_bytes = Some(max_response_bytes);
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

    /// Adds a query parameter the operation does not declare (sent after
    /// its own parameters; a name may repeat).
    ///
    /// ```text
    /// let options = RequestOptions::new().extra_query("preview", "true");
    /// assert_eq!(options.extra_query, [("preview".to_owned(), "true".to_owned())]);
    /// ```
    pub fn extra_query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.extra_query.push((name.into(), value.into()));
        self
    }

    /// Sets a field of the JSON object body that the typed body does not have
    /// (or replaces one it has). A request without a body gets a JSON object
    /// body holding these fields; a body that is not a JSON object makes the
    /// call fail with [`Error::InvalidArgument`] before anything is sent.
    ///
    /// ```text
    /// let options = RequestOptions::new().extra_body_field("labels", serde_json::json!(["a"]));
    /// assert_eq!(options.extra_body["labels"][0], "a");
    /// ```
    pub fn extra_body_field(mut self, name: impl Into<String>, value: serde_json::Value) -> Self {
        self.extra_body.insert(name.into(), value);
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
            .field("total_timeout", &self.total_timeout)
            .field("max_retries", &self.max_retries)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("headers", &Headers(&self.headers))
            .field("idempotent", &self.idempotent)
            .field(
                "extra_query",
                &self.extra_query.iter().map(|(n, _)| n).collect::<Vec<_>>(),
            )
            .field("extra_body", &self.extra_body.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// Longest duration any setting accepts.
pub(crate) const MAX_DURATION: Duration = Duration::from_secs(24 * 60 * 60);

/// Most retries any setting accepts.
pub(crate) const MAX_RETRIES_LIMIT: u32 = 100;

/// Checks a time setting: greater than zero (unless `zero_ok`) and at most a day.
pub(crate) fn check_duration(what: &str, value: Duration, zero_ok: bool) -> Result<(), String> {
    if value.is_zero() && !zero_ok {
        return Err(format!("{what} must be greater than zero"));
    }
    if value > MAX_DURATION {
        return Err(format!("{what} must be at most 24 hours (got {value:?})"));
    }
    Ok(())
}

/// Checks a retry count.
pub(crate) fn check_retries(value: u32) -> Result<(), String> {
    if value > MAX_RETRIES_LIMIT {
        return Err(format!(
            "max_retries must be at most {MAX_RETRIES_LIMIT} (got {value})"
        ));
    }
    Ok(())
}

/// Checks a size or count limit: at least 1.
pub(crate) fn check_limit(what: &str, value: u64) -> Result<(), String> {
    if value == 0 {
        return Err(format!("{what} must be at least 1"));
    }
    Ok(())
}

impl RequestOptions {
    /// Validates the settings, with the same bounds as the client's.
    pub(crate) fn validate(&self) -> Result<(), Error> {
        let invalid = |name: &'static str| move |reason: String| Error::invalid(name, reason);
        if let Some(t) = self.timeout {
            check_duration("the timeout", t, false).map_err(invalid("timeout"))?;
        }
        if let Some(t) = self.total_timeout {
            check_duration("the total timeout", t, false).map_err(invalid("total_timeout"))?;
        }
        if let Some(n) = self.max_retries {
            check_retries(n).map_err(invalid("max_retries"))?;
        }
        if let Some(n) = self.max_response_bytes {
            check_limit("max_response_bytes", n).map_err(invalid("max_response_bytes"))?;
        }
        Ok(())
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
    fn per_request_settings_are_validated_like_the_clients() {
        let ok = RequestOptions::new()
            .timeout(Duration::from_secs(1))
            .total_timeout(Duration::from_secs(3600))
            .max_retries(MAX_RETRIES_LIMIT)
            .max_response_bytes(1);
        assert!(ok.validate().is_ok());
        let cases = [
            (RequestOptions::new().timeout(Duration::ZERO), "timeout"),
            (RequestOptions::new().timeout(Duration::MAX), "timeout"),
            (
                RequestOptions::new().total_timeout(Duration::ZERO),
                "total_timeout",
            ),
            (RequestOptions::new().max_retries(u32::MAX), "max_retries"),
            (
                RequestOptions::new().max_response_bytes(0),
                "max_response_bytes",
            ),
        ];
        for (options, field) in cases {
            match options.validate() {
                Err(Error::InvalidArgument { name, reason }) => {
                    assert_eq!(name, field, "{reason}");
                }
                other => panic!("{options:?}: {other:?}"),
            }
        }
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
