//! The generated client against servers that misbehave on purpose
//! (`apigen_tests::faults`): redirects to other origins, pages that never end,
//! deadlines, secrets echoed back, stale pooled connections, duplicate keys, and
//! settings that would make the client wait forever. Each test asserts what a user
//! would observe: what the second origin received, how many requests were made, how
//! long the call took, what the error says. The body size limit, whose test measures
//! the process's peak memory, has a test binary of its own (`body_limits.rs`).

use cloudflare_client_certificates::models::{ClientCertificateId, ZoneId};
use std::time::{Duration, Instant};

use apigen_tests::faults::{Action, FaultServer, Reply, certificate, item_id, success};
use cloudflare_client_certificates::models::CreateClientCertificateRequest;
use cloudflare_client_certificates::{Client, ClientBuilder, Credentials, Error, ErrorKind};
use futures_util::StreamExt;
use serde_json::json;

const ZONE: &str = "023e105f4ecef8ad9ca31a8372d0c353";
const ID: &str = "0123456789abcdef0123456789abcdef";
const TOKEN: &str = "tok-9f8e7d6c5b4a39281706f5e4d3c2b1a0";
const EMAIL: &str = "owner@example.com";
const KEY: &str = "key-c0ffee15c0ffee15c0ffee15c0ffee";

fn builder(server: &FaultServer) -> ClientBuilder {
    Client::builder()
        .base_url(&server.base_url)
        .credentials(Credentials::api_token(TOKEN))
        .retry_backoff(Duration::from_millis(1), Duration::from_millis(5))
}

fn client(server: &FaultServer) -> Client {
    builder(server).build().expect("client builds")
}

fn create_body() -> CreateClientCertificateRequest {
    CreateClientCertificateRequest {
        csr: "-----BEGIN CERTIFICATE REQUEST-----\nMIIC-secret-csr\n-----END CERTIFICATE REQUEST-----"
            .into(),
        validity_days: 30,
    }
}

/// Asserts that no request `server` received carries a credential or the CSR.
fn assert_nothing_leaked(server: &FaultServer) {
    for request in server.requests() {
        for (name, value) in &request.headers {
            for secret in [TOKEN, EMAIL, KEY] {
                assert!(
                    !value.contains(secret),
                    "{name}: {value} reached another origin"
                );
            }
        }
        assert!(
            !String::from_utf8_lossy(&request.body).contains("MIIC-secret-csr"),
            "the body reached another origin"
        );
    }
}

// ---------------------------------------------------------------- redirects

#[tokio::test]
async fn no_credential_or_body_reaches_another_origin_whatever_the_http_client_does() {
    let elsewhere = FaultServer::always(Action::respond(Reply::ok(certificate(ID)))).await;
    for status in [301, 302, 303, 307, 308] {
        let target = format!("{}/zones/{ZONE}/client_certificates", elsewhere.base_url);
        let server = FaultServer::always(Action::respond(
            Reply::raw(status, "").header("Location", &target),
        ))
        .await;
        // A caller's HTTP configuration that asks for redirects to be followed.
        let client = builder(&server)
            .credentials(Credentials::api_key(EMAIL, KEY))
            .configure_http(|http| http.redirect(reqwest::redirect::Policy::limited(10)))
            .build()
            .unwrap();
        let err = client
            .client_certificates()
            .create(&ZoneId::new(ZONE), create_body())
            .idempotent(true)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Redirect, "{status}: {err:?}");
        let shown = err.to_string();
        assert!(shown.contains("another origin"), "{shown}");
        assert!(
            shown.contains(&elsewhere.base_url),
            "names the origin: {shown}"
        );
        assert_eq!(
            server.attempts(),
            1,
            "{status}: a refused redirect is not retried"
        );
    }
    assert_eq!(
        elsewhere.attempts(),
        0,
        "nothing was sent to the other origin"
    );
    assert_nothing_leaked(&elsewhere);
}

