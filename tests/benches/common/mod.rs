//! What the client benchmarks share: the hand-written `reqwest` + `serde_json` baseline
//! the generated client is measured against, and the generated client's construction.
//!
//! The baseline does the same work as the generated client, and no more: the same URL,
//! the same headers, a check of the status and of the envelope's `success`, and a decode
//! into structs with the same fields and types as the generated models.

#![allow(dead_code)]

use std::time::Duration;

use apigen_tests::fake_api::TOKEN;
use chrono::{DateTime, Utc};
use cloudflare_client_certificates::{Client, Credentials};
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderMap, HeaderValue, USER_AGENT};
use serde::Deserialize;

/// Items per page in every list request.
pub const PER_PAGE: u64 = 50;

/// The Cloudflare v4 envelope.
#[derive(Debug, Deserialize)]
pub struct Envelope<T> {
    pub success: bool,
    #[serde(default)]
    pub errors: Vec<Message>,
    #[serde(default)]
    pub messages: Vec<Message>,
    pub result: Option<T>,
    #[serde(default)]
    pub result_info: Option<PageInfo>,
}

#[derive(Debug, Deserialize)]
pub struct Message {
    pub code: i64,
    pub message: String,
}

#[derive(Debug, Deserialize)]
pub struct PageInfo {
    pub count: Option<u64>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
    pub total_count: Option<u64>,
    pub total_pages: Option<u64>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Authority {
    pub id: Option<String>,
    pub name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub enum Status {
    #[serde(rename = "active")]
    Active,
    #[serde(rename = "pending_reactivation")]
    PendingReactivation,
    #[serde(rename = "pending_revocation")]
    PendingRevocation,
    #[serde(rename = "revoked")]
    Revoked,
    #[serde(untagged)]
    Unknown(String),
}

/// A client certificate: the fields and types of the generated `ClientCertificate`.
#[derive(Debug, Clone, Deserialize)]
pub struct Certificate {
    pub id: Option<String>,
    pub certificate: Option<String>,
    pub certificate_authority: Option<Authority>,
    pub common_name: Option<String>,
    pub country: Option<String>,
    pub csr: Option<String>,
    pub expires_on: Option<DateTime<Utc>>,
    pub fingerprint_sha256: Option<String>,
    pub issued_on: Option<DateTime<Utc>>,
    pub location: Option<String>,
    pub organization: Option<String>,
    pub organizational_unit: Option<String>,
    pub serial_number: Option<String>,
    pub signature: Option<String>,
    pub ski: Option<String>,
    pub state: Option<String>,
    pub status: Option<Status>,
    pub validity_days: Option<i64>,
}

/// The hand-written client: a `reqwest::Client` and the headers every request carries.
#[derive(Clone)]
pub struct Baseline {
    http: reqwest::Client,
    base_url: String,
    headers: HeaderMap,
}

/// Why a baseline request failed.
#[derive(Debug)]
pub struct BaselineError(pub String);

impl Baseline {
    pub fn new(base_url: &str) -> Baseline {
        let mut headers = HeaderMap::new();
        let mut auth =
            HeaderValue::from_str(&format!("Bearer {TOKEN}")).expect("token is a header value");
        auth.set_sensitive(true);
        headers.insert(AUTHORIZATION, auth);
        headers.insert(
            USER_AGENT,
            HeaderValue::from_static("cloudflare-client-certificates/0.1.0"),
        );
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        Baseline {
            http: reqwest::Client::builder()
                .connect_timeout(Duration::from_secs(10))
                .build()
                .expect("reqwest client builds"),
            base_url: base_url.trim_end_matches('/').to_owned(),
            headers,
        }
    }

    async fn get<T: serde::de::DeserializeOwned>(
        &self,
        url: String,
    ) -> Result<Envelope<T>, BaselineError> {
        let response = self
            .http
            .get(url)
            .headers(self.headers.clone())
            .timeout(Duration::from_secs(60))
            .send()
            .await
            .map_err(|e| BaselineError(e.to_string()))?;
        let status = response.status();
        let body = response
            .bytes()
            .await
            .map_err(|e| BaselineError(e.to_string()))?;
        if !status.is_success() {
            return Err(BaselineError(format!("status {status}")));
        }
        let envelope: Envelope<T> =
            serde_json::from_slice(&body).map_err(|e| BaselineError(e.to_string()))?;
        if !envelope.success {
            return Err(BaselineError("success: false".into()));
        }
        Ok(envelope)
    }

    /// One page of a zone's certificates.
    pub async fn list_page(
        &self,
        zone: &str,
        page: Option<u64>,
    ) -> Result<(Vec<Certificate>, Option<PageInfo>), BaselineError> {
        let url = match page {
            Some(page) => format!(
                "{}/zones/{zone}/client_certificates?per_page={PER_PAGE}&page={page}",
                self.base_url
            ),
            None => format!(
                "{}/zones/{zone}/client_certificates?per_page={PER_PAGE}",
                self.base_url
            ),
        };
        let envelope = self.get::<Vec<Certificate>>(url).await?;
        Ok((envelope.result.unwrap_or_default(), envelope.result_info))
    }

    /// One certificate.
    pub async fn get_one(&self, zone: &str, id: &str) -> Result<Certificate, BaselineError> {
        let url = format!("{}/zones/{zone}/client_certificates/{id}", self.base_url);
        self.get::<Certificate>(url)
            .await?
            .result
            .ok_or_else(|| BaselineError("no result".into()))
    }

    /// Every certificate of a zone, page by page, handing each to `each`.
    pub async fn for_each(
        &self,
        zone: &str,
        mut each: impl FnMut(Certificate),
    ) -> Result<(), BaselineError> {
        let mut page = 1;
        loop {
            let (items, info) = self.list_page(zone, Some(page)).await?;
            let count = items.len();
            items.into_iter().for_each(&mut each);
            let last = match info.and_then(|i| i.total_pages) {
                Some(total) => page >= total,
                None => (count as u64) < PER_PAGE,
            };
            if count == 0 || last {
                return Ok(());
            }
            page += 1;
        }
    }
}

/// The generated client for `base_url`, authenticated with the fake's token.
pub fn generated(base_url: &str) -> Client {
    Client::builder()
        .base_url(base_url)
        .credentials(Credentials::api_token(TOKEN))
        .build()
        .expect("the generated client builds")
}

/// A multi-threaded Tokio runtime with one worker per core.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}
