//! The generated client against a scripted raw-TCP server (`apigen_tests::faults`):
//! retries and their limits, `Retry-After`, timeouts, broken connections, undecodable
//! bodies, the retry policy of non-idempotent requests, and retried pages.
//!
//! Every server connection carries one request, so the server's request count is the
//! client's attempt count. Backoff is shortened to milliseconds except where a
//! server-requested delay must be observed.

use cloudflare_client_certificates::models::{ClientCertificateId, ZoneId};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use apigen_tests::faults::{
    Action, FaultServer, Reply, SeenRequest, certificate, failure, item_id, list_page,
};
use cloudflare_client_certificates::models::{ClientCertificate, CreateClientCertificateRequest};
use cloudflare_client_certificates::{Client, ClientBuilder, Credentials, Error, ErrorKind};
use futures_util::StreamExt;

const ZONE: &str = "023e105f4ecef8ad9ca31a8372d0c353";
const ID: &str = "0123456789abcdef0123456789abcdef";

fn builder(server: &FaultServer) -> ClientBuilder {
    Client::builder()
        .base_url(&server.base_url)
        .credentials(Credentials::api_token("fault-token"))
        .retry_backoff(Duration::from_millis(1), Duration::from_millis(5))
}

fn client(server: &FaultServer) -> Client {
    builder(server).build().expect("client builds")
}

fn ok_certificate() -> Action {
    Action::respond(Reply::ok(certificate(ID)))
}

fn create_body() -> CreateClientCertificateRequest {
    CreateClientCertificateRequest {
        csr: "-----BEGIN CERTIFICATE REQUEST-----\nMIIC\n-----END CERTIFICATE REQUEST-----".into(),
        validity_days: 30,
    }
}

/// Headers with `Content-Length: 1000`, then 10 bytes of body, then the connection
/// closes.
fn truncated_body() -> Action {
    Action::Truncate {
        reply: Reply::raw(200, "{\"success\"").header("Content-Type", "application/json"),
        declared: 1000,
    }
}

