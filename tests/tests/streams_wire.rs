//! Responses read as they arrive, and responses that differ by status, against a local
//! server: the crates of `tests/fixtures/event_streams.yaml` and
//! `tests/fixtures/statuses.yaml` are generated and a small program reads typed and
//! untyped event streams (split across TCP writes mid-event), a typed error status, and
//! a download far larger than the response limit; and it is held to its guards against a
//! misbehaving server: an event that never ends stops at the size limit, a stream that
//! stalls stops at the timeout, each with its typed error. Each success status of a scan
//! decodes into its own variant. The mock answers with events and variants too.

use apigen_tests::faults::{Action, FaultServer, Reply};
use apigen_tests::wire::WireProgram;
use serde_json::json;
use std::time::Duration;

const PROGRAM: &str = r#"
use fixture_event_streams::models::*;
use fixture_event_streams::{Error, Event, EventStream, StreamExt};
use std::time::Duration;

#[tokio::main]
async fn main() {
    let base = std::env::args().nth(1).expect("base URL");
    let client = fixture_event_streams::Client::builder()
        .base_url(&base)
        .max_retries(0)
        .build()
        .unwrap();
    let streams = client.streams();
    let body = || StreamCompletionBody { prompt: "hi".into() };

    // Typed events, split mid-event by the server, ending at [DONE].
    let mut events = streams.stream_completion(body()).extra_query("case", "deltas").await.unwrap();
    assert_eq!(events.status().as_u16(), 200);
    let mut text = String::new();
    let mut kinds = Vec::new();
    while let Some(event) = events.next().await {
        let event = event.unwrap();
        text.push_str(&event.data.text);
        kinds.push(event.event.clone());
    }
    assert_eq!(text, "Hello, world!");
    assert_eq!(kinds, ["message", "message", "delta"]);
    assert_eq!(events.last_event_id(), Some("3"));

    // An error status is the usual typed error.
    match streams.stream_completion(body()).extra_query("case", "limited").await {
        Err(e) => {
            assert_eq!(e.status().map(|s| s.as_u16()), Some(429));
            let problem: &Problem = e.body_as().expect("typed body");
            assert_eq!(problem.message, "slow down");
        }
        Ok(_) => panic!("a 429 is an error"),
    }

    // Untyped events: each one's text.
    let lines: Vec<String> = streams
        .tail_logs()
        .await
        .unwrap()
        .map(|e| e.unwrap().data)
        .collect()
        .await;
    assert_eq!(lines, ["line 1", "line 2\nline 3"]);

    // An event that never ends stops at the size limit.
    let mut endless = streams
        .stream_completion(body())
        .extra_query("case", "endless")
        .max_response_bytes(64 * 1024)
        .await
        .unwrap();
    match endless.next().await {
        Some(Err(Error::ResponseTooLarge { limit, .. })) => assert_eq!(limit, 64 * 1024),
        other => panic!("an endless event is refused: {other:?}"),
    }
    assert!(endless.next().await.is_none());

    // A stream that stalls stops at the timeout.
    let mut stalled = streams
        .stream_completion(body())
        .extra_query("case", "stall")
        .timeout(Duration::from_millis(400))
        .await
        .unwrap();
    let first = stalled.next().await.unwrap().unwrap();
    assert_eq!(first.data.text, "Hel");
    match stalled.next().await {
        Some(Err(Error::Timeout { after, .. })) => assert_eq!(after, Duration::from_millis(400)),
        other => panic!("a stalled stream times out: {other:?}"),
    }

    // A download past the response limit: whole, refused; chunk by chunk, read.
    let id = ExportId::new("big");
    match streams.get_export(&id).max_response_bytes(1 << 20).await {
        Err(Error::ResponseTooLarge { .. }) => {}
        other => panic!("a whole body past the limit is refused: {:?}", other.map(|b| b.len())),
    }
    let mut download = streams.get_export(&id).max_response_bytes(1 << 20).download().await.unwrap();
    let mut total = 0usize;
    let mut largest = 0usize;
    while let Some(chunk) = download.next().await {
        let chunk = chunk.unwrap();
        assert!(chunk.iter().all(|b| *b == 7));
        total += chunk.len();
        largest = largest.max(chunk.len());
    }
    assert_eq!(total, 8 << 20);
    assert!(largest <= 1 << 20, "chunks are read as they arrive ({largest})");

    // The mock answers with events.
    let mock = fixture_event_streams::Mock::new();
    mock.on(|c| c.streams().stream_completion(body())).returns(EventStream::from_events(vec![
        Event::new(Delta { index: 0, text: "mo".into(), finish_reason: None }),
        Event::new(Delta { index: 1, text: "ck".into(), finish_reason: Some("stop".into()) }),
    ]));
    let mocked: Vec<String> = mock
        .client()
        .streams()
        .stream_completion(body())
        .await
        .unwrap()
        .map(|e| e.unwrap().data.text)
        .collect()
        .await;
    assert_eq!(mocked, ["mo", "ck"]);

    // Each success status has its own variant; an error status its typed body.
    use fixture_statuses::scans::StartScanResponse;
    let scans = fixture_statuses::Client::builder().base_url(&base).max_retries(0).build().unwrap();
    let scan = |target: &str| {
        scans.scans().start_scan(fixture_statuses::models::StartScanBody { target: target.into() })
    };
    match scan("done").await.unwrap() {
        StartScanResponse::Ok(found) => assert_eq!(found.findings, 2),
        other => panic!("200 is Ok: {other:?}"),
    }
    match scan("slow").await.unwrap() {
        StartScanResponse::Accepted(job) => assert_eq!(job.job_id, "job-7"),
        other => panic!("202 is Accepted: {other:?}"),
    }
    assert_eq!(scan("empty").await.unwrap(), StartScanResponse::NoContent);
    match scan("bad").await {
        Err(e) => {
            let problem: &fixture_statuses::models::Problem = e.body_as().expect("typed 4XX");
            assert_eq!(problem.message, "no");
        }
        Ok(other) => panic!("400 is an error: {other:?}"),
    }
    let mock = fixture_statuses::Mock::new();
    let job = fixture_statuses::models::Job { job_id: "job-9".into(), eta_seconds: Some(3) };
    mock.on(|c| c.scans().start_scan(fixture_statuses::models::StartScanBody { target: "m".into() }))
        .returns(StartScanResponse::Accepted(job.clone()));
    let answer = mock
        .client()
        .scans()
        .start_scan(fixture_statuses::models::StartScanBody { target: "m".into() })
        .send_with_response()
        .await
        .unwrap();
    assert_eq!(answer.status.as_u16(), 202);
    assert_eq!(answer.result, StartScanResponse::Accepted(job));
}
"#;

