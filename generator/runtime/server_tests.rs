//! End-to-end tests of the transport against a scripted local HTTP server.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::pagination::paginate;
use super::profile::Envelope;
use super::request::{Body, HttpMethod, Operation, Request};
use super::{Client, Credentials, Error, RequestOptions};

const TOKEN: &str = "s3cr3t-token-value";

static GET: Operation = Operation {
    id: "getItem",
    method: HttpMethod::Get,
    path: "/zones/{zone_id}/items",
    bare: true,
    ..Operation::DEFAULT
};
static POST: Operation = Operation {
    id: "createItem",
    method: HttpMethod::Post,
    path: "/items",
    bare: true,
    ..Operation::DEFAULT
};
static LIST: Operation = Operation {
    id: "listItems",
    method: HttpMethod::Get,
    path: "/items",
    page_param: Some("page"),
    ..Operation::DEFAULT
};

enum Reply {
    /// Write this raw response, then close.
    Respond(String),
    /// Keep the connection open without answering.
    Hang,
}

fn respond(status: &str, headers: &[&str], body: &str) -> Reply {
    let mut text = format!(
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for header in headers {
        text.push_str(header);
        text.push_str("\r\n");
    }
    text.push_str("\r\n");
    text.push_str(body);
    Reply::Respond(text)
}

/// Serves one reply per connection, in order; returns the base URL and the
/// requests received (head and body as text).
async fn serve(replies: Vec<Reply>) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        for reply in replies {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let request = read_request(&mut socket).await;
            log.lock().unwrap().push(request);
            match reply {
                Reply::Respond(text) => {
                    let _ = socket.write_all(text.as_bytes()).await;
                    let _ = socket.shutdown().await;
                }
                Reply::Hang => {
                    tokio::spawn(async move {
                        tokio::time::sleep(Duration::from_secs(5)).await;
                        drop(socket);
                    });
                }
            }
        }
    });
    (base, seen)
}

async fn read_request(socket: &mut TcpStream) -> String {
    let mut data = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&data[..end]).to_ascii_lowercase();
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            if data.len() >= end + 4 + length {
                break;
            }
        }
        match socket.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => data.extend_from_slice(&chunk[..n]),
        }
    }
    String::from_utf8_lossy(&data).into_owned()
}

fn client(base: &str) -> Client {
    Client::builder()
        .base_url(base)
        .credentials(Credentials::bearer(TOKEN))
        .retry_backoff(Duration::from_millis(1), Duration::from_millis(5))
        .build()
        .unwrap()
}

fn get_request(zone: &str) -> Request {
    Request {
        // Path values arrive percent-encoded, as `params::encode` writes them.
        path_params: vec![(
            "zone_id",
            percent_encoding::utf8_percent_encode(zone, super::url::COMPONENT).to_string(),
        )],
        query: vec![("status", "active".to_owned())],
        ..Request::default()
    }
}

#[tokio::test]
async fn get_is_retried_after_503_and_sends_the_right_request() {
    let (base, seen) = serve(vec![
        respond("503 Service Unavailable", &["Retry-After: 0"], "busy"),
        respond("200 OK", &["cf-ray: ray-9"], r#"{"id":"x"}"#),
    ])
    .await;
    let response = client(&base)
        .execute::<Value>(&GET, Ok(get_request("a/b")))
        .await
        .unwrap();
    assert_eq!(response.result, json!({"id": "x"}));
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 2);
    let request = seen[1].to_ascii_lowercase();
    assert!(
        request.starts_with("get /zones/a%2fb/items?status=active http/1.1\r\n"),
        "{request}"
    );
    assert!(request.contains(&format!(
        "authorization: bearer {}",
        TOKEN.to_ascii_lowercase()
    )));
    assert!(request.contains(&format!("user-agent: {}/", env!("CARGO_PKG_NAME"))));
    assert!(request.contains("accept: application/json"));
}

