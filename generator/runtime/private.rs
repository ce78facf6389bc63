//! The contract between the runtime and the generated code. Nothing here is
//! public API.

use serde::Serialize;
use serde_json::Value;

use serde::de::DeserializeOwned;

use super::client::Client;
use super::error::Error;
use super::options::RequestOptions;
use super::response::{ApiResponse, ResponseFuture, ResultFuture};

#[allow(unused_imports)]
pub(crate) use super::pagination::paginate;

/// What the runtime needs to know about the API, emitted once per crate.
#[derive(Debug)]
pub(crate) struct Profile {
    /// Base URL used when none is configured.
    pub default_base_url: &'static str,
    /// Environment variable that overrides the base URL in `Client::from_env`.
    pub base_url_env: Option<&'static str>,
    /// Ways to authenticate, in order of preference.
    pub credential_sets: &'static [CredentialSet],
    /// Envelope wrapping the responses.
    pub envelope: Envelope,
    /// Response header identifying the request, such as `cf-ray`.
    pub request_id_header: Option<&'static str>,
}

/// One way to authenticate, made of one or more headers.
#[derive(Debug)]
pub(crate) struct CredentialSet {
    pub name: &'static str,
    pub parts: &'static [CredentialPart],
}

/// One header of a credential set, and the environment variable holding it.
#[derive(Debug)]
#[allow(dead_code)]
pub(crate) enum CredentialPart {
    Bearer {
        env: Option<&'static str>,
    },
    Header {
        name: &'static str,
        env: Option<&'static str>,
    },
}

/// How successful responses wrap their result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(dead_code)]
pub(crate) enum Envelope {
    /// The body is the result.
    None,
    /// `{ success, errors, messages, result, result_info }`.
    CloudflareV4,
}

/// HTTP method of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(dead_code)]
pub(crate) enum HttpMethod {
    Get,
    Put,
    Post,
    Delete,
    Options,
    Head,
    Patch,
    Trace,
}

impl HttpMethod {
    pub(crate) fn to_reqwest(self) -> reqwest::Method {
        match self {
            HttpMethod::Get => reqwest::Method::GET,
            HttpMethod::Put => reqwest::Method::PUT,
            HttpMethod::Post => reqwest::Method::POST,
            HttpMethod::Delete => reqwest::Method::DELETE,
            HttpMethod::Options => reqwest::Method::OPTIONS,
            HttpMethod::Head => reqwest::Method::HEAD,
            HttpMethod::Patch => reqwest::Method::PATCH,
            HttpMethod::Trace => reqwest::Method::TRACE,
        }
    }

    /// Whether sending the request twice has the effect of sending it once.
    pub(crate) fn is_idempotent(self) -> bool {
        !matches!(self, HttpMethod::Post | HttpMethod::Patch)
    }
}

/// Static description of an operation.
#[derive(Debug)]
pub(crate) struct Operation {
    /// The `operationId`, for logs and errors.
    pub id: &'static str,
    pub method: HttpMethod,
    /// Path template such as `/zones/{zone_id}/client_certificates`.
    pub path: &'static str,
    /// Whether to unwrap the profile's envelope from successful responses.
    pub envelope: bool,
    /// Query parameter holding the page number of a paginated list.
    pub page_param: Option<&'static str>,
}

