//! A typed, in-process mock of the API (feature `mock`), so that code which depends on
//! this crate can unit-test its calls without a network or a server.
//!
//! See [`Mock`].

use std::fmt;
use std::marker::PhantomData;
use std::sync::{Arc, Mutex, MutexGuard};

use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderValue};
use serde::Serialize;
use serde_json::{Value, json};

use super::client::{Client, ClientBuilder};
use super::envelope::RawResponse;
use super::error::Error;
use super::options::is_secret_header;
use super::profile::Envelope;
use super::request::{Call, Operation};
use super::response::ApiMessage;
use super::transport::Prepared;

/// A request builder the mock can answer: every request builder of the crate.
pub trait MockOperation {
    /// What the operation returns.
    type Output;
    #[doc(hidden)]
    fn mock_call(self) -> MockCall;
    #[doc(hidden)]
    fn mock_reply(output: Self::Output) -> MockReply;
}

/// A paginated list the mock can answer page by page ([`MockRule::pages`]).
pub trait MockList: MockOperation {
    /// An item of a page.
    type Item: Serialize;
}

/// The call inside a request builder, for the mock.
#[doc(hidden)]
pub struct MockCall(pub(crate) Call);

/// A response body set for an operation, for the mock.
#[doc(hidden)]
pub struct MockReply(Reply);

#[allow(dead_code)]
enum Reply {
    Json(Value),
    Empty,
    Bytes(Vec<u8>),
}

/// How the generated request builders turn their output into a reply, by `send` kind.
pub(crate) mod reply {
    use super::{MockReply, Reply};

    pub(crate) fn send_json<T: serde::Serialize>(output: T) -> MockReply {
        match serde_json::to_value(output) {
            Ok(value) => MockReply(Reply::Json(value)),
            Err(e) => panic!("the mocked response cannot be serialized as JSON: {e}"),
        }
    }

    #[allow(dead_code)]
    pub(crate) fn send_empty(_output: ()) -> MockReply {
        MockReply(Reply::Empty)
    }

    #[allow(dead_code)]
    pub(crate) fn send_bytes(output: Vec<u8>) -> MockReply {
        MockReply(Reply::Bytes(output))
    }
}

/// What a matching request is answered with.
enum Answer {
    Reply(Reply),
    Pages(Vec<Value>),
    Fails(StatusCode, Vec<ApiMessage>),
    Raw(StatusCode, Vec<u8>),
}

/// A response set with [`Mock::on`], and the request it answers.
struct Rule {
    operation: &'static str,
    path: String,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    body: Option<Vec<u8>>,
    /// The page parameter, ignored in matching when the rule answers page by page.
    page_param: Option<&'static str>,
    answer: Answer,
}

/// A request the mock received, as it would have been sent.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct MockRequest {
    /// The operation's `operationId`.
    pub operation: &'static str,
    /// The HTTP method, such as `GET`.
    pub method: String,
    /// The path below the base URL, percent-encoded as sent.
    pub path: String,
    /// The query pairs, decoded, in order; API keys show as `<redacted>`.
    pub query: Vec<(String, String)>,
    /// The headers, names in lower case; credentials and other secrets show as
    /// `<redacted>`.
    pub headers: Vec<(String, String)>,
    /// The body, when it is JSON.
    pub body: Option<Value>,
    /// The body as sent (JSON, a form, multipart parts or raw bytes).
    pub raw_body: Option<Vec<u8>>,
}

impl MockRequest {
    /// The first value of the query parameter `name`.
    pub fn query_param(&self, name: &str) -> Option<&str> {
        find(&self.query, name)
    }

    /// The first value of the header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        find(&self.headers, &name.to_ascii_lowercase())
    }
}

