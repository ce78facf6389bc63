//! A recording HTTP/1.1 reverse proxy on `127.0.0.1`, between a conformance driver and
//! Prism.
//!
//! The driver's clients send every request of operation `N` under the base URL
//! `{proxy}/__apigen/{mode}/{N}`; the proxy strips that prefix from the request target,
//! forwards the request to Prism and records it with its answer ([`Exchange`]): what was
//! asked, the status, Prism's `sl-violations` header and the start of the response body.
//! A request without the prefix is forwarded unchanged and recorded without an index.
//!
//! Each client connection is served by a thread with a keep-alive connection of its own to
//! the upstream; bodies framed by `Content-Length` or chunked are forwarded byte for byte in
//! both directions (a response may also end with the connection), and `Connection: close`
//! from either side ends the client connection after that exchange.

use super::http::{
    Framing, Head, read_body, read_head, request_framing, response_framing, status_of,
};
use serde::Serialize;
use std::io::{self, BufReader, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// The start of a request target that names the mode and the operation.
pub const PREFIX: &str = "/__apigen/";
/// How long a read or write on either connection may wait.
const IO_TIMEOUT: Duration = Duration::from_secs(120);

/// One request that went through the proxy, and its answer.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Exchange {
    /// The `{mode}` of the prefix, when there was one.
    pub mode: Option<String>,
    /// The `{N}` of the prefix, when there was one.
    pub index: Option<usize>,
    pub method: String,
    /// The request target as forwarded (the prefix stripped).
    pub target: String,
    pub request_headers: Vec<(String, String)>,
    /// The request body (de-chunked), at most [`BODY_KEPT`](super::http::BODY_KEPT) bytes.
    #[serde(skip)]
    pub request_body: Vec<u8>,
    pub status: Option<u16>,
    /// Prism's `sl-violations` response header: a JSON list of violations.
    pub violations: Option<String>,
    pub content_type: Option<String>,
    /// The start of the response body (de-chunked), at most [`BODY_KEPT`](super::http::BODY_KEPT) bytes.
    #[serde(skip)]
    pub response_body: Vec<u8>,
    /// Why the exchange did not complete (upstream unreachable, malformed answer).
    pub error: Option<String>,
}

/// Split `/__apigen/{mode}/{N}/rest?query` into the mode, `N` and `/rest?query`. A target
/// without a well-formed prefix comes back unchanged with neither.
pub fn strip_prefix(target: &str) -> (Option<String>, Option<usize>, String) {
    let unchanged = || (None, None, target.to_string());
    let Some(rest) = target.strip_prefix(PREFIX) else {
        return unchanged();
    };
    let Some((mode, rest)) = rest.split_once('/') else {
        return unchanged();
    };
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (number, rest) = rest.split_at(end);
    let valid_mode = !mode.is_empty() && mode.chars().all(|c| c.is_ascii_alphanumeric());
    let index = number
        .parse::<usize>()
        .ok()
        .filter(|_| number.chars().all(|c| c.is_ascii_digit()) && valid_mode);
    let Some(index) = index else {
        return unchanged();
    };
    let stripped = if rest.starts_with('/') {
        rest.to_string()
    } else {
        format!("/{rest}")
    };
    (Some(mode.to_string()), Some(index), stripped)
}

/// A running proxy; stops accepting when dropped.
pub struct Proxy {
    pub addr: SocketAddr,
    records: Arc<Mutex<Vec<Exchange>>>,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
}

