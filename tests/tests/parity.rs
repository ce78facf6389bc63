//! The escape hatches and page-level access the official SDKs offer, against a local
//! scripted server: pages, raw responses, extra query and body fields, raw requests,
//! client defaults, headers on errors, `x-should-retry`, and credentials that fail fast.

use std::time::Duration;

use apigen_tests::faults::{
    Action, FaultServer, Reply, SeenRequest, certificate, failure, item_id, list_page, success,
};
use cloudflare_client_certificates::models::{
    ClientCertificate, ClientCertificateId, CreateClientCertificateRequest, ZoneId,
};
use cloudflare_client_certificates::{Client, ClientBuilder, Credentials, Error, ErrorKind};
use futures_util::TryStreamExt;
use serde_json::{Value, json};

const ZONE: &str = "023e105f4ecef8ad9ca31a8372d0c353";
const ID: &str = "0123456789abcdef0123456789abcdef";
fn zone() -> ZoneId {
    ZoneId::new(ZONE)
}

fn cert_id(id: &str) -> ClientCertificateId {
    ClientCertificateId::new(id)
}

const TOKEN: &str = "parity-token-5ecret";

fn builder(server: &FaultServer) -> ClientBuilder {
    Client::builder()
        .base_url(format!("{}/client/v4", server.base_url))
        .credentials(Credentials::api_token(TOKEN))
        .retry_backoff(Duration::from_millis(1), Duration::from_millis(5))
}

fn client(server: &FaultServer) -> Client {
    builder(server).build().expect("client builds")
}

fn page_of(request: &SeenRequest) -> usize {
    request
        .query_param("page")
        .map_or(1, |p| p.parse().expect("a page number"))
}

fn body_of(request: &SeenRequest) -> Value {
    serde_json::from_slice(&request.body).expect("a JSON body")
}

fn ids(items: &[ClientCertificate]) -> Vec<String> {
    items.iter().map(|c| c.id.as_str().to_owned()).collect()
}

/// 12 certificates in pages of 5, each response with an `x-page` header.
async fn twelve_in_pages_of_five() -> FaultServer {
    FaultServer::start(|request, _| {
        let page = page_of(request);
        Action::respond(
            Reply::json(200, &list_page(page, 5, 12)).header("x-page", &page.to_string()),
        )
    })
    .await
}

#[tokio::test]
async fn first_page_and_next_page_walk_the_list() {
    let server = twelve_in_pages_of_five().await;
    let certs = client(&server).client_certificates();
    let first = certs.list(&zone()).per_page(5).first_page().await.unwrap();
    assert_eq!(first.page_number(), 1);
    assert_eq!(ids(first.items()), (0..5).map(item_id).collect::<Vec<_>>());
    let info = first.result_info().expect("the envelope's result_info");
    assert_eq!(
        (info.page, info.total_pages, info.total_count),
        (Some(1), Some(3), Some(12))
    );
    assert_eq!(first.status().as_u16(), 200);
    assert_eq!(first.headers()["x-page"], "1");
    assert!(first.has_next_page());

    let second = first.next_page().await.unwrap().expect("a second page");
    assert_eq!(second.headers()["x-page"], "2");
    assert_eq!(
        ids(second.items()),
        (5..10).map(item_id).collect::<Vec<_>>()
    );
    // The first page can be asked again for its next page: the same page comes.
    let again = first.next_page().await.unwrap().unwrap();
    assert_eq!(ids(again.items()), ids(second.items()));
    let third = second.next_page().await.unwrap().unwrap();
    assert_eq!(third.items().len(), 2);
    assert!(!third.has_next_page());
    assert!(third.next_page().await.unwrap().is_none());
    let seen: Vec<usize> = server.requests().iter().map(page_of).collect();
    assert_eq!(seen, [1, 2, 2, 3]);
    assert!(
        server
            .requests()
            .iter()
            .all(|r| r.query_param("per_page").as_deref() == Some("5"))
    );

    // From a page set on the builder.
    let from_two = certs
        .list(&zone())
        .per_page(5)
        .page(2)
        .first_page()
        .await
        .unwrap();
    assert_eq!(from_two.page_number(), 2);
    assert_eq!(from_two.into_items().len(), 5);
}

#[tokio::test]
async fn pages_stream_yields_every_page_with_its_metadata() {
    let server = twelve_in_pages_of_five().await;
    let pages: Vec<_> = client(&server)
        .client_certificates()
        .list(&zone())
        .per_page(5)
        .pages()
        .try_collect()
        .await
        .unwrap();
    let sizes: Vec<usize> = pages.iter().map(|p| p.items().len()).collect();
    assert_eq!(sizes, [5, 5, 2]);
    let headers: Vec<&str> = pages
        .iter()
        .map(|p| p.headers()["x-page"].to_str().unwrap())
        .collect();
    assert_eq!(headers, ["1", "2", "3"]);
    assert_eq!(server.attempts(), 3);
}