fn find<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// The rules and the requests of one mock, shared by its clients.
#[derive(Default)]
pub(crate) struct MockState {
    rules: Mutex<Vec<Rule>>,
    requests: Mutex<Vec<MockRequest>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A typed in-process mock of the API.
///
/// It gives a [`Client`] whose requests never leave the process. Each call is
/// built exactly as a real one (arguments validated, the path, query, headers and body
/// encoded), then answered by the response set for it and decoded as a real response
/// (the envelope, error bodies, the typed result). Only the transport is replaced: no
/// attempt is retried and no timeout applies.
///
/// ```text
/// let mock = Mock::new();
/// // Set a response: matched by operation and by the arguments given here.
/// mock.on(|c| c.client_certificates().get(zone, id)).returns(certificate);
/// mock.on(|c| c.client_certificates().get(zone, "gone"))
///     .fails(404, ApiMessage::new(1003, "certificate not found"));
/// // A list, page by page: `stream()` and `iter_blocking()` walk through all of them.
/// mock.on(|c| c.client_certificates().list(zone)).pages(vec![first, second]);
///
/// let client = mock.client();
/// let service = MyService::new(client);
/// service.rotate(zone).await?;
///
/// // What was sent, in order: operation, method, path, query, headers, body.
/// let sent = mock.requests();
/// assert_eq!(sent[0].operation, "client-certificate-for-a-zone-client-certificate-details");
/// assert_eq!(sent[1].body, Some(serde_json::json!({ "reactivate": true })));
/// ```
///
/// A request matches a response when it is the same operation with the same path, every
/// query pair and header parameter the response was set with, and the same body, if one
/// was given. Query pairs the response was not set with are ignored, and so is the page
/// number of a response set with [`MockRule::pages`]. When several responses match, the
/// one set last wins. A request that matches none fails with [`Error::Configuration`]
/// naming the request and the responses set for its operation. Credentials and secret
/// headers are sent but not recorded: [`MockRequest::headers`] shows them as
/// `<redacted>`.
#[derive(Clone)]
pub struct Mock {
    state: Arc<MockState>,
    client: Client,
}

impl Default for Mock {
    fn default() -> Self {
        Mock::new()
    }
}

impl fmt::Debug for Mock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mock")
            .field("responses", &lock(&self.state.rules).len())
            .field("requests", &lock(&self.state.requests).len())
            .finish()
    }
}

impl Mock {
    /// A mock with no response set: every request fails until one is.
    pub fn new() -> Mock {
        let state = Arc::new(MockState::default());
        // The API's default base URL, or a placeholder where it is not usable.
        let client = attach(Client::builder(), &state)
            .or_else(|_| attach(Client::builder().base_url("https://mock.invalid"), &state))
            .expect("a client with default settings builds");
        Mock { state, client }
    }

    /// A client whose requests this mock answers, with default settings.
    pub fn client(&self) -> Client {
        self.client.clone()
    }

    /// A client configured by `builder` (credentials, base URL, user agent, …) whose
    /// requests this mock answers.
    pub fn client_with(&self, builder: ClientBuilder) -> Result<Client, Error> {
        attach(builder, &self.state)
    }

    /// Sets the response of the request `request` builds on the client it is given:
    /// `mock.on(|c| c.things().get("id")).returns(thing)`.
    ///
    /// Panics when the request is invalid (an argument the real call would refuse), as
    /// no call could match it.
    pub fn on<B: MockOperation>(&self, request: impl FnOnce(&Client) -> B) -> MockRule<B> {
        let MockCall(call) = request(&self.client).mock_call();
        let (client, op, req) = call.into_parts();
        let sent = req
            .and_then(|req| {
                let prepared = client.prepare(op, &req)?;
                let mut headers: Vec<&str> = req.headers.iter().map(|(n, _)| *n).collect();
                headers.extend(req.options.headers.iter().map(|(n, _)| n.as_str()));
                Ok((prepared, headers.join("\n").to_ascii_lowercase()))
            })
            .unwrap_or_else(|e| panic!("Mock::on: the request of `{}` is invalid: {e}", op.id));
        let (prepared, header_names) = sent;
        let seen = record(op, &client, &prepared);
        let headers = seen
            .headers
            .into_iter()
            .filter(|(name, _)| header_names.split('\n').any(|n| n == name))
            .collect();
        MockRule {
            state: self.state.clone(),
            rule: Rule {
                operation: op.id,
                path: seen.path,
                query: seen.query,
                headers,
                body: prepared.body,
                page_param: None,
                answer: Answer::Reply(Reply::Empty),
            },
            op,
            _builder: PhantomData,
        }
    }

