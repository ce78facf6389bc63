//! The generated client against the stateful fake of the API (`apigen_tests::fake_api`)
//! over real HTTP on 127.0.0.1: the certificate lifecycle, listing and pagination,
//! error mapping, authentication, client-side validation, path encoding, secrecy of
//! credentials and headers.

use cloudflare_client_certificates::models::{ClientCertificateId, ZoneId};
use std::time::Duration;

use apigen_tests::fake_api::{
    API_KEY, CSR, CertStatus, EMAIL, FakeApi, OTHER_ZONE, RecordedRequest, TOKEN, ZONE, codes,
    routes,
};
use cloudflare_client_certificates::models::{
    ClientCertificate, ClientCertificateStatus, ClientCertificateStatusFilter,
    CreateClientCertificateRequest,
};
use cloudflare_client_certificates::{
    Client, ClientBuilder, Credentials, Error, ErrorKind, RequestOptions,
};
use futures_util::{StreamExt, TryStreamExt};

fn builder(fake: &FakeApi) -> ClientBuilder {
    Client::builder()
        .base_url(&fake.base_url)
        .retry_backoff(Duration::from_millis(1), Duration::from_millis(5))
}

fn client(fake: &FakeApi) -> Client {
    builder(fake)
        .credentials(Credentials::api_token(TOKEN))
        .build()
        .expect("client builds")
}

fn create_body(csr: &str, validity_days: i64) -> CreateClientCertificateRequest {
    CreateClientCertificateRequest {
        csr: csr.to_owned(),
        validity_days,
    }
}

fn ids(certs: &[ClientCertificate]) -> Vec<String> {
    certs.iter().map(|c| c.id.to_string()).collect()
}

fn status(cert: &ClientCertificate) -> ClientCertificateStatus {
    cert.status.clone()
}

/// The envelope error of `err`, with its single error item's code.
fn api_code(err: &Error) -> i64 {
    let api = err
        .api_error()
        .unwrap_or_else(|| panic!("expected an API error, got {err:?}"));
    assert_eq!(api.errors().len(), 1, "{err:?}");
    api.errors()[0].code
}

fn last(fake: &FakeApi) -> RecordedRequest {
    fake.last_request().expect("the fake received a request")
}

#[tokio::test]
async fn certificate_lifecycle_follows_the_documented_states() {
    let fake = FakeApi::start().await;
    let client = client(&fake);
    let certs = client.client_certificates();

    // Create.
    let created = certs
        .create(&ZoneId::new(ZONE), create_body(CSR, 365))
        .await
        .unwrap();
    let id = created.id.clone();
    assert!(apigen_tests::fake_api::is_identifier(id.as_str()), "{id}");
    assert_eq!(status(&created), ClientCertificateStatus::Active);
    assert_eq!(created.csr.as_deref(), Some(CSR));
    assert_eq!(created.validity_days, Some(365));
    let (issued, expires) = (created.issued_on.unwrap(), created.expires_on.unwrap());
    assert_eq!(expires - issued, chrono::TimeDelta::days(365));
    assert!(
        created
            .certificate
            .as_deref()
            .unwrap()
            .starts_with("-----BEGIN CERTIFICATE-----")
    );
    let post = last(&fake);
    assert_eq!(post.method, "POST");
    assert_eq!(post.route.as_deref(), Some(routes::COLLECTION));
    assert_eq!(post.path, format!("/zones/{ZONE}/client_certificates"));
    assert_eq!(post.header("content-type"), Some("application/json"));
    assert_eq!(
        post.json_body().unwrap(),
        serde_json::json!({"csr": CSR, "validity_days": 365})
    );

    // Get.
    let fetched = certs.get(&ZoneId::new(ZONE), &id).await.unwrap();
    assert_eq!(fetched, created);
    assert_eq!(last(&fake).route.as_deref(), Some(routes::ITEM));

    // List, with and without filters.
    assert_eq!(
        ids(&certs.list(&ZoneId::new(ZONE)).await.unwrap()),
        [id.as_str()]
    );
    let active = certs
        .list(&ZoneId::new(ZONE))
        .status(ClientCertificateStatusFilter::Active)
        .per_page(5)
        .await
        .unwrap();
    assert_eq!(ids(&active), [id.as_str()]);
    assert_eq!(
        last(&fake).query.as_deref(),
        Some("status=active&per_page=5")
    );
    let pending = certs
        .list(&ZoneId::new(ZONE))
        .status(ClientCertificateStatusFilter::PendingRevocation)
        .await
        .unwrap();
    assert!(pending.is_empty());

    // Revoke: active → pending_revocation.
    let revoked = certs.delete(&ZoneId::new(ZONE), &id).await.unwrap();
    assert_eq!(status(&revoked), ClientCertificateStatus::PendingRevocation);
    assert_eq!(last(&fake).method, "DELETE");
    assert_eq!(
        fake.status_of(ZONE, id.as_str()),
        Some(CertStatus::PendingRevocation)
    );
    let pending = certs
        .list(&ZoneId::new(ZONE))
        .status(ClientCertificateStatusFilter::PendingRevocation)
        .await
        .unwrap();
    assert_eq!(ids(&pending), [id.as_str()]);

    // Reactivate: pending_revocation → pending_reactivation → (settled) active.
    let reactivated = certs
        .edit(&ZoneId::new(ZONE), &id)
        .reactivate(true)
        .await
        .unwrap();
    assert_eq!(
        status(&reactivated),
        ClientCertificateStatus::PendingReactivation
    );
    let patch = last(&fake);
    assert_eq!(patch.method, "PATCH");
    assert_eq!(
        patch.json_body().unwrap(),
        serde_json::json!({"reactivate": true})
    );
    fake.settle();
    assert_eq!(
        status(&certs.get(&ZoneId::new(ZONE), &id).await.unwrap()),
        ClientCertificateStatus::Active
    );

    // Revoke again and let it complete: revoked is final.
    certs.delete(&ZoneId::new(ZONE), &id).await.unwrap();
    fake.settle();
    let final_state = certs.get(&ZoneId::new(ZONE), &id).await.unwrap();
    assert_eq!(status(&final_state), ClientCertificateStatus::Revoked);
    let revoked_list = certs
        .list(&ZoneId::new(ZONE))
        .status(ClientCertificateStatusFilter::Revoked)
        .await
        .unwrap();
    assert_eq!(ids(&revoked_list), [id.as_str()]);

    // Reactivating a revoked certificate is a conflict (PATCH: not retried).
    fake.clear_requests();
    let err = certs
        .edit(&ZoneId::new(ZONE), &id)
        .reactivate(true)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict);
    assert!(err.is_conflict());
    assert_eq!(api_code(&err), codes::INVALID_STATE);
    assert_eq!(fake.request_count(), 1);

    // Revoking it again is a conflict too; DELETE is idempotent, and the runtime
    // documents 409 as retried for idempotent requests: 1 + 2 attempts.
    fake.clear_requests();
    let err = certs.delete(&ZoneId::new(ZONE), &id).await.unwrap_err();
    assert!(err.is_conflict(), "{err:?}");
    assert_eq!(fake.request_count(), 3);
    assert_eq!(fake.status_of(ZONE, id.as_str()), Some(CertStatus::Revoked));
}

