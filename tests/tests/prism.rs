//! The generated client against Prism mocking `spec/openapi.yaml`: every operation's
//! request passes Prism's validation (security, parameters, body) and its response
//! decodes into the typed models; requests the spec forbids are rejected.
//!
//! Prism comes from `tests/prism` (`cargo xtask test` or `npm ci --prefix tests/prism`
//! installs it); the tests fail, never skip, when it is missing. The tests of this
//! binary share one Prism process, killed when the last of them is done.

use cloudflare_client_certificates::models::{ClientCertificateId, ZoneId};
use std::future::Future;
use std::sync::Arc;

use apigen_tests::prism::Prism;
use chrono::{TimeZone, Utc};
use cloudflare_client_certificates::models::{
    ClientCertificate, ClientCertificateStatus, ClientCertificateStatusFilter,
    CreateClientCertificateRequest,
};
use cloudflare_client_certificates::{Client, Credentials, Error, ErrorKind};
use futures_util::TryStreamExt;

/// The identifier in the spec's examples (and a valid zone identifier).
const EXAMPLE_ID: &str = "023e105f4ecef8ad9ca31a8372d0c353";
const CSR: &str =
    "-----BEGIN CERTIFICATE REQUEST-----\nMIICY....\n-----END CERTIFICATE REQUEST-----";

fn run<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a Tokio runtime")
        .block_on(future)
}

fn client(prism: &Prism, credentials: Option<Credentials>) -> Client {
    let mut builder = Client::builder().base_url(&prism.base_url).max_retries(0);
    builder = match credentials {
        Some(credentials) => builder.credentials(credentials),
        // An anonymous client, to see the mock refuse it as the API would.
        None => builder.without_credentials(),
    };
    builder.build().expect("client builds")
}

fn token_client(prism: &Prism) -> Client {
    client(
        prism,
        Some(Credentials::api_token("prism-accepts-any-token")),
    )
}

/// The certificate of the spec's examples, field by field.
fn assert_example_certificate(cert: &ClientCertificate) {
    assert_eq!(cert.id, EXAMPLE_ID);
    assert_eq!(cert.status, ClientCertificateStatus::Active);
    assert_eq!(cert.validity_days, Some(3650));
    assert_eq!(cert.common_name.as_deref(), Some("Cloudflare"));
    assert_eq!(cert.signature.as_deref(), Some("SHA256WithRSA"));
    assert_eq!(
        cert.issued_on,
        Some(Utc.with_ymd_and_hms(2023, 2, 23, 23, 18, 0).unwrap())
    );
    assert_eq!(
        cert.expires_on,
        Some(Utc.with_ymd_and_hms(2033, 2, 20, 23, 18, 0).unwrap())
    );
    let ca = cert
        .certificate_authority
        .as_ref()
        .expect("certificate_authority");
    assert_eq!(
        ca.id.as_deref(),
        Some("568b6b74-7b0c-4755-8840-4e3b8c24adeb")
    );
    assert_eq!(
        ca.name.as_deref(),
        Some("Cloudflare Managed CA for account")
    );
    assert!(
        cert.certificate
            .as_deref()
            .unwrap()
            .starts_with("-----BEGIN CERTIFICATE-----")
    );
    assert!(
        cert.csr
            .as_deref()
            .unwrap()
            .starts_with("-----BEGIN CERTIFICATE REQUEST-----")
    );
    assert_eq!(
        cert.fingerprint_sha256.as_deref(),
        Some("256c24690243359fb8cf139a125bd05ebf1d968b71e4caf330718e9f5c8a89ea")
    );
}

fn prism() -> Arc<Prism> {
    Prism::shared()
}

#[test]
fn every_operation_passes_validation_and_decodes() {
    let prism = prism();
    let certs = token_client(&prism).client_certificates();
    run(async {
        let page = certs
            .list(&ZoneId::new(EXAMPLE_ID))
            .status(ClientCertificateStatusFilter::All)
            .page(1)
            .per_page(20)
            .send_with_response()
            .await
            .unwrap_or_else(|e| panic!("list: {e}\n{}", prism.output()));
        assert_eq!(page.status(), 200);
        assert_eq!(page.result().len(), 1);
        assert_example_certificate(&page.result()[0]);
        let info = page.result_info().expect("result_info");
        assert_eq!(
            (
                info.count,
                info.page,
                info.per_page,
                info.total_count,
                info.total_pages
            ),
            (Some(1), Some(1), Some(20), Some(1), Some(1))
        );
        assert_eq!(page.messages()[0].code, 1000);

        let streamed: Vec<ClientCertificate> = certs
            .list(&ZoneId::new(EXAMPLE_ID))
            .per_page(5)
            .stream()
            .try_collect()
            .await
            .unwrap();
        assert_eq!(streamed.len(), 1, "total_pages is 1: one request, one item");
        assert_example_certificate(&streamed[0]);

        let created = certs
            .create(
                &ZoneId::new(EXAMPLE_ID),
                CreateClientCertificateRequest {
                    csr: CSR.into(),
                    validity_days: 3650,
                },
            )
            .await
            .unwrap_or_else(|e| panic!("create: {e}\n{}", prism.output()));
        assert_example_certificate(&created);

        let fetched = certs
            .get(
                &ZoneId::new(EXAMPLE_ID),
                &ClientCertificateId::new(EXAMPLE_ID),
            )
            .await
            .unwrap();
        assert_example_certificate(&fetched);

        let revoked = certs
            .delete(
                &ZoneId::new(EXAMPLE_ID),
                &ClientCertificateId::new(EXAMPLE_ID),
            )
            .await
            .unwrap();
        assert_example_certificate(&revoked);

        let reactivated = certs
            .edit(
                &ZoneId::new(EXAMPLE_ID),
                &ClientCertificateId::new(EXAMPLE_ID),
            )
            .reactivate(true)
            .await
            .unwrap_or_else(|e| panic!("edit: {e}\n{}", prism.output()));
        assert_example_certificate(&reactivated);
    });
}

