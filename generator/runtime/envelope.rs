//! Decoding of responses: the Cloudflare v4 envelope, error bodies, results.

use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use super::error::{ApiError, Error, excerpt};
use super::response::{ApiMessage, ApiResponse, ResultInfo};

fn lenient_messages<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<ApiMessage>, D::Error> {
    Ok(match Option::<Value>::deserialize(deserializer)? {
        Some(Value::Array(items)) => items.into_iter().map(ApiMessage::from_value).collect(),
        Some(Value::Null) | None => Vec::new(),
        Some(single) => vec![ApiMessage::from_value(single)],
    })
}

/// `result_info` read straight into [`ResultInfo`] (each of its fields is lenient); any
/// value that is not an object reads as `None`.
fn lenient_result_info<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<ResultInfo>, D::Error> {
    use serde::de::{IgnoredAny, MapAccess, SeqAccess, Visitor};
    struct Lenient;
    impl<'de> Visitor<'de> for Lenient {
        type Value = Option<ResultInfo>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("page information")
        }
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
            ResultInfo::deserialize(serde::de::value::MapAccessDeserializer::new(map)).map(Some)
        }
        fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
            d.deserialize_any(self)
        }
        fn visit_none<E>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok(None)
        }
    }
    deserializer.deserialize_any(Lenient)
}

/// The Cloudflare v4 envelope with the result left undecoded.
#[derive(Deserialize)]
struct RawEnvelope {
    success: Option<bool>,
    #[serde(default, deserialize_with = "lenient_messages")]
    errors: Vec<ApiMessage>,
    #[serde(default, deserialize_with = "lenient_messages")]
    messages: Vec<ApiMessage>,
    #[serde(default)]
    result: Option<Value>,
    #[serde(default, deserialize_with = "lenient_result_info")]
    result_info: Option<ResultInfo>,
}

impl RawEnvelope {
    fn parse(body: &[u8]) -> Result<Self, serde_json::Error> {
        serde_json::from_slice(body)
    }

    fn is_success(&self) -> bool {
        self.success.unwrap_or(self.errors.is_empty())
    }
}

/// The envelope decoded in one pass, for the common successful case.
#[derive(Deserialize)]
#[serde(bound = "T: DeserializeOwned")]
struct TypedEnvelope<T> {
    success: Option<bool>,
    #[serde(default)]
    result: Option<T>,
    #[serde(default, deserialize_with = "lenient_result_info")]
    result_info: Option<ResultInfo>,
    #[serde(default, deserialize_with = "lenient_messages")]
    messages: Vec<ApiMessage>,
}

/// The result alone, decoded from the body's bytes (errors carry line and column).
#[derive(Deserialize)]
struct ResultOnly<T> {
    result: T,
}

pub(crate) use super::raw_response::RawResponse;

pub(crate) fn request_id<'a>(headers: &'a HeaderMap, name: Option<&str>) -> Option<&'a str> {
    headers.get(name?)?.to_str().ok()
}

/// Decodes a response whose status is unsuccessful, or a 2xx response with
/// `success: false`. Error bodies shaped like the v4 envelope are read as
/// such whatever the operation; any other body is kept as an excerpt.
pub(crate) fn api_error(raw: &RawResponse, request_id_header: Option<&str>) -> Error {
    let mut error = ApiError {
        status: raw.status,
        errors: Vec::new(),
        messages: Vec::new(),
        request_id: request_id(&raw.headers, request_id_header).map(str::to_owned),
        retry_after: super::retry::retry_after(&raw.headers),
        body_excerpt: None,
        headers: raw.headers.clone(),
        body: raw.body.clone(),
        typed: None,
    };
    match RawEnvelope::parse(&raw.body) {
        Ok(env) if env.success.is_some() || !env.errors.is_empty() => {
            error.errors = env.errors;
            error.messages = env.messages;
        }
        _ => {
            if !raw.body.is_empty() {
                error.body_excerpt = Some(excerpt(&raw.body));
            }
        }
    }
    Error::Api(Box::new(error))
}

