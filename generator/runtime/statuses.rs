//! Operations whose success statuses carry different bodies (`200` the result, `202` a
//! job still running, `204` nothing): the response is an enum with one variant per
//! declared status, chosen by the status the server answers with.

use reqwest::StatusCode;
use serde::de::DeserializeOwned;

use super::envelope::{RawResponse, api_error};
use super::error::Error;
use super::request::Call;
use super::response::{ApiResponse, ResponseFuture};

/// A response enum of several success statuses; generated with [`status_response!`].
pub(crate) trait FromStatus: Sized {
    /// Decodes a successful response's body as the variant of `status`.
    fn from_status(status: StatusCode, body: &[u8]) -> Result<Self, String>;

    /// The status and JSON body a server would answer with for this value (a range or
    /// `default` key answers with the range's first code, or 200): for the mock.
    #[allow(dead_code)]
    fn to_reply(&self) -> (StatusCode, Vec<u8>);
}

/// The status a declared key answers with in a mock.
#[allow(dead_code)]
pub(crate) fn key_status(key: &str) -> StatusCode {
    let code = key.parse::<u16>().ok().or_else(|| {
        let first = key.as_bytes().first()?.wrapping_sub(b'0');
        (key.len() == 3 && (1..=5).contains(&first)).then(|| u16::from(first) * 100)
    });
    code.and_then(|c| StatusCode::from_u16(c).ok())
        .unwrap_or(StatusCode::OK)
}

/// A variant's body as JSON, for the mock.
#[allow(dead_code)]
pub(crate) fn reply_body<T: serde::Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value)
        .unwrap_or_else(|e| panic!("the mocked response cannot be serialized as JSON: {e}"))
}

/// How closely a declared status key (`200`, `2XX`, `default`) matches `status`: an
/// exact code (0), then its range (1), then `default` (2); `None` when it does not match.
pub(crate) fn status_rank(key: &str, status: StatusCode) -> Option<u8> {
    let code = status.as_u16();
    let bytes = key.as_bytes();
    if key.parse::<u16>().ok() == Some(code) {
        Some(0)
    } else if bytes.len() == 3
        && bytes[1..].eq_ignore_ascii_case(b"XX")
        && u16::from(bytes[0].wrapping_sub(b'0')) == code / 100
    {
        Some(1)
    } else if key.eq_ignore_ascii_case("default") {
        Some(2)
    } else {
        None
    }
}

