//! A scripted HTTP/1.1 server on raw TCP, for fault injection.
//!
//! By default each connection carries exactly one request (responses say
//! `Connection: close`), so the number of requests received is the number of attempts
//! the client made; [`FaultServer::keep_alive`] serves many requests per connection
//! instead, telling the script how long each connection sat idle. A script decides,
//! for every request, what the server does: answer (possibly after a delay), close the
//! connection, reset it, send a truncated body, stream an endless or huge body, or
//! never answer.

use std::fmt;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

/// A complete HTTP response.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    /// Status code.
    pub status: u16,
    /// Extra headers (`Content-Length` and `Connection` are added).
    pub headers: Vec<(String, String)>,
    /// Body.
    pub body: Vec<u8>,
}

impl Reply {
    /// A response with a JSON body.
    pub fn json(status: u16, body: &Value) -> Reply {
        Reply::raw(status, body.to_string()).header("Content-Type", "application/json")
    }

    /// A response with a body sent as is.
    pub fn raw(status: u16, body: impl Into<Vec<u8>>) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: body.into(),
        }
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// A successful v4 envelope around `result`.
    pub fn ok(result: Value) -> Reply {
        Reply::json(200, &success(result))
    }

    /// A failure v4 envelope with one error.
    pub fn error(status: u16, code: i64, message: &str) -> Reply {
        Reply::json(status, &failure(code, message))
    }

    fn head(&self, content_length: usize) -> String {
        self.head_with(&format!("Content-Length: {content_length}\r\n"), false)
    }

    /// The status line and headers, with `framing` (a `Content-Length` or
    /// `Transfer-Encoding` line) and `Connection: close` unless `keep_alive`.
    fn head_with(&self, framing: &str, keep_alive: bool) -> String {
        let connection = if keep_alive {
            ""
        } else {
            "Connection: close\r\n"
        };
        let mut head = format!(
            "HTTP/1.1 {} {}\r\n{framing}{connection}",
            self.status,
            reason(self.status)
        );
        for (name, value) in &self.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        head
    }
}

/// What the server does with one request.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Sends the response, then closes the connection.
    Respond(Reply),
    /// Waits, then does the inner action.
    Delay(Duration, Box<Action>),
    /// Closes the connection without answering.
    Close,
    /// Resets the connection (TCP RST) without answering.
    Reset,
    /// Sends the head of `reply` with `Content-Length: declared`, then only `reply`'s
    /// body (shorter than `declared`), then closes the connection.
    Truncate {
        /// Status, headers and the partial body.
        reply: Reply,
        /// The length announced in `Content-Length`.
        declared: usize,
    },
    /// Sends the head of `reply` and the first `split` bytes of its body, waits
    /// `pause`, then sends the rest.
    Trickle {
        /// The complete response.
        reply: Reply,
        /// Body bytes sent before the pause.
        split: usize,
        /// How long the body stalls.
        pause: Duration,
    },
    /// Keeps the connection open without ever answering.
    Hang,
    /// Sends the head of `reply`, then `chunk` over and over as the body until
    /// `total` bytes are sent (announced in `Content-Length`), or forever with
    /// chunked encoding when `total` is `None`; stops when the client goes away.
    /// The body is generated as it is sent: the server never holds it.
    Stream {
        /// Status and headers (its body is ignored).
        reply: Reply,
        /// The bytes repeated.
        chunk: Vec<u8>,
        /// Body length, or `None` for an endless chunked body.
        total: Option<u64>,
    },
}

impl Action {
    /// Shorthand for [`Action::Respond`].
    pub fn respond(reply: Reply) -> Action {
        Action::Respond(reply)
    }

    /// Shorthand for [`Action::Delay`].
    pub fn delay(by: Duration, then: Action) -> Action {
        Action::Delay(by, Box::new(then))
    }

    /// An envelope error with `status`, code 1000 + status.
    pub fn status(status: u16) -> Action {
        Action::Respond(Reply::error(
            status,
            1000 + i64::from(status),
            reason(status),
        ))
    }
}

/// One request as the server received it.
#[derive(Clone)]
pub struct SeenRequest {
    /// Method, such as `GET`.
    pub method: String,
    /// Request target: path and query.
    pub target: String,
    /// Headers with lowercase names, in order.
    pub headers: Vec<(String, String)>,
    /// Body.
    pub body: Vec<u8>,
    /// When the request was fully read.
    pub at: Instant,
    /// Number of the connection it came on (from 0, in order of acceptance).
    pub connection: usize,
    /// How long the connection sat idle before this request: since the previous
    /// response on it, or `None` for its first request.
    pub idle: Option<Duration>,
}

