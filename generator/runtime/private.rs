//! The contract between the runtime and the generated code: what generated code may name,
//! re-exported from the modules that define it. Nothing here is public API.

#[cfg(feature = "blocking")]
#[allow(unused_imports)]
pub(crate) use super::blocking::{block_on_call, iter_blocking};
#[allow(unused_imports)]
pub(crate) use super::error_body::{ErrorBody, error};
#[allow(unused_imports)]
pub(crate) use super::events::{send_download, send_events, send_text_events};
#[allow(unused_imports)]
pub(crate) use super::id::{id_impls, string_enum_from};
#[allow(unused_imports)]
pub(crate) use super::macros::{
    FieldIndex, Fields, deserialize_struct, opt, req, request_builder, string_enum,
    string_enum_impls,
};
#[cfg(feature = "mock")]
#[allow(unused_imports)]
pub(crate) use super::mock::{MockCall, MockReply, reply as mock_reply};
#[allow(unused_imports)]
pub(crate) use super::params::{Location, Param};
#[allow(unused_imports)]
pub(crate) use super::profile::{CredentialPart, CredentialSet, Envelope, Profile};
#[allow(unused_imports)]
pub(crate) use super::request::{
    Body, BodyKind, Call, Encoding, EncodingStyle, HttpMethod, Operation, Request, Wrap, call,
    first_page, into_result, pages, send_bytes, send_empty, send_json, send_raw, stream,
};
#[allow(unused_imports)]
pub(crate) use super::statuses::{
    FromStatus, best_status, json, key_status, reply_body, send_status, status_response,
};
