//! The proxy against a tiny local HTTP server.

use super::*;
use crate::conformance::http::{
    Head, read_body, read_head, request_framing, response_framing, status_of,
};
use std::sync::atomic::AtomicUsize;

/// What the test server saw: request line and de-chunked body, per request.
type Seen = Arc<Mutex<Vec<(String, Vec<u8>)>>>;

/// A tiny HTTP/1.1 server: keep-alive, and an answer chosen by the request target.
struct TestServer {
    addr: SocketAddr,
    seen: Seen,
    connections: Arc<AtomicUsize>,
}

fn answer(target: &str, body: &[u8]) -> Vec<u8> {
    if target.starts_with("/chunked") {
        // The echo comes back in two chunks with a chunk extension and a trailer.
        let text = [b"echo:".as_slice(), body].concat();
        let (a, b) = text.split_at(text.len() / 2);
        let mut out =
            b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ntransfer-encoding: chunked\r\n\r\n"
                .to_vec();
        out.extend_from_slice(format!("{:x};ext=1\r\n", a.len()).as_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(format!("\r\n{:X}\r\n", b.len()).as_bytes());
        out.extend_from_slice(b);
        out.extend_from_slice(b"\r\n0\r\nx-trailer: t\r\n\r\n");
        out
    } else if target.starts_with("/violation") {
        let body =
            r#"{"type":"https://stoplight.io/prism/errors#UNPROCESSABLE_ENTITY","status":422}"#;
        format!(
            "HTTP/1.1 422 Unprocessable Entity\r\ncontent-type: application/problem+json\r\n\
             sl-violations: [{{\"location\":[\"request\",\"query\",\"page\"],\"message\":\"must be integer\"}}]\r\n\
             content-length: {}\r\n\r\n{body}",
            body.len()
        )
        .into_bytes()
    } else if target.starts_with("/close") {
        b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\nbye, until the end"
            .to_vec()
    } else {
        b"HTTP/1.1 204 No Content\r\n\r\n".to_vec()
    }
}

impl TestServer {
    fn start() -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("binds");
        let addr = listener.local_addr().expect("has an address");
        let seen: Seen = Arc::default();
        let connections = Arc::new(AtomicUsize::new(0));
        let (seen_by_server, counted) = (seen.clone(), connections.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                counted.fetch_add(1, Ordering::SeqCst);
                let seen = seen_by_server.clone();
                std::thread::spawn(move || {
                    let mut reader = BufReader::new(stream.try_clone().expect("clones"));
                    let mut writer = stream;
                    while let Ok(Some(head)) = read_head(&mut reader) {
                        let framing = request_framing(&head).expect("framed");
                        let (mut raw, mut body) = (Vec::new(), Vec::new());
                        read_body(&mut reader, framing, &mut raw, &mut body).expect("a body");
                        let target = head.line.split(' ').nth(1).unwrap_or("").to_string();
                        seen.lock().unwrap().push((head.line.clone(), body.clone()));
                        writer.write_all(&answer(&target, &body)).expect("answers");
                        if target.starts_with("/close") || head.has_token("connection", "close") {
                            break;
                        }
                    }
                });
            }
        });
        TestServer {
            addr,
            seen,
            connections,
        }
    }
}

/// Send `request` and read one response: (head, de-chunked body).
fn round_trip(
    stream: &mut TcpStream,
    reader: &mut BufReader<TcpStream>,
    request: &[u8],
) -> (Head, Vec<u8>) {
    stream.write_all(request).expect("sends");
    let head = read_head(reader).expect("reads").expect("a response");
    let status = status_of(&head).expect("a status");
    let framing = response_framing(&head, "GET", status).expect("framed");
    let (mut raw, mut body) = (Vec::new(), Vec::new());
    read_body(reader, framing, &mut raw, &mut body).expect("a body");
    (head, body)
}

fn client(proxy: &Proxy) -> (TcpStream, BufReader<TcpStream>) {
    let stream = TcpStream::connect(proxy.addr).expect("connects");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("sets a timeout");
    let reader = BufReader::new(stream.try_clone().expect("clones"));
    (stream, reader)
}

#[test]
fn strips_the_prefix() {
    let strip = |t: &str| strip_prefix(t);
    assert_eq!(
        strip("/__apigen/full/12/zones/z?x=1"),
        (Some("full".into()), Some(12), "/zones/z?x=1".into())
    );
    assert_eq!(
        strip("/__apigen/required/0"),
        (Some("required".into()), Some(0), "/".into())
    );
    assert_eq!(
        strip("/__apigen/required/3?page=2"),
        (Some("required".into()), Some(3), "/?page=2".into())
    );
    for unchanged in [
        "/zones",
        "/__apigen/full",
        "/__apigen/full/x/zones",
        "/__apigen/full/12x/zones",
        "/__apigen//3/zones",
        "/__apigen/full/+3/zones",
    ] {
        assert_eq!(
            strip(unchanged),
            (None, None, unchanged.into()),
            "{unchanged}"
        );
    }
}

