//! Client overhead: the generated client against a hand-written `reqwest` + `serde_json`
//! baseline doing the same work.
//!
//! - `get_one` and `list_50`: one request each, against a local server that answers at
//!   once with canned bytes (a single certificate; a page of 50), so that what is
//!   measured is building the request, the HTTP exchange over loopback and decoding.
//!   The canned bodies are captured once from the fake API, so they are realistic.
//! - `paginate_2000`: 2,000 certificates (40 pages of 50) from the stateful fake API,
//!   through the generated client's `.stream()` and through a hand-written page loop.
//!
//! After criterion, the same three comparisons run again paired: short batches of the
//! generated client and of the baseline alternate (ABBA), and the median of the per-round
//! ratios is printed on a line starting with `CLIENT_PAIRED_JSON `. On a shared machine,
//! load that comes and goes hits both sides of a round alike, so this ratio is steadier
//! than two criterion medians taken seconds apart. `APIGEN_BENCH_PAIRED=0` skips it.
//!
//! Run with `cargo bench -p apigen-tests --bench client`; `cargo xtask bench` runs it and
//! reads the medians criterion records (set `CRITERION_HOME` to choose where) and the
//! paired ratios.

mod common;

use cloudflare_client_certificates::models::{ClientCertificateId, ZoneId};
use std::hint::black_box;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use apigen_tests::fake_api::{FakeApi, ZONE};
use common::{Baseline, PER_PAGE};
use criterion::{Criterion, criterion_group};
use futures_util::TryStreamExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Certificates served by the pagination benchmark.
const PAGINATED: usize = 2_000;

/// Complete HTTP responses, headers and body, ready to be written.
struct Canned {
    list: Vec<u8>,
    one: Vec<u8>,
}

fn http_response(body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\ncf-ray: 8f1c2d3e4a5b6c7d-SJC\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body);
    out
}

/// Bodies as the fake API sends them: a page of 50 certificates and a single one.
async fn capture_bodies() -> (Vec<u8>, Vec<u8>, String) {
    let fake = FakeApi::start().await;
    let ids = fake.seed(ZONE, PER_PAGE as usize);
    let http = reqwest::Client::new();
    let fetch = |url: String| {
        let http = http.clone();
        async move {
            let response = http
                .get(url)
                .bearer_auth(apigen_tests::fake_api::TOKEN)
                .send()
                .await
                .expect("the fake answers");
            assert!(response.status().is_success(), "{}", response.status());
            response.bytes().await.expect("body").to_vec()
        }
    };
    let list = fetch(format!(
        "{}/zones/{ZONE}/client_certificates?per_page={PER_PAGE}",
        fake.base_url
    ))
    .await;
    let one = fetch(format!(
        "{}/zones/{ZONE}/client_certificates/{}",
        fake.base_url, ids[7]
    ))
    .await;
    (list, one, ids[7].clone())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn content_length(head: &str) -> usize {
    head.lines()
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.trim().parse().ok())
        .unwrap_or(0)
}

/// Answers every request on the connection with the canned response for its path.
async fn serve(mut stream: TcpStream, canned: Arc<Canned>) {
    let _ = stream.set_nodelay(true);
    let mut buffer = Vec::with_capacity(16 * 1024);
    let mut chunk = vec![0u8; 16 * 1024];
    loop {
        let end = loop {
            if let Some(at) = find(&buffer, b"\r\n\r\n") {
                break at + 4;
            }
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buffer.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buffer[..end]).into_owned();
        let wanted = end + content_length(&head);
        while buffer.len() < wanted {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buffer.extend_from_slice(&chunk[..n]),
            }
        }
        buffer.drain(..wanted);
        let target = head.split_whitespace().nth(1).unwrap_or("/");
        let path = target.split('?').next().unwrap_or(target);
        let response = if path.ends_with("/client_certificates") {
            &canned.list
        } else {
            &canned.one
        };
        if stream.write_all(response).await.is_err() {
            return;
        }
    }
}

/// A server on 127.0.0.1 that answers instantly with pre-serialised bytes.
async fn canned_server(canned: Canned) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    let canned = Arc::new(canned);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(serve(stream, canned.clone()));
        }
    });
    addr
}

/// The canned server, started on `rt`: its base URL and the identifier of the single
/// certificate it serves.
fn canned_setup(rt: &tokio::runtime::Runtime) -> (String, String) {
    rt.block_on(async {
        let (list, one, id) = capture_bodies().await;
        let addr = canned_server(Canned {
            list: http_response(&list),
            one: http_response(&one),
        })
        .await;
        (format!("http://{addr}"), id)
    })
}

