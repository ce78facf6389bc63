//! When to retry a failed attempt and how long to wait before the next one.
//!
//! The policy is safer than that of Cloudflare's official TypeScript and Go
//! SDKs for requests that are not idempotent (`POST` and `PATCH`, unless
//! `RequestOptions::idempotent(true)` says otherwise): what may have reached
//! the server is not sent again. Both obey the server's `x-should-retry`
//! header the same way.
//!
//! | attempt ended with | idempotent request | `POST` / `PATCH` | official SDKs (any method) |
//! | --- | --- | --- | --- |
//! | `x-should-retry: true` | retried | retried | retried |
//! | `x-should-retry: false` | not retried | not retried | not retried |
//! | connection never made | retried | retried | retried |
//! | `429` | retried | retried | retried |
//! | `408`, `409`, `5xx` | retried | **not retried** | retried |
//! | timeout, connection lost after sending | retried | **not retried** | retried |
//! | any other status | not retried | not retried | not retried |
//!
//! `x-should-retry` is read on unsuccessful responses only, and retries stay
//! within `max_retries` and the total timeout whatever it says.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::StatusCode;
use reqwest::header::HeaderMap;

/// Default delay before the first retry.
pub(crate) const DEFAULT_BASE_DELAY: Duration = Duration::from_millis(500);
/// Default upper bound of the computed delay.
pub(crate) const DEFAULT_MAX_DELAY: Duration = Duration::from_secs(8);

/// How an attempt ended, as far as the retry policy is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// A response with this status arrived.
    Status(StatusCode),
    /// The connection could not be established: the request was never sent.
    NotSent,
    /// The connection failed after the request may have been sent.
    ConnectionLost,
    /// The attempt timed out.
    Timeout,
}

impl Outcome {
    /// Short description for logs.
    #[cfg_attr(not(feature = "tracing"), allow(dead_code))]
    pub(crate) fn describe(self) -> String {
        match self {
            Outcome::Status(status) => format!("HTTP {}", status.as_u16()),
            Outcome::NotSent => "connect error".to_owned(),
            Outcome::ConnectionLost => "connection error".to_owned(),
            Outcome::Timeout => "timeout".to_owned(),
        }
    }
}

/// Whether an attempt that ended with `outcome` may be sent again.
///
/// Requests that were never sent and 429 responses (rejected before any
/// processing) are always retried. Anything else that may have reached the
/// server is retried only for idempotent requests.
pub(crate) fn should_retry(idempotent: bool, outcome: Outcome) -> bool {
    match outcome {
        Outcome::NotSent => true,
        Outcome::Status(status) if status == StatusCode::TOO_MANY_REQUESTS => true,
        Outcome::Status(status) => idempotent && super::error::status_is_retryable(status),
        Outcome::ConnectionLost | Outcome::Timeout => idempotent,
    }
}

/// What the server's `x-should-retry` header asks for: `Some(true)` to retry
/// (even where [`should_retry`] would not), `Some(false)` never to, `None`
/// when it is absent or neither `true` nor `false`.
pub(crate) fn server_says_retry(headers: &HeaderMap) -> Option<bool> {
    let value = headers.get("x-should-retry")?.to_str().ok()?.trim();
    if value.eq_ignore_ascii_case("true") {
        Some(true)
    } else if value.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// Exponential backoff: `base × 2^retry`, capped, times a jitter factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Backoff {
    pub base: Duration,
    pub cap: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            base: DEFAULT_BASE_DELAY,
            cap: DEFAULT_MAX_DELAY,
        }
    }
}

impl Backoff {
    /// Delay before retry number `retry` (0 for the first retry), with a
    /// `jitter` factor expected in `[0.75, 1.0]`.
    pub(crate) fn delay(&self, retry: u32, jitter: f64) -> Duration {
        let factor = 1u32 << retry.min(20);
        let exp = self.base.saturating_mul(factor).min(self.cap);
        exp.mul_f64(jitter.clamp(0.0, 1.0))
    }
}

/// The delay requested by `retry-after-ms` or `Retry-After`, if any.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    retry_after_at(headers, SystemTime::now())
}

fn retry_after_at(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let text = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    if let Some(ms) = text("retry-after-ms").and_then(|v| v.parse::<f64>().ok()) {
        if ms.is_finite() && ms >= 0.0 {
            return Some(Duration::from_secs_f64(ms.min(1e12) / 1000.0));
        }
    }
    let value = text("retry-after")?;
    if let Ok(secs) = value.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs.min(1e9)));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// A random factor in `[0.75, 1.0)`.