/// The arguments of one call.
#[derive(Debug, Clone, Default)]
pub(crate) struct Request {
    pub path_params: Vec<(&'static str, String)>,
    /// In order; a name may repeat.
    pub query: Vec<(&'static str, String)>,
    /// Header parameters of the operation.
    pub headers: Vec<(&'static str, String)>,
    pub body: Option<Body>,
    pub options: RequestOptions,
}

/// A request body.
#[derive(Debug, Clone)]
#[allow(dead_code)]
pub(crate) enum Body {
    Json(Value),
    Bytes {
        content_type: &'static str,
        bytes: Vec<u8>,
    },
}

/// Checks the length of a string argument, in characters.
#[allow(dead_code)]
pub(crate) fn check_length(
    name: &'static str,
    value: &str,
    min: Option<u64>,
    max: Option<u64>,
) -> Result<(), Error> {
    let len = value.chars().count() as u64;
    let plural = |n: u64| if n == 1 { "" } else { "s" };
    if let Some(min) = min.filter(|min| len < *min) {
        return Err(Error::invalid(
            name,
            format!(
                "must be at least {min} character{} long (got {len})",
                plural(min)
            ),
        ));
    }
    if let Some(max) = max.filter(|max| len > *max) {
        return Err(Error::invalid(
            name,
            format!(
                "must be at most {max} character{} long (got {len})",
                plural(max)
            ),
        ));
    }
    Ok(())
}

/// Checks that a numeric argument lies within inclusive bounds.
#[allow(dead_code)]
pub(crate) fn check_range(
    name: &'static str,
    value: f64,
    min: Option<f64>,
    max: Option<f64>,
) -> Result<(), Error> {
    if value.is_nan() {
        return Err(Error::invalid(name, "must be a number (got NaN)"));
    }
    if let Some(min) = min.filter(|min| value < *min) {
        return Err(Error::invalid(
            name,
            format!("must be at least {} (got {})", number(min), number(value)),
        ));
    }
    if let Some(max) = max.filter(|max| value > *max) {
        return Err(Error::invalid(
            name,
            format!("must be at most {} (got {})", number(max), number(value)),
        ));
    }
    Ok(())
}

fn number(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{}", value as i64)
    } else {
        value.to_string()
    }
}

/// The text of a scalar query parameter: strings and enums bare, numbers in
/// JSON notation, booleans as `true`/`false`.
#[allow(dead_code)]
pub(crate) fn query_value<T: Serialize + ?Sized>(
    name: &'static str,
    value: &T,
) -> Result<String, Error> {
    match serde_json::to_value(value) {
        Ok(Value::String(s)) => Ok(s),
        Ok(Value::Number(n)) => Ok(n.to_string()),
        Ok(Value::Bool(b)) => Ok(b.to_string()),
        Ok(Value::Null) => Err(Error::invalid(name, "a query parameter cannot be null")),
        Ok(_) => Err(Error::invalid(
            name,
            "a query parameter must be a string, number or boolean",
        )),
        Err(e) => Err(Error::invalid(name, format!("cannot be serialized: {e}"))),
    }
}

/// Deserializes a string enum from its wire text; `from_wire` picks the variant (or
/// `Unknown`). Every generated enum calls this, so the visitor is written once.
#[allow(dead_code)]
pub(crate) fn string_enum<'de, D, T>(
    deserializer: D,
    from_wire: fn(&str) -> T,
) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
{
    struct Wire<T>(fn(&str) -> T);
    impl<T> serde::de::Visitor<'_> for Wire<T> {
        type Value = T;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a string")
        }
        fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<T, E> {
            Ok((self.0)(value))
        }
    }
    deserializer.deserialize_str(Wire(from_wire))
}

/// The field names of a generated struct: `index` maps a key to the field's position, or
/// to `None` for a key the struct does not have.
#[allow(dead_code)]
pub(crate) trait Fields {
    fn index(key: &str) -> Option<usize>;
}

/// Finds a struct field by its wire name through `F::index`. Generated `Deserialize` impls
/// share this seed instead of each deriving a field-identifier type of its own; being
/// generic, the lookup is inlined into each struct's decoding.
#[allow(dead_code)]
pub(crate) struct FieldIndex<F>(std::marker::PhantomData<F>);

#[allow(dead_code)]
impl<F: Fields> FieldIndex<F> {
    pub(crate) fn new() -> Self {
        FieldIndex(std::marker::PhantomData)
    }
}

impl<'de, F: Fields> serde::de::DeserializeSeed<'de> for FieldIndex<F> {
    type Value = Option<usize>;
    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_identifier(self)
    }
}

impl<F: Fields> serde::de::Visitor<'_> for FieldIndex<F> {
    type Value = Option<usize>;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a field name")
    }
    fn visit_str<E: serde::de::Error>(self, name: &str) -> Result<Self::Value, E> {
        Ok(F::index(name))
    }
    fn visit_bytes<E: serde::de::Error>(self, name: &[u8]) -> Result<Self::Value, E> {
        Ok(std::str::from_utf8(name).ok().and_then(F::index))
    }
}

