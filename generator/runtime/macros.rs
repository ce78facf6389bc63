//! The macros generated code invokes, one invocation per request builder, struct or
//! string enum, and the helpers their expansions call. Written once here so that the
//! generated code stays short and type-checks fast.

/// A request builder, one invocation per operation:
/// `request_builder!(GetRequest => Out, send_json);`, or with `stream Item` after
/// `send_json` for a paginated list. It defines the builder (a newtype over
/// [`Call`](super::request::Call), which the operation's method creates and turns into the
/// builder with [`Call::wrap`](super::request::Call::wrap)) with the methods every builder
/// shares: per-request options, `send()`, `send_with_response()`, `stream()` for lists,
/// and `IntoFuture`, so that the builder can be awaited.
///
/// The typed setters of the operation's optional parameters and body follow the header
/// after a `;`, one line each, `name: Type = how(argument);`, with their docs:
/// - `arg(i)` sets parameter `i` of the operation's `static` (`arg_str(i)` for text);
/// - `field("wire")` sets a field of the JSON or form body (`file("wire")`: a file part);
/// - `body()` sets the whole body (`bytes()`: raw bytes).
#[allow(unused_macros)]
macro_rules! request_builder {
    // A response of bytes can also be read as it arrives.
    ($builder:ident => $out:ty, send_bytes $(; $($setters:tt)*)?) => {
        $crate::runtime::private::request_builder!(@builder $builder => $out, send_bytes);
        $crate::runtime::private::request_builder!(@setters $builder; $($($setters)*)?);

        impl $builder {
            /// Sends the request and returns the body as it arrives, a chunk at a
            /// time (for large files: memory does not grow with the body's length,
            /// and `max_response_bytes` does not apply); each chunk must arrive within
            /// the request's `timeout` of the one before.
            pub fn download(self) -> $crate::runtime::ResultFuture<$crate::runtime::ByteStream> {
                $crate::runtime::private::into_result($crate::runtime::private::send_download(
                    self.0,
                ))
            }
        }
    };
    ($builder:ident => $out:ty, $send:ident $(, stream $item:ty)? $(; $($setters:tt)*)?) => {
        $crate::runtime::private::request_builder!(@builder $builder => $out, $send $(, stream $item)?);
        $crate::runtime::private::request_builder!(@setters $builder; $($($setters)*)?);
    };
    (@setters $builder:ident;) => {};
    (@setters $builder:ident; $($(#[$meta:meta])* $name:ident: $ty:ty = $how:ident($($arg:literal)?);)+) => {
        impl $builder {
            $(
                $(#[$meta])*
                pub fn $name(self, value: $ty) -> Self {
                    Self($crate::runtime::private::request_builder!(@set self.0, value, $how($($arg)?)))
                }
            )+
        }
    };
    (@set $call:expr, $value:ident, arg($index:literal)) => { $call.arg($index, &$value) };
    (@set $call:expr, $value:ident, arg_str($index:literal)) => { $call.arg_str($index, $value) };
    (@set $call:expr, $value:ident, field($wire:literal)) => { $call.body_field($wire, &$value) };
    (@set $call:expr, $value:ident, file($wire:literal)) => {
        $call.body_field($wire, &$value.into())
    };
    (@set $call:expr, $value:ident, body()) => { $call.body(&$value) };
    (@set $call:expr, $value:ident, bytes()) => { $call.body_bytes($value) };
    (@builder $builder:ident => $out:ty, $send:ident $(, stream $item:ty)?) => {
        /// A request: set optional parameters, then `.await` it, or call `send` or
        /// `send_with_response`.
        $(
            #[doc = concat!(
                "\n\n`stream` yields every item (`", stringify!($item), "`) of every page."
            )]
        )?
        #[derive(Debug, Clone)]
        #[must_use = "a request does nothing until it is awaited or sent"]
        pub struct $builder($crate::runtime::private::Call);

        impl $crate::runtime::private::Wrap for $builder {
            fn wrap(call: $crate::runtime::private::Call) -> Self {
                Self(call)
            }
        }

        impl $builder {
            /// Sets the timeout of each attempt of this request, overriding the
            /// client's.
            pub fn timeout(mut self, timeout: ::std::time::Duration) -> Self {
                self.0.options.timeout = ::std::option::Option::Some(timeout);
                self
            }

            /// Sets the time limit of this call, every attempt and the waits
            /// between them included; see
            /// [`RequestOptions::total_timeout`]($crate::runtime::RequestOptions::total_timeout).
            pub fn total_timeout(mut self, total_timeout: ::std::time::Duration) -> Self {
                self.0.options.total_timeout = ::std::option::Option::Some(total_timeout);
                self
            }

            /// Sets how many times this request may be retried; 0 disables
            /// retries.
            pub fn max_retries(mut self, max_retries: u32) -> Self {
                self.0.options.max_retries = ::std::option::Option::Some(max_retries);
                self
            }

            /// Sets the largest response body accepted for this request, in bytes; see
            /// [`RequestOptions::max_response_bytes`]($crate::runtime::RequestOptions::max_response_bytes).
            pub fn max_response_bytes(mut self, max_response_bytes: u64) -> Self {
                self.0.options.max_response_bytes = ::std::option::Option::Some(max_response_bytes);
                self
            }

            /// Adds a header to this request; see
            /// [`RequestOptions::header`]($crate::runtime::RequestOptions::header).
            pub fn header(
                mut self,
                name: impl ::std::convert::Into<::std::string::String>,
                value: impl ::std::convert::Into<::std::string::String>,
            ) -> Self {
                self.0.options.headers.push((name.into(), value.into()));
                self
            }

            /// Declares whether this request may safely be sent more than once;
            /// see [`RequestOptions::idempotent`]($crate::runtime::RequestOptions::idempotent).
            pub fn idempotent(mut self, idempotent: bool) -> Self {
                self.0.options.idempotent = ::std::option::Option::Some(idempotent);
                self
            }

            /// Adds a query parameter the operation does not declare; see
            /// [`RequestOptions::extra_query`]($crate::runtime::RequestOptions::extra_query).
            pub fn extra_query(
                mut self,
                name: impl ::std::convert::Into<::std::string::String>,
                value: impl ::std::convert::Into<::std::string::String>,
            ) -> Self {
                self.0.options.extra_query.push((name.into(), value.into()));
                self
            }

            /// Sets a JSON body field the operation does not declare; see
            /// [`RequestOptions::extra_body_field`]($crate::runtime::RequestOptions::extra_body_field).
            pub fn extra_body_field(
                mut self,
                name: impl ::std::convert::Into<::std::string::String>,
                value: ::serde_json::Value,
            ) -> Self {
                self.0.options.extra_body.insert(name.into(), value);
                self
            }

            /// Sends the typed body as `media_type`, another of the media types the
            /// operation declares for it (its docs list them); an undeclared type fails
            /// the call with `Error::InvalidArgument`. A type the client cannot encode
            /// (XML, say) is sent with `raw_body`.
            pub fn media_type(self, media_type: &str) -> Self {
                Self(self.0.media_type(media_type))
            }

            /// Sends `bytes` as the request body with this `Content-Type`, in place of
            /// the typed body: an escape hatch for media types the client does not
            /// encode.
            pub fn raw_body(
                self,
                content_type: impl ::std::convert::Into<::std::string::String>,
                bytes: impl ::std::convert::Into<::std::vec::Vec<u8>>,
            ) -> Self {
                Self(self.0.raw_body(content_type.into(), bytes.into()))
            }

            /// Replaces all per-request options.
            pub fn options(mut self, options: $crate::runtime::RequestOptions) -> Self {
                self.0.options = options;
                self
            }

            /// Sends the request; returns the result with the response's status, headers
            /// and envelope metadata.
            pub fn send_with_response(self) -> $crate::runtime::ResponseFuture<$out> {
                $crate::runtime::private::$send(self.0)
            }

            /// Sends the request; returns the response as received (status, headers, body
            /// bytes), whatever its status, with every field the server sent.
            pub fn send_raw(self) -> $crate::runtime::RawFuture {
                $crate::runtime::private::send_raw(self.0)
            }

            /// Sends the request and returns its result. Awaiting the builder
            /// directly does the same.
            pub fn send(self) -> $crate::runtime::ResultFuture<$out> {
                $crate::runtime::private::into_result(self.send_with_response())
            }

            $(
                /// Every item of every page, fetched page by page as the stream is polled.
                ///
                /// Starts at the page set with `page` (or the first) and keeps the other
                /// parameters; each page request is retried on its own.
                pub fn stream(self) -> $crate::runtime::PageStream<$item> {
                    $crate::runtime::private::stream(self.0)
                }

                /// Every page, fetched one at a time as the stream is polled, each with
                /// its `result_info`, status and headers.
                pub fn pages(self) -> $crate::runtime::Pages<$item> {
                    $crate::runtime::private::pages(self.0)
                }

                /// The first page (the one set with `page`, or page 1), from which
                /// `next_page()` goes on.
                pub fn first_page(self) -> $crate::runtime::PageFuture<$item> {
                    $crate::runtime::private::first_page(self.0)
                }
            )?
        }

        impl ::std::future::IntoFuture for $builder {
            type Output = ::std::result::Result<$out, $crate::runtime::Error>;
            type IntoFuture = $crate::runtime::ResultFuture<$out>;

            fn into_future(self) -> Self::IntoFuture {
                self.send()
            }
        }

        #[cfg(feature = "blocking")]
        impl $builder {
            /// Sends the request and waits for its result, without an async runtime (on
            /// the client's own; see the crate's `blocking` feature).
            pub fn send_blocking(self) -> ::std::result::Result<$out, $crate::runtime::Error> {
                self.send_with_response_blocking()
                    .map($crate::runtime::ApiResponse::into_result)
            }

            /// Sends the request and waits for the result with the response's status,
            /// headers and envelope metadata, without an async runtime.
            pub fn send_with_response_blocking(
                self,
            ) -> ::std::result::Result<$crate::runtime::ApiResponse<$out>, $crate::runtime::Error>
            {
                $crate::runtime::private::block_on_call(self.0, $crate::runtime::private::$send)
            }

            $(
                /// Every item of every page, fetched page by page as the iterator is
                /// advanced, without an async runtime: the blocking form of `stream`.
                pub fn iter_blocking(self) -> $crate::runtime::PageIter<$item> {
                    $crate::runtime::private::iter_blocking(self.0)
                }
            )?
        }

        #[cfg(feature = "mock")]
        impl $crate::runtime::MockOperation for $builder {
            type Output = $out;

            fn mock_call(self) -> $crate::runtime::private::MockCall {
                $crate::runtime::private::MockCall(self.0)
            }

            fn mock_reply(output: $out) -> $crate::runtime::private::MockReply {
                $crate::runtime::private::mock_reply::$send(output)
            }
        }

        $(
            #[cfg(feature = "mock")]
            impl $crate::runtime::MockList for $builder {
                type Item = $item;
            }
        )?
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
    fn deserialize<D: serde::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

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
}
