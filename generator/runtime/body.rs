//! Reading response bodies within a size limit, so that no server can make
//! the client hold more than the limit in memory.
//!
//! A successful response is read up to the request's `max_response_bytes`
//! (32 MiB by default): a `Content-Length` above it fails before any byte is
//! read, and a body that grows past it (chunked, or lying about its length)
//! fails as soon as it does. An error response is read only as far as its
//! decoding needs: a JSON body (an error envelope) up to 64 KiB, anything
//! else (an HTML error page) up to the excerpt kept in the error; the rest is
//! never read and the connection is dropped.

use super::error::EXCERPT_CHARS;

/// Default of `ClientBuilder::max_response_bytes`.
pub(crate) const DEFAULT_MAX_RESPONSE_BYTES: u64 = 32 << 20;

/// Longest JSON error body read: far more than any error envelope needs.
pub(crate) const ERROR_JSON_LIMIT: usize = 64 << 10;

/// Longest non-JSON error body read: what the excerpt can show (four bytes
/// per character at most, and one more character to know it was cut).
pub(crate) const ERROR_TEXT_LIMIT: usize = (EXCERPT_CHARS + 1) * 4;

/// Why reading a successful body stopped early.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// The body is longer than the limit.
    TooLarge { declared: Option<u64> },
    /// The transport failed while reading.
    Transport(reqwest::Error),
}

/// The body of a successful response, failing once it would pass `limit`.
pub(crate) async fn read_limited(
    response: &mut reqwest::Response,
    limit: u64,
) -> Result<Vec<u8>, ReadError> {
    let declared = response.content_length();
    if declared.is_some_and(|len| len > limit) {
        return Err(ReadError::TooLarge { declared });
    }
    // Trust the announced length only for the first allocation, and only
    // within the limit.
    let initial = declared.unwrap_or(0).min(limit).min(1 << 20) as usize;
    let mut body = Vec::with_capacity(initial);
    while let Some(chunk) = response.chunk().await.map_err(ReadError::Transport)? {
        if (body.len() + chunk.len()) as u64 > limit {
            return Err(ReadError::TooLarge { declared });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The start of an error response's body: as much as decoding it needs (see
/// the module docs), never more than `limit`.
pub(crate) async fn read_error_body(
    response: &mut reqwest::Response,
    limit: u64,
) -> Result<Vec<u8>, reqwest::Error> {
    let mut body = Vec::new();
    let mut cap = usize::try_from(limit)
        .unwrap_or(usize::MAX)
        .min(ERROR_JSON_LIMIT);
    let mut kind_known = false;
    while let Some(chunk) = response.chunk().await? {
        body.extend_from_slice(&chunk);
        if !kind_known {
            if let Some(first) = body.iter().find(|b| !b.is_ascii_whitespace()) {
                kind_known = true;
                if !matches!(first, b'{' | b'[') {
                    cap = cap.min(ERROR_TEXT_LIMIT);
                }
            }
        }
        if body.len() >= cap {
            body.truncate(cap);
            break;
        }
    }
    Ok(body)
}
