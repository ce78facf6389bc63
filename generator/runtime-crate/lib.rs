//! The runtime of every generated client, compiled where it lives: `generator/runtime/`
//! is included here as the module `runtime`, beside a stand-in for the two things each
//! generated crate adds around it (its `PROFILE` and its `models` module), so that
//! `cargo test -p apigen-runtime` runs the runtime's unit tests and clippy lints it
//! without generating a crate first. The generator embeds the same files verbatim.

#![forbid(unsafe_code)]
#![allow(dead_code, unreachable_pub)]

#[path = "../runtime/mod.rs"]
mod runtime;

pub use runtime::*;

/// A profile shaped like the Cloudflare one, which the runtime's tests exercise.
pub(crate) static PROFILE: runtime::private::Profile = runtime::private::Profile {
    default_base_url: "https://api.example.com/client/v4",
    base_url_env: Some("APIGEN_RUNTIME_TEST_BASE_URL"),
    credential_sets: &[runtime::private::CredentialSet {
        name: "api_token",
        parts: &[runtime::private::CredentialPart::Bearer {
            env: Some("APIGEN_RUNTIME_TEST_TOKEN"),
        }],
    }],
    envelope: runtime::private::Envelope::CloudflareV4,
    request_id_header: Some("cf-ray"),
    requires_credentials: true,
};

/// Where the runtime's model macros expect generated models.
pub mod models {}
