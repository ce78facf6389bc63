//! The names most programs need, in one import: `use <crate>::prelude::*;` brings the
//! client and its builder, credentials, the error types, request options, and the stream
//! traits that `stream()` results are read with (`try_next`, `next`, `try_collect`).

pub use super::client::{Client, ClientBuilder};
pub use super::credentials::Credentials;
pub use super::error::{ApiError, Error, ErrorKind};
pub use super::options::RequestOptions;
pub use futures_util::{Stream, StreamExt, TryStreamExt};