#[tokio::test]
async fn reactivation_needs_pending_revocation_and_reactivate_true() {
    let fake = FakeApi::start().await;
    let certs = client(&fake).client_certificates();
    let [active, pending] = [
        fake.seed(ZONE, 1).remove(0),
        fake.seed_with_status(ZONE, 1, CertStatus::PendingRevocation)
            .remove(0),
    ];

    let err = certs
        .edit(&ZoneId::new(ZONE), &ClientCertificateId::new(&active))
        .reactivate(true)
        .await
        .unwrap_err();
    assert!(err.is_conflict(), "{err:?}");
    assert!(err.to_string().contains("status is active"), "{err}");
    assert_eq!(fake.status_of(ZONE, &active), Some(CertStatus::Active));

    // Without `reactivate: true` the request is invalid, whatever the status.
    let err = certs
        .edit(&ZoneId::new(ZONE), &ClientCertificateId::new(&pending))
        .await
        .unwrap_err();
    assert!(err.is_bad_request(), "{err:?}");
    assert_eq!(last(&fake).json_body().unwrap(), serde_json::json!({}));
    let api = err.api_error().unwrap();
    assert_eq!(api.errors()[0].code, codes::INVALID_FIELD);
    assert_eq!(
        api.errors()[0].source.as_ref().unwrap().pointer.as_deref(),
        Some("/reactivate")
    );
    let err = certs
        .edit(&ZoneId::new(ZONE), &ClientCertificateId::new(&pending))
        .reactivate(false)
        .await
        .unwrap_err();
    assert!(err.is_bad_request(), "{err:?}");
    assert_eq!(
        fake.status_of(ZONE, &pending),
        Some(CertStatus::PendingRevocation)
    );

    let ok = certs
        .edit(&ZoneId::new(ZONE), &ClientCertificateId::new(&pending))
        .reactivate(true)
        .await
        .unwrap();
    assert_eq!(status(&ok), ClientCertificateStatus::PendingReactivation);
}

