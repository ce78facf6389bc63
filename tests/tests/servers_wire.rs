//! Servers and parameter styles on the wire: the crates of `tests/fixtures/servers.yaml`,
//! `tests/fixtures/path_styles.yaml` and `tests/fixtures/wire/path_lists.yaml` are generated, a small program calls their
//! operations against a local server that records each request, and the request lines
//! and headers are checked byte for byte.
//!
//! Operations with servers of their own (`http://uploads.example.com/v2`,
//! `http://reports.example.com/export`) are sent there: the program resolves those hosts
//! to the local server, which sees the `Host` and the server's path. With a base URL set,
//! every operation goes to it instead.

use apigen_tests::faults::{Action, FaultServer, Reply};
use apigen_tests::wire::WireProgram;
use serde_json::json;

const PROGRAM: &str = r#"
use std::net::SocketAddr;

#[tokio::main]
async fn main() {
    let base = std::env::args().nth(1).expect("base URL");
    let addr: SocketAddr = base.trim_start_matches("http://").parse().expect("address");
    let resolve = move |b: reqwest::ClientBuilder| {
        b.resolve("uploads.example.com", addr).resolve("reports.example.com", addr)
    };

    // Path styles and header values.
    let paint = fixture_path_styles::Client::builder()
        .base_url(&base)
        .max_retries(0)
        .build()
        .unwrap();
    use fixture_path_styles::models::{Color, ColorId, Rgb};
    let rgb = || Rgb { r: 100, g: 200, b: 150 };
    let colors = || vec![Color::Blue, Color::Black, Color::Brown];
    paint.paint().simple_style(&ColorId::new("a b/c"), 3).await.unwrap();
    paint.paint().label_style(Color::Blue, colors()).await.unwrap();
    paint.paint().matrix_style(5, colors(), rgb()).await.unwrap();
    paint
        .paint()
        .header_values("abc-123")
        .x_count(3)
        .x_ratio(0.5)
        .x_dry_run(true)
        .await
        .unwrap();
    {
        use fixture_path_lists::models::{Color, ColorId, Rgb};
        let lists = fixture_path_lists::Client::builder()
            .base_url(&base)
            .max_retries(0)
            .build()
            .unwrap();
        let rgb = || Rgb { r: 100, g: 200, b: 150 };
        let colors = || vec![Color::Blue, Color::Black, Color::Brown];
        let paint = lists.paint();
        paint.simple_lists(&ColorId::new("blue"), colors(), rgb(), rgb()).await.unwrap();
        paint.label_lists(Color::Blue, colors(), colors(), rgb(), rgb()).await.unwrap();
        paint.matrix_lists(5, colors(), colors(), rgb(), rgb()).await.unwrap();
        paint
            .header_lists()
            .x_ids(vec![3, 4, 5])
            .x_colors(colors())
            .x_rgb(rgb())
            .x_rgb_exploded(rgb())
            .await
            .unwrap();
    }
    match paint.paint().header_values("bad\r\nInjected: yes").await {
        Err(fixture_path_styles::Error::InvalidArgument { name, .. }) => assert_eq!(name, "X-Trace"),
        other => panic!("a header value with a line break is refused: {other:?}"),
    }

    // No base URL: operations with servers of their own go there.
    let own = fixture_servers::Client::builder()
        .configure_http(resolve)
        .max_retries(0)
        .build()
        .unwrap();
    assert_eq!(own.base_url(), "https://us.api.example.com/v1");
    own.files().upload_file(b"data".to_vec()).await.unwrap();
    own.files().get_report().await.unwrap();
    // A chosen spec-wide server leaves them alone too.
    let chosen = fixture_servers::Client::builder()
        .server(fixture_servers::servers::Production {
            region: fixture_servers::servers::ProductionRegion::Eu,
            version: "v2".into(),
        })
        .configure_http(resolve)
        .max_retries(0)
        .build()
        .unwrap();
    assert_eq!(chosen.base_url(), "https://eu.api.example.com/v2");
    chosen.files().get_report().await.unwrap();

    // A base URL takes every request.
    let redirected = fixture_servers::Client::builder()
        .base_url(&base)
        .server(fixture_servers::servers::SandboxForTests)
        .configure_http(resolve)
        .max_retries(0)
        .build()
        .unwrap();
    let item = redirected
        .items()
        .get_item(&fixture_servers::models::ItemId::new("it-1"))
        .await
        .unwrap();
    assert_eq!(item.id.as_str(), "it-1");
    redirected.files().upload_file(b"data".to_vec()).await.unwrap();
    redirected.files().get_report().await.unwrap();
}
"#;

#[tokio::test(flavor = "multi_thread")]
async fn paths_headers_and_servers_on_the_wire() {
    let program = WireProgram::new(
        "wire",
        &[
            ("servers", &[]),
            ("path_styles", &[]),
            ("wire/path_lists", &[]),
        ],
        "tokio = { version = \"1\", features = [\"macros\", \"rt-multi-thread\"] }\n\
         reqwest = { version = \"0.13\", default-features = false }\n",
        PROGRAM,
    );
    let server = FaultServer::start(|req, _| {
        if req.path().starts_with("/items/") {
            Action::Respond(Reply::json(200, &json!({"id": "it-1"})))
        } else {
            Action::status(204)
        }
    })
    .await;
    program.run(vec![server.base_url.clone().into()]).await;

    let seen = server.requests();
    let lines: Vec<String> = seen
        .iter()
        .map(|r| format!("{} {}", r.method, r.target))
        .collect();
    assert_eq!(
        lines,
        [
            "GET /simple/a%20b%2Fc/3",
            "GET /label/.blue/.blue.black.brown",
            "GET /matrix/;color=5/;colors_exploded=blue;colors_exploded=black;colors_exploded=brown/;B=150;G=200;R=100",
            "GET /headers",
            "GET /simple/blue/blue,black,brown/B,150,G,200,R,100/B=150,G=200,R=100",
            "GET /label/.blue/.blue,black,brown/.blue.black.brown/.B,150,G,200,R,100/.B=150.G=200.R=100",
            "GET /matrix/;color=5/;colors=blue,black,brown/;colors_exploded=blue;colors_exploded=black;colors_exploded=brown/;rgb=B,150,G,200,R,100/;B=150;G=200;R=100",
            "GET /headers",
            "POST /v2/uploads",
            "GET /export/reports",
            "GET /export/reports",
            "GET /items/it-1",
            "POST /uploads",
            "GET /reports",
        ]
    );
    for (name, value) in [
        ("x-trace", "abc-123"),
        ("x-count", "3"),
        ("x-ratio", "0.5"),
        ("x-dry-run", "true"),
    ] {
        assert_eq!(seen[3].header(name), Some(value), "{name}");
    }
    let headers = &seen[7];
    for (name, value) in [
        ("x-ids", "3,4,5"),
        ("x-colors", "blue,black,brown"),
        ("x-rgb", "B,150,G,200,R,100"),
        ("x-rgb-exploded", "B=150,G=200,R=100"),
    ] {
        assert_eq!(headers.header(name), Some(value), "{name}");
    }
    let port = server.base_url.rsplit(':').next().unwrap().to_string();
    let hosts: Vec<&str> = seen[8..]
        .iter()
        .map(|r| r.header("host").unwrap())
        .collect();
    let local = format!("127.0.0.1:{port}");
    assert_eq!(
        hosts,
        [
            "uploads.example.com",
            "reports.example.com",
            "reports.example.com",
            local.as_str(),
            local.as_str(),
            local.as_str(),
        ]
    );
    assert_eq!(seen[8].body, b"data");
}