    /// Every request received so far, in order, matched or not.
    pub fn requests(&self) -> Vec<MockRequest> {
        lock(&self.state.requests).clone()
    }

    /// Forgets the requests received so far (the responses stay set).
    pub fn clear_requests(&self) {
        lock(&self.state.requests).clear();
    }
}

fn attach(builder: ClientBuilder, state: &Arc<MockState>) -> Result<Client, Error> {
    let mut client = builder.build()?;
    let inner = Arc::get_mut(&mut client.inner).expect("a client just built is not shared");
    inner.mock = Some(state.clone());
    Ok(client)
}

/// A response being set for one request; see [`Mock::on`]. Nothing is set until one of
/// its methods is called.
#[must_use = "the response is set only by `returns`, `pages`, `fails` or `responds`"]
pub struct MockRule<B> {
    state: Arc<MockState>,
    rule: Rule,
    op: &'static Operation,
    _builder: PhantomData<fn() -> B>,
}

impl<B> fmt::Debug for MockRule<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockRule")
            .field("operation", &self.rule.operation)
            .field("path", &self.rule.path)
            .finish_non_exhaustive()
    }
}

impl<B: MockOperation> MockRule<B> {
    fn set(mut self, answer: Answer) {
        self.rule.answer = answer;
        lock(&self.state.rules).push(self.rule);
    }

    /// Answers with `value`, as a successful response (in the API's envelope, if it has
    /// one). A list answered this way has one page.
    pub fn returns(self, value: B::Output) {
        let MockReply(reply) = B::mock_reply(value);
        self.set(Answer::Reply(reply));
    }

    /// Answers with an error status and an error body carrying `error` (its code,
    /// message, documentation URL and source), decoded as the API's errors are.
    pub fn fails(self, status: u16, error: ApiMessage) {
        self.set(Answer::Fails(status_code(status), vec![error]));
    }

    /// Answers with `status` and `body` as they are (no envelope), for responses no
    /// typed value describes: a body that does not decode, an error page.
    pub fn responds(self, status: u16, body: impl Into<Vec<u8>>) {
        self.set(Answer::Raw(status_code(status), body.into()));
    }
}

impl<B: MockList> MockRule<B> {
    /// Answers page `n` (counted from 1) with `pages[n - 1]` and its page information,
    /// and any later page with no items, whatever page the request asks for.
    pub fn pages(mut self, pages: Vec<Vec<B::Item>>) {
        let pages = pages
            .into_iter()
            .map(|page| match serde_json::to_value(page) {
                Ok(value) => value,
                Err(e) => panic!("the mocked page cannot be serialized as JSON: {e}"),
            })
            .collect();
        self.rule.page_param = self.op.page_param;
        if let Some(name) = self.rule.page_param {
            self.rule.query.retain(|(n, _)| n != name);
        }
        self.set(Answer::Pages(pages));
    }
}

fn status_code(status: u16) -> StatusCode {
    StatusCode::from_u16(status).unwrap_or_else(|_| panic!("{status} is not an HTTP status"))
}