fn sse(body: &str) -> Reply {
    Reply::raw(200, body.as_bytes().to_vec()).header("content-type", "text/event-stream")
}

#[tokio::test(flavor = "multi_thread")]
async fn event_streams_and_downloads_are_read_as_they_arrive() {
    let program = WireProgram::new(
        "wire-streams",
        &[("event_streams", &["mock"]), ("statuses", &["mock"])],
        "tokio = { version = \"1\", features = [\"macros\", \"rt-multi-thread\"] }\n",
        PROGRAM,
    );

    let deltas = "data: {\"index\":0,\"text\":\"Hel\"}\n\n: keep-alive\n\n\
                  data: {\"index\":1,\n\
                  data: \"text\":\"lo, \"}\r\n\r\n\
                  id: 3\nevent: delta\ndata: {\"index\":2,\"text\":\"world!\",\"finish_reason\":\"stop\"}\n\n\
                  data: [DONE]\n\n";
    let server = FaultServer::start(move |req, _| match (req.path(), req.query_param("case")) {
        ("/completions", Some(case)) if case == "deltas" => Action::Trickle {
            reply: sse(deltas),
            // Mid-way through the second event.
            split: 60,
            pause: Duration::from_millis(100),
        },
        ("/completions", Some(case)) if case == "limited" => {
            Action::Respond(Reply::json(429, &json!({"message": "slow down"})))
        }
        ("/completions", Some(case)) if case == "endless" => Action::Stream {
            reply: sse(""),
            chunk: format!("data: {}", "x".repeat(8192)).into_bytes(),
            total: None,
        },
        ("/completions", Some(case)) if case == "stall" => Action::Trickle {
            reply: sse(deltas),
            split: 60,
            pause: Duration::from_secs(10),
        },
        ("/logs/tail", _) => Action::Respond(sse("data: line 1\n\ndata: line 2\ndata: line 3\n\n")),
        ("/exports/big", _) => Action::Stream {
            reply: Reply::raw(200, Vec::new()).header("content-type", "application/octet-stream"),
            chunk: vec![7u8; 64 * 1024],
            total: Some(8 << 20),
        },
        ("/scans", _) => {
            let body = String::from_utf8_lossy(&req.body);
            if body.contains("done") {
                Action::Respond(Reply::json(200, &json!({"id": "sc-1", "findings": 2})))
            } else if body.contains("slow") {
                Action::Respond(Reply::json(202, &json!({"job_id": "job-7"})))
            } else if body.contains("empty") {
                Action::status(204)
            } else {
                Action::Respond(Reply::json(400, &json!({"message": "no"})))
            }
        }
        _ => Action::status(404),
    })
    .await;
    program.run(vec![server.base_url.clone().into()]).await;
    let seen = server.requests();
    let accepts: Vec<Option<&str>> = seen.iter().map(|r| r.header("accept")).collect();
    assert_eq!(accepts[0], Some("text/event-stream"));
    assert!(
        seen.iter()
            .filter(|r| r.path() == "/exports/big")
            .all(|r| r.header("accept") == Some("application/octet-stream"))
    );
    assert_eq!(seen.len(), 11, "{seen:?}");
}
