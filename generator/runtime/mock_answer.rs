//! How the mock answers (feature `mock`): a request recorded without its secrets, the
//! rule that matches it, and the response that rule gives, as the transport would have
//! received it.

use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderValue};
use serde_json::{Value, json};

use super::client::Client;
use super::envelope::RawResponse;
use super::error::Error;
use super::mock::{Answer, MockRequest, MockState, Reply, Rule, lock};
use super::options::is_secret_header;
use super::prepare::Prepared;
use super::transport::Target;

/// The request as sent, with every secret replaced.
pub(super) fn record(operation: &str, client: &Client, prepared: &Prepared) -> MockRequest {
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
    let raw_body = prepared.body.as_ref().map(|b| b.in_memory());
    let body = raw_body
        .as_deref()
        .and_then(|bytes| serde_json::from_slice(bytes).ok());
    MockRequest {
        operation: operation.to_owned(),
        method: prepared.method.as_str().to_owned(),
        path,
        query,
        headers,
        body,
        raw_body,
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
        op: Target<'_>,
        prepared: &Prepared,
        client: &Client,
    ) -> Result<RawResponse, Error> {
        let sent = record(op.id, client, prepared);
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
        let envelope = rule.envelope;
        let page = |name: Option<&str>| {
            name.and_then(|name| sent.query_param(name))
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(1)
        };
        let (status, body) = match &rule.answer {
            Answer::Reply(Reply::Json(value)) if envelope => {
                let mut body =
                    json!({"success": true, "errors": [], "messages": [], "result": value});
                if let (Some(name), Some(items)) = (rule.list_page_param, value.as_array()) {
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
            Answer::Reply(Reply::Status(status, body)) => (*status, body.clone()),
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
            live: None,
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
