//! Responses read as they arrive: `text/event-stream` as a stream of events, and large
//! downloads as a stream of byte chunks.
//!
//! The call returns as soon as the response's head arrives (after retries, as for any
//! call; an error status is the usual typed error). Each chunk of the body must then
//! arrive within the request's `timeout` (60 s by default) of the one before, or the
//! stream ends with [`Error::Timeout`]: a server that stops sending cannot hold the
//! stream open forever. A download holds one chunk at a time, whatever its length. An
//! event stream holds one event at a time, and ends with [`Error::ResponseTooLarge`]
//! when a single event grows past the request's `max_response_bytes` (32 MiB by
//! default), so a server cannot exhaust memory with an endless line.
//!
//! Events are parsed as the HTML standard's `EventSource` parses them: `data` lines
//! joined by newlines, `event` (`message` when absent), `id` (kept for the events that
//! follow) and `retry`; comments and fields of other names are ignored. An event stream
//! of a declared schema decodes each event's data as JSON into it, and ends at the data
//! `[DONE]`, the end marker of OpenAI-style streams.

use std::collections::VecDeque;
use std::fmt;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_core::Stream;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::error::{Error, excerpt};
use super::request::Call;
use super::response::{ApiResponse, ResponseFuture};

/// A response whose body is still to be read: what a streaming call's attempt keeps.
pub(crate) struct Live {
    pub response: reqwest::Response,
    /// The longest wait for the next chunk.
    pub idle: Duration,
    /// The largest event an event stream holds.
    pub max_event: u64,
}

/// The live body a raw response may carry (shared, so that the response stays `Clone`;
/// the first reader takes it).
pub(crate) type LiveSlot = Option<Arc<Mutex<Option<Live>>>>;

type Chunks = Pin<Box<dyn Stream<Item = Result<Bytes, Error>> + Send>>;

/// The body of a download, chunk by chunk as it arrives (see the module docs).
///
/// ```text
/// let mut body = client.files().download(&id).download().await?;
/// while let Some(chunk) = body.next().await {
///     file.write_all(&chunk?).await?;
/// }
/// ```
pub struct ByteStream {
    chunks: Chunks,
    status: StatusCode,
    headers: HeaderMap,
    /// The bytes of a stream made in memory (a mock's answer).
    #[cfg_attr(not(feature = "mock"), allow(dead_code))]
    memory: Option<Vec<u8>>,
    /// The largest event an event stream of it holds.
    max_event: u64,
}

impl ByteStream {
    /// The stream of a live response, or of the bytes a mock answered with.
    pub(crate) fn new(
        status: StatusCode,
        headers: HeaderMap,
        live: Option<Live>,
        body: Vec<u8>,
    ) -> ByteStream {
        let memory = live.is_none().then(|| body.clone());
        let max_event = live.as_ref().map_or(u64::MAX, |l| l.max_event);
        let chunks: Chunks = match live {
            None => Box::pin(futures_util::stream::iter(
                (!body.is_empty()).then(|| Ok(Bytes::from(body))),
            )),
            Some(live) => Box::pin(futures_util::stream::unfold(
                Some((live, Instant::now())),
                |state| async move {
                    let (mut live, started) = state?;
                    match tokio::time::timeout(live.idle, live.response.chunk()).await {
                        Ok(Ok(Some(chunk))) => Some((Ok(chunk), Some((live, started)))),
                        Ok(Ok(None)) => None,
                        Ok(Err(e)) if !e.is_timeout() => Some((
                            Err(Error::connection("error reading the response body", e)),
                            None,
                        )),
                        Ok(Err(_)) | Err(_) => Some((
                            Err(Error::Timeout {
                                after: live.idle,
                                attempts: 1,
                                elapsed: started.elapsed(),
                                total_timeout: None,
                            }),
                            None,
                        )),
                    }
                },
            )),
        };
        ByteStream {
            chunks,
            status,
            headers,
            memory,
            max_event,
        }
    }

    /// A stream of these bytes, as a mock's answer.
    pub fn from_bytes(bytes: impl Into<Vec<u8>>) -> ByteStream {
        ByteStream::new(StatusCode::OK, HeaderMap::new(), None, bytes.into())
    }

    /// The bytes of a stream made in memory (a mock's answer).
    #[cfg(feature = "mock")]
    pub(crate) fn into_memory(self) -> Vec<u8> {
        self.memory.unwrap_or_default()
    }

