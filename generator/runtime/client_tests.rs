//! Unit tests of the client builder.

use std::time::Duration;

use super::client::*;
use super::credentials::Credentials;
use super::error::Error;

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
        .without_credentials()
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
        Client::builder()
            .without_credentials()
            .credentials(Credentials::bearer("very-secret-token"))
    );
    assert!(!builder.contains("very-secret-token"), "{builder}");
}

#[test]
fn build_rejects_bad_settings() {
    let zero = Client::builder()
        .without_credentials()
        .timeout(Duration::ZERO)
        .build()
        .unwrap_err();
    assert!(matches!(zero, Error::Configuration { .. }));
    let ua = Client::builder()
        .without_credentials()
        .user_agent("bad\nagent")
        .build()
        .unwrap_err();
    assert!(matches!(ua, Error::Configuration { .. }));
    let creds = Client::builder()
        .without_credentials()
        .credentials(Credentials::header("X-Key", "a\rb"))
        .build()
        .unwrap_err();
    assert!(matches!(creds, Error::Configuration { .. }));
    assert!(
        Client::builder().without_credentials().build().is_ok(),
        "credentials can be left out explicitly"
    );
    let bad = [
        Client::builder()
            .without_credentials()
            .total_timeout(Duration::ZERO),
        Client::builder()
            .without_credentials()
            .timeout(Duration::MAX),
        Client::builder()
            .without_credentials()
            .retry_backoff(Duration::MAX, Duration::MAX),
        Client::builder()
            .without_credentials()
            .retry_backoff(Duration::ZERO, Duration::from_secs(90_000)),
        Client::builder().without_credentials().max_retries(1_000),
        Client::builder()
            .without_credentials()
            .max_response_bytes(0),
        Client::builder().without_credentials().max_pages(0),
        Client::builder()
            .without_credentials()
            .pool_idle_timeout(Some(Duration::MAX)),
    ];
    for builder in bad {
        let shown = format!("{builder:?}");
        match builder.build() {
            Err(Error::Configuration { message }) => {
                assert!(message.contains("must be"), "{message}")
            }
            other => panic!("{shown}: {other:?}"),
        }
    }
}

#[test]
fn plain_http_with_credentials_only_to_this_machine() {
    let with = |url: &str| {
        Client::builder()
            .without_credentials()
            .base_url(url)
            .credentials(Credentials::bearer("t0k3n"))
    };
    for url in [
        "http://127.0.0.1:8080",
        "http://127.8.9.10",
        "http://localhost:1/v4",
        "http://api.localhost",
        "http://[::1]:9000",
        "https://api.example.com",
    ] {
        assert!(with(url).build().is_ok(), "{url}");
    }
    for url in [
        "http://api.example.com",
        "http://10.0.0.2:8080",
        "http://[2001:db8::1]",
    ] {
        let err = with(url).build().unwrap_err();
        assert!(
            err.to_string().contains("allow_insecure_http"),
            "{url}: {err}"
        );
        assert!(with(url).allow_insecure_http(true).build().is_ok(), "{url}");
        assert!(
            Client::builder()
                .without_credentials()
                .base_url(url)
                .build()
                .is_ok(),
            "{url} without credentials"
        );
    }
}

#[test]
fn defaults_are_bounded() {
    let client = Client::builder().without_credentials().build().unwrap();
    assert_eq!(client.inner.total_timeout, DEFAULT_TOTAL_TIMEOUT);
    assert!(client.inner.total_timeout < DEFAULT_TIMEOUT * (DEFAULT_MAX_RETRIES + 1));
    assert_eq!(client.inner.max_response_bytes, 32 << 20);
    // Below the 60 s idle timeout of AWS load balancers, the lowest common one.
    assert!(DEFAULT_POOL_IDLE_TIMEOUT < Duration::from_secs(60));
}

#[test]
fn credentials_fail_fast_unless_left_out() {
    use super::profile::{CredentialPart, CredentialSet};
    static SETS: &[CredentialSet] = &[
        CredentialSet {
            name: "api_token",
            parts: &[CredentialPart::Bearer {
                env: Some("TEST_TOKEN"),
            }],
        },
        CredentialSet {
            name: "api_key",
            parts: &[
                CredentialPart::Header {
                    name: "X-Auth-Email",
                    env: Some("TEST_EMAIL"),
                },
                CredentialPart::Header {
                    name: "X-Auth-Key",
                    env: Some("TEST_KEY"),
                },
            ],
        },
    ];
    let message = super::credentials::missing_credentials(SETS).to_string();
    for part in [
        "Credentials::api_token or Credentials::api_key",
        "set TEST_TOKEN, or TEST_EMAIL and TEST_KEY",
        "Client::from_env()",
        "without_credentials()",
    ] {
        assert!(message.contains(part), "{part} missing in {message}");
    }
    // What this crate's profile says decides whether `build` fails without them.
    let built = Client::builder().build();
    let empty = Client::builder()
        .credentials(Credentials::default())
        .build();
    if crate::PROFILE.requires_credentials {
        let err = built.unwrap_err();
        assert_eq!(err.kind(), super::ErrorKind::Configuration);
        assert!(err.to_string().contains("without_credentials()"), "{err}");
        assert!(empty.is_err(), "empty credentials count as none");
    } else {
        assert!(built.is_ok() && empty.is_ok());
    }
    assert!(Client::builder().without_credentials().build().is_ok());
}