#[tokio::test]
async fn pages_of_a_server_that_never_stops_end_with_an_error() {
    // Always a full page of new items, never a total: a list without end.
    let endless = FaultServer::start(|request, _| {
        let page = page_of(request);
        let items: Vec<Value> = (0..5)
            .map(|n| certificate(&item_id(page * 5 + n)))
            .collect();
        Action::respond(Reply::json(
            200,
            &json!({"success": true, "errors": [], "messages": [], "result": items,
                    "result_info": {"page": page, "per_page": 5}}),
        ))
    })
    .await;
    let certs = client(&endless).client_certificates();
    let mut pages = certs.list(&zone()).per_page(5).pages().max_pages(3);
    for _ in 0..3 {
        assert!(pages.try_next().await.unwrap().is_some());
    }
    let err = pages.try_next().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Pagination, "{err}");
    assert!(err.to_string().contains("within 3 pages"), "{err}");
    assert!(
        pages.try_next().await.unwrap().is_none(),
        "the stream ends after its error"
    );
    assert_eq!(endless.attempts(), 3);

    // The client's limit holds along a chain of next_page() calls too.
    let limited = builder(&endless).max_pages(2).build().unwrap();
    let first = limited
        .client_certificates()
        .list(&zone())
        .per_page(5)
        .first_page()
        .await
        .unwrap();
    let second = first.next_page().await.unwrap().unwrap();
    let err = second.next_page().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Pagination, "{err}");

    // A server that ignores `page` and sends the same items again.
    let repeating =
        FaultServer::always(Action::respond(Reply::json(200, &list_page(1, 5, 50)))).await;
    let first = client(&repeating)
        .client_certificates()
        .list(&zone())
        .first_page()
        .await
        .unwrap();
    let err = first.next_page().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Pagination, "{err}");
}

#[tokio::test]
async fn the_raw_response_reaches_fields_the_spec_does_not_describe() {
    let server = FaultServer::start(|request, _| {
        if request.path().ends_with(ID) {
            let mut cert = certificate(ID);
            cert["x_new_field"] = json!({"nested": [1, 2]});
            Action::respond(Reply::json(200, &success(cert)).header("cf-ray", "ray-7"))
        } else {
            Action::respond(
                Reply::json(404, &failure(1404, "no such certificate")).header("cf-ray", "ray-8"),
            )
        }
    })
    .await;
    let certs = client(&server).client_certificates();
    let raw = certs.get(&zone(), &cert_id(ID)).send_raw().await.unwrap();
    assert_eq!(raw.status().as_u16(), 200);
    assert_eq!(raw.request_id(), Some("ray-7"));
    assert_eq!(raw.header("content-type"), Some("application/json"));
    let value = raw.json_value().unwrap();
    assert_eq!(value["result"]["x_new_field"]["nested"][1], 2);
    let typed: Value = raw.json().unwrap();
    assert_eq!(typed, value);
    let decoded = raw.clone().result::<ClientCertificate>().unwrap();
    assert_eq!(decoded.result.id.as_str(), ID);
    assert_eq!(serde_json::from_slice::<Value>(raw.body()).unwrap(), value);

    // An error status is a response too; error_for_status makes it the usual error.
    let missing = certs
        .get(&zone(), &cert_id("ffffffffffffffffffffffffffffffff"))
        .send_raw()
        .await
        .unwrap();
    assert_eq!(missing.status().as_u16(), 404);
    assert_eq!(missing.json_value().unwrap()["errors"][0]["code"], 1404);
    let err = missing.error_for_status().unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
}

#[tokio::test]
async fn extra_query_headers_and_body_fields_are_sent() {
    let server = FaultServer::always(Action::respond(Reply::ok(certificate(ID)))).await;
    let certs = client(&server).client_certificates();
    let body = CreateClientCertificateRequest {
        csr: "-----BEGIN CERTIFICATE REQUEST-----".to_owned(),
        validity_days: 30,
    };
    certs
        .create(&zone(), body)
        .extra_query("preview", "yes")
        .extra_query("tag", "a")
        .extra_query("tag", "b")
        .header("X-Request-Label", "parity")
        .extra_body_field("labels", json!(["blue", "green"]))
        .extra_body_field("validity_days", json!(90))
        .await
        .unwrap();
    // An operation whose body has only optional fields, and one without a body.
    certs
        .edit(&zone(), &cert_id(ID))
        .reactivate(true)
        .extra_body_field("note", json!("from parity"))
        .await
        .unwrap();
    certs
        .get(&zone(), &cert_id(ID))
        .extra_body_field("only", json!(true))
        .await
        .unwrap();
    let seen = server.requests();
    let create = &seen[0];
    assert_eq!(create.method, "POST");
    assert!(
        create.target.ends_with("?preview=yes&tag=a&tag=b"),
        "{}",
        create.target
    );
    assert_eq!(create.header("x-request-label"), Some("parity"));
    let sent = body_of(create);
    assert_eq!(sent["labels"], json!(["blue", "green"]));
    assert_eq!(
        sent["validity_days"], 90,
        "an extra field replaces a typed one"
    );
    assert_eq!(sent["csr"], "-----BEGIN CERTIFICATE REQUEST-----");
    assert_eq!(
        body_of(&seen[1]),
        json!({"reactivate": true, "note": "from parity"})
    );
    assert_eq!(body_of(&seen[2]), json!({"only": true}));
    assert_eq!(seen[2].header("content-type"), Some("application/json"));
}

