//! The API client and its builder.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{HeaderName, HeaderValue};

use super::credentials::{Credentials, credentials_from_env};
use super::error::Error;
use super::retry::Backoff;

const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
const DEFAULT_MAX_RETRIES: u32 = 2;
const MAX_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const DEFAULT_USER_AGENT: &str = concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"));

/// The API client.
///
/// Cheap to clone: clones share one connection pool and configuration.
/// Create one with [`Client::from_env`], [`Client::new`] or
/// [`Client::builder`]. Requests run on a Tokio runtime with its time driver
/// enabled (as `#[tokio::main]` sets up).
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<ClientInner>,
}

pub(crate) struct ClientInner {
    pub base_url: String,
    pub credentials: Vec<(HeaderName, HeaderValue)>,
    pub user_agent: HeaderValue,
    pub timeout: Duration,
    pub max_retries: u32,
    pub backoff: Backoff,
    pub http: reqwest::Client,
}

impl Client {
    /// A builder to configure every setting of the client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client for the default base URL using `credentials`.
    pub fn new(credentials: Credentials) -> Result<Client, Error> {
        Client::builder().credentials(credentials).build()
    }

    /// A client configured from environment variables.
    ///
    /// The base URL comes from the API's base URL variable when it is set,
    /// and the credentials from the first complete set of credential
    /// variables. Fails with [`Error::Configuration`] naming the variables
    /// to set when none is complete.
    pub fn from_env() -> Result<Client, Error> {
        let profile = &crate::PROFILE;
        let mut builder = Client::builder();
        let base_url = profile
            .base_url_env
            .and_then(|name| std::env::var(name).ok())
            .map(|url| url.trim().to_owned())
            .filter(|url| !url.is_empty());
        let from_env = base_url.is_some();
        if let Some(url) = base_url {
            builder = builder.base_url(url);
        }
        if let Some(credentials) =
            credentials_from_env(profile.credential_sets, |name| std::env::var(name).ok())?
        {
            builder = builder.credentials(credentials);
        }
        builder
            .build()
            .map_err(|error| match (error, profile.base_url_env) {
                (Error::Configuration { message }, Some(var))
                    if from_env && message.starts_with("invalid base URL") =>
                {
                    Error::configuration(format!("{var}: {message}"))
                }
                (error, _) => error,
            })
    }

    /// The base URL every request path is appended to.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self
            .inner
            .credentials
            .iter()
            .map(|(name, _)| name.as_str())
            .collect();
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_url)
            .field("credential_headers", &names)
            .field("timeout", &self.inner.timeout)
            .field("max_retries", &self.inner.max_retries)
            .finish_non_exhaustive()
    }
}

/// Configures and builds a [`Client`].
#[derive(Debug, Clone)]
#[must_use]
pub struct ClientBuilder {
    base_url: Option<String>,
    credentials: Option<Credentials>,
    timeout: Duration,
    max_retries: u32,
    backoff: Backoff,
    user_agent: String,
    http_client: Option<reqwest::Client>,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            base_url: None,
            credentials: None,
            timeout: DEFAULT_TIMEOUT,
            max_retries: DEFAULT_MAX_RETRIES,
            backoff: Backoff::default(),
            user_agent: DEFAULT_USER_AGENT.to_owned(),
            http_client: None,
        }
    }
}

