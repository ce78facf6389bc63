//! Scrubbing secrets out of text that came back from a server.
//!
//! A proxy or a misconfigured server may echo request headers into an error
//! page; body excerpts and error messages kept in [`Error`] must never carry
//! a credential back into logs. Every sensitive header value the request
//! carried (credentials, and per-request headers that look secret) is
//! replaced by `<redacted>` wherever it appears: as sent, percent-encoded,
//! JSON-escaped, and without its auth scheme (`Bearer `, `Basic `). An
//! excerpt cut in the middle of a secret loses the cut prefix too.

use reqwest::header::HeaderMap;

use super::error::Error;

const REDACTED: &str = "<redacted>";

/// Cut prefixes of a secret shorter than this stay (they reveal next to
/// nothing, and removing them would mangle ordinary text).
const MIN_PREFIX: usize = 4;

/// The secret strings of one request, each in every form it may be echoed in.
#[derive(Clone, Default)]
pub(crate) struct Secrets {
    forms: Vec<String>,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Secrets({} forms)", self.forms.len())
    }
}

impl Secrets {
    /// The values of the headers marked sensitive in `headers`.
    pub(crate) fn from_headers(headers: &HeaderMap) -> Secrets {
        let mut secrets = Secrets::default();
        for value in headers.values().filter(|v| v.is_sensitive()) {
            if let Ok(text) = value.to_str() {
                secrets.add(text);
            }
        }
        secrets
    }

    /// Adds `value` and the forms a server may echo it in.
    pub(crate) fn add(&mut self, value: &str) {
        let value = value.trim();
        let mut candidates = vec![value.to_owned()];
        if let Some((scheme, rest)) = value.split_once(' ') {
            if !scheme.is_empty() && !scheme.contains(['"', ',', '=']) {
                candidates.push(rest.trim().to_owned());
            }
        }
        const UNRESERVED_KEPT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
            .remove(b'-')
            .remove(b'.')
            .remove(b'_')
            .remove(b'~');
        for candidate in candidates.clone() {
            for set in [percent_encoding::NON_ALPHANUMERIC, UNRESERVED_KEPT] {
                candidates.push(percent_encoding::utf8_percent_encode(&candidate, set).to_string());
            }
            if let Ok(json) = serde_json::to_string(&candidate) {
                candidates.push(json[1..json.len() - 1].to_owned());
            }
        }
        for candidate in candidates {
            if !candidate.is_empty() && !self.forms.contains(&candidate) {
                self.forms.push(candidate);
            }
        }
        // Longest first, so that a secret containing another is replaced whole.
        self.forms.sort_by_key(|form| std::cmp::Reverse(form.len()));
    }

    /// Whether no secret is known.
    pub(crate) fn is_empty(&self) -> bool {
        self.forms.is_empty()
    }

    /// `text` with every secret replaced, and a trailing cut prefix of one
    /// (before a final `…`, or at the very end) removed.
    pub(crate) fn scrub(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for form in &self.forms {
            if out.contains(form.as_str()) {
                out = out.replace(form.as_str(), REDACTED);
            }
        }
        let (body, ellipsis) = match out.strip_suffix('…') {
            Some(body) => (body.to_owned(), "…"),
            None => (out.clone(), ""),
        };
        for form in &self.forms {
            // The longest proper prefix of `form` that `body` ends with.
            let cut = form
                .char_indices()
                .map(|(i, _)| i)
                .filter(|&i| i >= MIN_PREFIX)
                .rev()
                .find(|&i| body.ends_with(&form[..i]));
            if let Some(len) = cut {
                return format!("{}{REDACTED}{ellipsis}", &body[..body.len() - len]);
            }
        }
        out
    }

    /// `error` with the server-sent text it carries scrubbed.
    /// Replaces every secret in header values a server sent back.
    fn scrub_headers(&self, headers: &mut reqwest::header::HeaderMap) {
        for value in headers.values_mut() {
            let Ok(text) = value.to_str() else { continue };
            let scrubbed = self.scrub(text);
            if scrubbed != text
                && let Ok(clean) = reqwest::header::HeaderValue::from_str(&scrubbed)
            {
                *value = clean;
            }
        }
    }

    pub(crate) fn scrub_error(&self, error: Error) -> Error {
        if self.is_empty() {
            return error;
        }
        match error {
            Error::Api(mut api) => {
                if let Some(excerpt) = api.body_excerpt.take() {
                    api.body_excerpt = Some(self.scrub(&excerpt));
                }
                for item in api.errors.iter_mut().chain(api.messages.iter_mut()) {
                    item.message = self.scrub(&item.message);
                }
                if let Ok(text) = std::str::from_utf8(&api.body) {
                    let scrubbed = self.scrub(text);
                    if scrubbed != text {
                        api.body = scrubbed.into_bytes();
                    }
                }
                self.scrub_headers(&mut api.headers);
                Error::Api(api)
            }
            Error::Decode {
                status,
                message,
                body_excerpt,
                mut headers,
            } => {
                self.scrub_headers(&mut headers);
                Error::Decode {
                    status,
                    message: self.scrub(&message),
                    body_excerpt: self.scrub(&body_excerpt),
                    headers,
                }
            }
            Error::Redirect { status, message } => Error::Redirect {
                status,
                message: self.scrub(&message),
            },
            Error::Pagination { message } => Error::Pagination {
                message: self.scrub(&message),
            },
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn secrets(values: &[&str]) -> Secrets {
        let mut s = Secrets::default();
        for v in values {
            s.add(v);
        }
        s
    }

    #[test]
    fn every_form_is_replaced() {
        let s = secrets(&["Bearer tok/en+1", "user@example.com"]);
        let text = "auth=Bearer tok/en+1; t=tok/en+1; pct=tok%2Fen%2B1; mail=user%40example%2Ecom; \
                    json=\"user@example.com\"; form=user%40example.com";
        let out = s.scrub(text);
        for leak in ["tok/en", "tok%2F", "user@", "user%40"] {
            assert!(!out.contains(leak), "{leak} in {out}");
        }
        assert_eq!(out.matches(REDACTED).count(), 6, "{out}");
        assert!(s.scrub("nothing here").eq("nothing here"));
    }

    #[test]
    fn a_secret_cut_by_the_excerpt_is_removed() {
        let s = secrets(&["Bearer abcdefghijklmnop"]);
        assert_eq!(s.scrub("token: abcdefgh…"), "token: <redacted>…");
        assert_eq!(s.scrub("token: abcdefgh"), "token: <redacted>");
        // Three characters reveal nothing and are left alone.
        assert_eq!(s.scrub("value abc"), "value abc");
    }

    #[test]
    fn only_sensitive_headers_count() {
        let mut headers = HeaderMap::new();
        let mut secret = HeaderValue::from_static("key-123456");
        secret.set_sensitive(true);
        headers.insert("x-auth-key", secret);
        headers.insert("user-agent", HeaderValue::from_static("agent/1"));
        let s = Secrets::from_headers(&headers);
        assert_eq!(s.scrub("key-123456 agent/1"), "<redacted> agent/1");
        assert!(Secrets::default().is_empty());
    }
}