#[tokio::test]
async fn raw_requests_share_auth_base_url_retries_and_limits() {
    let server = FaultServer::start(|request, index| match (request.path(), index) {
        ("/client/v4/zones/z1/settings", 0) => Action::status(503),
        ("/client/v4/zones/z1/settings", _) => Action::respond(
            Reply::ok(json!({"id": "ssl", "value": "strict", "unknown": 1})).header("x-extra", "1"),
        ),
        ("/client/v4/echo", _) => Action::respond(Reply::json(
            403,
            &failure(
                9109,
                &format!("bad token {}", request.header("authorization").unwrap()),
            ),
        )),
        ("/client/v4/big", _) => Action::respond(Reply::ok(json!("x".repeat(4096)))),
        _ => Action::status(503),
    })
    .await;
    let client = client(&server);
    let setting: Value = client
        .get("/zones/z1/settings")
        .query("filter", "a b")
        .header("X-Request-Label", "raw")
        .send()
        .await
        .unwrap();
    assert_eq!(setting["unknown"], 1);
    let seen = server.requests();
    assert_eq!(seen.len(), 2, "a GET is retried after a 503");
    let second = &seen[1];
    assert_eq!(second.target, "/client/v4/zones/z1/settings?filter=a+b");
    assert_eq!(
        second.header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    assert_eq!(second.header("x-request-label"), Some("raw"));
    assert!(second.header("user-agent").is_some());

    // A POST is not retried on 5xx unless marked idempotent.
    let err = client
        .post("/zones/z1/purge")
        .json(&json!({"purge_everything": true}))
        .send_raw()
        .await
        .unwrap();
    assert_eq!(err.status().as_u16(), 503);
    let purges = || {
        server
            .requests()
            .iter()
            .filter(|r| r.path().ends_with("/purge"))
            .count()
    };
    assert_eq!(purges(), 1);
    let posted = server.requests().into_iter().last().unwrap();
    assert_eq!(body_of(&posted), json!({"purge_everything": true}));
    assert_eq!(posted.header("content-type"), Some("application/json"));
    client
        .post("/zones/z1/purge")
        .idempotent(true)
        .max_retries(1)
        .send_raw()
        .await
        .unwrap();
    assert_eq!(purges(), 3);

    // The envelope's errors, with the secret the server echoed scrubbed.
    let err = client.delete("/echo").send::<Value>().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Forbidden);
    let shown = format!("{err} {err:?}");
    assert!(
        !shown.contains(TOKEN) && shown.contains("<redacted>"),
        "{shown}"
    );

    // Size limits and per-request options apply; a bad path sends nothing.
    let err = client
        .get("/big")
        .max_response_bytes(1024)
        .send_raw()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ResponseTooLarge, "{err}");
    let before = server.attempts();
    let err = client.put("relative").send_raw().await.unwrap_err();
    assert!(
        matches!(err, Error::InvalidArgument { name: "path", .. }),
        "{err:?}"
    );
    let with_response = client
        .request(reqwest::Method::PATCH, "/zones/z1/settings")
        .send_with_response::<Value>()
        .await
        .unwrap();
    assert_eq!(with_response.headers()["x-extra"], "1");
    assert_eq!(server.attempts(), before + 1);
    assert_eq!(server.requests().last().unwrap().method, "PATCH");
}

