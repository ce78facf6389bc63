//! Identifier newtypes and conversions between string enums, generated as one macro
//! invocation each so the models stay small.

/// The impls of an identifier newtype `struct Name(String)` (a path parameter's type):
/// built with `new` only, so a plain string or another kind of identifier cannot be
/// passed where this one is expected; read with `as_str`, `Display` or `into_string`;
/// serialized as the bare string.
#[allow(unused_macros)]
macro_rules! id_impls {
    ($ty:ident) => {
        impl $ty {
            /// Wraps an identifier value (as the API returns it or as you stored it).
            pub fn new(value: impl ::std::convert::Into<::std::string::String>) -> Self {
                Self(value.into())
            }

            /// The identifier as sent in the path.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The identifier's text, unwrapped.
            pub fn into_string(self) -> ::std::string::String {
                self.0
            }
        }

        impl ::std::fmt::Debug for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_tuple(stringify!($ty)).field(&self.0).finish()
            }
        }

        impl ::std::fmt::Display for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl ::std::convert::AsRef<str> for $ty {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl ::std::convert::From<$ty> for ::std::string::String {
            fn from(value: $ty) -> Self {
                value.0
            }
        }

        impl ::std::convert::From<&$ty> for ::std::string::String {
            fn from(value: &$ty) -> Self {
                value.0.clone()
            }
        }

        impl ::std::convert::From<&$ty> for $ty {
            fn from(value: &$ty) -> Self {
                value.clone()
            }
        }

        impl ::std::cmp::PartialEq<str> for $ty {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl ::std::cmp::PartialEq<&str> for $ty {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl ::serde::Serialize for $ty {
            fn serialize<S: ::serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $ty {
            fn deserialize<D: ::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::std::result::Result<Self, D::Error> {
                <::std::string::String as ::serde::Deserialize>::deserialize(deserializer).map(Self)
            }
        }
    };
}

#[allow(unused_imports)]
pub(crate) use id_impls;

/// `From<Narrow> for Wide` between two string enums whose wire values nest (a status and
/// the filter that also accepts `all`): every value of the narrow enum, its `Unknown`
/// included, becomes the wide enum's value with the same wire text.
#[allow(unused_macros)]
macro_rules! string_enum_from {
    ($narrow:ident => $wide:ident) => {
        impl ::std::convert::From<$narrow> for $wide {
            fn from(value: $narrow) -> Self {
                <$wide as ::std::str::FromStr>::from_str(value.as_str())
                    .unwrap_or_else(|never| match never {})
            }
        }
    };
}

#[allow(unused_imports)]
pub(crate) use string_enum_from;

#[cfg(test)]
mod tests {
    #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
    pub struct ThingId(String);
    id_impls!(ThingId);

    #[test]
    fn an_identifier_is_its_string_on_the_wire_and_in_text() {
        let id = ThingId::new("0123abc");
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"0123abc\"");
        let back: ThingId = serde_json::from_str("\"0123abc\"").unwrap();
        assert!(back == id && id == "0123abc");
        assert_eq!(format!("{id} {id:?}"), "0123abc ThingId(\"0123abc\")");
        assert_eq!(String::from(id.clone()), id.into_string());
        assert!(serde_json::from_str::<ThingId>("12").is_err());
    }
}