#[test]
fn keeps_alive_forwards_chunked_bodies_and_records_each_exchange() {
    let server = TestServer::start();
    let proxy = Proxy::start(server.addr).expect("starts");
    let (mut stream, mut reader) = client(&proxy);

    // A chunked request body, answered with a chunked response.
    let request = b"POST /__apigen/full/3/chunked/z?x=1 HTTP/1.1\r\nhost: a\r\n\
        transfer-encoding: chunked\r\ncontent-type: text/plain\r\n\r\n\
        5\r\nhello\r\n6;name=v\r\n world\r\n0\r\n\r\n";
    let (head, body) = round_trip(&mut stream, &mut reader, request);
    assert_eq!(head.line, "HTTP/1.1 200 OK");
    assert_eq!(String::from_utf8_lossy(&body), "echo:hello world");
    assert_eq!(head.get("transfer-encoding"), Some("chunked"));

    // The same connection again, without the prefix, answered with a violation.
    let (head, body) = round_trip(
        &mut stream,
        &mut reader,
        b"GET /violation?page=x HTTP/1.1\r\nhost: a\r\ncontent-length: 0\r\n\r\n",
    );
    assert_eq!(head.line, "HTTP/1.1 422 Unprocessable Entity");
    assert!(String::from_utf8_lossy(&body).contains("UNPROCESSABLE_ENTITY"));

    // A third, with no body at all in the answer, and the client asking to close.
    let (head, body) = round_trip(
        &mut stream,
        &mut reader,
        b"DELETE /__apigen/required/7/things/1 HTTP/1.1\r\nhost: a\r\nconnection: close\r\n\r\n",
    );
    assert_eq!(head.line, "HTTP/1.1 204 No Content");
    assert!(body.is_empty());
    assert!(
        read_head(&mut reader).expect("a clean end").is_none(),
        "the proxy closes after `Connection: close`"
    );

    let seen = server.seen.lock().unwrap().clone();
    assert_eq!(
        seen.iter()
            .map(|(line, _)| line.as_str())
            .collect::<Vec<_>>(),
        [
            "POST /chunked/z?x=1 HTTP/1.1",
            "GET /violation?page=x HTTP/1.1",
            "DELETE /things/1 HTTP/1.1"
        ]
    );
    assert_eq!(seen[0].1, b"hello world");
    assert_eq!(
        server.connections.load(Ordering::SeqCst),
        1,
        "one kept-alive upstream connection"
    );

    let records = proxy.take();
    assert_eq!(records.len(), 3);
    assert_eq!(
        (records[0].mode.as_deref(), records[0].index),
        (Some("full"), Some(3))
    );
    assert_eq!(records[0].method, "POST");
    assert_eq!(records[0].target, "/chunked/z?x=1");
    assert_eq!(records[0].request_body, b"hello world");
    assert_eq!(records[0].status, Some(200));
    assert_eq!(records[0].response_body, b"echo:hello world");
    assert!(
        records[0]
            .request_headers
            .iter()
            .any(|(n, v)| n == "content-type" && v == "text/plain")
    );
    assert_eq!((records[1].mode.as_deref(), records[1].index), (None, None));
    assert_eq!(records[1].status, Some(422));
    assert!(
        records[1]
            .violations
            .as_deref()
            .is_some_and(|v| v.contains("must be integer"))
    );
    assert_eq!(
        records[1].content_type.as_deref(),
        Some("application/problem+json")
    );
    assert_eq!(
        (
            records[2].mode.as_deref(),
            records[2].index,
            records[2].status
        ),
        (Some("required"), Some(7), Some(204))
    );
    assert!(proxy.take().is_empty(), "taken once");
}

#[test]
fn a_response_that_ends_with_the_connection_is_forwarded_whole() {
    let server = TestServer::start();
    let proxy = Proxy::start(server.addr).expect("starts");
    let (mut stream, mut reader) = client(&proxy);
    let (head, body) = round_trip(
        &mut stream,
        &mut reader,
        b"GET /__apigen/full/1/close HTTP/1.1\r\nhost: a\r\n\r\n",
    );
    assert_eq!(head.get("connection"), Some("close"));
    assert_eq!(body, b"bye, until the end");
    assert!(read_head(&mut reader).expect("a clean end").is_none());
    // A new client connection gets a new upstream connection.
    let (mut stream, mut reader) = client(&proxy);
    let (head, _) = round_trip(
        &mut stream,
        &mut reader,
        b"PUT /__apigen/full/2/x HTTP/1.1\r\ncontent-length: 2\r\n\r\n{}",
    );
    assert_eq!(head.line, "HTTP/1.1 204 No Content");
    assert_eq!(server.connections.load(Ordering::SeqCst), 2);
    let records = proxy.take();
    assert_eq!(records.len(), 2);
    assert_eq!(records[1].request_body, b"{}");
}

#[test]
fn answers_an_expectation_and_reports_an_unreachable_upstream() {
    // A port nothing listens on.
    let dead = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a port");
    let proxy = Proxy::start(dead).expect("starts");
    let (mut stream, mut reader) = client(&proxy);
    stream
        .write_all(
            b"POST /__apigen/full/5/x HTTP/1.1\r\nexpect: 100-continue\r\ncontent-length: 3\r\n\r\n",
        )
        .expect("sends");
    let interim = read_head(&mut reader)
        .expect("reads")
        .expect("an interim answer");
    assert_eq!(interim.line, "HTTP/1.1 100 Continue");
    stream.write_all(b"abc").expect("sends the body");
    let head = read_head(&mut reader).expect("reads").expect("an answer");
    assert_eq!(head.line, "HTTP/1.1 502 Bad Gateway");
    let records = proxy.take();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].index, Some(5));
    assert_eq!(records[0].request_body, b"abc");
    assert!(
        records[0]
            .error
            .as_deref()
            .is_some_and(|e| e.contains("cannot connect")),
        "{:?}",
        records[0].error
    );
}