/// The request as sent, with every secret replaced.
fn record(op: &'static Operation, client: &Client, prepared: &Prepared) -> MockRequest {
    const REDACTED: &str = "<redacted>";
    let base = client.inner.base.path().trim_end_matches('/');
    let path = prepared.url.path();
    let path = path.strip_prefix(base).unwrap_or(path).to_owned();
    let query = prepared
        .url
        .query_pairs()
        .map(|(name, value)| {
            let value = if prepared.query_secrets.iter().any(|s| *s == value) {
                REDACTED.to_owned()
            } else {
                value.into_owned()
            };
            (name.into_owned(), value)
        })
        .collect();
    let headers = prepared
        .headers
        .iter()
        .map(|(name, value)| {
            let value = if value.is_sensitive() || is_secret_header(name.as_str()) {
                REDACTED.to_owned()
            } else {
                String::from_utf8_lossy(value.as_bytes()).into_owned()
            };
            (name.as_str().to_owned(), value)
        })
        .collect();
    let body = prepared
        .body
        .as_deref()
        .and_then(|bytes| serde_json::from_slice(bytes).ok());
    MockRequest {
        operation: op.id,
        method: prepared.method.as_str().to_owned(),
        path,
        query,
        headers,
        body,
        raw_body: prepared.body.clone(),
    }
}

impl Rule {
    fn matches(&self, sent: &MockRequest) -> bool {
        let has = |pairs: &[(String, String)], pair: &(String, String)| pairs.contains(pair);
        self.operation == sent.operation
            && self.path == sent.path
            && self.query.iter().all(|pair| has(&sent.query, pair))
            && self.headers.iter().all(|pair| has(&sent.headers, pair))
            && self.body.as_ref().is_none_or(|body| {
                let json = |b: &[u8]| serde_json::from_slice::<Value>(b).ok();
                match (json(body), sent.raw_body.as_deref()) {
                    (Some(expected), Some(got)) if json(got).is_some() => {
                        json(got) == Some(expected)
                    }
                    (_, got) => got == Some(body.as_slice()),
                }
            })
    }

    /// What the rule asks for, for the error of a request no rule matched.
    fn describe(&self) -> String {
        let mut text = self.path.clone();
        let query: Vec<String> = self.query.iter().map(|(n, v)| format!("{n}={v}")).collect();
        if !query.is_empty() {
            text.push('?');
            text.push_str(&query.join("&"));
        }
        for (name, value) in &self.headers {
            text.push_str(&format!(" with {name}: {value}"));
        }
        if let Some(body) = &self.body {
            text.push_str(&format!(" with the body {}", String::from_utf8_lossy(body)));
        }
        text
    }
}