impl fmt::Debug for SeenRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SeenRequest")
            .field("method", &self.method)
            .field("target", &self.target)
            .field("body", &String::from_utf8_lossy(&self.body))
            .finish_non_exhaustive()
    }
}

impl SeenRequest {
    /// Path without the query.
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or_default()
    }

    /// A decoded query parameter (first occurrence).
    pub fn query_param(&self, name: &str) -> Option<String> {
        let query = self.target.split_once('?')?.1;
        form_urlencoded::parse(query.as_bytes())
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.into_owned())
    }

    /// A header's value (first occurrence; `name` in any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

type Script = dyn Fn(&SeenRequest, usize) -> Action + Send + Sync;

/// A running scripted server; stops (and drops every connection) when dropped.
pub struct FaultServer {
    /// Base URL, such as `http://127.0.0.1:40123`.
    pub base_url: String,
    seen: Arc<Mutex<Vec<SeenRequest>>>,
    counters: Arc<Counters>,
    task: JoinHandle<()>,
}

/// What the server counts while it runs.
#[derive(Default)]
struct Counters {
    /// Response body bytes written to sockets.
    body_bytes: AtomicU64,
    /// Connections accepted.
    connections: AtomicUsize,
}

impl fmt::Debug for FaultServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FaultServer")
            .field("base_url", &self.base_url)
            .field("attempts", &self.attempts())
            .finish_non_exhaustive()
    }
}

impl Drop for FaultServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FaultServer {
    /// Starts a server where `script(request, index)` decides what to do with the
    /// request numbered `index` (from 0, in order of arrival).
    pub async fn start(
        script: impl Fn(&SeenRequest, usize) -> Action + Send + Sync + 'static,
    ) -> FaultServer {
        FaultServer::launch(script, false).await
    }

    /// Like [`FaultServer::start`], but connections stay open after a response
    /// (no `Connection: close`) and carry request after request, as servers
    /// behind load balancers do; [`SeenRequest::idle`] tells the script how long
    /// the connection waited for each request.
    pub async fn keep_alive(
        script: impl Fn(&SeenRequest, usize) -> Action + Send + Sync + 'static,
    ) -> FaultServer {
        FaultServer::launch(script, true).await
    }

    async fn launch(
        script: impl Fn(&SeenRequest, usize) -> Action + Send + Sync + 'static,
        keep_alive: bool,
    ) -> FaultServer {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let base_url = format!("http://{}", listener.local_addr().expect("local address"));
        let seen: Arc<Mutex<Vec<SeenRequest>>> = Arc::default();
        let counters: Arc<Counters> = Arc::default();
        let script: Arc<Script> = Arc::new(script);
        let (log, count) = (seen.clone(), counters.clone());
        let task = tokio::spawn(async move {
            let mut connections = JoinSet::new();
            loop {
                let Ok((socket, _)) = listener.accept().await else {
                    continue;
                };
                let number = count.connections.fetch_add(1, Ordering::SeqCst);
                let conn = Connection {
                    script: script.clone(),
                    log: log.clone(),
                    counters: count.clone(),
                    number,
                    keep_alive,
                };
                connections.spawn(conn.serve(socket));
                while connections.try_join_next().is_some() {}
            }
        });
        FaultServer {
            base_url,
            seen,
            counters,
            task,
        }
    }

    /// Starts a server that answers request `i` with `actions[i]`, and every request
    /// past the end with the last action.
    pub async fn sequence(actions: Vec<Action>) -> FaultServer {
        assert!(!actions.is_empty(), "a sequence needs at least one action");
        FaultServer::start(move |_, i| actions[i.min(actions.len() - 1)].clone()).await
    }

    /// Starts a server that answers every request with `action`.
    pub async fn always(action: Action) -> FaultServer {
        FaultServer::sequence(vec![action]).await
    }

    fn lock(&self) -> MutexGuard<'_, Vec<SeenRequest>> {
        self.seen.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Number of requests received: the client's attempts.
    pub fn attempts(&self) -> usize {
        self.lock().len()
    }

    /// The requests received, in order.
    pub fn requests(&self) -> Vec<SeenRequest> {
        self.lock().clone()
    }

