//! Credentials sent with every request, and the lookup of them in the
//! environment.

use std::fmt;

use reqwest::header::{HeaderName, HeaderValue};

use super::error::Error;
use super::profile::{CredentialPart, CredentialSet};

/// What authenticates every request: headers (a bearer token, HTTP basic
/// authentication, API keys, cookies) and API keys in the query string.
///
/// Values are secrets: they never appear in `Debug` output, errors or logs,
/// and headers are marked sensitive so HTTP/2 header compression never
/// indexes them.
#[derive(Clone, Default)]
pub struct Credentials {
    headers: Vec<(String, String)>,
    query: Vec<(String, String)>,
}

impl Credentials {
    /// An `Authorization: Bearer <token>` header.
    pub fn bearer(token: impl Into<String>) -> Self {
        Credentials::default().and_bearer(token)
    }

    /// An arbitrary header, such as `X-Auth-Key`.
    pub fn header(name: impl Into<String>, value: impl Into<String>) -> Self {
        Credentials::default().and_header(name, value)
    }

    /// Adds an `Authorization: Bearer <token>` header.
    pub fn and_bearer(self, token: impl Into<String>) -> Self {
        self.and_header("Authorization", format!("Bearer {}", token.into()))
    }

    /// Adds another header, replacing one of the same name.
    pub fn and_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        let name = name.into();
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(&name));
        self.headers.push((name, value.into()));
        self
    }

    /// An `Authorization: Basic …` header (HTTP basic authentication).
    pub fn basic(username: impl Into<String>, password: impl Into<String>) -> Self {
        Credentials::default().and_basic(username, password)
    }

    /// Adds an `Authorization: Basic …` header.
    pub fn and_basic(self, username: impl Into<String>, password: impl Into<String>) -> Self {
        let pair = format!("{}:{}", username.into(), password.into());
        self.and_header(
            "Authorization",
            format!("Basic {}", base64(pair.as_bytes())),
        )
    }

    /// An API key sent as the query parameter `name` of every request.
    pub fn query(name: impl Into<String>, value: impl Into<String>) -> Self {
        Credentials::default().and_query(name, value)
    }

    /// Adds an API key sent in the query, replacing one of the same name.
    pub fn and_query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        let name = name.into();
        self.query.retain(|(n, _)| *n != name);
        self.query.push((name, value.into()));
        self
    }

    /// An API key sent as the cookie `name` of every request.
    pub fn cookie(name: impl Into<String>, value: impl Into<String>) -> Self {
        Credentials::default().and_cookie(name, value)
    }

    /// Adds a cookie to the `Cookie` header (`a=1; b=2`), replacing one of the
    /// same name.
    pub fn and_cookie(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        let name = name.into();
        let mut cookies: Vec<String> = Vec::new();
        if let Some(at) = self
            .headers
            .iter()
            .position(|(n, _)| n.eq_ignore_ascii_case("cookie"))
        {
            let (_, existing) = self.headers.remove(at);
            cookies.extend(
                existing
                    .split("; ")
                    .filter(|c| c.split_once('=').is_none_or(|(n, _)| n != name))
                    .map(str::to_owned),
            );
        }
        cookies.push(format!("{name}={}", value.into()));
        self.headers.push(("Cookie".to_owned(), cookies.join("; ")));
        self
    }

    /// Whether nothing is set.
    pub fn is_empty(&self) -> bool {
        self.headers.is_empty() && self.query.is_empty()
    }

    /// Names of the headers these credentials set.
    pub fn header_names(&self) -> impl Iterator<Item = &str> {
        self.headers.iter().map(|(n, _)| n.as_str())
    }

    /// The query parameters these credentials add, with their values.
    pub(crate) fn query_pairs(&self) -> &[(String, String)] {
        &self.query
    }

    /// Credentials made of the parts of a credential set, `values` giving the
    /// secret of each part in order.
    pub(crate) fn from_profile_parts(parts: &[CredentialPart], values: &[String]) -> Credentials {
        parts
            .iter()
            .zip(values)
            .fold(Credentials::default(), |creds, (part, value)| match part {
                CredentialPart::Bearer { .. } => creds.and_bearer(value.as_str()),
                CredentialPart::Header { name, .. } => creds.and_header(*name, value.as_str()),
                CredentialPart::Query { name, .. } => creds.and_query(*name, value.as_str()),
                CredentialPart::Cookie { name, .. } => creds.and_cookie(*name, value.as_str()),
                // Read from one variable as `username:password`.
                CredentialPart::Basic { .. } => {
                    let (user, password) = value.split_once(':').unwrap_or((value, ""));
                    creds.and_basic(user, password)
                }
            })
    }

    /// Validated, sensitive header pairs, ready to send.
    pub(crate) fn to_header_pairs(&self) -> Result<Vec<(HeaderName, HeaderValue)>, Error> {
        self.headers
            .iter()
            .map(|(name, value)| {
                let header = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
                    Error::configuration(format!("credential header name {name:?} is not a valid HTTP header name"))
                })?;
                let mut value = HeaderValue::from_str(value).map_err(|_| {
                    Error::configuration(format!(
                        "the value of credential header {name:?} contains characters not allowed in HTTP headers"
                    ))
                })?;
                value.set_sensitive(true);
                Ok((header, value))
            })
            .collect()
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for (name, _) in &self.headers {
            map.entry(name, &"<redacted>");
        }
        for (name, _) in &self.query {
            map.entry(&format!("?{name}"), &"<redacted>");
        }
        map.finish()
    }
}

