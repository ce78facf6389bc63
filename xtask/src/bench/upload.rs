//! `cargo xtask bench --upload`: peak memory of a multipart upload of a file from disk, 1 MiB
//! against 1 GiB. The crate of `tests/fixtures/uploads.yaml` is generated, and a small
//! program (its own release build) starts a local server that reads and discards what it
//! receives, then uploads the file with `File::from_path`. Each size runs in its own child
//! process, whose peak resident set size (`wait4`'s `ru_maxrss`) is the client's and the
//! sink's together; a streamed upload keeps it flat.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::util::measure::{Limits, measure};

const PROGRAM: &str = r#"
use std::io::{BufRead, BufReader, Read, Write};

fn sink(listener: std::net::TcpListener) {
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        let mut reader = BufReader::new(stream.try_clone().expect("clone"));
        let mut length = 0u64;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                break;
            }
            let lower = line.to_ascii_lowercase();
            if let Some(v) = lower.strip_prefix("content-length:") {
                length = v.trim().parse().expect("a length");
            }
        }
        let mut buf = vec![0u8; 64 * 1024];
        let mut left = length;
        while left > 0 {
            let n = reader.read(&mut buf[..left.min(65536) as usize]).expect("read");
            if n == 0 {
                break;
            }
            left -= n as u64;
        }
        let body = format!("{{\"id\":\"{}\"}}", length - left);
        let mut stream = stream;
        let _ = write!(
            stream,
            "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
    }
}

#[tokio::main]
async fn main() {
    let path = std::env::args().nth(1).expect("file");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    std::thread::spawn(move || sink(listener));
    let client = fixture_uploads::Client::builder()
        .base_url(&base)
        .max_retries(0)
        .timeout(std::time::Duration::from_secs(600))
        .total_timeout(std::time::Duration::from_secs(600))
        .build()
        .expect("client");
    let body = fixture_uploads::models::UploadImageBody {
        image: fixture_uploads::File::from_path(&path),
        thumbnails: None,
        title: "bench".into(),
        tags: None,
        meta: None,
    };
    let stored = client.media().upload_image(body).await.expect("upload");
    println!("{}", stored.id.unwrap_or_default());
}
"#;

/// What one size cost.
pub struct UploadRun {
    pub file_bytes: u64,
    pub received_bytes: u64,
    pub max_rss_kib: u64,
    pub seconds: f64,
}

/// Runs the upload bench and prints its table; returns each size's run.
pub fn run(root: &Path) -> Result<Vec<UploadRun>, String> {
    let work = root.join("target/bench/upload");
    crate::util::fs::create_dir(&work)?;
    let spec = root.join("tests/fixtures/uploads.yaml");
    let mut input = apigen::load::read_input(root, &spec, None)
        .map_err(|e| format!("error: cannot read {}: {e}", spec.display()))?;
    input.config.package.name = Some("fixture-uploads".into());
    let output = apigen::generate(input.as_input())
        .map_err(|d| format!("error: {} does not generate:\n{d}", spec.display()))?;
    apigen::write::write_tree(&work.join("uploads"), &output.files)
        .map_err(|e| format!("error: cannot write the uploads crate: {e}"))?;
    let program = work.join("program");
    crate::util::fs::create_dir(&program.join("src"))?;
    let write = |path: &Path, text: &str| {
        std::fs::write(path, text)
            .map_err(|e| format!("error: cannot write {}: {e}", path.display()))
    };
    write(&program.join("src/main.rs"), PROGRAM)?;
    write(
        &program.join("Cargo.toml"),
        "[package]\nname = \"upload-bench\"\nversion = \"0.1.0\"\nedition = \"2024\"\npublish = false\n\n\
         [dependencies]\nfixture-uploads = { path = \"../uploads\" }\n\
         tokio = { version = \"1\", features = [\"macros\", \"rt-multi-thread\"] }\n",
    )?;
    write(
        &work.join("Cargo.toml"),
        "[workspace]\nresolver = \"3\"\nmembers = [\"uploads\", \"program\"]\n",
    )?;
    std::fs::copy(root.join("Cargo.lock"), work.join("Cargo.lock"))
        .map_err(|e| format!("error: cannot copy Cargo.lock: {e}"))?;
    let target = root.join("target/bench/upload-target");
    eprintln!("xtask bench: building the upload program (release)");
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args([
            "build",
            "--release",
            "-q",
            "-p",
            "upload-bench",
            "--target-dir",
        ])
        .arg(&target)
        .current_dir(&work)
        .status()
        .map_err(|e| format!("error: cannot run cargo: {e}"))?;
    if !status.success() {
        return Err(format!(
            "error: the upload program does not build ({status})"
        ));
    }
    let exe = target.join("release/upload-bench");
    let limits = Limits::new(Duration::from_secs(900), None);
    let mut runs = Vec::new();
    for size in [1u64 << 20, 1 << 30] {
        let file = work.join(format!("file-{size}.bin"));
        let handle = std::fs::File::create(&file)
            .map_err(|e| format!("error: cannot create {}: {e}", file.display()))?;
        // Sparse: the disk holds nothing, the upload reads every byte.
        handle
            .set_len(size)
            .map_err(|e| format!("error: cannot size {}: {e}", file.display()))?;
        let measured = measure(Command::new(&exe).arg(&file), &limits)?;
        let _ = std::fs::remove_file(&file);
        if !measured.success() {
            return Err(format!(
                "error: the {size}-byte upload failed:\n{}",
                String::from_utf8_lossy(&measured.stderr)
            ));
        }
        let received: u64 = String::from_utf8_lossy(&measured.stdout)
            .trim()
            .parse()
            .unwrap_or(0);
        runs.push(UploadRun {
            file_bytes: size,
            received_bytes: received,
            max_rss_kib: measured.max_rss_kib,
            seconds: measured.wall.as_secs_f64(),
        });
    }
    println!("| file | body received | peak RSS | time |");
    println!("| ---: | ---: | ---: | ---: |");
    for r in &runs {
        println!(
            "| {} MiB | {} MiB | {:.1} MiB | {:.2} s |",
            r.file_bytes >> 20,
            r.received_bytes >> 20,
            r.max_rss_kib as f64 / 1024.0,
            r.seconds
        );
    }
    let ratio = runs[1].max_rss_kib as f64 / runs[0].max_rss_kib.max(1) as f64;
    println!(
        "upload: peak RSS of a 1 GiB upload is {ratio:.2}x that of a 1 MiB upload (target: at most 1.25x)"
    );
    for r in &runs {
        if r.received_bytes < r.file_bytes {
            return Err(format!(
                "error: the server received {} of {} bytes",
                r.received_bytes, r.file_bytes
            ));
        }
    }
    if ratio > 1.25 {
        return Err(format!(
            "error: upload memory grows with the file: {ratio:.2}x (target 1.25x)"
        ));
    }
    Ok(runs)
}