fn single_requests(c: &mut Criterion) {
    let rt = common::runtime();
    let (base_url, id) = canned_setup(&rt);
    let generated = &common::generated(&base_url);
    let baseline = &Baseline::new(&base_url);
    let id = id.as_str();

    // Both sides must get the same data before their speed means anything.
    rt.block_on(async {
        let ours = generated
            .client_certificates()
            .list(&ZoneId::new(ZONE))
            .per_page(PER_PAGE as i64)
            .await
            .expect("generated list");
        let (theirs, _) = baseline.list_page(ZONE, None).await.expect("baseline list");
        assert_eq!(ours.len(), PER_PAGE as usize);
        assert_eq!(theirs.len(), PER_PAGE as usize);
        for (a, b) in ours.iter().zip(&theirs) {
            assert_eq!(Some(a.id.as_str()), b.id.as_deref());
            assert_eq!(a.issued_on, b.issued_on);
        }
        let ours = generated
            .client_certificates()
            .get(&ZoneId::new(ZONE), &ClientCertificateId::new(id))
            .await
            .expect("generated get");
        let theirs = baseline.get_one(ZONE, id).await.expect("baseline get");
        assert_eq!(ours.id, id);
        assert_eq!(ours.expires_on, theirs.expires_on);
    });

    let mut group = c.benchmark_group("get_one");
    group.bench_function("generated", |b| {
        b.to_async(&rt).iter(move || async move {
            let cert = generated
                .client_certificates()
                .get(&ZoneId::new(ZONE), &ClientCertificateId::new(id))
                .await
                .expect("generated get");
            black_box(cert)
        })
    });
    group.bench_function("baseline", |b| {
        b.to_async(&rt).iter(move || async move {
            let cert = baseline.get_one(ZONE, id).await.expect("baseline get");
            black_box(cert)
        })
    });
    group.finish();

    let mut group = c.benchmark_group("list_50");
    group.bench_function("generated", |b| {
        b.to_async(&rt).iter(move || async move {
            let page = generated
                .client_certificates()
                .list(&ZoneId::new(ZONE))
                .per_page(PER_PAGE as i64)
                .await
                .expect("generated list");
            black_box(page)
        })
    });
    group.bench_function("baseline", |b| {
        b.to_async(&rt).iter(move || async move {
            let page = baseline.list_page(ZONE, None).await.expect("baseline list");
            black_box(page)
        })
    });
    group.finish();
}

fn pagination(c: &mut Criterion) {
    let rt = common::runtime();
    let fake = rt.block_on(FakeApi::start());
    fake.set_recording(false);
    fake.seed(ZONE, PAGINATED);
    let generated = &common::generated(&fake.base_url);
    let baseline = &Baseline::new(&fake.base_url);

    let count_generated = move || async move {
        let mut stream = generated
            .client_certificates()
            .list(&ZoneId::new(ZONE))
            .per_page(PER_PAGE as i64)
            .stream();
        let mut count = 0usize;
        while let Some(cert) = stream.try_next().await.expect("generated stream") {
            black_box(&cert);
            count += 1;
        }
        count
    };
    let count_baseline = move || async move {
        let mut count = 0usize;
        baseline
            .for_each(ZONE, |cert| {
                black_box(&cert);
                count += 1;
            })
            .await
            .expect("baseline loop");
        count
    };
    assert_eq!(rt.block_on(count_generated()), PAGINATED);
    assert_eq!(rt.block_on(count_baseline()), PAGINATED);

    let mut group = c.benchmark_group("paginate_2000");
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("generated", |b| {
        b.to_async(&rt)
            .iter(move || async move { black_box(count_generated().await) })
    });
    group.bench_function("baseline", |b| {
        b.to_async(&rt)
            .iter(move || async move { black_box(count_baseline().await) })
    });
    group.finish();
}

/// Decoding alone, without HTTP: the 50 certificates of a page into the generated models
/// and into the baseline's derived structs. Far less noisy than the round trips above.
fn decoding(c: &mut Criterion) {
    let rt = common::runtime();
    let (list, _, _) = rt.block_on(capture_bodies());
    let envelope: serde_json::Value = serde_json::from_slice(&list).expect("list body is JSON");
    let items = serde_json::to_vec(&envelope["result"]).expect("serializable");
    let ours: Vec<cloudflare_client_certificates::models::ClientCertificate> =
        serde_json::from_slice(&items).expect("generated models decode");
    let theirs: Vec<common::Certificate> =
        serde_json::from_slice(&items).expect("baseline structs decode");
    assert_eq!(ours.len(), theirs.len());
    let mut group = c.benchmark_group("decode_50");
    group.bench_function("generated", |b| {
        b.iter(|| {
            let page: Vec<cloudflare_client_certificates::models::ClientCertificate> =
                serde_json::from_slice(black_box(&items)).expect("decodes");
            black_box(page)
        })
    });
    group.bench_function("baseline", |b| {
        b.iter(|| {
            let page: Vec<common::Certificate> =
                serde_json::from_slice(black_box(&items)).expect("decodes");
            black_box(page)
        })
    });
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(60)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(6))
        .noise_threshold(0.03)
}