#[tokio::test]
async fn list_filters_pages_and_keeps_zones_apart() {
    let fake = FakeApi::start().await;
    let certs = client(&fake).client_certificates();
    let active = fake.seed(ZONE, 7);
    let pending = fake.seed_with_status(ZONE, 3, CertStatus::PendingRevocation);
    let revoked = fake.seed_with_status(ZONE, 2, CertStatus::Revoked);
    let other = fake.seed(OTHER_ZONE, 4);
    let all = fake.ids(ZONE);
    assert_eq!(all.len(), 12);

    let page = certs
        .list(&ZoneId::new(ZONE))
        .send_with_response()
        .await
        .unwrap();
    assert_eq!(ids(page.result()), all);
    let info = page.result_info().unwrap();
    assert_eq!(
        (
            info.count,
            info.page,
            info.per_page,
            info.total_count,
            info.total_pages
        ),
        (Some(12), Some(1), Some(20), Some(12), Some(1))
    );
    assert_eq!(last(&fake).query, None);

    let filtered = |filter| certs.list(&ZoneId::new(ZONE)).status(filter);
    assert_eq!(
        ids(&filtered(ClientCertificateStatusFilter::All).await.unwrap()),
        all
    );
    assert_eq!(last(&fake).query_param("status"), Some("all"));
    assert_eq!(
        ids(&filtered(ClientCertificateStatusFilter::Active)
            .await
            .unwrap()),
        active
    );
    assert_eq!(
        ids(&filtered(ClientCertificateStatusFilter::PendingRevocation)
            .await
            .unwrap()),
        pending
    );
    assert_eq!(
        ids(&filtered(ClientCertificateStatusFilter::Revoked)
            .await
            .unwrap()),
        revoked
    );
    assert!(
        filtered(ClientCertificateStatusFilter::PendingReactivation)
            .await
            .unwrap()
            .is_empty()
    );

    // per_page and page.
    let third = certs
        .list(&ZoneId::new(ZONE))
        .per_page(5)
        .page(3)
        .send_with_response()
        .await
        .unwrap();
    assert_eq!(ids(third.result()), all[10..]);
    let info = third.result_info().unwrap();
    assert_eq!(
        (
            info.count,
            info.page,
            info.per_page,
            info.total_count,
            info.total_pages
        ),
        (Some(2), Some(3), Some(5), Some(12), Some(3))
    );
    let recorded = last(&fake);
    assert_eq!(recorded.query_param("page"), Some("3"));
    assert_eq!(recorded.query_param("per_page"), Some("5"));
    assert!(
        certs
            .list(&ZoneId::new(ZONE))
            .per_page(5)
            .page(4)
            .await
            .unwrap()
            .is_empty()
    );
    let fifty = certs.list(&ZoneId::new(ZONE)).per_page(50).await.unwrap();
    assert_eq!(ids(&fifty), all);

    // offset and limit apply before paging.
    let window = certs
        .list(&ZoneId::new(ZONE))
        .offset(2)
        .limit(3)
        .await
        .unwrap();
    assert_eq!(ids(&window), all[2..5]);

    // Another zone has its own certificates; an unused zone has none.
    assert_eq!(
        ids(&certs.list(&ZoneId::new(OTHER_ZONE)).await.unwrap()),
        other
    );
    assert!(
        certs
            .list(&ZoneId::new("ffffffffffffffffffffffffffffffff"))
            .await
            .unwrap()
            .is_empty()
    );
    let err = certs
        .get(&ZoneId::new(OTHER_ZONE), &ClientCertificateId::new(&all[0]))
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
}

#[tokio::test]
async fn fake_rejects_out_of_range_list_parameters() {
    // The client refuses these before sending (see below), so send them raw.
    let fake = FakeApi::start().await;
    let http = reqwest::Client::new();
    for query in [
        "per_page=4",
        "per_page=51",
        "page=0",
        "page=x",
        "status=bogus",
    ] {
        let response = http
            .get(format!(
                "{}/zones/{ZONE}/client_certificates?{query}",
                fake.base_url
            ))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{query}");
        assert!(response.headers().contains_key("cf-ray"));
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["success"], false, "{query}");
        assert_eq!(
            body["errors"][0]["code"],
            codes::INVALID_PARAMETER,
            "{query}"
        );
        assert_eq!(body["result"], serde_json::Value::Null);
    }
}

#[tokio::test]
async fn stream_yields_every_certificate_once_in_order() {
    let fake = FakeApi::start().await;
    let certs = client(&fake).client_certificates();
    let seeded = fake.seed(ZONE, 123);

    let streamed: Vec<ClientCertificate> = certs
        .list(&ZoneId::new(ZONE))
        .per_page(10)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids(&streamed), seeded);

    let requests = fake.requests();
    assert_eq!(requests.len(), 13, "ceil(123 / 10) page requests");
    for (i, request) in requests.iter().enumerate() {
        assert_eq!(request.method, "GET");
        assert_eq!(request.route.as_deref(), Some(routes::COLLECTION));
        assert_eq!(
            request.query_param("page"),
            Some((i + 1).to_string().as_str())
        );
        assert_eq!(request.query_param("per_page"), Some("10"));
    }

    // Starting at a later page, with a filter that is kept on every page.
    fake.clear_requests();
    let tail: Vec<ClientCertificate> = certs
        .list(&ZoneId::new(ZONE))
        .status(ClientCertificateStatusFilter::Active)
        .per_page(25)
        .page(4)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids(&tail), seeded[75..]);
    let pages: Vec<_> = fake
        .requests()
        .iter()
        .map(|r| {
            (
                r.query_param("page").map(str::to_owned),
                r.query_param("status").map(str::to_owned),
            )
        })
        .collect();
    assert_eq!(
        pages,
        [
            (Some("4".to_owned()), Some("active".to_owned())),
            (Some("5".to_owned()), Some("active".to_owned()))
        ]
    );

    // An empty list is one request and no item.
    fake.clear_requests();
    let none: Vec<ClientCertificate> = certs
        .list(&ZoneId::new(OTHER_ZONE))
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert!(none.is_empty());
    assert_eq!(fake.request_count(), 1);
}