    /// Response body bytes the server managed to write to its sockets: what a
    /// client that stops reading early let through.
    pub fn body_bytes_sent(&self) -> u64 {
        self.counters.body_bytes.load(Ordering::SeqCst)
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> usize {
        self.counters.connections.load(Ordering::SeqCst)
    }

    /// Time between the arrival of request `i` and request `i + 1`.
    pub fn gap(&self, i: usize) -> Duration {
        let seen = self.lock();
        seen[i + 1].at.duration_since(seen[i].at)
    }
}

/// One accepted connection and what it needs to serve its requests.
struct Connection {
    script: Arc<Script>,
    log: Arc<Mutex<Vec<SeenRequest>>>,
    counters: Arc<Counters>,
    number: usize,
    keep_alive: bool,
}

/// Whether the connection can carry another request after an action.
enum After {
    Open,
    Closed,
}

impl Connection {
    /// Reads requests and carries out the script's action for each: one request,
    /// or, with keep-alive, until an action closes the connection.
    async fn serve(self, mut socket: TcpStream) {
        let mut idle_since: Option<Instant> = None;
        loop {
            let Some(mut request) = read_request(&mut socket).await else {
                return;
            };
            request.connection = self.number;
            request.idle = idle_since.map(|at| request.at.duration_since(at));
            let index = {
                let mut seen = self.log.lock().unwrap_or_else(|p| p.into_inner());
                seen.push(request.clone());
                seen.len() - 1
            };
            let action = (self.script)(&request, index);
            match self.act(&mut socket, action).await {
                After::Open if self.keep_alive => idle_since = Some(Instant::now()),
                _ => return,
            }
        }
    }

    async fn act(&self, socket: &mut TcpStream, mut action: Action) -> After {
        let keep_alive = self.keep_alive;
        loop {
            match action {
                Action::Delay(by, then) => {
                    tokio::time::sleep(by).await;
                    action = *then;
                }
                Action::Respond(reply) => {
                    let framing = format!("Content-Length: {}\r\n", reply.body.len());
                    let mut bytes = reply.head_with(&framing, keep_alive).into_bytes();
                    bytes.extend_from_slice(&reply.body);
                    if socket.write_all(&bytes).await.is_err() {
                        return After::Closed;
                    }
                    self.count(reply.body.len());
                    let _ = socket.flush().await;
                    if keep_alive {
                        return After::Open;
                    }
                    let _ = socket.shutdown().await;
                    drain(socket).await;
                    return After::Closed;
                }
                Action::Truncate { reply, declared } => {
                    let mut bytes = reply.head(declared).into_bytes();
                    bytes.extend_from_slice(&reply.body);
                    let _ = socket.write_all(&bytes).await;
                    let _ = socket.flush().await;
                    return After::Closed;
                }
                Action::Trickle {
                    reply,
                    split,
                    pause,
                } => {
                    let split = split.min(reply.body.len());
                    let mut bytes = reply.head(reply.body.len()).into_bytes();
                    bytes.extend_from_slice(&reply.body[..split]);
                    if socket.write_all(&bytes).await.is_err() || socket.flush().await.is_err() {
                        return After::Closed;
                    }
                    tokio::time::sleep(pause).await;
                    let _ = socket.write_all(&reply.body[split..]).await;
                    let _ = socket.shutdown().await;
                    drain(socket).await;
                    return After::Closed;
                }
                Action::Stream {
                    reply,
                    chunk,
                    total,
                } => {
                    self.stream(socket, &reply, &chunk, total).await;
                    return After::Closed;
                }
                Action::Close => {
                    let _ = socket.shutdown().await;
                    return After::Closed;
                }
                Action::Reset => {
                    let _ = socket.set_zero_linger();
                    return After::Closed;
                }
                Action::Hang => {
                    std::future::pending::<()>().await;
                }
            }
        }
    }

    /// Writes a generated body until `total` bytes or the client goes away.
    async fn stream(
        &self,
        socket: &mut TcpStream,
        reply: &Reply,
        chunk: &[u8],
        total: Option<u64>,
    ) {
        assert!(!chunk.is_empty(), "a streamed body needs a non-empty chunk");
        let framing = match total {
            Some(total) => format!("Content-Length: {total}\r\n"),
            None => "Transfer-Encoding: chunked\r\n".to_owned(),
        };
        if socket
            .write_all(reply.head_with(&framing, false).as_bytes())
            .await
            .is_err()
        {
            return;
        }
        let chunked_frame = {
            let mut frame = format!("{:x}\r\n", chunk.len()).into_bytes();
            frame.extend_from_slice(chunk);
            frame.extend_from_slice(b"\r\n");
            frame
        };
        let mut sent = 0u64;
        loop {
            let piece: &[u8] = match total {
                Some(total) if sent >= total => break,
                Some(total) => &chunk[..chunk.len().min((total - sent) as usize)],
                None => &chunked_frame,
            };
            if socket.write_all(piece).await.is_err() {
                return;
            }
            let body_len = if total.is_some() {
                piece.len()
            } else {
                chunk.len()
            };
            sent += body_len as u64;
            self.count(body_len);
        }
        let _ = socket.flush().await;
        let _ = socket.shutdown().await;
        drain(socket).await;
    }