pub(crate) fn jitter() -> f64 {
    0.75 + 0.25 * random_unit()
}

/// A uniformly distributed number in `[0, 1)`; a SplitMix64 generator over
/// a shared counter mixed with the clock. Not for cryptography.
fn random_unit() -> f64 {
    static STATE: AtomicU64 = AtomicU64::new(0x853c_49e6_748f_ea9b);
    let clock = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let mut z = STATE.fetch_add(0x9e37_79b9_7f4a_7c15, Ordering::Relaxed) ^ clock;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn retry_after_forms() {
        let now = SystemTime::now();
        let at = |pairs: &[(&'static str, &str)]| retry_after_at(&headers(pairs), now);
        assert_eq!(at(&[("retry-after", "3")]), Some(Duration::from_secs(3)));
        assert_eq!(at(&[("retry-after", " 0 ")]), Some(Duration::ZERO));
        assert_eq!(
            at(&[("retry-after-ms", "1500")]),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(
            at(&[("retry-after-ms", "20"), ("retry-after", "5")]),
            Some(Duration::from_millis(20))
        );
        assert_eq!(
            at(&[("retry-after-ms", "junk"), ("retry-after", "5")]),
            Some(Duration::from_secs(5))
        );
        let future = httpdate::fmt_http_date(now + Duration::from_secs(30));
        let got = at(&[("retry-after", &future)]).unwrap();
        assert!(
            got <= Duration::from_secs(30) && got >= Duration::from_secs(28),
            "{got:?}"
        );
        let past = httpdate::fmt_http_date(now - Duration::from_secs(30));
        assert_eq!(at(&[("retry-after", &past)]), Some(Duration::ZERO));
        assert_eq!(at(&[("retry-after", "soon")]), None);
        assert_eq!(at(&[("retry-after", "-4")]), None);
        assert_eq!(at(&[("retry-after-ms", "NaN")]), None);
        assert_eq!(at(&[]), None);
    }

    #[test]
    fn should_retry_header() {
        let says = |value: &str| server_says_retry(&headers(&[("x-should-retry", value)]));
        assert_eq!(says("true"), Some(true));
        assert_eq!(says(" FALSE "), Some(false));
        assert_eq!(says("maybe"), None);
        assert_eq!(server_says_retry(&headers(&[])), None);
    }

    #[test]
    fn backoff_bounds() {
        let b = Backoff::default();
        assert_eq!(b.delay(0, 1.0), Duration::from_millis(500));
        assert_eq!(b.delay(1, 1.0), Duration::from_secs(1));
        assert_eq!(b.delay(3, 1.0), Duration::from_secs(4));
        assert_eq!(b.delay(4, 1.0), Duration::from_secs(8));
        assert_eq!(b.delay(40, 1.0), Duration::from_secs(8));
        assert_eq!(b.delay(u32::MAX, 1.0), Duration::from_secs(8));
        assert_eq!(b.delay(0, 0.75), Duration::from_millis(375));
        for retry in 0..10 {
            let d = b.delay(retry, jitter());
            let full = b.delay(retry, 1.0);
            assert!(d <= full && d >= full.mul_f64(0.75), "retry {retry}: {d:?}");
        }
        for _ in 0..1000 {
            let j = jitter();
            assert!((0.75..1.0).contains(&j), "{j}");
        }
    }

    #[test]
    fn retry_decision_table() {
        use Outcome::*;
        let s = |code| Status(StatusCode::from_u16(code).unwrap());
        // (outcome, retried when idempotent, retried when not idempotent)
        let table = [
            (NotSent, true, true),
            (ConnectionLost, true, false),
            (Timeout, true, false),
            (s(429), true, true),
            (s(408), true, false),
            (s(409), true, false),
            (s(500), true, false),
            (s(502), true, false),
            (s(503), true, false),
            (s(400), false, false),
            (s(401), false, false),
            (s(404), false, false),
            (s(422), false, false),
            (s(200), false, false),
        ];
        for (outcome, idempotent, non_idempotent) in table {
            assert_eq!(
                should_retry(true, outcome),
                idempotent,
                "{outcome:?} idempotent"
            );
            assert_eq!(
                should_retry(false, outcome),
                non_idempotent,
                "{outcome:?} non-idempotent"
            );
        }
        assert_eq!(s(503).describe(), "HTTP 503");
    }
}
