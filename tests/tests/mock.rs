//! The `mock` feature: responses set per operation and arguments, pages, errors, calls
//! no response matches, and the requests as they would have been sent. No network: the
//! mock replaces only the transport, so validation, encoding and decoding are the real
//! ones.

use cloudflare_client_certificates::models::{
    ClientCertificate, ClientCertificateId, ClientCertificateStatus, ClientCertificateStatusFilter,
    CreateClientCertificateRequest, ZoneId,
};
use cloudflare_client_certificates::{ApiMessage, Client, Credentials, Error, ErrorKind, Mock};
use futures_util::TryStreamExt;
use serde_json::json;

const ZONE: &str = "023e105f4ecef8ad9ca31a8372d0c353";
const GET: &str = "client-certificate-for-a-zone-client-certificate-details";
const LIST: &str = "client-certificate-for-a-zone-list-client-certificates";

fn zone() -> ZoneId {
    ZoneId::new(ZONE)
}

fn cid(id: &str) -> ClientCertificateId {
    ClientCertificateId::new(id)
}

fn cert(id: &str, status: &str) -> ClientCertificate {
    serde_json::from_value(json!({"id": id, "status": status, "common_name": "client"}))
        .expect("a certificate")
}

fn id_of(cert: &ClientCertificate) -> String {
    serde_json::to_value(cert).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn set_responses_are_matched_by_operation_and_arguments() {
    let mock = Mock::new();
    mock.on(|c| c.client_certificates().get(&zone(), &cid("aaa")))
        .returns(cert("aaa", "active"));
    mock.on(|c| c.client_certificates().get(&zone(), &cid("bbb")))
        .returns(cert("bbb", "revoked"));
    let certs = mock.client().client_certificates();

    let a = certs.get(&zone(), &cid("aaa")).await.expect("set");
    assert_eq!(a, cert("aaa", "active"));
    let b = certs
        .get(&zone(), &cid("bbb"))
        .send_with_response()
        .await
        .expect("set");
    assert_eq!(b.status().as_u16(), 200);
    assert_eq!(b.result().status, cert("bbb", "revoked").status);
    assert_eq!(b.request_id(), Some("mock-2"));
    // The same request once more: answered again.
    assert_eq!(
        id_of(&certs.get(&zone(), &cid("aaa")).await.unwrap()),
        "aaa"
    );

    // Set later wins; a filter set on the rule must be in the request.
    mock.on(|c| c.client_certificates().get(&zone(), &cid("aaa")))
        .returns(cert("aaa", "pending_revocation"));
    assert_eq!(
        certs.get(&zone(), &cid("aaa")).await.unwrap().status,
        ClientCertificateStatus::PendingRevocation
    );
}

#[tokio::test]
async fn bodies_and_filters_take_part_in_matching() {
    let mock = Mock::new();
    mock.on(|c| {
        c.client_certificates()
            .edit(&zone(), &cid("ccc"))
            .reactivate(true)
    })
    .returns(cert("ccc", "pending_reactivation"));
    mock.on(|c| {
        c.client_certificates()
            .list(&zone())
            .status(ClientCertificateStatusFilter::Revoked)
    })
    .returns(vec![cert("r1", "revoked")]);
    let certs = mock.client().client_certificates();

    let edited = certs
        .edit(&zone(), &cid("ccc"))
        .reactivate(true)
        .await
        .unwrap();
    assert_eq!(id_of(&edited), "ccc");
    let unmatched = certs
        .edit(&zone(), &cid("ccc"))
        .reactivate(false)
        .await
        .unwrap_err();
    assert!(
        unmatched
            .to_string()
            .contains(r#"with the body {"reactivate":true}"#),
        "{unmatched}"
    );
    // Extra query pairs do not matter; the ones the rule was set with do.
    let revoked = certs
        .list(&zone())
        .status(ClientCertificateStatusFilter::Revoked)
        .per_page(10)
        .await
        .unwrap();
    assert_eq!(revoked.len(), 1);
    let all = certs.list(&zone()).await.unwrap_err();
    assert_eq!(all.kind(), ErrorKind::Configuration, "{all:?}");
    // A list answered with `returns` is one page: the stream ends after it.
    let streamed: Vec<ClientCertificate> = certs
        .list(&zone())
        .status(ClientCertificateStatusFilter::Revoked)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(streamed, [cert("r1", "revoked")]);
}

#[tokio::test]
async fn pages_are_walked_by_stream_and_sent_page_by_page() {
    let mock = Mock::new();
    let first: Vec<_> = (1..=3).map(|i| cert(&format!("p{i}"), "active")).collect();
    let second = vec![cert("p4", "active")];
    mock.on(|c| c.client_certificates().list(&zone()))
        .pages(vec![first.clone(), second.clone()]);
    let certs = mock.client().client_certificates();

    let all: Vec<String> = certs
        .list(&zone())
        .stream()
        .map_ok(|c| id_of(&c))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all, ["p1", "p2", "p3", "p4"]);
    let pages: Vec<Option<String>> = mock
        .requests()
        .iter()
        .map(|r| r.query_param("page").map(str::to_owned))
        .collect();
    assert_eq!(pages, [Some("1".into()), Some("2".into())]);

    let page_two = certs
        .list(&zone())
        .page(2)
        .send_with_response()
        .await
        .unwrap();
    let info = page_two.result_info().expect("page information");
    assert_eq!(
        (info.page, info.total_pages, info.total_count, info.count),
        (Some(2), Some(2), Some(4), Some(1))
    );
    assert_eq!(page_two.into_result(), second);
    assert!(certs.list(&zone()).page(3).await.unwrap().is_empty());
    // The blocking iterator sees the same pages.
    let client = mock.client();
    let blocking = tokio::task::spawn_blocking(move || {
        client
            .client_certificates()
            .list(&zone())
            .iter_blocking()
            .count()
    })
    .await
    .unwrap();
    assert_eq!(blocking, 4);
}

#[tokio::test]
async fn failures_are_decoded_as_api_errors() {
    let mock = Mock::new();
    let mut message = ApiMessage::new(1003, "certificate not found");
    message.documentation_url = Some("https://developers.cloudflare.com/".into());
    mock.on(|c| c.client_certificates().get(&zone(), &cid("gone")))
        .fails(404, message.clone());
    mock.on(|c| c.client_certificates().delete(&zone(), &cid("busy")))
        .fails(429, ApiMessage::new(971, "slow down"));
    mock.on(|c| c.client_certificates().get(&zone(), &cid("garbled")))
        .responds(200, "<html>not json</html>");
    let certs = mock.client().client_certificates();

    let err = certs.get(&zone(), &cid("gone")).await.unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    let api = err.api_error().unwrap();
    assert_eq!(api.errors(), [message]);
    assert_eq!(api.request_id(), Some("mock-1"));
    let limited = certs.delete(&zone(), &cid("busy")).await.unwrap_err();
    assert!(limited.is_rate_limited(), "{limited:?}");
    assert_eq!(mock.requests().len(), 2, "a mock never retries");
    let garbled = certs.get(&zone(), &cid("garbled")).await.unwrap_err();
    match garbled {
        Error::Decode { body_excerpt, .. } => assert!(body_excerpt.contains("not json")),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn unmatched_calls_fail_naming_the_request() {
    let mock = Mock::new();
    let certs = mock.client().client_certificates();
    let err = certs.get(&zone(), &cid("nothing-set")).await.unwrap_err();
    let text = err.to_string();
    assert_eq!(err.kind(), ErrorKind::Configuration);
    assert!(
        text.contains(&format!(
            "GET /zones/{ZONE}/client_certificates/nothing-set (operation `{GET}`)"
        )),
        "{text}"
    );
    assert!(text.contains("none is set for this operation"), "{text}");

    mock.on(|c| c.client_certificates().list(&zone()).per_page(5))
        .returns(vec![]);
    let err = certs
        .list(&zone())
        .per_page(6)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains(&format!("(operation `{LIST}`)")), "{err}");
    assert!(
        err.contains(&format!(
            "responses are set for /zones/{ZONE}/client_certificates?per_page=5"
        )),
        "{err}"
    );
    assert_eq!(
        mock.requests().len(),
        2,
        "unmatched requests are recorded too"
    );
}

#[tokio::test]
async fn sent_requests_can_be_inspected_without_their_secrets() {
    let mock = Mock::new();
    let client: Client = mock
        .client_with(
            Client::builder().credentials(Credentials::api_key("me@example.com", "k3y-secret")),
        )
        .unwrap();
    mock.on(|c| {
        c.client_certificates().create(
            &zone(),
            CreateClientCertificateRequest {
                csr: "CSR".into(),
                validity_days: 30,
            },
        )
    })
    .returns(cert("new", "active"));
    let certs = client.client_certificates();
    let body = CreateClientCertificateRequest {
        csr: "CSR".into(),
        validity_days: 30,
    };
    certs.create(&zone(), body).await.unwrap();
    let _ = certs
        .list(&zone())
        .status(ClientCertificateStatusFilter::PendingRevocation)
        .header("X-Trace", "t-1")
        .await;

    let sent = mock.requests();
    assert_eq!(sent.len(), 2);
    let create = &sent[0];
    assert_eq!(
        create.operation,
        "client-certificate-for-a-zone-create-client-certificate"
    );
    assert_eq!(create.method, "POST");
    assert_eq!(create.path, format!("/zones/{ZONE}/client_certificates"));
    assert_eq!(
        create.body,
        Some(json!({"csr": "CSR", "validity_days": 30}))
    );
    assert_eq!(create.header("Content-Type"), Some("application/json"));
    assert_eq!(create.header("x-auth-key"), Some("<redacted>"));
    let shown = format!("{sent:?}");
    assert!(!shown.contains("k3y-secret"), "{shown}");
    let list = &sent[1];
    assert_eq!(list.operation, LIST);
    assert_eq!(list.method, "GET");
    assert_eq!(
        list.query,
        [("status".to_owned(), "pending_revocation".to_owned())]
    );
    assert_eq!(list.header("x-trace"), Some("t-1"));
    assert_eq!(list.body, None);
    mock.clear_requests();
    assert!(mock.requests().is_empty());
}

#[tokio::test]
async fn invalid_arguments_are_refused_before_the_mock() {
    let mock = Mock::new();
    mock.on(|c| c.client_certificates().list(&zone()))
        .returns(vec![]);
    let certs = mock.client().client_certificates();
    let err = certs.list(&zone()).per_page(500).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidArgument {
                name: "per_page",
                ..
            }
        ),
        "{err:?}"
    );
    let err = certs
        .get(&ZoneId::new("z".repeat(33)), &cid("x"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidArgument {
                name: "zone_id",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(mock.requests().is_empty(), "nothing reached the mock");
    // Path parameters are percent-encoded as on the wire.
    let _ = certs.get(&zone(), &cid("a/b c")).await;
    assert_eq!(
        mock.requests()[0].path,
        format!("/zones/{ZONE}/client_certificates/a%2Fb%20c")
    );
}

#[test]
fn blocking_calls_reach_the_mock_too() {
    let mock = Mock::new();
    mock.on(|c| c.client_certificates().get(&zone(), &cid("aaa")))
        .returns(cert("aaa", "active"));
    let got = mock
        .client()
        .client_certificates()
        .get(&zone(), &cid("aaa"))
        .send_blocking()
        .unwrap();
    assert_eq!(id_of(&got), "aaa");
    assert_eq!(mock.requests()[0].operation, GET);
}

/// Inside an async runtime (this test's single-threaded one) a blocking call neither
/// panics nor deadlocks: it runs on the client's runtime while this thread waits.
#[tokio::test]
async fn blocking_inside_an_async_runtime_works() {
    let mock = Mock::new();
    mock.on(|c| c.client_certificates().list(&zone()))
        .pages(vec![vec![cert("x1", "active")], vec![cert("x2", "active")]]);
    let client = mock.client();
    let ids: Vec<String> = client
        .client_certificates()
        .list(&zone())
        .iter_blocking()
        .map(|c| id_of(&c.unwrap()))
        .collect();
    assert_eq!(ids, ["x1", "x2"]);
    // Dropping the client, and its runtime, inside the async runtime is safe too.
    drop(client);
    drop(mock);
}