impl MockState {
    /// Records the request and answers it with the last rule that matches.
    pub(crate) fn respond(
        &self,
        op: &'static Operation,
        prepared: &Prepared,
        client: &Client,
    ) -> Result<RawResponse, Error> {
        let sent = record(op, client, prepared);
        let number = {
            let mut requests = lock(&self.requests);
            requests.push(sent.clone());
            requests.len()
        };
        let rules = lock(&self.rules);
        let Some(rule) = rules.iter().rev().find(|rule| rule.matches(&sent)) else {
            let mut message = format!(
                "the mock has no response for {} {} (operation `{}`)",
                sent.method,
                describe_sent(&sent),
                op.id
            );
            let set: Vec<String> = rules
                .iter()
                .filter(|rule| rule.operation == op.id)
                .map(Rule::describe)
                .collect();
            if set.is_empty() {
                message.push_str("; none is set for this operation: set one with `mock.on(…)`");
            } else {
                message.push_str("; responses are set for ");
                message.push_str(&set.join(", "));
            }
            return Err(Error::configuration(message));
        };
        let envelope = !op.bare && crate::PROFILE.envelope == Envelope::CloudflareV4;
        let page = |name: Option<&str>| {
            name.and_then(|name| sent.query_param(name))
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(1)
        };
        let (status, body) = match &rule.answer {
            Answer::Reply(Reply::Json(value)) if envelope => {
                let mut body =
                    json!({"success": true, "errors": [], "messages": [], "result": value});
                if let (Some(name), Some(items)) = (op.page_param, value.as_array()) {
                    let asked = page(Some(name));
                    let n = items.len();
                    body["result_info"] = json!({"page": asked, "per_page": n, "count": n,
                        "total_count": n, "total_pages": asked});
                }
                (StatusCode::OK, body.to_string().into_bytes())
            }
            Answer::Reply(Reply::Json(value)) => (StatusCode::OK, value.to_string().into_bytes()),
            Answer::Reply(Reply::Empty) if envelope => (
                StatusCode::OK,
                br#"{"success":true,"errors":[],"messages":[],"result":null}"#.to_vec(),
            ),
            Answer::Reply(Reply::Empty) => (StatusCode::OK, Vec::new()),
            Answer::Reply(Reply::Bytes(bytes)) => (StatusCode::OK, bytes.clone()),
            Answer::Pages(pages) => {
                let asked = page(rule.page_param);
                let items = usize::try_from(asked)
                    .ok()
                    .and_then(|n| pages.get(n.checked_sub(1)?))
                    .cloned()
                    .unwrap_or_else(|| json!([]));
                let len = |page: &Value| page.as_array().map_or(0, Vec::len);
                let per_page = pages.iter().map(len).max().unwrap_or(0);
                let total: usize = pages.iter().map(len).sum();
                let body = json!({"success": true, "errors": [], "messages": [],
                    "result": items, "result_info": {"page": asked, "per_page": per_page,
                    "count": len(&items), "total_count": total, "total_pages": pages.len()}});
                (StatusCode::OK, body.to_string().into_bytes())
            }
            Answer::Fails(status, errors) => {
                let body = json!({"success": false, "errors": errors, "messages": [],
                    "result": null});
                (*status, body.to_string().into_bytes())
            }
            Answer::Raw(status, body) => (*status, body.clone()),
        };
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        if let Some(name) = crate::PROFILE.request_id_header {
            if let (Ok(name), Ok(value)) = (
                reqwest::header::HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(&format!("mock-{number}")),
            ) {
                headers.insert(name, value);
            }
        }
        Ok(RawResponse {
            status,
            headers,
            body,
        })
    }
}

fn describe_sent(sent: &MockRequest) -> String {
    let mut text = sent.path.clone();
    let query: Vec<String> = sent.query.iter().map(|(n, v)| format!("{n}={v}")).collect();
    if !query.is_empty() {
        text.push('?');
        text.push_str(&query.join("&"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::super::params::Param;
    use super::super::request::call;
    use super::*;

    static GET: Operation = Operation {
        id: "getThing",
        path: "/things/{id}",
        params: &[Param::path("id"), Param::header("X-Api-Key")],
        ..Operation::DEFAULT
    };
    // A builder as generated code declares one; most of its methods go unused here.
    #[allow(dead_code)]
    mod builder {
        super::super::super::macros::request_builder!(GetThing => serde_json::Value, send_json);
    }
    use builder::GetThing;

    fn get(client: &Client, id: &str) -> GetThing {
        call(client, &GET).arg_str(0, id).wrap()
    }

    #[tokio::test]
    async fn answers_through_the_envelope_and_records_without_secrets() {
        let mock = Mock::new();
        mock.on(|c| get(c, "a")).returns(json!({"n": 1}));
        let client = mock.client();
        let got = get(&client, "a").header("X-Api-Key", "s3cret").await;
        assert_eq!(got.unwrap(), json!({"n": 1}));
        let missing = get(&client, "b").await.unwrap_err().to_string();
        assert!(
            missing.contains("GET /things/b (operation `getThing`)"),
            "{missing}"
        );
        assert!(
            missing.contains("responses are set for /things/a"),
            "{missing}"
        );
        let sent = mock.requests();
        assert_eq!(sent[0].header("x-api-key"), Some("<redacted>"));
        assert_eq!(sent[1].path, "/things/b");
    }
}