impl Proxy {
    /// Listen on a free port of `127.0.0.1` and forward to `upstream`.
    pub fn start(upstream: SocketAddr) -> Result<Proxy, String> {
        let listener = TcpListener::bind("127.0.0.1:0")
            .map_err(|e| format!("the proxy cannot listen on 127.0.0.1: {e}"))?;
        let addr = listener
            .local_addr()
            .map_err(|e| format!("the proxy has no address: {e}"))?;
        let records = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let accept = {
            let records = records.clone();
            let stop = stop.clone();
            std::thread::spawn(move || {
                for client in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(client) = client else { continue };
                    let records = records.clone();
                    std::thread::spawn(move || serve(client, upstream, &records));
                }
            })
        };
        Ok(Proxy {
            addr,
            records,
            stop,
            accept: Some(accept),
        })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The exchanges recorded so far, taken out of the proxy (in the order they ended).
    pub fn take(&self) -> Vec<Exchange> {
        std::mem::take(&mut *self.records.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accepting thread so it sees the flag.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
    }
}

/// The proxy's connection to the upstream.
struct Upstream {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
    /// Whether an exchange already went over it (a kept-alive connection the upstream may
    /// have closed meanwhile).
    reused: bool,
}

fn connect(addr: SocketAddr) -> io::Result<Upstream> {
    let stream = TcpStream::connect_timeout(&addr, IO_TIMEOUT)?;
    stream.set_read_timeout(Some(IO_TIMEOUT))?;
    stream.set_write_timeout(Some(IO_TIMEOUT))?;
    let _ = stream.set_nodelay(true);
    Ok(Upstream {
        reader: BufReader::new(stream.try_clone()?),
        writer: stream,
        reused: false,
    })
}

/// The upstream's answer: its bytes as sent, its final head, the kept body, and whether
/// the connection must close after it.
struct Answer {
    raw: Vec<u8>,
    head: Head,
    status: u16,
    body: Vec<u8>,
    close: bool,
}

/// Send `request` and read the answer. `Ok(None)` when a reused connection turned out to
/// be closed before any answer came (the request may be sent again on a new one).
fn exchange_once(
    upstream: &mut Upstream,
    request: &[u8],
    method: &str,
) -> io::Result<Option<Answer>> {
    let reused = upstream.reused;
    upstream.reused = true;
    if let Err(e) = upstream
        .writer
        .write_all(request)
        .and_then(|()| upstream.writer.flush())
    {
        return if reused { Ok(None) } else { Err(e) };
    }
    let mut raw = Vec::new();
    loop {
        let head = match read_head(&mut upstream.reader) {
            Ok(Some(head)) => head,
            Ok(None) if reused && raw.is_empty() => return Ok(None),
            Ok(None) => {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the upstream closed the connection without answering",
                ));
            }
            Err(e) if reused && raw.is_empty() && e.kind() == io::ErrorKind::ConnectionReset => {
                return Ok(None);
            }
            Err(e) => return Err(e),
        };
        raw.extend_from_slice(&head.raw);
        let status = status_of(&head)?;
        if (100..200).contains(&status) && status != 101 {
            // An interim answer: forwarded as it is; the final one follows.
            continue;
        }
        let framing = response_framing(&head, method, status)?;
        let mut body = Vec::new();
        read_body(&mut upstream.reader, framing, &mut raw, &mut body)?;
        let close = framing == Framing::UntilClose
            || status == 101
            || head.has_token("connection", "close")
            || (head.line.starts_with("HTTP/1.0") && !head.has_token("connection", "keep-alive"));
        return Ok(Some(Answer {
            raw,
            head,
            status,
            body,
            close,
        }));
    }
}

/// Forward `request` over the kept connection (opened when there is none), once more on a
/// new connection when the kept one had closed.
fn forward(
    upstream: &mut Option<Upstream>,
    addr: SocketAddr,
    request: &[u8],
    method: &str,
) -> Result<Answer, String> {
    for _ in 0..2 {
        let connection = match upstream {
            Some(connection) => connection,
            None => upstream
                .insert(connect(addr).map_err(|e| format!("cannot connect to {addr}: {e}"))?),
        };
        match exchange_once(connection, request, method) {
            Ok(Some(answer)) => {
                if answer.close {
                    *upstream = None;
                }
                return Ok(answer);
            }
            Ok(None) => *upstream = None,
            Err(e) => {
                *upstream = None;
                return Err(format!("exchange with {addr} failed: {e}"));
            }
        }
    }
    Err(format!(
        "{addr} closed the connection twice without answering"
    ))
}

