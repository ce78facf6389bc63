//! The `blocking` feature against the fake API over real HTTP: plain `#[test]`
//! functions with no async runtime of their own. The fake is served by a runtime in the
//! background; the client runs its requests on the runtime it owns.

use std::time::Duration;

use apigen_tests::fake_api::{CSR, FakeApi, TOKEN, ZONE, codes};
use cloudflare_client_certificates::models::{
    ClientCertificate, ClientCertificateId, ClientCertificateStatusFilter,
    CreateClientCertificateRequest, ZoneId,
};
use cloudflare_client_certificates::{Client, Credentials, Error};

fn zone() -> ZoneId {
    ZoneId::new(ZONE)
}

fn cid(id: &str) -> ClientCertificateId {
    ClientCertificateId::new(id)
}

fn client(fake: &FakeApi) -> Client {
    Client::builder()
        .base_url(&fake.base_url)
        .credentials(Credentials::api_token(TOKEN))
        .retry_backoff(Duration::from_millis(1), Duration::from_millis(5))
        .build()
        .expect("client builds")
}

fn id_of(cert: &ClientCertificate) -> String {
    serde_json::to_value(cert).expect("serializes")["id"]
        .as_str()
        .expect("every certificate has an id")
        .to_owned()
}

#[test]
fn iter_blocking_walks_every_page_in_order() {
    let fake = FakeApi::start_in_background();
    let seeded = fake.seed(ZONE, 12);
    let client = client(&fake);
    let listed: Vec<String> = client
        .client_certificates()
        .list(&zone())
        .per_page(5)
        .status(ClientCertificateStatusFilter::Active)
        .iter_blocking()
        .map(|cert| cert.map(|c| id_of(&c)))
        .collect::<Result<_, Error>>()
        .expect("every page is fetched");
    assert_eq!(listed, seeded);
    let pages: Vec<Option<String>> = fake
        .requests()
        .iter()
        .map(|r| r.query_param("page").map(str::to_owned))
        .collect();
    assert_eq!(
        pages,
        [Some("1".into()), Some("2".into()), Some("3".into())],
        "three pages of five, four and three"
    );
    assert!(
        fake.requests()
            .iter()
            .all(|r| r.query_param("status") == Some("active")
                && r.query_param("per_page") == Some("5")),
        "every page keeps the filters"
    );
}

#[test]
fn send_blocking_creates_and_gets_with_the_response() {
    let fake = FakeApi::start_in_background();
    let certs = client(&fake).client_certificates();
    let body = CreateClientCertificateRequest {
        csr: CSR.to_owned(),
        validity_days: 365,
    };
    let created = certs
        .create(&zone(), body)
        .send_blocking()
        .expect("created");
    let id = id_of(&created);
    assert_eq!(fake.ids(ZONE), std::slice::from_ref(&id));
    let sent = fake.last_request().expect("recorded");
    assert_eq!(sent.method.as_str(), "POST");
    assert_eq!(sent.json_body().unwrap()["validity_days"], 365);

    let response = certs
        .get(&zone(), &cid(&id))
        .send_with_response_blocking()
        .expect("found");
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        response.request_id(),
        Some(fake.last_request().unwrap().cf_ray.as_str())
    );
    assert_eq!(id_of(response.result()), id);
}

#[test]
fn an_error_status_is_the_same_typed_error() {
    let fake = FakeApi::start_in_background();
    let certs = client(&fake).client_certificates();
    let err = certs
        .get(&zone(), &cid("0000000000000000000000000000dead"))
        .send_blocking()
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    assert!(
        err.api_error().unwrap().has_code(codes::NOT_FOUND),
        "{err:?}"
    );
    // Page errors end the iterator after being yielded once.
    let mut pages = certs.list(&ZoneId::new("not-a-zone")).iter_blocking();
    let first = pages.next().expect("an error").unwrap_err();
    assert!(first.is_bad_request(), "{first:?}");
    assert!(pages.next().is_none());
}

#[test]
fn arguments_are_checked_before_sending() {
    let fake = FakeApi::start_in_background();
    let certs = client(&fake).client_certificates();
    let mut pages = certs.list(&zone()).per_page(51).iter_blocking();
    match pages.next() {
        Some(Err(Error::InvalidArgument { name, .. })) => assert_eq!(name, "per_page"),
        other => panic!("{other:?}"),
    }
    assert!(pages.next().is_none());
    let err = certs
        .get(&ZoneId::new(""), &cid("x"))
        .send_blocking()
        .unwrap_err();
    assert!(matches!(err, Error::InvalidArgument { .. }), "{err:?}");
    assert_eq!(fake.request_count(), 0, "nothing was sent");
}

#[test]
fn clones_and_threads_share_one_client() {
    let fake = FakeApi::start_in_background();
    fake.seed(ZONE, 3);
    let client = client(&fake);
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let client = client.clone();
            std::thread::spawn(move || {
                client
                    .client_certificates()
                    .list(&zone())
                    .send_blocking()
                    .map(|page| page.len())
            })
        })
        .collect();
    for thread in threads {
        assert_eq!(thread.join().expect("no panic").expect("listed"), 3);
    }
    assert_eq!(fake.request_count(), 4);
    // The client, its runtime and its connections go away without a panic.
    drop(client);
}