#[tokio::test]
async fn post_is_retried_on_429_but_not_on_503() {
    let (base, seen) = serve(vec![
        respond("429 Too Many Requests", &["retry-after-ms: 1"], ""),
        respond("503 Service Unavailable", &[], "<html>down</html>"),
        respond("200 OK", &[], "{}"),
    ])
    .await;
    let request = Request {
        body: Some(Body::Json {
            content_type: "application/json",
            value: json!({"csr": "c"}),
            files: Vec::new(),
        }),
        ..Request::default()
    };
    let err = client(&base)
        .execute::<Value>(&POST, Ok(request))
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(
        err.api_error().unwrap().body_excerpt.as_deref(),
        Some("<html>down</html>")
    );
    assert!(!err.to_string().contains(TOKEN) && !format!("{err:?}").contains(TOKEN));
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 2);
    assert!(
        seen[1]
            .to_ascii_lowercase()
            .contains("content-type: application/json")
    );
    assert!(seen[1].ends_with(r#"{"csr":"c"}"#), "{}", seen[1]);
}

#[tokio::test]
async fn idempotent_post_is_retried_on_503() {
    let (base, seen) = serve(vec![
        respond("503 Service Unavailable", &[], ""),
        respond("200 OK", &[], "{}"),
    ])
    .await;
    let request = Request {
        options: RequestOptions::new().idempotent(true),
        ..Request::default()
    };
    client(&base)
        .execute::<Value>(&POST, Ok(request))
        .await
        .unwrap();
    assert_eq!(seen.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn timed_out_post_is_not_retried() {
    let (base, seen) = serve(vec![Reply::Hang, Reply::Hang]).await;
    let options = RequestOptions::new()
        .timeout(Duration::from_millis(150))
        .max_retries(2);
    let err = client(&base)
        .execute::<Value>(
            &POST,
            Ok(Request {
                options,
                ..Request::default()
            }),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Timeout { after, attempts: 1, .. } if after == Duration::from_millis(150)),
        "{err:?}"
    );
    assert_eq!(seen.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn truncated_body_is_a_retried_connection_error() {
    let truncated = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\nConnection: close\r\n\r\n{\"id\":";
    let (base, seen) = serve(vec![
        Reply::Respond(truncated.to_owned()),
        Reply::Respond(truncated.to_owned()),
    ])
    .await;
    let request = Request {
        options: RequestOptions::new().max_retries(1),
        ..get_request("z")
    };
    let err = client(&base)
        .execute::<Value>(&GET, Ok(request))
        .await
        .unwrap_err();
    assert!(err.is_connection(), "{err:?}");
    assert!(
        !err.to_string().contains("127.0.0.1"),
        "no URL in errors: {err}"
    );
    assert_eq!(seen.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn refused_connection_and_invalid_header() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let err = client(&base)
        .execute::<Value>(&POST, Ok(Request::default()))
        .await
        .unwrap_err();
    assert!(err.is_connection(), "{err:?}");
    let request = Request {
        options: RequestOptions::new().header("X-Bad", "a\nb"),
        ..Request::default()
    };
    let err = client(&base)
        .execute::<Value>(&POST, Ok(request))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidArgument { name: "header", .. }),
        "{err:?}"
    );
}

fn page(items: &[u32], page: u32, total_pages: u32) -> Reply {
    let body = json!({
        "success": true, "errors": [], "messages": [], "result": items,
        "result_info": {"page": page, "per_page": 2, "count": items.len(), "total_pages": total_pages}
    });
    respond("200 OK", &[], &body.to_string())
}

fn list_request() -> Request {
    Request {
        query: vec![("status", "active".into()), ("per_page", "2".into())],
        ..Request::default()
    }
}

#[tokio::test]
async fn stream_walks_every_page_in_order() {
    if crate::PROFILE.envelope != Envelope::CloudflareV4 {
        return;
    }
    let (base, seen) = serve(vec![
        page(&[1, 2], 1, 3),
        page(&[3, 4], 2, 3),
        page(&[5], 3, 3),
    ])
    .await;
    let items: Vec<u32> = paginate::<u32>(client(&base), &LIST, Ok(list_request()))
        .map(Result::unwrap)
        .collect()
        .await;
    assert_eq!(items, [1, 2, 3, 4, 5]);
    let seen = seen.lock().unwrap();
    for (i, request) in seen.iter().enumerate() {
        let line = format!(
            "GET /items?status=active&per_page=2&page={} HTTP/1.1",
            i + 1
        );
        assert!(request.starts_with(&line), "{request}");
    }
}

#[tokio::test]
async fn stream_yields_an_error_once_then_ends() {
    if crate::PROFILE.envelope != Envelope::CloudflareV4 {
        return;
    }
    let failure = r#"{"success":false,"errors":[{"code":1001,"message":"bad page"}],"messages":[],"result":null}"#;
    let (base, seen) = serve(vec![
        page(&[7, 8], 2, 3),
        respond("400 Bad Request", &[], failure),
    ])
    .await;
    let mut request = list_request();
    request.query.push(("page", "2".into()));
    let mut stream = paginate::<u32>(client(&base), &LIST, Ok(request));
    assert_eq!(stream.next().await.unwrap().unwrap(), 7);
    assert_eq!(stream.next().await.unwrap().unwrap(), 8);
    let err = stream.next().await.unwrap().unwrap_err();
    assert!(
        err.is_bad_request() && err.api_error().unwrap().has_code(1001),
        "{err:?}"
    );
    assert!(stream.next().await.is_none());
    assert!(seen.lock().unwrap()[1].starts_with("GET /items?status=active&per_page=2&page=3 "));
    let mut failed = paginate::<u32>(
        client(&base),
        &LIST,
        Err(Error::invalid("zone_id", "must not be empty")),
    );
    assert!(failed.next().await.unwrap().is_err());
    assert!(failed.next().await.is_none());
}

#[cfg(feature = "tracing")]
mod tracing_capture {
    use std::cell::RefCell;
    use std::fmt::Write as _;
    use std::sync::Once;
    use std::sync::atomic::{AtomicU64, Ordering};

    use tracing::field::{Field, Visit};
    use tracing::span::{Attributes, Id, Record};
    use tracing::{Event, Metadata, Subscriber};

    use super::*;

    thread_local! {
        static SINK: RefCell<Option<Arc<Mutex<String>>>> = const { RefCell::new(None) };
    }

    /// Global subscriber writing the spans and events of this crate into the
    /// current thread's sink, if any. A global one is used because interest
    /// cached by callsites hit from other test threads could hide them from
    /// a scoped subscriber.
    struct Capture {
        next_id: AtomicU64,
    }

    fn write(f: impl FnOnce(&mut String)) {
        SINK.with(|sink| {
            if let Some(out) = &*sink.borrow() {
                f(&mut out.lock().unwrap());
            }
        });
    }

    struct Fields<'a>(&'a mut String);

    impl Visit for Fields<'_> {
        fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
            let _ = write!(self.0, " {}={:?}", field.name(), value);
        }
    }

    impl Subscriber for Capture {
        fn enabled(&self, metadata: &Metadata<'_>) -> bool {
            metadata.target().starts_with(env!("CARGO_CRATE_NAME"))
        }

        fn new_span(&self, span: &Attributes<'_>) -> Id {
            write(|out| {
                out.push_str("\nspan ");
                out.push_str(span.metadata().name());
                span.record(&mut Fields(out));
            });
            Id::from_u64(self.next_id.fetch_add(1, Ordering::Relaxed))
        }

        fn record(&self, _: &Id, values: &Record<'_>) {
            write(|out| values.record(&mut Fields(out)));
        }

        fn record_follows_from(&self, _: &Id, _: &Id) {}

        fn event(&self, event: &Event<'_>) {
            write(|out| {
                out.push_str("\nevent");
                event.record(&mut Fields(out));
            });
        }

        fn enter(&self, _: &Id) {}

        fn exit(&self, _: &Id) {}
    }

    #[tokio::test]
    async fn spans_record_attempts_without_secrets() {
        static INSTALL: Once = Once::new();
        INSTALL.call_once(|| {
            let _ = tracing::subscriber::set_global_default(Capture {
                next_id: AtomicU64::new(1),
            });
        });
        let out = Arc::new(Mutex::new(String::new()));
        SINK.with(|sink| *sink.borrow_mut() = Some(out.clone()));
        let (base, _) = serve(vec![
            respond("503 Service Unavailable", &["Retry-After: 0"], ""),
            respond("200 OK", &[], "{}"),
        ])
        .await;
        tracing::callsite::rebuild_interest_cache();
        let request = Request {
            options: RequestOptions::new().header("X-Auth-Key", "hidden-key"),
            ..get_request("zone-x")
        };
        client(&base)
            .execute::<Value>(&GET, Ok(request))
            .await
            .unwrap();
        SINK.with(|sink| sink.borrow_mut().take());
        let out = out.lock().unwrap();
        let first = r#"span http_request operation="getItem" method="GET" path="/zones/{zone_id}/items" attempt=1"#;
        assert!(out.contains(first), "{out}");
        assert!(
            out.contains("attempt=2") && out.contains("status=503") && out.contains("status=200"),
            "{out}"
        );
        assert!(
            out.contains("retrying request") && out.contains("reason=HTTP 503"),
            "{out}"
        );
        assert!(
            out.contains("call completed") && out.contains("attempts=2"),
            "one event for the whole call: {out}"
        );
        for secret in [TOKEN, "hidden-key", "zone-x", "status=active", "127.0.0.1"] {
            assert!(!out.contains(secret), "{secret} leaked: {out}");
        }
    }
}