    /// HTTP status of the response.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// Response headers (`Content-Length`, `Content-Type` and the like).
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// Reads the rest of the body into memory, failing once it passes `limit` bytes.
    pub async fn collect(mut self, limit: u64) -> Result<Vec<u8>, Error> {
        use futures_util::StreamExt;
        let mut out = Vec::new();
        while let Some(chunk) = self.chunks.next().await {
            let chunk = chunk?;
            if (out.len() + chunk.len()) as u64 > limit {
                return Err(Error::ResponseTooLarge {
                    status: self.status,
                    limit,
                    declared: None,
                });
            }
            out.extend_from_slice(&chunk);
        }
        Ok(out)
    }
}

impl Stream for ByteStream {
    type Item = Result<Bytes, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.chunks.as_mut().poll_next(cx)
    }
}

impl fmt::Debug for ByteStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ByteStream")
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

/// One server-sent event: its data (decoded into the declared schema, or the raw text),
/// its type, and the last event id the stream set.
#[derive(Debug, Clone, PartialEq)]
pub struct Event<T> {
    /// The event type: the `event` field, `message` when the server sent none.
    pub event: String,
    /// The event's data.
    pub data: T,
    /// The last `id` the stream set, this event's or an earlier one's.
    pub id: Option<String>,
    /// The reconnection time the event asked for (`retry`), if any.
    pub retry: Option<Duration>,
}

impl<T> Event<T> {
    /// A `message` event with this data, for mocks.
    pub fn new(data: T) -> Event<T> {
        Event {
            event: "message".to_owned(),
            data,
            id: None,
            retry: None,
        }
    }
}

/// How an event's data text becomes `T`.
type Decode<T> = fn(&str) -> Result<T, String>;

/// The events of a `text/event-stream` response as they arrive (see the module docs).
///
/// ```text
/// let mut events = client.chat().stream_completion(request).await?;
/// while let Some(event) = events.next().await {
///     print!("{}", event?.data.delta);
/// }
/// ```
pub struct EventStream<T> {
    bytes: ByteStream,
    decode: Decode<T>,
    /// Whether `[DONE]` ends the stream (typed streams).
    done_marker: bool,
    max_event: u64,
    parser: Parser,
    ready: VecDeque<RawEvent>,
    finished: bool,
}

impl<T> Unpin for EventStream<T> {}

impl<T: DeserializeOwned> EventStream<T> {
    /// The stream of a live response, decoding each event's data as JSON `T`.
    pub(crate) fn typed(bytes: ByteStream) -> EventStream<T> {
        let max_event = bytes.max_event;
        EventStream::with(
            bytes,
            max_event,
            |data| serde_json::from_str(data).map_err(|e| e.to_string()),
            true,
        )
    }
}

impl EventStream<String> {
    /// The stream of a live response, each event's data as its text.
    pub(crate) fn text(bytes: ByteStream) -> EventStream<String> {
        let max_event = bytes.max_event;
        EventStream::with(bytes, max_event, |data| Ok(data.to_owned()), false)
    }
}

impl<T> EventStream<T> {
    fn with(bytes: ByteStream, max_event: u64, decode: Decode<T>, done_marker: bool) -> Self {
        EventStream {
            bytes,
            decode,
            done_marker,
            max_event,
            parser: Parser::default(),
            ready: VecDeque::new(),
            finished: false,
        }
    }

    /// HTTP status of the response.
    pub fn status(&self) -> StatusCode {
        self.bytes.status
    }

    /// Response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.bytes.headers
    }

    /// The last event id the stream set, for resuming it (`Last-Event-ID`).
    pub fn last_event_id(&self) -> Option<&str> {
        self.parser.last_id.as_deref()
    }

    /// The stream's bytes, when it was made in memory (a mock's answer).
    #[cfg(feature = "mock")]
    pub(crate) fn into_memory(self) -> Vec<u8> {
        self.bytes.into_memory()
    }
}

impl<T: Serialize> EventStream<T> {
    /// A stream of these events, as a mock's answer: written as `text/event-stream`
    /// and parsed back as a server's would be.
    pub fn from_events(events: Vec<Event<T>>) -> EventStream<T>
    where
        T: DeserializeOwned,
    {
        let mut text = String::new();
        for event in events {
            if event.event != "message" {
                text.push_str(&format!("event: {}\n", event.event));
            }
            if let Some(id) = &event.id {
                text.push_str(&format!("id: {id}\n"));
            }
            if let Some(retry) = event.retry {
                text.push_str(&format!("retry: {}\n", retry.as_millis()));
            }
            let data = serde_json::to_string(&event.data)
                .unwrap_or_else(|e| panic!("the mocked event cannot be serialized: {e}"));
            text.push_str(&format!("data: {data}\n\n"));
        }
        EventStream::typed(ByteStream::from_bytes(text))
    }
}