/// A JSON request body.
#[allow(dead_code)]
pub(crate) fn json_body<T: Serialize + ?Sized>(value: &T) -> Result<Body, Error> {
    serde_json::to_value(value)
        .map(Body::Json)
        .map_err(|e| Error::invalid("body", format!("cannot be serialized as JSON: {e}")))
}

/// Sends a request whose successful response is JSON decoded as `T`. Generic, so the
/// async code is written (and type-checked) once, not once per operation.
#[allow(dead_code)]
pub(crate) fn send_json<T: DeserializeOwned + Send + 'static>(
    client: Client,
    op: &'static Operation,
    req: Result<Request, Error>,
) -> ResponseFuture<T> {
    Box::pin(async move { client.execute(op, req?).await })
}

/// Sends a request whose successful response has no body.
#[allow(dead_code)]
pub(crate) fn send_empty(
    client: Client,
    op: &'static Operation,
    req: Result<Request, Error>,
) -> ResponseFuture<()> {
    Box::pin(async move { client.execute_empty(op, req?).await })
}

/// Sends a request whose successful response is not JSON: the raw body.
#[allow(dead_code)]
pub(crate) fn send_bytes(
    client: Client,
    op: &'static Operation,
    req: Result<Request, Error>,
) -> ResponseFuture<Vec<u8>> {
    Box::pin(async move { client.execute_bytes(op, req?).await })
}

/// Drops the response metadata, keeping the result.
#[allow(dead_code)]
pub(crate) fn into_result<T: Send + 'static>(response: ResponseFuture<T>) -> ResultFuture<T> {
    Box::pin(async move { response.await.map(ApiResponse::into_result) })
}

/// Adds the methods every request builder shares: per-request options, `send()`, and
/// `IntoFuture` so that the builder can be awaited. The builder needs a field
/// `options: RequestOptions` and a method `send_with_response(self) -> ResponseFuture<Out>`.
#[allow(unused_macros)]
macro_rules! request_builder {
    ($builder:ident => $out:ty) => {
        impl $builder {
            /// Sets the timeout of each attempt of this request, overriding the
            /// client's.
            pub fn timeout(mut self, timeout: ::std::time::Duration) -> Self {
                self.options.timeout = ::std::option::Option::Some(timeout);
                self
            }

            /// Sets how many times this request may be retried; 0 disables
            /// retries.
            pub fn max_retries(mut self, max_retries: u32) -> Self {
                self.options.max_retries = ::std::option::Option::Some(max_retries);
                self
            }

            /// Sets the time limit of this call, every attempt and the waits
            /// between them included; see
            /// [`RequestOptions::total_timeout`]($crate::runtime::RequestOptions::total_timeout).
            pub fn total_timeout(mut self, total_timeout: ::std::time::Duration) -> Self {
                self.options.total_timeout = ::std::option::Option::Some(total_timeout);
                self
            }

            /// Sets the largest response body accepted for this request, in bytes; see
            /// [`RequestOptions::max_response_bytes`]($crate::runtime::RequestOptions::max_response_bytes).
            pub fn max_response_bytes(mut self, max_response_bytes: u64) -> Self {
                self.options.max_response_bytes = ::std::option::Option::Some(max_response_bytes);
                self
            }

            /// Adds a header to this request; see
            /// [`RequestOptions::header`]($crate::runtime::RequestOptions::header).
            pub fn header(
                mut self,
                name: impl ::std::convert::Into<::std::string::String>,
                value: impl ::std::convert::Into<::std::string::String>,
            ) -> Self {
                self.options.headers.push((name.into(), value.into()));
                self
            }

            /// Declares whether this request may safely be sent more than once;
            /// see [`RequestOptions::idempotent`]($crate::runtime::RequestOptions::idempotent).
            pub fn idempotent(mut self, idempotent: bool) -> Self {
                self.options.idempotent = ::std::option::Option::Some(idempotent);
                self
            }

            /// Replaces all per-request options.
            pub fn options(mut self, options: $crate::runtime::RequestOptions) -> Self {
                self.options = options;
                self
            }

            /// Sends the request and returns its result. Awaiting the builder
            /// directly does the same.
            pub fn send(self) -> $crate::runtime::ResultFuture<$out> {
                $crate::runtime::private::into_result(self.send_with_response())
            }
        }

        impl ::std::future::IntoFuture for $builder {
            type Output = ::std::result::Result<$out, $crate::runtime::Error>;
            type IntoFuture = $crate::runtime::ResultFuture<$out>;

            fn into_future(self) -> Self::IntoFuture {
                self.send()
            }
        }
    };
}