#[tokio::test]
async fn a_redirect_within_the_origin_is_followed_with_credentials_and_body() {
    let server = FaultServer::start(|request, _| {
        if request.path().ends_with("/client_certificates") {
            let moved = format!("{}/v2", request.path());
            Action::respond(Reply::raw(307, "").header("Location", &moved))
        } else {
            Action::respond(Reply::ok(certificate(ID)))
        }
    })
    .await;
    let cert = client(&server)
        .client_certificates()
        .create(&ZoneId::new(ZONE), create_body())
        .await
        .unwrap();
    assert_eq!(cert.id, ID);
    let seen = server.requests();
    assert_eq!(seen.len(), 2);
    let followed = &seen[1];
    assert_eq!(followed.method, "POST", "307 keeps the method");
    assert!(
        followed.path().ends_with("/client_certificates/v2"),
        "{followed:?}"
    );
    assert_eq!(
        followed.header("authorization"),
        Some(&*format!("Bearer {TOKEN}"))
    );
    assert_eq!(followed.body, seen[0].body, "307 keeps the body");
}

#[tokio::test]
async fn a_redirect_loop_ends_after_five_redirects_and_is_not_retried() {
    let server = FaultServer::start(|request, i| {
        let next = format!("{}?hop={i}", request.path());
        Action::respond(Reply::raw(302, "").header("Location", &next))
    })
    .await;
    let err = client(&server)
        .client_certificates()
        .get(&ZoneId::new(ZONE), &ClientCertificateId::new(ID))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Redirect, "{err:?}");
    assert!(err.to_string().contains("more than 5 redirects"), "{err}");
    assert_eq!(
        server.attempts(),
        6,
        "one request and five redirects, no retry"
    );
}

// ---------------------------------------------------------------- pagination

