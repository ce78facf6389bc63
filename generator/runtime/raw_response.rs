//! The raw response: status, headers and body bytes as received, before any decoding.

use std::fmt;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::error::Error;
use super::response::ApiResponse;

/// A response as received, before the envelope or the result is decoded.
///
/// Every request builder gives one with `send_raw()`, and so does a
/// [`RawRequest`](super::RawRequest); use it to reach what the typed result
/// leaves out (fields the spec does not describe, headers). It is returned
/// whatever its status, once retries are over: check [`RawResponse::status`]
/// or call [`RawResponse::error_for_status`]. A successful body is read up to
/// `max_response_bytes`; an error body only as far as an error needs (64 KiB
/// of JSON, the first kilobyte of anything else).
///
/// ```text
/// let raw = client.get("/zones/023e105f4ecef8ad9ca31a8372d0c353/settings").send_raw().await?;
/// let value = raw.error_for_status()?.json_value()?;
/// println!("{}", value["result"]);
/// ```
#[derive(Clone)]
pub struct RawResponse {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
    /// The body still to be read, for responses read as they arrive (events,
    /// downloads); `body` is then empty.
    pub(crate) live: super::events::LiveSlot,
}

impl RawResponse {
    /// HTTP status of the response.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        self.status.is_success()
    }

    /// Response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The value of header `name`, when it is present and visible ASCII.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name)?.to_str().ok()
    }

    /// Request identifier sent back by the server (for example `cf-ray`),
    /// if the API has one.
    pub fn request_id(&self) -> Option<&str> {
        super::envelope::request_id(&self.headers, crate::PROFILE.request_id_header)
    }

    /// The body bytes.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// Takes the body bytes.
    pub fn into_body(self) -> Vec<u8> {
        self.body
    }

    /// The body as text (invalid UTF-8 replaced).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The whole body decoded as JSON into `T` (the envelope included, when
    /// the API has one); [`Error::Decode`] when it does not decode.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, Error> {
        serde_json::from_slice(&self.body).map_err(|e| Error::decode(self, e.to_string()))
    }

    /// The whole body as a JSON value, every field the server sent included.
    pub fn json_value(&self) -> Result<Value, Error> {
        self.json()
    }

    /// The result decoded as a generated call would: unwrapped from the API's
    /// envelope (when it has one), with an unsuccessful status or
    /// `success: false` as [`Error::Api`].
    pub fn result<T: DeserializeOwned>(self) -> Result<ApiResponse<T>, Error> {
        let envelope = crate::PROFILE.envelope == super::profile::Envelope::CloudflareV4;
        super::envelope::decode(self, envelope, crate::PROFILE.request_id_header)
    }

    /// The response itself when its status is 2xx, else the error a generated
    /// call would return ([`Error::Api`], with the envelope's errors when the
    /// body is one).
    pub fn error_for_status(self) -> Result<RawResponse, Error> {
        if self.status.is_success() {
            Ok(self)
        } else {
            Err(super::envelope::api_error(
                &self,
                crate::PROFILE.request_id_header,
            ))
        }
    }
}

impl fmt::Debug for RawResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawResponse")
            .field("status", &self.status)
            .field("headers", &self.headers)
            .field("body_bytes", &self.body.len())
            .finish()
    }
}

/// The future returned by `send_raw()`: the response as received.
pub type RawFuture =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<RawResponse, Error>> + Send>>;

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(status: u16, body: &str) -> RawResponse {
        RawResponse {
            status: StatusCode::from_u16(status).unwrap(),
            headers: HeaderMap::new(),
            body: body.as_bytes().to_vec(),
            live: None,
        }
    }

    #[test]
    fn decodes_on_demand() {
        let ok = raw(200, r#"{"success":true,"result":{"id":"a","extra":[1]}}"#);
        assert_eq!(ok.json_value().unwrap()["result"]["extra"][0], 1);
        let result: ApiResponse<Value> = ok.clone().result().unwrap();
        // Unwrapped from the envelope when this crate's API has one.
        let result = match crate::PROFILE.envelope {
            super::super::profile::Envelope::CloudflareV4 => result.result,
            super::super::profile::Envelope::None => result.result["result"].clone(),
        };
        assert_eq!(result["id"], "a");
        assert!(ok.error_for_status().is_ok());
        let bad = raw(
            404,
            r#"{"success":false,"errors":[{"code":7,"message":"no"}]}"#,
        );
        let err = bad.error_for_status().unwrap_err();
        assert!(err.is_not_found() && err.api_error().unwrap().has_code(7));
        let junk = raw(200, "<html>").json_value().unwrap_err();
        assert_eq!(junk.kind(), super::super::ErrorKind::Decode);
        assert_eq!(raw(200, "é").text(), "é");
        assert!(format!("{:?}", raw(200, "abc")).contains("body_bytes: 3"));
    }
}
