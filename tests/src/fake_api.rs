//! A stateful, in-memory fake of the API Shield mTLS Client Certificates API, served
//! over real HTTP on `127.0.0.1`.
//!
//! It behaves like the documented API closely enough to exercise a client end to end:
//!
//! - **Auth**: `Authorization: Bearer` [`TOKEN`], or `X-Auth-Email` [`EMAIL`] with
//!   `X-Auth-Key` [`API_KEY`]. Anything else gets `401` and error code
//!   [`codes::AUTHENTICATION`].
//! - **Envelope**: every response, success or failure, is the Cloudflare v4 envelope
//!   (`success`, `errors`, `messages`, `result`, plus `result_info` for lists), and
//!   carries a `cf-ray` header unique to the request.
//! - **Zones** are any 32-character lowercase hexadecimal identifier; each has its own
//!   certificates, listed in creation order. A malformed zone identifier gets `400`
//!   with [`codes::INVALID_ZONE`]; an unknown certificate `404` with
//!   [`codes::NOT_FOUND`].
//! - **List** validates `page` (>= 1), `per_page` (5..=50, default 20), `status`
//!   (`all` or a status; absent means all), `offset` and `limit` (applied to the
//!   filtered list before paging), and reports honest `result_info`.
//! - **Create** requires a PEM certificate signing request in `csr` and an integer
//!   `validity_days` in `1..=3650`; each problem is an error item with a
//!   `source.pointer`.
//! - **Revoke** (`DELETE`) moves `active` or `pending_reactivation` to
//!   `pending_revocation` (again on `pending_revocation`: no change); `revoked` is a
//!   `409`. **Reactivate** (`PATCH {"reactivate": true}`) moves `pending_revocation` to
//!   `pending_reactivation`; any other status is a `409`, a body without
//!   `reactivate: true` a `400`. [`FakeApi::settle`] completes the asynchronous steps
//!   (`pending_revocation` → `revoked`, `pending_reactivation` → `active`).
//!
//! Every request is recorded ([`FakeApi::requests`]) with its method, raw path, query,
//! headers, body, the route it matched, its `cf-ray` and the status it got.
//!
//! Identifiers, serial numbers, dates and `cf-ray` values are deterministic.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{MatchedPath, Path, RawQuery, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// API token accepted as `Authorization: Bearer <TOKEN>`.
pub const TOKEN: &str = "fake-api-token-4c1f0e8d2b7a";
/// Account email accepted in `X-Auth-Email`, together with [`API_KEY`].
pub const EMAIL: &str = "owner@example.com";
/// Global API key accepted in `X-Auth-Key`, together with [`EMAIL`].
pub const API_KEY: &str = "fake-global-key-93a7d5e1c6b0";
/// A zone identifier for tests.
pub const ZONE: &str = "023e105f4ecef8ad9ca31a8372d0c353";
/// A second zone identifier, to check that zones are kept apart.
pub const OTHER_ZONE: &str = "9a7806061c88ada191ed06f989cc3dac";
/// A certificate signing request that the fake accepts.
pub const CSR: &str = "-----BEGIN CERTIFICATE REQUEST-----\nMIICYzCCAUsCAQAwHjELMAkGA1UEBhMCVVMxDzANBgNVBAMMBmNsaWVudDCCASIw\n-----END CERTIFICATE REQUEST-----\n";

/// Path templates of the two routes, as reported in [`RecordedRequest::route`].
pub mod routes {
    /// `GET` (list) and `POST` (create).
    pub const COLLECTION: &str = "/zones/{zone_id}/client_certificates";
    /// `GET` (details), `DELETE` (revoke) and `PATCH` (reactivate).
    pub const ITEM: &str = "/zones/{zone_id}/client_certificates/{client_certificate_id}";
}