/// The credentials of the first set whose every part has a non-empty
/// environment variable, looked up with `lookup`.
pub(crate) fn credentials_from_env(
    sets: &[CredentialSet],
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<Option<Credentials>, Error> {
    if sets.is_empty() {
        return Ok(None);
    }
    let env_of = |part: &CredentialPart| match part {
        CredentialPart::Bearer { env }
        | CredentialPart::Basic { env }
        | CredentialPart::Header { env, .. }
        | CredentialPart::Query { env, .. }
        | CredentialPart::Cookie { env, .. } => *env,
    };
    let read = |name: &str| {
        lookup(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let mut alternatives = Vec::new();
    let mut partial = Vec::new();
    for set in sets {
        let Some(vars) = set.parts.iter().map(env_of).collect::<Option<Vec<_>>>() else {
            continue;
        };
        let values: Vec<Option<String>> = vars.iter().map(|v| read(v)).collect();
        if values.iter().all(Option::is_some) {
            let values: Vec<String> = values.into_iter().flatten().collect();
            return Ok(Some(Credentials::from_profile_parts(set.parts, &values)));
        }
        if values.iter().any(Option::is_some) {
            let missing: Vec<&str> = vars
                .iter()
                .zip(&values)
                .filter(|(_, v)| v.is_none())
                .map(|(n, _)| *n)
                .collect();
            partial.push(format!(
                "{} for the {} credentials",
                join(&missing, ", ", " and "),
                set.name
            ));
        }
        alternatives.push(join(&vars, ", ", " and "));
    }
    if alternatives.is_empty() {
        return Err(Error::configuration(
            "no credentials can be read from the environment; use Client::builder()",
        ));
    }
    let mut message = format!(
        "no credentials in the environment: set {}",
        alternatives.join(", or ")
    );
    if !partial.is_empty() {
        message.push_str(&format!(" (missing {})", partial.join("; ")));
    }
    Err(Error::configuration(message))
}

/// Standard base64 with padding (RFC 4648), for basic authentication.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The error of building a client without credentials for an API whose
/// operations all require them: names the constructors, the environment
/// variables and the opt-out.
pub(crate) fn missing_credentials(sets: &[CredentialSet]) -> Error {
    let constructors: Vec<String> = sets
        .iter()
        .map(|set| format!("Credentials::{}", set.name))
        .collect();
    let constructors: Vec<&str> = constructors.iter().map(String::as_str).collect();
    let env: Vec<String> = sets
        .iter()
        .filter_map(|set| {
            let vars: Option<Vec<&str>> = set
                .parts
                .iter()
                .map(|part| match part {
                    CredentialPart::Bearer { env }
                    | CredentialPart::Basic { env }
                    | CredentialPart::Header { env, .. }
                    | CredentialPart::Query { env, .. }
                    | CredentialPart::Cookie { env, .. } => *env,
                })
                .collect();
            Some(join(&vars?, ", ", " and "))
        })
        .collect();
    let mut message = format!(
        "no credentials: this API requires them for its operations; pass {} to \
         ClientBuilder::credentials (or Client::new)",
        join(&constructors, ", ", " or ")
    );
    if !env.is_empty() {
        message.push_str(&format!(
            ", or set {} and use Client::from_env()",
            env.join(", or ")
        ));
    }
    message.push_str(
        "; for a test server or a proxy that adds them, opt out with \
         ClientBuilder::without_credentials()",
    );
    Error::configuration(message)
}

fn join(items: &[&str], sep: &str, last: &str) -> String {
    match items {
        [] => String::new(),
        [only] => (*only).to_owned(),
        [init @ .., tail] => format!("{}{last}{tail}", init.join(sep)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_query_and_cookie_credentials() {
        assert_eq!(
            base64(b"Aladdin:open sesame"),
            "QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
        );
        assert_eq!(base64(b"a"), "YQ==");
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(base64(b""), "");
        let c = Credentials::basic("Aladdin", "open sesame")
            .and_query("api_key", "k1")
            .and_cookie("session", "s1")
            .and_cookie("theme", "dark")
            .and_cookie("session", "s2")
            .and_query("api_key", "k2");
        let pairs = c.to_header_pairs().unwrap();
        assert_eq!(pairs[0].1, "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
        assert_eq!(pairs[1].1, "theme=dark; session=s2");
        assert!(pairs.iter().all(|(_, v)| v.is_sensitive()));
        assert_eq!(c.query_pairs(), &[("api_key".to_owned(), "k2".to_owned())]);
        let debug = format!("{c:?}");
        assert!(!debug.contains("k2") && !debug.contains("s2") && debug.contains("?api_key"));
        let from_env = Credentials::from_profile_parts(
            &[
                CredentialPart::Basic { env: None },
                CredentialPart::Query {
                    name: "key",
                    env: None,
                },
            ],
            &["user:pass".to_owned(), "v".to_owned()],
        );
        assert_eq!(
            from_env.to_header_pairs().unwrap()[0].1,
            "Basic dXNlcjpwYXNz"
        );
        assert_eq!(from_env.query_pairs()[0].1, "v");
    }

    static SETS: &[CredentialSet] = &[
        CredentialSet {
            name: "api_token",
            parts: &[CredentialPart::Bearer {
                env: Some("T_TOKEN"),
            }],
        },
        CredentialSet {
            name: "api_key",
            parts: &[
                CredentialPart::Header {
                    name: "X-Auth-Email",
                    env: Some("T_EMAIL"),
                },
                CredentialPart::Header {
                    name: "X-Auth-Key",
                    env: Some("T_KEY"),
                },
            ],
        },
        CredentialSet {
            name: "manual",
            parts: &[CredentialPart::Header {
                name: "X-Other",
                env: None,
            }],
        },
    ];

    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            pairs
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn debug_redacts_values() {
        let creds = Credentials::bearer("top-secret").and_header("X-Auth-Key", "hunter2");
        let shown = format!("{creds:?}");
        assert_eq!(
            shown,
            r#"{"Authorization": "<redacted>", "X-Auth-Key": "<redacted>"}"#
        );
        assert!(!format!("{creds:#?}").contains("secret"));
    }

    #[test]
    fn header_pairs_are_sensitive_and_validated() {
        let pairs = Credentials::bearer("tok").to_header_pairs().unwrap();
        assert_eq!(pairs[0].0, "authorization");
        assert_eq!(pairs[0].1, "Bearer tok");
        assert!(pairs[0].1.is_sensitive());
        let err = Credentials::header("X-Key", "bad\nvalue-secret")
            .to_header_pairs()
            .unwrap_err();
        assert!(!err.to_string().contains("secret"), "{err}");
        assert!(
            Credentials::header("bad name", "v")
                .to_header_pairs()
                .is_err()
        );
    }

    #[test]
    fn and_header_replaces_same_name() {
        let creds = Credentials::bearer("a").and_bearer("b");
        assert_eq!(creds.header_names().collect::<Vec<_>>(), ["Authorization"]);
        assert_eq!(creds.to_header_pairs().unwrap()[0].1, "Bearer b");
    }

    #[test]
    fn from_env_takes_first_complete_set() {
        let creds = credentials_from_env(
            SETS,
            env(&[("T_TOKEN", "t"), ("T_EMAIL", "e"), ("T_KEY", "k")]),
        )
        .unwrap()
        .unwrap();
        assert_eq!(creds.header_names().collect::<Vec<_>>(), ["Authorization"]);
        let creds = credentials_from_env(
            SETS,
            env(&[("T_TOKEN", "  "), ("T_EMAIL", "e"), ("T_KEY", "k\n")]),
        )
        .unwrap()
        .unwrap();
        let pairs = creds.to_header_pairs().unwrap();
        assert_eq!(
            pairs[0],
            (
                HeaderName::from_static("x-auth-email"),
                HeaderValue::from_static("e")
            )
        );
        assert_eq!(pairs[1].1, "k");
    }

    #[test]
    fn from_env_names_the_variables_to_set() {
        let err = credentials_from_env(SETS, env(&[])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "configuration error: no credentials in the environment: set T_TOKEN, or T_EMAIL and T_KEY"
        );
        let err =
            credentials_from_env(SETS, env(&[("T_EMAIL", "secret@example.com")])).unwrap_err();
        let text = err.to_string();
        assert!(
            text.ends_with("(missing T_KEY for the api_key credentials)"),
            "{text}"
        );
        assert!(!text.contains("secret@"));
        assert!(credentials_from_env(&[], env(&[])).unwrap().is_none());
    }
}
