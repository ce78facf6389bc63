//! Servers: one of the URLs the API declares, with its variables filled in, for
//! [`ClientBuilder::server`](super::client::ClientBuilder::server).
//!
//! Which URL a request goes to: a base URL set with `ClientBuilder::base_url` (or the
//! API's base URL environment variable in `Client::from_env`) takes every request,
//! operations with servers of their own included, so tests and proxies see them all.
//! Otherwise an operation the API gives servers of its own goes to the first of them,
//! and every other operation to the server chosen with `ClientBuilder::server`, or to
//! the first server the API declares, its variables at their defaults.

use std::fmt;

/// A server URL, made from one of the crate's `servers` (whose types convert into it).
#[derive(Clone, PartialEq, Eq)]
pub struct Server {
    url: String,
}

impl Server {
    /// `template` with each `{name}` replaced by the value given for `name` (a name
    /// without a value stays as written, and the URL is then refused when the client
    /// is built).
    #[allow(dead_code)]
    pub(crate) fn from_template(template: &str, variables: &[(&str, &str)]) -> Server {
        let mut url = String::with_capacity(template.len() + 16);
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            let Some(close) = rest[open..].find('}').map(|i| open + i) else {
                break;
            };
            url.push_str(&rest[..open]);
            let name = &rest[open + 1..close];
            match variables.iter().find(|(n, _)| *n == name) {
                Some((_, value)) => url.push_str(value),
                None => url.push_str(&rest[open..=close]),
            }
            rest = &rest[close + 1..];
        }
        url.push_str(rest);
        Server { url }
    }

    /// The URL, variables filled in.
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl fmt::Debug for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Server").field(&self.url).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::Server;

    #[test]
    fn fills_in_the_variables() {
        let server = Server::from_template(
            "https://{region}.api.example.com/{version}/x",
            &[("region", "eu"), ("version", "v2")],
        );
        assert_eq!(server.url(), "https://eu.api.example.com/v2/x");
        let unknown = Server::from_template("https://{a}.example.com/{b", &[]);
        assert_eq!(unknown.url(), "https://{a}.example.com/{b");
        assert_eq!(
            format!("{unknown:?}"),
            "Server(\"https://{a}.example.com/{b\")"
        );
    }
}