impl ClientBuilder {
    /// Sets the base URL (`http` or `https`) request paths are appended to;
    /// a trailing `/` is ignored. Defaults to the API's public URL.
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = Some(base_url.into());
        self
    }

    /// Sets the credentials sent with every request.
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// Sets the timeout of each attempt, covering connecting, sending and
    /// reading the whole response. Defaults to 60 seconds.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets how many times a failed attempt may be retried; 0 disables
    /// retries. Defaults to 2. See
    /// [`RequestOptions::idempotent`](super::RequestOptions::idempotent) for
    /// what is retried.
    pub fn max_retries(mut self, max_retries: u32) -> Self {
        self.max_retries = max_retries;
        self
    }

    /// Sets the delays between retries: `base × 2^retry`, at most `max`,
    /// each multiplied by a random factor between 0.75 and 1. Defaults to
    /// 500 ms and 8 s. A `Retry-After` or `retry-after-ms` response header
    /// of at most 60 seconds takes precedence.
    pub fn retry_backoff(mut self, base: Duration, max: Duration) -> Self {
        self.backoff = Backoff {
            base,
            cap: max.max(base),
        };
        self
    }

    /// Sets the `User-Agent` header. Defaults to this crate's name and
    /// version.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Uses a preconfigured HTTP client (proxies, custom roots, ...). Its own
    /// timeouts apply in addition to this client's per-attempt timeout.
    ///
    /// The default client does not follow redirects, so that credentials
    /// are never sent to another host; configure yours likewise.
    pub fn http_client(mut self, http_client: reqwest::Client) -> Self {
        self.http_client = Some(http_client);
        self
    }

    /// Builds the client, validating the configuration.
    pub fn build(self) -> Result<Client, Error> {
        let base_url = validate_base_url(
            self.base_url
                .as_deref()
                .unwrap_or(crate::PROFILE.default_base_url),
        )?;
        if self.timeout.is_zero() {
            return Err(Error::configuration(
                "the timeout must be greater than zero",
            ));
        }
        let credentials = match &self.credentials {
            Some(credentials) => credentials.to_header_pairs()?,
            None => Vec::new(),
        };
        let user_agent = HeaderValue::from_str(&self.user_agent).map_err(|_| {
            Error::configuration("the user agent contains characters not allowed in HTTP headers")
        })?;
        let http = match self.http_client {
            Some(http) => http,
            // Redirects are not followed: they could carry credential
            // headers to another host.
            None => reqwest::Client::builder()
                .connect_timeout(self.timeout.min(MAX_CONNECT_TIMEOUT))
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .map_err(|e| {
                    Error::configuration(format!(
                        "cannot initialise the HTTP client: {}",
                        e.without_url()
                    ))
                })?,
        };
        Ok(Client {
            inner: Arc::new(ClientInner {
                base_url,
                credentials,
                user_agent,
                timeout: self.timeout,
                max_retries: self.max_retries,
                backoff: self.backoff,
                http,
            }),
        })
    }
}

/// The base URL without its trailing `/`, if it is an absolute `http(s)`
/// URL without credentials, query or fragment.
fn validate_base_url(raw: &str) -> Result<String, Error> {
    let trimmed = raw.trim().trim_end_matches('/');
    let url = reqwest::Url::parse(trimmed)
        .map_err(|e| Error::configuration(format!("invalid base URL: {e}")))?;
    let problem = if !matches!(url.scheme(), "http" | "https") {
        Some("its scheme must be http or https")
    } else if url.host_str().is_none_or(str::is_empty) {
        Some("it has no host")
    } else if !url.username().is_empty() || url.password().is_some() {
        Some("it must not contain credentials; use ClientBuilder::credentials")
    } else if url.query().is_some() || url.fragment().is_some() {
        Some("it must not have a query or fragment")
    } else {
        None
    };
    match problem {
        Some(problem) => Err(Error::configuration(format!("invalid base URL: {problem}"))),
        None => Ok(trimmed.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_validation() {
        assert_eq!(
            validate_base_url("https://api.example.com/v4/").unwrap(),
            "https://api.example.com/v4"
        );
        assert_eq!(
            validate_base_url("http://127.0.0.1:8080").unwrap(),
            "http://127.0.0.1:8080"
        );
        for bad in [
            "",
            "api.example.com",
            "ftp://x",
            "https://user:pw-secret@x.com",
            "https://x.com/?a=1",
            "https://x.com#f",
        ] {
            let err = validate_base_url(bad).unwrap_err();
            assert!(matches!(err, Error::Configuration { .. }), "{bad}");
            assert!(!err.to_string().contains("pw-secret"), "{err}");
        }
    }

    #[test]
    fn build_and_debug_without_secrets() {
        let client = Client::builder()
            .base_url("http://localhost:1/")
            .credentials(Credentials::bearer("very-secret-token"))
            .timeout(Duration::from_secs(3))
            .max_retries(5)
            .build()
            .unwrap();
        assert_eq!(client.base_url(), "http://localhost:1");
        let shown = format!("{client:?}");
        assert!(!shown.contains("very-secret-token"), "{shown}");
        assert!(shown.contains("authorization"), "{shown}");
        let builder = format!(
            "{:?}",
            Client::builder().credentials(Credentials::bearer("very-secret-token"))
        );
        assert!(!builder.contains("very-secret-token"), "{builder}");
    }

    #[test]
    fn build_rejects_bad_settings() {
        let zero = Client::builder()
            .timeout(Duration::ZERO)
            .build()
            .unwrap_err();
        assert!(matches!(zero, Error::Configuration { .. }));
        let ua = Client::builder()
            .user_agent("bad\nagent")
            .build()
            .unwrap_err();
        assert!(matches!(ua, Error::Configuration { .. }));
        let creds = Client::builder()
            .credentials(Credentials::header("X-Key", "a\rb"))
            .build()
            .unwrap_err();
        assert!(matches!(creds, Error::Configuration { .. }));
        assert!(
            Client::builder().build().is_ok(),
            "credentials are optional"
        );
    }
}