#[tokio::test]
async fn client_defaults_are_sent_and_a_request_overrides_them() {
    let server = FaultServer::always(Action::respond(Reply::ok(certificate(ID)))).await;
    let client = builder(&server)
        .default_header("X-Team", "payments")
        .default_header("X-Secret-Token", "default-5ecret")
        .default_query("preview", "true")
        .default_query("source", "defaults")
        .build()
        .unwrap();
    let certs = client.client_certificates();
    certs.get(&zone(), &cert_id(ID)).await.unwrap();
    certs
        .get(&zone(), &cert_id(ID))
        .header("X-Team", "billing")
        .extra_query("source", "request")
        .await
        .unwrap();
    client.get("/raw").send_raw().await.unwrap();
    let seen = server.requests();
    assert_eq!(seen[0].header("x-team"), Some("payments"));
    assert_eq!(seen[0].header("x-secret-token"), Some("default-5ecret"));
    assert_eq!(seen[0].query_param("preview").as_deref(), Some("true"));
    assert_eq!(seen[0].query_param("source").as_deref(), Some("defaults"));
    assert_eq!(seen[1].header("x-team"), Some("billing"));
    let sources: Vec<_> = seen[1].target.matches("source=").collect();
    assert_eq!(sources.len(), 1, "{}", seen[1].target);
    assert_eq!(seen[1].query_param("source").as_deref(), Some("request"));
    assert_eq!(seen[2].header("x-team"), Some("payments"));
    assert!(!format!("{client:?}").contains("default-5ecret"));
    let err = Client::builder()
        .without_credentials()
        .default_header("X-Bad", "line\nbreak")
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Configuration, "{err}");
}

#[tokio::test]
async fn api_errors_carry_the_response_headers_and_body() {
    let server = FaultServer::start(|request, _| {
        let echoed = request
            .header("authorization")
            .unwrap_or_default()
            .to_owned();
        Action::respond(
            Reply::json(409, &failure(1409, "conflict"))
                .header("x-request-trace", "trace-1")
                .header("x-echo", &echoed),
        )
    })
    .await;
    let err = client(&server)
        .client_certificates()
        .get(&zone(), &cert_id(ID))
        .max_retries(0)
        .await
        .unwrap_err();
    let headers = err.response_headers().expect("an API error has headers");
    assert_eq!(headers["x-request-trace"], "trace-1");
    assert!(
        !headers["x-echo"].to_str().unwrap().contains(TOKEN),
        "{headers:?}"
    );
    let api = err.api_error().unwrap();
    let body: Value = serde_json::from_slice(api.body()).unwrap();
    assert_eq!(body["errors"][0]["code"], 1409);
    assert_eq!(api.headers()["x-request-trace"], "trace-1");
}

#[tokio::test]
async fn x_should_retry_overrides_the_retry_policy() {
    // `true` on a POST's 503 (which the policy does not retry) and on a 400.
    let server = FaultServer::start(|request, index| {
        let yes = |status| Action::respond(Reply::raw(status, "").header("x-should-retry", "true"));
        match (request.method.as_str(), index) {
            ("POST", 0) => yes(503),
            ("GET", 2) => yes(400),
            ("GET", 4) => Action::respond(Reply::raw(503, "").header("x-should-retry", "false")),
            _ => Action::respond(Reply::ok(certificate(ID))),
        }
    })
    .await;
    let certs = client(&server).client_certificates();
    let body = CreateClientCertificateRequest {
        csr: "csr".to_owned(),
        validity_days: 30,
    };
    certs.create(&zone(), body).await.unwrap();
    assert_eq!(
        server.attempts(),
        2,
        "the POST was retried as the server asked"
    );
    certs.get(&zone(), &cert_id(ID)).await.unwrap();
    assert_eq!(
        server.attempts(),
        4,
        "the 400 was retried as the server asked"
    );
    let err = certs.get(&zone(), &cert_id(ID)).await.unwrap_err();
    assert!(err.is_server_error(), "{err:?}");
    assert_eq!(
        server.attempts(),
        5,
        "`false` stops the retry of a GET's 503"
    );

    // `true` stays within max_retries.
    let always = FaultServer::always(Action::respond(
        Reply::raw(500, "").header("x-should-retry", "true"),
    ))
    .await;
    let err = client(&always)
        .client_certificates()
        .get(&zone(), &cert_id(ID))
        .max_retries(3)
        .await
        .unwrap_err();
    assert!(err.is_server_error());
    assert_eq!(always.attempts(), 4);
}

#[tokio::test]
async fn a_client_without_credentials_fails_fast_unless_told() {
    let server = FaultServer::always(Action::respond(Reply::ok(certificate(ID)))).await;
    let err = Client::builder()
        .base_url(&server.base_url)
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Configuration);
    let message = err.to_string();
    for part in [
        "Credentials::api_token",
        "Credentials::api_key",
        "CLOUDFLARE_API_TOKEN",
        "CLOUDFLARE_EMAIL and CLOUDFLARE_API_KEY",
        "Client::from_env()",
        "without_credentials()",
    ] {
        assert!(message.contains(part), "{part} missing: {message}");
    }
    assert_eq!(server.attempts(), 0);
    let anonymous = Client::builder()
        .base_url(&server.base_url)
        .without_credentials()
        .build()
        .unwrap();
    anonymous
        .client_certificates()
        .get(&zone(), &cert_id(ID))
        .await
        .unwrap();
    let seen = server.requests();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].header("authorization"), None);
    assert_eq!(seen[0].header("x-auth-key"), None);
}