#[allow(unused_imports)]
pub(crate) use request_builder;

/// `Deserialize` for a generated struct, one invocation per struct:
/// `deserialize_struct!(Name, (0, field, "wire", req), (1, other, "other", opt));` for the
/// model `crate::models::Name`.
///
/// It reads a JSON object (no sequence form), finds each key's field by a `match`, skips
/// unknown keys, rejects a key that comes twice (naming it), reads a missing `opt` field as
/// `None` and names a missing `req` field in the error. Written once here instead of derived
/// per struct: no field-identifier type and no sequence form, so large
/// APIs type-check in far less time and memory. Inside, the model is named by its full path:
/// the local `Visitor` and `Target` would shadow models of those names.
#[allow(unused_macros)]
macro_rules! deserialize_struct {
    ($ty:ident $(, ($index:literal, $field:ident, $wire:literal, $kind:ident))* $(,)?) => {
        impl<'de> ::serde::Deserialize<'de> for $crate::models::$ty {
            fn deserialize<D: ::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::std::result::Result<Self, D::Error> {
                const FIELDS: &[&str] = &[$($wire),*];
                struct Visitor;
                impl $crate::runtime::private::Fields for Visitor {
                    #[inline]
                    fn index(key: &str) -> ::std::option::Option<usize> {
                        match key {
                            $($wire => ::std::option::Option::Some($index),)*
                            _ => ::std::option::Option::None,
                        }
                    }
                }
                impl<'de> ::serde::de::Visitor<'de> for Visitor {
                    type Value = $crate::models::$ty;
                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str(concat!("an object `", stringify!($ty), "`"))
                    }
                    #[allow(unused_mut)]
                    fn visit_map<A: ::serde::de::MapAccess<'de>>(
                        self,
                        mut map: A,
                    ) -> ::std::result::Result<$crate::models::$ty, A::Error> {
                        $(let mut $field = ::std::option::Option::None;)*
                        while let ::std::option::Option::Some(key) =
                            map.next_key_seed($crate::runtime::private::FieldIndex::<Visitor>::new())?
                        {
                            match key {
                                $(::std::option::Option::Some($index) => {
                                    if $field.is_some() {
                                        return ::std::result::Result::Err(
                                            <A::Error as ::serde::de::Error>::duplicate_field($wire),
                                        );
                                    }
                                    $field = ::std::option::Option::Some(map.next_value()?);
                                })*
                                _ => {
                                    map.next_value::<::serde::de::IgnoredAny>()?;
                                }
                            }
                        }
                        // A struct literal needs a name, not a path fragment.
                        type Target = $crate::models::$ty;
                        ::std::result::Result::Ok(Target {
                            $($field: $crate::runtime::private::$kind::<_, A::Error>($field, $wire)?,)*
                        })
                    }
                }
                deserializer.deserialize_struct(stringify!($ty), FIELDS, Visitor)
            }
        }
    };
}

#[allow(unused_imports)]
pub(crate) use deserialize_struct;

/// A field that may be absent: `None` when the key never came (see `deserialize_struct!`).
#[allow(dead_code)]
pub(crate) fn opt<T: Default, E>(value: Option<T>, _wire: &'static str) -> Result<T, E> {
    Ok(value.unwrap_or_default())
}

/// A required field: an error naming it when the key never came.
#[allow(dead_code)]
pub(crate) fn req<T, E: serde::de::Error>(value: Option<T>, wire: &'static str) -> Result<T, E> {
    value.ok_or_else(|| E::missing_field(wire))
}