criterion_group! {
    name = benches;
    config = config();
    targets = single_requests, pagination, decoding
}

/// Times `batch` runs of `f`, in microseconds per run.
fn time_batch<F: std::future::Future>(
    rt: &tokio::runtime::Runtime,
    batch: usize,
    f: impl Fn() -> F,
) -> f64 {
    let started = Instant::now();
    rt.block_on(async {
        for _ in 0..batch {
            black_box(f().await);
        }
    });
    started.elapsed().as_secs_f64() * 1e6 / batch as f64
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

/// Alternates batches of `a` (generated) and `b` (baseline), ABBA, for `rounds` rounds of
/// about `round_ms` each; returns the median µs per run of each and the median ratio.
fn paired<FA, FB>(
    rt: &tokio::runtime::Runtime,
    rounds: usize,
    round_ms: f64,
    a: impl Fn() -> FA,
    b: impl Fn() -> FB,
) -> serde_json::Value
where
    FA: std::future::Future,
    FB: std::future::Future,
{
    // Warm up both, then size the batches so that one takes about `round_ms`.
    let per_run = time_batch(rt, 5, &a).max(time_batch(rt, 5, &b));
    let batch = ((round_ms * 1000.0 / per_run) as usize).clamp(1, 10_000);
    let (mut ta, mut tb, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..rounds {
        let (x, y) = if round % 2 == 0 {
            let x = time_batch(rt, batch, &a);
            (x, time_batch(rt, batch, &b))
        } else {
            let y = time_batch(rt, batch, &b);
            (time_batch(rt, batch, &a), y)
        };
        ta.push(x);
        tb.push(y);
        ratios.push(x / y);
    }
    serde_json::json!({
        "rounds": rounds,
        "batch": batch,
        "generated_us": median(ta),
        "baseline_us": median(tb),
        "ratio": median(ratios),
    })
}

fn paired_runs() {
    let rt = common::runtime();
    let (base_url, id) = canned_setup(&rt);
    let generated = &common::generated(&base_url);
    let baseline = &Baseline::new(&base_url);
    let id = id.as_str();
    let get = paired(
        &rt,
        40,
        25.0,
        move || async move {
            generated
                .client_certificates()
                .get(&ZoneId::new(ZONE), &ClientCertificateId::new(id))
                .await
                .expect("get")
        },
        move || async move { baseline.get_one(ZONE, id).await.expect("get") },
    );
    let list = paired(
        &rt,
        40,
        25.0,
        move || async move {
            generated
                .client_certificates()
                .list(&ZoneId::new(ZONE))
                .per_page(PER_PAGE as i64)
                .await
                .expect("list")
        },
        move || async move { baseline.list_page(ZONE, None).await.expect("list") },
    );

    let fake = rt.block_on(FakeApi::start());
    fake.set_recording(false);
    fake.seed(ZONE, PAGINATED);
    let generated = &common::generated(&fake.base_url);
    let baseline = &Baseline::new(&fake.base_url);
    let pages = paired(
        &rt,
        20,
        100.0,
        move || async move {
            let mut stream = generated
                .client_certificates()
                .list(&ZoneId::new(ZONE))
                .per_page(PER_PAGE as i64)
                .stream();
            let mut count = 0usize;
            while let Some(cert) = stream.try_next().await.expect("stream") {
                black_box(&cert);
                count += 1;
            }
            assert_eq!(count, PAGINATED);
        },
        move || async move {
            let mut count = 0usize;
            baseline
                .for_each(ZONE, |cert| {
                    black_box(&cert);
                    count += 1;
                })
                .await
                .expect("loop");
            assert_eq!(count, PAGINATED);
        },
    );
    println!("paired (ABBA) ratios, generated / baseline:");
    for (name, value) in [
        ("get_one", &get),
        ("list_50", &list),
        ("paginate_2000", &pages),
    ] {
        println!(
            "  {name:<14} {:>10.1} µs vs {:>10.1} µs  ratio {:.3}",
            value["generated_us"].as_f64().unwrap_or(0.0),
            value["baseline_us"].as_f64().unwrap_or(0.0),
            value["ratio"].as_f64().unwrap_or(0.0)
        );
    }
    println!(
        "CLIENT_PAIRED_JSON {}",
        serde_json::json!({"get_one": get, "list_50": list, "paginate_2000": pages})
    );
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    if std::env::var("APIGEN_BENCH_PAIRED").as_deref() != Ok("0") {
        paired_runs();
    }
}