#[tokio::test]
async fn send_returns_one_page_with_result_info_and_request_id() {
    let fake = FakeApi::start().await;
    let certs = client(&fake).client_certificates();
    let seeded = fake.seed(ZONE, 30);

    let response = certs
        .list(&ZoneId::new(ZONE))
        .per_page(10)
        .page(2)
        .send_with_response()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(ids(response.result()), seeded[10..20]);
    let info = response.result_info().unwrap();
    assert_eq!(
        (
            info.count,
            info.page,
            info.per_page,
            info.total_count,
            info.total_pages
        ),
        (Some(10), Some(2), Some(10), Some(30), Some(3))
    );
    assert_eq!(response.request_id(), Some(last(&fake).cf_ray.as_str()));
    assert_eq!(fake.request_count(), 1);

    let page: Vec<ClientCertificate> = certs
        .list(&ZoneId::new(ZONE))
        .per_page(10)
        .page(3)
        .send()
        .await
        .unwrap();
    assert_eq!(ids(&page), seeded[20..]);
    assert_eq!(fake.request_count(), 2);

    // Recording can be paused for long runs; the API keeps working.
    fake.set_recording(false);
    assert_eq!(
        certs
            .list(&ZoneId::new(ZONE))
            .per_page(50)
            .await
            .unwrap()
            .len(),
        30
    );
    fake.set_recording(true);
    assert_eq!(fake.request_count(), 2);
}

#[tokio::test]
async fn http_errors_map_to_kinds_with_envelope_errors_and_cf_ray() {
    let fake = FakeApi::start().await;
    let certs = client(&fake).client_certificates();

    // 404 for an unknown certificate.
    let missing = "0123456789abcdef0123456789abcdef";
    let err = certs
        .get(&ZoneId::new(ZONE), &ClientCertificateId::new(missing))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert!(err.is_not_found() && !err.is_retryable());
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404));
    let api = err.api_error().unwrap();
    assert_eq!(api.errors()[0].code, codes::NOT_FOUND);
    assert_eq!(api.errors()[0].message, "Client certificate not found");
    assert!(api.has_code(codes::NOT_FOUND));
    let ray = last(&fake).cf_ray;
    assert_eq!(api.request_id(), Some(ray.as_str()));
    assert_eq!(
        err.to_string(),
        format!(
            "HTTP 404 Not Found: [{}] Client certificate not found (cf-ray {ray})",
            codes::NOT_FOUND
        )
    );
    assert_eq!(fake.request_count(), 1, "404 is not retried");
    // The spec types 4XX bodies: the failure envelope, decoded as its model.
    let failure = err
        .body_as::<cloudflare_client_certificates::models::ApiResponseCommonFailure>()
        .expect("a 404 body is typed as the spec's 4XX schema");
    assert!(!failure.success);
    assert_eq!(failure.errors[0].code, codes::NOT_FOUND);
    assert_eq!(failure.errors[0].message, "Client certificate not found");
    assert!(
        err.body_as::<cloudflare_client_certificates::models::ClientCertificate>()
            .is_none()
    );

    // 400 with one error per invalid field.
    let err = certs
        .create(&ZoneId::new(ZONE), create_body("not a csr", 0))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::BadRequest);
    assert!(err.is_bad_request());
    let api = err.api_error().unwrap();
    let found: Vec<(i64, Option<&str>)> = api
        .errors()
        .iter()
        .map(|e| (e.code, e.source.as_ref().and_then(|s| s.pointer.as_deref())))
        .collect();
    assert_eq!(
        found,
        [
            (codes::INVALID_FIELD, Some("/csr")),
            (codes::INVALID_FIELD, Some("/validity_days"))
        ]
    );
    assert_eq!(api.request_id(), Some(last(&fake).cf_ray.as_str()));
    assert!(err.to_string().contains("(at /csr)"), "{err}");
    assert!(fake.ids(ZONE).is_empty(), "nothing was created");
    let err = certs
        .create(&ZoneId::new(ZONE), create_body(CSR, 3651))
        .await
        .unwrap_err();
    assert!(err.is_bad_request(), "{err:?}");

    // 400 for a malformed zone identifier, from the right route.
    let err = certs.list(&ZoneId::new("not-a-zone")).await.unwrap_err();
    assert!(err.is_bad_request(), "{err:?}");
    assert_eq!(api_code(&err), codes::INVALID_ZONE);

    // 401 with the v4 failure envelope.
    for (name, credentials) in [
        ("wrong token", Some(Credentials::api_token("wrong-token"))),
        ("wrong key", Some(Credentials::api_key(EMAIL, "wrong-key"))),
        (
            "email without key",
            Some(Credentials::header("X-Auth-Email", EMAIL)),
        ),
        ("no credentials", None),
    ] {
        let b = match credentials {
            Some(credentials) => builder(&fake).credentials(credentials),
            // Opted out of the fail-fast check, to see the server refuse the call.
            None => builder(&fake).without_credentials(),
        };
        fake.clear_requests();
        let err = b
            .build()
            .unwrap()
            .client_certificates()
            .list(&ZoneId::new(ZONE))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unauthorized, "{name}: {err:?}");
        assert!(err.is_unauthorized() && !err.is_retryable(), "{name}");
        let api = err.api_error().unwrap();
        assert_eq!(api.errors().len(), 1, "{name}");
        assert_eq!(api.errors()[0].code, codes::AUTHENTICATION, "{name}");
        assert_eq!(api.errors()[0].message, "Authentication error", "{name}");
        assert!(api.messages().is_empty());
        assert_eq!(
            api.request_id(),
            Some(last(&fake).cf_ray.as_str()),
            "{name}"
        );
        assert_eq!(fake.request_count(), 1, "{name}: 401 is not retried");
        assert_eq!(last(&fake).status.map(|s| s.as_u16()), Some(401));
    }
    let anonymous = last(&fake);
    assert_eq!(anonymous.header("authorization"), None);
    assert_eq!(anonymous.header("x-auth-key"), None);

    // Unknown route and unsupported method come back as envelopes too.
    let raw = reqwest::Client::new()
        .put(format!(
            "{}/zones/{ZONE}/client_certificates/{missing}",
            fake.base_url
        ))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 405);
    let raw = reqwest::Client::new()
        .get(format!("{}/zones/{ZONE}/nothing", fake.base_url))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 404);
    assert!(raw.headers().contains_key("cf-ray"));
    let body: serde_json::Value = raw.json().await.unwrap();
    assert_eq!(body["errors"][0]["code"], codes::NO_ROUTE);
}

