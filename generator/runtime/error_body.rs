//! Typed error bodies: the schema an operation declares for an unsuccessful status
//! (`404`, `4XX`, `default`), decoded when the server answers with it and reachable from
//! the error with [`ApiError::body_as`](super::ApiError::body_as).

use std::any::Any;
use std::fmt;
use std::sync::Arc;

use reqwest::StatusCode;
use serde::de::DeserializeOwned;

use super::error::Error;

/// One declared error response of an operation: its status key and how to decode its
/// body. Generated statics list them as `rt::error::<Model>("4XX")`.
#[derive(Clone, Copy)]
pub(crate) struct ErrorBody {
    /// The status key as the spec writes it: `404`, `4XX` or `default`.
    pub status: &'static str,
    decode: fn(&[u8]) -> Option<TypedBody>,
}

impl ErrorBody {
    /// The error body of `status`, decoded as `T`.
    #[allow(dead_code)]
    pub(crate) const fn of<T>(status: &'static str) -> ErrorBody
    where
        T: DeserializeOwned + fmt::Debug + Send + Sync + 'static,
    {
        ErrorBody {
            status,
            decode: decode::<T>,
        }
    }

    /// How closely this entry matches `status`: an exact code beats a range, which
    /// beats `default`; `None` when it does not match at all.
    fn rank(&self, status: StatusCode) -> Option<u8> {
        super::statuses::status_rank(self.status, status)
    }
}

/// The error body of `status`, decoded as `T` (what generated statics call).
#[allow(dead_code)]
pub(crate) const fn error<T>(status: &'static str) -> ErrorBody
where
    T: DeserializeOwned + fmt::Debug + Send + Sync + 'static,
{
    ErrorBody::of::<T>(status)
}

impl fmt::Debug for ErrorBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ErrorBody")
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

fn decode<T>(body: &[u8]) -> Option<TypedBody>
where
    T: DeserializeOwned + fmt::Debug + Send + Sync + 'static,
{
    let value: T = serde_json::from_slice(body).ok()?;
    Some(TypedBody(Arc::new(value)))
}

/// What a declared error body decodes to, kept in the [`ApiError`](super::ApiError).
#[derive(Clone)]
pub(crate) struct TypedBody(Arc<dyn Typed>);

trait Typed: Any + fmt::Debug + Send + Sync {
    fn as_any(&self) -> &dyn Any;
}

impl<T: Any + fmt::Debug + Send + Sync> Typed for T {
    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl TypedBody {
    pub(crate) fn downcast<T: 'static>(&self) -> Option<&T> {
        // Through the `dyn`: `Arc<dyn Typed>` is itself `Typed`, and would answer for itself.
        (*self.0).as_any().downcast_ref()
    }
}

impl fmt::Debug for TypedBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Two typed bodies are decoded from their errors' bodies, which the errors compare.
impl PartialEq for TypedBody {
    fn eq(&self, other: &TypedBody) -> bool {
        (*self.0).as_any().type_id() == (*other.0).as_any().type_id()
    }
}

/// Decodes the body of an API error as the operation declares it for its status, when
/// it declares one; a body that does not match the schema leaves the error untyped
/// (its bytes are still there).
pub(crate) fn attach(declared: &[ErrorBody], error: Error) -> Error {
    let Error::Api(mut api) = error else {
        return error;
    };
    let best = declared
        .iter()
        .filter_map(|e| Some((e.rank(api.status)?, e)))
        .min_by_key(|(rank, _)| *rank);
    if let Some((_, entry)) = best {
        api.typed = (entry.decode)(&api.body);
    }
    Error::Api(api)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    struct NotFound {
        missing: String,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Problem {
        title: String,
    }

    fn api_error(status: u16, body: &str) -> Error {
        Error::Api(Box::new(super::super::error::ApiError {
            status: StatusCode::from_u16(status).unwrap(),
            errors: Vec::new(),
            messages: Vec::new(),
            request_id: None,
            retry_after: None,
            body_excerpt: None,
            headers: Default::default(),
            body: body.as_bytes().to_vec(),
            typed: None,
        }))
    }

    const DECLARED: &[ErrorBody] = &[
        ErrorBody::of::<Problem>("default"),
        ErrorBody::of::<Problem>("4XX"),
        ErrorBody::of::<NotFound>("404"),
    ];

    #[test]
    fn the_most_specific_status_key_decides_the_type() {
        let e = attach(DECLARED, api_error(404, r#"{"missing":"zone"}"#));
        let found = e.body_as::<NotFound>().expect("typed as the 404 schema");
        assert_eq!(found.missing, "zone");
        assert!(e.body_as::<Problem>().is_none());

        let e = attach(DECLARED, api_error(409, r#"{"title":"conflict"}"#));
        assert_eq!(e.body_as::<Problem>().unwrap().title, "conflict");

        let e = attach(DECLARED, api_error(503, r#"{"title":"down"}"#));
        assert_eq!(e.body_as::<Problem>().unwrap().title, "down");
    }

    #[test]
    fn a_body_that_breaks_the_schema_stays_untyped_with_its_bytes() {
        let e = attach(DECLARED, api_error(404, r#"{"title":"not the 404 shape"}"#));
        assert!(e.body_as::<NotFound>().is_none());
        let api = e.api_error().unwrap();
        assert_eq!(api.body(), br#"{"title":"not the 404 shape"}"#);
        // Any type can still be asked for from the bytes.
        let problem: Problem = api.decode_body().unwrap();
        assert_eq!(problem.title, "not the 404 shape");
    }

    #[test]
    fn undeclared_statuses_and_other_errors_are_left_alone() {
        let only_404 = &[ErrorBody::of::<NotFound>("404")];
        let e = attach(only_404, api_error(500, r#"{"missing":"x"}"#));
        assert!(e.body_as::<NotFound>().is_none());
        let e = attach(
            DECLARED,
            Error::InvalidArgument {
                name: "x",
                reason: "y".into(),
            },
        );
        assert!(matches!(e, Error::InvalidArgument { .. }));
    }

    #[test]
    fn status_keys_match_as_the_spec_writes_them() {
        let ok = StatusCode::from_u16(422).unwrap();
        assert_eq!(ErrorBody::of::<Problem>("422").rank(ok), Some(0));
        assert_eq!(ErrorBody::of::<Problem>("4xx").rank(ok), Some(1));
        assert_eq!(ErrorBody::of::<Problem>("DEFAULT").rank(ok), Some(2));
        assert_eq!(ErrorBody::of::<Problem>("5XX").rank(ok), None);
        assert_eq!(ErrorBody::of::<Problem>("404").rank(ok), None);
        assert_eq!(ErrorBody::of::<Problem>("XXX").rank(ok), None);
    }
}