/// Error codes of the fake's failure envelopes.
pub mod codes {
    /// `401`: missing or wrong credentials.
    pub const AUTHENTICATION: i64 = 10000;
    /// `404`: the certificate does not exist in the zone.
    pub const NOT_FOUND: i64 = 1003;
    /// `400`: the zone identifier is not 32 lowercase hexadecimal characters.
    pub const INVALID_ZONE: i64 = 7003;
    /// `404`: no route for the method-independent path.
    pub const NO_ROUTE: i64 = 7000;
    /// `405`: the route exists but not for this method.
    pub const METHOD_NOT_ALLOWED: i64 = 7001;
    /// `400`: the body is not a JSON object.
    pub const MALFORMED_BODY: i64 = 1001;
    /// `400`: a body field is missing or invalid (with `source.pointer`).
    pub const INVALID_FIELD: i64 = 1002;
    /// `400`: a query parameter is invalid.
    pub const INVALID_PARAMETER: i64 = 1004;
    /// `409`: the certificate's status does not allow the operation.
    pub const INVALID_STATE: i64 = 1005;
}

/// Status of a certificate in the fake.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CertStatus {
    /// Usable.
    Active,
    /// Revocation requested, not yet processed.
    PendingRevocation,
    /// Revoked for good.
    Revoked,
    /// Reactivation requested, not yet processed.
    PendingReactivation,
}