/// The `page` query parameter of a request, 1 when absent.
fn page_of(request: &SeenRequest) -> usize {
    request
        .query_param("page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(1)
}

fn assert_certificate(result: Result<ClientCertificate, Error>) {
    let cert = result.unwrap_or_else(|e| panic!("expected success, got {e:?}"));
    assert_eq!(cert.id, ID);
}

#[tokio::test]
async fn rate_limit_with_retry_after_seconds_waits_that_long() {
    let server = FaultServer::sequence(vec![
        Action::respond(Reply::error(429, 10429, "Rate limited").header("Retry-After", "1")),
        ok_certificate(),
    ])
    .await;
    let started = Instant::now();
    assert_certificate(
        client(&server)
            .client_certificates()
            .get(&ZoneId::new(ZONE), &ClientCertificateId::new(ID))
            .await,
    );
    let elapsed = started.elapsed();
    assert_eq!(server.attempts(), 2);
    // The configured backoff is at most 5 ms: only Retry-After explains the wait.
    assert!(
        server.gap(0) >= Duration::from_millis(950),
        "{:?}",
        server.gap(0)
    );
    assert!(elapsed >= Duration::from_millis(950), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
}

#[tokio::test]
async fn retry_after_ms_is_preferred_to_the_backoff() {
    let server = FaultServer::sequence(vec![
        Action::respond(Reply::error(429, 10429, "Rate limited").header("retry-after-ms", "300")),
        Action::respond(Reply::error(503, 1503, "Unavailable").header("retry-after-ms", "200")),
        ok_certificate(),
    ])
    .await;
    // A 10 s backoff would make this test take 20 s; the server asks for 0.5 s in all.
    let client = builder(&server)
        .retry_backoff(Duration::from_secs(10), Duration::from_secs(10))
        .build()
        .unwrap();
    let started = Instant::now();
    assert_certificate(
        client
            .client_certificates()
            .get(&ZoneId::new(ZONE), &ClientCertificateId::new(ID))
            .await,
    );
    assert_eq!(server.attempts(), 3);
    assert!(
        server.gap(0) >= Duration::from_millis(290),
        "{:?}",
        server.gap(0)
    );
    assert!(
        server.gap(1) >= Duration::from_millis(190),
        "{:?}",
        server.gap(1)
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn rate_limit_forever_reports_the_last_429() {
    let server = FaultServer::always(Action::respond(
        Reply::error(429, 10429, "Rate limited").header("Retry-After", "0"),
    ))
    .await;
    let err = client(&server)
        .client_certificates()
        .list(&ZoneId::new(ZONE))
        .await
        .unwrap_err();
    assert_eq!(server.attempts(), 3, "1 + 2 default retries");
    assert_eq!(err.kind(), ErrorKind::RateLimited);
    assert!(err.is_rate_limited() && err.is_retryable());
    let api = err.api_error().unwrap();
    assert_eq!(api.retry_after(), Some(Duration::ZERO));
    assert_eq!(api.errors()[0].code, 10429);
}

#[tokio::test]
async fn server_error_then_success_is_retried() {
    let server = FaultServer::sequence(vec![Action::status(503), ok_certificate()]).await;
    assert_certificate(
        client(&server)
            .client_certificates()
            .get(&ZoneId::new(ZONE), &ClientCertificateId::new(ID))
            .await,
    );
    assert_eq!(server.attempts(), 2);
    let requests = server.requests();
    assert_eq!(requests[0].target, requests[1].target);
    assert_eq!(
        requests[1].header("authorization"),
        Some("Bearer fault-token")
    );
}

#[tokio::test]
async fn server_error_forever_stops_after_one_plus_max_retries_attempts() {
    for (max_retries, attempts) in [(None, 3), (Some(0), 1), (Some(1), 2), (Some(4), 5)] {
        let server = FaultServer::always(Action::status(503)).await;
        let mut b = builder(&server);
        if let Some(n) = max_retries {
            b = b.max_retries(n);
        }
        let err = b
            .build()
            .unwrap()
            .client_certificates()
            .get(&ZoneId::new(ZONE), &ClientCertificateId::new(ID))
            .await
            .unwrap_err();
        assert_eq!(
            server.attempts(),
            attempts,
            "client max_retries {max_retries:?}"
        );
        assert_eq!(err.kind(), ErrorKind::Server);
        assert!(err.is_server_error());
        assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
        assert_eq!(err.api_error().unwrap().errors()[0].code, 1503);
    }

    // Per request, overriding the client.
    let server = FaultServer::always(Action::status(500)).await;
    let client = builder(&server).max_retries(5).build().unwrap();
    let err = client
        .client_certificates()
        .get(&ZoneId::new(ZONE), &ClientCertificateId::new(ID))
        .max_retries(0)
        .await
        .unwrap_err();
    assert_eq!(server.attempts(), 1);
    assert!(err.is_server_error());

    // A non-envelope error body is kept as an excerpt.
    let server = FaultServer::always(Action::respond(
        Reply::raw(502, "<html><body>502 Bad Gateway</body></html>")
            .header("Content-Type", "text/html")
            .header("cf-ray", "8a1b2c3d4e5f6a7b-LHR"),
    ))
    .await;
    let err = builder(&server)
        .max_retries(1)
        .build()
        .unwrap()
        .client_certificates()
        .list(&ZoneId::new(ZONE))
        .await
        .unwrap_err();
    assert_eq!(server.attempts(), 2);
    let api = err.api_error().unwrap();
    assert!(api.errors().is_empty());
    assert_eq!(
        api.body_excerpt.as_deref(),
        Some("<html><body>502 Bad Gateway</body></html>")
    );
    assert_eq!(api.request_id(), Some("8a1b2c3d4e5f6a7b-LHR"));
    assert_eq!(
        err.to_string(),
        "HTTP 502 Bad Gateway: <html><body>502 Bad Gateway</body></html> (cf-ray 8a1b2c3d4e5f6a7b-LHR)"
    );
}

#[tokio::test]
async fn slow_responses_time_out_and_get_is_retried() {
    let slow = || Action::delay(Duration::from_secs(3), ok_certificate());
    let timeout = Duration::from_millis(200);

    // Slow, then fast: the retry succeeds.
    let server = FaultServer::sequence(vec![slow(), ok_certificate()]).await;
    let started = Instant::now();
    let result = client(&server)
        .client_certificates()
        .get(&ZoneId::new(ZONE), &ClientCertificateId::new(ID))
        .timeout(timeout)
        .await;
    assert_certificate(result);
    assert_eq!(server.attempts(), 2);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );

    // Always slow: a timeout error after every attempt timed out.
    let server = FaultServer::always(slow()).await;
    let client = builder(&server)
        .timeout(timeout)
        .max_retries(1)
        .build()
        .unwrap();
    let started = Instant::now();
    let err = client
        .client_certificates()
        .get(&ZoneId::new(ZONE), &ClientCertificateId::new(ID))
        .await
        .unwrap_err();
    let elapsed = started.elapsed();
    assert_eq!(server.attempts(), 2);
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert!(err.is_timeout() && err.is_retryable());
    assert!(
        matches!(err, Error::Timeout { after, attempts: 2, total_timeout: None, .. } if after == timeout),
        "{err:?}"
    );
    let shown = err.to_string();
    assert!(
        shown.starts_with("request timed out after 200ms (2 attempts, "),
        "{shown}"
    );
    assert!(elapsed >= 2 * timeout, "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(2), "{elapsed:?}");
}

#[tokio::test]
async fn a_stalled_body_counts_against_the_timeout() {
    let stalled = Action::Trickle {
        reply: Reply::ok(certificate(ID)),
        split: 12,
        pause: Duration::from_secs(3),
    };
    let server = FaultServer::sequence(vec![stalled.clone(), ok_certificate()]).await;
    let started = Instant::now();
    let result = client(&server)
        .client_certificates()
        .get(&ZoneId::new(ZONE), &ClientCertificateId::new(ID))
        .timeout(Duration::from_millis(300))
        .await;
    assert_certificate(result);
    assert_eq!(server.attempts(), 2);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );

    let server = FaultServer::always(stalled).await;
    let err = client(&server)
        .client_certificates()
        .create(&ZoneId::new(ZONE), create_body())
        .timeout(Duration::from_millis(300))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err:?}");
    assert_eq!(server.attempts(), 1, "POST is not retried after a timeout");
}

#[tokio::test]
async fn a_retry_after_beyond_the_time_left_gives_up_at_once() {
    // A day is more than the call's total timeout (120 s by default): no retry
    // is made, and the error carries the delay the server asked for.
    let server = FaultServer::sequence(vec![
        Action::respond(Reply::error(429, 10429, "Rate limited").header("Retry-After", "86400")),
        ok_certificate(),
    ])
    .await;
    let started = Instant::now();
    let err = client(&server)
        .client_certificates()
        .get(&ZoneId::new(ZONE), &ClientCertificateId::new(ID))
        .await
        .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(server.attempts(), 1);
    assert!(err.is_rate_limited(), "{err:?}");
    assert_eq!(
        err.api_error().unwrap().retry_after(),
        Some(Duration::from_secs(86400))
    );

    // Out of retries: the error comes back at once, carrying the requested delay.
    let server = FaultServer::always(Action::respond(
        Reply::error(429, 10429, "Rate limited").header("Retry-After", "30"),
    ))
    .await;
    let started = Instant::now();
    let err = client(&server)
        .client_certificates()
        .get(&ZoneId::new(ZONE), &ClientCertificateId::new(ID))
        .max_retries(0)
        .await
        .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(server.attempts(), 1);
    assert!(err.is_rate_limited());
    assert_eq!(
        err.api_error().unwrap().retry_after(),
        Some(Duration::from_secs(30))
    );
}

#[tokio::test]
async fn body_cut_short_is_a_connection_error_and_get_is_retried() {
    let server = FaultServer::sequence(vec![truncated_body(), ok_certificate()]).await;
    assert_certificate(
        client(&server)
            .client_certificates()
            .get(&ZoneId::new(ZONE), &ClientCertificateId::new(ID))
            .await,
    );
    assert_eq!(server.attempts(), 2);

    let server = FaultServer::always(truncated_body()).await;
    let err = builder(&server)
        .max_retries(2)
        .build()
        .unwrap()
        .client_certificates()
        .get(&ZoneId::new(ZONE), &ClientCertificateId::new(ID))
        .await
        .unwrap_err();
    assert_eq!(server.attempts(), 3);
    assert_eq!(err.kind(), ErrorKind::Connection, "{err:?}");
    assert!(err.is_connection() && err.is_retryable());
    assert!(err.status().is_none());
    assert!(!err.to_string().contains(&server.base_url), "{err}");
}

#[tokio::test]
async fn connection_reset_or_closed_before_answering_is_retried_for_get() {
    for fault in [Action::Reset, Action::Close] {
        let server = FaultServer::sequence(vec![fault.clone(), ok_certificate()]).await;
        assert_certificate(
            client(&server)
                .client_certificates()
                .get(&ZoneId::new(ZONE), &ClientCertificateId::new(ID))
                .await,
        );
        assert_eq!(server.attempts(), 2, "{fault:?}");

        let server = FaultServer::always(fault.clone()).await;
        let err = builder(&server)
            .max_retries(1)
            .build()
            .unwrap()
            .client_certificates()
            .delete(&ZoneId::new(ZONE), &ClientCertificateId::new(ID))
            .await
            .unwrap_err();
        assert_eq!(server.attempts(), 2, "{fault:?}");
        assert_eq!(err.kind(), ErrorKind::Connection, "{fault:?}: {err:?}");
    }
}

#[tokio::test]
async fn malformed_json_is_a_decode_error_with_a_body_excerpt() {
    let body = r#"{"success":true,"errors":[],"result":{"id":"0123"#;
    let server = FaultServer::always(Action::respond(
        Reply::raw(200, body).header("Content-Type", "application/json"),
    ))
    .await;
    let err = client(&server)
        .client_certificates()
        .get(&ZoneId::new(ZONE), &ClientCertificateId::new(ID))
        .await
        .unwrap_err();
    assert_eq!(server.attempts(), 1, "a decode error is not retried");
    assert_eq!(err.kind(), ErrorKind::Decode);
    assert_eq!(err.status().map(|s| s.as_u16()), Some(200));
    match &err {
        Error::Decode {
            status,
            message,
            body_excerpt,
            headers,
        } => {
            assert_eq!(status.as_u16(), 200);
            assert!(message.contains("invalid JSON envelope"), "{message}");
            assert_eq!(body_excerpt, body);
            assert_eq!(headers["content-type"], "application/json");
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
    assert!(err.to_string().contains("body starts with"), "{err}");

    // Valid JSON with a result of the wrong shape.
    let server = FaultServer::always(Action::respond(Reply::ok(serde_json::json!({
        "id": ID,
        "validity_days": "ten years",
    }))))
    .await;
    let err = client(&server)
        .client_certificates()
        .get(&ZoneId::new(ZONE), &ClientCertificateId::new(ID))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode, "{err:?}");
    assert!(
        err.to_string().contains("validity_days") || err.to_string().contains("invalid type"),
        "{err}"
    );

    // A long body is cut to an excerpt.
    let long = format!("{{\"success\":true,\"result\":[{}", "\"x\",".repeat(500));
    let server = FaultServer::always(Action::respond(Reply::raw(200, long.clone()))).await;
    let err = client(&server)
        .client_certificates()
        .list(&ZoneId::new(ZONE))
        .await
        .unwrap_err();
    let Error::Decode { body_excerpt, .. } = &err else {
        panic!("expected a decode error, got {err:?}");
    };
    assert_eq!(body_excerpt.chars().count(), 256);
    assert!(long.starts_with(body_excerpt.trim_end_matches('…')));
}

#[tokio::test]
async fn success_false_with_http_200_is_an_api_error() {
    let server = FaultServer::always(Action::respond(
        Reply::json(200, &failure(1003, "Invalid or missing zone id."))
            .header("cf-ray", "7f00aa11bb22cc33-AMS"),
    ))
    .await;
    let err = client(&server)
        .client_certificates()
        .get(&ZoneId::new(ZONE), &ClientCertificateId::new(ID))
        .await
        .unwrap_err();
    assert_eq!(server.attempts(), 1);
    assert_eq!(err.kind(), ErrorKind::OtherStatus);
    assert!(!err.is_retryable());
    let api = err.api_error().unwrap();
    assert_eq!(api.status().as_u16(), 200);
    assert_eq!(api.errors().len(), 1);
    assert_eq!(api.errors()[0].code, 1003);
    assert_eq!(api.errors()[0].message, "Invalid or missing zone id.");
    assert_eq!(api.request_id(), Some("7f00aa11bb22cc33-AMS"));
    assert_eq!(
        err.to_string(),
        "HTTP 200 OK: [1003] Invalid or missing zone id. (cf-ray 7f00aa11bb22cc33-AMS)"
    );
}

#[tokio::test]
async fn create_is_retried_only_when_it_is_safe() {
    let create = |server: &FaultServer| {
        client(server)
            .client_certificates()
            .create(&ZoneId::new(ZONE), create_body())
    };

    // 503: the server may have acted, so no retry.
    let server = FaultServer::sequence(vec![Action::status(503), ok_certificate()]).await;
    let err = create(&server).await.unwrap_err();
    assert_eq!(server.attempts(), 1);
    assert!(err.is_server_error(), "{err:?}");

    // Timeout: no retry either.
    let server = FaultServer::sequence(vec![
        Action::delay(Duration::from_secs(3), ok_certificate()),
        ok_certificate(),
    ])
    .await;
    let err = create(&server)
        .timeout(Duration::from_millis(200))
        .await
        .unwrap_err();
    assert_eq!(server.attempts(), 1);
    assert!(err.is_timeout(), "{err:?}");

    // Connection lost after sending: no retry.
    let server = FaultServer::sequence(vec![truncated_body(), ok_certificate()]).await;
    let err = create(&server).await.unwrap_err();
    assert_eq!(server.attempts(), 1);
    assert!(err.is_connection(), "{err:?}");

    // 429 means the request was not processed: retried.
    let server = FaultServer::sequence(vec![
        Action::respond(Reply::error(429, 10429, "Rate limited").header("Retry-After", "0")),
        ok_certificate(),
    ])
    .await;
    assert_certificate(create(&server).await);
    assert_eq!(server.attempts(), 2);
    let requests = server.requests();
    assert_eq!(requests[0].method, "POST");
    assert_eq!(
        requests[0].body, requests[1].body,
        "the same body is sent again"
    );
    let sent: serde_json::Value = serde_json::from_slice(&requests[1].body).unwrap();
    assert_eq!(sent["validity_days"], 30);

    // Declared idempotent: 503 and timeouts are retried.
    let server = FaultServer::sequence(vec![Action::status(503), ok_certificate()]).await;
    assert_certificate(create(&server).idempotent(true).await);
    assert_eq!(server.attempts(), 2);
    let server = FaultServer::sequence(vec![
        Action::delay(Duration::from_secs(3), ok_certificate()),
        ok_certificate(),
    ])
    .await;
    let result = create(&server)
        .idempotent(true)
        .timeout(Duration::from_millis(200))
        .await;
    assert_certificate(result);
    assert_eq!(server.attempts(), 2);
}

#[tokio::test]
async fn retry_policy_of_the_other_methods() {
    // PATCH is not idempotent: no retry on 503.
    let server = FaultServer::always(Action::status(503)).await;
    let err = client(&server)
        .client_certificates()
        .edit(&ZoneId::new(ZONE), &ClientCertificateId::new(ID))
        .reactivate(true)
        .await
        .unwrap_err();
    assert!(err.is_server_error());
    assert_eq!(server.attempts(), 1);

    // DELETE is: retried.
    let server = FaultServer::sequence(vec![Action::status(503), ok_certificate()]).await;
    assert_certificate(
        client(&server)
            .client_certificates()
            .delete(&ZoneId::new(ZONE), &ClientCertificateId::new(ID))
            .await,
    );
    assert_eq!(server.attempts(), 2);

    // A GET declared non-idempotent is not retried.
    let server = FaultServer::always(Action::status(503)).await;
    let err = client(&server)
        .client_certificates()
        .get(&ZoneId::new(ZONE), &ClientCertificateId::new(ID))
        .idempotent(false)
        .await
        .unwrap_err();
    assert!(err.is_server_error());
    assert_eq!(server.attempts(), 1);

    // Client errors are never retried.
    for status in [400, 401, 403, 404, 422] {
        let server = FaultServer::always(Action::status(status)).await;
        let err = client(&server)
            .client_certificates()
            .get(&ZoneId::new(ZONE), &ClientCertificateId::new(ID))
            .await
            .unwrap_err();
        assert_eq!(err.status().map(|s| s.as_u16()), Some(status));
        assert_eq!(server.attempts(), 1, "{status}");
    }
}

#[tokio::test]
async fn a_page_that_fails_once_is_retried_without_losing_or_repeating_items() {
    const TOTAL: usize = 35;
    let failed = AtomicBool::new(false);
    let flaky = FaultServer::start(move |request, _| {
        let page = page_of(request);
        if page == 2 && !failed.swap(true, Ordering::SeqCst) {
            return Action::status(503);
        }
        Action::respond(Reply::json(200, &list_page(page, 10, TOTAL)))
    })
    .await;

    let items: Vec<ClientCertificate> = client(&flaky)
        .client_certificates()
        .list(&ZoneId::new(ZONE))
        .per_page(10)
        .stream()
        .map(|item| item.expect("every page succeeds in the end"))
        .collect()
        .await;
    let expected: Vec<String> = (0..TOTAL).map(item_id).collect();
    let got: Vec<String> = items.iter().map(|c| c.id.to_string()).collect();
    assert_eq!(got, expected);
    let pages: Vec<String> = flaky
        .requests()
        .iter()
        .map(|r| r.query_param("page").unwrap_or_default())
        .collect();
    assert_eq!(pages, ["1", "2", "2", "3", "4"]);
}

#[tokio::test]
async fn a_page_that_keeps_failing_ends_the_stream_with_one_error() {
    let server = FaultServer::start(|request, _| {
        let page = page_of(request);
        if page == 3 {
            Action::status(503)
        } else {
            Action::respond(Reply::json(200, &list_page(page, 5, 40)))
        }
    })
    .await;
    let results: Vec<Result<ClientCertificate, Error>> = builder(&server)
        .max_retries(1)
        .build()
        .unwrap()
        .client_certificates()
        .list(&ZoneId::new(ZONE))
        .per_page(5)
        .stream()
        .collect()
        .await;
    assert_eq!(
        results.len(),
        11,
        "10 items of pages 1 and 2, then the error"
    );
    for (i, result) in results[..10].iter().enumerate() {
        assert_eq!(result.as_ref().unwrap().id, item_id(i).as_str());
    }
    let err = results[10].as_ref().unwrap_err();
    assert!(err.is_server_error(), "{err:?}");
    let pages: Vec<String> = server
        .requests()
        .iter()
        .map(|r| r.query_param("page").unwrap_or_default())
        .collect();
    assert_eq!(pages, ["1", "2", "3", "3"]);
}

#[tokio::test]
async fn redirects_to_another_host_are_not_followed() {
    let elsewhere = FaultServer::always(ok_certificate()).await;
    let location = format!(
        "{}/zones/{ZONE}/client_certificates/{ID}",
        elsewhere.base_url
    );
    let server = FaultServer::always(Action::respond(
        Reply::raw(307, "").header("Location", &location),
    ))
    .await;
    let err = client(&server)
        .client_certificates()
        .get(&ZoneId::new(ZONE), &ClientCertificateId::new(ID))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Redirect, "{err:?}");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(307));
    assert_eq!(server.attempts(), 1, "a refused redirect is not retried");
    assert_eq!(
        elsewhere.attempts(),
        0,
        "credentials never go to another host"
    );
}

#[tokio::test]
async fn a_refused_connection_is_retried_even_for_create() {
    // Nothing listens on the port: the request never left, so retrying is safe.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let client = |max_retries| {
        Client::builder()
            .base_url(format!("http://127.0.0.1:{port}"))
            .without_credentials()
            .retry_backoff(Duration::from_millis(100), Duration::from_millis(100))
            .max_retries(max_retries)
            .build()
            .unwrap()
    };
    let (three_retries, no_retry) = (client(3), client(0));
    // Each retry waits 75..=100 ms: the time taken counts the attempts.
    let started = Instant::now();
    let err = three_retries
        .client_certificates()
        .create(&ZoneId::new(ZONE), create_body())
        .await
        .unwrap_err();
    let elapsed = started.elapsed();
    assert_eq!(err.kind(), ErrorKind::Connection, "{err:?}");
    assert!(
        err.to_string()
            .starts_with("connection error: could not connect"),
        "{err}"
    );
    assert!(
        elapsed >= Duration::from_millis(225),
        "3 retries: {elapsed:?}"
    );
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");

    let started = Instant::now();
    let err = no_retry
        .client_certificates()
        .create(&ZoneId::new(ZONE), create_body())
        .await
        .unwrap_err();
    assert!(err.is_connection(), "{err:?}");
    assert!(
        started.elapsed() < Duration::from_millis(75),
        "{:?}",
        started.elapsed()
    );
}