impl<T> Stream for EventStream<T> {
    type Item = Result<Event<T>, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if let Some(raw) = this.ready.pop_front() {
                if this.done_marker && raw.data == "[DONE]" {
                    this.finished = true;
                    this.ready.clear();
                    return Poll::Ready(None);
                }
                let data = match (this.decode)(&raw.data) {
                    Ok(data) => data,
                    Err(message) => {
                        return Poll::Ready(Some(Err(Error::Decode {
                            status: this.bytes.status,
                            message: format!("an event's data does not decode: {message}"),
                            body_excerpt: excerpt(raw.data.as_bytes()),
                            headers: Box::new(this.bytes.headers.clone()),
                        })));
                    }
                };
                return Poll::Ready(Some(Ok(Event {
                    event: raw.event,
                    data,
                    id: raw.id,
                    retry: raw.retry,
                })));
            }
            if this.finished {
                return Poll::Ready(None);
            }
            match this.bytes.chunks.as_mut().poll_next(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => {
                    this.finished = true;
                    this.parser.finish();
                }
                Poll::Ready(Some(Err(e))) => {
                    this.finished = true;
                    return Poll::Ready(Some(Err(e)));
                }
                Poll::Ready(Some(Ok(chunk))) => {
                    this.parser.feed(&chunk, &mut this.ready);
                    if this.parser.held() > this.max_event {
                        this.finished = true;
                        this.ready.clear();
                        return Poll::Ready(Some(Err(Error::ResponseTooLarge {
                            status: this.bytes.status,
                            limit: this.max_event,
                            declared: None,
                        })));
                    }
                }
            }
        }
    }
}

impl<T> fmt::Debug for EventStream<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventStream")
            .field("status", &self.bytes.status)
            .field("last_event_id", &self.parser.last_id)
            .finish_non_exhaustive()
    }
}

/// The response as a stream of `T`, made from its bytes by `make`.
fn streaming<T: Send + 'static>(call: Call, make: fn(ByteStream) -> T) -> ResponseFuture<T> {
    let (client, op, req) = call.into_parts();
    Box::pin(async move {
        let response = client.execute_stream(op, req).await?;
        Ok(ApiResponse {
            result: make(response.result),
            result_info: None,
            messages: Vec::new(),
            status: response.status,
            headers: response.headers,
        })
    })
}

/// Sends a call whose response is a download, read as it arrives.
#[allow(dead_code)]
pub(crate) fn send_download(call: Call) -> ResponseFuture<ByteStream> {
    streaming(call, |bytes| bytes)
}

/// Sends a call whose response is an event stream of JSON data decoded as `T`.
#[allow(dead_code)]
pub(crate) fn send_events<T: DeserializeOwned + Send + 'static>(
    call: Call,
) -> ResponseFuture<EventStream<T>> {
    streaming(call, EventStream::typed)
}

/// Sends a call whose response is an event stream of untyped data.
#[allow(dead_code)]
pub(crate) fn send_text_events(call: Call) -> ResponseFuture<EventStream<String>> {
    streaming(call, EventStream::text)
}

/// An event as parsed, before its data is decoded.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RawEvent {
    pub event: String,
    pub data: String,
    pub id: Option<String>,
    pub retry: Option<Duration>,
}

/// The `text/event-stream` parser: bytes in, events out.
#[derive(Default)]
pub(crate) struct Parser {
    /// Bytes of the line not yet ended.
    line: Vec<u8>,
    /// A `\r` ended the last chunk: a `\n` starting the next belongs to it.
    after_cr: bool,
    started: bool,
    data: String,
    has_data: bool,
    event: String,
    last_id: Option<String>,
    retry: Option<Duration>,
}

impl Parser {
    /// How many bytes the event being read holds.
    pub(crate) fn held(&self) -> u64 {
        (self.line.len() + self.data.len() + self.event.len()) as u64
    }

    pub(crate) fn feed(&mut self, mut chunk: &[u8], out: &mut VecDeque<RawEvent>) {
        if !self.started && !chunk.is_empty() {
            self.started = true;
            chunk = chunk.strip_prefix("\u{feff}".as_bytes()).unwrap_or(chunk);
        }
        for &byte in chunk {
            if self.after_cr {
                self.after_cr = false;
                if byte == b'\n' {
                    continue;
                }
            }
            match byte {
                b'\n' => self.end_line(out),
                b'\r' => {
                    self.after_cr = true;
                    self.end_line(out);
                }
                other => self.line.push(other),
            }
        }
    }

