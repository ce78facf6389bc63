//! `Client::from_env()` against the fake API.
//!
//! Environment variables are process-global, so this binary holds a single test that
//! changes them while no other thread runs: the fake is served by a current-thread
//! runtime that only runs inside `block_on`, and every change happens outside it.

use apigen_tests::fake_api::{API_KEY, EMAIL, FakeApi, TOKEN, ZONE};
use cloudflare_client_certificates::models::ZoneId;
use cloudflare_client_certificates::{Client, Error, ErrorKind};

const BASE_URL: &str = "CLOUDFLARE_BASE_URL";
const API_TOKEN: &str = "CLOUDFLARE_API_TOKEN";
const EMAIL_VAR: &str = "CLOUDFLARE_EMAIL";
const API_KEY_VAR: &str = "CLOUDFLARE_API_KEY";
const ALL: [&str; 4] = [BASE_URL, API_TOKEN, EMAIL_VAR, API_KEY_VAR];

/// Runs `f` with exactly `vars` set among the variables `from_env` reads.
fn with_env<R>(vars: &[(&str, &str)], f: impl FnOnce() -> R) -> R {
    // SAFETY: this binary runs one test, and no other thread exists or reads the
    // environment while it changes (see the module documentation).
    unsafe {
        for name in ALL {
            std::env::remove_var(name);
        }
        for (name, value) in vars {
            std::env::set_var(name, value);
        }
    }
    let result = f();
    // SAFETY: as above.
    unsafe {
        for name in ALL {
            std::env::remove_var(name);
        }
    }
    result
}

fn configuration_message(result: Result<Client, Error>) -> String {
    match result {
        Err(err @ Error::Configuration { .. }) => {
            assert_eq!(err.kind(), ErrorKind::Configuration);
            err.to_string()
        }
        other => panic!("expected a configuration error, got {other:?}"),
    }
}

#[test]
fn from_env_reads_base_url_and_credentials() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let fake = runtime.block_on(FakeApi::start());
    fake.seed(ZONE, 3);
    let url = fake.base_url.clone();

    // An API token.
    let token = with_env(&[(BASE_URL, &url), (API_TOKEN, TOKEN)], Client::from_env).unwrap();
    assert_eq!(token.base_url(), url);
    // Email and Global API key, with surrounding whitespace trimmed; an empty token
    // does not count.
    let padded_url = format!("  {url}/ ");
    let padded_key = format!(" {API_KEY}\n");
    let key = with_env(
        &[
            (BASE_URL, &padded_url),
            (API_TOKEN, ""),
            (EMAIL_VAR, EMAIL),
            (API_KEY_VAR, &padded_key),
        ],
        Client::from_env,
    )
    .unwrap();
    assert_eq!(key.base_url(), url);
    // Both: the token is preferred.
    let both = with_env(
        &[
            (BASE_URL, &url),
            (API_TOKEN, TOKEN),
            (EMAIL_VAR, EMAIL),
            (API_KEY_VAR, API_KEY),
        ],
        Client::from_env,
    )
    .unwrap();
    // Without a base URL: the public API.
    let default_url = with_env(&[(API_TOKEN, TOKEN)], Client::from_env).unwrap();
    assert_eq!(
        default_url.base_url(),
        "https://api.cloudflare.com/client/v4"
    );

    // No credentials at all: a clear error naming what to set.
    let message = configuration_message(with_env(&[(BASE_URL, &url)], Client::from_env));
    assert_eq!(
        message,
        "configuration error: no credentials in the environment: set CLOUDFLARE_API_TOKEN, \
         or CLOUDFLARE_EMAIL and CLOUDFLARE_API_KEY"
    );
    let message = configuration_message(with_env(&[(API_TOKEN, "   ")], Client::from_env));
    assert!(message.contains("set CLOUDFLARE_API_TOKEN"), "{message}");
    // Half a credential set: the missing variable is named, the value is not shown.
    let message = configuration_message(with_env(&[(EMAIL_VAR, EMAIL)], Client::from_env));
    assert!(
        message.ends_with("(missing CLOUDFLARE_API_KEY for the api_key credentials)"),
        "{message}"
    );
    assert!(!message.contains(EMAIL), "{message}");
    let message = configuration_message(with_env(&[(API_KEY_VAR, API_KEY)], Client::from_env));
    assert!(message.contains("missing CLOUDFLARE_EMAIL"), "{message}");
    assert!(!message.contains(API_KEY), "{message}");
    // A bad base URL is reported with the variable's name, without the token.
    let message = configuration_message(with_env(
        &[(BASE_URL, "ftp://example.com"), (API_TOKEN, TOKEN)],
        Client::from_env,
    ));
    assert!(message.contains("CLOUDFLARE_BASE_URL"), "{message}");
    assert!(message.contains("invalid base URL"), "{message}");
    assert!(!message.contains(TOKEN), "{message}");
    let message = configuration_message(with_env(
        &[
            (BASE_URL, "https://user:pw@example.com"),
            (API_TOKEN, TOKEN),
        ],
        Client::from_env,
    ));
    assert!(!message.contains("pw@"), "{message}");

    // The environment is left as found, and the clients work against the fake.
    assert!(ALL.iter().all(|name| std::env::var_os(name).is_none()));
    runtime.block_on(async {
        for (name, client) in [("token", &token), ("key", &key), ("both", &both)] {
            let listed = client.client_certificates().list(&ZoneId::new(ZONE)).await;
            assert_eq!(listed.unwrap().len(), 3, "{name}");
        }
    });
    let sent = fake.requests();
    assert_eq!(sent.len(), 3);
    let bearer = format!("Bearer {TOKEN}");
    assert_eq!(sent[0].header("authorization"), Some(bearer.as_str()));
    assert_eq!(sent[0].header("x-auth-key"), None);
    assert_eq!(sent[1].header("authorization"), None);
    assert_eq!(sent[1].header("x-auth-email"), Some(EMAIL));
    assert_eq!(sent[1].header("x-auth-key"), Some(API_KEY));
    assert_eq!(sent[2].header("authorization"), Some(bearer.as_str()));
    assert_eq!(sent[2].header("x-auth-key"), None);
}