    fn count(&self, bytes: usize) {
        self.counters
            .body_bytes
            .fetch_add(bytes as u64, Ordering::SeqCst);
    }
}

/// Waits (briefly) for the client to close its side, so the response is not cut short
/// by a reset when unread bytes remain.
async fn drain(socket: &mut TcpStream) {
    let mut buf = [0u8; 1024];
    let _ = tokio::time::timeout(Duration::from_secs(2), async {
        while matches!(socket.read(&mut buf).await, Ok(n) if n > 0) {}
    })
    .await;
}

/// Reads a request head and its `Content-Length` body; `None` if the connection
/// closed first or the request is malformed.
async fn read_request(socket: &mut TcpStream) -> Option<SeenRequest> {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    let head_end = loop {
        if let Some(at) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        if data.len() > 64 * 1024 {
            return None;
        }
        let n = socket.read(&mut buf).await.ok()?;
        if n == 0 {
            return None;
        }
        data.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&data[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next()?.split(' ');
    let method = request_line.next()?.to_owned();
    let target = request_line.next()?.to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0);
    let chunked = headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.eq_ignore_ascii_case("chunked"));
    let mut body = data[head_end..].to_vec();
    if chunked {
        body = read_chunked(socket, body).await?;
    } else {
        while body.len() < length {
            let n = socket.read(&mut buf).await.ok()?;
            if n == 0 {
                return None;
            }
            body.extend_from_slice(&buf[..n]);
        }
        body.truncate(length);
    }
    Some(SeenRequest {
        method,
        target,
        headers,
        body,
        at: Instant::now(),
        connection: 0,
        idle: None,
    })
}

/// A chunked request body, decoded: `data` is what was read past the head.
async fn read_chunked(socket: &mut TcpStream, mut data: Vec<u8>) -> Option<Vec<u8>> {
    let mut body = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    let mut at = 0;
    loop {
        // The size line.
        let line_end = loop {
            if let Some(i) = data[at..].windows(2).position(|w| w == b"\r\n") {
                break at + i;
            }
            let n = socket.read(&mut buf).await.ok()?;
            if n == 0 {
                return None;
            }
            data.extend_from_slice(&buf[..n]);
        };
        let line = std::str::from_utf8(&data[at..line_end]).ok()?;
        let size = usize::from_str_radix(line.split(';').next()?.trim(), 16).ok()?;
        at = line_end + 2;
        // The chunk and its CRLF (after the last, empty chunk: the final CRLF).
        while data.len() < at + size + 2 {
            let n = socket.read(&mut buf).await.ok()?;
            if n == 0 {
                return None;
            }
            data.extend_from_slice(&buf[..n]);
        }
        body.extend_from_slice(&data[at..at + size]);
        at += size + 2;
        if size == 0 {
            return Some(body);
        }
        // Keep memory bounded for large uploads: drop what was consumed.
        data.drain(..at);
        at = 0;
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        408 => "Request Timeout",
        409 => "Conflict",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}

/// A successful v4 envelope.
pub fn success(result: Value) -> Value {
    json!({"success": true, "errors": [], "messages": [], "result": result})
}

/// A failed v4 envelope with one error.
pub fn failure(code: i64, message: &str) -> Value {
    json!({"success": false, "errors": [{"code": code, "message": message}], "messages": [], "result": null})
}

/// A certificate object with the given identifier and status `active`.
pub fn certificate(id: &str) -> Value {
    json!({
        "id": id,
        "status": "active",
        "common_name": format!("client {id}"),
        "validity_days": 3650,
        "issued_on": "2024-01-01T00:00:00Z",
        "expires_on": "2033-12-29T00:00:00Z",
    })
}

/// A 32-character identifier for item `n`.
pub fn item_id(n: usize) -> String {
    format!("{n:032x}")
}

/// A list envelope holding items `first..first + count` of `total`, as page `page`
/// of `per_page`.
pub fn list_page(page: usize, per_page: usize, total: usize) -> Value {
    let first = (page - 1) * per_page;
    let items: Vec<Value> = (first..total.min(first + per_page))
        .map(|n| certificate(&item_id(n)))
        .collect();
    json!({
        "success": true,
        "errors": [],
        "messages": [],
        "result_info": {
            "count": items.len(),
            "page": page,
            "per_page": per_page,
            "total_count": total,
            "total_pages": total.div_ceil(per_page),
        },
        "result": items,
    })
}