/// Of the declared status keys, the one that best matches `status` (see [`status_rank`]).
#[allow(dead_code)]
pub(crate) fn best_status(keys: &[&'static str], status: StatusCode) -> Option<&'static str> {
    keys.iter()
        .filter_map(|k| Some((status_rank(k, status)?, *k)))
        .min_by_key(|(rank, _)| *rank)
        .map(|(_, k)| k)
}

/// A variant's JSON body (an empty body reads as `null`).
#[allow(dead_code)]
pub(crate) fn json<T: DeserializeOwned>(body: &[u8]) -> Result<T, String> {
    let body: &[u8] = if body.iter().all(u8::is_ascii_whitespace) {
        b"null"
    } else {
        body
    };
    serde_json::from_slice(body).map_err(|e| e.to_string())
}

/// Sends a call whose response enum is chosen by status.
#[allow(dead_code)]
pub(crate) fn send_status<T: FromStatus + Send + 'static>(call: Call) -> ResponseFuture<T> {
    let (client, op, req) = call.into_parts();
    Box::pin(async move {
        client
            .execute_with(op, req, |raw| decode(raw, crate::PROFILE.request_id_header))
            .await
    })
}

fn decode<T: FromStatus>(
    raw: RawResponse,
    request_id_header: Option<&str>,
) -> Result<ApiResponse<T>, Error> {
    if !raw.status.is_success() {
        return Err(api_error(&raw, request_id_header));
    }
    match T::from_status(raw.status, &raw.body) {
        Ok(result) => Ok(ApiResponse {
            result,
            result_info: None,
            messages: Vec::new(),
            status: raw.status,
            headers: raw.headers,
        }),
        Err(e) => Err(Error::decode(&raw, e)),
    }
}

/// A response enum, one invocation per operation with several success bodies:
/// `status_response!(GetScanResponse { #[doc = "…"] "200" => Ok(Scan), "204" => NoContent });`
/// defines the enum and decodes each variant from the status it is declared for.
#[allow(unused_macros)]
macro_rules! status_response {
    ($(#[$meta:meta])* $name:ident {
        $($(#[$vmeta:meta])* $status:literal => $variant:ident $(($ty:ty))?),* $(,)?
    }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq)]
        pub enum $name {
            $($(#[$vmeta])* $variant $(($ty))?,)*
        }

        impl $crate::runtime::private::FromStatus for $name {
            fn from_status(
                status: $crate::runtime::StatusCode,
                body: &[u8],
            ) -> ::std::result::Result<Self, ::std::string::String> {
                let key = $crate::runtime::private::best_status(&[$($status),*], status);
                $(
                    if key == ::std::option::Option::Some($status) {
                        return ::std::result::Result::Ok(
                            Self::$variant $(($crate::runtime::private::json::<$ty>(body)?))?
                        );
                    }
                )*
                ::std::result::Result::Err(::std::format!(
                    "the spec declares no response for status {}",
                    status.as_u16()
                ))
            }

            fn to_reply(&self) -> ($crate::runtime::StatusCode, ::std::vec::Vec<u8>) {
                $(
                    $crate::runtime::private::status_response!(@reply self, $status, $variant $(, $ty)?);
                )*
                unreachable!("every variant is declared")
            }
        }
    };
    (@reply $self:ident, $status:literal, $variant:ident, $ty:ty) => {
        if let Self::$variant(value) = $self {
            return (
                $crate::runtime::private::key_status($status),
                $crate::runtime::private::reply_body(value),
            );
        }
    };
    (@reply $self:ident, $status:literal, $variant:ident) => {
        if let Self::$variant = $self {
            return ($crate::runtime::private::key_status($status), ::std::vec::Vec::new());
        }
    };
}
#[allow(unused_imports)]
pub(crate) use status_response;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_most_specific_key_wins() {
        let keys = &["default", "2XX", "202", "200"];
        let at = |code| best_status(keys, StatusCode::from_u16(code).unwrap());
        assert_eq!(at(200), Some("200"));
        assert_eq!(at(202), Some("202"));
        assert_eq!(at(201), Some("2XX"));
        assert_eq!(at(404), Some("default"));
        assert_eq!(best_status(&["200", "204"], StatusCode::CREATED), None);
        assert_eq!(
            best_status(&["2xx"], StatusCode::NO_CONTENT),
            Some("2xx"),
            "a range key in lower case still matches"
        );
    }

    status_response!(
        /// A response of two bodies and an empty one.
        Sample {
            "200" => Ok(u32),
            "2XX" => Other(String),
            "204" => NoContent,
        }
    );

    #[test]
    fn each_status_decodes_its_own_variant() {
        let at = |code| StatusCode::from_u16(code).unwrap();
        assert_eq!(Sample::from_status(at(200), b"7"), Ok(Sample::Ok(7)));
        assert_eq!(
            Sample::from_status(at(201), b"\"made\""),
            Ok(Sample::Other("made".into()))
        );
        assert_eq!(Sample::from_status(at(204), b""), Ok(Sample::NoContent));
        // The 200 body must be the 200 schema, whatever another status would accept.
        assert!(Sample::from_status(at(200), b"\"seven\"").is_err());
        assert_eq!(Sample::Ok(7).to_reply(), (at(200), b"7".to_vec()));
        assert_eq!(
            Sample::Other("x".into()).to_reply(),
            (at(200), b"\"x\"".to_vec())
        );
        assert_eq!(Sample::NoContent.to_reply(), (at(204), Vec::new()));
        assert_eq!(key_status("4XX"), at(400));
        assert_eq!(key_status("default"), at(200));
        let err = Sample::from_status(at(302), b"").unwrap_err();
        assert!(err.contains("no response for status 302"), "{err}");
    }

    #[test]
    fn an_empty_body_reads_as_null() {
        assert_eq!(json::<Option<u8>>(b"  \n"), Ok(None));
        assert_eq!(json::<u8>(b"7"), Ok(7));
        assert!(json::<u8>(b"\"x\"").is_err());
    }
}
