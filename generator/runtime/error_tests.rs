//! Unit tests of `error.rs` (a child module of it, so they reach its private helpers).

use super::*;

fn api(status: u16, errors: Vec<ApiMessage>) -> ApiError {
    ApiError {
        status: StatusCode::from_u16(status).unwrap(),
        errors,
        messages: Vec::new(),
        request_id: Some("abc".into()),
        retry_after: None,
        body_excerpt: None,
        headers: HeaderMap::new(),
        body: Vec::new(),
        typed: None,
    }
}

#[test]
fn api_error_display() {
    let label = crate::PROFILE.request_id_header.unwrap_or("request id");
    let e = Error::from(api(404, vec![ApiMessage::new(1003, "Invalid zone")]));
    assert_eq!(
        e.to_string(),
        format!("HTTP 404 Not Found: [1003] Invalid zone ({label} abc)")
    );
    assert!(e.is_not_found());
    assert_eq!(e.status(), Some(StatusCode::NOT_FOUND));
    assert!(!e.is_retryable());
    let two = api(400, vec![ApiMessage::new(1, "a"), ApiMessage::new(2, "b")]);
    assert_eq!(
        two.to_string(),
        format!("HTTP 400 Bad Request: [1] a; [2] b ({label} abc)")
    );
    let mut html = api(502, Vec::new());
    html.body_excerpt = Some("<html>\n  <b>Bad   gateway</b></html>".into());
    assert_eq!(
        html.to_string(),
        format!("HTTP 502 Bad Gateway: <html> <b>Bad gateway</b></html> ({label} abc)")
    );
    assert!(Error::from(html).is_retryable());
}

#[test]
fn kinds() {
    for (status, kind) in [
        (400, ErrorKind::BadRequest),
        (401, ErrorKind::Unauthorized),
        (403, ErrorKind::Forbidden),
        (409, ErrorKind::Conflict),
        (422, ErrorKind::UnprocessableEntity),
        (429, ErrorKind::RateLimited),
        (503, ErrorKind::Server),
        (418, ErrorKind::OtherStatus),
        (200, ErrorKind::OtherStatus),
    ] {
        assert_eq!(
            Error::from(api(status, Vec::new())).kind(),
            kind,
            "{status}"
        );
    }
    assert_eq!(timeout(1000, 1, 1000, None).kind(), ErrorKind::Timeout);
    assert!(timeout(1000, 1, 1000, None).is_retryable());
    let too_large = Error::ResponseTooLarge {
        status: StatusCode::OK,
        limit: 1 << 20,
        declared: None,
    };
    assert_eq!(too_large.kind(), ErrorKind::ResponseTooLarge);
    assert!(!too_large.is_retryable());
    assert_eq!(too_large.status(), Some(StatusCode::OK));
    assert!(!Error::invalid("x", "y").is_retryable());
}

fn timeout(after_ms: u64, attempts: u32, elapsed_ms: u64, total_ms: Option<u64>) -> Error {
    Error::Timeout {
        after: Duration::from_millis(after_ms),
        attempts,
        elapsed: Duration::from_millis(elapsed_ms),
        total_timeout: total_ms.map(Duration::from_millis),
    }
}

#[test]
fn display_of_other_variants() {
    assert_eq!(
        timeout(250, 1, 251, None).to_string(),
        "request timed out after 250ms (1 attempt, 251ms in total)"
    );
    assert_eq!(
        timeout(60_000, 3, 181_234, None).to_string(),
        "request timed out after 60s (3 attempts, 181.234s in total)"
    );
    assert_eq!(
        timeout(9_500, 2, 120_000, Some(120_000)).to_string(),
        "request exceeded its total timeout of 120s (2 attempts, 120s in total)"
    );
    let too_large = Error::ResponseTooLarge {
        status: StatusCode::OK,
        limit: 32 << 20,
        declared: Some(500 << 20),
    };
    assert_eq!(
        too_large.to_string(),
        "the HTTP 200 response body is larger than the limit of 32 MiB \
         (Content-Length: 500 MiB); raise the limit with max_response_bytes"
    );
    let mut headers = HeaderMap::new();
    headers.insert("cf-ray", "8a1b2c3d4e5f-LHR".parse().unwrap());
    let raw = super::super::raw_response::RawResponse {
        status: StatusCode::OK,
        headers,
        body: b"<html>".to_vec(),
        live: None,
    };
    let d = Error::decode(&raw, "expected value");
    assert_eq!(
        d.to_string(),
        "could not decode the HTTP 200 response: expected value (body starts with \"<html>\")"
    );
    // A decode error keeps the headers, so the ray id of a bad response can be reported.
    let ray = d.response_headers().and_then(|h| h.get("cf-ray"));
    assert_eq!(ray.and_then(|v| v.to_str().ok()), Some("8a1b2c3d4e5f-LHR"));
    let i = Error::invalid("zone_id", "must not be empty");
    assert_eq!(
        i.to_string(),
        "invalid argument `zone_id`: must not be empty"
    );
}
