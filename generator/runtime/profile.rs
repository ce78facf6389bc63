//! What the runtime knows about the API as a whole: base URL, credentials and envelope,
//! emitted once per crate as `crate::PROFILE`.

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
    /// Whether every operation requires credentials: a client built without
    /// them fails unless `ClientBuilder::without_credentials` says so.
    pub requires_credentials: bool,
}

/// One way to authenticate, made of one or more headers.
#[derive(Debug)]
pub(crate) struct CredentialSet {
    pub name: &'static str,
    pub parts: &'static [CredentialPart],
}

/// One part of a credential set, and the environment variable holding it.
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
    /// An API key in the query string.
    Query {
        name: &'static str,
        env: Option<&'static str>,
    },
    /// An API key in a cookie.
    Cookie {
        name: &'static str,
        env: Option<&'static str>,
    },
    /// HTTP basic authentication; its variable holds `username:password`.
    Basic {
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