fn page_of(request: &apigen_tests::faults::SeenRequest) -> usize {
    request
        .query_param("page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(1)
}

fn items(first: usize, count: usize) -> Vec<serde_json::Value> {
    (first..first + count)
        .map(|n| certificate(&item_id(n)))
        .collect()
}

/// Drains a stream, with a bound so that a regression fails instead of hanging.
async fn drain(client: &Client, max_pages: Option<u64>) -> (usize, Option<Error>) {
    let mut stream = client
        .client_certificates()
        .list(&ZoneId::new(ZONE))
        .per_page(5)
        .stream();
    if let Some(max) = max_pages {
        stream = stream.max_pages(max);
    }
    let mut count = 0;
    while let Some(item) = stream.next().await {
        match item {
            Ok(_) => count += 1,
            Err(e) => {
                assert!(
                    stream.next().await.is_none(),
                    "the stream ends after its error"
                );
                return (count, Some(e));
            }
        }
        assert!(count < 10_000, "the stream did not end");
    }
    (count, None)
}

#[tokio::test]
async fn a_server_that_ignores_the_page_parameter_ends_the_stream() {
    // The same full page every time, saying it is page 1 of 5.
    let server = FaultServer::always(Action::respond(Reply::json(
        200,
        &json!({"success": true, "errors": [], "messages": [], "result": items(0, 5),
                "result_info": {"page": 1, "per_page": 5, "count": 5, "total_pages": 5}}),
    )))
    .await;
    let (count, err) = drain(&client(&server), None).await;
    let err = err.expect("an error ends the stream");
    assert_eq!(err.kind(), ErrorKind::Pagination, "{err:?}");
    assert!(
        err.to_string()
            .contains("asked for page 2, the server sent page 1"),
        "{err}"
    );
    assert_eq!((count, server.attempts()), (5, 2));

    // The same page without any paging information.
    let server = FaultServer::always(Action::respond(Reply::ok(json!(items(0, 5))))).await;
    let (count, err) = drain(&client(&server), None).await;
    let err = err.expect("an error ends the stream");
    assert!(
        err.to_string()
            .contains("page 2 holds the same items as page 1"),
        "{err}"
    );
    assert_eq!((count, server.attempts()), (5, 2));

    // Echoing the page number asked for, but always with the same items.
    let server = FaultServer::start(|request, _| {
        let page = page_of(request);
        Action::respond(Reply::json(
            200,
            &json!({"success": true, "errors": [], "messages": [], "result": items(0, 5),
                    "result_info": {"page": page, "per_page": 5, "count": 5}}),
        ))
    })
    .await;
    let (count, err) = drain(&client(&server), None).await;
    assert_eq!(err.expect("an error").kind(), ErrorKind::Pagination);
    assert_eq!((count, server.attempts()), (5, 2));
}

#[tokio::test]
async fn an_endless_list_stops_at_the_page_limit() {
    // Every page is new and full, and the server never says how many there are.
    let server = FaultServer::start(|request, _| {
        let page = page_of(request);
        Action::respond(Reply::ok(json!(items((page - 1) * 5, 5))))
    })
    .await;
    let (count, err) = drain(&client(&server), Some(3)).await;
    let err = err.expect("the limit ends the stream");
    assert_eq!(err.kind(), ErrorKind::Pagination);
    assert!(err.to_string().contains("within 3 pages"), "{err}");
    assert_eq!((count, server.attempts()), (15, 3));

    // The client-wide setting applies too.
    let limited = builder(&server).max_pages(2).build().unwrap();
    let before = server.attempts();
    let (count, err) = drain(&limited, None).await;
    assert!(err.is_some());
    assert_eq!((count, server.attempts() - before), (10, 2));
}

// ---------------------------------------------------------------- deadlines

#[tokio::test]
async fn the_total_timeout_bounds_a_call_across_attempts() {
    // Each attempt would time out after 400 ms; the call has 1 s in all.
    let server = FaultServer::always(Action::Hang).await;
    let client = builder(&server)
        .timeout(Duration::from_millis(400))
        .total_timeout(Duration::from_secs(1))
        .max_retries(10)
        .build()
        .unwrap();
    let started = Instant::now();
    let err = client
        .client_certificates()
        .get(&ZoneId::new(ZONE), &ClientCertificateId::new(ID))
        .await
        .unwrap_err();
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_millis(950), "{elapsed:?}");
    assert!(elapsed < Duration::from_millis(1600), "{elapsed:?}");
    match &err {
        Error::Timeout {
            attempts,
            elapsed: reported,
            total_timeout,
            ..
        } => {
            assert_eq!(*total_timeout, Some(Duration::from_secs(1)));
            assert!((3..=4).contains(attempts), "{attempts}");
            assert!(*reported >= Duration::from_millis(950), "{reported:?}");
        }
        other => panic!("{other:?}"),
    }
    let shown = err.to_string();
    assert!(
        shown.starts_with("request exceeded its total timeout of 1s ("),
        "{shown}"
    );
    assert!(shown.contains(" attempts, "), "{shown}");

    // Per request, and a slow body counts too.
    let slow_body = FaultServer::always(Action::Trickle {
        reply: Reply::ok(certificate(ID)),
        split: 10,
        pause: Duration::from_secs(5),
    })
    .await;
    let started = Instant::now();
    let err = self::client(&slow_body)
        .client_certificates()
        .get(&ZoneId::new(ZONE), &ClientCertificateId::new(ID))
        .total_timeout(Duration::from_millis(500))
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert!(
        started.elapsed() < Duration::from_millis(1200),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_backoff_or_retry_after_past_the_deadline_is_not_waited_for() {
    let server = FaultServer::always(Action::respond(
        Reply::error(503, 1503, "Unavailable").header("Retry-After", "2"),
    ))
    .await;
    let started = Instant::now();
    let err = client(&server)
        .client_certificates()
        .get(&ZoneId::new(ZONE), &ClientCertificateId::new(ID))
        .total_timeout(Duration::from_secs(1))
        .await
        .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(server.attempts(), 1);
    assert!(err.is_server_error(), "{err:?}");
    assert_eq!(
        err.api_error().unwrap().retry_after(),
        Some(Duration::from_secs(2))
    );

    // A backoff of an hour (a valid setting) gives up at once instead of sleeping.
    let server = FaultServer::always(Action::status(502)).await;
    let client = builder(&server)
        .retry_backoff(Duration::from_secs(3600), Duration::from_secs(3600))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = client
        .client_certificates()
        .get(&ZoneId::new(ZONE), &ClientCertificateId::new(ID))
        .await
        .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        (server.attempts(), err.status().map(|s| s.as_u16())),
        (1, Some(502))
    );
}

// ---------------------------------------------------------------- settings

#[tokio::test]
async fn settings_are_validated_per_request_as_per_client() {
    let server = FaultServer::always(Action::respond(Reply::ok(certificate(ID)))).await;
    let certs = client(&server).client_certificates();
    let refused = [
        certs
            .get(&ZoneId::new(ZONE), &ClientCertificateId::new(ID))
            .timeout(Duration::ZERO)
            .await,
        certs
            .get(&ZoneId::new(ZONE), &ClientCertificateId::new(ID))
            .timeout(Duration::MAX)
            .await,
        certs
            .get(&ZoneId::new(ZONE), &ClientCertificateId::new(ID))
            .total_timeout(Duration::ZERO)
            .await,
        certs
            .get(&ZoneId::new(ZONE), &ClientCertificateId::new(ID))
            .max_retries(u32::MAX)
            .await,
        certs
            .get(&ZoneId::new(ZONE), &ClientCertificateId::new(ID))
            .max_response_bytes(0)
            .await,
    ];
    for result in refused {
        let err = result.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{err:?}");
    }
    assert_eq!(
        server.attempts(),
        0,
        "nothing is sent with invalid settings"
    );
    for builder in [
        builder(&server).retry_backoff(Duration::MAX, Duration::MAX),
        builder(&server).timeout(Duration::ZERO),
        builder(&server).total_timeout(Duration::from_secs(100_000)),
    ] {
        let err = builder.build().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Configuration, "{err:?}");
    }
}