impl CertStatus {
    /// The value on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            CertStatus::Active => "active",
            CertStatus::PendingRevocation => "pending_revocation",
            CertStatus::Revoked => "revoked",
            CertStatus::PendingReactivation => "pending_reactivation",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        [
            CertStatus::Active,
            CertStatus::PendingRevocation,
            CertStatus::Revoked,
            CertStatus::PendingReactivation,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

/// One request as the fake received it.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    /// HTTP method.
    pub method: Method,
    /// Path exactly as sent (still percent-encoded).
    pub path: String,
    /// Raw query string, without `?`.
    pub query: Option<String>,
    /// Decoded query pairs, in order.
    pub query_pairs: Vec<(String, String)>,
    /// Request headers.
    pub headers: HeaderMap,
    /// Request body.
    pub body: Vec<u8>,
    /// Route template the path matched ([`routes`]), `None` when no route matched.
    pub route: Option<String>,
    /// The `cf-ray` value sent back.
    pub cf_ray: String,
    /// Status of the response (`None` until the handler finished).
    pub status: Option<StatusCode>,
}

impl RecordedRequest {
    /// A header's value as text (first value if repeated).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// A decoded query parameter (first occurrence).
    pub fn query_param(&self, name: &str) -> Option<&str> {
        self.query_pairs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body parsed as JSON, if it is JSON.
    pub fn json_body(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

#[derive(Debug, Clone)]
struct Certificate {
    id: String,
    serial: u64,
    csr: String,
    validity_days: i64,
    status: CertStatus,
}

#[derive(Debug, Default)]
struct Inner {
    zones: HashMap<String, Vec<Certificate>>,
    requests: Vec<RecordedRequest>,
    recording_off: bool,
    next_serial: u64,
    next_ray: u64,
}

type Shared = Arc<Mutex<Inner>>;

/// A running fake; the server shuts down when this handle is dropped.
#[derive(Debug)]
pub struct FakeApi {
    /// Base URL to give the client, such as `http://127.0.0.1:40123`.
    pub base_url: String,
    /// Address the server listens on.
    pub addr: SocketAddr,
    state: Shared,
    shutdown: Option<oneshot::Sender<()>>,
    /// The runtime serving it, when it has one of its own ([`FakeApi::start_in_background`]).
    runtime: Option<tokio::runtime::Runtime>,
}

impl Drop for FakeApi {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

impl FakeApi {
    /// Starts a fake on a free port of `127.0.0.1`, on the current Tokio runtime.
    pub async fn start() -> FakeApi {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address");
        let state: Shared = Arc::default();
        let app = router(state.clone());
        let (shutdown, stopped) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        FakeApi {
            base_url: format!("http://{addr}"),
            addr,
            state,
            shutdown: Some(shutdown),
            runtime: None,
        }
    }

    /// Starts a fake served by a runtime of its own, on a thread in the background, for
    /// tests that run no async runtime; it stops when the handle is dropped.
    pub fn start_in_background() -> FakeApi {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("a runtime for the fake");
        let mut fake = runtime.block_on(FakeApi::start());
        fake.runtime = Some(runtime);
        fake
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        lock(&self.state)
    }

    /// Adds `n` active certificates to `zone`; returns their identifiers in list order.
    pub fn seed(&self, zone: &str, n: usize) -> Vec<String> {
        self.seed_with_status(zone, n, CertStatus::Active)
    }

    /// Adds `n` certificates with `status` to `zone`; returns their identifiers.
    pub fn seed_with_status(&self, zone: &str, n: usize, status: CertStatus) -> Vec<String> {
        assert!(is_identifier(zone), "{zone:?} is not a zone identifier");
        let mut inner = self.lock();
        (0..n)
            .map(|i| {
                let csr = format!(
                    "-----BEGIN CERTIFICATE REQUEST-----\nMIIC{i:08}\n-----END CERTIFICATE REQUEST-----\n"
                );
                let mut cert = inner.issue(zone, csr, 3650);
                cert.status = status;
                let id = cert.id.clone();
                inner.zones.entry(zone.to_owned()).or_default().push(cert);
                id
            })
            .collect()
    }

    /// The status of a certificate, if it exists.
    pub fn status_of(&self, zone: &str, id: &str) -> Option<CertStatus> {
        self.lock()
            .zones
            .get(zone)?
            .iter()
            .find(|c| c.id == id)
            .map(|c| c.status)
    }

    /// Sets the status of a certificate; returns whether it exists.
    pub fn set_status(&self, zone: &str, id: &str, status: CertStatus) -> bool {
        let mut inner = self.lock();
        match inner
            .zones
            .get_mut(zone)
            .and_then(|certs| certs.iter_mut().find(|c| c.id == id))
        {
            Some(cert) => {
                cert.status = status;
                true
            }
            None => false,
        }
    }

    /// Completes the asynchronous transitions, as the real service eventually does:
    /// `pending_revocation` → `revoked` and `pending_reactivation` → `active`.
    pub fn settle(&self) {
        for cert in self.lock().zones.values_mut().flatten() {
            cert.status = match cert.status {
                CertStatus::PendingRevocation => CertStatus::Revoked,
                CertStatus::PendingReactivation => CertStatus::Active,
                other => other,
            };
        }
    }

    /// Identifiers of the certificates of `zone`, in list order.
    pub fn ids(&self, zone: &str) -> Vec<String> {
        self.lock()
            .zones
            .get(zone)
            .map(|certs| certs.iter().map(|c| c.id.clone()).collect())
            .unwrap_or_default()
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.lock().requests.clone()
    }

    /// Number of requests received so far.
    pub fn request_count(&self) -> usize {
        self.lock().requests.len()
    }

    /// The last request received, if any.
    pub fn last_request(&self) -> Option<RecordedRequest> {
        self.lock().requests.last().cloned()
    }

    /// Forgets the recorded requests (the certificates stay).
    pub fn clear_requests(&self) {
        self.lock().requests.clear();
    }

    /// Turns the recording of requests on (the default) or off, for long runs such as
    /// benchmarks.
    pub fn set_recording(&self, enabled: bool) {
        self.lock().recording_off = !enabled;
    }
}

fn lock(state: &Shared) -> MutexGuard<'_, Inner> {
    state
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// SplitMix64: a bijection on `u64`, so distinct inputs give distinct outputs.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// `len` hexadecimal characters derived from `seed`.
fn hex(seed: u64, len: usize) -> String {
    let mut out = String::with_capacity(len + 16);
    let mut n = 0u64;
    while out.len() < len {
        out.push_str(&format!(
            "{:016x}",
            mix(seed ^ n.wrapping_mul(0xd6e8_feb8_6659_fd93))
        ));
        n += 1;
    }
    out.truncate(len);
    out
}

/// Whether `id` has the shape of a Cloudflare identifier.
pub fn is_identifier(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

impl Inner {
    fn issue(&mut self, zone: &str, csr: String, validity_days: i64) -> Certificate {
        self.next_serial += 1;
        let serial = self.next_serial;
        // The first 16 characters are a bijection of the serial: identifiers never
        // collide. The zone is mixed into the rest.
        let zone_seed = zone.bytes().fold(0u64, |acc, b| mix(acc ^ u64::from(b)));
        let id = format!("{:016x}{}", mix(serial), &hex(serial ^ zone_seed, 16));
        Certificate {
            id,
            serial,
            csr,
            validity_days,
            status: CertStatus::Active,
        }
    }

    fn next_ray(&mut self) -> String {
        self.next_ray += 1;
        format!("{:016x}-SJC", mix(self.next_ray ^ 0x00c0_ffee))
    }
}

/// Issue dates start here and advance one minute per certificate.
const EPOCH: i64 = 1_704_067_200; // 2024-01-01T00:00:00Z

fn timestamp(secs: i64) -> String {
    chrono::DateTime::<chrono::Utc>::from_timestamp(secs, 0)
        .expect("timestamp in range")
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn certificate_json(cert: &Certificate) -> Value {
    let issued = EPOCH + 60 * cert.serial as i64;
    let expires = issued + cert.validity_days * 86_400;
    json!({
        "id": cert.id,
        "certificate": format!(
            "-----BEGIN CERTIFICATE-----\nMIID{}\n-----END CERTIFICATE-----\n",
            hex(cert.serial ^ 0xce27, 48)
        ),
        "certificate_authority": {
            "id": "568b6b74-7b0c-4755-8840-4e3b8c24adeb",
            "name": "Cloudflare Managed CA for account"
        },
        "common_name": format!("client-{}", cert.serial),
        "country": "US",
        "csr": cert.csr,
        "expires_on": timestamp(expires),
        "fingerprint_sha256": hex(cert.serial ^ 0xf1, 64),
        "issued_on": timestamp(issued),
        "location": "Somewhere",
        "organization": "Organization",
        "organizational_unit": "Organizational Unit",
        "serial_number": hex(cert.serial ^ 0x5e, 40),
        "signature": "SHA256WithRSA",
        "ski": hex(cert.serial ^ 0x5c, 40),
        "state": "CA",
        "status": cert.status.as_str(),
        "validity_days": cert.validity_days,
    })
}

/// A failed request: its status and its error items `(code, message, pointer)`.
#[derive(Debug)]
struct Problem {
    status: StatusCode,
    errors: Vec<(i64, String, Option<&'static str>)>,
}

impl Problem {
    fn new(status: StatusCode, code: i64, message: impl Into<String>) -> Problem {
        Problem {
            status,
            errors: vec![(code, message.into(), None)],
        }
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let errors: Vec<Value> = self
            .errors
            .into_iter()
            .map(|(code, message, pointer)| match pointer {
                Some(pointer) => {
                    json!({"code": code, "message": message, "source": {"pointer": pointer}})
                }
                None => json!({"code": code, "message": message}),
            })
            .collect();
        envelope_response(
            self.status,
            json!({"success": false, "errors": errors, "messages": [], "result": null}),
        )
    }
}

type Answer = Result<Response, Problem>;

fn success(result: Value) -> Answer {
    Ok(envelope_response(
        StatusCode::OK,
        json!({"success": true, "errors": [], "messages": [], "result": result}),
    ))
}

fn envelope_response(status: StatusCode, body: Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

fn router(state: Shared) -> Router {
    Router::new()
        .route(routes::COLLECTION, get(list).post(create))
        .route(routes::ITEM, get(details).delete(revoke).patch(reactivate))
        .fallback(no_route)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            record_and_authenticate,
        ))
        .with_state(state)
}

fn authorized(headers: &HeaderMap) -> bool {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let bearer = text("authorization") == Some(format!("Bearer {TOKEN}").as_str());
    let key = text("x-auth-email") == Some(EMAIL) && text("x-auth-key") == Some(API_KEY);
    bearer || key
}

/// Records the request, checks the credentials, and stamps `cf-ray` on the response.
async fn record_and_authenticate(
    State(state): State<Shared>,
    req: Request,
    next: Next,
) -> Response {
    let (parts, body) = req.into_parts();
    let body = match axum::body::to_bytes(body, 1 << 20).await {
        Ok(bytes) => bytes,
        Err(_) => Bytes::new(),
    };
    let query = parts.uri.query().map(str::to_owned);
    let record = RecordedRequest {
        method: parts.method.clone(),
        path: parts.uri.path().to_owned(),
        query_pairs: query
            .as_deref()
            .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
            .unwrap_or_default(),
        query,
        headers: parts.headers.clone(),
        body: body.to_vec(),
        route: parts
            .extensions
            .get::<MatchedPath>()
            .map(|m| m.as_str().to_owned()),
        cf_ray: String::new(),
        status: None,
    };
    let ray = {
        let mut inner = lock(&state);
        let ray = inner.next_ray();
        if !inner.recording_off {
            inner.requests.push(RecordedRequest {
                cf_ray: ray.clone(),
                ..record
            });
        }
        ray
    };
    let mut response = if authorized(&parts.headers) {
        next.run(Request::from_parts(parts, Body::from(body))).await
    } else {
        Problem::new(
            StatusCode::UNAUTHORIZED,
            codes::AUTHENTICATION,
            "Authentication error",
        )
        .into_response()
    };
    response.headers_mut().insert(
        "cf-ray",
        HeaderValue::from_str(&ray).expect("cf-ray is ASCII"),
    );
    if let Some(entry) = lock(&state)
        .requests
        .iter_mut()
        .rev()
        .find(|r| r.cf_ray == ray)
    {
        entry.status = Some(response.status());
    }
    response
}

async fn no_route() -> Problem {
    Problem::new(
        StatusCode::NOT_FOUND,
        codes::NO_ROUTE,
        "No route for that URI",
    )
}

async fn method_not_allowed() -> Problem {
    Problem::new(
        StatusCode::METHOD_NOT_ALLOWED,
        codes::METHOD_NOT_ALLOWED,
        "Method not allowed for this route",
    )
}

/// Checks the shape of a zone identifier.
fn check_zone(zone: &str) -> Result<(), Problem> {
    if is_identifier(zone) {
        return Ok(());
    }
    Err(Problem::new(
        StatusCode::BAD_REQUEST,
        codes::INVALID_ZONE,
        format!(
            "Could not route to /zones/{zone}/client_certificates, perhaps your object identifier is invalid?"
        ),
    ))
}

fn invalid_parameter(message: String) -> Problem {
    Problem::new(StatusCode::BAD_REQUEST, codes::INVALID_PARAMETER, message)
}

/// An integer query parameter within bounds.
fn int_param(
    pairs: &[(String, String)],
    name: &str,
    min: i64,
    max: Option<i64>,
) -> Result<Option<i64>, Problem> {
    let Some((_, raw)) = pairs.iter().find(|(n, _)| n == name) else {
        return Ok(None);
    };
    let bound = match max {
        Some(max) => format!("an integer from {min} to {max}"),
        None => format!("an integer of at least {min}"),
    };
    match raw.parse::<i64>() {
        Ok(v) if v >= min && max.is_none_or(|max| v <= max) => Ok(Some(v)),
        _ => Err(invalid_parameter(format!(
            "Invalid value for `{name}`: must be {bound} (got {raw:?})"
        ))),
    }
}

/// The `status` filter; `None` for all statuses.
fn status_param(pairs: &[(String, String)]) -> Result<Option<CertStatus>, Problem> {
    match pairs.iter().find(|(n, _)| n == "status") {
        None => Ok(None),
        Some((_, s)) if s == "all" => Ok(None),
        Some((_, s)) => CertStatus::parse(s).map(Some).ok_or_else(|| {
            invalid_parameter(format!(
                "Invalid value for `status`: must be one of all, active, pending_reactivation, \
                 pending_revocation, revoked (got {s:?})"
            ))
        }),
    }
}

async fn list(
    State(state): State<Shared>,
    Path(zone): Path<String>,
    RawQuery(query): RawQuery,
) -> Answer {
    check_zone(&zone)?;
    let pairs: Vec<(String, String)> = query
        .as_deref()
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default();
    let page = int_param(&pairs, "page", 1, None)?.unwrap_or(1);
    let per_page = int_param(&pairs, "per_page", 5, Some(50))?.unwrap_or(20);
    let offset = int_param(&pairs, "offset", 0, None)?.unwrap_or(0);
    let limit = int_param(&pairs, "limit", 0, None)?;
    let status = status_param(&pairs)?;
    let inner = lock(&state);
    let matching: Vec<&Certificate> = inner
        .zones
        .get(&zone)
        .map(|certs| {
            certs
                .iter()
                .filter(|c| status.is_none_or(|s| c.status == s))
                .skip(usize::try_from(offset).unwrap_or(usize::MAX))
                .take(limit.map_or(usize::MAX, |l| usize::try_from(l).unwrap_or(usize::MAX)))
                .collect()
        })
        .unwrap_or_default();
    let total = matching.len() as i64;
    let total_pages = (total + per_page - 1) / per_page;
    let start = (page - 1).saturating_mul(per_page).min(total);
    let items: Vec<Value> = matching
        .iter()
        .skip(start as usize)
        .take(per_page as usize)
        .map(|c| certificate_json(c))
        .collect();
    Ok(envelope_response(
        StatusCode::OK,
        json!({
            "success": true,
            "errors": [],
            "messages": [],
            "result": items,
            "result_info": {
                "count": items.len(),
                "page": page,
                "per_page": per_page,
                "total_count": total,
                "total_pages": total_pages,
            }
        }),
    ))
}

/// Whether `csr` looks like a PEM certificate signing request.
fn is_pem_csr(csr: &str) -> bool {
    let text = csr.trim();
    ["", "NEW "].iter().any(|prefix| {
        let begin = format!("-----BEGIN {prefix}CERTIFICATE REQUEST-----");
        let end = format!("-----END {prefix}CERTIFICATE REQUEST-----");
        text.strip_prefix(&begin)
            .and_then(|rest| rest.strip_suffix(&end))
            .is_some_and(|inner| !inner.trim().is_empty())
    })
}

fn json_object(body: &[u8]) -> Result<serde_json::Map<String, Value>, Problem> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(Problem::new(
            StatusCode::BAD_REQUEST,
            codes::MALFORMED_BODY,
            "The request body must be a JSON object",
        )),
    }
}

async fn create(State(state): State<Shared>, Path(zone): Path<String>, body: Bytes) -> Answer {
    check_zone(&zone)?;
    let map = json_object(&body)?;
    let mut problem = Problem {
        status: StatusCode::BAD_REQUEST,
        errors: Vec::new(),
    };
    let mut invalid = |message: &str, pointer: &'static str| {
        problem
            .errors
            .push((codes::INVALID_FIELD, message.to_owned(), Some(pointer)));
    };
    let csr = match map.get("csr") {
        None | Some(Value::Null) => {
            invalid("csr is required", "/csr");
            None
        }
        Some(Value::String(csr)) if is_pem_csr(csr) => Some(csr.clone()),
        Some(_) => {
            invalid(
                "csr must be a PEM-encoded certificate signing request",
                "/csr",
            );
            None
        }
    };
    let validity_days = match map.get("validity_days").map(|v| (v, v.as_i64())) {
        None | Some((Value::Null, _)) => {
            invalid("validity_days is required", "/validity_days");
            None
        }
        Some((_, Some(days))) if (1..=3650).contains(&days) => Some(days),
        Some(_) => {
            invalid(
                "validity_days must be an integer from 1 to 3650",
                "/validity_days",
            );
            None
        }
    };
    let (Some(csr), Some(validity_days)) = (csr, validity_days) else {
        return Err(problem);
    };
    let mut inner = lock(&state);
    let cert = inner.issue(&zone, csr, validity_days);
    let result = certificate_json(&cert);
    inner.zones.entry(zone).or_default().push(cert);
    success(result)
}

/// Runs `f` on the certificate and answers with it, or with the right failure.
fn with_certificate(
    state: &Shared,
    zone: &str,
    id: &str,
    f: impl FnOnce(&mut Certificate) -> Result<(), Problem>,
) -> Answer {
    check_zone(zone)?;
    let mut inner = lock(state);
    let cert = inner
        .zones
        .get_mut(zone)
        .and_then(|certs| certs.iter_mut().find(|c| c.id == id))
        .ok_or_else(|| {
            Problem::new(
                StatusCode::NOT_FOUND,
                codes::NOT_FOUND,
                "Client certificate not found",
            )
        })?;
    f(cert)?;
    success(certificate_json(cert))
}

fn conflict(message: impl Into<String>) -> Problem {
    Problem::new(StatusCode::CONFLICT, codes::INVALID_STATE, message)
}

async fn details(State(state): State<Shared>, Path((zone, id)): Path<(String, String)>) -> Answer {
    with_certificate(&state, &zone, &id, |_| Ok(()))
}

async fn revoke(State(state): State<Shared>, Path((zone, id)): Path<(String, String)>) -> Answer {
    with_certificate(&state, &zone, &id, |cert| match cert.status {
        CertStatus::Active | CertStatus::PendingReactivation | CertStatus::PendingRevocation => {
            cert.status = CertStatus::PendingRevocation;
            Ok(())
        }
        CertStatus::Revoked => Err(conflict("The client certificate is already revoked")),
    })
}

async fn reactivate(
    State(state): State<Shared>,
    Path((zone, id)): Path<(String, String)>,
    body: Bytes,
) -> Answer {
    check_zone(&zone)?;
    let map = json_object(&body)?;
    if map.get("reactivate") != Some(&Value::Bool(true)) {
        return Err(Problem {
            status: StatusCode::BAD_REQUEST,
            errors: vec![(
                codes::INVALID_FIELD,
                "reactivate must be true".to_owned(),
                Some("/reactivate"),
            )],
        });
    }
    with_certificate(&state, &zone, &id, |cert| match cert.status {
        CertStatus::PendingRevocation => {
            cert.status = CertStatus::PendingReactivation;
            Ok(())
        }
        other => Err(conflict(format!(
            "Only a certificate in pending_revocation can be reactivated (status is {})",
            other.as_str()
        ))),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_distinct_and_well_formed() {
        let mut inner = Inner::default();
        let ids: Vec<String> = (0..500)
            .map(|_| inner.issue(ZONE, CSR.into(), 1).id)
            .collect();
        assert!(ids.iter().all(|id| is_identifier(id)), "{ids:?}");
        let unique: std::collections::HashSet<&String> = ids.iter().collect();
        assert_eq!(unique.len(), ids.len());
    }

    #[test]
    fn csr_shape() {
        assert!(is_pem_csr(CSR));
        assert!(is_pem_csr(
            "-----BEGIN NEW CERTIFICATE REQUEST-----\nabc\n-----END NEW CERTIFICATE REQUEST-----"
        ));
        assert!(!is_pem_csr("hello"));
        assert!(!is_pem_csr(
            "-----BEGIN CERTIFICATE REQUEST-----\n\n-----END CERTIFICATE REQUEST-----"
        ));
    }
}
