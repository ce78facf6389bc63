//! The generated crate's `lifecycle` example (from `spec/examples/lifecycle.rs`), built
//! with cargo and run as a separate process against the fake API.

use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::time::Duration;

use apigen_tests::fake_api::{API_KEY, CSR, CertStatus, EMAIL, FakeApi, TOKEN, ZONE};
use apigen_tests::workspace_root;

const VARS: [&str; 5] = [
    "CLOUDFLARE_BASE_URL",
    "CLOUDFLARE_API_TOKEN",
    "CLOUDFLARE_EMAIL",
    "CLOUDFLARE_API_KEY",
    "CLOUDFLARE_ZONE_ID",
];

/// Builds the example once per test binary; returns the executable's path.
fn example_binary() -> PathBuf {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY
        .get_or_init(|| {
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
            let output = Command::new(cargo)
                .args([
                    "build",
                    "--quiet",
                    "--package",
                    "cloudflare-client-certificates",
                    "--example",
                    "lifecycle",
                    "--message-format=json-render-diagnostics",
                ])
                .current_dir(workspace_root())
                .output()
                .expect("cargo runs");
            assert!(
                output.status.success(),
                "building the lifecycle example failed:\n{}",
                String::from_utf8_lossy(&output.stderr)
            );
            String::from_utf8_lossy(&output.stdout)
                .lines()
                .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
                .filter(|m| {
                    m["reason"] == "compiler-artifact" && m["target"]["name"] == "lifecycle"
                })
                .find_map(|m| m["executable"].as_str().map(PathBuf::from))
                .expect("cargo reports the example's executable")
        })
        .clone()
}

/// Runs the example with only `vars` among the variables it reads.
async fn run_example(vars: &[(&str, &str)], args: &[&str]) -> Output {
    let mut command = tokio::process::Command::new(example_binary());
    command.args(args).kill_on_drop(true);
    for name in VARS {
        command.env_remove(name);
    }
    command.envs(vars.iter().copied());
    tokio::time::timeout(Duration::from_secs(60), command.output())
        .await
        .expect("the example finishes within a minute")
        .expect("the example starts")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lifecycle_example_walks_a_certificate_through_its_states() {
    let fake = FakeApi::start().await;
    let seeded = fake.seed(ZONE, 3);
    let csr_file = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("lifecycle-example.csr");
    std::fs::write(&csr_file, CSR).unwrap();
    let csr_arg = csr_file.to_str().unwrap();

    // With the legacy key and a CSR file.
    let output = run_example(
        &[
            ("CLOUDFLARE_BASE_URL", &fake.base_url),
            ("CLOUDFLARE_EMAIL", EMAIL),
            ("CLOUDFLARE_API_KEY", API_KEY),
            ("CLOUDFLARE_ZONE_ID", ZONE),
        ],
        &[csr_arg],
    )
    .await;
    let stdout = text(&output.stdout);
    assert!(
        output.status.success(),
        "{}\n{stdout}\n{}",
        output.status,
        text(&output.stderr)
    );
    let ids = fake.ids(ZONE);
    assert_eq!(ids.len(), 4);
    assert_eq!(ids[..3], seeded);
    let created = &ids[3];
    let mut expected = vec![format!("certificates of zone {ZONE}:")];
    expected.extend(seeded.iter().map(|id| format!("  {id} active")));
    expected.extend([
        "listed 3 certificate(s)".to_owned(),
        format!("created {created}: active"),
        format!("revoked {created}: pending_revocation"),
        format!("reactivated {created}: pending_reactivation"),
    ]);
    assert_eq!(stdout.lines().collect::<Vec<_>>(), expected, "{stdout}");
    assert_eq!(
        fake.status_of(ZONE, created),
        Some(CertStatus::PendingReactivation)
    );
    let requests = fake.requests();
    let methods: Vec<&str> = requests.iter().map(|r| r.method.as_str()).collect();
    assert_eq!(methods, ["GET", "POST", "DELETE", "PATCH"]);
    assert!(
        requests
            .iter()
            .all(|r| r.header("x-auth-key") == Some(API_KEY))
    );
    assert_eq!(requests[1].json_body().unwrap()["csr"], CSR);

    // With a token and the placeholder CSR; the new certificate is listed first.
    fake.clear_requests();
    let output = run_example(
        &[
            ("CLOUDFLARE_BASE_URL", &fake.base_url),
            ("CLOUDFLARE_API_TOKEN", TOKEN),
            ("CLOUDFLARE_ZONE_ID", ZONE),
        ],
        &[],
    )
    .await;
    let stdout = text(&output.stdout);
    assert!(
        output.status.success(),
        "{}\n{stdout}\n{}",
        output.status,
        text(&output.stderr)
    );
    assert!(
        stdout.contains(&format!("  {created} pending_reactivation\n")),
        "{stdout}"
    );
    assert!(stdout.contains("listed 4 certificate(s)\n"), "{stdout}");
    let newest = fake.ids(ZONE).pop().unwrap();
    assert!(
        stdout.ends_with(&format!("reactivated {newest}: pending_reactivation\n")),
        "{stdout}"
    );
    let requests = fake.requests();
    let bearer = format!("Bearer {TOKEN}");
    assert!(
        requests
            .iter()
            .all(|r| r.header("authorization") == Some(bearer.as_str()))
    );
    let sent_csr = requests[1].json_body().unwrap()["csr"].clone();
    assert!(
        sent_csr
            .as_str()
            .unwrap()
            .starts_with("-----BEGIN CERTIFICATE REQUEST-----")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lifecycle_example_fails_clearly_without_its_settings() {
    let fake = FakeApi::start().await;

    let output = run_example(
        &[
            ("CLOUDFLARE_BASE_URL", &fake.base_url),
            ("CLOUDFLARE_API_TOKEN", TOKEN),
        ],
        &[],
    )
    .await;
    assert_eq!(output.status.code(), Some(1));
    assert!(
        text(&output.stderr).contains("error: set CLOUDFLARE_ZONE_ID"),
        "{}",
        text(&output.stderr)
    );

    let output = run_example(
        &[
            ("CLOUDFLARE_BASE_URL", &fake.base_url),
            ("CLOUDFLARE_ZONE_ID", ZONE),
        ],
        &[],
    )
    .await;
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("no credentials in the environment"),
        "{stderr}"
    );
    assert!(stderr.contains("CLOUDFLARE_API_TOKEN"), "{stderr}");

    let output = run_example(
        &[
            ("CLOUDFLARE_BASE_URL", &fake.base_url),
            ("CLOUDFLARE_API_TOKEN", "not-the-token"),
            ("CLOUDFLARE_ZONE_ID", ZONE),
        ],
        &[],
    )
    .await;
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(stderr.contains("HTTP 401"), "{stderr}");
    assert!(stderr.contains("[10000] Authentication error"), "{stderr}");
    assert!(!stderr.contains("not-the-token"), "{stderr}");
    assert_eq!(
        fake.request_count(),
        1,
        "only the rejected list request was sent"
    );
}