#[test]
fn plain_http_to_another_host_with_credentials_is_refused() {
    let err = Client::builder()
        .base_url("http://api.example.com/client/v4")
        .credentials(Credentials::api_token(TOKEN))
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Configuration);
    assert!(err.to_string().contains("allow_insecure_http"), "{err}");
    assert!(!err.to_string().contains(TOKEN));
    assert!(
        Client::builder()
            .base_url("http://api.example.com/client/v4")
            .credentials(Credentials::api_token(TOKEN))
            .allow_insecure_http(true)
            .build()
            .is_ok()
    );
}

// ---------------------------------------------------------------- secrets

#[tokio::test]
async fn echoed_credentials_are_scrubbed_from_errors() {
    // A proxy error page that echoes the request headers, as some do.
    let server = FaultServer::start(|request, _| {
        let mut page = String::from("<html><body><h1>502 Bad Gateway</h1><pre>");
        for (name, value) in &request.headers {
            page.push_str(&format!("{name}: {value}\n"));
        }
        page.push_str("</pre></body></html>");
        Action::respond(Reply::raw(502, page).header("Content-Type", "text/html"))
    })
    .await;
    for credentials in [
        Credentials::api_token(TOKEN),
        Credentials::api_key(EMAIL, KEY),
    ] {
        let client = builder(&server).credentials(credentials).build().unwrap();
        let err = client
            .client_certificates()
            .get(&ZoneId::new(ZONE), &ClientCertificateId::new(ID))
            .header("X-Session-Token", "sess-0123456789")
            .max_retries(0)
            .await
            .unwrap_err();
        let excerpt = err.api_error().unwrap().body_excerpt.clone().unwrap();
        assert!(excerpt.contains("<redacted>"), "{excerpt}");
        for shown in [err.to_string(), format!("{err:?}"), excerpt] {
            for secret in [TOKEN, EMAIL, KEY, "sess-0123456789"] {
                assert!(!shown.contains(secret), "{secret} in {shown}");
            }
        }
    }

    // The same page echoing the request line too, for the other ways of authenticating:
    // an API key in the query string, a cookie, and basic authentication.
    let server = FaultServer::start(|request, _| {
        let mut page = format!("<pre>{} {}\n", request.method, request.target);
        for (name, value) in &request.headers {
            page.push_str(&format!("{name}: {value}\n"));
        }
        Action::respond(Reply::raw(502, page).header("Content-Type", "text/html"))
    })
    .await;
    let credentials = Credentials::query("api_key", KEY)
        .and_cookie("session", TOKEN)
        .and_basic(EMAIL, "pa55-w0rd-pa55-w0rd");
    let keyed = builder(&server).credentials(credentials).build().unwrap();
    let err = keyed
        .client_certificates()
        .get(&ZoneId::new(ZONE), &ClientCertificateId::new(ID))
        .max_retries(0)
        .await
        .unwrap_err();
    let excerpt = err.api_error().unwrap().body_excerpt.clone().unwrap();
    assert!(excerpt.contains("api_key=<redacted>"), "{excerpt}");
    let request = &server.requests()[0];
    assert!(
        request.target.ends_with(&format!("?api_key={KEY}")),
        "{}",
        request.target
    );
    for shown in [err.to_string(), format!("{err:?}"), excerpt] {
        for secret in [TOKEN, KEY, "pa55-w0rd-pa55-w0rd"] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
    }
    assert!(!format!("{:?}", Credentials::query("api_key", KEY)).contains(KEY));

    // An error envelope whose message quotes the token, and a 200 that does not decode.
    let server = FaultServer::sequence(vec![
        Action::respond(Reply::error(400, 6003, &format!("Invalid token {TOKEN}"))),
        Action::respond(Reply::raw(
            200,
            format!("{{\"success\": true, \"auth\": \"{TOKEN}"),
        )),
    ])
    .await;
    let certs = client(&server).client_certificates();
    for _ in 0..2 {
        let err = certs
            .get(&ZoneId::new(ZONE), &ClientCertificateId::new(ID))
            .await
            .unwrap_err();
        for shown in [err.to_string(), format!("{err:?}")] {
            assert!(!shown.contains(TOKEN), "{shown}");
            assert!(
                !shown.contains(&TOKEN[..12]),
                "a cut prefix leaks too: {shown}"
            );
        }
    }
}