#[test]
fn both_security_schemes_pass_and_none_is_rejected() {
    let prism = prism();
    run(async {
        let key = client(
            &prism,
            Some(Credentials::api_key("owner@example.com", "global-key")),
        );
        let cert = key
            .client_certificates()
            .get(
                &ZoneId::new(EXAMPLE_ID),
                &ClientCertificateId::new(EXAMPLE_ID),
            )
            .await
            .unwrap();
        assert_example_certificate(&cert);

        let anonymous = client(&prism, None);
        let err = anonymous
            .client_certificates()
            .get(
                &ZoneId::new(EXAMPLE_ID),
                &ClientCertificateId::new(EXAMPLE_ID),
            )
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unauthorized, "{err:?}");
        // Half of the legacy scheme is not enough either.
        let half = client(
            &prism,
            Some(Credentials::header("X-Auth-Email", "owner@example.com")),
        );
        let err = half
            .client_certificates()
            .list(&ZoneId::new(EXAMPLE_ID))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unauthorized, "{err:?}");
    });
}

#[test]
fn the_spec_failure_response_maps_to_an_api_error() {
    let prism = prism();
    let certs = token_client(&prism).client_certificates();
    run(async {
        let err = certs
            .get(
                &ZoneId::new(EXAMPLE_ID),
                &ClientCertificateId::new(EXAMPLE_ID),
            )
            .header("Prefer", "code=404")
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound, "{err:?}");
        let api = err.api_error().unwrap();
        assert_eq!(api.errors().len(), 1);
        assert_eq!(api.errors()[0].code, 1003);
        assert_eq!(api.errors()[0].message, "Invalid or missing zone id.");
        assert!(api.messages().is_empty());
    });
}

#[test]
fn requests_the_spec_forbids_are_rejected_and_the_client_refuses_them_first() {
    let prism = prism();
    let http = reqwest::Client::new();
    let collection = format!("{}/zones/{EXAMPLE_ID}/client_certificates", prism.base_url);
    run(async {
        // Prism rejects them with 422 and says why in `sl-violations`.
        let violations = |response: &reqwest::Response| {
            response
                .headers()
                .get("sl-violations")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
                .unwrap_or_default()
        };
        for (query, about) in [
            ("per_page=51", "per_page"),
            ("per_page=4", "per_page"),
            ("page=0", "page"),
        ] {
            let response = http
                .get(format!("{collection}?{query}"))
                .bearer_auth("token")
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 422, "{query}");
            let why = violations(&response);
            assert!(why.contains(about), "{query}: {why}");
        }
        let response = http
            .post(&collection)
            .bearer_auth("token")
            .json(&serde_json::json!({"validity_days": 3650}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 422);
        let why = violations(&response);
        assert!(why.contains("csr"), "{why}");
        let response = http
            .get(format!("{collection}/{}", "a".repeat(33)))
            .bearer_auth("token")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 422);
        assert!(
            violations(&response).contains("maxLength"),
            "{}",
            violations(&response)
        );

        // The client refuses the same values before sending anything.
        let certs = token_client(&prism).client_certificates();
        for result in [
            certs.list(&ZoneId::new(EXAMPLE_ID)).per_page(51).await,
            certs.list(&ZoneId::new(EXAMPLE_ID)).per_page(4).await,
            certs.list(&ZoneId::new(EXAMPLE_ID)).page(0).await,
        ] {
            assert!(
                matches!(result, Err(Error::InvalidArgument { .. })),
                "{result:?}"
            );
        }
        let long = "a".repeat(33);
        let result = certs
            .get(&ZoneId::new(EXAMPLE_ID), &ClientCertificateId::new(long))
            .await;
        assert!(
            matches!(result, Err(Error::InvalidArgument { .. })),
            "{result:?}"
        );

        // A value the client cannot check (an unknown status) reaches Prism, whose 422
        // comes back as such, without retry.
        let err = certs
            .list(&ZoneId::new(EXAMPLE_ID))
            .status(ClientCertificateStatusFilter::Unknown("bogus".into()))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::UnprocessableEntity, "{err:?}");
        assert_eq!(err.status().map(|s| s.as_u16()), Some(422));
    });
}