#[tokio::test]
async fn both_authentication_schemes_are_sent_and_accepted() {
    let fake = FakeApi::start().await;
    let seeded = fake.seed(ZONE, 2);

    let token = client(&fake);
    assert_eq!(
        ids(&token
            .client_certificates()
            .list(&ZoneId::new(ZONE))
            .await
            .unwrap()),
        seeded
    );
    let sent = last(&fake);
    assert_eq!(
        sent.header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    assert_eq!(sent.header("x-auth-email"), None);
    assert_eq!(sent.header("x-auth-key"), None);

    let key = builder(&fake)
        .credentials(Credentials::api_key(EMAIL, API_KEY))
        .build()
        .unwrap();
    assert_eq!(
        ids(&key
            .client_certificates()
            .list(&ZoneId::new(ZONE))
            .await
            .unwrap()),
        seeded
    );
    let sent = last(&fake);
    assert_eq!(sent.header("authorization"), None);
    assert_eq!(sent.header("x-auth-email"), Some(EMAIL));
    assert_eq!(sent.header("x-auth-key"), Some(API_KEY));
    assert_eq!(sent.headers.get_all("x-auth-key").iter().count(), 1);

    // Writes authenticate the same way.
    let created = key
        .client_certificates()
        .create(&ZoneId::new(ZONE), create_body(CSR, 30))
        .await
        .unwrap();
    assert_eq!(last(&fake).header("x-auth-key"), Some(API_KEY));
    token
        .client_certificates()
        .delete(&ZoneId::new(ZONE), &created.id)
        .await
        .unwrap();
    assert_eq!(
        last(&fake).header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
}

fn assert_invalid(result: Result<impl std::fmt::Debug, Error>, expected_name: &str) -> Error {
    match result {
        Err(err @ Error::InvalidArgument { .. }) => {
            let Error::InvalidArgument { name, .. } = &err else {
                unreachable!()
            };
            assert_eq!(*name, expected_name, "{err}");
            assert_eq!(err.kind(), ErrorKind::InvalidArgument);
            assert!(!err.is_retryable());
            err
        }
        other => panic!("expected InvalidArgument for `{expected_name}`, got {other:?}"),
    }
}

#[tokio::test]
async fn client_side_validation_rejects_bad_arguments_before_sending() {
    let fake = FakeApi::start().await;
    let certs = client(&fake).client_certificates();
    let long = "a".repeat(33);
    let id = "0123456789abcdef0123456789abcdef";

    for bad_zone in ["", long.as_str(), ".", ".."] {
        assert_invalid(certs.list(&ZoneId::new(bad_zone)).await, "zone_id");
        assert_invalid(
            certs
                .get(&ZoneId::new(bad_zone), &ClientCertificateId::new(id))
                .await,
            "zone_id",
        );
        assert_invalid(
            certs
                .delete(&ZoneId::new(bad_zone), &ClientCertificateId::new(id))
                .await,
            "zone_id",
        );
        assert_invalid(
            certs
                .edit(&ZoneId::new(bad_zone), &ClientCertificateId::new(id))
                .reactivate(true)
                .await,
            "zone_id",
        );
        assert_invalid(
            certs
                .create(&ZoneId::new(bad_zone), create_body(CSR, 1))
                .await,
            "zone_id",
        );
    }
    for bad_id in ["", long.as_str(), ".", ".."] {
        assert_invalid(
            certs
                .get(&ZoneId::new(ZONE), &ClientCertificateId::new(bad_id))
                .await,
            "client_certificate_id",
        );
        assert_invalid(
            certs
                .delete(&ZoneId::new(ZONE), &ClientCertificateId::new(bad_id))
                .await,
            "client_certificate_id",
        );
        assert_invalid(
            certs
                .edit(&ZoneId::new(ZONE), &ClientCertificateId::new(bad_id))
                .reactivate(true)
                .await,
            "client_certificate_id",
        );
    }
    let err = assert_invalid(
        certs
            .get(&ZoneId::new(ZONE), &ClientCertificateId::new(&long))
            .await,
        "client_certificate_id",
    );
    assert_eq!(
        err.to_string(),
        "invalid argument `client_certificate_id`: must be at most 32 characters long (got 33)"
    );

    for per_page in [4, 51, 0, -1, i64::MAX] {
        assert_invalid(
            certs.list(&ZoneId::new(ZONE)).per_page(per_page).await,
            "per_page",
        );
    }
    let err = assert_invalid(
        certs.list(&ZoneId::new(ZONE)).per_page(51).await,
        "per_page",
    );
    assert_eq!(
        err.to_string(),
        "invalid argument `per_page`: must be at most 50 (got 51)"
    );
    for page in [0, -3] {
        assert_invalid(certs.list(&ZoneId::new(ZONE)).page(page).await, "page");
    }
    assert_invalid(
        certs
            .list(&ZoneId::new(ZONE))
            .page(0)
            .send_with_response()
            .await,
        "page",
    );

    // A stream reports the error once, then ends.
    let mut stream = certs.list(&ZoneId::new(ZONE)).per_page(4).stream();
    assert_invalid(
        stream.next().await.expect("one item").map(|_| ()),
        "per_page",
    );
    assert!(stream.next().await.is_none());
    let mut stream = certs.list(&ZoneId::new(ZONE)).page(0).stream();
    assert_invalid(stream.next().await.expect("one item").map(|_| ()), "page");
    assert!(stream.next().await.is_none());

    // Header names and values are validated too.
    assert_invalid(
        certs
            .list(&ZoneId::new(ZONE))
            .header("bad header", "v")
            .await,
        "header",
    );
    assert_invalid(
        certs
            .list(&ZoneId::new(ZONE))
            .header("X-Label", "line\nbreak")
            .await,
        "header",
    );

    assert_eq!(fake.request_count(), 0, "{:#?}", fake.requests());

    // The boundaries themselves are accepted and reach the server.
    certs
        .list(&ZoneId::new(ZONE))
        .per_page(5)
        .page(1)
        .await
        .unwrap();
    certs.list(&ZoneId::new(ZONE)).per_page(50).await.unwrap();
    let err = certs
        .get(
            &ZoneId::new(ZONE),
            &ClientCertificateId::new("a".repeat(32)),
        )
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    assert_eq!(fake.request_count(), 3);
}

#[tokio::test]
async fn path_parameters_cannot_change_the_path() {
    let fake = FakeApi::start().await;
    let certs = client(&fake).client_certificates();
    let cases = [
        ("../x", "..%2Fx"),
        ("a/b", "a%2Fb"),
        ("a?b#c", "a%3Fb%23c"),
        ("%2e%2e", "%252e%252e"),
        ("..%2f", "..%252f"),
        ("a b&c=d", "a%20b%26c%3Dd"),
        ("é/..", "%C3%A9%2F.."),
    ];
    for (value, encoded) in cases {
        // As the zone: the list route sees one (invalid) zone segment.
        fake.clear_requests();
        let err = certs.list(&ZoneId::new(value)).await.unwrap_err();
        let seen = last(&fake);
        assert_eq!(fake.request_count(), 1, "{value}");
        assert_eq!(
            seen.path,
            format!("/zones/{encoded}/client_certificates"),
            "{value}"
        );
        assert_eq!(seen.route.as_deref(), Some(routes::COLLECTION), "{value}");
        assert_eq!(seen.query, None, "{value}");
        assert_eq!(api_code(&err), codes::INVALID_ZONE, "{value}");
        // The server decoded the segment back to exactly the value.
        let message = &err.api_error().unwrap().errors()[0].message;
        assert!(
            message.contains(&format!("/zones/{value}/client_certificates,")),
            "{value}: {message}"
        );

        // As the certificate: the item route of the right zone answers 404.
        fake.clear_requests();
        let err = certs
            .get(&ZoneId::new(ZONE), &ClientCertificateId::new(value))
            .await
            .unwrap_err();
        let seen = last(&fake);
        assert_eq!(
            seen.path,
            format!("/zones/{ZONE}/client_certificates/{encoded}"),
            "{value}"
        );
        assert_eq!(seen.route.as_deref(), Some(routes::ITEM), "{value}");
        assert_eq!(seen.method, "GET");
        assert_eq!(seen.query, None, "{value}");
        assert!(err.is_not_found(), "{value}: {err:?}");
        assert_eq!(api_code(&err), codes::NOT_FOUND, "{value}");

        // A revoke with such an id never reaches another certificate or route.
        fake.clear_requests();
        let err = certs
            .delete(&ZoneId::new(ZONE), &ClientCertificateId::new(value))
            .await
            .unwrap_err();
        assert!(err.is_not_found(), "{value}: {err:?}");
        assert!(
            fake.requests()
                .iter()
                .all(|r| r.route.as_deref() == Some(routes::ITEM) && r.method == "DELETE"),
            "{value}"
        );
    }
}

#[tokio::test]
async fn credentials_never_appear_in_debug_or_display() {
    let fake = FakeApi::start().await;
    fake.seed(ZONE, 1);
    let secrets = [TOKEN, API_KEY, EMAIL, "Bearer"];
    let check = |what: &str, text: String| {
        for secret in secrets {
            assert!(!text.contains(secret), "{what} shows {secret:?}: {text}");
        }
    };

    let token = client(&fake);
    let key = builder(&fake)
        .credentials(Credentials::api_key(EMAIL, API_KEY))
        .build()
        .unwrap();
    check("client", format!("{token:?} {token:#?} {key:?} {key:#?}"));
    check(
        "builder",
        format!(
            "{:?}",
            builder(&fake).credentials(Credentials::api_key(EMAIL, API_KEY))
        ),
    );
    check(
        "credentials",
        format!(
            "{:?}",
            Credentials::api_key(EMAIL, API_KEY).and_bearer(TOKEN)
        ),
    );
    let options = RequestOptions::new()
        .header("Authorization", format!("Bearer {TOKEN}"))
        .header("X-Auth-Key", API_KEY)
        .header("X-Auth-Email", EMAIL);
    check("options", format!("{options:?} {options:#?}"));
    let request = key
        .client_certificates()
        .list(&ZoneId::new(ZONE))
        .options(options.clone());
    check("request builder", format!("{request:?}"));
    let stream = key.client_certificates().list(&ZoneId::new(ZONE)).stream();
    check("stream", format!("{stream:?}"));

    let listed = token
        .client_certificates()
        .list(&ZoneId::new(ZONE))
        .send_with_response()
        .await
        .unwrap();
    check("response", format!("{listed:?}"));

    // Errors of every kind.
    let mut errors = Vec::new();
    errors.push(
        key.client_certificates()
            .get(
                &ZoneId::new(ZONE),
                &ClientCertificateId::new("0123456789abcdef0123456789abcdef"),
            )
            .await
            .unwrap_err(),
    );
    let wrong = builder(&fake)
        .credentials(Credentials::api_key(EMAIL, format!("{API_KEY}-wrong")))
        .build()
        .unwrap();
    errors.push(
        wrong
            .client_certificates()
            .list(&ZoneId::new(ZONE))
            .await
            .unwrap_err(),
    );
    errors.push(
        token
            .client_certificates()
            .list(&ZoneId::new(ZONE))
            .page(0)
            .await
            .unwrap_err(),
    );
    errors.push(
        token
            .client_certificates()
            .list(&ZoneId::new(ZONE))
            .header("X-Auth-Key", format!("{API_KEY}\n"))
            .await
            .unwrap_err(),
    );
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let unreachable = Client::builder()
        .base_url(format!("http://{closed}"))
        .credentials(Credentials::api_token(TOKEN))
        .max_retries(0)
        .build()
        .unwrap();
    let err = unreachable
        .client_certificates()
        .list(&ZoneId::new(ZONE))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connection, "{err:?}");
    errors.push(err);
    errors.push(
        Client::builder()
            .credentials(Credentials::header("X-Auth-Key", format!("{API_KEY}\r\n")))
            .build()
            .unwrap_err(),
    );
    for err in &errors {
        check("error", format!("{err} | {err:?} | {err:#?}"));
        let mut source = std::error::Error::source(err);
        while let Some(s) = source {
            check("error source", format!("{s} | {s:?}"));
            source = s.source();
        }
    }

    // The secrets were on the wire, so the checks above are meaningful.
    let sent = fake.requests();
    assert!(sent.iter().any(|r| r.header("x-auth-key") == Some(API_KEY)));
    assert!(
        sent.iter()
            .any(|r| r.header("authorization") == Some(format!("Bearer {TOKEN}").as_str()))
    );
}

#[tokio::test]
async fn user_agent_defaults_to_crate_name_and_version_and_is_settable() {
    let fake = FakeApi::start().await;
    let manifest =
        std::fs::read_to_string(apigen_tests::workspace_root().join("generated/Cargo.toml"))
            .unwrap();
    let version = manifest
        .lines()
        .find_map(|l| l.strip_prefix("version = \""))
        .and_then(|v| v.strip_suffix('"'))
        .expect("generated/Cargo.toml has a version");

    client(&fake)
        .client_certificates()
        .list(&ZoneId::new(ZONE))
        .await
        .unwrap();
    let sent = last(&fake);
    assert_eq!(
        sent.header("user-agent"),
        Some(format!("cloudflare-client-certificates/{version}").as_str())
    );
    assert_eq!(sent.header("accept"), Some("application/json"));

    let custom = builder(&fake)
        .credentials(Credentials::api_token(TOKEN))
        .user_agent("my-app/2.1 (+https://example.com)")
        .build()
        .unwrap();
    custom
        .client_certificates()
        .list(&ZoneId::new(ZONE))
        .await
        .unwrap();
    assert_eq!(
        last(&fake).header("user-agent"),
        Some("my-app/2.1 (+https://example.com)")
    );
    assert_eq!(last(&fake).headers.get_all("user-agent").iter().count(), 1);

    // A per-request User-Agent replaces the client's.
    custom
        .client_certificates()
        .list(&ZoneId::new(ZONE))
        .header("User-Agent", "one-off/1")
        .await
        .unwrap();
    let values: Vec<_> = last(&fake)
        .headers
        .get_all("user-agent")
        .iter()
        .cloned()
        .collect();
    assert_eq!(values, ["one-off/1"]);
}

#[tokio::test]
async fn per_request_headers_arrive_on_every_request() {
    let fake = FakeApi::start().await;
    let seeded = fake.seed(ZONE, 12);
    let certs = client(&fake).client_certificates();

    certs
        .get(&ZoneId::new(ZONE), &ClientCertificateId::new(&seeded[0]))
        .header("X-Request-Label", "lifecycle-test")
        .header("X-Multi", "one")
        .header("X-Multi", "two")
        .await
        .unwrap();
    let sent = last(&fake);
    assert_eq!(sent.header("x-request-label"), Some("lifecycle-test"));
    let multi: Vec<_> = sent.headers.get_all("x-multi").iter().cloned().collect();
    assert_eq!(multi, ["one", "two"]);
    assert_eq!(
        sent.header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );

    // A whole set of options, on a write.
    let options = RequestOptions::new()
        .header("X-Request-Label", "from-options")
        .timeout(Duration::from_secs(5));
    certs
        .create(&ZoneId::new(ZONE), create_body(CSR, 10))
        .options(options)
        .await
        .unwrap();
    assert_eq!(last(&fake).header("x-request-label"), Some("from-options"));

    // Every page request of a stream carries them.
    fake.clear_requests();
    let streamed: Vec<ClientCertificate> = certs
        .list(&ZoneId::new(ZONE))
        .per_page(5)
        .header("X-Request-Label", "paged")
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(streamed.len(), 13);
    let requests = fake.requests();
    assert_eq!(requests.len(), 3);
    assert!(
        requests
            .iter()
            .all(|r| r.header("x-request-label") == Some("paged"))
    );

    // A per-request Authorization replaces the client's credentials.
    let err = certs
        .list(&ZoneId::new(ZONE))
        .header("Authorization", "Bearer someone-else")
        .await
        .unwrap_err();
    assert!(err.is_unauthorized(), "{err:?}");
    let auth: Vec<_> = last(&fake)
        .headers
        .get_all("authorization")
        .iter()
        .cloned()
        .collect();
    assert_eq!(auth, ["Bearer someone-else"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_client_serves_concurrent_tasks() {
    let fake = FakeApi::start().await;
    fake.seed(ZONE, 40);
    let client = client(&fake);

    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..20 {
        let certs = client.client_certificates();
        tasks.spawn(async move {
            certs
                .create(&ZoneId::new(ZONE), create_body(CSR, i + 1))
                .await
                .map(Some)
        });
    }
    for _ in 0..4 {
        let certs = client.client_certificates();
        tasks.spawn(async move {
            let all: Vec<ClientCertificate> = certs
                .list(&ZoneId::new(OTHER_ZONE))
                .per_page(5)
                .stream()
                .try_collect()
                .await?;
            assert!(all.is_empty());
            let page = certs.list(&ZoneId::new(ZONE)).per_page(5).page(1).await?;
            assert_eq!(page.len(), 5);
            Ok(None)
        });
    }
    let mut created = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        let cert = joined.expect("task completes").expect("request succeeds");
        if let Some(cert) = cert {
            created.push((cert.validity_days.unwrap(), cert.id.into_string()));
        }
    }
    created.sort();
    assert_eq!(created.len(), 20);
    assert_eq!(
        created.iter().map(|(days, _)| *days).collect::<Vec<_>>(),
        (1..=20).collect::<Vec<i64>>()
    );
    let stored = fake.ids(ZONE);
    assert_eq!(stored.len(), 60);
    assert!(created.iter().all(|(_, id)| stored.contains(id)));
}