    /// At the end of the stream: an event not ended by a blank line is dropped, as the
    /// standard says.
    pub(crate) fn finish(&mut self) {
        self.line.clear();
        self.data.clear();
        self.has_data = false;
        self.event.clear();
    }

    fn end_line(&mut self, out: &mut VecDeque<RawEvent>) {
        let line = std::mem::take(&mut self.line);
        let line = String::from_utf8_lossy(&line);
        if line.is_empty() {
            if self.has_data {
                let event = std::mem::take(&mut self.event);
                out.push_back(RawEvent {
                    event: if event.is_empty() {
                        "message".to_owned()
                    } else {
                        event
                    },
                    data: std::mem::take(&mut self.data),
                    id: self.last_id.clone(),
                    retry: self.retry.take(),
                });
            } else {
                self.event.clear();
            }
            self.has_data = false;
            return;
        }
        if line.starts_with(':') {
            return;
        }
        let (field, value) = match line.split_once(':') {
            Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
            None => (&*line, ""),
        };
        match field {
            "data" => {
                if self.has_data {
                    self.data.push('\n');
                }
                self.data.push_str(value);
                self.has_data = true;
            }
            "event" => self.event = value.to_owned(),
            "id" if !value.contains('\0') => self.last_id = Some(value.to_owned()),
            "retry" if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => {
                self.retry = value.parse().ok().map(Duration::from_millis);
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(chunks: &[&[u8]]) -> Vec<RawEvent> {
        let mut parser = Parser::default();
        let mut out = VecDeque::new();
        for chunk in chunks {
            parser.feed(chunk, &mut out);
        }
        parser.finish();
        out.into_iter().collect()
    }

    #[test]
    fn events_parse_as_the_standard_says_across_chunk_boundaries() {
        let events = parse(&[
            b"\xef\xbb\xbf: comment\r\nevent: delta\r",
            b"\ndata: {\"a\":1}\r\n\r\nid: 7\ndata: line one\ndata:line two\nretry: 1500\n\n",
            b"data\n\nevent: ignored-without-data\n\nunknown: x\ndata: last\r\r",
            b"data: cut off at the end",
        ]);
        let summary: Vec<(&str, &str, Option<&str>, Option<Duration>)> = events
            .iter()
            .map(|e| (e.event.as_str(), e.data.as_str(), e.id.as_deref(), e.retry))
            .collect();
        assert_eq!(
            summary,
            [
                ("delta", "{\"a\":1}", None, None),
                (
                    "message",
                    "line one\nline two",
                    Some("7"),
                    Some(Duration::from_millis(1500))
                ),
                ("message", "", Some("7"), None),
                ("message", "last", Some("7"), None),
            ]
        );
    }

    #[tokio::test]
    async fn typed_streams_decode_data_and_end_at_done() {
        use futures_util::StreamExt;
        #[derive(serde::Deserialize, Debug, PartialEq)]
        struct Delta {
            text: String,
        }
        let body = "data: {\"text\":\"a\"}\n\ndata: not json\n\ndata: [DONE]\n\ndata: {\"text\":\"after\"}\n\n";
        let stream: EventStream<Delta> = EventStream::typed(ByteStream::from_bytes(body));
        let items: Vec<_> = stream.collect().await;
        assert_eq!(items.len(), 2, "{items:?}");
        assert_eq!(items[0].as_ref().unwrap().data.text, "a");
        assert!(matches!(items[1], Err(Error::Decode { .. })));
        // Untyped streams keep every event's text, `[DONE]` included.
        let text: Vec<String> = EventStream::text(ByteStream::from_bytes(body))
            .map(|e| e.unwrap().data)
            .collect()
            .await;
        assert_eq!(text.len(), 4);
        assert_eq!(text[2], "[DONE]");
    }

    #[tokio::test]
    async fn an_event_past_the_limit_ends_the_stream() {
        use futures_util::StreamExt;
        let line = format!("data: {}", "x".repeat(5000));
        let mut bytes = ByteStream::from_bytes(line);
        bytes.max_event = 1024;
        let mut stream = EventStream::text(bytes);
        assert!(matches!(
            stream.next().await,
            Some(Err(Error::ResponseTooLarge { limit: 1024, .. }))
        ));
        assert!(stream.next().await.is_none());
    }
}