/// The impls of a generated string enum, which lists its variants and ends in
/// `Unknown(String)`: `as_str`, `Display`, `FromStr` (never fails), and serde impls that
/// read and write the wire text (the `Deserialize` side through [`string_enum`]).
#[allow(unused_macros)]
macro_rules! string_enum_impls {
    ($ty:ident $(, ($variant:ident, $wire:literal))* $(,)?) => {
        impl $crate::models::$ty {
            /// The value as sent on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $wire,)*
                    Self::Unknown(value) => value,
                }
            }

            fn from_wire(value: &str) -> Self {
                match value {
                    $($wire => Self::$variant,)*
                    other => Self::Unknown(other.to_owned()),
                }
            }
        }

        impl ::std::fmt::Display for $crate::models::$ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $crate::models::$ty {
            type Err = ::std::convert::Infallible;
            fn from_str(value: &str) -> ::std::result::Result<Self, Self::Err> {
                ::std::result::Result::Ok(Self::from_wire(value))
            }
        }

        impl ::serde::Serialize for $crate::models::$ty {
            fn serialize<S: ::serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $crate::models::$ty {
            fn deserialize<D: ::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::std::result::Result<Self, D::Error> {
                $crate::runtime::private::string_enum(deserializer, Self::from_wire)
            }
        }
    };
}

#[allow(unused_imports)]
pub(crate) use string_enum_impls;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_enums_read_text_only() {
        let len = |text: &str| text.len();
        let from_value = string_enum(Value::from("four"), len).unwrap();
        assert_eq!(from_value, 4);
        let mut de = serde_json::Deserializer::from_str(r#""a\"b""#);
        assert_eq!(string_enum(&mut de, len).unwrap(), 3);
        let err = string_enum(Value::from(7), len).unwrap_err().to_string();
        assert!(err.contains("a string"), "{err}");
    }

    #[test]
    fn length_checks() {
        assert!(check_length("id", "abc", Some(1), Some(3)).is_ok());
        assert!(
            check_length("id", "ééé", None, Some(3)).is_ok(),
            "counts characters, not bytes"
        );
        let err = check_length("id", "abcd", None, Some(3)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid argument `id`: must be at most 3 characters long (got 4)"
        );
        let err = check_length("id", "", Some(1), None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid argument `id`: must be at least 1 character long (got 0)"
        );
        assert!(check_length("id", "", None, None).is_ok());
    }

    #[test]
    fn range_checks() {
        assert!(check_range("per_page", 5.0, Some(5.0), Some(50.0)).is_ok());
        assert!(check_range("per_page", 50.0, Some(5.0), Some(50.0)).is_ok());
        let err = check_range("per_page", 51.0, Some(5.0), Some(50.0)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid argument `per_page`: must be at most 50 (got 51)"
        );
        let err = check_range("page", 0.0, Some(1.0), None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid argument `page`: must be at least 1 (got 0)"
        );
        let err = check_range("ratio", 0.25, Some(0.5), None).unwrap_err();
        assert!(err.to_string().ends_with("must be at least 0.5 (got 0.25)"));
        assert!(check_range("x", f64::NAN, None, None).is_err());
        assert!(check_range("x", -1e300, None, None).is_ok());
    }

    #[test]
    fn query_values() {
        #[derive(Serialize)]
        #[serde(rename_all = "snake_case")]
        enum Status {
            PendingRevocation,
        }
        assert_eq!(
            query_value("s", &Status::PendingRevocation).unwrap(),
            "pending_revocation"
        );
        assert_eq!(query_value("s", "a b").unwrap(), "a b");
        assert_eq!(query_value("n", &20u32).unwrap(), "20");
        assert_eq!(query_value("n", &-3i64).unwrap(), "-3");
        assert_eq!(query_value("f", &1.5f64).unwrap(), "1.5");
        assert_eq!(query_value("b", &true).unwrap(), "true");
        assert_eq!(query_value("b", &false).unwrap(), "false");
        assert!(query_value("v", &[1, 2]).is_err());
        assert!(query_value("v", &Option::<u8>::None).is_err());
        assert!(matches!(
            query_value("v", &f64::NAN),
            Err(Error::InvalidArgument { name: "v", .. })
        ));
    }

    #[test]
    fn json_bodies() {
        match json_body(&serde_json::json!({"csr": "x", "validity_days": 3650})).unwrap() {
            Body::Json(v) => assert_eq!(v["validity_days"], 3650),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn methods() {
        assert!(HttpMethod::Get.is_idempotent() && HttpMethod::Delete.is_idempotent());
        assert!(!HttpMethod::Post.is_idempotent() && !HttpMethod::Patch.is_idempotent());
        assert_eq!(HttpMethod::Patch.to_reqwest(), reqwest::Method::PATCH);
    }
}
