//! Multipart and form bodies on the wire: the crate of `tests/fixtures/uploads.yaml` is
//! generated, a small program sends its operations to a local server that records each
//! request, and the bodies are checked byte for byte: every multipart part (headers and
//! content, files from a path, from bytes and from a stream), the boundary, the length or
//! chunked framing, each form property in its declared style, and the media type a caller
//! chooses. A file from a path is sent again in full on a retry; a request streaming a
//! caller's stream is not retried.

use apigen_tests::faults::{Action, FaultServer, Reply};
use apigen_tests::wire::WireProgram;
use serde_json::json;

const PROGRAM: &str = r#"
use fixture_uploads::models::*;
use fixture_uploads::{Error, File};

fn stream_of(chunks: &[&'static [u8]]) -> File {
    let items: Vec<Result<Vec<u8>, std::io::Error>> =
        chunks.iter().map(|c| Ok(c.to_vec())).collect();
    File::from_stream(futures_util::stream::iter(items))
}

#[tokio::main]
async fn main() {
    let base = std::env::args().nth(1).expect("base URL");
    let dir = std::path::PathBuf::from(std::env::args().nth(2).expect("file directory"));
    let client = fixture_uploads::Client::builder()
        .base_url(&base)
        .max_retries(0)
        .build()
        .unwrap();
    let media = client.media();
    let image = || UploadImageBody {
        image: File::from_path(dir.join("photo.png")),
        thumbnails: Some(vec![
            File::from_bytes(b"t1".to_vec()).filename("t1.jpg"),
            stream_of(&[b"th", b"umb"]).filename("t2").content_type("image/webp"),
        ]),
        title: "Sunset".into(),
        tags: Some(vec!["a".into(), "b".into()]),
        meta: Some(UploadImageBodyMeta { camera: Some("X1".into()), iso: Some(100) }),
    };
    // 1: files from a path, bytes and a stream; chunked, as the stream's length is unknown.
    let stored = media.upload_image(image()).await.unwrap();
    assert_eq!(stored.id.as_deref(), Some("img-1"));
    // 2: the same with the stream's length given: sent with a Content-Length.
    let mut sized = image();
    sized.thumbnails = Some(vec![stream_of(&[b"th", b"umb"]).with_length(5)]);
    media.upload_image(sized).await.unwrap();

    // 3: parts named by their files, and a JSON part.
    media
        .put_script(
            &ScriptName::new("edge"),
            PutScriptBody {
                any_part_name: Some(vec![
                    File::from("export default {}").filename("worker.js"),
                    File::from_path(dir.join("module.wasm")),
                ]),
                metadata: PutScriptBodyMetadata { main_module: Some("worker.js".into()) },
            },
        )
        .await
        .unwrap();

    // 4: a form with every style.
    media
        .search(SearchBody {
            q: "a&b c".into(),
            ids: Some(vec![1, 2]),
            csv: Some(vec!["x".into(), "y".into()]),
            words: Some(vec!["w1".into(), "w2".into()]),
            pipes: Some(vec!["p1".into(), "p2".into()]),
            point: Some(SearchBodyPoint { x: Some(1), y: None }),
            filter: Some(SearchBodyFilter { gt: Some(5) }),
            next: Some("https://x.test/p?c=1".into()),
        })
        .await
        .unwrap();

    // 5-7: the default media type, another the operation declares, and raw bytes.
    let note = || Note { text: "hi there".into(), pinned: Some(true) };
    media.create_note(note()).await.unwrap();
    media
        .create_note(note())
        .media_type("application/x-www-form-urlencoded")
        .await
        .unwrap();
    media
        .create_note(note())
        .raw_body("application/xml", "<note>hi</note>")
        .await
        .unwrap();
    // Refused before sending: an undeclared type, and a declared one without an encoder.
    match media.create_note(note()).media_type("text/csv").await {
        Err(Error::InvalidArgument { name, reason }) => {
            assert_eq!(name, "media_type");
            assert!(reason.contains("application/xml"), "{reason}");
        }
        other => panic!("an undeclared media type is refused: {other:?}"),
    }
    match media.create_note(note()).media_type("application/xml").await {
        Err(Error::InvalidArgument { reason, .. }) => assert!(reason.contains("raw_body"), "{reason}"),
        other => panic!("a typed body is not sent as XML: {other:?}"),
    }

    // 8-9: the server fails the first attempt. A file from a path is sent again in full.
    let mut flaky = image();
    flaky.title = "flaky-path".into();
    flaky.thumbnails = None;
    media.upload_image(flaky).max_retries(2).idempotent(true).await.unwrap();
    // 10: a caller's stream cannot be sent twice: the 503 is the answer.
    let mut once = image();
    once.title = "flaky-stream".into();
    match media.upload_image(once).max_retries(2).idempotent(true).await {
        Err(e) => assert_eq!(e.status().map(|s| s.as_u16()), Some(503), "{e:?}"),
        Ok(_) => panic!("the stream's request is not retried"),
    }
    // A missing file fails the call and names the file.
    let mut missing = image();
    missing.image = File::from_path(dir.join("absent.png"));
    let err = media.upload_image(missing).await.unwrap_err();
    assert!(err.to_string().contains("absent.png"), "{err}");
}
"#;

/// The parts of a multipart body, each as its headers and content, and the boundary.
fn parts(content_type: &str, body: &[u8]) -> (String, Vec<String>) {
    let boundary = content_type
        .strip_prefix("multipart/form-data; boundary=")
        .unwrap_or_else(|| panic!("a boundary in {content_type}"))
        .to_owned();
    let text = String::from_utf8_lossy(body).into_owned();
    let end = format!("--{boundary}--\r\n");
    assert!(text.ends_with(&end), "{text}");
    let text = &text[..text.len() - end.len()];
    let parts: Vec<String> = text
        .split(&format!("--{boundary}\r\n"))
        .skip(1)
        .map(|p| {
            p.strip_suffix("\r\n")
                .expect("a part ends with CRLF")
                .to_owned()
        })
        .collect();
    assert!(text.starts_with(&format!("--{boundary}\r\n")), "{text}");
    (boundary, parts)
}

fn sorted(mut parts: Vec<String>) -> Vec<String> {
    parts.sort();
    parts
}

fn file_part(name: &str, filename: &str, content_type: &str, content: &str) -> String {
    format!(
        "Content-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\nContent-Type: {content_type}\r\n\r\n{content}"
    )
}

fn text_part(name: &str, content: &str) -> String {
    format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n{content}")
}

fn json_part(name: &str, content: &str) -> String {
    format!(
        "Content-Disposition: form-data; name=\"{name}\"\r\nContent-Type: application/json\r\n\r\n{content}"
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn multipart_and_form_bodies_on_the_wire() {
    let program = WireProgram::new(
        "wire-uploads",
        &[("uploads", &[])],
        "futures-util = \"0.3\"\n\
         tokio = { version = \"1\", features = [\"macros\", \"rt-multi-thread\"] }\n",
        PROGRAM,
    );
    let files = program.dir.join("files");
    std::fs::create_dir_all(&files).unwrap();
    // A PNG signature and bytes that are not UTF-8, and a WebAssembly header.
    let photo: Vec<u8> = b"\x89PNG\r\n\x1a\nphoto".to_vec();
    std::fs::write(files.join("photo.png"), &photo).unwrap();
    std::fs::write(files.join("module.wasm"), b"\0asm\x01\0\0\0").unwrap();

    let flaky_seen = std::sync::atomic::AtomicBool::new(false);
    let server = FaultServer::start(move |req, _| {
        let body = String::from_utf8_lossy(&req.body);
        if body.contains("flaky-stream") {
            return Action::status(503);
        }
        if body.contains("flaky-path")
            && !flaky_seen.swap(true, std::sync::atomic::Ordering::SeqCst)
        {
            return Action::status(503);
        }
        if req.path() == "/images" {
            Action::Respond(Reply::json(201, &json!({"id": "img-1"})))
        } else {
            Action::status(204)
        }
    })
    .await;
    program
        .run(vec![server.base_url.clone().into(), files.into()])
        .await;

    let seen = server.requests();
    let lines: Vec<String> = seen
        .iter()
        .map(|r| format!("{} {}", r.method, r.target))
        .collect();
    assert_eq!(
        lines,
        [
            "POST /images",
            "POST /images",
            "PUT /scripts/edge",
            "POST /search",
            "POST /notes",
            "POST /notes",
            "POST /notes",
            "POST /images",
            "POST /images",
            "POST /images",
        ]
    );

    // 1: every part, in its declared or chosen type; the stream makes the body chunked.
    let upload = &seen[0];
    assert_eq!(upload.header("transfer-encoding"), Some("chunked"));
    assert_eq!(upload.header("content-length"), None);
    let (boundary, got) = parts(upload.header("content-type").unwrap(), &upload.body);
    assert_eq!(boundary.len(), "apigen-".len() + 32, "{boundary}");
    let photo_text = String::from_utf8_lossy(&photo).into_owned();
    let common = [
        file_part("image", "photo.png", "image/png", &photo_text),
        text_part("title", "Sunset"),
        text_part("tags[]", "a"),
        text_part("tags[]", "b"),
        json_part("meta", r#"{"camera":"X1","iso":100}"#),
    ];
    let mut wanted: Vec<String> = common.to_vec();
    wanted.push(file_part("thumbnails", "t1.jpg", "image/jpeg", "t1"));
    wanted.push(file_part("thumbnails", "t2", "image/webp", "thumb"));
    assert_eq!(sorted(got), sorted(wanted));
    // The exact bytes of the file from disk, which are not UTF-8.
    let at = upload
        .body
        .windows(photo.len())
        .position(|w| w == photo.as_slice());
    assert!(at.is_some(), "the file's bytes are sent as they are");

    // 2: with every length known, the body declares it.
    let sized = &seen[1];
    assert_eq!(
        sized.header("content-length"),
        Some(sized.body.len().to_string().as_str())
    );
    let (_, got) = parts(sized.header("content-type").unwrap(), &sized.body);
    let mut wanted: Vec<String> = common.to_vec();
    wanted.push(file_part(
        "thumbnails",
        "thumbnails",
        "application/octet-stream",
        "thumb",
    ));
    assert_eq!(sorted(got), sorted(wanted));

    // 3: files named by themselves, each typed by the declared type its name matches.
    let script = &seen[2];
    let (_, got) = parts(script.header("content-type").unwrap(), &script.body);
    assert_eq!(
        sorted(got),
        sorted(vec![
            file_part(
                "worker.js",
                "worker.js",
                "application/javascript+module",
                "export default {}"
            ),
            file_part(
                "module.wasm",
                "module.wasm",
                "application/wasm",
                "\0asm\u{1}\0\0\0"
            ),
            json_part("metadata", r#"{"main_module":"worker.js"}"#),
        ])
    );

    // 4: each form property as its encoding says.
    let search = &seen[3];
    assert_eq!(
        search.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    let body = String::from_utf8(search.body.clone()).unwrap();
    let mut pairs: Vec<&str> = body.split('&').collect();
    pairs.sort_unstable();
    assert_eq!(
        pairs,
        [
            "csv=x%2Cy",
            "filter%5Bgt%5D=5",
            "ids=1",
            "ids=2",
            "next=https://x.test/p?c=1",
            "pipes=p1%7Cp2",
            "q=a%26b+c",
            "words=w1+w2",
            "x=1",
        ]
    );
    assert!(body.contains("ids=1&ids=2"), "{body}");

    // 5-7: JSON by default, a form when chosen, raw bytes as given.
    assert_eq!(seen[4].header("content-type"), Some("application/json"));
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&seen[4].body).unwrap(),
        json!({"text": "hi there", "pinned": true})
    );
    assert_eq!(
        seen[5].header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    let mut form: Vec<&str> = std::str::from_utf8(&seen[5].body)
        .unwrap()
        .split('&')
        .collect();
    form.sort_unstable();
    assert_eq!(form, ["pinned=true", "text=hi+there"]);
    assert_eq!(seen[6].header("content-type"), Some("application/xml"));
    assert_eq!(seen[6].body, b"<note>hi</note>");

    // 8-9: the retry sends the file from disk again, in full.
    assert_eq!(seen[7].body, seen[8].body);
    assert!(
        seen[8]
            .body
            .windows(photo.len())
            .any(|w| w == photo.as_slice())
    );
    // 10: one attempt only for the stream.
    assert!(String::from_utf8_lossy(&seen[9].body).contains("flaky-stream"));
}
