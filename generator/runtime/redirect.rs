//! Redirects, followed by the runtime itself and only within the base URL's
//! origin.
//!
//! The HTTP client never follows a redirect on its own (the runtime builds
//! it with redirects off, whatever else the caller configures), because a
//! redirect to another host would carry the credential headers and the
//! request body there. A `301`, `302`, `303`, `307` or `308` whose target has
//! the base URL's origin (scheme, host and port) is followed, at most
//! [`MAX_REDIRECTS`] times per attempt; a redirect anywhere else ends the call
//! with [`Error::Redirect`], which is never retried.

use reqwest::header::{HeaderMap, LOCATION};
use reqwest::{Method, StatusCode, Url};

use super::error::Error;

/// Redirects followed within one attempt.
pub(crate) const MAX_REDIRECTS: u32 = 5;

/// The request to send after a redirect.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Next {
    pub method: Method,
    pub url: Url,
    /// Whether the body (and its `Content-Type`) goes along.
    pub keep_body: bool,
}

/// Where a response with `status` and `headers` to a `method` request for
/// `current` redirects, if it is a redirect the runtime follows; an error if
/// it is a redirect it refuses; `None` if it is not a redirect.
pub(crate) fn next(
    status: StatusCode,
    headers: &HeaderMap,
    method: &Method,
    current: &Url,
    base: &Url,
    followed: u32,
) -> Result<Option<Next>, Error> {
    if !matches!(status.as_u16(), 301 | 302 | 303 | 307 | 308) {
        return Ok(None);
    }
    let Some(location) = headers.get(LOCATION) else {
        return Ok(None);
    };
    let refuse = |message: String| Error::Redirect { status, message };
    let location = location
        .to_str()
        .map_err(|_| refuse("its Location header is not valid text".to_owned()))?;
    let mut target = current
        .join(location)
        .map_err(|e| refuse(format!("its Location header is not a valid URL ({e})")))?;
    target.set_fragment(None);
    if target.origin() != base.origin() {
        return Err(refuse(format!(
            "it points to {}, another origin than the base URL's ({}), which would receive \
             the credentials; if the API has moved, set the base URL to its new address",
            target.origin().ascii_serialization(),
            base.origin().ascii_serialization()
        )));
    }
    if !target.username().is_empty() || target.password().is_some() {
        return Err(refuse(
            "its target carries a user name or password of its own".to_owned(),
        ));
    }
    if followed >= MAX_REDIRECTS {
        return Err(refuse(format!(
            "more than {MAX_REDIRECTS} redirects in a row"
        )));
    }
    let becomes_get = match status.as_u16() {
        303 => *method != Method::HEAD,
        301 | 302 => *method == Method::POST,
        _ => false,
    };
    Ok(Some(if becomes_get {
        Next {
            method: Method::GET,
            url: target,
            keep_body: false,
        }
    } else {
        Next {
            method: method.clone(),
            url: target,
            keep_body: true,
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn go(
        status: u16,
        location: &str,
        method: Method,
        followed: u32,
    ) -> Result<Option<Next>, Error> {
        let mut headers = HeaderMap::new();
        headers.insert(LOCATION, HeaderValue::from_str(location).unwrap());
        let base = Url::parse("https://api.example.com/v4").unwrap();
        let current = Url::parse("https://api.example.com/v4/zones/z/items").unwrap();
        next(
            StatusCode::from_u16(status).unwrap(),
            &headers,
            &method,
            &current,
            &base,
            followed,
        )
    }

    #[test]
    fn same_origin_redirects_are_followed() {
        let next = go(307, "/v4/zones/z/items/", Method::POST, 0)
            .unwrap()
            .unwrap();
        assert_eq!(
            next.url.as_str(),
            "https://api.example.com/v4/zones/z/items/"
        );
        assert_eq!((next.method, next.keep_body), (Method::POST, true));
        let next = go(303, "other#frag", Method::PUT, 4).unwrap().unwrap();
        assert_eq!(
            next.url.as_str(),
            "https://api.example.com/v4/zones/z/other"
        );
        assert_eq!((next.method, next.keep_body), (Method::GET, false));
        let next = go(302, "https://api.example.com:443/x", Method::POST, 0)
            .unwrap()
            .unwrap();
        assert_eq!((next.method, next.keep_body), (Method::GET, false));
        let next = go(301, "/x", Method::DELETE, 0).unwrap().unwrap();
        assert_eq!((next.method, next.keep_body), (Method::DELETE, true));
    }

    #[test]
    fn other_origins_and_loops_are_refused() {
        for location in [
            "https://evil.example.com/v4",
            "http://api.example.com/v4",
            "https://api.example.com:8443/v4",
            "//evil.example.com/x",
        ] {
            let err = go(307, location, Method::GET, 0).unwrap_err();
            assert_eq!(err.kind(), super::super::ErrorKind::Redirect, "{location}");
            assert!(err.to_string().contains("another origin"), "{err}");
            assert!(!err.to_string().contains("/v4/"), "{err}");
        }
        let err = go(307, "https://eve:pw@api.example.com/v4", Method::GET, 0).unwrap_err();
        assert!(err.to_string().contains("user name or password"), "{err}");
        assert!(!err.to_string().contains("pw"), "{err}");
        let err = go(308, "/v4/again", Method::GET, MAX_REDIRECTS).unwrap_err();
        assert!(err.to_string().contains("more than 5 redirects"), "{err}");
    }

    #[test]
    fn other_statuses_are_not_redirects() {
        assert_eq!(go(300, "/x", Method::GET, 0).unwrap(), None);
        assert_eq!(go(304, "/x", Method::GET, 0).unwrap(), None);
        assert_eq!(go(200, "/x", Method::GET, 0).unwrap(), None);
    }
}
