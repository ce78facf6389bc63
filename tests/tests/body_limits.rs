//! The response body limit, measured as a user would: the peak memory of this
//! process (`VmHWM`) while a local server sends a 500 MiB body, an endless chunked
//! body, and a 300 MiB HTML error page three times over. The server generates those
//! bodies as it sends them, so any growth of the peak is the client's.
//!
//! One test in its own binary, so that no other test's allocations blur the peak.

use cloudflare_client_certificates::models::{ClientCertificateId, ZoneId};
use std::time::{Duration, Instant};

use apigen_tests::faults::{Action, FaultServer, Reply};
use cloudflare_client_certificates::{Client, Credentials, ErrorKind};

const ZONE: &str = "023e105f4ecef8ad9ca31a8372d0c353";
const ID: &str = "0123456789abcdef0123456789abcdef";
const MIB: u64 = 1 << 20;

/// Peak resident set size of this process so far, in bytes.
fn peak_rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let line = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .expect("VmHWM line");
    let kib: u64 = line
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .expect("VmHWM value");
    kib * 1024
}

fn client(server: &FaultServer) -> Client {
    Client::builder()
        .base_url(&server.base_url)
        .credentials(Credentials::api_token("body-limit-token"))
        .retry_backoff(Duration::from_millis(1), Duration::from_millis(5))
        .build()
        .unwrap()
}

fn json_chunk() -> Vec<u8> {
    // Plausible JSON text, so nothing short-circuits on the first byte.
    let mut chunk = b"{\"success\":true,\"result\":[".to_vec();
    while chunk.len() < 64 * 1024 {
        chunk.extend_from_slice(b"{\"id\":\"0123456789abcdef0123456789abcdef\"},");
    }
    chunk
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_stays_bounded_by_the_body_limit() {
    let baseline = peak_rss();

    // 1. A 500 MiB body announced in Content-Length: refused before it is read.
    let server = FaultServer::always(Action::Stream {
        reply: Reply::raw(200, "").header("Content-Type", "application/json"),
        chunk: json_chunk(),
        total: Some(500 * MIB),
    })
    .await;
    let started = Instant::now();
    let err = client(&server)
        .client_certificates()
        .get(&ZoneId::new(ZONE), &ClientCertificateId::new(ID))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ResponseTooLarge, "{err:?}");
    assert!(
        err.to_string().contains("(Content-Length: 500 MiB)"),
        "{err}"
    );
    assert_eq!(server.attempts(), 1, "a body over the limit is not retried");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );

    // 2. An endless chunked body: read up to the limit (8 MiB here), then dropped.
    let server = FaultServer::always(Action::Stream {
        reply: Reply::raw(200, "").header("Content-Type", "application/json"),
        chunk: json_chunk(),
        total: None,
    })
    .await;
    let err = client(&server)
        .client_certificates()
        .get(&ZoneId::new(ZONE), &ClientCertificateId::new(ID))
        .max_response_bytes(8 * MIB)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ResponseTooLarge, "{err:?}");
    assert!(err.to_string().contains("limit of 8 MiB"), "{err}");
    let sent = server.body_bytes_sent();
    assert!(sent >= 8 * MIB, "the client read up to its limit: {sent}");
    assert!(sent < 8 * MIB + 32 * MIB, "and stopped there: {sent}");

    // With the default limit (32 MiB) as well.
    let server = FaultServer::always(Action::Stream {
        reply: Reply::raw(200, "").header("Content-Type", "application/json"),
        chunk: json_chunk(),
        total: None,
    })
    .await;
    let err = client(&server)
        .client_certificates()
        .get(&ZoneId::new(ZONE), &ClientCertificateId::new(ID))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("limit of 32 MiB"), "{err}");

    // 3. A 300 MiB HTML error page, retried: each attempt reads only its start.
    let mut page = b"<html><head><title>500 Internal Server Error</title></head><body>".to_vec();
    page.resize(64 * 1024, b' ');
    let server = FaultServer::always(Action::Stream {
        reply: Reply::raw(500, "").header("Content-Type", "text/html"),
        chunk: page,
        total: Some(300 * MIB),
    })
    .await;
    let started = Instant::now();
    let err = client(&server)
        .client_certificates()
        .get(&ZoneId::new(ZONE), &ClientCertificateId::new(ID))
        .await
        .unwrap_err();
    assert!(err.is_server_error(), "{err:?}");
    assert_eq!(server.attempts(), 3, "a 500 is retried twice");
    let excerpt = err.api_error().unwrap().body_excerpt.clone().unwrap();
    assert!(excerpt.starts_with("<html><head><title>500"), "{excerpt}");
    let sent = server.body_bytes_sent();
    // What the kernel's socket buffers absorb, at most a few MiB per attempt.
    assert!(
        sent < 3 * 16 * MIB,
        "error pages were read in full: {sent} bytes sent"
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );

    let growth = peak_rss().saturating_sub(baseline);
    // The 32 MiB default limit plus allocator slack; unbounded reading of the
    // 500 MiB body alone would add more than 500 MiB.
    assert!(
        growth < 96 * MIB,
        "peak memory grew by {} MiB",
        growth / MIB
    );
}
