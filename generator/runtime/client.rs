//! The API client and its builder.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{HeaderName, HeaderValue};

use super::credentials::{Credentials, credentials_from_env, missing_credentials};
use super::error::Error;
use super::options::{RequestOptions, check_duration, check_limit, check_retries};
use super::retry::Backoff;

pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
pub(crate) const DEFAULT_TOTAL_TIMEOUT: Duration = Duration::from_secs(120);
pub(crate) const DEFAULT_MAX_RETRIES: u32 = 2;
const MAX_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default of [`ClientBuilder::max_pages`].
pub(crate) const DEFAULT_MAX_PAGES: u64 = 10_000;
/// How long an idle pooled connection is kept: below the idle timeouts of
/// common load balancers and proxies (60 s for AWS load balancers, 75 s for
/// nginx), so the client never reuses a connection the other side is about
/// to close.
pub(crate) const DEFAULT_POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(15);

/// A caller's adjustment of the HTTP client (proxies, TLS roots, ...).
type ConfigureHttp =
    Arc<dyn Fn(reqwest::ClientBuilder) -> reqwest::ClientBuilder + Send + Sync + 'static>;
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

#[derive(Clone)]
pub(crate) struct ClientInner {
    pub base_url: String,
    /// `base_url` parsed, for the mock to match request paths against.
    #[cfg(feature = "mock")]
    pub base: reqwest::Url,
    pub credentials: Vec<(HeaderName, HeaderValue)>,
    /// API keys sent in the query string of every request (secrets).
    pub credential_query: Vec<(String, String)>,
    pub user_agent: HeaderValue,
    pub timeout: Duration,
    pub total_timeout: Duration,
    pub max_retries: u32,
    pub backoff: Backoff,
    pub max_response_bytes: u64,
    pub max_pages: u64,
    /// Headers sent with every request (a request's own replace them).
    pub default_headers: reqwest::header::HeaderMap,
    /// Query parameters sent with every request, unless it sets them itself.
    pub default_query: Vec<(String, String)>,
    /// Whether operations with servers of their own are sent there (no base URL was
    /// set explicitly).
    pub operation_servers: bool,
    /// Whether plain `http` may carry credentials to another machine.
    pub allow_insecure_http: bool,
    pub http: reqwest::Client,
    /// The client's own runtime and transport for `send_blocking`, built on first use.
    #[cfg(feature = "blocking")]
    pub blocking: super::blocking::BlockingSlot,
    /// The in-process mock that answers in place of the network, if any.
    #[cfg(feature = "mock")]
    pub mock: Option<Arc<super::mock::MockState>>,
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
            .field("total_timeout", &self.inner.total_timeout)
            .field("max_retries", &self.inner.max_retries)
            .field("max_response_bytes", &self.inner.max_response_bytes)
            .field("max_pages", &self.inner.max_pages)
            .finish_non_exhaustive()
    }
}

/// Configures and builds a [`Client`].
#[derive(Clone)]
#[must_use]
pub struct ClientBuilder {
    base_url: Option<String>,
    server: Option<super::server::Server>,
    credentials: Option<Credentials>,
    timeout: Duration,
    total_timeout: Duration,
    max_retries: u32,
    backoff: Backoff,
    user_agent: String,
    max_response_bytes: u64,
    max_pages: u64,
    pool_idle_timeout: Option<Duration>,
    allow_insecure_http: bool,
    configure_http: Option<ConfigureHttp>,
    default_headers: Vec<(String, String)>,
    default_query: Vec<(String, String)>,
    without_credentials: bool,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            base_url: None,
            server: None,
            credentials: None,
            timeout: DEFAULT_TIMEOUT,
            total_timeout: DEFAULT_TOTAL_TIMEOUT,
            max_retries: DEFAULT_MAX_RETRIES,
            backoff: Backoff::default(),
            user_agent: DEFAULT_USER_AGENT.to_owned(),
            max_response_bytes: super::body::DEFAULT_MAX_RESPONSE_BYTES,
            max_pages: DEFAULT_MAX_PAGES,
            pool_idle_timeout: Some(DEFAULT_POOL_IDLE_TIMEOUT),
            allow_insecure_http: false,
            configure_http: None,
            default_headers: Vec::new(),
            default_query: Vec::new(),
            without_credentials: false,
        }
    }
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("base_url", &self.base_url)
            .field("server", &self.server)
            .field("credentials", &self.credentials)
            .field("timeout", &self.timeout)
            .field("total_timeout", &self.total_timeout)
            .field("max_retries", &self.max_retries)
            .field("backoff", &self.backoff)
            .field("user_agent", &self.user_agent)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("max_pages", &self.max_pages)
            .field("pool_idle_timeout", &self.pool_idle_timeout)
            .field("allow_insecure_http", &self.allow_insecure_http)
            .field("configure_http", &self.configure_http.is_some())
            .field(
                "default_headers",
                &self
                    .default_headers
                    .iter()
                    .map(|(n, _)| n)
                    .collect::<Vec<_>>(),
            )
            .field(
                "default_query",
                &self
                    .default_query
                    .iter()
                    .map(|(n, _)| n)
                    .collect::<Vec<_>>(),
            )
            .field("without_credentials", &self.without_credentials)
            .finish()
    }
}

