//! The life of a client certificate: list a zone's certificates, issue one from a
//! certificate signing request, revoke it, then reactivate it.
//!
//! ```text
//! CLOUDFLARE_API_TOKEN=... CLOUDFLARE_ZONE_ID=... \
//!     cargo run -p cloudflare-client-certificates --example lifecycle -- [CSR_FILE]
//! ```
//!
//! Credentials come from `CLOUDFLARE_API_TOKEN` (or `CLOUDFLARE_EMAIL` and
//! `CLOUDFLARE_API_KEY`), the zone from `CLOUDFLARE_ZONE_ID`, and the API's address
//! from `CLOUDFLARE_BASE_URL` when it is set. The CSR is read from `CSR_FILE`; without
//! it a placeholder CSR is sent, which the real API rejects.

use std::process::ExitCode;

use cloudflare_client_certificates::Client;
use cloudflare_client_certificates::models::{CreateClientCertificateRequest, ZoneId};
use futures_util::TryStreamExt;

/// Sent when no CSR file is given.
const PLACEHOLDER_CSR: &str =
    "-----BEGIN CERTIFICATE REQUEST-----\nMIICY....\n-----END CERTIFICATE REQUEST-----\n";

/// How long the issued certificate is valid.
const VALIDITY_DAYS: i64 = 3650;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), BoxError> {
    let zone_id = std::env::var("CLOUDFLARE_ZONE_ID")
        .map(ZoneId::new)
        .map_err(|_| "set CLOUDFLARE_ZONE_ID to the identifier of the zone")?;
    let csr = match std::env::args_os().nth(1) {
        Some(path) => std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read the CSR from {}: {e}", path.to_string_lossy()))?,
        None => PLACEHOLDER_CSR.to_owned(),
    };
    let client = Client::from_env()?;
    let certificates = client.client_certificates();

    println!("certificates of zone {zone_id}:");
    let mut listed = 0;
    let mut stream = certificates.list(&zone_id).per_page(50).stream();
    while let Some(certificate) = stream.try_next().await? {
        listed += 1;
        println!("  {} {}", certificate.id, certificate.status);
    }
    println!("listed {listed} certificate(s)");

    let request = CreateClientCertificateRequest {
        csr,
        validity_days: VALIDITY_DAYS,
    };
    let created = certificates.create(&zone_id, request).await?;
    let id = &created.id;
    println!("created {id}: {}", created.status);

    let revoked = certificates.delete(&zone_id, id).await?;
    println!("revoked {id}: {}", revoked.status);

    let reactivated = certificates.edit(&zone_id, id).reactivate(true).await?;
    println!("reactivated {id}: {}", reactivated.status);
    Ok(())
}