// ---------------------------------------------------------------- pooled connections

/// A keep-alive server that, like a load balancer past its idle timeout, closes a
/// connection that sat idle for more than 300 ms when the next request arrives.
async fn closes_idle_connections() -> FaultServer {
    FaultServer::keep_alive(|request, _| match request.idle {
        Some(idle) if idle > Duration::from_millis(300) => Action::Close,
        _ => Action::respond(Reply::ok(certificate(ID))),
    })
    .await
}

#[tokio::test]
async fn an_idle_connection_is_not_reused_past_the_pool_idle_timeout() {
    // Without an idle timeout the create goes out on the stale connection and is lost;
    // it is correctly not retried, since the server may have acted on it.
    let server = closes_idle_connections().await;
    let stale = builder(&server).pool_idle_timeout(None).build().unwrap();
    stale
        .client_certificates()
        .get(&ZoneId::new(ZONE), &ClientCertificateId::new(ID))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(600)).await;
    let err = stale
        .client_certificates()
        .create(&ZoneId::new(ZONE), create_body())
        .await
        .unwrap_err();
    assert!(err.is_connection(), "{err:?}");
    assert_eq!((server.attempts(), server.connections()), (2, 1));

    // With an idle timeout below the server's, the create gets a fresh connection.
    let server = closes_idle_connections().await;
    let fresh = builder(&server)
        .pool_idle_timeout(Some(Duration::from_millis(150)))
        .build()
        .unwrap();
    fresh
        .client_certificates()
        .get(&ZoneId::new(ZONE), &ClientCertificateId::new(ID))
        .await
        .unwrap();
    fresh
        .client_certificates()
        .get(&ZoneId::new(ZONE), &ClientCertificateId::new(ID))
        .await
        .unwrap();
    assert_eq!(
        server.connections(),
        1,
        "back-to-back requests share the connection"
    );
    tokio::time::sleep(Duration::from_millis(600)).await;
    let cert = fresh
        .client_certificates()
        .create(&ZoneId::new(ZONE), create_body())
        .await
        .unwrap();
    assert_eq!(cert.id, ID);
    assert_eq!((server.attempts(), server.connections()), (3, 2));
}

// ---------------------------------------------------------------- duplicate keys

#[tokio::test]
async fn a_key_that_comes_twice_is_a_decode_error_everywhere() {
    let twice_in_model = format!(
        r#"{{"success":true,"errors":[],"messages":[],"result":{{"id":"{ID}","status":"active","id":"other"}}}}"#
    );
    let twice_in_envelope = format!(
        r#"{{"success":false,"errors":[],"messages":[],"result":{{"id":"{ID}"}},"success":true}}"#
    );
    for body in [twice_in_model, twice_in_envelope] {
        let server = FaultServer::always(Action::respond(
            Reply::raw(200, body.clone()).header("Content-Type", "application/json"),
        ))
        .await;
        let err = client(&server)
            .client_certificates()
            .get(&ZoneId::new(ZONE), &ClientCertificateId::new(ID))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Decode, "{body}: {err:?}");
        assert!(err.to_string().contains("duplicate field"), "{err}");
    }
    // The same object without the repetition decodes.
    let server = FaultServer::always(Action::respond(Reply::json(
        200,
        &success(json!({"id": ID, "status": "active"})),
    )))
    .await;
    assert!(
        client(&server)
            .client_certificates()
            .get(&ZoneId::new(ZONE), &ClientCertificateId::new(ID))
            .await
            .is_ok()
    );
}