/// Decodes a response of any status into `T`, unwrapping the envelope when
/// `envelope` is set.
pub(crate) fn decode<T: DeserializeOwned>(
    raw: RawResponse,
    envelope: bool,
    request_id_header: Option<&str>,
) -> Result<ApiResponse<T>, Error> {
    if !raw.status.is_success() {
        return Err(api_error(&raw, request_id_header));
    }
    if !envelope {
        let body: &[u8] = if raw.body.iter().all(u8::is_ascii_whitespace) {
            b"null"
        } else {
            &raw.body
        };
        return match serde_json::from_slice::<T>(body) {
            Ok(result) => Ok(ApiResponse {
                result,
                result_info: None,
                messages: Vec::new(),
                status: raw.status,
                headers: raw.headers,
            }),
            Err(e) => Err(Error::decode(&raw, e.to_string())),
        };
    }
    // Fast path: one pass straight into `T`. Anything unusual (failure, missing result,
    // a body that does not decode) takes the slower path below, which explains itself.
    if let Ok(TypedEnvelope {
        success: Some(true),
        result: Some(result),
        result_info,
        messages,
    }) = serde_json::from_slice::<TypedEnvelope<T>>(&raw.body)
    {
        return Ok(ApiResponse {
            result,
            result_info,
            messages,
            status: raw.status,
            headers: raw.headers,
        });
    }
    let env = match RawEnvelope::parse(&raw.body) {
        Ok(env) => env,
        Err(e) => {
            return Err(Error::decode(&raw, format!("invalid JSON envelope: {e}")));
        }
    };
    if !env.is_success() {
        return Err(api_error(&raw, request_id_header));
    }
    // Decoded from the bytes again, not from `env.result`: a `Value` would hide a key
    // that comes twice, which is an error wherever the client decodes.
    let result = match env.result {
        None => T::deserialize(Value::Null)
            .map_err(|_| Error::decode(&raw, "the response has no `result`"))?,
        Some(_) => match serde_json::from_slice::<ResultOnly<T>>(&raw.body) {
            Ok(only) => only.result,
            Err(e) => {
                return Err(Error::decode(&raw, format!("invalid `result`: {e}")));
            }
        },
    };
    Ok(ApiResponse {
        result,
        result_info: env.result_info,
        messages: env.messages,
        status: raw.status,
        headers: raw.headers,
    })
}

/// Like [`decode`] for operations without a response body: the body of a
/// successful response is ignored unless it is an envelope saying
/// `success: false`.
pub(crate) fn decode_empty(
    raw: RawResponse,
    envelope: bool,
    request_id_header: Option<&str>,
) -> Result<ApiResponse<()>, Error> {
    if !raw.status.is_success() {
        return Err(api_error(&raw, request_id_header));
    }
    let mut messages = Vec::new();
    if envelope {
        if let Ok(env) = RawEnvelope::parse(&raw.body) {
            if !env.is_success() {
                return Err(api_error(&raw, request_id_header));
            }
            messages = env.messages;
        }
    }
    Ok(ApiResponse {
        result: (),
        result_info: None,
        messages,
        status: raw.status,
        headers: raw.headers,
    })
}

