//! A scripted HTTP/1.1 server on raw TCP, for fault injection.
//!
//! Each connection carries exactly one request (responses say `Connection: close`),
//! so the number of requests received is the number of attempts the client made.
//! A script decides, for every request, what the server does: answer (possibly after
//! a delay), close the connection, reset it, send a truncated body, or never answer.

use std::fmt;
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
        let mut head = format!(
            "HTTP/1.1 {} {}\r\nContent-Length: {content_length}\r\nConnection: close\r\n",
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
    task: JoinHandle<()>,
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
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let base_url = format!("http://{}", listener.local_addr().expect("local address"));
        let seen: Arc<Mutex<Vec<SeenRequest>>> = Arc::default();
        let script: Arc<Script> = Arc::new(script);
        let log = seen.clone();
        let task = tokio::spawn(async move {
            let mut connections = JoinSet::new();
            loop {
                let Ok((socket, _)) = listener.accept().await else {
                    continue;
                };
                let (script, log) = (script.clone(), log.clone());
                connections.spawn(serve_connection(socket, script, log));
                while connections.try_join_next().is_some() {}
            }
        });
        FaultServer {
            base_url,
            seen,
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

    /// Time between the arrival of request `i` and request `i + 1`.
    pub fn gap(&self, i: usize) -> Duration {
        let seen = self.lock();
        seen[i + 1].at.duration_since(seen[i].at)
    }
}

/// Reads one request and carries out the script's action for it.
async fn serve_connection(
    mut socket: TcpStream,
    script: Arc<Script>,
    log: Arc<Mutex<Vec<SeenRequest>>>,
) {
    let Some(request) = read_request(&mut socket).await else {
        return;
    };
    let index = {
        let mut seen = log.lock().unwrap_or_else(|p| p.into_inner());
        seen.push(request.clone());
        seen.len() - 1
    };
    let mut action = script(&request, index);
    loop {
        match action {
            Action::Delay(by, then) => {
                tokio::time::sleep(by).await;
                action = *then;
            }
            Action::Respond(reply) => {
                let mut bytes = reply.head(reply.body.len()).into_bytes();
                bytes.extend_from_slice(&reply.body);
                let _ = socket.write_all(&bytes).await;
                let _ = socket.flush().await;
                let _ = socket.shutdown().await;
                drain(&mut socket).await;
                return;
            }
            Action::Truncate { reply, declared } => {
                let mut bytes = reply.head(declared).into_bytes();
                bytes.extend_from_slice(&reply.body);
                let _ = socket.write_all(&bytes).await;
                let _ = socket.flush().await;
                return;
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
                    return;
                }
                tokio::time::sleep(pause).await;
                let _ = socket.write_all(&reply.body[split..]).await;
                let _ = socket.shutdown().await;
                drain(&mut socket).await;
                return;
            }
            Action::Close => {
                let _ = socket.shutdown().await;
                return;
            }
            Action::Reset => {
                let _ = socket.set_zero_linger();
                return;
            }
            Action::Hang => {
                std::future::pending::<()>().await;
            }
        }
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
    let mut body = data[head_end..].to_vec();
    while body.len() < length {
        let n = socket.read(&mut buf).await.ok()?;
        if n == 0 {
            return None;
        }
        body.extend_from_slice(&buf[..n]);
    }
    body.truncate(length);
    Some(SeenRequest {
        method,
        target,
        headers,
        body,
        at: Instant::now(),
    })
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
