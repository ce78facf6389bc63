//! Successful responses and the parts of the response envelope.

use std::fmt;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use super::envelope::request_id;

/// A successful response: the decoded result plus what came with it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ApiResponse<T> {
    /// The decoded result.
    pub result: T,
    /// Paging information, present on list responses.
    pub result_info: Option<ResultInfo>,
    /// Informational messages sent with the result.
    pub messages: Vec<ApiMessage>,
    /// HTTP status of the response.
    pub status: StatusCode,
    /// Response headers.
    pub headers: HeaderMap,
}

impl<T> ApiResponse<T> {
    /// The decoded result.
    pub fn result(&self) -> &T {
        &self.result
    }

    /// Takes the decoded result, dropping the rest of the response.
    pub fn into_result(self) -> T {
        self.result
    }

    /// Paging information, present on list responses.
    pub fn result_info(&self) -> Option<&ResultInfo> {
        self.result_info.as_ref()
    }

    /// Informational messages sent with the result.
    pub fn messages(&self) -> &[ApiMessage] {
        &self.messages
    }

    /// HTTP status of the response.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// Response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// Request identifier sent back by the server (for example `cf-ray`),
    /// worth quoting in support requests.
    pub fn request_id(&self) -> Option<&str> {
        request_id(&self.headers, crate::PROFILE.request_id_header)
    }

    /// Transforms the result, keeping the rest of the response.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> ApiResponse<U> {
        ApiResponse {
            result: f(self.result),
            result_info: self.result_info,
            messages: self.messages,
            status: self.status,
            headers: self.headers,
        }
    }
}

/// Paging information of a list response.
///
/// Every field is optional; numbers sent as floats (`20.0`) or strings are
/// accepted.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ResultInfo {
    /// Number of items in this page.
    #[serde(
        default,
        deserialize_with = "lenient_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub count: Option<u64>,
    /// Number of this page, starting at 1.
    #[serde(
        default,
        deserialize_with = "lenient_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub page: Option<u64>,
    /// Maximum number of items per page.
    #[serde(
        default,
        deserialize_with = "lenient_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub per_page: Option<u64>,
    /// Number of items in all pages.
    #[serde(
        default,
        deserialize_with = "lenient_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub total_count: Option<u64>,
    /// Number of pages.
    #[serde(
        default,
        deserialize_with = "lenient_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub total_pages: Option<u64>,
}

/// An error or informational message of the response envelope.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[non_exhaustive]
pub struct ApiMessage {
    /// API-specific code (0 when the server sent none).
    pub code: i64,
    /// Human-readable text.
    pub message: String,
    /// Link to documentation about this message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub documentation_url: Option<String>,
    /// Which part of the request the message is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<ErrorSource>,
}

/// Which part of the request an [`ApiMessage`] is about.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ErrorSource {
    /// JSON pointer into the request body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
}

impl ApiMessage {
    /// A message with a code and text.
    pub fn new(code: i64, message: impl Into<String>) -> Self {
        ApiMessage {
            code,
            message: message.into(),
            documentation_url: None,
            source: None,
        }
    }

    /// Reads a message leniently: a missing code or text becomes a default,
    /// a bare string becomes the text, anything else its JSON text.
    pub(crate) fn from_value(value: Value) -> Self {
        match value {
            Value::Object(mut map) => {
                let text = |v: Option<Value>| match v {
                    Some(Value::String(s)) => Some(s),
                    Some(Value::Null) | None => None,
                    Some(other) => Some(other.to_string()),
                };
                let code = map.get("code").and_then(|c| {
                    c.as_i64()
                        .or_else(|| c.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64))
                        .or_else(|| c.as_str().and_then(|s| s.trim().parse().ok()))
                });
                let source = match map.remove("source") {
                    Some(Value::Object(mut s)) => Some(ErrorSource {
                        pointer: text(s.remove("pointer")),
                    }),
                    _ => None,
                };
                ApiMessage {
                    code: code.unwrap_or_default(),
                    message: text(map.remove("message")).unwrap_or_default(),
                    documentation_url: text(map.remove("documentation_url"))
                        .filter(|u| !u.is_empty()),
                    source,
                }
            }
            Value::String(message) => ApiMessage {
                message,
                ..ApiMessage::default()
            },
            other => ApiMessage {
                message: other.to_string(),
                ..ApiMessage::default()
            },
        }
    }
}

impl<'de> Deserialize<'de> for ApiMessage {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Value::deserialize(deserializer).map(ApiMessage::from_value)
    }
}

impl fmt::Display for ApiMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.code != 0 {
            write!(f, "[{}] ", self.code)?;
        }
        f.write_str(&self.message)?;
        if let Some(pointer) = self.source.as_ref().and_then(|s| s.pointer.as_deref()) {
            write!(f, " (at {pointer})")?;
        }
        Ok(())
    }
}

fn lenient_u64<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u64>, D::Error> {
    Ok(match Option::<Value>::deserialize(deserializer)? {
        Some(Value::Number(n)) => n.as_u64().or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f < 1.8e19)
                .map(|f| f as u64)
        }),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    })
}

/// The future returned by `send_with_response()`: the result with the response's status,
/// headers and envelope metadata.
pub type ResponseFuture<T> = std::pin::Pin<
    Box<dyn std::future::Future<Output = Result<ApiResponse<T>, super::error::Error>> + Send>,
>;

/// The future returned by `send()`, and by awaiting a request builder: the result alone.
pub type ResultFuture<T> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<T, super::error::Error>> + Send>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn result_info_is_lenient() {
        let info: ResultInfo = serde_json::from_str(
            r#"{"page":2,"per_page":null,"total_pages":-1,"count":1.5,"cursor":"x"}"#,
        )
        .unwrap();
        assert_eq!(
            info,
            ResultInfo {
                page: Some(2),
                ..ResultInfo::default()
            }
        );
        assert_eq!(serde_json::to_string(&info).unwrap(), r#"{"page":2}"#);
    }

    #[test]
    fn api_messages_are_lenient() {
        let messages: Vec<ApiMessage> = serde_json::from_str(
            r#"[{"code":"1001","message":"a","extra":1},{"code":1002.0,"message":null},
                {"message":"b","documentation_url":"https://d","source":{"pointer":"/csr"}},"c",7]"#,
        )
        .unwrap();
        assert_eq!(messages[0], ApiMessage::new(1001, "a"));
        assert_eq!(messages[1], ApiMessage::new(1002, ""));
        assert_eq!(messages[2].documentation_url.as_deref(), Some("https://d"));
        assert_eq!(messages[2].to_string(), "b (at /csr)");
        assert_eq!(messages[3], ApiMessage::new(0, "c"));
        assert_eq!(messages[4].message, "7");
        assert_eq!(messages[0].to_string(), "[1001] a");
        let round_trip: ApiMessage =
            serde_json::from_str(&serde_json::to_string(&messages[2]).unwrap()).unwrap();
        assert_eq!(round_trip, messages[2]);
    }
}