fn record(records: &Mutex<Vec<Exchange>>, exchange: Exchange) {
    records
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .push(exchange);
}

fn plain_response(status: &str, text: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 {status}\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{text}",
        text.len()
    )
    .into_bytes()
}

/// Serve one client connection until it closes, an exchange asks to close, or it fails.
fn serve(client: TcpStream, upstream_addr: SocketAddr, records: &Mutex<Vec<Exchange>>) {
    let _ = client.set_read_timeout(Some(IO_TIMEOUT));
    let _ = client.set_write_timeout(Some(IO_TIMEOUT));
    let _ = client.set_nodelay(true);
    let Ok(reading) = client.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(reading);
    let mut writer = client;
    let mut upstream: Option<Upstream> = None;
    loop {
        let head = match read_head(&mut reader) {
            Ok(Some(head)) => head,
            Ok(None) => break,
            Err(e) => {
                if e.kind() == io::ErrorKind::InvalidData {
                    let _ = writer.write_all(&plain_response("400 Bad Request", &e.to_string()));
                }
                break;
            }
        };
        let parts: Vec<&str> = head.line.split_whitespace().collect();
        let [method, target, version] = parts[..] else {
            let _ = writer.write_all(&plain_response("400 Bad Request", "malformed request line"));
            break;
        };
        let (mode, index, target) = strip_prefix(target);
        let mut exchange = Exchange {
            mode,
            index,
            method: method.to_string(),
            target: target.clone(),
            request_headers: head.headers.clone(),
            ..Exchange::default()
        };
        let expects_continue = head.has_token("expect", "100-continue");
        let framing = match request_framing(&head) {
            Ok(framing) => framing,
            Err(e) => {
                let _ = writer.write_all(&plain_response("400 Bad Request", &e.to_string()));
                break;
            }
        };
        if expects_continue && framing != Framing::Empty {
            // The proxy reads the whole body before forwarding it, so it answers the
            // expectation itself and does not pass it on.
            if writer.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").is_err() {
                break;
            }
        }
        let mut request = format!("{method} {target} {version}\r\n").into_bytes();
        for (name, value) in &head.headers {
            if !name.eq_ignore_ascii_case("expect") {
                request.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
            }
        }
        request.extend_from_slice(b"\r\n");
        if let Err(e) = read_body(
            &mut reader,
            framing,
            &mut request,
            &mut exchange.request_body,
        ) {
            exchange.error = Some(format!("the request body could not be read: {e}"));
            record(records, exchange);
            break;
        }
        let client_close = head.has_token("connection", "close")
            || (version == "HTTP/1.0" && !head.has_token("connection", "keep-alive"));
        match forward(&mut upstream, upstream_addr, &request, method) {
            Ok(answer) => {
                exchange.status = Some(answer.status);
                exchange.violations = answer.head.get("sl-violations").map(str::to_string);
                exchange.content_type = answer.head.get("content-type").map(str::to_string);
                exchange.response_body = answer.body;
                // Recorded before the client has its answer, so whoever waits for the
                // client's end finds every exchange of it recorded.
                record(records, exchange);
                if writer
                    .write_all(&answer.raw)
                    .and_then(|()| writer.flush())
                    .is_err()
                    || client_close
                    || answer.close
                {
                    break;
                }
            }
            Err(error) => {
                exchange.error = Some(error.clone());
                record(records, exchange);
                let _ = writer.write_all(&plain_response("502 Bad Gateway", &error));
                break;
            }
        }
    }
    let _ = writer.shutdown(Shutdown::Both);
}

#[cfg(test)]
#[path = "proxy_tests.rs"]
mod tests;