impl ClientBuilder {
    /// Sets the base URL (`http` or `https`) request paths are appended to;
    /// a trailing `/` is ignored. Defaults to the API's public URL.
    ///
    /// Every request goes to it, those of operations the API gives servers of
    /// their own included (so that a test server or a proxy sees them all); it
    /// takes precedence over [`ClientBuilder::server`].
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = Some(base_url.into());
        self
    }

    /// Chooses one of the servers the API declares (the crate's `servers`
    /// module, when it declares several or has server variables), its variables
    /// set as given. Operations the API gives servers of their own keep them.
    pub fn server(mut self, server: impl Into<super::server::Server>) -> Self {
        self.server = Some(server.into());
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

    /// Sets the time limit of a whole call: every attempt and the waits
    /// between them. Defaults to 120 seconds. Each attempt gets at most what
    /// is left of it; a retry that would wait past it (a long `Retry-After`
    /// included) is not made, and the last error is returned at once.
    pub fn total_timeout(mut self, total_timeout: Duration) -> Self {
        self.total_timeout = total_timeout;
        self
    }

    /// Sets the largest response body accepted, in bytes. Defaults to
    /// 32 MiB. A larger body ends the call with
    /// [`Error::ResponseTooLarge`] as soon as its `Content-Length` or its
    /// bytes show it, so memory never grows past the limit. Error responses
    /// are read only as far as the error needs (64 KiB at most).
    pub fn max_response_bytes(mut self, max_response_bytes: u64) -> Self {
        self.max_response_bytes = max_response_bytes;
        self
    }

    /// Sets the most pages a `stream()` fetches before it ends with
    /// [`Error::Pagination`]. Defaults to 10,000; see
    /// [`PageStream`](super::PageStream) for the other checks that end a
    /// stream whose server does not page properly.
    pub fn max_pages(mut self, max_pages: u64) -> Self {
        self.max_pages = max_pages;
        self
    }

    /// Sets how long an idle connection stays in the pool for reuse; `None`
    /// keeps it until the server closes it. Defaults to 15 seconds, below
    /// the idle timeouts of common load balancers, so that a request is
    /// never sent on a connection the other side is closing.
    pub fn pool_idle_timeout(mut self, pool_idle_timeout: Option<Duration>) -> Self {
        self.pool_idle_timeout = pool_idle_timeout;
        self
    }

    /// Allows a plain `http://` base URL to a host other than this machine
    /// while credentials are set. Off by default: anyone on the path could
    /// read the credentials. Loopback addresses (`localhost`, `127.0.0.1`,
    /// `[::1]`) are always allowed.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
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

    /// Adjusts the HTTP client before it is built: proxies, TLS roots,
    /// local address, HTTP/2 settings, and so on.
    ///
    /// `configure` gets a `reqwest::ClientBuilder` that already has this
    /// client's connect and pool settings, and may override them. Whatever it
    /// sets, the runtime then turns automatic redirects off and follows
    /// redirects itself within the base URL's origin only, so that no
    /// credential header or request body ever reaches another host. (A
    /// ready-made `reqwest::Client` is not accepted for that reason: its
    /// redirect policy could not be checked.)
    ///
    /// ```text
    /// let proxy = reqwest::Proxy::https("http://proxy.internal:3128")?;
    /// let client = Client::builder()
    ///     .configure_http(move |http| http.proxy(proxy.clone()))
    ///     .build()?;
    /// ```
    pub fn configure_http(
        mut self,
        configure: impl Fn(reqwest::ClientBuilder) -> reqwest::ClientBuilder + Send + Sync + 'static,
    ) -> Self {
        self.configure_http = Some(Arc::new(configure));
        self
    }

    /// Adds a header sent with every request, after the client's own
    /// (`User-Agent`, `Accept`, credentials), which one of the same name
    /// replaces; a request's own headers replace it in turn. A secret-looking
    /// name (`…Token`, `…Key`, `Authorization`, …) is sent as a sensitive
    /// value and scrubbed from errors. An invalid name or value makes
    /// [`ClientBuilder::build`] fail.
    ///
    /// ```text
    /// let client = Client::builder()
    ///     .credentials(Credentials::api_token("…"))
    ///     .default_header("X-Team", "payments")
    ///     .default_query("preview", "true")
    ///     .build()?;
    /// ```
    pub fn default_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.default_headers.push((name.into(), value.into()));
        self
    }

    /// Adds a query parameter sent with every request, unless the request
    /// sets one of that name itself (as an operation parameter or with
    /// `extra_query`).
    pub fn default_query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.default_query.push((name.into(), value.into()));
        self
    }

    /// Builds a client without credentials although the API requires them:
    /// for a test server, or a proxy that adds them. Without this (or
    /// [`ClientBuilder::credentials`]), `build` fails with an error naming
    /// the credential constructors and environment variables.
    pub fn without_credentials(mut self) -> Self {
        self.without_credentials = true;
        self
    }

    /// Builds the client, validating the configuration.
    pub fn build(self) -> Result<Client, Error> {
        let base_url = validate_base_url(
            self.base_url
                .as_deref()
                .or(self.server.as_ref().map(super::server::Server::url))
                .unwrap_or(crate::PROFILE.default_base_url),
        )?;
        let settings = [
            check_duration("the timeout", self.timeout, false),
            check_duration("the total timeout", self.total_timeout, false),
            check_duration("the retry backoff", self.backoff.base, true),
            check_duration("the retry backoff's maximum", self.backoff.cap, true),
            self.pool_idle_timeout
                .map_or(Ok(()), |t| check_duration("the pool idle timeout", t, true)),
            check_retries(self.max_retries),
            check_limit("max_response_bytes", self.max_response_bytes),
            check_limit("max_pages", self.max_pages),
        ];
        if let Some(problem) = settings.into_iter().find_map(Result::err) {
            return Err(Error::configuration(problem));
        }
        let has_credentials = self.credentials.as_ref().is_some_and(|c| !c.is_empty());
        if crate::PROFILE.requires_credentials && !has_credentials && !self.without_credentials {
            return Err(missing_credentials(crate::PROFILE.credential_sets));
        }
        let default_headers = RequestOptions {
            headers: self.default_headers.clone(),
            ..RequestOptions::default()
        }
        .header_map()
        .map_err(|e| Error::configuration(format!("invalid default header: {e}")))?;
        let (credentials, credential_query) = match &self.credentials {
            Some(credentials) => (
                credentials.to_header_pairs()?,
                credentials.query_pairs().to_vec(),
            ),
            None => (Vec::new(), Vec::new()),
        };
        let base = reqwest::Url::parse(&base_url)
            .map_err(|e| Error::configuration(format!("invalid base URL: {e}")))?;
        let has_credentials = !credentials.is_empty() || !credential_query.is_empty();
        if base.scheme() == "http"
            && has_credentials
            && !self.allow_insecure_http
            && !is_loopback(&base)
        {
            return Err(Error::configuration(
                "invalid base URL: plain http to a host other than this machine would expose \
                 the credentials to anyone on the way; use https, or allow it explicitly with \
                 ClientBuilder::allow_insecure_http(true)",
            ));
        }
        let user_agent = HeaderValue::from_str(&self.user_agent).map_err(|_| {
            Error::configuration("the user agent contains characters not allowed in HTTP headers")
        })?;
        let connect_timeout = self.timeout.min(MAX_CONNECT_TIMEOUT);
        let pool_idle_timeout = self.pool_idle_timeout;
        let configure_http = self.configure_http.clone();
        let make_http = move || {
            let mut http = reqwest::Client::builder()
                .connect_timeout(connect_timeout)
                .pool_idle_timeout(pool_idle_timeout);
            if let Some(configure) = &configure_http {
                http = configure(http);
            }
            // Set last, so that no configuration can turn it back on: the
            // runtime follows redirects itself, within the base URL's origin.
            http.redirect(reqwest::redirect::Policy::none())
                .build()
                .map_err(|e| {
                    Error::configuration(format!(
                        "cannot initialise the HTTP client: {}",
                        e.without_url()
                    ))
                })
        };
        let http = make_http()?;
        Ok(Client {
            inner: Arc::new(ClientInner {
                base_url,
                #[cfg(feature = "mock")]
                base,
                credentials,
                credential_query,
                user_agent,
                timeout: self.timeout,
                total_timeout: self.total_timeout,
                max_retries: self.max_retries,
                backoff: self.backoff,
                max_response_bytes: self.max_response_bytes,
                max_pages: self.max_pages,
                default_headers,
                default_query: self.default_query,
                operation_servers: self.base_url.is_none(),
                allow_insecure_http: self.allow_insecure_http,
                http,
                #[cfg(feature = "blocking")]
                blocking: super::blocking::BlockingSlot::new(Arc::new(make_http)),
                #[cfg(feature = "mock")]
                mock: None,
            }),
        })
    }
}

/// Whether `url` names this machine: `localhost` (or a name under it), or a
/// loopback address.
pub(crate) fn is_loopback(url: &reqwest::Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = host.parse::<std::net::IpAddr>() {
        return ip.is_loopback();
    }
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    host == "localhost" || host.ends_with(".localhost")
}

/// The base URL without its trailing `/`, if it is an absolute `http(s)`
/// URL without credentials, query or fragment.
pub(crate) fn validate_base_url(raw: &str) -> Result<String, Error> {
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
