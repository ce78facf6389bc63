//! A typed, in-process mock of the API (feature `mock`), so that code which depends on
//! this crate can unit-test its calls without a network or a server.
//!
//! See [`Mock`].

use std::fmt;
use std::marker::PhantomData;
use std::sync::{Arc, Mutex, MutexGuard};

use reqwest::StatusCode;
use serde::Serialize;
use serde_json::Value;

use super::client::{Client, ClientBuilder};
use super::error::Error;
use super::request::{Call, Operation};
use super::response::ApiMessage;

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
pub(super) enum Reply {
    Json(Value),
    Empty,
    Bytes(Vec<u8>),
    /// A JSON body (or none) with its status, for response enums.
    Status(StatusCode, Vec<u8>),
}

/// How the generated request builders turn their output into a reply, by `send` kind.
pub(crate) mod reply {
    use super::{MockReply, Reply};

    #[allow(dead_code)]
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

    #[allow(dead_code)]
    pub(crate) fn send_status<T: crate::runtime::private::FromStatus>(output: T) -> MockReply {
        let (status, body) = output.to_reply();
        MockReply(Reply::Status(status, body))
    }

    #[allow(dead_code)]
    pub(crate) fn send_download(output: crate::runtime::ByteStream) -> MockReply {
        MockReply(Reply::Bytes(output.into_memory()))
    }

    #[allow(dead_code)]
    pub(crate) fn send_events<T>(output: crate::runtime::EventStream<T>) -> MockReply {
        MockReply(Reply::Bytes(output.into_memory()))
    }

    #[allow(dead_code)]
    pub(crate) fn send_text_events(output: crate::runtime::EventStream<String>) -> MockReply {
        MockReply(Reply::Bytes(output.into_memory()))
    }
}

/// What a matching request is answered with.
pub(super) enum Answer {
    Reply(Reply),
    Pages(Vec<Value>),
    Fails(StatusCode, Vec<ApiMessage>),
    Raw(StatusCode, Vec<u8>),
}

/// A response set with [`Mock::on`], and the request it answers.
pub(super) struct Rule {
    pub(super) operation: &'static str,
    pub(super) path: String,
    pub(super) query: Vec<(String, String)>,
    pub(super) headers: Vec<(String, String)>,
    pub(super) body: Option<Vec<u8>>,
    /// The page parameter, ignored in matching when the rule answers page by page.
    pub(super) page_param: Option<&'static str>,
    /// The operation's page parameter, for the page information of a list's reply.
    pub(super) list_page_param: Option<&'static str>,
    /// Whether the operation's responses come in the API's envelope.
    pub(super) envelope: bool,
    pub(super) answer: Answer,
}

/// A request the mock received, as it would have been sent.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct MockRequest {
    /// The operation's `operationId`.
    pub operation: String,
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
    pub(super) rules: Mutex<Vec<Rule>>,
    pub(super) requests: Mutex<Vec<MockRequest>>,
}

pub(super) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
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
        let builder = Client::builder().without_credentials();
        let client = attach(builder.clone(), &state)
            .or_else(|_| attach(builder.base_url("https://mock.invalid"), &state))
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
                let prepared = client.prepare(op.target(), &req)?;
                let mut headers: Vec<&str> = req.headers.iter().map(|(n, _)| *n).collect();
                headers.extend(req.options.headers.iter().map(|(n, _)| n.as_str()));
                Ok((prepared, headers.join("\n").to_ascii_lowercase()))
            })
            .unwrap_or_else(|e| panic!("Mock::on: the request of `{}` is invalid: {e}", op.id));
        let (prepared, header_names) = sent;
        let seen = super::mock_answer::record(op.id, &client, &prepared);
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
                body: prepared.body.as_ref().map(|b| b.in_memory()),
                page_param: None,
                list_page_param: op.page_param,
                envelope: !op.bare
                    && crate::PROFILE.envelope == super::profile::Envelope::CloudflareV4,
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

#[cfg(test)]
mod tests {
    use super::super::params::Param;
    use super::super::request::call;
    use super::*;
    use serde_json::json;

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
