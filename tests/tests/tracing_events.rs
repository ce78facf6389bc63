//! With the `tracing` feature, each call ends in one debug event: `call completed`
//! (operation, method, path template, status, attempts, duration) or `call failed`
//! (the same, with the error kind). Captured here by a subscriber of the test's own.

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use apigen_tests::faults::{Action, FaultServer, Reply, certificate, failure};
use cloudflare_client_certificates::models::{ClientCertificateId, ZoneId};
use cloudflare_client_certificates::{Client, Credentials};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};

const ZONE: &str = "023e105f4ecef8ad9ca31a8372d0c353";
const ID: &str = "0123456789abcdef0123456789abcdef";
fn zone() -> ZoneId {
    ZoneId::new(ZONE)
}

fn cert_id(id: &str) -> ClientCertificateId {
    ClientCertificateId::new(id)
}

const TOKEN: &str = "tracing-token-5ecret";

/// One event: its level, its message and its other fields, as text.
#[derive(Debug, Clone)]
struct Captured {
    level: Level,
    fields: BTreeMap<String, String>,
}

impl Captured {
    fn message(&self) -> &str {
        self.fields.get("message").map_or("", String::as_str)
    }
}

/// Records the events of the generated crate.
#[derive(Clone, Default)]
struct Capture {
    events: Arc<Mutex<Vec<Captured>>>,
    next_id: Arc<AtomicU64>,
}

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

impl Subscriber for Capture {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata
            .target()
            .starts_with("cloudflare_client_certificates")
    }

    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(self.next_id.fetch_add(1, Ordering::Relaxed) + 1)
    }

    fn record(&self, _: &Id, _: &Record<'_>) {}

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut fields = BTreeMap::new();
        event.record(&mut Fields(&mut fields));
        self.events.lock().unwrap().push(Captured {
            level: *event.metadata().level(),
            fields,
        });
    }

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}

impl Capture {
    /// The call events captured so far (not the retry or attempt events).
    fn calls(&self) -> Vec<Captured> {
        self.events
            .lock()
            .unwrap()
            .iter()
            .filter(|e| e.message().starts_with("call "))
            .cloned()
            .collect()
    }
}

#[test]
fn one_debug_event_per_call() {
    let capture = Capture::default();
    let _guard = tracing::subscriber::set_default(capture.clone());
    tracing::callsite::rebuild_interest_cache();
    // One thread: the subscriber set for it sees everything the calls do.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let server = FaultServer::start(|request, index| match index {
            0 => Action::status(503),
            _ if request.path().ends_with(ID) => Action::respond(Reply::ok(certificate(ID))),
            _ => Action::respond(Reply::json(404, &failure(1404, "no such certificate"))),
        })
        .await;
        let client = Client::builder()
            .base_url(&server.base_url)
            .credentials(Credentials::api_token(TOKEN))
            .retry_backoff(Duration::from_millis(1), Duration::from_millis(5))
            .build()
            .unwrap();
        let certs = client.client_certificates();
        certs.get(&zone(), &cert_id(ID)).await.unwrap();
        certs
            .get(&zone(), &cert_id("ffffffffffffffffffffffffffffffff"))
            .await
            .unwrap_err();
        certs.get(&zone(), &cert_id("")).await.unwrap_err();
        client.get("/zones/raw-path").send_raw().await.unwrap();
    });

    let calls = capture.calls();
    assert_eq!(calls.len(), 4, "{calls:#?}");
    assert!(calls.iter().all(|c| c.level == Level::DEBUG), "{calls:#?}");
    let field = |i: usize, name: &str| calls[i].fields.get(name).cloned().unwrap_or_default();

    assert_eq!(calls[0].message(), "call completed");
    assert_eq!(
        field(0, "operation"),
        "client-certificate-for-a-zone-client-certificate-details"
    );
    assert_eq!(field(0, "method"), "GET");
    assert_eq!(
        field(0, "path"),
        "/zones/{zone_id}/client_certificates/{client_certificate_id}"
    );
    assert_eq!(field(0, "status"), "200");
    assert_eq!(field(0, "attempts"), "2", "the 503 was retried");
    assert!(field(0, "duration_ms").parse::<u64>().is_ok(), "{calls:#?}");
    assert!(!calls[0].fields.contains_key("error_kind"));

    assert_eq!(calls[1].message(), "call failed");
    assert_eq!(field(1, "status"), "404");
    assert_eq!(field(1, "attempts"), "1");
    assert_eq!(field(1, "error_kind"), "NotFound");

    // Refused before sending: no attempt, no status.
    assert_eq!(calls[2].message(), "call failed");
    assert_eq!(field(2, "error_kind"), "InvalidArgument");
    assert_eq!(field(2, "attempts"), "0");
    assert!(!calls[2].fields.contains_key("status"), "{calls:#?}");

    assert_eq!(calls[3].message(), "call completed");
    assert_eq!(field(3, "operation"), "raw");
    assert_eq!(field(3, "path"), "/zones/raw-path");
    assert_eq!(field(3, "status"), "404");

    let everything = format!("{:?}", capture.events.lock().unwrap());
    assert!(!everything.contains(TOKEN), "{everything}");
    assert!(
        !everything.contains(ZONE),
        "values never appear: {everything}"
    );
}