/// For operations whose successful responses are not JSON: the body as received.
pub(crate) fn decode_bytes(
    raw: RawResponse,
    request_id_header: Option<&str>,
) -> Result<ApiResponse<Vec<u8>>, Error> {
    if !raw.status.is_success() {
        return Err(api_error(&raw, request_id_header));
    }
    Ok(ApiResponse {
        result: raw.body,
        result_info: None,
        messages: Vec::new(),
        status: raw.status,
        headers: raw.headers,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::StatusCode;
    use reqwest::header::HeaderValue;

    #[test]
    fn result_info_is_read_leniently() {
        #[derive(Deserialize)]
        struct Holder {
            #[serde(default, deserialize_with = "lenient_result_info")]
            result_info: Option<ResultInfo>,
        }
        let read = |text: &str| serde_json::from_str::<Holder>(text).unwrap().result_info;
        let info =
            read(r#"{"result_info": {"page": 2.0, "per_page": "50", "count": true, "x": [1]}}"#)
                .unwrap();
        assert_eq!(
            (info.page, info.per_page, info.count),
            (Some(2), Some(50), None)
        );
        for other in [r#"[1, {"a": 2}]"#, r#""text""#, "null", "7", "false"] {
            assert_eq!(
                read(&format!(r#"{{"result_info": {other}}}"#)),
                None,
                "{other}"
            );
        }
        assert_eq!(read("{}"), None);
    }

    fn raw(status: u16, body: &str) -> RawResponse {
        let mut headers = HeaderMap::new();
        headers.insert("cf-ray", HeaderValue::from_static("ray-1"));
        RawResponse {
            status: StatusCode::from_u16(status).unwrap(),
            headers,
            body: body.as_bytes().to_vec(),
            live: None,
        }
    }

    #[derive(Debug, PartialEq, Deserialize)]
    struct Cert {
        id: String,
    }

    #[test]
    fn bytes_are_returned_verbatim_and_errors_still_decode() {
        let ok = decode_bytes(raw(200, "a,b\n1,2\n"), Some("cf-ray")).unwrap();
        assert_eq!(ok.result, b"a,b\n1,2\n".to_vec());
        let err = decode_bytes(
            raw(
                404,
                r#"{"success":false,"errors":[{"code":7003,"message":"no"}],"messages":[]}"#,
            ),
            Some("cf-ray"),
        )
        .unwrap_err();
        assert_eq!(err.status().map(|s| s.as_u16()), Some(404));
        assert!(err.api_error().unwrap().has_code(7003));
    }

    #[test]
    fn success_envelope() {
        let body = r#"{"success":true,"errors":[],"messages":[{"code":1,"message":"hi"}],
            "result":[{"id":"a"},{"id":"b"}],
            "result_info":{"count":2,"page":1.0,"per_page":20.0,"total_count":"2","total_pages":1}}"#;
        let r: ApiResponse<Vec<Cert>> = decode(raw(200, body), true, Some("cf-ray")).unwrap();
        assert_eq!(
            r.result,
            vec![Cert { id: "a".into() }, Cert { id: "b".into() }]
        );
        let info = r.result_info().unwrap();
        assert_eq!(
            (info.count, info.page, info.per_page),
            (Some(2), Some(1), Some(20))
        );
        assert_eq!((info.total_count, info.total_pages), (Some(2), Some(1)));
        assert_eq!(r.messages()[0], ApiMessage::new(1, "hi"));
        assert_eq!(r.status(), StatusCode::OK);
        let mapped = r.map(|v| v.len());
        assert_eq!(mapped.into_result(), 2);
    }

    #[test]
    fn success_false_with_200_is_an_api_error() {
        let body = r#"{"success":false,"errors":[{"code":1003,"message":"Invalid zone",
            "documentation_url":"https://x","source":{"pointer":"/zone"}}],"messages":[],"result":null}"#;
        let err = decode::<Value>(raw(200, body), true, Some("cf-ray")).unwrap_err();
        let api = err.api_error().expect("api error");
        assert_eq!(api.status, StatusCode::OK);
        assert_eq!(api.errors[0].code, 1003);
        assert_eq!(
            api.errors[0].source.as_ref().unwrap().pointer.as_deref(),
            Some("/zone")
        );
        assert_eq!(api.request_id(), Some("ray-1"));
        assert!(api.has_code(1003));
        assert!(
            err.to_string().contains("[1003] Invalid zone (at /zone)"),
            "{err}"
        );
    }

    #[test]
    fn error_envelope_on_404() {
        let body = r#"{"success":false,"errors":[{"message":"no code"},"plain"],"messages":null}"#;
        let err = decode::<Value>(raw(404, body), true, Some("cf-ray")).unwrap_err();
        let api = err.api_error().unwrap();
        assert_eq!(
            api.errors,
            vec![ApiMessage::new(0, "no code"), ApiMessage::new(0, "plain")]
        );
        assert!(api.body_excerpt.is_none());
        assert!(err.is_not_found());
    }

    #[test]
    fn html_502_keeps_status_and_excerpt() {
        let body = "<html><body>502 Bad Gateway</body></html>";
        let err = decode::<Value>(raw(502, body), true, Some("cf-ray")).unwrap_err();
        let api = err.api_error().unwrap();
        assert_eq!(api.status, StatusCode::BAD_GATEWAY);
        assert!(api.errors.is_empty());
        assert_eq!(api.body_excerpt.as_deref(), Some(body));
        assert!(err.is_server_error() && err.is_retryable());
    }

    #[test]
    fn malformed_json_is_a_decode_error_with_excerpt() {
        let body = r#"{"success":true,"result":{"id": 12"#;
        let err = decode::<Cert>(raw(200, body), true, None).unwrap_err();
        match &err {
            Error::Decode {
                status,
                message,
                body_excerpt,
                ..
            } => {
                assert_eq!(*status, StatusCode::OK);
                assert!(message.contains("EOF"), "{message}");
                assert_eq!(body_excerpt, body);
            }
            other => panic!("unexpected {other:?}"),
        }
        let wrong_type = r#"{"success":true,"result":{"id": 12}}"#;
        let err = decode::<Cert>(raw(200, wrong_type), true, None).unwrap_err();
        assert!(
            err.to_string().contains("invalid type: integer `12`"),
            "{err}"
        );
        assert!(err.to_string().contains("line 1 column"), "{err}");
    }

    #[test]
    fn null_or_missing_result() {
        let r: ApiResponse<()> =
            decode(raw(200, r#"{"success":true,"result":null}"#), true, None).unwrap();
        assert_eq!(r.result, ());
        let r: ApiResponse<Option<Cert>> =
            decode(raw(200, r#"{"success":true}"#), true, None).unwrap();
        assert_eq!(r.result, None);
        let err =
            decode::<Cert>(raw(200, r#"{"success":true,"errors":[]}"#), true, None).unwrap_err();
        assert!(err.to_string().contains("no `result`"), "{err}");
    }

    #[test]
    fn without_envelope() {
        let r: ApiResponse<Cert> = decode(raw(200, r#"{"id":"x"}"#), false, None).unwrap();
        assert_eq!(r.result.id, "x");
        let r: ApiResponse<()> = decode(raw(200, ""), false, None).unwrap();
        assert_eq!(r.result, ());
        let err = decode::<Cert>(
            raw(
                500,
                r#"{"success":false,"errors":[{"code":1,"message":"x"}]}"#,
            ),
            false,
            None,
        )
        .unwrap_err();
        assert_eq!(
            err.api_error().unwrap().errors,
            vec![ApiMessage::new(1, "x")]
        );
        let err = decode::<Cert>(raw(500, r#"{"detail":"x"}"#), false, None).unwrap_err();
        assert_eq!(
            err.api_error().unwrap().body_excerpt.as_deref(),
            Some(r#"{"detail":"x"}"#)
        );
    }

    #[test]
    fn empty_responses() {
        assert!(decode_empty(raw(204, ""), true, None).is_ok());
        assert!(decode_empty(raw(200, "not json"), true, None).is_ok());
        let err =
            decode_empty(raw(200, r#"{"success":false,"errors":[]}"#), true, None).unwrap_err();
        assert_eq!(err.status(), Some(StatusCode::OK));
        assert!(
            decode_empty(raw(409, ""), true, None)
                .unwrap_err()
                .is_conflict()
        );
    }
}
